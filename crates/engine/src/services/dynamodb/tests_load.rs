//! The load generator (`dynamodb:StartLoad` & co.) on the virtual clock, and the cost meter
//! (`dynamodb:GetTableCost`, [`super::pricing`]).

use serde_json::{json, Value};

use super::pricing::{bill, prices, Usage};
use crate::{AwsError, Engine, EngineConfig, Request};

const T0: i64 = 1_700_000_000_000;
/// When the tables are ACTIVE.
const T: i64 = T0 + 10_000;

fn call(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

fn control(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, AwsError> {
    e.control(t, &format!("dynamodb:{op}"), &input)
}

/// `Tbl` (pk S): provisioned `rcu`/`wcu`, or on-demand when `rcu` is 0.
fn table(rcu: i64, wcu: i64) -> Engine {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let mut input = json!({
        "TableName": "Tbl",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    });
    if rcu > 0 {
        input["ProvisionedThroughput"] = json!({"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu});
    } else {
        input["BillingMode"] = json!("PAY_PER_REQUEST");
    }
    call(&mut e, T0, "CreateTable", input).expect("CreateTable");
    e.tick(T);
    e
}

fn load(e: &mut Engine, t: i64) -> Value {
    control(e, t, "DescribeLoad", json!({"TableName": "Tbl"})).expect("DescribeLoad")["Load"].clone()
}

/// Virtual time (ms) at host time `t` (the sandbox's clock starts at its own epoch).
fn vt(e: &mut Engine, t: i64) -> i64 {
    e.control(t, "GetClock", &json!({})).expect("clock")["now"].as_i64().expect("now")
}

/// Per-minute datapoints from host time `from` for `minutes`.
fn minutes(e: &mut Engine, t: i64, from: i64, minutes: i64) -> Vec<Value> {
    let from = vt(e, t) - (t - from);
    let out = control(e, t, "GetTableMetrics", json!({"TableName": "Tbl", "StartTime": from / 1000, "EndTime": (from + minutes * 60_000) / 1000})).expect("metrics");
    out["Datapoints"].as_array().cloned().unwrap_or_default()
}

fn near(actual: f64, expected: f64, slack: f64) -> bool {
    (actual - expected).abs() <= slack
}

#[test]
fn a_write_load_above_the_provisioned_rate_throttles_once_the_burst_is_spent() {
    // 5 WCU; 20 writes a second of 1,000-byte items (1 WCU each) for 10 minutes. The burst
    // (300 s × 5 = 1,500 units) absorbs the excess (15 a second) for 100 s, then 5 a second get
    // through and the rest are throttled.
    let mut e = table(5, 5);
    let start = T0 + 60_000; // a minute boundary
    e.tick(start);
    let out = control(&mut e, start, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 20, "DurationSeconds": 600, "ItemSizeBytes": 1000}))
        .expect("StartLoad");
    assert_eq!(out["Load"]["Status"], "RUNNING");
    assert_eq!(out["Load"]["RequestsSent"], 0);
    // Virtual time passes: the ticks run, each in its own second.
    e.tick(start + 50_000);
    let l = load(&mut e, start + 50_000);
    assert_eq!(l["RequestsSent"], 1020, "51 ticks: {l}");
    assert_eq!(l["Throttled"], 0, "within the burst");
    e.tick(start + 600_000);
    let l = load(&mut e, start + 600_000);
    assert_eq!(l["Status"], "COMPLETED");
    assert_eq!(l["RequestsSent"], 12_000);
    let ok = l["Succeeded"].as_f64().unwrap();
    assert!(near(ok, 1500.0 + 5.0 * 600.0, 10.0), "succeeded {ok}");
    assert_eq!(l["Throttled"].as_u64().unwrap() + ok as u64, 12_000);
    assert_eq!(l["Failed"], 0);
    assert_eq!(l["ConsumedCapacityUnits"].as_f64().unwrap(), ok, "1 WCU per 1,000-byte item");
    assert_eq!(l["LastThrottle"]["Type"], "ProvisionedThroughputExceededException");
    assert!(l["LastThrottle"]["Message"].as_str().unwrap().starts_with("The level of configured provisioned throughput for the table was exceeded."));
    // The table holds the load's 100 keys, each item exactly 1,000 bytes.
    let d = call(&mut e, start + 600_000, "DescribeTable", json!({"TableName": "Tbl"})).unwrap();
    assert_eq!(d["Table"]["ItemCount"], 100);
    assert_eq!(d["Table"]["TableSizeBytes"], 100_000);
    // The metrics: minute 0 all admitted (1,200 units); from minute 2 on, 300 admitted (5 a
    // second) and 900 throttled a minute.
    let m = minutes(&mut e, start + 600_000, start, 10);
    assert_eq!(m[0]["ConsumedWriteCapacityUnits"], 1200.0);
    assert_eq!(m[0]["WriteThrottleEvents"], 0);
    for p in &m[2..10] {
        assert!(near(p["ConsumedWriteCapacityUnits"].as_f64().unwrap(), 300.0, 2.0), "{p}");
        assert!(near(p["WriteThrottleEvents"].as_f64().unwrap(), 900.0, 2.0), "{p}");
        assert_eq!(p["ProvisionedWriteCapacityUnits"], 5.0);
    }
    assert!(m[2]["ThrottledRequests"]["PutItem"].as_u64().unwrap() > 800);
}

#[test]
fn raising_the_capacity_stops_the_throttling() {
    let mut e = table(5, 5);
    let start = T0 + 60_000;
    e.tick(start);
    control(&mut e, start, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 20, "DurationSeconds": 900, "ItemSizeBytes": 500})).unwrap();
    e.tick(start + 300_000);
    assert!(load(&mut e, start + 300_000)["Throttled"].as_u64().unwrap() > 1000);
    call(&mut e, start + 300_000, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 25}})).unwrap();
    // The update applies when the table is ACTIVE again (one second); the bucket still owes
    // its debt for a moment; from the next minute on nothing is throttled.
    e.tick(start + 900_000);
    let m = minutes(&mut e, start + 900_000, start, 15);
    for p in &m[6..15] {
        assert_eq!(p["WriteThrottleEvents"], 0, "{p}");
        assert_eq!(p["ConsumedWriteCapacityUnits"], 1200.0);
        assert_eq!(p["ProvisionedWriteCapacityUnits"], 25.0);
    }
}

#[test]
fn an_on_demand_table_throttles_past_twice_its_previous_peak_then_doubles() {
    // A new on-demand table serves 12,000 RRU a second. 100 items of ~396 KiB, read strongly
    // consistently (100 RRU each) 130 times a second, ask for 13,000: about 10 reads a second
    // are throttled, until the first peak (12,000) settles 30 minutes later and the table
    // allows twice it.
    let mut e = table(0, 0);
    for i in 0..100 {
        let item = json!({"pk": {"S": format!("load-{i}")}, "payload": {"S": "x".repeat(405_600)}});
        call(&mut e, T + i * 200, "PutItem", json!({"TableName": "Tbl", "Item": item})).unwrap_or_else(|er| panic!("{i}: {er}"));
    }
    let start = T0 + 120_000;
    e.tick(start);
    control(&mut e, start, "StartLoad", json!({"TableName": "Tbl", "Operation": "GetItem", "ConsistentRead": true, "RequestsPerSecond": 130, "DurationSeconds": 2400})).unwrap();
    e.tick(start + 2_400_000);
    let l = load(&mut e, start + 2_400_000);
    assert_eq!(l["Status"], "COMPLETED");
    assert_eq!(l["ConsistentRead"], true);
    assert_eq!(l["LastThrottle"]["Type"], "ProvisionedThroughputExceededException");
    assert!(l["LastThrottle"]["Message"].as_str().unwrap().starts_with("Throughput exceeds the current capacity of your table or index."));
    let m = minutes(&mut e, start + 2_400_000, start, 40);
    for p in &m[1..29] {
        let throttled = p["ReadThrottleEvents"].as_f64().unwrap();
        assert!(near(throttled, 600.0, 15.0), "about 10 a second: {p}");
        assert!(near(p["ConsumedReadCapacityUnits"].as_f64().unwrap(), 720_000.0, 1_500.0), "12,000 a second: {p}");
        assert!(p.get("ProvisionedReadCapacityUnits").is_none());
    }
    for p in &m[32..40] {
        assert_eq!(p["ReadThrottleEvents"], 0, "doubled: {p}");
        assert_eq!(p["ConsumedReadCapacityUnits"], 780_000.0);
    }
}

#[test]
fn eventually_consistent_reads_cost_half_and_missing_items_the_minimum() {
    let mut e = table(100, 100);
    let start = T0 + 60_000;
    e.tick(start);
    // Nothing written yet: every GetItem finds nothing and costs the minimum, 0.5 RCU.
    control(&mut e, start, "StartLoad", json!({"TableName": "Tbl", "Operation": "GetItem", "RequestsPerSecond": 10, "DurationSeconds": 10})).unwrap();
    e.tick(start + 10_000);
    let l = load(&mut e, start + 10_000);
    assert_eq!((l["Succeeded"].as_u64(), l["ConsumedCapacityUnits"].as_f64()), (Some(100), Some(50.0)));
    // Write 100 items of 6,000 bytes, then read them: 2 RCU strongly consistent, 1 eventually.
    control(&mut e, start + 10_000, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 10, "DurationSeconds": 10, "ItemSizeBytes": 6000}))
        .unwrap();
    e.tick(start + 20_000);
    assert_eq!(load(&mut e, start + 20_000)["ConsumedCapacityUnits"], 600.0);
    control(&mut e, start + 20_000, "StartLoad", json!({"TableName": "Tbl", "Operation": "GetItem", "RequestsPerSecond": 10, "DurationSeconds": 10, "ConsistentRead": true}))
        .unwrap();
    e.tick(start + 30_000);
    assert_eq!(load(&mut e, start + 30_000)["ConsumedCapacityUnits"], 200.0);
    control(&mut e, start + 30_000, "StartLoad", json!({"TableName": "Tbl", "Operation": "GetItem", "RequestsPerSecond": 10, "DurationSeconds": 10})).unwrap();
    e.tick(start + 40_000);
    assert_eq!(load(&mut e, start + 40_000)["ConsumedCapacityUnits"], 100.0);
}

#[test]
fn start_load_checks_its_input_and_stop_load_stops() {
    let mut e = table(5, 5);
    let bad = |e: &mut Engine, input: Value| control(e, T, "StartLoad", input).expect_err("refused");
    let base = json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 10, "DurationSeconds": 60});
    for (field, value, message) in [
        ("Operation", json!("Scan"), "Operation must be PutItem or GetItem"),
        ("RequestsPerSecond", json!(0), "RequestsPerSecond must be a whole number from 1 to 1000"),
        ("RequestsPerSecond", json!(1001), "RequestsPerSecond must be a whole number from 1 to 1000"),
        ("DurationSeconds", json!(3601), "DurationSeconds must be a whole number from 1 to 3600"),
        ("DurationSeconds", json!("60"), "DurationSeconds must be a whole number from 1 to 3600"),
        ("ItemSizeBytes", json!(409_601), "ItemSizeBytes must be a whole number from 1 to 409600"),
        ("ItemSizeBytes", json!(10), "ItemSizeBytes must be at least 16 for this table's key (its key attributes and the 'payload' attribute)"),
        ("ConsistentRead", json!(true), "ConsistentRead applies to GetItem loads"),
    ] {
        let mut input = base.clone();
        input[field] = value;
        let er = bad(&mut e, input);
        assert_eq!((er.kind.as_str(), er.message.as_str()), ("ValidationException", message), "{field}");
    }
    let er = bad(&mut e, json!({"TableName": "Tbl", "Operation": "GetItem", "RequestsPerSecond": 1000, "DurationSeconds": 601}));
    assert_eq!(er.message, "A load may send at most 600000 requests in the sandbox (RequestsPerSecond × DurationSeconds is 601000)");
    let er = bad(&mut e, json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 100, "DurationSeconds": 1001, "ItemSizeBytes": 1000}));
    assert!(er.message.starts_with("A PutItem load may write at most 100 MB of items in the sandbox"), "{}", er.message);
    let er = bad(&mut e, json!({"TableName": "Tbl", "Operation": "GetItem", "RequestsPerSecond": 1, "DurationSeconds": 1, "ItemSizeBytes": 100}));
    assert_eq!(er.kind, "ValidationException");
    let mut input = base.clone();
    input["TableName"] = json!("Nope");
    assert_eq!(bad(&mut e, input).kind, "ResourceNotFoundException");
    assert_eq!(control(&mut e, T, "DescribeLoad", json!({"TableName": "Tbl"})).unwrap(), json!({}));

    control(&mut e, T, "StartLoad", base.clone()).unwrap();
    assert_eq!(bad(&mut e, base.clone()).kind, "ResourceInUseException");
    e.tick(T + 5_000);
    let stopped = control(&mut e, T + 5_000, "StopLoad", json!({"TableName": "Tbl"})).unwrap();
    assert_eq!(stopped["Load"]["Status"], "STOPPED");
    let sent = stopped["Load"]["RequestsSent"].clone();
    e.tick(T + 20_000);
    assert_eq!(load(&mut e, T + 20_000)["RequestsSent"], sent, "no more ticks");
    assert_eq!(control(&mut e, T + 20_000, "StopLoad", json!({"TableName": "Tbl"})).unwrap_err().kind, "ResourceNotFoundException");

    // A table deleted under a load ends it.
    control(&mut e, T + 20_000, "StartLoad", base).unwrap();
    e.tick(T + 22_000);
    call(&mut e, T + 22_000, "DeleteTable", json!({"TableName": "Tbl"})).unwrap();
    e.tick(T + 30_000);
    let l = load(&mut e, T + 30_000);
    assert_eq!(l["Status"], "FAILED");
    assert_eq!(l["LastError"]["Type"], "ResourceNotFoundException");
}

#[test]
fn the_cost_arithmetic() {
    let p = prices("us-east-1").unwrap();
    // A million write request units, a million read request units.
    let b = bill(p, &Usage { hours: 730.0, read_units: 1e6, write_units: 1e6, rcu_hours: 0.0, wcu_hours: 0.0, storage_bytes: 1 << 30 });
    assert!(near(b.on_demand_write, 0.625, 1e-12) && near(b.on_demand_read, 0.125, 1e-12));
    // One GiB for a whole month.
    assert!(near(b.storage, 0.25, 1e-12));
    // 10 WCU and 50 RCU for a month (730 hours): 7,300 WCU-hours and 36,500 RCU-hours.
    let b = bill(p, &Usage { hours: 730.0, rcu_hours: 50.0 * 730.0, wcu_hours: 10.0 * 730.0, ..Default::default() });
    assert!(near(b.provisioned_write, 4.745, 1e-9) && near(b.provisioned_read, 4.745, 1e-9), "{b:?}");
    assert!(prices("ap-northeast-2").is_some());
    assert!(prices("eu-west-1").is_none());
}

#[test]
fn get_table_cost_prices_the_workload_in_both_modes() {
    let mut e = table(5, 10);
    let start = T0 + 60_000;
    e.tick(start);
    // 10 writes a second of 2,000-byte items (2 WCU) for a minute: 1,200 WCU.
    control(&mut e, start, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 10, "DurationSeconds": 60, "ItemSizeBytes": 2000})).unwrap();
    let end = start + 3_600_000;
    e.tick(end);
    let ve = vt(&mut e, end);
    let vs = ve - 3_600_000;
    let c = control(&mut e, end, "GetTableCost", json!({"TableName": "Tbl", "StartTime": vs / 1000, "EndTime": ve / 1000})).unwrap();
    assert_eq!(c["BillingMode"], "PROVISIONED");
    assert_eq!(c["Window"]["Hours"], 1.0);
    assert_eq!(c["Prices"]["AsOf"], "2026-11-25");
    // Provisioned: 5 RCU and 10 WCU for an hour.
    assert_eq!(c["Provisioned"]["ReadCapacityUnitHours"], 5.0);
    assert_eq!(c["Provisioned"]["WriteCapacityUnitHours"], 10.0);
    assert!(near(c["Provisioned"]["Cost"].as_f64().unwrap(), 5.0 * 0.00013 + 10.0 * 0.00065, 1e-12), "{c}");
    assert!(near(c["Provisioned"]["CostPerMonth"].as_f64().unwrap(), (5.0 * 0.00013 + 10.0 * 0.00065) * 730.0, 1e-9));
    // On-demand: the 1,200 write units consumed.
    assert_eq!(c["OnDemand"]["WriteRequestUnits"], 1200.0);
    assert_eq!(c["OnDemand"]["ReadRequestUnits"], 0.0);
    assert!(near(c["OnDemand"]["Cost"].as_f64().unwrap(), 1200.0 / 1e6 * 0.625, 1e-12));
    // The default window is the last hour: the same figures.
    let d = control(&mut e, end, "GetTableCost", json!({"TableName": "Tbl"})).unwrap();
    assert_eq!((d["OnDemand"]["WriteRequestUnits"].clone(), d["Window"]["Hours"].clone()), (json!(1200.0), json!(1.0)));
    // A window from mid-minute counts the minutes it touches whole.
    let d = control(&mut e, end, "GetTableCost", json!({"TableName": "Tbl", "StartTime": vs / 1000 + 30, "EndTime": ve / 1000})).unwrap();
    assert_eq!(d["OnDemand"]["WriteRequestUnits"], 1200.0);
    // Storage: 100 items of 2,000 bytes for an hour.
    assert_eq!(c["Storage"]["TableSizeBytes"], 200_000);
    assert!(near(c["Storage"]["Cost"].as_f64().unwrap(), 200_000.0 / (1u64 << 30) as f64 * 0.25 / 730.0, 1e-15));

    // The same on an on-demand table: the provisioned alternative is sized at the busiest
    // minute (1,200 units in a minute = 20 a second).
    let mut e = table(0, 0);
    e.tick(start);
    control(&mut e, start, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 10, "DurationSeconds": 60, "ItemSizeBytes": 2000})).unwrap();
    e.tick(end);
    assert_eq!(vt(&mut e, end), ve, "the same epoch");
    let c = control(&mut e, end, "GetTableCost", json!({"TableName": "Tbl", "StartTime": vs / 1000, "EndTime": ve / 1000})).unwrap();
    assert_eq!(c["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(c["Provisioned"]["WriteCapacityUnits"], 20.0);
    assert_eq!(c["Provisioned"]["ReadCapacityUnits"], 1.0);
    assert_eq!(c["Provisioned"]["WriteCapacityUnitHours"], 20.0);
    assert!(near(c["OnDemand"]["Cost"].as_f64().unwrap(), 1200.0 / 1e6 * 0.625, 1e-12));

    // Regions without prices, and the window.
    let er = e.control(end, "dynamodb:GetTableCost", &json!({"TableName": "Tbl", "region": "eu-west-1"})).unwrap_err();
    assert_eq!(er.kind, "ResourceNotFoundException", "no such table there first");
    let er = control(&mut e, end, "GetTableCost", json!({"TableName": "Tbl", "StartTime": ve / 1000, "EndTime": vs / 1000})).unwrap_err();
    assert_eq!(er.kind, "ValidationException");
}

#[test]
fn written_items_have_exactly_the_requested_size_for_any_key_types() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    call(
        &mut e,
        T0,
        "CreateTable",
        json!({
            "TableName": "Tbl",
            "AttributeDefinitions": [{"AttributeName": "n", "AttributeType": "N"}, {"AttributeName": "b", "AttributeType": "B"}],
            "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .unwrap();
    e.tick(T);
    let er = control(&mut e, T, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 1, "DurationSeconds": 1, "ItemSizeBytes": 16})).unwrap_err();
    // n (1 + 2 bytes for any number 0..99) + b (1 + 6 bytes of "load-0") + payload (7): 17.
    assert_eq!(er.message, "ItemSizeBytes must be at least 17 for this table's key (its key attributes and the 'payload' attribute)");
    control(&mut e, T, "StartLoad", json!({"TableName": "Tbl", "Operation": "PutItem", "RequestsPerSecond": 100, "DurationSeconds": 1, "ItemSizeBytes": 1500})).unwrap();
    e.tick(T + 1_000);
    let d = call(&mut e, T + 1_000, "DescribeTable", json!({"TableName": "Tbl"})).unwrap();
    assert_eq!((d["Table"]["ItemCount"].clone(), d["Table"]["TableSizeBytes"].clone()), (json!(100), json!(150_000)));
    assert_eq!(load(&mut e, T + 1_000)["ConsumedCapacityUnits"], 200.0, "1,500 bytes: 2 WCU each");
}

#[test]
fn capacity_hours_follow_the_capacity_in_force_not_todays() {
    // 10 WCU for the first half hour, idle; then 30 WCU (ACTIVE 10 s after UpdateTable) for the
    // rest of the hour: 5 + 15 WCU-hours, give or take the update's 10 s.
    let mut e = table(5, 10);
    let change = T0 + 1_800_000;
    e.tick(change);
    call(&mut e, change, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 30}})).unwrap();
    let end = T0 + 3_600_000;
    e.tick(end);
    let ve = vt(&mut e, end);
    let c = control(&mut e, end, "GetTableCost", json!({"TableName": "Tbl", "StartTime": (ve - 3_600_000) / 1000, "EndTime": ve / 1000})).unwrap();
    let wcu_hours = c["Provisioned"]["WriteCapacityUnitHours"].as_f64().unwrap();
    assert!((19.9..=20.0).contains(&wcu_hours), "{wcu_hours} WCU-hours");
    assert_eq!(c["Provisioned"]["ReadCapacityUnitHours"], 5.0);
}
