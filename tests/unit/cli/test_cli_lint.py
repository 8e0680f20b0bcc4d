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
    assert f"{path}:{version_line}: [version] unknown version '0.1'" in out
    assert "    fix: write 'version: 0.2'" in out
    assert out.endswith("1 finding(s)\n")


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
