//! Lambda triggers (event shapes, responses applied, failures as Cognito's errors), the custom
//! authentication flow, and MFA (RFC 6238 TOTP, SMS codes in the inbox), with a stand-in code
//! runtime whose functions are Rust closures.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};

use super::*;
use crate::{
    kernel::runtime::{AwsDoor, CodeRuntime, InvokeJob, InvokeOutcome, InvokeResult},
    services::{cognito::mfa, lambda::code},
};

type Handler = Box<dyn Fn(&Value) -> InvokeOutcome + Send + Sync>;

/// Functions by name: each a closure from the event to an outcome; every event is kept.
#[derive(Default)]
struct Fns {
    handlers: Mutex<BTreeMap<String, Handler>>,
    events: Mutex<Vec<(String, Value)>>,
}

impl CodeRuntime for Fns {
    fn invoke(&self, job: &InvokeJob, _aws: &mut AwsDoor<'_>) -> InvokeResult {
        let event: Value = serde_json::from_slice(&job.payload).unwrap_or(Value::Null);
        self.events.lock().unwrap().push((job.function_name.clone(), event.clone()));
        let outcome = match self.handlers.lock().unwrap().get(&job.function_name) {
            Some(h) => h(&event),
            None => InvokeOutcome::Ok(event.to_string().into_bytes()),
        };
        InvokeResult { outcome, logs: vec![], init_logs: vec![], init_ms: Some(1.0), duration_ms: 1.0, max_memory_mb: 64 }
    }
    fn discard(&self, _environment: &str) {}
    fn discard_all(&self) {}
}

/// A handler that returns the event with `response` set to `r`.
fn respond(r: Value) -> Handler {
    Box::new(move |e| {
        let mut e = e.clone();
        e["response"] = r.clone();
        InvokeOutcome::Ok(e.to_string().into_bytes())
    })
}

fn fail(message: &str) -> Handler {
    let m = message.to_string();
    Box::new(move |_| InvokeOutcome::Error { error_type: "Error".into(), error_message: m.clone(), trace: vec![] })
}

struct T {
    s: Sb,
    fns: Arc<Fns>,
}

impl T {
    fn new() -> Self {
        let mut s = Sb::new();
        let fns = Arc::new(Fns::default());
        s.e.set_runtime(fns.clone());
        T { s, fns }
    }

    /// Creates function `name` (its behaviour is `handler`) and answers its ARN.
    fn function(&mut self, name: &str, handler: Handler) -> String {
        self.fns.handlers.lock().unwrap().insert(name.to_string(), handler);
        let zip = code::zip(&[("index.mjs".to_string(), b"export const handler = async (e) => e;".to_vec())].into_iter().collect());
        let input = json!({ "FunctionName": name, "Runtime": "nodejs22.x", "Role": "arn:aws:iam::123456789012:role/r", "Handler": "index.handler", "Code": { "ZipFile": B64.encode(zip) } });
        let out = self.s.e.call(self.s.t, &Request::new("lambda", "CreateFunction", "us-east-1", input)).expect("CreateFunction");
        self.s.advance(2.0);
        out["FunctionArn"].as_str().unwrap().to_string()
    }

    fn set(&mut self, name: &str, handler: Handler) {
        self.fns.handlers.lock().unwrap().insert(name.to_string(), handler);
    }

    /// (error code, message) of a call that runs a trigger: Lambda journals its own invocation
    /// (metrics, logs), so unlike `Sb::err` this does not ask for an empty journal.
    fn fails(&mut self, op: &str, input: Value) -> (String, String) {
        let e = self.s.call(op, input).expect_err("expected an error");
        (e.kind, e.message)
    }

    /// The events function `name` got, in order.
    fn events(&self, name: &str) -> Vec<Value> {
        self.fns.events.lock().unwrap().iter().filter(|(n, _)| n == name).map(|(_, e)| e.clone()).collect()
    }
}

fn claims(token: &Value) -> serde_json::Map<String, Value> {
    decode_claims(token.as_str().expect("a token")).expect("claims")
}

#[test]
fn lambda_config_is_kept_described_updated_and_checked() {
    let mut t = T::new();
    let f = "arn:aws:lambda:us-east-1:123456789012:function:f";
    let pool = t.s.pool(json!({ "LambdaConfig": { "PreSignUp": f, "PreTokenGenerationConfig": { "LambdaArn": f, "LambdaVersion": "V2_0" } } }));
    let d = t.s.ok("DescribeUserPool", json!({ "UserPoolId": pool }))["UserPool"]["LambdaConfig"].clone();
    assert_eq!(d, json!({ "PreSignUp": f, "PreTokenGeneration": f, "PreTokenGenerationConfig": { "LambdaArn": f, "LambdaVersion": "V2_0" } }));
    assert_eq!(t.s.ok("ListUserPools", json!({ "MaxResults": 5 }))["UserPools"][0]["LambdaConfig"]["PreSignUp"], f);
    // UpdateUserPool sets what it is given and resets what it is not, as AWS does.
    t.s.ok("UpdateUserPool", json!({ "UserPoolId": pool, "LambdaConfig": { "PostConfirmation": f } }));
    assert_eq!(t.s.ok("DescribeUserPool", json!({ "UserPoolId": pool }))["UserPool"]["LambdaConfig"], json!({ "PostConfirmation": f }));
    t.s.ok("UpdateUserPool", json!({ "UserPoolId": pool }));
    assert_eq!(t.s.ok("DescribeUserPool", json!({ "UserPoolId": pool }))["UserPool"]["LambdaConfig"], json!({}));
    // Not simulated, malformed, or inconsistent: refused, nothing changed.
    let e = t.s.err("CreateUserPool", json!({ "PoolName": "x", "LambdaConfig": { "UserMigration": f } }));
    assert_eq!(e.0, "InvalidParameterException");
    assert!(e.1.contains("UserMigration") && e.1.contains("not supported"), "{}", e.1);
    assert_eq!(t.s.err("CreateUserPool", json!({ "PoolName": "x", "LambdaConfig": { "PreSignUp": "nope" } })).0, "InvalidParameterException");
    assert_eq!(t.s.err("CreateUserPool", json!({ "PoolName": "x", "LambdaConfig": { "PreSignUp": 5 } })).0, "SerializationException");
    assert_eq!(t.s.err("CreateUserPool", json!({ "PoolName": "x", "LambdaConfig": { "Bogus": f } })).0, "SerializationException");
    let other = "arn:aws:lambda:us-east-1:123456789012:function:g";
    assert_eq!(
        t.s.err(
            "UpdateUserPool",
            json!({ "UserPoolId": pool, "LambdaConfig": { "PreTokenGeneration": f, "PreTokenGenerationConfig": { "LambdaArn": other, "LambdaVersion": "V1_0" } } })
        )
        .0,
        "InvalidParameterException"
    );
    assert_eq!(t.s.err("UpdateUserPool", json!({ "UserPoolId": pool, "Schema": [] })).0, "InvalidParameterException");
}

#[test]
fn pre_sign_up_sees_the_request_and_can_confirm_and_verify() {
    let mut t = T::new();
    let f = t.function("presignup", respond(json!({ "autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false })));
    let pool = t.s.pool(json!({ "LambdaConfig": { "PreSignUp": f } }));
    let (client, _) = t.s.client(&pool, json!({}));
    let out = t.s.ok(
        "SignUp",
        json!({ "ClientId": client, "Username": "ana", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "ana@example.com" }],
                "ValidationData": [{ "Name": "invite", "Value": "x1" }], "ClientMetadata": { "source": "web" } }),
    );
    assert_eq!(out["UserConfirmed"], true);
    assert!(out.get("CodeDeliveryDetails").is_none(), "no code for a confirmed user: {out}");
    let e = &t.events("presignup")[0];
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["userPoolId"], pool.as_str());
    assert_eq!(e["userName"], "ana");
    assert_eq!(e["callerContext"]["clientId"], client.as_str());
    assert!(e["callerContext"]["awsSdkVersion"].is_string());
    assert_eq!(e["request"]["userAttributes"], json!({ "email": "ana@example.com" }));
    assert_eq!(e["request"]["validationData"], json!({ "invite": "x1" }));
    assert_eq!(e["request"]["clientMetadata"], json!({ "source": "web" }));
    assert_eq!(e["response"], json!({ "autoConfirmUser": false, "autoVerifyPhone": false, "autoVerifyEmail": false }));
    let u = t.s.ok("AdminGetUser", json!({ "UserPoolId": pool, "Username": "ana" }));
    assert_eq!(u["UserStatus"], "CONFIRMED");
    assert!(u["UserAttributes"].as_array().unwrap().iter().any(|a| a["Name"] == "email_verified" && a["Value"] == "true"));
    // The user signs in at once.
    assert!(t.s.password_auth(&client, "ana", PW).unwrap()["AuthenticationResult"]["IdToken"].is_string());
}

#[test]
fn trigger_failures_are_cognitos_errors_and_leave_no_user() {
    let mut t = T::new();
    let f = t.function("gate", fail("Sign-ups are closed"));
    let pool = t.s.pool(json!({ "LambdaConfig": { "PreSignUp": f } }));
    let (client, _) = t.s.client(&pool, json!({}));
    let sign_up = json!({ "ClientId": client, "Username": "bo", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "bo@example.com" }] });
    assert_eq!(t.fails("SignUp", sign_up.clone()), ("UserLambdaValidationException".into(), "PreSignUp failed with error Sign-ups are closed.".into()));
    t.set("gate", Box::new(|_| InvokeOutcome::Timeout));
    let e = t.fails("SignUp", sign_up.clone());
    assert_eq!(e.0, "UnexpectedLambdaException");
    assert!(e.1.contains("PreSignUp") && e.1.contains("timeout"), "{}", e.1);
    t.set("gate", Box::new(|_| InvokeOutcome::Ok(b"\"junk\"".to_vec())));
    assert_eq!(t.fails("SignUp", sign_up.clone()), ("InvalidLambdaResponseException".into(), "Unrecognizable lambda output".into()));
    t.set("gate", Box::new(|_| InvokeOutcome::Ok(b"not json".to_vec())));
    assert_eq!(t.fails("SignUp", sign_up.clone()).0, "InvalidLambdaResponseException");
    t.set("gate", respond(json!({ "autoConfirmUser": "yes" })));
    assert_eq!(t.fails("SignUp", sign_up.clone()).0, "InvalidLambdaResponseException");
    assert_eq!(t.s.err("AdminGetUser", json!({ "UserPoolId": pool, "Username": "bo" })).0, "UserNotFoundException");
    // A trigger naming a function that does not exist.
    let pool2 = t.s.pool(json!({ "LambdaConfig": { "PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:missing" } }));
    let (client2, _) = t.s.client(&pool2, json!({}));
    let mut su = sign_up.clone();
    su["ClientId"] = json!(client2);
    assert_eq!(t.fails("SignUp", su).0, "UnexpectedLambdaException");
    // Passes when the function lets it.
    t.set("gate", respond(json!({})));
    assert_eq!(t.s.ok("SignUp", sign_up)["UserConfirmed"], false);
}

#[test]
fn custom_message_rewrites_codes_and_must_keep_the_placeholder() {
    let mut t = T::new();
    let f = t.function(
        "msg",
        Box::new(|e| {
            let mut e = e.clone();
            let code = e["request"]["codeParameter"].as_str().unwrap().to_string();
            e["response"]["emailSubject"] = json!(format!("Welcome via {}", e["triggerSource"].as_str().unwrap()));
            e["response"]["emailMessage"] = json!(format!("Hello {}, your code is {code}", e["userName"].as_str().unwrap()));
            InvokeOutcome::Ok(e.to_string().into_bytes())
        }),
    );
    let pool = t.s.pool(json!({ "LambdaConfig": { "CustomMessage": f } }));
    let (client, _) = t.s.client(&pool, json!({}));
    t.s.ok(
        "SignUp",
        json!({ "ClientId": client, "Username": "cy", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "cy@example.com" }], "ClientMetadata": { "lang": "en" } }),
    );
    let mail = t.s.last_mail("cy@example.com");
    assert_eq!(mail["Subject"], "Welcome via CustomMessage_SignUp");
    let text = mail["Text"].as_str().unwrap();
    assert!(text.starts_with("Hello cy, your code is "), "{text}");
    let e = &t.events("msg")[0];
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["clientMetadata"], json!({ "lang": "en" }));
    assert_eq!(e["request"]["userAttributes"]["email"], "cy@example.com");
    let code = t.s.code_for("cy@example.com");
    t.s.ok("ConfirmSignUp", json!({ "ClientId": client, "Username": "cy", "ConfirmationCode": code }));
    t.s.ok("ForgotPassword", json!({ "ClientId": client, "Username": "cy" }));
    assert_eq!(t.s.last_mail("cy@example.com")["Subject"], "Welcome via CustomMessage_ForgotPassword");
    // A message without the code is refused.
    t.set("msg", respond(json!({ "emailMessage": "no code here" })));
    assert_eq!(t.s.call("ResendConfirmationCode", json!({ "ClientId": client, "Username": "cy" })).unwrap_err().kind, "InvalidParameterException");
    let e = t.s.call("ForgotPassword", json!({ "ClientId": client, "Username": "cy" })).unwrap_err();
    assert_eq!(e.kind, "InvalidLambdaResponseException");
}

#[test]
fn post_confirmation_runs_after_confirming() {
    let mut t = T::new();
    let f = t.function("welcome", respond(json!({})));
    let pool = t.s.pool(json!({ "LambdaConfig": { "PostConfirmation": f } }));
    let (client, _) = t.s.client(&pool, json!({}));
    t.s.user(&client, "di", "di@example.com");
    let e = &t.events("welcome")[0];
    assert_eq!(e["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(e["request"]["userAttributes"]["email_verified"], "true");
    assert_eq!(e["request"]["userAttributes"]["cognito:user_status"], "CONFIRMED");
    assert_eq!(e["response"], json!({}));
    // A failing trigger fails the call; the user stays confirmed, as on AWS.
    t.set("welcome", fail("db down"));
    t.s.ok("SignUp", json!({ "ClientId": client, "Username": "ed", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "ed@example.com" }] }));
    let code = t.s.code_for("ed@example.com");
    let e = t.s.call("ConfirmSignUp", json!({ "ClientId": client, "Username": "ed", "ConfirmationCode": code })).unwrap_err();
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("UserLambdaValidationException", "PostConfirmation failed with error db down."));
    assert_eq!(t.s.ok("AdminGetUser", json!({ "UserPoolId": pool, "Username": "ed" }))["UserStatus"], "CONFIRMED");
}

#[test]
fn pre_and_post_authentication() {
    let mut t = T::new();
    let pre = t.function("pre", respond(json!({})));
    let post = t.function("post", respond(json!({})));
    let pool = t.s.pool(json!({ "LambdaConfig": { "PreAuthentication": pre, "PostAuthentication": post } }));
    let (client, _) = t.s.client(&pool, json!({}));
    t.s.user(&client, "fay", "fay@example.com");
    let out =
        t.s.call(
            "InitiateAuth",
            json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "fay", "PASSWORD": PW }, "ClientMetadata": { "k": "v" } }),
        )
        .unwrap();
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
    let e = &t.events("pre")[0];
    assert_eq!(e["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(e["request"]["validationData"], json!({ "k": "v" }));
    assert_eq!(e["request"]["userNotFound"], false);
    let e = &t.events("post")[0];
    assert_eq!(e["triggerSource"], "PostAuthentication_Authentication");
    assert_eq!(e["request"]["newDeviceUsed"], false);
    // SRP runs the pre authentication trigger at its first step.
    t.s.srp_sign_in(&pool, &client, "fay", PW).unwrap();
    assert_eq!(t.events("pre").len(), 2);
    assert_eq!(t.events("post").len(), 2);
    // Refreshing runs neither.
    let refresh = out["AuthenticationResult"]["RefreshToken"].clone();
    t.s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }));
    assert_eq!(t.events("pre").len(), 2);
    // A failing pre authentication blocks the sign-in before the password is checked.
    t.set("pre", fail("Locked"));
    assert_eq!(t.s.password_auth(&client, "fay", "wrong").unwrap_err().message, "PreAuthentication failed with error Locked.");
    t.set("pre", respond(json!({})));
    t.set("post", fail("audit"));
    assert_eq!(t.s.password_auth(&client, "fay", PW).unwrap_err().message, "PostAuthentication failed with error audit.");
}

#[test]
fn pre_token_generation_v1_and_v2_change_the_tokens() {
    let mut t = T::new();
    let f = t.function(
        "claims",
        respond(json!({ "claimsOverrideDetails": {
            "claimsToAddOrOverride": { "tier": "gold", "email": "other@example.com", "sub": "not-allowed" },
            "claimsToSuppress": ["email_verified"],
            "groupOverrideDetails": { "groupsToOverride": ["vip"], "iamRolesToOverride": ["arn:aws:iam::123456789012:role/vip"], "preferredRole": "arn:aws:iam::123456789012:role/vip" } } })),
    );
    let pool = t.s.pool(json!({ "LambdaConfig": { "PreTokenGeneration": f } }));
    let (client, _) = t.s.client(&pool, json!({}));
    t.s.user(&client, "gus", "gus@example.com");
    let r = t.s.password_auth(&client, "gus", PW).unwrap()["AuthenticationResult"].clone();
    let id = claims(&r["IdToken"]);
    assert_eq!(id["tier"], "gold");
    assert_eq!(id["email"], "other@example.com");
    assert!(!id.contains_key("email_verified"));
    assert_ne!(id["sub"], "not-allowed");
    assert_eq!(id["cognito:groups"], json!(["vip"]));
    assert_eq!(id["cognito:preferred_role"], "arn:aws:iam::123456789012:role/vip");
    let access = claims(&r["AccessToken"]);
    assert_eq!(access["cognito:groups"], json!(["vip"]));
    assert!(!access.contains_key("tier"), "V1 changes the ID token only");
    // The tokens still verify against the pool's keys.
    let jwks = t.s.jwks(&pool);
    assert!(verify_jwt(
        r["IdToken"].as_str().unwrap(),
        &jwks,
        &Expect { issuer: &format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"), token_use: Some("id"), clients: &[], now_ms: t.s.now_ms() }
    )
    .is_ok());
    let e = &t.events("claims")[0];
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(e["request"]["groupConfiguration"], json!({ "groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": null }));
    assert_eq!(e["response"], json!({ "claimsOverrideDetails": null }));
    // Refreshing runs it too, with its own source.
    t.s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": r["RefreshToken"] } }));
    assert_eq!(t.events("claims")[1]["triggerSource"], "TokenGeneration_RefreshTokens");

    // V2: the access token and scopes.
    t.set(
        "claims",
        respond(json!({ "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": { "claimsToAddOrOverride": { "plan": { "seats": 3 } } },
            "accessTokenGeneration": { "claimsToAddOrOverride": { "tenant": "t-1" }, "claimsToSuppress": ["username"], "scopesToAdd": ["orders/read"], "scopesToSuppress": [] } } })),
    );
    t.s.ok("UpdateUserPool", json!({ "UserPoolId": pool, "LambdaConfig": { "PreTokenGenerationConfig": { "LambdaArn": f, "LambdaVersion": "V2_0" } } }));
    let r = t.s.password_auth(&client, "gus", PW).unwrap()["AuthenticationResult"].clone();
    assert_eq!(claims(&r["IdToken"])["plan"], json!({ "seats": 3 }));
    let access = claims(&r["AccessToken"]);
    assert_eq!(access["tenant"], "t-1");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin orders/read");
    assert_eq!(access["username"], "gus", "reserved claims stay");
    let e = t.events("claims").last().cloned().unwrap();
    assert_eq!(e["version"], "2");
    assert_eq!(e["request"]["scopes"], json!(["aws.cognito.signin.user.admin"]));
    // A malformed answer fails the sign-in.
    t.set("claims", respond(json!({ "claimsAndScopeOverrideDetails": "nope" })));
    assert_eq!(t.s.password_auth(&client, "gus", PW).unwrap_err().kind, "InvalidLambdaResponseException");
}

/// AWS's documented custom challenge: three tries at a secret answer.
fn custom_auth_pool(t: &mut T) -> (String, String) {
    let define = t.function(
        "define",
        Box::new(|e| {
            let session = e["request"]["session"].as_array().cloned().unwrap_or_default();
            let mut e = e.clone();
            let last = session.last();
            if last.is_some_and(|l| l["challengeName"] == "CUSTOM_CHALLENGE" && l["challengeResult"] == true) {
                e["response"]["issueTokens"] = json!(true);
                e["response"]["failAuthentication"] = json!(false);
            } else if session.iter().filter(|c| c["challengeName"] == "CUSTOM_CHALLENGE").count() >= 3 {
                e["response"]["issueTokens"] = json!(false);
                e["response"]["failAuthentication"] = json!(true);
            } else if last.is_some_and(|l| l["challengeName"] == "SRP_A") {
                e["response"]["challengeName"] = json!("PASSWORD_VERIFIER");
            } else {
                e["response"]["challengeName"] = json!("CUSTOM_CHALLENGE");
            }
            InvokeOutcome::Ok(e.to_string().into_bytes())
        }),
    );
    let create =
        t.function("create", respond(json!({ "publicChallengeParameters": { "question": "2+2?" }, "privateChallengeParameters": { "answer": "4" }, "challengeMetadata": "MATH" })));
    let verify = t.function(
        "verify",
        Box::new(|e| {
            let mut e = e.clone();
            e["response"]["answerCorrect"] = json!(e["request"]["privateChallengeParameters"]["answer"] == e["request"]["challengeAnswer"]);
            InvokeOutcome::Ok(e.to_string().into_bytes())
        }),
    );
    let pool = t.s.pool(json!({ "LambdaConfig": { "DefineAuthChallenge": define, "CreateAuthChallenge": create, "VerifyAuthChallengeResponse": verify } }));
    let (client, _) = t.s.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }));
    t.s.user(&client, "hal", "hal@example.com");
    (pool, client)
}

#[test]
fn custom_auth_runs_define_create_verify() {
    let mut t = T::new();
    let (_pool, client) = custom_auth_pool(&mut t);
    let init = t.s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "hal" } }));
    assert_eq!(init["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(init["ChallengeParameters"], json!({ "question": "2+2?", "USERNAME": "hal" }));
    let d = &t.events("define")[0];
    assert_eq!(d["triggerSource"], "DefineAuthChallenge_Authentication");
    assert_eq!(d["request"]["session"], json!([]));
    let c = &t.events("create")[0];
    assert_eq!(c["triggerSource"], "CreateAuthChallenge_Authentication");
    assert_eq!(c["request"]["challengeName"], "CUSTOM_CHALLENGE");
    // A wrong answer: another challenge, with a new session.
    let wrong = t.s.ok(
        "RespondToAuthChallenge",
        json!({ "ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE", "Session": init["Session"], "ChallengeResponses": { "USERNAME": "hal", "ANSWER": "5" }, "ClientMetadata": { "try": "1" } }),
    );
    assert_eq!(wrong["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_ne!(wrong["Session"], init["Session"]);
    let v = &t.events("verify")[0];
    assert_eq!(v["triggerSource"], "VerifyAuthChallengeResponse_Authentication");
    assert_eq!(v["request"]["challengeAnswer"], "5");
    assert_eq!(v["request"]["privateChallengeParameters"], json!({ "answer": "4" }));
    assert_eq!(v["request"]["clientMetadata"], json!({ "try": "1" }));
    assert_eq!(t.events("define")[1]["request"]["session"], json!([{ "challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "MATH" }]));
    // The old session is spent.
    let e =
        t.s.call(
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE", "Session": init["Session"], "ChallengeResponses": { "USERNAME": "hal", "ANSWER": "4" } }),
        )
        .unwrap_err();
    assert_eq!(e.kind, "NotAuthorizedException");
    let ok = t.s.ok(
        "RespondToAuthChallenge",
        json!({ "ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE", "Session": wrong["Session"], "ChallengeResponses": { "USERNAME": "hal", "ANSWER": "4" } }),
    );
    assert!(ok["AuthenticationResult"]["IdToken"].is_string(), "{ok}");
    // Three wrong answers fail the sign-in.
    let mut r = t.s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "hal" } }));
    for i in 0..3 {
        let out = t.s.call(
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE", "Session": r["Session"], "ChallengeResponses": { "USERNAME": "hal", "ANSWER": "x" } }),
        );
        if i < 2 {
            r = out.unwrap();
        } else {
            assert_eq!(out.unwrap_err().message, "Incorrect username or password.");
        }
    }
}

#[test]
fn custom_auth_after_srp_and_without_triggers() {
    let mut t = T::new();
    let (pool, client) = custom_auth_pool(&mut t);
    let mut rng = Rng::seeded(5);
    let c = srp::Client::new(&mut rng);
    let init = t.s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "hal", "SRP_A": c.srp_a() } }));
    assert_eq!(init["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(t.events("define")[0]["request"]["session"], json!([{ "challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null }]));
    let p = &init["ChallengeParameters"];
    let pool_name = pool.split_once('_').unwrap().1;
    let key = c.key(pool_name, "hal", PW, p["SALT"].as_str().unwrap(), p["SRP_B"].as_str().unwrap()).unwrap();
    let ts = srp::timestamp(t.s.now_ms());
    let block = p["SECRET_BLOCK"].as_str().unwrap().to_string();
    let sig = srp::claim_signature(&key, pool_name, "hal", &b64_decode(&block).unwrap(), &ts);
    let next = t.s.ok(
        "RespondToAuthChallenge",
        json!({ "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "Session": init["Session"], "ChallengeResponses": { "USERNAME": "hal", "PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": b64(&sig), "TIMESTAMP": ts } }),
    );
    assert_eq!(next["ChallengeName"], "CUSTOM_CHALLENGE");
    let session = t.events("create")[0]["request"]["session"].clone();
    assert_eq!(session[1], json!({ "challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null }));
    let done = t.s.ok(
        "RespondToAuthChallenge",
        json!({ "ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE", "Session": next["Session"], "ChallengeResponses": { "USERNAME": "hal", "ANSWER": "4" } }),
    );
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());

    // A pool without the triggers refuses CUSTOM_AUTH.
    let plain = t.s.pool(json!({}));
    let (c2, _) = t.s.client(&plain, json!({ "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH"] }));
    let e = t.s.err("InitiateAuth", json!({ "ClientId": c2, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "x" } }));
    assert_eq!(e, ("InvalidParameterException".into(), "Custom auth lambda trigger is not configured for the user pool.".into()));
}

#[test]
fn totp_matches_rfc_6238_vectors() {
    // RFC 6238 appendix B, SHA-1, 8 digits: the seed "12345678901234567890".
    let seed = b"12345678901234567890";
    for (t, want) in [(59u64, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")] {
        assert_eq!(mfa::hotp(seed, t / 30, 8), want, "T = {t}");
    }
    let secret = mfa::base32(seed);
    assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert_eq!(mfa::base32_decode(&secret).unwrap(), seed.to_vec());
    assert_eq!(mfa::totp(&secret, 59).unwrap(), "287082");
    // One step either side is accepted, not two; a step already used is not.
    assert_eq!(mfa::totp_step(&secret, "287082", 59 + 30, None), Some(1));
    assert_eq!(mfa::totp_step(&secret, "287082", 59 + 60, None), None);
    assert_eq!(mfa::totp_step(&secret, "287082", 59, Some(1)), None);
}

#[test]
fn totp_mfa_setup_and_sign_in() {
    let mut t = T::new();
    let pool = t.s.pool(json!({}));
    let (client, _) = t.s.client(&pool, json!({}));
    t.s.user(&client, "ivy", "ivy@example.com");
    assert_eq!(t.s.err("SetUserPoolMfaConfig", json!({ "UserPoolId": pool, "MfaConfiguration": "ON" })).0, "InvalidParameterException");
    let cfg = t.s.ok("SetUserPoolMfaConfig", json!({ "UserPoolId": pool, "SoftwareTokenMfaConfiguration": { "Enabled": true }, "MfaConfiguration": "ON" }));
    assert_eq!(cfg, json!({ "SoftwareTokenMfaConfiguration": { "Enabled": true }, "MfaConfiguration": "ON" }));
    assert_eq!(t.s.ok("GetUserPoolMfaConfig", json!({ "UserPoolId": pool })), cfg);
    assert_eq!(t.s.ok("DescribeUserPool", json!({ "UserPoolId": pool }))["UserPool"]["MfaConfiguration"], "ON");

    // First sign-in: MFA_SETUP, associate and verify with the session, then tokens.
    let init = t.s.password_auth(&client, "ivy", PW).unwrap();
    assert_eq!(init["ChallengeName"], "MFA_SETUP");
    assert_eq!(init["ChallengeParameters"]["MFAS_CAN_SETUP"], "[\"SOFTWARE_TOKEN_MFA\"]");
    let assoc = t.s.ok("AssociateSoftwareToken", json!({ "Session": init["Session"] }));
    let secret = assoc["SecretCode"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32);
    let now_s = t.s.now_ms() / 1000;
    let wrong = if mfa::totp(&secret, now_s).unwrap() == "000000" { "111111" } else { "000000" };
    assert_eq!(t.s.err("VerifySoftwareToken", json!({ "Session": assoc["Session"], "UserCode": wrong })).0, "EnableSoftwareTokenMFAException");
    let v = t.s.ok("VerifySoftwareToken", json!({ "Session": assoc["Session"], "UserCode": mfa::totp(&secret, now_s).unwrap(), "FriendlyDeviceName": "phone" }));
    assert_eq!(v["Status"], "SUCCESS");
    let tokens =
        t.s.ok("RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "MFA_SETUP", "Session": v["Session"], "ChallengeResponses": { "USERNAME": "ivy" } }));
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    let user = t.s.ok("AdminGetUser", json!({ "UserPoolId": pool, "Username": "ivy" }));
    assert_eq!(user["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));

    // Later sign-ins: SOFTWARE_TOKEN_MFA with a code for the current 30-second step.
    t.s.advance(30.0);
    let init = t.s.password_auth(&client, "ivy", PW).unwrap();
    assert_eq!(init["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let respond = |code: &str| json!({ "ClientId": client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": init["Session"], "ChallengeResponses": { "USERNAME": "ivy", "SOFTWARE_TOKEN_MFA_CODE": code } });
    let now_s = t.s.now_ms() / 1000;
    assert_eq!(
        t.s.err("RespondToAuthChallenge", respond(&mfa::totp(&secret, now_s - 300).unwrap())),
        ("CodeMismatchException".into(), "Invalid code or auth state for the user.".into())
    );
    let code = mfa::totp(&secret, now_s).unwrap();
    assert!(t.s.ok("RespondToAuthChallenge", respond(&code))["AuthenticationResult"]["IdToken"].is_string());
    // The same code does not work twice.
    let again = t.s.password_auth(&client, "ivy", PW).unwrap();
    let e = t.s.call("RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": again["Session"], "ChallengeResponses": { "USERNAME": "ivy", "SOFTWARE_TOKEN_MFA_CODE": code } }));
    assert_eq!(e.unwrap_err().kind, "CodeMismatchException");

    // With an access token: associate, verify, prefer.
    t.s.ok("SetUserPoolMfaConfig", json!({ "UserPoolId": pool, "MfaConfiguration": "OPTIONAL" }));
    t.s.user(&client, "jo", "jo@example.com");
    let access = t.s.password_auth(&client, "jo", PW).unwrap()["AuthenticationResult"]["AccessToken"].clone();
    assert_eq!(t.s.err("SetUserMFAPreference", json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true } })).0, "InvalidParameterException");
    let secret = t.s.ok("AssociateSoftwareToken", json!({ "AccessToken": access }))["SecretCode"].as_str().unwrap().to_string();
    let now_s = t.s.now_ms() / 1000;
    assert_eq!(t.s.ok("VerifySoftwareToken", json!({ "AccessToken": access, "UserCode": mfa::totp(&secret, now_s).unwrap() }))["Status"], "SUCCESS");
    // OPTIONAL: no challenge until the user turns it on.
    assert!(t.s.password_auth(&client, "jo", PW).unwrap()["AuthenticationResult"].is_object());
    t.s.ok("SetUserMFAPreference", json!({ "AccessToken": access, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }));
    assert_eq!(t.s.password_auth(&client, "jo", PW).unwrap()["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert_eq!(t.s.err("VerifySoftwareToken", json!({ "AccessToken": access, "UserCode": "12ab56" })).0, "InvalidParameterException");
    assert_eq!(t.s.err("AssociateSoftwareToken", json!({})).0, "InvalidParameterException");
}

#[test]
fn sms_mfa_code_goes_to_the_phones_inbox() {
    let mut t = T::new();
    let pool = t.s.pool(
        json!({ "MfaConfiguration": "OPTIONAL", "SmsConfiguration": { "SnsCallerArn": "arn:aws:iam::123456789012:role/sms" }, "SmsAuthenticationMessage": "Sign-in code {####}" }),
    );
    let (client, _) = t.s.client(&pool, json!({}));
    t.s.user(&client, "kim", "kim@example.com");
    t.s.ok("AdminUpdateUserAttributes", json!({ "UserPoolId": pool, "Username": "kim", "UserAttributes": [{ "Name": "phone_number", "Value": "+15555550100" }, { "Name": "phone_number_verified", "Value": "true" }] }));
    t.s.ok("AdminSetUserMFAPreference", json!({ "UserPoolId": pool, "Username": "kim", "SMSMfaSettings": { "Enabled": true, "PreferredMfa": true } }));
    let init = t.s.password_auth(&client, "kim", PW).unwrap();
    assert_eq!(init["ChallengeName"], "SMS_MFA");
    assert_eq!(init["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert_eq!(init["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"], "+*******0100");
    let text = t.s.last_mail("+15555550100")["Text"].as_str().unwrap().to_string();
    assert!(text.starts_with("Sign-in code "), "{text}");
    let code = t.s.code_for("+15555550100");
    let respond =
        |code: &str| json!({ "ClientId": client, "ChallengeName": "SMS_MFA", "Session": init["Session"], "ChallengeResponses": { "USERNAME": "kim", "SMS_MFA_CODE": code } });
    assert_eq!(t.s.err("RespondToAuthChallenge", respond(if code == "123456" { "654321" } else { "123456" })).0, "CodeMismatchException");
    assert!(t.s.ok("RespondToAuthChallenge", respond(&code))["AuthenticationResult"]["IdToken"].is_string());
}

#[test]
fn triggers_and_mfa_state_survive_a_restore() {
    let mut t = T::new();
    let f = t.function("presignup", respond(json!({ "autoConfirmUser": true })));
    let pool = t.s.pool(json!({ "LambdaConfig": { "PreSignUp": f } }));
    t.s.ok("SetUserPoolMfaConfig", json!({ "UserPoolId": pool, "SoftwareTokenMfaConfiguration": { "Enabled": true }, "MfaConfiguration": "OPTIONAL" }));
    let before = t.s.ok("DescribeUserPool", json!({ "UserPoolId": pool }));
    let mut e2 = Engine::restore(EngineConfig::default(), t.s.t, t.s.img.clone().into_records()).expect("restore");
    let after = e2.call(t.s.t, &Request::new("cognito-idp", "DescribeUserPool", "us-east-1", json!({ "UserPoolId": pool }))).unwrap();
    assert_eq!(after["UserPool"]["LambdaConfig"], before["UserPool"]["LambdaConfig"]);
    let mfa = e2.call(t.s.t, &Request::new("cognito-idp", "GetUserPoolMfaConfig", "us-east-1", json!({ "UserPoolId": pool }))).unwrap();
    assert_eq!(mfa["SoftwareTokenMfaConfiguration"]["Enabled"], true);
}

#[test]
fn junk_from_any_trigger_never_panics() {
    let mut t = T::new();
    let answers: Vec<Value> = vec![
        json!(null),
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!({ "response": 5 }),
        json!({ "response": { "autoConfirmUser": [1], "issueTokens": "yes", "challengeName": 7, "answerCorrect": {}, "emailMessage": 3 } }),
        json!({ "response": { "claimsOverrideDetails": { "claimsToAddOrOverride": [1], "claimsToSuppress": "x", "groupOverrideDetails": 1 } } }),
        json!({ "response": { "claimsOverrideDetails": { "groupOverrideDetails": { "groupsToOverride": [1], "preferredRole": 2 } } } }),
        json!({ "response": { "publicChallengeParameters": { "a": 1 }, "privateChallengeParameters": [], "challengeMetadata": {} } }),
        json!({ "response": { "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false } }),
        json!({ "response": { "challengeName": "PASSWORD_VERIFIER" } }),
        json!({ "response": { "issueTokens": true } }),
    ];
    let which = Arc::new(Mutex::new(0usize));
    let (w, list) = (which.clone(), answers.clone());
    let f = t.function(
        "junk",
        Box::new(move |_| {
            let i = *w.lock().unwrap();
            InvokeOutcome::Ok(list[i % list.len()].to_string().into_bytes())
        }),
    );
    let mut config = serde_json::Map::new();
    for name in super::super::triggers::SIMULATED {
        config.insert(name.to_string(), json!(f));
    }
    let pool = t.s.pool(json!({ "LambdaConfig": config }));
    let (client, _) = t.s.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }));
    t.s.ok("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "zed", "MessageAction": "SUPPRESS" }));
    t.s.ok("AdminSetUserPassword", json!({ "UserPoolId": pool, "Username": "zed", "Password": PW, "Permanent": true }));
    for i in 0..answers.len() {
        *which.lock().unwrap() = i;
        let _ = t.s.call(
            "SignUp",
            json!({ "ClientId": client, "Username": format!("u{i}"), "Password": PW, "UserAttributes": [{ "Name": "email", "Value": format!("u{i}@example.com") }] }),
        );
        let _ = t.s.password_auth(&client, "zed", PW);
        let _ = t.s.call("ForgotPassword", json!({ "ClientId": client, "Username": "zed" }));
        if let Ok(r) = t.s.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "zed" } })) {
            let _ = t.s.call(
                "RespondToAuthChallenge",
                json!({ "ClientId": client, "ChallengeName": "CUSTOM_CHALLENGE", "Session": r["Session"], "ChallengeResponses": { "USERNAME": "zed", "ANSWER": "a" } }),
            );
        }
        let _ = t.s.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": { "USERNAME": "zed", "SRP_A": "02" } }));
    }
    // The pool still answers.
    t.s.ok("DescribeUserPool", json!({ "UserPoolId": pool }));
}
