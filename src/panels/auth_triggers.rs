//! Auth · Triggers and MFA: a pool's Lambda triggers (which function runs at each step, set with
//! UpdateUserPool's LambdaConfig from the region's functions) and its MFA configuration
//! (SetUserPoolMfaConfig: OFF / OPTIONAL / ON, authenticator apps (TOTP), SMS codes to the Inbox).

use serde_json::{json, Map, Value};
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

/// LambdaConfig members the sandbox runs, with when Cognito calls them.
const TRIGGERS: &[(&str, &str)] = &[
    ("PreSignUp", "before a user is created (can auto-confirm, auto-verify, or reject)"),
    ("PostConfirmation", "after a user confirms the sign-up or a password reset"),
    ("PreAuthentication", "before a sign-in is checked (can reject it)"),
    ("PostAuthentication", "after a successful sign-in"),
    ("PreTokenGeneration", "before tokens are issued (add, override or suppress claims and groups)"),
    ("CustomMessage", "before a code message goes out (rewrite the email or SMS; keep {####})"),
    ("DefineAuthChallenge", "CUSTOM_AUTH: decides the next challenge, tokens, or failure"),
    ("CreateAuthChallenge", "CUSTOM_AUTH: makes the challenge (public and private parameters)"),
    ("VerifyAuthChallengeResponse", "CUSTOM_AUTH: checks the user's answer"),
];

/// Members of DescribeUserPool that UpdateUserPool takes back unchanged (it resets what it is not
/// given, as AWS's does).
const KEEP: &[&str] = &[
    "AutoVerifiedAttributes",
    "DeletionProtection",
    "MfaConfiguration",
    "UserPoolTags",
    "AccountRecoverySetting",
    "UserAttributeUpdateSettings",
    "SmsAuthenticationMessage",
    "SmsConfiguration",
];

#[derive(Properties, PartialEq)]
pub struct TriggersProps {
    pub pool: Value,
}

#[function_component(TriggersTab)]
pub fn triggers_tab(p: &TriggersProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let id = p.pool["Id"].as_str().unwrap_or_default().to_string();
    let functions = use_state(Vec::<(String, String)>::new);
    let config = use_state(|| p.pool["LambdaConfig"].as_object().cloned().unwrap_or_default());
    let v2 = use_state(|| p.pool["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0");
    let mfa = use_state(|| None::<Value>);
    let busy = use_state(|| false);
    {
        let (ctx2, functions, mfa, id) = (ctx.clone(), functions.clone(), mfa.clone(), id.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("lambda", "ListFunctions", json!({})).await {
                    functions.set(
                        v["Functions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|f| (f["FunctionName"].as_str().unwrap_or_default().to_string(), f["FunctionArn"].as_str().unwrap_or_default().to_string()))
                            .collect(),
                    );
                }
                match ctx2.bridge.send("cognito-idp", "GetUserPoolMfaConfig", json!({ "UserPoolId": id })).await {
                    Ok(v) => mfa.set(Some(v)),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let save = {
        let (ctx, pool, config, v2, busy) = (ctx.clone(), p.pool.clone(), config.clone(), v2.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = Map::new();
            req.insert("UserPoolId".into(), pool["Id"].clone());
            for k in KEEP {
                if let Some(v) = pool.get(*k).filter(|v| !v.is_null()) {
                    req.insert(k.to_string(), v.clone());
                }
            }
            let mut lambda = Map::new();
            for (k, v) in config.iter() {
                if k != "PreTokenGenerationConfig" && v.as_str().is_some_and(|s| !s.is_empty()) {
                    lambda.insert(k.clone(), v.clone());
                }
            }
            if let Some(arn) = lambda.remove("PreTokenGeneration") {
                lambda.insert("PreTokenGenerationConfig".into(), json!({ "LambdaArn": arn, "LambdaVersion": if *v2 { "V2_0" } else { "V1_0" } }));
            }
            req.insert("LambdaConfig".into(), Value::Object(lambda));
            let (ctx, busy) = (ctx.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("cognito-idp", "UpdateUserPool", Value::Object(req)).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Triggers saved", "Cognito now calls these functions; their events and logs are in each function's monitoring.")),
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    let set_mfa = |mode: &'static str, totp: bool| {
        let (ctx, id, mfa) = (ctx.clone(), id.clone(), mfa.clone());
        Callback::from(move |_| {
            let (ctx, id, mfa) = (ctx.clone(), id.clone(), mfa.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let req = json!({ "UserPoolId": id, "MfaConfiguration": mode, "SoftwareTokenMfaConfiguration": { "Enabled": totp } });
                match ctx.bridge.send("cognito-idp", "SetUserPoolMfaConfig", req).await {
                    Ok(v) => mfa.set(Some(v)),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let (mode, totp, sms) = match &*mfa {
        Some(m) => (m["MfaConfiguration"].as_str().unwrap_or("OFF").to_string(), m["SoftwareTokenMfaConfiguration"]["Enabled"] == true, m["SmsMfaConfiguration"].is_object()),
        None => ("OFF".to_string(), false, false),
    };
    html! {
        <div class="triggers-tab">
            <form class="card triggers-form" onsubmit={save} aria-label="Lambda triggers">
                <h3>{ "Lambda triggers" }</h3>
                <p class="hint">{ "Cognito calls a function at each step with an event (version, triggerSource, request, response) and applies the response it returns. A function that throws fails the call with UserLambdaValidationException." }</p>
                <table class="grid" aria-label="Triggers">
                    <thead><tr><th>{ "Trigger" }</th><th>{ "When" }</th><th>{ "Function" }</th></tr></thead>
                    <tbody>
                        { for TRIGGERS.iter().map(|(name, when)| {
                            let current = config.get(*name).and_then(Value::as_str).unwrap_or_default().to_string();
                            let onchange = {
                                let config = config.clone();
                                Callback::from(move |e: Event| {
                                    let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                                    let mut c = (*config).clone();
                                    c.insert(name.to_string(), json!(v));
                                    config.set(c);
                                })
                            };
                            html! {
                                <tr>
                                    <td><code>{ *name }</code></td>
                                    <td class="muted">{ *when }</td>
                                    <td>
                                        <select aria-label={format!("{name} function")} {onchange}>
                                            <option value="" selected={current.is_empty()}>{ "— none —" }</option>
                                            { for functions.iter().map(|(n, arn)| html! { <option value={arn.clone()} selected={*arn == current}>{ n }</option> }) }
                                            if !current.is_empty() && !functions.iter().any(|(_, a)| *a == current) {
                                                <option value={current.clone()} selected=true>{ current.rsplit(':').next().unwrap_or_default().to_string() }</option>
                                            }
                                        </select>
                                        if *name == "PreTokenGeneration" {
                                            <label class="radio"><input type="checkbox" checked={*v2} onchange={let v = v2.clone(); Callback::from(move |_| v.set(!*v))} />{ " event V2_0 (access token claims and scopes)" }</label>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if functions.is_empty() { <p class="muted">{ "No functions in this region yet: create one in Functions (a trigger returns the event it gets, with its response filled in)." }</p> }
                <div class="actions"><button type="submit" class="btn primary" disabled={*busy}>{ "Save triggers" }</button></div>
            </form>
            <div class="card mfa-card" aria-label="MFA">
                <h3>{ "Multi-factor authentication" }</h3>
                <p class="hint">{ "With MFA a sign-in needs a second factor: a code from an authenticator app (TOTP, RFC 6238, 30-second steps of the sandbox's clock) or a code by SMS, which the sandbox delivers to the phone number's mailbox in the Inbox." }</p>
                <p>{ format!("MFA: {mode} · authenticator apps: {} · SMS: {}", if totp { "on" } else { "off" }, if sms { "on" } else { "off (needs an SMS configuration)" }) }</p>
                <div class="actions">
                    <button class="btn" aria-pressed={(mode == "OFF").to_string()} onclick={set_mfa("OFF", false)}>{ "Off" }</button>
                    <button class="btn" aria-pressed={(mode == "OPTIONAL").to_string()} onclick={set_mfa("OPTIONAL", true)}>{ "Optional (TOTP)" }</button>
                    <button class="btn" aria-pressed={(mode == "ON").to_string()} onclick={set_mfa("ON", true)}>{ "Required (TOTP)" }</button>
                </div>
            </div>
        </div>
    }
}
