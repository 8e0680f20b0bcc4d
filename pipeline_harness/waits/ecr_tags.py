"""Wait until one ECR image carries every expected tag and is multi-arch (linux/amd64 + arm64).

Nothing in ECR tells how soon a push comes — the Build stage pushes every tag at the end of one
`docker buildx build --push` — so the wait polls at its budget's pace until some tags are there,
then densely: the others follow within seconds. With an event source, a PUSH event wakes it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
from botocore.client import BaseClient

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.targets.base import Target
from pipeline_harness.waits import events as events_mod
from pipeline_harness.waits import fetch
from pipeline_harness.waits.addresses import AddressPolicy
from pipeline_harness.waits.declared import Asked, Declared, Option
from pipeline_harness.waits.model import FAILURE, RETRY, SUCCESS, Acceptor, EventSource, Outcome, Wait, run
from pipeline_harness.waits.schedules import ECR_SCAN, ECR_TAGS, NEAR, STEADY, Clock, Pace, Policy, Sleep
from pipeline_harness.waits.tally import Tally

MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_TYPES = (MANIFEST_LIST, OCI_INDEX)
IMAGE_TYPES = ["application/vnd.docker.distribution.manifest.v2+json",
               "application/vnd.oci.image.manifest.v1+json"]
ACCEPTED_MEDIA_TYPES = [*INDEX_TYPES, *IMAGE_TYPES]
REQUIRED_PLATFORMS = ("linux/amd64", "linux/arm64")
ATTESTATION = "unknown/unknown"  # buildx's provenance and SBOM manifests: not runnable images
# an image's config is a few kilobytes to a few dozen (its history is one entry per layer)
CONFIG_CAP = 1 << 20
MAX_IMAGES = 8  # of an index, read for their configs: buildx pushes two images and two attestations
MAX_TAGS, MAX_TAG_LENGTH = 100, 300  # what ECR's BatchGetImage takes
HINT = ("the Build stage pushes the image with the commit hash, latest and build number tags "
        "via docker buildx for linux/amd64 and linux/arm64 (tutorial Step 7: Check ECR Images)")


@dataclass(frozen=True)
class Tagged:
    """What one look saw: which tags are missing, the digests behind the others, the manifest."""

    tags: tuple[str, ...]
    missing: tuple[str, ...]
    digests: frozenset[str] = frozenset()
    media_type: str | None = None
    platforms: dict[str, str] | None = None  # "os/arch" -> platform manifest digest

    @property
    def one_image(self) -> bool:
        return not self.missing and len(self.digests) == 1

    @property
    def digest(self) -> str | None:
        return next(iter(self.digests)) if self.one_image else None

    @property
    def absent_platforms(self) -> tuple[str, ...]:
        return tuple(p for p in REQUIRED_PLATFORMS if p not in (self.platforms or {}))

    def __str__(self) -> str:
        present = [t for t in self.tags if t not in self.missing]
        on = ", ".join(sorted(d[:19] for d in self.digests))
        text = f"tags {', '.join(present)} on {on}" if present else "none of the tags"
        if self.missing:
            text += f"; missing {', '.join(self.missing)}"
        if self.one_image:
            text += f"; {self.media_type}, platforms {', '.join(sorted(self.platforms or {})) or 'none'}"
        return text


def _index_entries(manifest: str, media_type: str | None) -> list[tuple[str, str]] | None:
    """(digest, the os/arch the index labels it) of each image in a manifest list / OCI index, in
    its order; None for a single image. Attestation entries (ATTESTATION) are left out: they are
    not runnable platforms; so is an entry without a digest, which names no image."""
    document = json.loads(manifest)
    if (media_type or document.get("mediaType")) not in INDEX_TYPES:
        return None
    found = []
    for entry in document.get("manifests", []):
        platform = entry.get("platform", {})
        label = f"{platform.get('os', 'unknown')}/{platform.get('architecture', 'unknown')}"
        if label != ATTESTATION and isinstance(entry.get("digest"), str):
            found.append((entry["digest"], label))
    return found


def _first_of_each(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each key with its first pair's value: an index may list a platform, or an image, twice."""
    found: dict[str, str] = {}
    for key, value in pairs:
        found.setdefault(key, value)
    return found


def platforms(manifest: str, media_type: str | None) -> dict[str, str] | None:
    """os/arch → digest of the first image the index labels so; None for a single image."""
    entries = _index_entries(manifest, media_type)
    return None if entries is None else _first_of_each((label, digest) for digest, label in entries)


def listed_images(manifest: str, media_type: str | None) -> dict[str, str] | None:
    """digest → the os/arch the index first labels it; None for a single image. Labels only say
    which entries to read: each image's own config judges it."""
    entries = _index_entries(manifest, media_type)
    return None if entries is None else _first_of_each(entries)


@dataclass(frozen=True)
class PlatformImage:
    """One image of an index, as its own config describes it."""

    digest: str  # its manifest's
    label: str  # the platform the index claims for it
    platform: str | None = None  # os/arch from its config; None when it could not be read
    config: str | None = None  # the config blob's digest
    problem: str = ""  # why the platform is unknown
    unread: bool = False  # the config was there but could not be read (not the image's fault)

    def __str__(self) -> str:
        said = self.platform or f"unknown ({self.problem})"
        return f"{self.digest[:19]}… (labelled {self.label}, its config: {said})"


def platform_images(reader: Any, repository: str, listed: dict[str, str], *,
                    addresses: AddressPolicy) -> tuple[PlatformImage, ...]:
    """Each listed image judged by its own config: its manifest (BatchGetImage by digest), that
    manifest's config blob (GetDownloadUrlForLayer, then one bounded GET of at most CONFIG_CAP
    bytes, whose sha256 must be the config's digest) and the `os`/`architecture` it states.
    `reader` has the target's `client(service)`; at most MAX_IMAGES are asked for."""
    digests = list(listed)[:MAX_IMAGES]
    ecr = reader.client("ecr")
    answer = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageDigest": d} for d in digests],
                                 acceptedMediaTypes=IMAGE_TYPES)
    manifests = {i["imageId"]["imageDigest"]: i.get("imageManifest", "") for i in answer.get("images", [])}
    judged = []
    for digest in digests:
        if digest not in manifests:
            judged.append(PlatformImage(digest, listed[digest], problem="not in the repository"))
            continue
        judged.append(_by_config(ecr, repository, digest, listed[digest], manifests[digest], addresses))
    return tuple(judged)


def _by_config(ecr: BaseClient, repository: str, digest: str, label: str, manifest: str,
               addresses: AddressPolicy) -> PlatformImage:
    try:
        config = json.loads(manifest).get("config", {})
    except ValueError:
        return PlatformImage(digest, label, problem="its manifest is not JSON")
    blob, size = config.get("digest"), config.get("size")
    if not isinstance(blob, str) or not blob.startswith("sha256:"):
        return PlatformImage(digest, label, problem="its manifest names no sha256 config")
    if not isinstance(size, int) or not 0 < size <= CONFIG_CAP:
        return PlatformImage(digest, label, config=blob,
                             problem=f"its config is {size} bytes; at most {CONFIG_CAP} are read")
    url = ecr.get_download_url_for_layer(repositoryName=repository, layerDigest=blob)["downloadUrl"]
    got = fetch.get(url, addresses=addresses, cap=CONFIG_CAP)
    if got.status != 200 or not got.complete or got.cut:
        return PlatformImage(digest, label, config=blob, problem=f"its config could not be read: {got}",
                             unread=True)
    if f"sha256:{hashlib.sha256(got.body).hexdigest()}" != blob:
        return PlatformImage(digest, label, config=blob, unread=True,
                             problem="the blob read is not its config (its sha256 differs)")
    try:
        stated = json.loads(got.body)
    except ValueError:
        return PlatformImage(digest, label, config=blob, problem="its config is not JSON")
    os_, architecture = stated.get("os"), stated.get("architecture")
    if not isinstance(os_, str) or not isinstance(architecture, str):
        return PlatformImage(digest, label, config=blob, problem="its config states no os and architecture")
    return PlatformImage(digest, label, f"{os_}/{architecture}", blob)


def missing_platforms(images: tuple[PlatformImage, ...]) -> tuple[str, ...]:
    """The required platforms no listed image's own config states. The images are distinct
    manifests (an index listing one twice lists one image) and each config states one platform,
    so the same image twice, or a second amd64 image labelled arm64, leaves arm64 missing."""
    stated = {i.platform for i in images}
    return tuple(p for p in REQUIRED_PLATFORMS if p not in stated)


def _probe(tally: Tally, repository: str, tags: tuple[str, ...]) -> Callable[[], Tagged]:
    def look() -> Tagged:
        answer = tally.client("ecr").batch_get_image(
            repositoryName=repository, imageIds=[{"imageTag": t} for t in tags],
            acceptedMediaTypes=ACCEPTED_MEDIA_TYPES)
        images = answer.get("images", [])
        # missing tags come from failures: moto names the image's last tag, not the requested one
        failed = {f.get("imageId", {}).get("imageTag") for f in answer.get("failures", [])}
        missing = tags if not images else tuple(t for t in tags if t in failed)
        digests = frozenset(i["imageId"]["imageDigest"] for i in images)
        if missing:
            return Tagged(tags, missing, digests)
        first = images[0]
        media_type = first.get("imageManifestMediaType")
        return Tagged(tags, missing, digests, media_type,
                      platforms(first["imageManifest"], media_type))
    return look


ACCEPTORS = (
    Acceptor(RETRY, lambda t: bool(t.missing), "not every tag is pushed yet"),
    Acceptor(RETRY, lambda t: not t.one_image, "the tags are on different images"),
    Acceptor(FAILURE, lambda t: t.platforms is None,
             "the image is a single-platform manifest, not a multi-arch manifest list / OCI index"),
    Acceptor(FAILURE, lambda t: bool(t.absent_platforms), "the image lacks a required platform"),
    Acceptor(SUCCESS, lambda t: True, "one multi-arch image carries every tag"),
)


def _pace() -> Callable[[Tagged], Pace]:
    """Once a tag is pushed, or moved (`latest` was on the previous image), the rest is seconds
    away; until then nothing says when."""
    first: list[Tagged] = []

    def pace(tagged: Tagged) -> Pace:
        first[:] = first or [tagged]
        pushed = len(tagged.missing) < len(first[0].missing) or bool(tagged.digests - first[0].digests)
        return NEAR if pushed else STEADY
    return pace


def ecr_tags_wait(target: Target, repository: str, tags: Iterable[str], *, policy: Policy = ECR_TAGS,
                  events: EventSource | None = None) -> Wait:
    tags, tally = tuple(tags), Tally(target)
    return Wait(
        name="ecr-tags", probe=_probe(tally, repository, tags), acceptors=ACCEPTORS,
        policy=policy, show=str, hint=HINT, pace=_pace(), events=events, spent=lambda: tally.calls,
        wakes=events_mod.wakes_ecr(repository, tags),
        expected=(f"one image in {repository} tagged {', '.join(tags)} with platforms "
                  f"{', '.join(REQUIRED_PLATFORMS)}"),
    )


def wait_for_tags(target: Target, repository: str, tags: Iterable[str], *, policy: Policy = ECR_TAGS,
                  clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
                  events: EventSource | None = None) -> Outcome:
    wait = ecr_tags_wait(target, repository, tags, policy=policy, events=events)
    return run(wait, clock=clock, sleep=sleep)


@dataclass(frozen=True)
class Scan:
    digest: str
    status: str  # NOT_STARTED when ECR has no scan for the image yet
    description: str = ""

    def __str__(self) -> str:
        return f"scan of {self.digest[:19]} {self.status} {self.description}".strip()


def _scan_probe(target: Target, repository: str, digest: str) -> Callable[[], Scan]:
    def look() -> Scan:
        try:
            found = target.client("ecr").describe_image_scan_findings(
                repositoryName=repository, imageId={"imageDigest": digest})
        except botocore.exceptions.ClientError as err:
            if err.response["Error"]["Code"] != "ScanNotFoundException":
                raise
            return Scan(digest, "NOT_STARTED")
        status = found.get("imageScanStatus", {})
        return Scan(digest, status.get("status", "UNKNOWN"), status.get("description", ""))
    return look


SCAN_ACCEPTORS = (
    Acceptor(SUCCESS, lambda s: s.status == "COMPLETE", "the scan-on-push result is in"),
    Acceptor(FAILURE, lambda s: s.status in ("FAILED", "UNSUPPORTED_IMAGE",
                                             "SCAN_ELIGIBILITY_EXPIRED", "FINDINGS_UNAVAILABLE"),
             "the scan did not complete"),
)


def scan_wait(target: Target, repository: str, digest: str, *, policy: Policy = ECR_SCAN) -> Wait:
    return Wait(
        name="ecr-scan", probe=_scan_probe(target, repository, digest), acceptors=SCAN_ACCEPTORS,
        policy=policy, show=str, expected=f"scan-on-push of {digest} COMPLETE",
        hint='the repository needs "Scan on push" enabled (tutorial Step 1)',
    )


def wait_for_scans(target: Target, repository: str, tagged: Tagged, *, policy: Policy = ECR_SCAN,
                   clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> list[Outcome]:
    """Scan-on-push results of each required platform's image (ECR scans images, not indexes)."""
    found = tagged.platforms or {}
    return [run(scan_wait(target, repository, found[p], policy=policy), clock=clock, sleep=sleep)
            for p in REQUIRED_PLATFORMS]


def tags_of(text: str | None) -> list[str]:
    """The tags of a comma-separated --tags, blanks around them stripped, each once (only commas
    and blanks name no tag)."""
    tags = (t.strip() for t in (text or "").split(","))
    return list(dict.fromkeys(t for t in tags if t))


def check_tags(tags: list[str]) -> list[str]:
    """Tags as ECR takes them in one BatchGetImage."""
    if len(tags) > MAX_TAGS:
        raise ConfigError(f"--tags names {len(tags)} tags: at most {MAX_TAGS}")
    long = next((t for t in tags if len(t) > MAX_TAG_LENGTH), None)
    if long is not None:
        raise ConfigError(f"--tags: an ECR tag has at most {MAX_TAG_LENGTH} characters, not "
                          f"{len(long)} ({long[:20]}…)")
    return tags


def _run(asked: Asked) -> tuple[Outcome, dict[str, Any]]:
    """`wait ecr-tags`: with --scan, its report adds each platform image's scan-on-push result."""
    target, watched = asked.aws()
    outcome = wait_for_tags(target, watched.repository, asked.values["tags"], policy=asked.policy,
                            events=asked.events)
    if not asked.values["scan"]:
        return outcome, {}
    scans = wait_for_scans(target, watched.repository, outcome.observation)
    return outcome, {"scans": [str(s.observation) for s in scans]}


DECLARED = Declared(name="ecr-tags", policy=ECR_TAGS, run=_run, options=(
    Option(flag="--tags", required=True, value=tags_of, check=check_tags,
           help="comma-separated tags one image must carry"),
    Option(flag="--scan", switch=True, help="also wait for the scan-on-push result"),
))
