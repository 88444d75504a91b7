//! Users: sign-up and confirmation, admin user management, self-service attribute and password
//! operations, password recovery.

use serde_json::{json, Value};

use super::{
    auth::{self, access, check_secret, incorrect},
    crypto::{random_bytes, same, sha256},
    err, invalid,
    model::{self, Code, Pool, User},
    not_authorized, srp,
    triggers::{self, Custom, Flow},
    Cognito, In, Mail, Out,
};
use crate::kernel::{error::AwsError, service::Cx};

pub const SIGN_UP_CODE_MS: i64 = 24 * 3600 * 1000;
pub const FORGOT_CODE_MS: i64 = 3600 * 1000;
pub const VERIFY_CODE_MS: i64 = 24 * 3600 * 1000;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn not_found_user() -> AwsError {
    err("UserNotFoundException", "User does not exist.")
}

pub fn password_matches(user: &User, password: &str) -> bool {
    !user.password_hash.is_empty() && same(hex(&sha256(format!("{}{password}", user.password_salt).as_bytes())).as_bytes(), user.password_hash.as_bytes())
}

/// Stores a new password: a salted hash and an SRP salt and verifier.
pub fn set_password(cx: &mut Cx, pool: &Pool, user: &mut User, password: &str) {
    user.password_salt = hex(&random_bytes(cx.rng, 16));
    user.password_hash = hex(&sha256(format!("{}{password}", user.password_salt).as_bytes()));
    let (salt, verifier) = srp::make_verifier(cx.rng, pool.srp_name(), &user.username, password);
    user.srp_salt = salt;
    user.srp_verifier = verifier;
}

fn valid_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else { return false };
    !local.is_empty() && !domain.is_empty() && !v.contains(char::is_whitespace) && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
}

fn valid_phone(v: &str) -> bool {
    v.len() >= 5 && v.len() <= 16 && v.starts_with('+') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Checks attributes against the schema and sets them on `user`. `admin` may set developer-only
/// attributes and the `*_verified` flags.
pub fn apply_attributes(pool: &Pool, user: &mut User, attrs: &[(String, String)], admin: bool) -> Result<(), AwsError> {
    let schema_err = |m: String| invalid(format!("Attributes did not conform to the schema: {m}"));
    for (name, value) in attrs {
        let Some(attr) = pool.attr(name) else {
            return Err(schema_err(format!("Type for attribute {{{name}}} could not be determined")));
        };
        if name == "sub" {
            return Err(invalid("Cannot modify an immutable attribute: sub"));
        }
        if name.starts_with("dev:") && !admin {
            return Err(not_authorized(format!("A client attempted to write unauthorized attribute {name}")));
        }
        if !attr.mutable && user.attributes.contains_key(name) {
            return Err(invalid(format!("Cannot modify an immutable attribute: {name}")));
        }
        if value.chars().count() > 2048 {
            return Err(schema_err(format!("{name}: String must be no longer than 2048 characters")));
        }
        match (name.as_str(), attr.data_type.as_str()) {
            ("email", _) if !valid_email(value) => return Err(invalid("Invalid email address format.")),
            ("phone_number", _) if !valid_phone(value) => return Err(invalid("Invalid phone number format.")),
            (_, "Boolean") if value != "true" && value != "false" => return Err(schema_err(format!("{name}: Attribute value for {name} must be either true or false"))),
            (_, "Number") if value.parse::<f64>().is_err() => return Err(schema_err(format!("{name}: Number must be a valid number"))),
            _ => {}
        }
        if attr.data_type == "String" {
            let n = value.chars().count();
            if attr.min_length.as_deref().and_then(|m| m.parse::<usize>().ok()).is_some_and(|m| n < m)
                || attr.max_length.as_deref().and_then(|m| m.parse::<usize>().ok()).is_some_and(|m| n > m)
            {
                return Err(schema_err(format!("{name}: String length is not within the attribute's constraints")));
            }
        }
        let old = user.attributes.insert(name.clone(), value.clone());
        // A changed address is no longer verified.
        if (name == "email" || name == "phone_number") && old.as_deref() != Some(value.as_str()) && !attrs.iter().any(|(k, _)| *k == format!("{name}_verified")) {
            user.attributes.shift_remove(&format!("{name}_verified"));
            if old.is_some() {
                user.attributes.insert(format!("{name}_verified"), "false".into());
            }
        }
    }
    Ok(())
}

pub fn code(cx: &mut Cx) -> String {
    format!("{:06}", cx.rng.next_u64() % 1_000_000)
}

/// `t***@e***`, `+*******0100`: how CodeDeliveryDetails show a destination.
pub fn mask(attr: &str, value: &str) -> String {
    if attr == "email" {
        let (l, d) = value.split_once('@').unwrap_or((value, ""));
        format!("{}***@{}***", l.chars().next().unwrap_or('*'), d.chars().next().unwrap_or('*'))
    } else {
        let keep = value.len().saturating_sub(4);
        format!("+{}{}", "*".repeat(keep.saturating_sub(1)), &value[keep..])
    }
}

/// The verification code message to `attr` (email or phone_number) of `user`.
fn code_message(pool: &Pool, user: &User, attr: &str, code: &str) -> (Mail, Value) {
    let to = user.attributes.get(attr).cloned().unwrap_or_default();
    let sms = attr == "phone_number";
    let text = if sms {
        pool.sms_message.clone().unwrap_or_else(|| "Your verification code is {####}. ".into())
    } else {
        pool.email_message.clone().unwrap_or_else(|| "Your verification code is {####}. ".into())
    };
    let subject = pool.email_subject.clone().unwrap_or_else(|| "Your verification code".into());
    let details = json!({ "Destination": mask(attr, &to), "DeliveryMedium": if sms { "SMS" } else { "EMAIL" }, "AttributeName": attr });
    (
        Mail {
            to,
            subject: if sms { "SMS".into() } else { subject },
            text: text.replace("{####}", code).replace("{username}", &user.username),
            sms,
            custom: Some(custom(pool, user, code)),
        },
        details,
    )
}

/// The custom message trigger's view of a code message (its source set by the operation).
fn custom(pool: &Pool, user: &User, code: &str) -> Custom {
    Custom { pool_id: pool.id.clone(), user_key: user.key.clone(), client_id: None, source: String::new(), code: code.to_string(), client_metadata: json!({}) }
}

/// Where a sign-up code goes: the first auto-verified attribute the user has, email first.
fn sign_up_destination(pool: &Pool, user: &User) -> Option<String> {
    ["email", "phone_number"].into_iter().find(|a| pool.auto_verified.iter().any(|x| x == a) && user.attributes.contains_key(*a)).map(str::to_string)
}

/// Sends a new code for `purpose` (`signup`, `forgot`, `verify`) to `attr`.
fn send_code(cx: &mut Cx, pool: &Pool, user: &mut User, purpose: &str, attr: &str, life_ms: i64) -> (Mail, Value) {
    let c = code(cx);
    user.codes.retain(|k, _| !k.starts_with(&format!("{purpose}:")));
    user.codes.insert(format!("{purpose}:{attr}"), Code { code: c.clone(), expires_ms: cx.now_ms + life_ms });
    code_message(pool, user, attr, &c)
}

/// Checks a code for `purpose`; answers the attribute it was sent to.
fn take_code(cx: &Cx, user: &mut User, purpose: &str, given: &str) -> Result<String, AwsError> {
    let (key, c) = user
        .codes
        .iter()
        .find(|(k, _)| k.starts_with(&format!("{purpose}:")))
        .map(|(k, c)| (k.clone(), c.clone()))
        .ok_or_else(|| err("CodeMismatchException", "Invalid verification code provided, please try again."))?;
    if !same(c.code.as_bytes(), given.as_bytes()) {
        return Err(err("CodeMismatchException", "Invalid verification code provided, please try again."));
    }
    if c.expires_ms < cx.now_ms {
        return Err(err("ExpiredCodeException", "Invalid code provided, please request a code again."));
    }
    user.codes.remove(&key);
    Ok(key.split_once(':').map(|(_, a)| a.to_string()).unwrap_or_default())
}

/// The username a new user gets, and the attributes it implies, for a pool's sign-in options.
fn new_username(pool: &Pool, username: &str, attrs: &mut Vec<(String, String)>) -> Result<Option<String>, AwsError> {
    if username.is_empty() || username.chars().count() > 128 || username.chars().any(char::is_whitespace) {
        return Err(super::constraint("Username", "'***'", "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"));
    }
    if pool.username_attributes.is_empty() {
        if pool.alias_attributes.iter().any(|a| a == "email") && valid_email(username) {
            return Err(invalid("Username cannot be of email format, since user pool is configured for email alias."));
        }
        if pool.alias_attributes.iter().any(|a| a == "phone_number") && valid_phone(username) {
            return Err(invalid("Username cannot be of phone number format, since user pool is configured for phone_number alias."));
        }
        return Ok(Some(username.to_string()));
    }
    let email = pool.username_attributes.iter().any(|a| a == "email");
    let phone = pool.username_attributes.iter().any(|a| a == "phone_number");
    let attr = if email && valid_email(username) {
        "email"
    } else if phone && valid_phone(username) {
        "phone_number"
    } else {
        return Err(invalid(match (email, phone) {
            (true, true) => "Username should be either an email or a phone number.",
            (true, false) => "Username should be an email.",
            _ => "Username should be a phone number.",
        }));
    };
    match attrs.iter().find(|(k, _)| k == attr) {
        Some((_, v)) if v != username => return Err(invalid(format!("The {attr} attribute must be the same as the username."))),
        Some(_) => {}
        None => attrs.push((attr.to_string(), username.to_string())),
    }
    // A pool that signs in with email or phone number files users under their sub.
    Ok(None)
}

fn exists_error(pool: &Pool, attrs: &[(String, String)], username: Option<&str>) -> Option<AwsError> {
    if let Some(username) = username {
        return pool.users.contains_key(&pool.user_key(username)).then(|| err("UsernameExistsException", "User already exists"));
    }
    for a in &pool.username_attributes {
        if let Some((_, v)) = attrs.iter().find(|(k, _)| k == a) {
            if pool.users.values().any(|u| u.attributes.get(a).is_some_and(|x| x.eq_ignore_ascii_case(v))) {
                return Some(err("UsernameExistsException", format!("An account with the given {a} already exists.")));
            }
        }
    }
    None
}

fn blank_user(cx: &Cx, pool: &Pool, username: String, sub: String, status: &str) -> User {
    let mut attributes = indexmap::IndexMap::new();
    attributes.insert("sub".to_string(), sub.clone());
    User {
        key: pool.user_key(&username),
        username,
        sub,
        attributes,
        status: status.to_string(),
        enabled: true,
        created_ms: cx.now_ms,
        modified_ms: cx.now_ms,
        password_hash: String::new(),
        password_salt: String::new(),
        srp_salt: String::new(),
        srp_verifier: String::new(),
        temporary_expires_ms: None,
        codes: Default::default(),
        groups: Default::default(),
        revoked: Default::default(),
        totp_secret: None,
        totp_pending: None,
        totp_last_step: None,
        mfa_enabled: Default::default(),
        mfa_preferred: None,
    }
}

/// Gives a new user its sub (and, in a pool that signs in with email or phone, its username),
/// once every check has passed: the rng moves only for users that are created.
fn with_sub(cx: &mut Cx, pool: &Pool, user: &mut User, username_is_sub: bool) {
    let sub = cx.rng.uuid();
    user.sub = sub.clone();
    user.attributes.insert("sub".to_string(), sub.clone());
    if username_is_sub {
        user.username = sub;
        user.key = pool.user_key(&user.username);
    }
}

fn required_check(pool: &Pool, user: &User) -> Result<(), AwsError> {
    if let Some(missing) = pool.schema.iter().find(|a| a.required && !user.attributes.contains_key(&a.name)) {
        return Err(invalid(format!("Attributes did not conform to the schema: {}: The attribute is required", missing.name)));
    }
    Ok(())
}

/// Members only triggers read: ClientMetadata (a map of strings) and ValidationData (an
/// attribute list) are checked and passed on; AWS's analytics and threat-protection data is not
/// simulated.
fn refuse_triggers(input: &In, op: &str) -> Result<(), AwsError> {
    input.refuse(op, &["AnalyticsMetadata", "UserContextData"])?;
    input.string_map("ClientMetadata")?;
    input.attributes("ValidationData")?;
    Ok(())
}

fn attr_map(attrs: &[(String, String)]) -> Value {
    Value::Object(attrs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

pub fn sign_up(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Flow, AwsError> {
    refuse_triggers(&input, "SignUp")?;
    let client_id = input.req("ClientId")?;
    let username = input.req("Username")?;
    let password = input.str("Password")?;
    let (pool_id, client) = auth::client(svc, client_id)?;
    check_secret(&client, username, input.str("SecretHash")?)?;
    let pool = &svc.pools[&pool_id];
    if pool.admin_only {
        return Err(not_authorized("SignUp is not permitted for this user pool"));
    }
    let password = password.ok_or_else(|| invalid("Password is required for sign-up in the Gureum sandbox (passwordless sign-up is not simulated)."))?.to_string();
    let mut attrs = input.attributes("UserAttributes")?;
    if attrs.iter().any(|(k, _)| k.ends_with("_verified")) {
        return Err(not_authorized("A client attempted to write unauthorized attribute"));
    }
    let name = new_username(pool, username, &mut attrs)?;
    if let Some(e) = exists_error(pool, &attrs, name.as_deref()) {
        return Err(e);
    }
    pool.policy.check(&password).map_err(|m| err("InvalidPasswordException", m))?;
    let mut user = blank_user(cx, pool, name.clone().unwrap_or_default(), String::new(), "UNCONFIRMED");
    apply_attributes(pool, &mut user, &attrs, false)?;
    required_check(pool, &user)?;
    let request =
        json!({ "userAttributes": attr_map(&attrs), "validationData": attr_map(&input.attributes("ValidationData")?), "clientMetadata": triggers::client_metadata(&input)? });
    let event =
        triggers::event(pool, "PreSignUp_SignUp", username, Some(client_id), request, json!({ "autoConfirmUser": false, "autoVerifyPhone": false, "autoVerifyEmail": false }));
    let pid = pool_id.clone();
    let then: triggers::Then = Box::new(move |svc, cx, event| {
        let pool_id = pid;
        let confirm = triggers::flag(&event, "autoConfirmUser")?;
        let verify: Vec<&str> = [("autoVerifyEmail", "email"), ("autoVerifyPhone", "phone_number")]
            .into_iter()
            .map(|(f, a)| Ok::<_, AwsError>(triggers::flag(&event, f)?.then_some(a)))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let pool = svc.pools.get(&pool_id).ok_or_else(|| AwsError::internal("pool vanished"))?;
        // The function may have created the user meanwhile.
        if let Some(e) = exists_error(pool, &attrs, name.as_deref()) {
            return Err(e);
        }
        for a in &verify {
            if !user.attributes.contains_key(*a) {
                return Err(invalid(format!("{} attribute is required to auto verify it.", if *a == "email" { "Email" } else { "Phone number" })));
            }
            user.attributes.insert(format!("{a}_verified"), "true".into());
        }
        with_sub(cx, pool, &mut user, name.is_none());
        set_password(cx, pool, &mut user, &password);
        let mut mails = Vec::new();
        let mut out = json!({ "UserConfirmed": confirm, "UserSub": user.sub });
        if confirm {
            user.status = "CONFIRMED".into();
        } else if let Some(attr) = sign_up_destination(pool, &user) {
            let (mail, details) = send_code(cx, pool, &mut user, "signup", &attr, SIGN_UP_CODE_MS);
            mails.push(mail);
            out["CodeDeliveryDetails"] = details;
        }
        put_user(svc, cx, &pool_id, user);
        Ok(Flow::Done(out, mails))
    });
    triggers::run(svc, cx, &pool_id, "PreSignUp", event, then)
}

/// The post confirmation trigger for a user just confirmed (its state already saved, as on AWS:
/// a failing trigger fails the call but leaves the user confirmed).
fn post_confirmation(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, key: &str, source: &str, client_id: Option<&str>, metadata: Value) -> Result<Flow, AwsError> {
    let pool = &svc.pools[pool_id];
    let Some(user) = pool.users.get(key) else { return Ok(Flow::Done(json!({}), Vec::new())) };
    let event = triggers::event(pool, source, &user.username, client_id, json!({ "userAttributes": triggers::user_attributes(user), "clientMetadata": metadata }), json!({}));
    triggers::run(svc, cx, pool_id, "PostConfirmation", event, Box::new(|_, _, _| Ok(Flow::Done(json!({}), Vec::new()))))
}

/// The user a client-side call names: by username or alias; `Username/client id combination not
/// found.` otherwise, as ConfirmSignUp and friends say.
fn client_user(svc: &Cognito, client_id: &str, username: &str) -> Result<(String, super::model::AppClient, String), AwsError> {
    let (pool_id, client) = auth::client(svc, client_id)?;
    let key = svc.pools[&pool_id].find_user_key(username).ok_or_else(|| {
        if client.prevent_errors == "ENABLED" {
            err("CodeMismatchException", "Invalid verification code provided, please try again.")
        } else {
            err("UserNotFoundException", "Username/client id combination not found.")
        }
    })?;
    Ok((pool_id, client, key))
}

pub fn put_user(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, user: User) {
    if let Some(pool) = svc.pools.get_mut(pool_id) {
        Cognito::save_user(cx, pool, &user);
        pool.users.insert(user.key.clone(), user);
    }
}

/// Marks `attr` verified, checking an alias does not belong to someone else already.
fn verify_attr(pool: &Pool, user: &mut User, attr: &str, force: bool) -> Result<Option<String>, AwsError> {
    if attr.is_empty() {
        return Ok(None);
    }
    let mut stolen = None;
    if pool.alias_attributes.iter().any(|a| a == attr) {
        let value = user.attributes.get(attr).cloned().unwrap_or_default();
        if let Some(other) = pool.users.values().find(|u| u.key != user.key && u.verified(attr) && u.attributes.get(attr).is_some_and(|v| v.eq_ignore_ascii_case(&value))) {
            if !force {
                return Err(err("AliasExistsException", format!("An account with the {attr} already exists.")));
            }
            stolen = Some(other.key.clone());
        }
    }
    user.attributes.insert(format!("{attr}_verified"), "true".into());
    Ok(stolen)
}

fn unverify(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, key: Option<String>, attr: &str) {
    let Some(key) = key else { return };
    if let Some(mut u) = svc.pools.get(pool_id).and_then(|p| p.users.get(&key)).cloned() {
        u.attributes.insert(format!("{attr}_verified"), "false".into());
        put_user(svc, cx, pool_id, u);
    }
}

pub fn confirm_sign_up(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Flow, AwsError> {
    refuse_triggers(&input, "ConfirmSignUp")?;
    let username = input.req("Username")?;
    let code = input.req("ConfirmationCode")?;
    let force = input.bool("ForceAliasCreation")?.unwrap_or(false);
    let (pool_id, client, key) = client_user(svc, input.req("ClientId")?, username)?;
    check_secret(&client, username, input.str("SecretHash")?)?;
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    if user.status != "UNCONFIRMED" {
        return Err(not_authorized(format!("User cannot be confirmed. Current status is {}", user.status)));
    }
    let attr = take_code(cx, &mut user, "signup", code)?;
    let stolen = verify_attr(pool, &mut user, &attr, force)?;
    user.status = "CONFIRMED".into();
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    unverify(svc, cx, &pool_id, stolen, &attr);
    post_confirmation(svc, cx, &pool_id, &key, "PostConfirmation_ConfirmSignUp", Some(&client.id), triggers::client_metadata(&input)?)
}

pub fn resend_confirmation_code(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "ResendConfirmationCode")?;
    let username = input.req("Username")?;
    let (pool_id, client, key) = client_user(svc, input.req("ClientId")?, username)?;
    check_secret(&client, username, input.str("SecretHash")?)?;
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    if user.status != "UNCONFIRMED" {
        return Err(invalid("User is already confirmed."));
    }
    let attr = sign_up_destination(pool, &user).ok_or_else(|| invalid("Auto verification not turned on."))?;
    let (mail, details) = send_code(cx, pool, &mut user, "signup", &attr, SIGN_UP_CODE_MS);
    put_user(svc, cx, &pool_id, user);
    Ok((json!({ "CodeDeliveryDetails": details }), vec![mail]))
}

/// A temporary password that satisfies the pool's policy.
fn temporary_password(cx: &mut Cx, pool: &Pool) -> String {
    let len = pool.policy.minimum_length.max(8) as usize;
    let mut p = String::new();
    p.push_str(&cx.rng.token(b"ABCDEFGHJKLMNPQRSTUVWXYZ", 1));
    p.push_str(&cx.rng.token(b"abcdefghijkmnopqrstuvwxyz", 1));
    p.push_str(&cx.rng.token(b"23456789", 1));
    p.push_str(&cx.rng.token(b"^$*.!@#%&", 1));
    p.push_str(&cx.rng.token(b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", len.saturating_sub(4)));
    p
}

fn invitation(pool: &Pool, user: &User, password: &str, mediums: &[&str]) -> Vec<Mail> {
    let mut mails = Vec::new();
    let text = pool
        .invite_message
        .clone()
        .unwrap_or_else(|| "Your username is {username} and temporary password is {####}. ".into())
        .replace("{username}", &user.username)
        .replace("{####}", password);
    for m in mediums {
        let (attr, sms) = if *m == "EMAIL" { ("email", false) } else { ("phone_number", true) };
        if let Some(to) = user.attributes.get(attr) {
            mails.push(Mail {
                to: to.clone(),
                subject: if sms { "SMS".into() } else { pool.invite_subject.clone().unwrap_or_else(|| "Your temporary password".into()) },
                text: text.clone(),
                sms,
                custom: Some(custom(pool, user, password)),
            });
        }
    }
    mails
}

pub fn admin_create_user(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "AdminCreateUser")?;
    let pool_id = input.req("UserPoolId")?.to_string();
    let username = input.req("Username")?;
    let action = input.str("MessageAction")?;
    if let Some(a) = action {
        if a != "RESEND" && a != "SUPPRESS" {
            return Err(super::constraint("MessageAction", &format!("'{a}'"), "Member must satisfy enum value set: [RESEND, SUPPRESS]"));
        }
    }
    let mediums = input.strings("DesiredDeliveryMediums")?;
    for m in &mediums {
        if *m != "EMAIL" && *m != "SMS" {
            return Err(super::constraint("DesiredDeliveryMediums", &format!("'[{m}]'"), "Member must satisfy enum value set: [SMS, EMAIL]"));
        }
    }
    let mediums: Vec<&str> = if mediums.is_empty() { vec!["SMS"] } else { mediums };
    let force = input.bool("ForceAliasCreation")?.unwrap_or(false);
    let pool = svc.pool(cx, &pool_id)?;
    let temp = match input.str("TemporaryPassword")? {
        Some(p) => {
            pool.policy.check(p).map_err(|m| err("InvalidPasswordException", m))?;
            Some(p.to_string())
        }
        None => None,
    };
    let expires = cx.now_ms + pool.policy.temporary_password_validity_days * 86_400_000;
    if action == Some("RESEND") {
        let key = pool.find_user_key(username).ok_or_else(not_found_user)?;
        let mut user = pool.users[&key].clone();
        if user.status != "FORCE_CHANGE_PASSWORD" {
            return Err(err("UnsupportedUserStateException", format!("Resend not possible. {} status is not FORCE_CHANGE_PASSWORD", user.username)));
        }
        let temp = temp.unwrap_or_else(|| temporary_password(cx, pool));
        set_password(cx, pool, &mut user, &temp);
        user.temporary_expires_ms = Some(expires);
        user.modified_ms = cx.now_ms;
        let mails = invitation(pool, &user, &temp, &mediums);
        let out = json!({ "User": user.to_json(None) });
        put_user(svc, cx, &pool_id, user);
        return Ok((out, mails));
    }
    let mut attrs = input.attributes("UserAttributes")?;
    let name = new_username(pool, username, &mut attrs)?;
    if exists_error(pool, &attrs, name.as_deref()).is_some() {
        return Err(err("UsernameExistsException", "User account already exists"));
    }
    let mut user = blank_user(cx, pool, name.clone().unwrap_or_default(), String::new(), "FORCE_CHANGE_PASSWORD");
    apply_attributes(pool, &mut user, &attrs, true)?;
    required_check(pool, &user)?;
    let mut stolen = Vec::new();
    for a in ["email", "phone_number"] {
        if user.verified(a) {
            stolen.push((verify_attr(pool, &mut user, a, force)?, a));
        }
    }
    let temp = match temp {
        Some(t) => t,
        None => temporary_password(cx, pool),
    };
    with_sub(cx, pool, &mut user, name.is_none());
    set_password(cx, pool, &mut user, &temp);
    user.temporary_expires_ms = Some(expires);
    let mails = if action == Some("SUPPRESS") { Vec::new() } else { invitation(pool, &user, &temp, &mediums) };
    let out = json!({ "User": user.to_json(None) });
    put_user(svc, cx, &pool_id, user);
    for (k, a) in stolen {
        unverify(svc, cx, &pool_id, k, a);
    }
    Ok((out, mails))
}

/// The pool and user key an admin call names.
pub fn admin_user(svc: &Cognito, cx: &Cx, input: &In) -> Result<(String, String), AwsError> {
    let pool_id = input.req("UserPoolId")?;
    let username = input.req("Username")?;
    let pool = svc.pool(cx, pool_id)?;
    let key = pool.find_user_key(username).ok_or_else(not_found_user)?;
    Ok((pool_id.to_string(), key))
}

fn get_user_json(svc: &Cognito, pool_id: &str, key: &str) -> Value {
    let u = &svc.pools[pool_id].users[key];
    let mut v = json!({
        "Username": u.username,
        "UserAttributes": u.attributes_json(None),
        "UserCreateDate": model::secs(u.created_ms),
        "UserLastModifiedDate": model::secs(u.modified_ms),
        "Enabled": u.enabled,
        "UserStatus": u.status,
    });
    if !u.mfa_enabled.is_empty() {
        v["UserMFASettingList"] = json!(u.mfa_enabled);
    }
    if let Some(p) = &u.mfa_preferred {
        v["PreferredMfaSetting"] = json!(p);
    }
    v
}

pub fn admin_get_user(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    Ok(get_user_json(svc, &pool_id, &key))
}

/// ListUsers' Filter: `attribute = "value"` or `attribute ^= "prefix"`.
fn parse_filter(filter: &str) -> Result<Option<(String, bool, String)>, AwsError> {
    let f = filter.trim();
    if f.is_empty() {
        return Ok(None);
    }
    let bad = || invalid("Error while parsing filter.");
    let (name, rest, prefix) = if let Some((n, r)) = f.split_once("^=") { (n, r, true) } else { f.split_once('=').map(|(n, r)| (n, r, false)).ok_or_else(bad)? };
    let name = name.trim();
    let value = rest.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(bad)?;
    const SEARCHABLE: &[&str] = &["username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status", "sub"];
    if !SEARCHABLE.contains(&name) {
        return Err(invalid(format!("Invalid search attribute: {name}")));
    }
    Ok(Some((name.to_string(), prefix, value.to_string())))
}

pub fn list_users(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let pool = svc.pool(cx, input.req("UserPoolId")?)?;
    let limit = match input.int("Limit")? {
        Some(n) if !(0..=60).contains(&n) => return Err(super::constraint("Limit", &n.to_string(), "Member must have value less than or equal to 60")),
        Some(0) | None => 60,
        Some(n) => n as usize,
    };
    let only: Vec<&str> = input.strings("AttributesToGet")?;
    for a in &only {
        if pool.attr(a).is_none() {
            return Err(invalid(format!("One or more requested attributes do not exist: {a}")));
        }
    }
    let filter = parse_filter(input.str("Filter")?.unwrap_or(""))?;
    let token = input.str("PaginationToken")?;
    let matches = |u: &User| {
        let Some((name, prefix, value)) = &filter else { return true };
        let actual = match name.as_str() {
            "username" => Some(u.username.clone()),
            "cognito:user_status" => Some(u.status.clone()),
            "status" => Some(if u.enabled { "Enabled" } else { "Disabled" }.to_string()),
            other => u.attributes.get(other).cloned(),
        };
        actual.is_some_and(|a| if *prefix { a.starts_with(value.as_str()) } else { a == *value })
    };
    let mut users: Vec<&User> = pool.users.values().filter(|u| matches(u)).filter(|u| token.is_none_or(|t| u.key.as_str() > t)).collect();
    let more = users.len() > limit;
    users.truncate(limit);
    let only = (!only.is_empty() || input.has("AttributesToGet")).then_some(only.as_slice());
    let mut out = json!({ "Users": users.iter().map(|u| u.to_json(only)).collect::<Vec<_>>() });
    if more {
        out["PaginationToken"] = json!(users.last().map(|u| u.key.clone()));
    }
    Ok(out)
}

fn drop_user_tokens(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, key: &str) {
    let tokens: Vec<(String, String)> = svc.refresh.values().filter(|t| t.pool_id == pool_id && t.user == key).map(|t| (t.token.clone(), t.region.clone())).collect();
    for (t, region) in tokens {
        svc.refresh.remove(&t);
        cx.journal.delete(model::refresh_key(&region, &t));
    }
}

fn delete(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, key: &str) {
    drop_user_tokens(svc, cx, pool_id, key);
    if let Some(pool) = svc.pools.get_mut(pool_id) {
        pool.users.remove(key);
        cx.journal.delete(model::user_key(&pool.region, pool_id, key));
    }
}

pub fn admin_delete_user(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    delete(svc, cx, &pool_id, &key);
    Ok(json!({}))
}

pub fn admin_confirm_sign_up(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Flow, AwsError> {
    refuse_triggers(&input, "AdminConfirmSignUp")?;
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    let mut user = svc.pools[&pool_id].users[&key].clone();
    if user.status != "UNCONFIRMED" {
        return Err(not_authorized(format!("User cannot be confirmed. Current status is {}", user.status)));
    }
    user.status = "CONFIRMED".into();
    user.codes.retain(|k, _| !k.starts_with("signup:"));
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    post_confirmation(svc, cx, &pool_id, &key, "PostConfirmation_ConfirmSignUp", None, triggers::client_metadata(&input)?)
}

pub fn admin_set_user_password(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    let password = input.req("Password")?;
    let permanent = input.bool("Permanent")?.unwrap_or(false);
    let pool = &svc.pools[&pool_id];
    pool.policy.check(password).map_err(|m| err("InvalidPasswordException", m))?;
    let mut user = pool.users[&key].clone();
    set_password(cx, pool, &mut user, password);
    if permanent {
        user.status = "CONFIRMED".into();
        user.temporary_expires_ms = None;
    } else {
        user.status = "FORCE_CHANGE_PASSWORD".into();
        user.temporary_expires_ms = Some(cx.now_ms + pool.policy.temporary_password_validity_days * 86_400_000);
    }
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    Ok(json!({}))
}

pub fn admin_enable_user(svc: &mut Cognito, cx: &mut Cx, input: In, enabled: bool) -> Result<Value, AwsError> {
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    let mut user = svc.pools[&pool_id].users[&key].clone();
    user.enabled = enabled;
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    Ok(json!({}))
}

/// Attribute changes; a changed email or phone number that the pool auto-verifies gets a code.
fn update_attributes(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, key: &str, attrs: &[(String, String)], admin: bool) -> Result<Out, AwsError> {
    let pool = &svc.pools[pool_id];
    let mut user = pool.users[key].clone();
    if !admin && attrs.iter().any(|(k, _)| k.ends_with("_verified")) {
        return Err(not_authorized("A client attempted to write unauthorized attribute"));
    }
    for a in &pool.username_attributes {
        if let Some((_, v)) = attrs.iter().find(|(k, _)| k == a) {
            if pool.users.values().any(|u| u.key != key && u.attributes.get(a).is_some_and(|x| x.eq_ignore_ascii_case(v))) {
                return Err(err("AliasExistsException", format!("An account with the given {a} already exists.")));
            }
        }
    }
    let before = user.attributes.clone();
    apply_attributes(pool, &mut user, attrs, admin)?;
    user.modified_ms = cx.now_ms;
    let mut mails = Vec::new();
    let mut details = Vec::new();
    for a in ["email", "phone_number"] {
        let changed = before.get(a) != user.attributes.get(a) && user.attributes.contains_key(a);
        if changed && !user.verified(a) && pool.auto_verified.iter().any(|x| x == a) {
            let (mail, d) = send_code(cx, pool, &mut user, "verify", a, VERIFY_CODE_MS);
            mails.push(mail);
            details.push(d);
        }
    }
    put_user(svc, cx, pool_id, user);
    let out = if admin { json!({}) } else { json!({ "CodeDeliveryDetailsList": details }) };
    Ok((out, mails))
}

pub fn admin_update_user_attributes(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "AdminUpdateUserAttributes")?;
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    let attrs = input.attributes("UserAttributes")?;
    update_attributes(svc, cx, &pool_id, &key, &attrs, true)
}

/// A verified email or phone number to send a password reset code to.
fn recovery_destination(user: &User) -> Option<&'static str> {
    ["email", "phone_number"].into_iter().find(|a| user.verified(a))
}

pub fn admin_reset_user_password(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "AdminResetUserPassword")?;
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    let Some(attr) = recovery_destination(&user) else {
        return Err(invalid("Cannot reset password for the user as there is no registered/verified email or phone_number"));
    };
    let (mail, _) = send_code(cx, pool, &mut user, "forgot", attr, FORGOT_CODE_MS);
    user.status = "RESET_REQUIRED".into();
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    Ok((json!({}), vec![mail]))
}

fn sign_out(svc: &mut Cognito, cx: &mut Cx, pool_id: &str, key: &str, also: Option<&str>) {
    let origins: Vec<String> = svc.refresh.values().filter(|t| t.pool_id == pool_id && t.user == key).map(|t| t.origin_jti.clone()).collect();
    drop_user_tokens(svc, cx, pool_id, key);
    if let Some(mut user) = svc.pools.get(pool_id).and_then(|p| p.users.get(key)).cloned() {
        user.revoked.extend(origins);
        user.revoked.extend(also.map(str::to_string));
        put_user(svc, cx, pool_id, user);
    }
}

pub fn admin_user_global_sign_out(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key) = admin_user(svc, cx, &input)?;
    sign_out(svc, cx, &pool_id, &key, None);
    Ok(json!({}))
}

pub fn get_user(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key, _) = access(svc, cx, input.req("AccessToken")?)?;
    Ok(get_user_json(svc, &pool_id, &key))
}

pub fn delete_user(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key, _) = access(svc, cx, input.req("AccessToken")?)?;
    delete(svc, cx, &pool_id, &key);
    Ok(json!({}))
}

pub fn update_user_attributes(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "UpdateUserAttributes")?;
    let (pool_id, key, claims) = access(svc, cx, input.req("AccessToken")?)?;
    let attrs = input.attributes("UserAttributes")?;
    let client = claims.get("client_id").and_then(Value::as_str).and_then(|c| svc.pools[&pool_id].clients.get(c));
    if let Some(c) = client.filter(|c| !c.write_attributes.is_empty()) {
        if let Some((k, _)) = attrs.iter().find(|(k, _)| !c.write_attributes.contains(k)) {
            return Err(not_authorized(format!("A client attempted to write unauthorized attribute {k}")));
        }
    }
    update_attributes(svc, cx, &pool_id, &key, &attrs, false)
}

pub fn get_user_attribute_verification_code(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "GetUserAttributeVerificationCode")?;
    let (pool_id, key, _) = access(svc, cx, input.req("AccessToken")?)?;
    let attr = input.req("AttributeName")?;
    if attr != "email" && attr != "phone_number" {
        return Err(invalid(format!("Invalid attribute name: {attr}. Only email and phone_number can be verified.")));
    }
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    if !user.attributes.contains_key(attr) {
        return Err(invalid(format!("User does not have the attribute {attr}.")));
    }
    let (mail, details) = send_code(cx, pool, &mut user, "verify", attr, VERIFY_CODE_MS);
    put_user(svc, cx, &pool_id, user);
    Ok((json!({ "CodeDeliveryDetails": details }), vec![mail]))
}

pub fn verify_user_attribute(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key, _) = access(svc, cx, input.req("AccessToken")?)?;
    let attr = input.req("AttributeName")?;
    let code = input.req("Code")?;
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    if !user.codes.contains_key(&format!("verify:{attr}")) {
        return Err(err("CodeMismatchException", "Invalid verification code provided, please try again."));
    }
    let attr = take_code(cx, &mut user, "verify", code)?;
    let stolen = verify_attr(pool, &mut user, &attr, false)?;
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    unverify(svc, cx, &pool_id, stolen, &attr);
    Ok(json!({}))
}

pub fn change_password(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key, _) = access(svc, cx, input.req("AccessToken")?)?;
    let previous = input.req("PreviousPassword")?;
    let proposed = input.req("ProposedPassword")?;
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    if !password_matches(&user, previous) {
        return Err(incorrect());
    }
    pool.policy.check(proposed).map_err(|m| err("InvalidPasswordException", m))?;
    set_password(cx, pool, &mut user, proposed);
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    Ok(json!({}))
}

pub fn global_sign_out(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Value, AwsError> {
    let (pool_id, key, claims) = access(svc, cx, input.req("AccessToken")?)?;
    let origin = claims.get("origin_jti").and_then(Value::as_str).map(str::to_string);
    sign_out(svc, cx, &pool_id, &key, origin.as_deref());
    Ok(json!({}))
}

pub fn forgot_password(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Out, AwsError> {
    refuse_triggers(&input, "ForgotPassword")?;
    let username = input.req("Username")?;
    let (pool_id, client) = auth::client(svc, input.req("ClientId")?)?;
    check_secret(&client, username, input.str("SecretHash")?)?;
    let pool = &svc.pools[&pool_id];
    let Some(key) = pool.find_user_key(username) else {
        if client.prevent_errors == "ENABLED" {
            // AWS answers as if a code went out, without saying where.
            return Ok((json!({ "CodeDeliveryDetails": { "Destination": "***", "DeliveryMedium": "EMAIL", "AttributeName": "email" } }), Vec::new()));
        }
        return Err(err("UserNotFoundException", "Username/client id combination not found."));
    };
    let mut user = pool.users[&key].clone();
    if !user.enabled {
        return Err(not_authorized("User is disabled."));
    }
    let Some(attr) = recovery_destination(&user) else {
        return Err(invalid("Cannot reset password for the user as there is no registered/verified email or phone_number"));
    };
    let (mail, details) = send_code(cx, pool, &mut user, "forgot", attr, FORGOT_CODE_MS);
    put_user(svc, cx, &pool_id, user);
    Ok((json!({ "CodeDeliveryDetails": details }), vec![mail]))
}

pub fn confirm_forgot_password(svc: &mut Cognito, cx: &mut Cx, input: In) -> Result<Flow, AwsError> {
    refuse_triggers(&input, "ConfirmForgotPassword")?;
    let username = input.req("Username")?;
    let code = input.req("ConfirmationCode")?;
    let password = input.req("Password")?;
    let (pool_id, client, key) = client_user(svc, input.req("ClientId")?, username)?;
    check_secret(&client, username, input.str("SecretHash")?)?;
    let pool = &svc.pools[&pool_id];
    let mut user = pool.users[&key].clone();
    take_code(cx, &mut user, "forgot", code)?;
    pool.policy.check(password).map_err(|m| err("InvalidPasswordException", m))?;
    set_password(cx, pool, &mut user, password);
    if user.status == "RESET_REQUIRED" || user.status == "FORCE_CHANGE_PASSWORD" {
        user.status = "CONFIRMED".into();
        user.temporary_expires_ms = None;
    }
    user.modified_ms = cx.now_ms;
    put_user(svc, cx, &pool_id, user);
    post_confirmation(svc, cx, &pool_id, &key, "PostConfirmation_ConfirmForgotPassword", Some(&client.id), triggers::client_metadata(&input)?)
}
