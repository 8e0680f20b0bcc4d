"""ShellCheck's findings as lint reports them: codes that flag style or a latent issue (a command
that works) are off in the generic set unless selected, and stay on in the lab set; a variable whose
only assignment is commented out is a defect where its value only the build can compute."""

import pytest

from pipeline_harness.lint.lint import lint_text
from pipeline_harness.lint.rules import RULES
from pipeline_harness.settings import Settings


def spec(*commands: str) -> str:
    return "version: 0.2\nphases:\n  build:\n    commands:\n" + "".join(f"      - {c}\n" for c in commands)


def rules(text: str, rules: str = "generic", select: tuple[str, ...] = ()) -> list[str]:
    return [f.rule for f in lint_text(text, "buildspec.yml", Settings(), rules=rules, select=select)
            if f.is_error]


# each as a real buildspec writes it (tests/data/buildspecs): it works as meant
LATENT = {
    "SC2046": "docker build -t repo/app:latest-$(uname -m) .",
    "SC1007": "AWS_ACCESS_KEY_ID= tox -e integ",
    "SC2155": "export KUBECONFIG=$(pwd)/kubeconfig",
    "SC2140": 'bash -c "if [ /"$CODEBUILD_BUILD_SUCCEEDING/" == /"0/" ]; then exit 1; fi"',
    # the project sets it (aws-samples/amazon-ecs-fargate-workshop-dev-ops-data)
    "SC2154": 'trufflehog --regex --max_depth 1 "$commituri"',
}


@pytest.mark.parametrize("code", sorted(LATENT))
def test_a_latent_shellcheck_code_is_off_in_the_generic_set(code):
    assert rules(spec(LATENT[code])) == []


@pytest.mark.parametrize("code", sorted(LATENT))
def test_a_latent_shellcheck_code_is_reported_when_selected_or_with_the_lab_rules(code):
    assert rules(spec(LATENT[code]), select=(code,)) == [code]
    assert rules(spec(LATENT[code]), select=("SC",)) == [code]
    assert code in rules(spec(LATENT[code]), rules="lab")


def test_every_latent_code_says_why_it_is_no_breakage():
    latent = [rule for rule in RULES.values() if rule.latent]

    assert sorted(rule.id for rule in latent) == sorted(LATENT)
    assert all(rule.why.startswith("latent: ") for rule in latent)


def test_a_shellcheck_code_that_breaks_the_command_is_still_reported_by_the_generic_set():
    # `$(...)` runs the output of the command as a command of its own
    assert rules(spec("$(echo make test)")) == ["SC2091"]


def test_string_indexing_is_reported_by_the_lab_set_which_checks_for_dash():
    # CodeBuild's /bin/sh on the lab's Ubuntu image is dash, which has no ${VAR:offset:length}
    text = spec("COMMIT_HASH=${CODEBUILD_RESOLVED_SOURCE_VERSION:0:7}")

    assert "SC3057" in rules(text, rules="lab")
    assert rules(text) == []  # generic does not know the image; bash has it


@pytest.mark.parametrize("value", [
    "$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)",
    "${COMMIT_HASH:=latest}",
    "$CODEBUILD_BUILD_NUMBER",
])
def test_a_commented_out_assignment_only_the_build_can_compute_is_reported(value):
    text = (spec("COMMIT_HASH=$(git rev-parse --short HEAD)", "docker build -t app:$IMAGE_TAG .")
            + f"      # - IMAGE_TAG={value}\n")

    assert rules(text) == ["variable-commented-out"]


@pytest.mark.parametrize("value", ["latest", "$AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com/app"])
def test_a_commented_out_plain_value_may_have_moved_to_the_project_and_is_reported_only_by_lab(value):
    text = spec("docker build -t $REPOSITORY_URI:latest .") + f"      # - REPOSITORY_URI={value}\n"

    assert rules(text) == []
    assert "variable-commented-out" in rules(text, rules="lab")
