"""The nightly run's page: each run's timeline as an SVG Gantt chart, and over several runs each
stage's, wait's and phase's duration, the slowest flagged against the tutorial's windows.

Input is the run's JSON report (`e2e/run_report.py`), read within bounds — a file of at most
`MAX_REPORT_BYTES`, at most `MAX_REPORTS` files — and checked against `run-report.schema.json`
(what the page draws; other fields are ignored) before anything is drawn. A file that is not such
a report is one ConfigError line naming it. The report's text (a failure's message, what a wait
last saw) comes from AWS answers and a build's log: the HTML layer makes it inert.

Where each bar sits: phases and waits at their own `at` and `seconds`. The report gives a pipeline
stage's duration but not its start, so the stages are drawn back to back in the pipeline's order,
ending when the `pipeline` wait ended (the wait ends at the look that saw the last stage done), and
the page says so.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.e2e.run_report import EXPECTED_STAGE_SECONDS
from pipeline_harness.html import render

MAX_REPORT_BYTES = 1 << 20  # a run's report is about 6 KB; a log tail in it is cut at 2,000 characters
MAX_REPORTS = 400  # more than a year of nights
SCHEMA = json.loads(resources.files(__package__).joinpath("run-report.schema.json").read_text())
_VALIDATOR = Draft202012Validator(SCHEMA)
SHOWN_CHARACTERS = 2_000  # of a failure's message or a wait's last look, on the page

# the Gantt chart, in SVG user units
_WIDTH, _LABELS, _RIGHT, _LANE, _BAR, _TOP, _AXIS = 960, 170, 110, 24, 16, 8, 28
# the trend charts
_T_WIDTH, _T_HEIGHT, _T_LEFT, _T_BOTTOM, _T_TOP = 460, 130, 76, 22, 14
_NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)


# --- reading --------------------------------------------------------------------------------------

def load(path: str | Path) -> dict[str, Any]:
    """One run report, or a ConfigError line saying why this file is not one."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a terminal would hold the read
            raise ConfigError(f"{path}: not a regular file")
        with open(path, "rb") as file:
            raw = file.read(MAX_REPORT_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror or err})") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise ConfigError(f"{path}: over {MAX_REPORT_BYTES // 1024} KiB, larger than any run report")
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: not JSON ({err.msg}, line {err.lineno} column {err.colno})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not a nightly run report (nested too deeply)") from None
    except ValueError as err:
        raise ConfigError(f"{path}: not JSON ({_first_line(err)})") from None
    try:
        error = next(iter(sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(map(str, e.path)))), None)
    except RecursionError:
        raise ConfigError(f"{path}: not a nightly run report (nested too deeply)") from None
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "the top level"
        raise ConfigError(f"{path}: not a nightly run report ({where}: {_first_line(error.message)[:200]})")
    return data


def load_all(paths: Sequence[str | Path]) -> list[tuple[str, dict[str, Any]]]:
    """(file name, report) of each path, oldest first: by the runs' `started_at` where every report
    has one (reports made before it had the field: in the order given)."""
    if not paths:
        raise ConfigError("report: name at least one nightly run report (nightly-run.json)")
    if len(paths) > MAX_REPORTS:
        raise ConfigError(f"report: {len(paths)} reports given, at most {MAX_REPORTS} are drawn")
    named = [(Path(path).name, load(path)) for path in paths]
    if all(isinstance(report.get("started_at"), str) for _, report in named):
        named.sort(key=lambda item: item[1]["started_at"])  # ISO 8601 in UTC: text order is time order
    return named


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _first_line(err: object) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


# --- what the page shows --------------------------------------------------------------------------

def duration(seconds: float | None) -> str:
    """12.5 s, 4 min 5 s, 1 h 2 min: as a person reads a duration."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def window_text(window: tuple[int, int] | None) -> str:
    return f"{duration(window[0])}–{duration(window[1])}" if window else ""


@dataclass(frozen=True)
class Bar:
    """One lane of the Gantt chart, in SVG units."""

    name: str
    kind: str  # phase | wait | stage
    state: str  # succeeded | failed | interrupted | running | stage
    start: float
    seconds: float
    x: float
    y: float
    width: float
    note: str = ""  # the tutorial's window a stage is outside, a wait's looks

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def tooltip(self) -> str:
        at = f"from {duration(self.start)} into the run, " if self.kind != "stage" else ""
        note = f"; {self.note}" if self.note else ""
        return f"{self.label}: {at}{duration(self.seconds)}, {self.state}{note}"


@dataclass(frozen=True)
class Tick:
    at: float  # x on a time axis, y on a duration axis
    text: str


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]
    height: float
    width: float = _WIDTH
    untimed: list[str] = field(default_factory=list)  # phases or waits with no timing recorded
    stages_placed: bool = False


def _ticks(total: float, scale: float, left: float) -> list[Tick]:
    step = next((s for s in _NICE_STEPS if total / s <= 8), _NICE_STEPS[-1])
    return [Tick(left + n * step * scale, "0" if n == 0 else duration(n * step))
            for n in range(int(total // step) + 1)]


def timeline(report: dict[str, Any]) -> Timeline:
    """Phases and waits where they ran; the stages back to back, ending with the pipeline wait."""
    timed = [(kind, t) for kind, key in (("phase", "phases"), ("wait", "waits")) for t in report[key]]
    placed = sorted(((k, t) for k, t in timed if t["at"] is not None and t["seconds"] is not None),
                    key=lambda kt: kt[1]["at"])
    untimed = [t["name"] for _, t in timed if t["at"] is None or t["seconds"] is None]
    lanes: list[tuple[str, str, str, float, float, str]] = []  # name, kind, state, start, seconds, note
    for kind, t in placed:
        note = f"{t['attempts']} looks" if t.get("attempts") else ""
        lanes.append((t["name"], kind, t["state"], float(t["at"]), float(t["seconds"]), note))
    stages = report["stages"]
    pipeline = next((i for i, lane in enumerate(lanes) if lane[:2] == ("pipeline", "wait")), None)
    end = lanes[pipeline][3] + lanes[pipeline][4] if pipeline is not None else \
        sum(s["seconds"] for s in stages.values())
    # back to back, the last ending with the wait; never before the run began
    stage_lanes, start = [], max(0.0, end - sum(s["seconds"] for s in stages.values()))
    for name, verdict in stages.items():
        window = EXPECTED_STAGE_SECONDS.get(name)
        note = ", ".join(filter(None, [verdict.get("outlier") or "",
                                       f"the tutorial's window {window_text(window)}" if window else ""]))
        stage_lanes.append((name, "stage", "outlier" if verdict.get("outlier") else "stage",
                            start, float(verdict["seconds"]), note))
        start += verdict["seconds"]
    at = pipeline + 1 if pipeline is not None else len(lanes)
    lanes[at:at] = stage_lanes
    total = max([start + seconds for _, _, _, start, seconds, _ in lanes] or [0.0]) or 1.0
    scale = (_WIDTH - _LABELS - _RIGHT) / total
    bars = [Bar(name, kind, state, start, seconds, _LABELS + start * scale, _TOP + n * _LANE,
                max(2.0, seconds * scale), note)
            for n, (name, kind, state, start, seconds, note) in enumerate(lanes)]
    height = _TOP + len(lanes) * _LANE + _AXIS
    return Timeline(bars, _ticks(total, scale, _LABELS), height, untimed=untimed,
                    stages_placed=bool(stages))


@dataclass(frozen=True)
class Run:
    number: int
    file: str
    report: dict[str, Any]
    timeline: Timeline

    def get(self, *keys: str) -> Any:
        """A nested field, or None where the report has none."""
        value: Any = self.report
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    @property
    def commit(self) -> str:
        return str(self.report.get("commit") or "")[:12] or "—"

    @property
    def failure_message(self) -> str:
        message = str(self.get("failure", "message") or "")
        return message if len(message) <= SHOWN_CHARACTERS else message[:SHOWN_CHARACTERS] + "…"

    @property
    def costs(self) -> list[tuple[str, float]]:
        estimate = self.get("usage", "estimate_usd") or {}
        return [(item, value) for item, value in estimate.items() if item not in ("total", "unpriced")]


@dataclass(frozen=True)
class Point:
    number: int  # the run's
    seconds: float | None
    x: float
    height: float
    state: str  # over | under | within | none: against the tutorial's window, if it gives one


@dataclass(frozen=True)
class Trend:
    """One stage's, wait's or phase's duration in each run, as a bar chart."""

    name: str
    kind: str
    points: list[Point]
    window: tuple[int, int] | None
    band: tuple[float, float] | None  # the window's (top y, height), in SVG units
    slowest: Point | None
    ticks: list[Tick]  # y axis: y, label
    bar_width: float
    width: float = _T_WIDTH
    height: float = _T_HEIGHT
    base: float = _T_HEIGHT - _T_BOTTOM
    left: float = _T_LEFT

    @property
    def flag(self) -> str:
        if self.slowest is None or self.slowest.seconds is None:
            return ""
        over = ""
        if self.window and self.slowest.seconds > self.window[1]:
            over = f", slower than the tutorial's {window_text(self.window)}"
        return f"slowest: run #{self.slowest.number}, {duration(self.slowest.seconds)}{over}"


def _series(runs: list[Run]) -> list[tuple[str, str]]:
    """Every (name, kind) some run has: the stages, then the phases and waits as they ran."""
    seen: dict[tuple[str, str], None] = {}
    for run in runs:
        for name in run.report["stages"]:
            seen.setdefault((name, "stage"), None)
    for run in runs:
        for bar in run.timeline.bars:
            if bar.kind != "stage":
                seen.setdefault((bar.name, bar.kind), None)
    return list(seen)


def _seconds(run: Run, name: str, kind: str) -> float | None:
    if kind == "stage":
        stage = run.report["stages"].get(name)
        return float(stage["seconds"]) if stage else None
    found = [t["seconds"] for t in run.report[f"{kind}s"] if t["name"] == name and t["seconds"] is not None]
    return float(found[-1]) if found else None


def trend(runs: list[Run], name: str, kind: str) -> Trend:
    values = [_seconds(run, name, kind) for run in runs]
    window = EXPECTED_STAGE_SECONDS.get(name) if kind == "stage" else None
    top = max([v for v in values if v is not None] + ([window[1]] if window else []) + [1.0]) * 1.1
    plot = _T_HEIGHT - _T_BOTTOM - _T_TOP
    step = (_T_WIDTH - _T_LEFT - 8) / len(runs)
    points = []
    for run, value in zip(runs, values, strict=True):
        state = "none" if value is None else "within"
        if value is not None and window:
            state = "over" if value > window[1] else "under" if value < window[0] else "within"
        points.append(Point(run.number, value, _T_LEFT + (run.number - 1) * step + step * 0.15,
                            0.0 if value is None else max(1.0, value / top * plot), state))
    timed = [p for p in points if p.seconds is not None]
    slowest = max(reversed(timed), key=lambda p: p.seconds or 0.0) if timed else None
    base = _T_HEIGHT - _T_BOTTOM
    band = None
    if window:
        low, high = (base - w / top * plot for w in window)
        band = (high, low - high)
    tick = next((s for s in _NICE_STEPS if top / s <= 4), _NICE_STEPS[-1])
    ticks = [Tick(base - n * tick / top * plot, duration(n * tick)) for n in range(int(top // tick) + 1)]
    return Trend(name, kind, points, window, band, slowest, ticks, step * 0.7)


def page(named: list[tuple[str, dict[str, Any]]]) -> str:
    """nightly.html of these reports, in the order given (load_all's: oldest first)."""
    runs = [Run(n, file, report, timeline(report)) for n, (file, report) in enumerate(named, start=1)]
    trends = [trend(runs, name, kind) for name, kind in _series(runs)] if len(runs) > 1 else []
    latest = runs[-1]
    title = (f"Nightly run {latest.report['run_id']}" if len(runs) == 1
             else f"{len(runs)} nightly runs")
    return render("nightly.html.j2", page_title=title, runs=runs, latest=latest, trends=trends,
                  duration=duration, window_text=window_text)
