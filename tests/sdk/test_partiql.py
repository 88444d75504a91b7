"""DynamoDB PartiQL (ExecuteStatement, BatchExecuteStatement, ExecuteTransaction) through boto3
and the AWS CLI against `gureum serve`.

What is asserted is what DynamoDB answers (shapes, error codes and messages), so a failure here
means the wire format or the engine differs from AWS.
"""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import make_table, wait_exists

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "


def error_of(excinfo):
    """(code, message, HTTP status) of a botocore ClientError."""
    r = excinfo.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


def music(ddb):
    make_table(ddb, "Music", hash_key=("Artist", "S"), range_key=("SongTitle", "S"))


def statement(ddb, sql, params=None, **kw):
    if params is not None:
        kw["Parameters"] = params
    return ddb.execute_statement(Statement=sql, **kw)


def test_insert_select_update_delete(ddb):
    music(ddb)
    out = statement(
        ddb,
        "INSERT INTO Music VALUE {'Artist': ?, 'SongTitle': ?, 'Year': 2021, 'Tags': <<'a', 'b'>>, 'Raw': ?, 'Info': {'live': TRUE, 'n': NULL}}",
        [{"S": "Acme"}, {"S": "PartiQL Rocks"}, {"B": b"\x00\x01"}],
    )
    assert out["Items"] == []
    got = statement(ddb, 'SELECT * FROM "Music" WHERE Artist = ? AND SongTitle = ?', [{"S": "Acme"}, {"S": "PartiQL Rocks"}])
    item = got["Items"][0]
    assert item["Year"] == {"N": "2021"}
    assert sorted(item["Tags"]["SS"]) == ["a", "b"]
    assert item["Raw"] == {"B": b"\x00\x01"}
    assert item["Info"] == {"M": {"live": {"BOOL": True}, "n": {"NULL": True}}}
    assert "NextToken" not in got

    out = statement(ddb, "UPDATE Music SET Year = Year + 1 REMOVE Tags WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks' RETURNING MODIFIED NEW *")
    assert out["Items"] == [{"Year": {"N": "2022"}}]
    projected = statement(ddb, "SELECT Year, Info.live FROM Music WHERE Artist = 'Acme'")["Items"]
    assert projected == [{"Year": {"N": "2022"}, "live": {"BOOL": True}}]

    out = statement(ddb, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'PartiQL Rocks' RETURNING ALL OLD *")
    assert out["Items"][0]["Year"] == {"N": "2022"}
    assert "Item" not in ddb.get_item(TableName="Music", Key={"Artist": {"S": "Acme"}, "SongTitle": {"S": "PartiQL Rocks"}})


def test_errors_have_aws_codes_and_messages(ddb):
    music(ddb)
    statement(ddb, "INSERT INTO Music VALUE {'Artist': 'a', 'SongTitle': 'b', 'n': 1}")
    cases = [
        ("INSERT INTO Music VALUE {'Artist': 'a', 'SongTitle': 'b'}", "DuplicateItemException", "Duplicate primary key exists in table"),
        ("UPDATE Music SET n = 2 WHERE Artist = 'a' AND SongTitle = 'b' AND n = 5", "ConditionalCheckFailedException", "The conditional request failed"),
        ("UPDATE Music SET n = 2 WHERE Artist = 'a' AND SongTitle = 'missing'", "ConditionalCheckFailedException", "The conditional request failed"),
        ("SELECT * FROM Music WHERE", "ValidationException", NOT_WELL_FORMED + "Unexpected term"),
        ("SELECT * FROM Music WHERE Artist = 'a' foo", "ValidationException", NOT_WELL_FORMED + "Unexpected token after expression"),
        ("SELECT * FROM Music m", "ValidationException", "Aliasing is not supported"),
        ("UPDATE Music SET n = 1 WHERE Artist = 'a'", "ValidationException", "Where clause does not contain a mandatory equality on all key attributes"),
        ("SELECT * FROM NoSuchTable", "ResourceNotFoundException", "Requested resource not found"),
    ]
    for sql, code, message in cases:
        with pytest.raises(ClientError) as e:
            statement(ddb, sql)
        assert error_of(e) == (code, message, 400), sql
    # The item that failed the condition comes back when asked for.
    with pytest.raises(ClientError) as e:
        statement(ddb, "DELETE FROM Music WHERE Artist = 'a' AND SongTitle = 'b' AND n = 9", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert e.value.response["Item"] == {"Artist": {"S": "a"}, "SongTitle": {"S": "b"}, "n": {"N": "1"}}
    with pytest.raises(ClientError) as e:
        statement(ddb, "SELECT * FROM Music WHERE Artist = ?", [{"S": "a"}, {"S": "b"}])
    assert error_of(e) == ("ValidationException", "Number of parameters in request and statement don't match.", 400)


def test_select_pages_with_next_token(ddb):
    music(ddb)
    for i in range(12):
        ddb.put_item(TableName="Music", Item={"Artist": {"S": "Many"}, "SongTitle": {"S": f"t{i:02}"}, "n": {"N": str(i)}})
    titles, pages, token = [], 0, None
    while True:
        kw = {"Limit": 5, "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"}
        if token:
            kw["NextToken"] = token
        page = statement(ddb, "SELECT SongTitle FROM Music WHERE Artist = 'Many' ORDER BY SongTitle DESC", **kw)
        pages += 1
        assert page["ConsumedCapacity"]["TableName"] == "Music"
        titles += [i["SongTitle"]["S"] for i in page["Items"]]
        token = page.get("NextToken")
        if not token:
            break
        assert page["LastEvaluatedKey"]["Artist"] == {"S": "Many"}
    assert titles == [f"t{i:02}" for i in reversed(range(12))]
    assert pages == 3
    # A token is bound to its statement, and an altered one is refused.
    first = statement(ddb, "SELECT * FROM Music", Limit=2)
    with pytest.raises(ClientError) as e:
        statement(ddb, "SELECT * FROM Music WHERE n > 0", Limit=2, NextToken=first["NextToken"])
    assert error_of(e) == ("ValidationException", "NextToken does not match request", 400)
    with pytest.raises(ClientError) as e:
        statement(ddb, "SELECT * FROM Music", Limit=2, NextToken="bm90IGEgdG9rZW4=")
    assert error_of(e) == ("ValidationException", "Invalid NextToken", 400)


def test_index_reads(server, ddb):
    ddb.create_table(
        TableName="Orders",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in (("id", "S"), ("customer", "S"), ("total", "N"))],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "ByCustomer", "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "total", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        BillingMode="PAY_PER_REQUEST",
    )
    wait_exists(ddb, "Orders")
    for i, (cust, total) in enumerate((("kim", 30), ("lee", 5), ("kim", 12), ("kim", 99))):
        statement(ddb, "INSERT INTO Orders VALUE {'id': ?, 'customer': ?, 'total': ?, 'note': 'x'}", [{"S": f"o{i}"}, {"S": cust}, {"N": str(total)}])
    got = statement(ddb, 'SELECT * FROM "Orders"."ByCustomer" WHERE customer = \'kim\' AND total >= 12 ORDER BY total DESC')["Items"]
    assert [(i["id"]["S"], i["total"]["N"]) for i in got] == [("o3", "99"), ("o0", "30"), ("o2", "12")]
    assert all("note" not in i for i in got)
    with pytest.raises(ClientError) as e:
        statement(ddb, 'SELECT note FROM "Orders"."ByCustomer" WHERE customer = \'kim\'')
    assert error_of(e) == ("ValidationException", "One or more parameter values were invalid: Global secondary index ByCustomer does not project [note]", 400)


def test_batch_execute_statement(ddb):
    music(ddb)
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO Music VALUE {'Artist': 'b', 'SongTitle': '1'}"},
        {"Statement": "INSERT INTO Music VALUE {'Artist': 'b', 'SongTitle': ?}", "Parameters": [{"S": "2"}]},
        {"Statement": "UPDATE Music SET n = 1 WHERE Artist = 'b' AND SongTitle = '9'"},
        {"Statement": "SELECT * FROM Music WHERE"},
    ], ReturnConsumedCapacity="TOTAL")
    r = out["Responses"]
    assert r[0] == {"TableName": "Music"} and r[1] == {"TableName": "Music"}
    assert r[2]["Error"] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    assert r[3]["Error"] == {"Code": "ValidationError", "Message": NOT_WELL_FORMED + "Unexpected term"}
    assert out["ConsumedCapacity"] == [{"TableName": "Music", "CapacityUnits": 2.0}]

    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "SELECT SongTitle FROM Music WHERE Artist = 'b' AND SongTitle = '2'", "ConsistentRead": True},
        {"Statement": "SELECT * FROM Music WHERE Artist = 'b' AND SongTitle = 'nope'"},
        {"Statement": "SELECT * FROM Music WHERE Artist = 'b'"},
    ])
    r = out["Responses"]
    assert r[0] == {"TableName": "Music", "Item": {"SongTitle": {"S": "2"}}}
    assert r[1] == {"TableName": "Music"}
    assert r[2]["Error"]["Message"] == "Select statements within BatchExecuteStatement must specify the primary key in the where clause."

    with pytest.raises(ClientError) as e:
        ddb.batch_execute_statement(Statements=[
            {"Statement": "SELECT * FROM Music WHERE Artist = 'b' AND SongTitle = '1'"},
            {"Statement": "DELETE FROM Music WHERE Artist = 'b' AND SongTitle = '1'"},
        ])
    assert error_of(e) == ("ValidationException", "Read and write requests together in the same batch is not supported.", 400)


def test_execute_transaction(ddb):
    music(ddb)
    ddb.put_item(TableName="Music", Item={"Artist": {"S": "t"}, "SongTitle": {"S": "1"}, "n": {"N": "1"}})
    out = ddb.execute_transaction(
        TransactStatements=[
            {"Statement": "UPDATE Music SET n = n + 1 WHERE Artist = 't' AND SongTitle = '1'"},
            {"Statement": "INSERT INTO Music VALUE {'Artist': 't', 'SongTitle': '2'}"},
        ],
        ClientRequestToken="token-1",
        ReturnConsumedCapacity="TOTAL",
    )
    assert out["Responses"] == []
    assert out["ConsumedCapacity"][0]["TableName"] == "Music"
    # The same token replays without running again.
    ddb.execute_transaction(TransactStatements=[
        {"Statement": "UPDATE Music SET n = n + 1 WHERE Artist = 't' AND SongTitle = '1'"},
        {"Statement": "INSERT INTO Music VALUE {'Artist': 't', 'SongTitle': '2'}"},
    ], ClientRequestToken="token-1")
    assert ddb.get_item(TableName="Music", Key={"Artist": {"S": "t"}, "SongTitle": {"S": "1"}})["Item"]["n"] == {"N": "2"}

    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": "UPDATE Music SET n = 100 WHERE Artist = 't' AND SongTitle = '1'"},
            {"Statement": "EXISTS(SELECT * FROM Music WHERE Artist = 't' AND SongTitle = '2' AND n = 1)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        ])
    code, message, status = error_of(e)
    assert (code, status) == ("TransactionCanceledException", 400)
    assert message == "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    reasons = e.value.response["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed"
    assert reasons[1]["Item"] == {"Artist": {"S": "t"}, "SongTitle": {"S": "2"}}
    assert ddb.get_item(TableName="Music", Key={"Artist": {"S": "t"}, "SongTitle": {"S": "1"}})["Item"]["n"] == {"N": "2"}

    reads = ddb.execute_transaction(TransactStatements=[
        {"Statement": "SELECT n FROM Music WHERE Artist = 't' AND SongTitle = '1'"},
        {"Statement": "SELECT * FROM Music WHERE Artist = 't' AND SongTitle = 'none'"},
    ])
    assert reads["Responses"] == [{"Item": {"n": {"N": "2"}}}, {}]


def test_writes_survive_restart(server, ddb):
    music(ddb)
    statement(ddb, "INSERT INTO Music VALUE {'Artist': 'd', 'SongTitle': 's', 'v': 1}")
    ddb.execute_transaction(TransactStatements=[{"Statement": "UPDATE Music SET v = 2 WHERE Artist = 'd' AND SongTitle = 's'"}])
    server.restart(hard=True)
    ddb = server.client()
    assert statement(ddb, "SELECT v FROM Music WHERE Artist = 'd' AND SongTitle = 's'")["Items"] == [{"v": {"N": "2"}}]


def test_aws_cli_execute_statement(server, ddb):
    music(ddb)
    p = server.aws("dynamodb", "execute-statement", "--statement", "INSERT INTO Music VALUE {'Artist': 'cli', 'SongTitle': 'x'}", "--output", "json")
    assert p.returncode == 0, p.stderr
    p = server.aws(
        "dynamodb", "execute-statement", "--statement", "SELECT * FROM Music WHERE Artist = ?",
        "--parameters", json.dumps([{"S": "cli"}]), "--output", "json",
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Items"] == [{"Artist": {"S": "cli"}, "SongTitle": {"S": "x"}}]
    p = server.aws("dynamodb", "execute-statement", "--statement", "INSERT INTO Music VALUE {'Artist': 'cli', 'SongTitle': 'x'}")
    assert p.returncode != 0
    assert "DuplicateItemException" in p.stderr and "Duplicate primary key exists in table" in p.stderr
