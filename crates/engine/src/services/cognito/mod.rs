//! Amazon Cognito user pools (`cognito-idp`, JSON 1.1, `AWSCognitoIdentityProviderService`).
//!
//! State: user pools by id (the id carries its region, `us-east-1_AbC123xyz`), each with its app
//! clients, users and groups; auth sessions (an SRP exchange or a NEW_PASSWORD_REQUIRED challenge
//! in progress, 3 minutes by default) and refresh tokens. Records:
//! `cognito-idp/{region}/pool/{id}` (the pool, with its RSA key), below it `/client/{id}`,
//! `/user/{hex username}`, `/group/{hex name}`; `cognito-idp/{region}/session/{id}`,
//! `cognito-idp/{region}/refresh/{token}`.
//!
//! Passwords are kept as a salted SHA-256 (for USER_PASSWORD_AUTH) and an SRP verifier (for
//! USER_SRP_AUTH, see [`srp`]). Codes (sign-up, forgot password, attribute verification,
//! invitations) go to the sandbox's simulated inbox through SES's `DeliverInboxMessage` control
//! operation (a [`Step::Control`] after the state change, so the answer waits for the delivery);
//! SMS to a mailbox named by the phone number. Tokens are RS256 JWTs signed with the pool's key
//! ([`crypto`]); [`crypto::verify_jwt`] is the public check, and the `cognito-idp:GetJwks`,
//! `GetOpenIdConfiguration` and `VerifyToken` control operations serve hosts and other services.
//! Time is the virtual clock: code expiry, token lifetimes, temporary passwords, sessions.

pub mod auth;
pub mod crypto;
pub mod mfa;
pub mod model;
pub mod mont;
pub mod pools;
pub mod srp;
pub mod triggers;
pub mod users;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    service::{Cx, Service},
    Request,
};
use model::{AppClient, AuthSession, Group, Pool, RefreshToken, User};
use triggers::Flow;

pub fn err(kind: &str, message: impl Into<String>) -> AwsError {
    AwsError::new("", kind.to_string(), message, 400)
}

pub fn invalid(message: impl Into<String>) -> AwsError {
    err("InvalidParameterException", message)
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    err("ResourceNotFoundException", message)
}

pub fn not_authorized(message: impl Into<String>) -> AwsError {
    err("NotAuthorizedException", message)
}

/// `1 validation error detected: ...` as Cognito's front end words a constraint failure.
pub fn constraint(member: &str, value: &str, constraint: &str) -> AwsError {
    invalid(format!("1 validation error detected: Value {value} at '{}' failed to satisfy constraint: {constraint}", camel(member)))
}

fn camel(name: &str) -> String {
    let mut c = name.chars();
    c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
}

fn wrong_type(name: &str, expected: &str) -> AwsError {
    AwsError::serialization(format!("Unexpected value type for {name}: expected {expected}"))
}

/// One JSON object of a request.
#[derive(Clone, Copy)]
pub struct In<'a>(pub &'a Map<String, Value>);

impl<'a> In<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn str(&self, name: &str) -> Result<Option<&'a str>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name, "a string")),
        }
    }

    pub fn req(&self, name: &str) -> Result<&'a str, AwsError> {
        self.str(name)?.ok_or_else(|| constraint(name, "null", "Member must not be null"))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong_type(name, "an integer")),
            Some(_) => Err(wrong_type(name, "an integer")),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(name, "a boolean")),
        }
    }

    pub fn obj(&self, name: &str) -> Result<Option<In<'a>>, AwsError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(In(m))),
            Some(_) => Err(wrong_type(name, "an object")),
        }
    }

    pub fn list(&self, name: &str) -> Result<&'a [Value], AwsError> {
        match self.get(name) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(wrong_type(name, "a list")),
        }
    }

    pub fn strings(&self, name: &str) -> Result<Vec<&'a str>, AwsError> {
        self.list(name)?.iter().map(|v| v.as_str().ok_or_else(|| wrong_type(name, "a list of strings"))).collect()
    }

    pub fn objects(&self, name: &str) -> Result<Vec<In<'a>>, AwsError> {
        self.list(name)?.iter().map(|v| v.as_object().map(In).ok_or_else(|| wrong_type(name, "a list of objects"))).collect()
    }

    /// A map of strings (AuthParameters, ChallengeResponses, ClientMetadata).
    pub fn string_map(&self, name: &str) -> Result<BTreeMap<&'a str, &'a str>, AwsError> {
        let Some(m) = self.obj(name)? else { return Ok(BTreeMap::new()) };
        m.0.iter().map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)).ok_or_else(|| wrong_type(name, "a map of strings"))).collect()
    }

    /// An attribute list (`[{Name, Value}]`), in order.
    pub fn attributes(&self, name: &str) -> Result<Vec<(String, String)>, AwsError> {
        let mut out = Vec::new();
        for a in self.objects(name)? {
            let n = a.req("Name")?;
            out.push((n.to_string(), a.str("Value")?.unwrap_or("").to_string()));
        }
        Ok(out)
    }

    /// Refuses members the sandbox does not simulate, naming them.
    pub fn refuse(&self, operation: &str, members: &[&str]) -> Result<(), AwsError> {
        for m in members {
            if self.has(m) {
                return Err(invalid(format!("{m} is not supported in the Gureum sandbox ({operation}).")));
            }
        }
        Ok(())
    }
}

/// A message Cognito sends: to the simulated inbox (email, or SMS to the phone number's mailbox).
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub sms: bool,
    /// Set on code messages: what the custom message trigger needs to rewrite it.
    pub custom: Option<triggers::Custom>,
}

/// An operation's answer and the messages to deliver before it is returned.
pub type Out = (Value, Vec<Mail>);

#[derive(Debug, Default)]
pub struct Cognito {
    pub pools: BTreeMap<String, Pool>,
    /// App client id → its pool id.
    pub client_pool: BTreeMap<String, String>,
    pub sessions: BTreeMap<String, AuthSession>,
    pub refresh: BTreeMap<String, RefreshToken>,
}

/// Operations of the API this build does not simulate.
const NOT_YET: &[&str] = &[
    "AddCustomAttributes",
    "AdminDisableProviderForUser",
    "AdminForgetDevice",
    "AdminGetDevice",
    "AdminLinkProviderForUser",
    "AdminListDevices",
    "AdminListUserAuthEvents",
    "AdminSetUserSettings",
    "AdminUpdateAuthEventFeedback",
    "AdminUpdateDeviceStatus",
    "ConfirmDevice",
    "CreateIdentityProvider",
    "CreateResourceServer",
    "CreateUserImportJob",
    "CreateUserPoolDomain",
    "DeleteIdentityProvider",
    "DeleteResourceServer",
    "DeleteUserPoolDomain",
    "DescribeIdentityProvider",
    "DescribeResourceServer",
    "DescribeRiskConfiguration",
    "DescribeUserImportJob",
    "DescribeUserPoolDomain",
    "ForgetDevice",
    "GetCSVHeader",
    "GetDevice",
    "GetIdentityProviderByIdentifier",
    "GetSigningCertificate",
    "GetUICustomization",
    "ListDevices",
    "ListIdentityProviders",
    "ListResourceServers",
    "ListUserImportJobs",
    "RevokeToken",
    "SetRiskConfiguration",
    "SetUICustomization",
    "SetUserSettings",
    "StartUserImportJob",
    "StopUserImportJob",
    "UpdateAuthEventFeedback",
    "UpdateDeviceStatus",
    "UpdateIdentityProvider",
    "UpdateResourceServer",
    "UpdateUserPoolDomain",
];

struct Pending {
    answer: Value,
    rest: Vec<Mail>,
}

/// An operation waiting on a Lambda trigger.
struct Waiting {
    trigger: &'static str,
    event: Value,
    then: triggers::Then,
}

fn deliver(region: &str, mail: &Mail) -> Request {
    let from = if mail.sms { "Amazon Cognito SMS" } else { "no-reply@verificationemail.com" };
    Request::new(
        "email",
        "DeliverInboxMessage",
        region,
        json!({ "From": from, "To": [mail.to], "Subject": mail.subject, "Text": mail.text, "Source": if mail.sms { "Cognito SMS" } else { "Cognito" } }),
    )
}

impl Cognito {
    fn run(&mut self, cx: &mut Cx, operation: &str, input: In) -> Result<Flow, AwsError> {
        let out = self.run_op(cx, operation, input)?;
        // Code messages name the custom message trigger source of the operation that sent them.
        let source = match operation {
            "SignUp" => "CustomMessage_SignUp",
            "ResendConfirmationCode" => "CustomMessage_ResendCode",
            "ForgotPassword" | "AdminResetUserPassword" => "CustomMessage_ForgotPassword",
            "UpdateUserAttributes" | "AdminUpdateUserAttributes" => "CustomMessage_UpdateUserAttribute",
            "GetUserAttributeVerificationCode" => "CustomMessage_VerifyUserAttribute",
            "AdminCreateUser" => "CustomMessage_AdminCreateUser",
            _ => return Ok(out),
        };
        let Flow::Done(answer, mut mails) = out else { return Ok(out) };
        let metadata = triggers::client_metadata(&input)?;
        for m in &mut mails {
            if let Some(c) = &mut m.custom {
                c.source = source.to_string();
                c.client_id = input.str("ClientId")?.map(str::to_string);
                c.client_metadata = metadata.clone();
            }
        }
        Ok(Flow::Done(answer, mails))
    }

    fn run_op(&mut self, cx: &mut Cx, operation: &str, input: In) -> Result<Flow, AwsError> {
        let done = |v: Result<Value, AwsError>| v.map(|v| Flow::Done(v, Vec::new()));
        let out = |v: Result<Out, AwsError>| v.map(Flow::from);
        match operation {
            "CreateUserPool" => done(pools::create_user_pool(self, cx, input)),
            "DescribeUserPool" => done(pools::describe_user_pool(self, cx, input)),
            "UpdateUserPool" => done(pools::update_user_pool(self, cx, input)),
            "ListUserPools" => done(pools::list_user_pools(self, cx, input)),
            "DeleteUserPool" => done(pools::delete_user_pool(self, cx, input)),
            "CreateUserPoolClient" => done(pools::create_user_pool_client(self, cx, input)),
            "DescribeUserPoolClient" => done(pools::describe_user_pool_client(self, cx, input)),
            "ListUserPoolClients" => done(pools::list_user_pool_clients(self, cx, input)),
            "DeleteUserPoolClient" => done(pools::delete_user_pool_client(self, cx, input)),
            "CreateGroup" => done(pools::create_group(self, cx, input)),
            "GetGroup" => done(pools::get_group(self, cx, input)),
            "ListGroups" => done(pools::list_groups(self, cx, input)),
            "DeleteGroup" => done(pools::delete_group(self, cx, input)),
            "AdminAddUserToGroup" => done(pools::admin_add_user_to_group(self, cx, input)),
            "AdminRemoveUserFromGroup" => done(pools::admin_remove_user_from_group(self, cx, input)),
            "AdminListGroupsForUser" => done(pools::admin_list_groups_for_user(self, cx, input)),
            "ListUsersInGroup" => done(pools::list_users_in_group(self, cx, input)),
            "SignUp" => users::sign_up(self, cx, input),
            "ConfirmSignUp" => users::confirm_sign_up(self, cx, input),
            "ResendConfirmationCode" => out(users::resend_confirmation_code(self, cx, input)),
            "AdminCreateUser" => out(users::admin_create_user(self, cx, input)),
            "AdminGetUser" => done(users::admin_get_user(self, cx, input)),
            "ListUsers" => done(users::list_users(self, cx, input)),
            "AdminDeleteUser" => done(users::admin_delete_user(self, cx, input)),
            "AdminConfirmSignUp" => users::admin_confirm_sign_up(self, cx, input),
            "AdminSetUserPassword" => done(users::admin_set_user_password(self, cx, input)),
            "AdminEnableUser" => done(users::admin_enable_user(self, cx, input, true)),
            "AdminDisableUser" => done(users::admin_enable_user(self, cx, input, false)),
            "AdminUpdateUserAttributes" => out(users::admin_update_user_attributes(self, cx, input)),
            "AdminResetUserPassword" => out(users::admin_reset_user_password(self, cx, input)),
            "AdminUserGlobalSignOut" => done(users::admin_user_global_sign_out(self, cx, input)),
            "GetUser" => done(users::get_user(self, cx, input)),
            "DeleteUser" => done(users::delete_user(self, cx, input)),
            "UpdateUserAttributes" => out(users::update_user_attributes(self, cx, input)),
            "GetUserAttributeVerificationCode" => out(users::get_user_attribute_verification_code(self, cx, input)),
            "VerifyUserAttribute" => done(users::verify_user_attribute(self, cx, input)),
            "ChangePassword" => done(users::change_password(self, cx, input)),
            "GlobalSignOut" => done(users::global_sign_out(self, cx, input)),
            "ForgotPassword" => out(users::forgot_password(self, cx, input)),
            "ConfirmForgotPassword" => users::confirm_forgot_password(self, cx, input),
            "AssociateSoftwareToken" => done(mfa::associate_software_token(self, cx, input)),
            "VerifySoftwareToken" => done(mfa::verify_software_token(self, cx, input)),
            "SetUserMFAPreference" => done(mfa::set_user_mfa_preference(self, cx, input)),
            "AdminSetUserMFAPreference" => done(mfa::admin_set_user_mfa_preference(self, cx, input)),
            "SetUserPoolMfaConfig" => done(mfa::set_user_pool_mfa_config(self, cx, input)),
            "GetUserPoolMfaConfig" => done(mfa::get_user_pool_mfa_config(self, cx, input)),
            "InitiateAuth" => auth::initiate_auth(self, cx, input, false),
            "AdminInitiateAuth" => auth::initiate_auth(self, cx, input, true),
            "RespondToAuthChallenge" => auth::respond_to_auth_challenge(self, cx, input, false),
            "AdminRespondToAuthChallenge" => auth::respond_to_auth_challenge(self, cx, input, true),
            op if NOT_YET.contains(&op) => Err(AwsError::unknown_operation(format!("Gureum does not implement the Cognito user pools operation {op} yet."))),
            _ => Err(AwsError::unknown_operation("")),
        }
    }

    /// Carries an operation on: invokes the trigger it waits on, or delivers its messages (each
    /// code message through the pool's custom message trigger first), then answers.
    fn proceed(&mut self, cx: &mut Cx, flow: Flow) -> Result<Step, AwsError> {
        match flow {
            Flow::Trigger { function, trigger, event, then } => Ok(Step::Call(triggers::invoke_request(cx.region, &function, &event), Box::new(Waiting { trigger, event, then }))),
            Flow::Done(answer, mut mails) => {
                if mails.is_empty() {
                    return Ok(Step::Done(answer));
                }
                let mut first = mails.remove(0);
                if let Some(c) = first.custom.take() {
                    let target = self.pools.get(&c.pool_id).and_then(|p| Some((p.lambda.get("CustomMessage")?.clone(), p.users.get(&c.user_key)?)));
                    if let Some((function, user)) = target {
                        let event = triggers::custom_event(&self.pools[&c.pool_id], user, &c);
                        let username = user.username.clone();
                        let then: triggers::Then = Box::new(move |_, _, event| {
                            let mail = triggers::apply_custom(first, &c, &username, &event)?;
                            mails.insert(0, mail);
                            Ok(Flow::Done(answer, mails))
                        });
                        return self.proceed(cx, Flow::Trigger { function, trigger: "CustomMessage", event, then });
                    }
                }
                Ok(Step::Control(deliver(cx.region, &first), Box::new(Pending { answer, rest: mails })))
            }
        }
    }

    /// The pool `id` names in the caller's region.
    pub fn pool(&self, cx: &Cx, id: &str) -> Result<&Pool, AwsError> {
        self.pools.get(id).filter(|p| p.region == cx.region).ok_or_else(|| not_found(format!("User pool {id} does not exist.")))
    }

    pub fn pool_mut(&mut self, cx: &Cx, id: &str) -> Result<&mut Pool, AwsError> {
        self.pools.get_mut(id).filter(|p| p.region == cx.region).ok_or_else(|| not_found(format!("User pool {id} does not exist.")))
    }

    /// The pool of app client `id` (clients are found by id alone: unsigned calls such as
    /// InitiateAuth carry no region but the client's).
    pub fn client_pool_id(&self, id: &str) -> Result<String, AwsError> {
        self.client_pool.get(id).cloned().ok_or_else(|| not_found(format!("User pool client {id} does not exist.")))
    }

    pub fn save_pool(cx: &mut Cx, pool: &Pool) {
        cx.journal.put_json(model::pool_key(&pool.region, &pool.id), pool);
    }

    pub fn save_user(cx: &mut Cx, pool: &Pool, user: &User) {
        cx.journal.put_json(model::user_key(&pool.region, &pool.id, &user.key), user);
    }

    pub fn save_client(cx: &mut Cx, pool: &Pool, client: &AppClient) {
        cx.journal.put_json(model::client_key(&pool.region, &pool.id, &client.id), client);
    }

    pub fn save_group(cx: &mut Cx, pool: &Pool, group: &Group) {
        cx.journal.put_json(model::group_key(&pool.region, &pool.id, &group.name), group);
    }

    fn control_op(&mut self, cx: &mut Cx, operation: &str, input: In) -> Result<Value, AwsError> {
        match operation {
            // The pool's public keys, as `https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json`.
            "GetJwks" => {
                let id = input.req("UserPoolId")?;
                let pool = self.pools.get(id).ok_or_else(|| not_found(format!("User pool {id} does not exist.")))?;
                Ok(pool.jwks())
            }
            "GetOpenIdConfiguration" => {
                let id = input.req("UserPoolId")?;
                let pool = self.pools.get(id).ok_or_else(|| not_found(format!("User pool {id} does not exist.")))?;
                let iss = pool.issuer();
                Ok(json!({
                    "issuer": iss,
                    "jwks_uri": format!("{iss}/.well-known/jwks.json"),
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "response_types_supported": ["code", "token"],
                    "scopes_supported": ["openid", "email", "phone", "profile"],
                    "subject_types_supported": ["public"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                }))
            }
            // Verifies a token as API Gateway's Cognito authorizer does: `Token`, optional
            // `TokenUse` (id | access) and `ClientIds`. Answers the claims, or the reason.
            "VerifyToken" => {
                let token = input.req("Token")?;
                let use_ = input.str("TokenUse")?;
                let clients = input.strings("ClientIds")?;
                let claims = crypto::decode_claims(token).ok_or_else(|| not_authorized("Invalid JWT"))?;
                let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
                let pool_id = iss.rsplit('/').next().unwrap_or("");
                let pool = self.pools.get(pool_id).ok_or_else(|| not_authorized("Invalid JWT: unknown issuer"))?;
                let expect = crypto::Expect { issuer: &pool.issuer(), token_use: use_, clients: &clients, now_ms: cx.now_ms };
                let claims = crypto::verify_jwt(token, &pool.jwks(), &expect).map_err(|e| not_authorized(e.to_string()))?;
                Ok(json!({ "Claims": claims }))
            }
            _ => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'cognito-idp:{operation}'."), 400)),
        }
    }
}

impl Service for Cognito {
    fn name(&self) -> &'static str {
        "cognito-idp"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        match self.call_step(cx, operation, input)? {
            Step::Done(v) => Ok(v),
            _ => Err(AwsError::internal("this Cognito operation needs the kernel (a trigger or a delivery)")),
        }
    }

    fn call_step(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
        let input = input.as_object().map(In).ok_or_else(|| AwsError::serialization(""))?;
        let flow = self.run(cx, operation, input)?;
        self.proceed(cx, flow)
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let then = match then.downcast::<Pending>() {
            // A delivery that failed is dropped, as an undeliverable message is on AWS.
            Ok(pending) => return self.proceed(cx, Flow::Done(pending.answer, pending.rest)),
            Err(other) => other,
        };
        let waiting = then.downcast::<Waiting>().map_err(|_| AwsError::internal("unexpected continuation"))?;
        let Resumed::Called(result) = result else { return Err(AwsError::internal("a trigger resumed without Lambda's answer")) };
        let event = triggers::answer(waiting.trigger, &waiting.event, result)?;
        let flow = (waiting.then)(self, cx, event)?;
        self.proceed(cx, flow)
    }

    fn control(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        let input = input.as_object().map(In).ok_or_else(|| AwsError::serialization(""))?;
        self.control_op(cx, operation, input)
    }

    fn save(&self, out: &mut Vec<Record>) {
        fn json<T: serde::Serialize>(v: &T) -> Vec<u8> {
            serde_json::to_vec(v).unwrap_or_default()
        }
        for pool in self.pools.values() {
            out.push(Record { key: model::pool_key(&pool.region, &pool.id), value: json(pool) });
            for c in pool.clients.values() {
                out.push(Record { key: model::client_key(&pool.region, &pool.id, &c.id), value: json(c) });
            }
            for u in pool.users.values() {
                out.push(Record { key: model::user_key(&pool.region, &pool.id, &u.key), value: json(u) });
            }
            for g in pool.groups.values() {
                out.push(Record { key: model::group_key(&pool.region, &pool.id, &g.name), value: json(g) });
            }
        }
        for s in self.sessions.values() {
            out.push(Record { key: model::session_key(&s.region, &s.id), value: json(s) });
        }
        for t in self.refresh.values() {
            out.push(Record { key: model::refresh_key(&t.region, &t.token), value: json(t) });
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        fn parse<T: serde::de::DeserializeOwned>(value: &[u8]) -> Result<T, String> {
            serde_json::from_slice(value).map_err(|e| e.to_string())
        }
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["cognito-idp", _, "pool", id] => {
                let mut pool: Pool = parse(value)?;
                if let Some(old) = self.pools.remove(*id) {
                    pool.users = old.users;
                    pool.clients = old.clients;
                    pool.groups = old.groups;
                }
                self.pools.insert(id.to_string(), pool);
            }
            ["cognito-idp", _, "pool", id, kind, _] => {
                let pool = self.pools.get_mut(*id).ok_or("record before its pool")?;
                match *kind {
                    "client" => {
                        let c: AppClient = parse(value)?;
                        self.client_pool.insert(c.id.clone(), pool.id.clone());
                        pool.clients.insert(c.id.clone(), c);
                    }
                    "user" => {
                        let u: User = parse(value)?;
                        pool.users.insert(u.key.clone(), u);
                    }
                    "group" => {
                        let g: Group = parse(value)?;
                        pool.groups.insert(g.name.clone(), g);
                    }
                    _ => return Err("unknown Cognito record".into()),
                }
            }
            ["cognito-idp", _, "session", id] => {
                self.sessions.insert(id.to_string(), parse(value)?);
            }
            ["cognito-idp", _, "refresh", token] => {
                self.refresh.insert(token.to_string(), parse(value)?);
            }
            _ => return Err("unknown Cognito record".into()),
        }
        Ok(())
    }

    fn clear(&mut self) {
        *self = Cognito::default();
    }
}

#[cfg(test)]
mod tests;
