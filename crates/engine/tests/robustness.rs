//! Bad input never panics: every operation, fed thousands of malformed requests, answers with an
//! AWS error or a success, and the sandbox stays consistent (journal replay == snapshot).

use gureum_engine::{
    store::{encode_batch, Image},
    wire, Engine, EngineConfig, Request,
};
use serde_json::{json, Map, Value};

const OPS: &[&str] = &[
    "CreateTable",
    "DescribeTable",
    "ListTables",
    "DeleteTable",
    "PutItem",
    "GetItem",
    "DeleteItem",
    "Scan",
    "Query",
    "Query",
    "Scan",
    "UpdateItem",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
    "Bogus",
    "",
];
const FIELDS: &[&str] = &[
    "TableName",
    "Item",
    "Key",
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "Limit",
    "ExclusiveStartKey",
    "Segment",
    "TotalSegments",
    "Select",
    "ReturnValues",
    "ReturnConsumedCapacity",
    "ConsistentRead",
    "ExclusiveStartTableName",
    "AttributeName",
    "AttributeType",
    "KeyType",
    "ReadCapacityUnits",
    "WriteCapacityUnits",
    "S",
    "N",
    "B",
    "BOOL",
    "NULL",
    "L",
    "M",
    "SS",
    "NS",
    "BS",
    "pk",
    "sk",
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
    "ConditionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "ScanIndexForward",
    ":v",
    "#n",
    "ReturnValuesOnConditionCheckFailure",
    "UpdateExpression",
    "RequestItems",
    "Keys",
    "PutRequest",
    "DeleteRequest",
    "Fuzz",
    "TransactItems",
    "Put",
    "Update",
    "Delete",
    "ConditionCheck",
    "Get",
    "ClientRequestToken",
    "IndexName",
    "Local",
    "Global",
    "Expected",
    "ScanFilter",
    "QueryFilter",
    "KeyConditions",
    "AttributeUpdates",
    "AttributesToGet",
    "ComparisonOperator",
    "AttributeValueList",
    "Exists",
    "Value",
    "Action",
    "ConditionalOperator",
    "ReturnItemCollectionMetrics",
];
const STRINGS: &[&str] = &[
    "",
    "a",
    "Fuzz",
    "pk",
    "HASH",
    "RANGE",
    "S",
    "N",
    "B",
    "PAY_PER_REQUEST",
    "PROVISIONED",
    "ALL_OLD",
    "COUNT",
    "1e400",
    "-0",
    "NaN",
    "AAE=",
    "!!",
    "\u{0}",
    "😀",
    "9999999999999999999999999999999999999999",
    "pk = :v",
    "pk = :v AND sk BETWEEN :v AND :v",
    "#n = :v",
    "attribute_exists(pk)",
    "((pk = :v))",
    "size(pk) > :v",
    "a.b[1], c",
    "NOT NOT pk <> :v",
    "begins_with(sk, :v)",
    "pk IN (:v, :v)",
    "sk < :v OR pk = :v",
    "contains(#n, :v)",
    "pk = ",
    "[",
    "a[99999999999999999999]",
    "Local",
    "Global",
    "SET a = :v",
    "SET a = a + :v REMOVE b",
    "ADD s :v",
    "DELETE s :v",
    "SET l = list_append(l, :v)",
    "SET m.x[3] = if_not_exists(m.y, :v)",
    "REMOVE l[0], l[1]",
    "SET pk = :v",
    "EQ",
    "NE",
    "LT",
    "BETWEEN",
    "IN",
    "NULL",
    "NOT_NULL",
    "CONTAINS",
    "NOT_CONTAINS",
    "BEGINS_WITH",
    "ADD",
    "PUT",
    "DELETE",
    "SIZE",
    "OR",
    "AND",
];

struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    fn value(&mut self, depth: u32) -> Value {
        match self.next() % if depth > 4 { 5 } else { 8 } {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(3)),
            2 => json!((self.next() % 2000) as i64 - 1000),
            3 => json!(self.next() as f64 / 7.0),
            4 => json!(self.pick(STRINGS)),
            5 | 6 => {
                let mut m = Map::new();
                for _ in 0..self.next() % 4 {
                    let k = self.pick(FIELDS).to_string();
                    m.insert(k, self.value(depth + 1));
                }
                Value::Object(m)
            }
            _ => Value::Array((0..self.next() % 3).map(|_| self.value(depth + 1)).collect()),
        }
    }
}

#[test]
fn random_requests_never_panic_and_keep_state_consistent() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    // A valid table so that item operations reach deep validation paths.
    e.call(0, &Request::new("dynamodb", "CreateTable", "us-east-1", json!({"TableName": "Fuzz",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}, {"AttributeName": "S", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "LocalSecondaryIndexes": [{"IndexName": "Local", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "S", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        "GlobalSecondaryIndexes": [{"IndexName": "Global", "KeySchema": [{"AttributeName": "S", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
        "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": true}))).unwrap();
    e.tick(5_000);
    img.apply_segment(&encode_batch(&e.take_changes())).unwrap();
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut errors = 0;
    for i in 0..20_000 {
        if i % 3 == 0 {
            // Structured writes: valid keys, index attributes sometimes missing, mistyped or empty.
            let pk = format!("p{}", g.next() % 7);
            let sk = (g.next() % 5).to_string();
            let key = json!({"pk": {"S": pk}, "sk": {"N": sk}});
            let s_attr = match g.next() % 5 {
                0 => None,
                1 => Some(json!({"N": "1"})),
                2 => Some(json!({"S": ""})),
                _ => Some(json!({"S": format!("s{}", g.next() % 4)})),
            };
            let req = match g.next() % 4 {
                0 | 1 => {
                    let mut item = key.clone();
                    if let Some(v) = &s_attr {
                        item["S"] = v.clone();
                    }
                    ("PutItem", json!({"TableName": "Fuzz", "Item": item}))
                }
                2 => ("DeleteItem", json!({"TableName": "Fuzz", "Key": key})),
                _ => match s_attr {
                    Some(v) => (
                        "UpdateItem",
                        json!({"TableName": "Fuzz", "Key": key, "UpdateExpression": "SET #s = :v", "ExpressionAttributeNames": {"#s": "S"}, "ExpressionAttributeValues": {":v": v}}),
                    ),
                    None => ("UpdateItem", json!({"TableName": "Fuzz", "Key": key, "UpdateExpression": "REMOVE #s", "ExpressionAttributeNames": {"#s": "S"}})),
                },
            };
            let _ = e.call(5_000 + i, &Request::new("dynamodb", req.0, "us-east-1", req.1));
            let changes = e.take_changes();
            if !changes.is_empty() {
                img.apply_segment(&encode_batch(&changes)).unwrap();
            }
            continue;
        }
        let op = *g.pick(OPS);
        let input = match g.value(0) {
            Value::Object(mut m) => {
                if g.next().is_multiple_of(2) {
                    m.insert("TableName".into(), json!("Fuzz"));
                }
                Value::Object(m)
            }
            other => other,
        };
        match e.call(5_000 + i, &Request::new("dynamodb", op, "us-east-1", input)) {
            Ok(v) => assert!(v.is_object()),
            Err(err) => {
                errors += 1;
                assert!(!err.kind.is_empty());
                assert!((400..600).contains(&err.status));
            }
        }
        let changes = e.take_changes();
        if !changes.is_empty() {
            img.apply_segment(&encode_batch(&changes)).unwrap();
        }
    }
    assert!(errors > 6_000, "most random requests are invalid ({errors})");
    // Everything the journal said equals the engine's own state.
    assert_eq!(img.into_records(), e.snapshot());
    // Indexes maintained write by write equal indexes rebuilt from the items.
    let describe = |e: &mut Engine| e.call(30_000, &Request::new("dynamodb", "DescribeTable", "us-east-1", json!({"TableName": "Fuzz"}))).unwrap();
    let live = describe(&mut e);
    eprintln!(
        "fuzz table: {} items, GSI {} entries, LSI {} entries",
        live["Table"]["ItemCount"], live["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"], live["Table"]["LocalSecondaryIndexes"][0]["ItemCount"]
    );
    let mut rebuilt = Engine::restore(EngineConfig::default(), 0, e.snapshot()).unwrap();
    assert_eq!(describe(&mut rebuilt), live);
}

#[test]
fn raw_http_garbage_gets_aws_errors() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut g = Gen(42);
    for _ in 0..5_000 {
        let len = (g.next() % 64) as usize;
        let body: Vec<u8> = (0..len)
            .map(|_| match g.next() % 4 {
                0 => b'{',
                1 => b'"',
                2 => b'}',
                _ => (g.next() % 256) as u8,
            })
            .collect();
        let target = g.pick(&["DynamoDB_20120810.PutItem", "DynamoDB_20120810.Scan", "DynamoDB_20120810", ".", "", "AmazonSQS.SendMessage"]).to_string();
        let req = wire::HttpRequest { method: "POST".into(), path: "/".into(), headers: vec![("X-Amz-Target".into(), target)], body };
        let resp = wire::handle(&mut e, 0, &req, "rid");
        assert!(resp.status == 200 || (400..600).contains(&resp.status));
        let v: Value = serde_json::from_slice(&resp.body).expect("always JSON");
        if resp.status != 200 {
            assert!(v["__type"].is_string());
        }
    }
}

const LAMBDA_OPS: &[&str] = &[
    "CreateFunction",
    "GetFunction",
    "GetFunctionConfiguration",
    "ListFunctions",
    "DeleteFunction",
    "UpdateFunctionCode",
    "UpdateFunctionConfiguration",
    "PublishVersion",
    "ListVersionsByFunction",
    "CreateAlias",
    "GetAlias",
    "UpdateAlias",
    "DeleteAlias",
    "ListAliases",
    "PutFunctionConcurrency",
    "GetFunctionConcurrency",
    "DeleteFunctionConcurrency",
    "GetAccountSettings",
    "TagResource",
    "UntagResource",
    "ListTags",
    "PutFunctionEventInvokeConfig",
    "UpdateFunctionEventInvokeConfig",
    "GetFunctionEventInvokeConfig",
    "DeleteFunctionEventInvokeConfig",
    "ListFunctionEventInvokeConfigs",
    "Invoke",
    "AddPermission",
    "Bogus",
];
const LAMBDA_FIELDS: &[&str] = &[
    "FunctionName",
    "Qualifier",
    "Runtime",
    "Role",
    "Handler",
    "Code",
    "ZipFile",
    "S3Bucket",
    "Description",
    "Timeout",
    "MemorySize",
    "Publish",
    "DryRun",
    "Environment",
    "Variables",
    "Architectures",
    "EphemeralStorage",
    "Size",
    "TracingConfig",
    "Mode",
    "LoggingConfig",
    "LogFormat",
    "LogGroup",
    "Tags",
    "TagKeys",
    "Resource",
    "RevisionId",
    "CodeSha256",
    "Name",
    "FunctionVersion",
    "RoutingConfig",
    "AdditionalVersionWeights",
    "ReservedConcurrentExecutions",
    "MaximumRetryAttempts",
    "MaximumEventAgeInSeconds",
    "DestinationConfig",
    "OnSuccess",
    "OnFailure",
    "Destination",
    "InvocationType",
    "LogType",
    "Payload",
    "ClientContext",
    "Marker",
    "MaxItems",
    "Layers",
    "PackageType",
    "1",
    "2",
];
const LAMBDA_STRINGS: &[&str] = &[
    "",
    "fz",
    "fz:1",
    "fz:live",
    "fz:$LATEST",
    "fz:99",
    "ghost",
    "arn:aws:lambda:us-east-1:123456789012:function:fz",
    "arn:aws:lambda:us-east-1:123456789012:function:fz:live",
    "arn:aws:lambda:eu-west-1:123456789012:function:fz",
    "123456789012:function:fz",
    "arn:aws:sqs:us-east-1:123456789012:q",
    "arn:aws:sns:us-east-1:123456789012:t",
    "arn:aws:iam::123456789012:role/r",
    "$LATEST",
    "1",
    "2",
    "live",
    "ALL",
    "nodejs22.x",
    "python3.12",
    "index.handler",
    "x86_64",
    "arm64",
    "Event",
    "RequestResponse",
    "DryRun",
    "Tail",
    "Active",
    "JSON",
    "Zip",
    "Image",
    "AWS_REGION",
    "e30=",
    "eyJhIjoxfQ==",
    "!!",
    "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==",
    "\u{0}",
    "😀",
    "a b",
];

fn lambda_value(g: &mut Gen, depth: u32) -> Value {
    match g.next() % if depth > 3 { 5 } else { 8 } {
        0 => Value::Null,
        1 => json!(g.next().is_multiple_of(2)),
        2 => json!((g.next() % 3000) as i64 - 100),
        3 => json!(g.next() as f64 / 1e19),
        4 => json!(g.pick(LAMBDA_STRINGS)),
        5 | 6 => {
            let mut m = Map::new();
            for _ in 0..g.next() % 5 {
                let k = g.pick(LAMBDA_FIELDS).to_string();
                m.insert(k, lambda_value(g, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::Array((0..g.next() % 3).map(|_| lambda_value(g, depth + 1)).collect()),
    }
}

#[test]
fn random_lambda_requests_never_panic_and_keep_state_consistent() {
    use base64::Engine as _;
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    let files = std::collections::BTreeMap::from([("index.mjs".to_string(), b"export const handler = async (e) => e;".to_vec())]);
    let zip = base64::engine::general_purpose::STANDARD.encode(gureum_engine::services::lambda::code::zip(&files));
    let lambda = |e: &mut Engine, op: &str, input: Value| e.call(0, &Request::new("lambda", op, "us-east-1", input));
    let create = json!({"FunctionName": "fz", "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": {"ZipFile": zip}});
    lambda(&mut e, "CreateFunction", create.clone()).unwrap();
    e.control(0, "AdvanceClock", &json!({"seconds": 2})).unwrap();
    lambda(&mut e, "PublishVersion", json!({"FunctionName": "fz"})).unwrap();
    lambda(&mut e, "CreateAlias", json!({"FunctionName": "fz", "Name": "live", "FunctionVersion": "1"})).unwrap();
    img.apply_segment(&encode_batch(&e.take_changes())).unwrap();
    let mut g = Gen(0xC0FF_EE00_1234_5678);
    let (mut errors, mut oks) = (0, 0);
    for i in 0..15_000 {
        let op = *g.pick(LAMBDA_OPS);
        let input = match lambda_value(&mut g, 0) {
            Value::Object(mut m) => {
                // Usually about a function that exists, so calls get past the name.
                match g.next() % 4 {
                    0 | 1 => {
                        m.insert("FunctionName".into(), json!(g.pick(&["fz", "fz:1", "fz:live", "arn:aws:lambda:us-east-1:123456789012:function:fz"])));
                    }
                    2 => {
                        m.insert("Resource".into(), json!("arn:aws:lambda:us-east-1:123456789012:function:fz"));
                    }
                    _ => {}
                }
                if op == "CreateFunction" && g.next().is_multiple_of(3) {
                    // Nearly valid creates reach the deeper checks.
                    let mut c = create.clone();
                    c["FunctionName"] = json!(format!("fz{}", g.next() % 5));
                    for (k, v) in m {
                        if g.next().is_multiple_of(2) {
                            c[k] = v;
                        }
                    }
                    c
                } else {
                    Value::Object(m)
                }
            }
            other => other,
        };
        match lambda(&mut e, op, input) {
            Ok(v) => {
                oks += 1;
                assert!(v.is_object(), "{op}: {v}");
            }
            Err(err) => {
                errors += 1;
                assert!(!err.kind.is_empty());
                assert!((400..600).contains(&err.status), "{op}: {err}");
            }
        }
        if i % 500 == 0 {
            e.control(0, "AdvanceClock", &json!({"seconds": 5})).unwrap();
            // Keep a function to aim at.
            let _ = lambda(&mut e, "CreateFunction", create.clone());
        }
        let changes = e.take_changes();
        if !changes.is_empty() {
            img.apply_segment(&encode_batch(&changes)).unwrap();
        }
    }
    eprintln!("lambda fuzz: {oks} successes, {errors} errors");
    assert!(errors > 5_000 && oks > 500, "a mix of answers ({oks} ok, {errors} errors)");
    assert_eq!(img.clone().into_records(), e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    // Service control operations take garbage too.
    for _ in 0..2_000 {
        let op = *g.pick(&["lambda:GetFunctionCode", "lambda:GetFunctionMetrics", "lambda:ListEnvironments", "lambda:Nope"]);
        let mut input = lambda_value(&mut g, 0);
        if let Some(m) = input.as_object_mut() {
            if g.next().is_multiple_of(2) {
                m.insert("FunctionName".into(), json!("fz"));
            }
            if g.next().is_multiple_of(3) {
                m.insert("Minutes".into(), lambda_value(&mut g, 3));
            }
        }
        if let Err(err) = e.control(0, op, &input) {
            assert!((400..600).contains(&err.status), "{op}: {err}");
        }
    }
}

#[test]
fn raw_lambda_http_garbage_gets_aws_errors() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut g = Gen(7);
    for _ in 0..3_000 {
        let len = (g.next() % 48) as usize;
        let body: Vec<u8> = (0..len)
            .map(|_| match g.next() % 4 {
                0 => b'{',
                1 => b'"',
                2 => b'}',
                _ => (g.next() % 256) as u8,
            })
            .collect();
        for (op, _) in [("CreateFunction", ()), ("Invoke", ()), ("CreateAlias", ())] {
            match e.call_json(0, "lambda", op, "us-east-1", &body) {
                Ok(bytes) => assert!(serde_json::from_slice::<Value>(&bytes).is_ok()),
                Err(err) => assert!((400..600).contains(&err.status) && !err.kind.is_empty(), "{op}: {err}"),
            }
        }
    }
}

/// The Streams operations, fed random members and damaged iterators, sequence numbers and
/// ARNs, answer with AWS errors or successes and change nothing.
#[test]
fn random_streams_requests_never_panic() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let ddb = |e: &mut Engine, t: i64, op: &str, input: Value| e.call(t, &Request::new("dynamodb", op, "us-east-1", input));
    ddb(
        &mut e,
        0,
        "CreateTable",
        json!({"TableName": "Fuzz",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}),
    )
    .unwrap();
    for i in 0..50 {
        ddb(&mut e, 2_000 + i, "PutItem", json!({"TableName": "Fuzz", "Item": {"pk": {"S": format!("p{}", i % 7)}, "n": {"N": i.to_string()}}})).unwrap();
    }
    let arn = ddb(&mut e, 3_000, "DescribeTable", json!({"TableName": "Fuzz"})).unwrap()["Table"]["LatestStreamArn"].as_str().unwrap().to_string();
    let streams = |e: &mut Engine, t: i64, op: &str, input: Value| e.call(t, &Request::new("streams.dynamodb", op, "us-east-1", input));
    let shard = streams(&mut e, 3_000, "DescribeStream", json!({"StreamArn": arn})).unwrap()["StreamDescription"]["Shards"][0]["ShardId"].as_str().unwrap().to_string();
    let iterator = streams(&mut e, 3_000, "GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})).unwrap()["ShardIterator"]
        .as_str()
        .unwrap()
        .to_string();
    let seq =
        streams(&mut e, 3_000, "GetRecords", json!({"ShardIterator": iterator, "Limit": 1})).unwrap()["Records"][0]["dynamodb"]["SequenceNumber"].as_str().unwrap().to_string();
    e.take_changes();
    let before = e.snapshot();
    let mut g = Gen(0x2545_F491_4F6C_DD1D);
    let damage = |g: &mut Gen, s: &str| -> String {
        let mut b = s.as_bytes().to_vec();
        match g.next() % 4 {
            0 if !b.is_empty() => {
                let at = (g.next() % b.len() as u64) as usize;
                b[at] = b"A|/9z-_="[(g.next() % 8) as usize];
            }
            1 => b.truncate((g.next() % (b.len() as u64 + 1)) as usize),
            2 => b.extend_from_slice(b"|x"),
            _ => {}
        }
        String::from_utf8_lossy(&b).into_owned()
    };
    for i in 0..5_000 {
        let op = *g.pick(&["ListStreams", "DescribeStream", "GetShardIterator", "GetRecords", "Bogus"]);
        let mut input = match g.value(0) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let members: &[(&str, Value)] = &[
            ("StreamArn", json!(damage(&mut g, &arn))),
            ("ShardId", json!(damage(&mut g, &shard))),
            ("ShardIteratorType", json!(*g.pick(&["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "x"]))),
            ("SequenceNumber", json!(damage(&mut g, &seq))),
            ("ShardIterator", json!(damage(&mut g, &iterator))),
            ("Limit", json!((g.next() % 1200) as i64 - 100)),
            ("TableName", json!(*g.pick(&["Fuzz", "x", "Nope"]))),
            ("ExclusiveStartStreamArn", json!(damage(&mut g, &arn))),
            ("ExclusiveStartShardId", json!(damage(&mut g, &shard))),
        ];
        for (k, v) in members {
            if g.next().is_multiple_of(2) {
                input.insert(k.to_string(), v.clone());
            }
        }
        // Some calls come long after the iterator was issued, past its 15 minutes.
        let t = 3_000 + if i % 10 == 0 { 3_600_000 } else { i };
        match streams(&mut e, t, op, Value::Object(input)) {
            Ok(v) => assert!(v.is_object()),
            Err(err) => {
                assert!(!err.kind.is_empty());
                assert!((400..600).contains(&err.status));
            }
        }
    }
    // Reads only: nothing but the clock moved.
    let after = e.snapshot();
    let strip = |r: Vec<gureum_engine::Record>| r.into_iter().filter(|r| r.key != "sim/clock").collect::<Vec<_>>();
    assert_eq!(strip(after), strip(before));
}

const S3_OPS: &[&str] = &[
    "CreateBucket",
    "DeleteBucket",
    "HeadBucket",
    "ListBuckets",
    "PutObject",
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "DeleteObjects",
    "CopyObject",
    "ListObjectsV2",
    "ListObjectsV2",
    "GetBucketLocation",
    "PutBucketVersioning",
    "Bogus",
];
const S3_FIELDS: &[&str] = &[
    "Bucket",
    "Key",
    "Body",
    "Prefix",
    "Delimiter",
    "MaxKeys",
    "ContinuationToken",
    "StartAfter",
    "Range",
    "CopySource",
    "Delete",
    "Objects",
    "Quiet",
    "Metadata",
    "ContentType",
    "IfMatch",
    "IfNoneMatch",
    "IfModifiedSince",
    "MetadataDirective",
    "CreateBucketConfiguration",
    "LocationConstraint",
    "EncodingType",
    "ChecksumAlgorithm",
    "ChecksumCRC32",
    "ContentMD5",
];
const S3_STRINGS: &[&str] = &[
    "fuzz-bucket",
    "other-bucket",
    "a",
    "a/",
    "a/b",
    "a/b/c",
    "/",
    "",
    "bytes=0-1",
    "bytes=-5",
    "bytes=9-",
    "bytes=x",
    "fuzz-bucket/a/b",
    "/fuzz-bucket/a",
    "fuzz-bucket/%ZZ",
    "aGVsbG8=",
    "!!",
    "*",
    "\"abc\"",
    "url",
    "REPLACE",
    "CRC32",
    "eu-west-1",
    "Z3VyZXVtLXMzOmE=",
    "😀",
    "\u{0}",
];

fn s3_value(g: &mut Gen, depth: u32) -> Value {
    match g.next() % if depth > 3 { 5 } else { 8 } {
        0 => Value::Null,
        1 => json!(g.next().is_multiple_of(2)),
        2 => json!((g.next() % 3000) as i64 - 1000),
        3 | 4 => json!(g.pick(S3_STRINGS)),
        5 | 6 => {
            let mut m = Map::new();
            for _ in 0..g.next() % 5 {
                m.insert(g.pick(S3_FIELDS).to_string(), s3_value(g, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::Array((0..g.next() % 3).map(|_| s3_value(g, depth + 1)).collect()),
    }
}

#[test]
fn random_s3_requests_never_panic_and_keep_state_consistent() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    e.call(0, &Request::new("s3", "CreateBucket", "us-east-1", json!({"Bucket": "fuzz-bucket"}))).unwrap();
    let mut g = Gen(0x5353_5353);
    for n in 0..6_000 {
        let op = *g.pick(S3_OPS);
        let mut input = s3_value(&mut g, 0);
        if let (Value::Object(m), true) = (&mut input, n % 3 != 0) {
            m.insert("Bucket".into(), json!(g.pick(&["fuzz-bucket", "other-bucket"])));
            if g.next().is_multiple_of(2) {
                m.insert("Key".into(), json!(g.pick(&["a", "a/b", "a/b/c", "x/y"])));
            }
        }
        let region = *g.pick(&["us-east-1", "us-east-1", "eu-west-1"]);
        let _ = e.call(0, &Request::new("s3", op, region, input));
        let changes = e.take_changes();
        if !changes.is_empty() {
            img.apply_segment(&encode_batch(&changes)).unwrap();
        }
    }
    assert_eq!(img.clone().into_records(), e.snapshot());
    let rebuilt = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(rebuilt.snapshot(), e.snapshot());
}

#[test]
fn raw_s3_http_garbage_gets_s3_errors() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    e.call(0, &Request::new("s3", "CreateBucket", "us-east-1", json!({"Bucket": "fuzz-bucket"}))).unwrap();
    let auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x";
    let mut g = Gen(77);
    for _ in 0..5_000 {
        let method = g.pick(&["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"]).to_string();
        let path = g
            .pick(&[
                "/",
                "/fuzz-bucket",
                "/fuzz-bucket/",
                "/fuzz-bucket/k",
                "/fuzz-bucket/a%2",
                "/fuzz-bucket?delete",
                "/fuzz-bucket?list-type=2&max-keys=x",
                "/fuzz-bucket?acl",
                "/x/%FF%FE",
                "/fuzz-bucket/k?uploads",
                "//",
                "/fuzz-bucket?location",
            ])
            .to_string();
        let len = (g.next() % 80) as usize;
        let body: Vec<u8> = (0..len)
            .map(|_| match g.next() % 6 {
                0 => b'<',
                1 => b'>',
                2 => b'/',
                3 => b'\r',
                4 => b'\n',
                _ => (g.next() % 256) as u8,
            })
            .collect();
        let mut headers = vec![("Authorization".to_string(), auth.to_string())];
        if g.next().is_multiple_of(3) {
            headers.push(("x-amz-content-sha256".into(), "STREAMING-UNSIGNED-PAYLOAD-TRAILER".into()));
        }
        if g.next().is_multiple_of(4) {
            headers.push(("Range".into(), g.pick(&["bytes=0-", "bytes=-0", "bytes=99999999999999999999-"]).to_string()));
        }
        if g.next().is_multiple_of(4) {
            headers.push(("x-amz-copy-source".into(), g.pick(&["fuzz-bucket/k", "%", "/", ""]).to_string()));
        }
        let head = method == "HEAD";
        let req = wire::HttpRequest { method, path, headers, body };
        let resp = wire::handle(&mut e, 0, &req, "rid");
        assert!((200..600).contains(&resp.status));
        if resp.status >= 400 && !head {
            assert!(String::from_utf8_lossy(&resp.body).contains("<Error><Code>"), "{:?}", String::from_utf8_lossy(&resp.body));
        }
    }
}
