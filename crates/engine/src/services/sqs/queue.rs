//! The state of one queue: its metadata and attributes, its messages in send order, and (FIFO)
//! the deduplication ids and receive attempts of the last five minutes. Every field is in the
//! queue's records, so a restored sandbox continues exactly.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::kernel::journal::Journal;

/// FIFO queues remember deduplication ids and receive attempt ids for five minutes.
pub const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueMeta {
    pub name: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// The queue's settable attributes as SQS reports them, defaults included.
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The next message's place in the queue (and, on FIFO queues, its SequenceNumber).
    pub next_seq: u64,
    /// When PurgeQueue last ran: another within 60 s is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged_ms: Option<i64>,
}

impl QueueMeta {
    pub fn is_fifo(&self) -> bool {
        self.attributes.get("FifoQueue").is_some_and(|v| v == "true")
    }

    /// A numeric attribute (they always hold a validated integer).
    pub fn number(&self, name: &str) -> i64 {
        self.attributes.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.attributes.get(name).is_some_and(|v| v == "true")
    }

    /// RedrivePolicy's target ARN and maxReceiveCount.
    pub fn redrive(&self) -> Option<(String, u32)> {
        let policy: serde_json::Value = serde_json::from_str(self.attributes.get("RedrivePolicy")?).ok()?;
        let arn = policy.get("deadLetterTargetArn")?.as_str()?.to_string();
        let max = policy.get("maxReceiveCount")?.as_u64()? as u32;
        Some((arn, max))
    }
}

/// A message attribute as the API spells it (binary values stay base64, as on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageAttribute {
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub body: String,
    pub md5_body: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, MessageAttribute>,
    /// The AWSTraceHeader message system attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    pub sender_id: String,
    pub sent_ms: i64,
    /// Not receivable before this time: delay, then visibility timeouts.
    pub visible_ms: i64,
    pub receive_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_receive_ms: Option<i64>,
    /// When the latest receipt handle was handed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_ms: Option<i64>,
    /// The nonce of the latest receipt handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dlq_source_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    Visible,
    /// Received, and its visibility timeout has not run out.
    InFlight,
    /// Not received yet, and its delay has not run out.
    Delayed,
}

impl Message {
    pub fn state(&self, now_ms: i64) -> MessageState {
        if now_ms >= self.visible_ms {
            MessageState::Visible
        } else if self.receipt.is_some() {
            MessageState::InFlight
        } else {
            MessageState::Delayed
        }
    }
}

/// A deduplication id seen in the last five minutes, and what the first send answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dedup {
    pub expires_ms: i64,
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
}

/// A FIFO ReceiveRequestAttemptId and the messages (seq, receipt nonce) that receive returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub expires_ms: i64,
    pub taken: Vec<(u64, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub meta: QueueMeta,
    pub messages: BTreeMap<u64, Message>,
    pub dedup: BTreeMap<String, Dedup>,
    pub attempts: BTreeMap<String, Attempt>,
}

pub fn hex_key(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    String::from_utf8(bytes?).ok()
}

pub fn queue_key(region: &str, name: &str) -> String {
    format!("sqs/{region}/queue/{name}")
}

pub fn message_key(region: &str, name: &str, seq: u64) -> String {
    format!("sqs/{region}/queue/{name}/m/{seq:016x}")
}

pub fn dedup_key(region: &str, name: &str, id: &str) -> String {
    format!("sqs/{region}/queue/{name}/d/{}", hex_key(id))
}

pub fn attempt_key(region: &str, name: &str, id: &str) -> String {
    format!("sqs/{region}/queue/{name}/a/{}", hex_key(id))
}

/// A receipt handle names the queue, the message and the receive it came from.
pub fn receipt_handle(queue: &str, seq: u64, nonce: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{queue} {seq:016x} {nonce}"))
}

/// (queue name, message seq, nonce) of a receipt handle this sandbox issued.
pub fn parse_receipt_handle(handle: &str) -> Option<(String, u64, String)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(handle).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(' ');
    let (queue, seq, nonce) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || seq.len() != 16 {
        return None;
    }
    Some((queue.to_string(), u64::from_str_radix(seq, 16).ok()?, nonce.to_string()))
}

impl Queue {
    pub fn new(meta: QueueMeta) -> Self {
        Queue { meta, messages: BTreeMap::new(), dedup: BTreeMap::new(), attempts: BTreeMap::new() }
    }

    pub fn name(&self) -> &str {
        &self.meta.name
    }

    pub fn put_meta(&self, journal: &mut Journal, region: &str) {
        journal.put_json(queue_key(region, self.name()), &self.meta);
    }

    pub fn put_message(&self, journal: &mut Journal, region: &str, seq: u64) {
        if let Some(m) = self.messages.get(&seq) {
            journal.put_json(message_key(region, self.name(), seq), m);
        }
    }

    pub fn remove_message(&mut self, journal: &mut Journal, region: &str, seq: u64) -> Option<Message> {
        let m = self.messages.remove(&seq)?;
        journal.delete(message_key(region, self.name(), seq));
        Some(m)
    }

    /// Forgets what has run out by `now_ms`: messages past the retention period, deduplication
    /// ids and receive attempts older than five minutes. SQS does this in the background; the
    /// sandbox does it whenever the queue is used, which no caller can tell apart.
    pub fn tidy(&mut self, journal: &mut Journal, region: &str, now_ms: i64) {
        let retention_ms = self.meta.number("MessageRetentionPeriod") * 1000;
        let expired: Vec<u64> = self.messages.iter().filter(|(_, m)| now_ms >= m.sent_ms + retention_ms).map(|(s, _)| *s).collect();
        for seq in expired {
            self.remove_message(journal, region, seq);
        }
        let name = self.meta.name.clone();
        self.dedup.retain(|id, d| {
            let keep = now_ms < d.expires_ms;
            if !keep {
                journal.delete(dedup_key(region, &name, id));
            }
            keep
        });
        self.attempts.retain(|id, a| {
            let keep = now_ms < a.expires_ms;
            if !keep {
                journal.delete(attempt_key(region, &name, id));
            }
            keep
        });
    }

    /// (visible, in flight, delayed) message counts at `now_ms`.
    pub fn counts(&self, now_ms: i64) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for m in self.messages.values() {
            match m.state(now_ms) {
                MessageState::Visible => c.0 += 1,
                MessageState::InFlight => c.1 += 1,
                MessageState::Delayed => c.2 += 1,
            }
        }
        c
    }

    /// Takes the next sequence number (journaled with the metadata).
    pub fn take_seq(&mut self) -> u64 {
        let seq = self.meta.next_seq;
        self.meta.next_seq += 1;
        seq
    }
}
