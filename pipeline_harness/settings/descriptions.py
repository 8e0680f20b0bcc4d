"""What each setting is, in one sentence: the words docs/configuration.md's table shows beside each
field of `Settings` (name, type and default come from the class itself;
`python -m pipeline_harness.settings.docs --write` writes the table).

Written here, once, and not as field metadata in settings.py, so that the class and its loader stay
one job; a test holds this dict and the class's fields to the same names.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # target
    "target": "where the harness runs: `moto` (an embedded server on a free 127.0.0.1 port), "
              "`localstack` or `aws` ([targets.md](targets.md))",
    "endpoint_url": "an AWS-compatible endpoint every call goes to (a `moto_server`, LocalStack, a VPC "
                    "endpoint or proxy); honoured for every target",
    "region": "the AWS region, of the `aws` partition",
    "profile": "the AWS profile for `--target aws` (else boto3's usual credential chain)",
    "prefix": "put before every name the harness creates (letters, digits and `-`); the artifact "
              "bucket takes it as a suffix",
    # Step 1
    "ecr_repository": "Step 1: the ECR repository",
    "tag_immutability": "Step 1: make the repository's tags immutable (optional in the tutorial; the "
                        "grader's bonus point)",
    # Step 2
    "connection_name": "Step 2: the GitHub connection's name",
    "connection_arn": "Step 2: an existing connection to use instead (a CodeConnections or CodeStar "
                      "connection ARN); the nightly run needs an AVAILABLE one",
    "create_connection": "Step 2: create the connection (it stays PENDING until its GitHub handshake "
                         "is done by hand)",
    # Step 3
    "artifact_bucket": "Step 3: the artifact bucket; may use only `{account_id}`; the run prefix "
                       "becomes a suffix, so the tutorial's `dev-pipeline-artifacts-*` policies match",
    # Step 4
    "pipeline_role": "Step 4: CodePipeline's service role",
    "codebuild_role": "Step 4: CodeBuild's service role",
    "pipeline_policy": "Step 4: the pipeline role's inline policy (not prefixed: it lives in its role)",
    "codebuild_policy": "Step 4: the CodeBuild role's inline policy (not prefixed)",
    # Step 5
    "codebuild_project": "Step 5: the CodeBuild project",
    "codebuild_image": "Step 5: the build's image (no spaces)",
    "codebuild_compute_type": "Step 5: the build's compute type, one of CodeBuild's (from botocore's "
                              "model)",
    "log_group": "Step 5: the build's log group; may use only `{codebuild_project}`",
    "buildspec": "Step 5: the buildspec file the project builds with",
    # Step 6
    "pipeline": "Step 6: the pipeline",
    "pipeline_type": "Step 6: the pipeline's type, `V1` or `V2` (LocalStack runs only V1 pipelines)",
    "github_repository": "Step 6: the GitHub `owner/repo` the Source action reads",
    "branch": "Step 6: the branch the Source action reads",
    "image_definitions_file": "Step 6: the file the Deploy action reads the image from",
    # the prerequisites the tutorial assumes
    "cluster": "prerequisite: the ECS cluster (keeps its own name when it is yours)",
    "service": "prerequisite: the ECS service behind the ALB",
    "load_balancer": "prerequisite: the application load balancer",
    "container": "prerequisite: the task definition's container, which `imagedefinitions.json` names "
                 "(up to 255 letters, digits, `_`, `-`)",
    "container_port": "prerequisite: the container's port (1–65535)",
    "health_check_path": "prerequisite: the ALB's and ECS's health check path (starts with `/`)",
    # what the tutorial assumes but does not name
    "network": "what the harness makes for the prerequisites: its VPC, gateway, subnets and security "
               "group are named from this (`dev-php-app-vpc`, …)",
    "target_group": "the ALB's target group, when the harness makes it",
    "task_family": "the service's task definition family, when the harness makes it (logs to "
                   "`/ecs/<family>`)",
    "execution_role": "the tasks' execution role, when the harness makes it",
    # Step 7
    "events": "Step 7: the run's EventBridge rule and SQS queue, when waits listen to events",
    "wait_events": "Step 7: the waits listen to EventBridge too (`wait --events`; the nightly run sets "
                   "it)",
    "desired_count": "the service's tasks when the harness makes it (0–1000)",
    "provision_prerequisites": "make the cluster, service and ALB on real AWS too (else they must "
                               "exist)",
    "allowed_accounts": "real AWS: the only account ids (comma-separated) the harness may create, "
                        "change or delete in",
    # bookkeeping
    "keep_resources": "keep what `verify` or the fixtures made instead of tearing it down",
    "run_id": "the value of every created resource's `pipeline-harness:run-id` tag (a valid tag "
              "value, at most 256 characters)",
    "created_at": "the value of every created resource's `pipeline-harness:created-at` tag (UTC), "
                  "which `sweep --older-than` compares",
}
