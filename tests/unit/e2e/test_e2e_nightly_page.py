"""`pipeline-harness report` on reports the nightly flow wrote (runs played through Stubber timelines):
each run's timeline — every phase and wait where it ran, the pipeline's stages, the failure marked —
and, over several runs, each duration per run with the slowest flagged against the tutorial's window."""

import json

import pytest
from nightly_runs import BUILD_FAILED, PASSED, ROLLED_BACK, play

from pipeline_harness.cli import main
from pipeline_harness.e2e import run_report
from pipeline_harness.html import nightly
from tests.browser import on_one_worker, open_page, without_csp
from tests.html_pages import loads_nothing, parsed


@pytest.fixture
def played(monkeypatch, stubbed_target, nightly_settings, run_inputs, tmp_path):
    """A factory of played runs: play(name, ending=…, build_seconds=…) → the report's path."""
    def make(name: str, **how):
        return play(monkeypatch, stubbed_target, nightly_settings, run_inputs, tmp_path / name, **how)
    return make


STEP_7 = ["push", "provision", "pipeline", "Source", "Build", "Deploy", "ecr-tags", "rollout", "http",
          "teardown"]


def _lanes(page) -> list[tuple[str, str, str]]:
    names, kinds, states = page.values("data-name"), page.values("data-kind"), page.values("data-state")
    return list(zip(names, kinds, states, strict=True))


def _as_they_ran(data: dict) -> list[tuple[str, str, str]]:
    """Every phase and wait of the report by when it began (phases first at a tie, as written), the
    stages after the pipeline wait."""
    timed = sorted([(t["at"], t["name"], "phase", t["state"]) for t in data["phases"]]
                   + [(t["at"], t["name"], "wait", t["state"]) for t in data["waits"]], key=lambda t: t[0])
    lanes = [(name, kind, state) for _, name, kind, state in timed]
    after = [name for name, _, _ in lanes].index("pipeline") + 1
    stages = [(name, "stage", "outlier" if s.get("outlier") else "stage")
              for name, s in data["stages"].items()]
    return lanes[:after] + stages + lanes[after:]


def _in_order(names: list[str], wanted: list[str]) -> bool:
    """Whether `wanted` are all among `names`, in that order (other lanes may come between)."""
    return [n for n in names if n in wanted] == wanted


def test_a_passing_runs_timeline_has_every_phase_wait_and_stage_in_the_order_they_ran(played, tmp_path):
    # given
    report = played("nightly-run.json")

    # when
    code = main(["report", str(report), "-o", str(tmp_path / "nightly.html")])

    # then
    assert code == 0
    page = loads_nothing((tmp_path / "nightly.html").read_text())
    data = json.loads(report.read_text())
    assert _lanes(page) == _as_they_ran(data)
    assert _in_order([name for name, _, _ in _lanes(page)], STEP_7)
    assert {state for _, kind, state in _lanes(page) if kind != "stage"} == {"succeeded"}
    assert [lane for lane in _lanes(page) if lane[1] == "stage"] == [
        ("Source", "stage", "stage"), ("Build", "stage", "stage"), ("Deploy", "stage", "outlier")]
    assert data["commit"][:12] in page.text and "us-east-1, 123456789012" in page.text
    assert f"${data['usage']['estimate_usd']['total']:.4f}" in page.text
    assert "slower than the tutorial's, the tutorial's window 1 min–2 min" in " ".join(page.texts)
    assert "Pipeline stages (dashed) are drawn back to back" in page.text


def test_each_bar_sits_at_its_at_and_is_as_long_as_its_seconds(played):
    # given
    data = nightly.load(played("nightly-run.json"))

    # when
    drawn = {bar.name: bar for bar in nightly.timeline(data).bars}

    # then: one scale for every bar, from the run's start; the stages end with the pipeline wait
    timed = {t["name"]: t for t in data["phases"] + data["waits"]}
    scale = (drawn["teardown"].x - drawn["push"].x) / (timed["teardown"]["at"] - timed["push"]["at"])
    for name, entry in timed.items():
        assert drawn[name].x == pytest.approx(drawn["push"].x + (entry["at"] - timed["push"]["at"]) * scale)
        assert drawn[name].width == pytest.approx(max(2.0, entry["seconds"] * scale))
    pipeline_end = timed["pipeline"]["at"] + timed["pipeline"]["seconds"]
    stages = sum(s["seconds"] for s in data["stages"].values())
    assert drawn["Source"].start == max(0.0, pipeline_end - stages)
    assert drawn["Deploy"].start + drawn["Deploy"].seconds == pytest.approx(max(pipeline_end, stages))
    assert drawn["Build"].start == drawn["Source"].start + drawn["Source"].seconds


@pytest.mark.parametrize("ending, where, failed", [
    (ROLLED_BACK, "rollout", ("rollout", "wait", "failed")),
    (BUILD_FAILED, "pipeline", ("pipeline", "wait", "failed"))])
def test_a_failed_run_marks_where_it_failed_with_the_message_and_the_tutorials_issue(
        played, tmp_path, ending, where, failed):
    # given
    report = played("nightly-run.json", ending=ending)

    # when
    assert main(["report", str(report), "-o", str(tmp_path / "nightly.html")]) == 0

    # then
    page = loads_nothing((tmp_path / "nightly.html").read_text())
    assert failed in _lanes(page)
    assert page.values("data-where") == [where]
    assert "✕ failed" in page.text
    data = json.loads(report.read_text())
    assert data["failure"]["message"][:200] in page.text
    if data["failure"]["diagnosis"]:
        assert data["failure"]["diagnosis"]["common_issue"] in page.text


def test_over_several_runs_each_duration_is_drawn_per_run_and_the_slowest_flagged_against_the_window(
        played, tmp_path):
    # given: four nights, oldest first; the third's build took 5.5 minutes, over the tutorial's 3-5
    reports = [played("2026-11-23.json", build_seconds=200), played("2026-11-24.json", ending=BUILD_FAILED),
               played("2026-11-25.json", ending=ROLLED_BACK, build_seconds=330),
               played("2026-11-26.json", build_seconds=250)]

    # when
    assert main(["report", *map(str, reports), "-o", str(tmp_path / "nightly.html")]) == 0

    # then
    html = (tmp_path / "nightly.html").read_text()
    page = loads_nothing(html)
    trends = [name for name, kind in zip(page.values("data-name"), page.values("data-kind"), strict=False)]
    charts = trends[:trends.index("teardown") + 1]  # the trend charts; the runs' timelines follow
    assert charts[:3] == ["Source", "Build", "Deploy"]
    assert _in_order(charts, [n for n in STEP_7 if n not in ("Source", "Build", "Deploy")])
    build = html.split('data-name="Build" data-kind="stage"')[1].split("</svg>")[0]
    assert [p.split('"')[0] for p in build.split('data-seconds="')[1:]] == ["200.0", "", "330.0", "250.0"]
    assert "slowest: run #3, 5 min 30 s, slower than the tutorial&#39;s 3 min–5 min" in build
    assert build.count("slowest") == 2  # the note, and the bar's class
    assert 'class="point over slowest"' in build
    # every run is there, newest first and open
    assert page.values("data-run")[-4:] == ["4", "3", "2", "1"]
    assert ("details", ("class", "data-run", "open")) in page.shape


def test_the_trend_of_a_duration_without_a_tutorial_window_flags_only_the_slowest(played):
    runs = [nightly.Run(n, f"{n}.json", nightly.load(played(f"{n}.json", seconds_per_call=n)),
                        nightly.timeline(nightly.load(played(f"t{n}.json", seconds_per_call=n))))
            for n in (1, 3, 2)]

    provision = nightly.trend(runs, "provision", "phase")

    assert provision.window is None and provision.band is None
    assert provision.slowest.number == 3 and provision.flag.startswith("slowest: run #3, ")
    assert "tutorial" not in provision.flag


@pytest.mark.parametrize("report", ["passed", "refused", "not started"])
def test_every_report_the_flow_writes_is_one_the_page_reads(played, tmp_path, nightly_settings, report):
    # given
    if report == "passed":
        path = played("nightly-run.json", ending=PASSED)
    else:
        made = (run_report.not_started(nightly_settings, "start", "ConfigError", "no credentials")
                if report == "not started" else
                run_report.RunReport("r", "us-east-1", "V2", "b", outcome="refused"))
        path = tmp_path / "nightly-run.json"
        made.write(path)

    # when
    page = parsed(nightly.page(nightly.load_all([path])))

    # then: read (the schema held) and drawn, its outcome on the page
    outcome = json.loads(path.read_text())["outcome"]
    assert outcome == {"passed": "passed", "refused": "refused", "not started": "failed"}[report]
    assert page.values("class").count(f"badge {outcome}") == 1
    if report != "passed":
        assert "Nothing ran: no phase, wait or stage has a timing." in page.text


@on_one_worker
def test_nightly_html_in_chromium_shows_every_stage_on_the_timeline_and_loads_nothing(
        played, tmp_path, chromium):
    # given: three nights drawn on one page
    reports = [played("2026-11-24.json", build_seconds=200), played("2026-11-25.json", ending=ROLLED_BACK),
               played("2026-11-26.json", build_seconds=330)]
    page_file = tmp_path / "nightly.html"
    assert main(["report", *map(str, reports), "-o", str(page_file)]) == 0

    # when
    opened = open_page(chromium, page_file, screenshot="nightly")
    bare = open_page(chromium, without_csp(page_file, tmp_path))

    # then: nothing asked for but the page, nothing complained of, with or without the CSP
    assert opened.requests == [opened.url] and bare.requests == [bare.url]
    assert opened.console_errors == [] and bare.console_errors == []
    # every lane of the newest run's timeline is drawn, labelled and as wide as its bar says
    timeline = opened.page.locator("details[open] svg.timeline g.lane")
    drawn = [(lane.get_attribute("data-name"), lane.locator("text").first.text_content(),
              lane.locator("rect").bounding_box()["width"]) for lane in timeline.all()]
    newest = json.loads(reports[-1].read_text())
    assert [name for name, _, _ in drawn] == [name for name, _, _ in _as_they_ran(newest)]
    assert _in_order([name for name, _, _ in drawn], STEP_7)
    assert all(label.startswith(f"{name} (") for name, label, _ in drawn)
    assert all(width > 0 for _, _, width in drawn)
    build = opened.page.locator('div.trend[data-name="Build"]')
    assert build.locator("p.note").text_content().startswith("slowest: run #3, 5 min 30 s, slower than")
    assert opened.page.locator("details").count() == 3
