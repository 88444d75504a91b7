"""boto3's API Gateway v2 client (HTTP APIs) against `gureum serve`: an HTTP API with a Lambda
integration (payload format 2.0) and a JWT authorizer backed by a sandbox Cognito user pool,
invoked over HTTP by Host header (`{api-id}.execute-api.localhost`, the `$default` stage with no
stage segment, and a named stage), with CORS and quick create.
"""
import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import error_of
from test_lambda import ROLE, package

PW = "Correct-Horse-9"


@pytest.fixture
def v2(server):
    return server.client(service="apigatewayv2")


def echo_function(server, name="v2-echo"):
    lam = server.client(service="lambda")
    code = ("export const handler = async (event) => ({ statusCode: 200, headers: { 'x-from': 'lambda' }, "
            "cookies: ['seen=1'], body: JSON.stringify(event) });")
    fn = lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": package({"index.mjs": code})})
    server.control("AdvanceClock", {"seconds": 2})
    return fn["FunctionArn"]


def call(server, api_id, path, method="GET", headers=None, data=None):
    req = urllib.request.Request(f"{server.url}{path}", method=method, data=data, headers={"Host": f"{api_id}.execute-api.localhost", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_http_api_with_lambda_and_jwt_authorizer(server, v2):
    idp = server.client(service="cognito-idp")
    pool = idp.create_user_pool(PoolName="app")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PW, Permanent=True)
    tokens = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PW})["AuthenticationResult"]

    fn = echo_function(server)
    api = v2.create_api(Name="items", ProtocolType="HTTP", CorsConfiguration={"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET"], "MaxAge": 60})
    api_id = api["ApiId"]
    assert api["ApiEndpoint"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com"
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://app.example"]
    integration = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=fn, PayloadFormatVersion="2.0")
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    auth = v2.create_authorizer(ApiId=api_id, Name="users", AuthorizerType="JWT", IdentitySource=["$request.header.Authorization"],
                                JwtConfiguration={"Audience": [client], "Issuer": issuer})
    assert auth["JwtConfiguration"] == {"Audience": [client], "Issuer": issuer}
    target = f"integrations/{integration['IntegrationId']}"
    v2.create_route(ApiId=api_id, RouteKey="GET /items/{id}", Target=target, AuthorizationType="JWT", AuthorizerId=auth["AuthorizerId"])
    v2.create_route(ApiId=api_id, RouteKey="GET /public/{proxy+}", Target=target)
    stage = v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert stage["AutoDeploy"] is True and stage["DeploymentId"]
    assert {r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]} == {"GET /items/{id}", "GET /public/{proxy+}"}

    status, headers, body = call(server, api_id, "/public/a/b?x=1&x=2", headers={"Cookie": "c=1", "Origin": "https://app.example"})
    assert status == 200, body
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "GET /public/{proxy+}"
    assert event["rawPath"] == "/public/a/b" and event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"} and event["cookies"] == ["c=1"]
    assert event["pathParameters"] == {"proxy": "a/b"}
    assert event["requestContext"]["http"]["method"] == "GET" and event["requestContext"]["stage"] == "$default"
    assert headers["x-from"] == "lambda" and headers["set-cookie"] == "seen=1"
    assert headers["access-control-allow-origin"] == "https://app.example"

    status, _, body = call(server, api_id, "/items/7")
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    status, _, body = call(server, api_id, "/items/7", headers={"Authorization": f"Bearer {tokens['AccessToken']}"})
    assert status == 200, body
    event = json.loads(body)
    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["client_id"] == client
    status, _, body = call(server, api_id, "/nowhere")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})

    status, headers, _ = call(server, api_id, "/items/7", method="OPTIONS", headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    assert status == 204 and headers["access-control-max-age"] == "60"

    # A named stage is the path's first segment; it serves its own deployment.
    v2.create_stage(ApiId=api_id, StageName="beta", StageVariables={"color": "blue"})
    deployment = v2.create_deployment(ApiId=api_id, StageName="beta")
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    status, _, body = call(server, api_id, "/beta/public/x")
    assert status == 200, body
    event = json.loads(body)
    assert event["rawPath"] == "/beta/public/x" and event["stageVariables"] == {"color": "blue"}

    with pytest.raises(ClientError) as e:
        v2.create_route(ApiId=api_id, RouteKey="GET /public/{proxy+}", Target=target)
    assert error_of(e)[0] == "ConflictException"
    with pytest.raises(ClientError) as e:
        v2.get_api(ApiId="nope")
    assert error_of(e)[0] == "NotFoundException"
    v2.delete_api(ApiId=api_id)
    assert v2.get_apis()["Items"] == []


def test_quick_create_and_update(server, v2):
    fn = echo_function(server, "v2-quick")
    api = v2.create_api(Name="quick", ProtocolType="HTTP", Target=fn)
    api_id = api["ApiId"]
    status, _, body = call(server, api_id, "/anything", method="POST", data=b"hi")
    assert status == 200
    assert json.loads(body)["body"] == "hi"
    route = v2.get_routes(ApiId=api_id)["Items"][0]
    assert route["RouteKey"] == "$default" and route["ApiGatewayManaged"] is True
    assert v2.update_api(ApiId=api_id, Description="now described")["Description"] == "now described"
    v2.update_stage(ApiId=api_id, StageName="$default", RouteSettings={"$default": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.001}})
    assert call(server, api_id, "/a")[0] == 200
    status, _, body = call(server, api_id, "/a")
    assert (status, json.loads(body)) == (429, {"message": "Too Many Requests"})
