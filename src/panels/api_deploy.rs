//! Deploying an API and what a deployment is for: the deploy form (CreateDeployment to a new or
//! existing stage), the stages with their invoke URLs (AWS's, `gureum serve`'s and the page's)
//! and stage variables (UpdateStage), the deployment history (GetDeployments) with which stage
//! runs which deployment (a stage can be pointed back at an older one); and the region's API
//! keys and usage plans (throttle, quota, API stages, keys).

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    notify::Notice,
    panels::{
        apis::date,
        functions::{input_value, select_value},
    },
};

#[derive(Properties, PartialEq)]
pub struct StagesProps {
    pub api: String,
    pub stages: Vec<Value>,
}

#[function_component(Stages)]
pub fn stages(p: &StagesProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let deployments = use_state(Vec::<Value>::new);
    // None: the first stage (once loaded), or a new one.
    let chosen = use_state(|| None::<String>);
    let stage = (*chosen).clone().or_else(|| p.stages.first().and_then(|s| s["stageName"].as_str()).map(str::to_string)).unwrap_or_default();
    let new_stage = use_state(|| "dev".to_string());
    let description = use_state(String::new);
    {
        let (ctx2, api, deployments) = (ctx.clone(), p.api.clone(), deployments.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("apigateway", "GetDeployments", json!({"restApiId": api, "limit": 500})).await {
                    let mut d = v["item"].as_array().cloned().unwrap_or_default();
                    d.sort_by(|a, b| b["createdDate"].as_i64().cmp(&a["createdDate"].as_i64()));
                    deployments.set(d);
                }
            });
            || ()
        });
    }
    let deploy = {
        let (ctx, api, stage, chosen, new_stage, description) = (ctx.clone(), p.api.clone(), stage.clone(), chosen.clone(), new_stage.clone(), description.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let name = if stage.is_empty() { new_stage.trim().to_string() } else { stage.clone() };
            let mut req = json!({"restApiId": api, "stageName": name});
            if !description.trim().is_empty() {
                req["description"] = json!(description.trim());
            }
            let (ctx, chosen, description) = (ctx.clone(), chosen.clone(), description.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "CreateDeployment", req).await {
                    Ok(d) => {
                        ctx.notify.emit(Notice::info("Deployed", &format!("Deployment {} now serves stage {name}.", d["id"].as_str().unwrap_or_default())));
                        chosen.set(Some(name));
                        description.set(String::new());
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let serving = |d: &str| -> Vec<String> { p.stages.iter().filter(|s| s["deploymentId"] == json!(d)).filter_map(|s| s["stageName"].as_str().map(str::to_string)).collect() };
    html! {
        <div class="api-stages">
            <form class="card api-inline-form" onsubmit={deploy} aria-label="Deploy API">
                <h4>{ "Deploy API" }</h4>
                <div class="field-row">
                    <label>{ "Stage " }
                        <select aria-label="Deployment stage" onchange={let s = chosen.clone(); Callback::from(move |e: Event| s.set(Some(select_value(&e))))}>
                            { for p.stages.iter().map(|s| { let n = s["stageName"].as_str().unwrap_or_default().to_string(); html! { <option value={n.clone()} selected={stage == n}>{ n.clone() }</option> } }) }
                            <option value="" selected={stage.is_empty()}>{ "New stage…" }</option>
                        </select>
                    </label>
                    if stage.is_empty() {
                        <label>{ "Stage name " }<input aria-label="Stage name" value={(*new_stage).clone()} oninput={let s = new_stage.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                    }
                    <label class="grow">{ "Deployment description " }<input aria-label="Deployment description" value={(*description).clone()} oninput={let s = description.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} /></label>
                    <button type="submit" class="btn primary">{ "Deploy" }</button>
                </div>
                <p class="hint">{ "A deployment is a snapshot of the API's resources and methods. The stage then serves that snapshot: later edits change nothing for clients until you deploy again, and older deployments stay, so you can point a stage back at one." }</p>
            </form>
            <h4>{ "Stages" }</h4>
            if p.stages.is_empty() {
                <p class="muted">{ "No stages yet." }</p>
            }
            { for p.stages.iter().map(|s| html! { <StageCard key={s["stageName"].as_str().unwrap_or_default().to_string()} api={p.api.clone()} stage={s.clone()} /> }) }
            <h4>{ "Deployment history" }</h4>
            if deployments.is_empty() {
                <p class="muted">{ "Nothing deployed yet." }</p>
            } else {
                <table class="grid deployments" aria-label="Deployments">
                    <thead><tr><th>{ "Deployment" }</th><th>{ "Created" }</th><th>{ "Description" }</th><th>{ "Serving" }</th><th>{ "Point a stage here" }</th></tr></thead>
                    <tbody>{ for deployments.iter().map(|d| {
                        let id = d["id"].as_str().unwrap_or_default().to_string();
                        let serving = serving(&id);
                        html! { <tr>
                            <td><code>{ &id }</code></td>
                            <td>{ date(d["createdDate"].as_i64().unwrap_or(0)) }</td>
                            <td>{ d["description"].as_str().unwrap_or_default() }</td>
                            <td>{ for serving.iter().map(|s| html! { <span class="badge active">{ s }</span> }) }</td>
                            <td>{ for p.stages.iter().filter(|s| s["deploymentId"] != json!(id)).map(|s| {
                                let name = s["stageName"].as_str().unwrap_or_default().to_string();
                                let point = {
                                    let (ctx, req) = (ctx.clone(), json!({"restApiId": p.api, "stageName": name, "patchOperations": [{"op": "replace", "path": "/deploymentId", "value": id}]}));
                                    Callback::from(move |_| {
                                        let (ctx, req) = (ctx.clone(), req.clone());
                                        wasm_bindgen_futures::spawn_local(async move { if let Err(e) = ctx.bridge.send("apigateway", "UpdateStage", req).await { ctx.error(&e); } });
                                    })
                                };
                                html! { <button class="btn small" onclick={point}>{ name.clone() }</button> }
                            }) }</td>
                        </tr> }
                    }) }</tbody>
                </table>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct StageProps {
    api: String,
    stage: Value,
}

#[function_component(StageCard)]
fn stage_card(p: &StageProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let s = &p.stage;
    let name = s["stageName"].as_str().unwrap_or_default().to_string();
    let var_name = use_state(String::new);
    let var_value = use_state(String::new);
    let vars: Vec<(String, String)> =
        s["variables"].as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect()).unwrap_or_default();
    let patch = {
        let (ctx, api, name) = (ctx.clone(), p.api.clone(), name.clone());
        move |ops: Value| {
            let (ctx, api, name) = (ctx.clone(), api.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("apigateway", "UpdateStage", json!({"restApiId": api, "stageName": name, "patchOperations": ops})).await {
                    ctx.error(&e);
                }
            });
        }
    };
    let add = {
        let (var_name, var_value, patch) = (var_name.clone(), var_value.clone(), patch.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            patch(json!([{"op": "replace", "path": format!("/variables/{}", var_name.trim()), "value": *var_value}]));
            var_name.set(String::new());
            var_value.set(String::new());
        })
    };
    let delete = {
        let (ctx, api, name) = (ctx.clone(), p.api.clone(), name.clone());
        Callback::from(move |_| {
            let (ctx, api, name) = (ctx.clone(), api.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("apigateway", "DeleteStage", json!({"restApiId": api, "stageName": name})).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let aws = format!("https://{}.execute-api.{}.amazonaws.com/{name}/", p.api, ctx.region);
    let serve = format!("http://localhost:4566/restapis/{}/{name}/_user_request_/", p.api);
    let page = format!("gureum.send(\"execute-api\", \"Invoke\", {{restApiId: \"{}\", stage: \"{name}\", httpMethod: \"GET\", path: \"/\"}})", p.api);
    html! {
        <div class="card stage-card" aria-label={format!("Stage {name}")}>
            <div class="detail-head">
                <h4>{ &name }</h4>
                <span class="muted">{ format!("deployment {} · updated {}", s["deploymentId"].as_str().unwrap_or_default(), date(s["lastUpdatedDate"].as_i64().unwrap_or(0))) }</span>
                <div class="spacer" />
                <button class="btn small danger" onclick={delete}>{ "Delete stage" }</button>
            </div>
            <dl class="invoke-urls">
                <dt>{ "Invoke URL" }</dt><dd><code>{ aws }</code></dd>
                <dt>{ "gureum serve" }</dt><dd><code>{ serve }</code><span class="muted">{ " (or Host: " }<code>{ format!("{}.execute-api.localhost", p.api) }</code>{ ")" }</span></dd>
                <dt>{ "In this page" }</dt><dd><code>{ page }</code></dd>
            </dl>
            <h5>{ "Stage variables" }</h5>
            if vars.is_empty() {
                <p class="muted">{ "None. Templates read them as $stageVariables.name; Lambda proxy events carry them in stageVariables." }</p>
            } else {
                <table class="grid vars"><tbody>{ for vars.iter().map(|(k, v)| {
                    let del = { let (patch, k) = (patch.clone(), k.clone()); Callback::from(move |_| patch(json!([{"op": "remove", "path": format!("/variables/{k}")}]))) };
                    html! { <tr><th>{ k }</th><td><code>{ v }</code></td><td class="actions-col"><button class="btn small danger" onclick={del} aria-label={format!("Remove variable {k}")}>{ "Remove" }</button></td></tr> }
                }) }</tbody></table>
            }
            <form class="field-row" onsubmit={add}>
                <input aria-label="Variable name" placeholder="name" value={(*var_name).clone()} oninput={let s = var_name.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                <input aria-label="Variable value" placeholder="value" value={(*var_value).clone()} oninput={let s = var_value.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                <button type="submit" class="btn small" disabled={var_name.trim().is_empty()}>{ "Set variable" }</button>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct KeysProps {
    pub api: String,
    pub stages: Vec<Value>,
}

#[function_component(KeysAndPlans)]
pub fn keys_and_plans(p: &KeysProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let keys = use_state(Vec::<Value>::new);
    let plans = use_state(Vec::<(Value, Vec<Value>)>::new);
    let key_name = use_state(String::new);
    let plan_name = use_state(String::new);
    let rate = use_state(|| "1".to_string());
    let burst = use_state(|| "2".to_string());
    let quota = use_state(String::new);
    let period = use_state(|| "DAY".to_string());
    let plan_chosen = use_state(|| None::<String>);
    let plan_stage = (*plan_chosen).clone().or_else(|| p.stages.first().and_then(|s| s["stageName"].as_str()).map(str::to_string)).unwrap_or_default();
    {
        let (ctx2, keys, plans) = (ctx.clone(), keys.clone(), plans.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx2.bridge.send("apigateway", "GetApiKeys", json!({"includeValues": true, "limit": 500})).await {
                    keys.set(v["item"].as_array().cloned().unwrap_or_default());
                }
                if let Ok(v) = ctx2.bridge.send("apigateway", "GetUsagePlans", json!({"limit": 500})).await {
                    let mut out = Vec::new();
                    for plan in v["item"].as_array().cloned().unwrap_or_default() {
                        let ks = ctx2
                            .bridge
                            .send("apigateway", "GetUsagePlanKeys", json!({"usagePlanId": plan["id"], "limit": 500}))
                            .await
                            .map(|k| k["item"].as_array().cloned().unwrap_or_default())
                            .unwrap_or_default();
                        out.push((plan, ks));
                    }
                    plans.set(out);
                }
            });
            || ()
        });
    }
    let create_key = {
        let (ctx, key_name) = (ctx.clone(), key_name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, req, key_name) = (ctx.clone(), json!({"name": key_name.trim(), "enabled": true}), key_name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "CreateApiKey", req).await {
                    Ok(_) => key_name.set(String::new()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let create_plan = {
        let (ctx, api, plan_name, rate, burst, quota, period, plan_stage) =
            (ctx.clone(), p.api.clone(), plan_name.clone(), rate.clone(), burst.clone(), quota.clone(), period.clone(), plan_stage.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"name": plan_name.trim()});
            if !plan_stage.is_empty() {
                req["apiStages"] = json!([{"apiId": api, "stage": plan_stage}]);
            }
            if !rate.trim().is_empty() || !burst.trim().is_empty() {
                let (Ok(r), Ok(b)) = (rate.trim().parse::<f64>(), burst.trim().parse::<i64>()) else {
                    return ctx.notify.emit(Notice::error("BadRequestException", "The rate is requests per second (a number) and the burst a whole number of requests."));
                };
                req["throttle"] = json!({"rateLimit": r, "burstLimit": b});
            }
            if !quota.trim().is_empty() {
                let Ok(q) = quota.trim().parse::<i64>() else {
                    return ctx.notify.emit(Notice::error("BadRequestException", "The quota is a whole number of requests."));
                };
                req["quota"] = json!({"limit": q, "period": *period});
            }
            let (ctx, plan_name) = (ctx.clone(), plan_name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("apigateway", "CreateUsagePlan", req).await {
                    Ok(_) => plan_name.set(String::new()),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let send = |op: &'static str, req: Value| {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let (ctx, req) = (ctx.clone(), req.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = ctx.bridge.send("apigateway", op, req).await {
                    ctx.error(&e);
                }
            });
        })
    };
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(input_value(&e)))
    };
    html! {
        <div class="api-keys">
            <p class="hint">{ "An API key identifies a client (it is not an authorization mechanism). A method with \"API key required\" admits only requests whose x-api-key header holds a key that a usage plan links to the API's stage; the plan then limits that key: a token bucket (rate per second, burst) answers 429 Too Many Requests when empty, and the quota caps requests per day, week or month. Keys and plans belong to the region, not to one API." }</p>
            <div class="keys-cols">
                <div class="card">
                    <h4>{ "API keys" }</h4>
                    if keys.is_empty() { <p class="muted">{ "No API keys yet." }</p> }
                    <table class="grid" aria-label="API keys"><tbody>{ for keys.iter().map(|k| html! { <tr>
                        <th>{ k["name"].as_str().unwrap_or_default() }</th>
                        <td><code class="key-value">{ k["value"].as_str().unwrap_or_default() }</code></td>
                        <td class="actions-col"><button class="btn small danger" onclick={send("DeleteApiKey", json!({"apiKey": k["id"]}))}>{ "Delete" }</button></td>
                    </tr> }) }</tbody></table>
                    <form class="field-row" onsubmit={create_key} aria-label="Create API key">
                        <input aria-label="API key name" placeholder="mobile-app" value={(*key_name).clone()} oninput={text(&key_name)} />
                        <button type="submit" class="btn" disabled={key_name.trim().is_empty()}>{ "Create API key" }</button>
                    </form>
                </div>
                <div class="card">
                    <h4>{ "Usage plans" }</h4>
                    if plans.is_empty() { <p class="muted">{ "No usage plans yet." }</p> }
                    { for plans.iter().map(|(plan, pkeys)| {
                        let pid = plan["id"].as_str().unwrap_or_default().to_string();
                        let linked: Vec<String> = pkeys.iter().filter_map(|k| k["id"].as_str().map(str::to_string)).collect();
                        let attachable: Vec<&Value> = keys.iter().filter(|k| !linked.iter().any(|l| k["id"] == json!(l))).collect();
                        let throttle = match plan.get("throttle") { Some(t) => format!("{} req/s, burst {}", t["rateLimit"].as_f64().unwrap_or(0.0), t["burstLimit"]), None => "no throttle".into() };
                        let quota = match plan.get("quota") { Some(q) => format!("{} per {}", q["limit"], q["period"].as_str().unwrap_or_default().to_lowercase()), None => "no quota".into() };
                        let stages: Vec<String> = plan["apiStages"].as_array().into_iter().flatten().map(|s| format!("{}/{}", s["apiId"].as_str().unwrap_or_default(), s["stage"].as_str().unwrap_or_default())).collect();
                        html! {
                            <div class="plan" aria-label={format!("Usage plan {}", plan["name"].as_str().unwrap_or_default())}>
                                <div class="detail-head">
                                    <strong>{ plan["name"].as_str().unwrap_or_default() }</strong>
                                    <span class="muted">{ format!("{throttle} · {quota}") }</span>
                                    <div class="spacer" />
                                    <button class="btn small danger" onclick={send("DeleteUsagePlan", json!({"usagePlanId": pid}))}>{ "Delete" }</button>
                                </div>
                                <div>{ "Stages: " }{ if stages.is_empty() { "none".to_string() } else { stages.join(", ") } }</div>
                                <div class="plan-keys">{ "Keys: " }
                                    { for pkeys.iter().map(|k| html! { <span class="badge">{ k["name"].as_str().unwrap_or_default() }
                                        <button class="btn link" aria-label={format!("Remove key {}", k["name"].as_str().unwrap_or_default())} onclick={send("DeleteUsagePlanKey", json!({"usagePlanId": pid, "keyId": k["id"]}))}>{ "×" }</button></span> }) }
                                    { for attachable.iter().map(|k| html! { <button class="btn small" onclick={send("CreateUsagePlanKey", json!({"usagePlanId": pid, "keyId": k["id"], "keyType": "API_KEY"}))}>{ format!("+ {}", k["name"].as_str().unwrap_or_default()) }</button> }) }
                                </div>
                            </div>
                        }
                    }) }
                    <form class="plan-form" onsubmit={create_plan} aria-label="Create usage plan">
                        <h5>{ "Create usage plan" }</h5>
                        <div class="field-row">
                            <label>{ "Name " }<input aria-label="Usage plan name" value={(*plan_name).clone()} oninput={text(&plan_name)} /></label>
                            <label>{ "Rate (req/s) " }<input aria-label="Rate" size="5" value={(*rate).clone()} oninput={text(&rate)} /></label>
                            <label>{ "Burst " }<input aria-label="Burst" size="5" value={(*burst).clone()} oninput={text(&burst)} /></label>
                        </div>
                        <div class="field-row">
                            <label>{ "Quota " }<input aria-label="Quota" size="6" placeholder="none" value={(*quota).clone()} oninput={text(&quota)} /></label>
                            <label>{ "per " }
                                <select aria-label="Quota period" onchange={let s = period.clone(); Callback::from(move |e: Event| s.set(select_value(&e)))}>
                                    { for ["DAY", "WEEK", "MONTH"].iter().map(|x| html! { <option value={*x} selected={*period == *x}>{ x.to_lowercase() }</option> }) }
                                </select>
                            </label>
                            <label>{ "Stage of this API " }
                                <select aria-label="Usage plan stage" onchange={let s = plan_chosen.clone(); Callback::from(move |e: Event| s.set(Some(select_value(&e))))}>
                                    { for p.stages.iter().map(|s| { let n = s["stageName"].as_str().unwrap_or_default().to_string(); html! { <option value={n.clone()} selected={plan_stage == n}>{ n.clone() }</option> } }) }
                                    <option value="" selected={plan_stage.is_empty()}>{ "none" }</option>
                                </select>
                            </label>
                            <button type="submit" class="btn primary" disabled={plan_name.trim().is_empty()}>{ "Create usage plan" }</button>
                        </div>
                    </form>
                </div>
            </div>
        </div>
    }
}
