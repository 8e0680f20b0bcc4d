"""Step 6: the pipeline — Source (GitHub via the connection) → Build (CodeBuild) → Deploy (ECS)."""

from __future__ import annotations

from pipeline_harness.context import Context
from pipeline_harness.kinds.codepipeline import PIPELINE
from pipeline_harness.steps import connection
from pipeline_harness.steps.base import Check, Resource, dig, exists, reader

STEP = 6
SOURCE_ARTIFACT, BUILD_ARTIFACT = "SourceArtifact", "BuildArtifact"


def _action(category: str, provider: str, configuration: dict, inputs=(), outputs=()) -> dict:
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
        {"name": "Source", "actions": [_action("Source", "CodeStarSourceConnection", {
            "ConnectionArn": connection.arn(ctx),
            "FullRepositoryId": ctx.settings.github_repository,
            "BranchName": ctx.settings.branch,
            "OutputArtifactFormat": "CODE_ZIP",
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


def _judge_stage(name: str, keys: tuple[str, ...]):
    """The stage's provider and the configuration keys the tutorial sets, compared with the spec."""

    def judge(found: dict, ctx: Context):
        want = next(s for s in stages(ctx) if s["name"] == name)["actions"][0]
        action = _stage_action(found, name)
        if action is None:
            return False, f"a {name} stage", f"stages {[s['name'] for s in found['pipeline']['stages']]}"
        expected = {"provider": want["actionTypeId"]["provider"],
                    **{k: want["configuration"][k] for k in keys}}
        actual = {"provider": action["actionTypeId"]["provider"],
                  **{k: action.get("configuration", {}).get(k) for k in keys}}
        wrong = {k: v for k, v in actual.items() if v != expected[k]}
        return not wrong, _fmt(expected), _fmt(wrong) if wrong else _fmt(actual)

    return judge


def _fmt(values: dict) -> str:
    return ", ".join(f"{k}=`{v}`" for k, v in values.items())


def _judge_order(found: dict, ctx: Context):
    want = [s["name"] for s in stages(ctx)]
    categories = [dig(s, "actions", 0, "actionTypeId", "category")
                  for s in dig(found, "pipeline", "stages", default=[])]
    return categories == want, f"stages {want}", f"stages {categories}"


_NEEDS = (("codepipeline", None),)
CHECKS = [
    Check("pipeline.exists", STEP, "Pipeline exists",
          "CodePipeline → Create pipeline `dev-php-app-pipeline` (Step 6)",
          read, exists(lambda p: f"`{p['pipeline']['name']}`"), _NEEDS),
    Check("pipeline.role", STEP, "Pipeline runs as dev-codepipeline-service-role",
          "Service role: Existing service role `dev-codepipeline-service-role` (Step 6)",
          read, lambda p, ctx: (
              p["pipeline"]["roleArn"].rsplit("/", 1)[-1] == ctx.names.pipeline_role,
              f"`{ctx.names.pipeline_role}`", f"`{p['pipeline']['roleArn']}`"), _NEEDS),
    Check("pipeline.artifact-store", STEP, "Artifact store is the lab's bucket",
          "Artifact store: Custom location, bucket `dev-pipeline-artifacts-<your-account-id>` (Step 6)",
          read, lambda p, ctx: (
              dig(p, "pipeline", "artifactStore", "location") == ctx.names.artifact_bucket,
              f"`{ctx.names.artifact_bucket}`",
              f"`{dig(p, 'pipeline', 'artifactStore', 'location')}`"), _NEEDS),
    Check("pipeline.stages", STEP, "Stages are Source → Build → Deploy",
          "Create the pipeline with Source, Build and Deploy stages in that order (Step 6)",
          read, _judge_order, _NEEDS),
    Check("pipeline.source", STEP, "Source is GitHub (Version 2) via the connection",
          "Source provider GitHub (Version 2), connection `github-connection`, repository "
          "owner/repo, branch `main` (Step 6; Common Issues: repository name format owner/repo)",
          read, _judge_stage("Source", ("ConnectionArn", "FullRepositoryId", "BranchName",
                                        "OutputArtifactFormat")), _NEEDS),
    Check("pipeline.build", STEP, "Build is the CodeBuild project",
          "Build provider AWS CodeBuild, project `dev-php-app-build` (Step 6)",
          read, _judge_stage("Build", ("ProjectName",)), _NEEDS),
    Check("pipeline.deploy", STEP, "Deploy is Amazon ECS with imagedefinitions.json",
          "Wrong cluster or service name - deploy will fail; image definitions file name must be "
          "exactly `imagedefinitions.json` (Step 6 Common Mistakes)",
          read, _judge_stage("Deploy", ("ClusterName", "ServiceName", "FileName")), _NEEDS),
]
