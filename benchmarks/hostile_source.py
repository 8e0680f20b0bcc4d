"""What a student's hostile artifacts cost the grader: per case, the wall time and the growth of the
grader's peak memory while it reads and lints the student's source, and ShellCheck's peak memory.

The artifact is served the way the grader reads it on AWS — the pipeline, its latest execution, the
artifact listing and the S3 object, answered by botocore Stubbers (so the figures are the grader's,
not an emulator's) — and read through `source.read_linted`, the read behind the three source checks.
Each case runs in a Python process of its own, its artifact streamed from a file: once the
Stubbers are set up, its peak resident memory is reset (/proc/self/clear_refs) and read back after
(VmHWM); ShellCheck's is polled from /proc while it runs (every 5 ms).

Cases: the tutorial's own source (the baseline); a 49 MiB zip of the tutorial's source and 9,998
more files (at the caps: the most an artifact may be); a 1 MiB zip whose buildspec.yml declares 1,000
bytes and inflates to 1 GiB; a 49 MiB zip of 934,000 central directory entries; a buildspec of
1,550 nested `if`s (28 KiB), which took ShellCheck to 2.7 GiB.

    python benchmarks/hostile_source.py [--rounds 3] [--case NAME]

Run against another checkout's code with PYTHONPATH=<its root> (the figures before a change).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
# the zips a student can make, byte by byte
sys.path.insert(0, str(ROOT / "tests" / "unit" / "grading"))
import hostile_zips  # noqa: E402

if TYPE_CHECKING:  # imported where the measure starts, in _context
    from pipeline_harness.targets.context import Context

ACCOUNT, PIPELINE = "123456789012", "dev-php-app-pipeline"
BUCKET, KEY = f"dev-pipeline-artifacts-{ACCOUNT}", f"{PIPELINE}/SourceArti/k"
STUDENT = ROOT / "tests" / "data" / "grading" / "student_source"


def _nested_ifs(levels: int) -> str:
    command = "if true; then " * levels + "echo x; " + "fi; " * levels
    return f"version: 0.2\nphases:\n  build:\n    commands:\n      - {json.dumps(command)}\n"


def _honest_files() -> list[hostile_zips.Entry]:
    return [hostile_zips.text(name, (STUDENT / name).read_text()) for name in ("buildspec.yml", "Dockerfile")]


def _inflating() -> bytes:
    return hostile_zips.archive([hostile_zips.Entry(
        b"buildspec.yml", hostile_zips.deflated_zeros(2**30), hostile_zips.DEFLATED,
        crc=zlib.crc32(bytes(1000)), size=1000)])


def _nested() -> bytes:
    return hostile_zips.archive([hostile_zips.text("buildspec.yml", _nested_ifs(1550)),
                                 hostile_zips.text("Dockerfile", "FROM php:8.3-apache\n")])


def _at_the_caps() -> bytes:
    """The most an artifact may be: the tutorial's source and 9,998 more files, 49 MiB in all."""
    filler = [hostile_zips.Entry(b"vendor/%04d.bin" % n, os.urandom(5000)) for n in range(9998)]
    return hostile_zips.archive([*_honest_files(), *filler])


CASES = {
    "honest source": lambda: hostile_zips.archive(_honest_files()),
    "49 MiB zip of 10,000 files (at the caps)": _at_the_caps,
    "1 MiB zip, 1,000 bytes declared, inflates to 1 GiB": _inflating,
    "49 MiB zip of 934,000 entries": lambda: hostile_zips.directory_bomb(934_000),
    "buildspec of 1,550 nested ifs (28 KiB)": _nested,
}


def _context(artifact: Path) -> Context:
    """A grading context whose reads are the Stubbers' answers: one pipeline, one execution, the
    Source artifact streamed from the file `artifact` as the newest object under its prefix (each
    read a copy, as from a socket), no build output."""
    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    from pipeline_harness.settings import Settings
    from pipeline_harness.targets import sessions
    from pipeline_harness.targets.base import Capabilities, Target
    from pipeline_harness.targets.context import Context

    session = sessions.session("us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    target = Target(name="stubbed", region="us-east-1", session=session, _account=ACCOUNT,
                    capabilities=Capabilities(missing={"codepipeline": {"ListActionExecutions": "-"}}))
    ctx = Context(Settings(), target)
    pipeline, s3 = Stubber(ctx.client("codepipeline")), Stubber(ctx.client("s3"))

    def action(category: str, outputs: list[str]) -> dict:
        return {"name": category, "actionTypeId": {"category": category, "owner": "AWS",
                                                   "provider": "CodeBuild", "version": "1"},
                "outputArtifacts": [{"name": n} for n in outputs]}
    pipeline.add_response("get_pipeline", {"pipeline": {
        "name": PIPELINE, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "artifactStore": {"type": "S3", "location": BUCKET},
        "stages": [{"name": "Source", "actions": [action("Source", ["SourceArtifact"])]},
                   {"name": "Build", "actions": [action("Build", ["BuildArtifact"])]}]}})
    pipeline.add_response("list_pipeline_executions", {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": "EXAMPLE0-adfc-488e-bf4c-1111111720d3", "status": "Succeeded"}]})
    newest = datetime(2026, 1, 1, tzinfo=UTC)
    s3.add_response("list_objects_v2", {"Contents": [{"Key": KEY, "LastModified": newest}]})
    s3.add_response("list_objects_v2", {})
    size = artifact.stat().st_size
    s3.add_response("get_object", {"Body": StreamingBody(artifact.open("rb"), size), "ContentLength": size})
    pipeline.activate()
    s3.activate()
    return ctx


def _kib(field: str, pid: str = "self") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(field + ":")))


class _Watched(subprocess.Popen):
    """A child whose peak resident memory after its exec is polled from /proc: its ru_maxrss would
    be the grader's own at the fork (Linux records the old memory's peak at exec)."""

    peak_kib = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while self.poll() is None:
            try:
                if Path(f"/proc/{self.pid}/exe").resolve().name == "shellcheck":
                    _Watched.peak_kib = max(_Watched.peak_kib, _kib("VmHWM", str(self.pid)))
            except (OSError, StopIteration):
                pass
            time.sleep(0.005)


def _measure(path: str) -> dict:
    """One case, in this process: wall time, peak memory growth, ShellCheck's peak, the outcome."""
    from pipeline_harness.grading import source

    subprocess.Popen = _Watched  # type: ignore[misc]  # this process only: the ShellCheck it starts
    ctx = _context(Path(path))
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _kib("VmRSS")
    started = time.perf_counter()
    try:
        linted = source.read_linted(ctx)
        outcome = "; ".join(sorted({f.rule for f in linted.findings})) or "no findings"
    except source.NotAssessed as reason:
        outcome = f"not assessed: {str(reason)[:90]}"
    wall = time.perf_counter() - started
    return {"wall": wall, "grew": (_kib("VmHWM") - before) / 1024, "outcome": outcome,
            "shellcheck": _Watched.peak_kib / 1024,
            "code": str(Path(source.__file__).parents[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", choices=list(CASES), action="append", help="only these cases")
    parser.add_argument("--measure", metavar="FILE", help=argparse.SUPPRESS)  # a child's one case
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="hostile-source-") as scratch:
        for name in args.case or CASES:
            artifact = Path(scratch) / "artifact.zip"
            artifact.write_bytes(CASES[name]())
            runs = [json.loads(subprocess.run([sys.executable, __file__, "--measure", str(artifact)],
                                              capture_output=True, text=True, check=True).stdout)
                    for _ in range(args.rounds)]
            print(f"{name:<52} {artifact.stat().st_size / 2**20:6.1f} MiB  "
                  f"wall {statistics.median(r['wall'] for r in runs):6.2f} s  "
                  f"grader +{statistics.median(r['grew'] for r in runs):7.1f} MiB  "
                  f"ShellCheck {statistics.median(r['shellcheck'] for r in runs):7.1f} MiB  "
                  f"{runs[0]['outcome']}")
        print(f"(code: {runs[0]['code']}; medians of {args.rounds} runs)")


if __name__ == "__main__":
    main()
