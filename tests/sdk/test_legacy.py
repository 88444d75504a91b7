"""DynamoDB's legacy (non-expression) parameters and ItemCollectionMetrics through boto3 and the
AWS CLI: Expected, ConditionalOperator, AttributeUpdates, AttributesToGet, KeyConditions,
QueryFilter, ScanFilter, and ReturnItemCollectionMetrics=SIZE on tables with local secondary
indexes. Messages are AWS's (see crates/engine/src/services/dynamodb/legacy/tests.rs for the
exhaustive native tests).

Run with: bash scripts/python-env && cargo build -p gureum-server &&
          GUREUM_BIN=$PWD/target/debug/gureum .venv/bin/python -m pytest tests/sdk/test_legacy.py -q
"""
import json
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from conftest import make_table, wait_exists

MIX = "Can not use both expression and non-expression parameters in the same request: "


def error_of(excinfo):
    r = excinfo.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def fails(call, code, message=None):
    with pytest.raises(ClientError) as e:
        call()
    got_code, got_message, status = error_of(e)
    assert (got_code, status) == (code, 400), got_message
    if message is not None:
        assert got_message == message
    return got_message


def cond(op, *values):
    return {"ComparisonOperator": op, "AttributeValueList": list(values)}


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


@pytest.fixture
def scores(ddb):
    """Scores (UserId S, Ts N): user u has Ts 1..10 with Level = Ts % 3; user w has Ts 1."""
    make_table(ddb, "Scores", hash_key=("UserId", "S"), range_key=("Ts", "N"))
    for i in range(1, 11):
        ddb.put_item(TableName="Scores", Item={"UserId": S("u"), "Ts": N(i), "Level": N(i % 3)})
    ddb.put_item(TableName="Scores", Item={"UserId": S("w"), "Ts": N(1)})
    return ddb


def test_expected_guards_writes(ddb):
    make_table(ddb, "Expect")
    item = {"pk": S("k"), "v": N(1)}
    ddb.put_item(TableName="Expect", Item=item, Expected={"pk": {"Exists": False}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Expect", Item=item, Expected={"pk": {"Exists": False}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error_of(e) == ("ConditionalCheckFailedException", "The conditional request failed", 400)
    assert e.value.response["Item"] == item
    ddb.put_item(TableName="Expect", Item={"pk": S("k"), "v": N(2)}, Expected={"v": {"Value": N(1)}})
    ddb.put_item(TableName="Expect", Item={"pk": S("k"), "v": N(3)}, Expected={"v": {"Value": N(2), "Exists": True}})
    ddb.update_item(TableName="Expect", Key={"pk": S("k")}, AttributeUpdates={"v": {"Action": "ADD", "Value": N(1)}},
                    Expected={"v": {"ComparisonOperator": "GE", "Value": N(3)}})
    two = {"v": cond("EQ", N(4)), "w": cond("NOT_NULL")}
    fails(lambda: ddb.delete_item(TableName="Expect", Key={"pk": S("k")}, Expected=two), "ConditionalCheckFailedException")
    out = ddb.delete_item(TableName="Expect", Key={"pk": S("k")}, Expected=two, ConditionalOperator="OR", ReturnValues="ALL_OLD")
    assert out["Attributes"] == {"pk": S("k"), "v": N(4)}
    # Legacy NE and NOT_CONTAINS are false on an absent attribute (unlike <> and NOT contains()).
    ddb.put_item(TableName="Expect", Item={"pk": S("k")})
    fails(lambda: ddb.put_item(TableName="Expect", Item={"pk": S("k")}, Expected={"absent": cond("NE", S("x"))}), "ConditionalCheckFailedException")
    fails(lambda: ddb.put_item(TableName="Expect", Item={"pk": S("k")}, Expected={"absent": cond("NOT_CONTAINS", S("x"))}), "ConditionalCheckFailedException")
    ddb.put_item(TableName="Expect", Item={"pk": S("k")}, ConditionExpression="NOT contains(absent, :v)", ExpressionAttributeValues={":v": S("x")})


def test_expected_and_operator_messages(ddb):
    make_table(ddb, "Msgs")
    put = lambda expected: lambda: ddb.put_item(TableName="Msgs", Item={"pk": S("k")}, Expected=expected)
    p = "One or more parameter values were invalid: "
    fails(put({"a": {}}), "ValidationException", p + "Value must be provided when Exists is null for Attribute: a")
    fails(put({"a": {"Exists": True}}), "ValidationException", p + "Value must be provided when Exists is true for Attribute: a")
    fails(put({"a": {"Exists": False, "Value": S("x")}}), "ValidationException", p + "Value cannot be used when Exists is false for Attribute: a")
    fails(put({"a": {"ComparisonOperator": "LT"}}), "ValidationException", p + "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a")
    fails(put({"a": {"Exists": True, "ComparisonOperator": "LT"}}), "ValidationException", p + "Exists and ComparisonOperator cannot be used together for Attribute: a")
    fails(put({"a": cond("EQ")}), "ValidationException", p + "Invalid number of argument(s) for the EQ ComparisonOperator")
    fails(put({"a": cond("BETWEEN", N(1))}), "ValidationException", p + "Invalid number of argument(s) for the BETWEEN ComparisonOperator")
    fails(put({"a": cond("LE", {"L": []})}), "ValidationException", p + "ComparisonOperator LE is not valid for L AttributeValue type")
    fails(put({"a": cond("IN", S("1"), N(1))}), "ValidationException", p + "AttributeValues inside AttributeValueList must be of same type")
    fails(put({"a": cond("BETWEEN", N(10), N(2))}), "ValidationException", "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
    fails(lambda: ddb.scan(TableName="Msgs", ScanFilter={"a": cond("CONTAINS", {"SS": ["x"]})}), "ValidationException",
          p + "ComparisonOperator CONTAINS is not valid for SS AttributeValue type")
    fails(lambda: ddb.scan(TableName="Msgs", ConditionalOperator="AND"), "ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
    fails(lambda: ddb.scan(TableName="Msgs", ConditionalOperator="OR", ScanFilter={"a": cond("NULL")}), "ValidationException",
          "ConditionalOperator can only be used when Filter or Expected has two or more elements")
    assert ddb.scan(TableName="Msgs")["Count"] == 0, "no failed put wrote anything"


def test_mixing_expression_and_legacy_parameters(ddb):
    make_table(ddb, "Mixed")
    c = cond("EQ", S("x"))
    fails(lambda: ddb.put_item(TableName="Mixed", Item={"pk": S("k")}, Expected={"a": c}, ConditionalOperator="AND", ConditionExpression="attribute_exists(pk)"),
          "ValidationException", MIX + "Non-expression parameters: {Expected, ConditionalOperator} Expression parameters: {ConditionExpression}")
    fails(lambda: ddb.update_item(TableName="Mixed", Key={"pk": S("k")}, AttributeUpdates={"a": {"Value": S("v"), "Action": "PUT"}}, Expected={"a": c},
                                  UpdateExpression="SET a = :v", ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":v": S("x")}),
          "ValidationException", MIX + "Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}")
    fails(lambda: ddb.get_item(TableName="Mixed", Key={"pk": S("k")}, AttributesToGet=["a"], ProjectionExpression="a"),
          "ValidationException", MIX + "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
    fails(lambda: ddb.scan(TableName="Mixed", AttributesToGet=["a"], ScanFilter={"a": c}, FilterExpression="a = :v", ExpressionAttributeValues={":v": S("x")}),
          "ValidationException", MIX + "Non-expression parameters: {AttributesToGet, ScanFilter} Expression parameters: {FilterExpression}")
    fails(lambda: ddb.query(TableName="Mixed", KeyConditions={"pk": cond("EQ", S("k"))}, QueryFilter={"a": c}, KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": S("k")}),
          "ValidationException", MIX + "Non-expression parameters: {QueryFilter, KeyConditions} Expression parameters: {KeyConditionExpression}")
    fails(lambda: ddb.put_item(TableName="Mixed", Item={"pk": S("k")}, Expected={"a": c}, ExpressionAttributeValues={":v": S("x")}),
          "ValidationException", "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null")
    fails(lambda: ddb.query(TableName="Mixed", KeyConditions={"pk": cond("EQ", S("k"))}, ExpressionAttributeValues={":v": S("x")}),
          "ValidationException", "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null")
    # KeyConditions may go with FilterExpression and ProjectionExpression.
    ddb.put_item(TableName="Mixed", Item={"pk": S("k"), "a": S("x"), "b": S("y")})
    out = ddb.query(TableName="Mixed", KeyConditions={"pk": cond("EQ", S("k"))}, FilterExpression="a = :v", ProjectionExpression="b",
                    ExpressionAttributeValues={":v": S("x")})
    assert out["Items"] == [{"b": S("y")}]


def test_attribute_updates(ddb):
    make_table(ddb, "Upd")
    key = {"pk": S("k")}
    upd = lambda updates, rv="NONE": ddb.update_item(TableName="Upd", Key=key, AttributeUpdates=updates, ReturnValues=rv)
    # On an absent item DELETE does nothing; ADD and PUT create the item.
    out = upd({"gone": {"Action": "DELETE"}, "n": {"Action": "ADD", "Value": N(5)}, "ss": {"Action": "ADD", "Value": {"SS": ["a", "b"]}},
               "l": {"Action": "ADD", "Value": {"L": [S("a")]}}, "name": {"Value": S("Kim")}}, "UPDATED_NEW")
    assert out["Attributes"] == {"n": N(5), "ss": {"SS": ["a", "b"]}, "l": {"L": [S("a")]}, "name": S("Kim")}
    out = upd({"n": {"Action": "ADD", "Value": N("-1.5")}, "ss": {"Action": "ADD", "Value": {"SS": ["b", "c"]}}, "l": {"Action": "ADD", "Value": {"L": [N(1)]}}}, "UPDATED_NEW")
    assert out["Attributes"]["n"] == N("3.5")
    assert sorted(out["Attributes"]["ss"]["SS"]) == ["a", "b", "c"]
    assert out["Attributes"]["l"] == {"L": [S("a"), N(1)]}
    out = upd({"ss": {"Action": "DELETE", "Value": {"SS": ["a", "z"]}}, "name": {"Action": "DELETE"}}, "UPDATED_OLD")
    assert out["Attributes"]["name"] == S("Kim")
    item = ddb.get_item(TableName="Upd", Key=key, ConsistentRead=True)["Item"]
    assert "name" not in item and sorted(item["ss"]["SS"]) == ["b", "c"]
    upd({"ss": {"Action": "DELETE", "Value": {"SS": ["b", "c"]}}})
    assert "ss" not in ddb.get_item(TableName="Upd", Key=key, ConsistentRead=True)["Item"]
    p = "One or more parameter values were invalid: "
    fails(lambda: upd({"n": {"Action": "ADD", "Value": {"SS": ["x"]}}}), "ValidationException", "Type mismatch for attribute to update")
    fails(lambda: upd({"n": {"Action": "PUT"}}), "ValidationException", p + "Only DELETE action is allowed when no attribute value is specified")
    fails(lambda: upd({"n": {"Action": "DELETE", "Value": N(1)}}), "ValidationException", p + "DELETE action with value is not supported for the type N")
    fails(lambda: upd({"n": {"Action": "ADD", "Value": S("x")}}), "ValidationException", p + "ADD action is not supported for the type S")
    fails(lambda: upd({"pk": {"Value": S("other")}}), "ValidationException", p + "Cannot update attribute pk. This attribute is part of the key")
    # A DELETE-only update of an absent item creates nothing.
    out = ddb.update_item(TableName="Upd", Key={"pk": S("absent")}, AttributeUpdates={"a": {"Action": "DELETE"}}, ReturnValues="ALL_NEW")
    assert "Attributes" not in out
    assert "Item" not in ddb.get_item(TableName="Upd", Key={"pk": S("absent")}, ConsistentRead=True)


def test_key_conditions_query_filter_and_paginator(scores):
    ddb = scores
    kc = {"UserId": cond("EQ", S("u")), "Ts": cond("BETWEEN", N(2), N(8))}
    out = ddb.query(TableName="Scores", KeyConditions=kc, QueryFilter={"Level": cond("EQ", N(0))}, AttributesToGet=["Ts"], ScanIndexForward=False)
    assert out["Items"] == [{"Ts": N(6)}, {"Ts": N(3)}]
    assert (out["Count"], out["ScannedCount"]) == (2, 7)
    pages = list(ddb.get_paginator("query").paginate(TableName="Scores", KeyConditions={"UserId": cond("EQ", S("u")), "Ts": cond("GT", N(3))},
                                                    PaginationConfig={"PageSize": 3}))
    assert [[int(i["Ts"]["N"]) for i in p["Items"]] for p in pages] == [[4, 5, 6], [7, 8, 9], [10]]
    for op, values, want in [("EQ", [N(5)], [5]), ("LT", [N(3)], [1, 2]), ("LE", [N(2)], [1, 2]), ("GE", [N(10)], [10])]:
        got = ddb.query(TableName="Scores", KeyConditions={"UserId": cond("EQ", S("u")), "Ts": cond(op, *values)})["Items"]
        assert [int(i["Ts"]["N"]) for i in got] == want, op
    fails(lambda: ddb.query(TableName="Scores", KeyConditions={"Ts": cond("EQ", N(1))}), "ValidationException", "Query condition missed key schema element: UserId")
    fails(lambda: ddb.query(TableName="Scores", KeyConditions={"UserId": cond("NE", S("u"))}), "ValidationException",
          "Attempted conditional constraint is not an indexable operation")
    fails(lambda: ddb.query(TableName="Scores", KeyConditions={"UserId": cond("GT", S("u"))}), "ValidationException", "Query key condition not supported")
    fails(lambda: ddb.query(TableName="Scores", KeyConditions={"UserId": cond("EQ", N(1))}), "ValidationException",
          "One or more parameter values were invalid: Condition parameter type does not match schema type")
    fails(lambda: ddb.query(TableName="Scores", KeyConditions={"UserId": cond("EQ", S("u"))}, QueryFilter={"Ts": cond("GT", N(1))}),
          "ValidationException", "QueryFilter can only contain non-primary key attributes: Primary key attribute: Ts")
    fails(lambda: ddb.query(TableName="Scores", KeyConditions={"UserId": cond("EQ", S("u"))}, Select="COUNT", AttributesToGet=["Ts"]),
          "ValidationException", "1 validation error detected: Cannot specify the AttributesToGet when choosing to get only the Count")


def test_scan_filter_operators(scores):
    ddb = scores
    count = lambda flt, **kw: ddb.scan(TableName="Scores", ScanFilter=flt, **kw)["Count"]
    assert count({"Level": cond("EQ", N(1))}) == 4
    assert count({"Level": cond("NE", N(1))}) == 6, "w's item has no Level: NE is false there"
    assert count({"Level": cond("NULL")}) == 1
    assert count({"Level": cond("NOT_NULL")}) == 10
    assert count({"Level": cond("IN", N(0), N(2))}) == 6
    assert count({"Ts": cond("BETWEEN", N(9), N(10))}) == 2
    assert count({"UserId": cond("BEGINS_WITH", S("w"))}) == 1
    assert count({"UserId": cond("CONTAINS", S("u"))}) == 10
    assert count({"UserId": cond("NOT_CONTAINS", S("u"))}) == 1
    assert count({"Ts": cond("GT", N(9)), "UserId": cond("EQ", S("w"))}, ConditionalOperator="OR") == 2
    out = ddb.scan(TableName="Scores", ScanFilter={"Ts": cond("LT", N(2))}, AttributesToGet=["UserId"], Select="SPECIFIC_ATTRIBUTES")
    assert sorted(i["UserId"]["S"] for i in out["Items"]) == ["u", "w"]
    fails(lambda: ddb.scan(TableName="Scores", Select="ALL_ATTRIBUTES", AttributesToGet=["Ts"]), "ValidationException",
          "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES")


def test_get_and_batch_get_with_attributes_to_get(scores):
    ddb = scores
    got = ddb.get_item(TableName="Scores", Key={"UserId": S("u"), "Ts": N(3)}, AttributesToGet=["Level", "missing"])
    assert got["Item"] == {"Level": N(0)}
    got = ddb.batch_get_item(RequestItems={"Scores": {"Keys": [{"UserId": S("u"), "Ts": N(1)}, {"UserId": S("w"), "Ts": N(1)}], "AttributesToGet": ["Ts"]}})
    assert sorted(i["Ts"]["N"] for i in got["Responses"]["Scores"]) == ["1", "1"]
    fails(lambda: ddb.get_item(TableName="Scores", Key={"UserId": S("u"), "Ts": N(3)}, AttributesToGet=["Level", "Level"]), "ValidationException",
          "One or more parameter values were invalid: Duplicate value in attribute name: Level")


def test_resource_api_speaks_legacy_parameters(server, ddb):
    make_table(ddb, "Res", range_key=("n", "N"))
    table = server.resource().Table("Res")
    table.put_item(Item={"pk": "p", "n": 1, "price": Decimal("9.5"), "tags": {"a"}}, Expected={"pk": {"Exists": False}})
    table.update_item(Key={"pk": "p", "n": 1}, AttributeUpdates={"price": {"Action": "ADD", "Value": Decimal("0.5")}, "tags": {"Action": "ADD", "Value": {"b"}}},
                      Expected={"price": {"ComparisonOperator": "LT", "AttributeValueList": [10]}})
    got = table.query(KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": ["p"]}})["Items"]
    assert got == [{"pk": "p", "n": Decimal(1), "price": Decimal(10), "tags": {"a", "b"}}]
    got = table.scan(ScanFilter={"tags": {"ComparisonOperator": "CONTAINS", "AttributeValueList": ["b"]}}, AttributesToGet=["price"])["Items"]
    assert got == [{"price": Decimal(10)}]
    assert table.scan(FilterExpression=Attr("price").gte(10))["Count"] == 1


def test_aws_cli_legacy_parameters(server, ddb):
    make_table(ddb, "Cli")
    r = server.aws("dynamodb", "update-item", "--table-name", "Cli", "--key", json.dumps({"pk": S("John-123")}),
                   "--attribute-updates", json.dumps({"version": {"Value": N(1), "Action": "ADD"}}), "--return-values", "ALL_NEW")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Attributes"] == {"pk": S("John-123"), "version": N(1)}
    r = server.aws("dynamodb", "scan", "--table-name", "Cli", "--scan-filter", json.dumps({"version": cond("GE", N(1))}))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Count"] == 1


def test_item_collection_metrics_for_tables_with_local_indexes(ddb):
    ddb.create_table(
        TableName="Thread",
        AttributeDefinitions=[{"AttributeName": "Forum", "AttributeType": "S"}, {"AttributeName": "Subject", "AttributeType": "S"},
                              {"AttributeName": "Posted", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "Forum", "KeyType": "HASH"}, {"AttributeName": "Subject", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "ByPosted", "KeySchema": [{"AttributeName": "Forum", "KeyType": "HASH"}, {"AttributeName": "Posted", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_exists(ddb, "Thread")
    make_table(ddb, "NoLsi", hash_key=("Forum", "S"), range_key=("Subject", "S"))
    metrics = lambda forum: {"ItemCollectionKey": {"Forum": S(forum)}, "SizeEstimateRangeGB": [0.0, 1.0]}
    item = lambda forum, subject: {"Forum": S(forum), "Subject": S(subject), "Posted": S("2024")}
    out = ddb.put_item(TableName="Thread", Item=item("EC2", "a"), ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == metrics("EC2")
    out = ddb.update_item(TableName="Thread", Key={"Forum": S("EC2"), "Subject": S("a")}, UpdateExpression="SET ViewCount = :v",
                          ExpressionAttributeValues={":v": N(1)}, ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == metrics("EC2")
    out = ddb.delete_item(TableName="Thread", Key={"Forum": S("EC2"), "Subject": S("a")}, ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == metrics("EC2")
    out = ddb.batch_write_item(RequestItems={"Thread": [{"PutRequest": {"Item": item("EC2", "b")}}, {"PutRequest": {"Item": item("S3", "c")}}],
                                             "NoLsi": [{"PutRequest": {"Item": item("EC2", "b")}}]}, ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == {"Thread": [metrics("EC2"), metrics("S3")]}
    out = ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "Thread", "Item": item("RDS", "d")}}, {"Put": {"TableName": "NoLsi", "Item": item("RDS", "d")}}],
                                   ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == {"Thread": [metrics("RDS")]}
    # Tables without local secondary indexes never report them.
    out = ddb.put_item(TableName="NoLsi", Item=item("EC2", "z"), ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in out
