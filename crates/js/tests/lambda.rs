//! Lambda end to end on the JavaScript runtime: handlers in every Node.js style, context, logs,
//! cold and warm starts, errors, timeouts, the built-in AWS SDK, nested and asynchronous
//! invocations.

mod common;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use common::{Sandbox, HOST_NOW};
use serde_json::{json, Value};

#[global_allocator]
static ALLOC: gureum_js::alloc::Counting<std::alloc::System> = gureum_js::alloc::Counting(std::alloc::System);

#[test]
fn esm_async_handler_gets_the_event_and_context() {
    let mut s = Sandbox::new();
    s.deploy(
        "hello",
        "index.handler",
        &[(
            "index.mjs",
            "export const handler = async (event, context) => ({ statusCode: 200, body: `hi ${event.name}`, fn: context.functionName, id: context.awsRequestId, left: context.getRemainingTimeInMillis() > 0, mem: context.memoryLimitInMB, region: process.env.AWS_REGION });",
        )],
        json!({}),
    );
    let (out, payload, logs) = s.invoke("hello", json!({ "name": "구름" }));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    assert!(out.get("FunctionError").is_none(), "{payload}");
    assert_eq!(payload["body"], "hi 구름");
    assert_eq!(payload["fn"], "hello");
    assert_eq!(payload["left"], true);
    assert_eq!(payload["mem"], "128");
    assert_eq!(payload["region"], "us-east-1");
    let id = payload["id"].as_str().unwrap_or_default();
    assert!(logs.contains(&format!("START RequestId: {id} Version: $LATEST")), "{logs}");
    assert!(logs.contains(&format!("END RequestId: {id}")), "{logs}");
    assert!(logs.contains("Init Duration:"), "a cold start reports its init: {logs}");
    assert!(logs.contains("Billed Duration:") && logs.contains("Memory Size: 128 MB"), "{logs}");
}

#[test]
fn commonjs_callback_and_sync_styles() {
    let mut s = Sandbox::new();
    s.deploy(
        "cjs",
        "app.main",
        &[
            ("app.js", "const util = require('./lib/util');\nexports.main = (event, context, callback) => { setTimeout(() => callback(null, util.double(event.n)), 50); };"),
            ("lib/util.js", "module.exports = { double: (n) => n * 2 };"),
        ],
        json!({}),
    );
    let (_, payload, _) = s.invoke("cjs", json!({ "n": 21 }));
    assert_eq!(payload, json!(42));
}

#[test]
fn module_scope_survives_warm_invocations_and_logs_go_to_cloudwatch() {
    let mut s = Sandbox::new();
    s.deploy(
        "counter",
        "index.handler",
        &[(
            "index.js",
            "let count = 0;\nconsole.log('init ran');\nexports.handler = async () => { count += 1; console.log('count is', count, { nested: { deep: [1, 2] } }); return count; };",
        )],
        json!({}),
    );
    let (_, first, logs1) = s.invoke("counter", json!({}));
    let (_, second, logs2) = s.invoke("counter", json!({}));
    assert_eq!((first, second), (json!(1), json!(2)), "warm invocations share module scope");
    assert!(logs1.contains("Init Duration"));
    assert!(!logs2.contains("Init Duration"), "warm start: {logs2}");
    assert!(logs2.contains("\tINFO\tcount is 2 { nested: { deep: [ 1, 2 ] } }"), "{logs2}");
    // The lines are in CloudWatch Logs, in the function's log group, one stream per environment.
    let streams = s.ok("logs", "DescribeLogStreams", json!({ "logGroupName": "/aws/lambda/counter" }));
    let streams = streams["logStreams"].as_array().cloned().unwrap_or_default();
    assert_eq!(streams.len(), 1, "{streams:?}");
    let name = streams[0]["logStreamName"].as_str().unwrap_or_default().to_string();
    assert!(name.contains("/[$LATEST]"), "{name}");
    let events = s.ok("logs", "GetLogEvents", json!({ "logGroupName": "/aws/lambda/counter", "logStreamName": name, "startFromHead": true }));
    let messages: Vec<String> = events["events"].as_array().unwrap_or(&vec![]).iter().map(|e| e["message"].as_str().unwrap_or("").to_string()).collect();
    assert!(messages[0].contains("\tundefined\tINFO\tinit ran"), "init logs come first: {messages:?}");
    assert!(messages.iter().filter(|m| m.starts_with("REPORT RequestId")).count() == 2, "{messages:?}");
    // After ten idle minutes the environment is reclaimed: the next start is cold again.
    s.advance(11.0 * 60.0);
    let (_, third, logs3) = s.invoke("counter", json!({}));
    assert_eq!(third, json!(1));
    assert!(logs3.contains("Init Duration"));
}

#[test]
fn thrown_errors_come_back_as_unhandled_with_a_stack() {
    let mut s = Sandbox::new();
    s.deploy(
        "boom",
        "index.handler",
        &[(
            "index.mjs",
            "class NotReady extends Error { constructor(m) { super(m); this.name = 'NotReady'; } }\nexport const handler = async () => {\n  throw new NotReady('not yet');\n};",
        )],
        json!({}),
    );
    let (out, payload, logs) = s.invoke("boom", json!({}));
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(payload["errorType"], "NotReady");
    assert_eq!(payload["errorMessage"], "not yet");
    let trace = payload["trace"].as_array().cloned().unwrap_or_default();
    assert_eq!(trace[0], "NotReady: not yet");
    assert!(trace.iter().any(|l| l.as_str().unwrap_or("").contains("/var/task/index.mjs:3")), "the trace names the line: {trace:?}");
    assert!(logs.contains("\tERROR\tInvoke Error \t{\"errorType\":\"NotReady\""), "{logs}");
}

#[test]
fn init_errors_name_the_problem() {
    let mut s = Sandbox::new();
    s.deploy("nofile", "main.handler", &[("index.js", "exports.handler = async () => 1;")], json!({}));
    let (out, payload, _) = s.invoke("nofile", json!({}));
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(payload["errorType"], "Runtime.ImportModuleError");
    assert!(payload["errorMessage"].as_str().unwrap_or("").starts_with("Error: Cannot find module 'main'"), "{payload}");

    s.deploy("noexport", "index.handler", &[("index.js", "exports.other = async () => 1;")], json!({}));
    let (_, payload, _) = s.invoke("noexport", json!({}));
    assert_eq!(payload["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(payload["errorMessage"], "index.handler is undefined or not exported");

    s.deploy("syntax", "index.handler", &[("index.mjs", "export const handler = async () => {\n  return (1 +;\n};")], json!({}));
    let (_, payload, _) = s.invoke("syntax", json!({}));
    assert_eq!(payload["errorType"], "Runtime.UserCodeSyntaxError");
    assert!(payload["errorMessage"].as_str().unwrap_or("").contains("SyntaxError"), "{payload}");
}

#[test]
fn the_timeout_is_enforced_for_waits_and_for_runaway_loops() {
    let mut s = Sandbox::new();
    s.deploy("slow", "index.handler", &[("index.mjs", "export const handler = () => new Promise((r) => setTimeout(() => r('late'), 5000));")], json!({ "Timeout": 3 }));
    let (out, payload, logs) = s.invoke("slow", json!({}));
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(payload["errorType"], "Sandbox.Timedout");
    assert!(payload["errorMessage"].as_str().unwrap_or("").ends_with("Error: Task timed out after 3.00 seconds"), "{payload}");
    assert!(logs.contains("Task timed out after 3.00 seconds"), "{logs}");

    s.deploy("spin", "index.handler", &[("index.js", "exports.handler = async () => { let i = 0; while (true) { i++; } };")], json!({ "Timeout": 2 }));
    let (_, payload, _) = s.invoke("spin", json!({}));
    assert_eq!(payload["errorType"], "Sandbox.Timedout", "a runaway loop is stopped: {payload}");
    // The environment was reset: the next invocation is cold.
    let (_, _, logs) = s.invoke("spin", json!({}));
    assert!(logs.contains("Init Duration"));
}

#[test]
fn the_built_in_sdk_calls_the_sandbox() {
    let mut s = Sandbox::new();
    s.ok(
        "dynamodb",
        "CreateTable",
        json!({ "TableName": "Users", "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }], "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }], "BillingMode": "PAY_PER_REQUEST" }),
    );
    s.advance(2.0);
    s.deploy(
        "users",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => {
  await doc.send(new PutCommand({ TableName: 'Users', Item: { id: event.id, name: event.name, tags: new Set(['a', 'b']) } }));
  let conflict = null;
  try {
    await doc.send(new PutCommand({ TableName: 'Users', Item: { id: event.id }, ConditionExpression: 'attribute_not_exists(id)' }));
  } catch (e) {
    conflict = { name: e.name, isClass: e instanceof ConditionalCheckFailedException, status: e.$metadata.httpStatusCode };
  }
  const { Item } = await doc.send(new GetCommand({ TableName: 'Users', Key: { id: event.id } }));
  return { item: { ...Item, tags: [...Item.tags].sort() }, conflict };
};"#,
        )],
        json!({}),
    );
    let (out, payload, _) = s.invoke("users", json!({ "id": "u1", "name": "Ada" }));
    assert!(out.get("FunctionError").is_none(), "{payload}");
    assert_eq!(payload["item"], json!({ "id": "u1", "name": "Ada", "tags": ["a", "b"] }));
    assert_eq!(payload["conflict"], json!({ "name": "ConditionalCheckFailedException", "isClass": true, "status": 400 }));
    let stored = s.ok("dynamodb", "GetItem", json!({ "TableName": "Users", "Key": { "id": { "S": "u1" } } }));
    assert_eq!(stored["Item"]["name"], json!({ "S": "Ada" }));
}

#[test]
fn a_function_can_invoke_another_and_reserved_concurrency_throttles() {
    let mut s = Sandbox::new();
    s.deploy("inner", "index.handler", &[("index.mjs", "export const handler = async (e) => ({ doubled: e.n * 2 });")], json!({}));
    s.deploy(
        "outer",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
const lambda = new LambdaClient({});
export const handler = async (e) => {
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'inner', Payload: JSON.stringify({ n: e.n }) }));
  return JSON.parse(new TextDecoder().decode(out.Payload));
};"#,
        )],
        json!({}),
    );
    let (_, payload, _) = s.invoke("outer", json!({ "n": 5 }));
    assert_eq!(payload, json!({ "doubled": 10 }));

    s.ok("lambda", "PutFunctionConcurrency", json!({ "FunctionName": "inner", "ReservedConcurrentExecutions": 0 }));
    let err = s.call("lambda", "Invoke", json!({ "FunctionName": "inner", "Payload": B64.encode("{}") })).expect_err("throttled");
    assert_eq!(err.kind, "TooManyRequestsException");
    assert_eq!(err.status, 429);
    assert_eq!(err.extra.as_ref().and_then(|x| x.get("Reason")).cloned(), Some(json!("ReservedFunctionConcurrentInvocationLimitExceeded")));
}

#[test]
fn async_invocations_retry_and_reach_their_destination() {
    let mut s = Sandbox::new();
    s.deploy(
        "sink",
        "index.handler",
        &[("index.mjs", "let got = [];\nexport const handler = async (e) => { got.push(e); console.log('SINK', JSON.stringify(e)); return got.length; };")],
        json!({}),
    );
    s.deploy("flaky", "index.handler", &[("index.mjs", "export const handler = async (e) => { throw new Error('always fails'); };")], json!({}));
    s.ok(
        "lambda",
        "PutFunctionEventInvokeConfig",
        json!({ "FunctionName": "flaky", "MaximumRetryAttempts": 1, "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:lambda:us-east-1:123456789012:function:sink" } } }),
    );
    let out = s.ok("lambda", "Invoke", json!({ "FunctionName": "flaky", "InvocationType": "Event", "Payload": B64.encode("{\"order\":7}") }));
    assert_eq!(out["StatusCode"], 202);
    // First attempt now, the retry a minute later; then the failure record goes to the sink.
    s.advance(61.0);
    s.advance(1.0);
    let events = s.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws/lambda/sink", "filterPattern": "SINK" }));
    let events = events["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1, "{events:?}");
    let line = events[0]["message"].as_str().unwrap_or_default();
    let record: Value = serde_json::from_str(line.split("SINK ").nth(1).unwrap_or("null").trim()).unwrap_or(Value::Null);
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(record["requestPayload"], json!({ "order": 7 }));
    assert_eq!(record["responsePayload"]["errorMessage"], "always fails");
    let flaky_reports = s.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws/lambda/flaky", "filterPattern": "REPORT" }));
    assert_eq!(flaky_reports["events"].as_array().map(Vec::len), Some(2), "two attempts");
}

#[test]
fn an_sqs_queue_triggers_a_function_with_filters_and_partial_failures() {
    let mut s = Sandbox::new();
    let url = s.ok("sqs", "CreateQueue", json!({ "QueueName": "signups", "Attributes": { "VisibilityTimeout": "30" } }))["QueueUrl"].as_str().unwrap_or_default().to_string();
    s.deploy(
        "mailer",
        "index.handler",
        &[(
            "index.mjs",
            r#"export const handler = async (event) => {
  const failures = [];
  for (const r of event.Records) {
    const body = JSON.parse(r.body);
    console.log('MAIL', body.email, r.eventSource, r.attributes.ApproximateReceiveCount);
    if (body.email.startsWith('bad')) failures.push({ itemIdentifier: r.messageId });
  }
  return { batchItemFailures: failures };
};"#,
        )],
        json!({ "Timeout": 10 }),
    );
    // The queue's visibility timeout must cover the function's timeout.
    s.ok("lambda", "UpdateFunctionConfiguration", json!({ "FunctionName": "mailer", "Timeout": 60 }));
    s.advance(2.0);
    let err = s
        .call("lambda", "CreateEventSourceMapping", json!({ "FunctionName": "mailer", "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:signups" }))
        .expect_err("visibility < timeout");
    assert_eq!(err.message, "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds");
    s.ok("lambda", "UpdateFunctionConfiguration", json!({ "FunctionName": "mailer", "Timeout": 10 }));
    s.advance(2.0);
    let err = s.call("lambda", "CreateEventSourceMapping", json!({ "FunctionName": "mailer", "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:nope" })).expect_err("no queue");
    assert_eq!(err.kind, "InvalidParameterValueException");
    assert!(err.message.contains("AWS.SimpleQueueService.NonExistentQueue"), "{}", err.message);

    let m = s.ok(
        "lambda",
        "CreateEventSourceMapping",
        json!({
            "FunctionName": "mailer",
            "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:signups",
            "BatchSize": 5,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "FilterCriteria": { "Filters": [{ "Pattern": "{\"body\": {\"type\": [\"signup\"]}}" }] },
        }),
    );
    assert_eq!(m["State"], "Creating");
    let uuid = m["UUID"].as_str().unwrap_or_default().to_string();
    for (kind, email) in [("signup", "ada@example.com"), ("signup", "bad@example.com"), ("newsletter", "x@example.com")] {
        s.ok("sqs", "SendMessage", json!({ "QueueUrl": url, "MessageBody": json!({ "type": kind, "email": email }).to_string() }));
    }
    s.advance(2.0);
    let got = s.ok("lambda", "GetEventSourceMapping", json!({ "UUID": uuid }));
    assert_eq!(got["State"], "Enabled");
    assert_eq!(got["LastProcessingResult"], "OK");
    let mails = s.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws/lambda/mailer", "filterPattern": "MAIL" }));
    let lines: Vec<String> = mails["events"].as_array().unwrap_or(&vec![]).iter().map(|e| e["message"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(lines.len(), 2, "the newsletter message is filtered out: {lines:?}");
    assert!(lines.iter().any(|l| l.contains("MAIL ada@example.com aws:sqs 1")));
    // The handled message and the filtered one are deleted; the failed one is retried after
    // the visibility timeout.
    let attrs = s.ok("sqs", "GetQueueAttributes", json!({ "QueueUrl": url, "AttributeNames": ["All"] }));
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessages"], "0");
    assert_eq!(attrs["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1");
    s.advance(35.0);
    let mails = s.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws/lambda/mailer", "filterPattern": "bad@example.com" }));
    let retried: Vec<String> = mails["events"].as_array().unwrap_or(&vec![]).iter().map(|e| e["message"].as_str().unwrap_or("").to_string()).collect();
    assert!(retried.iter().any(|l| l.contains("MAIL bad@example.com aws:sqs 2")), "{retried:?}");

    let listed = s.ok("lambda", "ListEventSourceMappings", json!({ "FunctionName": "mailer" }));
    assert_eq!(listed["EventSourceMappings"].as_array().map(Vec::len), Some(1));
    let disabled = s.ok("lambda", "UpdateEventSourceMapping", json!({ "UUID": uuid, "Enabled": false }));
    assert_eq!(disabled["State"], "Updating");
    s.advance(2.0);
    assert_eq!(s.ok("lambda", "GetEventSourceMapping", json!({ "UUID": uuid }))["State"], "Disabled");
    s.ok("lambda", "DeleteEventSourceMapping", json!({ "UUID": uuid }));
    let err = s.call("lambda", "GetEventSourceMapping", json!({ "UUID": uuid })).expect_err("deleted");
    assert_eq!(err.kind, "ResourceNotFoundException");
}

/// The seed's welcome-email flow: a user item → the table's stream → the function → SES v2 →
/// the simulated inbox. In the SES sandbox the recipient must be verified too; an unverified
/// one fails the function with MessageRejected.
#[test]
fn a_new_user_item_gets_a_welcome_email_through_sesv2() {
    let mut s = Sandbox::new();
    let table = s.ok(
        "dynamodb",
        "CreateTable",
        json!({
            "TableName": "Users",
            "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }],
            "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": { "StreamEnabled": true, "StreamViewType": "NEW_IMAGE" },
        }),
    );
    let stream_arn = table["TableDescription"]["LatestStreamArn"].as_str().unwrap_or_default().to_string();
    s.advance(2.0);
    let inbox = |s: &mut Sandbox, mailbox: &str| -> Vec<Value> {
        let out = s.engine.control(common::HOST_NOW, "ses:ListInboxMessages", &json!({ "Mailbox": mailbox })).expect("inbox");
        out["Messages"].as_array().cloned().unwrap_or_default()
    };
    for address in ["welcome@gureum.dev", "ada@example.com"] {
        s.ok("email", "CreateEmailIdentity", json!({ "EmailIdentity": address }));
        let mail = inbox(&mut s, address).into_iter().find(|m| m["Verifies"] == address).expect("verification email");
        s.engine.control(common::HOST_NOW, "ses:VerifyEmailIdentity", &json!({ "Id": mail["Id"] })).expect("verify");
    }
    s.deploy(
        "welcome",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { unmarshall } from '@aws-sdk/util-dynamodb';
const ses = new SESv2Client({});
export const handler = async (event) => {
  for (const r of event.Records) {
    if (r.eventName !== 'INSERT') continue;
    const user = unmarshall(r.dynamodb.NewImage);
    const out = await ses.send(new SendEmailCommand({
      FromEmailAddress: `Gureum <${process.env.SENDER}>`,
      Destination: { ToAddresses: [user.email] },
      Content: { Simple: {
        Subject: { Data: `Welcome, ${user.name}!` },
        Body: { Text: { Data: `Hi ${user.name}, thanks for signing up.` }, Html: { Data: `<h1>Hi ${user.name}</h1>` } },
      } },
    }));
    console.log('SENT', out.MessageId, user.email);
  }
};"#,
        )],
        json!({ "Environment": { "Variables": { "SENDER": "welcome@gureum.dev" } } }),
    );
    s.ok("lambda", "CreateEventSourceMapping", json!({ "FunctionName": "welcome", "EventSourceArn": stream_arn, "StartingPosition": "LATEST", "MaximumRetryAttempts": 0 }));
    s.advance(2.0);
    s.ok("dynamodb", "PutItem", json!({ "TableName": "Users", "Item": { "id": { "S": "u1" }, "name": { "S": "Ada" }, "email": { "S": "ada@example.com" } } }));
    s.advance(3.0);
    let mails = inbox(&mut s, "ada@example.com");
    let welcome = mails.iter().find(|m| m["Subject"] == "Welcome, Ada!").unwrap_or_else(|| panic!("no welcome email: {mails:?}"));
    assert_eq!(welcome["From"], "Gureum <welcome@gureum.dev>");
    assert_eq!(welcome["Source"], "SendEmail from the Lambda function welcome");
    let full = s.engine.control(common::HOST_NOW, "ses:GetInboxMessage", &json!({ "Id": welcome["Id"] })).expect("message");
    assert_eq!(full["Text"], "Hi Ada, thanks for signing up.");
    assert_eq!(full["Html"], "<h1>Hi Ada</h1>");
    let sent = s.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws/lambda/welcome", "filterPattern": "SENT" }));
    let line = sent["events"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(line.contains(welcome["MessageId"].as_str().unwrap_or("?")), "{line}");
    assert_eq!(s.ok("email", "GetAccount", json!({}))["SendQuota"]["SentLast24Hours"], 1.0);

    // An unverified recipient: SES rejects the message and the function fails.
    s.ok("dynamodb", "PutItem", json!({ "TableName": "Users", "Item": { "id": { "S": "u2" }, "name": { "S": "Grace" }, "email": { "S": "grace@example.org" } } }));
    s.advance(10.0);
    let failed = s.ok("logs", "FilterLogEvents", json!({ "logGroupName": "/aws/lambda/welcome" }));
    let text: Vec<String> = failed["events"].as_array().cloned().unwrap_or_default().iter().map(|e| e["message"].as_str().unwrap_or("").to_string()).collect();
    assert!(text.iter().any(|l| l.contains("The following identities failed the check in region US-EAST-1: grace@example.org")), "{text:?}");
    assert!(inbox(&mut s, "grace@example.org").is_empty());
}

#[test]
fn a_new_user_item_triggers_the_welcome_function_through_the_stream() {
    let mut s = Sandbox::new();
    let table = s.ok(
        "dynamodb",
        "CreateTable",
        json!({
            "TableName": "Users",
            "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }],
            "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": { "StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES" },
        }),
    );
    let stream_arn = table["TableDescription"]["LatestStreamArn"].as_str().unwrap_or_default().to_string();
    s.advance(2.0);
    let outbox = s.ok("sqs", "CreateQueue", json!({ "QueueName": "outbox" }))["QueueUrl"].as_str().unwrap_or_default().to_string();
    s.deploy(
        "welcome",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
const sqs = new SQSClient({});
export const handler = async (event) => {
  for (const r of event.Records) {
    if (r.eventName !== 'INSERT') continue;
    const user = unmarshall(r.dynamodb.NewImage);
    if (user.email.startsWith('poison')) throw new Error('cannot mail ' + user.email);
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUTBOX, MessageBody: JSON.stringify({ to: user.email, subject: `Welcome, ${user.name}!` }) }));
  }
};"#,
        )],
        json!({ "Environment": { "Variables": { "OUTBOX": outbox } } }),
    );
    let m = s.ok(
        "lambda",
        "CreateEventSourceMapping",
        json!({
            "FunctionName": "welcome",
            "EventSourceArn": stream_arn,
            "StartingPosition": "LATEST",
            "BatchSize": 10,
            "MaximumRetryAttempts": 1,
            "BisectBatchOnFunctionError": true,
            "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sqs:us-east-1:123456789012:outbox" } },
        }),
    );
    assert_eq!(m["StartingPosition"], "LATEST");
    let err = s
        .call(
            "lambda",
            "CreateEventSourceMapping",
            json!({ "FunctionName": "welcome", "EventSourceArn": stream_arn, "StartingPosition": "LATEST", "ScalingConfig": { "MaximumConcurrency": 5 } }),
        )
        .expect_err("ScalingConfig is for SQS");
    assert_eq!(err.kind, "InvalidParameterValueException");
    s.advance(2.0);
    for (id, name, email) in [("u1", "Ada", "ada@example.com"), ("u2", "Grace", "grace@example.com")] {
        s.ok("dynamodb", "PutItem", json!({ "TableName": "Users", "Item": { "id": { "S": id }, "name": { "S": name }, "email": { "S": email } } }));
    }
    // An update is a MODIFY: the function skips it.
    s.ok(
        "dynamodb",
        "UpdateItem",
        json!({ "TableName": "Users", "Key": { "id": { "S": "u1" } }, "UpdateExpression": "SET seen = :t", "ExpressionAttributeValues": { ":t": { "BOOL": true } } }),
    );
    s.advance(3.0);
    let got = s.ok("sqs", "ReceiveMessage", json!({ "QueueUrl": outbox, "MaxNumberOfMessages": 10 }));
    let mut mails: Vec<Value> =
        got["Messages"].as_array().cloned().unwrap_or_default().iter().map(|m| serde_json::from_str(m["Body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)).collect();
    mails.sort_by_key(|m| m["to"].as_str().unwrap_or("").to_string());
    assert_eq!(mails, vec![json!({ "to": "ada@example.com", "subject": "Welcome, Ada!" }), json!({ "to": "grace@example.com", "subject": "Welcome, Grace!" })]);
    for m in got["Messages"].as_array().cloned().unwrap_or_default() {
        s.ok("sqs", "DeleteMessage", json!({ "QueueUrl": outbox, "ReceiptHandle": m["ReceiptHandle"] }));
    }
    let mapping = s.ok("lambda", "GetEventSourceMapping", json!({ "UUID": m["UUID"] }));
    assert_eq!(mapping["LastProcessingResult"], "OK");

    // A record the function keeps failing on is retried, isolated by bisecting, then described
    // to the on-failure destination; the stream moves on.
    s.ok("dynamodb", "PutItem", json!({ "TableName": "Users", "Item": { "id": { "S": "u3" }, "name": { "S": "P" }, "email": { "S": "poison@example.com" } } }));
    s.ok("dynamodb", "PutItem", json!({ "TableName": "Users", "Item": { "id": { "S": "u4" }, "name": { "S": "Lin" }, "email": { "S": "lin@example.com" } } }));
    s.advance(10.0);
    let got = s.ok("sqs", "ReceiveMessage", json!({ "QueueUrl": outbox, "MaxNumberOfMessages": 10 }));
    let bodies: Vec<Value> =
        got["Messages"].as_array().cloned().unwrap_or_default().iter().map(|m| serde_json::from_str(m["Body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)).collect();
    let failure = bodies.iter().find(|b| b.get("DDBStreamBatchInfo").is_some()).cloned().unwrap_or(Value::Null);
    assert_eq!(failure["requestContext"]["condition"], "RetryAttemptsExhausted", "{bodies:?}");
    assert_eq!(failure["DDBStreamBatchInfo"]["batchSize"], 1, "bisected down to the poison record: {failure}");
    assert_eq!(failure["DDBStreamBatchInfo"]["streamArn"], stream_arn);
    assert!(bodies.iter().any(|b| b["to"] == "lin@example.com"), "the record after the poison one is delivered: {bodies:?}");
}

#[test]
fn a_kinesis_stream_triggers_the_function_with_filtered_batches_and_failures_go_to_the_queue() {
    let mut s = Sandbox::new();
    s.ok("kinesis", "CreateStream", json!({ "StreamName": "orders", "ShardCount": 2 }));
    s.advance(2.0);
    let stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
    let outbox = s.ok("sqs", "CreateQueue", json!({ "QueueName": "outbox" }))["QueueUrl"].as_str().unwrap_or_default().to_string();
    s.deploy(
        "shipper",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export const handler = async (event) => {
  for (const r of event.Records) {
    const order = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
    if (order.item === 'poison') throw new Error('cannot ship ' + order.id);
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUTBOX, MessageBody: JSON.stringify({
      id: order.id, eventID: r.eventID, eventName: r.eventName, eventSource: r.eventSource, eventVersion: r.eventVersion,
      schema: r.kinesis.kinesisSchemaVersion, pk: r.kinesis.partitionKey, seq: r.kinesis.sequenceNumber,
      arrival: typeof r.kinesis.approximateArrivalTimestamp, arn: r.eventSourceARN, region: r.awsRegion, identity: r.invokeIdentityArn,
    }) }));
  }
};"#,
        )],
        json!({ "Environment": { "Variables": { "OUTBOX": outbox } } }),
    );
    for bad in [json!({ "StartingPosition": "AT_TIMESTAMP" }), json!({ "StartingPosition": "LATEST", "ParallelizationFactor": 2 })] {
        let mut input = json!({ "FunctionName": "shipper", "EventSourceArn": stream_arn });
        for (k, v) in bad.as_object().cloned().unwrap_or_default() {
            input[k] = v;
        }
        let err = s.call("lambda", "CreateEventSourceMapping", input.clone()).expect_err("refused");
        assert_eq!(err.kind, "InvalidParameterValueException", "{input}");
    }
    let err = s
        .call(
            "lambda",
            "CreateEventSourceMapping",
            json!({ "FunctionName": "shipper", "EventSourceArn": "arn:aws:kinesis:us-east-1:123456789012:stream/nope", "StartingPosition": "LATEST" }),
        )
        .expect_err("no such stream");
    assert_eq!(err.kind, "InvalidParameterValueException");
    let put = |s: &mut Sandbox, key: &str, body: Value| {
        s.ok("kinesis", "PutRecord", json!({ "StreamName": "orders", "PartitionKey": key, "Data": B64.encode(body.to_string()) }));
    };
    // Written before the mapping: TRIM_HORIZON reads it.
    put(&mut s, "a", json!({ "type": "order", "id": 1, "item": "book" }));
    let m = s.ok(
        "lambda",
        "CreateEventSourceMapping",
        json!({
            "FunctionName": "shipper",
            "EventSourceArn": stream_arn,
            "StartingPosition": "TRIM_HORIZON",
            "BatchSize": 10,
            "MaximumRetryAttempts": 1,
            "BisectBatchOnFunctionError": true,
            "FilterCriteria": { "Filters": [{ "Pattern": r#"{"data": {"type": ["order"]}}"# }] },
            "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sqs:us-east-1:123456789012:outbox" } },
        }),
    );
    assert_eq!((m["StartingPosition"].clone(), m["BatchSize"].clone(), m["ParallelizationFactor"].clone()), (json!("TRIM_HORIZON"), json!(10), json!(1)));
    s.advance(2.0);
    put(&mut s, "b", json!({ "type": "order", "id": 2, "item": "lamp" }));
    put(&mut s, "c", json!({ "type": "ping", "id": 3 }));
    for i in 4..9 {
        put(&mut s, &format!("k{i}"), json!({ "type": "order", "id": i, "item": "pen" }));
    }
    s.advance(20.0);
    let mut got = Vec::new();
    loop {
        let out = s.ok("sqs", "ReceiveMessage", json!({ "QueueUrl": outbox, "MaxNumberOfMessages": 10 }));
        let msgs = out["Messages"].as_array().cloned().unwrap_or_default();
        if msgs.is_empty() {
            break;
        }
        for m in msgs {
            got.push(serde_json::from_str::<Value>(m["Body"].as_str().unwrap_or("null")).unwrap_or(Value::Null));
            s.ok("sqs", "DeleteMessage", json!({ "QueueUrl": outbox, "ReceiptHandle": m["ReceiptHandle"] }));
        }
    }
    let mut ids: Vec<i64> = got.iter().filter_map(|b| b["id"].as_i64()).collect();
    ids.sort();
    assert_eq!(ids, vec![1, 2, 4, 5, 6, 7, 8], "every order once, the ping filtered out: {got:?}");
    let first = got.iter().find(|b| b["id"] == 1).cloned().unwrap_or(Value::Null);
    assert_eq!(first["eventName"], "aws:kinesis:record");
    assert_eq!(first["eventSource"], "aws:kinesis");
    assert_eq!(first["eventVersion"], "1.0");
    assert_eq!(first["schema"], "1.0");
    assert_eq!(first["pk"], "a");
    assert_eq!(first["arrival"], "number");
    assert_eq!(first["arn"], stream_arn);
    assert_eq!(first["region"], "us-east-1");
    assert_eq!(first["identity"], "arn:aws:iam::123456789012:role/lambda-role");
    let shard = "shardId-000000000000:";
    let seq = first["seq"].as_str().unwrap_or_default();
    assert!(first["eventID"].as_str().is_some_and(|id| id.ends_with(seq) && id.starts_with("shardId-0000000000")), "{first}");
    let _ = shard;
    assert_eq!(s.ok("lambda", "GetEventSourceMapping", json!({ "UUID": m["UUID"] }))["LastProcessingResult"], "OK");

    // A poison record is retried, isolated by bisecting, described to the destination as a
    // KinesisBatchInfo, and the shard moves on.
    put(&mut s, "a", json!({ "type": "order", "id": 9, "item": "poison" }));
    put(&mut s, "a", json!({ "type": "order", "id": 10, "item": "cup" }));
    s.advance(20.0);
    let out = s.ok("sqs", "ReceiveMessage", json!({ "QueueUrl": outbox, "MaxNumberOfMessages": 10 }));
    let bodies: Vec<Value> =
        out["Messages"].as_array().cloned().unwrap_or_default().iter().map(|m| serde_json::from_str(m["Body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)).collect();
    let failure = bodies.iter().find(|b| b.get("KinesisBatchInfo").is_some()).cloned().unwrap_or(Value::Null);
    assert_eq!(failure["requestContext"]["condition"], "RetryAttemptsExhausted", "{bodies:?}");
    assert_eq!(failure["KinesisBatchInfo"]["batchSize"], 1, "{failure}");
    assert_eq!(failure["KinesisBatchInfo"]["streamArn"], stream_arn);
    assert!(failure["KinesisBatchInfo"]["shardId"].as_str().is_some_and(|s| s.starts_with("shardId-")), "{failure}");
    assert!(bodies.iter().any(|b| b["id"] == 10), "the record after the poison one is delivered: {bodies:?}");
}

#[test]
fn a_mapping_on_an_enhanced_fan_out_consumer_reads_through_its_subscription() {
    let mut s = Sandbox::new();
    s.ok("kinesis", "CreateStream", json!({ "StreamName": "clicks", "ShardCount": 1 }));
    s.advance(2.0);
    let stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";
    let consumer =
        s.ok("kinesis", "RegisterStreamConsumer", json!({ "StreamARN": stream_arn, "ConsumerName": "fast" }))["Consumer"]["ConsumerARN"].as_str().unwrap_or_default().to_string();
    s.advance(10.0);
    let outbox = s.ok("sqs", "CreateQueue", json!({ "QueueName": "seen" }))["QueueUrl"].as_str().unwrap_or_default().to_string();
    s.deploy(
        "counter",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export const handler = async (event) => {
  for (const r of event.Records) {
    const click = JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8'));
    if (click.page === 'poison') throw new Error('cannot count ' + click.id);
    await sqs.send(new SendMessageCommand({ QueueUrl: process.env.OUTBOX, MessageBody: JSON.stringify({ id: click.id, arn: r.eventSourceARN, batch: event.Records.length }) }));
  }
};"#,
        )],
        json!({ "Environment": { "Variables": { "OUTBOX": outbox } } }),
    );
    let put = |s: &mut Sandbox, id: i64, page: &str| {
        s.ok("kinesis", "PutRecord", json!({ "StreamName": "clicks", "PartitionKey": format!("k{id}"), "Data": B64.encode(json!({ "id": id, "page": page }).to_string()) }));
    };
    let drain = |s: &mut Sandbox| -> Vec<Value> {
        let mut got = Vec::new();
        loop {
            let out = s.ok("sqs", "ReceiveMessage", json!({ "QueueUrl": outbox, "MaxNumberOfMessages": 10 }));
            let msgs = out["Messages"].as_array().cloned().unwrap_or_default();
            if msgs.is_empty() {
                return got;
            }
            for m in msgs {
                got.push(serde_json::from_str::<Value>(m["Body"].as_str().unwrap_or("null")).unwrap_or(Value::Null));
                s.ok("sqs", "DeleteMessage", json!({ "QueueUrl": outbox, "ReceiptHandle": m["ReceiptHandle"] }));
            }
        }
    };
    let ids = |got: &[Value]| -> Vec<i64> {
        let mut v: Vec<i64> = got.iter().filter_map(|b| b["id"].as_i64()).collect();
        v.sort();
        v
    };
    // Written before the mapping: TRIM_HORIZON reads them; batches of at most 3.
    for id in 1..=7 {
        put(&mut s, id, "home");
    }
    let m = s.ok(
        "lambda",
        "CreateEventSourceMapping",
        json!({
            "FunctionName": "counter", "EventSourceArn": consumer, "StartingPosition": "TRIM_HORIZON", "BatchSize": 3,
            "MaximumRetryAttempts": 1, "BisectBatchOnFunctionError": true,
            "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sqs:us-east-1:123456789012:seen" } },
        }),
    );
    assert_eq!(m["EventSourceArn"], consumer.as_str());
    s.advance(3.0);
    let got = drain(&mut s);
    assert_eq!(ids(&got), (1..=7).collect::<Vec<_>>(), "every record once: {got:?}");
    assert!(got.iter().all(|b| b["batch"].as_i64().is_some_and(|n| n <= 3) && b["arn"] == stream_arn), "{got:?}");
    // The subscription is the consumer's: another SubscribeToShard on it is in use.
    let err = s
        .call("kinesis", "SubscribeToShard", json!({ "ConsumerARN": consumer, "ShardId": "shardId-000000000000", "StartingPosition": { "Type": "LATEST" } }))
        .expect_err("the mapping holds the subscription");
    assert_eq!(err.kind, "ResourceInUseException");
    // New records arrive within a poll of the subscription.
    put(&mut s, 8, "cart");
    s.advance(0.5);
    assert_eq!(ids(&drain(&mut s)), [8]);

    // A poison record is retried from the buffer, isolated, described to the destination; the
    // records around it are delivered once.
    put(&mut s, 9, "a");
    put(&mut s, 10, "poison");
    put(&mut s, 11, "b");
    s.advance(15.0);
    let got = drain(&mut s);
    let failure = got.iter().find(|b| b.get("KinesisBatchInfo").is_some()).cloned().unwrap_or(Value::Null);
    assert_eq!(failure["requestContext"]["condition"], "RetryAttemptsExhausted", "{got:?}");
    assert_eq!(failure["KinesisBatchInfo"]["batchSize"], 1, "{failure}");
    // Retrying a batch runs its first records again (at-least-once, as on AWS).
    let mut delivered = ids(&got);
    delivered.dedup();
    assert_eq!(delivered, [9, 11], "{got:?}");

    // Subscriptions last five minutes: the next opens where the last stopped.
    s.advance(400.0);
    put(&mut s, 12, "later");
    s.advance(2.0);
    assert_eq!(ids(&drain(&mut s)), [12]);
    assert_eq!(s.ok("lambda", "GetEventSourceMapping", json!({ "UUID": m["UUID"] }))["LastProcessingResult"], "OK");

    // A deregistered consumer ends the subscription; the mapping says why.
    s.ok("kinesis", "DeregisterStreamConsumer", json!({ "ConsumerARN": consumer }));
    s.advance(3.0);
    let result = s.ok("lambda", "GetEventSourceMapping", json!({ "UUID": m["UUID"] }))["LastProcessingResult"].as_str().unwrap_or_default().to_string();
    assert!(result.starts_with("PROBLEM: ResourceNotFoundException"), "{result}");
}

#[test]
fn a_handler_reads_through_dax_with_dax_document() {
    let mut s = Sandbox::new();
    s.ok(
        "dynamodb",
        "CreateTable",
        json!({ "TableName": "Notes", "AttributeDefinitions": [{ "AttributeName": "id", "AttributeType": "S" }], "KeySchema": [{ "AttributeName": "id", "KeyType": "HASH" }], "BillingMode": "PAY_PER_REQUEST" }),
    );
    s.advance(2.0);
    s.ok("dynamodb", "PutItem", json!({ "TableName": "Notes", "Item": { "id": { "S": "n1" }, "text": { "S": "first" } } }));
    let created = s.ok(
        "dax",
        "CreateCluster",
        json!({ "ClusterName": "notes-cache", "NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": "arn:aws:iam::123456789012:role/DAXServiceRoleForDynamoDBAccess" }),
    );
    let endpoint = created["Cluster"]["ClusterDiscoveryEndpoint"]["URL"].as_str().expect("endpoint URL").to_string();
    assert!(endpoint.starts_with("dax://notes-cache."), "{endpoint}");
    s.advance(61.0);
    s.deploy(
        "reader",
        "index.handler",
        &[(
            "index.mjs",
            r#"import { DaxDocument } from '@amazon-dax-sdk/lib-dax';
import { Dax } from '@amazon-dax-sdk/client-dax';
const dax = new DaxDocument({ endpoint: process.env.DAX_ENDPOINT, region: process.env.AWS_REGION });
export const handler = async (event) => {
  const first = await dax.get({ TableName: 'Notes', Key: { id: 'n1' } });
  const second = await dax.get({ TableName: 'Notes', Key: { id: 'n1' } });
  await dax.put({ TableName: 'Notes', Item: { id: 'n2', text: 'second' } });
  const written = await dax.get({ TableName: 'Notes', Key: { id: 'n2' } });
  let failure = null;
  try {
    await dax.put({ TableName: 'Notes', Item: { id: 'n1' }, ConditionExpression: 'attribute_not_exists(id)' });
  } catch (e) {
    failure = { name: e.name, code: e.code, message: e.message, retryable: e.retryable };
  }
  let unsupported = null;
  try { dax.describeTable({ TableName: 'Notes' }); } catch (e) { unsupported = e.message; }
  let missing = null;
  try {
    await new Dax({ endpoint: 'dax://nope.abc123.dax-clusters.us-east-1.amazonaws.com' }).getItem({ TableName: 'Notes', Key: { id: { S: 'n1' } } });
  } catch (e) { missing = e.code; }
  return { first: first.Item, second: second.Item, written: written.Item, failure, unsupported, missing };
};"#,
        )],
        json!({ "Environment": { "Variables": { "DAX_ENDPOINT": endpoint } } }),
    );
    let (out, payload, _) = s.invoke("reader", json!({}));
    assert!(out.get("FunctionError").is_none(), "{payload}");
    assert_eq!(payload["first"], json!({ "id": "n1", "text": "first" }));
    assert_eq!(payload["second"], payload["first"]);
    assert_eq!(payload["written"], json!({ "id": "n2", "text": "second" }));
    assert_eq!(
        payload["failure"],
        json!({ "name": "Error", "code": "ConditionalCheckFailedException", "message": "ConditionalCheckFailedException: The conditional request failed", "retryable": false })
    );
    assert_eq!(payload["unsupported"], "ValidationException: describeTable is not supported for DAX. Use DynamoDB instead.");
    assert_eq!(payload["missing"], "ClusterNotFoundFault");
    // The reads went through the cluster: a miss, then a hit; the write went through to the table.
    let log = s.engine.control(HOST_NOW, "dax:ListRequests", &json!({ "region": "us-east-1", "ClusterName": "notes-cache" })).expect("ListRequests");
    let outcomes: Vec<(String, String)> =
        log["Requests"].as_array().unwrap().iter().rev().map(|r| (r["Operation"].as_str().unwrap().to_string(), r["Outcome"].as_str().unwrap().to_string())).collect();
    assert_eq!(&outcomes[..3], &[("GetItem".into(), "MISS".into()), ("GetItem".into(), "HIT".into()), ("PutItem".into(), "WRITE_THROUGH".into())]);
    let stored = s.ok("dynamodb", "GetItem", json!({ "TableName": "Notes", "Key": { "id": { "S": "n2" } } }));
    assert_eq!(stored["Item"]["text"], json!({ "S": "second" }));
}
