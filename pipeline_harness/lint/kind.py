"""What a file is — buildspec, Dockerfile or imagedefinitions JSON — decided by what it holds.

A name says little: students keep `Dockerfile.prod`, `buildspec-docker.yml` and
`imagedefinitions.json.bak` side by side. The name only breaks a tie when the content says
nothing (text that is neither a Dockerfile nor valid JSON nor YAML).
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath

BUILDSPEC, DOCKERFILE, DEFINITIONS = "buildspec", "dockerfile", "imagedefinitions"

# Dockerfile instructions (Dockerfile reference); a Dockerfile starts with one of them, after
# comments and parser directives
_INSTRUCTION = re.compile(
    r"(?:FROM|ARG|RUN|CMD|LABEL|MAINTAINER|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR"
    r"|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\s", re.IGNORECASE)
_BUILDSPEC_KEYS = {"version", "phases", "batch", "artifacts", "env"}


def of(text: str, path: str = "") -> str:
    first = _first_statement(text)
    if _INSTRUCTION.match(first + " "):
        return DOCKERFILE
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or an integer over Python's 4300 digits
        data = None
    if data is not None:
        return BUILDSPEC if isinstance(data, dict) and _BUILDSPEC_KEYS & set(data) else DEFINITIONS
    if PurePath(path).suffix.lower() == ".json":
        return DEFINITIONS
    return BUILDSPEC


def _first_statement(text: str) -> str:
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return ""
