//! Time to Live: UpdateTimeToLive / DescribeTimeToLive shapes and errors, the transition and the
//! one-hour rule on the virtual clock, lazy deletion (expired items stay readable until the
//! TTL process deletes them), which values expire, indexes, stream records, persistence.

use serde_json::{json, Value};

use super::test_support::{advance, ddb, err, ok, H};
use super::ttl::{CHANGE_INTERVAL_MS, TRANSITION_MS};
use crate::{AwsError, Engine, EngineConfig, Request};

/// The host's clock stays put; virtual time moves with AdvanceClock.
const MIN: i64 = 60;
const HOUR: i64 = 3_600;

/// Virtual now, in epoch seconds.
fn now_s(e: &Engine) -> i64 {
    e.now_ms(H).div_euclid(1000)
}

fn create(e: &mut Engine, name: &str, extra: Value) {
    let mut input = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ok(ddb(e, "CreateTable", input));
    advance(e, 2);
}

fn engine() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, "Sessions", json!({}));
    e
}

fn update(e: &mut Engine, table: &str, enabled: bool, attribute: &str) -> Result<Value, AwsError> {
    ddb(e, "UpdateTimeToLive", json!({"TableName": table, "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}))
}

fn describe(e: &mut Engine, table: &str) -> Value {
    ok(ddb(e, "DescribeTimeToLive", json!({ "TableName": table })))["TimeToLiveDescription"].clone()
}

/// Enables TTL on `attribute` and lets it settle.
fn enable(e: &mut Engine, table: &str, attribute: &str) {
    ok(update(e, table, true, attribute));
    advance(e, TRANSITION_MS / 1000);
}

fn put(e: &mut Engine, table: &str, pk: &str, attrs: Value) {
    let mut item = json!({"pk": {"S": pk}});
    if let (Some(obj), Some(more)) = (item.as_object_mut(), attrs.as_object()) {
        obj.extend(more.clone());
    }
    ok(ddb(e, "PutItem", json!({"TableName": table, "Item": item})));
}

fn get(e: &mut Engine, table: &str, pk: &str) -> Option<Value> {
    ok(ddb(e, "GetItem", json!({"TableName": table, "Key": {"pk": {"S": pk}}, "ConsistentRead": true}))).get("Item").cloned()
}

fn scan_keys(e: &mut Engine, table: &str) -> Vec<String> {
    let mut keys: Vec<String> = ok(ddb(e, "Scan", json!({ "TableName": table })))["Items"].as_array().unwrap().iter().map(|i| i["pk"]["S"].as_str().unwrap().to_string()).collect();
    keys.sort();
    keys
}

fn n(v: i64) -> Value {
    json!({ "N": v.to_string() })
}

#[test]
fn update_echoes_the_specification_and_describe_follows_the_transition() {
    let mut e = engine();
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "DISABLED"}));
    let out = ok(update(&mut e, "Sessions", true, "ExpTime"));
    assert_eq!(out, json!({"TimeToLiveSpecification": {"Enabled": true, "AttributeName": "ExpTime"}}));
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "ENABLING", "AttributeName": "ExpTime"}));
    advance(&mut e, TRANSITION_MS / 1000);
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "ExpTime"}));
    // DescribeTable does not show TTL, as on AWS.
    let table = ok(ddb(&mut e, "DescribeTable", json!({"TableName": "Sessions"})))["Table"].clone();
    assert!(!table.to_string().contains("ExpTime") && !table.to_string().contains("TimeToLive"));

    // Disabling, an hour later: DISABLING with the attribute, then DISABLED without it.
    advance(&mut e, CHANGE_INTERVAL_MS / 1000);
    assert_eq!(ok(update(&mut e, "Sessions", false, "ExpTime")), json!({"TimeToLiveSpecification": {"Enabled": false, "AttributeName": "ExpTime"}}));
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "DISABLING", "AttributeName": "ExpTime"}));
    advance(&mut e, TRANSITION_MS / 1000);
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "DISABLED"}));
}

#[test]
fn aws_errors_in_aws_order() {
    let mut e = engine();
    let v = |m: &str| ("ValidationException".to_string(), m.to_string());
    assert_eq!(err(update(&mut e, "Sessions", false, "ExpTime")), v("TimeToLive is already disabled"));
    enable(&mut e, "Sessions", "ExpTime");
    // What the request asks is checked before the one-hour rule.
    assert_eq!(err(update(&mut e, "Sessions", true, "ExpTime")), v("TimeToLive is already enabled"));
    assert_eq!(err(update(&mut e, "Sessions", true, "Other")), v("TimeToLive is active on a different AttributeName: current AttributeName is ExpTime"));
    assert_eq!(err(update(&mut e, "Sessions", false, "Other")), v("TimeToLive is active on a different AttributeName: current AttributeName is ExpTime"));
    assert_eq!(err(update(&mut e, "Sessions", false, "ExpTime")), v("Time to live has been modified multiple times within a fixed interval"));
    // One hour after the change, it goes through.
    advance(&mut e, CHANGE_INTERVAL_MS / 1000 - TRANSITION_MS / 1000 - 1);
    assert_eq!(err(update(&mut e, "Sessions", false, "ExpTime")), v("Time to live has been modified multiple times within a fixed interval"));
    advance(&mut e, 1);
    ok(update(&mut e, "Sessions", false, "ExpTime"));
    // Enabling again (another attribute, as a rename is disable then enable) waits another hour.
    advance(&mut e, 10);
    assert_eq!(err(update(&mut e, "Sessions", true, "NewAttr")), v("Time to live has been modified multiple times within a fixed interval"));

    // Parameters.
    assert_eq!(
        err(ddb(&mut e, "UpdateTimeToLive", json!({"TableName": "Sessions"}))),
        v("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
    );
    assert_eq!(
        err(ddb(&mut e, "UpdateTimeToLive", json!({"TableName": "Sessions", "TimeToLiveSpecification": {"Enabled": true}}))),
        v("1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null")
    );
    assert_eq!(
        err(ddb(&mut e, "UpdateTimeToLive", json!({"TableName": "Sessions", "TimeToLiveSpecification": {"AttributeName": "a"}}))),
        v("1 validation error detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null")
    );
    let long = "a".repeat(256);
    assert_eq!(
        err(update(&mut e, "Sessions", true, &long)),
        v(&format!("1 validation error detected: Value '{long}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255"))
    );
    assert_eq!(
        err(update(&mut e, "Sessions", true, "")),
        v("1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    assert_eq!(err(ddb(&mut e, "DescribeTimeToLive", json!({}))), v("The parameter 'TableName' is required but was not present in the request"));
    assert_eq!(err(ddb(&mut e, "UpdateTimeToLive", json!({"TableName": "ab", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "a"}}))).0, "ValidationException");
    assert_eq!(
        err(ddb(&mut e, "UpdateTimeToLive", json!({"TableName": "Sessions", "TimeToLiveSpecification": {"Enabled": "yes", "AttributeName": "a"}}))).0,
        "SerializationException"
    );

    // Missing, creating tables.
    let missing = ("ResourceNotFoundException".to_string(), "Requested resource not found: Table: Nope not found".to_string());
    assert_eq!(err(ddb(&mut e, "DescribeTimeToLive", json!({"TableName": "Nope"}))), missing);
    assert_eq!(err(update(&mut e, "Nope", true, "a")), missing);
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({"TableName": "Young", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    ));
    assert_eq!(err(update(&mut e, "Young", true, "a")).0, "ResourceInUseException");
    assert_eq!(err(ddb(&mut e, "DescribeTimeToLive", json!({"TableName": "Young"}))), v("Cannot describe time to live while table is in CREATING state"));
    // TTL on the partition key is accepted, as on AWS.
    advance(&mut e, 2);
    ok(update(&mut e, "Young", true, "pk"));
}

/// The seed's web-session example: a session expires two hours after its last renewal.
#[test]
fn a_web_session_expires_two_hours_after_its_last_renewal() {
    let mut e = engine();
    enable(&mut e, "Sessions", "ExpTime");
    let t0 = now_s(&e);
    put(&mut e, "Sessions", "session-1", json!({"UserName": {"S": "ana"}, "ExpTime": n(t0 + 2 * HOUR)}));
    put(&mut e, "Sessions", "session-2", json!({"UserName": {"S": "bo"}, "ExpTime": n(t0 + 2 * HOUR)}));

    // After an hour, session-1 is renewed: its expiry moves two hours on.
    advance(&mut e, HOUR);
    let renewed = now_s(&e) + 2 * HOUR;
    ok(ddb(
        &mut e,
        "UpdateItem",
        json!({"TableName": "Sessions", "Key": {"pk": {"S": "session-1"}}, "UpdateExpression": "SET ExpTime = :t", "ExpressionAttributeValues": {":t": n(renewed)}}),
    ));

    // Past the first expiry plus the sweep delay: session-2 is gone, session-1 lives on.
    advance(&mut e, HOUR + 10 * MIN);
    assert_eq!(scan_keys(&mut e, "Sessions"), ["session-1"]);

    // No more renewals. Just after session-1's expiry it is expired but not yet deleted, and
    // every read still returns it (applications filter on the expiry themselves).
    let wait = renewed - now_s(&e) + 30;
    advance(&mut e, wait);
    assert!(now_s(&e) > renewed);
    assert!(get(&mut e, "Sessions", "session-1").is_some(), "expired items stay readable until deleted");
    assert_eq!(scan_keys(&mut e, "Sessions"), ["session-1"]);
    let q = ok(ddb(&mut e, "Query", json!({"TableName": "Sessions", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "session-1"}}})));
    assert_eq!(q["Count"], 1);
    // The application's own filter hides it.
    let now = now_s(&e);
    let live = ok(ddb(&mut e, "Scan", json!({"TableName": "Sessions", "FilterExpression": "ExpTime > :now", "ExpressionAttributeValues": {":now": n(now)}})));
    assert_eq!(live["Count"], 0);

    // Jump the virtual clock: the TTL process has deleted it.
    advance(&mut e, 10 * MIN);
    assert_eq!(get(&mut e, "Sessions", "session-1"), None);
    assert!(scan_keys(&mut e, "Sessions").is_empty());
}

#[test]
fn items_go_between_five_and_six_minutes_after_expiry() {
    let mut e = engine();
    enable(&mut e, "Sessions", "ExpTime");
    let exp = now_s(&e) + 100;
    put(&mut e, "Sessions", "a", json!({ "ExpTime": n(exp) }));
    let wait = exp - now_s(&e) + 5 * MIN - 2;
    advance(&mut e, wait);
    assert!(get(&mut e, "Sessions", "a").is_some(), "not before five minutes past expiry");
    advance(&mut e, 62);
    assert!(get(&mut e, "Sessions", "a").is_none(), "gone within six minutes");
}

#[test]
fn only_numbers_of_epoch_seconds_within_five_years_expire() {
    let mut e = engine();
    // Items written before TTL is enabled count too.
    let t = now_s(&e);
    put(&mut e, "Sessions", "before", json!({ "ExpTime": n(t - 10) }));
    enable(&mut e, "Sessions", "ExpTime");
    let t = now_s(&e);
    put(&mut e, "Sessions", "past", json!({ "ExpTime": n(t - 3600) }));
    put(&mut e, "Sessions", "fraction", json!({ "ExpTime": {"N": format!("{}.75", t - 1)} }));
    put(&mut e, "Sessions", "string", json!({ "ExpTime": {"S": (t - 10).to_string()} }));
    put(&mut e, "Sessions", "set", json!({ "ExpTime": {"NS": [(t - 10).to_string()]} }));
    put(&mut e, "Sessions", "list", json!({ "ExpTime": {"L": [n(t - 10)]} }));
    put(&mut e, "Sessions", "millis", json!({ "ExpTime": n((t - 10) * 1000) }));
    put(&mut e, "Sessions", "ancient", json!({ "ExpTime": n(t - 6 * 365 * 86_400) }));
    put(&mut e, "Sessions", "negative", json!({ "ExpTime": n(-5) }));
    put(&mut e, "Sessions", "no-attribute", json!({ "Other": n(t - 10) }));
    put(&mut e, "Sessions", "other-attribute", json!({ "expTime": n(t - 10) }));
    advance(&mut e, 10 * MIN);
    assert_eq!(scan_keys(&mut e, "Sessions"), ["ancient", "list", "millis", "negative", "no-attribute", "other-attribute", "set", "string"]);
}

#[test]
fn tables_without_ttl_get_no_timers_and_disabling_stops_deletion() {
    let timers = |e: &Engine| e.snapshot().iter().filter(|r| r.key.starts_with("sim/timer/") && String::from_utf8_lossy(&r.value).contains("ttl-")).count();
    let mut e = engine();
    let t = now_s(&e);
    for i in 0..50 {
        put(&mut e, "Sessions", &format!("s{i}"), json!({ "ExpTime": n(t - 10) }));
    }
    assert_eq!(timers(&e), 0, "no TTL work on a table without TTL");
    advance(&mut e, HOUR);
    assert_eq!(scan_keys(&mut e, "Sessions").len(), 50);

    // Enabled: items long expired go at the first pass, as soon as TTL is ENABLED.
    enable(&mut e, "Sessions", "ExpTime");
    assert!(scan_keys(&mut e, "Sessions").is_empty());
    assert_eq!(timers(&e), 0, "nothing left to delete, no pass pending");
    // One timer per table with something to delete, however many items are queued.
    let t = now_s(&e);
    for i in 0..5 {
        put(&mut e, "Sessions", &format!("late{i}"), json!({ "ExpTime": n(t + 3600 + i) }));
        put(&mut e, "Sessions", &format!("soon{i}"), json!({ "ExpTime": n(t + 60 + i) }));
    }
    assert_eq!(timers(&e), 2, "the later pass, then an earlier one");
    advance(&mut e, 10 * MIN);
    assert_eq!(scan_keys(&mut e, "Sessions").len(), 5);
    assert_eq!(timers(&e), 1, "the next pass, for the later items");

    // Disabled before they expire: they stay.
    advance(&mut e, HOUR - 10 * MIN);
    ok(update(&mut e, "Sessions", false, "ExpTime"));
    advance(&mut e, 2 * HOUR);
    assert_eq!(scan_keys(&mut e, "Sessions").len(), 5);
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "DISABLED"}));
}

#[test]
fn ttl_deletes_update_indexes_and_stream_as_the_service() {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(
        &mut e,
        "Orders",
        json!({
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "status", "AttributeType": "S"}],
            "GlobalSecondaryIndexes": [{"IndexName": "byStatus", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        }),
    );
    enable(&mut e, "Orders", "expires");
    let t = now_s(&e);
    put(&mut e, "Orders", "o1", json!({"status": {"S": "open"}, "expires": n(t + 60)}));
    put(&mut e, "Orders", "o2", json!({"status": {"S": "open"}}));
    ok(ddb(&mut e, "DeleteItem", json!({"TableName": "Orders", "Key": {"pk": {"S": "o2"}}})));
    advance(&mut e, 10 * MIN);
    let q = ok(ddb(
        &mut e,
        "Query",
        json!({"TableName": "Orders", "IndexName": "byStatus", "KeyConditionExpression": "#s = :o", "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {":o": {"S": "open"}}}),
    ));
    assert_eq!(q["Count"], 0, "the index entry went with the item");
    let d = ok(ddb(&mut e, "DescribeTable", json!({"TableName": "Orders"})))["Table"].clone();
    assert_eq!(d["ItemCount"], 0);
    assert_eq!(d["GlobalSecondaryIndexes"][0]["ItemCount"], 0);

    let arn = d["LatestStreamArn"].as_str().unwrap().to_string();
    let st = |e: &mut Engine, op: &str, input: Value| ok(e.call(H, &Request::new("streams.dynamodb", op, "us-east-1", input)));
    let shard = st(&mut e, "DescribeStream", json!({"StreamArn": arn}))["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let it = st(&mut e, "GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}))["ShardIterator"].clone();
    let records = st(&mut e, "GetRecords", json!({ "ShardIterator": it }))["Records"].as_array().unwrap().clone();
    let summary: Vec<(String, String, Option<Value>)> = records
        .iter()
        .map(|r| (r["eventName"].as_str().unwrap().to_string(), r["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap().to_string(), r.get("userIdentity").cloned()))
        .collect();
    let service = json!({"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"});
    assert_eq!(
        summary,
        [("INSERT".into(), "o1".into(), None), ("INSERT".into(), "o2".into(), None), ("REMOVE".into(), "o2".into(), None), ("REMOVE".into(), "o1".into(), Some(service)),]
    );
    let last = &records[3]["dynamodb"];
    assert_eq!(last["OldImage"]["expires"], n(t + 60));
    assert!(last.get("NewImage").is_none());
}

#[test]
fn ttl_survives_reload_export_and_journal_replay() {
    use crate::kernel::journal::Change;
    let mut e = engine();
    let mut image = std::collections::BTreeMap::new();
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
    enable(&mut e, "Sessions", "ExpTime");
    let t = now_s(&e);
    put(&mut e, "Sessions", "soon", json!({ "ExpTime": n(t + 600) }));
    put(&mut e, "Sessions", "later", json!({ "ExpTime": n(t + 7200) }));
    apply(&mut e, &mut image);
    let snapshot: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert_eq!(image, snapshot, "journal replay equals snapshot");

    let mut reloaded = Engine::restore(EngineConfig::default(), H, e.snapshot()).unwrap();
    assert_eq!(describe(&mut reloaded, "Sessions"), json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "ExpTime"}));
    // The one-hour rule survives too.
    assert_eq!(err(update(&mut reloaded, "Sessions", false, "ExpTime")).1, "Time to live has been modified multiple times within a fixed interval");
    advance(&mut reloaded, 20 * MIN);
    assert_eq!(scan_keys(&mut reloaded, "Sessions"), ["later"]);
    // Written after the reload, expiring before the pending pass.
    let t2 = now_s(&reloaded);
    put(&mut reloaded, "Sessions", "quick", json!({ "ExpTime": n(t2 + 1) }));
    advance(&mut reloaded, 7 * MIN);
    assert_eq!(scan_keys(&mut reloaded, "Sessions"), ["later"]);
    advance(&mut reloaded, 2 * HOUR);
    assert!(scan_keys(&mut reloaded, "Sessions").is_empty());

    let doc = ok(e.control(H, "ExportSandbox", &json!({})));
    assert!(doc.to_string().contains("\"attributeName\":\"ExpTime\""), "the TTL setting exports as JSON");
    let mut imported = Engine::new(EngineConfig::default(), H);
    ok(imported.control(H, "ImportSandbox", &json!({ "sandbox": doc })));
    assert_eq!(describe(&mut imported, "Sessions"), json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "ExpTime"}));
    advance(&mut imported, 20 * MIN);
    assert_eq!(scan_keys(&mut imported, "Sessions"), ["later"]);
}

#[test]
fn a_table_named_item_exports_its_ttl() {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, "item", json!({}));
    enable(&mut e, "item", "exp");
    let doc = ok(e.control(H, "ExportSandbox", &json!({})));
    let mut imported = Engine::new(EngineConfig::default(), H);
    ok(imported.control(H, "ImportSandbox", &json!({ "sandbox": doc })));
    assert_eq!(describe(&mut imported, "item")["TimeToLiveStatus"], "ENABLED");
}

#[test]
fn a_deleted_table_stops_its_passes() {
    let mut e = engine();
    enable(&mut e, "Sessions", "ExpTime");
    let t = now_s(&e);
    put(&mut e, "Sessions", "a", json!({ "ExpTime": n(t + 10) }));
    ok(ddb(&mut e, "DeleteTable", json!({"TableName": "Sessions"})));
    advance(&mut e, 5);
    create(&mut e, "Sessions", json!({}));
    put(&mut e, "Sessions", "a", json!({ "ExpTime": n(t + 10) }));
    advance(&mut e, HOUR);
    assert_eq!(scan_keys(&mut e, "Sessions"), ["a"], "the new table has no TTL");
    assert_eq!(describe(&mut e, "Sessions"), json!({"TimeToLiveStatus": "DISABLED"}));
}

#[test]
fn renewing_many_times_keeps_only_the_last_expiry() {
    let mut e = engine();
    enable(&mut e, "Sessions", "ExpTime");
    for round in 0..3_000 {
        let t = now_s(&e);
        put(&mut e, "Sessions", "s", json!({ "ExpTime": n(t + 2 * HOUR + round) }));
    }
    // The renewals' stale entries come due one by one and are dropped; the item stays.
    advance(&mut e, 2 * HOUR + 30 * MIN);
    assert_eq!(scan_keys(&mut e, "Sessions"), ["s"]);
    advance(&mut e, HOUR);
    assert!(scan_keys(&mut e, "Sessions").is_empty());
}

#[test]
fn overwrites_that_keep_or_move_the_expiry_minute_expire_the_item_at_its_latest_expiry() {
    // An overwrite keeping the expiry's minute queues nothing new; one moving it queues again;
    // moving it back to a minute whose entry went stale still expires the item on time.
    let mut e = engine();
    enable(&mut e, "Sessions", "ExpTime");
    let t = now_s(&e);
    for v in 0..5 {
        put(&mut e, "Sessions", "same", json!({ "ExpTime": n(t + 10 * MIN + v), "v": n(v) }));
    }
    put(&mut e, "Sessions", "moved", json!({ "ExpTime": n(t + 10 * MIN) }));
    put(&mut e, "Sessions", "moved", json!({ "ExpTime": n(t + 30 * MIN) }));
    put(&mut e, "Sessions", "back", json!({ "ExpTime": n(t + 30 * MIN) }));
    put(&mut e, "Sessions", "back", json!({ "ExpTime": n(t + 10 * MIN) }));
    put(&mut e, "Sessions", "back", json!({ "ExpTime": n(t + 10 * MIN + 1) }));
    advance(&mut e, 17 * MIN);
    assert_eq!(scan_keys(&mut e, "Sessions"), ["moved"], "same and back expired in the first pass after their minute");
    advance(&mut e, 20 * MIN);
    assert!(scan_keys(&mut e, "Sessions").is_empty());
}

/// The clock bar's timeline: a session's TTL deletion is a scheduled event a learner can jump to.
#[test]
fn the_timeline_lists_the_ttl_pass_and_jumping_to_it_deletes_the_session() {
    let mut e = Engine::new(EngineConfig::default(), H);
    ok(ddb(
        &mut e,
        "CreateTable",
        json!({"TableName": "Sessions", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    ));
    let events = ok(e.control(H, "ListScheduledEvents", &json!({})));
    assert_eq!(events["events"][0]["description"], "Table Sessions becomes ACTIVE", "{events}");
    assert_eq!(events["events"][0]["kind"], "transition");
    advance(&mut e, 2);
    enable(&mut e, "Sessions", "ExpTime");
    let exp = now_s(&e) + 2 * HOUR;
    put(&mut e, "Sessions", "s-1", json!({"ExpTime": {"N": exp.to_string()}}));

    let events = ok(e.control(H, "ListScheduledEvents", &json!({"limit": 10})));
    let list = events["events"].as_array().unwrap();
    let pass = list.iter().find(|v| v["kind"] == "ttl").unwrap_or_else(|| panic!("no TTL event: {events}"));
    assert_eq!(pass["description"], "TTL deletes items of Sessions that expired at least 5 minutes ago");
    assert_eq!(pass["service"], "dynamodb");
    assert!(pass["dueMs"].as_i64().unwrap() >= (exp + 5 * MIN) * 1000, "{pass}");
    assert_eq!(events["truncated"], false);

    // Jump exactly to it, as the timeline's button does.
    ok(e.control(H, "AdvanceClock", &json!({"seconds": pass["inSeconds"]})));
    let got = ok(ddb(&mut e, "GetItem", json!({"TableName": "Sessions", "Key": {"pk": {"S": "s-1"}}})));
    assert!(got.get("Item").is_none(), "deleted at the pass: {got}");
    let after = ok(e.control(H, "ListScheduledEvents", &json!({})));
    assert!(after["events"].as_array().unwrap().iter().all(|v| v["kind"] != "ttl"), "{after}");

    for bad in [json!({"limit": 0}), json!({"limit": 501}), json!({"limit": "5"})] {
        assert_eq!(err(e.control(H, "ListScheduledEvents", &bad)).0, "ValidationException", "{bad}");
    }
}
