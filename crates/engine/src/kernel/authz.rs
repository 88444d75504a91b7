//! IAM enforcement: who signs a call, and whether IAM lets them make it.
//!
//! A [`Request`](super::Request) may carry [`Credentials`]. None (unsigned calls, the UI's own
//! calls, calls services make to each other) is the account's root user, as before. An access
//! key id that is not in the form STS and IAM issue (20 characters starting `ASIA` or `AKIA`)
//! is also root: that is the sandbox's test key (`test`, `testing`, ...), which SDK tests and the
//! CLI sign with. A key in that form must be one the sandbox issued:
//!
//! - `ASIA...`: an STS session (AssumeRole) → `arn:aws:sts::{account}:assumed-role/{role}/{session}`;
//!   an expired one is `ExpiredTokenException`;
//! - `AKIA...`: an IAM user's access key (CreateAccessKey) → `arn:aws:iam::{account}:user/{name}`;
//! - anything else is the protocol's unknown-key error (`UnrecognizedClientException`,
//!   `InvalidClientTokenId`, S3's `InvalidAccessKeyId`).
//!
//! [`Credentials::Role`] is the engine's own: the calls a Lambda function's code makes run as
//! its execution role (session name = the function's name), and so do a state machine's tasks
//! (session name = the execution's name, see `services/stepfunctions/tasks.rs`). **Compatibility rule:** a role
//! that IAM does not know (functions created before enforcement, or with made-up role ARNs) is
//! not checked; its calls run as root. AWS refuses CreateFunction with such a role.
//!
//! The service names the permissions an operation needs ([`Service::permissions`], default
//! `{signing name}:{Operation}` on `*`); each is evaluated with [`crate::services::iam::eval`]
//! against the principal's identity policies (a user's groups' too), its permissions boundary,
//! the session policies, and the resource's own policy where the service has one (SQS queue
//! policies). Parsed policies are cached by IAM per principal and dropped on any IAM call.
//!
//! [`Service::permissions`]: super::service::Service::permissions

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{catalog, catalog::Protocol, error::AwsError, Engine};
use crate::services::iam::{
    self,
    eval::{self, Applied, Caller, Decision, PolicyRole, RequestContext},
    policy::PrincipalKind,
    Iam,
};
use crate::services::sts::Sts;

/// Who signs a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Credentials {
    /// The access key id of a SigV4 signature (or the page's `credentials` argument).
    AccessKey(String),
    /// A role session the engine runs code as (a Lambda function's execution role).
    Role { role_arn: String, session_name: String },
    /// An access key id with the SigV4 signature of the request (`gureum serve`), verified with
    /// the key's secret once the key is resolved.
    Signed(Box<Signature>),
}

/// A request's SigV4 signature and the string it signs (see `wire/sigv4.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub access_key: String,
    /// `{date}/{region}/{service}/aws4_request`.
    pub scope: String,
    pub string_to_sign: String,
    /// Lower-case hex, as the client sent it.
    pub signature: String,
}

impl Signature {
    /// Whether `secret` signs [`Signature::string_to_sign`] as the client did.
    pub fn verify(&self, secret: &str) -> bool {
        use crate::wire::sigv4::{hex, hmac};
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in self.scope.split('/') {
            key = hmac(&key, part.as_bytes()).to_vec();
        }
        hex(&hmac(&key, self.string_to_sign.as_bytes())) == self.signature
    }
}

/// The error for a signature the key's secret does not make.
pub fn signature_mismatch(service: &str) -> AwsError {
    const MESSAGE: &str =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    match protocol_of(service) {
        Protocol::Query => AwsError::new("", "SignatureDoesNotMatch", MESSAGE, 403),
        Protocol::RestXml => {
            AwsError::new("", "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", 403)
        }
        Protocol::RestJson => AwsError::new("", "InvalidSignatureException", MESSAGE, 403),
        _ => AwsError::new("", "InvalidSignatureException", MESSAGE, 400),
    }
}

/// Whether an access key id is one the sandbox issues and so must check (`ASIA`/`AKIA` and 20
/// characters); any other key id is the sandbox's root test key.
pub fn is_checked_key(id: &str) -> bool {
    id.len() == 20 && (id.starts_with("ASIA") || id.starts_with("AKIA"))
}

/// One permission an operation needs: an IAM action on a resource ARN, with the service's own
/// condition keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    /// `dynamodb:GetItem`.
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, Vec<String>)>,
}

impl Permission {
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Permission { action: action.into(), resource: resource.into(), context: Vec::new() }
    }

    pub fn with(mut self, key: &str, values: Vec<String>) -> Self {
        self.context.push((key.to_string(), values));
        self
    }
}

/// The principal of a checked call.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// `arn:aws:sts::{account}:assumed-role/{role}/{session}` or `arn:aws:iam::{account}:user/{name}`.
    pub arn: String,
    /// `aws:userid`: `AROA...:{session}` or `AIDA...`.
    pub user_id: String,
    pub account: String,
    /// The role of a session.
    pub role_arn: Option<String>,
    /// The IAM entity whose policies apply: a role's or a user's name.
    pub role_name: Option<String>,
    pub user_name: Option<String>,
    /// Session policies (inline document and managed policy ARNs' documents), as text.
    pub session_policies: Vec<String>,
    /// More context keys the session carries (a web identity's `cognito-identity.amazonaws.com:sub`).
    pub context: Vec<(String, Vec<String>)>,
    /// `aws:SourceIp`, when the host knows the peer.
    pub source_ip: Option<String>,
}

fn protocol_of(service: &str) -> Protocol {
    // API Gateway's data plane answers its callers' errors as 403s in REST-JSON's shape.
    if service == "execute-api" {
        return Protocol::RestJson;
    }
    let name = if service.starts_with("dax:") { "dax" } else { service };
    catalog::spec(name).map(|s| s.protocol).unwrap_or(Protocol::Json10)
}

/// The error for an access key the sandbox never issued (or a deleted/inactive one).
pub fn unrecognized_key(service: &str) -> AwsError {
    match protocol_of(service) {
        Protocol::Query => AwsError::new("", "InvalidClientTokenId", "The security token included in the request is invalid.", 403),
        Protocol::RestXml => AwsError::new("", "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
        Protocol::RestJson => AwsError::new("", "UnrecognizedClientException", "The security token included in the request is invalid.", 403),
        _ => AwsError::new("", "UnrecognizedClientException", "The security token included in the request is invalid.", 400),
    }
}

/// The error for an expired session's key.
pub fn expired_token(service: &str) -> AwsError {
    match protocol_of(service) {
        Protocol::Query => AwsError::new("", "ExpiredToken", "The security token included in the request is expired", 403),
        Protocol::RestXml => AwsError::new("", "ExpiredToken", "The provided token has expired.", 400),
        Protocol::RestJson => AwsError::new("", "ExpiredTokenException", "The security token included in the request is expired", 403),
        _ => AwsError::new("", "ExpiredTokenException", "The security token included in the request is expired", 400),
    }
}

/// The service's own AccessDenied error with IAM's message.
pub fn access_denied(service: &str, principal: &str, action: &str, resource: &str, why: &str) -> AwsError {
    let message = format!("User: {principal} is not authorized to perform: {action} on resource: {resource} {why}");
    match service {
        "dynamodb" | "streams.dynamodb" => AwsError::new("com.amazon.coral.service", "AccessDeniedException", message, 400),
        "sqs" => AwsError::new("com.amazonaws.sqs", "AccessDeniedException", message, 403).with_query_code("AccessDenied"),
        "s3" => AwsError::new("", "AccessDenied", "Access Denied", 403),
        _ => match protocol_of(service) {
            Protocol::Query => AwsError::new("", "AccessDenied", message, 403),
            Protocol::RestJson => AwsError::new("", "AccessDeniedException", message, 403),
            _ => AwsError::new("", "AccessDeniedException", message, 400),
        },
    }
}

/// The parsed policies that apply to one IAM entity (cached by [`Iam`]).
#[derive(Debug, Default)]
pub struct EntityPolicies {
    pub identity: Vec<iam::policy::Policy>,
    pub boundary: Option<iam::policy::Policy>,
}

impl Engine {
    fn iam_mut(&mut self) -> Option<&mut Iam> {
        self.services.iter_mut().find(|s| s.name() == "iam").and_then(|s| s.as_any_mut()).and_then(|a| a.downcast_mut::<Iam>())
    }

    fn sts_mut(&mut self) -> Option<&mut Sts> {
        self.services.iter_mut().find(|s| s.name() == "sts").and_then(|s| s.as_any_mut()).and_then(|a| a.downcast_mut::<Sts>())
    }

    /// Who `credentials` are: `Ok(None)` for the root user (and unchecked roles).
    pub(crate) fn resolve(&mut self, now_ms: i64, service: &str, credentials: &Credentials) -> Result<Option<Principal>, AwsError> {
        let (key, signature) = match credentials {
            Credentials::AccessKey(key) => (key.as_str(), None),
            Credentials::Signed(s) => (s.access_key.as_str(), Some(&**s)),
            Credentials::Role { .. } => ("", None),
        };
        if !key.is_empty() && !is_checked_key(key) {
            return Ok(None);
        }
        let verify = |secret: &str| match signature {
            Some(s) if !s.verify(secret) => Err(signature_mismatch(service)),
            _ => Ok(()),
        };
        let account = self.account.id.clone();
        match credentials {
            Credentials::AccessKey(_) | Credentials::Signed(_) if key.starts_with("ASIA") => {
                let session = self.sts_mut().and_then(|s| s.sessions.get(key).cloned()).ok_or_else(|| unrecognized_key(service))?;
                verify(&session.secret_access_key)?;
                if session.expires_ms <= now_ms {
                    return Err(expired_token(service));
                }
                let role_name = session.role_arn.rsplit('/').next().unwrap_or("").to_string();
                let mut session_policies: Vec<String> = session.policy.iter().cloned().collect();
                if let Some(iam) = self.iam_mut() {
                    for arn in &session.policy_arns {
                        if let Some(doc) = iam.policy_document(&account, arn) {
                            session_policies.push(doc);
                        }
                    }
                }
                Ok(Some(Principal {
                    arn: session.assumed_role_arn(),
                    user_id: format!("{}:{}", session.role_id, session.session_name),
                    account,
                    role_arn: Some(session.role_arn.clone()),
                    role_name: Some(role_name),
                    user_name: None,
                    session_policies,
                    context: session.context.clone(),
                    source_ip: None,
                }))
            }
            Credentials::AccessKey(_) | Credentials::Signed(_) => {
                let iam = self.iam_mut().ok_or_else(|| unrecognized_key(service))?;
                let user = iam.users.values().find(|u| u.access_keys.iter().any(|k| k.id == key && k.status == "Active")).ok_or_else(|| unrecognized_key(service))?;
                let secret = user.access_keys.iter().find(|k| k.id == key).map(|k| k.secret.as_str()).unwrap_or("");
                verify(secret)?;
                Ok(Some(Principal {
                    arn: user.arn(&account),
                    user_id: user.id.clone(),
                    account,
                    role_arn: None,
                    role_name: None,
                    user_name: Some(user.name.clone()),
                    session_policies: Vec::new(),
                    context: Vec::new(),
                    source_ip: None,
                }))
            }
            Credentials::Role { role_arn, session_name } => {
                let Some(iam) = self.iam_mut() else { return Ok(None) };
                let name = role_arn.rsplit('/').next().unwrap_or("");
                let Some(role) = iam.roles.get(&name.to_ascii_lowercase()).filter(|r| r.arn(&account) == *role_arn) else {
                    return Ok(None);
                };
                Ok(Some(Principal {
                    arn: format!("arn:aws:sts::{account}:assumed-role/{}/{session_name}", role.name),
                    user_id: format!("{}:{session_name}", role.id),
                    account,
                    role_arn: Some(role_arn.clone()),
                    role_name: Some(role.name.clone()),
                    user_name: None,
                    session_policies: Vec::new(),
                    context: Vec::new(),
                    source_ip: None,
                }))
            }
        }
    }

    /// Resolves `credentials` and checks every permission the operation needs. `Ok(None)`: the
    /// root user (nothing checked).
    pub(crate) fn authorize(
        &mut self,
        host_now_ms: i64,
        service: &str,
        operation: &str,
        region: &str,
        input: &Value,
        credentials: &Credentials,
    ) -> Result<Option<Arc<Principal>>, AwsError> {
        let now_ms = self.clock.peek(host_now_ms);
        // execute-api: only a method with AWS_IAM authorization looks at the signature (the
        // service names execute-api:Invoke on the method's ARN for it); any other method ignores
        // it, as API Gateway does.
        if service == "execute-api" {
            let account = self.account.id.clone();
            let needed = self.services.iter().find(|s| s.answers(service)).and_then(|s| s.permissions(operation, input, region, &account));
            if needed.is_none_or(|p| p.is_empty()) {
                return Ok(None);
            }
        }
        let Some(principal) = self.resolve(now_ms, service, credentials)? else { return Ok(None) };
        // GetCallerIdentity needs no permission: AWS never denies it. The web identity and
        // identity pool operations are public (AWS calls them unsigned; their token is the proof).
        let public = match service {
            "sts" => matches!(operation, "GetCallerIdentity" | "AssumeRoleWithWebIdentity"),
            "cognito-identity" => matches!(operation, "GetId" | "GetOpenIdToken" | "GetCredentialsForIdentity"),
            _ => false,
        };
        if public {
            return Ok(Some(Arc::new(principal)));
        }
        let account = self.account.id.clone();
        let Some(index) = self.services.iter().position(|s| s.answers(service)) else { return Ok(Some(Arc::new(principal))) };
        let mut permissions = self.services[index].permissions(operation, input, region, &account).unwrap_or_else(|| {
            let name = if service.starts_with("dax:") { "dax" } else { service };
            let signing = catalog::spec(name).map(|s| s.signing_name).unwrap_or(name);
            vec![Permission::new(format!("{signing}:{operation}"), "*")]
        });
        // A user's own access keys (no UserName): the resource is the calling user.
        if service == "iam" && operation.contains("AccessKey") && input.get("UserName").is_none() && principal.user_name.is_some() {
            for p in &mut permissions {
                p.resource = principal.arn.clone();
            }
        }
        let resource_policies: Vec<Option<String>> = permissions.iter().map(|p| self.services[index].resource_policy(region, &p.resource)).collect();
        let Some(iam) = self.iam_mut() else { return Ok(Some(Arc::new(principal))) };
        let entity = match (&principal.role_name, &principal.user_name) {
            (Some(role), _) => iam.entity_policies(&account, iam::EntityKind::Role, role),
            (None, Some(user)) => iam.entity_policies(&account, iam::EntityKind::User, user),
            _ => Arc::new(EntityPolicies::default()),
        };
        let session: Vec<iam::policy::Policy> =
            principal.session_policies.iter().filter_map(|d| iam::policy::Policy::parse(&iam::simulate::decode_document(d), iam::policy::PolicyKind::Identity).ok()).collect();
        let caller = Caller { arn: principal.arn.clone(), kind: PrincipalKind::Aws, account: account.clone(), role_arn: principal.role_arn.clone() };
        let mut base = RequestContext::new("", "");
        base.caller = Some(caller);
        base.set("aws:PrincipalArn", vec![principal.role_arn.clone().unwrap_or_else(|| principal.arn.clone())]);
        base.set("aws:PrincipalAccount", vec![account.clone()]);
        base.set("aws:PrincipalType", vec![if principal.user_name.is_some() { "User" } else { "AssumedRole" }.into()]);
        base.set("aws:userid", vec![principal.user_id.clone()]);
        if let Some(u) = &principal.user_name {
            base.set("aws:username", vec![u.clone()]);
        }
        base.set("aws:CurrentTime", vec![iam::date(now_ms)]);
        base.set("aws:EpochTime", vec![(now_ms / 1000).to_string()]);
        base.set("aws:SecureTransport", vec!["false".into()]);
        base.set("aws:RequestedRegion", vec![region.to_string()]);
        if let Some(ip) = &principal.source_ip {
            base.set("aws:SourceIp", vec![ip.clone()]);
        }
        for (k, v) in &principal.context {
            base.set(k, v.clone());
        }
        for (permission, resource_policy) in permissions.iter().zip(&resource_policies) {
            let resource_policy = resource_policy.as_deref().and_then(|d| iam::policy::Policy::parse(d, iam::policy::PolicyKind::Resource).ok());
            let mut applied: Vec<Applied> = Vec::with_capacity(entity.identity.len() + session.len() + 2);
            applied.extend(entity.identity.iter().enumerate().map(|(i, p)| Applied { policy: p, role: PolicyRole::Identity, index: i }));
            if let Some(b) = &entity.boundary {
                applied.push(Applied { policy: b, role: PolicyRole::Boundary, index: usize::MAX });
            }
            applied.extend(session.iter().map(|p| Applied { policy: p, role: PolicyRole::Session, index: usize::MAX }));
            if let Some(r) = &resource_policy {
                applied.push(Applied { policy: r, role: PolicyRole::Resource, index: usize::MAX });
            }
            let mut ctx = base.clone();
            ctx.action = permission.action.to_ascii_lowercase();
            ctx.resource = permission.resource.clone();
            for (k, v) in &permission.context {
                ctx.set(k, v.clone());
            }
            let decision = eval::evaluate(&applied, &ctx).decision;
            if decision == Decision::Allowed {
                continue;
            }
            let why = if decision == Decision::ExplicitDeny {
                let identity_only: Vec<Applied> = applied.iter().copied().filter(|a| a.role == PolicyRole::Identity).collect();
                if eval::evaluate(&identity_only, &ctx).decision == Decision::ExplicitDeny {
                    "with an explicit deny in an identity-based policy".to_string()
                } else if resource_policy.is_some() && eval::evaluate(&applied[applied.len() - 1..], &ctx).decision == Decision::ExplicitDeny {
                    "with an explicit deny in a resource-based policy".to_string()
                } else {
                    "with an explicit deny in a session policy".to_string()
                }
            } else {
                let identity_only: Vec<Applied> = applied.iter().copied().filter(|a| a.role == PolicyRole::Identity).collect();
                if eval::evaluate(&identity_only, &ctx).decision != Decision::Allowed {
                    format!("because no identity-based policy allows the {} action", permission.action)
                } else if entity.boundary.is_some() {
                    format!("because no permissions boundary allows the {} action", permission.action)
                } else {
                    format!("because no session policy allows the {} action", permission.action)
                }
            };
            return Err(access_denied(service, &principal.arn, &permission.action, &permission.resource, &why));
        }
        Ok(Some(Arc::new(principal)))
    }
}

#[cfg(test)]
#[path = "authz_tests.rs"]
mod tests;
