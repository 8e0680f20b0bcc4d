"""The lab resource each action of the tutorial's inline policies acts on, as the ARN IAM judges it on.

The Step 4 checks ask whether a role may do every action its tutorial policy lists on these ARNs, so
a policy scoped to the lab's own bucket, repository or connection passes like the tutorial's `*`.
"""

from __future__ import annotations

from dataclasses import dataclass

# action (lower case) -> the LabResources field naming what it acts on
ACTS_ON = {
    # CodePipelineCustomPolicy: artifacts, the build it starts, the GitHub connection
    "s3:getobject": "artifact",
    "s3:getobjectversion": "artifact",
    "s3:putobject": "artifact",
    "s3:getbucketlocation": "bucket",
    "s3:listbucket": "bucket",
    "codebuild:batchgetbuilds": "project",
    "codebuild:startbuild": "project",
    "codestar-connections:useconnection": "connection",
    # CodeBuildCustomPolicy: the image push, artifacts, the build's log stream
    "ecr:getauthorizationtoken": "account",
    "ecr:batchchecklayeravailability": "repository",
    "ecr:getdownloadurlforlayer": "repository",
    "ecr:batchgetimage": "repository",
    "ecr:putimage": "repository",
    "ecr:initiatelayerupload": "repository",
    "ecr:uploadlayerpart": "repository",
    "ecr:completelayerupload": "repository",
    "logs:createloggroup": "log_group",
    "logs:createlogstream": "log_stream",
    "logs:putlogevents": "log_stream",
}


@dataclass(frozen=True)
class LabResources:
    """The ARNs of the lab's resources, as IAM names them in a request."""

    bucket: str
    artifact: str
    repository: str
    connection: str
    project: str
    log_group: str
    log_stream: str
    account: str = "*"  # actions without resource-level permissions are judged on "*"

    @classmethod
    def of(cls, *, region: str, account: str, bucket: str, pipeline: str, repository: str,
           connection_arn: str, project: str, log_group: str, partition: str = "aws",
           build_id: str = "build") -> LabResources:
        logs = f"arn:{partition}:logs:{region}:{account}:log-group:{log_group}:log-stream:"
        return cls(
            bucket=f"arn:{partition}:s3:::{bucket}",
            # CodePipeline keeps a run's artifacts under the first 20 characters of the pipeline's name
            artifact=f"arn:{partition}:s3:::{bucket}/{pipeline[:20]}/artifact.zip",
            repository=f"arn:{partition}:ecr:{region}:{account}:repository/{repository}",
            connection=connection_arn,
            project=f"arn:{partition}:codebuild:{region}:{account}:project/{project}",
            # CloudWatch Logs judges group-level actions on "…:log-stream:" with an empty stream name,
            # as its AccessDenied messages for logs:CreateLogGroup show
            log_group=logs,
            log_stream=logs + build_id,
        )


def needs(document: dict, lab: LabResources) -> list[tuple[str, str]]:
    """(action, resource ARN) for every action the document allows, in its order and spelling.

    Only for the tutorial's two inline policies: an action they don't list raises KeyError."""
    found = document.get("Statement", [])
    out = []
    for statement in [found] if isinstance(found, dict) else found:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        for action in [actions] if isinstance(actions, str) else actions:
            out.append((action, getattr(lab, ACTS_ON[action.lower()])))
    return list(dict.fromkeys(out))
