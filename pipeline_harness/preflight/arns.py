"""The ARN IAM judges a request on, for the run's own resource of each kind of the registry.

The policy files name each kind's resources by a pattern (`Kind.policy_resources`, any prefix, any
account); the simulator is asked about this run's resources themselves, by their run names. Where a
name is not known before the resource exists (an ALB's id, EC2's ids) the ARN ends in `*`, as a
policy statement would name it. A test checks that each ARN here is one its kind's patterns cover.
"""

from __future__ import annotations

from pipeline_harness.kinds.base import Kind
from pipeline_harness.settings import Names

# the actions that act on a bucket's objects rather than on the bucket
S3_OBJECT_ACTIONS = frozenset({"s3:deleteobject", "s3:deleteobjectversion", "s3:getobject", "s3:putobject"})
_IAM_ROLE = "arn:aws:iam::{account}:role/{name}"
_LOG_GROUP = "arn:aws:logs:{region}:{account}:log-group:{name}"

# per kind: its resource's ARN, filled with the run's region, account and the kind's name for the run
TEMPLATES: dict[str, str] = {
    "ecr_repository": "arn:aws:ecr:{region}:{account}:repository/{name}",
    "connection_name": "{connection}",
    "artifact_bucket": "arn:aws:s3:::{name}",
    "pipeline_role": _IAM_ROLE,
    "codebuild_role": _IAM_ROLE,
    "log_group": _LOG_GROUP,
    "codebuild_project": "arn:aws:codebuild:{region}:{account}:project/{name}",
    "network": "*",  # a VPC's id, and its parts', exist only once they are made
    "target_group": "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/*",
    "load_balancer": "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/*",
    "execution_role": _IAM_ROLE,
    "task_log_group": _LOG_GROUP,
    "cluster": "arn:aws:ecs:{region}:{account}:cluster/{name}",
    "task_family": "arn:aws:ecs:{region}:{account}:task-definition/{name}:*",
    "service": "arn:aws:ecs:{region}:{account}:service/{cluster}/{name}",
    "pipeline": "arn:aws:codepipeline:{region}:{account}:{name}",
    "event_queue": "arn:aws:sqs:{region}:{account}:{name}",
    "event_rule": "arn:aws:events:{region}:{account}:rule/{name}",
}


def of(kind: Kind, action: str, names: Names) -> str:
    """The ARN `action` is judged on for the run's resource of that kind."""
    connection = names.settings.connection_arn or (
        f"arn:aws:codestar-connections:{names.region}:{names.account_id}:connection/*")
    arn = TEMPLATES[kind.key].format(region=names.region, account=names.account_id, name=kind.name(names),
                                     cluster=names.cluster, connection=connection)
    if kind.key == "artifact_bucket" and action.lower() in S3_OBJECT_ACTIONS:
        return f"{arn}/*"
    return arn
