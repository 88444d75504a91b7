//! The data plane: PutRecord, PutRecords, GetShardIterator, GetRecords.
//!
//! A record goes to the shard whose hash key range holds its hash key (the MD5 of its partition
//! key as a 128-bit integer, or its ExplicitHashKey). PROVISIONED shards take 1 MiB (data and
//! partition keys) and 1,000 records per virtual second; more is a
//! ProvisionedThroughputExceededException. Shard iterators name a place in a shard and last
//! five minutes of virtual time; an edited one is refused.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as TOKEN, Engine as _};
use serde_json::{json, Value};

use super::{errors, input, stream, stream::Rec, Kinesis, Stream};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::lambda::errors::Validation,
};

pub const MAX_RECORD_BYTES: usize = 1_048_576;
pub const MAX_PUT_RECORDS: usize = 500;
pub const MAX_PUT_RECORDS_BYTES: usize = 5 * 1_048_576;
pub const SHARD_BYTES_PER_SECOND: u64 = 1_048_576;
pub const SHARD_RECORDS_PER_SECOND: u64 = 1_000;
pub const ITERATOR_LIFETIME_MS: i64 = 300_000;
pub const MAX_GET_RECORDS_BYTES: usize = 10 * 1_048_576;

fn digits_pattern(s: &str, max_more: usize) -> bool {
    s == "0" || (s.len() <= max_more + 1 && s.starts_with(|c: char| ('1'..='9').contains(&c)) && s.bytes().all(|b| b.is_ascii_digit()))
}

/// One record's members (PutRecord's, or a PutRecords entry's), checked; `path` is the Coral
/// path prefix (`` or `records.1.member.`).
struct Entry {
    data: Vec<u8>,
    partition_key: String,
    explicit_hash_key: Option<String>,
}

fn read_entry(v: &mut Validation, input: &Value, path: &str) -> Result<Entry, AwsError> {
    let data = input::blob(input, "Data")?;
    match &data {
        None => v.constraint(None, &format!("{path}data"), "Member must not be null"),
        Some(d) if d.len() > MAX_RECORD_BYTES => v.raw(format!(
            "Value 'java.nio.HeapByteBuffer[pos=0 lim={0} cap={0}]' at '{path}data' failed to satisfy constraint: Member must have length less than or equal to {MAX_RECORD_BYTES}",
            d.len()
        )),
        _ => {}
    }
    let partition_key = v.required_string(input, "PartitionKey", &format!("{path}partitionKey"), 1, 256);
    let explicit_hash_key = v.string(input, "ExplicitHashKey", &format!("{path}explicitHashKey"), 0, usize::MAX);
    if let Some(h) = &explicit_hash_key {
        if !digits_pattern(h, 38) {
            v.constraint(Some(h), &format!("{path}explicitHashKey"), "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
        }
    }
    Ok(Entry { data: data.unwrap_or_default(), partition_key: partition_key.unwrap_or_default(), explicit_hash_key })
}

fn hash_of(e: &Entry) -> Result<u128, AwsError> {
    match &e.explicit_hash_key {
        None => Ok(stream::hash_key(&e.partition_key)),
        Some(h) => {
            h.parse::<u128>().map_err(|_| errors::invalid_argument(format!("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {h}")))
        }
    }
}

/// The stream a put goes to: it must be ACTIVE (or UPDATING).
fn writable<'k>(k: &'k mut Kinesis, cx: &mut Cx, name: &str) -> Result<&'k mut Stream, AwsError> {
    let account = cx.account.id.clone();
    let s = k.stream_mut(cx, name)?;
    if !s.is_readable() {
        return Err(errors::stream_not_found(name, &account));
    }
    Ok(s)
}

/// Appends one record to its shard, or refuses it for the shard's write limits.
fn append(s: &mut Stream, cx: &mut Cx, e: Entry, hash: u128) -> Result<(usize, u64), AwsError> {
    let i = s.shard_for(hash);
    let provisioned = s.meta.mode == "PROVISIONED";
    let size = (e.data.len() + e.partition_key.len()) as u64;
    let second = cx.now_ms.div_euclid(1000);
    let first_record = s.next_expiry().is_none();
    let shard = &mut s.shards[i];
    if shard.window.0 != second {
        shard.window = (second, 0, 0);
    }
    if provisioned && (shard.window.1 + size > SHARD_BYTES_PER_SECOND || shard.window.2 + 1 > SHARD_RECORDS_PER_SECOND) {
        return Err(errors::throughput_exceeded(&stream::shard_id(i), &s.meta.name, &cx.account.id));
    }
    shard.window.1 += size;
    shard.window.2 += 1;
    let position = shard.next.max(cx.now_ms.max(0) as u64 * 1000);
    shard.next = position + 1;
    let rec = Rec { position, arrival_ms: cx.now_ms, partition_key: e.partition_key, data: e.data };
    cx.journal.put_json(stream::record_key(cx.region, &s.meta.name, i, position), &rec);
    shard.records.push_back(rec);
    if first_record {
        let due = cx.now_ms + s.meta.retention_hours as i64 * 3_600_000;
        cx.schedule(due, json!({ "stream": s.meta.name, "created": s.meta.created_ms, "do": "sweep" }));
    }
    Ok((i, position))
}

pub fn put_record(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let entry = read_entry(&mut v, input, "")?;
    let ordering = v.string(input, "SequenceNumberForOrdering", "sequenceNumberForOrdering", 0, usize::MAX);
    if let Some(o) = &ordering {
        if !digits_pattern(o, 128) {
            v.constraint(Some(o), "sequenceNumberForOrdering", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
        }
    }
    let name = input::stream_name(cx, input, v)?;
    let hash = hash_of(&entry)?;
    // Sequence numbers in a shard always increase, so SequenceNumberForOrdering's guarantee
    // (strictly increasing for one producer and partition key) holds for every put.
    let s = writable(k, cx, &name)?;
    let (shard, position) = append(s, cx, entry, hash)?;
    Ok(json!({ "ShardId": stream::shard_id(shard), "SequenceNumber": s.sequence_number(shard, position) }))
}

pub fn put_records(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let list = match input.get("Records") {
        None | Some(Value::Null) => {
            v.constraint(None, "records", "Member must not be null");
            Vec::new()
        }
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(AwsError::serialization("Unexpected value type for Records: expected a list")),
    };
    if input.get("Records").is_some_and(Value::is_array) {
        if list.is_empty() {
            v.raw("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1".into());
        } else if list.len() > MAX_PUT_RECORDS {
            v.raw(format!("Value '[...{} records]' at 'records' failed to satisfy constraint: Member must have length less than or equal to {MAX_PUT_RECORDS}", list.len()));
        }
    }
    let mut entries = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        if !r.is_object() {
            return Err(AwsError::serialization("Unexpected value type for Records: expected a list of objects"));
        }
        entries.push(read_entry(&mut v, r, &format!("records.{}.member.", i + 1))?);
    }
    let name = input::stream_name(cx, input, v)?;
    let total: usize = entries.iter().map(|e| e.data.len() + e.partition_key.len()).sum();
    if total > MAX_PUT_RECORDS_BYTES {
        return Err(errors::invalid_argument(format!("Records size exceeds 5 MB limit. The request was {total} bytes.")));
    }
    let hashes = entries.iter().map(hash_of).collect::<Result<Vec<u128>, AwsError>>()?;
    let s = writable(k, cx, &name)?;
    let mut failed = 0;
    let mut out = Vec::with_capacity(entries.len());
    for (e, hash) in entries.into_iter().zip(hashes) {
        match append(s, cx, e, hash) {
            Ok((shard, position)) => out.push(json!({ "ShardId": stream::shard_id(shard), "SequenceNumber": s.sequence_number(shard, position) })),
            Err(err) => {
                failed += 1;
                out.push(json!({ "ErrorCode": err.kind, "ErrorMessage": err.message }));
            }
        }
    }
    Ok(json!({ "FailedRecordCount": failed, "Records": out }))
}

/// A shard iterator: `{stream}|{created ms}|{shard}|{position}|{issued ms}|{check}`, base64url.
fn iterator_token(cx: &Cx, s: &Stream, shard: usize, position: u64) -> String {
    let body = format!("{}|{}|{shard}|{position}|{}", s.meta.name, s.meta.created_ms, cx.now_ms);
    let check = check(cx, &body);
    TOKEN.encode(format!("{body}|{check}"))
}

fn check(cx: &Cx, body: &str) -> String {
    let digest = crate::services::sqs::digest::sha256(format!("kinesis-iterator|{}|{}|{body}", cx.account.id, cx.region).as_bytes());
    crate::services::sqs::digest::hex(&digest[..8])
}

struct Place {
    stream: String,
    created_ms: i64,
    shard: usize,
    position: u64,
    issued_ms: i64,
}

fn parse_iterator(cx: &Cx, token: &str) -> Result<Place, AwsError> {
    let invalid = || errors::invalid_argument("Invalid ShardIterator.");
    let text = TOKEN.decode(token).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(invalid)?;
    let (body, mac) = text.rsplit_once('|').ok_or_else(invalid)?;
    if check(cx, body) != mac {
        return Err(invalid());
    }
    let parts: Vec<&str> = body.split('|').collect();
    let [stream, created, shard, position, issued] = parts.as_slice() else { return Err(invalid()) };
    Ok(Place {
        stream: stream.to_string(),
        created_ms: created.parse().map_err(|_| invalid())?,
        shard: shard.parse().map_err(|_| invalid())?,
        position: position.parse().map_err(|_| invalid())?,
        issued_ms: issued.parse().map_err(|_| invalid())?,
    })
}

pub fn get_shard_iterator(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    const TYPES: [&str; 5] = ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"];
    let mut v = Validation::default();
    let shard_id = input::name(&mut v, input, "ShardId", "shardId", true);
    let kind = v.required_string(input, "ShardIteratorType", "shardIteratorType", 0, usize::MAX);
    if let Some(t) = &kind {
        if !TYPES.contains(&t.as_str()) {
            v.constraint(Some(t), "shardIteratorType", "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, AT_TIMESTAMP, TRIM_HORIZON, LATEST]");
        }
    }
    let seq = v.string(input, "StartingSequenceNumber", "startingSequenceNumber", 0, usize::MAX);
    if let Some(q) = &seq {
        if !digits_pattern(q, 128) {
            v.constraint(Some(q), "startingSequenceNumber", "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
        }
    }
    let timestamp = input::timestamp(input, "Timestamp")?;
    let name = input::stream_name(cx, input, v)?;
    let (kind, shard_id) = (kind.unwrap_or_default(), shard_id.unwrap_or_default());
    let by_sequence = kind.ends_with("_SEQUENCE_NUMBER");
    if by_sequence != seq.is_some() {
        return Err(errors::invalid_argument(format!(
            "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {kind} and {}StartingSequenceNumber.",
            if seq.is_some() { "also a " } else { "no " }
        )));
    }
    if kind == "AT_TIMESTAMP" && timestamp.is_none() {
        return Err(errors::invalid_argument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter."));
    }
    if kind != "AT_TIMESTAMP" && timestamp.is_some() {
        return Err(errors::invalid_argument(format!("Timestamp must only be specified for iterator of type AT_TIMESTAMP, not {kind}.")));
    }
    let account = cx.account.id.clone();
    let s = writable(k, cx, &name)?;
    let shard = stream::shard_index(&shard_id)
        .filter(|&i| i < s.shards.len())
        .ok_or_else(|| errors::not_found(format!("Shard {shard_id} in stream {name} under account {account} does not exist")))?;
    let position = match kind.as_str() {
        "TRIM_HORIZON" => 0,
        "LATEST" => s.shards[shard].next,
        "AT_TIMESTAMP" => {
            let at = timestamp.unwrap_or_default();
            let sh = &s.shards[shard];
            sh.records.iter().find(|r| r.arrival_ms >= at).map_or(sh.next.max(at.max(0) as u64 * 1000), |r| r.position)
        }
        _ => {
            let q = seq.unwrap_or_default();
            let (in_shard, position) = s.parse_sequence(&q).ok_or_else(|| {
                errors::invalid_argument(format!("StartingSequenceNumber {q} used in GetShardIterator on shard {shard_id} in stream {name} under account {account} is invalid."))
            })?;
            if in_shard != shard {
                return Err(errors::invalid_argument(format!(
                    "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {shard_id}",
                    stream::shard_id(in_shard)
                )));
            }
            if kind == "AFTER_SEQUENCE_NUMBER" {
                position + 1
            } else {
                position
            }
        }
    };
    Ok(json!({ "ShardIterator": iterator_token(cx, s, shard, position) }))
}

pub fn get_records(k: &mut Kinesis, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let token = v.required_string(input, "ShardIterator", "shardIterator", 1, 512);
    let limit = v.integer(input, "Limit", "limit", 1, 10_000).unwrap_or(10_000) as usize;
    let arn = v.string(input, "StreamARN", "streamARN", 1, 2048);
    v.finish()?;
    let place = parse_iterator(cx, &token.unwrap_or_default())?;
    if let Some(a) = &arn {
        if input::parse_arn(a).map(|(_, _, n)| n).as_deref() != Some(place.stream.as_str()) {
            return Err(errors::invalid_argument(format!("StreamARN {a} does not match the stream of the ShardIterator.")));
        }
    }
    if cx.now_ms - place.issued_ms > ITERATOR_LIFETIME_MS {
        return Err(errors::expired_iterator(place.issued_ms, cx.now_ms));
    }
    let account = cx.account.id.clone();
    let s = writable(k, cx, &place.stream)?;
    if s.meta.created_ms != place.created_ms || place.shard >= s.shards.len() {
        return Err(errors::stream_not_found(&place.stream, &account));
    }
    let shard = &s.shards[place.shard];
    let mut bytes = 0;
    let mut records = Vec::new();
    let mut next = place.position;
    let mut behind = 0;
    for r in shard.records.iter().filter(|r| r.position >= place.position) {
        if records.len() >= limit || (!records.is_empty() && bytes + r.data.len() > MAX_GET_RECORDS_BYTES) {
            behind = (cx.now_ms - r.arrival_ms).max(0);
            break;
        }
        bytes += r.data.len();
        records.push(s.record_json(place.shard, r));
        next = r.position + 1;
    }
    Ok(json!({
        "Records": records,
        "NextShardIterator": iterator_token(cx, s, place.shard, next),
        "MillisBehindLatest": behind,
    }))
}
