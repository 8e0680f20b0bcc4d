"""The student's own source, graded: the files the latest execution built from, read back from the
artifact bucket, and linted with the lab rules.

Where: the latest execution's action executions name each artifact's S3 location; where the target
does not serve them, the newest object under the pipeline's prefix in the artifact bucket is read
(CodePipeline stores an artifact under `<pipeline name, 20 characters>/<artifact name, 10>/`).
What: the source artifact's buildspec.yml and the Dockerfile it builds, and the imagedefinitions.json
the build wrote into its output artifact. Nothing the student wrote is ever run.

What costs a point, and what is a hint: a lint finding explains a build that fails or deploys the
wrong thing, and the tutorial hands students the buildspec and the Dockerfile rather than asking
them to write one; Step 7 already costs the failed build. So a point is lost only where the tutorial
asks for the thing itself: buildspec.yml in the repository root (Step 5; "Forgetting to push
buildspec.yml to repo", Step 6 Common Mistakes) and the image definitions file, "exactly
imagedefinitions.json", written and delivered, naming the task definition's container (Step 6
Common Mistakes; Common Issues). Every other finding is a hint under Step 5 in a check worth no
points: it is listed to fix, and costs nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pipeline_harness.core.errors import Unsupported, unexpected
from pipeline_harness.grading.evidence import execution
from pipeline_harness.grading.evidence.link import at, graded_at
from pipeline_harness.grading.listing import SHOWN, listed
from pipeline_harness.kinds.base import MISSING
from pipeline_harness.lint import document, shell
from pipeline_harness.lint.files import UNREADABLE, decode
from pipeline_harness.lint.findings import LAB, Finding, Rule, Unparsable
from pipeline_harness.lint.lab import ARTIFACT_MISSING
from pipeline_harness.lint.lint import lint_texts
from pipeline_harness.lint.rules import Selection
from pipeline_harness.settings import Settings
from pipeline_harness.steps import codepipeline
from pipeline_harness.steps.base import Check, CheckResult, Verdict, dig
from pipeline_harness.targets.context import Context
from pipeline_harness.waits.pipeline.failure import cut

MAX_ARTIFACT_BYTES = 50 * 2**20  # a lab's repository zips to a few kilobytes
MAX_FILE_BYTES = 2**20
MAX_ENTRIES = 10_000  # files and folders of an artifact
MAX_DECLARED_BYTES = 512 * 2**20  # the sizes its entries declare, in all
# what zipfile raises on a zip it cannot read: bad CRC or magic number, encryption (RuntimeError),
# an unknown method or version (NotImplementedError), a name not in its declared encoding
# (UnicodeDecodeError, a ValueError), truncation (EOFError), a corrupt deflate stream
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, zlib.error, EOFError,
               ValueError, OSError, struct.error)
_CENTRAL_RECORD = b"PK\x01\x02"  # the signature each entry of a zip's central directory starts with
# zipfile inflates deflate output in steps of the size asked for, but bzip2 and LZMA input in one
# step whatever it inflates to
_BOUNDED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
MAX_PAGES = 10  # of the artifact prefix's listing, where no action execution says where
# a buildspec of 1 MiB can break one rule 23,000 times, and each message is copied into every
# report: of each rule in each file the first KEPT findings are kept (and named), the rest counted
KEPT = SHOWN
PATH_CHARS = 200  # of a path in the student's zip, as a message quotes it (an entry's name: 64 KiB)
FINDING_CHARS = 500  # of a finding's message, and of its fix (the rules' own are under 250)
# the harness's own conventions for building on a local base, not the tutorial's: a student's
# `FROM php:8.3-apache` is right
NOT_GRADED = ("base-not-argument", "base-default")
# what the tutorial asks of the image definitions file (Step 6): its exact name, written and delivered
COSTING_RULES = frozenset({"artifact-missing", "definitions-not-written"})
# ... and, in the file the build wrote, the container it names (Common Issues: old image still running)
COSTING_WRITTEN_RULES = frozenset({"definitions-name"})
WRITTEN = "imagedefinitions.json (as the build wrote it)"
# the grader's own rule: lint, which reads files and not a repository, never reports it
NO_DOCKERFILE = Rule(
    id="no-dockerfile", rule_set=LAB,
    summary="the repository has no Dockerfile the buildspec builds",
    why="the docker build has nothing to build, so the Build stage fails",
    source="the tutorial's Prerequisites (\"GitHub repository with Dockerfile and buildspec.yml\")",
    example=None,
    fix="commit the Dockerfile (tutorial Prerequisites: GitHub repository with Dockerfile and "
        "buildspec.yml)")


class NotAssessed(Unsupported):
    """Nothing of the student's source to grade yet: the check is skipped with this reason."""


@dataclass(frozen=True)
class Source:
    """What the latest execution built from, and what its build wrote."""

    location: str  # s3://bucket/key of the source artifact
    paths: tuple[str, ...]  # every file in it
    texts: dict[str, str]  # the files the grader lints, by path
    dockerfile: str | None = None  # the path of the Dockerfile the buildspec builds, if there is one
    unreadable: list[Finding] = field(default_factory=list)
    definitions: str | None = None  # imagedefinitions.json from the build's output artifact
    build_output: str = ""  # where that came from, or why there is none


@dataclass(frozen=True)
class Counted:
    """Findings of one sort: the first of them (of each rule in each file, KEPT), and how many in all."""

    first: list[Finding]
    total: int


@dataclass(frozen=True)
class Linted:
    source: Source
    buildspec: str | None  # its path in the repository root, if there
    findings: list[Finding]  # of each rule in each file, the first KEPT
    more: tuple[tuple[Finding, int], ...] = ()  # a rule's first finding in a file, how many more of it

    def _counted(self, sort: Callable[[Finding], bool]) -> Counted:
        first = [f for f in self.findings if sort(f)]
        return Counted(first, len(first) + sum(n for f, n in self.more if sort(f)))

    @property
    def costing(self) -> Counted:
        return self._counted(_costs)

    @property
    def hints(self) -> Counted:
        return self._counted(lambda f: not _costs(f) and f.is_error)


def _costs(finding: Finding) -> bool:
    if finding.path == WRITTEN:
        return finding.rule in COSTING_WRITTEN_RULES
    return finding.rule in COSTING_RULES


# --- where the latest execution's artifacts are ---------------------------------------------------

@dataclass(frozen=True)
class _Artifacts:
    """The pipeline's artifact store and the names the Source and Build actions give their output."""

    pipeline: str
    bucket: str
    source: str
    build: str | None


def _declared(ctx: Context) -> _Artifacts:
    found = ctx.read(codepipeline.read)
    if found is MISSING:
        raise NotAssessed("there is no pipeline, so no execution and no source to read")
    source = codepipeline.source_action(found)
    source_name = dig(source, "outputArtifacts", 0, "name")
    if source is None or not source_name:
        raise NotAssessed("the pipeline has no Source action with an output artifact")
    if dig(source, "configuration", "OutputArtifactFormat") == "CODEBUILD_CLONE_REF":
        raise NotAssessed("the Source action's output artifact format is Full clone "
                          "(CODEBUILD_CLONE_REF): its artifact is a reference to clone, not the code")
    build = next((a for s in dig(found, "pipeline", "stages", default=[]) for a in s["actions"]
                  if dig(a, "actionTypeId", "category") == "Build"), None)
    return _Artifacts(found["pipeline"]["name"], dig(found, "pipeline", "artifactStore", "location"),
                      source_name, dig(build, "outputArtifacts", 0, "name"))


def _from_action_executions(ctx: Context) -> dict[str, tuple]:
    """Artifact name -> (bucket, key), as the execution's actions report their output (the listing
    Step 7's chain of evidence reads too: one read)."""
    return {artifact["name"]: (artifact["s3location"]["bucket"], artifact["s3location"]["key"])
            for detail in ctx.read(execution.read_actions) or ()
            for artifact in dig(detail, "output", "outputArtifacts", default=[])
            if artifact.get("s3location")}


def _newest_under_prefix(ctx: Context, declared: _Artifacts, name: str) -> tuple | None:
    prefix = f"{declared.pipeline[:20]}/{name[:10]}/"
    pages = ctx.client("s3").get_paginator("list_objects_v2").paginate(
        Bucket=declared.bucket, Prefix=prefix, PaginationConfig={"MaxItems": 1000 * MAX_PAGES})
    objects = [o for page in pages for o in page.get("Contents", [])]
    newest = max(objects, key=lambda o: o["LastModified"], default=None)
    return None if newest is None else (declared.bucket, newest["Key"])


def _locations(ctx: Context, declared: _Artifacts) -> dict[str, tuple | None]:
    names = [n for n in (declared.source, declared.build) if n]
    if not ctx.target.gap("codepipeline", "ListActionExecutions"):
        reported = _from_action_executions(ctx)
        return {n: reported.get(n) for n in names}
    return {n: _newest_under_prefix(ctx, declared, n) for n in names}


def _location(where: tuple) -> str:
    return f"s3://{where[0]}/{where[1]}"


def _object(ctx: Context, where: tuple) -> bytes:
    """The artifact's bytes, at most MAX_ARTIFACT_BYTES of them whatever its headers say."""
    bucket, key = where
    s3 = ctx.client("s3")
    try:
        got = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        raise NotAssessed(f"the artifact {_location(where)} is gone (expired or deleted)") from None
    declared = got.get("ContentLength", 0)
    with got["Body"] as body:  # its length header refuses early; the bounded read is what holds
        data = b"" if declared > MAX_ARTIFACT_BYTES else body.read(MAX_ARTIFACT_BYTES + 1)
    if max(declared, len(data)) > MAX_ARTIFACT_BYTES:
        raise NotAssessed(f"the artifact {_location(where)} is more than {MAX_ARTIFACT_BYTES} bytes; "
                          "the grader reads at most that")
    return data


@contextmanager
def _zip_errors(location: str) -> Iterator[None]:
    """Whatever zipfile raises on the artifact's bytes: the source checks are skipped, saying why."""
    try:
        yield
    except _ZIP_ERRORS as err:
        raise NotAssessed(f"the artifact {location} cannot be read as a zip: {unexpected(err)}") from None


def _archive(data: bytes, location: str) -> zipfile.ZipFile:
    """The zip, once its entries are few enough to list and declare a size worth reading.

    zipfile reads the whole central directory on open, entry by entry, as far as the directory's
    declared size goes (not its declared count, which may lie); each entry starts with the central
    record's signature, so counting those in the bytes bounds the entries it would read, before
    it reads one."""
    if data.count(_CENTRAL_RECORD) > MAX_ENTRIES:
        raise NotAssessed(f"the artifact {location} holds more than {MAX_ENTRIES} entries; the grader "
                          "reads a repository of at most that many files")
    archive = zipfile.ZipFile(io.BytesIO(data))
    declared = sum(info.file_size for info in archive.infolist())
    if declared > MAX_DECLARED_BYTES:
        raise NotAssessed(f"the artifact {location} declares {declared} bytes uncompressed; the grader "
                          f"reads an artifact of at most {MAX_DECLARED_BYTES}")
    return archive


# --- the source's files ---------------------------------------------------------------------------

def _quoted(path: str) -> str:
    """A path of the student's zip, as a message may quote it."""
    return cut(path, PATH_CHARS)


def _text(archive: zipfile.ZipFile, path: str, unreadable: list[Finding]) -> str | None:
    """The file's text, of at most MAX_FILE_BYTES read whatever its header says."""
    info = archive.getinfo(path)
    if info.compress_type not in _BOUNDED_METHODS:
        raise NotAssessed(f"{_quoted(path)} is compressed with zip method {info.compress_type}; the grader "
                          f"reads {' or '.join(_BOUNDED_METHODS.values())} files only")
    if info.file_size > MAX_FILE_BYTES:
        unreadable.append(UNREADABLE.at(path, None, f"{_quoted(path)} is {info.file_size} bytes; "
                                        f"the grader reads at most {MAX_FILE_BYTES}", "keep it small"))
        return None
    # a stream read in steps: zipfile inflates no more than is asked for, and stops at the
    # declared size (checking the CRC there), so a member that inflates to more costs the cap
    with archive.open(info) as member:
        data = member.read(MAX_FILE_BYTES)
    try:
        return decode(data, path)
    except Unparsable as err:
        unreadable.append(err.finding)
        return None


def _built_dockerfiles(buildspec: str) -> list[str]:
    """The Dockerfiles the buildspec's docker builds name: their -f, or their context's."""
    try:
        spec = document.parse(buildspec)
    except Unparsable:
        return []
    builds = [shell.parse_buildx_build(argv[2:] if argv[0] == "buildx" else argv[1:])
              for command in spec.commands for argv in shell.docker_commands(command.text or "")
              if argv[:2] == ["buildx", "build"] or argv[:1] == ["build"]]
    paths = [b.dockerfile or str(PurePosixPath(b.context or ".") / "Dockerfile") for b in builds]
    return [str(PurePosixPath(p)) for p in paths if "$" not in p]


def _dockerfile(buildspec: str | None, paths: tuple[str, ...]) -> str | None:
    """The Dockerfile the build uses, else the repository root's."""
    named = _built_dockerfiles(buildspec) if buildspec is not None else []
    return next((p for p in [*named, "Dockerfile"] if p in paths), None)


def _build_definitions(ctx: Context, where: tuple | None,
                       unreadable: list[Finding]) -> tuple[str | None, str]:
    """imagedefinitions.json as the build wrote it, and where it came from (or why there is none)."""
    if where is None:
        return None, "the build left no output artifact"
    name, location = ctx.settings.image_definitions_file, _location(where)
    data = _object(ctx, where)
    with _zip_errors(location):
        archive = _archive(data, location)
        if name not in archive.NameToInfo:
            return None, f"the build's output artifact {location} holds no {name} at its root"
        return _text(archive, name, unreadable), location


def _files(ctx: Context, archive: zipfile.ZipFile, paths: tuple[str, ...],
           unreadable: list[Finding]) -> tuple[dict[str, str], str | None]:
    """The buildspec and the Dockerfile it builds, by their paths in the repository; and that
    Dockerfile's path."""
    texts: dict[str, str] = {}
    buildspec = ctx.settings.buildspec
    if buildspec in paths and (text := _text(archive, buildspec, unreadable)) is not None:
        texts[buildspec] = text
    dockerfile = _dockerfile(texts.get(buildspec), paths)
    if dockerfile and (text := _text(archive, dockerfile, unreadable)) is not None:
        texts[dockerfile] = text
    return texts, dockerfile


def _source_files(ctx: Context, where: tuple,
                  unreadable: list[Finding]) -> tuple[tuple[str, ...], dict[str, str], str | None]:
    """Every file's path in the source artifact, the texts the grader lints, the Dockerfile's path."""
    location = _location(where)
    data = _object(ctx, where)
    with _zip_errors(location):
        archive = _archive(data, location)
        paths = tuple(i.filename for i in archive.infolist() if not i.is_dir())
        return paths, *_files(ctx, archive, paths, unreadable)


def read_source(ctx: Context) -> Source:
    """The latest execution's source artifact and build output, read once for the three checks
    (and so is the reason there is none to grade)."""
    found = ctx.read(_source_or_reason)
    if isinstance(found, NotAssessed):
        raise NotAssessed(str(found))
    return found


def _source_or_reason(ctx: Context) -> Source | NotAssessed:
    try:
        return _read_source(ctx)
    except NotAssessed as reason:
        return NotAssessed(str(reason))  # without its traceback, whose frames hold the artifact


def _read_source(ctx: Context) -> Source:
    declared = _declared(ctx)
    if ctx.read(execution.read_latest) is MISSING:
        when = "yet" if ctx.as_of is None else f"before {at(ctx.read(graded_at))}"
        raise NotAssessed(f"the pipeline has no execution {when}, so there is no source to read")
    where = _locations(ctx, declared)
    source_at = where[declared.source]
    if source_at is None:
        raise NotAssessed(f"the latest execution left no {declared.source} artifact (its Source "
                          "action did not succeed)")
    unreadable = list[Finding]()
    # one artifact in memory at a time: the source's is let go before the build's is read
    paths, texts, dockerfile = _source_files(ctx, source_at, unreadable)
    definitions, build_output = (_build_definitions(ctx, where[declared.build], unreadable)
                                 if declared.build else (None, "the pipeline has no Build action"))
    return Source(_location(source_at), paths, texts, dockerfile, unreadable, definitions, build_output)


@dataclass(frozen=True)
class _Found:
    """What lint found in the files: of each rule in each file, the first KEPT findings; of a rule
    with more, its first finding and how many more."""

    findings: tuple[Finding, ...]
    more: tuple[tuple[Finding, int], ...]


@functools.lru_cache(maxsize=64)
def _lint(items: tuple[tuple[str, str], ...], settings: Settings) -> _Found:
    """What lint finds in (text, path) items; a class forks one repository, so the same files under
    the same names are linted once (and what is kept of them is at most KEPT per rule and file)."""
    kept, first, count = list[Finding](), dict[tuple[str, str], Finding](), Counter[tuple[str, str]]()
    for found in lint_texts(items, settings, Selection("lab", ignore=NOT_GRADED)):
        for finding in found:
            key = (finding.path, finding.rule)
            count[key] += finding.stands_for  # lint's own cap says how many it left out
            first.setdefault(key, finding)
            if count[key] <= KEPT:
                kept.append(finding)
    return _Found(tuple(kept), tuple((first[key], n - KEPT) for key, n in count.items() if n > KEPT))


def read_linted(ctx: Context) -> Linted:
    """The source's files linted with the lab rules, in one ShellCheck run."""
    source = ctx.read(read_source)
    buildspec = ctx.settings.buildspec if ctx.settings.buildspec in source.paths else None
    items = [(text, path) for path, text in source.texts.items()]
    if source.definitions is not None:
        items.append((source.definitions, WRITTEN))
    found = _lint(tuple(items), ctx.settings)
    findings = list(found.findings)
    if source.dockerfile is None:
        findings.append(NO_DOCKERFILE.at("Dockerfile", None,
                                         "the repository has no Dockerfile the buildspec builds, so "
                                         "the docker build has nothing to build"))
    return Linted(source, buildspec, [*source.unreadable, *findings], found.more)


# --- the checks -----------------------------------------------------------------------------------

def _where(finding: Finding) -> str:
    return f"{_quoted(finding.path)}{f':{finding.line}' if finding.line else ''} {finding.rule}"


def _said(findings: Counted) -> str:
    return listed([f"{_where(f)}: {cut(f.message, FINDING_CHARS)} — fix: {cut(f.fix, FINDING_CHARS)}"
                   for f in findings.first[:SHOWN]], findings.total)


def _listed(findings: Counted) -> str:
    return listed([_where(f) for f in findings.first[:SHOWN]], findings.total)


def _judge_buildspec(linted: Linted, ctx: Context) -> Verdict:
    name, source = ctx.settings.buildspec, linted.source
    if linted.buildspec:
        return Verdict(passed=True, expected=f"`{name}` in the repository root",
                       found=f"`{name}` in {source.location}")
    elsewhere = [p for p in source.paths if PurePosixPath(p).name == name]
    found = (f"`{_quoted(elsewhere[0])}`, not in the repository root" if elsewhere
             else f"no {name} among the {len(source.paths)} files of {source.location}")
    return Verdict(passed=False, expected=f"`{name}` in the repository root", found=found)


def _judge_lint(linted: Linted, ctx: Context) -> Verdict:
    hints = linted.hints
    files = ", ".join(f"`{_quoted(p)}`" for p in linted.source.texts) or "nothing"
    if not hints.total:
        return Verdict(passed=True, expected="no lint findings", found=f"none in {files} (lab rules)")
    return Verdict(passed=False, expected="no lint findings in the build's files (lab rules)",
                   found=f"{hints.total}: {_listed(hints)}")


def _judge_definitions(linted: Linted, ctx: Context) -> Verdict:
    name, source = ctx.settings.image_definitions_file, linted.source
    if not linted.buildspec:
        raise NotAssessed(f"no {ctx.settings.buildspec} in the repository root to read "
                          "(see source.buildspec)")
    if any(f.fatal and f.path == linted.buildspec for f in linted.findings):
        raise NotAssessed(f"{linted.buildspec} cannot be read as a buildspec (see source.lint)")
    expected = (f"{ctx.settings.buildspec} writes `{name}` naming container `{ctx.settings.container}` "
                "and delivers it as an artifact")
    judged = "the file the build wrote" if source.definitions is not None else \
        f"{ctx.settings.buildspec} alone: {source.build_output}"
    costing = _costing(linted, ctx)
    if costing.total:
        return Verdict(passed=False, expected=expected,
                       found=f"{costing.total}: {_listed(costing)} (judged from {judged})")
    return Verdict(passed=True, expected=expected, found=f"as asked (judged from {judged})")


def _costing(linted: Linted, ctx: Context) -> Counted:
    """The findings on what the tutorial asks of the image definitions file, its delivery included."""
    name, source, costing = ctx.settings.image_definitions_file, linted.source, linted.costing
    if not (source.definitions is None and "holds no" in source.build_output):
        return costing
    undelivered = ARTIFACT_MISSING.at(WRITTEN, None, source.build_output,
                                      f"list {name} under artifacts: files: at the root")
    return Counted([*costing.first, undelivered], costing.total + 1)


_FINDINGS: dict[str, Callable[[Linted, Context], Counted]] = {
    "source.lint": lambda linted, ctx: linted.hints, "source.image-definitions": _costing}


def explain(result: CheckResult, ctx: Context) -> CheckResult:
    """A failed source check's hint: each finding with where it is and its fix, then the tutorial's words."""
    if result.status != "fail" or result.id not in _FINDINGS:
        return result
    findings = _FINDINGS[result.id](ctx.read(read_linted), ctx)
    return dataclasses.replace(result, hint=f"{_said(findings)}; {result.hint}") if findings.total else result


_NEEDS = (("codepipeline", None), ("s3", None))
BUILDSPEC_HINT = ("buildspec.yml must exist in your repository root (Step 5); \"Forgetting to push "
                  "buildspec.yml to repo - build will fail\" (Step 6 Common Mistakes); Ensure "
                  "buildspec.yml exists in repository root (Common Issues: Build stage fails)")
LINT_HINT = ("Check buildspec.yml for YAML syntax errors; Avoid colons (`:`) in echo statements - use "
             "hyphens (`-`) instead; Ensure proper indentation in buildspec.yml (Common Issues: Build "
             "fails with 'Commands[X] subkeys error')")
DEFINITIONS_HINT = ("Image definitions file name typo - must be exactly `imagedefinitions.json` "
                    "(Step 6 Common Mistakes); check imagedefinitions.json container name matches "
                    "task definition (Common Issues: old image still running)")
CHECKS = [
    Check(id="source.buildspec", step=5,
          title="`buildspec.yml` is in the repository root (the latest execution's source)",
          hint=BUILDSPEC_HINT, read=read_linted, judge=_judge_buildspec, needs=_NEEDS),
    Check(id="source.lint", step=5,
          title="`buildspec.yml` and the Dockerfile have no lint findings (lab rules; "
          "a hint, worth no points)", hint=LINT_HINT, read=read_linted, judge=_judge_lint, needs=_NEEDS,
          points=0),
    Check(id="source.image-definitions", step=6,
          title="The buildspec writes and delivers `imagedefinitions.json` "
          "naming container `php-app-container`", hint=DEFINITIONS_HINT, read=read_linted,
          judge=_judge_definitions, needs=_NEEDS),
]
