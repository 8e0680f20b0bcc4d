"""What each tutorial action acts on in the lab, as the ARN IAM judges it on."""

import pytest

from pipeline_harness import iam as iam_policies
from pipeline_harness.iam.needs import ACTS_ON, LabResources, needs

ACCOUNT = "123456789012"
CONNECTION = f"arn:aws:codestar-connections:eu-north-1:{ACCOUNT}:connection/abc"
LAB = LabResources.of(
    region="eu-north-1", account=ACCOUNT, bucket=f"dev-pipeline-artifacts-{ACCOUNT}",
    pipeline="dev-php-app-pipeline", repository="my-ecs-php-app", connection_arn=CONNECTION,
    project="dev-php-app-build", log_group="/aws/codebuild/dev-php-app-build", build_id="b1")


def test_every_action_of_the_tutorials_inline_policies_has_a_lab_resource():
    # given the tutorial's two inline policies
    listed = {a.lower() for filename in ("CodePipelineCustomPolicy.json", "CodeBuildCustomPolicy.json")
              for _, a, _ in iam_policies.grants(iam_policies.document(filename))}

    # when / then: the mapping is exactly the tutorial's actions, no more
    assert listed == set(ACTS_ON)


def test_the_codebuild_policy_needs_the_repository_the_artifacts_and_the_build_log():
    # when
    found = dict(needs(iam_policies.document("CodeBuildCustomPolicy.json"), LAB))

    # then: spelled as the tutorial spells them
    assert found["ecr:GetAuthorizationToken"] == "*"
    assert found["ecr:PutImage"] == f"arn:aws:ecr:eu-north-1:{ACCOUNT}:repository/my-ecs-php-app"
    assert found["s3:PutObject"] == (f"arn:aws:s3:::dev-pipeline-artifacts-{ACCOUNT}"
                                     "/dev-php-app-pipeline/artifact.zip")
    assert found["logs:CreateLogGroup"] == (f"arn:aws:logs:eu-north-1:{ACCOUNT}:log-group:"
                                            "/aws/codebuild/dev-php-app-build:log-stream:")
    assert found["logs:PutLogEvents"] == found["logs:CreateLogGroup"] + "b1"


def test_the_codepipeline_policy_needs_the_bucket_the_project_and_the_connection():
    # when
    found = dict(needs(iam_policies.document("CodePipelineCustomPolicy.json"), LAB))

    # then
    bucket = f"arn:aws:s3:::dev-pipeline-artifacts-{ACCOUNT}"
    assert found["s3:ListBucket"] == found["s3:GetBucketLocation"] == bucket
    assert found["codebuild:StartBuild"] == (f"arn:aws:codebuild:eu-north-1:{ACCOUNT}"
                                             ":project/dev-php-app-build")
    assert found["codestar-connections:UseConnection"] == CONNECTION
    assert len(found) == 8


def test_artifacts_sit_under_the_first_twenty_characters_of_the_pipelines_name():
    # when
    lab = LabResources.of(region="eu-north-1", account=ACCOUNT, bucket="b",
                          pipeline="stu01-dev-php-app-pipeline", repository="r",
                          connection_arn=CONNECTION, project="p", log_group="/g")

    # then
    assert lab.artifact == "arn:aws:s3:::b/stu01-dev-php-app-pi/artifact.zip"


def test_an_action_the_tutorial_does_not_list_has_no_lab_resource():
    # given
    document = {"Statement": {"Effect": "Allow", "Action": "ecs:UpdateService", "Resource": "*"}}

    # when / then
    with pytest.raises(KeyError):
        needs(document, LAB)
