"""The lab built in another region than the one graded: one finding naming where it is, instead of a
"create it" fix for every check of the regional steps.

Only when nothing of the lab is where it is graded — no pipeline, no ECR repository and no CodeBuild
project of the lab's names (or near them) — the grader looks, read-only and bounded, in the other
regions the account has enabled (EC2 DescribeRegions lists only those) where CodePipeline is: one
GetPipeline, then, if
that finds nothing, one DescribeRepositories per region, at most MAX_REGIONS regions, PROBE_JOBS at a
time, each call one attempt with short timeouts, all within PROBE_DEADLINE seconds. A lab that is
there costs no call at all: the three reads are the checks' own, already made.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import threading
from dataclasses import dataclass

import botocore.config

from pipeline_harness.core.errors import AWS_ERRORS, HarnessError, first_line
from pipeline_harness.kinds import codebuild, codepipeline, ecr
from pipeline_harness.kinds.base import MISSING, Kind
from pipeline_harness.output.report import is_note
from pipeline_harness.steps import STEPS
from pipeline_harness.steps.base import CheckResult, reader
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context

MAX_REGIONS = 40  # AWS has fewer; a listing longer than this is not AWS's
PROBE_JOBS = 8
PROBE_DEADLINE = 20.0
PROBE_CONFIG = botocore.config.Config(connect_timeout=3, read_timeout=5,
                                      retries={"mode": "standard", "total_max_attempts": 1})
# the lab's regional anchors: where none is, nothing of the lab is
ANCHORS = (codepipeline.PIPELINE, ecr.REPOSITORY, codebuild.PROJECT)
# IAM and S3 answer from any region (a bucket of another region is still listed and judged): their
# steps are graded as they are
GLOBAL_SERVICES = frozenset({"iam", "s3"})
REGIONAL_STEPS = frozenset(step.number for step in STEPS if step.number is not None and not (
    step.resources and all(r.kind.service in GLOBAL_SERVICES for r in step.resources)))


def absent(ctx: Context) -> bool:
    """Whether none of the lab's anchors is in the graded region (the checks' own reads)."""
    return all(_known_missing(ctx, kind) for kind in ANCHORS)


def _known_missing(ctx: Context, kind: Kind) -> bool:
    """Whether the anchor's read says it is not there; a read that failed (access denied, throttled)
    says nothing, so the lab is not known absent and the grader looks nowhere else (its checks
    report the error)."""
    try:
        return ctx.read(reader(kind)) is MISSING
    except (HarnessError, *AWS_ERRORS):
        return False


def _in(ctx: Context, region: str) -> Target:
    """The graded account's target (read-only, its calls counted with the grade's) in another
    region, each call one bounded attempt."""
    return dataclasses.replace(ctx.target, region=region, client_config=PROBE_CONFIG, _clients={},
                               _lock=threading.Lock())


def _holds(ctx: Context, region: str) -> str | None:
    """What of the lab `region` holds (its pipeline, else its ECR repository), or None."""
    target = _in(ctx, region)
    try:
        target.client("codepipeline").get_pipeline(name=ctx.names.pipeline)
        return f"pipeline {ctx.names.pipeline}"
    except AWS_ERRORS:  # not there, or not ours to read: look at the repository
        pass
    try:
        target.client("ecr").describe_repositories(repositoryNames=[ctx.names.ecr_repository])
        return f"ECR repository {ctx.names.ecr_repository}"
    except AWS_ERRORS:
        return None


def _regions(ctx: Context) -> list[str]:
    """The account's other enabled regions (DescribeRegions) that have CodePipeline (botocore's
    endpoint data: the lab cannot be where there is none)."""
    answer = ctx.client("ec2").describe_regions()
    names = [r.get("RegionName", "") for r in answer.get("Regions", [])]
    served = set(sessions.session(ctx.target.region).get_available_regions("codepipeline"))
    return [name for name in names
            if name and name != ctx.target.region and (not served or name in served)][:MAX_REGIONS]


def found_elsewhere(ctx: Context) -> dict[str, str]:
    """region → what of the lab is there, among the account's other enabled regions (bounded);
    raises (HarnessError, *AWS_ERRORS) where the account's regions cannot be listed."""
    if ctx.target.gap("ec2", "DescribeRegions"):
        return {}
    regions = _regions(ctx)
    pool = concurrent.futures.ThreadPoolExecutor(PROBE_JOBS, thread_name_prefix="region-probe")
    try:
        futures = {pool.submit(_holds, ctx, region): region for region in regions}
        done, _ = concurrent.futures.wait(futures, timeout=PROBE_DEADLINE)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a probe past the deadline is left behind
    held: dict[str, str] = {}
    for future in done:
        what = None if future.exception() else future.result()
        if what:
            held[futures[future]] = what
    return {region: held[region] for region in regions if region in held}


@dataclass(frozen=True)
class Diagnosis:
    """What the report says first about where the lab is ("": nothing to say), and whether it is in
    another region — then the regional checks' "create it" fixes are this one finding."""

    said: str = ""
    elsewhere: bool = False


def diagnosis(ctx: Context) -> Diagnosis:
    """"Your lab is in eu-west-1, not us-east-1: …"; a note where nothing of the lab is here and the
    other regions could not be listed; else nothing (the lab is here, or nowhere we can see)."""
    if not absent(ctx):
        return Diagnosis()
    graded, names = ctx.target.region, ctx.names
    none_here = (f"nothing of it is in {graded} (no pipeline {names.pipeline}, ECR repository "
                 f"{names.ecr_repository} or CodeBuild project {names.codebuild_project})")
    try:
        found = found_elsewhere(ctx)
    except (HarnessError, *AWS_ERRORS) as err:
        return Diagnosis(f"The grader could not look for your lab in the account's other regions: "
                         f"{none_here}, and listing the regions failed (EC2 DescribeRegions: "
                         f"{first_line(err)}).")
    if not found:
        return Diagnosis()
    where = " and ".join(found)
    what = "; ".join(f"{held} in {region}" for region, held in found.items())
    return Diagnosis(f"Your lab is in {where}, not {graded}: {none_here}, and the grader found its "
                     f"{what}. The checks of the regional steps below fail for that one reason: grade "
                     f"it in {next(iter(found))} (the roster's region, or --region), or build the lab "
                     f"in {graded}.", elsewhere=True)


def pointed(result: CheckResult) -> CheckResult:
    """A regional check that failed because the lab is elsewhere: its verdict stands, its "create
    it" fix is the diagnosis, said once for the report."""
    if result.status != "fail" or is_note(result) or result.step not in REGIONAL_STEPS:
        return result
    return dataclasses.replace(result, hint="")
