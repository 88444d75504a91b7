"""UpdateTable through boto3 and the AWS CLI: a GSI added to a table with data backfills
(CREATING, then ACTIVE on the virtual clock) and serves queries; billing and throughput changes
pass through UPDATING; streams, encryption and table class are described."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_table


def test_add_gsi_backfills_and_serves_queries(server, ddb):
    make_table(ddb, "Scores", hash_key=("UserId", "S"), range_key=("Game", "S"))
    for user, game, score in [("u1", "chess", 10), ("u2", "chess", 30), ("u3", "go", 20)]:
        ddb.put_item(TableName="Scores", Item={"UserId": {"S": user}, "Game": {"S": game}, "Score": {"N": str(score)}})
    out = ddb.update_table(
        TableName="Scores",
        AttributeDefinitions=[{"AttributeName": "Game", "AttributeType": "S"}, {"AttributeName": "Score", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "GameScore",
            "KeySchema": [{"AttributeName": "Game", "KeyType": "HASH"}, {"AttributeName": "Score", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }}],
    )["TableDescription"]
    gsi = out["GlobalSecondaryIndexes"][0]
    assert (out["TableStatus"], gsi["IndexStatus"], gsi["Backfilling"]) == ("UPDATING", "CREATING", True)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="Scores", IndexName="GameScore", KeyConditionExpression="Game = :g",
                  ExpressionAttributeValues={":g": {"S": "chess"}})
    assert error_of(e)[:2] == ("ValidationException", "Cannot read from backfilling global secondary index: GameScore")
    server.control("AdvanceClock", {"seconds": 60})
    table = ddb.describe_table(TableName="Scores")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 3
    items = ddb.query(TableName="Scores", IndexName="GameScore", KeyConditionExpression="Game = :g",
                      ExpressionAttributeValues={":g": {"S": "chess"}}, ScanIndexForward=False)["Items"]
    assert [i["Score"]["N"] for i in items] == ["30", "10"]
    assert set(items[0]) == {"UserId", "Game", "Score"}  # KEYS_ONLY: table and index keys

    ddb.update_table(TableName="Scores", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "GameScore"}}])
    server.control("AdvanceClock", {"seconds": 5})
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName="Scores")["Table"]


def test_throughput_and_billing_changes_with_resource_api(server):
    ddb = server.client()
    make_table(ddb, "Metered", provisioned=(5, 5))
    table = server.resource().Table("Metered")
    table.update(ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5})
    assert table.table_status == "UPDATING"
    server.control("AdvanceClock", {"seconds": 2})
    table.reload()
    assert table.table_status == "ACTIVE"
    assert table.provisioned_throughput["ReadCapacityUnits"] == 10
    assert "LastIncreaseDateTime" in table.provisioned_throughput
    with pytest.raises(ClientError) as e:
        table.update(ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5})
    assert error_of(e)[1].startswith("The provisioned throughput for the table will not change.")
    table.update(BillingMode="PAY_PER_REQUEST")
    server.control("AdvanceClock", {"seconds": 2})
    table.reload()
    assert table.billing_mode_summary["BillingMode"] == "PAY_PER_REQUEST"
    assert table.provisioned_throughput["ReadCapacityUnits"] == 0


def test_streams_sse_and_table_class_with_aws_cli(server, ddb):
    make_table(ddb, "Described")
    done = server.aws("dynamodb", "update-table", "--table-name", "Described",
                      "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
    assert done.returncode == 0, done.stderr
    desc = json.loads(done.stdout)["TableDescription"]
    assert desc["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert desc["LatestStreamArn"].endswith("/stream/" + desc["LatestStreamLabel"])
    server.control("AdvanceClock", {"seconds": 2})
    done = server.aws("dynamodb", "update-table", "--table-name", "Described", "--table-class", "STANDARD_INFREQUENT_ACCESS")
    assert done.returncode == 0, done.stderr
    server.control("AdvanceClock", {"seconds": 2})
    done = server.aws("dynamodb", "update-table", "--table-name", "Described", "--sse-specification", "Enabled=true,SSEType=KMS")
    assert done.returncode == 0, done.stderr
    server.control("AdvanceClock", {"seconds": 2})
    table = ddb.describe_table(TableName="Described")["Table"]
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["KMSMasterKeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    done = server.aws("dynamodb", "update-table", "--table-name", "Described", "--table-class", "STANDARD", "--deletion-protection-enabled")
    assert done.returncode != 0
    assert "TableClass modification must be the only operation in the request" in done.stderr
