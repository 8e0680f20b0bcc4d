"""Issue 24's forgeries, each a lab of its own: what the student did by hand is done on the emulator
where it serves it (the pipeline's declaration, the service, the task definitions, the images), and
what a pipeline run and a running service leave — the execution, its actions, the build, the
image's manifests and configs, the deployment, the tasks, the listener, the target health — is
played with botocore Stubber answers (tests/played.py), the registry's blob URLs and the app with
`responses`. Each forgery's whole grade differs from the honest lab's exactly where the forgery
should cost, with the broken link named; the honest lab, an all-digit short hash among them, keeps
full marks. (The eighth forgery of the issue, role trust policies that admit nobody, is Step 4's.)
"""

import copy
import dataclasses
from datetime import UTC, datetime, timedelta

import pipeline_run
import pytest
import responses
from student_lab import CORRECT, build, fresh_account

from pipeline_harness.grading.grade import grade
from pipeline_harness.grading.guard import read_only
from pipeline_harness.settings import Settings
from pipeline_harness.targets.base import Capabilities
from tests.played import CHAIN_READS, Image, Run, play

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("whole_lab_served")]

STEP_7 = ("pipeline.latest-execution", "ecr.pushed-image", "ecs.rollout", "app.http")
COMMIT = pipeline_run.COMMIT + "d0b7e4c21a9f0e8d7c6b5a4f3e2d1c0b9"  # the lab's short hash, in full
LAPTOP = "sha256:" + "7a" * 32  # an image pushed from a laptop
OLD = "sha256:" + "0d" * 32  # the image of an earlier commit


def _served(student):
    """The student's account, with the played reads served and the played tasks running."""
    served = student.with_session(student.session)
    missing = {service: {op: why for op, why in ops.items() if (service, op) not in CHAIN_READS}
               for service, ops in student.capabilities.missing.items()}
    served.capabilities = Capabilities(student.capabilities.services, missing,
                                       student.capabilities.unserved_reason, student.capabilities.unserved)
    served.quirks = dataclasses.replace(student.quirks, runs_no_workloads=None)
    return served


def _run(student, **changes) -> tuple[Run, dict]:
    """The honest run of the lab as the emulator holds it, with the forgery's changes."""
    ecs, elbv2 = student.client("ecs"), student.client("elbv2")
    service = ecs.describe_services(cluster=CORRECT.cluster, services=[CORRECT.service],
                                    include=["TAGS"])["services"][0]
    balancer = elbv2.describe_load_balancers(Names=["dev-php-app-alb"])["LoadBalancers"][0]
    bucket = f"dev-pipeline-artifacts-{student.account}"
    stored = student.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
    artifacts = {name: (bucket, o["Key"]) for o in stored for name in ("SourceArtifact", "BuildArtifact")
                 if o["Key"].startswith(f"{CORRECT.pipeline[:20]}/{name[:10]}/")}
    version = student.client("codepipeline").get_pipeline(name=CORRECT.pipeline)["pipeline"]["version"]
    run = Run(account=student.account, region=student.region, commit=COMMIT, version=version,
              current_version=version, load_balancer_arn=balancer["LoadBalancerArn"], dns=balancer["DNSName"],
              target_group_arn=service["loadBalancers"][0]["targetGroupArn"],
              task_definition_arn=service["taskDefinition"], artifacts=artifacts)
    return dataclasses.replace(run, **changes), {k: v for k, v in service.items() if k != "deployments"}


# moto's DescribeLoadBalancers leaves out `Scheme` (AWS always states it): the run states it
PLAYED = CHAIN_READS | {("elbv2", "DescribeLoadBalancers")}


def _graded(student, **changes):
    run, service = _run(student, **changes)
    served = read_only(_served(student))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        run.serve(mock)
        play(served, run.answers(base_service=service), PLAYED)
        return grade(Settings(region=student.region), served)


def _statuses(report) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def _lost(honest, forged) -> dict[str, tuple[str, str]]:
    """Each check whose status the forgery changed, (honest, forged); and the points it cost are
    exactly those checks' points, out of the same maximum."""
    before, after = _statuses(honest), _statuses(forged)
    assert set(before) == set(after)
    changed = {i: (before[i], after[i]) for i in before if before[i] != after[i]}
    points = {c.id: c.max_points for c in honest.checks}
    assert forged.max_score == honest.max_score
    assert honest.score - forged.score == sum(points[i] for i in changed)
    return changed


@pytest.fixture(scope="module")
def honest(target):
    """The honest lab's grade, to compare each forgery's with."""
    student = fresh_account(target)
    build(student, CORRECT)
    return _graded(student)


@pytest.fixture
def student(new_account):
    made = new_account()
    build(made, CORRECT)
    return made


def _message(report, check_id: str) -> str:
    return next(c.message for c in report.checks if c.id == check_id)


def _task_definition(student, image: str) -> str:
    """A task definition the student registers by hand, and puts the service on (a new deployment)."""
    ecs = student.client("ecs")
    described = ecs.describe_task_definition(taskDefinition="dev-php-app-task")["taskDefinition"]
    containers = [{**c, "image": image} for c in described["containerDefinitions"]]
    arn = ecs.register_task_definition(
        family="dev-php-app-task", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", containerDefinitions=containers)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=CORRECT.cluster, service=CORRECT.service, taskDefinition=arn)
    return arn


def _forced_deployment(student) -> None:
    student.client("ecs").update_service(cluster=CORRECT.cluster, service=CORRECT.service,
                                         forceNewDeployment=True)


def _uri(student) -> str:
    return f"{student.account}.dkr.ecr.{student.region}.amazonaws.com/{CORRECT.repository}"


# --- the honest lab ------------------------------------------------------------------------------

def test_a_lab_where_the_pipeline_did_everything_keeps_full_marks_every_link_holding(honest):
    assert honest.score == honest.max_score > 30
    statuses = _statuses(honest)
    assert {i: statuses[i] for i in STEP_7} == dict.fromkeys(STEP_7, "pass")
    skipped = {c.id for c in honest.checks if c.status == "skip"}
    assert skipped == {"connection.available", "connection.provider"}  # moto has no connections API
    assert honest.graded_execution.commit == COMMIT


def test_an_all_digit_short_hash_keeps_the_ecr_point(honest, student):
    # given: the commit's short hash is digits only (about 3.7 % of commits); the pipeline deployed it
    commit = "4062117" + COMMIT[7:]
    arn = _task_definition(student, f"{_uri(student)}:4062117")

    # when
    report = _graded(student, commit=commit, task_definition_arn=arn)

    # then
    assert _lost(honest, report) == {}
    assert _message(report, "ecr.pushed-image").startswith("found 4062117 on sha256:")


# --- the forgeries -------------------------------------------------------------------------------

def test_forgery_an_old_success_a_laptop_image_and_a_hand_made_deployment(honest, student):
    # given: the last success was 40 days ago; an image pushed from a laptop as abc1234, latest, 7;
    # `aws ecs update-service` onto it by hand
    pipeline_run.push(student, CORRECT.repository, ("amd64",), ("abc1234", "latest", "7"))
    arn = _task_definition(student, f"{_uri(student)}:abc1234")
    started = datetime.now(UTC) - timedelta(days=40)

    # when
    report = _graded(student, started=started, build_number=6, tags=(pipeline_run.COMMIT, "6"),
                     deployment_after=timedelta(days=40) - timedelta(hours=1), task_definition_arn=arn,
                     task_digests=(LAPTOP,))

    # then: the execution did succeed (40 days ago, as the report says); nothing after it is its own
    assert _lost(honest, report) == {"ecr.pushed-image": ("pass", "fail"), "ecs.rollout": ("pass", "fail"),
                                     "app.http": ("pass", "fail")}
    assert "carries 3f2c9a1, 6: no `latest`" in _message(report, "ecr.pushed-image")
    rollout = _message(report, "ecs.rollout")
    assert "link `deployment` broke: the service's PRIMARY deployment" in rollout
    assert f"runs `{_uri(student)}:abc1234`; the pipeline built `{_uri(student)}:3f2c9a1`" in rollout
    assert f"link `tasks` broke: the running tasks run {LAPTOP}" in rollout
    assert report.graded_execution.age_seconds > 39 * 86400


def test_forgery_a_no_op_pipeline_run_by_hand_then_restored(honest, student):
    # given: the pipeline edited to Source and a no-op Build (no Deploy), run, and restored to the
    # tutorial's layout — an edit does not re-run it; the laptop image tagged with the head's hash
    codepipeline = student.client("codepipeline")
    declared = codepipeline.get_pipeline(name=CORRECT.pipeline)["pipeline"]
    noop = copy.deepcopy({**declared, "stages": declared["stages"][:2]})
    noop["stages"][1]["actions"][0]["configuration"] = {"ProjectName": "noop-build"}
    codepipeline.update_pipeline(pipeline=noop)
    edited = codepipeline.get_pipeline(name=CORRECT.pipeline)["pipeline"]["version"]
    codepipeline.update_pipeline(pipeline={k: v for k, v in declared.items() if k != "version"})
    pipeline_run.push(student, CORRECT.repository, ("amd64",), (pipeline_run.COMMIT, "latest", "43"))
    _forced_deployment(student)
    run, _ = _run(student)

    # when
    report = _graded(student, version=edited, ran=("Source", "Build"), build_project="noop-build",
                     artifacts={"SourceArtifact": run.artifacts["SourceArtifact"]},
                     pushed_after=timedelta(hours=1), deployment_after=timedelta(hours=2))

    # then: Step 7 is lost whole, and nothing else
    assert _lost(honest, report) == {i: ("pass", "fail") for i in STEP_7}
    execution = _message(report, "pipeline.latest-execution")
    assert f"it ran version {edited} of the pipeline, which is now at version {edited + 1}" in execution
    assert "Deploy/Deploy never ran" in execution and "is of project noop-build" in execution
    assert "link `pushed` broke: it rests on link `build` (pipeline.latest-execution)" in \
        _message(report, "ecr.pushed-image")
    assert "no Amazon ECS Deploy action ran in execution" in _message(report, "ecs.rollout")


def test_forgery_a_deploy_stage_to_another_service_and_the_graded_one_updated_by_hand(honest, new_account):
    # given: the Deploy stage deploys to another cluster; the graded service updated by hand
    student = new_account()
    build(student, dataclasses.replace(CORRECT, deploy_cluster="other-cluster"))
    _forced_deployment(student)

    # when
    report = _graded(student, deployed_to=("other-cluster", CORRECT.service),
                     deployment_after=timedelta(hours=1))

    # then: pipeline.deploy refuses the declaration, and the rollout is not the pipeline's either
    assert _lost(honest, report) == {"pipeline.deploy": ("pass", "fail"), "ecs.rollout": ("pass", "fail"),
                                     "app.http": ("pass", "fail")}
    assert ("link `deployment` broke: execution 11111111-2222-3333-4444-555555555555's Deploy action "
            "deployed to cluster other-cluster, service dev-php-app-alb-service; the graded service is "
            "dev-php-app-alb-service in cluster dev-cluster") in _message(report, "ecs.rollout")


def test_forgery_a_deploy_stage_behind_a_condition_that_always_skips_it(honest, student):
    # given: the Deploy stage's entry condition skips it on every run; the service updated by hand
    codepipeline = student.client("codepipeline")
    declared = codepipeline.get_pipeline(name=CORRECT.pipeline)["pipeline"]
    declared["stages"][2]["beforeEntry"] = {"conditions": [{"result": "SKIP", "rules": [{
        "name": "always", "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "VariableCheck",
                                         "version": "1"},
        "configuration": {"Variable": "#{SourceVariables.BranchName}", "Value": "main", "Operator": "EQ"}}]}]}
    codepipeline.update_pipeline(pipeline={k: v for k, v in declared.items() if k != "version"})
    version = codepipeline.get_pipeline(name=CORRECT.pipeline)["pipeline"]["version"]
    _forced_deployment(student)

    # when: the execution ran that version, Succeeded, and its Deploy stage never ran
    report = _graded(student, version=version, current_version=version, ran=("Source", "Build"),
                     deployment_after=timedelta(hours=1))

    # then: the build and its image are the pipeline's; the rollout is not
    assert _lost(honest, report) == {"pipeline.latest-execution": ("pass", "fail"),
                                     "ecs.rollout": ("pass", "fail"), "app.http": ("pass", "fail")}
    assert "Deploy/Deploy never ran (skipped by a condition" in _message(report, "pipeline.latest-execution")
    assert "no Amazon ECS Deploy action ran in execution" in _message(report, "ecs.rollout")


def test_forgery_an_amd64_image_listed_twice_in_a_hand_made_index_once_labelled_arm64(honest, student):
    report = _graded(student, images=(Image("amd64"),), index_entries=((0, "amd64"), (0, "arm64")))

    assert _lost(honest, report) == {"ecr.pushed-image": ("pass", "fail")}
    image = _message(report, "ecr.pushed-image")
    assert "link `image` broke: the index tagged 3f2c9a1 lists 1 image(s)" in image
    assert "no image of its own is linux/arm64" in image


def test_forgery_a_second_amd64_image_labelled_arm64(honest, student):
    report = _graded(student, images=(Image("amd64"), Image("amd64", "second")))

    assert _lost(honest, report) == {"ecr.pushed-image": ("pass", "fail")}
    assert "(labelled linux/arm64, its config: linux/amd64)" in _message(report, "ecr.pushed-image")


def test_forgery_no_task_and_a_listener_answering_a_fixed_200(honest, student):
    # given: the service scaled to 0 tasks; the listener's default action a fixed 200 response
    student.client("ecs").update_service(cluster=CORRECT.cluster, service=CORRECT.service, desiredCount=0)
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": "200", "ContentType": "text/html", "MessageBody": "<h1>PHP app</h1> version 3f2c9a1"}}

    # when
    report = _graded(student, desired=0, listener_default=fixed)

    # then
    assert _lost(honest, report) == {"ecs.rollout": ("pass", "fail"), "app.http": ("pass", "fail")}
    assert "link `tasks` broke: no task of service dev-php-app-alb-service runs (desired count 0)" in \
        _message(report, "ecs.rollout")
    assert ("the port-80 listener's default action is a fixed response, not a forward to the service's "
            "target group dev-php-app-tg") in _message(report, "app.http")


def test_forgery_the_commit_tag_moved_onto_the_old_image_for_a_forced_deployment_and_back(honest, student):
    # given: the new commit's tag on the old image, a forced deployment, the tag moved back
    pipeline_run.push(student, CORRECT.repository, ("arm64", "amd64"), (pipeline_run.COMMIT,))
    _forced_deployment(student)
    pipeline_run.push(student, CORRECT.repository, CORRECT.platforms, (pipeline_run.COMMIT,))

    # when: the tasks run the old image
    report = _graded(student, deployment_after=timedelta(hours=1), task_digests=(OLD,))

    # then
    assert _lost(honest, report) == {"ecs.rollout": ("pass", "fail"), "app.http": ("pass", "fail")}
    rollout = _message(report, "ecs.rollout")
    assert f"link `tasks` broke: the running tasks run {OLD}; the image the pipeline built for 3f2c9a1 is " \
           "sha256:" in rollout
    assert "link `alb` broke: it rests on link `tasks` (ecs.rollout), which broke" in \
        _message(report, "app.http")


# --- what a pipeline run leaves, honest mistakes (moved here: the emulator runs no pipeline) ----

@pytest.mark.parametrize("mistake, changes, said", [
    ("single-platform image", dict(images=(Image("amd64"),), index_entries=((0, "amd64"),)),
     "no image of its own is linux/arm64"),
    ("no build-number tag", dict(tags=(pipeline_run.COMMIT, "latest")), "no `42` (the build number)"),
], ids=["single-platform image", "no build-number tag"])
def test_a_build_that_pushed_the_image_wrong_costs_only_the_ecr_point(honest, student, mistake, changes,
                                                                      said):
    report = _graded(student, **changes)

    assert _lost(honest, report) == {"ecr.pushed-image": ("pass", "fail")}
    assert said in _message(report, "ecr.pushed-image")
