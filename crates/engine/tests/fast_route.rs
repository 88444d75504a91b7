//! The fast JSON route (`Engine::call_json`: hot operations read straight from the request text
//! and answered straight from the items) must answer every request exactly as the general
//! route (`Engine::call` with the parsed JSON value) does: same answer, same error, same state
//! afterwards (table T has a stream, so both doors must capture alike). Two identical sandboxes take the same requests, one through each door (the JSON
//! one keeping item JSON text, as `gureum serve` does).
//!
//! - a corpus of valid and invalid requests, including every form the fast route declines
//!   (sets, nulls, escapes, repeated members, bad numbers, deep nesting, bad JSON);
//! - a property test over random items and requests (`PROPTEST_CASES=1000` runs more).

use gureum_engine::{AwsError, Engine, EngineConfig, Request};
use proptest::prelude::*;
use serde_json::{json, Value};

struct Twin {
    json: Engine,
    value: Engine,
    now: i64,
}

/// What a door answered, in comparable form.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok(Value),
    Err { kind: String, message: String, status: u16 },
}

fn outcome_of_error(e: AwsError) -> Outcome {
    Outcome::Err { kind: e.kind, message: e.message, status: e.status }
}

impl Twin {
    fn new() -> Twin {
        // The JSON door as `gureum serve` runs it: items keep their JSON text.
        let json = Engine::new(EngineConfig { keep_item_json: true, ..EngineConfig::default() }, 0);
        let mut t = Twin { json, value: Engine::new(EngineConfig::default(), 0), now: 0 };
        t.both(
            "CreateTable",
            r#"{"TableName":"T","BillingMode":"PAY_PER_REQUEST",
                "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],
                "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
                "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},
                "GlobalSecondaryIndexes":[{"IndexName":"G","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]}"#,
        );
        t.both("CreateTable", r#"{"TableName":"H","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"B"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}"#);
        t.now += 5_000;
        t
    }

    /// Sends `body` through both doors and insists on the same outcome.
    fn both(&mut self, op: &str, body: &str) -> Outcome {
        self.now += 1;
        let fast = match self.json.call_json(self.now, "dynamodb", op, "us-east-1", body.as_bytes()) {
            Ok(bytes) => {
                Outcome::Ok(serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{op} {body}: the fast route wrote invalid JSON ({e}): {}", String::from_utf8_lossy(&bytes))))
            }
            Err(e) => outcome_of_error(e),
        };
        let general = match serde_json::from_slice::<Value>(body.as_bytes()) {
            Ok(input @ Value::Object(_)) => match self.value.call(self.now, &Request::new("dynamodb", op, "us-east-1", input)) {
                Ok(v) => Outcome::Ok(v),
                Err(e) => outcome_of_error(e),
            },
            _ => outcome_of_error(AwsError::serialization("")),
        };
        assert_eq!(fast, general, "{op} {body}");
        self.json.take_changes();
        self.value.take_changes();
        fast
    }

    /// The two sandboxes hold the same data.
    fn same_state(&mut self) {
        for table in ["T", "H"] {
            let body = format!(r#"{{"TableName":"{table}"}}"#);
            self.both("Scan", &body);
        }
        let a: Vec<_> = self.json.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
        let b: Vec<_> = self.value.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
        assert!(a == b, "the two doors left different records");
    }
}

/// Requests the fast route takes itself.
const FAST: &[(&str, &str)] = &[
    (
        "PutItem",
        r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"-0012.50"},"b":{"B":"AQID"},"t":{"BOOL":true},"z":{"NULL":true},"l":{"L":[{"S":"q"},{"M":{"in":{"N":"3"}}}]},"m":{"M":{"deep":{"L":[]}}}}}"#,
    ),
    ("PutItem", " \n{ \"TableName\" : \"T\" ,\t\"Item\" : { \"pk\" : { \"S\" : \"a\" } , \"sk\" : { \"N\" : \"2\" } } }\r\n"),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"구름"},"sk":{"N":"1e2"},"s":{"S":"유니코드 ☁"}},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"5"}},"ReturnValues":"ALL_OLD","ConditionExpression":"attribute_exists(pk)"}"#),
    ("PutItem", r#"{"TableName":"H","Item":{"id":{"B":"/w=="},"x":{"S":"y"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"6"},"x":{"S":"first"},"x":{"S":"second"}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"sk":{"N":"1.0"},"pk":{"S":"a"}},"ConsistentRead":true,"ReturnConsumedCapacity":"INDEXES"}"#),
    ("GetItem", r##"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ProjectionExpression":"l[1].#i, m","ExpressionAttributeNames":{"#i":"in"}}"##),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"nobody"},"sk":{"N":"1"}}}"#),
    ("GetItem", r#"{"TableName":"H","Key":{"id":{"B":"/w=="}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"N":"1"},"sk":{"N":"1"}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":""},"sk":{"N":"1"}}}"#),
    ("GetItem", r#"{"TableName":"Nope","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"Unknown":[1,2.5,-3e2,{"x":null}],"ConsistentRead":"yes"}"#),
    ("GetItem", r#"{"TableName":"T","Key":{}}"#),
    ("GetItem", r#"{"TableName":"T"}"#),
    ("GetItem", r#"{}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"TableName":"H"}"#),
    (
        "UpdateItem",
        r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"SET v = v + :one ADD c :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW"}"#,
    ),
    (
        "UpdateItem",
        r#"{"TableName":"T","Key":{"pk":{"S":"new"},"sk":{"N":"9"}},"UpdateExpression":"SET g = :g","ExpressionAttributeValues":{":g":{"S":"x"}},"ReturnValues":"UPDATED_OLD"}"#,
    ),
    ("Query", r#"{"TableName":"T","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}"#),
    (
        "Query",
        r#"{"TableName":"T","KeyConditionExpression":"pk = :p AND sk > :s","ExpressionAttributeValues":{":p":{"S":"a"},":s":{"N":"0"}},"ScanIndexForward":false,"Limit":1,"ReturnConsumedCapacity":"TOTAL"}"#,
    ),
    ("Query", r#"{"TableName":"T","IndexName":"G","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}},"Select":"COUNT"}"#),
    (
        "Query",
        r#"{"TableName":"T","KeyConditionExpression":"pk = :p","FilterExpression":"v > :z","ProjectionExpression":"sk, v","ExpressionAttributeValues":{":p":{"S":"a"},":z":{"N":"0"}}}"#,
    ),
    ("Query", r#"{"TableName":"T","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#),
    ("Query", r#"{"TableName":"T","KeyConditionExpression":"sk = :p","ExpressionAttributeValues":{":p":{"N":"1"}}}"#),
    ("Scan", r#"{"TableName":"T","Limit":2}"#),
    ("Scan", r#"{"TableName":"T","Segment":0,"TotalSegments":2,"FilterExpression":"attribute_exists(g)"}"#),
    ("Scan", r#"{"TableName":"T","IndexName":"G"}"#),
    ("Scan", r#"{"TableName":"T","Limit":0}"#),
    ("DeleteItem", r#"{"TableName":"T","Key":{"pk":{"S":"new"},"sk":{"N":"9"}},"ReturnValues":"ALL_OLD"}"#),
    ("DeleteItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"2"}},"ConditionExpression":"attribute_not_exists(pk)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}"#),
];

/// Requests the fast route declines: the general route answers them (mostly with errors).
const GENERAL: &[(&str, &str)] = &[
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"3"},"ss":{"SS":["x","y"]},"ns":{"NS":["1","2"]},"bs":{"BS":["AQ=="]}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"4"},"s":{"S":"quote \" and \\ and \u00e9"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"ss":{"SS":["x","x"]}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"v":{"S":"x","N":null}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"v":{"S":"x","N":"1"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"v":{}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"v":null}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"1e999"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"abc"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":1}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"b":{"B":"not base64!"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"z":{"NULL":false}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"5"},"x":{"Q":"1"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":{"pk":{"S":"a"},"sk":{"N":"7"}},"Item":{"pk":{"S":"a"},"sk":{"N":"8"}}}"#),
    ("PutItem", r#"{"TableName":"T","Item":[]}"#),
    ("PutItem", r#"{"TableName":"T","Item":"x"}"#),
    ("PutItem", r#"{"TableName":"T","Item":null}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}} trailing"#),
    ("GetItem", r#"[1,2]"#),
    ("GetItem", r#""#),
    ("GetItem", r#"   "#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"Bad":01}"#),
    ("GetItem", r#"{"TableName":"T\u0041","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#),
    ("GetItem", r#"{"TableName":"T","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConsistentRead":tru}"#),
];

#[test]
fn both_doors_answer_every_corpus_request_alike() {
    let mut t = Twin::new();
    let mut answered = 0;
    for (op, body) in FAST.iter().chain(GENERAL) {
        t.both(op, body);
        answered += 1;
    }
    t.same_state();
    assert_eq!(answered, FAST.len() + GENERAL.len());
}

#[test]
fn the_fast_route_takes_the_common_requests_and_declines_the_rest() {
    for (op, body) in FAST {
        assert!(gureum_engine::services::prepare_json("dynamodb", op, body.as_bytes()).is_some(), "the fast route declined {op} {body}");
    }
    for (op, body) in GENERAL {
        assert!(gureum_engine::services::prepare_json("dynamodb", op, body.as_bytes()).is_none(), "the fast route took {op} {body}");
    }
    assert!(gureum_engine::services::prepare_json("dynamodb", "BatchGetItem", b"{}").is_none());
    assert!(gureum_engine::services::prepare_json("sqs", "GetItem", b"{}").is_none());
}

#[test]
fn deep_nesting_takes_the_general_route_without_harm() {
    let mut t = Twin::new();
    for depth in [30, 31, 32, 33, 34, 200] {
        let mut v = r#"{"S":"leaf"}"#.to_string();
        for _ in 0..depth {
            v = format!(r#"{{"L":[{v}]}}"#);
        }
        t.both("PutItem", &format!(r#"{{"TableName":"T","Item":{{"pk":{{"S":"deep"}},"sk":{{"N":"{depth}"}},"v":{v}}}}}"#));
    }
    let mut v = "1".to_string();
    for _ in 0..100 {
        v = format!("[{v}]");
    }
    t.both("GetItem", &format!(r#"{{"TableName":"T","Key":{{"pk":{{"S":"deep"}},"sk":{{"N":"30"}}}},"X":{v}}}"#));
    t.same_state();
}

// ---------------------------------------------------------------------------------------------
// Random items and requests.

fn attribute(depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        "[a-z☁ ]{0,6}".prop_map(|s| json!({"S": s})),
        (-1_000_000i64..1_000_000, 0u32..4).prop_map(|(n, scale)| json!({"N": if scale == 0 { n.to_string() } else { format!("{}e-{scale}", n) }})),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(|b| json!({"B": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)})),
        any::<bool>().prop_map(|b| json!({"BOOL": b})),
        Just(json!({"NULL": true})),
        proptest::collection::btree_set("[a-c]{1,2}", 1..4).prop_map(|s| json!({"SS": s})),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => proptest::collection::vec(attribute(depth - 1), 0..3).prop_map(|l| json!({"L": l})),
        1 => proptest::collection::btree_map("[a-d]{1,3}", attribute(depth - 1), 0..3).prop_map(|m| json!({"M": m})),
    ]
    .boxed()
}

fn item() -> impl Strategy<Value = Value> {
    ("[a-c]{1,2}", 0u32..5, proptest::collection::btree_map("[a-f]{1,3}", attribute(2), 0..5)).prop_map(|(pk, sk, attrs)| {
        let mut m = serde_json::Map::new();
        m.insert("pk".into(), json!({"S": pk}));
        m.insert("sk".into(), json!({"N": sk.to_string()}));
        for (k, v) in attrs {
            if k != "pk" && k != "sk" {
                m.insert(k, v);
            }
        }
        Value::Object(m)
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_writes_and_reads_agree(items in proptest::collection::vec(item(), 1..12), limit in 1usize..5, pk in "[a-c]{1,2}") {
        let mut t = Twin::new();
        for it in &items {
            t.both("PutItem", &json!({"TableName": "T", "Item": it, "ReturnValues": "ALL_OLD"}).to_string());
        }
        for it in &items {
            let key = json!({"pk": it["pk"], "sk": it["sk"]});
            t.both("GetItem", &json!({"TableName": "T", "Key": key}).to_string());
            t.both("GetItem", &json!({"TableName": "T", "Key": key, "ProjectionExpression": "a, b.c, sk"}).to_string());
        }
        t.both("Query", &json!({"TableName": "T", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": pk}}, "Limit": limit}).to_string());
        t.both("Scan", &json!({"TableName": "T", "Limit": limit, "FilterExpression": "attribute_exists(a)"}).to_string());
        if let Some(first) = items.first() {
            t.both("DeleteItem", &json!({"TableName": "T", "Key": {"pk": first["pk"], "sk": first["sk"]}, "ReturnValues": "ALL_OLD"}).to_string());
        }
        t.same_state();
    }
}
