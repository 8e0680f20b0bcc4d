"""Lint the sample app's Dockerfile: a base that is a build argument, and the served port."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline_harness.buildspec.findings import Finding, fatal
from pipeline_harness.settings import Settings

OFFICIAL_BASE = "php:8.3-apache"
# the official image on Docker Hub, or its mirror on ECR Public (no Docker Hub rate limits)
_OFFICIAL = re.compile(r"(?:(?:docker\.io/)?(?:library/)?|public\.ecr\.aws/docker/library/)"
                       r"php:[\w.-]*apache[\w.-]*(?:@sha256:[0-9a-f]{64})?")
_ARCHES = re.compile(r"\b(amd64|x86_64|aarch64|arm64)\b")
_FIX_BASE = f"ARG BASE_IMAGE={OFFICIAL_BASE} before FROM, then FROM ${{BASE_IMAGE}}"


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    arguments: str


def instructions(text: str) -> list[Instruction]:
    """Instructions with their first line; continuation lines joined, comments dropped."""
    found: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        pending.append(stripped[:-1] if stripped.endswith("\\") else stripped)
        if not stripped.endswith("\\"):
            keyword, _, arguments = " ".join(pending).partition(" ")
            found.append(Instruction(start, keyword.upper(), arguments.strip()))
            pending = []
    return found


def lint_text(text: str, path: str, settings: Settings) -> list[Finding]:
    steps = instructions(text)
    froms = [i for i in steps if i.keyword == "FROM"]
    if not froms:
        raise fatal(path, None, "not-a-dockerfile", "no FROM instruction: this is not a Dockerfile",
                    f"start it with {_FIX_BASE}")
    args_before = {name: default for i in steps[: steps.index(froms[0])] if i.keyword == "ARG"
                   for name, _, default in [i.arguments.partition("=")]}
    findings = list(_base(path, froms[0], args_before))
    findings += _platform_pins(path, froms, steps)
    findings += _exposed(path, steps, froms[0], settings.container_port)
    return findings


def _base(path: str, first: Instruction, args_before: dict[str, str]):
    words = [w for w in first.arguments.split() if not w.startswith("--")]
    image = words[0] if words else ""
    variable = re.fullmatch(r"\$\{?([A-Za-z_]\w*)\}?", image)
    if not variable:
        yield Finding(path, first.line, "base-not-argument",
                      f"the base image {image!r} is fixed, so the harness cannot build on a "
                      "local base where nothing can be pulled", _FIX_BASE)
        return
    name = variable.group(1)
    if name not in args_before:
        yield Finding(path, first.line, "base-not-argument",
                      f"FROM uses ${name} but no ARG {name} comes before FROM, so it is empty",
                      f"declare ARG {name}={OFFICIAL_BASE} above FROM")
    elif not args_before[name]:
        yield Finding(path, first.line - 1 if first.line > 1 else 1, "base-default",
                      f"ARG {name} has no default, so a plain build (as in CodeBuild) fails",
                      f"give it the official image: ARG {name}={OFFICIAL_BASE}")
    elif not _OFFICIAL.fullmatch(args_before[name].strip("'\"")):
        yield Finding(path, first.line, "base-default",
                      f"the default base {args_before[name]!r} is not the official PHP Apache "
                      "image the lab runs on AWS", f"use ARG {name}={OFFICIAL_BASE}")


def _platform_pins(path: str, froms: list[Instruction], steps: list[Instruction]):
    for step in froms:
        pin = re.search(r"--platform=(\S+)", step.arguments)
        if pin and "$" not in pin.group(1):
            yield Finding(path, step.line, "arch-specific",
                          f"FROM --platform={pin.group(1)} pins one architecture, so the "
                          "multi-arch build makes the same image twice",
                          "drop --platform from FROM (buildx sets it per target)")
    for step in steps:
        arch = _ARCHES.search(step.arguments) if step.keyword in ("RUN", "ADD", "COPY") else None
        if arch and "TARGETARCH" not in step.arguments:
            yield Finding(path, step.line, "arch-specific",
                          f"{step.keyword} names the {arch.group(1)} architecture, so the other "
                          "platform's image gets the wrong binaries",
                          "use ARG TARGETARCH (set by buildx) instead of a fixed architecture")


def _exposed(path: str, steps: list[Instruction], first: Instruction, port: int):
    exposes = [i for i in steps if i.keyword == "EXPOSE"]
    if not exposes:
        yield Finding(path, first.line, "expose",
                      f"no EXPOSE: the app serves on port {port} (the task definition's "
                      "containerPort and the target group's port)", f"add EXPOSE {port}")
        return
    ports = {p.split("/")[0] for i in exposes for p in i.arguments.split()}
    if str(port) not in ports:
        yield Finding(path, exposes[0].line, "expose",
                      f"EXPOSE {', '.join(sorted(ports))} but Apache serves the app on port "
                      f"{port}, which the task definition and the target group use",
                      f"write EXPOSE {port}")
