//! Log events: PutLogEvents, GetLogEvents, FilterLogEvents.

use std::ops::Bound;

use serde_json::{json, Map, Value};

use super::{
    filter::Pattern,
    groups::{decode_token, encode_token, INVALID_TOKEN},
    input::{self, Checks, Input},
    invalid_parameter, put_stream, resource_not_found, schedule_sweep_for,
    state::{self, Event, EventKey, Stream, DAY_MS, EVENT_OVERHEAD},
    streams::sequence_token,
    Logs, NO_STREAM,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Largest PutLogEvents batch (and event), counting 26 bytes per event beside its message.
pub const MAX_BATCH_BYTES: usize = 1_048_576;
pub const MAX_BATCH_EVENTS: usize = 10_000;
/// Most bytes one GetLogEvents or FilterLogEvents answer carries.
pub const MAX_READ_BYTES: usize = 1_048_576;
pub const MAX_READ_EVENTS: usize = 10_000;
/// Events further in the future than this are rejected.
pub const FUTURE_MS: i64 = 2 * 3_600_000;
/// Events older than this are rejected.
pub const PAST_MS: i64 = 14 * DAY_MS;

pub fn put_log_events(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    input::refuse(&input, "PutLogEvents", &["entity"])?;
    let group = input.string("logGroupName")?;
    let stream = input.string("logStreamName")?;
    let token = input.string("sequenceToken")?;
    let list = input.list("logEvents")?;
    let mut c = Checks::default();
    c.required(group, "logGroupName");
    c.group_name(group, "logGroupName");
    c.required(stream, "logStreamName");
    c.stream_name(stream, "logStreamName");
    c.required(list, "logEvents");
    c.next_token(token, "sequenceToken");
    let mut batch: Vec<(i64, &str)> = Vec::new();
    if let Some(list) = list {
        if list.is_empty() {
            c.add(Some("[]"), "logEvents", "Member must have length greater than or equal to 1");
        }
        if list.len() > MAX_BATCH_EVENTS {
            c.add(Some(&format!("[{} events]", list.len())), "logEvents", &format!("Member must have length less than or equal to {MAX_BATCH_EVENTS}"));
        }
        for (i, e) in Input::elements(list, "InputLogEvent")?.iter().enumerate() {
            let (t, m) = (e.long("timestamp")?, e.string("message")?);
            let path = format!("logEvents.{}.member", i + 1);
            c.required(t, &format!("{path}.timestamp"));
            c.min(t, &format!("{path}.timestamp"), 0);
            c.required(m, &format!("{path}.message"));
            if m == Some("") {
                c.add(m, &format!("{path}.message"), "Member must have length greater than or equal to 1");
            }
            batch.push((t.unwrap_or_default(), m.unwrap_or_default()));
        }
    }
    c.finish()?;
    let (group, stream) = (group.unwrap_or_default(), stream.unwrap_or_default());
    let g = logs.group_mut(cx.region, group)?;
    let retention = g.meta.retention_in_days;
    let s = g.streams.get_mut(stream).ok_or_else(|| resource_not_found(NO_STREAM))?;

    let mut total = 0;
    for (_, m) in &batch {
        let size = m.len() + EVENT_OVERHEAD;
        if size > MAX_BATCH_BYTES {
            return Err(invalid_parameter(format!("Log event too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")));
        }
        total += size;
    }
    if total > MAX_BATCH_BYTES {
        return Err(invalid_parameter(format!("Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}")));
    }
    if batch.windows(2).any(|w| w[1].0 < w[0].0) {
        return Err(invalid_parameter("Log events in a single PutLogEvents request must be in chronological order."));
    }
    // The batch is in timestamp order: too old, then expired, then valid, then too new.
    let now = cx.now_ms;
    let too_old = batch.iter().take_while(|(t, _)| *t < now.saturating_sub(PAST_MS)).count();
    let retention_cutoff = retention.map(|d| now.saturating_sub(d.saturating_mul(DAY_MS)));
    let expired_end = too_old + batch[too_old..].iter().take_while(|(t, _)| retention_cutoff.is_some_and(|cut| *t < cut)).count();
    let too_new = batch.iter().position(|(t, _)| *t > now.saturating_add(FUTURE_MS)).unwrap_or(batch.len()).max(expired_end);
    let valid = &batch[expired_end..too_new];
    if let (Some(first), Some(last)) = (valid.first(), valid.last()) {
        if last.0 - first.0 > DAY_MS {
            return Err(invalid_parameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours."));
        }
    }

    let region = cx.region.to_string();
    if !valid.is_empty() {
        let first_seq = s.meta.next_seq;
        let added: Vec<(u64, Event)> =
            valid.iter().enumerate().map(|(i, (t, m))| (first_seq + i as u64, Event { timestamp: *t, ingestion_time: now, message: m.to_string(), batch: first_seq })).collect();
        // The batch record holds exactly this call's events (encoded before they move in, so the
        // stream's other events are never scanned).
        let record = state::encode_batch(&added.iter().map(|(seq, e)| (*seq, e)).collect::<Vec<_>>());
        for (seq, e) in added {
            s.insert(seq, e);
        }
        s.meta.next_seq += valid.len() as u64;
        let (lo, hi) = (valid[0].0, valid[valid.len() - 1].0);
        s.meta.first_event_timestamp = Some(s.meta.first_event_timestamp.map_or(lo, |f| f.min(lo)));
        s.meta.last_event_timestamp = Some(s.meta.last_event_timestamp.map_or(hi, |l| l.max(hi)));
        s.meta.last_ingestion_time = Some(now);
        let key = state::stream_key(&region, group, stream);
        cx.journal.put(state::batch_key(&key, first_seq), record);
    }
    s.meta.uploads += 1;
    put_stream(cx.journal, &region, group, &s.meta);
    let token = sequence_token(s.meta.uploads);
    if let Some((t, _)) = valid.first() {
        schedule_sweep_for(g, cx, *t);
    }

    let mut out = json!({"nextSequenceToken": token});
    let mut rejected = Map::new();
    if too_new < batch.len() {
        rejected.insert("tooNewLogEventStartIndex".into(), json!(too_new));
    }
    if too_old > 0 {
        rejected.insert("tooOldLogEventEndIndex".into(), json!(too_old));
    }
    if expired_end > too_old {
        rejected.insert("expiredLogEventEndIndex".into(), json!(expired_end));
    }
    if !rejected.is_empty() {
        out["rejectedLogEventsInfo"] = Value::Object(rejected);
    }
    Ok(out)
}

/// A GetLogEvents token: a boundary between events (`f/` forward from it, `b/` back from it).
fn event_token(forward: bool, at: EventKey) -> String {
    format!("{}/{:020}{:020}{:016}/s", if forward { 'f' } else { 'b' }, at.0, at.1, 0)
}

fn parse_event_token(token: &str) -> Result<(bool, EventKey), AwsError> {
    let bad = || invalid_parameter(INVALID_TOKEN);
    let (forward, rest) = match token.get(..2) {
        Some("f/") => (true, &token[2..]),
        Some("b/") => (false, &token[2..]),
        _ => return Err(bad()),
    };
    let digits = rest.strip_suffix("/s").filter(|d| d.len() == 56 && d.bytes().all(|b| b.is_ascii_digit())).ok_or_else(bad)?;
    let time = digits[..20].parse::<i64>().map_err(|_| bad())?;
    let seq = digits[20..40].parse::<u64>().map_err(|_| bad())?;
    Ok((forward, (time, seq)))
}

fn output_event(e: &Event) -> Value {
    json!({"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time})
}

/// Takes events while they fit `limit` and the 1 MB answer (always at least one).
fn take_page<T>(items: impl Iterator<Item = T>, limit: usize, size: impl Fn(&T) -> usize) -> (Vec<T>, bool) {
    let mut out = Vec::new();
    let mut bytes = 0;
    let mut more = false;
    for item in items {
        let n = size(&item) + EVENT_OVERHEAD;
        if out.len() == limit || (!out.is_empty() && bytes + n > MAX_READ_BYTES) {
            more = true;
            break;
        }
        bytes += n;
        out.push(item);
    }
    (out, more)
}

pub fn get_log_events(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("logGroupName")?;
    let identifier = input.string("logGroupIdentifier")?;
    let stream = input.string("logStreamName")?;
    let start = input.long("startTime")?;
    let end = input.long("endTime")?;
    let token = input.string("nextToken")?;
    let limit = input.integer("limit")?;
    let head = input.boolean("startFromHead")?.unwrap_or(false);
    let _unmask = input.boolean("unmask")?;
    let mut c = Checks::default();
    c.group_name(name, "logGroupName");
    c.group_identifier(identifier, "logGroupIdentifier");
    c.required(stream, "logStreamName");
    c.stream_name(stream, "logStreamName");
    c.min(start, "startTime", 0);
    c.min(end, "endTime", 0);
    c.next_token(token, "nextToken");
    c.range(limit, "limit", 1, MAX_READ_EVENTS as i64);
    c.finish()?;
    let group = input::group_of(cx, name, identifier)?;
    let token = token.map(parse_event_token).transpose()?;
    let g = logs.group(cx.region, &group)?;
    let s: &Stream = g.streams.get(stream.unwrap_or_default()).ok_or_else(|| resource_not_found(NO_STREAM))?;
    let limit = limit.map_or(MAX_READ_EVENTS, |l| l as usize);
    // The window: startTime inclusive, endTime exclusive.
    let lo: EventKey = (start.unwrap_or(0), 0);
    let hi: EventKey = (end.unwrap_or(i64::MAX), 0);
    let window = |from: Bound<EventKey>, to: Bound<EventKey>| s.events.range((from, to));
    let (forward, at) = match token {
        Some((forward, at)) => (forward, Some(at)),
        None => (head, None),
    };
    let page: Vec<(&EventKey, &Event)> = if forward {
        let from = at.map_or(lo, |a| a.max(lo));
        if from >= hi {
            Vec::new()
        } else {
            take_page(window(Bound::Included(from), Bound::Excluded(hi)), limit, |(_, e)| e.message.len()).0
        }
    } else {
        let to = at.map_or(hi, |a| a.min(hi));
        if to <= lo {
            Vec::new()
        } else {
            let mut p = take_page(window(Bound::Included(lo), Bound::Excluded(to)).rev(), limit, |(_, e)| e.message.len()).0;
            p.reverse();
            p
        }
    };
    let (next_forward, next_backward) = match (page.first(), page.last()) {
        (Some((first, _)), Some((last, _))) => (event_token(true, (last.0, last.1 + 1)), event_token(false, **first)),
        _ => {
            let at = at.unwrap_or(if forward { lo } else { hi });
            (event_token(true, at), event_token(false, at))
        }
    };
    Ok(json!({
        "events": page.iter().map(|(_, e)| output_event(e)).collect::<Vec<_>>(),
        "nextForwardToken": next_forward,
        "nextBackwardToken": next_backward,
    }))
}

/// An event's place in FilterLogEvents' order.
type FilterKey<'a> = (i64, &'a str, u64);

/// FilterLogEvents' eventId: 56 digits from the timestamp, the stream and the event.
fn event_id(e: &Event, stream: &Stream, seq: u64) -> String {
    format!("{:020}{:018}{:018}", e.timestamp, stream.meta.id % 1_000_000_000_000_000_000, seq % 1_000_000_000_000_000_000)
}

pub fn filter_log_events(logs: &mut Logs, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let name = input.string("logGroupName")?;
    let identifier = input.string("logGroupIdentifier")?;
    let names = input.list("logStreamNames")?.map(|l| input::string_elements(l)).transpose()?;
    let prefix = input.string("logStreamNamePrefix")?;
    let start = input.long("startTime")?;
    let end = input.long("endTime")?;
    let pattern = input.string("filterPattern")?;
    let token = input.string("nextToken")?;
    let limit = input.integer("limit")?;
    let head = input.boolean("startFromHead")?.unwrap_or(true);
    let _interleaved = input.boolean("interleaved")?;
    let _unmask = input.boolean("unmask")?;
    let mut c = Checks::default();
    c.group_name(name, "logGroupName");
    c.group_identifier(identifier, "logGroupIdentifier");
    if let Some(list) = &names {
        let shown = format!("[{}]", list.join(", "));
        if list.is_empty() {
            c.add(Some(&shown), "logStreamNames", "Member must have length greater than or equal to 1");
        }
        if list.len() > 100 {
            c.add(Some(&shown), "logStreamNames", "Member must have length less than or equal to 100");
        }
        for (i, n) in list.iter().enumerate() {
            c.stream_name(Some(n), &format!("logStreamNames.{}.member", i + 1));
        }
    }
    c.stream_name(prefix, "logStreamNamePrefix");
    c.min(start, "startTime", 0);
    c.min(end, "endTime", 0);
    if let Some(p) = pattern.filter(|p| p.chars().count() > 1024) {
        c.add(Some(p), "filterPattern", "Member must have length less than or equal to 1024");
    }
    c.next_token(token, "nextToken");
    c.range(limit, "limit", 1, MAX_READ_EVENTS as i64);
    c.finish()?;
    let group = input::group_of(cx, name, identifier)?;
    if names.is_some() && prefix.is_some() {
        return Err(invalid_parameter("Cannot specify both LogStreamNames and LogStreamNamePrefix."));
    }
    let matcher = Pattern::parse(pattern.unwrap_or_default())?;
    let after = match token {
        None => None,
        Some(t) => {
            let text = decode_token(t)?;
            let mut parts = text.splitn(4, ':');
            let bad = || invalid_parameter(INVALID_TOKEN);
            let dir = parts.next().ok_or_else(bad)?;
            let time = parts.next().and_then(|p| p.parse::<i64>().ok()).ok_or_else(bad)?;
            let seq = parts.next().and_then(|p| p.parse::<u64>().ok()).ok_or_else(bad)?;
            let stream = parts.next().ok_or_else(bad)?.to_string();
            if (dir == "f") != head || !matches!(dir, "f" | "b") {
                return Err(bad());
            }
            Some((time, stream, seq))
        }
    };
    let g = logs.group(cx.region, &group)?;
    // startTime and endTime are both inclusive here.
    let lo: EventKey = (start.unwrap_or(0), 0);
    let hi = Bound::Included((end.unwrap_or(i64::MAX), u64::MAX));
    let mut found: Vec<(FilterKey, &Stream, &Event)> = Vec::new();
    for s in g.streams.values() {
        let wanted = match (&names, prefix) {
            (Some(list), _) => list.contains(&s.meta.name.as_str()),
            (None, Some(p)) => s.meta.name.starts_with(p),
            (None, None) => true,
        };
        if !wanted || lo.0 > end.unwrap_or(i64::MAX) {
            continue;
        }
        for (k, e) in s.events.range((Bound::Included(lo), hi)) {
            let key = (k.0, s.meta.name.as_str(), k.1);
            let past = match &after {
                None => true,
                Some((t, n, q)) if head => key > (*t, n.as_str(), *q),
                Some((t, n, q)) => key < (*t, n.as_str(), *q),
            };
            if past && matcher.matches(&e.message) {
                found.push((key, s, e));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    if !head {
        found.reverse();
    }
    let limit = limit.map_or(MAX_READ_EVENTS, |l| l as usize);
    let (page, more) = take_page(found.into_iter(), limit, |(_, _, e)| e.message.len());
    let events: Vec<Value> = page
        .iter()
        .map(|((_, stream, seq), s, e)| {
            json!({"logStreamName": stream, "timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion_time, "eventId": event_id(e, s, *seq)})
        })
        .collect();
    let mut out = json!({"events": events, "searchedLogStreams": []});
    if more {
        if let Some(((t, stream, seq), _, _)) = page.last() {
            out["nextToken"] = json!(encode_token(&format!("{}:{t}:{seq}:{stream}", if head { "f" } else { "b" })));
        }
    }
    Ok(out)
}
