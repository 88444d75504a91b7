//! The scenarios whose functions run code, with the real JavaScript runtime: the welcome email
//! from the Users stream, and CRUD through API Gateway and Lambda. (The engine's own tests in
//! `crates/engine/src/scenarios/tests.rs` check every scenario's resources and wiring.)

mod common;

use common::{Sandbox, HOST_NOW};
use serde_json::{json, Value};

fn load(s: &mut Sandbox, id: &str) -> Value {
    s.engine.control(HOST_NOW, "LoadScenario", &json!({ "Id": id })).unwrap_or_else(|e| panic!("scenario {id}: {e}"))
}

#[test]
fn scenario_welcome_email_a_new_user_gets_an_email_in_the_inbox() {
    let mut s = Sandbox::new();
    load(&mut s, "welcome-email");
    // Loading twice must not add a second trigger (a second email).
    load(&mut s, "welcome-email");
    s.ok("dynamodb", "PutItem", json!({ "TableName": "Users", "Item": { "id": { "S": "u9" }, "name": { "S": "Lin" }, "email": { "S": "lin@example.com" } } }));
    s.advance(3.0);
    let inbox = s.engine.control(HOST_NOW, "ses:ListInboxMessages", &json!({ "Mailbox": "lin@example.com" })).expect("inbox");
    let mails = inbox["Messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(mails.len(), 1, "{inbox}");
    assert_eq!(mails[0]["Subject"], "Welcome, Lin!");
    assert_eq!(mails[0]["Source"], "SendEmail from the Lambda function welcome-email");
}

#[test]
fn scenario_crud_api_lists_puts_and_gets_items_through_the_function() {
    let mut s = Sandbox::new();
    let out = load(&mut s, "crud-api");
    let api = out["Details"]["ApiId"].as_str().expect("api id").to_string();
    let invoke = |s: &mut Sandbox, method: &str, path: &str, body: Option<&str>| -> (u64, Value) {
        let mut input = json!({ "restApiId": api, "stage": "dev", "httpMethod": method, "path": path, "headers": { "Content-Type": "application/json" } });
        if let Some(b) = body {
            input["body"] = json!(b);
        }
        let r = s.ok("execute-api", "Invoke", input);
        (r["statusCode"].as_u64().unwrap_or(0), serde_json::from_str(r["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null))
    };
    let (status, items) = invoke(&mut s, "GET", "/items", None);
    assert_eq!(status, 200, "{items}");
    assert_eq!(items.as_array().map(Vec::len), Some(3), "{items}");
    let (status, put) = invoke(&mut s, "PUT", "/items/42", Some("{\"title\": \"Try the scenario gallery\"}"));
    assert_eq!((status, put["id"].clone()), (200, json!("42")), "{put}");
    let (status, got) = invoke(&mut s, "GET", "/items/42", None);
    assert_eq!((status, got["title"].clone()), (200, json!("Try the scenario gallery")));
    let (status, _) = invoke(&mut s, "DELETE", "/items/42", None);
    assert_eq!(status, 200);
    assert_eq!(invoke(&mut s, "GET", "/items/42", None).0, 404);
}
