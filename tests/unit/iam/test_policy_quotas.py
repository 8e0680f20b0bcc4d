"""Every policy document the project ships fits IAM's quotas, measured by IAM's rule (characters that are
not white space): each file in pipeline_harness/iam/, and each role's documents together."""

import json

import pytest

from pipeline_harness import iam as iam_policies
from pipeline_harness.iam import files as policy_files
from pipeline_harness.iam import quotas
from pipeline_harness.kinds import iam as iam_kinds
from pipeline_harness.steps import iam, prerequisites

SHIPPED = sorted(p.name for p in policy_files.POLICIES_DIR.glob("*.json"))
TRUST_TEMPLATE = "nightly-role-trust.json"
# the placeholders docs/nightly.md's setup replaces, at the longest values they can take: a 12-digit
# account, GitHub's 39-character owner and 100-character repository names
LONGEST = {"ACCOUNT_ID": "9" * 12, "OWNER": "o" * 39, "REPO": "r" * 100}
NIGHTLY_PARTS = sorted(p.name for p in policy_files.POLICIES_DIR.glob(policy_files.NIGHTLY_PARTS))


def _text(filename: str) -> str:
    return (policy_files.POLICIES_DIR / filename).read_text(encoding="utf-8")


def _role_problems(role: str, trust: dict | str, inline: dict[str, dict],
                   managed: dict[str, dict | None]) -> list[str]:
    """Everything one role's documents break of IAM's quotas; `managed` maps each attached policy's
    name to its document (None: an AWS managed policy, counted but not ours to measure)."""
    found = [quotas.over(f"{role}'s trust policy", trust, quotas.TRUST_POLICY),
             *(quotas.over(f"{role}'s managed policy {name}", doc, quotas.MANAGED_POLICY)
               for name, doc in managed.items() if doc is not None)]
    inline_size = sum(quotas.size(doc) for doc in inline.values())
    if inline_size > quotas.ROLE_INLINE_POLICIES:
        found.append(f"{role}'s inline policies are {inline_size:,} characters together, over IAM's "
                     f"{quotas.ROLE_INLINE_POLICIES:,}")
    if len(managed) > quotas.MANAGED_POLICIES_PER_ROLE:
        found.append(f"{role} has {len(managed)} managed policies attached, over IAM's default "
                     f"{quotas.MANAGED_POLICIES_PER_ROLE}")
    return [problem for problem in found if problem]


def _filled_trust() -> str:
    text = _text(TRUST_TEMPLATE)
    for placeholder, value in LONGEST.items():
        text = text.replace(placeholder, value)
    return text


def _quota_of(filename: str) -> int:
    """Each shipped file is one kind of document; a new file must be given one here."""
    if filename.endswith("-trust.json"):
        return quotas.TRUST_POLICY
    if filename in NIGHTLY_PARTS or filename == policy_files.GRADER:
        return quotas.MANAGED_POLICY
    if filename in {spec.policy_file for spec in iam.ROLES}:
        return quotas.ROLE_INLINE_POLICIES  # the tutorial's inline policies, one per role
    raise AssertionError(f"{filename}: which IAM quota applies to it? (trust, managed or inline)")


def _roles() -> dict[str, tuple]:
    """Each role the project sets up: (trust, inline documents, managed policies attached)."""
    roles = {spec.key: (spec.trust(), {spec.policy_file: iam_policies.document(spec.policy_file)}
                        if spec.policy_file else {}, dict.fromkeys(spec.managed))
             for spec in iam.ROLES}
    # the execution role's desired state needs nothing of the run
    execution = next(r for r in prerequisites.RESOURCES if r.kind is iam_kinds.EXECUTION_ROLE).desired(None)
    roles["execution_role"] = (execution["trust"], execution["inline"], dict.fromkeys(execution["managed"]))
    roles["pipeline-harness-nightly"] = (
        _filled_trust(), {}, {name: json.loads(_text(name)) for name in NIGHTLY_PARTS})
    return roles


@pytest.mark.parametrize("filename", SHIPPED)
def test_each_shipped_policy_document_fits_its_iam_quota(filename):
    # given
    text = _filled_trust() if filename == TRUST_TEMPLATE else _text(filename)

    # when
    problem = quotas.over(filename, text, _quota_of(filename))

    # then
    assert problem is None


@pytest.mark.parametrize("role", sorted(_roles()))
def test_each_role_the_setup_makes_fits_iams_quotas_with_all_its_documents(role):
    # given
    trust, inline, managed = _roles()[role]

    # when / then
    assert _role_problems(role, trust, inline, managed) == []


def test_the_nightly_policy_whole_is_over_a_managed_policys_quota_so_it_ships_in_parts():
    # given: the nightly role's statements as one document, as it shipped before it was split
    whole = policy_files.nightly_role_policy()

    # when
    problem = quotas.over("nightly-role-policy.json", whole, quotas.MANAGED_POLICY)

    # then: the measurement catches it, and the parts hold the same statements in the same order
    assert problem is not None and "over IAM's 6,144" in problem
    assert len(NIGHTLY_PARTS) >= 2
    parts = [json.loads(_text(name))["Statement"] for name in NIGHTLY_PARTS]
    assert [s for part in parts for s in part] == whole["Statement"]


def test_iam_counts_every_character_but_white_space():
    # given: the same document, compact and pretty-printed
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                         "Resource": "*"}]}
    compact = json.dumps(document, separators=(",", ":"))

    # then
    assert quotas.size(json.dumps(document, indent=4)) == quotas.size(compact) == len(compact)


def test_a_role_over_any_quota_is_named_with_the_quota_it_breaks():
    # given
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "k" * 6200}
    big = {"Version": "2012-10-17", "Statement": [statement]}
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "x" * 2100}}]}

    # when
    problems = _role_problems("r", trust, {"a": big, "b": big}, {f"p{n}": None for n in range(11)}
                              | {"big": big})

    # then
    assert len(problems) == 4
    assert any("trust policy" in p and "2,048" in p for p in problems)
    assert any("managed policy big" in p for p in problems)
    assert any("inline policies are" in p and "10,240" in p for p in problems)
    assert any("12 managed policies attached, over IAM's default 10" in p for p in problems)
