//! The state of CloudWatch Logs: log groups, their streams, and each stream's events in
//! timestamp order; and the records they persist as.
//!
//! Records (names are escaped, see [`escape`], so keys stay `/`-separated):
//! - `logs/{region}/group/{group}`: the group's [`GroupMeta`] (JSON);
//! - `logs/{region}/group/{group}/stream/{stream}`: the stream's [`StreamMeta`] (JSON);
//! - `logs/{region}/group/{group}/stream/{stream}/batch/{seq hex}`: the events one PutLogEvents
//!   call stored (JSON `[[seq, timestamp, ingestionTime, message], ...]`), keyed by the first
//!   event's sequence number. A retention sweep rewrites or deletes the batches it thins out.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::kernel::journal::Journal;

/// Bytes PutLogEvents and GetLogEvents count for each event beside its message.
pub const EVENT_OVERHEAD: usize = 26;

pub const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMeta {
    pub name: String,
    pub creation_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    pub log_group_class: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// When the pending retention sweep is due (the timer carries the same time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep_due: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamMeta {
    pub name: String,
    pub creation_time: i64,
    /// A random number that makes this stream's eventIds unique.
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_event_timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_timestamp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ingestion_time: Option<i64>,
    /// PutLogEvents calls that stored events so far (the sequence token counts them).
    #[serde(default)]
    pub uploads: u64,
    /// The sequence number the next stored event gets.
    #[serde(default)]
    pub next_seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub message: String,
    /// The batch record holding this event (its first event's sequence number).
    pub batch: u64,
}

/// Events of a stream by (timestamp, sequence number): timestamp order, ties in arrival order.
pub type EventKey = (i64, u64);

#[derive(Debug, Clone)]
pub struct Stream {
    pub meta: StreamMeta,
    pub events: BTreeMap<EventKey, Event>,
    /// Sum of the stored messages' UTF-8 bytes (derived).
    pub bytes: u64,
}

impl Stream {
    pub fn new(meta: StreamMeta) -> Self {
        Stream { meta, events: BTreeMap::new(), bytes: 0 }
    }

    pub fn insert(&mut self, seq: u64, event: Event) {
        self.bytes += event.message.len() as u64;
        if let Some(old) = self.events.insert((event.timestamp, seq), event) {
            self.bytes -= old.message.len() as u64;
        }
    }

    /// The events of batch `batch`, in sequence order.
    pub fn batch(&self, batch: u64) -> Vec<(u64, &Event)> {
        let mut out: Vec<(u64, &Event)> = self.events.iter().filter(|(_, e)| e.batch == batch).map(|(k, e)| (k.1, e)).collect();
        out.sort_by_key(|(seq, _)| *seq);
        out
    }

    /// Every batch record's events, in sequence order.
    pub fn batches(&self) -> BTreeMap<u64, Vec<(u64, &Event)>> {
        let mut out: BTreeMap<u64, Vec<(u64, &Event)>> = BTreeMap::new();
        for (k, e) in &self.events {
            out.entry(e.batch).or_default().push((k.1, e));
        }
        for list in out.values_mut() {
            list.sort_by_key(|(seq, _)| *seq);
        }
        out
    }

    /// Drops events with a timestamp before `cutoff`, journaling the batches that change.
    pub fn drop_before(&mut self, cutoff: i64, journal: &mut Journal, stream_key: &str) {
        let keep = self.events.split_off(&(cutoff, 0));
        let removed = std::mem::replace(&mut self.events, keep);
        if removed.is_empty() {
            return;
        }
        let touched: BTreeSet<u64> = removed.values().map(|e| e.batch).collect();
        for e in removed.values() {
            self.bytes -= e.message.len() as u64;
        }
        // One pass over what is left gathers the touched batches' remaining events.
        let mut left_of: BTreeMap<u64, Vec<(u64, &Event)>> = touched.iter().map(|b| (*b, Vec::new())).collect();
        for (k, e) in &self.events {
            if let Some(list) = left_of.get_mut(&e.batch) {
                list.push((k.1, e));
            }
        }
        for (batch, mut left) in left_of {
            left.sort_by_key(|(seq, _)| *seq);
            let key = batch_key(stream_key, batch);
            if left.is_empty() {
                journal.delete(key);
            } else {
                journal.put(key, encode_batch(&left));
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub meta: GroupMeta,
    pub streams: BTreeMap<String, Stream>,
}

impl Group {
    pub fn stored_bytes(&self) -> u64 {
        self.streams.values().map(|s| s.bytes).sum()
    }

    /// The earliest event timestamp in the group.
    pub fn oldest_event(&self) -> Option<i64> {
        self.streams.values().filter_map(|s| s.events.keys().next().map(|k| k.0)).min()
    }
}

/// Escapes `%` and `/` so a name is one key segment.
pub fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out
}

pub fn unescape(segment: &str) -> Result<String, String> {
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        match rest.get(i..i + 3) {
            Some("%25") => out.push('%'),
            Some("%2F") => out.push('/'),
            _ => return Err(format!("bad escape in key segment '{segment}'")),
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

pub fn group_key(region: &str, group: &str) -> String {
    format!("logs/{region}/group/{}", escape(group))
}

pub fn stream_key(region: &str, group: &str, stream: &str) -> String {
    format!("{}/stream/{}", group_key(region, group), escape(stream))
}

pub fn batch_key(stream_key: &str, first_seq: u64) -> String {
    format!("{stream_key}/batch/{first_seq:016x}")
}

pub fn encode_batch(events: &[(u64, &Event)]) -> Vec<u8> {
    let rows: Vec<(u64, i64, i64, &str)> = events.iter().map(|(seq, e)| (*seq, e.timestamp, e.ingestion_time, e.message.as_str())).collect();
    serde_json::to_vec(&rows).unwrap_or_default()
}

pub fn decode_batch(value: &[u8], batch: u64) -> Result<Vec<(u64, Event)>, String> {
    let rows: Vec<(u64, i64, i64, String)> = serde_json::from_slice(value).map_err(|e| e.to_string())?;
    Ok(rows.into_iter().map(|(seq, timestamp, ingestion_time, message)| (seq, Event { timestamp, ingestion_time, message, batch })).collect())
}
