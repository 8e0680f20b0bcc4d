"""The static shell reading lint relies on: expanded variables, assignments, simple commands."""

from pipeline_harness.buildspec import shell


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
