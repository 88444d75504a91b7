//! The Global tab: a table's replicas in other regions (UpdateTable `ReplicaUpdates`), one lane
//! per region with its items, the replication events flowing between lanes with their lag
//! (`dynamodb:DescribeReplication`), a switch per region to take it down and bring it back
//! (`dynamodb:SetRegionAvailability`) with the changes queued for it, the replication lag
//! (`dynamodb:SetReplicationLag`), and a conflict demo: two writes to one key in two regions
//! within the lag, through the ordinary PutItem, so the learner sees the last writer win.

use serde_json::{json, Value};
use yew::prelude::*;

use super::functions::{input_value, select_value};
use crate::{app::Ctx, dynamo_json::cell, notify::Notice};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The table's description (DescribeTable's `Table`).
    pub table: Value,
}

/// Items a lane shows.
const LANE_ITEMS: u64 = 20;
const DEMO_KEY_VALUE: &str = "conflict-demo";

/// One lane's items, or the error its region answered (a region that is down).
type Lane = Result<Vec<Value>, String>;

fn region_name(code: &str) -> &'static str {
    gureum_engine::REGIONS.iter().find(|(c, _)| *c == code).map_or("", |(_, n)| *n)
}

/// `pk = a · v = 1`: the key attributes first, then the others.
fn item_line(item: &Value, keys: &[String]) -> Html {
    let Some(o) = item.as_object() else { return html! {} };
    let mut parts: Vec<(String, String, bool)> = keys.iter().filter_map(|k| o.get(k).map(|v| (k.clone(), cell(v).0, true))).collect();
    parts.extend(o.iter().filter(|(k, _)| !keys.contains(*k)).map(|(k, v)| (k.clone(), cell(v).0, false)));
    html! {
        <li class="lane-item">
            { for parts.into_iter().map(|(k, v, key)| html! { <span class={classes!("gt-attr", key.then_some("gt-key"))}><span class="gt-name">{ k }</span>{ " = " }<span class="gt-value">{ v }</span></span> }) }
        </li>
    }
}

fn key_text(keys: &Value) -> String {
    keys.as_object().map(|o| o.iter().map(|(k, v)| format!("{k}={}", cell(v).0)).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

fn event_row(e: &Value) -> Html {
    let applied = e["Outcome"] == "APPLIED";
    let conflict = e["Conflict"].as_bool().unwrap_or(false);
    let lag = e["LagMs"].as_f64().unwrap_or(0.0) / 1000.0;
    let what = match e.get("NewImage") {
        Some(_) if e["EventName"] == "PUT" => "PUT",
        _ => "DELETE",
    };
    let value = e
        .get("NewImage")
        .and_then(|n| n.as_object())
        .map(|o| o.iter().filter(|(k, _)| e["Keys"].get(k.as_str()).is_none()).map(|(k, v)| format!("{k}={}", cell(v).0)).collect::<Vec<_>>().join(", "));
    html! {
        <li class={classes!("repl-event", if applied { "applied" } else { "discarded" }, conflict.then_some("conflict"))}>
            <span class="repl-route"><code>{ e["SourceRegion"].as_str().unwrap_or_default() }</code>{ " → " }<code>{ e["TargetRegion"].as_str().unwrap_or_default() }</code></span>
            <span class="what">{ format!("{what} {}", key_text(&e["Keys"])) }
                if let Some(v) = value.filter(|v| !v.is_empty()) { <span class="muted">{ format!(" ({v})") }</span> }
            </span>
            <span class="lag">{ format!("lag {lag:.1} s") }</span>
            <span class={classes!("badge", if applied { "ok" } else { "deleting" })}>{ if applied { "applied" } else { "discarded" } }</span>
            if conflict {
                <span class="badge conflict">{ "conflict" }</span>
            }
            if let Some(w) = e.get("Winner") {
                <span class="muted winner">{ format!("kept: the write made in {} (last writer wins)", w["Region"].as_str().unwrap_or_default()) }</span>
            }
        </li>
    }
}

/// The Global tab.
#[function_component(GlobalTab)]
pub fn global_tab(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let t = &p.table;
    let name = t["TableName"].as_str().unwrap_or_default().to_string();
    let here = ctx.region.clone();
    let keys: Vec<String> = t["KeySchema"].as_array().map(|a| a.iter().filter_map(|k| k["AttributeName"].as_str().map(str::to_string)).collect()).unwrap_or_default();
    let hash = keys.first().cloned().unwrap_or_default();
    let hash_type = t["AttributeDefinitions"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["AttributeName"] == json!(hash)))
        .and_then(|d| d["AttributeType"].as_str())
        .unwrap_or("S")
        .to_string();
    let range = t["KeySchema"].as_array().and_then(|a| a.iter().find(|k| k["KeyType"] == "RANGE")).and_then(|k| k["AttributeName"].as_str()).map(str::to_string);
    let on_demand = t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST";

    let replication = use_state(|| None::<Value>);
    let lanes = use_state(Vec::<(String, Lane)>::new);
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let i = gloo::timers::callback::Interval::new(1000, move || tick.set(js_sys::Date::now() as u32));
            move || drop(i)
        });
    }
    {
        let (ctx2, name, replication, lanes, here) = (ctx.clone(), name.clone(), replication.clone(), lanes.clone(), here.clone());
        use_effect_with((ctx.version, *tick, name.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(r) = ctx2.bridge.sim("dynamodb:DescribeReplication", json!({"region": here, "TableName": name})).await else { return };
                let regions: Vec<String> = r["Regions"].as_array().map(|a| a.iter().filter_map(|x| x["RegionName"].as_str().map(str::to_string)).collect()).unwrap_or_default();
                let mut out = Vec::new();
                for region in regions {
                    let lane = match ctx2.bridge.send_in("dynamodb", "Scan", json!({"TableName": name, "Limit": LANE_ITEMS, "ConsistentRead": true}), &region).await {
                        Ok(v) => Ok(v["Items"].as_array().cloned().unwrap_or_default()),
                        Err(e) => Err(format!("{}: {}", e.kind, e.message)),
                    };
                    out.push((region, lane));
                }
                replication.set(Some(r));
                lanes.set(out);
            });
            || ()
        });
    }

    // Add a replica.
    let members: Vec<String> = replication
        .as_ref()
        .and_then(|r| r["Regions"].as_array())
        .map(|a| a.iter().filter_map(|x| x["RegionName"].as_str().map(str::to_string)).collect())
        .unwrap_or_else(|| vec![here.clone()]);
    let candidates: Vec<&(&str, &str)> = gureum_engine::REGIONS.iter().filter(|(c, _)| !members.iter().any(|m| m.as_str() == *c)).collect();
    let pick = use_state(|| String::new());
    let chosen = if candidates.iter().any(|(c, _)| *c == pick.as_str()) { (*pick).clone() } else { candidates.first().map(|(c, _)| c.to_string()).unwrap_or_default() };
    let add = {
        let (ctx, name, chosen) = (ctx.clone(), name.clone(), chosen.clone());
        Callback::from(move |_| {
            let (ctx, name, target) = (ctx.clone(), name.clone(), chosen.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "UpdateTable", json!({"TableName": name, "ReplicaUpdates": [{"Create": {"RegionName": target}}]})).await {
                    Ok(_) => ctx
                        .notify
                        .emit(Notice::info("Replica", &format!("A replica in {target} is CREATING: the items are copied, and it turns ACTIVE after a few simulated seconds."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let remove = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |target: String| {
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "UpdateTable", json!({"TableName": name, "ReplicaUpdates": [{"Delete": {"RegionName": target}}]})).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Replica", &format!("The replica in {target} is DELETING, with all its items."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let availability = {
        let ctx = ctx.clone();
        Callback::from(move |(region, available): (String, bool)| {
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("dynamodb:SetRegionAvailability", json!({"RegionName": region, "Available": available})).await {
                    Ok(_) if available => ctx.notify.emit(Notice::info("Region back", &format!("{region} is available again: the changes queued for it are applied in order."))),
                    Ok(_) => ctx.notify.emit(Notice::info("Region down", &format!("DynamoDB in {region} answers 503 ServiceUnavailable; writes elsewhere queue for it."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    // Write an item in one lane.
    let draft_key = use_state(|| "song-1".to_string());
    let draft_value = use_state(|| "hello".to_string());
    let key_value = |v: &str| if hash_type == "N" { json!({"N": v}) } else { json!({"S": v}) };
    let write = {
        let (ctx, name, hash, draft_key, draft_value, range) = (ctx.clone(), name.clone(), hash.clone(), draft_key.clone(), draft_value.clone(), range.clone());
        let key = key_value(draft_key.as_str());
        Callback::from(move |region: String| {
            let mut item = json!({"v": {"S": (*draft_value).clone()}});
            item[hash.as_str()] = key.clone();
            if let Some(r) = &range {
                item[r.as_str()] = json!({"S": "1"});
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send_in("dynamodb", "PutItem", json!({"TableName": name, "Item": item}), &region).await {
                    ctx.error(&e);
                }
            });
        })
    };
    // The conflict demo: the same key written in the first two regions, one after the other.
    let demo = {
        let (ctx, name, hash, members, range) = (ctx.clone(), name.clone(), hash.clone(), members.clone(), range.clone());
        let key = key_value(if hash_type == "N" { "42" } else { DEMO_KEY_VALUE });
        Callback::from(move |_| {
            let (ctx, name, hash, members, key, range) = (ctx.clone(), name.clone(), hash.clone(), members.clone(), key.clone(), range.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let [a, b, ..] = members.as_slice() else { return };
                for region in [a, b] {
                    let mut item = json!({"v": {"S": format!("written in {region}")}});
                    item[hash.as_str()] = key.clone();
                    if let Some(r) = &range {
                        item[r.as_str()] = json!({"S": "1"});
                    }
                    if let Err(e) = ctx.bridge.send_in("dynamodb", "PutItem", json!({"TableName": name, "Item": item}), region).await {
                        ctx.error(&e);
                        return;
                    }
                }
                ctx.notify.emit(Notice::info(
                    "Conflict demo",
                    &format!("The same key was written in {a}, then in {b}, within the replication lag. Each region first holds its own write; when the changes cross, the later write (from {b}) wins in both, and {a}'s write is discarded."),
                ));
            });
        })
    };
    let lag_draft = use_state(|| None::<String>);
    let set_lag = {
        let (ctx, name, here, lag_draft) = (ctx.clone(), name.clone(), here.clone(), lag_draft.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(Ok(seconds)) = (*lag_draft).as_ref().map(|s| s.trim().parse::<f64>()) else { return };
            let (ctx, name, here, lag_draft) = (ctx.clone(), name.clone(), here.clone(), lag_draft.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("dynamodb:SetReplicationLag", json!({"region": here, "TableName": name, "Seconds": seconds})).await {
                    Ok(_) => lag_draft.set(None),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    let r = (*replication).clone();
    let is_global = r.as_ref().is_some_and(|r| r.get("GlobalTableVersion").is_some());
    let lag = r.as_ref().and_then(|r| r["LagSeconds"].as_f64()).unwrap_or(1.0);
    let regions: Vec<Value> = r.as_ref().and_then(|r| r["Regions"].as_array().cloned()).unwrap_or_default();
    let events: Vec<Value> = r.as_ref().and_then(|r| r["Events"].as_array().cloned()).unwrap_or_default();

    html! {
        <div class="global-panel">
            <div class="global-head">
                <span class="muted">{ "Global table" }</span>
                if is_global {
                    <span class="badge active">{ "version 2019.11.21" }</span>
                    <span>{ format!("{} regions", regions.len()) }</span>
                    <form class="lag-form" onsubmit={set_lag}>
                        <label>{ "Replication lag " }
                            <input class="input" aria-label="Replication lag in seconds" type="number" min="0" max="3600" step="0.1"
                                value={(*lag_draft).clone().unwrap_or_else(|| lag.to_string())}
                                oninput={let d = lag_draft.clone(); Callback::from(move |e: InputEvent| d.set(Some(input_value(&e))))} />
                            { " s" }
                        </label>
                        if lag_draft.is_some() { <button class="btn small" type="submit">{ "Set" }</button> }
                    </form>
                } else {
                    <span class="badge">{ "regional" }</span>
                }
                <div class="spacer" />
                if candidates.is_empty() {
                    <span class="muted">{ "Every region has a replica." }</span>
                } else {
                    <label class="add-replica">{ "Add a replica in " }
                        <select class="input" aria-label="Replica region" onchange={let p = pick.clone(); Callback::from(move |e: Event| p.set(select_value(&e)))}>
                            { for candidates.iter().map(|(c, n)| html! { <option value={*c} selected={*c == chosen.as_str()}>{ format!("{c} — {n}") }</option> }) }
                        </select>
                    </label>
                    <button class="btn primary" onclick={add} disabled={t["TableStatus"] != "ACTIVE"}>{ "Add replica" }</button>
                }
            </div>
            if !on_demand {
                <p class="hint">{ "A global table must be on-demand, or provisioned with write auto scaling: turn on write auto scaling in the Capacity tab (or switch to on-demand) before adding a replica." }</p>
            }
            if !is_global {
                <div class="hint global-help">
                    <p>{ "A " }<strong>{ "global table" }</strong>{ " keeps a copy (a " }<em>{ "replica" }</em>{ ") of this table in other AWS regions. Each replica takes reads and writes; DynamoDB copies every write to the other replicas asynchronously, typically within a second. Adding a replica copies the existing items and turns on the table's stream (NEW_AND_OLD_IMAGES), which carries the changes." }</p>
                </div>
            }
            if is_global {
                <div class="write-bar">
                    <label>{ format!("{hash} ") }<input class="input" aria-label="Item key" value={(*draft_key).clone()} oninput={let d = draft_key.clone(); Callback::from(move |e: InputEvent| d.set(input_value(&e)))} /></label>
                    <label>{ "v " }<input class="input" aria-label="Item value" value={(*draft_value).clone()} oninput={let d = draft_value.clone(); Callback::from(move |e: InputEvent| d.set(input_value(&e)))} /></label>
                    <span class="muted">{ "write it with a lane's " }<em>{ "Put here" }</em>{ " button" }</span>
                    <div class="spacer" />
                    <button class="btn" onclick={demo} disabled={regions.len() < 2}>{ "Conflict demo" }</button>
                </div>
                <div class="lanes" style={format!("grid-template-columns: repeat({}, minmax(220px, 1fr))", regions.len().max(1))}>
                    { for regions.iter().map(|reg| {
                        let code = reg["RegionName"].as_str().unwrap_or_default().to_string();
                        let available = reg["Available"].as_bool().unwrap_or(true);
                        let pending = reg["PendingChanges"].as_u64().unwrap_or(0);
                        let status = reg["ReplicaStatus"].as_str().or(reg["TableStatus"].as_str()).unwrap_or("").to_string();
                        let lane = lanes.iter().find(|(r, _)| *r == code).map(|(_, l)| l.clone());
                        let toggle = { let (a, c) = (availability.clone(), code.clone()); Callback::from(move |_| a.emit((c.clone(), !available))) };
                        let put = { let (w, c) = (write.clone(), code.clone()); Callback::from(move |_| w.emit(c.clone())) };
                        let drop_replica = { let (rm, c) = (remove.clone(), code.clone()); Callback::from(move |_| rm.emit(c.clone())) };
                        html! {
                            <section class={classes!("lane", (!available).then_some("down"))} aria-label={format!("Region {code}")}>
                                <header>
                                    <div class="lane-title"><strong>{ &code }</strong>{ if code == here { " (this region)" } else { "" } }</div>
                                    <div class="lane-sub muted">{ region_name(&code) }</div>
                                    <div class="lane-badges">
                                        <span class={classes!("badge", status.to_lowercase())}>{ &status }</span>
                                        if !available { <span class="badge deleting">{ "region down" }</span> }
                                        if pending > 0 { <span class="badge updating" title="changes made elsewhere waiting to be applied here">{ format!("{pending} pending") }</span> }
                                    </div>
                                    <div class="lane-actions">
                                        <button class="btn small" onclick={put} disabled={!available}>{ "Put here" }</button>
                                        <button class={classes!("btn", "small", available.then_some("danger"))} onclick={toggle}>{ if available { "Take down" } else { "Bring back" } }</button>
                                        if code != here && status == "ACTIVE" { <button class="btn small" title="Delete this replica" onclick={drop_replica}>{ "Remove" }</button> }
                                    </div>
                                </header>
                                { match lane {
                                    None => html! { <p class="muted">{ "Loading…" }</p> },
                                    Some(Err(_)) if status == "CREATING" => html! { <p class="muted">{ "Creating the replica: the items are being copied…" }</p> },
                                    Some(Err(e)) => html! { <p class="lane-error">{ e }</p> },
                                    Some(Ok(items)) if items.is_empty() => html! { <p class="muted">{ "No items." }</p> },
                                    Some(Ok(items)) => html! { <ul class="lane-items">{ for items.iter().map(|i| item_line(i, &keys)) }</ul> },
                                } }
                            </section>
                        }
                    }) }
                </div>
                <h3 class="events-title">{ "Replication events" }</h3>
                if events.is_empty() {
                    <p class="muted">{ "No changes replicated yet: write an item in one lane and let a second of simulated time pass." }</p>
                } else {
                    <ul class="repl-events">{ for events.iter().take(15).map(event_row) }</ul>
                }
                <div class="hint global-help">
                    <p>{ "Replication is " }<strong>{ "asynchronous" }</strong>{ format!(": a write is acknowledged in its own region at once and reaches the others about {lag} s of simulated time later (AWS: typically within a second). A read in another region meanwhile still sees the old item.") }</p>
                    <p>{ "Two regions writing the same item within that window is a " }<strong>{ "conflict" }</strong>{ ": DynamoDB resolves it by " }<em>{ "last writer wins" }</em>{ " on the write's timestamp (a tie goes to the greater region name here). The losing write is " }<em>{ "discarded" }</em>{ " where it arrives late, so every region ends with the same item. Design for it: write an item in one region at a time, or make writes idempotent." }</p>
                    <p>{ "Take a region down: its DynamoDB endpoint answers HTTP 503 " }<code>{ "ServiceUnavailable" }</code>{ ", writes in the other regions go on and queue for it (the pending count). Bring it back and it catches up in order. Replicated writes consume write units in the receiving region (replicated write units) and show in its stream as ordinary changes." }</p>
                </div>
            }
        </div>
    }
}
