//! Asynchronous invocation: the event queue, retries (two by default, one then two minutes
//! apart), maximum event age, and on-success / on-failure destinations, with the
//! `*EventInvokeConfig` operations that configure them.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::{error::AwsError, runtime::Step, service::Cx, time::iso8601, Request};

use super::{
    errors::{invalid_parameter, not_found, Validation},
    invoke::{self, Finished, Origin, Running},
    manage, Lambda, RegionState,
};

const DEFAULT_RETRIES: u64 = 2;
const DEFAULT_MAX_AGE_S: u64 = 21_600;
/// When throttled, the event waits and is tried again (AWS backs off up to the event's age).
const THROTTLE_RETRY_MS: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedEvent {
    pub function: String,
    pub qualifier: Option<String>,
    /// The event as JSON text (checked to be JSON when it was queued).
    pub payload: String,
    pub request_id: String,
    pub first_ms: i64,
    pub attempts: u64,
}

pub fn enqueue(cx: &mut Cx, state: &mut RegionState, function: &str, qualifier: Option<String>, payload: Vec<u8>) -> String {
    let id = cx.rng.uuid();
    let event = QueuedEvent {
        function: function.to_string(),
        qualifier,
        payload: String::from_utf8_lossy(&payload).into_owned(),
        request_id: id.clone(),
        first_ms: cx.now_ms,
        attempts: 0,
    };
    cx.journal.put_json(super::event_key(cx.region, &id), &event);
    state.events.insert(id.clone(), event);
    cx.schedule(cx.now_ms, json!({ "event": id }));
    id
}

/// A queued event's next attempt is due.
pub fn attempt(cx: &mut Cx, state: &mut RegionState, timer: &Value) -> Step {
    let Some(id) = timer.get("event").and_then(Value::as_str) else { return Step::Done(Value::Null) };
    let Some(event) = state.events.get(id).cloned() else { return Step::Done(Value::Null) };
    let Some(f) = state.functions.get(&event.function) else {
        drop_event(cx, state, id);
        return Step::Done(Value::Null);
    };
    let version = match invoke::pick_version(cx, f, &event.qualifier) {
        Ok(v) => v,
        Err(_) => {
            drop_event(cx, state, id);
            return Step::Done(Value::Null);
        }
    };
    let (max_age_ms, _) = limits(state, &event);
    let started = invoke::start(cx, state, &event.function, &version, event.payload.clone().into_bytes(), None, event.request_id.clone(), Origin::Async { event: id.to_string() });
    match started {
        Ok(step) => step,
        Err(_) if cx.now_ms + THROTTLE_RETRY_MS - event.first_ms <= max_age_ms => {
            cx.schedule(cx.now_ms + THROTTLE_RETRY_MS, json!({ "event": id }));
            Step::Done(Value::Null)
        }
        Err(_) => {
            deliver(cx, state, &event, "EventAgeExceeded", None, None);
            drop_event(cx, state, id);
            Step::Done(Value::Null)
        }
    }
}

fn drop_event(cx: &mut Cx, state: &mut RegionState, id: &str) {
    state.events.remove(id);
    cx.journal.delete(super::event_key(cx.region, id));
}

/// The event's settings: its qualifier's EventInvokeConfig, else the defaults.
fn config<'s>(state: &'s RegionState, event: &QueuedEvent) -> Option<&'s Value> {
    let f = state.functions.get(&event.function)?;
    f.event_invoke.get(event.qualifier.as_deref().unwrap_or("$LATEST"))
}

fn limits(state: &RegionState, event: &QueuedEvent) -> (i64, u64) {
    let c = config(state, event);
    let age = c.and_then(|c| c.get("MaximumEventAgeInSeconds")).and_then(Value::as_u64).unwrap_or(DEFAULT_MAX_AGE_S);
    let retries = c.and_then(|c| c.get("MaximumRetryAttempts")).and_then(Value::as_u64).unwrap_or(DEFAULT_RETRIES);
    (age as i64 * 1000, retries)
}

/// An attempt ended: done, retried later, or given up on; destinations get their record.
pub fn finished(cx: &mut Cx, state: &mut RegionState, id: &str, r: &Running, f: &Finished) {
    let Some(mut event) = state.events.get(id).cloned() else { return };
    event.attempts += 1;
    let (max_age_ms, retries) = limits(state, &event);
    let response = (r.version.clone(), f.function_error, f.payload.clone());
    if f.function_error.is_none() {
        deliver(cx, state, &event, "Success", Some(response), Some(r));
        drop_event(cx, state, id);
        return;
    }
    // One minute before the second attempt, two before the third.
    let delay = 60_000 * event.attempts as i64;
    if event.attempts <= retries && cx.now_ms + delay - event.first_ms <= max_age_ms {
        cx.journal.put_json(super::event_key(cx.region, id), &event);
        state.events.insert(id.to_string(), event);
        cx.schedule(cx.now_ms + delay, json!({ "event": id }));
        return;
    }
    let condition = if event.attempts <= retries { "EventAgeExceeded" } else { "RetriesExhausted" };
    deliver(cx, state, &event, condition, Some(response), Some(r));
    drop_event(cx, state, id);
}

/// Sends the invocation record to the configured destination, as Lambda does.
fn deliver(cx: &mut Cx, state: &RegionState, event: &QueuedEvent, condition: &str, response: Option<(String, Option<&str>, Vec<u8>)>, _r: Option<&Running>) {
    let which = if condition == "Success" { "OnSuccess" } else { "OnFailure" };
    let Some(target) = config(state, event).and_then(|c| c.pointer(&format!("/DestinationConfig/{which}/Destination"))).and_then(Value::as_str).map(str::to_string) else {
        return;
    };
    let qualifier = event.qualifier.clone().unwrap_or_else(|| "$LATEST".into());
    let mut record = json!({
        "version": "1.0",
        "timestamp": iso8601(cx.now_ms),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": format!("{}:{qualifier}", manage::arn(cx, &event.function)),
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": serde_json::from_str::<Value>(&event.payload).unwrap_or(Value::Null),
    });
    if let Some((version, error, payload)) = response {
        let mut ctx = json!({ "statusCode": 200, "executedVersion": version });
        if let Some(e) = error {
            ctx["functionError"] = json!(e);
        }
        record["responseContext"] = ctx;
        record["responsePayload"] = serde_json::from_slice::<Value>(&payload).unwrap_or(Value::Null);
    }
    let body = record.to_string();
    let parts: Vec<&str> = target.split(':').collect();
    match parts.get(2) {
        Some(&"sqs") => super::esm::send_to_queue(cx, &target, body),
        Some(&"lambda") => {
            use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
            let region = parts.get(3).copied().unwrap_or(cx.region).to_string();
            cx.after(Request::new("lambda", "Invoke", &region, json!({ "FunctionName": target, "InvocationType": "Event", "Payload": B64.encode(body) })));
        }
        _ => {}
    }
}

// --- the *EventInvokeConfig operations -------------------------------------------------------

fn check_destination(cx: &Cx, arn: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return Err(invalid_parameter(format!("The destination ARN {arn} is invalid.")));
    }
    match parts[2] {
        "sqs" | "lambda" => Ok(()),
        "sns" | "events" | "s3" => Err(invalid_parameter(format!("Gureum does not simulate {} destinations yet: use an SQS queue or a Lambda function.", parts[2]))),
        _ => {
            let _ = cx;
            Err(invalid_parameter(format!("The destination ARN {arn} is invalid.")))
        }
    }
}

fn config_key(cx: &Cx, state: &mut RegionState, input: &Value) -> Result<(String, String), AwsError> {
    let n = manage::named(cx, input, true)?;
    let f = manage::find(cx, state, &n)?;
    let qualifier = n.qualifier.clone().unwrap_or_else(|| "$LATEST".into());
    if qualifier != "$LATEST" {
        manage::resolve_version(cx, f, &n.qualifier)?;
    }
    Ok((f.name.clone(), qualifier))
}

pub fn put_config(cx: &mut Cx, state: &mut RegionState, input: &Value, update: bool) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let retries = v.integer(input, "MaximumRetryAttempts", "maximumRetryAttempts", 0, 2);
    let age = v.integer(input, "MaximumEventAgeInSeconds", "maximumEventAgeInSeconds", 60, 21600);
    v.finish()?;
    let (name, qualifier) = config_key(cx, state, input)?;
    let mut destinations = json!({});
    if let Some(dc) = input.get("DestinationConfig").filter(|v| !v.is_null()) {
        for which in ["OnSuccess", "OnFailure"] {
            if let Some(d) = dc.get(which).and_then(|o| o.get("Destination")).and_then(Value::as_str) {
                check_destination(cx, d)?;
                destinations[which] = json!({ "Destination": d });
            }
        }
    }
    let f = state.functions.get_mut(&name).ok_or_else(|| AwsError::internal("function vanished"))?;
    let existing = f.event_invoke.get(&qualifier).cloned();
    if update && existing.is_none() {
        return Err(not_found(format!("The function {}:{qualifier} doesn't have an EventInvokeConfig", manage::arn(cx, &name))));
    }
    let mut c = if update { existing.unwrap_or_else(|| json!({})) } else { json!({}) };
    if let Some(r) = retries {
        c["MaximumRetryAttempts"] = json!(r);
    }
    if let Some(a) = age {
        c["MaximumEventAgeInSeconds"] = json!(a);
    }
    if !update || input.get("DestinationConfig").is_some_and(|v| !v.is_null()) {
        let mut merged = if update { c.get("DestinationConfig").cloned().unwrap_or_else(|| json!({})) } else { json!({}) };
        for which in ["OnSuccess", "OnFailure"] {
            if let Some(d) = destinations.get(which) {
                merged[which] = d.clone();
            } else if !update {
                merged[which] = json!({});
            }
        }
        c["DestinationConfig"] = merged;
    }
    c["LastModified"] = json!(cx.now_epoch_seconds());
    c["FunctionArn"] = json!(format!("{}:{qualifier}", manage::arn(cx, &name)));
    f.event_invoke.insert(qualifier, c.clone());
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(c)
}

pub fn get_config(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let (name, qualifier) = config_key(cx, state, input)?;
    state.functions[&name]
        .event_invoke
        .get(&qualifier)
        .cloned()
        .ok_or_else(|| not_found(format!("The function {}:{qualifier} doesn't have an EventInvokeConfig", manage::arn(cx, &name))))
}

pub fn delete_config(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let (name, qualifier) = config_key(cx, state, input)?;
    let f = state.functions.get_mut(&name).ok_or_else(|| AwsError::internal("function vanished"))?;
    if f.event_invoke.remove(&qualifier).is_none() {
        return Err(not_found(format!("The function {}:{qualifier} doesn't have an EventInvokeConfig", manage::arn(cx, &name))));
    }
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(json!({}))
}

pub fn list_configs(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = manage::named(cx, input, false)?;
    let f = manage::find(cx, state, &n)?;
    let list: Vec<Value> = f.event_invoke.values().cloned().collect();
    Ok(json!({ "FunctionEventInvokeConfigs": list }))
}
