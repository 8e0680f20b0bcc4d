"""Step 6: the pipeline — Source (GitHub via the connection) → Build (CodeBuild) → Deploy (ECS)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from pipeline_harness.kinds.base import MISSING
from pipeline_harness.kinds.codepipeline import PIPELINE
from pipeline_harness.settings import REPOSITORY_ID
from pipeline_harness.steps import connection
from pipeline_harness.steps.base import Check, Resource, Step, Verdict, dig, exists, reader
from pipeline_harness.targets.context import Context

NUMBER = 6
SOURCE_ARTIFACT, BUILD_ARTIFACT = "SourceArtifact", "BuildArtifact"
SOURCE_PROVIDER = "CodeStarSourceConnection"  # the console's "GitHub (Version 2)"
CODE_ZIP = "CODE_ZIP"  # the console's "CodePipeline default" output artifact format


def _action(category: str, provider: str, configuration: dict, inputs: Sequence[str] = (),
            outputs: Sequence[str] = ()) -> dict:
    return {
        "name": category, "runOrder": 1,
        "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"},
        "configuration": configuration,
        "inputArtifacts": [{"name": n} for n in inputs],
        "outputArtifacts": [{"name": n} for n in outputs],
    }


def stages(ctx: Context) -> list[dict]:
    """The three stages as the tutorial configures them, with their providers."""
    return [
        {"name": "Source", "actions": [_action("Source", SOURCE_PROVIDER, {
            "ConnectionArn": connection.arn(ctx),
            "FullRepositoryId": ctx.settings.github_repository,
            "BranchName": ctx.settings.branch,
            "OutputArtifactFormat": CODE_ZIP,
        }, outputs=[SOURCE_ARTIFACT])]},
        {"name": "Build", "actions": [_action("Build", "CodeBuild", {
            "ProjectName": ctx.names.codebuild_project,
        }, inputs=[SOURCE_ARTIFACT], outputs=[BUILD_ARTIFACT])]},
        {"name": "Deploy", "actions": [_action("Deploy", "ECS", {
            "ClusterName": ctx.names.cluster,
            "ServiceName": ctx.names.service,
            "FileName": ctx.settings.image_definitions_file,
        }, inputs=[BUILD_ARTIFACT])]},
    ]


def desired(ctx: Context) -> dict:
    return {
        "roleArn": ctx.names.role_arn(ctx.names.pipeline_role),
        "artifactStore": {"type": "S3", "location": ctx.names.artifact_bucket},
        "stages": stages(ctx),
        "pipelineType": ctx.settings.pipeline_type,
        "version": 1,
    }


RESOURCES = (Resource(PIPELINE, desired),)


def handle(ctx: Context) -> dict:
    made = ctx.found[PIPELINE.key]["pipeline"]
    return {"name": made["name"], "version": made.get("version")}


read = reader(PIPELINE)


# --- checks ---------------------------------------------------------------------------------------

def _stage_action(found: dict, name: str) -> dict | None:
    for stage in dig(found, "pipeline", "stages", default=[]):
        if stage["name"] == name or dig(stage, "actions", 0, "actionTypeId", "category") == name:
            return dig(stage, "actions", 0)
    return None


def source_action(found: dict) -> dict | None:
    """The pipeline's Source action, whatever the student named its stage."""
    return _stage_action(found, "Source")


def _no_stage(found: dict, name: str) -> Verdict:
    names = [s["name"] for s in dig(found, "pipeline", "stages", default=[])]
    return Verdict(passed=False, expected=f"a {name} stage", found=f"stages {names}")


def _judge_stage(name: str, keys: tuple[str, ...]) -> Callable[[dict, Context], Verdict]:
    """The stage's provider and the configuration keys the tutorial sets, compared with the spec."""

    def judge(found: dict, ctx: Context) -> Verdict:
        want = next(s for s in stages(ctx) if s["name"] == name)["actions"][0]
        action = _stage_action(found, name)
        if action is None:
            return _no_stage(found, name)
        expected = {"provider": want["actionTypeId"]["provider"],
                    **{k: want["configuration"][k] for k in keys}}
        actual = {"provider": action["actionTypeId"]["provider"],
                  **{k: action.get("configuration", {}).get(k) for k in keys}}
        wrong = {k: v for k, v in actual.items() if v != expected[k]}
        return Verdict(passed=not wrong, expected=_fmt(expected),
                       found=_fmt(wrong) if wrong else _fmt(actual))

    return judge


def _fmt(values: dict) -> str:
    return ", ".join(f"{k}=`{v}`" for k, v in values.items())


def _judge_order(found: dict, ctx: Context) -> Verdict:
    want = [s["name"] for s in stages(ctx)]
    categories = [dig(s, "actions", 0, "actionTypeId", "category")
                  for s in dig(found, "pipeline", "stages", default=[])]
    return Verdict(passed=categories == want, expected=f"stages {want}", found=f"stages {categories}")


# --- the Source action: what the tutorial asks, with the student's own connection and repository ---

def _provider(action: dict, ctx: Context) -> str | None:
    provider = dig(action, "actionTypeId", "provider")
    return None if provider == SOURCE_PROVIDER else f"provider `{provider}`"


def _connection(action: dict, ctx: Context) -> str | None:
    arn = dig(action, "configuration", "ConnectionArn")
    if not arn:
        return "no ConnectionArn"
    problem = connection.lab_arn_problem(arn, ctx)
    if problem:
        return f"ConnectionArn `{arn}` is {problem}"
    if ctx.read(connection.read_pipelines) is MISSING:
        return f"ConnectionArn `{arn}` names no connection of the account"
    return None


def _repository(pinned: str | None) -> Callable[[dict, Context], str | None]:
    def problem(action: dict, ctx: Context) -> str | None:
        found = dig(action, "configuration", "FullRepositoryId") or ""
        if pinned:  # GitHub's names are case-insensitive
            return None if found.lower() == pinned.lower() else (
                f"FullRepositoryId `{found}`, not the class roster's `{pinned}`")
        return None if REPOSITORY_ID.fullmatch(found) else f"FullRepositoryId `{found}` is not owner/repo"

    return problem


def _branch(action: dict, ctx: Context) -> str | None:
    branch = dig(action, "configuration", "BranchName")
    return None if branch == ctx.settings.branch else f"BranchName `{branch}`"


def _format(action: dict, ctx: Context) -> str | None:
    # the API's default when the key is left out is CODE_ZIP too
    found = dig(action, "configuration", "OutputArtifactFormat") or CODE_ZIP
    return None if found == CODE_ZIP else f"OutputArtifactFormat `{found}`"


def _unlooked(ctx: Context) -> str:
    """Whether the connection could be looked up, said where it could not."""
    arn = connection.pipeline_arn(ctx) or ""
    match = connection.CONNECTION_ARN.fullmatch(arn)
    reason = ctx.target.gap(match["service"]) if match else None
    return f" (the connection was not looked up: {reason})" if reason else ""


def judge_source(repository: str | None = None) -> Callable[[dict, Context], Verdict]:
    """The Source action as the tutorial sets it: GitHub (Version 2) through a connection of the
    graded account and region, an owner/repo repository (`repository` when a roster pins it),
    branch main, the CodePipeline default format."""
    parts = (_provider, _connection, _repository(repository), _branch, _format)

    def judge(found: dict, ctx: Context) -> Verdict:
        action = source_action(found)
        if action is None:
            return _no_stage(found, "Source")
        problems = [p for part in parts if (p := part(action, ctx))]
        config = action.get("configuration", {})
        expected = (f"provider `{SOURCE_PROVIDER}`, a connection of account {ctx.names.account_id} "
                    f"in {ctx.names.region}, FullRepositoryId "
                    f"{f'`{repository}`' if repository else 'owner/repo'}, BranchName "
                    f"`{ctx.settings.branch}`, OutputArtifactFormat `{CODE_ZIP}`")
        shown = (f"`{config.get('FullRepositoryId')}` on `{config.get('BranchName')}` through "
                 f"`{config.get('ConnectionArn')}`{_unlooked(ctx)}")
        return Verdict(passed=not problems, expected=expected,
                       found="; ".join(problems) if problems else shown)

    return judge


_NEEDS = (("codepipeline", None),)
SOURCE_TITLE = ("Source is GitHub (Version 2): a connection of this account and region, "
                "repository `<owner>/<repo>`, branch `main`, CodePipeline default format")
SOURCE_HINT = ("Source provider GitHub (Version 2), select connection `github-connection`, "
               "repository name `<owner>/<repo>`, branch `main`, output artifact format "
               "CodePipeline default (Step 6; Common Issues: ensure repository name format is "
               "correct (owner/repo))")
CHECKS = (
    Check(id="pipeline.exists", step=NUMBER, title="Pipeline `dev-php-app-pipeline` exists",
          hint="CodePipeline → Create pipeline `dev-php-app-pipeline` (Step 6)",
          read=read, judge=exists(lambda p: f"`{p['pipeline']['name']}`"), needs=_NEEDS),
    Check(id="pipeline.role", step=NUMBER, title="Pipeline runs as `dev-codepipeline-service-role`",
          hint="Service role: Existing service role `dev-codepipeline-service-role` (Step 6)",
          read=read, judge=lambda p, ctx: Verdict(
              passed=p["pipeline"]["roleArn"].rsplit("/", 1)[-1] == ctx.names.pipeline_role,
              expected=f"`{ctx.names.pipeline_role}`", found=f"`{p['pipeline']['roleArn']}`"), needs=_NEEDS),
    Check(id="pipeline.artifact-store", step=NUMBER,
          title="Artifact store is `dev-pipeline-artifacts-<your-account-id>`",
          hint="Artifact store: Custom location, bucket `dev-pipeline-artifacts-<your-account-id>` (Step 6)",
          read=read, judge=lambda p, ctx: Verdict(
              passed=dig(p, "pipeline", "artifactStore", "location") == ctx.names.artifact_bucket,
              expected=f"`{ctx.names.artifact_bucket}`",
              found=f"`{dig(p, 'pipeline', 'artifactStore', 'location')}`"), needs=_NEEDS),
    Check(id="pipeline.stages", step=NUMBER, title="Stages are Source → Build → Deploy",
          hint="Create the pipeline with Source, Build and Deploy stages in that order (Step 6)",
          read=read, judge=_judge_order, needs=_NEEDS),
    Check(id="pipeline.source", step=NUMBER, title=SOURCE_TITLE, hint=SOURCE_HINT, read=read,
          judge=judge_source(), needs=_NEEDS),
    Check(id="pipeline.build", step=NUMBER, title="Build is CodeBuild project `dev-php-app-build`",
          hint="Build provider AWS CodeBuild, project `dev-php-app-build` (Step 6)",
          read=read, judge=_judge_stage("Build", ("ProjectName",)), needs=_NEEDS),
    Check(id="pipeline.deploy", step=NUMBER, title="Deploy is Amazon ECS: cluster `dev-cluster`, service "
          "`dev-php-app-alb-service`, file `imagedefinitions.json`",
          hint="Wrong cluster or service name - deploy will fail; image definitions file name must be "
          "exactly `imagedefinitions.json` (Step 6 Common Mistakes)",
          read=read, judge=_judge_stage("Deploy", ("ClusterName", "ServiceName", "FileName")), needs=_NEEDS),
)

STEP = Step(name="codepipeline", number=NUMBER, title="Create CodePipeline", resources=RESOURCES,
            checks=CHECKS, outputs=handle)


def pinned_source(repository: str) -> Check:
    """pipeline.source for a student whose repository the class roster names."""
    check = next(c for c in CHECKS if c.id == "pipeline.source")
    return dataclasses.replace(check, title=check.title.replace("`<owner>/<repo>`", f"`{repository}`"),
                               judge=judge_source(repository))
