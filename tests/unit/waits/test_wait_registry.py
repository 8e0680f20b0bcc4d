"""The waits `pipeline-harness wait` runs are data looked up by name: each declares its options, its
default policy and how it runs, and the command line knows no wait of its own."""

import json
from collections import Counter

from pipeline_harness.cli import main
from pipeline_harness.waits import registry
from pipeline_harness.waits.declared import Declared, Option
from pipeline_harness.waits.model import Outcome
from pipeline_harness.waits.schedules import Policy, fixed


def test_every_option_belongs_to_one_wait():
    flags = Counter(option.flag for _, option in registry.options())

    assert [flag for flag, n in flags.items() if n > 1] == []


def test_each_waits_default_policy_carries_the_waits_name():
    assert {name: wait.policy.name for name, wait in registry.WAITS.items()} == {
        name: name for name in registry.WAITS}


def test_the_four_step_7_waits_are_registered_with_what_they_need():
    needs = {name: [o.flag for o in wait.needs] for name, wait in registry.WAITS.items()}

    assert needs == {"pipeline": ["--commit"], "ecr-tags": ["--tags"], "rollout": ["--image"],
                     "http": ["--url", "--expect"]}


def _demo(seen: list) -> Declared:
    """A wait of the test's own that reads no AWS: it succeeds at once and reports its option."""
    def run(asked):
        seen.append(asked)
        return Outcome(wait="demo", state="success", observation="ready", attempts=1, elapsed=0.0), {
            "thing": asked.values["thing"]}
    return Declared(name="demo", policy=Policy("demo", deadline=5, schedule=fixed(1)), run=run,
                    reads_aws=False, options=(Option(flag="--thing", required=True, help="a thing"),))


def test_a_registered_wait_gets_its_options_and_what_it_needs_from_the_command_line(monkeypatch, capsys):
    # given: one more wait in the registry, and nothing else
    seen: list = []
    monkeypatch.setitem(registry.WAITS, "demo", _demo(seen))

    # when: run without what it needs, then with it
    refused = main(["wait", "demo"])
    refusal = capsys.readouterr().err
    ran = main(["wait", "demo", "--thing", "x", "--timeout", "2", "--format", "json"])

    # then: its own message, then its run with its policy given the timeout, and its report
    assert refused == 2 and "wait demo needs --thing" in refusal
    assert ran == 0 and seen[0].policy.deadline == 2 and seen[0].target is None
    report = json.loads(capsys.readouterr().out)
    assert report == {"wait": "demo", "state": "success", "attempts": 1, "elapsed_seconds": 0.0,
                      "last_seen": "ready", "thing": "x"}
