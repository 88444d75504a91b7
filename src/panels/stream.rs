//! The Stream tab of a table: its DynamoDB stream's settings (UpdateTable's
//! StreamSpecification), the Lambda functions it triggers (ListEventSourceMappings), and a live
//! viewer of its records read through the DynamoDB Streams API (DescribeStream,
//! GetShardIterator, GetRecords) with the iterator kept between polls, each record's old and new
//! images shown as a diff.

use std::{cell::RefCell, rc::Rc};

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    dynamo_json,
    notify::Notice,
    panels::{
        fn_util::short_time,
        ttl::{span, use_sim_now},
    },
};

pub const VIEW_TYPES: &[(&str, &str)] = &[("NEW_AND_OLD_IMAGES", "New and old images"), ("NEW_IMAGE", "New image"), ("OLD_IMAGE", "Old image"), ("KEYS_ONLY", "Keys only")];

/// The most records the viewer keeps (the newest).
pub const KEEP: usize = 500;

/// Waits `ms` milliseconds of the browser's time.
pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Epoch seconds (simulated) → `2026-01-01 00:00:05 UTC`.
pub fn sim_time(seconds: f64) -> String {
    format!("{} UTC", short_time(&gureum_engine::kernel::time::iso8601((seconds * 1000.0) as i64)))
}

/// How an attribute fared between the old and the new image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
    Same,
    /// Only one image is in the record (its view type carries no other): nothing to compare.
    Unknown,
}

impl Change {
    fn class(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Same => "same",
            Change::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiffRow {
    pub name: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub change: Change,
}

/// The attributes of a record's images, side by side: the new image's in its order, then those
/// only the old image has. An INSERT has no old image and a REMOVE no new one, by definition; a
/// MODIFY seen through NEW_IMAGE or OLD_IMAGE has one image only, and its rows are `Unknown`.
pub fn diff(event: &str, old: Option<&Value>, new: Option<&Value>) -> Vec<DiffRow> {
    let (o, n) = (old.and_then(Value::as_object), new.and_then(Value::as_object));
    let comparable = (o.is_some() && n.is_some()) || (event == "INSERT" && o.is_none()) || (event == "REMOVE" && n.is_none());
    let mut rows = Vec::new();
    for (name, v) in n.into_iter().flatten() {
        let before = o.and_then(|o| o.get(name));
        let change = match (comparable, before) {
            (false, _) => Change::Unknown,
            (true, None) => Change::Added,
            (true, Some(b)) if b == v => Change::Same,
            (true, Some(_)) => Change::Changed,
        };
        rows.push(DiffRow { name: name.clone(), old: before.cloned(), new: Some(v.clone()), change });
    }
    for (name, v) in o.into_iter().flatten() {
        if n.is_some_and(|n| n.contains_key(name)) {
            continue;
        }
        rows.push(DiffRow { name: name.clone(), old: Some(v.clone()), new: None, change: if comparable { Change::Removed } else { Change::Unknown } });
    }
    rows
}

/// `UserId = "u1", Game = "chess"` for a record's Keys.
pub fn keys_text(keys: &Value) -> String {
    keys.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let (text, tag) = dynamo_json::cell(v);
                    if tag == "S" {
                        format!("{k} = \"{text}\"")
                    } else {
                        format!("{k} = {text}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// True when a record is a deletion by DynamoDB itself (Time to Live).
pub fn is_service_delete(record: &Value) -> bool {
    let u = &record["userIdentity"];
    u["Type"] == "Service" && u["PrincipalId"] == "dynamodb.amazonaws.com"
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The table as DescribeTable describes it.
    pub table: Value,
    /// Whether the tab is shown. Once opened, the tab stays mounted (hidden) while other tabs
    /// are shown, so its viewer keeps reading records while items change in the Items tab.
    pub visible: bool,
}

/// The Stream tab: nothing until first shown, then kept (hidden when another tab is).
#[function_component(StreamTab)]
pub fn stream_tab(p: &Props) -> Html {
    let opened = use_state(|| p.visible);
    if p.visible && !*opened {
        opened.set(true);
    }
    if !*opened && !p.visible {
        return html! {};
    }
    html! { <div class="stream-tab" hidden={!p.visible}><StreamView table={p.table.clone()} /></div> }
}

#[derive(Properties, PartialEq)]
struct ViewProps {
    table: Value,
}

#[function_component(StreamView)]
fn stream_view(p: &ViewProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let t = &p.table;
    let name = t["TableName"].as_str().unwrap_or_default().to_string();
    let enabled = t["StreamSpecification"]["StreamEnabled"] == json!(true);
    let view_type = t["StreamSpecification"]["StreamViewType"].as_str().map(str::to_string);
    let arn = t["LatestStreamArn"].as_str().map(str::to_string);
    let label = t["LatestStreamLabel"].as_str().map(str::to_string);
    let chosen = use_state(|| view_type.clone().unwrap_or_else(|| "NEW_AND_OLD_IMAGES".into()));
    let busy = use_state(|| false);
    // DescribeStream: the stream's own status (ENABLING, ENABLED, DISABLING, DISABLED).
    let described = use_state(|| None::<Value>);
    let mappings = use_state(|| None::<Vec<Value>>);
    // ENABLING and DISABLING end on the simulated clock, with no change to the sandbox: while
    // the stream is in one of them, DescribeStream is asked again every second.
    let tick = use_state(|| 0u32);
    let transitional = described.as_ref().is_some_and(|d| matches!(d["StreamStatus"].as_str(), Some("ENABLING" | "DISABLING")));
    {
        let tick = tick.clone();
        use_effect_with(transitional, move |on| {
            let i = on.then(|| gloo::timers::callback::Interval::new(1000, move || tick.set(js_sys::Date::now() as u32)));
            move || drop(i)
        });
    }
    {
        let (described, mappings, bridge, arn) = (described.clone(), mappings.clone(), ctx.bridge.clone(), arn.clone());
        use_effect_with((ctx.version, arn.clone(), *tick), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let Some(arn) = arn else {
                    described.set(None);
                    mappings.set(Some(Vec::new()));
                    return;
                };
                described.set(bridge.send("streams.dynamodb", "DescribeStream", json!({"StreamArn": arn})).await.ok().map(|v| v["StreamDescription"].clone()));
                let mut all = Vec::new();
                let mut marker: Option<String> = None;
                loop {
                    let mut req = json!({"EventSourceArn": arn});
                    if let Some(m) = &marker {
                        req["Marker"] = json!(m);
                    }
                    let Ok(v) = bridge.send("lambda", "ListEventSourceMappings", req).await else { break };
                    all.extend(v["EventSourceMappings"].as_array().cloned().unwrap_or_default());
                    match v["NextMarker"].as_str() {
                        Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                        _ => break,
                    }
                }
                mappings.set(Some(all));
            });
            || ()
        });
    }

    let update = |spec: Value, then_enable: bool| {
        let (ctx, name, busy, chosen) = (ctx.clone(), name.clone(), busy.clone(), chosen.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, name, busy, spec, view) = (ctx.clone(), name.clone(), busy.clone(), spec.clone(), (*chosen).clone());
            let mut spec = spec;
            if spec["StreamEnabled"] == json!(true) {
                spec["StreamViewType"] = json!(view);
            }
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "UpdateTable", json!({"TableName": name, "StreamSpecification": spec})).await {
                    Err(e) => ctx.error(&e),
                    Ok(_) if !then_enable => {
                        let what = if spec["StreamEnabled"] == json!(true) {
                            format!("The stream is ENABLING with view type {view}: a new stream, with a new ARN and label.")
                        } else {
                            "The stream is DISABLING: it takes no more records and stays readable for 24 hours.".to_string()
                        };
                        ctx.notify.emit(Notice::info("Stream", &what));
                    }
                    Ok(_) => {
                        // A view type cannot change in place: the stream is disabled, and once
                        // the table is ACTIVE again, a new one is enabled.
                        let mut active = false;
                        for _ in 0..40 {
                            sleep(250).await;
                            if let Ok(d) = ctx.bridge.send("dynamodb", "DescribeTable", json!({"TableName": name})).await {
                                if d["Table"]["TableStatus"] == "ACTIVE" {
                                    active = true;
                                    break;
                                }
                            }
                        }
                        if !active {
                            ctx.notify.emit(Notice::warning("Stream", "The stream is disabled, but the table is still UPDATING (is the simulated clock paused?). Enable the stream with the new view type once the table is ACTIVE."));
                        } else {
                            let req = json!({"TableName": name, "StreamSpecification": {"StreamEnabled": true, "StreamViewType": view}});
                            match ctx.bridge.send("dynamodb", "UpdateTable", req).await {
                                Ok(_) => ctx.notify.emit(Notice::info("Stream", &format!("The old stream is disabled; a new one is ENABLING with view type {view}."))),
                                Err(e) => ctx.error(&e),
                            }
                        }
                    }
                }
                busy.set(false);
            });
        })
    };
    let on_view = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                chosen.set(s.value());
            }
        })
    };
    let status = described.as_ref().and_then(|d| d["StreamStatus"].as_str()).map(str::to_string).unwrap_or_else(|| if enabled { "ENABLED".into() } else { "DISABLED".into() });
    let stream_view = described.as_ref().and_then(|d| d["StreamViewType"].as_str()).map(str::to_string).or(view_type.clone());

    html! {
        <div class="stream-panel">
            <p class="hint stream-intro">
                { "A DynamoDB stream is an ordered log of every change to the table's items — one record per INSERT, MODIFY or REMOVE, kept for 24 hours — which consumers such as Lambda functions read in order. Its view type decides what each record carries: " }
                <strong>{ "KEYS_ONLY" }</strong>{ " the key attributes, " }<strong>{ "NEW_IMAGE" }</strong>{ " the item after the change, " }<strong>{ "OLD_IMAGE" }</strong>{ " the item before it, " }<strong>{ "NEW_AND_OLD_IMAGES" }</strong>{ " both." }
            </p>
            <div class="card stream-settings" aria-label="Stream settings">
                <div class="stream-status">
                    <span class="muted">{ "Stream" }</span>
                    <span class={classes!("badge", status.to_lowercase())}>{ &status }</span>
                    if let Some(v) = &stream_view { <span>{ "view type " }<code>{ v }</code></span> }
                </div>
                if let Some(a) = &arn {
                    <dl class="stream-meta">
                        <dt>{ if enabled { "Stream ARN" } else { "Latest stream ARN" } }</dt><dd><code>{ a }</code></dd>
                        <dt>{ "Label" }</dt><dd><code>{ label.clone().unwrap_or_default() }</code>{ " " }<span class="muted">{ "(when it was enabled; each enabling makes a new stream)" }</span></dd>
                    </dl>
                } else {
                    <p class="muted">{ "This table has never had a stream." }</p>
                }
                <div class="stream-form">
                    <label>{ "View type " }
                        <select aria-label="Stream view type" onchange={on_view}>
                            { for VIEW_TYPES.iter().map(|(v, l)| html! { <option value={*v} selected={*chosen == *v}>{ format!("{v} — {l}") }</option> }) }
                        </select>
                    </label>
                    <button class="btn primary" disabled={*busy} onclick={update(json!({"StreamEnabled": true}), false)}>{ "Enable stream" }</button>
                    <button class="btn" disabled={*busy} title="Disables the stream, then enables a new one with the chosen view type once the table is ACTIVE" onclick={update(json!({"StreamEnabled": false}), true)}>{ "Change view type" }</button>
                    <button class="btn danger" disabled={*busy} onclick={update(json!({"StreamEnabled": false}), false)}>{ "Disable stream" }</button>
                </div>
                <p class="hint">{ "UpdateTable's StreamSpecification: the table is UPDATING for a moment of simulated time. A view type cannot change in place — disable the stream, then enable a new one. DynamoDB refuses enabling a stream that is already enabled, or disabling one that is not, and its error is shown as it comes." }</p>
            </div>
            <div class="stream-triggers">
                <h3>{ "Lambda triggers" }</h3>
                { match &*mappings {
                    None => html! { <p class="muted">{ "Loading…" }</p> },
                    Some(m) if m.is_empty() => html! { <p class="hint">{ "No Lambda function reads this stream. Add one in a function's Triggers tab (an event source mapping on this stream's ARN)." }</p> },
                    Some(m) => html! {
                        <ul class="trigger-list">
                            { for m.iter().map(|e| {
                                let f = e["FunctionArn"].as_str().unwrap_or_default();
                                let fname = f.split(':').nth(6).unwrap_or(f).to_string();
                                html! {
                                    <li>
                                        <a href={Route::Functions(Some(fname.clone())).hash()}>{ format!("λ {fname}") }</a>
                                        <span class={classes!("badge", e["State"].as_str().unwrap_or_default().to_lowercase().replace("enabled", "ok"))}>{ e["State"].as_str().unwrap_or_default() }</span>
                                        <span class="muted">{ format!("batch size {} · from {}", e["BatchSize"], e["StartingPosition"].as_str().unwrap_or("?")) }</span>
                                    </li>
                                }
                            }) }
                        </ul>
                    },
                } }
            </div>
            if let Some(a) = &arn {
                <StreamRecords key={a.clone()} arn={a.clone()} />
            }
        </div>
    }
}

/// Where the next GetShardIterator starts.
#[derive(Debug, Clone, PartialEq)]
enum Start {
    Latest,
    TrimHorizon,
    After(String),
}

#[derive(Default)]
struct Poller {
    shard: Option<String>,
    iterator: Option<String>,
    start: Option<Start>,
    last_seq: Option<String>,
    busy: bool,
    /// The shard is closed and read to its end.
    ended: bool,
    /// Newest first.
    records: Vec<Value>,
    error: Option<String>,
    /// Bumped by "Load from TRIM_HORIZON": a poll of an older generation drops its results.
    generation: u32,
}

/// One poll: an iterator if there is none, then GetRecords until a page comes back short.
async fn poll(ctx: &Ctx, arn: &str, state: &Rc<RefCell<Poller>>) {
    {
        let mut s = state.borrow_mut();
        if s.busy || s.ended {
            return;
        }
        s.busy = true;
    }
    let generation = state.borrow().generation;
    let result = poll_inner(ctx, arn, state, generation).await;
    let mut s = state.borrow_mut();
    s.busy = false;
    if s.generation == generation {
        s.error = result.err();
    }
}

async fn poll_inner(ctx: &Ctx, arn: &str, state: &Rc<RefCell<Poller>>, generation: u32) -> Result<(), String> {
    for _attempt in 0..3 {
        let (shard, iterator, start) = {
            let s = state.borrow();
            (s.shard.clone(), s.iterator.clone(), s.start.clone().unwrap_or(Start::Latest))
        };
        let shard = match shard {
            Some(s) => s,
            None => {
                let d = ctx.bridge.send("streams.dynamodb", "DescribeStream", json!({"StreamArn": arn})).await.map_err(|e| e.to_string())?;
                // The open shard is the last one.
                let Some(id) = d["StreamDescription"]["Shards"].as_array().and_then(|a| a.last()).and_then(|s| s["ShardId"].as_str()).map(str::to_string) else { return Ok(()) };
                state.borrow_mut().shard = Some(id.clone());
                id
            }
        };
        let iterator = match iterator {
            Some(i) => i,
            None => {
                let mut req = json!({"StreamArn": arn, "ShardId": shard});
                match &start {
                    Start::Latest => req["ShardIteratorType"] = json!("LATEST"),
                    Start::TrimHorizon => req["ShardIteratorType"] = json!("TRIM_HORIZON"),
                    Start::After(seq) => {
                        req["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
                        req["SequenceNumber"] = json!(seq);
                    }
                }
                let v = ctx.bridge.send("streams.dynamodb", "GetShardIterator", req).await.map_err(|e| e.to_string())?;
                v["ShardIterator"].as_str().unwrap_or_default().to_string()
            }
        };
        match ctx.bridge.send("streams.dynamodb", "GetRecords", json!({"ShardIterator": iterator})).await {
            Ok(v) => {
                let mut s = state.borrow_mut();
                if s.generation != generation {
                    return Ok(());
                }
                let records = v["Records"].as_array().cloned().unwrap_or_default();
                let full = records.len() >= 1000;
                for r in records {
                    s.last_seq = r["dynamodb"]["SequenceNumber"].as_str().map(str::to_string);
                    s.records.insert(0, r);
                }
                s.records.truncate(KEEP);
                match v["NextShardIterator"].as_str() {
                    Some(n) => s.iterator = Some(n.to_string()),
                    None => {
                        s.iterator = None;
                        s.ended = true;
                    }
                }
                if !full {
                    return Ok(());
                }
            }
            // The iterator outlived its 15 minutes (the simulated clock jumped): start again
            // after the last record seen, or from where the viewer started.
            Err(e) if e.kind == "ExpiredIteratorException" => {
                let mut s = state.borrow_mut();
                s.iterator = None;
                if let Some(seq) = s.last_seq.clone() {
                    s.start = Some(Start::After(seq));
                }
            }
            Err(e) if e.kind == "TrimmedDataAccessException" => {
                let mut s = state.borrow_mut();
                s.iterator = None;
                s.start = Some(Start::TrimHorizon);
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

#[derive(Properties, PartialEq)]
struct RecordsProps {
    arn: String,
}

/// The live list of a stream's records.
#[function_component(StreamRecords)]
fn stream_records(p: &RecordsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let state = use_mut_ref(Poller::default);
    let redraw = use_force_update();
    let filter = use_state(|| None::<&'static str>);
    let open = use_state(|| None::<String>);
    let now_ms = use_sim_now(true);

    let run = {
        let (ctx, arn, state, redraw) = (ctx.clone(), p.arn.clone(), state.clone(), redraw.clone());
        Rc::new(move || {
            let (ctx, arn, state, redraw) = (ctx.clone(), arn.clone(), state.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let snap = |s: &Poller| (s.records.len(), s.records.first().cloned(), s.error.clone(), s.iterator.is_some(), s.ended);
                let before = snap(&state.borrow());
                poll(&ctx, &arn, &state).await;
                if before != snap(&state.borrow()) {
                    redraw.force_update();
                }
            });
        })
    };
    // Poll whenever the sandbox changed, and every second (timers such as TTL deletes).
    {
        let run = run.clone();
        use_effect_with(ctx.version, move |_| {
            run();
            || ()
        });
    }
    {
        let run = run.clone();
        use_effect_with((), move |_| {
            let i = gloo::timers::callback::Interval::new(1000, move || run());
            move || drop(i)
        });
    }
    let from_horizon = {
        let (state, run, redraw) = (state.clone(), run.clone(), redraw.clone());
        Callback::from(move |_| {
            {
                let mut s = state.borrow_mut();
                let generation = s.generation + 1;
                *s = Poller { start: Some(Start::TrimHorizon), generation, ..Poller::default() };
            }
            redraw.force_update();
            run();
        })
    };
    let clear = {
        let (state, redraw) = (state.clone(), redraw.clone());
        Callback::from(move |_| {
            state.borrow_mut().records.clear();
            redraw.force_update();
        })
    };

    let s = state.borrow();
    let count = |ev: &str| s.records.iter().filter(|r| r["eventName"] == ev).count();
    let shown: Vec<&Value> = s.records.iter().filter(|r| filter.is_none_or(|f| r["eventName"] == f)).collect();
    let from_start = s.start == Some(Start::TrimHorizon) || matches!(s.start, Some(Start::After(_)));
    html! {
        <div class="stream-records">
            <div class="records-bar">
                <h3>{ "Records" }</h3>
                if s.ended {
                    <span class="badge">{ "shard closed: stream disabled" }</span>
                } else {
                    <span class="live-dot" title="Polling GetRecords every second with the iterator it was last given">{ "● live" }</span>
                }
                <span class="muted">{ if from_start { "from TRIM_HORIZON (the oldest record kept)" } else { "from LATEST (since this tab opened)" } }</span>
                <div class="spacer" />
                <div class="segmented" role="group" aria-label="Filter by event name">
                    <button class={classes!("btn", "small", filter.is_none().then_some("on"))} onclick={let f = filter.clone(); Callback::from(move |_| f.set(None))}>{ format!("All {}", s.records.len()) }</button>
                    { for ["INSERT", "MODIFY", "REMOVE"].iter().map(|ev| {
                        let f = filter.clone();
                        let ev = *ev;
                        html! { <button class={classes!("btn", "small", (*filter == Some(ev)).then_some("on"))} onclick={Callback::from(move |_| f.set(Some(ev)))}>{ format!("{ev} {}", count(ev)) }</button> }
                    }) }
                </div>
                <button class="btn small" onclick={from_horizon}>{ "Load from TRIM_HORIZON" }</button>
                <button class="btn small" onclick={clear}>{ "Clear" }</button>
            </div>
            if let Some(e) = &s.error { <p class="error-text">{ e }</p> }
            if shown.is_empty() {
                <div class="empty-state small">
                    <p>{ match (s.records.is_empty(), s.iterator.is_some() || s.ended) {
                        (true, false) => "Opening the shard…",
                        (true, true) => "No records yet. Put, update or delete an item (Items tab, PartiQL, a function, boto3) and its record appears here.",
                        (false, _) => "No records of this event name.",
                    } }</p>
                </div>
            }
            <ol class="record-list">
                { for shown.iter().map(|r| record_view(r, now_ms, &open)) }
            </ol>
        </div>
    }
}

fn value_cell(v: &Option<Value>) -> Html {
    match v {
        None => html! { <td class="absent">{ "—" }</td> },
        Some(v) => {
            let (text, tag) = dynamo_json::cell(v);
            html! { <td title={text.clone()}><span class="type-tag">{ tag }</span>{ text }</td> }
        }
    }
}

fn record_view(r: &Value, now_ms: f64, open: &UseStateHandle<Option<String>>) -> Html {
    let d = &r["dynamodb"];
    let event = r["eventName"].as_str().unwrap_or_default().to_string();
    let seq = d["SequenceNumber"].as_str().unwrap_or_default().to_string();
    let at = d["ApproximateCreationDateTime"].as_f64().unwrap_or(0.0);
    let ago = (now_ms / 1000.0 - at).max(0.0);
    let view = d["StreamViewType"].as_str().unwrap_or_default();
    let rows = diff(&event, d.get("OldImage"), d.get("NewImage"));
    let is_open = open.as_deref() == Some(seq.as_str());
    let toggle = {
        let (open, seq) = (open.clone(), seq.clone());
        Callback::from(move |_| open.set(if open.as_deref() == Some(seq.as_str()) { None } else { Some(seq.clone()) }))
    };
    let one_image = rows.iter().any(|x| x.change == Change::Unknown);
    html! {
        <li class={classes!("record", event.to_lowercase())}>
            <button class="record-head" aria-expanded={is_open.to_string()} title="Show the record's JSON" onclick={toggle}>
                <span class={classes!("event", event.to_lowercase())}>{ &event }</span>
                <span class="keys">{ keys_text(&d["Keys"]) }</span>
                if is_service_delete(r) { <span class="badge ttl-delete" title="userIdentity: Service dynamodb.amazonaws.com">{ "service deletion (TTL)" }</span> }
                <span class="spacer" />
                <span class="meta" title={format!("ApproximateCreationDateTime {at}")}>{ format!("{} · {} ago", sim_time(at), span(ago)) }</span>
            </button>
            <div class="record-meta muted">
                <span>{ "seq " }<code>{ &seq }</code></span>
                <span>{ view }</span>
                <span>{ format!("{} bytes", d["SizeBytes"]) }</span>
            </div>
            if rows.is_empty() {
                <p class="hint">{ if view == "KEYS_ONLY" { "KEYS_ONLY: the record carries the key attributes only." } else { "No image in this record." } }</p>
            } else {
                <table class="grid diff">
                    <thead><tr><th>{ "Attribute" }</th><th>{ "OldImage" }</th><th>{ "NewImage" }</th></tr></thead>
                    <tbody>
                        { for rows.iter().map(|x| html! {
                            <tr class={x.change.class()}>
                                <td class="attr">{ &x.name }</td>
                                { value_cell(&x.old) }
                                { value_cell(&x.new) }
                            </tr>
                        }) }
                    </tbody>
                </table>
                if one_image && event == "MODIFY" {
                    <p class="hint">{ format!("{view}: this record carries one image only, so what changed cannot be shown.") }</p>
                }
            }
            if is_open {
                <pre class="record-json">{ serde_json::to_string_pretty(r).unwrap_or_default() }</pre>
            }
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modify_diff_marks_changed_added_removed_and_same() {
        let old = json!({"id": {"S": "a"}, "n": {"N": "1"}, "gone": {"S": "x"}});
        let new = json!({"id": {"S": "a"}, "n": {"N": "2"}, "fresh": {"BOOL": true}});
        let rows = diff("MODIFY", Some(&old), Some(&new));
        let by = |n: &str| rows.iter().find(|r| r.name == n).unwrap().change;
        assert_eq!((by("id"), by("n"), by("fresh"), by("gone")), (Change::Same, Change::Changed, Change::Added, Change::Removed));
        assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["id", "n", "fresh", "gone"]);
    }

    #[test]
    fn insert_remove_and_one_image_views() {
        let img = json!({"id": {"S": "a"}});
        assert_eq!(diff("INSERT", None, Some(&img))[0].change, Change::Added);
        assert_eq!(diff("REMOVE", Some(&img), None)[0].change, Change::Removed);
        // NEW_IMAGE on a MODIFY: nothing to compare against.
        assert_eq!(diff("MODIFY", None, Some(&img))[0].change, Change::Unknown);
        assert!(diff("MODIFY", None, None).is_empty());
    }

    #[test]
    fn keys_and_service_deletes() {
        assert_eq!(keys_text(&json!({"UserId": {"S": "u1"}, "Game": {"N": "3"}})), r#"UserId = "u1", Game = 3"#);
        assert!(is_service_delete(&json!({"userIdentity": {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}})));
        assert!(!is_service_delete(&json!({"eventName": "REMOVE"})));
    }
}
