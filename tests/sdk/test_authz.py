"""IAM enforcement on `gureum serve`: boto3 assumes a role through STS, then calls DynamoDB, S3,
SQS and STS with the temporary credentials; calls the role's policies allow succeed, the rest get
each service's AccessDenied error. The sandbox's test key ("test") stays the account's root user.
"""
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import NO_RETRIES, error_of, make_table

ACCOUNT = "123456789012"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Open"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"]},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"},
        {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["admin"]}}},
    ],
}


def session_client(server, creds, service):
    return boto3.client(
        service, endpoint_url=server.url, region_name="us-east-1", config=NO_RETRIES,
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
    )


@pytest.fixture
def creds(server):
    iam = server.client(service="iam")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="app", PolicyName="app", PolicyDocument=json.dumps(POLICY))
    sts = server.client(service="sts")
    return sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app", RoleSessionName="worker")["Credentials"]


def test_dynamodb_with_temporary_credentials(server, creds):
    root = server.client()
    make_table(root, "Open")
    make_table(root, "Closed")
    ddb = session_client(server, creds, "dynamodb")
    ddb.put_item(TableName="Open", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    assert ddb.get_item(TableName="Open", Key={"pk": {"S": "a"}})["Item"]["n"] == {"N": "1"}
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Closed", Key={"pk": {"S": "a"}})
    assert error_of(e) == (
        "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/app/worker is not authorized to perform: dynamodb:GetItem on resource: "
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Closed because no identity-based policy allows the dynamodb:GetItem action",
        400,
    )
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Open", Item={"pk": {"S": "admin"}})
    assert error_of(e)[0] == "AccessDeniedException"
    assert "with an explicit deny in an identity-based policy" in error_of(e)[1]
    with pytest.raises(ClientError) as e:
        ddb.list_tables()
    assert error_of(e)[0] == "AccessDeniedException"
    # The test key is still the root user.
    assert len(root.list_tables()["TableNames"]) == 2
    sts = session_client(server, creds, "sts")
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/worker"


def test_s3_and_sqs_with_temporary_credentials(server, creds):
    s3root = server.client(service="s3")
    s3root.create_bucket(Bucket="shared")
    s3root.put_object(Bucket="shared", Key="a.txt", Body=b"hello")
    s3 = session_client(server, creds, "s3")
    assert s3.get_object(Bucket="shared", Key="a.txt")["Body"].read() == b"hello"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="shared")["Contents"]] == ["a.txt"]
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="shared", Key="b.txt", Body=b"x")
    assert error_of(e) == ("AccessDenied", "Access Denied", 403)

    sqsroot = server.client(service="sqs")
    jobs = sqsroot.create_queue(QueueName="jobs")["QueueUrl"]
    other = sqsroot.create_queue(QueueName="other")["QueueUrl"]
    sqs = session_client(server, creds, "sqs")
    sqs.send_message(QueueUrl=jobs, MessageBody="go")
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=other, MessageBody="go")
    assert error_of(e)[0] == "AccessDenied"
    assert f"sqs:SendMessage on resource: arn:aws:sqs:us-east-1:{ACCOUNT}:other" in error_of(e)[1]
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=jobs)
    assert error_of(e)[0] == "AccessDenied"


def test_unknown_and_expired_keys(server, creds):
    bogus = {"AccessKeyId": "ASIA" + "Q" * 16, "SecretAccessKey": "x" * 40, "SessionToken": "t"}
    with pytest.raises(ClientError) as e:
        session_client(server, bogus, "dynamodb").list_tables()
    assert error_of(e) == ("UnrecognizedClientException", "The security token included in the request is invalid.", 400)
    with pytest.raises(ClientError) as e:
        session_client(server, bogus, "sts").get_caller_identity()
    assert error_of(e)[0] == "InvalidClientTokenId"
    with pytest.raises(ClientError) as e:
        session_client(server, bogus, "s3").list_buckets()
    assert error_of(e)[0] == "InvalidAccessKeyId"
    server.control("AdvanceClock", {"seconds": 3601})
    with pytest.raises(ClientError) as e:
        session_client(server, creds, "dynamodb").get_item(TableName="Open", Key={"pk": {"S": "a"}})
    assert error_of(e) == ("ExpiredTokenException", "The security token included in the request is expired", 400)


def test_iam_user_access_keys(server):
    iam = server.client(service="iam")
    iam.create_user(UserName="dev")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and key["Status"] == "Active"
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="dev")["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    user = boto3.client("sts", endpoint_url=server.url, region_name="us-east-1", config=NO_RETRIES,
                        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert user.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/dev"
    iam.delete_access_key(UserName="dev", AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as e:
        user.get_caller_identity()
    assert error_of(e)[0] == "InvalidClientTokenId"
