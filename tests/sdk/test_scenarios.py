"""The scenario gallery through `gureum serve`: LoadScenario on the control endpoint, then boto3
and plain HTTP see what it built."""
import json
import urllib.error
import urllib.request


def http(server, method, path, headers=None, body=None):
    req = urllib.request.Request(f"{server.url}{path}", data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_list_and_load_the_scores_scenario_then_query_it_with_boto3(server, ddb):
    ids = [s["Id"] for s in server.control("ListScenarios")["Scenarios"]]
    assert len(ids) == 15 and ids[0] == "scores"
    out = server.control("LoadScenario", {"Id": "scores"})
    assert out["Route"] == "#/tables/Scores/query"
    assert "DynamoDB table Scores" in out["Created"]
    q = ddb.query(TableName="Scores", KeyConditionExpression="Player = :p", ExpressionAttributeValues={":p": {"S": "ada"}})
    assert [i["Game"]["S"] for i in q["Items"]] == ["Asteroids", "Galaga", "Pac-Man", "Tetris"]
    again = server.control("LoadScenario", {"Id": "scores"})
    assert again["Reused"] == ["DynamoDB table Scores"]


def test_the_crud_api_and_the_usage_plan_answer_over_http(server):
    api = server.control("LoadScenario", {"Id": "crud-api"})["Details"]["ApiId"]
    status, body = http(server, "GET", f"/restapis/{api}/dev/_user_request_/items")
    assert status == 200, body
    assert sorted(i["id"] for i in json.loads(body)) == ["1", "2", "3"]
    status, body = http(server, "PUT", f"/restapis/{api}/dev/_user_request_/items/7", {"Content-Type": "application/json"}, b'{"title": "over HTTP"}')
    assert (status, json.loads(body)["id"]) == (200, "7")

    server.control("PauseClock")
    plan = server.control("LoadScenario", {"Id": "usage-plan"})["Details"]
    path = f"/restapis/{plan['ApiId']}/prod/_user_request_/quote"
    assert http(server, "GET", path)[0] == 403
    statuses = [http(server, "GET", path, {"x-api-key": plan["ApiKey"]})[0] for _ in range(11)]
    assert statuses == [200] * 10 + [429]
