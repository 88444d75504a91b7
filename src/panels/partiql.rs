//! The PartiQL editor: run SQL-compatible statements (SELECT, INSERT, UPDATE, DELETE) with
//! ExecuteStatement, with `?` parameters, results in a grid and next-page controls.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, dynamo_json};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub table: String,
    pub hash: (String, String),
    pub range: Option<(String, String)>,
}

fn literal(ty: &str) -> &'static str {
    if ty == "N" {
        "1"
    } else {
        "'value'"
    }
}

/// Example statements for this table.
pub fn examples(table: &str, hash: &(String, String), range: &Option<(String, String)>) -> Vec<(&'static str, String)> {
    let (h, ht) = hash;
    let key_where = match range {
        Some((r, rt)) => format!("\"{h}\" = {} AND \"{r}\" = {}", literal(ht), literal(rt)),
        None => format!("\"{h}\" = {}", literal(ht)),
    };
    let value = match range {
        Some((r, rt)) => format!("{{'{h}': {}, '{r}': {}, 'note': 'hello'}}", literal(ht), literal(rt)),
        None => format!("{{'{h}': {}, 'note': 'hello'}}", literal(ht)),
    };
    vec![
        ("SELECT (scan)", format!("SELECT * FROM \"{table}\"")),
        ("SELECT (query)", format!("SELECT * FROM \"{table}\" WHERE \"{h}\" = ?")),
        ("INSERT", format!("INSERT INTO \"{table}\" VALUE {value}")),
        ("UPDATE", format!("UPDATE \"{table}\" SET note = 'changed' WHERE {key_where}")),
        ("DELETE", format!("DELETE FROM \"{table}\" WHERE {key_where}")),
    ]
}

#[function_component(PartiqlEditor)]
pub fn partiql_editor(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let statement = use_state(|| format!("SELECT * FROM \"{}\"", p.table));
    let params = use_state(String::new);
    let result = use_state(|| None::<Value>);
    let problem = use_state(|| None::<String>);
    // The token of the page shown, to run the same statement for the next page.
    let last_run = use_state(|| None::<Value>);

    let run = {
        let (ctx, statement, params, result, problem, last_run) = (ctx.clone(), statement.clone(), params.clone(), result.clone(), problem.clone(), last_run.clone());
        Callback::from(move |next: Option<String>| {
            let mut req = match (&next, &*last_run) {
                (Some(_), Some(prev)) => prev.clone(),
                _ => json!({"Statement": *statement, "ReturnConsumedCapacity": "TOTAL"}),
            };
            if next.is_none() && !params.trim().is_empty() {
                let parsed: Result<Value, _> = serde_json::from_str(&params);
                match parsed {
                    Ok(Value::Array(a)) => {
                        let typed = a.iter().map(|v| if v.as_object().is_some_and(|o| o.len() == 1) { v.clone() } else { dynamo_json::to_attribute(v) }).collect::<Vec<_>>();
                        req["Parameters"] = json!(typed);
                    }
                    _ => {
                        problem.set(Some("Parameters must be a JSON array, like [\"u1\", 42] or [{\"S\": \"u1\"}].".into()));
                        return;
                    }
                }
            }
            match &next {
                Some(token) => req["NextToken"] = json!(token),
                None => {
                    if let Some(o) = req.as_object_mut() {
                        o.remove("NextToken");
                    }
                }
            }
            let (ctx, result, problem, last_run) = (ctx.clone(), result.clone(), problem.clone(), last_run.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "ExecuteStatement", req.clone()).await {
                    Ok(v) => {
                        problem.set(None);
                        result.set(Some(v));
                        last_run.set(Some(req));
                    }
                    Err(e) => {
                        result.set(None);
                        problem.set(Some(format!("{}: {}", e.kind, e.message)));
                    }
                }
            });
        })
    };
    let on_statement = {
        let s = statement.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                s.set(t.value());
            }
        })
    };
    let on_params = {
        let s = params.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                s.set(t.value());
            }
        })
    };
    let items: Vec<Value> = result.as_ref().and_then(|v| v["Items"].as_array().cloned()).unwrap_or_default();
    let mut columns: Vec<String> = Vec::new();
    for it in &items {
        for k in it.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            if !columns.contains(&k) {
                columns.push(k);
            }
        }
    }
    let next_token = result.as_ref().and_then(|v| v["NextToken"].as_str().map(str::to_string));
    let consumed = result.as_ref().and_then(|v| v["ConsumedCapacity"]["CapacityUnits"].as_f64());

    html! {
        <div class="partiql" aria-label="PartiQL editor">
            <p class="hint">{ "PartiQL is a SQL-compatible language for DynamoDB. A SELECT whose WHERE fixes the partition key with = or IN runs as a Query; any other SELECT scans the whole table. Writes must name one item by its full primary key. Table and attribute names go in double quotes, strings in single quotes; " }<code>{ "?" }</code>{ " takes the next parameter." }</p>
            <div class="examples">
                { for examples(&p.table, &p.hash, &p.range).into_iter().map(|(label, text)| {
                    let s = statement.clone();
                    html! { <button class="btn small" onclick={Callback::from(move |_| s.set(text.clone()))}>{ label }</button> }
                }) }
            </div>
            <textarea aria-label="PartiQL statement" spellcheck="false" rows="4" value={(*statement).clone()} oninput={on_statement} />
            <label class="inline">{ "Parameters (JSON array, optional) " }<input aria-label="Parameters" placeholder="[\"u1\", 42]" value={(*params).clone()} oninput={on_params} /></label>
            <div class="actions">
                <button class="btn primary" onclick={let r = run.clone(); Callback::from(move |_| r.emit(None))}>{ "Run statement" }</button>
            </div>
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            if result.is_some() {
                <div class="items-bar">
                    <span>{ format!("{} item(s)", items.len()) }</span>
                    if let Some(c) = consumed { <span class="muted">{ format!(" · {c} capacity units consumed") }</span> }
                    if !last_run.as_ref().and_then(|r| r["Statement"].as_str()).unwrap_or_default().trim_start().to_uppercase().starts_with("SELECT") {
                        <span class="muted">{ " · statement done" }</span>
                    }
                    <div class="spacer" />
                    <button class="btn small" disabled={next_token.is_none()} onclick={let r = run.clone(); let t = next_token.clone(); Callback::from(move |_| r.emit(t.clone()))}>{ "Next page ›" }</button>
                </div>
                if !items.is_empty() {
                    <div class="grid-wrap">
                        <table class="grid">
                            <thead><tr>{ for columns.iter().map(|c| html! { <th>{ c }</th> }) }</tr></thead>
                            <tbody>
                                { for items.iter().map(|it| html! {
                                    <tr>{ for columns.iter().map(|c| match it.get(c) {
                                        Some(v) => { let (text, tag) = dynamo_json::cell(v); html! { <td><span class="type-tag">{ tag }</span>{ text }</td> } }
                                        None => html! { <td class="absent"></td> },
                                    }) }</tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_quote_names_and_type_literals() {
        let ex = examples("Scores", &("UserId".into(), "S".into()), &Some(("Score".into(), "N".into())));
        assert_eq!(ex[3].1, "UPDATE \"Scores\" SET note = 'changed' WHERE \"UserId\" = 'value' AND \"Score\" = 1");
        assert_eq!(ex[2].1, "INSERT INTO \"Scores\" VALUE {'UserId': 'value', 'Score': 1, 'note': 'hello'}");
    }
}
