"""How long each stage of an execution took."""

from __future__ import annotations

from pipeline_harness.targets.base import Target


def stage_durations(target: Target, pipeline: str, execution_id: str) -> tuple[dict[str, float], str]:
    """Seconds each stage took in this execution, from its action executions."""
    gap = target.gap("codepipeline", "ListActionExecutions")
    if gap:
        return {}, f"stage durations unavailable: {gap}"
    spans: dict[str, list] = {}
    pages = target.client("codepipeline").get_paginator("list_action_executions")
    for page in pages.paginate(pipelineName=pipeline, filter={"pipelineExecutionId": execution_id}):
        for action in page.get("actionExecutionDetails", []):
            begin, end = action.get("startTime"), action.get("lastUpdateTime")
            if begin is None or end is None:
                continue
            span = spans.setdefault(action["stageName"], [begin, end])
            span[0], span[1] = min(span[0], begin), max(span[1], end)
    return {stage: (end - begin).total_seconds() for stage, (begin, end) in spans.items()}, ""
