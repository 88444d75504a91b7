//! Log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams.

use serde_json::{json, Map, Value};

use super::{
    already_exists,
    groups::{decode_token, encode_token, INVALID_TOKEN},
    input::{self, group_arn, Checks, Input},
    invalid_parameter, put_stream, resource_not_found,
    state::{self, Stream, StreamMeta},
    Logs, NO_STREAM,
};
use crate::kernel::{error::AwsError, service::Cx};

/// The group and stream a request names by `logGroupName` and `logStreamName`, checked.
fn names(input: &Input) -> Result<(String, String), AwsError> {
    let group = input.string("logGroupName")?;
    let stream = input.string("logStreamName")?;
    let mut c = Checks::default();
    c.required(group, "logGroupName");
    c.group_name(group, "logGroupName");
    c.required(stream, "logStreamName");
    c.stream_name(stream, "logStreamName");
    c.finish()?;
    Ok((group.unwrap_or_default().to_string(), stream.unwrap_or_default().to_string()))
}

pub fn create_log_stream(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let (group, stream) = names(&input)?;
    let id = cx.rng.next_u64() % 1_000_000_000_000_000_000;
    let g = logs.group_mut(cx.region, &group)?;
    if g.streams.contains_key(&stream) {
        return Err(already_exists("The specified log stream already exists"));
    }
    let meta = StreamMeta {
        name: stream.clone(),
        creation_time: cx.now_ms,
        id,
        first_event_timestamp: None,
        last_event_timestamp: None,
        last_ingestion_time: None,
        uploads: 0,
        next_seq: 0,
    };
    put_stream(cx.journal, cx.region, &group, &meta);
    g.streams.insert(stream, Stream::new(meta));
    Ok(json!({}))
}

pub fn delete_log_stream(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let (group, stream) = names(&input)?;
    let g = logs.group_mut(cx.region, &group)?;
    if g.streams.remove(&stream).is_none() {
        return Err(resource_not_found(NO_STREAM));
    }
    let key = state::stream_key(cx.region, &group, &stream);
    cx.journal.delete(key.clone());
    cx.journal.delete_prefix(format!("{key}/"));
    Ok(json!({}))
}

/// The 56-digit sequence token after `uploads` stored batches.
pub fn sequence_token(uploads: u64) -> String {
    format!("{uploads:056}")
}

pub fn describe_stream(cx: &Cx, group: &str, s: &Stream) -> Value {
    let m = &s.meta;
    let mut out = Map::new();
    out.insert("logStreamName".into(), json!(m.name));
    out.insert("creationTime".into(), json!(m.creation_time));
    if let Some(t) = m.first_event_timestamp {
        out.insert("firstEventTimestamp".into(), json!(t));
    }
    if let Some(t) = m.last_event_timestamp {
        out.insert("lastEventTimestamp".into(), json!(t));
    }
    if let Some(t) = m.last_ingestion_time {
        out.insert("lastIngestionTime".into(), json!(t));
    }
    if m.uploads > 0 {
        out.insert("uploadSequenceToken".into(), json!(sequence_token(m.uploads)));
    }
    out.insert("arn".into(), json!(format!("{}:log-stream:{}", group_arn(cx, group), m.name)));
    // Deprecated for log streams in 2019: AWS always reports zero.
    out.insert("storedBytes".into(), json!(0));
    Value::Object(out)
}

/// A stream's place in DescribeLogStreams' order: last event time (0 when it has none) when
/// ordering by LastEventTime, then the name.
fn order_key(s: &Stream, by_time: bool) -> (i64, &str) {
    (if by_time { s.meta.last_event_timestamp.unwrap_or(0) } else { 0 }, s.meta.name.as_str())
}

pub fn describe_log_streams(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("logGroupName")?;
    let identifier = input.string("logGroupIdentifier")?;
    let prefix = input.string("logStreamNamePrefix")?;
    let order = input.string("orderBy")?;
    let descending = input.boolean("descending")?.unwrap_or(false);
    let token = input.string("nextToken")?;
    let limit = input.integer("limit")?;
    let mut c = Checks::default();
    c.group_name(name, "logGroupName");
    c.group_identifier(identifier, "logGroupIdentifier");
    c.stream_name(prefix, "logStreamNamePrefix");
    c.one_of(order, "orderBy", &["LogStreamName", "LastEventTime"]);
    c.next_token(token, "nextToken");
    c.range(limit, "limit", 1, 50);
    c.finish()?;
    let group = input::group_of(cx, name, identifier)?;
    let by_time = order == Some("LastEventTime");
    if by_time && prefix.is_some() {
        return Err(invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix."));
    }
    let after = match token {
        None => None,
        Some(t) => {
            let text = decode_token(t)?;
            let (time, name) = text.split_once(':').ok_or_else(|| invalid_parameter(INVALID_TOKEN))?;
            Some((time.parse::<i64>().map_err(|_| invalid_parameter(INVALID_TOKEN))?, name.to_string()))
        }
    };
    let g = logs.group(cx.region, &group)?;
    let mut streams: Vec<&Stream> = g.streams.values().filter(|s| prefix.is_none_or(|p| s.meta.name.starts_with(p))).collect();
    streams.sort_by(|a, b| order_key(a, by_time).cmp(&order_key(b, by_time)));
    if descending {
        streams.reverse();
    }
    if let Some((time, name)) = &after {
        let mark = (*time, name.as_str());
        streams.retain(|s| if descending { order_key(s, by_time) < mark } else { order_key(s, by_time) > mark });
    }
    let limit = limit.unwrap_or(50) as usize;
    let more = streams.len() > limit;
    streams.truncate(limit);
    let mut out = json!({"logStreams": streams.iter().map(|s| describe_stream(cx, &group, s)).collect::<Vec<_>>()});
    if more {
        if let Some(last) = streams.last() {
            let (time, name) = order_key(last, by_time);
            out["nextToken"] = json!(encode_token(&format!("{time}:{name}")));
        }
    }
    Ok(out)
}
