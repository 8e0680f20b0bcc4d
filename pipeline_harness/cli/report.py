"""`pipeline-harness report REPORT.json [REPORT.json ...] -o nightly.html`: the nightly run's reports
drawn as one self-contained HTML page — each run's timeline (its phases, waits and pipeline stages)
and, given several reports, each one's duration over the runs, the slowest flagged against the
tutorial's windows. Reports are drawn oldest first by their `started_at` (older reports, without
it: in the order given). Exit 0 when the page is written, 2 when a file is not a run report (one
line naming it), unreadable or over the size a run report can have.
"""

from __future__ import annotations

import argparse

from pipeline_harness.cli.common import output
from pipeline_harness.cli.parsing import Subparsers
from pipeline_harness.core.errors import EXIT_OK
from pipeline_harness.html import nightly

FORMATS: tuple[str, ...] = ()  # one HTML page: no --format, and no target options


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    del common  # nothing here talks to AWS: no target options
    parser = sub.add_parser(
        "report", help="draw nightly run reports (nightly-run.json) as one HTML page",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="+", metavar="REPORT.json",
                        help="nightly run reports (drawn oldest first)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the page to this file (default: stdout)")
    return parser


def run(args: argparse.Namespace) -> int:
    page = nightly.page(nightly.load_all(args.reports))  # every file is read before anything is written
    with output(args) as out:
        out.write(page)
    return EXIT_OK
