"""boto3's and the AWS CLI's API Gateway (REST API, v1) clients against `gureum serve`: the
control plane's REST-JSON routes, shapes and errors, and calls to a deployed stage over HTTP,
by Host header (`{api-id}.execute-api.localhost`) and by path
(`/restapis/{id}/{stage}/_user_request_/...`), through a Lambda proxy integration.
"""
import json
from pathlib import Path
import urllib.error
import urllib.parse
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import error_of
from test_lambda import ROLE, package


@pytest.fixture
def apigw(server):
    return server.client(service="apigateway")


def make_api(apigw, name="pets"):
    api = apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})
    return api["id"], api["rootResourceId"]


def mock_method(apigw, api, rid, method="GET", body='{"ok": true}'):
    apigw.put_method(restApiId=api, resourceId=rid, httpMethod=method, authorizationType="NONE")
    apigw.put_method_response(restApiId=api, resourceId=rid, httpMethod=method, statusCode="200")
    apigw.put_integration(restApiId=api, resourceId=rid, httpMethod=method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(restApiId=api, resourceId=rid, httpMethod=method, statusCode="200", responseTemplates={"application/json": body})


def test_control_plane_shapes_and_errors(apigw):
    api_id, root = make_api(apigw)
    got = apigw.get_rest_api(restApiId=api_id)
    assert got["name"] == "pets"
    assert got["endpointConfiguration"] == {"types": ["REGIONAL"]}
    assert got["apiKeySource"] == "HEADER"
    assert got["createdDate"].year >= 2024
    assert [a["id"] for a in apigw.get_rest_apis()["items"]] == [api_id]

    updated = apigw.update_rest_api(restApiId=api_id, patchOperations=[{"op": "replace", "path": "/description", "value": "all the pets"}])
    assert updated["description"] == "all the pets"

    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    assert pets["path"] == "/pets" and pets["parentId"] == root
    pet = apigw.create_resource(restApiId=api_id, parentId=pets["id"], pathPart="{petId}")
    assert pet["path"] == "/pets/{petId}"
    mock_method(apigw, api_id, pets["id"])
    resources = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]
    by_path = {r["path"]: r for r in resources}
    assert set(by_path) == {"/", "/pets", "/pets/{petId}"}
    integration = by_path["/pets"]["resourceMethods"]["GET"]["methodIntegration"]
    assert integration["type"] == "MOCK"
    assert integration["integrationResponses"]["200"]["responseTemplates"] == {"application/json": '{"ok": true}'}
    assert apigw.get_method(restApiId=api_id, resourceId=pets["id"], httpMethod="GET")["authorizationType"] == "NONE"
    assert apigw.get_integration(restApiId=api_id, resourceId=pets["id"], httpMethod="GET")["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert apigw.get_method_response(restApiId=api_id, resourceId=pets["id"], httpMethod="GET", statusCode="200")["statusCode"] == "200"
    assert apigw.get_integration_response(restApiId=api_id, resourceId=pets["id"], httpMethod="GET", statusCode="200")["statusCode"] == "200"
    patched = apigw.update_integration(
        restApiId=api_id, resourceId=pets["id"], httpMethod="GET",
        patchOperations=[{"op": "add", "path": "/requestTemplates/text~1plain", "value": '{"statusCode": 200}'}],
    )
    assert patched["requestTemplates"]["text/plain"] == '{"statusCode": 200}'

    with pytest.raises(ClientError) as e:
        apigw.get_rest_api(restApiId="nope123456")
    assert error_of(e) == ("NotFoundException", "Invalid API identifier specified 123456789012:nope123456", 404)
    with pytest.raises(ClientError) as e:
        apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")
    assert error_of(e) == ("ConflictException", "Another resource with the same parent already has this name: pets", 409)
    with pytest.raises(ClientError) as e:
        apigw.put_method(restApiId=api_id, resourceId=pets["id"], httpMethod="GET", authorizationType="NONE")
    assert error_of(e) == ("ConflictException", "Method already exists for this resource", 409)
    with pytest.raises(ClientError) as e:
        apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert error_of(e) == ("NotFoundException", "Invalid Method identifier specified", 404)

    dep = apigw.create_deployment(restApiId=api_id, stageName="prod", description="v1")
    assert dep["description"] == "v1"
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == dep["id"]
    stage = apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=[{"op": "replace", "path": "/variables/color", "value": "blue"}])
    assert stage["variables"] == {"color": "blue"}
    dep2 = apigw.create_deployment(restApiId=api_id)
    apigw.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep2["id"])
    assert sorted(s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]) == ["dev", "prod"]
    assert len(apigw.get_deployments(restApiId=api_id)["items"]) == 2
    with pytest.raises(ClientError) as e:
        apigw.delete_deployment(restApiId=api_id, deploymentId=dep["id"])
    assert error_of(e) == ("BadRequestException", "Active stages pointing to this deployment must be moved or deleted", 400)
    with pytest.raises(ClientError) as e:
        apigw.create_stage(restApiId=api_id, stageName="dev", deploymentId=dep2["id"])
    assert error_of(e) == ("ConflictException", "Stage already exists", 409)
    apigw.delete_stage(restApiId=api_id, stageName="dev")
    apigw.delete_deployment(restApiId=api_id, deploymentId=dep2["id"])
    apigw.delete_resource(restApiId=api_id, resourceId=pet["id"])
    apigw.delete_rest_api(restApiId=api_id)
    assert apigw.get_rest_apis()["items"] == []


def test_test_invoke_method_and_a_mock_over_http(server, apigw):
    api_id, root = make_api(apigw)
    mock_method(apigw, api_id, root, body='{"hello": "mock"}')
    t = apigw.test_invoke_method(restApiId=api_id, resourceId=root, httpMethod="GET", pathWithQueryString="/")
    assert t["status"] == 200 and t["body"] == '{"hello": "mock"}'
    assert t["log"].startswith("Execution log for request ")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    with urllib.request.urlopen(f"{server.url}/restapis/{api_id}/prod/_user_request_/", timeout=10) as resp:
        assert resp.status == 200
        assert json.loads(resp.read()) == {"hello": "mock"}
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{server.url}/restapis/{api_id}/prod/_user_request_/nowhere", timeout=10)
    assert e.value.code == 403
    assert json.loads(e.value.read()) == {"message": "Missing Authentication Token"}
    assert e.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_lambda_proxy_over_both_url_forms(server, apigw):
    lam = server.client(service="lambda")
    code = "export const handler = async (event) => ({ statusCode: 200, headers: { 'X-From': 'lambda' }, body: JSON.stringify(event) });"
    fn = lam.create_function(FunctionName="api-echo", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": package({"index.mjs": code})})
    server.control("AdvanceClock", {"seconds": 2})
    api_id, root = make_api(apigw)
    items = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="items")
    item = apigw.create_resource(restApiId=api_id, parentId=items["id"], pathPart="{id}")
    apigw.put_method(restApiId=api_id, resourceId=item["id"], httpMethod="ANY", authorizationType="NONE")
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn['FunctionArn']}/invocations"
    apigw.put_integration(restApiId=api_id, resourceId=item["id"], httpMethod="ANY", type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"table": "items"})

    host = urllib.parse.urlparse(server.url).netloc
    by_host = urllib.request.Request(
        f"{server.url}/prod/items/42?color=red&color=blue", data=b'{"name": "Ada"}', method="PUT",
        headers={"Host": f"{api_id}.execute-api.localhost", "Content-Type": "application/json", "X-Test": "1"},
    )
    by_path = urllib.request.Request(
        f"{server.url}/restapis/{api_id}/prod/_user_request_/items/42?color=red&color=blue", data=b'{"name": "Ada"}', method="PUT",
        headers={"Content-Type": "application/json", "X-Test": "1"},
    )
    for req in (by_host, by_path):
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200
            assert resp.headers["X-From"] == "lambda"
            event = json.loads(resp.read())
        assert event["resource"] == "/items/{id}"
        assert event["path"] == "/items/42"
        assert event["httpMethod"] == "PUT"
        assert event["pathParameters"] == {"id": "42"}
        assert event["queryStringParameters"] == {"color": "blue"}
        assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"]}
        assert event["stageVariables"] == {"table": "items"}
        assert event["headers"]["X-Test"] == "1"
        assert event["body"] == '{"name": "Ada"}'
        assert event["isBase64Encoded"] is False
        ctx = event["requestContext"]
        assert ctx["apiId"] == api_id and ctx["stage"] == "prod" and ctx["resourcePath"] == "/items/{id}"
        assert ctx["path"] == "/prod/items/42" and ctx["accountId"] == "123456789012"
        assert ctx["identity"]["sourceIp"]
    assert host  # the server answered both forms on the same port


def test_aws_cli(server):
    created = server.aws("apigateway", "create-rest-api", "--name", "cli-api", "--output", "json")
    assert created.returncode == 0, created.stderr
    api = json.loads(created.stdout)
    listed = json.loads(server.aws("apigateway", "get-resources", "--rest-api-id", api["id"], "--output", "json").stdout)
    assert [r["path"] for r in listed["items"]] == ["/"]
    missing = server.aws("apigateway", "get-rest-api", "--rest-api-id", "missing000")
    assert missing.returncode != 0
    assert "NotFoundException" in missing.stderr and "Invalid API identifier specified" in missing.stderr


def test_usage_plan_throttles_and_a_missing_key_is_forbidden(server, apigw):
    server.control("PauseClock")
    api_id, root = make_api(apigw)
    mock_method(apigw, api_id, root)
    apigw.update_method(restApiId=api_id, resourceId=root, httpMethod="GET", patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    key = apigw.create_api_key(name="client", enabled=True)
    assert len(key["value"]) == 40
    plan = apigw.create_usage_plan(name="basic", apiStages=[{"apiId": api_id, "stage": "prod"}], throttle={"rateLimit": 1.0, "burstLimit": 1}, quota={"limit": 100, "period": "MONTH"})
    assert plan["quota"] == {"limit": 100, "offset": 0, "period": "MONTH"}
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [key["id"]]
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]

    def get(headers):
        req = urllib.request.Request(f"{server.url}/restapis/{api_id}/prod/_user_request_/", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    assert get({}) == (403, {"message": "Forbidden"})
    assert get({"x-api-key": "not-a-key-not-a-key-not-a-key"}) == (403, {"message": "Forbidden"})
    assert get({"x-api-key": key["value"]}) == (200, {"ok": True})
    # The clock is paused: the bucket (burst 1) does not refill.
    assert get({"x-api-key": key["value"]}) == (429, {"message": "Too Many Requests"})
    server.control("AdvanceClock", {"seconds": 1})
    assert get({"x-api-key": key["value"]}) == (200, {"ok": True})


def test_lambda_token_authorizer(server, apigw):
    lam = server.client(service="lambda")
    auth_code = """export const handler = async (event) => {
  if (event.authorizationToken === 'expired') throw new Error('Unauthorized');
  const effect = event.authorizationToken.startsWith('allow') ? 'Allow' : 'Deny';
  return { principalId: 'user-' + event.authorizationToken,
           policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }] },
           context: { tier: 'gold' } };
};"""
    echo_code = "export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });"
    auth = lam.create_function(FunctionName="authz", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": package({"index.mjs": auth_code})})
    echo = lam.create_function(FunctionName="authz-echo", Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": package({"index.mjs": echo_code})})
    server.control("AdvanceClock", {"seconds": 2})
    api_id, root = make_api(apigw, "secured")
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="tok", type="TOKEN", identitySource="method.request.header.Authorization",
        authorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth['FunctionArn']}/invocations",
        authorizerResultTtlInSeconds=0,
    )
    assert apigw.get_authorizer(restApiId=api_id, authorizerId=authorizer["id"])["identitySource"] == "method.request.header.Authorization"
    assert [a["name"] for a in apigw.get_authorizers(restApiId=api_id)["items"]] == ["tok"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="CUSTOM", authorizerId=authorizer["id"])
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{echo['FunctionArn']}/invocations"
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    tested = apigw.test_invoke_authorizer(restApiId=api_id, authorizerId=authorizer["id"], headers={"Authorization": "allow-me"})
    assert tested["clientStatus"] == 200 and tested["principalId"] == "user-allow-me"

    def get(token):
        headers = {"Authorization": token} if token else {}
        req = urllib.request.Request(f"{server.url}/restapis/{api_id}/prod/_user_request_/", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    assert get(None) == (401, {"message": "Unauthorized"})
    assert get("expired") == (401, {"message": "Unauthorized"})
    assert get("deny-me") == (403, {"message": "User is not authorized to access this resource with an explicit deny"})
    assert get("allow-me") == (200, {"principalId": "user-allow-me", "tier": "gold"})


def test_kinesis_integration_records_are_readable(server, apigw):
    kinesis = server.client(service="kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    server.control("AdvanceClock", {"seconds": 5})
    api_id, root = make_api(apigw, "pipeline")
    rid = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="clicks")["id"]
    apigw.put_method(restApiId=api_id, resourceId=rid, httpMethod="POST", authorizationType="NONE")
    apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod="POST", statusCode="200")
    template = '{"StreamName": "clicks", "Data": "$util.base64Encode($input.body)", "PartitionKey": "$input.path(\'$.user\')"}'
    apigw.put_integration(
        restApiId=api_id, resourceId=rid, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:kinesis:action/PutRecord", requestTemplates={"application/json": template},
    )
    apigw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod="POST", statusCode="200")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    req = urllib.request.Request(
        f"{server.url}/restapis/{api_id}/prod/_user_request_/clicks", data=b'{"user": "u1", "page": "/home"}', method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        assert json.loads(resp.read())["ShardId"] == "shardId-000000000000"
    it = kinesis.get_shard_iterator(StreamName="clicks", ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = kinesis.get_records(ShardIterator=it)["Records"]
    assert [(r["PartitionKey"], r["Data"]) for r in records] == [("u1", b'{"user": "u1", "page": "/home"}')]


PETSTORE = (Path(__file__).resolve().parents[2] / "crates/engine/src/services/apigateway/testdata/petstore.yaml").read_bytes()


def http(server, api_id, path, method="GET", headers=None, data=None):
    req = urllib.request.Request(f"{server.url}/restapis/{api_id}/prod/_user_request_{path}", method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_gateway_responses_and_a_cors_preflight(server, apigw):
    api_id, root = make_api(apigw)
    mock_method(apigw, api_id, root)
    # What the console's "Enable CORS" creates: OPTIONS with a MOCK integration and the headers.
    cors = {"Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'", "Access-Control-Allow-Methods": "'GET,OPTIONS'", "Access-Control-Allow-Origin": "'*'"}
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", authorizationType="NONE")
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", statusCode="200", responseParameters={f"method.response.header.{h}": False for h in cors})
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    apigw.put_integration_response(restApiId=api_id, resourceId=root, httpMethod="OPTIONS", statusCode="200", responseParameters={f"method.response.header.{h}": v for h, v in cors.items()})
    put = apigw.put_gateway_response(
        restApiId=api_id, responseType="DEFAULT_4XX", responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        responseTemplates={"application/json": '{"error": $context.error.messageString, "type": "$context.error.responseType"}'},
    )
    assert put["responseType"] == "DEFAULT_4XX" and put["defaultResponse"] is False
    got = apigw.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert got["statusCode"] == "403" and got["defaultResponse"] is True
    assert got["responseTemplates"] == {"application/json": '{"message":$context.error.messageString}'}
    assert len(apigw.get_gateway_responses(restApiId=api_id)["items"]) == 21
    apigw.update_gateway_response(restApiId=api_id, responseType="THROTTLED", patchOperations=[{"op": "replace", "path": "/statusCode", "value": "503"}])
    assert apigw.get_gateway_response(restApiId=api_id, responseType="THROTTLED")["statusCode"] == "503"
    apigw.delete_gateway_response(restApiId=api_id, responseType="THROTTLED")
    with pytest.raises(ClientError) as e:
        apigw.delete_gateway_response(restApiId=api_id, responseType="THROTTLED")
    assert error_of(e)[0] == "NotFoundException"
    apigw.create_deployment(restApiId=api_id, stageName="prod")

    status, headers, body = http(server, api_id, "/", method="OPTIONS", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type,X-Amz-Date,Authorization,X-Api-Key"
    status, headers, body = http(server, api_id, "/missing")
    assert status == 403
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(body) == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}


def test_import_export_and_invoke_an_openapi_definition(server, apigw):
    api = apigw.import_rest_api(body=PETSTORE, failOnWarnings=False, parameters={"endpointConfigurationTypes": "REGIONAL"})
    assert api["name"] == "PetStore"
    assert api["endpointConfiguration"] == {"types": ["REGIONAL"]}
    assert any("Models" in w for w in api["warnings"])
    paths = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert {"/", "/pets", "/pets/{petId}", "/proxy/{proxy+}"} <= paths
    with pytest.raises(ClientError) as e:
        apigw.import_rest_api(body=PETSTORE, failOnWarnings=True)
    assert error_of(e)[0] == "BadRequestException" and "Warnings found during import" in error_of(e)[1]
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    status, headers, body = http(server, api["id"], "/pets/7")
    assert status == 200 and json.loads(body) == {"id": "7", "type": "dog", "price": 249.99}
    status, headers, body = http(server, api["id"], "/")
    assert status == 200 and headers["Content-Type"] == "text/html" and b"Pet Store" in body

    exported = apigw.get_export(restApiId=api["id"], stageName="prod", exportType="oas30", parameters={"extensions": "apigateway"}, accepts="application/yaml")
    assert exported["contentType"] == "application/yaml"
    text = exported["body"].read()
    assert text.startswith(b"openapi: 3.0.1")
    swagger = json.loads(apigw.get_export(restApiId=api["id"], stageName="prod", exportType="swagger", parameters={"extensions": "integrations"})["body"].read())
    assert swagger["swagger"] == "2.0" and swagger["basePath"] == "/prod"
    assert swagger["paths"]["/pets/{petId}"]["get"]["x-amazon-apigateway-integration"]["type"] == "mock"
    again = apigw.import_rest_api(body=text)
    again_paths = {r["path"] for r in apigw.get_resources(restApiId=again["id"])["items"]}
    assert again_paths == paths

    merged = apigw.put_rest_api(restApiId=again["id"], mode="overwrite", body=json.dumps(swagger).encode())
    assert merged["id"] == again["id"]
    assert {r["path"] for r in apigw.get_resources(restApiId=again["id"])["items"]} == paths


def test_aws_iam_method_with_a_sigv4_signed_call(server, apigw):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    api_id, root = make_api(apigw)
    mock_method(apigw, api_id, root, body='{"caller": "$context.identity.userArn"}')
    apigw.update_method(restApiId=api_id, resourceId=root, httpMethod="GET", patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}])
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    iam = server.client(service="iam")
    iam.create_user(UserName="caller")
    key = iam.create_access_key(UserName="caller")["AccessKey"]
    url = f"{server.url}/restapis/{api_id}/prod/_user_request_/"

    def signed(secret=key["SecretAccessKey"]):
        req = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials(key["AccessKeyId"], secret), "execute-api", "us-east-1").add_auth(req)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=dict(req.headers)), timeout=10) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read())

    status, headers, body = http(server, api_id, "/")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})
    status, headers, body = signed()
    assert status == 403 and headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert body["message"].startswith(f"User: arn:aws:iam::123456789012:user/caller is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:{api_id}/prod/GET/")
    status, headers, body = signed(secret="wrong" * 8)
    assert status == 403 and headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:*:*:{api_id}/*"}]}
    iam.put_user_policy(UserName="caller", PolicyName="invoke", PolicyDocument=json.dumps(policy))
    assert signed()[::2] == (200, {"caller": "arn:aws:iam::123456789012:user/caller"})


def test_aws_cli_imports_and_exports(server, tmp_path):
    spec = tmp_path / "petstore.yaml"
    spec.write_bytes(PETSTORE)
    imported = server.aws("apigateway", "import-rest-api", "--body", f"fileb://{spec}", "--output", "json")
    assert imported.returncode == 0, imported.stderr
    api = json.loads(imported.stdout)
    assert api["name"] == "PetStore" and api["warnings"]
    assert server.aws("apigateway", "create-deployment", "--rest-api-id", api["id"], "--stage-name", "prod").returncode == 0
    out = tmp_path / "export.json"
    exported = server.aws("apigateway", "get-export", "--rest-api-id", api["id"], "--stage-name", "prod", "--export-type", "swagger",
                          "--parameters", "extensions=integrations", str(out))
    assert exported.returncode == 0, exported.stderr
    doc = json.loads(out.read_text())
    assert doc["swagger"] == "2.0" and "/pets/{petId}" in doc["paths"]
