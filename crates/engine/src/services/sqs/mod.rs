//! Amazon SQS (JSON 1.0, `AmazonSQS`, with the Query protocol's error codes in
//! `x-amzn-query-error`).
//!
//! State: per region, queues by name, each with its messages in send order (see [`queue`]);
//! queues deleted in the last 60 s (a name cannot be reused sooner); message move tasks.
//! Records: `sqs/{region}/queue/{name}` (metadata and attributes, JSON), below it
//! `/m/{seq hex}` (one message), `/d/{id hex}` (a FIFO deduplication id), `/a/{id hex}` (a FIFO
//! receive attempt); `sqs/{region}/deleted/{name}`; `sqs/{region}/task/{id}`.
//!
//! Time is the virtual clock: delays, visibility timeouts, retention and the deduplication window
//! are compared with `cx.now_ms` when a queue is used, so a jump of the clock passes them. Message
//! move tasks advance on timers. Long polling is the host's part (see [`Sqs::long_poll_ms`]).

pub mod attributes;
pub mod digest;
pub mod errors;
pub mod fifo;
pub mod input;
pub mod messages;
pub mod moves;
pub mod queue;
pub mod queues;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    scheduler::Timer,
    service::{Cx, Service},
};
use queue::{unhex, Attempt, Dedup, Message, Queue, QueueMeta};

/// A queue name cannot be used again until 60 s after its queue was deleted.
pub const DELETED_RECENTLY_MS: i64 = 60_000;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct RegionState {
    pub queues: BTreeMap<String, Queue>,
    /// Names of queues deleted recently, with when.
    pub deleted: BTreeMap<String, i64>,
    pub tasks: BTreeMap<String, moves::MoveTask>,
}

#[derive(Debug, Default)]
pub struct Sqs {
    regions: BTreeMap<String, RegionState>,
}

/// Operations of the SQS API this build does not implement yet.
const NOT_YET: &[&str] = &["AddPermission", "RemovePermission"];

pub fn queue_arn(cx: &Cx, name: &str) -> String {
    cx.account.arn("sqs", cx.region, name)
}

/// The queue URL AWS gives: `https://sqs.{region}.amazonaws.com/{account}/{name}`. Clients send
/// requests to their endpoint, not to this host.
pub fn queue_url(cx: &Cx, name: &str) -> String {
    format!("https://sqs.{}.amazonaws.com/{}/{name}", cx.region, cx.account.id)
}

/// The queue name in a QueueUrl of this account: the URL's last two path segments are the
/// account id and the name, whatever the host.
pub fn name_from_url<'a>(cx: &Cx, url: &'a str) -> Result<&'a str, AwsError> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = path.split_once("://").map_or(path, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    let mut segments = path.trim_end_matches('/').rsplit('/');
    match (segments.next(), segments.next()) {
        (Some(name), Some(account)) if !name.is_empty() => {
            if account != cx.account.id {
                return Err(errors::queue_does_not_exist());
            }
            Ok(name)
        }
        _ => Err(errors::invalid_address(url)),
    }
}

/// The queue name in an SQS queue ARN of this account and region.
pub fn name_from_arn<'a>(cx: &Cx, arn: &'a str) -> Option<&'a str> {
    arn.strip_prefix(&cx.account.arn("sqs", cx.region, "")).filter(|n| !n.is_empty() && !n.contains([':', '/']))
}

impl Sqs {
    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    pub(crate) fn region_mut(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }

    /// The queue a request's QueueUrl names, tidied up to now.
    pub(crate) fn queue_mut(&mut self, cx: &mut Cx, url: &str) -> Result<&mut Queue, AwsError> {
        let name = name_from_url(cx, url)?.to_string();
        let region = cx.region.to_string();
        let queue = self.region_mut(&region).queues.get_mut(&name).ok_or_else(errors::queue_does_not_exist)?;
        queue.tidy(cx.journal, &region, cx.now_ms);
        Ok(queue)
    }

    pub(crate) fn queue_by_url(&mut self, cx: &mut Cx, input: &input::Input) -> Result<&mut Queue, AwsError> {
        let url = input.required_string("QueueUrl")?;
        self.queue_mut(cx, url)
    }
}

impl Service for Sqs {
    fn name(&self) -> &'static str {
        "sqs"
    }

    /// The queue's `Policy` attribute.
    fn resource_policy(&self, region: &str, resource_arn: &str) -> Option<String> {
        let name = resource_arn.rsplit(':').next()?;
        let policy = self.regions.get(region)?.queues.get(name)?.meta.attributes.get("Policy")?;
        (!policy.is_empty()).then(|| policy.clone())
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let input = input::Input::new(input)?;
        match operation {
            "CreateQueue" => queues::create_queue(self, cx, &input),
            "GetQueueUrl" => queues::get_queue_url(self, cx, &input),
            "ListQueues" => queues::list_queues(self, cx, &input),
            "DeleteQueue" => queues::delete_queue(self, cx, &input),
            "GetQueueAttributes" => queues::get_queue_attributes(self, cx, &input),
            "SetQueueAttributes" => queues::set_queue_attributes(self, cx, &input),
            "PurgeQueue" => queues::purge_queue(self, cx, &input),
            "TagQueue" => queues::tag_queue(self, cx, &input),
            "UntagQueue" => queues::untag_queue(self, cx, &input),
            "ListQueueTags" => queues::list_queue_tags(self, cx, &input),
            "ListDeadLetterSourceQueues" => queues::list_dead_letter_source_queues(self, cx, &input),
            "SendMessage" => messages::send_message(self, cx, &input),
            "SendMessageBatch" => messages::send_message_batch(self, cx, &input),
            "ReceiveMessage" => messages::receive_message(self, cx, &input),
            "DeleteMessage" => messages::delete_message(self, cx, &input),
            "DeleteMessageBatch" => messages::delete_message_batch(self, cx, &input),
            "ChangeMessageVisibility" => messages::change_message_visibility(self, cx, &input),
            "ChangeMessageVisibilityBatch" => messages::change_message_visibility_batch(self, cx, &input),
            "StartMessageMoveTask" => moves::start_message_move_task(self, cx, &input),
            "ListMessageMoveTasks" => moves::list_message_move_tasks(self, cx, &input),
            "CancelMessageMoveTask" => moves::cancel_message_move_task(self, cx, &input),
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not implement the SQS operation {op} yet."))),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    fn long_poll_ms(&self, region: &str, operation: &str, input: &Value, answer: &Value) -> Option<i64> {
        if operation != "ReceiveMessage" || answer.get("Messages").and_then(Value::as_array).is_some_and(|m| !m.is_empty()) {
            return None;
        }
        let seconds = match input.get("WaitTimeSeconds").and_then(Value::as_i64) {
            Some(s) => s,
            None => {
                // The queue's ReceiveMessageWaitTimeSeconds, found by the URL's last segment.
                let url = input.get("QueueUrl")?.as_str()?;
                let name = url.trim_end_matches('/').rsplit('/').next()?;
                self.regions.get(region)?.queues.get(name)?.meta.number("ReceiveMessageWaitTimeSeconds")
            }
        };
        (seconds > 0).then_some(seconds.min(20) * 1000)
    }

    fn fire(&mut self, cx: &mut Cx, timer: &Timer) {
        moves::fire(self, cx, timer);
    }

    fn save(&self, out: &mut Vec<Record>) {
        fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
            serde_json::to_vec(v).unwrap_or_default()
        }
        for (region, state) in &self.regions {
            for (name, at) in &state.deleted {
                out.push(Record { key: format!("sqs/{region}/deleted/{name}"), value: json(at) });
            }
            for (id, task) in &state.tasks {
                out.push(Record { key: format!("sqs/{region}/task/{id}"), value: json(task) });
            }
            for (name, q) in &state.queues {
                out.push(Record { key: queue::queue_key(region, name), value: json(&q.meta) });
                for (seq, m) in &q.messages {
                    out.push(Record { key: queue::message_key(region, name, *seq), value: json(m) });
                }
                for (id, d) in &q.dedup {
                    out.push(Record { key: queue::dedup_key(region, name, id), value: json(d) });
                }
                for (id, a) in &q.attempts {
                    out.push(Record { key: queue::attempt_key(region, name, id), value: json(a) });
                }
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        fn parse<T: serde::de::DeserializeOwned>(value: &[u8]) -> Result<T, String> {
            serde_json::from_slice(value).map_err(|e| e.to_string())
        }
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["sqs", region, "deleted", name] => {
                self.region_mut(region).deleted.insert(name.to_string(), parse(value)?);
            }
            ["sqs", region, "task", id] => {
                self.region_mut(region).tasks.insert(id.to_string(), parse(value)?);
            }
            ["sqs", region, "queue", name] => {
                let meta: QueueMeta = parse(value)?;
                if meta.name != *name {
                    return Err("queue record under another name".into());
                }
                let queues = &mut self.region_mut(region).queues;
                match queues.get_mut(*name) {
                    Some(q) => q.meta = meta,
                    None => {
                        queues.insert(name.to_string(), Queue::new(meta));
                    }
                }
            }
            ["sqs", region, "queue", name, kind, id] => {
                let queue = self.regions.get_mut(*region).and_then(|r| r.queues.get_mut(*name)).ok_or("record before its queue")?;
                match *kind {
                    "m" => {
                        let seq = u64::from_str_radix(id, 16).map_err(|e| e.to_string())?;
                        let m: Message = parse(value)?;
                        queue.messages.insert(seq, m);
                    }
                    "d" => {
                        let d: Dedup = parse(value)?;
                        queue.dedup.insert(unhex(id).ok_or("bad deduplication record key")?, d);
                    }
                    "a" => {
                        let a: Attempt = parse(value)?;
                        queue.attempts.insert(unhex(id).ok_or("bad receive attempt record key")?, a);
                    }
                    _ => return Err("unknown SQS record".into()),
                }
            }
            _ => return Err("unknown SQS record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}

#[cfg(test)]
mod tests;
