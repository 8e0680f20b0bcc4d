"""Explaining a failed execution: the failed stage and action, its error, the build's failed phase
and log tail, the tutorial's Common Issue."""

from __future__ import annotations

from pipeline_harness.core import diagnosis
from pipeline_harness.targets.base import Target
from pipeline_harness.waits.pipeline.execution import NO_PIPELINE, Execution

LOG_TAIL_LINES = 10
# a log line, and the whole tail (or a phase's context), as much of it as enters a report: the
# build log is the student's to fill, and a tail is copied into every report of the failure
LOG_LINE_CHARS, LOG_TAIL_CHARS = 200, 2000
CUT = "…"


def explain_failure(target: Target, pipeline: str, execution: Execution, *,
                    declaration: dict | None = None) -> str:
    """The failed stage and action, its error, the build's failed phase and log tail, the Common Issue.

    `declaration`: the pipeline's, when the wait already read it; otherwise it is read here."""
    if execution.status == "Superseded":
        return "a newer execution superseded it before it finished"
    if execution.status == NO_PIPELINE:
        return ""
    gap = target.gap("codepipeline", "GetPipelineState")
    if gap:
        return f"stage details unavailable: {gap}"
    if execution.execution_id is None:
        return ""
    failed = _failed_action(target, pipeline, execution.execution_id, declaration)
    if failed is None:
        return "no failed action found in the pipeline state"
    stage, action, error, provider, external_id = failed
    parts = [f"stage {stage}, action {action} failed: {error}"]
    texts = [error, execution.summary]
    if provider == "CodeBuild" and external_id:
        build_texts = _build_failure(target, external_id)
        parts.extend(build_texts)
        texts.extend(build_texts)
    issue = diagnosis.match(texts, stage=stage if stage in ("Source", "Build", "Deploy") else None)
    if issue is not None:
        parts.append(issue.describe())
    return "; ".join(parts)


def _failed_action(target: Target, pipeline: str, execution_id: str,
                   declaration: dict | None) -> tuple[str, str, str, str | None, str | None] | None:
    client = target.client("codepipeline")
    declaration = declaration or client.get_pipeline(name=pipeline)["pipeline"]
    providers = {(s["name"], a["name"]): a["actionTypeId"]["provider"]
                 for s in declaration["stages"] for a in s["actions"]}
    for stage in client.get_pipeline_state(name=pipeline).get("stageStates", []):
        if stage.get("latestExecution", {}).get("pipelineExecutionId") != execution_id:
            continue
        for action in stage.get("actionStates", []):
            latest = action.get("latestExecution", {})
            if latest.get("status") == "Failed":
                details = latest.get("errorDetails", {})
                error = f"{details.get('code', 'error')}: {details.get('message', latest.get('summary', ''))}"
                provider = providers.get((stage["stageName"], action["actionName"]))
                return stage["stageName"], action["actionName"], error, provider, \
                    latest.get("externalExecutionId")
    return None


def _build_failure(target: Target, build_id: str) -> list[str]:
    """The build's failed phase and the tail of its CloudWatch log."""
    builds = target.client("codebuild").batch_get_builds(ids=[build_id]).get("builds", [])
    if not builds:
        return [f"build {build_id} not found"]
    build = builds[0]
    texts = []
    for phase in build.get("phases", []):
        if phase.get("phaseStatus") in ("FAILED", "FAULT", "TIMED_OUT", "STOPPED"):
            context = " ".join(c.get("message", "") for c in phase.get("contexts", []))
            texts.append(cut(f"build phase {phase['phaseType']} {phase['phaseStatus']}: {context}".strip(),
                              LOG_TAIL_CHARS))
            break
    logs = build.get("logs", {})
    if logs.get("groupName") and logs.get("streamName"):
        events = target.client("logs").get_log_events(
            logGroupName=logs["groupName"], logStreamName=logs["streamName"],
            limit=LOG_TAIL_LINES, startFromHead=False).get("events", [])
        lines = [cut(e["message"].rstrip(), LOG_LINE_CHARS) for e in events if e.get("message", "").strip()]
        if lines:
            texts.append(cut("log tail: " + " | ".join(lines), LOG_TAIL_CHARS))
    return texts


def cut(text: str, most: int) -> str:
    """At most `most` characters of text, the last one marking a cut."""
    return text if len(text) <= most else text[:most - len(CUT)] + CUT
