//! DynamoDB behaviour, with AWS's documented (and recorded) answers as the oracle.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;

fn engine() -> Engine {
    Engine::new(EngineConfig::default(), T0)
}

fn call(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(T0 + 10_000, &Request::new("dynamodb", op, "us-east-1", input))
}

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    call(e, op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, op: &str, input: Value) -> (String, String) {
    let er = call(e, op, input).expect_err("expected an error");
    (er.kind, er.message)
}

/// A table `Music` (Artist HASH S, SongTitle RANGE S), already ACTIVE.
fn music() -> Engine {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Music",
            "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "SongTitle", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    e.tick(T0 + 12_000);
    e
}

fn song(artist: &str, title: &str) -> Value {
    json!({"Artist": {"S": artist}, "SongTitle": {"S": title}})
}

#[test]
fn create_table_describes_like_aws_and_becomes_active() {
    let mut e = engine();
    let out = ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Scores",
            "AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}, {"AttributeName": "Game", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "Game", "KeyType": "RANGE"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        }),
    );
    let d = &out["TableDescription"];
    assert_eq!(d["TableStatus"], "CREATING");
    assert_eq!(d["TableArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/Scores");
    assert_eq!(d["ProvisionedThroughput"], json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5, "WriteCapacityUnits": 5}));
    assert_eq!(d["KeySchema"][1], json!({"AttributeName": "Game", "KeyType": "RANGE"}));
    assert!(d.get("BillingModeSummary").is_none(), "no summary when BillingMode was not sent");
    assert_eq!(d["TableId"].as_str().unwrap().len(), 36);
    // While CREATING, data operations do not find the table.
    assert_eq!(err(&mut e, "GetItem", json!({"TableName": "Scores", "Key": {"UserId": {"S": "u"}, "Game": {"S": "g"}}})).1, "Requested resource not found");
    // One virtual second later it is ACTIVE.
    let d = e.call(T0 + 12_000, &Request::new("dynamodb", "DescribeTable", "us-east-1", json!({"TableName": "Scores"}))).unwrap();
    assert_eq!(d["Table"]["TableStatus"], "ACTIVE");
}

#[test]
fn create_table_validation_messages() {
    let defs = json!([{"AttributeName": "a", "AttributeType": "S"}]);
    let keys = json!([{"AttributeName": "a", "KeyType": "HASH"}]);
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "The parameter 'TableName' is required but was not present in the request"),
        (json!({"TableName": "ab"}), "TableName must be at least 3 characters long and at most 255 characters long"),
        (json!({"TableName": "abc;"}), "3 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value null at 'keySchema' failed to satisfy constraint: Member must not be null"),
        (json!({"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "SS"}], "KeySchema": keys}), "1 validation error detected: Value 'SS' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"),
        (json!({"TableName": "abc", "AttributeDefinitions": defs, "KeySchema": keys}), "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"),
        (json!({"TableName": "abc", "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}), "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"),
        (json!({"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "b", "AttributeType": "S"}], "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}), "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [a], AttributeDefinitions: [b]"),
        (json!({"TableName": "abc", "AttributeDefinitions": defs, "KeySchema": [{"AttributeName": "a", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"}), "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
        (json!({"TableName": "abc", "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}], "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}), "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"),
        (json!({"TableName": "abc", "AttributeDefinitions": defs, "KeySchema": keys, "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}), "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"),
    ];
    for (input, message) in cases {
        let (kind, msg) = err(&mut engine(), "CreateTable", input.clone());
        assert_eq!(kind, "ValidationException", "{input}");
        assert_eq!(msg, message, "{input}");
    }
    let (kind, msg) = err(&mut music(), "CreateTable", json!({"TableName": "Music", "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}));
    assert_eq!((kind.as_str(), msg.as_str()), ("ResourceInUseException", "Table already exists: Music"));
}

#[test]
fn wrong_json_types_are_serialization_exceptions() {
    for (input, message) in [
        (json!({"TableName": 5}), "NUMBER_VALUE cannot be converted to String"),
        (json!({"TableName": true}), "TRUE_VALUE cannot be converted to String"),
        (json!({"TableName": []}), "Unrecognized collection type class java.lang.String"),
        (json!({"TableName": {}}), "Start of structure or map found where not expected"),
    ] {
        let e = call(&mut engine(), "DescribeTable", input).unwrap_err();
        assert_eq!((e.kind.as_str(), e.message.as_str()), ("SerializationException", message));
        assert_eq!(e.to_json()["Message"], message);
    }
}

#[test]
fn put_get_delete_round_trip_with_return_values() {
    let mut e = music();
    let mut item = song("Acme", "Call Me Today");
    item["Year"] = json!({"N": "2020.50"});
    item["Tags"] = json!({"SS": ["pop", "rock"]});
    assert_eq!(ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": item})), json!({}));
    let got = ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("Acme", "Call Me Today")}));
    assert_eq!(got["Item"]["Year"], json!({"N": "2020.5"}), "numbers come back canonical");
    // ALL_OLD returns the replaced item.
    let out = ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song("Acme", "Call Me Today"), "ReturnValues": "ALL_OLD"}));
    assert_eq!(out["Attributes"]["Tags"], json!({"SS": ["pop", "rock"]}));
    let out = ok(&mut e, "DeleteItem", json!({"TableName": "Music", "Key": song("Acme", "Call Me Today"), "ReturnValues": "ALL_OLD"}));
    assert_eq!(out["Attributes"], song("Acme", "Call Me Today"));
    assert_eq!(ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("Acme", "Call Me Today")})), json!({}));
    // Deleting a missing item is not an error.
    assert_eq!(ok(&mut e, "DeleteItem", json!({"TableName": "Music", "Key": song("Nobody", "x")})), json!({}));
}

#[test]
fn item_validation_messages() {
    let mut e = music();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": "a"}}}), "One or more parameter values were invalid: Missing the key SongTitle in the item"),
        ("PutItem", json!({"TableName": "Music", "Item": {"Artist": {"N": "1"}, "SongTitle": {"S": "x"}}}), "One or more parameter values were invalid: Type mismatch for key Artist expected: S actual: N"),
        ("PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": ""}, "SongTitle": {"S": "x"}}}), "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: Artist"),
        ("PutItem", json!({"TableName": "Music", "Item": song("a", "b"), "ReturnValues": "ALL_NEW"}), "ReturnValues can only be ALL_OLD or NONE"),
        ("PutItem", json!({"TableName": "Music", "Item": song("a", "b"), "ReturnValues": "hi"}), "1 validation error detected: Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"),
        ("PutItem", json!({}), "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'item' failed to satisfy constraint: Member must not be null"),
        ("GetItem", json!({"TableName": "Music", "Key": {"Artist": {"S": "a"}}}), "The provided key element does not match the schema"),
        ("GetItem", json!({"TableName": "Music", "Key": {"Artist": {"S": "a"}, "SongTitle": {"N": "1"}}}), "The provided key element does not match the schema"),
        ("DeleteItem", json!({"TableName": "Music", "Key": {"Artist": {"S": "a"}, "SongTitle": {"S": "b"}, "x": {"S": "c"}}}), "The provided key element does not match the schema"),
        ("PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": "a"}, "SongTitle": {"S": "b"}, "n": {"N": "1E+126"}}}), "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ];
    for (op, input, message) in cases {
        let (kind, msg) = err(&mut e, op, input.clone());
        assert_eq!(kind, "ValidationException", "{op} {input}");
        assert_eq!(msg, message, "{op} {input}");
    }
    let big = "x".repeat(400 * 1024);
    let (_, msg) = err(&mut e, "PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": "a"}, "SongTitle": {"S": "b"}, "blob": {"S": big}}}));
    assert_eq!(msg, "Item size has exceeded the maximum allowed size");
    let (kind, msg) = err(&mut e, "PutItem", json!({"TableName": "Nope", "Item": song("a", "b")}));
    assert_eq!((kind.as_str(), msg.as_str()), ("ResourceNotFoundException", "Requested resource not found"));
}

#[test]
fn unimplemented_parameters_are_refused_not_ignored() {
    let mut e = music();
    let (kind, msg) = err(
        &mut e,
        "CreateTable",
        json!({"TableName": "Streams", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST", "OnDemandThroughput": {"MaxReadRequestUnits": 10}}),
    );
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("OnDemandThroughput"), "{msg}");
    let e2 = call(&mut e, "DescribeContributorInsights", json!({})).unwrap_err();
    assert_eq!(e2.kind, "UnknownOperationException");
    assert_eq!(call(&mut e, "Frobnicate", json!({})).unwrap_err().to_json(), json!({"__type": "com.amazon.coral.service#UnknownOperationException"}));
}

#[test]
fn capacity_units_round_like_aws() {
    let mut e = music();
    let mut item = song("a", "b");
    item["pad"] = json!({"S": "x".repeat(5000)});
    let out = ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": item, "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["ConsumedCapacity"], json!({"TableName": "Music", "CapacityUnits": 5.0}));
    let out = ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b"), "ReturnConsumedCapacity": "INDEXES"}));
    assert_eq!(out["ConsumedCapacity"]["CapacityUnits"], 1.0, "5 KB eventually consistent = 2 units / 2");
    let out = ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b"), "ConsistentRead": true, "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["ConsumedCapacity"]["CapacityUnits"], 2.0);
}

#[test]
fn scan_pages_through_every_item_once() {
    let mut e = music();
    for i in 0..25 {
        ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song(&format!("artist{}", i % 7), &format!("song{i:02}"))}));
    }
    let mut seen = Vec::new();
    let mut start: Option<Value> = None;
    let mut pages = 0;
    loop {
        let mut req = json!({"TableName": "Music", "Limit": 10});
        if let Some(s) = &start {
            req["ExclusiveStartKey"] = s.clone();
        }
        let out = ok(&mut e, "Scan", req);
        pages += 1;
        for it in out["Items"].as_array().unwrap() {
            seen.push(it["SongTitle"]["S"].as_str().unwrap().to_string());
        }
        assert_eq!(out["Count"], out["ScannedCount"]);
        match out.get("LastEvaluatedKey") {
            Some(k) => start = Some(k.clone()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);
    // Items of one partition come out together, sorted by sort key; partitions in hash order.
    let all = ok(&mut e, "Scan", json!({"TableName": "Music"}));
    let artists: Vec<&str> = all["Items"].as_array().unwrap().iter().map(|i| i["Artist"]["S"].as_str().unwrap()).collect();
    let mut runs = artists.clone();
    runs.dedup();
    assert_eq!(runs.len(), 7, "each partition is contiguous: {artists:?}");
    assert_eq!(ok(&mut e, "Scan", json!({"TableName": "Music", "Select": "COUNT"})), json!({"Count": 25, "ScannedCount": 25}));
}

#[test]
fn parallel_scan_segments_partition_the_table() {
    let mut e = music();
    for i in 0..40 {
        ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song(&format!("a{i}"), "s")}));
    }
    let total: u64 = (0..4).map(|s| ok(&mut e, "Scan", json!({"TableName": "Music", "Segment": s, "TotalSegments": 4}))["Count"].as_u64().unwrap()).sum();
    assert_eq!(total, 40);
    let (_, msg) = err(&mut e, "Scan", json!({"TableName": "Music", "Segment": 1, "TotalSegments": 1}));
    assert_eq!(msg, "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 1 is not less than TotalSegments: 1");
    let (_, msg) = err(&mut e, "Scan", json!({"TableName": "Music", "Segment": 1}));
    assert_eq!(msg, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
    let (_, msg) = err(&mut e, "Scan", json!({"TableName": "Music", "ExclusiveStartKey": {"Artist": {"S": "a"}}}));
    assert_eq!(msg, "The provided starting key is invalid: The provided key element does not match the schema");
}

#[test]
fn list_tables_pages_by_name() {
    let mut e = engine();
    for name in ["ccc", "aaa", "bbb"] {
        ok(
            &mut e,
            "CreateTable",
            json!({"TableName": name, "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
        );
    }
    assert_eq!(ok(&mut e, "ListTables", json!({"Limit": 2})), json!({"TableNames": ["aaa", "bbb"], "LastEvaluatedTableName": "bbb"}));
    assert_eq!(ok(&mut e, "ListTables", json!({"ExclusiveStartTableName": "bbb"})), json!({"TableNames": ["ccc"]}));
    assert_eq!(ok(&mut e, "ListTables", json!({"Limit": 3})), json!({"TableNames": ["aaa", "bbb", "ccc"]}));
    assert_eq!(
        err(&mut e, "ListTables", json!({"Limit": 101})).1,
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"
    );
    // Regions are separate.
    let other = e.call(T0, &Request::new("dynamodb", "ListTables", "eu-west-1", json!({}))).unwrap();
    assert_eq!(other, json!({"TableNames": []}));
}

#[test]
fn delete_table_goes_through_deleting() {
    let mut e = music();
    ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song("a", "b")}));
    let out = ok(&mut e, "DeleteTable", json!({"TableName": "Music"}));
    assert_eq!(out["TableDescription"]["TableStatus"], "DELETING");
    assert_eq!(err(&mut e, "DeleteTable", json!({"TableName": "Music"})).0, "ResourceInUseException");
    let later = e.call(T0 + 20_000, &Request::new("dynamodb", "DescribeTable", "us-east-1", json!({"TableName": "Music"}))).unwrap_err();
    assert_eq!(later.message, "Requested resource not found: Table: Music not found");
}

#[test]
fn deletion_protection_blocks_delete() {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({"TableName": "Keep", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": true}),
    );
    e.tick(T0 + 12_000);
    let (kind, _) = err(&mut e, "DeleteTable", json!({"TableName": "Keep"}));
    assert_eq!(kind, "ValidationException");
}

#[test]
fn conditional_writes() {
    let mut e = music();
    let put = |cond: &str, values: Value| json!({"TableName": "Music", "Item": song("a", "b"), "ConditionExpression": cond, "ExpressionAttributeValues": values});
    ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song("a", "b"), "ConditionExpression": "attribute_not_exists(Artist)"}));
    e.take_changes();
    let failed = call(
        &mut e,
        "PutItem",
        json!({"TableName": "Music", "Item": song("a", "b"), "ConditionExpression": "attribute_not_exists(Artist)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
    )
    .unwrap_err();
    assert_eq!(failed.full_type(), "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
    assert_eq!(failed.to_json()["Item"], song("a", "b"));
    assert!(!e.has_changes(), "a failed condition journals nothing");
    ok(&mut e, "PutItem", put("SongTitle = :t", json!({":t": {"S": "b"}})));
    let (kind, _) = err(&mut e, "DeleteItem", json!({"TableName": "Music", "Key": song("a", "b"), "ConditionExpression": "attribute_exists(Plays)"}));
    assert_eq!(kind, "ConditionalCheckFailedException");
    // The failed delete left the item alone.
    assert!(ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b")})).get("Item").is_some());
    let (_, msg) = err(&mut e, "PutItem", json!({"TableName": "Music", "Item": song("a", "b"), "ExpressionAttributeValues": {":x": {"S": "1"}}}));
    assert_eq!(msg, "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null");
    let (_, msg) = err(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b"), "ExpressionAttributeNames": {"#a": "x"}}));
    assert_eq!(msg, "ExpressionAttributeNames can only be specified when using expressions");
}

#[test]
fn get_item_projection() {
    let mut e = music();
    let mut it = song("a", "b");
    it["Info"] = json!({"M": {"Year": {"N": "2001"}, "Label": {"S": "X"}}});
    ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": it}));
    let got = ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b"), "ProjectionExpression": "#i.Label, Artist", "ExpressionAttributeNames": {"#i": "Info"}}));
    assert_eq!(got["Item"], json!({"Artist": {"S": "a"}, "Info": {"M": {"Label": {"S": "X"}}}}));
}

/// A table `Scores` (UserId HASH S, Game RANGE N... as a number sort key) with a few players.
fn scores() -> Engine {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Scores",
            "AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}, {"AttributeName": "Ts", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "Ts", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    e.tick(T0 + 12_000);
    for user in ["alice", "bob", "carol"] {
        for ts in [5, 10, 100, 20, 1] {
            ok(
                &mut e,
                "PutItem",
                json!({"TableName": "Scores", "Item": {"UserId": {"S": user}, "Ts": {"N": ts.to_string()}, "Score": {"N": (ts * 7).to_string()}, "Game": {"S": if ts % 2 == 0 { "chess" } else { "go" }}}}),
            );
        }
    }
    e
}

fn ts_of(out: &Value) -> Vec<i64> {
    out["Items"].as_array().unwrap().iter().map(|i| i["Ts"]["N"].as_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn query_returns_one_collection_in_sort_order() {
    let mut e = scores();
    let q = |extra: Value| {
        let mut req = json!({"TableName": "Scores", "KeyConditionExpression": "UserId = :u", "ExpressionAttributeValues": {":u": {"S": "bob"}}});
        for (k, v) in extra.as_object().unwrap() {
            if k == "values" {
                for (vk, vv) in v.as_object().unwrap() {
                    req["ExpressionAttributeValues"][vk] = vv.clone();
                }
            } else {
                req[k] = v.clone();
            }
        }
        req
    };
    assert_eq!(ts_of(&ok(&mut e, "Query", q(json!({})))), vec![1, 5, 10, 20, 100], "numeric sort order");
    assert_eq!(ts_of(&ok(&mut e, "Query", q(json!({"ScanIndexForward": false})))), vec![100, 20, 10, 5, 1]);
    let between = q(json!({"KeyConditionExpression": "UserId = :u AND Ts BETWEEN :a AND :b", "values": {":a": {"N": "5"}, ":b": {"N": "20"}}}));
    assert_eq!(ts_of(&ok(&mut e, "Query", between)), vec![5, 10, 20]);
    let gt = q(json!({"KeyConditionExpression": "Ts > :a AND UserId = :u", "values": {":a": {"N": "10"}}}));
    assert_eq!(ts_of(&ok(&mut e, "Query", gt)), vec![20, 100]);
    // Filter after Limit: ScannedCount counts what was read, Count what passed.
    let filtered = ok(&mut e, "Query", q(json!({"FilterExpression": "Game = :g", "Limit": 3, "values": {":g": {"S": "chess"}}})));
    assert_eq!((filtered["Count"].as_u64(), filtered["ScannedCount"].as_u64()), (Some(1), Some(3)));
    assert_eq!(filtered["LastEvaluatedKey"], json!({"UserId": {"S": "bob"}, "Ts": {"N": "10"}}));
    // Paging forward and backward visits each item once.
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut start: Option<Value> = None;
        loop {
            let mut req = q(json!({"Limit": 2, "ScanIndexForward": forward}));
            if let Some(s) = &start {
                req["ExclusiveStartKey"] = s.clone();
            }
            let out = ok(&mut e, "Query", req);
            seen.extend(ts_of(&out));
            match out.get("LastEvaluatedKey") {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
        let mut want = vec![1, 5, 10, 20, 100];
        if !forward {
            want.reverse();
        }
        assert_eq!(seen, want, "forward={forward}");
    }
    let projected = ok(&mut e, "Query", q(json!({"ProjectionExpression": "Score", "Select": "SPECIFIC_ATTRIBUTES", "Limit": 1})));
    assert_eq!(projected["Items"], json!([{"Score": {"N": "7"}}]));
    assert_eq!(ok(&mut e, "Query", q(json!({"Select": "COUNT"})))["Count"], 5);
}

#[test]
fn query_key_condition_errors() {
    let mut e = scores();
    let q = |cond: &str, values: Value| json!({"TableName": "Scores", "KeyConditionExpression": cond, "ExpressionAttributeValues": values});
    let cases = [
        (q("Ts = :t", json!({":t": {"N": "1"}})), "Query condition missed key schema element: UserId"),
        (q("UserId = :u OR Ts = :t", json!({":u": {"S": "a"}, ":t": {"N": "1"}})), "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"),
        (q("UserId = :u AND Game = :g", json!({":u": {"S": "a"}, ":g": {"S": "go"}})), "Query key condition not supported"),
        (q("UserId = :u AND UserId = :u", json!({":u": {"S": "a"}})), "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"),
        (q("UserId = :t", json!({":t": {"N": "1"}})), "One or more parameter values were invalid: Condition parameter type does not match schema type"),
        (q("UserId < :u", json!({":u": {"S": "a"}})), "Query key condition not supported"),
        (json!({"TableName": "Scores"}), "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."),
    ];
    for (req, msg) in cases {
        assert_eq!(err(&mut e, "Query", req.clone()).1, msg, "{req}");
    }
}

#[test]
fn scan_filter_and_projection() {
    let mut e = scores();
    let out = ok(
        &mut e,
        "Scan",
        json!({"TableName": "Scores", "FilterExpression": "Score > :s", "ProjectionExpression": "UserId, Score", "ExpressionAttributeValues": {":s": {"N": "100"}}}),
    );
    assert_eq!(out["ScannedCount"], 15);
    assert_eq!(out["Count"], 6, "Ts 20 and 100 for three users");
    assert!(out["Items"].as_array().unwrap().iter().all(|i| i.as_object().unwrap().len() == 2));
    let (_, msg) = err(&mut e, "Scan", json!({"TableName": "Scores", "Select": "COUNT", "ProjectionExpression": "Score"}));
    assert_eq!(msg, "Cannot specify the ProjectionExpression when choosing to get only the Count");
}

fn update(e: &mut Engine, expr: &str, values: Value, rv: &str) -> Result<Value, crate::AwsError> {
    let mut req = json!({"TableName": "Music", "Key": song("a", "b"), "UpdateExpression": expr, "ReturnValues": rv});
    if !values.is_null() {
        req["ExpressionAttributeValues"] = values;
    }
    call(e, "UpdateItem", req)
}

#[test]
fn update_item_set_remove_add_delete() {
    let mut e = music();
    // Upsert: the item does not exist yet.
    let out = update(
        &mut e,
        "SET Plays = :one, Tags = :tags, Info = :info, L = :l",
        json!({":one": {"N": "1"}, ":tags": {"SS": ["x", "y"]}, ":info": {"M": {"Released": {"N": "2001"}}}, ":l": {"L": [{"S": "p"}, {"S": "q"}, {"S": "r"}]}}),
        "ALL_NEW",
    )
    .unwrap();
    assert_eq!(out["Attributes"]["Plays"], json!({"N": "1"}));
    assert_eq!(out["Attributes"]["Artist"], json!({"S": "a"}), "the key is part of the new item");
    // Arithmetic reads the old value; ADD on numbers and sets; nested SET; list_append; if_not_exists.
    let out = update(
        &mut e,
        "SET Plays = Plays + :two, Info.Label = :lbl, L = list_append(L, :more), Rating = if_not_exists(Rating, :five) ADD Tags :z, Hits :two",
        json!({":two": {"N": "2"}, ":lbl": {"S": "Acme"}, ":more": {"L": [{"S": "s"}]}, ":five": {"N": "5"}, ":z": {"SS": ["z"]}}),
        "UPDATED_NEW",
    )
    .unwrap();
    let a = &out["Attributes"];
    assert_eq!(a["Plays"], json!({"N": "3"}));
    assert_eq!(a["Info"], json!({"M": {"Label": {"S": "Acme"}}}), "UPDATED_NEW returns only what was updated");
    assert_eq!(a["L"]["L"].as_array().unwrap().len(), 4);
    assert_eq!(a["Rating"], json!({"N": "5"}));
    assert_eq!(a["Hits"], json!({"N": "2"}));
    let mut tags: Vec<&str> = a["Tags"]["SS"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    tags.sort();
    assert_eq!(tags, ["x", "y", "z"]);
    // REMOVE list elements by their original indexes; DELETE from a set; UPDATED_OLD.
    let out =
        update(&mut e, "REMOVE L[0], L[2], Info.Released DELETE Tags :xy SET Plays = Plays - :one", json!({":xy": {"SS": ["x", "y"]}, ":one": {"N": "1"}}), "UPDATED_OLD").unwrap();
    assert_eq!(out["Attributes"]["Plays"], json!({"N": "3"}));
    let item = ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b")}))["Item"].clone();
    assert_eq!(item["L"], json!({"L": [{"S": "q"}, {"S": "s"}]}));
    assert_eq!(item["Info"], json!({"M": {"Label": {"S": "Acme"}}}));
    assert_eq!(item["Tags"], json!({"SS": ["z"]}));
    assert_eq!(item["Plays"], json!({"N": "2"}));
    // Deleting every member removes the set.
    update(&mut e, "DELETE Tags :z", json!({":z": {"SS": ["z"]}}), "NONE").unwrap();
    assert!(ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b")}))["Item"].get("Tags").is_none());
}

#[test]
fn update_item_errors_change_nothing() {
    let mut e = music();
    update(&mut e, "SET Plays = :one, Name1 = :s", json!({":one": {"N": "1"}, ":s": {"S": "x"}}), "NONE").unwrap();
    let before = ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b")}));
    e.take_changes();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("SET Artist = :s", json!({":s": {"S": "x"}}), "One or more parameter values were invalid: Cannot update attribute Artist. This attribute is part of the key"),
        ("SET Plays = Nope + :one", json!({":one": {"N": "1"}}), "The provided expression refers to an attribute that does not exist in the item"),
        ("SET Plays = Name1 + :one", json!({":one": {"N": "1"}}), "An operand in the update expression has an incorrect data type"),
        ("ADD Name1 :one", json!({":one": {"N": "1"}}), "An operand in the update expression has an incorrect data type"),
        ("SET Deep.Er = :one", json!({":one": {"N": "1"}}), "The document path provided in the update expression is invalid for update"),
        ("SET Plays = :one SET Name1 = :one", json!({":one": {"N": "1"}}), "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"),
        (
            "SET Plays = :one REMOVE Plays",
            json!({":one": {"N": "1"}}),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [Plays], path two: [Plays]",
        ),
        ("ADD Plays :s", json!({":s": {"S": "x"}}), "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
        ("SET Plays = size(Name1)", Value::Null, "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"),
    ];
    for (expr, values, msg) in cases {
        let err = update(&mut e, expr, values, "NONE").unwrap_err();
        assert_eq!(err.message, msg, "{expr}");
        assert!(!e.has_changes(), "{expr} journaled a change");
    }
    assert_eq!(ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "b")})), before);
    // A condition guards the update.
    let req = json!({"TableName": "Music", "Key": song("a", "b"), "UpdateExpression": "SET Plays = Plays + :one", "ConditionExpression": "Plays > :ten", "ExpressionAttributeValues": {":one": {"N": "1"}, ":ten": {"N": "10"}}});
    assert_eq!(err(&mut e, "UpdateItem", req).0, "ConditionalCheckFailedException");
}

#[test]
fn batch_write_then_batch_get() {
    let mut e = music();
    let puts: Vec<Value> =
        (0..20).map(|i| json!({"PutRequest": {"Item": {"Artist": {"S": "a"}, "SongTitle": {"S": format!("s{i:02}")}, "Pad": {"S": "x".repeat(5000)}}}})).collect();
    let out = ok(&mut e, "BatchWriteItem", json!({"RequestItems": {"Music": puts}, "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["UnprocessedItems"], json!({}));
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Music", "CapacityUnits": 100.0}]), "5 WCU per 5 KB item");
    let mixed = json!({"RequestItems": {"Music": [
        {"DeleteRequest": {"Key": song("a", "s00")}},
        {"PutRequest": {"Item": song("b", "new")}},
    ]}});
    ok(&mut e, "BatchWriteItem", mixed);
    let keys: Vec<Value> = vec![song("a", "s00"), song("a", "s01"), song("b", "new"), song("zz", "none")];
    let out = ok(&mut e, "BatchGetItem", json!({"RequestItems": {"Music": {"Keys": keys, "ProjectionExpression": "SongTitle"}}, "ReturnConsumedCapacity": "TOTAL"}));
    let mut titles: Vec<&str> = out["Responses"]["Music"].as_array().unwrap().iter().map(|i| i["SongTitle"]["S"].as_str().unwrap()).collect();
    titles.sort();
    assert_eq!(titles, ["new", "s01"]);
    assert_eq!(out["UnprocessedKeys"], json!({}));
    // Each key is rounded on its own: 5 KB = 2 units, missing and small ones 1 unit, halved.
    assert_eq!(out["ConsumedCapacity"][0]["CapacityUnits"], 2.5);

    let too_many: Vec<Value> = (0..26).map(|i| json!({"PutRequest": {"Item": song("c", &i.to_string())}})).collect();
    assert_eq!(err(&mut e, "BatchWriteItem", json!({"RequestItems": {"Music": too_many}})).1, "Too many items requested for the BatchWriteItem call");
    let dup = json!({"RequestItems": {"Music": [{"PutRequest": {"Item": song("d", "1")}}, {"DeleteRequest": {"Key": song("d", "1")}}]}});
    assert_eq!(err(&mut e, "BatchWriteItem", dup).1, "Provided list of item keys contains duplicates");
    // A bad request anywhere rejects the whole batch: the first put did not happen.
    let bad = json!({"RequestItems": {"Music": [{"PutRequest": {"Item": song("e", "1")}}, {"PutRequest": {"Item": {"Artist": {"S": "e"}}}}]}});
    assert!(err(&mut e, "BatchWriteItem", bad).1.contains("Missing the key SongTitle"));
    assert_eq!(ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("e", "1")})), json!({}));
    let too_many_keys: Vec<Value> = (0..101).map(|i| song("f", &i.to_string())).collect();
    assert_eq!(err(&mut e, "BatchGetItem", json!({"RequestItems": {"Music": {"Keys": too_many_keys}}})).1, "Too many items requested for the BatchGetItem call");
    assert_eq!(err(&mut e, "BatchGetItem", json!({"RequestItems": {"Nope": {"Keys": [song("a", "b")]}}})).0, "ResourceNotFoundException");
}

#[test]
fn tags_limits_and_endpoints() {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({"TableName": "Tagged", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST", "Tags": [{"Key": "team", "Value": "blue"}]}),
    );
    let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Tagged";
    assert_eq!(ok(&mut e, "ListTagsOfResource", json!({"ResourceArn": arn})), json!({"Tags": [{"Key": "team", "Value": "blue"}]}));
    ok(&mut e, "TagResource", json!({"ResourceArn": arn, "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "red"}]}));
    assert_eq!(ok(&mut e, "ListTagsOfResource", json!({"ResourceArn": arn}))["Tags"], json!([{"Key": "team", "Value": "red"}, {"Key": "env", "Value": "dev"}]));
    ok(&mut e, "UntagResource", json!({"ResourceArn": arn, "TagKeys": ["team"]}));
    assert_eq!(ok(&mut e, "ListTagsOfResource", json!({"ResourceArn": arn}))["Tags"], json!([{"Key": "env", "Value": "dev"}]));
    assert_eq!(err(&mut e, "ListTagsOfResource", json!({"ResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/Nope"})).0, "ResourceNotFoundException");
    assert_eq!(err(&mut e, "TagResource", json!({"ResourceArn": "not-an-arn", "Tags": []})).1, "Invalid TableArn: Invalid ResourceArn provided as input not-an-arn");
    let many: Vec<Value> = (0..51).map(|i| json!({"Key": format!("k{i}"), "Value": ""})).collect();
    assert_eq!(err(&mut e, "TagResource", json!({"ResourceArn": arn, "Tags": many})).0, "LimitExceededException");
    assert_eq!(ok(&mut e, "DescribeLimits", json!({}))["TableMaxReadCapacityUnits"], 40000);
    assert_eq!(ok(&mut e, "DescribeEndpoints", json!({}))["Endpoints"][0]["Address"], "dynamodb.us-east-1.amazonaws.com");
}

#[test]
fn transact_write_is_all_or_nothing() {
    let mut e = music();
    ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": "a"}, "SongTitle": {"S": "stock"}, "Qty": {"N": "1"}}}));
    let order = |qty_cond: &str| {
        json!({"TransactItems": [
            {"Update": {"TableName": "Music", "Key": song("a", "stock"), "UpdateExpression": "SET Qty = Qty - :one", "ConditionExpression": qty_cond, "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Put": {"TableName": "Music", "Item": song("a", "order-1")}},
            {"ConditionCheck": {"TableName": "Music", "Key": song("a", "stock"), "ConditionExpression": "attribute_exists(Qty)"}}
        ]})
    };
    // Two actions on one item are refused.
    assert_eq!(err(&mut e, "TransactWriteItems", order("Qty >= :one")).1, "Transaction request cannot include multiple operations on one item");
    let ok_order = json!({"TransactItems": [
        {"Update": {"TableName": "Music", "Key": song("a", "stock"), "UpdateExpression": "SET Qty = Qty - :one", "ConditionExpression": "Qty >= :one", "ExpressionAttributeValues": {":one": {"N": "1"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Put": {"TableName": "Music", "Item": song("a", "order-1")}}
    ], "ReturnConsumedCapacity": "TOTAL"});
    let out = ok(&mut e, "TransactWriteItems", ok_order.clone());
    assert_eq!(out["ConsumedCapacity"][0]["CapacityUnits"], 4.0, "2 writes x 2");
    // Out of stock now: the whole transaction is cancelled, the order is not written.
    let mut second = ok_order.clone();
    second["TransactItems"][1]["Put"]["Item"] = song("a", "order-2");
    let er = call(&mut e, "TransactWriteItems", second).unwrap_err();
    assert_eq!(er.kind, "TransactionCanceledException");
    assert_eq!(er.message, "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]");
    let reasons = er.to_json()["CancellationReasons"].clone();
    assert_eq!(reasons[0]["Code"], "ConditionalCheckFailed");
    assert_eq!(reasons[0]["Item"]["Qty"], json!({"N": "0"}));
    assert_eq!(reasons[1], json!({"Code": "None"}));
    assert_eq!(ok(&mut e, "GetItem", json!({"TableName": "Music", "Key": song("a", "order-2")})), json!({}));
    let got = ok(
        &mut e,
        "TransactGetItems",
        json!({"TransactItems": [{"Get": {"TableName": "Music", "Key": song("a", "stock"), "ProjectionExpression": "Qty"}}, {"Get": {"TableName": "Music", "Key": song("a", "none")}}]}),
    );
    assert_eq!(got["Responses"], json!([{"Item": {"Qty": {"N": "0"}}}, {}]));
}

#[test]
fn client_request_token_is_idempotent_for_ten_minutes() {
    let mut e = music();
    ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": {"Artist": {"S": "a"}, "SongTitle": {"S": "c"}, "N": {"N": "0"}}}));
    let inc = json!({"ClientRequestToken": "tok-1", "TransactItems": [{"Update": {"TableName": "Music", "Key": song("a", "c"), "UpdateExpression": "ADD N :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}]});
    ok(&mut e, "TransactWriteItems", inc.clone());
    ok(&mut e, "TransactWriteItems", inc.clone());
    let n =
        |e: &mut Engine, t: i64| e.call(t, &Request::new("dynamodb", "GetItem", "us-east-1", json!({"TableName": "Music", "Key": song("a", "c")}))).unwrap()["Item"]["N"].clone();
    assert_eq!(n(&mut e, T0 + 12_000), json!({"N": "1"}), "the retry was not applied again");
    let mut other = inc.clone();
    other["TransactItems"][0]["Update"]["ExpressionAttributeValues"][":one"] = json!({"N": "5"});
    assert_eq!(err(&mut e, "TransactWriteItems", other).0, "IdempotentParameterMismatchException");
    // The token survives a restore, and expires after ten minutes of virtual time.
    let restored = Engine::restore(EngineConfig::default(), T0, e.snapshot()).unwrap();
    let mut r = restored;
    r.call(T0 + 13_000, &Request::new("dynamodb", "TransactWriteItems", "us-east-1", inc.clone())).unwrap();
    assert_eq!(n(&mut r, T0 + 13_000), json!({"N": "1"}));
    r.call(T0 + 13_000 + 11 * 60_000, &Request::new("dynamodb", "TransactWriteItems", "us-east-1", inc)).unwrap();
    assert_eq!(n(&mut r, T0 + 13_000 + 11 * 60_000), json!({"N": "2"}));
}

/// GameScores: UserId/GameTitle keys, an LSI by TopScore and a sparse GSI by GameTitle/TopScore
/// (KEYS_ONLY + INCLUDE Wins).
fn game_scores() -> Engine {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "GameScores",
            "AttributeDefinitions": [
                {"AttributeName": "UserId", "AttributeType": "S"}, {"AttributeName": "GameTitle", "AttributeType": "S"},
                {"AttributeName": "TopScore", "AttributeType": "N"}
            ],
            "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "GameTitle", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "ByScore", "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "TopScore", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "GameTitleIndex", "KeySchema": [{"AttributeName": "GameTitle", "KeyType": "HASH"}, {"AttributeName": "TopScore", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Wins"]}}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    e.tick(T0 + 12_000);
    for (user, game, score, wins) in [("u1", "Galaxy", 5842, 10), ("u2", "Galaxy", 9000, 3), ("u3", "Galaxy", 120, 1), ("u1", "Meteor", 300, 2), ("u2", "Meteor", 7, 0)] {
        ok(
            &mut e,
            "PutItem",
            json!({"TableName": "GameScores", "Item": {"UserId": {"S": user}, "GameTitle": {"S": game}, "TopScore": {"N": score.to_string()}, "Wins": {"N": wins.to_string()}, "Losses": {"N": "1"}}}),
        );
    }
    // Sparse: no TopScore, so in neither index.
    ok(&mut e, "PutItem", json!({"TableName": "GameScores", "Item": {"UserId": {"S": "u9"}, "GameTitle": {"S": "Galaxy"}}}));
    e
}

#[test]
fn indexes_are_described_maintained_and_queried() {
    let mut e = game_scores();
    let d = ok(&mut e, "DescribeTable", json!({"TableName": "GameScores"}))["Table"].clone();
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexName"], "GameTitleIndex");
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");
    assert_eq!(d["GlobalSecondaryIndexes"][0]["ItemCount"], 5, "the item without TopScore is not indexed");
    assert_eq!(d["GlobalSecondaryIndexes"][0]["Projection"], json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Wins"]}));
    assert_eq!(d["LocalSecondaryIndexes"][0]["IndexArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/GameScores/index/ByScore");
    // Top Galaxy scores, highest first, through the GSI: projected attributes only.
    let top = ok(
        &mut e,
        "Query",
        json!({"TableName": "GameScores", "IndexName": "GameTitleIndex", "KeyConditionExpression": "GameTitle = :g AND TopScore > :min", "ExpressionAttributeValues": {":g": {"S": "Galaxy"}, ":min": {"N": "100"}}, "ScanIndexForward": false, "Limit": 2}),
    );
    let users: Vec<&str> = top["Items"].as_array().unwrap().iter().map(|i| i["UserId"]["S"].as_str().unwrap()).collect();
    assert_eq!(users, ["u2", "u1"]);
    assert!(top["Items"][0].get("Losses").is_none(), "Losses is not projected into the GSI");
    assert_eq!(top["Items"][0]["Wins"], json!({"N": "3"}));
    assert_eq!(top["LastEvaluatedKey"], json!({"UserId": {"S": "u1"}, "GameTitle": {"S": "Galaxy"}, "TopScore": {"N": "5842"}}));
    let rest = ok(
        &mut e,
        "Query",
        json!({"TableName": "GameScores", "IndexName": "GameTitleIndex", "KeyConditionExpression": "GameTitle = :g AND TopScore > :min", "ExpressionAttributeValues": {":g": {"S": "Galaxy"}, ":min": {"N": "100"}}, "ScanIndexForward": false, "ExclusiveStartKey": top["LastEvaluatedKey"]}),
    );
    assert_eq!(rest["Items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["Items"][0]["UserId"], json!({"S": "u3"}));
    // The LSI orders one user's items by score.
    let by_score =
        ok(&mut e, "Query", json!({"TableName": "GameScores", "IndexName": "ByScore", "KeyConditionExpression": "UserId = :u", "ExpressionAttributeValues": {":u": {"S": "u1"}}}));
    let games: Vec<&str> = by_score["Items"].as_array().unwrap().iter().map(|i| i["GameTitle"]["S"].as_str().unwrap()).collect();
    assert_eq!(games, ["Meteor", "Galaxy"]);
    // Writes move entries: a new score reorders, a delete removes.
    ok(
        &mut e,
        "UpdateItem",
        json!({"TableName": "GameScores", "Key": {"UserId": {"S": "u3"}, "GameTitle": {"S": "Galaxy"}}, "UpdateExpression": "SET TopScore = :s", "ExpressionAttributeValues": {":s": {"N": "99999"}}}),
    );
    ok(&mut e, "DeleteItem", json!({"TableName": "GameScores", "Key": {"UserId": {"S": "u2"}, "GameTitle": {"S": "Galaxy"}}}));
    let top = ok(
        &mut e,
        "Query",
        json!({"TableName": "GameScores", "IndexName": "GameTitleIndex", "KeyConditionExpression": "GameTitle = :g", "ExpressionAttributeValues": {":g": {"S": "Galaxy"}}, "ScanIndexForward": false}),
    );
    let users: Vec<&str> = top["Items"].as_array().unwrap().iter().map(|i| i["UserId"]["S"].as_str().unwrap()).collect();
    assert_eq!(users, ["u3", "u1"]);
    // Scan an index; paging through it visits each entry once.
    let mut seen = 0;
    let mut start: Option<Value> = None;
    loop {
        let mut req = json!({"TableName": "GameScores", "IndexName": "GameTitleIndex", "Limit": 2});
        if let Some(s) = &start {
            req["ExclusiveStartKey"] = s.clone();
        }
        let out = ok(&mut e, "Scan", req);
        seen += out["Count"].as_u64().unwrap();
        match out.get("LastEvaluatedKey") {
            Some(k) => start = Some(k.clone()),
            None => break,
        }
    }
    assert_eq!(seen, 4);
    // Restoring rebuilds the indexes from the items.
    let mut r = Engine::restore(EngineConfig::default(), T0, e.snapshot()).unwrap();
    let d2 = r.call(T0 + 20_000, &Request::new("dynamodb", "DescribeTable", "us-east-1", json!({"TableName": "GameScores"}))).unwrap();
    assert_eq!(d2["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"], 4);
}

#[test]
fn index_errors() {
    let mut e = game_scores();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "Query",
            json!({"TableName": "GameScores", "IndexName": "Nope", "KeyConditionExpression": "UserId = :u", "ExpressionAttributeValues": {":u": {"S": "x"}}}),
            "The table does not have the specified index: Nope",
        ),
        (
            "Query",
            json!({"TableName": "GameScores", "IndexName": "GameTitleIndex", "ConsistentRead": true, "KeyConditionExpression": "GameTitle = :g", "ExpressionAttributeValues": {":g": {"S": "x"}}}),
            "Consistent reads are not supported on global secondary indexes",
        ),
        (
            "Query",
            json!({"TableName": "GameScores", "IndexName": "GameTitleIndex", "KeyConditionExpression": "UserId = :u", "ExpressionAttributeValues": {":u": {"S": "x"}}}),
            "Query condition missed key schema element: GameTitle",
        ),
        (
            "PutItem",
            json!({"TableName": "GameScores", "Item": {"UserId": {"S": "a"}, "GameTitle": {"S": "b"}, "TopScore": {"S": "high"}}}),
            "One or more parameter values were invalid: Type mismatch for Index Key TopScore Expected: N Actual: S IndexName: ByScore",
        ),
    ];
    for (op, req, msg) in cases {
        assert_eq!(err(&mut e, op, req.clone()).1, msg, "{req}");
    }
    let base = |extra: Value| {
        let mut t = json!({"TableName": "Bad", "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}, {"AttributeName": "c", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        t
    };
    let lsi = |hash: &str, proj: Value| json!([{"IndexName": "idx", "KeySchema": [{"AttributeName": hash, "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}], "Projection": proj}]);
    let create_cases = [
        (base(json!({})), "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"),
        (base(json!({"LocalSecondaryIndexes": lsi("c", json!({"ProjectionType": "ALL"}))})), "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: idx. index hash key: c, table hash key: a"),
        (base(json!({"LocalSecondaryIndexes": lsi("a", json!({"ProjectionType": "ALL", "NonKeyAttributes": ["x"]}))})), "One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified"),
        (base(json!({"LocalSecondaryIndexes": []})), "One or more parameter values were invalid: List of LocalSecondaryIndexes is empty"),
        (base(json!({"GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [{"AttributeName": "c", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}]})), "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: gsi when BillingMode is PAY_PER_REQUEST"),
        (base(json!({"GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}]})), "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [a, b, c], keys used: [a, b]"),
    ];
    for (req, msg) in create_cases {
        assert_eq!(err(&mut e, "CreateTable", req.clone()).1, msg, "{req}");
    }
}

#[test]
fn integer_members_beyond_32_bits_are_serialization_errors() {
    let mut e = music();
    let (kind, msg) = err(&mut e, "Scan", json!({"TableName": "Music", "Limit": 4_294_967_297i64}));
    assert_eq!((kind.as_str(), msg.as_str()), ("SerializationException", "NUMBER_VALUE cannot be converted to Integer"));
    ok(&mut e, "PutItem", json!({"TableName": "Music", "Item": song("a", "b")}));
    assert_eq!(ok(&mut e, "Scan", json!({"TableName": "Music", "Limit": 2_147_483_647i64}))["Count"], 1);
}

#[test]
fn query_filters_may_not_read_the_queried_key() {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Events",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}, {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "GlobalSecondaryIndexes": [{"IndexName": "ByG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    e.tick(T0 + 12_000);
    ok(&mut e, "PutItem", json!({"TableName": "Events", "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}, "v": {"N": "5"}}}));
    let message = |attr: &str| format!("Filter Expression can only contain non-primary key attributes: Primary key attribute: {attr}");
    // The table's sort key, directly, through a name placeholder, or nested under a function.
    for (filter, names) in [("sk > :z", json!(null)), ("#s > :z AND v > :z", json!({"#s": "sk"})), ("v > :z OR size(sk) > :z", json!(null))] {
        let mut req =
            json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "FilterExpression": filter, "ExpressionAttributeValues": {":p": {"S": "a"}, ":z": {"N": "0"}}});
        if !names.is_null() {
            req["ExpressionAttributeNames"] = names;
        }
        assert_eq!(err(&mut e, "Query", req), ("ValidationException".into(), message("sk")), "{filter}");
    }
    // Querying the index: its key is off limits, the table's key is an ordinary attribute there.
    let on_index = |filter: &str| json!({"TableName": "Events", "IndexName": "ByG", "KeyConditionExpression": "g = :g", "FilterExpression": filter, "ExpressionAttributeValues": {":g": {"S": "x"}, ":z": {"N": "0"}}});
    assert_eq!(err(&mut e, "Query", on_index("attribute_exists(g) AND sk > :z")), ("ValidationException".into(), message("g")));
    assert_eq!(ok(&mut e, "Query", on_index("sk > :z"))["Count"], json!(1));
    // A Scan may filter on anything.
    assert_eq!(
        ok(&mut e, "Scan", json!({"TableName": "Events", "FilterExpression": "sk > :z AND pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}, ":z": {"N": "0"}}}))["Count"],
        json!(1)
    );
    // A filter on other attributes still works.
    assert_eq!(
        ok(
            &mut e,
            "Query",
            json!({"TableName": "Events", "KeyConditionExpression": "pk = :p", "FilterExpression": "v > :z", "ExpressionAttributeValues": {":p": {"S": "a"}, ":z": {"N": "0"}}})
        )["Count"],
        json!(1)
    );
}

#[test]
fn select_all_attributes_on_indexes_that_do_not_project_everything() {
    let mut e = engine();
    ok(
        &mut e,
        "CreateTable",
        json!({
            "TableName": "Orders",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "status", "AttributeType": "S"}, {"AttributeName": "placed", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "ByPlaced", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "placed", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "ByStatus", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]}}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    e.tick(T0 + 12_000);
    let item = json!({"pk": {"S": "c1"}, "sk": {"S": "o1"}, "status": {"S": "open"}, "placed": {"N": "5"}, "total": {"N": "10"}, "note": {"S": "gift"}});
    ok(&mut e, "PutItem", json!({"TableName": "Orders", "Item": item}));
    let gsi_error = (
        "ValidationException".to_string(),
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ByStatus because its projection type is not ALL"
            .to_string(),
    );
    let gsi_query = |select: &str| json!({"TableName": "Orders", "IndexName": "ByStatus", "KeyConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":s": {"S": "open"}}, "Select": select});
    assert_eq!(err(&mut e, "Query", gsi_query("ALL_ATTRIBUTES")), gsi_error);
    assert_eq!(err(&mut e, "Scan", json!({"TableName": "Orders", "IndexName": "ByStatus", "Select": "ALL_ATTRIBUTES"})), gsi_error);
    // Without Select (ALL_PROJECTED_ATTRIBUTES on an index) the index's view comes back.
    let projected = ok(&mut e, "Query", gsi_query("ALL_PROJECTED_ATTRIBUTES"));
    assert_eq!(projected["Items"][0], json!({"pk": {"S": "c1"}, "sk": {"S": "o1"}, "status": {"S": "open"}, "total": {"N": "10"}}));
    // A local index fetches the whole item from the table for ALL_ATTRIBUTES.
    let lsi_query = |select: &str| json!({"TableName": "Orders", "IndexName": "ByPlaced", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "c1"}}, "Select": select});
    assert_eq!(ok(&mut e, "Query", lsi_query("ALL_ATTRIBUTES"))["Items"][0], item);
    assert_eq!(ok(&mut e, "Scan", json!({"TableName": "Orders", "IndexName": "ByPlaced", "Select": "ALL_ATTRIBUTES"}))["Items"][0], item);
    assert_eq!(ok(&mut e, "Query", lsi_query("ALL_PROJECTED_ATTRIBUTES"))["Items"][0], json!({"pk": {"S": "c1"}, "sk": {"S": "o1"}, "placed": {"N": "5"}}));
}
