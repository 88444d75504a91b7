//! The data plane: DynamoDB's item and query operations through a cluster's caches, as AWS
//! documents DAX ("DAX and DynamoDB consistency models"):
//!
//! - GetItem and BatchGetItem read the item cache (keyed by table, key and projection); a miss
//!   asks DynamoDB and caches what it answers, an absent item included (negative caching).
//! - Query and Scan read the query cache, keyed by the whole request (without
//!   ReturnConsumedCapacity); a miss asks DynamoDB and caches its page.
//! - ConsistentRead=true and TransactGetItems pass through to DynamoDB and are not cached.
//! - PutItem, UpdateItem, DeleteItem and BatchWriteItem go to DynamoDB first; on success the
//!   item cache takes the new item (write-through; UpdateItem asks DynamoDB for ALL_NEW when the
//!   caller wants NONE or ALL_NEW, and drops the cached item when the caller wants old or
//!   updated attributes), a delete drops it. TransactWriteItems drops the items it wrote and,
//!   as DAX does, reads them back with TransactGetItems to fill the item cache.
//! - The query cache is never invalidated by writes: a cached Query or Scan stays stale until
//!   its TTL runs out.
//! - A cache hit answers ConsumedCapacity (when asked for) with 0 units: DynamoDB was not read.
//!
//! DynamoDB is called through `Step::Call` as the service `dynamodb`, in the request's region;
//! its errors reach the caller unchanged.

use serde_json::{json, Map, Value};

use super::{
    cache::{ClusterCache, Counters, RequestLog},
    errors, Dax,
};
use crate::{
    kernel::{
        error::AwsError,
        runtime::{Continuation, Resumed, Step},
        service::Cx,
        Request,
    },
    services::dynamodb::value::{item_from_json, item_to_json, AttributeValue},
};

/// The operations a DAX cluster serves.
pub const OPERATIONS: &[&str] = &["GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems"];

/// Where a request was when DAX called DynamoDB.
pub enum Cont {
    /// Learning key schemas (DescribeTable) before a write.
    Schema {
        pending: Vec<String>,
        op: String,
        input: Value,
        dax: u64,
        ddb: u64,
    },
    Read {
        op: String,
        table: String,
        plan: ReadPlan,
        dax: u64,
        ddb: u64,
    },
    Write {
        op: String,
        table: String,
        input: Value,
        refresh: bool,
        dax: u64,
        ddb: u64,
    },
    /// TransactWriteItems succeeded; reading the written items back for the item cache.
    Refresh {
        table: String,
        response: Value,
        prefixes: Vec<String>,
        dax: u64,
        ddb: u64,
    },
}

pub enum ReadPlan {
    /// Not cached: strongly consistent, transactional, or a request DAX cannot take apart.
    Pass,
    Item {
        cache_key: Option<String>,
        detail: String,
    },
    Query {
        cache_key: Option<String>,
        detail: String,
    },
    Batch {
        hits: Map<String, Value>,
        wanted: Vec<Wanted>,
        hit_count: u64,
        consistent: bool,
    },
}

/// A key of a BatchGetItem that DAX asked DynamoDB for.
pub struct Wanted {
    table: String,
    key: String,
    names: Vec<String>,
    cache_key: Option<String>,
}

/// JSON text with object members sorted, so equal requests give equal cache keys.
pub fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

/// A key's canonical text: attributes sorted by name, numbers in DynamoDB's canonical form.
fn key_string(key: &Map<String, Value>) -> Option<String> {
    if key.is_empty() {
        return None;
    }
    let mut out = Map::new();
    for (k, v) in key {
        out.insert(k.clone(), AttributeValue::from_json(v).ok()?.to_json());
    }
    Some(canonical(&Value::Object(out)))
}

/// The key of `item` for the key attributes `names`.
fn key_of(item: &Map<String, Value>, names: &[String]) -> Option<String> {
    let mut key = Map::new();
    for n in names {
        key.insert(n.clone(), item.get(n)?.clone());
    }
    key_string(&key)
}

/// Every item-cache entry of one item starts with this.
fn item_prefix(table: &str, key: &str) -> String {
    format!("{table}\u{1}{key}\u{1}")
}

/// The members that shape which attributes a read returns.
fn projection_of(spec: &Map<String, Value>) -> String {
    let mut p = Map::new();
    for m in ["ProjectionExpression", "ExpressionAttributeNames", "AttributesToGet"] {
        if let Some(v) = spec.get(m).filter(|v| !v.is_null()) {
            p.insert(m.into(), v.clone());
        }
    }
    if p.is_empty() {
        String::new()
    } else {
        canonical(&Value::Object(p))
    }
}

/// A key as plain JSON for the request log (`{"pk":"a","sk":1}`).
fn plain(key: &Value) -> String {
    let Some(m) = key.as_object() else { return String::new() };
    let mut out = Map::new();
    for (k, v) in m {
        let p = match v.as_object().and_then(|o| o.iter().next()) {
            Some((t, Value::String(s))) if t == "S" || t == "B" => json!(s),
            Some((t, Value::String(n))) if t == "N" => serde_json::from_str::<Value>(n).ok().filter(Value::is_number).unwrap_or(json!(n)),
            _ => v.clone(),
        };
        out.insert(k.clone(), p);
    }
    let text = Value::Object(out).to_string();
    if text.len() > 200 {
        format!("{}…", &text[..text.char_indices().take_while(|(i, _)| *i < 200).last().map_or(0, |(i, c)| i + c.len_utf8())])
    } else {
        text
    }
}

fn canonical_item(item: &Value) -> Value {
    item_from_json(item).map(|i| item_to_json(&i)).unwrap_or_else(|_| item.clone())
}

/// ConsumedCapacity for an answer from the cache, when the request asked for it.
fn zero_capacity(input: &Map<String, Value>, tables: &[&str], list: bool) -> Option<Value> {
    let mode = input.get("ReturnConsumedCapacity").and_then(Value::as_str)?;
    if mode != "TOTAL" && mode != "INDEXES" {
        return None;
    }
    let one = |t: &str| {
        let mut c = json!({ "TableName": t, "CapacityUnits": 0.0 });
        if mode == "INDEXES" {
            c["Table"] = json!({ "CapacityUnits": 0.0 });
        }
        c
    };
    Some(if list { json!(tables.iter().map(|t| one(t)).collect::<Vec<_>>()) } else { one(tables.first().copied().unwrap_or("")) })
}

fn call(cx: &Cx, op: &str, input: Value, cont: Cont) -> Step {
    Step::Call(Request::new("dynamodb", op, cx.region, input), Box::new(cont) as Continuation)
}

fn table_of(input: &Value) -> String {
    input.get("TableName").and_then(Value::as_str).unwrap_or("").to_string()
}

/// Writes a request's line in the log and its counts.
#[allow(clippy::too_many_arguments)]
fn finish(cache: &mut ClusterCache, now: i64, op: &str, table: &str, kind: &'static str, outcome: &'static str, dax: u64, ddb: u64, detail: String, delta: Counters) {
    cache.count(now, delta);
    cache.log(RequestLog { time: now, operation: op.to_string(), table_name: table.to_string(), cache: kind, outcome, latency_micros: dax + ddb, dynamo_db_micros: ddb, detail });
}

#[allow(clippy::too_many_arguments)]
fn error(cache: &mut ClusterCache, now: i64, op: &str, table: &str, kind: &'static str, dax: u64, ddb: u64, e: AwsError) -> Result<Step, AwsError> {
    finish(cache, now, op, table, kind, "ERROR", dax, ddb, e.kind.clone(), Counters { error_request_count: 1, ..Default::default() });
    Err(e)
}

/// Runs a data-plane operation on the cluster `name`.
pub fn call_step(dax: &mut Dax, cx: &mut Cx, name: &str, op: &str, input: &Value) -> Result<Step, AwsError> {
    let (record_ttl, query_ttl) = dax.serving(cx, name)?;
    if !OPERATIONS.contains(&op) {
        return Err(errors::data_unsupported(op));
    }
    let Some(obj) = input.as_object() else {
        return Err(AwsError::serialization(""));
    };
    let now = cx.now_ms;
    let cache = dax.cache(cx.region, name);
    let d = cache.dax_micros();
    let consistent = obj.get("ConsistentRead") == Some(&Value::Bool(true));
    let table = table_of(input);
    let pass = |cache: &mut ClusterCache| {
        let ddb = cache.dynamodb_micros();
        Ok(call(cx, op, input.clone(), Cont::Read { op: op.into(), table: table.clone(), plan: ReadPlan::Pass, dax: d, ddb }))
    };
    match op {
        "TransactGetItems" => pass(cache),
        "GetItem" | "Query" | "Scan" if consistent => pass(cache),
        "GetItem" => {
            let key = obj.get("Key").and_then(Value::as_object);
            let detail = obj.get("Key").map(plain).unwrap_or_default();
            let cache_key = key.and_then(key_string).map(|k| format!("{}{}", item_prefix(&table, &k), projection_of(obj)));
            if let Some(ck) = &cache_key {
                if let Some(hit) = cache.items.get(ck, now, record_ttl) {
                    let mut out = json!({});
                    if let Some(item) = hit {
                        out["Item"] = item;
                    }
                    if let Some(c) = zero_capacity(obj, &[&table], false) {
                        out["ConsumedCapacity"] = c;
                    }
                    finish(cache, now, op, &table, "item", "HIT", d, 0, detail, Counters { item_cache_hits: 1, ..Default::default() });
                    return Ok(Step::Done(out));
                }
            }
            let ddb = cache.dynamodb_micros();
            Ok(call(cx, op, input.clone(), Cont::Read { op: op.into(), table, plan: ReadPlan::Item { cache_key, detail }, dax: d, ddb }))
        }
        "Query" | "Scan" => {
            let mut keyed = obj.clone();
            keyed.remove("ReturnConsumedCapacity");
            let cache_key = (query_ttl > 0).then(|| format!("{op}\u{1}{}", canonical(&Value::Object(keyed))));
            let detail = match (obj.get("IndexName").and_then(Value::as_str), obj.get("KeyConditionExpression").and_then(Value::as_str)) {
                (Some(i), Some(k)) => format!("{i}: {k}"),
                (None, Some(k)) => k.to_string(),
                (Some(i), None) => i.to_string(),
                (None, None) => String::new(),
            };
            if let Some(ck) = &cache_key {
                if let Some(Some(mut hit)) = cache.queries.get(ck, now, query_ttl) {
                    if let Some(c) = zero_capacity(obj, &[&table], false) {
                        hit["ConsumedCapacity"] = c;
                    }
                    let delta = if op == "Query" { Counters { query_cache_hits: 1, ..Default::default() } } else { Counters { scan_cache_hits: 1, ..Default::default() } };
                    finish(cache, now, op, &table, "query", "HIT", d, 0, detail, delta);
                    return Ok(Step::Done(hit));
                }
            }
            let ddb = cache.dynamodb_micros();
            Ok(call(cx, op, input.clone(), Cont::Read { op: op.into(), table, plan: ReadPlan::Query { cache_key, detail }, dax: d, ddb }))
        }
        "BatchGetItem" => batch_get(cx, cache, obj, input, record_ttl, d),
        _ => write(cx, cache, op, input.clone(), d, 0),
    }
}

fn batch_get(cx: &mut Cx, cache: &mut ClusterCache, obj: &Map<String, Value>, input: &Value, record_ttl: i64, d: u64) -> Result<Step, AwsError> {
    let now = cx.now_ms;
    let forward = |cache: &mut ClusterCache| {
        let ddb = cache.dynamodb_micros();
        Ok(call(cx, "BatchGetItem", input.clone(), Cont::Read { op: "BatchGetItem".into(), table: String::new(), plan: ReadPlan::Pass, dax: d, ddb }))
    };
    let Some(items) = obj.get("RequestItems").and_then(Value::as_object) else { return forward(cache) };
    let total: usize = items.values().map(|s| s.get("Keys").and_then(Value::as_array).map_or(0, Vec::len)).sum();
    if total == 0 || total > 100 {
        // DynamoDB's own validation answers.
        return forward(cache);
    }
    let mut hits = Map::new();
    let mut wanted = Vec::new();
    let mut hit_count = 0;
    let mut consistent_any = false;
    let mut reduced = Map::new();
    for (table, spec) in items {
        let (Some(spec), Some(keys)) = (spec.as_object(), spec.get("Keys").and_then(Value::as_array)) else { return forward(cache) };
        let consistent = spec.get("ConsistentRead") == Some(&Value::Bool(true));
        consistent_any |= consistent;
        let projection = projection_of(spec);
        let mut missed = Vec::new();
        let mut found = Vec::new();
        for key in keys {
            let Some(km) = key.as_object() else { return forward(cache) };
            let Some(ks) = key_string(km) else { return forward(cache) };
            let cache_key = format!("{}{projection}", item_prefix(table, &ks));
            if !consistent {
                if let Some(hit) = cache.items.get(&cache_key, now, record_ttl) {
                    hit_count += 1;
                    if let Some(item) = hit {
                        found.push(item);
                    }
                    continue;
                }
            }
            missed.push(key.clone());
            wanted.push(Wanted { table: table.clone(), key: ks, names: km.keys().cloned().collect(), cache_key: (!consistent).then_some(cache_key) });
        }
        hits.insert(table.clone(), Value::Array(found));
        if !missed.is_empty() {
            let mut s = spec.clone();
            s.insert("Keys".into(), Value::Array(missed));
            reduced.insert(table.clone(), Value::Object(s));
        }
    }
    let tables: Vec<&str> = items.keys().map(String::as_str).collect();
    let label = tables.join(",");
    if wanted.is_empty() {
        let mut out = json!({ "Responses": hits, "UnprocessedKeys": {} });
        if let Some(c) = zero_capacity(obj, &tables, true) {
            out["ConsumedCapacity"] = c;
        }
        finish(cache, now, "BatchGetItem", &label, "item", "HIT", d, 0, format!("{hit_count} hits"), Counters { item_cache_hits: hit_count, ..Default::default() });
        return Ok(Step::Done(out));
    }
    let mut request = obj.clone();
    request.insert("RequestItems".into(), Value::Object(reduced));
    let ddb = cache.dynamodb_micros();
    let plan = ReadPlan::Batch { hits, wanted, hit_count, consistent: consistent_any };
    Ok(call(cx, "BatchGetItem", Value::Object(request), Cont::Read { op: "BatchGetItem".into(), table: label, plan, dax: d, ddb }))
}

/// The tables a write puts whole items into, whose key schema DAX needs.
fn put_tables(op: &str, input: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match op {
        "PutItem" => out.push(table_of(input)),
        "BatchWriteItem" => {
            for (t, reqs) in input.get("RequestItems").and_then(Value::as_object).into_iter().flatten() {
                if reqs.as_array().is_some_and(|r| r.iter().any(|w| w.get("PutRequest").is_some())) {
                    out.push(t.clone());
                }
            }
        }
        "TransactWriteItems" => {
            for a in input.get("TransactItems").and_then(Value::as_array).into_iter().flatten() {
                if let Some(t) = a.get("Put").and_then(|p| p.get("TableName")).and_then(Value::as_str) {
                    out.push(t.to_string());
                }
            }
        }
        _ => {}
    }
    out.retain(|t| !t.is_empty());
    out.sort();
    out.dedup();
    out
}

fn write(cx: &mut Cx, cache: &mut ClusterCache, op: &str, input: Value, d: u64, ddb: u64) -> Result<Step, AwsError> {
    let mut pending: Vec<String> = put_tables(op, &input).into_iter().filter(|t| !cache.schemas.contains_key(t)).collect();
    if let Some(t) = pending.pop() {
        let ddb = ddb + cache.dynamodb_micros();
        return Ok(call(cx, "DescribeTable", json!({ "TableName": t }), Cont::Schema { pending, op: op.into(), input, dax: d, ddb }));
    }
    let mut sent = input.clone();
    let mut refresh = true;
    if op == "UpdateItem" {
        match input.get("ReturnValues").and_then(Value::as_str) {
            None | Some("NONE") | Some("ALL_NEW") => sent["ReturnValues"] = json!("ALL_NEW"),
            Some(_) => refresh = false,
        }
    }
    let ddb = ddb + cache.dynamodb_micros();
    let table = match op {
        "BatchWriteItem" => input.get("RequestItems").and_then(Value::as_object).map(|m| m.keys().cloned().collect::<Vec<_>>().join(",")).unwrap_or_default(),
        "TransactWriteItems" => String::new(),
        _ => table_of(&input),
    };
    Ok(call(cx, op, sent, Cont::Write { op: op.into(), table, input, refresh, dax: d, ddb }))
}

/// Continues a data-plane request with DynamoDB's answer.
pub fn resume(dax: &mut Dax, cx: &mut Cx, name: &str, cont: Cont, result: Resumed) -> Result<Step, AwsError> {
    let Resumed::Called(answer) = result else {
        return Err(AwsError::internal("DAX resumed with the result of code"));
    };
    let now = cx.now_ms;
    let cache = dax.cache(cx.region, name);
    match cont {
        Cont::Schema { mut pending, op, input, dax: d, ddb } => {
            if let Ok(desc) = &answer {
                let table = desc["Table"]["TableName"].as_str().unwrap_or("").to_string();
                let names: Vec<String> = desc["Table"]["KeySchema"].as_array().into_iter().flatten().filter_map(|k| k["AttributeName"].as_str().map(str::to_string)).collect();
                if !names.is_empty() {
                    cache.schemas.insert(table, names);
                }
            }
            if let Some(t) = pending.pop() {
                let ddb = ddb + cache.dynamodb_micros();
                return Ok(call(cx, "DescribeTable", json!({ "TableName": t }), Cont::Schema { pending, op, input, dax: d, ddb }));
            }
            // A table DynamoDB does not know: the write itself gets DynamoDB's error.
            write(cx, cache, &op, input, d, ddb)
        }
        Cont::Read { op, table, plan, dax: d, ddb } => {
            let kind = match plan {
                ReadPlan::Pass => "none",
                ReadPlan::Item { .. } | ReadPlan::Batch { .. } => "item",
                ReadPlan::Query { .. } => "query",
            };
            let mut out = match answer {
                Ok(v) => v,
                Err(e) => return error(cache, now, &op, &table, kind, d, ddb, e),
            };
            match plan {
                ReadPlan::Pass => {
                    finish(cache, now, &op, &table, "none", "PASS_THROUGH", d, ddb, String::new(), Counters { pass_through_requests: 1, ..Default::default() });
                }
                ReadPlan::Item { cache_key, detail } => {
                    if let Some(ck) = cache_key {
                        cache.items.put(ck, out.get("Item").cloned(), now);
                    }
                    finish(cache, now, &op, &table, "item", "MISS", d, ddb, detail, Counters { item_cache_misses: 1, ..Default::default() });
                }
                ReadPlan::Query { cache_key, detail } => {
                    if let Some(ck) = cache_key {
                        let mut stored = out.clone();
                        if let Some(o) = stored.as_object_mut() {
                            o.remove("ConsumedCapacity");
                        }
                        cache.queries.put(ck, Some(stored), now);
                    }
                    let delta = if op == "Query" { Counters { query_cache_misses: 1, ..Default::default() } } else { Counters { scan_cache_misses: 1, ..Default::default() } };
                    finish(cache, now, &op, &table, "query", "MISS", d, ddb, detail, delta);
                }
                ReadPlan::Batch { hits, wanted, hit_count, consistent } => {
                    let misses = wanted.len() as u64;
                    for w in &wanted {
                        let Some(ck) = &w.cache_key else { continue };
                        let unprocessed = out["UnprocessedKeys"][&w.table]["Keys"]
                            .as_array()
                            .is_some_and(|ks| ks.iter().any(|k| k.as_object().and_then(key_string).as_deref() == Some(w.key.as_str())));
                        if unprocessed {
                            continue;
                        }
                        let item = out["Responses"][&w.table]
                            .as_array()
                            .and_then(|items| items.iter().find(|i| i.as_object().and_then(|m| key_of(m, &w.names)).as_deref() == Some(w.key.as_str())).cloned());
                        let projected_without_key = item.is_none()
                            && out["Responses"][&w.table].as_array().is_some_and(|items| items.iter().any(|i| i.as_object().is_some_and(|m| key_of(m, &w.names).is_none())));
                        if !projected_without_key {
                            cache.items.put(ck.clone(), item, now);
                        }
                    }
                    if let Some(responses) = out.get_mut("Responses").and_then(Value::as_object_mut) {
                        for (t, found) in hits {
                            let list = responses.entry(t).or_insert_with(|| json!([]));
                            if let (Some(l), Value::Array(f)) = (list.as_array_mut(), found) {
                                l.extend(f);
                            }
                        }
                    }
                    let delta = Counters { item_cache_hits: hit_count, item_cache_misses: misses, pass_through_requests: consistent as u64, ..Default::default() };
                    finish(cache, now, &op, &table, "item", "MISS", d, ddb, format!("{hit_count} hits, {misses} misses"), delta);
                }
            }
            Ok(Step::Done(out))
        }
        Cont::Write { op, table, input, refresh, dax: d, ddb } => {
            let mut out = match answer {
                Ok(v) => v,
                Err(e) => return error(cache, now, &op, &table, "item", d, ddb, e),
            };
            let mut detail = input.get("Key").map(plain).unwrap_or_default();
            let mut refresh_prefixes = Vec::new();
            match op.as_str() {
                "PutItem" => {
                    if let (Some(item), Some(names)) = (input.get("Item").and_then(Value::as_object), cache.schemas.get(&table)) {
                        if let Some(k) = key_of(item, names) {
                            let prefix = item_prefix(&table, &k);
                            cache.items.remove_prefix(&prefix);
                            cache.items.put(prefix, Some(canonical_item(&input["Item"])), now);
                        }
                        let key: Map<String, Value> = names.iter().filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone()))).collect();
                        detail = plain(&Value::Object(key));
                    }
                }
                "UpdateItem" | "DeleteItem" => {
                    if let Some(k) = input.get("Key").and_then(Value::as_object).and_then(key_string) {
                        let prefix = item_prefix(&table, &k);
                        cache.items.remove_prefix(&prefix);
                        if op == "UpdateItem" && refresh {
                            if let Some(attrs) = out.get("Attributes") {
                                cache.items.put(prefix, Some(attrs.clone()), now);
                            }
                        }
                    }
                    if op == "UpdateItem" && refresh && input.get("ReturnValues").and_then(Value::as_str) != Some("ALL_NEW") {
                        if let Some(o) = out.as_object_mut() {
                            o.remove("Attributes");
                        }
                    }
                }
                "BatchWriteItem" => {
                    let mut n = 0;
                    for (t, reqs) in input.get("RequestItems").and_then(Value::as_object).into_iter().flatten() {
                        let unprocessed = out["UnprocessedItems"][t].as_array().cloned().unwrap_or_default();
                        for r in reqs.as_array().into_iter().flatten() {
                            if let Some(item) = r["PutRequest"]["Item"].as_object() {
                                let Some(k) = cache.schemas.get(t).and_then(|names| key_of(item, names)) else { continue };
                                let prefix = item_prefix(t, &k);
                                cache.items.remove_prefix(&prefix);
                                if !unprocessed.contains(r) {
                                    cache.items.put(prefix, Some(canonical_item(&r["PutRequest"]["Item"])), now);
                                    n += 1;
                                }
                            } else if let Some(k) = r["DeleteRequest"]["Key"].as_object().and_then(key_string) {
                                cache.items.remove_prefix(&item_prefix(t, &k));
                                n += 1;
                            }
                        }
                    }
                    detail = format!("{n} items");
                }
                "TransactWriteItems" => {
                    let mut gets = Vec::new();
                    let mut tables = Vec::new();
                    for a in input.get("TransactItems").and_then(Value::as_array).into_iter().flatten() {
                        for (kind, action) in a.as_object().into_iter().flatten() {
                            let t = action["TableName"].as_str().unwrap_or("").to_string();
                            let key = if kind == "Put" {
                                action["Item"].as_object().and_then(|item| {
                                    let names = cache.schemas.get(&t)?;
                                    Some(names.iter().filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone()))).collect::<Map<String, Value>>())
                                })
                            } else {
                                action["Key"].as_object().cloned()
                            };
                            let Some(key) = key else { continue };
                            let Some(k) = key_string(&key) else { continue };
                            let prefix = item_prefix(&t, &k);
                            cache.items.remove_prefix(&prefix);
                            if kind == "Put" || kind == "Update" {
                                gets.push(json!({ "Get": { "TableName": t, "Key": key } }));
                                refresh_prefixes.push(prefix);
                            }
                            if !tables.contains(&t) {
                                tables.push(t);
                            }
                        }
                    }
                    let label = tables.join(",");
                    if !gets.is_empty() {
                        let ddb = ddb + cache.dynamodb_micros();
                        return Ok(call(
                            cx,
                            "TransactGetItems",
                            json!({ "TransactItems": gets }),
                            Cont::Refresh { table: label, response: out, prefixes: refresh_prefixes, dax: d, ddb },
                        ));
                    }
                    finish(cache, now, &op, &label, "item", "WRITE_THROUGH", d, ddb, String::new(), Counters { write_through_requests: 1, ..Default::default() });
                    return Ok(Step::Done(out));
                }
                _ => {}
            }
            finish(cache, now, &op, &table, "item", "WRITE_THROUGH", d, ddb, detail, Counters { write_through_requests: 1, ..Default::default() });
            Ok(Step::Done(out))
        }
        Cont::Refresh { table, response, prefixes, dax: d, ddb } => {
            // The read-back is DAX's own business: if it fails, the items are simply not cached.
            if let Ok(read) = answer {
                for (prefix, r) in prefixes.into_iter().zip(read["Responses"].as_array().cloned().unwrap_or_default()) {
                    cache.items.put(prefix, r.get("Item").cloned(), now);
                }
            }
            finish(cache, now, "TransactWriteItems", &table, "item", "WRITE_THROUGH", d, ddb, String::new(), Counters { write_through_requests: 1, ..Default::default() });
            Ok(Step::Done(response))
        }
    }
}
