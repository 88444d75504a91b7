"""boto3's and the AWS CLI's Step Functions clients against `gureum serve`: a machine calling a
Lambda function, polled with describe_execution and read with get_execution_history; a human
approval step (`.waitForTaskToken`) answered with send_task_success; a Wait passed by advancing
the virtual clock; Express StartSyncExecution; errors; and one `aws stepfunctions` call.
"""
import json
import time

import pytest
from botocore.config import Config

from conftest import NO_RETRIES, error_of
from test_lambda import create

ROLE = "arn:aws:iam::123456789012:role/sfn-role"


@pytest.fixture
def sfn(server):
    return server.client(service="stepfunctions")


def wait_done(sfn, arn, timeout=10):
    deadline = time.time() + timeout
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING" or time.time() > deadline:
            return d
        time.sleep(0.05)


def test_lambda_task_history_and_approval(server, sfn):
    lam = server.client(service="lambda")
    create(server, lam, "price", {"index.mjs": "export const handler = async (e) => ({ total: e.qty * 5 });"})
    definition = {
        "StartAt": "Price",
        "States": {
            "Price": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "price", "Payload.$": "$"},
                      "ResultSelector": {"total.$": "$.Payload.total"}, "ResultPath": "$.price", "Next": "Approve"},
            "Approve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                        "Parameters": {"FunctionName": "price", "Payload": {"qty": 0, "token.$": "$$.Task.Token"}}, "ResultPath": "$.approval", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }
    m = sfn.create_state_machine(name="orders", definition=json.dumps(definition), roleArn=ROLE)
    assert m["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
    d = sfn.describe_state_machine(stateMachineArn=m["stateMachineArn"])
    assert d["status"] == "ACTIVE" and d["type"] == "STANDARD" and json.loads(d["definition"]) == definition

    x = sfn.start_execution(stateMachineArn=m["stateMachineArn"], name="order-1", input=json.dumps({"qty": 3}))
    assert x["executionArn"].endswith(":execution:orders:order-1")
    # The approval waits: find its token in the history's TaskScheduled parameters.
    deadline = time.time() + 10
    while True:
        events = sfn.get_execution_history(executionArn=x["executionArn"])["events"]
        if any(e["type"] == "TaskSubmitted" for e in events) or time.time() > deadline:
            break
        time.sleep(0.05)
    scheduled = [e for e in events if e["type"] == "TaskScheduled"]
    assert scheduled[1]["taskScheduledEventDetails"]["resource"] == "invoke.waitForTaskToken"
    token = json.loads(scheduled[1]["taskScheduledEventDetails"]["parameters"])["Payload"]["token"]
    assert sfn.describe_execution(executionArn=x["executionArn"])["status"] == "RUNNING"
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
    d = wait_done(sfn, x["executionArn"])
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"qty": 3, "price": {"total": 15}, "approval": {"approved": True}}

    events = sfn.get_execution_history(executionArn=x["executionArn"])["events"]
    types = [e["type"] for e in events]
    assert types[:6] == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited"]
    assert types[-1] == "ExecutionSucceeded"
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert events[1]["stateEnteredEventDetails"] == {"name": "Price", "input": '{"qty":3}', "inputDetails": {"truncated": False}}
    rev = sfn.get_execution_history(executionArn=x["executionArn"], reverseOrder=True, maxResults=1)
    assert rev["events"][0]["type"] == "ExecutionSucceeded" and "nextToken" in rev

    with pytest.raises(Exception) as e:
        sfn.send_task_success(taskToken=token, output="{}")
    assert error_of(e)[0] == "TaskDoesNotExist"
    listed = sfn.list_executions(stateMachineArn=m["stateMachineArn"], statusFilter="SUCCEEDED")["executions"]
    assert [x["name"] for x in listed] == ["order-1"]


def test_wait_on_the_virtual_clock_errors_and_cli(server, sfn):
    definition = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 86400, "End": True}}}
    m = sfn.create_state_machine(name="nap", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    x = sfn.start_execution(stateMachineArn=m, input="{}")["executionArn"]
    time.sleep(0.1)
    assert sfn.describe_execution(executionArn=x)["status"] == "RUNNING"
    server.control("AdvanceClock", {"seconds": 86401})
    d = wait_done(sfn, x)
    assert d["status"] == "SUCCEEDED"
    assert (d["stopDate"] - d["startDate"]).total_seconds() >= 86400

    with pytest.raises(Exception) as e:
        sfn.create_state_machine(name="bad", definition='{"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}', roleArn=ROLE)
    code, message = error_of(e)[:2]
    assert code == "InvalidDefinition"
    assert message.startswith("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET")
    with pytest.raises(Exception) as e:
        sfn.describe_execution(executionArn=x + "-nope")
    assert error_of(e)[0] == "ExecutionDoesNotExist"
    with pytest.raises(Exception) as e:
        sfn.start_execution(stateMachineArn=m, name="n", input="{bad")
    assert error_of(e)[0] == "InvalidExecutionInput"

    out = server.aws("stepfunctions", "list-state-machines")
    assert out.returncode == 0, out.stderr
    assert [s["name"] for s in json.loads(out.stdout)["stateMachines"]] == ["nap"]


def test_express_start_sync_execution(server):
    # StartSyncExecution's endpoint has the host prefix `sync-`: not on a localhost IP.
    sfn = server.client(service="stepfunctions", config=NO_RETRIES.merge(Config(inject_host_prefix=False)))
    definition = {"StartAt": "Add", "States": {"Add": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": True}}}
    m = sfn.create_state_machine(name="adder", definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
    r = sfn.start_sync_execution(stateMachineArn=m, input=json.dumps({"a": 2, "b": 40}))
    assert r["status"] == "SUCCEEDED"
    assert json.loads(r["output"]) == {"sum": 42}
    assert ":express:adder:" in r["executionArn"]


def test_jsonata_machine(server, sfn):
    # The console's default since late 2024: a JSONata machine with Arguments, Output, Assign
    # variables, a Choice Condition, a Map over Items and Step Functions' own $partition.
    lam = server.client(service="lambda")
    create(server, lam, "tax", {"index.mjs": "export const handler = async (e) => ({ tax: e.amount / 10 });"})
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Tax",
        "States": {
            "Tax": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "tax", "Payload": {"amount": "{% $sum($states.input.lines.price) %}"}},
                    "Assign": {"tax": "{% $states.result.Payload.tax %}", "lines": "{% $states.input.lines %}"},
                    "Output": "{% $states.result.Payload %}", "Next": "Big?"},
            "Big?": {"Type": "Choice", "Choices": [{"Condition": "{% $tax >= 5 %}", "Next": "Batches"}], "Default": "Small"},
            "Batches": {"Type": "Map", "Items": "{% $partition($lines, 2) %}",
                        "ItemProcessor": {"StartAt": "Count", "States": {"Count": {"Type": "Pass", "Output": "{% $count($states.input) %}", "End": True}}},
                        "Output": "{% {'tax': $tax, 'batches': $states.result, 'names': $join($lines.name, ',')} %}", "End": True},
            "Small": {"Type": "Succeed"},
        },
    }
    m = sfn.create_state_machine(name="jsonata", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    lines = [{"name": "a", "price": 20}, {"name": "b", "price": 25}, {"name": "c", "price": 5}]
    x = sfn.start_execution(stateMachineArn=m, input=json.dumps({"lines": lines}))["executionArn"]
    d = wait_done(sfn, x)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"tax": 5, "batches": [2, 1], "names": "a,b,c"}

    bad = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $states.input.nope %}", "End": True}}}
    m2 = sfn.create_state_machine(name="undefined", definition=json.dumps(bad), roleArn=ROLE)["stateMachineArn"]
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=m2, input="{}")["executionArn"])
    assert d["status"] == "FAILED" and d["error"] == "States.QueryEvaluationError"
