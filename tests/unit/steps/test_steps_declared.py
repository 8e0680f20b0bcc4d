"""Each step is one declared value (`Step`): its number and title are written there once, and the
report's sections, a kind's step, the IAM policies' statement ids and the preflight's lines derive
from it. The run's event source is the harness's plumbing, not a step of the tutorial."""

import dataclasses
import re
from pathlib import Path

import pytest

from pipeline_harness import kinds
from pipeline_harness.iam import files as policy_files
from pipeline_harness.output.report import section
from pipeline_harness.steps import CHECKS, STEPS, TITLES, events, holding, prerequisites, verification
from pipeline_harness.steps.base import Step

TUTORIAL = Path(__file__).resolve().parents[2] / "data" / "tutorial" / "ecs-codepipeline-lab.md"
HEADING = re.compile(r"^### \*\*Step (?P<number>\d):\*\* (?P<title>.+)$", re.MULTILINE)


def _tutorials_headings() -> dict[int, str]:
    """The tutorial's own step headings, as the lab's copy of it (tests/data/tutorial) writes them."""
    text = TUTORIAL.read_text(encoding="utf-8")
    return {int(m["number"]): f"Step {m['number']}: {m['title'].strip()}" for m in HEADING.finditer(text)}


def test_the_titles_are_the_tutorials_headings_in_its_order_after_what_it_assumes():
    # given
    tutorial = _tutorials_headings()

    # then
    assert {n: t for n, t in TITLES.items() if n} == tutorial and list(tutorial) == list(range(1, 8))
    assert list(TITLES) == [0, *tutorial] and TITLES[0] == "Prerequisites: ECS cluster, service and ALB"
    assert [section(n) for n in TITLES] == list(TITLES.values())


def test_every_kind_of_the_registry_is_held_by_exactly_one_step():
    held = [resource.kind for step in STEPS for resource in step.resources]

    assert sorted(k.key for k in held) == sorted(k.key for k in kinds.REGISTRY)
    assert len(held) == len(set(held))


def test_each_step_is_one_value_with_a_name_of_its_own():
    assert len({step.name for step in STEPS}) == len(STEPS)
    assert [s.number for s in STEPS if s.tutorial] == [1, 2, 3, 4, 5, 0, 6, 7]  # provisioning order


def test_the_event_source_claims_no_step_of_the_tutorial():
    step = events.STEP

    assert step.number is None and not step.tutorial
    assert step.checks == ()
    assert step.heading not in TITLES.values()
    assert {holding(r.kind) for r in step.resources} == {step}


def test_a_kinds_step_is_the_step_holding_it():
    assert holding(kinds.BY_KEY["ecr_repository"]).number == 1
    assert holding(kinds.BY_KEY["execution_role"]) is prerequisites.STEP
    assert holding(kinds.BY_KEY["event_queue"]) is events.STEP


@pytest.mark.parametrize("kind", kinds.REGISTRY, ids=lambda kind: kind.key)
def test_the_nightly_policys_statement_for_a_kind_is_named_after_its_step(kind):
    # given
    statements = policy_files.nightly_role_policy()["Statement"]
    sid = f"{holding(kind).sid}{kind.service.replace('-', ' ').title().replace(' ', '')}"

    # when
    named = [s for s in statements if s["Sid"] == sid]

    # then
    assert named, f"no statement {sid}"
    assert set(kind.actions.read) <= {a for s in named for a in s["Action"]}


def test_the_step_ids_of_the_policies_are_the_tutorials_and_the_event_sources_own():
    sids = {s["Sid"] for s in policy_files.nightly_role_policy()["Statement"]}

    assert {"PrerequisitesEcs", "Step1Ecr", "Step6Codepipeline", "EventSourceSqs", "EventSourceEvents",
            f"{verification.STEP.sid}Waits"} <= sids
    assert not any(sid.startswith("Step7") and sid != "Step7Waits" for sid in sids)


def test_a_check_of_another_steps_number_is_refused_where_it_is_declared():
    check = next(c for c in CHECKS if c.id == "ecr.repository")

    with pytest.raises(ValueError, match=r"checks \['ecr.repository'\] are not of step 3"):
        Step(name="wrong", number=3, title="Create S3 Bucket for Artifacts", checks=(check,))


def test_a_step_that_is_not_the_tutorials_may_hold_no_check():
    check = dataclasses.replace(next(iter(CHECKS)), step=None)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="not the tutorial's"):
        Step(name="plumbing", number=None, title="The harness's own", checks=(check,))


def test_the_declared_fields_are_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        Step("ecr", 1, "Create ECR Repository")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        verification.STEP.number = 8  # type: ignore[misc]


def test_only_a_step_with_something_to_make_or_adopt_is_provisioned():
    # then: every step but Step 7, which makes nothing (it only looks), in provisioning order
    assert [step.name for step in STEPS if step.provisions] == [
        "ecr", "connection", "artifacts", "iam", "codebuild", "prerequisites", "codepipeline", "event_source"]
    assert verification.STEP in STEPS and not verification.STEP.provisions


def test_a_step_that_adopts_the_users_own_is_provisioned_though_it_makes_nothing():
    adopting = Step(name="adopting", number=None, title="The user's own", adopt=lambda ctx: {})
    looking = Step(name="looking", number=None, title="Only looks")

    assert adopting.provisions and not looking.provisions
