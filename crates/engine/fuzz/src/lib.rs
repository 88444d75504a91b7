//! What the fuzz targets share: a sandbox with tables worth reaching into (a composite key with a
//! local and two global secondary indexes, and a binary-keyed table), items of every attribute
//! type, and the invariants every target checks after running the engine on hostile input.

use std::sync::OnceLock;

use gureum_engine::{
    store::{encode_batch, Image},
    Change, Engine, EngineConfig, Record, Request,
};
use serde_json::{json, Value};

/// Host time the base sandbox was built at; targets run their calls after it.
pub const BUILT_AT: i64 = 5_000;
pub const NOW: i64 = 10_000;
pub const REGION: &str = "us-east-1";

/// Every DynamoDB operation the engine answers, plus a few it refuses; a fuzz input picks one
/// by index.
pub const OPS: &[&str] = &[
    "PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactWriteItems",
    "TransactGetItems", "CreateTable", "DescribeTable", "ListTables", "DeleteTable", "TagResource", "UntagResource",
    "ListTagsOfResource", "DescribeLimits", "DescribeEndpoints", "UpdateTable", "ExecuteStatement", "Bogus",
];

fn call(e: &mut Engine, now: i64, op: &str, input: Value) -> Value {
    e.call(now, &Request::new("dynamodb", op, REGION, input)).unwrap_or_else(|err| panic!("base sandbox: {op}: {}", err.message))
}

/// The CreateTable request of the main table.
pub fn fuzz_table() -> Value {
    json!({
        "TableName": "Fuzz",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "ls", "AttributeType": "S"}, {"AttributeName": "gs", "AttributeType": "S"},
            {"AttributeName": "gn", "AttributeType": "N"}
        ],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "LocalSecondaryIndexes": [{"IndexName": "Local", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "ls", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n", "m"]}}],
        "GlobalSecondaryIndexes": [
            {"IndexName": "Global", "KeySchema": [{"AttributeName": "gs", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "ByNumber", "KeySchema": [{"AttributeName": "gn", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": true,
        "Tags": [{"Key": "team", "Value": "fuzz"}]
    })
}

/// Items of the main table: every attribute type, nesting, sparse index attributes.
pub fn fuzz_items() -> Vec<Value> {
    let mut items = Vec::new();
    for i in 0..12 {
        let mut item = json!({
            "pk": {"S": format!("p{}", i % 3)},
            "sk": {"N": format!("{}", i as i64 * 7 - 30)},
            "n": {"N": format!("{}.5", i)},
            "s": {"S": format!("str{i}")},
        });
        if i % 2 == 0 {
            item["ls"] = json!({"S": format!("l{}", 11 - i)});
        }
        if i % 3 != 1 {
            item["gs"] = json!({"S": format!("g{}", i % 2)});
        }
        if i % 4 == 0 {
            item["gn"] = json!({"N": format!("{}", i % 8)});
        }
        if i % 5 == 0 {
            item["m"] = json!({"M": {"a": {"L": [{"N": "1"}, {"S": "x"}, {"M": {"b": {"BOOL": true}}}]}, "c": {"NULL": true}}});
            item["ss"] = json!({"SS": ["a", "b", "c"]});
            item["ns"] = json!({"NS": ["1", "-2.5", "1E+10"]});
            item["bs"] = json!({"BS": ["AAE=", "Ag=="]});
            item["b"] = json!({"B": "AAECAw=="});
            item["l"] = json!({"L": [{"N": "0"}, {"L": [{"S": "deep"}]}, {"SS": ["z"]}]});
        }
        items.push(item);
    }
    items
}

fn build() -> Vec<Record> {
    let mut e = Engine::new(EngineConfig::default(), 0);
    call(&mut e, 0, "CreateTable", fuzz_table());
    call(&mut e, 0, "CreateTable", json!({
        "TableName": "Plain",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "B"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    }));
    e.tick(BUILT_AT);
    for item in fuzz_items() {
        call(&mut e, BUILT_AT, "PutItem", json!({"TableName": "Fuzz", "Item": item}));
    }
    for (id, v) in [("AQ==", json!({"S": "one"})), ("Ag==", json!({"N": "2"})), ("/w==", json!({"L": []}))] {
        call(&mut e, BUILT_AT, "PutItem", json!({"TableName": "Plain", "Item": {"id": {"B": id}, "v": v}}));
    }
    // A pending transaction token, so token records exist.
    call(&mut e, BUILT_AT, "TransactWriteItems", json!({"ClientRequestToken": "fuzz-token", "TransactItems": [
        {"Update": {"TableName": "Plain", "Key": {"id": {"B": "AQ=="}}, "UpdateExpression": "SET w = :w", "ExpressionAttributeValues": {":w": {"BOOL": true}}}}
    ]}));
    e.snapshot()
}

/// The records of the base sandbox (built once per process).
pub fn base_records() -> &'static [Record] {
    static RECORDS: OnceLock<Vec<Record>> = OnceLock::new();
    RECORDS.get_or_init(build)
}

/// A fresh copy of the base sandbox.
pub fn engine() -> Engine {
    Engine::restore(EngineConfig::default(), NOW, base_records().to_vec()).expect("the base sandbox restores")
}

/// The base sandbox as a store image, to replay an engine's journal onto.
pub fn base_image() -> Image {
    let mut img = Image::default();
    for r in base_records() {
        img.apply(Change::Put { key: r.key.clone(), value: r.value.clone() });
    }
    img
}

/// An AWS answer is either a JSON object or an error value with a type and a 4xx/5xx status.
pub fn check_answer(op: &str, result: &Result<Value, gureum_engine::AwsError>) {
    match result {
        Ok(v) => assert!(v.is_object(), "{op}: answer is not an object: {v}"),
        Err(e) => {
            assert!(!e.kind.is_empty(), "{op}: error without a type: {e:?}");
            assert!((400..600).contains(&e.status), "{op}: error status {}: {e:?}", e.status);
        }
    }
}

/// Drains the engine's journal into `img` through the segment encoding, as a host would.
pub fn persist(e: &mut Engine, img: &mut Image) {
    let changes = e.take_changes();
    if !changes.is_empty() {
        img.apply_segment(&encode_batch(&changes)).expect("the engine's own segments decode");
    }
}

/// The sandbox's invariants: the journal replayed equals the state (nothing changed without a
/// record of it), and a sandbox reloaded from its records answers reads the same (secondary
/// indexes maintained write by write equal indexes rebuilt from the items).
pub fn check_invariants(e: &mut Engine, img: Image) {
    let snapshot = e.snapshot();
    assert!(img.into_records() == snapshot, "journal replay differs from the snapshot");
    if snapshot == base_records() {
        // Nothing changed: the base sandbox is known to reload the same (cheap exit for the
        // many inputs that only produce errors).
        return;
    }
    let mut reloaded = Engine::restore(EngineConfig::default(), NOW, snapshot).expect("a snapshot restores");
    let now = NOW + 1_000_000;
    let tables = e.call(now, &Request::new("dynamodb", "ListTables", REGION, json!({}))).expect("ListTables");
    for name in tables["TableNames"].as_array().into_iter().flatten() {
        let mut reads = vec![json!({"TableName": name})];
        let desc = e.call(now, &Request::new("dynamodb", "DescribeTable", REGION, json!({"TableName": name})));
        let reloaded_desc = reloaded.call(now, &Request::new("dynamodb", "DescribeTable", REGION, json!({"TableName": name})));
        assert!(desc == reloaded_desc, "DescribeTable differs after reload: {desc:?} vs {reloaded_desc:?}");
        if let Ok(d) = &desc {
            for list in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
                for ix in d["Table"][list].as_array().into_iter().flatten() {
                    reads.push(json!({"TableName": name, "IndexName": ix["IndexName"]}));
                }
            }
        }
        for r in reads {
            let a = e.call(now, &Request::new("dynamodb", "Scan", REGION, r.clone()));
            let b = reloaded.call(now, &Request::new("dynamodb", "Scan", REGION, r.clone()));
            assert!(a == b, "Scan {r} differs after reload");
        }
    }
}
