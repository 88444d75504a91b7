//! The Auth panel's Login flows tab: the flows recorded from the sign-in page, drawn as sequence
//! diagrams ([`super::auth_flows::Diagram`]), and the flows a learner runs from here: a call to
//! an API whose COGNITO_USER_POOLS authorizer names this pool (found among the region's APIs, or
//! made by the one-click sample `hello-auth`: GET /hello, a mock integration that answers with
//! the caller's claims, deployed to `dev`), with the signed-in user's ID token or without one.
//! The API Gateway ⇄ Cognito arrows come from the execution trace of the real call.
//! Flows the engine does not run yet are listed as such, with no steps drawn.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    bridge::ApiError,
    panels::{
        apis::example_path,
        auth::pool_hash,
        auth_flows::{self, Actor, Diagram, Step},
        auth_signin,
    },
};

/// A method an authorizer of this pool protects, on a deployed stage.
#[derive(Clone, Debug, PartialEq)]
struct Target {
    api: String,
    api_name: String,
    authorizer: String,
    method: String,
    path: String,
    stage: String,
}

const SAMPLE_API: &str = "hello-auth";

/// The protected methods of the region's APIs whose Cognito authorizer names `pool_arn`.
async fn find_targets(ctx: &Ctx, pool_arn: &str) -> Result<Vec<Target>, ApiError> {
    let mut out = Vec::new();
    let apis = ctx.bridge.send("apigateway", "GetRestApis", json!({"limit": 500})).await?;
    for api in apis["item"].as_array().into_iter().flatten() {
        let id = api["id"].as_str().unwrap_or_default().to_string();
        let auths = ctx.bridge.send("apigateway", "GetAuthorizers", json!({"restApiId": id})).await?;
        let ours: Vec<(String, String)> = auths["item"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["type"] == "COGNITO_USER_POOLS" && a["providerARNs"].as_array().is_some_and(|p| p.iter().any(|x| x == pool_arn)))
            .map(|a| (a["id"].as_str().unwrap_or_default().to_string(), a["name"].as_str().unwrap_or_default().to_string()))
            .collect();
        if ours.is_empty() {
            continue;
        }
        let stages = ctx.bridge.send("apigateway", "GetStages", json!({"restApiId": id})).await?;
        let Some(stage) = stages["item"].as_array().and_then(|s| s.first()).and_then(|s| s["stageName"].as_str()).map(str::to_string) else { continue };
        let resources = ctx.bridge.send("apigateway", "GetResources", json!({"restApiId": id, "embed": ["methods"], "limit": 500})).await?;
        for r in resources["item"].as_array().into_iter().flatten() {
            for (m, def) in r["resourceMethods"].as_object().into_iter().flatten() {
                if let Some((_, name)) = ours.iter().find(|(aid, _)| def["authorizerId"].as_str() == Some(aid.as_str())) {
                    out.push(Target {
                        api: id.clone(),
                        api_name: api["name"].as_str().unwrap_or_default().to_string(),
                        authorizer: name.clone(),
                        method: if m == "ANY" { "GET".into() } else { m.clone() },
                        path: example_path(r["path"].as_str().unwrap_or("/")),
                        stage: stage.clone(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The sample: an API whose GET /hello only answers callers with an ID token of this pool.
async fn create_sample(ctx: &Ctx, pool: &Value) -> Result<(), ApiError> {
    let name = pool["Name"].as_str().unwrap_or("users");
    let arn = pool["Arn"].as_str().unwrap_or_default();
    let api = ctx
        .bridge
        .send(
            "apigateway",
            "CreateRestApi",
            json!({"name": SAMPLE_API, "description": format!("GET /hello behind a Cognito authorizer of the user pool {name}"), "endpointConfiguration": {"types": ["REGIONAL"]}}),
        )
        .await?;
    let id = api["id"].as_str().unwrap_or_default().to_string();
    let root = api["rootResourceId"].as_str().unwrap_or_default().to_string();
    let authorizer = ctx
        .bridge
        .send(
            "apigateway",
            "CreateAuthorizer",
            json!({"restApiId": id, "name": name, "type": "COGNITO_USER_POOLS", "providerARNs": [arn], "identitySource": "method.request.header.Authorization"}),
        )
        .await?;
    let hello = ctx.bridge.send("apigateway", "CreateResource", json!({"restApiId": id, "parentId": root, "pathPart": "hello"})).await?;
    let m = json!({"restApiId": id, "resourceId": hello["id"], "httpMethod": "GET"});
    let with = |extra: Value| {
        let mut v = m.clone();
        if let (Value::Object(a), Value::Object(b)) = (&mut v, extra) {
            a.extend(b);
        }
        v
    };
    ctx.bridge.send("apigateway", "PutMethod", with(json!({"authorizationType": "COGNITO_USER_POOLS", "authorizerId": authorizer["id"]}))).await?;
    ctx.bridge.send("apigateway", "PutIntegration", with(json!({"type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}))).await?;
    ctx.bridge.send("apigateway", "PutMethodResponse", with(json!({"statusCode": "200"}))).await?;
    let template = "{\"message\": \"Hello, $context.authorizer.claims.get('cognito:username')\", \"sub\": \"$context.authorizer.claims.sub\", \"email\": \"$!context.authorizer.claims.email\"}";
    ctx.bridge.send("apigateway", "PutIntegrationResponse", with(json!({"statusCode": "200", "responseTemplates": {"application/json": template}}))).await?;
    ctx.bridge.send("apigateway", "CreateDeployment", json!({"restApiId": id, "stageName": "dev", "description": "The Cognito authorizer sample"})).await?;
    Ok(())
}

/// Calls `target` (with `id_token` in Authorization, or none), recorded as a flow whose API
/// Gateway ⇄ Cognito arrows come from the call's execution trace.
async fn call_api(ctx: &Ctx, pool: &str, target: &Target, id_token: Option<(String, String)>) {
    let who = id_token.as_ref().map(|(u, _)| format!("{u}'s ID token")).unwrap_or_else(|| "no token".into());
    let flow = auth_flows::start(pool, &format!("API Gateway with a Cognito authorizer: {} {} ({who})", target.method, target.path));
    let mut headers = json!({});
    if let Some((_, t)) = &id_token {
        headers["Authorization"] = json!(t);
    }
    let request = json!({"restApiId": target.api, "stage": target.stage, "httpMethod": target.method, "path": target.path, "headers": headers, "sourceIp": "203.0.113.10"});
    let label = format!("{} /{}{} {}", target.method, target.stage, target.path, if id_token.is_some() { "· Authorization: ID token" } else { "· no Authorization" });
    auth_flows::record(flow, Step::Send { from: Actor::Browser, to: Actor::ApiGateway, label, body: request.clone() });
    let out = ctx.bridge.send("execute-api", "Invoke", request).await;
    match out {
        Ok(v) => {
            for t in v["trace"].as_array().into_iter().flatten() {
                let (step, message) = (t["step"].as_str().unwrap_or_default(), t["message"].as_str().unwrap_or_default());
                if step == "Authorizer" && message.starts_with("Verifying the ID token") {
                    auth_flows::record(
                        flow,
                        Step::Send { from: Actor::ApiGateway, to: Actor::Cognito, label: "verify the ID token (JWKS, iss, exp, token_use)".into(), body: t.clone() },
                    );
                } else if step == "Authorizer"
                    && (message.starts_with("The ID token of") || (message.starts_with("Unauthorized request:") && id_token.is_some() && !message.contains("identity source")))
                {
                    let ok = message.starts_with("The ID token of");
                    auth_flows::record(
                        flow,
                        Step::Send { from: Actor::Cognito, to: Actor::ApiGateway, label: if ok { "valid: the claims".into() } else { "invalid ✗".into() }, body: t.clone() },
                    );
                } else {
                    auth_flows::note(flow, Actor::ApiGateway, format!("{step}: {message}"));
                }
            }
            let status = v["statusCode"].as_u64().unwrap_or(0);
            auth_flows::record(
                flow,
                Step::Send { from: Actor::ApiGateway, to: Actor::Browser, label: format!("HTTP {status} {}", v["body"].as_str().unwrap_or_default()), body: v.clone() },
            );
            auth_flows::finish(flow, true);
        }
        Err(e) => {
            auth_flows::note(flow, Actor::ApiGateway, format!("{}: {}", e.kind, e.message));
            auth_flows::finish(flow, false);
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub pool: Value,
}

#[function_component(FlowsTab)]
pub fn flows_tab(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let pool_id = p.pool["Id"].as_str().unwrap_or_default().to_string();
    let pool_arn = p.pool["Arn"].as_str().unwrap_or_default().to_string();
    let flows = auth_flows::use_flows(&pool_id);
    let targets = use_state(|| None::<Vec<Target>>);
    let busy = use_state(|| None::<String>);
    let signed_in = auth_signin::signed_in(&pool_id);
    {
        let (ctx2, arn, targets) = (ctx.clone(), pool_arn.clone(), targets.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match find_targets(&ctx2, &arn).await {
                    Ok(t) => targets.set(Some(t)),
                    Err(e) => {
                        ctx2.error(&e);
                        targets.set(Some(Vec::new()));
                    }
                }
            });
            || ()
        });
    }
    let sample = {
        let (ctx, pool, busy) = (ctx.clone(), p.pool.clone(), busy.clone());
        Callback::from(move |_| {
            let (ctx, pool, busy) = (ctx.clone(), pool.clone(), busy.clone());
            busy.set(Some("Creating the hello-auth API…".into()));
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = create_sample(&ctx, &pool).await {
                    ctx.error(&e);
                }
                busy.set(None);
            });
        })
    };
    let call = |target: &Target, with_token: bool| {
        let (ctx, pool, target, busy, token) = (ctx.clone(), pool_id.clone(), target.clone(), busy.clone(), signed_in.clone());
        Callback::from(move |_| {
            let (ctx, pool, target, busy) = (ctx.clone(), pool.clone(), target.clone(), busy.clone());
            let token = if with_token { token.clone() } else { None };
            busy.set(Some("Calling…".into()));
            wasm_bindgen_futures::spawn_local(async move {
                call_api(&ctx, &pool, &target, token).await;
                busy.set(None);
            });
        })
    };
    let clear = {
        let pool = pool_id.clone();
        Callback::from(move |_| auth_flows::clear(&pool))
    };
    html! {
        <div class="flows-tab">
            <p class="hint">
                { "Every call of the " }<a href={pool_hash(Some(&pool_id), "signin")}>{ "sign-in page" }</a>
                { " is drawn here as it happens: sign-up → code → confirm, SRP, a new password, refresh, forgot password. Click an arrow for the real request or response; tokens are decoded, their signature checked against the pool's JWKS, their expiry read on the simulated clock." }
            </p>
            <div class="card run-flow">
                <h3>{ "Call an API protected by this pool" }</h3>
                { match &*targets {
                    None => html! { <p class="muted">{ "Looking for APIs with a Cognito authorizer naming this pool…" }</p> },
                    Some(t) if t.is_empty() => html! {
                        <>
                            <p>{ "No API in this region has a COGNITO_USER_POOLS authorizer naming this pool yet. The sample makes one: " }<code>{ "GET /hello" }</code>{ " in the API " }<code>{ SAMPLE_API }</code>{ ", a mock integration that answers with the caller's claims, deployed to " }<code>{ "dev" }</code>{ "." }</p>
                            <button class="btn primary" onclick={sample} disabled={busy.is_some()}>{ busy.as_deref().unwrap_or("Create the sample API") }</button>
                        </>
                    },
                    Some(t) => html! {
                        <>
                            if signed_in.is_none() {
                                <p class="warn-text">{ "Sign in on the sign-in page first to call with an ID token." }</p>
                            }
                            <table class="grid targets" aria-label="Protected methods">
                                <thead><tr><th>{ "API" }</th><th>{ "Authorizer" }</th><th>{ "Method" }</th><th>{ "Stage" }</th><th></th></tr></thead>
                                <tbody>
                                    { for t.iter().map(|x| html! {
                                        <tr>
                                            <td>{ format!("{} ({})", x.api_name, x.api) }</td>
                                            <td>{ &x.authorizer }</td>
                                            <td><code>{ format!("{} {}", x.method, x.path) }</code></td>
                                            <td>{ &x.stage }</td>
                                            <td class="row-actions">
                                                <button class="btn small primary" onclick={call(x, true)} disabled={busy.is_some() || signed_in.is_none()}>{ "Call with the ID token" }</button>
                                                <button class="btn small" onclick={call(x, false)} disabled={busy.is_some()}>{ "Call without a token" }</button>
                                            </td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </>
                    },
                } }
            </div>
            <div class="card still-to-come">
                <h3>{ "Flows still to come" }</h3>
                <p class="muted">{ "Nothing is drawn for these yet:" }</p>
                <ul>
                    <li><strong>{ "Lambda triggers" }</strong>{ " (pre sign-up, pre token generation, the custom challenge loop...): Cognito runs them and the sign-in page answers MFA and custom challenges, whose calls are recorded here; the Cognito ⇄ Lambda arrows are not drawn yet (each function's logs show the events)." }</li>
                    <li><strong>{ "Hosted UI with PKCE" }</strong>{ " (OAuth 2.0 authorization code flow, /oauth2/authorize and /oauth2/token): no domains or OAuth endpoints yet. The sign-in page here is the panel's own, calling the user pool API." }</li>
                    <li><strong>{ "Identity-pool exchange" }</strong>{ " (an ID token for temporary AWS credentials through Cognito identity pools): the engine runs it (cognito-identity GetId and GetCredentialsForIdentity, from window.gureum.send or gureum serve); this view does not draw it yet." }</li>
                </ul>
            </div>
            <div class="flows-head">
                <h3>{ format!("Recorded flows ({})", flows.len()) }</h3>
                if !flows.is_empty() {
                    <button class="btn small" onclick={clear}>{ "Clear" }</button>
                }
            </div>
            if flows.is_empty() {
                <p class="muted">{ "Nothing recorded yet: sign up or sign in on the sign-in page, or call an API above." }</p>
            }
            { for flows.into_iter().map(|f| { let k = f.id; html! { <Diagram key={k} flow={f} /> } }) }
        </div>
    }
}
