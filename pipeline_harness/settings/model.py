"""The lab's settings: every name and knob of the tutorial, typed, with the tutorial's values as
defaults. Each value's rule is settings/checks.py's, each name's settings/names.py's."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

from pipeline_harness.core.stamps import now
from pipeline_harness.settings import checks
from pipeline_harness.settings.checks import TAG_CREATED_AT, TAG_RUN_ID
from pipeline_harness.settings.names import Names

# the environment variables the tutorial's build project gives its buildspec (Step 5)
TUTORIAL_ENV_VARS = ("AWS_ACCOUNT_ID", "AWS_DEFAULT_REGION", "IMAGE_REPO_NAME", "CONTAINER_NAME")

def _new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Settings:
    """The lab as the tutorial names it; `names` applies the run prefix."""

    # target
    target: str = "moto"
    endpoint_url: str | None = None
    region: str = "us-east-1"
    profile: str | None = None
    prefix: str = ""
    # Step 1
    ecr_repository: str = "my-ecs-php-app"
    tag_immutability: bool = False
    # Step 2
    connection_name: str = "github-connection"
    connection_arn: str | None = None
    create_connection: bool = False
    # Step 3
    artifact_bucket: str = "dev-pipeline-artifacts-{account_id}"
    # Step 4
    pipeline_role: str = "dev-codepipeline-service-role"
    codebuild_role: str = "dev-codebuild-service-role"
    pipeline_policy: str = "CodePipelineCustomPolicy"
    codebuild_policy: str = "CodeBuildCustomPolicy"
    # Step 5
    codebuild_project: str = "dev-php-app-build"
    codebuild_image: str = "aws/codebuild/standard:7.0"
    codebuild_compute_type: str = "BUILD_GENERAL1_SMALL"
    log_group: str = "/aws/codebuild/{codebuild_project}"
    buildspec: str = "buildspec.yml"
    # Step 6
    pipeline: str = "dev-php-app-pipeline"
    pipeline_type: str = "V2"
    github_repository: str = "larsappel/my-ecs-php-app"
    branch: str = "main"
    image_definitions_file: str = "imagedefinitions.json"
    # the prerequisites the tutorial assumes
    cluster: str = "dev-cluster"
    service: str = "dev-php-app-alb-service"
    load_balancer: str = "dev-php-app-alb"
    container: str = "php-app-container"
    container_port: int = 80
    health_check_path: str = "/health.php"
    # what the tutorial assumes but does not name: the harness's own names when it makes them
    network: str = "dev-php-app"  # its VPC, gateway, subnets and security group: dev-php-app-vpc, ...
    target_group: str = "dev-php-app-tg"
    task_family: str = "dev-php-app-task"
    execution_role: str = "dev-php-app-task-execution-role"
    # Step 7's event source (an EventBridge rule and SQS queue of this name), when waits use events
    events: str = "dev-php-app-events"
    wait_events: bool = False
    desired_count: int = 1
    provision_prerequisites: bool = False
    # real AWS: provisioning refuses any account not listed here (comma-separated ids)
    allowed_accounts: str = ""
    # bookkeeping
    keep_resources: bool = False
    run_id: str = field(default_factory=_new_run_id)
    created_at: str = field(default_factory=now)

    def __post_init__(self) -> None:
        checks.check(vars(self))

    @property
    def allowed_account_ids(self) -> set[str]:
        return {a.strip() for a in self.allowed_accounts.split(",") if a.strip()}

    def names(self, account_id: str, prefix_prerequisites: bool = True) -> Names:
        return Names(self, account_id, prefix_prerequisites)

    @property
    def tags(self) -> dict[str, str]:
        """Tags every created resource carries, so teardown and sweep touch only ours."""
        return {TAG_RUN_ID: self.run_id, TAG_CREATED_AT: self.created_at}

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)
