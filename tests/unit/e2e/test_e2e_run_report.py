"""Stage durations against the tutorial's Step 7 expectations, and failures mapped to Common Issues."""

from pipeline_harness.e2e.run_report import diagnose, stage_verdicts


def test_stages_outside_the_tutorials_window_are_flagged_either_way():
    verdicts = stage_verdicts({"Source": 8.0, "Build": 95.0, "Deploy": 90.0})

    assert verdicts["Source"] == {"seconds": 8.0}
    assert verdicts["Build"] == {"seconds": 95.0, "expected_seconds": [180, 300],
                                 "outlier": "faster than the tutorial's"}
    assert verdicts["Deploy"]["outlier"] is None


def test_a_failure_message_is_matched_to_the_tutorials_common_issue():
    found = diagnose("stage Build failed: Expected Commands[1] to be of string type: found subkeys instead")

    assert found["common_issue"] == "Build fails with 'Commands[X] subkeys error'"
    assert "Check buildspec.yml for YAML syntax errors" in found["hints"]
    assert diagnose("something nobody has seen") is None
