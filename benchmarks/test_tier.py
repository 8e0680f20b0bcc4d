"""Wall time of the pull-request tier: the README's test command, `python -m pytest`, run --runs times.

Goal (issue 14): ≤ 45 s on a 2-core machine with the Docker and PHP tests included. Prints each
run's wall time and outcome, the median, the number of tests, and the 10 slowest test phases of the
last run (pytest's own --durations). Extra arguments after `--` go to pytest.

    python benchmarks/test_tier.py [--runs 3] [-- -n 2]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTCOME = re.compile(r"^=*\s*(\d+ (?:passed|failed).*?) in [\d.]+s", re.MULTILINE)
SLOWEST = re.compile(r"^\d+\.\d+s (?:call|setup|teardown) .*$", re.MULTILINE)
FAILED = re.compile(r"^(?:FAILED|ERROR) .*$", re.MULTILINE)


def _run(extra: list[str]) -> tuple[float, str, list[str], list[str]]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=10", *extra]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    outcome = OUTCOME.search(done.stdout)
    slowest = [line[:160] for line in SLOWEST.findall(done.stdout)]
    failures = [line[:160] for line in FAILED.findall(done.stdout)]
    if done.returncode and not failures:
        failures = [f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1][:160]}"]
    return wall, outcome.group(1) if outcome else "no summary", slowest, failures


def _collected(extra: list[str]) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-n", "0", *extra], cwd=ROOT, capture_output=True, text=True, check=False)
    return (done.stdout.strip().splitlines() or ["?"])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = parser.parse_args()

    print(f"tests: {_collected(args.pytest_args)}")
    walls: list[float] = []
    failed, slowest = 0, list[str]()
    for number in range(1, args.runs + 1):
        wall, outcome, slowest, failures = _run(args.pytest_args)
        walls.append(wall)
        failed += bool(failures)
        print(f"run {number}: {wall:6.1f} s  {outcome}")
        for line in failures:
            print(f"  {line}")
    print(f"median of {args.runs}: {statistics.median(walls):.1f} s wall "
          f"(min {min(walls):.1f}, max {max(walls):.1f}); runs that failed: {failed}")
    print("10 slowest test phases of the last run:")
    for line in slowest:
        print(f"  {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
