"""Finding the commit's execution: the commit hash as given, the newest execution of it in the
pipeline's listing, or one started on it (`wait pipeline --start`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import botocore.exceptions

from pipeline_harness.core.errors import AWS_ERRORS, ConfigError, HarnessError
from pipeline_harness.targets.base import Target
from pipeline_harness.waits.tally import Tally

# a commit hash, either case (revisions are compared lower-cased); git's short hash is 7 digits.
# The http wait takes an --expect of this shape for a version.
COMMIT_HASH = re.compile(r"[0-9a-fA-F]{4,64}")


def check_commit(commit: str) -> str:
    """The commit as given, if it is a commit hash: a shorter string would match others' revisions."""
    if not COMMIT_HASH.fullmatch(commit):
        raise ConfigError(f"--commit must be a commit hash, 4 to 64 hexadecimal digits (git's short "
                          f"hash is 7), not {commit!r}")
    return commit


def _revision_matches(revision: str, commit: str) -> bool:
    revision, commit = revision.lower(), commit.lower()
    return bool(revision) and (revision.startswith(commit) or commit.startswith(revision))


def find_summary(target: Target | Tally, pipeline: str, commit: str) -> dict | None:
    """The listing's summary of the newest execution whose source revision is the commit."""
    pages = target.client("codepipeline").get_paginator("list_pipeline_executions")
    for page in pages.paginate(pipelineName=pipeline):
        for summary in page.get("pipelineExecutionSummaries", []):
            if any(_revision_matches(r.get("revisionId", ""), commit)
                   for r in summary.get("sourceRevisions", [])):
                return summary
    return None


@dataclass(frozen=True)
class Started:
    """The execution started on the commit, and the pipeline's declaration read to start it."""

    execution_id: str
    declaration: dict


def start_execution(target: Target, pipeline: str, commit: str) -> Started:
    """Start the pipeline on this commit; only V2 pipelines take a source revision override.

    A pipeline that is not there is a configuration error (the name or region is wrong); any
    other refusal, one line that names the pipeline and AWS's answer."""
    client = target.client("codepipeline")
    try:
        declaration = client.get_pipeline(name=pipeline)["pipeline"]
        if declaration.get("pipelineType", "V1") != "V2":
            raise ConfigError(f"pipeline {pipeline} is {declaration.get('pipelineType', 'V1')}: only "
                              "V2 pipelines can be started on a given commit; push the commit instead")
        source = next((a["name"] for s in declaration["stages"] for a in s["actions"]
                       if a["actionTypeId"]["category"] == "Source"), None)
        if source is None:
            raise ConfigError(f"pipeline {pipeline} has no Source action to start on commit {commit}")
        started = client.start_pipeline_execution(name=pipeline, sourceRevisions=[
            {"actionName": source, "revisionType": "COMMIT_ID", "revisionValue": commit}])
    except AWS_ERRORS as err:
        if (isinstance(err, botocore.exceptions.ClientError)
                and err.response.get("Error", {}).get("Code") == "PipelineNotFoundException"):
            raise ConfigError(f"no pipeline named {pipeline} in this account and region — check the "
                              "name (--name, or the config's prefix) and --region") from None
        raise HarnessError(f"wait pipeline: could not start {pipeline} on commit {commit} "
                           f"({' '.join(str(err).split())})") from None
    return Started(started["pipelineExecutionId"], declaration)
