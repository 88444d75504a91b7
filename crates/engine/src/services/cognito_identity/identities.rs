//! Identities and their credentials: GetId, GetOpenIdToken, GetCredentialsForIdentity.
//!
//! A login (`Logins`: `cognito-idp.{region}.amazonaws.com/{userPoolId}` → ID token) is verified
//! by the user pool (`cognito-idp:VerifyToken` through a `Step::Control`: signature, expiry,
//! issuer, `token_use` id, and `aud` one of the pool's ClientIds for that provider), one login at
//! a time. GetCredentialsForIdentity then picks the role (role mapping for the provider and
//! client, else the pool's authenticated role; the unauthenticated role for guests), mints an
//! OpenID token and asks STS for AssumeRoleWithWebIdentity with session name
//! `CognitoIdentityCredentials`: the session carries `cognito-identity.amazonaws.com:sub` (the
//! IdentityId), `:aud` (the pool) and `:amr` into the policies of every call it signs; a guest's
//! session also has AWS's scope-down session policy ([`GUEST_SESSION_POLICY`]). A role whose
//! trust policy refuses is InvalidIdentityPoolConfigurationException, as on AWS.

use serde_json::{json, Map, Value};

use super::{identity_not_found, login_key, CognitoIdentity, Identity, Pool};
use crate::kernel::{error::AwsError, runtime::Step, service::Cx, Request};
use crate::services::cognito::{
    crypto::{sign_jwt, verify_signature, TokenError},
    err, invalid,
    model::secs,
    not_authorized, In,
};
use crate::services::sts::COGNITO_IDENTITY_ISSUER;

/// OpenID tokens last 10 minutes (GetOpenIdToken's documented lifetime).
const TOKEN_SECONDS: i64 = 600;
/// Credentials from GetCredentialsForIdentity last one hour.
const CREDENTIALS_SECONDS: i64 = 3600;

/// The session policy AWS adds to a guest's credentials from GetCredentialsForIdentity
/// (`arn:aws:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy`, v3): what a guest may
/// do is the role's policies intersected with this. Of the services the sandbox simulates, only
/// Firehose is in it (a guest reaching DynamoDB needs the basic flow).
pub const GUEST_SESSION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"CognitoUnAuthedIdentitiesSessionPolicy","Effect":"Allow","Action":["rum:PutRumEvents","sagemaker:InvokeEndpoint","polly:*","comprehend:*","translate:*","transcribe:*","rekognition:*","mobiletargeting:*","firehose:*","personalize:*","geo:GetMap*","geo:SearchPlaceIndex*","geo:GetPlace","geo:CalculateRoute*","geo:*Geofence","geo:*Geofences","geo:*DevicePosition*","kms:Encrypt","kms:Decrypt","kms:ReEncryptTo","kms:ReEncryptFrom","kms:GenerateDataKey","kms:GenerateDataKeyPair","kms:GenerateDataKeyPairWithoutPlaintext","kms:GenerateDataKeyWithoutPlaintext"],"Resource":"*"}]}"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    GetId,
    GetOpenIdToken,
    GetCredentials,
}

/// Where a call waits.
pub enum Wait {
    /// On the user pool's verdict on `logins[verified.len()]`.
    Verify(Flow),
    /// On STS's AssumeRoleWithWebIdentity.
    Credentials { identity_id: String },
}

pub struct Flow {
    op: Op,
    pool_id: String,
    identity_id: Option<String>,
    custom_role: Option<String>,
    /// (provider, token) as given.
    logins: Vec<(String, String)>,
    /// The verified claims of the first logins, in order.
    verified: Vec<Map<String, Value>>,
}

/// The check of an OpenID token of this service; the claims, or STS's error kind.
pub fn verify_open_id_token(jwks: &Value, token: &str, now_ms: i64) -> Result<Map<String, Value>, AwsError> {
    let bad = |m: &str| AwsError::new("", "InvalidIdentityToken", m.to_string(), 400);
    let claims = verify_signature(token, jwks).map_err(|e| match e {
        TokenError::UnknownKey | TokenError::BadSignature => bad("Couldn't verify the token's signature with the keys of https://cognito-identity.amazonaws.com"),
        _ => bad("The ID Token provided is not a valid JWT."),
    })?;
    if claims.get("iss").and_then(Value::as_str) != Some(COGNITO_IDENTITY_ISSUER) {
        return Err(bad("The token's issuer is not https://cognito-identity.amazonaws.com"));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp * 1000 <= now_ms {
        return Err(AwsError::new("", "ExpiredTokenException", format!("Token expired: current date/time {} must be before the expiration date/time {}", now_ms / 1000, exp), 400));
    }
    Ok(claims)
}

fn forbidden(id: &str) -> AwsError {
    not_authorized(format!("Access to Identity '{id}' is forbidden."))
}

fn logins_mismatch() -> AwsError {
    not_authorized("Logins don't match. Please include at least one valid login for this identity or identity pool.")
}

fn bad_configuration() -> AwsError {
    err("InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
}

/// A claim as the rules compare it: strings as they are, lists joined with commas.
fn claim_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(claim_text).collect::<Vec<_>>().join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The role for an authenticated identity, per the pool's role mapping for the login's provider
/// and client; `Err` for a Deny.
fn mapped_role(pool: &Pool, provider: &str, claims: &Map<String, Value>, custom: Option<&str>) -> Result<Option<String>, AwsError> {
    let client = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    let default = pool.roles.get("authenticated").cloned();
    let Some(mapping) = pool.role_mappings.get(&format!("{provider}:{client}")) else {
        if custom.is_some() {
            return Err(invalid("CustomRoleArn applies only to an identity provider with a Token role mapping."));
        }
        return Ok(default);
    };
    let ambiguous = || match mapping.get("AmbiguousRoleResolution").and_then(Value::as_str) {
        Some("Deny") => Err(not_authorized("Unable to determine a role for the identity: no role mapping matched and AmbiguousRoleResolution is Deny.")),
        _ => Ok(default.clone()),
    };
    match mapping.get("Type").and_then(Value::as_str) {
        Some("Token") => {
            let roles: Vec<&str> = claims.get("cognito:roles").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            if let Some(c) = custom {
                if !roles.contains(&c) {
                    return Err(not_authorized("The CustomRoleArn is not one of the roles in the token (cognito:roles)."));
                }
                return Ok(Some(c.to_string()));
            }
            if let Some(p) = claims.get("cognito:preferred_role").and_then(Value::as_str) {
                return Ok(Some(p.to_string()));
            }
            match roles.as_slice() {
                [one] => Ok(Some(one.to_string())),
                _ => ambiguous(),
            }
        }
        _ => {
            if custom.is_some() {
                return Err(invalid("CustomRoleArn applies only to an identity provider with a Token role mapping."));
            }
            let rules = mapping.pointer("/RulesConfiguration/Rules").and_then(Value::as_array).cloned().unwrap_or_default();
            for r in &rules {
                let field = |n: &str| r.get(n).and_then(Value::as_str).unwrap_or("");
                let Some(claim) = claims.get(field("Claim")) else {
                    if field("MatchType") == "NotEqual" {
                        return Ok(Some(field("RoleArn").to_string()));
                    }
                    continue;
                };
                let text = claim_text(claim);
                let value = field("Value");
                let hit = match field("MatchType") {
                    "Equals" => text == value,
                    "Contains" => text.contains(value),
                    "StartsWith" => text.starts_with(value),
                    "NotEqual" => text != value,
                    _ => false,
                };
                if hit {
                    return Ok(Some(field("RoleArn").to_string()));
                }
            }
            ambiguous()
        }
    }
}

impl CognitoIdentity {
    /// Reads `Logins` against the pool: each provider must be one of its user pools.
    fn logins(pool: &Pool, input: In) -> Result<Vec<(String, String)>, AwsError> {
        let logins = input.string_map("Logins")?;
        if logins.len() > 10 {
            return Err(invalid("1 validation error detected: Value at 'logins' failed to satisfy constraint: Member must have length less than or equal to 10"));
        }
        let mut out = Vec::new();
        for (provider, token) in logins {
            if !pool.providers.iter().any(|p| p.name == provider) {
                return Err(not_authorized(format!(
                    "Invalid login token. Can't use {provider} as a login provider for this identity pool: it is not one of its Cognito identity providers."
                )));
            }
            out.push((provider.to_string(), token.to_string()));
        }
        Ok(out)
    }

    fn start(&mut self, cx: &mut Cx, flow: Flow) -> Result<Step, AwsError> {
        self.next(cx, flow)
    }

    /// Verifies the next login, or finishes.
    fn next(&mut self, cx: &mut Cx, flow: Flow) -> Result<Step, AwsError> {
        let Some((provider, token)) = flow.logins.get(flow.verified.len()) else { return self.verified(cx, flow) };
        let pool = self.pool(&flow.pool_id)?;
        let clients: Vec<&str> = pool.providers.iter().filter(|p| &p.name == provider).map(|p| p.client_id.as_str()).collect();
        let request = Request::new("cognito-idp", "VerifyToken", cx.region, json!({ "Token": token, "TokenUse": "id", "ClientIds": clients }));
        Ok(Step::Control(request, Box::new(Wait::Verify(flow))))
    }

    pub(super) fn resumed(&mut self, cx: &mut Cx, wait: Wait, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
        match wait {
            Wait::Verify(mut flow) => {
                let (provider, _) = flow.logins[flow.verified.len()].clone();
                let claims = answer.map_err(|e| {
                    let why = if e.message.starts_with("Token expired") { "Token expired".to_string() } else { e.message.trim_start_matches("Invalid JWT: ").to_string() };
                    not_authorized(format!("Invalid login token. {why}."))
                })?;
                let claims = match claims.get("Claims") {
                    Some(Value::Object(m)) => m.clone(),
                    _ => return Err(not_authorized("Invalid login token.")),
                };
                if claims.get("iss").and_then(Value::as_str) != Some(&format!("https://{provider}")) {
                    return Err(not_authorized("Invalid login token. Issuer doesn't match providerName"));
                }
                flow.verified.push(claims);
                self.next(cx, flow)
            }
            Wait::Credentials { identity_id } => {
                let out = answer.map_err(|e| match e.kind.as_str() {
                    "AccessDenied" | "InvalidIdentityToken" => bad_configuration(),
                    _ => e,
                })?;
                let c = &out["Credentials"];
                Ok(Step::Done(json!({
                    "IdentityId": identity_id,
                    "Credentials": {
                        "AccessKeyId": c["AccessKeyId"],
                        "SecretKey": c["SecretAccessKey"],
                        "SessionToken": c["SessionToken"],
                        "Expiration": secs(cx.now_ms + CREDENTIALS_SECONDS * 1000),
                    },
                })))
            }
        }
    }

    /// Every login is verified: the operation's own work.
    fn verified(&mut self, cx: &mut Cx, flow: Flow) -> Result<Step, AwsError> {
        let pool = self.pool(&flow.pool_id)?.clone();
        let subs: Vec<(String, String)> =
            flow.logins.iter().zip(&flow.verified).map(|((p, _), c)| (p.clone(), c.get("sub").and_then(Value::as_str).unwrap_or("").to_string())).collect();
        if flow.op == Op::GetId {
            if subs.is_empty() {
                return Ok(Step::Done(json!({ "IdentityId": self.new_identity(cx, &pool, Vec::new()) })));
            }
            let known: Vec<String> = subs.iter().filter_map(|(p, s)| self.logins.get(&login_key(&pool.id, p, s)).cloned()).collect();
            let id = match known.first() {
                Some(id) => id.clone(),
                None => self.new_identity(cx, &pool, Vec::new()),
            };
            if known.iter().any(|k| *k != id) {
                return Err(err("ResourceConflictException", "The logins belong to different identities (merging identities is not simulated)."));
            }
            self.link(cx, &id, &subs);
            return Ok(Step::Done(json!({ "IdentityId": id })));
        }
        let id = flow.identity_id.clone().unwrap_or_default();
        let identity = self.identities.get(&id).filter(|i| i.pool_id == pool.id).ok_or_else(|| identity_not_found(&id))?.clone();
        if subs.is_empty() {
            if !identity.logins.is_empty() {
                return Err(forbidden(&id));
            }
            if !pool.allow_unauthenticated {
                return Err(not_authorized("Unauthenticated access is not supported for this identity pool."));
            }
        } else {
            for (p, s) in &subs {
                if let Some(owner) = self.logins.get(&login_key(&pool.id, p, s)) {
                    if *owner != id {
                        return Err(logins_mismatch());
                    }
                } else if !identity.logins.is_empty() && !identity.logins.iter().any(|(lp, _)| lp == p) {
                    return Err(logins_mismatch());
                }
            }
            // A guest identity signing in becomes the user's (its login is linked).
            self.link(cx, &id, &subs);
        }
        let amr: Vec<String> = if subs.is_empty() {
            vec!["unauthenticated".into()]
        } else {
            let mut amr = vec!["authenticated".to_string()];
            for (p, s) in &subs {
                amr.push(p.clone());
                amr.push(format!("{p}:CognitoSignIn:{s}"));
            }
            amr
        };
        let token = self.open_id_token(cx, &pool.id, &id, amr);
        if flow.op == Op::GetOpenIdToken {
            return Ok(Step::Done(json!({ "IdentityId": id, "Token": token })));
        }
        let role = match (flow.logins.first(), flow.verified.first()) {
            (Some((provider, _)), Some(claims)) => mapped_role(&pool, provider, claims, flow.custom_role.as_deref())?,
            _ => pool.roles.get("unauthenticated").cloned(),
        };
        let role = role.ok_or_else(bad_configuration)?;
        let mut input = json!({ "RoleArn": role, "RoleSessionName": "CognitoIdentityCredentials", "WebIdentityToken": token, "DurationSeconds": CREDENTIALS_SECONDS });
        if subs.is_empty() {
            // Guests of the enhanced flow get AWS's scope-down session policy as well.
            input["Policy"] = json!(GUEST_SESSION_POLICY);
        }
        let request = Request::new("sts", "AssumeRoleWithWebIdentity", cx.region, input);
        Ok(Step::Call(request, Box::new(Wait::Credentials { identity_id: id })))
    }

    fn new_identity(&mut self, cx: &mut Cx, pool: &Pool, logins: Vec<(String, String)>) -> String {
        let identity = Identity {
            id: format!("{}:{}", pool.region, cx.rng.uuid()),
            pool_id: pool.id.clone(),
            region: pool.region.clone(),
            logins,
            created_ms: cx.now_ms,
            modified_ms: cx.now_ms,
        };
        Self::save_identity(cx, &identity);
        let id = identity.id.clone();
        self.identities.insert(id.clone(), identity);
        id
    }

    /// Links logins (provider, sub) to an identity.
    fn link(&mut self, cx: &mut Cx, id: &str, subs: &[(String, String)]) {
        let Some(identity) = self.identities.get_mut(id) else { return };
        let mut changed = false;
        for (p, s) in subs {
            if !identity.logins.iter().any(|(lp, ls)| lp == p && ls == s) {
                identity.logins.push((p.clone(), s.clone()));
                self.logins.insert(login_key(&identity.pool_id, p, s), id.to_string());
                changed = true;
            }
        }
        if changed {
            identity.modified_ms = cx.now_ms;
            let identity = identity.clone();
            Self::save_identity(cx, &identity);
        }
    }

    fn open_id_token(&mut self, cx: &mut Cx, pool: &str, identity: &str, amr: Vec<String>) -> String {
        let key = self.key(cx);
        let now = cx.now_ms / 1000;
        sign_jwt(&key, &json!({ "sub": identity, "aud": pool, "amr": amr, "iss": COGNITO_IDENTITY_ISSUER, "exp": now + TOKEN_SECONDS, "iat": now }))
    }

    pub(super) fn get_id(&mut self, cx: &mut Cx, input: In) -> Result<Step, AwsError> {
        let pool_id = input.req("IdentityPoolId")?;
        if let Some(account) = input.str("AccountId")? {
            if account != cx.account.id {
                return Err(super::pool_not_found(pool_id));
            }
        }
        let pool = self.pool(pool_id)?;
        let logins = Self::logins(pool, input)?;
        if logins.is_empty() && !pool.allow_unauthenticated {
            return Err(not_authorized("Unauthenticated access is not supported for this identity pool."));
        }
        let flow = Flow { op: Op::GetId, pool_id: pool.id.clone(), identity_id: None, custom_role: None, logins, verified: Vec::new() };
        self.start(cx, flow)
    }

    fn identity_flow(&mut self, input: In, op: Op) -> Result<Flow, AwsError> {
        let id = input.req("IdentityId")?;
        let identity = self.identities.get(id).ok_or_else(|| identity_not_found(id))?;
        let pool = self.pool(&identity.pool_id)?;
        let logins = Self::logins(pool, input)?;
        let custom_role = input.str("CustomRoleArn")?.map(str::to_string);
        Ok(Flow { op, pool_id: pool.id.clone(), identity_id: Some(id.to_string()), custom_role, logins, verified: Vec::new() })
    }

    pub(super) fn get_open_id_token(&mut self, cx: &mut Cx, input: In) -> Result<Step, AwsError> {
        let flow = self.identity_flow(input, Op::GetOpenIdToken)?;
        // The basic (classic) flow: refused only where the pool turned it off explicitly (AWS
        // lets a pool that never set AllowClassicFlow have tokens).
        if self.pool(&flow.pool_id)?.allow_classic_flow == Some(false) {
            return Err(invalid("Basic (classic) flow is not enabled, please use enhanced flow."));
        }
        self.start(cx, flow)
    }

    pub(super) fn get_credentials(&mut self, cx: &mut Cx, input: In) -> Result<Step, AwsError> {
        let flow = self.identity_flow(input, Op::GetCredentials)?;
        self.start(cx, flow)
    }
}
