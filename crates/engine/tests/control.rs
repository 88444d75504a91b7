//! The control API: virtual clock, timers firing on jumps, reset, export and import.

use gureum_engine::{Engine, EngineConfig, Request};
use serde_json::{json, Value};

fn ddb(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, gureum_engine::AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

fn create(e: &mut Engine, t: i64, name: &str) {
    ddb(
        e,
        t,
        "CreateTable",
        json!({"TableName": name, "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    )
    .unwrap();
}

#[test]
fn paused_clock_holds_table_in_creating_until_time_moves() {
    let mut e = Engine::new(EngineConfig { start_virtual_ms: 1_000_000, ..Default::default() }, 0);
    let paused = e.control(0, "PauseClock", &json!({})).unwrap();
    assert_eq!(paused["paused"], true);
    create(&mut e, 0, "tbl1");
    assert_eq!(e.next_timer_host_ms(), None, "no host deadline while paused");
    let d = ddb(&mut e, 3_600_000, "DescribeTable", json!({"TableName": "tbl1"})).unwrap();
    assert_eq!(d["Table"]["TableStatus"], "CREATING", "an hour of wall time passes, no virtual time");
    let c = e.control(3_600_000, "AdvanceClock", &json!({"seconds": 86400})).unwrap();
    assert_eq!(c["now"], 1_000_000 + 86_400_000);
    assert_eq!(c["iso"], "1970-01-02T00:16:40.000Z");
    let d = ddb(&mut e, 3_600_000, "DescribeTable", json!({"TableName": "tbl1"})).unwrap();
    assert_eq!(d["Table"]["TableStatus"], "ACTIVE");
    // The table became ACTIVE at its own due time during the jump, before later timers.
    assert_eq!(d["Table"]["CreationDateTime"], json!(1000.0));
}

#[test]
fn clock_rate_and_validation() {
    let mut e = Engine::new(EngineConfig { start_virtual_ms: 0, ..Default::default() }, 0);
    e.control(0, "SetClockRate", &json!({"rate": 60})).unwrap();
    assert_eq!(e.control(1000, "GetClock", &json!({})).unwrap()["now"], 60_000);
    for (op, input) in [("SetClockRate", json!({"rate": 0})), ("SetClockRate", json!({"rate": "fast"})), ("AdvanceClock", json!({"seconds": -5})), ("AdvanceClock", json!({}))] {
        let err = e.control(1000, op, &input).unwrap_err();
        assert_eq!(err.kind, "ValidationException", "{op} {input}");
    }
    assert_eq!(e.control(0, "Explode", &json!({})).unwrap_err().kind, "UnknownOperationException");
}

#[test]
fn export_import_round_trip_and_reset() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    create(&mut e, 0, "Sessions");
    e.tick(5_000);
    ddb(&mut e, 5_000, "PutItem", json!({"TableName": "Sessions", "Item": {"id": {"S": "s1"}, "exp": {"N": "1700000000"}, "b": {"B": "AAEC"}}})).unwrap();
    let doc = e.control(5_000, "ExportSandbox", &json!({})).unwrap();
    assert_eq!(doc["format"], "gureum-sandbox");
    // Items are readable DynamoDB JSON inside the export.
    let text = serde_json::to_string(&doc).unwrap();
    assert!(text.contains(r#""exp":{"N":"1700000000"}"#), "{text}");

    let mut other = Engine::new(EngineConfig::default(), 0);
    other.control(0, "ImportSandbox", &json!({"sandbox": doc})).unwrap();
    assert_eq!(other.snapshot(), e.snapshot());
    let got = ddb(&mut other, 6_000, "GetItem", json!({"TableName": "Sessions", "Key": {"id": {"S": "s1"}}})).unwrap();
    assert_eq!(got["Item"]["b"], json!({"B": "AAEC"}));

    // A bad document changes nothing.
    let before = other.snapshot();
    assert!(other.control(0, "ImportSandbox", &json!({"sandbox": {"format": "nope"}})).is_err());
    let mut broken = doc_with_bad_item(&e);
    assert!(other.control(0, "ImportSandbox", &json!({"sandbox": broken.take()})).is_err());
    assert_eq!(other.snapshot(), before);

    other.control(7_000, "Reset", &json!({})).unwrap();
    assert_eq!(ddb(&mut other, 7_000, "ListTables", json!({})).unwrap(), json!({"TableNames": []}));
}

fn doc_with_bad_item(e: &Engine) -> Value {
    let mut doc = {
        let mut e2 = Engine::restore(EngineConfig::default(), 0, e.snapshot()).unwrap();
        e2.control(0, "ExportSandbox", &json!({})).unwrap()
    };
    let records = doc["records"].as_object_mut().unwrap();
    let key = records.keys().find(|k| k.contains("/item/")).unwrap().clone();
    records.insert(key, json!({"Item": {"id": {"Q": "?"}}}));
    doc
}

#[test]
fn unknown_region_and_service_are_errors() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let err = e.call(0, &Request::new("dynamodb", "ListTables", "mars-north-1", json!({}))).unwrap_err();
    assert_eq!(err.kind, "UnrecognizedClientException");
    // Every service in the catalog is simulated now (cognito-identity was the last): a service
    // outside it is unknown.
    let err = e.call(0, &Request::new("sns", "ListTopics", "us-east-1", json!({}))).unwrap_err();
    assert_eq!(err.message, "Unknown service 'sns'.");
}
