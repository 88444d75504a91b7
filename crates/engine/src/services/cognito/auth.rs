//! Sign-in: InitiateAuth / AdminInitiateAuth (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
//! USER_SRP_AUTH, REFRESH_TOKEN_AUTH), RespondToAuthChallenge / AdminRespondToAuthChallenge
//! (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED), and the tokens.

use serde_json::{json, Map, Value};

use super::{
    crypto::{self, b64, b64_decode, random_bytes, same, sign_jwt},
    err, invalid,
    model::{self, AppClient, AuthSession, Pool, RefreshToken, User},
    not_authorized, not_found, pools, srp,
    triggers::{self, Flow, Then},
    users, Cognito, In, Mail,
};
use crate::kernel::{error::AwsError, service::Cx};

const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn incorrect() -> AwsError {
    not_authorized("Incorrect username or password.")
}

/// The app client `id` and its pool's id.
pub fn client(svc: &Cognito, id: &str) -> Result<(String, AppClient), AwsError> {
    let pool_id = svc.client_pool_id(id)?;
    let c = svc.pools.get(&pool_id).and_then(|p| p.clients.get(id)).cloned().ok_or_else(|| not_found(format!("User pool client {id} does not exist.")))?;
    Ok((pool_id, c))
}

/// SECRET_HASH for a client with a secret: required, and Base64(HMAC-SHA256(secret, username + client id)).
pub fn check_secret(client: &AppClient, username: &str, hash: Option<&str>) -> Result<(), AwsError> {
    let Some(secret) = &client.secret else { return Ok(()) };
    let Some(hash) = hash else {
        return Err(not_authorized(format!("Client {} is configured with secret but SECRET_HASH was not received", client.id)));
    };
    if !same(crypto::secret_hash(secret, username, &client.id).as_bytes(), hash.as_bytes()) {
        return Err(not_authorized(format!("Unable to verify secret hash for client {}", client.id)));
    }
    Ok(())
}

/// An access token's pool and user, checked as Cognito checks it for GetUser and friends.
pub fn access(svc: &Cognito, cx: &Cx, token: &str) -> Result<(String, String, Map<String, Value>), AwsError> {
    let claims = crypto::decode_claims(token).ok_or_else(|| not_authorized("Invalid Access Token"))?;
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
    let pool = iss.rsplit('/').next().and_then(|id| svc.pools.get(id)).ok_or_else(|| not_authorized("Invalid Access Token"))?;
    let expect = crypto::Expect { issuer: &pool.issuer(), token_use: Some("access"), clients: &[], now_ms: cx.now_ms };
    let claims = crypto::verify_jwt(token, &pool.jwks(), &expect).map_err(|e| match e {
        crypto::TokenError::Expired => not_authorized("Access Token has expired"),
        _ => not_authorized("Invalid Access Token"),
    })?;
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let user = pool
        .users
        .get(&pool.user_key(username))
        .filter(|u| claims.get("sub").and_then(Value::as_str) == Some(u.sub.as_str()))
        .ok_or_else(|| not_authorized("Access Token has been revoked"))?;
    let origin = claims.get("origin_jti").and_then(Value::as_str).unwrap_or("");
    if user.revoked.contains(origin) {
        return Err(not_authorized("Access Token has been revoked"));
    }
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    Ok((pool.id.clone(), user.key.clone(), claims))
}

fn claim_value(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => json!(value == "true"),
        "updated_at" => value.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(value)),
        _ => json!(value),
    }
}

/// The ID and access tokens (and a refresh token unless refreshing) for a sign-in.
fn issue(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, client: &AppClient, user_key: &str, refreshed: Option<(&str, i64)>, o: &Overrides) -> Result<Value, AwsError> {
    let pool = svc.pools.get(pool_id).ok_or_else(|| not_found(format!("User pool {pool_id} does not exist.")))?;
    let user = pool.users.get(user_key).ok_or_else(|| err("UserNotFoundException", "User does not exist."))?;
    let now = cx.now_ms / 1000;
    let (origin_jti, auth_time) = match refreshed {
        Some((o, t)) => (o.to_string(), t),
        None => (cx.rng.uuid(), now),
    };
    let event_id = cx.rng.uuid();
    let (groups, roles, preferred) = pools::token_groups(pool, user);
    let iss = pool.issuer();

    let mut id = Map::new();
    id.insert("sub".into(), json!(user.sub));
    if !groups.is_empty() {
        id.insert("cognito:groups".into(), json!(groups));
    }
    if let Some(p) = &preferred {
        id.insert("cognito:preferred_role".into(), json!(p));
        id.insert("cognito:roles".into(), json!(roles));
    }
    id.insert("iss".into(), json!(iss));
    id.insert("cognito:username".into(), json!(user.username));
    id.insert("origin_jti".into(), json!(origin_jti));
    id.insert("aud".into(), json!(client.id));
    id.insert("event_id".into(), json!(event_id));
    id.insert("token_use".into(), json!("id"));
    id.insert("auth_time".into(), json!(auth_time));
    for (k, v) in &user.attributes {
        let readable = client.read_attributes.is_empty() || client.read_attributes.contains(k);
        if k != "sub" && readable && !k.starts_with("dev:") {
            id.insert(k.clone(), claim_value(k, v));
        }
    }
    id.insert("exp".into(), json!(now + client.id_secs));
    id.insert("iat".into(), json!(now));
    id.insert("jti".into(), json!(cx.rng.uuid()));

    let mut access = Map::new();
    access.insert("sub".into(), json!(user.sub));
    if !groups.is_empty() {
        access.insert("cognito:groups".into(), json!(groups));
    }
    access.insert("iss".into(), json!(iss));
    access.insert("client_id".into(), json!(client.id));
    access.insert("origin_jti".into(), json!(origin_jti));
    access.insert("event_id".into(), json!(event_id));
    access.insert("token_use".into(), json!("access"));
    access.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
    access.insert("auth_time".into(), json!(auth_time));
    access.insert("exp".into(), json!(now + client.access_secs));
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(cx.rng.uuid()));
    access.insert("username".into(), json!(user.username));
    o.apply(&mut id, &mut access);

    let id_token = sign_jwt(&pool.key, &Value::Object(id));
    let access_token = sign_jwt(&pool.key, &Value::Object(access));
    let mut result = json!({ "AccessToken": access_token, "ExpiresIn": client.access_secs, "TokenType": "Bearer", "IdToken": id_token });
    if refreshed.is_none() {
        // Opaque, as AWS's (an encrypted JWT) is to clients: five dot-separated parts.
        let parts: Vec<String> = [20, 43, 22, 300, 22].iter().map(|n| cx.rng.token(TOKEN_ALPHABET, *n)).collect();
        let token = parts.join(".");
        let record = RefreshToken {
            token: token.clone(),
            region: pool.region.clone(),
            pool_id: pool_id.to_string(),
            client_id: client.id.clone(),
            user: user_key.to_string(),
            origin_jti,
            auth_time,
            expires_ms: cx.now_ms + client.refresh_secs * 1000,
        };
        cx.journal.put_json(model::refresh_key(&record.region, &token), &record);
        svc.refresh.insert(token.clone(), record);
        result["RefreshToken"] = json!(token);
    }
    Ok(json!({ "ChallengeParameters": {}, "AuthenticationResult": result }))
}

fn flow_enabled(client: &AppClient, flow: &str, allow: &str) -> Result<(), AwsError> {
    if client.allows(allow) {
        Ok(())
    } else {
        Err(invalid(format!("{flow} flow not enabled for this client")))
    }
}

/// The user a sign-in names, with the client's user existence error setting.
fn sign_in_user(pool: &Pool, client: &AppClient, username: &str) -> Result<String, AwsError> {
    pool.find_user_key(username).ok_or_else(|| if client.prevent_errors == "ENABLED" { incorrect() } else { err("UserNotFoundException", "User does not exist.") })
}

#[allow(clippy::too_many_arguments)]
fn new_session(
    svc: &mut Cognito,
    cx: &mut Cx,
    pool_id: &str,
    client: &AppClient,
    user_key: &str,
    challenge: &str,
    srp: Option<(String, String, String, String)>,
    data: Map<String, Value>,
) -> AuthSession {
    let region = svc.pools.get(pool_id).map_or_else(|| cx.region.to_string(), |p| p.region.clone());
    let id = crypto::b64url(&random_bytes(cx.rng, 16));
    let session = Some(format!("{id}.{}", cx.rng.token(TOKEN_ALPHABET, 180)));
    let (secret_block, srp_a, srp_b_private, srp_b) = match srp {
        Some((block, a, b, big_b)) => (Some(block), Some(a), Some(b), Some(big_b)),
        None => (None, None, None, None),
    };
    let s = AuthSession {
        id: id.clone(),
        region: region.clone(),
        pool_id: pool_id.to_string(),
        client_id: client.id.clone(),
        user: user_key.to_string(),
        challenge: challenge.to_string(),
        session,
        secret_block,
        srp_a,
        srp_b_private,
        srp_b,
        expires_ms: cx.now_ms + client.auth_session_minutes * 60_000,
        data,
    };
    // Sessions past their time are dropped as new ones start.
    let expired: Vec<String> = svc.sessions.values().filter(|x| x.expires_ms < cx.now_ms).map(|x| x.id.clone()).collect();
    for e in expired {
        if let Some(x) = svc.sessions.remove(&e) {
            cx.journal.delete(model::session_key(&x.region, &e));
        }
    }
    cx.journal.put_json(model::session_key(&region, &id), &s);
    svc.sessions.insert(id, s.clone());
    s
}

fn end_session(svc: &mut Cognito, cx: &mut Cx, id: &str) {
    if let Some(s) = svc.sessions.remove(id) {
        cx.journal.delete(model::session_key(&s.region, id));
    }
}

/// Claims the pre token generation trigger may not add, override or suppress: they are left as
/// Cognito sets them.
const RESERVED_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "c_hash",
    "client_id",
    "cognito:groups",
    "cognito:preferred_role",
    "cognito:roles",
    "cognito:username",
    "event_id",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
];

/// What the pre token generation trigger changes in the tokens.
#[derive(Debug, Default)]
pub struct Overrides {
    id_add: Map<String, Value>,
    id_suppress: Vec<String>,
    access_add: Map<String, Value>,
    access_suppress: Vec<String>,
    scopes_add: Vec<String>,
    scopes_suppress: Vec<String>,
    groups: Option<Vec<String>>,
    roles: Option<Vec<String>>,
    preferred: Option<Option<String>>,
}

impl Overrides {
    /// Reads the trigger's answer: V1 `claimsOverrideDetails` (ID token only), V2
    /// `claimsAndScopeOverrideDetails` (ID and access tokens, scopes).
    fn read(event: &Value, v2: bool) -> Result<Overrides, AwsError> {
        let bad = || err("InvalidLambdaResponseException", "Unrecognizable lambda output");
        let mut o = Overrides::default();
        let key = if v2 { "claimsAndScopeOverrideDetails" } else { "claimsOverrideDetails" };
        let d = match event["response"].get(key) {
            None | Some(Value::Null) => return Ok(o),
            Some(Value::Object(d)) => d,
            Some(_) => return Err(bad()),
        };
        let obj = |v: Option<&Value>| -> Result<Option<Map<String, Value>>, AwsError> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(m)) => Ok(Some(m.clone())),
                Some(_) => Err(bad()),
            }
        };
        let strings = |v: Option<&Value>| -> Result<Option<Vec<String>>, AwsError> {
            match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(a)) => a.iter().map(|x| x.as_str().map(str::to_string).ok_or_else(bad)).collect::<Result<Vec<_>, _>>().map(Some),
                Some(_) => Err(bad()),
            }
        };
        let claims = |v: Option<&Value>| -> Result<Map<String, Value>, AwsError> {
            let m = obj(v)?.unwrap_or_default();
            if !v2 && m.values().any(|x| !(x.is_string() || x.is_number() || x.is_boolean())) {
                return Err(bad());
            }
            Ok(m.into_iter().filter(|(k, _)| !RESERVED_CLAIMS.contains(&k.as_str())).collect())
        };
        let suppress =
            |v: Option<&Value>| -> Result<Vec<String>, AwsError> { Ok(strings(v)?.unwrap_or_default().into_iter().filter(|k| !RESERVED_CLAIMS.contains(&k.as_str())).collect()) };
        if v2 {
            if let Some(id) = obj(d.get("idTokenGeneration"))? {
                o.id_add = claims(id.get("claimsToAddOrOverride"))?;
                o.id_suppress = suppress(id.get("claimsToSuppress"))?;
            }
            if let Some(ac) = obj(d.get("accessTokenGeneration"))? {
                o.access_add = claims(ac.get("claimsToAddOrOverride"))?;
                o.access_suppress = suppress(ac.get("claimsToSuppress"))?;
                o.scopes_add = strings(ac.get("scopesToAdd"))?.unwrap_or_default();
                o.scopes_suppress = strings(ac.get("scopesToSuppress"))?.unwrap_or_default();
            }
        } else {
            o.id_add = claims(d.get("claimsToAddOrOverride"))?;
            o.id_suppress = suppress(d.get("claimsToSuppress"))?;
        }
        if let Some(g) = obj(d.get("groupOverrideDetails"))? {
            o.groups = strings(g.get("groupsToOverride"))?;
            o.roles = strings(g.get("iamRolesToOverride"))?;
            o.preferred = match g.get("preferredRole") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(Value::String(r)) => Some(Some(r.clone())),
                Some(_) => return Err(bad()),
            };
        }
        Ok(o)
    }

    fn apply(&self, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
        if let Some(g) = &self.groups {
            for t in [&mut *id, &mut *access] {
                if g.is_empty() {
                    t.remove("cognito:groups");
                } else {
                    t.insert("cognito:groups".into(), json!(g));
                }
            }
        }
        if let Some(r) = &self.roles {
            if r.is_empty() {
                id.remove("cognito:roles");
            } else {
                id.insert("cognito:roles".into(), json!(r));
            }
        }
        match &self.preferred {
            Some(Some(p)) => {
                id.insert("cognito:preferred_role".into(), json!(p));
            }
            Some(None) => {
                id.remove("cognito:preferred_role");
            }
            None => {}
        }
        for k in &self.id_suppress {
            id.remove(k);
        }
        for (k, v) in &self.id_add {
            id.insert(k.clone(), v.clone());
        }
        for k in &self.access_suppress {
            access.remove(k);
        }
        for (k, v) in &self.access_add {
            access.insert(k.clone(), v.clone());
        }
        if !self.scopes_add.is_empty() || !self.scopes_suppress.is_empty() {
            let mut scopes: Vec<String> = access.get("scope").and_then(Value::as_str).unwrap_or("").split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect();
            scopes.retain(|s| !self.scopes_suppress.contains(s));
            for s in &self.scopes_add {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
            access.insert("scope".into(), json!(scopes.join(" ")));
        }
    }
}

/// A sign-in carried across triggers and challenges.
#[derive(Clone)]
pub struct SignIn {
    pub pool_id: String,
    pub client: AppClient,
    pub user_key: String,
    /// RespondToAuthChallenge's ClientMetadata: the challenge, post authentication and pre token
    /// generation triggers get it. InitiateAuth's goes to pre authentication only (as
    /// `validationData`), as on AWS.
    pub metadata: Value,
}

impl SignIn {
    fn parts<'a>(&self, svc: &'a Cognito) -> Result<(&'a Pool, &'a User), AwsError> {
        let pool = svc.pools.get(&self.pool_id).ok_or_else(|| not_found(format!("User pool {} does not exist.", self.pool_id)))?;
        let user = pool.users.get(&self.user_key).ok_or_else(|| err("UserNotFoundException", "User does not exist."))?;
        Ok((pool, user))
    }

    fn event(&self, svc: &Cognito, source: &str, request: Value, response: Value) -> Result<Value, AwsError> {
        let (pool, user) = self.parts(svc)?;
        let mut request = request;
        if let Value::Object(m) = &mut request {
            let mut full = Map::new();
            full.insert("userAttributes".into(), super::triggers::user_attributes(user));
            full.append(m);
            *m = full;
        }
        Ok(super::triggers::event(pool, source, &user.username, Some(&self.client.id), request, response))
    }
}

fn done(v: Value) -> Flow {
    Flow::Done(v, Vec::new())
}

/// The pre authentication trigger, then `then`.
fn pre_authentication(svc: &mut Cognito, cx: &mut Cx, s: &SignIn, validation: Value, then: Then) -> Result<Flow, AwsError> {
    let event = s.event(svc, "PreAuthentication_Authentication", json!({ "validationData": validation, "userNotFound": false }), json!({}))?;
    triggers::run(svc, cx, &s.pool_id, "PreAuthentication", event, then)
}

/// What happens once the password is known to be right.
fn after_password(svc: &mut Cognito, cx: &mut Cx, s: SignIn) -> Result<Flow, AwsError> {
    let (pool, user) = s.parts(svc)?;
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    match user.status.as_str() {
        "UNCONFIRMED" => Err(err("UserNotConfirmedException", "User is not confirmed.")),
        "RESET_REQUIRED" => Err(err("PasswordResetRequiredException", "Password reset required for the user")),
        "FORCE_CHANGE_PASSWORD" => {
            if user.temporary_expires_ms.is_some_and(|t| cx.now_ms > t) {
                return Err(not_authorized("Temporary password has expired and must be reset by an administrator."));
            }
            let attrs: Map<String, Value> = user.attributes.iter().filter(|(k, _)| *k != "sub" && !k.ends_with("_verified")).map(|(k, v)| (k.clone(), json!(v))).collect();
            let required: Vec<String> =
                pool.schema.iter().filter(|a| a.required && a.name != "sub" && !user.attributes.contains_key(&a.name)).map(|a| format!("userAttributes.{}", a.name)).collect();
            let user_id = user.username.clone();
            let session = new_session(svc, cx, &s.pool_id, &s.client, &s.user_key, "NEW_PASSWORD_REQUIRED", None, Map::new());
            Ok(done(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session.session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user_id,
                    "requiredAttributes": serde_json::to_string(&required).unwrap_or_default(),
                    "userAttributes": Value::Object(attrs).to_string(),
                },
            })))
        }
        _ => mfa_or_finish(svc, cx, s),
    }
}

/// The MFA challenge the pool and user call for, or the tokens.
fn mfa_or_finish(svc: &mut Cognito, cx: &mut Cx, s: SignIn) -> Result<Flow, AwsError> {
    let (pool, user) = s.parts(svc)?;
    let sms_ok = pool.sms_mfa && user.attributes.contains_key("phone_number");
    let totp_ok = pool.totp_mfa && user.totp_secret.is_some();
    let usable = |m: &str| match m {
        "SOFTWARE_TOKEN_MFA" => totp_ok,
        "SMS_MFA" => sms_ok,
        _ => false,
    };
    let enabled: Vec<&str> = user.mfa_enabled.iter().map(String::as_str).filter(|m| usable(m)).collect();
    let pick = user.mfa_preferred.as_deref().filter(|m| usable(m)).or_else(|| enabled.iter().rev().copied().next());
    let challenge = match pool.mfa.as_str() {
        "OFF" => None,
        "OPTIONAL" => pick,
        _ => pick.or(totp_ok.then_some("SOFTWARE_TOKEN_MFA")).or(sms_ok.then_some("SMS_MFA")).or(pool.totp_mfa.then_some("MFA_SETUP")),
    };
    let Some(challenge) = challenge.map(str::to_string) else {
        if pool.mfa == "ON" {
            return Err(err("MFAMethodNotFoundException", "No MFA mechanism registered in the account."));
        }
        return finish(svc, cx, s, "TokenGeneration_Authentication", None);
    };
    let username = user.username.clone();
    let mut data = Map::new();
    data.insert("metadata".into(), s.metadata.clone());
    match challenge.as_str() {
        "SMS_MFA" => {
            let phone = user.attributes.get("phone_number").cloned().unwrap_or_default();
            let code = users::code(cx);
            let text = pool.sms_auth_message.clone().unwrap_or_else(|| "Your authentication code is {####}. ".into()).replace("{####}", &code);
            let custom = super::triggers::Custom {
                pool_id: s.pool_id.clone(),
                user_key: s.user_key.clone(),
                client_id: Some(s.client.id.clone()),
                source: "CustomMessage_Authentication".into(),
                code: code.clone(),
                client_metadata: s.metadata.clone(),
            };
            let mail = Mail { to: phone.clone(), subject: "SMS".into(), text, sms: true, custom: Some(custom) };
            data.insert("code".into(), json!(code));
            let session = new_session(svc, cx, &s.pool_id, &s.client, &s.user_key, "SMS_MFA", None, data);
            let answer = json!({
                "ChallengeName": "SMS_MFA",
                "Session": session.session,
                "ChallengeParameters": { "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": users::mask("phone_number", &phone), "USER_ID_FOR_SRP": username },
            });
            Ok(Flow::Done(answer, vec![mail]))
        }
        "SOFTWARE_TOKEN_MFA" => {
            let session = new_session(svc, cx, &s.pool_id, &s.client, &s.user_key, "SOFTWARE_TOKEN_MFA", None, data);
            Ok(done(json!({ "ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": session.session, "ChallengeParameters": { "USER_ID_FOR_SRP": username } })))
        }
        _ => {
            let session = new_session(svc, cx, &s.pool_id, &s.client, &s.user_key, "MFA_SETUP", None, data);
            Ok(done(
                json!({ "ChallengeName": "MFA_SETUP", "Session": session.session, "ChallengeParameters": { "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]", "USER_ID_FOR_SRP": username } }),
            ))
        }
    }
}

/// The end of a sign-in: post authentication (not on refresh), pre token generation, tokens.
fn finish(svc: &mut Cognito, cx: &mut Cx, s: SignIn, source: &'static str, refreshed: Option<(String, i64)>) -> Result<Flow, AwsError> {
    if refreshed.is_some() {
        return pre_token(svc, cx, s, source, refreshed);
    }
    let event = s.event(svc, "PostAuthentication_Authentication", json!({ "newDeviceUsed": false, "clientMetadata": s.metadata }), json!({}))?;
    let pool_id = s.pool_id.clone();
    triggers::run(svc, cx, &pool_id, "PostAuthentication", event, Box::new(move |svc, cx, _| pre_token(svc, cx, s, source, None)))
}

fn pre_token(svc: &mut Cognito, cx: &mut Cx, s: SignIn, source: &'static str, refreshed: Option<(String, i64)>) -> Result<Flow, AwsError> {
    let (pool, user) = s.parts(svc)?;
    let (groups, roles, preferred) = pools::token_groups(pool, user);
    let v2 = pool.pre_token_version.as_deref() == Some("V2_0");
    let mut request = json!({ "groupConfiguration": { "groupsToOverride": groups, "iamRolesToOverride": roles, "preferredRole": preferred }, "clientMetadata": s.metadata });
    if v2 {
        request["scopes"] = json!(["aws.cognito.signin.user.admin"]);
    }
    let response = if v2 { json!({ "claimsAndScopeOverrideDetails": null }) } else { json!({ "claimsOverrideDetails": null }) };
    let event = s.event(svc, source, request, response)?;
    let pool_id = s.pool_id.clone();
    triggers::run(
        svc,
        cx,
        &pool_id,
        "PreTokenGeneration",
        event,
        Box::new(move |svc, cx, event| {
            let o = Overrides::read(&event, v2)?;
            issue(svc, cx, &s.pool_id, &s.client, &s.user_key, refreshed.as_ref().map(|(a, b)| (a.as_str(), *b)), &o).map(done)
        }),
    )
}

fn custom_not_configured() -> AwsError {
    invalid("Custom auth lambda trigger is not configured for the user pool.")
}

/// One round of the custom authentication flow: the define auth challenge trigger decides from
/// the challenges so far (`history`) whether to issue tokens, fail, or ask another challenge.
fn custom_define(svc: &mut Cognito, cx: &mut Cx, s: SignIn, history: Vec<Value>, srp_a: Option<String>) -> Result<Flow, AwsError> {
    if !svc.pools.get(&s.pool_id).is_some_and(|p| p.lambda.contains_key("DefineAuthChallenge")) {
        return Err(custom_not_configured());
    }
    let event = s.event(
        svc,
        "DefineAuthChallenge_Authentication",
        json!({ "session": history, "clientMetadata": s.metadata, "userNotFound": false }),
        json!({ "challengeName": null, "issueTokens": null, "failAuthentication": null }),
    )?;
    let pool_id = s.pool_id.clone();
    let then: Then = Box::new(move |svc, cx, event| {
        if triggers::flag(&event, "failAuthentication")? {
            return Err(incorrect());
        }
        if triggers::flag(&event, "issueTokens")? {
            return finish(svc, cx, s, "TokenGeneration_Authentication", None);
        }
        match triggers::text(&event, "challengeName")?.as_deref() {
            Some("CUSTOM_CHALLENGE") => custom_create(svc, cx, s, history),
            Some("PASSWORD_VERIFIER") if srp_a.is_some() => {
                let mut data = Map::new();
                data.insert("custom".into(), json!(history));
                data.insert("metadata".into(), s.metadata.clone());
                srp_challenge(svc, cx, &s, srp_a.as_deref().unwrap_or_default(), data)
            }
            _ => Err(err("InvalidLambdaResponseException", "Unrecognizable lambda output")),
        }
    });
    triggers::run(svc, cx, &pool_id, "DefineAuthChallenge", event, then)
}

fn custom_create(svc: &mut Cognito, cx: &mut Cx, s: SignIn, history: Vec<Value>) -> Result<Flow, AwsError> {
    if !svc.pools.get(&s.pool_id).is_some_and(|p| p.lambda.contains_key("CreateAuthChallenge")) {
        return Err(custom_not_configured());
    }
    let event = s.event(
        svc,
        "CreateAuthChallenge_Authentication",
        json!({ "challengeName": "CUSTOM_CHALLENGE", "session": history, "clientMetadata": s.metadata, "userNotFound": false }),
        json!({ "publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null }),
    )?;
    let pool_id = s.pool_id.clone();
    let then: Then = Box::new(move |svc, cx, event| {
        let bad = || err("InvalidLambdaResponseException", "Unrecognizable lambda output");
        let strings = |name: &str| -> Result<Map<String, Value>, AwsError> {
            match event["response"].get(name) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(m.clone()),
                Some(_) => Err(bad()),
            }
        };
        let public = strings("publicChallengeParameters")?;
        let private = strings("privateChallengeParameters")?;
        let metadata = triggers::text(&event, "challengeMetadata")?;
        let (_, user) = s.parts(svc)?;
        let username = user.username.clone();
        let mut data = Map::new();
        data.insert("custom".into(), json!(history));
        data.insert("private".into(), Value::Object(private));
        data.insert("challengeMetadata".into(), json!(metadata));
        let session = new_session(svc, cx, &s.pool_id, &s.client, &s.user_key, "CUSTOM_CHALLENGE", None, data);
        let mut params = public;
        params.insert("USERNAME".into(), json!(username));
        Ok(done(json!({ "ChallengeName": "CUSTOM_CHALLENGE", "Session": session.session, "ChallengeParameters": params })))
    });
    triggers::run(svc, cx, &pool_id, "CreateAuthChallenge", event, then)
}

/// SRP's first step: B and the secret block, kept in a new session with `data`.
fn srp_challenge(svc: &mut Cognito, cx: &mut Cx, s: &SignIn, a_hex: &str, data: Map<String, Value>) -> Result<Flow, AwsError> {
    let a = srp::from_hex(a_hex).filter(srp::valid_a).ok_or_else(|| invalid("SRP_A is not a valid SRP value."))?;
    let (_, user) = s.parts(svc)?;
    let verifier = srp::from_hex(&user.srp_verifier).ok_or_else(|| AwsError::internal("stored verifier is not hex"))?;
    let (salt, user_id) = (user.srp_salt.clone(), user.username.clone());
    let (b, big_b) = srp::server_ephemeral(cx.rng, &verifier);
    let block = b64(&random_bytes(cx.rng, 64));
    let session = new_session(svc, cx, &s.pool_id, &s.client, &s.user_key, "PASSWORD_VERIFIER", Some((block.clone(), srp::to_hex(&a), srp::to_hex(&b), srp::to_hex(&big_b))), data);
    Ok(done(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": session.session,
        "ChallengeParameters": {
            "SALT": salt,
            "SECRET_BLOCK": block,
            "SRP_B": srp::to_hex(&big_b),
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    })))
}

pub fn initiate_auth(svc: &mut Cognito, cx: &mut Cx, input: In, admin: bool) -> Result<Flow, AwsError> {
    let op = if admin { "AdminInitiateAuth" } else { "InitiateAuth" };
    input.refuse(op, &["AnalyticsMetadata", "ContextData", "UserContextData", "Session"])?;
    let flow = input.req("AuthFlow")?;
    let client_id = input.req("ClientId")?;
    let params = input.string_map("AuthParameters")?;
    let validation = triggers::client_metadata(&input)?;
    let allowed: &[&str] = if admin {
        &["USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH"]
    } else {
        &["USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "USER_PASSWORD_AUTH", "USER_AUTH"]
    };
    if !allowed.contains(&flow)
        && ["USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH"]
            .contains(&flow)
    {
        return Err(invalid("Initiate Auth method not supported."));
    }
    if !allowed.contains(&flow) {
        return Err(super::constraint("AuthFlow", &format!("'{flow}'"), &format!("Member must satisfy enum value set: [{}]", allowed.join(", "))));
    }
    let (pool_id, client) = client(svc, client_id)?;
    if admin {
        let given = input.req("UserPoolId")?;
        svc.pool(cx, given)?;
        if given != pool_id {
            return Err(not_found(format!("User pool client {client_id} does not exist.")));
        }
    }
    let pool = &svc.pools[&pool_id];
    let sign_in = |key: String| SignIn { pool_id: pool_id.clone(), client: client.clone(), user_key: key, metadata: json!({}) };
    match flow {
        "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            if flow == "USER_PASSWORD_AUTH" {
                flow_enabled(&client, flow, "ALLOW_USER_PASSWORD_AUTH")?;
            } else {
                flow_enabled(&client, flow, "ALLOW_ADMIN_USER_PASSWORD_AUTH")?;
            }
            let username = params.get("USERNAME").copied().ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
            let password = params.get("PASSWORD").copied().ok_or_else(|| invalid("Missing required parameter PASSWORD"))?.to_string();
            check_secret(&client, username, params.get("SECRET_HASH").copied())?;
            let s = sign_in(sign_in_user(pool, &client, username)?);
            let then: Then = Box::new(move |svc, cx, _| {
                let (_, user) = s.parts(svc)?;
                if !users::password_matches(user, &password) {
                    return Err(incorrect());
                }
                after_password(svc, cx, s)
            });
            let s = sign_in(sign_in_user(pool, &client, username)?);
            pre_authentication(svc, cx, &s, validation, then)
        }
        "USER_SRP_AUTH" => {
            flow_enabled(&client, flow, "ALLOW_USER_SRP_AUTH")?;
            let username = params.get("USERNAME").copied().ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
            let a_hex = params.get("SRP_A").copied().ok_or_else(|| invalid("Missing required parameter SRP_A"))?.to_string();
            check_secret(&client, username, params.get("SECRET_HASH").copied())?;
            srp::from_hex(&a_hex).filter(srp::valid_a).ok_or_else(|| invalid("SRP_A is not a valid SRP value."))?;
            let s = sign_in(sign_in_user(pool, &client, username)?);
            let s2 = s.clone();
            pre_authentication(svc, cx, &s, validation, Box::new(move |svc, cx, _| srp_challenge(svc, cx, &s2, &a_hex, Map::new())))
        }
        "CUSTOM_AUTH" => {
            flow_enabled(&client, flow, "ALLOW_CUSTOM_AUTH")?;
            let username = params.get("USERNAME").copied().ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
            check_secret(&client, username, params.get("SECRET_HASH").copied())?;
            if !pool.lambda.contains_key("DefineAuthChallenge") {
                return Err(custom_not_configured());
            }
            let srp_a = params.get("SRP_A").map(|a| a.to_string());
            if let Some(a) = &srp_a {
                srp::from_hex(a).filter(srp::valid_a).ok_or_else(|| invalid("SRP_A is not a valid SRP value."))?;
            }
            let s = sign_in(sign_in_user(pool, &client, username)?);
            let s2 = s.clone();
            pre_authentication(
                svc,
                cx,
                &s,
                validation,
                Box::new(move |svc, cx, _| {
                    let history = if srp_a.is_some() { vec![json!({ "challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null })] } else { Vec::new() };
                    custom_define(svc, cx, s2, history, srp_a)
                }),
            )
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
            flow_enabled(&client, flow, "ALLOW_REFRESH_TOKEN_AUTH")?;
            let token = params.get("REFRESH_TOKEN").copied().ok_or_else(|| invalid("Missing required parameter REFRESH_TOKEN"))?;
            let record = svc.refresh.get(token).filter(|r| r.client_id == client.id).cloned().ok_or_else(|| not_authorized("Invalid Refresh Token"))?;
            if record.expires_ms <= cx.now_ms {
                return Err(not_authorized("Refresh Token has expired"));
            }
            let user = pool.users.get(&record.user).ok_or_else(|| not_authorized("Refresh Token has been revoked"))?;
            if client.secret.is_some() {
                // Cognito checks SECRET_HASH against the user's internal username here.
                check_secret(&client, &user.username, params.get("SECRET_HASH").copied())?;
            }
            if !user.enabled {
                return Err(not_authorized("User is disabled."));
            }
            if user.revoked.contains(&record.origin_jti) {
                return Err(not_authorized("Refresh Token has been revoked"));
            }
            let s = sign_in(record.user.clone());
            finish(svc, cx, s, "TokenGeneration_RefreshTokens", Some((record.origin_jti, record.auth_time)))
        }
        _ => Err(invalid(format!("{flow} is not supported in the Gureum sandbox yet (passwordless sign-in is not simulated)."))),
    }
}

/// The session a challenge response names, checked: the right challenge, client and user, in time.
fn challenge_session(svc: &mut Cognito, cx: &mut Cx, input: &In, client: &AppClient, challenge: &str, username: &str) -> Result<AuthSession, AwsError> {
    let token = input.req("Session")?;
    let session = svc
        .sessions
        .values()
        .find(|s| s.session.as_deref() == Some(token) && s.challenge == challenge && s.client_id == client.id)
        .cloned()
        .ok_or_else(|| not_authorized("Invalid session for the user."))?;
    if session.expires_ms < cx.now_ms {
        end_session(svc, cx, &session.id);
        return Err(not_authorized("Invalid session for the user, session is expired."));
    }
    let pool = svc.pools.get(&session.pool_id).ok_or_else(incorrect)?;
    if pool.find_user_key(username).as_deref() != Some(session.user.as_str()) {
        return Err(incorrect());
    }
    Ok(session)
}

pub fn respond_to_auth_challenge(svc: &mut Cognito, cx: &mut Cx, input: In, admin: bool) -> Result<Flow, AwsError> {
    let op = if admin { "AdminRespondToAuthChallenge" } else { "RespondToAuthChallenge" };
    input.refuse(op, &["AnalyticsMetadata", "ContextData", "UserContextData"])?;
    let metadata = triggers::client_metadata(&input)?;
    let client_id = input.req("ClientId")?;
    let challenge = input.req("ChallengeName")?;
    let responses = input.string_map("ChallengeResponses")?;
    let (pool_id, client) = client(svc, client_id)?;
    if admin {
        let given = input.req("UserPoolId")?;
        svc.pool(cx, given)?;
        if given != pool_id {
            return Err(not_found(format!("User pool client {client_id} does not exist.")));
        }
    }
    let username = responses.get("USERNAME").copied().ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
    check_secret(&client, username, responses.get("SECRET_HASH").copied())?;
    let sign_in = |key: &str| SignIn { pool_id: pool_id.clone(), client: client.clone(), user_key: key.to_string(), metadata: metadata.clone() };
    match challenge {
        "PASSWORD_VERIFIER" => {
            let block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK").copied().ok_or_else(|| invalid("Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK"))?;
            let signature = responses.get("PASSWORD_CLAIM_SIGNATURE").copied().ok_or_else(|| invalid("Missing required parameter PASSWORD_CLAIM_SIGNATURE"))?;
            let timestamp = responses.get("TIMESTAMP").copied().ok_or_else(|| invalid("Missing required parameter TIMESTAMP"))?;
            if !srp::valid_timestamp(timestamp) {
                return Err(invalid("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."));
            }
            let session = svc.sessions.values().find(|s| s.secret_block.as_deref() == Some(block) && s.client_id == client.id).cloned().ok_or_else(|| not_authorized("Invalid session for the user."))?;
            if input.str("Session")?.is_some_and(|s| session.session.as_deref() != Some(s)) {
                return Err(not_authorized("Invalid session for the user."));
            }
            end_session(svc, cx, &session.id);
            if session.expires_ms < cx.now_ms {
                return Err(not_authorized("Invalid session for the user, session is expired."));
            }
            let pool = &svc.pools[&pool_id];
            let user = pool.users.get(&session.user).ok_or_else(incorrect)?;
            if pool.find_user_key(username).as_deref() != Some(session.user.as_str()) {
                return Err(incorrect());
            }
            let hex = |s: &Option<String>| s.as_deref().and_then(srp::from_hex).ok_or_else(|| AwsError::internal("bad SRP session"));
            let (a, b, big_b) = (hex(&session.srp_a)?, hex(&session.srp_b_private)?, hex(&session.srp_b)?);
            let verifier = srp::from_hex(&user.srp_verifier).ok_or_else(|| AwsError::internal("stored verifier is not hex"))?;
            let key = srp::server_key(&a, &big_b, &b, &verifier).ok_or_else(incorrect)?;
            let block_bytes = b64_decode(block).ok_or_else(incorrect)?;
            let expected = srp::claim_signature(&key, pool.srp_name(), &user.username, &block_bytes, timestamp);
            let given = b64_decode(signature).ok_or_else(incorrect)?;
            if !same(&expected, &given) {
                return Err(incorrect());
            }
            let s = sign_in(&session.user);
            match session.data.get("custom").and_then(Value::as_array) {
                // SRP inside CUSTOM_AUTH: the define trigger decides what comes next.
                Some(history) => {
                    let mut history = history.clone();
                    history.push(json!({ "challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null }));
                    custom_define(svc, cx, s, history, None)
                }
                None => after_password(svc, cx, s),
            }
        }
        "CUSTOM_CHALLENGE" => {
            let session = challenge_session(svc, cx, &input, &client, "CUSTOM_CHALLENGE", username)?;
            let answer = responses.get("ANSWER").copied().ok_or_else(|| invalid("Missing required parameter ANSWER"))?;
            if !svc.pools[&pool_id].lambda.contains_key("VerifyAuthChallengeResponse") {
                return Err(custom_not_configured());
            }
            end_session(svc, cx, &session.id);
            let s = sign_in(&session.user);
            let private = session.data.get("private").cloned().unwrap_or_else(|| json!({}));
            let event = s.event(
                svc,
                "VerifyAuthChallengeResponse_Authentication",
                json!({ "privateChallengeParameters": private, "challengeAnswer": answer, "clientMetadata": s.metadata, "userNotFound": false }),
                json!({ "answerCorrect": null }),
            )?;
            let mut history = session.data.get("custom").and_then(Value::as_array).cloned().unwrap_or_default();
            let challenge_metadata = session.data.get("challengeMetadata").cloned().unwrap_or(Value::Null);
            let then: Then = Box::new(move |svc, cx, event| {
                let correct = triggers::flag(&event, "answerCorrect")?;
                history.push(json!({ "challengeName": "CUSTOM_CHALLENGE", "challengeResult": correct, "challengeMetadata": challenge_metadata }));
                custom_define(svc, cx, s, history, None)
            });
            triggers::run(svc, cx, &pool_id, "VerifyAuthChallengeResponse", event, then)
        }
        "SMS_MFA" | "SOFTWARE_TOKEN_MFA" => {
            let session = challenge_session(svc, cx, &input, &client, challenge, username)?;
            let member = if challenge == "SMS_MFA" { "SMS_MFA_CODE" } else { "SOFTWARE_TOKEN_MFA_CODE" };
            let code = responses.get(member).copied().ok_or_else(|| invalid(format!("Missing required parameter {member}")))?;
            let mismatch = || err("CodeMismatchException", "Invalid code or auth state for the user.");
            let pool = &svc.pools[&pool_id];
            let mut user = pool.users.get(&session.user).cloned().ok_or_else(incorrect)?;
            if challenge == "SMS_MFA" {
                let sent = session.data.get("code").and_then(Value::as_str).unwrap_or("");
                if sent.is_empty() || !same(sent.as_bytes(), code.as_bytes()) {
                    return Err(mismatch());
                }
            } else {
                let secret = user.totp_secret.clone().ok_or_else(mismatch)?;
                let step = super::mfa::totp_step(&secret, code, cx.now_ms / 1000, user.totp_last_step).ok_or_else(mismatch)?;
                user.totp_last_step = Some(step);
                users::put_user(svc, cx, &pool_id, user);
            }
            end_session(svc, cx, &session.id);
            finish(svc, cx, sign_in(&session.user), "TokenGeneration_Authentication", None)
        }
        "MFA_SETUP" => {
            let session = challenge_session(svc, cx, &input, &client, "MFA_SETUP", username)?;
            if session.data.get("verified") != Some(&json!(true)) {
                return Err(invalid("Software token MFA has not been set up for this session: call AssociateSoftwareToken and VerifySoftwareToken with the Session first."));
            }
            end_session(svc, cx, &session.id);
            finish(svc, cx, sign_in(&session.user), "TokenGeneration_Authentication", None)
        }
        "NEW_PASSWORD_REQUIRED" => {
            let session = challenge_session(svc, cx, &input, &client, "NEW_PASSWORD_REQUIRED", username)?;
            let new_password = responses.get("NEW_PASSWORD").copied().ok_or_else(|| invalid("Missing required parameter NEW_PASSWORD"))?;
            let pool = &svc.pools[&pool_id];
            pool.policy.check(new_password).map_err(|m| err("InvalidPasswordException", m))?;
            let mut attrs = Vec::new();
            for (k, v) in &responses {
                if let Some(name) = k.strip_prefix("userAttributes.") {
                    attrs.push((name.to_string(), v.to_string()));
                }
            }
            let mut user: User = pool.users[&session.user].clone();
            users::apply_attributes(pool, &mut user, &attrs, false)?;
            if let Some(missing) = pool.schema.iter().find(|a| a.required && !user.attributes.contains_key(&a.name)) {
                return Err(invalid(format!("Attributes did not conform to the schema: {}: The attribute is required", missing.name)));
            }
            users::set_password(cx, pool, &mut user, new_password);
            user.status = "CONFIRMED".into();
            user.temporary_expires_ms = None;
            user.modified_ms = cx.now_ms;
            users::put_user(svc, cx, &pool_id, user);
            end_session(svc, cx, &session.id);
            finish(svc, cx, sign_in(&session.user), "TokenGeneration_NewPasswordChallenge", None)
        }
        "SELECT_MFA_TYPE" | "DEVICE_SRP_AUTH" | "DEVICE_PASSWORD_VERIFIER" | "ADMIN_NO_SRP_AUTH" | "EMAIL_OTP" | "SMS_OTP" | "PASSWORD" | "WEB_AUTHN" | "SELECT_CHALLENGE" => {
            Err(invalid(format!("The {challenge} challenge is not supported in the Gureum sandbox yet.")))
        }
        other => Err(super::constraint("ChallengeName", &format!("'{other}'"), "Member must satisfy enum value set: [SMS_MFA, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED]")),
    }
}
