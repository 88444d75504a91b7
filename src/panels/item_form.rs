//! The item editor: a type-aware form (one row per attribute, with each of DynamoDB's ten types)
//! and a JSON view (DynamoDB JSON or plain JSON), kept in step. Saving is a PutItem.

use serde_json::{json, Map, Value};
use yew::prelude::*;

use crate::{app::Ctx, dynamo_json};

pub const TYPES: &[(&str, &str)] = &[
    ("S", "String"),
    ("N", "Number"),
    ("B", "Binary (base64)"),
    ("BOOL", "Boolean"),
    ("NULL", "Null"),
    ("L", "List"),
    ("M", "Map"),
    ("SS", "String set"),
    ("NS", "Number set"),
    ("BS", "Binary set"),
];

/// One attribute as the form edits it: the value as text in the type's own notation.
#[derive(Clone, PartialEq, Debug)]
pub struct Row {
    pub name: String,
    pub ty: String,
    pub text: String,
    /// Key attributes: name and type fixed by the key schema.
    pub key: bool,
}

fn is_number(s: &str) -> bool {
    let s = s.trim();
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exp) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (digits, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let ok_mantissa = !(int.is_empty() && frac.is_empty()) && int.chars().all(|c| c.is_ascii_digit()) && frac.chars().all(|c| c.is_ascii_digit());
    let ok_exp = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    ok_mantissa && ok_exp
}

fn is_base64(s: &str) -> bool {
    let s = s.trim();
    s.len().is_multiple_of(4) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=')
}

/// Set members: one per line, blank lines ignored.
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// A nested value's JSON: DynamoDB JSON elements are kept, plain JSON is converted.
fn nested(text: &str, ty: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("is not valid JSON ({e})"))?;
    let typed = |x: &Value| x.as_object().is_some_and(|o| o.len() == 1 && o.keys().all(|k| TYPES.iter().any(|(t, _)| t == k)));
    match (ty, v) {
        ("L", Value::Array(a)) => {
            let all_typed = !a.is_empty() && a.iter().all(typed);
            Ok(Value::Array(if all_typed { a } else { a.iter().map(dynamo_json::to_attribute).collect() }))
        }
        ("M", Value::Object(o)) => {
            let all_typed = !o.is_empty() && o.values().all(typed);
            Ok(Value::Object(if all_typed { o } else { o.iter().map(|(k, x)| (k.clone(), dynamo_json::to_attribute(x))).collect() }))
        }
        ("L", _) => Err("must be a JSON array, like [1, \"two\"]".into()),
        _ => Err("must be a JSON object, like {\"city\": \"Seoul\"}".into()),
    }
}

/// A row → its DynamoDB attribute value, or what is wrong with it.
pub fn row_value(r: &Row) -> Result<Value, String> {
    let t = r.text.trim();
    let v = match r.ty.as_str() {
        "S" => json!({"S": r.text}),
        "N" if is_number(t) => json!({"N": t}),
        "N" => return Err("must be a number, like 42, -3.5 or 1e6".into()),
        "B" if is_base64(t) => json!({"B": t}),
        "B" => return Err("must be base64, like aGVsbG8=".into()),
        "BOOL" => json!({"BOOL": t == "true"}),
        "NULL" => json!({"NULL": true}),
        "SS" | "NS" | "BS" => {
            let members = lines(&r.text);
            if members.is_empty() {
                return Err("needs at least one member (one per line)".into());
            }
            if r.ty == "NS" && !members.iter().all(|m| is_number(m)) {
                return Err("every member of a number set must be a number".into());
            }
            if r.ty == "BS" && !members.iter().all(|m| is_base64(m)) {
                return Err("every member of a binary set must be base64".into());
            }
            let mut sorted = members.clone();
            sorted.sort();
            sorted.dedup();
            if sorted.len() != members.len() {
                return Err("cannot hold the same member twice".into());
            }
            json!({ r.ty.as_str(): members })
        }
        "L" | "M" => json!({ r.ty.as_str(): nested(t, &r.ty)? }),
        other => return Err(format!("has an unknown type {other}")),
    };
    Ok(v)
}

/// Every row → an item (DynamoDB JSON), or the first problem, naming the attribute.
pub fn rows_to_item(rows: &[Row]) -> Result<Value, String> {
    let mut item = Map::new();
    for r in rows {
        let name = r.name.trim();
        if name.is_empty() {
            if r.text.trim().is_empty() {
                continue; // an untouched new row
            }
            return Err("An attribute needs a name.".into());
        }
        if item.contains_key(name) {
            return Err(format!("The attribute {name} appears twice."));
        }
        let v = row_value(r).map_err(|m| format!("{name} {m}."))?;
        item.insert(name.to_string(), v);
    }
    Ok(Value::Object(item))
}

/// An item (DynamoDB JSON) → rows, key attributes first.
pub fn item_to_rows(item: &Value, keys: &[(String, String)]) -> Vec<Row> {
    let mut rows: Vec<Row> = keys
        .iter()
        .map(|(n, t)| {
            let text = item.get(n).and_then(|v| v.get(t)).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).unwrap_or_default();
            Row { name: n.clone(), ty: t.clone(), text, key: true }
        })
        .collect();
    if let Some(o) = item.as_object() {
        for (name, v) in o.iter().filter(|(n, _)| !keys.iter().any(|(k, _)| k == *n)) {
            let Some((ty, inner)) = v.as_object().and_then(|m| m.iter().next()) else { continue };
            let text = match (ty.as_str(), inner) {
                ("S" | "N" | "B", Value::String(s)) => s.clone(),
                ("BOOL", Value::Bool(b)) => b.to_string(),
                ("NULL", _) => String::new(),
                ("SS" | "NS" | "BS", Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
                (_, other) => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            rows.push(Row { name: name.clone(), ty: ty.clone(), text, key: false });
        }
    }
    rows
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub table: String,
    /// (name, type) of the key attributes.
    pub keys: Vec<(String, String)>,
    /// The item being edited (DynamoDB JSON), or None for a new item.
    pub item: Option<Value>,
    pub on_close: Callback<()>,
}

#[function_component(ItemEditor)]
pub fn item_editor(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let start = p.item.clone().unwrap_or_else(|| json!({}));
    let rows = {
        let (start, keys) = (start.clone(), p.keys.clone());
        use_state(move || {
            let mut r = item_to_rows(&start, &keys);
            if r.len() == keys.len() {
                r.push(Row { name: String::new(), ty: "S".into(), text: String::new(), key: false });
            }
            r
        })
    };
    let json_mode = use_state(|| false);
    let text = use_state(|| serde_json::to_string_pretty(&start).unwrap_or_default());
    let problem = use_state(|| None::<String>);

    // The item as it stands in the current view.
    let current = {
        let (rows, text, json_mode) = (rows.clone(), text.clone(), json_mode.clone());
        move || if *json_mode { dynamo_json::parse_item(&text) } else { rows_to_item(&rows) }
    };
    let to_json = {
        let (rows, text, json_mode, problem) = (rows.clone(), text.clone(), json_mode.clone(), problem.clone());
        Callback::from(move |_| {
            if *json_mode {
                return;
            }
            match rows_to_item(&rows) {
                Ok(item) => {
                    text.set(serde_json::to_string_pretty(&item).unwrap_or_default());
                    problem.set(None);
                    json_mode.set(true);
                }
                Err(m) => problem.set(Some(m)),
            }
        })
    };
    let to_form = {
        let (rows, text, json_mode, problem, keys) = (rows.clone(), text.clone(), json_mode.clone(), problem.clone(), p.keys.clone());
        Callback::from(move |_| {
            if !*json_mode {
                return;
            }
            match dynamo_json::parse_item(&text) {
                Ok(item) => {
                    rows.set(item_to_rows(&item, &keys));
                    problem.set(None);
                    json_mode.set(false);
                }
                Err(m) => problem.set(Some(m)),
            }
        })
    };
    let save = {
        let (ctx, problem, table, on_close) = (ctx.clone(), problem.clone(), p.table.clone(), p.on_close.clone());
        Callback::from(move |_| {
            let item = match current() {
                Ok(i) => i,
                Err(m) => {
                    problem.set(Some(m));
                    return;
                }
            };
            let (ctx, problem, table, on_close) = (ctx.clone(), problem.clone(), table.clone(), on_close.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "PutItem", json!({"TableName": table, "Item": item})).await {
                    Ok(_) => on_close.emit(()),
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let cancel = {
        let c = p.on_close.clone();
        Callback::from(move |_| c.emit(()))
    };
    let edit_row = |i: usize, f: fn(&mut Row, String)| {
        let rows = rows.clone();
        Callback::from(move |v: String| {
            let mut r = (*rows).clone();
            if let Some(row) = r.get_mut(i) {
                f(row, v);
            }
            rows.set(r);
        })
    };
    let add_row = {
        let rows = rows.clone();
        Callback::from(move |_| {
            let mut r = (*rows).clone();
            r.push(Row { name: String::new(), ty: "S".into(), text: String::new(), key: false });
            rows.set(r);
        })
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                text.set(t.value());
            }
        })
    };

    html! {
        <div class="card item-editor">
            <div class="editor-head">
                <h3>{ if p.item.is_some() { "Edit item" } else { "New item" } }</h3>
                <div class="segmented" role="group" aria-label="Editor view">
                    <button class={classes!("btn", "small", (!*json_mode).then_some("on"))} onclick={to_form}>{ "Form" }</button>
                    <button class={classes!("btn", "small", json_mode.then_some("on"))} onclick={to_json}>{ "JSON" }</button>
                </div>
            </div>
            if *json_mode {
                <p class="hint">{ "Write plain JSON (" }<code>{ "{\"UserId\": \"u1\", \"Score\": 42}" }</code>{ ") or DynamoDB JSON (" }<code>{ "{\"Score\": {\"N\": \"42\"}}" }</code>{ "). Plain values become S, N, BOOL, NULL, L and M; sets and binary need DynamoDB JSON or the form." }</p>
                <textarea aria-label="Item JSON" spellcheck="false" rows="12" value={(*text).clone()} oninput={on_text} />
            } else {
                <p class="hint">{ "Each attribute has a name, a type and a value. The key attributes come first: their types are fixed by the table's key schema. Sets take one member per line; lists and maps take JSON." }</p>
                <table class="attr-form" aria-label="Item attributes">
                    <thead><tr><th>{ "Attribute" }</th><th>{ "Type" }</th><th>{ "Value" }</th><th></th></tr></thead>
                    <tbody>
                    { for rows.iter().enumerate().map(|(i, r)| {
                        let on_name = edit_row(i, |row, v| row.name = v);
                        let on_ty = edit_row(i, |row, v| row.ty = v);
                        let on_val = edit_row(i, |row, v| row.text = v);
                        let remove = { let rows = rows.clone(); Callback::from(move |_| { let mut r = (*rows).clone(); r.remove(i); rows.set(r); }) };
                        let label = if r.name.is_empty() { format!("attribute {}", i + 1) } else { r.name.clone() };
                        let multiline = matches!(r.ty.as_str(), "SS" | "NS" | "BS" | "L" | "M");
                        html! {
                            <tr class={classes!(r.key.then_some("key-row"))}>
                                <td>
                                    if r.key { <code>{ &r.name }</code><span class="key-tag">{ if i == 0 { "partition key" } else { "sort key" } }</span> }
                                    else { <input aria-label={format!("Name of {label}")} value={r.name.clone()} placeholder="name" oninput={Callback::from(move |e: InputEvent| on_name.emit(input_text(&e)))} /> }
                                </td>
                                <td>
                                    <select aria-label={format!("Type of {label}")} disabled={r.key} onchange={Callback::from(move |e: Event| on_ty.emit(select_text(&e)))}>
                                        { for TYPES.iter().filter(|(t, _)| !r.key || matches!(*t, "S" | "N" | "B")).map(|(t, d)| html! { <option value={*t} selected={r.ty == *t}>{ format!("{t} · {d}") }</option> }) }
                                    </select>
                                </td>
                                <td>
                                    { match r.ty.as_str() {
                                        "BOOL" => html! { <select aria-label={format!("Value of {label}")} onchange={Callback::from(move |e: Event| on_val.emit(select_text(&e)))}>
                                            <option value="true" selected={r.text == "true"}>{ "true" }</option><option value="false" selected={r.text != "true"}>{ "false" }</option></select> },
                                        "NULL" => html! { <span class="muted">{ "null" }</span> },
                                        _ if multiline => html! { <textarea aria-label={format!("Value of {label}")} rows="3" spellcheck="false" value={r.text.clone()} placeholder={placeholder(&r.ty)} oninput={Callback::from(move |e: InputEvent| on_val.emit(area_text(&e)))} /> },
                                        _ => html! { <input aria-label={format!("Value of {label}")} value={r.text.clone()} placeholder={placeholder(&r.ty)} oninput={Callback::from(move |e: InputEvent| on_val.emit(input_text(&e)))} /> },
                                    } }
                                </td>
                                <td>if !r.key { <button class="btn small" aria-label={format!("Remove {label}")} onclick={remove}>{ "✕" }</button> }</td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                <button class="btn small" onclick={add_row}>{ "+ Add attribute" }</button>
            }
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            <p class="hint">{ "Saving puts the whole item (PutItem): an item with the same key is replaced." }</p>
            <div class="actions">
                <button class="btn primary" onclick={save}>{ "Save item" }</button>
                <button class="btn" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </div>
    }
}

fn placeholder(ty: &str) -> &'static str {
    match ty {
        "N" => "42",
        "B" => "aGVsbG8=",
        "SS" => "red\ngreen",
        "NS" => "1\n2",
        "BS" => "aGVsbG8=\nd29ybGQ=",
        "L" => "[1, \"two\", {\"three\": 3}]",
        "M" => "{\"city\": \"Seoul\"}",
        _ => "text",
    }
}

fn input_text(e: &InputEvent) -> String {
    e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

fn area_text(e: &InputEvent) -> String {
    e.target_dyn_into::<web_sys::HtmlTextAreaElement>().map(|i| i.value()).unwrap_or_default()
}

fn select_text(e: &Event) -> String {
    e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|i| i.value()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, ty: &str, text: &str) -> Row {
        Row { name: name.into(), ty: ty.into(), text: text.into(), key: false }
    }

    #[test]
    fn every_type_round_trips_through_the_form() {
        let item = json!({
            "pk": {"S": "u1"}, "n": {"N": "-3.5e2"}, "b": {"B": "aGVsbG8="}, "t": {"BOOL": true}, "z": {"NULL": true},
            "l": {"L": [{"S": "a"}, {"N": "1"}]}, "m": {"M": {"city": {"S": "Seoul"}}},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["aGVsbG8="]}
        });
        let rows = item_to_rows(&item, &[("pk".into(), "S".into())]);
        assert!(rows[0].key);
        assert_eq!(rows_to_item(&rows).unwrap(), item);
    }

    #[test]
    fn plain_json_in_lists_and_maps_is_converted() {
        assert_eq!(row_value(&row("l", "L", "[1, \"two\"]")).unwrap(), json!({"L": [{"N": "1"}, {"S": "two"}]}));
        assert_eq!(row_value(&row("m", "M", "{\"a\": true}")).unwrap(), json!({"M": {"a": {"BOOL": true}}}));
    }

    #[test]
    fn bad_values_name_the_attribute() {
        assert_eq!(rows_to_item(&[row("Score", "N", "lots")]).unwrap_err(), "Score must be a number, like 42, -3.5 or 1e6.");
        assert_eq!(rows_to_item(&[row("Tags", "SS", "a\na")]).unwrap_err(), "Tags cannot hold the same member twice.");
        assert_eq!(rows_to_item(&[row("Tags", "SS", "")]).unwrap_err(), "Tags needs at least one member (one per line).");
        assert_eq!(rows_to_item(&[row("a", "S", "x"), row("a", "S", "y")]).unwrap_err(), "The attribute a appears twice.");
        assert!(rows_to_item(&[row("", "S", "")]).unwrap().as_object().unwrap().is_empty(), "an untouched new row is skipped");
        assert!(is_number("1e-5") && is_number("-0.5") && is_number(".5") && !is_number("1e") && !is_number("--1") && !is_number(""));
    }
}
