//! User pools, app clients and groups.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{
    constraint,
    crypto::RsaKey,
    err, invalid,
    model::{self, AppClient, Attr, Group, PasswordPolicy, Pool, STANDARD},
    not_found, triggers, Cognito, In,
};
use crate::kernel::{error::AwsError, service::Cx};

/// RSA modulus size of a pool's signing key (AWS's keys are 2048-bit).
pub const KEY_BITS: usize = 2048;

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn bool_or(i: &In, name: &str, default: bool) -> Result<bool, AwsError> {
    Ok(i.bool(name)?.unwrap_or(default))
}

fn enum_check(member: &str, value: &str, allowed: &[&str]) -> Result<(), AwsError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(constraint(member, &format!("'{value}'"), &format!("Member must satisfy enum value set: [{}]", allowed.join(", "))))
    }
}

fn password_policy(input: &In) -> Result<PasswordPolicy, AwsError> {
    let mut p = PasswordPolicy::default();
    let Some(policies) = input.obj("Policies")? else { return Ok(p) };
    policies.refuse("CreateUserPool", &["SignInPolicy"])?;
    let Some(pp) = policies.obj("PasswordPolicy")? else { return Ok(p) };
    pp.refuse("CreateUserPool", &["PasswordHistorySize"])?;
    if let Some(n) = pp.int("MinimumLength")? {
        if !(6..=99).contains(&n) {
            return Err(constraint("MinimumLength", &n.to_string(), "Member must have value between 6 and 99"));
        }
        p.minimum_length = n;
    }
    p.require_uppercase = bool_or(&pp, "RequireUppercase", false)?;
    p.require_lowercase = bool_or(&pp, "RequireLowercase", false)?;
    p.require_numbers = bool_or(&pp, "RequireNumbers", false)?;
    p.require_symbols = bool_or(&pp, "RequireSymbols", false)?;
    if let Some(d) = pp.int("TemporaryPasswordValidityDays")? {
        if !(0..=365).contains(&d) {
            return Err(constraint("TemporaryPasswordValidityDays", &d.to_string(), "Member must have value between 0 and 365"));
        }
        p.temporary_password_validity_days = d;
    }
    Ok(p)
}

fn schema(input: &In) -> Result<Vec<Attr>, AwsError> {
    let mut attrs: Vec<Attr> = STANDARD.iter().map(|(n, t)| Attr::standard(n, t)).collect();
    for s in input.objects("Schema")? {
        let name = s.req("Name")?;
        if name.is_empty() || name.len() > 20 {
            return Err(constraint("Name", &format!("'{name}'"), "Member must have length less than or equal to 20"));
        }
        let data_type = s.str("AttributeDataType")?.unwrap_or("String");
        enum_check("AttributeDataType", data_type, &["String", "Number", "DateTime", "Boolean"])?;
        let required = bool_or(&s, "Required", false)?;
        let mutable = bool_or(&s, "Mutable", true)?;
        let developer_only = bool_or(&s, "DeveloperOnlyAttribute", false)?;
        let sc = s.obj("StringAttributeConstraints")?;
        let nc = s.obj("NumberAttributeConstraints")?;
        if let Some(existing) = attrs.iter_mut().find(|a| a.name == name) {
            if existing.data_type != data_type {
                return Err(invalid(format!("Existing attribute {name} cannot change its data type.")));
            }
            if name == "sub" {
                continue;
            }
            existing.required = required;
            existing.mutable = mutable;
            if let Some(sc) = sc {
                existing.min_length = sc.str("MinLength")?.map(str::to_string).or(existing.min_length.take());
                existing.max_length = sc.str("MaxLength")?.map(str::to_string).or(existing.max_length.take());
            }
            continue;
        }
        if required {
            return Err(invalid("Required custom attributes are not supported currently."));
        }
        let full = format!("{}:{name}", if developer_only { "dev" } else { "custom" });
        if attrs.iter().any(|a| a.name == full) {
            return Err(invalid(format!("Attribute {name} is defined more than once.")));
        }
        attrs.push(Attr {
            name: full,
            data_type: data_type.to_string(),
            mutable,
            required: false,
            developer_only,
            min_length: sc.map(|c| c.str("MinLength")).transpose()?.flatten().map(str::to_string).or_else(|| (data_type == "String").then(|| "0".into())),
            max_length: sc.map(|c| c.str("MaxLength")).transpose()?.flatten().map(str::to_string).or_else(|| (data_type == "String").then(|| "2048".into())),
            min_value: nc.map(|c| c.str("MinValue")).transpose()?.flatten().map(str::to_string),
            max_value: nc.map(|c| c.str("MaxValue")).transpose()?.flatten().map(str::to_string),
        });
    }
    Ok(attrs)
}

/// Members of CreateUserPool returned as given: configuration for features whose behaviour is
/// either the default or not observable in the sandbox.
const POOL_ECHO: &[&str] = &["AccountRecoverySetting", "UserAttributeUpdateSettings", "SmsAuthenticationMessage", "SmsConfiguration", "UserPoolTier"];

pub fn create_user_pool(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    input.refuse("CreateUserPool", &["DeviceConfiguration", "UserPoolAddOns", "EmailAuthenticationMessage", "EmailAuthenticationSubject", "WebAuthnConfiguration"])?;
    let name = input.req("PoolName")?;
    if name.is_empty() || name.len() > 128 {
        return Err(constraint("PoolName", &format!("'{name}'"), "Member must have length less than or equal to 128"));
    }
    let (lambda, pre_token_version) = match input.obj("LambdaConfig")? {
        Some(l) => triggers::parse_config(l)?,
        None => Default::default(),
    };
    if let Some(e) = input.obj("EmailConfiguration")? {
        if e.str("EmailSendingAccount")?.is_some_and(|a| a != "COGNITO_DEFAULT") || e.has("SourceArn") || e.has("ConfigurationSet") {
            return Err(invalid("Only EmailSendingAccount COGNITO_DEFAULT is supported in the Gureum sandbox: codes go to the simulated inbox."));
        }
    }
    let policy = password_policy(&input)?;
    let username_attributes: Vec<String> = input.strings("UsernameAttributes")?.into_iter().map(str::to_string).collect();
    let alias_attributes: Vec<String> = input.strings("AliasAttributes")?.into_iter().map(str::to_string).collect();
    for a in &username_attributes {
        enum_check("UsernameAttributes", a, &["phone_number", "email"])?;
    }
    for a in &alias_attributes {
        enum_check("AliasAttributes", a, &["phone_number", "email", "preferred_username"])?;
    }
    if !username_attributes.is_empty() && !alias_attributes.is_empty() {
        return Err(invalid("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."));
    }
    let auto_verified: Vec<String> = input.strings("AutoVerifiedAttributes")?.into_iter().map(str::to_string).collect();
    for a in &auto_verified {
        enum_check("AutoVerifiedAttributes", a, &["phone_number", "email"])?;
    }
    let mfa = input.str("MfaConfiguration")?.unwrap_or("OFF");
    enum_check("MfaConfiguration", mfa, &["OFF", "ON", "OPTIONAL"])?;
    // SMS as a second factor comes with an SMS configuration, as on AWS; TOTP is turned on with
    // SetUserPoolMfaConfig.
    let sms_mfa = mfa != "OFF" && input.has("SmsConfiguration");
    let deletion_protection = input.str("DeletionProtection")?.unwrap_or("INACTIVE");
    enum_check("DeletionProtection", deletion_protection, &["ACTIVE", "INACTIVE"])?;
    let case_sensitive = match input.obj("UsernameConfiguration")? {
        Some(u) => u.bool("CaseSensitive")?.ok_or_else(|| constraint("CaseSensitive", "null", "Member must not be null"))?,
        None => true,
    };
    let mut policy = policy;
    let mut admin_only = false;
    let (mut invite_subject, mut invite_message) = (None, None);
    if let Some(a) = input.obj("AdminCreateUserConfig")? {
        admin_only = bool_or(&a, "AllowAdminCreateUserOnly", false)?;
        if let Some(d) = a.int("UnusedAccountValidityDays")? {
            if input.obj("Policies")?.and_then(|p| p.0.get("PasswordPolicy")).and_then(|p| p.get("TemporaryPasswordValidityDays")).is_some() {
                return Err(invalid("Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"));
            }
            policy.temporary_password_validity_days = d;
        }
        if let Some(t) = a.obj("InviteMessageTemplate")? {
            t.refuse("CreateUserPool", &["SMSMessage"])?;
            invite_subject = t.str("EmailSubject")?.map(str::to_string);
            invite_message = t.str("EmailMessage")?.map(str::to_string);
            if invite_message.as_deref().is_some_and(|m| !m.contains("{####}") || !m.contains("{username}")) {
                return Err(invalid("The invitation message must contain the {username} and {####} placeholders."));
            }
        }
    }
    let template = input.obj("VerificationMessageTemplate")?;
    if let Some(t) = template {
        if t.str("DefaultEmailOption")?.is_some_and(|o| o != "CONFIRM_WITH_CODE") {
            return Err(invalid("DefaultEmailOption CONFIRM_WITH_LINK is not supported in the Gureum sandbox (no hosted verification link); use CONFIRM_WITH_CODE."));
        }
    }
    let pick = |a: &str, b: &str| -> Result<Option<String>, AwsError> { Ok(input.str(a)?.or(template.map(|t| t.str(b)).transpose()?.flatten()).map(str::to_string)) };
    let email_message = pick("EmailVerificationMessage", "EmailMessage")?;
    let email_subject = pick("EmailVerificationSubject", "EmailSubject")?;
    let sms_message = pick("SmsVerificationMessage", "SmsMessage")?;
    for m in [&email_message, &sms_message].into_iter().flatten() {
        if !m.contains("{####}") {
            return Err(invalid("The verification message must contain the {####} placeholder."));
        }
    }
    let schema = schema(&input)?;
    let tags: BTreeMap<String, String> = input.string_map("UserPoolTags")?.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut echo = Map::new();
    for m in POOL_ECHO {
        if let Some(v) = input.0.get(*m).filter(|v| !v.is_null()) {
            echo.insert(m.to_string(), v.clone());
        }
    }
    let id = format!("{}_{}", cx.region, cx.rng.token(ALNUM, 9));
    let key = RsaKey::generate(cx.rng, KEY_BITS);
    let pool = Pool {
        arn: cx.account.arn("cognito-idp", cx.region, &format!("userpool/{id}")),
        id: id.clone(),
        name: name.to_string(),
        region: cx.region.to_string(),
        created_ms: cx.now_ms,
        modified_ms: cx.now_ms,
        policy,
        username_attributes,
        alias_attributes,
        auto_verified,
        mfa: mfa.to_string(),
        case_sensitive,
        admin_only,
        deletion_protection: deletion_protection.to_string(),
        schema,
        email_subject,
        email_message,
        sms_message,
        invite_subject,
        invite_message,
        tags,
        echo,
        key,
        lambda,
        pre_token_version,
        totp_mfa: false,
        sms_mfa,
        sms_auth_message: input.str("SmsAuthenticationMessage")?.map(str::to_string),
        users: Default::default(),
        clients: Default::default(),
        groups: Default::default(),
    };
    Cognito::save_pool(cx, &pool);
    let out = pool.to_json();
    svc.pools.insert(id, pool);
    Ok(json!({ "UserPool": out }))
}

pub fn describe_user_pool(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    Ok(json!({ "UserPool": pool.to_json() }))
}

/// UpdateUserPool members the sandbox applies; AWS sets every member left out back to its
/// default, and so does this (LambdaConfig, MfaConfiguration, AutoVerifiedAttributes, ...).
const UPDATE_MEMBERS: &[&str] = &["UserPoolId", "LambdaConfig", "MfaConfiguration", "DeletionProtection", "UserPoolTags", "AutoVerifiedAttributes", "SmsAuthenticationMessage"];

pub fn update_user_pool(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let id = input.req("UserPoolId")?.to_string();
    svc.pool(cx, &id)?;
    for (k, v) in input.0 {
        if !v.is_null() && !UPDATE_MEMBERS.contains(&k.as_str()) && !POOL_ECHO.contains(&k.as_str()) {
            return Err(invalid(format!("{k} is not supported by UpdateUserPool in the Gureum sandbox yet (it applies {}).", UPDATE_MEMBERS[1..].join(", "))));
        }
    }
    let (lambda, pre_token_version) = match input.obj("LambdaConfig")? {
        Some(l) => triggers::parse_config(l)?,
        None => Default::default(),
    };
    let mfa = input.str("MfaConfiguration")?.unwrap_or("OFF");
    enum_check("MfaConfiguration", mfa, &["OFF", "ON", "OPTIONAL"])?;
    let deletion_protection = input.str("DeletionProtection")?.unwrap_or("INACTIVE");
    enum_check("DeletionProtection", deletion_protection, &["ACTIVE", "INACTIVE"])?;
    let auto_verified: Vec<String> = input.strings("AutoVerifiedAttributes")?.into_iter().map(str::to_string).collect();
    for a in &auto_verified {
        enum_check("AutoVerifiedAttributes", a, &["phone_number", "email"])?;
    }
    let tags: Option<BTreeMap<String, String>> =
        input.has("UserPoolTags").then(|| input.string_map("UserPoolTags")).transpose()?.map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    let sms_message = input.str("SmsAuthenticationMessage")?.map(str::to_string);
    if sms_message.as_deref().is_some_and(|m| !m.contains("{####}")) {
        return Err(invalid("The SMS authentication message must contain the {####} placeholder."));
    }
    let pool = svc.pool_mut(cx, &id)?;
    pool.lambda = lambda;
    pool.pre_token_version = pre_token_version;
    pool.mfa = mfa.to_string();
    if mfa == "OFF" {
        pool.sms_mfa = false;
        pool.totp_mfa = false;
    } else if input.has("SmsConfiguration") {
        pool.sms_mfa = true;
    }
    pool.deletion_protection = deletion_protection.to_string();
    pool.auto_verified = auto_verified;
    if let Some(t) = tags {
        pool.tags = t;
    }
    pool.sms_auth_message = sms_message;
    for m in POOL_ECHO {
        match input.0.get(*m).filter(|v| !v.is_null()) {
            Some(v) => pool.echo.insert(m.to_string(), v.clone()),
            None => pool.echo.remove(*m),
        };
    }
    pool.modified_ms = cx.now_ms;
    Cognito::save_pool(cx, pool);
    Ok(json!({}))
}

fn page(input: &In, limit_name: &str, max: i64, required: bool) -> Result<(usize, Option<String>), AwsError> {
    let limit = match input.int(limit_name)? {
        Some(n) if !(1..=max).contains(&n) => return Err(constraint(limit_name, &n.to_string(), &format!("Member must have value less than or equal to {max}"))),
        Some(n) => n as usize,
        None if required => return Err(constraint(limit_name, "null", "Member must not be null")),
        None => max as usize,
    };
    Ok((limit, input.str("NextToken")?.or(input.str("PaginationToken")?).map(str::to_string)))
}

/// One page of `items` (sorted by key) after `token`, and the next token.
fn paginate<T>(items: Vec<(String, T)>, limit: usize, token: Option<&str>) -> Result<(Vec<T>, Option<String>), AwsError> {
    let start = match token {
        Some(t) => items.iter().position(|(k, _)| k.as_str() > t).unwrap_or(items.len()),
        None => 0,
    };
    if let Some(t) = token {
        if t.is_empty() {
            return Err(invalid("Invalid pagination token."));
        }
    }
    let mut rest: Vec<(String, T)> = items.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next = if more { rest.last().map(|(k, _)| k.clone()) } else { None };
    Ok((rest.into_iter().map(|(_, v)| v).collect(), next))
}

pub fn list_user_pools(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (limit, token) = page(&input, "MaxResults", 60, true)?;
    let items: Vec<(String, Value)> = svc
        .pools
        .values()
        .filter(|p| p.region == cx.region)
        .map(|p| {
            (p.id.clone(), json!({ "Id": p.id, "Name": p.name, "LambdaConfig": super::triggers::config_json(p), "LastModifiedDate": model::secs(p.modified_ms), "CreationDate": model::secs(p.created_ms) }))
        })
        .collect();
    let (pools, next) = paginate(items, limit, token.as_deref())?;
    let mut out = json!({ "UserPools": pools });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

pub fn delete_user_pool(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let id = input.req("UserPoolId")?.to_string();
    let pool = svc.pool(cx, &id)?;
    if pool.deletion_protection == "ACTIVE" {
        return Err(invalid("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."));
    }
    let pool = svc.pools.remove(&id).ok_or_else(|| not_found(format!("User pool {id} does not exist.")))?;
    cx.journal.delete_prefix(format!("{}/", model::pool_key(&pool.region, &id)));
    cx.journal.delete(model::pool_key(&pool.region, &id));
    svc.client_pool.retain(|_, p| *p != id);
    let sessions: Vec<String> = svc.sessions.values().filter(|s| s.pool_id == id).map(|s| s.id.clone()).collect();
    for s in sessions {
        svc.sessions.remove(&s);
        cx.journal.delete(model::session_key(&pool.region, &s));
    }
    let tokens: Vec<String> = svc.refresh.values().filter(|t| t.pool_id == id).map(|t| t.token.clone()).collect();
    for t in tokens {
        svc.refresh.remove(&t);
        cx.journal.delete(model::refresh_key(&pool.region, &t));
    }
    Ok(json!({}))
}

const FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];

fn unit_secs(unit: &str) -> i64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3600,
        _ => 86_400,
    }
}

pub fn create_user_pool_client(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    input.refuse("CreateUserPoolClient", &["AnalyticsConfiguration", "RefreshTokenRotation"])?;
    let pool_id = input.req("UserPoolId")?.to_string();
    let name = input.req("ClientName")?.to_string();
    if name.is_empty() || name.len() > 128 {
        return Err(constraint("ClientName", &format!("'{name}'"), "Member must have length less than or equal to 128"));
    }
    svc.pool(cx, &pool_id)?;
    let mut flows: Vec<String> = Vec::new();
    for f in input.strings("ExplicitAuthFlows")? {
        enum_check("ExplicitAuthFlows", f, FLOWS)?;
        flows.push(f.to_string());
    }
    let legacy = flows.iter().any(|f| !f.starts_with("ALLOW_"));
    if legacy && flows.iter().any(|f| f.starts_with("ALLOW_")) {
        return Err(invalid("The ExplicitAuthFlows values with the ALLOW_ prefix cannot be mixed with those without it."));
    }
    if flows.iter().any(|f| f == "ALLOW_USER_AUTH") {
        return Err(invalid("ALLOW_USER_AUTH (choice-based sign-in) is not supported in the Gureum sandbox yet."));
    }
    if input.list("ExplicitAuthFlows")?.is_empty() && !input.has("ExplicitAuthFlows") {
        flows = vec!["ALLOW_REFRESH_TOKEN_AUTH".into(), "ALLOW_USER_SRP_AUTH".into(), "ALLOW_CUSTOM_AUTH".into()];
    } else if legacy {
        // The legacy values map to the ALLOW_ ones; SRP and refresh are always on with them.
        let mut mapped = vec!["ALLOW_USER_SRP_AUTH".to_string(), "ALLOW_REFRESH_TOKEN_AUTH".to_string()];
        for f in &flows {
            mapped.push(
                match f.as_str() {
                    "ADMIN_NO_SRP_AUTH" => "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "USER_PASSWORD_AUTH" => "ALLOW_USER_PASSWORD_AUTH",
                    _ => "ALLOW_CUSTOM_AUTH",
                }
                .to_string(),
            );
        }
        flows = mapped;
    }
    flows.sort();
    flows.dedup();
    let mut units = BTreeMap::new();
    if let Some(u) = input.obj("TokenValidityUnits")? {
        for k in ["AccessToken", "IdToken", "RefreshToken"] {
            if let Some(v) = u.str(k)? {
                enum_check(k, v, &["seconds", "minutes", "hours", "days"])?;
                units.insert(k.to_string(), v.to_string());
            }
        }
    }
    let unit = |k: &str, d: &str| units.get(k).cloned().unwrap_or_else(|| d.to_string());
    let access_validity = input.int("AccessTokenValidity")?.unwrap_or(if unit("AccessToken", "hours") == "hours" { 1 } else { 60 * 60 / unit_secs(&unit("AccessToken", "hours")) });
    let id_validity = input.int("IdTokenValidity")?.unwrap_or(if unit("IdToken", "hours") == "hours" { 1 } else { 60 * 60 / unit_secs(&unit("IdToken", "hours")) });
    let refresh_validity =
        input.int("RefreshTokenValidity")?.unwrap_or(if unit("RefreshToken", "days") == "days" { 30 } else { 30 * 86_400 / unit_secs(&unit("RefreshToken", "days")) });
    let access_secs = access_validity * unit_secs(&unit("AccessToken", "hours"));
    let id_secs = id_validity * unit_secs(&unit("IdToken", "hours"));
    let refresh_secs = refresh_validity * unit_secs(&unit("RefreshToken", "days"));
    if !(300..=86_400).contains(&access_secs) {
        return Err(invalid("Invalid range for token validity: AccessTokenValidity must be between 5 minutes and 1 day."));
    }
    if !(300..=86_400).contains(&id_secs) {
        return Err(invalid("Invalid range for token validity: IdTokenValidity must be between 5 minutes and 1 day."));
    }
    if !(3600..=315_360_000).contains(&refresh_secs) {
        return Err(invalid("Invalid range for token validity: RefreshTokenValidity must be between 60 minutes and 10 years."));
    }
    let prevent = input.str("PreventUserExistenceErrors")?.unwrap_or("LEGACY");
    enum_check("PreventUserExistenceErrors", prevent, &["LEGACY", "ENABLED"])?;
    let session = input.int("AuthSessionValidity")?.unwrap_or(3);
    if !(3..=15).contains(&session) {
        return Err(constraint("AuthSessionValidity", &session.to_string(), "Member must have value between 3 and 15"));
    }
    let pool = svc.pool(cx, &pool_id)?;
    let attrs = |name: &str| -> Result<Vec<String>, AwsError> {
        let mut out = Vec::new();
        for a in input.strings(name)? {
            if pool.attr(a).is_none() {
                return Err(invalid(format!("Invalid {} attribute: {a}", if name == "ReadAttributes" { "read" } else { "write" })));
            }
            out.push(a.to_string());
        }
        Ok(out)
    };
    let read_attributes = attrs("ReadAttributes")?;
    let write_attributes = attrs("WriteAttributes")?;
    let mut echo = Map::new();
    for m in ["SupportedIdentityProviders", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes"] {
        if let Some(v) = input.0.get(m).filter(|v| !v.is_null()) {
            echo.insert(m.to_string(), v.clone());
        }
    }
    if input.bool("AllowedOAuthFlowsUserPoolClient")? == Some(true) {
        return Err(invalid("OAuth 2.0 flows (AllowedOAuthFlowsUserPoolClient) are not supported in the Gureum sandbox yet: there is no hosted UI."));
    }
    let id = cx.rng.token(LOWER_ALNUM, 26);
    let secret = bool_or(&input, "GenerateSecret", false)?.then(|| cx.rng.token(LOWER_ALNUM, 51));
    let client = AppClient {
        id: id.clone(),
        pool_id: pool_id.clone(),
        name,
        secret,
        flows,
        access_secs,
        id_secs,
        refresh_secs,
        access_validity,
        id_validity,
        refresh_validity,
        units,
        prevent_errors: prevent.to_string(),
        revocation: bool_or(&input, "EnableTokenRevocation", true)?,
        auth_session_minutes: session,
        read_attributes,
        write_attributes,
        created_ms: cx.now_ms,
        modified_ms: cx.now_ms,
        echo,
    };
    let pool = svc.pool_mut(cx, &pool_id)?;
    Cognito::save_client(cx, pool, &client);
    let out = client.to_json();
    pool.clients.insert(id.clone(), client);
    svc.client_pool.insert(id, pool_id);
    Ok(json!({ "UserPoolClient": out }))
}

fn client<'a>(svc: &'a Cognito, cx: &Cx, input: &In) -> Result<&'a AppClient, AwsError> {
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    let id = input.req("ClientId")?;
    pool.clients.get(id).ok_or_else(|| not_found(format!("User pool client {id} does not exist.")))
}

pub fn describe_user_pool_client(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    Ok(json!({ "UserPoolClient": client(svc, cx, &input)?.to_json() }))
}

pub fn delete_user_pool_client(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let id = client(svc, cx, &input)?.id.clone();
    let pool = svc.pool_mut(cx, input.req("UserPoolId")?)?;
    pool.clients.remove(&id);
    cx.journal.delete(model::client_key(&pool.region, &pool.id, &id));
    svc.client_pool.remove(&id);
    Ok(json!({}))
}

pub fn list_user_pool_clients(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (limit, token) = page(&input, "MaxResults", 60, false)?;
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    let items = pool.clients.values().map(|c| (c.id.clone(), json!({ "ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name }))).collect();
    let (clients, next) = paginate(items, limit, token.as_deref())?;
    let mut out = json!({ "UserPoolClients": clients });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Groups

pub fn create_group(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let name = input.req("GroupName")?.to_string();
    if name.is_empty() || name.len() > 128 {
        return Err(constraint("GroupName", &format!("'{name}'"), "Member must have length less than or equal to 128"));
    }
    let precedence = input.int("Precedence")?;
    if precedence.is_some_and(|p| p < 0) {
        return Err(constraint("Precedence", &precedence.unwrap_or(0).to_string(), "Member must have value greater than or equal to 0"));
    }
    let role_arn = input.str("RoleArn")?.map(str::to_string);
    if role_arn.as_deref().is_some_and(|r| !r.starts_with("arn:aws:iam::") || !r.contains(":role/")) {
        return Err(constraint(
            "RoleArn",
            &format!("'{}'", role_arn.as_deref().unwrap_or("")),
            "Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?",
        ));
    }
    let description = input.str("Description")?.map(str::to_string);
    let pool = svc.pool_mut(cx, input.req("UserPoolId")?)?;
    if pool.groups.contains_key(&name) {
        return Err(err("GroupExistsException", "A group with the name already exists."));
    }
    let group = Group { name: name.clone(), pool_id: pool.id.clone(), description, role_arn, precedence, created_ms: cx.now_ms, modified_ms: cx.now_ms };
    Cognito::save_group(cx, pool, &group);
    let out = group.to_json();
    pool.groups.insert(name, group);
    Ok(json!({ "Group": out }))
}

fn group<'a>(pool: &'a Pool, name: &str) -> Result<&'a Group, AwsError> {
    pool.groups.get(name).ok_or_else(|| not_found("Group not found."))
}

pub fn get_group(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    Ok(json!({ "Group": group(pool, input.req("GroupName")?)?.to_json() }))
}

pub fn list_groups(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (limit, token) = page(&input, "Limit", 60, false)?;
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    let items = pool.groups.values().map(|g| (g.name.clone(), g.to_json())).collect();
    let (groups, next) = paginate(items, limit, token.as_deref())?;
    let mut out = json!({ "Groups": groups });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

pub fn delete_group(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let name = input.req("GroupName")?.to_string();
    let pool = svc.pool_mut(cx, input.req("UserPoolId")?)?;
    group(pool, &name)?;
    pool.groups.remove(&name);
    cx.journal.delete(model::group_key(&pool.region, &pool.id, &name));
    let keys: Vec<String> = pool.users.values().filter(|u| u.groups.contains(&name)).map(|u| u.key.clone()).collect();
    for k in keys {
        if let Some(u) = pool.users.get_mut(&k) {
            u.groups.remove(&name);
            let u = u.clone();
            Cognito::save_user(cx, pool, &u);
        }
    }
    Ok(json!({}))
}

fn user_key(pool: &Pool, username: &str) -> Result<String, AwsError> {
    pool.find_user_key(username).ok_or_else(|| err("UserNotFoundException", "User does not exist."))
}

fn membership(svc: &mut Cognito, cx: &mut Cx, input: In, add: bool) -> Result<Value, AwsError> {
    let name = input.req("GroupName")?.to_string();
    let username = input.req("Username")?;
    let pool = svc.pool_mut(cx, input.req("UserPoolId")?)?;
    group(pool, &name)?;
    let key = user_key(pool, username)?;
    let user = pool.users.get_mut(&key).ok_or_else(|| err("UserNotFoundException", "User does not exist."))?;
    let changed = if add { user.groups.insert(name) } else { user.groups.remove(&name) };
    if changed {
        let user = user.clone();
        Cognito::save_user(cx, pool, &user);
    }
    Ok(json!({}))
}

pub fn admin_add_user_to_group(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    membership(svc, cx, input, true)
}

pub fn admin_remove_user_from_group(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    membership(svc, cx, input, false)
}

pub fn admin_list_groups_for_user(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (limit, token) = page(&input, "Limit", 60, false)?;
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    let key = user_key(pool, input.req("Username")?)?;
    let user = &pool.users[&key];
    let items = user.groups.iter().filter_map(|g| pool.groups.get(g)).map(|g| (g.name.clone(), g.to_json())).collect();
    let (groups, next) = paginate(items, limit, token.as_deref())?;
    let mut out = json!({ "Groups": groups });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

pub fn list_users_in_group(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (limit, token) = page(&input, "Limit", 60, false)?;
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    let name = input.req("GroupName")?;
    group(pool, name)?;
    let items = pool.users.values().filter(|u| u.groups.contains(name)).map(|u| (u.key.clone(), u.to_json(None))).collect();
    let (users, next) = paginate(items, limit, token.as_deref())?;
    let mut out = json!({ "Users": users });
    if let Some(n) = next {
        out["NextToken"] = json!(n);
    }
    Ok(out)
}

/// The user's groups as `cognito:groups` lists them: by precedence (lowest first, groups
/// without one last), then name; with the role ARNs for `cognito:roles`.
pub fn token_groups(pool: &Pool, user: &model::User) -> (Vec<String>, Vec<String>, Option<String>) {
    let mut groups: Vec<&Group> = user.groups.iter().filter_map(|g| pool.groups.get(g)).collect();
    groups.sort_by_key(|g| (g.precedence.unwrap_or(i64::MAX), g.name.clone()));
    let names = groups.iter().map(|g| g.name.clone()).collect();
    let roles: Vec<String> = groups.iter().filter_map(|g| g.role_arn.clone()).collect();
    let preferred = groups.iter().find(|g| g.role_arn.is_some()).and_then(|g| g.role_arn.clone());
    (names, roles, preferred)
}
