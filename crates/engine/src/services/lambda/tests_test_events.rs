//! Lambda's control-plane parts that need no code runtime: the sandbox's saved test events.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};

use crate::{
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

fn lambda(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(0, &Request::new("lambda", op, "us-east-1", input))
}

fn control(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.control(0, op, &input)
}

fn create(e: &mut Engine, name: &str) {
    let files: BTreeMap<String, Vec<u8>> = [("index.mjs".to_string(), b"export const handler = async () => 1;".to_vec())].into();
    let zip = B64.encode(super::code::zip(&files));
    lambda(
        e,
        "CreateFunction",
        json!({"FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": {"ZipFile": zip}}),
    )
    .unwrap();
}

fn names(e: &mut Engine, function: &str) -> Vec<String> {
    let v = control(e, "lambda:ListTestEvents", json!({"FunctionName": function})).unwrap();
    v["TestEvents"].as_array().unwrap().iter().map(|t| t["Name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn test_events_are_saved_listed_replaced_and_deleted() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    create(&mut e, "hello");
    assert!(names(&mut e, "hello").is_empty());
    let put = control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "hello", "Name": "b-event", "Event": {"name": "x"}})).unwrap();
    assert_eq!(put, json!({"FunctionName": "hello", "Name": "b-event"}));
    control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "hello", "Name": "a.event_1", "Event": [1, 2]})).unwrap();
    // Saving under the same name replaces the event.
    control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "hello", "Name": "b-event", "Event": {"name": "y"}})).unwrap();
    let v = control(&mut e, "lambda:ListTestEvents", json!({"FunctionName": "hello"})).unwrap();
    assert_eq!(v["TestEvents"], json!([{"Name": "a.event_1", "Event": [1, 2]}, {"Name": "b-event", "Event": {"name": "y"}}]));
    control(&mut e, "lambda:DeleteTestEvent", json!({"FunctionName": "hello", "Name": "a.event_1"})).unwrap();
    assert_eq!(names(&mut e, "hello"), vec!["b-event"]);
    let missing = control(&mut e, "lambda:DeleteTestEvent", json!({"FunctionName": "hello", "Name": "a.event_1"})).unwrap_err();
    assert_eq!(missing.kind, "ResourceNotFoundException");
    // The function's ARN names it too, and the region comes from the input.
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:hello";
    assert_eq!(names(&mut e, arn), vec!["b-event"]);
    let other_region = control(&mut e, "lambda:ListTestEvents", json!({"region": "eu-west-1", "FunctionName": "hello"})).unwrap_err();
    assert_eq!(other_region.kind, "ResourceNotFoundException");
}

#[test]
fn test_events_are_validated_before_anything_changes() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    create(&mut e, "hello");
    e.take_changes();
    for (input, kind) in [
        (json!({"FunctionName": "nope", "Name": "a", "Event": {}}), "ResourceNotFoundException"),
        (json!({"FunctionName": "hello", "Event": {}}), "InvalidParameterValueException"),
        (json!({"FunctionName": "hello", "Name": "has space", "Event": {}}), "InvalidParameterValueException"),
        (json!({"FunctionName": "hello", "Name": "a/b", "Event": {}}), "InvalidParameterValueException"),
        (json!({"FunctionName": "hello", "Name": "x".repeat(26), "Event": {}}), "InvalidParameterValueException"),
        (json!({"FunctionName": "hello", "Name": "a"}), "InvalidParameterValueException"),
        (json!({"FunctionName": "hello", "Name": "big", "Event": "x".repeat(300 * 1024)}), "InvalidParameterValueException"),
        (json!({"Name": "a", "Event": {}}), "ValidationException"),
    ] {
        let err = control(&mut e, "lambda:PutTestEvent", input.clone()).unwrap_err();
        assert_eq!(err.kind, kind, "{input}");
    }
    assert!(!e.has_changes(), "refused requests change nothing");
    for i in 0..super::manage::MAX_TEST_EVENTS {
        control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "hello", "Name": format!("e{i}"), "Event": i})).unwrap();
    }
    let full = control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "hello", "Name": "one-more", "Event": {}})).unwrap_err();
    assert_eq!(full.kind, "TooManyTestEventsException");
    // Replacing one of the ten is still fine.
    control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "hello", "Name": "e0", "Event": "again"})).unwrap();
}

#[test]
fn test_events_persist_and_go_with_their_function() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut img = Image::default();
    let commit = |e: &mut Engine, img: &mut Image| {
        let changes = e.take_changes();
        if !changes.is_empty() {
            img.apply_segment(&encode_batch(&changes)).unwrap();
        }
    };
    create(&mut e, "keep");
    create(&mut e, "keep2");
    control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "keep", "Name": "one", "Event": {"a": 1}})).unwrap();
    control(&mut e, "lambda:PutTestEvent", json!({"FunctionName": "keep2", "Name": "two", "Event": null})).unwrap();
    commit(&mut e, &mut img);
    assert!(e.snapshot().iter().any(|r| r.key == "lambda/us-east-1/testevent/keep/one"));
    // Replay equals snapshot; a restored sandbox lists the same events.
    let replayed = img.clone().into_records();
    assert_eq!(replayed, e.snapshot());
    let mut restored = Engine::restore(EngineConfig::default(), 0, replayed).unwrap();
    assert_eq!(names(&mut restored, "keep"), vec!["one"]);
    let v = control(&mut restored, "lambda:ListTestEvents", json!({"FunctionName": "keep2"})).unwrap();
    assert_eq!(v["TestEvents"], json!([{"Name": "two", "Event": null}]));
    // Deleting a function deletes its events (and only its events), in the journal too.
    lambda(&mut e, "DeleteFunction", json!({"FunctionName": "keep"})).unwrap();
    commit(&mut e, &mut img);
    let keys: Vec<String> = img.clone().into_records().into_iter().map(|r| r.key).filter(|k| k.contains("/testevent/")).collect();
    assert_eq!(keys, vec!["lambda/us-east-1/testevent/keep2/two"]);
    assert_eq!(img.into_records(), e.snapshot());
    create(&mut e, "keep");
    assert!(names(&mut e, "keep").is_empty(), "a new function of the same name starts without events");
    // Export and import carry them.
    let doc = e.control(0, "ExportSandbox", &json!({})).unwrap();
    let mut other = Engine::new(EngineConfig::default(), 0);
    other.control(0, "ImportSandbox", &json!({"sandbox": doc})).unwrap();
    assert_eq!(names(&mut other, "keep2"), vec!["two"]);
}
