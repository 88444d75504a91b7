//! Tables: the list of DynamoDB tables in the region, a create-table form that explains each
//! choice, and for a selected table its key schema and an item explorer (scan pages, add, edit,
//! delete).

use serde_json::{json, Map, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    dynamo_json,
    notify::Notice,
    panels::{
        form::{bind_text, create_then_open, Created},
        indexes::Indexes,
        item_form::ItemEditor,
        partiql::PartiqlEditor,
        partitions::Partitions,
        query_builder::{Keys, QueryBuilder},
        samples,
        ttl::{countdown, use_sim_now, use_ttl, TimeToLive},
    },
};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selected: Option<String>,
}

fn fmt_bytes(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / 1024.0 / 1024.0),
    }
}

fn input_value(e: &InputEvent) -> String {
    e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

#[function_component(Tables)]
pub fn tables(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let creating = use_state(|| false);
    let importing = use_state(|| false);

    {
        let (list, bridge) = (list.clone(), ctx.bridge.clone());
        let ctx2 = ctx.clone();
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                let mut start: Option<String> = None;
                loop {
                    let mut req = json!({});
                    if let Some(s) = &start {
                        req["ExclusiveStartTableName"] = json!(s);
                    }
                    match bridge.send("dynamodb", "ListTables", req).await {
                        Ok(v) => {
                            for name in v["TableNames"].as_array().cloned().unwrap_or_default() {
                                if let Ok(d) = bridge.send("dynamodb", "DescribeTable", json!({"TableName": name})).await {
                                    out.push(d["Table"].clone());
                                }
                            }
                            match v.get("LastEvaluatedTableName").and_then(Value::as_str) {
                                Some(n) => start = Some(n.to_string()),
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

    // `#/tables/{name}/{tab}` opens a tab (table names cannot hold a `/`).
    let (sel_name, sel_tab) = match p.selected.as_deref().map(|s| s.split_once('/').unwrap_or((s, ""))) {
        Some((n, t)) => (Some(n.to_string()), TABS.iter().find(|(id, _)| *id == t).map(|(id, _)| *id)),
        None => (None, None),
    };
    let selected = sel_name.as_ref().and_then(|name| list.as_ref().and_then(|l| l.iter().find(|t| t["TableName"] == json!(name)).cloned()));
    let open_create = {
        let creating = creating.clone();
        Callback::from(move |_| creating.set(true))
    };
    let close_create = {
        let creating = creating.clone();
        Callback::from(move |_| creating.set(false))
    };

    html! {
        <section class="panel tables">
            <header class="panel-head">
                <h1>{ "Tables" }</h1><span class="aws-name">{ format!("Amazon DynamoDB · {}", ctx.region) }</span>
                <div class="spacer" />
                <SampleMenu />
                <button class="btn" onclick={let i = importing.clone(); Callback::from(move |_| i.set(!*i))}>{ "Import from S3" }</button>
                <button class="btn primary" onclick={open_create}>{ "Create table" }</button>
            </header>
            <super::transfer::ImportFromS3 open={*importing} on_close={let i = importing.clone(); Callback::from(move |_| i.set(false))} />
            if *creating {
                <CreateTable on_close={close_create} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading tables…" }</p> },
                Some(l) if l.is_empty() && !*creating => html! {
                    <div class="empty-state">
                        <h2>{ "No tables in this region yet" }</h2>
                        <p>{ "A DynamoDB table holds items. Each item is found by its primary key: a " }<strong>{ "partition key" }</strong>{ " (which partition stores it) and, optionally, a " }<strong>{ "sort key" }</strong>{ " (its order inside that partition). Everything else about an item is free-form: items need not share attributes." }</p>
                        <p>{ "Example: a Scores table with partition key " }<code>{ "UserId" }</code>{ " and sort key " }<code>{ "Game" }</code>{ " keeps each player's scores together, sorted by game." }</p>
                        <button class="btn primary" onclick={let c = creating.clone(); Callback::from(move |_| c.set(true))}>{ "Create your first table" }</button>
                        <p>{ "Or start from a sample data set (use " }<em>{ "Load sample data" }</em>{ " above):" }</p>
                        <ul class="sample-list">{ for samples::SAMPLES.iter().map(|s| html! { <li><strong>{ s.title }</strong>{ " — " }{ s.about }</li> }) }</ul>
                    </div>
                },
                Some(l) if l.is_empty() => html! {},
                Some(l) => html! { <TableList tables={l.clone()} selected={sel_name.clone()} /> },
            } }
            { match (&sel_name, selected) {
                (Some(_), Some(t)) => {
                    let k = format!("{}/{}", t["TableId"].as_str().unwrap_or_default(), sel_tab.unwrap_or(""));
                    html! { <TableDetail key={k} table={t} tab={sel_tab} /> }
                }
                (Some(name), None) if list.is_some() => html! { <p class="muted">{ format!("There is no table named {name} in {}.", ctx.region) }</p> },
                _ => html! {},
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    tables: Vec<Value>,
    selected: Option<String>,
}

#[function_component(TableList)]
fn table_list(p: &ListProps) -> Html {
    html! {
        <table class="grid table-list">
            <thead><tr><th>{ "Name" }</th><th>{ "Status" }</th><th>{ "Partition key" }</th><th>{ "Sort key" }</th><th>{ "Capacity mode" }</th><th class="num">{ "Items" }</th><th class="num">{ "Size" }</th></tr></thead>
            <tbody>
                { for p.tables.iter().map(|t| {
                    let name = t["TableName"].as_str().unwrap_or_default().to_string();
                    let status = t["TableStatus"].as_str().unwrap_or_default().to_string();
                    let keys = key_names(t);
                    let mode = if t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" { "On-demand".to_string() } else {
                        format!("Provisioned ({} RCU / {} WCU)", t["ProvisionedThroughput"]["ReadCapacityUnits"], t["ProvisionedThroughput"]["WriteCapacityUnits"])
                    };
                    let href = Route::Tables(Some(name.clone())).hash();
                    let is_sel = p.selected.as_deref() == Some(name.as_str());
                    html! {
                        <tr class={classes!(is_sel.then_some("selected"))}>
                            <td><a href={href}>{ name }</a></td>
                            <td><span class={classes!("badge", status.to_lowercase())}>{ status }</span></td>
                            <td>{ keys.0.map(|(n, t)| format!("{n} ({t})")).unwrap_or_default() }</td>
                            <td>{ keys.1.map(|(n, t)| format!("{n} ({t})")).unwrap_or_else(|| "—".into()) }</td>
                            <td>{ mode }</td>
                            <td class="num">{ t["ItemCount"].as_u64().unwrap_or(0) }</td>
                            <td class="num">{ fmt_bytes(t["TableSizeBytes"].as_u64().unwrap_or(0)) }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

type KeyName = Option<(String, String)>;

/// The table's secondary indexes with their key names and types.
fn index_keys(t: &Value) -> Vec<(String, Keys)> {
    let ty = |name: &str| {
        t["AttributeDefinitions"].as_array().and_then(|a| a.iter().find(|d| d["AttributeName"] == name)).and_then(|d| d["AttributeType"].as_str()).unwrap_or("S").to_string()
    };
    let mut out = Vec::new();
    for member in ["LocalSecondaryIndexes", "GlobalSecondaryIndexes"] {
        for idx in t[member].as_array().cloned().unwrap_or_default() {
            let mut hash = None;
            let mut range = None;
            for k in idx["KeySchema"].as_array().cloned().unwrap_or_default() {
                let n = k["AttributeName"].as_str().unwrap_or_default().to_string();
                let pair = (n.clone(), ty(&n));
                if k["KeyType"] == "HASH" {
                    hash = Some(pair)
                } else {
                    range = Some(pair)
                }
            }
            if let Some(hash) = hash {
                out.push((idx["IndexName"].as_str().unwrap_or_default().to_string(), Keys { hash, range }));
            }
        }
    }
    out
}

/// (partition key, sort key) names with their types.
fn key_names(t: &Value) -> (KeyName, KeyName) {
    let ty = |name: &str| {
        t["AttributeDefinitions"].as_array().and_then(|a| a.iter().find(|d| d["AttributeName"] == name)).and_then(|d| d["AttributeType"].as_str()).unwrap_or("?").to_string()
    };
    let mut hash = None;
    let mut range = None;
    for k in t["KeySchema"].as_array().cloned().unwrap_or_default() {
        let n = k["AttributeName"].as_str().unwrap_or_default().to_string();
        let pair = Some((n.clone(), ty(&n)));
        if k["KeyType"] == "HASH" {
            hash = pair
        } else {
            range = pair
        }
    }
    (hash, range)
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
}

/// A secondary index being drafted in the create-table wizard.
#[derive(Clone, PartialEq)]
struct IndexDraft {
    global: bool,
    name: String,
    pk: String,
    pk_type: String,
    sk: String,
    sk_type: String,
    projection: String,
}

/// Adds the index drafts to a CreateTable request: index definitions, and attribute
/// definitions for their key attributes (each attribute once).
fn add_indexes(req: &mut Value, drafts: &[IndexDraft], table_pk: &str, provisioned: Option<(i64, i64)>) {
    let mut defs: Vec<Value> = req["AttributeDefinitions"].as_array().cloned().unwrap_or_default();
    let mut define = |name: &str, ty: &str| {
        if !name.is_empty() && !defs.iter().any(|d| d["AttributeName"] == name) {
            defs.push(json!({"AttributeName": name, "AttributeType": ty}));
        }
    };
    let (mut lsis, mut gsis) = (Vec::new(), Vec::new());
    for d in drafts {
        let pk = if d.global { d.pk.trim() } else { table_pk };
        define(pk, &d.pk_type);
        let mut keys = vec![json!({"AttributeName": pk, "KeyType": "HASH"})];
        if !d.sk.trim().is_empty() {
            define(d.sk.trim(), &d.sk_type);
            keys.push(json!({"AttributeName": d.sk.trim(), "KeyType": "RANGE"}));
        }
        let mut index = json!({"IndexName": d.name.trim(), "KeySchema": keys, "Projection": {"ProjectionType": d.projection}});
        if d.global {
            if let Some((r, w)) = provisioned {
                index["ProvisionedThroughput"] = json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w});
            }
            gsis.push(index);
        } else {
            lsis.push(index);
        }
    }
    req["AttributeDefinitions"] = Value::Array(defs);
    if !lsis.is_empty() {
        req["LocalSecondaryIndexes"] = Value::Array(lsis);
    }
    if !gsis.is_empty() {
        req["GlobalSecondaryIndexes"] = Value::Array(gsis);
    }
}

#[function_component(CreateTable)]
fn create_table(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let pk = use_state(String::new);
    let pk_type = use_state(|| "S".to_string());
    let sk = use_state(String::new);
    let sk_type = use_state(|| "S".to_string());
    let mode = use_state(|| "PAY_PER_REQUEST".to_string());
    let rcu = use_state(|| "5".to_string());
    let wcu = use_state(|| "5".to_string());
    let busy = use_state(|| false);
    let drafts = use_state(Vec::<IndexDraft>::new);
    let stream = use_state(String::new);

    let text = bind_text;
    let select = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| {
            if let Some(el) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                s.set(el.value());
            }
        })
    };
    let submit = {
        let (ctx, on_close, busy) = (ctx.clone(), p.on_close.clone(), busy.clone());
        let (name, pk, pk_type, sk, sk_type, mode, rcu, wcu) = (name.clone(), pk.clone(), pk_type.clone(), sk.clone(), sk_type.clone(), mode.clone(), rcu.clone(), wcu.clone());
        let (drafts, stream) = (drafts.clone(), stream.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut defs = vec![json!({"AttributeName": *pk, "AttributeType": *pk_type})];
            let mut keys = vec![json!({"AttributeName": *pk, "KeyType": "HASH"})];
            if !sk.trim().is_empty() {
                defs.push(json!({"AttributeName": *sk, "AttributeType": *sk_type}));
                keys.push(json!({"AttributeName": *sk, "KeyType": "RANGE"}));
            }
            let mut req = json!({"TableName": *name, "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": *mode});
            let capacity = (rcu.parse::<i64>().unwrap_or(0), wcu.parse::<i64>().unwrap_or(0));
            if *mode == "PROVISIONED" {
                req["ProvisionedThroughput"] = json!({"ReadCapacityUnits": capacity.0, "WriteCapacityUnits": capacity.1});
            }
            add_indexes(&mut req, &drafts, pk.trim(), (*mode == "PROVISIONED").then_some(capacity));
            if !stream.is_empty() {
                req["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": *stream});
            }
            let table = (*name).clone();
            let created =
                Created { title: "Table created", message: format!("{table} is CREATING; it turns ACTIVE in a moment of simulated time."), open: Route::Tables(Some(table)) };
            create_then_open(&ctx, &busy, &on_close, "dynamodb", "CreateTable", req, created);
        })
    };
    let type_select = |state: &UseStateHandle<String>, label: &str| {
        html! {
            <select aria-label={label.to_string()} onchange={select(state)}>
                <option value="S" selected={**state == "S"}>{ "String (S)" }</option>
                <option value="N" selected={**state == "N"}>{ "Number (N)" }</option>
                <option value="B" selected={**state == "B"}>{ "Binary (B)" }</option>
            </select>
        }
    };
    let cancel = {
        let c = p.on_close.clone();
        Callback::from(move |_| c.emit(()))
    };
    html! {
        <form class="card create-table" onsubmit={submit} aria-label="Create table">
            <h2>{ "Create a table" }</h2>
            <div class="field">
                <label for="ct-name">{ "Table name" }</label>
                <input id="ct-name" placeholder="Scores" value={(*name).clone()} oninput={text(&name)} required=true />
                <p class="hint">{ "3 to 255 characters: letters, digits, underscore, dash and dot. Unique in this region." }</p>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="ct-pk">{ "Partition key" }</label>
                    <div class="inline"><input id="ct-pk" placeholder="UserId" value={(*pk).clone()} oninput={text(&pk)} required=true />{ type_select(&pk_type, "Partition key type") }</div>
                    <p class="hint">{ "Decides which partition stores an item. Pick something with many distinct values (a user id, an order id) so the load spreads." }</p>
                </div>
                <div class="field">
                    <label for="ct-sk">{ "Sort key " }<span class="muted">{ "(optional)" }</span></label>
                    <div class="inline"><input id="ct-sk" placeholder="Game" value={(*sk).clone()} oninput={text(&sk)} />{ type_select(&sk_type, "Sort key type") }</div>
                    <p class="hint">{ "Orders the items that share a partition key, so you can query a range of them (all of a user's games, newest first)." }</p>
                </div>
            </div>
            <div class="field">
                <label for="ct-stream">{ "Stream " }<span class="muted">{ "(optional)" }</span></label>
                <select id="ct-stream" onchange={select(&stream)}>
                    { for [("", "Off"), ("NEW_IMAGE", "New image: the item after each change"), ("NEW_AND_OLD_IMAGES", "New and old images"), ("OLD_IMAGE", "Old image: the item before each change"), ("KEYS_ONLY", "Keys only")].iter().map(|(v, l)| html! { <option value={*v} selected={*stream == *v}>{ *l }</option> }) }
                </select>
                <p class="hint">{ "A DynamoDB stream records every change to the items for 24 hours; a Lambda function can be triggered by it (in the function's Triggers tab)." }</p>
            </div>
            <fieldset class="field index-drafts">
                <legend>{ "Secondary indexes " }<span class="muted">{ "(optional)" }</span></legend>
                <p class="hint">{ "An index lets you Query by other attributes. A local index keeps the partition key and sorts by another attribute; it exists only if you add it now. A global index has keys of its own and can also be added later." }</p>
                { for drafts.iter().enumerate().map(|(i, d)| {
                    let edit = |f: fn(&mut IndexDraft, String)| {
                        let drafts = drafts.clone();
                        move |v: String| {
                            let mut all = (*drafts).clone();
                            if let Some(x) = all.get_mut(i) { f(x, v); }
                            drafts.set(all);
                        }
                    };
                    let (on_name, on_pk, on_pk_ty, on_sk, on_sk_ty, on_proj) = (edit(|d, v| d.name = v), edit(|d, v| d.pk = v), edit(|d, v| d.pk_type = v), edit(|d, v| d.sk = v), edit(|d, v| d.sk_type = v), edit(|d, v| d.projection = v));
                    let remove = { let drafts = drafts.clone(); Callback::from(move |_| { let mut all = (*drafts).clone(); all.remove(i); drafts.set(all); }) };
                    let kind = if d.global { "Global" } else { "Local" };
                    let sel = |on: Box<dyn Fn(String)>| Callback::from(move |e: Event| if let Some(el) = e.target_dyn_into::<web_sys::HtmlSelectElement>() { on(el.value()) });
                    let types = |cur: &str| html! { <>{ for ["S", "N", "B"].iter().map(|t| html! { <option value={*t} selected={cur == *t}>{ *t }</option> }) }</> };
                    html! {
                        <div class="index-draft">
                            <strong>{ format!("{kind} index") }</strong>
                            <input aria-label={format!("{kind} index {} name", i + 1)} placeholder="IndexName" value={d.name.clone()} oninput={Callback::from(move |e: InputEvent| on_name(input_value(&e)))} />
                            if d.global {
                                <input aria-label={format!("{kind} index {} partition key", i + 1)} placeholder="partition key" value={d.pk.clone()} oninput={Callback::from(move |e: InputEvent| on_pk(input_value(&e)))} />
                                <select aria-label={format!("{kind} index {} partition key type", i + 1)} onchange={sel(Box::new(on_pk_ty))}>{ types(&d.pk_type) }</select>
                            } else {
                                <span class="muted">{ format!("partition key: {}", if pk.is_empty() { "(the table's)" } else { pk.as_str() }) }</span>
                            }
                            <input aria-label={format!("{kind} index {} sort key", i + 1)} placeholder={if d.global { "sort key (optional)" } else { "sort key" }} value={d.sk.clone()} oninput={Callback::from(move |e: InputEvent| on_sk(input_value(&e)))} />
                            <select aria-label={format!("{kind} index {} sort key type", i + 1)} onchange={sel(Box::new(on_sk_ty))}>{ types(&d.sk_type) }</select>
                            <select aria-label={format!("{kind} index {} projection", i + 1)} onchange={sel(Box::new(on_proj))}>
                                { for [("ALL", "all attributes"), ("KEYS_ONLY", "keys only")].iter().map(|(v, l)| html! { <option value={*v} selected={d.projection == *v}>{ *l }</option> }) }
                            </select>
                            <button type="button" class="btn small" aria-label={format!("Remove {kind} index {}", i + 1)} onclick={remove}>{ "✕" }</button>
                        </div>
                    }
                }) }
                <div class="actions">
                    <button type="button" class="btn small" disabled={sk.trim().is_empty()} title="A local index needs the table to have a sort key"
                        onclick={let d = drafts.clone(); Callback::from(move |_| { let mut all = (*d).clone(); all.push(IndexDraft { global: false, name: String::new(), pk: String::new(), pk_type: "S".into(), sk: String::new(), sk_type: "S".into(), projection: "ALL".into() }); d.set(all); })}>{ "+ Local index" }</button>
                    <button type="button" class="btn small"
                        onclick={let d = drafts.clone(); Callback::from(move |_| { let mut all = (*d).clone(); all.push(IndexDraft { global: true, name: String::new(), pk: String::new(), pk_type: "S".into(), sk: String::new(), sk_type: "S".into(), projection: "ALL".into() }); d.set(all); })}>{ "+ Global index" }</button>
                </div>
                if drafts.iter().any(|d| d.global) && *mode == "PROVISIONED" {
                    <p class="hint">{ "Global indexes get the same read and write capacity as the table here; change it later in the Indexes tab." }</p>
                }
            </fieldset>
            <fieldset class="field">
                <legend>{ "Capacity mode" }</legend>
                <label class="radio"><input type="radio" name="mode" checked={*mode == "PAY_PER_REQUEST"} onchange={let m = mode.clone(); Callback::from(move |_| m.set("PAY_PER_REQUEST".into()))} />
                    <span><strong>{ "On-demand" }</strong>{ ": no planning; it scales with the load and you pay per request. Good for new or spiky workloads." }</span></label>
                <label class="radio"><input type="radio" name="mode" checked={*mode == "PROVISIONED"} onchange={let m = mode.clone(); Callback::from(move |_| m.set("PROVISIONED".into()))} />
                    <span><strong>{ "Provisioned" }</strong>{ ": you plan reads and writes per second (RCU/WCU) and pay for them by the hour. Cheaper for steady, predictable load." }</span></label>
                if *mode == "PROVISIONED" {
                    <div class="field-row">
                        <div class="field"><label for="ct-rcu">{ "Read capacity units" }</label><input id="ct-rcu" type="number" min="1" value={(*rcu).clone()} oninput={text(&rcu)} />
                            <p class="hint">{ "1 RCU = one strongly consistent read per second of an item up to 4 KB (or two eventually consistent ones)." }</p></div>
                        <div class="field"><label for="ct-wcu">{ "Write capacity units" }</label><input id="ct-wcu" type="number" min="1" value={(*wcu).clone()} oninput={text(&wcu)} />
                            <p class="hint">{ "1 WCU = one write per second of an item up to 1 KB." }</p></div>
                    </div>
                }
            </fieldset>
            <div class="actions">
                <button type="submit" class="btn primary" disabled={*busy}>{ if *busy { "Creating…" } else { "Create table" } }</button>
                <button type="button" class="btn" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    table: Value,
    /// The tab to open first (the route's `/{tab}`), else Items.
    #[prop_or_default]
    tab: Option<&'static str>,
}

/// The table's tabs: id (as routes name them) and label.
const TABS: &[(&str, &str)] = &[
    ("items", "Items"),
    ("query", "Query / Scan"),
    ("indexes", "Indexes"),
    ("partitions", "Partitions"),
    ("partiql", "PartiQL"),
    ("capacity", "Capacity"),
    ("ttl", "Time to Live"),
    ("stream", "Stream"),
    ("backups", "Backups"),
    ("global", "Global"),
    ("transfer", "Export / import"),
];

const PAGE: u64 = 25;

#[function_component(TableDetail)]
fn table_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let t = &p.table;
    let name = t["TableName"].as_str().unwrap_or_default().to_string();
    let active = t["TableStatus"] == "ACTIVE";
    let (hash, range) = key_names(t);
    // Scan pages: the start keys of the pages visited so far, the current page's items.
    let starts = use_state(|| vec![None::<Value>]);
    let page = use_state(|| None::<Value>);
    // None: closed; Some(None): a new item; Some(Some(item)): editing an item.
    let editor = use_state(|| None::<Option<Value>>);
    let reload = use_state(|| 0u32);
    let tab = use_state(|| p.tab.unwrap_or("items"));
    // The TTL attribute while TTL is on: the items view counts down to each item's expiry.
    let ttl = use_ttl(&name);
    let ttl_attr = ttl.as_ref().filter(|d| matches!(d["TimeToLiveStatus"].as_str(), Some("ENABLED" | "ENABLING"))).and_then(|d| d["AttributeName"].as_str()).map(str::to_string);
    let sim_now = use_sim_now(ttl_attr.is_some() && *tab == "items");

    {
        let (page, starts, ctx2, name) = (page.clone(), starts.clone(), ctx.clone(), name.clone());
        use_effect_with((ctx.version, (*starts).clone(), *reload, active), move |_| {
            if active {
                let start = starts.last().cloned().flatten();
                wasm_bindgen_futures::spawn_local(async move {
                    let mut req = json!({"TableName": name, "Limit": PAGE, "ReturnConsumedCapacity": "TOTAL"});
                    if let Some(s) = start {
                        req["ExclusiveStartKey"] = s;
                    }
                    match ctx2.bridge.send("dynamodb", "Scan", req).await {
                        Ok(v) => page.set(Some(v)),
                        Err(e) => ctx2.error(&e),
                    }
                });
            }
            || ()
        });
    }

    let open_editor = {
        let (editor, tab) = (editor.clone(), tab.clone());
        Callback::from(move |_| {
            tab.set("items");
            editor.set(Some(None));
        })
    };
    let key_attrs: Vec<(String, String)> = hash.iter().chain(range.iter()).cloned().collect();
    let delete_table = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |_| {
            let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the table {name} and all its items? This cannot be undone.")).ok()).unwrap_or(false);
            if !ok {
                return;
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "DeleteTable", json!({"TableName": name})).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Table deleted", &format!("{name} is DELETING.")));
                        ctx.navigate.emit(Route::Tables(None));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    let items: Vec<Value> = page.as_ref().and_then(|v| v["Items"].as_array().cloned()).unwrap_or_default();
    // Columns: the key attributes first, then every other attribute present on this page.
    let mut columns: Vec<String> = hash.iter().chain(range.iter()).map(|(n, _)| n.clone()).collect();
    for it in &items {
        if let Some(o) = it.as_object() {
            for k in o.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let next_key = page.as_ref().and_then(|v| v.get("LastEvaluatedKey").cloned());
    let page_no = starts.len();
    let next = {
        let (starts, next_key) = (starts.clone(), next_key.clone());
        Callback::from(move |_| {
            let mut s = (*starts).clone();
            s.push(next_key.clone());
            starts.set(s);
        })
    };
    let prev = {
        let starts = starts.clone();
        Callback::from(move |_| {
            let mut s = (*starts).clone();
            if s.len() > 1 {
                s.pop();
            }
            starts.set(s);
        })
    };
    let consumed = page.as_ref().and_then(|v| v["ConsumedCapacity"]["CapacityUnits"].as_f64());

    html! {
        <div class="table-detail">
            <div class="detail-head">
                <h2>{ &name }</h2>
                <span class={classes!("badge", t["TableStatus"].as_str().unwrap_or_default().to_lowercase())}>{ t["TableStatus"].as_str().unwrap_or_default() }</span>
                <div class="spacer" />
                <button class="btn primary" disabled={!active} onclick={open_editor}>{ "Add item" }</button>
                <button class="btn danger" disabled={!active} onclick={delete_table}>{ "Delete table" }</button>
            </div>
            <div class="key-visual" aria-label="Key schema">
                <div class="key pk"><span class="key-role">{ "Partition key" }</span><code>{ hash.as_ref().map(|(n, t)| format!("{n} : {t}")).unwrap_or_default() }</code></div>
                { match &range {
                    Some((n, ty)) => html! { <div class="key sk"><span class="key-role">{ "Sort key" }</span><code>{ format!("{n} : {ty}") }</code></div> },
                    None => html! { <div class="key none"><span class="key-role">{ "No sort key" }</span><span>{ "one item per partition key value" }</span></div> },
                } }
                <p class="hint">{ "Items with the same partition key form an item collection, stored together and ordered by the sort key. A Scan walks partitions in the order of a hash of their key, not in the order you wrote them." }</p>
            </div>
            if !active {
                <p class="muted">{ "The table is not ACTIVE yet: it becomes ACTIVE after a second of simulated time (if the clock is paused, press Play or +1 h)." }</p>
            }
            if active {
                <nav class="tabs" role="tablist" aria-label="Table views">
                    { for TABS.iter().map(|(id, label)| {
                        let t2 = tab.clone();
                        let id = *id;
                        html! { <button role="tab" aria-selected={(*tab == id).to_string()} class={classes!("tab", (*tab == id).then_some("on"))} onclick={Callback::from(move |_| t2.set(id))}>{ *label }</button> }
                    }) }
                </nav>
            }
            if active && *tab == "items" {
                if let Some(item) = &*editor {
                    <ItemEditor key={item.as_ref().map(|i| i.to_string()).unwrap_or_default()} table={name.clone()} keys={key_attrs.clone()} item={item.clone()} on_close={let e = editor.clone(); let r = reload.clone(); Callback::from(move |_| { e.set(None); r.set(*r + 1); })} />
                }
                <div class="items">
                    <div class="items-bar">
                        <span>{ format!("Page {page_no} · {} item(s) scanned", page.as_ref().map(|v| v["ScannedCount"].as_u64().unwrap_or(0)).unwrap_or(0)) }</span>
                        if let Some(c) = consumed { <span class="muted">{ format!(" · {c} read capacity units consumed") }</span> }
                        <div class="spacer" />
                        <button class="btn small" disabled={page_no <= 1} onclick={prev}>{ "‹ Previous" }</button>
                        <button class="btn small" disabled={next_key.is_none()} onclick={next}>{ "Next ›" }</button>
                    </div>
                    if items.is_empty() {
                        <div class="empty-state small"><p>{ "No items yet. Press " }<em>{ "Add item" }</em>{ ": give the key attributes values, add any other attributes you like." }</p></div>
                    } else {
                        <div class="grid-wrap">
                            <table class="grid items-grid">
                                <thead><tr>{ for columns.iter().map(|c| html! { <th>{ c }</th> }) }<th class="actions-col">{ "" }</th></tr></thead>
                                <tbody>
                                    { for items.iter().map(|it| item_row(&ctx, &name, it, &columns, &hash, &range, &editor, ttl_attr.as_deref().map(|a| (a, sim_now)))) }
                                </tbody>
                            </table>
                        </div>
                    }
                </div>
            }
            if active && *tab == "query" {
                if let Some(h) = &hash {
                    <QueryBuilder table={name.clone()} keys={Keys { hash: h.clone(), range: range.clone() }} indexes={index_keys(t)} />
                }
            }
            if *tab == "indexes" && t["TableStatus"] != "CREATING" {
                <Indexes table={t.clone()} />
            }
            if active && *tab == "partitions" {
                if let Some(h) = &hash {
                    <Partitions table={name.clone()} hash={h.clone()} range={range.clone()} />
                }
            }
            if *tab == "capacity" && t["TableStatus"] != "CREATING" {
                <super::capacity::Capacity table={t.clone()} />
            }
            if active && *tab == "partiql" {
                if let Some(h) = &hash {
                    <PartiqlEditor table={name.clone()} hash={h.clone()} range={range.clone()} />
                }
            }
            if active && *tab == "ttl" {
                <TimeToLive table={name.clone()} />
            }
            if active && *tab == "transfer" {
                <super::transfer::ExportTab table={t.clone()} />
            }
            if active && *tab == "backups" {
                <super::backups::BackupsTab table={t.clone()} />
            }
            if *tab == "global" && t["TableStatus"] != "CREATING" {
                <super::global::GlobalTab table={t.clone()} />
            }
            if t["TableStatus"] != "CREATING" {
                <super::stream::StreamTab table={t.clone()} visible={*tab == "stream"} />
            }
        </div>
    }
}

/// `ttl`: the TTL attribute and simulated now (ms), when the table's TTL is on.
#[allow(clippy::too_many_arguments)]
fn item_row(
    ctx: &Ctx,
    table: &str,
    item: &Value,
    columns: &[String],
    hash: &KeyName,
    range: &KeyName,
    editor: &UseStateHandle<Option<Option<Value>>>,
    ttl: Option<(&str, f64)>,
) -> Html {
    let mut key = Map::new();
    for (n, _) in hash.iter().chain(range.iter()) {
        key.insert(n.clone(), item[n].clone());
    }
    let delete = {
        let (ctx, table, key) = (ctx.clone(), table.to_string(), Value::Object(key));
        Callback::from(move |_| {
            let (ctx, table, key) = (ctx.clone(), table.clone(), key.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("dynamodb", "DeleteItem", json!({"TableName": table, "Key": key})).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let edit = {
        let (editor, item) = (editor.clone(), item.clone());
        Callback::from(move |_| editor.set(Some(Some(item.clone()))))
    };
    let expiry = ttl.and_then(|(attr, now)| item.get(attr).and_then(|v| countdown(v, now)).map(|c| (attr, c)));
    let expired = expiry.as_ref().is_some_and(|(_, (_, e))| *e);
    html! {
        <tr class={classes!(expired.then_some("expired"))}>
            { for columns.iter().map(|c| match item.get(c) {
                Some(v) => {
                    let (text, tag) = dynamo_json::cell(v);
                    let note = expiry.as_ref().filter(|(attr, _)| *attr == c.as_str()).map(|(_, (note, expired))| html! { <span class={classes!("ttl-countdown", expired.then_some("expired"))}>{ note }</span> });
                    html! { <td title={format!("{tag}: {text}")}><span class="type-tag">{ tag }</span>{ text }{ for note }</td> }
                }
                None => html! { <td class="absent">{ "" }</td> },
            }) }
            <td class="actions-col"><button class="btn small" onclick={edit}>{ "Edit" }</button><button class="btn small danger" onclick={delete} aria-label="Delete item">{ "Delete" }</button></td>
        </tr>
    }
}

/// "Load sample data": a menu of data sets; each creates its table and writes its items.
#[function_component(SampleMenu)]
fn sample_menu() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let busy = use_state(|| false);
    let onchange = {
        let (ctx, busy) = (ctx.clone(), busy.clone());
        Callback::from(move |e: Event| {
            let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else { return };
            let table = sel.value();
            sel.set_value("");
            if table.is_empty() {
                return;
            }
            let (ctx, busy) = (ctx.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                samples::load(&ctx, &table).await;
                busy.set(false);
                ctx.navigate.emit(Route::Tables(Some(table)));
            });
        })
    };
    html! {
        <select class="sample-menu" aria-label="Load sample data" disabled={*busy} {onchange}>
            <option value="" selected=true>{ if *busy { "Loading…" } else { "Load sample data…" } }</option>
            { for samples::SAMPLES.iter().map(|s| html! { <option value={s.table} title={s.about}>{ s.title }</option> }) }
        </select>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_drafts_become_create_table_members() {
        let mut req = json!({"AttributeDefinitions": [{"AttributeName": "UserId", "AttributeType": "S"}, {"AttributeName": "Game", "AttributeType": "S"}]});
        let draft = |global: bool, name: &str, pk: &str, sk: &str, sk_type: &str| IndexDraft {
            global,
            name: name.into(),
            pk: pk.into(),
            pk_type: "S".into(),
            sk: sk.into(),
            sk_type: sk_type.into(),
            projection: "ALL".into(),
        };
        add_indexes(&mut req, &[draft(false, "ByScore", "", "Score", "N"), draft(true, "ByGame", "Game", "Score", "N")], "UserId", Some((3, 4)));
        assert_eq!(req["AttributeDefinitions"].as_array().unwrap().len(), 3, "Score defined once; UserId and Game not again");
        assert_eq!(req["LocalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"], "UserId");
        assert_eq!(req["GlobalSecondaryIndexes"][0]["KeySchema"][0]["AttributeName"], "Game");
        assert_eq!(req["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"], 4);
        assert!(req["LocalSecondaryIndexes"][0].get("ProvisionedThroughput").is_none());
    }
}
