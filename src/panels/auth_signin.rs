//! The Auth panel's sign-in page, in the style of Cognito's hosted UI, for one app client: sign
//! up → "check your inbox" → code → confirm; sign in with SRP; a new password when Cognito asks
//! for one (NEW_PASSWORD_REQUIRED); forgot password; and, once signed in, the tokens decoded and
//! a refresh. Every call is recorded as a login flow ([`super::auth_flows`]).
//!
//! **SRP is computed in this page**: the client half of the engine's `srp.rs` (the same code
//! amazon-cognito-identity-js's math was checked against) is compiled into the UI's wasm, so the
//! password never leaves the page; the worker only sees SRP_A, then the HMAC signature. A client
//! with a secret gets its SECRET_HASH computed here too (the hosted UI does it on Cognito's side).
//!
//! The page's state (which screen, the username, the tokens) is kept per app client in the page,
//! so a visit to the Inbox to read a code comes back to the same screen.

use std::{cell::RefCell, collections::HashMap};

use gureum_engine::services::cognito::{crypto, srp};
use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    bridge::ApiError,
    panels::{
        auth_flows::{self, Actor, TokenView},
        form::bind_text,
    },
};

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Screen {
    #[default]
    SignIn,
    SignUp,
    Confirm,
    NewPassword,
    Forgot,
    ForgotConfirm,
    /// An MFA or custom challenge: SMS_MFA, SOFTWARE_TOKEN_MFA, MFA_SETUP, CUSTOM_CHALLENGE.
    Challenge,
    SignedIn,
}

/// Where the time of an SRP sign-in went (milliseconds of wall time in this page).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timing {
    pub a_ms: f64,
    pub initiate_ms: f64,
    pub key_ms: f64,
    pub respond_ms: f64,
    pub total_ms: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Saved {
    screen: Screen,
    username: String,
    /// Where the last code went (`a***@e***`).
    destination: String,
    session: String,
    tokens: Option<Value>,
    timing: Option<Timing>,
    /// (is an error, text)
    message: Option<(bool, String)>,
    /// The flow a multi-screen sequence (sign-up → confirm) is recorded in.
    flow: Option<u32>,
    /// The challenge asked (Screen::Challenge), its parameters, and an authenticator key being
    /// set up (MFA_SETUP).
    challenge: String,
    params: Value,
    totp_secret: String,
}

/// The challenges the page answers on its challenge screen.
const CHALLENGES: &[&str] = &["SMS_MFA", "SOFTWARE_TOKEN_MFA", "MFA_SETUP", "CUSTOM_CHALLENGE"];

/// The screen after an answer of InitiateAuth / RespondToAuthChallenge: signed in, a new
/// password, or a challenge for the user.
fn after_answer(v: &Value, cur: Saved, user: String, flow: u32) -> Saved {
    let name = v["ChallengeName"].as_str().unwrap_or_default().to_string();
    if v["AuthenticationResult"].is_object() {
        auth_flows::finish(flow, true);
        return Saved { screen: Screen::SignedIn, username: user, tokens: Some(v["AuthenticationResult"].clone()), message: None, flow: Some(flow), ..cur };
    }
    let session = v["Session"].as_str().unwrap_or_default().to_string();
    let username = v["ChallengeParameters"]["USER_ID_FOR_SRP"].as_str().or(v["ChallengeParameters"]["USERNAME"].as_str()).unwrap_or(&user).to_string();
    if name == "NEW_PASSWORD_REQUIRED" {
        return Saved {
            screen: Screen::NewPassword,
            username,
            session,
            message: Some((false, "Your administrator gave you a temporary password: choose your own to finish signing in.".into())),
            flow: Some(flow),
            ..cur
        };
    }
    if CHALLENGES.contains(&name.as_str()) {
        let hint = match name.as_str() {
            "SMS_MFA" => format!(
                "We sent a code by SMS to {} (it is in the Inbox, under the phone number).",
                v["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].as_str().unwrap_or("your phone")
            ),
            "SOFTWARE_TOKEN_MFA" => "Enter the 6-digit code your authenticator app shows now (TOTP, 30-second steps of the sandbox's clock).".into(),
            "MFA_SETUP" => "This pool requires MFA: set up an authenticator app to finish signing in.".into(),
            _ => "The pool's custom challenge (its Lambda triggers) asks:".into(),
        };
        return Saved {
            screen: Screen::Challenge,
            username,
            session,
            challenge: name,
            params: v["ChallengeParameters"].clone(),
            totp_secret: String::new(),
            message: Some((false, hint)),
            flow: Some(flow),
            ..cur
        };
    }
    auth_flows::finish(flow, false);
    Saved { message: Some((true, format!("Cognito asked for the {name} challenge, which this page does not handle."))), ..cur }
}

thread_local! {
    static PAGES: RefCell<HashMap<String, Saved>> = RefCell::new(HashMap::new());
    /// Pool id → (username, ID token) of the user signed in on its page, for the flows tab.
    static SIGNED_IN: RefCell<HashMap<String, (String, String)>> = RefCell::new(HashMap::new());
}

fn load(client: &str) -> Saved {
    PAGES.with(|p| p.borrow().get(client).cloned().unwrap_or_default())
}

fn put(state: &UseStateHandle<Saved>, client: &Client, s: Saved) {
    PAGES.with(|p| p.borrow_mut().insert(client.id.clone(), s.clone()));
    SIGNED_IN.with(|m| {
        let mut m = m.borrow_mut();
        match (&s.screen, s.tokens.as_ref().and_then(|t| t["IdToken"].as_str())) {
            (Screen::SignedIn, Some(t)) => {
                m.insert(client.pool_id.clone(), (s.username.clone(), t.to_string()));
            }
            _ => {
                if m.get(&client.pool_id).is_some_and(|(u, _)| *u == s.username) {
                    m.remove(&client.pool_id);
                }
            }
        }
    });
    state.set(s);
}

/// The user signed in on `pool`'s sign-in page and their ID token, if any.
pub fn signed_in(pool: &str) -> Option<(String, String)> {
    SIGNED_IN.with(|m| m.borrow().get(pool).cloned())
}

/// 128 bytes from the browser's `crypto.getRandomValues`.
fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut b);
    }
    b
}

fn message_of(e: &ApiError) -> String {
    e.message.clone()
}

/// The app client as DescribeUserPoolClient answers it, and its pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub pool_id: String,
    pub id: String,
    pub name: String,
    pub secret: Option<String>,
    pub flows: Vec<String>,
}

impl Client {
    pub fn from_json(c: &Value) -> Client {
        Client {
            pool_id: c["UserPoolId"].as_str().unwrap_or_default().to_string(),
            id: c["ClientId"].as_str().unwrap_or_default().to_string(),
            name: c["ClientName"].as_str().unwrap_or_default().to_string(),
            secret: c["ClientSecret"].as_str().map(str::to_string),
            flows: c["ExplicitAuthFlows"].as_array().map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect()).unwrap_or_default(),
        }
    }

    fn allows(&self, flow: &str) -> bool {
        self.flows.iter().any(|f| f == flow)
    }

    /// SECRET_HASH for `username`, when the client has a secret.
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.secret.as_ref().map(|s| crypto::secret_hash(s, username, &self.id))
    }

    fn with_hash(&self, mut params: Value, key: &str, username: &str) -> Value {
        if let Some(h) = self.secret_hash(username) {
            params[key] = json!(h);
        }
        params
    }
}

/// A full SRP sign-in from this page: the client half here, InitiateAuth and
/// RespondToAuthChallenge through the worker; every message recorded in `flow`.
///
/// `secret_bytes` is the size of the private value a: 128 bytes as amazon-cognito-identity-js
/// draws it, or 32 (a 256-bit exponent, the size RFC 3526 gives for this group's strength),
/// which makes the two exponentiations with a cheaper; Cognito accepts either.
pub async fn srp_sign_in(ctx: &Ctx, flow: u32, client: &Client, username: &str, password: &str, secret_bytes: usize) -> Result<(Value, Timing), ApiError> {
    let start = auth_flows::now_ms();
    let secret = random_bytes(secret_bytes);
    let srp_client = srp::Client::with_secret(&secret);
    let a_hex = srp_client.srp_a();
    let a_ms = auth_flows::now_ms() - start;
    auth_flows::note(flow, Actor::Browser, format!("a = {secret_bytes} random bytes; SRP_A = g^a mod N ({a_ms:.1} ms)"));
    let mut params = json!({ "USERNAME": username, "SRP_A": a_hex });
    if let Some(h) = client.secret_hash(username) {
        params["SECRET_HASH"] = json!(h);
    }
    let t = auth_flows::now_ms();
    let first = auth_flows::cognito(ctx, flow, "InitiateAuth", json!({ "AuthFlow": "USER_SRP_AUTH", "ClientId": client.id, "AuthParameters": params })).await?;
    let initiate_ms = auth_flows::now_ms() - t;
    if first["ChallengeName"] != "PASSWORD_VERIFIER" {
        let total_ms = auth_flows::now_ms() - start;
        return Ok((first, Timing { a_ms, initiate_ms, total_ms, ..Timing::default() }));
    }
    let cp = &first["ChallengeParameters"];
    let text = |k: &str| cp[k].as_str().unwrap_or_default().to_string();
    let (user_id, salt, big_b, block) = (text("USER_ID_FOR_SRP"), text("SALT"), text("SRP_B"), text("SECRET_BLOCK"));
    let pool_name = client.pool_id.split_once('_').map(|(_, n)| n).unwrap_or(&client.pool_id).to_string();
    let t = auth_flows::now_ms();
    let bad = || ApiError { kind: "SRP".into(), message: "Cognito's SRP_B or SALT is not a valid SRP value.".into() };
    let key = srp_client.key(&pool_name, &user_id, password, &salt, &big_b).ok_or_else(bad)?;
    let block_bytes = crypto::b64_decode(&block).ok_or_else(bad)?;
    let timestamp = srp::timestamp(js_sys::Date::now() as i64);
    let signature = crypto::b64(&srp::claim_signature(&key, &pool_name, &user_id, &block_bytes, &timestamp));
    let key_ms = auth_flows::now_ms() - t;
    auth_flows::note(flow, Actor::Browser, format!("S = (B − k·g^x)^(a+u·x), K = HKDF(S), signature = HMAC(K, …) ({key_ms:.1} ms)"));
    let mut responses = json!({ "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block, "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp });
    if let Some(h) = client.secret_hash(&user_id) {
        responses["SECRET_HASH"] = json!(h);
    }
    let mut request = json!({ "ChallengeName": "PASSWORD_VERIFIER", "ClientId": client.id, "ChallengeResponses": responses });
    if let Some(s) = first["Session"].as_str() {
        request["Session"] = json!(s);
    }
    let t = auth_flows::now_ms();
    let answer = auth_flows::cognito(ctx, flow, "RespondToAuthChallenge", request).await?;
    let respond_ms = auth_flows::now_ms() - t;
    let total_ms = auth_flows::now_ms() - start;
    Ok((answer, Timing { a_ms, initiate_ms, key_ms, respond_ms, total_ms }))
}

#[derive(Properties, PartialEq)]
pub struct PageProps {
    pub pool: Value,
    pub client: Client,
}

/// The hosted-UI-style card for one app client.
#[function_component(SignInPage)]
pub fn sign_in_page(p: &PageProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let client = p.client.clone();
    let state = use_state(|| load(&client.id));
    let username = use_state(|| state.username.clone());
    let email = use_state(String::new);
    let password = use_state(String::new);
    let code = use_state(String::new);
    let new_password = use_state(String::new);
    let busy = use_state(|| false);
    let secret_bytes = use_state(|| 128usize);
    let pool_id = p.pool["Id"].as_str().unwrap_or_default().to_string();
    let email_username = p.pool["UsernameAttributes"].as_array().is_some_and(|a| a.iter().any(|x| x == "email"));
    let pool_name = p.pool["Name"].as_str().unwrap_or_default().to_string();

    let go = |screen: Screen| {
        let (state, c) = (state.clone(), client.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            put(&state, &c, Saved { screen, message: None, ..(*state).clone() });
        })
    };

    // Runs `work` with the page marked busy; `work` answers the next saved state.
    let run = {
        let (busy, state, c) = (busy.clone(), state.clone(), client.clone());
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = Saved>>>| {
            let (busy, state, c) = (busy.clone(), state.clone(), c.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let next = fut.await;
                put(&state, &c, next);
                busy.set(false);
            });
        }
    };

    let sign_in = {
        let (ctx, client, username, password, state, run, pool_id, size) =
            (ctx.clone(), client.clone(), username.clone(), password.clone(), state.clone(), run.clone(), pool_id.clone(), *secret_bytes);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, user, pass, cur, pool_id) = (ctx.clone(), client.clone(), username.trim().to_string(), (*password).clone(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let flow = auth_flows::start(&pool_id, &format!("Sign-in with SRP: {user}"));
                match srp_sign_in(&ctx, flow, &client, &user, &pass, size).await {
                    Ok((v, timing)) if v["AuthenticationResult"].is_object() => {
                        auth_flows::finish(flow, true);
                        Saved {
                            screen: Screen::SignedIn,
                            username: user,
                            tokens: Some(v["AuthenticationResult"].clone()),
                            timing: Some(timing),
                            message: None,
                            flow: Some(flow),
                            ..cur
                        }
                    }
                    Ok((v, timing)) if v["ChallengeName"] == "NEW_PASSWORD_REQUIRED" => Saved {
                        screen: Screen::NewPassword,
                        username: v["ChallengeParameters"]["USER_ID_FOR_SRP"].as_str().unwrap_or(&user).to_string(),
                        session: v["Session"].as_str().unwrap_or_default().to_string(),
                        timing: Some(timing),
                        message: Some((false, "Your administrator gave you a temporary password: choose your own to finish signing in.".into())),
                        flow: Some(flow),
                        ..cur
                    },
                    Ok((v, timing)) => after_answer(&v, Saved { timing: Some(timing), ..cur }, user, flow),
                    Err(e) => {
                        auth_flows::finish(flow, false);
                        if e.kind.ends_with("UserNotConfirmedException") {
                            Saved {
                                screen: Screen::Confirm,
                                username: user,
                                message: Some((true, "Your account is not confirmed yet: enter the code we sent you.".into())),
                                flow: Some(flow),
                                ..cur
                            }
                        } else {
                            Saved { message: Some((true, message_of(&e))), ..cur }
                        }
                    }
                }
            }));
        })
    };

    let sign_up = {
        let (ctx, client, username, email, password, state, run, pool_id) =
            (ctx.clone(), client.clone(), username.clone(), email.clone(), password.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, user, mail, pass, cur, pool_id) =
                (ctx.clone(), client.clone(), username.trim().to_string(), email.trim().to_string(), (*password).clone(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let flow = auth_flows::start(&pool_id, &format!("Sign-up → code → confirm: {user}"));
                let attrs = if email_username || mail.is_empty() { json!([]) } else { json!([{ "Name": "email", "Value": mail }]) };
                let req = client.with_hash(json!({ "ClientId": client.id, "Username": user, "Password": pass, "UserAttributes": attrs }), "SecretHash", &user);
                match auth_flows::cognito(&ctx, flow, "SignUp", req).await {
                    Ok(v) => {
                        auth_flows::delivered(flow, &v["CodeDeliveryDetails"]);
                        if v["UserConfirmed"] == true {
                            auth_flows::finish(flow, true);
                            Saved { screen: Screen::SignIn, username: user, message: Some((false, "Your account is confirmed: sign in.".into())), ..cur }
                        } else if v["CodeDeliveryDetails"].is_object() {
                            Saved {
                                screen: Screen::Confirm,
                                username: user,
                                destination: v["CodeDeliveryDetails"]["Destination"].as_str().unwrap_or_default().to_string(),
                                message: None,
                                flow: Some(flow),
                                ..cur
                            }
                        } else {
                            auth_flows::note(flow, Actor::Cognito, "no code sent: the pool verifies no attribute automatically");
                            auth_flows::finish(flow, true);
                            Saved {
                                screen: Screen::SignIn,
                                username: user,
                                message: Some((
                                    false,
                                    "Signed up. This pool sends no code (no auto-verified attribute): an administrator must confirm you (Users tab → Confirm).".into(),
                                )),
                                ..cur
                            }
                        }
                    }
                    Err(e) => {
                        auth_flows::finish(flow, false);
                        Saved { message: Some((true, message_of(&e))), ..cur }
                    }
                }
            }));
        })
    };

    let confirm = {
        let (ctx, client, code, state, run, pool_id) = (ctx.clone(), client.clone(), code.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, code, cur, pool_id) = (ctx.clone(), client.clone(), code.trim().to_string(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let user = cur.username.clone();
                let flow = cur.flow.unwrap_or_else(|| auth_flows::start(&pool_id, &format!("Confirm sign-up: {user}")));
                auth_flows::note(flow, Actor::Browser, format!("the user reads the code in the Inbox and types {code}"));
                let req = client.with_hash(json!({ "ClientId": client.id, "Username": user, "ConfirmationCode": code }), "SecretHash", &user);
                match auth_flows::cognito(&ctx, flow, "ConfirmSignUp", req).await {
                    Ok(_) => {
                        auth_flows::finish(flow, true);
                        Saved { screen: Screen::SignIn, message: Some((false, "Your account is confirmed. Sign in with your password.".into())), flow: None, ..cur }
                    }
                    Err(e) => Saved { message: Some((true, message_of(&e))), ..cur },
                }
            }));
        })
    };

    let resend = {
        let (ctx, client, state, run, pool_id) = (ctx.clone(), client.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let (ctx, client, cur, pool_id) = (ctx.clone(), client.clone(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let user = cur.username.clone();
                let flow = cur.flow.unwrap_or_else(|| auth_flows::start(&pool_id, &format!("Sign-up → code → confirm: {user}")));
                let req = client.with_hash(json!({ "ClientId": client.id, "Username": user }), "SecretHash", &user);
                match auth_flows::cognito(&ctx, flow, "ResendConfirmationCode", req).await {
                    Ok(v) => {
                        auth_flows::delivered(flow, &v["CodeDeliveryDetails"]);
                        Saved {
                            destination: v["CodeDeliveryDetails"]["Destination"].as_str().unwrap_or_default().to_string(),
                            message: Some((false, "A new code is on its way.".into())),
                            flow: Some(flow),
                            ..cur
                        }
                    }
                    Err(e) => Saved { message: Some((true, message_of(&e))), ..cur },
                }
            }));
        })
    };

    let set_new_password = {
        let (ctx, client, new_password, state, run, pool_id) = (ctx.clone(), client.clone(), new_password.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, pass, cur, pool_id) = (ctx.clone(), client.clone(), (*new_password).clone(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let user = cur.username.clone();
                let flow = cur.flow.unwrap_or_else(|| auth_flows::start(&pool_id, &format!("New password: {user}")));
                let responses = client.with_hash(json!({ "USERNAME": user, "NEW_PASSWORD": pass }), "SECRET_HASH", &user);
                let req = json!({ "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": client.id, "Session": cur.session, "ChallengeResponses": responses });
                match auth_flows::cognito(&ctx, flow, "RespondToAuthChallenge", req).await {
                    Ok(v) => after_answer(&v, cur, user, flow),
                    Err(e) => Saved { message: Some((true, message_of(&e))), ..cur },
                }
            }));
        })
    };

    let answer_challenge = {
        let (ctx, client, code, state, run, pool_id) = (ctx.clone(), client.clone(), code.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, answer, cur, pool_id) = (ctx.clone(), client.clone(), code.trim().to_string(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let user = cur.username.clone();
                let flow = cur.flow.unwrap_or_else(|| auth_flows::start(&pool_id, &format!("Sign-in challenge: {user}")));
                let mut session = cur.session.clone();
                if cur.challenge == "MFA_SETUP" {
                    if cur.totp_secret.is_empty() {
                        return match auth_flows::cognito(&ctx, flow, "AssociateSoftwareToken", json!({ "Session": session })).await {
                            Ok(v) => Saved {
                                totp_secret: v["SecretCode"].as_str().unwrap_or_default().to_string(),
                                session: v["Session"].as_str().unwrap_or(&session).to_string(),
                                message: Some((false, "Add this key to your authenticator app (or compute the code with RFC 6238), then enter the code it shows.".into())),
                                ..cur
                            },
                            Err(e) => Saved { message: Some((true, message_of(&e))), ..cur },
                        };
                    }
                    match auth_flows::cognito(&ctx, flow, "VerifySoftwareToken", json!({ "Session": session, "UserCode": answer, "FriendlyDeviceName": "sandbox" })).await {
                        Ok(v) => session = v["Session"].as_str().unwrap_or(&session).to_string(),
                        Err(e) => return Saved { message: Some((true, message_of(&e))), ..cur },
                    }
                }
                let responses = match cur.challenge.as_str() {
                    "SMS_MFA" => json!({ "USERNAME": user, "SMS_MFA_CODE": answer }),
                    "SOFTWARE_TOKEN_MFA" => json!({ "USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": answer }),
                    "CUSTOM_CHALLENGE" => json!({ "USERNAME": user, "ANSWER": answer }),
                    _ => json!({ "USERNAME": user }),
                };
                let responses = client.with_hash(responses, "SECRET_HASH", &user);
                let req = json!({ "ChallengeName": cur.challenge, "ClientId": client.id, "Session": session, "ChallengeResponses": responses });
                match auth_flows::cognito(&ctx, flow, "RespondToAuthChallenge", req).await {
                    Ok(v) => after_answer(&v, cur, user, flow),
                    Err(e) => Saved { message: Some((true, message_of(&e))), session, ..cur },
                }
            }));
        })
    };

    let forgot = {
        let (ctx, client, username, state, run, pool_id) = (ctx.clone(), client.clone(), username.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, user, cur, pool_id) = (ctx.clone(), client.clone(), username.trim().to_string(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let flow = auth_flows::start(&pool_id, &format!("Forgot password: {user}"));
                let req = client.with_hash(json!({ "ClientId": client.id, "Username": user }), "SecretHash", &user);
                match auth_flows::cognito(&ctx, flow, "ForgotPassword", req).await {
                    Ok(v) => {
                        auth_flows::delivered(flow, &v["CodeDeliveryDetails"]);
                        Saved {
                            screen: Screen::ForgotConfirm,
                            username: user,
                            destination: v["CodeDeliveryDetails"]["Destination"].as_str().unwrap_or_default().to_string(),
                            message: None,
                            flow: Some(flow),
                            ..cur
                        }
                    }
                    Err(e) => {
                        auth_flows::finish(flow, false);
                        Saved { message: Some((true, message_of(&e))), ..cur }
                    }
                }
            }));
        })
    };

    let forgot_confirm = {
        let (ctx, client, code, new_password, state, run, pool_id) = (ctx.clone(), client.clone(), code.clone(), new_password.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, client, code, pass, cur, pool_id) = (ctx.clone(), client.clone(), code.trim().to_string(), (*new_password).clone(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let user = cur.username.clone();
                let flow = cur.flow.unwrap_or_else(|| auth_flows::start(&pool_id, &format!("Forgot password: {user}")));
                auth_flows::note(flow, Actor::Browser, format!("the user reads the code in the Inbox and types {code}"));
                let req = client.with_hash(json!({ "ClientId": client.id, "Username": user, "ConfirmationCode": code, "Password": pass }), "SecretHash", &user);
                match auth_flows::cognito(&ctx, flow, "ConfirmForgotPassword", req).await {
                    Ok(_) => {
                        auth_flows::finish(flow, true);
                        Saved { screen: Screen::SignIn, message: Some((false, "Password changed. Sign in with the new one.".into())), flow: None, ..cur }
                    }
                    Err(e) => Saved { message: Some((true, message_of(&e))), ..cur },
                }
            }));
        })
    };

    let refresh = {
        let (ctx, client, state, run, pool_id) = (ctx.clone(), client.clone(), state.clone(), run.clone(), pool_id.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, client, cur, pool_id) = (ctx.clone(), client.clone(), (*state).clone(), pool_id.clone());
            run(Box::pin(async move {
                let tokens = cur.tokens.clone().unwrap_or_default();
                let refresh_token = tokens["RefreshToken"].as_str().unwrap_or_default().to_string();
                // SECRET_HASH on refresh is computed with the user's internal username (cognito:username).
                let internal = auth_flows::decode_jwt(tokens["IdToken"].as_str().unwrap_or_default())
                    .and_then(|(_, c)| c["cognito:username"].as_str().map(str::to_string))
                    .unwrap_or_else(|| cur.username.clone());
                let flow = auth_flows::start(&pool_id, &format!("Refresh: {}", cur.username));
                let params = client.with_hash(json!({ "REFRESH_TOKEN": refresh_token }), "SECRET_HASH", &internal);
                match auth_flows::cognito(&ctx, flow, "InitiateAuth", json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client.id, "AuthParameters": params })).await {
                    Ok(v) => {
                        auth_flows::finish(flow, true);
                        let mut t = v["AuthenticationResult"].clone();
                        t["RefreshToken"] = json!(refresh_token);
                        Saved { tokens: Some(t), message: Some((false, "New ID and access tokens, from the refresh token.".into())), ..cur }
                    }
                    Err(e) => {
                        auth_flows::finish(flow, false);
                        Saved { message: Some((true, message_of(&e))), ..cur }
                    }
                }
            }));
        })
    };

    let sign_out = {
        let (state, c, password) = (state.clone(), client.clone(), password.clone());
        Callback::from(move |_: MouseEvent| {
            password.set(String::new());
            put(&state, &c, Saved { screen: Screen::SignIn, username: state.username.clone(), ..Saved::default() });
        })
    };

    let s = &*state;
    let user_label = if email_username { "Email" } else { "Username" };
    let field = |id: &str, label: &str, kind: &str, value: &UseStateHandle<String>, auto: &str| {
        html! {
            <div class="hui-field">
                <label for={id.to_string()}>{ label.to_string() }</label>
                <input id={id.to_string()} type={kind.to_string()} autocomplete={auto.to_string()} required=true value={(**value).clone()} oninput={bind_text(value)} />
            </div>
        }
    };
    let inbox_link = html! { <a href="#/inbox" class="hui-inbox">{ "Open the Inbox ✉" }</a> };
    let body = match s.screen {
        Screen::SignIn => html! {
            <form onsubmit={sign_in} aria-label="Sign in">
                <h3>{ "Sign in to your account" }</h3>
                { field("hui-user", user_label, "text", &username, "username") }
                { field("hui-pass", "Password", "password", &password, "current-password") }
                <p class="hui-link"><a href="#" onclick={go(Screen::Forgot)}>{ "Forgot your password?" }</a></p>
                <button class="hui-submit" type="submit" disabled={*busy || !client.allows("ALLOW_USER_SRP_AUTH")}>{ if *busy { "Signing in…" } else { "Sign in" } }</button>
                if !client.allows("ALLOW_USER_SRP_AUTH") {
                    <p class="hui-error">{ "This app client does not allow ALLOW_USER_SRP_AUTH, the flow this page signs in with. Pick another client, or create one with SRP." }</p>
                }
                <p class="hui-alt">{ "Need an account? " }<a href="#" onclick={go(Screen::SignUp)}>{ "Sign up" }</a></p>
            </form>
        },
        Screen::SignUp => html! {
            <form onsubmit={sign_up} aria-label="Sign up">
                <h3>{ "Sign up with a new account" }</h3>
                { field("hui-user", user_label, if email_username { "email" } else { "text" }, &username, "username") }
                if !email_username {
                    { field("hui-email", "Email", "email", &email, "email") }
                }
                { field("hui-pass", "Password", "password", &password, "new-password") }
                <button class="hui-submit" type="submit" disabled={*busy}>{ if *busy { "Signing up…" } else { "Sign up" } }</button>
                <p class="hui-alt">{ "Already have an account? " }<a href="#" onclick={go(Screen::SignIn)}>{ "Sign in" }</a></p>
            </form>
        },
        Screen::Confirm => html! {
            <form onsubmit={confirm} aria-label="Confirm account">
                <h3>{ "Confirm your account" }</h3>
                <p class="hui-check">
                    { "Check your inbox: we sent a code" }
                    if !s.destination.is_empty() { { format!(" to {}", s.destination) } }
                    { ". " }{ inbox_link.clone() }
                </p>
                <div class="hui-field"><label>{ user_label }</label><input value={s.username.clone()} disabled=true /></div>
                { field("hui-code", "Verification code", "text", &code, "one-time-code") }
                <button class="hui-submit" type="submit" disabled={*busy}>{ "Confirm account" }</button>
                <p class="hui-alt">{ "Didn't receive a code? " }<a href="#" onclick={resend}>{ "Send a new code" }</a></p>
            </form>
        },
        Screen::NewPassword => html! {
            <form onsubmit={set_new_password} aria-label="Change password">
                <h3>{ "Change your password" }</h3>
                { field("hui-newpass", "New password", "password", &new_password, "new-password") }
                <button class="hui-submit" type="submit" disabled={*busy}>{ "Send" }</button>
            </form>
        },
        Screen::Challenge => {
            let setup = s.challenge == "MFA_SETUP" && s.totp_secret.is_empty();
            let label = match s.challenge.as_str() {
                "CUSTOM_CHALLENGE" => "Answer",
                "SMS_MFA" => "SMS code",
                _ => "Authenticator code",
            };
            html! {
                <form onsubmit={answer_challenge} aria-label="Challenge">
                    <h3>{ match s.challenge.as_str() { "CUSTOM_CHALLENGE" => "One more step", "MFA_SETUP" => "Set up MFA", _ => "Multi-factor authentication" } }</h3>
                    if s.challenge == "CUSTOM_CHALLENGE" {
                        <dl class="hui-params">
                            { for s.params.as_object().into_iter().flatten().filter(|(k, _)| *k != "USERNAME").map(|(k, v)| html! { <><dt>{ k }</dt><dd>{ v.as_str().unwrap_or_default() }</dd></> }) }
                        </dl>
                    }
                    if s.challenge == "SMS_MFA" { <p class="hui-check">{ inbox_link.clone() }</p> }
                    if !s.totp_secret.is_empty() {
                        <p class="hui-check">{ "Key: " }<code class="totp-secret">{ &s.totp_secret }</code></p>
                        <p class="hui-check muted"><code>{ format!("otpauth://totp/{}?secret={}&issuer=Gureum", s.username, s.totp_secret) }</code></p>
                    }
                    if !setup { { field("hui-code", label, "text", &code, "one-time-code") } }
                    <button class="hui-submit" type="submit" disabled={*busy}>{ if setup { "Get a key for my authenticator" } else { "Send" } }</button>
                    <p class="hui-alt"><a href="#" onclick={go(Screen::SignIn)}>{ "Back to sign in" }</a></p>
                </form>
            }
        }
        Screen::Forgot => html! {
            <form onsubmit={forgot} aria-label="Forgot password">
                <h3>{ "Forgot your password?" }</h3>
                <p class="hui-check">{ "Enter your username and we will send you a code to reset your password." }</p>
                { field("hui-user", user_label, "text", &username, "username") }
                <button class="hui-submit" type="submit" disabled={*busy}>{ "Reset my password" }</button>
                <p class="hui-alt"><a href="#" onclick={go(Screen::SignIn)}>{ "Back to sign in" }</a></p>
            </form>
        },
        Screen::ForgotConfirm => html! {
            <form onsubmit={forgot_confirm} aria-label="Reset password">
                <h3>{ "Reset your password" }</h3>
                <p class="hui-check">
                    { "We sent a code" }
                    if !s.destination.is_empty() { { format!(" to {}", s.destination) } }
                    { ". " }{ inbox_link.clone() }
                </p>
                { field("hui-code", "Code", "text", &code, "one-time-code") }
                { field("hui-newpass", "New password", "password", &new_password, "new-password") }
                <button class="hui-submit" type="submit" disabled={*busy}>{ "Change password" }</button>
            </form>
        },
        Screen::SignedIn => html! {
            <div aria-label="Signed in">
                <h3>{ format!("Signed in as {}", s.username) }</h3>
                if let Some(t) = &s.timing {
                    <p class="srp-timing" data-total-ms={format!("{:.2}", t.total_ms)} data-a-ms={format!("{:.2}", t.a_ms)} data-key-ms={format!("{:.2}", t.key_ms)}
                        data-initiate-ms={format!("{:.2}", t.initiate_ms)} data-respond-ms={format!("{:.2}", t.respond_ms)}>
                        { format!("SRP sign-in in {:.1} ms: SRP_A {:.1} ms and the session key {:.1} ms in this page, InitiateAuth {:.1} ms and RespondToAuthChallenge {:.1} ms in the engine's worker.", t.total_ms, t.a_ms, t.key_ms, t.initiate_ms, t.respond_ms) }
                    </p>
                }
                <div class="actions">
                    <button class="btn" onclick={refresh} disabled={*busy || s.tokens.as_ref().is_none_or(|t| !t["RefreshToken"].is_string())}>{ "Refresh tokens" }</button>
                    <button class="btn" onclick={sign_out}>{ "Sign out" }</button>
                </div>
            </div>
        },
    };
    html! {
        <div class="signin-page">
            <div class="hosted-ui">
                <div class="hui-banner">{ pool_name.clone() }<span>{ format!(" · {}", client.name) }</span></div>
                <div class="hui-body">
                    if let Some((bad, m)) = &s.message {
                        <p class={if *bad { "hui-error" } else { "hui-info" }} role={if *bad { "alert" } else { "status" }}>{ m }</p>
                    }
                    { body }
                </div>
            </div>
            if s.screen == Screen::SignIn {
                <label class="srp-size">
                    { "SRP private value a: " }
                    <select aria-label="SRP secret size" onchange={let b = secret_bytes.clone(); Callback::from(move |e: Event| b.set(crate::panels::functions::select_value(&e).parse().unwrap_or(128)))}>
                        <option value="128" selected={*secret_bytes == 128}>{ "128 random bytes, as amazon-cognito-identity-js" }</option>
                        <option value="32" selected={*secret_bytes == 32}>{ "32 random bytes (a 256-bit exponent, RFC 3526's size for this group): faster" }</option>
                    </select>
                </label>
            }
            if s.screen == Screen::SignedIn {
                if let Some(t) = &s.tokens {
                    <div class="tokens" aria-label="Tokens">
                        { for auth_flows::tokens_in(&json!({ "AuthenticationResult": t })).into_iter().map(|(label, tok)| html! { <TokenView label={label.to_string()} token={tok} /> }) }
                        if let Some(r) = t["RefreshToken"].as_str() {
                            <TokenView label="Refresh token" token={r.to_string()} />
                        }
                    </div>
                }
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TabProps {
    pub pool: Value,
    pub clients: Vec<Value>,
}

/// The Sign-in tab: pick an app client, then its page.
#[function_component(SignInTab)]
pub fn sign_in_tab(p: &TabProps) -> Html {
    let chosen = use_state(|| None::<String>);
    let clients: Vec<Client> = p.clients.iter().map(Client::from_json).collect();
    let current = (*chosen)
        .clone()
        .and_then(|id| clients.iter().find(|c| c.id == id).cloned())
        .or_else(|| clients.iter().find(|c| c.allows("ALLOW_USER_SRP_AUTH")).cloned())
        .or_else(|| clients.first().cloned());
    html! {
        <div class="signin-tab">
            <p class="hint">
                { "A sign-in page of our own, in the style of Cognito's hosted UI. The SRP math runs " }<strong>{ "in this page" }</strong>
                { " (the password never leaves it); every call is drawn in " }<strong>{ "Login flows" }</strong>{ ". Codes arrive in the " }<a href="#/inbox">{ "Inbox" }</a>{ "." }
            </p>
            if clients.is_empty() {
                <div class="empty-state"><p>{ "This pool has no app client yet. Create one in the App clients tab (keep ALLOW_USER_SRP_AUTH on)." }</p></div>
            } else {
                <label class="field inline">
                    <span>{ "App client" }</span>
                    <select aria-label="App client" onchange={let c = chosen.clone(); Callback::from(move |e: Event| c.set(Some(crate::panels::functions::select_value(&e))))}>
                        { for clients.iter().map(|c| html! { <option value={c.id.clone()} selected={current.as_ref().is_some_and(|x| x.id == c.id)}>{ format!("{} ({}){}", c.name, c.id, if c.secret.is_some() { ", with secret" } else { "" }) }</option> }) }
                    </select>
                </label>
                if let Some(c) = current {
                    <SignInPage key={c.id.clone()} pool={p.pool.clone()} client={c.clone()} />
                }
            }
        </div>
    }
}
