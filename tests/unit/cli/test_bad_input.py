"""Bad input, tried as a new user would: every case gets its documented exit code and one line on
stderr — never a traceback — and nothing is made: cases refused before any call make no API call.

Endpoints that misbehave are served here on 127.0.0.1 by small socket servers: one that closes
the connection, one that answers an HTML page, one that answers bytes that are not HTTP, and a
plain HTTP server reached over https.
"""

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import botocore.client
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from pipeline_harness.cli import main
from pipeline_harness.core.errors import ConfigError
from pipeline_harness.session.lab import Lab
from pipeline_harness.settings import Settings
from pipeline_harness.targets import aws, sessions

HTML = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 44\r\nConnection: close\r\n\r\n"
        b"<html><body><h1>Welcome</h1></body></html>\r\n")
JSON = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n"
        b"\r\n{}")
MOVED = b"HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@contextmanager
def serving(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A TCP server on a free 127.0.0.1 port answering each connection with `answer`, until the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    connection.recv(65536)
                    answer(connection)
                except OSError:
                    pass

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.fixture(scope="module")
def endpoints():
    with serving(lambda c: None) as closing, serving(lambda c: c.sendall(HTML)) as html, \
            serving(lambda c: c.sendall(JSON)) as json_, serving(lambda c: c.sendall(MOVED)) as moved, \
            serving(lambda c: c.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")) as garbage:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = f"127.0.0.1:{probe.getsockname()[1]}"
        yield {"closing": closing, "html": html, "garbage": garbage, "closed": closed, "json": json_,
               "moved": moved}


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
def no_aws_credentials(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


LONG = "a" * 120
# id: (argv, environment, files {name: text}, exit code, words of the one line)
# {dir} in argv or the environment is the test's own folder; {closing} etc. the misbehaving endpoints
REFUSED_BEFORE_ANY_CALL = {
    # the command line
    "unknown option": (["verify", "--no-such-option"], {}, {}, 2, "unrecognized arguments"),
    "unknown verb": (["deploy"], {}, {}, 2, "invalid choice: 'deploy'"),
    "unknown target": (["verify", "--target", "gcp"], {}, {}, 2, "invalid choice: 'gcp'"),
    "unknown format": (["grade", "--format", "yaml"], {}, {}, 2, "invalid choice: 'yaml'"),
    "sweep without --older-than": (["sweep"], {}, {}, 2, "--older-than"),
    "unreadable duration": (["sweep", "--older-than", "three days"], {}, {}, 2, "90m, 6h, 2d or 1w"),
    "github repository without an owner": (["sweep", "--older-than", "1h", "--github-repository", "noslash"],
                                           {"GITHUB_TOKEN": "x"}, {}, 2, "must be a GitHub owner/repo"),
    "duration past any date": (["sweep", "--older-than", "99999999999d"], {}, {}, 2, "more than 100 years"),
    "duration of centuries": (["sweep", "--older-than", "999999d"], {}, {}, 2, "more than 100 years"),
    "wait without a kind": (["wait"], {}, {}, 2, "kind"),
    "wait pipeline without commit": (["wait", "pipeline"], {}, {}, 2, "needs --commit"),
    "negative timeout": (["wait", "http", "--url", "http://x/", "--expect", "v", "--timeout", "-1"],
                         {}, {}, 2, "--timeout must be a positive number"),
    "timeout not a number": (["wait", "http", "--url", "http://x/", "--expect", "v", "--timeout", "nan"],
                             {}, {}, 2, "--timeout must be a positive number"),
    "timeout forever": (["wait", "http", "--url", "http://x/", "--expect", "v", "--timeout", "inf"],
                        {}, {}, 2, "--timeout must be a positive number"),
    "commit too short to be one": (["wait", "pipeline", "--commit", "a"], {}, {}, 2,
                                   "--commit must be a commit hash"),
    "commit not hexadecimal": (["wait", "pipeline", "--commit", "main"], {}, {}, 2,
                               "--commit must be a commit hash"),
    "zero in a row": (["wait", "http", "--url", "http://x/", "--expect", "v", "--consecutive", "0"],
                      {}, {}, 2, "--consecutive must be at least 1"),
    "class without output dir": (["grade", "--accounts", "{dir}/class.toml"], {},
                                 {"class.toml": "[[student]]\nname='a'\nprofile='a'\n"}, 2, "--output-dir"),
    "no jobs": (["grade", "--accounts", "{dir}/class.toml", "--output-dir", "{dir}/out", "--jobs", "0"],
                {}, {"class.toml": "[[student]]\nname='a'\nprofile='a'\n"}, 2, "--jobs must be at least 1"),
    "output into a missing folder": (["verify", "--output", "{dir}/missing/report.json"], {}, {}, 2,
                                     "cannot write a file there"),
    "output onto a folder": (["verify", "--output", "{dir}"], {}, {}, 2, "cannot write a file there"),
    "lint a missing file": (["lint", "{dir}/nothing.yml"], {}, {}, 2, "nothing.yml"),
    "output onto a path ending in a slash": (["verify", "--output", "{dir}/report/"], {}, {}, 2,
                                             "cannot write a file there (Is a directory)"),
    "output through a symlink loop": (["verify", "--output", "{dir}/loop"], {}, {"loop": None}, 2,
                                      "cannot write a file there"),
    "output to a device that takes no writes": (["lint", "{dir}/buildspec.yml", "--output", "/dev/full"],
                                                {}, {"buildspec.yml": "version: 0.2\nphases: {}\n"}, 2,
                                                "the report could not be written (No space left"),
    "endpoint URL botocore refuses": (["verify", "--endpoint-url", "http://127.0.0.1 :9/"], {}, {}, 2,
                                      "Invalid endpoint"),
    "region in no partition": (["verify", "--region", "zz-fake-9"], {}, {}, 2, "in no AWS partition"),
    "region of another partition": (["verify", "--region", "cn-north-1"], {}, {}, 2,
                                    "in the aws-cn partition; the harness works in the aws partition only"),
    "AWS config file botocore cannot parse": (
        ["teardown", "--target", "aws", "--profile", "x"], {"AWS_CONFIG_FILE": "{dir}/config"},
        {"config": "[default\nfoo\n"}, 2, "the AWS config files cannot be read"),
    "attempts not a number": (["verify"], {"AWS_MAX_ATTEMPTS": "abc"}, {}, 2, "target moto"),
    # the config file
    "broken TOML": (["verify", "--config", "{dir}/lab.toml"], {}, {"lab.toml": "cluster = [unclosed\n"}, 2,
                    "is not valid TOML"),
    "config file missing": (["verify", "--config", "{dir}/none.toml"], {}, {}, 2, "does not exist"),
    "config is a folder": (["verify", "--config", "{dir}"], {}, {}, 2, "cannot be read"),
    "config not UTF-8": (["verify", "--config", "{dir}/lab.toml"], {}, {"lab.toml": b"region = '\xff'\n"},
                         2, "cannot be read"),
    "unknown setting": (["verify", "--config", "{dir}/lab.toml"], {}, {"lab.toml": "clustr = 'x'\n"}, 2,
                        "unknown setting 'clustr'"),
    "not a boolean": (["verify", "--config", "{dir}/lab.toml"], {},
                      {"lab.toml": "tag_immutability = 'maybe'\n"}, 2,
                      "tag_immutability must be true or false"),
    "not a number": (["verify", "--config", "{dir}/lab.toml"], {},
                     {"lab.toml": "container_port = 'eighty'\n"}, 2, "container_port must be a whole number"),
    "a list for a name": (["verify", "--config", "{dir}/lab.toml"], {}, {"lab.toml": "cluster = ['a']\n"}, 2,
                          "cluster must be text"),
    "repository without owner": (["verify", "--config", "{dir}/lab.toml"], {},
                                 {"lab.toml": "github_repository = 'my-ecs-php-app'\n"}, 2, "owner/repo"),
    "pipeline type V3": (["verify", "--config", "{dir}/lab.toml"], {}, {"lab.toml": "pipeline_type = 'V3'\n"},
                         2, "pipeline_type must be V1 or V2"),
    "a connection ARN that is none": (["verify", "--config", "{dir}/lab.toml"], {},
                                      {"lab.toml": "connection_arn = 'github-connection'\n"}, 2,
                                      "connection_arn must be a connection ARN"),
    "a health check path without its slash": (
        ["verify"], {"PIPELINE_HARNESS_HEALTH_CHECK_PATH": "health.php"}, {}, 2,
        "health_check_path must be a path starting with '/'"),
    "a name AWS refuses": (["provision", "--config", "{dir}/lab.toml"], {},
                           {"lab.toml": "ecr_repository = 'My Repo'\n"}, 2, "ECR repository name 'My Repo'"),
    "a name too long": (["provision", "--config", "{dir}/lab.toml"], {},
                        {"lab.toml": f"target_group = '{LONG}'\n"}, 2, "target group 32"),
    # environment variables
    "target from the environment": (["verify"], {"PIPELINE_HARNESS_TARGET": "nowhere"}, {}, 2,
                                    "target must be moto, localstack or aws"),
    "boolean from the environment": (["verify"], {"PIPELINE_HARNESS_TAG_IMMUTABILITY": "sometimes"}, {}, 2,
                                     "tag_immutability must be true or false"),
    "number from the environment": (["verify"], {"PIPELINE_HARNESS_CONTAINER_PORT": "x"}, {}, 2,
                                    "container_port must be a whole number"),
    "config from the environment": (["verify"], {"PIPELINE_HARNESS_CONFIG": "{dir}/none.toml"}, {}, 2,
                                    "does not exist"),
    "LocalStack host malformed": (["verify", "--target", "localstack"], {"LOCALSTACK_HOST": "a:b:c"}, {}, 2,
                                  "LOCALSTACK_HOST must be host or host:port"),
    # endpoints and regions
    "endpoint not a URL": (["verify", "--endpoint-url", "not-a-url"], {}, {}, 2, "http(s)://host[:port]"),
    "endpoint not HTTP": (["verify", "--endpoint-url", "ftp://127.0.0.1"], {}, {}, 2, "http(s)://host[:port]"),
    "endpoint port out of range": (["teardown", "--endpoint-url", "http://127.0.0.1:99999"], {}, {}, 2,
                                   "http(s)://host[:port]"),
    "empty region": (["verify", "--region", ""], {}, {}, 2, "region must look like us-east-1"),
    "region in capitals": (["grade", "--region", "US-EAST-1"], {}, {}, 2, "region must look like us-east-1"),
    "region from the environment": (["verify"], {"PIPELINE_HARNESS_REGION": "mars-1"}, {}, 2,
                                    "region must look like us-east-1"),
    # the names the prefix makes
    "prefix too long": (["provision", "--prefix", LONG], {}, {}, 2, "a prefix of at most 17 characters"),
    "prefix too long for verify": (["verify", "--prefix", "a" * 40], {}, {}, 2, "load balancer 32"),
    "prefix in capitals": (["provision", "--prefix", "Lab-"], {}, {}, 2, "lower-case letters"),
    "prefix with an underscore": (["provision", "--prefix", "my_lab-"], {}, {}, 2,
                                  "prefix may hold only letters, digits and '-'"),
}
UNREACHABLE = {
    "nothing listens": ("http://{closed}", "does not answer at"),
    "the connection is closed": ("http://{closing}", "does not answer"),
    "an HTML page": ("http://{html}", "does not answer as AWS does"),
    "not HTTP at all": ("http://{garbage}", "does not answer"),
    "https to a plain server": ("https://{html}", "does not answer"),
    "a JSON answer": ("http://{json}", "does not answer as AWS does (ResponseParserError"),
    "an empty redirect": ("http://{moved}", "does not answer as AWS does"),
}


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _fill(value: str, **where: str) -> str:
    for key, text in where.items():
        value = value.replace("{" + key + "}", text)
    return value


@pytest.mark.parametrize("case", REFUSED_BEFORE_ANY_CALL, ids=list(REFUSED_BEFORE_ANY_CALL))
def test_bad_input_is_refused_with_one_line_and_exit_2_before_any_call(case, tmp_path, monkeypatch, capsys,
                                                                       api_calls):
    # given
    argv, environment, files, code, words = REFUSED_BEFORE_ANY_CALL[case]
    for name, text in files.items():
        if text is None:  # a symlink to itself
            (tmp_path / name).symlink_to(tmp_path / name)
        else:
            (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    for name, value in environment.items():
        monkeypatch.setenv(name, _fill(value, dir=str(tmp_path)))

    # when
    exit_code = main([_fill(a, dir=str(tmp_path)) for a in argv])

    # then
    assert exit_code == code
    assert words in _one_line(capsys.readouterr().err)
    assert api_calls == []


@pytest.mark.parametrize("case", UNREACHABLE, ids=list(UNREACHABLE))
def test_an_endpoint_that_is_not_aws_exits_3_with_one_line(case, endpoints, monkeypatch, capsys, api_calls):
    # given: one attempt, so a misbehaving endpoint costs no retries
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    url, words = UNREACHABLE[case]

    # when
    code = main(["provision", "--endpoint-url", _fill(url, **endpoints)])

    # then
    assert code == 3
    assert words in _one_line(capsys.readouterr().err)
    assert api_calls == ["GetCallerIdentity"]  # the first call failed: nothing was made


def test_localstack_that_is_not_there_exits_3(endpoints, monkeypatch, capsys, api_calls):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{endpoints['closed']}")

    code = main(["verify", "--target", "localstack"])

    assert code == 3
    assert "LocalStack does not answer" in _one_line(capsys.readouterr().err)
    assert api_calls == []


def test_an_http_server_that_is_not_localstack_exits_3(endpoints, monkeypatch, capsys, api_calls):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{endpoints['html']}")

    code = main(["verify", "--target", "localstack"])

    assert code == 3
    assert "answers, but not as LocalStack" in _one_line(capsys.readouterr().err)
    assert api_calls == []


def test_missing_credentials_on_aws_exit_3_with_one_line(no_aws_credentials, capsys):
    code = main(["verify", "--target", "aws", "--region", "eu-west-1"])

    assert code == 3
    assert "no AWS credentials" in _one_line(capsys.readouterr().err)


def test_an_unknown_profile_exits_3(no_aws_credentials, capsys):
    code = main(["teardown", "--target", "aws", "--profile", "nobody"])

    assert code == 3
    assert "profile 'nobody'" in _one_line(capsys.readouterr().err)


def test_provisioning_on_aws_refuses_an_account_not_allowed_before_any_create():
    # given
    target = aws.real("eu-west-1")
    target.session = sessions.session("eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    settings = Settings(target="aws", allowed_accounts="111111111111")
    with Stubber(target.client("sts")) as stub:
        stub.add_response("get_caller_identity", {
            "Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/x",
            "UserId": "AIDAEXAMPLE"})

        # when / then
        with pytest.raises(ConfigError, match="999999999999 is not in the allow-list; nothing was"), \
                Lab(settings, target) as lab:
            lab.provision()
    assert set(target._clients) == {"sts"}, "no client but STS was even made"


def test_credentials_that_may_not_read_the_lab_stop_provisioning_with_one_line_and_nothing_made(
        monkeypatch, capsys, api_calls):
    # given credentials that may only say who they are: every other read is AccessDenied
    recording = botocore.client.BaseClient._make_api_call

    def denied(self, operation, params):
        if operation == "GetCallerIdentity":
            return recording(self, operation, params)
        api_calls.append(operation)
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDenied", "Message": f"not authorized to perform {operation}"}},
            operation)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", denied)

    # when
    code = main(["provision"])

    # then: the first ownership read stops it, before any create
    assert code == 1
    assert "reading what already holds the lab's names failed, so nothing was created" in _one_line(
        capsys.readouterr().err)
    assert not [c for c in api_calls if c.startswith(("Create", "Put", "Register"))]
