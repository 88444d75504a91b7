use super::*;
use crate::EngineConfig;

fn req(target: Option<&str>, body: &str) -> HttpRequest {
    let mut headers =
        vec![("Authorization".to_string(), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc".to_string())];
    if let Some(t) = target {
        headers.push(("X-Amz-Target".into(), t.into()));
    }
    HttpRequest { method: "POST".into(), path: "/".into(), headers, body: body.as_bytes().to_vec() }
}

fn body(r: &HttpResponse) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn routes_by_target_and_region_from_credential_scope() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let r = handle(&mut e, 0, &req(Some("DynamoDB_20120810.ListTables"), "{}"), "rid");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/x-amz-json-1.0"));
    assert_eq!(r.header("x-amz-crc32").unwrap(), crc32fast::hash(&r.body).to_string());
    assert_eq!(credential_scope(req(None, "").header("authorization").unwrap()), Some(("eu-west-1", "dynamodb")));
}

#[test]
fn malformed_requests_get_aws_errors() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let cases = [
        (Some("DynamoDB_20120810.ListTables"), "{not json", json!({"__type": "com.amazon.coral.service#SerializationException"})),
        (Some("DynamoDB_20120810.ListTables"), "", json!({"__type": "com.amazon.coral.service#SerializationException"})),
        (Some("DynamoDB_20120810.ListTables"), "[1]", json!({"__type": "com.amazon.coral.service#SerializationException"})),
        (Some("DynamoDB_20120810.NoSuchOp"), "{}", json!({"__type": "com.amazon.coral.service#UnknownOperationException"})),
        (Some("Nope_2020.ListTables"), "{}", json!({"__type": "com.amazon.coral.service#UnknownOperationException"})),
        (
            Some("DynamoDB_20120810.DescribeTable"),
            r#"{"TableName": "missing"}"#,
            json!({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "Requested resource not found: Table: missing not found"}),
        ),
    ];
    for (target, b, expected) in cases {
        let r = handle(&mut e, 0, &req(target, b), "rid");
        assert_eq!(r.status, 400, "{target:?} {b}");
        assert_eq!(body(&r), expected, "{target:?} {b}");
    }
    let r = handle(&mut e, 0, &req(None, "{}"), "rid");
    assert_eq!(r.status, 400);
}

#[test]
fn control_and_health_paths() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let h = HttpRequest { method: "GET".into(), path: "/_gureum/health".into(), ..Default::default() };
    assert_eq!(body(&handle(&mut e, 0, &h, "r"))["status"], "running");
    let c = HttpRequest { method: "POST".into(), path: "/_gureum/control/PauseClock".into(), ..Default::default() };
    assert_eq!(body(&handle(&mut e, 0, &c, "r"))["paused"], true);
}

#[test]
fn a_dynamodb_request_to_a_dax_path_goes_to_that_cluster() {
    assert_eq!(dax_cluster("/dax/my-cache"), Some("my-cache"));
    assert_eq!(dax_cluster("/dax/my-cache/"), Some("my-cache"));
    assert_eq!(dax_cluster("/dax/"), None);
    assert_eq!(dax_cluster("/"), None);
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut r = req(Some("DynamoDB_20120810.GetItem"), r#"{"TableName": "Tbl", "Key": {"pk": {"S": "a"}}}"#);
    r.path = "/dax/my-cache".into();
    let out = handle(&mut e, 0, &r, "rid");
    assert_eq!(out.status, 400);
    assert_eq!(body(&out)["__type"], "com.amazonaws.dax#ClusterNotFoundFault");
    assert!(body(&out)["message"].as_str().unwrap().contains("my-cache not found in eu-west-1"));
    // The DAX control plane itself is JSON 1.1 at `/`.
    let mut r = req(Some("AmazonDAXV3.DescribeClusters"), "{}");
    r.headers[0].1 = r.headers[0].1.replace("/dynamodb/", "/dax/");
    let out = handle(&mut e, 0, &r, "rid");
    assert_eq!(out.status, 200);
    assert_eq!(out.header("Content-Type"), Some("application/x-amz-json-1.1"));
    assert_eq!(body(&out), json!({ "Clusters": [] }));
}

fn query_req(service: &str, body: &str) -> HttpRequest {
    let auth = format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=abc");
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![("Authorization".into(), auth), ("Content-Type".into(), "application/x-www-form-urlencoded; charset=utf-8".into())],
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn iam_and_sts_speak_the_query_protocol() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let trust = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22123456789012%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let create = format!("Action=CreateRole&Version=2010-05-08&RoleName=r1&AssumeRolePolicyDocument={trust}&Tags.member.1.Key=team&Tags.member.1.Value=red");
    let r = handle(&mut e, 0, &query_req("iam", &create), "rid-1");
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert_eq!(r.status, 200, "{text}");
    assert_eq!(r.header("Content-Type"), Some("text/xml"));
    assert!(text.starts_with("<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateRoleResult><Role><Path>/</Path><RoleName>r1</RoleName>"), "{text}");
    assert!(text.contains("<Tags><member><Key>team</Key><Value>red</Value></member></Tags>"), "{text}");
    assert!(text.ends_with("</CreateRoleResult><ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></CreateRoleResponse>"), "{text}");
    // Errors: the ErrorResponse document with the error's status.
    let r = handle(&mut e, 0, &query_req("iam", "Action=GetRole&Version=2010-05-08&RoleName=nope"), "rid-2");
    assert_eq!(r.status, 404);
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name nope cannot be found.</Message></Error><RequestId>rid-2</RequestId></ErrorResponse>"
    );
    let r = handle(&mut e, 0, &query_req("iam", "Action=CreateRole&Version=2011-06-15&RoleName=x"), "rid");
    assert_eq!(r.status, 400);
    assert!(String::from_utf8(r.body).unwrap().contains("<Code>InvalidAction</Code>"));
    // STS: its own namespace; AssumeRole goes through IAM.
    let r = handle(&mut e, 0, &query_req("sts", "Action=GetCallerIdentity&Version=2011-06-15"), "rid");
    let text = String::from_utf8(r.body).unwrap();
    assert!(text.starts_with("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><UserId>123456789012</UserId>"), "{text}");
    let r = handle(&mut e, 0, &query_req("sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr1&RoleSessionName=s1"), "rid");
    let text = String::from_utf8(r.body).unwrap();
    assert_eq!(r.status, 200, "{text}");
    assert!(text.contains("<AssumedRoleUser><AssumedRoleId>AROA"), "{text}");
    // A GET query string works too.
    let mut get = query_req("iam", "");
    get.method = "GET".into();
    get.path = "/?Action=ListRoles&Version=2010-05-08".into();
    let r = handle(&mut e, 0, &get, "rid");
    assert!(String::from_utf8(r.body).unwrap().contains("<RoleName>r1</RoleName>"));
}

/// AssumeRoleWithWebIdentity comes unsigned (no credential scope): routed to STS by its Action.
#[test]
fn an_unsigned_assume_role_with_web_identity_goes_to_sts() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut r =
        query_req("sts", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr1&RoleSessionName=s1&WebIdentityToken=a.b.c");
    r.headers.retain(|(k, _)| k != "Authorization");
    let out = handle(&mut e, 0, &r, "rid");
    let text = String::from_utf8(out.body).unwrap();
    assert_eq!(out.status, 400, "{text}");
    assert!(text.contains("<Code>InvalidIdentityToken</Code>"), "{text}");
    // Other unsigned Query actions are not routed.
    let mut r = query_req("sts", "Action=GetCallerIdentity&Version=2011-06-15");
    r.headers.retain(|(k, _)| k != "Authorization");
    let text = String::from_utf8(handle(&mut e, 0, &r, "rid").body).unwrap();
    assert!(text.contains("could not tell which AWS service"), "{text}");
}

#[test]
fn execute_api_by_host_and_by_path() {
    let get =
        |path: &str, host: &str| HttpRequest { method: "GET".into(), path: path.into(), headers: vec![("Host".into(), host.into()), ("X-A".into(), "1".into())], body: Vec::new() };
    let (region, input) = execute_api(&get("/prod/items/7?x=1", "abc123defg.execute-api.eu-west-1.amazonaws.com")).expect("by host");
    assert_eq!(region, "eu-west-1");
    assert_eq!(
        (input["restApiId"].as_str(), input["stage"].as_str(), input["path"].as_str(), input["queryString"].as_str()),
        (Some("abc123defg"), Some("prod"), Some("/items/7"), Some("x=1"))
    );
    assert_eq!(input["multiValueHeaders"]["X-A"], serde_json::json!(["1"]));
    let (region, input) = execute_api(&get("/prod", "abc123defg.execute-api.localhost:4566")).expect("by host, local");
    assert_eq!((region.as_str(), input["path"].as_str()), ("us-east-1", Some("/")));
    let (_, input) = execute_api(&get("/restapis/abc123defg/dev/_user_request_/a/b", "localhost:4566")).expect("by path");
    assert_eq!((input["stage"].as_str(), input["path"].as_str(), input["rawPath"].as_str()), (Some("dev"), Some("/a/b"), Some("/dev/a/b")));
    // HTTP APIs read the whole path after the host (`$default` has no stage segment).
    let (_, input) = execute_api(&get("/items/7", "abc123defg.execute-api.localhost")).expect("by host");
    assert_eq!(input["rawPath"].as_str(), Some("/items/7"));
    assert!(execute_api(&get("/restapis/abc123defg/resources", "localhost")).is_none());
    assert!(execute_api(&get("/restapis", "localhost")).is_none());
    // An unknown API answers as AWS does, over HTTP.
    let mut e = Engine::new(EngineConfig::default(), 0);
    let r = handle(&mut e, 0, &get("/restapis/nope/prod/_user_request_/", "localhost"), "rid");
    assert_eq!((r.status, body(&r)), (403, serde_json::json!({ "message": "Missing Authentication Token" })));
    assert_eq!(r.header("x-amzn-ErrorType"), Some("MissingAuthenticationTokenException"));
}

#[test]
fn a_user_pools_well_known_documents_are_served() {
    let mut e = Engine::new(EngineConfig::default(), 0);
    let mut create = req(Some("AWSCognitoIdentityProviderService.CreateUserPool"), r#"{"PoolName": "p"}"#);
    create.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
    let out = handle(&mut e, 0, &create, "rid");
    assert_eq!(out.status, 200);
    let pool = body(&out)["UserPool"]["Id"].as_str().unwrap().to_string();
    let get = |path: String| HttpRequest { method: "GET".into(), path, ..Default::default() };
    let jwks = handle(&mut e, 0, &get(format!("/{pool}/.well-known/jwks.json")), "r");
    assert_eq!(jwks.status, 200);
    assert_eq!(body(&jwks)["keys"][0]["alg"], "RS256");
    let oidc = handle(&mut e, 0, &get(format!("/{pool}/.well-known/openid-configuration")), "r");
    assert_eq!(body(&oidc)["issuer"], format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"));
    assert_eq!(handle(&mut e, 0, &get("/us-east-1_missing/.well-known/jwks.json".into()), "r").status, 400);
    assert_eq!(cognito_well_known(&get("/x/.well-known/jwks.json".into()), "/x/.well-known/jwks.json"), None);
    assert_eq!(cognito_well_known(&get("/us-east-1_a/.well-known/other".into()), "/us-east-1_a/.well-known/other"), None);
}

#[test]
fn http_api_routes_are_told_from_rest_api_routes_by_path() {
    use super::rest;
    let req = |method: &str, path: &str| HttpRequest { method: method.into(), path: path.into(), headers: Vec::new(), body: b"{\"name\":\"a\"}".to_vec() };
    let v2 = rest::service_for(Some("apigateway"), "/v2/apis/abc/routes").expect("v2");
    let (route, input) = rest::parse(v2.routes, &req("POST", "/v2/apis/abc/routes")).expect("route").expect("input");
    assert_eq!((route.service, route.operation, input["apiId"].as_str()), ("apigatewayv2", "CreateRoute", Some("abc")));
    let v1 = rest::service_for(Some("apigateway"), "/restapis/abc").expect("v1");
    assert_eq!(v1.title, "API Gateway");
    assert_eq!(rest::service_for(Some("apigateway"), "/unknown").map(|s| s.title), Some("API Gateway"));
    assert_eq!(rest::service_for(None, "/v2/apis").map(|s| s.title), Some("API Gateway v2"));
}
