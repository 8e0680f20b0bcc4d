"""The nightly run's JSON report: per phase and wait its duration, what was built, what went wrong.

Stage durations are compared with the tutorial's Step 7 ("Build stage takes 3-5 minutes",
"Deploy stage takes 1-2 minutes"); a stage outside its window is flagged, not failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline_harness.core import diagnosis
from pipeline_harness.core.stamps import now
from pipeline_harness.settings import Settings
from pipeline_harness.waits.model import Outcome

# seconds, from the tutorial's Step 7
EXPECTED_STAGE_SECONDS = {"Build": (3 * 60, 5 * 60), "Deploy": (1 * 60, 2 * 60)}


@dataclass
class Timed:
    name: str
    state: str = "running"  # running | succeeded | failed | interrupted
    at: float | None = None  # seconds into the run when it started
    seconds: float | None = None
    attempts: int | None = None  # waits only: how many looks it took
    last_seen: str | None = None


def stage_verdicts(durations: dict[str, float]) -> dict[str, dict]:
    """Each stage's seconds, the tutorial's window where it gives one, and whether it is outside."""
    verdicts = {}
    for stage, seconds in durations.items():
        verdict: dict[str, Any] = {"seconds": round(seconds, 1)}
        window = EXPECTED_STAGE_SECONDS.get(stage)
        if window:
            low, high = window
            verdict["expected_seconds"] = [low, high]
            verdict["outlier"] = ("slower than the tutorial's" if seconds > high else
                                  "faster than the tutorial's" if seconds < low else None)
        verdicts[stage] = verdict
    return verdicts


def diagnose(message: str) -> dict | None:
    """The tutorial's Common Issue a failure message matches, with its hints."""
    issue = diagnosis.match([message])
    return None if issue is None else {"common_issue": issue.title, "hints": list(issue.hints)}


@dataclass
class RunReport:
    run_id: str
    region: str
    pipeline_type: str
    branch: str
    clock: Callable[[], float] = field(repr=False, default=time.monotonic)
    # when the run began, by the wall clock (UTC): what orders runs on the nightly page
    started_at: str = field(default_factory=now)
    account: str | None = None
    outcome: str = "running"  # passed | failed | interrupted | refused
    commit: str | None = None
    execution_id: str | None = None
    build_number: str | None = None
    image: dict = field(default_factory=dict)  # uri, tags, digest, platforms
    evidence: list[dict] = field(default_factory=list)  # Step 7's chain: each link, its state, what it says
    phases: list[Timed] = field(default_factory=list)
    waits: list[Timed] = field(default_factory=list)
    stages: dict[str, dict] = field(default_factory=dict)
    failure: dict | None = None
    teardown: dict = field(default_factory=dict)
    usage: dict = field(default_factory=dict)  # what the run kept running, and an estimate of its cost
    current: str | None = field(default=None, repr=False)  # the phase or wait last started
    began: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.began = self.clock()

    @contextmanager
    def timing(self, name: str, *, wait: bool = False) -> Iterator[Timed]:
        """Time the block as a phase (or a wait); its state says how it ended."""
        entry = Timed(name)
        (self.waits if wait else self.phases).append(entry)
        self.current = name
        start = self.clock()
        entry.at = round(start - self.began, 1)
        try:
            yield entry
            entry.state = "succeeded"
        except KeyboardInterrupt:
            entry.state = "interrupted"
            raise
        except BaseException:
            entry.state = "failed"
            raise
        finally:
            entry.seconds = round(self.clock() - start, 1)

    def waited(self, entry: Timed, outcome: Outcome) -> None:
        entry.attempts, entry.last_seen = outcome.attempts, str(outcome.observation)

    def fail(self, err: BaseException, where: str | None = None) -> None:
        """Record how the run ended badly; a wait's error also leaves what it last saw."""
        interrupted = isinstance(err, KeyboardInterrupt)
        self.outcome = "interrupted" if interrupted else "failed"
        message = "interrupted (Ctrl-C)" if interrupted else str(err)
        where = where or self.current
        self.failure = {"where": where, "error": type(err).__name__, "message": message,
                        "diagnosis": None if interrupted else diagnose(message)}
        outcome = getattr(err, "outcome", None)
        if outcome is None:
            return
        if self.waits and self.waits[-1].name == where:
            self.waited(self.waits[-1], outcome)
        self.execution_id = self.execution_id or getattr(outcome.observation, "execution_id", None)

    def as_dict(self) -> dict:
        data = asdict(self)
        for internal in ("clock", "current", "began"):
            data.pop(internal)
        return data

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")


def not_started(settings: Settings, where: str, error: str, message: str) -> RunReport:
    """The report of a run that could not start (no credentials, a missing input, an account that
    does not answer): failed, and why."""
    report = RunReport(settings.run_id, settings.region, settings.pipeline_type, settings.branch)
    report.outcome = "failed"
    report.failure = {"where": where, "error": error, "message": message, "diagnosis": None}
    return report
