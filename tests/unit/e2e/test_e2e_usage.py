"""The run's usage figures from its timings and the resources' settings, and the estimate's arithmetic."""

from pipeline_harness.e2e import usage
from pipeline_harness.e2e.run_report import Timed
from pipeline_harness.settings import Settings

HOUR = 3600.0


def _timed(name, at, seconds):
    return Timed(name, "succeeded", at, seconds)


def test_a_run_that_failed_in_the_pipeline_still_counts_what_it_kept_running():
    # given: provisioned for 5 min, 1.5 h in a pipeline wait that failed, 10 min of teardown; no stages read
    phases = [_timed("push", 0, 4), _timed("provision", 4, 300), _timed("teardown", 304 + 1.5 * HOUR, 600)]
    waits = [Timed("pipeline", "failed", 304, 1.5 * HOUR)]

    # when
    figures = usage.of_run(phases, waits, {}, None, Settings(target="aws", desired_count=2), True)

    # then: 1h40m of an ALB, two tasks; no build or image to count
    hours = (300 + 1.5 * HOUR + 600) / HOUR
    assert figures["window_seconds"] == 300 + 1.5 * HOUR + 600
    assert figures["alb_hours"] == round(hours, 4)
    assert figures["fargate"]["vcpu_hours"] == round(2 * 0.25 * hours, 4)
    assert figures["public_ipv4_hours"] == round(4 * hours, 4)
    assert figures["codebuild_minutes"] == {} and figures["codepipeline_action_minutes"] == 0
    assert figures["ecr"] == {"stored_bytes": None, "gb_months": None}
    assert figures["estimate_usd"]["alb"] == 2 * 0.0225  # two started ALB-hours


def test_the_users_own_alb_and_service_are_not_the_runs_cost():
    # given
    phases = [_timed("provision", 0, 60), _timed("teardown", 600, 60)]

    # when
    figures = usage.of_run(phases, [], {"Build": {"seconds": 61.0}}, 10**9, Settings(target="aws"), False)

    # then
    assert figures["alb_hours"] == figures["public_ipv4_hours"] == 0
    assert figures["fargate"]["tasks"] == 0
    assert figures["codebuild_minutes"] == {"BUILD_GENERAL1_SMALL": 2}  # 61 s: two started minutes
    assert figures["estimate_usd"]["alb"] == 0


def test_a_run_that_never_provisioned_kept_nothing_running():
    figures = usage.of_run([_timed("push", 0, 3)], [], {}, None, Settings(target="aws"), True)

    assert figures["window_seconds"] == 0 and figures["estimate_usd"]["total"] == 0


def test_a_compute_type_without_a_price_is_named_and_a_v1_pipeline_costs_no_action_minutes():
    # given
    settings = Settings(target="aws", codebuild_compute_type="BUILD_GENERAL1_2XLARGE", pipeline_type="V1")
    phases = [_timed("provision", 0, 60), _timed("teardown", 600, 60)]

    # when
    figures = usage.of_run(phases, [], {"Build": {"seconds": 300.0}}, None, settings, True)

    # then
    assert figures["estimate_usd"]["unpriced"] == ["CodeBuild BUILD_GENERAL1_2XLARGE"]
    assert figures["estimate_usd"]["codebuild"] == 0 and figures["estimate_usd"]["codepipeline"] == 0


def test_an_image_index_is_not_counted_twice():
    kinds = {"application/vnd.oci.image.index.v1+json": 100,
             "application/vnd.oci.image.manifest.v1+json": 100,
             "application/vnd.docker.distribution.manifest.v2+json": 70,
             "application/vnd.docker.distribution.manifest.list.v2+json": 100}
    images = [{"imageSizeInBytes": size, "imageManifestMediaType": kind} for kind, size in kinds.items()]

    assert usage.stored_bytes(images) == 170
