//! Amazon API Gateway (REST APIs, and HTTP APIs listed beside them, see [`super::api_http`]): the
//! region's APIs (GetRestApis, apigatewayv2 GetApis) with a create form and the
//! one-click CRUD sample, and for an API its resource tree (GetResources with embedded methods),
//! a method drawn as the console draws it (method request → integration request → integration
//! response → method response) with editors for each box, deployments and stages
//! ([`super::api_deploy`]), the request console with its execution trace
//! ([`super::api_console`]), and API keys with usage plans.
//!
//! The selected API lives in the hash (`#/apis/{id}`), read here so the shell's route stays
//! `Route::Apis`.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        api_console::{Console, Preset},
        api_deploy::{KeysAndPlans, Stages},
        api_http::HttpApiDetail,
        api_sample,
        code_editor::CodeEditor,
        functions::{input_value, select_value},
    },
};

pub const METHODS: &[&str] = &["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn current_api() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let rest = hash.trim_start_matches('#').trim_start_matches('/').strip_prefix("apis/")?;
    let id = rest.split('/').next().unwrap_or_default();
    (!id.is_empty()).then(|| id.to_string())
}

pub fn api_hash(id: Option<&str>) -> String {
    match id {
        Some(id) => format!("#/apis/{id}"),
        None => Route::Apis.hash(),
    }
}

/// The Lambda function ARN a proxy or non-proxy integration URI calls.
pub fn lambda_of(uri: &str) -> Option<String> {
    let rest = uri.split_once("/functions/")?.1;
    let arn = rest.strip_suffix("/invocations")?;
    Some(arn.rsplit(':').next().unwrap_or(arn).to_string())
}

pub fn lambda_uri(region: &str, function: &str) -> String {
    let account = gureum_engine::kernel::account::DEFAULT_ACCOUNT_ID;
    format!("arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/arn:aws:lambda:{region}:{account}:function:{function}/invocations")
}

/// A short label for an integration.
pub fn integration_label(i: &Value) -> String {
    match i["type"].as_str() {
        None => "no integration".into(),
        Some("MOCK") => "Mock".into(),
        Some("AWS_PROXY") => format!("Lambda proxy: {}", lambda_of(i["uri"].as_str().unwrap_or_default()).unwrap_or_default()),
        Some("AWS") => match lambda_of(i["uri"].as_str().unwrap_or_default()) {
            Some(f) => format!("Lambda: {f}"),
            None => format!("AWS service: {}", i["uri"].as_str().unwrap_or_default()),
        },
        Some(t) => format!("{t} {} {}", i["httpMethod"].as_str().unwrap_or_default(), i["uri"].as_str().unwrap_or_default()),
    }
}

#[function_component(Apis)]
pub fn apis() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let http_list = use_state(Vec::<Value>::new);
    let creating = use_state(|| false);
    let selected = use_state(current_api);
    let sample_busy = use_state(|| None::<String>);
    {
        let selected = selected.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| gloo::events::EventListener::new(&w, "hashchange", move |_| selected.set(current_api())));
            move || drop(listener)
        });
    }
    {
        let (list, http_list, ctx2) = (list.clone(), http_list.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("apigatewayv2", "GetApis", json!({})).await {
                    Ok(v) => http_list.set(v["items"].as_array().cloned().unwrap_or_default()),
                    Err(e) => ctx2.error(&e),
                }
                match ctx2.bridge.send("apigateway", "GetRestApis", json!({"limit": 500})).await {
                    Ok(v) => list.set(Some(v["item"].as_array().cloned().unwrap_or_default())),
                    Err(e) => {
                        ctx2.error(&e);
                        list.set(Some(Vec::new()));
                    }
                }
            });
            || ()
        });
    }
    let sample = {
        let (ctx, busy) = (ctx.clone(), sample_busy.clone());
        Callback::from(move |_| {
            let (ctx, busy) = (ctx.clone(), busy.clone());
            busy.set(Some("Starting…".into()));
            wasm_bindgen_futures::spawn_local(async move {
                let progress = {
                    let busy = busy.clone();
                    move |s: &str| busy.set(Some(s.to_string()))
                };
                match api_sample::create(&ctx, &progress).await {
                    Ok(id) => {
                        ctx.notify.emit(Notice::info("CRUD API ready", "Table Items, function items-crud and the items API deployed to dev. Try it in the Console tab."));
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().set_hash(&format!("{}/console", api_hash(Some(&id))));
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(None);
            });
        })
    };
    let current = (*selected).as_ref().and_then(|id| list.as_ref().and_then(|l| l.iter().find(|a| a["id"] == json!(id)).cloned()));
    let current_http = (*selected).as_ref().and_then(|id| http_list.iter().find(|a| a["apiId"] == json!(id)).cloned());
    html! {
        <section class="panel apis">
            <header class="panel-head">
                <h1>{ "APIs" }</h1><span class="aws-name">{ format!("Amazon API Gateway · REST and HTTP APIs · {}", ctx.region) }</span>
                <div class="spacer" />
                <button class="btn" onclick={sample} disabled={sample_busy.is_some()} title="Creates a DynamoDB table, a Lambda function and a REST API with /items and /items/{id}, deployed to dev">
                    { match &*sample_busy { Some(s) => s.clone(), None => "Sample: CRUD API".into() } }
                </button>
                <button class="btn primary" onclick={let c = creating.clone(); Callback::from(move |_| c.set(true))}>{ "Create API" }</button>
            </header>
            <p class="hint apis-intro">
                { "A REST API is a tree of " }<strong>{ "resources" }</strong>{ " (paths such as /items/{id}) with " }<strong>{ "methods" }</strong>
                { " (GET, POST, ANY…). Each method sends the request to an " }<strong>{ "integration" }</strong>
                { " (a Lambda function, a mock, an HTTP endpoint or another AWS service). Changes go live only when you " }<strong>{ "deploy" }</strong>
                { " the API to a " }<strong>{ "stage" }</strong>{ " (dev, prod); the console can also test a method before deploying." }
            </p>
            if *creating {
                <CreateApi on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading APIs…" }</p> },
                Some(l) if l.is_empty() => html! { <div class="empty-state"><p>{ "No REST APIs in this region yet. Create one, or load the CRUD sample: a table, a function and an API that reads and writes items." }</p></div> },
                Some(l) => html! {
                    <table class="grid api-list" aria-label="REST APIs">
                        <thead><tr><th>{ "Name" }</th><th>{ "ID" }</th><th>{ "Endpoint type" }</th><th>{ "Description" }</th><th>{ "Created" }</th><th></th></tr></thead>
                        <tbody>
                            { for l.iter().map(|a| {
                                let id = a["id"].as_str().unwrap_or_default().to_string();
                                let sel = selected.as_deref() == Some(id.as_str());
                                let delete = {
                                    let (ctx, id, name) = (ctx.clone(), id.clone(), a["name"].as_str().unwrap_or_default().to_string());
                                    Callback::from(move |_| {
                                        let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the API {name} with its stages and deployments?")).ok()).unwrap_or(false);
                                        if !ok { return; }
                                        let (ctx, id) = (ctx.clone(), id.clone());
                                        wasm_bindgen_futures::spawn_local(async move {
                                            match ctx.bridge.send("apigateway", "DeleteRestApi", json!({"restApiId": id})).await {
                                                Ok(_) => if current_api().as_deref() == Some(id.as_str()) { if let Some(w) = web_sys::window() { let _ = w.location().set_hash(&api_hash(None)); } },
                                                Err(e) => ctx.error(&e),
                                            }
                                        });
                                    })
                                };
                                html! {
                                    <tr class={classes!(sel.then_some("selected"))}>
                                        <td><a href={api_hash(Some(&id))}>{ a["name"].as_str().unwrap_or_default() }</a></td>
                                        <td><code>{ &id }</code></td>
                                        <td>{ a["endpointConfiguration"]["types"][0].as_str().unwrap_or_default() }</td>
                                        <td class="desc">{ a["description"].as_str().unwrap_or_default() }</td>
                                        <td>{ date(a["createdDate"].as_i64().unwrap_or(0)) }</td>
                                        <td><button class="btn small danger" onclick={delete} aria-label={format!("Delete {}", a["name"].as_str().unwrap_or_default())}>{ "Delete" }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            if !http_list.is_empty() {
                <table class="grid api-list" aria-label="HTTP APIs">
                    <thead><tr><th>{ "HTTP API" }</th><th>{ "ID" }</th><th>{ "Protocol" }</th><th>{ "Description" }</th><th>{ "Created" }</th><th></th></tr></thead>
                    <tbody>
                        { for http_list.iter().map(|a| {
                            let id = a["apiId"].as_str().unwrap_or_default().to_string();
                            let sel = selected.as_deref() == Some(id.as_str());
                            let delete = {
                                let (ctx, id, name) = (ctx.clone(), id.clone(), a["name"].as_str().unwrap_or_default().to_string());
                                Callback::from(move |_| {
                                    let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the HTTP API {name} with its routes and stages?")).ok()).unwrap_or(false);
                                    if !ok { return; }
                                    let (ctx, id) = (ctx.clone(), id.clone());
                                    wasm_bindgen_futures::spawn_local(async move {
                                        if let Err(e) = ctx.bridge.send("apigatewayv2", "DeleteApi", json!({"apiId": id})).await { ctx.error(&e); }
                                    });
                                })
                            };
                            html! {
                                <tr class={classes!(sel.then_some("selected"))}>
                                    <td><a href={api_hash(Some(&id))}>{ a["name"].as_str().unwrap_or_default() }</a></td>
                                    <td><code>{ &id }</code></td>
                                    <td>{ a["protocolType"].as_str().unwrap_or_default() }</td>
                                    <td class="desc">{ a["description"].as_str().unwrap_or_default() }</td>
                                    <td>{ a["createdDate"].as_str().and_then(|d| d.get(..16)).unwrap_or_default().replace('T', " ") }</td>
                                    <td><button class="btn small danger" onclick={delete} aria-label={format!("Delete {}", a["name"].as_str().unwrap_or_default())}>{ "Delete" }</button></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
            { match (&*selected, current) {
                (Some(id), Some(api)) => html! { <ApiDetail key={id.clone()} api={api} /> },
                (Some(id), None) if current_http.is_some() => html! { <HttpApiDetail key={id.clone()} api={current_http.clone().unwrap_or_default()} /> },
                (Some(id), None) if list.is_some() => html! { <p class="muted">{ format!("There is no REST API with id {id} in {}.", ctx.region) }</p> },
                _ => html! {},
            } }
        </section>
    }
}

/// Epoch seconds as `YYYY-MM-DD HH:MM` (UTC).
pub fn date(s: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(s as f64 * 1000.0));
    let iso: String = d.to_iso_string().into();
    iso.get(..16).unwrap_or(&iso).replace('T', " ")
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
}

#[function_component(CreateApi)]
fn create_api(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let description = use_state(String::new);
    let endpoint = use_state(|| "REGIONAL".to_string());
    let submit = {
        let (ctx, name, description, endpoint, close) = (ctx.clone(), name.clone(), description.clone(), endpoint.clone(), p.on_close.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"name": name.trim(), "endpointConfiguration": {"types": [*endpoint]}});
            if !description.trim().is_empty() {
                req["description"] = json!(description.trim());
            }
            let (ctx, close) = (ctx.clone(), close.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "CreateRestApi", req).await {
                    Ok(v) => {
                        close.emit(());
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().set_hash(&api_hash(v["id"].as_str()));
                        }
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
    html! {
        <form class="card api-form" onsubmit={submit} aria-label="Create REST API">
            <h2>{ "Create REST API" }</h2>
            <div class="field"><label for="api-name">{ "API name" }</label><input id="api-name" required=true value={(*name).clone()} oninput={text(&name)} placeholder="pets" /></div>
            <div class="field"><label for="api-desc">{ "Description (optional)" }</label><input id="api-desc" value={(*description).clone()} oninput={text(&description)} /></div>
            <div class="field">
                <label for="api-endpoint">{ "API endpoint type" }</label>
                <select id="api-endpoint" onchange={let s = endpoint.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                    { for [("REGIONAL", "Regional: clients in the same region"), ("EDGE", "Edge-optimized: through CloudFront's edge locations"), ("PRIVATE", "Private: only from a VPC, through an interface endpoint")].iter().map(|(v, l)| html! { <option value={*v} selected={*endpoint == *v}>{ *l }</option> }) }
                </select>
            </div>
            <div class="actions">
                <button type="submit" class="btn primary">{ "Create API" }</button>
                <button type="button" class="btn" onclick={let c = p.on_close.clone(); Callback::from(move |_| c.emit(()))}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    api: Value,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Resources,
    Stages,
    Console,
    Keys,
}

fn tab_of_hash() -> Tab {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    match hash.rsplit('/').next() {
        Some("stages") => Tab::Stages,
        Some("console") => Tab::Console,
        Some("keys") => Tab::Keys,
        _ => Tab::Resources,
    }
}

#[function_component(ApiDetail)]
fn api_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let api = &p.api;
    let id = api["id"].as_str().unwrap_or_default().to_string();
    let tab = use_state(tab_of_hash);
    let resources = use_state(Vec::<Value>::new);
    let stages = use_state(Vec::<Value>::new);
    let selected = use_state(|| None::<String>);
    let method = use_state(|| None::<String>);
    let preset = use_state(|| None::<Preset>);
    {
        let (ctx2, id, resources, stages) = (ctx.clone(), id.clone(), resources.clone(), stages.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("apigateway", "GetResources", json!({"restApiId": id, "embed": ["methods"], "limit": 500})).await {
                    Ok(v) => resources.set(v["item"].as_array().cloned().unwrap_or_default()),
                    Err(e) => ctx2.error(&e),
                }
                if let Ok(v) = ctx2.bridge.send("apigateway", "GetStages", json!({"restApiId": id})).await {
                    stages.set(v["item"].as_array().cloned().unwrap_or_default());
                }
            });
            || ()
        });
    }
    let root = api["rootResourceId"].as_str().unwrap_or_default().to_string();
    let sel_id = (*selected).clone().unwrap_or(root.clone());
    let resource = resources.iter().find(|r| r["id"] == json!(sel_id)).cloned();
    let set_tab = |t: Tab| {
        let (tab, id) = (tab.clone(), id.clone());
        Callback::from(move |_: ()| {
            tab.set(t);
            let suffix = match t {
                Tab::Resources => "",
                Tab::Stages => "/stages",
                Tab::Console => "/console",
                Tab::Keys => "/keys",
            };
            if let Some(w) = web_sys::window() {
                if let Ok(h) = w.history() {
                    let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{}{suffix}", api_hash(Some(&id)))));
                }
            }
        })
    };
    let on_test = {
        let (preset, set) = (preset.clone(), set_tab(Tab::Console));
        Callback::from(move |p: Preset| {
            preset.set(Some(p));
            set.emit(());
        })
    };
    let tab_button = |t: Tab, label: &str| html! { <button class={classes!("tab", (*tab == t).then_some("on"))} onclick={ { let cb = set_tab(t); Callback::from(move |_: MouseEvent| cb.emit(())) } }>{ label.to_string() }</button> };
    html! {
        <div class="api-detail">
            <div class="detail-head">
                <h2>{ api["name"].as_str().unwrap_or_default() }</h2>
                <code class="arn">{ &id }</code>
                <span class="badge">{ api["endpointConfiguration"]["types"][0].as_str().unwrap_or_default() }</span>
                <span class="muted">{ api["description"].as_str().unwrap_or_default() }</span>
            </div>
            <div class="tabs" role="tablist">
                { tab_button(Tab::Resources, "Resources") }
                { tab_button(Tab::Stages, "Stages & deployments") }
                { tab_button(Tab::Console, "Console") }
                { tab_button(Tab::Keys, "API keys & usage plans") }
            </div>
            { match *tab {
                Tab::Resources => html! {
                    <div class="api-resources">
                        <ResourceTree resources={(*resources).clone()} selected={sel_id.clone()} method={(*method).clone()}
                            on_select={let (s, m) = (selected.clone(), method.clone()); Callback::from(move |(r, meth): (String, Option<String>)| { s.set(Some(r)); m.set(meth); })} />
                        <div class="api-resource-pane">
                            { match resource {
                                Some(r) => html! { <ResourcePane key={format!("{}", r["id"])} api={id.clone()} resource={r.clone()} method={(*method).clone()}
                                    on_method={let m = method.clone(); Callback::from(move |x: Option<String>| m.set(x))}
                                    on_deleted={let (s, m) = (selected.clone(), method.clone()); Callback::from(move |_| { s.set(None); m.set(None); })}
                                    on_test={on_test.clone()} /> },
                                None => html! { <p class="muted">{ "Loading resources…" }</p> },
                            } }
                        </div>
                    </div>
                },
                Tab::Stages => html! { <Stages api={id.clone()} stages={(*stages).clone()} /> },
                Tab::Console => html! { <Console api={id.clone()} resources={(*resources).clone()} stages={(*stages).clone()} preset={(*preset).clone()} /> },
                Tab::Keys => html! { <KeysAndPlans api={id.clone()} stages={(*stages).clone()} /> },
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TreeProps {
    resources: Vec<Value>,
    selected: String,
    method: Option<String>,
    on_select: Callback<(String, Option<String>)>,
}

#[function_component(ResourceTree)]
fn resource_tree(p: &TreeProps) -> Html {
    // Sorted by path, so a parent comes before its children; depth is the number of segments.
    let mut rs = p.resources.clone();
    rs.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    html! {
        <nav class="api-tree" aria-label="Resources">
            <ul>
                { for rs.iter().map(|r| {
                    let id = r["id"].as_str().unwrap_or_default().to_string();
                    let path = r["path"].as_str().unwrap_or_default();
                    let depth = path.split('/').filter(|s| !s.is_empty()).count();
                    let label = if path == "/" { "/".to_string() } else { format!("/{}", r["pathPart"].as_str().unwrap_or_default()) };
                    let is_var = label.contains('{');
                    let sel = p.selected == id && p.method.is_none();
                    let pick = { let (cb, id) = (p.on_select.clone(), id.clone()); Callback::from(move |_| cb.emit((id.clone(), None))) };
                    let methods: Vec<String> = r["resourceMethods"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
                    html! {
                        <li style={format!("padding-left: {}px", depth * 14)}>
                            <button class={classes!("tree-node", sel.then_some("on"), is_var.then_some("var"))} onclick={pick} title={path.to_string()}>{ label }</button>
                            { for methods.iter().map(|m| {
                                let on = p.selected == id && p.method.as_deref() == Some(m.as_str());
                                let pick = { let (cb, id, m) = (p.on_select.clone(), id.clone(), m.clone()); Callback::from(move |_| cb.emit((id.clone(), Some(m.clone())))) };
                                html! { <button class={classes!("tree-method", on.then_some("on"), format!("m-{}", m.to_lowercase()))} onclick={pick} aria-label={format!("{m} {path}")}>{ m }</button> }
                            }) }
                        </li>
                    }
                }) }
            </ul>
        </nav>
    }
}

#[derive(Properties, PartialEq)]
struct PaneProps {
    api: String,
    resource: Value,
    method: Option<String>,
    on_method: Callback<Option<String>>,
    on_deleted: Callback<()>,
    on_test: Callback<Preset>,
}

/// An example path for a resource path: `{id}` → `1`, `{proxy+}` → `a/b`.
pub fn example_path(path: &str) -> String {
    path.split('/')
        .map(|s| match s {
            s if s.starts_with('{') && s.ends_with("+}") => "a/b".to_string(),
            s if s.starts_with('{') => "1".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[function_component(ResourcePane)]
fn resource_pane(p: &PaneProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let r = &p.resource;
    let rid = r["id"].as_str().unwrap_or_default().to_string();
    let path = r["path"].as_str().unwrap_or_default().to_string();
    let part = use_state(String::new);
    let proxy = use_state(|| false);
    let new_method = use_state(|| "GET".to_string());
    let new_kind = use_state(|| "MOCK".to_string());
    let functions = use_functions();
    let function = use_state(String::new);
    let methods: Vec<(String, Value)> = r["resourceMethods"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    let create_child = {
        let (ctx, api, rid, part, proxy) = (ctx.clone(), p.api.clone(), rid.clone(), part.clone(), proxy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let pp = if *proxy { "{proxy+}".to_string() } else { part.trim().to_string() };
            let (ctx, req, part) = (ctx.clone(), json!({"restApiId": api, "parentId": rid, "pathPart": pp}), part.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "CreateResource", req).await {
                    Ok(_) => part.set(String::new()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let delete = {
        let (ctx, api, rid, done, path) = (ctx.clone(), p.api.clone(), rid.clone(), p.on_deleted.clone(), path.clone());
        Callback::from(move |_| {
            let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete {path} with its child resources and methods?")).ok()).unwrap_or(false);
            if !ok {
                return;
            }
            let (ctx, req, done) = (ctx.clone(), json!({"restApiId": api, "resourceId": rid}), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "DeleteResource", req).await {
                    Ok(_) => done.emit(()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    // The method to create: the one picked, or the first this resource does not have yet.
    let available: Vec<&str> = METHODS.iter().copied().filter(|m| !methods.iter().any(|(k, _)| k == m)).collect();
    let pick = if available.contains(&new_method.as_str()) { (*new_method).clone() } else { available.first().map(|m| m.to_string()).unwrap_or_default() };
    let add_method = {
        let (ctx, api, rid, m, kind, function, on_method) = (ctx.clone(), p.api.clone(), rid.clone(), pick.clone(), new_kind.clone(), function.clone(), p.on_method.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, api, rid, m, kind, f, on_method) = (ctx.clone(), api.clone(), rid.clone(), m.clone(), (*kind).clone(), (*function).clone(), on_method.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match create_method(&ctx, &api, &rid, &m, &kind, &f).await {
                    Ok(()) => on_method.emit(Some(m)),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let first_fn = functions.first().cloned().unwrap_or_default();
    let chosen_fn = if function.is_empty() { first_fn } else { (*function).clone() };
    {
        let function = function.clone();
        let chosen = chosen_fn.clone();
        use_effect_with(chosen, move |c| {
            if function.is_empty() && !c.is_empty() {
                function.set(c.clone());
            }
            || ()
        });
    }
    let is_proxy_child = path.contains('+');
    html! {
        <div class="api-pane">
            { match p.method.as_ref().and_then(|m| methods.iter().find(|(k, _)| k == m)) {
                Some((m, v)) => html! { <MethodView key={format!("{rid}/{m}")} api={p.api.clone()} resource={rid.clone()} path={path.clone()} method={m.clone()} data={v.clone()}
                    on_back={let cb = p.on_method.clone(); Callback::from(move |_| cb.emit(None))} on_test={p.on_test.clone()} /> },
                None => html! {
                    <>
                    <div class="detail-head">
                        <h3 class="res-path">{ &path }</h3>
                        <code class="arn">{ &rid }</code>
                        <div class="spacer" />
                        if path != "/" {
                            <button class="btn small danger" onclick={delete}>{ "Delete resource" }</button>
                        }
                    </div>
                    <h4>{ "Methods" }</h4>
                    if methods.is_empty() {
                        <p class="muted">{ "No methods on this resource yet: a request to it answers 403 Missing Authentication Token." }</p>
                    } else {
                        <table class="grid api-methods" aria-label="Methods">
                            <thead><tr><th>{ "Method" }</th><th>{ "Integration" }</th><th>{ "Authorization" }</th><th>{ "API key" }</th></tr></thead>
                            <tbody>
                                { for methods.iter().map(|(m, v)| {
                                    let open = { let (cb, m) = (p.on_method.clone(), m.clone()); Callback::from(move |_| cb.emit(Some(m.clone()))) };
                                    html! {
                                        <tr>
                                            <td><button class={classes!("tree-method", format!("m-{}", m.to_lowercase()))} onclick={open}>{ m }</button></td>
                                            <td>{ integration_label(&v["methodIntegration"]) }</td>
                                            <td>{ v["authorizationType"].as_str().unwrap_or_default() }</td>
                                            <td>{ if v["apiKeyRequired"] == json!(true) { "required" } else { "not required" } }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    }
                    <form class="card api-inline-form" onsubmit={add_method} aria-label="Create method">
                        <h4>{ "Create method" }</h4>
                        <div class="field-row">
                            <label>{ "Method " }
                                <select aria-label="HTTP method" onchange={let s = new_method.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                                    { for available.iter().map(|m| html! { <option value={*m} selected={pick == *m}>{ *m }</option> }) }
                                </select>
                            </label>
                            <label>{ "Integration " }
                                <select aria-label="Integration type" onchange={let s = new_kind.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                                    <option value="MOCK" selected={*new_kind == "MOCK"}>{ "Mock" }</option>
                                    <option value="AWS_PROXY" selected={*new_kind == "AWS_PROXY"}>{ "Lambda function (proxy)" }</option>
                                    <option value="AWS" selected={*new_kind == "AWS"}>{ "Lambda function (non-proxy, mapping templates)" }</option>
                                </select>
                            </label>
                            if *new_kind != "MOCK" {
                                <FunctionPicker functions={functions.clone()} value={chosen_fn.clone()} on_change={let f = function.clone(); Callback::from(move |v: String| f.set(v))} />
                            }
                            <button type="submit" class="btn primary" disabled={pick.is_empty() || (*new_kind != "MOCK" && chosen_fn.is_empty())}>{ "Create method" }</button>
                        </div>
                        <p class="hint">{ match new_kind.as_str() {
                            "MOCK" => "A mock answers from API Gateway itself: its request template picks the status ({\"statusCode\": 200}), the integration response's template writes the body. Good for trying mapping templates.",
                            "AWS_PROXY" => "Lambda proxy: the whole request goes to the function as an event (version 1.0), and the function's {statusCode, headers, body} is the response. No templates.",
                            _ => "Non-proxy: a request template shapes what the function receives, and integration responses map its result (or error, by selection pattern) to HTTP.",
                        } }</p>
                        if *new_kind != "MOCK" && functions.is_empty() {
                            <p class="hint">{ "No Lambda functions in this region yet: " }<a href={Route::Functions(None).hash()}>{ "create one" }</a>{ " first." }</p>
                        }
                    </form>
                    if !is_proxy_child {
                        <form class="card api-inline-form" onsubmit={create_child} aria-label="Create resource">
                            <h4>{ format!("Create a resource under {path}") }</h4>
                            <div class="field-row">
                                <label>{ "Path part " }<input aria-label="Path part" value={(*part).clone()} disabled={*proxy} placeholder="items or {id}" oninput={let s = part.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                                <label class="check"><input type="checkbox" checked={*proxy} onchange={let s = proxy.clone(); Callback::from(move |_| s.set(!*s))} />{ " Proxy resource {proxy+}" }</label>
                                <button type="submit" class="btn">{ "Create resource" }</button>
                            </div>
                            <p class="hint">{ "A path part in braces, such as {id}, is a path parameter: it matches any one segment, and the method reads it as $input.params('id') or event.pathParameters.id. {proxy+} matches one or more segments, so it catches every path below." }</p>
                        </form>
                    }
                    </>
                },
            } }
        </div>
    }
}

/// The region's Lambda function names.
#[hook]
pub fn use_functions() -> Vec<String> {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let fns = use_state(Vec::<String>::new);
    {
        let (ctx2, fns) = (ctx.clone(), fns.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("lambda", "ListFunctions", json!({})).await {
                    fns.set(v["Functions"].as_array().into_iter().flatten().filter_map(|f| f["FunctionName"].as_str().map(str::to_string)).collect());
                }
            });
            || ()
        });
    }
    (*fns).clone()
}

#[derive(Properties, PartialEq)]
struct PickerProps {
    functions: Vec<String>,
    value: String,
    on_change: Callback<String>,
}

#[function_component(FunctionPicker)]
fn function_picker(p: &PickerProps) -> Html {
    let cb = p.on_change.clone();
    html! {
        <label>{ "Function " }
            <select aria-label="Lambda function" onchange={Callback::from(move |e: Event| cb.emit(select_value(&e)))}>
                { for p.functions.iter().map(|f| html! { <option value={f.clone()} selected={p.value == *f}>{ f }</option> }) }
                if !p.value.is_empty() && !p.functions.contains(&p.value) {
                    <option value={p.value.clone()} selected=true>{ format!("{} (not found)", p.value) }</option>
                }
            </select>
        </label>
    }
}

/// A method as the console's quick create makes it: the method, its integration, and for a mock
/// or non-proxy integration a 200 method response with a 200 integration response.
pub async fn create_method(ctx: &Ctx, api: &str, rid: &str, method: &str, kind: &str, function: &str) -> Result<(), crate::bridge::ApiError> {
    let m = json!({"restApiId": api, "resourceId": rid, "httpMethod": method});
    ctx.bridge.send("apigateway", "PutMethod", with(&m, json!({"authorizationType": "NONE"}))).await?;
    let integration = match kind {
        "MOCK" => json!({"type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}),
        _ => json!({"type": kind, "integrationHttpMethod": "POST", "uri": lambda_uri(&ctx.region, function)}),
    };
    ctx.bridge.send("apigateway", "PutIntegration", with(&m, integration)).await?;
    ctx.bridge.send("apigateway", "PutMethodResponse", with(&m, json!({"statusCode": "200"}))).await?;
    if kind != "AWS_PROXY" {
        let templates =
            if kind == "MOCK" { json!({"application/json": "{\"message\": \"Hello from a mock integration\", \"path\": \"$context.resourcePath\"}"}) } else { json!({}) };
        ctx.bridge.send("apigateway", "PutIntegrationResponse", with(&m, json!({"statusCode": "200", "responseTemplates": templates}))).await?;
    }
    Ok(())
}

#[derive(Properties, PartialEq)]
struct MethodProps {
    api: String,
    resource: String,
    path: String,
    method: String,
    /// The method as GetMethod answers it.
    data: Value,
    on_back: Callback<()>,
    on_test: Callback<Preset>,
}

#[derive(Clone, Copy, PartialEq)]
enum Box4 {
    MethodRequest,
    IntegrationRequest,
    IntegrationResponse,
    MethodResponse,
}

#[function_component(MethodView)]
fn method_view(p: &MethodProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let editing = use_state(|| None::<Box4>);
    let d = &p.data;
    let i = &d["methodIntegration"];
    let kind = i["type"].as_str().unwrap_or("");
    let proxy = kind.ends_with("_PROXY");
    let base = json!({"restApiId": p.api, "resourceId": p.resource, "httpMethod": p.method});
    let delete = {
        let (ctx, base, back) = (ctx.clone(), base.clone(), p.on_back.clone());
        Callback::from(move |_| {
            let (ctx, base, back) = (ctx.clone(), base.clone(), back.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "DeleteMethod", base).await {
                    Ok(_) => back.emit(()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let test = {
        let (cb, m, path, rid) = (p.on_test.clone(), p.method.clone(), p.path.clone(), p.resource.clone());
        Callback::from(move |_| cb.emit(Preset { method: m.clone(), path: example_path(&path), resource: Some(rid.clone()), test: true }))
    };
    let edit = |b: Box4| {
        let e = editing.clone();
        Callback::from(move |_| e.set(if *e == Some(b) { None } else { Some(b) }))
    };
    let method_responses: Vec<String> = d["methodResponses"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let int_responses: Vec<Value> = i["integrationResponses"].as_object().map(|o| o.values().cloned().collect()).unwrap_or_default();
    let templates: Vec<String> = i["requestTemplates"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let on = |b: Box4| (*editing == Some(b)).then_some("editing");
    html! {
        <div class="method-view" aria-label="Method">
            <div class="detail-head">
                <button class="btn small" onclick={let cb = p.on_back.clone(); Callback::from(move |_| cb.emit(()))}>{ "← Resource" }</button>
                <h3><span class={classes!("tree-method", format!("m-{}", p.method.to_lowercase()))}>{ &p.method }</span>{ " " }{ &p.path }</h3>
                <div class="spacer" />
                <button class="btn primary" onclick={test}>{ "Test" }</button>
                <button class="btn small danger" onclick={delete}>{ "Delete method" }</button>
            </div>
            <div class="flow" aria-label="Method execution">
                <div class="flow-client">{ "Client" }</div>
                <button class={classes!("flow-box", "req", on(Box4::MethodRequest))} onclick={edit(Box4::MethodRequest)} aria-label="Method request">
                    <strong>{ "Method request" }</strong>
                    <span>{ format!("Authorization: {}", d["authorizationType"].as_str().unwrap_or_default()) }</span>
                    <span>{ format!("API key: {}", if d["apiKeyRequired"] == json!(true) { "required" } else { "not required" }) }</span>
                </button>
                <div class="flow-arrow">{ "→" }</div>
                <button class={classes!("flow-box", "req", on(Box4::IntegrationRequest))} onclick={edit(Box4::IntegrationRequest)} aria-label="Integration request">
                    <strong>{ "Integration request" }</strong>
                    <span>{ integration_label(i) }</span>
                    <span>{ if proxy { "Proxy: the request passes as is".to_string() } else if templates.is_empty() { format!("No templates; passthrough {}", i["passthroughBehavior"].as_str().unwrap_or_default()) } else { format!("Templates: {}", templates.join(", ")) } }</span>
                </button>
                <div class="flow-arrow">{ "→" }</div>
                <div class="flow-endpoint">{ match kind { "MOCK" => "Mock endpoint".to_string(), "" => "No integration".into(), _ => lambda_of(i["uri"].as_str().unwrap_or_default()).map(|f| format!("λ {f}")).unwrap_or_else(|| i["uri"].as_str().unwrap_or_default().to_string()) } }</div>
                <div class="flow-client">{ "Client" }</div>
                <button class={classes!("flow-box", "res", on(Box4::MethodResponse))} onclick={edit(Box4::MethodResponse)} aria-label="Method response">
                    <strong>{ "Method response" }</strong>
                    <span>{ if proxy { "Set by the function".to_string() } else if method_responses.is_empty() { "No responses defined".into() } else { format!("HTTP status: {}", method_responses.join(", ")) } }</span>
                </button>
                <div class="flow-arrow">{ "←" }</div>
                <button class={classes!("flow-box", "res", on(Box4::IntegrationResponse))} onclick={edit(Box4::IntegrationResponse)} aria-label="Integration response">
                    <strong>{ "Integration response" }</strong>
                    <span>{ if proxy { "Proxy: the function's answer passes as is".to_string() } else if int_responses.is_empty() { "None: every answer fails with 500".into() } else { int_responses.iter().map(|r| format!("{} ← {}", r["statusCode"].as_str().unwrap_or_default(), r["selectionPattern"].as_str().map(|s| format!("/{s}/")).unwrap_or_else(|| "default".into()))).collect::<Vec<_>>().join(", ") } }</span>
                </button>
                <div class="flow-arrow">{ "←" }</div>
                <div class="flow-endpoint back" aria-hidden="true">{ "" }</div>
            </div>
            { match *editing {
                Some(Box4::MethodRequest) => html! { <MethodRequestEditor base={base.clone()} data={d.clone()} /> },
                Some(Box4::IntegrationRequest) => html! { <IntegrationEditor base={base.clone()} data={i.clone()} method_responses={method_responses.clone()} /> },
                Some(Box4::IntegrationResponse) => html! { <IntegrationResponses base={base.clone()} data={i.clone()} method_responses={method_responses.clone()} proxy={proxy} /> },
                Some(Box4::MethodResponse) => html! { <MethodResponses base={base.clone()} codes={method_responses.clone()} proxy={proxy} /> },
                None => html! { <p class="hint">{ "Click a box to edit it. A request flows along the top row to the integration, and the answer comes back along the bottom row." }</p> },
            } }
        </div>
    }
}

fn with(base: &Value, extra: Value) -> Value {
    let mut o = base.clone();
    if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    o
}

#[derive(Properties, PartialEq)]
struct MrProps {
    base: Value,
    data: Value,
}

#[function_component(MethodRequestEditor)]
fn method_request_editor(p: &MrProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let auth = use_state(|| p.data["authorizationType"].as_str().unwrap_or("NONE").to_string());
    let key = use_state(|| p.data["apiKeyRequired"] == json!(true));
    let save = {
        let (ctx, base, auth, key) = (ctx.clone(), p.base.clone(), auth.clone(), key.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let ops = json!([{"op": "replace", "path": "/authorizationType", "value": *auth}, {"op": "replace", "path": "/apiKeyRequired", "value": key.to_string()}]);
            let (ctx, req) = (ctx.clone(), with(&base, json!({"patchOperations": ops})));
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "UpdateMethod", req).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Method request saved", "Deploy the API for a stage to see the change.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <form class="card box-editor" onsubmit={save} aria-label="Edit method request">
            <h4>{ "Method request" }</h4>
            <div class="field-row">
                <label>{ "Authorization " }
                    <select aria-label="Authorization" onchange={let s = auth.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                        <option value="NONE" selected={*auth == "NONE"}>{ "NONE" }</option>
                        <option value="AWS_IAM" selected={*auth == "AWS_IAM"}>{ "AWS_IAM" }</option>
                    </select>
                </label>
                <label class="check"><input type="checkbox" aria-label="API key required" checked={*key} onchange={let s = key.clone(); Callback::from(move |_| s.set(!*s))} />{ " API key required" }</label>
                <button type="submit" class="btn primary">{ "Save" }</button>
            </div>
            <p class="hint">{ "With API key required, a request without a valid x-api-key header (of a key in a usage plan for the stage) gets 403 Forbidden; beyond the plan's throttle it gets 429. Lambda and Cognito authorizers are not in this build of the sandbox yet." }</p>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct IeProps {
    base: Value,
    data: Value,
    method_responses: Vec<String>,
}

#[function_component(IntegrationEditor)]
fn integration_editor(p: &IeProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let i = &p.data;
    let uri = i["uri"].as_str().unwrap_or_default().to_string();
    let initial_kind = match i["type"].as_str().unwrap_or("MOCK") {
        "AWS" if lambda_of(&uri).is_none() => "AWS_SERVICE".to_string(),
        k => k.to_string(),
    };
    let kind = use_state(|| initial_kind);
    let functions = use_functions();
    let function = use_state(|| lambda_of(&uri).unwrap_or_default());
    let url = use_state(|| if uri.starts_with("http") { uri.clone() } else { "https://example.com/".into() });
    let service_uri =
        use_state(|| if uri.starts_with("arn:") && lambda_of(&uri).is_none() { uri.clone() } else { format!("arn:aws:apigateway:{}:sqs:path/123456789012/my-queue", ctx.region) });
    let http_method = use_state(|| i["httpMethod"].as_str().unwrap_or("POST").to_string());
    let passthrough = use_state(|| i["passthroughBehavior"].as_str().unwrap_or("WHEN_NO_MATCH").to_string());
    let content_type = use_state(|| i["requestTemplates"].as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_else(|| "application/json".into()));
    let template = use_state(|| i["requestTemplates"].as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap_or_default().to_string());
    let fn_value = if function.is_empty() { functions.first().cloned().unwrap_or_default() } else { (*function).clone() };
    let save = {
        let (ctx, base, kind, fn_value, url, service_uri, http_method, passthrough, content_type, template) = (
            ctx.clone(),
            p.base.clone(),
            kind.clone(),
            fn_value.clone(),
            url.clone(),
            service_uri.clone(),
            http_method.clone(),
            passthrough.clone(),
            content_type.clone(),
            template.clone(),
        );
        let old = i.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let k = (*kind).clone();
            let mut req = match k.as_str() {
                "MOCK" => json!({"type": "MOCK"}),
                "AWS_PROXY" | "AWS" => json!({"type": k, "integrationHttpMethod": "POST", "uri": lambda_uri(&ctx.region, &fn_value)}),
                "AWS_SERVICE" => json!({"type": "AWS", "integrationHttpMethod": *http_method, "uri": *service_uri}),
                _ => json!({"type": k, "integrationHttpMethod": *http_method, "uri": *url}),
            };
            let proxy = k.ends_with("_PROXY");
            if !proxy {
                req["passthroughBehavior"] = json!(*passthrough);
                if !template.trim().is_empty() {
                    req["requestTemplates"] = json!({ (*content_type).clone(): *template });
                }
            }
            let (ctx, base, old) = (ctx.clone(), base.clone(), old.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("apigateway", "PutIntegration", with(&base, req)).await {
                    return ctx.error(&e);
                }
                // PutIntegration replaces the integration with its responses, as AWS's does: put
                // the integration responses back for a non-proxy integration.
                if !proxy {
                    for r in old["integrationResponses"].as_object().map(|o| o.values().cloned().collect::<Vec<_>>()).unwrap_or_default() {
                        let mut put = json!({"statusCode": r["statusCode"], "responseTemplates": r.get("responseTemplates").cloned().unwrap_or(json!({}))});
                        if let Some(s) = r["selectionPattern"].as_str() {
                            put["selectionPattern"] = json!(s);
                        }
                        if let Some(rp) = r.get("responseParameters") {
                            put["responseParameters"] = rp.clone();
                        }
                        if let Err(e) = ctx.bridge.send("apigateway", "PutIntegrationResponse", with(&base, put)).await {
                            return ctx.error(&e);
                        }
                    }
                }
                ctx.notify.emit(Notice::info("Integration request saved", "Test it now, or deploy the API for a stage to see the change."));
            });
        })
    };
    let k = (*kind).clone();
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(input_value(&e)))
    };
    html! {
        <form class="card box-editor" onsubmit={save} aria-label="Edit integration request">
            <h4>{ "Integration request" }</h4>
            <div class="field-row">
                <label>{ "Integration type " }
                    <select aria-label="Integration type" onchange={let s = kind.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                        { for [("MOCK", "Mock"), ("AWS_PROXY", "Lambda function, proxy"), ("AWS", "Lambda function, non-proxy"), ("AWS_SERVICE", "AWS service"), ("HTTP", "HTTP"), ("HTTP_PROXY", "HTTP proxy")].iter().map(|(v, l)| html! { <option value={*v} selected={k == *v}>{ *l }</option> }) }
                    </select>
                </label>
                if k == "AWS_PROXY" || k == "AWS" {
                    <FunctionPicker functions={functions.clone()} value={fn_value.clone()} on_change={let f = function.clone(); Callback::from(move |v: String| f.set(v))} />
                }
                if k == "HTTP" || k == "HTTP_PROXY" || k == "AWS_SERVICE" {
                    <label>{ "HTTP method " }
                        <select aria-label="Integration HTTP method" onchange={let s = http_method.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                            { for METHODS.iter().map(|m| html! { <option value={*m} selected={*http_method == *m}>{ *m }</option> }) }
                        </select>
                    </label>
                }
            </div>
            if k == "HTTP" || k == "HTTP_PROXY" {
                <div class="field"><label>{ "Endpoint URL " }<input aria-label="Endpoint URL" class="wide" value={(*url).clone()} oninput={text(&url)} /></label></div>
                <p class="hint">{ "HTTP integrations are saved and deployed like on AWS, but this build of the sandbox sends no network requests: a call answers 500 and the trace says why. (In a browser, a real call would also need the endpoint to allow CORS.)" }</p>
            }
            if k == "AWS_SERVICE" {
                <div class="field"><label>{ "Action or path URI " }<input aria-label="AWS service URI" class="wide" value={(*service_uri).clone()} oninput={text(&service_uri)} /></label></div>
                <p class="hint">{ "arn:aws:apigateway:{region}:{service}:action/{Action} or …:path/{path}. The engine saves it as AWS does; whether it can call the service yet, the trace of a test says." }</p>
            }
            if !k.ends_with("_PROXY") {
                <div class="field-row">
                    <label>{ "Request body passthrough " }
                        <select aria-label="Passthrough behavior" onchange={let s = passthrough.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                            { for [("WHEN_NO_MATCH", "When no template matches the Content-Type"), ("WHEN_NO_TEMPLATES", "When no templates are defined"), ("NEVER", "Never (415 without a matching template)")].iter().map(|(v, l)| html! { <option value={*v} selected={*passthrough == *v}>{ *l }</option> }) }
                        </select>
                    </label>
                    <label>{ "Template content type " }<input aria-label="Template content type" value={(*content_type).clone()} oninput={text(&content_type)} /></label>
                </div>
                <CodeEditor label="Request mapping template (VTL)" value={(*template).clone()} on_change={let t = template.clone(); Callback::from(move |v: String| t.set(v))} />
                <p class="hint">{ "VTL: $input.json('$'), $input.path('$.name'), $input.params('id'), $context.requestId, $stageVariables.name, $util.escapeJavaScript(…), #set, #if, #foreach. Leave it empty to pass the body through." }</p>
            }
            <div class="actions"><button type="submit" class="btn primary">{ "Save integration request" }</button></div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct IrProps {
    base: Value,
    data: Value,
    method_responses: Vec<String>,
    proxy: bool,
}

#[function_component(IntegrationResponses)]
fn integration_responses(p: &IrProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let existing: Vec<Value> = p.data["integrationResponses"].as_object().map(|o| o.values().cloned().collect()).unwrap_or_default();
    let first = existing.first().cloned().unwrap_or(Value::Null);
    let status = use_state(|| first["statusCode"].as_str().map(str::to_string).or_else(|| p.method_responses.first().cloned()).unwrap_or_else(|| "200".into()));
    let pattern = use_state(|| first["selectionPattern"].as_str().unwrap_or_default().to_string());
    let template = use_state(|| first["responseTemplates"]["application/json"].as_str().unwrap_or_default().to_string());
    if p.proxy {
        return html! { <div class="card box-editor"><h4>{ "Integration response" }</h4><p class="hint">{ "A proxy integration has no integration responses: the function's (or endpoint's) answer is the response." }</p></div> };
    }
    let load = |r: &Value| {
        let (status, pattern, template, r) = (status.clone(), pattern.clone(), template.clone(), r.clone());
        Callback::from(move |_| {
            status.set(r["statusCode"].as_str().unwrap_or_default().to_string());
            pattern.set(r["selectionPattern"].as_str().unwrap_or_default().to_string());
            template.set(r["responseTemplates"]["application/json"].as_str().unwrap_or_default().to_string());
        })
    };
    let save = {
        let (ctx, base, status, pattern, template) = (ctx.clone(), p.base.clone(), status.clone(), pattern.clone(), template.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"statusCode": *status, "responseTemplates": {"application/json": *template}});
            if template.trim().is_empty() {
                req["responseTemplates"] = json!({});
            }
            if !pattern.is_empty() {
                req["selectionPattern"] = json!(*pattern);
            }
            let (ctx, req) = (ctx.clone(), with(&base, req));
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("apigateway", "PutIntegrationResponse", req).await {
                    ctx.error(&e);
                }
            });
        })
    };
    html! {
        <div class="card box-editor" aria-label="Edit integration responses">
            <h4>{ "Integration responses" }</h4>
            <p class="hint">{ "The integration's answer is matched against each selection pattern (a regular expression over the Lambda error message, or the HTTP status); the response without a pattern is the default. Its template rewrites the body." }</p>
            if !existing.is_empty() {
                <table class="grid" aria-label="Integration responses">
                    <thead><tr><th>{ "Status" }</th><th>{ "Selection pattern" }</th><th>{ "Template (application/json)" }</th><th></th></tr></thead>
                    <tbody>{ for existing.iter().map(|r| {
                        let code = r["statusCode"].as_str().unwrap_or_default().to_string();
                        let del = {
                            let (ctx, req) = (ctx.clone(), with(&p.base, json!({"statusCode": code})));
                            Callback::from(move |_| {
                                let (ctx, req) = (ctx.clone(), req.clone());
                                wasm_bindgen_futures::spawn_local(async move { if let Err(e) = ctx.bridge.send("apigateway", "DeleteIntegrationResponse", req).await { ctx.error(&e); } });
                            })
                        };
                        html! { <tr>
                            <td>{ &code }</td>
                            <td><code>{ r["selectionPattern"].as_str().unwrap_or("(default)") }</code></td>
                            <td><pre class="tpl">{ r["responseTemplates"]["application/json"].as_str().unwrap_or("(passthrough)") }</pre></td>
                            <td class="actions-col"><button class="btn small" onclick={load(r)}>{ "Edit" }</button><button class="btn small danger" onclick={del}>{ "Delete" }</button></td>
                        </tr> }
                    }) }</tbody>
                </table>
            }
            <form onsubmit={save} class="ir-form">
                <div class="field-row">
                    <label>{ "Method response status " }
                        <select aria-label="Response status" onchange={let s = status.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                            { for p.method_responses.iter().map(|c| html! { <option value={c.clone()} selected={*status == *c}>{ c }</option> }) }
                        </select>
                    </label>
                    <label>{ "Selection pattern " }<input aria-label="Selection pattern" placeholder="(default)  or  .*not found.*" value={(*pattern).clone()} oninput={let s = pattern.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                </div>
                if p.method_responses.is_empty() {
                    <p class="warn-text">{ "Add a method response first: an integration response maps to one of them." }</p>
                }
                <CodeEditor label="Response mapping template (VTL, application/json)" value={(*template).clone()} on_change={let t = template.clone(); Callback::from(move |v: String| t.set(v))} />
                <div class="actions"><button type="submit" class="btn primary" disabled={p.method_responses.is_empty()}>{ "Save integration response" }</button></div>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct MrsProps {
    base: Value,
    codes: Vec<String>,
    proxy: bool,
}

#[function_component(MethodResponses)]
fn method_responses(p: &MrsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let code = use_state(|| "400".to_string());
    let add = {
        let (ctx, base, code) = (ctx.clone(), p.base.clone(), code.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, req) = (ctx.clone(), with(&base, json!({"statusCode": code.trim()})));
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("apigateway", "PutMethodResponse", req).await {
                    ctx.error(&e);
                }
            });
        })
    };
    html! {
        <div class="card box-editor" aria-label="Edit method responses">
            <h4>{ "Method responses" }</h4>
            <p class="hint">{ if p.proxy { "With a proxy integration the function chooses the status; method responses only document it." } else { "The statuses this method may answer. An integration response maps the integration's answer to one of them." } }</p>
            <ul class="code-list">{ for p.codes.iter().map(|c| {
                let del = {
                    let (ctx, req) = (ctx.clone(), with(&p.base, json!({"statusCode": c})));
                    Callback::from(move |_| {
                        let (ctx, req) = (ctx.clone(), req.clone());
                        wasm_bindgen_futures::spawn_local(async move { if let Err(e) = ctx.bridge.send("apigateway", "DeleteMethodResponse", req).await { ctx.error(&e); } });
                    })
                };
                html! { <li><span class="badge">{ c }</span><button class="btn small danger" onclick={del} aria-label={format!("Delete response {c}")}>{ "Delete" }</button></li> }
            }) }</ul>
            <form onsubmit={add} class="field-row">
                <label>{ "HTTP status " }<input aria-label="New method response status" value={(*code).clone()} size="4" oninput={let s = code.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                <button type="submit" class="btn">{ "Add method response" }</button>
            </form>
        </div>
    }
}
