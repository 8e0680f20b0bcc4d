"""Wall time and memory of the grader's app read (`app.http`) against a student's hostile app.

Each case's server (tests/unit/hostile_servers.py) runs in a child process of its own, so what is
measured is the grader alone: `app.http`'s read of the app (the ALB link's last comparison) is made
once per run, its ALB answered by a Stubber,
its DNS name pointed at the server by a fake resolver (an emulator's quirks: loopback allowed; on
AWS the same bounds hold, only the address policy is stricter). Per case, medians over the runs:
the wall time of the look, the growth of the process's peak RSS over its RSS before the look
(VmHWM, reset before each run through /proc/self/clear_refs), and in one more run tracemalloc's
peak of Python allocations.

    python benchmarks/hostile_app.py [--runs 3] [--baseline]

`--baseline` reads the app as the grader did before issue 23 — a plain requests Session: the
environment trusted, redirects followed, the body decoded and kept whole, a 5 s timeout per socket
read — to compare; there a trickle holds the look as long as the server trickles (40 s here) and
the slow resolver its 20 s.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import requests
from botocore.stub import Stubber

from pipeline_harness.grading.evidence import alb
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.settings import Settings
from pipeline_harness.targets import localstack, sessions
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import fetch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))
import hostile_servers as hostile

DNS = "dev-php-app-alb-1234567890.eu-north-1.elb.amazonaws.com"
SLOW_RESOLVER = 20.0  # seconds the slow resolver takes to answer
CASES: dict[str, Callable[[], hostile.Answer] | None] = {
    "honest app": lambda: hostile.ok(),
    "256 MiB body": lambda: hostile.huge(256 << 20),
    "gzip bomb (255 KiB, 256 MiB decoded)": lambda: hostile.gzip_bomb(256 << 20),
    "256 MiB chunked body": lambda: hostile.chunked(256 << 20),
    "98 headers of 65 kB (http.client takes 100)": lambda: hostile.header_flood(98),
    "body trickled at 1 byte/s": lambda: hostile.trickled_body(gap=1.0, length=40),
    "headers trickled at 1 byte/s": lambda: hostile.trickled_headers(gap=1.0, length=40),
    "redirect chain (30 hops)": lambda: hostile.redirect_chain(hops=30),
    f"resolver answering after {SLOW_RESOLVER:g} s": None,  # no server: the name never resolves in time
}
MIB = 1 << 20


def serve(case: str) -> None:
    """The child: serve one case until the parent closes stdin."""
    answer = CASES[case]
    assert answer is not None
    with hostile.Server(answer()) as server:
        print(server.host, server.port, flush=True)
        sys.stdin.read()


@contextlib.contextmanager
def served(case: str) -> Iterator[tuple[str, int]]:
    if CASES[case] is None:
        yield "127.0.0.1", 9  # never reached: the resolver does not answer in time
        return
    child = subprocess.Popen([sys.executable, __file__, "--serve", case], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        host, port = child.stdout.readline().split()
        yield host, int(port)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()  # the child this script started, by its handle
            child.wait()


@contextlib.contextmanager
def student_dns(address: tuple[str, int], slow: bool) -> Iterator[None]:
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int | str | None, *args: Any, **kwargs: Any) -> list:
        if host != DNS:
            return real(host, port, *args, **kwargs)
        if slow:
            time.sleep(SLOW_RESOLVER)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]

    with mock.patch.object(socket, "getaddrinfo", getaddrinfo):
        yield


def baseline_get(url: str, **_: object) -> fetch.Fetched:
    """The read before issue 23: a requests Session as it comes, the whole body decoded."""
    with requests.Session() as session:
        try:
            response = session.get(url, timeout=5)
            return fetch.Fetched(url, response.status_code, response.content)
        except requests.RequestException as err:
            return fetch.Fetched(url, problem=type(err).__name__)


def target() -> Target:
    session = sessions.session("us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    return Target(name="localstack", region="us-east-1", session=session, quirks=localstack.QUIRKS,
                  _account="123456789012")


def grade_once() -> alb.Reply:
    """The app read `app.http` ends with (the ALB link's last comparison), one look."""
    graded = target()
    stub = Stubber(graded.client("elbv2"))
    stub.add_response("describe_load_balancers", {"LoadBalancers": [
        {"LoadBalancerName": "dev-php-app-alb", "DNSName": DNS, "Scheme": "internet-facing"}]},
        {"Names": ["dev-php-app-alb"]})
    with stub:
        reply = alb.ask_app(Context(Settings(), graded))
    if reply is MISSING:  # the stub answers with the load balancer
        raise RuntimeError("the stubbed load balancer was not read")
    return reply


def _status(field: str) -> int:
    """A /proc/self/status figure, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def measure(traced: bool) -> tuple[float, int, int, alb.Reply]:
    """Seconds, peak RSS growth and tracemalloc peak (0 untraced) of one look."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status("VmRSS")
    if traced:
        tracemalloc.start()
    start = time.monotonic()
    result = grade_once()
    took = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    return took, _status("VmHWM") - before, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", action="store_true", help="the read before issue 23, to compare")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    reader = baseline_get if args.baseline else fetch.get
    grade_once()  # warm: imports, botocore's models
    print(f"app.http, {'baseline (before issue 23)' if args.baseline else 'bounded fetch'}, "
          f"median of {args.runs} runs; deadline {fetch.DEADLINE:g} s, body cap {fetch.BODY_CAP // 1024} KiB")
    print(f"{'case':<46} {'look s':>7} {'peak RSS +MiB':>14} {'tracemalloc MiB':>16}  verdict")
    with mock.patch.object(fetch, "get", reader):
        for case in CASES:
            with served(case) as address, student_dns(address, slow=CASES[case] is None):
                runs = [measure(traced=False) for _ in range(args.runs)]
                traced = measure(traced=True)
            took = statistics.median(r[0] for r in runs)
            grown = statistics.median(r[1] for r in runs) / MIB
            reply = runs[-1][3]
            verdict = f"{'pass' if reply.ok else 'fail'}: {str(reply).rsplit(f'{DNS}/: ', 1)[-1]}"
            print(f"{case:<46} {took:>7.2f} {grown:>14.1f} {traced[2] / MIB:>16.1f}  {verdict[:90]}")


if __name__ == "__main__":
    main()
