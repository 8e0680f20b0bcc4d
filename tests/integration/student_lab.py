"""The lab as a student builds it by hand, step by step, with plain boto3 calls — not the harness's
provisioning code — so the grader is tested against a setup it did not make: with the student's own
connection and GitHub repository, and the tutorial's sample app (this repository's buildspec.yml
and sample_app/) as the source the pipeline's first run left in the artifact bucket.

`Lab` holds every choice the student makes; its defaults follow the tutorial, and a mutation is
`dataclasses.replace(CORRECT, ...)` with one of the tutorial's Common Mistakes.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pipeline_run
import pytest
from pipeline_run import BUILD, COMMIT

from pipeline_harness import iam as iam_policies
from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Target

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = ("sample_app/Dockerfile", "sample_app/index.php", "sample_app/health.php",
              "sample_app/app_info.php")
ECS_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonECS_FullAccess"
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}


@dataclass(frozen=True)
class Lab:
    repository: str = "my-ecs-php-app"
    scan_on_push: bool = True
    bucket: str = "dev-pipeline-artifacts-{account}"
    versioning: bool = True
    block_public_access: bool = True
    pipeline_role: str = "dev-codepipeline-service-role"
    pipeline_trust: str = "codepipeline.amazonaws.com"
    attach_ecs_full_access: bool = True
    pipeline_policy_drops: tuple[str, ...] = ()  # actions left out of the pasted JSON
    codebuild_role: str = "dev-codebuild-service-role"
    codebuild_trust: str = "codebuild.amazonaws.com"
    codebuild_policy_drops: tuple[str, ...] = ()
    project: str = "dev-php-app-build"
    privileged: bool = True
    image: str = "aws/codebuild/standard:7.0"
    env_names: tuple[str, ...] = ("AWS_ACCOUNT_ID", "AWS_DEFAULT_REGION", "IMAGE_REPO_NAME",
                                  "CONTAINER_NAME")
    log_group: str = "/aws/codebuild/{project}"
    pipeline: str = "dev-php-app-pipeline"
    github: str = "student/my-ecs-php-app"  # the student's own repository
    branch: str = "main"
    image_definitions_file: str = "imagedefinitions.json"
    deploy_cluster: str | None = None  # the cluster the Deploy stage names; None: the real one
    cluster: str = "dev-cluster"
    service: str = "dev-php-app-alb-service"
    deployment_controller: str = "ECS"  # CODE_DEPLOY: a blue/green service the ECS action can't update
    platforms: tuple[str, ...] = ("amd64", "arm64")
    tags: tuple[str, ...] = (COMMIT, "latest", BUILD)


CORRECT = Lab()


# one counter per test process, whatever module draws from it: two modules on one worker never meet
# in an account (moto's accounts are the whole server's, so each worker's range starts at its pid's)
_unused_accounts = itertools.count(200_000_000_000 + 1_000_000 * (os.getpid() % 100_000))


def unused_account_id() -> str:
    """An account id no other lab of this test run is in."""
    return str(next(_unused_accounts))


def fresh_account(target: Target) -> Target:
    """The target in an account no other lab of this test run is in (moto and LocalStack both
    act, for a role assumed into an account id, in that account's own state)."""
    account = unused_account_id()
    made = student_account(target, account)
    if made.account != account:  # a broken isolation, not a gap: the labs would share one state
        pytest.fail(f"a role assumed into account {account} answers as account {made.account}: "
                    "the tests would share one account's state")
    return made


def student_account(target: Target, account: str) -> Target:
    """The target as seen from another account: the grader assumes a role there, as in a class."""
    creds = target.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/student",
                                             RoleSessionName="student-lab")["Credentials"]
    session = sessions.session(target.region, aws_access_key_id=creds["AccessKeyId"],
                               aws_secret_access_key=creds["SecretAccessKey"],
                               aws_session_token=creds["SessionToken"])
    return target.with_session(session)


def as_the_environment(account: Target, monkeypatch) -> list[str]:
    """The account's credentials as the environment's (no profile, endpoint or target set there),
    as a student's shell has them; returns the command line's options to reach the account."""
    credentials = account.session.get_credentials().get_frozen_credentials()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "PIPELINE_HARNESS_TARGET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)
    return ["--target", "aws", "--endpoint-url", account.endpoint_url, "--region", account.region]


def build(target: Target, lab: Lab = CORRECT) -> None:
    """Steps 1–7 of the tutorial (plus the cluster, service and ALB it assumes) in the account."""
    account = target.account
    _ecr(target, lab)
    _bucket(target, lab, account)
    _roles(target, lab)
    _project(target, lab, account)
    _prerequisites(target, lab, account)
    _pipeline(target, lab, account)
    _verify(target, lab, account)


def _ecr(target: Target, lab: Lab) -> None:
    target.client("ecr").create_repository(
        repositoryName=lab.repository, imageScanningConfiguration={"scanOnPush": lab.scan_on_push})


def _bucket(target: Target, lab: Lab, account: str) -> None:
    s3, name = target.client("s3"), lab.bucket.format(account=account)
    # S3's rule: a region's constraint is given, except us-east-1's, which is the default
    where = {} if target.region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": target.region}}
    s3.create_bucket(Bucket=name, **where)
    if lab.block_public_access:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=BLOCK_ALL)
    if lab.versioning:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def _trust(principal: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]})


def _pasted(filename: str, drops: tuple[str, ...]) -> str:
    """The tutorial's JSON as pasted in the console, minus the actions the student left out."""
    doc = iam_policies.document(filename)
    for statement in doc["Statement"]:
        actions = statement["Action"]
        statement["Action"] = [a for a in ([actions] if isinstance(actions, str) else actions)
                               if a not in drops]
    return json.dumps(doc)


def _roles(target: Target, lab: Lab) -> None:
    iam = target.client("iam")
    iam.create_role(RoleName=lab.pipeline_role, AssumeRolePolicyDocument=_trust(lab.pipeline_trust))
    if lab.attach_ecs_full_access:
        iam.attach_role_policy(RoleName=lab.pipeline_role, PolicyArn=ECS_FULL_ACCESS)
    iam.put_role_policy(RoleName=lab.pipeline_role, PolicyName="CodePipelineCustomPolicy",
                        PolicyDocument=_pasted("CodePipelineCustomPolicy.json",
                                               lab.pipeline_policy_drops))
    iam.create_role(RoleName=lab.codebuild_role, AssumeRolePolicyDocument=_trust(lab.codebuild_trust))
    iam.put_role_policy(RoleName=lab.codebuild_role, PolicyName="CodeBuildCustomPolicy",
                        PolicyDocument=_pasted("CodeBuildCustomPolicy.json",
                                               lab.codebuild_policy_drops))


def _project(target: Target, lab: Lab, account: str) -> None:
    values = (account, target.region, lab.repository, "php-app-container")
    where = {"location": target.quirks.codebuild_pipeline_location} \
        if target.quirks.codebuild_pipeline_location else {}
    target.client("codebuild").create_project(
        name=lab.project,
        source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml", **where},
        artifacts={"type": "CODEPIPELINE", **where},
        environment={"type": "LINUX_CONTAINER", "image": lab.image,
                     "computeType": "BUILD_GENERAL1_SMALL", "privilegedMode": lab.privileged,
                     "environmentVariables": [{"name": n, "value": v, "type": "PLAINTEXT"}
                                              for n, v in zip(lab.env_names, values, strict=True)]},
        serviceRole=f"arn:aws:iam::{account}:role/{lab.codebuild_role}",
        logsConfig={"cloudWatchLogs": {"status": "ENABLED",
                                       "groupName": lab.log_group.format(project=lab.project)}})


def _prerequisites(target: Target, lab: Lab, account: str) -> None:
    """The cluster, service and ALB the tutorial says are already deployed."""
    ec2, elbv2, ecs = target.client("ec2"), target.client("elbv2"), target.client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{target.region}{zone}")["Subnet"]["SubnetId"]
               for i, zone in ((1, "a"), (2, "b"))]
    group_id = ec2.create_security_group(GroupName="dev-php-app-sg", Description="HTTP",
                                         VpcId=vpc)["GroupId"]
    lb = elbv2.create_load_balancer(Name="dev-php-app-alb", Subnets=subnets,
                                    SecurityGroups=[group_id])["LoadBalancers"][0]
    group = elbv2.create_target_group(Name="dev-php-app-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                      TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    ecs.create_cluster(clusterName=lab.cluster)
    image = f"{account}.dkr.ecr.{target.region}.amazonaws.com/{lab.repository}:{COMMIT}"
    task = ecs.register_task_definition(
        family="dev-php-app-task", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=[{
            "name": "php-app-container", "image": image, "essential": True,
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}]}])
    ecs.create_service(
        cluster=lab.cluster, serviceName=lab.service, desiredCount=1, launchType="FARGATE",
        taskDefinition=task["taskDefinition"]["taskDefinitionArn"],
        loadBalancers=[{"targetGroupArn": group, "containerName": "php-app-container",
                        "containerPort": 80}],
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": [group_id], "assignPublicIp": "ENABLED"}},
        deploymentController={"type": lab.deployment_controller})


def connection_arn(region: str, account: str) -> str:
    """The student's own connection, as the console shows its ARN (the emulator has no such API)."""
    return (f"arn:aws:codestar-connections:{region}:{account}:connection/"
            f"{uuid.uuid5(uuid.NAMESPACE_URL, account)}")


def _action(category: str, provider: str, configuration: dict, inputs=(), outputs=()) -> dict:
    return {"name": category, "runOrder": 1,
            "actionTypeId": {"category": category, "owner": "AWS", "provider": provider,
                             "version": "1"},
            "configuration": configuration,
            "inputArtifacts": [{"name": n} for n in inputs],
            "outputArtifacts": [{"name": n} for n in outputs]}


def _pipeline(target: Target, lab: Lab, account: str) -> None:
    target.client("codepipeline").create_pipeline(pipeline={
        "name": lab.pipeline, "roleArn": f"arn:aws:iam::{account}:role/{lab.pipeline_role}",
        "artifactStore": {"type": "S3", "location": lab.bucket.format(account=account)},
        "pipelineType": "V2",
        "stages": [
            {"name": "Source", "actions": [_action("Source", "CodeStarSourceConnection", {
                "ConnectionArn": connection_arn(target.region, account),
                "FullRepositoryId": lab.github, "BranchName": lab.branch,
                "OutputArtifactFormat": "CODE_ZIP"}, outputs=["SourceArtifact"])]},
            {"name": "Build", "actions": [_action("Build", "CodeBuild", {
                "ProjectName": lab.project}, inputs=["SourceArtifact"], outputs=["BuildArtifact"])]},
            {"name": "Deploy", "actions": [_action("Deploy", "ECS", {
                "ClusterName": lab.deploy_cluster or lab.cluster, "ServiceName": lab.service,
                "FileName": lab.image_definitions_file}, inputs=["BuildArtifact"])]},
        ]})


def _source() -> dict[str, str]:
    return {path: (ROOT / path).read_text() for path in ("buildspec.yml", *SAMPLE_APP)}


def _verify(target: Target, lab: Lab, account: str) -> None:
    """What the first pipeline run leaves: an execution, its artifacts, the image with three tags."""
    target.client("codepipeline").start_pipeline_execution(name=lab.pipeline)
    bucket = lab.bucket.format(account=account)
    # the tutorial's policy lets the pipeline write only to dev-pipeline-artifacts-*
    if fnmatch.fnmatch(bucket, "dev-pipeline-artifacts-*"):
        image = f"{account}.dkr.ecr.{target.region}.amazonaws.com/{lab.repository}:{COMMIT}"
        pipeline_run.store_artifact(target, bucket, lab.pipeline, "SourceArtifact", _source())
        pipeline_run.store_artifact(target, bucket, lab.pipeline, "BuildArtifact", {
            "imagedefinitions.json": pipeline_run.definitions("php-app-container", image)})
    pipeline_run.push(target, lab.repository, lab.platforms, lab.tags)
