"""Print how long the Docker images of the sample app take to build, and how big they are.

    python benchmarks/image_build.py [--runs 3] [--keep-base]

The first base build is timed once (debootstrap + import, ~1 min); unless --keep-base is given,
the cached base image is removed first so that figure is a real first build. Cached lookups and
app builds (each a new commit, so the version layers rebuild) are medians over --runs.
Needs a Docker engine (.ci/docker-up) and, for the first build, root and debootstrap.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import docker
import docker.errors

from pipeline_harness.core.errors import EXIT_UNREACHABLE, HarnessError
from pipeline_harness.e2e import docker_images

T = TypeVar("T")


def timed(function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def megabytes(client: docker.DockerClient, ref: str) -> float:
    return client.images.get(ref).attrs["Size"] / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep-base", action="store_true",
                        help="do not remove the cached base first (the first figure is then a cache hit)")
    args = parser.parse_args()
    try:
        client = docker.from_env(timeout=300)
        client.ping()
    except docker.errors.DockerException as err:
        print(f"image_build: no Docker engine reachable ({err}); run .ci/docker-up", file=sys.stderr)
        return EXIT_UNREACHABLE
    ref = docker_images.base_image_ref()
    if not args.keep_base:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(ref, force=True)
    first, base = timed(docker_images.ensure_base_image, client)
    cached = [timed(docker_images.ensure_base_image, client)[0] for _ in range(args.runs)]
    app_times, app_size = [], 0.0
    for run in range(args.runs):
        seconds, image = timed(docker_images.build_app_image, client, base.ref, f"bench{run}{time.time_ns()}")
        app_times.append(seconds)
        app_size = image.attrs["Size"] / 1e6
        client.images.remove(image.id, force=True)
    print(f"base image first build (debootstrap + import): {first:.1f} s "
          f"({'built' if base.built else 'was cached'}, 1 run)")
    print(f"base image from cache: median {statistics.median(cached) * 1000:.1f} ms over {args.runs} runs")
    print(f"app image build (new commit on the cached base): median "
          f"{statistics.median(app_times):.2f} s over {args.runs} runs")
    print(f"image size: base {megabytes(client, base.ref):.1f} MB, app {app_size:.1f} MB")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except HarnessError as err:
        print(f"image_build: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
