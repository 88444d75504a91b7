//! The Code & test tab: the function's files in the code editor, Deploy (UpdateFunctionCode),
//! saved test events (the sandbox's `lambda:*TestEvent` operations), Invoke with the log tail,
//! and the result: status, the REPORT line's figures, the payload, the logs, and the lines an
//! error points at, marked in the editor's gutter.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    notify::Notice,
    panels::{
        code_editor::{error_marks, CodeEditor, Mark},
        fn_util::{self, parse_report, pretty, unb64, valid_event_name, Report},
        functions::{input_value, select_value},
    },
};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub name: String,
    /// The function's `$LATEST` configuration (GetFunction's `Configuration`).
    pub config: Value,
}

#[derive(Clone, PartialEq)]
struct Outcome {
    status: u64,
    asynchronous: bool,
    function_error: Option<String>,
    version: String,
    payload: String,
    error: Option<Value>,
    log: String,
    report: Option<Report>,
}

/// The files of the package: text files are edited; others ride along unchanged.
#[derive(Clone, PartialEq, Default)]
struct Package {
    text: Vec<(String, String)>,
    binary: Vec<(String, Vec<u8>)>,
}

impl Package {
    fn zip_b64(&self) -> String {
        let mut map: std::collections::BTreeMap<String, Vec<u8>> = self.binary.iter().cloned().collect();
        map.extend(self.text.iter().map(|(p, t)| (p.clone(), t.as_bytes().to_vec())));
        fn_util::b64(&gureum_engine::services::lambda::code::zip(&map))
    }
    fn names(&self) -> Vec<String> {
        self.text.iter().map(|(p, _)| p.clone()).collect()
    }
}

fn valid_path(path: &str, existing: &[String]) -> Result<(), String> {
    if path.is_empty() || path.len() > 200 {
        return Err("A file name needs 1 to 200 characters.".into());
    }
    if path.starts_with('/') || path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err("Use a relative path like lib/util.mjs (no leading /, no . or .. parts).".into());
    }
    if existing.iter().any(|e| e == path) {
        return Err(format!("{path} already exists."));
    }
    Ok(())
}

#[function_component(CodeTab)]
pub fn code_tab(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let package = use_state(Package::default);
    let loaded = use_state(|| false);
    let current = use_state(|| 0usize);
    let dirty = use_state(|| false);
    let dirty_now = use_mut_ref(|| false);
    let marks = use_state(Vec::<Mark>::new);
    let events = use_state(|| None::<Vec<(String, Value)>>);
    let events_rev = use_state(|| 0u32);
    let event_name = use_state(String::new);
    let event_text = use_state(|| "{}".to_string());
    let event_problem = use_state(|| None::<String>);
    let invoke_type = use_state(|| "RequestResponse".to_string());
    let outcome = use_state(|| None::<Outcome>);
    let invoke_error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let handler = p.config["Handler"].as_str().unwrap_or("index.handler").to_string();
    let sha = p.config["CodeSha256"].as_str().unwrap_or_default().to_string();
    let pending = p.config["State"] == "Pending";
    // Lambda refuses another change while one is being applied (a second of simulated time).
    let updating = p.config["LastUpdateStatus"] == "InProgress";

    // The deployed code, unless the editor holds changes not deployed yet.
    {
        let (ctx2, name, package, loaded, dirty_now) = (ctx.clone(), p.name.clone(), package.clone(), loaded.clone(), dirty_now.clone());
        use_effect_with(sha.clone(), move |_| {
            if !*dirty_now.borrow() {
                wasm_bindgen_futures::spawn_local(async move {
                    match ctx2.bridge.sim("lambda:GetFunctionCode", json!({"region": ctx2.region, "FunctionName": name})).await {
                        Ok(v) => {
                            let mut pkg = Package::default();
                            for (path, f) in v["Files"].as_object().cloned().unwrap_or_default() {
                                match f.get("Text").and_then(Value::as_str) {
                                    Some(t) => pkg.text.push((path, t.to_string())),
                                    None => pkg.binary.push((path, unb64(f["Base64"].as_str().unwrap_or_default()))),
                                }
                            }
                            package.set(pkg);
                            loaded.set(true);
                        }
                        Err(e) => ctx2.error(&e),
                    }
                });
            }
            || ()
        });
    }
    // Saved test events.
    {
        let (ctx2, name, events, event_name, event_text) = (ctx.clone(), p.name.clone(), events.clone(), event_name.clone(), event_text.clone());
        let first = events.is_none();
        use_effect_with(*events_rev, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.sim("lambda:ListTestEvents", json!({"region": ctx2.region, "FunctionName": name})).await {
                    Ok(v) => {
                        let list: Vec<(String, Value)> = v["TestEvents"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                            .iter()
                            .map(|e| (e["Name"].as_str().unwrap_or_default().to_string(), e["Event"].clone()))
                            .collect();
                        if first {
                            if let Some((n, ev)) = list.first() {
                                event_name.set(n.clone());
                                event_text.set(serde_json::to_string_pretty(ev).unwrap_or_default());
                            }
                        }
                        events.set(Some(list));
                    }
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }

    let names = package.names();
    let cur = (*current).min(names.len().saturating_sub(1));
    let cur_name = names.get(cur).cloned().unwrap_or_default();
    let cur_text = package.text.get(cur).map(|(_, t)| t.clone()).unwrap_or_default();
    let cur_marks: Vec<(u32, String)> = marks.iter().filter(|m| m.file == cur_name).map(|m| (m.line, m.message.clone())).collect();

    let set_dirty = {
        let (dirty, dirty_now) = (dirty.clone(), dirty_now.clone());
        move |d: bool| {
            *dirty_now.borrow_mut() = d;
            dirty.set(d);
        }
    };
    let on_edit = {
        let (package, set_dirty) = (package.clone(), set_dirty.clone());
        Callback::from(move |text: String| {
            let mut pkg = (*package).clone();
            if let Some(f) = pkg.text.get_mut(cur) {
                if f.1 != text {
                    f.1 = text;
                    package.set(pkg);
                    set_dirty(true);
                }
            }
        })
    };
    let deploy = {
        let (ctx, name, package, busy, marks, set_dirty) = (ctx.clone(), p.name.clone(), package.clone(), busy.clone(), marks.clone(), set_dirty.clone());
        Callback::from(move |_| {
            let (ctx, name, zip, busy, marks, set_dirty) = (ctx.clone(), name.clone(), package.zip_b64(), busy.clone(), marks.clone(), set_dirty.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "UpdateFunctionCode", json!({"FunctionName": name, "ZipFile": zip})).await {
                    Ok(v) => {
                        set_dirty(false);
                        marks.set(Vec::new());
                        ctx.notify.emit(Notice::info(
                            "Deployed",
                            &format!("{name}'s code was updated ({} bytes). Warm environments of $LATEST were retired: the next invocation is a cold start.", v["CodeSize"]),
                        ));
                    }
                    Err(e) => ctx.error(&e),
                }
                busy.set(false);
            });
        })
    };
    let add_file = {
        let (package, current, set_dirty, ctx) = (package.clone(), current.clone(), set_dirty.clone(), ctx.clone());
        Callback::from(move |_| {
            let Some(path) = web_sys::window().and_then(|w| w.prompt_with_message_and_default("New file (a path inside the package):", "lib/util.mjs").ok().flatten()) else {
                return;
            };
            let path = path.trim().to_string();
            let mut pkg = (*package).clone();
            if let Err(m) = valid_path(&path, &pkg.names()) {
                ctx.notify.emit(Notice::error("File not added", &m));
                return;
            }
            pkg.text.push((path, String::new()));
            current.set(pkg.text.len() - 1);
            package.set(pkg);
            set_dirty(true);
        })
    };
    let remove_file = {
        let (package, current, set_dirty, cur_name) = (package.clone(), current.clone(), set_dirty.clone(), cur_name.clone());
        Callback::from(move |_| {
            let ok =
                web_sys::window().and_then(|w| w.confirm_with_message(&format!("Remove {cur_name} from the package? (Nothing changes until you deploy.)")).ok()).unwrap_or(false);
            if !ok {
                return;
            }
            let mut pkg = (*package).clone();
            if cur < pkg.text.len() {
                pkg.text.remove(cur);
            }
            current.set(0);
            package.set(pkg);
            set_dirty(true);
        })
    };

    let choose_event = {
        let (events, event_name, event_text, event_problem) = (events.clone(), event_name.clone(), event_text.clone(), event_problem.clone());
        Callback::from(move |e: Event| {
            let n = select_value(&e);
            event_problem.set(None);
            if n.is_empty() {
                event_name.set(String::new());
                event_text.set("{}".into());
                return;
            }
            if let Some((_, ev)) = events.as_ref().and_then(|l| l.iter().find(|(k, _)| *k == n)) {
                event_text.set(serde_json::to_string_pretty(ev).unwrap_or_default());
            }
            event_name.set(n);
        })
    };
    let save_event = {
        let (ctx, name, event_name, event_text, event_problem, events_rev) =
            (ctx.clone(), p.name.clone(), event_name.clone(), event_text.clone(), event_problem.clone(), events_rev.clone());
        Callback::from(move |_| {
            let n = event_name.trim().to_string();
            if !valid_event_name(&n) {
                event_problem.set(Some("Name the event first: up to 25 letters, digits, dots, dashes or underscores.".into()));
                return;
            }
            let ev: Value = match serde_json::from_str(&event_text) {
                Ok(v) => v,
                Err(e) => {
                    event_problem.set(Some(format!("The event is not valid JSON: {e}")));
                    return;
                }
            };
            let (ctx, name, event_problem, events_rev) = (ctx.clone(), name.clone(), event_problem.clone(), events_rev.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("lambda:PutTestEvent", json!({"region": ctx.region, "FunctionName": name, "Name": n, "Event": ev})).await {
                    Ok(_) => {
                        event_problem.set(None);
                        ctx.notify.emit(Notice::info("Test event saved", &format!("{n} is saved with the function, in this sandbox.")));
                        events_rev.set(*events_rev + 1);
                    }
                    Err(e) => event_problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let delete_event = {
        let (ctx, name, event_name, event_text, events_rev) = (ctx.clone(), p.name.clone(), event_name.clone(), event_text.clone(), events_rev.clone());
        Callback::from(move |_| {
            let n = (*event_name).clone();
            let (ctx, name, event_name, event_text, events_rev) = (ctx.clone(), name.clone(), event_name.clone(), event_text.clone(), events_rev.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("lambda:DeleteTestEvent", json!({"region": ctx.region, "FunctionName": name, "Name": n})).await {
                    Ok(_) => {
                        event_name.set(String::new());
                        event_text.set("{}".into());
                        events_rev.set(*events_rev + 1);
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let invoke = {
        let (ctx, name, event_text, event_problem, outcome, invoke_error, marks, busy, invoke_type) =
            (ctx.clone(), p.name.clone(), event_text.clone(), event_problem.clone(), outcome.clone(), invoke_error.clone(), marks.clone(), busy.clone(), invoke_type.clone());
        let (names, handler, current) = (names.clone(), handler.clone(), current.clone());
        Callback::from(move |_| {
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&event_text) {
                event_problem.set(Some(format!("The event is not valid JSON: {e}")));
                return;
            }
            event_problem.set(None);
            let req = json!({"FunctionName": name, "Payload": fn_util::b64(event_text.as_bytes()), "LogType": "Tail", "InvocationType": *invoke_type});
            let asynchronous = *invoke_type == "Event";
            let (ctx, outcome, invoke_error, marks, busy, names, handler, current) =
                (ctx.clone(), outcome.clone(), invoke_error.clone(), marks.clone(), busy.clone(), names.clone(), handler.clone(), current.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "Invoke", req).await {
                    Ok(v) => {
                        let payload = String::from_utf8_lossy(&unb64(v["Payload"].as_str().unwrap_or_default())).to_string();
                        let log = String::from_utf8_lossy(&unb64(v["LogResult"].as_str().unwrap_or_default())).to_string();
                        let function_error = v["FunctionError"].as_str().map(str::to_string);
                        let error = function_error.as_ref().and_then(|_| serde_json::from_str::<Value>(&payload).ok());
                        let found = error.as_ref().map(|e| error_marks(e, &names, &handler)).unwrap_or_default();
                        if let Some(first) = found.first() {
                            if let Some(i) = names.iter().position(|n| *n == first.file) {
                                current.set(i);
                            }
                        }
                        marks.set(found);
                        invoke_error.set(None);
                        outcome.set(Some(Outcome {
                            status: v["StatusCode"].as_u64().unwrap_or(0),
                            asynchronous,
                            function_error,
                            version: v["ExecutedVersion"].as_str().unwrap_or("$LATEST").to_string(),
                            report: parse_report(&log),
                            payload,
                            error,
                            log,
                        }));
                    }
                    Err(e) => {
                        outcome.set(None);
                        invoke_error.set(Some(format!("{}: {}", e.kind, e.message)));
                    }
                }
                busy.set(false);
            });
        })
    };

    let event_list = events.as_ref().cloned().unwrap_or_default();
    let is_saved = event_list.iter().any(|(n, _)| *n == *event_name);
    html! {
        <div class="code-tab">
            <div class="code-side">
                <div class="file-bar" role="tablist" aria-label="Files">
                    { for names.iter().enumerate().map(|(i, n)| {
                        let c = current.clone();
                        let has_err = marks.iter().any(|m| m.file == *n);
                        html! { <button role="tab" aria-selected={(i == cur).to_string()} class={classes!("file-tab", (i == cur).then_some("on"), has_err.then_some("err"))} onclick={Callback::from(move |_| c.set(i))}>{ n }</button> }
                    }) }
                    <button class="btn small" onclick={add_file} title="Add a file to the package">{ "+ File" }</button>
                    if names.len() > 1 {
                        <button class="btn small" onclick={remove_file} title={format!("Remove {cur_name}")}>{ "Remove file" }</button>
                    }
                    <div class="spacer" />
                    if *dirty { <span class="badge creating" title="The editor holds changes Lambda does not run yet">{ "Not deployed" }</span> }
                    <button class="btn primary" disabled={*busy || !*loaded || updating || pending} onclick={deploy} title={if updating { "Lambda is still applying the last change" } else { "Upload the files as the function's code" }}>{ if updating { "Updating…" } else { "Deploy" } }</button>
                </div>
                if *loaded {
                    <CodeEditor key={cur_name.clone()} label={format!("Code of {cur_name}")} value={cur_text} on_change={on_edit} marks={cur_marks.clone()} />
                } else {
                    <p class="muted">{ "Loading the code…" }</p>
                }
                { for cur_marks.iter().take(3).map(|(l, m)| html! { <p class="error-text line-error" role="alert">{ format!("Line {l}: {m}") }</p> }) }
                <p class="hint">{ "Handler " }<code>{ &handler }</code>{ ": Lambda loads that file and calls its exported function for each event (change it under Configuration). Tab indents; Esc then Tab leaves the editor. " }
                    { "Deploy sends the files as a zip (UpdateFunctionCode); invocations run the deployed code." }</p>
            </div>
            <div class="test-side card">
                <h3>{ "Test" }</h3>
                <div class="inline event-pick">
                    <select aria-label="Saved test event" onchange={choose_event}>
                        <option value="" selected={!is_saved}>{ "New event…" }</option>
                        { for event_list.iter().map(|(n, _)| html! { <option value={n.clone()} selected={*n == *event_name}>{ n }</option> }) }
                    </select>
                    <input aria-label="Test event name" placeholder="event name" value={(*event_name).clone()} oninput={let n = event_name.clone(); Callback::from(move |e: InputEvent| n.set(input_value(&e)))} />
                </div>
                <textarea class="event-json" aria-label="Test event JSON" spellcheck="false" rows="7" value={(*event_text).clone()} oninput={let t = event_text.clone(); Callback::from(move |e: InputEvent| t.set(input_value(&e)))} />
                if let Some(m) = &*event_problem { <p class="error-text" role="alert">{ m }</p> }
                <div class="actions">
                    <button class="btn" onclick={save_event}>{ "Save event" }</button>
                    if is_saved { <button class="btn danger" onclick={delete_event}>{ "Delete event" }</button> }
                </div>
                <div class="actions invoke-row">
                    <select aria-label="Invocation type" onchange={let t = invoke_type.clone(); Callback::from(move |e: Event| t.set(select_value(&e)))}>
                        <option value="RequestResponse" selected={*invoke_type == "RequestResponse"}>{ "Synchronous" }</option>
                        <option value="Event" selected={*invoke_type == "Event"}>{ "Asynchronous (Event)" }</option>
                    </select>
                    <button class="btn primary" disabled={*busy || pending} onclick={invoke}>{ if *busy { "Running…" } else { "Invoke" } }</button>
                </div>
                if *dirty { <p class="hint warn-text">{ "The editor has changes that are not deployed: Invoke runs the deployed code. Press Deploy first." }</p> }
                <p class="hint">{ "Saved events are kept with the function in this sandbox (up to 10 per function). Synchronous invocations wait for the result; asynchronous ones are queued, retried on error, and sent to their destinations (see Configuration)." }</p>
            </div>
            if let Some(m) = &*invoke_error {
                <div class="invoke-result failed" aria-label="Invoke result"><p class="error-text" role="alert">{ m }</p>
                    if m.starts_with("ResourceConflictException") { <p class="hint">{ "The function is not ready yet (Pending or being updated). Wait a second of simulated time and invoke again." }</p> }
                    if m.starts_with("TooManyRequestsException") { <p class="hint">{ "Throttled: every execution environment the function may use (its reserved concurrency) is busy." }</p> }
                </div>
            }
            if let Some(o) = &*outcome { { result_view(o, &marks, &current, &names) } }
        </div>
    }
}

fn stat(label: &str, value: String, help: &str) -> Html {
    html! { <div class="stat-box" title={help.to_string()}><span class="stat-label">{ label }</span><span class="stat-value">{ value }</span></div> }
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| if v.fract() == 0.0 { format!("{v:.0} ms") } else { format!("{v:.2} ms") }).unwrap_or_else(|| "—".into())
}

fn result_view(o: &Outcome, marks: &UseStateHandle<Vec<Mark>>, current: &UseStateHandle<usize>, names: &[String]) -> Html {
    if o.asynchronous {
        return html! {
            <div class="invoke-result ok" aria-label="Invoke result">
                <div class="result-head"><strong class="result-title">{ format!("Queued (status {})", o.status) }</strong></div>
                <p class="hint">{ "Lambda accepted the event and runs it in the background: the caller gets 202 at once. The outcome shows in the Logs and Monitoring tabs; failures are retried (twice by default) and can go to an on-failure destination." }</p>
            </div>
        };
    }
    let failed = o.function_error.is_some();
    let title = match (&o.error, failed) {
        (Some(e), true) => format!("Failed: {}", e["errorType"].as_str().unwrap_or("Error")),
        (None, true) => "Failed".to_string(),
        _ => "Succeeded".to_string(),
    };
    let r = o.report.clone().unwrap_or_default();
    let cold = r.init_ms.is_some();
    html! {
        <div class={classes!("invoke-result", if failed { "failed" } else { "ok" })} aria-label="Invoke result">
            <div class="result-head">
                <strong class="result-title">{ title }</strong>
                <span class="muted">{ format!("status {} · version {}", o.status, o.version) }</span>
                if failed { <span class="badge deleting">{ format!("FunctionError: {}", o.function_error.clone().unwrap_or_default()) }</span> }
                <span class={classes!("badge", if cold { "creating" } else { "active" })}>{ if cold { "Cold start" } else { "Warm start" } }</span>
            </div>
            <div class="stats-row">
                { stat("Duration", ms(r.duration_ms), "How long the handler ran.") }
                { stat("Billed duration", ms(r.billed_ms), "What you pay for: the duration (plus the init on a cold start), rounded up to the next millisecond.") }
                { stat("Memory size", r.memory_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "—".into()), "The memory you configured; CPU power grows with it.") }
                { stat("Max memory used", r.max_memory_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "—".into()), "The most memory this environment used so far.") }
                if cold { { stat("Init duration", ms(r.init_ms), "Loading the code and running everything outside the handler, once per new environment.") } }
            </div>
            <p class="hint">{ if cold {
                "Cold start: no idle environment was ready, so Lambda started one, loaded your code and ran its module scope (the Init Duration). For the next 10 minutes of simulated time that environment stays warm: later invocations skip the init and keep module-scope variables."
            } else {
                "Warm start: an idle environment from an earlier invocation was reused, so there was no init. Module-scope variables (clients, caches, counters) kept their values."
            } }</p>
            if !marks.is_empty() {
                <div class="error-lines">
                    <span>{ "The error points at " }</span>
                    { for marks.iter().map(|m| {
                        let (c, i) = (current.clone(), names.iter().position(|n| *n == m.file).unwrap_or(0));
                        html! { <button class="btn small err-link" onclick={Callback::from(move |_| c.set(i))}>{ format!("{} line {}", m.file, m.line) }</button> }
                    }) }
                </div>
            }
            <h4>{ if failed { "Error" } else { "Response" } }</h4>
            <pre class="code payload" aria-label="Response payload">{ pretty(&o.payload) }</pre>
            if let Some(e) = &o.error {
                if e["errorType"] == "Sandbox.Timedout" {
                    <p class="hint">{ "The handler did not finish within the function's timeout, so Lambda stopped it and discarded the environment. Raise the timeout under Configuration, or make the code finish sooner (a promise that never resolves keeps it waiting)." }</p>
                }
            }
            <h4>{ "Log output" }<span class="muted">{ " (the last 4 KB, as LogType: Tail returns it)" }</span></h4>
            <pre class="code log-tail" aria-label="Log output">{ &o.log }</pre>
        </div>
    }
}
