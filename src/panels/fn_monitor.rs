//! The Triggers tab (event source mappings), the Monitoring tab (per-minute metrics as small SVG
//! charts, and the execution environments, warm or busy) and the Logs tab (the function's
//! CloudWatch Logs streams and their events).

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    panels::{
        fn_config::NameProps,
        fn_util::{clock_time, short_time},
        functions::{input_value, select_value},
    },
};

/// A source a trigger can read: (ARN, label shown, is it a stream).
/// `consumers`: (stream name, ListStreamConsumers' Consumers) of each Kinesis stream.
fn source_options(queues: &Value, streams: &Value, kinesis: &Value, consumers: &[(String, Value)]) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for url in queues["QueueUrls"].as_array().cloned().unwrap_or_default() {
        let url = url.as_str().unwrap_or_default().to_string();
        let parts: Vec<&str> = url.trim_end_matches('/').rsplitn(3, '/').collect();
        if let (Some(name), Some(account)) = (parts.first(), parts.get(1)) {
            let region = url.split('.').nth(1).unwrap_or("us-east-1");
            out.push((format!("arn:aws:sqs:{region}:{account}:{name}"), format!("SQS queue {name}"), false));
        }
    }
    for s in streams["Streams"].as_array().cloned().unwrap_or_default() {
        let arn = s["StreamArn"].as_str().unwrap_or_default().to_string();
        let label = format!("DynamoDB stream of {} ({})", s["TableName"].as_str().unwrap_or_default(), s["StreamLabel"].as_str().unwrap_or_default());
        out.push((arn, label, true));
    }
    for s in kinesis["StreamSummaries"].as_array().cloned().unwrap_or_default() {
        let arn = s["StreamARN"].as_str().unwrap_or_default().to_string();
        let name = s["StreamName"].as_str().unwrap_or_default().to_string();
        out.push((arn, format!("Kinesis stream {name}"), true));
        for (_, list) in consumers.iter().filter(|(stream, _)| *stream == name) {
            for c in list.as_array().into_iter().flatten().filter(|c| c["ConsumerStatus"] == "ACTIVE") {
                let arn = c["ConsumerARN"].as_str().unwrap_or_default().to_string();
                out.push((arn, format!("Kinesis stream {name}, enhanced fan-out consumer {}", c["ConsumerName"].as_str().unwrap_or_default()), true));
            }
        }
    }
    out
}

#[function_component(TriggersTab)]
pub fn triggers_tab(p: &NameProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    // None: loading; Some(Err(..)): the operation is not simulated yet.
    let mappings = use_state(|| None::<Result<Vec<Value>, String>>);
    let sources = use_state(Vec::<(String, String, bool)>::new);
    let reload = use_state(|| 0u32);
    let source = use_state(String::new);
    let batch = use_state(String::new);
    let position = use_state(|| "LATEST".to_string());
    let partial = use_state(|| false);
    let pattern = use_state(String::new);
    let problem = use_state(|| None::<String>);
    {
        let (ctx2, name, mappings, sources) = (ctx.clone(), p.name.clone(), mappings.clone(), sources.clone());
        use_effect_with((ctx.version, *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("lambda", "ListEventSourceMappings", json!({"FunctionName": name})).await {
                    Ok(v) => mappings.set(Some(Ok(v["EventSourceMappings"].as_array().cloned().unwrap_or_default()))),
                    Err(e) if e.kind == "UnknownOperationException" => mappings.set(Some(Err(e.message))),
                    Err(e) => {
                        ctx2.error(&e);
                        mappings.set(Some(Ok(Vec::new())));
                    }
                }
                let queues = ctx2.bridge.send("sqs", "ListQueues", json!({})).await.unwrap_or(Value::Null);
                let streams = ctx2.bridge.send("streams.dynamodb", "ListStreams", json!({})).await.unwrap_or(Value::Null);
                let kinesis = ctx2.bridge.send("kinesis", "ListStreams", json!({})).await.unwrap_or(Value::Null);
                let mut consumers = Vec::new();
                for s in kinesis["StreamSummaries"].as_array().cloned().unwrap_or_default() {
                    if let Ok(v) = ctx2.bridge.send("kinesis", "ListStreamConsumers", json!({"StreamARN": s["StreamARN"]})).await {
                        consumers.push((s["StreamName"].as_str().unwrap_or_default().to_string(), v["Consumers"].clone()));
                    }
                }
                sources.set(source_options(&queues, &streams, &kinesis, &consumers));
            });
            || ()
        });
    }
    let chosen = if source.is_empty() { sources.first().map(|s| s.0.clone()).unwrap_or_default() } else { (*source).clone() };
    // The select shows what `chosen` says after every render: options re-rendered when the
    // sources reload would otherwise leave the browser showing another source than the one
    // "Add trigger" uses.
    let source_ref = use_node_ref();
    {
        let source_ref = source_ref.clone();
        use_effect_with((chosen.clone(), sources.clone()), move |(chosen, _)| {
            if let Some(select) = source_ref.cast::<web_sys::HtmlSelectElement>() {
                select.set_value(chosen);
            }
            || ()
        });
    }
    let is_stream = sources.iter().find(|s| s.0 == chosen).map(|s| s.2).unwrap_or(false);
    let create = {
        let (ctx, name, chosen, batch, position, partial, pattern, problem, reload) =
            (ctx.clone(), p.name.clone(), chosen.clone(), batch.clone(), position.clone(), partial.clone(), pattern.clone(), problem.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            if chosen.is_empty() {
                problem.set(Some("Create an SQS queue, a Kinesis stream or a table with a stream first: a trigger needs a source.".into()));
                return;
            }
            let mut req = json!({"FunctionName": name, "EventSourceArn": chosen});
            if !batch.trim().is_empty() {
                match batch.trim().parse::<u64>() {
                    Ok(n) => req["BatchSize"] = json!(n),
                    Err(_) => {
                        problem.set(Some("Batch size is a whole number.".into()));
                        return;
                    }
                }
            }
            if is_stream {
                req["StartingPosition"] = json!(*position);
            }
            if *partial {
                req["FunctionResponseTypes"] = json!(["ReportBatchItemFailures"]);
            }
            if !pattern.trim().is_empty() {
                req["FilterCriteria"] = json!({"Filters": [{"Pattern": pattern.trim()}]});
            }
            let (ctx, problem, reload) = (ctx.clone(), problem.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "CreateEventSourceMapping", req).await {
                    Ok(_) => {
                        problem.set(None);
                        ctx.notify.emit(crate::notify::Notice::info(
                            "Trigger created",
                            "Lambda starts polling the source in a second of simulated time and invokes the function with batches of records.",
                        ));
                        reload.set(*reload + 1);
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let act = {
        let (ctx, reload) = (ctx.clone(), reload.clone());
        move |op: &'static str, input: Value| {
            let (ctx, reload) = (ctx.clone(), reload.clone());
            Callback::from(move |_: MouseEvent| {
                let (ctx, reload, input) = (ctx.clone(), reload.clone(), input.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match ctx.bridge.send("lambda", op, input).await {
                        Ok(_) => reload.set(*reload + 1),
                        Err(e) => ctx.error(&e),
                    }
                });
            })
        }
    };
    html! {
        <div class="triggers-tab">
            <p class="hint">{ "A trigger makes Lambda call the function for you: an event source mapping polls a queue, a DynamoDB stream or a Kinesis data stream and invokes the function with batches of records. An SQS batch is deleted when the function succeeds and comes back after the queue's visibility timeout when it fails; a stream batch is retried in order until it succeeds or its retries run out." }</p>
            { match &*mappings {
                None => html! { <p class="muted">{ "Loading triggers…" }</p> },
                Some(Err(_)) => html! { <div class="empty-state small"><p><strong>{ "Triggers come with event source mappings" }</strong>{ ", which this build does not simulate yet." }</p></div> },
                Some(Ok(l)) if l.is_empty() => html! { <p class="muted">{ "No triggers: nothing invokes this function on its own yet." }</p> },
                Some(Ok(l)) => html! {
                    <table class="grid">
                        <thead><tr><th>{ "Source" }</th><th>{ "State" }</th><th class="num">{ "Batch size" }</th><th>{ "Last result" }</th><th></th></tr></thead>
                        <tbody>{ for l.iter().map(|m| {
                            let uuid = m["UUID"].as_str().unwrap_or_default().to_string();
                            let enabled = m["State"].as_str() == Some("Enabled");
                            let toggle = act("UpdateEventSourceMapping", json!({"UUID": uuid, "Enabled": !enabled}));
                            let delete = act("DeleteEventSourceMapping", json!({"UUID": uuid}));
                            html! {
                                <tr><td><code>{ m["EventSourceArn"].as_str().unwrap_or_default() }</code></td><td>{ m["State"].as_str().unwrap_or_default() }</td>
                                    <td class="num">{ m["BatchSize"].as_u64().map(|n| n.to_string()).unwrap_or_default() }</td><td>{ m["LastProcessingResult"].as_str().unwrap_or_default() }</td>
                                    <td class="row-actions"><button class="btn small" onclick={toggle}>{ if enabled { "Disable" } else { "Enable" } }</button>
                                        <button class="btn small danger" onclick={delete}>{ "Delete" }</button></td></tr>
                            }
                        }) }</tbody>
                    </table>
                },
            } }
            <h3>{ "Add a trigger" }</h3>
            <div class="trigger-form">
                <label>{ "Source" }
                    <select aria-label="Trigger source" ref={source_ref} onchange={ let source = source.clone(); Callback::from(move |e: Event| source.set(select_value(&e))) }>
                        { for sources.iter().map(|(arn, label, _)| html! { <option value={arn.clone()} selected={*arn == chosen}>{ label }</option> }) }
                    </select>
                </label>
                <label>{ "Batch size" }
                    <input aria-label="Batch size" placeholder={ if is_stream { "100" } else { "10" } } value={(*batch).clone()} oninput={ let batch = batch.clone(); Callback::from(move |e: InputEvent| batch.set(input_value(&e))) } />
                </label>
                if is_stream {
                    <label>{ "Starting position" }
                        <select aria-label="Starting position" onchange={ let position = position.clone(); Callback::from(move |e: Event| position.set(select_value(&e))) }>
                            <option value="LATEST" selected={*position == "LATEST"}>{ "LATEST: changes from now on" }</option>
                            <option value="TRIM_HORIZON" selected={*position == "TRIM_HORIZON"}>{ "TRIM_HORIZON: everything still in the stream" }</option>
                        </select>
                    </label>
                }
                <label class="check"><input type="checkbox" checked={*partial} onchange={ let partial = partial.clone(); Callback::from(move |_| partial.set(!*partial)) } />{ " Report batch item failures" }</label>
                <label class="wide">{ "Filter pattern (optional)" }
                    <input aria-label="Filter pattern" placeholder={ if is_stream { r#"{"eventName": ["INSERT"]}"# } else { r#"{"body": {"type": ["signup"]}}"# } } value={(*pattern).clone()} oninput={ let pattern = pattern.clone(); Callback::from(move |e: InputEvent| pattern.set(input_value(&e))) } />
                </label>
                <button class="btn primary" onclick={create}>{ "Add trigger" }</button>
            </div>
            if sources.is_empty() {
                <p class="muted">{ "No sources yet: create an SQS queue (for example with " }<code>{ "gureum.send('sqs', 'CreateQueue', {QueueName: 'jobs'})" }</code>{ "), a Kinesis data stream, or enable a stream on a table." }</p>
            }
            if let Some(msg) = &*problem { <p class="error-text" role="alert">{ msg }</p> }
        </div>
    }
}

/// One small bar chart: a bar per minute, the peak on the axis, first and last minute below.
pub(crate) fn chart(title: &str, unit: &str, points: &[(String, f64)], overlay: Option<&[f64]>, class: &str) -> Html {
    const W: f64 = 300.0;
    const H: f64 = 90.0;
    let n = points.len().max(1) as f64;
    let peak = points.iter().map(|p| p.1).chain(overlay.unwrap_or(&[]).iter().copied()).fold(0.0, f64::max);
    let scale = if peak > 0.0 { H / peak } else { 0.0 };
    let bw = W / n;
    let total: f64 = points.iter().map(|p| p.1).sum();
    // A step per minute: the overlay's value holds across its minute's bar.
    let line: String = overlay
        .map(|o| o.iter().enumerate().map(|(i, v)| format!("{:.1},{y:.1} {:.1},{y:.1}", i as f64 * bw, (i + 1) as f64 * bw, y = H - v * scale)).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let fmt = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.2}") };
    let summary = if unit == "ms" { format!("peak {} ms", fmt(peak)) } else { format!("{} in total", fmt(total)) };
    html! {
        <figure class={classes!("chart", class.to_string())} aria-label={format!("{title} chart")}>
            <figcaption><strong>{ title }</strong><span class="muted">{ format!(" · {summary}") }</span></figcaption>
            <svg viewBox={format!("0 0 {W} {}", H + 4.0)} preserveAspectRatio="none" role="img">
                <line x1="0" y1={H.to_string()} x2={W.to_string()} y2={H.to_string()} class="axis" />
                { for points.iter().enumerate().filter(|(_, p)| p.1 > 0.0).map(|(i, (t, v))| {
                    let h = (v * scale).max(1.5);
                    html! { <rect class="bar" x={format!("{:.1}", i as f64 * bw + 1.0)} y={format!("{:.1}", H - h)} width={format!("{:.1}", (bw - 2.0).max(1.0))} height={format!("{h:.1}")}>
                        <title>{ format!("{}: {} {unit}", short_time(t), fmt(*v)) }</title></rect> }
                }) }
                if overlay.is_some() && peak > 0.0 { <polyline class="max-line" points={line} /> }
            </svg>
            <div class="chart-axis"><span>{ points.first().map(|p| short_time(&p.0).get(11..16).unwrap_or("").to_string()).unwrap_or_default() }</span>
                <span>{ format!("max {} {unit}", fmt(peak)) }</span>
                <span>{ points.last().map(|p| short_time(&p.0).get(11..16).unwrap_or("").to_string()).unwrap_or_default() }</span></div>
        </figure>
    }
}

#[function_component(MonitorTab)]
pub fn monitor_tab(p: &NameProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let minutes = use_state(|| 30u32);
    let metrics = use_state(|| None::<Value>);
    let envs = use_state(Vec::<Value>::new);
    let now_iso = use_state(String::new);
    {
        let (ctx2, name, metrics, envs, now_iso, m) = (ctx.clone(), p.name.clone(), metrics.clone(), envs.clone(), now_iso.clone(), *minutes);
        use_effect_with((ctx.version, m), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.sim("lambda:GetFunctionMetrics", json!({"region": ctx2.region, "FunctionName": name, "Minutes": m})).await {
                    Ok(v) => metrics.set(Some(v)),
                    Err(e) => ctx2.error(&e),
                }
                match ctx2.bridge.sim("lambda:ListEnvironments", json!({"region": ctx2.region, "FunctionName": name})).await {
                    Ok(v) => envs.set(v["Environments"].as_array().cloned().unwrap_or_default()),
                    Err(e) => ctx2.error(&e),
                }
                if let Ok(c) = ctx2.bridge.sim("GetClock", json!({})).await {
                    now_iso.set(c["iso"].as_str().unwrap_or_default().to_string());
                }
            });
            || ()
        });
    }
    let points: Vec<Value> = metrics.as_ref().and_then(|m| m["Datapoints"].as_array().cloned()).unwrap_or_default();
    let series = |k: &str| -> Vec<(String, f64)> { points.iter().map(|d| (d["Timestamp"].as_str().unwrap_or_default().to_string(), d[k].as_f64().unwrap_or(0.0))).collect() };
    let max_line: Vec<f64> = points.iter().map(|d| d["DurationMaximum"].as_f64().unwrap_or(0.0)).collect();
    let invocations: f64 = series("Invocations").iter().map(|p| p.1).sum();
    let jump = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("AdvanceClock", json!({"seconds": 660})).await {
                    Ok(_) => {
                        ctx.notify.emit(crate::notify::Notice::info("Jumped 11 minutes ahead", "Idle environments are past their 10 minutes: the next invocation starts cold."))
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <div class="monitor-tab">
            <div class="inline narrow">
                <label class="muted" for="mon-range">{ "Last" }</label>
                <select id="mon-range" onchange={let m = minutes.clone(); Callback::from(move |e: Event| m.set(select_value(&e).parse().unwrap_or(30)))}>
                    { for [30u32, 60, 180, 1440].iter().map(|n| html! { <option value={n.to_string()} selected={*minutes == *n}>{ if *n < 60 { format!("{n} minutes") } else { format!("{} hour(s)", n / 60) } }</option> }) }
                </select>
                <span class="hint">{ "of simulated time, one bar per minute (CloudWatch's AWS/Lambda metrics)." }</span>
            </div>
            if invocations == 0.0 && metrics.is_some() {
                <p class="muted">{ "No invocations in this period yet: invoke the function from the Code & test tab." }</p>
            }
            <div class="charts">
                { chart("Invocations", "", &series("Invocations"), None, "invocations") }
                { chart("Errors", "", &series("Errors"), None, "errors") }
                { chart("Throttles", "", &series("Throttles"), None, "throttles") }
                { chart("Duration", "ms", &series("DurationAverage"), Some(&max_line), "duration") }
            </div>
            <p class="hint">{ "Invocations counts every run, failed or not; Errors the runs that threw, timed out or failed to start; Throttles the calls refused because no concurrency was left. Duration: bars are the average per minute, the line the maximum." }</p>
            <h3>{ "Execution environments" }</h3>
            <p class="hint">{ "An execution environment is a small isolated runtime with your code loaded. The first invocation starts one (a cold start: the code loads and its module scope runs, which is the Init Duration). Later invocations reuse an idle one (warm start). An environment runs one invocation at a time, so calls that overlap start more. One that stays idle for 10 minutes of simulated time is reclaimed: the next invocation is cold again. Jump the clock ahead to see it." }</p>
            if envs.is_empty() {
                <p class="muted">{ "No environments: the next invocation will be a cold start." }</p>
            } else {
                <div class="inline narrow"><button class="btn small" onclick={jump}>{ "Jump 11 minutes ahead" }</button>
                    <span class="hint">{ "Moves the simulated clock past the idle limit, so you can watch an environment expire." }</span></div>
                <table class="grid environments">
                    <thead><tr><th>{ "Environment" }</th><th>{ "Version" }</th><th>{ "State" }</th><th class="num">{ "Invocations" }</th><th>{ "Last used" }</th><th>{ "Reclaimed" }</th></tr></thead>
                    <tbody>{ for envs.iter().map(|e| {
                        let state = e["State"].as_str().unwrap_or_default();
                        let reclaim = e["ReclaimedAt"].as_str().unwrap_or_default();
                        let expired = state == "Idle" && !now_iso.is_empty() && reclaim <= now_iso.as_str();
                        let (label, class) = match (state, expired) {
                            ("Busy", _) => ("Busy", "updating"),
                            (_, true) => ("Expired (next call is cold)", "deleting"),
                            _ => ("Warm, idle", "active"),
                        };
                        html! { <tr>
                            <td><code>{ e["Id"].as_str().unwrap_or_default().chars().take(8).collect::<String>() }</code></td>
                            <td>{ e["Version"].as_str().unwrap_or_default() }</td>
                            <td><span class={classes!("badge", class)}>{ label }</span></td>
                            <td class="num">{ e["Invocations"].as_u64().unwrap_or(0) }</td>
                            <td>{ short_time(e["LastUsed"].as_str().unwrap_or_default()) }</td>
                            <td>{ if state == "Idle" { format!("{}{}", if expired { "since " } else { "at " }, short_time(reclaim)) } else { "—".into() } }</td>
                        </tr> }
                    }) }</tbody>
                </table>
            }
        </div>
    }
}

#[function_component(LogsTab)]
pub fn logs_tab(p: &NameProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let group = format!("/aws/lambda/{}", p.name);
    let streams = use_state(|| None::<Vec<Value>>);
    let chosen = use_state(String::new);
    let events = use_state(Vec::<Value>::new);
    let pattern = use_state(String::new);
    let filtered = use_state(|| None::<Vec<Value>>);
    {
        let (ctx2, group, streams, chosen, events) = (ctx.clone(), group.clone(), streams.clone(), chosen.clone(), events.clone());
        use_effect_with((ctx.version, (*chosen).clone()), move |(_, pick)| {
            let pick = pick.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("logs", "DescribeLogStreams", json!({"logGroupName": group, "orderBy": "LastEventTime", "descending": true, "limit": 50})).await {
                    Ok(v) => {
                        let list = v["logStreams"].as_array().cloned().unwrap_or_default();
                        let stream = if pick.is_empty() { list.first().and_then(|s| s["logStreamName"].as_str()).unwrap_or_default().to_string() } else { pick.clone() };
                        streams.set(Some(list));
                        if stream.is_empty() {
                            return;
                        }
                        if pick.is_empty() {
                            chosen.set(stream.clone());
                        }
                        match ctx2.bridge.send("logs", "GetLogEvents", json!({"logGroupName": group, "logStreamName": stream, "startFromHead": true, "limit": 500})).await {
                            Ok(v) => events.set(v["events"].as_array().cloned().unwrap_or_default()),
                            Err(e) => ctx2.error(&e),
                        }
                    }
                    Err(e) if e.kind == "ResourceNotFoundException" => streams.set(Some(Vec::new())),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let search = {
        let (ctx, group, pattern, filtered) = (ctx.clone(), group.clone(), pattern.clone(), filtered.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if pattern.trim().is_empty() {
                filtered.set(None);
                return;
            }
            let (ctx, req, filtered) = (ctx.clone(), json!({"logGroupName": group, "filterPattern": pattern.trim(), "limit": 200}), filtered.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("logs", "FilterLogEvents", req).await {
                    Ok(v) => filtered.set(Some(v["events"].as_array().cloned().unwrap_or_default())),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let event_rows = |list: &[Value]| -> Html {
        html! {
            <div class="log-events" role="log">
                { for list.iter().map(|e| {
                    let msg = e["message"].as_str().unwrap_or_default().trim_end().to_string();
                    let class = if msg.contains("\tERROR\t") || msg.contains("Task timed out") { "error" } else if msg.starts_with("REPORT ") || msg.starts_with("START ") || msg.starts_with("END ") { "meta" } else { "" };
                    html! { <div class={classes!("log-line", class)}><time>{ clock_time(e["timestamp"].as_i64().unwrap_or(0)) }</time><span>{ msg }</span></div> }
                }) }
            </div>
        }
    };
    html! {
        <div class="logs-tab">
            <p class="hint">{ "Everything the function writes (console.log, errors) and Lambda's own START, END and REPORT lines go to CloudWatch Logs, in the log group " }<a href={crate::app::Route::Logs(Some(group.clone())).hash()}><code>{ &group }</code></a>{ ". Each execution environment writes its own log stream." }</p>
            <form class="inline narrow" onsubmit={search} aria-label="Filter log events">
                <input aria-label="Filter pattern" placeholder="filter pattern, like ERROR or \"Task timed out\"" value={(*pattern).clone()} oninput={let pt = pattern.clone(); Callback::from(move |e: InputEvent| pt.set(input_value(&e)))} />
                <button type="submit" class="btn">{ "Filter" }</button>
                if filtered.is_some() { <button type="button" class="btn" onclick={let f = filtered.clone(); let pt = pattern.clone(); Callback::from(move |_| { f.set(None); pt.set(String::new()); })}>{ "Clear" }</button> }
            </form>
            if let Some(list) = &*filtered {
                <h3>{ format!("{} matching event(s) in all streams", list.len()) }</h3>
                { event_rows(list) }
            } else {
                { match &*streams {
                    None => html! { <p class="muted">{ "Loading log streams…" }</p> },
                    Some(l) if l.is_empty() => html! { <p class="muted">{ "No logs yet: the log group appears with the first invocation." }</p> },
                    Some(l) => html! {
                        <div class="log-view">
                            <ul class="stream-list" aria-label="Log streams">
                                { for l.iter().map(|s| {
                                    let n = s["logStreamName"].as_str().unwrap_or_default().to_string();
                                    let c = chosen.clone();
                                    let on = *chosen == n;
                                    let last = s["lastEventTimestamp"].as_i64().map(|t| format!("last event {}", clock_time(t))).unwrap_or_default();
                                    html! { <li><button class={classes!("stream", on.then_some("on"))} onclick={let n2 = n.clone(); Callback::from(move |_| c.set(n2.clone()))}>
                                        <code>{ n }</code><span class="muted">{ last }</span></button></li> }
                                }) }
                            </ul>
                            { event_rows(&events) }
                        </div>
                    },
                } }
            }
        </div>
    }
}
