//! The Workflows panel's side of the Step Functions API (`states`, AWS JSON 1.0), through the
//! same bridge every panel uses, with AWS's request and response shapes
//! (<https://docs.aws.amazon.com/step-functions/latest/apireference/>); and the reading of an
//! execution's history (GetExecutionHistory's `HistoryEvent`s) into what the graph shows: each
//! visit of a state with its input, effective parameters, result and output, and its status
//! (in progress, succeeded, failed, caught, retrying, waiting for a task token).

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::bridge::{ApiError, Bridge};

pub const SERVICE: &str = "states";

/// The role ARN CreateStateMachine requires; the sandbox's account, a service role by name.
pub fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/service-role/StepFunctions-{name}-role")
}

pub async fn list_state_machines(b: &Bridge) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"maxResults": 1000});
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let v = b.send(SERVICE, "ListStateMachines", input).await?;
        out.extend(v["stateMachines"].as_array().cloned().unwrap_or_default());
        match v["nextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

pub async fn describe_state_machine(b: &Bridge, arn: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "DescribeStateMachine", json!({"stateMachineArn": arn})).await
}

pub async fn create_state_machine(b: &Bridge, name: &str, kind: &str, definition: &str, role: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "CreateStateMachine", json!({"name": name, "type": kind, "definition": definition, "roleArn": role})).await
}

pub async fn update_state_machine(b: &Bridge, arn: &str, definition: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "UpdateStateMachine", json!({"stateMachineArn": arn, "definition": definition})).await
}

pub async fn delete_state_machine(b: &Bridge, arn: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "DeleteStateMachine", json!({"stateMachineArn": arn})).await
}

pub async fn start_execution(b: &Bridge, arn: &str, input: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "StartExecution", json!({"stateMachineArn": arn, "input": input})).await
}

pub async fn list_executions(b: &Bridge, arn: &str) -> Result<Vec<Value>, ApiError> {
    let v = b.send(SERVICE, "ListExecutions", json!({"stateMachineArn": arn, "maxResults": 50})).await?;
    Ok(v["executions"].as_array().cloned().unwrap_or_default())
}

pub async fn describe_execution(b: &Bridge, arn: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "DescribeExecution", json!({"executionArn": arn})).await
}

/// The whole history, oldest first (pages of 1,000, AWS's largest).
pub async fn history(b: &Bridge, arn: &str) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"executionArn": arn, "maxResults": 1000, "includeExecutionData": true});
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let v = b.send(SERVICE, "GetExecutionHistory", input).await?;
        out.extend(v["events"].as_array().cloned().unwrap_or_default());
        match v["nextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

pub async fn send_task_success(b: &Bridge, token: &str, output: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "SendTaskSuccess", json!({"taskToken": token, "output": output})).await
}

pub async fn send_task_failure(b: &Bridge, token: &str, error: &str, cause: &str) -> Result<Value, ApiError> {
    b.send(SERVICE, "SendTaskFailure", json!({"taskToken": token, "error": error, "cause": cause})).await
}

// ---------- reading a history ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Waiting,
    Succeeded,
    Failed,
    Caught,
    Retrying,
    Aborted,
}

impl Status {
    pub fn class(self) -> &'static str {
        match self {
            Status::Running => "st-running",
            Status::Waiting => "st-waiting",
            Status::Succeeded => "st-succeeded",
            Status::Failed => "st-failed",
            Status::Caught => "st-caught",
            Status::Retrying => "st-retrying",
            Status::Aborted => "st-aborted",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Running => "In progress",
            Status::Waiting => "Waiting for callback",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::Caught => "Caught error",
            Status::Retrying => "Retrying",
            Status::Aborted => "Aborted",
        }
    }
}

/// One visit of a state (a Map runs its processor's states once per item).
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub state: String,
    pub entered: i64,
    pub input: Option<Value>,
    /// The effective input a task was called with (TaskScheduled `parameters`, Lambda `input`).
    pub parameters: Option<Value>,
    pub resource: Option<String>,
    pub result: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<(String, String)>,
    /// Task attempts after the first (retries).
    pub retries: u32,
    pub status: Status,
    /// The event whose failure a Catch handled, and so on: the last event of the visit.
    pub last_event: i64,
}

/// A history read: visits in order, and per state its latest status.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub visits: Vec<Visit>,
    pub status: HashMap<String, Status>,
    /// The execution's end: `Some("SUCCEEDED")`, ... (None while running).
    pub finished: Option<String>,
}

/// A JSON string field parsed (history carries inputs and outputs as JSON text).
fn parse(v: &Value) -> Option<Value> {
    v.as_str().map(|s| serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string())))
}

/// The `xxxEventDetails` member of an event of type `Xxx`.
fn details<'a>(e: &'a Value, kind: &str) -> &'a Value {
    // Every state's Entered and Exited events share one shape (AWS's `StateEnteredEventDetails`).
    if kind.ends_with("StateEntered") {
        return &e["stateEnteredEventDetails"];
    }
    if kind.ends_with("StateExited") {
        return &e["stateExitedEventDetails"];
    }
    let mut key = String::new();
    let mut chars = kind.chars();
    if let Some(c) = chars.next() {
        key.extend(c.to_lowercase());
        key.extend(chars);
    }
    key.push_str("EventDetails");
    &e[key.as_str()]
}

pub fn read_history(events: &[Value]) -> Reading {
    let mut r = Reading::default();
    // Event id → the visit its thread belongs to.
    let mut thread: HashMap<i64, usize> = HashMap::new();
    let mut sorted: Vec<&Value> = events.iter().collect();
    sorted.sort_by_key(|e| e["id"].as_i64().unwrap_or(0));
    for e in sorted {
        let id = e["id"].as_i64().unwrap_or(0);
        let prev = e["previousEventId"].as_i64().unwrap_or(0);
        let kind = e["type"].as_str().unwrap_or("");
        let d = details(e, kind);
        if kind.ends_with("StateEntered") {
            // A failure handled by a Catch: the next state entered right after it.
            if let Some(&p) = thread.get(&prev) {
                let pv = &mut r.visits[p];
                if pv.status == Status::Failed && pv.last_event == prev {
                    pv.status = Status::Caught;
                }
            }
            let name = d["name"].as_str().unwrap_or("").to_string();
            let fail = kind == "FailStateEntered";
            r.visits.push(Visit {
                state: name,
                entered: id,
                input: parse(&d["input"]),
                parameters: None,
                resource: None,
                result: None,
                output: None,
                error: None,
                retries: 0,
                // A Fail state fails as it is entered (it has no Exited event).
                status: if fail { Status::Failed } else { Status::Running },
                last_event: id,
            });
            thread.insert(id, r.visits.len() - 1);
            continue;
        }
        if kind.starts_with("Execution") {
            match kind {
                "ExecutionSucceeded" => r.finished = Some("SUCCEEDED".into()),
                "ExecutionFailed" => r.finished = Some("FAILED".into()),
                "ExecutionAborted" => r.finished = Some("ABORTED".into()),
                "ExecutionTimedOut" => r.finished = Some("TIMED_OUT".into()),
                _ => {}
            }
            continue;
        }
        let Some(&vi) = thread.get(&prev) else { continue };
        thread.insert(id, vi);
        let v = &mut r.visits[vi];
        v.last_event = id;
        match kind {
            "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled" => {
                if v.error.take().is_some() {
                    v.retries += 1;
                }
                v.status = Status::Running;
                v.parameters = if kind == "TaskScheduled" { parse(&d["parameters"]) } else { parse(&d["input"]) };
                v.resource = match (d["resourceType"].as_str(), d["resource"].as_str()) {
                    (Some(t), Some(res)) => Some(format!("{t}:{res}")),
                    (_, Some(res)) => Some(res.to_string()),
                    _ => None,
                };
            }
            // (TaskSubmitted is the request's answer, e.g. SQS's; the result comes with TaskSucceeded.)
            "TaskSucceeded" | "LambdaFunctionSucceeded" | "ActivitySucceeded" => {
                v.result = parse(&d["output"]);
            }
            k if k.ends_with("StateExited") => {
                v.output = parse(&d["output"]);
                v.status = if v.error.is_some() { Status::Caught } else { Status::Succeeded };
            }
            k if k.ends_with("Failed") || k.ends_with("TimedOut") => {
                v.error =
                    Some((d["error"].as_str().unwrap_or(if k.ends_with("TimedOut") { "States.Timeout" } else { "" }).to_string(), d["cause"].as_str().unwrap_or("").to_string()));
                v.status = Status::Failed;
            }
            k if k.ends_with("StateAborted") => v.status = Status::Aborted,
            _ => {}
        }
    }
    let running = r.finished.is_none();
    for v in r.visits.iter_mut() {
        match v.status {
            // A failure nothing has handled yet while the execution runs on: a retry is due.
            Status::Failed if running && v.resource.is_some() => v.status = Status::Retrying,
            Status::Running if running && v.result.is_none() && v.resource.as_deref().is_some_and(|res| res.ends_with(".waitForTaskToken")) => v.status = Status::Waiting,
            Status::Running if !running => v.status = Status::Aborted,
            _ => {}
        }
        r.status.insert(v.state.clone(), v.status);
    }
    r
}

/// A waiting task's token: where the definition's Parameters put `$$.Task.Token`, read from the
/// parameters it was scheduled with.
pub fn task_token(visit: &Visit, state_def: &Value) -> Option<String> {
    let params = visit.parameters.as_ref()?;
    if let Some(path) = super::wf_model::token_path(&state_def["Parameters"]) {
        let mut v = params;
        for k in &path {
            v = v.get(k)?;
        }
        return v.as_str().map(str::to_string);
    }
    None
}

/// A timestamp as the engine answers it (epoch seconds, or text) in ISO form.
pub fn when(v: &Value) -> String {
    match v {
        Value::Number(n) => {
            let ms = (n.as_f64().unwrap_or(0.0) * 1000.0) as f64;
            let d = js_date(ms);
            d.unwrap_or_else(|| n.to_string())
        }
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

#[cfg(target_arch = "wasm32")]
fn js_date(ms: f64) -> Option<String> {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms)).to_iso_string().as_string()
}

#[cfg(not(target_arch = "wasm32"))]
fn js_date(ms: f64) -> Option<String> {
    Some(format!("{ms}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: i64, prev: i64, kind: &str, d: Value) -> Value {
        let mut e = json!({"id": id, "previousEventId": prev, "type": kind, "timestamp": 1.0});
        let key = if kind.ends_with("StateEntered") {
            "stateEnteredEventDetails".to_string()
        } else if kind.ends_with("StateExited") {
            "stateExitedEventDetails".to_string()
        } else {
            format!("{}{}EventDetails", kind[..1].to_lowercase(), &kind[1..])
        };
        if !d.is_null() {
            e[key] = d;
        }
        e
    }

    #[test]
    fn a_retried_then_caught_task_and_a_waiting_callback() {
        let events = vec![
            ev(1, 0, "ExecutionStarted", json!({"input": "{}"})),
            ev(2, 1, "TaskStateEntered", json!({"name": "Charge", "input": "{\"a\":1}"})),
            ev(3, 2, "TaskScheduled", json!({"resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": "{\"FunctionName\":\"f\"}"})),
            ev(4, 3, "TaskStarted", json!({"resourceType": "lambda", "resource": "invoke"})),
            ev(5, 4, "TaskFailed", json!({"error": "Boom", "cause": "x"})),
            ev(6, 5, "TaskScheduled", json!({"resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": "{}"})),
            ev(7, 6, "TaskStarted", json!({"resourceType": "lambda", "resource": "invoke"})),
            ev(8, 7, "TaskFailed", json!({"error": "Boom", "cause": "y"})),
            ev(9, 8, "TaskStateEntered", json!({"name": "Approve", "input": "{}"})),
            ev(
                10,
                9,
                "TaskScheduled",
                json!({"resourceType": "lambda", "resource": "invoke.waitForTaskToken", "region": "us-east-1", "parameters": "{\"Payload\":{\"taskToken\":\"tok-1\"}}"}),
            ),
            ev(11, 10, "TaskStarted", json!({"resourceType": "lambda", "resource": "invoke.waitForTaskToken"})),
        ];
        let r = read_history(&events);
        assert_eq!(r.visits.len(), 2);
        assert_eq!(r.visits[0].retries, 1);
        assert_eq!(r.status["Charge"], Status::Caught);
        assert_eq!(r.status["Approve"], Status::Waiting);
        let def = json!({"Parameters": {"Payload": {"taskToken.$": "$$.Task.Token"}}});
        assert_eq!(task_token(&r.visits[1], &def).as_deref(), Some("tok-1"));
        // Retrying: the last attempt failed and the execution runs on.
        let r = read_history(&events[..5]);
        assert_eq!(r.status["Charge"], Status::Retrying);
        // Finished: succeeded states, and the failed one.
        let mut done = events[..5].to_vec();
        done.push(ev(6, 5, "ExecutionFailed", json!({"error": "Boom", "cause": "x"})));
        let r = read_history(&done);
        assert_eq!(r.status["Charge"], Status::Failed);
        assert_eq!(r.finished.as_deref(), Some("FAILED"));
        let ok = vec![
            ev(1, 0, "ExecutionStarted", json!({"input": "{}"})),
            ev(2, 1, "PassStateEntered", json!({"name": "P", "input": "{}"})),
            ev(3, 2, "PassStateExited", json!({"name": "P", "output": "{\"b\":2}"})),
            ev(4, 3, "ExecutionSucceeded", json!({"output": "{\"b\":2}"})),
        ];
        let r = read_history(&ok);
        assert_eq!(r.status["P"], Status::Succeeded);
        assert_eq!(r.visits[0].output, Some(json!({"b": 2})));
    }

    /// The engine's own history (the `states` service) of a task waiting for its token, read
    /// as the panel reads it: waiting with its token, then succeeded after SendTaskSuccess.
    #[test]
    fn reads_the_engines_history_of_a_callback_task() {
        use gureum_engine::{Engine, EngineConfig, Request};
        let t = 1_700_000_000_000i64;
        let mut e = Engine::new(EngineConfig::default(), t);
        let call = |e: &mut Engine, svc: &str, op: &str, input: Value| e.call(t, &Request::new(svc, op, "us-east-1", input)).unwrap_or_else(|x| panic!("{op}: {x}"));
        let q = call(&mut e, "sqs", "CreateQueue", json!({"QueueName": "approvals"}));
        let def = json!({"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": q["QueueUrl"], "MessageBody": {"token.$": "$$.Task.Token"}}, "ResultPath": "$.approval", "Next": "Ok"},
            "Ok": {"Type": "Succeed"}}});
        let m = call(&mut e, "states", "CreateStateMachine", json!({"name": "a", "definition": def.to_string(), "roleArn": role_arn("123456789012", "a")}));
        let x = call(&mut e, "states", "StartExecution", json!({"stateMachineArn": m["stateMachineArn"], "input": "{}"}));
        e.tick(t);
        let h = call(&mut e, "states", "GetExecutionHistory", json!({"executionArn": x["executionArn"], "maxResults": 1000}));
        let r = read_history(h["events"].as_array().unwrap());
        assert_eq!(r.status.get("Ask"), Some(&Status::Waiting), "{h}");
        let token = task_token(&r.visits[0], &def["States"]["Ask"]).expect("token");
        call(&mut e, "states", "SendTaskSuccess", json!({"taskToken": token, "output": "{\"approved\":true}"}));
        e.tick(t);
        let h = call(&mut e, "states", "GetExecutionHistory", json!({"executionArn": x["executionArn"], "maxResults": 1000}));
        let r = read_history(h["events"].as_array().unwrap());
        assert_eq!((r.status["Ask"], r.status["Ok"], r.finished.as_deref()), (Status::Succeeded, Status::Succeeded, Some("SUCCEEDED")));
        assert_eq!(r.visits[0].result, Some(json!({"approved": true})));
        assert_eq!(r.visits[0].output, Some(json!({"approval": {"approved": true}})));
    }
}
