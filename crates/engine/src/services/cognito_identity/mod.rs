//! Amazon Cognito identity pools (`cognito-identity`, JSON 1.1, `AWSCognitoIdentityService`).
//!
//! Pools (`{region}:{uuid}`) name the user pool app clients whose ID tokens they accept
//! (`CognitoIdentityProviders`), whether guests may have identities, the authenticated and
//! unauthenticated roles and the role mappings (Token / Rules). Identities (`{region}:{uuid}`)
//! belong to a pool; a signed-in user's identity is found again by its login (provider and the
//! token's `sub`), so the same user always gets the same IdentityId. [`identities`] holds GetId,
//! GetOpenIdToken and GetCredentialsForIdentity (the enhanced flow: the role chosen here, the
//! credentials issued by STS's AssumeRoleWithWebIdentity through a `Step::Call` with an OpenID
//! token of this service, so the role's trust policy is checked as on AWS).
//!
//! OpenID tokens are signed with one RSA key of the account's (generated from the seeded rng when
//! first needed; AWS signs with RS512, the sandbox with RS256); the control operation
//! `cognito-identity:VerifyOpenIdToken` is how STS checks them. Records:
//! `cognito-identity/{region}/pool/{id}`, `cognito-identity/{region}/identity/{id}`,
//! `cognito-identity/global/key`.
//!
//! Not simulated (refused with a clear error): other login providers (Facebook, Google, Apple,
//! Amazon, OpenID Connect and SAML providers), developer-authenticated identities, identity
//! merging, and the Cognito Sync service.

pub mod identities;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    service::{Cx, Service},
};
use crate::services::cognito::{constraint, crypto::RsaKey, invalid, model::secs, not_found, In};

/// The size of the OpenID tokens' signing key.
const KEY_BITS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    /// `cognito-idp.{region}.amazonaws.com/{userPoolId}`.
    pub name: String,
    pub client_id: String,
    pub server_side_token_check: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub id: String,
    pub region: String,
    pub name: String,
    pub allow_unauthenticated: bool,
    /// As given: AWS refuses GetOpenIdToken only when it is `false`, not when it was never set.
    #[serde(default)]
    pub allow_classic_flow: Option<bool>,
    pub providers: Vec<Provider>,
    /// `authenticated` / `unauthenticated` → role ARN.
    pub roles: BTreeMap<String, String>,
    /// `{provider}:{clientId}` → the RoleMapping as given (checked when set).
    pub role_mappings: Map<String, Value>,
    pub tags: BTreeMap<String, String>,
}

impl Pool {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:cognito-identity:{}:{account}:identitypool/{}", self.region, self.id)
    }

    fn describe(&self) -> Value {
        let mut out = json!({
            "IdentityPoolId": self.id,
            "IdentityPoolName": self.name,
            "AllowUnauthenticatedIdentities": self.allow_unauthenticated,
            "CognitoIdentityProviders": self.providers.iter().map(|p| json!({
                "ProviderName": p.name, "ClientId": p.client_id, "ServerSideTokenCheck": p.server_side_token_check,
            })).collect::<Vec<_>>(),
        });
        if let Some(c) = self.allow_classic_flow {
            out["AllowClassicFlow"] = json!(c);
        }
        if !self.tags.is_empty() {
            out["IdentityPoolTags"] = json!(self.tags);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub pool_id: String,
    pub region: String,
    /// The logins linked to the identity: (provider name, the token's `sub`).
    pub logins: Vec<(String, String)>,
    pub created_ms: i64,
    pub modified_ms: i64,
}

impl Identity {
    fn describe(&self) -> Value {
        let mut names: Vec<&str> = self.logins.iter().map(|(p, _)| p.as_str()).collect();
        names.dedup();
        let mut out = json!({ "IdentityId": self.id, "CreationDate": secs(self.created_ms), "LastModifiedDate": secs(self.modified_ms) });
        if !names.is_empty() {
            out["Logins"] = json!(names);
        }
        out
    }
}

#[derive(Debug, Default)]
pub struct CognitoIdentity {
    pub pools: BTreeMap<String, Pool>,
    pub identities: BTreeMap<String, Identity>,
    /// `{pool}|{provider}|{sub}` → identity id.
    pub logins: BTreeMap<String, String>,
    pub key: Option<RsaKey>,
}

pub fn pool_key(region: &str, id: &str) -> String {
    format!("cognito-identity/{region}/pool/{id}")
}

pub fn identity_key(region: &str, id: &str) -> String {
    format!("cognito-identity/{region}/identity/{id}")
}

const KEY_RECORD: &str = "cognito-identity/global/key";

fn login_key(pool: &str, provider: &str, sub: &str) -> String {
    format!("{pool}|{provider}|{sub}")
}

pub fn pool_not_found(id: &str) -> AwsError {
    not_found(format!("IdentityPool '{id}' not found."))
}

/// Operations of the API this build does not simulate.
const NOT_YET: &[&str] = &[
    "GetOpenIdTokenForDeveloperIdentity",
    "LookupDeveloperIdentity",
    "MergeDeveloperIdentities",
    "UnlinkDeveloperIdentity",
    "UnlinkIdentity",
    "GetPrincipalTagAttributeMap",
    "SetPrincipalTagAttributeMap",
];

impl CognitoIdentity {
    fn pool(&self, id: &str) -> Result<&Pool, AwsError> {
        self.pools.get(id).ok_or_else(|| pool_not_found(id))
    }

    fn save_pool(cx: &mut Cx, pool: &Pool) {
        cx.journal.put_json(pool_key(&pool.region, &pool.id), pool);
    }

    fn save_identity(cx: &mut Cx, identity: &Identity) {
        cx.journal.put_json(identity_key(&identity.region, &identity.id), identity);
    }

    /// The signing key, made when first needed.
    fn key(&mut self, cx: &mut Cx) -> RsaKey {
        if let Some(k) = &self.key {
            return k.clone();
        }
        let key = RsaKey::generate(cx.rng, KEY_BITS);
        cx.journal.put_json(KEY_RECORD, &key);
        self.key = Some(key.clone());
        key
    }

    fn jwks(&self) -> Value {
        json!({ "keys": self.key.iter().map(RsaKey::jwk).collect::<Vec<_>>() })
    }

    /// The pool's settings from Create/UpdateIdentityPool's members.
    fn read_pool(input: In, id: String, region: &str, operation: &str) -> Result<Pool, AwsError> {
        input.refuse(operation, &["DeveloperProviderName"])?;
        for member in ["SupportedLoginProviders", "OpenIdConnectProviderARNs", "SamlProviderARNs"] {
            let given = match input.0.get(member) {
                Some(Value::Object(m)) => !m.is_empty(),
                Some(Value::Array(a)) => !a.is_empty(),
                _ => false,
            };
            if given {
                return Err(invalid(format!(
                    "{member} is not supported in the Gureum sandbox ({operation}): identity pools accept Amazon Cognito user pools (CognitoIdentityProviders) only."
                )));
            }
        }
        let name = input.req("IdentityPoolName")?;
        if name.is_empty() || name.chars().count() > 128 {
            return Err(constraint("IdentityPoolName", name, "Member must have length between 1 and 128"));
        }
        if !name.chars().all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c)) {
            return Err(constraint("IdentityPoolName", name, "Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"));
        }
        let allow_unauthenticated = input.bool("AllowUnauthenticatedIdentities")?.ok_or_else(|| constraint("AllowUnauthenticatedIdentities", "null", "Member must not be null"))?;
        let mut providers = Vec::new();
        for p in input.objects("CognitoIdentityProviders")? {
            let name = p.req("ProviderName")?;
            let client_id = p.req("ClientId")?;
            let valid = name.strip_prefix("cognito-idp.").and_then(|r| r.split_once(".amazonaws.com/")).is_some_and(|(region, pool)| pool.starts_with(&format!("{region}_")));
            if !valid {
                return Err(invalid(format!("Invalid provider name: {name}. Expected cognito-idp.{{region}}.amazonaws.com/{{userPoolId}}.")));
            }
            if client_id.is_empty() || client_id.len() > 128 || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(constraint("ClientId", client_id, "Member must satisfy regular expression pattern: [\\w_]+"));
            }
            providers.push(Provider { name: name.to_string(), client_id: client_id.to_string(), server_side_token_check: p.bool("ServerSideTokenCheck")?.unwrap_or(false) });
        }
        let tags = read_tags(input, "IdentityPoolTags")?;
        Ok(Pool {
            id,
            region: region.to_string(),
            name: name.to_string(),
            allow_unauthenticated,
            allow_classic_flow: input.bool("AllowClassicFlow")?,
            providers,
            roles: BTreeMap::new(),
            role_mappings: Map::new(),
            tags,
        })
    }

    fn run(&mut self, cx: &mut Cx, operation: &str, input: In) -> Result<Step, AwsError> {
        let done = |v: Value| Ok(Step::Done(v));
        match operation {
            "CreateIdentityPool" => {
                let id = format!("{}:{}", cx.region, cx.rng.uuid());
                let pool = Self::read_pool(input, id, cx.region, operation)?;
                let in_region = self.pools.values().filter(|p| p.region == cx.region).count();
                if in_region >= 1000 {
                    return Err(crate::services::cognito::err("LimitExceededException", "You have reached the maximum number of identity pools for this account."));
                }
                Self::save_pool(cx, &pool);
                let out = pool.describe();
                self.pools.insert(pool.id.clone(), pool);
                done(out)
            }
            "DescribeIdentityPool" => done(self.pool(input.req("IdentityPoolId")?)?.describe()),
            "UpdateIdentityPool" => {
                let id = input.req("IdentityPoolId")?;
                let old = self.pool(id)?.clone();
                let mut pool = Self::read_pool(input, id.to_string(), &old.region, operation)?;
                pool.roles = old.roles;
                pool.role_mappings = old.role_mappings;
                if !input.has("IdentityPoolTags") {
                    pool.tags = old.tags;
                }
                Self::save_pool(cx, &pool);
                let out = pool.describe();
                self.pools.insert(pool.id.clone(), pool);
                done(out)
            }
            "DeleteIdentityPool" => {
                let id = input.req("IdentityPoolId")?;
                let pool = self.pool(id)?.clone();
                let gone: Vec<String> = self.identities.values().filter(|i| i.pool_id == pool.id).map(|i| i.id.clone()).collect();
                for i in gone {
                    self.forget_identity(cx, &i);
                }
                cx.journal.delete(pool_key(&pool.region, &pool.id));
                self.pools.remove(&pool.id);
                done(json!({}))
            }
            "ListIdentityPools" => {
                let max = max_results(input)?;
                let next = input.str("NextToken")?;
                let mut pools: Vec<&Pool> = self.pools.values().filter(|p| p.region == cx.region && next.is_none_or(|n| p.id.as_str() > n)).collect();
                let more = pools.len() > max;
                pools.truncate(max);
                let mut out = json!({ "IdentityPools": pools.iter().map(|p| json!({ "IdentityPoolId": p.id, "IdentityPoolName": p.name })).collect::<Vec<_>>() });
                if more {
                    out["NextToken"] = json!(pools.last().map(|p| p.id.clone()));
                }
                done(out)
            }
            "SetIdentityPoolRoles" => {
                let id = input.req("IdentityPoolId")?;
                let mut pool = self.pool(id)?.clone();
                let roles = input.string_map("Roles")?;
                if !input.has("Roles") {
                    return Err(constraint("Roles", "null", "Member must not be null"));
                }
                let mut checked = BTreeMap::new();
                for (k, v) in roles {
                    if !matches!(k, "authenticated" | "unauthenticated") {
                        return Err(invalid(format!("Invalid role type: {k}. Valid types are authenticated and unauthenticated.")));
                    }
                    check_role_arn(v, "Roles")?;
                    checked.insert(k.to_string(), v.to_string());
                }
                let mappings = input.obj("RoleMappings")?.map(|m| m.0.clone()).unwrap_or_default();
                for (key, mapping) in &mappings {
                    check_mapping(&pool, key, mapping)?;
                }
                pool.roles = checked;
                pool.role_mappings = mappings;
                Self::save_pool(cx, &pool);
                self.pools.insert(pool.id.clone(), pool);
                done(json!({}))
            }
            "GetIdentityPoolRoles" => {
                let pool = self.pool(input.req("IdentityPoolId")?)?;
                let mut out = json!({ "IdentityPoolId": pool.id, "Roles": pool.roles });
                if !pool.role_mappings.is_empty() {
                    out["RoleMappings"] = Value::Object(pool.role_mappings.clone());
                }
                done(out)
            }
            "ListIdentities" => {
                let pool = self.pool(input.req("IdentityPoolId")?)?.id.clone();
                let max = max_results(input)?;
                input.bool("HideDisabled")?;
                let next = input.str("NextToken")?;
                let mut list: Vec<&Identity> = self.identities.values().filter(|i| i.pool_id == pool && next.is_none_or(|n| i.id.as_str() > n)).collect();
                let more = list.len() > max;
                list.truncate(max);
                let mut out = json!({ "IdentityPoolId": pool, "Identities": list.iter().map(|i| i.describe()).collect::<Vec<_>>() });
                if more {
                    out["NextToken"] = json!(list.last().map(|i| i.id.clone()));
                }
                done(out)
            }
            "DescribeIdentity" => {
                let id = input.req("IdentityId")?;
                done(self.identities.get(id).ok_or_else(|| identity_not_found(id))?.describe())
            }
            "DeleteIdentities" => {
                let ids = input.strings("IdentityIdsToDelete")?;
                if ids.is_empty() || ids.len() > 60 {
                    return Err(constraint("IdentityIdsToDelete", &format!("{ids:?}"), "Member must have length between 1 and 60"));
                }
                let mut unprocessed = Vec::new();
                for id in ids {
                    if self.identities.contains_key(id) {
                        self.forget_identity(cx, id);
                    } else {
                        unprocessed.push(json!({ "IdentityId": id, "ErrorCode": "IdentityNotFound" }));
                    }
                }
                done(json!({ "UnprocessedIdentityIds": unprocessed }))
            }
            "TagResource" | "UntagResource" | "ListTagsForResource" => {
                let arn = input.req("ResourceArn")?;
                let id = arn.rsplit_once(":identitypool/").map(|(_, id)| id).unwrap_or("");
                let mut pool = self.pools.get(id).filter(|p| p.arn(&cx.account.id) == arn).cloned().ok_or_else(|| not_found(format!("Resource {arn} not found.")))?;
                match operation {
                    "ListTagsForResource" => return done(json!({ "Tags": pool.tags })),
                    "TagResource" => {
                        let tags = read_tags(input, "Tags")?;
                        pool.tags.extend(tags);
                        if pool.tags.len() > 50 {
                            return Err(invalid("A resource can have at most 50 tags."));
                        }
                    }
                    _ => {
                        for k in input.strings("TagKeys")? {
                            pool.tags.remove(k);
                        }
                    }
                }
                Self::save_pool(cx, &pool);
                self.pools.insert(pool.id.clone(), pool);
                done(json!({}))
            }
            "GetId" => self.get_id(cx, input),
            "GetOpenIdToken" => self.get_open_id_token(cx, input),
            "GetCredentialsForIdentity" => self.get_credentials(cx, input),
            op if NOT_YET.contains(&op) => Err(invalid(format!("{op} is not supported in the Gureum sandbox yet."))),
            op => Err(AwsError::unknown_operation(format!("Unknown operation {op}."))),
        }
    }

    fn forget_identity(&mut self, cx: &mut Cx, id: &str) {
        if let Some(i) = self.identities.remove(id) {
            for (p, sub) in &i.logins {
                self.logins.remove(&login_key(&i.pool_id, p, sub));
            }
            cx.journal.delete(identity_key(&i.region, &i.id));
        }
    }
}

pub fn identity_not_found(id: &str) -> AwsError {
    not_found(format!("Identity '{id}' not found."))
}

fn max_results(input: In) -> Result<usize, AwsError> {
    let max = input.int("MaxResults")?.ok_or_else(|| constraint("MaxResults", "null", "Member must not be null"))?;
    if !(1..=60).contains(&max) {
        return Err(constraint("MaxResults", &max.to_string(), "Member must have value between 1 and 60"));
    }
    Ok(max as usize)
}

fn read_tags(input: In, member: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let tags = input.string_map(member)?;
    if tags.len() > 50 {
        return Err(constraint(member, "map", "Member must have length less than or equal to 50"));
    }
    for (k, v) in &tags {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            return Err(constraint(member, k, "Tag keys must have length between 1 and 128 and values at most 256"));
        }
    }
    Ok(tags.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

fn check_role_arn(arn: &str, member: &str) -> Result<(), AwsError> {
    let valid = arn.starts_with("arn:aws:iam::") && arn.contains(":role/") && arn.len() >= 20 && arn.len() <= 2048;
    if !valid {
        return Err(constraint(member, arn, "Member must satisfy regular expression pattern: arn:aws:iam::\\d{12}:role/.+"));
    }
    Ok(())
}

/// A RoleMapping as SetIdentityPoolRoles checks it.
fn check_mapping(pool: &Pool, key: &str, mapping: &Value) -> Result<(), AwsError> {
    if !pool.providers.iter().any(|p| format!("{}:{}", p.name, p.client_id) == key) {
        return Err(invalid(format!(
            "The role mapping key {key} is not a provider of this identity pool: keys are {{ProviderName}}:{{ClientId}} of its CognitoIdentityProviders."
        )));
    }
    let m = mapping.as_object().map(In).ok_or_else(|| invalid(format!("The role mapping for {key} must be an object.")))?;
    let kind = m.req("Type")?;
    if !matches!(kind, "Token" | "Rules") {
        return Err(constraint("Type", kind, "Member must satisfy enum value set: [Token, Rules]"));
    }
    match m.str("AmbiguousRoleResolution")? {
        Some("AuthenticatedRole" | "Deny") => {}
        Some(other) => return Err(constraint("AmbiguousRoleResolution", other, "Member must satisfy enum value set: [AuthenticatedRole, Deny]")),
        None => return Err(invalid("AmbiguousRoleResolution must be specified for Token or Rules role mapping types.")),
    }
    if kind == "Rules" {
        let config = m.obj("RulesConfiguration")?.ok_or_else(|| invalid("RulesConfiguration is required for the Rules role mapping type."))?;
        let rules = config.objects("Rules")?;
        if rules.is_empty() || rules.len() > 25 {
            return Err(constraint("Rules", &rules.len().to_string(), "Member must have length between 1 and 25"));
        }
        for r in rules {
            let claim = r.req("Claim")?;
            if claim.is_empty() || claim.chars().count() > 64 {
                return Err(constraint("Claim", claim, "Member must have length between 1 and 64"));
            }
            let match_type = r.req("MatchType")?;
            if !matches!(match_type, "Equals" | "Contains" | "StartsWith" | "NotEqual") {
                return Err(constraint("MatchType", match_type, "Member must satisfy enum value set: [Equals, Contains, StartsWith, NotEqual]"));
            }
            let value = r.req("Value")?;
            if value.is_empty() || value.chars().count() > 128 {
                return Err(constraint("Value", value, "Member must have length between 1 and 128"));
            }
            check_role_arn(r.req("RoleArn")?, "RoleArn")?;
        }
    } else if m.has("RulesConfiguration") {
        return Err(invalid("RulesConfiguration applies to the Rules role mapping type only."));
    }
    Ok(())
}

impl Service for CognitoIdentity {
    fn name(&self) -> &'static str {
        "cognito-identity"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("this operation needs the kernel")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        let input = input.as_object().map(In).ok_or_else(|| AwsError::serialization(""))?;
        self.run(cx, operation, input)
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let wait = then.downcast::<identities::Wait>().map_err(|_| AwsError::internal("unexpected cognito-identity continuation"))?;
        let answer = match result {
            Resumed::Called(r) => r,
            Resumed::Ran(_) => return Err(AwsError::internal("cognito-identity runs no code")),
        };
        self.resumed(cx, *wait, answer)
    }

    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let input = input.as_object().map(In).ok_or_else(|| AwsError::serialization(""))?;
        match operation {
            // Checks an OpenID token of this service (STS's AssumeRoleWithWebIdentity).
            "VerifyOpenIdToken" => identities::verify_open_id_token(&self.jwks(), input.req("Token")?, cx.now_ms).map(|claims| json!({ "Claims": claims })),
            "GetJwks" => Ok(self.jwks()),
            _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'cognito-identity:{operation}'."), 400)),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        fn json<T: Serialize>(v: &T) -> Vec<u8> {
            serde_json::to_vec(v).unwrap_or_default()
        }
        for p in self.pools.values() {
            out.push(Record { key: pool_key(&p.region, &p.id), value: json(p) });
        }
        for i in self.identities.values() {
            out.push(Record { key: identity_key(&i.region, &i.id), value: json(i) });
        }
        if let Some(k) = &self.key {
            out.push(Record { key: KEY_RECORD.into(), value: json(k) });
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.splitn(4, '/').collect();
        match parts.as_slice() {
            ["cognito-identity", "global", "key"] => self.key = Some(serde_json::from_slice(value).map_err(|e| e.to_string())?),
            ["cognito-identity", _, "pool", _] => {
                let p: Pool = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.pools.insert(p.id.clone(), p);
            }
            ["cognito-identity", _, "identity", _] => {
                let i: Identity = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                for (p, sub) in &i.logins {
                    self.logins.insert(login_key(&i.pool_id, p, sub), i.id.clone());
                }
                self.identities.insert(i.id.clone(), i);
            }
            _ => return Err("unknown cognito-identity record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        *self = CognitoIdentity::default();
    }
}

#[cfg(test)]
mod tests;
