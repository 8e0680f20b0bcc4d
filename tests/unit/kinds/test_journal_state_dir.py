"""The test suite journals what it makes (kinds/journal.py) under pytest's temporary directory: it
never writes into the user's ~/.local/state (conftest.py sets PIPELINE_HARNESS_STATE_DIR)."""

from pathlib import Path

from pipeline_harness.kinds.journal import Journal, state_dir


def test_a_create_journaled_during_the_suite_lands_in_pytests_temporary_directory(tmp_path_factory):
    # given
    journal = Journal("http://127.0.0.1:1", "123456789012", "us-east-1")

    # when
    with journal.creating("artifact_bucket", "dev-pipeline-artifacts-123456789012"):
        written = journal.path.exists()

    # then
    assert written and not journal.path.exists()
    assert journal.path.parent == state_dir()
    assert state_dir().is_relative_to(tmp_path_factory.getbasetemp())
    assert not state_dir().is_relative_to(Path.home() / ".local" / "state")
