"""Bad input to `wait`, tried as a new user would: every case gets its documented exit code and one
line on stderr — never a traceback, never a hang — and cases refused before any call make no AWS
API call and no HTTP request (see test_bad_input.py for the other verbs)."""

import botocore.client
import pytest
import responses

from pipeline_harness.cli import main

HTTP = ["wait", "http", "--expect", "3f2c9a1"]
OK_URL = "http://127.0.0.1:18009/"

# id: (argv, words of the one line); every case exits 2
REFUSED_BEFORE_ANY_CALL = {
    # --url: http or https, a host, a port (if given) from 1 to 65535
    "url with an unclosed IPv6 bracket": ([*HTTP, "--url", "http://[::1"], "--url must be http(s)://host[:port]"),
    "url over ftp": ([*HTTP, "--url", "ftp://x"], "--url must be http(s)://host[:port]"),
    "url of a file": ([*HTTP, "--url", "file:///etc/passwd"], "--url must be http(s)://host[:port]"),
    "url without a scheme": ([*HTTP, "--url", "127.0.0.1:18009"], "--url must be http(s)://host[:port]"),
    "url of a name without a scheme": ([*HTTP, "--url", "localhost:18009"],
                                       "--url must be http(s)://host[:port]"),
    "url without a host": ([*HTTP, "--url", "http:///health"], "--url must be http(s)://host[:port]"),
    "url port out of range": ([*HTTP, "--url", "http://127.0.0.1:99999/"], "--url must be http(s)://host[:port]"),
    "url port 0": ([*HTTP, "--url", "http://127.0.0.1:0/"], "with a port from 1 to 65535"),
    "url port not a number": ([*HTTP, "--url", "http://127.0.0.1:eighty/"], "--url must be http(s)://host[:port]"),
    # --consecutive: a burst that ends
    "a thousand in a row": ([*HTTP, "--url", OK_URL, "--consecutive", "1000", "--timeout", "2"],
                            "--consecutive must be from 1 to 100, not 1000"),
    "one more than the bound": ([*HTTP, "--url", OK_URL, "--consecutive", "101"],
                                "--consecutive must be from 1 to 100"),
    # --tags: at least one tag, as ECR takes them
    "tags only a comma": (["wait", "ecr-tags", "--tags", ","], "wait ecr-tags needs --tags"),
    "tags only blanks": (["wait", "ecr-tags", "--tags", " "], "wait ecr-tags needs --tags"),
    "tags blanks and commas": (["wait", "ecr-tags", "--tags", " , ,, "], "wait ecr-tags needs --tags"),
    "tags empty": (["wait", "ecr-tags", "--tags", ""], "wait ecr-tags needs --tags"),
    "tags too many": (["wait", "ecr-tags", "--tags", ",".join(f"t{i}" for i in range(101))],
                      "at most 100"),
    "tag too long": (["wait", "ecr-tags", "--tags", "latest," + "a" * 301], "at most 300 characters"),
    # --format: wait writes a table or JSON
    "format junit": ([*HTTP, "--url", OK_URL, "--format", "junit"],
                     "argument --format: invalid choice: 'junit'"),
    "format markdown": (["wait", "ecr-tags", "--tags", "latest", "--format", "markdown"],
                        "argument --format: invalid choice: 'markdown'"),
}


@pytest.fixture
def api_calls(monkeypatch):
    """Every AWS API call main() makes in this process, by operation name."""
    made = []
    real = botocore.client.BaseClient._make_api_call

    def recording(self, operation, params):
        made.append(operation)
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return made


@pytest.fixture
def http_requests():
    """Every HTTP request made through requests in the test; none is answered."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock.calls


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("case", REFUSED_BEFORE_ANY_CALL, ids=list(REFUSED_BEFORE_ANY_CALL))
def test_bad_wait_input_is_refused_with_one_line_and_exit_2_before_any_call(case, capsys, api_calls,
                                                                            http_requests):
    # given
    argv, words = REFUSED_BEFORE_ANY_CALL[case]

    # when
    exit_code = main(argv)

    # then
    assert exit_code == 2
    assert words in _one_line(capsys.readouterr().err)
    assert api_calls == [] and len(http_requests) == 0


def test_tags_are_stripped_of_the_blanks_around_them(capsys, api_calls):
    # given: the embedded moto target, where the repository does not exist
    code = main(["wait", "ecr-tags", "--tags", " latest , 3f2c9a1 ,", "--timeout", "1"])

    # then: the tags reached ECR stripped (a one-line failure, not a parameter error)
    err = _one_line(capsys.readouterr().err)
    assert code == 1 and "tagged latest, 3f2c9a1 with" in err and "Parameter validation" not in err
    assert "BatchGetImage" in api_calls


def test_starting_a_pipeline_that_is_not_there_exits_2_with_one_line(capsys, api_calls):
    # given: the embedded moto target, which has no pipeline named nope

    # when
    code = main(["wait", "pipeline", "--commit", "1a2b", "--name", "nope", "--start", "--timeout", "5"])

    # then
    assert code == 2
    assert _one_line(capsys.readouterr().err) == (
        "pipeline-harness: no pipeline named nope in this account and region — check the name "
        "(--name, or the config's prefix) and --region")
    assert "StartPipelineExecution" not in api_calls
