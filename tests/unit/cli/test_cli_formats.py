"""Each verb declares the formats it writes (its module's FORMATS), once: its --format takes those
alone — any other is exit 2 with one line naming them, before any work — and each one it declares
is what it writes, told apart by the output's own shape."""

import importlib
import json
import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline_harness.cli import VERBS, main
from pipeline_harness.cli.common import FORMAT_HELP
from pipeline_harness.targets import moto as moto_target

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.xdist_group("cli-formats")  # one emulator for the module


def _formats(verb: str) -> tuple[str, ...]:
    return importlib.import_module(f"pipeline_harness.cli.{verb.replace('-', '_')}").FORMATS


# the argv of each verb that takes --format (grader-role: its check)
ARGV = {"verify": ["verify"], "grade": ["grade"], "provision": ["provision"], "teardown": ["teardown"],
        "lint": ["lint", str(REPO / "buildspec.yml")], "wait": ["wait", "ecr-tags", "--tags", "latest"],
        "sweep": ["sweep", "--older-than", "1d"], "preflight": ["preflight"],
        "grader-role": ["grader-role", "check", "--teacher-account", "111122223333"]}
UNWRITTEN = [(verb, fmt) for verb in ARGV for fmt in FORMAT_HELP if fmt not in _formats(verb)]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _named_choices(line: str) -> list[str]:
    """The formats argparse's `invalid choice: … (choose from …)` names, quoted or not."""
    (choices,) = re.findall(r"\(choose from ([^)]*)\)", line)
    return [name.strip(" '") for name in choices.split(",")]


def written_as(text: str) -> str:
    """The format a report is in, from its text alone."""
    if text.lstrip().lower().startswith("<!doctype html"):
        return "html"
    if text.startswith("<?xml"):
        return "junit" if ET.fromstring(text.encode()).tag == "testsuites" else "xml"
    try:
        data = json.loads(text)
    except ValueError:
        return "markdown" if text.startswith("# ") else "table"
    return "gradescope" if isinstance(data, dict) and {"tests", "output_format"} <= set(data) else "json"


def test_every_verb_with_a_format_option_is_run_here_and_the_others_declare_none():
    assert {verb for verb in VERBS if _formats(verb)} == set(ARGV)
    assert all(_formats(verb)[0] == "table" for verb in ARGV)  # the default comes first


def test_teardown_refuses_junit_with_one_line_naming_the_formats_it_writes_before_any_call(capsys):
    # given: an endpoint that answers nothing (a call would be exit 3)
    endpoint = f"http://127.0.0.1:{_closed_port()}"

    # when
    code = main(["teardown", "--endpoint-url", endpoint, "--format", "junit"])

    # then
    line = _one_line(capsys.readouterr().err)
    assert code == 2
    assert "argument --format: invalid choice: 'junit'" in line
    assert _named_choices(line) == ["table", "json"]


@pytest.mark.parametrize("verb, fmt", UNWRITTEN, ids=[f"{v}-{f}" for v, f in UNWRITTEN])
def test_a_format_the_verb_does_not_write_is_exit_2_naming_those_it_does(capsys, verb, fmt):
    code = main([*ARGV[verb], "--endpoint-url", f"http://127.0.0.1:{_closed_port()}", "--format", fmt])

    line = _one_line(capsys.readouterr().err)
    assert code == 2
    assert f"invalid choice: '{fmt}'" in line and _named_choices(line) == list(_formats(verb))


@pytest.fixture(scope="module")
def moto_server():
    server = moto_target.embedded("us-east-1")  # reached by its URL, as an external one
    yield server.endpoint_url
    server.close()


# every verb in each format it declares, on the emulator (verify and provision make a lab each)
WRITTEN = [(verb, fmt) for verb in ARGV for fmt in _formats(verb)]


@pytest.mark.parametrize("verb, fmt", WRITTEN, ids=[f"{v}-{f}" for v, f in WRITTEN])
def test_each_format_a_verb_declares_is_the_format_it_writes(moto_server, tmp_path, verb, fmt):
    # given: the verb on its own prefix (provision keeps what it makes)
    report = tmp_path / "report"
    target = [] if verb == "lint" else ["--endpoint-url", moto_server, "--prefix", f"{fmt}-"]
    timeout = ["--timeout", "1"] if verb == "wait" else []

    # when
    code = main([*ARGV[verb], *target, *timeout, "--format", fmt, "--output", str(report)])

    # then: a verdict (passed or failed), written in the format asked for
    assert code in (0, 1)
    assert written_as(report.read_text(encoding="utf-8")) == fmt


@pytest.mark.parametrize("text, fmt", [
    ("<!DOCTYPE html>\n<html></html>\n", "html"),
    ("<?xml version='1.0'?>\n<testsuites/>\n", "junit"),
    ('{"score": 1.0, "output_format": "md", "tests": []}\n', "gradescope"),
    ('{"outcomes": {}, "errors": []}\n', "json"),
    ("# Lint: 0 finding(s)\n", "markdown"),
    ("pipeline       absent\nservice        absent\n", "table"),
])
def test_the_format_of_a_report_is_told_from_its_text(text, fmt):
    assert written_as(text) == fmt


def test_docs_name_the_formats_each_verb_writes():
    # given: docs/verify.md's table of the verbs' formats
    docs = (REPO / "docs" / "verify.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)(?: check)?` \| ([^|]+) \|$", docs, re.MULTILINE)

    # then
    assert {verb: tuple(re.findall(r"`([a-z]+)`", formats)) for verb, formats in rows} == {
        verb: _formats(verb) for verb in ARGV}
