//! CloudWatch Logs behaviour, with AWS's documented answers as the oracle.

use serde_json::{json, Value};

use super::filter::{split_fields, wildcard, Pattern};
use crate::{
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

/// Virtual time of every call (the default sandbox start, 2026-01-01).
const NOW: i64 = 1_767_225_600_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn engine() -> Engine {
    Engine::new(EngineConfig { start_virtual_ms: NOW, ..Default::default() }, 0)
}

fn call(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(0, &Request::new("logs", op, "us-east-1", input))
}

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    call(e, op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, op: &str, input: Value) -> (String, String) {
    let er = call(e, op, input).expect_err("expected an error");
    if !er.type_prefix.starts_with("com.amazon.coral") {
        assert_eq!(er.type_prefix, "", "logs errors carry the bare code");
    }
    (er.kind, er.message)
}

/// Group `/aws/lambda/fn` with stream `s`.
fn lambda_group() -> Engine {
    let mut e = engine();
    ok(&mut e, "CreateLogGroup", json!({"logGroupName": "/aws/lambda/fn"}));
    ok(&mut e, "CreateLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s"}));
    e
}

fn put(e: &mut Engine, stream: &str, events: &[(i64, &str)]) -> Value {
    let events: Vec<Value> = events.iter().map(|(t, m)| json!({"timestamp": t, "message": m})).collect();
    ok(e, "PutLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": stream, "logEvents": events}))
}

fn messages(out: &Value) -> Vec<String> {
    out["events"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap().to_string()).collect()
}

#[test]
fn log_groups_are_created_described_and_deleted() {
    let mut e = engine();
    assert_eq!(ok(&mut e, "CreateLogGroup", json!({"logGroupName": "/aws/lambda/fn", "tags": {"team": "a"}})), json!({}));
    ok(&mut e, "CreateLogGroup", json!({"logGroupName": "app", "logGroupClass": "INFREQUENT_ACCESS"}));
    let out = ok(&mut e, "DescribeLogGroups", json!({}));
    assert_eq!(
        out["logGroups"][0],
        json!({
            "logGroupName": "/aws/lambda/fn", "creationTime": NOW, "metricFilterCount": 0,
            "arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*", "storedBytes": 0,
            "logGroupClass": "STANDARD", "logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn"
        })
    );
    assert_eq!(out["logGroups"][1]["logGroupClass"], "INFREQUENT_ACCESS");
    assert!(out.get("nextToken").is_none());
    assert_eq!(err(&mut e, "CreateLogGroup", json!({"logGroupName": "app"})), ("ResourceAlreadyExistsException".into(), "The specified log group already exists".into()));
    ok(&mut e, "DeleteLogGroup", json!({"logGroupName": "app"}));
    assert_eq!(err(&mut e, "DeleteLogGroup", json!({"logGroupName": "app"})), ("ResourceNotFoundException".into(), "The specified log group does not exist.".into()));
    // Other regions have their own groups.
    let other = e.call(0, &Request::new("logs", "DescribeLogGroups", "eu-west-1", json!({}))).unwrap();
    assert_eq!(other, json!({"logGroups": []}));
}

#[test]
fn validation_messages_are_invalid_parameter_exceptions() {
    let mut e = engine();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("CreateLogGroup", json!({}), "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"),
        (
            "CreateLogGroup",
            json!({"logGroupName": "bad name"}),
            r"1 validation error detected: Value 'bad name' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+",
        ),
        ("CreateLogGroup", json!({"logGroupName": "x".repeat(513)}), "Member must have length less than or equal to 512"),
        ("CreateLogGroup", json!({"logGroupName": "g", "logGroupClass": "COLD"}), "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]"),
        ("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "a:b"}), "Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"),
        ("DescribeLogGroups", json!({"limit": 51}), "Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"),
        (
            "PutRetentionPolicy",
            json!({"logGroupName": "g", "retentionInDays": 2}),
            "Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
        ),
        ("PutLogEvents", json!({"logGroupName": "g", "logStreamName": "s", "logEvents": []}), "Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"),
        (
            "PutLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": 1, "message": ""}]}),
            "Value '' at 'logEvents.1.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
    ];
    for (op, input, want) in cases {
        let (kind, message) = err(&mut e, op, input.clone());
        assert_eq!(kind, "InvalidParameterException", "{op} {input}");
        assert!(message.contains(want), "{op} {input}: {message}");
    }
    // A member of the wrong JSON type is Coral's SerializationException.
    assert_eq!(err(&mut e, "CreateLogGroup", json!({"logGroupName": 5})).0, "SerializationException");
    // Not implemented members are refused, not ignored.
    assert!(err(&mut e, "CreateLogGroup", json!({"logGroupName": "g", "kmsKeyId": "k"})).1.contains("does not implement"));
}

#[test]
fn describe_log_groups_filters_and_pages() {
    let mut e = engine();
    for name in ["/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/c", "/ecs/Web", "app"] {
        ok(&mut e, "CreateLogGroup", json!({"logGroupName": name}));
    }
    let names = |v: &Value| v["logGroups"].as_array().unwrap().iter().map(|g| g["logGroupName"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&ok(&mut e, "DescribeLogGroups", json!({"logGroupNamePrefix": "/aws/lambda/"}))), ["/aws/lambda/a", "/aws/lambda/b", "/aws/lambda/c"]);
    assert_eq!(names(&ok(&mut e, "DescribeLogGroups", json!({"logGroupNamePattern": "web"}))), ["/ecs/Web"]);
    let p1 = ok(&mut e, "DescribeLogGroups", json!({"limit": 2}));
    assert_eq!(names(&p1), ["/aws/lambda/a", "/aws/lambda/b"]);
    let p2 = ok(&mut e, "DescribeLogGroups", json!({"limit": 2, "nextToken": p1["nextToken"]}));
    assert_eq!(names(&p2), ["/aws/lambda/c", "/ecs/Web"]);
    let p3 = ok(&mut e, "DescribeLogGroups", json!({"limit": 2, "nextToken": p2["nextToken"]}));
    assert_eq!(names(&p3), ["app"]);
    assert!(p3.get("nextToken").is_none());
    assert_eq!(err(&mut e, "DescribeLogGroups", json!({"logGroupNamePrefix": "a", "logGroupNamePattern": "b"})).0, "InvalidParameterException");
    assert_eq!(err(&mut e, "DescribeLogGroups", json!({"nextToken": "!!"})).1, "The specified nextToken is invalid.");
}

#[test]
fn log_streams_are_created_described_ordered_and_deleted() {
    let mut e = lambda_group();
    assert_eq!(
        err(&mut e, "CreateLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s"})),
        ("ResourceAlreadyExistsException".into(), "The specified log stream already exists".into())
    );
    assert_eq!(err(&mut e, "CreateLogStream", json!({"logGroupName": "nope", "logStreamName": "s"})).1, "The specified log group does not exist.");
    let lambda_stream = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef";
    ok(&mut e, "CreateLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": lambda_stream}));
    put(&mut e, lambda_stream, &[(NOW - 5, "START"), (NOW - 1, "END")]);
    put(&mut e, "s", &[(NOW - 10, "early")]);
    let out = ok(&mut e, "DescribeLogStreams", json!({"logGroupName": "/aws/lambda/fn"}));
    assert_eq!(
        out["logStreams"][0],
        json!({
            "logStreamName": lambda_stream, "creationTime": NOW, "firstEventTimestamp": NOW - 5, "lastEventTimestamp": NOW - 1,
            "lastIngestionTime": NOW, "uploadSequenceToken": format!("{:056}", 1),
            "arn": format!("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:{lambda_stream}"), "storedBytes": 0
        })
    );
    let order = |v: &Value| v["logStreams"].as_array().unwrap().iter().map(|s| s["logStreamName"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let by_time = ok(&mut e, "DescribeLogStreams", json!({"logGroupName": "/aws/lambda/fn", "orderBy": "LastEventTime", "descending": true}));
    assert_eq!(order(&by_time), [lambda_stream, "s"]);
    let p1 = ok(&mut e, "DescribeLogStreams", json!({"logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn", "limit": 1}));
    assert_eq!(order(&p1), [lambda_stream]);
    let p2 = ok(&mut e, "DescribeLogStreams", json!({"logGroupName": "/aws/lambda/fn", "limit": 1, "nextToken": p1["nextToken"]}));
    assert_eq!(order(&p2), ["s"]);
    assert!(p2.get("nextToken").is_none());
    assert_eq!(order(&ok(&mut e, "DescribeLogStreams", json!({"logGroupName": "/aws/lambda/fn", "logStreamNamePrefix": "2026/"}))), [lambda_stream]);
    assert_eq!(
        err(&mut e, "DescribeLogStreams", json!({"logGroupName": "/aws/lambda/fn", "logStreamNamePrefix": "2026/", "orderBy": "LastEventTime"})).1,
        "Cannot order by LastEventTime with a logStreamNamePrefix."
    );
    ok(&mut e, "DeleteLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s"}));
    assert_eq!(err(&mut e, "DeleteLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s"})).1, "The specified log stream does not exist.");
    // storedBytes of the group counts the messages still stored.
    assert_eq!(ok(&mut e, "DescribeLogGroups", json!({}))["logGroups"][0]["storedBytes"], 8);
}

#[test]
fn put_log_events_checks_order_size_and_time() {
    let mut e = lambda_group();
    let out = put(&mut e, "s", &[(NOW - 2, "a"), (NOW - 1, "b")]);
    assert_eq!(out, json!({"nextSequenceToken": format!("{:056}", 1)}));
    let bad = |e: &mut Engine, events: Value| err(e, "PutLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "logEvents": events}));
    assert_eq!(
        bad(&mut e, json!([{"timestamp": NOW, "message": "x"}, {"timestamp": NOW - 1, "message": "y"}])),
        ("InvalidParameterException".into(), "Log events in a single PutLogEvents request must be in chronological order.".into())
    );
    assert_eq!(
        bad(&mut e, json!([{"timestamp": NOW - 25 * HOUR, "message": "x"}, {"timestamp": NOW, "message": "y"}])).1,
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
    );
    assert_eq!(bad(&mut e, json!([{"timestamp": NOW, "message": "x".repeat(1_048_551)}])).1, "Log event too large: 1048577 bytes exceeds limit of 1048576");
    let half = "x".repeat(600_000);
    assert_eq!(bad(&mut e, json!([{"timestamp": NOW, "message": half}, {"timestamp": NOW, "message": half}])).1, "Upload too large: 1200052 bytes exceeds limit of 1048576");
    assert_eq!(
        err(&mut e, "PutLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "nope", "logEvents": [{"timestamp": NOW, "message": "x"}]})).1,
        "The specified log stream does not exist."
    );
    // Too old (over 14 days), too new (over 2 hours ahead): rejected, the rest stored.
    let out = put(&mut e, "s", &[(NOW - 15 * DAY, "old"), (NOW - 15 * DAY + 1, "old2"), (NOW, "ok"), (NOW + 3 * HOUR, "new")]);
    assert_eq!(out["rejectedLogEventsInfo"], json!({"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 3}));
    // A sequence token, right or wrong, is ignored.
    ok(&mut e, "PutLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "sequenceToken": "nonsense", "logEvents": [{"timestamp": NOW, "message": "tok"}]}));
    let all = ok(&mut e, "GetLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "startFromHead": true}));
    assert_eq!(messages(&all), ["a", "b", "ok", "tok"]);
    assert_eq!(all["events"][0], json!({"timestamp": NOW - 2, "message": "a", "ingestionTime": NOW}));
    // Events older than the retention period are "expired".
    ok(&mut e, "PutRetentionPolicy", json!({"logGroupName": "/aws/lambda/fn", "retentionInDays": 1}));
    let out = put(&mut e, "s", &[(NOW - 20 * DAY, "old"), (NOW - 3 * DAY, "expired"), (NOW, "fine")]);
    assert_eq!(out["rejectedLogEventsInfo"], json!({"tooOldLogEventEndIndex": 1, "expiredLogEventEndIndex": 2}));
}

#[test]
fn get_log_events_pages_with_stable_tokens() {
    let mut e = lambda_group();
    let events: Vec<(i64, String)> = (0..25).map(|i| (NOW - 100 + i, format!("m{i}"))).collect();
    let refs: Vec<(i64, &str)> = events.iter().map(|(t, m)| (*t, m.as_str())).collect();
    put(&mut e, "s", &refs[..10]);
    put(&mut e, "s", &refs[10..]);
    let get = |e: &mut Engine, extra: Value| {
        let mut input = json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "limit": 10});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        ok(e, "GetLogEvents", input)
    };
    // Default: the latest events.
    let tail = get(&mut e, json!({}));
    assert_eq!(messages(&tail)[0], "m15");
    // From the head, forward until the token repeats.
    let mut seen = Vec::new();
    let mut token: Option<Value> = None;
    loop {
        let extra = match &token {
            Some(t) => json!({"startFromHead": true, "nextToken": t}),
            None => json!({"startFromHead": true}),
        };
        let out = get(&mut e, extra);
        seen.extend(messages(&out));
        let next = out["nextForwardToken"].clone();
        assert!(next.as_str().unwrap().starts_with("f/") && next.as_str().unwrap().ends_with("/s"));
        if Some(&next) == token.as_ref() {
            break;
        }
        token = Some(next);
    }
    assert_eq!(seen.len(), 25);
    assert_eq!(seen[24], "m24");
    // New events appear behind the last forward token.
    put(&mut e, "s", &[(NOW, "later")]);
    assert_eq!(messages(&get(&mut e, json!({"nextToken": token.clone().unwrap()}))), ["later"]);
    // Backward from the tail's backward token.
    let back = get(&mut e, json!({"nextToken": tail["nextBackwardToken"]}));
    assert_eq!(messages(&back), (5..15).map(|i| format!("m{i}")).collect::<Vec<_>>());
    // Time window: startTime inclusive, endTime exclusive.
    let w = get(&mut e, json!({"startFromHead": true, "startTime": NOW - 100, "endTime": NOW - 97}));
    assert_eq!(messages(&w), ["m0", "m1", "m2"]);
    assert_eq!(err(&mut e, "GetLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "nextToken": "f/123"})).1, "The specified nextToken is invalid.");
    assert_eq!(err(&mut e, "GetLogEvents", json!({"logStreamName": "s"})).0, "InvalidParameterException");
}

#[test]
fn filter_log_events_interleaves_streams_and_pages() {
    let mut e = lambda_group();
    ok(&mut e, "CreateLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "t"}));
    put(&mut e, "s", &[(NOW - 30, "ERROR one"), (NOW - 10, "INFO two")]);
    put(&mut e, "t", &[(NOW - 20, "ERROR three"), (NOW - 5, "WARN four")]);
    let out = ok(&mut e, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/fn"}));
    assert_eq!(messages(&out), ["ERROR one", "ERROR three", "INFO two", "WARN four"]);
    assert_eq!(out["searchedLogStreams"], json!([]));
    let first = &out["events"][0];
    assert_eq!(first["logStreamName"], "s");
    assert_eq!(first["eventId"].as_str().unwrap().len(), 56);
    assert!(out.get("nextToken").is_none());
    let errors = ok(&mut e, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/fn", "filterPattern": "ERROR"}));
    assert_eq!(messages(&errors), ["ERROR one", "ERROR three"]);
    let t_only = ok(&mut e, "FilterLogEvents", json!({"logGroupIdentifier": "/aws/lambda/fn", "logStreamNames": ["t"], "startTime": NOW - 20, "endTime": NOW - 5}));
    assert_eq!(messages(&t_only), ["ERROR three", "WARN four"]);
    // Paging: limit 1 until no nextToken.
    let mut all = Vec::new();
    let mut input = json!({"logGroupName": "/aws/lambda/fn", "limit": 1});
    loop {
        let page = ok(&mut e, "FilterLogEvents", input.clone());
        all.extend(messages(&page));
        match page.get("nextToken") {
            Some(t) => input["nextToken"] = t.clone(),
            None => break,
        }
    }
    assert_eq!(all, ["ERROR one", "ERROR three", "INFO two", "WARN four"]);
    assert_eq!(err(&mut e, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/fn", "filterPattern": "a:b"})).1, "Invalid character(s) in term 'a:b'");
    assert_eq!(err(&mut e, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/fn", "filterPattern": "{ $.a = }"})).1, "Invalid filter pattern");
    assert_eq!(err(&mut e, "FilterLogEvents", json!({"logGroupName": "nope"})).1, "The specified log group does not exist.");
}

#[test]
fn filter_patterns_match_as_documented() {
    let cases: &[(&str, &str, bool)] = &[
        ("", "anything", true),
        ("\" \"", "anything", true),
        ("ERROR", "[ERROR 400] BAD REQUEST", true),
        ("ERROR", "error", false),
        ("ERROR ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS", true),
        ("ERROR ARGUMENTS", "[ERROR 400] BAD REQUEST", false),
        ("?ERROR ?WARN", "WARN disk", true),
        ("?ERROR ?WARN", "INFO ok", false),
        ("ERROR -ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS", false),
        ("ERROR -ARGUMENTS", "[ERROR 400] BAD REQUEST", true),
        ("\"INTERNAL SERVER ERROR\"", "[ERROR 500] INTERNAL SERVER ERROR", true),
        ("\"INTERNAL SERVER ERROR\"", "[ERROR 500] INTERNAL ERROR", false),
        (r#"{ $.level = "ERROR" }"#, r#"{"level": "ERROR", "n": 5}"#, true),
        (r#"{ $.level = "ERROR" }"#, r#"{"level": "INFO"}"#, false),
        (r#"{ $.level = "ERROR" }"#, "ERROR not json", false),
        (r#"{ $.level = ERR* }"#, r#"{"level": "ERROR"}"#, true),
        ("{ $.n > 4 && $.n <= 5 }", r#"{"n": 5}"#, true),
        ("{ $.n > 5 || $.m = 1 }", r#"{"n": 5, "m": 1}"#, true),
        ("{ ($.n > 5 || $.m = 1) && $.x NOT EXISTS }", r#"{"n": 5, "m": 1, "x": 0}"#, false),
        ("{ $.user.ids[1] = 7 }", r#"{"user": {"ids": [6, 7]}}"#, true),
        ("{ $.ok IS TRUE }", r#"{"ok": true}"#, true),
        ("{ $.ok IS FALSE }", r#"{"ok": true}"#, false),
        ("{ $.gone IS NULL }", r#"{"gone": null}"#, true),
        ("{ $.gone NOT EXISTS }", r#"{"here": 1}"#, true),
        ("{ $.level != \"INFO\" }", r#"{"level": "WARN"}"#, true),
        (
            "[ip, user, username, timestamp, request, status_code = 4*, bytes > 1000]",
            r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534"#,
            true,
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 4*, bytes > 1000]",
            r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#,
            false,
        ),
        ("[..., status = 5* || status = 4*, bytes]", "a b c 503 10", true),
        ("[a, b]", "one two three", false),
    ];
    for (pattern, message, want) in cases {
        let p = Pattern::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert_eq!(p.matches(message), *want, "{pattern} on {message}");
    }
    for bad in ["{ $.a = ", "{ a = 1 }", "{ $.a > \"x\" }", "\"open", "[a, , b]", "(x)"] {
        assert!(Pattern::parse(bad).is_err(), "{bad}");
    }
    assert!(wildcard("a*c*e", "abcde") && !wildcard("a*c", "abd"));
    assert_eq!(split_fields(r#"1 "two words" [three] four"#), ["1", "two words", "three", "four"]);
}

#[test]
fn retention_drops_expired_events_on_the_virtual_clock() {
    let mut e = lambda_group();
    put(&mut e, "s", &[(NOW - 2 * DAY, "old")]);
    put(&mut e, "s", &[(NOW - HOUR, "recent")]);
    put(&mut e, "s", &[(NOW, "now")]);
    // Setting a policy drops what it already expired.
    ok(&mut e, "PutRetentionPolicy", json!({"logGroupName": "/aws/lambda/fn", "retentionInDays": 1}));
    let get = |e: &mut Engine| messages(&ok(e, "GetLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "startFromHead": true})));
    assert_eq!(get(&mut e), ["recent", "now"]);
    assert_eq!(ok(&mut e, "DescribeLogGroups", json!({}))["logGroups"][0]["retentionInDays"], 1);
    // A virtual day later the rest expire in turn.
    ok(&mut e, "PutRetentionPolicy", json!({"logGroupName": "/aws/lambda/fn", "retentionInDays": 1}));
    e.control(0, "AdvanceClock", &json!({"seconds": (DAY - HOUR) / 1000 + 1})).unwrap();
    assert_eq!(get(&mut e), ["now"]);
    e.control(0, "AdvanceClock", &json!({"seconds": HOUR / 1000})).unwrap();
    assert_eq!(get(&mut e), Vec::<String>::new());
    assert_eq!(ok(&mut e, "DescribeLogGroups", json!({}))["logGroups"][0]["storedBytes"], 0);
    // Without a policy nothing expires.
    ok(&mut e, "DeleteRetentionPolicy", json!({"logGroupName": "/aws/lambda/fn"}));
    let now = e.now_ms(0);
    put(&mut e, "s", &[(now - 13 * DAY, "kept")]);
    e.control(0, "AdvanceClock", &json!({"seconds": 30 * DAY / 1000})).unwrap();
    assert_eq!(get(&mut e), ["kept"]);
    assert!(ok(&mut e, "DescribeLogGroups", json!({}))["logGroups"][0].get("retentionInDays").is_none());
}

#[test]
fn tags_by_name_and_by_arn() {
    let mut e = lambda_group();
    let arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn";
    ok(&mut e, "TagLogGroup", json!({"logGroupName": "/aws/lambda/fn", "tags": {"a": "1", "b": "2"}}));
    ok(&mut e, "TagResource", json!({"resourceArn": arn, "tags": {"c": "3"}}));
    ok(&mut e, "UntagLogGroup", json!({"logGroupName": "/aws/lambda/fn", "tags": ["a"]}));
    ok(&mut e, "UntagResource", json!({"resourceArn": arn, "tagKeys": ["b"]}));
    assert_eq!(ok(&mut e, "ListTagsLogGroup", json!({"logGroupName": "/aws/lambda/fn"})), json!({"tags": {"c": "3"}}));
    assert_eq!(ok(&mut e, "ListTagsForResource", json!({"resourceArn": arn})), json!({"tags": {"c": "3"}}));
    assert_eq!(err(&mut e, "ListTagsForResource", json!({"resourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:nope"})).0, "ResourceNotFoundException");
    let many: serde_json::Map<String, Value> = (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    let (kind, _) = err(&mut e, "TagResource", json!({"resourceArn": arn, "tags": many}));
    assert_eq!(kind, "TooManyTagsException");
}

#[test]
fn unknown_and_unimplemented_operations() {
    let mut e = engine();
    assert!(err(&mut e, "StartQuery", json!({})).1.contains("does not implement"));
    assert_eq!(err(&mut e, "NoSuchThing", json!({})).0, "UnknownOperationException");
}

/// Applies the engine's pending changes to `img`, as a store would.
fn commit(e: &mut Engine, img: &mut Image) {
    let changes = e.take_changes();
    if !changes.is_empty() {
        img.apply_segment(&encode_batch(&changes)).unwrap();
    }
}

#[test]
fn journal_replay_equals_snapshot_and_restore() {
    let mut e = lambda_group();
    let mut img = Image::default();
    commit(&mut e, &mut img);
    ok(&mut e, "CreateLogStream", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "a/b%c"}));
    for i in 0..40 {
        put(&mut e, if i % 2 == 0 { "s" } else { "a/b%c" }, &[(NOW - 3 * DAY + i * HOUR, "x"), (NOW - 3 * DAY + i * HOUR + 1, "y")]);
        if i == 20 {
            ok(&mut e, "PutRetentionPolicy", json!({"logGroupName": "/aws/lambda/fn", "retentionInDays": 3}));
        }
        commit(&mut e, &mut img);
    }
    e.control(0, "AdvanceClock", &json!({"seconds": DAY / 1000})).unwrap();
    commit(&mut e, &mut img);
    assert_eq!(img.clone().into_records(), e.snapshot());
    let restored = Engine::restore(EngineConfig::default(), 0, img.into_records()).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    ok(&mut e, "DeleteLogGroup", json!({"logGroupName": "/aws/lambda/fn"}));
    let mut img2 = Image::default();
    for r in restored.snapshot() {
        img2.apply_segment(&encode_batch(&[crate::Change::Put { key: r.key, value: r.value }])).unwrap();
    }
    commit(&mut e, &mut img2);
    assert_eq!(img2.into_records(), e.snapshot());
}

#[test]
fn odd_inputs_get_errors_not_panics() {
    let mut e = lambda_group();
    put(&mut e, "s", &[(NOW, "x")]);
    let ops = [
        "CreateLogGroup",
        "DeleteLogGroup",
        "DescribeLogGroups",
        "CreateLogStream",
        "DeleteLogStream",
        "DescribeLogStreams",
        "PutLogEvents",
        "GetLogEvents",
        "FilterLogEvents",
        "PutRetentionPolicy",
        "DeleteRetentionPolicy",
        "TagLogGroup",
        "UntagLogGroup",
        "ListTagsLogGroup",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ];
    let values = [json!(null), json!(""), json!(-1), json!(i64::MAX), json!(i64::MIN), json!(1.5), json!([]), json!({}), json!("f/1/s"), json!("b/"), json!("\u{1F600}:*")];
    let members = [
        "logGroupName",
        "logStreamName",
        "logGroupIdentifier",
        "nextToken",
        "limit",
        "startTime",
        "endTime",
        "filterPattern",
        "logEvents",
        "retentionInDays",
        "tags",
        "resourceArn",
        "tagKeys",
        "orderBy",
        "logStreamNames",
        "startFromHead",
    ];
    for op in ops {
        for m in members {
            for v in &values {
                let _ = call(&mut e, op, json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", m: v}));
            }
        }
        for v in [json!({"timestamp": i64::MAX, "message": "x"}), json!({"timestamp": 0, "message": "x"}), json!([1, 2])] {
            let _ = call(&mut e, op, json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "logEvents": [v]}));
        }
        for p in ["{", "[", "{ $", "{ $. = 1 }", "{ $.a[ = 1 }", "[...,...,...]", "\"", "?", "-", "{ $.a = \"\\", "[a = ]"] {
            let _ = call(&mut e, op, json!({"logGroupName": "/aws/lambda/fn", "filterPattern": p}));
        }
    }
    for t in [0, i64::MAX] {
        let _ = call(&mut e, "GetLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "startTime": t, "endTime": 0}));
        let _ = call(&mut e, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/fn", "startTime": t, "endTime": 0}));
        let _ = call(&mut e, "GetLogEvents", json!({"logGroupName": "/aws/lambda/fn", "logStreamName": "s", "nextToken": format!("b/{:020}{:020}{:016}/s", t, 0, 0)}));
    }
}
