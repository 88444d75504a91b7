//! Cognito's state: pools, app clients, users, groups, auth sessions and refresh tokens, and the
//! shapes AWS answers them in.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::crypto::RsaKey;

pub fn hex_name(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn pool_key(region: &str, id: &str) -> String {
    format!("cognito-idp/{region}/pool/{id}")
}
pub fn client_key(region: &str, pool: &str, id: &str) -> String {
    format!("cognito-idp/{region}/pool/{pool}/client/{id}")
}
pub fn user_key(region: &str, pool: &str, key: &str) -> String {
    format!("cognito-idp/{region}/pool/{pool}/user/{}", hex_name(key))
}
pub fn group_key(region: &str, pool: &str, name: &str) -> String {
    format!("cognito-idp/{region}/pool/{pool}/group/{}", hex_name(name))
}
pub fn session_key(region: &str, id: &str) -> String {
    format!("cognito-idp/{region}/session/{id}")
}
pub fn refresh_key(region: &str, token: &str) -> String {
    format!("cognito-idp/{region}/refresh/{token}")
}

pub fn secs(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    pub minimum_length: i64,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: i64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { minimum_length: 8, require_uppercase: true, require_lowercase: true, require_numbers: true, require_symbols: true, temporary_password_validity_days: 7 }
    }
}

/// The symbols Cognito's password policy counts.
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

impl PasswordPolicy {
    /// Checks a password, with AWS's messages, in AWS's order.
    pub fn check(&self, password: &str) -> Result<(), String> {
        let prefix = "Password did not conform with policy: ";
        if (password.chars().count() as i64) < self.minimum_length {
            return Err(format!("{prefix}Password not long enough"));
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return Err(format!("{prefix}Password must have numeric characters"));
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
            return Err(format!("{prefix}Password must have lowercase characters"));
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
            return Err(format!("{prefix}Password must have uppercase characters"));
        }
        if self.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return Err(format!("{prefix}Password must have symbol characters"));
        }
        Ok(())
    }

    pub fn to_json(&self) -> Value {
        json!({
            "MinimumLength": self.minimum_length,
            "RequireUppercase": self.require_uppercase,
            "RequireLowercase": self.require_lowercase,
            "RequireNumbers": self.require_numbers,
            "RequireSymbols": self.require_symbols,
            "TemporaryPasswordValidityDays": self.temporary_password_validity_days,
        })
    }
}

/// One attribute of the pool's schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attr {
    pub name: String,
    pub data_type: String,
    pub mutable: bool,
    pub required: bool,
    pub developer_only: bool,
    pub min_length: Option<String>,
    pub max_length: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
}

/// The standard attributes (OpenID Connect's), with their types.
pub const STANDARD: &[(&str, &str)] = &[
    ("sub", "String"),
    ("name", "String"),
    ("given_name", "String"),
    ("family_name", "String"),
    ("middle_name", "String"),
    ("nickname", "String"),
    ("preferred_username", "String"),
    ("profile", "String"),
    ("picture", "String"),
    ("website", "String"),
    ("email", "String"),
    ("email_verified", "Boolean"),
    ("gender", "String"),
    ("birthdate", "String"),
    ("zoneinfo", "String"),
    ("locale", "String"),
    ("phone_number", "String"),
    ("phone_number_verified", "Boolean"),
    ("address", "String"),
    ("updated_at", "Number"),
    ("identities", "String"),
];

impl Attr {
    pub fn standard(name: &str, data_type: &str) -> Attr {
        let (min_len, max_len) = match (name, data_type) {
            ("sub", _) => (Some("1"), Some("2048")),
            ("identities", _) => (None, None),
            (_, "String") => (Some("0"), Some("2048")),
            _ => (None, None),
        };
        Attr {
            name: name.to_string(),
            data_type: data_type.to_string(),
            mutable: name != "sub",
            required: name == "sub",
            developer_only: false,
            min_length: min_len.map(str::to_string),
            max_length: max_len.map(str::to_string),
            min_value: (name == "updated_at").then(|| "0".to_string()),
            max_value: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "Name": self.name,
            "AttributeDataType": self.data_type,
            "DeveloperOnlyAttribute": self.developer_only,
            "Mutable": self.mutable,
            "Required": self.required,
        });
        if self.data_type == "String" && (self.min_length.is_some() || self.max_length.is_some()) {
            let mut c = Map::new();
            if let Some(m) = &self.min_length {
                c.insert("MinLength".into(), json!(m));
            }
            if let Some(m) = &self.max_length {
                c.insert("MaxLength".into(), json!(m));
            }
            v["StringAttributeConstraints"] = Value::Object(c);
        }
        if self.data_type == "Number" && (self.min_value.is_some() || self.max_value.is_some()) {
            let mut c = Map::new();
            if let Some(m) = &self.min_value {
                c.insert("MinValue".into(), json!(m));
            }
            if let Some(m) = &self.max_value {
                c.insert("MaxValue".into(), json!(m));
            }
            v["NumberAttributeConstraints"] = Value::Object(c);
        }
        v
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    pub id: String,
    pub name: String,
    pub region: String,
    pub arn: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub policy: PasswordPolicy,
    pub username_attributes: Vec<String>,
    pub alias_attributes: Vec<String>,
    pub auto_verified: Vec<String>,
    pub mfa: String,
    pub case_sensitive: bool,
    pub admin_only: bool,
    pub deletion_protection: String,
    pub schema: Vec<Attr>,
    pub email_subject: Option<String>,
    pub email_message: Option<String>,
    pub sms_message: Option<String>,
    pub invite_subject: Option<String>,
    pub invite_message: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Members accepted and returned as given (AccountRecoverySetting, ...).
    pub echo: Map<String, Value>,
    pub key: RsaKey,
    /// Lambda triggers: LambdaConfig name → function ARN (see [`super::triggers`]).
    #[serde(default)]
    pub lambda: BTreeMap<String, String>,
    /// The pre token generation event version, `V1_0` or `V2_0`.
    #[serde(default)]
    pub pre_token_version: Option<String>,
    /// SetUserPoolMfaConfig: TOTP and SMS as second factors, and the SMS text.
    #[serde(default)]
    pub totp_mfa: bool,
    #[serde(default)]
    pub sms_mfa: bool,
    #[serde(default)]
    pub sms_auth_message: Option<String>,
    #[serde(skip)]
    pub users: BTreeMap<String, User>,
    #[serde(skip)]
    pub clients: BTreeMap<String, AppClient>,
    #[serde(skip)]
    pub groups: BTreeMap<String, Group>,
}

impl Pool {
    /// The part of the id after `_`, which SRP hashes.
    pub fn srp_name(&self) -> &str {
        self.id.split_once('_').map_or(self.id.as_str(), |(_, n)| n)
    }

    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.region, self.id)
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.key.jwk()] })
    }

    /// The key users are filed under: the username, lower-cased when the pool is not case
    /// sensitive.
    pub fn user_key(&self, username: &str) -> String {
        if self.case_sensitive {
            username.to_string()
        } else {
            username.to_lowercase()
        }
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.schema.iter().find(|a| a.name == name)
    }

    /// Finds a user by what they sign in with: the username, or an email / phone number that is
    /// a username attribute, or a verified alias.
    pub fn find_user(&self, name: &str) -> Option<&User> {
        if let Some(u) = self.users.get(&self.user_key(name)) {
            return Some(u);
        }
        let by_attr = |attr: &str, must_verify: bool| {
            self.users.values().find(|u| {
                u.attributes.get(attr).is_some_and(|v| v.eq_ignore_ascii_case(name)) && (!must_verify || u.attributes.get(&format!("{attr}_verified")).is_some_and(|v| v == "true"))
            })
        };
        for a in &self.username_attributes {
            if let Some(u) = by_attr(a, false) {
                return Some(u);
            }
        }
        for a in &self.alias_attributes {
            if let Some(u) = by_attr(a, true) {
                return Some(u);
            }
        }
        None
    }

    pub fn find_user_key(&self, name: &str) -> Option<String> {
        self.find_user(name).map(|u| u.key.clone())
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "Id": self.id,
            "Name": self.name,
            "Policies": { "PasswordPolicy": self.policy.to_json() },
            "DeletionProtection": self.deletion_protection,
            "LambdaConfig": super::triggers::config_json(self),
            "LastModifiedDate": secs(self.modified_ms),
            "CreationDate": secs(self.created_ms),
            "SchemaAttributes": self.schema.iter().map(Attr::to_json).collect::<Vec<_>>(),
            "AutoVerifiedAttributes": self.auto_verified,
            "VerificationMessageTemplate": self.verification_template(),
            "MfaConfiguration": self.mfa,
            "EstimatedNumberOfUsers": self.users.len(),
            "EmailConfiguration": { "EmailSendingAccount": "COGNITO_DEFAULT" },
            "UserPoolTags": self.tags,
            "AdminCreateUserConfig": {
                "AllowAdminCreateUserOnly": self.admin_only,
                "UnusedAccountValidityDays": self.policy.temporary_password_validity_days,
            },
            "UsernameConfiguration": { "CaseSensitive": self.case_sensitive },
            "Arn": self.arn,
            "UserPoolTier": "ESSENTIALS",
        });
        if !self.username_attributes.is_empty() {
            v["UsernameAttributes"] = json!(self.username_attributes);
        }
        if !self.alias_attributes.is_empty() {
            v["AliasAttributes"] = json!(self.alias_attributes);
        }
        if let Some(s) = &self.email_message {
            v["EmailVerificationMessage"] = json!(s);
        }
        if let Some(s) = &self.email_subject {
            v["EmailVerificationSubject"] = json!(s);
        }
        if let Some(s) = &self.sms_message {
            v["SmsVerificationMessage"] = json!(s);
        }
        if self.invite_message.is_some() || self.invite_subject.is_some() {
            v["AdminCreateUserConfig"]["InviteMessageTemplate"] = json!({ "EmailMessage": self.invite_message, "EmailSubject": self.invite_subject });
        }
        for (k, val) in &self.echo {
            v[k] = val.clone();
        }
        v
    }

    fn verification_template(&self) -> Value {
        let mut t = json!({ "DefaultEmailOption": "CONFIRM_WITH_CODE" });
        if let Some(s) = &self.email_message {
            t["EmailMessage"] = json!(s);
        }
        if let Some(s) = &self.email_subject {
            t["EmailSubject"] = json!(s);
        }
        if let Some(s) = &self.sms_message {
            t["SmsMessage"] = json!(s);
        }
        t
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Code {
    pub code: String,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The map key: the username, lower-cased in a case-insensitive pool.
    pub key: String,
    pub username: String,
    pub sub: String,
    /// Every attribute, `sub` included, in the order set.
    pub attributes: indexmap::IndexMap<String, String>,
    pub status: String,
    pub enabled: bool,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Hex SHA-256 of the salt and the password.
    pub password_hash: String,
    pub password_salt: String,
    pub srp_salt: String,
    pub srp_verifier: String,
    /// When a temporary password (FORCE_CHANGE_PASSWORD) stops working.
    pub temporary_expires_ms: Option<i64>,
    /// Outstanding codes: `signup`, `forgot`, `verify:{attribute}`.
    pub codes: BTreeMap<String, Code>,
    pub groups: BTreeSet<String>,
    /// origin_jti of every sign-in GlobalSignOut revoked.
    pub revoked: BTreeSet<String>,
    /// TOTP: the secret (base32) once verified, one associated and not verified yet, and the
    /// last time step a code was accepted for (a code works once).
    #[serde(default)]
    pub totp_secret: Option<String>,
    #[serde(default)]
    pub totp_pending: Option<String>,
    #[serde(default)]
    pub totp_last_step: Option<i64>,
    /// MFA methods the user enabled (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`) and the preferred one.
    #[serde(default)]
    pub mfa_enabled: BTreeSet<String>,
    #[serde(default)]
    pub mfa_preferred: Option<String>,
}

impl User {
    pub fn attributes_json(&self, only: Option<&[&str]>) -> Value {
        Value::Array(self.attributes.iter().filter(|(k, _)| only.is_none_or(|o| o.contains(&k.as_str()))).map(|(k, v)| json!({ "Name": k, "Value": v })).collect())
    }

    /// The UserType shape (ListUsers, AdminCreateUser).
    pub fn to_json(&self, only: Option<&[&str]>) -> Value {
        json!({
            "Username": self.username,
            "Attributes": self.attributes_json(only),
            "UserCreateDate": secs(self.created_ms),
            "UserLastModifiedDate": secs(self.modified_ms),
            "Enabled": self.enabled,
            "UserStatus": self.status,
        })
    }

    pub fn verified(&self, attr: &str) -> bool {
        self.attributes.get(&format!("{attr}_verified")).is_some_and(|v| v == "true")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AppClient {
    pub id: String,
    pub pool_id: String,
    pub name: String,
    pub secret: Option<String>,
    pub flows: Vec<String>,
    /// Lifetimes in seconds.
    pub access_secs: i64,
    pub id_secs: i64,
    pub refresh_secs: i64,
    /// As given, for DescribeUserPoolClient.
    pub access_validity: i64,
    pub id_validity: i64,
    pub refresh_validity: i64,
    pub units: BTreeMap<String, String>,
    pub prevent_errors: String,
    pub revocation: bool,
    pub auth_session_minutes: i64,
    pub read_attributes: Vec<String>,
    pub write_attributes: Vec<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub echo: Map<String, Value>,
}

impl AppClient {
    pub fn allows(&self, flow: &str) -> bool {
        self.flows.iter().any(|f| f == flow)
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "UserPoolId": self.pool_id,
            "ClientName": self.name,
            "ClientId": self.id,
            "LastModifiedDate": secs(self.modified_ms),
            "CreationDate": secs(self.created_ms),
            "RefreshTokenValidity": self.refresh_validity,
            "AccessTokenValidity": self.access_validity,
            "IdTokenValidity": self.id_validity,
            "TokenValidityUnits": {
                "AccessToken": self.units.get("AccessToken").map_or("hours", String::as_str),
                "IdToken": self.units.get("IdToken").map_or("hours", String::as_str),
                "RefreshToken": self.units.get("RefreshToken").map_or("days", String::as_str),
            },
            "ExplicitAuthFlows": self.flows,
            "AllowedOAuthFlowsUserPoolClient": false,
            "PreventUserExistenceErrors": self.prevent_errors,
            "EnableTokenRevocation": self.revocation,
            "EnablePropagateAdditionalUserContextData": false,
            "AuthSessionValidity": self.auth_session_minutes,
        });
        if let Some(s) = &self.secret {
            v["ClientSecret"] = json!(s);
        }
        if !self.read_attributes.is_empty() {
            v["ReadAttributes"] = json!(self.read_attributes);
        }
        if !self.write_attributes.is_empty() {
            v["WriteAttributes"] = json!(self.write_attributes);
        }
        for (k, val) in &self.echo {
            v[k] = val.clone();
        }
        v
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub name: String,
    pub pool_id: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created_ms: i64,
    pub modified_ms: i64,
}

impl Group {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "GroupName": self.name,
            "UserPoolId": self.pool_id,
            "LastModifiedDate": secs(self.modified_ms),
            "CreationDate": secs(self.created_ms),
        });
        if let Some(d) = &self.description {
            v["Description"] = json!(d);
        }
        if let Some(r) = &self.role_arn {
            v["RoleArn"] = json!(r);
        }
        if let Some(p) = self.precedence {
            v["Precedence"] = json!(p);
        }
        v
    }
}

/// A sign-in in progress.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuthSession {
    pub id: String,
    pub region: String,
    pub pool_id: String,
    pub client_id: String,
    /// The user's key in the pool.
    pub user: String,
    /// `PASSWORD_VERIFIER` or `NEW_PASSWORD_REQUIRED`.
    pub challenge: String,
    /// The `Session` string handed out, when there is one.
    pub session: Option<String>,
    /// SRP: the base64 SECRET_BLOCK, A, b and B (hex).
    pub secret_block: Option<String>,
    pub srp_a: Option<String>,
    pub srp_b_private: Option<String>,
    pub srp_b: Option<String>,
    pub expires_ms: i64,
    /// What the next step needs: the custom auth challenges so far, their private parameters,
    /// the ClientMetadata, an SMS code, the sign-in's source.
    #[serde(default)]
    pub data: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefreshToken {
    pub token: String,
    pub region: String,
    pub pool_id: String,
    pub client_id: String,
    pub user: String,
    pub origin_jti: String,
    pub auth_time: i64,
    pub expires_ms: i64,
}
