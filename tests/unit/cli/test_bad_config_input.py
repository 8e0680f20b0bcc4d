"""Bad settings and accounts files, tried as a new user would: exit 2 and one line on stderr — never
a traceback — refused before any AWS API call (the style of test_bad_input.py)."""

import botocore.client
import pytest

from pipeline_harness.cli import main


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


CONFIG = ["verify", "--config", "{dir}/lab.toml"]
STUDENT = "[[student]]\nname = 'Ada'\nprofile = 'ada'\n"
CLASS = ["grade", "--accounts", "{dir}/class.toml", "--output-dir", "{dir}/out"]
# id: (argv, environment, files {name: text}, exit code, words of the one line)
# {dir} in argv, the environment or a file is the test's own folder
REFUSED_BEFORE_ANY_CALL = {
    # [lab]
    "lab is text": (CONFIG, {}, {"lab.toml": "lab = 'x'\n"}, 2, "[lab] must be a table"),
    "lab is a number": (CONFIG, {}, {"lab.toml": "lab = 5\n"}, 2, "[lab] must be a table"),
    "lab is a list": (CONFIG, {}, {"lab.toml": "lab = ['a']\n"}, 2, "[lab] must be a table"),
    # whole numbers
    "port infinite": (CONFIG, {}, {"lab.toml": "container_port = inf\n"}, 2,
                      "container_port must be a whole number"),
    "count infinite": (CONFIG, {}, {"lab.toml": "desired_count = inf\n"}, 2,
                       "desired_count must be a whole number"),
    "port a fraction": (CONFIG, {}, {"lab.toml": "container_port = 80.9\n"}, 2,
                        "container_port must be a whole number"),
    "port a boolean": (CONFIG, {}, {"lab.toml": "container_port = true\n"}, 2,
                       "container_port must be a whole number"),
    "port zero": (CONFIG, {}, {"lab.toml": "container_port = 0\n"}, 2, "between 1 and 65535"),
    "port past 65535": (CONFIG, {}, {"lab.toml": "container_port = 70000\n"}, 2, "between 1 and 65535"),
    "count negative": (CONFIG, {}, {"lab.toml": "[lab]\ndesired_count = -1\n"}, 2, "between 0 and 1000"),
    "count huge": (["verify"], {"PIPELINE_HARNESS_DESIRED_COUNT": "99999"}, {}, 2, "between 0 and 1000"),
    "port in Arabic-Indic digits": (["verify"], {"PIPELINE_HARNESS_CONTAINER_PORT": "٨٠"}, {}, 2,
                                    "container_port must be a whole number"),
    # name templates
    "bucket unknown placeholder": (CONFIG, {}, {"lab.toml": "artifact_bucket = 'b-{foo}'\n"}, 2,
                                   "artifact_bucket may use only the placeholder {account_id}"),
    "bucket lone brace": (CONFIG, {}, {"lab.toml": "artifact_bucket = 'x{'\n"}, 2,
                          "artifact_bucket may use only"),
    "bucket positional": (CONFIG, {}, {"lab.toml": "artifact_bucket = '{0}'\n"}, 2,
                          "artifact_bucket may use only"),
    "log group huge padding": (CONFIG, {}, {"lab.toml": "log_group = '{codebuild_project:>99999999999}'\n"},
                               2, "log_group may use only the placeholder {codebuild_project}"),
    "log group attribute": (["verify"], {"PIPELINE_HARNESS_LOG_GROUP": "{codebuild_project.__class__}"}, {},
                            2, "log_group may use only"),
    # the run id
    "empty run id": (["verify"], {"PIPELINE_HARNESS_RUN_ID": ""}, {}, 2, "run_id must be non-empty"),
    "empty run id in the file": (CONFIG, {}, {"lab.toml": "run_id = ''\n"}, 2, "run_id must be non-empty"),
    "run id past a tag value": (["provision"], {"PIPELINE_HARNESS_RUN_ID": "r" * 257}, {}, 2,
                                "at most 256 characters"),
    # the accounts file
    "students as text": (CLASS, {}, {"class.toml": "student = ['a', 'b']\n"}, 2,
                         "student #1 must be a [[student]] table"),
    "students as numbers": (CLASS, {}, {"class.toml": "student = [1]\n"}, 2,
                            "student #1 must be a [[student]] table"),
    "role ARN in Arabic-Indic digits": (CLASS, {}, {"class.toml": "[[student]]\nname = 'a'\n"
                                        "role_arn = 'arn:aws:iam::١١١١٢٢٢٢٣٣٣٣:role/g'\n"}, 2,
                                        "is not an IAM role ARN"),
    "role ARN bogus partition": (CLASS, {}, {"class.toml": "[[student]]\nname = 'a'\n"
                                 "role_arn = 'arn:aws-bogus:iam::111122223333:role/g'\n"}, 2,
                                 "is not an IAM role ARN"),
    "empty student name": (CLASS, {}, {"class.toml": STUDENT + "[student.names]\npipeline = ''\n"}, 2,
                           "names.pipeline must be a non-empty name"),
    "student bad template": (CLASS, {}, {"class.toml": STUDENT + "[student.names]\nlog_group = '{x}'\n"}, 2,
                             "log_group may use only"),
    # --output-dir
    "output dir is a file": (["grade", "--accounts", "{dir}/class.toml", "--output-dir", "{dir}/class.toml"],
                             {}, {"class.toml": STUDENT}, 2, "--output-dir"),
    "output dir /dev/full": (["grade", "--accounts", "{dir}/class.toml", "--output-dir", "/dev/full"],
                             {}, {"class.toml": STUDENT}, 2, "--output-dir /dev/full"),
    "output dir in /proc": (["grade", "--accounts", "{dir}/class.toml", "--output-dir", "/proc/x"],
                            {}, {"class.toml": STUDENT}, 2, "--output-dir /proc/x"),
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
def test_bad_config_is_refused_with_one_line_and_exit_2_before_any_call(case, tmp_path, monkeypatch, capsys,
                                                                        api_calls):
    # given
    argv, environment, files, code, words = REFUSED_BEFORE_ANY_CALL[case]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name, value in environment.items():
        monkeypatch.setenv(name, _fill(value, dir=str(tmp_path)))

    # when
    exit_code = main([_fill(a, dir=str(tmp_path)) for a in argv])

    # then
    assert exit_code == code
    assert words in _one_line(capsys.readouterr().err)
    assert api_calls == []
    assert not (tmp_path / "out").exists(), "nothing was made"
