//! The Auth panel's login flows: every call the sign-in page makes (and every flow run from the
//! Login flows tab) is recorded here as it happens, and drawn as a sequence diagram (Browser ⇄
//! API Gateway ⇄ Cognito ⇄ Inbox). Each arrow is a real request or response; a click shows its
//! JSON, and tokens in it decoded ([`TokenView`]: header, claims, the signature checked with
//! the pool's JWKS by the engine's `cognito-idp:VerifyToken`, expiry on the simulated clock).
//!
//! The recording lives in the page (a thread-local store), so it survives a visit to the Inbox
//! to read a code; it is not part of the sandbox and is gone on reload.

use std::cell::RefCell;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, bridge::ApiError};

/// A participant of a flow, in the diagram's left-to-right order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Actor {
    Browser,
    ApiGateway,
    Cognito,
    Inbox,
}

impl Actor {
    pub fn label(self) -> &'static str {
        match self {
            Actor::Browser => "Browser (this page)",
            Actor::ApiGateway => "API Gateway",
            Actor::Cognito => "Cognito user pool",
            Actor::Inbox => "Inbox (email / SMS)",
        }
    }
}

/// One step of a flow.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// A request and its answer: two arrows.
    Call { from: Actor, to: Actor, label: String, request: Value, response: Result<Value, ApiError>, ms: f64 },
    /// A one-way message (Cognito's code delivered to the inbox).
    Send { from: Actor, to: Actor, label: String, body: Value },
    /// Work done at one participant (the SRP math in the page, the user typing a code).
    Note { at: Actor, text: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub id: u32,
    pub pool: String,
    pub title: String,
    pub steps: Vec<Step>,
    /// `None` while running; then whether it ended well.
    pub ok: Option<bool>,
}

#[derive(Default)]
struct Store {
    flows: Vec<Flow>,
    next: u32,
    listeners: Vec<(u32, Callback<()>)>,
    next_listener: u32,
}

thread_local! {
    static STORE: RefCell<Store> = RefCell::new(Store::default());
}

fn changed() {
    let listeners: Vec<Callback<()>> = STORE.with(|s| s.borrow().listeners.iter().map(|(_, c)| c.clone()).collect());
    for l in listeners {
        l.emit(());
    }
}

/// Starts a flow for `pool`; answers its id.
pub fn start(pool: &str, title: &str) -> u32 {
    let id = STORE.with(|s| {
        let mut s = s.borrow_mut();
        s.next += 1;
        let id = s.next;
        s.flows.push(Flow { id, pool: pool.to_string(), title: title.to_string(), steps: Vec::new(), ok: None });
        // The page keeps the last 50 flows.
        let len = s.flows.len();
        if len > 50 {
            s.flows.drain(..len - 50);
        }
        id
    });
    changed();
    id
}

pub fn record(flow: u32, step: Step) {
    STORE.with(|s| {
        if let Some(f) = s.borrow_mut().flows.iter_mut().find(|f| f.id == flow) {
            f.steps.push(step);
        }
    });
    changed();
}

pub fn note(flow: u32, at: Actor, text: impl Into<String>) {
    record(flow, Step::Note { at, text: text.into() });
}

pub fn finish(flow: u32, ok: bool) {
    STORE.with(|s| {
        if let Some(f) = s.borrow_mut().flows.iter_mut().find(|f| f.id == flow) {
            f.ok = Some(ok);
        }
    });
    changed();
}

/// The flows recorded for `pool`, newest first.
pub fn flows_of(pool: &str) -> Vec<Flow> {
    STORE.with(|s| s.borrow().flows.iter().rev().filter(|f| f.pool == pool).cloned().collect())
}

pub fn clear(pool: &str) {
    STORE.with(|s| s.borrow_mut().flows.retain(|f| f.pool != pool));
    changed();
}

/// The flows of `pool`, re-rendering the component whenever one changes.
#[hook]
pub fn use_flows(pool: &str) -> Vec<Flow> {
    let update = use_force_update();
    use_effect_with((), move |_| {
        let id = STORE.with(|s| {
            let mut s = s.borrow_mut();
            s.next_listener += 1;
            let id = s.next_listener;
            s.listeners.push((id, Callback::from(move |_| update.force_update())));
            id
        });
        move || STORE.with(|s| s.borrow_mut().listeners.retain(|(i, _)| *i != id))
    });
    flows_of(pool)
}

pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

/// A Cognito call from the browser, recorded in `flow`.
pub async fn cognito(ctx: &Ctx, flow: u32, operation: &str, input: Value) -> Result<Value, ApiError> {
    let t = now_ms();
    let out = ctx.bridge.send("cognito-idp", operation, input.clone()).await;
    record(flow, Step::Call { from: Actor::Browser, to: Actor::Cognito, label: operation.to_string(), request: input, response: out.clone(), ms: now_ms() - t });
    out
}

/// A code delivery as Cognito reports it (`CodeDeliveryDetails`), drawn as Cognito → Inbox.
pub fn delivered(flow: u32, details: &Value) {
    if details.is_object() {
        let medium = details["DeliveryMedium"].as_str().unwrap_or("EMAIL");
        let label = format!("code by {} to {}", if medium == "SMS" { "SMS" } else { "email" }, details["Destination"].as_str().unwrap_or("?"));
        record(flow, Step::Send { from: Actor::Cognito, to: Actor::Inbox, label, body: details.clone() });
    }
}

/// The parts of a JWT: header and claims decoded (no check).
pub fn decode_jwt(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (h, c, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let part = |p: &str| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok()).filter(Value::is_object);
    Some((part(h)?, part(c)?))
}

/// The tokens an answer carries (AuthenticationResult), by name.
pub fn tokens_in(v: &Value) -> Vec<(&'static str, String)> {
    let r = &v["AuthenticationResult"];
    [("IdToken", "ID token"), ("AccessToken", "Access token")].iter().filter_map(|(k, label)| r[*k].as_str().map(|t| (*label, t.to_string()))).collect()
}

/// Epoch seconds as `YYYY-MM-DD HH:MM:SS UTC`.
fn utc(s: i64) -> String {
    let iso = gureum_engine::kernel::time::iso8601(s * 1000);
    format!("{} UTC", iso.get(..19).unwrap_or(&iso).replace('T', " "))
}

fn duration(secs: i64) -> String {
    let a = secs.abs();
    let text = if a >= 3600 {
        format!("{} h {} min", a / 3600, a % 3600 / 60)
    } else if a >= 60 {
        format!("{} min {} s", a / 60, a % 60)
    } else {
        format!("{a} s")
    };
    text
}

#[derive(Properties, PartialEq)]
pub struct TokenProps {
    pub label: String,
    pub token: String,
}

/// A JWT decoded: header, claims, the engine's signature check, expiry on the simulated clock.
#[function_component(TokenView)]
pub fn token_view(p: &TokenProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let check = use_state(|| None::<Result<(), String>>);
    let clock = use_state(|| None::<i64>);
    let open = use_state(|| false);
    let decoded = decode_jwt(&p.token);
    let token_use = decoded.as_ref().and_then(|(_, c)| c["token_use"].as_str().map(str::to_string));
    {
        let (ctx2, check, clock, token) = (ctx.clone(), check.clone(), clock.clone(), p.token.clone());
        use_effect_with((p.token.clone(), ctx.version), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut input = json!({ "Token": token });
                if let Some(u) = token_use {
                    input["TokenUse"] = json!(u);
                }
                match ctx2.bridge.sim("cognito-idp:VerifyToken", input).await {
                    Ok(_) => check.set(Some(Ok(()))),
                    Err(e) => check.set(Some(Err(e.message))),
                }
                if let Ok(c) = ctx2.bridge.sim("GetClock", json!({})).await {
                    clock.set(c["now"].as_i64());
                }
            });
            || ()
        });
    }
    let Some((header, claims)) = decoded else {
        return html! { <div class="jwt"><h4>{ &p.label }</h4><p class="muted">{ "Not a JWT: an opaque value, meaningful only to Cognito." }</p><code class="jwt-raw">{ &p.token }</code></div> };
    };
    let mut parts = p.token.splitn(3, '.');
    let (h, c, s) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let exp = claims["exp"].as_i64();
    let expiry = match (exp, *clock) {
        (Some(e), Some(now)) => {
            let left = e - now / 1000;
            if left > 0 {
                html! { <span class="badge ok">{ format!("expires in {} (simulated clock), at {}", duration(left), utc(e)) }</span> }
            } else {
                html! { <span class="badge deleting">{ format!("expired {} ago (simulated clock)", duration(left)) }</span> }
            }
        }
        (Some(e), None) => html! { <span class="badge">{ format!("expires at {}", utc(e)) }</span> },
        _ => html! {},
    };
    let verdict = match &*check {
        None => html! { <span class="badge">{ "checking the signature…" }</span> },
        Some(Ok(())) => {
            html! { <span class="badge ok sig-ok">{ format!("signature valid: {} with key {} of the pool's JWKS", header["alg"].as_str().unwrap_or("?"), header["kid"].as_str().unwrap_or("?")) }</span> }
        }
        Some(Err(m)) => html! { <span class="badge deleting sig-bad">{ format!("rejected: {m}") }</span> },
    };
    html! {
        <div class="jwt" aria-label={p.label.clone()}>
            <div class="jwt-head">
                <h4>{ &p.label }</h4>
                { verdict }
                { expiry }
                <button class="btn small" onclick={let o = open.clone(); Callback::from(move |_| o.set(!*o))}>{ if *open { "Hide encoded" } else { "Show encoded" } }</button>
            </div>
            if *open {
                <p class="jwt-raw"><span class="jwt-h">{ h }</span>{ "." }<span class="jwt-c">{ c }</span>{ "." }<span class="jwt-s">{ s }</span></p>
            }
            <div class="jwt-parts">
                <div><h5>{ "Header" }</h5><pre>{ serde_json::to_string_pretty(&header).unwrap_or_default() }</pre></div>
                <div>
                    <h5>{ "Claims" }</h5>
                    <table class="claims">
                        <tbody>
                            { for claims.as_object().into_iter().flatten().map(|(k, v)| {
                                let shown = match (k.as_str(), v.as_i64()) {
                                    ("exp" | "iat" | "auth_time", Some(t)) => format!("{t}  ({})", utc(t)),
                                    _ => match v { Value::String(s) => s.clone(), other => other.to_string() },
                                };
                                html! { <tr><th>{ k }</th><td>{ shown }</td></tr> }
                            }) }
                        </tbody>
                    </table>
                </div>
            </div>
        </div>
    }
}

/// `text` cut to `n` characters with an ellipsis.
fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n - 1).collect::<String>())
    }
}

const LANE: f64 = 210.0;
const ROW: f64 = 40.0;

fn x_of(actors: &[Actor], a: Actor) -> f64 {
    let i = actors.iter().position(|x| *x == a).unwrap_or(0) as f64;
    90.0 + i * LANE
}

/// An arrow's caption for an answer.
fn answer_label(r: &Result<Value, ApiError>) -> String {
    match r {
        Err(e) => format!("{} ✗", e.kind.rsplit('#').next().unwrap_or(&e.kind)),
        Ok(v) => {
            if let Some(c) = v["ChallengeName"].as_str() {
                c.to_string()
            } else if v["AuthenticationResult"].is_object() {
                if v["AuthenticationResult"]["RefreshToken"].is_string() {
                    "ID, access and refresh tokens".into()
                } else {
                    "new ID and access tokens".into()
                }
            } else if let Some(s) = v["statusCode"].as_u64() {
                format!("HTTP {s}")
            } else if v["UserSub"].is_string() {
                format!("UserConfirmed: {}", v["UserConfirmed"])
            } else if v["CodeDeliveryDetails"].is_object() {
                "code sent".into()
            } else if v.as_object().is_some_and(|o| o.is_empty()) {
                "200 OK {}".into()
            } else {
                "200 OK".into()
            }
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub flow: Flow,
}

/// One flow as a sequence diagram, with the selected message's JSON below it.
#[function_component(Diagram)]
pub fn diagram(p: &DiagramProps) -> Html {
    let selected = use_state(|| None::<usize>);
    let f = &p.flow;
    let mut actors: Vec<Actor> = vec![Actor::Browser];
    for s in &f.steps {
        let used: Vec<Actor> = match s {
            Step::Call { from, to, .. } | Step::Send { from, to, .. } => vec![*from, *to],
            Step::Note { at, .. } => vec![*at],
        };
        for a in used {
            if !actors.contains(&a) {
                actors.push(a);
            }
        }
    }
    actors.sort();
    let rows: usize = f.steps.iter().map(|s| if matches!(s, Step::Call { .. }) { 2 } else { 1 }).sum();
    // Notes run right from their lifeline at ~6 px a character: the drawing widens to hold them.
    let note_end = f
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Note { at, text } => Some(x_of(&actors, *at) + short(text, 64).chars().count() as f64 * 6.2 + 24.0),
            _ => None,
        })
        .fold(0.0, f64::max);
    let width = (90.0 * 2.0 + LANE * (actors.len().saturating_sub(1)) as f64).max(note_end);
    let height = 50.0 + ROW * rows as f64 + 16.0;
    let mut y = 50.0;
    let mut shapes: Vec<Html> = Vec::new();
    for (i, s) in f.steps.iter().enumerate() {
        let on = *selected == Some(i);
        let pick = {
            let sel = selected.clone();
            Callback::from(move |_: MouseEvent| sel.set(if *sel == Some(i) { None } else { Some(i) }))
        };
        let arrow = |from: Actor, to: Actor, y: f64, label: &str, dashed: bool, bad: bool, n: usize| {
            let (x1, x2) = (x_of(&actors, from), x_of(&actors, to));
            let dir = if x2 > x1 { -1.0 } else { 1.0 };
            let head = format!("{},{} {},{} {},{}", x2, y, x2 + dir * 8.0, y - 4.0, x2 + dir * 8.0, y + 4.0);
            let mid = (x1 + x2) / 2.0;
            html! {
                <g class={classes!("msg", dashed.then_some("reply"), bad.then_some("bad"), on.then_some("on"))} onclick={pick.clone()} role="button" aria-label={format!("Message {n}: {label}")}>
                    <line x1={x1.to_string()} y1={y.to_string()} x2={x2.to_string()} y2={y.to_string()} />
                    <polygon points={head} />
                    <text x={mid.to_string()} y={(y - 6.0).to_string()} text-anchor="middle">{ format!("{n}. {}", short(label, 60)) }</text>
                    <rect class="hit" x={x1.min(x2).to_string()} y={(y - 20.0).to_string()} width={(x1 - x2).abs().to_string()} height="26" />
                </g>
            }
        };
        match s {
            Step::Call { from, to, label, response, .. } => {
                shapes.push(arrow(*from, *to, y, label, false, false, shapes.len() + 1));
                y += ROW;
                shapes.push(arrow(*to, *from, y, &answer_label(response), true, response.is_err(), shapes.len() + 1));
                y += ROW;
            }
            Step::Send { from, to, label, .. } => {
                shapes.push(arrow(*from, *to, y, label, false, false, shapes.len() + 1));
                y += ROW;
            }
            Step::Note { at, text } => {
                let x = x_of(&actors, *at);
                let n = shapes.len() + 1;
                shapes.push(html! {
                    <g class={classes!("note", on.then_some("on"))} onclick={pick.clone()} role="button" aria-label={format!("Message {n}: {text}")}>
                        <rect x={(x - 6.0).to_string()} y={(y - 17.0).to_string()} width={(short(text, 64).chars().count() as f64 * 6.2 + 24.0).to_string()} height="24" rx="4" />
                        <text x={x.to_string()} y={(y - 1.0).to_string()}>{ format!("{n}. {}", short(text, 64)) }</text>
                    </g>
                });
                y += ROW;
            }
        }
    }
    let detail = selected.and_then(|i| f.steps.get(i)).map(|s| match s {
        Step::Call { label, request, response, ms, to, .. } => {
            let tokens = response.as_ref().map(tokens_in).unwrap_or_default();
            html! {
                <div class="msg-detail">
                    <h4>{ format!("{label} → {} ({ms:.1} ms round trip)", to.label()) }</h4>
                    <div class="msg-json">
                        <div><h5>{ "Request" }</h5><pre>{ serde_json::to_string_pretty(request).unwrap_or_default() }</pre></div>
                        <div>
                            <h5>{ "Response" }</h5>
                            { match response {
                                Ok(v) => html! { <pre>{ serde_json::to_string_pretty(v).unwrap_or_default() }</pre> },
                                Err(e) => html! { <pre class="error-text">{ serde_json::to_string_pretty(&json!({"__type": e.kind, "message": e.message})).unwrap_or_default() }</pre> },
                            } }
                        </div>
                    </div>
                    { for tokens.into_iter().map(|(label, t)| html! { <TokenView label={label.to_string()} token={t} /> }) }
                </div>
            }
        }
        Step::Send { label, body, to, from } => html! {
            <div class="msg-detail">
                <h4>{ format!("{label} ({} → {})", from.label(), to.label()) }</h4>
                if *to == Actor::Inbox {
                    <p class="muted">{ "Cognito's CodeDeliveryDetails; the message itself is in the " }<a href="#/inbox">{ "Inbox" }</a>{ "." }</p>
                } else if *from == Actor::ApiGateway || *to == Actor::ApiGateway {
                    <p class="muted">{ "From the call's execution trace (execute-api Invoke)." }</p>
                }
                <pre>{ serde_json::to_string_pretty(body).unwrap_or_default() }</pre>
            </div>
        },
        Step::Note { text, .. } => html! { <div class="msg-detail"><p>{ text }</p></div> },
    });
    html! {
        <figure class="seq-flow" aria-label={format!("Flow: {}", f.title)}>
            <figcaption>
                <strong>{ &f.title }</strong>
                { match f.ok { None => html! { <span class="badge creating">{ "running" }</span> }, Some(true) => html! { <span class="badge ok">{ "done" }</span> }, Some(false) => html! { <span class="badge deleting">{ "failed" }</span> } } }
                <span class="muted">{ " click an arrow to see its message" }</span>
            </figcaption>
            <div class="seq-wrap">
                <svg class="seq" width={width.to_string()} height={height.to_string()} viewBox={format!("0 0 {width} {height}")}>
                    { for actors.iter().map(|a| {
                        let x = x_of(&actors, *a);
                        html! {
                            <g class="lifeline">
                                <rect x={(x - 80.0).to_string()} y="4" width="160" height="24" rx="5" />
                                <text x={x.to_string()} y="21" text-anchor="middle">{ a.label() }</text>
                                <line x1={x.to_string()} y1="28" x2={x.to_string()} y2={height.to_string()} />
                            </g>
                        }
                    }) }
                    { for shapes }
                </svg>
            </div>
            { detail.unwrap_or_default() }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_parts_decode_and_garbage_does_not() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1"}"#);
        let c = URL_SAFE_NO_PAD.encode(br#"{"sub":"abc","exp":5}"#);
        let (header, claims) = decode_jwt(&format!("{h}.{c}.sig")).unwrap();
        assert_eq!((header["kid"].as_str(), claims["exp"].as_i64()), (Some("k1"), Some(5)));
        assert!(decode_jwt("a.b").is_none());
        assert!(decode_jwt("!!.??.x").is_none());
        assert!(decode_jwt(&format!("{h}.{c}.s.extra")).is_none());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(59), "59 s");
        assert_eq!(duration(-61), "1 min 1 s");
        assert_eq!(duration(3_700), "1 h 1 min");
    }
}
