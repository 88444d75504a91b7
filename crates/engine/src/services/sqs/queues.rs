//! Queues: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, GetQueueAttributes,
//! SetQueueAttributes, PurgeQueue, tags and ListDeadLetterSourceQueues.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{
    attributes, errors,
    input::Input,
    queue::{queue_key, Queue, QueueMeta},
    queue_arn, queue_url, Sqs, DELETED_RECENTLY_MS,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Most tags a queue may carry.
pub const MAX_TAGS: usize = 50;

/// Queue names: 1 to 80 alphanumerics, hyphens and underscores; a FIFO queue's ends in `.fifo`
/// (counted in the 80).
fn check_name(name: &str, fifo: bool) -> Result<(), AwsError> {
    let base = name.strip_suffix(".fifo");
    let valid = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let ok = name.len() <= 80
        && match (fifo, base) {
            (true, Some(b)) => valid(b),
            (false, None) => valid(name),
            _ => false,
        };
    if ok {
        Ok(())
    } else if fifo {
        Err(errors::invalid_parameter(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
        ))
    } else {
        Err(errors::invalid_parameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"))
    }
}

fn check_tags(tags: &[(&str, &str)]) -> Result<(), AwsError> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(errors::invalid_parameter(format!("Tag keys must be between 1 and 128 characters in length: {k}")));
        }
        if v.chars().count() > 256 {
            return Err(errors::invalid_parameter(format!("Tag values may only be up to 256 characters in length: {v}")));
        }
    }
    Ok(())
}

pub fn create_queue(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("QueueName")?;
    let given = input.string_map("Attributes")?;
    let tags = input.string_map("tags")?;
    let fifo = match given.iter().find(|(k, _)| *k == "FifoQueue") {
        Some((_, v)) if v.eq_ignore_ascii_case("true") => true,
        Some((_, v)) if v.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(errors::invalid_attribute_value("FifoQueue")),
        None => false,
    };
    check_name(name, fifo)?;
    check_tags(&tags)?;
    if tags.len() > MAX_TAGS {
        return Err(errors::invalid_parameter(format!("Too many tags added for queue {name}.")));
    }
    let region_name = cx.region.to_string();
    let region = sqs.region_mut(&region_name);
    let mut normalised = Vec::with_capacity(given.len());
    for (k, v) in &given {
        normalised.push((k.to_string(), attributes::validate(cx, region, fifo, true, k, v)?));
    }
    if let Some(existing) = region.queues.get(name) {
        // Same name: the same queue if every attribute given has the value the queue has.
        for (k, v) in &normalised {
            let current = existing.meta.attributes.get(k).map(String::as_str).unwrap_or(if k == "FifoQueue" { "false" } else { "" });
            if current != v {
                return Err(errors::queue_name_exists(k));
            }
        }
        return Ok(json!({ "QueueUrl": queue_url(cx, name) }));
    }
    region.deleted.retain(|deleted, at| {
        let keep = cx.now_ms - *at < DELETED_RECENTLY_MS;
        if !keep {
            cx.journal.delete(format!("sqs/{region_name}/deleted/{deleted}"));
        }
        keep
    });
    if region.deleted.contains_key(name) {
        return Err(errors::queue_deleted_recently());
    }
    let mut attrs = attributes::defaults(fifo);
    let kms = normalised.iter().any(|(k, v)| k == "KmsMasterKeyId" && !v.is_empty());
    if kms {
        attrs.insert("SqsManagedSseEnabled".into(), "false".into());
        attrs.insert("KmsDataKeyReusePeriodSeconds".into(), "300".into());
    }
    for (k, v) in normalised {
        if v.is_empty() || (k == "FifoQueue" && v == "false") {
            continue;
        }
        attrs.insert(k, v);
    }
    let meta = QueueMeta {
        name: name.to_string(),
        created_ms: cx.now_ms,
        modified_ms: cx.now_ms,
        attributes: attrs,
        tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        next_seq: 1,
        purged_ms: None,
    };
    cx.journal.put_json(queue_key(&region_name, name), &meta);
    region.queues.insert(name.to_string(), Queue::new(meta));
    Ok(json!({ "QueueUrl": queue_url(cx, name) }))
}

pub fn get_queue_url(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.required_string("QueueName")?;
    if let Some(owner) = input.string("QueueOwnerAWSAccountId")? {
        if owner != cx.account.id {
            return Err(errors::queue_does_not_exist());
        }
    }
    match sqs.region(cx.region).and_then(|r| r.queues.get(name)) {
        Some(_) => Ok(json!({ "QueueUrl": queue_url(cx, name) })),
        None => Err(errors::queue_does_not_exist()),
    }
}

fn max_results(input: &Input) -> Result<Option<usize>, AwsError> {
    match input.int("MaxResults")? {
        None => Ok(None),
        Some(n) if (1..=1000).contains(&n) => Ok(Some(n as usize)),
        Some(n) => Err(errors::invalid_value(n, "MaxResults", "MaxResults must be an integer between 1 and 1000.")),
    }
}

fn encode_token(last: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(json!({ "after": last }).to_string())
}

fn decode_token(token: &str) -> Result<String, AwsError> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v.get("after").and_then(Value::as_str).map(str::to_string))
        .ok_or_else(|| errors::invalid_parameter("Invalid or expired next token."))
}

/// One page of queue names (in name order), and the token for the next if there is more.
fn page<'a>(names: impl Iterator<Item = &'a String>, input: &Input) -> Result<(Vec<&'a String>, Option<String>), AwsError> {
    let max = max_results(input)?;
    let after = input.string("NextToken")?.map(decode_token).transpose()?;
    let mut names: Vec<&String> = names.filter(|n| after.as_ref().is_none_or(|a| n.as_str() > a.as_str())).collect();
    let limit = max.unwrap_or(1000);
    let more = names.len() > limit;
    names.truncate(limit);
    // Without MaxResults, AWS answers at most 1,000 URLs and no token.
    let token = (more && max.is_some()).then(|| names.last().map(|n| encode_token(n))).flatten();
    Ok((names, token))
}

pub fn list_queues(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let prefix = input.string("QueueNamePrefix")?.unwrap_or("");
    let empty = Default::default();
    let queues = sqs.region(cx.region).map_or(&empty, |r| &r.queues);
    let (names, token) = page(queues.keys().filter(|n| n.starts_with(prefix)), input)?;
    let mut out = Map::new();
    if !names.is_empty() {
        out.insert("QueueUrls".into(), names.iter().map(|n| queue_url(cx, n)).collect());
    }
    if let Some(t) = token {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

pub fn delete_queue(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = sqs.queue_by_url(cx, input)?.name().to_string();
    let region_name = cx.region.to_string();
    let region = sqs.region_mut(&region_name);
    region.queues.remove(&name);
    region.deleted.insert(name.clone(), cx.now_ms);
    cx.journal.delete(queue_key(&region_name, &name));
    cx.journal.delete_prefix(format!("{}/", queue_key(&region_name, &name)));
    cx.journal.put_json(format!("sqs/{region_name}/deleted/{name}"), &cx.now_ms);
    Ok(json!({}))
}

pub fn get_queue_attributes(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let names = input.strings("AttributeNames")?;
    let queue = sqs.queue_by_url(cx, input)?;
    let attrs = attributes::report(cx, queue, &names)?;
    if attrs.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({ "Attributes": attrs }))
}

pub fn set_queue_attributes(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let given = input.string_map("Attributes")?;
    if input.object("Attributes")?.is_none() {
        return Err(errors::missing_parameter("Attributes"));
    }
    let region_name = cx.region.to_string();
    let name = sqs.queue_by_url(cx, input)?.name().to_string();
    let source_arn = queue_arn(cx, &name);
    let region = sqs.region_mut(&region_name);
    let fifo = region.queues.get(&name).is_some_and(|q| q.meta.is_fifo());
    let mut changes = Vec::with_capacity(given.len());
    for (k, v) in &given {
        let v = attributes::validate(cx, region, fifo, false, k, v)?;
        if *k == "RedrivePolicy" && !v.is_empty() {
            let target = serde_json::from_str::<Value>(&v).ok().and_then(|p| p["deadLetterTargetArn"].as_str().map(str::to_string)).unwrap_or_default();
            let dlq = super::name_from_arn(cx, &target).and_then(|n| region.queues.get(n));
            if dlq.is_some_and(|d| !attributes::redrive_allowed(d, &source_arn)) {
                return Err(errors::invalid_value(&v, "RedrivePolicy", &format!("Queue {target} does not allow this queue to use it as a dead-letter queue.")));
            }
        }
        changes.push((k.to_string(), v));
    }
    let Some(queue) = region.queues.get_mut(&name) else {
        return Err(errors::queue_does_not_exist());
    };
    for (k, v) in changes {
        if v.is_empty() && matches!(k.as_str(), "Policy" | "RedrivePolicy" | "RedriveAllowPolicy" | "KmsMasterKeyId") {
            queue.meta.attributes.remove(&k);
        } else {
            queue.meta.attributes.insert(k, v);
        }
    }
    queue.meta.modified_ms = cx.now_ms;
    queue.put_meta(cx.journal, &region_name);
    Ok(json!({}))
}

/// PurgeQueue deletes every message at once; a second purge within 60 s is refused.
pub fn purge_queue(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let region = cx.region.to_string();
    let now = cx.now_ms;
    let queue = sqs.queue_by_url(cx, input)?;
    if queue.meta.purged_ms.is_some_and(|at| now - at < 60_000) {
        return Err(errors::purge_in_progress(queue.name()));
    }
    let seqs: Vec<u64> = queue.messages.keys().copied().collect();
    for seq in seqs {
        queue.remove_message(cx.journal, &region, seq);
    }
    queue.meta.purged_ms = Some(now);
    queue.put_meta(cx.journal, &region);
    Ok(json!({}))
}

pub fn tag_queue(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let tags = input.string_map("Tags")?;
    if input.object("Tags")?.is_none() {
        return Err(errors::missing_parameter("Tags"));
    }
    check_tags(&tags)?;
    let region = cx.region.to_string();
    let queue = sqs.queue_by_url(cx, input)?;
    let mut merged = queue.meta.tags.clone();
    for (k, v) in tags {
        merged.insert(k.to_string(), v.to_string());
    }
    if merged.len() > MAX_TAGS {
        return Err(errors::invalid_parameter(format!("Too many tags added for queue {}.", queue.name())));
    }
    queue.meta.tags = merged;
    queue.put_meta(cx.journal, &region);
    Ok(json!({}))
}

pub fn untag_queue(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let keys = input.strings("TagKeys")?;
    if input.list("TagKeys")?.is_none() {
        return Err(errors::missing_parameter("TagKeys"));
    }
    let region = cx.region.to_string();
    let queue = sqs.queue_by_url(cx, input)?;
    for k in keys {
        queue.meta.tags.remove(k);
    }
    queue.put_meta(cx.journal, &region);
    Ok(json!({}))
}

pub fn list_queue_tags(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let queue = sqs.queue_by_url(cx, input)?;
    if queue.meta.tags.is_empty() {
        return Ok(json!({}));
    }
    Ok(json!({ "Tags": queue.meta.tags }))
}

/// The queues whose RedrivePolicy names this queue.
pub fn list_dead_letter_source_queues(sqs: &mut Sqs, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let dlq = sqs.queue_by_url(cx, input)?.name().to_string();
    let arn = queue_arn(cx, &dlq);
    let empty = Default::default();
    let queues = sqs.region(cx.region).map_or(&empty, |r| &r.queues);
    let sources = queues.iter().filter(|(_, q)| q.meta.redrive().is_some_and(|(target, _)| target == arn)).map(|(n, _)| n);
    let (names, token) = page(sources, input)?;
    let mut out = Map::new();
    out.insert("queueUrls".into(), names.iter().map(|n| queue_url(cx, n)).collect());
    if let Some(t) = token {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}
