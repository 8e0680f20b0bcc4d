"""Links `pushed` and `image`: the image tagged with the commit's short hash C[:7] was pushed while
the execution's build ran, also carries `latest` and the build number N, and holds distinct
linux/amd64 and linux/arm64 images, each judged by its own config.

Which call proves what:
- DescribeImages (the image tagged C[:7]): its digest, its tags (`latest`, N) and `imagePushedAt`,
  which must fall between the build's `startTime` and `endTime`;
- BatchGetImage (that digest): the index and the images it lists;
- BatchGetImage (those images' digests), GetDownloadUrlForLayer (each one's config blob) and one
  bounded GET of the blob (waits/fetch.py, at most ecr_tags.CONFIG_CAP bytes, its sha256 checked):
  each image's `os`/`architecture`. The index's platform labels are not believed.
The commit tag is C[:7] whatever its characters (an all-digit short hash too), the build tag N
exactly: both come from the links before, not from the tags' shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline_harness.grading.evidence import build as build_link
from pipeline_harness.grading.evidence import execution as execution_link
from pipeline_harness.grading.evidence.build import Build
from pipeline_harness.grading.evidence.execution import Execution
from pipeline_harness.grading.evidence.link import Judging, Link, at, gap, reads, within
from pipeline_harness.targets.context import Context
from pipeline_harness.waits import ecr_tags
from pipeline_harness.waits.addresses import PUBLIC, PUBLIC_OR_LOOPBACK, AddressPolicy

PUSHED = "the image tagged with the commit's short hash was pushed while the execution's build ran"
IMAGE = ("that image also carries `latest` and the build number, and holds distinct linux/amd64 and "
         "linux/arm64 images by their own configs")
PUSH_BY_THE_PIPELINE = ("push images only from the pipeline's build (the tutorial's buildspec pushes "
                        f"the commit hash, `latest` and the build number): {execution_link.RUN_AGAIN}")


@dataclass(frozen=True)
class Pushed:
    tag: str  # C[:7]
    digest: str  # what the tag points at: the index (or a single image)
    tags: tuple[str, ...]
    pushed_at: datetime | None
    media_type: str | None
    listed: dict[str, str] | None  # the index's images, digest → label (None: a single image)

    @property
    def digests(self) -> frozenset[str]:
        """What a task running this image reports: the index's digest or one of its images'."""
        return frozenset({self.digest, *(self.listed or {})})


def addresses(ctx: Context) -> AddressPolicy:
    """Where a read of something served over HTTP may connect: public addresses on AWS; this machine
    too where the target serves from it (its load balancers and its blobs alike)."""
    return PUBLIC_OR_LOOPBACK if ctx.target.quirks.load_balancers_on_loopback else PUBLIC


@reads("pushed", PUSHED)
def pushed(ctx: Context, judging: Judging) -> Link:
    built_link = ctx.read(build_link.build)
    if not judging.rests_on(built_link):
        return judging.link()
    ran: Execution = ctx.read(execution_link.execution).facts
    built: Build = built_link.facts
    missing = gap(ctx, ("ecr", "DescribeImages"), ("ecr", "BatchGetImage"))
    if missing:
        judging.gap(missing)
        return judging.link()
    ecr, repository, tag = ctx.client("ecr"), ctx.names.ecr_repository, ran.short
    try:
        detail = ecr.describe_images(repositoryName=repository,
                                     imageIds=[{"imageTag": tag}])["imageDetails"][0]
    except (ecr.exceptions.RepositoryNotFoundException, ecr.exceptions.ImageNotFoundException):
        judging.breaks(f"no image in {repository} is tagged {tag}, the short hash of "
                       f"execution {ran.id}'s commit", PUSH_BY_THE_PIPELINE)
        return judging.link()
    digest, when = detail["imageDigest"], detail.get("imagePushedAt")
    judging.compare(within(when, built.started, built.ended),
                    f"{tag} on {digest[:19]}…, pushed at {at(when)} while {built} ran",
                    f"the image tagged {tag} ({digest[:19]}…) was pushed at {at(when)}, but build "
                    f"{built.id} ran from {at(built.started)} to {at(built.ended)}: it is not the image that "
                    "build pushed",
                    PUSH_BY_THE_PIPELINE)
    answer = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageDigest": digest}],
                                 acceptedMediaTypes=ecr_tags.ACCEPTED_MEDIA_TYPES)
    images = answer.get("images", [])
    if not judging.compare(bool(images), "", f"the image {digest[:19]}… tagged {tag} has no manifest "
                           "ECR can return", PUSH_BY_THE_PIPELINE):
        return judging.link()
    media_type = images[0].get("imageManifestMediaType") or detail.get("imageManifestMediaType")
    listed = ecr_tags.listed_images(images[0].get("imageManifest", "{}"), media_type)
    return judging.link(Pushed(tag, digest, tuple(detail.get("imageTags", [])), when, media_type, listed))


@reads("image", IMAGE)
def image(ctx: Context, judging: Judging) -> Link:
    pushed_link = ctx.read(pushed)
    if not judging.rests_on(pushed_link):
        return judging.link()
    found: Pushed = pushed_link.facts
    number = ctx.read(build_link.build).facts.number
    absent = [t for t in ("latest", number) if t not in found.tags]
    judging.compare(not absent, f"tagged {', '.join((found.tag, 'latest', number))}",
                    f"the image tagged {found.tag} carries {', '.join(found.tags)}: no "
                    + " and no ".join(f"`{t}`" for t in absent)
                    + (" (the build number)" if number in absent else ""),
                    "the buildspec pushes three tags: the commit hash, `latest` and $CODEBUILD_BUILD_NUMBER "
                    f"(tutorial Step 7); {execution_link.RUN_AGAIN}")
    if found.listed is None:
        judging.breaks(f"the image tagged {found.tag} is a single-platform manifest "
                       f"({found.media_type}), not a multi-arch index",
                       "build with docker buildx --platform linux/amd64,linux/arm64 --push "
                       "(tutorial Step 5)")
        return judging.link()
    judging.compare(len(found.listed) <= ecr_tags.MAX_IMAGES, "",
                    f"the index lists {len(found.listed)} images; the grader reads at most "
                    f"{ecr_tags.MAX_IMAGES}",
                    "push one image per platform: linux/amd64 and linux/arm64")
    missing = gap(ctx, ("ecr", "GetDownloadUrlForLayer"))
    if missing:
        judging.gap(f"platforms not judged by their configs: {missing}")
        return judging.link()
    images = ecr_tags.platform_images(ctx, ctx.names.ecr_repository, found.listed, addresses=addresses(ctx))
    absent_platforms = ecr_tags.missing_platforms(images)
    unread = next((i for i in images if i.unread), None)
    if absent_platforms and unread is not None:  # what could not be read may be the missing one
        judging.unreadable(f"image {unread}")
        return judging.link()
    judging.compare(not absent_platforms,
                    "images " + ", ".join(f"{i.platform} {i.digest[:19]}…" for i in images),
                    f"the index tagged {found.tag} lists {len(images)} image(s): "
                    + "; ".join(map(str, images))
                    + f" — no image of its own is {', '.join(absent_platforms)}",
                    "build one image per platform with docker buildx --platform linux/amd64,linux/arm64 "
                    "--push (tutorial Step 5); an index listing one image twice, or labelling an amd64 "
                    "image arm64, is one platform")
    return judging.link({i.platform: i.digest for i in images if i.platform})
