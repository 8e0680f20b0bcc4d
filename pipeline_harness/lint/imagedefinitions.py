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
from collections.abc import Iterator

import yaml
from yaml.nodes import Node, SequenceNode

from pipeline_harness.lint import yamlnodes
from pipeline_harness.lint.findings import GENERIC, LAB, Finding, Rule
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
_FILE = "imagedefinitions.json"
_REFERENCE_DOC = ("CodePipeline User Guide, \"Image definitions file reference\" (imagedefinitions.json "
                  "for Amazon ECS standard deployment actions: a JSON list of name and imageUri)")
_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-ecs-php-app:abc1234"

JSON_INVALID = Rule(
    id="json-invalid", rule_set=GENERIC, example_file=_FILE,
    summary="an imagedefinitions.json that is not valid JSON (fatal)",
    why="the ECS deploy action cannot read which image to deploy, and the Deploy stage fails",
    source=f"{_REFERENCE_DOC}; RFC 8259 (JSON)",
    example='[{"name": "php-app-container", "imageUri": "' + _IMAGE + '",}]\n',
    fix=f"write it as {EXAMPLE}")
DEFINITIONS_SHAPE = Rule(
    id="definitions-shape", rule_set=GENERIC, example_file=_FILE,
    summary="an imagedefinitions.json that is not a list of `{name, imageUri}`",
    why="the ECS deploy action reads a list of objects, each naming a container and its image; a "
        "file of another shape names no image, and the Deploy stage fails",
    source=_REFERENCE_DOC,
    example='{"name": "php-app-container", "imageUri": "' + _IMAGE + '"}\n',
    fix=f"write it as {EXAMPLE}")
UNEXPANDED_VARIABLE = Rule(
    id="unexpanded-variable", rule_set=GENERIC, example_file=_FILE,
    summary="a `$VARIABLE` left unexpanded in imagedefinitions.json",
    why="ECS takes the text as written: a container named `$CONTAINER_NAME`, or an image "
        "`$REPOSITORY_URI:$COMMIT_HASH` no registry holds, so the deployment fails. The shell "
        "expands variables inside double quotes, not inside single quotes",
    source=f"Bash Reference Manual, 3.1.2.2 \"Single Quotes\"; {_REFERENCE_DOC}",
    example='[{"name": "php-app-container", "imageUri": "$REPOSITORY_URI:$COMMIT_HASH"}]\n',
    fix="write the file with printf/echo and double quotes around variables, not inside single quotes")
DEFINITIONS_NAME = Rule(
    id="definitions-name", rule_set=LAB, example_file=_FILE,
    summary="a container name in imagedefinitions.json that is not `$CONTAINER_NAME` / the task "
            "definition's container",
    why="the ECS deploy action updates the container of that name: a name that is not the task "
        "definition's container deploys nothing new, and the old image keeps running",
    source="the tutorial's Common Issues (\"Deployment succeeds but old image still running\": check "
           "imagedefinitions.json container name matches task definition) and Step 5 "
           "(`CONTAINER_NAME` is `php-app-container`)",
    example='[{"name": "web", "imageUri": "' + _IMAGE + '"}]\n',
    fix="name the task definition's container, from $CONTAINER_NAME")
IMAGE_URI = Rule(
    id="image-uri", rule_set=GENERIC, example_file=_FILE,
    summary="an imageUri that is no image reference ECS can pull (distribution/reference's grammar: "
            "`[registry[:port]/]repository[:tag][@digest]`, any registry); with `lab`, no ECR image "
            "URI (`dkr.ecr`, FIPS `dkr.ecr-fips`, dual-stack `dkr-ecr` or `dkr-ecr-fips` on "
            "`on.aws`), or one without a tag",
    why="the deployment's tasks cannot pull the image and fail to start. No tag is `:latest`, "
        "pulled again at each deployment: no failure, so only `lab` (which asks for the commit's "
        "tag) reports it",
    source="ECS API Reference, ContainerDefinition.image (\"Images in the Docker Hub registry are "
           "available by default. Other repositories are specified with either "
           "repository-url/image:tag or repository-url/image@digest\"); the grammar is "
           "distribution/reference's (reference/regexp.go); the ECR hosts are the AWS General "
           "Reference's \"Amazon ECR endpoints and quotas\"",
    example='[{"name": "php-app-container", "imageUri": "https://registry.example.com/App:1"}]\n',
    fix="write <registry>/<repository>:<tag>, without a scheme, spaces or capitals")
IMAGE_REPOSITORY = Rule(
    id="image-repository", rule_set=LAB, example_file=_FILE,
    summary="an imageUri that is not in the lab's ECR repository",
    why="the build pushes to the lab's repository, so an image of another repository is not the one "
        "the build made",
    source="the tutorial's Step 1 (the ECR repository `my-ecs-php-app`)",
    example='[{"name": "php-app-container", "imageUri": '
            '"123456789012.dkr.ecr.us-east-1.amazonaws.com/other-app:abc1234"}]\n',
    fix="push to and name the lab's repository (tutorial Step 1)")


def lint_text(text: str, path: str, settings: Settings, lab: bool = True) -> list[Finding]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise JSON_INVALID.unparsable(path, err.lineno, f"invalid JSON: {err.msg}") from None
    except RecursionError:
        raise JSON_INVALID.unparsable(path, None, "invalid JSON: nested too deeply") from None
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise JSON_INVALID.unparsable(path, None, f"invalid JSON: a number has more than {_max_digits()} "
                                      "digits") from None
    lines = _entry_lines(text)
    if not isinstance(data, list) or not data:
        return [DEFINITIONS_SHAPE.at(path, 1,
                                     "imagedefinitions.json must be a non-empty list of {name, imageUri}")]
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


def _entry(path: str, line: int, entry: object, settings: Settings, lab: bool) -> Iterator[Finding]:
    if not isinstance(entry, dict) or not {"name", "imageUri"} <= set(entry):
        yield DEFINITIONS_SHAPE.at(path, line,
                                   f"entry {json.dumps(entry)[:80]} is not an object with name and imageUri")
        return
    name, uri = str(entry["name"]), str(entry["imageUri"])
    container = settings.container
    for field, value in (("name", name), ("imageUri", uri)):
        if "$" in value:
            yield UNEXPANDED_VARIABLE.at(path, line,
                                         f"{field} {value!r} holds a shell variable that was never expanded")
    if name != container and "$" not in name:
        yield DEFINITIONS_NAME.at(path, line,
                                  f"name {name!r} is not the task definition's container {container!r}: "
                                  "ECS deploys nothing new and the old image keeps running (tutorial "
                                  "Common Issues)", f"use \"name\": \"{container}\" (from $CONTAINER_NAME)")
    yield from _lab_uri(path, line, uri, settings) if lab else _uri(path, line, uri)


def _uri(path: str, line: int, uri: str) -> Iterator[Finding]:
    if "$" in uri:
        return
    # no tag is :latest, which ECS pulls again at each deployment: not a failure (the lab asks
    # for the commit's tag)
    if not _REFERENCE.fullmatch(uri):
        yield IMAGE_URI.at(path, line,
                           f"imageUri {uri!r} is not an image reference ECS can pull "
                           "([registry/]repository[:tag][@digest]), so the deployment's tasks fail to "
                           "start")


def _untagged(path: str, line: int, uri: str) -> Finding:
    return IMAGE_URI.at(path, line,
                        f"imageUri {uri!r} has no tag, so ECS deploys whatever :latest is then",
                        "append the commit tag, :<short commit hash>")


def _lab_uri(path: str, line: int, uri: str, settings: Settings) -> Iterator[Finding]:
    if "$" in uri:
        return
    match = _URI.fullmatch(uri)
    repository = f"{settings.prefix}{settings.ecr_repository}"
    if not match:
        yield IMAGE_URI.at(path, line,
                           f"imageUri {uri!r} is not an ECR image URI",
                           f"use <account>.dkr.ecr.<region>.amazonaws.com/{repository}:<commit>")
    elif match["repository"] != repository:
        yield IMAGE_REPOSITORY.at(path, line,
                                  f"imageUri points at repository {match['repository']!r}, not "
                                  f"{repository!r}", f"push to and name {repository} (tutorial Step 1)")
    elif not match["tag"] and "@" not in uri:
        yield _untagged(path, line, uri)
