"""Dry-run of buildspec.yml in bash with recording `aws` and `docker` stand-ins, in CodeBuild's
phase order and environment."""

import shutil
from pathlib import Path

import pytest

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.lint import document, dryrun
from pipeline_harness.lint.expectations import Expected, problems
from pipeline_harness.settings import Settings

REPO = Path(__file__).resolve().parents[3]
BUILDSPEC = (REPO / "buildspec.yml").read_text()
ACCOUNT = "123456789012"
COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
URI = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app"

pytestmark = pytest.mark.skipif(not shutil.which("bash"), reason="the dry-run needs bash")


def dry_run(tmp_path: Path, text: str = BUILDSPEC, **env):
    source = tmp_path / "source"
    source.mkdir(exist_ok=True)
    (source / "buildspec.yml").write_text(text)
    spec = document.load(source / "buildspec.yml")
    environment = dryrun.codebuild_environment(Settings(), ACCOUNT, COMMIT, 42, str(source))
    return dryrun.run(spec, {**environment, **env}, timeout=20)


def broken(old: str, new: str) -> str:
    assert old in BUILDSPEC, f"the repository's buildspec no longer holds {old!r}"
    return BUILDSPEC.replace(old, new, 1)


def test_repository_buildspec_pushes_both_platforms_with_three_tags(tmp_path):
    # when
    run = dry_run(tmp_path)
    # then
    assert run.succeeded, run.output
    [build] = run.buildx_builds()
    assert build.platforms == ["linux/amd64", "linux/arm64"]
    assert build.tags == [f"{URI}:a1b2c3d", f"{URI}:latest", f"{URI}:42"]
    assert build.push
    assert build.context == "sample_app"
    assert build.build_args == {"APP_VERSION": "a1b2c3d"}


def test_repository_buildspec_writes_imagedefinitions_for_the_commit_tag(tmp_path):
    run = dry_run(tmp_path)

    assert run.image_definitions() == [{"name": "php-app-container", "imageUri": f"{URI}:a1b2c3d"}]


def test_repository_buildspec_logs_in_to_the_accounts_registry_before_pushing(tmp_path):
    run = dry_run(tmp_path)

    [password] = run.aws("ecr", "get-login-password")
    [login] = run.docker("login")
    assert password.argv == ["ecr", "get-login-password", "--region", "us-east-1"]
    assert login.argv[-1] == f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
    assert login.stdin.strip() == dryrun.ECR_PASSWORD
    assert (password.phase, login.phase) == ("pre_build", "pre_build")
    assert run.docker("buildx", "build")[0].phase == "build"


def test_repository_buildspec_meets_every_expectation(tmp_path):
    run = dry_run(tmp_path)

    assert problems(run, Expected.from_environment(run.environment)) == []


def test_phases_run_in_codebuild_order_whatever_order_the_file_lists_them(tmp_path):
    # given phases written backwards
    text = "version: 0.2\nphases:\n" + "".join(
        f"  {phase}:\n    commands:\n      - echo {phase} >> order.txt\n      - cat order.txt\n"
        for phase in reversed(document.PHASES))
    # when
    run = dry_run(tmp_path, text)
    # then
    assert run.output.split()[-4:] == list(document.PHASES)
    assert [c.phase for c in run.commands][::2] == list(document.PHASES)


def test_variables_and_directory_carry_over_between_phases(tmp_path):
    text = ("version: 0.2\nphases:\n  install:\n    commands:\n      - GREETING=hello\n"
            "      - mkdir -p sub && cd sub\n"
            "  build:\n    commands:\n      - echo \"$GREETING from $(basename $PWD)\"\n")

    run = dry_run(tmp_path, text)

    assert run.output.strip() == "hello from sub"


def test_failed_pre_build_ends_the_build(tmp_path):
    text = broken("- echo Logging in to Amazon ECR", "- exit_code_3() { return 3; }; exit_code_3")

    run = dry_run(tmp_path, text)

    assert run.phases == {"install": "SUCCEEDED", "pre_build": "FAILED", "build": "NOT_RUN",
                          "post_build": "NOT_RUN"}
    assert run.docker("buildx", "build") == []
    assert problems(run, Expected.from_environment(run.environment))[0] == (
        f"phase pre_build failed: line {text[:text.index('exit_code_3()')].count(chr(10)) + 1} "
        "exited 3: exit_code_3() { return 3; }; exit_code_3")


def test_failed_build_still_runs_post_build_with_build_succeeding_0(tmp_path):
    text = ("version: 0.2\nphases:\n  build:\n    commands:\n      - false\n      - echo never\n"
            "  post_build:\n    commands:\n      - echo succeeding=$CODEBUILD_BUILD_SUCCEEDING\n")

    run = dry_run(tmp_path, text)

    assert run.phases["build"] == "FAILED" and run.phases["post_build"] == "SUCCEEDED"
    assert run.output.strip() == "succeeding=0"
    assert [c.text for c in run.commands] == ["false", "echo succeeding=$CODEBUILD_BUILD_SUCCEEDING"]


def test_on_failure_continue_lets_the_build_go_on_after_install_fails(tmp_path):
    text = ("version: 0.2\nphases:\n  install:\n    on-failure: CONTINUE\n    commands:\n"
            "      - false\n  build:\n    commands:\n      - echo built\n")

    run = dry_run(tmp_path, text)

    assert run.phases["install"] == "FAILED" and run.phases["build"] == "SUCCEEDED"
    assert "built" in run.output


def test_env_variables_of_the_buildspec_reach_the_commands(tmp_path):
    text = broken("phases:", "env:\n  variables:\n    PLATFORMS: linux/amd64,linux/arm64\nphases:")
    text = text.replace("--platform linux/amd64,linux/arm64", "--platform $PLATFORMS")

    run = dry_run(tmp_path, text)

    assert run.buildx_builds()[0].platforms == ["linux/amd64", "linux/arm64"]


def test_single_platform_build_is_a_problem(tmp_path):
    run = dry_run(tmp_path, broken("--platform linux/amd64,linux/arm64", "--platform linux/amd64"))

    assert problems(run, Expected.from_environment(run.environment)) == [
        "platform linux/arm64 is not built (platforms: linux/amd64)"]


def test_platforms_spelled_as_buildx_also_reads_them_meet_the_expectation(tmp_path):
    # linux/arm64/v8 is linux/arm64 (containerd's normal form), as a real project writes it:
    # `--platform linux/arm/v7,linux/arm64/v8,linux/amd64`
    run = dry_run(tmp_path, broken("--platform linux/amd64,linux/arm64",
                                   "--platform linux/arm/v7,linux/arm64/v8,linux/amd64"))

    assert problems(run, Expected.from_environment(run.environment)) == []


def test_missing_build_number_tag_is_a_problem(tmp_path):
    run = dry_run(tmp_path, broken("        --tag $REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER\n", ""))

    [problem] = problems(run, Expected.from_environment(run.environment))
    assert problem.startswith(f"tag {URI}:42 is not pushed")


def test_hard_coded_container_name_is_a_problem_when_the_project_names_another(tmp_path):
    # given the name written literally, and a project whose container is called differently
    text = broken('"$CONTAINER_NAME" "$REPOSITORY_URI', '"php-app-container" "$REPOSITORY_URI')
    # when
    run = dry_run(tmp_path, text, CONTAINER_NAME="web")
    # then
    [problem] = problems(run, Expected.from_environment(run.environment))
    assert problem.startswith('imagedefinitions.json is \'[{"name":"php-app-container"')
    assert "expected [{'name': 'web'" in problem


def test_wrong_variable_name_pushes_to_the_wrong_repository(tmp_path):
    run = dry_run(tmp_path, broken("$REGISTRY/$IMAGE_REPO_NAME", "$REGISTRY/$IMAGE_REPO"))

    found = problems(run, Expected.from_environment(run.environment))

    assert f"tag {URI}:a1b2c3d is not pushed" in found[0]
    assert f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/:a1b2c3d" in found[0]


def test_login_to_another_registry_is_a_problem(tmp_path):
    run = dry_run(tmp_path, broken("--password-stdin $REGISTRY", "--password-stdin public.ecr.aws"))

    found = problems(run, Expected.from_environment(run.environment))

    assert found == [f"no docker login to {ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com "
                     "(logins: ['login --username AWS --password-stdin public.ecr.aws'])"]


def test_imagedefinitions_missing_from_artifacts_is_a_problem(tmp_path):
    run = dry_run(tmp_path, broken("> imagedefinitions.json", "> image-definitions.json"))

    found = problems(run, Expected.from_environment(run.environment))

    assert "artifact imagedefinitions.json was not written" in found
    assert not run.succeeded


def test_dry_run_leaves_the_source_tree_untouched(tmp_path):
    dry_run(tmp_path)

    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == ["buildspec.yml"]


def test_a_command_that_never_ends_is_stopped_at_the_timeout(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - sleep 30 & wait\n")
    spec = document.load(source / "buildspec.yml")

    with pytest.raises(HarnessError) as err:
        dryrun.run(spec, {}, timeout=1)

    assert str(err.value) == ("the buildspec dry-run did not finish within 1s: a command waits for "
                              "input or never ends")
