//! ReturnConsumedCapacity with secondary indexes: index write units (enter, leave, key change,
//! projected change in place), index reads, TOTAL and INDEXES shapes, transactions doubling.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    e.call(T0 + 10_000, &Request::new("dynamodb", op, "us-east-1", input)).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

/// `Inv` (pk HASH, sk RANGE) with an LSI `ByDate` (pk, d; KEYS_ONLY), a GSI `ByCat` (cat;
/// KEYS_ONLY) and a GSI `ByOwner` (owner; INCLUDE note).
fn inv() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let s = |n: &str| json!({"AttributeName": n, "AttributeType": "S"});
    let keys_only = json!({"ProjectionType": "KEYS_ONLY"});
    ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Inv",
            "AttributeDefinitions": [s("pk"), s("sk"), s("d"), s("cat"), s("owner")],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "ByDate", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "RANGE"}], "Projection": keys_only}],
            "GlobalSecondaryIndexes": [
                {"IndexName": "ByCat", "KeySchema": [{"AttributeName": "cat", "KeyType": "HASH"}], "Projection": keys_only},
                {"IndexName": "ByOwner", "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}}
            ],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    e.tick(T0 + 12_000);
    e
}

fn key() -> Value {
    json!({"pk": {"S": "p"}, "sk": {"S": "s"}})
}

fn put(e: &mut Engine, item: Value, mode: &str) -> Value {
    ok(e, "PutItem", json!({"TableName": "Inv", "Item": item, "ReturnConsumedCapacity": mode}))["ConsumedCapacity"].clone()
}

fn update(e: &mut Engine, expr: &str, values: Value) -> Value {
    let mut input = json!({"TableName": "Inv", "Key": key(), "UpdateExpression": expr, "ReturnConsumedCapacity": "INDEXES"});
    if values != json!({}) {
        input["ExpressionAttributeValues"] = values;
    }
    ok(e, "UpdateItem", input)["ConsumedCapacity"].clone()
}

#[test]
fn a_write_outside_every_index_reports_the_table_alone() {
    let mut e = inv();
    assert_eq!(put(&mut e, key(), "INDEXES"), json!({"TableName": "Inv", "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}));
    assert_eq!(put(&mut e, key(), "TOTAL"), json!({"TableName": "Inv", "CapacityUnits": 1.0}));
}

#[test]
fn an_item_entering_indexes_writes_each_once_at_its_projected_size() {
    let mut e = inv();
    // 2 KB of data the KEYS_ONLY indexes do not hold: 3 table units, 1 unit per index.
    let item = json!({"pk": {"S": "p"}, "sk": {"S": "s"}, "cat": {"S": "c"}, "d": {"S": "2024"}, "blob": {"S": "x".repeat(2048)}});
    assert_eq!(
        put(&mut e, item.clone(), "INDEXES"),
        json!({
            "TableName": "Inv", "CapacityUnits": 5.0, "Table": {"CapacityUnits": 3.0},
            "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 1.0}},
            "LocalSecondaryIndexes": {"ByDate": {"CapacityUnits": 1.0}}
        })
    );
    // The same item again: nothing the indexes hold changed.
    assert_eq!(put(&mut e, item, "TOTAL"), json!({"TableName": "Inv", "CapacityUnits": 3.0}));
    // An INCLUDE index holding a 2 KB attribute is written at that size.
    let owned = json!({"pk": {"S": "q"}, "sk": {"S": "s"}, "owner": {"S": "o"}, "note": {"S": "x".repeat(2048)}});
    assert_eq!(put(&mut e, owned, "INDEXES")["GlobalSecondaryIndexes"], json!({"ByOwner": {"CapacityUnits": 3.0}}));
}

#[test]
fn updates_write_an_index_only_when_what_it_holds_changes() {
    let mut e = inv();
    put(&mut e, json!({"pk": {"S": "p"}, "sk": {"S": "s"}, "cat": {"S": "a"}, "owner": {"S": "o"}, "note": {"S": "n"}}), "NONE");
    // A non-projected attribute: neither KEYS_ONLY ByCat nor ByOwner (INCLUDE note) is written.
    assert_eq!(update(&mut e, "SET x = :v", json!({":v": {"S": "1"}})), json!({"TableName": "Inv", "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}));
    // A projected attribute changes in place: one write to ByOwner only.
    assert_eq!(
        update(&mut e, "SET note = :v", json!({":v": {"S": "m"}})),
        json!({
            "TableName": "Inv", "CapacityUnits": 2.0, "Table": {"CapacityUnits": 1.0}, "GlobalSecondaryIndexes": {"ByOwner": {"CapacityUnits": 1.0}}
        })
    );
    // ByCat's key changes: delete plus put, two writes.
    assert_eq!(
        update(&mut e, "SET cat = :v", json!({":v": {"S": "b"}})),
        json!({
            "TableName": "Inv", "CapacityUnits": 3.0, "Table": {"CapacityUnits": 1.0}, "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 2.0}}
        })
    );
    // The index key removed: the item leaves, one write.
    assert_eq!(
        update(&mut e, "REMOVE cat", json!({})),
        json!({
            "TableName": "Inv", "CapacityUnits": 2.0, "Table": {"CapacityUnits": 1.0}, "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 1.0}}
        })
    );
    // The LSI key set: the item enters ByDate.
    assert_eq!(
        update(&mut e, "SET d = :v", json!({":v": {"S": "2024"}})),
        json!({
            "TableName": "Inv", "CapacityUnits": 2.0, "Table": {"CapacityUnits": 1.0}, "LocalSecondaryIndexes": {"ByDate": {"CapacityUnits": 1.0}}
        })
    );
    // Deleting the item takes it out of every index it is in.
    let out = ok(&mut e, "DeleteItem", json!({"TableName": "Inv", "Key": key(), "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(
        out["ConsumedCapacity"],
        json!({
            "TableName": "Inv", "CapacityUnits": 3.0, "Table": {"CapacityUnits": 1.0},
            "GlobalSecondaryIndexes": {"ByOwner": {"CapacityUnits": 1.0}}, "LocalSecondaryIndexes": {"ByDate": {"CapacityUnits": 1.0}}
        })
    );
    // Deleting an absent item costs the table one unit and no index anything.
    let out = ok(&mut e, "DeleteItem", json!({"TableName": "Inv", "Key": key(), "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["ConsumedCapacity"], json!({"TableName": "Inv", "CapacityUnits": 1.0}));
}

#[test]
fn index_reads_are_charged_to_the_index() {
    let mut e = inv();
    put(&mut e, json!({"pk": {"S": "p"}, "sk": {"S": "s"}, "cat": {"S": "a"}, "d": {"S": "2024"}, "blob": {"S": "x".repeat(5000)}}), "NONE");
    let q = |e: &mut Engine, index: &str, cond: &str, v: Value, mode: &str| {
        ok(e, "Query", json!({"TableName": "Inv", "IndexName": index, "KeyConditionExpression": cond, "ExpressionAttributeValues": {":v": v}, "ReturnConsumedCapacity": mode}))
            ["ConsumedCapacity"]
            .clone()
    };
    // The KEYS_ONLY entry is small: 0.5 units, though the item is 5 KB.
    assert_eq!(
        q(&mut e, "ByCat", "cat = :v", json!({"S": "a"}), "INDEXES"),
        json!({
            "TableName": "Inv", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0}, "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 0.5}}
        })
    );
    assert_eq!(q(&mut e, "ByCat", "cat = :v", json!({"S": "a"}), "TOTAL"), json!({"TableName": "Inv", "CapacityUnits": 0.5}));
    assert_eq!(
        q(&mut e, "ByDate", "pk = :v", json!({"S": "p"}), "INDEXES"),
        json!({
            "TableName": "Inv", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0}, "LocalSecondaryIndexes": {"ByDate": {"CapacityUnits": 0.5}}
        })
    );
    let scan = ok(&mut e, "Scan", json!({"TableName": "Inv", "IndexName": "ByCat", "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(scan["ConsumedCapacity"]["GlobalSecondaryIndexes"], json!({"ByCat": {"CapacityUnits": 0.5}}));
    // The table itself: 5 KB, eventually consistent, 1 unit.
    let scan = ok(&mut e, "Scan", json!({"TableName": "Inv", "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(scan["ConsumedCapacity"], json!({"TableName": "Inv", "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}));
    let sel = ok(&mut e, "ExecuteStatement", json!({"Statement": "SELECT * FROM \"Inv\".\"ByCat\" WHERE cat = 'a'", "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(sel["ConsumedCapacity"]["GlobalSecondaryIndexes"], json!({"ByCat": {"CapacityUnits": 0.5}}));
    assert_eq!(sel["ConsumedCapacity"]["Table"], json!({"CapacityUnits": 0.0}));
}

#[test]
fn transactions_double_index_units_and_batches_add_them_up() {
    let mut e = inv();
    let item = |sk: &str| json!({"pk": {"S": "p"}, "sk": {"S": sk}, "cat": {"S": "a"}});
    let out = ok(&mut e, "TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Inv", "Item": item("1")}}], "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(
        out["ConsumedCapacity"],
        json!([{
            "TableName": "Inv", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0, "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
            "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}}
        }])
    );
    let out = ok(
        &mut e,
        "TransactWriteItems",
        json!({"TransactItems": [{"Delete": {"TableName": "Inv", "Key": {"pk": {"S": "p"}, "sk": {"S": "1"}}}}], "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Inv", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]));
    let out = ok(
        &mut e,
        "BatchWriteItem",
        json!({"RequestItems": {"Inv": [{"PutRequest": {"Item": item("2")}}, {"PutRequest": {"Item": item("3")}}]}, "ReturnConsumedCapacity": "INDEXES"}),
    );
    assert_eq!(
        out["ConsumedCapacity"],
        json!([{"TableName": "Inv", "CapacityUnits": 4.0, "Table": {"CapacityUnits": 2.0}, "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 2.0}}}])
    );
    let out = ok(&mut e, "ExecuteStatement", json!({"Statement": "INSERT INTO Inv VALUE {'pk': 'p', 'sk': '4', 'cat': 'a'}", "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["ConsumedCapacity"], json!({"TableName": "Inv", "CapacityUnits": 2.0}));
    let out =
        ok(&mut e, "ExecuteTransaction", json!({"TransactStatements": [{"Statement": "UPDATE Inv SET cat = 'b' WHERE pk = 'p' AND sk = '4'"}], "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Inv", "CapacityUnits": 6.0, "WriteCapacityUnits": 6.0}]), "2 × (1 table + 2 index)");
}
