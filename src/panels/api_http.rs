//! An HTTP API (API Gateway v2) in the APIs panel: its routes → integrations (with the route's
//! authorization), its stages with their invoke URLs, and the request console
//! ([`super::api_console`]) calling a route through execute-api `Invoke`.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, panels::api_console::Console};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub api: Value,
}

/// What a route's integration calls, shortly.
pub fn integration_label(i: Option<&Value>) -> String {
    match i {
        None => "no integration".into(),
        Some(i) => {
            let uri = i["integrationUri"].as_str().unwrap_or_default();
            let function = uri.split(":function:").nth(1).map(|f| f.split([':', '/']).next().unwrap_or(f)).unwrap_or(uri);
            format!("Lambda proxy: {function} (payload {})", i["payloadFormatVersion"].as_str().unwrap_or("1.0"))
        }
    }
}

/// A stage's invoke URL: `$default` has no stage segment.
pub fn invoke_url(api: &str, region: &str, stage: &str) -> String {
    if stage == "$default" {
        format!("https://{api}.execute-api.{region}.amazonaws.com/")
    } else {
        format!("https://{api}.execute-api.{region}.amazonaws.com/{stage}")
    }
}

#[function_component(HttpApiDetail)]
pub fn http_api_detail(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let id = p.api["apiId"].as_str().unwrap_or_default().to_string();
    let routes = use_state(Vec::<Value>::new);
    let integrations = use_state(Vec::<Value>::new);
    let authorizers = use_state(Vec::<Value>::new);
    let stages = use_state(Vec::<Value>::new);
    {
        let (ctx2, id) = (ctx.clone(), id.clone());
        let (routes, integrations, authorizers, stages) = (routes.clone(), integrations.clone(), authorizers.clone(), stages.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                for (op, state) in [("GetRoutes", &routes), ("GetIntegrations", &integrations), ("GetAuthorizers", &authorizers), ("GetStages", &stages)] {
                    match ctx2.bridge.send("apigatewayv2", op, json!({"apiId": id})).await {
                        Ok(v) => state.set(v["items"].as_array().cloned().unwrap_or_default()),
                        Err(e) => ctx2.error(&e),
                    }
                }
            });
            || ()
        });
    }
    let mut sorted = (*routes).clone();
    sorted.sort_by(|a, b| a["routeKey"].as_str().cmp(&b["routeKey"].as_str()));
    let integration_of = |r: &Value| {
        let target = r["target"].as_str().and_then(|t| t.strip_prefix("integrations/")).unwrap_or_default().to_string();
        integrations.iter().find(|i| i["integrationId"] == json!(target)).cloned()
    };
    let auth_of = |r: &Value| match r["authorizationType"].as_str().unwrap_or("NONE") {
        "NONE" => "none".to_string(),
        kind => {
            let a = authorizers.iter().find(|a| a["authorizerId"] == r["authorizerId"]);
            let name = a.and_then(|a| a["name"].as_str()).unwrap_or_default();
            let scopes = r["authorizationScopes"].as_array().map(|s| s.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")).unwrap_or_default();
            if scopes.is_empty() {
                format!("{kind} · {name}")
            } else {
                format!("{kind} · {name} · scopes {scopes}")
            }
        }
    };
    let cors = &p.api["corsConfiguration"];
    html! {
        <div class="api-detail">
            <div class="detail-head">
                <h2>{ p.api["name"].as_str().unwrap_or_default() }</h2>
                <code class="arn">{ &id }</code>
                <span class="badge">{ "HTTP" }</span>
                <span class="muted">{ p.api["description"].as_str().unwrap_or_default() }</span>
            </div>
            <p class="hint">
                { "An HTTP API sends each request to one " }<strong>{ "route" }</strong>
                { " (the most specific route key wins: GET /items/{id} before ANY /items/{proxy+}, then $default), and the route to its integration. Stages with auto-deploy serve every change at once." }
                if !cors.is_null() {
                    { format!(" CORS: origins {}.", cors["allowOrigins"].as_array().map(|o| o.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()) }
                }
            </p>
            <h3>{ "Routes" }</h3>
            if sorted.is_empty() {
                <p class="muted">{ "No routes yet (CreateRoute through the SDK or the AWS CLI)." }</p>
            } else {
                <table class="grid" aria-label="Routes">
                    <thead><tr><th>{ "Route key" }</th><th></th><th>{ "Integration" }</th><th>{ "Authorization" }</th></tr></thead>
                    <tbody>
                        { for sorted.iter().map(|r| html! {
                            <tr>
                                <td><code>{ r["routeKey"].as_str().unwrap_or_default() }</code></td>
                                <td>{ "→" }</td>
                                <td>{ integration_label(integration_of(r).as_ref()) }</td>
                                <td>{ auth_of(r) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <h3>{ "Stages" }</h3>
            <table class="grid" aria-label="Stages">
                <thead><tr><th>{ "Stage" }</th><th>{ "Auto-deploy" }</th><th>{ "Deployment" }</th><th>{ "Invoke URL" }</th></tr></thead>
                <tbody>
                    { for stages.iter().map(|s| { let n = s["stageName"].as_str().unwrap_or_default(); html! {
                        <tr>
                            <td>{ n }</td>
                            <td>{ if s["autoDeploy"] == json!(true) { "yes" } else { "no" } }</td>
                            <td><code>{ s["deploymentId"].as_str().unwrap_or("not deployed") }</code></td>
                            <td><code>{ invoke_url(&id, &ctx.region, n) }</code></td>
                        </tr>
                    } }) }
                </tbody>
            </table>
            <h3>{ "Console" }</h3>
            <Console api={id.clone()} resources={Vec::<Value>::new()} stages={(*stages).clone()} preset={None} http={true} />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_urls() {
        let i = json!({ "integrationUri": "arn:aws:lambda:us-east-1:123456789012:function:echo", "payloadFormatVersion": "2.0" });
        assert_eq!(integration_label(Some(&i)), "Lambda proxy: echo (payload 2.0)");
        assert_eq!(invoke_url("abc", "us-east-1", "$default"), "https://abc.execute-api.us-east-1.amazonaws.com/");
        assert_eq!(invoke_url("abc", "us-east-1", "dev"), "https://abc.execute-api.us-east-1.amazonaws.com/dev");
    }
}
