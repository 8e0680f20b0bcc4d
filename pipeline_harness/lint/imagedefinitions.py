"""Lint an imagedefinitions.json: what the ECS deploy action reads to pick the new image.

ECS pulls an image from any registry ("Images in the Docker Hub registry are available by
default. Other repositories are specified with either repository-url/image:tag or
repository-url/image@digest", ContainerDefinition.image in the ECS API Reference), so the generic
rules ask for an image reference as Docker's reference grammar writes it (distribution/reference);
the lab's rules ask for the lab's ECR repository.
"""

from __future__ import annotations

import json
import re
import sys

import yaml
from yaml.nodes import Node, SequenceNode

from pipeline_harness.lint import yamlnodes
from pipeline_harness.lint.findings import Finding, fatal
from pipeline_harness.settings import Settings

# an ECR registry's hosts, as the AWS General Reference's "Amazon ECR endpoints and quotas" lists
# them: IPv4 (also in China, amazonaws.com.cn), FIPS, and dual-stack (IPv6) with or without FIPS
_REGISTRY = (r"\d{12}\.(?:dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?"
             r"|dkr\.ecr-fips\.[a-z0-9-]+\.amazonaws\.com|dkr-ecr(?:-fips)?\.[a-z0-9-]+\.on\.aws)")
_URI = re.compile(_REGISTRY + r"/(?P<repository>[a-z0-9][a-z0-9._/-]*)"
                  r"(?::(?P<tag>[\w][\w.-]{0,127})|@sha256:[0-9a-f]{64})?")
# distribution/reference's grammar (reference/regexp.go): [domain[:port]/]path[:tag][@digest]
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_REFERENCE = re.compile(
    rf"(?:(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?/)?"
    rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?")
EXAMPLE = ('[{"name": "php-app-container", '
           '"imageUri": "<account>.dkr.ecr.<region>.amazonaws.com/my-ecs-php-app:<commit>"}]')


def lint_text(text: str, path: str, settings: Settings, lab: bool = True) -> list[Finding]:
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
            for finding in _entry(path, lines.get(index, 1), entry, settings, lab)]


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


def _entry(path: str, line: int, entry, settings: Settings, lab: bool):
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
    yield from _lab_uri(path, line, uri, settings) if lab else _uri(path, line, uri)


def _uri(path: str, line: int, uri: str):
    if "$" in uri:
        return
    # no tag is :latest, which ECS pulls again at each deployment: not a failure (the lab asks
    # for the commit's tag)
    if not _REFERENCE.fullmatch(uri):
        yield Finding(path, line, "image-uri",
                      f"imageUri {uri!r} is not an image reference ECS can pull "
                      "([registry/]repository[:tag][@digest]), so the deployment's tasks fail to start",
                      "write <registry>/<repository>:<tag>, without a scheme, spaces or capitals")


def _untagged(path: str, line: int, uri: str) -> Finding:
    return Finding(path, line, "image-uri",
                   f"imageUri {uri!r} has no tag, so ECS deploys whatever :latest is then",
                   "append the commit tag, :<short commit hash>")


def _lab_uri(path: str, line: int, uri: str, settings: Settings):
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
        yield _untagged(path, line, uri)
