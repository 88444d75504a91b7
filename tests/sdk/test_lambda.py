"""boto3's and the AWS CLI's Lambda clients against `gureum serve`: the REST-JSON protocol
(paths, query strings, headers, status codes, x-amzn-ErrorType), functions that run JavaScript
with the built-in AWS SDK, logs in CloudWatch Logs, versions and aliases, throttling, and
asynchronous invocation with a destination queue.
"""
import base64
import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def package(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture
def lam(server):
    return server.client(service="lambda")


def create(server, lam, name, files, handler="index.handler", **extra):
    out = lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler=handler, Code={"ZipFile": package(files)}, **extra)
    assert out["State"] == "Pending"
    server.control("AdvanceClock", {"seconds": 2})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    return out


def test_create_invoke_and_read_the_logs(server, lam):
    create(server, lam, "hello", {"index.mjs": "export const handler = async (e, ctx) => { console.log('event', e); return { hi: e.name, fn: ctx.functionName }; };"})
    out = lam.invoke(FunctionName="hello", Payload=json.dumps({"name": "Ada"}), LogType="Tail")
    assert out["StatusCode"] == 200
    assert out["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in out
    assert json.loads(out["Payload"].read()) == {"hi": "Ada", "fn": "hello"}
    tail = base64.b64decode(out["LogResult"]).decode()
    assert "START RequestId:" in tail and "REPORT RequestId:" in tail and "Init Duration:" in tail
    assert "\tINFO\tevent { name: 'Ada' }" in tail

    logs = server.client(service="logs")
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/hello")["logStreams"]
    assert len(streams) == 1
    events = logs.get_log_events(logGroupName="/aws/lambda/hello", logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
    assert any(e["message"].startswith("REPORT RequestId:") for e in events)

    conf = lam.get_function(FunctionName="hello")
    assert conf["Configuration"]["State"] == "Active"
    assert conf["Configuration"]["Runtime"] == "nodejs20.x"
    assert conf["Code"]["RepositoryType"] == "S3"
    names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    assert names == ["hello"]


def test_errors_are_lambdas(server, lam):
    with pytest.raises(ClientError) as e:
        lam.get_function(FunctionName="missing")
    assert error_of(e) == ("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing", 404)

    create(server, lam, "dup", {"index.js": "exports.handler = async () => 1;"})
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName="dup", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": package({"index.js": ""})})
    assert error_of(e)[0] == "ResourceConflictException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409

    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName="py", Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": package({"app.py": ""})})
    assert error_of(e)[0] == "InvalidParameterValueException"

    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName="dup", Timeout=901)
    assert error_of(e)[0] == "ValidationException"
    assert "Member must have value less than or equal to 900" in error_of(e)[1]

    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="dup", Payload=b"not json")
    assert error_of(e)[0] == "InvalidRequestContentException"


def test_unhandled_errors_and_timeouts(server, lam):
    create(server, lam, "boom", {"index.mjs": "export const handler = async () => {\n  throw new TypeError('bad input');\n};"})
    out = lam.invoke(FunctionName="boom")
    assert out["StatusCode"] == 200
    assert out["FunctionError"] == "Unhandled"
    body = json.loads(out["Payload"].read())
    assert body["errorType"] == "TypeError"
    assert body["errorMessage"] == "bad input"
    assert any("/var/task/index.mjs:2" in line for line in body["trace"])

    create(server, lam, "slow", {"index.mjs": "export const handler = () => new Promise(r => setTimeout(r, 10000));"}, Timeout=1)
    out = lam.invoke(FunctionName="slow")
    body = json.loads(out["Payload"].read())
    assert out["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_functions_use_the_sandbox_through_the_built_in_sdk(server, lam, ddb):
    ddb.create_table(TableName="Users", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    server.control("AdvanceClock", {"seconds": 2})
    create(
        server,
        lam,
        "signup",
        {
            "index.js": """
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, PutCommand } = require('@aws-sdk/lib-dynamodb');
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
exports.handler = async (event) => {
  await doc.send(new PutCommand({ TableName: process.env.TABLE, Item: { id: event.id, email: event.email } }));
  return { saved: event.id };
};"""
        },
        Environment={"Variables": {"TABLE": "Users"}},
    )
    out = lam.invoke(FunctionName="signup", Payload=json.dumps({"id": "u1", "email": "a@example.com"}))
    assert json.loads(out["Payload"].read()) == {"saved": "u1"}
    assert ddb.get_item(TableName="Users", Key={"id": {"S": "u1"}})["Item"]["email"] == {"S": "a@example.com"}


def test_versions_aliases_and_concurrency(server, lam):
    create(server, lam, "v", {"index.mjs": "export const handler = async () => 'one';"})
    v1 = lam.publish_version(FunctionName="v")
    assert v1["Version"] == "1"
    lam.update_function_code(FunctionName="v", ZipFile=package({"index.mjs": "export const handler = async () => 'two';"}))
    server.control("AdvanceClock", {"seconds": 2})
    lam.create_alias(FunctionName="v", Name="live", FunctionVersion="1")
    assert json.loads(lam.invoke(FunctionName="v", Qualifier="live")["Payload"].read()) == "one"
    assert json.loads(lam.invoke(FunctionName="v")["Payload"].read()) == "two"
    out = lam.invoke(FunctionName="v:live")
    assert out["ExecutedVersion"] == "1"
    versions = [x["Version"] for x in lam.list_versions_by_function(FunctionName="v")["Versions"]]
    assert versions == ["$LATEST", "1"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName="v")["Aliases"]] == ["live"]

    lam.put_function_concurrency(FunctionName="v", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName="v")
    assert error_of(e)[0] == "TooManyRequestsException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert e.value.response.get("Reason") == "ReservedFunctionConcurrentInvocationLimitExceeded"
    lam.delete_function_concurrency(FunctionName="v")
    assert lam.invoke(FunctionName="v")["StatusCode"] == 200

    lam.tag_resource(Resource="arn:aws:lambda:us-east-1:123456789012:function:v", Tags={"team": "blue", "env": "dev"})
    lam.untag_resource(Resource="arn:aws:lambda:us-east-1:123456789012:function:v", TagKeys=["env"])
    assert lam.list_tags(Resource="arn:aws:lambda:us-east-1:123456789012:function:v")["Tags"] == {"team": "blue"}

    with pytest.raises(ClientError) as e:
        lam.delete_function(FunctionName="v", Qualifier="1")
    assert error_of(e)[0] == "ResourceConflictException"
    lam.delete_alias(FunctionName="v", Name="live")
    lam.delete_function(FunctionName="v", Qualifier="1")
    lam.delete_function(FunctionName="v")
    assert lam.list_functions()["Functions"] == []


def test_async_invoke_with_a_destination_queue(server, lam):
    sqs = server.client(service="sqs")
    url = sqs.create_queue(QueueName="failures")["QueueUrl"]
    create(server, lam, "fails", {"index.mjs": "export const handler = async () => { throw new Error('nope'); };"})
    lam.put_function_event_invoke_config(FunctionName="fails", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:failures"}})
    out = lam.invoke(FunctionName="fails", InvocationType="Event", Payload=json.dumps({"order": 1}))
    assert out["StatusCode"] == 202
    server.control("AdvanceClock", {"seconds": 1})
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(msgs) == 1
    record = json.loads(msgs[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"order": 1}
    assert record["responsePayload"]["errorMessage"] == "nope"
    assert lam.invoke(FunctionName="fails", InvocationType="DryRun")["StatusCode"] == 204


def test_aws_cli_invoke(server, lam, tmp_path):
    create(server, lam, "cli", {"index.mjs": "export const handler = async (e) => ({ echo: e });"})
    out_file = tmp_path / "out.json"
    # CLI v1 sends --payload as given.
    result = server.aws("lambda", "invoke", "--function-name", "cli", "--payload", '{"x": 1}', str(out_file))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["StatusCode"] == 200
    assert json.loads(out_file.read_text()) == {"echo": {"x": 1}}
    listed = json.loads(server.aws("lambda", "list-functions", "--output", "json").stdout)
    assert [f["FunctionName"] for f in listed["Functions"]] == ["cli"]
