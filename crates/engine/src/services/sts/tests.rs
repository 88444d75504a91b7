//! STS through the engine: the caller's identity, and AssumeRole checked against the role's
//! trust policy, with credentials that expire on the virtual clock.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_795_608_000_000;

fn trust(principal: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#)
}

fn call(e: &mut Engine, service: &str, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(T0, &Request::new(service, op, "us-east-1", input))
}

#[test]
fn caller_identity_is_the_account_root() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let id = call(&mut e, "sts", "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(id, json!({"UserId": "123456789012", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root"}));
}

#[test]
fn assume_role_checks_the_trust_policy() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    call(&mut e, "iam", "CreateRole", json!({"RoleName": "admin", "AssumeRolePolicyDocument": trust(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#), "MaxSessionDuration": 7200}))
        .unwrap();
    call(&mut e, "iam", "CreateRole", json!({"RoleName": "fn", "AssumeRolePolicyDocument": trust(r#"{"Service":"lambda.amazonaws.com"}"#)})).unwrap();
    let out = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/admin", "RoleSessionName": "me", "DurationSeconds": "900"})).unwrap();
    let creds = &out["Credentials"];
    let key = creds["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(creds["SecretAccessKey"].as_str().unwrap().len(), 40);
    assert_eq!(creds["Expiration"], "2026-01-01T00:15:00Z");
    assert_eq!(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::123456789012:assumed-role/admin/me");
    assert!(out["AssumedRoleUser"]["AssumedRoleId"].as_str().unwrap().starts_with("AROA"));
    assert!(out["AssumedRoleUser"]["AssumedRoleId"].as_str().unwrap().ends_with(":me"));
    // A session is a record, so a later caller can resolve the key.
    assert!(e.snapshot().iter().any(|r| r.key == format!("sts/global/session/{key}")));

    let denied = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/fn", "RoleSessionName": "me"})).unwrap_err();
    assert_eq!(denied.kind, "AccessDenied");
    assert_eq!(denied.status, 403);
    assert_eq!(denied.message, "User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/fn");
    let missing = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/ghost", "RoleSessionName": "me"})).unwrap_err();
    assert_eq!(missing.kind, "AccessDenied");
    let too_long = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/admin", "RoleSessionName": "me", "DurationSeconds": 7201})).unwrap_err();
    assert_eq!(too_long.message, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    let short = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/admin", "RoleSessionName": "me", "DurationSeconds": 899})).unwrap_err();
    assert_eq!(short.kind, "ValidationError");
    let name = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/admin", "RoleSessionName": "a b"})).unwrap_err();
    assert_eq!(name.kind, "ValidationError");
    let mfa = call(&mut e, "sts", "AssumeRole", json!({"RoleArn": "arn:aws:iam::123456789012:role/admin", "RoleSessionName": "me", "SerialNumber": "x"})).unwrap_err();
    assert_eq!(mfa.message, "SerialNumber is not supported by AssumeRole in the Gureum sandbox.");
}

#[test]
fn external_id_and_session_tags_are_conditions_of_the_trust_policy() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"secret-42"}}}]}"#;
    call(&mut e, "iam", "CreateRole", json!({"RoleName": "partner", "AssumeRolePolicyDocument": doc})).unwrap();
    let arn = "arn:aws:iam::123456789012:role/partner";
    assert_eq!(call(&mut e, "sts", "AssumeRole", json!({"RoleArn": arn, "RoleSessionName": "ss"})).unwrap_err().kind, "AccessDenied");
    assert_eq!(call(&mut e, "sts", "AssumeRole", json!({"RoleArn": arn, "RoleSessionName": "ss", "ExternalId": "wrong"})).unwrap_err().kind, "AccessDenied");
    call(&mut e, "sts", "AssumeRole", json!({"RoleArn": arn, "RoleSessionName": "ss", "ExternalId": "secret-42"})).unwrap();
    // Session tags need sts:TagSession in the trust policy.
    let tagged =
        call(&mut e, "sts", "AssumeRole", json!({"RoleArn": arn, "RoleSessionName": "ss", "ExternalId": "secret-42", "Tags": [{"Key": "team", "Value": "red"}]})).unwrap_err();
    assert_eq!(tagged.message, "User: arn:aws:iam::123456789012:root is not authorized to perform: sts:TagSession on resource: arn:aws:iam::123456789012:role/partner");
    let both = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
    call(&mut e, "iam", "UpdateAssumeRolePolicy", json!({"RoleName": "partner", "PolicyDocument": both})).unwrap();
    call(&mut e, "sts", "AssumeRole", json!({"RoleArn": arn, "RoleSessionName": "ss", "Tags": [{"Key": "team", "Value": "red"}]})).unwrap();
}

#[test]
fn assume_role_with_web_identity_refuses_bad_input() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    let arn = "arn:aws:iam::123456789012:role/web";
    let missing = call(&mut e, "sts", "AssumeRoleWithWebIdentity", json!({"RoleArn": arn, "RoleSessionName": "me"})).unwrap_err();
    assert_eq!(missing.kind, "ValidationError");
    let short = call(&mut e, "sts", "AssumeRoleWithWebIdentity", json!({"RoleArn": arn, "RoleSessionName": "me", "WebIdentityToken": "abcd", "DurationSeconds": 100})).unwrap_err();
    assert_eq!(short.kind, "ValidationError");
    let provider =
        call(&mut e, "sts", "AssumeRoleWithWebIdentity", json!({"RoleArn": arn, "RoleSessionName": "me", "WebIdentityToken": "abcd", "ProviderId": "www.amazon.com"})).unwrap_err();
    assert_eq!(provider.message, "ProviderId is not supported by AssumeRoleWithWebIdentity in the Gureum sandbox.");
    let junk = call(&mut e, "sts", "AssumeRoleWithWebIdentity", json!({"RoleArn": arn, "RoleSessionName": "me", "WebIdentityToken": "a.b.c"})).unwrap_err();
    assert_eq!((junk.kind.as_str(), junk.status), ("InvalidIdentityToken", 400));
}
