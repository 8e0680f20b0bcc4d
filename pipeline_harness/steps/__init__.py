"""One module per tutorial step, in the order their resources depend on each other.

The prerequisites the tutorial assumes (an ECS cluster and service behind an ALB) are a section of
their own, numbered 0: they come before Step 1 in the tutorial, and after Step 5 in provisioning
(the service runs the repository's image; the pipeline deploys to the service).
"""

from pipeline_harness.steps import (
    artifacts,
    codebuild,
    codepipeline,
    connection,
    ecr,
    events,
    iam,
    prerequisites,
)

# provisioning order; teardown walks the registry of kinds backwards
STEPS = (ecr, connection, artifacts, iam, codebuild, prerequisites, codepipeline, events)

TITLES = {
    0: "Prerequisites: ECS cluster, service and ALB",
    1: "Step 1: Create ECR Repository",
    2: "Step 2: Create GitHub Connection",
    3: "Step 3: Create S3 Bucket for Artifacts",
    4: "Step 4: Create IAM Roles",
    5: "Step 5: Create CodeBuild Project",
    6: "Step 6: Create CodePipeline",
    7: "Step 7: Verify Pipeline",
}

CHECKS = tuple(check for step in STEPS for check in step.CHECKS)
