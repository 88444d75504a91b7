"""ReturnConsumedCapacity through boto3 on a table with a GSI: writes consume index units, index
reads are charged to the index, INDEXES breaks the figures down."""
from conftest import wait_exists


def test_gsi_write_and_read_units(server, ddb):
    ddb.create_table(
        TableName="Inv",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "cat", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "ByCat", "KeySchema": [{"AttributeName": "cat", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_exists(ddb, "Inv")
    put = ddb.put_item(TableName="Inv", Item={"pk": {"S": "p"}, "cat": {"S": "a"}}, ReturnConsumedCapacity="INDEXES")
    assert put["ConsumedCapacity"] == {
        "TableName": "Inv", "CapacityUnits": 2.0, "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 1.0}},
    }
    # A KEYS_ONLY index is not written when only a non-key attribute changes.
    upd = ddb.update_item(TableName="Inv", Key={"pk": {"S": "p"}}, UpdateExpression="SET x = :v",
                          ExpressionAttributeValues={":v": {"S": "1"}}, ReturnConsumedCapacity="TOTAL")
    assert upd["ConsumedCapacity"] == {"TableName": "Inv", "CapacityUnits": 1.0}
    q = ddb.query(TableName="Inv", IndexName="ByCat", KeyConditionExpression="cat = :c",
                  ExpressionAttributeValues={":c": {"S": "a"}}, ReturnConsumedCapacity="INDEXES")
    assert q["ConsumedCapacity"] == {
        "TableName": "Inv", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"ByCat": {"CapacityUnits": 0.5}},
    }
