//! The request console of an API: a request (method, path, query string, headers, an API key,
//! body) sent to a deployed stage through execute-api `Invoke`, or to a method before deploying
//! through TestInvokeMethod; the response (status, headers, pretty body) and the execution trace
//! step by step, each with its latency and the payload it carried.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    panels::{
        apis::example_path,
        fn_util::pretty,
        functions::{input_value, select_value},
    },
};

/// What the console opens with (from a method's Test button).
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    /// The method as defined (may be ANY).
    pub method: String,
    pub path: String,
    pub resource: Option<String>,
    pub test: bool,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub api: String,
    pub resources: Vec<Value>,
    pub stages: Vec<Value>,
    pub preset: Option<Preset>,
    /// An HTTP API (v2): no test invocation, no API keys, `$default` without a stage segment.
    #[prop_or_default]
    pub http: bool,
}

/// One step of the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    pub step: String,
    pub message: String,
    pub latency_us: Option<u64>,
}

/// The steps of a TestInvokeMethod log (`{date} : {step}: {message}` lines; a line without the
/// date continues the previous message).
pub fn parse_log(log: &str) -> Vec<TraceRow> {
    let mut rows: Vec<TraceRow> = Vec::new();
    for line in log.lines().skip(1) {
        match line.split_once(" : ").and_then(|(_, rest)| rest.split_once(": ")) {
            Some((step, message)) if !step.contains(' ') || step.split(' ').count() <= 3 => {
                rows.push(TraceRow { step: step.to_string(), message: message.to_string(), latency_us: None })
            }
            _ => match rows.last_mut() {
                Some(r) => {
                    r.message.push('\n');
                    r.message.push_str(line);
                }
                None => rows.push(TraceRow { step: "Log".into(), message: line.to_string(), latency_us: None }),
            },
        }
    }
    rows
}

/// A message split into its text and the JSON (or template output) it ends with, if any.
pub fn split_payload(message: &str) -> (String, Option<String>) {
    for (i, c) in message.char_indices() {
        if c == '{' || c == '[' {
            let tail = &message[i..];
            if let Ok(v) = serde_json::from_str::<Value>(tail) {
                if v.is_object() || v.is_array() {
                    return (message[..i].trim_end().to_string(), Some(serde_json::to_string_pretty(&v).unwrap_or_else(|_| tail.to_string())));
                }
            }
        }
    }
    (message.to_string(), None)
}

fn step_note(step: &str) -> &'static str {
    match step {
        "Method request" => "what the client sent, as API Gateway matched it to a resource and method",
        "API key" => "the usage plan check of the x-api-key header",
        "Authorizer" => "who is calling, and may they",
        "Request mapping" => "the request template turns the request into the integration's input",
        "Endpoint request" => "what API Gateway sends to the integration",
        "Endpoint response" => "what the integration answered",
        "Response mapping" => "the integration response's template turns the answer into the response body",
        "Method response" => "what the client gets",
        _ => "",
    }
}

fn step_class(step: &str, message: &str) -> &'static str {
    if message.contains("failed") || message.starts_with("Missing Authentication Token") || message.contains("Forbidden") || message.contains("Too Many Requests") {
        return "bad";
    }
    match step {
        "Method request" | "API key" | "Authorizer" => "in",
        "Request mapping" | "Endpoint request" => "to",
        "Endpoint response" | "Response mapping" => "from",
        _ => "out",
    }
}

fn parse_headers(text: &str) -> Value {
    let mut o = serde_json::Map::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(':') {
            if !k.trim().is_empty() {
                o.insert(k.trim().to_string(), json!(v.trim()));
            }
        }
    }
    Value::Object(o)
}

/// The answer shown: status, headers, body and the trace.
#[derive(Clone, Debug, PartialEq)]
struct Answer {
    status: u64,
    headers: Vec<(String, String)>,
    body: String,
    trace: Vec<TraceRow>,
    total_ms: f64,
    url: String,
}

#[function_component(Console)]
pub fn console(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let preset = p.preset.clone();
    let first_stage = p.stages.first().and_then(|s| s["stageName"].as_str()).map(|s| format!("stage:{s}"));
    // None: the default, the first stage (once the stages are loaded) or a test.
    let chosen = use_state(|| preset.as_ref().filter(|p| p.test).map(|_| "test".to_string()));
    let target = (*chosen).clone().or(first_stage).unwrap_or_else(|| if p.http { String::new() } else { "test".to_string() });
    let method = use_state(|| preset.as_ref().map(|p| if p.method == "ANY" { "GET".to_string() } else { p.method.clone() }).unwrap_or_else(|| "GET".into()));
    let tested = use_state(|| preset.as_ref().and_then(|p| p.resource.clone().map(|r| format!("{r} {}", p.method))).unwrap_or_default());
    let path = use_state(|| preset.as_ref().map(|p| p.path.clone()).unwrap_or_else(|| "/".into()));
    let query = use_state(String::new);
    let headers = use_state(|| "Content-Type: application/json".to_string());
    let body = use_state(String::new);
    let key = use_state(String::new);
    let keys = use_state(Vec::<(String, String)>::new);
    let answer = use_state(|| None::<Answer>);
    let busy = use_state(|| false);
    {
        let (ctx2, keys) = (ctx.clone(), keys.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("apigateway", "GetApiKeys", json!({"includeValues": true, "limit": 500})).await {
                    keys.set(
                        v["item"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|k| (k["name"].as_str().unwrap_or_default().to_string(), k["value"].as_str().unwrap_or_default().to_string()))
                            .collect(),
                    );
                }
            });
            || ()
        });
    }
    // Every (resource, method) of the working definition, for a test invocation.
    let mut pairs: Vec<(String, String, String)> = Vec::new();
    for r in &p.resources {
        for m in r["resourceMethods"].as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            pairs.push((r["id"].as_str().unwrap_or_default().to_string(), m, r["path"].as_str().unwrap_or_default().to_string()));
        }
    }
    pairs.sort_by(|a, b| a.2.cmp(&b.2).then(a.1.cmp(&b.1)));
    let test_mode = target == "test";
    let tested_value = if tested.is_empty() { pairs.first().map(|(r, m, _)| format!("{r} {m}")).unwrap_or_default() } else { (*tested).clone() };
    let stage = target.strip_prefix("stage:").unwrap_or_default().to_string();
    let full_path = if path.starts_with('/') { (*path).clone() } else { format!("/{}", *path) };
    let url = if test_mode {
        format!("TestInvokeMethod {}{}", full_path, if query.is_empty() { String::new() } else { format!("?{}", *query) })
    } else {
        let segment = if stage == "$default" { String::new() } else { format!("/{stage}") };
        format!("https://{}.execute-api.{}.amazonaws.com{segment}{full_path}{}", p.api, ctx.region, if query.is_empty() { String::new() } else { format!("?{}", *query) })
    };
    let send = {
        let (ctx, api, method, path, query, headers, body, key, answer, busy, tested_value, url) = (
            ctx.clone(),
            p.api.clone(),
            method.clone(),
            full_path.clone(),
            query.clone(),
            headers.clone(),
            body.clone(),
            key.clone(),
            answer.clone(),
            busy.clone(),
            tested_value.clone(),
            url.clone(),
        );
        let stage = stage.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut h = parse_headers(&headers);
            if !key.is_empty() {
                h["x-api-key"] = json!(*key);
            }
            let b = (!body.is_empty()).then(|| (*body).clone());
            let (ctx, answer, busy, url) = (ctx.clone(), answer.clone(), busy.clone(), url.clone());
            let req = if test_mode {
                let (rid, m) = tested_value.split_once(' ').unwrap_or_default();
                let mut r = json!({"restApiId": api, "resourceId": rid, "httpMethod": m, "pathWithQueryString": if query.is_empty() { path.clone() } else { format!("{path}?{}", *query) }, "headers": h});
                if let Some(b) = b {
                    r["body"] = json!(b);
                }
                r
            } else {
                let mut r = json!({"restApiId": api, "stage": stage, "httpMethod": *method, "path": path, "queryString": *query, "headers": h, "sourceIp": "203.0.113.10"});
                if let Some(b) = b {
                    r["body"] = json!(b);
                }
                r
            };
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let out = if test_mode { ctx.bridge.send("apigateway", "TestInvokeMethod", req).await } else { ctx.bridge.send("execute-api", "Invoke", req).await };
                busy.set(false);
                match out {
                    Ok(v) if test_mode => {
                        let trace = parse_log(v["log"].as_str().unwrap_or_default());
                        answer.set(Some(Answer {
                            status: v["status"].as_u64().unwrap_or(0),
                            headers: v["headers"].as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect()).unwrap_or_default(),
                            body: v["body"].as_str().unwrap_or_default().to_string(),
                            trace,
                            total_ms: v["latency"].as_f64().unwrap_or(0.0),
                            url,
                        }))
                    }
                    Ok(v) => {
                        let trace: Vec<TraceRow> = v["trace"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|t| TraceRow {
                                step: t["step"].as_str().unwrap_or_default().to_string(),
                                message: t["message"].as_str().unwrap_or_default().to_string(),
                                latency_us: t["latencyMicros"].as_u64(),
                            })
                            .collect();
                        let total_ms = trace.iter().filter_map(|t| t.latency_us).sum::<u64>() as f64 / 1000.0;
                        let mut hs: Vec<(String, String)> = Vec::new();
                        for (k, vs) in v["multiValueHeaders"].as_object().into_iter().flatten() {
                            for x in vs.as_array().into_iter().flatten() {
                                hs.push((k.clone(), x.as_str().unwrap_or_default().to_string()));
                            }
                        }
                        let body = v["body"].as_str().unwrap_or_default().to_string();
                        let body = if v["isBase64Encoded"] == json!(true) { format!("(base64) {body}") } else { body };
                        answer.set(Some(Answer { status: v["statusCode"].as_u64().unwrap_or(0), headers: hs, body, trace, total_ms, url }))
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(input_value(&e)))
    };
    let on_tested = {
        let (tested, path, pairs) = (tested.clone(), path.clone(), pairs.clone());
        Callback::from(move |e: Event| {
            let v = select_value(&e);
            if let Some((_, _, p)) = pairs.iter().find(|(r, m, _)| format!("{r} {m}") == v) {
                path.set(example_path(p));
            }
            tested.set(v);
        })
    };
    html! {
        <div class="api-console">
            <form class="card console-form" onsubmit={send} aria-label="Request">
                <div class="field-row">
                    <label>{ "Send to " }
                        <select aria-label="Target" onchange={let s = chosen.clone(); Callback::from(move |e: Event| s.set(Some(select_value(&e))))}>
                            { for p.stages.iter().map(|s| { let n = s["stageName"].as_str().unwrap_or_default(); let v = format!("stage:{n}"); html! { <option value={v.clone()} selected={target == v}>{ format!("Stage {n} (execute-api)") }</option> } }) }
                            if !p.http {
                                <option value="test" selected={test_mode}>{ "Test the method, not deployed (TestInvokeMethod)" }</option>
                            }
                        </select>
                    </label>
                    if test_mode {
                        <label>{ "Method to test " }
                            <select aria-label="Method to test" onchange={on_tested}>
                                { for pairs.iter().map(|(r, m, path)| { let v = format!("{r} {m}"); html! { <option value={v.clone()} selected={tested_value == v}>{ format!("{m} {path}") }</option> } }) }
                            </select>
                        </label>
                    } else {
                        <label>{ "Method " }
                            <select aria-label="HTTP method" onchange={let s = method.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                                { for ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].iter().map(|m| html! { <option value={*m} selected={*method == *m}>{ *m }</option> }) }
                            </select>
                        </label>
                    }
                    <label class="grow">{ "Path " }<input aria-label="Path" value={(*path).clone()} oninput={text(&path)} /></label>
                    <label class="grow">{ "Query string " }<input aria-label="Query string" placeholder="name=rex&limit=2" value={(*query).clone()} oninput={text(&query)} /></label>
                </div>
                <div class="field-row">
                    <label class="grow">{ "Headers (one per line, Name: value)" }<textarea aria-label="Headers" rows="3" value={(*headers).clone()} oninput={text(&headers)} /></label>
                    <label class="grow">{ "Body" }<textarea aria-label="Body" rows="3" placeholder="{\"id\": \"1\", \"name\": \"rex\"}" value={(*body).clone()} oninput={text(&body)} /></label>
                </div>
                <div class="field-row">
                    if !p.http {
                    <label>{ "API key (x-api-key) " }
                        <select aria-label="API key" onchange={let s = key.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                            <option value="" selected={key.is_empty()}>{ "none" }</option>
                            { for keys.iter().map(|(n, v)| html! { <option value={v.clone()} selected={*key == *v}>{ n }</option> }) }
                        </select>
                    </label>
                    }
                    <button type="submit" class="btn primary" disabled={*busy || (test_mode && pairs.is_empty()) || stage.is_empty() && !test_mode}>{ if *busy { "Sending…" } else { "Send" } }</button>
                    <code class="console-url">{ &url }</code>
                </div>
                if test_mode {
                    <p class="hint">{ "A test runs the method as defined now, without deploying: no stage, so no stage variables and no API key check, as on AWS." }</p>
                } else if p.stages.is_empty() {
                    <p class="hint">{ "No stages yet: deploy the API (Stages & deployments) to call it, or test a method." }</p>
                }
            </form>
            if let Some(a) = &*answer {
                <AnswerView answer={a.clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct AnswerProps {
    answer: Answer,
}

#[function_component(AnswerView)]
fn answer_view(p: &AnswerProps) -> Html {
    let a = &p.answer;
    let class = match a.status {
        200..=299 => "ok",
        400..=499 => "warn",
        _ => "bad",
    };
    let max_us = a.trace.iter().filter_map(|t| t.latency_us).max().unwrap_or(1).max(1);
    html! {
        <div class="console-answer">
            <div class="card response" aria-label="Response">
                <div class="result-head">
                    <span class={classes!("status-code", class)} aria-label="Status">{ a.status }</span>
                    <span class="muted">{ format!("{:.1} ms in API Gateway", a.total_ms) }</span>
                    <code class="console-url">{ &a.url }</code>
                </div>
                <h4>{ "Headers" }</h4>
                <table class="grid headers-table"><tbody>{ for a.headers.iter().map(|(k, v)| html! { <tr><th>{ k }</th><td>{ v }</td></tr> }) }</tbody></table>
                <h4>{ "Body" }</h4>
                <pre class="response-body" aria-label="Response body">{ pretty(&a.body) }</pre>
            </div>
            <div class="card trace" aria-label="Execution trace">
                <h4>{ "Execution trace" }</h4>
                <ol class="trace-steps">
                    { for a.trace.iter().map(|t| {
                        let (text, payload) = split_payload(&t.message);
                        html! {
                            <li class={classes!("trace-step", step_class(&t.step, &t.message))}>
                                <div class="trace-head">
                                    <strong class="trace-name">{ &t.step }</strong>
                                    <span class="spacer" />
                                    { match t.latency_us {
                                        Some(us) => html! { <>
                                            <span class="trace-bar"><span style={format!("width: {:.0}%", us as f64 / max_us as f64 * 100.0)} /></span>
                                            <span class="trace-ms">{ format!("{:.1} ms", us as f64 / 1000.0) }</span>
                                        </> },
                                        None => html! {},
                                    } }
                                </div>
                                <div class="trace-note">{ step_note(&t.step) }</div>
                                <div class="trace-msg">{ text }</div>
                                if let Some(pl) = payload {
                                    <pre class="trace-payload">{ pl }</pre>
                                }
                            </li>
                        }
                    }) }
                </ol>
                if a.trace.iter().any(|t| t.latency_us.is_some()) {
                    <p class="hint">{ "Latencies are the gateway's own steps in the sandbox's latency model; a Lambda function's run time is in its REPORT line (Functions → Monitor)." }</p>
                } else {
                    <p class="hint">{ "TestInvokeMethod reports one total latency, as AWS's does." }</p>
                }
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_invoke_log_parses_into_steps() {
        let log = "Execution log for request abc\nWed Nov 25 15:37:56 UTC 2026 : Method request: HTTP Method: GET, Resource Path: /pets\nWed Nov 25 15:37:56 UTC 2026 : Request mapping: Request template for application/json rendered: {\"a\":\n1}\n";
        let rows = parse_log(log);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].step, "Method request");
        assert_eq!(rows[1].message, "Request template for application/json rendered: {\"a\":\n1}");
        let (text, payload) = split_payload(&rows[1].message);
        assert_eq!(text, "Request template for application/json rendered:");
        assert_eq!(payload.as_deref(), Some("{\n  \"a\": 1\n}"));
    }

    #[test]
    fn a_message_without_json_has_no_payload() {
        assert_eq!(split_payload("HTTP Method: GET, Resource Path: /pets; path: {id=1}, query string: {}, headers: {}, body: ").1, None);
    }
}
