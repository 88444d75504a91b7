//! Global tables (2019.11.21): ReplicaUpdates validation and errors, replica creation with its
//! items copied, replication after the lag in both directions, last writer wins, deletes, TTL
//! deletes, stream records in the replica, region outages and catch-up, persistence of changes
//! in flight across a restore.

use serde_json::{json, Value};

use super::global::{DEFAULT_LAG_MS, REPLICA_CREATE_MS};
use crate::{AwsError, Engine, EngineConfig, Request};

const H: i64 = 1_000_000;
const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const EU: &str = "eu-west-1";

fn ddb(e: &mut Engine, region: &str, op: &str, input: Value) -> Result<Value, AwsError> {
    e.call(H, &Request::new("dynamodb", op, region, input))
}

fn ok<T>(r: Result<T, AwsError>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

fn err(r: Result<Value, AwsError>) -> (String, String) {
    let e = r.expect_err("expected an error");
    (e.kind, e.message)
}

fn advance_ms(e: &mut Engine, ms: i64) {
    ok(e.control(H, "AdvanceClock", &json!({ "seconds": ms as f64 / 1000.0 })));
}

fn control(e: &mut Engine, op: &str, input: Value) -> Result<Value, AwsError> {
    e.control(H, op, &input)
}

fn create(e: &mut Engine, region: &str, name: &str, extra: Value) {
    let mut input = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        obj.extend(more.clone());
    }
    ok(ddb(e, region, "CreateTable", input));
    advance_ms(e, 2_000);
}

fn add_replica(e: &mut Engine, region: &str, name: &str, target: &str) -> Result<Value, AwsError> {
    ddb(e, region, "UpdateTable", json!({"TableName": name, "ReplicaUpdates": [{"Create": {"RegionName": target}}]}))
}

fn describe(e: &mut Engine, region: &str, name: &str) -> Value {
    ok(ddb(e, region, "DescribeTable", json!({ "TableName": name })))["Table"].clone()
}

fn put(e: &mut Engine, region: &str, pk: &str, v: &str) {
    ok(ddb(e, region, "PutItem", json!({"TableName": "Music", "Item": {"pk": {"S": pk}, "v": {"S": v}}})));
}

fn get(e: &mut Engine, region: &str, pk: &str) -> Option<String> {
    let r = ok(ddb(e, region, "GetItem", json!({"TableName": "Music", "Key": {"pk": {"S": pk}}, "ConsistentRead": true})));
    r.get("Item").map(|i| i["v"]["S"].as_str().unwrap_or_default().to_string())
}

/// Music in us-east-1 with one item, replicated to us-west-2 (ACTIVE).
fn global() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, EAST, "Music", json!({}));
    put(&mut e, EAST, "before", "copied");
    ok(add_replica(&mut e, EAST, "Music", WEST));
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    e
}

fn stream_events(e: &mut Engine, region: &str) -> Vec<(String, String)> {
    let arn = describe(e, region, "Music")["LatestStreamArn"].as_str().unwrap().to_string();
    let st = |e: &mut Engine, op: &str, input: Value| ok(e.call(H, &Request::new("streams.dynamodb", op, region, input)));
    let shard = st(e, "DescribeStream", json!({"StreamArn": arn}))["StreamDescription"]["Shards"][0]["ShardId"].clone();
    let it = st(e, "GetShardIterator", json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}))["ShardIterator"].clone();
    let records = st(e, "GetRecords", json!({ "ShardIterator": it }))["Records"].as_array().unwrap().clone();
    records
        .iter()
        .map(|r| {
            assert!(r.get("userIdentity").is_none(), "a replicated change carries no userIdentity: {r}");
            (r["eventName"].as_str().unwrap().to_string(), r["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn create_replica_describes_both_sides_and_copies_items() {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, EAST, "Music", json!({}));
    put(&mut e, EAST, "a", "1");
    let r = ok(add_replica(&mut e, EAST, "Music", WEST));
    let d = &r["TableDescription"];
    assert_eq!(d["TableStatus"], "UPDATING");
    assert_eq!(d["GlobalTableVersion"], "2019.11.21");
    assert_eq!(d["Replicas"], json!([{"RegionName": WEST, "ReplicaStatus": "CREATING"}]));
    assert_eq!(d["StreamSpecification"], json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}), "the stream is enabled for replication");
    // The replica is CREATING: not yet readable.
    let (kind, _) = err(ddb(&mut e, WEST, "GetItem", json!({"TableName": "Music", "Key": {"pk": {"S": "a"}}})));
    assert_eq!(kind, "ResourceNotFoundException");
    assert_eq!(describe(&mut e, WEST, "Music")["TableStatus"], "CREATING");
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    let east = describe(&mut e, EAST, "Music");
    let west = describe(&mut e, WEST, "Music");
    assert_eq!(east["TableStatus"], "ACTIVE");
    assert_eq!(east["Replicas"], json!([{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}]));
    assert_eq!(west["TableStatus"], "ACTIVE");
    assert_eq!(west["GlobalTableVersion"], "2019.11.21");
    assert_eq!(west["Replicas"], json!([{"RegionName": EAST, "ReplicaStatus": "ACTIVE"}]));
    assert_eq!(west["KeySchema"], east["KeySchema"]);
    assert_ne!(west["TableId"], east["TableId"]);
    assert_eq!(west["TableArn"], "arn:aws:dynamodb:us-west-2:123456789012:table/Music");
    assert_eq!(west["ItemCount"], 1);
    assert_eq!(get(&mut e, WEST, "a").as_deref(), Some("1"), "existing items are copied");
    // A third region joins: everybody lists the others.
    ok(add_replica(&mut e, WEST, "Music", EU));
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    let regions = |d: &Value| d["Replicas"].as_array().unwrap().iter().map(|r| r["RegionName"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(regions(&describe(&mut e, EAST, "Music")), [WEST, EU]);
    assert_eq!(regions(&describe(&mut e, WEST, "Music")), [EAST, EU]);
    assert_eq!(regions(&describe(&mut e, EU, "Music")), [WEST, EAST], "the region that asked, then the others");
    assert_eq!(get(&mut e, EU, "a").as_deref(), Some("1"));
}

#[test]
fn replica_update_errors() {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, EAST, "Music", json!({}));
    let up = |e: &mut Engine, updates: Value| err(ddb(e, EAST, "UpdateTable", json!({"TableName": "Music", "ReplicaUpdates": updates})));
    let (kind, msg) = up(&mut e, json!([{"Create": {"RegionName": "mars-north-1"}}]));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("mars-north-1"), "{msg}");
    let (kind, msg) = up(&mut e, json!([{"Create": {}}]));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("replicaUpdates.1.member.create.regionName"), "{msg}");
    let (_, msg) = up(&mut e, json!([{"Create": {"RegionName": WEST}}, {"Create": {"RegionName": EU}}]));
    assert!(msg.contains("Only one replica update"), "{msg}");
    let (_, msg) = up(&mut e, json!([{}]));
    assert!(msg.contains("must not be null"), "{msg}");
    let (_, msg) = up(&mut e, json!([{"Create": {"RegionName": EAST}}]));
    assert!(msg.contains("DeleteTable"), "{msg}");
    let (_, msg) = up(&mut e, json!([{"Delete": {"RegionName": WEST}}]));
    assert_eq!(msg, "Replica specified in the Replica Update or Replica Delete action of the request was not found.");
    let (_, msg) = up(&mut e, json!([{"Create": {"RegionName": WEST, "TableClassOverride": "COLD"}}]));
    assert!(msg.starts_with("Invalid table-class parameter"), "{msg}");
    let (_, msg) = up(&mut e, json!([{"Create": {"RegionName": WEST, "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5}}}]));
    assert!(msg.contains("ProvisionedThroughputOverride"), "{msg}");
    let (_, msg) = err(ddb(&mut e, EAST, "UpdateTable", json!({"TableName": "Music", "ReplicaUpdates": [{"Create": {"RegionName": WEST}}], "DeletionProtectionEnabled": true})));
    assert!(msg.contains("DeletionProtectionEnabled"), "{msg}");
    let (kind, _) = err(ddb(&mut e, EAST, "UpdateTable", json!({"TableName": "Nope", "ReplicaUpdates": [{"Create": {"RegionName": WEST}}]})));
    assert_eq!(kind, "ResourceNotFoundException");
    // A table of that name already in the target region.
    create(&mut e, WEST, "Music", json!({}));
    let (kind, msg) = up(&mut e, json!([{"Create": {"RegionName": WEST}}]));
    assert_eq!(kind, "ValidationException");
    assert_eq!(msg, "Failed to create a the new replica of table with name: 'Music' because one or more replicas already existed as tables.");
    // Provisioned without auto scaling; a stream of another view type.
    create(&mut e, EAST, "Prov", json!({"BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}));
    let (_, msg) = err(add_replica(&mut e, EAST, "Prov", WEST));
    assert_eq!(msg, "Table write capacity should either be Pay-Per-Request or AutoScaled.");
    create(&mut e, EAST, "Keys", json!({"StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}));
    let (_, msg) = err(add_replica(&mut e, EAST, "Keys", WEST));
    assert!(msg.contains("NEW_AND_OLD_IMAGES"), "{msg}");
    // While the replica is being created, the table is UPDATING.
    ok(add_replica(&mut e, EAST, "Music", EU));
    let (kind, _) = up(&mut e, json!([{"Delete": {"RegionName": EU}}]));
    assert_eq!(kind, "ResourceInUseException");
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    // Changes AWS applies to every replica are refused on a global table.
    let (_, msg) = err(ddb(&mut e, EAST, "UpdateTable", json!({"TableName": "Music", "StreamSpecification": {"StreamEnabled": false}})));
    assert!(msg.contains("global table"), "{msg}");
    // The 2017.11.29 operations name their version.
    let (kind, msg) = err(ddb(&mut e, EAST, "CreateGlobalTable", json!({"GlobalTableName": "Music", "ReplicationGroup": [{"RegionName": EAST}]})));
    assert_eq!(kind, "UnknownOperationException");
    assert!(msg.contains("2017.11.29"), "{msg}");
}

#[test]
fn writes_replicate_both_ways_after_the_lag() {
    let mut e = global();
    put(&mut e, EAST, "k1", "east");
    assert_eq!(get(&mut e, WEST, "k1"), None, "not yet: replication is asynchronous");
    advance_ms(&mut e, DEFAULT_LAG_MS - 10);
    assert_eq!(get(&mut e, WEST, "k1"), None);
    advance_ms(&mut e, 10);
    assert_eq!(get(&mut e, WEST, "k1").as_deref(), Some("east"));
    // The other way, with UpdateItem, a transaction and PartiQL.
    ok(ddb(
        &mut e,
        WEST,
        "UpdateItem",
        json!({"TableName": "Music", "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "west"}}}),
    ));
    ok(ddb(&mut e, WEST, "TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "Music", "Item": {"pk": {"S": "t1"}, "v": {"S": "tx"}}}}]})));
    ok(ddb(&mut e, WEST, "ExecuteStatement", json!({"Statement": "INSERT INTO Music VALUE {'pk': 'p1', 'v': 'partiql'}"})));
    advance_ms(&mut e, DEFAULT_LAG_MS);
    assert_eq!(get(&mut e, EAST, "k1").as_deref(), Some("west"));
    assert_eq!(get(&mut e, EAST, "t1").as_deref(), Some("tx"));
    assert_eq!(get(&mut e, EAST, "p1").as_deref(), Some("partiql"));
    // Deletes and batches.
    ok(ddb(&mut e, EAST, "DeleteItem", json!({"TableName": "Music", "Key": {"pk": {"S": "k1"}}})));
    ok(ddb(&mut e, EAST, "BatchWriteItem", json!({"RequestItems": {"Music": [{"PutRequest": {"Item": {"pk": {"S": "b1"}, "v": {"S": "batch"}}}}]}})));
    advance_ms(&mut e, DEFAULT_LAG_MS);
    assert_eq!(get(&mut e, WEST, "k1"), None);
    assert_eq!(get(&mut e, WEST, "b1").as_deref(), Some("batch"));
    // No ping-pong: once settled, nothing is pending anywhere and the stores agree.
    advance_ms(&mut e, 10 * DEFAULT_LAG_MS);
    let r = ok(control(&mut e, "dynamodb:DescribeReplication", json!({"region": EAST, "TableName": "Music"})));
    for region in r["Regions"].as_array().unwrap() {
        assert_eq!(region["PendingChanges"], 0, "{region}");
    }
    assert_eq!(describe(&mut e, EAST, "Music")["ItemCount"], describe(&mut e, WEST, "Music")["ItemCount"]);
    // The replica's stream shows the replicated changes, once each.
    let events = stream_events(&mut e, WEST);
    assert!(events.contains(&("INSERT".into(), "b1".into())), "{events:?}");
    assert!(events.contains(&("REMOVE".into(), "k1".into())), "{events:?}");
    assert_eq!(events.iter().filter(|(ev, k)| ev == "MODIFY" && k == "k1").count(), 1, "{events:?}");
}

#[test]
fn last_writer_wins_and_the_loser_is_reported() {
    let mut e = global();
    ok(control(&mut e, "PauseClock", json!({})));
    put(&mut e, EAST, "song", "from-east");
    advance_ms(&mut e, 300);
    put(&mut e, WEST, "song", "from-west");
    // Within the lag both regions hold their own write.
    assert_eq!(get(&mut e, EAST, "song").as_deref(), Some("from-east"));
    assert_eq!(get(&mut e, WEST, "song").as_deref(), Some("from-west"));
    advance_ms(&mut e, 2 * DEFAULT_LAG_MS);
    assert_eq!(get(&mut e, EAST, "song").as_deref(), Some("from-west"), "the later write wins everywhere");
    assert_eq!(get(&mut e, WEST, "song").as_deref(), Some("from-west"));
    let r = ok(control(&mut e, "dynamodb:DescribeReplication", json!({"region": WEST, "TableName": "Music"})));
    let events = r["Events"].as_array().unwrap();
    let discarded = events.iter().find(|ev| ev["Outcome"] == "DISCARDED").expect("the older write is discarded");
    assert_eq!(discarded["SourceRegion"], EAST);
    assert_eq!(discarded["TargetRegion"], WEST);
    assert_eq!(discarded["Conflict"], true);
    assert_eq!(discarded["Winner"]["Region"], WEST);
    let won = events.iter().find(|ev| ev["Outcome"] == "APPLIED" && ev["TargetRegion"] == EAST).unwrap();
    assert_eq!(won["Conflict"], true);
    assert_eq!(won["LagMs"], DEFAULT_LAG_MS);
    // The story of the conflict survives a reload.
    let mut reloaded = Engine::restore(EngineConfig::default(), H, e.snapshot()).unwrap();
    let again = ok(control(&mut reloaded, "dynamodb:DescribeReplication", json!({"region": WEST, "TableName": "Music"})));
    assert_eq!(again["Events"], r["Events"]);

    // A tie in the millisecond goes to the greater region name, the same in both regions.
    put(&mut e, EAST, "tie", "east");
    put(&mut e, WEST, "tie", "west");
    advance_ms(&mut e, 2 * DEFAULT_LAG_MS);
    assert_eq!(get(&mut e, EAST, "tie").as_deref(), Some("west"));
    assert_eq!(get(&mut e, WEST, "tie").as_deref(), Some("west"));

    // A delete that is newer than a put still in flight wins too (tombstones).
    put(&mut e, EAST, "gone", "x");
    advance_ms(&mut e, 2 * DEFAULT_LAG_MS);
    put(&mut e, EAST, "gone", "y");
    advance_ms(&mut e, 100);
    ok(ddb(&mut e, WEST, "DeleteItem", json!({"TableName": "Music", "Key": {"pk": {"S": "gone"}}})));
    advance_ms(&mut e, 2 * DEFAULT_LAG_MS);
    assert_eq!(get(&mut e, EAST, "gone"), None);
    assert_eq!(get(&mut e, WEST, "gone"), None);
}

#[test]
fn ttl_deletes_replicate_as_ordinary_removes() {
    let mut e = global();
    ok(ddb(&mut e, EAST, "UpdateTimeToLive", json!({"TableName": "Music", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}})));
    advance_ms(&mut e, 10_000);
    let now_s = e.now_ms(H) / 1000;
    ok(ddb(&mut e, EAST, "PutItem", json!({"TableName": "Music", "Item": {"pk": {"S": "old"}, "v": {"S": "x"}, "exp": {"N": (now_s + 60).to_string()}}})));
    advance_ms(&mut e, DEFAULT_LAG_MS);
    assert_eq!(get(&mut e, WEST, "old").as_deref(), Some("x"));
    advance_ms(&mut e, 7 * 60_000);
    assert_eq!(get(&mut e, EAST, "old"), None, "the TTL process deleted it");
    assert_eq!(get(&mut e, WEST, "old"), None, "and the delete replicated");
    let events = stream_events(&mut e, WEST);
    assert_eq!(events.last(), Some(&("REMOVE".to_string(), "old".to_string())));
}

fn ttl_of(e: &mut Engine, region: &str) -> Value {
    ok(ddb(e, region, "DescribeTimeToLive", json!({"TableName": "Music"})))["TimeToLiveDescription"].clone()
}

#[test]
fn the_ttl_setting_is_one_for_the_group_and_new_replicas_get_it() {
    let mut e = global();
    // Set in the replica's region, it applies in every region, with the same transition.
    ok(ddb(&mut e, WEST, "UpdateTimeToLive", json!({"TableName": "Music", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "exp"}})));
    assert_eq!(ttl_of(&mut e, EAST), json!({"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}));
    advance_ms(&mut e, 5_000);
    assert_eq!(ttl_of(&mut e, EAST), json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}));
    assert_eq!(ttl_of(&mut e, WEST), json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}));
    // One change an hour counts for the group, wherever it was made.
    let (code, msg) = err(ddb(&mut e, EAST, "UpdateTimeToLive", json!({"TableName": "Music", "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}})));
    assert_eq!((code.as_str(), msg.as_str()), ("ValidationException", "Time to live has been modified multiple times within a fixed interval"));
    // An expiring item written in one region is deleted everywhere, also in a replica added
    // after TTL was enabled (it takes the setting and queues the items it copies).
    let now_s = e.now_ms(H) / 1000;
    ok(ddb(&mut e, EAST, "PutItem", json!({"TableName": "Music", "Item": {"pk": {"S": "soon"}, "v": {"S": "x"}, "exp": {"N": (now_s + 60).to_string()}}})));
    advance_ms(&mut e, DEFAULT_LAG_MS);
    ok(add_replica(&mut e, EAST, "Music", EU));
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    assert_eq!(ttl_of(&mut e, EU), json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}));
    assert_eq!(get(&mut e, EU, "soon").as_deref(), Some("x"));
    // Disabling it is refused in the new member too until the hour is over, then applies to all.
    advance_ms(&mut e, 3_600_000);
    for region in [EAST, WEST, EU] {
        assert_eq!(get(&mut e, region, "soon"), None, "deleted in {region}");
    }
    ok(ddb(&mut e, EU, "UpdateTimeToLive", json!({"TableName": "Music", "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "exp"}})));
    advance_ms(&mut e, 5_000);
    for region in [EAST, WEST, EU] {
        assert_eq!(ttl_of(&mut e, region), json!({"TimeToLiveStatus": "DISABLED"}), "{region}");
    }
}

#[test]
fn outage_queues_changes_and_the_region_catches_up() {
    let mut e = global();
    ok(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": WEST, "Available": false})));
    let e503 = ddb(&mut e, WEST, "GetItem", json!({"TableName": "Music", "Key": {"pk": {"S": "before"}}})).expect_err("the region is down");
    assert_eq!((e503.kind.as_str(), e503.status), ("ServiceUnavailable", 503));
    let (kind, _) = err(e.call(H, &Request::new("streams.dynamodb", "ListStreams", WEST, json!({}))));
    assert_eq!(kind, "ServiceUnavailable");
    put(&mut e, EAST, "a", "1");
    put(&mut e, EAST, "a", "2");
    put(&mut e, EAST, "b", "1");
    ok(ddb(&mut e, EAST, "DeleteItem", json!({"TableName": "Music", "Key": {"pk": {"S": "before"}}})));
    advance_ms(&mut e, 60_000);
    let r = ok(control(&mut e, "dynamodb:DescribeReplication", json!({"region": EAST, "TableName": "Music"})));
    let west = r["Regions"].as_array().unwrap().iter().find(|x| x["RegionName"] == WEST).unwrap().clone();
    assert_eq!(west["Available"], false);
    assert_eq!(west["PendingChanges"], 4);
    ok(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": WEST, "Available": true})));
    advance_ms(&mut e, 1);
    assert_eq!(get(&mut e, WEST, "a").as_deref(), Some("2"), "queued changes applied in order");
    assert_eq!(get(&mut e, WEST, "b").as_deref(), Some("1"));
    assert_eq!(get(&mut e, WEST, "before"), None);
    let r = ok(control(&mut e, "dynamodb:DescribeReplication", json!({"region": EAST, "TableName": "Music"})));
    assert!(r["Regions"].as_array().unwrap().iter().all(|x| x["PendingChanges"] == 0));

    // The source region down: its outbox holds, then goes.
    put(&mut e, EAST, "c", "1");
    ok(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": EAST, "Available": false})));
    advance_ms(&mut e, 5_000);
    assert_eq!(get(&mut e, WEST, "c"), None);
    put(&mut e, WEST, "c", "newer");
    ok(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": EAST, "Available": true})));
    advance_ms(&mut e, 2_000);
    assert_eq!(get(&mut e, EAST, "c").as_deref(), Some("newer"), "last writer wins after catch-up");
    assert_eq!(get(&mut e, WEST, "c").as_deref(), Some("newer"));
}

#[test]
fn changes_in_flight_survive_restore_and_journal_replay() {
    use crate::kernel::journal::Change;
    let mut e = global();
    let mut image: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    e.take_changes();
    ok(control(&mut e, "dynamodb:SetReplicationLag", json!({"region": EAST, "TableName": "Music", "Seconds": 30})));
    put(&mut e, EAST, "fly", "1");
    ok(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": EU, "Available": false})));
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
    let snapshot: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert_eq!(image, snapshot, "journal replay equals snapshot");
    assert!(snapshot.keys().any(|k| k.contains("/global/out/")), "the change in flight is persisted");
    let mut reloaded = Engine::restore(EngineConfig::default(), H, e.snapshot()).unwrap();
    assert_eq!(describe(&mut reloaded, WEST, "Music")["Replicas"], json!([{"RegionName": EAST, "ReplicaStatus": "ACTIVE"}]));
    advance_ms(&mut reloaded, 29_000);
    assert_eq!(get(&mut reloaded, WEST, "fly"), None, "the lag is kept");
    advance_ms(&mut reloaded, 1_000);
    assert_eq!(get(&mut reloaded, WEST, "fly").as_deref(), Some("1"), "delivered after the reload");
    let (kind, _) = err(ddb(&mut reloaded, EU, "ListTables", json!({})));
    assert_eq!(kind, "ServiceUnavailable", "the outage is persisted");
    // Stamps survive: an older change cannot overwrite a newer write after a reload.
    let doc = ok(reloaded.control(H, "ExportSandbox", &json!({})));
    assert!(doc.to_string().contains("/global/ts/"), "stamps export as JSON");
}

#[test]
fn only_the_last_fifty_events_are_kept_and_the_journal_agrees() {
    use crate::kernel::journal::Change;
    let mut e = global();
    let mut image: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    e.take_changes();
    for i in 0..60 {
        put(&mut e, EAST, &format!("k{i}"), "v");
    }
    advance_ms(&mut e, 2 * DEFAULT_LAG_MS);
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
    let snapshot: std::collections::BTreeMap<String, Vec<u8>> = e.snapshot().into_iter().map(|r| (r.key, r.value)).collect();
    assert_eq!(image, snapshot, "journal replay equals snapshot");
    assert_eq!(snapshot.keys().filter(|k| k.contains("/global/ev/")).count(), 50);
    let r = ok(control(&mut e, "dynamodb:DescribeReplication", json!({"region": WEST, "TableName": "Music"})));
    let mut reloaded = Engine::restore(EngineConfig::default(), H, e.snapshot()).unwrap();
    let again = ok(control(&mut reloaded, "dynamodb:DescribeReplication", json!({"region": WEST, "TableName": "Music"})));
    assert_eq!(again["Events"], r["Events"]);
    assert_eq!(again["Events"][0]["Keys"]["pk"]["S"], "k59", "newest first");
}

#[test]
fn delete_replica_and_delete_table_leave_the_group() {
    let mut e = global();
    ok(add_replica(&mut e, EAST, "Music", EU));
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    let r = ok(ddb(&mut e, EAST, "UpdateTable", json!({"TableName": "Music", "ReplicaUpdates": [{"Delete": {"RegionName": EU}}]})));
    assert_eq!(r["TableDescription"]["Replicas"], json!([{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}, {"RegionName": EU, "ReplicaStatus": "DELETING"}]));
    assert_eq!(describe(&mut e, EU, "Music")["TableStatus"], "DELETING");
    advance_ms(&mut e, 2_000);
    let (kind, _) = err(ddb(&mut e, EU, "DescribeTable", json!({"TableName": "Music"})));
    assert_eq!(kind, "ResourceNotFoundException");
    assert_eq!(describe(&mut e, EAST, "Music")["Replicas"], json!([{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}]));
    assert_eq!(describe(&mut e, WEST, "Music")["Replicas"], json!([{"RegionName": EAST, "ReplicaStatus": "ACTIVE"}]));
    // Deleting the west replica with DeleteTable: east is a regional table again.
    ok(ddb(&mut e, WEST, "DeleteTable", json!({"TableName": "Music"})));
    let east = describe(&mut e, EAST, "Music");
    assert!(east.get("Replicas").is_none() && east.get("GlobalTableVersion").is_none(), "{east}");
    put(&mut e, EAST, "solo", "1");
    advance_ms(&mut e, 5_000);
    let r = ok(control(&mut e, "dynamodb:DescribeReplication", json!({"region": EAST, "TableName": "Music"})));
    assert_eq!(r["Regions"].as_array().unwrap().len(), 1);
}

#[test]
fn update_replica_and_control_errors() {
    let mut e = global();
    let r = ok(ddb(
        &mut e,
        EAST,
        "UpdateTable",
        json!({"TableName": "Music", "ReplicaUpdates": [{"Update": {"RegionName": WEST, "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}}]}),
    ));
    assert_eq!(r["TableDescription"]["Replicas"][0]["ReplicaStatus"], "UPDATING");
    advance_ms(&mut e, 2_000);
    assert_eq!(describe(&mut e, WEST, "Music")["TableClassSummary"]["TableClass"], "STANDARD_INFREQUENT_ACCESS");
    assert_eq!(describe(&mut e, EAST, "Music")["Replicas"][0]["ReplicaStatus"], "ACTIVE");
    let (kind, _) = err(control(&mut e, "dynamodb:SetReplicationLag", json!({"region": EAST, "TableName": "Music", "Seconds": -1})));
    assert_eq!(kind, "ValidationException");
    let (kind, _) = err(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": "nowhere-1", "Available": false})));
    assert_eq!(kind, "ValidationException");
    // Replicated writes count as write units in the receiving table's metrics.
    put(&mut e, EAST, "m", "1");
    advance_ms(&mut e, DEFAULT_LAG_MS);
    let m = ok(control(&mut e, "dynamodb:GetTableMetrics", json!({"region": WEST, "TableName": "Music"})));
    let consumed: f64 = m["Datapoints"].as_array().unwrap().iter().map(|p| p["ConsumedWriteCapacityUnits"].as_f64().unwrap()).sum();
    assert!(consumed >= 1.0, "{m}");
}

#[test]
fn provisioned_table_with_write_auto_scaling_can_be_replicated() {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(&mut e, EAST, "Prov", json!({"BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7}}));
    let (_, msg) = err(add_replica(&mut e, EAST, "Prov", WEST));
    assert_eq!(msg, "Table write capacity should either be Pay-Per-Request or AutoScaled.");
    // Read auto scaling alone is not enough.
    let register = |e: &mut Engine, dimension: &str| {
        ok(e.call(
            H,
            &Request::new(
                "application-autoscaling",
                "RegisterScalableTarget",
                EAST,
                json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Prov", "ScalableDimension": dimension, "MinCapacity": 1, "MaxCapacity": 50}),
            ),
        ))
    };
    register(&mut e, "dynamodb:table:ReadCapacityUnits");
    let (_, msg) = err(add_replica(&mut e, EAST, "Prov", WEST));
    assert_eq!(msg, "Table write capacity should either be Pay-Per-Request or AutoScaled.");
    register(&mut e, "dynamodb:table:WriteCapacityUnits");
    advance_ms(&mut e, 2_000);
    ok(ddb(
        &mut e,
        EAST,
        "UpdateTable",
        json!({"TableName": "Prov", "ReplicaUpdates": [{"Create": {"RegionName": WEST, "ProvisionedThroughputOverride": {"ReadCapacityUnits": 3}}}]}),
    ));
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    let west = describe(&mut e, WEST, "Prov");
    assert_eq!(west["TableStatus"], "ACTIVE");
    assert_eq!(west["ProvisionedThroughput"]["ReadCapacityUnits"], 3, "the read override");
    assert_eq!(west["ProvisionedThroughput"]["WriteCapacityUnits"], describe(&mut e, EAST, "Prov")["ProvisionedThroughput"]["WriteCapacityUnits"]);
}

fn update(e: &mut Engine, region: &str, input: Value) -> Result<Value, AwsError> {
    ddb(e, region, "UpdateTable", input)
}

fn index_names(d: &Value) -> Vec<String> {
    d["GlobalSecondaryIndexes"].as_array().map(|l| l.iter().map(|i| i["IndexName"].as_str().unwrap_or_default().to_string()).collect()).unwrap_or_default()
}

#[test]
fn synchronized_settings_reach_every_replica() {
    let mut e = global();
    // A GSI created through the replica in us-west-2 is created (and backfilled) in us-east-1 too.
    ok(update(
        &mut e,
        WEST,
        json!({"TableName": "Music", "AttributeDefinitions": [{"AttributeName": "v", "AttributeType": "S"}],
               "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byV", "KeySchema": [{"AttributeName": "v", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}),
    ));
    for region in [EAST, WEST] {
        let d = describe(&mut e, region, "Music");
        assert_eq!(index_names(&d), ["byV"], "{region}: {d}");
        assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "CREATING");
    }
    // While a member is busy, a change every member must take waits.
    let (kind, _) =
        err(update(&mut e, EAST, json!({"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}})));
    assert_eq!(kind, "ResourceInUseException");
    advance_ms(&mut e, 60_000);
    let q =
        ok(ddb(&mut e, EAST, "Query", json!({"TableName": "Music", "IndexName": "byV", "KeyConditionExpression": "v = :v", "ExpressionAttributeValues": {":v": {"S": "copied"}}})));
    assert_eq!(q["Count"], 1, "the backfilled index in us-east-1: {q}");
    // A write replicated after the index exists lands in the other region's index.
    put(&mut e, WEST, "late", "west-made");
    advance_ms(&mut e, DEFAULT_LAG_MS + 10);
    let q = ok(ddb(
        &mut e,
        EAST,
        "Query",
        json!({"TableName": "Music", "IndexName": "byV", "KeyConditionExpression": "v = :v", "ExpressionAttributeValues": {":v": {"S": "west-made"}}}),
    ));
    assert_eq!(q["Count"], 1, "{q}");

    // The billing mode and throughput: write capacity the same everywhere.
    ok(update(
        &mut e,
        EAST,
        json!({"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
               "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "byV", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 6}}}]}),
    ));
    advance_ms(&mut e, 60_000);
    for region in [EAST, WEST] {
        let d = describe(&mut e, region, "Music");
        assert_eq!(d["BillingModeSummary"]["BillingMode"], "PROVISIONED", "{region}");
        assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 5, "{region}");
        assert_eq!(d["ProvisionedThroughput"]["WriteCapacityUnits"], 6, "{region}");
        assert_eq!(d["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"], 6, "{region}");
        assert_eq!(d["TableStatus"], "ACTIVE", "{region}");
    }
    ok(update(&mut e, WEST, json!({"TableName": "Music", "ProvisionedThroughput": {"ReadCapacityUnits": 8, "WriteCapacityUnits": 9}})));
    advance_ms(&mut e, 60_000);
    assert_eq!(describe(&mut e, EAST, "Music")["ProvisionedThroughput"]["WriteCapacityUnits"], 9);

    // Deleting the GSI deletes it everywhere.
    ok(update(&mut e, EAST, json!({"TableName": "Music", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byV"}}]})));
    advance_ms(&mut e, 60_000);
    for region in [EAST, WEST] {
        assert!(index_names(&describe(&mut e, region, "Music")).is_empty(), "{region}");
    }
    // Per-member settings stay per member.
    ok(update(&mut e, WEST, json!({"TableName": "Music", "DeletionProtectionEnabled": true})));
    assert_eq!(describe(&mut e, WEST, "Music")["DeletionProtectionEnabled"], true);
    assert_eq!(describe(&mut e, EAST, "Music")["DeletionProtectionEnabled"], false);
    // The stream carries the replication: not changed while there are replicas.
    let (kind, msg) = err(update(&mut e, EAST, json!({"TableName": "Music", "StreamSpecification": {"StreamEnabled": false}})));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("global table"), "{msg}");
    // A member whose region is down cannot take the change now.
    ok(control(&mut e, "dynamodb:SetRegionAvailability", json!({"RegionName": WEST, "Available": false})));
    let (kind, msg) = err(update(&mut e, EAST, json!({"TableName": "Music", "ProvisionedThroughput": {"ReadCapacityUnits": 8, "WriteCapacityUnits": 10}})));
    assert_eq!(kind, "ServiceUnavailable");
    assert!(msg.contains(WEST), "{msg}");
    assert_eq!(describe(&mut e, EAST, "Music")["ProvisionedThroughput"]["WriteCapacityUnits"], 9, "nothing applied");
}

#[test]
fn replicas_keep_their_own_read_capacity() {
    let mut e = Engine::new(EngineConfig::default(), H);
    create(
        &mut e,
        EAST,
        "Prov",
        json!({"BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
               "GlobalSecondaryIndexes": [{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"},
                                           "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 7}}]}),
    );
    ok(e.call(
        H,
        &Request::new(
            "application-autoscaling",
            "RegisterScalableTarget",
            EAST,
            json!({"ServiceNamespace": "dynamodb", "ResourceId": "table/Prov", "ScalableDimension": "dynamodb:table:WriteCapacityUnits", "MinCapacity": 1, "MaxCapacity": 50}),
        ),
    ));
    let replica = |e: &mut Engine, action: Value| update(e, EAST, json!({"TableName": "Prov", "ReplicaUpdates": [action]}));
    let (kind, _) =
        err(replica(&mut e, json!({"Create": {"RegionName": WEST, "GlobalSecondaryIndexes": [{"IndexName": "nope", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1}}]}})));
    assert_eq!(kind, "ResourceNotFoundException");
    let (kind, msg) = err(replica(&mut e, json!({"Create": {"RegionName": WEST, "OnDemandThroughputOverride": {"MaxReadRequestUnits": 10}}})));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("OnDemandThroughputOverride"), "{msg}");
    ok(replica(
        &mut e,
        json!({"Create": {"RegionName": WEST, "ProvisionedThroughputOverride": {"ReadCapacityUnits": 3},
                          "GlobalSecondaryIndexes": [{"IndexName": "byG", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 2}}]}}),
    ));
    advance_ms(&mut e, REPLICA_CREATE_MS + 10);
    let west = describe(&mut e, WEST, "Prov");
    assert_eq!(west["ProvisionedThroughput"]["ReadCapacityUnits"], 3);
    assert_eq!(west["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"], 2);
    let east = describe(&mut e, EAST, "Prov");
    assert_eq!(east["Replicas"][0]["ProvisionedThroughputOverride"]["ReadCapacityUnits"], 3, "{east}");
    assert_eq!(east["Replicas"][0]["GlobalSecondaryIndexes"][0], json!({"IndexName": "byG", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 2}}));

    // The group's throughput changes: write capacity everywhere, read where there is no override.
    ok(update(&mut e, EAST, json!({"TableName": "Prov", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 9}})));
    advance_ms(&mut e, 60_000);
    let west = describe(&mut e, WEST, "Prov");
    assert_eq!(west["ProvisionedThroughput"]["ReadCapacityUnits"], 3, "the override stays");
    assert_eq!(west["ProvisionedThroughput"]["WriteCapacityUnits"], 9);
    assert_eq!(describe(&mut e, EAST, "Prov")["ProvisionedThroughput"]["ReadCapacityUnits"], 10);

    // An Update action changes the override.
    let r = ok(replica(&mut e, json!({"Update": {"RegionName": WEST, "ProvisionedThroughputOverride": {"ReadCapacityUnits": 4}}})));
    assert_eq!(r["TableDescription"]["Replicas"][0]["ReplicaStatus"], "UPDATING");
    advance_ms(&mut e, 60_000);
    let west = describe(&mut e, WEST, "Prov");
    assert_eq!(west["ProvisionedThroughput"]["ReadCapacityUnits"], 4, "{west}");
    assert_eq!(west["TableStatus"], "ACTIVE");
    assert_eq!(describe(&mut e, EAST, "Prov")["Replicas"][0]["ReplicaStatus"], "ACTIVE");
    let (kind, msg) = err(replica(&mut e, json!({"Update": {"RegionName": WEST}})));
    assert_eq!(kind, "ValidationException");
    assert!(msg.contains("ProvisionedThroughputOverride"), "{msg}");

    // The overrides survive a restart (they are part of the member's settings record).
    let snapshot = e.snapshot();
    let mut back = Engine::restore(EngineConfig::default(), H, snapshot).expect("restore");
    assert_eq!(describe(&mut back, EAST, "Prov")["Replicas"][0]["ProvisionedThroughputOverride"]["ReadCapacityUnits"], 4);
}
