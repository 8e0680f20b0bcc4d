"""The sweep on the embedded emulator: an old tagged run goes completely, a fresh run and
untagged resources that look like the lab's stay."""

from datetime import UTC, datetime, timedelta

import pytest

from pipeline_harness import kinds as inventory
from pipeline_harness.cli import main
from pipeline_harness.session import lab, sweep
from pipeline_harness.session.lab import Lab
from pipeline_harness.steps import ecr
from pipeline_harness.targets.context import Context

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.fixture
def old_and_fresh(settings, target):
    """A whole lab made 3 days ago, one repository of a run made an hour ago, an untagged look-alike."""
    old = Context(settings.replace(prefix="swold1-", created_at="2026-11-23T03:00:00Z"), target)
    fresh = Context(settings.replace(prefix="swnew1-", created_at="2026-11-26T02:00:00Z"), target)
    untagged = "swhand-my-ecs-php-app"
    before = inventory.inventory(target)
    with Lab(old.settings, target, keep=True) as made:
        made.provision()
    with Lab(fresh.settings, target, steps=(ecr.STEP,), keep=True) as made:
        made.provision()
    target.client("ecr").create_repository(repositoryName=untagged)
    yield before, old, fresh, untagged
    with Lab(old.settings, target) as made:
        made.teardown()
    with Lab(fresh.settings, target, steps=(ecr.STEP,)) as made:
        made.teardown()
    target.client("ecr").delete_repository(repositoryName=untagged, force=True)


def test_sweep_removes_an_old_run_and_leaves_fresh_and_untagged_resources(settings, target, old_and_fresh):
    # given
    before, _, fresh, untagged = old_and_fresh

    # when
    result = sweep.sweep(target, settings.replace(prefix=""), timedelta(days=1), now=NOW)

    # then: of everything made above, only the fresh run's repository and the look-alike remain
    assert set(result.old) == {"swold1-"} and result.errors == []
    left = inventory.difference(before, inventory.inventory(target))
    assert left == {"ecr": {fresh.names.ecr_repository, untagged}}


def test_dry_run_lists_the_old_run_and_deletes_nothing(settings, target, old_and_fresh):
    # given
    before, old, _, _ = old_and_fresh
    made = inventory.difference(before, inventory.inventory(target))

    # when
    result = sweep.sweep(target, settings.replace(prefix=""), timedelta(days=1), now=NOW, dry_run=True)

    # then
    kinds = {leftover.kind for leftover in result.old["swold1-"]}
    assert kinds == {r.kind.title for r in lab.planned(old) if r.kind.names is not None}
    assert result.outcomes == {}
    assert inventory.difference(before, inventory.inventory(target)) == made


def test_a_prefix_limits_the_sweep_to_that_run(settings, target, old_and_fresh):
    # when
    result = sweep.sweep(target, settings.replace(prefix="swother-"), timedelta(days=1), now=NOW)

    # then
    assert result.old == {} and result.outcomes == {}


def test_sweep_verb_rejects_a_duration_it_cannot_read(capsys):
    # when
    code = main(["sweep", "--older-than", "three days"])

    # then
    assert code == 2
    assert "--older-than must look like 90m, 6h, 2d or 1w, not 'three days'" in capsys.readouterr().err
