"""The services' name rules, as the kinds declare them: what AWS refuses is refused before any call."""

import pytest

from pipeline_harness.kinds import REGISTRY


@pytest.mark.parametrize("kind", [k for k in REGISTRY if k.rule is not None and "\\w" in k.rule.pattern],
                         ids=lambda kind: kind.key)
def test_a_letter_of_another_script_is_refused_where_the_service_allows_only_ascii_letters(kind):
    # given: a rule written with \w, which AWS (Java, ASCII) reads as [A-Za-z0-9_]
    rule = kind.rule

    # then: an ASCII name passes, the same name with one accented letter does not
    assert rule.problem("lab-role") is None
    assert rule.problem("lab-rôle") == f"may hold only {rule.allowed}"
