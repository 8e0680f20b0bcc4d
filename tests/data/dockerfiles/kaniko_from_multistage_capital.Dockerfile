FROM alpine as base_stage

RUN echo base_stage


FROM base_stage as BUG_stage

RUN echo BUG_stage


FROM BUG_stage as final_stage

RUN echo final_stage
