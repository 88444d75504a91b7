//! FIFO queues: the rules on MessageGroupId and MessageDeduplicationId, the five-minute
//! deduplication window (by id, or by the SHA-256 of the body with ContentBasedDeduplication;
//! per queue or per message group), SequenceNumber, and which messages a receive may take: a
//! message group with a message in flight delivers nothing more until that message is deleted or
//! visible again, and within a group messages come in the order they were sent.

use super::{
    digest, errors,
    queue::{MessageState, Queue},
};
use crate::kernel::error::AwsError;

/// MessageGroupId, MessageDeduplicationId and ReceiveRequestAttemptId: 1 to 128 alphanumeric or
/// punctuation characters.
pub fn check_id(value: &str, parameter: &str) -> Result<(), AwsError> {
    if value.is_empty() || value.len() > 128 || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b.is_ascii_punctuation()) {
        return Err(errors::invalid_value(value, parameter, &format!("{parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.")));
    }
    Ok(())
}

/// The key under which a FIFO message is deduplicated: its MessageDeduplicationId (or, with
/// ContentBasedDeduplication, the SHA-256 of its body), scoped to its group when the queue's
/// DeduplicationScope is `messageGroup`.
pub fn dedup_key(queue: &Queue, dedup_id: &str, group: &str) -> String {
    if queue.meta.attributes.get("DeduplicationScope").is_some_and(|s| s == "messageGroup") {
        format!("{group}\u{0}{dedup_id}")
    } else {
        dedup_id.to_string()
    }
}

/// The deduplication id of a message sent without one on a ContentBasedDeduplication queue.
pub fn content_dedup_id(body: &str) -> String {
    digest::sha256_hex(body.as_bytes())
}

/// The SequenceNumber of the message with queue position `seq`: 20 digits, growing.
pub fn sequence_number(seq: u64) -> String {
    (10_000_000_000_000_000_000u128 + seq as u128).to_string()
}

/// What a receive on a FIFO queue takes, in order, up to `max` messages: groups in the order
/// of their oldest message, as many messages of one group as possible before the next group.
/// Messages at the head of their group that have been received `max_receives` times already go
/// to `to_dlq` instead (the group continues with its next message).
pub fn select(queue: &Queue, now_ms: i64, max: usize, max_receives: Option<u32>) -> (Vec<u64>, Vec<u64>) {
    // Each group's messages in order, groups in the order of their oldest message.
    let mut groups: indexmap::IndexMap<&str, Vec<(u64, &super::queue::Message)>> = indexmap::IndexMap::new();
    for (seq, m) in &queue.messages {
        groups.entry(m.group_id.as_deref().unwrap_or_default()).or_default().push((*seq, m));
    }
    let (mut take, mut to_dlq) = (Vec::new(), Vec::new());
    for messages in groups.values() {
        // A group with a message in flight is blocked.
        if messages.iter().any(|(_, m)| m.state(now_ms) == MessageState::InFlight) {
            continue;
        }
        for (seq, m) in messages {
            if take.len() >= max || m.state(now_ms) != MessageState::Visible {
                // A delayed message holds back the rest of its group.
                break;
            }
            if max_receives.is_some_and(|limit| m.receive_count >= limit) {
                to_dlq.push(*seq);
            } else {
                take.push(*seq);
            }
        }
        if take.len() >= max {
            break;
        }
    }
    (take, to_dlq)
}
