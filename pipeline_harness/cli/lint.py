"""`pipeline-harness lint [PATH...]`: mistakes in buildspecs, Dockerfiles and imagedefinitions.json.

Without paths it lints ./buildspec.yml and, when present, ./sample_app/Dockerfile — the two files
CodeBuild reads from the repository root. What a file is comes from its content, not its name.
Rule sets: `lab` (the default: the CodeBuild reference, ShellCheck and the tutorial's asks) and
`generic` (only what holds for any buildspec). --select/--ignore take rule ids (docs/lint.md),
also from a [lint] table of the --config file. Exit 0 clean (notes alone are clean), 1 findings,
2 a file can't be read or parsed at all, or a bad option.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline_harness.cli.common import output, settings_from
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError
from pipeline_harness.lint import report, rules
from pipeline_harness.lint.lint import distinct_paths, lint_paths

FORMATS = tuple(report.RENDERERS)  # what lint.report renders
DEFAULT_BUILDSPEC = "buildspec.yml"
DEFAULT_DOCKERFILE = "sample_app/Dockerfile"


def add_parser(subparsers: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "lint", parents=[common], help="lint buildspec.yml, the Dockerfile and imagedefinitions.json",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="buildspec, Dockerfile or imagedefinitions.json files")
    parser.add_argument("--rules", choices=rules.RULE_SETS,
                        help="rule set (default: [lint] rules in the config file, "
                             f"else {rules.DEFAULT_RULES})")
    parser.add_argument("--select", action="append", metavar="RULE[,RULE]",
                        help="report only these rules (SC for every ShellCheck code)")
    parser.add_argument("--ignore", action="append", metavar="RULE[,RULE]",
                        help="do not report these rules")
    return parser


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    selection = rules.from_config(args.config, rules=args.rules, select=args.select, ignore=args.ignore)
    # a file given twice (or as ./a.yml and a.yml) is linted and reported once
    paths = distinct_paths(args.paths or _default_paths())
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise ConfigError(f"no such file: {', '.join(missing)}")
    findings = lint_paths(paths, settings, selection)
    with output(args) as out:
        out.write(report.render(args.format, [str(p) for p in paths], findings))
    if any(f.fatal for f in findings):
        return EXIT_USAGE
    return EXIT_FAILED if any(f.is_error for f in findings) else EXIT_OK


def _default_paths() -> list[str]:
    if not Path(DEFAULT_BUILDSPEC).exists():
        raise ConfigError(f"no {DEFAULT_BUILDSPEC} in {Path.cwd()}: run from the repository root "
                          "or pass the buildspec's path")
    return [DEFAULT_BUILDSPEC] + ([DEFAULT_DOCKERFILE] if Path(DEFAULT_DOCKERFILE).exists() else [])
