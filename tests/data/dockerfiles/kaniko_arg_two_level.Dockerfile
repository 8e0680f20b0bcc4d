ARG A=3.9
ARG B=alpine:${A}
FROM ${B}
