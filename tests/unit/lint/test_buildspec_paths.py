"""lint_paths lints each distinct file once, under the first spelling it was given."""

from pathlib import Path

from pipeline_harness.lint.lint import distinct_paths, lint_paths
from pipeline_harness.lint.rules import Selection
from pipeline_harness.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "data" / "buildspecs"
V1_LOGIN = CORPUS / "codebuild-samples_dockerbuildspec.yml"


def test_a_file_and_a_symlink_to_it_are_linted_once_under_the_first_spelling(tmp_path):
    # given a real buildspec with one ecr-get-login finding, and a symlink to it
    link = tmp_path / "buildspec.yml"
    link.symlink_to(V1_LOGIN)
    # when
    found = lint_paths([link, V1_LOGIN, str(link)], Settings(), Selection("generic"))
    # then
    assert [(f.path, f.rule) for f in found] == [(str(link), "ecr-get-login")]


def test_a_missing_file_given_twice_is_one_unreadable_finding(tmp_path):
    missing = tmp_path / "buildspec.yml"

    found = lint_paths([missing, tmp_path / "." / "buildspec.yml"], Settings(), Selection("generic"))

    assert [(f.path, f.rule, f.fatal) for f in found] == [(str(missing), "unreadable", True)]


def test_distinct_paths_keeps_distinct_files_in_the_order_given(tmp_path):
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"

    assert distinct_paths([second, first, second, tmp_path / "x" / ".." / "a.yml"]) == [second, first]
