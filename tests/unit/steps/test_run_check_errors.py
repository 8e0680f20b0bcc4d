"""An answer botocore cannot parse (a proxy's HTML page, a truncated body) is the check's `error`,
"could not read", like any other failed AWS call: errors.AWS_ERRORS, written once, is what a check
catches."""

import botocore.parsers

from pipeline_harness.settings import Settings
from pipeline_harness.steps.base import Check, Verdict, run_check
from pipeline_harness.targets.context import Context


def _garbled(ctx):
    raise botocore.parsers.ResponseParserError("Unable to parse response (no element found), invalid XML")


def test_an_answer_botocore_cannot_parse_is_the_checks_error_not_a_verdict(stubbed_target):
    # given
    check = Check(id="ecr.repository", step=1, title="ECR repository exists", hint="ECR → Create repository",
                  read=_garbled, judge=lambda found, ctx: Verdict(passed=True, expected="it", found="it"))

    # when
    result = run_check(check, Context(Settings(), stubbed_target()))

    # then
    assert (result.status, result.points) == ("error", 0)
    assert result.message == "could not read: Unable to parse response (no element found), invalid XML"
