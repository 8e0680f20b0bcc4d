"""Wall time to lint 100 buildspecs: the real ones of tests/data/buildspecs, repeated to 100 files.

Goal (issue 13): ≤ 5 s for the 100, with the JSON schema, ShellCheck (a process per CPU for all
the files) and the command rules; both rule sets are measured. Prints the median of --rounds runs,
wall time and CPU time (this process's and its ShellCheck children's, user + system: steadier
than wall time on a shared machine), and one file linted alone (the grader's case: one
ShellCheck process per call).

    python benchmarks/lint.py [--files 100] [--rounds 5] [--corpus DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pipeline_harness.lint.lint import lint_paths
from pipeline_harness.lint.rules import Selection
from pipeline_harness.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "buildspecs"


def _copies(folder: Path, count: int, corpus: Path) -> list[Path]:
    originals = sorted(p for p in corpus.iterdir() if p.suffix in (".yml", ".yaml"))
    paths = []
    for number in range(count):
        path = folder / f"{number:03d}-{originals[number % len(originals)].name}"
        shutil.copyfile(originals[number % len(originals)], path)
        paths.append(path)
    return paths


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _median_seconds(paths: list[Path], selection: Selection, rounds: int) -> tuple[float, float, int]:
    times, cpu, found = [], [], 0
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), _cpu_seconds()
        found = len(lint_paths(paths, Settings(), selection))
        times.append(time.perf_counter() - start)
        cpu.append(_cpu_seconds() - start_cpu)
    return statistics.median(times), statistics.median(cpu), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="a folder of buildspecs to repeat (default: tests/data/buildspecs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lint-benchmark-") as folder:
        paths = _copies(Path(folder), args.files, args.corpus)
        for rules in ("generic", "lab"):
            seconds, cpu, found = _median_seconds(paths, Selection(rules), args.rounds)
            print(f"{rules:8} {len(paths)} buildspecs: median {seconds:.2f} s over {args.rounds} runs "
                  f"({seconds / len(paths) * 1000:.1f} ms per file, {found} findings; goal <= 5 s), "
                  f"CPU {cpu:.2f} s")
        single, single_cpu, _ = _median_seconds(paths[:1], Selection("lab"), args.rounds)
        print(f"lab      1 buildspec alone: median {single * 1000:.0f} ms, CPU {single_cpu * 1000:.0f} ms")


if __name__ == "__main__":
    main()
