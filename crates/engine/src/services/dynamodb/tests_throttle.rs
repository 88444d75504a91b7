//! Capacity modes: provisioned throttling with burst credit (table and GSI lanes, the debt
//! model), batches and transactions under throttling, UpdateTable's limits on decreases and
//! mode switches, on-demand scaling, and the per-minute metrics.

use serde_json::{json, Value};

use crate::{AwsError, Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;
/// When the tables are ACTIVE.
const T: i64 = T0 + 10_000;

fn at(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

fn ok(e: &mut Engine, t: i64, op: &str, input: Value) -> Value {
    at(e, t, op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, t: i64, op: &str, input: Value) -> AwsError {
    at(e, t, op, input).expect_err("expected an error")
}

fn s(n: &str) -> Value {
    json!({"AttributeName": n, "AttributeType": "S"})
}

/// `T` (pk HASH) with a GSI `ByCat` (cat, KEYS_ONLY): provisioned table `rcu`/`wcu`, GSI
/// `gsi_rcu`/`gsi_wcu`; or on-demand when `rcu` is 0.
fn table(rcu: i64, wcu: i64, gsi_rcu: i64, gsi_wcu: i64) -> Engine {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let mut gsi = json!({"IndexName": "ByCat", "KeySchema": [{"AttributeName": "cat", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}});
    let mut input = json!({
        "TableName": "Tbl",
        "AttributeDefinitions": [s("pk"), s("cat")],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    });
    if rcu > 0 {
        input["ProvisionedThroughput"] = json!({"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu});
        gsi["ProvisionedThroughput"] = json!({"ReadCapacityUnits": gsi_rcu, "WriteCapacityUnits": gsi_wcu});
    } else {
        input["BillingMode"] = json!("PAY_PER_REQUEST");
    }
    input["GlobalSecondaryIndexes"] = json!([gsi]);
    ok(&mut e, T0, "CreateTable", input);
    e.tick(T);
    e
}

fn item(pk: &str, pad: usize) -> Value {
    json!({"pk": {"S": pk}, "pad": {"S": "x".repeat(pad)}})
}

fn put(e: &mut Engine, t: i64, item: Value) -> Result<Value, AwsError> {
    at(e, t, "PutItem", json!({"TableName": "Tbl", "Item": item}))
}

const TABLE_MSG: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
const GSI_MSG: &str = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API";

fn reasons(e: &AwsError) -> Value {
    e.extra.as_ref().and_then(|x| x.get("ThrottlingReasons")).cloned().unwrap_or(Value::Null)
}

const ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/Tbl";

#[test]
fn a_provisioned_table_bursts_300_seconds_then_refills_at_its_rate() {
    let mut e = table(1, 1, 5, 5);
    // A new table holds 300 seconds of its rate: 300 one-unit writes at one instant.
    for i in 0..300 {
        put(&mut e, T, item(&format!("k{i}"), 10)).unwrap_or_else(|err| panic!("write {i}: {err}"));
    }
    let er = put(&mut e, T, item("over", 10)).expect_err("throttled");
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
    assert_eq!(er.message, TABLE_MSG);
    assert_eq!(reasons(&er), json!([{"reason": "TableWriteProvisionedThroughputExceeded", "resource": ARN}]));
    assert_eq!(er.status, 400);
    // Half a second refills half a unit: admitted (the balance is positive), and the write's
    // whole unit is taken.
    put(&mut e, T + 500, item("half", 10)).expect("admitted on half a unit");
    // The balance is now -0.5: throttled until a further half second has passed. Throttled
    // requests consume nothing, so a second later exactly one write goes through.
    assert!(put(&mut e, T + 900, item("x", 10)).is_err());
    put(&mut e, T + 1_500, item("y", 10)).expect("repaid");
    assert!(put(&mut e, T + 1_500, item("z", 10)).is_err());
    // Reads have their own lane.
    ok(&mut e, T + 1_500, "GetItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "k1"}}}));
    // Five idle minutes fill the burst again, and no more than that.
    let later = T + 1_500 + 3_600_000;
    for i in 0..300 {
        put(&mut e, later, item(&format!("b{i}"), 10)).unwrap_or_else(|err| panic!("burst write {i}: {err}"));
    }
    assert!(put(&mut e, later, item("b300", 10)).is_err());
}

#[test]
fn a_large_request_is_admitted_then_repaid_from_later_capacity() {
    let mut e = table(1, 1, 5, 5);
    for i in 0..299 {
        put(&mut e, T, item(&format!("k{i}"), 10)).expect("burst");
    }
    // One unit left: a 10 KB item (10 WCU) is admitted and leaves a debt of 9 units.
    put(&mut e, T, item("big", 10 * 1024 - 200)).expect("admitted");
    assert!(put(&mut e, T + 9_000, item("a", 10)).is_err(), "still in debt after 9 s");
    put(&mut e, T + 9_500, item("b", 10)).expect("debt repaid after 9.5 s... and half a unit more");
}

#[test]
fn eventually_consistent_reads_cost_half() {
    let mut e = table(1, 1, 5, 5);
    put(&mut e, T, item("a", 10)).expect("put");
    let get = |consistent: bool| json!({"TableName": "Tbl", "Key": {"pk": {"S": "a"}}, "ConsistentRead": consistent});
    // 300 units of burst: 600 eventually consistent reads.
    for _ in 0..600 {
        ok(&mut e, T, "GetItem", get(false));
    }
    let er = err(&mut e, T, "GetItem", get(true));
    assert_eq!(reasons(&er), json!([{"reason": "TableReadProvisionedThroughputExceeded", "resource": ARN}]));
}

#[test]
fn a_gsi_out_of_write_capacity_throttles_the_writes_that_reach_it() {
    let mut e = table(100, 100, 1, 1);
    for i in 0..300 {
        put(&mut e, T, json!({"pk": {"S": format!("k{i}")}, "cat": {"S": "c"}})).expect("within the GSI's burst");
    }
    let er = put(&mut e, T, json!({"pk": {"S": "over"}, "cat": {"S": "c"}})).expect_err("the GSI is out of capacity");
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
    assert_eq!(er.message, GSI_MSG);
    assert_eq!(reasons(&er), json!([{"reason": "IndexWriteProvisionedThroughputExceeded", "resource": format!("{ARN}/index/ByCat")}]));
    // A write the index does not hold costs the index nothing and goes through.
    put(&mut e, T, item("plain", 10)).expect("not in the index");
    // Nothing of the refused write was stored.
    let got = ok(&mut e, T, "GetItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "over"}}}));
    assert!(got.get("Item").is_none());
}

#[test]
fn gsi_reads_use_the_index_lane() {
    let mut e = table(100, 100, 1, 100);
    put(&mut e, T, json!({"pk": {"S": "a"}, "cat": {"S": "c"}})).expect("put");
    let q = json!({"TableName": "Tbl", "IndexName": "ByCat", "KeyConditionExpression": "cat = :c", "ExpressionAttributeValues": {":c": {"S": "c"}}});
    for _ in 0..600 {
        ok(&mut e, T, "Query", q.clone());
    }
    let er = err(&mut e, T, "Query", q.clone());
    assert_eq!(er.message, GSI_MSG);
    assert_eq!(reasons(&er)[0]["reason"], "IndexReadProvisionedThroughputExceeded");
    // The table's own reads are not affected.
    ok(&mut e, T, "Query", json!({"TableName": "Tbl", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}}));
}

#[test]
fn batches_return_throttled_items_as_unprocessed_and_fail_only_when_all_are() {
    let mut e = table(1, 1, 5, 5);
    for i in 0..297 {
        put(&mut e, T, item(&format!("k{i}"), 10)).expect("burst");
    }
    let writes: Vec<Value> = (0..5).map(|i| json!({"PutRequest": {"Item": item(&format!("w{i}"), 10)}})).collect();
    let out = ok(&mut e, T, "BatchWriteItem", json!({"RequestItems": {"Tbl": writes}, "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["UnprocessedItems"]["Tbl"], json!(writes[3..]));
    assert_eq!(out["ConsumedCapacity"], json!([{"TableName": "Tbl", "CapacityUnits": 3.0}]));
    let er = err(&mut e, T, "BatchWriteItem", json!({"RequestItems": {"Tbl": writes[3..]}}));
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
    assert_eq!(er.message, TABLE_MSG);
    // Reads: 300 units at 0.5 each, less 598 reads.
    for _ in 0..598 {
        ok(&mut e, T, "GetItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "k1"}}}));
    }
    let keys: Vec<Value> = (0..4).map(|i| json!({"pk": {"S": format!("k{i}")}})).collect();
    let out = ok(&mut e, T, "BatchGetItem", json!({"RequestItems": {"Tbl": {"Keys": keys}}}));
    assert_eq!(out["Responses"]["Tbl"].as_array().map(Vec::len), Some(2));
    assert_eq!(out["UnprocessedKeys"]["Tbl"]["Keys"], json!(keys[2..]));
    let er = err(&mut e, T, "BatchGetItem", json!({"RequestItems": {"Tbl": {"Keys": keys}}}));
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
}

#[test]
fn a_throttled_transaction_is_cancelled_with_throttling_error_and_changes_nothing() {
    let mut e = table(1, 1, 5, 5);
    for i in 0..300 {
        put(&mut e, T, item(&format!("k{i}"), 10)).expect("burst");
    }
    let er = err(&mut e, T, "TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Tbl", "Item": item("t1", 10)}}]}));
    assert_eq!(er.kind, "TransactionCanceledException");
    assert_eq!(er.message, "Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]");
    let reasons = er.extra.as_ref().and_then(|x| x.get("CancellationReasons")).cloned();
    assert_eq!(reasons, Some(json!([{"Code": "ThrottlingError", "Message": TABLE_MSG}])));
    let got = ok(&mut e, T, "GetItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "t1"}}}));
    assert!(got.get("Item").is_none());
    // Transactions cost twice: two seconds of refill let one through, with a debt of one unit.
    ok(&mut e, T + 1_000, "TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Tbl", "Item": item("t2", 10)}}]}));
    assert!(put(&mut e, T + 1_900, item("x", 10)).is_err());
    put(&mut e, T + 2_100, item("y", 10)).expect("repaid");
}

#[test]
fn update_table_changes_the_rate_when_it_completes() {
    let mut e = table(1, 1, 5, 5);
    for i in 0..300 {
        put(&mut e, T, item(&format!("k{i}"), 10)).expect("burst");
    }
    ok(&mut e, T, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 10}}));
    e.tick(T + 1_000);
    // One second at 10 WCU/s.
    for i in 0..10 {
        put(&mut e, T + 1_000, item(&format!("n{i}"), 10)).unwrap_or_else(|err| panic!("write {i}: {err}"));
    }
    assert!(put(&mut e, T + 1_000, item("n10", 10)).is_err());
}

#[test]
fn decreases_are_limited_to_four_a_day_then_one_an_hour() {
    let mut e = table(100, 100, 5, 5);
    let mut t = T;
    for units in [90, 80, 70, 60] {
        ok(&mut e, t, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": units, "WriteCapacityUnits": units}}));
        t += 1_000;
        e.tick(t);
    }
    let er = err(&mut e, t, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 50, "WriteCapacityUnits": 50}}));
    assert_eq!(er.kind, "LimitExceededException");
    assert!(
        er.message.starts_with("Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. After the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. Number of decreases today: 4. Last decrease at Thursday, January 1, 2026 12:00:14 AM UTC. Next decrease can be made at Thursday, January 1, 2026 1:00:14 AM UTC"),
        "{}",
        er.message
    );
    // Increases are never limited.
    ok(&mut e, t, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 200, "WriteCapacityUnits": 200}}));
    e.tick(t + 1_000);
    // An hour after the last decrease, one more.
    ok(&mut e, t + 3_600_000, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 50, "WriteCapacityUnits": 50}}));
    // GSIs keep their own count.
    e.tick(t + 3_601_000);
    ok(
        &mut e,
        t + 3_601_000,
        "UpdateTable",
        json!({"TableName": "Tbl", "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "ByCat", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}),
    );
}

#[test]
fn switching_to_on_demand_is_limited_to_four_times_in_24_hours() {
    let mut e = table(10, 10, 5, 5);
    let mut t = T;
    let to_od = json!({"TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST"});
    let to_prov = json!({"TableName": "Tbl", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "ByCat", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}}]});
    for _ in 0..4 {
        ok(&mut e, t, "UpdateTable", to_od.clone());
        e.tick(t + 1_000);
        ok(&mut e, t + 1_000, "UpdateTable", to_prov.clone());
        t += 2_000;
        e.tick(t);
    }
    let er = err(&mut e, t, "UpdateTable", to_od.clone());
    assert_eq!(er.kind, "LimitExceededException");
    assert_eq!(er.message, "Subscriber limit exceeded: Update to PayPerRequest mode are limited to 4 times in 1 day(s).");
    // A rolling window: a day after the first switch, one more.
    ok(&mut e, T + 86_400_000, "UpdateTable", to_od);
}

#[test]
fn on_demand_serves_twice_the_previous_peak_and_scales_after_30_minutes() {
    let mut e = table(0, 0, 0, 0);
    // A new on-demand table: 4,000 write units per second. 100 KB items cost 100 units.
    let big = |k: String| json!({"pk": {"S": k}, "pad": {"S": "x".repeat(100 * 1024 - 100)}});
    for i in 0..40 {
        put(&mut e, T, big(format!("a{i}"))).unwrap_or_else(|err| panic!("write {i}: {err}"));
    }
    let er = put(&mut e, T, big("over".into())).expect_err("beyond 4,000 WRU in a second");
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
    assert_eq!(
        er.message,
        "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
    );
    assert_eq!(reasons(&er)[0]["reason"], "TableWriteKeyRangeThroughputExceeded");
    // That second's 4,000 units become the previous peak 30 minutes later: 8,000 a second.
    let t1 = T + 1_000;
    put(&mut e, t1, big("tick".into())).expect("a new second");
    let later = T + 30 * 60_000 + 1_000;
    let mut n = 0;
    while put(&mut e, later, big(format!("b{n}"))).is_ok() {
        n += 1;
    }
    assert_eq!(n, 80, "twice the settled peak of 4,000");
}

fn metrics(e: &mut Engine, t: i64, input: Value) -> Value {
    e.control(t, "dynamodb:GetTableMetrics", &input).expect("metrics")
}

#[test]
fn metrics_count_consumed_units_throttle_events_and_throttled_requests_per_minute() {
    let mut e = table(1, 1, 5, 5);
    for i in 0..300 {
        put(&mut e, T, json!({"pk": {"S": format!("k{i}")}, "cat": {"S": "c"}})).expect("burst");
    }
    assert!(put(&mut e, T, item("x", 10)).is_err());
    let writes: Vec<Value> = (0..3).map(|i| json!({"PutRequest": {"Item": item(&format!("w{i}"), 10)}})).collect();
    assert!(at(&mut e, T, "BatchWriteItem", json!({"RequestItems": {"Tbl": writes}})).is_err());
    ok(&mut e, T, "GetItem", json!({"TableName": "Tbl", "Key": {"pk": {"S": "k1"}}}));
    let m = metrics(&mut e, T + 60_000, json!({"TableName": "Tbl", "StartTime": 1_767_225_600, "EndTime": 1_767_225_600 + 120, "Period": 60}));
    assert_eq!(m["Period"], 60);
    let p = &m["Datapoints"][0];
    assert_eq!(p["Timestamp"], "2026-01-01T00:00:00.000Z");
    assert_eq!(p["ConsumedWriteCapacityUnits"], 300.0);
    assert_eq!(p["ConsumedReadCapacityUnits"], 0.5);
    assert_eq!(p["WriteThrottleEvents"], 4, "one per throttled item");
    assert_eq!(p["ReadThrottleEvents"], 0);
    assert_eq!(p["ThrottledRequests"], json!({"BatchWriteItem": 1, "PutItem": 1}));
    assert_eq!(p["ProvisionedWriteCapacityUnits"], 1.0);
    let g = &m["GlobalSecondaryIndexes"]["ByCat"][0];
    assert_eq!(g["ConsumedWriteCapacityUnits"], 300.0);
    assert_eq!(g["ProvisionedReadCapacityUnits"], 5.0);
    let idle = &m["Datapoints"][1];
    assert_eq!(idle["ConsumedWriteCapacityUnits"], 0.0);
    assert_eq!(idle["ProvisionedWriteCapacityUnits"], 1.0);
    // Bad input is refused.
    let er = e.control(T, "dynamodb:GetTableMetrics", &json!({"TableName": "Tbl", "Period": 30})).expect_err("period");
    assert_eq!(er.kind, "ValidationException");
    let er = e.control(T, "dynamodb:GetTableMetrics", &json!({"TableName": "Nope"})).expect_err("table");
    assert_eq!(er.kind, "ResourceNotFoundException");
}

#[test]
fn idle_minutes_chart_the_capacity_in_force_then_not_todays() {
    // Created at T0 with 1 WCU; idle for 3 minutes; writes in minute 3; raised to 9 WCU in
    // minute 5 (ACTIVE again 10 s later), and idle after.
    let mut e = table(1, 1, 5, 5);
    // The engine's clock reads 2026-01-01T00:00:00Z at T0, a minute's start.
    let (m0, epoch) = (T0, 1_767_225_600);
    put(&mut e, m0 + 3 * 60_000 + 5_000, item("a", 10)).expect("put");
    ok(&mut e, m0 + 5 * 60_000, "UpdateTable", json!({"TableName": "Tbl", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 9}}));
    e.tick(m0 + 5 * 60_000 + 20_000);
    let m = metrics(&mut e, m0 + 9 * 60_000, json!({"TableName": "Tbl", "StartTime": epoch, "EndTime": epoch + 9 * 60}));
    let wcu: Vec<f64> = m["Datapoints"].as_array().expect("points").iter().map(|p| p["ProvisionedWriteCapacityUnits"].as_f64().expect("provisioned")).collect();
    assert_eq!(wcu, [1.0, 1.0, 1.0, 1.0, 1.0, 9.0, 9.0, 9.0, 9.0]);
    let gsi: Vec<f64> =
        m["GlobalSecondaryIndexes"]["ByCat"].as_array().expect("points").iter().map(|p| p["ProvisionedWriteCapacityUnits"].as_f64().expect("provisioned")).collect();
    assert_eq!(gsi, [5.0; 9]);
    // Switched to on-demand in minute 9: from then on no Provisioned* figures; before, still 9.
    e.tick(m0 + 9 * 60_000 + 30_000);
    ok(&mut e, m0 + 9 * 60_000 + 30_000, "UpdateTable", json!({"TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST"}));
    let m = metrics(&mut e, m0 + 12 * 60_000, json!({"TableName": "Tbl", "StartTime": epoch + 7 * 60, "EndTime": epoch + 12 * 60}));
    let wcu: Vec<Option<f64>> = m["Datapoints"].as_array().expect("points").iter().map(|p| p["ProvisionedWriteCapacityUnits"].as_f64()).collect();
    assert_eq!(wcu, [Some(9.0), Some(9.0), None, None, None]);
}

#[test]
fn partiql_statements_are_throttled_like_their_operations() {
    let mut e = table(1, 1, 5, 5);
    for i in 0..300 {
        put(&mut e, T, item(&format!("k{i}"), 10)).expect("burst");
    }
    let er = err(&mut e, T, "ExecuteStatement", json!({"Statement": "INSERT INTO Tbl VALUE {'pk': 'p1'}"}));
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
    assert_eq!(er.message, TABLE_MSG);
    let out = ok(&mut e, T, "BatchExecuteStatement", json!({"Statements": [{"Statement": "INSERT INTO Tbl VALUE {'pk': 'p2'}"}]}));
    assert_eq!(out["Responses"][0]["Error"]["Code"], "ProvisionedThroughputExceeded");
    let er = err(&mut e, T, "ExecuteTransaction", json!({"TransactStatements": [{"Statement": "INSERT INTO Tbl VALUE {'pk': 'p3'}"}]}));
    assert_eq!(er.kind, "TransactionCanceledException");
    assert_eq!(er.extra.as_ref().and_then(|x| x.get("CancellationReasons")).cloned(), Some(json!([{"Code": "ThrottlingError", "Message": TABLE_MSG}])));
    // Reads have their own lane and go through.
    let out = ok(&mut e, T, "ExecuteStatement", json!({"Statement": "SELECT * FROM Tbl WHERE pk = 'k1'"}));
    assert_eq!(out["Items"].as_array().map(Vec::len), Some(1));
    let m = metrics(&mut e, T, json!({"TableName": "Tbl"}));
    let last = m["Datapoints"].as_array().and_then(|d| d.last()).cloned().unwrap_or_default();
    assert_eq!(last["ThrottledRequests"], json!({"BatchExecuteStatement": 1, "ExecuteStatement": 1, "ExecuteTransaction": 1}));
}

#[test]
fn a_failed_condition_consumes_write_capacity_and_a_throttled_table_refuses_first() {
    let mut e = table(1, 1, 5, 5);
    put(&mut e, T, item("a", 3000)).expect("put");
    let cond = json!({"TableName": "Tbl", "Item": item("a", 10), "ConditionExpression": "attribute_not_exists(pk)"});
    let er = err(&mut e, T, "PutItem", cond.clone());
    assert_eq!(er.kind, "ConditionalCheckFailedException");
    // The existing item's 3 KB were billed: 3 + 3 units so far.
    let m = metrics(&mut e, T, json!({"TableName": "Tbl"}));
    let last = m["Datapoints"].as_array().and_then(|d| d.last()).cloned().unwrap_or_default();
    assert_eq!(last["ConsumedWriteCapacityUnits"], 6.0);
    for i in 0..294 {
        put(&mut e, T, item(&format!("k{i}"), 10)).expect("burst");
    }
    let er = err(&mut e, T, "PutItem", cond);
    assert_eq!(er.kind, "ProvisionedThroughputExceededException");
}
