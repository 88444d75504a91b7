//! The durability invariant every host relies on: replaying the journal (as stores do) yields
//! exactly the engine's own snapshot, and restoring from it gives back the same sandbox.

use gureum_engine::{
    store::{encode_batch, encode_checkpoint, Image},
    Engine, EngineConfig, Request,
};
use serde_json::{json, Value};

fn call(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, gureum_engine::AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

/// Applies the engine's pending changes to `img` through the segment codec, as a store would.
fn commit(e: &mut Engine, img: &mut Image) {
    let changes = e.take_changes();
    if !changes.is_empty() {
        img.apply_segment(&encode_batch(&changes)).unwrap();
    }
}

fn table(name: &str) -> Value {
    json!({"TableName": name, "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"})
}

#[test]
fn journal_replay_equals_snapshot_through_a_mixed_workload() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    commit(&mut e, &mut img);
    let mut t = 0;
    for name in ["alpha", "beta", "alpha-2"] {
        call(&mut e, t, "CreateTable", table(name)).unwrap();
        commit(&mut e, &mut img);
    }
    t += 5_000;
    // Puts, overwrites, deletes, failures; a table deleted and its name reused.
    let mut x: u64 = 12345;
    for i in 0..600 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let tbl = ["alpha", "beta", "alpha-2"][(x >> 33) as usize % 3];
        let pk = format!("p{}", (x >> 40) % 20);
        let sk = ((x >> 20) % 10).to_string();
        let r = if i % 5 == 4 {
            call(&mut e, t, "DeleteItem", json!({"TableName": tbl, "Key": {"pk": {"S": pk}, "sk": {"N": sk}}}))
        } else {
            call(&mut e, t, "PutItem", json!({"TableName": tbl, "Item": {"pk": {"S": pk}, "sk": {"N": sk}, "i": {"N": i.to_string()}, "l": {"L": [{"S": "x"}, {"BOOL": true}]}}}))
        };
        r.unwrap();
        if i % 50 == 0 {
            // Transactions with request tokens are state too.
            call(
                &mut e,
                t,
                "TransactWriteItems",
                json!({"ClientRequestToken": format!("tok/{i}"), "TransactItems": [{"Put": {"TableName": "beta", "Item": {"pk": {"S": format!("tx{i}")}, "sk": {"N": "1"}}}}]}),
            )
            .unwrap();
            t += 60_000;
        }
        if i % 7 == 0 {
            // A failing call journals nothing.
            let before = e.has_changes();
            assert!(call(&mut e, t, "PutItem", json!({"TableName": tbl, "Item": {"pk": {"S": ""}, "sk": {"N": "1"}}})).is_err());
            assert_eq!(e.has_changes(), before);
        }
        commit(&mut e, &mut img);
        if i == 300 {
            call(&mut e, t, "DeleteTable", json!({"TableName": "alpha"})).unwrap();
            t += 5_000;
            e.tick(t);
            call(&mut e, t, "CreateTable", table("alpha")).unwrap();
            t += 5_000;
            e.tick(t);
            commit(&mut e, &mut img);
        }
    }
    assert_eq!(img.clone().into_records(), e.snapshot());

    // Restoring gives the same sandbox, and a checkpoint of it replays to the same image.
    let restored = Engine::restore(EngineConfig::default(), t, img.clone().into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    let mut from_checkpoint = Image::default();
    for seg in encode_checkpoint(&e.snapshot(), 1024) {
        from_checkpoint.apply_segment(&seg).unwrap();
    }
    assert_eq!(from_checkpoint.into_records(), e.snapshot());
}

#[test]
fn restored_sandbox_continues_ids_and_clock() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    call(&mut e, 0, "CreateTable", table("one")).unwrap();
    let mut img = Image::default();
    commit(&mut e, &mut img);
    let mut r = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    // The restored rng does not repeat the id the first table got.
    let a = call(&mut e, 10, "CreateTable", table("two")).unwrap();
    let b = call(&mut r, 10, "CreateTable", table("two")).unwrap();
    assert_eq!(a["TableDescription"]["TableId"], b["TableDescription"]["TableId"], "same state, same next id");
    let first = call(&mut e, 10, "DescribeTable", json!({"TableName": "one"})).unwrap();
    assert_ne!(first["Table"]["TableId"], a["TableDescription"]["TableId"]);
}

#[test]
fn corrupt_records_fail_restore_with_a_message() {
    use gureum_engine::Record;
    let bad = vec![Record { key: "dynamodb/us-east-1/table/x".into(), value: b"{not json".to_vec() }];
    let err = Engine::restore(EngineConfig::default(), 0, bad).err().expect("must fail");
    assert!(err.contains("dynamodb/us-east-1/table/x"), "{err}");
    let orphan = vec![Record { key: "nosuchservice/x".into(), value: vec![] }];
    assert!(Engine::restore(EngineConfig::default(), 0, orphan).is_err());
}

#[test]
fn logs_journal_replay_equals_snapshot() {
    let day = 86_400_000;
    let start = EngineConfig::default().start_virtual_ms;
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    let logs = |e: &mut Engine, op: &str, input: Value| e.call(0, &Request::new("logs", op, "us-east-1", input));
    for g in ["/aws/lambda/a", "/aws/lambda/b"] {
        logs(&mut e, "CreateLogGroup", json!({"logGroupName": g, "tags": {"k": "v"}})).unwrap();
        for s in ["2026/01/01/[$LATEST]00", "x/y%z"] {
            logs(&mut e, "CreateLogStream", json!({"logGroupName": g, "logStreamName": s})).unwrap();
        }
    }
    logs(&mut e, "PutRetentionPolicy", json!({"logGroupName": "/aws/lambda/a", "retentionInDays": 1})).unwrap();
    commit(&mut e, &mut img);
    for i in 0..60i64 {
        let g = if i % 3 == 0 { "/aws/lambda/b" } else { "/aws/lambda/a" };
        let s = if i % 2 == 0 { "x/y%z" } else { "2026/01/01/[$LATEST]00" };
        let t = start - 2 * day + i * 3_600_000;
        let events = json!([{"timestamp": t, "message": format!("event {i}")}, {"timestamp": t + 1, "message": "second"}]);
        logs(&mut e, "PutLogEvents", json!({"logGroupName": g, "logStreamName": s, "logEvents": events})).unwrap();
        if i % 7 == 0 {
            // A failing call journals nothing.
            let before = e.has_changes();
            let bad = json!([{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}]);
            assert!(logs(&mut e, "PutLogEvents", json!({"logGroupName": g, "logStreamName": s, "logEvents": bad})).is_err());
            assert_eq!(e.has_changes(), before);
        }
        commit(&mut e, &mut img);
    }
    e.control(0, "AdvanceClock", &json!({"seconds": 36_000})).unwrap();
    logs(&mut e, "DeleteLogStream", json!({"logGroupName": "/aws/lambda/b", "logStreamName": "x/y%z"})).unwrap();
    commit(&mut e, &mut img);
    assert_eq!(img.clone().into_records(), e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
}

fn sqs(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, gureum_engine::AwsError> {
    e.call(t, &Request::new("sqs", op, "us-east-1", input))
}

#[test]
fn sqs_journal_replay_equals_snapshot() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    commit(&mut e, &mut img);
    let mut t = 0;
    let url = |name: &str| format!("https://sqs.us-east-1.amazonaws.com/123456789012/{name}");
    sqs(&mut e, t, "CreateQueue", json!({"QueueName": "dlq"})).unwrap();
    let policy = json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": 2}).to_string();
    sqs(&mut e, t, "CreateQueue", json!({"QueueName": "std", "Attributes": {"RedrivePolicy": policy, "VisibilityTimeout": "5"}, "tags": {"a": "b"}})).unwrap();
    sqs(&mut e, t, "CreateQueue", json!({"QueueName": "f.fifo", "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true"}})).unwrap();
    commit(&mut e, &mut img);
    let mut x: u64 = 99;
    for i in 0..400 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let r = (x >> 33) % 10;
        let q = if r.is_multiple_of(2) { "std" } else { "f.fifo" };
        match r {
            0..=3 => {
                sqs(
                    &mut e,
                    t,
                    "SendMessage",
                    json!({"QueueUrl": url(q), "MessageBody": format!("m{}", i % 50), "MessageGroupId": format!("g{}", i % 3), "DelaySeconds": if q == "std" { i % 3 } else { 0 }}),
                )
                .unwrap();
            }
            4..=6 => {
                let out = sqs(&mut e, t, "ReceiveMessage", json!({"QueueUrl": url(q), "MaxNumberOfMessages": 3, "ReceiveRequestAttemptId": format!("a{}", i % 4)})).unwrap();
                if r == 6 {
                    for m in out.get("Messages").and_then(Value::as_array).cloned().unwrap_or_default() {
                        sqs(&mut e, t, "DeleteMessage", json!({"QueueUrl": url(q), "ReceiptHandle": m["ReceiptHandle"]})).unwrap();
                    }
                }
            }
            7 => {
                let _ = sqs(&mut e, t, "PurgeQueue", json!({"QueueUrl": url(q)}));
            }
            8 => {
                // Failing calls journal nothing.
                let before = e.has_changes();
                assert!(sqs(&mut e, t, "SendMessage", json!({"QueueUrl": url(q), "MessageBody": ""})).is_err());
                assert_eq!(e.has_changes(), before);
            }
            _ => {
                let _ = sqs(&mut e, t, "StartMessageMoveTask", json!({"SourceArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}));
            }
        }
        if i % 10 == 0 {
            t += 3_000;
            e.tick(t);
        }
        if i == 200 {
            sqs(&mut e, t, "DeleteQueue", json!({"QueueUrl": url("f.fifo")})).unwrap();
            t += 61_000;
            sqs(&mut e, t, "CreateQueue", json!({"QueueName": "f.fifo", "Attributes": {"FifoQueue": "true", "ContentBasedDeduplication": "true"}})).unwrap();
        }
        commit(&mut e, &mut img);
    }
    t += 400_000;
    e.tick(t);
    sqs(&mut e, t, "GetQueueAttributes", json!({"QueueUrl": url("std"), "AttributeNames": ["All"]})).unwrap();
    commit(&mut e, &mut img);
    assert_same_records(img.clone().into_records(), e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), t, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
}

/// Record sets compared key by key, naming the keys that differ.
fn assert_same_records(replayed: Vec<gureum_engine::Record>, snapshot: Vec<gureum_engine::Record>) {
    let text = |r: &gureum_engine::Record| (r.key.clone(), String::from_utf8_lossy(&r.value).into_owned());
    let a: std::collections::BTreeMap<String, String> = replayed.iter().map(text).collect();
    let b: std::collections::BTreeMap<String, String> = snapshot.iter().map(text).collect();
    let diff: Vec<String> = a
        .keys()
        .chain(b.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}:\n  replayed {:?}\n  snapshot {:?}", a.get(k), b.get(k)))
        .collect();
    assert!(diff.is_empty(), "journal replay differs from the snapshot:\n{}", diff.join("\n"));
}

fn lambda(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, gureum_engine::AwsError> {
    e.call(t, &Request::new("lambda", op, "us-east-1", input))
}

fn lambda_zip(text: &str) -> String {
    use base64::Engine as _;
    let files = std::collections::BTreeMap::from([("index.mjs".to_string(), text.as_bytes().to_vec())]);
    base64::engine::general_purpose::STANDARD.encode(gureum_engine::services::lambda::code::zip(&files))
}

#[test]
fn lambda_journal_replay_equals_snapshot() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    commit(&mut e, &mut img);
    let role = "arn:aws:iam::123456789012:role/r";
    sqs(&mut e, 0, "CreateQueue", json!({"QueueName": "dlq"})).unwrap();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        lambda(
            &mut e,
            0,
            "CreateFunction",
            json!({"FunctionName": name, "Runtime": "nodejs22.x", "Role": role, "Handler": "index.handler", "Tags": {"n": i.to_string()},
                "Code": {"ZipFile": lambda_zip(&format!("export const handler = async () => {i};"))}, "Environment": {"Variables": {"KEY": "v"}}}),
        )
        .unwrap();
        commit(&mut e, &mut img);
    }
    e.control(0, "AdvanceClock", &json!({"seconds": 2})).unwrap();
    commit(&mut e, &mut img);
    let mut x: u64 = 7;
    let mut succeeded = std::collections::BTreeMap::<u64, u32>::new();
    for i in 0..300u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let f = ["a", "b", "c"][(x >> 33) as usize % 3];
        let kind = (x >> 40) % 12;
        let r = match kind {
            0 => lambda(&mut e, 0, "UpdateFunctionConfiguration", json!({"FunctionName": f, "Timeout": 1 + i % 60, "Description": format!("d{i}")})),
            1 => lambda(
                &mut e,
                0,
                "UpdateFunctionCode",
                json!({"FunctionName": f, "ZipFile": lambda_zip(&format!("export const handler = async () => {};", i % 5)), "Publish": i % 2 == 0}),
            ),
            2 => lambda(&mut e, 0, "PublishVersion", json!({"FunctionName": f})),
            3 => lambda(&mut e, 0, "CreateAlias", json!({"FunctionName": f, "Name": format!("al{}", i % 3), "FunctionVersion": "1"})),
            4 => lambda(&mut e, 0, "UpdateAlias", json!({"FunctionName": f, "Name": format!("al{}", i % 3), "FunctionVersion": "$LATEST"})),
            5 => lambda(&mut e, 0, "DeleteAlias", json!({"FunctionName": f, "Name": format!("al{}", i % 3)})),
            6 => lambda(&mut e, 0, "PutFunctionConcurrency", json!({"FunctionName": f, "ReservedConcurrentExecutions": i % 400})),
            7 => lambda(&mut e, 0, "TagResource", json!({"Resource": format!("arn:aws:lambda:us-east-1:123456789012:function:{f}"), "Tags": {format!("t{}", i % 4): "x"}})),
            8 => lambda(
                &mut e,
                0,
                "PutFunctionEventInvokeConfig",
                json!({"FunctionName": f, "MaximumRetryAttempts": i % 3, "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:dlq"}}}),
            ),
            9 => lambda(&mut e, 0, "Invoke", json!({"FunctionName": f, "InvocationType": "Event", "Payload": "eyJpIjoxfQ=="})),
            10 => lambda(&mut e, 0, "DeleteFunction", json!({"FunctionName": f, "Qualifier": (1 + i % 4).to_string()})),
            _ => {
                // A failing call journals nothing (due timers fire first: they do).
                e.tick(0);
                let before = e.has_changes();
                assert!(lambda(&mut e, 0, "UpdateFunctionConfiguration", json!({"FunctionName": f, "Timeout": 0})).is_err());
                assert!(lambda(&mut e, 0, "UpdateAlias", json!({"FunctionName": f, "Name": "al0", "RevisionId": "stale"})).is_err());
                assert_eq!(e.has_changes(), before);
                Ok(Value::Null)
            }
        };
        if r.is_ok() {
            *succeeded.entry(kind).or_default() += 1;
        }
        if i % 10 == 0 {
            e.control(0, "AdvanceClock", &json!({"seconds": 61})).unwrap();
        }
        if i == 150 {
            lambda(&mut e, 0, "DeleteFunction", json!({"FunctionName": "b"})).unwrap();
            lambda(&mut e, 0, "CreateFunction", json!({"FunctionName": "b", "Runtime": "nodejs20.x", "Role": role, "Handler": "index.handler", "Code": {"ZipFile": lambda_zip("export const handler = async () => 'again';")}}))
                .unwrap();
        }
        commit(&mut e, &mut img);
    }
    e.control(0, "AdvanceClock", &json!({"seconds": 600})).unwrap();
    commit(&mut e, &mut img);
    assert!((0..12).all(|k| succeeded.get(&k).is_some_and(|n| *n > 0)), "every kind of change happened: {succeeded:?}");
    assert!(e.snapshot().iter().any(|r| r.key.starts_with("lambda/us-east-1/function/")));
    assert_same_records(img.clone().into_records(), e.snapshot());
    let mut restored = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    // The restored sandbox answers as the original does.
    for f in ["a", "b", "c"] {
        let input = json!({"FunctionName": f});
        assert_eq!(lambda(&mut restored, 0, "GetFunction", input.clone()).unwrap(), lambda(&mut e, 0, "GetFunction", input.clone()).unwrap());
        assert_eq!(lambda(&mut restored, 0, "ListAliases", input.clone()).unwrap(), lambda(&mut e, 0, "ListAliases", input).unwrap());
    }
}

#[test]
fn streams_journal_replay_equals_snapshot() {
    let hour = 3_600_000;
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    let streams = |e: &mut Engine, t: i64, op: &str, input: Value| e.call(t, &Request::new("streams.dynamodb", op, "us-east-1", input));
    for (name, view) in [("orders", "NEW_AND_OLD_IMAGES"), ("events", "KEYS_ONLY")] {
        let mut input = table(name);
        input["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": view});
        call(&mut e, 0, "CreateTable", input).unwrap();
    }
    commit(&mut e, &mut img);
    let mut t = 5_000;
    let mut x: u64 = 99;
    for i in 0..400 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let tbl = ["orders", "events"][(x >> 33) as usize % 2];
        let key = json!({"pk": {"S": format!("p{}", (x >> 40) % 8)}, "sk": {"N": ((x >> 20) % 4).to_string()}});
        let r = match i % 6 {
            0 => call(&mut e, t, "DeleteItem", json!({"TableName": tbl, "Key": key})),
            1 => call(&mut e, t, "UpdateItem", json!({"TableName": tbl, "Key": key, "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}})),
            2 => call(&mut e, t, "BatchWriteItem", json!({"RequestItems": {tbl: [{"PutRequest": {"Item": key}}]}})),
            3 => call(&mut e, t, "TransactWriteItems", json!({"TransactItems": [{"Delete": {"TableName": tbl, "Key": key}}]})),
            _ => {
                let mut item = key.clone();
                item["i"] = json!({"N": (i % 3).to_string()});
                call(&mut e, t, "PutItem", json!({"TableName": tbl, "Item": item}))
            }
        };
        r.unwrap();
        if i % 25 == 0 {
            // Reads change nothing.
            let arn = call(&mut e, t, "DescribeTable", json!({"TableName": tbl})).unwrap()["Table"]["LatestStreamArn"].clone();
            let shard = streams(&mut e, t, "DescribeStream", json!({"StreamArn": arn})).unwrap()["StreamDescription"]["Shards"][0]["ShardId"].clone();
            let it = streams(&mut e, t, "GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}));
            if let Ok(it) = it {
                let _ = streams(&mut e, t, "GetRecords", json!({"ShardIterator": it["ShardIterator"]}));
            }
            // Time passes: records age out as the day goes on.
            t += 2 * hour;
            e.tick(t);
        }
        if i == 150 {
            call(&mut e, t, "UpdateTable", json!({"TableName": "events", "StreamSpecification": {"StreamEnabled": false}})).unwrap();
            t += 2_000;
            e.tick(t);
        }
        if i == 200 {
            call(&mut e, t, "UpdateTable", json!({"TableName": "events", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})).unwrap();
            t += 2_000;
            e.tick(t);
        }
        commit(&mut e, &mut img);
    }
    call(&mut e, t, "DeleteTable", json!({"TableName": "orders"})).unwrap();
    commit(&mut e, &mut img);
    assert!(e.snapshot().iter().any(|r| r.key.contains("/rec/")), "the workload leaves stream records");
    assert_same_records(img.clone().into_records(), e.snapshot());
    e.control(t, "AdvanceClock", &json!({"seconds": 25 * 3600})).unwrap();
    commit(&mut e, &mut img);
    assert_same_records(img.clone().into_records(), e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), t, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
}

#[test]
fn iam_and_sts_journal_replay_equals_snapshot() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    let call = |e: &mut Engine, service: &str, op: &str, input: Value| e.call(0, &Request::new(service, op, "eu-west-1", input));
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;
    for r in ["a", "B"] {
        call(&mut e, "iam", "CreateRole", json!({"RoleName": r, "AssumeRolePolicyDocument": trust, "Tags": [{"Key": "k", "Value": "v"}]})).unwrap();
    }
    let arn = call(&mut e, "iam", "CreatePolicy", json!({"PolicyName": "P", "PolicyDocument": doc})).unwrap()["Policy"]["Arn"].as_str().unwrap().to_string();
    commit(&mut e, &mut img);
    call(&mut e, "iam", "CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": doc, "SetAsDefault": true})).unwrap();
    call(&mut e, "iam", "DeletePolicyVersion", json!({"PolicyArn": arn, "VersionId": "v1"})).unwrap();
    call(&mut e, "iam", "AttachRolePolicy", json!({"RoleName": "a", "PolicyArn": arn})).unwrap();
    call(&mut e, "iam", "PutRolePolicy", json!({"RoleName": "B", "PolicyName": "i", "PolicyDocument": doc})).unwrap();
    call(&mut e, "iam", "CreateUser", json!({"UserName": "u"})).unwrap();
    for g in ["g1", "G2"] {
        call(&mut e, "iam", "CreateGroup", json!({"GroupName": g})).unwrap();
        call(&mut e, "iam", "AddUserToGroup", json!({"GroupName": g, "UserName": "u"})).unwrap();
    }
    call(&mut e, "iam", "AttachGroupPolicy", json!({"GroupName": "g1", "PolicyArn": arn})).unwrap();
    call(&mut e, "iam", "PutGroupPolicy", json!({"GroupName": "G2", "PolicyName": "gi", "PolicyDocument": doc})).unwrap();
    let before = e.has_changes();
    commit(&mut e, &mut img);
    assert!(before);
    // A failing call journals nothing.
    assert!(call(&mut e, "iam", "DeleteRole", json!({"RoleName": "a"})).is_err());
    assert!(!e.has_changes());
    call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/a", "RoleSessionName": "s1"})).unwrap();
    call(&mut e, "iam", "DeleteRolePolicy", json!({"RoleName": "B", "PolicyName": "i"})).unwrap();
    call(&mut e, "iam", "DeleteRole", json!({"RoleName": "B"})).unwrap();
    assert!(call(&mut e, "iam", "DeleteUser", json!({"UserName": "u"})).is_err());
    call(&mut e, "iam", "RemoveUserFromGroup", json!({"GroupName": "G2", "UserName": "u"})).unwrap();
    call(&mut e, "iam", "DeleteGroupPolicy", json!({"GroupName": "G2", "PolicyName": "gi"})).unwrap();
    call(&mut e, "iam", "DeleteGroup", json!({"GroupName": "G2"})).unwrap();
    commit(&mut e, &mut img);
    assert_same_records(img.clone().into_records(), e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
}
