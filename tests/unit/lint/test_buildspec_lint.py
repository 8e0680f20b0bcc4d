"""Lint of buildspec.yml: the repository's own is clean; each tutorial mistake in a broken copy
is reported on its line with its fix; no bytes make lint raise."""

import random
from pathlib import Path

import pytest
import yaml

from pipeline_harness.lint import dryrun
from pipeline_harness.lint.document import parse
from pipeline_harness.lint.lint import lint_paths, lint_texts, lint_with_definitions
from pipeline_harness.lint.lint import lint_text as lint_in_memory
from pipeline_harness.lint.rules import Selection
from pipeline_harness.settings import Settings

REPO = Path(__file__).resolve().parents[3]
BUILDSPEC = (REPO / "buildspec.yml").read_text()


def broken(old: str, new: str) -> str:
    assert old in BUILDSPEC, f"the repository's buildspec no longer holds {old!r}"
    return BUILDSPEC.replace(old, new, 1)


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def lint_text(tmp_path: Path, text: str) -> list:
    path = tmp_path / "buildspec.yml"
    path.write_text(text)
    return lint_paths([path], Settings())


def only(findings: list, rule: str):
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, findings
    return matching[0]


def test_repository_buildspec_has_no_findings():
    assert lint_paths([REPO / "buildspec.yml"], Settings()) == []


def test_unquoted_colon_in_a_command_is_reported_as_the_commands_subkeys_error(tmp_path):
    # given the tutorial's "Commands[X] subkeys" mistake
    text = broken("- echo Logging in to Amazon ECR", "- echo Logging in to Amazon ECR: now")
    # when
    finding = only(lint_text(tmp_path, text), "command-is-mapping")
    # then
    assert finding.line == line_of(text, "echo Logging in to Amazon ECR: now")
    assert "Expected Commands[0] to be of string type: found subkeys" in finding.message
    assert finding.fix.startswith("quote the whole command: - 'echo Logging in to Amazon ECR: now'")


def test_two_colons_in_a_command_are_invalid_yaml_and_fatal(tmp_path):
    text = broken("- echo Logging in to Amazon ECR", "- echo Login: ECR: now")

    finding = only(lint_text(tmp_path, text), "yaml-invalid")

    assert finding.fatal
    assert finding.line == line_of(text, "echo Login: ECR: now")
    assert "mapping values are not allowed" in finding.message
    assert "quote the whole command" in finding.fix


def test_tab_indentation_is_invalid_yaml_with_a_spaces_fix(tmp_path):
    text = broken("    commands:\n      - docker buildx version", "    commands:\n\t- docker buildx version")

    finding = only(lint_text(tmp_path, text), "yaml-invalid")

    assert finding.line == line_of(text, "\t- docker")
    assert finding.fix == "indent with spaces, not tabs"


def test_unknown_version_is_reported_with_the_version_to_use(tmp_path):
    text = broken("version: 0.2", "version: 0.3")

    finding = only(lint_text(tmp_path, text), "version")

    assert finding.line == line_of(text, "version: 0.3")
    assert "unknown version '0.3'" in finding.message
    assert finding.fix == "write 'version: 0.2'"


def test_missing_version_is_reported(tmp_path):
    finding = only(lint_text(tmp_path, broken("version: 0.2\n", "")), "version")

    assert finding.message.startswith("no version")


def test_misspelt_phase_name_is_reported_with_the_phase_it_resembles(tmp_path):
    text = broken("  pre_build:", "  prebuild:")

    finding = only(lint_text(tmp_path, text), "unknown-phase")

    assert finding.line == line_of(text, "prebuild:")
    assert finding.fix.startswith("did you mean 'pre_build'?")


def test_misspelt_commands_key_is_reported_because_its_commands_never_run(tmp_path):
    text = broken("  post_build:\n    commands:", "  post_build:\n    command:")

    finding = only(lint_text(tmp_path, text), "unknown-phase-key")

    assert finding.line == line_of(text, "command:\n")
    assert finding.fix.startswith("did you mean 'commands'?")


def test_variable_outside_the_tutorials_names_is_reported_with_the_name_it_resembles(tmp_path):
    text = broken("REPOSITORY_URI=$REGISTRY/$IMAGE_REPO_NAME", "REPOSITORY_URI=$REGISTRY/$IMAGE_REPO")

    finding = only(lint_text(tmp_path, text), "undefined-variable")

    assert finding.line == line_of(text, "REPOSITORY_URI=$REGISTRY/$IMAGE_REPO")
    assert finding.message.startswith("$IMAGE_REPO is not one of the project's variables")
    assert finding.fix.startswith("did you mean 'IMAGE_REPO_NAME'?")


def test_variable_used_in_an_earlier_phase_than_it_is_set_is_reported(tmp_path):
    # given COMMIT_HASH set only in post_build, after build uses it
    assignment = "      - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)\n"
    text = broken(assignment, "").replace("    commands:\n      - echo Writing",
                                          "    commands:\n" + assignment + "      - echo Writing")
    # when
    finding = only(lint_text(tmp_path, text), "variable-used-before-set")
    # then
    assert finding.line == line_of(text, "echo Build $CODEBUILD_BUILD_NUMBER of commit $COMMIT_HASH")
    assert finding.fix == "set COMMIT_HASH in an earlier phase or command"


def test_variables_from_the_env_section_are_defined(tmp_path):
    text = broken("phases:", "env:\n  variables:\n    PLATFORMS: linux/amd64,linux/arm64\nphases:")
    text = text.replace("--platform linux/amd64,linux/arm64", "--platform $PLATFORMS")

    assert lint_text(tmp_path, text) == []


def test_imagedefinitions_missing_from_artifacts_is_reported_with_the_typo(tmp_path):
    text = broken("  files:\n    - imagedefinitions.json", "  files:\n    - imagedefinition.json")

    finding = only(lint_text(tmp_path, text), "artifact-missing")

    assert finding.line == line_of(text, "  files:")
    assert "artifacts.files names 'imagedefinition.json', not 'imagedefinitions.json'" in finding.message
    assert finding.fix == "list it under artifacts: files: as '- imagedefinitions.json'"


def test_no_artifacts_section_is_reported(tmp_path):
    text = broken("\nartifacts:\n  files:\n    - imagedefinitions.json\n", "\n")

    finding = only(lint_text(tmp_path, text), "artifact-missing")

    assert "'imagedefinitions.json' is not in artifacts.files" in finding.message


def test_imagedefinitions_name_not_from_container_name_is_reported(tmp_path):
    text = broken('"$CONTAINER_NAME" "$REPOSITORY_URI', '"php-app" "$REPOSITORY_URI')

    finding = only(lint_text(tmp_path, text), "definitions-name")

    assert finding.line == line_of(text, "printf '[{")
    assert "does not come from $CONTAINER_NAME" in finding.message
    assert '"$CONTAINER_NAME"' in finding.fix


def test_imagedefinitions_never_written_is_reported(tmp_path):
    text = broken("> imagedefinitions.json", "> image.json")

    finding = only(lint_text(tmp_path, text), "definitions-not-written")

    assert "no command writes imagedefinitions.json" in finding.message
    assert finding.fix.startswith("add to post_build: printf")


def test_plain_docker_build_is_reported_as_not_multi_arch(tmp_path):
    text = broken("docker buildx build --platform linux/amd64,linux/arm64", "docker build")

    finding = only(lint_text(tmp_path, text), "not-multi-arch")

    assert finding.line == line_of(text, "docker build\n")
    assert "no 'docker buildx build'" in finding.message
    assert "--platform linux/amd64,linux/arm64" in finding.fix


def test_buildx_build_without_arm64_is_reported(tmp_path):
    text = broken("--platform linux/amd64,linux/arm64", "--platform linux/amd64")

    finding = only(lint_text(tmp_path, text), "not-multi-arch")

    assert finding.line == line_of(text, "docker buildx build --platform")
    assert finding.message.startswith("docker buildx build does not build linux/arm64")
    assert finding.fix == "add --platform linux/amd64,linux/arm64"


def test_buildx_build_without_push_is_reported(tmp_path):
    text = broken("--push sample_app", "sample_app")

    finding = only(lint_text(tmp_path, text), "not-pushed")

    assert finding.line == line_of(text, "docker buildx build --platform")
    assert finding.fix == "add --push"


@pytest.mark.parametrize("push", ["--push=false", "--push=0", "--output type=registry,push=false"])
def test_buildx_build_whose_push_is_false_is_reported_as_not_pushed(tmp_path, push):
    # given a push flag set to false, as a public script does (`--push=false ... --load .`)
    text = broken("--push sample_app", f"{push} sample_app")
    # when
    finding = only(lint_text(tmp_path, text), "not-pushed")
    # then
    assert finding.line == line_of(text, "docker buildx build --platform")


@pytest.mark.parametrize("platform", ["linux/arm", "linux/arm64/v7", "linux/arm/v8"])
def test_a_platform_that_is_not_arm64_is_reported_as_missing_arm64(tmp_path, platform):
    text = broken("--platform linux/amd64,linux/arm64", f"--platform linux/amd64,{platform}")

    finding = only(lint_text(tmp_path, text), "not-multi-arch")

    assert finding.message.startswith("docker buildx build does not build linux/arm64 (platforms: ")


def test_a_space_after_a_comma_of_the_platforms_is_reported_because_buildx_rejects_it(tmp_path):
    # given the platform list LemmyNet/lemmy#6101 passed, which failed its build with
    # '" linux" is an invalid OS component of " linux/arm64"'
    text = broken("--platform linux/amd64,linux/arm64", '--platform "linux/amd64, linux/arm64"')
    # when
    finding = only(lint_text(tmp_path, text), "not-multi-arch")
    # then
    assert finding.message.startswith("docker buildx build does not build linux/arm64 "
                                      "(platforms: linux/amd64); buildx rejects ' linux/arm64'")
    assert finding.fix == "add --platform linux/amd64,linux/arm64"


@pytest.mark.parametrize(("tag_line", "kind", "fix"), [
    ("        --tag $REPOSITORY_URI:$COMMIT_HASH\n", "short commit hash", "$REPOSITORY_URI:$COMMIT_HASH"),
    ("        --tag $REPOSITORY_URI:latest\n", "latest", "$REPOSITORY_URI:latest"),
    ("        --tag $REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER\n", "build number",
     "$REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER"),
])
def test_each_missing_tag_is_reported_with_the_tag_to_add(tmp_path, tag_line, kind, fix):
    text = broken(tag_line, "")

    finding = only(lint_text(tmp_path, text), "missing-tag")

    assert finding.line == line_of(text, "docker buildx build --platform")
    assert f"no image is pushed with the {kind} tag" in finding.message
    assert finding.fix == f"add --tag {fix} to the docker buildx build --push"


def test_commit_tag_from_codebuild_source_version_is_reported_with_the_variable_to_use(tmp_path):
    text = broken("$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION", "$(echo $CODEBUILD_SOURCE_VERSION")

    finding = only(lint_text(tmp_path, text), "missing-tag")

    assert "no image is pushed with the short commit hash tag" in finding.message
    assert finding.message.endswith("take it from CODEBUILD_RESOLVED_SOURCE_VERSION")


def test_unevenly_indented_folded_command_is_reported_as_split(tmp_path):
    # given one line of the folded buildx command indented deeper than the others
    text = broken("        --push sample_app", "          --push sample_app")
    # when
    finding = only(lint_text(tmp_path, text), "command-split")
    # then
    assert finding.line == line_of(text, "docker buildx build --platform")
    assert finding.fix == "indent every line of the folded command the same"


def test_missing_ecr_login_is_reported_with_the_login_command(tmp_path):
    login = ("      - aws ecr get-login-password --region $AWS_DEFAULT_REGION"
             " | docker login --username AWS --password-stdin $REGISTRY\n")
    text = broken(login, "")

    finding = only(lint_text(tmp_path, text), "ecr-login")

    assert finding.line == line_of(text, "echo Logging in to Amazon ECR")
    assert "aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login" in finding.fix


def test_aws_cli_v1_login_is_reported(tmp_path):
    text = broken("aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login "
                  "--username AWS --password-stdin $REGISTRY",
                  "$(aws ecr get-login --no-include-email --region $AWS_DEFAULT_REGION)")

    finding = only(lint_text(tmp_path, text), "ecr-get-login")

    assert finding.line == line_of(text, "$(aws ecr get-login --no-include-email")
    assert "removed in AWS CLI v2" in finding.message
    assert finding.fix.startswith("use: aws ecr get-login-password --region $AWS_DEFAULT_REGION")


@pytest.mark.parametrize(("content", "rule", "message"), [
    (b"", "empty", "the file is empty"),
    (b"   \n\n", "empty", "the file is empty"),
    (b"version: 0.2\n\x00\x01\x02", "not-text", "the file is binary (it holds a NUL byte), not text"),
    (b"version: 0.2\nphases: \xff\xfe\n", "not-utf8",
     "the file is not UTF-8 text (byte 0xff cannot be decoded)"),
    (b"- version: 0.2\n- phases\n", "not-a-buildspec", "the top level is a list, not a mapping"),
    (b"just text\n", "not-a-buildspec", "the top level is a value, not a mapping"),
    (b"version: 0.2\n---\nversion: 0.2\n", "yaml-invalid", "expected a single document"),
    (b"a: [" * 5000, "yaml-invalid", "invalid YAML"),
    (b"version: 0.2\nphases: \x07\n", "yaml-invalid", "invalid YAML"),
], ids=["empty", "blank", "binary", "latin-1", "list", "scalar", "two-documents", "deep-nesting",
        "control-character"])
def test_unparsable_bytes_give_one_fatal_finding_not_a_traceback(tmp_path, content, rule, message):
    path = tmp_path / "buildspec.yml"
    path.write_bytes(content)

    findings = lint_paths([path], Settings())

    assert len(findings) == 1, findings
    assert findings[0].fatal and findings[0].rule == rule
    assert message in findings[0].message


def test_missing_file_and_directory_are_fatal_findings(tmp_path):
    missing = lint_paths([tmp_path / "nope.yml"], Settings())
    directory = lint_paths([tmp_path], Settings())

    assert [f.message for f in missing] == ["cannot read the file: No such file or directory"]
    assert [f.message for f in directory] == ["cannot read the file: Is a directory"]


@pytest.mark.parametrize(("name", "original"), [
    ("buildspec.yml", BUILDSPEC),
    ("Dockerfile", (REPO / "sample_app" / "Dockerfile").read_text()),
    ("imagedefinitions.json", '[{"name": "php-app-container", "imageUri": "1.dkr.ecr.r.amazonaws.com/a:b"}]'),
], ids=["buildspec", "dockerfile", "imagedefinitions"])
def test_random_bytes_and_mangled_files_never_raise(tmp_path, name, original):
    # given seeded random files and copies of a good file with bytes cut out or swapped
    rng = random.Random(3)
    original = original.encode()
    samples = [rng.randbytes(rng.randrange(1, 400)) for _ in range(100)]
    for _ in range(200):
        at = rng.randrange(len(original))
        samples.append(original[:at] + bytes([rng.randrange(256)]) + original[at + rng.randrange(1, 4):])
    paths = []
    for number, sample in enumerate(samples):
        (tmp_path / str(number)).mkdir()
        paths.append(tmp_path / str(number) / name)
        paths[-1].write_bytes(sample)
    # when all of them are linted in one run (one ShellCheck process, as `lint` runs a folder)
    findings = lint_paths(paths, Settings())
    # then every finding names a line or none, a rule, and a fix
    assert findings and all(f.rule and f.message and f.fix for f in findings)


BUILDX_PUSH = """      - >-
        docker buildx build --platform linux/amd64,linux/arm64
        --build-arg APP_VERSION=$COMMIT_HASH
        --tag $REPOSITORY_URI:$COMMIT_HASH
        --tag $REPOSITORY_URI:latest
        --tag $REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER
        --push sample_app
"""
ARTIFACTS = "artifacts:\n  files:\n    - imagedefinitions.json\n"


@pytest.mark.parametrize(("old", "new"), [
    # imagedefinitions.json delivered as a secondary artifact
    (ARTIFACTS, "artifacts:\n  files:\n    - '**/*'\n  secondary-artifacts:\n    deploy:\n"
                "      files:\n        - imagedefinitions.json\n"),
    # written into out/ and delivered by a glob under base-directory
    ("> imagedefinitions.json\n      - cat imagedefinitions.json\n\n" + ARTIFACTS,
     "> out/imagedefinitions.json\n\nartifacts:\n  files:\n    - '**/*'\n  base-directory: out\n"),
    # the ECR login in two commands
    ("      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS "
     "--password-stdin $REGISTRY\n",
     "      - PASSWORD=$(aws ecr get-login-password --region $AWS_DEFAULT_REGION)\n"
     "      - echo \"$PASSWORD\" | docker login --username AWS --password-stdin $REGISTRY\n"),
    # a manifest list of per-architecture images, made with docker manifest
    (BUILDX_PUSH, "".join(f"      - docker manifest create $REPOSITORY_URI:{t} $REPOSITORY_URI:$COMMIT_HASH"
                          f"-amd64 $REPOSITORY_URI:$COMMIT_HASH-arm64\n"
                          f"      - docker manifest push $REPOSITORY_URI:{t}\n"
                          for t in ("$COMMIT_HASH", "latest", "$CODEBUILD_BUILD_NUMBER"))),
    # ... or with buildx imagetools
    (BUILDX_PUSH, "      - >-\n        docker buildx imagetools create --tag $REPOSITORY_URI:$COMMIT_HASH\n"
                  "        --tag $REPOSITORY_URI:latest --tag $REPOSITORY_URI:$CODEBUILD_BUILD_NUMBER\n"
                  "        $REPOSITORY_URI:$COMMIT_HASH-amd64 $REPOSITORY_URI:$COMMIT_HASH-arm64\n"),
    # variables set earlier in the same command, by a loop, or on a later line of a block
    ("      - echo Logging in to Amazon ECR\n",
     "      - for step in login build; do echo \"$step\"; done\n      - STAGE=ci && echo $STAGE\n"
     "      - |\n        export NOTE=ecr\n        echo $NOTE\n"),
    # platforms spelt as buildx normalises them: a public Makefile (found by the code index, no
    # repository named) builds `--platform linux/arm/v7,linux/arm64/v8,linux/amd64`
    ("--platform linux/amd64,linux/arm64", "--platform linux/arm64/v8,linux/amd64"),
    ("--platform linux/amd64,linux/arm64", "--platform linux/x86_64,linux/aarch64"),
    ("--platform linux/amd64,linux/arm64", "--platform amd64,arm64"),
    ("--platform linux/amd64,linux/arm64", "--platform linux/amd64 --platform=linux/arm64"),
    # buildx's own option before build (public scripts: `docker buildx --builder builder build ...`)
    ("docker buildx build --platform", "docker buildx --builder multiarch build --platform"),
    # pushed by the registry exporter, tagged with attached short flags (`docker build -t$SPARK_TAG`)
    ("--push sample_app", "--output type=registry sample_app"),
    ("--tag $REPOSITORY_URI:latest", "-t$REPOSITORY_URI:latest"),
    # the FIPS registry (the AWS General Reference's ECR endpoints: dkr.ecr-fips.<region>.amazonaws.com)
    ("dkr.ecr.$AWS_DEFAULT_REGION", "dkr.ecr-fips.$AWS_DEFAULT_REGION"),
], ids=["secondary-artifact", "glob-with-base-directory", "login-in-two-steps", "docker-manifest",
        "buildx-imagetools", "variables-in-one-command", "arm64-variant-v8", "architecture-aliases",
        "architectures-alone", "platform-flag-repeated", "buildx-builder-option", "registry-output",
        "attached-short-tag", "fips-registry"])
def test_every_valid_way_to_meet_the_tutorial_passes_the_lab_rules(tmp_path, old, new):
    assert lint_text(tmp_path, broken(old, new)) == []


def test_imagedefinitions_delivered_by_the_last_of_thousands_of_secondary_artifacts_passes(tmp_path):
    # given 4,000 secondary artifacts, only the last of which takes in imagedefinitions.json
    others = "".join(f"    other{n}:\n      files:\n        - out/{n}\n" for n in range(3999))
    text = broken(ARTIFACTS, "artifacts:\n  secondary-artifacts:\n" + others
                  + "    deploy:\n      files:\n        - imagedefinitions.json\n")
    # when, then each section is read for what it delivers: nothing is missing
    assert lint_text(tmp_path, text) == []
    # and without the last one, the file is missing from every artifact
    undelivered = text.replace("        - imagedefinitions.json\n", "        - x\n")
    assert [f.rule for f in lint_text(tmp_path, undelivered)] == ["artifact-missing"]


def test_push_before_the_ecr_login_is_reported_with_the_logins_line(tmp_path):
    login = ("      - aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker login --username AWS"
             " --password-stdin $REGISTRY\n")
    text = broken(login, "").replace("      - echo Writing", login + "      - echo Writing")

    finding = only(lint_text(tmp_path, text), "push-before-login")

    assert finding.line == line_of(text, "docker buildx build --platform")
    assert f"(line {line_of(text, 'aws ecr get-login-password')})" in finding.message


def test_text_held_in_memory_is_linted_by_its_content_for_the_grader():
    found = lint_in_memory(broken("version: 0.2", "version: 0.0"), "student/buildspec.yml", Settings(),
                           ignore=["missing-tag"])

    assert [(f.rule, f.path) for f in found] == [("version", "student/buildspec.yml")]


def test_what_the_buildspec_writes_to_imagedefinitions_is_linted_with_it(tmp_path):
    # given the repository's buildspec, and what a build of it would have written
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app:a1b2c3d"
    good = f'[{{"name":"php-app-container","imageUri":"{uri}"}}]'
    wrong = good.replace("php-app-container", "web")
    # when
    clean = lint_with_definitions(BUILDSPEC, "buildspec.yml", Settings(), definitions=good)
    found = lint_with_definitions(BUILDSPEC, "buildspec.yml", Settings(), definitions=wrong)
    # then
    assert clean == []
    assert [(f.rule, f.path) for f in found] == [
        ("definitions-name", "imagedefinitions.json (written by buildspec.yml)")]


def test_unreadable_definitions_are_one_fatal_finding_beside_the_buildspecs():
    found = lint_with_definitions(BUILDSPEC, "buildspec.yml", Settings(), definitions="[{not json")

    assert [(f.rule, f.fatal) for f in found] == [("json-invalid", True)]


def test_what_a_dry_run_of_the_buildspec_writes_is_linted_with_it(tmp_path):
    # given a buildspec that names the container itself instead of $CONTAINER_NAME
    text = broken('"$CONTAINER_NAME" "$REPOSITORY_URI', '"web" "$REPOSITORY_URI')
    # when a dry run in a folder of its own (stand-ins for aws and docker) writes imagedefinitions.json
    environment = dryrun.codebuild_environment(Settings(), "123456789012", "0" * 40, 1, str(tmp_path))
    written = dryrun.run(parse(text), environment, tmp_path).artifacts["imagedefinitions.json"]
    found = lint_with_definitions(text, "buildspec.yml", Settings(), definitions=written)
    # then both the command and the file it wrote are reported
    assert sorted(f.rule for f in found) == ["definitions-name", "definitions-name"]
    assert any("(written by" in f.path and "name 'web'" in f.message for f in found)


def test_buildspec_shaped_documents_of_any_structure_never_raise():
    # given seeded documents mixing the reference's keys with values of every kind and depth
    keys = ["version", "phases", "install", "build", "post_build", "commands", "finally", "env",
            "variables", "shell", "batch", "build-graph", "build-list", "build-matrix", "static",
            "dynamic", "identifier", "artifacts", "files", "base-directory", "secondary-artifacts",
            "cache", "paths", "reports", "runtime-versions", "on-failure", "exported-variables"]
    leaves = [None, 0.2, 0.1, "0.0", True, 7, "", "x: y", "docker push $R:$T", "- a", [], {},
              "aws ecr get-login", "printf x > imagedefinitions.json", "$env:X", "[[ -n $A ]]"]
    rng = random.Random(13)

    def value(depth: int):
        roll = rng.random()
        if depth > 3 or roll < 0.35:
            return rng.choice(leaves)
        if roll < 0.7:
            return {rng.choice(keys): value(depth + 1) for _ in range(rng.randrange(1, 4))}
        return [value(depth + 1) for _ in range(rng.randrange(0, 4))]

    texts = [yaml.safe_dump({rng.choice(keys): value(0) for _ in range(rng.randrange(1, 5))})
             for _ in range(300)]
    # when all of them are linted in one run, with both rule sets
    for rules in ("lab", "generic"):
        found = lint_texts_in_memory(texts, rules)
        # then every finding names a rule, a message and a fix
        assert all(f.rule and f.message and f.fix for per_file in found for f in per_file)


def lint_texts_in_memory(texts: list[str], rules: str) -> list:
    return lint_texts([(t, f"{n}.yml") for n, t in enumerate(texts)], Settings(), Selection(rules))
