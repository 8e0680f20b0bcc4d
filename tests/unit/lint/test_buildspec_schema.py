"""The buildspec reference as a JSON schema: every section and value it defines is accepted, every
value it does not allow is reported on its line (generic rules)."""

from pathlib import Path

import pytest

from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings

REPO = Path(__file__).resolve().parents[3]
BUILDSPEC = (REPO / "buildspec.yml").read_text()

# every section of the reference's "Buildspec syntax", with the values it names
FULL_REFERENCE = """\
version: 0.2
run-as: root
env:
  shell: bash
  variables:
    JAVA_HOME: "/usr/lib/jvm/java-8-openjdk-amd64"
    RETRIES: 3
  parameter-store:
    LOGIN_PASSWORD: /CodeBuild/dockerLoginPassword
  secrets-manager:
    TOKEN: "my-secret:token::"
  exported-variables:
    - IMAGE_TAG
  git-credential-helper: yes
proxy:
  upload-artifacts: no
  logs: yes
phases:
  install:
    run-as: root
    on-failure: ABORT
    runtime-versions:
      java: corretto17
      python: 3.x
    commands:
      - echo Entered the install phase...
    finally:
      - echo This always runs
  pre_build:
    on-failure: RETRY-2
    commands:
      - IMAGE_TAG=$(date +%s)
  build:
    on-failure: CONTINUE
    commands:
      - mvn install
  post_build:
    on-failure: RETRY-3-timed out
    commands:
      - echo Build completed on `date`
reports:
  arn:aws:codebuild:us-east-1:123456789012:report-group/unit:
    files:
      - "**/*"
    base-directory: target/tests/reports
    discard-paths: no
    file-format: CucumberJson
artifacts:
  files:
    - target/app.jar
  name: app-$(date +%Y-%m-%d)
  discard-paths: yes
  base-directory: .
  exclude-paths: ["**/*.tmp"]
  enable-symlinks: yes
  s3-prefix: builds
  secondary-artifacts:
    extra:
      files:
        - target/extra.jar
      name: extra
cache:
  key: npm-$(codebuild-hash-files package-lock.json)
  fallback-keys:
    - npm-
  action: restore
  paths:
    - /root/.m2/**/*
"""
BATCH = """\
version: 0.2
batch:
  fast-fail: false
  build-graph:
    - identifier: build1
      env:
        compute-type: BUILD_GENERAL1_SMALL
        privileged-mode: true
        variables:
          BUILD_ID: build1
      ignore-failure: false
    - identifier: build2
      buildspec: build2.yml
      debug-session: true
      depend-on:
        - build1
  build-matrix:
    static:
      ignore-failure: false
      env:
        type: LINUX_CONTAINER
        privileged-mode: true
    dynamic:
      env:
        image:
          - aws/codebuild/amazonlinux2-x86_64-standard:5.0
          - aws/codebuild/windows-base:2019-3.0
        variables:
          MY_VAR:
            - VALUE1
            - VALUE2
  build-fanout:
    parallelism: 5
    ignore-failure: false
"""


def lint(text: str) -> list:
    return [f for f in lint_text(text, "buildspec.yml", Settings(), rules="generic") if f.is_error]


def broken(old: str, new: str, text: str = BUILDSPEC) -> str:
    assert old in text, f"the buildspec no longer holds {old!r}"
    return text.replace(old, new, 1)


def line_of(text: str, snippet: str) -> int:
    return text[: text.index(snippet)].count("\n") + 1


def only(findings: list, rule: str):
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, findings
    return matching[0]


@pytest.mark.parametrize("text", [
    FULL_REFERENCE, BATCH, BUILDSPEC,
    "version: 0.1\nphases:\n  build:\n    commands:\n      - make\n      - make test\n",
    broken("version: 0.2", 'version: "0.2"'),
    "version: 0.2\nphases:\n  install:\n    commands:\n  build:\n    commands:\n      - make\n",
    "version: 0.2\nphases:\n  install:\n    runtime-versions:\n      java: corretto17\n",
    "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n      -\n      - make test\n",
    "version: 0.2\nphases:\n  build:\n    commands:\n      - make\nartifacts:\n"
    "  files: imagedefinitions.json\n",
    "version: 0.2\nbatch:\n  build-list:\n    - identifier: linux\n      buildspec: linux.yml\n",
], ids=["full-reference", "batch", "repository", "version-0.1", "version-as-text", "empty-commands",
        "install-only-runtimes", "empty-list-item", "files-as-one-path", "batch-only"])
def test_valid_buildspecs_have_no_findings(text):
    assert lint(text) == []


def test_version_0_0_is_reported_with_the_version_to_use():
    text = broken("version: 0.2", "version: 0.0")

    finding = only(lint(text), "version")

    assert finding.line == line_of(text, "version: 0.0")
    assert finding.message.startswith("unknown version '0.0'")
    assert finding.fix == "write 'version: 0.2'"


def test_neither_phases_nor_batch_is_reported():
    finding = only(lint("version: 0.2\nartifacts:\n  files:\n    - a\n"), "phases")

    assert "the build would run nothing" in finding.message


def test_misspelt_env_section_is_reported_with_the_key_it_resembles():
    text = broken("phases:", "env:\n  varaibles:\n    STAGE: dev\nphases:")

    finding = only(lint(text), "unknown-key")

    assert finding.line == line_of(text, "varaibles:")
    assert finding.message.startswith("unknown key 'varaibles' in env")
    assert finding.fix.startswith("did you mean 'variables'?")


@pytest.mark.parametrize(("old", "new", "on", "where", "allowed"), [
    ("phases:", "env:\n  shell: zsh\nphases:", "shell: zsh", "env.shell", "bash or /bin/sh"),
    ("  build:\n    commands:", "  build:\n    on-failure: IGNORE\n    commands:", "on-failure: IGNORE",
     "phases.build.on-failure", "ABORT, CONTINUE, RETRY"),
    ("phases:", "env:\n  git-credential-helper: maybe\nphases:", "git-credential-helper",
     "env.git-credential-helper", "yes or no"),
    ("artifacts:", "cache:\n  action: always\n  paths:\n    - x\nartifacts:", "action: always",
     "cache.action", "restore or save"),
    ("artifacts:", "reports:\n  unit:\n    file-format: XML\n    files:\n      - a\nartifacts:",
     "file-format", "reports.unit.file-format", "JUNITXML"),
    ("phases:", "env:\n  variables:\n    my-var: x\nphases:", "my-var", "env.variables",
     "no environment variable name"),
])
def test_values_the_reference_does_not_allow_are_reported_on_their_line(old, new, on, where, allowed):
    text = broken(old, new)

    finding = only(lint(text), "invalid-value")

    assert finding.line == line_of(text, on)
    assert where in finding.message
    assert allowed in finding.message + finding.fix


def test_version_0_1_loses_a_variable_between_commands():
    # given the repository's buildspec, whose pre_build sets REGISTRY for the next commands
    text = broken("version: 0.2", "version: 0.1")
    # when
    lost = {f.message.split()[0]: f for f in lint(text) if f.rule == "SC2031"}
    # then each command of 0.1 runs in a shell of its own (ShellCheck sees a subshell)
    assert set(lost) == {"REGISTRY", "REPOSITORY_URI", "COMMIT_HASH"}
    assert lost["REGISTRY"].line == line_of(text, "REPOSITORY_URI=$REGISTRY/$IMAGE_REPO_NAME")
    assert "was modified in a subshell" in lost["REGISTRY"].message


def test_runtime_versions_outside_install_is_reported():
    text = broken("  build:\n    commands:",
                  "  build:\n    runtime-versions:\n      python: 3.x\n    commands:")

    finding = only(lint(text), "runtime-versions")

    assert finding.line == line_of(text, "runtime-versions:")
    assert finding.fix == "move runtime-versions: under phases: install:"


@pytest.mark.parametrize(("old", "new", "missing"), [
    ("  files:\n    - imagedefinitions.json\n", "  name: deploy\n", "artifacts has no 'files'"),
    ("artifacts:", "cache:\n  key: npm\nartifacts:", "cache has no 'paths'"),
    ("phases:", "batch:\n  build-graph:\n    - buildspec: x.yml\nphases:",
     "batch.build-graph[0] has no 'identifier'"),
])
def test_keys_the_reference_requires_are_reported(old, new, missing):
    finding = only(lint(broken(old, new)), "missing-key")

    assert finding.message.startswith(missing)


def test_a_list_where_a_mapping_belongs_is_reported():
    text = broken("phases:", "env:\n  variables:\n    - STAGE=dev\nphases:")

    finding = only(lint(text), "wrong-type")

    assert finding.line == line_of(text, "- STAGE=dev")
    assert "env.variables is a list, but the buildspec reference wants a mapping" in finding.message


def test_commands_given_as_text_are_reported_as_not_a_list():
    text = broken("  post_build:\n    commands:\n", "  post_build:\n    commands: echo done\n    finally:\n")

    finding = only(lint(text), "commands-not-list")

    assert finding.line == line_of(text, "commands: echo done")


# the buildspec of the User Guide's "AWS CodePipeline integration with CodeBuild and multiple input
# sources and output artifacts sample": artifacts with secondary-artifacts only, no files
MULTIPLE_OUTPUTS_SAMPLE = """\
version: 0.2

phases:
  build:
    commands:
      - touch source1_file
      - cd $CODEBUILD_SRC_DIR_source2
      - touch source2_file

artifacts:
  secondary-artifacts:
    artifact1:
      base-directory: $CODEBUILD_SRC_DIR
      files:
        - source1_file
    artifact2:
      base-directory: $CODEBUILD_SRC_DIR_source2
      files:
        - source2_file
"""

# phases with GitHub Actions steps, as the User Guide's "Use GitHub Actions syntax in a buildspec"
# writes them (a step is a mapping of uses/with or run)
ACTION_STEPS = """\
version: 0.2
phases:
  install:
    steps:
      - name: Set up Node
        uses: actions/setup-node@v4
        with:
          node-version: 20
  build:
    commands:
      - npm test
  post_build:
    steps:
      - run: echo done
"""


@pytest.mark.parametrize("text", [MULTIPLE_OUTPUTS_SAMPLE, ACTION_STEPS],
                         ids=["secondary-artifacts-only", "github-actions-steps"])
def test_what_the_user_guide_documents_has_no_findings(text):
    assert lint(text) == []


def test_a_cache_whose_every_path_is_commented_out_is_accepted():
    # given cache.paths left with nothing (YAML null), as a production buildspec has it
    text = broken("artifacts:", "cache:\n  paths:\n    # - '/root/.npm/**/*'\nartifacts:")

    assert lint(text) == []


def test_artifacts_with_neither_files_nor_secondary_artifacts_is_reported():
    text = broken("  files:\n    - imagedefinitions.json\n", "  name: deploy\n")

    finding = only(lint(text), "missing-key")

    assert (finding.line, finding.fix) == (line_of(text, "name: deploy"), "add 'files:' under artifacts")
    assert "files, or secondary-artifacts" in finding.message


def test_an_unknown_phase_key_names_the_keys_a_phase_has_and_does_not_claim_a_rejection():
    text = broken("  post_build:\n    commands:", "  post_build:\n    command:")

    finding = only(lint(text), "unknown-phase-key")

    assert "steps" in finding.message and "reject" not in finding.message


@pytest.mark.parametrize("section", ["variables", "parameter-store", "secrets-manager", "exported-variables"])
def test_an_env_section_whose_every_entry_is_commented_out_is_accepted(section):
    # nothing, as `commands:` with nothing (which CodeBuild runs) and a production cache.paths
    text = broken("phases:", f"env:\n  {section}:\n    # IMAGE_TAG: latest\nphases:")

    assert lint(text) == []


def test_an_env_variable_list_where_a_mapping_belongs_is_still_reported():
    text = broken("phases:", "env:\n  variables:\n    - STAGE=dev\nphases:")

    assert [f.rule for f in lint(text)] == ["wrong-type"]
