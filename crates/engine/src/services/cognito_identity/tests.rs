//! Identity pools against AWS's documented behaviour: pools and roles, GetId for users and
//! guests, OpenID tokens, GetCredentialsForIdentity with role mappings, STS's
//! AssumeRoleWithWebIdentity, and the seed's fine-grained pattern: each signed-in user reads and
//! writes only their own items.

use serde_json::{json, Value};

use crate::kernel::authz::Credentials;
use crate::services::cognito::crypto::decode_claims;
use crate::{AwsError, Engine, EngineConfig, Request};

const T0: i64 = 1_790_000_000_000;
const ACCOUNT: &str = "123456789012";

struct Sb {
    e: Engine,
    t: i64,
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// A trust policy for identity pool `pool`'s identities whose amr has `amr`.
fn trust(pool: &str, amr: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": pool},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}
        }
    }]})
    .to_string()
}

impl Sb {
    fn new() -> Self {
        let mut s = Sb { e: Engine::new(EngineConfig::default(), T0), t: T0 };
        s.e.control(s.t, "PauseClock", &json!({})).expect("pause");
        s
    }

    fn call_as(&mut self, key: Option<&str>, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        let req = Request::new(service, op, "us-east-1", input).signed(key.map(|k| Credentials::AccessKey(k.to_string())));
        self.e.call(self.t, &req)
    }

    fn ok(&mut self, service: &str, op: &str, input: Value) -> Value {
        self.call_as(None, service, op, input.clone()).unwrap_or_else(|e| panic!("{op} {input}: {e:?}"))
    }

    fn fail(&mut self, service: &str, op: &str, input: Value) -> AwsError {
        self.call_as(None, service, op, input.clone()).expect_err(&format!("{op} {input} should fail"))
    }

    fn notes_table(&mut self) {
        self.ok("dynamodb", "CreateTable", json!({"TableName": "Notes", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}));
        self.advance(2.0);
    }

    fn advance(&mut self, seconds: f64) {
        self.e.control(self.t, "AdvanceClock", &json!({ "seconds": seconds })).expect("advance");
    }

    /// A user pool with one app client and users, each signed in: (pool id, client id).
    fn user_pool(&mut self) -> (String, String) {
        let pool = self.ok("cognito-idp", "CreateUserPool", json!({ "PoolName": "users" }))["UserPool"]["Id"].as_str().unwrap().to_string();
        let client = self.ok(
            "cognito-idp",
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "web", "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_string();
        (pool, client)
    }

    /// Creates `name` (with `email`) and signs in: the ID token.
    fn sign_in(&mut self, pool: &str, client: &str, name: &str, email: &str) -> String {
        let exists = self.call_as(None, "cognito-idp", "AdminGetUser", json!({ "UserPoolId": pool, "Username": name })).is_ok();
        if !exists {
            self.ok(
                "cognito-idp",
                "AdminCreateUser",
                json!({ "UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS", "UserAttributes": [{"Name": "email", "Value": email}] }),
            );
            self.ok("cognito-idp", "AdminSetUserPassword", json!({ "UserPoolId": pool, "Username": name, "Password": "Passw0rd!", "Permanent": true }));
        }
        let out = self.ok(
            "cognito-idp",
            "AdminInitiateAuth",
            json!({ "UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": name, "PASSWORD": "Passw0rd!" } }),
        );
        out["AuthenticationResult"]["IdToken"].as_str().unwrap().to_string()
    }

    /// An identity pool for the user pool's client.
    fn identity_pool(&mut self, user_pool: &str, client: &str, guests: bool) -> String {
        let out = self.ok(
            "cognito-identity",
            "CreateIdentityPool",
            json!({
                "IdentityPoolName": "app",
                "AllowUnauthenticatedIdentities": guests,
                "CognitoIdentityProviders": [{ "ProviderName": provider(user_pool), "ClientId": client }],
            }),
        );
        out["IdentityPoolId"].as_str().unwrap().to_string()
    }

    fn role(&mut self, name: &str, trust: &str, statements: Value) {
        self.ok("iam", "CreateRole", json!({ "RoleName": name, "AssumeRolePolicyDocument": trust }));
        let doc = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        self.ok("iam", "PutRolePolicy", json!({ "RoleName": name, "PolicyName": "p", "PolicyDocument": doc }));
    }

    /// GetId then GetCredentialsForIdentity with a login: (identity id, credentials).
    fn credentials(&mut self, ipool: &str, user_pool: &str, token: Option<&str>) -> Result<(String, Value), AwsError> {
        let logins = token.map(|t| json!({ provider(user_pool): t })).unwrap_or(json!({}));
        let id = self.call_as(None, "cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": logins }))?["IdentityId"].as_str().unwrap().to_string();
        let out = self.call_as(None, "cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": id, "Logins": logins }))?;
        assert_eq!(out["IdentityId"], id.as_str());
        Ok((id, out["Credentials"].clone()))
    }
}

fn provider(user_pool: &str) -> String {
    format!("cognito-idp.us-east-1.amazonaws.com/{user_pool}")
}

fn own_items_policy() -> Value {
    json!([{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
        "Resource": format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes"),
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}
    }])
}

fn item(pk: &str) -> Value {
    json!({"TableName": "Notes", "Item": {"pk": {"S": pk}, "note": {"S": "hi"}}})
}

fn key(pk: &str) -> Value {
    json!({"TableName": "Notes", "Key": {"pk": {"S": pk}}})
}

/// The seed's pattern: sign in → GetId → GetCredentialsForIdentity → signed calls that reach only
/// the user's own partition; the same user gets the same identity; credentials expire.
#[test]
fn each_user_reads_and_writes_only_their_own_items() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let ipool = sb.identity_pool(&up, &client, false);
    sb.role("auth", &trust(&ipool, "authenticated"), own_items_policy());
    sb.ok("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "authenticated": role_arn("auth") } }));
    sb.notes_table();

    let alice_token = sb.sign_in(&up, &client, "alice", "alice@example.com");
    let bob_token = sb.sign_in(&up, &client, "bob", "bob@example.com");
    let (alice, creds) = sb.credentials(&ipool, &up, Some(&alice_token)).unwrap();
    let (bob, _) = sb.credentials(&ipool, &up, Some(&bob_token)).unwrap();
    assert!(alice.starts_with("us-east-1:") && alice.len() == 46, "{alice}");
    assert_ne!(alice, bob);
    // The same user always gets the same identity.
    let again = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): alice_token } }));
    assert_eq!(again["IdentityId"], alice.as_str());
    let token2 = sb.sign_in(&up, &client, "alice", "alice@example.com");
    assert_eq!(sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): token2 } }))["IdentityId"], alice.as_str());

    let key_id = creds["AccessKeyId"].as_str().unwrap().to_string();
    assert!(key_id.starts_with("ASIA") && key_id.len() == 20);
    assert_eq!(creds["SecretKey"].as_str().unwrap().len(), 40);
    assert!(creds["SessionToken"].as_str().unwrap().len() > 100);
    assert_eq!(creds["Expiration"], json!((sb.e.now_ms(sb.t) + 3_600_000) as f64 / 1000.0));
    let me = sb.call_as(Some(&key_id), "sts", "GetCallerIdentity", json!({})).unwrap();
    assert_eq!(me["Arn"], format!("arn:aws:sts::{ACCOUNT}:assumed-role/auth/CognitoIdentityCredentials"));

    sb.call_as(Some(&key_id), "dynamodb", "PutItem", item(&alice)).unwrap();
    assert_eq!(sb.call_as(Some(&key_id), "dynamodb", "GetItem", key(&alice)).unwrap()["Item"]["note"]["S"], "hi");
    sb.ok("dynamodb", "PutItem", item(&bob));
    let denied = sb.call_as(Some(&key_id), "dynamodb", "GetItem", key(&bob)).unwrap_err();
    assert_eq!(denied.kind, "AccessDeniedException");
    assert!(denied.message.contains("assumed-role/auth/CognitoIdentityCredentials is not authorized to perform: dynamodb:GetItem"), "{}", denied.message);
    assert_eq!(sb.call_as(Some(&key_id), "dynamodb", "PutItem", item(&bob)).unwrap_err().kind, "AccessDeniedException");
    assert_eq!(sb.call_as(Some(&key_id), "dynamodb", "DeleteItem", key(&alice)).unwrap_err().kind, "AccessDeniedException");

    // An hour later the credentials have expired.
    sb.advance(3600.0);
    let expired = sb.call_as(Some(&key_id), "dynamodb", "GetItem", key(&alice)).unwrap_err();
    assert_eq!(expired.kind, "ExpiredTokenException");
    // A signed-in identity needs its login to get credentials.
    let forbidden = sb.fail("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": alice }));
    assert_eq!((forbidden.kind.as_str(), forbidden.message.as_str()), ("NotAuthorizedException", &*format!("Access to Identity '{alice}' is forbidden.")));
    // The ID token itself has expired by now.
    let stale = sb.fail("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": alice, "Logins": { provider(&up): alice_token } }));
    assert_eq!((stale.kind.as_str(), stale.message.as_str()), ("NotAuthorizedException", "Invalid login token. Token expired."));
    // Bob's token on Alice's identity.
    let bob_token = sb.sign_in(&up, &client, "bob", "bob@example.com");
    let wrong = sb.fail("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": alice, "Logins": { provider(&up): bob_token } }));
    assert_eq!(wrong.message, "Logins don't match. Please include at least one valid login for this identity or identity pool.");
}

#[test]
fn guests_get_the_unauthenticated_role_when_the_pool_allows_them() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let closed = sb.identity_pool(&up, &client, false);
    let e = sb.fail("cognito-identity", "GetId", json!({ "IdentityPoolId": closed }));
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool."));

    let ipool = sb.identity_pool(&up, &client, true);
    // No roles yet: the pool's configuration is at fault.
    let e = sb.credentials(&ipool, &up, None).unwrap_err();
    assert_eq!(
        (e.kind.as_str(), e.message.as_str()),
        ("InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
    );
    // A role that trusts only authenticated identities refuses guests.
    sb.role("authonly", &trust(&ipool, "authenticated"), json!([{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}]));
    sb.ok("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "unauthenticated": role_arn("authonly") } }));
    assert_eq!(sb.credentials(&ipool, &up, None).unwrap_err().kind, "InvalidIdentityPoolConfigurationException");
    sb.role("guest", &trust(&ipool, "unauthenticated"), json!([{"Effect": "Allow", "Action": ["dynamodb:ListTables", "firehose:ListDeliveryStreams"], "Resource": "*"}]));
    sb.ok("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "unauthenticated": role_arn("guest") } }));
    let (guest, creds) = sb.credentials(&ipool, &up, None).unwrap();
    let key_id = creds["AccessKeyId"].as_str().unwrap();
    sb.call_as(Some(key_id), "firehose", "ListDeliveryStreams", json!({})).unwrap();
    // AWS's scope-down policy for guests leaves DynamoDB out, whatever the role allows.
    let e = sb.call_as(Some(key_id), "dynamodb", "ListTables", json!({})).unwrap_err();
    assert_eq!(e.kind, "AccessDeniedException");
    assert!(e.message.ends_with("because no session policy allows the dynamodb:ListTables action"), "{}", e.message);
    assert_eq!(sb.call_as(Some(key_id), "firehose", "CreateDeliveryStream", json!({"DeliveryStreamName": "x"})).unwrap_err().kind, "AccessDeniedException");
    // Each GetId without logins is a new guest identity.
    let other = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool }))["IdentityId"].as_str().unwrap().to_string();
    assert_ne!(guest, other);
    let described = sb.ok("cognito-identity", "DescribeIdentity", json!({ "IdentityId": guest }));
    assert_eq!(described["IdentityId"], guest.as_str());
    assert!(described.get("Logins").is_none());
    // The guest's OpenID token says so.
    let token = sb.ok("cognito-identity", "GetOpenIdToken", json!({ "IdentityId": guest }))["Token"].as_str().unwrap().to_string();
    let claims = decode_claims(&token).unwrap();
    assert_eq!(claims["amr"], json!(["unauthenticated"]));
    assert_eq!(claims["aud"], ipool.as_str());
    assert_eq!(claims["sub"], guest.as_str());
    // The pool stops admitting guests: their credentials go too.
    sb.ok("cognito-identity", "UpdateIdentityPool", json!({ "IdentityPoolId": ipool, "IdentityPoolName": "app", "AllowUnauthenticatedIdentities": false, "CognitoIdentityProviders": [{ "ProviderName": provider(&up), "ClientId": client }] }));
    let e = sb.fail("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": guest }));
    assert_eq!(e.message, "Unauthenticated access is not supported for this identity pool.");
}

#[test]
fn open_id_tokens_and_assume_role_with_web_identity() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let ipool = sb.identity_pool(&up, &client, false);
    sb.role("auth", &trust(&ipool, "authenticated"), own_items_policy());
    let token = sb.sign_in(&up, &client, "alice", "alice@example.com");
    let user_sub = decode_claims(&token).unwrap()["sub"].as_str().unwrap().to_string();
    let id = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): token } }))["IdentityId"].as_str().unwrap().to_string();
    let out = sb.ok("cognito-identity", "GetOpenIdToken", json!({ "IdentityId": id, "Logins": { provider(&up): token } }));
    let oidc = out["Token"].as_str().unwrap().to_string();
    let claims = decode_claims(&oidc).unwrap();
    assert_eq!(claims["iss"], "https://cognito-identity.amazonaws.com");
    assert_eq!(claims["aud"], ipool.as_str());
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["amr"], json!(["authenticated", provider(&up), format!("{}:CognitoSignIn:{user_sub}", provider(&up))]));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);

    // The classic flow: STS, unsigned.
    let assume = |sb: &mut Sb, role: &str, token: &str| {
        sb.call_as(None, "sts", "AssumeRoleWithWebIdentity", json!({ "RoleArn": role_arn(role), "RoleSessionName": "web", "WebIdentityToken": token }))
    };
    let out = assume(&mut sb, "auth", &oidc).unwrap();
    assert_eq!(out["SubjectFromWebIdentityToken"], id.as_str());
    assert_eq!(out["Audience"], ipool.as_str());
    assert_eq!(out["Provider"], "cognito-identity.amazonaws.com");
    assert_eq!(out["AssumedRoleUser"]["Arn"], format!("arn:aws:sts::{ACCOUNT}:assumed-role/auth/web"));
    let key_id = out["Credentials"]["AccessKeyId"].as_str().unwrap().to_string();
    sb.notes_table();
    sb.call_as(Some(&key_id), "dynamodb", "PutItem", item(&id)).unwrap();
    assert_eq!(sb.call_as(Some(&key_id), "dynamodb", "PutItem", item("us-east-1:someone-else")).unwrap_err().kind, "AccessDeniedException");

    // A role whose trust policy names another pool.
    sb.role("other", &trust("us-east-1:00000000-0000-4000-8000-000000000000", "authenticated"), json!([{"Effect": "Allow", "Action": "s3:ListBuckets", "Resource": "*"}]));
    let e = assume(&mut sb, "other", &oidc).unwrap_err();
    assert_eq!((e.kind.as_str(), e.message.as_str(), e.status), ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403));
    // A user pool ID token is not an identity pool's token (no OIDC provider in IAM).
    let e = assume(&mut sb, "auth", &token).unwrap_err();
    assert_eq!(e.kind, "InvalidIdentityToken");
    assert!(e.message.starts_with(&format!("No OpenIDConnect provider found in your account for https://cognito-idp.us-east-1.amazonaws.com/{up}")), "{}", e.message);
    // A forged token.
    let mut parts: Vec<String> = oidc.split('.').map(str::to_string).collect();
    parts[2] = parts[2].chars().rev().collect();
    assert_eq!(assume(&mut sb, "auth", &parts.join(".")).unwrap_err().kind, "InvalidIdentityToken");
    assert_eq!(assume(&mut sb, "auth", "not-a-jwt").unwrap_err().kind, "InvalidIdentityToken");
    // Ten minutes later the OpenID token has expired.
    sb.advance(601.0);
    assert_eq!(assume(&mut sb, "auth", &oidc).unwrap_err().kind, "ExpiredTokenException");
}

#[test]
fn role_mappings_choose_the_role_from_the_tokens_claims() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let ipool = sb.identity_pool(&up, &client, false);
    for name in ["auth", "admins", "staff", "editors"] {
        sb.role(name, &trust(&ipool, "authenticated"), json!([{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}]));
    }
    let mapping_key = format!("{}:{client}", provider(&up));
    let rules = |ambiguous: &str| {
        json!({ mapping_key.clone(): { "Type": "Rules", "AmbiguousRoleResolution": ambiguous, "RulesConfiguration": { "Rules": [
            { "Claim": "email", "MatchType": "StartsWith", "Value": "admin", "RoleArn": role_arn("admins") },
            { "Claim": "email", "MatchType": "Contains", "Value": "@staff.", "RoleArn": role_arn("staff") },
        ] } } })
    };
    sb.ok(
        "cognito-identity",
        "SetIdentityPoolRoles",
        json!({ "IdentityPoolId": ipool, "Roles": { "authenticated": role_arn("auth") }, "RoleMappings": rules("AuthenticatedRole") }),
    );
    let roles = sb.ok("cognito-identity", "GetIdentityPoolRoles", json!({ "IdentityPoolId": ipool }));
    assert_eq!(roles["Roles"]["authenticated"], role_arn("auth"));
    assert_eq!(roles["RoleMappings"][&mapping_key]["Type"], "Rules");

    let arn_of =
        |sb: &mut Sb, creds: &Value| sb.call_as(Some(creds["AccessKeyId"].as_str().unwrap()), "sts", "GetCallerIdentity", json!({})).unwrap()["Arn"].as_str().unwrap().to_string();
    let t = sb.sign_in(&up, &client, "ann", "admin@example.com");
    let (_, c) = sb.credentials(&ipool, &up, Some(&t)).unwrap();
    assert!(arn_of(&mut sb, &c).contains(":assumed-role/admins/"));
    let t = sb.sign_in(&up, &client, "sam", "sam@staff.example.com");
    let (_, c) = sb.credentials(&ipool, &up, Some(&t)).unwrap();
    assert!(arn_of(&mut sb, &c).contains(":assumed-role/staff/"));
    let t = sb.sign_in(&up, &client, "joe", "joe@example.com");
    let (_, c) = sb.credentials(&ipool, &up, Some(&t)).unwrap();
    assert!(arn_of(&mut sb, &c).contains(":assumed-role/auth/"));
    // Deny: no rule matched, no credentials.
    sb.ok("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "authenticated": role_arn("auth") }, "RoleMappings": rules("Deny") }));
    let t = sb.sign_in(&up, &client, "joe", "joe@example.com");
    assert_eq!(sb.credentials(&ipool, &up, Some(&t)).unwrap_err().kind, "NotAuthorizedException");

    // Token: the user's groups' roles (cognito:preferred_role), CustomRoleArn among cognito:roles.
    sb.ok("cognito-idp", "CreateGroup", json!({ "UserPoolId": up, "GroupName": "editors", "RoleArn": role_arn("editors"), "Precedence": 1 }));
    sb.ok("cognito-idp", "CreateGroup", json!({ "UserPoolId": up, "GroupName": "staff", "RoleArn": role_arn("staff"), "Precedence": 2 }));
    sb.ok("cognito-idp", "AdminAddUserToGroup", json!({ "UserPoolId": up, "Username": "joe", "GroupName": "editors" }));
    sb.ok("cognito-idp", "AdminAddUserToGroup", json!({ "UserPoolId": up, "Username": "joe", "GroupName": "staff" }));
    let token_mapping = json!({ mapping_key.clone(): { "Type": "Token", "AmbiguousRoleResolution": "Deny" } });
    sb.ok("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "authenticated": role_arn("auth") }, "RoleMappings": token_mapping }));
    let t = sb.sign_in(&up, &client, "joe", "joe@example.com");
    let (id, c) = sb.credentials(&ipool, &up, Some(&t)).unwrap();
    assert!(arn_of(&mut sb, &c).contains(":assumed-role/editors/"));
    let out = sb.ok("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": id, "Logins": { provider(&up): t }, "CustomRoleArn": role_arn("staff") }));
    assert!(arn_of(&mut sb, &out["Credentials"]).contains(":assumed-role/staff/"));
    let e = sb.fail("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": id, "Logins": { provider(&up): t }, "CustomRoleArn": role_arn("admins") }));
    assert_eq!(e.kind, "NotAuthorizedException");

    // Bad mappings are refused.
    let bad = [
        json!({ "nope:client": { "Type": "Token", "AmbiguousRoleResolution": "Deny" } }),
        json!({ mapping_key.clone(): { "Type": "Token" } }),
        json!({ mapping_key.clone(): { "Type": "Magic", "AmbiguousRoleResolution": "Deny" } }),
        json!({ mapping_key.clone(): { "Type": "Rules", "AmbiguousRoleResolution": "Deny" } }),
        json!({ mapping_key.clone(): { "Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": { "Rules": [{ "Claim": "email", "MatchType": "Regex", "Value": "x", "RoleArn": role_arn("auth") }] } } }),
    ];
    for m in bad {
        let e = sb.fail("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": {}, "RoleMappings": m }));
        assert_eq!(e.kind, "InvalidParameterException", "{m}");
    }
    let e = sb.fail("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "admin": role_arn("auth") } }));
    assert_eq!(e.kind, "InvalidParameterException");
}

#[test]
fn logins_are_checked_against_the_pools_providers() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let other_client = sb.ok(
        "cognito-idp",
        "CreateUserPoolClient",
        json!({ "UserPoolId": up, "ClientName": "other", "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
    )["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_string();
    let ipool = sb.identity_pool(&up, &client, false);
    let token = sb.sign_in(&up, &other_client, "alice", "a@example.com");
    let e = sb.fail("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): token } }));
    assert_eq!(e.kind, "NotAuthorizedException");
    assert!(e.message.starts_with("Invalid login token."), "{}", e.message);
    let e = sb.fail("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): "garbage" } }));
    assert_eq!(e.kind, "NotAuthorizedException");
    let e = sb.fail("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { "graph.facebook.com": "x" } }));
    assert_eq!(e.kind, "NotAuthorizedException");
    // A token of another pool under this pool's provider name.
    let (up2, client2) = sb.user_pool();
    let foreign = sb.sign_in(&up2, &client2, "eve", "e@example.com");
    assert_eq!(sb.fail("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): foreign } })).kind, "NotAuthorizedException");
    let e = sb.fail("cognito-identity", "GetId", json!({ "IdentityPoolId": "us-east-1:00000000-0000-4000-8000-000000000000" }));
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("ResourceNotFoundException", "IdentityPool 'us-east-1:00000000-0000-4000-8000-000000000000' not found."));
    let e = sb.fail("cognito-identity", "GetCredentialsForIdentity", json!({ "IdentityId": "us-east-1:nope" }));
    assert_eq!(e.kind, "ResourceNotFoundException");
}

#[test]
fn pools_are_created_listed_updated_tagged_and_deleted() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let out = sb.ok(
        "cognito-identity",
        "CreateIdentityPool",
        json!({ "IdentityPoolName": "my pool", "AllowUnauthenticatedIdentities": true, "AllowClassicFlow": true, "IdentityPoolTags": { "team": "red" },
                "CognitoIdentityProviders": [{ "ProviderName": provider(&up), "ClientId": client, "ServerSideTokenCheck": false }] }),
    );
    let id = out["IdentityPoolId"].as_str().unwrap().to_string();
    assert!(id.starts_with("us-east-1:") && id.len() == 46);
    assert_eq!(out["IdentityPoolTags"], json!({ "team": "red" }));
    assert_eq!(sb.ok("cognito-identity", "DescribeIdentityPool", json!({ "IdentityPoolId": id })), out);
    let second = sb.identity_pool(&up, &client, false);
    let page = sb.ok("cognito-identity", "ListIdentityPools", json!({ "MaxResults": 1 }));
    assert_eq!(page["IdentityPools"].as_array().unwrap().len(), 1);
    let rest = sb.ok("cognito-identity", "ListIdentityPools", json!({ "MaxResults": 60, "NextToken": page["NextToken"] }));
    assert_eq!(rest["IdentityPools"].as_array().unwrap().len(), 1);
    assert_eq!(sb.fail("cognito-identity", "ListIdentityPools", json!({})).kind, "InvalidParameterException");
    assert_eq!(sb.fail("cognito-identity", "ListIdentityPools", json!({ "MaxResults": 61 })).kind, "InvalidParameterException");

    let arn = format!("arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/{id}");
    sb.ok("cognito-identity", "TagResource", json!({ "ResourceArn": arn, "Tags": { "env": "dev" } }));
    sb.ok("cognito-identity", "UntagResource", json!({ "ResourceArn": arn, "TagKeys": ["team"] }));
    assert_eq!(sb.ok("cognito-identity", "ListTagsForResource", json!({ "ResourceArn": arn }))["Tags"], json!({ "env": "dev" }));

    let updated = sb.ok("cognito-identity", "UpdateIdentityPool", json!({ "IdentityPoolId": id, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true }));
    assert_eq!(updated["IdentityPoolName"], "renamed");
    assert_eq!(updated["CognitoIdentityProviders"], json!([]));

    // The basic flow's GetOpenIdToken is refused where AllowClassicFlow is false (not where unset).
    sb.ok(
        "cognito-identity",
        "UpdateIdentityPool",
        json!({ "IdentityPoolId": id, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true, "AllowClassicFlow": false }),
    );
    let guest = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": id }))["IdentityId"].as_str().unwrap().to_string();
    let e = sb.fail("cognito-identity", "GetOpenIdToken", json!({ "IdentityId": guest }));
    assert_eq!((e.kind.as_str(), e.message.as_str()), ("InvalidParameterException", "Basic (classic) flow is not enabled, please use enhanced flow."));
    assert_eq!(sb.ok("cognito-identity", "DescribeIdentityPool", json!({ "IdentityPoolId": second })).get("AllowClassicFlow"), None);
    sb.ok("cognito-identity", "DeleteIdentities", json!({ "IdentityIdsToDelete": [guest] }));

    // Identities: listed, described, deleted; they go with their pool.
    let guest = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": id }))["IdentityId"].as_str().unwrap().to_string();
    let list = sb.ok("cognito-identity", "ListIdentities", json!({ "IdentityPoolId": id, "MaxResults": 10 }));
    assert_eq!(list["Identities"][0]["IdentityId"], guest.as_str());
    let out = sb.ok("cognito-identity", "DeleteIdentities", json!({ "IdentityIdsToDelete": [guest, "us-east-1:gone"] }));
    assert_eq!(out["UnprocessedIdentityIds"], json!([{ "IdentityId": "us-east-1:gone", "ErrorCode": "IdentityNotFound" }]));
    assert_eq!(sb.fail("cognito-identity", "DescribeIdentity", json!({ "IdentityId": guest })).kind, "ResourceNotFoundException");
    let guest = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": id }))["IdentityId"].as_str().unwrap().to_string();
    sb.ok("cognito-identity", "DeleteIdentityPool", json!({ "IdentityPoolId": id }));
    assert_eq!(sb.fail("cognito-identity", "DescribeIdentity", json!({ "IdentityId": guest })).kind, "ResourceNotFoundException");
    assert_eq!(sb.fail("cognito-identity", "DescribeIdentityPool", json!({ "IdentityPoolId": id })).kind, "ResourceNotFoundException");
    assert_eq!(sb.ok("cognito-identity", "ListIdentityPools", json!({ "MaxResults": 60 }))["IdentityPools"], json!([{ "IdentityPoolId": second, "IdentityPoolName": "app" }]));

    // Bad input.
    let e = sb.fail("cognito-identity", "CreateIdentityPool", json!({ "IdentityPoolName": "x" }));
    assert_eq!(e.kind, "InvalidParameterException");
    let e = sb.fail("cognito-identity", "CreateIdentityPool", json!({ "IdentityPoolName": "a/b", "AllowUnauthenticatedIdentities": true }));
    assert_eq!(e.kind, "InvalidParameterException");
    let e = sb.fail(
        "cognito-identity",
        "CreateIdentityPool",
        json!({ "IdentityPoolName": "x", "AllowUnauthenticatedIdentities": true, "SupportedLoginProviders": { "graph.facebook.com": "123" } }),
    );
    assert!(e.message.contains("not supported in the Gureum sandbox"), "{}", e.message);
    let e = sb.fail(
        "cognito-identity",
        "CreateIdentityPool",
        json!({ "IdentityPoolName": "x", "AllowUnauthenticatedIdentities": true, "CognitoIdentityProviders": [{ "ProviderName": "nope", "ClientId": "c" }] }),
    );
    assert_eq!(e.kind, "InvalidParameterException");
    assert_eq!(sb.fail("cognito-identity", "CreateIdentityPool", json!({ "IdentityPoolName": 5, "AllowUnauthenticatedIdentities": true })).kind, "SerializationException");
    assert_eq!(sb.fail("cognito-identity", "UnlinkIdentity", json!({})).kind, "InvalidParameterException");
}

#[test]
fn identities_and_the_signing_key_survive_a_restart() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let ipool = sb.identity_pool(&up, &client, true);
    sb.role("guest", &trust(&ipool, "unauthenticated"), json!([{"Effect": "Allow", "Action": "firehose:ListDeliveryStreams", "Resource": "*"}]));
    sb.ok("cognito-identity", "SetIdentityPoolRoles", json!({ "IdentityPoolId": ipool, "Roles": { "unauthenticated": role_arn("guest") } }));
    let token = sb.sign_in(&up, &client, "alice", "a@example.com");
    let alice = sb.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): token } }))["IdentityId"].clone();
    let (_, creds) = sb.credentials(&ipool, &up, None).unwrap();
    let oidc = sb.ok("cognito-identity", "GetOpenIdToken", json!({ "IdentityId": alice, "Logins": { provider(&up): token } }))["Token"].as_str().unwrap().to_string();
    let records = sb.e.snapshot();
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, records).unwrap(), t: sb.t };
    assert_eq!(restored.ok("cognito-identity", "GetId", json!({ "IdentityPoolId": ipool, "Logins": { provider(&up): token } }))["IdentityId"], alice);
    restored.call_as(Some(creds["AccessKeyId"].as_str().unwrap()), "firehose", "ListDeliveryStreams", json!({})).unwrap();
    let jwks = restored.e.control(restored.t, "cognito-identity:VerifyOpenIdToken", &json!({ "Token": oidc })).unwrap();
    assert_eq!(jwks["Claims"]["sub"], alice);
}

#[test]
fn bad_input_never_panics() {
    let mut sb = Sb::new();
    let (up, client) = sb.user_pool();
    let ipool = sb.identity_pool(&up, &client, true);
    let ops = [
        "CreateIdentityPool",
        "DescribeIdentityPool",
        "UpdateIdentityPool",
        "DeleteIdentityPool",
        "ListIdentityPools",
        "SetIdentityPoolRoles",
        "GetIdentityPoolRoles",
        "GetId",
        "GetOpenIdToken",
        "GetCredentialsForIdentity",
        "ListIdentities",
        "DescribeIdentity",
        "DeleteIdentities",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    ];
    let values = [json!(null), json!(1), json!("x"), json!([]), json!({}), json!([1]), json!({ "a": 1 }), json!(""), json!(-1), json!(true)];
    let members = [
        "IdentityPoolId",
        "IdentityPoolName",
        "AllowUnauthenticatedIdentities",
        "CognitoIdentityProviders",
        "Roles",
        "RoleMappings",
        "Logins",
        "IdentityId",
        "MaxResults",
        "IdentityIdsToDelete",
        "Tags",
        "ResourceArn",
        "CustomRoleArn",
    ];
    for op in ops {
        for m in members {
            for v in &values {
                let mut input = json!({ "IdentityPoolId": ipool, "IdentityPoolName": "p", "AllowUnauthenticatedIdentities": true, "MaxResults": 5 });
                input[m] = v.clone();
                let _ = sb.call_as(None, "cognito-identity", op, input);
            }
        }
    }
    for v in &values {
        let _ = sb.call_as(None, "sts", "AssumeRoleWithWebIdentity", json!({ "RoleArn": role_arn("x"), "RoleSessionName": "s", "WebIdentityToken": v }));
    }
}
