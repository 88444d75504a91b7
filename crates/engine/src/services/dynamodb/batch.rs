//! BatchGetItem and BatchWriteItem. Every request in a batch is validated before any is
//! applied; a batch never partially fails validation. Each item is admitted or throttled on
//! its own (see [`super::throttle`]): throttled items come back as UnprocessedItems /
//! UnprocessedKeys, and only when every item is throttled does the call fail with the
//! throttling error. UnprocessedKeys also carries what did not fit the 16 MB response.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::{
    capacity::{self, ReturnConsumedCapacity},
    collection,
    expr::{eval, Path},
    input::{Constraints, Input},
    key::{KeyValue, PrimaryKey},
    legacy,
    requests::{self, Expressions},
    streams,
    throttle::Access,
    transact::collection_metrics,
    value::{item_from_json, item_size, item_to_json, Item, MAX_ITEM_BYTES},
    DynamoDb,
};
use crate::kernel::{error::AwsError, service::Cx};

pub const MAX_WRITE_REQUESTS: usize = 25;
pub const MAX_GET_KEYS: usize = 100;
pub const MAX_GET_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

fn request_items<'a>(input: &Input<'a>) -> Result<&'a Map<String, Value>, AwsError> {
    let mut c = Constraints::default();
    let items = input.raw("RequestItems");
    c.not_null(items, "requestItems");
    c.finish()?;
    match items {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(AwsError::serialization("Unexpected field type")),
    }
}

fn consumed(mode: ReturnConsumedCapacity, per_table: &[(String, capacity::Consumed)]) -> Option<Value> {
    capacity::list(mode, per_table.iter().map(|(t, c)| (t, c)), None)
}

enum Write {
    Put(PrimaryKey, Item),
    Delete(PrimaryKey),
}

pub fn batch_write_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let ricm = input.string("ReturnItemCollectionMetrics")?;
    let mut c = Constraints::default();
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.one_of(ricm, "returnItemCollectionMetrics", &["SIZE", "NONE"]);
    c.finish()?;
    let tables = request_items(&input)?;
    let total: usize = tables.values().map(|v| v.as_array().map_or(0, Vec::len)).sum();
    if tables.is_empty() || total == 0 {
        return Err(AwsError::validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    if total > MAX_WRITE_REQUESTS {
        return Err(AwsError::validation("Too many items requested for the BatchWriteItem call"));
    }
    // Validate everything first.
    let region = cx.region.to_string();
    let mut plan: Vec<(String, Vec<(Write, &Value)>)> = Vec::new();
    let mut growth: std::collections::BTreeMap<KeyValue, i64> = std::collections::BTreeMap::new();
    for (name, requests) in tables {
        growth.clear();
        let requests = requests.as_array().ok_or_else(|| AwsError::serialization("Unexpected field type"))?;
        let table = db.active_table(&region, name)?;
        let schema = &table.meta.key_schema;
        let mut seen = HashSet::new();
        let mut writes = Vec::new();
        for raw in requests {
            let r = Input::new(raw).map_err(|_| AwsError::serialization("Unexpected value type in payload"))?;
            let put = r.structure("PutRequest", "PutRequest")?;
            let del = r.structure("DeleteRequest", "DeleteRequest")?;
            let w = match (put, del) {
                (Some(p), None) => {
                    let item = item_from_json(p.attribute_map("Item")?.ok_or_else(|| {
                        AwsError::validation(
                            "1 validation error detected: Value null at 'requestItems.1.member.putRequest.item' failed to satisfy constraint: Member must not be null",
                        )
                    })?)?;
                    if item_size(&item) > MAX_ITEM_BYTES {
                        return Err(AwsError::validation("Item size has exceeded the maximum allowed size"));
                    }
                    table.check_index_keys(&item)?;
                    Write::Put(schema.key_of_item(&item)?, item)
                }
                (None, Some(d)) => {
                    let key = item_from_json(d.attribute_map("Key")?.ok_or_else(|| {
                        AwsError::validation(
                            "1 validation error detected: Value null at 'requestItems.1.member.deleteRequest.key' failed to satisfy constraint: Member must not be null",
                        )
                    })?)?;
                    Write::Delete(schema.key_from_map(&key)?)
                }
                _ => return Err(AwsError::validation("One or more parameter values were invalid: a WriteRequest must contain exactly one of PutRequest or DeleteRequest")),
            };
            let k = match &w {
                Write::Put(k, _) | Write::Delete(k) => k.clone(),
            };
            if !seen.insert(k.clone()) {
                return Err(AwsError::validation("Provided list of item keys contains duplicates"));
            }
            // Writes to one item collection in one batch add up.
            let after = match &w {
                Write::Put(_, item) => Some(item),
                Write::Delete(_) => None,
            };
            let total = growth.entry(k.pk.clone()).or_insert(0);
            *total += collection::growth(table, &k, table.items.get(&k), after);
            collection::check_growth(table, &k.pk, *total, collection::LIMIT_BYTES)?;
            writes.push((w, raw));
        }
        plan.push((name.clone(), writes));
    }
    let mut units = Vec::new();
    let mut touched: Vec<(String, KeyValue)> = Vec::new();
    let mut unprocessed = Map::new();
    let mut processed = 0;
    let mut refusal = None;
    for (name, writes) in plan {
        let (table, streams) = db.table_for_write(&region, &name)?;
        let mut consumed = capacity::Consumed::default();
        let mut left = Vec::new();
        for (w, raw) in writes {
            let units = match &w {
                Write::Put(k, item) => capacity::Consumed::write(table, table.items.get(k), Some(item)),
                Write::Delete(k) => capacity::Consumed::write(table, table.items.get(k), None),
            };
            // Each item is admitted on its own; a throttled one is left for the caller.
            let admitted = table.throughput.borrow_mut().check(&table.meta, cx.now_ms, Access::Write, &units);
            if let Err(t) = admitted {
                table.throughput.borrow_mut().throttled(&table.meta, cx.now_ms, &t, "BatchWriteItem", false);
                refusal.get_or_insert_with(|| t.error(&table.meta.arn));
                left.push(raw.clone());
                continue;
            }
            table.throughput.borrow_mut().take(&table.meta, cx.now_ms, Access::Write, &units);
            processed += 1;
            consumed.add(&units);
            match w {
                Write::Put(k, item) => {
                    touched.push((name.clone(), k.pk.clone()));
                    streams::put_item(table, streams, cx, &region, k, item);
                }
                Write::Delete(k) => {
                    touched.push((name.clone(), k.pk.clone()));
                    streams::delete_item(table, streams, cx, &region, &k);
                }
            }
        }
        if !left.is_empty() {
            table.throughput.borrow_mut().throttled_request(&table.meta, cx.now_ms, "BatchWriteItem");
            unprocessed.insert(name.clone(), Value::Array(left));
        }
        units.push((name, consumed));
    }
    if processed == 0 {
        if let Some(e) = refusal {
            return Err(e);
        }
    }
    let mut out = json!({"UnprocessedItems": unprocessed});
    if let Some(c) = consumed(ReturnConsumedCapacity::parse(rcc), &units) {
        out["ConsumedCapacity"] = c;
    }
    if let Some(m) = collection_metrics(db, &region, ricm == Some("SIZE"), &touched) {
        out["ItemCollectionMetrics"] = m;
    }
    Ok(out)
}

pub fn batch_get_item(db: &mut DynamoDb, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let input = Input::new(input)?;
    let rcc = input.string("ReturnConsumedCapacity")?;
    let mut c = Constraints::default();
    c.one_of(rcc, "returnConsumedCapacity", capacity::ENUM);
    c.finish()?;
    let tables = request_items(&input)?;
    let mut total = 0;
    struct Plan {
        name: String,
        keys: Vec<(PrimaryKey, Value)>,
        projection: Option<Vec<Path>>,
        consistent: bool,
    }
    let mut plans = Vec::new();
    for (name, spec) in tables {
        let spec = Input::new(spec).map_err(|_| AwsError::serialization("Unexpected value type in payload"))?;
        let keys = spec
            .list("Keys")?
            .ok_or_else(|| AwsError::validation("1 validation error detected: Value null at 'requestItems.1.member.keys' failed to satisfy constraint: Member must not be null"))?;
        let attributes = spec.string_list("AttributesToGet")?;
        let mut c = Constraints::default();
        legacy::constrain_attributes_to_get(&mut c, attributes.as_deref(), &format!("requestItems.{name}.member.attributesToGet"));
        c.finish()?;
        total += keys.len();
        if total > MAX_GET_KEYS {
            return Err(AwsError::validation("Too many items requested for the BatchGetItem call"));
        }
        requests::preflight(&spec, &requests::GET_ITEM)?;
        let attributes = attributes.as_deref().map(legacy::attributes_to_get).transpose()?;
        let projection = Expressions::parse(&spec, &requests::GET_ITEM)?.projection.or(attributes);
        let table = db.active_table(cx.region, name)?;
        let mut seen = HashSet::new();
        let mut parsed = Vec::new();
        for k in keys {
            let map = item_from_json(k)?;
            let pk = table.meta.key_schema.key_from_map(&map)?;
            if !seen.insert(pk.clone()) {
                return Err(AwsError::validation("Provided list of item keys contains duplicates"));
            }
            parsed.push((pk, k.clone()));
        }
        plans.push(Plan { name: name.clone(), keys: parsed, projection, consistent: spec.boolean("ConsistentRead")?.unwrap_or(false) });
    }
    if total == 0 {
        return Err(AwsError::validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let mut responses = Map::new();
    let mut unprocessed = Map::new();
    let mut processed = 0;
    let mut refusal = None;
    let mut bytes = 0;
    let mut units = Vec::new();
    for plan in plans {
        let table = db.active_table(cx.region, &plan.name)?;
        let mut found = Vec::new();
        let mut left = Vec::new();
        let mut table_units = 0.0;
        let mut throttled = false;
        for (pk, raw) in plan.keys {
            if bytes >= MAX_GET_RESPONSE_BYTES {
                left.push(raw);
                continue;
            }
            // Each item is rounded up to 4 KB on its own, and admitted on its own.
            let item = table.items.get(&pk);
            let size = item.map(item_size).unwrap_or(0);
            let units = capacity::Consumed::table(capacity::read_units(size, plan.consistent));
            let mut lanes = table.throughput.borrow_mut();
            if let Err(t) = lanes.check(&table.meta, cx.now_ms, Access::Read, &units) {
                lanes.throttled(&table.meta, cx.now_ms, &t, "BatchGetItem", false);
                refusal.get_or_insert_with(|| t.error(&table.meta.arn));
                throttled = true;
                left.push(raw);
                continue;
            }
            lanes.take(&table.meta, cx.now_ms, Access::Read, &units);
            drop(lanes);
            processed += 1;
            table_units += units.table;
            if let Some(item) = item {
                bytes += size;
                found.push(match &plan.projection {
                    Some(p) => item_to_json(&eval::project(item, p)),
                    None => item_to_json(item),
                });
            }
        }
        if throttled {
            table.throughput.borrow_mut().throttled_request(&table.meta, cx.now_ms, "BatchGetItem");
        }
        responses.insert(plan.name.clone(), Value::Array(found));
        if !left.is_empty() {
            unprocessed.insert(plan.name.clone(), json!({"Keys": left}));
        }
        units.push((plan.name, capacity::Consumed::table(table_units)));
    }
    if processed == 0 {
        if let Some(e) = refusal {
            return Err(e);
        }
    }
    let mut out = json!({"Responses": responses, "UnprocessedKeys": unprocessed});
    if let Some(c) = consumed(ReturnConsumedCapacity::parse(rcc), &units) {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}
