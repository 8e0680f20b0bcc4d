"""`grade --as-of TIME`: an ISO 8601 time (UTC when it names no offset), default now; a value that is
not one, or a time to come, is exit 2 with one line on stderr, before any AWS call."""

from datetime import UTC, datetime, timedelta, timezone

import botocore.client
import pytest

from pipeline_harness.cli import main
from pipeline_harness.cli.grade import as_of_time
from pipeline_harness.core.errors import ConfigError


@pytest.fixture
def api_calls(monkeypatch):
    made = []
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call",
                        lambda self, operation, params: made.append(operation))
    return made


@pytest.mark.parametrize("given, meant", [
    ("2026-11-02T23:59:00Z", datetime(2026, 11, 2, 23, 59, tzinfo=UTC)),
    ("2026-11-02T23:59:00+02:00", datetime(2026, 11, 2, 23, 59, tzinfo=timezone(timedelta(hours=2)))),
    ("2026-11-02 23:59", datetime(2026, 11, 2, 23, 59, tzinfo=UTC)),  # no offset: UTC
    ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
])
def test_an_iso_8601_time_is_taken_as_it_says_and_utc_without_an_offset(given, meant):
    assert as_of_time(given) == meant


def test_without_as_of_the_grade_is_as_of_now():
    assert as_of_time(None) is None


@pytest.mark.parametrize("given, said", [
    ("yesterday", "--as-of must be an ISO 8601 time such as 2026-11-02T23:59:00Z, not 'yesterday'"),
    ("2026-13-02T00:00:00Z", "--as-of must be an ISO 8601 time"),
    ("", "--as-of must be an ISO 8601 time"),
    ("2999-01-01T00:00:00Z", "--as-of 2999-01-01T00:00:00Z is in the future"),
], ids=["words", "month 13", "empty", "to come"])
def test_a_bad_as_of_is_exit_2_with_one_line_before_any_call(given, said, api_calls, capsys):
    # when
    code = main(["grade", "--as-of", given])

    # then
    err = capsys.readouterr().err
    assert code == 2 and api_calls == []
    assert err.count("\n") == 1 and said in err and "Traceback" not in err
    with pytest.raises(ConfigError):
        as_of_time(given)
