//! The query and scan builder: compose a Query or Scan with the key condition, filter,
//! projection, order and limit; see the request as boto3 and AWS SDK for JavaScript v3 code;
//! run it and page through results with Count, ScannedCount and consumed capacity.

use serde_json::{json, Map, Value};
use yew::prelude::*;

use crate::{app::Ctx, dynamo_json};

/// A key schema as the builder needs it: (name, type) of the partition and sort keys.
#[derive(Clone, PartialEq)]
pub struct Keys {
    pub hash: (String, String),
    pub range: Option<(String, String)>,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub table: String,
    pub keys: Keys,
    /// Secondary indexes by name, with their keys.
    pub indexes: Vec<(String, Keys)>,
}

fn typed(kind: &str, text: &str) -> Value {
    json!({ kind: text })
}

/// Python literal for a JSON value (True/False/None), for the boto3 snippet.
fn python(v: &Value, indent: usize) -> String {
    let pad = "    ".repeat(indent + 1);
    let end = "    ".repeat(indent);
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Array(a) => format!("[\n{}\n{end}]", a.iter().map(|x| format!("{pad}{},", python(x, indent + 1))).collect::<Vec<_>>().join("\n")),
        Value::Object(o) if o.is_empty() => "{}".into(),
        Value::Object(o) => format!(
            "{{\n{}\n{end}}}",
            o.iter().map(|(k, x)| format!("{pad}{}: {},", serde_json::to_string(k).unwrap_or_default(), python(x, indent + 1))).collect::<Vec<_>>().join("\n")
        ),
    }
}

pub fn boto3_code(op: &str, req: &Value, region: &str) -> String {
    let method = if op == "Query" { "query" } else { "scan" };
    let args = req.as_object().map(|o| o.iter().map(|(k, v)| format!("    {k}={},", python(v, 1))).collect::<Vec<_>>().join("\n")).unwrap_or_default();
    format!("import boto3\n\nclient = boto3.client(\"dynamodb\", region_name=\"{region}\")\nresponse = client.{method}(\n{args}\n)\nprint(response[\"Items\"])")
}

pub fn js_code(op: &str, req: &Value, region: &str) -> String {
    let body = serde_json::to_string_pretty(req).unwrap_or_default();
    format!("import {{ DynamoDBClient, {op}Command }} from \"@aws-sdk/client-dynamodb\";\n\nconst client = new DynamoDBClient({{ region: \"{region}\" }});\nconst response = await client.send(new {op}Command({body}));\nconsole.log(response.Items);")
}

#[function_component(QueryBuilder)]
pub fn query_builder(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let mode = use_state(|| "Query".to_string());
    let pk = use_state(String::new);
    let sk_op = use_state(|| "".to_string());
    let sk1 = use_state(String::new);
    let sk2 = use_state(String::new);
    let filter = use_state(String::new);
    let filter_values = use_state(String::new);
    let projection = use_state(String::new);
    let forward = use_state(|| true);
    let limit = use_state(|| "25".to_string());
    let lang = use_state(|| "boto3".to_string());
    let result = use_state(|| None::<Value>);
    let problem = use_state(|| None::<String>);
    let start = use_state(|| None::<Value>);
    let index = use_state(String::new);
    // The keys of what is being read: the table, or the chosen index.
    let keys = p.indexes.iter().find(|(n, _)| *n == *index).map(|(_, k)| k.clone()).unwrap_or_else(|| p.keys.clone());

    // The request the form describes, or why it cannot be built yet.
    let build = || -> Result<Value, String> {
        let mut req = json!({"TableName": p.table});
        if !index.is_empty() {
            req["IndexName"] = json!(*index);
        }
        let mut names = Map::new();
        let mut values = Map::new();
        if *mode == "Query" {
            if pk.trim().is_empty() {
                return Err(format!("Enter a value for the partition key {} (a Query reads one item collection).", keys.hash.0));
            }
            names.insert("#pk".into(), json!(keys.hash.0));
            values.insert(":pk".into(), typed(&keys.hash.1, &pk));
            let mut cond = "#pk = :pk".to_string();
            if let (Some((sk_name, sk_type)), false) = (&keys.range, sk_op.is_empty()) {
                names.insert("#sk".into(), json!(sk_name));
                values.insert(":sk1".into(), typed(sk_type, &sk1));
                match sk_op.as_str() {
                    "between" => {
                        values.insert(":sk2".into(), typed(sk_type, &sk2));
                        cond.push_str(" AND #sk BETWEEN :sk1 AND :sk2");
                    }
                    "begins_with" => cond.push_str(" AND begins_with(#sk, :sk1)"),
                    op => cond.push_str(&format!(" AND #sk {op} :sk1")),
                }
            }
            req["KeyConditionExpression"] = json!(cond);
            if !*forward {
                req["ScanIndexForward"] = json!(false);
            }
        }
        if !filter.trim().is_empty() {
            req["FilterExpression"] = json!(filter.trim());
            if !filter_values.trim().is_empty() {
                let v = dynamo_json::parse_item(&filter_values).map_err(|e| format!("Filter values: {e}"))?;
                for (k, x) in v.as_object().cloned().unwrap_or_default() {
                    let k = if k.starts_with(':') { k } else { format!(":{k}") };
                    values.insert(k, x);
                }
            }
        }
        if !projection.trim().is_empty() {
            req["ProjectionExpression"] = json!(projection.trim());
        }
        if !names.is_empty() {
            req["ExpressionAttributeNames"] = Value::Object(names);
        }
        if !values.is_empty() {
            req["ExpressionAttributeValues"] = Value::Object(values);
        }
        if let Ok(l) = limit.trim().parse::<u64>() {
            req["Limit"] = json!(l);
        }
        req["ReturnConsumedCapacity"] = json!("TOTAL");
        Ok(req)
    };
    let request = build();

    let run = {
        let (ctx, result, problem, start, mode) = (ctx.clone(), result.clone(), problem.clone(), start.clone(), mode.clone());
        let request = request.clone();
        Callback::from(move |next: bool| {
            let mut req = match &request {
                Ok(r) => r.clone(),
                Err(m) => return problem.set(Some(m.clone())),
            };
            if next {
                if let Some(k) = result.as_ref().and_then(|r| r.get("LastEvaluatedKey")) {
                    req["ExclusiveStartKey"] = k.clone();
                }
            }
            let (ctx, result, problem, start, op) = (ctx.clone(), result.clone(), problem.clone(), start.clone(), (*mode).clone());
            let used_start = req.get("ExclusiveStartKey").cloned();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", &op, req).await {
                    Ok(v) => {
                        problem.set(None);
                        start.set(used_start);
                        result.set(Some(v));
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };

    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                s.set(i.value());
            }
        })
    };
    let select = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                s.set(i.value());
            }
        })
    };
    let code = match &request {
        Ok(r) if *lang == "boto3" => boto3_code(&mode, r, &ctx.region),
        Ok(r) => js_code(&mode, r, &ctx.region),
        Err(m) => format!("# {m}"),
    };
    let items: Vec<Value> = result.as_ref().and_then(|r| r["Items"].as_array().cloned()).unwrap_or_default();
    let mut columns: Vec<String> = Vec::new();
    for it in &items {
        for k in it.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            if !columns.contains(&k) {
                columns.push(k);
            }
        }
    }
    let is_query = *mode == "Query";
    html! {
        <div class="card query-builder" aria-label="Query and scan builder">
            <div class="qb-head">
                <h3>{ "Query and scan builder" }</h3>
                <div class="segmented" role="group" aria-label="Operation">
                    <button class={classes!("btn", "small", is_query.then_some("on"))} onclick={let m = mode.clone(); Callback::from(move |_| m.set("Query".into()))}>{ "Query" }</button>
                    <button class={classes!("btn", "small", (!is_query).then_some("on"))} onclick={let m = mode.clone(); Callback::from(move |_| m.set("Scan".into()))}>{ "Scan" }</button>
                </div>
            </div>
            <p class="hint">{ if is_query { "A Query reads one item collection: the items with one partition key value, in sort-key order. It reads only what it returns (before the filter), so it is cheap." } else { "A Scan reads the whole table, partition by partition, and pays for every item it reads, even those the filter drops." } }</p>
            <div class="field-row">
                if !p.indexes.is_empty() {
                    <div class="field medium"><label for="qb-index">{ "Read from" }</label>
                        <select id="qb-index" onchange={let i = index.clone(); Callback::from(move |e: Event| if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() { i.set(s.value()) })}>
                            <option value="" selected={index.is_empty()}>{ "table" }</option>
                            { for p.indexes.iter().map(|(n, _)| html! { <option value={n.clone()} selected={*index == *n}>{ format!("index {n}") }</option> }) }
                        </select>
                    </div>
                }
                if is_query {
                    <div class="field"><label for="qb-pk">{ format!("{} ({}) =", keys.hash.0, keys.hash.1) }</label><input id="qb-pk" value={(*pk).clone()} oninput={text(&pk)} /></div>
                    if let Some((sk_name, sk_type)) = &keys.range {
                        <div class="field">
                            <label for="qb-skop">{ format!("{sk_name} ({sk_type})") }</label>
                            <div class="inline">
                                <select id="qb-skop" aria-label="Sort key condition" onchange={select(&sk_op)}>
                                    { for [("", "any"), ("=", "="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">="), ("between", "between"), ("begins_with", "begins with")].iter().map(|(v, l)| html! { <option value={*v} selected={*sk_op == *v}>{ *l }</option> }) }
                                </select>
                                if !sk_op.is_empty() { <input aria-label="Sort key value" value={(*sk1).clone()} oninput={text(&sk1)} /> }
                                if *sk_op == "between" { <input aria-label="Sort key upper value" value={(*sk2).clone()} oninput={text(&sk2)} /> }
                            </div>
                        </div>
                    }
                }
                <div class="field small"><label for="qb-limit">{ "Limit" }</label><input id="qb-limit" type="number" min="1" value={(*limit).clone()} oninput={text(&limit)} /></div>
                if is_query {
                    <div class="field small"><label for="qb-order">{ "Order" }</label>
                        <select id="qb-order" onchange={let f = forward.clone(); Callback::from(move |e: Event| if let Some(s) = e.target_dyn_into::<web_sys::HtmlSelectElement>() { f.set(s.value() == "asc") })}>
                            <option value="asc" selected={*forward}>{ "ascending" }</option>
                            <option value="desc" selected={!*forward}>{ "descending" }</option>
                        </select>
                    </div>
                }
            </div>
            <div class="field-row">
                <div class="field"><label for="qb-filter">{ "Filter expression " }<span class="muted">{ "(optional)" }</span></label><input id="qb-filter" placeholder="Score > :min" value={(*filter).clone()} oninput={text(&filter)} /></div>
                <div class="field"><label for="qb-fvalues">{ "Filter values" }</label><input id="qb-fvalues" placeholder="{\":min\": 100}" value={(*filter_values).clone()} oninput={text(&filter_values)} /></div>
                <div class="field"><label for="qb-proj">{ "Projection " }<span class="muted">{ "(optional)" }</span></label><input id="qb-proj" placeholder="Game, Score" value={(*projection).clone()} oninput={text(&projection)} /></div>
            </div>
            <div class="actions">
                <button class="btn primary" onclick={let r = run.clone(); Callback::from(move |_| r.emit(false))}>{ format!("Run {}", *mode) }</button>
            </div>
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            <div class="code-tabs">
                <div class="segmented" role="group" aria-label="Code language">
                    <button class={classes!("btn", "small", (*lang == "boto3").then_some("on"))} onclick={let l = lang.clone(); Callback::from(move |_| l.set("boto3".into()))}>{ "Python (boto3)" }</button>
                    <button class={classes!("btn", "small", (*lang == "js").then_some("on"))} onclick={let l = lang.clone(); Callback::from(move |_| l.set("js".into()))}>{ "JavaScript (SDK v3)" }</button>
                </div>
                <pre class="code" aria-label="Request as code"><code>{ code }</code></pre>
            </div>
            if let Some(r) = &*result {
                <div class="qb-result">
                    <div class="items-bar">
                        <span class="stat">{ format!("Count {}", r["Count"]) }</span>
                        <span class="stat">{ format!("ScannedCount {}", r["ScannedCount"]) }</span>
                        <span class="stat">{ format!("{} RCU", r["ConsumedCapacity"]["CapacityUnits"]) }</span>
                        if start.is_some() { <span class="muted">{ "(a later page)" }</span> }
                        <div class="spacer" />
                        <button class="btn small" disabled={r.get("LastEvaluatedKey").is_none()} onclick={let run = run.clone(); Callback::from(move |_| run.emit(true))}>{ "Next page ›" }</button>
                    </div>
                    if items.is_empty() {
                        <p class="muted">{ "No items matched." }</p>
                    } else {
                        <div class="grid-wrap">
                            <table class="grid items-grid">
                                <thead><tr>{ for columns.iter().map(|c| html! { <th>{ c }</th> }) }</tr></thead>
                                <tbody>
                                    { for items.iter().map(|it| html! {
                                        <tr>{ for columns.iter().map(|c| match it.get(c) {
                                            Some(v) => { let (t, tag) = dynamo_json::cell(v); html! { <td><span class="type-tag">{ tag }</span>{ t }</td> } }
                                            None => html! { <td class="absent" /> },
                                        }) }</tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    }
                </div>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_snippets_carry_the_request() {
        let req = json!({"TableName": "Scores", "KeyConditionExpression": "#pk = :pk", "ExpressionAttributeNames": {"#pk": "UserId"}, "ExpressionAttributeValues": {":pk": {"S": "alice"}}, "ScanIndexForward": false});
        let py = boto3_code("Query", &req, "ap-northeast-2");
        assert!(py.contains("client.query("));
        assert!(py.contains("ScanIndexForward=False,"));
        assert!(py.contains("\":pk\": {\n"), "{py}");
        assert!(py.contains("region_name=\"ap-northeast-2\""));
        let js = js_code("Scan", &json!({"TableName": "T"}), "us-east-1");
        assert!(js.contains("new ScanCommand({\n  \"TableName\": \"T\"\n})"), "{js}");
    }
}
