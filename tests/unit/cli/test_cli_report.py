"""`pipeline-harness report` refuses what is not a nightly run report with one line and exit 2, before
anything is written: a file that is not JSON, not UTF-8, not a run report, too large, nested too
deep, unreadable, one of too many — and writes the page only when every file is a report."""

import json
import os
import re

import pytest

from pipeline_harness.cli import main
from pipeline_harness.e2e.run_report import RunReport
from pipeline_harness.html import nightly


def _report() -> dict:
    made = RunReport("1a2b3c4d5e6f", "us-east-1", "V2", "pipeline-harness/run-1a2b3c4d5e6f")
    made.outcome, made.started_at = "passed", "2026-11-24T02:17:05Z"  # test ids hold the text
    return made.as_dict()


def _refused(capsys, *argv: str) -> str:
    code = main(["report", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("pipeline-harness: ") and "Traceback" not in err
    return err


def _written(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize("content, says", [
    (b"<html>not json</html>", "not JSON (Expecting value, line 1 column 1)"),
    (b'{"run_id": "r", "outcome": "passed"', "not JSON"),
    (b"\xff\xfe{}", "not UTF-8 text (byte 0)"),
    (json.dumps({"target": "moto", "score": 3, "checks": []}).encode(), "not a nightly run report"),
    (json.dumps({**_report(), "outcome": "won"}).encode(), "outcome: 'won' is not one of"),
    (json.dumps({**_report(), "waits": [{"name": "http", "state": "succeeded", "at": -1.0,
                                         "seconds": 1.0}]}).encode(), "waits/0/at"),
    (json.dumps({**_report(), "stages": {"Build": {"seconds": 10 ** 9}}}).encode(), "stages/Build/seconds"),
    (json.dumps(_report()).replace('"usage": {}', '"usage": {"window_seconds": NaN}').encode(),
     "NaN is not a number JSON allows"),
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
])
def test_a_file_that_is_not_a_run_report_is_one_line_and_exit_2_and_nothing_is_written(
        tmp_path, capsys, content, says):
    good = _written(tmp_path, "good.json", json.dumps(_report()).encode())
    bad = _written(tmp_path, "bad.json", content)

    err = _refused(capsys, good, bad, "-o", str(tmp_path / "nightly.html"))

    assert f"{bad}: " in err and says in err
    assert not (tmp_path / "nightly.html").exists()


def test_a_file_larger_than_any_run_report_is_refused_without_reading_it_whole(tmp_path, capsys):
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:  # valid JSON, padded past the cap
        file.write(json.dumps(_report()).encode() + b" " * nightly.MAX_REPORT_BYTES)

    err = _refused(capsys, str(huge))

    assert f"{huge}: over 1024 KiB, larger than any run report" in err


@pytest.mark.parametrize("what, says", [("missing", "cannot read it (No such file or directory)"),
                                        ("a directory", "not a regular file"),
                                        ("a named pipe nobody writes to", "not a regular file")])
def test_a_file_that_cannot_be_read_is_refused_without_waiting_for_it(tmp_path, capsys, what, says):
    path = tmp_path / "nightly-run.json"
    if what == "a directory":
        path.mkdir()
    if what.startswith("a named pipe"):
        os.mkfifo(path)  # opened for reading, it would wait for a writer for ever

    err = _refused(capsys, str(path))

    assert f"{path}: {says}" in err


def test_more_reports_than_are_drawn_are_refused_before_any_is_read(tmp_path, capsys):
    path = _written(tmp_path, "r.json", json.dumps(_report()).encode())

    err = _refused(capsys, *[path] * (nightly.MAX_REPORTS + 1))

    assert f"{nightly.MAX_REPORTS + 1} reports given, at most {nightly.MAX_REPORTS} are drawn" in err


def test_an_output_that_cannot_be_written_is_refused_before_reading_any_report(tmp_path, capsys):
    path = _written(tmp_path, "r.json", json.dumps(_report()).encode())

    err = _refused(capsys, path, "-o", str(tmp_path / "no" / "such" / "folder" / "nightly.html"))

    assert "--output" in err and "cannot write a file there" in err


def test_no_report_named_is_a_usage_error(capsys):
    assert main(["report"]) == 2
    assert "the following arguments are required: REPORT.json" in capsys.readouterr().err


def test_a_report_with_fields_the_page_does_not_draw_is_read_and_drawn(tmp_path, capsys):
    path = _written(tmp_path, "r.json", json.dumps({**_report(), "added_later": {"x": [1, 2]}}).encode())

    assert main(["report", path]) == 0

    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and "Nightly run 1a2b3c4d5e6f" in out


def test_runs_are_drawn_oldest_first_by_when_they_started_whatever_order_they_are_named(tmp_path):
    # given: three runs, named newest first
    paths = []
    for day, run in (("2026-11-26", "c3"), ("2026-11-24", "a1"), ("2026-11-25", "b2")):
        report = {**_report(), "run_id": run, "started_at": f"{day}T02:17:05Z"}
        paths.append(_written(tmp_path, f"{run}.json", json.dumps(report).encode()))

    # when
    drawn = nightly.load_all(paths)

    # then
    assert [report["run_id"] for _, report in drawn] == ["a1", "b2", "c3"]


def test_reports_without_a_start_time_are_drawn_in_the_order_given(tmp_path):
    # given: reports written before the field existed
    old = {key: value for key, value in _report().items() if key != "started_at"}
    paths = [_written(tmp_path, f"{run}.json", json.dumps({**old, "run_id": run}).encode())
             for run in ("c3", "a1")]

    assert [report["run_id"] for _, report in nightly.load_all(paths)] == ["c3", "a1"]


def test_a_run_report_says_when_the_run_began_in_utc():
    made = RunReport("1a2b3c4d5e6f", "us-east-1", "V2", "pipeline-harness/run-1a2b3c4d5e6f")

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", made.as_dict()["started_at"])
