//! AWS Security Token Service (AWS Query protocol, `sts`): GetCallerIdentity, AssumeRole and
//! AssumeRoleWithWebIdentity.
//!
//! GetCallerIdentity answers the checked caller (an assumed-role session or an IAM user, see
//! [`crate::kernel::authz`]) or the account's root identity (`arn:aws:iam::{account}:root`). **Departure:** AWS refuses AssumeRole from root credentials ("Roles
//! may not be assumed by root accounts"); the sandbox lets root assume a role whose trust policy
//! admits it (the account or `"AWS": "*"`), since root is the only caller there is yet.
//!
//! AssumeRole reads the role through IAM's GetRole (a `Step::Call`: services never hold each
//! other), evaluates its trust policy with [`crate::services::iam::eval`] for `sts:AssumeRole`
//! (and `sts:TagSession` when the request has tags), and issues temporary credentials that
//! expire on the virtual clock. Sessions are records `sts/global/session/{AccessKeyId}` (role,
//! session name, secret, token, expiry, session policy) so a later session can resolve
//! credentials to a role; expired ones are dropped when the next AssumeRole is made.
//!
//! AssumeRoleWithWebIdentity (unsigned, as on AWS) takes the OpenID token of an Amazon Cognito
//! identity pool (GetOpenIdToken; verified by `cognito-identity:VerifyOpenIdToken`, the issuer's
//! key), evaluates the role's trust policy for the `Federated` principal
//! `cognito-identity.amazonaws.com` with the token's `cognito-identity.amazonaws.com:aud`,
//! `:sub` and `:amr` as context keys, and issues a session that carries those keys into every
//! call it signs (so `${cognito-identity.amazonaws.com:sub}` resolves in the role's policies).
//! Tokens of other issuers are InvalidIdentityToken: IAM OpenID Connect providers are not
//! simulated yet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    service::{Cx, Service},
    Request,
};
use crate::services::iam::{
    date,
    eval::{self, Applied, Caller, Decision, PolicyRole, RequestContext},
    input::{check_name, tags, validation, Input},
    policy::{Policy, PolicyKind, PrincipalKind},
    simulate::decode_document,
};

/// A session policy (inline), in characters.
const MAX_SESSION_POLICY: usize = 2048;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub role_arn: String,
    pub role_id: String,
    pub session_name: String,
    pub expires_ms: i64,
    #[serde(default)]
    pub policy: Option<String>,
    #[serde(default)]
    pub policy_arns: Vec<String>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// More request-context keys the session's calls carry (AssumeRoleWithWebIdentity's
    /// `cognito-identity.amazonaws.com:sub`, ...), as enforcement adds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<(String, Vec<String>)>,
}

impl Session {
    /// `arn:aws:sts::{account}:assumed-role/{role name}/{session name}`.
    pub fn assumed_role_arn(&self) -> String {
        let (prefix, role) = self.role_arn.split_once(":role/").unwrap_or((&self.role_arn, ""));
        let account = prefix.rsplit(':').next().unwrap_or("");
        let name = role.rsplit('/').next().unwrap_or(role);
        format!("arn:aws:sts::{account}:assumed-role/{name}/{}", self.session_name)
    }
}

#[derive(Debug, Default)]
pub struct Sts {
    pub sessions: BTreeMap<String, Session>,
}

fn session_key(id: &str) -> String {
    format!("sts/global/session/{id}")
}

fn access_denied(caller: &str, role_arn: &str, action: &str) -> AwsError {
    AwsError::new("", "AccessDenied", format!("User: {caller} is not authorized to perform: {action} on resource: {role_arn}"), 403)
}

/// What AssumeRole carries across IAM's GetRole.
struct Pending {
    role_arn: String,
    session_name: String,
    duration: Option<i64>,
    policy: Option<String>,
    policy_arns: Vec<String>,
    tags: Vec<(String, String)>,
    external_id: Option<String>,
    /// AssumeRoleWithWebIdentity's token, verified before the role is read.
    web: Option<WebIdentity>,
}

/// A verified web identity token (AssumeRoleWithWebIdentity).
struct WebIdentity {
    /// The provider (`cognito-identity.amazonaws.com`), the principal the trust policy names as
    /// `Federated`.
    provider: String,
    audience: String,
    subject: String,
    amr: Vec<String>,
}

/// Where a call waits: on the token's verification, or on the role.
enum Stage {
    Verify(Pending),
    Role(Pending),
}

/// The issuer of Amazon Cognito identity pools' OpenID tokens.
pub const COGNITO_IDENTITY_ISSUER: &str = "https://cognito-identity.amazonaws.com";

fn web_denied() -> AwsError {
    AwsError::new("", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
}

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::new("", "InvalidIdentityToken", message, 400)
}

/// The context keys a web identity's session carries into every call it signs (and its trust
/// policy's conditions see): `cognito-identity.amazonaws.com:aud`, `:sub`, `:amr`.
fn web_context(w: &WebIdentity) -> Vec<(String, Vec<String>)> {
    vec![
        (format!("{}:aud", w.provider), vec![w.audience.clone()]),
        (format!("{}:sub", w.provider), vec![w.subject.clone()]),
        (format!("{}:amr", w.provider), w.amr.clone()),
        ("aws:FederatedProvider".into(), vec![w.provider.clone()]),
    ]
}

fn check_duration(duration: Option<i64>) -> Result<(), AwsError> {
    if let Some(d) = duration {
        if d < 900 {
            return Err(validation(format!(
                "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
            )));
        }
        if d > 43200 {
            return Err(validation(format!(
                "1 validation error detected: Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"
            )));
        }
    }
    Ok(())
}

/// A session policy and managed session policies, checked as AssumeRole* take them.
fn session_policies<'a>(input: &Input<'a>) -> Result<(Option<&'a str>, Vec<String>), AwsError> {
    let policy = input.string("Policy")?;
    if let Some(p) = policy {
        if p.chars().filter(|c| !c.is_whitespace()).count() > MAX_SESSION_POLICY {
            return Err(AwsError::new("", "PackedPolicyTooLarge", "Packed policy consumes 100% of allotted space, please use smaller policy.", 400));
        }
        Policy::parse(p, PolicyKind::Identity)?;
    }
    let policy_arns: Vec<String> = input.list("PolicyArns")?.iter().filter_map(|v| v.get("arn").or_else(|| v.get("Arn")).and_then(Value::as_str).map(str::to_string)).collect();
    if policy_arns.len() > 10 {
        return Err(validation("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10"));
    }
    Ok((policy, policy_arns))
}

impl Pending {
    /// The members every AssumeRole* reads, in AWS's order of checks.
    fn read(input: &Input) -> Result<Pending, AwsError> {
        let role_arn = input.sized("RoleArn", 20, 2048)?.map_or_else(|| input.required("RoleArn"), Ok)?;
        let session_name = input.required("RoleSessionName")?;
        check_name(session_name, "RoleSessionName", 2, 64)?;
        let duration = input.int("DurationSeconds")?;
        check_duration(duration)?;
        let (policy, policy_arns) = session_policies(input)?;
        Ok(Pending {
            role_arn: role_arn.to_string(),
            session_name: session_name.to_string(),
            duration,
            policy: policy.map(str::to_string),
            policy_arns,
            tags: Vec::new(),
            external_id: None,
            web: None,
        })
    }
}

impl Sts {
    fn assume_role(&mut self, cx: &mut Cx, input: &Input) -> Result<Step, AwsError> {
        input.refuse(&["SerialNumber", "TokenCode", "SourceIdentity", "ProvidedContexts", "TransitiveTagKeys"], "AssumeRole")?;
        let mut pending = Pending::read(input)?;
        pending.tags = tags(input, "Tags")?;
        pending.external_id = input.sized("ExternalId", 2, 1224)?.map(str::to_string);
        let role_arn = pending.role_arn.as_str();
        let (prefix, rest) = role_arn.split_once(":role/").ok_or_else(|| validation(format!("{role_arn} is invalid")))?;
        let account = prefix.strip_prefix("arn:aws:iam::").ok_or_else(|| validation(format!("{role_arn} is invalid")))?;
        let caller = format!("arn:aws:iam::{}:root", cx.account.id);
        if account != cx.account.id {
            return Err(access_denied(&caller, role_arn, "sts:AssumeRole"));
        }
        let role_name = rest.rsplit('/').next().unwrap_or(rest).to_string();
        let request = Request::new("iam", "GetRole", cx.region, json!({"RoleName": role_name}));
        Ok(Step::Call(request, Box::new(Stage::Role(pending))))
    }

    /// AssumeRoleWithWebIdentity: the token is verified by its issuer (Amazon Cognito identity
    /// pools' OpenID tokens through `cognito-identity:VerifyOpenIdToken`), then the role is read.
    fn assume_role_with_web_identity(&mut self, cx: &mut Cx, input: &Input) -> Result<Step, AwsError> {
        input.refuse(&["ProviderId"], "AssumeRoleWithWebIdentity")?;
        let mut pending = Pending::read(input)?;
        let token = input.sized("WebIdentityToken", 4, 20000)?.map_or_else(|| input.required("WebIdentityToken"), Ok)?;
        let claims = crate::services::cognito::crypto::decode_claims(token)
            .ok_or_else(|| invalid_token("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"))?;
        let issuer = claims.get("iss").and_then(Value::as_str).unwrap_or("");
        if issuer != COGNITO_IDENTITY_ISSUER {
            return Err(invalid_token(format!(
                "No OpenIDConnect provider found in your account for {issuer} (the Gureum sandbox accepts the OpenID tokens of Amazon Cognito identity pools)"
            )));
        }
        pending.web = Some(WebIdentity { provider: "cognito-identity.amazonaws.com".into(), audience: String::new(), subject: String::new(), amr: Vec::new() });
        let request = Request::new("cognito-identity", "VerifyOpenIdToken", cx.region, json!({ "Token": token }));
        Ok(Step::Control(request, Box::new(Stage::Verify(pending))))
    }

    /// The token's verification came back: read the role.
    fn verified(&mut self, cx: &mut Cx, mut p: Pending, answer: Result<Value, AwsError>) -> Result<Step, AwsError> {
        let claims = answer.map_err(|e| match e.kind.as_str() {
            "ExpiredTokenException" => AwsError::new("", "ExpiredTokenException", e.message, 400),
            _ => invalid_token(e.message),
        })?;
        let claims = claims.get("Claims").cloned().unwrap_or_default();
        let web = p.web.as_mut().ok_or_else(|| AwsError::internal("no web identity"))?;
        web.audience = claims.get("aud").and_then(Value::as_str).unwrap_or("").to_string();
        web.subject = claims.get("sub").and_then(Value::as_str).unwrap_or("").to_string();
        web.amr = claims.get("amr").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
        let role_name = p.role_arn.rsplit('/').next().unwrap_or("").to_string();
        if !p.role_arn.starts_with(&format!("arn:aws:iam::{}:role/", cx.account.id)) {
            return Err(web_denied());
        }
        let request = Request::new("iam", "GetRole", cx.region, json!({"RoleName": role_name}));
        Ok(Step::Call(request, Box::new(Stage::Role(p))))
    }

    fn finish(&mut self, cx: &mut Cx, p: Pending, role: Result<Value, AwsError>) -> Result<Value, AwsError> {
        // The checked caller (a session chaining roles, an IAM user), the account's root user, or
        // a web identity's provider (a federated principal).
        let caller = match (&p.web, cx.caller) {
            (Some(w), _) => Caller { arn: w.provider.clone(), kind: PrincipalKind::Federated, account: String::new(), role_arn: None },
            (None, Some(c)) => Caller { arn: c.arn.clone(), kind: PrincipalKind::Aws, account: c.account.clone(), role_arn: c.role_arn.clone() },
            (None, None) => Caller::account_root(&cx.account.id),
        };
        let caller_arn = caller.arn.clone();
        let action = if p.web.is_some() { "sts:AssumeRoleWithWebIdentity" } else { "sts:AssumeRole" };
        let denied = || if p.web.is_some() { web_denied() } else { access_denied(&caller_arn, &p.role_arn, action) };
        // A missing role is AccessDenied, as AWS answers (it does not reveal which roles exist).
        let role = role.map_err(|_| denied())?;
        let role = role.get("Role").cloned().unwrap_or_default();
        let arn = role.get("Arn").and_then(Value::as_str).unwrap_or("");
        if arn != p.role_arn {
            return Err(denied());
        }
        let trust = decode_document(role.get("AssumeRolePolicyDocument").and_then(Value::as_str).unwrap_or(""));
        let trust = Policy::parse(&trust, PolicyKind::Trust).map_err(|_| denied())?;
        let mut ctx = RequestContext::new(action, &p.role_arn);
        let principal_type = if p.web.is_some() {
            "WebIdentityUser"
        } else if cx.caller.is_none() {
            "Account"
        } else if caller.role_arn.is_some() {
            "AssumedRole"
        } else {
            "User"
        };
        if p.web.is_none() {
            ctx.set("aws:PrincipalArn", vec![caller.role_arn.clone().unwrap_or_else(|| caller_arn.clone())]);
            ctx.set("aws:PrincipalAccount", vec![cx.account.id.clone()]);
        }
        ctx.caller = Some(caller);
        ctx.set("aws:PrincipalType", vec![principal_type.into()]);
        ctx.set("aws:CurrentTime", vec![date(cx.now_ms)]);
        ctx.set("aws:EpochTime", vec![(cx.now_ms / 1000).to_string()]);
        ctx.set("aws:SecureTransport", vec!["true".into()]);
        let web_context = p.web.as_ref().map(web_context).unwrap_or_default();
        for (k, v) in &web_context {
            ctx.set(k, v.clone());
        }
        if let Some(e) = &p.external_id {
            ctx.set("sts:ExternalId", vec![e.clone()]);
        }
        if !p.tags.is_empty() {
            ctx.set("aws:TagKeys", p.tags.iter().map(|(k, _)| k.clone()).collect());
            for (k, v) in &p.tags {
                ctx.set(&format!("aws:RequestTag/{k}"), vec![v.clone()]);
            }
        }
        let applied = [Applied { policy: &trust, role: PolicyRole::Resource, index: 0 }];
        if eval::evaluate(&applied, &ctx).decision != Decision::Allowed {
            return Err(denied());
        }
        if !p.tags.is_empty() {
            ctx.action = "sts:tagsession".into();
            if eval::evaluate(&applied, &ctx).decision != Decision::Allowed {
                return Err(access_denied(&caller_arn, &p.role_arn, "sts:TagSession"));
            }
        }
        let max = role.get("MaxSessionDuration").and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))).unwrap_or(3600);
        let duration = p.duration.unwrap_or(3600);
        if duration > max {
            return Err(validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
        }
        // Forget sessions that have expired.
        let expired: Vec<String> = self.sessions.iter().filter(|(_, s)| s.expires_ms <= cx.now_ms).map(|(k, _)| k.clone()).collect();
        for k in expired {
            self.sessions.remove(&k);
            cx.journal.delete(session_key(&k));
        }
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let session = Session {
            access_key_id: format!("ASIA{}", cx.rng.token(UPPER, 16)),
            secret_access_key: cx.rng.token(SECRET, 40),
            session_token: format!("IQoJb3JpZ2luX2VjE{}", cx.rng.token(SECRET, 300)),
            role_arn: p.role_arn.clone(),
            role_id: role.get("RoleId").and_then(Value::as_str).unwrap_or("").to_string(),
            session_name: p.session_name.clone(),
            expires_ms: cx.now_ms + duration * 1000,
            policy: p.policy,
            policy_arns: p.policy_arns,
            tags: p.tags,
            context: web_context,
        };
        let out = json!({
            "Credentials": {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": session.session_token,
                "Expiration": date(session.expires_ms),
            },
            "AssumedRoleUser": {
                "AssumedRoleId": format!("{}:{}", session.role_id, session.session_name),
                "Arn": session.assumed_role_arn(),
            },
        });
        let mut out = out;
        if let Some(w) = &p.web {
            out["SubjectFromWebIdentityToken"] = json!(w.subject);
            out["Provider"] = json!(w.provider);
            out["Audience"] = json!(w.audience);
        }
        cx.journal.put_json(session_key(&session.access_key_id), &session);
        self.sessions.insert(session.access_key_id.clone(), session);
        Ok(out)
    }
}

impl Service for Sts {
    fn name(&self) -> &'static str {
        "sts"
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        Some(self)
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("AssumeRole needs the kernel")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        let input = Input::new(input)?;
        match operation {
            "GetCallerIdentity" => Ok(Step::Done(match cx.caller {
                Some(c) => json!({"UserId": c.user_id, "Account": c.account, "Arn": c.arn}),
                None => json!({
                    "UserId": cx.account.id,
                    "Account": cx.account.id,
                    "Arn": format!("arn:aws:iam::{}:root", cx.account.id),
                }),
            })),
            "AssumeRole" => self.assume_role(cx, &input),
            "AssumeRoleWithWebIdentity" => self.assume_role_with_web_identity(cx, &input),
            _ => Err(AwsError::new("", "InvalidAction", format!("Could not find operation {operation} for version 2011-06-15"), 400)),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let stage = then.downcast::<Stage>().map_err(|_| AwsError::internal("unexpected STS continuation"))?;
        let answer = match result {
            Resumed::Called(r) => r,
            Resumed::Ran(_) => return Err(AwsError::internal("STS runs no code")),
        };
        match *stage {
            Stage::Verify(p) => self.verified(cx, p, answer),
            Stage::Role(p) => self.finish(cx, p, answer).map(Step::Done),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for s in self.sessions.values() {
            out.push(Record { key: session_key(&s.access_key_id), value: serde_json::to_vec(s).unwrap_or_default() });
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        match key.strip_prefix("sts/global/session/") {
            Some(id) => {
                let s: Session = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.sessions.insert(id.to_string(), s);
                Ok(())
            }
            None => Err("unknown STS record".into()),
        }
    }

    fn clear(&mut self) {
        self.sessions.clear();
    }
}

#[cfg(test)]
mod tests;
