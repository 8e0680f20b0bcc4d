"""Run a buildspec's phases for real in bash, with recording stand-ins for `aws` and `docker`.

CodeBuild's order and environment: install → pre_build → build → post_build in one shell (version
0.2 keeps variables and the working directory between commands), each phase stopping at its first
failing command; a failed install or pre_build ends the build, a failed build still runs
post_build with CODEBUILD_BUILD_SUCCEEDING=0 (unless the phase says `on-failure: CONTINUE`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_harness.core.errors import HarnessError
from pipeline_harness.lint import shell
from pipeline_harness.lint.document import PHASES, Buildspec, Command
from pipeline_harness.settings import Settings

ECR_PASSWORD = "dry-run-ecr-password"
RECORD_DIR_VARIABLE = "PIPELINE_HARNESS_DRYRUN_DIR"
_SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_NOT_COPIED = (".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache",
               "*.egg-info", ".tox")
# Answers a real tool would print where the buildspec reads them; everything else prints nothing.
_STAND_IN = """#!{python} -S
import json, os, sys
record = os.environ["{record_var}"]
tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
with open(os.path.join(record, "phase")) as fh:
    phase = fh.read().strip()
with open(os.path.join(record, "calls.jsonl"), "a") as fh:
    fh.write(json.dumps({{"tool": tool, "argv": args, "stdin": stdin, "phase": phase}}) + "\\n")
if tool == "aws" and args[:2] == ["ecr", "get-login-password"]:
    print("{password}")
elif tool == "docker" and args[:2] == ["buildx", "version"]:
    print("github.com/docker/buildx v0.0.0-dry-run")
elif tool == "docker" and args[:1] == ["login"]:
    print("Login Succeeded")
"""


@dataclass(frozen=True)
class ToolCall:
    tool: str
    argv: list[str]
    stdin: str
    phase: str


@dataclass(frozen=True)
class CommandRun:
    phase: str
    line: int
    text: str
    exit_code: int


@dataclass
class DryRun:
    """What the buildspec did: phases, commands, stand-in calls, artifacts, and the log."""

    environment: dict[str, str]
    phases: dict[str, str] = field(default_factory=dict)  # phase -> SUCCEEDED | FAILED | NOT_RUN
    commands: list[CommandRun] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    artifacts: dict[str, str] = field(default_factory=dict)
    missing_artifacts: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def succeeded(self) -> bool:
        return all(self.phases.get(p) == "SUCCEEDED" for p in PHASES) and not self.missing_artifacts

    def docker(self, *subcommand: str) -> list[ToolCall]:
        return [c for c in self.calls if c.tool == "docker" and c.argv[: len(subcommand)] == list(subcommand)]

    def aws(self, *subcommand: str) -> list[ToolCall]:
        return [c for c in self.calls if c.tool == "aws" and c.argv[: len(subcommand)] == list(subcommand)]

    def buildx_builds(self) -> list[shell.BuildxBuild]:
        return [shell.parse_buildx_build(c.argv[2:]) for c in self.docker("buildx", "build")]

    def image_definitions(self, name: str = "imagedefinitions.json") -> object:
        """The parsed artifact, or None when it is missing or no JSON."""
        try:
            return json.loads(self.artifacts[name])
        except (KeyError, json.JSONDecodeError):
            return None

    def failure(self) -> CommandRun | None:
        return next((c for c in self.commands if c.exit_code != 0), None)


def codebuild_environment(settings: Settings, account_id: str, commit: str, build_number: int,
                          source_dir: str) -> dict[str, str]:
    """The environment CodeBuild gives the lab's project when CodePipeline starts it."""
    names = settings.names(account_id)
    build_id = f"{names.codebuild_project}:{uuid.uuid4()}"
    return {
        # the tutorial's project variables (Step 5)
        "AWS_ACCOUNT_ID": account_id,
        "AWS_DEFAULT_REGION": settings.region,
        "IMAGE_REPO_NAME": names.ecr_repository,
        "CONTAINER_NAME": settings.container,
        # CodeBuild's own
        "AWS_REGION": settings.region,
        "CODEBUILD_BUILD_ID": build_id,
        "CODEBUILD_BUILD_ARN": f"arn:aws:codebuild:{settings.region}:{account_id}:build/{build_id}",
        "CODEBUILD_BUILD_NUMBER": str(build_number),
        "CODEBUILD_BUILD_IMAGE": settings.codebuild_image,
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_INITIATOR": f"codepipeline/{names.pipeline}",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
        # under CodePipeline this is the source artifact in S3, not the commit
        "CODEBUILD_SOURCE_VERSION":
            f"arn:aws:s3:::{names.artifact_bucket}/{names.pipeline}/SourceArti/dryrun.zip",
        "CODEBUILD_SRC_DIR": source_dir,
        "CODEBUILD_START_TIME": "1764000000000",
        "CODEBUILD_LOG_PATH": build_id.split(":", 1)[1],
        "CODEBUILD_KMS_KEY_ID": f"arn:aws:kms:{settings.region}:{account_id}:alias/aws/s3",
        "HOME": "/root",
        "LANG": "C.UTF-8",
    }


def run(spec: Buildspec, environment: dict[str, str], source_dir: str | Path | None = None,
        timeout: float = 60) -> DryRun:
    """Run the buildspec in a scratch copy of source_dir (default: the buildspec's folder)."""
    source = Path(source_dir or Path(spec.path).parent)
    with tempfile.TemporaryDirectory(prefix="buildspec-dryrun-") as folder:
        scratch = Path(folder)
        workdir, record = scratch / "src", scratch / "record"
        shutil.copytree(source, workdir, ignore=shutil.ignore_patterns(*_NOT_COPIED), symlinks=True)
        _write_stand_ins(record)
        env = {**environment, **{k: v for k, v in spec.mapping("env", "variables").items()},
               "CODEBUILD_SRC_DIR": str(workdir), RECORD_DIR_VARIABLE: str(record),
               "PATH": f"{record / 'bin'}:{_SYSTEM_PATH}"}
        result = DryRun(environment=env)
        plan = _plan(spec, record)
        result.output = _execute(plan, workdir, env, timeout)
        _read_record(result, spec, record)
        _collect_artifacts(result, spec, workdir)
    return result


def _write_stand_ins(record: Path) -> None:
    (record / "bin").mkdir(parents=True)
    (record / "phase").write_text("\n")
    (record / "calls.jsonl").write_text("")
    script = _STAND_IN.format(python=sys.executable, record_var=RECORD_DIR_VARIABLE,
                              password=ECR_PASSWORD)
    for tool in ("aws", "docker"):
        path = record / "bin" / tool
        path.write_text(script)
        path.chmod(0o755)


def _plan(spec: Buildspec, record: Path) -> Path:
    """A bash script running the phases; each command is sourced so the shell state carries on."""
    (record / "cmd").mkdir()
    lines = [
        "__run() {",
        f'  printf "%s\\n" "$1" > "{record}/phase"',
        f'  . "{record}/cmd/$2"',
        "  __rc=$?",
        f'  printf "%s %s\\n" "$2" "$__rc" >> "{record}/status"',
        "  return $__rc",
        "}",
        "export CODEBUILD_BUILD_SUCCEEDING=1",
    ]
    number = 0
    for phase in PHASES:
        steps = []
        for section in ("commands", "finally"):
            chain = []
            for command in spec.phase_commands(phase, section):
                (record / "cmd" / str(number)).write_text((command.text or "false") + "\n")
                chain.append(f"__run {phase} {number}")
                number += 1
            if chain:
                steps.append(" && ".join(chain) + " || __ok=0")
        lines += _phase_block(phase, steps, spec.scalar("phases", phase, "on-failure"), record)
    path = record / "plan.sh"
    path.write_text("\n".join(lines) + "\n")
    return path


def _phase_block(phase: str, steps: list[str], on_failure: str | None, record: Path) -> list[str]:
    ends_build = phase in ("install", "pre_build") and on_failure != "CONTINUE"
    on_fail = ["  export CODEBUILD_BUILD_SUCCEEDING=0"] + (["  exit 0"] if ends_build else [])
    return ["__ok=1", *steps,
            f'if [ "$__ok" = 1 ]; then echo "{phase} SUCCEEDED" >> "{record}/phases"; else',
            f'  echo "{phase} FAILED" >> "{record}/phases"', *on_fail, "fi"]


def _execute(plan: Path, workdir: Path, env: dict[str, str], timeout: float) -> str:
    process = subprocess.Popen(
        ["bash", "--noprofile", "--norc", str(plan)], cwd=workdir, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise HarnessError(
            f"the buildspec dry-run did not finish within {timeout:g}s: a command waits for input "
            "or never ends") from None
    return output.decode("utf-8", errors="replace")


def _read_record(result: DryRun, spec: Buildspec, record: Path) -> None:
    ordered: list[Command] = [c for p in PHASES for s in ("commands", "finally")
                              for c in spec.phase_commands(p, s)]
    status = record / "status"
    for row in status.read_text().splitlines() if status.exists() else []:
        number, code = row.split()
        command = ordered[int(number)]
        result.commands.append(CommandRun(command.phase, command.line, command.text or "",
                                          int(code)))
    phases_file = record / "phases"
    for row in phases_file.read_text().splitlines() if phases_file.exists() else []:
        phase, state = row.split()
        result.phases[phase] = state
    for phase in PHASES:
        result.phases.setdefault(phase, "NOT_RUN")
    for row in (record / "calls.jsonl").read_text().splitlines():
        result.calls.append(ToolCall(**json.loads(row)))


def _collect_artifacts(result: DryRun, spec: Buildspec, workdir: Path) -> None:
    base = workdir / (spec.scalar("artifacts", "base-directory") or ".")
    for pattern, _ in spec.strings("artifacts", "files"):
        matches = [p for p in base.glob(pattern) if p.is_file()] if base.is_dir() else []
        if not matches:
            result.missing_artifacts.append(pattern)
        for match in matches:
            result.artifacts[str(match.relative_to(base))] = match.read_text(errors="replace")
