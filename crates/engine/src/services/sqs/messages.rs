//! Messages: SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch),
//! ChangeMessageVisibility(Batch); message attributes and their MD5 digest; dead-letter moves on
//! receive.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{
    digest, errors, fifo,
    input::Input,
    name_from_arn,
    queue::{parse_receipt_handle, receipt_handle, Attempt, Dedup, Message, MessageAttribute, MessageState, Queue, DEDUP_WINDOW_MS},
    queue_arn, Sqs,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Most entries in one batch request.
pub const MAX_BATCH: usize = 10;
/// Most bytes of all messages in one SendMessageBatch.
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Most message attributes on one message.
pub const MAX_MESSAGE_ATTRIBUTES: usize = 10;
/// The system attributes ReceiveMessage can return.
const SYSTEM_ATTRIBUTE_NAMES: &[&str] = &[
    "All",
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
];

/// Characters a message may hold: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to
/// #x10FFFF.
fn valid_chars(s: &str) -> bool {
    s.chars().all(|c| matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'))
}

fn decode_binary(v: &str) -> Result<Vec<u8>, AwsError> {
    base64::engine::general_purpose::STANDARD.decode(v).map_err(|_| AwsError::serialization("Binary value is not valid base64"))
}

fn valid_attribute_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.len() <= 256
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.")
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
}

/// A MessageAttributes (or MessageSystemAttributes) map, validated.
fn parse_attributes(map: Option<&Map<String, Value>>, system: bool) -> Result<BTreeMap<String, MessageAttribute>, AwsError> {
    let mut out = BTreeMap::new();
    let Some(map) = map else {
        return Ok(out);
    };
    if !system && map.len() > MAX_MESSAGE_ATTRIBUTES {
        return Err(errors::invalid_parameter(format!("Number of message attributes [{}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}].", map.len())));
    }
    for (name, v) in map {
        if system && name != "AWSTraceHeader" {
            return Err(errors::invalid_parameter(format!("Message system attribute name '{name}' is invalid.")));
        }
        if !system && !valid_attribute_name(name) {
            return Err(errors::invalid_parameter(format!("Message (user) attribute name '{name}' is invalid.")));
        }
        let a = Input(v.as_object().ok_or_else(|| AwsError::serialization(format!("Unexpected value type for attribute {name}")))?);
        let data_type = a.string("DataType")?.unwrap_or("");
        if data_type.is_empty() {
            return Err(errors::invalid_parameter(format!("The message attribute '{name}' must contain non-empty attribute type.")));
        }
        if a.list("StringListValues")?.is_some_and(|l| !l.is_empty()) || a.list("BinaryListValues")?.is_some_and(|l| !l.is_empty()) {
            return Err(errors::invalid_parameter("Message attribute list values in SendMessage operation are not supported."));
        }
        let base = data_type.split('.').next().unwrap_or("");
        if data_type.len() > 256 || !matches!(base, "String" | "Number" | "Binary") {
            return Err(errors::invalid_parameter(format!(
                "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
            )));
        }
        if system && data_type != "String" {
            return Err(errors::invalid_parameter(format!("The message system attribute '{name}' must be of type 'String'.")));
        }
        let (string_value, binary_value) = (a.string("StringValue")?, a.string("BinaryValue")?);
        let attribute = if base == "Binary" {
            match binary_value {
                Some(b) if !decode_binary(b)?.is_empty() => MessageAttribute { data_type: data_type.into(), string_value: None, binary_value: Some(b.into()) },
                _ if string_value.is_some() => return Err(errors::invalid_parameter(format!("The message attribute '{name}' with type 'Binary' must use field 'Binary'."))),
                _ => {
                    return Err(errors::invalid_parameter(format!(
                        "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{data_type}'."
                    )))
                }
            }
        } else {
            match string_value {
                Some(s) if !s.is_empty() => {
                    if !valid_chars(s) {
                        return Err(errors::invalid_parameter(format!("Message (user) attribute '{name}' value contains invalid characters.")));
                    }
                    if base == "Number" && !is_number(s) {
                        return Err(errors::invalid_parameter(format!("Can't cast the value of message (user) attribute '{name}' to a number.")));
                    }
                    MessageAttribute { data_type: data_type.into(), string_value: Some(s.into()), binary_value: None }
                }
                _ if binary_value.is_some() => return Err(errors::invalid_parameter(format!("The message attribute '{name}' with type '{base}' must use field 'String'."))),
                _ => {
                    return Err(errors::invalid_parameter(format!(
                        "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{data_type}'."
                    )))
                }
            }
        };
        out.insert(name.clone(), attribute);
    }
    Ok(out)
}

/// SQS numbers: an optional sign, digits with at most one decimal point, an optional exponent.
fn is_number(s: &str) -> bool {
    let s = s.trim();
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (s, None),
    };
    let digits = mantissa.replacen('.', "", 1);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && exponent.is_none_or(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
}

/// Bytes a message's attributes count towards its size: names, types and values.
fn attributes_size(attrs: &BTreeMap<String, MessageAttribute>) -> usize {
    attrs
        .iter()
        .map(|(n, a)| {
            let value = match (&a.string_value, &a.binary_value) {
                (Some(s), _) => s.len(),
                (_, Some(b)) => decode_binary(b).map(|v| v.len()).unwrap_or(0),
                _ => 0,
            };
            n.len() + a.data_type.len() + value
        })
        .sum()
}

/// The MD5 of message attributes as SQS computes it: for each attribute in name order, the
/// name, the data type, a transport byte (1 string, 2 binary) and the value, each string or value
/// preceded by its length as 4 bytes big-endian.
pub fn md5_of_attributes(attrs: &BTreeMap<String, MessageAttribute>) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    fn field(buf: &mut Vec<u8>, bytes: &[u8]) {
        buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        buf.extend_from_slice(bytes);
    }
    let mut buf = Vec::new();
    for (name, a) in attrs {
        field(&mut buf, name.as_bytes());
        field(&mut buf, a.data_type.as_bytes());
        match (&a.string_value, &a.binary_value) {
            (Some(s), _) => {
                buf.push(1);
                field(&mut buf, s.as_bytes());
            }
            (_, Some(b)) => {
                buf.push(2);
                field(&mut buf, &decode_binary(b).unwrap_or_default());
            }
            _ => {}
        }
    }
    Some(digest::md5_hex(&buf))
}

/// Sends one message (a SendMessage request or a SendMessageBatch entry) and returns the result
/// members: MessageId, MD5s, SequenceNumber.
fn send_one(queue: &mut Queue, cx: &mut Cx, entry: &Input) -> Result<Map<String, Value>, AwsError> {
    let region = cx.region.to_string();
    let body = entry.string("MessageBody")?.unwrap_or("");
    if body.is_empty() {
        return Err(errors::missing_parameter("MessageBody"));
    }
    if !valid_chars(body) {
        return Err(errors::invalid_message_contents());
    }
    let attrs = parse_attributes(entry.object("MessageAttributes")?, false)?;
    let system = parse_attributes(entry.object("MessageSystemAttributes")?, true)?;
    let max_size = queue.meta.number("MaximumMessageSize") as usize;
    if body.len() + attributes_size(&attrs) > max_size {
        return Err(errors::invalid_parameter(format!("One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes.")));
    }
    let fifo = queue.meta.is_fifo();
    let delay = entry.int("DelaySeconds")?;
    if let Some(d) = delay {
        if !(0..=900).contains(&d) {
            return Err(errors::invalid_value(d, "DelaySeconds", "DelaySeconds must be >= 0 and <= 900."));
        }
        if fifo && d != 0 {
            return Err(errors::invalid_value(d, "DelaySeconds", "The request include parameter that is not valid for this queue type."));
        }
    }
    let group = entry.string("MessageGroupId")?;
    let dedup = entry.string("MessageDeduplicationId")?;
    if let Some(g) = group {
        fifo::check_id(g, "MessageGroupId")?;
    }
    if let Some(d) = dedup {
        fifo::check_id(d, "MessageDeduplicationId")?;
    }
    let mut result = Map::new();
    result.insert("MD5OfMessageBody".into(), digest::md5_hex(body.as_bytes()).into());
    if let Some(md5) = md5_of_attributes(&attrs) {
        result.insert("MD5OfMessageAttributes".into(), md5.into());
    }
    if let Some(md5) = md5_of_attributes(&system) {
        result.insert("MD5OfMessageSystemAttributes".into(), md5.into());
    }
    let mut dedup_id = None;
    if fifo {
        let Some(g) = group else {
            return Err(errors::missing_parameter("MessageGroupId"));
        };
        let id = match dedup {
            Some(d) => d.to_string(),
            None if queue.meta.flag("ContentBasedDeduplication") => fifo::content_dedup_id(body),
            None => return Err(errors::invalid_parameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")),
        };
        // A duplicate within five minutes is accepted and answered as the first, but not queued.
        if let Some(d) = queue.dedup.get(&fifo::dedup_key(queue, &id, g)) {
            result.insert("MessageId".into(), d.message_id.clone().into());
            if let Some(s) = &d.sequence_number {
                result.insert("SequenceNumber".into(), s.clone().into());
            }
            return Ok(result);
        }
        dedup_id = Some(id);
    } else if let Some(d) = dedup {
        return Err(errors::invalid_value(d, "MessageDeduplicationId", "The request include parameter that is not valid for this queue type."));
    }
    let delay_s = delay.unwrap_or_else(|| queue.meta.number("DelaySeconds"));
    let seq = queue.take_seq();
    let sequence_number = fifo.then(|| fifo::sequence_number(seq));
    let message = Message {
        id: cx.rng.uuid(),
        body: body.to_string(),
        md5_body: digest::md5_hex(body.as_bytes()),
        attributes: attrs,
        trace_header: system.get("AWSTraceHeader").and_then(|a| a.string_value.clone()),
        sender_id: cx.account.id.clone(),
        sent_ms: cx.now_ms,
        visible_ms: cx.now_ms + delay_s * 1000,
        receive_count: 0,
        first_receive_ms: None,
        received_ms: None,
        receipt: None,
        group_id: group.map(str::to_string),
        dedup_id: dedup_id.clone(),
        sequence_number: sequence_number.clone(),
        dlq_source_arn: None,
    };
    result.insert("MessageId".into(), message.id.clone().into());
    if let Some(s) = &sequence_number {
        result.insert("SequenceNumber".into(), s.clone().into());
    }
    if let (Some(id), Some(g)) = (dedup_id, group) {
        let key = fifo::dedup_key(queue, &id, g);
        let record = Dedup { expires_ms: cx.now_ms + DEDUP_WINDOW_MS, message_id: message.id.clone(), sequence_number };
        cx.journal.put_json(super::queue::dedup_key(&region, queue.name(), &key), &record);
        queue.dedup.insert(key, record);
    }
    queue.messages.insert(seq, message);
    queue.put_message(cx.journal, &region, seq);
    queue.put_meta(cx.journal, &region);
    Ok(result)
}

pub fn send_message(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let queue = sqs.queue_by_url(cx, input)?;
    send_one(queue, cx, input).map(Value::Object)
}

/// The checks every batch request makes before any entry runs.
fn check_batch(entries: &[Input], entry_shape: &str) -> Result<(), AwsError> {
    if entries.is_empty() {
        return Err(errors::empty_batch(entry_shape));
    }
    if entries.len() > MAX_BATCH {
        return Err(errors::too_many_entries(entries.len()));
    }
    let mut seen = BTreeSet::new();
    for e in entries {
        let id = e.string("Id")?.ok_or_else(|| errors::missing_parameter("Id"))?;
        if id.is_empty() || id.len() > 80 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(errors::invalid_batch_entry_id());
        }
        if !seen.insert(id) {
            return Err(errors::ids_not_distinct(id));
        }
    }
    Ok(())
}

fn failed(id: &str, e: &AwsError) -> Value {
    json!({ "Id": id, "SenderFault": e.status < 500, "Code": errors::batch_code(e), "Message": e.message })
}

/// Runs each entry of a batch; an entry that fails is reported in `Failed` and changes nothing.
fn run_batch(entries: &[Input], mut each: impl FnMut(&Input) -> Result<Map<String, Value>, AwsError>) -> Value {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for e in entries {
        let id = e.string("Id").ok().flatten().unwrap_or_default();
        match each(e) {
            Ok(mut result) => {
                let mut entry = Map::new();
                entry.insert("Id".into(), id.into());
                entry.append(&mut result);
                ok.push(Value::Object(entry));
            }
            Err(err) => bad.push(failed(id, &err)),
        }
    }
    json!({ "Successful": ok, "Failed": bad })
}

pub fn send_message_batch(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let entries = input.entries("Entries")?;
    let queue = sqs.queue_by_url(cx, input)?;
    check_batch(&entries, "SendMessageBatchRequestEntry")?;
    let mut total = 0;
    for e in &entries {
        total += e.string("MessageBody")?.map_or(0, str::len);
        if let Some(m) = e.object("MessageAttributes")? {
            // Sized as sent (binary values decoded where they decode).
            let attrs: BTreeMap<String, MessageAttribute> =
                m.iter().filter_map(|(k, v)| serde_json::from_value::<MessageAttribute>(v.clone()).ok().map(|a| (k.clone(), a))).collect();
            total += attributes_size(&attrs);
        }
    }
    if total > MAX_BATCH_BYTES {
        return Err(errors::batch_too_long(MAX_BATCH_BYTES, total));
    }
    Ok(run_batch(&entries, |e| send_one(queue, cx, e)))
}

/// The receipt handle's message in `queue`, or the error AWS gives for a handle that is not one.
fn receipt_of(queue: &Queue, handle: &str) -> Result<(u64, String), AwsError> {
    match parse_receipt_handle(handle) {
        Some((name, seq, nonce)) if name == queue.name() => Ok((seq, nonce)),
        _ => Err(errors::receipt_handle_invalid(handle)),
    }
}

fn delete_one(queue: &mut Queue, cx: &mut Cx, handle: &str) -> Result<Map<String, Value>, AwsError> {
    let region = cx.region.to_string();
    let (seq, nonce) = receipt_of(queue, handle)?;
    let Some(m) = queue.messages.get(&seq) else {
        // Deleted already: deleting again succeeds.
        return Ok(Map::new());
    };
    let current = m.receipt.as_deref() == Some(nonce.as_str());
    if queue.meta.is_fifo() {
        if !current || m.state(cx.now_ms) != MessageState::InFlight {
            return Err(errors::invalid_value(handle, "ReceiptHandle", "The receipt handle has expired."));
        }
    } else if !current {
        // Standard queues: an older receipt handle of a message received again succeeds, but
        // does not delete the message.
        return Ok(Map::new());
    }
    queue.remove_message(cx.journal, &region, seq);
    Ok(Map::new())
}

pub fn delete_message(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let handle = input.required_string("ReceiptHandle")?;
    let queue = sqs.queue_by_url(cx, input)?;
    delete_one(queue, cx, handle).map(Value::Object)
}

pub fn delete_message_batch(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let entries = input.entries("Entries")?;
    let queue = sqs.queue_by_url(cx, input)?;
    check_batch(&entries, "DeleteMessageBatchRequestEntry")?;
    Ok(run_batch(&entries, |e| {
        let handle = e.required_string("ReceiptHandle")?;
        delete_one(queue, cx, handle)
    }))
}

fn change_one(queue: &mut Queue, cx: &mut Cx, handle: &str, timeout: Option<i64>) -> Result<Map<String, Value>, AwsError> {
    let region = cx.region.to_string();
    let Some(timeout) = timeout else {
        return Err(errors::missing_parameter("VisibilityTimeout"));
    };
    if !(0..=43_200).contains(&timeout) {
        return Err(errors::invalid_value(timeout, "VisibilityTimeout", "Must be between 0 and 43200, if provided."));
    }
    let (seq, nonce) = receipt_of(queue, handle)?;
    let now = cx.now_ms;
    let not_available = || errors::invalid_value(handle, "ReceiptHandle", "Message does not exist or is not available for visibility timeout change.");
    let m = queue.messages.get_mut(&seq).ok_or_else(not_available)?;
    if m.receipt.as_deref() != Some(nonce.as_str()) || m.state(now) != MessageState::InFlight {
        return Err(not_available());
    }
    if now + timeout * 1000 - m.received_ms.unwrap_or(now) > 43_200_000 {
        return Err(errors::invalid_value(timeout, "VisibilityTimeout", "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"));
    }
    m.visible_ms = now + timeout * 1000;
    queue.put_message(cx.journal, &region, seq);
    Ok(Map::new())
}

pub fn change_message_visibility(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let handle = input.required_string("ReceiptHandle")?;
    let timeout = input.int("VisibilityTimeout")?;
    let queue = sqs.queue_by_url(cx, input)?;
    change_one(queue, cx, handle, timeout).map(Value::Object)
}

pub fn change_message_visibility_batch(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let entries = input.entries("Entries")?;
    let queue = sqs.queue_by_url(cx, input)?;
    check_batch(&entries, "ChangeMessageVisibilityBatchRequestEntry")?;
    Ok(run_batch(&entries, |e| {
        let handle = e.required_string("ReceiptHandle")?;
        change_one(queue, cx, handle, e.int("VisibilityTimeout")?)
    }))
}

/// What a receive asks to see of each message.
struct View<'a> {
    system: Vec<&'a str>,
    user: Vec<&'a str>,
}

impl View<'_> {
    fn render(&self, queue: &str, seq: u64, m: &Message) -> Value {
        let mut out = Map::new();
        out.insert("MessageId".into(), m.id.clone().into());
        out.insert("ReceiptHandle".into(), receipt_handle(queue, seq, m.receipt.as_deref().unwrap_or_default()).into());
        out.insert("MD5OfBody".into(), m.md5_body.clone().into());
        out.insert("Body".into(), m.body.clone().into());
        let all = self.system.contains(&"All");
        let mut attrs = Map::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(v) = value.filter(|_| all || self.system.contains(&name)) {
                attrs.insert(name.into(), v.into());
            }
        };
        put("SenderId", Some(m.sender_id.clone()));
        put("SentTimestamp", Some(m.sent_ms.to_string()));
        put("ApproximateReceiveCount", Some(m.receive_count.to_string()));
        put("ApproximateFirstReceiveTimestamp", m.first_receive_ms.map(|t| t.to_string()));
        put("SequenceNumber", m.sequence_number.clone());
        put("MessageDeduplicationId", m.dedup_id.clone());
        put("MessageGroupId", m.group_id.clone());
        put("AWSTraceHeader", m.trace_header.clone());
        put("DeadLetterQueueSourceArn", m.dlq_source_arn.clone());
        if !attrs.is_empty() {
            out.insert("Attributes".into(), Value::Object(attrs));
        }
        let wanted = |name: &str| {
            self.user.iter().any(|w| match *w {
                "All" | ".*" => true,
                w => match w.strip_suffix('*') {
                    Some(prefix) if prefix.ends_with('.') => name.starts_with(prefix),
                    _ => w == name,
                },
            })
        };
        let user: BTreeMap<String, MessageAttribute> = m.attributes.iter().filter(|(n, _)| wanted(n)).map(|(n, a)| (n.clone(), a.clone())).collect();
        if let Some(md5) = md5_of_attributes(&user) {
            out.insert("MD5OfMessageAttributes".into(), md5.into());
            out.insert("MessageAttributes".into(), serde_json::to_value(&user).unwrap_or_default());
        }
        Value::Object(out)
    }
}

pub fn receive_message(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let max = input.int("MaxNumberOfMessages")?;
    if let Some(n) = max.filter(|n| !(1..=10).contains(n)) {
        return Err(errors::invalid_value(n, "MaxNumberOfMessages", "Must be between 1 and 10, if provided."));
    }
    let visibility = input.int("VisibilityTimeout")?;
    if let Some(v) = visibility.filter(|v| !(0..=43_200).contains(v)) {
        return Err(errors::invalid_value(v, "VisibilityTimeout", "Must be >= 0 and <= 43200, if provided."));
    }
    if let Some(w) = input.int("WaitTimeSeconds")?.filter(|w| !(0..=20).contains(w)) {
        return Err(errors::invalid_value(w, "WaitTimeSeconds", "Must be >= 0 and <= 20, if provided."));
    }
    let mut system = input.strings("AttributeNames")?;
    system.extend(input.strings("MessageSystemAttributeNames")?);
    if let Some(bad) = system.iter().find(|n| !SYSTEM_ATTRIBUTE_NAMES.contains(n)) {
        return Err(errors::invalid_attribute_name(bad));
    }
    let view = View { system, user: input.strings("MessageAttributeNames")? };
    let attempt_id = input.string("ReceiveRequestAttemptId")?;
    if let Some(a) = attempt_id {
        fifo::check_id(a, "ReceiveRequestAttemptId")?;
    }
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let name = sqs.queue_by_url(cx, input)?.name().to_string();
    let source_arn = queue_arn(cx, &name);
    let state = sqs.region_mut(&region);
    let Some(queue) = state.queues.get(&name) else {
        return Err(errors::queue_does_not_exist());
    };
    let fifo = queue.meta.is_fifo();
    let max = max.unwrap_or(1) as usize;
    let visibility_ms = visibility.unwrap_or_else(|| queue.meta.number("VisibilityTimeout")) * 1000;
    let attempt_id = attempt_id.filter(|_| fifo);

    // A FIFO receive retried with its ReceiveRequestAttemptId while its messages are still in
    // flight gets the same messages and receipt handles.
    if let Some(a) = attempt_id.and_then(|id| queue.attempts.get(id)) {
        let same = a.taken.iter().all(|(seq, nonce)| queue.messages.get(seq).is_some_and(|m| m.receipt.as_deref() == Some(nonce) && m.state(now) == MessageState::InFlight));
        if same && !a.taken.is_empty() {
            let messages: Vec<Value> = a.taken.iter().filter_map(|(seq, _)| queue.messages.get(seq).map(|m| view.render(&name, *seq, m))).collect();
            return Ok(json!({ "Messages": messages }));
        }
    }

    // Dead-letter queue: the RedrivePolicy's target, if it exists.
    let redrive =
        queue.meta.redrive().and_then(|(arn, max)| name_from_arn(cx, &arn).filter(|d| *d != name.as_str() && state.queues.contains_key(*d)).map(|d| (d.to_string(), max)));
    let max_receives = redrive.as_ref().map(|(_, m)| *m);
    let (take, to_dlq) = if fifo {
        fifo::select(queue, now, max, max_receives)
    } else {
        let (mut take, mut to_dlq) = (Vec::new(), Vec::new());
        for (seq, m) in queue.messages.iter().filter(|(_, m)| m.state(now) == MessageState::Visible) {
            if take.len() >= max {
                break;
            }
            if max_receives.is_some_and(|limit| m.receive_count >= limit) {
                to_dlq.push(*seq);
            } else {
                take.push(*seq);
            }
        }
        (take, to_dlq)
    };

    // Messages received maxReceiveCount times move to the dead-letter queue on this receive.
    if let Some((dlq_name, _)) = &redrive {
        let Some(queue) = state.queues.get_mut(&name) else {
            return Err(errors::queue_does_not_exist());
        };
        let moved: Vec<Message> = to_dlq.iter().filter_map(|seq| queue.remove_message(cx.journal, &region, *seq)).collect();
        if let Some(dlq) = state.queues.get_mut(dlq_name) {
            for mut m in moved {
                dead_letter(dlq, cx, &region, &mut m, &source_arn);
            }
        }
    }

    let Some(queue) = state.queues.get_mut(&name) else {
        return Err(errors::queue_does_not_exist());
    };
    let mut messages = Vec::with_capacity(take.len());
    let mut taken = Vec::with_capacity(take.len());
    for seq in take {
        let nonce = cx.rng.token(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32);
        let Some(m) = queue.messages.get_mut(&seq) else {
            continue;
        };
        m.receive_count += 1;
        m.first_receive_ms.get_or_insert(now);
        m.received_ms = Some(now);
        m.receipt = Some(nonce.clone());
        m.visible_ms = now + visibility_ms;
        messages.push(view.render(&name, seq, m));
        taken.push((seq, nonce));
        queue.put_message(cx.journal, &region, seq);
    }
    if let Some(id) = attempt_id {
        let record = Attempt { expires_ms: now + DEDUP_WINDOW_MS, taken };
        cx.journal.put_json(super::queue::attempt_key(&region, &name, id), &record);
        queue.attempts.insert(id.to_string(), record);
    }
    if messages.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({ "Messages": messages }))
}

/// Puts a message that left `source_arn`'s queue into its dead-letter queue: same MessageId,
/// body and attributes; a standard queue keeps its enqueue time, a FIFO queue resets it.
pub fn dead_letter(dlq: &mut Queue, cx: &mut Cx, region: &str, m: &mut Message, source_arn: &str) {
    let seq = dlq.take_seq();
    m.dlq_source_arn = Some(source_arn.to_string());
    m.receipt = None;
    m.received_ms = None;
    m.visible_ms = cx.now_ms;
    if dlq.meta.is_fifo() {
        m.sent_ms = cx.now_ms;
        m.sequence_number = Some(fifo::sequence_number(seq));
    }
    dlq.messages.insert(seq, m.clone());
    dlq.put_message(cx.journal, region, seq);
    dlq.put_meta(cx.journal, region);
}
