"""API calls and wall time to grade one account, and a class of 30 accounts concurrently, on moto.

Each student account holds a correct lab as a student types it with the AWS CLI
(tests/integration/aws_cli_lab.py: the student's own connection, repository and source, in
eu-north-1) plus what the pipeline's first run leaves (one execution, the source and build
artifacts in the bucket, a multi-arch image tagged commit hash, latest and build number), reached
the way the grader reaches a student: a role assumed from the base credentials.
Goals (issue 11): ≤ 40 calls and ≤ 1 s per account; 30 accounts ≤ 10 s; a CLI lab build well under
a second.

moto runs in a process of its own (`python -m moto.server`), as AWS would: an embedded server
would share this process's GIL, and the figures would be moto's work more than the grader's.
`--embedded` measures that configuration too (the test tier's).

    python benchmarks/grading.py [--students 30] [--jobs 8] [--rounds 5] [--embedded]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import requests
from botocore.model import OperationModel
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from pipeline_harness.grading import classroom
from pipeline_harness.grading.classroom import Graded, Student
from pipeline_harness.settings import Settings
from pipeline_harness.targets import moto, sessions
from pipeline_harness.targets.base import Target

# the test tier's lab, typed with the AWS CLI
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import aws_cli_lab

FIRST_ACCOUNT = 200000000000


@retry(stop=stop_after_delay(20), wait=wait_fixed(0.2), reraise=True,
       retry=retry_if_exception_type(requests.ConnectionError))
def _answers(url: str) -> None:
    requests.get(f"{url}/moto-api/", timeout=2)


def moto_process() -> tuple[subprocess.Popen, str]:
    """A moto server in its own process on a free 127.0.0.1 port, once it answers."""
    port = moto._free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _answers(url)
    except requests.ConnectionError:
        process.kill()
        raise
    return process, url


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # a busy werkzeug may not act on SIGTERM
        process.kill()
        process.wait(timeout=5)


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a process has used so far: this one when pid is None."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def role(account: int) -> str:
    return f"arn:aws:iam::{account}:role/lab-grader"


def session_in(base: Target, account: int) -> boto3.Session:
    credentials = base.client("sts").assume_role(RoleArn=role(account),
                                                 RoleSessionName="benchmark")["Credentials"]
    return sessions.session(base.region, aws_access_key_id=credentials["AccessKeyId"],
                            aws_secret_access_key=credentials["SecretAccessKey"],
                            aws_session_token=credentials["SessionToken"])


def build_lab(base: Target, account: int) -> float:
    """The CLI-typed lab in the account; the seconds the build took, once the account answered."""
    student = base.with_session(session_in(base, account))
    _ = student.account  # the emulator's first answer in a new account is its own set-up
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aws-cli-lab-") as workdir:
        aws_cli_lab.build(student, Path(workdir))
    return time.perf_counter() - started


@contextmanager
def counting_calls() -> Iterator[Counter[str]]:
    """Every call of every student session the grader makes, counted by "service.Operation"."""
    counter: Counter[str] = Counter()
    make = classroom.session_for

    def count(model: OperationModel, **_: object) -> None:
        counter[f"{model.service_model.service_name}.{model.name}"] += 1

    def counted(student: Student, base: Target, region: str | None = None) -> boto3.Session:
        session = make(student, base, region)
        session.events.register("before-call", count)
        return session

    classroom.session_for = counted  # type: ignore[assignment]
    try:
        yield counter
    finally:
        classroom.session_for = make  # type: ignore[assignment]


def timed_class(roster: list[Student], base: Target, settings: Settings, jobs: int,
                server: int | None) -> tuple[float, Counter[str], list[Graded], tuple[float, float | None]]:
    """Wall time, calls, outcome, and CPU seconds spent by the grader and by the moto process."""
    with counting_calls() as calls:
        cpu = cpu_seconds(None), cpu_seconds(server) if server else 0.0
        started = time.perf_counter()
        graded = classroom.grade_class(roster, settings, base, jobs=jobs)
        wall = time.perf_counter() - started
        used = cpu_seconds(None) - cpu[0], (cpu_seconds(server) - cpu[1]) if server else None
        return wall, calls, graded, used


def report(label: str, runs: list, students: int, goal: str) -> None:
    seconds = [r[0] for r in runs]
    calls = [sum(r[1].values()) for r in runs]
    print(f"{label}: median {statistics.median(seconds):.3f} s (min {min(seconds):.3f}, "
          f"max {max(seconds):.3f}); API calls median {statistics.median(calls):.0f} = "
          f"{statistics.median(calls) / students:.1f} per account, plus one AssumeRole each from the "
          f"base credentials ({goal})")
    grader = statistics.median(r[3][0] for r in runs)
    moto_cpu = [r[3][1] for r in runs if r[3][1] is not None]
    print(f"  CPU median: grader {grader:.2f} s" + (
        f", moto server {statistics.median(moto_cpu):.2f} s" if moto_cpu else " (moto's included)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--embedded", action="store_true", help="moto in this process instead")
    args = parser.parse_args()
    settings = Settings(region=aws_cli_lab.REGION)
    process: subprocess.Popen | None = None
    base: Target
    if args.embedded:
        base = moto.embedded(aws_cli_lab.REGION)
        print("moto embedded in this process")
    else:
        process, url = moto_process()
        base = moto.external(aws_cli_lab.REGION, url)
        print(f"moto in process {process.pid}")
    try:
        measure(base, settings, args, process.pid if process else None)
    finally:
        base.close()
        if process is not None:
            stop(process)


def measure(base: Target, settings: Settings, args: argparse.Namespace, server: int | None) -> None:
    started = time.perf_counter()
    builds = [build_lab(base, FIRST_ACCOUNT + n) for n in range(args.students)]  # one CLI driver
    print(f"setup: {args.students} labs typed with the AWS CLI in {time.perf_counter() - started:.1f} s; "
          f"one build (after the first, which loads the CLI and the API models): median "
          f"{statistics.median(builds[1:]):.3f} s, max {max(builds[1:]):.3f} s (goal: well under 1 s)")
    roster = [Student(f"student-{n:02d}", role_arn=role(FIRST_ACCOUNT + n)) for n in range(args.students)]

    runs = [timed_class(roster[:1], base, settings, 1, server) for _ in range(args.rounds)]
    report(f"one account, {args.rounds} rounds", runs, 1, "goal ≤ 40 calls, ≤ 1 s")
    print("  calls by operation: " + ", ".join(f"{op} {n}" for op, n in runs[-1][1].most_common()))
    outcome = runs[-1][2][0]
    graded = outcome.report
    if graded is None:
        raise SystemExit(f"the one account could not be graded: {outcome.error}")
    print(f"  report: {graded.score}/{graded.max_score} points, "
          f"{dict(Counter(c.status for c in graded.checks))}")
    for check in graded.checks:
        if check.status not in ("pass", "skip"):
            print(f"    {check.status} {check.id}: {check.message[:100]}")

    rounds = max(1, args.rounds // 2)
    runs = [timed_class(roster, base, settings, args.jobs, server) for _ in range(rounds)]
    report(f"{args.students} accounts, --jobs {args.jobs}, {rounds} rounds", runs, args.students,
           "goal ≤ 10 s")
    print(f"  statuses: {dict(Counter(g.status for g in runs[-1][2]))}")


if __name__ == "__main__":
    main()
