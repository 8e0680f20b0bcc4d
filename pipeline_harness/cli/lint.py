"""`pipeline-harness lint [PATH...]`: the buildspec, Dockerfile and imagedefinitions.json mistakes.

Without paths it lints ./buildspec.yml and, when present, ./sample_app/Dockerfile — the two files
CodeBuild reads from the repository root. Exit 0 clean, 1 findings, 2 a file can't be read or
parsed at all.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline_harness.buildspec.findings import Finding
from pipeline_harness.buildspec.lint import lint_path
from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError

DEFAULT_BUILDSPEC = "buildspec.yml"
DEFAULT_DOCKERFILE = "sample_app/Dockerfile"


def add_parser(subparsers, common) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "lint", parents=[common], help="lint buildspec.yml, the Dockerfile and imagedefinitions.json",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="buildspec (*.yml), Dockerfile, or imagedefinitions (*.json) files")
    return parser


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    paths = args.paths or _default_paths()
    findings = [finding for path in paths for finding in lint_path(path, settings)]
    with output(args) as out:
        out.write(_json(paths, findings) if args.format == "json" else _table(paths, findings))
    if any(f.fatal for f in findings):
        return EXIT_USAGE
    return EXIT_FAILED if findings else EXIT_OK


def _default_paths() -> list[str]:
    if not Path(DEFAULT_BUILDSPEC).exists():
        raise ConfigError(f"no {DEFAULT_BUILDSPEC} in {Path.cwd()}: run from the repository root "
                          "or pass the buildspec's path")
    return [DEFAULT_BUILDSPEC] + ([DEFAULT_DOCKERFILE] if Path(DEFAULT_DOCKERFILE).exists() else [])


def _table(paths: list[str], findings: list[Finding]) -> str:
    if not findings:
        return f"ok: {', '.join(map(str, paths))}: no findings\n"
    rows = []
    for f in findings:
        where = f"{f.path}:{f.line}" if f.line else f.path
        rows.append(f"{where}: [{f.rule}] {f.message}\n    fix: {f.fix}")
    return "\n".join(rows) + f"\n{len(findings)} finding(s)\n"


def _json(paths: list[str], findings: list[Finding]) -> str:
    return json.dumps({"paths": [str(p) for p in paths],
                       "findings": [f.as_dict() for f in findings]}, indent=2) + "\n"
