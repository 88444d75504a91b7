//! Roles, users and groups: create, get, list, delete, tags, permissions boundaries, attached
//! managed policies and inline policies, group membership. The three share one shape
//! ([`Entity`]); the operation names and members differ only by `Role`/`User`/`Group`.

use serde_json::{json, Map, Value};

use super::{
    date,
    input::{self, check_path, delete_conflict, limit_exceeded, no_such_entity, page, paged, tags, tags_json, url_encode, validation, Input},
    managed,
    policy::{Policy, PolicyKind, PrincipalKind, Principals},
    unique_id, Entity, EntityKind, Iam,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Managed policies attached to one role or user (IAM's default quota).
pub const MAX_ATTACHED: usize = 10;
/// A role's trust policy, in characters (default quota).
pub const MAX_TRUST_POLICY: usize = 2048;
/// Groups one user can belong to (IAM's quota).
pub const MAX_GROUPS_PER_USER: usize = 10;
/// All inline policies of a role together (10,240), a user (2,048) or a group (5,120), in characters.
fn max_inline(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Role => 10_240,
        EntityKind::User => 2_048,
        EntityKind::Group => 5_120,
    }
}

/// Role and user names are 1..64 characters, group names 1..128.
fn max_name(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Group => 128,
        _ => 64,
    }
}

fn title(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Role => "Role",
        EntityKind::User => "User",
        EntityKind::Group => "Group",
    }
}

/// Characters of a policy document as IAM counts them: whitespace is not counted.
pub fn policy_chars(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

/// Checks a trust policy: size, grammar, and that the roles and users of this account it names
/// exist (IAM refuses a principal it cannot resolve, and groups, which are not principals).
pub fn check_trust_policy(iam: &Iam, account: &str, doc: &str) -> Result<(), AwsError> {
    if policy_chars(doc) > MAX_TRUST_POLICY {
        return Err(limit_exceeded(format!("Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY}")));
    }
    let policy = Policy::parse(doc, PolicyKind::Trust)?;
    let own = format!("arn:aws:iam::{account}:");
    for st in &policy.statements {
        let Some(Principals::Listed(list)) = &st.principal else { continue };
        for (kind, value) in list {
            let Some(rest) = value.strip_prefix(&own).filter(|_| *kind == PrincipalKind::Aws) else { continue };
            if rest.starts_with("group/") {
                // A group is not a principal: IAM refuses it in any policy's Principal.
                return Err(super::policy::malformed(format!("Invalid principal in policy: \"AWS\":\"{value}\"")));
            }
            let entity = match rest.split_once('/') {
                Some(("role", path)) => Some((EntityKind::Role, path)),
                Some(("user", path)) => Some((EntityKind::User, path)),
                _ => None,
            };
            if let Some((k, path)) = entity {
                let name = path.rsplit('/').next().unwrap_or(path);
                let exists = iam.entities(k).get(&name.to_ascii_lowercase()).is_some_and(|e| e.arn(account) == *value);
                if !exists {
                    return Err(super::policy::malformed(format!("Invalid principal in policy: \"AWS\":\"{value}\"")));
                }
            }
        }
    }
    Ok(())
}

fn name_member(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Role => "RoleName",
        EntityKind::User => "UserName",
        EntityKind::Group => "GroupName",
    }
}

/// The entity's answer shape (`Role` / `User`); `full` adds what only Get answers carry.
pub fn entity_json(e: &Entity, account: &str, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(e.path));
    m.insert(format!("{}Name", title(e.kind)), json!(e.name));
    m.insert(format!("{}Id", title(e.kind)), json!(e.id));
    m.insert("Arn".into(), json!(e.arn(account)));
    m.insert("CreateDate".into(), json!(date(e.created_ms)));
    if let Some(t) = &e.trust_policy {
        m.insert("AssumeRolePolicyDocument".into(), json!(url_encode(t)));
    }
    if let Some(d) = &e.description {
        m.insert("Description".into(), json!(d));
    }
    if let Some(s) = e.max_session_duration {
        m.insert("MaxSessionDuration".into(), json!(s));
    }
    if full {
        if let Some(b) = &e.boundary {
            m.insert("PermissionsBoundary".into(), json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": b}));
        }
        if !e.tags.is_empty() {
            m.insert("Tags".into(), tags_json(&e.tags));
        }
        if e.kind == EntityKind::Role {
            m.insert("RoleLastUsed".into(), json!({}));
        }
    }
    Value::Object(m)
}

/// A managed policy ARN that exists and can be attached, or NoSuchEntity as IAM words it.
fn attachable(iam: &Iam, cx: &Cx, arn: &str) -> Result<(), AwsError> {
    if arn.len() < 20 || !arn.starts_with("arn:") {
        return Err(validation(format!("ARN {arn} is not valid.")));
    }
    if managed::by_arn(arn).is_some() || iam.local_policy(&cx.account.id, arn).is_some() {
        Ok(())
    } else {
        Err(no_such_entity(format!("Policy {arn} does not exist or is not attachable.")))
    }
}

pub fn create(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let path = input.sized("Path", 1, 512)?.unwrap_or("/");
    check_path(path, "Path")?;
    if kind == EntityKind::Group {
        // CreateGroup takes only GroupName and Path.
        input.refuse(&["Tags", "PermissionsBoundary"], "CreateGroup")?;
    }
    let mut e = Entity {
        kind,
        name: name.to_string(),
        id: String::new(),
        path: path.to_string(),
        created_ms: cx.now_ms,
        trust_policy: None,
        description: None,
        max_session_duration: None,
        boundary: None,
        tags: tags(input, "Tags")?,
        attached: Vec::new(),
        inline: Default::default(),
        members: Vec::new(),
        access_keys: Vec::new(),
    };
    if kind == EntityKind::Role {
        let doc = input.required("AssumeRolePolicyDocument")?;
        check_trust_policy(iam, &cx.account.id, doc)?;
        e.trust_policy = Some(doc.to_string());
        e.description = input.sized("Description", 0, 1000)?.map(str::to_string);
        let max = input.int("MaxSessionDuration")?.unwrap_or(3600);
        check_session_duration(max)?;
        e.max_session_duration = Some(max);
    }
    if let Some(b) = input.string("PermissionsBoundary")? {
        attachable(iam, cx, b)?;
        e.boundary = Some(b.to_string());
    }
    if iam.entities(kind).contains_key(&name.to_ascii_lowercase()) {
        return Err(input::already_exists(format!("{} with name {name} already exists.", title(kind))));
    }
    e.id = unique_id(cx, kind.id_prefix());
    let out = json!({ title(kind): entity_json(&e, &cx.account.id, true) });
    iam.save_entity(cx, e);
    Ok(out)
}

fn check_session_duration(max: i64) -> Result<(), AwsError> {
    if !(3600..=43200).contains(&max) {
        let what = if max < 3600 { "Member must have value greater than or equal to 3600" } else { "Member must have value less than or equal to 43200" };
        return Err(validation(format!("1 validation error detected: Value '{max}' at 'maxSessionDuration' failed to satisfy constraint: {what}")));
    }
    Ok(())
}

pub fn get(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let e = iam.entity(kind, name)?;
    Ok(json!({ title(kind): entity_json(e, &cx.account.id, true) }))
}

pub fn list(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let prefix = input.sized("PathPrefix", 1, 512)?.unwrap_or("/");
    let (max, marker) = input.paging()?;
    let items: Vec<(String, Value)> =
        iam.entities(kind).iter().filter(|(_, e)| e.path.starts_with(prefix)).map(|(k, e)| (k.clone(), entity_json(e, &cx.account.id, false))).collect();
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert(format!("{}s", title(kind)), Value::Array(page));
    Ok(paged(out, next))
}

pub fn delete(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let e = iam.entity(kind, name)?;
    if !e.attached.is_empty() {
        return Err(delete_conflict("Cannot delete entity, must detach all policies first."));
    }
    if !e.inline.is_empty() {
        return Err(delete_conflict("Cannot delete entity, must delete policies first."));
    }
    if !e.access_keys.is_empty() {
        return Err(delete_conflict("Cannot delete entity, must delete access keys first."));
    }
    if !e.members.is_empty() || (kind == EntityKind::User && iam.groups_of(name).next().is_some()) {
        return Err(delete_conflict("Cannot delete entity, must remove users from group first."));
    }
    let key = super::entity_key(kind, &e.name);
    iam.entities_mut(kind).remove(&name.to_ascii_lowercase());
    cx.journal.delete(key);
    Ok(json!({}))
}

pub fn update_role(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.name("RoleName", 64)?;
    let description = input.sized("Description", 0, 1000)?;
    let max = input.int("MaxSessionDuration")?;
    if let Some(m) = max {
        check_session_duration(m)?;
    }
    let mut e = iam.entity(EntityKind::Role, name)?.clone();
    if let Some(d) = description {
        e.description = Some(d.to_string());
    }
    if let Some(m) = max {
        e.max_session_duration = Some(m);
    }
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn update_role_description(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.name("RoleName", 64)?;
    input.required("Description")?;
    let description = input.sized("Description", 0, 1000)?.unwrap_or_default();
    let mut e = iam.entity(EntityKind::Role, name)?.clone();
    e.description = Some(description.to_string());
    let out = json!({ "Role": entity_json(&e, &cx.account.id, true) });
    iam.save_entity(cx, e);
    Ok(out)
}

pub fn update_assume_role_policy(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.name("RoleName", 64)?;
    let doc = input.required("PolicyDocument")?;
    let mut e = iam.entity(EntityKind::Role, name)?.clone();
    check_trust_policy(iam, &cx.account.id, doc)?;
    e.trust_policy = Some(doc.to_string());
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn tag(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let new = tags(input, "Tags")?;
    let mut e = iam.entity(kind, name)?.clone();
    for (k, v) in new {
        match e.tags.iter_mut().find(|(ek, _)| ek.eq_ignore_ascii_case(&k)) {
            Some(slot) => *slot = (k, v),
            None => e.tags.push((k, v)),
        }
    }
    if e.tags.len() > 50 {
        return Err(limit_exceeded("The number of tags has reached the maximum limit."));
    }
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn untag(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let keys = input.string_list("TagKeys")?;
    let mut e = iam.entity(kind, name)?.clone();
    e.tags.retain(|(k, _)| !keys.iter().any(|d| d.eq_ignore_ascii_case(k)));
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn list_tags(iam: &mut Iam, _cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let (max, marker) = input.paging()?;
    let e = iam.entity(kind, name)?;
    let items: Vec<(String, Value)> = e.tags.iter().enumerate().map(|(i, (k, v))| (format!("{i:08}"), json!({"Key": k, "Value": v}))).collect();
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("Tags".into(), Value::Array(page));
    Ok(paged(out, next))
}

pub fn put_boundary(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let arn = input.required("PermissionsBoundary")?;
    let mut e = iam.entity(kind, name)?.clone();
    attachable(iam, cx, arn)?;
    e.boundary = Some(arn.to_string());
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn delete_boundary(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let mut e = iam.entity(kind, name)?.clone();
    e.boundary = None;
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn attach(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let arn = input.required("PolicyArn")?;
    let mut e = iam.entity(kind, name)?.clone();
    attachable(iam, cx, arn)?;
    if e.attached.iter().any(|a| a == arn) {
        return Ok(json!({}));
    }
    if e.attached.len() >= MAX_ATTACHED {
        return Err(limit_exceeded(format!("Cannot exceed quota for PoliciesPer{}: {MAX_ATTACHED}", title(kind))));
    }
    e.attached.push(arn.to_string());
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn detach(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let arn = input.required("PolicyArn")?;
    let mut e = iam.entity(kind, name)?.clone();
    let before = e.attached.len();
    e.attached.retain(|a| a != arn);
    if e.attached.len() == before {
        return Err(no_such_entity(format!("Policy {arn} was not found.")));
    }
    iam.save_entity(cx, e);
    Ok(json!({}))
}

/// The name and ARN of an attached policy.
fn attached_json(arn: &str) -> Value {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    json!({"PolicyName": name, "PolicyArn": arn})
}

pub fn list_attached(iam: &mut Iam, _cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let prefix = input.sized("PathPrefix", 1, 512)?.unwrap_or("/");
    let (max, marker) = input.paging()?;
    let e = iam.entity(kind, name)?;
    let items: Vec<(String, Value)> = e
        .attached
        .iter()
        .filter(|arn| {
            let path = arn.split_once(":policy").map(|(_, p)| p).unwrap_or("/");
            path.starts_with(prefix)
        })
        .enumerate()
        .map(|(i, arn)| (format!("{i:08}"), attached_json(arn)))
        .collect();
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("AttachedPolicies".into(), Value::Array(page));
    Ok(paged(out, next))
}

pub fn put_inline(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let policy_name = input.name("PolicyName", 128)?;
    let doc = input.required("PolicyDocument")?;
    let mut e = iam.entity(kind, name)?.clone();
    Policy::parse(doc, PolicyKind::Identity)?;
    e.inline.insert(policy_name.to_string(), doc.to_string());
    let total: usize = e.inline.values().map(|d| policy_chars(d)).sum();
    if total > max_inline(kind) {
        return Err(limit_exceeded(format!("Maximum policy size of {} bytes exceeded for {} {}", max_inline(kind), kind.word(), e.name)));
    }
    iam.save_entity(cx, e);
    Ok(json!({}))
}

pub fn get_inline(iam: &mut Iam, _cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let policy_name = input.name("PolicyName", 128)?;
    let e = iam.entity(kind, name)?;
    let doc = e.inline.get(policy_name).ok_or_else(|| no_such_entity(format!("The {} policy with name {policy_name} cannot be found.", kind.word())))?;
    let mut out = Map::new();
    out.insert(name_member(kind).into(), json!(e.name));
    out.insert("PolicyName".into(), json!(policy_name));
    out.insert("PolicyDocument".into(), json!(url_encode(doc)));
    Ok(Value::Object(out))
}

pub fn list_inline(iam: &mut Iam, _cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let (max, marker) = input.paging()?;
    let e = iam.entity(kind, name)?;
    let items: Vec<(String, Value)> = e.inline.keys().map(|k| (k.clone(), json!(k))).collect();
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("PolicyNames".into(), Value::Array(page));
    Ok(paged(out, next))
}

pub fn delete_inline(iam: &mut Iam, cx: &mut Cx, input: &Input, kind: EntityKind) -> Result<Value, AwsError> {
    let name = input.name(name_member(kind), max_name(kind))?;
    let policy_name = input.name("PolicyName", 128)?;
    let mut e = iam.entity(kind, name)?.clone();
    if e.inline.remove(policy_name).is_none() {
        return Err(no_such_entity(format!("The {} policy with name {policy_name} cannot be found.", kind.word())));
    }
    iam.save_entity(cx, e);
    Ok(json!({}))
}

/// GetGroup: the group and its members (paged by MaxItems/Marker over the users).
pub fn get_group(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.name("GroupName", 128)?;
    let (max, marker) = input.paging()?;
    let g = iam.entity(EntityKind::Group, name)?;
    let items: Vec<(String, Value)> =
        g.members.iter().enumerate().filter_map(|(i, m)| iam.users.get(&m.to_ascii_lowercase()).map(|u| (format!("{i:08}"), entity_json(u, &cx.account.id, false)))).collect();
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("Group".into(), entity_json(g, &cx.account.id, false));
    out.insert("Users".into(), Value::Array(page));
    Ok(paged(out, next))
}

pub fn add_user_to_group(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let group = input.name("GroupName", 128)?;
    let user = input.name("UserName", 64)?;
    let mut g = iam.entity(EntityKind::Group, group)?.clone();
    let u = iam.entity(EntityKind::User, user)?;
    if g.members.iter().any(|m| m.eq_ignore_ascii_case(user)) {
        return Ok(json!({}));
    }
    if iam.groups_of(user).count() >= MAX_GROUPS_PER_USER {
        return Err(limit_exceeded(format!("Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}")));
    }
    g.members.push(u.name.clone());
    iam.save_entity(cx, g);
    Ok(json!({}))
}

pub fn remove_user_from_group(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let group = input.name("GroupName", 128)?;
    let user = input.name("UserName", 64)?;
    let mut g = iam.entity(EntityKind::Group, group)?.clone();
    iam.entity(EntityKind::User, user)?;
    let before = g.members.len();
    g.members.retain(|m| !m.eq_ignore_ascii_case(user));
    if g.members.len() == before {
        return Err(no_such_entity(format!("The user with name {user} cannot be found.")));
    }
    iam.save_entity(cx, g);
    Ok(json!({}))
}

pub fn list_groups_for_user(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let user = input.name("UserName", 64)?;
    let (max, marker) = input.paging()?;
    iam.entity(EntityKind::User, user)?;
    let items: Vec<(String, Value)> = iam.groups_of(user).map(|g| (g.name.to_ascii_lowercase(), entity_json(g, &cx.account.id, false))).collect();
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("Groups".into(), Value::Array(page));
    Ok(paged(out, next))
}
