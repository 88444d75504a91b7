//! Multi-factor authentication: the pool's MFA configuration (SetUserPoolMfaConfig /
//! GetUserPoolMfaConfig), software tokens (AssociateSoftwareToken / VerifySoftwareToken: RFC 6238
//! TOTP, HMAC-SHA1, 6 digits, 30-second steps on the virtual clock, one step either side, a code
//! accepted once), and users' MFA preferences. The challenges themselves are in [`super::auth`].

use serde_json::{json, Value};

use super::{
    auth::access,
    crypto::random_bytes,
    err, invalid,
    model::{self, User},
    not_authorized, users, Cognito, In,
};
use crate::{
    kernel::{error::AwsError, service::Cx},
    services::stepfunctions::asl::hash::sha1,
};

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const STEP_SECONDS: i64 = 30;

pub fn base32(data: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for b in data {
        buf = (buf << 8) | *b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = BASE32.iter().position(|x| *x == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

pub fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..20].copy_from_slice(&sha1(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(message);
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha1(&inner));
    sha1(&outer)
}

/// RFC 4226 HOTP with `digits` digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let h = hmac_sha1(key, &counter.to_be_bytes());
    let o = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    format!("{:0width$}", bin % 10u32.pow(digits), width = digits as usize)
}

/// The 6-digit TOTP code of a base32 secret at `unix_s`.
pub fn totp(secret: &str, unix_s: i64) -> Option<String> {
    Some(hotp(&base32_decode(secret)?, (unix_s.max(0) / STEP_SECONDS) as u64, 6))
}

/// The time step `code` is valid for at `unix_s` (this step or one either side), if any.
pub fn totp_step(secret: &str, code: &str, unix_s: i64, last: Option<i64>) -> Option<i64> {
    let key = base32_decode(secret)?;
    let now = unix_s.max(0) / STEP_SECONDS;
    [now, now - 1, now + 1].into_iter().filter(|s| *s >= 0 && last.is_none_or(|l| *s > l)).find(|s| super::crypto::same(hotp(&key, *s as u64, 6).as_bytes(), code.as_bytes()))
}

/// A new secret: 20 random bytes as 32 base32 characters, as AWS hands them out.
fn new_secret(cx: &mut Cx) -> String {
    base32(&random_bytes(cx.rng, 20))
}

fn user_code(input: &In) -> Result<String, AwsError> {
    let code = input.req("UserCode")?;
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(super::constraint("UserCode", "'***'", "Member must satisfy regular expression pattern: [0-9]+ and length 6"));
    }
    Ok(code.to_string())
}

/// The session string a sign-in's MFA_SETUP challenge handed out.
fn setup_session(svc: &Cognito, cx: &Cx, token: &str) -> Result<String, AwsError> {
    let s = svc.sessions.values().find(|s| s.session.as_deref() == Some(token) && s.challenge == "MFA_SETUP").ok_or_else(|| not_authorized("Invalid session for the user."))?;
    if s.expires_ms < cx.now_ms {
        return Err(not_authorized("Invalid session for the user, session is expired."));
    }
    Ok(s.id.clone())
}

fn one_of(input: &In) -> Result<(), AwsError> {
    if input.has("AccessToken") == input.has("Session") {
        return Err(invalid("Exactly one of AccessToken or Session must be given."));
    }
    Ok(())
}

pub fn associate_software_token(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    one_of(&input)?;
    let secret = new_secret(cx);
    if let Some(token) = input.str("AccessToken")? {
        let (pool_id, key, _) = access(svc, cx, token)?;
        let pool = &svc.pools[&pool_id];
        if !pool.totp_mfa {
            return Err(err("SoftwareTokenMFANotFoundException", "Software Token MFA is not enabled for the user pool."));
        }
        let mut user = pool.users[&key].clone();
        user.totp_pending = Some(secret.clone());
        users::put_user(svc, cx, &pool_id, user);
        return Ok(json!({ "SecretCode": secret }));
    }
    let token = input.req("Session")?;
    let id = setup_session(svc, cx, token)?;
    let s = svc.sessions.get_mut(&id).ok_or_else(|| AwsError::internal("session vanished"))?;
    s.data.insert("totp".into(), json!(secret));
    let s = s.clone();
    cx.journal.put_json(model::session_key(&s.region, &s.id), &s);
    Ok(json!({ "SecretCode": secret, "Session": s.session }))
}

pub fn verify_software_token(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    one_of(&input)?;
    let code = user_code(&input)?;
    let mismatch = || err("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA");
    let now_s = cx.now_ms / 1000;
    if let Some(token) = input.str("AccessToken")? {
        let (pool_id, key, _) = access(svc, cx, token)?;
        let mut user = svc.pools[&pool_id].users[&key].clone();
        let secret = user.totp_pending.clone().ok_or_else(|| err("SoftwareTokenMFANotFoundException", "Software Token MFA has not been associated with the user."))?;
        let step = totp_step(&secret, &code, now_s, None).ok_or_else(mismatch)?;
        user.totp_secret = Some(secret);
        user.totp_pending = None;
        user.totp_last_step = Some(step);
        users::put_user(svc, cx, &pool_id, user);
        return Ok(json!({ "Status": "SUCCESS" }));
    }
    let token = input.req("Session")?;
    let id = setup_session(svc, cx, token)?;
    let s = svc.sessions[&id].clone();
    let secret = s
        .data
        .get("totp")
        .and_then(Value::as_str)
        .ok_or_else(|| err("SoftwareTokenMFANotFoundException", "Software Token MFA has not been associated with the user."))?
        .to_string();
    let step = totp_step(&secret, &code, now_s, None).ok_or_else(mismatch)?;
    let mut user = svc.pools.get(&s.pool_id).and_then(|p| p.users.get(&s.user)).cloned().ok_or_else(|| not_authorized("Invalid session for the user."))?;
    // Set up while signing in: TOTP is the user's MFA from now on.
    user.totp_secret = Some(secret);
    user.totp_pending = None;
    user.totp_last_step = Some(step);
    user.mfa_enabled.insert("SOFTWARE_TOKEN_MFA".into());
    user.mfa_preferred = Some("SOFTWARE_TOKEN_MFA".into());
    users::put_user(svc, cx, &s.pool_id, user);
    let s = svc.sessions.get_mut(&id).ok_or_else(|| AwsError::internal("session vanished"))?;
    s.data.insert("verified".into(), json!(true));
    let s = s.clone();
    cx.journal.put_json(model::session_key(&s.region, &s.id), &s);
    Ok(json!({ "Status": "SUCCESS", "Session": s.session }))
}

/// Applies SMSMfaSettings / SoftwareTokenMfaSettings to a user.
fn preference(user: &mut User, input: &In) -> Result<(), AwsError> {
    input.refuse("SetUserMFAPreference", &["EmailMfaSettings", "WebAuthnMfaSettings"])?;
    for (member, name) in [("SMSMfaSettings", "SMS_MFA"), ("SoftwareTokenMfaSettings", "SOFTWARE_TOKEN_MFA")] {
        let Some(s) = input.obj(member)? else { continue };
        let enabled = s.bool("Enabled")?;
        let preferred = s.bool("PreferredMfa")?.unwrap_or(false);
        if enabled == Some(true) || preferred {
            if name == "SOFTWARE_TOKEN_MFA" && user.totp_secret.is_none() {
                return Err(invalid("User has not verified software token mfa"));
            }
            if name == "SMS_MFA" && !user.attributes.contains_key("phone_number") {
                return Err(invalid("User does not have delivery config set to turn on SMS_MFA"));
            }
        }
        match enabled {
            Some(true) => {
                user.mfa_enabled.insert(name.into());
            }
            Some(false) => {
                user.mfa_enabled.remove(name);
                if user.mfa_preferred.as_deref() == Some(name) {
                    user.mfa_preferred = None;
                }
            }
            None => {}
        }
        if preferred {
            user.mfa_enabled.insert(name.into());
            user.mfa_preferred = Some(name.into());
        } else if s.bool("PreferredMfa")? == Some(false) && user.mfa_preferred.as_deref() == Some(name) {
            user.mfa_preferred = None;
        }
    }
    Ok(())
}

pub fn set_user_mfa_preference(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key, _) = access(svc, cx, input.req("AccessToken")?)?;
    let mut user = svc.pools[&pool_id].users[&key].clone();
    preference(&mut user, &input)?;
    users::put_user(svc, cx, &pool_id, user);
    Ok(json!({}))
}

pub fn admin_set_user_mfa_preference(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key) = users::admin_user(svc, cx, &input)?;
    let mut user = svc.pools[&pool_id].users[&key].clone();
    preference(&mut user, &input)?;
    users::put_user(svc, cx, &pool_id, user);
    Ok(json!({}))
}

fn mfa_config_json(pool: &model::Pool) -> Value {
    let mut v = json!({ "SoftwareTokenMfaConfiguration": { "Enabled": pool.totp_mfa }, "MfaConfiguration": pool.mfa });
    if pool.sms_mfa {
        let mut sms = json!({});
        if let Some(m) = &pool.sms_auth_message {
            sms["SmsAuthenticationMessage"] = json!(m);
        }
        if let Some(c) = pool.echo.get("SmsConfiguration") {
            sms["SmsConfiguration"] = c.clone();
        }
        v["SmsMfaConfiguration"] = sms;
    }
    v
}

pub fn get_user_pool_mfa_config(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    Ok(mfa_config_json(svc.pool(cx, input.req("UserPoolId")?)?))
}

pub fn set_user_pool_mfa_config(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    input.refuse("SetUserPoolMfaConfig", &["EmailMfaConfiguration", "WebAuthnConfiguration"])?;
    let id = input.req("UserPoolId")?.to_string();
    let pool = svc.pool(cx, &id)?;
    let mfa = input.str("MfaConfiguration")?.unwrap_or(&pool.mfa).to_string();
    if !["OFF", "ON", "OPTIONAL"].contains(&mfa.as_str()) {
        return Err(super::constraint("MfaConfiguration", &format!("'{mfa}'"), "Member must satisfy enum value set: [OFF, ON, OPTIONAL]"));
    }
    let totp = match input.obj("SoftwareTokenMfaConfiguration")? {
        Some(t) => t.bool("Enabled")?.unwrap_or(false),
        None => pool.totp_mfa,
    };
    let sms = input.obj("SmsMfaConfiguration")?;
    let sms_message = match sms {
        Some(s) => s.str("SmsAuthenticationMessage")?.map(str::to_string),
        None => pool.sms_auth_message.clone(),
    };
    if sms_message.as_deref().is_some_and(|m| !m.contains("{####}")) {
        return Err(invalid("The SMS authentication message must contain the {####} placeholder."));
    }
    let sms_on = sms.is_some() || (pool.sms_mfa && !input.has("SmsMfaConfiguration"));
    if mfa != "OFF" && !totp && !sms_on {
        return Err(invalid("At least one MFA method (SMS or software token) must be enabled when MfaConfiguration is ON or OPTIONAL."));
    }
    let sms_config = sms.and_then(|s| s.0.get("SmsConfiguration")).cloned();
    let pool = svc.pool_mut(cx, &id)?;
    pool.mfa = mfa;
    pool.totp_mfa = totp;
    pool.sms_mfa = sms_on;
    pool.sms_auth_message = sms_message;
    if let Some(c) = sms_config {
        pool.echo.insert("SmsConfiguration".into(), c);
    }
    pool.modified_ms = cx.now_ms;
    Cognito::save_pool(cx, pool);
    Ok(mfa_config_json(pool))
}
