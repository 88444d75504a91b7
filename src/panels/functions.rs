//! Functions: the Lambda functions of the region, a create-function form with starter templates,
//! and for a selected function its code (editor, deploy, saved test events, invoke), its
//! configuration, versions and aliases, triggers, monitoring and logs. Every action is a Lambda
//! (or CloudWatch Logs) operation through the same door as `gureum.send`, or one of the
//! sandbox's `lambda:*` control operations.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        fn_code::CodeTab,
        fn_config::{ConfigTab, VersionsTab},
        fn_monitor::{LogsTab, MonitorTab, TriggersTab},
        fn_templates::{self, TEMPLATES},
        fn_util::{self, short_time},
    },
};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selected: Option<String>,
}

pub fn input_value(e: &InputEvent) -> String {
    if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
        return i.value();
    }
    e.target_dyn_into::<web_sys::HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default()
}

pub fn select_value(e: &Event) -> String {
    e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default()
}

/// The badge class of a function state.
pub fn state_class(state: &str) -> &'static str {
    match state {
        "Active" => "active",
        "Pending" => "creating",
        "Failed" => "deleting",
        _ => "",
    }
}

#[function_component(Functions)]
pub fn functions(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let creating = use_state(|| false);

    {
        let (list, ctx2) = (list.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                let mut marker: Option<String> = None;
                loop {
                    let mut req = json!({});
                    if let Some(m) = &marker {
                        req["Marker"] = json!(m);
                    }
                    match ctx2.bridge.send("lambda", "ListFunctions", req).await {
                        Ok(v) => {
                            out.extend(v["Functions"].as_array().cloned().unwrap_or_default());
                            match v.get("NextMarker").and_then(Value::as_str) {
                                Some(m) => marker = Some(m.to_string()),
                                None => break,
                            }
                        }
                        Err(e) => {
                            ctx2.error(&e);
                            break;
                        }
                    }
                }
                list.set(Some(out));
            });
            || ()
        });
    }

    let selected = p.selected.as_ref().and_then(|name| list.as_ref().and_then(|l| l.iter().find(|f| f["FunctionName"] == json!(name)).cloned()));
    let open_create = {
        let creating = creating.clone();
        Callback::from(move |_| creating.set(true))
    };
    html! {
        <section class="panel functions">
            <header class="panel-head">
                <h1>{ "Functions" }</h1><span class="aws-name">{ format!("AWS Lambda · {}", ctx.region) }</span>
                <div class="spacer" />
                <button class="btn primary" onclick={open_create.clone()}>{ "Create function" }</button>
            </header>
            if *creating {
                <CreateFunction on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading functions…" }</p> },
                Some(l) if l.is_empty() && !*creating => html! {
                    <div class="empty-state">
                        <h2>{ "No functions in this region yet" }</h2>
                        <p>{ "A Lambda function is code that runs when something asks for it: an Invoke call, an API request, a new message or item. You upload the code; Lambda starts an " }<strong>{ "execution environment" }</strong>{ " for it on demand, runs your " }<strong>{ "handler" }</strong>{ " with the event, and bills the milliseconds it ran." }</p>
                        <p>{ "Here the code runs in this tab, on a JavaScript engine that behaves like Node.js, with the AWS SDK v3 built in: a function can read and write your tables." }</p>
                        <button class="btn primary" onclick={open_create}>{ "Create your first function" }</button>
                    </div>
                },
                Some(l) if l.is_empty() => html! {},
                Some(l) => html! { <FunctionList functions={l.clone()} selected={p.selected.clone()} /> },
            } }
            { match (&p.selected, selected) {
                (Some(name), Some(_)) => html! { <FunctionDetail key={name.clone()} name={name.clone()} /> },
                (Some(name), None) if list.is_some() => html! { <p class="muted">{ format!("There is no function named {name} in {}.", ctx.region) }</p> },
                _ => html! {},
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    functions: Vec<Value>,
    selected: Option<String>,
}

#[function_component(FunctionList)]
fn function_list(p: &ListProps) -> Html {
    html! {
        <table class="grid function-list">
            <thead><tr><th>{ "Name" }</th><th>{ "State" }</th><th>{ "Runtime" }</th><th class="num">{ "Memory" }</th><th class="num">{ "Timeout" }</th><th>{ "Last modified" }</th><th>{ "Description" }</th></tr></thead>
            <tbody>
                { for p.functions.iter().map(|f| {
                    let name = f["FunctionName"].as_str().unwrap_or_default().to_string();
                    let state = f["State"].as_str().unwrap_or("Active").to_string();
                    let is_sel = p.selected.as_deref() == Some(name.as_str());
                    html! {
                        <tr class={classes!(is_sel.then_some("selected"))}>
                            <td><a href={Route::Functions(Some(name.clone())).hash()}>{ name }</a></td>
                            <td><span class={classes!("badge", state_class(&state))}>{ state }</span></td>
                            <td>{ f["Runtime"].as_str().unwrap_or_default() }</td>
                            <td class="num">{ format!("{} MB", f["MemorySize"].as_u64().unwrap_or(128)) }</td>
                            <td class="num">{ format!("{} s", f["Timeout"].as_u64().unwrap_or(3)) }</td>
                            <td>{ short_time(f["LastModified"].as_str().unwrap_or_default()) }</td>
                            <td class="muted">{ f["Description"].as_str().unwrap_or_default() }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
}

#[function_component(CreateFunction)]
fn create_function(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let template = use_state(|| "hello".to_string());
    let runtime = use_state(|| "nodejs22.x".to_string());
    let make_table = use_state(|| true);
    let busy = use_state(|| false);

    let submit = {
        let (ctx, on_close, busy) = (ctx.clone(), p.on_close.clone(), busy.clone());
        let (name, template, runtime, make_table) = (name.clone(), template.clone(), runtime.clone(), make_table.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let t = fn_templates::by_id(&template);
            let files: Vec<(String, String)> = t.files.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
            let fname = name.trim().to_string();
            let mut req = json!({
                "FunctionName": fname,
                "Runtime": *runtime,
                "Role": format!("arn:aws:iam::{}:role/lambda-role", gureum_engine::kernel::account::DEFAULT_ACCOUNT_ID),
                "Handler": t.handler,
                "Code": { "ZipFile": fn_util::zip_b64(&files) },
                "Description": t.title,
            });
            let dynamo = t.id == "dynamodb";
            if !t.environment.is_empty() {
                let vars: serde_json::Map<String, Value> = t.environment.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
                req["Environment"] = json!({ "Variables": vars });
            }
            let want_table = dynamo && *make_table;
            let event = t.event;
            let (ctx, on_close, busy) = (ctx.clone(), on_close.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                if want_table {
                    let table = json!({"TableName": "Notes", "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"});
                    if let Err(e) = ctx.bridge.send("dynamodb", "CreateTable", table).await {
                        if e.kind != "ResourceInUseException" {
                            ctx.error(&e);
                        }
                    }
                }
                match ctx.bridge.send("lambda", "CreateFunction", req).await {
                    Ok(_) => {
                        // A first saved test event that suits the template.
                        let ev: Value = serde_json::from_str(event).unwrap_or_else(|_| json!({}));
                        let _ = ctx.bridge.sim("lambda:PutTestEvent", json!({"region": ctx.region, "FunctionName": fname, "Name": "example", "Event": ev})).await;
                        ctx.notify.emit(Notice::info("Function created", &format!("{fname} is Pending; it becomes Active after a second of simulated time.")));
                        on_close.emit(());
                        ctx.navigate.emit(Route::Functions(Some(fname)));
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    let cancel = {
        let c = p.on_close.clone();
        Callback::from(move |_| c.emit(()))
    };
    html! {
        <form class="card create-table create-function" onsubmit={submit} aria-label="Create function">
            <h2>{ "Create a function" }</h2>
            <div class="field-row">
                <div class="field">
                    <label for="cf-name">{ "Function name" }</label>
                    <input id="cf-name" placeholder="hello" value={(*name).clone()} oninput={let n = name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e)))} required=true />
                    <p class="hint">{ "1 to 64 characters: letters, digits, dash and underscore. Unique in this region." }</p>
                </div>
                <div class="field medium">
                    <label for="cf-runtime">{ "Runtime" }</label>
                    <select id="cf-runtime" onchange={let r = runtime.clone(); Callback::from(move |e: Event| r.set(select_value(&e)))}>
                        { for ["nodejs22.x", "nodejs20.x", "nodejs18.x"].iter().map(|rt| html! { <option value={*rt} selected={*runtime == *rt}>{ format!("Node.js {}", rt.trim_start_matches("nodejs").trim_end_matches(".x")) }</option> }) }
                    </select>
                    <p class="hint">{ "The language and its version. This sandbox runs JavaScript." }</p>
                </div>
            </div>
            <fieldset class="field">
                <legend>{ "Start from" }</legend>
                { for TEMPLATES.iter().map(|t| {
                    let tpl = template.clone();
                    let id = t.id;
                    html! {
                        <label class="radio"><input type="radio" name="template" checked={*template == t.id} onchange={Callback::from(move |_| tpl.set(id.to_string()))} />
                            <span><strong>{ t.title }</strong>{ ": " }{ t.about }</span></label>
                    }
                }) }
                if *template == "dynamodb" {
                    <label class="radio check"><input type="checkbox" checked={*make_table} onchange={let m = make_table.clone(); Callback::from(move |_| m.set(!*m))} />
                        <span>{ "Also create the table " }<code>{ "Notes" }</code>{ " (partition key " }<code>{ "id" }</code>{ ", on-demand) if it does not exist. The function finds it through the environment variable TABLE_NAME." }</span></label>
                }
            </fieldset>
            <p class="hint">{ "The handler is " }<code>{ fn_templates::by_id(&template).handler }</code>{ ": file " }<code>{ "index" }</code>{ ", exported function " }<code>{ "handler" }</code>{ ". New functions get 128 MB of memory and a 3-second timeout; change them under Configuration." }</p>
            <div class="actions">
                <button type="submit" class="btn primary" disabled={*busy}>{ if *busy { "Creating…" } else { "Create function" } }</button>
                <button type="button" class="btn" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    name: String,
}

const TABS: &[(&str, &str)] =
    &[("code", "Code & test"), ("config", "Configuration"), ("versions", "Versions & aliases"), ("triggers", "Triggers"), ("monitor", "Monitoring"), ("logs", "Logs")];

#[function_component(FunctionDetail)]
fn function_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let info = use_state(|| None::<Value>);
    let tab = use_state(|| "code");
    {
        let (info, ctx2, name) = (info.clone(), ctx.clone(), p.name.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("lambda", "GetFunction", json!({"FunctionName": name})).await {
                    Ok(v) => info.set(Some(v)),
                    Err(e) if e.kind == "ResourceNotFoundException" => {}
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let Some(v) = &*info else {
        return html! { <p class="muted">{ "Loading the function…" }</p> };
    };
    let config = v["Configuration"].clone();
    let state = config["State"].as_str().unwrap_or("Active").to_string();
    let update = config["LastUpdateStatus"].as_str().unwrap_or("Successful").to_string();
    let delete = {
        let (ctx, name) = (ctx.clone(), p.name.clone());
        Callback::from(move |_| {
            let ok = web_sys::window()
                .and_then(|w| w.confirm_with_message(&format!("Delete the function {name}, its versions, aliases and saved test events? Its logs stay in CloudWatch Logs.")).ok())
                .unwrap_or(false);
            if !ok {
                return;
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "DeleteFunction", json!({"FunctionName": name})).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Function deleted", &format!("{name} is gone.")));
                        ctx.navigate.emit(Route::Functions(None));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <div class="table-detail function-detail">
            <div class="detail-head">
                <h2>{ &p.name }</h2>
                <span class={classes!("badge", state_class(&state))}>{ &state }</span>
                if update == "InProgress" { <span class="badge updating">{ "Updating" }</span> }
                <span class="muted">{ format!("{} · {} MB · {} s timeout", config["Runtime"].as_str().unwrap_or_default(), config["MemorySize"], config["Timeout"]) }</span>
                <div class="spacer" />
                <button class="btn danger" onclick={delete}>{ "Delete function" }</button>
            </div>
            <p class="arn"><code>{ config["FunctionArn"].as_str().unwrap_or_default() }</code></p>
            if state == "Pending" {
                <p class="muted">{ "The function is Pending: Lambda is preparing it. It becomes Active after a second of simulated time (if the clock is paused, press Play or jump ahead)." }</p>
            }
            <nav class="tabs" role="tablist" aria-label="Function views">
                { for TABS.iter().map(|(id, label)| {
                    let t2 = tab.clone();
                    let id = *id;
                    html! { <button role="tab" aria-selected={(*tab == id).to_string()} class={classes!("tab", (*tab == id).then_some("on"))} onclick={Callback::from(move |_| t2.set(id))}>{ *label }</button> }
                }) }
            </nav>
            { match *tab {
                "code" => html! { <CodeTab name={p.name.clone()} config={config.clone()} /> },
                "config" => html! { <ConfigTab name={p.name.clone()} info={v.clone()} /> },
                "versions" => html! { <VersionsTab name={p.name.clone()} updating={update == "InProgress" || state == "Pending"} /> },
                "triggers" => html! { <TriggersTab name={p.name.clone()} /> },
                "monitor" => html! { <MonitorTab name={p.name.clone()} /> },
                _ => html! { <LogsTab name={p.name.clone()} /> },
            } }
        </div>
    }
}
