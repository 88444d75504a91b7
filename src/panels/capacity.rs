//! The Capacity tab: a table's capacity mode and provisioned units (edited through UpdateTable),
//! per-minute charts of consumed vs provisioned units and throttle events for the table and each
//! GSI (`dynamodb:GetTableMetrics`), the load generator (`dynamodb:StartLoad` / `DescribeLoad` /
//! `StopLoad`, running on the virtual clock) and the cost comparison (`dynamodb:GetTableCost`).
//! Auto scaling for provisioned tables is its own section (`autoscaling.rs`).

use serde_json::{json, Value};
use yew::prelude::*;

use super::{
    fn_monitor::chart,
    functions::{input_value, select_value},
};
use crate::{app::Ctx, notify::Notice};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The table's description (DescribeTable's `Table`).
    pub table: Value,
}

/// Minutes of metrics the charts show.
const MINUTES: i64 = 30;

fn series(points: &[Value], key: &str) -> Vec<(String, f64)> {
    points.iter().map(|d| (d["Timestamp"].as_str().unwrap_or_default().to_string(), d[key].as_f64().unwrap_or(0.0))).collect()
}

/// Provisioned units per second × 60: what a minute of provisioned capacity holds, the line over
/// the consumed bars (absent for on-demand).
fn provisioned_line(points: &[Value], key: &str) -> Option<Vec<f64>> {
    points.iter().any(|d| d.get(key).is_some()).then(|| points.iter().map(|d| d[key].as_f64().unwrap_or(0.0) * 60.0).collect())
}

fn charts(points: &[Value]) -> Html {
    let read_line = provisioned_line(points, "ProvisionedReadCapacityUnits");
    let write_line = provisioned_line(points, "ProvisionedWriteCapacityUnits");
    html! {
        <div class="charts cap-grid">
            { chart("Read units consumed", "RCU", &series(points, "ConsumedReadCapacityUnits"), read_line.as_deref(), "consumed") }
            { chart("Write units consumed", "WCU", &series(points, "ConsumedWriteCapacityUnits"), write_line.as_deref(), "consumed") }
            { chart("Read throttle events", "", &series(points, "ReadThrottleEvents"), None, "throttles") }
            { chart("Write throttle events", "", &series(points, "WriteThrottleEvents"), None, "throttles") }
        </div>
    }
}

fn usd(v: f64) -> String {
    if v == 0.0 {
        "$0".into()
    } else if v < 0.000_001 {
        "< $0.000001".into()
    } else if v < 0.01 {
        format!("${v:.6}")
    } else {
        format!("${v:.2}")
    }
}

fn num(v: &Value) -> String {
    let f = v.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 {
        format!("{f:.0}")
    } else {
        format!("{f:.1}")
    }
}

#[function_component(Capacity)]
pub fn capacity(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let t = &p.table;
    let name = t["TableName"].as_str().unwrap_or_default().to_string();
    let mode = t["BillingModeSummary"]["BillingMode"].as_str().unwrap_or("PROVISIONED").to_string();
    let provisioned = mode == "PROVISIONED";
    let rcu = t["ProvisionedThroughput"]["ReadCapacityUnits"].as_i64().unwrap_or(0);
    let wcu = t["ProvisionedThroughput"]["WriteCapacityUnits"].as_i64().unwrap_or(0);
    let gsis: Vec<Value> = t["GlobalSecondaryIndexes"].as_array().cloned().unwrap_or_default();

    let metrics = use_state(|| None::<Value>);
    let load = use_state(|| None::<Value>);
    let cost = use_state(|| None::<Result<Value, String>>);
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let i = gloo::timers::callback::Interval::new(1000, move || tick.set(js_sys::Date::now() as u32));
            move || drop(i)
        });
    }
    {
        let (ctx2, name, metrics, load, cost) = (ctx.clone(), name.clone(), metrics.clone(), load.clone(), cost.clone());
        let created = t["CreationDateTime"].as_f64().unwrap_or(0.0) as i64;
        use_effect_with((ctx.version, *tick), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let now = match ctx2.bridge.sim("GetClock", json!({})).await {
                    Ok(c) => c["now"].as_i64().unwrap_or(0),
                    Err(_) => return,
                };
                let end = now / 1000;
                // From the table's creation minute when it is younger than the chart's span.
                let start = (end - MINUTES * 60).max(created - created.rem_euclid(60));
                let region = ctx2.region.clone();
                if let Ok(v) = ctx2.bridge.sim("dynamodb:GetTableMetrics", json!({"region": region, "TableName": name, "StartTime": start, "EndTime": end})).await {
                    metrics.set(Some(v));
                }
                if let Ok(v) = ctx2.bridge.sim("dynamodb:DescribeLoad", json!({"region": region, "TableName": name})).await {
                    load.set(v.get("Load").cloned());
                }
                match ctx2.bridge.sim("dynamodb:GetTableCost", json!({"region": region, "TableName": name})).await {
                    Ok(v) => cost.set(Some(Ok(v))),
                    Err(e) => cost.set(Some(Err(e.message))),
                }
            });
            || ()
        });
    }

    // The capacity form.
    let f_mode = use_state(|| mode.clone());
    let f_rcu = use_state(|| if rcu > 0 { rcu.to_string() } else { "5".into() });
    let f_wcu = use_state(|| if wcu > 0 { wcu.to_string() } else { "5".into() });
    {
        // Follow the table when its capacity changes under the form (auto scaling, another tab),
        // so Update capacity never sends a stale number back.
        let (f_mode, f_rcu, f_wcu) = (f_mode.clone(), f_rcu.clone(), f_wcu.clone());
        use_effect_with((mode.clone(), rcu, wcu), move |(m, r, w)| {
            f_mode.set(m.clone());
            if *r > 0 {
                f_rcu.set(r.to_string());
            }
            if *w > 0 {
                f_wcu.set(w.to_string());
            }
            || ()
        });
    }
    let problem = use_state(|| None::<String>);
    let save = {
        let (ctx, name, f_mode, f_rcu, f_wcu, problem, gsis, mode) =
            (ctx.clone(), name.clone(), f_mode.clone(), f_rcu.clone(), f_wcu.clone(), problem.clone(), gsis.clone(), mode.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"TableName": name});
            if *f_mode != mode {
                req["BillingMode"] = json!(*f_mode);
            }
            if *f_mode == "PROVISIONED" {
                let (Ok(r), Ok(w)) = (f_rcu.trim().parse::<i64>(), f_wcu.trim().parse::<i64>()) else {
                    problem.set(Some("Read and write capacity units are whole numbers.".into()));
                    return;
                };
                req["ProvisionedThroughput"] = json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w});
                // Switching to provisioned needs every GSI's capacity too: give them the table's.
                if mode != "PROVISIONED" && !gsis.is_empty() {
                    req["GlobalSecondaryIndexUpdates"] = json!(gsis
                        .iter()
                        .map(|g| json!({"Update": {"IndexName": g["IndexName"], "ProvisionedThroughput": {"ReadCapacityUnits": r, "WriteCapacityUnits": w}}}))
                        .collect::<Vec<_>>());
                }
            }
            let (ctx, problem) = (ctx.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "UpdateTable", req).await {
                    Ok(_) => {
                        problem.set(None);
                        ctx.notify
                            .emit(Notice::info("Capacity updated", "The table is UPDATING for a second of simulated time; the new capacity applies when it is ACTIVE again."));
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };

    // The load generator form.
    let l_op = use_state(|| "PutItem".to_string());
    let l_size = use_state(|| "1000".to_string());
    let l_consistent = use_state(|| false);
    let l_rate = use_state(|| "20".to_string());
    let l_duration = use_state(|| "600".to_string());
    let l_problem = use_state(|| None::<String>);
    let running = load.as_ref().is_some_and(|l| l["Status"] == "RUNNING");
    let start = {
        let (ctx, name, l_op, l_size, l_consistent, l_rate, l_duration, l_problem, load) =
            (ctx.clone(), name.clone(), l_op.clone(), l_size.clone(), l_consistent.clone(), l_rate.clone(), l_duration.clone(), l_problem.clone(), load.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let parse = |s: &str| s.trim().parse::<u64>().ok();
            let (Some(rate), Some(duration)) = (parse(&l_rate), parse(&l_duration)) else {
                l_problem.set(Some("Rate and duration are whole numbers.".into()));
                return;
            };
            let mut req = json!({"region": ctx.region, "TableName": name, "Operation": *l_op, "RequestsPerSecond": rate, "DurationSeconds": duration});
            if *l_op == "PutItem" {
                let Some(size) = parse(&l_size) else {
                    l_problem.set(Some("The item size is a whole number of bytes.".into()));
                    return;
                };
                req["ItemSizeBytes"] = json!(size);
            } else {
                req["ConsistentRead"] = json!(*l_consistent);
            }
            let (ctx, l_problem, load) = (ctx.clone(), l_problem.clone(), load.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("dynamodb:StartLoad", req).await {
                    Ok(v) => {
                        l_problem.set(None);
                        load.set(v.get("Load").cloned());
                    }
                    Err(e) => l_problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let stop = {
        let (ctx, name, load) = (ctx.clone(), name.clone(), load.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, name, load) = (ctx.clone(), name.clone(), load.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("dynamodb:StopLoad", json!({"region": ctx.region, "TableName": name})).await {
                    Ok(v) => load.set(v.get("Load").cloned()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let jump = |seconds: u64| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.sim("AdvanceClock", json!({"seconds": seconds})).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(input_value(&e)))
    };
    let pick = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: Event| h.set(select_value(&e)))
    };

    let points: Vec<Value> = metrics.as_ref().and_then(|m| m["Datapoints"].as_array().cloned()).unwrap_or_default();
    let updating = t["TableStatus"] != "ACTIVE";

    html! {
        <div class="capacity" aria-label="Capacity">
            <section class="cap-mode card">
                <h3>{ "Capacity mode" }</h3>
                <p class="cap-now">
                    if provisioned {
                        <strong>{ "Provisioned" }</strong>{ format!(": {rcu} RCU / {wcu} WCU") }
                    } else {
                        <strong>{ "On-demand" }</strong>{ " (pay per request)" }
                    }
                    if updating { <span class="badge creating">{ " UPDATING" }</span> }
                </p>
                <p class="hint">{ "A write capacity unit (WCU) is one write per second of an item up to 1 KB; a read capacity unit (RCU) is one strongly consistent read per second of up to 4 KB, or two eventually consistent ones. Larger items take more units." }</p>
                <p class="hint">{ "Provisioned: you pay per unit-hour whether you use it or not. Unused capacity is kept for up to 300 seconds (burst), so a short spike gets through; a sustained excess is throttled once the burst is spent. On-demand: you pay per request; a table serves up to twice its previous peak at once, and traffic that more than doubles within 30 minutes is throttled while it scales." }</p>
                <form class="cap-form" aria-label="Update capacity" onsubmit={save}>
                    <label>{ "Mode" }
                        <select aria-label="Capacity mode" onchange={pick(&f_mode)}>
                            <option value="PROVISIONED" selected={*f_mode == "PROVISIONED"}>{ "Provisioned" }</option>
                            <option value="PAY_PER_REQUEST" selected={*f_mode == "PAY_PER_REQUEST"}>{ "On-demand" }</option>
                        </select>
                    </label>
                    if *f_mode == "PROVISIONED" {
                        <label>{ "Read capacity units" }<input aria-label="Read capacity units" inputmode="numeric" value={(*f_rcu).clone()} oninput={set(&f_rcu)} /></label>
                        <label>{ "Write capacity units" }<input aria-label="Write capacity units" inputmode="numeric" value={(*f_wcu).clone()} oninput={set(&f_wcu)} /></label>
                    }
                    <button class="btn primary" type="submit" disabled={updating}>{ "Update capacity" }</button>
                </form>
                if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
                <p class="hint">{ "AWS allows decreases four times a day, then one an hour, and a switch to on-demand four times in 24 hours; the sandbox enforces the same limits." }</p>
            </section>

            if provisioned { <super::autoscaling::AutoScaling table={t.clone()} /> }

            <section class="cap-charts">
                <h3>{ format!("Capacity over the last {MINUTES} minutes of simulated time") }</h3>
                <p class="hint">{ "One bar per minute (CloudWatch's ConsumedRead/WriteCapacityUnits and Read/WriteThrottleEvents). The line is the provisioned capacity for a minute (units per second × 60): bars above it were paid for by burst credit." }</p>
                { charts(&points) }
                { for gsis.iter().map(|g| {
                    let iname = g["IndexName"].as_str().unwrap_or_default().to_string();
                    let pts: Vec<Value> = metrics.as_ref().and_then(|m| m["GlobalSecondaryIndexes"][&iname].as_array().cloned()).unwrap_or_default();
                    html! { <div class="cap-gsi"><h4>{ format!("Global secondary index {iname}") }</h4>
                        <p class="hint">{ "An index has its own capacity. A table write costs the index units only when it changes what the index holds (its keys or projected attributes); if the index is throttled, the table write is refused." }</p>
                        { charts(&pts) }</div> }
                }) }
            </section>

            <section class="cap-load card">
                <h3>{ "Load generator" }</h3>
                <p class="hint">{ "Sends requests to this table every second of simulated time, through the same code path as your own requests, so capacity, throttling and the charts apply. Throttled requests are counted, not retried. Writes go to 100 keys (load-0 … load-99); reads look those keys up. Fast-forward the clock to run minutes in an instant." }</p>
                <form class="cap-form" aria-label="Start load" onsubmit={start}>
                    <label>{ "Workload" }
                        <select aria-label="Workload" onchange={pick(&l_op)}>
                            <option value="PutItem" selected={*l_op == "PutItem"}>{ "Writes (PutItem)" }</option>
                            <option value="GetItem" selected={*l_op == "GetItem"}>{ "Reads (GetItem)" }</option>
                        </select>
                    </label>
                    if *l_op == "PutItem" {
                        <label>{ "Item size (bytes)" }<input aria-label="Item size" inputmode="numeric" value={(*l_size).clone()} oninput={set(&l_size)} /></label>
                    } else {
                        <label class="check"><input type="checkbox" aria-label="Strongly consistent" checked={*l_consistent}
                            onchange={let c = l_consistent.clone(); Callback::from(move |e: Event| c.set(e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.checked()).unwrap_or(false)))} />{ " Strongly consistent" }</label>
                    }
                    <label>{ "Requests per second" }<input aria-label="Requests per second" inputmode="numeric" value={(*l_rate).clone()} oninput={set(&l_rate)} /></label>
                    <label>{ "Duration (seconds)" }<input aria-label="Duration" inputmode="numeric" value={(*l_duration).clone()} oninput={set(&l_duration)} /></label>
                    <button class="btn primary" type="submit" disabled={running}>{ "Start load" }</button>
                    <button class="btn" type="button" disabled={!running} onclick={stop}>{ "Stop" }</button>
                </form>
                if let Some(m) = &*l_problem { <p class="error-text" role="alert">{ m }</p> }
                if let Some(l) = &*load {
                    { load_progress(l) }
                }
                <div class="inline narrow">
                    <span class="muted">{ "Fast-forward:" }</span>
                    <button class="btn small" onclick={jump(60)}>{ "+1 min" }</button>
                    <button class="btn small" onclick={jump(300)}>{ "+5 min" }</button>
                    <button class="btn small" onclick={jump(1800)}>{ "+30 min" }</button>
                </div>
            </section>

            <section class="cap-cost card">
                <h3>{ "Cost" }</h3>
                { match &*cost {
                    None => html! { <p class="muted">{ "…" }</p> },
                    Some(Err(m)) => html! { <p class="muted">{ m }</p> },
                    Some(Ok(c)) => cost_table(c, provisioned),
                } }
            </section>
        </div>
    }
}

fn load_progress(l: &Value) -> Html {
    let sent = l["RequestsSent"].as_u64().unwrap_or(0);
    let total = l["RequestsPerSecond"].as_u64().unwrap_or(0) * l["DurationSeconds"].as_u64().unwrap_or(0);
    let pct = if total > 0 { (sent as f64 / total as f64 * 100.0).min(100.0) } else { 0.0 };
    let status = l["Status"].as_str().unwrap_or_default();
    let what = match l["Operation"].as_str() {
        Some("PutItem") => format!("{} writes/s of {} bytes", l["RequestsPerSecond"], l["ItemSizeBytes"]),
        _ => format!("{} {} reads/s", l["RequestsPerSecond"], if l["ConsistentRead"] == true { "strongly consistent" } else { "eventually consistent" }),
    };
    html! {
        <div class="load-progress" aria-label="Load progress">
            <div class="inline narrow">
                <span class={classes!("badge", if status == "RUNNING" { "creating" } else if status == "FAILED" { "deleting" } else { "active" })}>{ status }</span>
                <span>{ format!("{what} for {} s", l["DurationSeconds"]) }</span>
            </div>
            <div class="bar-track" role="progressbar" aria-valuenow={format!("{pct:.0}")} aria-valuemin="0" aria-valuemax="100"><div class="bar-fill" style={format!("width: {pct:.1}%")} /></div>
            <dl class="load-stats">
                <div><dt>{ "Sent" }</dt><dd>{ sent }</dd></div>
                <div><dt>{ "Succeeded" }</dt><dd>{ l["Succeeded"].as_u64().unwrap_or(0) }</dd></div>
                <div class="throttled"><dt>{ "Throttled" }</dt><dd>{ l["Throttled"].as_u64().unwrap_or(0) }</dd></div>
                <div><dt>{ "Failed" }</dt><dd>{ l["Failed"].as_u64().unwrap_or(0) }</dd></div>
                <div><dt>{ "Units consumed" }</dt><dd>{ num(&l["ConsumedCapacityUnits"]) }</dd></div>
            </dl>
            if let Some(m) = l["LastThrottle"]["Message"].as_str() {
                <p class="hint">{ "Last throttle: " }<code>{ l["LastThrottle"]["Type"].as_str().unwrap_or_default().to_string() }</code>{ format!(" — {m}") }</p>
            }
            if let Some(m) = l["LastError"]["Message"].as_str() {
                <p class="error-text">{ format!("{}: {m}", l["LastError"]["Type"].as_str().unwrap_or_default()) }</p>
            }
        </div>
    }
}

fn cost_table(c: &Value, provisioned: bool) -> Html {
    let p = &c["Prices"];
    let row = |label: &str, m: &Value, how: String, current: bool| {
        html! {
            <tr class={classes!(current.then_some("current"))}>
                <th scope="row">{ label }{ if current { " (current)" } else { "" } }</th>
                <td>{ how }</td>
                <td class="num">{ usd(m["Cost"].as_f64().unwrap_or(0.0)) }</td>
                <td class="num">{ usd(m["CostPerMonth"].as_f64().unwrap_or(0.0)) }</td>
            </tr>
        }
    };
    let hours = c["Window"]["Hours"].as_f64().unwrap_or(0.0);
    let span = if hours < 1.0 { format!("{:.0} minute(s)", (hours * 60.0).max(1.0)) } else { format!("{hours:.1} hour(s)") };
    let od = &c["OnDemand"];
    let pr = &c["Provisioned"];
    let od_how = format!("{} read + {} write request units", num(&od["ReadRequestUnits"]), num(&od["WriteRequestUnits"]));
    let pr_how = if provisioned {
        format!("{} RCU-hours + {} WCU-hours", num(&pr["ReadCapacityUnitHours"]), num(&pr["WriteCapacityUnitHours"]))
    } else {
        format!("{} RCU + {} WCU (the busiest minute's rate) for the window", num(&pr["ReadCapacityUnits"]), num(&pr["WriteCapacityUnits"]))
    };
    let od_total = od["Cost"].as_f64().unwrap_or(0.0);
    let pr_total = pr["Cost"].as_f64().unwrap_or(0.0);
    let cheaper = if (od_total - pr_total).abs() < 1e-12 {
        "Both modes cost the same for this window.".to_string()
    } else if od_total < pr_total {
        format!("On-demand would be cheaper for this workload by {} over the window.", usd(pr_total - od_total))
    } else {
        format!("Provisioned is cheaper for this workload by {} over the window.", usd(od_total - pr_total))
    };
    html! {
        <div class="cost" aria-label="Cost comparison">
            <p class="hint">{ format!("The last {span} of this table in {}, at AWS list prices (Standard table class, USD, no free tier) recorded {}.", c["Region"].as_str().unwrap_or_default(), p["AsOf"].as_str().unwrap_or_default()) }</p>
            <div class="grid-wrap">
                <table class="grid cost-table">
                    <thead><tr><th>{ "Mode" }</th><th>{ "What is billed" }</th><th class="num">{ "This window" }</th><th class="num">{ "Per month at this rate" }</th></tr></thead>
                    <tbody>
                        { row("On-demand", od, od_how, !provisioned) }
                        { row("Provisioned", pr, pr_how, provisioned) }
                        <tr><th scope="row">{ "Storage" }</th><td>{ format!("{} bytes", c["Storage"]["TableSizeBytes"]) }</td>
                            <td class="num">{ usd(c["Storage"]["Cost"].as_f64().unwrap_or(0.0)) }</td><td class="num">{ usd(c["Storage"]["CostPerMonth"].as_f64().unwrap_or(0.0)) }</td></tr>
                    </tbody>
                </table>
            </div>
            <p class="cost-verdict"><strong>{ cheaper }</strong></p>
            <p class="hint">{ format!("Prices: ${} per million write request units, ${} per million read request units, ${} per WCU-hour, ${} per RCU-hour, ${} per GB-month.",
                p["WriteRequestUnitsPerMillion"], p["ReadRequestUnitsPerMillion"], p["WriteCapacityUnitHour"], p["ReadCapacityUnitHour"], p["StorageGBMonth"]) }
                { " On-demand bills only what was served: throttled requests cost nothing, so a throttled provisioned workload would cost at least this much on-demand." }</p>
            if p["Checked"] == false {
                <p class="hint warn">{ format!("This region's {} price could not be checked against an AWS source when the prices were recorded; see aws.amazon.com/dynamodb/pricing.", p["Unchecked"].as_array().map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" and ")).unwrap_or_default()) }</p>
            }
        </div>
    }
}
