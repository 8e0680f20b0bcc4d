"""The ECR tags wait on Stubber timelines: one image, every tag, linux/amd64 + linux/arm64."""

import json

import pytest
from botocore.stub import Stubber

from pipeline_harness.waits.ecr_tags import (
    ACCEPTED_MEDIA_TYPES,
    MANIFEST_LIST,
    OCI_INDEX,
    Tagged,
    ecr_tags_wait,
    listed_images,
    platforms,
    wait_for_scans,
    wait_for_tags,
)
from pipeline_harness.waits.model import WaitFailed, WaitTimeout
from pipeline_harness.waits.schedules import ECR_TAGS, NEAR, STEADY, SimulatedClock

REPOSITORY = "my-ecs-php-app"
TAGS = ("3f2c9a1", "latest", "42")
NEW = "sha256:" + "a" * 64
OLD = "sha256:" + "0" * 64
AMD64 = "sha256:" + "1" * 64
ARM64 = "sha256:" + "2" * 64


def _index(media_type=OCI_INDEX, entries=(("linux", "amd64", AMD64), ("linux", "arm64", ARM64))):
    manifests = [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest,
                  "size": 1000, "platform": {"os": os_, "architecture": arch}}
                 for os_, arch, digest in entries]
    manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "digest": "sha256:" + "3" * 64, "size": 800,
                      "platform": {"os": "unknown", "architecture": "unknown"},
                      "annotations": {"vnd.docker.reference.type": "attestation-manifest"}})
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests})


def _images(present, manifest=None, media_type=OCI_INDEX):
    """batch_get_image's answer when `present` maps tag → digest; other tags are not found."""
    return {
        "images": [{"registryId": "123456789012", "repositoryName": REPOSITORY,
                    "imageId": {"imageDigest": digest, "imageTag": tag},
                    "imageManifest": manifest or _index(), "imageManifestMediaType": media_type}
                   for tag, digest in present.items()],
        "failures": [{"imageId": {"imageTag": tag}, "failureCode": "ImageNotFound",
                      "failureReason": "Requested image not found"}
                     for tag in TAGS if tag not in present],
    }


EXPECTED_REQUEST = {"repositoryName": REPOSITORY, "imageIds": [{"imageTag": t} for t in TAGS],
                    "acceptedMediaTypes": ACCEPTED_MEDIA_TYPES}


@pytest.fixture
def target(stubbed_target):
    return stubbed_target()


@pytest.fixture
def ecr(target):
    with Stubber(target.client("ecr")) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _wait(target, policy=ECR_TAGS):
    clock = SimulatedClock()
    return wait_for_tags(target, REPOSITORY, TAGS, policy=policy, clock=clock, sleep=clock.sleep)


def test_succeeds_once_one_multi_arch_image_carries_every_tag(target, ecr):
    # given: nothing, then the commit tag, then latest still on the old image, then all on one
    ecr.add_response("batch_get_image", _images({}), EXPECTED_REQUEST)
    ecr.add_response("batch_get_image", _images({"3f2c9a1": NEW}), EXPECTED_REQUEST)
    ecr.add_response("batch_get_image", _images({"3f2c9a1": NEW, "latest": OLD, "42": NEW}),
                     EXPECTED_REQUEST)
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW)), EXPECTED_REQUEST)

    # when
    outcome = _wait(target)

    # then
    assert outcome.attempts == 4
    assert outcome.observation.platforms == {"linux/amd64": AMD64, "linux/arm64": ARM64}


def test_docker_manifest_list_counts_as_multi_arch(target, ecr):
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW), _index(MANIFEST_LIST),
                                                MANIFEST_LIST))

    assert _wait(target).observation.media_type == MANIFEST_LIST


def test_single_platform_image_fails_at_once(target, ecr):
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"digest": AMD64}, "layers": []})
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW), manifest,
                                                "application/vnd.oci.image.manifest.v1+json"))

    with pytest.raises(WaitFailed, match="the image is a single-platform manifest, not a multi-arch "
                                         "manifest list / OCI index"):
        _wait(target)


def test_index_without_arm64_fails_and_lists_the_platforms_it_has(target, ecr):
    ecr.add_response("batch_get_image", _images(
        dict.fromkeys(TAGS, NEW), _index(entries=(("linux", "amd64", AMD64),))))

    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    assert "the image lacks a required platform" in str(raised.value)
    assert "platforms linux/amd64; expected one image in my-ecs-php-app tagged 3f2c9a1, latest, 42 " \
           "with platforms linux/amd64, linux/arm64" in str(raised.value)


def test_attestation_entries_are_not_platforms():
    assert platforms(_index(), OCI_INDEX) == {"linux/amd64": AMD64, "linux/arm64": ARM64}


def _without_a_digest(platform):
    """The index with its entry for `platform` (os, architecture) stripped of its digest."""
    document = json.loads(_index())
    for entry in document["manifests"]:
        if (entry["platform"]["os"], entry["platform"]["architecture"]) == platform:
            del entry["digest"]
    return json.dumps(document)


def test_an_index_entry_without_a_digest_is_no_platform_and_no_image_to_read():
    manifest = _without_a_digest(("linux", "amd64"))

    assert platforms(manifest, OCI_INDEX) == {"linux/arm64": ARM64}
    assert listed_images(manifest, OCI_INDEX) == {ARM64: "linux/arm64"}


def test_an_image_whose_amd64_entry_has_no_digest_fails_as_lacking_the_platform(target, ecr):
    # given: every tag on one index whose linux/amd64 entry names no manifest
    index = _without_a_digest(("linux", "amd64"))
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW), index))

    # when
    with pytest.raises(WaitFailed) as raised:
        _wait(target)

    # then: a finding, not a crash of the wait
    assert "the image lacks a required platform" in str(raised.value)
    assert "platforms linux/arm64; expected" in str(raised.value)


def test_throttling_and_5xx_in_the_middle_are_retried(target, ecr):
    ecr.add_response("batch_get_image", _images({}))
    ecr.add_client_error("batch_get_image", "ThrottlingException", "Rate exceeded", 400)
    ecr.add_client_error("batch_get_image", "ServerException", "internal", 500)
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW)))

    assert _wait(target).attempts == 4


def test_missing_repository_fails_with_the_ecr_message(target, ecr):
    ecr.add_client_error("batch_get_image", "RepositoryNotFoundException",
                         "The repository with name 'my-ecs-php-app' does not exist", 400)

    unreadable = r"could not read .*RepositoryNotFoundException.*does not exist"
    with pytest.raises(WaitFailed, match=unreadable) as raised:
        _wait(target)

    # said once: what it last saw does not repeat the error
    assert str(raised.value).count("RepositoryNotFoundException") == 1


def test_timeout_names_the_missing_tags(target, ecr):
    for _ in range(2):  # at 0 s and the 15 s deadline: one look per 15 s
        ecr.add_response("batch_get_image", _images({"3f2c9a1": NEW}))

    with pytest.raises(WaitTimeout) as raised:
        _wait(target, ECR_TAGS.replace(deadline=15))

    assert str(raised.value).startswith(
        "wait ecr-tags timed out after 15s (2 looks): last saw tags 3f2c9a1 on sha256:aaaaaaaaaaaa; "
        "missing latest, 42; expected one image")


def test_the_push_is_near_once_a_tag_appears_or_moves_and_not_before(target):
    # given: the previous image holds `latest`; later the commit's tag appears, or `latest` moves
    before = Tagged(TAGS, ("3f2c9a1", "42"), frozenset({OLD}))
    appeared = Tagged(TAGS, ("42",), frozenset({OLD, NEW}))
    moved = Tagged(TAGS, ("3f2c9a1", "42"), frozenset({NEW}))

    def paces(*seen):
        pace = ecr_tags_wait(target, REPOSITORY, TAGS).pace
        return [pace(tagged) for tagged in seen]

    # then: nothing says when before it starts; once it has, the rest is seconds away
    assert paces(before, before, appeared) == [STEADY, STEADY, NEAR]
    assert paces(before, moved) == [STEADY, NEAR]


def test_scan_wait_reads_each_platform_image_until_complete(target, ecr):
    # given a tagged multi-arch image whose scans start late
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW)))
    tagged = _wait(target).observation
    ecr.add_client_error("describe_image_scan_findings", "ScanNotFoundException", "no scan", 400,
                         expected_params={"repositoryName": REPOSITORY, "imageId": {"imageDigest": AMD64}})
    for digest in (AMD64, ARM64):
        ecr.add_response("describe_image_scan_findings", {
            "repositoryName": REPOSITORY, "imageId": {"imageDigest": digest},
            "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."}},
            {"repositoryName": REPOSITORY, "imageId": {"imageDigest": digest}})
    clock = SimulatedClock()

    # when
    outcomes = wait_for_scans(target, REPOSITORY, tagged, clock=clock, sleep=clock.sleep)

    # then
    assert [o.observation.status for o in outcomes] == ["COMPLETE", "COMPLETE"]
    assert outcomes[0].attempts == 2


def test_failed_scan_fails_the_wait(target, ecr):
    ecr.add_response("batch_get_image", _images(dict.fromkeys(TAGS, NEW)))
    tagged = _wait(target).observation
    ecr.add_response("describe_image_scan_findings", {
        "imageScanStatus": {"status": "FAILED", "description": "UnsupportedImageError"}})

    with pytest.raises(WaitFailed, match="the scan did not complete; last saw scan of sha256:1111111111"
                                         "11 FAILED UnsupportedImageError"):
        clock = SimulatedClock()
        wait_for_scans(target, REPOSITORY, tagged, clock=clock, sleep=clock.sleep)
