"""boto3's CloudFormation client against `gureum serve` (the AWS Query protocol): a SAM template
in YAML with a function, a table and an API becomes a stack; boto3's `stack_create_complete`
waiter waits for it; the API answers through the function; events and resources read back;
DeleteStack removes the resources (`stack_delete_complete`). Also: CloudFormation's errors as
boto3 sees them, and a failing resource rolling the stack back.
"""
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

WAIT = {"Delay": 1, "MaxAttempts": 60}
CAPS = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]

SAM = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: hello api
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  Items:
    Type: AWS::Serverless::SimpleTable
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
        const db = new DynamoDBClient({});
        exports.handler = async (event) => {
          await db.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { id: { S: event.path } } }));
          return { statusCode: 200, body: JSON.stringify({ greeting: process.env.GREETING, path: event.path }) };
        };
      Environment:
        Variables:
          TABLE: !Ref Items
          GREETING: !Ref Greeting
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Items
      Events:
        Get:
          Type: Api
          Properties:
            Path: /hello
            Method: get
Outputs:
  Url:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello"
  Table:
    Value: !Ref Items
    Export:
      Name: hello-table
"""


@pytest.fixture
def cfn(server):
    return server.client(service="cloudformation")


def test_sam_stack_created_called_and_deleted(server, cfn):
    stack_id = cfn.create_stack(
        StackName="hello", TemplateBody=SAM, Capabilities=CAPS,
        Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "hi"}],
    )["StackId"]
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/hello/")
    cfn.get_waiter("stack_create_complete").wait(StackName="hello", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="hello")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Parameters"] == [{"ParameterKey": "Greeting", "ParameterValue": "hi"}]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    api_id = outputs["Url"].split("//")[1].split(".")[0]

    with urllib.request.urlopen(f"{server.url}/restapis/{api_id}/Prod/_user_request_/hello", timeout=30) as resp:
        assert resp.status == 200
        assert json.loads(resp.read()) == {"greeting": "hi", "path": "/hello"}
    ddb = server.client()
    assert ddb.get_item(TableName=outputs["Table"], Key={"id": {"S": "/hello"}})["Item"] == {"id": {"S": "/hello"}}

    events = cfn.describe_stack_events(StackName="hello")["StackEvents"]
    assert events[0]["LogicalResourceId"] == "hello" and events[0]["ResourceStatus"] == "CREATE_COMPLETE"
    assert events[-1]["ResourceStatus"] == "CREATE_IN_PROGRESS" and events[-1]["ResourceStatusReason"] == "User Initiated"
    assert {"Items", "HelloRole", "Hello", "ServerlessRestApi", "ServerlessRestApiProdStage"} <= {e["LogicalResourceId"] for e in events}
    resources = cfn.list_stack_resources(StackName="hello")["StackResourceSummaries"]
    by_id = {r["LogicalResourceId"]: r for r in resources}
    assert by_id["Hello"]["ResourceType"] == "AWS::Lambda::Function"
    assert by_id["Items"]["PhysicalResourceId"] == outputs["Table"]
    assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in resources)
    described = cfn.describe_stack_resources(StackName="hello", LogicalResourceId="Hello")["StackResources"]
    assert described[0]["PhysicalResourceId"] == by_id["Hello"]["PhysicalResourceId"]
    assert cfn.list_exports()["Exports"] == [{"ExportingStackId": stack_id, "Name": "hello-table", "Value": outputs["Table"]}]
    assert "Transform" in cfn.get_template(StackName="hello")["TemplateBody"]

    cfn.delete_stack(StackName="hello")
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_id, WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert ddb.list_tables()["TableNames"] == []
    assert server.client(service="lambda").list_functions()["Functions"] == []
    assert server.client(service="apigateway").get_rest_apis()["items"] == []


def test_errors_and_rollback(server, cfn):
    with pytest.raises(ClientError) as e:
        cfn.describe_stacks(StackName="ghost")
    assert error_of(e) == ("ValidationError", "Stack with id ghost does not exist", 400)
    with pytest.raises(ClientError) as e:
        cfn.create_stack(StackName="hello", TemplateBody=SAM)
    assert error_of(e) == ("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]", 400)
    cycle = json.dumps({"Resources": {
        "A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"},
        "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}}},
    }})
    with pytest.raises(ClientError) as e:
        cfn.create_stack(StackName="cycle", TemplateBody=cycle)
    assert error_of(e) == ("ValidationError", "Circular dependency between resources: [A, B]", 400)

    broken = json.dumps({"Resources": {
        "Q": {"Type": "AWS::SQS::Queue"},
        "T": {"Type": "AWS::DynamoDB::Table", "DependsOn": "Q", "Properties": {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"}},
    }})
    cfn.create_stack(StackName="broken", TemplateBody=broken)
    with pytest.raises(Exception):
        cfn.get_waiter("stack_create_complete").wait(StackName="broken", WaiterConfig=WAIT)
    stack = cfn.describe_stacks(StackName="broken")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    statuses = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(cfn.describe_stack_events(StackName="broken")["StackEvents"])]
    assert ("T", "CREATE_FAILED") in statuses and ("Q", "DELETE_COMPLETE") in statuses
    assert statuses[-1] == ("broken", "ROLLBACK_COMPLETE")
    assert server.client(service="sqs").list_queues().get("QueueUrls", []) == []
    summaries = cfn.list_stacks(StackStatusFilter=["ROLLBACK_COMPLETE"])["StackSummaries"]
    assert [s["StackName"] for s in summaries] == ["broken"]


def test_aws_cli_create_stack_and_describe(server, tmp_path):
    template = tmp_path / "queue.yaml"
    template.write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\nOutputs:\n  Url:\n    Value: !Ref Q\n")
    created = server.aws("cloudformation", "create-stack", "--stack-name", "cli", "--template-body", f"file://{template}", "--output", "json")
    assert created.returncode == 0, created.stderr
    waited = server.aws("cloudformation", "wait", "stack-create-complete", "--stack-name", "cli")
    assert waited.returncode == 0, waited.stderr
    described = json.loads(server.aws("cloudformation", "describe-stacks", "--stack-name", "cli", "--output", "json").stdout)
    assert described["Stacks"][0]["Outputs"][0]["OutputValue"].endswith("/cli-Q-" + described["Stacks"][0]["Outputs"][0]["OutputValue"].split("/cli-Q-")[1])


def test_aws_cli_deploy_a_sam_template_through_a_change_set(server, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(SAM)
    deployed = server.aws(
        "cloudformation", "deploy", "--template-file", str(template), "--stack-name", "deployed",
        "--capabilities", "CAPABILITY_IAM", "--parameter-overrides", "Greeting=hey", timeout=180,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "Successfully created/updated stack - deployed" in deployed.stdout
    cfn = server.client(service="cloudformation")
    stack = cfn.describe_stacks(StackName="deployed")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Parameters"] == [{"ParameterKey": "Greeting", "ParameterValue": "hey"}]
    summaries = cfn.list_change_sets(StackName="deployed")["Summaries"]
    assert summaries[0]["ExecutionStatus"] == "EXECUTE_COMPLETE"
