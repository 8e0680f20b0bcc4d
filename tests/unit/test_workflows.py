"""The GitHub workflows and the CI shell scripts: SchemaStore's GitHub workflow schema, ShellCheck, and the
pull-request workflow's LocalStack jobs — the free core always, the licensed image only with its secret."""

import os
import re
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from pipeline_harness.lint.shellcheck import binary as shellcheck_binary

ROOT = Path(__file__).resolve().parents[2]
PR = ROOT / ".github/workflows/pr.yml"
NIGHTLY = ROOT / ".github/workflows/nightly.yml"
SHELL_SCRIPTS = [ROOT / ".ci" / name for name in ("run", "localstack", "docker-up", "docker-down")]
SHELL_SCRIPTS += sorted((ROOT / "benchmarks").glob("*.sh"))
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
SECRET_GATE = re.compile(r"^needs\.(?P<job>[\w-]+)\.outputs\.(?P<output>[\w-]+) == 'true'$")
STEP_OUTPUT = re.compile(r"^\$\{\{ steps\.(?P<step>[\w-]+)\.outputs\.(?P<output>[\w-]+) \}\}$")


def schema_check(*workflows: Path) -> Result:
    """check-jsonschema's verdict on the workflows against SchemaStore's GitHub workflow schema."""
    # check-jsonschema reads YAML 1.2 (`on:` stays a key, PyYAML makes it True) and the schema's
    # ECMAScript patterns as SchemaStore means them; imported here, it costs only the worker that runs it
    from check_jsonschema import main

    arguments = ["--builtin-schema", "vendor.github-workflows", *map(str, workflows)]
    return CliRunner().invoke(main, arguments)


def shellcheck(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shellcheck_binary(), "--format=gcc", *map(str, arguments)],
                          capture_output=True, text=True, check=False)


def jobs(workflow: Path) -> dict:
    return yaml.safe_load(workflow.read_text())["jobs"]


def licensed_localstack_job() -> tuple[str, dict]:
    licensed = {name: job for name, job in jobs(PR).items() if "localstack/localstack-pro" in yaml.dump(job)}
    assert len(licensed) == 1, f"expected one job using the licensed image, found {sorted(licensed)}"
    return next(iter(licensed.items()))


def step_running(job: dict, command: str) -> tuple[int, dict]:
    found = [(index, step) for index, step in enumerate(job["steps"]) if command in step.get("run", "")]
    assert len(found) == 1, f"expected one step running {command!r}, found {len(found)}"
    return found[0]


def run_step(step: dict, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a step's script the way a Linux runner does (`bash -e`), with the given environment;
    a script still running after 10 s (an unbounded wait) raises TimeoutExpired."""
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    return subprocess.run(["bash", "-e", str(script)], capture_output=True, text=True, check=False,
                          env={"PATH": os.environ["PATH"], **env}, timeout=10)


def test_both_workflows_pass_the_github_workflow_schema():
    # when
    result = schema_check(PR, NIGHTLY)
    # then
    assert result.exit_code == 0, result.output


def test_workflow_schema_check_rejects_a_job_without_runs_on(tmp_path):
    # given pr.yml with the runner of its first job deleted
    broken = tmp_path / "pr.yml"
    broken.write_text(re.sub(r"^    runs-on: .*\n", "", PR.read_text(), count=1, flags=re.MULTILINE))
    # when
    result = schema_check(broken)
    # then
    assert result.exit_code == 1
    assert "'runs-on' is a required property" in result.output


def test_ci_and_benchmark_shell_scripts_pass_shellcheck():
    # when
    result = shellcheck(*SHELL_SCRIPTS)
    # then
    assert len(SHELL_SCRIPTS) >= 5
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_run_scripts_pass_shellcheck(tmp_path):
    # given every `run:` of both workflows, expressions replaced by a word as GitHub substitutes them
    scripts = []
    for workflow in (PR, NIGHTLY):
        for job_name, job in jobs(workflow).items():
            for index, step in enumerate(job["steps"]):
                if "run" in step:
                    script = tmp_path / f"{workflow.stem}.{job_name}.step{index + 1}.sh"
                    script.write_text(EXPRESSION.sub("github_expression", step["run"]))
                    scripts.append(script)
    # when
    result = shellcheck("--shell=bash", *scripts)
    # then
    assert len(scripts) >= 10
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_reports_an_unquoted_variable(tmp_path):
    # given
    script = tmp_path / "unquoted.sh"
    script.write_text('#!/usr/bin/env bash\nrm -rf $STATE/tmp\n')
    # when
    result = shellcheck(script)
    # then
    assert result.returncode == 1
    assert "SC2086" in result.stdout


def test_licensed_localstack_job_declares_no_service_container():
    # when
    _, job = licensed_localstack_job()
    # then
    assert "services" not in job
    _, start = step_running(job, "docker run")
    assert "localstack/localstack-pro" in start["run"]
    assert "-e LOCALSTACK_AUTH_TOKEN" in start["run"]
    assert start["env"]["LOCALSTACK_AUTH_TOKEN"] == "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"


def test_licensed_localstack_job_is_skipped_without_the_secret_and_runs_with_it(tmp_path):
    # given the job's `if:` and the job output it reads
    _, job = licensed_localstack_job()
    gate = SECRET_GATE.match(job["if"])
    assert gate, f"the licensed job's if: {job['if']!r} does not read a needs output"
    assert gate["job"] in ([job["needs"]] if isinstance(job["needs"], str) else job["needs"])
    gate_job = jobs(PR)[gate["job"]]
    source = STEP_OUTPUT.match(gate_job["outputs"][gate["output"]])
    assert source, f"{gate['job']}'s output {gate['output']} is not a step output"
    [gate_step] = [step for step in gate_job["steps"] if step.get("id") == source["step"]]
    assert gate_step["env"]["LOCALSTACK_AUTH_TOKEN"] == "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"
    outputs = {}
    for token in ("", "ls-0123456789"):
        output_file = tmp_path / f"output-{len(token)}"
        output_file.touch()
        # when
        result = run_step(gate_step, tmp_path, LOCALSTACK_AUTH_TOKEN=token, GITHUB_OUTPUT=str(output_file))
        assert result.returncode == 0, result.stderr
        outputs[token] = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
    # then the gate compares with 'true': false without the secret (skipped), true with it
    assert outputs[""][source["output"]] == "false"
    assert outputs["ls-0123456789"][source["output"]] == "true"


def wait_for_health(tmp_path: Path, *, healthy_on_try: int, container_running: str) -> tuple[int, int]:
    """Run the licensed job's health wait with curl, docker and sleep faked; (exit code, curl calls)."""
    _, job = licensed_localstack_job()
    _, wait = step_running(job, "/_localstack/health")
    calls = tmp_path / "curl-calls"
    calls.touch()
    # exported bash functions: the step's shell calls them instead of the real commands, and
    # without a process each, so ninety tries stay fast
    curl = f'echo >> "{calls}"; tries=$((${{tries:-0}} + 1)); [ "$tries" -ge {healthy_on_try} ]'
    fakes = {
        "BASH_FUNC_curl%%": f"() {{ {curl}; }}",
        "BASH_FUNC_docker%%": f'() {{ [ "$1" = inspect ] && echo {container_running}; return 0; }}',
        "BASH_FUNC_sleep%%": "() { :; }",
    }
    result = run_step(wait, tmp_path, **fakes)
    return result.returncode, len(calls.read_text().splitlines())


def test_licensed_localstack_wait_ends_when_health_answers(tmp_path):
    # when
    exit_code, tries = wait_for_health(tmp_path, healthy_on_try=3, container_running="true")
    # then
    assert (exit_code, tries) == (0, 3)


def test_licensed_localstack_wait_gives_up_after_a_bounded_number_of_tries(tmp_path):
    # when
    exit_code, tries = wait_for_health(tmp_path, healthy_on_try=10**6, container_running="true")
    # then
    assert exit_code == 1
    assert 10 <= tries <= 200


def test_licensed_localstack_wait_stops_when_the_container_exits(tmp_path):
    # when a rejected licence has stopped the container
    exit_code, tries = wait_for_health(tmp_path, healthy_on_try=10**6, container_running="false")
    # then
    assert (exit_code, tries) == (1, 1)


def test_free_localstack_core_job_runs_the_integration_tier_as_ci_run_does():
    # given the command .ci/run runs against the host-run core
    tier = re.search(r"AWS_ENDPOINT_URL=\S+ (python -m pytest tests/integration --target localstack)$",
                     (ROOT / ".ci/run").read_text(), flags=re.MULTILINE)
    assert tier, ".ci/run no longer runs the integration tier against LocalStack"
    # when
    [job] = [job for job in jobs(PR).values()
             if any("bash .ci/localstack start" in step.get("run", "") for step in job["steps"])]
    start_index, start = step_running(job, "bash .ci/localstack start")
    tier_index, tier_step = step_running(job, tier[1])
    stop_index, stop = step_running(job, "bash .ci/localstack stop")
    # then it runs on every pull request, with no licence, in .ci/run's order
    assert "if" not in job
    assert "secrets." not in yaml.dump(job)
    assert start_index < tier_index < stop_index
    assert tier_step["env"]["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert stop["if"] == "always()"
    # and .ci/localstack gets the Python 3.13 its virtualenv needs
    [python313] = [step for step in job["steps"] if step.get("with", {}).get("python-version") == "3.13"]
    assert python313["uses"].startswith("actions/setup-python@")
    assert start["env"]["LOCALSTACK_PYTHON"] == f"${{{{ steps.{python313['id']}.outputs.python-path }}}}"


def test_the_pull_request_workflow_runs_ruff_and_mypy_as_ci_run_does_before_the_tier():
    # given the static checks .ci/run runs
    ci_run = (ROOT / ".ci/run").read_text()
    assert "\nruff check .\n" in ci_run and "\nmypy\n" in ci_run
    # when
    tier_command = "python -m pytest --junitxml=reports/emulator.xml"
    [job] = [job for job in jobs(PR).values() if any(tier_command in s.get("run", "") for s in job["steps"])]
    install, _ = step_running(job, "pip install -e '.[test]'")
    static, checks = step_running(job, "ruff check .")
    tier, _ = step_running(job, tier_command)
    # then: both tools, on the whole repository, after installing them and before the tier
    assert checks["run"].split("&&") == ["ruff check . ", " mypy"]
    assert install < static < tier
    assert "if" not in checks and "continue-on-error" not in checks


def test_the_ci_scripts_and_workflows_cite_only_documents_the_repository_has():
    # given every Markdown file a CI script or workflow names
    cited = {name for path in (*SHELL_SCRIPTS, PR, NIGHTLY)
             for name in re.findall(r"[\w./-]+\.md\b", path.read_text())}
    # then
    assert [name for name in cited if not (ROOT / name).exists()] == []
