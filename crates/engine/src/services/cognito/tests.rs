//! Cognito user pools against AWS's documented behaviour: pools, clients, sign-up with codes in
//! the simulated inbox, sign-in (password, SRP with a client written here, refresh), challenges,
//! tokens and their verification, admin operations, groups, persistence, and bad input.

use serde_json::{json, Value};

use super::{
    crypto::{self, b64, b64_decode, decode_claims, secret_hash, verify_jwt, Expect},
    srp,
};
use crate::{
    kernel::rng::Rng,
    store::{encode_batch, Image},
    Engine, EngineConfig, Request,
};

const T0: i64 = 1_790_000_000_000;
const PW: &str = "Passw0rd!";

struct Sb {
    e: Engine,
    t: i64,
    img: Image,
}

impl Sb {
    fn new() -> Self {
        let mut s = Sb { e: Engine::new(EngineConfig::default(), T0), t: T0, img: Image::default() };
        s.e.control(s.t, "PauseClock", &json!({})).expect("pause");
        s
    }

    fn commit(&mut self) {
        let changes = self.e.take_changes();
        if !changes.is_empty() {
            self.img.apply_segment(&encode_batch(&changes)).expect("apply");
        }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        let r = self.e.call(self.t, &Request::new("cognito-idp", op, "us-east-1", input));
        self.commit();
        r
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call(op, input).unwrap_or_else(|err| panic!("{op} failed: {err:?}"))
    }

    /// (error code, message); the failed call journaled nothing.
    fn err(&mut self, op: &str, input: Value) -> (String, String) {
        self.commit();
        let er = self.e.call(self.t, &Request::new("cognito-idp", op, "us-east-1", input)).expect_err("expected an error");
        assert!(self.e.take_changes().is_empty(), "{op} failed with {er:?} but journaled changes");
        (er.kind, er.message)
    }

    fn control(&mut self, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        let r = self.e.control(self.t, op, &input);
        self.commit();
        r
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(self.t, "AdvanceClock", &json!({ "seconds": seconds })).expect("advance");
        self.commit();
    }

    fn now_ms(&self) -> i64 {
        self.e.now_ms(self.t)
    }

    /// The newest message in a mailbox, in full.
    fn last_mail(&mut self, mailbox: &str) -> Value {
        let list = self.control("ses:ListInboxMessages", json!({ "Mailbox": mailbox })).expect("inbox");
        let id = list["Messages"][0]["Id"].clone();
        assert!(!id.is_null(), "no mail for {mailbox}");
        self.control("ses:GetInboxMessage", json!({ "Id": id })).expect("message")
    }

    fn code_for(&mut self, mailbox: &str) -> String {
        let text = self.last_mail(mailbox)["Text"].as_str().unwrap_or("").to_string();
        text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a 6-digit code").to_string()
    }

    fn pool(&mut self, extra: Value) -> String {
        let mut input = json!({ "PoolName": "users", "AutoVerifiedAttributes": ["email"] });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            input[k] = v;
        }
        self.ok("CreateUserPool", input)["UserPool"]["Id"].as_str().unwrap().to_string()
    }

    fn client(&mut self, pool: &str, extra: Value) -> (String, Option<String>) {
        let mut input = json!({ "UserPoolId": pool, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"] });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            input[k] = v;
        }
        let c = self.ok("CreateUserPoolClient", input)["UserPoolClient"].clone();
        (c["ClientId"].as_str().unwrap().to_string(), c["ClientSecret"].as_str().map(str::to_string))
    }

    /// Signs `name` up with an email and confirms with the code from the inbox.
    fn user(&mut self, client: &str, name: &str, email: &str) {
        self.ok("SignUp", json!({ "ClientId": client, "Username": name, "Password": PW, "UserAttributes": [{ "Name": "email", "Value": email }] }));
        let code = self.code_for(email);
        self.ok("ConfirmSignUp", json!({ "ClientId": client, "Username": name, "ConfirmationCode": code }));
    }

    fn password_auth(&mut self, client: &str, name: &str, password: &str) -> Result<Value, crate::AwsError> {
        self.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": name, "PASSWORD": password } }))
    }

    fn jwks(&mut self, pool: &str) -> Value {
        self.control("cognito-idp:GetJwks", json!({ "UserPoolId": pool })).expect("jwks")
    }

    /// USER_SRP_AUTH as amazon-cognito-identity-js runs it.
    fn srp_sign_in(&mut self, pool: &str, client: &str, name: &str, password: &str) -> Result<Value, crate::AwsError> {
        let mut rng = Rng::seeded(99);
        let c = srp::Client::new(&mut rng);
        let init = self.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": name, "SRP_A": c.srp_a() } }))?;
        assert_eq!(init["ChallengeName"], "PASSWORD_VERIFIER");
        let p = &init["ChallengeParameters"];
        let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap().to_string();
        let pool_name = pool.split_once('_').unwrap().1;
        let key = c.key(pool_name, &user_id, password, p["SALT"].as_str().unwrap(), p["SRP_B"].as_str().unwrap()).expect("key");
        let ts = srp::timestamp(self.now_ms());
        let block = p["SECRET_BLOCK"].as_str().unwrap().to_string();
        let sig = srp::claim_signature(&key, pool_name, &user_id, &b64_decode(&block).unwrap(), &ts);
        self.call(
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": {
                "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": b64(&sig), "TIMESTAMP": ts } }),
        )
    }
}

fn kind(e: (String, String)) -> String {
    e.0
}

#[test]
fn pools_clients_and_their_descriptions() {
    let mut s = Sb::new();
    let out = s.ok(
        "CreateUserPool",
        json!({
            "PoolName": "app",
            "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"],
            "MfaConfiguration": "OFF",
            "Policies": { "PasswordPolicy": { "MinimumLength": 10, "RequireUppercase": true, "RequireLowercase": true, "RequireNumbers": false, "RequireSymbols": false } },
            "Schema": [{ "Name": "tier", "AttributeDataType": "String", "Mutable": true }, { "Name": "email", "AttributeDataType": "String", "Required": true }],
            "UserPoolTags": { "team": "a" },
        }),
    );
    let pool = &out["UserPool"];
    let id = pool["Id"].as_str().unwrap();
    assert!(id.starts_with("us-east-1_") && id.len() == 19, "{id}");
    assert_eq!(pool["Arn"], format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{id}"));
    assert_eq!(pool["Policies"]["PasswordPolicy"]["MinimumLength"], 10);
    assert_eq!(pool["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"], 7);
    assert_eq!(pool["UsernameAttributes"], json!(["email"]));
    let schema = pool["SchemaAttributes"].as_array().unwrap();
    assert!(schema.iter().any(|a| a["Name"] == "custom:tier" && a["Mutable"] == true));
    assert!(schema.iter().any(|a| a["Name"] == "email" && a["Required"] == true));
    assert_eq!(s.ok("DescribeUserPool", json!({ "UserPoolId": id }))["UserPool"], *pool);
    let list = s.ok("ListUserPools", json!({ "MaxResults": 10 }));
    assert_eq!(list["UserPools"][0]["Id"], *id);

    // Errors with AWS's words.
    assert_eq!(s.err("ListUserPools", json!({})).0, "InvalidParameterException");
    assert_eq!(s.err("DescribeUserPool", json!({ "UserPoolId": "us-east-1_nope" })), ("ResourceNotFoundException".into(), "User pool us-east-1_nope does not exist.".into()));
    assert_eq!(kind(s.err("CreateUserPool", json!({ "PoolName": "x", "UsernameAttributes": ["email"], "AliasAttributes": ["email"] }))), "InvalidParameterException");
    assert_eq!(
        kind(s.err("CreateUserPool", json!({ "PoolName": "x", "Schema": [{ "Name": "c", "AttributeDataType": "String", "Required": true }] }))),
        "InvalidParameterException"
    );
    assert_eq!(
        kind(s.err("CreateUserPool", json!({ "PoolName": "x", "LambdaConfig": { "UserMigration": "arn:aws:lambda:us-east-1:123456789012:function:f" } }))),
        "InvalidParameterException"
    );
    assert_eq!(kind(s.err("CreateUserPool", json!({ "PoolName": 5 }))), "SerializationException");

    // Clients: a secret, flows, validity.
    let c = s.ok(
        "CreateUserPoolClient",
        json!({ "UserPoolId": id, "ClientName": "srv", "GenerateSecret": true, "AccessTokenValidity": 30, "TokenValidityUnits": { "AccessToken": "minutes" } }),
    )["UserPoolClient"]
        .clone();
    assert_eq!(c["ClientId"].as_str().unwrap().len(), 26);
    assert_eq!(c["ClientSecret"].as_str().unwrap().len(), 51);
    assert_eq!(c["ExplicitAuthFlows"], json!(["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]));
    assert_eq!(c["AccessTokenValidity"], 30);
    assert_eq!(c["TokenValidityUnits"]["AccessToken"], "minutes");
    let d = s.ok("DescribeUserPoolClient", json!({ "UserPoolId": id, "ClientId": c["ClientId"] }));
    assert_eq!(d["UserPoolClient"], c);
    assert_eq!(s.ok("ListUserPoolClients", json!({ "UserPoolId": id }))["UserPoolClients"][0]["ClientName"], "srv");
    assert_eq!(kind(s.err("CreateUserPoolClient", json!({ "UserPoolId": id, "ClientName": "x", "AccessTokenValidity": 25 }))), "InvalidParameterException");
    assert_eq!(kind(s.err("CreateUserPoolClient", json!({ "UserPoolId": id, "ClientName": "x", "ExplicitAuthFlows": ["NOPE"] }))), "InvalidParameterException");

    // Deletion protection, then delete.
    let protected = s.pool(json!({ "DeletionProtection": "ACTIVE" }));
    assert_eq!(kind(s.err("DeleteUserPool", json!({ "UserPoolId": protected }))), "InvalidParameterException");
    s.ok("DeleteUserPool", json!({ "UserPoolId": id }));
    assert_eq!(kind(s.err("DescribeUserPool", json!({ "UserPoolId": id }))), "ResourceNotFoundException");
    assert_eq!(kind(s.err("InitiateAuth", json!({ "ClientId": c["ClientId"], "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {} }))), "ResourceNotFoundException");
}

#[test]
fn sign_up_codes_arrive_in_the_inbox_and_confirm() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({}));
    let out = s.ok("SignUp", json!({ "ClientId": client, "Username": "alice", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "alice@example.com" }] }));
    assert_eq!(out["UserConfirmed"], false);
    assert_eq!(out["CodeDeliveryDetails"], json!({ "Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email" }));
    let mail = s.last_mail("alice@example.com");
    assert_eq!(mail["Subject"], "Your verification code");
    assert_eq!(mail["From"], "no-reply@verificationemail.com");
    let code = s.code_for("alice@example.com");

    // Not confirmed yet: sign-in says so once the password is right.
    assert_eq!(s.password_auth(&client, "alice", PW).unwrap_err().kind, "UserNotConfirmedException");
    assert_eq!(s.password_auth(&client, "alice", "Wrong0rd!").unwrap_err().message, "Incorrect username or password.");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        s.err("ConfirmSignUp", json!({ "ClientId": client, "Username": "alice", "ConfirmationCode": wrong })),
        ("CodeMismatchException".into(), "Invalid verification code provided, please try again.".into())
    );
    assert_eq!(
        s.err("ConfirmSignUp", json!({ "ClientId": client, "Username": "bob", "ConfirmationCode": code })),
        ("UserNotFoundException".into(), "Username/client id combination not found.".into())
    );
    s.ok("ConfirmSignUp", json!({ "ClientId": client, "Username": "alice", "ConfirmationCode": code }));
    assert_eq!(
        s.err("ConfirmSignUp", json!({ "ClientId": client, "Username": "alice", "ConfirmationCode": code })),
        ("NotAuthorizedException".into(), "User cannot be confirmed. Current status is CONFIRMED".into())
    );
    let user = s.ok("AdminGetUser", json!({ "UserPoolId": pool, "Username": "alice" }));
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert!(user["UserAttributes"].as_array().unwrap().contains(&json!({ "Name": "email_verified", "Value": "true" })));
    assert!(s.password_auth(&client, "alice", PW).unwrap()["AuthenticationResult"]["IdToken"].is_string());

    // Duplicates, the password policy, resend, expiry on the virtual clock.
    assert_eq!(s.err("SignUp", json!({ "ClientId": client, "Username": "alice", "Password": PW })), ("UsernameExistsException".into(), "User already exists".into()));
    for (pw, msg) in [
        ("Sh0rt!", "Password not long enough"),
        ("password1!", "Password must have uppercase characters"),
        ("PASSWORD1!", "Password must have lowercase characters"),
        ("Password!!", "Password must have numeric characters"),
        ("Password11", "Password must have symbol characters"),
    ] {
        let e = s.err("SignUp", json!({ "ClientId": client, "Username": "carol", "Password": pw }));
        assert_eq!(e, ("InvalidPasswordException".into(), format!("Password did not conform with policy: {msg}")));
    }
    s.ok("SignUp", json!({ "ClientId": client, "Username": "dave", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "dave@example.com" }] }));
    let first = s.code_for("dave@example.com");
    s.advance(25.0 * 3600.0);
    assert_eq!(kind(s.err("ConfirmSignUp", json!({ "ClientId": client, "Username": "dave", "ConfirmationCode": first }))), "ExpiredCodeException");
    let again = s.ok("ResendConfirmationCode", json!({ "ClientId": client, "Username": "dave" }));
    assert_eq!(again["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let second = s.code_for("dave@example.com");
    s.ok("ConfirmSignUp", json!({ "ClientId": client, "Username": "dave", "ConfirmationCode": second }));

    // Without auto-verification no code goes out; an admin confirms.
    let quiet = s.pool(json!({ "AutoVerifiedAttributes": [] }));
    let (qc, _) = s.client(&quiet, json!({}));
    let out = s.ok("SignUp", json!({ "ClientId": qc, "Username": "erin", "Password": PW }));
    assert!(out.get("CodeDeliveryDetails").is_none());
    s.ok("AdminConfirmSignUp", json!({ "UserPoolId": quiet, "Username": "erin" }));
    assert_eq!(s.ok("AdminGetUser", json!({ "UserPoolId": quiet, "Username": "erin" }))["UserStatus"], "CONFIRMED");
}

#[test]
fn email_as_username_files_users_under_their_sub() {
    let mut s = Sb::new();
    let pool = s.pool(json!({ "UsernameAttributes": ["email"] }));
    let (client, _) = s.client(&pool, json!({}));
    assert_eq!(s.err("SignUp", json!({ "ClientId": client, "Username": "alice", "Password": PW })), ("InvalidParameterException".into(), "Username should be an email.".into()));
    let out = s.ok("SignUp", json!({ "ClientId": client, "Username": "Alice@Example.com", "Password": PW }));
    let sub = out["UserSub"].as_str().unwrap().to_string();
    let code = s.code_for("alice@example.com");
    s.ok("ConfirmSignUp", json!({ "ClientId": client, "Username": "Alice@Example.com", "ConfirmationCode": code }));
    assert_eq!(
        s.err("SignUp", json!({ "ClientId": client, "Username": "alice@example.com", "Password": PW })),
        ("UsernameExistsException".into(), "An account with the given email already exists.".into())
    );
    let user = s.ok("AdminGetUser", json!({ "UserPoolId": pool, "Username": "alice@example.com" }));
    assert_eq!(user["Username"], sub);
    let tokens = s.password_auth(&client, "alice@example.com", PW).unwrap()["AuthenticationResult"].clone();
    let id = decode_claims(tokens["IdToken"].as_str().unwrap()).unwrap();
    assert_eq!(id["cognito:username"], sub);
    assert_eq!(id["email"], "Alice@Example.com");
    assert_eq!(id["email_verified"], true);
    // SRP names the user by sub in USER_ID_FOR_SRP, and the client hashes that.
    let srp = s.srp_sign_in(&pool, &client, "alice@example.com", PW).expect("srp");
    assert!(srp["AuthenticationResult"]["AccessToken"].is_string());
}

#[test]
fn tokens_carry_aws_claims_and_verify() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({ "IdTokenValidity": 2, "AccessTokenValidity": 3 }));
    s.user(&client, "alice", "alice@example.com");
    s.ok("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "admins", "Precedence": 1, "RoleArn": "arn:aws:iam::123456789012:role/Admin" }));
    s.ok("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "readers", "Precedence": 0 }));
    assert_eq!(kind(s.err("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "admins" }))), "GroupExistsException");
    s.ok("AdminAddUserToGroup", json!({ "UserPoolId": pool, "Username": "alice", "GroupName": "admins" }));
    s.ok("AdminAddUserToGroup", json!({ "UserPoolId": pool, "Username": "alice", "GroupName": "readers" }));
    let groups = s.ok("AdminListGroupsForUser", json!({ "UserPoolId": pool, "Username": "alice" }));
    assert_eq!(groups["Groups"].as_array().unwrap().len(), 2);
    assert_eq!(kind(s.err("AdminAddUserToGroup", json!({ "UserPoolId": pool, "Username": "alice", "GroupName": "nope" }))), "ResourceNotFoundException");

    let out = s.password_auth(&client, "alice", PW).unwrap();
    let r = &out["AuthenticationResult"];
    assert_eq!(r["TokenType"], "Bearer");
    assert_eq!(r["ExpiresIn"], 3 * 3600);
    let now = s.now_ms() / 1000;
    let id = decode_claims(r["IdToken"].as_str().unwrap()).unwrap();
    let access = decode_claims(r["AccessToken"].as_str().unwrap()).unwrap();
    let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
    assert_eq!(id["iss"], iss.as_str());
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["cognito:groups"], json!(["readers", "admins"]));
    assert_eq!(id["cognito:preferred_role"], "arn:aws:iam::123456789012:role/Admin");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["iat"], now);
    assert_eq!(id["auth_time"], now);
    assert_eq!(id["exp"], now + 2 * 3600);
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert_eq!(access["sub"], id["sub"]);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
    assert_ne!(access["jti"], id["jti"]);

    // The JWKS verifies both; tampering, the wrong client or use, and expiry do not.
    let jwks = s.jwks(&pool);
    assert_eq!(jwks["keys"][0]["kty"], "RSA");
    assert_eq!(jwks["keys"][0]["e"], "AQAB");
    let header: Value =
        serde_json::from_slice(&base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, r["IdToken"].as_str().unwrap().split('.').next().unwrap()).unwrap())
            .unwrap();
    assert_eq!(header, json!({ "kid": jwks["keys"][0]["kid"], "alg": "RS256" }));
    let clients = [client.as_str()];
    let expect = |use_: &'static str, now_ms: i64| Expect { issuer: Box::leak(iss.clone().into_boxed_str()), token_use: Some(use_), clients: Box::leak(Box::new(clients)), now_ms };
    let now_ms = s.now_ms();
    assert!(verify_jwt(r["IdToken"].as_str().unwrap(), &jwks, &expect("id", now_ms)).is_ok());
    assert!(verify_jwt(r["AccessToken"].as_str().unwrap(), &jwks, &expect("access", now_ms)).is_ok());
    assert_eq!(verify_jwt(r["IdToken"].as_str().unwrap(), &jwks, &expect("access", now_ms)), Err(crypto::TokenError::WrongClaim("token_use")));
    let other = Expect { issuer: &iss, token_use: Some("id"), clients: &["someone-else"], now_ms };
    assert_eq!(verify_jwt(r["IdToken"].as_str().unwrap(), &jwks, &other), Err(crypto::TokenError::WrongClaim("aud")));
    assert_eq!(verify_jwt(r["IdToken"].as_str().unwrap(), &jwks, &expect("id", now_ms + 2 * 3600 * 1000)), Err(crypto::TokenError::Expired));
    let token = r["IdToken"].as_str().unwrap();
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut claims = id.clone();
    claims.insert("cognito:groups".into(), json!(["admins", "root"]));
    parts[1] = crypto::b64url(Value::Object(claims).to_string().as_bytes());
    assert_eq!(verify_jwt(&parts.join("."), &jwks, &expect("id", now_ms)), Err(crypto::TokenError::BadSignature));
    assert_eq!(verify_jwt("a.b", &jwks, &expect("id", now_ms)), Err(crypto::TokenError::Malformed));
    let other_pool = s.pool(json!({}));
    assert_eq!(verify_jwt(token, &s.jwks(&other_pool), &expect("id", now_ms)), Err(crypto::TokenError::UnknownKey));
    let v = s.control("cognito-idp:VerifyToken", json!({ "Token": token, "TokenUse": "id", "ClientIds": [client] })).expect("verify");
    assert_eq!(v["Claims"]["sub"], id["sub"]);
    let oidc = s.control("cognito-idp:GetOpenIdConfiguration", json!({ "UserPoolId": pool })).expect("oidc");
    assert_eq!(oidc["jwks_uri"], format!("{iss}/.well-known/jwks.json"));

    // Access tokens work for GetUser until they expire (virtual time).
    let at = r["AccessToken"].as_str().unwrap().to_string();
    assert_eq!(s.ok("GetUser", json!({ "AccessToken": at }))["Username"], "alice");
    s.advance(3.0 * 3600.0 + 1.0);
    assert_eq!(s.err("GetUser", json!({ "AccessToken": at })), ("NotAuthorizedException".into(), "Access Token has expired".into()));
    assert_eq!(s.err("GetUser", json!({ "AccessToken": "junk" })), ("NotAuthorizedException".into(), "Invalid Access Token".into()));
}

#[test]
fn refresh_tokens_and_global_sign_out() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({ "RefreshTokenValidity": 1, "TokenValidityUnits": { "RefreshToken": "days" } }));
    s.user(&client, "alice", "alice@example.com");
    let first = s.password_auth(&client, "alice", PW).unwrap()["AuthenticationResult"].clone();
    let refresh = first["RefreshToken"].as_str().unwrap().to_string();
    s.advance(600.0);
    let again =
        s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }))["AuthenticationResult"].clone();
    assert!(again.get("RefreshToken").is_none(), "REFRESH_TOKEN_AUTH gives no new refresh token");
    let (a, b) = (decode_claims(first["IdToken"].as_str().unwrap()).unwrap(), decode_claims(again["IdToken"].as_str().unwrap()).unwrap());
    assert_eq!(a["origin_jti"], b["origin_jti"]);
    assert_eq!(a["auth_time"], b["auth_time"]);
    assert_eq!(b["iat"].as_i64().unwrap() - a["iat"].as_i64().unwrap(), 600);
    assert_eq!(
        kind(s.err("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": "nope" } }))),
        "NotAuthorizedException"
    );

    // GlobalSignOut revokes refresh tokens and the access tokens of those sign-ins.
    let at = again["AccessToken"].as_str().unwrap().to_string();
    s.ok("GlobalSignOut", json!({ "AccessToken": at }));
    assert_eq!(s.err("GetUser", json!({ "AccessToken": at })), ("NotAuthorizedException".into(), "Access Token has been revoked".into()));
    assert_eq!(
        kind(s.err("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }))),
        "NotAuthorizedException"
    );
    // A new sign-in works; its refresh token expires after a virtual day.
    let fresh = s.password_auth(&client, "alice", PW).unwrap()["AuthenticationResult"].clone();
    assert_eq!(s.ok("GetUser", json!({ "AccessToken": fresh["AccessToken"] }))["Username"], "alice");
    s.advance(86_401.0);
    assert_eq!(
        s.err("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN", "AuthParameters": { "REFRESH_TOKEN": fresh["RefreshToken"] } })),
        ("NotAuthorizedException".into(), "Refresh Token has expired".into())
    );
}

#[test]
fn srp_sign_in_is_real_srp() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({}));
    s.user(&client, "alice", "alice@example.com");
    let out = s.srp_sign_in(&pool, &client, "alice", PW).expect("srp sign-in");
    let id = decode_claims(out["AuthenticationResult"]["IdToken"].as_str().unwrap()).unwrap();
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(s.srp_sign_in(&pool, &client, "alice", "Wrong0rd!").unwrap_err().message, "Incorrect username or password.");
    assert_eq!(s.srp_sign_in(&pool, &client, "bob", PW).unwrap_err().kind, "UserNotFoundException");

    // A replayed or stale secret block is refused; a bad A and a bad timestamp too.
    let mut rng = Rng::seeded(5);
    let c = srp::Client::new(&mut rng);
    let init = s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": "alice", "SRP_A": c.srp_a() } }));
    let block = init["ChallengeParameters"]["SECRET_BLOCK"].as_str().unwrap().to_string();
    let respond = |ts: &str| json!({ "ClientId": client, "ChallengeName": "PASSWORD_VERIFIER", "ChallengeResponses": { "USERNAME": "alice", "PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": "AAAA", "TIMESTAMP": ts } });
    assert_eq!(kind(s.err("RespondToAuthChallenge", respond("Tue Nov 03 09:05:07 UTC 2026"))), "InvalidParameterException");
    s.advance(200.0);
    assert_eq!(s.call("RespondToAuthChallenge", respond("Tue Nov 3 09:05:07 UTC 2026")).unwrap_err().message, "Invalid session for the user, session is expired.");
    assert_eq!(
        kind(s.err("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": "alice", "SRP_A": "0" } }))),
        "InvalidParameterException"
    );
    assert_eq!(
        kind(s.err("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": { "USERNAME": "alice", "SRP_A": "xyz" } }))),
        "InvalidParameterException"
    );

    // A flow the client does not allow.
    let (plain, _) = s.client(&pool, json!({ "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"] }));
    assert_eq!(s.password_auth(&plain, "alice", PW).unwrap_err().message, "USER_PASSWORD_AUTH flow not enabled for this client");
    // With PreventUserExistenceErrors, an unknown user looks like a wrong password.
    let (quiet, _) = s.client(&pool, json!({ "PreventUserExistenceErrors": "ENABLED" }));
    assert_eq!(s.password_auth(&quiet, "nobody", PW).unwrap_err().message, "Incorrect username or password.");
}

#[test]
fn client_secrets_need_secret_hash() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, secret) = s.client(&pool, json!({ "GenerateSecret": true }));
    let secret = secret.unwrap();
    let hash = secret_hash(&secret, "alice", &client);
    assert_eq!(
        s.err("SignUp", json!({ "ClientId": client, "Username": "alice", "Password": PW })),
        ("NotAuthorizedException".into(), format!("Client {client} is configured with secret but SECRET_HASH was not received"))
    );
    assert_eq!(
        s.err("SignUp", json!({ "ClientId": client, "Username": "alice", "Password": PW, "SecretHash": "bad" })),
        ("NotAuthorizedException".into(), format!("Unable to verify secret hash for client {client}"))
    );
    s.ok("SignUp", json!({ "ClientId": client, "Username": "alice", "Password": PW, "SecretHash": hash, "UserAttributes": [{ "Name": "email", "Value": "a@example.com" }] }));
    s.ok("AdminConfirmSignUp", json!({ "UserPoolId": pool, "Username": "alice" }));
    let auth = json!({ "ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": "alice", "PASSWORD": PW, "SECRET_HASH": hash } });
    let out = s.ok("InitiateAuth", auth);
    let refresh = out["AuthenticationResult"]["RefreshToken"].clone();
    s.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh, "SECRET_HASH": hash } }));
    assert_eq!(
        kind(s.err("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": refresh } }))),
        "NotAuthorizedException"
    );
}

#[test]
fn admin_created_users_change_their_temporary_password() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({}));
    let out = s.ok(
        "AdminCreateUser",
        json!({ "UserPoolId": pool, "Username": "bob", "UserAttributes": [{ "Name": "email", "Value": "bob@example.com" }, { "Name": "email_verified", "Value": "true" }], "DesiredDeliveryMediums": ["EMAIL"] }),
    );
    assert_eq!(out["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    let mail = s.last_mail("bob@example.com");
    assert_eq!(mail["Subject"], "Your temporary password");
    let text = mail["Text"].as_str().unwrap();
    let temp = text.strip_prefix("Your username is bob and temporary password is ").unwrap().trim_end().trim_end_matches('.').to_string();
    assert_eq!(kind(s.err("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "bob" }))), "UsernameExistsException");

    let challenge = s.password_auth(&client, "bob", &temp).unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(challenge["ChallengeParameters"]["USER_ID_FOR_SRP"], "bob");
    let session = challenge["Session"].clone();
    assert_eq!(
        kind(s.err(
            "RespondToAuthChallenge",
            json!({ "ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session, "ChallengeResponses": { "USERNAME": "bob", "NEW_PASSWORD": "weak" } })
        )),
        "InvalidPasswordException"
    );
    let done = s.ok("RespondToAuthChallenge", json!({ "ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session, "ChallengeResponses": { "USERNAME": "bob", "NEW_PASSWORD": "N3w-Password", "userAttributes.name": "Bob" } }));
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    let user = s.ok("AdminGetUser", json!({ "UserPoolId": pool, "Username": "bob" }));
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert!(user["UserAttributes"].as_array().unwrap().contains(&json!({ "Name": "name", "Value": "Bob" })));
    assert!(s.srp_sign_in(&pool, &client, "bob", "N3w-Password").is_ok());

    // An expired temporary password; admin password set; disable; delete.
    s.ok("AdminCreateUser", json!({ "UserPoolId": pool, "Username": "carl", "TemporaryPassword": "Temp0rary!", "MessageAction": "SUPPRESS" }));
    s.advance(8.0 * 86_400.0);
    assert_eq!(s.password_auth(&client, "carl", "Temp0rary!").unwrap_err().message, "Temporary password has expired and must be reset by an administrator.");
    s.ok("AdminSetUserPassword", json!({ "UserPoolId": pool, "Username": "carl", "Password": "Perm4nent!", "Permanent": true }));
    assert!(s.password_auth(&client, "carl", "Perm4nent!").unwrap()["AuthenticationResult"].is_object());
    s.ok("AdminDisableUser", json!({ "UserPoolId": pool, "Username": "carl" }));
    assert_eq!(s.password_auth(&client, "carl", "Perm4nent!").unwrap_err().message, "User is disabled.");
    s.ok("AdminEnableUser", json!({ "UserPoolId": pool, "Username": "carl" }));
    s.ok("AdminDeleteUser", json!({ "UserPoolId": pool, "Username": "carl" }));
    assert_eq!(s.err("AdminGetUser", json!({ "UserPoolId": pool, "Username": "carl" })), ("UserNotFoundException".into(), "User does not exist.".into()));
}

#[test]
fn list_users_filters() {
    let mut s = Sb::new();
    let pool = s.pool(json!({ "AutoVerifiedAttributes": [] }));
    for (n, e) in [("ann", "ann@a.com"), ("andy", "andy@b.com"), ("bea", "bea@a.com")] {
        s.ok("AdminCreateUser", json!({ "UserPoolId": pool, "Username": n, "MessageAction": "SUPPRESS", "UserAttributes": [{ "Name": "email", "Value": e }] }));
    }
    let names = |v: &Value| v["Users"].as_array().unwrap().iter().map(|u| u["Username"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&s.ok("ListUsers", json!({ "UserPoolId": pool }))), ["andy", "ann", "bea"]);
    assert_eq!(names(&s.ok("ListUsers", json!({ "UserPoolId": pool, "Filter": "username ^= \"an\"" }))), ["andy", "ann"]);
    assert_eq!(names(&s.ok("ListUsers", json!({ "UserPoolId": pool, "Filter": "email = \"bea@a.com\"" }))), ["bea"]);
    assert_eq!(names(&s.ok("ListUsers", json!({ "UserPoolId": pool, "Filter": "cognito:user_status = \"FORCE_CHANGE_PASSWORD\"" }))).len(), 3);
    let page = s.ok("ListUsers", json!({ "UserPoolId": pool, "Limit": 2 }));
    assert_eq!(names(&page), ["andy", "ann"]);
    let rest = s.ok("ListUsers", json!({ "UserPoolId": pool, "Limit": 2, "PaginationToken": page["PaginationToken"] }));
    assert_eq!(names(&rest), ["bea"]);
    let only = s.ok("ListUsers", json!({ "UserPoolId": pool, "AttributesToGet": ["email"], "Limit": 1 }));
    assert_eq!(only["Users"][0]["Attributes"], json!([{ "Name": "email", "Value": "andy@b.com" }]));
    assert_eq!(s.err("ListUsers", json!({ "UserPoolId": pool, "Filter": "email ~ x" })), ("InvalidParameterException".into(), "Error while parsing filter.".into()));
}

#[test]
fn self_service_attributes_passwords_and_recovery() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({}));
    s.user(&client, "alice", "alice@example.com");
    let at = s.password_auth(&client, "alice", PW).unwrap()["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_string();

    // A new email needs verifying: a code goes to the new address.
    let out = s.ok("UpdateUserAttributes", json!({ "AccessToken": at, "UserAttributes": [{ "Name": "email", "Value": "new@example.com" }] }));
    assert_eq!(out["CodeDeliveryDetailsList"][0]["Destination"], "n***@e***");
    let code = s.code_for("new@example.com");
    let user = s.ok("GetUser", json!({ "AccessToken": at }));
    assert!(user["UserAttributes"].as_array().unwrap().contains(&json!({ "Name": "email_verified", "Value": "false" })));
    s.ok("VerifyUserAttribute", json!({ "AccessToken": at, "AttributeName": "email", "Code": code }));
    let user = s.ok("GetUser", json!({ "AccessToken": at }));
    assert!(user["UserAttributes"].as_array().unwrap().contains(&json!({ "Name": "email_verified", "Value": "true" })));
    assert_eq!(kind(s.err("UpdateUserAttributes", json!({ "AccessToken": at, "UserAttributes": [{ "Name": "custom:nope", "Value": "1" }] }))), "InvalidParameterException");
    assert_eq!(kind(s.err("UpdateUserAttributes", json!({ "AccessToken": at, "UserAttributes": [{ "Name": "email", "Value": "not-an-email" }] }))), "InvalidParameterException");

    // ChangePassword checks the old one.
    assert_eq!(
        s.err("ChangePassword", json!({ "AccessToken": at, "PreviousPassword": "Wrong0rd!", "ProposedPassword": "An0ther-one" })),
        ("NotAuthorizedException".into(), "Incorrect username or password.".into())
    );
    s.ok("ChangePassword", json!({ "AccessToken": at, "PreviousPassword": PW, "ProposedPassword": "An0ther-one" }));
    assert!(s.password_auth(&client, "alice", "An0ther-one").is_ok());
    assert!(s.srp_sign_in(&pool, &client, "alice", "An0ther-one").is_ok());

    // Forgot password: a code to the verified email, an hour to use it.
    let out = s.ok("ForgotPassword", json!({ "ClientId": client, "Username": "alice" }));
    assert_eq!(out["CodeDeliveryDetails"]["AttributeName"], "email");
    let code = s.code_for("new@example.com");
    s.advance(3601.0);
    assert_eq!(
        kind(s.err("ConfirmForgotPassword", json!({ "ClientId": client, "Username": "alice", "ConfirmationCode": code, "Password": "Rec0vered!" }))),
        "ExpiredCodeException"
    );
    s.ok("ForgotPassword", json!({ "ClientId": client, "Username": "alice" }));
    let code = s.code_for("new@example.com");
    s.ok("ConfirmForgotPassword", json!({ "ClientId": client, "Username": "alice", "ConfirmationCode": code, "Password": "Rec0vered!" }));
    assert!(s.password_auth(&client, "alice", "Rec0vered!").is_ok());
    assert_eq!(s.password_auth(&client, "alice", "An0ther-one").unwrap_err().message, "Incorrect username or password.");

    // An admin reset forces the reset flow.
    s.ok("AdminResetUserPassword", json!({ "UserPoolId": pool, "Username": "alice" }));
    assert_eq!(s.password_auth(&client, "alice", "Rec0vered!").unwrap_err().kind, "PasswordResetRequiredException");
}

#[test]
fn state_survives_restore() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({}));
    s.user(&client, "alice", "alice@example.com");
    s.ok("CreateGroup", json!({ "UserPoolId": pool, "GroupName": "g" }));
    s.ok("AdminAddUserToGroup", json!({ "UserPoolId": pool, "Username": "alice", "GroupName": "g" }));
    let first = s.password_auth(&client, "alice", PW).unwrap()["AuthenticationResult"].clone();
    let jwks = s.jwks(&pool);
    s.ok("SignUp", json!({ "ClientId": client, "Username": "bob", "Password": PW, "UserAttributes": [{ "Name": "email", "Value": "bob@example.com" }] }));
    let code = s.code_for("bob@example.com");

    assert_eq!(s.img.clone().into_records(), s.e.snapshot(), "journal replay equals the snapshot");
    let restored = Engine::restore(EngineConfig::default(), s.t, s.img.clone().into_records()).expect("restore");
    assert_eq!(restored.snapshot(), s.e.snapshot());
    let mut r = Sb { e: restored, t: s.t, img: s.img.clone() };
    assert_eq!(r.jwks(&pool), jwks, "the key survives");
    assert_eq!(r.ok("GetUser", json!({ "AccessToken": first["AccessToken"] }))["Username"], "alice");
    r.ok("InitiateAuth", json!({ "ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": { "REFRESH_TOKEN": first["RefreshToken"] } }));
    r.ok("ConfirmSignUp", json!({ "ClientId": client, "Username": "bob", "ConfirmationCode": code }));
    assert!(r.srp_sign_in(&pool, &client, "alice", PW).is_ok());
    assert_eq!(r.ok("AdminListGroupsForUser", json!({ "UserPoolId": pool, "Username": "alice" }))["Groups"][0]["GroupName"], "g");
    r.e.control(r.t, "Reset", &json!({})).expect("reset");
    assert_eq!(r.ok("ListUserPools", json!({ "MaxResults": 60 }))["UserPools"], json!([]));
}

#[test]
fn bad_input_never_panics() {
    let mut s = Sb::new();
    let pool = s.pool(json!({}));
    let (client, _) = s.client(&pool, json!({}));
    s.user(&client, "alice", "alice@example.com");
    let ops = [
        "CreateUserPool",
        "DescribeUserPool",
        "ListUserPools",
        "DeleteUserPool",
        "CreateUserPoolClient",
        "DescribeUserPoolClient",
        "ListUserPoolClients",
        "SignUp",
        "ConfirmSignUp",
        "ResendConfirmationCode",
        "AdminCreateUser",
        "AdminGetUser",
        "ListUsers",
        "AdminDeleteUser",
        "AdminConfirmSignUp",
        "AdminSetUserPassword",
        "GetUser",
        "UpdateUserAttributes",
        "ChangePassword",
        "GlobalSignOut",
        "ForgotPassword",
        "ConfirmForgotPassword",
        "CreateGroup",
        "AdminAddUserToGroup",
        "AdminListGroupsForUser",
        "InitiateAuth",
        "AdminInitiateAuth",
        "RespondToAuthChallenge",
        "AdminRespondToAuthChallenge",
        "UpdateUserPool",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
        "AdminSetUserMFAPreference",
        "SetUserPoolMfaConfig",
        "GetUserPoolMfaConfig",
    ];
    let values = [json!(null), json!(1), json!("x"), json!([]), json!({}), json!([1]), json!({ "a": 1 }), json!(""), json!(-1), json!(1e300)];
    let members = [
        "UserPoolId",
        "ClientId",
        "Username",
        "Password",
        "AuthFlow",
        "AuthParameters",
        "ChallengeName",
        "ChallengeResponses",
        "Session",
        "AccessToken",
        "UserAttributes",
        "Filter",
        "Limit",
        "MaxResults",
        "GroupName",
        "PoolName",
        "ClientName",
        "Schema",
        "Policies",
        "LambdaConfig",
        "MfaConfiguration",
        "UserCode",
        "ClientMetadata",
        "ValidationData",
        "SoftwareTokenMfaConfiguration",
        "SmsMfaConfiguration",
        "SMSMfaSettings",
        "SoftwareTokenMfaSettings",
    ];
    for op in ops {
        assert!(s.call(op, json!("not an object")).is_err());
        assert!(s.call(op, json!({})).is_err() || op == "ListUsers" || op == "ListUserPools" || op == "ListUserPoolClients");
        for m in members {
            for v in &values {
                let mut input = json!({ "UserPoolId": pool, "ClientId": client, "Username": "alice" });
                input[m] = v.clone();
                let _ = s.call(op, input);
            }
        }
    }
    for bad in ["", "x", "a.b.c", "eyJ.eyJ.sig", "....", "ey\u{0}.x.y"] {
        assert_eq!(s.err("GetUser", json!({ "AccessToken": bad })).0, "NotAuthorizedException");
    }
    for flow in ["USER_SRP_AUTH", "USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "CUSTOM_AUTH", "NOPE"] {
        let _ =
            s.call("InitiateAuth", json!({ "ClientId": client, "AuthFlow": flow, "AuthParameters": { "USERNAME": "alice", "SRP_A": "ff", "PASSWORD": "", "REFRESH_TOKEN": "" } }));
    }
    assert_eq!(s.err("SomethingElse", json!({})).0, "UnknownOperationException");
}

#[path = "trigger_tests.rs"]
mod trigger_tests;
