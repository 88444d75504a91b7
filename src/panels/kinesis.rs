//! Kinesis: the region's data streams (ListStreams, DescribeStreamSummary), create and delete,
//! and for a stream its shards drawn over the 128-bit hash key space (ListShards), a Put record
//! form that says which shard a record went to and why (the MD5 of its partition key), a live
//! record viewer over every shard (GetShardIterator, GetRecords, an iterator per shard kept
//! between polls), retention (Increase/DecreaseStreamRetentionPeriod) and enhanced fan-out
//! consumers (Register/List/DeregisterStreamConsumer).

use std::{
    cell::RefCell,
    collections::{BTreeMap, BTreeSet},
    rc::Rc,
};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        form::{bind_text, create_then_open, Created},
        functions::input_value,
        stream::sim_time,
        ttl::{span, use_sim_now},
    },
};

/// The most records the viewer keeps (the newest).
const KEEP: usize = 500;

/// Where a hash key (decimal text) sits in the 128-bit space, from 0.0 to 1.0.
pub fn hash_fraction(key: &str) -> f64 {
    key.parse::<u128>().map(|k| k as f64 / 2f64.powi(128)).unwrap_or(0.0)
}

/// A record's data as the viewer shows it: ("JSON", compact JSON), ("text", the UTF-8 text) or
/// ("base64", the base64 as it came) when the bytes are not UTF-8.
pub fn decode_data(b64: &str) -> (&'static str, String) {
    let Ok(bytes) = B64.decode(b64) else { return ("base64", b64.to_string()) };
    match String::from_utf8(bytes) {
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(v) if v.is_object() || v.is_array() => ("JSON", v.to_string()),
            _ => ("text", text),
        },
        Err(_) => ("base64", b64.to_string()),
    }
}

/// A shard as ListShards describes it: id and hash key range.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardRange {
    pub id: String,
    pub start: u128,
    pub end: u128,
}

pub fn shard_ranges(shards: &[Value]) -> Vec<ShardRange> {
    shards
        .iter()
        .filter_map(|s| {
            Some(ShardRange {
                id: s["ShardId"].as_str()?.to_string(),
                start: s["HashKeyRange"]["StartingHashKey"].as_str()?.parse().ok()?,
                end: s["HashKeyRange"]["EndingHashKey"].as_str()?.parse().ok()?,
            })
        })
        .collect()
}

/// Why a record went where it went: the hash key that placed it and how it was found.
pub fn placement(partition_key: &str, explicit: Option<&str>, shards: &[ShardRange]) -> (u128, String, Option<ShardRange>) {
    let (hash, why) = match explicit.and_then(|e| e.parse::<u128>().ok()) {
        Some(h) => (h, format!("ExplicitHashKey {h} was given: it replaces the MD5 of the partition key.")),
        None => {
            let h = gureum_engine::services::kinesis::stream::hash_key(partition_key);
            (h, format!("MD5(\"{partition_key}\") = {} = {h} as a 128-bit number.", gureum_engine::services::sqs::digest::md5_hex(partition_key.as_bytes())))
        }
    };
    let shard = shards.iter().find(|s| s.start <= hash && hash <= s.end).cloned();
    (hash, why, shard)
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selected: Option<String>,
}

#[function_component(Kinesis)]
pub fn kinesis(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let creating = use_state(|| false);
    {
        let (list, ctx2) = (list.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let req = match &token {
                        Some(t) => json!({"NextToken": t}),
                        None => json!({}),
                    };
                    match ctx2.bridge.send("kinesis", "ListStreams", req).await {
                        Ok(v) => {
                            for s in v["StreamSummaries"].as_array().cloned().unwrap_or_default() {
                                let d = ctx2.bridge.send("kinesis", "DescribeStreamSummary", json!({"StreamName": s["StreamName"]})).await;
                                out.push(d.map(|d| d["StreamDescriptionSummary"].clone()).unwrap_or(s));
                            }
                            match v["NextToken"].as_str() {
                                Some(t) if v["HasMoreStreams"] == json!(true) => token = Some(t.to_string()),
                                _ => break,
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
    let selected = p.selected.as_ref().and_then(|n| list.as_ref().and_then(|l| l.iter().find(|s| s["StreamName"] == json!(n)).cloned()));

    html! {
        <section class="panel kinesis">
            <header class="panel-head">
                <h1>{ "Kinesis" }</h1><span class="aws-name">{ format!("Amazon Kinesis Data Streams · {}", ctx.region) }</span>
                <div class="spacer" />
                <button class="btn primary" onclick={let c = creating.clone(); Callback::from(move |_| c.set(true))}>{ "Create stream" }</button>
            </header>
            <p class="hint kinesis-intro">
                { "A data stream is an ordered, replayable log of records split into " }<strong>{ "shards" }</strong>
                { ". Each shard takes in up to 1 MB/s or 1,000 records/s and gives out up to 2 MB/s. A record's " }<strong>{ "partition key" }</strong>
                { " picks its shard: its MD5 is a 128-bit number, and each shard owns a range of those numbers. Records with the same key stay in order on one shard; consumers read each shard from a position they choose, and records stay for the retention period (24 hours to a year)." }
            </p>
            if *creating {
                <CreateStream on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading streams…" }</p> },
                Some(l) if l.is_empty() => html! { <div class="empty-state"><p>{ "No data streams in this region yet. Create one: on-demand (four shards, scaled for you) or provisioned (you choose the shard count)." }</p></div> },
                Some(l) => html! {
                    <table class="grid kinesis-stream-list">
                        <thead><tr><th>{ "Name" }</th><th>{ "Status" }</th><th>{ "Capacity mode" }</th><th class="num">{ "Open shards" }</th><th class="num">{ "Retention" }</th><th class="num">{ "Consumers" }</th></tr></thead>
                        <tbody>
                            { for l.iter().map(|s| {
                                let name = s["StreamName"].as_str().unwrap_or_default().to_string();
                                let status = s["StreamStatus"].as_str().unwrap_or_default().to_string();
                                let sel = p.selected.as_deref() == Some(name.as_str());
                                html! {
                                    <tr class={classes!(sel.then_some("selected"))}>
                                        <td><a href={Route::Kinesis(Some(name.clone())).hash()}>{ &name }</a></td>
                                        <td><span class={classes!("badge", status.to_lowercase())}>{ &status }</span></td>
                                        <td>{ mode_label(s["StreamModeDetails"]["StreamMode"].as_str().unwrap_or_default()) }</td>
                                        <td class="num">{ s["OpenShardCount"].as_u64().map(|n| n.to_string()).unwrap_or_default() }</td>
                                        <td class="num">{ s["RetentionPeriodHours"].as_u64().map(|h| format!("{h} h")).unwrap_or_default() }</td>
                                        <td class="num">{ s["ConsumerCount"].as_u64().map(|n| n.to_string()).unwrap_or_default() }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            { match (&p.selected, selected) {
                (Some(_), Some(s)) => {
                    let k = format!("{}@{}", s["StreamName"].as_str().unwrap_or_default(), s["StreamCreationTimestamp"]);
                    html! { <StreamDetail key={k} summary={s} /> }
                }
                (Some(n), None) if list.is_some() => html! { <p class="muted">{ format!("There is no stream named {n} in {}.", ctx.region) }</p> },
                _ => html! {},
            } }
        </section>
    }
}

fn mode_label(mode: &str) -> &'static str {
    match mode {
        "ON_DEMAND" => "On-demand",
        "PROVISIONED" => "Provisioned",
        _ => "",
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
}

#[function_component(CreateStream)]
fn create_stream(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let mode = use_state(|| "ON_DEMAND".to_string());
    let shards = use_state(|| "2".to_string());
    let busy = use_state(|| false);
    let submit = {
        let (ctx, name, mode, shards, busy, close) = (ctx.clone(), name.clone(), mode.clone(), shards.clone(), busy.clone(), p.on_close.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let stream = name.trim().to_string();
            let mut req = json!({"StreamName": stream, "StreamModeDetails": {"StreamMode": *mode}});
            if *mode == "PROVISIONED" {
                match shards.trim().parse::<i64>() {
                    Ok(n) => req["ShardCount"] = json!(n),
                    Err(_) => {
                        ctx.notify.emit(Notice::error("ValidationException", "The shard count must be a whole number."));
                        return;
                    }
                }
            }
            let created =
                Created { title: "Stream created", message: format!("{stream} is CREATING; it is ACTIVE after a second of simulated time."), open: Route::Kinesis(Some(stream)) };
            create_then_open(&ctx, &busy, &close, "kinesis", "CreateStream", req, created);
        })
    };
    let text = bind_text;
    html! {
        <form class="card create-stream" onsubmit={submit} aria-label="Create stream">
            <h2>{ "Create a data stream" }</h2>
            <div class="field">
                <label for="ks-name">{ "Stream name" }</label>
                <input id="ks-name" placeholder="clicks" value={(*name).clone()} oninput={text(&name)} required=true />
                <p class="hint">{ "1 to 128 characters: letters, digits, underscore, dash and dot." }</p>
            </div>
            <fieldset class="field">
                <legend>{ "Capacity mode" }</legend>
                <label class="radio"><input type="radio" name="kmode" checked={*mode == "ON_DEMAND"} onchange={let m = mode.clone(); Callback::from(move |_| m.set("ON_DEMAND".into()))} />
                    <span><strong>{ "On-demand" }</strong>{ ": starts with four shards and scales with the traffic (scaling is not simulated); you pay per GB." }</span></label>
                <label class="radio"><input type="radio" name="kmode" checked={*mode == "PROVISIONED"} onchange={let m = mode.clone(); Callback::from(move |_| m.set("PROVISIONED".into()))} />
                    <span><strong>{ "Provisioned" }</strong>{ ": you choose the number of shards and pay per shard-hour; a shard over 1 MB/s or 1,000 records/s refuses writes (ProvisionedThroughputExceededException)." }</span></label>
                if *mode == "PROVISIONED" {
                    <div class="field">
                        <label for="ks-shards">{ "Shards" }</label>
                        <input id="ks-shards" type="number" min="1" value={(*shards).clone()} oninput={text(&shards)} />
                    </div>
                }
            </fieldset>
            <div class="actions">
                <button type="submit" class="btn primary" disabled={*busy}>{ if *busy { "Creating…" } else { "Create stream" } }</button>
                <button type="button" class="btn" onclick={let c = p.on_close.clone(); Callback::from(move |_| c.emit(()))}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    /// DescribeStreamSummary's StreamDescriptionSummary.
    summary: Value,
}

/// The last put: its answer and why it went there.
#[derive(Clone, PartialEq)]
struct Put {
    shard: String,
    sequence: String,
    hash: u128,
    why: String,
}

#[function_component(StreamDetail)]
fn stream_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let s = &p.summary;
    let name = s["StreamName"].as_str().unwrap_or_default().to_string();
    let arn = s["StreamARN"].as_str().unwrap_or_default().to_string();
    let status = s["StreamStatus"].as_str().unwrap_or_default().to_string();
    let readable = matches!(status.as_str(), "ACTIVE" | "UPDATING");
    let retention = s["RetentionPeriodHours"].as_u64().unwrap_or(24);
    let shards = use_state(Vec::<Value>::new);
    let consumers = use_state(|| None::<Vec<Value>>);
    {
        let (shards, consumers, bridge, name, arn) = (shards.clone(), consumers.clone(), ctx.bridge.clone(), name.clone(), arn.clone());
        use_effect_with((ctx.version, readable), move |_| {
            if readable {
                wasm_bindgen_futures::spawn_local(async move {
                    let mut all = Vec::new();
                    let mut token: Option<String> = None;
                    loop {
                        let req = match &token {
                            Some(t) => json!({"NextToken": t}),
                            None => json!({"StreamName": name}),
                        };
                        let Ok(v) = bridge.send("kinesis", "ListShards", req).await else { break };
                        all.extend(v["Shards"].as_array().cloned().unwrap_or_default());
                        match v["NextToken"].as_str() {
                            Some(t) => token = Some(t.to_string()),
                            None => break,
                        }
                    }
                    if *shards != all {
                        shards.set(all);
                    }
                    let c = bridge.send("kinesis", "ListStreamConsumers", json!({"StreamARN": arn})).await;
                    consumers.set(Some(c.ok().and_then(|v| v["Consumers"].as_array().cloned()).unwrap_or_default()));
                });
            }
            || ()
        });
    }
    let ranges = shard_ranges(&shards);
    let last_put = use_state(|| None::<Put>);

    let delete = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |_| {
            let ok = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the stream {name} and all its records?")).ok()).unwrap_or(false);
            if !ok {
                return;
            }
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("kinesis", "DeleteStream", json!({"StreamName": name})).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Stream deleted", &format!("{name} is DELETING.")));
                        ctx.navigate.emit(Route::Kinesis(None));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    html! {
        <div class="stream-detail">
            <div class="detail-head">
                <h2>{ &name }</h2>
                <span class={classes!("badge", status.to_lowercase())}>{ &status }</span>
                <div class="spacer" />
                <button class="btn danger" disabled={status != "ACTIVE"} onclick={delete}>{ "Delete stream" }</button>
            </div>
            <dl class="stream-meta">
                <dt>{ "ARN" }</dt><dd><code>{ &arn }</code></dd>
                <dt>{ "Capacity mode" }</dt><dd>{ mode_label(s["StreamModeDetails"]["StreamMode"].as_str().unwrap_or_default()) }</dd>
                <dt>{ "Retention" }</dt><dd><Retention key={retention} name={name.clone()} hours={retention} /></dd>
            </dl>
            if !readable {
                <p class="muted">{ format!("The stream is {status}: it changes state after a second of simulated time (if the clock is paused, press Play or +1 h).") }</p>
            } else {
                <h3>{ format!("Shards ({})", ranges.len()) }</h3>
                <p class="hint">{ "Each bar is the whole hash key space, 0 to 2¹²⁸−1; the coloured part is the range the shard owns. A record goes to the shard whose range holds its hash key." }</p>
                <table class="grid shard-table">
                    <thead><tr><th>{ "Shard" }</th><th class="bar-col">{ "Hash key range" }</th></tr></thead>
                    <tbody>
                        { for ranges.iter().enumerate().map(|(i, r)| {
                            let (a, b) = (hash_fraction(&r.start.to_string()), hash_fraction(&r.end.to_string()));
                            let marker = last_put.as_ref().filter(|p| p.shard == r.id).map(|p| hash_fraction(&p.hash.to_string()));
                            html! {
                                <tr class={classes!(last_put.as_ref().is_some_and(|p| p.shard == r.id).then_some("selected"))}>
                                    <td><span class={classes!("shard-chip", format!("c{}", i % 6))}>{ &r.id }</span></td>
                                    <td class="bar-col">
                                        <div class="hash-bar" aria-label={format!("{} owns {:.1}% to {:.1}% of the hash key space", r.id, a * 100.0, b * 100.0)}>
                                            <div class={classes!("hash-seg", format!("c{}", i % 6))} style={format!("left:{:.3}%;width:{:.3}%", a * 100.0, ((b - a) * 100.0).max(0.3))} />
                                            if let Some(m) = marker { <div class="hash-mark" title="the last record put" style={format!("left:{:.3}%", m * 100.0)} /> }
                                        </div>
                                        <div class="hash-range"><code>{ r.start.to_string() }</code>{ " – " }<code>{ r.end.to_string() }</code></div>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                <PutRecord name={name.clone()} shards={ranges.clone()} on_put={let l = last_put.clone(); Callback::from(move |p: Put| l.set(Some(p)))} />
                if let Some(put) = &*last_put {
                    <div class="put-result" aria-label="Last put">
                        <p>{ "Went to " }<strong>{ &put.shard }</strong>{ " as sequence number " }<code class="seq">{ &put.sequence }</code></p>
                        <p class="hint">{ format!("Why: {} ", put.why) }{ ranges.iter().find(|r| r.id == put.shard).map(|r| format!("It lies in {}'s range {} – {}.", r.id, r.start, r.end)).unwrap_or_default() }</p>
                    </div>
                }
                <KinesisRecords key={arn.clone()} name={name.clone()} shards={ranges.iter().map(|r| r.id.clone()).collect::<Vec<_>>()} />
                <Consumers arn={arn.clone()} consumers={(*consumers).clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RetentionProps {
    name: String,
    hours: u64,
}

#[function_component(Retention)]
fn retention(p: &RetentionProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let value = use_state(|| p.hours.to_string());
    let save = {
        let (ctx, name, value, current) = (ctx.clone(), p.name.clone(), value.clone(), p.hours);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(hours) = value.trim().parse::<i64>() else {
                ctx.notify.emit(Notice::error("ValidationException", "The retention period is a whole number of hours."));
                return;
            };
            let op = if hours >= current as i64 { "IncreaseStreamRetentionPeriod" } else { "DecreaseStreamRetentionPeriod" };
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("kinesis", op, json!({"StreamName": name, "RetentionPeriodHours": hours})).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Retention", &format!("{op}: records now stay {hours} hours."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <form class="retention-form" onsubmit={save}>
            <input class="input" type="number" aria-label="Retention hours" value={(*value).clone()} oninput={let v = value.clone(); Callback::from(move |e: InputEvent| v.set(input_value(&e)))} />
            <span>{ "hours" }</span>
            <button class="btn small" type="submit">{ "Save retention" }</button>
            <span class="hint">{ format!("24 (a day) to 8760 (a year); now {}.", span(p.hours as f64 * 3600.0)) }</span>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct PutProps {
    name: String,
    shards: Vec<ShardRange>,
    on_put: Callback<Put>,
}

#[function_component(PutRecord)]
fn put_record(p: &PutProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let key = use_state(|| "user-1".to_string());
    let data = use_state(|| r#"{"event": "click", "page": "/home"}"#.to_string());
    let explicit = use_state(String::new);
    let submit = {
        let (ctx, name, key, data, explicit, shards, on_put) = (ctx.clone(), p.name.clone(), key.clone(), data.clone(), explicit.clone(), p.shards.clone(), p.on_put.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (pk, text, ex) = ((*key).clone(), (*data).clone(), explicit.trim().to_string());
            let mut req = json!({"StreamName": name, "PartitionKey": pk, "Data": B64.encode(text.as_bytes())});
            if !ex.is_empty() {
                req["ExplicitHashKey"] = json!(ex);
            }
            let (ctx, shards, on_put) = (ctx.clone(), shards.clone(), on_put.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("kinesis", "PutRecord", req).await {
                    Ok(v) => {
                        let (hash, why, _) = placement(&pk, (!ex.is_empty()).then_some(ex.as_str()), &shards);
                        on_put.emit(Put {
                            shard: v["ShardId"].as_str().unwrap_or_default().to_string(),
                            sequence: v["SequenceNumber"].as_str().unwrap_or_default().to_string(),
                            hash,
                            why,
                        });
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let text = bind_text;
    let on_data = {
        let data = data.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                data.set(t.value());
            }
        })
    };
    let is_json = serde_json::from_str::<Value>(&data).is_ok();
    html! {
        <form class="card put-record" onsubmit={submit} aria-label="Put record">
            <h3>{ "Put a record" }</h3>
            <div class="field-row">
                <div class="field">
                    <label for="kp-key">{ "Partition key" }</label>
                    <input id="kp-key" value={(*key).clone()} oninput={text(&key)} />
                    <p class="hint">{ "MD5 of this key → a 128-bit hash key → the shard whose range holds it." }</p>
                </div>
                <div class="field">
                    <label for="kp-hash">{ "Explicit hash key " }<span class="muted">{ "(optional)" }</span></label>
                    <input id="kp-hash" placeholder="a number from 0 to 2^128-1" value={(*explicit).clone()} oninput={text(&explicit)} />
                    <p class="hint">{ "Places the record by this number instead of the MD5." }</p>
                </div>
            </div>
            <div class="field">
                <label for="kp-data">{ "Data " }<span class="muted">{ if is_json { "(JSON, sent as its UTF-8 bytes)" } else { "(text, sent as its UTF-8 bytes)" } }</span></label>
                <textarea id="kp-data" rows="3" value={(*data).clone()} oninput={on_data} />
            </div>
            <div class="actions"><button class="btn primary" type="submit">{ "Put record" }</button></div>
        </form>
    }
}

#[derive(Default)]
struct KPoller {
    iterators: BTreeMap<String, String>,
    last_seq: BTreeMap<String, String>,
    /// Shards whose iterator expired (the simulated clock jumped more than five minutes).
    expired: BTreeSet<String>,
    horizon: bool,
    /// Simulated epoch seconds when the viewer started at LATEST: where it starts again if an
    /// iterator expires before any record was seen.
    opened_s: Option<f64>,
    busy: bool,
    /// (shard, record), newest first.
    records: Vec<(String, Value)>,
    error: Option<String>,
    generation: u32,
}

async fn kpoll(ctx: &Ctx, name: &str, shards: &[String], state: &Rc<RefCell<KPoller>>) {
    {
        let mut s = state.borrow_mut();
        if s.busy {
            return;
        }
        s.busy = true;
    }
    let generation = state.borrow().generation;
    let mut error = None;
    if state.borrow().opened_s.is_none() {
        if let Ok(c) = ctx.bridge.sim("GetClock", json!({})).await {
            state.borrow_mut().opened_s = c["now"].as_f64().map(|ms| ms / 1000.0);
        }
    }
    for shard in shards {
        if let Err(e) = kpoll_shard(ctx, name, shard, state, generation).await {
            error = Some(e);
            break;
        }
    }
    let mut s = state.borrow_mut();
    s.busy = false;
    if s.generation == generation {
        s.error = error;
        s.records.sort_by(|a, b| {
            let t = |r: &Value| r["ApproximateArrivalTimestamp"].as_f64().unwrap_or(0.0);
            t(&b.1).total_cmp(&t(&a.1)).then_with(|| b.1["SequenceNumber"].as_str().cmp(&a.1["SequenceNumber"].as_str()))
        });
        s.records.truncate(KEEP);
    }
}

async fn kpoll_shard(ctx: &Ctx, name: &str, shard: &str, state: &Rc<RefCell<KPoller>>, generation: u32) -> Result<(), String> {
    for _attempt in 0..3 {
        let (iterator, last, horizon, opened, expired) = {
            let s = state.borrow();
            (s.iterators.get(shard).cloned(), s.last_seq.get(shard).cloned(), s.horizon, s.opened_s, s.expired.contains(shard))
        };
        let iterator = match iterator {
            Some(i) => i,
            None => {
                let mut req = json!({"StreamName": name, "ShardId": shard});
                match (last, horizon, expired.then_some(opened).flatten()) {
                    (Some(seq), _, _) => {
                        req["ShardIteratorType"] = json!("AFTER_SEQUENCE_NUMBER");
                        req["StartingSequenceNumber"] = json!(seq);
                    }
                    (None, true, _) => req["ShardIteratorType"] = json!("TRIM_HORIZON"),
                    // An expired iterator and nothing seen on this shard yet: from when the
                    // viewer opened.
                    (None, false, Some(at)) => {
                        req["ShardIteratorType"] = json!("AT_TIMESTAMP");
                        req["Timestamp"] = json!(at);
                    }
                    (None, false, None) => req["ShardIteratorType"] = json!("LATEST"),
                }
                let v = ctx.bridge.send("kinesis", "GetShardIterator", req).await.map_err(|e| e.to_string())?;
                v["ShardIterator"].as_str().unwrap_or_default().to_string()
            }
        };
        match ctx.bridge.send("kinesis", "GetRecords", json!({"ShardIterator": iterator, "Limit": 1000})).await {
            Ok(v) => {
                let mut s = state.borrow_mut();
                if s.generation != generation {
                    return Ok(());
                }
                let records = v["Records"].as_array().cloned().unwrap_or_default();
                let full = records.len() >= 1000;
                for r in records {
                    if let Some(q) = r["SequenceNumber"].as_str() {
                        s.last_seq.insert(shard.to_string(), q.to_string());
                    }
                    s.records.push((shard.to_string(), r));
                }
                if let Some(n) = v["NextShardIterator"].as_str() {
                    s.iterators.insert(shard.to_string(), n.to_string());
                }
                if !full {
                    return Ok(());
                }
            }
            // Five minutes of simulated time passed since the last poll (a clock jump).
            Err(e) if e.kind == "ExpiredIteratorException" => {
                let mut s = state.borrow_mut();
                s.iterators.remove(shard);
                s.expired.insert(shard.to_string());
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

#[derive(Properties, PartialEq)]
struct RecordsProps {
    name: String,
    shards: Vec<String>,
}

#[function_component(KinesisRecords)]
fn kinesis_records(p: &RecordsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let state = use_mut_ref(KPoller::default);
    let redraw = use_force_update();
    let only = use_state(|| None::<String>);
    let now_ms = use_sim_now(true);
    let run = {
        let (ctx, name, shards, state, redraw) = (ctx.clone(), p.name.clone(), p.shards.clone(), state.clone(), redraw.clone());
        Rc::new(move || {
            if shards.is_empty() {
                return;
            }
            let (ctx, name, shards, state, redraw) = (ctx.clone(), name.clone(), shards.clone(), state.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let snap = |s: &KPoller| (s.records.len(), s.records.first().map(|r| r.1.clone()), s.error.clone(), s.iterators.len());
                let before = snap(&state.borrow());
                kpoll(&ctx, &name, &shards, &state).await;
                if before != snap(&state.borrow()) {
                    redraw.force_update();
                }
            });
        })
    };
    {
        let run = run.clone();
        use_effect_with((ctx.version, p.shards.clone()), move |_| {
            run();
            || ()
        });
    }
    {
        let run = run.clone();
        use_effect_with(p.shards.clone(), move |_| {
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
                *s = KPoller { horizon: true, generation, ..KPoller::default() };
            }
            redraw.force_update();
            run();
        })
    };
    let on_shard = {
        let only = only.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let v = s.value();
                only.set((!v.is_empty()).then_some(v));
            }
        })
    };
    let s = state.borrow();
    let shown: Vec<&(String, Value)> = s.records.iter().filter(|(sh, _)| only.as_ref().is_none_or(|o| o == sh)).collect();
    let index = |id: &str| p.shards.iter().position(|s| s == id).unwrap_or(0);
    html! {
        <div class="kinesis-records">
            <div class="records-bar">
                <h3>{ "Records" }</h3>
                <span class="live-dot" title="Polling GetRecords on every shard each second, with the iterator each shard was last given">{ "● live" }</span>
                <span class="muted">{ if s.horizon { "from TRIM_HORIZON (the oldest record kept)" } else { "from LATEST (since this view opened)" } }</span>
                <div class="spacer" />
                <select aria-label="Shard" onchange={on_shard}>
                    <option value="" selected={only.is_none()}>{ format!("All shards ({})", s.records.len()) }</option>
                    { for p.shards.iter().map(|id| {
                        let n = s.records.iter().filter(|(sh, _)| sh == id).count();
                        html! { <option value={id.clone()} selected={only.as_deref() == Some(id.as_str())}>{ format!("{id} ({n})") }</option> }
                    }) }
                </select>
                <button class="btn small" onclick={from_horizon}>{ "Load from TRIM_HORIZON" }</button>
            </div>
            if let Some(e) = &s.error { <p class="error-text">{ e }</p> }
            if shown.is_empty() {
                <div class="empty-state small"><p>{
                    // Listening once every shard has an iterator.
                    if s.records.is_empty() && !p.shards.iter().all(|id| s.iterators.contains_key(id)) { "Opening the shards…" }
                    else { "No records yet. Put one above (or from a function, boto3, the CLI) and it appears here." }
                }</p></div>
            } else {
                <div class="grid-wrap">
                    <table class="grid kinesis-record-grid">
                        <thead><tr><th>{ "Arrival" }</th><th>{ "Shard" }</th><th>{ "Partition key" }</th><th>{ "Data" }</th><th>{ "Sequence number" }</th></tr></thead>
                        <tbody>
                            { for shown.iter().map(|(shard, r)| {
                                let at = r["ApproximateArrivalTimestamp"].as_f64().unwrap_or(0.0);
                                let (kind, text) = decode_data(r["Data"].as_str().unwrap_or_default());
                                let seq = r["SequenceNumber"].as_str().unwrap_or_default();
                                html! {
                                    <tr>
                                        <td class="when">{ sim_time(at) }<div class="muted">{ format!("{} ago", span((now_ms / 1000.0 - at).max(0.0))) }</div></td>
                                        <td><span class={classes!("shard-chip", format!("c{}", index(shard) % 6))}>{ shard }</span></td>
                                        <td><code>{ r["PartitionKey"].as_str().unwrap_or_default() }</code></td>
                                        <td class="data"><span class="type-tag">{ kind }</span><span class="data-text">{ text }</span></td>
                                        <td class="seq" title={seq.to_string()}><code>{ seq }</code></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ConsumersProps {
    arn: String,
    consumers: Option<Vec<Value>>,
}

#[function_component(Consumers)]
fn consumers(p: &ConsumersProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let register = {
        let (ctx, arn, name) = (ctx.clone(), p.arn.clone(), name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, req, consumer) = (ctx.clone(), json!({"StreamARN": arn, "ConsumerName": name.trim()}), name.trim().to_string());
            let name = name.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("kinesis", "RegisterStreamConsumer", req).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Consumer", &format!("{consumer} is CREATING; ACTIVE after a second of simulated time.")));
                        name.set(String::new());
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let deregister = |consumer_arn: String| {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let (ctx, req) = (ctx.clone(), json!({"ConsumerARN": consumer_arn}));
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("kinesis", "DeregisterStreamConsumer", req).await {
                    ctx.error(&e);
                }
            });
        })
    };
    html! {
        <div class="consumers">
            <h3>{ "Enhanced fan-out consumers" }</h3>
            <p class="hint">{ "Ordinary consumers (GetRecords, as the viewer above) share each shard's 2 MB/s. A registered enhanced fan-out consumer gets its own 2 MB/s per shard, pushed to it by SubscribeToShard for up to 5 minutes per subscription (gureum serve streams it to boto3 and the SDKs), and a Lambda trigger can read through it. Up to 20 per stream." }</p>
            { match &p.consumers {
                None => html! { <p class="muted">{ "Loading…" }</p> },
                Some(c) if c.is_empty() => html! { <p class="muted">{ "No consumers registered." }</p> },
                Some(c) => html! {
                    <table class="grid consumer-list">
                        <thead><tr><th>{ "Name" }</th><th>{ "Status" }</th><th>{ "Registered" }</th><th>{ "ARN" }</th><th /></tr></thead>
                        <tbody>
                            { for c.iter().map(|c| {
                                let status = c["ConsumerStatus"].as_str().unwrap_or_default();
                                let carn = c["ConsumerARN"].as_str().unwrap_or_default().to_string();
                                html! {
                                    <tr>
                                        <td>{ c["ConsumerName"].as_str().unwrap_or_default() }</td>
                                        <td><span class={classes!("badge", status.to_lowercase())}>{ status }</span></td>
                                        <td>{ sim_time(c["ConsumerCreationTimestamp"].as_f64().unwrap_or(0.0)) }</td>
                                        <td class="arn"><code>{ &carn }</code></td>
                                        <td><button class="btn small danger" disabled={status != "ACTIVE"} onclick={deregister(carn.clone())}>{ "Deregister" }</button></td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            <form class="inline-form" onsubmit={register}>
                <input class="input" aria-label="Consumer name" placeholder="consumer name" value={(*name).clone()} oninput={let n = name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e)))} />
                <button class="btn" type="submit">{ "Register consumer" }</button>
            </form>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_decoded_when_it_can_be() {
        assert_eq!(decode_data(&B64.encode(br#"{"a": 1}"#)), ("JSON", r#"{"a":1}"#.to_string()));
        assert_eq!(decode_data(&B64.encode(b"hello")), ("text", "hello".to_string()));
        assert_eq!(decode_data(&B64.encode(b"42")), ("text", "42".to_string()));
        let bin = B64.encode([0xff, 0xfe, 0x00]);
        assert_eq!(decode_data(&bin), ("base64", bin.clone()));
    }

    #[test]
    fn placement_follows_the_md5_or_the_explicit_hash_key() {
        let shards = shard_ranges(&[
            json!({"ShardId": "shardId-000000000000", "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "170141183460469231731687303715884105727"}}),
            json!({"ShardId": "shardId-000000000001", "HashKeyRange": {"StartingHashKey": "170141183460469231731687303715884105728", "EndingHashKey": "340282366920938463463374607431768211455"}}),
        ]);
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661: below 2^127, the first shard.
        let (h, why, s) = placement("a", None, &shards);
        assert_eq!(h, 0x0cc175b9c0f1b6a831c399e269772661);
        assert!(why.contains("0cc175b9c0f1b6a831c399e269772661"), "{why}");
        assert_eq!(s.unwrap().id, "shardId-000000000000");
        let (_, why, s) = placement("a", Some("340282366920938463463374607431768211455"), &shards);
        assert_eq!(s.unwrap().id, "shardId-000000000001");
        assert!(why.contains("ExplicitHashKey"));
        assert!((hash_fraction("170141183460469231731687303715884105728") - 0.5).abs() < 1e-12);
        assert_eq!(hash_fraction("nope"), 0.0);
    }
}
