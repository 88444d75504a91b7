//! Sign-in: InitiateAuth / AdminInitiateAuth (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH,
//! USER_SRP_AUTH, REFRESH_TOKEN_AUTH), RespondToAuthChallenge / AdminRespondToAuthChallenge
//! (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED), and the tokens.

use serde_json::{json, Map, Value};

use super::{
    crypto::{self, b64, b64_decode, random_bytes, same, sign_jwt},
    err, invalid,
    model::{self, AppClient, AuthSession, Pool, RefreshToken, User},
    not_authorized, not_found, pools, srp, users, Cognito, In,
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
fn issue(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, client: &AppClient, user_key: &str, refreshed: Option<(&str, i64)>) -> Result<Value, AwsError> {
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

/// What happens once the password is known to be right.
fn after_password(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, client: &AppClient, user_key: &str) -> Result<Value, AwsError> {
    let pool = &svc.pools[pool_id];
    let user = &pool.users[user_key];
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
            let session = new_session(svc, cx, pool_id, client, user_key, "NEW_PASSWORD_REQUIRED", None);
            Ok(json!({
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": session.session,
                "ChallengeParameters": {
                    "USER_ID_FOR_SRP": user_id,
                    "requiredAttributes": serde_json::to_string(&required).unwrap_or_default(),
                    "userAttributes": Value::Object(attrs).to_string(),
                },
            }))
        }
        _ => issue(svc, cx, pool_id, client, user_key, None),
    }
}

fn new_session(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, client: &AppClient, user_key: &str, challenge: &str, srp: Option<(String, String, String, String)>) -> AuthSession {
    let region = svc.pools[pool_id].region.clone();
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

pub fn initiate_auth(svc: &mut Cognito, cx: &mut Cx, input: In, admin: bool) -> Result<Value, AwsError> {
    let op = if admin { "AdminInitiateAuth" } else { "InitiateAuth" };
    input.refuse(op, &["AnalyticsMetadata", "ContextData", "UserContextData", "Session"])?;
    let flow = input.req("AuthFlow")?;
    let client_id = input.req("ClientId")?;
    let params = input.string_map("AuthParameters")?;
    if input.obj("ClientMetadata")?.is_some_and(|m| !m.0.is_empty()) {
        return Err(invalid("ClientMetadata is only passed to Lambda triggers, which are not supported in the Gureum sandbox yet."));
    }
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
    match flow {
        "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            if flow == "USER_PASSWORD_AUTH" {
                flow_enabled(&client, flow, "ALLOW_USER_PASSWORD_AUTH")?;
            } else {
                flow_enabled(&client, flow, "ALLOW_ADMIN_USER_PASSWORD_AUTH")?;
            }
            let username = params.get("USERNAME").copied().ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
            let password = params.get("PASSWORD").copied().ok_or_else(|| invalid("Missing required parameter PASSWORD"))?;
            check_secret(&client, username, params.get("SECRET_HASH").copied())?;
            let key = sign_in_user(pool, &client, username)?;
            if !users::password_matches(&pool.users[&key], password) {
                return Err(incorrect());
            }
            after_password(svc, cx, &pool_id, &client, &key)
        }
        "USER_SRP_AUTH" => {
            flow_enabled(&client, flow, "ALLOW_USER_SRP_AUTH")?;
            let username = params.get("USERNAME").copied().ok_or_else(|| invalid("Missing required parameter USERNAME"))?;
            let a_hex = params.get("SRP_A").copied().ok_or_else(|| invalid("Missing required parameter SRP_A"))?;
            check_secret(&client, username, params.get("SECRET_HASH").copied())?;
            let a = srp::from_hex(a_hex).filter(srp::valid_a).ok_or_else(|| invalid("SRP_A is not a valid SRP value."))?;
            let key = sign_in_user(pool, &client, username)?;
            let user = &pool.users[&key];
            let verifier = srp::from_hex(&user.srp_verifier).ok_or_else(|| AwsError::internal("stored verifier is not hex"))?;
            let (salt, user_id) = (user.srp_salt.clone(), user.username.clone());
            let (b, big_b) = srp::server_ephemeral(cx.rng, &verifier);
            let block = b64(&random_bytes(cx.rng, 64));
            let s = new_session(svc, cx, &pool_id, &client, &key, "PASSWORD_VERIFIER", Some((block.clone(), srp::to_hex(&a), srp::to_hex(&b), srp::to_hex(&big_b))));
            Ok(json!({
                "ChallengeName": "PASSWORD_VERIFIER",
                "Session": s.session,
                "ChallengeParameters": {
                    "SALT": salt,
                    "SECRET_BLOCK": block,
                    "SRP_B": srp::to_hex(&big_b),
                    "USERNAME": user_id,
                    "USER_ID_FOR_SRP": user_id,
                },
            }))
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
            issue(svc, cx, &pool_id, &client, &record.user, Some((&record.origin_jti, record.auth_time)))
        }
        _ => Err(invalid(format!("{flow} is not supported in the Gureum sandbox yet (it needs Lambda triggers or passwordless sign-in)."))),
    }
}

pub fn respond_to_auth_challenge(svc: &mut Cognito, cx: &mut Cx, input: In, admin: bool) -> Result<Value, AwsError> {
    let op = if admin { "AdminRespondToAuthChallenge" } else { "RespondToAuthChallenge" };
    input.refuse(op, &["AnalyticsMetadata", "ContextData", "UserContextData"])?;
    if input.obj("ClientMetadata")?.is_some_and(|m| !m.0.is_empty()) {
        return Err(invalid("ClientMetadata is only passed to Lambda triggers, which are not supported in the Gureum sandbox yet."));
    }
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
            let user_key = session.user.clone();
            after_password(svc, cx, &pool_id, &client, &user_key)
        }
        "NEW_PASSWORD_REQUIRED" => {
            let token = input.req("Session")?;
            let session = svc.sessions.values().find(|s| s.session.as_deref() == Some(token) && s.challenge == "NEW_PASSWORD_REQUIRED" && s.client_id == client.id).cloned().ok_or_else(|| not_authorized("Invalid session for the user."))?;
            if session.expires_ms < cx.now_ms {
                end_session(svc, cx, &session.id);
                return Err(not_authorized("Invalid session for the user, session is expired."));
            }
            let new_password = responses.get("NEW_PASSWORD").copied().ok_or_else(|| invalid("Missing required parameter NEW_PASSWORD"))?;
            let pool = &svc.pools[&pool_id];
            if pool.find_user_key(username).as_deref() != Some(session.user.as_str()) {
                return Err(incorrect());
            }
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
            let pool = svc.pools.get_mut(&pool_id).ok_or_else(|| AwsError::internal("pool vanished"))?;
            Cognito::save_user(cx, pool, &user);
            pool.users.insert(user.key.clone(), user);
            end_session(svc, cx, &session.id);
            issue(svc, cx, &pool_id, &client, &session.user, None)
        }
        "SMS_MFA" | "SOFTWARE_TOKEN_MFA" | "SELECT_MFA_TYPE" | "MFA_SETUP" | "CUSTOM_CHALLENGE" | "DEVICE_SRP_AUTH" | "DEVICE_PASSWORD_VERIFIER" | "ADMIN_NO_SRP_AUTH" | "EMAIL_OTP" | "SMS_OTP" | "PASSWORD" | "WEB_AUTHN" | "SELECT_CHALLENGE" => {
            Err(invalid(format!("The {challenge} challenge is not supported in the Gureum sandbox yet.")))
        }
        other => Err(super::constraint("ChallengeName", &format!("'{other}'"), "Member must satisfy enum value set: [SMS_MFA, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER, ADMIN_NO_SRP_AUTH, NEW_PASSWORD_REQUIRED]")),
    }
}
