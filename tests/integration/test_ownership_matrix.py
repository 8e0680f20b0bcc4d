"""For every kind of the registry: a resource someone else made under the lab's name is never
touched. Provisioning refuses it (exit 2, naming it and --prefix) before creating anything — or,
where names are only tags and not identifiers (EC2), makes its own beside it — and teardown leaves
it: read back through the API afterwards, it is exactly as it was."""

import pytest
from someone_elses import describe, kinds_with_look_alikes, make

from pipeline_harness.core.errors import EXIT_USAGE, NotOurs
from pipeline_harness.kinds import REGISTRY, difference, inventory
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings

pytestmark = pytest.mark.integration

# EC2 names are tags: two VPCs may share one, so the harness makes its own beside theirs
NAMES_ARE_TAGS = {"network"}


def test_every_kind_of_the_registry_has_a_look_alike_to_test_against():
    missing = sorted({kind.key for kind in REGISTRY} - kinds_with_look_alikes() - {"connection_name"})

    assert missing == [], "add a maker and a describer for these kinds to someone_elses.py"


@pytest.mark.usefixtures("whole_lab_served")  # the lab is provisioned around their resource
@pytest.mark.parametrize("kind", [k for k in REGISTRY if k.key in kinds_with_look_alikes()],
                         ids=lambda kind: kind.key)
def test_someone_elses_resource_of_the_labs_name_is_never_touched(kind, new_account):
    # given: an account where someone else made a resource of this kind under the lab's name
    student = new_account()
    settings = Settings(region=student.region, wait_events=True)  # every kind made, the event source too
    names = settings.names(student.account)
    make(student, kind.key, names)
    theirs = describe(student, kind.key, names)
    before = inventory(student)

    # when
    try:
        with Lab(settings, student, keep=True) as lab:
            lab.provision()
        refused = None
    except NotOurs as err:
        refused = err
    after_provision = describe(student, kind.key, names)
    with Lab(settings, student) as lab:
        teardown = lab.teardown()

    # then
    if kind.key in NAMES_ARE_TAGS:
        assert refused is None
    else:
        assert refused is not None and refused.exit_code == EXIT_USAGE
        assert f"{kind.title} {kind.name(names)}" in str(refused) and "--prefix" in str(refused)
        assert "nothing was created" in str(refused)
    assert after_provision == theirs
    assert describe(student, kind.key, names) == theirs
    assert teardown.errors == []
    if kind.key not in NAMES_ARE_TAGS:  # theirs is what the name finds: never deleted
        assert teardown.outcomes[kind.key] == "not ours"
    assert difference(before, inventory(student)) == {}
