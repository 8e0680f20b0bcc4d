# The grader's read-only role, for every student account: the teacher's principal may assume
# it, only with the external id; its one inline policy is the harness's grader policy.
# Derived from pipeline_harness/iam/grader-policy.json: do not edit, run
# `python -m pipeline_harness.iam.files --write` (docs/grading.md, "The grader's role").

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws",
      version = ">= 4.0",
    }
  }
}


variable "teacher_principal" {
  type        = string
  description = "The teacher's AWS account id (any of its principals that its own policies let assume roles), or the ARN of the teacher's grading role or user"

  validation {
    condition     = can(regex("^([0-9]{12}|arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:(root|role/[\\w+=,.@/-]+|user/[\\w+=,.@/-]+))$", var.teacher_principal))
    error_message = "The teacher_principal must be a 12-digit account id or the ARN of an IAM role or user."
  }
}


variable "external_id" {
  type        = string
  description = "The external id the teacher gave the class; the grader passes it to sts:AssumeRole"

  validation {
    condition     = can(regex("^[\\w+=,.@:\\/-]{2,1224}$", var.external_id))
    error_message = "The external_id must be 2 to 1,224 ASCII letters, digits or _+=,.@:/-."
  }
}


variable "role_name" {
  type        = string
  description = "The role's name: the class roster's role_arn ends with it"
  default     = "lab-grader"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "The role_name must be 1 to 64 ASCII letters, digits or _+=,.@-."
  }
}


locals {
  grader_policy = {
    Version   = "2012-10-17",
    Statement = [
      {
        Sid      = "Step1Ecr",
        Effect   = "Allow",
        Action   = [
          "ecr:DescribeRepositories",
        ],
        Resource = "*",
      },
      {
        Sid      = "Step2CodestarConnections",
        Effect   = "Allow",
        Action   = [
          "codestar-connections:GetConnection",
          "codestar-connections:ListConnections",
        ],
        Resource = "*",
      },
      {
        Sid      = "Step3S3",
        Effect   = "Allow",
        Action   = [
          "s3:GetBucketLocation",
          "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketVersioning",
          "s3:ListAllMyBuckets",
        ],
        Resource = "*",
      },
      {
        Sid      = "Step4Iam",
        Effect   = "Allow",
        Action   = [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListRolePolicies",
          "iam:ListRoles",
        ],
        Resource = "*",
      },
      {
        Sid      = "Step5Codebuild",
        Effect   = "Allow",
        Action   = [
          "codebuild:BatchGetProjects",
          "codebuild:ListProjects",
        ],
        Resource = "*",
      },
      {
        Sid      = "Step6Codepipeline",
        Effect   = "Allow",
        Action   = [
          "codepipeline:GetPipeline",
          "codepipeline:ListPipelines",
        ],
        Resource = "*",
      },
      {
        Sid      = "PrerequisitesEcs",
        Effect   = "Allow",
        Action   = [
          "ecs:DescribeClusters",
          "ecs:DescribeServices",
          "ecs:ListClusters",
          "ecs:ListServices",
        ],
        Resource = "*",
      },
      {
        Sid      = "Step7AndTheChecksOwnReads",
        Effect   = "Allow",
        Action   = [
          "codebuild:BatchGetBuilds",
          "codeconnections:GetConnection",
          "codepipeline:GetPipelineExecution",
          "codepipeline:GetPipelineState",
          "codepipeline:ListActionExecutions",
          "codepipeline:ListPipelineExecutions",
          "ec2:DescribeRegions",
          "ecr:BatchGetImage",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecs:DescribeTaskDefinition",
          "ecs:DescribeTasks",
          "ecs:ListTasks",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetHealth",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
          "iam:SimulatePrincipalPolicy",
          "logs:GetLogEvents",
          "s3:ListBucket",
        ],
        Resource = "*",
      },
      {
        Sid      = "ScopedGetObject",
        Effect   = "Allow",
        Action   = [
          "s3:GetObject",
        ],
        Resource = "arn:aws:s3:::dev-pipeline-artifacts-*/*",
      },
    ],
  }
  trust_policy  = {
    Version   = "2012-10-17",
    Statement = [
      {
        Sid       = "TheTeachersGraderWithTheExternalId",
        Effect    = "Allow",
        Principal = {
          AWS = var.teacher_principal,
        },
        Action    = "sts:AssumeRole",
        Condition = {
          StringEquals = {
            "sts:ExternalId" = var.external_id,
          },
        },
      },
    ],
  }
}


resource "aws_iam_role" "grader" {
  name                 = var.role_name
  description          = "Read-only role the lab's grader (pipeline-harness grade) assumes from the teacher's account, with an external id"
  max_session_duration = 3600
  assume_role_policy   = jsonencode(local.trust_policy)
}


resource "aws_iam_role_policy" "grader" {
  name   = "pipeline-harness-grader"
  role   = aws_iam_role.grader.id
  policy = jsonencode(local.grader_policy)
}


output "role_arn" {
  description = "The class roster's role_arn for this account"
  value       = aws_iam_role.grader.arn
}
