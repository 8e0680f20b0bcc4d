"""What a pipeline's first run leaves in the student's account, where the emulator runs nothing: an
execution, the source and build artifacts in the artifact bucket under the keys CodePipeline gives
them, and the image pushed with its three tags.

CodePipeline stores an action's output artifact as a zip at `<pipeline name, first 20 characters>/
<artifact name, first 10>/<7 random characters>` in the artifact store (e.g.
`dev-php-app-pipeline/SourceArti/gZkH2iH`, as AWS's own examples and build logs show).
"""

from __future__ import annotations

import io
import json
import secrets
import string
import zipfile
from collections.abc import Mapping

from pipeline_harness.targets.base import Target
from pipeline_harness.waits.ecr_tags import OCI_INDEX

COMMIT, BUILD = "3f2c9a1", "42"
_KEY_CHARACTERS = string.ascii_letters + string.digits


def zipped(files: Mapping[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return out.getvalue()


def artifact_key(pipeline: str, artifact: str) -> str:
    return f"{pipeline[:20]}/{artifact[:10]}/{''.join(secrets.choice(_KEY_CHARACTERS) for _ in range(7))}"


def store_artifact(target: Target, bucket: str, pipeline: str, artifact: str,
                   files: Mapping[str, str]) -> str:
    key = artifact_key(pipeline, artifact)
    target.client("s3").put_object(Bucket=bucket, Key=key, Body=zipped(files))
    return key


def definitions(container: str, image: str) -> str:
    """imagedefinitions.json as the tutorial's buildspec writes it (printf, no spaces)."""
    return json.dumps([{"name": container, "imageUri": image}], separators=(",", ":"))


def index(platforms: tuple[str, ...]) -> str:
    """An OCI image index of one image per platform, as `docker buildx build --push` makes."""
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json",
         "digest": f"sha256:{i}" + "0" * 63, "size": 1000,
         "platform": {"os": "linux", "architecture": arch}}
        for i, arch in enumerate(platforms, start=1)]})


def push(target: Target, repository: str, platforms: tuple[str, ...], tags: tuple[str, ...]) -> None:
    ecr, manifest = target.client("ecr"), index(platforms)
    for tag in tags:
        ecr.put_image(repositoryName=repository, imageManifest=manifest,
                      imageManifestMediaType=OCI_INDEX, imageTag=tag)
