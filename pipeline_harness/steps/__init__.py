"""The lab's steps, each declared once (`Step`) in a module of its own, in the order their resources
depend on each other.

The prerequisites the tutorial assumes (an ECS cluster and service behind an ALB) are a section of
their own, numbered 0: they come before Step 1 in the tutorial, and after Step 5 in provisioning
(the service runs the repository's image; the pipeline deploys to the service). The run's event
source is the harness's plumbing for Step 7's waits, not a step of the tutorial.

Adding a step: its module (declaring `STEP`) and its place in `STEPS`; titles, report sections,
the grade, provisioning, teardown and the IAM policies' statement ids follow from it.
"""

from __future__ import annotations

from pipeline_harness.kinds.base import Kind
from pipeline_harness.steps import (
    artifacts,
    codebuild,
    codepipeline,
    connection,
    ecr,
    events,
    iam,
    prerequisites,
    verification,
)
from pipeline_harness.steps.base import Step

# provisioning order; teardown walks the registry of kinds backwards
STEPS: tuple[Step, ...] = (ecr.STEP, connection.STEP, artifacts.STEP, iam.STEP, codebuild.STEP,
                           prerequisites.STEP, codepipeline.STEP, events.STEP, verification.STEP)

PREREQUISITES = prerequisites.NUMBER  # the report's section of what the tutorial assumes
TITLES = {step.number: step.heading
          for step in sorted(STEPS, key=lambda step: step.number or 0) if step.number is not None}
CHECKS = tuple(check for step in STEPS for check in step.checks)
_HOLDING = {resource.kind: step for step in STEPS for resource in step.resources}


def holding(kind: Kind) -> Step:
    """The step whose resources hold the kind: its number, its title, its policy statement."""
    return _HOLDING[kind]
