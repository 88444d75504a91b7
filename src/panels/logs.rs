//! CloudWatch Logs: the region's log groups (DescribeLogGroups with a name prefix and nextToken
//! paging, CreateLogGroup, DeleteLogGroup, Put/DeleteRetentionPolicy), a group's streams
//! (DescribeLogStreams by LastEventTime, CreateLogStream, a PutLogEvents form), a stream's events
//! (GetLogEvents with its f/ and b/ tokens) and a search across the group (FilterLogEvents with
//! a filter pattern, a time range on the simulated clock and a stream name prefix).

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{
        fn_util::{pretty, short_time},
        functions::{input_value, select_value},
        ttl::use_sim_now,
    },
};

/// Groups and streams per page.
const PAGE: u64 = 10;

/// Milliseconds since the epoch → `YYYY-MM-DD HH:MM:SS.mmm` (simulated UTC).
pub fn event_time(ms: i64) -> String {
    let iso = gureum_engine::kernel::time::iso8601(ms);
    format!("{}.{:03}", short_time(&iso), ms.rem_euclid(1000))
}

/// `YYYY-MM-DD HH:MM[:SS]` (UTC, a `T` also accepted) → milliseconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    let t = text.trim().replace('T', " ");
    let (date, time) = t.split_once(' ').unwrap_or((t.as_str(), "00:00:00"));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut h = time.trim_end_matches('Z').split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next().unwrap_or(Some(0))?, h.next().unwrap_or(Some(0))?);
    if h.next().is_some() || hh > 23 || mm > 59 || ss > 59 || hh < 0 || mm < 0 || ss < 0 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400) + hh * 3_600 + mm * 60 + ss) * 1000)
}

/// Bytes as the console shows them.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// "Never expire", "1 day", "3 months (90 days)"...
pub fn retention_label(days: Option<i64>) -> String {
    match days {
        None => "Never expire".into(),
        Some(1) => "1 day".into(),
        Some(d) if d % 365 == 0 || d == 731 || d == 1096 || d == 1827 || d == 2192 || d == 2557 || d == 2922 || d == 3288 || d == 3653 => {
            let y = (d as f64 / 365.25).round() as i64;
            format!("{y} year{} ({d} days)", if y == 1 { "" } else { "s" })
        }
        Some(d) => format!("{d} days"),
    }
}

fn text(s: &UseStateHandle<String>) -> Callback<InputEvent> {
    let s = s.clone();
    Callback::from(move |e: InputEvent| s.set(input_value(&e)))
}

#[derive(Properties, PartialEq)]
pub struct LogsProps {
    #[prop_or_default]
    pub selected: Option<String>,
}

#[function_component(Logs)]
pub fn logs(p: &LogsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let prefix = use_state(String::new);
    // The tokens that opened the pages before the current one, and the current one's.
    let pages = use_state(Vec::<Option<String>>::new);
    let token = use_state(|| None::<String>);
    let list = use_state(|| None::<(Vec<Value>, Option<String>)>);
    let new_name = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let reload = use_state(|| 0u32);
    {
        let (ctx2, list, problem) = (ctx.clone(), list.clone(), problem.clone());
        use_effect_with((ctx.version, ctx.region.clone(), (*prefix).clone(), (*token).clone(), *reload), move |(_, _, prefix, token, _)| {
            let mut req = json!({"limit": PAGE});
            if !prefix.trim().is_empty() {
                req["logGroupNamePrefix"] = json!(prefix.trim());
            }
            if let Some(t) = token {
                req["nextToken"] = json!(t);
            }
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("logs", "DescribeLogGroups", req).await {
                    Ok(v) => {
                        problem.set(None);
                        list.set(Some((v["logGroups"].as_array().cloned().unwrap_or_default(), v["nextToken"].as_str().map(str::to_string))));
                    }
                    Err(e) => {
                        problem.set(Some(format!("{}: {}", e.kind, e.message)));
                        list.set(Some((Vec::new(), None)));
                    }
                }
            });
            || ()
        });
    }
    let on_prefix = {
        let (prefix, pages, token) = (prefix.clone(), pages.clone(), token.clone());
        Callback::from(move |e: InputEvent| {
            prefix.set(input_value(&e));
            pages.set(Vec::new());
            token.set(None);
        })
    };
    let next = list.as_ref().and_then(|l| l.1.clone());
    let on_next = {
        let (pages, token, next) = (pages.clone(), token.clone(), next.clone());
        Callback::from(move |_: MouseEvent| {
            let mut p = (*pages).clone();
            p.push((*token).clone());
            pages.set(p);
            token.set(next.clone());
        })
    };
    let on_prev = {
        let (pages, token) = (pages.clone(), token.clone());
        Callback::from(move |_: MouseEvent| {
            let mut p = (*pages).clone();
            let t = p.pop().flatten();
            pages.set(p);
            token.set(t);
        })
    };
    let create = {
        let (ctx, new_name) = (ctx.clone(), new_name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = new_name.trim().to_string();
            let (ctx, new_name) = (ctx.clone(), new_name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "CreateLogGroup", json!({"logGroupName": name})).await {
                    Ok(_) => {
                        new_name.set(String::new());
                        ctx.navigate.emit(Route::Logs(Some(name)));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let delete = |name: String| {
        let (ctx, reload, selected) = (ctx.clone(), reload.clone(), p.selected.clone());
        Callback::from(move |_: MouseEvent| {
            let confirmed = web_sys::window().and_then(|w| w.confirm_with_message(&format!("Delete the log group {name} and all its streams and events?")).ok()).unwrap_or(false);
            if !confirmed {
                return;
            }
            let (ctx, reload, name, selected) = (ctx.clone(), reload.clone(), name.clone(), selected.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "DeleteLogGroup", json!({"logGroupName": name})).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Log group deleted", &name));
                        if selected.as_deref() == Some(name.as_str()) {
                            ctx.navigate.emit(Route::Logs(None));
                        }
                        reload.set(*reload + 1);
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <section class="panel logs">
            <header class="panel-head">
                <h1>{ "Logs" }</h1><span class="aws-name">{ format!("Amazon CloudWatch Logs · {}", ctx.region) }</span>
            </header>
            <p class="hint logs-intro">
                { "A " }<strong>{ "log group" }</strong>{ " holds " }<strong>{ "log streams" }</strong>{ ", and a stream holds " }<strong>{ "events" }</strong>
                { " (a timestamp and a message) in time order. Lambda writes each function's output to " }<code>{ "/aws/lambda/{name}" }</code>
                { ", one stream per execution environment. Events older than the group's retention are deleted; times are on the simulated clock, in UTC." }
            </p>
            <div class="logs-toolbar">
                <input class="input" aria-label="Log group name prefix" placeholder="Filter by name prefix, like /aws/lambda/" value={(*prefix).clone()} oninput={on_prefix} />
                <form class="inline" onsubmit={create} aria-label="Create log group">
                    <input class="input" aria-label="New log group name" placeholder="New log group name" value={(*new_name).clone()} oninput={text(&new_name)} required=true />
                    <button type="submit" class="btn primary">{ "Create log group" }</button>
                </form>
            </div>
            if let Some(msg) = &*problem { <p class="error-text" role="alert">{ msg }</p> }
            { match &*list {
                None => html! { <p class="muted">{ "Loading log groups…" }</p> },
                Some((l, _)) if l.is_empty() && pages.is_empty() => html! { <div class="empty-state"><p>{
                    if prefix.trim().is_empty() { "No log groups in this region yet. Create one above, or invoke a Lambda function: its group appears with its first log line.".to_string() }
                    else { format!("No log group name starts with \"{}\".", prefix.trim()) }
                }</p></div> },
                Some((l, _)) => html! {
                    <table class="grid log-groups" aria-label="Log groups">
                        <thead><tr><th>{ "Log group" }</th><th class="num">{ "Stored bytes" }</th><th>{ "Retention" }</th><th>{ "Created (UTC)" }</th><th></th></tr></thead>
                        <tbody>{ for l.iter().map(|g| {
                            let name = g["logGroupName"].as_str().unwrap_or_default().to_string();
                            let sel = p.selected.as_deref() == Some(name.as_str());
                            html! {
                                <tr class={classes!(sel.then_some("selected"))}>
                                    <td><a href={Route::Logs(Some(name.clone())).hash()}>{ &name }</a></td>
                                    <td class="num">{ bytes(g["storedBytes"].as_u64().unwrap_or(0)) }</td>
                                    <td>{ retention_label(g["retentionInDays"].as_i64()) }</td>
                                    <td>{ g["creationTime"].as_i64().map(|t| short_time(&gureum_engine::kernel::time::iso8601(t))).unwrap_or_default() }</td>
                                    <td class="row-actions"><button class="btn small danger" aria-label={format!("Delete {name}")} onclick={delete(name.clone())}>{ "Delete" }</button></td>
                                </tr>
                            }
                        }) }</tbody>
                    </table>
                },
            } }
            if !pages.is_empty() || next.is_some() {
                <div class="pager">
                    <button class="btn small" disabled={pages.is_empty()} onclick={on_prev}>{ "← Previous" }</button>
                    <span class="muted">{ format!("Page {}", pages.len() + 1) }</span>
                    <button class="btn small" disabled={next.is_none()} onclick={on_next}>{ "Next →" }</button>
                </div>
            }
            if let Some(g) = &p.selected {
                <GroupDetail key={g.clone()} group={g.clone()} on_change={let r = reload.clone(); Callback::from(move |_| r.set(*r + 1))} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct GroupProps {
    group: String,
    on_change: Callback<()>,
}

#[function_component(GroupDetail)]
fn group_detail(p: &GroupProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let info = use_state(|| None::<Option<Value>>);
    let pages = use_state(Vec::<Option<String>>::new);
    let token = use_state(|| None::<String>);
    let streams = use_state(|| None::<(Vec<Value>, Option<String>)>);
    let chosen = use_state(|| None::<String>);
    let new_stream = use_state(String::new);
    let tab = use_state(|| "streams");
    {
        let (ctx2, group, info, streams) = (ctx.clone(), p.group.clone(), info.clone(), streams.clone());
        use_effect_with((ctx.version, (*token).clone()), move |(_, token)| {
            let mut req = json!({"logGroupName": group, "orderBy": "LastEventTime", "descending": true, "limit": PAGE});
            if let Some(t) = token {
                req["nextToken"] = json!(t);
            }
            wasm_bindgen_futures::spawn_local(async move {
                let found = ctx2
                    .bridge
                    .send("logs", "DescribeLogGroups", json!({"logGroupNamePrefix": group}))
                    .await
                    .ok()
                    .and_then(|v| v["logGroups"].as_array().and_then(|l| l.iter().find(|g| g["logGroupName"].as_str() == Some(group.as_str())).cloned()));
                let exists = found.is_some();
                info.set(Some(found));
                if !exists {
                    return;
                }
                match ctx2.bridge.send("logs", "DescribeLogStreams", req).await {
                    Ok(v) => streams.set(Some((v["logStreams"].as_array().cloned().unwrap_or_default(), v["nextToken"].as_str().map(str::to_string)))),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let Some(found) = &*info else { return html! { <p class="muted">{ "Loading the log group…" }</p> } };
    let Some(g) = found else {
        return html! { <p class="muted">{ format!("There is no log group named {} in {}.", p.group, ctx.region) }</p> };
    };
    let next = streams.as_ref().and_then(|s| s.1.clone());
    let create_stream = {
        let (ctx, group, new_stream, chosen) = (ctx.clone(), p.group.clone(), new_stream.clone(), chosen.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, group, new_stream, chosen) = (ctx.clone(), group.clone(), new_stream.clone(), chosen.clone());
            let name = new_stream.trim().to_string();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "CreateLogStream", json!({"logGroupName": group, "logStreamName": name})).await {
                    Ok(_) => {
                        new_stream.set(String::new());
                        chosen.set(Some(name));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let list = streams.as_ref().map(|s| s.0.clone()).unwrap_or_default();
    let tab_button = |id: &'static str, label: &str| {
        let t = tab.clone();
        html! { <button role="tab" aria-selected={(*tab == id).to_string()} class={classes!("tab", (*tab == id).then_some("on"))} onclick={Callback::from(move |_| t.set(id))}>{ label.to_string() }</button> }
    };
    html! {
        <div class="log-group-detail">
            <div class="detail-head">
                <h2><code>{ &p.group }</code></h2>
                <Retention group={p.group.clone()} days={g["retentionInDays"].as_i64()} on_change={p.on_change.clone()} />
            </div>
            <div class="tabs" role="tablist">
                { tab_button("streams", "Streams and events") }
                { tab_button("search", "Search the group") }
            </div>
            if *tab == "search" {
                <GroupSearch group={p.group.clone()} />
            } else {
                <div class="log-streams-view">
                    <div class="log-streams-side">
                        <form class="inline" onsubmit={create_stream} aria-label="Create log stream">
                            <input class="input" aria-label="New log stream name" placeholder="New stream name" value={(*new_stream).clone()} oninput={text(&new_stream)} required=true />
                            <button type="submit" class="btn">{ "Create stream" }</button>
                        </form>
                        { match &*streams {
                            None => html! { <p class="muted">{ "Loading log streams…" }</p> },
                            Some((l, _)) if l.is_empty() && pages.is_empty() => html! { <p class="muted">{ "No streams yet: create one, then put events in it." }</p> },
                            Some((l, _)) => html! {
                                <ul class="stream-list" aria-label="Log streams">
                                    { for l.iter().map(|s| {
                                        let n = s["logStreamName"].as_str().unwrap_or_default().to_string();
                                        let on = chosen.as_deref() == Some(n.as_str());
                                        let last = s["lastEventTimestamp"].as_i64().map(|t| format!("last event {}", event_time(t))).unwrap_or_else(|| "no events yet".into());
                                        let c = chosen.clone();
                                        html! { <li><button class={classes!("stream", on.then_some("on"))} onclick={let n2 = n.clone(); Callback::from(move |_| c.set(Some(n2.clone())))}>
                                            <code>{ n }</code><span class="muted">{ last }</span></button></li> }
                                    }) }
                                </ul>
                            },
                        } }
                        if !pages.is_empty() || next.is_some() {
                            <div class="pager">
                                <button class="btn small" disabled={pages.is_empty()} onclick={let (pg, t) = (pages.clone(), token.clone()); Callback::from(move |_| { let mut v = (*pg).clone(); let prev = v.pop().flatten(); pg.set(v); t.set(prev); })}>{ "← Newer streams" }</button>
                                <button class="btn small" disabled={next.is_none()} onclick={let (pg, t, n) = (pages.clone(), token.clone(), next.clone()); Callback::from(move |_| { let mut v = (*pg).clone(); v.push((*t).clone()); pg.set(v); t.set(n.clone()); })}>{ "Older streams →" }</button>
                            </div>
                        }
                        <PutEvents group={p.group.clone()} streams={list.iter().filter_map(|s| s["logStreamName"].as_str().map(str::to_string)).collect::<Vec<_>>()} chosen={(*chosen).clone()} />
                    </div>
                    { match &*chosen {
                        Some(s) => html! { <StreamEvents key={s.clone()} group={p.group.clone()} stream={s.clone()} /> },
                        None => html! { <p class="muted">{ "Pick a stream to read its events." }</p> },
                    } }
                </div>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RetentionProps {
    group: String,
    days: Option<i64>,
    on_change: Callback<()>,
}

#[function_component(Retention)]
fn retention(p: &RetentionProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let onchange = {
        let (ctx, group, on_change) = (ctx.clone(), p.group.clone(), p.on_change.clone());
        Callback::from(move |e: Event| {
            let v = select_value(&e);
            let (ctx, group, on_change) = (ctx.clone(), group.clone(), on_change.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = match v.parse::<i64>() {
                    Ok(days) => ctx.bridge.send("logs", "PutRetentionPolicy", json!({"logGroupName": group, "retentionInDays": days})).await,
                    Err(_) => ctx.bridge.send("logs", "DeleteRetentionPolicy", json!({"logGroupName": group})).await,
                };
                match r {
                    Ok(_) => on_change.emit(()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <label class="retention">{ "Retention " }
            <select aria-label="Retention" {onchange}>
                <option value="" selected={p.days.is_none()}>{ "Never expire" }</option>
                { for gureum_engine::services::logs::groups::RETENTION_DAYS.iter().map(|d| html! {
                    <option value={d.to_string()} selected={p.days == Some(*d)}>{ retention_label(Some(*d)) }</option>
                }) }
            </select>
        </label>
    }
}

#[derive(Properties, PartialEq)]
struct PutProps {
    group: String,
    streams: Vec<String>,
    chosen: Option<String>,
}

#[function_component(PutEvents)]
fn put_events(p: &PutProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let lines = use_state(String::new);
    let pick = use_state(|| None::<String>);
    let now = use_sim_now(false);
    let stream = (*pick).clone().or_else(|| p.chosen.clone()).or_else(|| p.streams.first().cloned()).unwrap_or_default();
    let submit = {
        let (ctx, group, stream, lines) = (ctx.clone(), p.group.clone(), stream.clone(), lines.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // One event per line, a millisecond apart so they keep their order.
            let base = now as i64;
            let events: Vec<Value> = lines.lines().filter(|l| !l.trim().is_empty()).enumerate().map(|(i, l)| json!({"timestamp": base + i as i64, "message": l})).collect();
            if events.is_empty() {
                ctx.notify.emit(Notice::error("InvalidParameterException", "Write at least one line: each line is one event."));
                return;
            }
            let n = events.len();
            let (ctx, lines, req) = (ctx.clone(), lines.clone(), json!({"logGroupName": group, "logStreamName": stream, "logEvents": events}));
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "PutLogEvents", req).await {
                    Ok(v) => {
                        lines.set(String::new());
                        let rejected = &v["rejectedLogEventsInfo"];
                        if rejected.is_object() {
                            ctx.notify.emit(Notice::error("Some events were rejected", &rejected.to_string()));
                        } else {
                            ctx.notify.emit(Notice::info("Events put", &format!("{n} event(s) at the simulated time.")));
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    if p.streams.is_empty() {
        return html! {};
    }
    html! {
        <form class="card put-events" onsubmit={submit} aria-label="Put log events">
            <h3>{ "Put events" }</h3>
            <label>{ "Stream" }
                <select aria-label="Put into stream" onchange={let pk = pick.clone(); Callback::from(move |e: Event| pk.set(Some(select_value(&e))))}>
                    { for p.streams.iter().map(|s| html! { <option value={s.clone()} selected={*s == stream}>{ s }</option> }) }
                </select>
            </label>
            <textarea aria-label="Event messages" rows="4" placeholder={"One event per line, e.g.\nuser signed in\n{\"level\": \"error\", \"msg\": \"disk full\"}"} value={(*lines).clone()} oninput={text(&lines)} />
            <p class="hint">{ "PutLogEvents: each line becomes an event stamped with the simulated time now." }</p>
            <button type="submit" class="btn primary">{ "Put events" }</button>
        </form>
    }
}

/// One event: its time, its stream (in a search) and its message; a JSON message opens pretty on click.
#[derive(Properties, PartialEq)]
struct LineProps {
    event: Value,
    #[prop_or_default]
    show_stream: bool,
}

#[function_component(EventLine)]
fn event_line(p: &LineProps) -> Html {
    let open = use_state(|| false);
    let msg = p.event["message"].as_str().unwrap_or_default().trim_end().to_string();
    let is_json = matches!(serde_json::from_str::<Value>(&msg), Ok(v) if v.is_object() || v.is_array());
    let class = if msg.contains("ERROR") || msg.contains("Task timed out") {
        "error"
    } else if msg.starts_with("REPORT ") || msg.starts_with("START ") || msg.starts_with("END ") {
        "meta"
    } else {
        ""
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    html! {
        <div class={classes!("log-line", class, is_json.then_some("json"))}>
            <time>{ event_time(p.event["timestamp"].as_i64().unwrap_or(0)) }</time>
            if p.show_stream { <code class="log-stream" title="Log stream">{ p.event["logStreamName"].as_str().unwrap_or_default() }</code> }
            if is_json {
                <span class="msg" role="button" tabindex="0" title={if *open { "Collapse" } else { "Show this JSON pretty" }} onclick={toggle}>{ if *open { pretty(&msg) } else { msg } }</span>
            } else {
                <span class="msg">{ msg }</span>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct StreamProps {
    group: String,
    stream: String,
}

/// A stream's events, newest at the bottom: the last page first, then older or newer pages with
/// GetLogEvents' backward and forward tokens.
#[function_component(StreamEvents)]
fn stream_events(p: &StreamProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let events = use_state(|| None::<Vec<Value>>);
    let back = use_state(|| None::<String>);
    let fwd = use_state(|| None::<String>);
    let older_done = use_state(|| false);
    let fetch = {
        let (ctx, group, stream, events, back, fwd, older_done) = (ctx.clone(), p.group.clone(), p.stream.clone(), events.clone(), back.clone(), fwd.clone(), older_done.clone());
        move |direction: &'static str| {
            let (ctx, events, back, fwd, older_done) = (ctx.clone(), events.clone(), back.clone(), fwd.clone(), older_done.clone());
            let mut req = json!({"logGroupName": group, "logStreamName": stream, "limit": 50});
            match direction {
                "older" => req["nextToken"] = json!(*back),
                "newer" => req["nextToken"] = json!(*fwd),
                _ => {}
            }
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "GetLogEvents", req).await {
                    Ok(v) => {
                        let got = v["events"].as_array().cloned().unwrap_or_default();
                        let mut all = if direction == "first" { Vec::new() } else { (*events).clone().unwrap_or_default() };
                        match direction {
                            "older" => {
                                older_done.set(got.is_empty());
                                let mut g = got;
                                g.extend(all);
                                all = g;
                                back.set(v["nextBackwardToken"].as_str().map(str::to_string));
                            }
                            "newer" => {
                                all.extend(got);
                                fwd.set(v["nextForwardToken"].as_str().map(str::to_string));
                            }
                            _ => {
                                older_done.set(got.is_empty());
                                all = got;
                                back.set(v["nextBackwardToken"].as_str().map(str::to_string));
                                fwd.set(v["nextForwardToken"].as_str().map(str::to_string));
                            }
                        }
                        events.set(Some(all));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        }
    };
    {
        let fetch = fetch.clone();
        // First page on mount, and again whenever the sandbox changed and nothing was paged yet.
        use_effect_with(ctx.version, move |_| {
            fetch("first");
            || ()
        });
    }
    let list = (*events).clone();
    html! {
        <div class="stream-events">
            <div class="records-bar">
                <strong><code>{ &p.stream }</code></strong>
                <button class="btn small" disabled={*older_done} onclick={let f = fetch.clone(); Callback::from(move |_| f("older"))}>{ "Load older" }</button>
                <button class="btn small" onclick={let f = fetch.clone(); Callback::from(move |_| f("newer"))}>{ "Load newer" }</button>
            </div>
            { match list {
                None => html! { <p class="muted">{ "Loading events…" }</p> },
                Some(l) if l.is_empty() => html! { <p class="muted">{ "No events in this stream yet." }</p> },
                Some(l) => html! {
                    <div class="log-events" role="log" aria-label="Stream events">
                        { for l.iter().map(|e| html! { <EventLine event={e.clone()} /> }) }
                    </div>
                },
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SearchProps {
    group: String,
}

const EXAMPLES: &[(&str, &str)] = &[
    ("ERROR", "events that contain the term ERROR (terms are case sensitive; \"a b\" needs both)"),
    ("?ERROR ?WARN", "events with ERROR or WARN"),
    (r#"{ $.level = "error" }"#, "JSON events whose level field is \"error\""),
    ("[ip, user, status=5*, size]", "space-delimited events whose third field starts with 5"),
];

/// FilterLogEvents across the group's streams.
#[function_component(GroupSearch)]
fn group_search(p: &SearchProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let pattern = use_state(String::new);
    let from = use_state(String::new);
    let to = use_state(String::new);
    let stream_prefix = use_state(String::new);
    let results = use_state(|| None::<(Vec<Value>, Option<String>)>);
    let problem = use_state(|| None::<String>);
    let run = {
        let (ctx, group, pattern, from, to, stream_prefix, results, problem) =
            (ctx.clone(), p.group.clone(), pattern.clone(), from.clone(), to.clone(), stream_prefix.clone(), results.clone(), problem.clone());
        move |more: Option<String>| {
            let mut req = json!({"logGroupName": group, "limit": 100});
            if !pattern.trim().is_empty() {
                req["filterPattern"] = json!(pattern.trim());
            }
            for (field, text) in [("startTime", &*from), ("endTime", &*to)] {
                if text.trim().is_empty() {
                    continue;
                }
                match parse_time(text) {
                    Some(ms) => req[field] = json!(ms),
                    None => {
                        problem.set(Some(format!("{field}: write a UTC time as YYYY-MM-DD HH:MM:SS (\"{}\" is not one).", text.trim())));
                        return;
                    }
                }
            }
            if !stream_prefix.trim().is_empty() {
                req["logStreamNamePrefix"] = json!(stream_prefix.trim());
            }
            let appending = more.is_some();
            if let Some(t) = more {
                req["nextToken"] = json!(t);
            }
            let (ctx, results, problem) = (ctx.clone(), results.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "FilterLogEvents", req).await {
                    Ok(v) => {
                        problem.set(None);
                        let mut all = if appending { results.as_ref().map(|r| r.0.clone()).unwrap_or_default() } else { Vec::new() };
                        all.extend(v["events"].as_array().cloned().unwrap_or_default());
                        results.set(Some((all, v["nextToken"].as_str().map(str::to_string))));
                    }
                    Err(e) => {
                        problem.set(Some(format!("{}: {}", e.kind, e.message)));
                        results.set(None);
                    }
                }
            });
        }
    };
    let submit = {
        let run = run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            run(None);
        })
    };
    let next = results.as_ref().and_then(|r| r.1.clone());
    html! {
        <div class="group-search">
            <form class="search-form" onsubmit={submit} aria-label="Filter log events">
                <label class="wide">{ "Filter pattern" }
                    <input class="input mono" aria-label="Filter pattern" placeholder="empty: every event" value={(*pattern).clone()} oninput={text(&pattern)} />
                </label>
                <label>{ "From (UTC)" }<input class="input" aria-label="Start time" placeholder="YYYY-MM-DD HH:MM:SS" value={(*from).clone()} oninput={text(&from)} /></label>
                <label>{ "To (UTC)" }<input class="input" aria-label="End time" placeholder="YYYY-MM-DD HH:MM:SS" value={(*to).clone()} oninput={text(&to)} /></label>
                <label>{ "Stream name prefix" }<input class="input" aria-label="Stream name prefix" placeholder="any stream" value={(*stream_prefix).clone()} oninput={text(&stream_prefix)} /></label>
                <button type="submit" class="btn primary">{ "Search" }</button>
            </form>
            <details class="pattern-help">
                <summary>{ "Filter pattern syntax" }</summary>
                <ul>
                    { for EXAMPLES.iter().map(|(ex, what)| {
                        let pt = pattern.clone();
                        let ex2 = ex.to_string();
                        html! { <li><button type="button" class="btn small mono" title="Use this pattern" onclick={Callback::from(move |_| pt.set(ex2.clone()))}>{ *ex }</button>{ format!(" {what}") }</li> }
                    }) }
                </ul>
                <p class="hint">{ "A leading - excludes a term (\"ERROR -timeout\"); JSON patterns compare with =, !=, <, >, and join with && and ||." }</p>
            </details>
            if let Some(msg) = &*problem { <p class="error-text" role="alert">{ msg }</p> }
            { match &*results {
                None => html! {},
                Some((l, _)) if l.is_empty() => html! { <p class="muted">{ "No matching events." }</p> },
                Some((l, _)) => html! {
                    <>
                        <p class="muted">{ format!("{} matching event(s)", l.len()) }</p>
                        <div class="log-events" role="log" aria-label="Matching events">
                            { for l.iter().map(|e| html! { <EventLine event={e.clone()} show_stream=true /> }) }
                        </div>
                    </>
                },
            } }
            if let Some(t) = next {
                <button class="btn small" onclick={let run = run.clone(); Callback::from(move |_| run(Some(t.clone())))}>{ "Load more" }</button>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_times() {
        assert_eq!(parse_time("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_time("2024-03-01T12:30"), Some(1_709_296_200_000));
        assert_eq!(parse_time("2024-13-01"), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(event_time(1_709_296_200_123), "2024-03-01 12:30:00.123");
    }

    #[test]
    fn labels() {
        assert_eq!(retention_label(None), "Never expire");
        assert_eq!(retention_label(Some(30)), "30 days");
        assert_eq!(retention_label(Some(365)), "1 year (365 days)");
        assert_eq!(retention_label(Some(3653)), "10 years (3653 days)");
        assert_eq!(bytes(2048), "2.0 KB");
    }
}
