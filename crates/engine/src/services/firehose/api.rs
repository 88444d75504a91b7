//! Firehose's operations: CreateDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams,
//! DeleteDeliveryStream, UpdateDestination, PutRecord, PutRecordBatch, TagDeliveryStream,
//! UntagDeliveryStream, ListTagsForDeliveryStream. Constraint checks come first (one aggregated
//! ValidationException, as Coral answers), then the service's own rules.

use serde_json::{json, Value};

use super::{
    delivery, errors,
    model::{self, FinishRef, DESTINATION_ID},
    persist, Firehose, Source, Stats, Stream, StreamMeta, TRANSITION_MS,
};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::{kinesis::input::blob, lambda::errors::Validation},
};

const STREAM_TYPES: [&str; 4] = ["DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource"];
const NAME_PATTERN: &str = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+";
/// Destinations AWS offers besides S3, by their configuration member.
const OTHER_DESTINATIONS: [&str; 9] = [
    "RedshiftDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration",
    "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "AmazonOpenSearchServerlessDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
    "DatabaseSourceConfiguration",
];
const MAX_TAGS: usize = 50;
/// PutRecord's and PutRecordBatch's per-record limit: 1,000 KiB before base64.
pub const MAX_RECORD_BYTES: usize = 1_024_000;
pub const MAX_BATCH_RECORDS: usize = 500;
pub const MAX_BATCH_BYTES: usize = 4 * 1_048_576;

fn present<'a>(input: &'a Value, member: &str) -> Option<&'a Value> {
    input.get(member).filter(|v| !v.is_null())
}

fn name_member(v: &mut Validation, input: &Value) -> String {
    let name = v.required_string(input, "DeliveryStreamName", "deliveryStreamName", 1, 64);
    if let Some(n) = name.as_deref().filter(|n| !n.is_empty() && !n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))) {
        v.constraint(Some(n), "deliveryStreamName", NAME_PATTERN);
    }
    name.unwrap_or_default()
}

fn stream_mut<'a>(fh: &'a mut Firehose, cx: &Cx, name: &str) -> Result<&'a mut Stream, AwsError> {
    let account = cx.account.id.clone();
    fh.streams_mut(cx.region).get_mut(name).ok_or_else(|| errors::not_found(name, &account))
}

/// A list of `{Key, Value}` tags.
fn read_tags(v: &mut Validation, input: &Value, member: &str, path: &str) -> Vec<(String, String)> {
    let Some(list) = present(input, member) else { return Vec::new() };
    let Some(list) = list.as_array() else {
        v.serialization(format!("Unexpected value type for {member}: expected a list"));
        return Vec::new();
    };
    if list.is_empty() || list.len() > MAX_TAGS {
        let c =
            if list.is_empty() { "Member must have length greater than or equal to 1".to_string() } else { format!("Member must have length less than or equal to {MAX_TAGS}") };
        v.raw(format!("Value at '{path}' failed to satisfy constraint: {c}"));
    }
    let mut tags = Vec::new();
    for (i, t) in list.iter().enumerate() {
        if !t.is_object() {
            v.serialization(format!("Unexpected value type for {member}: expected a list of structures"));
            continue;
        }
        let key = v.required_string(t, "Key", &format!("{path}.{}.member.key", i + 1), 1, 128);
        let value = v.string(t, "Value", &format!("{path}.{}.member.value", i + 1), 0, 256);
        if let Some(k) = key {
            tags.push((k, value.unwrap_or_default()));
        }
    }
    tags
}

fn check_tag_keys(tags: &[(String, String)]) -> Result<(), AwsError> {
    if let Some((k, _)) = tags.iter().find(|(k, _)| k.starts_with("aws:")) {
        return Err(errors::invalid_argument(format!("Tag key {k} is invalid: keys may not start with 'aws:'.")));
    }
    Ok(())
}

fn merge_tags(into: &mut Vec<(String, String)>, tags: Vec<(String, String)>) {
    for (k, val) in tags {
        match into.iter_mut().find(|(x, _)| *x == k) {
            Some(t) => t.1 = val,
            None => into.push((k, val)),
        }
    }
}

pub fn create(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    let stream_type = v.string(input, "DeliveryStreamType", "deliveryStreamType", 0, usize::MAX);
    if let Some(t) = stream_type.as_deref().filter(|t| !STREAM_TYPES.contains(t)) {
        v.constraint(Some(t), "deliveryStreamType", "Member must satisfy enum value set: [DatabaseAsSource, DirectPut, KinesisStreamAsSource, MSKAsSource]");
    }
    let mut source = None;
    if let Some(k) = present(input, "KinesisStreamSourceConfiguration") {
        let arn = v.required_string(k, "KinesisStreamARN", "kinesisStreamSourceConfiguration.kinesisStreamARN", 1, 512);
        let role = v.required_string(k, "RoleARN", "kinesisStreamSourceConfiguration.roleARN", 1, 512);
        source = Some((arn.unwrap_or_default(), role.unwrap_or_default()));
    }
    let tags = read_tags(&mut v, input, "Tags", "tags");
    let extended = present(input, "ExtendedS3DestinationConfiguration");
    let plain = present(input, "S3DestinationConfiguration");
    let destination = match (extended, plain) {
        (Some(c), _) => model::read_destination(&mut v, c, "extendedS3DestinationConfiguration", true, None)?,
        (None, Some(c)) => model::read_destination(&mut v, c, "s3DestinationConfiguration", false, None)?,
        (None, None) => {
            v.finish_ref()?;
            None
        }
    };
    v.finish_ref()?;

    let stream_type = stream_type.unwrap_or_else(|| "DirectPut".into());
    if matches!(stream_type.as_str(), "MSKAsSource" | "DatabaseAsSource") || present(input, "MSKSourceConfiguration").is_some() {
        return Err(errors::not_simulated(&format!("The {stream_type} source type")));
    }
    if let Some(other) = OTHER_DESTINATIONS.iter().find(|m| present(input, m).is_some()) {
        return Err(errors::not_simulated(&format!("The destination {other}")));
    }
    if present(input, "DeliveryStreamEncryptionConfigurationInput").is_some() {
        return Err(errors::not_simulated("Server-side encryption (DeliveryStreamEncryptionConfigurationInput)"));
    }
    if extended.is_some() && plain.is_some() {
        return Err(errors::invalid_argument("Only one destination configuration can be specified: ExtendedS3DestinationConfiguration or S3DestinationConfiguration."));
    }
    let Some(destination) = destination else {
        return Err(errors::invalid_argument("A destination configuration is required: the sandbox simulates ExtendedS3DestinationConfiguration and S3DestinationConfiguration."));
    };
    let source = match (stream_type.as_str(), source) {
        ("KinesisStreamAsSource", Some((arn, role))) => {
            let expected = cx.account.arn("kinesis", cx.region, "stream/");
            if !arn.starts_with(&expected) || arn.len() == expected.len() {
                return Err(errors::invalid_argument(format!("KinesisStreamARN {arn} must be the ARN of a Kinesis data stream of account {} in {}.", cx.account.id, cx.region)));
            }
            Some(Source { stream_arn: arn, role_arn: role, start_ms: None, shards: None })
        }
        ("KinesisStreamAsSource", None) => {
            return Err(errors::invalid_argument("KinesisStreamSourceConfiguration is required for the KinesisStreamAsSource Firehose stream type."))
        }
        (_, Some(_)) => return Err(errors::invalid_argument("KinesisStreamSourceConfiguration is only valid for the KinesisStreamAsSource Firehose stream type.")),
        (_, None) => None,
    };
    check_tag_keys(&tags)?;
    let account = cx.account.id.clone();
    if fh.streams_mut(cx.region).contains_key(&name) {
        return Err(errors::already_exists(&name, &account));
    }
    let arn = cx.account.arn("firehose", cx.region, &format!("deliverystream/{name}"));
    let meta = StreamMeta {
        name: name.clone(),
        arn: arn.clone(),
        status: "CREATING".into(),
        stream_type,
        version: 1,
        created_ms: cx.now_ms,
        updated_ms: None,
        source,
        extended: extended.is_some(),
        destination,
        tags,
        inflight: None,
        delivered: Vec::new(),
        stats: Stats::default(),
    };
    let stream = Stream::new(meta);
    let region = cx.region.to_string();
    persist(cx, &region, &stream);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({"stream": name, "created": cx.now_ms, "do": "activate"}));
    fh.streams_mut(cx.region).insert(name, stream);
    Ok(json!({ "DeliveryStreamARN": arn }))
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

pub fn description(s: &Stream) -> Value {
    let m = &s.meta;
    let mut d = json!({
        "DeliveryStreamName": m.name,
        "DeliveryStreamARN": m.arn,
        "DeliveryStreamStatus": m.status,
        "DeliveryStreamEncryptionConfiguration": {"Status": "DISABLED"},
        "DeliveryStreamType": m.stream_type,
        "VersionId": m.version.to_string(),
        "CreateTimestamp": seconds(m.created_ms),
        "HasMoreDestinations": false,
    });
    if let Some(u) = m.updated_ms {
        d["LastUpdateTimestamp"] = json!(seconds(u));
    }
    if let Some(src) = &m.source {
        let mut k = json!({"KinesisStreamARN": src.stream_arn, "RoleARN": src.role_arn});
        if let Some(t) = src.start_ms {
            k["DeliveryStartTimestamp"] = json!(seconds(t));
        }
        d["Source"] = json!({ "KinesisStreamSourceDescription": k });
    }
    d["Destinations"] = json!([{
        "DestinationId": DESTINATION_ID,
        "S3DestinationDescription": m.destination.describe_s3(),
        "ExtendedS3DestinationDescription": m.destination.describe_extended(),
    }]);
    d
}

pub fn describe(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    v.integer(input, "Limit", "limit", 1, 10_000);
    let start = v.string(input, "ExclusiveStartDestinationId", "exclusiveStartDestinationId", 1, 100);
    v.finish()?;
    let stream = stream_mut(fh, cx, &name)?;
    let mut d = description(stream);
    if start.as_deref() == Some(DESTINATION_ID) {
        d["Destinations"] = json!([]);
    }
    Ok(json!({ "DeliveryStreamDescription": d }))
}

pub fn list(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let limit = v.integer(input, "Limit", "limit", 1, 10_000).unwrap_or(10) as usize;
    let stream_type = v.string(input, "DeliveryStreamType", "deliveryStreamType", 0, usize::MAX);
    if let Some(t) = stream_type.as_deref().filter(|t| !STREAM_TYPES.contains(t)) {
        v.constraint(Some(t), "deliveryStreamType", "Member must satisfy enum value set: [DatabaseAsSource, DirectPut, KinesisStreamAsSource, MSKAsSource]");
    }
    let start = v.string(input, "ExclusiveStartDeliveryStreamName", "exclusiveStartDeliveryStreamName", 1, 64);
    v.finish()?;
    let names: Vec<&String> = fh
        .streams_mut(cx.region)
        .iter()
        .filter(|(n, s)| stream_type.as_deref().is_none_or(|t| s.meta.stream_type == t) && start.as_ref().is_none_or(|st| *n > st))
        .map(|(n, _)| n)
        .collect();
    let more = names.len() > limit;
    Ok(json!({"DeliveryStreamNames": names.into_iter().take(limit).collect::<Vec<_>>(), "HasMoreDeliveryStreams": more}))
}

pub fn delete(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    v.boolean(input, "AllowForceDelete");
    v.finish()?;
    let region = cx.region.to_string();
    let stream = stream_mut(fh, cx, &name)?;
    match stream.meta.status.as_str() {
        "CREATING" => return Err(errors::resource_in_use(format!("Firehose {name} is in CREATING state and cannot be deleted."))),
        "DELETING" => return Ok(json!({})),
        _ => {}
    }
    stream.meta.status = "DELETING".into();
    persist(cx, &region, stream);
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({"stream": name, "created": stream.meta.created_ms, "do": "delete"}));
    Ok(json!({}))
}

pub fn update_destination(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    let version = v.required_string(input, "CurrentDeliveryStreamVersionId", "currentDeliveryStreamVersionId", 1, 50).unwrap_or_default();
    if !version.is_empty() && !version.bytes().all(|b| b.is_ascii_digit()) {
        v.constraint(Some(&version), "currentDeliveryStreamVersionId", "Member must satisfy regular expression pattern: [0-9]+");
    }
    let destination_id = v.required_string(input, "DestinationId", "destinationId", 1, 100).unwrap_or_default();
    let extended = present(input, "ExtendedS3DestinationUpdate");
    let plain = present(input, "S3DestinationUpdate");
    let account = cx.account.id.clone();
    let region = cx.region.to_string();
    let base = fh.streams_mut(&region).get(&name).map(|s| s.meta.destination.clone());
    let update = match (extended, plain, &base) {
        (Some(c), _, Some(b)) => model::read_destination(&mut v, c, "extendedS3DestinationUpdate", true, Some(b))?,
        (None, Some(c), Some(b)) => model::read_destination(&mut v, c, "s3DestinationUpdate", false, Some(b))?,
        _ => {
            v.finish_ref()?;
            None
        }
    };
    v.finish_ref()?;
    let other =
        ["RedshiftDestinationUpdate", "ElasticsearchDestinationUpdate", "AmazonopensearchserviceDestinationUpdate", "SplunkDestinationUpdate", "HttpEndpointDestinationUpdate"];
    if let Some(o) = other.iter().find(|m| present(input, m).is_some()) {
        return Err(errors::not_simulated(&format!("The destination update {o}")));
    }
    let stream = fh.streams_mut(&region).get_mut(&name).ok_or_else(|| errors::not_found(&name, &account))?;
    if stream.meta.status != "ACTIVE" {
        return Err(errors::resource_in_use(format!("Firehose {name} is not in the ACTIVE state.")));
    }
    if version != stream.meta.version.to_string() {
        return Err(errors::concurrent_modification(&name, stream.meta.version, &version));
    }
    if destination_id != DESTINATION_ID {
        return Err(errors::invalid_argument(format!("Destination Id {destination_id} not found for Firehose {name}.")));
    }
    if extended.is_some() && plain.is_some() {
        return Err(errors::invalid_argument("Only one destination update can be specified: ExtendedS3DestinationUpdate or S3DestinationUpdate."));
    }
    let Some(update) = update else {
        return Err(errors::invalid_argument("A destination update is required: the sandbox simulates ExtendedS3DestinationUpdate and S3DestinationUpdate."));
    };
    stream.meta.destination = update;
    if extended.is_some() {
        stream.meta.extended = true;
    }
    stream.meta.version += 1;
    stream.meta.updated_ms = Some(cx.now_ms);
    persist(cx, &region, stream);
    // New buffering hints apply to what is buffered now.
    stream.timer_due = None;
    delivery::schedule_next(stream, cx);
    Ok(json!({}))
}

/// The `Data` of one `Record`, checked against the size limit.
fn record_data(v: &mut Validation, record: &Value, path: &str) -> Result<Option<Vec<u8>>, AwsError> {
    if !record.is_object() {
        return Err(AwsError::serialization("Unexpected value type for Record: expected a structure"));
    }
    let data = blob(record, "Data")?;
    match &data {
        None => v.constraint(None, &format!("{path}.data"), "Member must not be null"),
        Some(d) if d.len() > MAX_RECORD_BYTES => {
            v.raw(format!("Value at '{path}.data' failed to satisfy constraint: Member must have length less than or equal to {MAX_RECORD_BYTES}"))
        }
        _ => {}
    }
    Ok(data)
}

/// The stream records may be put to.
fn writable<'a>(fh: &'a mut Firehose, cx: &Cx, name: &str) -> Result<&'a mut Stream, AwsError> {
    let account = cx.account.id.clone();
    let stream = stream_mut(fh, cx, name)?;
    if stream.meta.source.is_some() {
        return Err(errors::invalid_argument("This operation is not permitted on KinesisStreamAsSource delivery stream type."));
    }
    if stream.meta.status != "ACTIVE" {
        return Err(errors::not_active(name, &account));
    }
    Ok(stream)
}

const RECORD_ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn record_id(cx: &mut Cx) -> String {
    cx.rng.token(RECORD_ID_ALPHABET, 56)
}

pub fn put_record(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    let data = match present(input, "Record") {
        Some(r) => record_data(&mut v, r, "record")?,
        None => {
            v.constraint(None, "record", "Member must not be null");
            None
        }
    };
    v.finish()?;
    let region = cx.region.to_string();
    let stream = writable(fh, cx, &name)?;
    delivery::accept(stream, cx, &region, cx.now_ms, cx.now_ms, data.unwrap_or_default());
    delivery::schedule_next(stream, cx);
    Ok(json!({"RecordId": record_id(cx), "Encrypted": false}))
}

pub fn put_record_batch(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    let mut datas = Vec::new();
    match present(input, "Records") {
        Some(Value::Array(list)) => {
            if list.is_empty() || list.len() > MAX_BATCH_RECORDS {
                let c = if list.is_empty() {
                    "Member must have length greater than or equal to 1".to_string()
                } else {
                    format!("Member must have length less than or equal to {MAX_BATCH_RECORDS}")
                };
                v.raw(format!("Value at 'records' failed to satisfy constraint: {c}"));
            }
            for (i, r) in list.iter().enumerate() {
                datas.push(record_data(&mut v, r, &format!("records.{}.member", i + 1))?);
            }
        }
        Some(_) => return Err(AwsError::serialization("Unexpected value type for Records: expected a list")),
        None => v.constraint(None, "records", "Member must not be null"),
    }
    v.finish()?;
    let total: usize = datas.iter().flatten().map(Vec::len).sum();
    if total > MAX_BATCH_BYTES {
        return Err(errors::invalid_argument(format!("Records size exceeds 4 MB limit: the request holds {total} bytes of data.")));
    }
    let region = cx.region.to_string();
    let stream = writable(fh, cx, &name)?;
    let mut responses = Vec::with_capacity(datas.len());
    for d in datas {
        delivery::accept(stream, cx, &region, cx.now_ms, cx.now_ms, d.unwrap_or_default());
        responses.push(json!({"RecordId": cx.rng.token(RECORD_ID_ALPHABET, 56)}));
    }
    delivery::schedule_next(stream, cx);
    Ok(json!({"FailedPutCount": 0, "Encrypted": false, "RequestResponses": responses}))
}

pub fn tag(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    if present(input, "Tags").is_none() {
        v.constraint(None, "tags", "Member must not be null");
    }
    let tags = read_tags(&mut v, input, "Tags", "tags");
    v.finish()?;
    check_tag_keys(&tags)?;
    let region = cx.region.to_string();
    let stream = stream_mut(fh, cx, &name)?;
    let mut merged = stream.meta.tags.clone();
    merge_tags(&mut merged, tags);
    if merged.len() > MAX_TAGS {
        return Err(errors::limit_exceeded(format!("The Firehose stream {name} would have {} tags; the limit is {MAX_TAGS}.", merged.len())));
    }
    stream.meta.tags = merged;
    persist(cx, &region, stream);
    Ok(json!({}))
}

pub fn untag(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    let keys: Vec<String> = match present(input, "TagKeys") {
        Some(Value::Array(list)) => {
            if list.is_empty() || list.len() > MAX_TAGS {
                let c = if list.is_empty() {
                    "Member must have length greater than or equal to 1".to_string()
                } else {
                    format!("Member must have length less than or equal to {MAX_TAGS}")
                };
                v.raw(format!("Value at 'tagKeys' failed to satisfy constraint: {c}"));
            }
            let keys: Option<Vec<String>> = list.iter().map(|k| k.as_str().map(str::to_string)).collect();
            keys.ok_or_else(|| AwsError::serialization("Unexpected value type for TagKeys: expected a list of strings"))?
        }
        Some(_) => return Err(AwsError::serialization("Unexpected value type for TagKeys: expected a list")),
        None => {
            v.constraint(None, "tagKeys", "Member must not be null");
            Vec::new()
        }
    };
    v.finish()?;
    let region = cx.region.to_string();
    let stream = stream_mut(fh, cx, &name)?;
    stream.meta.tags.retain(|(k, _)| !keys.contains(k));
    persist(cx, &region, stream);
    Ok(json!({}))
}

pub fn list_tags(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = name_member(&mut v, input);
    let start = v.string(input, "ExclusiveStartTagKey", "exclusiveStartTagKey", 1, 128);
    let limit = v.integer(input, "Limit", "limit", 1, 50).unwrap_or(50) as usize;
    v.finish()?;
    let stream = stream_mut(fh, cx, &name)?;
    let from = start.and_then(|k| stream.meta.tags.iter().position(|(x, _)| *x == k).map(|i| i + 1)).unwrap_or(0);
    let rest: Vec<Value> = stream.meta.tags.iter().skip(from).map(|(k, val)| json!({"Key": k, "Value": val})).collect();
    let more = rest.len() > limit;
    Ok(json!({"Tags": rest.into_iter().take(limit).collect::<Vec<_>>(), "HasMoreTags": more}))
}
