"""A crash — an exception that is a bug, not an expected error — is exit 4 and one line on stderr
naming the exception and the file its traceback was written to; never a traceback on the terminal,
never exit 1, which says a check failed."""

import re
import tempfile

import pytest

from pipeline_harness.cli import grade as grade_verb
from pipeline_harness.cli import main
from pipeline_harness.core.errors import EXIT_CRASH, EXIT_FAILED


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_crash_exits_4_with_one_line_naming_the_exception_and_the_traceback_file(
        temp_dir, monkeypatch, capsys):
    # given: the grade verb meets a bug before it calls anything
    def broken(args):
        config = None
        return config["settings"]
    monkeypatch.setattr(grade_verb, "settings_from", broken)

    # when
    code = main(["grade"])

    # then
    assert code == EXIT_CRASH != EXIT_FAILED
    err = capsys.readouterr().err
    [line] = err.splitlines()
    said = re.fullmatch(r"pipeline-harness: crashed with TypeError: 'NoneType' object is not "
                        r"subscriptable \(the traceback is in (?P<path>\S+)\)", line)
    assert said, line
    written = (temp_dir / said["path"]).read_text()
    assert written.startswith("Traceback (most recent call last):")
    assert "in broken" in written and "Traceback" not in err


def test_a_crash_whose_traceback_cannot_be_written_still_exits_4_with_one_line(temp_dir, monkeypatch, capsys):
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir / "missing"))
    monkeypatch.setattr(grade_verb, "settings_from", lambda args: {}["x"])

    code = main(["grade"])

    assert code == EXIT_CRASH
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("pipeline-harness: crashed with KeyError: 'x' (the traceback could not be "
                           "written: ")


def test_an_error_line_quoting_what_an_account_holds_reaches_the_terminal_inert(monkeypatch, capsys):
    # given: an expected error whose text quotes a student's name with a terminal escape in it
    from pipeline_harness.core.errors import ConfigError

    def refused(args):
        raise ConfigError("no pipeline `dev\x1b]52;c;ZXZpbA==\x07-pipe\nPASS forged`")
    monkeypatch.setattr(grade_verb, "settings_from", refused)

    # when
    code = main(["grade"])

    # then: one line, no escape or control character
    err = capsys.readouterr().err
    assert code == 2
    [line] = err.splitlines()
    assert "\x1b" not in line and "\x07" not in line
    assert line.startswith("pipeline-harness: no pipeline `dev")
