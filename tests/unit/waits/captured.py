"""ECS answers captured with the AWS CLI by others (tests/data/ecs), as botocore parses them."""

import json
from datetime import datetime
from pathlib import Path

ECS = Path(__file__).resolve().parents[2] / "data" / "ecs"


def rollback_in_progress() -> tuple[dict, dict]:
    """describe-services while the circuit breaker rolls back: the answer and its one service."""
    answer = json.loads((ECS / "describe-services-rollback-in-progress.json").read_text())["answer"]
    service = answer["services"][0]
    for item in (*service["deployments"], *service["events"]):
        for key in {"createdAt", "updatedAt"} & set(item):
            item[key] = datetime.fromisoformat(item[key])
    return answer, service
