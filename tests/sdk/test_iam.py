"""boto3's IAM and STS clients against `gureum serve`: the AWS Query protocol (form-encoded
requests, XML answers and errors), roles with trust policies, managed and inline policies, the
policy simulator with a DynamoDB LeadingKeys condition, groups whose policies apply to their
members, AssumeRole, and the AWS CLI.
"""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

ACCOUNT = "123456789012"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
ACCOUNT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
}
OWN_SCORES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OwnItems",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
            "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/GameScores",
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}},
        },
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"},
    ],
}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


@pytest.fixture
def iam(server):
    return server.client(service="iam")


@pytest.fixture
def sts(server):
    return server.client(service="sts")


def test_roles_with_trust_managed_and_inline_policies(iam):
    role = iam.create_role(
        RoleName="game-fn", Path="/app/", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST),
        Description="the game's function", Tags=[{"Key": "team", "Value": "red"}],
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app/game-fn"
    assert role["RoleId"].startswith("AROA")
    # botocore decodes the URL-encoded document back to a dict.
    got = iam.get_role(RoleName="game-fn")["Role"]
    assert got["AssumeRolePolicyDocument"] == LAMBDA_TRUST
    assert got["MaxSessionDuration"] == 3600
    assert got["Tags"] == [{"Key": "team", "Value": "red"}]

    iam.attach_role_policy(RoleName="game-fn", PolicyArn=BASIC)
    policy = iam.create_policy(PolicyName="ReadScores", PolicyDocument=json.dumps(OWN_SCORES))["Policy"]
    assert policy["DefaultVersionId"] == "v1"
    iam.attach_role_policy(RoleName="game-fn", PolicyArn=policy["Arn"])
    attached = iam.list_attached_role_policies(RoleName="game-fn")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSLambdaBasicExecutionRole", "ReadScores"]
    assert iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["AttachmentCount"] == 1

    iam.put_role_policy(RoleName="game-fn", PolicyName="inline", PolicyDocument=json.dumps(OWN_SCORES))
    assert iam.get_role_policy(RoleName="game-fn", PolicyName="inline")["PolicyDocument"] == OWN_SCORES
    assert iam.list_role_policies(RoleName="game-fn")["PolicyNames"] == ["inline"]

    v2 = iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=json.dumps(OWN_SCORES), SetAsDefault=True)
    assert v2["PolicyVersion"]["VersionId"] == "v2" and v2["PolicyVersion"]["IsDefaultVersion"] is True
    versions = iam.list_policy_versions(PolicyArn=policy["Arn"])["Versions"]
    assert [v["VersionId"] for v in versions] == ["v2", "v1"]
    assert iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")["PolicyVersion"]["Document"] == OWN_SCORES

    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["ReadScores"]
    aws = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    assert "AmazonDynamoDBReadOnlyAccess" in [p["PolicyName"] for p in aws]
    roles = iam.list_roles(PathPrefix="/app/")["Roles"]
    assert [r["RoleName"] for r in roles] == ["game-fn"]
    # The paginator follows IsTruncated/Marker.
    iam.create_role(RoleName="second", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    pages = list(iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1}))
    assert [r["RoleName"] for p in pages for r in p["Roles"]] == ["game-fn", "second"]


def test_iam_errors(iam):
    with pytest.raises(ClientError) as e:
        iam.get_role(RoleName="missing")
    assert error_of(e) == ("NoSuchEntity", "The role with name missing cannot be found.", 404)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as e:
        iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    assert error_of(e) == ("EntityAlreadyExists", "Role with name R already exists.", 409)
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as e:
        iam.create_role(RoleName="bad", AssumeRolePolicyDocument=json.dumps(OWN_SCORES))
    assert error_of(e)[1] == "Has prohibited field Resource"
    with pytest.raises(ClientError) as e:
        iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=json.dumps(LAMBDA_TRUST))
    assert error_of(e) == ("MalformedPolicyDocument", "Policy document should not specify a principal.", 400)
    iam.attach_role_policy(RoleName="r", PolicyArn=BASIC)
    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_role(RoleName="r")
    assert error_of(e) == ("DeleteConflict", "Cannot delete entity, must detach all policies first.", 409)
    iam.detach_role_policy(RoleName="r", PolicyArn=BASIC)
    iam.delete_role(RoleName="r")
    arn = iam.create_policy(PolicyName="P", PolicyDocument=json.dumps(OWN_SCORES))["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(OWN_SCORES))
    with pytest.raises(iam.exceptions.LimitExceededException) as e:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(OWN_SCORES))
    assert "up to 5 versions" in error_of(e)[1]


def test_simulate_principal_policy_with_leading_keys(iam):
    iam.create_role(RoleName="player", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    iam.put_role_policy(RoleName="player", PolicyName="own-scores", PolicyDocument=json.dumps(OWN_SCORES, indent=2))
    iam.attach_role_policy(RoleName="player", PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/GameScores"

    def simulate(actions, leading_key):
        return iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/player",
            ActionNames=actions,
            ResourceArns=[table],
            ContextEntries=[
                {"ContextKeyName": "cognito-identity.amazonaws.com:sub", "ContextKeyValues": ["us-east-1:me"], "ContextKeyType": "string"},
                {"ContextKeyName": "dynamodb:LeadingKeys", "ContextKeyValues": [leading_key], "ContextKeyType": "stringList"},
            ],
        )["EvaluationResults"]

    mine = {r["EvalActionName"]: r for r in simulate(["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Scan", "dynamodb:BatchWriteItem"], "us-east-1:me")}
    assert mine["dynamodb:PutItem"]["EvalDecision"] == "allowed"
    matched = mine["dynamodb:PutItem"]["MatchedStatements"][0]
    assert matched["SourcePolicyId"] == "own-scores" and matched["SourcePolicyType"] == "role"
    assert matched["StartPosition"] == {"Line": 4, "Column": 5}
    assert mine["dynamodb:DeleteItem"]["EvalDecision"] == "explicitDeny"
    # Scan comes from the AWS managed read-only policy.
    assert mine["dynamodb:Scan"]["EvalDecision"] == "allowed"
    assert mine["dynamodb:Scan"]["MatchedStatements"][0]["SourcePolicyType"] == "aws-managed"
    assert mine["dynamodb:BatchWriteItem"]["EvalDecision"] == "implicitDeny"
    assert mine["dynamodb:BatchWriteItem"]["MatchedStatements"] == []

    theirs = simulate(["dynamodb:PutItem"], "us-east-1:someone-else")
    assert theirs[0]["EvalDecision"] == "implicitDeny"

    custom = iam.simulate_custom_policy(PolicyInputList=[json.dumps(OWN_SCORES)], ActionNames=["dynamodb:GetItem"], ResourceArns=[table])
    result = custom["EvaluationResults"][0]
    # ForAllValues over an absent key is true (AWS's empty-set rule), so the request passes,
    # and the simulator says which key it did not have.
    assert result["EvalDecision"] == "allowed"
    assert result["MissingContextValues"] == ["dynamodb:LeadingKeys"]


def test_groups_members_and_their_policies(iam):
    group = iam.create_group(GroupName="players", Path="/game/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/game/players"
    assert group["GroupId"].startswith("AGPA")
    iam.create_group(GroupName="admins")
    iam.create_user(UserName="ann")
    iam.create_user(UserName="ben")
    iam.add_user_to_group(GroupName="players", UserName="ann")
    iam.add_user_to_group(GroupName="players", UserName="ben")
    iam.add_user_to_group(GroupName="admins", UserName="ann")
    got = iam.get_group(GroupName="players")
    assert got["Group"]["GroupName"] == "players"
    assert [u["UserName"] for u in got["Users"]] == ["ann", "ben"]
    pages = list(iam.get_paginator("list_groups").paginate(PaginationConfig={"PageSize": 1}))
    assert [g["GroupName"] for p in pages for g in p["Groups"]] == ["admins", "players"]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/game/")["Groups"]] == ["players"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="ann")["Groups"]] == ["admins", "players"]

    iam.put_group_policy(GroupName="players", PolicyName="own-scores", PolicyDocument=json.dumps(OWN_SCORES))
    assert iam.get_group_policy(GroupName="players", PolicyName="own-scores")["PolicyDocument"] == OWN_SCORES
    assert iam.list_group_policies(GroupName="players")["PolicyNames"] == ["own-scores"]
    iam.attach_group_policy(GroupName="players", PolicyArn=BASIC)
    assert iam.list_attached_group_policies(GroupName="players")["AttachedPolicies"] == [
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC}
    ]
    # ben has no policies of his own: the simulator applies his group's.
    out = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/ben", ActionNames=["dynamodb:DeleteItem", "logs:PutLogEvents"],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in out] == ["explicitDeny", "allowed"]
    assert out[0]["MatchedStatements"][0]["SourcePolicyId"] == "own-scores"
    assert out[0]["MatchedStatements"][0]["SourcePolicyType"] == "group"

    with pytest.raises(iam.exceptions.DeleteConflictException) as e:
        iam.delete_user(UserName="ben")
    assert error_of(e) == ("DeleteConflict", "Cannot delete entity, must remove users from group first.", 409)
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_group(GroupName="players")
    iam.remove_user_from_group(GroupName="players", UserName="ben")
    iam.delete_user(UserName="ben")
    iam.remove_user_from_group(GroupName="players", UserName="ann")
    iam.detach_group_policy(GroupName="players", PolicyArn=BASIC)
    iam.delete_group_policy(GroupName="players", PolicyName="own-scores")
    iam.delete_group(GroupName="players")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as e:
        iam.get_group(GroupName="players")
    assert error_of(e) == ("NoSuchEntity", "The group with name players cannot be found.", 404)


def test_sts_caller_identity_and_assume_role(iam, sts):
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps(ACCOUNT_TRUST), MaxSessionDuration=7200)
    iam.create_role(RoleName="fn-only", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    out = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/admin", RoleSessionName="learner", DurationSeconds=1800)
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert creds["Expiration"].tzinfo is not None and len(creds["SecretAccessKey"]) == 40
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/learner"
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/fn-only", RoleSessionName="learner")
    assert error_of(e) == (
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT}:role/fn-only",
        403,
    )
    with pytest.raises(ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/admin", RoleSessionName="learner", DurationSeconds=9000)
    assert error_of(e)[0] == "ValidationError"


def test_iam_survives_a_restart(server, iam):
    iam.create_role(RoleName="kept", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    iam.attach_role_policy(RoleName="kept", PolicyArn=BASIC)
    server.restart(hard=True)
    iam = server.client(service="iam")
    assert iam.get_role(RoleName="kept")["Role"]["RoleName"] == "kept"
    assert iam.list_attached_role_policies(RoleName="kept")["AttachedPolicies"][0]["PolicyArn"] == BASIC


def test_aws_cli(server):
    r = server.aws("iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", json.dumps(LAMBDA_TRUST))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/cli-role"
    r = server.aws("sts", "get-caller-identity")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Account"] == ACCOUNT
    r = server.aws("iam", "get-role", "--role-name", "nope")
    assert r.returncode != 0
    assert "NoSuchEntity" in r.stderr
