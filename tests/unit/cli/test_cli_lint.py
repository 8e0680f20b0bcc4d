"""`pipeline-harness lint`: exit codes, formats, default paths, one-line errors."""

import json
from pathlib import Path

from pipeline_harness.cli import main

REPO = Path(__file__).resolve().parents[3]


def test_repository_files_lint_clean_from_the_repository_root(monkeypatch, capsys):
    # given
    monkeypatch.chdir(REPO)
    # when
    code = main(["lint"])
    # then
    assert code == 0
    assert capsys.readouterr().out == "ok: buildspec.yml, sample_app/Dockerfile: no findings\n"


def test_findings_exit_1_and_print_line_rule_and_fix(tmp_path, capsys):
    path = tmp_path / "buildspec.yml"
    text = (REPO / "buildspec.yml").read_text().replace("version: 0.2", "version: 0.1")
    path.write_text(text)
    version_line = text[: text.index("version: 0.1")].count("\n") + 1

    code = main(["lint", str(path)])

    out = capsys.readouterr().out
    assert code == 1
    assert f"{path}:{version_line}: [lab-version] version 0.1 runs each command in its own shell" in out
    assert "    fix: write 'version: 0.2'" in out
    # and ShellCheck sees each 0.1 command in a shell of its own: REGISTRY, REPOSITORY_URI, COMMIT_HASH
    assert out.count("[SC2031]") == 3
    assert out.endswith("4 finding(s)\n")


def test_json_format_lists_every_finding(tmp_path, capsys):
    path = tmp_path / "buildspec.yml"
    path.write_text("version: 0.2\nphases:\n  build:\n    commands:\n      - echo done: ok\n")

    code = main(["lint", "--format", "json", str(path)])

    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["paths"] == [str(path)]
    finding = next(f for f in report["findings"] if f["rule"] == "command-is-mapping")
    assert (finding["path"], finding["line"], finding["fatal"]) == (str(path), 5, False)
    assert finding["fix"].startswith("quote the whole command: - 'echo done: ok'")


def test_unparsable_file_exits_2_even_beside_a_clean_one(tmp_path, capsys):
    binary = tmp_path / "buildspec.yml"
    binary.write_bytes(b"\x00\xff\xfe")

    code = main(["lint", str(REPO / "sample_app" / "Dockerfile"), str(binary)])

    assert code == 2
    assert "[not-text] the file is binary" in capsys.readouterr().out


def test_no_buildspec_in_the_current_directory_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    code = main(["lint"])

    assert code == 2
    assert capsys.readouterr().err == (
        f"pipeline-harness: no buildspec.yml in {tmp_path}: run from the repository root or pass "
        "the buildspec's path\n")


def test_output_option_writes_the_report_to_a_file(tmp_path, capsys):
    report = tmp_path / "lint.json"

    code = main(["lint", "--format", "json", "--output", str(report), str(REPO / "buildspec.yml")])

    assert code == 0
    assert json.loads(report.read_text())["findings"] == []
    assert capsys.readouterr().out == ""


CORPUS = REPO / "tests" / "data" / "buildspecs"
V1_LOGIN = CORPUS / "codebuild-samples_dockerbuildspec.yml"


def test_generic_rules_pass_a_valid_real_buildspec_that_the_lab_rules_fail(capsys):
    valid = str(CORPUS / "aws-cdk_buildspec.yaml")

    assert main(["lint", "--rules", "generic", valid]) == 0
    assert main(["lint", valid]) == 1
    assert "[missing-tag]" in capsys.readouterr().out


def test_ignore_and_select_choose_the_rules_reported(capsys):
    assert main(["lint", "--rules", "generic", "--ignore", "ecr-get-login", str(V1_LOGIN)]) == 0
    assert main(["lint", "--select", "ecr-get-login,SC", str(V1_LOGIN)]) == 1
    out = capsys.readouterr().out
    assert "[ecr-get-login]" in out and "[missing-tag]" not in out


def test_the_config_files_lint_table_chooses_the_rules(tmp_path, capsys):
    config = tmp_path / "harness.toml"
    config.write_text('[lint]\nrules = "generic"\nignore = ["ecr-get-login"]\n')

    code = main(["lint", "--config", str(config), str(V1_LOGIN)])

    assert code == 0
    assert capsys.readouterr().out == f"ok: {V1_LOGIN}: no findings\n"


def test_unknown_rule_is_a_usage_error_in_one_line(capsys):
    code = main(["lint", "--ignore", "ecr_login", str(V1_LOGIN)])

    assert code == 2
    assert capsys.readouterr().err.startswith("pipeline-harness: unknown lint rule 'ecr_login'")


def test_notes_alone_exit_0_and_are_printed(capsys):
    windows = CORPUS / "aws-lc_windows-msvc2017.yml"

    code = main(["lint", "--rules", "generic", str(windows)])

    out = capsys.readouterr().out
    assert code == 0
    assert f"{windows}: note: [shell-skipped]" in out
    assert out.endswith(f"ok: {windows}: no findings\n")


def test_junit_format_has_a_failing_case_per_finding_named_by_rule(capsys):
    import xml.etree.ElementTree as ET

    code = main(["lint", "--rules", "generic", "--format", "junit", str(V1_LOGIN)])

    root = ET.fromstring(capsys.readouterr().out)
    failures = root.findall(".//failure")
    assert code == 1
    assert [f.get("type") for f in failures] == ["ecr-get-login"]
    assert root.find(".//testcase").get("name") == f"{V1_LOGIN}:10 [ecr-get-login]"


def test_markdown_format_tables_each_file_with_rule_line_and_fix(capsys):
    code = main(["lint", "--rules", "generic", "--format", "markdown", str(V1_LOGIN),
                 str(CORPUS / "aws-cdk_buildspec.yaml")])

    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("# Lint: 1 finding(s)\n")
    assert "| 10 | `ecr-get-login` | 'aws ecr get-login' was removed in AWS CLI v2" in out
    assert "No findings." in out


def test_a_buildspec_named_like_a_dockerfile_is_linted_as_a_buildspec(tmp_path, capsys):
    path = tmp_path / "dockerfile-build.yml"
    path.write_text("version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t app .\n")

    assert main(["lint", "--rules", "generic", str(path)]) == 0


def _report(capsys, fmt: str, *paths: str) -> str:
    main(["lint", "--rules", "generic", "--format", fmt, *paths])
    return capsys.readouterr().out


def test_a_file_given_twice_is_linted_and_reported_once_in_every_format(monkeypatch, capsys):
    # given the same buildspec as a relative path, the same spelled with ./, and as an absolute path
    monkeypatch.chdir(CORPUS)
    name = V1_LOGIN.name
    spellings = [name, f"./{name}", str(V1_LOGIN)]
    once = {fmt: _report(capsys, fmt, name) for fmt in ("table", "json", "junit", "markdown")}
    # when
    repeated = {fmt: _report(capsys, fmt, *spellings) for fmt in once}
    # then the report is the one of the file given once, under its first spelling
    assert repeated == once
    assert once["table"].count("[ecr-get-login]") == 1
    assert json.loads(once["json"])["paths"] == [name]
    assert once["junit"].count("<failure") == 1
    assert once["markdown"].count(f"## `{name}`") == 1


def test_two_files_given_twice_keep_the_order_of_their_first_mention(capsys):
    cdk = str(CORPUS / "aws-cdk_buildspec.yaml")

    out = _report(capsys, "json", cdk, str(V1_LOGIN), cdk, str(V1_LOGIN))

    assert json.loads(out)["paths"] == [cdk, str(V1_LOGIN)]
