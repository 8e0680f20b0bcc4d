"""The command rules ShellCheck cannot know (generic set): the AWS CLI v1 login, pushes before the
login or of tags never built, CodeBuild's own variables, commented-out assignments, folding."""

import pytest

from pipeline_harness.lint import images
from pipeline_harness.lint.document import parse
from pipeline_harness.lint.lint import lint_text
from pipeline_harness.settings import Settings

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def spec(*commands: str, phase: str = "build") -> str:
    lines = "".join(f"      - {c}\n" for c in commands)
    return f"version: 0.2\nphases:\n  {phase}:\n    commands:\n{lines}"


def lint(text: str) -> list:
    return [f for f in lint_text(text, "buildspec.yml", Settings(), rules="generic") if f.is_error]


def rules(text: str) -> list[str]:
    return [f.rule for f in lint(text)]


def test_aws_cli_v1_login_is_reported_on_its_line():
    text = spec("echo login", "$(aws ecr get-login --no-include-email --region $AWS_DEFAULT_REGION)")

    [finding] = lint(text)

    assert (finding.rule, finding.line) == ("ecr-get-login", 6)
    assert finding.fix.startswith("use: aws ecr get-login-password --region $AWS_DEFAULT_REGION | docker")


def test_push_before_the_login_to_its_registry_is_reported():
    # given a login in post_build, after build pushed through the same registry variable
    text = (f"version: 0.2\nphases:\n  build:\n    commands:\n      - REGISTRY={REGISTRY}\n"
            "      - docker build -t $REGISTRY/app:v1 .\n      - docker push $REGISTRY/app:v1\n"
            "  post_build:\n    commands:\n"
            "      - aws ecr get-login-password | docker login -u AWS --password-stdin $REGISTRY\n")
    # when
    [finding] = lint(text)
    # then
    assert (finding.rule, finding.line) == ("push-before-login", 7)
    assert "(line 10)" in finding.message


def test_push_after_the_login_or_to_another_registry_is_not_reported():
    login = f"aws ecr get-login-password | docker login -u AWS --password-stdin {REGISTRY}"

    assert rules(spec(login, f"docker build -t {REGISTRY}/app:v1 .", f"docker push {REGISTRY}/app:v1")) == []
    assert rules(spec("docker push other.example/app:v1", login)) == []


def test_push_of_a_tag_never_built_or_tagged_is_reported():
    # given the image built as :latest and pushed as the commit hash
    text = spec("COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)",
                "docker build -t $REPOSITORY_URI:latest .", "docker push $REPOSITORY_URI:$COMMIT_HASH")
    # when
    [finding] = lint(text)
    # then
    assert (finding.rule, finding.line) == ("push-unbuilt-tag", 7)
    assert "this repository has latest" in finding.message
    assert finding.fix == ("tag the image first: "
                           "docker tag $REPOSITORY_URI:latest $REPOSITORY_URI:$COMMIT_HASH")


@pytest.mark.parametrize("commands", [
    # tagged before the push, through a variable set from another
    ["TAG=v1", "IMAGE_TAG=$TAG", "docker build -t repo/app:$TAG .", "docker push repo/app:$IMAGE_TAG"],
    ["docker build -t repo/app .", "docker tag repo/app repo/app:v2", "docker push repo/app:v2"],
    # the project's IMAGE_TAG may well be latest (aws-samples/amazon-ecs-fullstack-app-terraform)
    ["docker build -t $REPO_URL .", "docker push $REPO_URL:$IMAGE_TAG"],
    # built by a script the buildspec runs
    ["./build.sh", "docker push repo/app:v3"],
    ["docker load -i image.tar", "docker push repo/app:v4"],
])
def test_pushes_of_tags_that_may_exist_are_not_reported(commands):
    assert rules(spec(*commands)) == []


def test_variable_whose_only_assignment_the_build_computes_is_commented_out_is_reported():
    text = ("version: 0.2\nphases:\n  pre_build:\n    commands:\n      - echo login\n"
            "    #  - REPOSITORY_URI=$(aws ecr describe-repositories --query repositories[0].uri)\n"
            "  build:\n    commands:\n      - docker build -t $REPOSITORY_URI:latest .\n")

    [finding] = lint(text)

    assert (finding.rule, finding.line) == ("variable-commented-out", 9)
    assert "its only assignment (line 6) is commented out" in finding.message


def test_codebuild_variable_that_codebuild_does_not_set_is_reported_with_the_one_it_resembles():
    [finding] = lint(spec("echo $CODEBUILD_RESOLVED_SOURCE_VERSON"))

    assert finding.rule == "codebuild-variable"
    assert finding.fix.startswith("did you mean 'CODEBUILD_RESOLVED_SOURCE_VERSION'?")


@pytest.mark.parametrize("name", ["CODEBUILD_PROJECT_ARN", "CODEBUILD_BATCH_BUILD_IDENTIFIER",
                                  "CODEBUILD_SRC_DIR_secondary", "CODEBUILD_WEBHOOK_TRIGGER"])
def test_codebuild_variables_are_known(name):
    assert rules(spec(f'echo "${name}"')) == []


def test_project_variables_are_not_reported_by_the_generic_rules():
    uri = "$AWS_ACCOUNT_ID.dkr.ecr.$AWS_DEFAULT_REGION.amazonaws.com/$IMAGE_REPO_NAME"

    assert rules(spec(f"docker push {uri}")) == []


def test_folded_command_whose_option_line_is_indented_deeper_is_reported_as_split():
    text = ("version: 0.2\nphases:\n  build:\n    commands:\n      - >\n        docker build\n"
            "          --tag app .\n")

    found = lint(text)

    assert [f.rule for f in found if f.rule == "command-split"] == ["command-split"]
    assert found[0].line == 6


@pytest.mark.parametrize(("build", "login"), [
    # buildx's own option before build, as public scripts write it (`docker buildx --builder builder build`)
    (f"docker buildx --builder multiarch build --push -t {REGISTRY}/app:v1 .",
     f"aws ecr get-login-password | docker login -u AWS --password-stdin {REGISTRY}"),
    # docker's own option before login (a public script: `docker --config "$temp" login ghcr.io ...`)
    (f"docker buildx build --push -t {REGISTRY}/app:v1 .",
     f'aws ecr get-login-password | docker --config "$HOME/.d" login -u AWS --password-stdin {REGISTRY}'),
])
def test_push_before_the_login_is_reported_past_docker_and_buildx_options(build, login):
    # given the push in build and the login only in post_build
    text = spec(build) + f"  post_build:\n    commands:\n      - {login}\n"
    # when
    [finding] = lint(text)
    # then
    assert (finding.rule, finding.line) == ("push-before-login", 5)


def test_a_tag_given_with_an_attached_short_flag_counts_as_built():
    # given the second tag written as a public script writes it (`docker build -t$SPARK_TAG ...`)
    text = spec("docker build -t repo/app:latest -trepo/app:v1 .", "docker push repo/app:v1")

    assert rules(text) == []


def variable_chain(names: int) -> str:
    """env variables V0..V<names>, each V<n> naming V<n + 1> `names` times, the last one `tail`."""
    rows = "".join(f"    V{n}: " + f"$V{n + 1}" * names + "\n" for n in range(names))
    return f"version: 0.2\nenv:\n  variables:\n{rows}    V{names}: x\n"


def test_a_variable_that_names_the_next_many_times_stays_unresolved_and_the_push_is_still_checked():
    # given 6 KB of variables each naming the next 40 times (V0 resolved four levels deep was
    # 40**4 references, 10 MB, in each comparison), an image built as $V0:v1 and pushed as $V0:v2
    text = variable_chain(40) + ("phases:\n  build:\n    commands:\n      - docker build -t $V0:v1 .\n"
                                 "      - docker push $V0:v2\n")
    # when
    [finding] = lint(text)
    # then $V0 is compared as written: the tag pushed was never built
    assert (finding.rule, finding.line) == ("push-unbuilt-tag", 49)
    assert finding.message.startswith("$V0:v2 is pushed, but no command before it builds or tags that tag")
    assert images.Values(parse(text)).resolve("$V0:v1") == "$V0:v1"


def test_a_variable_is_resolved_up_to_the_length_a_reference_may_have():
    # given A naming B four times, B 256 characters: A is 1,024 characters resolved
    values = images.Values(parse("version: 0.2\nenv:\n  variables:\n    A: $B$B$B$B\n    B: " + "b" * 256
                                 + "\nphases:\n  build:\n    commands:\n      - make\n"))
    # when a text is resolved to at most 1,024 characters, or to more
    # then the first is resolved, the second stays as written
    assert values.resolve("$A") == "b" * 1024
    assert values.resolve("$A/") == "$A/"
    assert values.resolve("$A$B") == "$A$B"
    assert values.resolve("$B/") == "b" * 256 + "/"
