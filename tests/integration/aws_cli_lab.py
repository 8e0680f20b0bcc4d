"""The lab as a student types it with the AWS CLI, command by command: not the harness's code or
defaults, and not the boto3 lab beside it either. The student works in their own region with their
own GitHub connection (a codeconnections ARN, as the console makes them since July 2024) and their
own repository and source (tests/data/aws_cli_lab/), and picks a different valid choice wherever the
tutorial leaves one: immutable tags, roles under a path of their own with extra policies, tags on
everything, an encrypted bucket, a bigger build machine with an extra variable, a V2 pipeline with
a variable, action and artifact names of their own, two tasks.

The AWS CLI (the `awscli` package: v1 on the same botocore) runs in this process through its own
driver, so each command line goes through the CLI's parsing, shorthand syntax and file:// loading
as typed, for a few milliseconds: one driver per test process, switched to each student's
credentials (a process per command would cost half a second each).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shlex
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pipeline_run
from awscli.clidriver import CLIDriver, create_clidriver
from pipeline_run import BUILD, COMMIT

from pipeline_harness.targets import sessions
from pipeline_harness.targets.base import Target

DATA = Path(__file__).resolve().parents[1] / "data" / "aws_cli_lab"
REGION = "eu-north-1"
TAGS = "Key=course,Value=devops-101 Key=student,Value=student-42"


def _repository_files() -> dict[str, str]:
    root = DATA / "repository"
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class Lab:
    """Every choice the student makes; a mutation is dataclasses.replace(CORRECT, ...)."""

    region: str = REGION
    github: str = "student-42/my-ecs-php-app"
    output_format: str = "CODE_ZIP"
    branch: str = "main"
    scan_on_push: bool = True
    public_access_block: str = ("BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,"
                                "RestrictPublicBuckets=true")
    versioning: bool = True
    role_path: str = "/course/"
    codebuild_trust: str = "codebuild.amazonaws.com"
    attach_ecs_full_access: bool = True
    codebuild_statements_left_out: tuple[int, ...] = ()  # of the tutorial's JSON, as pasted
    privileged: bool = True
    image: str = "aws/codebuild/standard:7.0"
    region_variable: str = "AWS_DEFAULT_REGION"
    log_group: str = "/aws/codebuild/dev-php-app-build"
    deploy_cluster: str = "dev-cluster"
    deploy_file: str = "imagedefinitions.json"
    source: Mapping[str, str] = field(default_factory=_repository_files)
    # what the build writes and delivers, as the buildspec in `source` does (None: the build fails)
    written: tuple[str, str] | None = ("imagedefinitions.json", "php-app-container")


CORRECT = Lab()


def edited(path: str, old: str, new: str) -> dict[str, str]:
    """The correct repository with one file changed, `old` replaced once by `new`."""
    files = _repository_files()
    assert files[path].count(old) == 1, f"{old!r} is not once in {path}"
    files[path] = files[path].replace(old, new)
    return files


# --- the AWS CLI, in this process -----------------------------------------------------------------

@cache
def _driver() -> CLIDriver:
    driver = create_clidriver()

    # each command would add one more stream handler, and botocore's makes the logger log DEBUG
    # records for that handler to drop; the CLI's intent is only that it reports errors
    def errors_only(logger_name: str, log_level: int = logging.DEBUG, **_) -> None:
        logging.getLogger(logger_name).setLevel(log_level)

    driver.session.set_stream_logger = errors_only
    _keep_clients(driver.session)
    return driver


def _keep_clients(session: Any) -> None:
    """The CLI makes a new client for every command, as a shell's `aws` process would and then drop
    it. In one process each is 15 ms and a garbage cycle, so the client a command asks for is made
    once per service, region and endpoint for the student typing, and kept while they type: the same
    client, the same calls."""
    create, kept = session.create_client, {}

    def create_client(service_name: str, **options: Any) -> Any:
        student = session.get_credentials().get_frozen_credentials()
        key = (student, service_name, tuple(sorted(options.items())))
        if key not in kept:
            if any(typed_by != student for typed_by, *_ in kept):
                kept.clear()  # another student's clients: their lab is typed
            kept[key] = create(service_name, **options)
        return kept[key]

    session.create_client = create_client


# --- the AWS CLI, as one student -------------------------------------------------------------------

class AwsCli:
    """`aws ...` command lines run by the AWS CLI's driver, as one student at one endpoint."""

    def __init__(self, target: Target, region: str, workdir: Path):
        self.credentials = target.session.get_credentials().get_frozen_credentials()
        self.endpoint, self.region, self.workdir = target.endpoint_url, region, workdir
        self.typed: list[str] = []

    def file(self, name: str, content: str | dict) -> str:
        """A file the student saves to pass as file://…"""
        path = self.workdir / name
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
        return f"file://{path}"

    def __call__(self, command: str) -> str:
        """Run `aws <command>`; its standard output, stripped."""
        self.typed.append(f"aws {command}")
        driver = _driver()
        driver.session.set_credentials(self.credentials.access_key, self.credentials.secret_key,
                                       self.credentials.token)
        args = [*shlex.split(command), "--region", self.region]
        if self.endpoint:  # where the emulator listens; a student on AWS types none
            args += ["--endpoint-url", self.endpoint]
        if "--output" not in args:  # the CLI keeps the last --output for the next command
            args += ["--output", "json"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = driver.main(args)
        if code:
            raise RuntimeError(f"aws {command} exited {code}: {err.getvalue().strip()}")
        return out.getvalue().strip()


# --- the tutorial's steps, typed ------------------------------------------------------------------

def _trust(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def _step1_ecr(aws: AwsCli, lab: Lab) -> None:
    aws(f"ecr create-repository --repository-name my-ecs-php-app --image-tag-mutability IMMUTABLE "
        f"--image-scanning-configuration scanOnPush={str(lab.scan_on_push).lower()} --tags {TAGS}")


def _step3_bucket(aws: AwsCli, lab: Lab, bucket: str) -> None:
    aws(f"s3api create-bucket --bucket {bucket} "
        f"--create-bucket-configuration LocationConstraint={lab.region}")
    aws(f"s3api put-public-access-block --bucket {bucket} "
        f"--public-access-block-configuration {lab.public_access_block}")
    if lab.versioning:
        aws(f"s3api put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled")
    aws(f"s3api put-bucket-encryption --bucket {bucket} --server-side-encryption-configuration "
        "'{\"Rules\": [{\"ApplyServerSideEncryptionByDefault\": {\"SSEAlgorithm\": \"AES256\"}}]}'")
    aws(f"s3api put-bucket-tagging --bucket {bucket} --tagging "
        "'TagSet=[{Key=course,Value=devops-101},{Key=student,Value=student-42}]'")


def _step4_roles(aws: AwsCli, lab: Lab) -> None:
    trust = aws.file("codepipeline-trust.json", _trust("codepipeline.amazonaws.com"))
    aws(f"iam create-role --role-name dev-codepipeline-service-role --path {lab.role_path} "
        f"--assume-role-policy-document {trust} --tags {TAGS}")
    if lab.attach_ecs_full_access:
        aws("iam attach-role-policy --role-name dev-codepipeline-service-role "
            "--policy-arn arn:aws:iam::aws:policy/AmazonECS_FullAccess")
    aws("iam put-role-policy --role-name dev-codepipeline-service-role --policy-name "
        f"CodePipelineCustomPolicy --policy-document file://{DATA / 'CodePipelineCustomPolicy.json'}")
    trust = aws.file("codebuild-trust.json", _trust(lab.codebuild_trust))
    aws(f"iam create-role --role-name dev-codebuild-service-role --path {lab.role_path} "
        f"--assume-role-policy-document {trust} --tags {TAGS}")
    pasted = json.loads((DATA / "CodeBuildCustomPolicy.json").read_text())
    pasted["Statement"] = [s for n, s in enumerate(pasted["Statement"])
                           if n not in lab.codebuild_statements_left_out]
    aws("iam put-role-policy --role-name dev-codebuild-service-role --policy-name CodeBuildCustomPolicy "
        f"--policy-document {aws.file('CodeBuildCustomPolicy.json', pasted)}")
    # an extra policy of the student's own, to read the build logs from the console
    aws("iam attach-role-policy --role-name dev-codebuild-service-role "
        "--policy-arn arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess")


def _step5_project(aws: AwsCli, lab: Lab, target: Target, account: str) -> None:
    # the emulator wants a location even for CodePipeline source and artifacts (AWS ignores it)
    where = {"location": target.quirks.codebuild_pipeline_location} \
        if target.quirks.codebuild_pipeline_location else {}
    variables = {"AWS_ACCOUNT_ID": account, lab.region_variable: lab.region,
                 "IMAGE_REPO_NAME": "my-ecs-php-app", "CONTAINER_NAME": "php-app-container",
                 "APP_ENV": "dev"}
    project = {
        "name": "dev-php-app-build", "description": "Builds my PHP app for amd64 and arm64",
        "source": {"type": "CODEPIPELINE", "buildspec": "buildspec.yml", **where},
        "artifacts": {"type": "CODEPIPELINE", **where},
        "environment": {"type": "LINUX_CONTAINER", "image": lab.image,
                        "computeType": "BUILD_GENERAL1_MEDIUM", "privilegedMode": lab.privileged,
                        "environmentVariables": [{"name": k, "value": v, "type": "PLAINTEXT"}
                                                 for k, v in variables.items()]},
        "serviceRole": f"arn:aws:iam::{account}:role{lab.role_path}dev-codebuild-service-role",
        "timeoutInMinutes": 30,
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED", "groupName": lab.log_group,
                                          "streamName": "build"}},
        "tags": [{"key": "course", "value": "devops-101"}],
    }
    aws(f"codebuild create-project --cli-input-json {aws.file('codebuild-project.json', project)}")


def _prerequisites(target: Target, lab: Lab, account: str) -> None:
    """The cluster, service and ALB the tutorial says are already deployed: the earlier lab's
    stack, built here in one go with plain boto3 (this lab's own steps are the ones typed)."""
    ec2, elbv2, ecs = target.client("ec2"), target.client("elbv2"), target.client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{n}.0/24",
                                 AvailabilityZone=f"{lab.region}{zone}")["Subnet"]["SubnetId"]
               for n, zone in ((1, "a"), (2, "b"))]
    group = ec2.create_security_group(GroupName="dev-php-app-web", Description="HTTP in",
                                      VpcId=vpc)["GroupId"]
    balancer = elbv2.create_load_balancer(Name="dev-php-app-alb", Subnets=subnets,
                                          SecurityGroups=[group])["LoadBalancers"][0]["LoadBalancerArn"]
    targets = elbv2.create_target_group(Name="dev-php-app-targets", Protocol="HTTP", Port=80, VpcId=vpc,
                                        TargetType="ip", HealthCheckPath="/health.php",
                                        )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=balancer, Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": targets}])
    ecs.create_cluster(clusterName="dev-cluster")
    task = ecs.register_task_definition(**_task(lab, account))["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="dev-cluster", serviceName="dev-php-app-alb-service", taskDefinition=task,
        desiredCount=2, launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": targets, "containerName": "php-app-container",
                        "containerPort": 80}],
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": [group], "assignPublicIp": "ENABLED"}})


def _task(lab: Lab, account: str) -> dict:
    return {"family": "php-app", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{
                "name": "php-app-container", "essential": True,
                "image": f"{account}.dkr.ecr.{lab.region}.amazonaws.com/my-ecs-php-app:{COMMIT}",
                "portMappings": [{"containerPort": 80, "protocol": "tcp"}]}]}


def connection_arn(lab: Lab, account: str) -> str:
    """The student's own connection, made and authorised in the console (Step 2)."""
    return (f"arn:aws:codeconnections:{lab.region}:{account}:connection/"
            f"{uuid.uuid5(uuid.NAMESPACE_URL, account)}")


def _action(name: str, category: str, provider: str, configuration: dict, inputs=(), outputs=(),
            namespace: str | None = None) -> dict:
    action = {"name": name, "runOrder": 1, "configuration": configuration,
              "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"},
              "inputArtifacts": [{"name": n} for n in inputs],
              "outputArtifacts": [{"name": n} for n in outputs]}
    return {**action, "namespace": namespace} if namespace else action


SOURCE_OUTPUT, BUILD_OUTPUT = "source_output", "build_output"


def _step6_pipeline(aws: AwsCli, lab: Lab, account: str, bucket: str) -> None:
    pipeline = {"pipeline": {
        "name": "dev-php-app-pipeline",
        "roleArn": f"arn:aws:iam::{account}:role{lab.role_path}dev-codepipeline-service-role",
        "artifactStore": {"type": "S3", "location": bucket},
        "pipelineType": "V2",
        "variables": [{"name": "DEPLOY_ENV", "defaultValue": "dev", "description": "where it goes"}],
        "stages": [
            {"name": "Source", "actions": [_action("GitHub-Source", "Source", "CodeStarSourceConnection", {
                "ConnectionArn": connection_arn(lab, account), "FullRepositoryId": lab.github,
                "BranchName": lab.branch, "OutputArtifactFormat": lab.output_format,
                "DetectChanges": "true"}, outputs=[SOURCE_OUTPUT], namespace="SourceVariables")]},
            {"name": "Build", "actions": [_action("Docker-Build", "Build", "CodeBuild", {
                "ProjectName": "dev-php-app-build"}, inputs=[SOURCE_OUTPUT], outputs=[BUILD_OUTPUT])]},
            {"name": "Deploy", "actions": [_action("ECS-Deploy", "Deploy", "ECS", {
                "ClusterName": lab.deploy_cluster, "ServiceName": "dev-php-app-alb-service",
                "FileName": lab.deploy_file}, inputs=[BUILD_OUTPUT])]},
        ]},
        "tags": [{"key": "course", "value": "devops-101"}]}
    aws(f"codepipeline create-pipeline --cli-input-json {aws.file('pipeline.json', pipeline)}")
    aws("codepipeline start-pipeline-execution --name dev-php-app-pipeline")  # "Release change"


def _first_run(target: Target, lab: Lab, account: str, bucket: str) -> None:
    """What the execution left: the student's source, what the build wrote, the image pushed."""
    pipeline_run.store_artifact(target, bucket, "dev-php-app-pipeline", SOURCE_OUTPUT, lab.source)
    if lab.written is not None:
        name, container = lab.written
        image = f"{account}.dkr.ecr.{lab.region}.amazonaws.com/my-ecs-php-app:{COMMIT}"
        pipeline_run.store_artifact(target, bucket, "dev-php-app-pipeline", BUILD_OUTPUT,
                                    {name: pipeline_run.definitions(container, image)})
    pipeline_run.push(target, "my-ecs-php-app", ("amd64", "arm64"), (COMMIT, "latest", BUILD))


def in_region(target: Target, region: str) -> Target:
    """The student's target in the region the student works in."""
    credentials = target.session.get_credentials().get_frozen_credentials()
    made = target.with_session(sessions.session(
        region, aws_access_key_id=credentials.access_key, aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token))
    made.region = region
    return made


def build(target: Target, workdir: Path, lab: Lab = CORRECT) -> Target:
    """Steps 1–7 typed with the AWS CLI in the target's account; returns the target in the lab's
    region, where the student graded is."""
    student, account = in_region(target, lab.region), target.account  # the console shows it
    aws = AwsCli(student, lab.region, workdir)
    bucket = f"dev-pipeline-artifacts-{account}"
    _step1_ecr(aws, lab)
    _step3_bucket(aws, lab, bucket)
    _step4_roles(aws, lab)
    _step5_project(aws, lab, student, account)
    _prerequisites(student, lab, account)
    _step6_pipeline(aws, lab, account, bucket)
    _first_run(student, lab, account, bucket)
    return student
