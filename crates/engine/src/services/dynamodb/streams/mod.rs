//! DynamoDB Streams: change capture on every table write, and the Streams API
//! (`streams.dynamodb`, JSON 1.0, `DynamoDBStreams_20120810`, see [`api`]), which the DynamoDB
//! service answers because the stream records are its state.
//!
//! A stream is born when a table's stream is enabled (CreateTable or UpdateTable) and is named
//! by its label, the time it was enabled. Disabling it, or deleting the table, closes it: it
//! stays readable, DISABLED, for 24 hours, and enabling again starts a new stream (new label,
//! new ARN). Each stream has one shard.
//!
//! Every write goes through [`put_item`] or [`delete_item`]: the item's journal record, the
//! table change, and, when the table's stream is on, one stream record (INSERT, MODIFY or
//! REMOVE; none when the item is unchanged, as DynamoDB writes none). With the stream off the
//! cost is one branch.
//!
//! Records: the stream `dynamodb/{region}/stream/{table}/{label}` (JSON, [`StreamMeta`]) and
//! each stream record `.../{label}/rec/{sequence number, 32 hex digits}` (binary). One sweep timer
//! per stream trims records older than 24 hours and forgets a closed stream 24 hours after it
//! closed.

pub mod api;

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{
    codec, item_key,
    key::{KeySchema, PrimaryKey},
    table::{KeyBytes, Table, TableMeta},
    value::{item_from_json, item_size, item_to_json, Item},
};
use crate::kernel::{scheduler::Timer, service::Cx};

/// How long a stream record stays readable, and a closed stream with it.
pub const RETENTION_MS: i64 = 24 * 3600 * 1000;

/// Timer payload action of the per-stream sweep.
pub const SWEEP_ACTION: &str = "stream-sweep";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    Insert,
    Modify,
    Remove,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::Insert => "INSERT",
            EventName::Modify => "MODIFY",
            EventName::Remove => "REMOVE",
        }
    }

    fn code(self) -> u8 {
        match self {
            EventName::Insert => 0,
            EventName::Modify => 1,
            EventName::Remove => 2,
        }
    }

    fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(EventName::Insert),
            1 => Some(EventName::Modify),
            2 => Some(EventName::Remove),
            _ => None,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [EventName::Insert, EventName::Modify, EventName::Remove].into_iter().find(|e| e.as_str() == s)
    }
}

/// Who made a change: a caller, or DynamoDB itself (Time to Live deletes, whose records carry
/// `userIdentity`): see [`super::ttl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    User,
    Service,
}

/// One stream record as it is kept: where its encoded value (the record's journal value, see
/// [`encode_record`]) lies in its stream's chunks of bytes. Values are decoded only when read,
/// which keeps capture cheap and memory small.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamRecord {
    pub seq: u128,
    pub at_ms: i64,
    /// Chunk number (counted since the stream began) and the value's range in it.
    chunk: u64,
    start: u32,
    len: u32,
}

/// Record values are appended to chunks of this size (a larger value gets a chunk of its own),
/// so a growing stream never copies what it holds, and trimming frees whole chunks.
const CHUNK_BYTES: usize = 256 * 1024;

/// A stream record's content, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at_ms: i64,
    pub event: EventName,
    pub origin: Origin,
    pub keys: Item,
    pub new: Option<Item>,
    pub old: Option<Item>,
}

impl Change {
    /// SizeBytes: the key attributes and the images the record carries.
    pub fn size(&self) -> usize {
        item_size(&self.keys) + self.new.as_ref().map_or(0, item_size) + self.old.as_ref().map_or(0, item_size)
    }
}

/// A stream's persistent description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamMeta {
    pub table: String,
    pub table_arn: String,
    pub label: String,
    pub view_type: String,
    pub key_schema: KeySchema,
    pub created_ms: i64,
    /// When the stream was disabled (or its table deleted); None while it is enabled.
    pub closed_ms: Option<i64>,
    /// Sequence numbers below this are gone (trimmed) or were never written.
    #[serde(with = "decimal")]
    pub trim_point: u128,
    /// When the pending sweep timer is due; a timer due at any other time is stale.
    pub sweep_at: Option<i64>,
}

mod decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone)]
pub struct Stream {
    pub meta: StreamMeta,
    /// In sequence order (consecutive numbers).
    records: VecDeque<StreamRecord>,
    /// The records' values, back to back in chunks; `first_chunk` is the number of the front one.
    chunks: VecDeque<Vec<u8>>,
    first_chunk: u64,
    /// Mixed into event ids, so two streams never share one.
    salt: u64,
    /// `dynamodb/{region}/stream/{table}/{label}/rec/`, the start of its records' keys.
    rec_prefix: String,
}

fn salt_of(arn: &str) -> u64 {
    let d = Sha256::digest(arn.as_bytes());
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Stream {
    fn new(region: &str, meta: StreamMeta) -> Stream {
        let salt = salt_of(&arn_of(&meta));
        let rec_prefix = format!("{}/rec/", meta_key(region, &meta.table, &meta.label));
        Stream { meta, records: VecDeque::new(), chunks: VecDeque::new(), first_chunk: 0, salt, rec_prefix }
    }

    fn record_key(&self, seq: u128) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 32];
        for (pair, b) in hex.chunks_exact_mut(2).zip(seq.to_be_bytes()) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 15)];
        }
        let mut key = String::with_capacity(self.rec_prefix.len() + hex.len());
        key.push_str(&self.rec_prefix);
        key.push_str(std::str::from_utf8(&hex).unwrap_or_default());
        key
    }

    /// The records from the first with sequence number `>= seq`, in order.
    pub fn records_from(&self, seq: u128) -> impl Iterator<Item = &StreamRecord> {
        self.records.range(self.position(seq)..)
    }

    /// The oldest record still kept.
    pub fn first(&self) -> Option<&StreamRecord> {
        self.records.front()
    }

    /// A record's content. Its value was checked when it was made or loaded.
    pub fn decode(&self, r: &StreamRecord) -> Result<Change, String> {
        decode_record(self.value(r))
    }

    fn value(&self, r: &StreamRecord) -> &[u8] {
        let chunk = self.chunks.get((r.chunk - self.first_chunk) as usize).map_or(&[][..], Vec::as_slice);
        chunk.get(r.start as usize..(r.start + r.len) as usize).unwrap_or_default()
    }

    /// Appends record `seq` (past every record kept).
    fn push(&mut self, seq: u128, at_ms: i64, value: &[u8]) {
        let fits = self.chunks.back().is_some_and(|c| c.len() + value.len() <= c.capacity());
        if !fits {
            self.chunks.push_back(Vec::with_capacity(CHUNK_BYTES.max(value.len())));
        }
        let chunk = self.first_chunk + self.chunks.len() as u64 - 1;
        let Some(bytes) = self.chunks.back_mut() else { return };
        let record = StreamRecord { seq, at_ms, chunk, start: bytes.len() as u32, len: value.len() as u32 };
        bytes.extend_from_slice(value);
        self.records.push_back(record);
    }

    /// Drops the oldest record, and the chunks no record uses any more.
    fn pop_front(&mut self) {
        self.records.pop_front();
        let keep = self.records.front().map_or(u64::MAX, |r| r.chunk);
        while self.first_chunk < keep && !self.chunks.is_empty() {
            self.chunks.pop_front();
            self.first_chunk += 1;
        }
    }

    pub fn arn(&self) -> String {
        arn_of(&self.meta)
    }

    /// The first sequence number of the stream's shard.
    pub fn start_seq(&self) -> u128 {
        start_seq(self.meta.created_ms)
    }

    /// AWS's shard id shape: `shardId-{creation ms, 20 digits}-{8 hex}`.
    pub fn shard_id(&self) -> String {
        format!("shardId-{:020}-{:08x}", self.meta.created_ms.max(0), self.salt as u32)
    }

    /// The sequence number the next record will get.
    pub fn next_seq(&self) -> u128 {
        self.records.back().map_or(self.meta.trim_point, |r| r.seq + 1)
    }

    pub fn is_open(&self) -> bool {
        self.meta.closed_ms.is_none()
    }

    /// A 32-hex-digit event id, unique per stream record.
    pub fn event_id(&self, seq: u128) -> String {
        let a = mix(self.salt ^ seq as u64);
        let b = mix(a ^ (seq >> 64) as u64 ^ self.salt.rotate_left(17));
        format!("{a:016x}{b:016x}")
    }

    /// Index of the first record with sequence number `>= seq`.
    fn position(&self, seq: u128) -> usize {
        self.records.partition_point(|r| r.seq < seq)
    }

    /// When this stream's sweep should next run: the oldest record's expiry, or the end of a
    /// closed stream's 24 hours.
    fn sweep_due(&self) -> Option<i64> {
        let oldest = self.records.front().map(|r| r.at_ms.saturating_add(RETENTION_MS));
        let end = self.meta.closed_ms.map(|c| c.saturating_add(RETENTION_MS));
        match (oldest, end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

pub fn arn_of(meta: &StreamMeta) -> String {
    format!("{}/stream/{}", meta.table_arn, meta.label)
}

/// Sequence numbers are 21-digit decimals, starting from the stream's creation time.
pub fn start_seq(created_ms: i64) -> u128 {
    created_ms.max(0) as u128 * 100_000_000
}

pub fn format_seq(seq: u128) -> String {
    format!("{seq:021}")
}

fn meta_key(region: &str, table: &str, label: &str) -> String {
    format!("dynamodb/{region}/stream/{table}/{label}")
}

/// Every stream of the account: per region, per table name, in creation order (the open one,
/// if any, last).
#[derive(Debug, Default)]
pub struct StreamStore {
    pub(crate) regions: BTreeMap<String, BTreeMap<String, Vec<Stream>>>,
}

impl StreamStore {
    pub fn streams(&self, region: &str) -> impl Iterator<Item = &Stream> {
        self.regions.get(region).into_iter().flat_map(|t| t.values().flatten())
    }

    /// The stream named by `arn` in `region`.
    pub fn by_arn(&self, region: &str, arn: &str) -> Option<&Stream> {
        let (table, label) = parse_arn(arn)?;
        self.regions.get(region)?.get(table)?.iter().find(|s| s.meta.label == label && s.arn() == arn)
    }

    /// Opens the stream `meta.stream.latest_label` names (CreateTable or UpdateTable enabling it).
    pub fn open(&mut self, cx: &mut Cx, region: &str, table: &TableMeta) {
        let (Some(label), Some(view_type)) = (&table.stream.latest_label, &table.stream.view_type) else {
            return;
        };
        let meta = StreamMeta {
            table: table.name.clone(),
            table_arn: table.arn.clone(),
            label: label.clone(),
            view_type: view_type.clone(),
            key_schema: table.key_schema.clone(),
            created_ms: cx.now_ms,
            closed_ms: None,
            trim_point: start_seq(cx.now_ms),
            sweep_at: None,
        };
        cx.journal.put_json(meta_key(region, &meta.table, label), &meta);
        let list = self.regions.entry(region.to_string()).or_default().entry(table.name.clone()).or_default();
        // A label is a millisecond: a stream enabled again within it is the same stream.
        list.retain(|s| &s.meta.label != label);
        list.push(Stream::new(region, meta));
    }

    /// Closes the table's open stream (UpdateTable disabling it, DeleteTable).
    pub fn close(&mut self, cx: &mut Cx, region: &str, table: &str) {
        let Some(stream) = self.regions.get_mut(region).and_then(|t| t.get_mut(table)).and_then(|l| l.last_mut()).filter(|s| s.is_open()) else {
            return;
        };
        stream.meta.closed_ms = Some(cx.now_ms);
        ensure_sweep(stream, cx);
        cx.journal.put_json(meta_key(region, table, &stream.meta.label), &stream.meta);
    }

    /// Appends the stream record of one item change to the table's stream (in `cx.region`, where
    /// every write happens). `old`: the item before (None: absent); `new`: the encoded item now
    /// stored under `key` (the item record's value; None: deleted). A write that put back an
    /// equal item writes no record (as DynamoDB writes none).
    ///
    /// `key`: the item's key, or None to read the key attributes from the new image (a stored
    /// item holds them), which spares the writer a copy of the key.
    pub fn capture(&mut self, cx: &mut Cx, meta: &TableMeta, key: Option<&PrimaryKey>, old: Option<&Item>, new: Option<(&[u8], &Item)>, origin: Origin) {
        let region = cx.region;
        let Some(label) = &meta.stream.latest_label else { return };
        let Some(stream) = self.regions.get_mut(region).and_then(|t| t.get_mut(&meta.name)).and_then(|l| l.last_mut()).filter(|s| &s.meta.label == label && s.is_open()) else {
            return;
        };
        let view = stream.meta.view_type.as_str();
        let both = view == "NEW_AND_OLD_IMAGES";
        let event = match (old, new) {
            // With both images the old one is encoded as its difference from the new one,
            // which also tells an unchanged item; otherwise they are compared here.
            (Some(o), Some((_, n))) if !both && super::table::same_item(o, n) => return,
            (None, Some(_)) => EventName::Insert,
            (Some(_), Some(_)) => EventName::Modify,
            (Some(_), None) => EventName::Remove,
            (None, None) => return,
        };
        let (old_item, new_item) = (old, new);
        let new = new.filter(|_| matches!(view, "NEW_IMAGE" | "NEW_AND_OLD_IMAGES"));
        // With both images, the old one is kept as its difference from the new one.
        let old = old.filter(|_| matches!(view, "OLD_IMAGE" | "NEW_AND_OLD_IMAGES")).map(|o| match new {
            Some((_, n)) => Image::Delta { item: o, base: n },
            None => Image::Item(o),
        });
        let keys = match (key, new_item, old_item) {
            (Some(k), _, _) => Keys::Key(&meta.key_schema, k),
            (None, _, _) => match new_item.map(|(_, n)| n).or(old_item) {
                Some(item) => Keys::Item(&meta.key_schema, item),
                None => return,
            },
        };
        let Some(value) = encode_record(cx.now_ms, event, origin, keys, new.map(|(bytes, _)| bytes), old) else {
            return; // the old image is the new one: nothing changed
        };
        let seq = stream.next_seq();
        let key = stream.record_key(seq);
        stream.push(seq, cx.now_ms, &value);
        cx.journal.put(key, value);
        if stream.meta.sweep_at.is_none() {
            ensure_sweep(stream, cx);
            cx.journal.put_json(meta_key(region, &meta.name, label), &stream.meta);
        }
    }

    /// The sweep timer of a stream: trims records past retention, forgets a stream closed for
    /// 24 hours, and schedules the next sweep.
    pub fn sweep(&mut self, cx: &mut Cx, timer: &Timer) {
        let region = cx.region.to_string();
        let table = timer.payload.get("table").and_then(Value::as_str).unwrap_or_default();
        let label = timer.payload.get("label").and_then(Value::as_str).unwrap_or_default();
        let Some(list) = self.regions.get_mut(&region).and_then(|t| t.get_mut(table)) else { return };
        let Some(i) = list.iter().position(|s| s.meta.label == label) else { return };
        let stream = &mut list[i];
        if stream.meta.sweep_at != Some(timer.due_ms) {
            return;
        }
        let now = cx.now_ms;
        stream.meta.sweep_at = None;
        if stream.meta.closed_ms.is_some_and(|c| c.saturating_add(RETENTION_MS) <= now) {
            list.remove(i);
            cx.journal.delete(meta_key(&region, table, label));
            cx.journal.delete_prefix(format!("{}/", meta_key(&region, table, label)));
            return;
        }
        while let Some(seq) = stream.records.front().filter(|r| r.at_ms.saturating_add(RETENTION_MS) <= now).map(|r| r.seq) {
            cx.journal.delete(stream.record_key(seq));
            stream.meta.trim_point = seq + 1;
            stream.pop_front();
        }
        ensure_sweep(stream, cx);
        cx.journal.put_json(meta_key(&region, table, label), &stream.meta);
    }

    pub fn save(&self, out: &mut Vec<crate::kernel::journal::Record>) {
        for (region, tables) in &self.regions {
            for (table, list) in tables {
                for s in list {
                    out.push(crate::kernel::journal::Record { key: meta_key(region, table, &s.meta.label), value: serde_json::to_vec(&s.meta).unwrap_or_default() });
                    for r in &s.records {
                        out.push(crate::kernel::journal::Record { key: s.record_key(r.seq), value: s.value(r).to_vec() });
                    }
                }
            }
        }
    }

    /// Loads `dynamodb/{region}/stream/{table}/{label}[/rec/{seq}]`.
    pub fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["dynamodb", region, "stream", table, label] => {
                let meta: StreamMeta = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if meta.table != *table || meta.label != *label {
                    return Err("stream record names another stream".into());
                }
                let list = self.regions.entry(region.to_string()).or_default().entry(table.to_string()).or_default();
                let stream = Stream::new(region, meta);
                match list.iter_mut().find(|s| s.meta.label == stream.meta.label) {
                    Some(s) => s.meta = stream.meta,
                    None => {
                        let at = list.partition_point(|s| s.meta.created_ms <= stream.meta.created_ms);
                        list.insert(at, stream);
                    }
                }
                Ok(())
            }
            ["dynamodb", region, "stream", table, label, "rec", seq] => {
                let seq = Some(seq).filter(|s| s.len() == 32).and_then(|s| u128::from_str_radix(s, 16).ok()).ok_or("bad stream record sequence number")?;
                let stream = self
                    .regions
                    .get_mut(*region)
                    .and_then(|t| t.get_mut(*table))
                    .and_then(|l| l.iter_mut().find(|s| s.meta.label == *label))
                    .ok_or("stream record before its stream")?;
                let at_ms = decode_record(value)?.at_ms;
                // Records load in key (sequence) order, each after the last.
                if stream.records.back().is_some_and(|r| r.seq >= seq) || seq < stream.meta.trim_point {
                    return Err("stream record out of sequence".into());
                }
                stream.push(seq, at_ms, value);
                Ok(())
            }
            _ => Err("unknown DynamoDB stream record".into()),
        }
    }

    pub fn clear(&mut self) {
        self.regions.clear();
    }
}

/// Schedules the stream's next sweep if it needs one and has none pending. The caller
/// journals the stream's metadata.
fn ensure_sweep(stream: &mut Stream, cx: &mut Cx) {
    if stream.meta.sweep_at.is_some() {
        return;
    }
    if let Some(due) = stream.sweep_due() {
        stream.meta.sweep_at = Some(due);
        let payload = json!({"action": SWEEP_ACTION, "table": stream.meta.table, "label": stream.meta.label});
        cx.schedule(due, payload);
    }
}

/// `(table, label)` of a stream ARN `arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}`.
pub fn parse_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:dynamodb:")?;
    let (_, resource) = rest.split_once(":table/")?;
    let (table, label) = resource.split_once("/stream/")?;
    (!table.is_empty() && !label.is_empty() && !label.contains('/')).then_some((table, label))
}

/// Writes `item` under `key`: its journal record, the table, and (when the table's stream is
/// enabled) a stream record. Returns the item it replaced. Every item write goes through here.
pub(crate) fn put_item(table: &mut Table, streams: &mut StreamStore, cx: &mut Cx, region: &str, key: PrimaryKey, item: Item) -> Option<Item> {
    let bytes = codec::encode_item(&item);
    let record = item_key(region, &table.meta.name, &key);
    let flat = KeyBytes::of(&key);
    let due = super::ttl::due_of(table, cx.now_ms, &item);
    // One branch for a table that captures nothing.
    if !(table.meta.stream.enabled | table.kinesis.on | table.pitr.on | table.global.on) {
        cx.journal.put(record, bytes);
        if due.is_none() {
            return table.put_keyed(flat, key, item);
        }
        let old = table.put_keyed(flat.clone(), key, item);
        let replaced_due = old.as_ref().and_then(|o| super::ttl::due_of(table, cx.now_ms, o));
        super::ttl::on_put(table, cx, region, &flat, due, replaced_due);
        return old;
    }
    // The stream reads the key from the stored item; Kinesis, PITR and global tables need
    // their own copy.
    let key_copy = (table.kinesis.on | table.pitr.on | table.global.on).then(|| key.clone());
    let old = table.put_keyed(flat.clone(), key, item);
    if due.is_some() {
        let replaced_due = old.as_ref().and_then(|o| super::ttl::due_of(table, cx.now_ms, o));
        super::ttl::on_put(table, cx, region, &flat, due, replaced_due);
    }
    if let Some(key) = key_copy.as_ref().filter(|_| table.pitr.on) {
        let unchanged = matches!((&old, table.items.get_by_bytes(&flat)), (Some(o), Some(n)) if super::table::same_item(o, n));
        if !unchanged {
            super::pitr::capture(table, cx, region, key, old.as_ref());
        }
    }
    let new = table.items.get_by_bytes(&flat);
    if table.meta.stream.enabled {
        streams.capture(cx, &table.meta, None, old.as_ref(), new.map(|n| (bytes.as_slice(), n)), Origin::User);
    }
    if let Some(key) = key_copy.as_ref().filter(|_| table.kinesis.on) {
        super::kinesis_dest::capture(&mut table.kinesis, cx, region, &table.meta, key, old.as_ref(), new, Origin::User);
    }
    if let Some(key) = key_copy.as_ref().filter(|_| table.global.on) {
        super::global::capture(table, cx, region, key, &flat);
    }
    cx.journal.put(record, bytes);
    old
}

/// Deletes the item under `key`, if there is one: journal, table and stream record, as
/// [`put_item`]. Returns the item deleted.
pub(crate) fn delete_item(table: &mut Table, streams: &mut StreamStore, cx: &mut Cx, region: &str, key: &PrimaryKey) -> Option<Item> {
    delete_item_as(table, streams, cx, region, key, Origin::User)
}

/// [`delete_item`] on behalf of `origin` (Time to Live deletes are DynamoDB's own).
pub(crate) fn delete_item_as(table: &mut Table, streams: &mut StreamStore, cx: &mut Cx, region: &str, key: &PrimaryKey, origin: Origin) -> Option<Item> {
    let old = table.remove(key)?;
    cx.journal.delete(item_key(region, &table.meta.name, key));
    if table.pitr.on {
        super::pitr::capture(table, cx, region, key, Some(&old));
    }
    if table.meta.stream.enabled | table.kinesis.on | table.global.on {
        if table.meta.stream.enabled {
            streams.capture(cx, &table.meta, Some(key), Some(&old), None, origin);
        }
        if table.kinesis.on {
            super::kinesis_dest::capture(&mut table.kinesis, cx, region, &table.meta, key, Some(&old), None, origin);
        }
        if table.global.on {
            super::global::capture(table, cx, region, key, &KeyBytes::of(key));
        }
    }
    Some(old)
}

const RECORD_VERSION: u8 = 1;

/// Appends a length-prefixed part: what `write` appends.
fn put_part(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    write(out);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// A stream record's value: version, event (bit 4: DynamoDB's own), time, which images follow,
/// then the keys and the images, each length-prefixed and encoded as items are ([`codec`]).
/// The images come already encoded.
/// A record's key attributes: from the table's key, or (import) already a map.
enum Keys<'a> {
    Key(&'a KeySchema, &'a PrimaryKey),
    /// The key attributes of a stored item (which always holds them).
    Item(&'a KeySchema, &'a Item),
    Map(&'a Item),
}

/// An image for a stream record: already encoded, an item encoded into the record, or (the old
/// image beside a new one) an item encoded as its difference from `base`, the new image
/// ([`codec::encode_delta`]; flag bit 2 of the record).
enum Image<'a> {
    Bytes(&'a [u8]),
    Item(&'a Item),
    Delta { item: &'a Item, base: &'a Item },
}

/// None when the old image is a delta that found nothing changed.
fn encode_record(at_ms: i64, event: EventName, origin: Origin, keys: Keys, new: Option<&[u8]>, old: Option<Image>) -> Option<Vec<u8>> {
    let old_len = match &old {
        Some(Image::Bytes(b)) => b.len(),
        // The new image's size is a fair guess for the old one's.
        Some(Image::Item(_)) => new.map_or(64, <[u8]>::len),
        // A write or two of changed attributes, usually.
        Some(Image::Delta { .. }) => 64,
        None => 0,
    };
    let mut out = Vec::with_capacity(56 + new.map_or(0, <[u8]>::len) + old_len);
    out.push(RECORD_VERSION);
    out.push(event.code() | if origin == Origin::Service { 0x10 } else { 0 });
    out.extend_from_slice(&at_ms.to_le_bytes());
    out.push(u8::from(new.is_some()) | u8::from(old.is_some()) << 1 | u8::from(matches!(old, Some(Image::Delta { .. }))) << 2);
    put_part(&mut out, |o| match keys {
        Keys::Key(schema, key) => codec::encode_key_map(o, schema, key),
        Keys::Item(schema, item) => {
            let complete = codec::encode_key_map_of_item(o, schema, item);
            debug_assert!(complete, "a stored item holds its key attributes");
        }
        Keys::Map(m) => codec::encode_map(o, m),
    });
    if let Some(n) = new {
        put_part(&mut out, |o| o.extend_from_slice(n));
    }
    match old {
        Some(Image::Bytes(b)) => put_part(&mut out, |o| o.extend_from_slice(b)),
        Some(Image::Item(item)) => put_part(&mut out, |o| codec::encode_map(o, item)),
        Some(Image::Delta { item, base }) => {
            let mut differs = false;
            put_part(&mut out, |o| differs = codec::encode_delta(o, item, base));
            if !differs {
                return None;
            }
        }
        None => {}
    }
    Some(out)
}

fn decode_record(b: &[u8]) -> Result<Change, String> {
    let bad = || "truncated or damaged stream record".to_string();
    if b.len() < 11 {
        return Err(bad());
    }
    let (version, event, flags) = (b[0], b[1], b[10]);
    // Flags: bit 0 a new image, bit 1 an old image, bit 2 the old image as a delta (needs both).
    if version != RECORD_VERSION || flags > 7 || (flags & 4 != 0 && flags & 3 != 3) || event & !0x10 > 2 {
        return Err(bad());
    }
    let at_ms = i64::from_le_bytes(b[2..10].try_into().map_err(|_| bad())?);
    let mut rest = &b[11..];
    let mut part = || -> Result<&[u8], String> {
        let (len, tail) = rest.split_at_checked(4).ok_or_else(bad)?;
        let len = u32::from_le_bytes(len.try_into().map_err(|_| bad())?) as usize;
        let (bytes, tail) = tail.split_at_checked(len).ok_or_else(bad)?;
        rest = tail;
        Ok(bytes)
    };
    let keys = codec::decode_item(part()?)?;
    let new = if flags & 1 != 0 { Some(codec::decode_item(part()?)?) } else { None };
    let old = match (flags & 2 != 0, &new) {
        (false, _) => None,
        (true, Some(n)) if flags & 4 != 0 => Some(codec::decode_delta(part()?, n)?),
        (true, _) => Some(codec::decode_item(part()?)?),
    };
    if !rest.is_empty() {
        return Err(bad());
    }
    let origin = if event & 0x10 != 0 { Origin::Service } else { Origin::User };
    let event = EventName::from_code(event & 0x0f).ok_or_else(bad)?;
    Ok(Change { at_ms, event, origin, keys, new, old })
}

/// A stream record as readable JSON for sandbox export.
pub fn record_to_json(key: &str, value: &[u8]) -> Result<Value, String> {
    if !key.contains("/rec/") {
        return serde_json::from_slice(value).map_err(|e| e.to_string());
    }
    let r = decode_record(value)?;
    let mut v = json!({"eventName": r.event.as_str(), "atMs": r.at_ms, "Keys": item_to_json(&r.keys)});
    if r.origin == Origin::Service {
        v["service"] = json!(true);
    }
    if let Some(n) = &r.new {
        v["NewImage"] = item_to_json(n);
    }
    if let Some(o) = &r.old {
        v["OldImage"] = item_to_json(o);
    }
    Ok(v)
}

/// The inverse of [`record_to_json`].
pub fn record_from_json(key: &str, value: &Value) -> Result<Vec<u8>, String> {
    if !key.contains("/rec/") {
        return serde_json::to_vec(value).map_err(|e| e.to_string());
    }
    let event = value.get("eventName").and_then(Value::as_str).and_then(EventName::parse).ok_or("stream record without a valid 'eventName'")?;
    let at_ms = value.get("atMs").and_then(Value::as_i64).ok_or("stream record without 'atMs'")?;
    let image = |name: &str| value.get(name).map(|v| item_from_json(v).map_err(|e| e.message)).transpose();
    let keys = image("Keys")?.ok_or("stream record without 'Keys'")?;
    let origin = if value.get("service").and_then(Value::as_bool) == Some(true) { Origin::Service } else { Origin::User };
    let new = image("NewImage")?.map(|n| codec::encode_item(&n));
    let old = image("OldImage")?.map(|o| codec::encode_item(&o));
    encode_record(at_ms, event, origin, Keys::Map(&keys), new.as_deref(), old.as_deref().map(Image::Bytes)).ok_or_else(|| "stream record without a change".to_string())
}

#[cfg(test)]
mod tests;
