"""The policy documents are the tutorial's, verbatim."""

import json
import re
from pathlib import Path

from pipeline_harness import iam as iam_policies

TUTORIAL = Path(__file__).resolve().parents[2] / "data" / "tutorial" / "ecs-codepipeline-lab.md"


def _tutorial_json_blocks() -> list[dict]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", TUTORIAL.read_text(), re.S)]


def test_inline_policies_are_the_tutorials_json_verbatim():
    blocks = _tutorial_json_blocks()

    assert iam_policies.document("CodePipelineCustomPolicy.json") == blocks[0]
    assert iam_policies.document("CodeBuildCustomPolicy.json") == blocks[1]


def test_grants_compare_documents_regardless_of_order_and_layout():
    doc = iam_policies.document("CodeBuildCustomPolicy.json")
    shuffled = {"Statement": [dict(s, Action=list(reversed(s["Action"]))) for s in
                              reversed(doc["Statement"])]}

    assert iam_policies.grants(shuffled) == iam_policies.grants(doc)
    assert ("Allow", "ecr:putimage", "*") in iam_policies.grants(doc)


def test_trusted_services_reads_the_allowed_service_principals():
    assert iam_policies.trusted_services(iam_policies.trust("codebuild")) == {"codebuild.amazonaws.com"}
    denied = {"Statement": [{"Effect": "Deny", "Principal": {"Service": "codebuild.amazonaws.com"}}]}
    assert iam_policies.trusted_services(denied) == set()
