"""The nightly end-to-end run as one function: push, provision, wait for Step 7, always tear down.

Order: the commit is pushed to the run branch *before* the pipeline exists, so the execution that
CreatePipeline starts by itself builds exactly that commit — no second, racing push trigger.
After the waits, the run reads Step 7's chain of evidence (grading/evidence/), the links the
grader awards its points on: a link that breaks fails the run, so grader and run cannot drift.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

from pipeline_harness.core.errors import AWS_ERRORS, ConfigError, HarnessError, NotAllowed
from pipeline_harness.e2e import usage
from pipeline_harness.e2e.github import GitHub, Pushed, run_files
from pipeline_harness.e2e.inputs import Inputs
from pipeline_harness.e2e.run_report import RunReport, stage_verdicts
from pipeline_harness.grading import evidence
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.steps import events, prerequisites
from pipeline_harness.targets.base import Target
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import ecr_tags, http, pipeline, rollout
from pipeline_harness.waits.events import Inbox
from pipeline_harness.waits.schedules import Clock, Sleep

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_nightly(inputs: Inputs, target: Target, *, report_path: Path, github: GitHub | None = None,
                root: Path = REPO_ROOT, clock: Clock = time.monotonic,
                sleep: Sleep = time.sleep) -> RunReport:
    """One nightly run; the JSON report is written to report_path whatever happens.

    Raises ConfigError (exit 2) before touching anything when the account is not allow-listed,
    the WaitError / ProvisionError / GitHubError that ended a failed run, KeyboardInterrupt
    after tearing down, or HarnessError when the run passed but teardown left something.
    """
    settings = inputs.settings
    report = RunReport(settings.run_id, settings.region, settings.pipeline_type, settings.branch,
                       clock=clock)
    with ExitStack() as session:
        lab = _open(Lab(settings, target), session, report, report_path)
        github = github or GitHub(settings.github_repository, inputs.github_token, sleep=sleep)
        try:
            with report.timing("push"):
                pushed = github.push(settings.branch, run_files(root, _marker(settings)),
                                     f"pipeline-harness nightly run {settings.run_id}")
            report.commit = pushed.commit
            with report.timing("provision"):
                handles = lab.provision()
            queue_url = handles[events.STEP.name].get("queue_url")
            inbox = Inbox(target.client("sqs"), queue_url) if queue_url else None
            _verify(lab.ctx, report, pushed, handles[prerequisites.STEP.name]["url"], clock, sleep, inbox)
            report.outcome = "passed"
        except BaseException as err:
            report.fail(err)
            raise
        finally:
            try:
                _tear_down(lab, github, report)
            finally:
                report.usage = usage.of_run(report.phases, report.waits, report.stages,
                                            report.image.get("stored_bytes"), settings,
                                            lab.ctx.makes_prerequisites)
                report.write(report_path)
    if report.outcome != "passed":
        raise HarnessError((report.failure or {}).get("message", f"the run ended {report.outcome}"))
    return report


def _open(lab: Lab, session: ExitStack, report: RunReport, report_path: Path) -> Lab:
    """The run's session, entered: its preflight refusing the account (not allow-listed) or the
    run's names is on record before anything is pushed or made."""
    try:
        session.enter_context(lab)
    except ConfigError as err:
        report.outcome = "refused"
        report.failure = {"where": "allow-list" if isinstance(err, NotAllowed) else "start",
                          "error": type(err).__name__, "message": str(err), "diagnosis": None}
        report.write(report_path)
        raise
    report.account = lab.target.account
    return lab


def _marker(settings: Settings) -> str:
    return f"run {settings.run_id} created {settings.created_at} on {settings.branch}\n"


def _verify(ctx: Context, report: RunReport, pushed: Pushed, url: str, clock: Clock, sleep: Sleep,
            inbox: Inbox | None) -> None:
    """Step 7: the commit's execution, its multi-arch image and tags, the rollout, the ALB's answer."""
    target, names, settings = ctx.target, ctx.names, ctx.settings
    with report.timing("pipeline", wait=True) as entry:
        run = pipeline.wait_for_pipeline(target, names.pipeline, pushed.commit, clock=clock, sleep=sleep,
                                         events=inbox)
        report.waited(entry, run.outcome)
    report.execution_id = run.execution_id
    report.stages = stage_verdicts(run.stage_durations)
    report.build_number = build_number(target, names.pipeline, run.execution_id)
    tags = (pushed.short, "latest", report.build_number)
    image = f"{names.repository_uri}:{pushed.short}"
    with report.timing("ecr-tags", wait=True) as entry:
        tagged = ecr_tags.wait_for_tags(target, names.ecr_repository, tags, clock=clock, sleep=sleep,
                                        events=inbox)
        report.waited(entry, tagged)
    report.image = {"uri": image, "tags": list(tags), "digest": tagged.observation.digest,
                    "platforms": sorted(tagged.observation.platforms),
                    "stored_bytes": stored_bytes(target, names.ecr_repository)}
    with report.timing("rollout", wait=True) as entry:
        report.waited(entry, rollout.wait_for_rollout(
            target, names.cluster, names.service, image, container=settings.container,
            clock=clock, sleep=sleep, events=inbox))
    with report.timing("http", wait=True) as entry:
        # health.php reports the version the image was built with: the commit's short hash
        report.waited(entry, http.wait_for_version(
            url + settings.health_check_path, pushed.short, clock=clock, sleep=sleep))
    with report.timing("evidence"):
        verify_evidence(Context(settings, target), report, pushed.commit)


def verify_evidence(ctx: Context, report: RunReport, commit: str) -> None:
    """Step 7's chain of evidence, read once the waits are done, into the report; a link that broke
    or could not be read, or a chain that starts at another commit than the run pushed, fails it."""
    links = evidence.chain(ctx)
    report.evidence = [link.as_dict() for link in links]
    graded = links[0].facts
    if graded is not None and graded.commit and graded.commit != commit.lower():
        raise HarnessError(f"Step 7's chain of evidence starts at execution {graded.id} of commit "
                           f"{graded.commit[:12]}, not at the run's commit {commit[:12]}")
    failed = [link for link in links if link.state in (evidence.BROKEN, evidence.UNREAD)]
    if failed:
        raise HarnessError("Step 7's chain of evidence broke: " + "; ".join(
            f"link `{link.name}` {link.state}: {link.says}" for link in failed))


def build_number(target: Target, pipeline_name: str, execution_id: str) -> str:
    """CODEBUILD_BUILD_NUMBER of the execution's build: the third tag the buildspec pushes."""
    pages = target.client("codepipeline").get_paginator("list_action_executions").paginate(
        pipelineName=pipeline_name, filter={"pipelineExecutionId": execution_id})
    build_ids = [action["output"]["executionResult"]["externalExecutionId"]
                 for page in pages for action in page.get("actionExecutionDetails", [])
                 if action["input"]["actionTypeId"]["provider"] == "CodeBuild"
                 and action.get("output", {}).get("executionResult", {}).get("externalExecutionId")]
    if not build_ids:
        raise HarnessError(f"execution {execution_id} of {pipeline_name} ran no CodeBuild build")
    build = target.client("codebuild").batch_get_builds(ids=build_ids[:1])["builds"][0]
    return str(build["buildNumber"])


def stored_bytes(target: Target, repository: str) -> int | None:
    """What the repository holds once the build pushed: every image of it (the run's cost). A figure
    of the report, not a verdict: a refused read leaves it unknown (None) and the run goes on."""
    pages = target.client("ecr").get_paginator("describe_images").paginate(repositoryName=repository)
    try:
        return usage.stored_bytes([image for page in pages for image in page["imageDetails"]])
    except AWS_ERRORS:
        return None


def _tear_down(lab: Lab, github: GitHub, report: RunReport) -> None:
    """AWS first (it costs money), then the run branch; a leftover is reported, not raised here."""
    with report.timing("teardown"):
        result = lab.teardown()
    errors = list(result.errors)
    try:
        branch = github.delete_branch(lab.settings.branch)
    except HarnessError as err:
        branch = "error"
        errors.append(f"branch {lab.settings.branch}: {err}")
    report.teardown = {"outcomes": result.outcomes, "branch": branch, "errors": errors}
    if errors and report.outcome == "passed":
        report.fail(HarnessError(f"teardown left something behind: {'; '.join(errors)}"),
                    where="teardown")
