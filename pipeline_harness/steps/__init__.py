"""One module per tutorial step, in the order resources depend on each other."""

from pipeline_harness.steps import (
    artifacts, codebuild, codepipeline, connection, ecr, ecs_stack, iam,
)

# provisioning order; teardown runs it backwards
STEPS = (ecr, connection, artifacts, iam, codebuild, ecs_stack, codepipeline)

TITLES = {
    1: "Create ECR Repository",
    2: "Create GitHub Connection",
    3: "Create S3 Bucket for Artifacts",
    4: "Create IAM Roles",
    5: "Create CodeBuild Project",
    6: "Create CodePipeline",
    7: "Verify Pipeline",
}

CHECKS = tuple(check for step in STEPS for check in step.CHECKS)
