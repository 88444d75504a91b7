//! DAX: DynamoDB Accelerator clusters (the `dax` control plane: CreateCluster, DescribeClusters,
//! DeleteCluster, RebootNode, parameter groups and their two TTLs), one cluster's endpoint, nodes
//! and cache statistics (`dax:GetCacheStats`), the "Try it" workload and the staleness demo
//! (`dax_try.rs`), the live request log (`dax:ListRequests`) and "DAX or ElastiCache?".

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    panels::{
        dax_try::{StaleDemo, TryIt},
        fn_util::short_time,
        functions::{input_value, select_value},
    },
};

pub const NODE_TYPES: &[&str] = &["dax.t3.small", "dax.t3.medium", "dax.r5.large", "dax.r5.xlarge"];

fn status_class(status: &str) -> &'static str {
    match status {
        "available" => "ok",
        "creating" | "modifying" | "rebooting" => "creating",
        "deleting" | "failed" => "deleting",
        _ => "",
    }
}

/// A parameter group's TTLs in milliseconds: (query-ttl-millis, record-ttl-millis).
pub fn ttls(params: &Value) -> (u64, u64) {
    let get = |name: &str| {
        params["Parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["ParameterName"] == name))
            .and_then(|p| p["ParameterValue"].as_str().and_then(|v| v.parse().ok()))
            .unwrap_or(300_000)
    };
    (get("query-ttl-millis"), get("record-ttl-millis"))
}

#[function_component(Dax)]
pub fn dax() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let clusters = use_state(|| None::<Vec<Value>>);
    let groups = use_state(Vec::<Value>::new);
    let selected = use_state(|| None::<String>);
    let reload = use_state(|| 0u32);
    {
        let (clusters, groups, ctx2) = (clusters.clone(), groups.clone(), ctx.clone());
        use_effect_with((ctx.version, ctx.region.clone(), *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("dax", "DescribeClusters", json!({})).await {
                    Ok(v) => clusters.set(Some(v["Clusters"].as_array().cloned().unwrap_or_default())),
                    Err(e) => ctx2.error(&e),
                }
                if let Ok(v) = ctx2.bridge.send("dax", "DescribeParameterGroups", json!({})).await {
                    groups.set(v["ParameterGroups"].as_array().cloned().unwrap_or_default());
                }
            });
            || ()
        });
    }
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    let list = clusters.as_deref().unwrap_or_default();
    let current = selected.as_ref().and_then(|n| list.iter().find(|c| c["ClusterName"] == n.as_str()).cloned());

    html! {
        <section class="panel dax">
            <header class="panel-head">
                <h1>{ "DAX" }</h1><span class="aws-name">{ format!("Amazon DynamoDB Accelerator · {}", ctx.region) }</span>
            </header>
            <p class="hint">{ "DAX is an in-memory cache in front of DynamoDB that speaks DynamoDB's API: reads it has cached come back in microseconds instead of milliseconds, and writes go through it to the table. Your code changes only its client: the DAX client with the cluster's endpoint instead of the DynamoDB client." }</p>
            <div class="dax-top">
                <section class="card dax-clusters" aria-label="Clusters">
                    <h2>{ "Clusters" }</h2>
                    { match &*clusters {
                        None => html! { <p class="muted">{ "Loading…" }</p> },
                        Some(l) if l.is_empty() => html! { <p class="muted">{ "No clusters yet. Create one: it takes about a minute of simulated time to become available." }</p> },
                        Some(l) => html! {
                            <table class="grid">
                                <thead><tr><th>{ "Name" }</th><th>{ "Status" }</th><th>{ "Node type" }</th><th class="num">{ "Nodes" }</th><th>{ "Parameter group" }</th></tr></thead>
                                <tbody>{ for l.iter().map(|c| {
                                    let name = c["ClusterName"].as_str().unwrap_or_default().to_string();
                                    let status = c["Status"].as_str().unwrap_or_default().to_string();
                                    let on = selected.as_deref() == Some(name.as_str());
                                    let sel = selected.clone();
                                    let n2 = name.clone();
                                    html! {
                                        <tr class={classes!("clickable", on.then_some("on"))} onclick={Callback::from(move |_| sel.set(Some(n2.clone())))}>
                                            <td><button class="link" aria-label={format!("Open cluster {name}")}>{ name.clone() }</button></td>
                                            <td><span class={classes!("badge", status_class(&status))}>{ status.clone() }</span></td>
                                            <td>{ c["NodeType"].as_str().unwrap_or_default() }</td>
                                            <td class="num">{ format!("{}/{}", c["ActiveNodes"].as_u64().unwrap_or(0), c["TotalNodes"].as_u64().unwrap_or(0)) }</td>
                                            <td>{ c["ParameterGroup"]["ParameterGroupName"].as_str().unwrap_or_default() }</td>
                                        </tr>
                                    }
                                }) }</tbody>
                            </table>
                        },
                    } }
                    <CreateCluster groups={(*groups).clone()} on_created={let s = selected.clone(); let b = bump.clone(); Callback::from(move |n: String| { s.set(Some(n)); b.emit(()); })} />
                </section>
                <ParameterGroups groups={(*groups).clone()} on_change={bump.clone()} />
            </div>
            { match current {
                Some(c) => html! { <ClusterDetail key={c["ClusterName"].as_str().unwrap_or_default().to_string()} cluster={c.clone()} on_change={bump.clone()} on_deleted={let s = selected.clone(); let b = bump.clone(); Callback::from(move |_| { s.set(None); b.emit(()); })} /> },
                None if !list.is_empty() => html! { <p class="muted">{ "Choose a cluster to see its endpoint and nodes, try a read workload through it, and watch its request log." }</p> },
                None => html! {},
            } }
            { compare() }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    groups: Vec<Value>,
    on_created: Callback<String>,
}

#[function_component(CreateCluster)]
fn create_cluster(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(|| "my-cluster".to_string());
    let node_type = use_state(|| NODE_TYPES[0].to_string());
    let nodes = use_state(|| "1".to_string());
    let group = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let submit = {
        let (ctx, name, node_type, nodes, group, problem, done) =
            (ctx.clone(), name.clone(), node_type.clone(), nodes.clone(), group.clone(), problem.clone(), p.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(n) = nodes.trim().parse::<u32>() else {
                problem.set(Some("Nodes must be a whole number (1 to 11).".into()));
                return;
            };
            let mut req = json!({
                "ClusterName": name.trim(),
                "NodeType": *node_type,
                "ReplicationFactor": n,
                "IamRoleArn": format!("arn:aws:iam::{}:role/DAXServiceRoleForDynamoDBAccess", gureum_engine::kernel::account::DEFAULT_ACCOUNT_ID),
            });
            if !group.is_empty() {
                req["ParameterGroupName"] = json!(*group);
            }
            let (ctx, problem, done, cname) = (ctx.clone(), problem.clone(), done.clone(), name.trim().to_string());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dax", "CreateCluster", req).await {
                    Ok(_) => {
                        problem.set(None);
                        done.emit(cname);
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
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
    html! {
        <form class="dax-form" aria-label="Create cluster" onsubmit={submit}>
            <h3>{ "Create cluster" }</h3>
            <label>{ "Name" }<input aria-label="Cluster name" value={(*name).clone()} oninput={set(&name)} /></label>
            <label>{ "Node type" }
                <select aria-label="Node type" onchange={pick(&node_type)}>
                    { for NODE_TYPES.iter().map(|t| html! { <option value={*t} selected={*node_type == *t}>{ *t }</option> }) }
                </select>
            </label>
            <label>{ "Nodes" }<input aria-label="Nodes" inputmode="numeric" value={(*nodes).clone()} oninput={set(&nodes)} /></label>
            <label>{ "Parameter group" }
                <select aria-label="Parameter group" onchange={pick(&group)}>
                    <option value="" selected={group.is_empty()}>{ "default.dax1.0" }</option>
                    { for p.groups.iter().filter_map(|g| g["ParameterGroupName"].as_str()).filter(|g| *g != "default.dax1.0").map(|g| html! { <option value={g.to_string()} selected={*group == g}>{ g }</option> }) }
                </select>
            </label>
            <button class="btn primary" type="submit">{ "Create cluster" }</button>
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            <p class="hint">{ "Three or more nodes in different Availability Zones are what AWS recommends for production; one node is enough to learn with. Reads are spread over the nodes, writes go through the primary." }</p>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct GroupsProps {
    groups: Vec<Value>,
    on_change: Callback<()>,
}

#[function_component(ParameterGroups)]
fn parameter_groups(p: &GroupsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let chosen = use_state(|| "default.dax1.0".to_string());
    let params = use_state(|| None::<Value>);
    let query_ttl = use_state(String::new);
    let record_ttl = use_state(String::new);
    let new_name = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let reload = use_state(|| 0u32);
    {
        let (params, query_ttl, record_ttl, ctx2, g) = (params.clone(), query_ttl.clone(), record_ttl.clone(), ctx.clone(), (*chosen).clone());
        use_effect_with(((*chosen).clone(), *reload, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("dax", "DescribeParameters", json!({ "ParameterGroupName": g })).await {
                    let (q, r) = ttls(&v);
                    query_ttl.set(q.to_string());
                    record_ttl.set(r.to_string());
                    params.set(Some(v));
                }
            });
            || ()
        });
    }
    let save = {
        let (ctx, chosen, query_ttl, record_ttl, problem, reload, done) =
            (ctx.clone(), chosen.clone(), query_ttl.clone(), record_ttl.clone(), problem.clone(), reload.clone(), p.on_change.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = json!({
                "ParameterGroupName": *chosen,
                "ParameterNameValues": [
                    { "ParameterName": "query-ttl-millis", "ParameterValue": query_ttl.trim() },
                    { "ParameterName": "record-ttl-millis", "ParameterValue": record_ttl.trim() },
                ],
            });
            let (ctx, problem, reload, done) = (ctx.clone(), problem.clone(), reload.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dax", "UpdateParameterGroup", req).await {
                    Ok(_) => {
                        problem.set(None);
                        reload.set(*reload + 1);
                        done.emit(());
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let create = {
        let (ctx, new_name, chosen, problem, done) = (ctx.clone(), new_name.clone(), chosen.clone(), problem.clone(), p.on_change.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = new_name.trim().to_string();
            let (ctx, chosen, problem, done) = (ctx.clone(), chosen.clone(), problem.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dax", "CreateParameterGroup", json!({ "ParameterGroupName": name, "Description": "TTLs for the DAX panel" })).await {
                    Ok(_) => {
                        problem.set(None);
                        chosen.set(name);
                        done.emit(());
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(input_value(&e)))
    };
    let is_default = *chosen == "default.dax1.0";
    html! {
        <section class="card dax-groups" aria-label="Parameter groups">
            <h2>{ "Parameter groups" }</h2>
            <p class="hint">{ "A cluster's parameter group sets how long it keeps what it caches: record-ttl-millis for the item cache (GetItem, BatchGetItem), query-ttl-millis for the query cache (Query, Scan). Both default to 5 minutes. A record TTL of 0 keeps items until a write or eviction replaces them; a query TTL of 0 turns the query cache off." }</p>
            <label>{ "Group" }
                <select aria-label="Parameter group to edit" onchange={let c = chosen.clone(); Callback::from(move |e: Event| c.set(select_value(&e)))}>
                    { for p.groups.iter().filter_map(|g| g["ParameterGroupName"].as_str()).map(|g| html! { <option value={g.to_string()} selected={*chosen == g}>{ g }</option> }) }
                </select>
            </label>
            if params.is_some() {
                <form class="dax-form" aria-label="Edit TTLs" onsubmit={save}>
                    <label>{ "query-ttl-millis" }<input aria-label="query-ttl-millis" inputmode="numeric" value={(*query_ttl).clone()} oninput={set(&query_ttl)} disabled={is_default} /></label>
                    <label>{ "record-ttl-millis" }<input aria-label="record-ttl-millis" inputmode="numeric" value={(*record_ttl).clone()} oninput={set(&record_ttl)} disabled={is_default} /></label>
                    <button class="btn" type="submit" disabled={is_default}>{ "Save TTLs" }</button>
                </form>
            }
            if is_default { <p class="hint">{ "The default group (default.dax1.0) cannot be changed: create your own group, set its TTLs, and pick it when you create a cluster." }</p> }
            <form class="dax-form inline" aria-label="Create parameter group" onsubmit={create}>
                <label>{ "New group" }<input aria-label="New parameter group name" placeholder="short-ttl" value={(*new_name).clone()} oninput={set(&new_name)} /></label>
                <button class="btn" type="submit">{ "Create group" }</button>
            </form>
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    cluster: Value,
    on_change: Callback<()>,
    on_deleted: Callback<()>,
}

#[function_component(ClusterDetail)]
fn cluster_detail(p: &DetailProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let c = &p.cluster;
    let name = c["ClusterName"].as_str().unwrap_or_default().to_string();
    let status = c["Status"].as_str().unwrap_or_default().to_string();
    let group = c["ParameterGroup"]["ParameterGroupName"].as_str().unwrap_or("default.dax1.0").to_string();
    let stats = use_state(|| None::<Value>);
    let ttl = use_state(|| (300_000u64, 300_000u64));
    let tick = use_state(|| 0u32);
    {
        let (stats, ttl, ctx2, name, group) = (stats.clone(), ttl.clone(), ctx.clone(), name.clone(), group.clone());
        use_effect_with((ctx.version, *tick, group.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.sim("dax:GetCacheStats", json!({ "region": ctx2.region, "ClusterName": name })).await {
                    stats.set(Some(v));
                }
                if let Ok(v) = ctx2.bridge.send("dax", "DescribeParameters", json!({ "ParameterGroupName": group })).await {
                    ttl.set(ttls(&v));
                }
            });
            || ()
        });
    }
    let after = {
        let (tick, done) = (tick.clone(), p.on_change.clone());
        Callback::from(move |_: ()| {
            tick.set(*tick + 1);
            done.emit(());
        })
    };
    let call = |op: &'static str, input: Value, done: Callback<()>| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let (ctx, input, done) = (ctx.clone(), input.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dax", op, input).await {
                    Ok(_) => done.emit(()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let wait = {
        let (ctx, done) = (ctx.clone(), p.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, done) = (ctx.clone(), done.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("AdvanceClock", json!({ "seconds": 60 })).await {
                    Ok(_) => done.emit(()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let url = c["ClusterDiscoveryEndpoint"]["URL"].as_str().unwrap_or_default().to_string();
    let nodes = c["Nodes"].as_array().cloned().unwrap_or_default();
    let available = status == "available";
    let s = stats.as_ref().cloned().unwrap_or(Value::Null);
    let stat = |label: &str, key: &str, tip: &str| {
        html! { <div class="stat-box" title={tip.to_string()}><span class="stat-label">{ label }</span><span class="stat-value">{ s[key].as_u64().unwrap_or(0) }</span></div> }
    };
    html! {
        <section class="dax-detail" aria-label={format!("Cluster {name}")}>
            <header class="dax-detail-head">
                <h2>{ name.clone() }</h2>
                <span class={classes!("badge", status_class(&status))}>{ status.clone() }</span>
                if status == "creating" {
                    <button class="btn small" onclick={wait.clone()}>{ "Fast-forward 1 min" }</button>
                }
                <span class="spacer"></span>
                <button class="btn small danger" onclick={call("DeleteCluster", json!({ "ClusterName": name }), p.on_deleted.clone())}>{ "Delete cluster" }</button>
            </header>
            if status == "creating" {
                <p class="hint">{ "A new cluster takes a few minutes on AWS; in the sandbox about a minute of simulated time. Fast-forward the clock, or wait." }</p>
            }
            <div class="card dax-endpoint">
                <h3>{ "Cluster endpoint" }</h3>
                <code class="endpoint" aria-label="Cluster endpoint">{ if url.is_empty() { "—".to_string() } else { url.clone() } }</code>
                <p class="hint">{ "Give this URL to the DAX client (" }<code>{ "new DaxDocument({ endpoint })" }</code>{ " from @amazon-dax-sdk/lib-dax): it discovers the nodes and routes reads to any node and writes to the primary. The function template \"Read through DAX\" reads it from the environment variable DAX_ENDPOINT." }</p>
                <table class="grid">
                    <thead><tr><th>{ "Node" }</th><th>{ "Endpoint" }</th><th>{ "Zone" }</th><th>{ "Status" }</th><th></th></tr></thead>
                    <tbody>{ for nodes.iter().map(|n| {
                        let id = n["NodeId"].as_str().unwrap_or_default().to_string();
                        let ns = n["NodeStatus"].as_str().unwrap_or_default().to_string();
                        html! { <tr>
                            <td>{ id.clone() }</td>
                            <td class="mono small">{ format!("{}:{}", n["Endpoint"]["Address"].as_str().unwrap_or_default(), n["Endpoint"]["Port"]) }</td>
                            <td>{ n["AvailabilityZone"].as_str().unwrap_or_default() }</td>
                            <td><span class={classes!("badge", status_class(&ns))}>{ ns.clone() }</span></td>
                            <td><button class="btn small" aria-label={format!("Reboot {id}")} disabled={ns != "available"} onclick={call("RebootNode", json!({ "ClusterName": name, "NodeId": id }), after.clone())}>{ "Reboot" }</button></td>
                        </tr> }
                    }) }</tbody>
                </table>
                <p class="hint">{ "Reboot restarts a node's DAX process; as on AWS, the cache keeps its contents (a one-node cluster refuses requests for the 10 s it is rebooting). To start cold, let the TTLs run out, lower record-ttl-millis, or recreate the cluster." }</p>
            </div>
            <div class="card dax-stats" aria-label="Cache statistics">
                <h3>{ "Cache statistics" }</h3>
                <div class="stats-row">
                    { stat("Item hits", "ItemCacheHits", "GetItem/BatchGetItem answered from the item cache") }
                    { stat("Item misses", "ItemCacheMisses", "GetItem/BatchGetItem that DAX had to read from DynamoDB") }
                    { stat("Query hits", "QueryCacheHits", "Query answered from the query cache") }
                    { stat("Query misses", "QueryCacheMisses", "Query read from DynamoDB") }
                    { stat("Scan hits", "ScanCacheHits", "Scan answered from the query cache") }
                    { stat("Scan misses", "ScanCacheMisses", "Scan read from DynamoDB") }
                    { stat("Write-through", "WriteThroughRequests", "Writes DAX passed to DynamoDB, updating its item cache") }
                    { stat("Pass-through", "PassThroughRequests", "Strongly consistent reads and transactions, which DAX passes to DynamoDB uncached") }
                    { stat("Errors", "ErrorRequestCount", "Requests that ended in an error") }
                </div>
                <p class="hint">{ format!("This cluster's parameter group {group}: items are cached for {} s, query and scan results for {} s.", ttl.1 / 1000, ttl.0 / 1000) }</p>
            </div>
            if available {
                <TryIt cluster={name.clone()} on_done={after.clone()} />
                <StaleDemo cluster={name.clone()} query_ttl_ms={ttl.0} on_done={after.clone()} />
            } else {
                <p class="muted">{ "Try it, the staleness demo and the request log open once the cluster is available." }</p>
            }
            <RequestLog cluster={name.clone()} tick={*tick} />
            <ClusterEvents cluster={name.clone()} tick={*tick} status={status.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct LogProps {
    cluster: String,
    tick: u32,
}

#[function_component(RequestLog)]
fn request_log(p: &LogProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let requests = use_state(Vec::<Value>::new);
    {
        let (requests, ctx2, name) = (requests.clone(), ctx.clone(), p.cluster.clone());
        use_effect_with((ctx.version, p.tick, p.cluster.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.sim("dax:ListRequests", json!({ "region": ctx2.region, "ClusterName": name, "Limit": 40 })).await {
                    requests.set(v["Requests"].as_array().cloned().unwrap_or_default());
                }
            });
            || ()
        });
    }
    html! {
        <section class="card dax-log" aria-label="Request log">
            <h3>{ "Request log" }</h3>
            <p class="hint">{ "The latest requests this cluster served, newest first: which cache answered, and how long DAX and DynamoDB took (simulated latencies)." }</p>
            if requests.is_empty() {
                <p class="muted">{ "No requests yet." }</p>
            } else {
                <div class="grid-wrap"><table class="grid">
                    <thead><tr><th>{ "Time" }</th><th>{ "Operation" }</th><th>{ "Table" }</th><th>{ "Cache" }</th><th>{ "Outcome" }</th><th class="num">{ "DAX µs" }</th><th class="num">{ "DynamoDB µs" }</th><th>{ "Detail" }</th></tr></thead>
                    <tbody>{ for requests.iter().map(|r| {
                        let outcome = r["Outcome"].as_str().unwrap_or_default().to_string();
                        let class = match outcome.as_str() { "HIT" => "ok", "MISS" => "creating", "ERROR" => "deleting", _ => "" };
                        let time = match &r["Time"] { Value::String(s) => short_time(s), Value::Number(n) => short_time(&gureum_engine::kernel::time::iso8601(n.as_i64().unwrap_or(0))), _ => String::new() };
                        html! { <tr>
                            <td class="small">{ time }</td>
                            <td>{ r["Operation"].as_str().unwrap_or_default() }</td>
                            <td>{ r["TableName"].as_str().unwrap_or_default() }</td>
                            <td>{ r["Cache"].as_str().unwrap_or_default() }</td>
                            <td><span class={classes!("badge", class)}>{ outcome.clone() }</span></td>
                            <td class="num">{ r["LatencyMicros"].as_u64().unwrap_or(0) }</td>
                            <td class="num">{ r["DynamoDbMicros"].as_u64().map(|v| v.to_string()).unwrap_or_else(|| "—".into()) }</td>
                            <td class="small">{ r["Detail"].as_str().unwrap_or_default() }</td>
                        </tr> }
                    }) }</tbody>
                </table></div>
            }
        </section>
    }
}

fn compare() -> Html {
    html! {
        <section class="card dax-compare" aria-label="DAX or ElastiCache?">
            <h2>{ "DAX or ElastiCache?" }</h2>
            <div class="dax-compare-cols">
                <div>
                    <h3>{ "DAX" }</h3>
                    <ul>
                        <li>{ "Caches DynamoDB's own answers: items (GetItem, BatchGetItem) and query and scan results, keyed by the exact request." }</li>
                        <li>{ "Write-through: writes go through DAX to the table and refresh its item cache (not the query cache, which keeps its results until their TTL)." }</li>
                        <li>{ "No cache code to write: swap the DynamoDB client for the DAX client; eventually consistent reads only (strongly consistent reads pass through)." }</li>
                    </ul>
                </div>
                <div>
                    <h3>{ "ElastiCache (Redis OSS, Valkey, Memcached)" }</h3>
                    <ul>
                        <li>{ "Caches whatever you put in it: aggregates you computed, the results of expensive computations, data from several sources, not only DynamoDB." }</li>
                        <li>{ "Data structures for sessions, leaderboards (sorted sets), counters and rate limits." }</li>
                        <li>{ "You write the caching: lazy loading (cache-aside: read the cache, on a miss read the database and fill the cache) or write-through, with TTLs and invalidation you choose." }</li>
                    </ul>
                </div>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EventsProps {
    cluster: String,
    tick: u32,
    /// Reloads when the cluster's status changes (a transition ending is an event).
    status: String,
}

/// The cluster's events of the last 24 hours (DescribeEvents), its nodes' included.
#[function_component(ClusterEvents)]
fn cluster_events(p: &EventsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let events = use_state(Vec::<Value>::new);
    {
        let (events, ctx2, name) = (events.clone(), ctx.clone(), p.cluster.clone());
        use_effect_with((ctx.version, p.tick, p.cluster.clone(), p.status.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut all = Vec::new();
                let mut token: Option<String> = None;
                loop {
                    let mut input = json!({ "SourceType": "CLUSTER", "Duration": 1440 });
                    if let Some(t) = &token {
                        input["NextToken"] = json!(t);
                    }
                    let Ok(v) = ctx2.bridge.send("dax", "DescribeEvents", input).await else { break };
                    all.extend(v["Events"].as_array().cloned().unwrap_or_default());
                    token = v["NextToken"].as_str().map(str::to_string);
                    if token.is_none() || all.len() >= 200 {
                        break;
                    }
                }
                let node_prefix = format!("{name}-");
                all.retain(|e| {
                    e["SourceName"].as_str().is_some_and(|s| s == name || s.strip_prefix(&node_prefix).is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase())))
                });
                all.truncate(20);
                events.set(all);
            });
            || ()
        });
    }
    html! {
        <section class="card dax-events" aria-label="Events">
            <h3>{ "Events" }</h3>
            <p class="hint">{ "What happened to this cluster and its nodes in the last 24 hours of simulated time, newest first (DescribeEvents; AWS keeps events 14 days)." }</p>
            if events.is_empty() {
                <p class="muted">{ "No events yet: one is recorded when the cluster becomes available, a node is added, rebooted or removed, or a parameter group is applied." }</p>
            } else {
                <table class="grid">
                    <thead><tr><th>{ "Time" }</th><th>{ "Source" }</th><th>{ "Message" }</th></tr></thead>
                    <tbody>{ for events.iter().map(|e| {
                        let ms = (e["Date"].as_f64().unwrap_or(0.0) * 1000.0) as i64;
                        html! { <tr>
                            <td class="small">{ short_time(&gureum_engine::kernel::time::iso8601(ms)) }</td>
                            <td>{ e["SourceName"].as_str().unwrap_or_default() }</td>
                            <td>{ e["Message"].as_str().unwrap_or_default() }</td>
                        </tr> }
                    }) }</tbody>
                </table>
            }
        </section>
    }
}
