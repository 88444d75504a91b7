//! The Indexes tab: a table's local and global secondary indexes with status, keys, projection,
//! counts and capacity; adding a GSI (UpdateTable, which backfills it on the virtual clock) and
//! deleting one.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The table's description (DescribeTable's `Table`).
    pub table: Value,
}

fn key_text(idx: &Value, role: &str, defs: &Value) -> String {
    idx["KeySchema"]
        .as_array()
        .and_then(|k| k.iter().find(|e| e["KeyType"] == role))
        .and_then(|e| e["AttributeName"].as_str())
        .map(|n| {
            let ty = defs.as_array().and_then(|d| d.iter().find(|x| x["AttributeName"] == n)).and_then(|x| x["AttributeType"].as_str()).unwrap_or("?");
            format!("{n} ({ty})")
        })
        .unwrap_or_else(|| "—".into())
}

fn projection_text(idx: &Value) -> String {
    let p = &idx["Projection"];
    match p["ProjectionType"].as_str().unwrap_or("ALL") {
        "INCLUDE" => format!("INCLUDE: {}", p["NonKeyAttributes"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()),
        other => other.to_string(),
    }
}

fn value_of(e: &Event) -> String {
    e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default()
}

fn text_of(e: &InputEvent) -> String {
    e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

#[function_component(Indexes)]
pub fn indexes(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let t = &p.table;
    let name = t["TableName"].as_str().unwrap_or_default().to_string();
    let provisioned = t["BillingModeSummary"]["BillingMode"] != "PAY_PER_REQUEST";
    let defs = t["AttributeDefinitions"].clone();
    let mut rows: Vec<(&str, Value)> = Vec::new();
    for (kind, member) in [("Local", "LocalSecondaryIndexes"), ("Global", "GlobalSecondaryIndexes")] {
        for idx in t[member].as_array().cloned().unwrap_or_default() {
            rows.push((kind, idx));
        }
    }

    // The add-GSI form.
    let open = use_state(|| false);
    let f_name = use_state(String::new);
    let f_pk = use_state(String::new);
    let f_pk_ty = use_state(|| "S".to_string());
    let f_sk = use_state(String::new);
    let f_sk_ty = use_state(|| "S".to_string());
    let f_proj = use_state(|| "ALL".to_string());
    let f_include = use_state(String::new);
    let f_rcu = use_state(|| "5".to_string());
    let f_wcu = use_state(|| "5".to_string());
    let problem = use_state(|| None::<String>);

    let create = {
        let (ctx, name, problem, open) = (ctx.clone(), name.clone(), problem.clone(), open.clone());
        let (f_name, f_pk, f_pk_ty, f_sk, f_sk_ty, f_proj, f_include, f_rcu, f_wcu) =
            (f_name.clone(), f_pk.clone(), f_pk_ty.clone(), f_sk.clone(), f_sk_ty.clone(), f_proj.clone(), f_include.clone(), f_rcu.clone(), f_wcu.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut defs = vec![json!({"AttributeName": f_pk.trim(), "AttributeType": *f_pk_ty})];
            let mut keys = vec![json!({"AttributeName": f_pk.trim(), "KeyType": "HASH"})];
            if !f_sk.trim().is_empty() {
                defs.push(json!({"AttributeName": f_sk.trim(), "AttributeType": *f_sk_ty}));
                keys.push(json!({"AttributeName": f_sk.trim(), "KeyType": "RANGE"}));
            }
            let mut projection = json!({"ProjectionType": *f_proj});
            if *f_proj == "INCLUDE" {
                projection["NonKeyAttributes"] = json!(f_include.split(',').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>());
            }
            let mut create = json!({"IndexName": f_name.trim(), "KeySchema": keys, "Projection": projection});
            if provisioned {
                let (r, w) = (f_rcu.trim().parse::<i64>().unwrap_or(0), f_wcu.trim().parse::<i64>().unwrap_or(0));
                create["ProvisionedThroughput"] = json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w});
            }
            let req = json!({"TableName": name, "AttributeDefinitions": defs, "GlobalSecondaryIndexUpdates": [{"Create": create}]});
            let (ctx, problem, open, index) = (ctx.clone(), problem.clone(), open.clone(), f_name.trim().to_string());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "UpdateTable", req).await {
                    Ok(_) => {
                        problem.set(None);
                        open.set(false);
                        ctx.notify.emit(Notice::info(
                            "Index is being created",
                            &format!("{index} is CREATING: DynamoDB backfills it from the table's items. Queries on it wait until it is ACTIVE (a few seconds of simulated time)."),
                        ));
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };

    let delete = |index: String| {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |_| {
            let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the index {index}? The table's items stay.")).ok()).unwrap_or(false);
            if !ok {
                return;
            }
            let (ctx, req) = (ctx.clone(), json!({"TableName": name, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": index}}]}));
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("dynamodb", "UpdateTable", req).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(text_of(&e)))
    };
    let pick = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: Event| h.set(value_of(&e)))
    };
    let table_updating = t["TableStatus"] != "ACTIVE";

    html! {
        <div class="indexes" aria-label="Secondary indexes">
            <p class="hint">
                { "A secondary index lets you Query by other attributes. A " }<strong>{ "local" }</strong>
                { " index (LSI) keeps the table's partition key with another sort key; it can only be defined when the table is created. A " }
                <strong>{ "global" }</strong>{ " index (GSI) has its own partition and sort key, can be added or removed at any time, and is updated asynchronously. Indexes are sparse: an item without the index's key attributes is not in it." }
            </p>
            if rows.is_empty() {
                <p class="muted">{ "This table has no secondary indexes." }</p>
            } else {
                <div class="grid-wrap">
                <table class="grid">
                    <thead><tr><th>{ "Name" }</th><th>{ "Type" }</th><th>{ "Status" }</th><th>{ "Partition key" }</th><th>{ "Sort key" }</th><th>{ "Projection" }</th><th class="num">{ "Items" }</th><th class="num">{ "Size" }</th><th>{ "Capacity" }</th><th></th></tr></thead>
                    <tbody>
                    { for rows.iter().map(|(kind, idx)| {
                        let iname = idx["IndexName"].as_str().unwrap_or_default().to_string();
                        let status = idx["IndexStatus"].as_str().unwrap_or("ACTIVE").to_string();
                        let capacity = if *kind == "Local" { "shares the table's".to_string() } else if provisioned {
                            format!("{} RCU / {} WCU", idx["ProvisionedThroughput"]["ReadCapacityUnits"], idx["ProvisionedThroughput"]["WriteCapacityUnits"])
                        } else { "on-demand".to_string() };
                        html! {
                            <tr>
                                <td><code>{ &iname }</code></td>
                                <td>{ if *kind == "Local" { "LSI" } else { "GSI" } }</td>
                                <td><span class={classes!("badge", status.to_lowercase())}>{ &status }</span>
                                    if idx["Backfilling"] == true { <span class="muted">{ " backfilling" }</span> }</td>
                                <td>{ key_text(idx, "HASH", &defs) }</td>
                                <td>{ key_text(idx, "RANGE", &defs) }</td>
                                <td>{ projection_text(idx) }</td>
                                <td class="num">{ idx["ItemCount"].as_u64().unwrap_or(0) }</td>
                                <td class="num">{ format!("{} B", idx["IndexSizeBytes"].as_u64().unwrap_or(0)) }</td>
                                <td>{ capacity }</td>
                                <td>if *kind == "Global" && status == "ACTIVE" {
                                    <button class="btn small danger" aria-label={format!("Delete index {iname}")} disabled={table_updating} onclick={delete(iname.clone())}>{ "Delete" }</button>
                                }</td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                </div>
            }
            if *open {
                <form class="card gsi-form" aria-label="Create global secondary index" onsubmit={create}>
                    <h3>{ "New global secondary index" }</h3>
                    <label>{ "Index name" }<input aria-label="Index name" value={(*f_name).clone()} oninput={set(&f_name)} placeholder="GameTitleIndex" /></label>
                    <div class="row">
                        <label>{ "Partition key" }<input aria-label="Index partition key" value={(*f_pk).clone()} oninput={set(&f_pk)} placeholder="GameTitle" /></label>
                        <label>{ "Type" }<select aria-label="Index partition key type" onchange={pick(&f_pk_ty)}>{ for ["S", "N", "B"].iter().map(|x| html! { <option value={*x} selected={*f_pk_ty == *x}>{ *x }</option> }) }</select></label>
                    </div>
                    <div class="row">
                        <label>{ "Sort key (optional)" }<input aria-label="Index sort key" value={(*f_sk).clone()} oninput={set(&f_sk)} placeholder="TopScore" /></label>
                        <label>{ "Type" }<select aria-label="Index sort key type" onchange={pick(&f_sk_ty)}>{ for ["S", "N", "B"].iter().map(|x| html! { <option value={*x} selected={*f_sk_ty == *x}>{ *x }</option> }) }</select></label>
                    </div>
                    <label>{ "Projection" }
                        <select aria-label="Projection" onchange={pick(&f_proj)}>
                            <option value="ALL" selected={*f_proj == "ALL"}>{ "ALL — every attribute (largest, no fetches back to the table)" }</option>
                            <option value="KEYS_ONLY" selected={*f_proj == "KEYS_ONLY"}>{ "KEYS_ONLY — table and index keys only (smallest)" }</option>
                            <option value="INCLUDE" selected={*f_proj == "INCLUDE"}>{ "INCLUDE — keys plus the attributes you name" }</option>
                        </select>
                    </label>
                    if *f_proj == "INCLUDE" {
                        <label>{ "Attributes to include (comma-separated)" }<input aria-label="Included attributes" value={(*f_include).clone()} oninput={set(&f_include)} /></label>
                    }
                    if provisioned {
                        <div class="row">
                            <label>{ "Read capacity units" }<input aria-label="Index read capacity" value={(*f_rcu).clone()} oninput={set(&f_rcu)} /></label>
                            <label>{ "Write capacity units" }<input aria-label="Index write capacity" value={(*f_wcu).clone()} oninput={set(&f_wcu)} /></label>
                        </div>
                        <p class="hint">{ "A GSI on a provisioned table has its own capacity. If its writes are throttled, writes to the table are throttled too." }</p>
                    }
                    if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
                    <div class="actions">
                        <button class="btn primary" type="submit">{ "Create index" }</button>
                        <button class="btn" type="button" onclick={let o = open.clone(); Callback::from(move |_| o.set(false))}>{ "Cancel" }</button>
                    </div>
                </form>
            } else {
                <button class="btn" disabled={table_updating} onclick={let o = open.clone(); Callback::from(move |_| o.set(true))}>{ "Create global secondary index" }</button>
                if table_updating { <span class="muted">{ " The table is being updated; wait until it is ACTIVE." }</span> }
            }
        </div>
    }
}
