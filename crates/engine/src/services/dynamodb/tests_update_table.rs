//! UpdateTable: throughput, billing mode, GSI create (backfill) / update / delete, streams,
//! encryption, table class; AWS's combination rules and messages.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;

/// Virtual time (epoch seconds) at host time `t`: the sandbox clock starts on 2026-01-01.
fn vt(t: i64) -> f64 {
    (1_767_225_600_000 + t - T0) as f64 / 1000.0
}

fn at(e: &mut Engine, t: i64, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(t, &Request::new("dynamodb", op, "us-east-1", input))
}

fn ok(e: &mut Engine, t: i64, op: &str, input: Value) -> Value {
    at(e, t, op, input).unwrap_or_else(|err| panic!("{op} failed: {err}"))
}

fn err(e: &mut Engine, t: i64, op: &str, input: Value) -> (String, String) {
    let er = at(e, t, op, input).expect_err("expected an error");
    (er.kind, er.message)
}

fn describe(e: &mut Engine, t: i64) -> Value {
    ok(e, t, "DescribeTable", json!({"TableName": "Scores"}))["Table"].clone()
}

/// `Scores` (UserId HASH, Game RANGE), provisioned 5/5, with a few items; ACTIVE at T0 + 2 s.
fn scores(billing: &str) -> Engine {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let mut input = json!({
        "TableName": "Scores",
        "AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}, {"AttributeName": "Game", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}, {"AttributeName": "Game", "KeyType": "RANGE"}],
        "BillingMode": billing
    });
    if billing == "PROVISIONED" {
        input["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 5});
    }
    ok(&mut e, T0, "CreateTable", input);
    for (u, g, s) in [("u1", "chess", 10), ("u2", "chess", 30), ("u3", "go", 20), ("u4", "go", 5)] {
        ok(&mut e, T0 + 2_000, "PutItem", json!({"TableName": "Scores", "Item": {"UserId": {"S": u}, "Game": {"S": g}, "Score": {"N": s.to_string()}}}));
    }
    // One item whose Score is a string: a GSI on Score (N) must skip it, not fail.
    ok(&mut e, T0 + 2_000, "PutItem", json!({"TableName": "Scores", "Item": {"UserId": {"S": "u5"}, "Game": {"S": "go"}, "Score": {"S": "high"}}}));
    e
}

fn create_gsi(billing_provisioned: bool) -> Value {
    let mut create = json!({
        "IndexName": "GameScore",
        "KeySchema": [{"AttributeName": "Game", "KeyType": "HASH"}, {"AttributeName": "Score", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}
    });
    if billing_provisioned {
        create["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 2, "WriteCapacityUnits": 2});
    }
    json!({
        "TableName": "Scores",
        "AttributeDefinitions": [{"AttributeName": "Game", "AttributeType": "S"}, {"AttributeName": "Score", "AttributeType": "N"}],
        "GlobalSecondaryIndexUpdates": [{"Create": create}]
    })
}

#[test]
fn throughput_change_goes_through_updating_and_is_recorded() {
    let mut e = scores("PROVISIONED");
    let t = T0 + 10_000;
    let out = ok(&mut e, t, "UpdateTable", json!({"TableName": "Scores", "ProvisionedThroughput": {"ReadCapacityUnits": 15, "WriteCapacityUnits": 15}}));
    let d = &out["TableDescription"];
    assert_eq!(d["TableStatus"], "UPDATING");
    // The new values show once the update completes, as AWS does.
    assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
    // Data operations go on while UPDATING.
    ok(&mut e, t + 1, "GetItem", json!({"TableName": "Scores", "Key": {"UserId": {"S": "u1"}, "Game": {"S": "chess"}}}));
    // A second update while UPDATING is refused.
    let (kind, msg) = err(&mut e, t + 1, "UpdateTable", json!({"TableName": "Scores", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}));
    assert_eq!(kind, "ResourceInUseException");
    assert_eq!(msg, "Attempt to change a resource which is still in use: Table is being updated: Scores");
    let d = describe(&mut e, t + 1_000);
    assert_eq!(d["TableStatus"], "ACTIVE");
    assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 15);
    assert_eq!(d["ProvisionedThroughput"]["LastIncreaseDateTime"], json!(vt(t + 1_000)));
    assert_eq!(d["ProvisionedThroughput"]["NumberOfDecreasesToday"], 0);
    // A decrease counts.
    ok(&mut e, t + 2_000, "UpdateTable", json!({"TableName": "Scores", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 15}}));
    let d = describe(&mut e, t + 3_000);
    assert_eq!(d["ProvisionedThroughput"]["NumberOfDecreasesToday"], 1);
    assert!(d["ProvisionedThroughput"]["LastDecreaseDateTime"].is_number());
    // The same values again: AWS's message.
    let (_, msg) = err(&mut e, t + 4_000, "UpdateTable", json!({"TableName": "Scores", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 15}}));
    assert_eq!(msg, "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 15. Requested WriteCapacityUnits: 15. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
}

#[test]
fn billing_mode_switches_both_ways() {
    let mut e = scores("PROVISIONED");
    let t = T0 + 10_000;
    let d = &ok(&mut e, t, "UpdateTable", json!({"TableName": "Scores", "BillingMode": "PAY_PER_REQUEST"}))["TableDescription"];
    assert_eq!(d["TableStatus"], "UPDATING");
    assert_eq!(d["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(d["ProvisionedThroughput"]["ReadCapacityUnits"], 0);
    let d = describe(&mut e, t + 1_000);
    assert_eq!(d["TableStatus"], "ACTIVE");
    assert_eq!(d["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"], json!(vt(t)));
    // Throughput is not for on-demand tables.
    let (_, msg) = err(&mut e, t + 2_000, "UpdateTable", json!({"TableName": "Scores", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}));
    assert_eq!(msg, "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    let (_, msg) = err(&mut e, t + 2_000, "UpdateTable", json!({"TableName": "Scores", "BillingMode": "PROVISIONED"}));
    assert_eq!(msg, "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
    // Back to provisioned: every GSI needs throughput too.
    ok(&mut e, t + 2_000, "UpdateTable", create_gsi(false));
    describe(&mut e, t + 60_000);
    let (_, msg) = err(
        &mut e,
        t + 60_000,
        "UpdateTable",
        json!({"TableName": "Scores", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}),
    );
    assert_eq!(msg, "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: GameScore");
    let d = &ok(
        &mut e,
        t + 60_000,
        "UpdateTable",
        json!({
            "TableName": "Scores", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
            "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "GameScore", "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 8}}}]
        }),
    )["TableDescription"];
    assert_eq!(d["BillingModeSummary"]["BillingMode"], "PROVISIONED");
    assert_eq!(d["ProvisionedThroughput"]["WriteCapacityUnits"], 4);
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "UPDATING");
    let d = describe(&mut e, t + 61_000);
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");
    assert_eq!(d["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"], 7);
}

#[test]
fn gsi_create_backfills_then_serves_queries() {
    let mut e = scores("PAY_PER_REQUEST");
    let t = T0 + 10_000;
    let d = &ok(&mut e, t, "UpdateTable", create_gsi(false))["TableDescription"];
    assert_eq!(d["TableStatus"], "UPDATING");
    let gsi = &d["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexStatus"], "CREATING");
    assert_eq!(gsi["Backfilling"], true);
    assert_eq!(gsi["ItemCount"], 0);
    assert_eq!(d["AttributeDefinitions"].as_array().unwrap().len(), 3, "Score joins the definitions");
    // Reads wait for the backfill.
    let query = json!({"TableName": "Scores", "IndexName": "GameScore", "KeyConditionExpression": "Game = :g", "ExpressionAttributeValues": {":g": {"S": "go"}}});
    let (_, msg) = err(&mut e, t + 100, "Query", query.clone());
    assert_eq!(msg, "Cannot read from backfilling global secondary index: GameScore");
    // Writes during the backfill are indexed, and typed against the new definition.
    ok(&mut e, t + 100, "PutItem", json!({"TableName": "Scores", "Item": {"UserId": {"S": "u6"}, "Game": {"S": "go"}, "Score": {"N": "99"}}}));
    let (_, msg) = err(&mut e, t + 100, "PutItem", json!({"TableName": "Scores", "Item": {"UserId": {"S": "u7"}, "Game": {"S": "go"}, "Score": {"S": "x"}}}));
    assert_eq!(msg, "One or more parameter values were invalid: Type mismatch for Index Key Score Expected: N Actual: S IndexName: GameScore");
    // A second online index change waits its turn.
    let second = json!({"TableName": "Scores", "AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "ByUser", "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}}]});
    describe(&mut e, t + 1_000); // table ACTIVE again, index still CREATING
    let (kind, msg) = err(&mut e, t + 1_000, "UpdateTable", second.clone());
    assert_eq!((kind.as_str(), msg.as_str()), ("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"));
    // After the backfill the index is ACTIVE and complete (u5's string Score is skipped).
    let d = describe(&mut e, t + 5_100);
    let gsi = &d["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexStatus"], "ACTIVE");
    assert!(gsi.get("Backfilling").is_none());
    assert_eq!(gsi["ItemCount"], 5);
    let out = ok(&mut e, t + 5_100, "Query", query);
    let scores: Vec<&str> = out["Items"].as_array().unwrap().iter().map(|i| i["Score"]["N"].as_str().unwrap()).collect();
    assert_eq!(scores, ["5", "20", "99"]);
    ok(&mut e, t + 5_100, "UpdateTable", second);
}

#[test]
fn gsi_delete_and_its_errors() {
    let mut e = scores("PAY_PER_REQUEST");
    let t = T0 + 10_000;
    ok(&mut e, t, "UpdateTable", create_gsi(false));
    describe(&mut e, t + 10_000);
    let d = &ok(&mut e, t + 10_000, "UpdateTable", json!({"TableName": "Scores", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "GameScore"}}]}))["TableDescription"];
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "DELETING");
    let (_, msg) = err(
        &mut e,
        t + 10_001,
        "Query",
        json!({"TableName": "Scores", "IndexName": "GameScore", "KeyConditionExpression": "Game = :g", "ExpressionAttributeValues": {":g": {"S": "go"}}}),
    );
    assert_eq!(msg, "The table does not have the specified index: GameScore");
    // Writes no longer check the deleted index's key types.
    ok(&mut e, t + 10_001, "PutItem", json!({"TableName": "Scores", "Item": {"UserId": {"S": "u9"}, "Game": {"S": "go"}, "Score": {"S": "x"}}}));
    let d = describe(&mut e, t + 11_000);
    assert!(d.get("GlobalSecondaryIndexes").is_none());
    let (kind, _) = err(&mut e, t + 11_000, "UpdateTable", json!({"TableName": "Scores", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "GameScore"}}]}));
    assert_eq!(kind, "ResourceNotFoundException");
}

#[test]
fn update_table_validation_and_combination_rules() {
    let mut e = scores("PROVISIONED");
    let t = T0 + 10_000;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"TableName": "Scores"}), "ValidationException", "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required"),
        (json!({"TableName": "Scores", "GlobalSecondaryIndexUpdates": [{}]}), "ValidationException", "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"),
        (json!({"TableName": "Scores", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]}), "ValidationException", "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc"),
        (json!({"TableName": "Scores", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abd"}}]}), "LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"),
        (json!({"TableName": "Scores", "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "a"}}]}), "ValidationException", "2 validation errors detected: Value 'a' at 'globalSecondaryIndexUpdates.1.member.update.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput' failed to satisfy constraint: Member must not be null"),
        (json!({"TableName": "Nope", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}), "ResourceNotFoundException", "Requested resource not found: Table: Nope not found"),
        (json!({"TableName": "Scores", "ProvisionedThroughput": {"ReadCapacityUnits": 1_000_000_000_001i64, "WriteCapacityUnits": 1}}), "ValidationException", "Given value 1000000000001 for ReadCapacityUnits is out of bounds"),
        (json!({"TableName": "Scores", "TableClass": "COLD"}), "ValidationException", "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."),
        (json!({"TableName": "Scores", "TableClass": "STANDARD", "DeletionProtectionEnabled": true}), "ValidationException", "One or more parameter values were invalid: TableClass modification must be the only operation in the request"),
        (json!({"TableName": "Scores", "SSESpecification": {"Enabled": true}, "DeletionProtectionEnabled": true}), "ValidationException", "One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request"),
        (json!({"TableName": "Scores", "SSESpecification": {"Enabled": false}}), "ValidationException", "One or more parameter values were invalid: Table is already encrypted by default"),
        (json!({"TableName": "Scores", "SSESpecification": {"Enabled": false, "SSEType": "KMS"}}), "ValidationException", "One or more parameter values were invalid: SSEType can not be specified if Enabled is false"),
        (json!({"TableName": "Scores", "StreamSpecification": {"StreamEnabled": true}}), "ValidationException", "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required"),
        (json!({"TableName": "Scores", "StreamSpecification": {"StreamEnabled": false}}), "ValidationException", "Table has no stream to disable: TableName: Scores"),
        (json!({"TableName": "Scores", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}, "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 9}}), "ValidationException", "One or more parameter values were invalid: You cannot modify stream status while updating table IOPS"),
        (json!({"TableName": "Scores", "ReplicaUpdates": [{"Create": {"RegionName": "us-west-2"}}]}), "ValidationException", "Table write capacity should either be Pay-Per-Request or AutoScaled."),
    ];
    for (input, kind, message) in cases {
        let (k, m) = err(&mut e, t, "UpdateTable", input.clone());
        assert_eq!((k.as_str(), m.as_str()), (kind, message), "for {input}");
    }
    let mut create = create_gsi(true);
    create["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 9, "WriteCapacityUnits": 9});
    assert_eq!(err(&mut e, t, "UpdateTable", create).1, "One or more parameter values were invalid: You cannot create or delete index while updating table IOPS");
    let mut create = create_gsi(true);
    create["DeletionProtectionEnabled"] = json!(true);
    assert_eq!(err(&mut e, t, "UpdateTable", create).1, "One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request");
    let (_, msg) = err(&mut e, t, "UpdateTable", create_gsi(false));
    assert_eq!(msg, "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: GameScore");
    let mut create = create_gsi(true);
    create.as_object_mut().unwrap().remove("AttributeDefinitions");
    assert_eq!(err(&mut e, t, "UpdateTable", create).1, "One or more parameter values were invalid: AttributeDefinitions is not specified for index: GameScore");
    // None of the refused requests changed anything.
    let d = describe(&mut e, t);
    assert_eq!(d["TableStatus"], "ACTIVE");
    assert!(d.get("GlobalSecondaryIndexes").is_none());
}

#[test]
fn streams_encryption_class_and_protection_are_described() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let d = &ok(
        &mut e,
        T0,
        "CreateTable",
        json!({
            "TableName": "Scores",
            "AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "UserId", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            "SSESpecification": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
            "TableClass": "STANDARD_INFREQUENT_ACCESS"
        }),
    )["TableDescription"];
    assert_eq!(d["StreamSpecification"], json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}));
    let label = d["LatestStreamLabel"].as_str().unwrap();
    assert_eq!(label, "2026-01-01T00:00:00.000");
    assert_eq!(d["LatestStreamArn"], format!("arn:aws:dynamodb:us-east-1:123456789012:table/Scores/stream/{label}"));
    assert_eq!(
        d["SSEDescription"],
        json!({"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"})
    );
    assert_eq!(d["TableClassSummary"], json!({"TableClass": "STANDARD_INFREQUENT_ACCESS"}));
    let t = T0 + 5_000;
    let (_, msg) = err(&mut e, t, "UpdateTable", json!({"TableName": "Scores", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}));
    assert_eq!(msg, "Table already has an enabled stream: TableName: Scores");
    ok(&mut e, t, "UpdateTable", json!({"TableName": "Scores", "StreamSpecification": {"StreamEnabled": false}}));
    let d = describe(&mut e, t + 1_000);
    assert!(d.get("StreamSpecification").is_none());
    assert_eq!(d["LatestStreamLabel"], label, "the old stream is still named");
    ok(&mut e, t + 1_000, "UpdateTable", json!({"TableName": "Scores", "SSESpecification": {"Enabled": false}}));
    ok(&mut e, t + 2_000, "UpdateTable", json!({"TableName": "Scores", "TableClass": "STANDARD"}));
    ok(&mut e, t + 3_000, "UpdateTable", json!({"TableName": "Scores", "DeletionProtectionEnabled": true}));
    let d = describe(&mut e, t + 4_000);
    assert!(d.get("SSEDescription").is_none());
    assert_eq!(d["TableClassSummary"], json!({"TableClass": "STANDARD", "LastUpdateDateTime": vt(t + 2_000)}));
    assert_eq!(d["DeletionProtectionEnabled"], true);
    // The AWS managed key when none is named: stable per region.
    ok(&mut e, t + 4_000, "UpdateTable", json!({"TableName": "Scores", "SSESpecification": {"Enabled": true}}));
    let arn = describe(&mut e, t + 5_000)["SSEDescription"]["KMSMasterKeyArn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:kms:us-east-1:123456789012:key/"), "{arn}");
    let (_, msg) = err(&mut e, t + 5_000, "UpdateTable", json!({"TableName": "Scores", "SSESpecification": {"Enabled": true}}));
    assert_eq!(
        msg,
        "One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key"
    );
}

#[test]
fn update_table_survives_restart_mid_backfill() {
    let mut e = scores("PAY_PER_REQUEST");
    let t = T0 + 10_000;
    ok(&mut e, t, "UpdateTable", create_gsi(false));
    let records = e.snapshot();
    let mut r = Engine::restore(EngineConfig::default(), t, records).expect("restore");
    // The restored index is still CREATING, then turns ACTIVE on time with every entry.
    let d = describe(&mut r, t + 1_000);
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "CREATING");
    let d = describe(&mut r, t + 6_000);
    assert_eq!(d["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");
    assert_eq!(d["GlobalSecondaryIndexes"][0]["ItemCount"], 4);
}
