"""The policy documents are the tutorial's, verbatim."""

import json
import re
from pathlib import Path

from pipeline_harness import policies

TUTORIAL = Path(__file__).resolve().parents[1] / "data" / "tutorial" / "ecs-codepipeline-lab.md"


def _tutorial_json_blocks() -> list[dict]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", TUTORIAL.read_text(), re.S)]


def test_inline_policies_are_the_tutorials_json_verbatim():
    blocks = _tutorial_json_blocks()

    assert policies.document("CodePipelineCustomPolicy.json") == blocks[0]
    assert policies.document("CodeBuildCustomPolicy.json") == blocks[1]


def test_grants_compare_documents_regardless_of_order_and_layout():
    doc = policies.document("CodeBuildCustomPolicy.json")
    shuffled = {"Statement": [dict(s, Action=list(reversed(s["Action"]))) for s in
                              reversed(doc["Statement"])]}

    assert policies.grants(shuffled) == policies.grants(doc)
    assert ("Allow", "ecr:putimage", "*") in policies.grants(doc)


def test_trusted_services_reads_the_allowed_service_principals():
    assert policies.trusted_services(policies.trust("codebuild")) == {"codebuild.amazonaws.com"}
    denied = {"Statement": [{"Effect": "Deny", "Principal": {"Service": "codebuild.amazonaws.com"}}]}
    assert policies.trusted_services(denied) == set()
