"""The student's own source, read from the artifact bucket where the latest execution left it
(botocore Stubber timelines; the AWS CLI's example outputs and a public repository's files)."""

import io
import json
import tracemalloc
import zipfile
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import hostile_zips
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from pipeline_harness.cli.grade import as_of_time
from pipeline_harness.grading import source, step7
from pipeline_harness.output.report import RENDERERS, Report
from pipeline_harness.settings import Settings
from pipeline_harness.steps.base import run_check
from pipeline_harness.targets.base import Capabilities
from pipeline_harness.targets.context import Context

DATA = Path(__file__).resolve().parents[2] / "data" / "grading"
ACCOUNT, PIPELINE, EXECUTION = "123456789012", "dev-php-app-pipeline", "EXAMPLE0-adfc-488e-bf4c-1111111720d3"
BUCKET = f"dev-pipeline-artifacts-{ACCOUNT}"
CHECK = {c.id: c for c in source.CHECKS}
STUDENT = {name: (DATA / "student_source" / name).read_text() for name in ("buildspec.yml", "Dockerfile")}


@pytest.fixture
def ctx(stubbed_target):
    return Context(Settings(), stubbed_target(_account=ACCOUNT))


@pytest.fixture
def stubs(ctx):
    made = {s: Stubber(ctx.client(s)) for s in ("codepipeline", "s3")}
    for stub in made.values():
        stub.activate()
    yield made
    for stub in made.values():
        stub.assert_no_pending_responses()


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return out.getvalue()


def _declared(stubs, output_format="CODE_ZIP"):
    def action(category, provider, configuration, outputs=()):
        return {"name": category, "actionTypeId": {"category": category, "owner": "AWS",
                                                   "provider": provider, "version": "1"},
                "configuration": configuration, "outputArtifacts": [{"name": n} for n in outputs]}
    stubs["codepipeline"].add_response("get_pipeline", {"pipeline": {
        "name": PIPELINE, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/dev-codepipeline-service-role",
        "artifactStore": {"type": "S3", "location": BUCKET},
        "stages": [
            {"name": "Source", "actions": [action("Source", "CodeStarSourceConnection", {
                "FullRepositoryId": "student/app", "OutputArtifactFormat": output_format},
                ["SourceArtifact"])]},
            {"name": "Build", "actions": [action("Build", "CodeBuild", {}, ["BuildArtifact"])]}]}},
        {"name": PIPELINE})


def _latest(stubs):
    stubs["codepipeline"].add_response("list_pipeline_executions", {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": EXECUTION, "status": "Succeeded"}]},
        {"pipelineName": PIPELINE, "maxResults": 100})


def _object(stubs, bucket, key, data: bytes):
    stubs["s3"].add_response("get_object", {"Body": StreamingBody(io.BytesIO(data), len(data)),
                                            "ContentLength": len(data)}, {"Bucket": bucket, "Key": key})


def _graded(ctx):
    return {i: source.explain(run_check(c, ctx), ctx) for i, c in CHECK.items()}


def test_the_source_the_executions_actions_name_is_read_and_its_findings_are_step_5_hints(ctx, stubs):
    # given: the actions report the Source output where the AWS CLI's example says (no build output)
    _declared(stubs)
    _latest(stubs)
    stubs["codepipeline"].add_response("list_action_executions", json.loads(
        (DATA / "list-action-executions.json").read_text()),
        {"pipelineName": PIPELINE, "filter": {"pipelineExecutionId": EXECUTION}, "maxResults": 100})
    _object(stubs, "my-bucket", "myPipeline/SourceArti/key", _zip({**STUDENT, "src/index.php": "<?php"}))

    # when
    results = _graded(ctx)

    # then
    assert results["source.buildspec"].status == "pass"
    assert "s3://my-bucket/myPipeline/SourceArti/key" in results["source.buildspec"].message
    lint = results["source.lint"]
    assert (lint.step, lint.status, lint.points, lint.max_points) == (5, "fail", 0, 0)
    assert "buildspec.yml:9 ecr-get-login" in lint.message
    assert "buildspec.yml:17 not-multi-arch" in lint.message
    assert lint.hint.startswith("buildspec.yml:9 ecr-get-login: 'aws ecr get-login' was removed")
    assert "buildspec.yml:26 definitions-name" in lint.hint  # a hard-coded name: a hint, no point
    definitions = results["source.image-definitions"]
    assert definitions.status == "pass" and "buildspec.yml alone: the build left no output artifact" in \
        definitions.message


def test_the_file_the_build_wrote_naming_another_container_costs_the_step_6_point(ctx, stubs):
    # given: no action executions to ask, so the newest object under each artifact's prefix
    ctx.target.capabilities = Capabilities(missing={"codepipeline": {"ListActionExecutions": "not here"}})
    _declared(stubs)
    _latest(stubs)
    at = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    for prefix, keys in (("SourceArti", ("old", "new")), ("BuildArtif", ("one",))):
        stubs["s3"].add_response("list_objects_v2", {"Contents": [
            {"Key": f"{PIPELINE}/{prefix}/{key}", "LastModified": at.replace(hour=10 + n)}
            for n, key in enumerate(keys)]}, {"Bucket": BUCKET, "Prefix": f"{PIPELINE}/{prefix}/"})
    _object(stubs, BUCKET, f"{PIPELINE}/SourceArti/new", _zip(STUDENT))
    image = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app:1a2b3c4"
    _object(stubs, BUCKET, f"{PIPELINE}/BuildArtif/one", _zip({"imagedefinitions.json": json.dumps(
        [{"name": "az-phpapp", "imageUri": image}])}))

    # when
    definitions = _graded(ctx)["source.image-definitions"]

    # then
    assert (definitions.step, definitions.status, definitions.max_points) == (6, "fail", 1)
    assert "definitions-name" in definitions.message and "the file the build wrote" in definitions.message
    assert "'az-phpapp' is not the task definition's container 'php-app-container'" in definitions.hint
    assert definitions.hint.endswith("(Common Issues: old image still running)")


def test_a_pipeline_that_never_ran_skips_the_source_checks_saying_why(ctx, stubs):
    _declared(stubs)
    stubs["codepipeline"].add_response("list_pipeline_executions", {"pipelineExecutionSummaries": []},
                                       {"pipelineName": PIPELINE, "maxResults": 100})

    results = _graded(ctx)

    assert {r.status for r in results.values()} == {"skip"}
    assert results["source.buildspec"].message == (
        "skipped: the pipeline has no execution yet, so there is no source to read")


def test_an_as_of_with_an_offset_is_said_in_utc_as_step_7_says_it(ctx, stubs):
    # given: --as-of 14:00 at +02:00, and the only execution finished after it
    ctx.as_of = as_of_time("2026-11-02T14:00:00+02:00")
    _declared(stubs)
    stubs["codepipeline"].add_response("list_pipeline_executions", {"pipelineExecutionSummaries": [
        {"pipelineExecutionId": EXECUTION, "status": "Succeeded",
         "lastUpdateTime": datetime(2026, 11, 2, 12, 30, tzinfo=UTC)}]},
        {"pipelineName": PIPELINE, "maxResults": 100})

    # when
    results = _graded(ctx)
    latest = run_check(next(c for c in step7.CHECKS if c.id == "pipeline.latest-execution"), ctx)

    # then: both say the same time, in UTC
    said = "no execution before 2026-11-02 12:00:00 UTC"
    assert results["source.buildspec"].message == (
        f"skipped: the pipeline has {said}, so there is no source to read")
    assert said in latest.message


def test_a_full_clone_source_is_not_the_code_and_is_skipped(ctx, stubs):
    _declared(stubs, output_format="CODEBUILD_CLONE_REF")

    result = _graded(ctx)["source.lint"]

    assert result.status == "skip" and "CODEBUILD_CLONE_REF" in result.message


def test_an_artifact_gone_from_the_bucket_is_skipped_naming_it(ctx, stubs):
    ctx.target.capabilities = Capabilities(missing={"codepipeline": {"ListActionExecutions": "not here"}})
    _declared(stubs)
    _latest(stubs)
    key = f"{PIPELINE}/SourceArti/gone"
    stubs["s3"].add_response("list_objects_v2", {"Contents": [
        {"Key": key, "LastModified": datetime(2026, 1, 1, tzinfo=UTC)}]},
        {"Bucket": BUCKET, "Prefix": f"{PIPELINE}/SourceArti/"})
    stubs["s3"].add_response("list_objects_v2", {}, {"Bucket": BUCKET, "Prefix": f"{PIPELINE}/BuildArtif/"})
    stubs["s3"].add_client_error("get_object", "NoSuchKey", "The specified key does not exist.",
                                 expected_params={"Bucket": BUCKET, "Key": key})

    result = _graded(ctx)["source.buildspec"]

    assert result.status == "skip" and f"s3://{BUCKET}/{key} is gone" in result.message


def test_a_buildspec_only_in_a_subdirectory_fails_saying_where_it_is(ctx, stubs):
    ctx.target.capabilities = Capabilities(missing={"codepipeline": {"ListActionExecutions": "not here"}})
    _declared(stubs)
    _latest(stubs)
    for prefix in ("SourceArti", "BuildArtif"):
        stubs["s3"].add_response("list_objects_v2", {"Contents": [
            {"Key": f"{PIPELINE}/{prefix}/k", "LastModified": datetime(2026, 1, 1, tzinfo=UTC)}]},
            {"Bucket": BUCKET, "Prefix": f"{PIPELINE}/{prefix}/"})
    _object(stubs, BUCKET, f"{PIPELINE}/SourceArti/k", _zip({"app/buildspec.yml": STUDENT["buildspec.yml"],
                                                            "Dockerfile": STUDENT["Dockerfile"]}))
    _object(stubs, BUCKET, f"{PIPELINE}/BuildArtif/k", _zip({"other.txt": "x"}))

    results = _graded(ctx)

    assert results["source.buildspec"].status == "fail"
    assert "`app/buildspec.yml`, not in the repository root" in results["source.buildspec"].message
    assert "Forgetting to push buildspec.yml to repo" in results["source.buildspec"].hint
    assert results["source.image-definitions"].status == "skip"


# --- what a student may put in their own bucket instead of CodePipeline's zip ---------------------

SOURCE_KEY = f"{PIPELINE}/SourceArti/k"


class _Served(io.BytesIO):
    """An object's body as S3 streams it, remembering how far it was read when closed."""

    read_to = 0

    def close(self):
        self.read_to = self.tell()
        super().close()


def _source_listed(ctx, stubs) -> None:
    """The execution's Source artifact is SOURCE_KEY (newest under its prefix), the build left none."""
    ctx.target.capabilities = Capabilities(missing={"codepipeline": {"ListActionExecutions": "not here"}})
    _declared(stubs)
    _latest(stubs)
    stubs["s3"].add_response("list_objects_v2", {"Contents": [
        {"Key": SOURCE_KEY, "LastModified": datetime(2026, 1, 1, tzinfo=UTC)}]},
        {"Bucket": BUCKET, "Prefix": f"{PIPELINE}/SourceArti/"})
    stubs["s3"].add_response("list_objects_v2", {}, {"Bucket": BUCKET, "Prefix": f"{PIPELINE}/BuildArtif/"})


def _source_only(ctx, stubs, data: bytes, content_length: int | None = None) -> _Served:
    """The execution's Source artifact is `data`, the build left none; returns the stream the
    artifact is read from."""
    _source_listed(ctx, stubs)
    raw = _Served(data)
    length = len(data) if content_length is None else content_length
    stubs["s3"].add_response("get_object", {"Body": StreamingBody(raw, length), "ContentLength": length},
                             {"Bucket": BUCKET, "Key": SOURCE_KEY})
    return raw


BUILDSPEC_BYTES = STUDENT["buildspec.yml"].encode()


@pytest.mark.parametrize("entry, says", [
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC_BYTES, crc=0x1234),
     "cannot be read as a zip: BadZipFile: Bad CRC-32 for file 'buildspec.yml'"),
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC_BYTES, flags=hostile_zips.ENCRYPTED),
     "cannot be read as a zip: RuntimeError: File <ZipInfo filename='buildspec.yml'"),
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC_BYTES, method=99),
     "buildspec.yml is compressed with zip method 99; the grader reads stored or deflated files only"),
    (hostile_zips.Entry(b"buildspec.yml", BUILDSPEC_BYTES, method=12),  # bzip2: inflated in one step
     "buildspec.yml is compressed with zip method 12"),
    (hostile_zips.Entry(b"build\xffspec.yml", BUILDSPEC_BYTES, flags=hostile_zips.UTF8_NAME),
     "cannot be read as a zip: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff"),
    (hostile_zips.Entry(b"buildspec.yml", hostile_zips.deflated(BUILDSPEC_BYTES)[:-8], hostile_zips.DEFLATED,
                        inflated=BUILDSPEC_BYTES),  # the deflate stream cut short
     "cannot be read as a zip: "),
], ids=["bad-crc", "encrypted", "method-99", "bzip2", "name-not-utf8", "truncated-deflate"])
def test_a_zip_the_grader_cannot_read_skips_the_source_checks_saying_why(ctx, stubs, entry, says):
    # given: the student's Source artifact, the buildspec's entry broken one way
    dockerfile = hostile_zips.text("Dockerfile", STUDENT["Dockerfile"])
    _source_only(ctx, stubs, hostile_zips.archive([entry, dockerfile]))

    # when
    results = _graded(ctx)

    # then: the artifact is read once, and every source check says why it was not assessed
    assert {r.status for r in results.values()} == {"skip"}
    message = results["source.buildspec"].message
    assert message.startswith("skipped: ") and says in message
    assert "\n" not in message


def test_a_member_that_inflates_past_its_declared_size_costs_at_most_the_file_cap(ctx, stubs):
    # given: buildspec.yml declares 1,000 bytes (with their CRC) and inflates to 64 MiB of zeros
    inflating = hostile_zips.deflated_zeros(64 * 2**20)
    bomb = hostile_zips.Entry(b"buildspec.yml", inflating, hostile_zips.DEFLATED, crc=zlib.crc32(bytes(1000)),
                              size=1000)
    _source_only(ctx, stubs, hostile_zips.archive([bomb]))

    # when
    tracemalloc.start()
    try:
        results = _graded(ctx)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then: the 1,000 declared bytes were read (zeros: not text), never the 64 MiB
    assert peak < 4 * source.MAX_FILE_BYTES
    assert results["source.buildspec"].status == "pass"
    assert "buildspec.yml:1 not-text" in results["source.lint"].message


def test_a_zip_of_more_entries_than_a_repository_holds_is_refused_before_zipfile_lists_them(
        ctx, stubs, monkeypatch):
    # given: 10,001 entries, and a zipfile that must not be asked to read them
    many = [hostile_zips.Entry(f"f{n}".encode(), b"") for n in range(source.MAX_ENTRIES + 1)]
    _source_only(ctx, stubs, hostile_zips.archive(many))
    monkeypatch.setattr(source.zipfile, "ZipFile", None)  # calling it would be a TypeError: an error

    # when
    result = _graded(ctx)["source.buildspec"]

    # then
    assert result.status == "skip"
    assert f"holds more than {source.MAX_ENTRIES} entries" in result.message


def test_entries_that_declare_more_bytes_than_the_cap_in_all_are_refused(ctx, stubs):
    half = source.MAX_DECLARED_BYTES // 2 + 1
    _source_only(ctx, stubs, hostile_zips.archive([hostile_zips.Entry(b"a", b"", size=half),
                                                   hostile_zips.Entry(b"b", b"", size=half)]))

    result = _graded(ctx)["source.buildspec"]

    assert result.status == "skip"
    assert f"declares {2 * half} bytes uncompressed" in result.message


def test_an_artifact_body_longer_than_its_length_header_says_is_read_only_to_the_cap(ctx, stubs, monkeypatch):
    # given: an artifact of 4 KiB whose ContentLength says 10 bytes; a cap of 1 KiB
    monkeypatch.setattr(source, "MAX_ARTIFACT_BYTES", 1024)
    raw = _source_only(ctx, stubs, bytes(4096), content_length=10)

    # when
    result = _graded(ctx)["source.buildspec"]

    # then
    assert result.status == "skip" and "is more than 1024 bytes" in result.message
    assert raw.read_to == 1025


def test_an_artifact_whose_length_header_is_over_the_cap_is_not_read_at_all(ctx, stubs):
    raw = _source_only(ctx, stubs, b"PK", content_length=source.MAX_ARTIFACT_BYTES + 1)

    result = _graded(ctx)["source.buildspec"]

    assert result.status == "skip" and f"is more than {source.MAX_ARTIFACT_BYTES} bytes" in result.message
    assert raw.read_to == 0 and raw.closed


def test_the_buildspec_is_parsed_once_for_the_dockerfile_it_builds(ctx, stubs, monkeypatch):
    # given: a buildspec that builds docker/Dockerfile, and a count of its parses for that
    buildspec = STUDENT["buildspec.yml"].replace("docker build -t", "docker build -f docker/Dockerfile -t")
    assert buildspec != STUDENT["buildspec.yml"]
    _source_only(ctx, stubs, _zip({"buildspec.yml": buildspec, "docker/Dockerfile": STUDENT["Dockerfile"]}))
    parsed: list[str] = []
    built = source._built_dockerfiles
    monkeypatch.setattr(source, "_built_dockerfiles", lambda text: parsed.append(text) or built(text))

    # when
    results = _graded(ctx)

    # then: the Dockerfile it names is the one linted, and no "no Dockerfile" finding
    assert parsed == [buildspec]
    assert source.read_linted(ctx).source.dockerfile == "docker/Dockerfile"
    assert "no-dockerfile" not in results["source.lint"].message


def test_a_denied_artifact_read_is_asked_once_and_is_each_source_checks_error_with_the_reason(ctx, stubs):
    # given: a grader role that may not read the artifact bucket's objects
    _source_listed(ctx, stubs)
    stubs["s3"].add_client_error("get_object", "AccessDenied", "Access Denied", 403,
                                 expected_params={"Bucket": BUCKET, "Key": SOURCE_KEY})
    asked: list[str] = []
    ctx.client("s3").meta.events.register("provide-client-params.s3.GetObject",
                                          lambda model, **_: asked.append(model.name))

    # when
    results = _graded(ctx)

    # then: one GetObject, and its refusal is each check's error
    assert asked == ["GetObject"]
    assert {r.status for r in results.values()} == {"error"}
    for result in results.values():
        assert result.message == ("could not read: An error occurred (AccessDenied) when calling the "
                                  "GetObject operation: Access Denied")


# --- what a student's files may hold to flood the reports -----------------------------------------

GET_LOGIN = "      - aws ecr get-login --no-include-email\n"  # one ecr-get-login finding a line
# what the source checks may put in a report, whatever the student's files hold: a message names at
# most SHOWN findings (each path cut at 200 characters), a hint each one's message and fix (each cut
# at 500) and the tutorial's words
MESSAGE_CHARS, HINT_CHARS, REPORT_BYTES = 2_000, 8_000, 32 * 1024


def test_thousands_of_findings_are_named_up_to_six_and_counted_in_every_report_format(ctx, stubs):
    # given: a buildspec that breaks one rule on each of its 2,000 lines
    lines = 2_000
    buildspec = "version: 0.2\nphases:\n  build:\n    commands:\n" + GET_LOGIN * lines
    _source_only(ctx, stubs, _zip({"buildspec.yml": buildspec, "Dockerfile": STUDENT["Dockerfile"]}))

    # when
    results = _graded(ctx)
    reports = {fmt: render(Report("stubbed", ACCOUNT, "us-east-1", list(results.values())))
               for fmt, render in RENDERERS.items()}

    # then: every finding is counted, six are named, and the rest is a number
    lint = results["source.lint"]
    total = int(lint.message.split("found ", 1)[1].split(":", 1)[0])
    assert total > lines
    assert lint.message.count(" ecr-get-login") == 2 and lint.message.endswith(f"; and {total - 6} more")
    assert f"; and {total - 6} more; " in lint.hint and lint.hint.endswith(source.LINT_HINT)
    assert len(lint.message) < MESSAGE_CHARS and len(lint.hint) < HINT_CHARS
    for fmt, text in reports.items():
        assert len(text.encode()) < REPORT_BYTES, fmt
        assert f"{total - 6} more" in text, fmt
    # ...the costing findings among them still cost their point (each rule keeps a finding)
    assert results["source.image-definitions"].status == "fail"
    assert "definitions-not-written" in results["source.image-definitions"].message
    # ...and what the class's cache keeps of the file is six findings of each rule
    kept = source.read_linted(ctx)
    assert max(Counter((f.path, f.rule) for f in kept.findings).values()) == source.KEPT == 6
    assert kept.hints.total == total


def test_a_path_of_the_students_zip_is_quoted_cut(ctx, stubs):
    # given: the only buildspec.yml 60,000 characters deep, as a zip entry's name may be
    deep = "d/" * 30_000 + "buildspec.yml"
    _source_only(ctx, stubs, _zip({deep: STUDENT["buildspec.yml"], "Dockerfile": STUDENT["Dockerfile"]}))

    # when
    result = _graded(ctx)["source.buildspec"]

    # then
    assert result.status == "fail"
    assert f"`{deep[:source.PATH_CHARS - 1]}…`, not in the repository root" in result.message
    assert len(result.message) < MESSAGE_CHARS
