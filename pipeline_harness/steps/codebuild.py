"""Step 5: the CodeBuild project that builds the multi-arch image, and its log group."""

from __future__ import annotations

from pipeline_harness.errors import NotOurs
from pipeline_harness.settings import TUTORIAL_ENV_VARS
from pipeline_harness.steps.base import (
    MISSING, Check, Context, carries_our_tag, dig, drifted, equals, exists,
)

SERVICES = ("codebuild", "logs")
STEP = 5
KEY = "codebuild_project"


def environment_variables(ctx: Context) -> dict[str, str]:
    """The four variables the buildspec expects, by the tutorial's names."""
    values = (ctx.names.account_id, ctx.names.region, ctx.names.ecr_repository,
              ctx.settings.container)
    return dict(zip(TUTORIAL_ENV_VARS, values))


def desired(ctx: Context) -> dict:
    location = ctx.target.quirks.codebuild_pipeline_location
    where = {"location": location} if location else {}
    return {
        "name": ctx.names.codebuild_project,
        "source": {"type": "CODEPIPELINE", "buildspec": ctx.settings.buildspec, **where},
        "artifacts": {"type": "CODEPIPELINE", **where},
        "environment": {
            "type": "LINUX_CONTAINER",
            "image": ctx.settings.codebuild_image,
            "computeType": ctx.settings.codebuild_compute_type,
            "privilegedMode": True,
            "imagePullCredentialsType": "CODEBUILD",
            "environmentVariables": [{"name": k, "value": v, "type": "PLAINTEXT"}
                                     for k, v in environment_variables(ctx).items()],
        },
        "serviceRole": ctx.names.role_arn(ctx.names.codebuild_role),
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": ctx.names.log_group}},
    }


def read(ctx: Context):
    found = ctx.client("codebuild").batch_get_projects(names=[ctx.names.codebuild_project])
    return found["projects"][0] if found["projects"] else MISSING


def read_log_group(ctx: Context):
    logs = ctx.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=ctx.names.log_group)["logGroups"]
    return next((g for g in groups if g["logGroupName"] == ctx.names.log_group), MISSING)


def _ensure_log_group(ctx: Context) -> None:
    logs = ctx.client("logs")
    try:
        logs.create_log_group(logGroupName=ctx.names.log_group, tags=ctx.settings.tags)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass  # CodeBuild makes it on the first build; adopting it loses nothing
    ctx.created.add("log_group")


def ensure(ctx: Context) -> dict:
    codebuild, want = ctx.client("codebuild"), desired(ctx)
    _ensure_log_group(ctx)
    try:
        project = codebuild.create_project(**want, tags=ctx.tag_list("key", "value"))["project"]
    except codebuild.exceptions.ResourceAlreadyExistsException:
        current = read(ctx)
        if KEY not in ctx.created and not carries_our_tag(current.get("tags", [])):
            raise NotOurs(f"CodeBuild project {want['name']} exists and was not made by "
                          "pipeline-harness; use --prefix or remove it") from None
        project = current
        if drifted(want, current):
            ctx.target.require("codebuild", "UpdateProject")
            project = codebuild.update_project(**want)["project"]
    ctx.created.add(KEY)
    return {"name": project["name"], "arn": project["arn"], "log_group": ctx.names.log_group}


def delete(ctx: Context) -> str:
    project = read(ctx)
    outcome = "absent"
    if project is not MISSING:
        if KEY not in ctx.created and not carries_our_tag(project.get("tags", [])):
            return "not ours"
        ctx.client("codebuild").delete_project(name=project["name"])
        ctx.created.discard(KEY)
        outcome = "deleted"
    group = read_log_group(ctx) if "log_group" not in ctx.created else {"ours": True}
    if group is not MISSING and (group.get("ours") or _tagged(ctx, group)):
        ctx.client("logs").delete_log_group(logGroupName=ctx.names.log_group)
        ctx.created.discard("log_group")
    return outcome


def _tagged(ctx: Context, group: dict) -> bool:
    arn = group["arn"].removesuffix(":*")
    return carries_our_tag(ctx.client("logs").list_tags_for_resource(resourceArn=arn)["tags"])


def _variables(project: dict) -> dict[str, str]:
    return {v["name"]: v.get("value") for v in dig(project, "environment", "environmentVariables",
                                                    default=[])}


def _judge_variables(project: dict, ctx: Context):
    want, found = environment_variables(ctx), _variables(project)
    wrong = {k: found.get(k) for k, v in want.items() if found.get(k) != v}
    expected = ", ".join(f"{k}={v}" for k, v in want.items())
    shown = ", ".join(f"{k}={v if v is not None else '(missing)'}" for k, v in wrong.items())
    return not wrong, expected, shown or "all four"


_NEEDS = (("codebuild", None),)
_PROJECT_HINT = "CodeBuild → Create build project `dev-php-app-build` (Step 5)"
CHECKS = [
    Check("codebuild.project", STEP, "CodeBuild project exists", _PROJECT_HINT, read,
          exists(lambda p: f"`{p['name']}`"), _NEEDS),
    Check("codebuild.privileged", STEP, "Privileged mode enabled",
          "Forgetting to enable Privileged mode - Docker builds will fail (Step 5 Common Mistakes)",
          read, equals(lambda ctx: True, lambda p: dig(p, "environment", "privilegedMode")), _NEEDS),
    Check("codebuild.image", STEP, "Build image is aws/codebuild/standard:7.0",
          "Using wrong CodeBuild image - must support Docker and buildx (Step 5 Common Mistakes)",
          read, equals(lambda ctx: ctx.settings.codebuild_image,
                       lambda p: dig(p, "environment", "image")), _NEEDS),
    Check("codebuild.environment-variables", STEP, "The four environment variables are set",
          "Wrong environment variable names - buildspec.yml expects AWS_ACCOUNT_ID, "
          "AWS_DEFAULT_REGION, IMAGE_REPO_NAME, CONTAINER_NAME (Step 5 Common Mistakes)",
          read, _judge_variables, _NEEDS),
    Check("codebuild.source", STEP, "Source and artifacts are AWS CodePipeline",
          "Source provider and Artifacts type must both be AWS CodePipeline (Step 5)",
          read, equals(lambda ctx: ("CODEPIPELINE", "CODEPIPELINE"),
                       lambda p: (dig(p, "source", "type"), dig(p, "artifacts", "type"))), _NEEDS),
    Check("codebuild.buildspec", STEP, "Buildspec is buildspec.yml",
          "Use a buildspec file named buildspec.yml in the repository root (Step 5)",
          read, equals(lambda ctx: ctx.settings.buildspec,
                       lambda p: dig(p, "source", "buildspec") or "buildspec.yml"), _NEEDS),
    Check("codebuild.service-role", STEP, "Runs as dev-codebuild-service-role",
          "Service role: Existing service role `dev-codebuild-service-role` (Step 5)",
          read, equals(lambda ctx: ctx.names.codebuild_role,
                       lambda p: (p.get("serviceRole") or "").rsplit("/", 1)[-1]), _NEEDS),
    Check("codebuild.logs", STEP, "CloudWatch logs to /aws/codebuild/dev-php-app-build",
          "Logs: check \"CloudWatch logs\", group name `/aws/codebuild/dev-php-app-build` (Step 5)",
          read, equals(lambda ctx: ("ENABLED", ctx.names.log_group),
                       lambda p: (dig(p, "logsConfig", "cloudWatchLogs", "status"),
                                  dig(p, "logsConfig", "cloudWatchLogs", "groupName"))), _NEEDS),
]
