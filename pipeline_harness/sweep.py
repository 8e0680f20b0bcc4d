"""Find what earlier runs left behind (by the harness's tags), older than a TTL, and remove it.

Resources are listed per service rather than through the Resource Groups Tagging API: that API
does not cover IAM roles and keeps answering with resources deleted minutes ago. Each leftover's
name gives its run prefix; removal is the ordinary teardown with a Context for that prefix, so the
step modules' delete() functions — dependencies first, ours-by-tag only — do the work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator

from pipeline_harness import lab
from pipeline_harness.e2e.inputs import BRANCH_PREFIX
from pipeline_harness.errors import ConfigError
from pipeline_harness.settings import TAG_CREATED_AT, TAG_RUN_ID, Settings
from pipeline_harness.steps import ecs_stack
from pipeline_harness.steps.base import Context
from pipeline_harness.targets.base import Target

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
VPC_NAME, EXECUTION_ROLE = ecs_stack.unprefixed("vpc"), ecs_stack.unprefixed("task-execution-role")


def parse_duration(text: str) -> timedelta:
    """'90m', '6h', '2d', '1w' (or a sum such as '1d12h') → timedelta; ConfigError otherwise."""
    parts = re.fullmatch(r"(?:\d+[mhdw])+", text.strip().lower())
    if not parts:
        raise ConfigError(f"--older-than must look like 90m, 6h, 2d or 1w, not {text!r}")
    return sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in re.findall(r"(\d+)([mhdw])", text.lower())),
               timedelta())


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    prefix: str
    created_at: datetime | None

    def age(self, now: datetime) -> timedelta | None:
        return None if self.created_at is None else now - self.created_at


@dataclass
class Sweep:
    found: list[Leftover] = field(default_factory=list)  # every tagged resource seen
    old: dict[str, list[Leftover]] = field(default_factory=dict)  # prefix -> its leftovers
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)  # prefix -> step -> outcome
    branches: dict[str, str] = field(default_factory=dict)  # branch -> deleted | would delete
    errors: list[str] = field(default_factory=list)


def _when(tags: dict[str, str]) -> datetime | None:
    try:
        return datetime.strptime(tags[TAG_CREATED_AT], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except (KeyError, ValueError):
        return None


def _pairs(tags, key="Key", value="Value") -> dict[str, str]:
    return {t[key]: t[value] for t in tags or []}


class _Finder:
    """One lister per kind of resource the harness makes: (name, tags) of candidates by name."""

    def __init__(self, target: Target, settings: Settings):
        self.target = target
        self.bare = settings.replace(prefix="").names(target.account)

    def leftovers(self) -> Iterator[Leftover]:
        listers: list[tuple[str, str, Callable]] = [
            ("ECR repository", self.bare.ecr_repository, self._ecr),
            ("IAM role", self.bare.pipeline_role, self._roles),
            ("IAM role", self.bare.codebuild_role, self._roles),
            ("IAM role", EXECUTION_ROLE, self._roles),
            ("CodeBuild project", self.bare.codebuild_project, self._projects),
            ("log group", self.bare.codebuild_project, self._log_groups),
            ("pipeline", self.bare.pipeline, self._pipelines),
            ("ECS cluster", self.bare.cluster, self._clusters),
            ("load balancer", self.bare.load_balancer, self._load_balancers),
            ("VPC", VPC_NAME, self._vpcs),
        ]
        for kind, base, lister in listers:
            if self.target.gap(_SERVICE[lister.__name__]):
                continue
            for name, tags in lister(base):
                prefix = name[:-len(base)] if name.endswith(base) else None
                if prefix is not None and TAG_RUN_ID in tags and _valid_prefix(prefix):
                    yield Leftover(kind, name, prefix, _when(tags))
        if not self.target.gap("s3"):
            yield from self._buckets()

    def _ecr(self, base):
        ecr = self.target.client("ecr")
        for page in ecr.get_paginator("describe_repositories").paginate():
            for repo in page["repositories"]:
                if repo["repositoryName"].endswith(base):
                    tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
                    yield repo["repositoryName"], _pairs(tags)

    def _roles(self, base):
        iam = self.target.client("iam")
        for page in iam.get_paginator("list_roles").paginate():
            for role in page["Roles"]:
                if role["RoleName"].endswith(base):
                    yield role["RoleName"], _pairs(iam.list_role_tags(RoleName=role["RoleName"])["Tags"])

    def _projects(self, base):
        codebuild = self.target.client("codebuild")
        names = [n for n in codebuild.list_projects()["projects"] if n.endswith(base)]
        for chunk in (names[i:i + 100] for i in range(0, len(names), 100)):
            for project in codebuild.batch_get_projects(names=chunk)["projects"]:
                yield project["name"], _pairs(project.get("tags"), "key", "value")

    def _log_groups(self, base):
        logs = self.target.client("logs")
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix="/aws/codebuild/"):
            for group in page["logGroups"]:
                name = group["logGroupName"].removeprefix("/aws/codebuild/")
                if name.endswith(base):
                    yield name, logs.list_tags_log_group(logGroupName=group["logGroupName"])["tags"]

    def _pipelines(self, base):
        client = self.target.client("codepipeline")
        for page in client.get_paginator("list_pipelines").paginate():
            for pipeline in page["pipelines"]:
                if pipeline["name"].endswith(base):
                    arn = f"arn:aws:codepipeline:{self.target.region}:{self.bare.account_id}:{pipeline['name']}"
                    tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
                    yield pipeline["name"], _pairs(tags, "key", "value")

    def _clusters(self, base):
        ecs = self.target.client("ecs")
        arns = [a for a in ecs.list_clusters()["clusterArns"] if a.endswith(base)]
        for chunk in (arns[i:i + 100] for i in range(0, len(arns), 100)):
            for cluster in ecs.describe_clusters(clusters=chunk, include=["TAGS"])["clusters"]:
                if cluster["status"] == "ACTIVE":
                    yield cluster["clusterName"], _pairs(cluster.get("tags"), "key", "value")

    def _load_balancers(self, base):
        elbv2 = self.target.client("elbv2")
        for page in elbv2.get_paginator("describe_load_balancers").paginate():
            for lb in page["LoadBalancers"]:
                if lb["LoadBalancerName"].endswith(base):
                    described = elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])
                    yield lb["LoadBalancerName"], _pairs(described["TagDescriptions"][0]["Tags"])

    def _vpcs(self, base):
        vpcs = self.target.client("ec2").describe_vpcs(
            Filters=[{"Name": "tag-key", "Values": [TAG_RUN_ID]}])["Vpcs"]
        for vpc in vpcs:
            tags = _pairs(vpc.get("Tags"))
            yield tags.get("Name", ""), tags

    def _buckets(self) -> Iterator[Leftover]:
        """dev-pipeline-artifacts-<account>[-<run>]: the run prefix is a suffix here (see Names)."""
        s3, base = self.target.client("s3"), self.bare.artifact_bucket
        for bucket in s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            if name != base and not name.startswith(base + "-"):
                continue
            try:
                tags = _pairs(s3.get_bucket_tagging(Bucket=name)["TagSet"])
            except s3.exceptions.ClientError:
                continue  # no tags (NoSuchTagSet), or gone since the listing
            run = name[len(base) + 1:]
            if TAG_RUN_ID in tags and _valid_prefix(run):
                yield Leftover("S3 bucket", name, f"{run}-" if run else "", _when(tags))


_SERVICE = {"_ecr": "ecr", "_roles": "iam", "_projects": "codebuild", "_log_groups": "logs",
            "_pipelines": "codepipeline", "_clusters": "ecs", "_load_balancers": "elbv2", "_vpcs": "ec2"}


def _valid_prefix(prefix: str) -> bool:
    return all(c.isalnum() or c == "-" for c in prefix)


def find(target: Target, settings: Settings) -> list[Leftover]:
    return list(_Finder(target, settings).leftovers())


def sweep(target: Target, settings: Settings, older_than: timedelta, *, dry_run: bool = False,
          now: datetime | None = None, github=None) -> Sweep:
    """Remove (or with dry_run only list) every run older than `older_than`, whole runs at a time.

    A run is old when any of its resources is: a half-deleted run is still removed completely.
    A prefix in `settings` limits the sweep to that run (a nightly job's last sweep of itself).
    `github` (an e2e.github.GitHub) adds the run branches of that repository.
    """
    now = now or datetime.now(timezone.utc)
    cutoff = now - older_than
    result = Sweep(found=find(target, settings))
    for leftover in result.found:
        if settings.prefix and leftover.prefix != settings.prefix:
            continue
        if leftover.created_at is not None and leftover.created_at < cutoff:
            result.old.setdefault(leftover.prefix, [])
    for leftover in result.found:
        if leftover.prefix in result.old:
            result.old[leftover.prefix].append(leftover)
    if not dry_run:
        if result.old:
            lab.require_allowed_account(Context(settings, target))  # deleting is as risky as making
        for prefix in result.old:
            ctx = Context(_run_settings(settings, prefix), target)
            done = lab.teardown(ctx)
            result.outcomes[prefix] = done.outcomes
            result.errors.extend(f"{prefix or '(no prefix)'} {e}" for e in done.errors)
    if github is not None:
        _sweep_branches(github, cutoff, dry_run, result)
    return result


def _run_settings(settings: Settings, prefix: str) -> Settings:
    # the prerequisites of a found run are ours too; a connection is only ever the user's
    return settings.replace(prefix=prefix, provision_prerequisites=True, connection_arn=None,
                            create_connection=False)


def _sweep_branches(github, cutoff: datetime, dry_run: bool, result: Sweep) -> None:
    for branch in github.branches(BRANCH_PREFIX):
        if github.committed_at(branch.sha) < cutoff:
            result.branches[branch.name] = "would delete" if dry_run else github.delete_branch(branch.name)
