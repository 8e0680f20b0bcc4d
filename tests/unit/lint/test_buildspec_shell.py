"""The static shell reading lint relies on: expanded variables, assignments, simple commands."""

import pytest

from pipeline_harness.lint import shell


def test_references_skip_single_quotes_and_escapes_but_not_double_quotes():
    command = """printf '$NOT_ME' "$ME" \\$NOR_ME ${AND_ME:-x} $(echo $INNER)"""

    assert shell.references(command) == ["ME", "AND_ME", "INNER"]


def test_assignments_are_found_only_in_command_position():
    command = "export A=1; B=$(echo $C | cut -c 1-7) && docker build --build-arg D=$A ."

    assert set(shell.assignments(command)) == {"A", "B"}


def test_loop_and_read_variables_count_as_assignments():
    assert set(shell.assignments("for TAG in a b; do echo $TAG; done; read -r NAME")) == {"TAG", "NAME"}


def test_words_split_simple_commands_and_keep_command_substitution_whole():
    command = ("aws ecr get-login-password | docker login -u AWS --password-stdin \"$R\"\n"
               "X=$(a b) docker push x")

    assert shell.words(command) == [
        ["aws", "ecr", "get-login-password"],
        ["docker", "login", "-u", "AWS", "--password-stdin", "$R"],
        ["X=$(a b)", "docker", "push", "x"],
    ]


def test_buildx_arguments_are_read_in_both_flag_spellings():
    build = shell.parse_buildx_build(
        ["--platform=linux/amd64", "--platform", "linux/arm64", "-t", "r:1", "--tag=r:latest",
         "--output", "type=image,push=true", "-f", "app/Dockerfile", "app"])

    assert build.platforms == ["linux/amd64", "linux/arm64"]
    assert (build.tags, build.push) == (["r:1", "r:latest"], True)
    assert (build.dockerfile, build.context) == ("app/Dockerfile", "app")


# Real command lines from public repositories. Where the code index found a line but did not name
# its repository, the comment says so; those lines are quoted as found.

@pytest.mark.parametrize(("push", "pushes"), [
    (["--push=false"], False), (["--push=0"], False), (["--push", "--push=false"], False),
    (["--push"], True), (["--push=true"], True), (["--push=1"], True),
])
def test_push_is_a_bool_flag_whose_last_value_decides(push, pushes):
    assert shell.parse_buildx_build([*push, "-t", "r:1", "."]).push is pushes


def test_a_public_build_with_push_false_does_not_push():
    # given a public build script's line (found by the code index, which names no repository)
    line = "docker buildx build --platform linux/amd64 --push=false -t ${FULL_IMAGE_NAME} --load ."
    # when
    [argv] = shell.docker_commands(line)
    # then
    assert shell.parse_buildx_build(argv[2:]).push is False


@pytest.mark.parametrize(("output", "pushes"), [
    ("type=registry", True),
    ("type=registry,push=false", False),
    ("type=image,push=true", True),
    ("type=image", False),
    ('type=image,"name=r:1,r:2",push=true', True),
    # jpbarto/cicd-environ.gobot cicd/build.sh: --output "type=docker,push=false"
    ("type=docker,push=false", False),
])
def test_an_output_pushes_as_buildx_reads_it(output, pushes):
    assert shell.parse_buildx_build(["--output", output, "-t", "r:1", "."]).push is pushes


@pytest.mark.parametrize(("args", "tags", "dockerfile"), [
    # a public script (found by the code index, no repository named): docker build -t$SPARK_TAG -f ...
    (["-t$SPARK_TAG", "-f", "spark.Dockerfile", "."], ["$SPARK_TAG"], "spark.Dockerfile"),
    (["-tname:tag", "-fDockerfile", "."], ["name:tag"], "Dockerfile"),
    (["-t=name:tag", "-f=Dockerfile", "."], ["name:tag"], "Dockerfile"),
    (["-qt", "name:tag", "."], ["name:tag"], None),
])
def test_short_flags_take_their_value_attached_as_docker_reads_them(args, tags, dockerfile):
    build = shell.parse_buildx_build(args)

    assert (build.tags, build.dockerfile, build.context) == (tags, dockerfile, ".")


@pytest.mark.parametrize(("line", "argv"), [
    # public scripts (found by the code index, no repository named)
    ("docker buildx --builder builder build -f src/Dockerfile.compile -t $TAG . --platform=linux/armhf",
     ["buildx", "build", "-f", "src/Dockerfile.compile", "-t", "$TAG", ".", "--platform=linux/armhf"]),
    ('docker --config "$temp" login ghcr.io -u "$GHCR_USER" --password-stdin',
     ["login", "ghcr.io", "-u", "$GHCR_USER", "--password-stdin"]),
    # the options docker/cli documents (docs/reference/commandline/docker.md), bool and with a value
    ("docker -D -H unix:///var/run/docker.sock -l debug buildx --builder=b imagetools create -t r:1 r:a",
     ["buildx", "imagetools", "create", "-t", "r:1", "r:a"]),
])
def test_docker_and_buildx_options_before_the_command_are_read_past(line, argv):
    assert shell.docker_commands(line) == [argv]


@pytest.mark.parametrize(("written", "platform"), [
    ("linux/arm64/v8", "linux/arm64"), ("linux/aarch64", "linux/arm64"), ("arm64", "linux/arm64"),
    ("linux/x86_64", "linux/amd64"), ("amd64", "linux/amd64"), ("Linux/AMD64", "linux/amd64"),
    ("linux/amd64/v1", "linux/amd64"),
    # other platforms keep their own names: 32-bit arm, an arm64 variant no Graviton runs
    ("linux/arm", "linux/arm/v7"), ("linux/arm64/v7", "linux/arm64/v7"), ("linux/amd64/v2", "linux/amd64/v2"),
    # the build host's architecture, which lint cannot know
    ("linux", "linux"), ("local", "local"),
])
def test_platforms_are_normalised_as_buildx_does(written, platform):
    assert shell.normal_platform(written) == platform


@pytest.mark.parametrize("written", [" linux/arm64", "", "linux/*", "linux/arm64/v8/x", "arm65"])
def test_platforms_buildx_rejects_have_no_normal_form(written):
    assert shell.normal_platform(written) is None
