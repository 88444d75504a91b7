//! The Workflows panel (AWS Step Functions): the region's state machines (ListStateMachines;
//! create from a template, save with UpdateStateMachine, delete), and the visual editor of one
//! definition: a palette of flow states and service actions to drop on the graph's transitions,
//! the graph ([`super::wf_graph`]), the inspector ([`super::wf_inspector`]), and the ASL JSON in a
//! code view, kept in sync both ways; validation problems (the engine's ASL diagnostics, run
//! here in the page) are outlined on the graph and listed. Once saved, a state machine runs:
//! StartExecution with an input, the graph coloured from GetExecutionHistory, each state's
//! input and output after every processing step, the event table, and an Approve / Reject card
//! (SendTaskSuccess / SendTaskFailure) for a task waiting for its token.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use gureum_engine::services::stepfunctions::asl::{
    definition::{Definition, Kind, Machine},
    process::DataFlow,
    validate::{validate, Severity},
};
use serde_json::{json, Value};
use yew::prelude::*;

use super::{
    code_editor::CodeEditor,
    functions::{input_value, select_value},
    wf_client::{self as client, Reading, Status},
    wf_graph::{Selection, WfGraph},
    wf_inspector::Inspector,
    wf_model::{self, EdgeKind, EdgeRef, PALETTE},
    wf_templates::{self, TEMPLATES},
};
use crate::{app::Ctx, notify::Notice};

/// The state machine being edited: saved (with its ARN) or a draft.
#[derive(Clone, PartialEq)]
struct Open {
    arn: Option<String>,
    name: String,
    kind: String,
    /// The definition text as last saved (to tell unsaved edits).
    saved: String,
    template: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Design,
    Code,
    Run,
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn account() -> &'static str {
    gureum_engine::kernel::account::DEFAULT_ACCOUNT_ID
}

/// Is this the engine saying the service is not in this build.
fn missing_service(e: &crate::bridge::ApiError) -> bool {
    e.message.contains("not simulated in this build")
}

#[function_component(Workflows)]
pub fn workflows() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let api_missing = use_state(|| false);
    let open = use_state(|| None::<Open>);
    let creating = use_state(|| false);
    {
        let (list, ctx2, api_missing) = (list.clone(), ctx.clone(), api_missing.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match client::list_state_machines(&ctx2.bridge).await {
                    Ok(l) => {
                        api_missing.set(false);
                        list.set(Some(l));
                    }
                    Err(e) => {
                        if missing_service(&e) {
                            api_missing.set(true);
                        } else {
                            ctx2.error(&e);
                        }
                        list.set(Some(Vec::new()));
                    }
                }
            });
            || ()
        });
    }
    let open_machine = {
        let (ctx, open) = (ctx.clone(), open.clone());
        Callback::from(move |arn: String| {
            let (ctx, open) = (ctx.clone(), open.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match client::describe_state_machine(&ctx.bridge, &arn).await {
                    Ok(d) => open.set(Some(Open {
                        arn: Some(arn),
                        name: d["name"].as_str().unwrap_or("").into(),
                        kind: d["type"].as_str().unwrap_or("STANDARD").into(),
                        saved: d["definition"].as_str().unwrap_or("").into(),
                        template: String::new(),
                    })),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let current_arn = open.as_ref().and_then(|o| o.arn.clone());
    html! {
        <section class="panel workflows">
            <header class="panel-head">
                <h1>{ "Workflows" }</h1><span class="aws-name">{ format!("AWS Step Functions · {}", ctx.region) }</span>
                <div class="spacer" />
                <button class="btn primary" onclick={let c = creating.clone(); Callback::from(move |_| c.set(true))}>{ "Create state machine" }</button>
            </header>
            <p class="hint wf-intro">
                { "A state machine is a workflow written in the Amazon States Language: states that do work (Task), decide (Choice), wait, run branches side by side (Parallel) or once per item (Map), and end in success or failure. Drag a state from the palette onto an arrow to insert it there, or select an arrow and click a palette item; select a state to edit its fields. The JSON in the Code tab is the same definition." }
            </p>
            if *api_missing {
                <div class="wf-note" role="note">
                    <strong>{ "The Step Functions API is not in this build yet." }</strong>
                    { " You can design a workflow here and see AWS's validation of it; creating, saving and running state machines need the service (CreateStateMachine, StartExecution), which comes next." }
                </div>
            }
            if *creating {
                <CreateForm on_close={let c = creating.clone(); Callback::from(move |_| c.set(false))}
                    on_open={let (o, c) = (open.clone(), creating.clone()); Callback::from(move |m: Open| { c.set(false); o.set(Some(m)); })} />
            }
            { match &*list {
                None => html! { <p class="muted">{ "Loading state machines…" }</p> },
                Some(l) if l.is_empty() => html! {
                    if open.is_none() && !*creating {
                        <div class="empty-state small"><p>{ "No state machines in this region yet. Create one from a template: an order saga, a human approval, a parallel fan-out or a Map over items." }</p></div>
                    }
                },
                Some(l) => html! {
                    <table class="grid wf-list" aria-label="State machines">
                        <thead><tr><th>{ "Name" }</th><th>{ "Type" }</th><th>{ "Created" }</th></tr></thead>
                        <tbody>
                            { for l.iter().map(|m| {
                                let arn = m["stateMachineArn"].as_str().unwrap_or("").to_string();
                                let sel = current_arn.as_deref() == Some(arn.as_str());
                                let onclick = { let (cb, arn) = (open_machine.clone(), arn.clone()); Callback::from(move |e: MouseEvent| { e.prevent_default(); cb.emit(arn.clone()) }) };
                                html! {
                                    <tr class={classes!(sel.then_some("selected"))}>
                                        <td><a href="#/workflows" {onclick}>{ m["name"].as_str().unwrap_or("") }</a></td>
                                        <td>{ m["type"].as_str().unwrap_or("") }</td>
                                        <td>{ client::when(&m["creationDate"]) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            if let Some(o) = &*open {
                <Editor key={format!("{}|{}", o.arn.clone().unwrap_or_default(), o.name)} machine={o.clone()}
                    on_saved={let open = open.clone(); Callback::from(move |m: Open| open.set(Some(m)))}
                    on_closed={let open = open.clone(); Callback::from(move |_| open.set(None))} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    on_close: Callback<()>,
    on_open: Callback<Open>,
}

#[function_component(CreateForm)]
fn create_form(p: &CreateProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = use_state(String::new);
    let kind = use_state(|| "STANDARD".to_string());
    let template = use_state(|| "approval".to_string());
    let busy = use_state(|| false);
    let onsubmit = {
        let (ctx, name, kind, template, busy, on_open) = (ctx.clone(), name.clone(), kind.clone(), template.clone(), busy.clone(), p.on_open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let def = pretty(&wf_templates::definition(&template, &ctx.region, account()));
            let (ctx, n, k, t, busy, on_open) = ((ctx).clone(), (*name).clone(), (*kind).clone(), (*template).clone(), busy.clone(), on_open.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let role = client::role_arn(account(), &n);
                match client::create_state_machine(&ctx.bridge, &n, &k, &def, &role).await {
                    Ok(v) => {
                        ctx.notify.emit(Notice::info("Created", &format!("State machine {n} created.")));
                        on_open.emit(Open { arn: v["stateMachineArn"].as_str().map(str::to_string), name: n, kind: k, saved: def, template: t });
                    }
                    Err(e) if missing_service(&e) && n.trim().is_empty() => ctx.notify.emit(Notice::error("ValidationException", "A state machine needs a name.")),
                    // The panel's banner says the service is missing: the workflow opens as a draft.
                    Err(e) if missing_service(&e) => {
                        on_open.emit(Open { arn: None, name: n, kind: k, saved: String::new(), template: t });
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    let about = TEMPLATES.iter().find(|t| t.id == template.as_str()).map(|t| t.about).unwrap_or("");
    html! {
        <form class="card wf-create" aria-label="Create state machine" {onsubmit}>
            <h2>{ "Create state machine" }</h2>
            <div class="field-row">
                <div class="field">
                    <label for="wf-new-name">{ "Name" }</label>
                    <input id="wf-new-name" type="text" value={(*name).clone()} placeholder="OrderWorkflow" oninput={let n = name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e)))} />
                </div>
                <div class="field">
                    <label for="wf-new-type">{ "Type" }</label>
                    <select id="wf-new-type" onchange={let k = kind.clone(); Callback::from(move |e: Event| k.set(select_value(&e)))}>
                        <option value="STANDARD" selected={*kind == "STANDARD"}>{ "STANDARD: up to a year, exactly once, full history" }</option>
                        <option value="EXPRESS" selected={*kind == "EXPRESS"}>{ "EXPRESS: up to five minutes, at least once" }</option>
                    </select>
                </div>
                <div class="field">
                    <label for="wf-new-template">{ "Start from" }</label>
                    <select id="wf-new-template" onchange={let t = template.clone(); Callback::from(move |e: Event| t.set(select_value(&e)))}>
                        { for TEMPLATES.iter().map(|t| html! { <option value={t.id} selected={*template == t.id}>{ t.label }</option> }) }
                    </select>
                </div>
            </div>
            <p class="hint">{ about }</p>
            <div class="actions">
                <button class="btn primary" type="submit" disabled={*busy}>{ "Create" }</button>
                <button class="btn" type="button" onclick={let c = p.on_close.clone(); Callback::from(move |_| c.emit(()))}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct EditorProps {
    machine: Open,
    on_saved: Callback<Open>,
    on_closed: Callback<()>,
}

/// The JSON parse error of `text` as (message, 1-based line).
fn json_error(text: &str) -> Option<(String, u32)> {
    serde_json::from_str::<Value>(text).err().map(|e| (e.to_string(), e.line() as u32))
}

/// The 1-based line of the first `"name":` key in pretty JSON text.
fn line_of_state(text: &str, name: &str) -> Option<u32> {
    let needle = format!("{}:", serde_json::to_string(name).ok()?);
    text.lines().position(|l| l.trim_start().starts_with(&needle)).map(|i| i as u32 + 1)
}

#[function_component(Editor)]
fn editor(p: &EditorProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let initial = {
        let m = p.machine.clone();
        let region = ctx.region.clone();
        move || if m.saved.is_empty() { pretty(&wf_templates::definition(&m.template, &region, account())) } else { m.saved.clone() }
    };
    let text = use_state(initial);
    // The last definition that parsed as JSON: what the graph shows.
    let def = use_state(|| serde_json::from_str::<Value>(&text).unwrap_or_else(|_| json!({"StartAt": "", "States": {}})));
    let selected = use_state(|| None::<Selection>);
    let tab = use_state(|| Tab::Design);
    let dragging: Rc<RefCell<Option<String>>> = use_mut_ref(|| None);
    let busy = use_state(|| false);

    let diagnostics = use_memo((*text).clone(), |t| validate(t));
    let parse_error = json_error(&text);
    let mut problems: HashMap<String, Vec<String>> = HashMap::new();
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        if let Some(s) = wf_model::state_of_location(&d.location) {
            problems.entry(s).or_default().push(format!("{}: {}", d.code, d.message));
        }
    }
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();

    // Graph edits: the new definition, its text, and the selection.
    let set_def = {
        let (text, def) = (text.clone(), def.clone());
        Callback::from(move |d: Value| {
            text.set(pretty(&d));
            def.set(d);
        })
    };
    let on_code = {
        let (text, def) = (text.clone(), def.clone());
        Callback::from(move |t: String| {
            if let Ok(v) = serde_json::from_str::<Value>(&t) {
                def.set(v);
            }
            text.set(t);
        })
    };
    let on_error = {
        let ctx = ctx.clone();
        Callback::from(move |m: String| ctx.notify.emit(Notice::error("Cannot do that", &m)))
    };
    let insert = {
        let (def, set_def, selected, on_error, region) = (def.clone(), set_def.clone(), selected.clone(), on_error.clone(), ctx.region.clone());
        Callback::from(move |(edge, item): (EdgeRef, String)| {
            let Some((base, snippet)) = wf_model::snippet(&item, &region, account()) else { return };
            let mut d = (*def).clone();
            match wf_model::insert_on_edge(&mut d, &edge, base, snippet) {
                Ok(name) => {
                    set_def.emit(d);
                    selected.set(Some(Selection::State(name)));
                }
                Err(e) => on_error.emit(e),
            }
        })
    };
    let add_to_scope = {
        let (def, set_def, selected, on_error, region) = (def.clone(), set_def.clone(), selected.clone(), on_error.clone(), ctx.region.clone());
        Callback::from(move |(scope, item): (wf_model::Scope, String)| {
            let Some((base, snippet)) = wf_model::snippet(&item, &region, account()) else { return };
            let mut d = (*def).clone();
            match wf_model::add_state(&mut d, &scope, base, snippet) {
                Ok(name) => {
                    set_def.emit(d);
                    selected.set(Some(Selection::State(name)));
                }
                Err(e) => on_error.emit(e),
            }
        })
    };
    // A palette click: insert on the selected edge, or after the selected state.
    let palette_click = {
        let (def, selected, insert, on_error) = (def.clone(), selected.clone(), insert.clone(), on_error.clone());
        Callback::from(move |item: String| match &*selected {
            Some(Selection::Edge(e)) => insert.emit((e.clone(), item)),
            Some(Selection::State(s)) => {
                let st = wf_model::state(&def, s).cloned().unwrap_or(Value::Null);
                let scope = wf_model::scope_of(&def, s).unwrap_or_default();
                let kind = if st["End"] == json!(true) { EdgeKind::End } else { EdgeKind::Next };
                match st["Next"].as_str() {
                    Some(n) => insert.emit((EdgeRef { scope, from: Some(s.clone()), to: Some(n.to_string()), kind }, item)),
                    None if st["End"] == json!(true) => insert.emit((EdgeRef { scope, from: Some(s.clone()), to: None, kind }, item)),
                    None => on_error.emit(format!("{s} has no single next state: select one of its arrows to insert there.")),
                }
            }
            None => on_error.emit("Select an arrow on the graph (or a state) first, or drag the item onto an arrow.".into()),
        })
    };
    let on_delete = {
        let (def, set_def, selected, on_error) = (def.clone(), set_def.clone(), selected.clone(), on_error.clone());
        Callback::from(move |name: String| {
            let mut d = (*def).clone();
            match wf_model::delete(&mut d, &name) {
                Ok(()) => {
                    set_def.emit(d);
                    selected.set(None);
                }
                Err(e) => on_error.emit(e),
            }
        })
    };
    let on_rename = {
        let (def, set_def, selected, on_error) = (def.clone(), set_def.clone(), selected.clone(), on_error.clone());
        Callback::from(move |new: String| {
            let Some(Selection::State(old)) = &*selected else { return };
            let mut d = (*def).clone();
            match wf_model::rename(&mut d, old, &new) {
                Ok(()) => {
                    set_def.emit(d);
                    selected.set(Some(Selection::State(new.trim().to_string())));
                }
                Err(e) => on_error.emit(e),
            }
        })
    };
    let onkeydown = {
        let (selected, on_delete) = (selected.clone(), on_delete.clone());
        Callback::from(move |e: KeyboardEvent| {
            let in_field = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if e.key() == "Delete" && !in_field {
                if let Some(Selection::State(s)) = &*selected {
                    on_delete.emit(s.clone());
                }
            }
        })
    };

    let m = &p.machine;
    let dirty = m.arn.is_some() && *text != m.saved;
    let save = {
        let (ctx, text, m, busy, on_saved) = (ctx.clone(), text.clone(), m.clone(), busy.clone(), p.on_saved.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, t, m, busy, on_saved) = (ctx.clone(), (*text).clone(), m.clone(), busy.clone(), on_saved.clone());
            let Some(arn) = m.arn.clone() else { return };
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match client::update_state_machine(&ctx.bridge, &arn, &t).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Saved", &format!("{} updated.", m.name)));
                        on_saved.emit(Open { saved: t, ..m });
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    let delete = {
        let (ctx, m, on_closed) = (ctx.clone(), m.clone(), p.on_closed.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, m, on_closed) = (ctx.clone(), m.clone(), on_closed.clone());
            let Some(arn) = m.arn.clone() else {
                on_closed.emit(());
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                match client::delete_state_machine(&ctx.bridge, &arn).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Deleted", &format!("{} deleted.", m.name)));
                        on_closed.emit(());
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    let on_select = {
        let selected = selected.clone();
        Callback::from(move |s: Option<Selection>| selected.set(s))
    };
    let graph = |label: &str, editable: bool| {
        html! {
            <WfGraph definition={(*def).clone()} problems={problems.clone()} selected={(*selected).clone()} on_select={on_select.clone()}
                on_drop_edge={editable.then(|| insert.clone())} on_drop_scope={editable.then(|| add_to_scope.clone())} dragging={dragging.clone()} label={label.to_string()} />
        }
    };
    let palette = {
        let groups = ["Flow", "Actions"];
        html! {
            <aside class="wf-palette" aria-label="States palette">
                { for groups.iter().map(|g| html! {
                    <>
                        <h3>{ *g }</h3>
                        { for PALETTE.iter().filter(|i| i.group == *g).map(|i| {
                            let id = i.id.to_string();
                            let ondragstart = {
                                let (dragging, id) = (dragging.clone(), id.clone());
                                Callback::from(move |e: DragEvent| {
                                    *dragging.borrow_mut() = Some(id.clone());
                                    // Firefox starts a drag only with data set.
                                    if let Ok(dt) = js_sys::Reflect::get(&e, &"dataTransfer".into()) {
                                        if let Ok(f) = js_sys::Reflect::get(&dt, &"setData".into()) {
                                            let _ = js_sys::Function::from(f).call2(&dt, &"text/plain".into(), &id.clone().into());
                                        }
                                    }
                                })
                            };
                            let onclick = { let (cb, id) = (palette_click.clone(), id.clone()); Callback::from(move |_: MouseEvent| cb.emit(id.clone())) };
                            html! { <button class={classes!("palette-item", format!("pi-{}", i.id.split('-').next().unwrap_or("")))} draggable="true" {ondragstart} {onclick}
                                title="Drag onto an arrow, or select an arrow and click">{ i.label }</button> }
                        }) }
                    </>
                }) }
            </aside>
        }
    };
    let problems_list = html! {
        <div class="wf-problems" aria-label="Problems">
            if let Some((msg, line)) = &parse_error {
                <p class="problem error" role="alert">{ format!("JSON, line {line}: {msg}. The graph shows the last definition that parsed.") }</p>
            } else if diagnostics.is_empty() {
                <p class="problem ok">{ "No problems: the definition is valid." }</p>
            } else {
                <ul>
                    { for diagnostics.iter().map(|d| {
                        let state = wf_model::state_of_location(&d.location);
                        let onclick = { let (selected, state) = (selected.clone(), state.clone()); Callback::from(move |_: MouseEvent| if let Some(s) = &state { selected.set(Some(Selection::State(s.clone()))) }) };
                        html! {
                            <li class={classes!("problem", if d.severity == Severity::Error { "error" } else { "warning" })} {onclick}>
                                <span class="sev">{ d.severity.as_str() }</span><code>{ d.code }</code>{ " " }{ &d.message }
                                if !d.location.is_empty() { <span class="loc">{ format!(" at {}", d.location) }</span> }
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    };
    let marks: Vec<(u32, String)> = match &parse_error {
        Some((m, l)) => vec![(*l, m.clone())],
        None => diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .filter_map(|d| wf_model::state_of_location(&d.location).and_then(|s| line_of_state(&text, &s)).map(|l| (l, format!("{}: {}", d.code, d.message))))
            .collect(),
    };
    let inspector = match &*selected {
        Some(Selection::State(s)) if wf_model::state(&def, s).is_some() => html! {
            <Inspector definition={(*def).clone()} name={s.clone()} on_change={set_def.clone()} on_error={on_error.clone()} on_renamed={on_rename.clone()} on_delete={on_delete.clone()} />
        },
        Some(Selection::Edge(e)) => html! {
            <div class="wf-edge-info">
                <p><strong>{ format!("{} → {}", e.from.as_deref().unwrap_or("Start"), e.to.as_deref().unwrap_or("End")) }</strong></p>
                <p class="muted">{ if wf_model::can_insert(e) { "Click a palette item to insert that state on this transition." } else { "A Succeed or Fail state ends the workflow: nothing can follow it." } }</p>
            </div>
        },
        _ => html! { <p class="muted">{ "Select a state to edit its fields, or an arrow to insert a state there." }</p> },
    };
    let set_tab = |t: Tab| {
        let tab = tab.clone();
        Callback::from(move |_: MouseEvent| tab.set(t))
    };
    html! {
        <div class="wf-editor card" {onkeydown}>
            <div class="detail-head wf-head">
                <h2>{ &m.name }</h2>
                <span class="badge">{ &m.kind }</span>
                if m.arn.is_none() { <span class="badge creating">{ "Draft (not saved)" }</span> }
                if dirty { <span class="badge creating">{ "Unsaved changes" }</span> }
                if errors > 0 { <span class="badge deleting">{ format!("{errors} error{}", if errors == 1 { "" } else { "s" }) }</span> }
                <div class="spacer" />
                if m.arn.is_some() {
                    <button class="btn primary" onclick={save} disabled={!dirty || *busy || parse_error.is_some()}>{ "Save" }</button>
                }
                <button class="btn danger" onclick={delete}>{ if m.arn.is_some() { "Delete" } else { "Discard draft" } }</button>
            </div>
            <div class="tabs" role="tablist">
                <button role="tab" class={classes!("tab", (*tab == Tab::Design).then_some("active"))} aria-selected={(*tab == Tab::Design).to_string()} onclick={set_tab(Tab::Design)}>{ "Design" }</button>
                <button role="tab" class={classes!("tab", (*tab == Tab::Code).then_some("active"))} aria-selected={(*tab == Tab::Code).to_string()} onclick={set_tab(Tab::Code)}>{ "Code" }</button>
                <button role="tab" class={classes!("tab", (*tab == Tab::Run).then_some("active"))} aria-selected={(*tab == Tab::Run).to_string()} onclick={set_tab(Tab::Run)}>{ "Executions" }</button>
            </div>
            { match *tab {
                Tab::Design => html! {
                    <div class="wf-design">
                        { palette }
                        <div class="wf-canvas">{ graph("Workflow graph", true) }</div>
                        <aside class="wf-inspector" aria-label="Inspector">{ inspector }</aside>
                    </div>
                },
                Tab::Code => html! {
                    <div class="wf-code">
                        <div class="wf-code-text"><CodeEditor value={(*text).clone()} on_change={on_code.clone()} marks={marks} label="ASL definition" /></div>
                        <div class="wf-canvas">{ graph("Workflow graph", false) }</div>
                    </div>
                },
                Tab::Run => match &m.arn {
                    Some(arn) => html! { <Executions arn={arn.clone()} definition={(*def).clone()} template={m.template.clone()} dirty={dirty} /> },
                    None => html! { <div class="empty-state small"><p>{ "A draft does not run: executions start from a saved state machine (StartExecution)." }</p></div> },
                },
            } }
            if *tab != Tab::Run { { problems_list } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ExecProps {
    arn: String,
    definition: Value,
    template: String,
    dirty: bool,
}

/// The typed state named `name` anywhere in a parsed definition.
fn find_state<'a>(m: &'a Machine, name: &str) -> Option<&'a gureum_engine::services::stepfunctions::asl::definition::State> {
    for s in &m.states {
        if s.name == name {
            return Some(s);
        }
        let found = match &s.kind {
            Kind::Parallel(p) => p.branches.iter().find_map(|b| find_state(b, name)),
            Kind::Map(mp) => find_state(&mp.processor, name),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The input and output of a visit after each processing step: what the history says, and the
/// steps between recomputed with the engine's ASL core.
fn steps(def: &Value, visit: &client::Visit, context: &Value) -> Vec<(&'static str, Option<Value>)> {
    let mut out: Vec<(&'static str, Option<Value>)> = vec![("State input", visit.input.clone())];
    let parsed = Definition::from_value(def).ok();
    let st = parsed.as_ref().and_then(|d| find_state(&d.machine, &visit.state));
    let mut rnd = || 0u64;
    // InputPath alone first: Parameters may read what the page does not have (`$$.Task.Token`).
    let after_input = match (st, &visit.input) {
        (Some(s), Some(input)) => DataFlow { input_path: s.data.input_path.clone(), ..DataFlow::default() }.prepare(input, context, &mut rnd).ok().map(|p| p.after_input_path),
        _ => None,
    };
    let effective = match (st, &visit.input) {
        (Some(s), Some(input)) => s.data.prepare(input, context, &mut rnd).ok().map(|p| p.effective_input),
        _ => None,
    };
    out.push(("After InputPath", after_input));
    out.push(("After Parameters (effective input)", visit.parameters.clone().or(effective.clone())));
    let result = visit.result.clone().or_else(|| match st.map(|s| &s.kind) {
        Some(Kind::Pass(p)) => p.result.clone().or(effective.clone()),
        _ => None,
    });
    out.push(("Result", result.clone()));
    let finished = match (st, &visit.input, &result) {
        (Some(s), Some(input), Some(r)) => s.data.finish(input, r.clone(), context, &mut rnd).ok(),
        _ => None,
    };
    out.push(("After ResultSelector", finished.as_ref().map(|f| f.after_result_selector.clone())));
    out.push(("After ResultPath", finished.as_ref().map(|f| f.after_result_path.clone())));
    out.push(("State output (after OutputPath)", visit.output.clone().or(finished.map(|f| f.output))));
    out
}

#[function_component(Executions)]
fn executions(p: &ExecProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let input = use_state(|| pretty(&wf_templates::sample_input(&p.template)));
    let list = use_state(Vec::<Value>::new);
    let current = use_state(|| None::<String>);
    let detail = use_state(|| None::<(Value, Vec<Value>)>);
    let picked = use_state(|| None::<String>);
    {
        let (ctx2, list, arn, current) = (ctx.clone(), list.clone(), p.arn.clone(), current.clone());
        use_effect_with((ctx.version, p.arn.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(l) = client::list_executions(&ctx2.bridge, &arn).await {
                    if current.is_none() {
                        if let Some(first) = l.first().and_then(|e| e["executionArn"].as_str()) {
                            current.set(Some(first.to_string()));
                        }
                    }
                    list.set(l);
                }
            });
            || ()
        });
    }
    {
        let (ctx2, detail) = (ctx.clone(), detail.clone());
        use_effect_with((ctx.version, (*current).clone()), move |(_, cur)| {
            if let Some(arn) = cur.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match (client::describe_execution(&ctx2.bridge, &arn).await, client::history(&ctx2.bridge, &arn).await) {
                        (Ok(d), Ok(h)) => detail.set(Some((d, h))),
                        (Err(e), _) | (_, Err(e)) => ctx2.error(&e),
                    }
                });
            }
            || ()
        });
    }
    let start = {
        let (ctx, input, arn, current, picked) = (ctx.clone(), input.clone(), p.arn.clone(), current.clone(), picked.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, text, arn, current, picked) = (ctx.clone(), (*input).clone(), arn.clone(), current.clone(), picked.clone());
            if let Err(e) = serde_json::from_str::<Value>(&text) {
                ctx.notify.emit(Notice::error("InvalidExecutionInput", &format!("The input is not JSON: {e}")));
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                match client::start_execution(&ctx.bridge, &arn, &text).await {
                    Ok(v) => {
                        picked.set(None);
                        current.set(v["executionArn"].as_str().map(str::to_string));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let reading: Reading = detail.as_ref().map(|(_, h)| client::read_history(h)).unwrap_or_default();
    let context = detail.as_ref().map(|(d, _)| {
        json!({"Execution": {"Id": d["executionArn"], "Name": d["name"], "Input": d["input"].as_str().and_then(|s| serde_json::from_str::<Value>(s).ok()), "StartTime": d["startDate"]},
               "StateMachine": {"Id": d["stateMachineArn"]}})
    });
    let on_select = {
        let picked = picked.clone();
        Callback::from(move |s: Option<Selection>| {
            picked.set(match s {
                Some(Selection::State(n)) => Some(n),
                _ => None,
            })
        })
    };
    let waiting: Vec<&client::Visit> = reading.visits.iter().filter(|v| v.status == Status::Waiting).collect();
    html! {
        <div class="wf-run">
            <div class="wf-start card">
                <label for="wf-exec-input"><strong>{ "Input" }</strong>{ " (JSON)" }</label>
                <textarea id="wf-exec-input" rows="4" spellcheck="false" value={(*input).clone()} oninput={let i = input.clone(); Callback::from(move |e: InputEvent| i.set(input_value(&e)))} />
                <div class="actions">
                    <button class="btn primary" onclick={start}>{ "Start execution" }</button>
                    if p.dirty { <span class="hint">{ "Unsaved changes: executions run the saved definition." }</span> }
                </div>
            </div>
            if !list.is_empty() {
                <div class="wf-exec-list">
                    <label for="wf-exec-pick">{ "Execution" }</label>
                    <select id="wf-exec-pick" onchange={let c = current.clone(); Callback::from(move |e: Event| c.set(Some(select_value(&e))))}>
                        { for list.iter().map(|e| {
                            let arn = e["executionArn"].as_str().unwrap_or("").to_string();
                            html! { <option value={arn.clone()} selected={current.as_deref() == Some(arn.as_str())}>{ format!("{} · {} · {}", e["name"].as_str().unwrap_or(""), e["status"].as_str().unwrap_or(""), client::when(&e["startDate"])) }</option> }
                        }) }
                    </select>
                </div>
            }
            if let Some((d, events)) = &*detail {
                <div class="wf-exec-status">
                    <span class={classes!("badge", match d["status"].as_str() { Some("SUCCEEDED") => "ok", Some("RUNNING") => "creating", _ => "deleting" })}>{ d["status"].as_str().unwrap_or("") }</span>
                    if let Some(err) = d["error"].as_str() { <span class="error-text">{ format!("{err}: {}", d["cause"].as_str().unwrap_or("")) }</span> }
                    if let Some(out) = d["output"].as_str() { <code class="exec-output">{ out }</code> }
                </div>
                { for waiting.iter().map(|v| {
                    let st = wf_model::state(&p.definition, &v.state).cloned().unwrap_or(Value::Null);
                    html! { <ApprovalCard key={v.entered} state={v.state.clone()} token={client::task_token(v, &st)} parameters={v.parameters.clone()} /> }
                }) }
                <div class="wf-legend">
                    { for [Status::Running, Status::Succeeded, Status::Failed, Status::Caught, Status::Retrying, Status::Waiting].iter().map(|s| html! { <span class={classes!("legend", s.class())}>{ s.label() }</span> }) }
                </div>
                <div class="wf-run-main">
                    <div class="wf-canvas">
                        <WfGraph definition={p.definition.clone()} problems={HashMap::new()} status={reading.status.clone()} selected={picked.as_ref().map(|n| Selection::State(n.clone()))} {on_select} label="Execution graph" />
                    </div>
                    <aside class="wf-io" aria-label="State input and output">
                        { match &*picked {
                            None => html! { <p class="muted">{ "Click a state to see its input and output after each processing step." }</p> },
                            Some(name) => {
                                let visits: Vec<&client::Visit> = reading.visits.iter().filter(|v| &v.state == name).collect();
                                html! {
                                    <>
                                        <h3>{ name }</h3>
                                        if visits.is_empty() { <p class="muted">{ "This state has not run in this execution." }</p> }
                                        { for visits.iter().enumerate().map(|(i, v)| {
                                            let mut c = context.clone().unwrap_or(Value::Null);
                                            c["State"] = json!({"Name": v.state});
                                            html! {
                                                <div class="visit">
                                                    if visits.len() > 1 { <h4>{ format!("Visit {}", i + 1) }</h4> }
                                                    <p><span class={classes!("legend", v.status.class())}>{ v.status.label() }</span>
                                                        if v.retries > 0 { { format!(" · {} retr{}", v.retries, if v.retries == 1 { "y" } else { "ies" }) } }</p>
                                                    if let Some((e, c)) = &v.error { <p class="error-text">{ format!("{e}: {c}") }</p> }
                                                    <dl class="io-steps">
                                                        { for steps(&p.definition, v, &c).into_iter().map(|(k, val)| html! {
                                                            <>
                                                                <dt>{ k }</dt>
                                                                <dd>{ match val { Some(v) => html! { <pre>{ pretty(&v) }</pre> }, None => html! { <span class="muted">{ "—" }</span> } } }</dd>
                                                            </>
                                                        }) }
                                                    </dl>
                                                </div>
                                            }
                                        }) }
                                    </>
                                }
                            }
                        } }
                    </aside>
                </div>
                <h3 class="section">{ "Event history" }</h3>
                <table class="grid wf-history" aria-label="Event history">
                    <thead><tr><th class="num">{ "ID" }</th><th>{ "Type" }</th><th>{ "Step" }</th><th>{ "Time" }</th><th>{ "Details" }</th></tr></thead>
                    <tbody>
                        { for events.iter().map(|e| {
                            let kind = e["type"].as_str().unwrap_or("").to_string();
                            let det = e.as_object().and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")).map(|(_, v)| v.clone())).unwrap_or(Value::Null);
                            // (Execution events belong to no state.)
                            let step = det["name"].as_str().map(str::to_string).unwrap_or_else(|| {
                                if kind.starts_with("Execution") {
                                    return String::new();
                                }
                                reading.visits.iter().rev().find(|v| v.entered <= e["id"].as_i64().unwrap_or(0)).map(|v| v.state.clone()).unwrap_or_default()
                            });
                            let bad = kind.ends_with("Failed") || kind.ends_with("TimedOut") || kind.ends_with("Aborted");
                            html! {
                                <tr class={classes!(bad.then_some("bad"))}>
                                    <td class="num">{ e["id"].to_string() }</td>
                                    <td>{ &kind }</td>
                                    <td>{ step }</td>
                                    <td>{ client::when(&e["timestamp"]) }</td>
                                    <td><code class="event-detail">{ if det.is_null() { String::new() } else { det.to_string() } }</code></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            } else if list.is_empty() {
                <p class="muted">{ "No executions yet: start one with an input." }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ApprovalProps {
    state: String,
    token: Option<String>,
    parameters: Option<Value>,
}

#[function_component(ApprovalCard)]
fn approval_card(p: &ApprovalProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let output = use_state(|| json!({"approved": true}).to_string());
    let cause = use_state(|| "Rejected by a reviewer".to_string());
    let send = |approve: bool| {
        let (ctx, token, output, cause) = (ctx.clone(), p.token.clone(), output.clone(), cause.clone());
        Callback::from(move |_: MouseEvent| {
            let (ctx, out, cause) = (ctx.clone(), (*output).clone(), (*cause).clone());
            let Some(token) = token.clone() else { return };
            wasm_bindgen_futures::spawn_local(async move {
                let r = if approve { client::send_task_success(&ctx.bridge, &token, &out).await } else { client::send_task_failure(&ctx.bridge, &token, "Rejected", &cause).await };
                if let Err(e) = r {
                    ctx.error(&e);
                }
            });
        })
    };
    html! {
        <div class="card wf-approval" role="region" aria-label={format!("Approval for {}", p.state)}>
            <h3>{ format!("{} is waiting for a callback", p.state) }</h3>
            { match &p.token {
                Some(t) => html! {
                    <>
                        <p class="hint">{ "The task was handed a token ($$.Task.Token) and waits until someone calls SendTaskSuccess or SendTaskFailure with it." }</p>
                        <p class="token"><span class="muted">{ "Task token: " }</span><code>{ t }</code></p>
                        <label for={format!("wf-approve-out-{}", p.state)}>{ "Output (SendTaskSuccess)" }</label>
                        <textarea id={format!("wf-approve-out-{}", p.state)} rows="2" value={(*output).clone()} oninput={let o = output.clone(); Callback::from(move |e: InputEvent| o.set(input_value(&e)))} />
                        <label for={format!("wf-reject-cause-{}", p.state)}>{ "Cause (SendTaskFailure, error Rejected)" }</label>
                        <input id={format!("wf-reject-cause-{}", p.state)} type="text" value={(*cause).clone()} oninput={let c = cause.clone(); Callback::from(move |e: InputEvent| c.set(input_value(&e)))} />
                        <div class="actions">
                            <button class="btn primary" onclick={send(true)}>{ "Approve" }</button>
                            <button class="btn danger" onclick={send(false)}>{ "Reject" }</button>
                        </div>
                    </>
                },
                None => html! { <p class="muted">{ format!("No task token found in the parameters it was scheduled with: {}", p.parameters.as_ref().map(|v| v.to_string()).unwrap_or_default()) }</p> },
            } }
        </div>
    }
}
