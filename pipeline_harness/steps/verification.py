"""Step 7: Verify Pipeline — the pipeline's run, not a resource: the harness makes nothing for it.

What a run leaves behind (an execution of the commit, its multi-arch image and tags, the rollout,
the ALB's answer) is waited for by `waits/` (the nightly run, `pipeline-harness wait`) and graded
by `grading/step7.py`, which sit after the steps in the data flow, so the step declares no checks.
"""

from __future__ import annotations

from pipeline_harness.steps.base import Step

NUMBER = 7
STEP = Step(name="verification", number=NUMBER, title="Verify Pipeline")
