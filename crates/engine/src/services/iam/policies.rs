//! Managed policies: the account's own (create, versions up to five, default version, delete)
//! and AWS's ([`managed`], read-only: GetPolicy, GetPolicyVersion, ListPolicies with Scope AWS).

use serde_json::{json, Map, Value};

use super::{
    date, entities,
    input::{check_path, delete_conflict, invalid_input, limit_exceeded, no_such_entity, page, paged, tags, tags_json, url_encode, validation, Input},
    managed::{self, AwsManaged},
    policy::{Policy, PolicyKind},
    policy_key, unique_id, Iam, ManagedPolicy, PolicyVersion,
};
use crate::kernel::{error::AwsError, service::Cx};

/// Versions a managed policy may keep.
pub const MAX_VERSIONS: usize = 5;
/// A managed policy document, in characters without whitespace.
pub const MAX_POLICY_CHARS: usize = 6144;

fn check_document(doc: &str) -> Result<(), AwsError> {
    if entities::policy_chars(doc) > MAX_POLICY_CHARS {
        return Err(limit_exceeded(format!("Cannot exceed quota for PolicySize: {MAX_POLICY_CHARS}")));
    }
    Policy::parse(doc, PolicyKind::Identity).map(|_| ())
}

fn boundary_count(iam: &Iam, arn: &str) -> usize {
    iam.roles.values().chain(iam.users.values()).filter(|e| e.boundary.as_deref() == Some(arn)).count()
}

fn local_json(iam: &Iam, p: &ManagedPolicy, account: &str, full: bool) -> Value {
    let arn = p.arn(account);
    let mut m = Map::new();
    m.insert("PolicyName".into(), json!(p.name));
    m.insert("PolicyId".into(), json!(p.id));
    m.insert("Arn".into(), json!(arn));
    m.insert("Path".into(), json!(p.path));
    m.insert("DefaultVersionId".into(), json!(format!("v{}", p.default_version)));
    m.insert("AttachmentCount".into(), json!(iam.attachment_count(&arn)));
    m.insert("PermissionsBoundaryUsageCount".into(), json!(boundary_count(iam, &arn)));
    m.insert("IsAttachable".into(), json!(true));
    if full {
        if let Some(d) = &p.description {
            m.insert("Description".into(), json!(d));
        }
    }
    m.insert("CreateDate".into(), json!(date(p.created_ms)));
    m.insert("UpdateDate".into(), json!(date(p.updated_ms)));
    if full && !p.tags.is_empty() {
        m.insert("Tags".into(), tags_json(&p.tags));
    }
    Value::Object(m)
}

fn aws_json(iam: &Iam, p: &AwsManaged, full: bool) -> Value {
    let arn = p.arn();
    let mut m = Map::new();
    m.insert("PolicyName".into(), json!(p.name));
    m.insert("PolicyId".into(), json!(p.id()));
    m.insert("Arn".into(), json!(arn));
    m.insert("Path".into(), json!(p.path));
    m.insert("DefaultVersionId".into(), json!(p.version));
    m.insert("AttachmentCount".into(), json!(iam.attachment_count(&arn)));
    m.insert("PermissionsBoundaryUsageCount".into(), json!(boundary_count(iam, &arn)));
    m.insert("IsAttachable".into(), json!(true));
    if full {
        m.insert("Description".into(), json!(p.description));
    }
    m.insert("CreateDate".into(), json!(p.created));
    m.insert("UpdateDate".into(), json!(p.updated));
    Value::Object(m)
}

fn not_found(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} was not found."))
}

fn policy_arn<'a>(input: &Input<'a>) -> Result<&'a str, AwsError> {
    let arn = input.sized("PolicyArn", 20, 2048)?;
    let arn = match arn {
        Some(a) => a,
        None => input.required("PolicyArn")?,
    };
    if !arn.starts_with("arn:") || arn.split(':').count() < 6 {
        return Err(invalid_input(format!("ARN {arn} is not valid.")));
    }
    Ok(arn)
}

/// A version id `v1`, `v2`, ...
fn version_number(id: &str) -> Result<u32, AwsError> {
    id.strip_prefix('v').and_then(|n| n.parse::<u32>().ok()).filter(|n| *n > 0).ok_or_else(|| {
        validation(format!("1 validation error detected: Value '{id}' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"))
    })
}

pub fn create_policy(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = input.name("PolicyName", 128)?;
    let path = input.sized("Path", 1, 512)?.unwrap_or("/");
    check_path(path, "Path")?;
    let doc = input.required("PolicyDocument")?;
    let description = input.sized("Description", 0, 1000)?;
    let tags = tags(input, "Tags")?;
    check_document(doc)?;
    if iam.policies.contains_key(&name.to_ascii_lowercase()) {
        return Err(super::input::already_exists(format!("A policy called {name} already exists. Duplicate names are not allowed.")));
    }
    let p = ManagedPolicy {
        name: name.to_string(),
        id: unique_id(cx, "ANPA"),
        path: path.to_string(),
        created_ms: cx.now_ms,
        updated_ms: cx.now_ms,
        description: description.map(str::to_string),
        tags,
        default_version: 1,
        next_version: 2,
        versions: [(1, PolicyVersion { document: doc.to_string(), created_ms: cx.now_ms })].into_iter().collect(),
    };
    let mut out = local_json(iam, &p, &cx.account.id, true);
    if let Some(m) = out.as_object_mut() {
        m.remove("Description");
    }
    iam.save_policy(cx, p);
    Ok(json!({ "Policy": out }))
}

pub fn get_policy(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    if let Some(p) = managed::by_arn(arn) {
        return Ok(json!({ "Policy": aws_json(iam, p, true) }));
    }
    let p = iam.local_policy(&cx.account.id, arn).ok_or_else(|| not_found(arn))?;
    Ok(json!({ "Policy": local_json(iam, p, &cx.account.id, true) }))
}

pub fn list_policies(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let scope = input.string("Scope")?.unwrap_or("All");
    if !matches!(scope, "All" | "AWS" | "Local") {
        return Err(validation(format!(
            "1 validation error detected: Value '{scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"
        )));
    }
    let only_attached = input.bool("OnlyAttached")?.unwrap_or(false);
    let prefix = input.sized("PathPrefix", 1, 512)?.unwrap_or("/");
    let usage = input.string("PolicyUsageFilter")?;
    if let Some(u) = usage {
        if !matches!(u, "PermissionsPolicy" | "PermissionsBoundary") {
            return Err(validation(format!(
                "1 validation error detected: Value '{u}' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]"
            )));
        }
    }
    let (max, marker) = input.paging()?;
    let keep = |arn: &str, path: &str| {
        if !path.starts_with(prefix) {
            return false;
        }
        let attached = iam.attachment_count(arn) > 0;
        let boundary = boundary_count(iam, arn) > 0;
        match (only_attached, usage) {
            (false, _) => true,
            (true, Some("PermissionsBoundary")) => boundary,
            (true, Some(_)) => attached,
            (true, None) => attached || boundary,
        }
    };
    let mut items: Vec<(String, Value)> = Vec::new();
    if scope != "Local" {
        for p in managed::POLICIES {
            if keep(&p.arn(), p.path) {
                items.push((format!("aws/{}", p.name.to_ascii_lowercase()), aws_json(iam, p, false)));
            }
        }
    }
    if scope != "AWS" {
        for (k, p) in &iam.policies {
            if keep(&p.arn(&cx.account.id), &p.path) {
                items.push((format!("local/{k}"), local_json(iam, p, &cx.account.id, false)));
            }
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("Policies".into(), Value::Array(page));
    Ok(paged(out, next))
}

fn local_mut_checked<'a>(iam: &'a Iam, cx: &Cx, arn: &str) -> Result<&'a ManagedPolicy, AwsError> {
    if managed::by_arn(arn).is_some() {
        return Err(AwsError::new("", "AccessDenied", format!("User: arn:aws:iam::{}:root is not authorized to modify the AWS managed policy {arn}.", cx.account.id), 403));
    }
    iam.local_policy(&cx.account.id, arn).ok_or_else(|| not_found(arn))
}

pub fn delete_policy(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    let p = local_mut_checked(iam, cx, arn)?;
    if iam.attachment_count(arn) > 0 || boundary_count(iam, arn) > 0 {
        return Err(delete_conflict("Cannot delete a policy attached to entities."));
    }
    if p.versions.len() > 1 {
        return Err(delete_conflict(
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        ));
    }
    let key = p.name.to_ascii_lowercase();
    iam.policies.remove(&key);
    cx.journal.delete(policy_key(&key));
    Ok(json!({}))
}

fn version_json(id: u32, v: &PolicyVersion, default: u32, with_document: bool) -> Value {
    let mut m = Map::new();
    if with_document {
        m.insert("Document".into(), json!(url_encode(&v.document)));
    }
    m.insert("VersionId".into(), json!(format!("v{id}")));
    m.insert("IsDefaultVersion".into(), json!(id == default));
    m.insert("CreateDate".into(), json!(date(v.created_ms)));
    Value::Object(m)
}

pub fn create_policy_version(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    let doc = input.required("PolicyDocument")?;
    let set_default = input.bool("SetAsDefault")?.unwrap_or(false);
    let mut p = local_mut_checked(iam, cx, arn)?.clone();
    check_document(doc)?;
    if p.versions.len() >= MAX_VERSIONS {
        return Err(limit_exceeded(format!("A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.")));
    }
    let id = p.next_version;
    p.next_version += 1;
    p.versions.insert(id, PolicyVersion { document: doc.to_string(), created_ms: cx.now_ms });
    if set_default {
        p.default_version = id;
    }
    p.updated_ms = cx.now_ms;
    let out = version_json(id, &p.versions[&id], p.default_version, false);
    iam.save_policy(cx, p);
    Ok(json!({ "PolicyVersion": out }))
}

pub fn get_policy_version(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    let vid = input.required("VersionId")?;
    let n = version_number(vid)?;
    if let Some(p) = managed::by_arn(arn) {
        if vid != p.version {
            return Err(no_such_entity(format!("Policy {arn} version {vid} does not exist or is not attachable.")));
        }
        return Ok(json!({ "PolicyVersion": {"Document": url_encode(p.document), "VersionId": p.version, "IsDefaultVersion": true, "CreateDate": p.updated} }));
    }
    let p = iam.local_policy(&cx.account.id, arn).ok_or_else(|| not_found(arn))?;
    let v = p.versions.get(&n).ok_or_else(|| no_such_entity(format!("Policy {arn} version {vid} does not exist or is not attachable.")))?;
    Ok(json!({ "PolicyVersion": version_json(n, v, p.default_version, true) }))
}

pub fn list_policy_versions(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    let (max, marker) = input.paging()?;
    let items: Vec<(String, Value)> = if let Some(p) = managed::by_arn(arn) {
        vec![(format!("{:08}", 1), json!({"VersionId": p.version, "IsDefaultVersion": true, "CreateDate": p.updated}))]
    } else {
        let p = iam.local_policy(&cx.account.id, arn).ok_or_else(|| not_found(arn))?;
        // Newest first, as IAM lists them.
        p.versions.iter().rev().map(|(n, v)| (format!("{:08}", u32::MAX - n), version_json(*n, v, p.default_version, false))).collect()
    };
    let (page, next) = page(items, max, marker);
    let mut out = Map::new();
    out.insert("Versions".into(), Value::Array(page));
    Ok(paged(out, next))
}

pub fn set_default_policy_version(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    let vid = input.required("VersionId")?;
    let n = version_number(vid)?;
    let mut p = local_mut_checked(iam, cx, arn)?.clone();
    if !p.versions.contains_key(&n) {
        return Err(no_such_entity(format!("Policy {arn} version {vid} does not exist or is not attachable.")));
    }
    p.default_version = n;
    p.updated_ms = cx.now_ms;
    iam.save_policy(cx, p);
    Ok(json!({}))
}

pub fn delete_policy_version(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    let vid = input.required("VersionId")?;
    let n = version_number(vid)?;
    let mut p = local_mut_checked(iam, cx, arn)?.clone();
    if !p.versions.contains_key(&n) {
        return Err(no_such_entity(format!("Policy {arn} version {vid} does not exist or is not attachable.")));
    }
    if p.default_version == n {
        return Err(delete_conflict("Cannot delete the default version of a policy."));
    }
    p.versions.remove(&n);
    iam.save_policy(cx, p);
    Ok(json!({}))
}

pub fn list_entities_for_policy(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let arn = policy_arn(input)?;
    if managed::by_arn(arn).is_none() && iam.local_policy(&cx.account.id, arn).is_none() {
        return Err(not_found(arn));
    }
    let filter = input.string("EntityFilter")?;
    if let Some(f) = filter {
        if !matches!(f, "User" | "Role" | "Group" | "LocalManagedPolicy" | "AWSManagedPolicy") {
            return Err(validation(format!("1 validation error detected: Value '{f}' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]")));
        }
    }
    let usage = input.string("PolicyUsageFilter")?.unwrap_or("PermissionsPolicy");
    let (max, marker) = input.paging()?;
    let mut all: Vec<(String, Value)> = Vec::new();
    for e in iam.roles.values().chain(iam.users.values()).chain(iam.groups.values()) {
        let hit = if usage == "PermissionsBoundary" { e.boundary.as_deref() == Some(arn) } else { e.attached.iter().any(|a| a == arn) };
        let (letter, title) = match e.kind {
            super::EntityKind::Group => ("g", "Group"),
            super::EntityKind::Role => ("r", "Role"),
            super::EntityKind::User => ("u", "User"),
        };
        if hit && filter.is_none_or(|f| f == title) {
            all.push((format!("{letter}/{}", e.name.to_ascii_lowercase()), json!({ format!("{title}Name"): e.name, format!("{title}Id"): e.id })));
        }
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, next) = page(all, max, marker);
    let (mut pg, mut pr, mut pu) = (Vec::new(), Vec::new(), Vec::new());
    for v in page {
        if v.get("GroupName").is_some() {
            pg.push(v)
        } else if v.get("RoleName").is_some() {
            pr.push(v)
        } else {
            pu.push(v)
        }
    }
    let mut out = Map::new();
    out.insert("PolicyGroups".into(), Value::Array(pg));
    out.insert("PolicyUsers".into(), Value::Array(pu));
    out.insert("PolicyRoles".into(), Value::Array(pr));
    Ok(paged(out, next))
}
