"""`--quiet` is grade's alone: the one progress a verb writes is the bar of a class being graded, so
no other verb takes it (those with the target options did, and did nothing with it)."""

import pytest

from pipeline_harness.cli import build_parser, main

# each verb with the arguments it cannot go without; grade apart
OTHERS = [["verify"], ["provision"], ["teardown"], ["lint"], ["wait", "ecr-tags"],
          ["sweep", "--older-than", "1d"], ["preflight"], ["report", "r.json"],
          ["grader-role", "check", "--teacher-account", "1" * 12], ["grader-role", "template", "terraform"]]


@pytest.mark.parametrize("argv", OTHERS, ids=[" ".join(argv[:2]) for argv in OTHERS])
def test_a_verb_that_shows_no_progress_refuses_quiet_with_one_line(capsys, argv):
    code = main([*argv, "--quiet"])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "unrecognized arguments: --quiet" in err


def test_grade_takes_quiet_for_its_class_progress():
    assert build_parser().parse_args(["grade", "--accounts", "class.toml", "--quiet"]).quiet is True
    assert build_parser().parse_args(["grade", "--accounts", "class.toml"]).quiet is False
