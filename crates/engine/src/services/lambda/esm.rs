//! Event source mappings: Lambda's pollers. An SQS mapping receives batches from its queue
//! (through SQS's own ReceiveMessage, as AWS's poller does), drops messages its filter criteria
//! reject, invokes the function synchronously with the `Records` event, and deletes what the
//! function handled (all of the batch, or all but its `batchItemFailures` under
//! ReportBatchItemFailures). Failed batches return to the queue after its visibility timeout,
//! so the queue's redrive policy decides when they go to a dead-letter queue.
//!
//! Polling runs on the virtual clock: every second while messages flow, backing off to every
//! [`MAX_IDLE_POLL_MS`] while the queue is empty.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::kernel::{error::AwsError, runtime::Step, service::Cx, Request};

use super::{
    errors::{conflict, invalid_parameter, not_found, Validation},
    invoke::{self, Origin},
    manage, Cont, RegionState,
};

const POLL_MS: i64 = 1_000;
pub const MAX_IDLE_POLL_MS: i64 = 5_000;
const TRANSITION_MS: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub uuid: String,
    pub function: String,
    /// The function ARN as given (it may name a version or alias).
    pub function_arn: String,
    pub qualifier: Option<String>,
    pub event_source_arn: String,
    pub batch_size: u32,
    pub batching_window_s: u32,
    pub enabled: bool,
    pub state: String,
    pub filters: Vec<String>,
    pub function_response_types: Vec<String>,
    pub maximum_concurrency: Option<u32>,
    pub last_modified_ms: i64,
    /// Current wait between polls (backs off while the queue is empty).
    pub idle_ms: i64,
    pub last_processing_result: String,
    /// For stream sources (DynamoDB streams, Kinesis streams and consumers): their settings and the poller's place.
    #[serde(default)]
    pub stream: Option<super::esm_stream::StreamState>,
}

pub fn key(region: &str, uuid: &str) -> String {
    format!("lambda/{region}/esm/{uuid}")
}

fn describe(cx: &Cx, m: &Mapping) -> Value {
    let mut out = json!({
        "UUID": m.uuid,
        "BatchSize": m.batch_size,
        "MaximumBatchingWindowInSeconds": m.batching_window_s,
        "EventSourceArn": m.event_source_arn,
        "FunctionArn": m.function_arn,
        "LastModified": m.last_modified_ms as f64 / 1000.0,
        "State": m.state,
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": m.function_response_types,
        "EventSourceMappingArn": format!("arn:aws:lambda:{}:{}:event-source-mapping:{}", cx.region, cx.account.id, m.uuid),
        "LastProcessingResult": m.last_processing_result,
    });
    if !m.filters.is_empty() {
        out["FilterCriteria"] = json!({ "Filters": m.filters.iter().map(|p| json!({ "Pattern": p })).collect::<Vec<_>>() });
    }
    if let Some(c) = m.maximum_concurrency {
        out["ScalingConfig"] = json!({ "MaximumConcurrency": c });
    }
    if let Some(st) = &m.stream {
        super::esm_stream::describe_into(&mut out, st);
    }
    out
}

/// The queue an SQS ARN names, as a queue URL SQS accepts.
fn queue_url(arn: &str) -> Option<String> {
    let p: Vec<&str> = arn.split(':').collect();
    (p.len() == 6 && p[0] == "arn" && p[2] == "sqs").then(|| format!("https://sqs.{}.amazonaws.com/{}/{}", p[3], p[4], p[5]))
}

/// Sends `body` to the queue an SQS ARN names, after this call (destinations, on-failure
/// records); an ARN that names no queue sends nothing.
pub(super) fn send_to_queue(cx: &mut Cx, arn: &str, body: String) {
    if let Some(url) = queue_url(arn) {
        let region = arn.split(':').nth(3).unwrap_or(cx.region).to_string();
        cx.after(Request::new("sqs", "SendMessage", &region, json!({ "QueueUrl": url, "MessageBody": body })));
    }
}

/// Settings CreateEventSourceMapping and UpdateEventSourceMapping share.
struct Settings {
    batch_size: Option<u32>,
    window: Option<u32>,
    enabled: Option<bool>,
    filters: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    maximum_concurrency: Option<Option<u32>>,
}

fn read_settings(input: &Value) -> Result<Settings, AwsError> {
    let mut v = Validation::default();
    let batch_size = v.integer(input, "BatchSize", "batchSize", 1, 10000);
    let window = v.integer(input, "MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0, 300);
    let enabled = v.boolean(input, "Enabled");
    v.finish()?;
    let filters = match input.get("FilterCriteria") {
        None | Some(Value::Null) => None,
        Some(fc) => {
            let mut out = Vec::new();
            for f in fc.get("Filters").and_then(Value::as_array).cloned().unwrap_or_default() {
                let Some(p) = f.get("Pattern").and_then(Value::as_str) else {
                    return Err(invalid_parameter("Invalid filter pattern definition."));
                };
                let parsed: Value = serde_json::from_str(p).map_err(|_| invalid_parameter(format!("Invalid filter pattern definition. Pattern: {p}")))?;
                if !parsed.is_object() {
                    return Err(invalid_parameter(format!("Invalid filter pattern definition. Pattern: {p}")));
                }
                out.push(p.to_string());
            }
            if out.len() > 5 {
                return Err(invalid_parameter("The number of filters exceeds the limit of 5."));
            }
            Some(out)
        }
    };
    let response_types = match input.get("FunctionResponseTypes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let list: Vec<String> = a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
            if list.iter().any(|t| t != "ReportBatchItemFailures") {
                return Err(AwsError::new(
                    "",
                    "ValidationException",
                    "1 validation error detected: Value at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]",
                    400,
                ));
            }
            Some(list)
        }
        Some(_) => return Err(AwsError::new("", "SerializationException", "FunctionResponseTypes must be a list", 400)),
    };
    let maximum_concurrency = match input.get("ScalingConfig") {
        None | Some(Value::Null) => None,
        Some(sc) => match sc.get("MaximumConcurrency").and_then(Value::as_u64) {
            Some(n) if (2..=1000).contains(&n) => Some(Some(n as u32)),
            Some(n) => {
                return Err(AwsError::new("", "ValidationException", format!("1 validation error detected: Value '{n}' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value greater than or equal to 2"), 400))
            }
            None => Some(None),
        },
    };
    Ok(Settings { batch_size, window, enabled, filters, response_types, maximum_concurrency })
}

fn check_batch(batch: u32, window: u32) -> Result<(), AwsError> {
    if batch > 10 && window == 0 {
        return Err(invalid_parameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"));
    }
    Ok(())
}

/// CreateEventSourceMapping: checks the input, then asks SQS about the queue (it must exist,
/// and its visibility timeout must cover the function's timeout) before creating the mapping.
pub fn create(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Step, AwsError> {
    let mut v = Validation::default();
    let source = v.required_string(input, "EventSourceArn", "eventSourceArn", 12, 1024);
    v.finish()?;
    let source = source.unwrap_or_default();
    let n = manage::named(cx, input, false)?;
    let settings = read_settings(input)?;
    let service = source.split(':').nth(2).unwrap_or("");
    match service {
        "sqs" => {}
        "dynamodb" if source.contains("/stream/") => {
            super::esm_stream::read(input, false)?;
            if settings.batch_size.is_some_and(|b| b > 10_000) {
                return Err(invalid_parameter("BatchSize must be at most 10000 for DynamoDB streams."));
            }
            check_new(cx, state, &n, &source)?;
            let region = source.split(':').nth(3).unwrap_or(cx.region).to_string();
            let request = Request::new("streams.dynamodb", "DescribeStream", &region, json!({ "StreamArn": source }));
            return Ok(Step::Call(request, Box::new(Cont::EsmCreate(Box::new(input.clone())))));
        }
        "dynamodb" => return Err(invalid_parameter(format!("Invalid event source: {source} is a table, not a stream: use the table's LatestStreamArn."))),
        "kinesis" if source.contains(":stream/") && !source.contains("/consumer/") => {
            super::esm_stream::read(input, true)?;
            check_new(cx, state, &n, &source)?;
            let region = source.split(':').nth(3).unwrap_or(cx.region).to_string();
            let request = Request::new("kinesis", "DescribeStreamSummary", &region, json!({ "StreamARN": source }));
            return Ok(Step::Call(request, Box::new(Cont::EsmCreate(Box::new(input.clone())))));
        }
        "kinesis" if source.contains(":stream/") && source.contains("/consumer/") => {
            // An enhanced fan-out consumer: it must exist; the mapping reads its stream.
            super::esm_stream::read(input, true)?;
            check_new(cx, state, &n, &source)?;
            let region = source.split(':').nth(3).unwrap_or(cx.region).to_string();
            let request = Request::new("kinesis", "DescribeStreamConsumer", &region, json!({ "ConsumerARN": source }));
            return Ok(Step::Call(request, Box::new(Cont::EsmCreate(Box::new(input.clone())))));
        }
        "kinesis" => return Err(invalid_parameter(format!("Unrecognized event source: {source}"))),
        "kafka" | "mq" => return Err(invalid_parameter(format!("Gureum does not simulate {service} event sources."))),
        _ => return Err(invalid_parameter(format!("Unrecognized event source: {source}"))),
    }
    let batch = settings.batch_size.unwrap_or(10);
    check_batch(batch, settings.window.unwrap_or(0))?;
    check_new(cx, state, &n, &source)?;
    let Some(url) = queue_url(&source) else {
        return Err(invalid_parameter(format!("Unrecognized event source: {source}")));
    };
    let request =
        Request::new("sqs", "GetQueueAttributes", source.split(':').nth(3).unwrap_or(cx.region), json!({ "QueueUrl": url, "AttributeNames": ["VisibilityTimeout", "FifoQueue"] }));
    Ok(Step::Call(request, Box::new(Cont::EsmCreate(Box::new(input.clone())))))
}

/// The function a new mapping would invoke must exist (with its qualifier), and not be mapped to
/// `source` already.
fn check_new(cx: &Cx, state: &mut RegionState, n: &manage::Named, source: &str) -> Result<(), AwsError> {
    let f = manage::find(cx, state, n)?;
    if n.qualifier.is_some() {
        manage::resolve_version(cx, f, &n.qualifier)?;
    }
    let function = f.name.clone();
    if let Some(existing) = state.mappings.values().find(|m| m.event_source_arn == source && m.function == function) {
        return Err(conflict(format!(
            "The event source arn (\" {source} \") and function (\" {function} \") provided mapping already exists. Please update or delete the existing mapping with UUID {}",
            existing.uuid
        )));
    }
    Ok(())
}

/// Creates a checked mapping, Creating until its timer enables it, and answers with it.
fn insert(
    cx: &mut Cx,
    state: &mut RegionState,
    n: &manage::Named,
    source: &str,
    settings: Settings,
    default_batch: u32,
    stream: Option<super::esm_stream::StreamState>,
) -> Result<Step, AwsError> {
    let function = manage::find(cx, state, n)?.name.clone();
    let uuid = cx.rng.uuid();
    let function_arn = match &n.qualifier {
        Some(q) => format!("{}:{q}", manage::arn(cx, &function)),
        None => manage::arn(cx, &function),
    };
    let m = Mapping {
        uuid: uuid.clone(),
        function,
        function_arn,
        qualifier: n.qualifier.clone(),
        event_source_arn: source.to_string(),
        batch_size: settings.batch_size.unwrap_or(default_batch),
        batching_window_s: settings.window.unwrap_or(0),
        enabled: settings.enabled.unwrap_or(true),
        state: "Creating".into(),
        filters: settings.filters.unwrap_or_default(),
        function_response_types: settings.response_types.unwrap_or_default(),
        maximum_concurrency: settings.maximum_concurrency.flatten(),
        last_modified_ms: cx.now_ms,
        idle_ms: POLL_MS,
        last_processing_result: "No records processed".into(),
        stream,
    };
    let out = describe(cx, &m);
    cx.journal.put_json(key(cx.region, &uuid), &m);
    state.mappings.insert(uuid.clone(), m);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({ "esm": uuid, "transition": true }));
    Ok(Step::Done(out))
}

pub fn create_checked(cx: &mut Cx, state: &mut RegionState, input: &Value, queue: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let source = input.get("EventSourceArn").and_then(Value::as_str).unwrap_or_default().to_string();
    if matches!(source.split(':').nth(2), Some("dynamodb" | "kinesis")) {
        return create_stream_mapping(cx, state, input, &source, queue);
    }
    let attrs = match queue {
        Ok(v) => v,
        Err(e) => {
            return Err(invalid_parameter(format!("Error occurred while ReceiveMessage. SQS Error Code: {}. SQS Error Message: {}", e.query_code().unwrap_or(&e.kind), e.message)));
        }
    };
    let visibility: u32 = attrs.pointer("/Attributes/VisibilityTimeout").and_then(Value::as_str).and_then(|s| s.parse().ok()).unwrap_or(30);
    let fifo = attrs.pointer("/Attributes/FifoQueue").and_then(Value::as_str) == Some("true");
    let n = manage::named(cx, input, false)?;
    let settings = read_settings(input)?;
    let f = manage::find(cx, state, &n)?;
    let version = manage::resolve_version(cx, f, &n.qualifier)?;
    let timeout = f.config(&version).map(|c| c.timeout).unwrap_or(3);
    if visibility < timeout {
        return Err(invalid_parameter(format!("Queue visibility timeout: {visibility} seconds is less than Function timeout: {timeout} seconds")));
    }
    if fifo && settings.window.unwrap_or(0) > 0 {
        return Err(invalid_parameter("Batching window is not supported for FIFO queues"));
    }
    insert(cx, state, &n, &source, settings, 10, None)
}

/// CreateEventSourceMapping for a DynamoDB stream, once DescribeStream has answered.
fn create_stream_mapping(cx: &mut Cx, state: &mut RegionState, input: &Value, source: &str, described: Result<Value, AwsError>) -> Result<Step, AwsError> {
    match described {
        Err(e) if source.contains("/consumer/") => return Err(invalid_parameter(format!("Consumer not found: {source} ({}: {})", e.kind, e.message))),
        Err(e) => return Err(invalid_parameter(format!("Stream not found: {source} ({}: {})", e.kind, e.message))),
        Ok(_) => {}
    }
    let n = manage::named(cx, input, false)?;
    let settings = read_settings(input)?;
    let stream = super::esm_stream::read(input, source.split(':').nth(2) == Some("kinesis"))?;
    insert(cx, state, &n, source, settings, 100, Some(stream))
}

fn find<'s>(state: &'s mut RegionState, input: &Value) -> Result<&'s mut super::esm::Mapping, AwsError> {
    let mut v = Validation::default();
    let uuid = v.required_string(input, "UUID", "uUID", 1, 64);
    v.finish()?;
    state.mappings.get_mut(&uuid.unwrap_or_default()).ok_or_else(|| not_found("The resource you requested does not exist."))
}

pub fn get(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let m = find(state, input)?;
    Ok(describe(cx, m))
}

pub fn list(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let source = v.string(input, "EventSourceArn", "eventSourceArn", 0, 1024);
    let function = v.string(input, "FunctionName", "functionName", 1, 140);
    let max = v.integer(input, "MaxItems", "maxItems", 1, 10000).unwrap_or(100) as usize;
    let marker = v.string(input, "Marker", "marker", 0, usize::MAX);
    v.finish()?;
    let function = match function {
        Some(raw) => {
            Some(super::function::parse_function_name(&raw, &cx.account.id, cx.region).map(|(n, _)| n).ok_or_else(|| invalid_parameter(format!("Invalid function name: {raw}")))?)
        }
        None => None,
    };
    let all: Vec<&Mapping> =
        state.mappings.values().filter(|m| source.as_ref().is_none_or(|s| &m.event_source_arn == s) && function.as_ref().is_none_or(|f| &m.function == f)).collect();
    let start = match &marker {
        Some(mk) => all.iter().position(|m| &m.uuid == mk).ok_or_else(|| invalid_parameter("Invalid marker"))?,
        None => 0,
    };
    let page: Vec<Value> = all[start..].iter().take(max).map(|m| describe(cx, m)).collect();
    let mut out = json!({ "EventSourceMappings": page });
    if let Some(next) = all.get(start + max) {
        out["NextMarker"] = json!(next.uuid);
    }
    Ok(out)
}

pub fn update(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let settings = read_settings(input)?;
    let new_function = match input.get("FunctionName").and_then(Value::as_str) {
        Some(_) => {
            let n = manage::named(cx, input, false)?;
            let f = manage::find(cx, state, &n)?;
            Some((f.name.clone(), n.qualifier.clone()))
        }
        None => None,
    };
    let now = cx.now_ms;
    let region = cx.region.to_string();
    let account = cx.account.id.clone();
    let m = find(state, input)?;
    if m.state == "Creating" || m.state == "Updating" || m.state == "Deleting" {
        return Err(conflict(format!("The operation cannot be performed at this time. The event source mapping is currently in the {} state.", m.state)));
    }
    let batch = settings.batch_size.unwrap_or(m.batch_size);
    let window = settings.window.unwrap_or(m.batching_window_s);
    check_batch(batch, window)?;
    m.batch_size = batch;
    m.batching_window_s = window;
    if let Some(e) = settings.enabled {
        m.enabled = e;
    }
    if let Some(f) = settings.filters {
        m.filters = f;
    }
    if let Some(t) = settings.response_types {
        m.function_response_types = t;
    }
    if let Some(c) = settings.maximum_concurrency {
        m.maximum_concurrency = c;
    }
    if let Some((name, qualifier)) = new_function {
        let base = format!("arn:aws:lambda:{region}:{account}:function:{name}");
        m.function_arn = match &qualifier {
            Some(q) => format!("{base}:{q}"),
            None => base,
        };
        m.function = name;
        m.qualifier = qualifier;
    }
    m.state = "Updating".into();
    m.last_modified_ms = now;
    m.idle_ms = POLL_MS;
    let snapshot = m.clone();
    cx.journal.put_json(key(cx.region, &snapshot.uuid), &snapshot);
    cx.schedule(now + TRANSITION_MS, json!({ "esm": snapshot.uuid, "transition": true }));
    Ok(describe(cx, &snapshot))
}

pub fn delete(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let m = find(state, input)?;
    let mut snapshot = m.clone();
    snapshot.state = "Deleting".into();
    state.mappings.remove(&snapshot.uuid);
    cx.journal.delete(key(cx.region, &snapshot.uuid));
    Ok(describe(cx, &snapshot))
}

/// Removes a deleted function's mappings.
pub fn forget_function(cx: &mut Cx, state: &mut RegionState, function: &str) {
    let gone: Vec<String> = state.mappings.values().filter(|m| m.function == function).map(|m| m.uuid.clone()).collect();
    for uuid in gone {
        state.mappings.remove(&uuid);
        cx.journal.delete(key(cx.region, &uuid));
    }
}

// --- polling -------------------------------------------------------------------------------

fn save(cx: &mut Cx, m: &Mapping) {
    cx.journal.put_json(key(cx.region, &m.uuid), m);
}

fn schedule_poll(cx: &mut Cx, uuid: &str, after_ms: i64) {
    cx.schedule(cx.now_ms + after_ms, json!({ "esm": uuid }));
}

/// A mapping's timer: a state transition, or a poll.
pub fn fire(cx: &mut Cx, state: &mut RegionState, timer: &Value) -> Step {
    let Some(uuid) = timer.get("esm").and_then(Value::as_str).map(str::to_string) else { return Step::Done(Value::Null) };
    let Some(m) = state.mappings.get_mut(&uuid) else { return Step::Done(Value::Null) };
    if timer.get("transition").is_some() {
        m.state = if m.enabled { "Enabled".into() } else { "Disabled".into() };
        let snapshot = m.clone();
        save(cx, &snapshot);
        if snapshot.enabled {
            return poll(cx, &snapshot);
        }
        return Step::Done(Value::Null);
    }
    if m.state != "Enabled" {
        return Step::Done(Value::Null);
    }
    let snapshot = m.clone();
    poll(cx, &snapshot)
}

fn poll(cx: &mut Cx, m: &Mapping) -> Step {
    if m.stream.is_some() {
        return super::esm_stream::poll(cx, m);
    }
    let Some(url) = queue_url(&m.event_source_arn) else { return Step::Done(Value::Null) };
    let region = m.event_source_arn.split(':').nth(3).unwrap_or(cx.region).to_string();
    let request = Request::new(
        "sqs",
        "ReceiveMessage",
        &region,
        json!({ "QueueUrl": url, "MaxNumberOfMessages": m.batch_size.min(10), "AttributeNames": ["All"], "MessageAttributeNames": ["All"] }),
    );
    Step::Call(request, Box::new(Cont::EsmReceived(m.uuid.clone())))
}

/// What the poller got from the queue: filter, invoke, or wait.
pub fn received(cx: &mut Cx, state: &mut RegionState, uuid: &str, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
    let Some(m) = state.mappings.get(uuid).cloned() else { return Ok(Step::Done(Value::Null)) };
    let messages = match answer {
        Ok(v) => v.get("Messages").and_then(Value::as_array).cloned().unwrap_or_default(),
        Err(e) => {
            set_result(cx, state, uuid, &format!("PROBLEM: {}: {}", e.kind, e.message), MAX_IDLE_POLL_MS);
            return Ok(Step::Done(Value::Null));
        }
    };
    let url = queue_url(&m.event_source_arn).unwrap_or_default();
    let region = m.event_source_arn.split(':').nth(3).unwrap_or(cx.region).to_string();
    let (keep, drop): (Vec<Value>, Vec<Value>) =
        messages.into_iter().partition(|msg| m.filters.is_empty() || m.filters.iter().any(|p| super::filter::matches(p, &filter_view(msg))));
    if !drop.is_empty() {
        // Messages no filter matches are deleted, as Lambda does for SQS.
        delete_batch(cx, &region, &url, &drop);
    }
    if keep.is_empty() {
        let idle = if drop.is_empty() { (m.idle_ms * 2).min(MAX_IDLE_POLL_MS) } else { POLL_MS };
        if let Some(mm) = state.mappings.get_mut(uuid) {
            mm.idle_ms = idle;
        }
        schedule_poll(cx, uuid, idle);
        return Ok(Step::Done(Value::Null));
    }
    let records: Vec<Value> = keep.iter().map(|msg| record(&m.event_source_arn, &region, msg)).collect();
    let event = json!({ "Records": records }).to_string().into_bytes();
    let Some(f) = state.functions.get(&m.function) else { return Ok(Step::Done(Value::Null)) };
    let version = match invoke::pick_version(cx, f, &m.qualifier) {
        Ok(v) => v,
        Err(_) => return Ok(Step::Done(Value::Null)),
    };
    let request_id = cx.rng.uuid();
    let handles: Vec<(String, String)> = keep
        .iter()
        .map(|msg| (msg.get("MessageId").and_then(Value::as_str).unwrap_or("").to_string(), msg.get("ReceiptHandle").and_then(Value::as_str).unwrap_or("").to_string()))
        .collect();
    match invoke::start(cx, state, &m.function, &version, event, None, request_id, Origin::Esm { mapping: uuid.to_string(), handles }) {
        Ok(step) => Ok(step),
        Err(e) => {
            // Throttled: the messages come back after their visibility timeout.
            set_result(cx, state, uuid, &format!("PROBLEM: Function call failed: {}", e.kind), POLL_MS);
            Ok(Step::Done(Value::Null))
        }
    }
}

fn set_result(cx: &mut Cx, state: &mut RegionState, uuid: &str, result: &str, next_ms: i64) {
    if let Some(m) = state.mappings.get_mut(uuid) {
        m.last_processing_result = result.to_string();
        let snapshot = m.clone();
        save(cx, &snapshot);
    }
    schedule_poll(cx, uuid, next_ms);
}

/// The invocation for a batch ended: delete what was handled, poll again.
pub fn finished(cx: &mut Cx, state: &mut RegionState, uuid: &str, handles: &[(String, String)], failed: bool, payload: &[u8]) {
    let Some(m) = state.mappings.get(uuid).cloned() else { return };
    let url = queue_url(&m.event_source_arn).unwrap_or_default();
    let region = m.event_source_arn.split(':').nth(3).unwrap_or(cx.region).to_string();
    let result = if failed {
        "PROBLEM: Function call failed".to_string()
    } else {
        let failures: Vec<String> = if m.function_response_types.iter().any(|t| t == "ReportBatchItemFailures") {
            serde_json::from_slice::<Value>(payload)
                .ok()
                .and_then(|v| v.get("batchItemFailures").and_then(Value::as_array).cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|f| f.get("itemIdentifier").and_then(Value::as_str).map(str::to_string))
                .collect()
        } else {
            Vec::new()
        };
        let done: Vec<Value> = handles.iter().filter(|(id, _)| !failures.contains(id)).map(|(id, rh)| json!({ "MessageId": id, "ReceiptHandle": rh })).collect();
        delete_batch(cx, &region, &url, &done);
        "OK".to_string()
    };
    if let Some(mm) = state.mappings.get_mut(uuid) {
        mm.idle_ms = POLL_MS;
    }
    set_result(cx, state, uuid, &result, if failed { POLL_MS } else { 0 });
}

fn delete_batch(cx: &mut Cx, region: &str, url: &str, messages: &[Value]) {
    for chunk in messages.chunks(10) {
        let entries: Vec<Value> =
            chunk.iter().enumerate().map(|(i, m)| json!({ "Id": format!("m{i}"), "ReceiptHandle": m.get("ReceiptHandle").cloned().unwrap_or(Value::Null) })).collect();
        cx.after(Request::new("sqs", "DeleteMessageBatch", region, json!({ "QueueUrl": url, "Entries": entries })));
    }
}

/// What a filter pattern sees of an SQS message: `body` parsed as JSON when it is JSON.
fn filter_view(msg: &Value) -> Value {
    let body = msg.get("Body").and_then(Value::as_str).unwrap_or("");
    let body = serde_json::from_str::<Value>(body).ok().filter(Value::is_object).unwrap_or_else(|| Value::String(body.to_string()));
    json!({ "body": body, "attributes": msg.get("Attributes").cloned().unwrap_or(json!({})), "messageAttributes": msg.get("MessageAttributes").cloned().unwrap_or(json!({})) })
}

/// One SQS record of Lambda's event, in its camel-case shape.
fn record(arn: &str, region: &str, msg: &Value) -> Value {
    let mut attrs = Map::new();
    if let Some(Value::Object(m)) = msg.get("MessageAttributes") {
        for (name, a) in m {
            let mut out = json!({ "stringListValues": [], "binaryListValues": [], "dataType": a.get("DataType").cloned().unwrap_or(Value::Null) });
            if let Some(s) = a.get("StringValue") {
                out["stringValue"] = s.clone();
            }
            if let Some(b) = a.get("BinaryValue") {
                out["binaryValue"] = b.clone();
            }
            attrs.insert(name.clone(), out);
        }
    }
    json!({
        "messageId": msg.get("MessageId"),
        "receiptHandle": msg.get("ReceiptHandle"),
        "body": msg.get("Body"),
        "attributes": msg.get("Attributes").cloned().unwrap_or(json!({})),
        "messageAttributes": attrs,
        "md5OfBody": msg.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    })
}
