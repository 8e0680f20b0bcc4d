"""Lint buildspecs, Dockerfiles and imagedefinitions.json: each finding with its rule, line and fix.

A buildspec goes through the reference's JSON schema, ShellCheck (its commands assembled as
CodeBuild runs them) and the rules ShellCheck cannot know; with the lab rule set, also what the
tutorial asks. All the buildspecs of one call share one ShellCheck run: a process per CPU, each
checking its share.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_harness.lint import (
    artifacts,
    builders,
    commands,
    dockerfile,
    imagedefinitions,
    kind,
    lab,
    schema,
    shellcheck,
    shellfindings,
    variables,
)
from pipeline_harness.lint.document import Buildspec, parse
from pipeline_harness.lint.files import checked, read_text
from pipeline_harness.lint.findings import Finding, Unparsable
from pipeline_harness.lint.rules import DEFAULT_RULES, Selection, split
from pipeline_harness.lint.script import BASH, SHELL_SKIPPED, Script, assemble, dialect, is_windows
from pipeline_harness.settings import Settings

# the findings of one rule reported for one file: a buildspec of 90 000 `A: x` lines once got
# 100 006, a 1 MiB imagedefinitions.json 11 522; past these, one more finding says how many more
MAX_FINDINGS_PER_RULE = 50


@dataclass
class _Job:
    path: str
    findings: list[Finding]
    spec: Buildspec | None = None
    script: Script | None = None
    shell: str = BASH
    lab: bool = False
    comments: list[shellcheck.Comment] = field(default_factory=list)


def lint_text(text: str, path: str, settings: Settings, rules: str = DEFAULT_RULES,
              select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Finding]:
    """Findings for one file held in memory (e.g. from a zip), its kind decided by its content."""
    selection = Selection(rules, split(select), split(ignore))
    return lint_texts([(text, path)], settings, selection)[0]


def distinct_paths(paths: Iterable[str | Path]) -> list[str | Path]:
    """Each file once, however it is spelt (`a.yml`, `./a.yml`, its absolute path or a symlink
    to it), under its first spelling, so no finding is reported twice."""
    first: dict[Path, str | Path] = {}
    for path in paths:
        first.setdefault(Path(path).resolve(), path)
    return list(first.values())


def lint_paths(paths: Sequence[str | Path], settings: Settings,
               selection: Selection | None = None) -> list[Finding]:
    """Findings for each distinct file of paths (see distinct_paths), in the order given."""
    items: list[tuple[str | None, str]] = []
    unreadable: dict[int, Finding] = {}
    for number, path in enumerate(distinct_paths(paths)):
        try:
            items.append((read_text(path), str(path)))
        except Unparsable as err:
            items.append((None, str(path)))
            unreadable[number] = err.finding
    results = lint_texts([(t, p) for t, p in items if t is not None], settings, selection or Selection())
    linted = iter(results)
    return [f for number in range(len(items))
            for f in ([unreadable[number]] if number in unreadable else next(linted))]


def lint_texts(items: Sequence[tuple[str, str]], settings: Settings,
               selection: Selection) -> list[list[Finding]]:
    """Findings for each (text, path), with one ShellCheck run (a process per CPU) for all the
    buildspecs."""
    jobs = [_prepare(text, path, settings, selection) for text, path in items]
    checked_jobs = [job for job in jobs if job.script is not None]
    comments = shellcheck.check([job.script.text for job in checked_jobs if job.script])
    for job, found in zip(checked_jobs, comments, strict=True):
        if isinstance(found, shellcheck.ShellCheckFailed):
            job.findings.append(shellcheck.SHELLCHECK_FAILED.at(
                job.path, None, f"the commands were not shell-checked: {found}", found.fix))
            job.script = None
        else:
            job.comments = found
    return [_finish(job, selection) for job in jobs]


def lint_with_definitions(text: str, path: str, settings: Settings, definitions: str,
                          rules: str = DEFAULT_RULES, select: Iterable[str] = (),
                          ignore: Iterable[str] = ()) -> list[Finding]:
    """A buildspec's findings plus those of the imagedefinitions.json it wrote (`definitions`, the
    file's text). Nothing here runs the buildspec: a student's commands are only read."""
    selection = Selection(rules, split(select), split(ignore))
    found = lint_texts([(text, path)], settings, selection)[0]
    if any(f.fatal for f in found):
        return found
    where = f"{Path(path).parent / settings.image_definitions_file} (written by {path})"
    try:
        written = imagedefinitions.lint_text(checked(definitions, where), where, settings, selection.lab)
    except Unparsable as err:
        written = [err.finding]
    return found + capped(selection.apply(written))


def _prepare(text: str, path: str, settings: Settings, selection: Selection) -> _Job:
    try:
        text = checked(text, path)
        what = kind.of(text, path)
        if what == kind.DOCKERFILE:
            return _Job(path, dockerfile.lint_text(text, path, settings, selection.lab))
        if what == kind.DEFINITIONS:
            return _Job(path, imagedefinitions.lint_text(text, path, settings, selection.lab))
        spec = parse(text, path)
        found = schema.check(spec)
    except Unparsable as err:
        return _Job(path, [err.finding])
    return _buildspec_job(spec, found, settings, selection)


def _buildspec_job(spec: Buildspec, found: list[Finding], settings: Settings,
                   selection: Selection) -> _Job:
    job = _Job(spec.path, found, spec=spec, lab=selection.lab)
    windows = is_windows(spec)
    if windows:
        job.findings.append(SHELL_SKIPPED.at(spec.path, None,
                                             "a Windows buildspec (PowerShell or cmd commands): its "
                                             "commands are not shell-checked; the buildspec structure is"))
    else:
        job.shell = dialect(spec, settings.codebuild_image if selection.lab else None)
        given = variables.GIVEN if selection.lab else \
            variables.CODEBUILD_VARIABLES | variables.SHELL_VARIABLES
        job.script = assemble(spec, given | variables.declared(spec), job.shell)
    job.findings += commands.check(spec, shell_checked=not windows) + artifacts.check(spec)
    if not windows:
        job.findings += builders.check(spec)
    if selection.lab:
        job.findings += lab.check(spec, settings, shell_checked=not windows)
    return job


def _finish(job: _Job, selection: Selection) -> list[Finding]:
    if job.spec is not None and job.script is not None:
        job.findings += shellfindings.findings(job.spec, job.script, job.comments, job.shell, job.lab)
    return capped(sorted(selection.apply(job.findings), key=lambda f: (f.line or 0, f.rule)))


def capped(findings: list[Finding]) -> list[Finding]:
    """One file's findings, at most MAX_FINDINGS_PER_RULE of each rule (the first ones, in order);
    a rule with more gets one finding more, where the first left out is, saying how many."""
    counts = Counter(f.rule for f in findings)
    kept: list[Finding] = []
    seen: Counter[str] = Counter()
    for finding in findings:
        seen[finding.rule] += 1
        if seen[finding.rule] <= MAX_FINDINGS_PER_RULE:
            kept.append(finding)
        elif seen[finding.rule] == MAX_FINDINGS_PER_RULE + 1:
            more = counts[finding.rule] - MAX_FINDINGS_PER_RULE
            kept.append(dataclasses.replace(finding.declared.at(
                finding.path, finding.line,
                f"and {more} more {finding.rule} findings like it in this file, from this line on "
                f"(lint reports the first {MAX_FINDINGS_PER_RULE} of each rule)"), stands_for=more))
    return kept
