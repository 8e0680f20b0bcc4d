"""Lint findings as a person reads them (table, markdown) or a tool does (JSON, JUnit XML).

Every format names each finding's rule, so `--ignore RULE` or `[lint] ignore` can silence it.
A finding quotes the file it is about (someone else's, when the grader lints a student's source),
so every path, message and fix goes through the format's function in `inert`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from pipeline_harness.core import inert
from pipeline_harness.lint.findings import Finding


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}" if f.line else f.path


def _counts(findings: Sequence[Finding]) -> str:
    errors = sum(f.is_error for f in findings)
    notes = len(findings) - errors
    return f"{errors} finding(s)" + (f", {notes} note(s)" if notes else "")


def as_table(paths: Sequence[str], findings: Sequence[Finding]) -> str:
    shown = inert.terminal
    if not any(f.is_error for f in findings):
        notes = "".join(f"{shown(_where(f))}: note: [{f.rule}] {shown(f.message)}\n" for f in findings)
        return notes + f"ok: {shown(', '.join(map(str, paths)))}: no findings\n"
    rows = []
    for f in findings:
        label = "" if f.is_error else "note: "
        rows.append(f"{shown(_where(f))}: {label}[{f.rule}] {shown(f.message)}\n    fix: {shown(f.fix)}")
    return "\n".join(rows) + f"\n{_counts(findings)}\n"


def as_json(paths: Sequence[str], findings: Sequence[Finding]) -> str:
    return json.dumps({"paths": [str(p) for p in paths],
                       "findings": [f.as_dict() for f in findings]}, indent=2) + "\n"


def as_junit(paths: Sequence[str], findings: Sequence[Finding]) -> str:
    """One test suite per file; one failing test case per finding, one passing case when clean."""
    errors = [f for f in findings if f.is_error]
    suites = ET.Element("testsuites", name="pipeline-harness lint", tests=str(max(len(errors), 1)),
                        failures=str(len(errors)))
    for path in map(str, paths):
        mine = [f for f in errors if f.path == path]
        name = inert.junit(path)
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(max(len(mine), 1)),
                              failures=str(len(mine)))
        if not mine:
            ET.SubElement(suite, "testcase", classname=name, name="no findings")
        for f in mine:
            case = ET.SubElement(suite, "testcase", classname=name,
                                 name=f"{inert.junit(_where(f))} [{f.rule}]")
            message = inert.junit(f.message)
            failure = ET.SubElement(case, "failure", message=message, type=f.rule)
            failure.text = f"{message}\nfix: {inert.junit(f.fix)}"
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def as_markdown(paths: Sequence[str], findings: Sequence[Finding]) -> str:
    lines = [f"# Lint: {_counts(findings)}"]
    for path in map(str, paths):
        mine = [f for f in findings if f.path == path]
        lines += ["", f"## {inert.markdown(inert.code(path))}", ""]
        if not mine:
            lines.append("No findings.")
            continue
        lines += ["| Line | Rule | Problem | Fix |", "| --- | --- | --- | --- |"]
        lines += [f"| {f.line or ''} | `{f.rule}`{'' if f.is_error else ' (note)'} "
                  f"| {inert.markdown(f.message, cell=True)} | {inert.markdown(f.fix, cell=True)} |"
                  for f in mine]
    return "\n".join(lines) + "\n"


RENDERERS = {"table": as_table, "json": as_json, "junit": as_junit, "markdown": as_markdown}


def render(fmt: str, paths: Sequence[str], findings: Sequence[Finding]) -> str:
    return RENDERERS[fmt](paths, findings)
