"""Near-match resolution: students mistype names, and a typo should cost one check, not twenty.

When a resource of the expected name is missing, look for the one the student most likely meant:
a close name (difflib), or for the pipeline and the roles, the one whose shape gives it away.
The found names replace the expected ones in the settings, so every other check grades the
student's resource; only the resource's existence check fails, saying "found `X`, expected `Y`".

The log group: the tutorial's default is named after the project. When the project is found under
another name, a log group named after either the tutorial's project or the student's is accepted,
so one typo in the project name does not also fail the log group check.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pipeline_harness import iam as iam_policies
from pipeline_harness.core.errors import AWS_ERRORS
from pipeline_harness.kinds import codebuild as codebuild_kinds
from pipeline_harness.kinds import codepipeline as codepipeline_kinds
from pipeline_harness.kinds import connections as connection_kinds
from pipeline_harness.kinds import ecr as ecr_kinds
from pipeline_harness.kinds import ecs as ecs_kinds
from pipeline_harness.kinds import elbv2 as elbv2_kinds
from pipeline_harness.kinds import iam as iam_kinds
from pipeline_harness.kinds import s3 as s3_kinds
from pipeline_harness.kinds.base import MISSING, Kind
from pipeline_harness.settings import Settings
from pipeline_harness.settings.names import NAMES as NAME_RULES
from pipeline_harness.steps import artifacts, codebuild, codepipeline, connection, ecr, iam, prerequisites
from pipeline_harness.steps.base import Check, CheckResult, dig, reader
from pipeline_harness.targets.context import Context

CUTOFF = 0.85  # one or two wrong letters in the tutorial's names; "codebuild" vs "codepipeline" is 0.84
PIPELINE_SHAPE = (("Source", "CodeStarSourceConnection"), ("Build", "CodeBuild"), ("Deploy", "ECS"))
MAX_PIPELINES_OPENED = 10  # get_pipeline calls spent looking for the pipeline by its shape


@dataclass(frozen=True)
class Rename:
    key: str  # the Settings field
    expected: str
    found: str
    how: str  # why this resource is taken for the expected one
    check_id: str  # the existence check the typo costs


@dataclass(frozen=True)
class Resolution:
    settings: Settings
    renames: tuple[Rename, ...] = ()

    def costing(self, check_id: str) -> list[Rename]:
        return [r for r in self.renames if r.check_id == check_id]


def listed(kind: Kind, ctx: Context) -> list[str]:
    """Every name of the kind in the account (the kinds the grader looks through are listable)."""
    assert kind.names is not None, f"{kind} cannot be listed"
    return list(kind.names(ctx.target))


def _closest(expected: str, names: Iterable[str], exclude: set[str], cutoff: float = CUTOFF) -> str | None:
    candidates = [n for n in names if n not in exclude]
    near = difflib.get_close_matches(expected, candidates, n=1, cutoff=cutoff)
    return near[0] if near else None


# --- one finder per resource: (ctx, taken names) -> renames ---------------------------------------

def _ecr(ctx: Context, exclude: set[str]) -> list[Rename]:
    if ctx.read(ecr.read) is not MISSING:
        return []
    names = listed(ecr_kinds.REPOSITORY, ctx)
    near = _closest(ctx.names.ecr_repository, names, exclude)
    return [Rename("ecr_repository", ctx.names.ecr_repository, near, "the closest repository name",
                   "ecr.repository")] if near else []


def _bucket(ctx: Context, exclude: set[str]) -> list[Rename]:
    if ctx.read(artifacts.read) is not MISSING:
        return []
    expected = ctx.names.artifact_bucket
    stem = ctx.settings.artifact_bucket.split("{", 1)[0].rstrip("-")  # dev-pipeline-artifacts
    names = listed(s3_kinds.ARTIFACT_BUCKET, ctx)
    stemmed = [n for n in names if n.startswith(stem) and n not in exclude]
    near: str | None
    if stemmed:
        near, how = _best(expected, stemmed), f"the bucket starting `{stem}`"
    else:
        near, how = _closest(expected, names, exclude), "the closest bucket name"
    return [Rename("artifact_bucket", expected, near, how, "artifacts.bucket")] if near else []


def _best(expected: str, names: list[str]) -> str:
    return max(names, key=lambda n: difflib.SequenceMatcher(None, expected, n).ratio())


def _trust(role: dict[str, Any]) -> set[str]:
    return iam_policies.trusted_services(iam_kinds.document(role.get("AssumeRolePolicyDocument") or {}))


def _role(spec: iam.RoleSpec) -> Finder:
    check_id = f"iam.{spec.key}"
    principal = f"{spec.service}.amazonaws.com"

    def find(ctx: Context, exclude: set[str]) -> list[Rename]:
        if ctx.read(reader(spec.kind)) is not MISSING:
            return []
        expected = spec.name(ctx)
        roles = [r for r in iam_kinds.roles(ctx.target) if r["RoleName"] not in exclude]
        trusting = [r["RoleName"] for r in roles if principal in _trust(r)]
        near: str | None
        if trusting:
            near, how = _best(expected, trusting), f"the role trusting {principal}"
        else:
            near, how = _closest(expected, [r["RoleName"] for r in roles], exclude), "the closest role name"
        return [Rename(spec.key, expected, near, how, check_id)] if near else []

    return find


def _project(ctx: Context, exclude: set[str]) -> list[Rename]:
    if ctx.read(codebuild.read) is not MISSING:
        return []
    client, expected = ctx.client("codebuild"), ctx.names.codebuild_project
    near = _closest(expected, listed(codebuild_kinds.PROJECT, ctx), exclude)
    if near is None:
        return []
    renames = [Rename("codebuild_project", expected, near, "the closest project name",
                      "codebuild.project")]
    found = client.batch_get_projects(names=[near])["projects"]
    group = dig(found, 0, "logsConfig", "cloudWatchLogs", "groupName")
    if group == ctx.names.log_group:  # named after the tutorial's project: accepted as is
        renames.append(Rename("log_group", ctx.settings.log_group, group,
                              "the log group named after the tutorial's project", ""))
    return renames


def _shape(declaration: dict) -> tuple[tuple[str, str], ...]:
    return tuple((dig(s, "actions", 0, "actionTypeId", "category"),
                  dig(s, "actions", 0, "actionTypeId", "provider"))
                 for s in dig(declaration, "pipeline", "stages", default=[]))


def _pipeline(ctx: Context, exclude: set[str]) -> list[Rename]:
    if ctx.read(codepipeline.read) is not MISSING:
        return []
    client, expected = ctx.client("codepipeline"), ctx.names.pipeline
    names = listed(codepipeline_kinds.PIPELINE, ctx)
    near, how = _closest(expected, names, exclude), "the closest pipeline name"
    if near is None:
        shaped = [n for n in names[:MAX_PIPELINES_OPENED] if n not in exclude
                  and _shape(client.get_pipeline(name=n)) == PIPELINE_SHAPE]
        near = _best(expected, shaped) if shaped else None
        how = "the pipeline with Source CodeStarSourceConnection, Build CodeBuild and Deploy ECS"
    return [Rename("pipeline", expected, near, how, "pipeline.exists")] if near else []


def _connection(ctx: Context, exclude: set[str]) -> list[Rename]:
    """Only when the pipeline names no connection of the account: then Step 2 grades the connection
    closest to the lab's name. It costs nothing itself — the tutorial names no check of the name."""
    if ctx.read(connection.read_used) is not MISSING:
        return []
    names = listed(connection_kinds.CONNECTION, ctx)
    near = _closest(ctx.names.connection_name, names, exclude)
    return [Rename("connection_name", ctx.names.connection_name, near, "the closest connection name",
                   "")] if near else []


def _ecs(ctx: Context, exclude: set[str]) -> list[Rename]:
    if ctx.read(prerequisites.read_service) is not MISSING:
        return []
    renames, cluster = [], ctx.names.cluster
    if ctx.read(prerequisites.read_cluster) is MISSING:
        near = _closest(cluster, listed(ecs_kinds.CLUSTER, ctx), exclude)
        if near is None:
            return []
        renames.append(Rename("cluster", cluster, near, "the closest cluster name", "ecs.service"))
        cluster = near
    pages = ctx.client("ecs").get_paginator("list_services").paginate(cluster=cluster)
    services = [arn.rsplit("/", 1)[-1] for page in pages for arn in page["serviceArns"]]
    if ctx.names.service not in services:
        near = _closest(ctx.names.service, services, exclude)
        if near is not None:
            renames.append(Rename("service", ctx.names.service, near, "the closest service name",
                                  "ecs.service"))
    return renames


Finder = Callable[[Context, set[str]], list[Rename]]
# per kind the grader looks for, how the resource a student meant is recognised
FINDERS: dict[Kind, Finder] = {
    ecr_kinds.REPOSITORY: _ecr,
    s3_kinds.ARTIFACT_BUCKET: _bucket,
    iam_kinds.PIPELINE_ROLE: _role(iam.PIPELINE_ROLE),
    iam_kinds.CODEBUILD_ROLE: _role(iam.CODEBUILD_ROLE),
    codebuild_kinds.PROJECT: _project,
    codepipeline_kinds.PIPELINE: _pipeline,
    connection_kinds.CONNECTION: _connection,
    ecs_kinds.CLUSTER: _ecs,
}


def _expected_names(ctx: Context) -> set[str]:
    """What the run's own names are: never taken for another resource's near match."""
    return {kind.name(ctx.names) for kind in (*FINDERS, ecs_kinds.SERVICE, elbv2_kinds.LOAD_BALANCER)}


def _as_setting(settings: Settings, rename: Rename) -> str | None:
    """The setting that names `found` once the run prefix is applied; None if no setting can."""
    return NAME_RULES[rename.key].setting_for(rename.found, settings.prefix)


def resolve(ctx: Context) -> Resolution:
    """Near matches for every expected resource the account lacks; reads it cannot make find none."""
    exclude, renames = _expected_names(ctx), []
    for kind, finder in FINDERS.items():
        if ctx.target.gap(kind.service):
            continue
        try:
            found = finder(ctx, exclude)
        except AWS_ERRORS:
            continue  # the resource's own checks report the error
        renames.extend(found)
        exclude.update(r.found for r in found)
    changes = {r.key: _as_setting(ctx.settings, r) for r in renames}
    kept = tuple(r for r in renames if changes[r.key] is not None)
    return Resolution(ctx.settings.replace(**{r.key: changes[r.key] for r in kept}), kept)


def name_result(check: Check, renames: list[Rename], max_points: int) -> CheckResult:
    """The existence check a typo costs: found `X`, expected `Y`; the rest grade `X`."""
    said = "; ".join(f"found `{r.found}`, expected `{r.expected}` ({r.how})" for r in renames)
    return CheckResult(check.id, check.step, check.title, "fail", 0, max_points,
                       f"{said} — the other checks grade what was found", check.hint)
