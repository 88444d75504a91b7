//! Access keys of IAM users: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey.
//! A key (`AKIA...`, 40-character secret) signs calls as its user (see [`crate::kernel::authz`]);
//! at most two per user, as in IAM. The root user's own keys are not simulated: a call without
//! `UserName` from the root user is refused.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{date, input::*, EntityKind, Iam};
use crate::kernel::{error::AwsError, service::Cx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// `Active` or `Inactive`.
    pub status: String,
    pub created_ms: i64,
}

/// The user a call names, or the calling user when it names none.
fn user_name<'a>(input: &Input<'a>, cx: &'a Cx) -> Result<String, AwsError> {
    if let Some(n) = input.string("UserName")? {
        check_name(n, "userName", 1, 64)?;
        return Ok(n.to_string());
    }
    match cx.caller.and_then(|c| c.user_name.clone()) {
        Some(n) => Ok(n),
        None => Err(validation("The sandbox does not simulate the root user's own access keys: name the user with UserName.")),
    }
}

fn metadata(user: &str, k: &AccessKey) -> Value {
    json!({"UserName": user, "AccessKeyId": k.id, "Status": k.status, "CreateDate": date(k.created_ms)})
}

fn not_found(id: &str) -> AwsError {
    no_such_entity(format!("The Access Key with id {id} cannot be found."))
}

pub fn create_access_key(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = user_name(input, cx)?;
    let mut user = iam.entity(EntityKind::User, &name)?.clone();
    if user.access_keys.len() >= 2 {
        return Err(limit_exceeded("Cannot exceed quota for AccessKeysPerUser: 2"));
    }
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let key = AccessKey { id: format!("AKIA{}", cx.rng.token(UPPER, 16)), secret: cx.rng.token(SECRET, 40), status: "Active".into(), created_ms: cx.now_ms };
    let mut out = metadata(&user.name, &key);
    out["SecretAccessKey"] = json!(key.secret);
    user.access_keys.push(key);
    iam.save_entity(cx, user);
    Ok(json!({ "AccessKey": out }))
}

pub fn list_access_keys(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let name = user_name(input, cx)?;
    let user = iam.entity(EntityKind::User, &name)?;
    let keys: Vec<Value> = user.access_keys.iter().map(|k| metadata(&user.name, k)).collect();
    Ok(json!({"AccessKeyMetadata": keys, "IsTruncated": false}))
}

pub fn update_access_key(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let id = input.required("AccessKeyId")?;
    let status = input.required("Status")?;
    if status != "Active" && status != "Inactive" {
        return Err(validation(format!(
            "1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
        )));
    }
    let name = user_name(input, cx)?;
    let mut user = iam.entity(EntityKind::User, &name)?.clone();
    let key = user.access_keys.iter_mut().find(|k| k.id == id).ok_or_else(|| not_found(id))?;
    key.status = status.to_string();
    iam.save_entity(cx, user);
    Ok(json!({}))
}

pub fn delete_access_key(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    let id = input.required("AccessKeyId")?;
    let name = user_name(input, cx)?;
    let mut user = iam.entity(EntityKind::User, &name)?.clone();
    let before = user.access_keys.len();
    user.access_keys.retain(|k| k.id != id);
    if user.access_keys.len() == before {
        return Err(not_found(id));
    }
    iam.save_entity(cx, user);
    Ok(json!({}))
}
