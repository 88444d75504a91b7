//! Buffering and delivery to Amazon S3, on the virtual clock.
//!
//! Every accepted record joins its stream's buffer (and the journal). The buffer is flushed into
//! one S3 object when it holds at least SizeInMBs, or when IntervalInSeconds have passed since its
//! oldest record arrived, whichever comes first (AWS's buffering hints). One object takes
//! records from the front of the buffer up to SizeInMBs (at least one), concatenated as they
//! were sent: Firehose adds no delimiter. GZIP compresses the object (one gzip member).
//!
//! One object at a time per stream, in order: the object being written is the stream's
//! [`Inflight`], journaled with the stream, so a reload retries it. A PutObject that fails (the
//! bucket is missing) is retried every [`RETRY_MS`] for [`RETRY_FOR_MS`] (AWS: "retries every 5
//! seconds for up to a maximum period of 24 hours"), after which its records are dropped; with
//! CloudWatchLoggingOptions enabled, the first failure and the drop are logged to the log
//! group and stream named there (as AWS's `S3.*` delivery errors). Records arriving meanwhile
//! wait behind it.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use super::{errors, naming, persist, record_key, Delivered, Firehose, Inflight, Rec, Stream, Then, DELIVERED_KEPT};
use crate::{
    kernel::{error::AwsError, runtime::Step, service::Cx, time::iso8601, Request},
    services::{dynamodb::transfer::formats::gzip, lambda::errors::Validation},
};

pub const RETRY_MS: i64 = 5_000;
pub const RETRY_FOR_MS: i64 = 24 * 3_600_000;

/// Accepts one record into a stream's buffer (journaled); [`schedule_next`] then schedules its flush.
pub(crate) fn accept(stream: &mut Stream, cx: &mut Cx, region: &str, at_ms: i64, ts_ms: i64, data: Vec<u8>) {
    let rec = Rec { seq: stream.next_seq, at_ms, ts_ms, data };
    stream.next_seq += 1;
    cx.journal.put(record_key(region, &stream.meta.name, rec.seq), rec.encode());
    stream.buffered_bytes += rec.data.len();
    stream.buffer.push_back(rec);
}

/// The records and bytes waiting behind the object in flight, if any.
fn pending(stream: &Stream) -> (usize, usize) {
    let (n, b) = stream.meta.inflight.as_ref().map_or((0, 0), |i| (i.records, i.bytes));
    (stream.buffer.len().saturating_sub(n), stream.buffered_bytes.saturating_sub(b))
}

/// When the pending records are due to be flushed: at once when they reach the size hint,
/// else the interval after the oldest one arrived.
fn due(stream: &Stream, now_ms: i64) -> Option<i64> {
    let (n, bytes) = pending(stream);
    if n == 0 {
        return None;
    }
    let d = &stream.meta.destination;
    if bytes >= d.size_limit_bytes() {
        return Some(now_ms);
    }
    let skip = stream.meta.inflight.as_ref().map_or(0, |i| i.records);
    stream.buffer.get(skip).map(|r| r.at_ms.saturating_add(d.interval_ms()))
}

/// Schedules the flush timer the pending records need, unless one is scheduled for then.
pub(crate) fn schedule_next(stream: &mut Stream, cx: &mut Cx) {
    if stream.meta.inflight.is_some() || stream.meta.status != "ACTIVE" {
        return;
    }
    let Some(due) = due(stream, cx.now_ms) else { return };
    let due = due.max(cx.now_ms);
    if stream.timer_due.is_some_and(|t| t <= due) {
        return;
    }
    stream.timer_due = Some(due);
    cx.schedule(due, json!({"stream": stream.meta.name, "created": stream.meta.created_ms, "do": "flush"}));
}

/// A flush timer: writes an object if the buffer is due, else (re)schedules.
pub(crate) fn try_flush(stream: &mut Stream, cx: &mut Cx, region: &str) -> Step {
    if stream.meta.inflight.is_some() || stream.meta.status != "ACTIVE" {
        return Step::Done(Value::Null);
    }
    match due(stream, cx.now_ms) {
        None => return Step::Done(Value::Null),
        Some(d) if d > cx.now_ms => {
            schedule_next(stream, cx);
            return Step::Done(Value::Null);
        }
        Some(_) => {}
    }
    let limit = stream.meta.destination.size_limit_bytes();
    let (mut records, mut bytes) = (0, 0);
    for r in &stream.buffer {
        if records > 0 && bytes + r.data.len() > limit {
            break;
        }
        records += 1;
        bytes += r.data.len();
    }
    let oldest = stream.buffer.iter().take(records).map(|r| r.ts_ms).min().unwrap_or(cx.now_ms);
    let d = &stream.meta.destination;
    let key = naming::object_key(d.prefix.as_deref(), &stream.meta.name, stream.meta.version, oldest, d.extension(), cx.rng);
    stream.meta.inflight = Some(Inflight { records, bytes, key, since_ms: cx.now_ms, attempts: 0, last_error: None, bucket_region: None });
    persist(cx, region, stream);
    put_step(stream, region)
}

/// The PutObject of the object in flight.
pub(crate) fn put_step(stream: &Stream, region: &str) -> Step {
    let Some(inflight) = &stream.meta.inflight else {
        return Step::Done(Value::Null);
    };
    let mut body = Vec::with_capacity(inflight.bytes);
    for r in stream.buffer.iter().take(inflight.records) {
        body.extend_from_slice(&r.data);
    }
    if stream.meta.destination.compression == "GZIP" {
        body = gzip(&body);
    }
    let input = json!({"Bucket": stream.meta.destination.bucket(), "Key": inflight.key, "Body": B64.encode(&body)});
    // Firehose writes to a bucket in another region too: S3's redirect said where.
    let region = inflight.bucket_region.as_deref().unwrap_or(region);
    Step::Call(Request::new("s3", "PutObject", region, input), Box::new(Then::Put { name: stream.meta.name.clone(), created: stream.meta.created_ms }))
}

/// Takes the records of the object in flight out of the buffer.
fn release(stream: &mut Stream, cx: &mut Cx, region: &str, records: usize) {
    for _ in 0..records {
        if let Some(r) = stream.buffer.pop_front() {
            stream.buffered_bytes -= r.data.len();
            cx.journal.delete(record_key(region, &stream.meta.name, r.seq));
        }
    }
}

/// The error log line AWS writes for a failed S3 delivery.
fn log_error(stream: &Stream, cx: &mut Cx, message: &str, code: &str) {
    let l = &stream.meta.destination.logging;
    let (true, Some(group), Some(log_stream)) = (l.enabled, l.group.as_deref(), l.stream.as_deref()) else { return };
    let line = json!({
        "deliveryStreamARN": stream.meta.arn,
        "destination": stream.meta.destination.bucket_arn,
        "deliveryStreamVersionId": stream.meta.version,
        "message": message,
        "errorCode": code,
    });
    let events = json!([{"timestamp": cx.now_ms, "message": line.to_string()}]);
    cx.after(Request::new("logs", "PutLogEvents", cx.region, json!({"logGroupName": group, "logStreamName": log_stream, "logEvents": events})));
}

/// S3's answer to a delivery.
pub(crate) fn delivered(fh: &mut Firehose, cx: &mut Cx, name: &str, created: i64, answer: Result<Value, AwsError>) -> Step {
    let region = cx.region.to_string();
    let Some(stream) = fh.live(&region, name, created) else {
        return Step::Done(Value::Null);
    };
    let Some(mut inflight) = stream.meta.inflight.clone() else {
        return Step::Done(Value::Null);
    };
    match answer {
        Ok(_) => {
            release(stream, cx, &region, inflight.records);
            let m = &mut stream.meta;
            m.stats.delivered_objects += 1;
            m.stats.delivered_records += inflight.records as u64;
            m.stats.delivered_bytes += inflight.bytes as u64;
            m.delivered.push(Delivered { bucket: m.destination.bucket().to_string(), key: inflight.key, records: inflight.records, bytes: inflight.bytes, at_ms: cx.now_ms });
            if m.delivered.len() > DELIVERED_KEPT {
                m.delivered.remove(0);
            }
            m.inflight = None;
        }
        Err(e) if e.kind == "PermanentRedirect" && inflight.bucket_region.is_none() => {
            let to = e.extra.as_ref().and_then(|x| x.get("BucketRegion")).and_then(Value::as_str).unwrap_or_default().to_string();
            inflight.bucket_region = Some(to);
            stream.meta.inflight = Some(inflight);
            persist(cx, &region, stream);
            return put_step(stream, &region);
        }
        Err(e) => {
            let code = format!("S3.{}", e.kind);
            if inflight.attempts == 0 {
                log_error(stream, cx, &e.message, &code);
            }
            if cx.now_ms - inflight.since_ms < RETRY_FOR_MS {
                inflight.attempts += 1;
                inflight.last_error = Some(format!("{code}: {}", e.message));
                stream.meta.inflight = Some(inflight);
                persist(cx, &region, stream);
                cx.schedule(cx.now_ms + RETRY_MS, json!({"stream": name, "created": created, "do": "retry"}));
                return Step::Done(Value::Null);
            }
            log_error(stream, cx, &format!("Dropped {} records after retrying for 24 hours: {}", inflight.records, e.message), &code);
            release(stream, cx, &region, inflight.records);
            stream.meta.stats.dropped_records += inflight.records as u64;
            stream.meta.inflight = None;
        }
    }
    persist(cx, &region, stream);
    // The next object may be due already (a backlog, or a full buffer).
    try_flush(stream, cx, &region)
}

/// `firehose:DescribeBuffer`: what a stream holds and when it will flush.
pub(crate) fn describe_buffer(fh: &mut Firehose, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = v.required_string(input, "DeliveryStreamName", "deliveryStreamName", 1, 64).unwrap_or_default();
    v.finish()?;
    let region = cx.region.to_string();
    let account = cx.account.id.clone();
    let stream = fh.streams_mut(&region).get_mut(&name).ok_or_else(|| errors::not_found(&name, &account))?;
    let d = &stream.meta.destination;
    let next = due(stream, cx.now_ms).map(|t| t.max(cx.now_ms));
    let oldest = stream.buffer.front().map(|r| r.at_ms);
    let inflight = stream.meta.inflight.as_ref().map(|i| {
        json!({
            "Key": i.key, "Records": i.records, "Bytes": i.bytes, "Attempts": i.attempts,
            "Since": iso8601(i.since_ms), "LastError": i.last_error,
        })
    });
    let delivered: Vec<Value> =
        stream.meta.delivered.iter().rev().map(|o| json!({"Bucket": o.bucket, "Key": o.key, "Records": o.records, "Bytes": o.bytes, "DeliveredAt": iso8601(o.at_ms)})).collect();
    Ok(json!({
        "DeliveryStreamName": stream.meta.name,
        "DeliveryStreamStatus": stream.meta.status,
        "BufferedRecords": stream.buffer.len(),
        "BufferedBytes": stream.buffered_bytes,
        "SizeLimitBytes": d.size_limit_bytes(),
        "IntervalInSeconds": d.interval_s,
        "OldestArrival": oldest.map(iso8601),
        "NextFlush": next.map(iso8601),
        "NextFlushMs": next,
        "InFlight": inflight,
        "DeliveredObjects": delivered,
        "Stats": {
            "DeliveredObjects": stream.meta.stats.delivered_objects,
            "DeliveredRecords": stream.meta.stats.delivered_records,
            "DeliveredBytes": stream.meta.stats.delivered_bytes,
            "DroppedRecords": stream.meta.stats.dropped_records,
        },
    }))
}
