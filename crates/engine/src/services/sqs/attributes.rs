//! Queue attributes: which exist, their valid values and defaults, and what GetQueueAttributes
//! reports. Values are validated and normalised (booleans lowercase, policies compact JSON)
//! before anything changes.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{errors, name_from_arn, queue::Queue, RegionState};
use crate::kernel::{error::AwsError, service::Cx};

/// Attributes CreateQueue and SetQueueAttributes take.
pub const SETTABLE: &[&str] = &[
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "Policy",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
];

/// Attributes only GetQueueAttributes reports.
pub const COMPUTED: &[&str] =
    &["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"];

/// Attributes only FIFO queues have.
const FIFO_ONLY: &[&str] = &["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

/// Integer attributes and their inclusive ranges.
const RANGES: &[(&str, i64, i64)] = &[
    ("DelaySeconds", 0, 900),
    ("MaximumMessageSize", 1024, 1_048_576),
    ("MessageRetentionPeriod", 60, 1_209_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 20),
    ("VisibilityTimeout", 0, 43_200),
    ("KmsDataKeyReusePeriodSeconds", 60, 86_400),
];

/// A new queue's attributes before the request's.
pub fn defaults(fifo: bool) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("DelaySeconds", "0"),
        ("MaximumMessageSize", "1048576"),
        ("MessageRetentionPeriod", "345600"),
        ("ReceiveMessageWaitTimeSeconds", "0"),
        ("VisibilityTimeout", "30"),
        ("SqsManagedSseEnabled", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if fifo {
        for (k, v) in [("FifoQueue", "true"), ("ContentBasedDeduplication", "false"), ("DeduplicationScope", "queue"), ("FifoThroughputLimit", "perQueue")] {
            a.insert(k.into(), v.into());
        }
    }
    a
}

fn boolean(name: &str, value: &str) -> Result<String, AwsError> {
    match value.to_ascii_lowercase().as_str() {
        v @ ("true" | "false") => Ok(v.to_string()),
        _ => Err(errors::invalid_attribute_value(name)),
    }
}

/// Validates one attribute for a queue (FIFO or not) and returns its normalised value; an empty
/// Policy, RedrivePolicy or RedriveAllowPolicy (which removes it) stays empty.
pub fn validate(cx: &Cx, region: &RegionState, fifo: bool, creating: bool, name: &str, value: &str) -> Result<String, AwsError> {
    if !SETTABLE.contains(&name) || (!fifo && FIFO_ONLY.contains(&name)) {
        return Err(errors::invalid_attribute_name(name));
    }
    if let Some((_, lo, hi)) = RANGES.iter().find(|(n, _, _)| *n == name) {
        return match value.trim().parse::<i64>() {
            Ok(v) if (*lo..=*hi).contains(&v) => Ok(v.to_string()),
            _ => Err(errors::invalid_attribute_value(name)),
        };
    }
    match name {
        "FifoQueue" => {
            let v = boolean(name, value)?;
            if !creating {
                return Err(errors::invalid_attribute_value_because(name, "Modifying queue type is not supported."));
            }
            Ok(v)
        }
        "ContentBasedDeduplication" | "SqsManagedSseEnabled" => boolean(name, value),
        "DeduplicationScope" => match value {
            "messageGroup" | "queue" => Ok(value.to_string()),
            _ => Err(errors::invalid_attribute_value(name)),
        },
        "FifoThroughputLimit" => match value {
            "perQueue" | "perMessageGroupId" => Ok(value.to_string()),
            _ => Err(errors::invalid_attribute_value(name)),
        },
        "Policy" => {
            if value.is_empty() {
                return Ok(String::new());
            }
            match serde_json::from_str::<Value>(value) {
                Ok(Value::Object(_)) => Ok(value.to_string()),
                _ => Err(errors::invalid_attribute_value(name)),
            }
        }
        "KmsMasterKeyId" => Ok(value.to_string()),
        "RedrivePolicy" => redrive_policy(cx, region, fifo, value),
        "RedriveAllowPolicy" => redrive_allow_policy(value),
        _ => Err(errors::invalid_attribute_name(name)),
    }
}

/// `{"deadLetterTargetArn": ..., "maxReceiveCount": 1..1000}` naming an existing queue of the
/// same type whose RedriveAllowPolicy lets this queue use it.
fn redrive_policy(cx: &Cx, region: &RegionState, fifo: bool, value: &str) -> Result<String, AwsError> {
    if value.is_empty() {
        return Ok(String::new());
    }
    let bad = |reason: &str| errors::invalid_value(value, "RedrivePolicy", reason);
    let Ok(Value::Object(policy)) = serde_json::from_str::<Value>(value) else {
        return Err(bad("Redrive policy is not a valid JSON map."));
    };
    let Some(arn) = policy.get("deadLetterTargetArn").and_then(Value::as_str) else {
        return Err(bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn."));
    };
    let count = match policy.get("maxReceiveCount") {
        None => return Err(bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.")),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(_) => None,
    };
    let Some(count) = count.filter(|c| (1..=1000).contains(c)) else {
        return Err(bad(&format!(
            "Invalid value for maxReceiveCount: {}, valid values are from 1 to 1000 both inclusive.",
            policy.get("maxReceiveCount").map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).unwrap_or_default()
        )));
    };
    let Some(target) = name_from_arn(cx, arn).and_then(|n| region.queues.get(n)) else {
        return Err(bad("Dead letter target does not exist."));
    };
    if target.meta.is_fifo() != fifo {
        return Err(bad("Dead-letter queue must be same type of queue as the source."));
    }
    Ok(json!({"deadLetterTargetArn": arn, "maxReceiveCount": count}).to_string())
}

/// `{"redrivePermission": "allowAll"|"denyAll"|"byQueue", "sourceQueueArns": [...]}`.
fn redrive_allow_policy(value: &str) -> Result<String, AwsError> {
    if value.is_empty() {
        return Ok(String::new());
    }
    let bad = |reason: &str| errors::invalid_value(value, "RedriveAllowPolicy", reason);
    let Ok(Value::Object(policy)) = serde_json::from_str::<Value>(value) else {
        return Err(bad("Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format."));
    };
    let permission = policy.get("redrivePermission").and_then(Value::as_str);
    let arns = policy.get("sourceQueueArns");
    let mut out = Map::new();
    match permission {
        Some(p @ ("allowAll" | "denyAll")) => {
            if arns.is_some() {
                return Err(bad("Only byQueue redrivePermission can have a list of sourceQueueArns."));
            }
            out.insert("redrivePermission".into(), p.into());
        }
        Some("byQueue") => {
            let list: Option<Vec<&str>> = arns.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect());
            match list {
                Some(l) if !l.is_empty() && l.len() <= 10 => {
                    out.insert("redrivePermission".into(), "byQueue".into());
                    out.insert("sourceQueueArns".into(), json!(l));
                }
                _ => return Err(bad("byQueue redrivePermission needs a list of 1 to 10 sourceQueueArns.")),
            }
        }
        _ => return Err(bad("Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.")),
    }
    Ok(Value::Object(out).to_string())
}

/// Whether the queue named by `dlq` lets `source_arn` use it as its dead-letter queue.
pub fn redrive_allowed(dlq: &Queue, source_arn: &str) -> bool {
    let Some(policy) = dlq.meta.attributes.get("RedriveAllowPolicy").and_then(|p| serde_json::from_str::<Value>(p).ok()) else {
        return true;
    };
    match policy.get("redrivePermission").and_then(Value::as_str) {
        Some("denyAll") => false,
        Some("byQueue") => policy.get("sourceQueueArns").and_then(Value::as_array).is_some_and(|a| a.iter().any(|v| v.as_str() == Some(source_arn))),
        _ => true,
    }
}

/// The attributes GetQueueAttributes reports for `names` (`All` for every one).
pub fn report(cx: &Cx, queue: &Queue, names: &[&str]) -> Result<Map<String, Value>, AwsError> {
    for n in names {
        if *n != "All" && !SETTABLE.contains(n) && !COMPUTED.contains(n) {
            return Err(errors::invalid_attribute_name(n));
        }
    }
    let all = names.contains(&"All");
    let wanted = |n: &str| all || names.contains(&n);
    let (visible, in_flight, delayed) = queue.counts(cx.now_ms);
    let mut out = Map::new();
    let computed = [
        ("QueueArn", super::queue_arn(cx, queue.name())),
        ("ApproximateNumberOfMessages", visible.to_string()),
        ("ApproximateNumberOfMessagesNotVisible", in_flight.to_string()),
        ("ApproximateNumberOfMessagesDelayed", delayed.to_string()),
        ("CreatedTimestamp", (queue.meta.created_ms / 1000).to_string()),
        ("LastModifiedTimestamp", (queue.meta.modified_ms / 1000).to_string()),
    ];
    for (k, v) in computed {
        if wanted(k) {
            out.insert(k.into(), v.into());
        }
    }
    for (k, v) in &queue.meta.attributes {
        if wanted(k) {
            out.insert(k.clone(), v.clone().into());
        }
    }
    Ok(out)
}
