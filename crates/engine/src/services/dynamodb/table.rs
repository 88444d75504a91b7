//! A table: its metadata (what DescribeTable shows) and its items, kept in key order
//! (placement hash, partition key, sort key), so an item collection is one contiguous range.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    ops::RangeBounds,
};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    index::{IndexKind, IndexMeta, IndexStatus},
    key::{scalar, KeySchema, KeyValue, PrimaryKey, ScalarType},
    value::{item_size, AttributeValue, Item},
};
use crate::kernel::error::AwsError;

/// One index's entries: partitions by (placement hash, partition key), each ordered by
/// (sort key, table primary key).
pub type IndexEntries = BTreeMap<(u64, KeyValue), BTreeSet<(Option<KeyValue>, PrimaryKey)>>;

/// A table's items, reachable two ways: by key (a hash map holding the items, for point reads
/// and writes) and in storage order (a B-tree of keys, for Query and Scan). Both always hold
/// the same keys; only these methods change them.
#[derive(Debug, Clone, Default)]
pub struct ItemMap {
    by_key: HashMap<KeyBytes, Stored, foldhash::fast::FixedState>,
    order: BTreeSet<PrimaryKey>,
    keep_json: bool,
}

/// One stored item, with its size and, in tables that keep it
/// ([`crate::EngineConfig::keep_item_json`]), its DynamoDB JSON text, so JSON answers copy the
/// text instead of walking the item. Items are never changed in place (a write replaces the
/// whole `Stored`), so the text cannot go stale.
#[derive(Debug, Clone)]
pub struct Stored {
    item: Item,
    size: usize,
    json: Option<Box<[u8]>>,
}

impl Stored {
    fn new(item: Item, keep_json: bool) -> Stored {
        let json = keep_json.then(|| {
            let mut out = Vec::new();
            super::reply::write_item(&mut out, &item);
            out.into_boxed_slice()
        });
        Stored { size: item_size(&item), item, json }
    }

    pub fn item(&self) -> &Item {
        &self.item
    }

    /// [`item_size`] of the item.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Appends the item as DynamoDB JSON (`{"a":{"S":"x"},...}`) to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match &self.json {
            Some(text) => out.extend_from_slice(text),
            None => super::reply::write_item(out, &self.item),
        }
    }
}

impl ItemMap {
    /// `keep_json`: keep each item's JSON text (see [`Stored`]).
    pub fn new(keep_json: bool) -> Self {
        ItemMap { keep_json, ..Default::default() }
    }

    pub fn get(&self, key: &PrimaryKey) -> Option<&Item> {
        self.get_stored(key).map(Stored::item)
    }

    pub fn get_stored(&self, key: &PrimaryKey) -> Option<&Stored> {
        self.by_key.get(&KeyBytes::of(key))
    }

    /// The item under a key already flattened by [`KeyBytes::of`].
    pub(crate) fn get_by_bytes(&self, key: &KeyBytes) -> Option<&Item> {
        self.by_key.get(key).map(Stored::item)
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Inserts or replaces; returns the item replaced.
    pub fn insert(&mut self, key: PrimaryKey, item: Item) -> Option<Item> {
        self.insert_keyed(KeyBytes::of(&key), key, item)
    }

    /// [`ItemMap::insert`] with the key already flattened (`flat` must be `KeyBytes::of(&key)`).
    pub(crate) fn insert_keyed(&mut self, flat: KeyBytes, key: PrimaryKey, item: Item) -> Option<Item> {
        let old = self.by_key.insert(flat, Stored::new(item, self.keep_json));
        if old.is_none() {
            self.order.insert(key);
        }
        old.map(|s| s.item)
    }

    pub fn remove(&mut self, key: &PrimaryKey) -> Option<Item> {
        let old = self.by_key.remove(&KeyBytes::of(key))?;
        self.order.remove(key);
        Some(old.item)
    }

    /// Items whose keys fall in `range`, in storage order.
    pub fn range<R: RangeBounds<PrimaryKey>>(&self, range: R) -> impl DoubleEndedIterator<Item = (&PrimaryKey, &Item)> + '_ {
        self.range_stored(range).map(|(k, s)| (k, s.item()))
    }

    /// [`ItemMap::range`] with each item's [`Stored`] entry.
    pub fn range_stored<R: RangeBounds<PrimaryKey>>(&self, range: R) -> impl DoubleEndedIterator<Item = (&PrimaryKey, &Stored)> + '_ {
        self.order.range(range).filter_map(|k| self.get_stored(k).map(|s| (k, s)))
    }

    /// Every item, in storage order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&PrimaryKey, &Item)> + '_ {
        self.range(..)
    }
}

/// Whether two items are equal, cheaply when their attributes come in the same order (the usual
/// case: an item rewritten by the same code); otherwise as maps.
pub(crate) fn same_item(a: &Item, b: &Item) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for ((ka, va), (kb, vb)) in a.iter().zip(b.iter()) {
        if ka != kb {
            return a == b;
        }
        if va != vb {
            return false;
        }
    }
    true
}

const INLINE_KEY: usize = 38;

/// A primary key flattened to bytes for the point-lookup map. Short keys (most) live inline,
/// so a probe compares keys without touching other memory.
#[derive(Debug, Clone)]
pub(crate) enum KeyBytes {
    Inline { len: u8, buf: [u8; INLINE_KEY] },
    Heap(Box<[u8]>),
}

impl KeyBytes {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            KeyBytes::Inline { len, buf } => &buf[..*len as usize],
            KeyBytes::Heap(b) => b,
        }
    }

    /// An injective encoding: each part is tagged and length-prefixed.
    pub(crate) fn of(key: &PrimaryKey) -> KeyBytes {
        let mut w = KeyWriter { buf: [0; INLINE_KEY], len: 0, heap: None };
        w.value(&key.pk);
        if let Some(sk) = &key.sk {
            w.value(sk);
        }
        match w.heap {
            Some(v) => KeyBytes::Heap(v.into_boxed_slice()),
            None => KeyBytes::Inline { len: w.len as u8, buf: w.buf },
        }
    }
}

impl PartialEq for KeyBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for KeyBytes {}

impl std::hash::Hash for KeyBytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(self.as_slice());
    }
}

struct KeyWriter {
    buf: [u8; INLINE_KEY],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl KeyWriter {
    fn push(&mut self, bytes: &[u8]) {
        match &mut self.heap {
            Some(v) => v.extend_from_slice(bytes),
            None if self.len + bytes.len() <= INLINE_KEY => {
                self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => {
                let mut v = Vec::with_capacity(self.len + bytes.len() + 16);
                v.extend_from_slice(&self.buf[..self.len]);
                v.extend_from_slice(bytes);
                self.heap = Some(v);
            }
        }
    }

    /// A tag byte, then (for numbers) sign and exponent, then the length and the bytes.
    fn value(&mut self, v: &KeyValue) {
        let bytes: &[u8] = match v {
            KeyValue::S(s) => {
                self.push(&[0]);
                s.as_bytes()
            }
            KeyValue::B(b) => {
                self.push(&[1]);
                b
            }
            KeyValue::N(n) => {
                let (negative, digits, exp) = n.parts();
                self.push(&[2, negative as u8]);
                self.push(&exp.to_le_bytes());
                digits
            }
        };
        self.push(&(bytes.len() as u32).to_le_bytes());
        self.push(bytes);
    }
}

#[derive(Debug, Clone, Default)]
pub struct IndexState {
    pub entries: IndexEntries,
    pub count: usize,
    /// Bytes of the projected items, as IndexSizeBytes reports.
    pub bytes: usize,
}

impl IndexState {
    /// Adds `item`'s entry, if it has the index's key (indexes are sparse).
    fn add(&mut self, meta: &IndexMeta, table_schema: &KeySchema, key: &PrimaryKey, item: &Item) {
        let Some(ik) = meta.key_of(item, key) else {
            return;
        };
        if self.entries.entry((ik.hash_pos, ik.pk)).or_default().insert((ik.sk, key.clone())) {
            self.count += 1;
            self.bytes += item_size(&meta.project(item, table_schema));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableStatus {
    Creating,
    Active,
    /// UpdateTable is applying a throughput, billing or stream change; data operations go on.
    Updating,
    Deleting,
}

impl TableStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Creating => "CREATING",
            TableStatus::Active => "ACTIVE",
            TableStatus::Updating => "UPDATING",
            TableStatus::Deleting => "DELETING",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

/// What DescribeTable reports, persisted as JSON under `dynamodb/{region}/table/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableMeta {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub status: TableStatus,
    pub created_ms: i64,
    /// In request order, as AWS echoes them.
    pub attribute_definitions: Vec<(String, ScalarType)>,
    pub key_schema: KeySchema,
    pub billing_mode: BillingMode,
    pub read_capacity: i64,
    pub write_capacity: i64,
    /// When the table last switched to (or was created in) PAY_PER_REQUEST.
    pub last_update_to_pay_per_request_ms: Option<i64>,
    pub deletion_protection: bool,
    /// Tags in the order they were added (TagResource replaces a key's value in place).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Local and global secondary indexes, in request order.
    #[serde(default)]
    pub indexes: Vec<IndexMeta>,
    /// Throughput history that DescribeTable reports (LastIncrease/DecreaseDateTime,
    /// NumberOfDecreasesToday).
    #[serde(default)]
    pub throughput_history: ThroughputHistory,
    /// What an UpdateTable in flight will apply when the table turns ACTIVE again.
    #[serde(default)]
    pub pending: Option<PendingUpdate>,
    #[serde(default)]
    pub stream: StreamState,
    /// Server-side encryption with a KMS key (None: the AWS owned key, which AWS does not describe).
    #[serde(default)]
    pub sse_kms_key_arn: Option<String>,
    /// STANDARD or STANDARD_INFREQUENT_ACCESS, and when it was last changed; None until set.
    #[serde(default)]
    pub table_class: Option<(String, Option<i64>)>,
    /// When UpdateTable switched the table to PAY_PER_REQUEST, within the last 24 hours.
    #[serde(default)]
    pub on_demand_switches: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThroughputHistory {
    pub last_increase_ms: Option<i64>,
    pub last_decrease_ms: Option<i64>,
    /// Decreases on the UTC day `decrease_day` (days since the epoch).
    pub decreases_today: i64,
    pub decrease_day: i64,
}

impl ThroughputHistory {
    /// Records a change from (r0, w0) to (r1, w1) made at `now_ms`.
    pub fn record(&mut self, now_ms: i64, (r0, w0): (i64, i64), (r1, w1): (i64, i64)) {
        if r1 > r0 || w1 > w0 {
            self.last_increase_ms = Some(now_ms);
        }
        if r1 < r0 || w1 < w0 {
            self.last_decrease_ms = Some(now_ms);
            let day = now_ms.div_euclid(86_400_000);
            if day != self.decrease_day {
                self.decrease_day = day;
                self.decreases_today = 0;
            }
            self.decreases_today += 1;
        }
    }

    /// DynamoDB's rule on decreases: four at any time in a UTC day, then one more whenever an
    /// hour has passed since the last (at most 27 a day).
    pub fn check_decrease(&self, now_ms: i64) -> Result<(), AwsError> {
        let today = if self.decrease_day == now_ms.div_euclid(86_400_000) { self.decreases_today } else { 0 };
        let last = self.last_decrease_ms.unwrap_or(i64::MIN);
        if today < 4 || now_ms - last >= 3_600_000 {
            return Ok(());
        }
        Err(AwsError::new(
            super::ERROR_NAMESPACE,
            "LimitExceededException",
            format!(
                "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. Number of decreases today: {today}. Last decrease at {}. Next decrease can be made at {}",
                crate::kernel::time::long_date(last),
                crate::kernel::time::long_date(last + 3_600_000)
            ),
            400,
        ))
    }

    pub fn describe(&self, now_ms: i64, read: i64, write: i64) -> Value {
        let today = if self.decrease_day == now_ms.div_euclid(86_400_000) { self.decreases_today } else { 0 };
        let mut d = json!({"NumberOfDecreasesToday": today, "ReadCapacityUnits": read, "WriteCapacityUnits": write});
        if let Some(t) = self.last_increase_ms {
            d["LastIncreaseDateTime"] = epoch_seconds(t);
        }
        if let Some(t) = self.last_decrease_ms {
            d["LastDecreaseDateTime"] = epoch_seconds(t);
        }
        d
    }
}

/// The part of an UpdateTable that completes after the table has been UPDATING for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUpdate {
    pub billing_mode: BillingMode,
    pub read_capacity: i64,
    pub write_capacity: i64,
}

/// DynamoDB Streams settings of a table. A stream keeps its label (creation time) after it is
/// disabled, as LatestStreamArn still names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamState {
    pub enabled: bool,
    pub view_type: Option<String>,
    pub latest_label: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub meta: TableMeta,
    pub items: ItemMap,
    /// Sum of item sizes, as TableSizeBytes reports.
    pub size_bytes: usize,
    /// Derived from items; rebuilt on load, never persisted.
    pub indexes: BTreeMap<String, IndexState>,
    /// Capacity lanes and metrics (see [`super::throttle`]); never persisted. Interior
    /// mutability lets readers holding `&Table` be charged.
    pub throughput: std::cell::RefCell<super::throttle::Throughput>,
    /// Time to Live: the setting (its own record) and the queue of expiries.
    pub ttl: super::ttl::TableTtl,
    /// Kinesis Data Streams destinations (their own record) and the outbox.
    pub kinesis: super::kinesis_dest::TableKinesis,
    /// Point-in-time recovery: the setting (its own record), the undo log, and the
    /// RestoreSummary of a restored table.
    pub pitr: super::pitr::TablePitr,
    /// Global tables: the replication group (its own record), stamps and outbox.
    pub global: super::global::TableGlobal,
}

pub(crate) fn epoch_seconds(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

impl Table {
    /// `keep_item_json`: see [`crate::EngineConfig::keep_item_json`].
    pub fn new(meta: TableMeta, keep_item_json: bool) -> Self {
        let indexes = meta.indexes.iter().filter(|i| i.status != IndexStatus::Deleting).map(|i| (i.name.clone(), IndexState::default())).collect();
        Table {
            meta,
            items: ItemMap::new(keep_item_json),
            size_bytes: 0,
            indexes,
            throughput: Default::default(),
            ttl: Default::default(),
            kinesis: Default::default(),
            pitr: Default::default(),
            global: Default::default(),
        }
    }

    /// Admits a request that consumed `consumed` of `access` capacity, or refuses it with the
    /// throttling error (see [`super::throttle`]); `op` names it in the ThrottledRequests metric.
    pub fn charge(&self, now_ms: i64, op: &'static str, access: super::throttle::Access, consumed: &super::capacity::Consumed) -> Result<(), AwsError> {
        self.throughput.borrow_mut().charge(&self.meta, now_ms, op, access, consumed, true)
    }

    /// An index that exists (a GSI being deleted no longer does, for readers and writers).
    pub fn index(&self, name: &str) -> Option<&IndexMeta> {
        self.meta.indexes.iter().find(|i| i.name == name && i.status != IndexStatus::Deleting)
    }

    /// An index that Query and Scan may read: it exists and is not still backfilling.
    pub fn readable_index(&self, name: &str) -> Result<&IndexMeta, AwsError> {
        let meta = self.index(name).ok_or_else(|| AwsError::validation(format!("The table does not have the specified index: {name}")))?;
        if meta.status == IndexStatus::Creating {
            return Err(AwsError::validation(format!("Cannot read from backfilling global secondary index: {name}")));
        }
        Ok(meta)
    }

    /// Builds an index's entries from every item (a new GSI's backfill).
    pub fn build_index(&mut self, name: &str) {
        let Some(meta) = self.meta.indexes.iter().find(|i| i.name == name).cloned() else {
            return;
        };
        let mut state = IndexState::default();
        for (key, item) in self.items.iter() {
            state.add(&meta, &self.meta.key_schema, key, item);
        }
        self.indexes.insert(name.to_string(), state);
    }

    /// Drops an index's entries; writes stop maintaining it.
    pub fn drop_index_entries(&mut self, name: &str) {
        self.indexes.remove(name);
    }

    fn index_add(&mut self, key: &PrimaryKey, item: &Item) {
        for meta in &self.meta.indexes {
            if let Some(state) = self.indexes.get_mut(&meta.name) {
                state.add(meta, &self.meta.key_schema, key, item);
            }
        }
    }

    fn index_remove(&mut self, key: &PrimaryKey, item: &Item) {
        for meta in &self.meta.indexes {
            let Some(ik) = meta.key_of(item, key) else {
                continue;
            };
            let Some(state) = self.indexes.get_mut(&meta.name) else {
                continue;
            };
            let part = (ik.hash_pos, ik.pk);
            let removed = state.entries.get_mut(&part).is_some_and(|set| set.remove(&(ik.sk, key.clone())));
            if removed {
                state.count -= 1;
                state.bytes -= item_size(&meta.project(item, &self.meta.key_schema));
                if state.entries.get(&part).is_some_and(BTreeSet::is_empty) {
                    state.entries.remove(&part);
                }
            }
        }
    }

    /// Inserts or replaces an item; returns the old one. Index entries follow.
    pub fn put(&mut self, key: PrimaryKey, item: Item) -> Option<Item> {
        self.put_keyed(KeyBytes::of(&key), key, item)
    }

    /// [`Table::put`] with the key already flattened (`flat` must be `KeyBytes::of(&key)`).
    pub(crate) fn put_keyed(&mut self, flat: KeyBytes, key: PrimaryKey, item: Item) -> Option<Item> {
        self.size_bytes += item_size(&item);
        if self.meta.indexes.is_empty() {
            // No index to update: the key moves into the map, uncloned.
            let old = self.items.insert_keyed(flat, key, item);
            if let Some(o) = &old {
                self.size_bytes -= item_size(o);
            }
            return old;
        }
        let indexed = (!self.meta.indexes.is_empty()).then(|| item.clone());
        let old = self.items.insert_keyed(flat, key.clone(), item);
        if let Some(o) = &old {
            self.size_bytes -= item_size(o);
            self.index_remove(&key, o);
        }
        if let Some(new) = indexed {
            self.index_add(&key, &new);
        }
        old
    }

    pub fn remove(&mut self, key: &PrimaryKey) -> Option<Item> {
        let old = self.items.remove(key);
        if let Some(o) = &old {
            self.size_bytes -= item_size(o);
            self.index_remove(key, o);
        }
        old
    }

    /// Index key attributes an item carries must have the index's types and not be empty.
    pub fn check_index_keys(&self, item: &Item) -> Result<(), AwsError> {
        for meta in self.meta.indexes.iter().filter(|i| i.status != IndexStatus::Deleting) {
            for attr in meta.key_schema.attributes() {
                let Some(v) = item.get(&attr.name) else {
                    continue;
                };
                if scalar(v, attr.kind).is_none() {
                    return Err(AwsError::validation(format!(
                        "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        attr.name,
                        attr.kind.as_str(),
                        v.type_name(),
                        meta.name
                    )));
                }
                let empty = matches!(v, AttributeValue::S(s) if s.is_empty()) || matches!(v, AttributeValue::B(b) if b.is_empty());
                if empty {
                    return Err(AwsError::validation(format!(
                        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {}, IndexKey: {}",
                        if matches!(v, AttributeValue::S(_)) { "string" } else { "binary" }, meta.name, attr.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// The TableDescription shape of CreateTable, DescribeTable and DeleteTable.
    /// Replaces the metadata (a record loaded or replayed), keeping derived index state in step
    /// with the index definitions: new indexes are built, removed or DELETING ones dropped.
    pub fn set_meta(&mut self, meta: TableMeta) {
        self.meta = meta;
        let live: Vec<String> = self.meta.indexes.iter().filter(|i| i.status != IndexStatus::Deleting).map(|i| i.name.clone()).collect();
        self.indexes.retain(|name, _| live.contains(name));
        for name in live {
            if !self.indexes.contains_key(&name) {
                self.build_index(&name);
            }
        }
    }

    /// The TableDescription as of `now_ms` (NumberOfDecreasesToday depends on the day).
    pub fn description(&self, now_ms: i64) -> Value {
        let m = &self.meta;
        let (read, write) = match m.billing_mode {
            BillingMode::Provisioned => (m.read_capacity, m.write_capacity),
            BillingMode::PayPerRequest => (0, 0),
        };
        let mut d = json!({
            "AttributeDefinitions": m.attribute_definitions.iter().map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.as_str()})).collect::<Vec<_>>(),
            "TableName": m.name,
            "KeySchema": m.key_schema.to_json(),
            "TableStatus": m.status.as_str(),
            "CreationDateTime": epoch_seconds(m.created_ms),
            "ProvisionedThroughput": m.throughput_history.describe(now_ms, read, write),
            "TableSizeBytes": self.size_bytes,
            "ItemCount": self.items.len(),
            "TableArn": m.arn,
            "TableId": m.id,
        });
        if let Some(at) = m.last_update_to_pay_per_request_ms {
            let mut summary = json!({"BillingMode": m.billing_mode.as_str()});
            if m.billing_mode == BillingMode::PayPerRequest {
                summary["LastUpdateToPayPerRequestDateTime"] = epoch_seconds(at);
            }
            d["BillingModeSummary"] = summary;
        }
        for (kind, member) in [(IndexKind::Local, "LocalSecondaryIndexes"), (IndexKind::Global, "GlobalSecondaryIndexes")] {
            let list: Vec<Value> = m
                .indexes
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| {
                    let state = self.indexes.get(&i.name).cloned().unwrap_or_default();
                    i.description(&m.arn, state.count, state.bytes, m.billing_mode == BillingMode::Provisioned, now_ms)
                })
                .collect();
            if !list.is_empty() {
                d[member] = Value::Array(list);
            }
        }
        if m.stream.enabled {
            d["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": m.stream.view_type});
        }
        if let Some(label) = &m.stream.latest_label {
            d["LatestStreamLabel"] = json!(label);
            d["LatestStreamArn"] = json!(format!("{}/stream/{label}", m.arn));
        }
        if let Some(arn) = &m.sse_kms_key_arn {
            d["SSEDescription"] = json!({"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": arn});
        }
        if let Some((class, at)) = &m.table_class {
            d["TableClassSummary"] = json!({"TableClass": class});
            if let Some(at) = at {
                d["TableClassSummary"]["LastUpdateDateTime"] = epoch_seconds(*at);
            }
        }
        d["DeletionProtectionEnabled"] = json!(m.deletion_protection);
        if let Some(r) = &self.pitr.state.restore {
            d["RestoreSummary"] = r.to_json();
        }
        super::global::describe(&self.global, &mut d);
        d
    }
}
