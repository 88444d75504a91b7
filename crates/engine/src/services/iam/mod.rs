//! AWS Identity and Access Management (AWS Query protocol, `iam`): roles, users and groups with
//! their managed and inline policies (a user is a group's member: the group's policies apply to it), customer managed policies with versions, AWS managed policies as
//! data ([`managed`]), and the policy simulator. The policy language is [`policy`], the
//! evaluation logic [`eval`]; STS ([`crate::services::sts`]) uses both for AssumeRole.
//!
//! **IAM is global.** AWS serves one IAM namespace per account from `iam.amazonaws.com`
//! (signed for us-east-1), whatever region a client names. The engine's calls carry a region,
//! so this service ignores it: one state for the account, records under `iam/global/...`
//! (`role/{name}`, `user/{name}`, `group/{name}`, `policy/{name}`, names lower-cased since IAM names
//! are unique without regard to case). An entity's record holds its attachments and inline
//! policies; a group's record also holds its members.
//!
//! Timestamps in the engine's JSON are ISO 8601 strings (`2026-11-25T12:00:00Z`), as the Query
//! protocol carries them; policy documents are URL-encoded in answers, as IAM returns them.

pub mod entities;
pub mod eval;
pub mod input;
pub mod keys;
pub mod managed;
pub mod policies;
pub mod policy;
pub mod simulate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::{
    error::AwsError,
    journal::Record,
    service::{Cx, Service},
};

/// Roles, users or groups: all three hold attached and inline policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntityKind {
    Role,
    User,
    Group,
}

impl EntityKind {
    pub fn word(self) -> &'static str {
        match self {
            EntityKind::Role => "role",
            EntityKind::User => "user",
            EntityKind::Group => "group",
        }
    }

    /// `AROA` for roles, `AIDA` for users: the unique id's prefix.
    fn id_prefix(self) -> &'static str {
        match self {
            EntityKind::Role => "AROA",
            EntityKind::User => "AIDA",
            EntityKind::Group => "AGPA",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub name: String,
    pub id: String,
    pub path: String,
    pub created_ms: i64,
    /// Roles only: the trust policy, as given.
    #[serde(default)]
    pub trust_policy: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Roles only: 3,600..43,200 seconds.
    #[serde(default)]
    pub max_session_duration: Option<i64>,
    #[serde(default)]
    pub boundary: Option<String>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// Attached managed policy ARNs, in attach order.
    #[serde(default)]
    pub attached: Vec<String>,
    /// Inline policies by name.
    #[serde(default)]
    pub inline: BTreeMap<String, String>,
    /// Groups only: the member users' names, in the order they were added.
    #[serde(default)]
    pub members: Vec<String>,
    /// Users only: their access keys ([`keys`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_keys: Vec<keys::AccessKey>,
}

impl Entity {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:{}{}{}", self.kind.word(), self.path, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub document: String,
    pub created_ms: i64,
}

/// A customer managed policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub id: String,
    pub path: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    pub default_version: u32,
    pub next_version: u32,
    pub versions: BTreeMap<u32, PolicyVersion>,
}

impl ManagedPolicy {
    pub fn arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:policy{}{}", self.path, self.name)
    }
}

#[derive(Debug, Default)]
pub struct Iam {
    pub roles: BTreeMap<String, Entity>,
    pub users: BTreeMap<String, Entity>,
    pub groups: BTreeMap<String, Entity>,
    pub policies: BTreeMap<String, ManagedPolicy>,
    /// Parsed policies per role or user for enforcement (see [`crate::kernel::authz`]); runtime
    /// state, emptied by every IAM call.
    authz_cache: std::collections::HashMap<(EntityKind, String), std::sync::Arc<crate::kernel::authz::EntityPolicies>>,
}

pub fn entity_key(kind: EntityKind, name: &str) -> String {
    format!("iam/global/{}/{}", kind.word(), name.to_ascii_lowercase())
}

pub fn policy_key(name: &str) -> String {
    format!("iam/global/policy/{}", name.to_ascii_lowercase())
}

/// 16 characters of IAM's unique-id alphabet after a 4-letter prefix (`AROA...`).
pub fn unique_id(cx: &mut Cx, prefix: &str) -> String {
    format!("{prefix}{}", cx.rng.token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17))
}

/// `2026-11-25T12:00:00Z`, as IAM writes dates.
pub fn date(ms: i64) -> String {
    let s = crate::kernel::time::iso8601(ms);
    format!("{}Z", &s[..19])
}

impl Iam {
    pub fn entities(&self, kind: EntityKind) -> &BTreeMap<String, Entity> {
        match kind {
            EntityKind::Role => &self.roles,
            EntityKind::User => &self.users,
            EntityKind::Group => &self.groups,
        }
    }

    pub fn entities_mut(&mut self, kind: EntityKind) -> &mut BTreeMap<String, Entity> {
        match kind {
            EntityKind::Role => &mut self.roles,
            EntityKind::User => &mut self.users,
            EntityKind::Group => &mut self.groups,
        }
    }

    pub fn entity(&self, kind: EntityKind, name: &str) -> Result<&Entity, AwsError> {
        self.entities(kind).get(&name.to_ascii_lowercase()).ok_or_else(|| input::no_such_entity(format!("The {} with name {name} cannot be found.", kind.word())))
    }

    pub fn save_entity(&mut self, cx: &mut Cx, e: Entity) {
        cx.journal.put_json(entity_key(e.kind, &e.name), &e);
        self.entities_mut(e.kind).insert(e.name.to_ascii_lowercase(), e);
    }

    pub fn save_policy(&mut self, cx: &mut Cx, p: ManagedPolicy) {
        cx.journal.put_json(policy_key(&p.name), &p);
        self.policies.insert(p.name.to_ascii_lowercase(), p);
    }

    /// The groups the user `name` belongs to, by name.
    pub fn groups_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Entity> + 'a {
        self.groups.values().filter(move |g| g.members.iter().any(|m| m.eq_ignore_ascii_case(name)))
    }

    /// How many roles, users and groups have the policy `arn` attached (AttachmentCount).
    pub fn attachment_count(&self, arn: &str) -> usize {
        self.roles.values().chain(self.users.values()).chain(self.groups.values()).filter(|e| e.attached.iter().any(|a| a == arn)).count()
    }

    /// The default document of a managed policy (AWS's or the account's), by ARN.
    pub fn policy_document(&self, account: &str, arn: &str) -> Option<String> {
        if let Some(m) = managed::by_arn(arn) {
            return Some(m.document.to_string());
        }
        let p = self.local_policy(account, arn)?;
        p.versions.get(&p.default_version).map(|v| v.document.clone())
    }

    pub fn local_policy(&self, account: &str, arn: &str) -> Option<&ManagedPolicy> {
        let rest = arn.strip_prefix(&format!("arn:aws:iam::{account}:policy/"))?;
        let name = rest.rsplit('/').next()?;
        self.policies.get(&name.to_ascii_lowercase()).filter(|p| p.arn(account) == arn)
    }
}

impl Iam {
    /// The parsed identity policies (a user's groups' too) and permissions boundary of a role or
    /// user, for enforcement; cached until the next IAM call. A document that no longer parses
    /// (none should: IAM checks them when they are stored) is left out. An unknown entity has none.
    pub fn entity_policies(&mut self, account: &str, kind: EntityKind, name: &str) -> std::sync::Arc<crate::kernel::authz::EntityPolicies> {
        let key = (kind, name.to_ascii_lowercase());
        if let Some(p) = self.authz_cache.get(&key) {
            return p.clone();
        }
        let mut out = crate::kernel::authz::EntityPolicies::default();
        let parse = |doc: &str| policy::Policy::parse(&simulate::decode_document(doc), policy::PolicyKind::Identity).ok();
        if let Some(e) = self.entities(kind).get(&key.1) {
            let mut sources = vec![e];
            if kind == EntityKind::User {
                sources.extend(self.groups_of(&e.name));
            }
            for s in sources {
                out.identity.extend(s.inline.values().filter_map(|d| parse(d)));
                out.identity.extend(s.attached.iter().filter_map(|arn| self.policy_document(account, arn)).filter_map(|d| parse(&d)));
            }
            out.boundary = e.boundary.as_ref().and_then(|b| self.policy_document(account, b)).and_then(|d| parse(&d));
        }
        let out = std::sync::Arc::new(out);
        self.authz_cache.insert(key, out.clone());
        out
    }
}

impl Service for Iam {
    fn name(&self) -> &'static str {
        "iam"
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        Some(self)
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        self.authz_cache.clear();
        let input = input::Input::new(input)?;
        use EntityKind::{Group, Role, User};
        match operation {
            "CreateRole" => entities::create(self, cx, &input, Role),
            "GetRole" => entities::get(self, cx, &input, Role),
            "ListRoles" => entities::list(self, cx, &input, Role),
            "DeleteRole" => entities::delete(self, cx, &input, Role),
            "UpdateRole" => entities::update_role(self, cx, &input),
            "UpdateRoleDescription" => entities::update_role_description(self, cx, &input),
            "UpdateAssumeRolePolicy" => entities::update_assume_role_policy(self, cx, &input),
            "TagRole" => entities::tag(self, cx, &input, Role),
            "UntagRole" => entities::untag(self, cx, &input, Role),
            "ListRoleTags" => entities::list_tags(self, cx, &input, Role),
            "PutRolePermissionsBoundary" => entities::put_boundary(self, cx, &input, Role),
            "DeleteRolePermissionsBoundary" => entities::delete_boundary(self, cx, &input, Role),
            "AttachRolePolicy" => entities::attach(self, cx, &input, Role),
            "DetachRolePolicy" => entities::detach(self, cx, &input, Role),
            "ListAttachedRolePolicies" => entities::list_attached(self, cx, &input, Role),
            "PutRolePolicy" => entities::put_inline(self, cx, &input, Role),
            "GetRolePolicy" => entities::get_inline(self, cx, &input, Role),
            "ListRolePolicies" => entities::list_inline(self, cx, &input, Role),
            "DeleteRolePolicy" => entities::delete_inline(self, cx, &input, Role),
            "CreateUser" => entities::create(self, cx, &input, User),
            "GetUser" => entities::get(self, cx, &input, User),
            "ListUsers" => entities::list(self, cx, &input, User),
            "DeleteUser" => entities::delete(self, cx, &input, User),
            "TagUser" => entities::tag(self, cx, &input, User),
            "UntagUser" => entities::untag(self, cx, &input, User),
            "ListUserTags" => entities::list_tags(self, cx, &input, User),
            "PutUserPermissionsBoundary" => entities::put_boundary(self, cx, &input, User),
            "DeleteUserPermissionsBoundary" => entities::delete_boundary(self, cx, &input, User),
            "AttachUserPolicy" => entities::attach(self, cx, &input, User),
            "DetachUserPolicy" => entities::detach(self, cx, &input, User),
            "ListAttachedUserPolicies" => entities::list_attached(self, cx, &input, User),
            "PutUserPolicy" => entities::put_inline(self, cx, &input, User),
            "GetUserPolicy" => entities::get_inline(self, cx, &input, User),
            "ListUserPolicies" => entities::list_inline(self, cx, &input, User),
            "DeleteUserPolicy" => entities::delete_inline(self, cx, &input, User),
            "CreateAccessKey" => keys::create_access_key(self, cx, &input),
            "ListAccessKeys" => keys::list_access_keys(self, cx, &input),
            "UpdateAccessKey" => keys::update_access_key(self, cx, &input),
            "DeleteAccessKey" => keys::delete_access_key(self, cx, &input),
            "CreateGroup" => entities::create(self, cx, &input, Group),
            "GetGroup" => entities::get_group(self, cx, &input),
            "ListGroups" => entities::list(self, cx, &input, Group),
            "DeleteGroup" => entities::delete(self, cx, &input, Group),
            "AddUserToGroup" => entities::add_user_to_group(self, cx, &input),
            "RemoveUserFromGroup" => entities::remove_user_from_group(self, cx, &input),
            "ListGroupsForUser" => entities::list_groups_for_user(self, cx, &input),
            "AttachGroupPolicy" => entities::attach(self, cx, &input, Group),
            "DetachGroupPolicy" => entities::detach(self, cx, &input, Group),
            "ListAttachedGroupPolicies" => entities::list_attached(self, cx, &input, Group),
            "PutGroupPolicy" => entities::put_inline(self, cx, &input, Group),
            "GetGroupPolicy" => entities::get_inline(self, cx, &input, Group),
            "ListGroupPolicies" => entities::list_inline(self, cx, &input, Group),
            "DeleteGroupPolicy" => entities::delete_inline(self, cx, &input, Group),
            "CreatePolicy" => policies::create_policy(self, cx, &input),
            "GetPolicy" => policies::get_policy(self, cx, &input),
            "ListPolicies" => policies::list_policies(self, cx, &input),
            "DeletePolicy" => policies::delete_policy(self, cx, &input),
            "CreatePolicyVersion" => policies::create_policy_version(self, cx, &input),
            "GetPolicyVersion" => policies::get_policy_version(self, cx, &input),
            "ListPolicyVersions" => policies::list_policy_versions(self, cx, &input),
            "SetDefaultPolicyVersion" => policies::set_default_policy_version(self, cx, &input),
            "DeletePolicyVersion" => policies::delete_policy_version(self, cx, &input),
            "ListEntitiesForPolicy" => policies::list_entities_for_policy(self, cx, &input),
            "SimulateCustomPolicy" => simulate::simulate_custom_policy(self, cx, &input),
            "SimulatePrincipalPolicy" => simulate::simulate_principal_policy(self, cx, &input),
            _ => Err(AwsError::new("", "InvalidAction", format!("Could not find operation {operation} for version 2010-05-08"), 400)),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for e in self.roles.values().chain(self.users.values()).chain(self.groups.values()) {
            out.push(Record { key: entity_key(e.kind, &e.name), value: serde_json::to_vec(e).unwrap_or_default() });
        }
        for p in self.policies.values() {
            out.push(Record { key: policy_key(&p.name), value: serde_json::to_vec(p).unwrap_or_default() });
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        self.authz_cache.clear();
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["iam", "global", "role" | "user" | "group", name] => {
                let e: Entity = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                if e.name.to_ascii_lowercase() != *name {
                    return Err("IAM record under another name".into());
                }
                self.entities_mut(e.kind).insert(name.to_string(), e);
            }
            ["iam", "global", "policy", name] => {
                let p: ManagedPolicy = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                self.policies.insert(name.to_string(), p);
            }
            _ => return Err("unknown IAM record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        *self = Iam::default();
    }
}

#[cfg(test)]
mod eval_tests;
#[cfg(test)]
mod tests;
