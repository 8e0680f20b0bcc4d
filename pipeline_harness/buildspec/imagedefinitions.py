"""Lint an imagedefinitions.json: what the ECS deploy action reads to pick the new image."""

from __future__ import annotations

import json
import re
import sys

import yaml
from yaml.nodes import Node, SequenceNode

from pipeline_harness.buildspec import yamlnodes
from pipeline_harness.buildspec.findings import Finding, fatal
from pipeline_harness.settings import Settings

# an ECR registry's hosts, as the AWS General Reference's "Amazon ECR endpoints and quotas" lists
# them: IPv4 (also in China, amazonaws.com.cn), FIPS, and dual-stack (IPv6) with or without FIPS
_REGISTRY = (r"\d{12}\.(?:dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?"
             r"|dkr\.ecr-fips\.[a-z0-9-]+\.amazonaws\.com|dkr-ecr(?:-fips)?\.[a-z0-9-]+\.on\.aws)")
_URI = re.compile(_REGISTRY + r"/(?P<repository>[a-z0-9][a-z0-9._/-]*)"
                  r"(?::(?P<tag>[\w][\w.-]{0,127})|@sha256:[0-9a-f]{64})?")
EXAMPLE = ('[{"name": "php-app-container", '
           '"imageUri": "<account>.dkr.ecr.<region>.amazonaws.com/my-ecs-php-app:<commit>"}]')


def lint_text(text: str, path: str, settings: Settings) -> list[Finding]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise fatal(path, err.lineno, "json-invalid", f"invalid JSON: {err.msg}",
                    f"write it as {EXAMPLE}") from None
    except RecursionError:
        raise fatal(path, None, "json-invalid", "invalid JSON: nested too deeply",
                    f"write it as {EXAMPLE}") from None
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise fatal(path, None, "json-invalid",
                    f"invalid JSON: a number has more than {_max_digits()} digits",
                    f"write it as {EXAMPLE}") from None
    lines = _entry_lines(text)
    if not isinstance(data, list) or not data:
        return [Finding(path, 1, "definitions-shape",
                        "imagedefinitions.json must be a non-empty list of {name, imageUri}",
                        f"write it as {EXAMPLE}")]
    return [finding for index, entry in enumerate(data)
            for finding in _entry(path, lines.get(index, 1), entry, settings)]


def _max_digits() -> int:
    return sys.get_int_max_str_digits() or 4300


def _entry_lines(text: str) -> dict[int, int]:
    """Line of each list entry, when YAML can read the JSON (it can, nearly always)."""
    try:
        root: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return {}
    values = root.value if isinstance(root, SequenceNode) else []
    return {index: yamlnodes.line(node) for index, node in enumerate(values)}


def _entry(path: str, line: int, entry, settings: Settings):
    if not isinstance(entry, dict) or not {"name", "imageUri"} <= set(entry):
        yield Finding(path, line, "definitions-shape",
                      f"entry {json.dumps(entry)[:80]} is not an object with name and imageUri",
                      f"write it as {EXAMPLE}")
        return
    name, uri = str(entry["name"]), str(entry["imageUri"])
    container = settings.container
    for field, value in (("name", name), ("imageUri", uri)):
        if "$" in value:
            yield Finding(path, line, "unexpanded-variable",
                          f"{field} {value!r} holds a shell variable that was never expanded",
                          "write the file with printf/echo and double quotes around variables, "
                          "not inside single quotes")
    if name != container and "$" not in name:
        yield Finding(path, line, "definitions-name",
                      f"name {name!r} is not the task definition's container {container!r}: ECS "
                      "deploys nothing new and the old image keeps running (tutorial Common Issues)",
                      f"use \"name\": \"{container}\" (from $CONTAINER_NAME)")
    yield from _uri(path, line, uri, settings)


def _uri(path: str, line: int, uri: str, settings: Settings):
    if "$" in uri:
        return
    match = _URI.fullmatch(uri)
    repository = f"{settings.prefix}{settings.ecr_repository}"
    if not match:
        yield Finding(path, line, "image-uri",
                      f"imageUri {uri!r} is not an ECR image URI",
                      f"use <account>.dkr.ecr.<region>.amazonaws.com/{repository}:<commit>")
    elif match["repository"] != repository:
        yield Finding(path, line, "image-repository",
                      f"imageUri points at repository {match['repository']!r}, not {repository!r}",
                      f"push to and name {repository} (tutorial Step 1)")
    elif not match["tag"] and "@" not in uri:
        yield Finding(path, line, "image-uri",
                      f"imageUri {uri!r} has no tag, so ECS deploys whatever :latest is then",
                      "append the commit tag, :<short commit hash>")
