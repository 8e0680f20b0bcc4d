"""Check titles name what the check compares: the tutorial's names in them become the run's own."""

from pipeline_harness.grading.grade import GRADED
from pipeline_harness.settings import Settings
from pipeline_harness.steps import CHECKS, titles
from pipeline_harness.targets.context import Context

ACCOUNT = "123456789012"


def _ctx(stubbed_target, **settings) -> Context:
    return Context(Settings(**settings), stubbed_target(_account=ACCOUNT))


def _title(check_id: str, ctx: Context) -> str:
    return titles.render(next(c.title for c in CHECKS if c.id == check_id), ctx)


def test_a_prefixed_run_shows_the_prefixed_names_it_compares(stubbed_target):
    ctx = _ctx(stubbed_target, prefix="ph42-")

    assert _title("pipeline.exists", ctx) == "Pipeline `ph42-dev-php-app-pipeline` exists"
    assert _title("pipeline.artifact-store", ctx) == \
        f"Artifact store is `dev-pipeline-artifacts-{ACCOUNT}-ph42`"
    assert _title("codebuild.logs", ctx) == "CloudWatch logs to `/aws/codebuild/ph42-dev-php-app-build`"


def test_a_students_own_names_and_region_show_in_the_titles(stubbed_target):
    ctx = _ctx(stubbed_target, region="eu-north-1", pipeline="student-7-pipeline",
               container="web", codebuild_image="aws/codebuild/standard:8.0")

    assert _title("pipeline.exists", ctx) == "Pipeline `student-7-pipeline` exists"
    assert _title("artifacts.region", ctx) == "Bucket is in the lab's region `eu-north-1`"
    assert _title("ecs.container-name", ctx) == "Task definition has container `web`"
    assert _title("codebuild.image", ctx) == "Build image is `aws/codebuild/standard:8.0`"


def test_a_span_that_names_nothing_the_run_configures_is_kept(stubbed_target):
    ctx = _ctx(stubbed_target, prefix="ph42-")

    assert _title("pipeline.source", ctx) == next(c.title for c in CHECKS if c.id == "pipeline.source")
    assert "`<owner>/<repo>`" in _title("pipeline.source", ctx)


def test_every_tutorial_name_a_title_may_show_is_told_apart_from_the_others(stubbed_target):
    shown = list(titles.spans(_ctx(stubbed_target)))

    assert len(shown) == len(set(shown))


def test_every_name_in_a_title_is_one_the_run_renames_but_the_repository_placeholder(stubbed_target):
    known = set(titles.spans(_ctx(stubbed_target)))

    spans = {span for c in GRADED for span in titles._SPAN.findall(c.title)}

    assert spans - known == {"`<owner>/<repo>`"}
