//! The Configuration tab (general settings and environment variables through
//! UpdateFunctionConfiguration, reserved concurrency, asynchronous invocation and destinations)
//! and the Versions & aliases tab (PublishVersion, ListVersionsByFunction, aliases).

use serde_json::{json, Map, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    notify::Notice,
    panels::{
        fn_util::short_time,
        functions::{input_value, select_value},
    },
};

#[derive(Properties, PartialEq)]
pub struct ConfigProps {
    pub name: String,
    /// GetFunction's answer (Configuration, Concurrency, ...).
    pub info: Value,
}

fn text_state(s: &UseStateHandle<String>) -> Callback<InputEvent> {
    let s = s.clone();
    Callback::from(move |e: InputEvent| s.set(input_value(&e)))
}

#[function_component(ConfigTab)]
pub fn config_tab(p: &ConfigProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let c = &p.info["Configuration"];
    let updating = c["LastUpdateStatus"] == "InProgress" || c["State"] == "Pending";
    let description = use_state(|| c["Description"].as_str().unwrap_or_default().to_string());
    let timeout = use_state(|| c["Timeout"].as_u64().unwrap_or(3).to_string());
    let memory = use_state(|| c["MemorySize"].as_u64().unwrap_or(128).to_string());
    let handler = use_state(|| c["Handler"].as_str().unwrap_or_default().to_string());
    let runtime = use_state(|| c["Runtime"].as_str().unwrap_or("nodejs22.x").to_string());
    let vars = use_state(|| {
        c["Environment"]["Variables"].as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect::<Vec<_>>()).unwrap_or_default()
    });
    let reserved = use_state(|| p.info["Concurrency"]["ReservedConcurrentExecutions"].as_u64().map(|n| n.to_string()).unwrap_or_default());
    let retries = use_state(|| "2".to_string());
    let max_age = use_state(|| "21600".to_string());
    let on_success = use_state(String::new);
    let on_failure = use_state(String::new);
    let has_async = use_state(|| false);
    let problem = use_state(|| None::<String>);

    {
        let (ctx2, name) = (ctx.clone(), p.name.clone());
        let (retries, max_age, on_success, on_failure, has_async) = (retries.clone(), max_age.clone(), on_success.clone(), on_failure.clone(), has_async.clone());
        use_effect_with(p.name.clone(), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("lambda", "GetFunctionEventInvokeConfig", json!({"FunctionName": name})).await {
                    Ok(v) => {
                        if let Some(n) = v["MaximumRetryAttempts"].as_u64() {
                            retries.set(n.to_string());
                        }
                        if let Some(n) = v["MaximumEventAgeInSeconds"].as_u64() {
                            max_age.set(n.to_string());
                        }
                        on_success.set(v["DestinationConfig"]["OnSuccess"]["Destination"].as_str().unwrap_or_default().to_string());
                        on_failure.set(v["DestinationConfig"]["OnFailure"]["Destination"].as_str().unwrap_or_default().to_string());
                        has_async.set(true);
                    }
                    Err(e) if e.kind == "ResourceNotFoundException" => has_async.set(false),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }

    let save_general = {
        let (ctx, name, problem) = (ctx.clone(), p.name.clone(), problem.clone());
        let (description, timeout, memory, handler, runtime, vars) = (description.clone(), timeout.clone(), memory.clone(), handler.clone(), runtime.clone(), vars.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Ok(t), Ok(m)) = (timeout.trim().parse::<u64>(), memory.trim().parse::<u64>()) else {
                problem.set(Some("Timeout and memory must be whole numbers.".into()));
                return;
            };
            let mut variables = Map::new();
            for (k, v) in vars.iter() {
                if k.trim().is_empty() {
                    continue;
                }
                variables.insert(k.trim().to_string(), json!(v));
            }
            let req = json!({
                "FunctionName": name, "Description": *description, "Timeout": t, "MemorySize": m,
                "Handler": handler.trim(), "Runtime": *runtime, "Environment": {"Variables": variables},
            });
            let (ctx, name, problem) = (ctx.clone(), name.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "UpdateFunctionConfiguration", req).await {
                    Ok(_) => {
                        problem.set(None);
                        ctx.notify.emit(Notice::info(
                            "Configuration saved",
                            &format!("{name} is being updated; warm environments were retired, so the next invocation is a cold start."),
                        ));
                    }
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
            });
        })
    };
    let save_concurrency = {
        let (ctx, name, reserved) = (ctx.clone(), p.name.clone(), reserved.clone());
        Callback::from(move |_| {
            let (ctx, name) = (ctx.clone(), name.clone());
            let value = reserved.trim().to_string();
            wasm_bindgen_futures::spawn_local(async move {
                let r = if value.is_empty() {
                    ctx.bridge.send("lambda", "DeleteFunctionConcurrency", json!({"FunctionName": name})).await
                } else {
                    match value.parse::<u64>() {
                        Ok(n) => ctx.bridge.send("lambda", "PutFunctionConcurrency", json!({"FunctionName": name, "ReservedConcurrentExecutions": n})).await,
                        Err(_) => {
                            ctx.notify.emit(Notice::error("Reserved concurrency", "Give a whole number, or leave it empty for no reservation."));
                            return;
                        }
                    }
                };
                match r {
                    Ok(_) => ctx.notify.emit(Notice::info(
                        "Concurrency saved",
                        if value.is_empty() {
                            "No reservation: the function shares the account's unreserved concurrency."
                        } else {
                            "The function may now run at most that many invocations at once."
                        },
                    )),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let save_async = {
        let (ctx, name, has_async) = (ctx.clone(), p.name.clone(), has_async.clone());
        let (retries, max_age, on_success, on_failure) = (retries.clone(), max_age.clone(), on_success.clone(), on_failure.clone());
        Callback::from(move |_| {
            let (Ok(r), Ok(a)) = (retries.trim().parse::<u64>(), max_age.trim().parse::<u64>()) else {
                ctx.notify.emit(Notice::error("Asynchronous invocation", "Retry attempts and maximum age must be whole numbers."));
                return;
            };
            let mut dest = json!({});
            if !on_success.trim().is_empty() {
                dest["OnSuccess"] = json!({"Destination": on_success.trim()});
            }
            if !on_failure.trim().is_empty() {
                dest["OnFailure"] = json!({"Destination": on_failure.trim()});
            }
            let req = json!({"FunctionName": name, "MaximumRetryAttempts": r, "MaximumEventAgeInSeconds": a, "DestinationConfig": dest});
            let (ctx, has_async) = (ctx.clone(), has_async.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "PutFunctionEventInvokeConfig", req).await {
                    Ok(_) => {
                        has_async.set(true);
                        ctx.notify.emit(Notice::info("Asynchronous invocation saved", "Events sent with InvocationType Event now follow these settings."));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let remove_async = {
        let (ctx, name, has_async) = (ctx.clone(), p.name.clone(), has_async.clone());
        Callback::from(move |_| {
            let (ctx, name, has_async) = (ctx.clone(), name.clone(), has_async.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "DeleteFunctionEventInvokeConfig", json!({"FunctionName": name})).await {
                    Ok(_) => {
                        has_async.set(false);
                        ctx.notify.emit(Notice::info("Asynchronous invocation", "Back to the defaults: 2 retries, events kept up to 6 hours, no destinations."));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    html! {
        <div class="config-tab">
            <form class="card" onsubmit={save_general} aria-label="General configuration">
                <h3>{ "General" }</h3>
                <div class="field-row">
                    <div class="field small"><label for="fc-timeout">{ "Timeout (seconds)" }</label>
                        <input id="fc-timeout" type="number" min="1" max="900" value={(*timeout).clone()} oninput={text_state(&timeout)} /></div>
                    <div class="field small"><label for="fc-memory">{ "Memory (MB)" }</label>
                        <input id="fc-memory" type="number" min="128" max="10240" step="1" value={(*memory).clone()} oninput={text_state(&memory)} /></div>
                    <div class="field medium"><label for="fc-handler">{ "Handler" }</label>
                        <input id="fc-handler" value={(*handler).clone()} oninput={text_state(&handler)} /></div>
                    <div class="field medium"><label for="fc-runtime">{ "Runtime" }</label>
                        <select id="fc-runtime" onchange={let r = runtime.clone(); Callback::from(move |e: Event| r.set(select_value(&e)))}>
                            { for ["nodejs22.x", "nodejs20.x", "nodejs18.x"].iter().map(|rt| html! { <option value={*rt} selected={*runtime == *rt}>{ *rt }</option> }) }
                        </select></div>
                </div>
                <p class="hint">{ "Timeout: the longest one invocation may run (1 s to 15 min); past it Lambda stops the code and reports Sandbox.Timedout. Memory: 128 MB to 10,240 MB; CPU power grows with it, and so does the price per millisecond. Handler: file.export, like index.handler." }</p>
                <div class="field"><label for="fc-desc">{ "Description" }</label>
                    <input id="fc-desc" value={(*description).clone()} oninput={text_state(&description)} /></div>
                <fieldset class="field env-vars">
                    <legend>{ "Environment variables" }</legend>
                    <p class="hint">{ "Settings your code reads from process.env, so the same code can run against different tables or stages. Lambda adds its own (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, …)." }</p>
                    { for vars.iter().enumerate().map(|(i, (k, v))| {
                        let edit = |key: bool| {
                            let vars = vars.clone();
                            Callback::from(move |e: InputEvent| {
                                let mut all = (*vars).clone();
                                if let Some(x) = all.get_mut(i) { if key { x.0 = input_value(&e) } else { x.1 = input_value(&e) } }
                                vars.set(all);
                            })
                        };
                        let remove = { let vars = vars.clone(); Callback::from(move |_| { let mut all = (*vars).clone(); all.remove(i); vars.set(all); }) };
                        html! {
                            <div class="inline env-row">
                                <input aria-label={format!("Variable {} name", i + 1)} placeholder="KEY" value={k.clone()} oninput={edit(true)} />
                                <input aria-label={format!("Variable {} value", i + 1)} placeholder="value" value={v.clone()} oninput={edit(false)} />
                                <button type="button" class="btn small" aria-label={format!("Remove variable {}", i + 1)} onclick={remove}>{ "✕" }</button>
                            </div>
                        }
                    }) }
                    <button type="button" class="btn small" onclick={let vars = vars.clone(); Callback::from(move |_| { let mut all = (*vars).clone(); all.push((String::new(), String::new())); vars.set(all); })}>{ "+ Add variable" }</button>
                </fieldset>
                if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
                <div class="actions"><button type="submit" class="btn primary" disabled={updating}>{ "Save configuration" }</button>
                    if updating { <span class="hint">{ "Lambda is applying the last change; saving again is possible in a second of simulated time." }</span> }</div>
            </form>
            <div class="card">
                <h3>{ "Reserved concurrency" }</h3>
                <p class="hint">{ "Each invocation in flight needs its own execution environment. Reserving concurrency guarantees this function that many and caps it there: more at once are throttled (TooManyRequestsException). 0 stops all invocations. Empty: no reservation, the function shares the account's pool of 1,000." }</p>
                <div class="inline narrow">
                    <input aria-label="Reserved concurrency" type="number" min="0" placeholder="no reservation" value={(*reserved).clone()} oninput={text_state(&reserved)} />
                    <button class="btn" onclick={save_concurrency}>{ "Save concurrency" }</button>
                </div>
            </div>
            <div class="card">
                <h3>{ "Asynchronous invocation" }</h3>
                <p class="hint">{ "For events sent with InvocationType Event (and by services like S3 and SNS): Lambda queues the event, retries a failed attempt (after 1 minute, then 2), drops events older than the maximum age, and can send a record of each outcome to a destination (an SQS queue, SNS topic, another function or an EventBridge bus, by ARN)." }</p>
                <div class="field-row">
                    <div class="field small"><label for="fa-retries">{ "Retry attempts" }</label>
                        <select id="fa-retries" onchange={let r = retries.clone(); Callback::from(move |e: Event| r.set(select_value(&e)))}>
                            { for ["0", "1", "2"].iter().map(|n| html! { <option value={*n} selected={*retries == *n}>{ *n }</option> }) }
                        </select></div>
                    <div class="field small"><label for="fa-age">{ "Maximum age (s)" }</label>
                        <input id="fa-age" type="number" min="60" max="21600" value={(*max_age).clone()} oninput={text_state(&max_age)} /></div>
                </div>
                <div class="field"><label for="fa-ok">{ "On-success destination ARN" }</label>
                    <input id="fa-ok" placeholder="arn:aws:sqs:us-east-1:123456789012:done" value={(*on_success).clone()} oninput={text_state(&on_success)} /></div>
                <div class="field"><label for="fa-fail">{ "On-failure destination ARN" }</label>
                    <input id="fa-fail" placeholder="arn:aws:sqs:us-east-1:123456789012:failed" value={(*on_failure).clone()} oninput={text_state(&on_failure)} /></div>
                <div class="actions">
                    <button class="btn" onclick={save_async}>{ "Save asynchronous settings" }</button>
                    if *has_async { <button class="btn" onclick={remove_async}>{ "Reset to defaults" }</button> }
                </div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct NameProps {
    pub name: String,
}

#[derive(Properties, PartialEq)]
pub struct VersionsProps {
    pub name: String,
    /// A change is being applied: Lambda refuses to publish until it is done.
    pub updating: bool,
}

#[function_component(VersionsTab)]
pub fn versions_tab(p: &VersionsProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let versions = use_state(Vec::<Value>::new);
    let aliases = use_state(Vec::<Value>::new);
    let description = use_state(String::new);
    let alias_name = use_state(String::new);
    let alias_version = use_state(String::new);
    {
        let (ctx2, name, versions, aliases) = (ctx.clone(), p.name.clone(), versions.clone(), aliases.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ctx2.bridge.send("lambda", "ListVersionsByFunction", json!({"FunctionName": name})).await {
                    Ok(v) => versions.set(v["Versions"].as_array().cloned().unwrap_or_default()),
                    Err(e) => ctx2.error(&e),
                }
                match ctx2.bridge.send("lambda", "ListAliases", json!({"FunctionName": name})).await {
                    Ok(v) => aliases.set(v["Aliases"].as_array().cloned().unwrap_or_default()),
                    Err(e) => ctx2.error(&e),
                }
            });
            || ()
        });
    }
    let publish = {
        let (ctx, name, description) = (ctx.clone(), p.name.clone(), description.clone());
        Callback::from(move |_| {
            let (ctx, req) = (ctx.clone(), json!({"FunctionName": name, "Description": *description}));
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "PublishVersion", req).await {
                    Ok(v) => ctx.notify.emit(Notice::info(
                        "Version published",
                        &format!("Version {} is a frozen copy of $LATEST's code and configuration.", v["Version"].as_str().unwrap_or("?")),
                    )),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let published: Vec<String> = versions.iter().filter_map(|v| v["Version"].as_str()).filter(|v| *v != "$LATEST").map(str::to_string).collect();
    let create_alias = {
        let (ctx, name, alias_name, alias_version) = (ctx.clone(), p.name.clone(), alias_name.clone(), alias_version.clone());
        let default_version = published.last().cloned().unwrap_or_else(|| "$LATEST".into());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let version = if alias_version.is_empty() { default_version.clone() } else { (*alias_version).clone() };
            let (ctx, req, alias_name) = (ctx.clone(), json!({"FunctionName": name, "Name": alias_name.trim(), "FunctionVersion": version}), alias_name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("lambda", "CreateAlias", req).await {
                    Ok(v) => {
                        alias_name.set(String::new());
                        ctx.notify.emit(Notice::info(
                            "Alias created",
                            &format!("{} now points at version {}.", v["Name"].as_str().unwrap_or_default(), v["FunctionVersion"].as_str().unwrap_or_default()),
                        ));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <div class="versions-tab">
            <p class="hint">{ "$LATEST is the code and configuration you edit. Publishing a version freezes a numbered copy of it; an alias (like prod) is a name that points at a version, so callers can use a stable ARN while you move the alias from version to version." }</p>
            <div class="inline narrow">
                <input aria-label="Version description" placeholder="description (optional)" value={(*description).clone()} oninput={text_state(&description)} />
                <button class="btn primary" disabled={p.updating} onclick={publish}>{ if p.updating { "Updating…" } else { "Publish new version" } }</button>
            </div>
            <table class="grid">
                <thead><tr><th>{ "Version" }</th><th>{ "Description" }</th><th>{ "Last modified" }</th><th>{ "Code SHA-256" }</th></tr></thead>
                <tbody>{ for versions.iter().map(|v| html! {
                    <tr><td>{ v["Version"].as_str().unwrap_or_default() }</td><td>{ v["Description"].as_str().unwrap_or_default() }</td>
                        <td>{ short_time(v["LastModified"].as_str().unwrap_or_default()) }</td><td><code class="sha">{ v["CodeSha256"].as_str().unwrap_or_default().chars().take(12).collect::<String>() }</code></td></tr>
                }) }</tbody>
            </table>
            <h3>{ "Aliases" }</h3>
            if aliases.is_empty() { <p class="muted">{ "No aliases yet." }</p> } else {
                <table class="grid">
                    <thead><tr><th>{ "Alias" }</th><th>{ "Version" }</th><th>{ "ARN" }</th><th class="actions-col"></th></tr></thead>
                    <tbody>{ for aliases.iter().map(|a| {
                        let alias = a["Name"].as_str().unwrap_or_default().to_string();
                        let del = { let (ctx, name, alias) = (ctx.clone(), p.name.clone(), alias.clone()); Callback::from(move |_| {
                            let (ctx, req) = (ctx.clone(), json!({"FunctionName": name, "Name": alias}));
                            wasm_bindgen_futures::spawn_local(async move { if let Err(e) = ctx.bridge.send("lambda", "DeleteAlias", req).await { ctx.error(&e); } });
                        }) };
                        html! { <tr><td>{ &alias }</td><td>{ a["FunctionVersion"].as_str().unwrap_or_default() }</td><td><code>{ a["AliasArn"].as_str().unwrap_or_default() }</code></td>
                            <td class="actions-col"><button class="btn small danger" onclick={del}>{ "Delete" }</button></td></tr> }
                    }) }</tbody>
                </table>
            }
            <form class="inline narrow alias-form" onsubmit={create_alias} aria-label="Create alias">
                <input aria-label="Alias name" placeholder="prod" value={(*alias_name).clone()} oninput={text_state(&alias_name)} required=true />
                <select aria-label="Alias version" onchange={let v = alias_version.clone(); Callback::from(move |e: Event| v.set(select_value(&e)))}>
                    { for published.iter().rev().map(|v| html! { <option value={v.clone()} selected={*alias_version == *v}>{ format!("version {v}") }</option> }) }
                    <option value="$LATEST" selected={published.is_empty() || *alias_version == "$LATEST"}>{ "$LATEST" }</option>
                </select>
                <button type="submit" class="btn">{ "Create alias" }</button>
            </form>
        </div>
    }
}
