"""Build and serve the sample app with a local Docker engine, pulling nothing.

The base image stands in for the official php:apache image, made from Debian's own apache2 and
PHP packages by debootstrap and imported into the engine. It keeps what sample_app/Dockerfile
relies on — Apache with mod_php on port 80, docroot /var/www/html, and `apache2-foreground` as
CMD — so the same Dockerfile builds on either base. It is tagged by a hash of everything that
goes into it, so a second run finds it in the engine and reuses it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors
import requests
import tenacity

from pipeline_harness.core.errors import HarnessError, Unsupported
from pipeline_harness.lint.dockerfile import BASE_ARGUMENT

BASE_REPOSITORY = "pipeline-harness/php-apache-base"
APP_REPOSITORY = "pipeline-harness/sample-app"
LABEL = "pipeline-harness"
SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("apache2", "libapache2-mod-php", "php-cli")
SAMPLE_APP = Path(__file__).resolve().parents[2] / "sample_app"

# Like the official image's script: Apache refuses to start over a stale PID file, and the
# run/lock/log directories may be missing in a fresh container.
APACHE2_FOREGROUND = """#!/bin/sh
set -e
. /etc/apache2/envvars
mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
rm -f "$APACHE_PID_FILE"
exec apache2 -DFOREGROUND "$@"
"""
IMAGE_CONFIG = (
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "WORKDIR /var/www/html",
    "EXPOSE 80",
    f"LABEL {LABEL}=php-apache-base",
    'CMD ["apache2-foreground"]',
)
# the official image sends Apache's logs to the container's output
LOG_LINKS = {"access.log": "/dev/stdout", "other_vhosts_access.log": "/dev/stdout",
             "error.log": "/dev/stderr"}


@dataclass(frozen=True)
class BaseImage:
    ref: str
    built: bool  # False when the engine already had it


@dataclass(frozen=True)
class RunningApp:
    container_id: str
    url: str


def base_image_ref(packages: tuple[str, ...] = BASE_PACKAGES, suite: str = SUITE) -> str:
    """The tag for a base made of these packages and this setup; changes when any of it does."""
    recipe = json.dumps({"suite": suite, "packages": sorted(packages), "config": IMAGE_CONFIG,
                         "foreground": APACHE2_FOREGROUND, "logs": LOG_LINKS}, sort_keys=True)
    return f"{BASE_REPOSITORY}:{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def ensure_base_image(client: docker.DockerClient, packages: tuple[str, ...] = BASE_PACKAGES,
                      mirror: str = DEBIAN_MIRROR) -> BaseImage:
    """The local PHP Apache base, built with debootstrap only when the engine lacks it."""
    ref = base_image_ref(packages)
    try:
        client.images.get(ref)
        return BaseImage(ref, built=False)
    except docker.errors.ImageNotFound:
        pass
    if not shutil.which("debootstrap"):
        raise Unsupported("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise Unsupported("debootstrap needs root to build the base image")
    with tempfile.TemporaryDirectory(prefix="php-apache-rootfs-") as scratch:
        rootfs = Path(scratch) / "rootfs"
        _debootstrap(rootfs, packages, mirror)
        _make_like_official(rootfs)
        _import(client, rootfs, ref)
    return BaseImage(ref, built=True)


def _debootstrap(rootfs: Path, packages: tuple[str, ...], mirror: str) -> None:
    command = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", SUITE,
               str(rootfs), mirror]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
        raise HarnessError(f"debootstrap of {SUITE} from {mirror} failed "
                           f"(exit {done.returncode}):\n{tail}")


def _make_like_official(rootfs: Path) -> None:
    foreground = rootfs / "usr/local/bin/apache2-foreground"
    foreground.write_text(APACHE2_FOREGROUND)
    foreground.chmod(0o755)
    # Debian's placeholder would win over index.php in DirectoryIndex
    (rootfs / "var/www/html/index.html").unlink(missing_ok=True)
    for name, target in LOG_LINKS.items():
        link = rootfs / "var/log/apache2" / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (rootfs / cache).glob("*"):
            if entry.is_file():
                entry.unlink()


def _import(client: docker.DockerClient, rootfs: Path, ref: str) -> None:
    repository, tag = ref.rsplit(":", 1)
    tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = tar.stdout, tar.stderr
    assert out is not None and err is not None  # both are pipes
    try:
        client.api.import_image(src=iter(lambda: out.read(1 << 20), b""),
                                repository=repository, tag=tag, changes=list(IMAGE_CONFIG),
                                stream_src=True)
    finally:
        out.close()
        stderr = err.read().decode(errors="replace")
        err.close()
        if tar.wait() != 0:
            raise HarnessError(f"tar of the base rootfs failed: {stderr.strip()}")
    client.images.get(ref)


def build_app_image(client: docker.DockerClient, base: str, version: str,
                    context: Path = SAMPLE_APP) -> docker.models.images.Image:
    """sample_app/ built on `base` with APP_VERSION=version, as CodeBuild's buildx would."""
    try:
        image, _ = client.images.build(
            path=str(context), tag=f"{APP_REPOSITORY}:{version}", pull=False, rm=True,
            forcerm=True, buildargs={BASE_ARGUMENT: base, "APP_VERSION": version},
            labels={LABEL: "sample-app"})
    except docker.errors.BuildError as err:
        log = "".join(chunk.get("stream", "") for chunk in err.build_log)
        raise HarnessError(f"docker build of {context} failed: {err.msg}\n{log[-2000:]}") from None
    return image


def run_app(client: docker.DockerClient, image: str, port: int = 80,
            health_path: str = "/health.php", deadline: float = 30,
            health_interval: float | None = None) -> RunningApp:
    """Start the image with its port published on 127.0.0.1 only; return once health answers.

    `health_interval` (seconds) runs the image's own HEALTHCHECK command that often instead of
    its interval: the engine keeps the command and overrides only the timing.
    """
    timing = {"healthcheck": {"interval": int(health_interval * 1e9), "start_period": 0}} \
        if health_interval else {}
    container = client.containers.run(image, detach=True, labels={LABEL: "sample-app"},
                                      ports={f"{port}/tcp": ("127.0.0.1", None)}, **timing)
    try:
        container.reload()
        host_port = container.ports[f"{port}/tcp"][0]["HostPort"]
        app = RunningApp(container.id, f"http://127.0.0.1:{host_port}")
        wait_until_serving(app.url + health_path, deadline)
    except BaseException:
        container.remove(force=True)
        raise
    return app


def wait_until_serving(url: str, deadline: float = 30) -> requests.Response:
    """The first 200 from url, retried until the deadline; HarnessError with what was last seen."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_delay(deadline), wait=tenacity.wait_fixed(0.25),
        retry=tenacity.retry_if_exception_type(requests.RequestException)
        | tenacity.retry_if_result(lambda response: response.status_code != 200),
        retry_error_callback=_last_seen,
    )
    outcome = retrying(requests.get, url, timeout=2)
    if isinstance(outcome, requests.Response) and outcome.status_code == 200:
        return outcome
    raise HarnessError(f"{url} did not answer 200 within {deadline:g}s: last saw {_describe(outcome)}")


def _last_seen(state: tenacity.RetryCallState) -> object:
    """The last attempt's answer or error (not its Future), for the message."""
    last = state.outcome
    if last is None:
        return None
    return last.exception() or last.result()


def _describe(outcome: object) -> str:
    if isinstance(outcome, requests.Response):
        return f"HTTP {outcome.status_code}"
    return f"{type(outcome).__name__}: {outcome}"


def remove_container(client: docker.DockerClient, container_id: str) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        client.containers.get(container_id).remove(force=True)
