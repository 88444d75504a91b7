//! SQS behaviour on the virtual clock, with AWS's documented answers as the oracle.

use serde_json::{json, Value};

use super::messages::md5_of_attributes;
use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;
const ACCOUNT: &str = "123456789012";

/// A sandbox and its host time, which tests move forward.
struct Sb {
    e: Engine,
    t: i64,
}

/// (__type short code, legacy query code, message).
type Failure = (String, String, String);

impl Sb {
    fn new() -> Self {
        Sb { e: Engine::new(EngineConfig::default(), T0), t: T0 }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        self.e.call(self.t, &Request::new("sqs", op, "us-east-1", input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
    }

    fn err(&mut self, op: &str, input: Value) -> Failure {
        let before = self.e.take_changes();
        let er = self.call(op, input).expect_err("expected an error");
        assert!(self.e.take_changes().is_empty(), "{op} failed with {er} but journaled changes");
        drop(before);
        (er.kind.clone(), er.query_code().unwrap_or_default().to_string(), er.message)
    }

    fn advance(&mut self, ms: i64) {
        self.t += ms;
        self.e.tick(self.t);
    }

    fn create(&mut self, name: &str, attributes: Value) -> String {
        let out = self.ok("CreateQueue", json!({"QueueName": name, "Attributes": attributes}));
        out["QueueUrl"].as_str().unwrap().to_string()
    }

    fn send(&mut self, url: &str, extra: Value) -> Value {
        let mut input = json!({"QueueUrl": url, "MessageBody": "hello"});
        merge(&mut input, extra);
        self.ok("SendMessage", input)
    }

    fn receive(&mut self, url: &str, extra: Value) -> Vec<Value> {
        let mut input = json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "AttributeNames": ["All"], "MessageAttributeNames": ["All"]});
        merge(&mut input, extra);
        let out = self.ok("ReceiveMessage", input);
        out.get("Messages").and_then(Value::as_array).cloned().unwrap_or_default()
    }

    fn attrs(&mut self, url: &str) -> Value {
        self.ok("GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["All"]}))["Attributes"].clone()
    }

    /// (visible, not visible, delayed).
    fn counts(&mut self, url: &str) -> (String, String, String) {
        let a = self.attrs(url);
        let s = |k: &str| a[k].as_str().unwrap().to_string();
        (s("ApproximateNumberOfMessages"), s("ApproximateNumberOfMessagesNotVisible"), s("ApproximateNumberOfMessagesDelayed"))
    }
}

fn merge(into: &mut Value, extra: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), extra) {
        a.extend(b);
    }
}

fn bodies(messages: &[Value]) -> Vec<&str> {
    messages.iter().map(|m| m["Body"].as_str().unwrap()).collect()
}

fn c(v: &str, w: &str, d: &str) -> (String, String, String) {
    (v.into(), w.into(), d.into())
}

#[test]
fn md5_of_message_attributes_matches_the_documented_algorithm() {
    // Vectors from aws-md5-of-message-attributes, which checks them against SQS.
    let cases = [
        (json!({"attribName1": {"DataType": "String", "StringValue": "attribValue 1"}}), "19e27d4e946b072f3f58da80d94fd778"),
        (json!({"customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"}}), "9fe1b90bbd9965bdf77bac517c7d2495"),
        (json!({"binaryAttribute": {"DataType": "Binary", "BinaryValue": "SGVsbG8gYmluYXJ5IHdvcmxkIQ=="}}), "31a92b15d92f8db860eda32aceb656c3"),
        (
            json!({
                "attribName1": {"DataType": "String", "StringValue": "attribValue 1"},
                "customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"},
                "binaryAttribute": {"DataType": "Binary", "BinaryValue": "SGVsbG8gYmluYXJ5IHdvcmxkIQ=="}
            }),
            "c932db14a896c663f83c260297d594ff",
        ),
    ];
    for (attrs, md5) in cases {
        let parsed = serde_json::from_value(attrs.clone()).unwrap();
        assert_eq!(md5_of_attributes(&parsed).as_deref(), Some(md5), "{attrs}");
        // And SendMessage answers the same digest, with the body's MD5.
        let mut sb = Sb::new();
        let url = sb.create("q", json!({}));
        let out = sb.send(&url, json!({"MessageBody": "abc", "MessageAttributes": attrs}));
        assert_eq!(out["MD5OfMessageAttributes"], md5);
        assert_eq!(out["MD5OfMessageBody"], "900150983cd24fb0d6963f7d28e17f72");
    }
}

#[test]
fn queue_names_follow_aws_rules() {
    let long = "a".repeat(80);
    let too_long = "a".repeat(81);
    let fifo_long = format!("{}.fifo", "a".repeat(75));
    let cases: &[(&str, bool, bool)] = &[
        ("orders", false, true),
        ("Orders_2-x", false, true),
        (&long, false, true),
        (&too_long, false, false),
        ("", false, false),
        ("has space", false, false),
        ("dot.name", false, false),
        ("orders.fifo", false, false),
        ("orders.fifo", true, true),
        ("orders", true, false),
        (&fifo_long, true, true),
        (".fifo", true, false),
    ];
    for (name, fifo, ok) in cases {
        let mut sb = Sb::new();
        let attrs = if *fifo { json!({"FifoQueue": "true"}) } else { json!({}) };
        let r = sb.call("CreateQueue", json!({"QueueName": name, "Attributes": attrs}));
        assert_eq!(r.is_ok(), *ok, "{name:?} fifo={fifo}: {r:?}");
        if let Err(e) = r {
            assert_eq!((e.kind.as_str(), e.query_code()), ("InvalidParameterValueException", Some("InvalidParameterValue")));
        }
    }
}

#[test]
fn create_is_idempotent_and_get_url_list_delete() {
    let mut sb = Sb::new();
    let url = sb.create("alpha", json!({"VisibilityTimeout": "60"}));
    assert_eq!(url, format!("https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/alpha"));
    // Same attributes: the same queue. Different: QueueNameExists with the legacy code.
    assert_eq!(sb.create("alpha", json!({"VisibilityTimeout": "60"})), url);
    assert_eq!(sb.create("alpha", json!({})), url);
    let e = sb.err("CreateQueue", json!({"QueueName": "alpha", "Attributes": {"VisibilityTimeout": "61"}}));
    assert_eq!(
        e,
        ("QueueNameExists".into(), "QueueAlreadyExists".into(), "A queue already exists with the same name and a different value for attribute VisibilityTimeout".into())
    );
    sb.create("alpine", json!({}));
    sb.create("beta", json!({}));
    assert_eq!(sb.ok("GetQueueUrl", json!({"QueueName": "beta"}))["QueueUrl"], format!("https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/beta"));
    let e = sb.err("GetQueueUrl", json!({"QueueName": "nope"}));
    assert_eq!(e, ("QueueDoesNotExist".into(), "AWS.SimpleQueueService.NonExistentQueue".into(), "The specified queue does not exist.".into()));
    let all = sb.ok("ListQueues", json!({}));
    assert_eq!(all["QueueUrls"].as_array().unwrap().len(), 3);
    assert!(all.get("NextToken").is_none());
    assert_eq!(sb.ok("ListQueues", json!({"QueueNamePrefix": "alp"}))["QueueUrls"].as_array().unwrap().len(), 2);
    assert_eq!(sb.ok("ListQueues", json!({"QueueNamePrefix": "zzz"})), json!({}));
    // Paging with MaxResults.
    let p1 = sb.ok("ListQueues", json!({"MaxResults": 2}));
    assert_eq!(p1["QueueUrls"].as_array().unwrap().len(), 2);
    let p2 = sb.ok("ListQueues", json!({"MaxResults": 2, "NextToken": p1["NextToken"]}));
    assert_eq!(p2["QueueUrls"], json!([format!("https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/beta")]));
    assert!(p2.get("NextToken").is_none());
    // Any URL whose last segments are account/name works; another account's does not.
    sb.ok("GetQueueAttributes", json!({"QueueUrl": format!("http://localhost:4566/{ACCOUNT}/beta")}));
    let e = sb.err("GetQueueAttributes", json!({"QueueUrl": "http://localhost:4566/999999999999/beta"}));
    assert_eq!(e.0, "QueueDoesNotExist");
    let e = sb.err("GetQueueAttributes", json!({"QueueUrl": "beta"}));
    assert_eq!(e.0, "InvalidAddress");
    // Delete: gone, and the name is blocked for 60 s.
    sb.ok("DeleteQueue", json!({"QueueUrl": url}));
    assert_eq!(sb.err("DeleteQueue", json!({"QueueUrl": url})).0, "QueueDoesNotExist");
    let e = sb.err("CreateQueue", json!({"QueueName": "alpha"}));
    assert_eq!((e.0.as_str(), e.1.as_str()), ("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently"));
    sb.advance(60_000);
    sb.create("alpha", json!({}));
}

#[test]
fn queue_attributes_are_validated_and_reported() {
    // (attribute, value, error kind or "" for accepted) on a standard queue.
    let cases = [
        ("DelaySeconds", "900", ""),
        ("DelaySeconds", "901", "InvalidAttributeValue"),
        ("DelaySeconds", "-1", "InvalidAttributeValue"),
        ("DelaySeconds", "x", "InvalidAttributeValue"),
        ("MaximumMessageSize", "1023", "InvalidAttributeValue"),
        ("MaximumMessageSize", "1048576", ""),
        ("MaximumMessageSize", "1048577", "InvalidAttributeValue"),
        ("MessageRetentionPeriod", "59", "InvalidAttributeValue"),
        ("MessageRetentionPeriod", "1209600", ""),
        ("ReceiveMessageWaitTimeSeconds", "21", "InvalidAttributeValue"),
        ("VisibilityTimeout", "43200", ""),
        ("VisibilityTimeout", "43201", "InvalidAttributeValue"),
        ("ContentBasedDeduplication", "true", "InvalidAttributeName"),
        ("Bogus", "1", "InvalidAttributeName"),
        ("QueueArn", "x", "InvalidAttributeName"),
        ("Policy", "{\"Version\":\"2012-10-17\"}", ""),
        ("Policy", "not json", "InvalidAttributeValue"),
        ("SqsManagedSseEnabled", "TRUE", ""),
        ("SqsManagedSseEnabled", "yes", "InvalidAttributeValue"),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:missing\",\"maxReceiveCount\":3}", "InvalidParameterValueException"),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:dlq\",\"maxReceiveCount\":0}", "InvalidParameterValueException"),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:dlq\",\"maxReceiveCount\":\"5\"}", ""),
        ("RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:123456789012:dlq.fifo\",\"maxReceiveCount\":5}", "InvalidParameterValueException"),
        ("RedriveAllowPolicy", "{\"redrivePermission\":\"denyAll\"}", ""),
        ("RedriveAllowPolicy", "{\"redrivePermission\":\"maybe\"}", "InvalidParameterValueException"),
    ];
    for (name, value, expect) in cases {
        let mut sb = Sb::new();
        sb.create("dlq", json!({}));
        sb.create("dlq.fifo", json!({"FifoQueue": "true"}));
        let url = sb.create("q", json!({}));
        for op in ["CreateQueue", "SetQueueAttributes"] {
            let input = if op == "CreateQueue" { json!({"QueueName": "fresh", "Attributes": {name: value}}) } else { json!({"QueueUrl": url, "Attributes": {name: value}}) };
            let r = sb.call(op, input);
            match (expect, r) {
                ("", Ok(_)) => {}
                (kind, Err(e)) if e.kind == kind => {}
                (_, r) => panic!("{op} {name}={value}: expected {expect:?}, got {r:?}"),
            }
        }
    }
    let mut sb = Sb::new();
    let url = sb.create("q", json!({"DelaySeconds": "5", "RedriveAllowPolicy": "{\"redrivePermission\":\"allowAll\"}"}));
    let a = sb.attrs(&url);
    assert_eq!(a["QueueArn"], format!("arn:aws:sqs:us-east-1:{ACCOUNT}:q"));
    assert_eq!(a["DelaySeconds"], "5");
    assert_eq!(a["VisibilityTimeout"], "30");
    assert_eq!(a["MaximumMessageSize"], "1048576");
    assert_eq!(a["MessageRetentionPeriod"], "345600");
    assert_eq!(a["SqsManagedSseEnabled"], "true");
    assert_eq!(a["RedriveAllowPolicy"], "{\"redrivePermission\":\"allowAll\"}");
    assert!(a.get("FifoQueue").is_none());
    let created = a["CreatedTimestamp"].clone();
    sb.advance(5_000);
    sb.ok("SetQueueAttributes", json!({"QueueUrl": url, "Attributes": {"VisibilityTimeout": "10"}}));
    let a = sb.attrs(&url);
    assert_eq!(a["CreatedTimestamp"], created);
    assert_ne!(a["LastModifiedTimestamp"], created);
    let one = sb.ok("GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["VisibilityTimeout"]}));
    assert_eq!(one, json!({"Attributes": {"VisibilityTimeout": "10"}}));
    assert_eq!(sb.err("GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["Nope"]})).2, "Unknown Attribute Nope.");
    assert_eq!(sb.ok("GetQueueAttributes", json!({"QueueUrl": url})), json!({}));
    let fifo = sb.create("f.fifo", json!({"FifoQueue": "true", "ContentBasedDeduplication": "true"}));
    let a = sb.attrs(&fifo);
    assert_eq!((a["FifoQueue"].as_str(), a["ContentBasedDeduplication"].as_str(), a["DeduplicationScope"].as_str()), (Some("true"), Some("true"), Some("queue")));
    let e = sb.err("SetQueueAttributes", json!({"QueueUrl": fifo, "Attributes": {"FifoQueue": "false"}}));
    assert_eq!(e.0, "InvalidAttributeValue");
}

#[test]
fn visibility_timeout_hides_received_messages_until_it_runs_out() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({"VisibilityTimeout": "30"}));
    sb.send(&url, json!({"MessageBody": "one"}));
    assert_eq!(sb.counts(&url), c("1", "0", "0"));
    let m = sb.receive(&url, json!({}));
    assert_eq!(bodies(&m), ["one"]);
    assert_eq!(m[0]["Attributes"]["ApproximateReceiveCount"], "1");
    let first = m[0]["Attributes"]["ApproximateFirstReceiveTimestamp"].clone();
    assert_eq!(sb.counts(&url), c("0", "1", "0"));
    assert!(sb.receive(&url, json!({})).is_empty());
    sb.advance(29_999);
    assert!(sb.receive(&url, json!({})).is_empty());
    sb.advance(1);
    let again = sb.receive(&url, json!({"VisibilityTimeout": 5}));
    assert_eq!(again[0]["Attributes"]["ApproximateReceiveCount"], "2");
    assert_eq!(again[0]["Attributes"]["ApproximateFirstReceiveTimestamp"], first);
    assert_ne!(again[0]["ReceiptHandle"], m[0]["ReceiptHandle"], "a new receipt handle per receive");
    // ChangeMessageVisibility with the current handle; 0 makes it visible at once.
    sb.ok("ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": again[0]["ReceiptHandle"], "VisibilityTimeout": 0}));
    let third = sb.receive(&url, json!({}));
    assert_eq!(third.len(), 1);
    // An older handle neither deletes (standard queues accept it silently) nor changes visibility.
    sb.ok("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": m[0]["ReceiptHandle"]}));
    assert_eq!(sb.counts(&url), c("0", "1", "0"));
    let e = sb.err("ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": m[0]["ReceiptHandle"], "VisibilityTimeout": 10}));
    assert_eq!(e.1, "InvalidParameterValue");
    let e = sb.err("ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": third[0]["ReceiptHandle"], "VisibilityTimeout": 43_201}));
    assert_eq!(e.1, "InvalidParameterValue");
    sb.ok("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": third[0]["ReceiptHandle"]}));
    assert_eq!(sb.counts(&url), c("0", "0", "0"));
    // Deleting again succeeds; a handle that is not one is ReceiptHandleIsInvalid.
    sb.ok("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": third[0]["ReceiptHandle"]}));
    let e = sb.err("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": "garbage"}));
    assert_eq!(e, ("ReceiptHandleIsInvalid".into(), "ReceiptHandleIsInvalid".into(), "The input receipt handle \"garbage\" is not a valid receipt handle.".into()));
}

#[test]
fn visibility_cannot_be_extended_past_twelve_hours_from_the_receive() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({}));
    sb.send(&url, json!({}));
    let m = sb.receive(&url, json!({"VisibilityTimeout": 43_200}));
    sb.advance(3_600_000);
    let e = sb.err("ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": m[0]["ReceiptHandle"], "VisibilityTimeout": 43_200}));
    assert_eq!(e.2, "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
    sb.ok("ChangeMessageVisibility", json!({"QueueUrl": url, "ReceiptHandle": m[0]["ReceiptHandle"], "VisibilityTimeout": 39_600}));
}

#[test]
fn delays_per_queue_and_per_message() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({"DelaySeconds": "10"}));
    sb.send(&url, json!({"MessageBody": "queue-delay"}));
    sb.send(&url, json!({"MessageBody": "no-delay", "DelaySeconds": 0}));
    sb.send(&url, json!({"MessageBody": "long", "DelaySeconds": 20}));
    assert_eq!(sb.counts(&url), c("1", "0", "2"));
    assert_eq!(bodies(&sb.receive(&url, json!({"VisibilityTimeout": 0}))), ["no-delay"]);
    sb.advance(10_000);
    assert_eq!(bodies(&sb.receive(&url, json!({"VisibilityTimeout": 0}))), ["queue-delay", "no-delay"]);
    sb.advance(10_000);
    assert_eq!(sb.receive(&url, json!({"VisibilityTimeout": 0})).len(), 3);
    let e = sb.err("SendMessage", json!({"QueueUrl": url, "MessageBody": "x", "DelaySeconds": 901}));
    assert_eq!(e.2, "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.");
}

#[test]
fn retention_period_expires_messages() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({"MessageRetentionPeriod": "60"}));
    sb.send(&url, json!({}));
    sb.advance(30_000);
    sb.send(&url, json!({}));
    sb.advance(30_000);
    assert_eq!(sb.counts(&url), c("1", "0", "0"));
    sb.advance(30_000);
    assert_eq!(sb.counts(&url), c("0", "0", "0"));
}

#[test]
fn receive_limits_and_attribute_selection() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({}));
    for i in 0..12 {
        sb.send(
            &url,
            json!({"MessageBody": format!("m{i}"), "MessageAttributes": {
            "app.color": {"DataType": "String", "StringValue": "red"},
            "app.size": {"DataType": "Number", "StringValue": "3"},
            "other": {"DataType": "Binary", "BinaryValue": "AAE="}
        }, "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}}}),
        );
    }
    for n in [0, 11] {
        let e = sb.err("ReceiveMessage", json!({"QueueUrl": url, "MaxNumberOfMessages": n}));
        assert_eq!(e.2, format!("Value {n} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."));
    }
    assert_eq!(sb.err("ReceiveMessage", json!({"QueueUrl": url, "WaitTimeSeconds": 21})).1, "InvalidParameterValue");
    assert_eq!(sb.err("ReceiveMessage", json!({"QueueUrl": url, "AttributeNames": ["Bogus"]})).0, "InvalidAttributeName");
    // Default: one message, no attributes.
    let one = sb.ok("ReceiveMessage", json!({"QueueUrl": url, "VisibilityTimeout": 0}));
    let m = &one["Messages"][0];
    assert!(m.get("Attributes").is_none() && m.get("MessageAttributes").is_none() && m.get("MD5OfMessageAttributes").is_none());
    assert_eq!(m["MD5OfBody"], super::digest::md5_hex(b"m0"));
    assert_eq!(sb.receive(&url, json!({"VisibilityTimeout": 0})).len(), 10);
    // Prefix selection, and the MD5 of what is returned.
    let m = sb.receive(&url, json!({"MaxNumberOfMessages": 1, "VisibilityTimeout": 0, "MessageAttributeNames": ["app.*"], "MessageSystemAttributeNames": ["AWSTraceHeader", "SentTimestamp"], "AttributeNames": []}));
    let names: Vec<&String> = m[0]["MessageAttributes"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["app.color", "app.size"]);
    let returned = serde_json::from_value(m[0]["MessageAttributes"].clone()).unwrap();
    assert_eq!(m[0]["MD5OfMessageAttributes"].as_str(), md5_of_attributes(&returned).as_deref());
    let mut sys: Vec<&String> = m[0]["Attributes"].as_object().unwrap().keys().collect();
    sys.sort();
    assert_eq!(sys, ["AWSTraceHeader", "SentTimestamp"]);
    assert_eq!(m[0]["Attributes"]["AWSTraceHeader"], "Root=1-abc");
}

#[test]
fn message_validation_limits() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({"MaximumMessageSize": "1024"}));
    let attr = |n: usize| -> Value { (0..n).map(|i| (format!("a{i}"), json!({"DataType": "String", "StringValue": "v"}))).collect::<serde_json::Map<_, _>>().into() };
    // (extra members of SendMessage, expected legacy code, message fragment)
    let cases = [
        (json!({"MessageBody": ""}), "MissingParameter", "The request must contain the parameter MessageBody."),
        (json!({"MessageBody": "a\u{1}b"}), "InvalidMessageContents", "Invalid characters found."),
        (json!({"MessageBody": "x".repeat(1025)}), "InvalidParameterValue", "Message must be shorter than 1024 bytes."),
        (json!({"MessageAttributes": attr(11)}), "InvalidParameterValue", "Number of message attributes [11] exceeds the allowed maximum [10]."),
        (json!({"MessageAttributes": {"AWS.x": {"DataType": "String", "StringValue": "v"}}}), "InvalidParameterValue", "attribute name 'AWS.x' is invalid"),
        (json!({"MessageAttributes": {"a": {"DataType": "Text", "StringValue": "v"}}}), "InvalidParameterValue", "supported type prefixes"),
        (json!({"MessageAttributes": {"a": {"DataType": "String"}}}), "InvalidParameterValue", "must contain non-empty message attribute value"),
        (json!({"MessageAttributes": {"a": {"DataType": "Number", "StringValue": "1x"}}}), "InvalidParameterValue", "to a number"),
        (json!({"MessageSystemAttributes": {"Other": {"DataType": "String", "StringValue": "v"}}}), "InvalidParameterValue", "Message system attribute name 'Other' is invalid."),
        (json!({"MessageDeduplicationId": "d"}), "InvalidParameterValue", "not valid for this queue type"),
    ];
    for (extra, code, fragment) in cases {
        let mut input = json!({"QueueUrl": url, "MessageBody": "body"});
        merge(&mut input, extra.clone());
        let e = sb.err("SendMessage", input);
        assert_eq!(e.1, code, "{extra}");
        assert!(e.2.contains(fragment), "{extra}: {}", e.2);
    }
    sb.send(&url, json!({"MessageAttributes": attr(10)}));
    sb.send(&url, json!({"MessageAttributes": {"n": {"DataType": "Number.int", "StringValue": "-1.5e3"}}}));
    assert_eq!(sb.counts(&url).0, "2");
}

#[test]
fn batch_requests_check_entries_and_report_failures_per_entry() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({}));
    let entries = |n: usize| -> Vec<Value> { (0..n).map(|i| json!({"Id": format!("e{i}"), "MessageBody": format!("b{i}")})).collect() };
    let cases = [
        (json!([]), "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request."),
        (json!(entries(11)), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11."),
        (json!([{"Id": "a b", "MessageBody": "x"}]), "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain"),
        (json!([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}]), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."),
        (
            json!([{"Id": "a", "MessageBody": "x".repeat(600_000)}, {"Id": "b", "MessageBody": "y".repeat(600_000)}]),
            "AWS.SimpleQueueService.BatchRequestTooLong",
            "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.",
        ),
    ];
    for (entries, code, fragment) in cases {
        let e = sb.err("SendMessageBatch", json!({"QueueUrl": url, "Entries": entries}));
        assert_eq!(e.1, code);
        assert!(e.2.starts_with(fragment), "{}", e.2);
    }
    let out = sb.ok(
        "SendMessageBatch",
        json!({"QueueUrl": url, "Entries": [
            {"Id": "ok1", "MessageBody": "one"},
            {"Id": "bad", "MessageBody": "two", "DelaySeconds": 1000},
            {"Id": "ok2", "MessageBody": "three", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}}
        ]}),
    );
    assert_eq!(out["Successful"].as_array().unwrap().iter().map(|s| s["Id"].as_str().unwrap()).collect::<Vec<_>>(), ["ok1", "ok2"]);
    assert_eq!(out["Successful"][0]["MD5OfMessageBody"], super::digest::md5_hex(b"one"));
    assert!(out["Successful"][1]["MD5OfMessageAttributes"].is_string());
    assert_eq!(
        out["Failed"],
        json!([{"Id": "bad", "SenderFault": true, "Code": "InvalidParameterValue", "Message": "Value 1000 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."}])
    );
    let m = sb.receive(&url, json!({}));
    assert_eq!(bodies(&m), ["one", "three"]);
    let del = sb.ok("DeleteMessageBatch", json!({"QueueUrl": url, "Entries": [{"Id": "a", "ReceiptHandle": m[0]["ReceiptHandle"]}, {"Id": "b", "ReceiptHandle": "junk"}]}));
    assert_eq!(del["Successful"], json!([{"Id": "a"}]));
    assert_eq!(del["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
    let chg = sb.ok(
        "ChangeMessageVisibilityBatch",
        json!({"QueueUrl": url, "Entries": [{"Id": "a", "ReceiptHandle": m[1]["ReceiptHandle"], "VisibilityTimeout": 0}, {"Id": "b", "ReceiptHandle": m[0]["ReceiptHandle"], "VisibilityTimeout": 5}]}),
    );
    assert_eq!(chg["Successful"], json!([{"Id": "a"}]));
    assert_eq!(chg["Failed"][0]["Code"], "InvalidParameterValue");
    assert_eq!(sb.counts(&url), c("1", "0", "0"));
    assert_eq!(sb.err("DeleteMessageBatch", json!({"QueueUrl": url, "Entries": []})).2, "There should be at least one DeleteMessageBatchRequestEntry in the request.");
}

#[test]
fn purge_deletes_everything_once_a_minute() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({}));
    sb.send(&url, json!({}));
    sb.send(&url, json!({"DelaySeconds": 60}));
    sb.ok("PurgeQueue", json!({"QueueUrl": url}));
    assert_eq!(sb.counts(&url), c("0", "0", "0"));
    let e = sb.err("PurgeQueue", json!({"QueueUrl": url}));
    assert_eq!(e, ("PurgeQueueInProgress".into(), "AWS.SimpleQueueService.PurgeQueueInProgress".into(), "Only one PurgeQueue operation on q is allowed every 60 seconds.".into()));
    sb.advance(60_000);
    sb.ok("PurgeQueue", json!({"QueueUrl": url}));
}

#[test]
fn fifo_groups_deliver_in_order_one_batch_at_a_time() {
    let mut sb = Sb::new();
    let url = sb.create("q.fifo", json!({"FifoQueue": "true", "ContentBasedDeduplication": "true"}));
    for (body, group) in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("c1", "C")] {
        let out = sb.send(&url, json!({"MessageBody": body, "MessageGroupId": group}));
        assert_eq!(out["SequenceNumber"].as_str().unwrap().len(), 20);
    }
    // One group at a time, as much of it as fits, in order.
    let first = sb.receive(&url, json!({"MaxNumberOfMessages": 3}));
    assert_eq!(bodies(&first), ["a1", "a2", "b1"]);
    assert_eq!(first[0]["Attributes"]["MessageGroupId"], "A");
    assert!(first[0]["Attributes"]["SequenceNumber"].as_str().unwrap() < first[1]["Attributes"]["SequenceNumber"].as_str().unwrap());
    // A and B have messages in flight: only C is available.
    assert_eq!(bodies(&sb.receive(&url, json!({}))), ["c1"]);
    assert!(sb.receive(&url, json!({})).is_empty());
    // Deleting b1 frees B.
    sb.ok("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": first[2]["ReceiptHandle"]}));
    assert_eq!(bodies(&sb.receive(&url, json!({}))), ["b2"]);
    // When A's visibility runs out, a1 comes back before a2.
    sb.advance(30_000);
    let again = sb.receive(&url, json!({"MaxNumberOfMessages": 1}));
    assert_eq!(bodies(&again), ["a1"]);
    assert_eq!(again[0]["Attributes"]["ApproximateReceiveCount"], "2");
    // An expired receipt handle cannot delete from a FIFO queue.
    let e = sb.err("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": first[0]["ReceiptHandle"]}));
    assert_eq!(e.2, format!("Value {} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", first[0]["ReceiptHandle"].as_str().unwrap()));
}

#[test]
fn fifo_send_rules_and_deduplication_window() {
    let mut sb = Sb::new();
    let url = sb.create("q.fifo", json!({"FifoQueue": "true"}));
    let e = sb.err("SendMessage", json!({"QueueUrl": url, "MessageBody": "x", "MessageDeduplicationId": "d"}));
    assert_eq!((e.1.as_str(), e.2.as_str()), ("MissingParameter", "The request must contain the parameter MessageGroupId."));
    let e = sb.err("SendMessage", json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g"}));
    assert_eq!(e.2, "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
    let e = sb.err("SendMessage", json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d", "DelaySeconds": 5}));
    assert_eq!(e.1, "InvalidParameterValue");
    let e = sb.err("SendMessage", json!({"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g h", "MessageDeduplicationId": "d"}));
    assert_eq!(e.2, "Value g h for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
    let first = sb.send(&url, json!({"MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"}));
    sb.advance(299_999);
    let dup = sb.send(&url, json!({"MessageBody": "other body", "MessageGroupId": "g2", "MessageDeduplicationId": "d"}));
    assert_eq!(dup["MessageId"], first["MessageId"]);
    assert_eq!(dup["SequenceNumber"], first["SequenceNumber"]);
    assert_eq!(sb.counts(&url).0, "1");
    sb.advance(1);
    let later = sb.send(&url, json!({"MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"}));
    assert_ne!(later["MessageId"], first["MessageId"]);
    assert_eq!(sb.counts(&url).0, "2");
    // Content-based: the body's SHA-256 is the id; an explicit id wins.
    let cbd = sb.create("c.fifo", json!({"FifoQueue": "true", "ContentBasedDeduplication": "true"}));
    let a = sb.send(&cbd, json!({"MessageBody": "same", "MessageGroupId": "g"}));
    let b = sb.send(&cbd, json!({"MessageBody": "same", "MessageGroupId": "g"}));
    let c2 = sb.send(&cbd, json!({"MessageBody": "same", "MessageGroupId": "g", "MessageDeduplicationId": "explicit"}));
    assert_eq!(a["MessageId"], b["MessageId"]);
    assert_ne!(a["MessageId"], c2["MessageId"]);
    let m = sb.receive(&cbd, json!({}));
    assert_eq!(m[0]["Attributes"]["MessageDeduplicationId"], super::digest::sha256_hex(b"same"));
    // Deduplication per message group.
    let per_group = sb.create("g.fifo", json!({"FifoQueue": "true", "DeduplicationScope": "messageGroup"}));
    let x = sb.send(&per_group, json!({"MessageBody": "x", "MessageGroupId": "g1", "MessageDeduplicationId": "d"}));
    let y = sb.send(&per_group, json!({"MessageBody": "x", "MessageGroupId": "g2", "MessageDeduplicationId": "d"}));
    assert_ne!(x["MessageId"], y["MessageId"]);
}

#[test]
fn fifo_receive_request_attempt_id_returns_the_same_messages() {
    let mut sb = Sb::new();
    let url = sb.create("q.fifo", json!({"FifoQueue": "true", "ContentBasedDeduplication": "true"}));
    sb.send(&url, json!({"MessageBody": "a", "MessageGroupId": "g"}));
    sb.send(&url, json!({"MessageBody": "b", "MessageGroupId": "h"}));
    let first = sb.receive(&url, json!({"MaxNumberOfMessages": 1, "ReceiveRequestAttemptId": "try-1"}));
    let retry = sb.receive(&url, json!({"MaxNumberOfMessages": 1, "ReceiveRequestAttemptId": "try-1"}));
    assert_eq!(first, retry);
    let other = sb.receive(&url, json!({"MaxNumberOfMessages": 1, "ReceiveRequestAttemptId": "try-2"}));
    assert_eq!(bodies(&other), ["b"]);
}

#[test]
fn dead_letter_queue_takes_messages_received_too_often_and_redrives_them_back() {
    let mut sb = Sb::new();
    let dlq = sb.create("dlq", json!({}));
    let dlq_arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:dlq");
    let policy = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}).to_string();
    let src = sb.create("src", json!({"RedrivePolicy": policy}));
    assert_eq!(sb.attrs(&src)["RedrivePolicy"], json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}).to_string());
    let sent = sb.send(&src, json!({"MessageBody": "poison"}));
    sb.send(&src, json!({"MessageBody": "fine", "DelaySeconds": 100}));
    for n in 1..=2 {
        let m = sb.receive(&src, json!({"VisibilityTimeout": 0}));
        assert_eq!(m[0]["Attributes"]["ApproximateReceiveCount"], n.to_string());
    }
    // Received maxReceiveCount times: the next receive moves it instead of returning it.
    assert!(sb.receive(&src, json!({"VisibilityTimeout": 0})).is_empty());
    let dead = sb.receive(&dlq, json!({"VisibilityTimeout": 0}));
    assert_eq!(bodies(&dead), ["poison"]);
    assert_eq!(dead[0]["MessageId"], sent["MessageId"]);
    assert_eq!(dead[0]["Attributes"]["DeadLetterQueueSourceArn"], format!("arn:aws:sqs:us-east-1:{ACCOUNT}:src"));
    let sources = sb.ok("ListDeadLetterSourceQueues", json!({"QueueUrl": dlq}));
    assert_eq!(sources, json!({"queueUrls": [src]}));

    // Redrive: back to the source queue, a second of virtual time later.
    let e = sb.err("StartMessageMoveTask", json!({"SourceArn": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:src")}));
    assert_eq!(e.2, "Source queue must be configured as a Dead Letter Queue.");
    let e = sb.err("StartMessageMoveTask", json!({"SourceArn": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:none")}));
    assert_eq!(e.0, "ResourceNotFoundException");
    let handle = sb.ok("StartMessageMoveTask", json!({"SourceArn": dlq_arn}))["TaskHandle"].clone();
    let e = sb.err("StartMessageMoveTask", json!({"SourceArn": dlq_arn}));
    assert!(e.2.starts_with("There is already a task running."));
    let running = sb.ok("ListMessageMoveTasks", json!({"SourceArn": dlq_arn}));
    assert_eq!(running["Results"][0]["Status"], "RUNNING");
    assert_eq!(running["Results"][0]["TaskHandle"], handle);
    assert_eq!(running["Results"][0]["ApproximateNumberOfMessagesToMove"], 1);
    sb.advance(1_000);
    let done = sb.ok("ListMessageMoveTasks", json!({"SourceArn": dlq_arn}));
    assert_eq!(done["Results"][0]["Status"], "COMPLETED");
    assert_eq!(done["Results"][0]["ApproximateNumberOfMessagesMoved"], 1);
    assert!(done["Results"][0].get("TaskHandle").is_none());
    assert_eq!(sb.counts(&dlq), c("0", "0", "0"));
    let back = sb.receive(&src, json!({}));
    assert_eq!(bodies(&back), ["poison"]);
    assert_eq!(back[0]["Attributes"]["ApproximateReceiveCount"], "1");
    let e = sb.err("CancelMessageMoveTask", json!({"TaskHandle": handle}));
    assert_eq!(e.1, "InvalidParameterValue");
    assert_eq!(sb.err("CancelMessageMoveTask", json!({"TaskHandle": "nonsense"})).2, "Value for parameter TaskHandle is invalid.");
}

#[test]
fn move_task_can_be_cancelled_and_respects_its_rate() {
    let mut sb = Sb::new();
    let dlq = sb.create("dlq", json!({}));
    let dest = sb.create("dest", json!({}));
    let dlq_arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:dlq");
    sb.create("src", json!({"RedrivePolicy": json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}).to_string()}));
    for i in 0..5 {
        sb.send(&dlq, json!({"MessageBody": format!("m{i}")}));
    }
    let handle = sb.ok("StartMessageMoveTask", json!({"SourceArn": dlq_arn, "DestinationArn": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:dest"), "MaxNumberOfMessagesPerSecond": 2}))
        ["TaskHandle"]
        .clone();
    sb.advance(1_000);
    assert_eq!(sb.counts(&dest).0, "2");
    let out = sb.ok("CancelMessageMoveTask", json!({"TaskHandle": handle}));
    assert_eq!(out, json!({"ApproximateNumberOfMessagesMoved": 2}));
    sb.advance(5_000);
    assert_eq!(sb.counts(&dest).0, "2");
    assert_eq!(sb.counts(&dlq).0, "3");
    assert_eq!(sb.ok("ListMessageMoveTasks", json!({"SourceArn": dlq_arn}))["Results"][0]["Status"], "CANCELLED");
}

#[test]
fn redrive_allow_policy_can_refuse_a_source() {
    let mut sb = Sb::new();
    sb.create("dlq", json!({"RedriveAllowPolicy": "{\"redrivePermission\":\"denyAll\"}"}));
    let src = sb.create("src", json!({}));
    let policy = json!({"deadLetterTargetArn": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"), "maxReceiveCount": 3}).to_string();
    let e = sb.err("SetQueueAttributes", json!({"QueueUrl": src, "Attributes": {"RedrivePolicy": policy}}));
    assert_eq!(e.1, "InvalidParameterValue");
}

#[test]
fn tags() {
    let mut sb = Sb::new();
    let url = sb.ok("CreateQueue", json!({"QueueName": "q", "tags": {"team": "a"}}))["QueueUrl"].as_str().unwrap().to_string();
    assert_eq!(sb.ok("ListQueueTags", json!({"QueueUrl": url})), json!({"Tags": {"team": "a"}}));
    sb.ok("TagQueue", json!({"QueueUrl": url, "Tags": {"env": "dev", "team": "b"}}));
    assert_eq!(sb.ok("ListQueueTags", json!({"QueueUrl": url})), json!({"Tags": {"env": "dev", "team": "b"}}));
    sb.ok("UntagQueue", json!({"QueueUrl": url, "TagKeys": ["team", "absent"]}));
    assert_eq!(sb.ok("ListQueueTags", json!({"QueueUrl": url})), json!({"Tags": {"env": "dev"}}));
    let many: serde_json::Map<String, Value> = (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    let e = sb.err("TagQueue", json!({"QueueUrl": url, "Tags": many}));
    assert_eq!(e.2, "Too many tags added for queue q.");
}

#[test]
fn unknown_and_unimplemented_operations_say_so() {
    let mut sb = Sb::new();
    let e = sb.call("AddPermission", json!({})).unwrap_err();
    assert!(e.message.contains("AddPermission"));
    assert_eq!(sb.call("Frobnicate", json!({})).unwrap_err().kind, "UnknownOperationException");
    let e = sb.err("SendMessage", json!({"MessageBody": "x"}));
    assert_eq!((e.1.as_str(), e.2.as_str()), ("MissingParameter", "The request must contain the parameter QueueUrl."));
    assert_eq!(sb.call("SendMessage", json!({"QueueUrl": 5})).unwrap_err().kind, "SerializationException");
}

#[test]
fn long_poll_hint_comes_from_the_request_or_the_queue() {
    let mut sb = Sb::new();
    let url = sb.create("q", json!({"ReceiveMessageWaitTimeSeconds": "7"}));
    let empty = json!({});
    let hint = |sb: &Sb, input: Value, answer: &Value| sb.e.long_poll_ms("sqs", "ReceiveMessage", "us-east-1", &input, answer);
    assert_eq!(hint(&sb, json!({"QueueUrl": url}), &empty), Some(7_000));
    assert_eq!(hint(&sb, json!({"QueueUrl": url, "WaitTimeSeconds": 2}), &empty), Some(2_000));
    assert_eq!(hint(&sb, json!({"QueueUrl": url, "WaitTimeSeconds": 0}), &empty), None);
    assert_eq!(hint(&sb, json!({"QueueUrl": url}), &json!({"Messages": [{}]})), None);
    assert_eq!(sb.e.long_poll_ms("sqs", "SendMessage", "us-east-1", &json!({"QueueUrl": url}), &empty), None);
}

#[test]
fn restore_from_snapshot_keeps_queues_messages_and_state() {
    let mut sb = Sb::new();
    let url = sb.create("q.fifo", json!({"FifoQueue": "true"}));
    sb.send(&url, json!({"MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "1"}));
    sb.send(&url, json!({"MessageBody": "b", "MessageGroupId": "g", "MessageDeduplicationId": "2"}));
    let m = sb.receive(&url, json!({"MaxNumberOfMessages": 1, "ReceiveRequestAttemptId": "r"}));
    let std = sb.create("s", json!({}));
    sb.ok("DeleteQueue", json!({"QueueUrl": std}));
    let snapshot = sb.e.snapshot();
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, snapshot.clone()).unwrap(), t: sb.t };
    assert_eq!(restored.e.snapshot(), snapshot);
    // Dedup ids, the attempt id, the in-flight receipt and the deleted name all survived.
    let dup = restored.send(&url, json!({"MessageBody": "a", "MessageGroupId": "g", "MessageDeduplicationId": "1"}));
    assert_eq!(restored.counts(&url), c("1", "1", "0"), "{dup}");
    assert_eq!(restored.receive(&url, json!({"MaxNumberOfMessages": 1, "ReceiveRequestAttemptId": "r"})), m);
    restored.ok("DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": m[0]["ReceiptHandle"]}));
    assert_eq!(restored.err("CreateQueue", json!({"QueueName": "s"})).0, "QueueDeletedRecently");
}
