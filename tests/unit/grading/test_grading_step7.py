"""Step 7 graded by the chain of evidence, on runs played as botocore Stubber answers (tests/played.py)
and `responses` for the registry's blob URLs and the app: an honest run holds every link; each
comparison that does not hold breaks its link, costs its check and the checks resting on it — no
other —, and says what each side holds and what to do."""

import dataclasses
from datetime import timedelta

import pytest
import responses

from pipeline_harness.grading import evidence, step7
from pipeline_harness.grading.evidence.link import HOLDS
from pipeline_harness.settings import Settings
from pipeline_harness.steps.base import run_check
from pipeline_harness.targets.base import Capabilities, Quirks
from pipeline_harness.targets.context import Context
from tests.played import Image, Run, play

RUN = Run()
STEP_7 = ("pipeline.latest-execution", "ecr.pushed-image", "ecs.rollout", "app.http")
HONEST = dict.fromkeys(STEP_7, "pass")


@pytest.fixture
def target(stubbed_target):
    return stubbed_target(_account=RUN.account)


def _grade(target, run=RUN, as_of=None, extra=None):
    """The Step 7 checks (diagnosed) of the run as its account answers them, and the calls made."""
    ctx = Context(Settings(), target, as_of=as_of)
    calls: list[str] = []
    for service in ("codepipeline", "codebuild", "ecr", "ecs", "elbv2", "logs"):
        target.client(service).meta.events.register(
            "provide-client-params", lambda model, **_: calls.append(model.name))
    answers = run.answers()
    for key, more in (extra or {}).items():
        answers[key] = [*answers.get(key, []), *more]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        run.serve(mock)
        play(target, answers)
        results = {c.id: step7.diagnose(run_check(c, ctx), ctx) for c in step7.CHECKS}
    return results, ctx, calls


def _statuses(results) -> dict[str, str]:
    return {i: r.status for i, r in results.items()}


def test_an_honest_run_holds_every_link_and_passes_every_step_7_check(target):
    # when
    results, ctx, calls = _grade(target)

    # then
    assert _statuses(results) == HONEST
    assert [(link.name, link.state) for link in evidence.chain(ctx)] == [
        (name, HOLDS) for name in ("execution", "build", "pushed", "image", "deployment", "tasks", "alb")]
    assert f"execution {RUN.execution} Succeeded at 2026-11-02 12:07:35 UTC" in results[STEP_7[0]].message
    assert "started by codepipeline/dev-php-app-pipeline" in results[STEP_7[0]].message
    assert "images linux/amd64 sha256:" in results["ecr.pushed-image"].message
    assert f"every one on {RUN.digest[:19]}…" in results["ecs.rollout"].message
    assert results["app.http"].message.endswith("HTTP 200 '<h1>PHP app</h1> version 3f2c9a1'")
    assert len(calls) == len(set(calls)) + 2  # BatchGetImage and GetDownloadUrlForLayer twice, all else once


def test_each_link_of_the_chain_is_known_by_its_name_as_the_check_it_belongs_to(target):
    # when
    _, ctx, _ = _grade(target)

    # then: the names the links read give themselves are the ones CHECK_OF knows them by
    for check, read in step7.LINKS_OF.items():
        assert {step7.CHECK_OF[link.name] for link in ctx.read(read)} == {check}
    assert sorted(step7.CHECK_OF) == sorted(link.name for link in evidence.chain(ctx))


def test_an_all_digit_short_hash_is_the_commit_tag_when_it_is_the_commits(target):
    # given: about 3.7 % of commits have a short hash of digits only
    run = dataclasses.replace(RUN, commit="4062117" + "a3c0f9e1b2d4c6e8f0a1b3c5d7e9f1a2b")

    results, _, _ = _grade(target, run)

    assert _statuses(results) == HONEST
    assert results["ecr.pushed-image"].message.startswith("found 4062117 on sha256:")


def test_the_graded_execution_is_the_newest_finished_one_a_running_one_is_not_counted(target):
    running = {"pipelineExecutionId": "22222222-0000-0000-0000-000000000000", "status": "InProgress",
               "startTime": RUN.at(600), "lastUpdateTime": RUN.at(700)}

    results, ctx, _ = _grade(target, dataclasses.replace(RUN, newer=(running,)))

    assert _statuses(results) == HONEST
    assert evidence.graded(ctx).id == RUN.execution


def test_as_of_before_the_graded_execution_fails_step_7_with_no_execution_before_it(target):
    # when: graded as of a day before the run
    results, _, calls = _grade(target, as_of=RUN.started - timedelta(days=1))

    # then
    assert _statuses(results) == dict.fromkeys(STEP_7, "fail")
    assert ("link `execution` broke: no execution before 2026-11-01 12:00:00 UTC: the newest, "
            f"{RUN.execution} (Succeeded, 2026-11-02 12:07:35 UTC), is not counted"
            ) in results[STEP_7[0]].message
    assert ("it rests on link `execution` (pipeline.latest-execution), which broke"
            ) in results["ecs.rollout"].message
    assert calls == ["ListPipelineExecutions"]  # nothing after it is read


def test_as_of_after_the_execution_grades_it_and_says_how_old_it_was(target):
    results, ctx, _ = _grade(target, as_of=RUN.finished + timedelta(days=40))

    assert _statuses(results) == HONEST
    assert "40 days 0 h before --as-of" in results[STEP_7[0]].message
    assert evidence.graded(ctx).age_seconds == 40 * 86400


def test_a_pipeline_that_never_ran_fails_step_7_saying_so(target):
    empty = {("codepipeline", "list_pipeline_executions"): [
        ({"pipelineExecutionSummaries": []}, {"pipelineName": RUN.pipeline, "maxResults": 100})]}
    ctx = Context(Settings(), target)
    play(target, empty)

    results = {c.id: run_check(c, ctx) for c in step7.CHECKS}

    assert _statuses(results) == dict.fromkeys(STEP_7, "fail")
    assert results[STEP_7[0]].message.endswith("found link `execution` broke: no execution before now: the "
                                               "pipeline has not run")


def test_a_failed_build_fails_the_execution_with_the_failed_phase_and_its_log_as_hint(target):
    # given: the Build stage failed because Docker could not run (privileged mode off)
    run = dataclasses.replace(RUN, status="Failed", ran=("Source", "Build"),
                              action_status=(("Build", "Failed"),), build_status="FAILED")
    state = {"pipelineName": RUN.pipeline, "stageStates": [
        {"stageName": "Build", "latestExecution": {"pipelineExecutionId": RUN.execution, "status": "Failed"},
         "actionStates": [{"actionName": "Build", "latestExecution": {
             "status": "Failed", "externalExecutionId": RUN.build_id,
             "errorDetails": {"code": "JobFailed", "message": "Build terminated with state: FAILED"}}}]}]}
    failed = {"id": RUN.build_id, "phases": [{"phaseType": "BUILD", "phaseStatus": "FAILED", "contexts": [
        {"statusCode": "COMMAND_EXECUTION_ERROR",
         "message": "Error while executing command: docker buildx build"}]}],
              "logs": {"groupName": "/aws/codebuild/dev-php-app-build", "streamName": "0a1b"}}
    docker = "ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock"
    extra = {("codepipeline", "get_pipeline"): run.answers()[("codepipeline", "get_pipeline")],
             ("codepipeline", "get_pipeline_state"): [(state, {"name": RUN.pipeline})],
             ("codebuild", "batch_get_builds"): [({"builds": [failed]}, {"ids": [RUN.build_id]})],
             ("logs", "get_log_events"): [({"events": [{"timestamp": 1, "message": docker}]}, None)]}

    # when
    results, _, _ = _grade(target, run, extra=extra)

    # then: the build and the image fail with the execution; so does what rests on them
    assert _statuses(results) == dict.fromkeys(STEP_7, "fail")
    execution = results[STEP_7[0]]
    assert f"execution {RUN.execution} ended Failed" in execution.message
    assert "Build/Build ended Failed" in execution.message and "ended FAILED" in execution.message
    assert execution.hint.startswith("fix what failed (the stage and its error are below)")
    assert "stage Build, action Build failed: JobFailed" in execution.hint
    assert "Verify CodeBuild project has Privileged mode enabled" in execution.hint


def test_an_edit_after_the_run_costs_only_the_execution_check(target):
    # given: the pipeline is at version 2; the graded execution ran version 1
    results, _, _ = _grade(target, dataclasses.replace(RUN, current_version=2))

    assert _statuses(results) == {**HONEST, "pipeline.latest-execution": "fail"}
    assert ("it ran version 1 of the pipeline, which is now at version 2: the pipeline was edited after the "
            "run, and an edit does not re-run it") in results[STEP_7[0]].message


def test_a_build_started_by_hand_costs_the_execution_and_the_image_resting_on_it(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, initiator="student-42"))

    assert _statuses(results) == {**dict.fromkeys(STEP_7, "fail")}
    assert "was started by student-42, not by the pipeline" in results[STEP_7[0]].message
    assert ("it rests on link `build` (pipeline.latest-execution), which broke"
            ) in results["ecr.pushed-image"].message


def test_an_image_pushed_outside_the_build_costs_the_image_and_what_runs_it(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, pushed_after=timedelta(hours=3)))

    assert _statuses(results) == {**HONEST, "ecr.pushed-image": "fail", "ecs.rollout": "fail",
                                  "app.http": "fail"}
    assert ("was pushed at 2026-11-02 15:00:00 UTC, but build dev-php-app-build:0a1b2c3d-0000-1111-2222-"
            "333333333333 ran from 2026-11-02 12:00:15 UTC to 2026-11-02 12:04:10 UTC: it is not the image "
            "that build pushed") in results["ecr.pushed-image"].message
    assert "link `tasks` broke: it rests on link `pushed` (ecr.pushed-image)" in \
        results["ecs.rollout"].message


def test_a_missing_build_number_tag_costs_only_the_image_check(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, tags=(RUN.short, "latest")))

    assert _statuses(results) == {**HONEST, "ecr.pushed-image": "fail"}
    assert "carries 3f2c9a1, latest: no `42` (the build number)" in results["ecr.pushed-image"].message
    assert results["ecr.pushed-image"].hint.startswith("the buildspec pushes three tags")


def test_an_image_whose_index_labels_say_arm64_but_whose_configs_say_amd64_fails(target):
    # given: a second amd64 image, labelled arm64 in a hand-made index
    run = dataclasses.replace(RUN, images=(Image("amd64"), Image("amd64", "second")))

    results, _, _ = _grade(target, run)

    assert _statuses(results) == {**HONEST, "ecr.pushed-image": "fail"}
    message = results["ecr.pushed-image"].message
    assert "(labelled linux/arm64, its config: linux/amd64)" in message
    assert "no image of its own is linux/arm64" in message


def test_a_config_the_registry_cannot_serve_is_an_error_not_a_fail(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, unserved_config=1))

    assert results["ecr.pushed-image"].status == "error"
    assert "its config could not be read: HTTP 503" in results["ecr.pushed-image"].message


def test_a_rollout_not_completed_costs_the_rollout_and_the_app_with_the_service_events_as_hint(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, rollout="IN_PROGRESS"))

    assert _statuses(results) == {**HONEST, "ecs.rollout": "fail", "app.http": "fail"}
    rollout = results["ecs.rollout"]
    assert "PRIMARY deployment ecs-svc/8141926084426591337 is IN_PROGRESS (0/1 tasks running)" in \
        rollout.message
    assert "service events: (service dev-php-app-alb-service) has reached a steady state." in rollout.hint


def test_a_task_definition_pinned_to_the_commit_images_digest_is_the_commits(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, task_image=f"{RUN.uri}@{RUN.digest}"))

    assert _statuses(results) == HONEST


def test_tasks_on_a_platform_image_of_the_commit_index_run_it(target):
    run = dataclasses.replace(RUN, task_digests=(RUN.images[1].digest,))

    results, _, _ = _grade(target, run)

    assert _statuses(results) == HONEST


def test_a_healthy_target_that_is_not_a_task_of_the_service_costs_the_app(target):
    results, _, _ = _grade(target, dataclasses.replace(RUN, healthy=("10.0.1.25", "203.0.113.9")))

    assert _statuses(results) == {**HONEST, "app.http": "fail"}
    assert ("the target group's healthy targets are 10.0.1.25:80, 203.0.113.9:80; the service's running "
            "tasks are 10.0.1.25:80") in results["app.http"].message


def test_a_target_without_action_executions_skips_the_links_that_need_them_with_its_reason(target):
    target.capabilities = Capabilities(missing={"codepipeline": {"ListActionExecutions": "no such API here"}})

    results, _, _ = _grade(target)

    assert _statuses(results) == dict.fromkeys(STEP_7, "skip")
    assert results[STEP_7[0]].message == "skipped: link `execution` not proven: stubbed: no such API here"


def test_a_target_that_runs_no_workloads_skips_the_tasks_and_the_app_with_its_reason(target):
    target.quirks = Quirks(runs_no_workloads="this emulator starts no tasks")

    results, _, _ = _grade(target)

    assert _statuses(results) == {**HONEST, "ecs.rollout": "skip", "app.http": "skip"}
    assert results["ecs.rollout"].message == ("skipped: link `deployment` not proven: stubbed: this emulator "
                                              "starts no tasks")


FIXED_200 = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}


def _rule(priority, actions, **conditions):
    return {"Priority": str(priority), "Actions": actions,
            "Conditions": [{"Field": field.replace("_", "-"), "Values": list(values)}
                           for field, values in conditions.items()]}


def test_a_rule_answering_every_path_with_a_fixed_200_ahead_of_the_forward_costs_the_app(target):
    run = dataclasses.replace(RUN, rules=(_rule(10, [FIXED_200], path_pattern=("/*",)),))

    results, _, _ = _grade(target, run)

    assert _statuses(results) == {**HONEST, "app.http": "fail"}
    assert ("listener rule 10 (which may match GET /) answers with a fixed response, ahead of the service's "
            "target group dev-php-app-tg") in results["app.http"].message


@pytest.mark.parametrize("conditions", [
    dict(path_pattern=("/admin/*",)), dict(host_header=("other.example.com",)),
    dict(http_request_method=("POST",))], ids=["another path", "another host", "another method"])
def test_a_rule_that_cannot_match_get_slash_at_the_albs_name_changes_nothing(target, conditions):
    run = dataclasses.replace(RUN, rules=(_rule(10, [FIXED_200], **conditions),))

    results, _, _ = _grade(target, run)

    assert _statuses(results) == HONEST


def test_a_forward_to_the_service_that_every_request_for_slash_meets_first_leaves_the_default_unread(target):
    # given: a catch-all forward to the service's group, then a default that would answer otherwise
    forward = {"Type": "forward", "TargetGroupArn": RUN.tg}
    run = dataclasses.replace(RUN, rules=(_rule(1, [forward], path_pattern=("*",)),),
                              listener_default=FIXED_200)

    results, _, _ = _grade(target, run)

    assert _statuses(results) == HONEST


def test_a_rule_that_may_match_by_a_header_the_grader_cannot_know_must_forward_too(target):
    header = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Grader", "Values": ["*"]}}
    rule = {"Priority": "5", "Actions": [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}], "Conditions": [header]}

    results, _, _ = _grade(target, dataclasses.replace(RUN, rules=(rule,)))

    assert _statuses(results) == {**HONEST, "app.http": "fail"}
    assert "listener rule 5 (which may match GET /) answers with a redirect" in results["app.http"].message
