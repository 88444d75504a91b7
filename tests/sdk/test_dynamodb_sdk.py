"""boto3 (client and resource) and the AWS CLI against `gureum serve`: the wire format is AWS's."""
import json
import signal
import subprocess
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from conftest import BIN, music_table, wait_active


def test_create_describe_list_delete(server):
    ddb = server.client()
    out = ddb.create_table(
        TableName="Scores",
        AttributeDefinitions=[{"AttributeName": "UserId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "UserId", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )
    assert out["TableDescription"]["TableStatus"] == "CREATING"
    wait_active(ddb, "Scores")
    t = ddb.describe_table(TableName="Scores")["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert t["TableArn"] == "arn:aws:dynamodb:us-east-1:123456789012:table/Scores"
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert t["CreationDateTime"].year >= 2024  # botocore parsed the epoch-seconds timestamp
    music_table(ddb)
    assert ddb.list_tables()["TableNames"] == ["Music", "Scores"]
    pages = list(ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 1}))
    assert [p["TableNames"] for p in pages] == [["Music"], ["Scores"]]
    assert ddb.delete_table(TableName="Scores")["TableDescription"]["TableStatus"] == "DELETING"
    ddb.get_waiter("table_not_exists").wait(TableName="Scores", WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    assert ddb.list_tables()["TableNames"] == ["Music"]


def test_every_attribute_type_round_trips(server):
    ddb = server.client()
    music_table(ddb)
    item = {
        "Artist": {"S": "Acme"}, "SongTitle": {"S": "Happy Day"},
        "Year": {"N": "2020.50"}, "Cover": {"B": b"\x00\x01\xff"}, "Live": {"BOOL": True}, "Notes": {"NULL": True},
        "Tracks": {"L": [{"S": "a"}, {"N": "1"}]}, "Meta": {"M": {"k": {"S": "v"}}},
        "Tags": {"SS": ["pop", "rock"]}, "Scores": {"NS": ["1", "2.5"]}, "Blobs": {"BS": [b"\x01", b"\x02"]},
    }
    ddb.put_item(TableName="Music", Item=item)
    got = ddb.get_item(TableName="Music", Key={"Artist": {"S": "Acme"}, "SongTitle": {"S": "Happy Day"}})["Item"]
    expected = dict(item, Year={"N": "2020.5"})
    assert {k: v for k, v in got.items() if k not in ("Tags", "Scores", "Blobs")} == {k: v for k, v in expected.items() if k not in ("Tags", "Scores", "Blobs")}
    assert sorted(got["Tags"]["SS"]) == ["pop", "rock"]
    assert sorted(got["Scores"]["NS"]) == ["1", "2.5"]
    assert sorted(got["Blobs"]["BS"]) == [b"\x01", b"\x02"]


def test_return_values_delete_and_capacity(server):
    ddb = server.client()
    music_table(ddb)
    key = {"Artist": {"S": "A"}, "SongTitle": {"S": "T"}}
    ddb.put_item(TableName="Music", Item=dict(key, Plays={"N": "1"}))
    old = ddb.put_item(TableName="Music", Item=dict(key, Plays={"N": "2"}), ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL")
    assert old["Attributes"]["Plays"] == {"N": "1"}
    assert old["ConsumedCapacity"] == {"TableName": "Music", "CapacityUnits": 1.0}
    gone = ddb.delete_item(TableName="Music", Key=key, ReturnValues="ALL_OLD")
    assert gone["Attributes"]["Plays"] == {"N": "2"}
    assert "Item" not in ddb.get_item(TableName="Music", Key=key)


def test_scan_paginator_reads_every_item_once(server):
    ddb = server.client()
    music_table(ddb)
    for i in range(57):
        ddb.put_item(TableName="Music", Item={"Artist": {"S": f"artist{i % 5}"}, "SongTitle": {"S": f"song{i:02}"}})
    pages = list(ddb.get_paginator("scan").paginate(TableName="Music", PaginationConfig={"PageSize": 10}))
    titles = [it["SongTitle"]["S"] for p in pages for it in p["Items"]]
    assert len(pages) == 6
    assert sorted(titles) == [f"song{i:02}" for i in range(57)]
    assert ddb.scan(TableName="Music", Select="COUNT")["Count"] == 57
    segs = sum(ddb.scan(TableName="Music", Segment=s, TotalSegments=3)["Count"] for s in range(3))
    assert segs == 57


def test_errors_are_aws_errors(server):
    ddb = server.client()
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Nope", Key={"k": {"S": "x"}})
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["Error"]["Message"] == "Requested resource not found"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName="Nope")
    music_table(ddb)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Music", Item={"Artist": {"N": "1"}, "SongTitle": {"S": "x"}})
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert e.value.response["Error"]["Message"] == "One or more parameter values were invalid: Type mismatch for key Artist expected: S actual: N"
    with pytest.raises(ddb.exceptions.ResourceInUseException):
        music_table(ddb)
    # A parameter this build does not implement is refused, not ignored.
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Music", Item={"Artist": {"S": "a"}, "SongTitle": {"S": "b"}}, ConditionExpression="attribute_not_exists(Artist)")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "ConditionExpression" in e.value.response["Error"]["Message"]


def test_resource_api_with_python_types(server):
    table_client = server.client()
    music_table(table_client)
    table = server.resource().Table("Music")
    table.put_item(Item={"Artist": "Acme", "SongTitle": "One", "Price": Decimal("1.99"), "Genres": {"pop", "rock"}, "Raw": b"\x00\x01", "Live": False})
    item = table.get_item(Key={"Artist": "Acme", "SongTitle": "One"})["Item"]
    assert item["Price"] == Decimal("1.99")
    assert item["Genres"] == {"pop", "rock"}
    assert item["Raw"].value == b"\x00\x01"
    assert item["Live"] is False
    assert table.scan()["Count"] == 1
    assert table.item_count == 1


def test_regions_are_separate(server):
    music_table(server.client("eu-west-1"), "Europe")
    assert server.client("eu-west-1").list_tables()["TableNames"] == ["Europe"]
    assert server.client("us-east-1").list_tables()["TableNames"] == []


def test_aws_cli(server):
    code, out, err = server.aws("dynamodb", "create-table", "--table-name", "Cli",
                                "--attribute-definitions", "AttributeName=id,AttributeType=S",
                                "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert code == 0, err
    assert json.loads(out)["TableDescription"]["TableName"] == "Cli"
    code, _, err = server.aws("dynamodb", "wait", "table-exists", "--table-name", "Cli")
    assert code == 0, err
    code, _, err = server.aws("dynamodb", "put-item", "--table-name", "Cli", "--item", '{"id": {"S": "1"}, "n": {"N": "42"}}')
    assert code == 0, err
    code, out, err = server.aws("dynamodb", "get-item", "--table-name", "Cli", "--key", '{"id": {"S": "1"}}')
    assert code == 0, err
    assert json.loads(out)["Item"] == {"id": {"S": "1"}, "n": {"N": "42"}}
    code, out, _ = server.aws("dynamodb", "list-tables")
    assert json.loads(out)["TableNames"] == ["Cli"]
    code, _, err = server.aws("dynamodb", "describe-table", "--table-name", "Missing")
    assert code != 0
    assert "ResourceNotFoundException" in err


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "graceful"])
def test_acknowledged_writes_survive_restart(durable_server, sig):
    ddb = durable_server.client()
    music_table(ddb)
    for i in range(20):
        ddb.put_item(TableName="Music", Item={"Artist": {"S": "a"}, "SongTitle": {"S": f"s{i}"}})
    ddb.delete_item(TableName="Music", Key={"Artist": {"S": "a"}, "SongTitle": {"S": "s0"}})
    durable_server.restart(sig)
    ddb = durable_server.client()
    assert ddb.describe_table(TableName="Music")["Table"]["TableStatus"] == "ACTIVE"
    titles = sorted(it["SongTitle"]["S"] for it in ddb.scan(TableName="Music")["Items"])
    assert titles == sorted(f"s{i}" for i in range(1, 20))
    # And once more after writes on the restarted server.
    ddb.put_item(TableName="Music", Item={"Artist": {"S": "b"}, "SongTitle": {"S": "new"}})
    durable_server.restart(signal.SIGKILL)
    assert durable_server.client().scan(TableName="Music", Select="COUNT")["Count"] == 20


def test_data_directory_is_locked(durable_server):
    p = subprocess.run([BIN, "serve", "--port", "0", "--data", str(durable_server.data)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert "in use by another gureum process" in p.stderr
