//! DynamoDB Streams: capture from every write path, the four Streams operations, iterators,
//! retention on the virtual clock, disabled and re-enabled streams, reload.

use serde_json::{json, Value};

use crate::{AwsError, Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;
const HOUR: i64 = 3_600_000;

fn ddb(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

fn st(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, AwsError> {
    e.call(t, &Request::new("streams.dynamodb", op, "us-east-1", input))
}

fn ok<T>(r: Result<T, AwsError>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

fn kind<T: std::fmt::Debug>(r: Result<T, AwsError>) -> String {
    r.expect_err("expected an error").kind
}

/// Table `Tbl` (pk S HASH, sk N RANGE) with a stream of `view`, ACTIVE at T0 + 1 s.
fn engine(view: &str) -> Engine {
    let mut e = Engine::new(EngineConfig::default(), T0);
    ok(ddb(
        &mut e,
        T0,
        "CreateTable",
        json!({
            "TableName": "Tbl",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": view}
        }),
    ));
    e
}

const T1: i64 = T0 + 2_000;

fn stream_arn(e: &mut Engine, t: i64) -> String {
    ok(ddb(e, t, "DescribeTable", json!({"TableName": "Tbl"})))["Table"]["LatestStreamArn"].as_str().unwrap().to_string()
}

fn shard_id(e: &mut Engine, t: i64, arn: &str) -> String {
    ok(st(e, t, "DescribeStream", json!({"StreamArn": arn})))["StreamDescription"]["Shards"][0]["ShardId"].as_str().unwrap().to_string()
}

fn iterator(e: &mut Engine, t: i64, arn: &str, kind: &str, seq: Option<&str>) -> Result<String, AwsError> {
    let shard = shard_id(e, t, arn);
    let mut input = json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind});
    if let Some(s) = seq {
        input["SequenceNumber"] = json!(s);
    }
    st(e, t, "GetShardIterator", input).map(|v| v["ShardIterator"].as_str().unwrap().to_string())
}

/// Every record from TRIM_HORIZON, following NextShardIterator until a read comes back empty.
fn all_records(e: &mut Engine, t: i64) -> Vec<Value> {
    let arn = stream_arn(e, t);
    let mut it = ok(iterator(e, t, &arn, "TRIM_HORIZON", None).map(Value::String));
    let mut out = Vec::new();
    loop {
        let page = ok(st(e, t, "GetRecords", json!({"ShardIterator": it})));
        let records = page["Records"].as_array().unwrap().clone();
        if records.is_empty() {
            return out;
        }
        out.extend(records);
        match page.get("NextShardIterator") {
            Some(next) => it = next.clone(),
            None => return out,
        }
    }
}

fn names(records: &[Value]) -> Vec<&str> {
    records.iter().map(|r| r["eventName"].as_str().unwrap()).collect()
}

fn item(pk: &str, sk: i64, extra: Value) -> Value {
    let mut i = json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}});
    for (k, v) in extra.as_object().unwrap() {
        i[k] = v.clone();
    }
    i
}

fn key(pk: &str, sk: i64) -> Value {
    json!({"pk": {"S": pk}, "sk": {"N": sk.to_string()}})
}

/// The single-item operations on one item, with what each should capture.
fn single_item_story(e: &mut Engine) {
    let t = T1;
    ok(ddb(e, t, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({"v": {"S": "one"}}))})));
    // The same item again changes nothing: no record.
    ok(ddb(e, t, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({"v": {"S": "one"}}))})));
    ok(ddb(e, t, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({"v": {"S": "two"}}))})));
    ok(ddb(e, t, "UpdateItem", json!({"TableName": "Tbl", "Key": key("a", 1), "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "5"}}})));
    // Setting a value it already has: no record.
    ok(ddb(e, t, "UpdateItem", json!({"TableName": "Tbl", "Key": key("a", 1), "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "5.0"}}})));
    // A failed condition: no record.
    assert_eq!(
        kind(ddb(e, t, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({})), "ConditionExpression": "attribute_not_exists(pk)"}))),
        "ConditionalCheckFailedException"
    );
    ok(ddb(e, t, "DeleteItem", json!({"TableName": "Tbl", "Key": key("a", 1)})));
    // Deleting what is not there: no record.
    ok(ddb(e, t, "DeleteItem", json!({"TableName": "Tbl", "Key": key("a", 1)})));
    // UpdateItem creating an item is an INSERT.
    ok(ddb(e, t, "UpdateItem", json!({"TableName": "Tbl", "Key": key("b", 2), "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}})));
}

#[test]
fn every_view_type_keeps_its_images() {
    for view in ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] {
        let mut e = engine(view);
        single_item_story(&mut e);
        let records = all_records(&mut e, T1);
        assert_eq!(names(&records), ["INSERT", "MODIFY", "MODIFY", "REMOVE", "INSERT"], "{view}");
        let wants_new = matches!(view, "NEW_IMAGE" | "NEW_AND_OLD_IMAGES");
        let wants_old = matches!(view, "OLD_IMAGE" | "NEW_AND_OLD_IMAGES");
        let mut ids = std::collections::HashSet::new();
        let mut last_seq = 0u128;
        for r in &records {
            let d = &r["dynamodb"];
            assert_eq!(r["eventVersion"], "1.1");
            assert_eq!(r["eventSource"], "aws:dynamodb");
            assert_eq!(r["awsRegion"], "us-east-1");
            assert!(r.get("userIdentity").is_none());
            let id = r["eventID"].as_str().unwrap();
            assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            assert!(ids.insert(id.to_string()));
            assert_eq!(d["StreamViewType"], view);
            assert_eq!(d["ApproximateCreationDateTime"], json!((1_767_225_600_000i64 + T1 - T0) / 1000));
            let seq = d["SequenceNumber"].as_str().unwrap();
            assert!(seq.len() >= 21 && seq.bytes().all(|b| b.is_ascii_digit()), "{seq}");
            let seq: u128 = seq.parse().unwrap();
            assert!(seq > last_seq);
            last_seq = seq;
            assert!(d["SizeBytes"].as_u64().unwrap() > 0);
            let name = r["eventName"].as_str().unwrap();
            assert_eq!(d.get("NewImage").is_some(), wants_new && name != "REMOVE", "{view} {name}");
            assert_eq!(d.get("OldImage").is_some(), wants_old && name != "INSERT", "{view} {name}");
        }
        assert_eq!(records[0]["dynamodb"]["Keys"], key("a", 1));
        if wants_new {
            assert_eq!(records[0]["dynamodb"]["NewImage"], item("a", 1, json!({"v": {"S": "one"}})));
            assert_eq!(records[2]["dynamodb"]["NewImage"], item("a", 1, json!({"v": {"S": "two"}, "n": {"N": "5"}})));
        }
        if wants_old {
            assert_eq!(records[1]["dynamodb"]["OldImage"], item("a", 1, json!({"v": {"S": "one"}})));
            assert_eq!(records[3]["dynamodb"]["OldImage"], item("a", 1, json!({"v": {"S": "two"}, "n": {"N": "5"}})));
        }
    }
}

#[test]
fn batch_transaction_and_partiql_writes_are_captured() {
    let mut e = engine("NEW_AND_OLD_IMAGES");
    let t = T1;
    ok(ddb(&mut e, t, "PutItem", json!({"TableName": "Tbl", "Item": item("old", 1, json!({}))})));
    ok(ddb(
        &mut e,
        t,
        "BatchWriteItem",
        json!({"RequestItems": {"Tbl": [
            {"PutRequest": {"Item": item("b", 1, json!({}))}},
            {"PutRequest": {"Item": item("b", 2, json!({}))}},
            {"DeleteRequest": {"Key": key("old", 1)}},
            {"DeleteRequest": {"Key": key("missing", 1)}}
        ]}}),
    ));
    assert_eq!(names(&all_records(&mut e, t)), ["INSERT", "INSERT", "INSERT", "REMOVE"]);
    ok(ddb(
        &mut e,
        t,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "Tbl", "Item": item("t", 1, json!({}))}},
            {"Update": {"TableName": "Tbl", "Key": key("b", 1), "UpdateExpression": "SET x = :x", "ExpressionAttributeValues": {":x": {"N": "1"}}}},
            {"Delete": {"TableName": "Tbl", "Key": key("b", 2)}},
            {"ConditionCheck": {"TableName": "Tbl", "Key": key("t", 9), "ConditionExpression": "attribute_not_exists(pk)"}}
        ]}),
    ));
    assert_eq!(names(&all_records(&mut e, t))[4..], ["INSERT", "MODIFY", "REMOVE"]);
    // A cancelled transaction writes nothing.
    assert_eq!(
        kind(ddb(
            &mut e,
            t,
            "TransactWriteItems",
            json!({"TransactItems": [
                {"Put": {"TableName": "Tbl", "Item": item("u", 1, json!({}))}},
                {"ConditionCheck": {"TableName": "Tbl", "Key": key("t", 1), "ConditionExpression": "attribute_not_exists(pk)"}}
            ]}),
        )),
        "TransactionCanceledException"
    );
    assert_eq!(all_records(&mut e, t).len(), 7);
    ok(ddb(&mut e, t, "ExecuteStatement", json!({"Statement": "INSERT INTO Tbl VALUE {'pk': 'p', 'sk': 1}"})));
    ok(ddb(&mut e, t, "ExecuteStatement", json!({"Statement": "UPDATE Tbl SET v = 3 WHERE pk = 'p' AND sk = 1"})));
    ok(ddb(&mut e, t, "ExecuteStatement", json!({"Statement": "DELETE FROM Tbl WHERE pk = 'p' AND sk = 1"})));
    ok(ddb(
        &mut e,
        t,
        "BatchExecuteStatement",
        json!({"Statements": [{"Statement": "INSERT INTO Tbl VALUE {'pk': 'q', 'sk': 1}"}, {"Statement": "INSERT INTO Tbl VALUE {'pk': 'q', 'sk': 2}"}]}),
    ));
    ok(ddb(
        &mut e,
        t,
        "ExecuteTransaction",
        json!({"TransactStatements": [{"Statement": "DELETE FROM Tbl WHERE pk = 'q' AND sk = 1"}, {"Statement": "UPDATE Tbl SET w = 1 WHERE pk = 'q' AND sk = 2"}]}),
    ));
    let records = all_records(&mut e, t);
    assert_eq!(names(&records)[7..], ["INSERT", "MODIFY", "REMOVE", "INSERT", "INSERT", "REMOVE", "MODIFY"]);
    assert_eq!(records[8]["dynamodb"]["NewImage"], item("p", 1, json!({"v": {"N": "3"}})));
    assert_eq!(records[8]["dynamodb"]["OldImage"], item("p", 1, json!({})));
}

#[test]
fn tables_without_a_stream_capture_nothing() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    ok(ddb(
        &mut e,
        T0,
        "CreateTable",
        json!({
            "TableName": "Tbl",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    ));
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": {"pk": {"S": "a"}}})));
    assert_eq!(ok(st(&mut e, T1, "ListStreams", json!({}))), json!({"Streams": []}));
    assert!(!e.snapshot().iter().any(|r| r.key.contains("/stream/")));
}

#[test]
fn describe_and_list_streams() {
    let mut e = engine("KEYS_ONLY");
    let arn = stream_arn(&mut e, T0);
    let d = ok(st(&mut e, T0, "DescribeStream", json!({"StreamArn": arn})))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "ENABLING");
    let d = ok(st(&mut e, T1, "DescribeStream", json!({"StreamArn": arn})))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "ENABLED");
    assert_eq!(d["StreamArn"], arn);
    assert_eq!(d["StreamViewType"], "KEYS_ONLY");
    assert_eq!(d["TableName"], "Tbl");
    assert_eq!(d["StreamLabel"], "2026-01-01T00:00:00.000");
    assert!(arn.ends_with("/stream/2026-01-01T00:00:00.000") && arn.starts_with("arn:aws:dynamodb:us-east-1:"));
    assert_eq!(d["KeySchema"], json!([{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]));
    assert_eq!(d["CreationRequestDateTime"], json!(1_767_225_600.0));
    let shard = &d["Shards"][0];
    let id = shard["ShardId"].as_str().unwrap();
    assert!(id.starts_with("shardId-00000001767225600000-") && id.len() == 37, "{id}");
    assert_eq!(shard["SequenceNumberRange"]["StartingSequenceNumber"].as_str().unwrap().len(), 21);
    assert!(shard["SequenceNumberRange"].get("EndingSequenceNumber").is_none());
    assert!(d.get("LastEvaluatedShardId").is_none());
    // Past the only shard: none.
    let after = ok(st(&mut e, T1, "DescribeStream", json!({"StreamArn": arn, "ExclusiveStartShardId": id})));
    assert_eq!(after["StreamDescription"]["Shards"], json!([]));

    let list = ok(st(&mut e, T1, "ListStreams", json!({})));
    assert_eq!(list, json!({"Streams": [{"StreamArn": arn, "TableName": "Tbl", "StreamLabel": "2026-01-01T00:00:00.000"}]}));
    assert_eq!(ok(st(&mut e, T1, "ListStreams", json!({"TableName": "Tbl"})))["Streams"].as_array().unwrap().len(), 1);
    assert_eq!(kind(st(&mut e, T1, "ListStreams", json!({"TableName": "Nope"}))), "ResourceNotFoundException");
    assert_eq!(kind(st(&mut e, T1, "ListStreams", json!({"Limit": 0}))), "ValidationException");
    assert_eq!(kind(st(&mut e, T1, "DescribeStream", json!({}))), "ValidationException");
    let missing = arn.replace("Tbl/stream", "Nope/stream");
    assert_eq!(kind(st(&mut e, T1, "DescribeStream", json!({"StreamArn": missing}))), "ResourceNotFoundException");
    // Another region does not see it.
    let other = e.call(T1, &Request::new("streams.dynamodb", "DescribeStream", "eu-west-1", json!({"StreamArn": arn})));
    assert_eq!(kind(other), "ResourceNotFoundException");
    // Each endpoint answers only its own operations.
    assert_eq!(kind(ddb(&mut e, T1, "ListStreams", json!({}))), "UnknownOperationException");
    assert_eq!(kind(st(&mut e, T1, "ListTables", json!({}))), "UnknownOperationException");
}

#[test]
fn iterator_types_and_paging() {
    let mut e = engine("NEW_IMAGE");
    for i in 0..5 {
        ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": item("p", i, json!({}))})));
    }
    let arn = stream_arn(&mut e, T1);
    let all = all_records(&mut e, T1);
    let seqs: Vec<String> = all.iter().map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_string()).collect();
    assert_eq!(seqs.len(), 5);

    // Paging by Limit.
    let mut it = ok(iterator(&mut e, T1, &arn, "TRIM_HORIZON", None).map(Value::String));
    let mut pages = Vec::new();
    for _ in 0..4 {
        let page = ok(st(&mut e, T1, "GetRecords", json!({"ShardIterator": it, "Limit": 2})));
        pages.push(page["Records"].as_array().unwrap().len());
        it = page["NextShardIterator"].clone();
    }
    assert_eq!(pages, [2, 2, 1, 0], "an open shard always hands back a next iterator");

    let at = ok(iterator(&mut e, T1, &arn, "AT_SEQUENCE_NUMBER", Some(&seqs[2])));
    let got = ok(st(&mut e, T1, "GetRecords", json!({"ShardIterator": at})));
    assert_eq!(got["Records"][0]["dynamodb"]["SequenceNumber"], json!(seqs[2]));
    assert_eq!(got["Records"].as_array().unwrap().len(), 3);
    let after = ok(iterator(&mut e, T1, &arn, "AFTER_SEQUENCE_NUMBER", Some(&seqs[2])));
    let got = ok(st(&mut e, T1, "GetRecords", json!({"ShardIterator": after})));
    assert_eq!(got["Records"][0]["dynamodb"]["SequenceNumber"], json!(seqs[3]));

    // LATEST sees only what comes next.
    let latest = ok(iterator(&mut e, T1, &arn, "LATEST", None));
    let got = ok(st(&mut e, T1, "GetRecords", json!({"ShardIterator": latest})));
    assert_eq!(got["Records"], json!([]));
    ok(ddb(&mut e, T1, "DeleteItem", json!({"TableName": "Tbl", "Key": key("p", 0)})));
    let got = ok(st(&mut e, T1, "GetRecords", json!({"ShardIterator": got["NextShardIterator"]})));
    assert_eq!(names(got["Records"].as_array().unwrap()), ["REMOVE"]);
    let got = ok(st(&mut e, T1, "GetRecords", json!({"ShardIterator": latest})));
    assert_eq!(names(got["Records"].as_array().unwrap()), ["REMOVE"], "an iterator can be read again");

    // Bad requests.
    assert_eq!(kind(iterator(&mut e, T1, &arn, "AT_SEQUENCE_NUMBER", None)), "ValidationException");
    assert_eq!(kind(iterator(&mut e, T1, &arn, "AT_SEQUENCE_NUMBER", Some("999999999999999999999"))), "ValidationException");
    assert_eq!(kind(iterator(&mut e, T1, &arn, "AT_SEQUENCE_NUMBER", Some("12345"))), "ValidationException");
    assert_eq!(kind(iterator(&mut e, T1, &arn, "AT_SEQUENCE_NUMBER", Some("00000000000000000000x"))), "ValidationException");
    assert_eq!(kind(iterator(&mut e, T1, &arn, "SOMEWHERE", None)), "ValidationException");
    let wrong_shard = st(&mut e, T1, "GetShardIterator", json!({"StreamArn": arn, "ShardId": "shardId-00000001767225600000-00000000", "ShardIteratorType": "LATEST"}));
    assert_eq!(kind(wrong_shard), "ResourceNotFoundException");
    assert_eq!(kind(st(&mut e, T1, "GetRecords", json!({"ShardIterator": latest, "Limit": 1001}))), "ValidationException");
    assert_eq!(kind(st(&mut e, T1, "GetRecords", json!({}))), "ValidationException");
}

#[test]
fn iterators_expire_after_fifteen_minutes_and_refuse_tampering() {
    let mut e = engine("KEYS_ONLY");
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({}))})));
    let arn = stream_arn(&mut e, T1);
    let it = ok(iterator(&mut e, T1, &arn, "TRIM_HORIZON", None));
    ok(st(&mut e, T1 + 15 * 60_000, "GetRecords", json!({"ShardIterator": it})));
    assert_eq!(kind(st(&mut e, T1 + 15 * 60_000 + 1, "GetRecords", json!({"ShardIterator": it}))), "ExpiredIteratorException");
    let fresh = ok(iterator(&mut e, T1 + 20 * 60_000, &arn, "TRIM_HORIZON", None));
    let (head, body) = fresh.rsplit_once('|').unwrap();
    let mut bytes = body.as_bytes().to_vec();
    bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{head}|{}", String::from_utf8(bytes).unwrap());
    assert_eq!(kind(st(&mut e, T1 + 20 * 60_000, "GetRecords", json!({"ShardIterator": tampered}))), "ValidationException");
    for junk in ["x", "a|b|c", &fresh.replace("|1|", "|2|"), &fresh.replace("stream/", "stream/x")] {
        assert_eq!(kind(st(&mut e, T1 + 20 * 60_000, "GetRecords", json!({"ShardIterator": junk}))), "ValidationException", "{junk}");
    }
}

#[test]
fn records_are_trimmed_after_24_hours() {
    let mut e = engine("NEW_IMAGE");
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({}))})));
    ok(ddb(&mut e, T1 + HOUR, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 2, json!({}))})));
    let arn = stream_arn(&mut e, T1);
    let first = all_records(&mut e, T1 + HOUR)[0]["dynamodb"]["SequenceNumber"].as_str().unwrap().to_string();
    // 24 h after the first write it is gone; the second stays for another hour.
    let t = T1 + 24 * HOUR;
    assert_eq!(all_records(&mut e, t).len(), 1);
    assert_eq!(kind(iterator(&mut e, t, &arn, "AT_SEQUENCE_NUMBER", Some(&first))), "TrimmedDataAccessException");
    let snapshot = e.snapshot();
    assert_eq!(snapshot.iter().filter(|r| r.key.contains("/rec/")).count(), 1);
    // Everything old gone after 25 h of virtual time, by AdvanceClock.
    ok(e.control(t, "AdvanceClock", &json!({"seconds": 3600 * 2})));
    assert_eq!(all_records(&mut e, t).len(), 0);
    assert!(!e.snapshot().iter().any(|r| r.key.contains("/rec/")));
    // The stream goes on numbering after the trimmed records.
    ok(ddb(&mut e, t, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 3, json!({}))})));
    let records = all_records(&mut e, t);
    assert_eq!(records.len(), 1);
    assert!(records[0]["dynamodb"]["SequenceNumber"].as_str().unwrap() > first.as_str());
}

#[test]
fn an_iterator_overtaken_by_trimming_fails_with_trimmed_data_access() {
    let mut e = engine("KEYS_ONLY");
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({}))})));
    let arn = stream_arn(&mut e, T1);
    // Issued 10 minutes before the record turns 24 hours old, used 1 minute after.
    let t = T1 + 24 * HOUR - 10 * 60_000;
    let it = ok(iterator(&mut e, t, &arn, "TRIM_HORIZON", None));
    assert_eq!(kind(st(&mut e, t + 11 * 60_000, "GetRecords", json!({"ShardIterator": it}))), "TrimmedDataAccessException");
}

#[test]
fn disabled_streams_stay_readable_for_a_day_and_reenabling_starts_a_new_stream() {
    let mut e = engine("KEYS_ONLY");
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({}))})));
    let old_arn = stream_arn(&mut e, T1);
    let it = ok(iterator(&mut e, T1, &old_arn, "TRIM_HORIZON", None));
    ok(ddb(&mut e, T1, "UpdateTable", json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": false}})));
    let d = ok(st(&mut e, T1, "DescribeStream", json!({"StreamArn": old_arn})))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "DISABLING");
    // Writes while disabled are not captured.
    ok(ddb(&mut e, T1 + 1_000, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 2, json!({}))})));
    let t = T1 + 2_000;
    let d = ok(st(&mut e, t, "DescribeStream", json!({"StreamArn": old_arn})))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "DISABLED");
    let range = &d["Shards"][0]["SequenceNumberRange"];
    assert_eq!(range["EndingSequenceNumber"], range["StartingSequenceNumber"], "one record: it starts and ends the shard");
    // The closed shard reads to its end, then has no next iterator.
    let page = ok(st(&mut e, t, "GetRecords", json!({"ShardIterator": it})));
    assert_eq!(page["Records"].as_array().unwrap().len(), 1);
    assert!(page.get("NextShardIterator").is_none());
    let table = ok(ddb(&mut e, t, "DescribeTable", json!({"TableName": "Tbl"})))["Table"].clone();
    assert!(table.get("StreamSpecification").is_none());
    assert_eq!(table["LatestStreamArn"], json!(old_arn));

    // Enabling again: a new stream with a new label and ARN.
    ok(ddb(&mut e, t, "UpdateTable", json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})));
    let new_arn = stream_arn(&mut e, t);
    assert_ne!(new_arn, old_arn);
    ok(ddb(&mut e, t + 1_000, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 3, json!({}))})));
    let list = ok(st(&mut e, t + 1_000, "ListStreams", json!({"TableName": "Tbl"})));
    let arns: Vec<&str> = list["Streams"].as_array().unwrap().iter().map(|s| s["StreamArn"].as_str().unwrap()).collect();
    assert_eq!(arns, [old_arn.as_str(), new_arn.as_str()]);
    // Paging ListStreams.
    let first = ok(st(&mut e, t + 1_000, "ListStreams", json!({"Limit": 1})));
    assert_eq!(first["LastEvaluatedStreamArn"], json!(old_arn));
    let second = ok(st(&mut e, t + 1_000, "ListStreams", json!({"Limit": 1, "ExclusiveStartStreamArn": old_arn})));
    assert_eq!(second["Streams"][0]["StreamArn"], json!(new_arn));
    assert!(second.get("LastEvaluatedStreamArn").is_none());
    let records = all_records(&mut e, t + 1_000);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["dynamodb"]["NewImage"], item("a", 3, json!({})));

    // A day after it closed the old stream is gone; the new one stays.
    let later = T1 + 24 * HOUR + 1_000;
    assert_eq!(kind(st(&mut e, later, "DescribeStream", json!({"StreamArn": old_arn}))), "ResourceNotFoundException");
    assert_eq!(ok(st(&mut e, later, "ListStreams", json!({})))["Streams"].as_array().unwrap().len(), 1);
    assert!(!e.snapshot().iter().any(|r| r.key.contains(&format!("/stream/Tbl/{}", old_arn.rsplit_once('/').unwrap().1))));
}

#[test]
fn a_deleted_tables_stream_stays_readable_for_a_day() {
    let mut e = engine("NEW_AND_OLD_IMAGES");
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": item("a", 1, json!({}))})));
    let arn = stream_arn(&mut e, T1);
    ok(ddb(&mut e, T1, "DeleteTable", json!({"TableName": "Tbl"})));
    let t = T1 + 5_000;
    assert_eq!(kind(ddb(&mut e, t, "DescribeTable", json!({"TableName": "Tbl"}))), "ResourceNotFoundException");
    let d = ok(st(&mut e, t, "DescribeStream", json!({"StreamArn": arn})))["StreamDescription"].clone();
    assert_eq!(d["StreamStatus"], "DISABLED");
    assert_eq!(ok(st(&mut e, t, "ListStreams", json!({"TableName": "Tbl"})))["Streams"].as_array().unwrap().len(), 1);
    let shard = d["Shards"][0]["ShardId"].as_str().unwrap().to_string();
    let it = ok(st(&mut e, t, "GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})))["ShardIterator"].clone();
    let page = ok(st(&mut e, t, "GetRecords", json!({"ShardIterator": it})));
    assert_eq!(names(page["Records"].as_array().unwrap()), ["INSERT"]);
    ok(e.control(t, "AdvanceClock", &json!({"seconds": 24 * 3600})));
    assert_eq!(kind(st(&mut e, t, "DescribeStream", json!({"StreamArn": arn}))), "ResourceNotFoundException");
    assert!(!e.snapshot().iter().any(|r| r.key.contains("/stream/")));
}

#[test]
fn streams_survive_reload_and_export() {
    let mut e = engine("NEW_AND_OLD_IMAGES");
    single_item_story(&mut e);
    let arn = stream_arn(&mut e, T1);
    let it = ok(iterator(&mut e, T1, &arn, "TRIM_HORIZON", None));
    let before = all_records(&mut e, T1);
    let mut replayed = Engine::restore(EngineConfig::default(), T1, e.snapshot()).unwrap();
    assert_eq!(all_records(&mut replayed, T1), before);
    // Iterators issued before the reload still work.
    let page = ok(st(&mut replayed, T1, "GetRecords", json!({"ShardIterator": it})));
    assert_eq!(page["Records"].as_array().unwrap().len(), before.len());
    // Export and import keep them too (records as readable JSON).
    let doc = ok(e.control(T1, "ExportSandbox", &json!({})));
    let text = doc.to_string();
    assert!(text.contains("\"eventName\":\"MODIFY\""), "stream records export as JSON");
    let mut imported = Engine::new(EngineConfig::default(), T1);
    ok(imported.control(T1, "ImportSandbox", &json!({"sandbox": doc})));
    assert_eq!(all_records(&mut imported, T1), before);
    // The sweep timer survived too: the records go after 24 h.
    ok(replayed.control(T1, "AdvanceClock", &json!({"seconds": 24 * 3600 + 1})));
    assert_eq!(all_records(&mut replayed, T1).len(), 0);
}

#[test]
fn journal_replay_equals_snapshot_with_streams() {
    use crate::kernel::journal::Change;
    let mut e = engine("NEW_AND_OLD_IMAGES");
    let mut image: std::collections::BTreeMap<String, Vec<u8>> = std::collections::BTreeMap::new();
    let apply = |e: &mut Engine, image: &mut std::collections::BTreeMap<String, Vec<u8>>| {
        for c in e.take_changes() {
            match c {
                Change::Put { key, value } => {
                    image.insert(key, value);
                }
                Change::Delete { key } => {
                    image.remove(&key);
                }
                Change::DeletePrefix { prefix } => image.retain(|k, _| !k.starts_with(&prefix)),
            }
        }
    };
    single_item_story(&mut e);
    apply(&mut e, &mut image);
    ok(ddb(&mut e, T1, "UpdateTable", json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": false}})));
    ok(ddb(&mut e, T1 + 2_000, "UpdateTable", json!({"TableName": "Tbl", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}})));
    ok(ddb(&mut e, T1 + 3_000, "PutItem", json!({"TableName": "Tbl", "Item": item("z", 1, json!({}))})));
    apply(&mut e, &mut image);
    ok(e.control(T1 + 3_000, "AdvanceClock", &json!({"seconds": 24 * 3600 - 1})));
    ok(ddb(&mut e, T1 + 3_000, "PutItem", json!({"TableName": "Tbl", "Item": item("z", 2, json!({}))})));
    apply(&mut e, &mut image);
    let snapshot: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert_eq!(image.keys().collect::<Vec<_>>(), snapshot.keys().collect::<Vec<_>>());
    assert_eq!(image, snapshot);
}

#[test]
fn an_equal_item_with_its_attributes_in_another_order_writes_no_record() {
    for view in ["KEYS_ONLY", "NEW_AND_OLD_IMAGES"] {
        let mut e = engine(view);
        let mut put = |body: &str| ok(e.call_json(T1, "dynamodb", "PutItem", "us-east-1", body.as_bytes()));
        put(r#"{"TableName":"Tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"x":{"S":"one"},"y":{"N":"10"}}}"#);
        // The same attributes in another order: the same item, nothing changed.
        put(r#"{"TableName":"Tbl","Item":{"y":{"N":"10"},"x":{"S":"one"},"sk":{"N":"1"},"pk":{"S":"a"}}}"#);
        // Same size, another value: a change.
        put(r#"{"TableName":"Tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"x":{"S":"two"},"y":{"N":"10"}}}"#);
        // Another order and another value: a change.
        put(r#"{"TableName":"Tbl","Item":{"y":{"N":"11"},"pk":{"S":"a"},"sk":{"N":"1"},"x":{"S":"two"}}}"#);
        let records = all_records(&mut e, T1);
        assert_eq!(names(&records), ["INSERT", "MODIFY", "MODIFY"], "{view}");
    }
}

#[test]
fn a_modify_keeps_the_whole_old_image_whatever_changed() {
    let mut e = engine("NEW_AND_OLD_IMAGES");
    let first = item("a", 1, json!({"x": {"S": "one"}, "gone": {"N": "1"}, "keep": {"M": {"deep": {"L": [{"S": "v"}]}}}}));
    ok(ddb(&mut e, T1, "PutItem", json!({"TableName": "Tbl", "Item": first})));
    // One attribute changed, one removed, one added, in another order.
    let second = json!({"added": {"SS": ["p", "q"]}, "keep": {"M": {"deep": {"L": [{"S": "v"}]}}}, "pk": {"S": "a"}, "x": {"S": "two"}, "sk": {"N": "1"}});
    ok(e.call_json(T1, "dynamodb", "PutItem", "us-east-1", json!({"TableName": "Tbl", "Item": second}).to_string().as_bytes()));
    ok(ddb(
        &mut e,
        T1,
        "UpdateItem",
        json!({"TableName": "Tbl", "Key": key("a", 1), "UpdateExpression": "REMOVE added SET x = :x", "ExpressionAttributeValues": {":x": {"S": "three"}}}),
    ));
    let records = all_records(&mut e, T1);
    assert_eq!(names(&records), ["INSERT", "MODIFY", "MODIFY"]);
    assert_eq!(records[1]["dynamodb"]["OldImage"], first);
    assert_eq!(records[1]["dynamodb"]["NewImage"], second);
    assert_eq!(records[2]["dynamodb"]["OldImage"], second);
    assert_eq!(records[2]["dynamodb"]["NewImage"], item("a", 1, json!({"x": {"S": "three"}, "keep": {"M": {"deep": {"L": [{"S": "v"}]}}}})));
    // The same after a reload.
    let mut again = Engine::restore(EngineConfig::default(), T1, e.snapshot()).unwrap();
    assert_eq!(all_records(&mut again, T1), records);
}
