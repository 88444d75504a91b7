//! AWS Security Token Service (AWS Query protocol, `sts`): GetCallerIdentity and AssumeRole.
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
    policy::{Policy, PolicyKind},
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
}

impl Sts {
    fn assume_role(&mut self, cx: &mut Cx, input: &Input) -> Result<Step, AwsError> {
        input.refuse(&["SerialNumber", "TokenCode", "SourceIdentity", "ProvidedContexts", "TransitiveTagKeys"], "AssumeRole")?;
        let role_arn = input.sized("RoleArn", 20, 2048)?.map_or_else(|| input.required("RoleArn"), Ok)?;
        let session_name = input.required("RoleSessionName")?;
        check_name(session_name, "RoleSessionName", 2, 64)?;
        let duration = input.int("DurationSeconds")?;
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
        let tags = tags(input, "Tags")?;
        let external_id = input.sized("ExternalId", 2, 1224)?.map(str::to_string);
        let (prefix, rest) = role_arn.split_once(":role/").ok_or_else(|| validation(format!("{role_arn} is invalid")))?;
        let account = prefix.strip_prefix("arn:aws:iam::").ok_or_else(|| validation(format!("{role_arn} is invalid")))?;
        let caller = format!("arn:aws:iam::{}:root", cx.account.id);
        if account != cx.account.id {
            return Err(access_denied(&caller, role_arn, "sts:AssumeRole"));
        }
        let role_name = rest.rsplit('/').next().unwrap_or(rest).to_string();
        let pending =
            Pending { role_arn: role_arn.to_string(), session_name: session_name.to_string(), duration, policy: policy.map(str::to_string), policy_arns, tags, external_id };
        let request = Request::new("iam", "GetRole", cx.region, json!({"RoleName": role_name}));
        Ok(Step::Call(request, Box::new(pending)))
    }

    fn finish(&mut self, cx: &mut Cx, p: Pending, role: Result<Value, AwsError>) -> Result<Value, AwsError> {
        // The checked caller (a session chaining roles, an IAM user) or the account's root user.
        let caller = match cx.caller {
            Some(c) => Caller { arn: c.arn.clone(), kind: crate::services::iam::policy::PrincipalKind::Aws, account: c.account.clone(), role_arn: c.role_arn.clone() },
            None => Caller::account_root(&cx.account.id),
        };
        let caller_arn = caller.arn.clone();
        // A missing role is AccessDenied, as AWS answers (it does not reveal which roles exist).
        let role = role.map_err(|_| access_denied(&caller_arn, &p.role_arn, "sts:AssumeRole"))?;
        let role = role.get("Role").cloned().unwrap_or_default();
        let arn = role.get("Arn").and_then(Value::as_str).unwrap_or("");
        if arn != p.role_arn {
            return Err(access_denied(&caller_arn, &p.role_arn, "sts:AssumeRole"));
        }
        let trust = decode_document(role.get("AssumeRolePolicyDocument").and_then(Value::as_str).unwrap_or(""));
        let trust = Policy::parse(&trust, PolicyKind::Trust).map_err(|_| access_denied(&caller_arn, &p.role_arn, "sts:AssumeRole"))?;
        let mut ctx = RequestContext::new("sts:AssumeRole", &p.role_arn);
        let principal_type = if cx.caller.is_none() {
            "Account"
        } else if caller.role_arn.is_some() {
            "AssumedRole"
        } else {
            "User"
        };
        ctx.set("aws:PrincipalArn", vec![caller.role_arn.clone().unwrap_or_else(|| caller_arn.clone())]);
        ctx.caller = Some(caller);
        ctx.set("aws:PrincipalAccount", vec![cx.account.id.clone()]);
        ctx.set("aws:PrincipalType", vec![principal_type.into()]);
        ctx.set("aws:CurrentTime", vec![date(cx.now_ms)]);
        ctx.set("aws:EpochTime", vec![(cx.now_ms / 1000).to_string()]);
        ctx.set("aws:SecureTransport", vec!["true".into()]);
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
            return Err(access_denied(&caller_arn, &p.role_arn, "sts:AssumeRole"));
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
            context: Vec::new(),
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
            _ => Err(AwsError::new("", "InvalidAction", format!("Could not find operation {operation} for version 2011-06-15"), 400)),
        }
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let pending = then.downcast::<Pending>().map_err(|_| AwsError::internal("unexpected STS continuation"))?;
        let role = match result {
            Resumed::Called(r) => r,
            Resumed::Ran(_) => return Err(AwsError::internal("STS runs no code")),
        };
        self.finish(cx, *pending, role).map(Step::Done)
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
