import pytest

from pipeline_harness.errors import ConfigError
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
