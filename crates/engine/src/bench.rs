//! The engine benchmark workload, shared by the native bench (`cargo bench -p gureum-engine
//! --bench engine`) and the same code compiled to wasm and run in headless Chromium
//! (`scripts/bench-engine`), so the two figures compare like with like. The host passes its
//! clock in: the engine itself never reads one.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

/// What one run measured. Every figure goes through [`Engine::call_json`] (request JSON text
/// in, answer JSON text out: the door `gureum serve` uses), except `get_value_per_s`, which
/// is GetItem through [`Engine::call`] with an already-parsed JSON value in and out. GetItem
/// rates are the median of five rounds.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub items: u64,
    pub put_per_s: f64,
    pub gets: u64,
    pub gets_found: u64,
    /// Median of five rounds.
    pub get_per_s: f64,
    pub get_best_per_s: f64,
    pub get_value_per_s: f64,
    pub queries: u64,
    pub query_items: u64,
    pub query_p50_us: f64,
    pub query_p99_us: f64,
    pub query_max_us: f64,
}

impl Figures {
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!("Loaded {} items: {:.0} PutItem/s", self.items, self.put_per_s),
            format!(
                "GetItem: {:.0} ops/s, median of 5 rounds (best {:.0}; {} calls, {} found, {:.2} µs each)",
                self.get_per_s,
                self.get_best_per_s,
                self.gets,
                self.gets_found,
                1e6 / self.get_per_s
            ),
            format!("GetItem through Engine::call (JSON values in and out): {:.0} ops/s ({:.2} µs each)", self.get_value_per_s, 1e6 / self.get_value_per_s),
            format!(
                "Query of 100 items on a {}-item table: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} queries, {} items returned)",
                self.items, self.query_p50_us, self.query_p99_us, self.query_max_us, self.queries, self.query_items
            ),
        ]
    }
}

const ROUNDS: usize = 5;

/// Runs `call` on every request in ROUNDS rounds; the rate of each round (calls per second) and
/// how many calls returned true.
fn timed_rounds<T>(reqs: &[T], now_ms: &mut dyn FnMut() -> f64, mut call: impl FnMut(&T) -> Result<bool, crate::AwsError>) -> Result<(Vec<f64>, u64), crate::AwsError> {
    let mut rates = Vec::with_capacity(ROUNDS);
    let mut hits = 0;
    for chunk in reqs.chunks(reqs.len().div_ceil(ROUNDS).max(1)) {
        let t = now_ms();
        for r in chunk {
            if call(r)? {
                hits += 1;
            }
        }
        rates.push(chunk.len() as f64 / ((now_ms() - t) / 1000.0));
    }
    Ok((rates, hits))
}

/// The median and the best of per-round rates.
fn median_and_best(mut rates: Vec<f64>) -> (f64, f64) {
    rates.sort_by(|a, b| a.total_cmp(b));
    let median = rates.get(rates.len() / 2).copied().unwrap_or(0.0);
    (median, rates.last().copied().unwrap_or(0.0))
}

thread_local! {
    /// The host time the workload passes in: it moves 1 ms per request, so the sandbox sees
    /// 1,000 requests a virtual second (within an on-demand table's 4,000 WRU / 12,000 RRU).
    static HOST_MS: std::cell::Cell<i64> = const { std::cell::Cell::new(10_000) };
}

fn host_ms() -> i64 {
    HOST_MS.with(|t| {
        let now = t.get() + 1;
        t.set(now);
        now
    })
}

/// Lets a new table turn ACTIVE: two seconds on.
fn settle(e: &mut Engine) {
    let now = HOST_MS.with(|t| {
        t.set(t.get() + 2_000);
        t.get()
    });
    e.tick(now);
}

fn call(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(host_ms(), &Request::new("dynamodb", op, "us-east-1", input))
}

fn call_json(e: &mut Engine, op: &str, body: &[u8]) -> Result<Vec<u8>, crate::AwsError> {
    e.call_json(host_ms(), "dynamodb", op, "us-east-1", body)
}

/// Loads `items` items (partitions of 100), then times `gets` random GetItems (through each
/// door) and `queries` random 100-item Queries. `now_ms` is the host's monotonic clock in
/// milliseconds.
pub fn run(items: u64, gets: u64, queries: u64, now_ms: &mut dyn FnMut() -> f64) -> Result<Figures, crate::AwsError> {
    let per_partition = 100u64;
    let partitions = (items / per_partition).max(1);
    // As `gureum serve` runs it: items keep their JSON text for JSON answers.
    let mut e = Engine::new(EngineConfig { keep_item_json: true, ..EngineConfig::default() }, 0);
    call(
        &mut e,
        "CreateTable",
        json!({"TableName": "Bench", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"}),
    )?;
    settle(&mut e);

    let t = now_ms();
    for p in 0..partitions {
        for s in 0..per_partition {
            let body =
                format!(r#"{{"TableName":"Bench","Item":{{"pk":{{"S":"user#{p:06}"}},"sk":{{"N":"{s}"}},"score":{{"N":"{}"}},"name":{{"S":"player name here"}}}}}}"#, p * 7 + s);
            call_json(&mut e, "PutItem", body.as_bytes())?;
        }
        // Hosts drain the journal after each call; keep memory flat the same way.
        e.take_changes();
    }
    let loaded = partitions * per_partition;
    let put_per_s = loaded as f64 / ((now_ms() - t) / 1000.0);

    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let keys: Vec<(u64, u64)> = (0..gets).map(|_| (next() % partitions, next() % per_partition)).collect();
    let bodies: Vec<String> = keys.iter().map(|(p, s)| format!(r#"{{"TableName":"Bench","Key":{{"pk":{{"S":"user#{p:06}"}},"sk":{{"N":"{s}"}}}}}}"#)).collect();
    // Five rounds of a fifth each; the median round is the figure (a shared machine has slow
    // seconds that one long run would average in), the best is shown beside it.
    let (rounds, found) = timed_rounds(&bodies, now_ms, |b| Ok(call_json(&mut e, "GetItem", b.as_bytes())?.starts_with(br#"{"Item""#)))?;
    let (get_per_s, get_best_per_s) = median_and_best(rounds);
    drop(bodies);

    let reqs: Vec<Request> = keys
        .iter()
        .map(|(p, s)| Request::new("dynamodb", "GetItem", "us-east-1", json!({"TableName": "Bench", "Key": {"pk": {"S": format!("user#{p:06}")}, "sk": {"N": s.to_string()}}})))
        .collect();
    let (rounds, found_value) = timed_rounds(&reqs, now_ms, |r| Ok(e.call(host_ms(), r)?.get("Item").is_some()))?;
    let (get_value_per_s, _) = median_and_best(rounds);
    drop(reqs);

    let qbodies: Vec<String> = (0..queries)
        .map(|_| format!(r#"{{"TableName":"Bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{{":p":{{"S":"user#{:06}"}}}}}}"#, next() % partitions))
        .collect();
    let mut lat = Vec::with_capacity(queries as usize);
    let mut returned = 0u64;
    for b in &qbodies {
        let t = now_ms();
        let out = call_json(&mut e, "Query", b.as_bytes())?;
        lat.push((now_ms() - t) * 1000.0);
        returned += serde_json::from_slice::<Value>(&out).ok().and_then(|v| v["Count"].as_u64()).unwrap_or(0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat.get(((lat.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0);
    Ok(Figures {
        items: loaded,
        put_per_s,
        gets,
        gets_found: found.min(found_value),
        get_per_s,
        get_best_per_s,
        get_value_per_s,
        queries,
        query_items: returned,
        query_p50_us: pct(0.5),
        query_p99_us: pct(0.99),
        query_max_us: pct(1.0),
    })
}

/// PutItem with and without a DynamoDB stream on the table (NEW_AND_OLD_IMAGES, the dearest
/// view: every write keeps both images), with a stream and Time to Live together, and with a
/// stream and TTL that deletes items during the run.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamFigures {
    pub items: u64,
    /// Median of five rounds, each writing a fifth of the items.
    pub put_per_s_without_stream: f64,
    pub put_per_s_with_stream: f64,
    /// A stream and TTL on the expiry attribute every item carries (a day after its write, so
    /// every write pays TTL's bookkeeping and no item falls due during the run).
    pub put_per_s_with_stream_and_ttl: f64,
    /// Writes that replace an item (MODIFY records, old and new image).
    pub overwrite_per_s_without_stream: f64,
    pub overwrite_per_s_with_stream: f64,
    pub overwrite_per_s_with_stream_and_ttl: f64,
    /// A stream and TTL where one item in ten expires ten minutes after its write, so the TTL
    /// process deletes items (and writes their REMOVE records) inside the timings, and later
    /// writes recreate them: more work than the other tables do, reported apart.
    pub put_per_s_with_ttl_deleting: f64,
    pub overwrite_per_s_with_ttl_deleting: f64,
    /// Items the TTL process deleted during the run on that table.
    pub ttl_deleted: u64,
    /// Virtual time the run covered, in minutes.
    pub virtual_minutes: f64,
}

impl StreamFigures {
    pub fn lines(&self) -> Vec<String> {
        let cost = |off: f64, on: f64| (off / on - 1.0) * 100.0;
        vec![
            format!(
                "PutItem, new items ({} each): {:.0}/s without a stream, {:.0}/s with a NEW_AND_OLD_IMAGES stream ({:+.1}% time per write), {:.0}/s with a stream and TTL ({:+.1}%)",
                self.items,
                self.put_per_s_without_stream,
                self.put_per_s_with_stream,
                cost(self.put_per_s_without_stream, self.put_per_s_with_stream),
                self.put_per_s_with_stream_and_ttl,
                cost(self.put_per_s_without_stream, self.put_per_s_with_stream_and_ttl)
            ),
            format!(
                "PutItem, replacing items: {:.0}/s without a stream, {:.0}/s with a stream ({:+.1}% time per write), {:.0}/s with a stream and TTL ({:+.1}%)",
                self.overwrite_per_s_without_stream,
                self.overwrite_per_s_with_stream,
                cost(self.overwrite_per_s_without_stream, self.overwrite_per_s_with_stream),
                self.overwrite_per_s_with_stream_and_ttl,
                cost(self.overwrite_per_s_without_stream, self.overwrite_per_s_with_stream_and_ttl)
            ),
            format!(
                "With TTL deleting (one item in ten expires 10 minutes after its write; {:.0} virtual minutes at {} ms per write): {:.0} new items/s, {:.0} replacing/s, while the TTL process deleted {} items inside the timings",
                self.virtual_minutes, VIRTUAL_MS_PER_WRITE, self.put_per_s_with_ttl_deleting, self.overwrite_per_s_with_ttl_deleting, self.ttl_deleted
            ),
        ]
    }
}

/// The virtual clock's advance per write in [`stream_overhead`], so the run covers enough
/// virtual time for items to expire and the TTL process to delete them.
pub const VIRTUAL_MS_PER_WRITE: i64 = 10;

/// Times PutItem through [`Engine::call_json`] on four tables (no stream; a stream; a stream
/// and TTL; a stream and TTL with items falling due), in alternating rounds so all see the
/// same machine: `items` new items each, then `items` overwrites. Every item carries an
/// `expires` attribute (epoch seconds, a day after the write; on the last table one in ten
/// expires ten minutes after the write); the host clock advances [`VIRTUAL_MS_PER_WRITE`] per
/// write, so that table's TTL passes fire during the timed calls.
pub fn stream_overhead(items: u64, now_ms: &mut dyn FnMut() -> f64) -> Result<StreamFigures, crate::AwsError> {
    const HOST_START: i64 = 20_000;
    let config = EngineConfig { keep_item_json: true, ..EngineConfig::default() };
    let start_virtual = config.start_virtual_ms;
    // (stream, ttl, items fall due during the run)
    let tables = [(false, false, false), (true, false, false), (true, true, false), (true, true, true)];
    let mut engines = Vec::new();
    for (stream, ttl, _) in tables {
        let mut e = Engine::new(config.clone(), 0);
        let mut input = json!({"TableName": "Bench", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"});
        if stream {
            input["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"});
        }
        e.call(1_000, &Request::new("dynamodb", "CreateTable", "us-east-1", input))?;
        e.tick(5_000);
        if ttl {
            e.call(
                5_000,
                &Request::new("dynamodb", "UpdateTimeToLive", "us-east-1", json!({"TableName": "Bench", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}})),
            )?;
        }
        e.tick(HOST_START);
        e.take_changes();
        engines.push(e);
    }
    let host = |phase: u64, i: u64| HOST_START + ((phase * items + i) as i64) * VIRTUAL_MS_PER_WRITE;
    let body = |i: u64, v: u64, host_ms: i64, falling_due: bool| {
        let expires = (start_virtual + host_ms) / 1000 + if falling_due && i % 10 == 0 { 600 } else { 86_400 };
        format!(
            r#"{{"TableName":"Bench","Item":{{"pk":{{"S":"user#{:06}"}},"sk":{{"N":"{}"}},"score":{{"N":"{v}"}},"name":{{"S":"player name here"}},"expires":{{"N":"{expires}"}}}}}}"#,
            i / 100,
            i % 100
        )
    };
    let mut figures: [[Vec<f64>; 4]; 2] = Default::default();
    for (phase, version) in [(0u64, 1), (1, 2)] {
        let round = items.div_ceil(ROUNDS as u64).max(1);
        for r in 0..ROUNDS as u64 {
            let range = r * round..((r + 1) * round).min(items);
            for (which, e) in engines.iter_mut().enumerate() {
                let falling_due = tables[which].2;
                let bodies: Vec<(i64, String)> = range.clone().map(|i| (host(phase, i), body(i, i * version, host(phase, i), falling_due))).collect();
                let t = now_ms();
                for (n, (at, b)) in bodies.iter().enumerate() {
                    e.call_json(*at, "dynamodb", "PutItem", "us-east-1", b.as_bytes())?;
                    if n % 100 == 99 {
                        // Hosts drain the journal after each call; keep memory flat the same way.
                        e.take_changes();
                    }
                }
                e.take_changes();
                figures[phase as usize][which].push(bodies.len() as f64 / ((now_ms() - t) / 1000.0));
            }
        }
    }
    let end = host(2, 0);
    let ttl_deleted = service_deletes(&mut engines[3], end)?;
    let [[put_off, put_on, put_ttl, put_del], [over_off, over_on, over_ttl, over_del]] = figures.map(|p| p.map(|rates| median_and_best(rates).0));
    Ok(StreamFigures {
        items,
        put_per_s_without_stream: put_off,
        put_per_s_with_stream: put_on,
        put_per_s_with_stream_and_ttl: put_ttl,
        overwrite_per_s_without_stream: over_off,
        overwrite_per_s_with_stream: over_on,
        overwrite_per_s_with_stream_and_ttl: over_ttl,
        put_per_s_with_ttl_deleting: put_del,
        overwrite_per_s_with_ttl_deleting: over_del,
        ttl_deleted,
        virtual_minutes: (end - HOST_START) as f64 / 60_000.0,
    })
}

/// Stream records of DynamoDB's own deletes (TTL) in the table `Bench`'s stream.
fn service_deletes(e: &mut Engine, host_ms: i64) -> Result<u64, crate::AwsError> {
    let mut st = |op: &str, input: Value| e.call(host_ms, &Request::new("streams.dynamodb", op, "us-east-1", input));
    let arn = st("ListStreams", json!({"TableName": "Bench"}))?["Streams"][0]["StreamArn"].clone();
    let shard = st("DescribeStream", json!({"StreamArn": arn}))?["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let mut it = st("GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}))?["ShardIterator"].clone();
    let mut deletes = 0;
    loop {
        let page = st("GetRecords", json!({"ShardIterator": it, "Limit": 1000}))?;
        let records = page["Records"].as_array().cloned().unwrap_or_default();
        deletes += records.iter().filter(|r| r.get("userIdentity").is_some()).count() as u64;
        match page.get("NextShardIterator") {
            Some(next) if !records.is_empty() => it = next.clone(),
            _ => return Ok(deletes),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_small_run_reads_what_it_wrote() {
        let mut t = 0.0;
        let f = super::run(1_000, 500, 20, &mut || {
            t += 1.0;
            t
        })
        .expect("run");
        assert_eq!((f.items, f.gets_found, f.query_items), (1_000, 500, 2_000));
    }

    #[test]
    fn the_stream_overhead_run_writes_through_every_table() {
        let mut t = 0.0;
        let f = super::stream_overhead(500, &mut || {
            t += 1.0;
            t
        })
        .expect("run");
        assert_eq!(f.items, 500);
        assert!(
            f.put_per_s_with_stream > 0.0 && f.overwrite_per_s_without_stream > 0.0 && f.overwrite_per_s_with_stream_and_ttl > 0.0 && f.overwrite_per_s_with_ttl_deleting > 0.0
        );
        // 500 writes per phase at 10 ms each: ten virtual seconds, nothing expires yet.
        assert_eq!(f.ttl_deleted, 0);
    }

    #[test]
    fn the_pitr_overhead_run_logs_every_overwrite() {
        let mut t = 0.0;
        let f = super::pitr_overhead(500, &mut || {
            t += 1.0;
            t
        })
        .expect("run");
        assert!(f.put_per_s_with_pitr > 0.0 && f.overwrite_per_s_with_pitr > 0.0);
        assert!(f.journal_bytes_per_change > f.item_record_bytes, "a log entry holds the old image and more");
    }
}

/// What [`pitr_overhead`] measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PitrFigures {
    pub items: u64,
    pub put_per_s_without_pitr: f64,
    pub put_per_s_with_pitr: f64,
    pub overwrite_per_s_without_pitr: f64,
    pub overwrite_per_s_with_pitr: f64,
    /// Journal bytes of one overwrite's log entry (key, time, old image) on average.
    pub journal_bytes_per_change: f64,
    /// Memory one log entry holds: the entry itself plus its heap (old image, key strings).
    pub memory_bytes_per_change: f64,
    /// The item's own record, for scale.
    pub item_record_bytes: f64,
}

impl PitrFigures {
    pub fn lines(&self) -> Vec<String> {
        let cost = |off: f64, on: f64| (off / on - 1.0) * 100.0;
        vec![
            format!(
                "PutItem, new items ({} each): {:.0}/s without PITR, {:.0}/s with PITR ({:+.1}% time per write)",
                self.items,
                self.put_per_s_without_pitr,
                self.put_per_s_with_pitr,
                cost(self.put_per_s_without_pitr, self.put_per_s_with_pitr)
            ),
            format!(
                "PutItem, replacing items: {:.0}/s without PITR, {:.0}/s with PITR ({:+.1}% time per write)",
                self.overwrite_per_s_without_pitr,
                self.overwrite_per_s_with_pitr,
                cost(self.overwrite_per_s_without_pitr, self.overwrite_per_s_with_pitr)
            ),
            format!(
                "Per logged change: {:.0} journal bytes, about {:.0} bytes of memory (the item's own record is {:.0} bytes)",
                self.journal_bytes_per_change, self.memory_bytes_per_change, self.item_record_bytes
            ),
        ]
    }
}

/// Times PutItem through [`Engine::call_json`] on a table without and with point-in-time
/// recovery, in alternating rounds: `items` new items, then `items` overwrites (each logs the
/// old image). Also sizes the log: journal bytes per change, and memory per entry.
pub fn pitr_overhead(items: u64, now_ms: &mut dyn FnMut() -> f64) -> Result<PitrFigures, crate::AwsError> {
    const HOST_START: i64 = 20_000;
    let config = EngineConfig { keep_item_json: true, ..EngineConfig::default() };
    let mut engines = Vec::new();
    for pitr in [false, true] {
        let mut e = Engine::new(config.clone(), 0);
        let input = json!({"TableName": "Bench", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"});
        e.call(1_000, &Request::new("dynamodb", "CreateTable", "us-east-1", input))?;
        e.tick(5_000);
        if pitr {
            e.call(
                5_000,
                &Request::new(
                    "dynamodb",
                    "UpdateContinuousBackups",
                    "us-east-1",
                    json!({"TableName": "Bench", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
                ),
            )?;
        }
        e.tick(HOST_START);
        e.take_changes();
        engines.push(e);
    }
    let body = |i: u64, v: u64| {
        format!(r#"{{"TableName":"Bench","Item":{{"pk":{{"S":"user#{:06}"}},"sk":{{"N":"{}"}},"score":{{"N":"{v}"}},"name":{{"S":"player name here"}}}}}}"#, i / 100, i % 100)
    };
    let mut figures: [[Vec<f64>; 2]; 2] = Default::default();
    let (mut log_bytes, mut log_records, mut item_bytes, mut item_records) = (0usize, 0usize, 0usize, 0usize);
    for (phase, version) in [(0u64, 1), (1, 2)] {
        let round = items.div_ceil(ROUNDS as u64).max(1);
        for r in 0..ROUNDS as u64 {
            let range = r * round..((r + 1) * round).min(items);
            for (which, e) in engines.iter_mut().enumerate() {
                let bodies: Vec<(i64, String)> = range.clone().map(|i| (HOST_START + ((phase * items + i) as i64), body(i, i * version))).collect();
                let t = now_ms();
                for (n, (at, b)) in bodies.iter().enumerate() {
                    e.call_json(*at, "dynamodb", "PutItem", "us-east-1", b.as_bytes())?;
                    if n % 100 == 99 {
                        for c in e.take_changes() {
                            if let (1, 1, crate::kernel::journal::Change::Put { key, value }) = (which, phase, &c) {
                                if key.contains("/pitr/") {
                                    log_bytes += value.len();
                                    log_records += 1;
                                } else if key.contains("/item/") {
                                    item_bytes += value.len();
                                    item_records += 1;
                                }
                            }
                        }
                    }
                }
                e.take_changes();
                figures[phase as usize][which].push(bodies.len() as f64 / ((now_ms() - t) / 1000.0));
            }
        }
    }
    let [[put_off, put_on], [over_off, over_on]] = figures.map(|p| p.map(|rates| median_and_best(rates).0));
    let journal = log_bytes as f64 / log_records.max(1) as f64;
    let item = item_bytes as f64 / item_records.max(1) as f64;
    // An entry: the struct, its old image on the heap (about the item record: the overwritten
    // item), and the key's string on the heap ("user#000123", 11 bytes, rounded up by the
    // allocator to 16).
    let memory = std::mem::size_of::<crate::services::dynamodb::pitr::LogEntry>() as f64 + item + 16.0;
    Ok(PitrFigures {
        items,
        put_per_s_without_pitr: put_off,
        put_per_s_with_pitr: put_on,
        overwrite_per_s_without_pitr: over_off,
        overwrite_per_s_with_pitr: over_on,
        journal_bytes_per_change: journal,
        memory_bytes_per_change: memory,
        item_record_bytes: item,
    })
}
