"""The IAM policy files are what the registry of kinds and the declared reads derive."""

import json

import pytest

from pipeline_harness.iam import files as policy_files


@pytest.mark.parametrize("filename", list(policy_files.derived_files()))
def test_each_policy_file_is_what_the_registry_derives(filename):
    on_disk = json.loads((policy_files.POLICIES_DIR / filename).read_text())

    assert on_disk == policy_files.derived_files()[filename], (
        "run `python -m pipeline_harness.iam.files --write`")


def test_no_part_of_the_nightly_policy_ships_that_the_derivation_does_not_make():
    shipped = {p.name for p in policy_files.POLICIES_DIR.glob(policy_files.NIGHTLY_PARTS)}

    assert shipped == {name for name in policy_files.derived_files() if name != policy_files.GRADER}


def test_the_check_says_which_file_is_stale(tmp_path, monkeypatch, capsys):
    # given: a copy of the files, one of them missing a statement
    for filename in policy_files.derived_files():
        (tmp_path / filename).write_text((policy_files.POLICIES_DIR / filename).read_text())
    stale = json.loads((tmp_path / "grader-policy.json").read_text())
    stale["Statement"].pop()
    (tmp_path / "grader-policy.json").write_text(json.dumps(stale))
    monkeypatch.setattr(policy_files, "POLICIES_DIR", tmp_path)

    # when / then
    assert policy_files.main([]) == 1
    assert "grader-policy.json differs" in capsys.readouterr().err
    assert policy_files.main(["--write"]) == 0 and policy_files.main([]) == 0


def test_a_part_the_policy_no_longer_needs_is_stale_and_write_removes_it(tmp_path, monkeypatch, capsys):
    # given: the files as derived, plus a third part left from a larger policy
    for filename in policy_files.derived_files():
        (tmp_path / filename).write_text((policy_files.POLICIES_DIR / filename).read_text())
    leftover = tmp_path / policy_files.NIGHTLY_PART.format(number=9)
    leftover.write_text("{}")
    monkeypatch.setattr(policy_files, "POLICIES_DIR", tmp_path)

    # when / then
    assert policy_files.main([]) == 1
    assert f"{leftover.name} differs" in capsys.readouterr().err
    assert policy_files.main(["--write"]) == 0 and not leftover.exists() and policy_files.main([]) == 0
