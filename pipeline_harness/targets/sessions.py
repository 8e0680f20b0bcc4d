"""boto3 sessions that share one parsed copy of the AWS API models.

A boto3 Session parses every service's JSON model afresh (EC2's alone is megabytes), so a new
session per student, per account or per test costs 0.1 to 0.4 s a client; sharing botocore's loader
makes a client of a new session cost milliseconds.
"""

from __future__ import annotations

import boto3
import botocore.session

from pipeline_harness.core import aws_models


def session(region: str, profile: str | None = None, **credentials: str | None) -> boto3.Session:
    """A boto3 Session for `region` (and `profile`, or explicit credentials) on the shared models."""
    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", aws_models.LOADER)
    return boto3.Session(botocore_session=core, region_name=region, **credentials)


def profiles() -> list[str]:
    return list(botocore.session.Session().available_profiles)
