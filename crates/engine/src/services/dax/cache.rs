//! A cluster's caches and what it saw: the item cache (GetItem, BatchGetItem), the query cache
//! (Query, Scan), counters per virtual minute, the request log, the simulated latencies, and
//! the table key schemas DAX learns (it needs them to place a written item in the item cache).
//!
//! All of it is runtime state, never records: a reloaded sandbox starts with cold caches, as a
//! cluster whose nodes were replaced would. Entries expire on the virtual clock after the
//! parameter group's `record-ttl-millis` (items) and `query-ttl-millis` (queries); a
//! record TTL of 0 means items never expire (only writes and eviction replace them), a query TTL
//! of 0 means query results are not cached. Each cache holds at most [`MAX_ITEM_ENTRIES`] /
//! [`MAX_QUERY_ENTRIES`] entries and evicts the least recently used, as DAX's LRU does when a
//! node's memory is full.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::Serialize;
use serde_json::{json, Value};

use crate::kernel::rng::Rng;

pub const MAX_ITEM_ENTRIES: usize = 100_000;
pub const MAX_QUERY_ENTRIES: usize = 10_000;
/// Requests kept for `dax:ListRequests`.
pub const MAX_REQUESTS: usize = 500;
/// Minutes of counters kept for `dax:GetCacheStats`.
pub const MAX_MINUTES: usize = 60;

/// Simulated latencies, in microseconds. AWS describes DAX as answering cache hits in
/// "microseconds" and DynamoDB as answering in "single-digit milliseconds"; the figures are
/// drawn uniformly from these ranges: a hit costs DAX's own time, a miss, pass-through or write
/// costs DAX's time plus one DynamoDB round trip per call DAX makes.
pub const DAX_MIN_MICROS: u64 = 200;
pub const DAX_MAX_MICROS: u64 = 600;
pub const DYNAMODB_MIN_MICROS: u64 = 3_000;
pub const DYNAMODB_MAX_MICROS: u64 = 9_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Counters {
    pub item_cache_hits: u64,
    pub item_cache_misses: u64,
    pub query_cache_hits: u64,
    pub query_cache_misses: u64,
    pub scan_cache_hits: u64,
    pub scan_cache_misses: u64,
    pub pass_through_requests: u64,
    pub write_through_requests: u64,
    pub error_request_count: u64,
}

impl Counters {
    fn add(&mut self, o: &Counters) {
        self.item_cache_hits += o.item_cache_hits;
        self.item_cache_misses += o.item_cache_misses;
        self.query_cache_hits += o.query_cache_hits;
        self.query_cache_misses += o.query_cache_misses;
        self.scan_cache_hits += o.scan_cache_hits;
        self.scan_cache_misses += o.scan_cache_misses;
        self.pass_through_requests += o.pass_through_requests;
        self.write_through_requests += o.write_through_requests;
        self.error_request_count += o.error_request_count;
    }
}

/// A cached answer: an item (or its absence: DAX caches negative results too), or a Query or
/// Scan response.
#[derive(Debug, Clone)]
struct Entry {
    value: Option<Value>,
    stored_ms: i64,
    used: u64,
}

/// Entries by key in key order (so an item's entries for every projection sit together), with
/// their use order for LRU eviction.
#[derive(Debug, Default)]
pub struct Lru {
    map: BTreeMap<String, Entry>,
    order: BTreeMap<u64, String>,
    next: u64,
    cap: usize,
}

impl Lru {
    fn new(cap: usize) -> Self {
        Lru { cap, ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The live entry under `key`: `Some(None)` for a cached absence. An entry older than
    /// `ttl_ms` is dropped (`ttl_ms` 0: never expires).
    pub fn get(&mut self, key: &str, now: i64, ttl_ms: i64) -> Option<Option<Value>> {
        let entry = self.map.get_mut(key)?;
        if ttl_ms > 0 && now >= entry.stored_ms + ttl_ms {
            let used = entry.used;
            self.map.remove(key);
            self.order.remove(&used);
            return None;
        }
        self.order.remove(&entry.used);
        self.next += 1;
        entry.used = self.next;
        self.order.insert(self.next, key.to_string());
        Some(entry.value.clone())
    }

    pub fn put(&mut self, key: String, value: Option<Value>, now: i64) {
        if let Some(old) = self.map.remove(&key) {
            self.order.remove(&old.used);
        }
        while self.map.len() >= self.cap {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            self.map.remove(&oldest);
        }
        self.next += 1;
        self.order.insert(self.next, key.clone());
        self.map.insert(key, Entry { value, stored_ms: now, used: self.next });
    }

    /// Drops every entry whose key starts with `prefix`.
    pub fn remove_prefix(&mut self, prefix: &str) {
        let keys: Vec<String> = self.map.range(prefix.to_string()..).take_while(|(k, _)| k.starts_with(prefix)).map(|(k, _)| k.clone()).collect();
        for k in keys {
            if let Some(e) = self.map.remove(&k) {
                self.order.remove(&e.used);
            }
        }
    }

    /// Drops expired entries (for counting live ones).
    pub fn purge(&mut self, now: i64, ttl_ms: i64) {
        if ttl_ms <= 0 {
            return;
        }
        let dead: Vec<(String, u64)> = self.map.iter().filter(|(_, e)| now >= e.stored_ms + ttl_ms).map(|(k, e)| (k.clone(), e.used)).collect();
        for (k, used) in dead {
            self.map.remove(&k);
            self.order.remove(&used);
        }
    }
}

/// One line of the request log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestLog {
    pub time: i64,
    pub operation: String,
    pub table_name: String,
    /// `item`, `query` or `none`.
    pub cache: &'static str,
    /// `HIT`, `MISS`, `PASS_THROUGH`, `WRITE_THROUGH`, `ERROR`.
    pub outcome: &'static str,
    pub latency_micros: u64,
    pub dynamo_db_micros: u64,
    pub detail: String,
}

pub struct ClusterCache {
    /// The cluster this cache belongs to (a cluster deleted and created again gets a new one).
    pub created_ms: i64,
    pub items: Lru,
    pub queries: Lru,
    pub totals: Counters,
    minutes: VecDeque<(i64, Counters)>,
    requests: VecDeque<RequestLog>,
    /// Key attribute names by table, learnt from DescribeTable.
    pub schemas: HashMap<String, Vec<String>>,
    /// Draws the simulated latencies. Seeded per cluster and kept here rather than in the
    /// engine's persisted rng, so that a cache hit journals nothing.
    rng: Rng,
}

impl ClusterCache {
    pub fn new(name: &str, created_ms: i64) -> Self {
        let seed = name.bytes().fold(created_ms as u64, |h, b| h.wrapping_mul(0x100_0000_01b3).wrapping_add(b as u64));
        ClusterCache {
            created_ms,
            items: Lru::new(MAX_ITEM_ENTRIES),
            queries: Lru::new(MAX_QUERY_ENTRIES),
            totals: Counters::default(),
            minutes: VecDeque::new(),
            requests: VecDeque::new(),
            schemas: HashMap::new(),
            rng: Rng::seeded(seed),
        }
    }

    fn draw(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.rng.next_u64() % (hi - lo + 1)
    }

    /// DAX's own time for one request.
    pub fn dax_micros(&mut self) -> u64 {
        self.draw(DAX_MIN_MICROS, DAX_MAX_MICROS)
    }

    /// One DynamoDB round trip.
    pub fn dynamodb_micros(&mut self) -> u64 {
        self.draw(DYNAMODB_MIN_MICROS, DYNAMODB_MAX_MICROS)
    }

    /// Counts `delta` at virtual time `now` (ms).
    pub fn count(&mut self, now: i64, delta: Counters) {
        self.totals.add(&delta);
        let minute = now.div_euclid(60_000);
        match self.minutes.back_mut() {
            Some((m, c)) if *m == minute => c.add(&delta),
            _ => {
                let mut c = Counters::default();
                c.add(&delta);
                self.minutes.push_back((minute, c));
            }
        }
        while self.minutes.front().is_some_and(|(m, _)| *m <= minute - MAX_MINUTES as i64) {
            self.minutes.pop_front();
        }
    }

    pub fn log(&mut self, entry: RequestLog) {
        self.requests.push_front(entry);
        self.requests.truncate(MAX_REQUESTS);
    }

    /// `dax:GetCacheStats`.
    pub fn stats(&mut self, now: i64, record_ttl: i64, query_ttl: i64) -> Value {
        self.items.purge(now, record_ttl);
        self.queries.purge(now, query_ttl);
        let mut out = serde_json::to_value(self.totals).unwrap_or_default();
        out["ItemCacheEntries"] = json!(self.items.len());
        out["QueryCacheEntries"] = json!(self.queries.len());
        let first = now.div_euclid(60_000) - MAX_MINUTES as i64 + 1;
        let minutes: Vec<Value> = self
            .minutes
            .iter()
            .filter(|(m, _)| *m >= first)
            .map(|(m, c)| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["Minute"] = json!(m);
                v
            })
            .collect();
        out["Minutes"] = json!(minutes);
        out
    }

    /// `dax:ListRequests`: the newest first.
    pub fn requests(&self, limit: usize) -> Value {
        json!({ "Requests": self.requests.iter().take(limit).collect::<Vec<_>>() })
    }
}
