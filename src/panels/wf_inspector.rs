//! The inspector: a form for the selected state with every field its type takes (Comment, the
//! paths, Parameters and the other templates as JSON, timeouts, Wait's four forms, Choice rules,
//! Map's fields, Fail's Error/Cause), Next/End/Default pickers, and Retry and Catch lists. A
//! change rewrites the definition; a field left empty is removed; what the schema rejects is
//! kept as typed and shown as a problem by validation, like AWS's console does.

use serde_json::{json, Map, Value};
use yew::prelude::*;

use super::{
    functions::select_value,
    wf_model::{self, processor_key},
};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub definition: Value,
    pub name: String,
    pub on_change: Callback<Value>,
    pub on_error: Callback<String>,
    /// The state's new name, typed (the panel renames and keeps it selected).
    pub on_renamed: Callback<String>,
    pub on_delete: Callback<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum F {
    Text,
    /// A path; `null` is JSON null.
    Path,
    Num,
    Json,
}

fn fields(t: &str) -> Vec<(&'static str, F)> {
    use F::*;
    let io = [("InputPath", Path), ("OutputPath", Path)];
    let mut v: Vec<(&'static str, F)> = Vec::new();
    match t {
        "Task" => v.extend([
            ("Resource", Text),
            ("Parameters", Json),
            ("ResultSelector", Json),
            ("ResultPath", Path),
            ("TimeoutSeconds", Num),
            ("TimeoutSecondsPath", Text),
            ("HeartbeatSeconds", Num),
            ("HeartbeatSecondsPath", Text),
            ("Credentials", Json),
            ("Assign", Json),
        ]),
        "Pass" => v.extend([("Result", Json), ("Parameters", Json), ("ResultPath", Path), ("Assign", Json)]),
        "Wait" => v.extend([("Seconds", Num), ("SecondsPath", Text), ("Timestamp", Text), ("TimestampPath", Text), ("Assign", Json)]),
        "Choice" => v.extend([("Assign", Json)]),
        "Parallel" => v.extend([("Parameters", Json), ("ResultSelector", Json), ("ResultPath", Path), ("Assign", Json)]),
        "Map" => v.extend([
            ("ItemsPath", Path),
            ("ItemSelector", Json),
            ("MaxConcurrency", Num),
            ("MaxConcurrencyPath", Text),
            ("ToleratedFailurePercentage", Num),
            ("ToleratedFailurePercentagePath", Text),
            ("ToleratedFailureCount", Num),
            ("ToleratedFailureCountPath", Text),
            ("ItemReader", Json),
            ("ItemBatcher", Json),
            ("ResultWriter", Json),
            ("Label", Text),
            ("ResultSelector", Json),
            ("ResultPath", Path),
            ("Assign", Json),
        ]),
        "Fail" => return vec![("Error", Text), ("ErrorPath", Text), ("Cause", Text), ("CausePath", Text)],
        _ => {}
    }
    v.extend(io);
    v
}

/// The text an input shows for a field value.
fn shown(v: &Value, f: F) -> String {
    match (v, f) {
        (Value::Null, F::Path) => "null".into(),
        (Value::Null, _) => String::new(),
        (Value::String(s), F::Text | F::Path) => s.clone(),
        (v, F::Json) => serde_json::to_string_pretty(v).unwrap_or_default(),
        (v, _) => v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
    }
}

/// The value typed text stands for, or None to remove the field.
fn typed(text: &str, f: F) -> Result<Option<Value>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Ok(Some(match f {
        F::Text => json!(text),
        F::Path if t == "null" => Value::Null,
        F::Path => json!(t),
        F::Num => serde_json::from_str::<serde_json::Number>(t).map(Value::Number).unwrap_or_else(|_| json!(t)),
        F::Json => serde_json::from_str(t).map_err(|e| format!("Not JSON: {e}"))?,
    }))
}

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsPath",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericEqualsPath",
    "NumericLessThan",
    "NumericLessThanPath",
    "NumericGreaterThan",
    "NumericGreaterThanPath",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "IsPresent",
    "IsNull",
    "IsString",
    "IsNumeric",
    "IsBoolean",
    "IsTimestamp",
];

/// The value a comparison operator takes from typed text.
fn operand(op: &str, text: &str) -> Value {
    if op.ends_with("Path") || op.starts_with("String") || op.starts_with("Timestamp") {
        return json!(text);
    }
    if op.starts_with("Numeric") {
        return serde_json::from_str::<serde_json::Number>(text.trim()).map(Value::Number).unwrap_or_else(|_| json!(text));
    }
    match text.trim() {
        "true" => json!(true),
        "false" => json!(false),
        other => json!(other),
    }
}

fn rule_operator(rule: &Map<String, Value>) -> Option<(String, Value)> {
    rule.iter().find(|(k, _)| OPERATORS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone()))
}

fn list_text(v: &Value) -> String {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default()
}

fn list_value(text: &str) -> Value {
    Value::Array(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| json!(s)).collect())
}

#[function_component(Inspector)]
pub fn inspector(p: &Props) -> Html {
    let errors = use_state(std::collections::HashMap::<String, String>::new);
    let Some(state) = wf_model::state(&p.definition, &p.name).cloned() else {
        return html! { <p class="muted">{ "Select a state to edit it." }</p> };
    };
    let t = state["Type"].as_str().unwrap_or("").to_string();
    let siblings: Vec<String> = wf_model::siblings(&p.definition, &p.name).into_iter().filter(|n| *n != p.name).collect();
    // Applies `f` to a copy of the definition and emits it.
    let edit = {
        let (def, cb, err) = (p.definition.clone(), p.on_change.clone(), p.on_error.clone());
        move |f: Box<dyn FnOnce(&mut Value) -> Result<(), String>>| {
            let mut d = def.clone();
            match f(&mut d) {
                Ok(()) => cb.emit(d),
                Err(e) => err.emit(e),
            }
        }
    };
    let edit = std::rc::Rc::new(edit);
    // Sets one field of the state (the state's own object edited by `f`).
    let on_state = {
        let (edit, name) = (edit.clone(), p.name.clone());
        std::rc::Rc::new(move |f: Box<dyn FnOnce(&mut Map<String, Value>)>| {
            let name = name.clone();
            edit(Box::new(move |d: &mut Value| {
                let s = wf_model::state_mut(d, &name).and_then(Value::as_object_mut).ok_or("The state is gone.")?;
                f(s);
                Ok(())
            }))
        })
    };

    let name_input = {
        let renamed = p.on_renamed.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                renamed.emit(i.value());
            }
        })
    };

    let field = |key: &'static str, f: F| {
        let value = state.get(key).map(|v| shown(v, f)).unwrap_or_default();
        let id = format!("wf-f-{key}");
        let onchange = {
            let (on_state, errors) = (on_state.clone(), errors.clone());
            Callback::from(move |e: Event| {
                let text = e
                    .target_dyn_into::<web_sys::HtmlInputElement>()
                    .map(|i| i.value())
                    .or_else(|| e.target_dyn_into::<web_sys::HtmlTextAreaElement>().map(|t| t.value()))
                    .unwrap_or_default();
                let mut errs = (*errors).clone();
                match typed(&text, f) {
                    Ok(v) => {
                        errs.remove(key);
                        errors.set(errs);
                        on_state(Box::new(move |s| match v {
                            Some(v) => {
                                s.insert(key.to_string(), v);
                            }
                            None => {
                                s.shift_remove(key);
                            }
                        }));
                    }
                    Err(m) => {
                        errs.insert(key.to_string(), m);
                        errors.set(errs);
                    }
                }
            })
        };
        let err = errors.get(key).cloned();
        let rows = value.lines().count().clamp(2, 10).to_string();
        html! {
            <div class="wf-field" key={key}>
                <label for={id.clone()}>{ key }</label>
                if f == F::Json {
                    <textarea id={id} rows={rows} spellcheck="false" value={value} {onchange} />
                } else {
                    <input id={id} type="text" spellcheck="false" value={value} placeholder={if f == F::Path { "$ (empty), a path, or null" } else { "" }} {onchange} />
                }
                if let Some(m) = err { <p class="field-error" role="alert">{ m }</p> }
            </div>
        }
    };

    let next_picker = {
        let takes = !matches!(t.as_str(), "Choice" | "Succeed" | "Fail");
        if takes {
            let current = if state["End"] == json!(true) { "(End)".to_string() } else { state["Next"].as_str().unwrap_or("").to_string() };
            let onchange = {
                let (edit, name) = (edit.clone(), p.name.clone());
                Callback::from(move |e: Event| {
                    let v = select_value(&e);
                    let name = name.clone();
                    edit(Box::new(move |d: &mut Value| wf_model::set_next(d, &name, if v == "(End)" { None } else { Some(&v) })));
                })
            };
            html! {
                <div class="wf-field">
                    <label for="wf-next">{ "Next" }</label>
                    <select id="wf-next" {onchange}>
                        <option value="(End)" selected={current == "(End)"}>{ "(End: the workflow ends here)" }</option>
                        { for siblings.iter().map(|s| html! { <option value={s.clone()} selected={*s == current}>{ s }</option> }) }
                        if current != "(End)" && !siblings.contains(&current) { <option value={current.clone()} selected=true>{ format!("{current} (missing)") }</option> }
                    </select>
                </div>
            }
        } else {
            html! {}
        }
    };

    let pick = |label: String, id: String, current: String, allow_none: bool, set: Callback<String>| {
        html! {
            <select id={id} aria-label={label} onchange={Callback::from(move |e: Event| set.emit(select_value(&e)))}>
                if allow_none { <option value="" selected={current.is_empty()}>{ "(none)" }</option> }
                { for siblings.iter().map(|s| html! { <option value={s.clone()} selected={*s == current}>{ s }</option> }) }
                if !current.is_empty() && !siblings.contains(&current) { <option value={current.clone()} selected=true>{ format!("{current} (missing)") }</option> }
            </select>
        }
    };

    // Choice rules.
    let choice = if t == "Choice" {
        let rules: Vec<Value> = state["Choices"].as_array().cloned().unwrap_or_default();
        let set_rules = {
            let on_state = on_state.clone();
            move |rules: Vec<Value>| {
                on_state(Box::new(move |s| {
                    s.insert("Choices".into(), Value::Array(rules));
                }))
            }
        };
        let set_rules = std::rc::Rc::new(set_rules);
        let rows = rules.iter().enumerate().map(|(i, r)| {
            let m = r.as_object().cloned().unwrap_or_default();
            let next = m.get("Next").and_then(Value::as_str).unwrap_or("").to_string();
            let set_next = {
                let (rules, set_rules) = (rules.clone(), set_rules.clone());
                Callback::from(move |v: String| {
                    let mut rs = rules.clone();
                    rs[i]["Next"] = json!(v);
                    set_rules(rs);
                })
            };
            let remove = {
                let (rules, set_rules) = (rules.clone(), set_rules.clone());
                Callback::from(move |_: MouseEvent| {
                    let mut rs = rules.clone();
                    rs.remove(i);
                    set_rules(rs);
                })
            };
            let body = match (m.get("Variable").and_then(Value::as_str), rule_operator(&m)) {
                (Some(var), Some((op, val))) => {
                    let var_change = {
                        let (rules, set_rules) = (rules.clone(), set_rules.clone());
                        Callback::from(move |e: Event| {
                            if let Some(inp) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                                let mut rs = rules.clone();
                                rs[i]["Variable"] = json!(inp.value());
                                set_rules(rs);
                            }
                        })
                    };
                    let op_change = {
                        let (rules, set_rules, old, val) = (rules.clone(), set_rules.clone(), op.clone(), val.clone());
                        Callback::from(move |e: Event| {
                            let new = select_value(&e);
                            let mut rs = rules.clone();
                            if let Some(o) = rs[i].as_object_mut() {
                                o.shift_remove(&old);
                                let text = val.as_str().map(str::to_string).unwrap_or_else(|| val.to_string());
                                o.insert(new.clone(), operand(&new, &text));
                            }
                            set_rules(rs);
                        })
                    };
                    let val_change = {
                        let (rules, set_rules, op) = (rules.clone(), set_rules.clone(), op.clone());
                        Callback::from(move |e: Event| {
                            if let Some(inp) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                                let mut rs = rules.clone();
                                rs[i][op.as_str()] = operand(&op, &inp.value());
                                set_rules(rs);
                            }
                        })
                    };
                    html! {
                        <div class="rule-row">
                            <input type="text" aria-label={format!("Rule {} variable", i + 1)} value={var.to_string()} onchange={var_change} />
                            <select aria-label={format!("Rule {} operator", i + 1)} onchange={op_change}>
                                { for OPERATORS.iter().map(|o| html! { <option value={*o} selected={*o == op}>{ *o }</option> }) }
                            </select>
                            <input type="text" aria-label={format!("Rule {} value", i + 1)} value={val.as_str().map(str::to_string).unwrap_or_else(|| val.to_string())} onchange={val_change} />
                        </div>
                    }
                }
                _ => {
                    // And / Or / Not, or a JSONata Condition: edited as JSON.
                    let mut shown_rule = m.clone();
                    shown_rule.shift_remove("Next");
                    let onchange = {
                        let (rules, set_rules, err, next) = (rules.clone(), set_rules.clone(), p.on_error.clone(), next.clone());
                        Callback::from(move |e: Event| {
                            if let Some(ta) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                                match serde_json::from_str::<Value>(&ta.value()) {
                                    Ok(Value::Object(mut o)) => {
                                        o.insert("Next".into(), json!(next));
                                        let mut rs = rules.clone();
                                        rs[i] = Value::Object(o);
                                        set_rules(rs);
                                    }
                                    _ => err.emit(format!("Rule {} must be a JSON object.", i + 1)),
                                }
                            }
                        })
                    };
                    html! { <textarea aria-label={format!("Rule {} JSON", i + 1)} rows="4" value={serde_json::to_string_pretty(&Value::Object(shown_rule)).unwrap_or_default()} {onchange} /> }
                }
            };
            html! {
                <div class="rule" key={i}>
                    <div class="rule-head"><strong>{ format!("Rule {}", i + 1) }</strong><span class="muted">{ wf_model::rule_label(r) }</span>
                        <button class="btn small danger" aria-label={format!("Remove rule {}", i + 1)} onclick={remove}>{ "Remove" }</button></div>
                    { body }
                    <div class="rule-next"><span>{ "then go to" }</span>{ pick(format!("Rule {} next state", i + 1), format!("wf-rule-next-{i}"), next.clone(), false, set_next) }</div>
                </div>
            }
        });
        let add = {
            let (rules, set_rules, first) = (rules.clone(), set_rules.clone(), siblings.first().cloned().unwrap_or_default());
            Callback::from(move |_: MouseEvent| {
                let mut rs = rules.clone();
                rs.push(json!({"Variable": "$.value", "StringEquals": "yes", "Next": first}));
                set_rules(rs);
            })
        };
        let add_compound = {
            let (rules, set_rules, first) = (rules.clone(), set_rules.clone(), siblings.first().cloned().unwrap_or_default());
            Callback::from(move |_: MouseEvent| {
                let mut rs = rules.clone();
                rs.push(json!({"And": [{"Variable": "$.a", "IsPresent": true}, {"Variable": "$.a", "NumericGreaterThan": 0}], "Next": first}));
                set_rules(rs);
            })
        };
        let default = state["Default"].as_str().unwrap_or("").to_string();
        let set_default = {
            let on_state = on_state.clone();
            Callback::from(move |v: String| {
                on_state(Box::new(move |s| {
                    if v.is_empty() {
                        s.shift_remove("Default");
                    } else {
                        s.insert("Default".into(), json!(v));
                    }
                }))
            })
        };
        html! {
            <fieldset class="wf-group">
                <legend>{ "Choice rules" }</legend>
                <p class="hint">{ "Rules are tried in order; the first that matches picks the next state. None matching: Default, or the execution fails with States.NoChoiceMatched." }</p>
                { for rows }
                <div class="actions">
                    <button class="btn small" onclick={add}>{ "+ Add rule" }</button>
                    <button class="btn small" onclick={add_compound}>{ "+ Add And rule" }</button>
                </div>
                <div class="wf-field"><label for="wf-default">{ "Default" }</label>{ pick("Default state".into(), "wf-default".into(), default, true, set_default) }</div>
            </fieldset>
        }
    } else {
        html! {}
    };

    // Retry and Catch.
    let errors_lists = if matches!(t.as_str(), "Task" | "Parallel" | "Map") {
        let retry: Vec<Value> = state["Retry"].as_array().cloned().unwrap_or_default();
        let catch: Vec<Value> = state["Catch"].as_array().cloned().unwrap_or_default();
        let set_list = {
            let on_state = on_state.clone();
            std::rc::Rc::new(move |key: &'static str, list: Vec<Value>| {
                on_state(Box::new(move |s| {
                    if list.is_empty() {
                        s.shift_remove(key);
                    } else {
                        s.insert(key.into(), Value::Array(list));
                    }
                }))
            })
        };
        let cell = |key: &'static str, list: &Vec<Value>, i: usize, field: &'static str, label: String, kind: F| {
            let v = &list[i][field];
            let text = if field == "ErrorEquals" {
                list_text(v)
            } else if v.is_null() {
                String::new()
            } else {
                v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
            };
            let onchange = {
                let (list, set_list) = (list.clone(), set_list.clone());
                Callback::from(move |e: Event| {
                    if let Some(inp) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                        let mut l = list.clone();
                        let val = inp.value();
                        if let Some(o) = l[i].as_object_mut() {
                            if field == "ErrorEquals" {
                                o.insert(field.into(), list_value(&val));
                            } else {
                                match typed(&val, kind) {
                                    Ok(Some(v)) => {
                                        o.insert(field.into(), v);
                                    }
                                    _ => {
                                        o.shift_remove(field);
                                    }
                                }
                            }
                        }
                        set_list(key, l);
                    }
                })
            };
            html! { <label class="mini">{ field }<input type="text" aria-label={label} value={text} {onchange} /></label> }
        };
        let retry_rows = retry.iter().enumerate().map(|(i, r)| {
            let remove = {
                let (l, set_list) = (retry.clone(), set_list.clone());
                Callback::from(move |_: MouseEvent| {
                    let mut l = l.clone();
                    l.remove(i);
                    set_list("Retry", l);
                })
            };
            let jitter = {
                let (l, set_list) = (retry.clone(), set_list.clone());
                Callback::from(move |e: Event| {
                    let v = select_value(&e);
                    let mut l = l.clone();
                    if let Some(o) = l[i].as_object_mut() {
                        if v.is_empty() {
                            o.shift_remove("JitterStrategy");
                        } else {
                            o.insert("JitterStrategy".into(), json!(v));
                        }
                    }
                    set_list("Retry", l);
                })
            };
            let j = r["JitterStrategy"].as_str().unwrap_or("").to_string();
            let n = i + 1;
            html! {
                <div class="retrier" key={i}>
                    { cell("Retry", &retry, i, "ErrorEquals", format!("Retrier {n} errors"), F::Text) }
                    { cell("Retry", &retry, i, "IntervalSeconds", format!("Retrier {n} IntervalSeconds"), F::Num) }
                    { cell("Retry", &retry, i, "MaxAttempts", format!("Retrier {n} MaxAttempts"), F::Num) }
                    { cell("Retry", &retry, i, "BackoffRate", format!("Retrier {n} BackoffRate"), F::Num) }
                    { cell("Retry", &retry, i, "MaxDelaySeconds", format!("Retrier {n} MaxDelaySeconds"), F::Num) }
                    <label class="mini">{ "JitterStrategy" }
                        <select aria-label={format!("Retrier {n} JitterStrategy")} onchange={jitter}>
                            <option value="" selected={j.is_empty()}>{ "(none)" }</option>
                            <option value="FULL" selected={j == "FULL"}>{ "FULL" }</option>
                            <option value="NONE" selected={j == "NONE"}>{ "NONE" }</option>
                        </select>
                    </label>
                    <button class="btn small danger" aria-label={format!("Remove retrier {n}")} onclick={remove}>{ "Remove" }</button>
                </div>
            }
        });
        let catch_rows = catch.iter().enumerate().map(|(i, c)| {
            let remove = {
                let (l, set_list) = (catch.clone(), set_list.clone());
                Callback::from(move |_: MouseEvent| {
                    let mut l = l.clone();
                    l.remove(i);
                    set_list("Catch", l);
                })
            };
            let set_next = {
                let (l, set_list) = (catch.clone(), set_list.clone());
                Callback::from(move |v: String| {
                    let mut l = l.clone();
                    l[i]["Next"] = json!(v);
                    set_list("Catch", l);
                })
            };
            let n = i + 1;
            html! {
                <div class="retrier" key={i}>
                    { cell("Catch", &catch, i, "ErrorEquals", format!("Catcher {n} errors"), F::Text) }
                    { cell("Catch", &catch, i, "ResultPath", format!("Catcher {n} ResultPath"), F::Path) }
                    <label class="mini">{ "Next" }{ pick(format!("Catcher {n} next state"), format!("wf-catch-next-{i}"), c["Next"].as_str().unwrap_or("").to_string(), false, set_next) }</label>
                    <button class="btn small danger" aria-label={format!("Remove catcher {n}")} onclick={remove}>{ "Remove" }</button>
                </div>
            }
        });
        let add_retry = {
            let (l, set_list) = (retry.clone(), set_list.clone());
            Callback::from(move |_: MouseEvent| {
                let mut l = l.clone();
                l.push(json!({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}));
                set_list("Retry", l);
            })
        };
        let add_catch = {
            let (l, set_list, first) = (catch.clone(), set_list.clone(), siblings.first().cloned().unwrap_or_default());
            Callback::from(move |_: MouseEvent| {
                let mut l = l.clone();
                l.push(json!({"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": first}));
                set_list("Catch", l);
            })
        };
        html! {
            <>
                <fieldset class="wf-group">
                    <legend>{ "Retry" }</legend>
                    { for retry_rows }
                    <button class="btn small" onclick={add_retry}>{ "+ Add retrier" }</button>
                </fieldset>
                <fieldset class="wf-group">
                    <legend>{ "Catch" }</legend>
                    { for catch_rows }
                    <button class="btn small" onclick={add_catch}>{ "+ Add catcher" }</button>
                </fieldset>
            </>
        }
    } else {
        html! {}
    };

    // Parallel branches and Map mode.
    let containers = match t.as_str() {
        "Parallel" => {
            let n = state["Branches"].as_array().map(Vec::len).unwrap_or(0);
            let add = {
                let (edit, name) = (edit.clone(), p.name.clone());
                Callback::from(move |_: MouseEvent| {
                    let name = name.clone();
                    edit(Box::new(move |d: &mut Value| {
                        let s = wf_model::unique_name(d, "Branch step");
                        let st = wf_model::state_mut(d, &name).ok_or("The state is gone.")?;
                        if let Some(b) = st.get_mut("Branches").and_then(Value::as_array_mut) {
                            b.push(json!({"StartAt": s, "States": {s.clone(): {"Type": "Pass", "End": true}}}));
                        }
                        Ok(())
                    }))
                })
            };
            let remove = {
                let (edit, name) = (edit.clone(), p.name.clone());
                Callback::from(move |_: MouseEvent| {
                    let name = name.clone();
                    edit(Box::new(move |d: &mut Value| {
                        let st = wf_model::state_mut(d, &name).ok_or("The state is gone.")?;
                        match st.get_mut("Branches").and_then(Value::as_array_mut) {
                            Some(b) if b.len() > 1 => {
                                b.pop();
                                Ok(())
                            }
                            _ => Err("A Parallel state needs at least one branch.".into()),
                        }
                    }))
                })
            };
            html! {
                <fieldset class="wf-group"><legend>{ "Branches" }</legend>
                    <p class="hint">{ format!("{n} branches run at the same time; drop states into a branch on the graph.") }</p>
                    <div class="actions"><button class="btn small" onclick={add}>{ "+ Add branch" }</button><button class="btn small danger" onclick={remove}>{ "Remove last branch" }</button></div>
                </fieldset>
            }
        }
        "Map" => {
            let key = processor_key(&state);
            let mode = state[key]["ProcessorConfig"]["Mode"].as_str().unwrap_or("INLINE").to_string();
            let exec = state[key]["ProcessorConfig"]["ExecutionType"].as_str().unwrap_or("").to_string();
            let set = |field: &'static str| {
                let on_state = on_state.clone();
                Callback::from(move |e: Event| {
                    let v = select_value(&e);
                    on_state(Box::new(move |s| {
                        let key = if s.contains_key("Iterator") && !s.contains_key("ItemProcessor") { "Iterator" } else { "ItemProcessor" };
                        if let Some(proc_) = s.get_mut(key).and_then(Value::as_object_mut) {
                            let cfg = proc_.entry("ProcessorConfig").or_insert_with(|| json!({}));
                            if let Some(c) = cfg.as_object_mut() {
                                if v.is_empty() {
                                    c.shift_remove(field);
                                } else {
                                    c.insert(field.into(), json!(v));
                                }
                            }
                        }
                    }))
                })
            };
            html! {
                <fieldset class="wf-group"><legend>{ "Processor" }</legend>
                    <div class="wf-field"><label for="wf-map-mode">{ "Mode" }</label>
                        <select id="wf-map-mode" onchange={set("Mode")}>
                            <option value="INLINE" selected={mode == "INLINE"}>{ "INLINE" }</option>
                            <option value="DISTRIBUTED" selected={mode == "DISTRIBUTED"}>{ "DISTRIBUTED" }</option>
                        </select></div>
                    if mode == "DISTRIBUTED" {
                        <div class="wf-field"><label for="wf-map-exec">{ "ExecutionType" }</label>
                            <select id="wf-map-exec" onchange={set("ExecutionType")}>
                                <option value="" selected={exec.is_empty()}>{ "(none)" }</option>
                                <option value="STANDARD" selected={exec == "STANDARD"}>{ "STANDARD" }</option>
                                <option value="EXPRESS" selected={exec == "EXPRESS"}>{ "EXPRESS" }</option>
                            </select></div>
                    }
                </fieldset>
            }
        }
        _ => html! {},
    };

    let comment = field("Comment", F::Text);
    let delete = {
        let (cb, name) = (p.on_delete.clone(), p.name.clone());
        Callback::from(move |_: MouseEvent| cb.emit(name.clone()))
    };
    html! {
        <div class="wf-inspector-form" key={p.name.clone()}>
            <div class="wf-field">
                <label for="wf-name">{ "State name" }</label>
                <input id="wf-name" type="text" value={p.name.clone()} onchange={name_input} />
            </div>
            <p class="muted type-line">{ format!("Type: {t}") }</p>
            { comment }
            { next_picker }
            { choice }
            { containers }
            { for fields(&t).into_iter().map(|(k, f)| field(k, f)) }
            { errors_lists }
            <button class="btn danger" onclick={delete}>{ "Delete state" }</button>
        </div>
    }
}
