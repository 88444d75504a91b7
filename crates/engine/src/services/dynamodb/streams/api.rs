//! The DynamoDB Streams API: ListStreams, DescribeStream, GetShardIterator, GetRecords.
//!
//! Shard iterators are opaque to callers but self-describing here:
//! `{stream ARN}|1|{base64url(position, issue time, check)}`. The check is a keyed digest of
//! the rest, so an edited iterator is refused (ValidationException) rather than read from the
//! wrong place; an iterator is good for 15 minutes of virtual time (ExpiredIteratorException).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine as _};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{format_seq, parse_arn, Change, Origin, Stream};
use crate::{
    kernel::{error::AwsError, service::Cx, time::iso8601},
    services::dynamodb::{
        input::{Constraints, Input},
        table::epoch_seconds,
        value::item_to_json,
        DynamoDb, ERROR_NAMESPACE, TABLE_TRANSITION_MS,
    },
};

/// How long a shard iterator may be used after it was issued.
pub const ITERATOR_TTL_MS: i64 = 15 * 60 * 1000;
/// GetRecords returns at most this many records, and at most [`MAX_RECORDS_BYTES`].
pub const MAX_RECORDS: i64 = 1000;
pub const MAX_RECORDS_BYTES: usize = 1024 * 1024;

const ITERATOR_TYPES: &[&str] = &["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"];

pub fn call(db: &mut DynamoDb, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
    match operation {
        "ListStreams" => list_streams(db, cx, input),
        "DescribeStream" => describe_stream(db, cx, input),
        "GetShardIterator" => get_shard_iterator(db, cx, input),
        "GetRecords" => get_records(db, cx, input),
        _ => Err(AwsError::unknown_operation("")),
    }
}

fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ResourceNotFoundException", message, 400)
}

fn stream_not_found(arn: &str) -> AwsError {
    not_found(format!("Requested resource not found: Stream: {arn} not found"))
}

fn length(c: &mut Constraints, value: Option<&str>, path: &str, min: usize, max: usize) {
    let Some(v) = value else { return };
    if v.len() < min {
        c.add(Some(v), path, &format!("Member must have length greater than or equal to {min}"));
    }
    if v.len() > max {
        c.add(Some(v), path, &format!("Member must have length less than or equal to {max}"));
    }
}

fn find<'a>(db: &'a DynamoDb, cx: &Cx, arn: &str) -> Result<&'a Stream, AwsError> {
    db.streams.by_arn(cx.region, arn).ok_or_else(|| stream_not_found(arn))
}

pub fn list_streams(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let table = input.string("TableName")?;
    let limit = input.integer("Limit")?;
    let start = input.string("ExclusiveStartStreamArn")?;
    let mut c = Constraints::default();
    c.name(table, "tableName");
    c.min(limit, "limit", 1);
    c.max(limit, "limit", 100);
    length(&mut c, start, "exclusiveStartStreamArn", 37, 1024);
    c.finish()?;
    let after = match start {
        Some(arn) => Some(parse_arn(arn).ok_or_else(|| AwsError::validation(format!("Invalid ExclusiveStartStreamArn: {arn}")))?),
        None => None,
    };
    if let Some(t) = table {
        let exists = db.tables(cx.region).is_some_and(|m| m.contains_key(t)) || db.streams.streams(cx.region).any(|s| s.meta.table == t);
        if !exists {
            return Err(not_found(format!("Requested resource not found: Table: {t} not found")));
        }
    }
    let limit = limit.unwrap_or(100) as usize;
    let matching: Vec<&Stream> = db
        .streams
        .streams(cx.region)
        .filter(|s| table.is_none_or(|t| s.meta.table == t))
        .filter(|s| after.is_none_or(|(t, l)| (s.meta.table.as_str(), s.meta.label.as_str()) > (t, l)))
        .collect();
    let page: Vec<Value> = matching.iter().take(limit).map(|s| json!({"StreamArn": s.arn(), "TableName": s.meta.table, "StreamLabel": s.meta.label})).collect();
    let mut out = json!({});
    if matching.len() > limit {
        out["LastEvaluatedStreamArn"] = page.last().map(|s| s["StreamArn"].clone()).unwrap_or(Value::Null);
    }
    out["Streams"] = Value::Array(page);
    Ok(out)
}

/// ENABLING and DISABLING last as long as the table's own UPDATING does.
fn status(stream: &Stream, now_ms: i64) -> &'static str {
    match stream.meta.closed_ms {
        Some(c) if now_ms - c < TABLE_TRANSITION_MS => "DISABLING",
        Some(_) => "DISABLED",
        None if now_ms - stream.meta.created_ms < TABLE_TRANSITION_MS => "ENABLING",
        None => "ENABLED",
    }
}

pub fn describe_stream(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("StreamArn")?;
    let limit = input.integer("Limit")?;
    let start = input.string("ExclusiveStartShardId")?;
    let mut c = Constraints::default();
    c.not_null(arn, "streamArn");
    length(&mut c, arn, "streamArn", 37, 1024);
    c.min(limit, "limit", 1);
    c.max(limit, "limit", 100);
    length(&mut c, start, "exclusiveStartShardId", 28, 65);
    c.finish()?;
    let stream = find(db, cx, arn.unwrap_or_default())?;
    let shard_id = stream.shard_id();
    let mut shards = Vec::new();
    // One shard per stream: it is listed unless the caller has already seen it.
    if start.is_none_or(|s| s < shard_id.as_str()) {
        let mut range = json!({"StartingSequenceNumber": format_seq(stream.start_seq())});
        if !stream.is_open() {
            range["EndingSequenceNumber"] = json!(format_seq(stream.next_seq().saturating_sub(1).max(stream.start_seq())));
        }
        shards.push(json!({"ShardId": shard_id, "SequenceNumberRange": range}));
    }
    Ok(json!({"StreamDescription": {
        "StreamArn": stream.arn(),
        "StreamLabel": stream.meta.label,
        "StreamStatus": status(stream, cx.now_ms),
        "StreamViewType": stream.meta.view_type,
        "CreationRequestDateTime": epoch_seconds(stream.meta.created_ms),
        "TableName": stream.meta.table,
        "KeySchema": stream.meta.key_schema.to_json(),
        "Shards": shards,
    }}))
}

/// A decoded shard iterator.
struct Iterator<'a> {
    arn: &'a str,
    position: u128,
    issued_ms: i64,
}

fn check(account: &str, arn: &str, position: u128, issued_ms: i64) -> [u8; 12] {
    let mut h = Sha256::new();
    h.update(b"gureum shard iterator\0");
    h.update(account.as_bytes());
    h.update([0]);
    h.update(arn.as_bytes());
    h.update(position.to_le_bytes());
    h.update(issued_ms.to_le_bytes());
    let d = h.finalize();
    let mut out = [0; 12];
    out.copy_from_slice(&d[..12]);
    out
}

fn make_iterator(cx: &Cx, arn: &str, position: u128) -> String {
    let mut raw = Vec::with_capacity(36);
    raw.extend_from_slice(&position.to_le_bytes());
    raw.extend_from_slice(&cx.now_ms.to_le_bytes());
    raw.extend_from_slice(&check(&cx.account.id, arn, position, cx.now_ms));
    format!("{arn}|1|{}", B64.encode(raw))
}

fn invalid_iterator() -> AwsError {
    AwsError::validation("Invalid ShardIterator: it was not issued by GetShardIterator or GetRecords for this stream, or it was changed")
}

fn read_iterator<'a>(cx: &Cx, text: &'a str) -> Result<Iterator<'a>, AwsError> {
    let (rest, body) = text.rsplit_once('|').ok_or_else(invalid_iterator)?;
    let (arn, version) = rest.rsplit_once('|').ok_or_else(invalid_iterator)?;
    let raw = B64.decode(body).map_err(|_| invalid_iterator())?;
    if version != "1" || raw.len() != 36 {
        return Err(invalid_iterator());
    }
    let position = u128::from_le_bytes(raw[..16].try_into().map_err(|_| invalid_iterator())?);
    let issued_ms = i64::from_le_bytes(raw[16..24].try_into().map_err(|_| invalid_iterator())?);
    if raw[24..] != check(&cx.account.id, arn, position, issued_ms) {
        return Err(invalid_iterator());
    }
    Ok(Iterator { arn, position, issued_ms })
}

fn trimmed() -> AwsError {
    AwsError::new(
        ERROR_NAMESPACE,
        "TrimmedDataAccessException",
        "The operation attempted to read past the oldest stream record in a shard: the records it names are older than 24 hours and have been trimmed",
        400,
    )
}

pub fn get_shard_iterator(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let arn = input.string("StreamArn")?;
    let shard = input.string("ShardId")?;
    let kind = input.string("ShardIteratorType")?;
    let seq = input.string("SequenceNumber")?;
    let mut c = Constraints::default();
    c.not_null(arn, "streamArn");
    length(&mut c, arn, "streamArn", 37, 1024);
    c.not_null(shard, "shardId");
    length(&mut c, shard, "shardId", 28, 65);
    c.not_null(kind, "shardIteratorType");
    c.one_of(kind, "shardIteratorType", ITERATOR_TYPES);
    length(&mut c, seq, "sequenceNumber", 21, 40);
    c.finish()?;
    let (arn, shard, kind) = (arn.unwrap_or_default(), shard.unwrap_or_default(), kind.unwrap_or_default());
    let at = match kind {
        "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER" => {
            let s = seq.ok_or_else(|| AwsError::validation(format!("A SequenceNumber is required for ShardIteratorType {kind}")))?;
            let n: u128 = s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok()).flatten().ok_or_else(|| AwsError::validation(format!("Invalid SequenceNumber: {s}")))?;
            Some(n)
        }
        _ => None,
    };
    let stream = find(db, cx, arn)?;
    if shard != stream.shard_id() {
        return Err(not_found(format!("Requested resource not found: Shard does not exist: {shard}")));
    }
    let position = match (kind, at) {
        ("TRIM_HORIZON", _) => stream.first().map_or(stream.next_seq(), |r| r.seq),
        ("LATEST", _) => stream.next_seq(),
        (_, Some(n)) => {
            if n < stream.start_seq() || n >= stream.next_seq() {
                return Err(AwsError::validation(format!("Invalid SequenceNumber {n} for shard {shard}: it is not a sequence number of a record in this shard")));
            }
            if n < stream.meta.trim_point {
                return Err(trimmed());
            }
            if kind == "AT_SEQUENCE_NUMBER" {
                n
            } else {
                n + 1
            }
        }
        _ => return Err(AwsError::internal("unreachable shard iterator type")),
    };
    Ok(json!({"ShardIterator": make_iterator(cx, &stream.arn(), position)}))
}

pub fn get_records(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let text = input.string("ShardIterator")?;
    let limit = input.integer("Limit")?;
    let mut c = Constraints::default();
    c.not_null(text, "shardIterator");
    length(&mut c, text, "shardIterator", 1, 2048);
    c.min(limit, "limit", 1);
    c.max(limit, "limit", MAX_RECORDS);
    c.finish()?;
    let it = read_iterator(cx, text.unwrap_or_default())?;
    if cx.now_ms - it.issued_ms > ITERATOR_TTL_MS || it.issued_ms > cx.now_ms {
        return Err(AwsError::new(
            ERROR_NAMESPACE,
            "ExpiredIteratorException",
            format!(
                "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of {ITERATOR_TTL_MS} milliseconds.",
                iso8601(it.issued_ms),
                iso8601(cx.now_ms)
            ),
            400,
        ));
    }
    let stream = find(db, cx, it.arn)?;
    if it.position < stream.meta.trim_point {
        return Err(trimmed());
    }
    let limit = limit.unwrap_or(MAX_RECORDS) as usize;
    let mut records = Vec::new();
    let mut bytes = 0;
    let mut next = it.position;
    for r in stream.records_from(it.position) {
        if records.len() >= limit {
            break;
        }
        let change = stream.decode(r).map_err(AwsError::internal)?;
        let size = change.size();
        if !records.is_empty() && bytes + size > MAX_RECORDS_BYTES {
            break;
        }
        bytes += size;
        records.push(record_json(stream, r.seq, &change, cx.region, size));
        next = r.seq + 1;
    }
    let mut out = json!({"Records": records});
    // A closed shard read to its end has no next iterator.
    if stream.is_open() || next < stream.next_seq() {
        out["NextShardIterator"] = json!(make_iterator(cx, it.arn, next));
    }
    Ok(out)
}

/// A Record as GetRecords (and Lambda's event source mappings) show it.
pub fn record_json(stream: &Stream, seq: u128, r: &Change, region: &str, size: usize) -> Value {
    let mut body = json!({
        "ApproximateCreationDateTime": r.at_ms.div_euclid(1000),
        "Keys": item_to_json(&r.keys),
    });
    if let Some(n) = &r.new {
        body["NewImage"] = item_to_json(n);
    }
    if let Some(o) = &r.old {
        body["OldImage"] = item_to_json(o);
    }
    body["SequenceNumber"] = json!(format_seq(seq));
    body["SizeBytes"] = json!(size);
    body["StreamViewType"] = json!(stream.meta.view_type);
    let mut out = json!({
        "eventID": stream.event_id(seq),
        "eventName": r.event.as_str(),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": body,
    });
    if r.origin == Origin::Service {
        out["userIdentity"] = json!({"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"});
    }
    out
}
