"""Real AWS clients against `gureum serve`: boto3 (client and resource APIs) and the AWS CLI v1.

What is asserted is what real DynamoDB answers (messages, shapes, status codes), so a failure
here means either the wire format or the engine differs from AWS.
"""
import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from conftest import FAST_WAIT, GUREUM_BIN, error_of, make_table, wait_exists

ARN = re.compile(r"^arn:aws:dynamodb:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):table/(?P<name>.+)$")


def canon(value):
    """An AttributeValue with set members in a fixed order (sets are unordered in DynamoDB)."""
    (kind, v), = value.items()
    if kind in ("SS", "BS"):
        return {kind: sorted(v)}
    if kind == "NS":
        return {kind: sorted(v, key=Decimal)}
    if kind == "L":
        return {kind: [canon(x) for x in v]}
    if kind == "M":
        return {kind: {k: canon(x) for k, x in v.items()}}
    return {kind: v}


def canon_item(item):
    return {k: canon(v) for k, v in item.items()}


# --- the host itself ------------------------------------------------------------------------------


def test_health_and_url_from_start_line(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert int(server.url.rsplit(":", 1)[1]) != 0
    with urllib.request.urlopen(f"{server.url}/_gureum/health", timeout=5) as resp:
        assert resp.status == 200
        assert json.loads(resp.read())["status"] == "running"


def test_wire_format_headers_and_error_shape(server):
    """What botocore relies on: JSON 1.0 content type, x-amz-crc32 of the body, a request id,
    and errors as {"__type": "namespace#Code", "message": ...} with status 400."""

    def call(target, body):
        req = urllib.request.Request(
            server.url + "/", data=json.dumps(body).encode(), method="POST",
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": f"DynamoDB_20120810.{target}",
                "Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, "
                                 "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00",
            },
        )
        try:
            resp = urllib.request.urlopen(req, timeout=10)
        except urllib.error.HTTPError as e:
            resp = e
        with resp:
            return resp.status, resp.headers, resp.read()

    status, headers, body = call("ListTables", {})
    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert int(headers["x-amz-crc32"]) == zlib.crc32(body)
    assert headers["x-amzn-RequestId"]
    assert json.loads(body) == {"TableNames": []}

    status, headers, body = call("DescribeTable", {"TableName": "NoSuchTable"})
    assert status == 400
    assert int(headers["x-amz-crc32"]) == zlib.crc32(body)
    err = json.loads(body)
    assert err["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    assert err["message"] == "Requested resource not found: Table: NoSuchTable not found"

    status, _, body = call("CreateTable", {"TableName": "x"})
    assert status == 400
    assert json.loads(body)["__type"] == "com.amazon.coral.validate#ValidationException"


# --- tables ---------------------------------------------------------------------------------------


def test_create_pay_per_request_table_and_describe(ddb):
    before = datetime.now(timezone.utc)
    created = make_table(ddb, "Orders", hash_key=("customer", "S"), range_key=("orderNo", "N"), wait=False)
    assert created["TableStatus"] == "CREATING"
    assert created["TableName"] == "Orders"
    wait_exists(ddb, "Orders")

    t = ddb.describe_table(TableName="Orders")["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert t["TableName"] == "Orders"
    assert t["KeySchema"] == [
        {"AttributeName": "customer", "KeyType": "HASH"},
        {"AttributeName": "orderNo", "KeyType": "RANGE"},
    ]
    assert sorted(t["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "customer", "AttributeType": "S"},
        {"AttributeName": "orderNo", "AttributeType": "N"},
    ]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # On-demand tables report zero provisioned capacity.
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert t["ProvisionedThroughput"]["WriteCapacityUnits"] == 0
    assert t["ItemCount"] == 0
    assert t["TableSizeBytes"] == 0
    m = ARN.match(t["TableArn"])
    assert m and m["region"] == "us-east-1" and m["name"] == "Orders"
    assert uuid.UUID(t["TableId"])
    assert t["TableId"] == created["TableId"] and t["TableArn"] == created["TableArn"]
    # botocore parses the epoch-seconds timestamp: it must be "now" (virtual time starts at wall time).
    assert before - timedelta(seconds=5) <= t["CreationDateTime"] <= datetime.now(timezone.utc) + timedelta(seconds=5)


def test_create_provisioned_table_and_wait_with_resource(server):
    dynamodb = server.resource()
    table = dynamodb.create_table(
        TableName="Provisioned",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "B"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )
    assert table.table_status == "CREATING"
    table.wait_until_exists(WaiterConfig=FAST_WAIT)
    table.reload()
    assert table.table_status == "ACTIVE"
    pt = table.provisioned_throughput
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"], pt["NumberOfDecreasesToday"]) == (5, 7, 0)
    assert (table.billing_mode_summary or {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    assert table.key_schema == [{"AttributeName": "id", "KeyType": "HASH"}]

    # A binary hash key works end to end.
    table.put_item(Item={"id": b"\x00\x01", "v": 1})
    assert table.get_item(Key={"id": b"\x00\x01"})["Item"] == {"id": Binary(b"\x00\x01"), "v": Decimal(1)}


def test_table_stays_creating_until_virtual_time_passes(server, ddb):
    paused = server.control("PauseClock")
    assert paused["paused"] is True
    make_table(ddb, "Frozen", wait=False)
    time.sleep(1.5)  # wall time passes, virtual time does not
    assert ddb.describe_table(TableName="Frozen")["Table"]["TableStatus"] == "CREATING"
    # Data-plane calls on a table that is not ACTIVE fail as in AWS.
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Frozen", Item={"pk": {"S": "a"}})
    assert error_of(e)[0] == "ResourceNotFoundException"
    server.control("AdvanceClock", {"seconds": 1})
    assert ddb.describe_table(TableName="Frozen")["Table"]["TableStatus"] == "ACTIVE"
    server.control("ResumeClock")
    ddb.put_item(TableName="Frozen", Item={"pk": {"S": "a"}})
    assert ddb.get_item(TableName="Frozen", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}


def test_list_tables_paginator(ddb):
    names = ["gamma", "alpha", "delta", "beta", "epsilon"]
    for n in names:
        make_table(ddb, n, wait=False)  # CREATING tables are listed too
    assert ddb.list_tables()["TableNames"] == sorted(names)

    first = ddb.list_tables(Limit=2)
    assert first["TableNames"] == ["alpha", "beta"]
    assert first["LastEvaluatedTableName"] == "beta"
    rest = ddb.list_tables(ExclusiveStartTableName="beta")
    assert rest["TableNames"] == ["delta", "epsilon", "gamma"]
    assert "LastEvaluatedTableName" not in rest

    pages = list(ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}))
    assert [p["TableNames"] for p in pages] == [["alpha", "beta"], ["delta", "epsilon"], ["gamma"]]


def test_delete_table(ddb):
    make_table(ddb, "Doomed")
    ddb.put_item(TableName="Doomed", Item={"pk": {"S": "x"}})
    out = ddb.delete_table(TableName="Doomed")["TableDescription"]
    assert out["TableName"] == "Doomed"
    assert out["TableStatus"] == "DELETING"
    ddb.get_waiter("table_not_exists").wait(TableName="Doomed", WaiterConfig=FAST_WAIT)
    assert "Doomed" not in ddb.list_tables()["TableNames"]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="Doomed", Key={"pk": {"S": "x"}})
    # The name can be used again, and the new table is empty.
    make_table(ddb, "Doomed")
    assert ddb.scan(TableName="Doomed")["Count"] == 0


# --- items ----------------------------------------------------------------------------------------

EVERY_TYPE = {
    "pk": {"S": "item-1"},
    "sk": {"N": "7"},
    "text": {"S": "héllo, 한국어 🚀"},
    "empty": {"S": ""},
    "num": {"N": "123.4500"},
    "negative": {"N": "-0.25"},
    "exponent": {"N": "1E+2"},
    "big": {"N": "12345678901234567890123456789012345678"},
    "bin": {"B": b"\x00\xffbinary\n"},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "list": {"L": [{"S": "a"}, {"N": "1"}, {"BOOL": False}, {"NULL": True}, {"L": []}, {"M": {}}, {"B": b"\x01"}]},
    "map": {"M": {"nested": {"M": {"deep": {"SS": ["x"]}}}, "n": {"N": "2"}, "list": {"L": [{"NS": ["1"]}]}}},
    "ss": {"SS": ["b", "a", "c"]},
    "ns": {"NS": ["3", "1.50", "-2"]},
    "bs": {"BS": [b"\x02", b"\x01\x00"]},
}
# DynamoDB answers numbers in canonical form: no trailing zeros, no exponent.
EVERY_TYPE_BACK = dict(
    EVERY_TYPE, num={"N": "123.45"}, exponent={"N": "100"}, ns={"NS": ["3", "1.5", "-2"]},
)


def test_every_attribute_type_round_trips(ddb):
    make_table(ddb, "Types", range_key=("sk", "N"))
    ddb.put_item(TableName="Types", Item=EVERY_TYPE)
    got = ddb.get_item(TableName="Types", Key={"pk": {"S": "item-1"}, "sk": {"N": "7"}}, ConsistentRead=True)["Item"]
    assert set(got) == set(EVERY_TYPE)
    assert isinstance(got["bin"]["B"], bytes)
    for name in EVERY_TYPE:
        assert canon(got[name]) == canon(EVERY_TYPE_BACK[name]), name
    scanned = ddb.scan(TableName="Types")["Items"]
    assert [canon_item(i) for i in scanned] == [canon_item(EVERY_TYPE_BACK)]


def test_put_item_return_values_all_old(ddb):
    make_table(ddb, "Returns")
    first = ddb.put_item(TableName="Returns", Item={"pk": {"S": "k"}, "v": {"N": "1"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in first
    second = ddb.put_item(
        TableName="Returns", Item={"pk": {"S": "k"}, "v": {"N": "2"}, "ss": {"SS": ["z"]}},
        ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL",
    )
    assert second["Attributes"] == {"pk": {"S": "k"}, "v": {"N": "1"}}
    assert second["ConsumedCapacity"] == {"TableName": "Returns", "CapacityUnits": 1.0}
    none = ddb.put_item(TableName="Returns", Item={"pk": {"S": "k"}, "v": {"N": "3"}}, ReturnValues="NONE")
    assert "Attributes" not in none
    # PutItem replaces the whole item.
    assert ddb.get_item(TableName="Returns", Key={"pk": {"S": "k"}})["Item"] == {"pk": {"S": "k"}, "v": {"N": "3"}}

    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Returns", Item={"pk": {"S": "k"}}, ReturnValues="ALL_NEW")
    assert error_of(e) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE", 400)


def test_get_item_consumed_capacity(ddb):
    make_table(ddb, "Reads")
    ddb.put_item(TableName="Reads", Item={"pk": {"S": "k"}, "v": {"S": "x" * 100}})
    eventual = ddb.get_item(TableName="Reads", Key={"pk": {"S": "k"}}, ReturnConsumedCapacity="TOTAL")
    strong = ddb.get_item(TableName="Reads", Key={"pk": {"S": "k"}}, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"] == {"TableName": "Reads", "CapacityUnits": 0.5}
    assert strong["ConsumedCapacity"] == {"TableName": "Reads", "CapacityUnits": 1.0}
    missing = ddb.get_item(TableName="Reads", Key={"pk": {"S": "nope"}})
    assert "Item" not in missing


def test_delete_item(ddb):
    make_table(ddb, "Deletes", range_key=("sk", "S"))
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    ddb.put_item(TableName="Deletes", Item=dict(key, v={"L": [{"S": "x"}]}))
    ddb.put_item(TableName="Deletes", Item={"pk": {"S": "a"}, "sk": {"S": "2"}})
    gone = ddb.delete_item(TableName="Deletes", Key=key, ReturnValues="ALL_OLD")
    assert gone["Attributes"] == dict(key, v={"L": [{"S": "x"}]})
    assert "Item" not in ddb.get_item(TableName="Deletes", Key=key)
    # Deleting what is not there succeeds and returns nothing.
    again = ddb.delete_item(TableName="Deletes", Key=key, ReturnValues="ALL_OLD")
    assert "Attributes" not in again
    left = ddb.scan(TableName="Deletes")["Items"]
    assert left == [{"pk": {"S": "a"}, "sk": {"S": "2"}}]


# --- scan -----------------------------------------------------------------------------------------


def test_scan_paginator_limit_count_segments(ddb):
    make_table(ddb, "Many")
    keys = {f"key-{i:03}" for i in range(57)}
    for k in keys:
        ddb.put_item(TableName="Many", Item={"pk": {"S": k}, "i": {"N": k[4:]}})

    pages = list(ddb.get_paginator("scan").paginate(TableName="Many", PaginationConfig={"PageSize": 10}))
    assert [p["Count"] for p in pages] == [10, 10, 10, 10, 10, 7]
    assert all(p["ScannedCount"] == p["Count"] for p in pages)
    seen = [it["pk"]["S"] for p in pages for it in p["Items"]]
    assert len(seen) == len(set(seen)) == 57 and set(seen) == keys
    assert all("LastEvaluatedKey" in p for p in pages[:-1]) and "LastEvaluatedKey" not in pages[-1]

    # Manual paging with Limit / ExclusiveStartKey gives the same order.
    manual, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        out = ddb.scan(TableName="Many", Limit=25, **kw)
        manual += [it["pk"]["S"] for it in out["Items"]]
        start = out.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"pk"}
    assert manual == seen

    # MaxItems stops early with a NextToken; resuming from it yields exactly the rest.
    head = ddb.get_paginator("scan").paginate(TableName="Many", PaginationConfig={"PageSize": 10, "MaxItems": 25}).build_full_result()
    assert len(head["Items"]) == 25 and "NextToken" in head
    tail = ddb.get_paginator("scan").paginate(TableName="Many", PaginationConfig={"PageSize": 10, "StartingToken": head["NextToken"]}).build_full_result()
    assert [i["pk"]["S"] for i in head["Items"] + tail["Items"]] == seen

    count = ddb.scan(TableName="Many", Select="COUNT", ReturnConsumedCapacity="TOTAL")
    assert count["Count"] == 57 and count["ScannedCount"] == 57
    assert "Items" not in count
    assert count["ConsumedCapacity"]["TableName"] == "Many" and count["ConsumedCapacity"]["CapacityUnits"] > 0

    segments = [
        {it["pk"]["S"] for p in ddb.get_paginator("scan").paginate(TableName="Many", Segment=s, TotalSegments=4, PaginationConfig={"PageSize": 7}) for it in p["Items"]}
        for s in range(4)
    ]
    assert sum(len(s) for s in segments) == 57
    assert set().union(*segments) == keys


# --- errors ---------------------------------------------------------------------------------------


def test_missing_table_errors(ddb):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Missing", Key={"pk": {"S": "x"}})
    assert error_of(e) == ("ResourceNotFoundException", "Requested resource not found", 400)
    assert e.value.response["ResponseMetadata"]["RequestId"]
    assert isinstance(e.value, ddb.exceptions.ResourceNotFoundException)

    for call in (
        lambda: ddb.put_item(TableName="Missing", Item={"pk": {"S": "x"}}),
        lambda: ddb.delete_item(TableName="Missing", Key={"pk": {"S": "x"}}),
        lambda: ddb.scan(TableName="Missing"),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("ResourceNotFoundException", "Requested resource not found", 400)

    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="Missing")
    assert error_of(e) == ("ResourceNotFoundException", "Requested resource not found: Table: Missing not found", 400)
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.delete_table(TableName="Missing")


def test_key_validation_errors(ddb):
    make_table(ddb, "Keys", range_key=("sk", "N"))
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Keys", Item={"pk": {"N": "1"}, "sk": {"N": "1"}})
    assert error_of(e) == ("ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N", 400)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Keys", Item={"pk": {"S": "a"}})
    assert error_of(e) == ("ValidationException", "One or more parameter values were invalid: Missing the key sk in the item", 400)
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Keys", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert error_of(e) == ("ValidationException", "The provided key element does not match the schema", 400)
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Keys", Key={"pk": {"S": "a"}})
    assert error_of(e) == ("ValidationException", "The provided key element does not match the schema", 400)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Keys", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "tags": {"SS": []}})
    assert error_of(e)[0] == "ValidationException"
    assert "may not be empty" in error_of(e)[1]
    with pytest.raises(ddb.exceptions.ResourceInUseException) as e:
        make_table(ddb, "Keys", wait=False)
    assert error_of(e) == ("ResourceInUseException", "Table already exists: Keys", 400)
    assert ddb.scan(TableName="Keys")["Count"] == 0  # nothing invalid was written


def test_value_limits_match_aws(ddb):
    make_table(ddb, "Limits")
    cases = [
        ({"pk": {"S": "x"}, "big": {"S": "a" * (400 * 1024)}}, "Item size has exceeded the maximum allowed size"),
        ({"pk": {"S": ""}}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"),
        ({"pk": {"S": "x"}, "n": {"N": "1" * 39}}, "Attempting to store more than 38 significant digits in a Number"),
        ({"pk": {"S": "x"}, "n": {"N": "abc"}}, "The parameter cannot be converted to a numeric value: abc"),
        ({"pk": {"S": "x"}, "n": {"NULL": False}}, "One or more parameter values were invalid: Null attribute value types must have the value of true"),
    ]
    for item, message in cases:
        with pytest.raises(ClientError) as e:
            ddb.put_item(TableName="Limits", Item=item)
        assert error_of(e) == ("ValidationException", message, 400)
    # Just under the limit is fine (400 KB counts attribute names and values).
    ddb.put_item(TableName="Limits", Item={"pk": {"S": "x"}, "big": {"S": "a" * (400 * 1024 - 100)}})
    assert len(ddb.get_item(TableName="Limits", Key={"pk": {"S": "x"}})["Item"]["big"]["S"]) == 400 * 1024 - 100


def test_create_table_validation_matches_aws(ddb):
    base = dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    cases = [
        (dict(base, TableName="bad name!", BillingMode="PAY_PER_REQUEST"),
         "1 validation error detected: Value 'bad name!' at 'tableName' failed to satisfy constraint: "
         "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        (dict(base, TableName="ab", BillingMode="PAY_PER_REQUEST"),
         "TableName must be at least 3 characters long and at most 255 characters long"),
        (dict(base, TableName="NoCapacity"),
         "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"),
        (dict(base, TableName="BothModes", BillingMode="PAY_PER_REQUEST", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}),
         "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"),
        (dict(base, TableName="ExtraAttr", BillingMode="PAY_PER_REQUEST",
              AttributeDefinitions=base["AttributeDefinitions"] + [{"AttributeName": "x", "AttributeType": "S"}]),
         "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ClientError) as e:
            ddb.create_table(**kwargs)
        assert error_of(e) == ("ValidationException", message, 400), kwargs["TableName"]
    assert ddb.list_tables()["TableNames"] == []


def test_scan_pages_stop_at_one_megabyte(ddb):
    make_table(ddb, "Heavy")
    for i in range(30):
        ddb.put_item(TableName="Heavy", Item={"pk": {"S": f"k{i:02}"}, "blob": {"B": b"x" * 100_000}})
    first = ddb.scan(TableName="Heavy")
    assert 0 < first["Count"] < 30 and "LastEvaluatedKey" in first  # no Limit, yet paged: 1 MB per page
    pages = list(ddb.get_paginator("scan").paginate(TableName="Heavy"))
    assert len(pages) >= 3
    assert sorted(i["pk"]["S"] for p in pages for i in p["Items"]) == [f"k{i:02}" for i in range(30)]
    counted = list(ddb.get_paginator("scan").paginate(TableName="Heavy", Select="COUNT"))
    assert sum(p["Count"] for p in counted) == 30


def test_condition_and_projection_expressions(ddb):
    make_table(ddb, "Conds")
    item = {"pk": {"S": "a"}, "v": {"N": "1"}, "info": {"M": {"city": {"S": "Seoul"}, "zip": {"S": "04524"}}}}
    ddb.put_item(TableName="Conds", Item=item, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as e:
        ddb.put_item(TableName="Conds", Item=item, ConditionExpression="attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert e.value.response["Error"]["Message"] == "The conditional request failed"
    assert e.value.response["Item"]["v"] == {"N": "1"}
    ddb.put_item(TableName="Conds", Item=dict(item, v={"N": "2"}), ConditionExpression="#v < :two", ExpressionAttributeNames={"#v": "v"}, ExpressionAttributeValues={":two": {"N": "2"}})
    got = ddb.get_item(TableName="Conds", Key={"pk": {"S": "a"}}, ProjectionExpression="v, info.city")["Item"]
    assert got == {"v": {"N": "2"}, "info": {"M": {"city": {"S": "Seoul"}}}}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.delete_item(TableName="Conds", Key={"pk": {"S": "a"}}, ConditionExpression="v = :one", ExpressionAttributeValues={":one": {"N": "1"}})
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Conds", Key={"pk": {"S": "a"}}, ProjectionExpression="v", ExpressionAttributeNames={"#unused": "x"})
    assert error_of(e)[1] == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"


def test_query_client_paginator_and_resource_conditions(server, ddb):
    from boto3.dynamodb.conditions import Attr, Key
    make_table(ddb, "Events", range_key=("ts", "N"))
    for user in ("u1", "u2"):
        for ts in (3, 1, 20, 10, 2):
            ddb.put_item(TableName="Events", Item={"pk": {"S": user}, "ts": {"N": str(ts)}, "kind": {"S": "click" if ts % 2 else "view"}})
    out = ddb.query(TableName="Events", KeyConditionExpression="pk = :u AND ts >= :t", ExpressionAttributeValues={":u": {"S": "u1"}, ":t": {"N": "3"}}, ScanIndexForward=False)
    assert [i["ts"]["N"] for i in out["Items"]] == ["20", "10", "3"]
    pages = list(ddb.get_paginator("query").paginate(TableName="Events", KeyConditionExpression="pk = :u", ExpressionAttributeValues={":u": {"S": "u2"}}, PaginationConfig={"PageSize": 2}))
    assert [i["ts"]["N"] for p in pages for i in p["Items"]] == ["1", "2", "3", "10", "20"]
    table = server.resource().Table("Events")
    got = table.query(KeyConditionExpression=Key("pk").eq("u1") & Key("ts").between(2, 10), FilterExpression=Attr("kind").eq("view"))
    assert [int(i["ts"]) for i in got["Items"]] == [2, 10]
    assert (got["Count"], got["ScannedCount"]) == (2, 3)  # ts 2, 3, 10 read; 3 is a click
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="Events", KeyConditionExpression="ts = :t", ExpressionAttributeValues={":t": {"N": "1"}})
    assert error_of(e)[:2] == ("ValidationException", "Query condition missed key schema element: pk")
    # The sort key belongs in the key condition, not the filter.
    with pytest.raises(ClientError) as e:
        table.query(KeyConditionExpression=Key("pk").eq("u1"), FilterExpression=Attr("ts").gt(2))
    assert error_of(e) == ("ValidationException", "Filter Expression can only contain non-primary key attributes: Primary key attribute: ts", 400)


def test_update_item_with_boto3(server, ddb):
    make_table(ddb, "Counters")
    table = server.resource().Table("Counters")
    out = table.update_item(Key={"pk": "page#1"}, UpdateExpression="SET hits = if_not_exists(hits, :zero) + :one, tags = :t",
                            ExpressionAttributeValues={":zero": 0, ":one": 1, ":t": {"a"}}, ReturnValues="ALL_NEW")
    assert out["Attributes"] == {"pk": "page#1", "hits": 1, "tags": {"a"}}
    out = table.update_item(Key={"pk": "page#1"}, UpdateExpression="ADD hits :n, tags :t REMOVE nothing_here",
                            ExpressionAttributeValues={":n": Decimal("0.5"), ":t": {"b"}}, ReturnValues="UPDATED_NEW")
    assert out["Attributes"] == {"hits": Decimal("1.5"), "tags": {"a", "b"}}
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="Counters", Key={"pk": {"S": "page#1"}}, UpdateExpression="SET pk = :v", ExpressionAttributeValues={":v": {"S": "x"}})
    assert error_of(e)[1] == "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        table.update_item(Key={"pk": "page#1"}, UpdateExpression="SET hits = :z", ConditionExpression="hits > :big", ExpressionAttributeValues={":z": 0, ":big": 10})


def test_batch_writer_and_batch_get(server, ddb):
    make_table(ddb, "Bulk")
    table = server.resource().Table("Bulk")
    with table.batch_writer() as w:  # boto3 groups these into BatchWriteItem calls of 25
        for i in range(60):
            w.put_item(Item={"pk": f"k{i:02}", "n": i})
        w.delete_item(Key={"pk": "k00"})
    assert ddb.scan(TableName="Bulk", Select="COUNT")["Count"] == 59
    out = ddb.batch_get_item(RequestItems={"Bulk": {"Keys": [{"pk": {"S": "k01"}}, {"pk": {"S": "k00"}}, {"pk": {"S": "k59"}}], "ProjectionExpression": "n"}})
    assert sorted(int(i["n"]["N"]) for i in out["Responses"]["Bulk"]) == [1, 59]
    assert out["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"Bulk": [{"PutRequest": {"Item": {"pk": {"S": "dup"}}}}, {"DeleteRequest": {"Key": {"pk": {"S": "dup"}}}}]})
    assert error_of(e)[1] == "Provided list of item keys contains duplicates"


def test_transactions(ddb):
    make_table(ddb, "Bank")
    ddb.put_item(TableName="Bank", Item={"pk": {"S": "alice"}, "bal": {"N": "10"}})
    ddb.put_item(TableName="Bank", Item={"pk": {"S": "bob"}, "bal": {"N": "0"}})
    def transfer(amount, token):
        return ddb.transact_write_items(ClientRequestToken=token, TransactItems=[
            {"Update": {"TableName": "Bank", "Key": {"pk": {"S": "alice"}}, "UpdateExpression": "SET bal = bal - :a",
                        "ConditionExpression": "bal >= :a", "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
            {"Update": {"TableName": "Bank", "Key": {"pk": {"S": "bob"}}, "UpdateExpression": "SET bal = bal + :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
        ])
    transfer(7, "t1")
    transfer(7, "t1")  # a retry with the same token is not applied twice
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as e:
        transfer(7, "t2")
    assert [r["Code"] for r in e.value.response["CancellationReasons"]] == ["ConditionalCheckFailed", "None"]
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "Bank", "Key": {"pk": {"S": n}}}} for n in ("alice", "bob")])
    assert [r["Item"]["bal"]["N"] for r in got["Responses"]] == ["3", "7"]


def test_global_secondary_index_with_boto3(server, ddb):
    ddb.create_table(
        TableName="Orders",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in (("id", "S"), ("customer", "S"), ("total", "N"))],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "ByCustomer", "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "total", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName="Orders", WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    table = server.resource().Table("Orders")
    for i, (cust, total) in enumerate((("kim", 30), ("lee", 5), ("kim", 12), ("kim", 99))):
        table.put_item(Item={"id": f"o{i}", "customer": cust, "total": total, "note": "x"})
    from boto3.dynamodb.conditions import Key
    got = table.query(IndexName="ByCustomer", KeyConditionExpression=Key("customer").eq("kim") & Key("total").gte(12), ScanIndexForward=False)
    assert [(i["id"], int(i["total"])) for i in got["Items"]] == [("o3", 99), ("o0", 30), ("o2", 12)]
    assert all("note" not in i for i in got["Items"])  # KEYS_ONLY
    desc = ddb.describe_table(TableName="Orders")["Table"]["GlobalSecondaryIndexes"][0]
    assert (desc["IndexName"], desc["IndexStatus"], desc["ItemCount"]) == ("ByCustomer", "ACTIVE", 4)


def test_unsupported_parameters_are_rejected_not_ignored(ddb):
    cases = [
        lambda: ddb.create_table(
            TableName="OnDemandMax", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
            OnDemandThroughput={"MaxReadRequestUnits": 10},
        ),
    ]
    for call in cases:
        with pytest.raises(ClientError) as e:
            call()
        code, message, status = error_of(e)
        assert (code, status) == ("ValidationException", 400), message
        assert "OnDemandThroughput" in message
    assert "OnDemandMax" not in ddb.list_tables()["TableNames"]  # the refused CreateTable created nothing


# --- the resource API -----------------------------------------------------------------------------


def test_resource_api_with_python_types(server, ddb):
    make_table(ddb, "Pythonic", range_key=("n", "N"))
    table = server.resource().Table("Pythonic")
    item = {
        "pk": "user#1",
        "n": 42,
        "price": Decimal("19.99"),
        "ratio": Decimal("-0.5"),
        "name": "Kim",
        "active": True,
        "deleted": None,
        "tags": {"a", "b"},
        "scores": {Decimal("1"), Decimal("2.5")},
        "blobs": {b"\x00", b"\x01"},
        "raw": b"\xde\xad\xbe\xef",
        "history": [1, "two", {"three": Decimal("3")}, [False]],
        "profile": {"city": "Seoul", "zip": 12345, "nested": {"ok": True}},
    }
    table.put_item(Item=item)
    got = table.get_item(Key={"pk": "user#1", "n": 42}, ConsistentRead=True)["Item"]
    assert got["n"] == Decimal(42) and isinstance(got["n"], Decimal)
    assert got["price"] == Decimal("19.99") and got["ratio"] == Decimal("-0.5")
    assert got["name"] == "Kim" and got["active"] is True and got["deleted"] is None
    assert got["tags"] == {"a", "b"}
    assert got["scores"] == {Decimal("1"), Decimal("2.5")}
    assert got["blobs"] == {Binary(b"\x00"), Binary(b"\x01")}
    assert got["raw"] == Binary(b"\xde\xad\xbe\xef") and got["raw"].value == b"\xde\xad\xbe\xef"
    assert got["history"] == [Decimal(1), "two", {"three": Decimal(3)}, [False]]
    assert got["profile"] == {"city": "Seoul", "zip": Decimal(12345), "nested": {"ok": True}}

    table.put_item(Item={"pk": "user#2", "n": 1})
    scanned = table.scan()
    assert scanned["Count"] == 2
    assert sorted((i["pk"], i["n"]) for i in scanned["Items"]) == [("user#1", Decimal(42)), ("user#2", Decimal(1))]

    old = table.delete_item(Key={"pk": "user#2", "n": 1}, ReturnValues="ALL_OLD")
    assert old["Attributes"] == {"pk": "user#2", "n": Decimal(1)}
    assert [i["pk"] for i in table.scan()["Items"]] == ["user#1"]


# --- the AWS CLI ----------------------------------------------------------------------------------


def cli_json(server, *args, **kw):
    p = server.aws(*args, "--output", "json", **kw)
    assert p.returncode == 0, f"aws {' '.join(args)} failed ({p.returncode}):\n{p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else None


def test_aws_cli_create_put_get_list_scan(server, ddb):
    out = cli_json(
        server, "dynamodb", "create-table", "--table-name", "CliTable",
        "--attribute-definitions", "AttributeName=id,AttributeType=S",
        "--key-schema", "AttributeName=id,KeyType=HASH",
        "--billing-mode", "PAY_PER_REQUEST",
    )
    assert out["TableDescription"]["TableName"] == "CliTable"
    assert out["TableDescription"]["TableStatus"] == "CREATING"
    wait_exists(ddb, "CliTable")

    item = {"id": {"S": "1"}, "n": {"N": "42.0"}, "flags": {"SS": ["x", "y"]}, "raw": {"B": "hello"}, "m": {"M": {"k": {"BOOL": True}}}}
    assert cli_json(server, "dynamodb", "put-item", "--table-name", "CliTable", "--item", json.dumps(item)) is None
    got = cli_json(server, "dynamodb", "get-item", "--table-name", "CliTable", "--key", '{"id": {"S": "1"}}')
    assert canon_item(got["Item"]) == canon_item({
        "id": {"S": "1"}, "n": {"N": "42"}, "flags": {"SS": ["x", "y"]},
        # CLI v1 sends blob input as given (raw) and prints blobs as base64.
        "raw": {"B": "aGVsbG8="}, "m": {"M": {"k": {"BOOL": True}}},
    })
    # The same item through boto3: the CLI's blob is the raw bytes.
    assert ddb.get_item(TableName="CliTable", Key={"id": {"S": "1"}})["Item"]["raw"] == {"B": b"hello"}

    assert cli_json(server, "dynamodb", "list-tables")["TableNames"] == ["CliTable"]

    for i in range(2, 8):
        cli_json(server, "dynamodb", "put-item", "--table-name", "CliTable", "--item", json.dumps({"id": {"S": str(i)}}))
    scan = cli_json(server, "dynamodb", "scan", "--table-name", "CliTable", "--page-size", "2")
    assert scan["Count"] == 7
    assert sorted(i["id"]["S"] for i in scan["Items"]) == [str(i) for i in range(1, 8)]

    p = server.aws("dynamodb", "describe-table", "--table-name", "Missing")
    assert p.returncode != 0
    assert "ResourceNotFoundException" in p.stderr
    assert "Requested resource not found" in p.stderr


def test_aws_cli_wait_table_exists(server):
    """`aws dynamodb wait table-exists` keeps polling while the table is CREATING and returns 0
    once it is ACTIVE. The virtual clock is paused so the table is certainly still CREATING when
    the waiter first looks; the CLI polls every 20 s, so this test takes about 20 s."""
    server.control("PauseClock")
    out = cli_json(
        server, "dynamodb", "create-table", "--table-name", "Waited",
        "--attribute-definitions", "AttributeName=id,AttributeType=S",
        "--key-schema", "AttributeName=id,KeyType=HASH",
        "--provisioned-throughput", "ReadCapacityUnits=1,WriteCapacityUnits=1",
    )
    assert out["TableDescription"]["TableStatus"] == "CREATING"
    assert out["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    waiter = server.aws_popen("dynamodb", "wait", "table-exists", "--table-name", "Waited")
    try:
        time.sleep(4)  # the CLI has started and polled at least once by now
        assert waiter.poll() is None, f"waiter ended while the table was CREATING: {waiter.communicate()}"
        server.control("AdvanceClock", {"seconds": 1})
        _, err = waiter.communicate(timeout=60)
        assert waiter.returncode == 0, err
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    server.control("ResumeClock")
    assert cli_json(server, "dynamodb", "describe-table", "--table-name", "Waited")["Table"]["TableStatus"] == "ACTIVE"


# --- durability -----------------------------------------------------------------------------------


@pytest.mark.parametrize("hard", [True, False], ids=["sigkill", "graceful"])
def test_acknowledged_writes_survive_restart(server, hard):
    ddb = server.client()
    make_table(ddb, "Durable", range_key=("sk", "N"))
    ddb.put_item(TableName="Durable", Item=EVERY_TYPE)
    ddb.put_item(TableName="Durable", Item={"pk": {"S": "gone"}, "sk": {"N": "1"}})
    ddb.delete_item(TableName="Durable", Key={"pk": {"S": "gone"}, "sk": {"N": "1"}})
    ddb.put_item(TableName="Durable", Item={"pk": {"S": "last"}, "sk": {"N": "1"}, "v": {"S": "acknowledged"}})
    # Stop right after the last write was acknowledged.
    server.restart(hard=hard)

    ddb = server.client()
    assert ddb.describe_table(TableName="Durable")["Table"]["TableStatus"] == "ACTIVE"
    last = ddb.get_item(TableName="Durable", Key={"pk": {"S": "last"}, "sk": {"N": "1"}})
    assert last.get("Item") == {"pk": {"S": "last"}, "sk": {"N": "1"}, "v": {"S": "acknowledged"}}
    got = ddb.get_item(TableName="Durable", Key={"pk": {"S": "item-1"}, "sk": {"N": "7"}})["Item"]
    assert canon_item(got) == canon_item(EVERY_TYPE_BACK)
    assert "Item" not in ddb.get_item(TableName="Durable", Key={"pk": {"S": "gone"}, "sk": {"N": "1"}})
    assert ddb.scan(TableName="Durable", Select="COUNT")["Count"] == 2

    # Writes on the restarted server survive a second crash too.
    ddb.put_item(TableName="Durable", Item={"pk": {"S": "after"}, "sk": {"N": "2"}})
    server.restart(hard=True)
    assert server.client().scan(TableName="Durable", Select="COUNT")["Count"] == 3


def test_concurrent_acknowledged_writes_survive_sigkill(server):
    ddb = server.client()
    make_table(ddb, "Parallel")
    errors = []

    def writer(w):
        try:
            c = server.client()
            for i in range(15):
                c.put_item(TableName="Parallel", Item={"pk": {"S": f"w{w}-{i}"}, "n": {"N": str(i)}})
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    server.kill()
    server.start()
    keys = {i["pk"]["S"] for p in server.client().get_paginator("scan").paginate(TableName="Parallel") for i in p["Items"]}
    assert keys == {f"w{w}-{i}" for w in range(4) for i in range(15)}


def test_table_created_just_before_crash_becomes_active(server):
    ddb = server.client()
    assert make_table(ddb, "Young", wait=False)["TableStatus"] == "CREATING"
    server.kill()
    server.start()
    ddb = server.client()
    wait_exists(ddb, "Young")
    ddb.put_item(TableName="Young", Item={"pk": {"S": "ok"}})
    assert ddb.get_item(TableName="Young", Key={"pk": {"S": "ok"}})["Item"] == {"pk": {"S": "ok"}}


def test_second_server_on_same_data_dir_is_refused(server):
    p = subprocess.run(
        [str(GUREUM_BIN), "serve", "--port", "0", "--data", str(server.data_dir)],
        capture_output=True, text=True, timeout=20,
    )
    assert p.returncode != 0
    assert "is in use by another gureum process" in p.stderr
    # The first server is unaffected.
    assert server.client().list_tables()["TableNames"] == []


# --- regions --------------------------------------------------------------------------------------


def test_regions_are_separate(server):
    eu, us = server.client("eu-west-1"), server.client("us-east-1")
    t = make_table(eu, "Regional")
    assert ARN.match(t["TableArn"])["region"] == "eu-west-1"
    assert eu.list_tables()["TableNames"] == ["Regional"]
    assert us.list_tables()["TableNames"] == []
    with pytest.raises(us.exceptions.ResourceNotFoundException):
        us.describe_table(TableName="Regional")

    # The same name in another region is another table.
    make_table(us, "Regional")
    assert ARN.match(us.describe_table(TableName="Regional")["Table"]["TableArn"])["region"] == "us-east-1"
    eu.put_item(TableName="Regional", Item={"pk": {"S": "eu-only"}})
    assert "Item" not in us.get_item(TableName="Regional", Key={"pk": {"S": "eu-only"}})
    assert eu.get_item(TableName="Regional", Key={"pk": {"S": "eu-only"}})["Item"] == {"pk": {"S": "eu-only"}}

    # The CLI picks the region from AWS_DEFAULT_REGION.
    assert cli_json(server, "dynamodb", "list-tables", region="ap-northeast-2")["TableNames"] == []
