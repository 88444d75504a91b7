//! Dead-letter queue redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.
//! A task moves the dead-letter queue's visible messages to a destination queue, or back to the
//! queue each came from, a second of virtual time per batch (timers), up to
//! MaxNumberOfMessagesPerSecond (default 500) messages per second.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    errors,
    input::Input,
    name_from_arn,
    queue::{Message, MessageState},
    Sqs,
};
use crate::kernel::{error::AwsError, scheduler::Timer, service::Cx};

/// Messages a task moves per second when no rate is given.
pub const DEFAULT_RATE: i64 = 500;
const STEP_MS: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveTask {
    pub handle: String,
    pub source_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<i64>,
    /// RUNNING, COMPLETED, CANCELLED or FAILED.
    pub status: String,
    pub started_ms: i64,
    pub moved: u64,
    pub to_move: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

fn source_queue_name<'a>(sqs: &Sqs, cx: &Cx, arn: &'a str) -> Result<&'a str, AwsError> {
    if arn.split(':').count() != 6 || !arn.starts_with("arn:") {
        return Err(errors::invalid_parameter("You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>"));
    }
    name_from_arn(cx, arn)
        .filter(|n| sqs.region(cx.region).is_some_and(|r| r.queues.contains_key(*n)))
        .ok_or_else(|| errors::resource_not_found("The resource that you specified for the SourceArn parameter doesn't exist."))
}

pub fn start_message_move_task(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let source_arn = input.required_string("SourceArn")?;
    let destination = input.string("DestinationArn")?;
    let rate = input.int("MaxNumberOfMessagesPerSecond")?;
    let source = source_queue_name(sqs, cx, source_arn)?.to_string();
    let region_name = cx.region.to_string();
    let region = sqs.region_mut(&region_name);
    if !region.queues.values().any(|q| q.meta.redrive().is_some_and(|(arn, _)| arn == source_arn)) {
        return Err(errors::invalid_parameter("Source queue must be configured as a Dead Letter Queue."));
    }
    if let Some(d) = destination {
        if name_from_arn(cx, d).is_none_or(|n| !region.queues.contains_key(n)) {
            return Err(errors::resource_not_found("The resource that you specified for the DestinationArn parameter doesn't exist."));
        }
    }
    if let Some(r) = rate.filter(|r| !(1..=500).contains(r)) {
        return Err(errors::invalid_value(r, "MaxNumberOfMessagesPerSecond", "Must be between 1 and 500."));
    }
    if region.tasks.values().any(|t| t.source_arn == source_arn && t.status == "RUNNING") {
        return Err(errors::invalid_parameter("There is already a task running. Only one active task is allowed for a source queue arn at a given time."));
    }
    let id = cx.rng.uuid();
    let handle = base64::engine::general_purpose::STANDARD.encode(json!({ "taskId": id, "sourceArn": source_arn }).to_string());
    let to_move = region.queues.get(&source).map_or(0, |q| q.counts(cx.now_ms).0) as u64;
    let task = MoveTask {
        handle: handle.clone(),
        source_arn: source_arn.to_string(),
        destination_arn: destination.map(str::to_string),
        rate,
        status: "RUNNING".into(),
        started_ms: cx.now_ms,
        moved: 0,
        to_move,
        failure_reason: None,
    };
    cx.journal.put_json(format!("sqs/{region_name}/task/{id}"), &task);
    region.tasks.insert(id.clone(), task);
    cx.schedule(cx.now_ms + STEP_MS, json!({ "task": id }));
    Ok(json!({ "TaskHandle": handle }))
}

/// A move task's next second: moves up to its rate of the source's visible messages.
pub fn fire(sqs: &mut Sqs, cx: &mut Cx, timer: &Timer) {
    let Some(id) = timer.payload.get("task").and_then(Value::as_str) else {
        return;
    };
    let region_name = cx.region.to_string();
    let now = cx.now_ms;
    let region = sqs.region_mut(&region_name);
    let Some(task) = region.tasks.get(id).filter(|t| t.status == "RUNNING").cloned() else {
        return;
    };
    let mut task = task;
    let source = name_from_arn(cx, &task.source_arn).map(str::to_string);
    let mut outcome: Option<(&str, Option<String>)> = None;
    match source.as_deref().and_then(|s| region.queues.get_mut(s)) {
        None => outcome = Some(("FAILED", Some("AWS.SimpleQueueService.NonExistentQueue".into()))),
        Some(queue) => {
            queue.tidy(cx.journal, &region_name, now);
            let limit = task.rate.unwrap_or(DEFAULT_RATE) as usize;
            let seqs: Vec<u64> = queue.messages.iter().filter(|(_, m)| m.state(now) == MessageState::Visible).map(|(s, _)| *s).take(limit).collect();
            let source_name = queue.name().to_string();
            for seq in seqs {
                let Some(queue) = region.queues.get_mut(&source_name) else {
                    break;
                };
                let Some(target) = task.destination_arn.clone().or_else(|| queue.messages.get(&seq).and_then(|m| m.dlq_source_arn.clone())) else {
                    // A message that never came from another queue has nowhere to go back to.
                    outcome = Some(("FAILED", Some("InvalidParameterValue".into())));
                    break;
                };
                let Some(target_name) = name_from_arn(cx, &target).filter(|n| region.queues.contains_key(*n)).map(str::to_string) else {
                    outcome = Some(("FAILED", Some("AWS.SimpleQueueService.NonExistentQueue".into())));
                    break;
                };
                let Some(queue) = region.queues.get_mut(&source_name) else {
                    break;
                };
                let Some(m) = queue.remove_message(cx.journal, &region_name, seq) else {
                    continue;
                };
                if let Some(dest) = region.queues.get_mut(&target_name) {
                    redrive(dest, cx, &region_name, m);
                }
                task.moved += 1;
            }
            if outcome.is_none() && region.queues.get(&source_name).is_none_or(|q| q.counts(now).0 == 0) {
                outcome = Some(("COMPLETED", None));
            }
        }
    }
    match outcome {
        Some((status, reason)) => {
            task.status = status.to_string();
            task.failure_reason = reason;
        }
        None => cx.schedule(now + STEP_MS, json!({ "task": id })),
    }
    cx.journal.put_json(format!("sqs/{region_name}/task/{id}"), &task);
    region.tasks.insert(id.to_string(), task);
}

/// A message moved back out of a dead-letter queue starts over: not received, visible now.
fn redrive(dest: &mut super::queue::Queue, cx: &mut Cx, region: &str, mut m: Message) {
    let seq = dest.take_seq();
    m.receive_count = 0;
    m.first_receive_ms = None;
    m.received_ms = None;
    m.receipt = None;
    m.dlq_source_arn = None;
    m.visible_ms = cx.now_ms;
    if dest.meta.is_fifo() {
        m.sequence_number = Some(super::fifo::sequence_number(seq));
    }
    dest.messages.insert(seq, m);
    dest.put_message(cx.journal, region, seq);
    dest.put_meta(cx.journal, region);
}

fn entry(task: &MoveTask) -> Value {
    let mut out = Map::new();
    if task.status == "RUNNING" {
        out.insert("TaskHandle".into(), task.handle.clone().into());
    }
    out.insert("Status".into(), task.status.clone().into());
    out.insert("SourceArn".into(), task.source_arn.clone().into());
    if let Some(d) = &task.destination_arn {
        out.insert("DestinationArn".into(), d.clone().into());
    }
    if let Some(r) = task.rate {
        out.insert("MaxNumberOfMessagesPerSecond".into(), r.into());
    }
    out.insert("ApproximateNumberOfMessagesMoved".into(), task.moved.into());
    out.insert("ApproximateNumberOfMessagesToMove".into(), task.to_move.into());
    if let Some(f) = &task.failure_reason {
        out.insert("FailureReason".into(), f.clone().into());
    }
    out.insert("StartedTimestamp".into(), task.started_ms.into());
    Value::Object(out)
}

pub fn list_message_move_tasks(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let source_arn = input.required_string("SourceArn")?;
    let max = input.int("MaxResults")?;
    if let Some(m) = max.filter(|m| !(1..=10).contains(m)) {
        return Err(errors::invalid_value(m, "MaxResults", "Must be between 1 and 10, if provided."));
    }
    source_queue_name(sqs, cx, source_arn)?;
    let mut tasks: Vec<&MoveTask> = sqs.region(cx.region).map(|r| r.tasks.values().filter(|t| t.source_arn == source_arn).collect()).unwrap_or_default();
    tasks.sort_by_key(|t| std::cmp::Reverse(t.started_ms));
    let results: Vec<Value> = tasks.into_iter().take(max.unwrap_or(1) as usize).map(entry).collect();
    Ok(json!({ "Results": results }))
}

pub fn cancel_message_move_task(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let handle = input.required_string("TaskHandle")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(handle).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    let (Some(id), Some(source_arn)) = (decoded.as_ref().and_then(|v| v.get("taskId")?.as_str()), decoded.as_ref().and_then(|v| v.get("sourceArn")?.as_str())) else {
        return Err(errors::invalid_parameter("Value for parameter TaskHandle is invalid."));
    };
    source_queue_name(sqs, cx, source_arn)?;
    let region_name = cx.region.to_string();
    let Some(task) = sqs.region_mut(&region_name).tasks.get_mut(id) else {
        return Err(errors::resource_not_found("Task does not exist."));
    };
    if task.status != "RUNNING" {
        return Err(errors::invalid_parameter("Only active tasks can be cancelled."));
    }
    task.status = "CANCELLED".into();
    cx.journal.put_json(format!("sqs/{region_name}/task/{id}"), &*task);
    Ok(json!({ "ApproximateNumberOfMessagesMoved": task.moved }))
}
