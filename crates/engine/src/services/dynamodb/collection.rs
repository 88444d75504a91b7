//! Item collections: in a table with local secondary indexes, the items sharing a partition key
//! together with their entries in every LSI. Writes report their size with
//! `ReturnItemCollectionMetrics=SIZE` and may not grow one past 10 GB.
//!
//! A collection's items are one contiguous range of the table (keys sort by placement hash,
//! then partition key) and its LSI entries one partition of each index, so its size is computed
//! when asked, never stored. The limit check first bounds the size by the whole table (kept up
//! to date on every write) and measures the collection only when that bound comes near 10 GB.

use serde_json::{json, Value};

use super::{
    index::IndexKind,
    key::{KeyValue, PrimaryKey},
    table::Table,
    value::{item_size, item_to_json, Item},
    ERROR_NAMESPACE,
};
use crate::kernel::error::AwsError;

/// The most an item collection may hold. Sizes are u64: usize is 32 bits on wasm32.
pub const LIMIT_BYTES: u64 = 10 * GIB;
const GIB: u64 = 1024 * 1024 * 1024;
/// What AWS counts for each LSI entry on top of its attributes.
const INDEX_ENTRY_OVERHEAD: u64 = 100;

fn bytes(item: &Item) -> u64 {
    item_size(item) as u64
}

pub fn has_local_indexes(table: &Table) -> bool {
    table.meta.indexes.iter().any(|i| i.kind == IndexKind::Local)
}

/// What one item adds to its collection: its size, plus one entry (projected attributes and
/// overhead) in every LSI whose key it carries.
pub fn contribution(table: &Table, key: &PrimaryKey, item: &Item) -> u64 {
    let schema = &table.meta.key_schema;
    let entries: u64 =
        table.meta.indexes.iter().filter(|m| m.kind == IndexKind::Local && m.key_of(item, key).is_some()).map(|m| bytes(&m.project(item, schema)) + INDEX_ENTRY_OVERHEAD).sum();
    bytes(item) + entries
}

/// Bytes of the collection of partition key `pk`.
pub fn size(table: &Table, pk: &KeyValue) -> u64 {
    let hash_pos = pk.placement_hash();
    let first = PrimaryKey { hash_pos, pk: pk.clone(), sk: None };
    table.items.range(first..).take_while(|(k, _)| k.hash_pos == hash_pos && &k.pk == pk).map(|(k, item)| contribution(table, k, item)).sum()
}

/// An upper bound of any collection's size: every item of the table and every LSI entry.
fn bound(table: &Table) -> u64 {
    let entries: u64 = table
        .meta
        .indexes
        .iter()
        .filter(|m| m.kind == IndexKind::Local)
        .filter_map(|m| table.indexes.get(&m.name))
        .map(|s| s.bytes as u64 + s.count as u64 * INDEX_ENTRY_OVERHEAD)
        .sum();
    table.size_bytes as u64 + entries
}

fn exceeded() -> AwsError {
    AwsError::new(ERROR_NAMESPACE, "ItemCollectionSizeLimitExceededException", "Collection size exceeded", 400)
}

/// Refuses a write that would grow the collection of `pk` past `limit` bytes; `growth` is what
/// the write adds (negative when it shrinks the collection, which is always allowed).
pub fn check_growth(table: &Table, pk: &KeyValue, growth: i64, limit: u64) -> Result<(), AwsError> {
    if growth <= 0 || !has_local_indexes(table) {
        return Ok(());
    }
    let growth = growth.unsigned_abs();
    if bound(table).saturating_add(growth) <= limit {
        return Ok(());
    }
    if size(table, pk).saturating_add(growth) > limit {
        return Err(exceeded());
    }
    Ok(())
}

/// The growth of a collection when the item at `key` changes from `old` to `new`.
pub fn growth(table: &Table, key: &PrimaryKey, old: Option<&Item>, new: Option<&Item>) -> i64 {
    let c = |i: Option<&Item>| i.map(|i| contribution(table, key, i)).unwrap_or(0) as i64;
    c(new) - c(old)
}

/// The ItemCollectionMetrics of the collection of `pk` as it is now: its key and AWS's
/// estimate range in whole gigabytes ([0.0, 1.0] below 1 GB).
pub fn metrics(table: &Table, pk: &KeyValue) -> Value {
    let lower = (size(table, pk) / GIB) as f64;
    let mut key = Item::default();
    key.insert(table.meta.key_schema.hash.name.clone(), pk.to_attribute());
    json!({"ItemCollectionKey": item_to_json(&key), "SizeEstimateRangeGB": [lower, lower + 1.0]})
}

/// The metrics a write returns when asked for them: only for tables with LSIs.
pub fn metrics_if(wanted: bool, table: &Table, pk: &KeyValue) -> Option<Value> {
    (wanted && has_local_indexes(table)).then(|| metrics(table, pk))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::dynamodb::{table::TableMeta, value::item_from_json};
    use crate::{Engine, EngineConfig, Request};

    /// A table (f HASH S, s RANGE S) with a KEYS_ONLY LSI on `p`, as the engine stores it.
    fn thread_table() -> Table {
        let meta: TableMeta = serde_json::from_value(json!({
            "name": "Thread", "id": "id", "arn": "arn", "status": "Active", "createdMs": 0,
            "attributeDefinitions": [["f", "S"], ["s", "S"], ["p", "S"]],
            "keySchema": {"hash": {"name": "f", "kind": "S"}, "range": {"name": "s", "kind": "S"}},
            "billingMode": "PayPerRequest", "readCapacity": 0, "writeCapacity": 0, "lastUpdateToPayPerRequestMs": null, "deletionProtection": false,
            "indexes": [{"name": "ByP", "kind": "Local", "keySchema": {"hash": {"name": "f", "kind": "S"}, "range": {"name": "p", "kind": "S"}},
                "projection": "KeysOnly", "nonKeyAttributes": [], "readCapacity": 0, "writeCapacity": 0}]
        }))
        .unwrap();
        Table::new(meta, false)
    }

    fn put(t: &mut Table, item: serde_json::Value) -> (PrimaryKey, Item) {
        let item = item_from_json(&item).unwrap();
        let key = t.meta.key_schema.key_of_item(&item).unwrap();
        t.put(key.clone(), item.clone());
        (key, item)
    }

    #[test]
    fn collection_size_counts_items_and_their_lsi_entries() {
        let mut t = thread_table();
        let (k1, i1) = put(&mut t, json!({"f": {"S": "a"}, "s": {"S": "1"}, "body": {"S": "0123456789"}}));
        let (_, i2) = put(&mut t, json!({"f": {"S": "a"}, "s": {"S": "2"}, "p": {"S": "x"}}));
        put(&mut t, json!({"f": {"S": "b"}, "s": {"S": "1"}, "p": {"S": "y"}, "body": {"S": "other collection"}}));
        let a = KeyValue::S("a".into());
        // i1 has no `p`: no LSI entry. i2's KEYS_ONLY entry holds f, s and p, plus 100 bytes.
        let entry2 = bytes(&i2) + INDEX_ENTRY_OVERHEAD;
        assert_eq!(size(&t, &a), bytes(&i1) + bytes(&i2) + entry2);
        assert_eq!(contribution(&t, &k1, &i1), bytes(&i1));
        assert!(bound(&t) >= size(&t, &a) + size(&t, &KeyValue::S("b".into())));
    }

    #[test]
    fn the_limit_refuses_growth_but_allows_shrinking() {
        let mut t = thread_table();
        let (k, small) = put(&mut t, json!({"f": {"S": "a"}, "s": {"S": "1"}, "p": {"S": "x"}}));
        let a = KeyValue::S("a".into());
        let now = size(&t, &a);
        let limit = now + 10;
        let bigger = item_from_json(&json!({"f": {"S": "a"}, "s": {"S": "1"}, "p": {"S": "x"}, "pad": {"S": "0123456789abcdef"}})).unwrap();
        let g = growth(&t, &k, Some(&small), Some(&bigger));
        assert!(g > 10);
        let e = check_growth(&t, &a, g, limit).unwrap_err();
        assert_eq!((e.kind.as_str(), e.message.as_str()), ("ItemCollectionSizeLimitExceededException", "Collection size exceeded"));
        assert_eq!(e.full_type(), "com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException");
        // Within the limit, or shrinking even when over it, is fine.
        check_growth(&t, &a, 10, limit).unwrap();
        check_growth(&t, &a, growth(&t, &k, Some(&small), None), 0).unwrap();
        // Tables without local secondary indexes have no limit.
        let mut plain = t.clone();
        plain.meta.indexes.clear();
        check_growth(&plain, &a, g, 0).unwrap();
    }

    #[test]
    fn metrics_report_whole_gigabyte_bounds() {
        let mut t = thread_table();
        put(&mut t, json!({"f": {"S": "a"}, "s": {"S": "1"}}));
        assert_eq!(metrics(&t, &KeyValue::S("a".into())), json!({"ItemCollectionKey": {"f": {"S": "a"}}, "SizeEstimateRangeGB": [0.0, 1.0]}));
        assert_eq!(metrics_if(false, &t, &KeyValue::S("a".into())), None);
    }

    fn engine() -> Engine {
        let mut e = Engine::new(EngineConfig::default(), 1_000_000);
        for (name, lsi) in [("Thread", true), ("Plain", false)] {
            let mut def = json!({"TableName": name,
                "AttributeDefinitions": [{"AttributeName": "f", "AttributeType": "S"}, {"AttributeName": "s", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "f", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"});
            if lsi {
                def["AttributeDefinitions"].as_array_mut().unwrap().push(json!({"AttributeName": "p", "AttributeType": "S"}));
                def["LocalSecondaryIndexes"] = json!([{"IndexName": "ByP", "KeySchema": [{"AttributeName": "f", "KeyType": "HASH"}, {"AttributeName": "p", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}]);
            }
            e.call(1_000_000, &Request::new("dynamodb", "CreateTable", "us-east-1", def)).unwrap();
        }
        e.tick(1_100_000);
        e
    }

    fn call(e: &mut Engine, op: &str, input: serde_json::Value) -> Result<serde_json::Value, crate::AwsError> {
        e.call(1_200_000, &Request::new("dynamodb", op, "us-east-1", input))
    }

    #[test]
    fn every_write_reports_item_collection_metrics_for_tables_with_lsis() {
        let mut e = engine();
        let item = |f: &str, s: &str| json!({"f": {"S": f}, "s": {"S": s}, "p": {"S": "x"}});
        let key = |f: &str, s: &str| json!({"f": {"S": f}, "s": {"S": s}});
        let metrics = |f: &str| json!({"ItemCollectionKey": {"f": {"S": f}}, "SizeEstimateRangeGB": [0.0, 1.0]});
        let out = call(&mut e, "PutItem", json!({"TableName": "Thread", "Item": item("a", "1"), "ReturnItemCollectionMetrics": "SIZE"})).unwrap();
        assert_eq!(out, json!({"ItemCollectionMetrics": metrics("a")}));
        let out = call(&mut e, "UpdateItem", json!({"TableName": "Thread", "Key": key("a", "1"), "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "1"}}, "ReturnItemCollectionMetrics": "SIZE"})).unwrap();
        assert_eq!(out["ItemCollectionMetrics"], metrics("a"));
        let out = call(
            &mut e,
            "UpdateItem",
            json!({"TableName": "Thread", "Key": key("a", "1"), "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "1"}}}, "ReturnItemCollectionMetrics": "SIZE"}),
        )
        .unwrap();
        assert_eq!(out["ItemCollectionMetrics"], metrics("a"));
        let out = call(&mut e, "DeleteItem", json!({"TableName": "Thread", "Key": key("a", "1"), "ReturnItemCollectionMetrics": "SIZE", "ReturnValues": "ALL_OLD"})).unwrap();
        assert_eq!(out["ItemCollectionMetrics"], metrics("a"));
        assert!(out.get("Attributes").is_some());
        // BatchWriteItem and TransactWriteItems: per table, one entry per write, in order.
        let out = call(
            &mut e,
            "BatchWriteItem",
            json!({"RequestItems": {
            "Thread": [{"PutRequest": {"Item": item("a", "1")}}, {"PutRequest": {"Item": item("b", "1")}}, {"DeleteRequest": {"Key": key("a", "9")}}],
            "Plain": [{"PutRequest": {"Item": item("a", "1")}}]}, "ReturnItemCollectionMetrics": "SIZE"}),
        )
        .unwrap();
        assert_eq!(out, json!({"UnprocessedItems": {}, "ItemCollectionMetrics": {"Thread": [metrics("a"), metrics("b"), metrics("a")]}}));
        let out = call(
            &mut e,
            "TransactWriteItems",
            json!({"TransactItems": [
            {"Put": {"TableName": "Thread", "Item": item("c", "1")}},
            {"ConditionCheck": {"TableName": "Thread", "Key": key("a", "1"), "ConditionExpression": "attribute_exists(f)"}},
            {"Update": {"TableName": "Thread", "Key": key("b", "1"), "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "2"}}}},
            {"Delete": {"TableName": "Plain", "Key": key("a", "1")}}], "ReturnItemCollectionMetrics": "SIZE"}),
        )
        .unwrap();
        assert_eq!(out, json!({"ItemCollectionMetrics": {"Thread": [metrics("c"), metrics("b")]}}));
        // Not asked for, or NONE: nothing.
        for rc in [json!(null), json!("NONE")] {
            let out = call(&mut e, "PutItem", json!({"TableName": "Thread", "Item": item("a", "1"), "ReturnItemCollectionMetrics": rc})).unwrap();
            assert_eq!(out, json!({}));
        }
        // A table without local secondary indexes never reports them.
        let out = call(&mut e, "PutItem", json!({"TableName": "Plain", "Item": item("a", "1"), "ReturnItemCollectionMetrics": "SIZE"})).unwrap();
        assert_eq!(out, json!({}));
        let out = call(&mut e, "BatchWriteItem", json!({"RequestItems": {"Plain": [{"PutRequest": {"Item": item("a", "2")}}]}, "ReturnItemCollectionMetrics": "SIZE"})).unwrap();
        assert_eq!(out, json!({"UnprocessedItems": {}}));
        // The enum is checked everywhere.
        let mut bad = |op: &str, mut req: serde_json::Value| {
            req["ReturnItemCollectionMetrics"] = json!("hi");
            e.call(1_200_000, &Request::new("dynamodb", op, "us-east-1", req)).unwrap_err().message
        };
        let want = "1 validation error detected: Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]";
        assert_eq!(bad("PutItem", json!({"TableName": "Thread", "Item": item("a", "1")})), want);
        assert_eq!(bad("TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Thread", "Item": item("a", "1")}}]})), want);
        assert_eq!(bad("BatchWriteItem", json!({"RequestItems": {"Thread": [{"PutRequest": {"Item": item("a", "1")}}]}})), want);
    }
}
