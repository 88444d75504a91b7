//! The DAX panel's experiments, run from the page with the same DynamoDB calls code would make:
//! "Try it" (N GetItem over K distinct keys and a Query, through the cluster `dax:{name}` and
//! directly against `dynamodb`; hits, misses, capacity and the latencies `dax:ListRequests`
//! reports) and the query-cache staleness demo (write through DAX, Query through DAX stays stale
//! until query-ttl-millis passes on the simulated clock).

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    bridge::{ApiError, Bridge},
    panels::functions::{input_value, select_value},
};

/// The table's key attribute names: (partition key, sort key).
async fn key_schema(bridge: &Bridge, table: &str) -> Result<(String, Option<String>), ApiError> {
    let t = bridge.send("dynamodb", "DescribeTable", json!({ "TableName": table })).await?;
    let mut hash = String::new();
    let mut range = None;
    for k in t["Table"]["KeySchema"].as_array().cloned().unwrap_or_default() {
        let name = k["AttributeName"].as_str().unwrap_or_default().to_string();
        if k["KeyType"] == "HASH" {
            hash = name;
        } else {
            range = Some(name);
        }
    }
    Ok((hash, range))
}

/// Up to `limit` keys of the table, read with a direct Scan.
async fn some_keys(bridge: &Bridge, table: &str, limit: usize) -> Result<(Vec<Value>, String), ApiError> {
    let (hash, range) = key_schema(bridge, table).await?;
    let out = bridge.send("dynamodb", "Scan", json!({ "TableName": table, "Limit": limit })).await?;
    let keys = out["Items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let mut k = json!({ hash.clone(): item[&hash] });
            if let Some(r) = &range {
                k[r] = item[r].clone();
            }
            k
        })
        .collect();
    Ok((keys, hash))
}

#[hook]
fn use_tables() -> UseStateHandle<Vec<String>> {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let tables = use_state(Vec::<String>::new);
    {
        let (tables, ctx2) = (tables.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("dynamodb", "ListTables", json!({})).await {
                    tables.set(v["TableNames"].as_array().cloned().unwrap_or_default().iter().filter_map(|t| t.as_str().map(String::from)).collect());
                }
            });
            || ()
        });
    }
    tables
}

#[derive(Properties, PartialEq)]
pub struct TryProps {
    pub cluster: String,
    pub on_done: Callback<()>,
}

/// What one run measured.
#[derive(Clone, PartialEq, Default)]
struct Run {
    requests: usize,
    keys: usize,
    dax_units: f64,
    direct_units: f64,
    hits: Vec<u64>,
    misses: Vec<u64>,
    dynamodb: Vec<u64>,
    query_outcomes: Vec<String>,
}

#[function_component(TryIt)]
pub fn try_it(p: &TryProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let tables = use_tables();
    let table = use_state(String::new);
    let requests = use_state(|| "100".to_string());
    let distinct = use_state(|| "10".to_string());
    let running = use_state(|| false);
    let run = use_state(|| None::<Run>);
    let problem = use_state(|| None::<String>);
    let chosen = if table.is_empty() { tables.first().cloned().unwrap_or_default() } else { (*table).clone() };

    let start = {
        let (ctx, chosen, requests, distinct, running, run, problem, cluster, done) =
            (ctx.clone(), chosen.clone(), requests.clone(), distinct.clone(), running.clone(), run.clone(), problem.clone(), p.cluster.clone(), p.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Ok(n), Ok(k)) = (requests.trim().parse::<usize>(), distinct.trim().parse::<usize>()) else {
                problem.set(Some("Requests and distinct keys must be whole numbers.".into()));
                return;
            };
            if !(1..=1000).contains(&n) || !(1..=100).contains(&k) || chosen.is_empty() {
                problem.set(Some("Pick a table, 1 to 1000 requests and 1 to 100 distinct keys.".into()));
                return;
            }
            let (ctx, table, running, run, problem, cluster, done) = (ctx.clone(), chosen.clone(), running.clone(), run.clone(), problem.clone(), cluster.clone(), done.clone());
            running.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = workload(&ctx.bridge, &cluster, &ctx.region, &table, n, k).await;
                running.set(false);
                match result {
                    Ok(r) => {
                        problem.set(None);
                        run.set(Some(r));
                    }
                    Err(e) => problem.set(Some(e)),
                }
                done.emit(());
            });
        })
    };
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(input_value(&e)))
    };

    html! {
        <section class="card dax-try" aria-label="Try it">
            <h3>{ "Try it: the same reads with and without DAX" }</h3>
            <p class="hint">{ "Reads some keys of a table, then sends N GetItem requests cycling over them and one Query twice, first through this cluster and then straight to DynamoDB. The first read of each key misses and DAX fetches it from the table; repeats within the TTL are hits served from memory." }</p>
            if tables.is_empty() {
                <p class="muted">{ "Create a table with some items first (Tables → Create table, or a sample data set)." }</p>
            } else {
                <form class="dax-form" aria-label="Read workload" onsubmit={start}>
                    <label>{ "Table" }
                        <select aria-label="Workload table" onchange={let t = table.clone(); Callback::from(move |e: Event| t.set(select_value(&e)))}>
                            { for tables.iter().map(|t| html! { <option value={t.clone()} selected={*t == chosen}>{ t.clone() }</option> }) }
                        </select>
                    </label>
                    <label>{ "GetItem requests" }<input aria-label="GetItem requests" inputmode="numeric" value={(*requests).clone()} oninput={set(&requests)} /></label>
                    <label>{ "Distinct keys" }<input aria-label="Distinct keys" inputmode="numeric" value={(*distinct).clone()} oninput={set(&distinct)} /></label>
                    <button class="btn primary" type="submit" disabled={*running}>{ if *running { "Running…" } else { "Run workload" } }</button>
                </form>
            }
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            if let Some(r) = &*run { { results(r) } }
        </section>
    }
}

async fn workload(bridge: &Bridge, cluster: &str, region: &str, table: &str, n: usize, k: usize) -> Result<Run, String> {
    let err = |e: ApiError| format!("{}: {}", e.kind, e.message);
    let (keys, hash) = some_keys(bridge, table, k).await.map_err(err)?;
    if keys.is_empty() {
        return Err(format!("The table {table} has no items: add a few first."));
    }
    let service = format!("dax:{cluster}");
    let units = |v: &Value| v["ConsumedCapacity"]["CapacityUnits"].as_f64().unwrap_or(0.0);
    let mut run = Run { requests: n, keys: keys.len(), ..Run::default() };
    for i in 0..n {
        let req = json!({ "TableName": table, "Key": keys[i % keys.len()], "ReturnConsumedCapacity": "TOTAL" });
        run.dax_units += units(&bridge.send(&service, "GetItem", req).await.map_err(err)?);
    }
    let query = json!({
        "TableName": table,
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": { "#k": hash },
        "ExpressionAttributeValues": { ":v": keys[0][&hash] },
        "ReturnConsumedCapacity": "TOTAL",
    });
    for _ in 0..2 {
        run.dax_units += units(&bridge.send(&service, "Query", query.clone()).await.map_err(err)?);
    }
    for i in 0..n {
        let req = json!({ "TableName": table, "Key": keys[i % keys.len()], "ReturnConsumedCapacity": "TOTAL" });
        run.direct_units += units(&bridge.send("dynamodb", "GetItem", req).await.map_err(err)?);
    }
    for _ in 0..2 {
        run.direct_units += units(&bridge.send("dynamodb", "Query", query.clone()).await.map_err(err)?);
    }
    let log = bridge.sim("dax:ListRequests", json!({ "region": region, "ClusterName": cluster, "Limit": n + 2 })).await.map_err(err)?;
    for r in log["Requests"].as_array().cloned().unwrap_or_default().iter().rev() {
        let latency = r["LatencyMicros"].as_u64().unwrap_or(0);
        match (r["Operation"].as_str(), r["Outcome"].as_str()) {
            (Some("Query"), Some(o)) => run.query_outcomes.push(o.to_string()),
            (_, Some("HIT")) => run.hits.push(latency),
            (_, Some("MISS")) => {
                run.misses.push(latency);
                if let Some(d) = r["DynamoDbMicros"].as_u64() {
                    run.dynamodb.push(d);
                }
            }
            _ => {}
        }
    }
    Ok(run)
}

fn mean(v: &[u64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<u64>() as f64 / v.len() as f64
    }
}

fn percentile(v: &[u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    s[((s.len() as f64 * p).ceil() as usize).clamp(1, s.len()) - 1]
}

fn micros(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} ms", v / 1000.0)
    } else {
        format!("{v:.0} µs")
    }
}

fn results(r: &Run) -> Html {
    let total = r.hits.len() + r.misses.len();
    let ratio = if total > 0 { r.hits.len() as f64 * 100.0 / total as f64 } else { 0.0 };
    let rows = [("Cache hit (DAX)", &r.hits, "hit"), ("Cache miss (DAX + DynamoDB)", &r.misses, "miss"), ("DynamoDB alone", &r.dynamodb, "ddb")];
    let peak = rows.iter().map(|(_, v, _)| percentile(v, 0.99) as f64).fold(1.0, f64::max);
    html! {
        <div class="dax-results" aria-label="Workload results">
            <div class="stats-row">
                <div class="stat-box"><span class="stat-label">{ "Hits" }</span><span class="stat-value" aria-label="Hits">{ r.hits.len() }</span></div>
                <div class="stat-box"><span class="stat-label">{ "Misses" }</span><span class="stat-value" aria-label="Misses">{ r.misses.len() }</span></div>
                <div class="stat-box"><span class="stat-label">{ "Hit ratio" }</span><span class="stat-value" aria-label="Hit ratio">{ format!("{ratio:.0}%") }</span></div>
                <div class="stat-box" title="Read capacity the table was charged for the requests through DAX: only misses reach it"><span class="stat-label">{ "RCU via DAX" }</span><span class="stat-value">{ format!("{:.1}", r.dax_units) }</span></div>
                <div class="stat-box" title="Read capacity the same requests cost sent straight to DynamoDB"><span class="stat-label">{ "RCU direct" }</span><span class="stat-value">{ format!("{:.1}", r.direct_units) }</span></div>
            </div>
            <p class="hint">{ format!("{} GetItem over {} keys: the first read of each key is a miss, the rest are hits while the item cache keeps them. The Query through DAX: {}.", r.requests, r.keys, r.query_outcomes.join(" then ")) }</p>
            <figure class="dax-latency" aria-label="Latency comparison">
                <figcaption><strong>{ "Latency" }</strong><span class="muted">{ " · mean, with the 99th percentile as the thin bar" }</span></figcaption>
                { for rows.iter().map(|(label, v, class)| {
                    let m = mean(v);
                    let p99 = percentile(v, 0.99) as f64;
                    html! {
                        <div class={classes!("lat-row", *class)}>
                            <span class="lat-label">{ *label }</span>
                            <span class="lat-track">
                                <span class="lat-bar" style={format!("width:{:.1}%", (m / peak * 100.0).max(if v.is_empty() { 0.0 } else { 0.5 }))}></span>
                                <span class="lat-p99" style={format!("width:{:.1}%", (p99 / peak * 100.0).min(100.0))}></span>
                            </span>
                            <span class="lat-value">{ if v.is_empty() { "—".to_string() } else { format!("{} (p99 {})", micros(m), micros(p99)) } }</span>
                        </div>
                    }
                }) }
            </figure>
            { histogram(&r.hits, &r.misses) }
        </div>
    }
}

/// Hits and misses by latency bucket.
fn histogram(hits: &[u64], misses: &[u64]) -> Html {
    const EDGES: &[(u64, &str)] = &[(100, "<100µs"), (250, "<250µs"), (500, "<500µs"), (1000, "<1ms"), (2000, "<2ms"), (5000, "<5ms"), (10000, "<10ms"), (u64::MAX, "≥10ms")];
    let bucket = |v: &[u64]| {
        let mut out = vec![0usize; EDGES.len()];
        for x in v {
            let i = EDGES.iter().position(|(e, _)| x < e).unwrap_or(EDGES.len() - 1);
            out[i] += 1;
        }
        out
    };
    let (h, m) = (bucket(hits), bucket(misses));
    let peak = h.iter().chain(m.iter()).copied().max().unwrap_or(0).max(1) as f64;
    const W: f64 = 320.0;
    const H: f64 = 80.0;
    let bw = W / EDGES.len() as f64;
    html! {
        <figure class="chart dax-hist" aria-label="Latency histogram">
            <figcaption><strong>{ "Requests by latency" }</strong><span class="muted">{ " · " }<span class="swatch hit">{ "■" }</span>{ " hits " }<span class="swatch miss">{ "■" }</span>{ " misses" }</span></figcaption>
            <svg viewBox={format!("0 0 {W} {}", H + 14.0)} role="img">
                <line x1="0" y1={H.to_string()} x2={W.to_string()} y2={H.to_string()} class="axis" />
                { for EDGES.iter().enumerate().map(|(i, (_, label))| {
                    let x = i as f64 * bw;
                    let hh = h[i] as f64 / peak * H;
                    let mh = m[i] as f64 / peak * H;
                    html! { <g>
                        if h[i] > 0 { <rect class="hit" x={format!("{:.1}", x + 2.0)} y={format!("{:.1}", H - hh)} width={format!("{:.1}", bw / 2.0 - 2.0)} height={format!("{hh:.1}")}><title>{ format!("{label}: {} hits", h[i]) }</title></rect> }
                        if m[i] > 0 { <rect class="miss" x={format!("{:.1}", x + bw / 2.0)} y={format!("{:.1}", H - mh)} width={format!("{:.1}", bw / 2.0 - 2.0)} height={format!("{mh:.1}")}><title>{ format!("{label}: {} misses", m[i]) }</title></rect> }
                        <text x={format!("{:.1}", x + bw / 2.0)} y={(H + 11.0).to_string()} text-anchor="middle">{ *label }</text>
                    </g> }
                }) }
            </svg>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
pub struct StaleProps {
    pub cluster: String,
    pub query_ttl_ms: u64,
    pub on_done: Callback<()>,
}

/// One look at the demo item: through DAX by Query and by GetItem, and straight from DynamoDB.
#[derive(Clone, PartialEq)]
struct Look {
    query_dax: (String, String),
    get_dax: (String, String),
    query_direct: String,
}

const DEMO_ATTR: &str = "daxDemo";

#[function_component(StaleDemo)]
pub fn stale_demo(p: &StaleProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let tables = use_tables();
    let table = use_state(String::new);
    let look = use_state(|| None::<Look>);
    let step = use_state(|| None::<String>);
    let problem = use_state(|| None::<String>);
    let chosen = if table.is_empty() { tables.first().cloned().unwrap_or_default() } else { (*table).clone() };
    let ttl_s = p.query_ttl_ms.div_ceil(1000);

    // action: "read", "write" or "advance"; each ends with a fresh look.
    let act = |action: &'static str| {
        let (ctx, table, cluster, look, step, problem, done) = (ctx.clone(), chosen.clone(), p.cluster.clone(), look.clone(), step.clone(), problem.clone(), p.on_done.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, table, cluster, look, step, problem, done) = (ctx.clone(), table.clone(), cluster.clone(), look.clone(), step.clone(), problem.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match demo(&ctx.bridge, &cluster, &ctx.region, &table, action, ttl_s).await {
                    Ok((l, s)) => {
                        problem.set(None);
                        look.set(Some(l));
                        step.set(Some(s));
                    }
                    Err(e) => problem.set(Some(e)),
                }
                done.emit(());
            });
        })
    };
    let stale = look.as_ref().is_some_and(|l| l.query_dax.0 != l.query_direct);
    html! {
        <section class="card dax-stale" aria-label="Query cache staleness">
            <h3>{ "Stale queries: the query cache and writes" }</h3>
            <p class="hint">{ format!("A write through DAX updates its item cache, so GetItem sees it at once, but not its query cache: a cached Query result stays as it was until query-ttl-millis ({ttl_s} s for this cluster) has passed. Read, write, read again, then move the simulated clock past the TTL.") }</p>
            if !tables.is_empty() {
                <div class="dax-form inline">
                    <label>{ "Table" }
                        <select aria-label="Demo table" onchange={let t = table.clone(); Callback::from(move |e: Event| t.set(select_value(&e)))}>
                            { for tables.iter().map(|t| html! { <option value={t.clone()} selected={*t == chosen}>{ t.clone() }</option> }) }
                        </select>
                    </label>
                    <button class="btn" onclick={act("read")}>{ "1. Read" }</button>
                    <button class="btn" onclick={act("write")}>{ "2. Write through DAX" }</button>
                    <button class="btn" onclick={act("advance")}>{ format!("3. Advance clock {} s", ttl_s + 1) }</button>
                </div>
            }
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            if let Some(l) = &*look {
                <p class="dax-step">{ step.as_deref().unwrap_or_default() }</p>
                <table class="grid dax-look" aria-label="Demo reads">
                    <thead><tr><th>{ "Read" }</th><th>{ DEMO_ATTR }</th><th>{ "DAX outcome" }</th></tr></thead>
                    <tbody>
                        <tr class={classes!(stale.then_some("stale"))}><td>{ "Query through DAX" }</td><td aria-label="Query through DAX value">{ l.query_dax.0.clone() }</td>
                            <td>{ l.query_dax.1.clone() }{ if stale { html! { <span class="badge creating">{ " stale" }</span> } } else { html! {} } }</td></tr>
                        <tr aria-label="GetItem through DAX"><td>{ "GetItem through DAX" }</td><td aria-label="GetItem through DAX value">{ l.get_dax.0.clone() }</td><td>{ l.get_dax.1.clone() }</td></tr>
                        <tr><td>{ "Query on DynamoDB" }</td><td aria-label="Query on DynamoDB value">{ l.query_direct.clone() }</td><td>{ "—" }</td></tr>
                    </tbody>
                </table>
            }
        </section>
    }
}

async fn demo(bridge: &Bridge, cluster: &str, region: &str, table: &str, action: &str, ttl_s: u64) -> Result<(Look, String), String> {
    let err = |e: ApiError| format!("{}: {}", e.kind, e.message);
    let (keys, hash) = some_keys(bridge, table, 1).await.map_err(err)?;
    let Some(key) = keys.first().cloned() else {
        return Err(format!("The table {table} has no items: add one first."));
    };
    let service = format!("dax:{cluster}");
    let step = match action {
        "write" => {
            let out = bridge
                .send(
                    &service,
                    "UpdateItem",
                    json!({
                        "TableName": table, "Key": key,
                        "UpdateExpression": "ADD #d :one",
                        "ExpressionAttributeNames": { "#d": DEMO_ATTR },
                        "ExpressionAttributeValues": { ":one": { "N": "1" } },
                        "ReturnValues": "ALL_NEW",
                    }),
                )
                .await
                .map_err(err)?;
            format!(
                "Wrote {DEMO_ATTR} = {} through DAX (UpdateItem with ReturnValues ALL_NEW: DAX writes to the table, then puts the new item in its item cache).",
                value_of(&out["Attributes"])
            )
        }
        "advance" => {
            bridge.sim("AdvanceClock", json!({ "seconds": ttl_s + 1 })).await.map_err(err)?;
            format!("Moved the simulated clock {} s ahead: the cached Query result has expired.", ttl_s + 1)
        }
        _ => "Read the item three ways.".to_string(),
    };
    let query = json!({
        "TableName": table,
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": { "#k": hash },
        "ExpressionAttributeValues": { ":v": key[&hash] },
    });
    let last_outcome = || async {
        let log = bridge.sim("dax:ListRequests", json!({ "region": region, "ClusterName": cluster, "Limit": 1 })).await.ok();
        log.and_then(|l| l["Requests"][0]["Outcome"].as_str().map(String::from)).unwrap_or_default()
    };
    let q = bridge.send(&service, "Query", query.clone()).await.map_err(err)?;
    let q_outcome = last_outcome().await;
    let g = bridge.send(&service, "GetItem", json!({ "TableName": table, "Key": key })).await.map_err(err)?;
    let g_outcome = last_outcome().await;
    let d = bridge.send("dynamodb", "Query", query).await.map_err(err)?;
    let first = |v: &Value| value_of(&v["Items"][0]);
    Ok((Look { query_dax: (first(&q), q_outcome), get_dax: (value_of(&g["Item"]), g_outcome), query_direct: first(&d) }, step))
}

fn value_of(item: &Value) -> String {
    item[DEMO_ATTR]["N"].as_str().map(String::from).unwrap_or_else(|| "(none)".into())
}
