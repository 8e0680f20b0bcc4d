"""Real trust policies of CodeBuild and CodePipeline service roles from public repositories
(tests/data/trust/, each with its repository, path and commit), judged as AWS would: for the
resource they were written for, and for the tutorial's lab or another account."""

import json
from pathlib import Path

import pytest

from pipeline_harness.iam.conditions import Fact
from pipeline_harness.iam.evaluation import may_assume

DATA = Path(__file__).resolve().parents[2] / "data" / "trust"
FILES = sorted(DATA.glob("*.json"))
CASES = [(path.stem, number, case) for path in FILES
         for number, case in enumerate(json.loads(path.read_text())["judged"], start=1)]
RESOURCE = {"codebuild.amazonaws.com": "the graded project",
            "codepipeline.amazonaws.com": "the graded pipeline", "events.amazonaws.com": "the graded rule"}


def test_the_corpus_holds_real_policies_with_their_sources():
    # given every file of the corpus
    documents = [json.loads(path.read_text()) for path in FILES]

    # then: five repositories' files or more, each traceable, and conditioned policies among them
    assert len(documents) >= 5
    assert all(len(d["commit"]) == 40 and d["repository"].count("/") == 1 and d["path"] for d in documents)
    assert sum(1 for d in documents if any("Condition" in s for s in d["policy"]["Statement"])) >= 5


@pytest.mark.parametrize(("name", "number", "case"), CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_a_real_trust_policy_admits_the_service_exactly_when_aws_would(name, number, case):
    # given the policy as its repository deploys it, and a service assuming the role for a resource
    policy = json.loads((DATA / f"{name}.json").read_text())["policy"]
    facts = [Fact("aws:SourceAccount", case["account"], "the graded account")]
    if case["source_arn"]:
        facts.append(Fact("aws:SourceArn", case["source_arn"], RESOURCE[case["service"]]))

    # when
    decision = may_assume(policy, case["service"], facts)

    # then
    assert decision.allowed is case["allowed"], (case["what"], decision)
    assert case["because"] in decision.reason, decision.reason
