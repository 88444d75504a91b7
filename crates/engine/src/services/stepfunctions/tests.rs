//! Step Functions through the engine's door: data-driven cases (a definition, an input, the
//! expected output and history event types) taken from the AWS developer guide's examples; task
//! tokens; Wait and Retry on the virtual clock; Catch; Parallel failure; persistence; junk input.
//! A stand-in code runtime answers Lambda invocations by function name.

use std::sync::{Arc, Mutex};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    kernel::runtime::{CodeRuntime, InvokeJob, InvokeOutcome, InvokeResult},
    services::lambda::code,
    AwsError, Engine, EngineConfig, Request,
};

const REGION: &str = "us-east-1";
const ROLE: &str = "arn:aws:iam::123456789012:role/sfn";
const T0: i64 = 1_700_000_000_000;

/// Functions answer by name: `echo` returns the event; `boom` throws `CustomError`; `flaky`
/// throws until its third call; `double` returns `{"n": event.n * 2}`.
#[derive(Default)]
struct FakeRuntime {
    calls: Mutex<Vec<(String, Value)>>,
}

impl CodeRuntime for FakeRuntime {
    fn invoke(&self, job: &InvokeJob, _aws: &mut crate::kernel::runtime::AwsDoor<'_>) -> InvokeResult {
        let event: Value = serde_json::from_slice(&job.payload).unwrap_or(Value::Null);
        let mut calls = self.calls.lock().unwrap();
        calls.push((job.function_name.clone(), event.clone()));
        let n = calls.iter().filter(|(f, _)| *f == job.function_name).count();
        let outcome = match job.function_name.as_str() {
            "boom" => InvokeOutcome::Error { error_type: "CustomError".into(), error_message: "it broke".into(), trace: vec![] },
            "flaky" if n < 3 => InvokeOutcome::Error { error_type: "Transient".into(), error_message: format!("attempt {n}"), trace: vec![] },
            "double" => InvokeOutcome::Ok(json!({ "n": event["n"].as_i64().unwrap_or(0) * 2 }).to_string().into_bytes()),
            _ => InvokeOutcome::Ok(event.to_string().into_bytes()),
        };
        InvokeResult { outcome, logs: vec![], init_logs: vec![], init_ms: Some(1.0), duration_ms: 1.0, max_memory_mb: 64 }
    }
    fn discard(&self, _environment: &str) {}
    fn discard_all(&self) {}
}

struct Sb {
    e: Engine,
    t: i64,
    runtime: Arc<FakeRuntime>,
}

impl Sb {
    fn new() -> Sb {
        let runtime = Arc::new(FakeRuntime::default());
        let mut e = Engine::new(EngineConfig::default(), T0);
        e.set_runtime(runtime.clone());
        Sb { e, t: T0, runtime }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.e.call(self.t, &Request::new("states", op, REGION, input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input.clone()).unwrap_or_else(|e| panic!("{op} {input}: {e}"))
    }

    fn fail(&mut self, op: &str, input: Value) -> AwsError {
        match self.call(op, input.clone()) {
            Ok(v) => panic!("{op} {input} should fail, answered {v}"),
            Err(e) => e,
        }
    }

    fn tick(&mut self) {
        self.e.tick(self.t);
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(self.t, "AdvanceClock", &json!({ "seconds": seconds })).expect("clock");
    }

    fn function(&mut self, name: &str) -> String {
        let zip = code::zip(&[("index.mjs".to_string(), b"export const handler = async (e) => e;".to_vec())].into_iter().collect());
        let input = json!({ "FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": { "ZipFile": B64.encode(zip) } });
        let out = self.e.call(self.t, &Request::new("lambda", "CreateFunction", REGION, input)).expect("CreateFunction");
        self.advance(2.0);
        out["FunctionArn"].as_str().unwrap().to_string()
    }

    fn machine(&mut self, name: &str, definition: &Value) -> String {
        let out = self.ok("CreateStateMachine", json!({ "name": name, "definition": definition.to_string(), "roleArn": ROLE }));
        out["stateMachineArn"].as_str().unwrap().to_string()
    }

    fn start(&mut self, machine: &str, input: &Value) -> String {
        let out = self.ok("StartExecution", json!({ "stateMachineArn": machine, "input": input.to_string() }));
        out["executionArn"].as_str().unwrap().to_string()
    }

    fn describe(&mut self, exec: &str) -> Value {
        self.ok("DescribeExecution", json!({ "executionArn": exec }))
    }

    fn events(&mut self, exec: &str) -> Vec<Value> {
        self.ok("GetExecutionHistory", json!({ "executionArn": exec, "maxResults": 1000 }))["events"].as_array().unwrap().clone()
    }

    fn types(&mut self, exec: &str) -> Vec<String> {
        self.events(exec).iter().map(|e| e["type"].as_str().unwrap().to_string()).collect()
    }
}

fn output(d: &Value) -> Value {
    serde_json::from_str(d["output"].as_str().expect("an output")).unwrap()
}

struct Case {
    name: &'static str,
    definition: Value,
    input: Value,
    status: &'static str,
    /// The output (SUCCEEDED) or `{"error", "cause"}` (FAILED).
    expect: Value,
    events: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            // "Specifying state output using ResultPath": the Pass state example of the guide.
            name: "pass-resultpath",
            definition: json!({ "StartAt": "Coords", "States": { "Coords": {
                "Type": "Pass", "Result": { "x-datum": 0.381018, "y-datum": 622.2269926397355 }, "ResultPath": "$.coords", "End": true } } }),
            input: json!({ "georefOf": "Home" }),
            status: "SUCCEEDED",
            expect: json!({ "georefOf": "Home", "coords": { "x-datum": 0.381018, "y-datum": 622.2269926397355 } }),
            events: &["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        },
        Case {
            // InputPath, Parameters (with a path and an intrinsic) and OutputPath.
            name: "input-parameters-output",
            definition: json!({ "StartAt": "P", "States": { "P": {
                "Type": "Pass", "InputPath": "$.library", "Parameters": { "title.$": "$.book", "count.$": "States.ArrayLength($.copies)", "static": 1 },
                "ResultPath": "$.picked", "OutputPath": "$.picked", "End": true } } }),
            input: json!({ "library": { "book": "Dune", "copies": [1, 2, 3] } }),
            status: "SUCCEEDED",
            expect: json!({ "title": "Dune", "count": 3, "static": 1 }),
            events: &["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        },
        Case {
            // ResultPath null keeps the input; OutputPath null gives {}.
            name: "resultpath-null",
            definition: json!({ "StartAt": "A", "States": {
                "A": { "Type": "Pass", "Result": "x", "ResultPath": null, "Next": "B" },
                "B": { "Type": "Pass", "OutputPath": null, "End": true } } }),
            input: json!({ "keep": true }),
            status: "SUCCEEDED",
            expect: json!({}),
            events: &["ExecutionStarted", "PassStateEntered", "PassStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        },
        Case {
            name: "choice",
            definition: json!({ "StartAt": "C", "States": {
                "C": { "Type": "Choice", "Choices": [
                    { "Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big" },
                    { "And": [ { "Variable": "$.n", "NumericGreaterThanEquals": 0 }, { "Variable": "$.n", "NumericLessThanEquals": 10 } ], "Next": "Small" } ],
                    "Default": "Negative" },
                "Big": { "Type": "Pass", "Result": "big", "End": true },
                "Small": { "Type": "Pass", "Result": "small", "End": true },
                "Negative": { "Type": "Fail", "Error": "Negative", "Cause": "n < 0" } } }),
            input: json!({ "n": 7 }),
            status: "SUCCEEDED",
            expect: json!("small"),
            events: &["ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
        },
        Case {
            name: "choice-default-fail",
            definition: json!({ "StartAt": "C", "States": {
                "C": { "Type": "Choice", "Choices": [ { "Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big" } ], "Default": "Negative" },
                "Big": { "Type": "Succeed" },
                "Negative": { "Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('n was {}', $.n)" } } }),
            input: json!({ "n": -1, "code": "Negative" }),
            status: "FAILED",
            expect: json!({ "error": "Negative", "cause": "n was -1" }),
            events: &["ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited", "FailStateEntered", "ExecutionFailed"],
        },
        Case {
            name: "no-choice-matched",
            definition: json!({ "StartAt": "C", "States": {
                "C": { "Type": "Choice", "Choices": [ { "Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big" } ] },
                "Big": { "Type": "Succeed" } } }),
            input: json!({ "n": 1 }),
            status: "FAILED",
            expect: json!({ "error": "States.NoChoiceMatched" }),
            events: &["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"],
        },
        Case {
            name: "parallel",
            definition: json!({ "StartAt": "P", "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
                { "StartAt": "A", "States": { "A": { "Type": "Pass", "Parameters": { "a.$": "$.v" }, "End": true } } },
                { "StartAt": "B", "States": { "B": { "Type": "Pass", "Result": "b", "End": true } } } ] } } }),
            input: json!({ "v": 1 }),
            status: "SUCCEEDED",
            expect: json!([{ "a": 1 }, "b"]),
            events: &[
                "ExecutionStarted",
                "ParallelStateEntered",
                "ParallelStateStarted",
                "PassStateEntered",
                "PassStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ParallelStateSucceeded",
                "ParallelStateExited",
                "ExecutionSucceeded",
            ],
        },
        Case {
            // A failing branch fails the Parallel with its error; the Catch takes it.
            name: "parallel-failure-caught",
            definition: json!({ "StartAt": "P", "States": {
                "P": { "Type": "Parallel", "Next": "Done", "Catch": [ { "ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Done" } ], "Branches": [
                    { "StartAt": "A", "States": { "A": { "Type": "Fail", "Error": "BranchBroke", "Cause": "no" } } },
                    { "StartAt": "B", "States": { "B": { "Type": "Wait", "Seconds": 5, "End": true } } } ] },
                "Done": { "Type": "Pass", "End": true } } }),
            input: json!({ "v": 1 }),
            status: "SUCCEEDED",
            expect: json!({ "v": 1, "err": { "Error": "BranchBroke", "Cause": "no" } }),
            events: &[
                "ExecutionStarted",
                "ParallelStateEntered",
                "ParallelStateStarted",
                "FailStateEntered",
                "ParallelStateFailed",
                "ParallelStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded",
            ],
        },
        Case {
            // Uncaught, a branch's failure fails the execution with the branch's own error and
            // cause (AWS reports them, not States.BranchFailed: the ASL spec's name for this case
            // is never what a Catch or the execution sees); ParallelStateFailed has no details.
            name: "parallel-failure-uncaught",
            definition: json!({ "StartAt": "P", "States": {
                "P": { "Type": "Parallel", "End": true, "Branches": [
                    { "StartAt": "A", "States": { "A": { "Type": "Fail", "Error": "BranchBroke", "Cause": "no" } } },
                    { "StartAt": "B", "States": { "B": { "Type": "Wait", "Seconds": 5, "End": true } } } ] } } }),
            input: json!({ "v": 1 }),
            status: "FAILED",
            expect: json!({ "error": "BranchBroke", "cause": "no" }),
            events: &["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered", "ParallelStateFailed", "ExecutionFailed"],
        },
        Case {
            // An inline Map fails at its first failed iteration, with that iteration's error;
            // the iterations after it never start.
            name: "map-iteration-failure",
            definition: json!({ "StartAt": "M", "States": { "M": { "Type": "Map", "MaxConcurrency": 1, "End": true,
                "ItemProcessor": { "StartAt": "Check", "States": {
                    "Check": { "Type": "Choice", "Choices": [ { "Variable": "$", "NumericEquals": 2, "Next": "Bad" } ], "Default": "Good" },
                    "Bad": { "Type": "Fail", "Error": "BadItem", "Cause": "item 2" },
                    "Good": { "Type": "Pass", "End": true } } } } } }),
            input: json!([1, 2, 3]),
            status: "FAILED",
            expect: json!({ "error": "BadItem", "cause": "item 2" }),
            events: &[
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapIterationStarted",
                "ChoiceStateEntered",
                "ChoiceStateExited",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapIterationStarted",
                "ChoiceStateEntered",
                "ChoiceStateExited",
                "FailStateEntered",
                "MapIterationFailed",
                "MapStateFailed",
                "ExecutionFailed",
            ],
        },
        Case {
            // The guide's ItemSelector example (Map state input/output processing).
            name: "map-itemselector",
            definition: json!({ "StartAt": "M", "States": { "M": { "Type": "Map", "ItemsPath": "$.detail.shipped",
                "ItemSelector": { "parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner", "index.$": "$$.Map.Item.Index" },
                "ItemProcessor": { "StartAt": "Ship", "States": { "Ship": { "Type": "Pass", "End": true } } },
                "ResultPath": "$.detail.shipped", "End": true } } }),
            input: json!({ "delivery-partner": "UQS", "detail": { "shipped": [ { "prod": "R31", "dest-code": 9511 }, { "prod": "S39", "dest-code": 9511 } ] } }),
            status: "SUCCEEDED",
            expect: json!({ "delivery-partner": "UQS", "detail": { "shipped": [
                { "parcel": { "prod": "R31", "dest-code": 9511 }, "courier": "UQS", "index": 0 },
                { "parcel": { "prod": "S39", "dest-code": 9511 }, "courier": "UQS", "index": 1 } ] } }),
            events: &[
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapIterationStarted",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded",
            ],
        },
        Case {
            name: "map-maxconcurrency-1",
            definition: json!({ "StartAt": "M", "States": { "M": { "Type": "Map", "MaxConcurrency": 1,
                "ItemProcessor": { "StartAt": "X", "States": { "X": { "Type": "Pass", "Parameters": { "v.$": "States.MathAdd($, 1)" }, "End": true } } }, "End": true } } }),
            input: json!([1, 2]),
            status: "SUCCEEDED",
            expect: json!([{ "v": 2 }, { "v": 3 }]),
            events: &[
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded",
            ],
        },
        Case {
            name: "resultpath-match-failure",
            definition: json!({ "StartAt": "A", "States": { "A": { "Type": "Pass", "Result": 1, "ResultPath": "$.x.y", "End": true } } }),
            input: json!({ "x": "text" }),
            status: "FAILED",
            expect: json!({ "error": "States.ResultPathMatchFailure" }),
            events: &["ExecutionStarted", "PassStateEntered", "ExecutionFailed"],
        },
        Case {
            name: "missing-path-runtime",
            definition: json!({ "StartAt": "A", "States": { "A": { "Type": "Pass", "InputPath": "$.nope", "End": true } } }),
            input: json!({}),
            status: "FAILED",
            expect: json!({ "error": "States.Runtime" }),
            events: &["ExecutionStarted", "PassStateEntered", "ExecutionFailed"],
        },
    ]
}

#[test]
fn documented_examples() {
    for case in cases() {
        let mut sb = Sb::new();
        let m = sb.machine(case.name, &case.definition);
        let x = sb.start(&m, &case.input);
        sb.tick();
        sb.advance(10.0);
        let d = sb.describe(&x);
        assert_eq!(d["status"], case.status, "{}: {d}", case.name);
        if case.status == "SUCCEEDED" {
            assert_eq!(output(&d), case.expect, "{}", case.name);
        } else {
            assert_eq!(d["error"], case.expect["error"], "{}: {d}", case.name);
            if let Some(c) = case.expect.get("cause") {
                assert_eq!(&d["cause"], c, "{}", case.name);
            }
        }
        assert_eq!(sb.types(&x), case.events, "{}", case.name);
    }
}

/// What the failure events of a failed branch and iteration carry (the shapes of
/// GetExecutionHistory's `HistoryEvent`): ParallelStateFailed and MapStateFailed have no
/// details, MapIterationFailed names the Map and the index, and ExecutionFailed carries the
/// branch's error and cause; a Catch on the Parallel sees the same error.
#[test]
fn branch_and_iteration_failure_events() {
    let mut sb = Sb::new();
    let m = sb.machine(
        "pf",
        &json!({ "StartAt": "P", "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
            { "StartAt": "A", "States": { "A": { "Type": "Fail", "Error": "BranchBroke", "Cause": "no" } } } ] } } }),
    );
    let x = sb.start(&m, &json!({}));
    sb.tick();
    let ev = sb.events(&x);
    let failed = ev.iter().find(|e| e["type"] == "ParallelStateFailed").expect("ParallelStateFailed");
    assert_eq!(failed.as_object().unwrap().keys().filter(|k| k.ends_with("EventDetails")).count(), 0, "{failed}");
    let last = ev.last().unwrap();
    assert_eq!(last["type"], "ExecutionFailed");
    assert_eq!(last["executionFailedEventDetails"], json!({ "error": "BranchBroke", "cause": "no" }));
    assert_eq!(last["previousEventId"], failed["id"]);

    let m = sb.machine(
        "mf",
        &json!({ "StartAt": "M", "States": { "M": { "Type": "Map", "End": true,
            "Catch": [ { "ErrorEquals": ["BadItem"], "ResultPath": "$.error", "Next": "Handled" } ],
            "ItemsPath": "$.items", "ItemProcessor": { "StartAt": "Bad", "States": { "Bad": { "Type": "Fail", "Error": "BadItem", "Cause": "no good" } } } },
            "Handled": { "Type": "Pass", "End": true } } }),
    );
    let x = sb.start(&m, &json!({ "items": [7] }));
    sb.tick();
    let ev = sb.events(&x);
    let it = ev.iter().find(|e| e["type"] == "MapIterationFailed").expect("MapIterationFailed");
    assert_eq!(it["mapIterationFailedEventDetails"], json!({ "name": "M", "index": 0 }));
    let mf = ev.iter().find(|e| e["type"] == "MapStateFailed").expect("MapStateFailed");
    assert_eq!(mf.as_object().unwrap().keys().filter(|k| k.ends_with("EventDetails")).count(), 0, "{mf}");
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(output(&d), json!({ "items": [7], "error": { "Error": "BadItem", "Cause": "no good" } }));
}

#[test]
fn history_shapes() {
    let mut sb = Sb::new();
    let m = sb.machine("h", &json!({ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } }));
    let x = sb.start(&m, &json!({ "a": 1 }));
    sb.tick();
    let ev = sb.events(&x);
    assert_eq!(ev[0]["id"], 1);
    assert_eq!(ev[0]["previousEventId"], 0);
    assert_eq!(ev[0]["executionStartedEventDetails"], json!({ "input": "{\"a\":1}", "inputDetails": { "truncated": false }, "roleArn": ROLE }));
    assert_eq!(ev[1]["previousEventId"], 1);
    assert_eq!(ev[1]["stateEnteredEventDetails"], json!({ "name": "A", "input": "{\"a\":1}", "inputDetails": { "truncated": false } }));
    assert_eq!(ev[2]["stateExitedEventDetails"], json!({ "name": "A", "output": "{\"a\":1}", "outputDetails": { "truncated": false } }));
    assert_eq!(ev[3]["executionSucceededEventDetails"]["output"], "{\"a\":1}");
    assert!(ev[0]["timestamp"].is_f64());
    // reverseOrder, paging, includeExecutionData false.
    let page = sb.ok("GetExecutionHistory", json!({ "executionArn": x, "reverseOrder": true, "maxResults": 3, "includeExecutionData": false }));
    let types: Vec<&str> = page["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ExecutionSucceeded", "PassStateExited", "PassStateEntered"]);
    assert_eq!(page["events"][1]["stateExitedEventDetails"], json!({ "name": "A", "outputDetails": { "truncated": false } }));
    let next = sb.ok("GetExecutionHistory", json!({ "executionArn": x, "reverseOrder": true, "maxResults": 3, "nextToken": page["nextToken"] }));
    assert_eq!(next["events"].as_array().unwrap().len(), 1);
    assert!(next.get("nextToken").is_none());
}

#[test]
fn lambda_tasks_and_catch() {
    let mut sb = Sb::new();
    let double = sb.function("double");
    sb.function("boom");
    let def = json!({ "StartAt": "Double", "States": {
        "Double": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "FunctionName": "double", "Payload": { "n.$": "$.n" } },
                    "ResultSelector": { "n.$": "$.Payload.n" }, "ResultPath": "$.doubled", "Next": "Legacy" },
        "Legacy": { "Type": "Task", "Resource": double, "InputPath": "$.doubled", "ResultPath": "$.again", "Next": "Boom" },
        "Boom": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "FunctionName": "boom", "Payload.$": "$" },
                  "Catch": [ { "ErrorEquals": ["CustomError"], "ResultPath": "$.error", "Next": "Done" } ], "End": true },
        "Done": { "Type": "Pass", "End": true } } });
    let m = sb.machine("lambdas", &def);
    let x = sb.start(&m, &json!({ "n": 21 }));
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let out = output(&d);
    assert_eq!(out["doubled"], json!({ "n": 42 }));
    assert_eq!(out["again"], json!({ "n": 84 }));
    assert_eq!(out["error"]["Error"], "CustomError");
    let cause: Value = serde_json::from_str(out["error"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["errorMessage"], "it broke");
    assert_eq!(
        sb.types(&x),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let ev = sb.events(&x);
    assert_eq!(ev[2]["taskScheduledEventDetails"]["resourceType"], "lambda");
    assert_eq!(ev[2]["taskScheduledEventDetails"]["resource"], "invoke");
    assert_eq!(ev[2]["taskScheduledEventDetails"]["region"], REGION);
    assert_eq!(ev[2]["taskScheduledEventDetails"]["parameters"], "{\"FunctionName\":\"double\",\"Payload\":{\"n\":21}}");
    let ok: Value = serde_json::from_str(ev[4]["taskSucceededEventDetails"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(ok["Payload"], json!({ "n": 42 }));
    assert_eq!(ok["StatusCode"], 200);
    assert_eq!(ev[14]["taskFailedEventDetails"]["error"], "CustomError");
    // A missing function is Lambda's error, prefixed.
    let m2 = sb.machine(
        "missing",
        &json!({ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "FunctionName": "nope" }, "End": true } } }),
    );
    let x2 = sb.start(&m2, &json!({}));
    sb.tick();
    let d = sb.describe(&x2);
    assert_eq!(d["status"], "FAILED");
    assert_eq!(d["error"], "Lambda.ResourceNotFoundException");
}

#[test]
fn retry_timings_on_the_virtual_clock() {
    let mut sb = Sb::new();
    sb.function("flaky");
    let def = json!({ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "FunctionName": "flaky", "Payload.$": "$" },
        "Retry": [ { "ErrorEquals": ["Transient"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 5 } ], "OutputPath": "$.Payload", "End": true } } });
    let m = sb.machine("retry", &def);
    let x = sb.start(&m, &json!({ "k": 1 }));
    sb.tick();
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(2.9);
    assert_eq!(sb.runtime.calls.lock().unwrap().iter().filter(|(f, _)| f == "flaky").count(), 1);
    sb.advance(0.2); // 3 s: the second attempt
    assert_eq!(sb.runtime.calls.lock().unwrap().iter().filter(|(f, _)| f == "flaky").count(), 2);
    sb.advance(5.8); // 8.9 s: not yet (3 + 6)
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(0.2);
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!({ "k": 1 }));
    let ev = sb.events(&x);
    let times: Vec<f64> = ev.iter().filter(|e| e["type"] == "TaskScheduled").map(|e| e["timestamp"].as_f64().unwrap()).collect();
    assert_eq!(times.len(), 3);
    assert!((times[1] - times[0] - 3.0).abs() < 1e-6, "{times:?}");
    assert!((times[2] - times[1] - 6.0).abs() < 1e-6, "{times:?}");
}

#[test]
fn wait_a_day_then_advance() {
    let mut sb = Sb::new();
    let def = json!({ "StartAt": "W", "States": {
        "W": { "Type": "Wait", "Seconds": 86400, "Next": "W2" },
        "W2": { "Type": "Wait", "SecondsPath": "$.s", "Next": "W3" },
        "W3": { "Type": "Wait", "TimestampPath": "$.at", "End": true } } });
    let m = sb.machine("wait", &def);
    let x = sb.start(&m, &json!({ "s": 60, "at": "2023-11-16T00:00:00Z" }));
    sb.tick();
    sb.advance(86399.0);
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(1.0);
    assert_eq!(sb.types(&x).last().unwrap(), "WaitStateEntered");
    sb.advance(60.0);
    // The timestamp is in the past by now (T0 is 2023-11-14): no wait.
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let start = d["startDate"].as_f64().unwrap();
    let stop = d["stopDate"].as_f64().unwrap();
    assert!((stop - start - 86460.0).abs() < 1e-6, "{start} {stop}");
}

#[test]
fn wait_for_task_token() {
    let mut sb = Sb::new();
    let q = sb.e.call(sb.t, &Request::new("sqs", "CreateQueue", REGION, json!({ "QueueName": "approvals" }))).unwrap();
    let url = q["QueueUrl"].as_str().unwrap().to_string();
    let def = json!({ "StartAt": "Ask", "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 600,
                 "Parameters": { "QueueUrl": url, "MessageBody": { "token.$": "$$.Task.Token", "order.$": "$.order" } }, "ResultPath": "$.approval", "Next": "Ok" },
        "Ok": { "Type": "Succeed" } } });
    let m = sb.machine("approve", &def);
    let x = sb.start(&m, &json!({ "order": 7 }));
    sb.tick();
    let msgs = sb.e.call(sb.t, &Request::new("sqs", "ReceiveMessage", REGION, json!({ "QueueUrl": url }))).unwrap();
    let body: Value = serde_json::from_str(msgs["Messages"][0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(body["order"], 7);
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    // A heartbeat writes no event.
    let n = sb.events(&x).len();
    sb.ok("SendTaskHeartbeat", json!({ "taskToken": token }));
    assert_eq!(sb.events(&x).len(), n);
    assert_eq!(sb.fail("SendTaskSuccess", json!({ "taskToken": token, "output": "{nope" })).kind, "InvalidOutput");
    sb.ok("SendTaskSuccess", json!({ "taskToken": token, "output": "{\"approved\":true}" }));
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!({ "order": 7, "approval": { "approved": true } }));
    assert_eq!(
        sb.types(&x),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(sb.fail("SendTaskSuccess", json!({ "taskToken": token, "output": "{}" })).kind, "TaskDoesNotExist");
    assert_eq!(sb.fail("SendTaskSuccess", json!({ "taskToken": "junk", "output": "{}" })).kind, "InvalidToken");
}

#[test]
fn task_failure_and_heartbeat_timeout() {
    let mut sb = Sb::new();
    sb.function("echo");
    let def = json!({ "StartAt": "Ask", "States": {
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "HeartbeatSeconds": 30, "TimeoutSeconds": 100,
                 "Parameters": { "FunctionName": "echo", "Payload": { "token.$": "$$.Task.Token" } }, "End": true } } });
    let m = sb.machine("hb", &def);
    let x = sb.start(&m, &json!({}));
    sb.tick();
    let token = {
        let calls = sb.runtime.calls.lock().unwrap();
        calls.last().unwrap().1["token"].as_str().unwrap().to_string()
    };
    sb.advance(20.0);
    sb.ok("SendTaskHeartbeat", json!({ "taskToken": token }));
    sb.advance(20.0); // 40 s: the heartbeat moved the deadline to 50 s
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(11.0);
    let d = sb.describe(&x);
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "States.HeartbeatTimeout");
    assert_eq!(sb.types(&x)[5], "TaskTimedOut");
    assert_eq!(sb.fail("SendTaskSuccess", json!({ "taskToken": token, "output": "{}" })).kind, "TaskDoesNotExist");
    // SendTaskFailure with a custom error.
    let x = sb.start(&m, &json!({}));
    sb.tick();
    let token = sb.runtime.calls.lock().unwrap().last().unwrap().1["token"].as_str().unwrap().to_string();
    sb.ok("SendTaskFailure", json!({ "taskToken": token, "error": "Rejected", "cause": "by a person" }));
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!((d["status"].as_str(), d["error"].as_str(), d["cause"].as_str()), (Some("FAILED"), Some("Rejected"), Some("by a person")));
}

#[test]
fn api_errors_and_shapes() {
    let mut sb = Sb::new();
    let def = json!({ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } });
    let m = sb.machine("m1", &def);
    let e = sb.fail("CreateStateMachine", json!({ "name": "bad", "definition": "{\"StartAt\":\"X\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}}", "roleArn": ROLE }));
    assert_eq!(e.kind, "InvalidDefinition");
    assert!(e.message.starts_with("Invalid State Machine Definition: '"), "{}", e.message);
    assert!(e.message.contains("MISSING_TRANSITION_TARGET"), "{}", e.message);
    let e = sb.fail("CreateStateMachine", json!({ "name": "sns", "definition": json!({ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true } } }).to_string(), "roleArn": ROLE }));
    assert_eq!(e.kind, "InvalidDefinition");
    assert!(e.message.contains("SCHEMA_VALIDATION_FAILED: The resource provided arn:aws:states:::sns:publish is not recognized"), "{}", e.message);
    // JSONPath Assign is refused, never accepted and ignored (variables run in JSONata states).
    let assign = json!({ "StartAt": "P", "States": { "P": { "Type": "Pass", "Assign": { "x.$": "$.a" }, "End": true } } });
    let e = sb.fail("CreateStateMachine", json!({ "name": "assign", "definition": assign.to_string(), "roleArn": ROLE }));
    assert_eq!(e.kind, "InvalidDefinition");
    assert!(e.message.contains("Assign in a JSONPath state is not simulated") && e.message.contains("/States/P/Assign"), "{}", e.message);
    let e = sb.fail("CreateStateMachine", json!({ "name": "m1", "definition": json!({ "StartAt": "B", "States": { "B": { "Type": "Succeed" } } }).to_string(), "roleArn": ROLE }));
    assert_eq!(e.kind, "StateMachineAlreadyExists");
    assert_eq!(sb.fail("CreateStateMachine", json!({ "name": "a b", "definition": def.to_string(), "roleArn": ROLE })).kind, "InvalidName");
    assert_eq!(sb.fail("CreateStateMachine", json!({ "name": "x", "definition": def.to_string(), "roleArn": "nope" })).kind, "InvalidArn");
    let e = sb.fail("CreateStateMachine", json!({ "name": "x", "definition": json!({ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true } } }).to_string(), "roleArn": ROLE, "type": "EXPRESS" }));
    assert!(e.message.contains("Express state machine does not support '.waitForTaskToken'"), "{}", e.message);
    // Describe, list, update.
    let d = sb.ok("DescribeStateMachine", json!({ "stateMachineArn": m }));
    assert_eq!((d["name"].as_str(), d["type"].as_str(), d["status"].as_str()), (Some("m1"), Some("STANDARD"), Some("ACTIVE")));
    assert_eq!(sb.fail("DescribeStateMachine", json!({ "stateMachineArn": format!("{m}x") })).kind, "StateMachineDoesNotExist");
    assert_eq!(sb.fail("DescribeStateMachine", json!({ "stateMachineArn": "foo" })).kind, "InvalidArn");
    assert_eq!(sb.fail("UpdateStateMachine", json!({ "stateMachineArn": m })).kind, "MissingRequiredParameter");
    let u = sb.ok("UpdateStateMachine", json!({ "stateMachineArn": m, "definition": json!({ "StartAt": "B", "States": { "B": { "Type": "Succeed" } } }).to_string() }));
    assert!(u["revisionId"].is_string());
    let l = sb.ok("ListStateMachines", json!({}));
    assert_eq!(l["stateMachines"].as_array().unwrap().len(), 1);
    // Executions: name uniqueness, input checks, statusFilter, paging.
    sb.ok("StartExecution", json!({ "stateMachineArn": m, "name": "one", "input": "{}" }));
    assert_eq!(sb.fail("StartExecution", json!({ "stateMachineArn": m, "name": "one", "input": "{\"x\":1}" })).kind, "ExecutionAlreadyExists");
    assert_eq!(sb.fail("StartExecution", json!({ "stateMachineArn": m, "input": "{nope" })).kind, "InvalidExecutionInput");
    let big = format!("\"{}\"", "x".repeat(300 * 1024));
    assert_eq!(sb.fail("StartExecution", json!({ "stateMachineArn": m, "input": big })).kind, "ValidationException");
    sb.tick();
    for i in 0..3 {
        sb.ok("StartExecution", json!({ "stateMachineArn": m, "name": format!("n{i}") }));
    }
    // The first step of each runs at the next call (timers due now fire first).
    let l = sb.ok("ListExecutions", json!({ "stateMachineArn": m, "statusFilter": "RUNNING" }));
    assert_eq!(l["executions"].as_array().unwrap().len(), 0);
    let l = sb.ok("ListExecutions", json!({ "stateMachineArn": m, "statusFilter": "SUCCEEDED" }));
    assert_eq!(l["executions"].as_array().unwrap().len(), 4);
    let l = sb.ok("ListExecutions", json!({ "stateMachineArn": m, "maxResults": 2 }));
    assert_eq!(l["executions"].as_array().unwrap().len(), 2);
    let l2 = sb.ok("ListExecutions", json!({ "stateMachineArn": m, "maxResults": 2, "nextToken": l["nextToken"] }));
    assert_eq!(l2["executions"].as_array().unwrap().len(), 2);
    assert_eq!(sb.fail("DescribeExecution", json!({ "executionArn": format!("{}:nope", m.replace("stateMachine", "execution")) })).kind, "ExecutionDoesNotExist");
    assert_eq!(sb.fail("StartSyncExecution", json!({ "stateMachineArn": m })).kind, "StateMachineTypeNotSupported");
    // Validate.
    let v = sb.ok("ValidateStateMachineDefinition", json!({ "definition": "{\"StartAt\":\"A\",\"States\":{}}" }));
    assert_eq!(v["result"], "FAIL");
    assert_eq!(v["diagnostics"][0]["severity"], "ERROR");
    let v = sb.ok("ValidateStateMachineDefinition", json!({ "definition": def.to_string() }));
    assert_eq!(v, json!({ "result": "OK", "diagnostics": [], "truncated": false }));
    // Delete.
    sb.ok("DeleteStateMachine", json!({ "stateMachineArn": m }));
    assert_eq!(sb.fail("DescribeStateMachine", json!({ "stateMachineArn": m })).kind, "StateMachineDoesNotExist");
}

#[test]
fn stop_and_timeout() {
    let mut sb = Sb::new();
    let m = sb.machine("w", &json!({ "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 100, "End": true } } }));
    let x = sb.start(&m, &json!({}));
    sb.tick();
    sb.ok("StopExecution", json!({ "executionArn": x, "error": "Manual", "cause": "stopped by test" }));
    let d = sb.describe(&x);
    assert_eq!((d["status"].as_str(), d["error"].as_str()), (Some("ABORTED"), Some("Manual")));
    assert_eq!(sb.types(&x), ["ExecutionStarted", "WaitStateEntered", "WaitStateAborted", "ExecutionAborted"]);
    sb.advance(200.0);
    assert_eq!(sb.describe(&x)["status"], "ABORTED");
    let m = sb.machine("t", &json!({ "TimeoutSeconds": 5, "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 100, "End": true } } }));
    let x = sb.start(&m, &json!({}));
    sb.advance(6.0);
    let d = sb.describe(&x);
    assert_eq!((d["status"].as_str(), d["error"].as_str()), (Some("TIMED_OUT"), Some("States.Timeout")));
    assert_eq!(sb.types(&x).last().unwrap(), "ExecutionTimedOut");
}

#[test]
fn express_sync_execution() {
    let mut sb = Sb::new();
    sb.function("double");
    let def = json!({ "StartAt": "W", "States": {
        "W": { "Type": "Wait", "Seconds": 30, "Next": "D" },
        "D": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "FunctionName": "double", "Payload.$": "$" }, "OutputPath": "$.Payload", "End": true } } });
    let m =
        sb.ok("CreateStateMachine", json!({ "name": "ex", "definition": def.to_string(), "roleArn": ROLE, "type": "EXPRESS" }))["stateMachineArn"].as_str().unwrap().to_string();
    let r = sb.ok("StartSyncExecution", json!({ "stateMachineArn": m, "input": "{\"n\":4}" }));
    assert_eq!(r["status"], "SUCCEEDED", "{r}");
    assert_eq!(r["output"], "{\"n\":8}");
    assert!((r["stopDate"].as_f64().unwrap() - r["startDate"].as_f64().unwrap() - 30.0).abs() < 1e-6);
    assert!(r["executionArn"].as_str().unwrap().contains(":express:ex:"));
    assert_eq!(sb.fail("ListExecutions", json!({ "stateMachineArn": m })).kind, "StateMachineTypeNotSupported");
    let long = json!({ "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 400, "End": true } } });
    let m2 =
        sb.ok("CreateStateMachine", json!({ "name": "ex2", "definition": long.to_string(), "roleArn": ROLE, "type": "EXPRESS" }))["stateMachineArn"].as_str().unwrap().to_string();
    let r = sb.ok("StartSyncExecution", json!({ "stateMachineArn": m2 }));
    assert_eq!(r["status"], "TIMED_OUT");
}

#[test]
fn nested_start_execution_sync() {
    let mut sb = Sb::new();
    let child = sb.machine(
        "child",
        &json!({ "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 10, "Next": "P" }, "P": { "Type": "Pass", "Parameters": { "got.$": "$.v" }, "End": true } } }),
    );
    let parent = sb.machine(
        "parent",
        &json!({ "StartAt": "Run", "States": { "Run": { "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": { "StateMachineArn": child, "Input": { "v.$": "$.v" } }, "OutputPath": "$.Output", "End": true } } }),
    );
    let x = sb.start(&parent, &json!({ "v": 5 }));
    sb.tick();
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(11.0);
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!({ "got": 5 }));
    assert_eq!(sb.types(&x), ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]);
}

#[test]
fn dynamodb_tasks() {
    let mut sb = Sb::new();
    let t = json!({ "TableName": "tab", "KeySchema": [{ "AttributeName": "pk", "KeyType": "HASH" }], "AttributeDefinitions": [{ "AttributeName": "pk", "AttributeType": "S" }], "BillingMode": "PAY_PER_REQUEST" });
    sb.e.call(sb.t, &Request::new("dynamodb", "CreateTable", REGION, t)).unwrap();
    sb.advance(2.0);
    let def = json!({ "StartAt": "Put", "States": {
        "Put": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": { "TableName": "tab", "Item": { "pk": { "S.$": "$.id" } }, "ConditionExpression": "attribute_not_exists(pk)" },
                 "ResultPath": null, "Next": "Get" },
        "Get": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": { "TableName": "tab", "Key": { "pk": { "S.$": "$.id" } } }, "OutputPath": "$.Item", "End": true } } });
    let m = sb.machine("ddb", &def);
    let x = sb.start(&m, &json!({ "id": "a" }));
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!({ "pk": { "S": "a" } }));
    let x = sb.start(&m, &json!({ "id": "a" }));
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!(d["error"], "DynamoDB.ConditionalCheckFailedException", "{d}");
}

/// Tasks call services as the state machine's execution role: what the role's policies allow
/// runs, the rest fails with the SDK's generic exception as the task error; a role IAM does not
/// know runs unchecked (the tests above).
#[test]
fn tasks_run_as_the_execution_role() {
    let mut sb = Sb::new();
    let t = json!({ "TableName": "tab", "KeySchema": [{ "AttributeName": "pk", "KeyType": "HASH" }], "AttributeDefinitions": [{ "AttributeName": "pk", "AttributeType": "S" }], "BillingMode": "PAY_PER_REQUEST" });
    sb.e.call(sb.t, &Request::new("dynamodb", "CreateTable", REGION, t)).unwrap();
    sb.advance(2.0);
    let trust =
        json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": { "Service": "states.amazonaws.com" }, "Action": "sts:AssumeRole" }] }).to_string();
    sb.e.call(sb.t, &Request::new("iam", "CreateRole", REGION, json!({ "RoleName": "writer", "AssumeRolePolicyDocument": trust }))).unwrap();
    let policy =
        json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/tab" }] })
            .to_string();
    sb.e.call(sb.t, &Request::new("iam", "PutRolePolicy", REGION, json!({ "RoleName": "writer", "PolicyName": "put", "PolicyDocument": policy }))).unwrap();
    let def = json!({ "StartAt": "Put", "States": {
        "Put": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": { "TableName": "tab", "Item": { "pk": { "S.$": "$.id" } } }, "ResultPath": null, "Next": "Get" },
        "Get": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": { "TableName": "tab", "Key": { "pk": { "S.$": "$.id" } } }, "End": true } } });
    let out = sb.ok("CreateStateMachine", json!({ "name": "roled", "definition": def.to_string(), "roleArn": "arn:aws:iam::123456789012:role/writer" }));
    let m = out["stateMachineArn"].as_str().unwrap().to_string();
    let x = sb.ok("StartExecution", json!({ "stateMachineArn": m, "name": "run-1", "input": "{\"id\":\"a\"}" }))["executionArn"].as_str().unwrap().to_string();
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "DynamoDB.AmazonDynamoDBException", "{d}");
    let cause = d["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("User: arn:aws:sts::123456789012:assumed-role/writer/run-1 is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/tab"),
        "{cause}"
    );
    assert!(cause.contains("(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: AccessDeniedException;"), "{cause}");
    // The PutItem the role allows went through.
    let item = sb.e.call(sb.t, &Request::new("dynamodb", "GetItem", REGION, json!({ "TableName": "tab", "Key": { "pk": { "S": "a" } } }))).unwrap();
    assert_eq!(item["Item"]["pk"]["S"], "a");
    // Express executions too.
    let out = sb.ok("CreateStateMachine", json!({ "name": "roled-x", "definition": def.to_string(), "roleArn": "arn:aws:iam::123456789012:role/writer", "type": "EXPRESS" }));
    let m = out["stateMachineArn"].as_str().unwrap().to_string();
    let d = sb.ok("StartSyncExecution", json!({ "stateMachineArn": m, "input": "{\"id\":\"b\"}" }));
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "DynamoDB.AmazonDynamoDBException", "{d}");
}

#[test]
fn survives_restore() {
    let mut sb = Sb::new();
    let m = sb.machine("p", &json!({ "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 60, "Next": "Ask" },
        "Ask": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": { "QueueUrl.$": "$.q", "MessageBody.$": "$$.Task.Token" }, "End": true } } }));
    let q = sb.e.call(sb.t, &Request::new("sqs", "CreateQueue", REGION, json!({ "QueueName": "q" }))).unwrap()["QueueUrl"].as_str().unwrap().to_string();
    let x = sb.start(&m, &json!({ "q": q }));
    sb.tick();
    let records = sb.e.snapshot();
    let mut journal_replay = Vec::new();
    journal_replay.extend(records);
    let mut e2 = Engine::restore(EngineConfig::default(), sb.t, journal_replay).expect("restore");
    e2.set_runtime(sb.runtime.clone());
    let mut sb2 = Sb { e: e2, t: sb.t, runtime: sb.runtime.clone() };
    assert_eq!(sb2.describe(&x)["status"], "RUNNING");
    assert_eq!(sb2.types(&x), ["ExecutionStarted", "WaitStateEntered"]);
    sb2.advance(61.0);
    let msgs = sb2.e.call(sb2.t, &Request::new("sqs", "ReceiveMessage", REGION, json!({ "QueueUrl": q }))).unwrap();
    let token = msgs["Messages"][0]["Body"].as_str().unwrap().to_string();
    // Restore again while the task waits: the token still works.
    let mut e3 = Engine::restore(EngineConfig::default(), sb2.t, sb2.e.snapshot()).expect("restore");
    e3.set_runtime(sb.runtime.clone());
    let mut sb3 = Sb { e: e3, t: sb2.t, runtime: sb.runtime.clone() };
    sb3.ok("SendTaskSuccess", json!({ "taskToken": token, "output": "\"yes\"" }));
    sb3.tick();
    let d = sb3.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(d["output"], "\"yes\"");
    assert_eq!(sb3.types(&x).len(), 10);
    // The journal replayed from empty equals the snapshot.
    let ms = sb3.ok("ListStateMachines", json!({}));
    assert_eq!(ms["stateMachines"][0]["name"], "p");
}

#[test]
fn journal_replay_equals_snapshot() {
    use crate::store::{encode_batch, Image};
    let mut sb = Sb::new();
    let mut img = Image::default();
    fn commit(e: &mut Engine, img: &mut Image) {
        let changes = e.take_changes();
        if !changes.is_empty() {
            img.apply_segment(&encode_batch(&changes)).unwrap();
        }
    }
    commit(&mut sb.e, &mut img);
    sb.function("flaky");
    let def = json!({ "StartAt": "P", "States": {
        "P": { "Type": "Parallel", "Next": "M", "Branches": [
            { "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 5, "End": true } } },
            { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": { "FunctionName": "flaky" },
                "Retry": [ { "ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "JitterStrategy": "FULL" } ], "End": true } } } ] },
        "M": { "Type": "Map", "MaxConcurrency": 1, "ItemProcessor": { "StartAt": "X", "States": { "X": { "Type": "Wait", "Seconds": 1, "End": true } } }, "End": true } } });
    let m = sb.machine("d", &def);
    commit(&mut sb.e, &mut img);
    let x = sb.start(&m, &json!({}));
    commit(&mut sb.e, &mut img);
    for _ in 0..10 {
        sb.t += 1000;
        sb.tick();
        commit(&mut sb.e, &mut img);
        assert_eq!(img.clone().into_records(), sb.e.snapshot());
        // Restored mid-run (a Map's items and finished results in their own records), the same.
        let restored = Engine::restore(EngineConfig::default(), sb.t, img.clone().into_records()).unwrap();
        assert_eq!(restored.snapshot(), sb.e.snapshot());
    }
    assert_eq!(sb.describe(&x)["status"], "SUCCEEDED");
    commit(&mut sb.e, &mut img);
    assert_eq!(img.clone().into_records(), sb.e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), sb.t, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), sb.e.snapshot());
}

#[test]
fn junk_input_never_panics() {
    let mut sb = Sb::new();
    let m = sb.machine("j", &json!({ "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } }));
    let junk = [json!(null), json!(1), json!("x"), json!([]), json!({ "x": {} }), json!({ "stateMachineArn": 5 }), json!({ "executionArn": [1] }), json!({ "definition": {} })];
    for op in [
        "CreateStateMachine",
        "DescribeStateMachine",
        "ListStateMachines",
        "UpdateStateMachine",
        "DeleteStateMachine",
        "ValidateStateMachineDefinition",
        "StartExecution",
        "StartSyncExecution",
        "DescribeExecution",
        "ListExecutions",
        "GetExecutionHistory",
        "StopExecution",
        "SendTaskSuccess",
        "SendTaskFailure",
        "SendTaskHeartbeat",
        "DescribeStateMachineForExecution",
        "Nope",
    ] {
        for j in &junk {
            let _ = sb.call(op, j.clone());
        }
        let _ = sb.call(op, json!({ "stateMachineArn": m, "executionArn": "arn:aws:states:us-east-1:123456789012:execution:j:x", "definition": "{", "taskToken": "AQB", "output": "1", "maxResults": -1, "nextToken": "x" }));
    }
    for d in ["", "{", "[]", "{\"StartAt\":1}", "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Map\",\"End\":true}}}"] {
        let v = sb.ok("ValidateStateMachineDefinition", json!({ "definition": d }));
        assert_eq!(v["result"], "FAIL", "{d}");
    }
}

/// JSONata states (the developer guide's "Transforming data with JSONata" and "Passing data
/// between states with variables"): Assign and Output on Pass, Choice `Condition` with a rule's
/// Assign overriding the state's, variables read in later states.
#[test]
fn jsonata_pass_choice_and_variables() {
    let mut sb = Sb::new();
    let def = json!({ "QueryLanguage": "JSONata", "Comment": "JSONata", "StartAt": "Init", "States": {
        "Init": { "Type": "Pass", "Assign": { "total": "{% $sum($states.input.items.price) %}", "count": "{% $count($states.input.items) %}" },
                  "Output": "{% $states.input.items %}", "Next": "Check" },
        "Check": { "Type": "Choice", "Choices": [ { "Condition": "{% $total > 100 %}", "Next": "Big", "Assign": { "tier": "gold" } } ],
                   "Default": "Small", "Assign": { "tier": "basic", "seen": "{% $states.input[0].name %}" } },
        "Big": { "Type": "Pass", "Output": { "tier": "{% $tier %}", "total": "{% $total %}", "n": "{% $count %}", "first": "{% $states.input[0].name %}", "seen": "{% $seen %}", "static": "$total" }, "End": true },
        "Small": { "Type": "Pass", "Output": { "tier": "{% $tier %}" }, "End": true } } });
    let m = sb.machine("ja-choice", &def);
    let x = sb.start(&m, &json!({ "items": [ { "name": "a", "price": 60 }, { "name": "b", "price": 50 } ] }));
    sb.tick();
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!({ "tier": "gold", "total": 110, "n": 2, "first": "a", "seen": "a", "static": "$total" }));
    assert_eq!(
        sb.types(&x),
        ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ChoiceStateEntered", "ChoiceStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    );
    let x = sb.start(&m, &json!({ "items": [ { "name": "c", "price": 5 } ] }));
    sb.tick();
    assert_eq!(output(&sb.describe(&x)), json!({ "tier": "basic" }));
}

/// A Lambda Task with Arguments/Output/Assign, a Map over `Items` with an ItemSelector reading
/// `$states.context.Map.Item`, a Parallel with Arguments, a Wait whose Seconds is an expression,
/// and a Catch whose Output and Assign read `$states.errorOutput`.
#[test]
fn jsonata_task_map_parallel_wait_catch() {
    let mut sb = Sb::new();
    sb.function("double");
    sb.function("boom");
    let def = json!({ "QueryLanguage": "JSONata", "StartAt": "Double", "States": {
        "Double": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": { "FunctionName": "double", "Payload": { "n": "{% $states.input.n %}" } },
                    "Output": "{% $states.result.Payload %}", "Assign": { "doubled": "{% $states.result.Payload.n %}" }, "Next": "Fan" },
        "Fan": { "Type": "Map", "Items": "{% [1..3] %}",
                 "ItemSelector": { "v": "{% $states.context.Map.Item.Value %}", "i": "{% $states.context.Map.Item.Index %}", "d": "{% $doubled %}" },
                 "ItemProcessor": { "StartAt": "Mul", "States": { "Mul": { "Type": "Pass", "Output": "{% $states.input.v * $states.input.d + $states.input.i %}", "End": true } } },
                 "Next": "Both" },
        "Both": { "Type": "Parallel", "Arguments": { "xs": "{% $states.input %}" },
                  "Branches": [
                      { "StartAt": "Sum", "States": { "Sum": { "Type": "Pass", "Output": "{% $sum($states.input.xs) %}", "End": true } } },
                      { "StartAt": "Max", "States": { "Max": { "Type": "Pass", "Output": "{% $max($states.input.xs) %}", "End": true } } } ],
                  "Output": "{% {'sum': $states.result[0], 'max': $states.result[1]} %}", "Next": "Pause" },
        "Pause": { "Type": "Wait", "Seconds": "{% $states.input.max %}", "Next": "Boom" },
        "Boom": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": { "FunctionName": "boom", "Payload": "{% $states.input %}" },
                  "Catch": [ { "ErrorEquals": ["States.ALL"], "Output": "{% $merge([$states.input, {'error': $states.errorOutput.Error}]) %}", "Assign": { "caught": true }, "Next": "Done" } ],
                  "End": true },
        "Done": { "Type": "Pass", "Output": "{% $merge([$states.input, {'caught': $caught, 'doubled': $doubled}]) %}", "End": true } } });
    let m = sb.machine("ja-flow", &def);
    let x = sb.start(&m, &json!({ "n": 21 }));
    sb.tick();
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    assert_eq!(sb.types(&x).last().unwrap(), "WaitStateEntered");
    sb.advance(127.0);
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(1.0);
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!({ "sum": 255, "max": 128, "error": "CustomError", "caught": true, "doubled": 42 }));
    let ev = sb.events(&x);
    assert_eq!(ev[2]["taskScheduledEventDetails"]["parameters"], "{\"FunctionName\":\"double\",\"Payload\":{\"n\":21}}");
}

/// Fail's Error and Cause as expressions; an expression giving nothing, a JSONata error and a
/// non-boolean Condition fail with States.QueryEvaluationError (caught by States.ALL).
#[test]
fn jsonata_errors() {
    let mut sb = Sb::new();
    let run = |sb: &mut Sb, name: &str, def: Value, input: Value| -> Value {
        let m = sb.machine(name, &def);
        let x = sb.start(&m, &input);
        sb.tick();
        sb.describe(&x)
    };
    let d = run(
        &mut sb,
        "ja-fail",
        json!({ "QueryLanguage": "JSONata", "StartAt": "F", "States": { "F": { "Type": "Fail", "Error": "{% 'Bad.' & $states.input.kind %}", "Cause": "{% 'count=' & $string($states.input.n) %}" } } }),
        json!({ "kind": "Input", "n": 3 }),
    );
    assert_eq!((d["status"].as_str(), d["error"].as_str(), d["cause"].as_str()), (Some("FAILED"), Some("Bad.Input"), Some("count=3")));
    let d = run(
        &mut sb,
        "ja-undef",
        json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": { "P": { "Type": "Pass", "Output": "{% $states.input.missing %}", "End": true } } }),
        json!({}),
    );
    assert_eq!(d["error"], "States.QueryEvaluationError", "{d}");
    assert_eq!(
        d["cause"],
        "An error occurred while executing the state 'P'. The JSONata expression '$states.input.missing' specified for the field 'Output' returned nothing (undefined)."
    );
    let d = run(
        &mut sb,
        "ja-type",
        json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": { "P": { "Type": "Pass", "Output": "{% $states.input.s + 1 %}", "End": true } } }),
        json!({ "s": "x" }),
    );
    assert_eq!(d["error"], "States.QueryEvaluationError");
    assert!(d["cause"].as_str().unwrap().contains("T2001"), "{d}");
    let d = run(
        &mut sb,
        "ja-cond",
        json!({ "QueryLanguage": "JSONata", "StartAt": "C", "States": { "C": { "Type": "Choice", "Choices": [ { "Condition": "{% $states.input.n %}", "Next": "E" } ], "Default": "E" }, "E": { "Type": "Succeed" } } }),
        json!({ "n": 1 }),
    );
    assert_eq!(d["error"], "States.QueryEvaluationError", "{d}");
    let d = run(
        &mut sb,
        "ja-caught",
        json!({ "QueryLanguage": "JSONata", "StartAt": "M", "States": {
            "M": { "Type": "Map", "Items": "{% $states.input.notAnArray %}", "ItemProcessor": { "StartAt": "S", "States": { "S": { "Type": "Succeed" } } },
                   "Catch": [ { "ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught" } ], "End": true },
            "Caught": { "Type": "Pass", "Output": "{% $states.input.Error %}", "End": true } } }),
        json!({ "notAnArray": 5 }),
    );
    assert_eq!(output(&d), json!("States.QueryEvaluationError"), "{d}");
    // A bad expression is refused at CreateStateMachine.
    let e = sb.fail(
        "CreateStateMachine",
        json!({ "name": "bad", "roleArn": ROLE, "definition": json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": { "P": { "Type": "Pass", "Output": "{% 1 + %}", "End": true } } }).to_string() }),
    );
    assert_eq!(e.kind, "InvalidDefinition", "{e}");
    assert!(e.message.contains("is not valid"), "{e}");
}

/// A JSONata state inside a JSONPath machine; Wait's Timestamp from `$millis()` on the virtual
/// clock; Succeed's Output; an Express execution.
#[test]
fn jsonata_mixed_languages_and_timestamps() {
    let mut sb = Sb::new();
    let def = json!({ "StartAt": "A", "States": {
        "A": { "Type": "Pass", "Parameters": { "x.$": "$.v" }, "Next": "B" },
        "B": { "Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% {'x': $states.input.x + 1, 'at': $fromMillis($millis() + 5000)} %}", "Next": "W" },
        "W": { "Type": "Wait", "QueryLanguage": "JSONata", "Timestamp": "{% $states.input.at %}", "Next": "S" },
        "S": { "Type": "Succeed", "QueryLanguage": "JSONata", "Output": "{% $states.input.x %}" } } });
    let m = sb.machine("ja-mixed", &def);
    let x = sb.start(&m, &json!({ "v": 1 }));
    sb.tick();
    sb.advance(4.0);
    assert_eq!(sb.describe(&x)["status"], "RUNNING");
    sb.advance(1.0);
    let d = sb.describe(&x);
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d), json!(2));
    let def = json!({ "QueryLanguage": "JSONata", "StartAt": "P", "States": { "P": { "Type": "Pass", "Output": "{% $uppercase($states.input.name) & '-' & $states.context.Execution.Name %}", "End": true } } });
    let m =
        sb.ok("CreateStateMachine", json!({ "name": "ja-ex", "definition": def.to_string(), "roleArn": ROLE, "type": "EXPRESS" }))["stateMachineArn"].as_str().unwrap().to_string();
    let r = sb.ok("StartSyncExecution", json!({ "stateMachineArn": m, "input": "{\"name\":\"ada\"}", "name": "run1" }));
    assert_eq!(r["status"], "SUCCEEDED", "{r}");
    assert_eq!(r["output"], "\"ADA-run1\"");
}
