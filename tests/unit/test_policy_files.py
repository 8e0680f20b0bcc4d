"""The IAM policy files are what the registry of kinds and the declared reads derive."""

import json

import pytest

from pipeline_harness import policy_files


@pytest.mark.parametrize("filename", list(policy_files.FILES))
def test_each_policy_file_is_what_the_registry_derives(filename):
    on_disk = json.loads((policy_files.POLICIES_DIR / filename).read_text())

    assert on_disk == policy_files.derived(filename), "run `python -m pipeline_harness.policy_files --write`"


def test_the_check_says_which_file_is_stale(tmp_path, monkeypatch, capsys):
    # given: a copy of the files, one of them missing a statement
    for filename in policy_files.FILES:
        (tmp_path / filename).write_text((policy_files.POLICIES_DIR / filename).read_text())
    stale = json.loads((tmp_path / "grader-policy.json").read_text())
    stale["Statement"].pop()
    (tmp_path / "grader-policy.json").write_text(json.dumps(stale))
    monkeypatch.setattr(policy_files, "POLICIES_DIR", tmp_path)

    # when / then
    assert policy_files.main([]) == 1
    assert "grader-policy.json differs" in capsys.readouterr().err
    assert policy_files.main(["--write"]) == 0 and policy_files.main([]) == 0
