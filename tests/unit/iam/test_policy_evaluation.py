"""The local evaluator against the IAM documentation's own examples, then against the lab's policies.

Every doc example lives under tests/data/iam/ with its page URL and heading; each test names it.
"""

import json
from pathlib import Path

from pipeline_harness import iam as iam_policies
from pipeline_harness.iam.evaluation import Decision, evaluate, too_broad
from pipeline_harness.iam.needs import LabResources, needs

DATA = Path(__file__).resolve().parents[2] / "data" / "iam"
ACCOUNT = "123456789012"
LAB = LabResources.of(
    region="eu-north-1", account=ACCOUNT, bucket=f"dev-pipeline-artifacts-{ACCOUNT}",
    pipeline="dev-php-app-pipeline", repository="my-ecs-php-app",
    connection_arn=f"arn:aws:codestar-connections:eu-north-1:{ACCOUNT}:connection/abc",
    project="dev-php-app-build", log_group="/aws/codebuild/dev-php-app-build")


def doc_example(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def policy(name: str) -> dict:
    return doc_example(name)["policy"]


def lab_policy(name: str) -> dict:
    return json.loads((DATA / "lab" / f"{name}.json").read_text())


def allowing(action: str, resource_pattern: str) -> dict:
    return {"Attempt": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource_pattern}]}}


# --- IAM JSON policy elements: Resource, "Using wildcards in resource ARNs" ------------------------

def test_resource_wildcards_span_slashes_as_the_resource_pages_s3_test_example_lists():
    # given the page's pattern and the objects it says it matches and doesn't
    example = doc_example("resource-wildcards")["examples"][0]
    granted = allowing("s3:GetObject", example["pattern"])
    prefix = example["objects_are_named_relative_to"]

    # when
    matched = {o: evaluate(granted, "s3:GetObject", prefix + o).allowed for o in example["matches"]}
    unmatched = {o: evaluate(granted, "s3:GetObject", prefix + o).allowed for o in example["does_not_match"]}

    # then
    assert all(matched.values()), matched
    assert not any(unmatched.values()), unmatched


def test_a_path_wildcard_covers_every_user_under_the_resource_pages_accounting_path():
    # given "arn:aws:iam::account-ID-without-hyphens:user/accounting/*"
    pattern = doc_example("resource-wildcards")["examples"][1]["pattern"].replace(
        "account-ID-without-hyphens", ACCOUNT)
    granted = allowing("iam:GetUser", pattern)

    # when / then
    assert evaluate(granted, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/accounting/alice").allowed
    assert evaluate(granted, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/accounting/eu/bob").allowed
    assert not evaluate(granted, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/marketing/alice").allowed


def test_resource_names_are_case_sensitive_as_the_resource_page_says_of_user_bob():
    # given "the IAM user name is case sensitive"
    pattern = doc_example("resource-wildcards")["examples"][3]["pattern"].replace(
        "account-ID-without-hyphens", ACCOUNT)
    granted = allowing("iam:GetUser", pattern)

    # when / then
    assert evaluate(granted, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/Bob").allowed
    assert not evaluate(granted, "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/bob").allowed


def test_a_star_ending_an_arn_segment_runs_past_colons_as_the_resource_page_rules():
    # given the page's rule "If the * wildcard is the last character of a resource ARN segment, it can
    # expand to match beyond the colon boundaries", on the page's DynamoDB books_table
    table = f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/books_table"
    ending = allowing("dynamodb:GetItem", "arn:aws:dynamodb:*:table/books_table")
    inside = allowing("dynamodb:GetItem", "arn:aws:dynamodb:us-*2:table/books_table")
    single = allowing("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-?:{ACCOUNT}:table/books_table")

    # when / then: a * inside a segment, and ? anywhere before the resource part, stay in their segment
    assert evaluate(ending, "dynamodb:GetItem", table).allowed
    assert not evaluate(inside, "dynamodb:GetItem", table).allowed
    assert evaluate(single, "dynamodb:GetItem", table).allowed
    assert not evaluate(single, "dynamodb:GetItem", table.replace("us-east-2", "us-east-12")).allowed
    colon = allowing("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-2?{ACCOUNT}:table/books_table")
    assert not evaluate(colon, "dynamodb:GetItem", table).allowed


def test_only_star_and_question_mark_are_wildcards_in_resources():
    # given a pattern fnmatch would read as a character class
    granted = allowing("s3:GetObject", "arn:aws:s3:::bucket/[a]*")

    # when / then
    assert evaluate(granted, "s3:GetObject", "arn:aws:s3:::bucket/[a]key").allowed
    assert not evaluate(granted, "s3:GetObject", "arn:aws:s3:::bucket/akey").allowed


def test_crafted_wildcards_are_matched_in_one_pass():
    # given a pattern that sends a backtracking matcher exponential
    granted = allowing("s3:GetObject", "arn:aws:s3:::" + "*a" * 40 + "b")

    # when
    decision = evaluate(granted, "s3:GetObject", "arn:aws:s3:::" + "a" * 300)

    # then (it returns at all: a backtracking regex would not, on this input)
    assert not decision.allowed


# --- IAM JSON policy elements: Action -------------------------------------------------------------

def test_a_wildcard_inside_an_action_name_covers_the_action_pages_access_key_actions():
    # given "iam:*AccessKey*" and the actions the page says it covers
    example = doc_example("action-wildcards")["examples"][0]
    granted = allowing(example["pattern"], "*")

    # when / then
    assert all(evaluate(granted, action, "*").allowed for action in example["matches"])
    assert not evaluate(granted, "iam:ListUsers", "*").allowed


def test_actions_are_case_insensitive_as_the_action_page_says_of_listaccesskeys():
    # given "iam:ListAccessKeys is the same as IAM:listaccesskeys"
    example = doc_example("action-wildcards")["examples"][1]

    # when
    decision = evaluate(allowing(example["pattern"], "*"), example["matches"][0], "*")

    # then
    assert decision.allowed


# --- Policy evaluation logic ----------------------------------------------------------------------

def test_carlos_is_explicitly_denied_the_logs_bucket_and_allowed_his_own_as_the_evaluation_example_tells():
    # given Carlos's identity-based policy ("Example identity-based and resource-based policy evaluation")
    carlos = {"carlossalazar": policy("evaluation-carlos")}

    # when he saves a file to carlossalazar-logs, then to carlossalazar
    to_logs = evaluate(carlos, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs/report.txt")
    to_own = evaluate(carlos, "s3:PutObject", "arn:aws:s3:::carlossalazar/report.txt")

    # then
    assert to_logs == Decision(False, "explicitly denied by statement DenyS3Logs of carlossalazar",
                               "carlossalazar")
    assert to_own.allowed and to_own.reason == "allowed by statement AllowS3Self of carlossalazar"


def test_allow_deny_and_default_as_the_explicit_and_implicit_denies_example_tells():
    # given AllowGetList and DenyReports ("The difference between explicit and implicit denies"),
    # then another policy granting iam:GenerateCredentialReport
    principal = {"ReadOnly": policy("explicit-and-implicit-denies")}
    widened = {**principal, "Reports": allowing("iam:GenerateCredentialReport", "*")["Attempt"]}

    # when / then
    assert evaluate(principal, "iam:GetRole", "*").reason == "allowed by statement AllowGetList of ReadOnly"
    assert evaluate(principal, "iam:CreatePolicy", "*").reason == "no statement allows it (implicit deny)"
    denied = evaluate(principal, "iam:GetOrganizationsAccessReport", "*")
    assert not denied.allowed and denied.reason == "explicitly denied by statement DenyReports of ReadOnly"
    assert evaluate(widened, "iam:GenerateCredentialReport", "*").reason.startswith(
        "explicitly denied by statement DenyReports")


# --- IAM JSON policy elements: NotAction ----------------------------------------------------------

def test_notaction_with_allow_grants_every_s3_action_but_deletebucket_on_s3_resources():
    # given "NotAction": "s3:DeleteBucket" on "arn:aws:s3:::*" ("NotAction with Allow")
    s3_but_delete = {"S3": policy("notaction-allow-s3-except-deletebucket")}

    # when / then: as the page says, not DeleteBucket, not ListAllMyBuckets (it needs "*"), no other service
    assert evaluate(s3_but_delete, "s3:PutObject", "arn:aws:s3:::any-bucket/key").allowed
    assert evaluate(s3_but_delete, "s3:GetBucketVersioning", "arn:aws:s3:::any-bucket").allowed
    assert not evaluate(s3_but_delete, "s3:DeleteBucket", "arn:aws:s3:::any-bucket").allowed
    assert not evaluate(s3_but_delete, "s3:ListAllMyBuckets", "*").allowed
    assert not evaluate(s3_but_delete, "ec2:StartInstances",
                        f"arn:aws:ec2:us-east-2:{ACCOUNT}:instance/i-0abc").allowed


def test_notaction_iam_on_every_resource_grants_everything_but_iam():
    # given "NotAction": "iam:*" on "*" ("NotAction with Allow")
    all_but_iam = {"NotIam": policy("notaction-allow-everything-but-iam")}

    # when / then
    assert evaluate(all_but_iam, "ecr:PutImage", LAB.repository).allowed
    assert not evaluate(all_but_iam, "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x").allowed
    assert too_broad(all_but_iam) == ["statement #1 of NotIam allows every action but iam:* on *"]


def test_a_conditional_notaction_deny_is_taken_as_met_and_grants_nothing():
    # given DenyAllUsersNotUsingMFA ("NotAction with Deny"), alone then beside AdministratorAccess
    mfa = {"RequireMfa": policy("notaction-deny-without-mfa")}
    with_admin = {**mfa, "AdministratorAccess": policy("AdministratorAccess")}

    # when
    s3 = evaluate(with_admin, "s3:GetObject", LAB.artifact)

    # then: the grader cannot know whether MFA was used, so the Deny applies, and says so
    assert not s3.allowed
    assert s3.reason == ("explicitly denied by statement DenyAllUsersNotUsingMFA of RequireMfa "
                         "(its Condition or policy variable is taken as met)")
    assert evaluate(with_admin, "iam:GetRole", "*").allowed
    assert evaluate(mfa, "iam:GetRole", "*").reason == "no statement allows it (implicit deny)"


# --- IAM JSON policy elements: NotResource --------------------------------------------------------

def test_notresource_deny_blocks_s3_outside_payroll_and_grants_nothing():
    # given the HRPayroll Deny (a single statement object, not a list), then with an Allow beside it
    payroll = {"HRPayroll": policy("notresource-deny-outside-payroll")}
    granted = {**payroll, **allowing("s3:*", "*")}

    # when / then: the policy itself grants nothing; it denies S3 outside the folder, and only S3
    inside = evaluate(payroll, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv")
    assert not inside.allowed and inside.reason == "no statement allows it (implicit deny)"
    assert evaluate(granted, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv").allowed
    outside = evaluate(granted, "s3:GetObject", "arn:aws:s3:::HRBucket/Marketing/plan.txt")
    assert outside.reason == "explicitly denied by statement #1 of HRPayroll"
    assert evaluate(granted, "s3:ListAllMyBuckets", "*").policy == "HRPayroll"
    assert evaluate({**payroll, **allowing("ec2:*", "*")}, "ec2:StartInstances",
                    f"arn:aws:ec2:us-east-2:{ACCOUNT}:instance/i-0abc").allowed


def test_notresource_with_every_action_allows_all_but_the_named_bucket_and_is_flagged():
    # given "Allow", "Action": "*", "NotResource": "arn:aws:s3:::HRBucket" ("NotResource with other elements")
    dangerous = {"AllButHR": policy("notresource-allow-all-but-hrbucket")}

    # when / then: the bucket itself is spared, its objects (other ARNs) and all else are not
    assert not evaluate(dangerous, "s3:ListBucket", "arn:aws:s3:::HRBucket").allowed
    assert evaluate(dangerous, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv").allowed
    assert evaluate(dangerous, "iam:PutUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/Bob").allowed
    assert too_broad(dangerous) == [
        "statement #1 of AllButHR allows * on every resource but arn:aws:s3:::HRBucket"]


# --- conditions and policy variables --------------------------------------------------------------

def test_a_policy_variable_resource_never_allows_as_the_resource_pages_username_table_shows():
    # given the page's table/${aws:username} policy: whose table it is depends on the caller
    per_user = {"OwnTable": policy("resource-policy-variable")}

    # when
    decision = evaluate(per_user, "dynamodb:GetItem", "arn:aws:dynamodb:us-east-2:111122223333:table/alice")

    # then
    assert not decision.allowed
    assert decision.reason == ("no statement allows it unconditionally (implicit deny): statement #1 of "
                               "OwnTable does only under a Condition or policy variable, not judged here")


def test_a_policy_variable_in_a_deny_is_read_as_a_wildcard():
    # given a Deny scoped with a variable, beside an Allow
    deny = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    principal = {"Home": deny, **allowing("s3:*", "*")}

    # when / then
    assert evaluate(principal, "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt").policy == "Home"
    assert evaluate(principal, "s3:GetObject", "arn:aws:s3:::other/notes.txt").allowed


def test_amazon_ecs_full_access_grants_ecs_but_passes_roles_only_under_its_condition():
    # given the AWS managed policy the tutorial attaches to the CodePipeline role
    managed = {"AmazonECS_FullAccess": policy("AmazonECS_FullAccess")}
    service = f"arn:aws:ecs:eu-north-1:{ACCOUNT}:service/dev-cluster/dev-php-app-alb-service"

    # when
    update = evaluate(managed, "ecs:UpdateService", service)
    role = f"arn:aws:iam::{ACCOUNT}:role/dev-php-app-task-execution-role"
    pass_role = evaluate(managed, "iam:PassRole", role)

    # then: its iam:PassRole statements all carry a Condition (iam:PassedToService)
    assert update.reason == "allowed by statement ECSIntegrationsManagementPolicy of AmazonECS_FullAccess"
    assert not pass_role.allowed
    assert "statement TasksPassRolePolicy of AmazonECS_FullAccess" in pass_role.reason


# --- too broad ------------------------------------------------------------------------------------

def test_every_action_on_every_resource_is_flagged():
    assert too_broad({"AdministratorAccess": policy("AdministratorAccess")}) == [
        "statement #1 of AdministratorAccess allows * on *"]


def test_a_whole_service_on_every_resource_is_flagged():
    assert too_broad({"IAMFullAccess": policy("IAMFullAccess")}) == [
        "statement #1 of IAMFullAccess allows iam:* on *"]


def test_the_ecs_managed_policy_the_tutorial_attaches_is_flagged_too():
    assert too_broad({"AmazonECS_FullAccess": policy("AmazonECS_FullAccess")}) == [
        "statement ECSIntegrationsManagementPolicy of AmazonECS_FullAccess allows ecs:* on *"]


def test_listed_actions_on_every_resource_and_a_service_on_some_resources_are_not_flagged():
    # given the tutorial's own policies (listed actions on "*"), the scoped variants, and s3:* on one bucket
    documents = {
        "CodePipelineCustomPolicy": iam_policies.document("CodePipelineCustomPolicy.json"),
        "CodeBuildCustomPolicy": iam_policies.document("CodeBuildCustomPolicy.json"),
        "Scoped": lab_policy("CodeBuildCustomPolicy.least-privilege"),
        **allowing("s3:*", "arn:aws:s3:::carlossalazar/*"),
    }

    # when / then
    assert too_broad(documents) == []


# --- the lab: the tutorial's inline policies and a Terraform user's ------------------------------

def test_the_tutorials_inline_policies_allow_every_action_they_list_on_the_lab_resources():
    for filename in ("CodePipelineCustomPolicy.json", "CodeBuildCustomPolicy.json"):
        # given
        document = iam_policies.document(filename)
        name = filename.removesuffix(".json")

        # when
        decisions = {need: evaluate({name: document}, *need) for need in needs(document, LAB)}

        # then
        assert decisions and all(d.allowed for d in decisions.values()), decisions


def test_least_privilege_variants_allow_what_the_tutorials_policies_allow():
    for filename in ("CodePipelineCustomPolicy.json", "CodeBuildCustomPolicy.json"):
        # given the needs of the tutorial's policy, and the scoped policy a Terraform user writes
        name = filename.removesuffix(".json")
        scoped = {name: lab_policy(f"{name}.least-privilege")}

        # when
        refused = [n for n in needs(iam_policies.document(filename), LAB) if not evaluate(scoped, *n).allowed]

        # then
        assert refused == []


def test_the_push_on_another_repository_fails_on_the_lab_repository():
    # given the ECR push and pull granted on repository/other-app
    elsewhere = {"CodeBuildCustomPolicy": lab_policy("CodeBuildCustomPolicy.other-repository")}

    # when
    refused = [(a, r) for a, r in needs(iam_policies.document("CodeBuildCustomPolicy.json"), LAB)
               if not evaluate(elsewhere, a, r).allowed]

    # then: every repository action, on the lab's repository, and nothing else
    assert ("ecr:PutImage", LAB.repository) in refused
    assert {r for _, r in refused} == {LAB.repository} and len(refused) == 7
    push = evaluate(elsewhere, "ecr:PutImage", LAB.repository)
    assert push.reason == "no statement allows it (implicit deny)"


def test_an_explicit_deny_on_the_push_beats_the_tutorials_policy():
    # given the tutorial's policy and an extra inline policy denying the push
    role = {"CodeBuildCustomPolicy": iam_policies.document("CodeBuildCustomPolicy.json"),
            "DenyPushToTheLabRepository": lab_policy("DenyPushToTheLabRepository")}

    # when
    decision = evaluate(role, "ecr:PutImage", LAB.repository)

    # then
    assert decision.allowed is False
    assert decision.reason == "explicitly denied by statement NoPush of DenyPushToTheLabRepository"
    assert decision.policy == "DenyPushToTheLabRepository"
    assert evaluate(role, "ecr:BatchGetImage", LAB.repository).policy == "CodeBuildCustomPolicy"


def test_every_action_on_every_resource_satisfies_the_lab_and_earns_the_hint():
    # given a role with AdministratorAccess only
    admin = {"AdministratorAccess": policy("AdministratorAccess")}
    wanted = (needs(iam_policies.document("CodePipelineCustomPolicy.json"), LAB)
              + needs(iam_policies.document("CodeBuildCustomPolicy.json"), LAB))

    # when / then
    assert all(evaluate(admin, *need).allowed for need in wanted)
    assert too_broad(admin) != []


def test_a_log_group_arn_without_its_star_suffix_does_not_cover_the_builds_log_stream():
    # given logs granted on ".../log-group:/aws/codebuild/dev-php-app-build" only (CloudWatch Logs wants
    # the ":*" form in policies for all but the tagging actions)
    group = f"arn:aws:logs:eu-north-1:{ACCOUNT}:log-group:/aws/codebuild/dev-php-app-build"
    group_only = allowing("logs:*", group)

    # when / then
    assert not evaluate(group_only, "logs:PutLogEvents", LAB.log_stream).allowed
    assert not evaluate(group_only, "logs:CreateLogGroup", LAB.log_group).allowed
