//! Writes the seed corpora (valid expressions, requests, records) to `seeds/<target>/`, so the
//! fuzzer starts deep instead of rediscovering the grammar. `scripts/fuzz` runs it first.
//!
//! Usage: `cargo run --example seeds -- <dir>` (from `crates/engine/fuzz`).

use std::{fs, path::Path};

use gureum_engine::{
    services::dynamodb::{codec, value::item_from_json},
    store::{encode_batch, encode_checkpoint, frame},
    Change, Engine, EngineConfig, Request,
};
use gureum_engine_fuzz::{base_records, fuzz_items, fuzz_table, NOW, OPS, REGION};
use serde_json::{json, Value};

const CONDITIONS: &[&str] = &[
    "a = :n", "a <> :n AND b < :s", "a BETWEEN :one AND :n", "a IN (:n, :one, :f)", "attribute_exists(m.a.b[0])", "attribute_not_exists(#pk)",
    "attribute_type(ss, :ty)", "begins_with(b, :s)", "contains(ss, :s)", "contains(l, :n)", "size(l) > :one", "size(#m.a) >= :one",
    "NOT (a = :n OR b = :s) AND (t = :t)", "(a < :big) OR (a > :nbig)", "#dot = :s", "l[2][0].k = :f", "NOT NOT NOT a = :n",
    "a = :n AND (b = :s OR (s = :s AND NOT t = :t))", "m = :m", "ss = :ss", "ns <> :ns", "bin = :b", "n = :z", "b > :e",
];
const KEY_CONDITIONS: &[&str] = &[
    "pk = :s", "pk = :s AND sk = :n", "#pk = :s AND #sk BETWEEN :one AND :n", "pk = :s AND begins_with(sk, :n)", "a = :n AND begins_with(b, :s)",
    "sk > :one AND pk = :s", ":s = pk", "bin = :b", "pk = :s AND sk < :f", "pk = :s OR sk = :n",
];
const PROJECTIONS: &[&str] = &["a", "a, b, #pk", "m.a.b[0], l[2][0].k, #dot", "l[0], l[1]", "#m.#a", "ss, ns, bs, bin, n, t", "x.y, m.#dot"];
const UPDATES: &[&str] = &[
    "SET a = :n", "SET a = a + :one, b = :s REMOVE s", "SET l = list_append(l, :l), m.a.c = if_not_exists(m.a.c, :m)", "ADD ss :ss, a :one",
    "DELETE ss :ss", "REMOVE l[0], l[2], m.a", "SET l[9] = :n", "SET #a = if_not_exists(#a, :n) - :f", "ADD ns :ns DELETE bs :bs",
    "SET m.a.b[0] = :l", "SET m.new = list_append(:el, l)", "REMOVE #m.#a.b", "SET a = :big + :big", "SET a = :tiny - :tiny",
];
const NUMBERS: &[&str] = &[
    "0", "-0", "1", "-1", "1.5", "1.50", "0.001", "1e10", "1E-130", "9.9999999999999999999999999999999999999E+125", "-1e125",
    "12345678901234567890123456789012345678", "123456789012345678901234567890123456789", "1e126", "1e-131", "+3", " 7 ", "1,2", "-5,5",
    "0.1,0.2", "99999999999999999999999999999999999999,1", "1e125,-1e-125", "1e38,1",
];

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    fs::create_dir_all(&d).expect("create seed dir");
    fs::write(d.join(name), bytes).expect("write seed");
}

fn joined(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&0xFFu8)
}

fn op(name: &str) -> u8 {
    OPS.iter().position(|o| *o == name).expect("known op") as u8
}

fn requests() -> Vec<(&'static str, Value)> {
    let items = fuzz_items();
    let key = json!({"pk": {"S": "p0"}, "sk": {"N": "-30"}});
    vec![
        ("PutItem", json!({"TableName": "Fuzz", "Item": items[3], "ConditionExpression": "attribute_not_exists(pk)", "ReturnValues": "ALL_OLD"})),
        ("PutItem", json!({"TableName": "Fuzz", "Item": {"pk": {"S": "p9"}, "sk": {"N": "1"}, "ls": {"S": "x"}, "gs": {"S": "g0"}, "gn": {"N": "3"}}, "ReturnConsumedCapacity": "INDEXES"})),
        ("GetItem", json!({"TableName": "Fuzz", "Key": key, "ProjectionExpression": "#m.a[2].b, ss", "ExpressionAttributeNames": {"#m": "m"}, "ConsistentRead": true})),
        ("UpdateItem", json!({"TableName": "Fuzz", "Key": key, "UpdateExpression": "SET n = n + :d, gs = :g REMOVE ls ADD ss :ss", "ConditionExpression": "attribute_exists(pk) AND n > :z",
            "ExpressionAttributeValues": {":d": {"N": "-1.25"}, ":g": {"S": "g7"}, ":ss": {"SS": ["q"]}, ":z": {"N": "0"}}, "ReturnValues": "UPDATED_NEW"})),
        ("UpdateItem", json!({"TableName": "Fuzz", "Key": {"pk": {"S": "new"}, "sk": {"N": "5"}}, "UpdateExpression": "SET m = :m, l = list_append(if_not_exists(l, :e), :e)",
            "ExpressionAttributeValues": {":m": {"M": {"a": {"L": [{"N": "1"}]}}}, ":e": {"L": [{"S": "x"}]}}, "ReturnValues": "ALL_NEW"})),
        ("DeleteItem", json!({"TableName": "Fuzz", "Key": key, "ConditionExpression": "contains(ss, :a)", "ExpressionAttributeValues": {":a": {"S": "a"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})),
        ("Query", json!({"TableName": "Fuzz", "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi", "ExpressionAttributeValues": {":p": {"S": "p1"}, ":lo": {"N": "-100"}, ":hi": {"N": "100"}}, "Limit": 2, "ScanIndexForward": false})),
        ("Query", json!({"TableName": "Fuzz", "IndexName": "Local", "KeyConditionExpression": "pk = :p AND begins_with(ls, :l)", "ExpressionAttributeValues": {":p": {"S": "p0"}, ":l": {"S": "l"}}, "Select": "ALL_PROJECTED_ATTRIBUTES"})),
        ("Query", json!({"TableName": "Fuzz", "IndexName": "Global", "KeyConditionExpression": "gs = :g AND sk > :s", "FilterExpression": "n > :n", "ProjectionExpression": "pk, sk, n",
            "ExpressionAttributeValues": {":g": {"S": "g0"}, ":s": {"N": "-10"}, ":n": {"N": "2"}}, "Limit": 3,
            "ExclusiveStartKey": {"pk": {"S": "p0"}, "sk": {"N": "-30"}, "gs": {"S": "g0"}}})),
        ("Query", json!({"TableName": "Fuzz", "IndexName": "ByNumber", "KeyConditionExpression": "gn = :g", "ExpressionAttributeValues": {":g": {"N": "0"}}, "Select": "COUNT"})),
        ("Scan", json!({"TableName": "Fuzz", "Limit": 3, "FilterExpression": "attribute_exists(ls) OR size(s) > :one", "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnConsumedCapacity": "TOTAL"})),
        ("Scan", json!({"TableName": "Fuzz", "IndexName": "Global", "Limit": 4, "ExclusiveStartKey": {"pk": {"S": "p2"}, "sk": {"N": "-16"}, "gs": {"S": "g0"}}})),
        ("Scan", json!({"TableName": "Fuzz", "IndexName": "Local", "Segment": 1, "TotalSegments": 3, "Select": "COUNT"})),
        ("Scan", json!({"TableName": "Plain", "ProjectionExpression": "#v[0], id", "ExpressionAttributeNames": {"#v": "v"}, "ExclusiveStartKey": {"id": {"B": "AQ=="}}})),
        ("BatchGetItem", json!({"RequestItems": {"Fuzz": {"Keys": [key, {"pk": {"S": "p1"}, "sk": {"N": "-23"}}], "ProjectionExpression": "pk, n"}, "Plain": {"Keys": [{"id": {"B": "Ag=="}}], "ConsistentRead": true}}})),
        ("BatchWriteItem", json!({"RequestItems": {"Fuzz": [{"PutRequest": {"Item": items[5]}}, {"DeleteRequest": {"Key": key}}], "Plain": [{"PutRequest": {"Item": {"id": {"B": "AAA="}}}}]}, "ReturnConsumedCapacity": "TOTAL"})),
        ("TransactWriteItems", json!({"ClientRequestToken": "t1", "TransactItems": [
            {"Put": {"TableName": "Fuzz", "Item": items[2], "ConditionExpression": "attribute_exists(pk)"}},
            {"Update": {"TableName": "Fuzz", "Key": {"pk": {"S": "p1"}, "sk": {"N": "-23"}}, "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": "Plain", "Key": {"id": {"B": "AQ=="}}, "ConditionExpression": "w = :t", "ExpressionAttributeValues": {":t": {"BOOL": true}}}},
            {"Delete": {"TableName": "Plain", "Key": {"id": {"B": "Ag=="}}}}
        ]})),
        ("TransactGetItems", json!({"TransactItems": [{"Get": {"TableName": "Fuzz", "Key": key, "ProjectionExpression": "l[1]"}}, {"Get": {"TableName": "Plain", "Key": {"id": {"B": "/w=="}}}}]})),
        ("CreateTable", json!({"TableName": "T22", "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "N"}, {"AttributeName": "g", "AttributeType": "B"}],
            "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": "GGG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "h", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})),
        ("DescribeTable", json!({"TableName": "Fuzz"})),
        ("ListTables", json!({"Limit": 1, "ExclusiveStartTableName": "Fuzz"})),
        ("DeleteTable", json!({"TableName": "Plain"})),
        ("TagResource", json!({"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Fuzz", "Tags": [{"Key": "k", "Value": "v"}]})),
        ("UntagResource", json!({"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Fuzz", "TagKeys": ["team"]})),
        ("ListTagsOfResource", json!({"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Fuzz"})),
        ("DescribeLimits", json!({})),
        ("DescribeEndpoints", json!({})),
    ]
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "seeds".into());
    let dir = Path::new(&dir);

    // expr: selector byte, expression, optional placeholders.
    let mut n = 0;
    let mut expr = |sel: u8, parts: &[&[u8]]| {
        let mut bytes = vec![sel];
        bytes.extend(joined(parts));
        write(dir, "expr", &format!("{n:03}"), &bytes);
        n += 1;
    };
    for c in CONDITIONS {
        expr(0, &[c.as_bytes()]);
        expr(1, &[c.as_bytes()]);
    }
    for c in KEY_CONDITIONS {
        expr(3, &[c.as_bytes()]);
    }
    for p in PROJECTIONS {
        expr(2, &[p.as_bytes()]);
    }
    for u in UPDATES {
        expr(4, &[u.as_bytes()]);
    }
    expr(0x80, &[b"#x = :v", br##"{"#x": "a"}"##, br#"{":v": {"N": "42"}}"#]);
    expr(0x84, &[b"SET #x.#y = list_append(:v, :v)", br##"{"#x": "m", "#y": "a"}"##, br#"{":v": {"L": [{"M": {"a": {"NULL": true}}}]}}"#]);

    // number
    for (i, t) in NUMBERS.iter().enumerate() {
        write(dir, "number", &format!("{i:03}"), t.as_bytes());
    }

    // call: single requests, then a few sequences.
    let reqs = requests();
    let encoded: Vec<Vec<u8>> = reqs.iter().map(|(o, v)| {
        let mut b = vec![op(o)];
        b.extend(serde_json::to_vec(v).expect("json"));
        b
    }).collect();
    for (i, b) in encoded.iter().enumerate() {
        write(dir, "call", &format!("{i:03}"), b);
    }
    // Seeds that fail early teach the fuzzer little: say which ones do.
    for (o, v) in &reqs {
        let mut e = Engine::restore(EngineConfig::default(), NOW, base_records().to_vec()).expect("restore");
        if let Err(err) = e.call(NOW, &Request::new("dynamodb", o, REGION, v.clone())) {
            eprintln!("seed {o} fails: {} {}", err.kind, err.message);
        }
    }
    for (i, w) in encoded.chunks(4).enumerate() {
        let parts: Vec<&[u8]> = w.iter().map(Vec::as_slice).collect();
        write(dir, "call", &format!("seq{i:02}"), &joined(&parts));
    }

    // wire: selector (DynamoDB target by op index, or control by index), then the body.
    for (i, (o, v)) in reqs.iter().enumerate() {
        let mut b = vec![op(o) & 0x3f];
        b.extend(serde_json::to_vec(v).expect("json"));
        write(dir, "wire", &format!("{i:03}"), &b);
    }
    // fast_route: selector (an index into its own list of operations), then the body.
    const FAST_OPS: &[&str] = &["GetItem", "PutItem", "DeleteItem", "UpdateItem", "Query", "Scan", "BatchGetItem", "DescribeTable"];
    for (i, (o, v)) in reqs.iter().enumerate() {
        let Some(k) = FAST_OPS.iter().position(|f| f == o) else { continue };
        let mut b = vec![k as u8];
        b.extend(serde_json::to_vec(v).expect("json"));
        write(dir, "fast_route", &format!("{i:03}"), &b);
    }
    for (i, body) in [&b"{\"rate\": 2}"[..], b"{\"seconds\": 3600}", b"{}", b""].iter().enumerate() {
        let mut b = vec![0x80 | [3u8, 4, 5, 0][i]];
        b.extend_from_slice(body);
        write(dir, "wire", &format!("control{i}"), &b);
    }
    let mut e = Engine::restore(EngineConfig::default(), NOW, base_records().to_vec()).expect("restore");
    let export = e.control(NOW, "ExportSandbox", &json!({})).expect("export");
    let mut b = vec![0x80 | 6];
    b.extend(serde_json::to_vec(&json!({"sandbox": export})).expect("json"));
    write(dir, "wire", "import", &b);

    // store and restore: the base sandbox as a checkpoint segment, framed, and its item records.
    let checkpoint = encode_checkpoint(base_records(), usize::MAX).remove(0);
    write(dir, "store", "checkpoint", &checkpoint);
    write(dir, "restore", "checkpoint", &checkpoint);
    let mut framed = frame(&checkpoint);
    let _ = e.call(NOW, &Request::new("dynamodb", "PutItem", REGION, json!({"TableName": "Fuzz", "Item": fuzz_items()[1]})));
    let _ = e.call(NOW, &Request::new("dynamodb", "DeleteItem", REGION, json!({"TableName": "Plain", "Key": {"id": {"B": "AQ=="}}})));
    let _ = e.call(NOW, &Request::new("dynamodb", "CreateTable", REGION, fuzz_table()));
    framed.extend(frame(&encode_batch(&e.take_changes())));
    write(dir, "store", "framed", &framed);
    write(dir, "restore", "framed", &framed);
    write(dir, "store", "batch", &encode_batch(&[Change::DeletePrefix { prefix: "dynamodb/".into() }, Change::Delete { key: "sim/clock".into() }]));
    for (i, item) in fuzz_items().iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        write(dir, "store", &format!("item{i}"), &codec::encode_item(&item_from_json(item).expect("item")));
    }
}
