//! The stream control plane: CreateStream, DeleteStream, DescribeStream(Summary), ListStreams,
//! ListShards, retention, tags.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as TOKEN, Engine as _};
use serde_json::{json, Value};

use super::{errors, input, stream, stream::StreamMeta, stream_arn, Kinesis, Stream, TRANSITION_MS};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::lambda::errors::Validation,
};

pub const MIN_RETENTION_HOURS: i64 = 24;
pub const MAX_RETENTION_HOURS: i64 = 8760;
/// An on-demand stream starts with four shards.
pub const ON_DEMAND_SHARDS: u32 = 4;
pub const MAX_TAGS: usize = 50;

/// The account's shard quota in a region: 500 in US East (N. Virginia), US West (Oregon) and
/// Europe (Ireland), 200 elsewhere.
pub fn shard_limit(region: &str) -> u32 {
    if matches!(region, "us-east-1" | "us-west-2" | "eu-west-1") {
        500
    } else {
        200
    }
}

/// `Stream X under account Y not ACTIVE, instead in state CREATING`.
pub fn not_active(cx: &Cx, s: &Stream) -> AwsError {
    errors::resource_in_use(format!("Stream {} under account {} not ACTIVE, instead in state {}", s.meta.name, cx.account.id, s.meta.status))
}

fn require_active(cx: &Cx, s: &Stream) -> Result<(), AwsError> {
    if s.meta.status == "ACTIVE" {
        Ok(())
    } else {
        Err(not_active(cx, s))
    }
}

fn save(cx: &mut Cx, meta: &StreamMeta) {
    cx.journal.put_json(stream::stream_key(cx.region, &meta.name), meta);
}

fn tag_map(v: &mut Validation, input: &Value, member: &str, path: &str, max_entries: usize) -> Vec<(String, String)> {
    let Some(m) = input.get(member).filter(|t| !t.is_null()) else { return Vec::new() };
    let Some(m) = m.as_object() else {
        v.serialization(format!("Unexpected value type for {member}: expected a map of strings"));
        return Vec::new();
    };
    if m.len() > max_entries {
        v.raw(format!("Value '{{{}}}' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max_entries}", m.len()));
    }
    if m.is_empty() {
        v.raw(format!("Value '{{}}' at '{path}' failed to satisfy constraint: Member must have length greater than or equal to 1"));
    }
    let mut out = Vec::new();
    for (k, val) in m {
        let Some(val) = val.as_str() else {
            v.serialization(format!("Unexpected value type for {member}: expected a map of strings"));
            continue;
        };
        if k.is_empty() || k.chars().count() > 128 {
            v.raw(format!("Value '{k}' at '{path}' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"));
        }
        if val.chars().count() > 256 {
            v.raw(format!("Value '{val}' at '{path}.{k}' failed to satisfy constraint: Member must have length less than or equal to 256"));
        }
        out.push((k.clone(), val.to_string()));
    }
    out
}

pub fn create_stream(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = input::name(&mut v, input, "StreamName", "streamName", true);
    let shards = v.integer(input, "ShardCount", "shardCount", 1, 100_000);
    let mode = match input.get("StreamModeDetails").filter(|m| !m.is_null()) {
        None => None,
        Some(m) => {
            let mode = v.required_string(m, "StreamMode", "streamModeDetails.streamMode", 0, usize::MAX);
            if let Some(s) = &mode {
                if s != "PROVISIONED" && s != "ON_DEMAND" {
                    v.constraint(Some(s), "streamModeDetails.streamMode", "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]");
                }
            }
            mode
        }
    };
    let tags = tag_map(&mut v, input, "Tags", "tags", MAX_TAGS);
    v.finish()?;
    for member in ["WarmThroughputMiBps", "MaxRecordSizeInKiB"] {
        if input.get(member).is_some_and(|m| !m.is_null()) {
            return Err(errors::unsupported(member));
        }
    }
    let name = name.unwrap_or_default();
    let mode = mode.unwrap_or_else(|| "PROVISIONED".into());
    let shard_count = match (mode.as_str(), shards) {
        ("ON_DEMAND", Some(_)) => return Err(errors::validation("ShardCount must not be specified for a stream in ON_DEMAND mode.")),
        ("ON_DEMAND", None) => ON_DEMAND_SHARDS,
        (_, Some(n)) => n,
        (_, None) => return Err(errors::validation("ShardCount is required for a stream in PROVISIONED mode.")),
    };
    let region = cx.region.to_string();
    let state = k.region_mut(&region);
    if state.streams.contains_key(&name) {
        return Err(errors::stream_exists(&name, &cx.account.id));
    }
    let in_use: u32 = state.streams.values().map(|s| s.meta.shard_count).sum();
    let limit = shard_limit(&region);
    if in_use + shard_count > limit {
        return Err(errors::limit_exceeded(format!(
            "This request would exceed the shard limit for the account {} in {region}. Current shard count for the account: {in_use}. Limit: {limit}. Number of additional shards that would have resulted from this request: {shard_count}. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
            cx.account.id
        )));
    }
    let meta = StreamMeta {
        arn: stream_arn(cx, &name),
        name: name.clone(),
        status: "CREATING".into(),
        mode,
        created_ms: cx.now_ms,
        retention_hours: MIN_RETENTION_HOURS as u32,
        shard_count,
        tags: tags.into_iter().collect(),
        consumers: Vec::new(),
    };
    cx.journal.put_json(stream::stream_key(&region, &name), &meta);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({ "stream": name, "created": meta.created_ms, "do": "activate" }));
    k.region_mut(&region).streams.insert(name, Stream::new(meta));
    Ok(json!({}))
}

pub fn delete_stream(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let enforce = v.boolean(input, "EnforceConsumerDeletion").unwrap_or(false);
    let name = input::stream_name(cx, input, v)?;
    let account = cx.account.id.clone();
    let s = k.stream_mut(cx, &name)?;
    if s.meta.status == "DELETING" {
        return Err(errors::stream_not_found(&name, &account));
    }
    if s.meta.status == "CREATING" {
        return Err(errors::resource_in_use(format!("Stream {name} under account {account} not ACTIVE, instead in state CREATING")));
    }
    if !enforce && !s.meta.consumers.is_empty() {
        return Err(errors::resource_in_use(format!(
            "Stream {name} under account {account} has registered consumers. Use EnforceConsumerDeletion to delete the stream with its consumers."
        )));
    }
    s.meta.status = "DELETING".into();
    let created = s.meta.created_ms;
    let snapshot = s.meta.clone();
    save(cx, &snapshot);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({ "stream": name, "created": created, "do": "delete" }));
    Ok(json!({}))
}

fn mode_details(s: &Stream) -> Value {
    json!({ "StreamMode": s.meta.mode })
}

pub fn describe_stream(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let limit = v.integer(input, "Limit", "limit", 1, 10_000).unwrap_or(100) as usize;
    let start = v.string(input, "ExclusiveStartShardId", "exclusiveStartShardId", 1, 128);
    let name = input::stream_name(cx, input, v)?;
    let s = k.stream_mut(cx, &name)?;
    let from = start.as_deref().map_or(0, |id| stream::shard_index(id).map_or(usize::MAX, |i| i + 1));
    let count = s.meta.shard_count as usize;
    let shards: Vec<Value> = (from.min(count)..count).take(limit).map(|i| s.shard_json(i)).collect();
    let more = from.min(count) + shards.len() < count;
    Ok(json!({ "StreamDescription": {
        "StreamName": s.meta.name,
        "StreamARN": s.meta.arn,
        "StreamStatus": s.meta.status,
        "StreamModeDetails": mode_details(s),
        "Shards": shards,
        "HasMoreShards": more,
        "RetentionPeriodHours": s.meta.retention_hours,
        "StreamCreationTimestamp": s.meta.created_ms as f64 / 1000.0,
        "EnhancedMonitoring": [{ "ShardLevelMetrics": [] }],
        "EncryptionType": "NONE",
    }}))
}

pub fn describe_stream_summary(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = input::stream_name(cx, input, Validation::default())?;
    let s = k.stream_mut(cx, &name)?;
    Ok(json!({ "StreamDescriptionSummary": {
        "StreamName": s.meta.name,
        "StreamARN": s.meta.arn,
        "StreamStatus": s.meta.status,
        "StreamModeDetails": mode_details(s),
        "RetentionPeriodHours": s.meta.retention_hours,
        "StreamCreationTimestamp": s.meta.created_ms as f64 / 1000.0,
        "EnhancedMonitoring": [{ "ShardLevelMetrics": [] }],
        "EncryptionType": "NONE",
        "OpenShardCount": s.meta.shard_count,
        "ConsumerCount": s.meta.consumers.len(),
    }}))
}

fn decode_token(token: &str) -> Option<String> {
    TOKEN.decode(token).ok().and_then(|b| String::from_utf8(b).ok())
}

pub fn list_streams(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let limit = v.integer(input, "Limit", "limit", 1, 10_000).unwrap_or(100) as usize;
    let start = input::name(&mut v, input, "ExclusiveStartStreamName", "exclusiveStartStreamName", false);
    let token = v.string(input, "NextToken", "nextToken", 1, 1_048_576);
    v.finish()?;
    let after = match &token {
        Some(t) => Some(decode_token(t).and_then(|s| s.strip_prefix("streams|").map(str::to_string)).ok_or_else(|| errors::invalid_argument("The NextToken is not valid."))?),
        None => start,
    };
    let region = cx.region.to_string();
    let state = k.region_mut(&region);
    let all: Vec<&Stream> = state.streams.values().filter(|s| after.as_ref().is_none_or(|a| s.meta.name.as_str() > a.as_str())).collect();
    let page: Vec<&Stream> = all.iter().take(limit).copied().collect();
    let more = all.len() > page.len();
    let mut out = json!({
        "StreamNames": page.iter().map(|s| &s.meta.name).collect::<Vec<_>>(),
        "HasMoreStreams": more,
        "StreamSummaries": page.iter().map(|s| json!({
            "StreamName": s.meta.name,
            "StreamARN": s.meta.arn,
            "StreamStatus": s.meta.status,
            "StreamModeDetails": mode_details(s),
            "StreamCreationTimestamp": s.meta.created_ms as f64 / 1000.0,
        })).collect::<Vec<_>>(),
    });
    if more {
        if let Some(last) = page.last() {
            out["NextToken"] = json!(TOKEN.encode(format!("streams|{}", last.meta.name)));
        }
    }
    Ok(out)
}

pub fn list_shards(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let token = v.string(input, "NextToken", "nextToken", 1, 1_048_576);
    let start = v.string(input, "ExclusiveStartShardId", "exclusiveStartShardId", 1, 128);
    let max = v.integer(input, "MaxResults", "maxResults", 1, 10_000).unwrap_or(1000) as usize;
    let created = input::timestamp(input, "StreamCreationTimestamp")?;
    let filter = input.get("ShardFilter").filter(|f| !f.is_null()).cloned();
    let mut after_filter = None;
    if let Some(f) = &filter {
        let kind = v.required_string(f, "Type", "shardFilter.type", 0, usize::MAX);
        let shard = v.string(f, "ShardId", "shardFilter.shardId", 1, 128);
        const TYPES: [&str; 6] = ["AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"];
        match kind.as_deref() {
            Some(t) if !TYPES.contains(&t) => v.constraint(
                Some(t),
                "shardFilter.type",
                "Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]",
            ),
            Some("AFTER_SHARD_ID") => after_filter = Some(shard.clone()),
            _ => {}
        }
        if matches!(kind.as_deref(), Some("AT_TIMESTAMP" | "FROM_TIMESTAMP")) && f.get("Timestamp").is_none_or(Value::is_null) {
            v.finish()?;
            return Err(errors::invalid_argument(format!("Timestamp must be specified for ShardFilter type {}.", kind.unwrap_or_default())));
        }
    }
    let has_stream = input.get("StreamName").is_some_and(|n| !n.is_null()) || input.get("StreamARN").is_some_and(|n| !n.is_null());
    let (name, from) = match &token {
        Some(t) => {
            v.finish()?;
            if has_stream {
                return Err(errors::invalid_argument("NextToken and StreamName cannot be provided together."));
            }
            let decoded = decode_token(t).ok_or_else(|| errors::invalid_argument("Invalid ShardId in ExclusiveStartShardId or NextToken."))?;
            let mut parts = decoded.splitn(3, '|');
            match (parts.next(), parts.next(), parts.next().and_then(|i| i.parse::<usize>().ok())) {
                (Some("shards"), Some(name), Some(from)) => (name.to_string(), from),
                _ => return Err(errors::invalid_argument("Invalid ShardId in ExclusiveStartShardId or NextToken.")),
            }
        }
        None => {
            let name = input::stream_name(cx, input, v)?;
            let mut from = start.as_deref().map_or(0, |id| stream::shard_index(id).map_or(usize::MAX, |i| i + 1));
            if let Some(Some(after)) = &after_filter {
                from = from.max(stream::shard_index(after).map_or(usize::MAX, |i| i + 1));
            } else if let Some(None) = after_filter {
                return Err(errors::invalid_argument("ShardId must be specified for ShardFilter type AFTER_SHARD_ID."));
            }
            (name, from)
        }
    };
    let account = cx.account.id.clone();
    let s = k.stream_mut(cx, &name)?;
    if created.is_some_and(|c| c / 1000 != s.meta.created_ms / 1000) {
        return Err(errors::stream_not_found(&name, &account));
    }
    if !s.is_readable() {
        return Err(not_active(cx, s));
    }
    let count = s.meta.shard_count as usize;
    let shards: Vec<Value> = (from.min(count)..count).take(max).map(|i| s.shard_json(i)).collect();
    let next = from.min(count) + shards.len();
    let mut out = json!({ "Shards": shards });
    if next < count {
        out["NextToken"] = json!(TOKEN.encode(format!("shards|{name}|{next}")));
    }
    Ok(out)
}

pub fn change_retention(k: &mut Kinesis, cx: &mut Cx, input: &Value, increase: bool) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let hours = match input.get("RetentionPeriodHours") {
        None | Some(Value::Null) => {
            v.constraint(None, "retentionPeriodHours", "Member must not be null");
            None
        }
        Some(h) => match h.as_i64() {
            Some(h) if i32::try_from(h).is_ok() => Some(h),
            _ => {
                v.serialization("Unexpected value type for RetentionPeriodHours: expected an integer".into());
                None
            }
        },
    };
    let name = input::stream_name(cx, input, v)?;
    let hours = hours.unwrap_or_default();
    if hours < MIN_RETENTION_HOURS {
        return Err(errors::invalid_argument(format!("Minimum allowed retention period is {MIN_RETENTION_HOURS} hours. Requested retention period ({hours} hours) is too short.")));
    }
    if hours > MAX_RETENTION_HOURS {
        return Err(errors::invalid_argument(format!("Maximum allowed retention period is {MAX_RETENTION_HOURS} hours. Requested retention period ({hours} hours) is too long.")));
    }
    let s = k.stream_mut(cx, &name)?;
    require_active(cx, s)?;
    let current = s.meta.retention_hours as i64;
    if increase && hours < current {
        return Err(errors::invalid_argument(format!(
            "Requested retention period ({hours} hours) for stream {name} can not be shorter than existing retention period ({current} hours). Use DecreaseRetentionPeriod API."
        )));
    }
    if !increase && hours > current {
        return Err(errors::invalid_argument(format!(
            "Requested retention period ({hours} hours) for stream {name} can not be longer than existing retention period ({current} hours). Use IncreaseRetentionPeriod API."
        )));
    }
    s.meta.retention_hours = hours as u32;
    let region = cx.region.to_string();
    s.trim(cx.journal, &region, cx.now_ms);
    let snapshot_meta = s.meta.clone();
    cx.journal.put_json(stream::stream_key(&region, &name), &snapshot_meta);
    if let Some(due) = s.next_expiry() {
        cx.schedule(due, json!({ "stream": name, "created": snapshot_meta.created_ms, "do": "sweep" }));
    }
    Ok(json!({}))
}

pub fn add_tags(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    if input.get("Tags").is_none_or(Value::is_null) {
        v.constraint(None, "tags", "Member must not be null");
    }
    let tags = tag_map(&mut v, input, "Tags", "tags", 10);
    let name = input::stream_name(cx, input, v)?;
    let account = cx.account.id.clone();
    let s = k.stream_mut(cx, &name)?;
    require_active(cx, s)?;
    let mut after = s.meta.tags.clone();
    after.extend(tags);
    if after.len() > MAX_TAGS {
        return Err(errors::invalid_argument(format!("Failed to add tags to stream {name} under account {account} because a given stream cannot have more than {MAX_TAGS} tags.")));
    }
    s.meta.tags = after;
    let snapshot = s.meta.clone();
    save(cx, &snapshot);
    Ok(json!({}))
}

pub fn list_tags(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let start = v.string(input, "ExclusiveStartTagKey", "exclusiveStartTagKey", 1, 128);
    let limit = v.integer(input, "Limit", "limit", 1, 50).unwrap_or(50) as usize;
    let name = input::stream_name(cx, input, v)?;
    let s = k.stream_mut(cx, &name)?;
    let all: Vec<(&String, &String)> = s.meta.tags.iter().filter(|(k, _)| start.as_ref().is_none_or(|st| k.as_str() > st.as_str())).collect();
    let tags: Vec<Value> = all.iter().take(limit).map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
    Ok(json!({ "Tags": tags, "HasMoreTags": all.len() > limit }))
}

pub fn remove_tags(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let keys: Vec<String> = match input.get("TagKeys") {
        None | Some(Value::Null) => {
            v.constraint(None, "tagKeys", "Member must not be null");
            Vec::new()
        }
        Some(Value::Array(a)) => {
            if a.is_empty() || a.len() > 50 {
                v.raw(format!(
                    "Value '{}' at 'tagKeys' failed to satisfy constraint: Member must have length {}",
                    Value::Array(a.clone()),
                    if a.is_empty() { "greater than or equal to 1" } else { "less than or equal to 50" }
                ));
            }
            a.iter().filter_map(Value::as_str).map(str::to_string).collect()
        }
        Some(_) => {
            v.serialization("Unexpected value type for TagKeys: expected a list of strings".into());
            Vec::new()
        }
    };
    let name = input::stream_name(cx, input, v)?;
    let s = k.stream_mut(cx, &name)?;
    require_active(cx, s)?;
    for key in &keys {
        s.meta.tags.remove(key);
    }
    let snapshot = s.meta.clone();
    save(cx, &snapshot);
    Ok(json!({}))
}
