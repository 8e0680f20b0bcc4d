import re
import tomllib
from pathlib import Path

import pytest

from pipeline_harness.core.errors import ConfigError
from pipeline_harness.settings import TAG_RUN_ID, Settings, load


def test_defaults_are_the_tutorials_names():
    names = Settings().names("123456789012")

    assert names.ecr_repository == "my-ecs-php-app"
    assert names.connection_name == "github-connection"
    assert names.artifact_bucket == "dev-pipeline-artifacts-123456789012"
    assert (names.pipeline_role, names.codebuild_role) == (
        "dev-codepipeline-service-role", "dev-codebuild-service-role")
    assert (names.pipeline_policy, names.codebuild_policy) == (
        "CodePipelineCustomPolicy", "CodeBuildCustomPolicy")
    assert names.codebuild_project == "dev-php-app-build"
    assert names.log_group == "/aws/codebuild/dev-php-app-build"
    assert names.pipeline == "dev-php-app-pipeline"
    assert (names.cluster, names.service, names.load_balancer) == (
        "dev-cluster", "dev-php-app-alb-service", "dev-php-app-alb")
    settings = Settings()
    assert settings.codebuild_image == "aws/codebuild/standard:7.0"
    assert (settings.branch, settings.container, settings.image_definitions_file) == (
        "main", "php-app-container", "imagedefinitions.json")


def test_prefix_applies_to_every_created_name_and_the_bucket_keeps_the_policy_pattern():
    names = Settings(prefix="run7-").names("123456789012")

    assert names.ecr_repository == "run7-my-ecs-php-app"
    assert names.pipeline == "run7-dev-php-app-pipeline"
    assert names.log_group == "/aws/codebuild/run7-dev-php-app-build"
    # the tutorial's policies grant arn:aws:s3:::dev-pipeline-artifacts-*
    assert names.artifact_bucket == "dev-pipeline-artifacts-123456789012-run7"


def test_every_created_resource_is_tagged_with_the_run_id():
    settings = Settings(run_id="abc123")

    assert settings.tags[TAG_RUN_ID] == "abc123"


def test_toml_then_environment_then_options_override_in_that_order(tmp_path):
    # given
    config = tmp_path / "lab.toml"
    config.write_text('[lab]\ncluster = "from-toml"\nservice = "svc-toml"\nregion = "eu-west-1"\n'
                      'tag_immutability = true\n')
    environ = {"PIPELINE_HARNESS_SERVICE": "svc-env", "PIPELINE_HARNESS_REGION": "eu-north-1"}

    # when
    settings = load(config=config, environ=environ, region="ap-south-1")

    # then
    assert settings.cluster == "from-toml"
    assert settings.service == "svc-env"
    assert settings.region == "ap-south-1"
    assert settings.tag_immutability is True


def test_config_file_can_be_named_in_the_environment(tmp_path):
    config = tmp_path / "lab.toml"
    config.write_text('pipeline = "my-pipe"\n')

    settings = load(environ={"PIPELINE_HARNESS_CONFIG": str(config)})

    assert settings.pipeline == "my-pipe"


@pytest.mark.parametrize("content, message", [
    ('clustr = "x"\n', "unknown setting 'clustr'"),
    ("cluster = \n", "not valid TOML"),
    ('tag_immutability = "maybe"\n', "tag_immutability must be true or false"),
    ('desired_count = "many"\n', "desired_count must be a whole number"),
    ('target = "gcp"\n', "target must be moto, localstack or aws"),
    ('github_repository = "no-slash"\n', "must be owner/repo"),
    ('prefix = "bad prefix!"\n', "prefix may hold only"),
])
def test_a_broken_config_is_one_clear_config_error(tmp_path, content, message):
    config = tmp_path / "lab.toml"
    config.write_text(content)

    with pytest.raises(ConfigError, match=message):
        load(config=config, environ={})


def test_a_missing_or_binary_config_file_is_a_config_error(tmp_path):
    binary = tmp_path / "lab.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")

    with pytest.raises(ConfigError, match="does not exist"):
        load(config=tmp_path / "nope.toml", environ={})
    with pytest.raises(ConfigError, match=r"cannot be read|not valid TOML"):
        load(config=binary, environ={})


def test_allowed_accounts_are_read_from_a_comma_separated_list():
    settings = load(environ={"PIPELINE_HARNESS_ALLOWED_ACCOUNTS": " 111111111111, 222222222222 "})

    assert settings.allowed_account_ids == {"111111111111", "222222222222"}


# --- bad values that used to be tracebacks or silently changed ------------------------------------

@pytest.mark.parametrize("content", ['lab = "x"\n', "lab = 5\n", 'lab = ["a"]\n'])
def test_a_lab_key_that_is_not_a_table_is_a_config_error(tmp_path, content):
    config = tmp_path / "lab.toml"
    config.write_text(content)

    with pytest.raises(ConfigError, match=r"\[lab\] must be a table"):
        load(config=config, environ={})


@pytest.mark.parametrize("content, message", [
    ("container_port = inf\n", "container_port must be a whole number"),
    ("desired_count = inf\n", "desired_count must be a whole number"),
    ("container_port = nan\n", "container_port must be a whole number"),
    ("container_port = 80.9\n", "container_port must be a whole number"),
    ("container_port = 80.0\n", "container_port must be a whole number"),
    ("container_port = true\n", "container_port must be a whole number"),
    ("desired_count = false\n", "desired_count must be a whole number"),
    ("desired_count = [1]\n", "desired_count must be a whole number"),
    ("container_port = 0\n", "container_port must be between 1 and 65535"),
    ("container_port = 65536\n", "container_port must be between 1 and 65535"),
    ("container_port = -80\n", "container_port must be between 1 and 65535"),
    ("desired_count = -1\n", "desired_count must be between 0 and 1000"),
    ("desired_count = 5001\n", "desired_count must be between 0 and 1000"),
    ("desired_count = 9223372036854775807\n", "desired_count must be between 0 and 1000"),
])
def test_integer_settings_must_be_toml_integers_in_range(tmp_path, content, message):
    config = tmp_path / "lab.toml"
    config.write_text(content)

    with pytest.raises(ConfigError, match=message):
        load(config=config, environ={})


@pytest.mark.parametrize("value", ["inf", "80.9", "true", "٨٠", "8_0", "9" * 5000, ""])
def test_integer_settings_from_the_environment_must_be_ascii_digits(value):
    with pytest.raises(ConfigError, match="container_port must be"):
        load(environ={"PIPELINE_HARNESS_CONTAINER_PORT": value})


def test_integer_settings_in_range_are_kept():
    settings = load(environ={"PIPELINE_HARNESS_CONTAINER_PORT": " 8080 ",
                             "PIPELINE_HARNESS_DESIRED_COUNT": "0"})

    assert (settings.container_port, settings.desired_count) == (8080, 0)
    assert Settings(container_port=65535, desired_count=1000).container_port == 65535


@pytest.mark.parametrize("setting, template", [
    ("artifact_bucket", "bucket-{foo}"),
    ("artifact_bucket", "bucket-x{"),
    ("artifact_bucket", "bucket-x}"),
    ("artifact_bucket", "bucket-{0}"),
    ("artifact_bucket", "bucket-{}"),
    ("artifact_bucket", "bucket-{account_id:>99999999999}"),
    ("artifact_bucket", "bucket-{account_id!r}"),
    ("artifact_bucket", "bucket-{account_id.__class__}"),
    ("artifact_bucket", "bucket-{account_id[0]}"),
    ("artifact_bucket", "bucket-{codebuild_project}"),
    ("log_group", "/aws/codebuild/{foo}"),
    ("log_group", "/aws/codebuild/{codebuild_project:>99999999999}"),
    ("log_group", "/aws/codebuild/{codebuild_project.__class__}"),
    ("log_group", "/aws/codebuild/{codebuild_project:{codebuild_project}}"),
    ("log_group", "/aws/codebuild/{account_id}"),
])
def test_a_name_template_with_anything_but_its_placeholder_is_a_config_error(tmp_path, setting, template):
    config = tmp_path / "lab.toml"
    config.write_text(f"{setting} = {template!r}\n")
    allowed = "{account_id}" if setting == "artifact_bucket" else "{codebuild_project}"

    for source in ({"config": config, "environ": {}},
                   {"environ": {f"PIPELINE_HARNESS_{setting.upper()}": template}}):
        with pytest.raises(ConfigError) as raised:
            load(**source)
        assert setting in str(raised.value) and allowed in str(raised.value)


def test_name_templates_with_their_placeholder_or_none_are_accepted():
    names = Settings(artifact_bucket="art-{account_id}-x", log_group="/lab/{codebuild_project}/b"
                     ).names("123456789012")
    plain = Settings(artifact_bucket="my-artifacts", log_group="/lab/logs").names("123456789012")

    assert (names.artifact_bucket, names.log_group) == ("art-123456789012-x", "/lab/dev-php-app-build/b")
    assert (plain.artifact_bucket, plain.log_group) == ("my-artifacts", "/lab/logs")


@pytest.mark.parametrize("source", [
    {"environ": {"PIPELINE_HARNESS_RUN_ID": ""}},
    {"environ": {"PIPELINE_HARNESS_RUN_ID": "   "}},
    {"environ": {"PIPELINE_HARNESS_RUN_ID": "r" * 257}},
    {"environ": {"PIPELINE_HARNESS_RUN_ID": "run;rm"}},
    {"environ": {}, "run_id": ""},
])
def test_a_run_id_that_cannot_be_a_tag_value_is_a_config_error(source):
    with pytest.raises(ConfigError, match="run_id"):
        load(**source)


def test_an_empty_run_id_in_the_config_file_is_a_config_error(tmp_path):
    config = tmp_path / "lab.toml"
    config.write_text('run_id = ""\n')

    with pytest.raises(ConfigError, match="run_id must be non-empty"):
        load(config=config, environ={})


def test_a_run_id_of_256_tag_characters_is_kept():
    run_id = "r" * 250 + "_.:/=+"

    assert load(environ={"PIPELINE_HARNESS_RUN_ID": run_id}).tags[TAG_RUN_ID] == run_id


REAL_VALUES = tomllib.loads(
    (Path(__file__).parents[2] / "data" / "settings" / "real_values.toml").read_text())


@pytest.mark.parametrize(("setting", "value"), [
    (setting, entry["value"]) for setting, entries in REAL_VALUES.items() for entry in entries])
def test_values_real_projects_give_aws_are_accepted(setting, value):
    assert getattr(Settings(**{setting: value}), setting) == value


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("connection_arn", "not-an-arn", "connection_arn must be a connection ARN"),
    # a connection's ARN, but of another service's resource
    ("connection_arn", "arn:aws:iam::123456789012:role/github-connection", "connection_arn must be"),
    ("connection_arn", "arn:aws:codestar-connections:us-east-1:1234:connection/x", "connection_arn must be"),
    ("container", "bad name!", "container must be up to 255 letters, digits, '_' and '-'"),
    ("container", "php.app", "container must be"),
    ("container", "c" * 256, "container must be"),
    ("health_check_path", "health.php", "health_check_path must be a path starting with '/'"),
    ("health_check_path", "/health check", "health_check_path must be"),
    ("health_check_path", "/" + "h" * 1024, "health_check_path must be"),
    ("codebuild_image", "", "codebuild_image must be an image without spaces"),
    ("codebuild_image", "aws/codebuild/standard: 7.0", "codebuild_image must be"),
    ("codebuild_compute_type", "SMALL", "codebuild_compute_type must be one of CodeBuild's compute types"),
], ids=lambda v: v if len(str(v)) < 40 else str(v)[:40])
def test_a_value_aws_would_refuse_is_a_config_error_naming_the_setting(setting, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings(**{setting: value})


def test_a_bad_value_from_the_config_file_is_refused_on_load(tmp_path):
    config = tmp_path / "lab.toml"
    config.write_text('[lab]\nhealth_check_path = "health.php"\n')

    with pytest.raises(ConfigError, match="health_check_path must be a path starting with '/'"):
        load(config)
