"""Step 5: the CodeBuild project that builds the multi-arch image, and its log group."""

from __future__ import annotations

from pipeline_harness.kinds.codebuild import PROJECT
from pipeline_harness.kinds.logs import LOG_GROUP
from pipeline_harness.settings import TUTORIAL_ENV_VARS
from pipeline_harness.steps.base import Check, Resource, Step, Verdict, dig, equals, exists, reader
from pipeline_harness.targets.context import Context

NUMBER = 5


def environment_variables(ctx: Context) -> dict[str, str]:
    """The four variables the buildspec expects, by the tutorial's names."""
    values = (ctx.names.account_id, ctx.names.region, ctx.names.ecr_repository,
              ctx.settings.container)
    return dict(zip(TUTORIAL_ENV_VARS, values, strict=True))


def desired(ctx: Context) -> dict:
    location = ctx.target.quirks.codebuild_pipeline_location
    where = {"location": location} if location else {}
    return {
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


RESOURCES = (Resource(LOG_GROUP, lambda ctx: {}), Resource(PROJECT, desired))


def handle(ctx: Context) -> dict:
    project = ctx.found[PROJECT.key]
    return {"name": project["name"], "arn": project["arn"], "log_group": ctx.names.log_group}


read = reader(PROJECT)


def _variables(project: dict) -> dict[str, str]:
    return {v["name"]: v.get("value") for v in dig(project, "environment", "environmentVariables",
                                                    default=[])}


def _judge_variables(project: dict, ctx: Context) -> Verdict:
    want, found = environment_variables(ctx), _variables(project)
    wrong = {k: found.get(k) for k, v in want.items() if found.get(k) != v}
    expected = ", ".join(f"{k}={v}" for k, v in want.items())
    shown = ", ".join(f"{k}={v if v is not None else '(missing)'}" for k, v in wrong.items())
    return Verdict(passed=not wrong, expected=expected, found=shown or "all four")


_NEEDS = (("codebuild", None),)
_PROJECT_HINT = "CodeBuild → Create build project `dev-php-app-build` (Step 5)"
CHECKS = (
    Check(id="codebuild.project", step=NUMBER, title="CodeBuild project `dev-php-app-build` exists",
          hint=_PROJECT_HINT, read=read, judge=exists(lambda p: f"`{p['name']}`"), needs=_NEEDS),
    Check(id="codebuild.privileged", step=NUMBER, title="Privileged mode enabled",
          hint="Forgetting to enable Privileged mode - Docker builds will fail (Step 5 Common Mistakes)",
          read=read, judge=equals(lambda ctx: True, lambda p: dig(p, "environment", "privilegedMode")),
          needs=_NEEDS),
    Check(id="codebuild.image", step=NUMBER, title="Build image is `aws/codebuild/standard:7.0`",
          hint="Using wrong CodeBuild image - must support Docker and buildx (Step 5 Common Mistakes)",
          read=read, judge=equals(lambda ctx: ctx.settings.codebuild_image,
                                  lambda p: dig(p, "environment", "image")), needs=_NEEDS),
    Check(id="codebuild.environment-variables", step=NUMBER, title="The four environment variables are set",
          hint="Wrong environment variable names - buildspec.yml expects AWS_ACCOUNT_ID, "
          "AWS_DEFAULT_REGION, IMAGE_REPO_NAME, CONTAINER_NAME (Step 5 Common Mistakes)",
          read=read, judge=_judge_variables, needs=_NEEDS),
    Check(id="codebuild.source", step=NUMBER, title="Source and artifacts are AWS CodePipeline",
          hint="Source provider and Artifacts type must both be AWS CodePipeline (Step 5)",
          read=read, judge=equals(lambda ctx: ("CODEPIPELINE", "CODEPIPELINE"),
                                  lambda p: (dig(p, "source", "type"), dig(p, "artifacts", "type"))),
          needs=_NEEDS),
    Check(id="codebuild.buildspec", step=NUMBER, title="Buildspec is `buildspec.yml`",
          hint="Use a buildspec file named buildspec.yml in the repository root (Step 5)",
          read=read, judge=equals(lambda ctx: ctx.settings.buildspec,
                                  lambda p: dig(p, "source", "buildspec") or "buildspec.yml"), needs=_NEEDS),
    Check(id="codebuild.service-role", step=NUMBER, title="Runs as `dev-codebuild-service-role`",
          hint="Service role: Existing service role `dev-codebuild-service-role` (Step 5)",
          read=read, judge=equals(lambda ctx: ctx.names.codebuild_role,
                                  lambda p: (p.get("serviceRole") or "").rsplit("/", 1)[-1]), needs=_NEEDS),
    Check(id="codebuild.logs", step=NUMBER, title="CloudWatch logs to `/aws/codebuild/dev-php-app-build`",
          hint="Logs: check \"CloudWatch logs\", group name `/aws/codebuild/dev-php-app-build` (Step 5)",
          read=read, judge=equals(lambda ctx: ("ENABLED", ctx.names.log_group),
                                  lambda p: (dig(p, "logsConfig", "cloudWatchLogs", "status"),
                                             dig(p, "logsConfig", "cloudWatchLogs", "groupName"))),
          needs=_NEEDS),
)

STEP = Step(name="codebuild", number=NUMBER, title="Create CodeBuild Project", resources=RESOURCES,
            checks=CHECKS, outputs=handle)
