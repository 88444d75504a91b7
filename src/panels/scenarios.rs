//! The scenario gallery (`#/scenarios`): a card per seed example. "Load" asks the engine to build
//! it (`LoadScenario`, a control operation: the scenarios and their texts live in
//! `gureum_engine::scenarios`), says what was created and what to try, and opens the panel the
//! scenario names.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

fn list_of(v: &Value, key: &str) -> Vec<String> {
    v[key].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[function_component(Scenarios)]
pub fn scenarios() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(|| None::<Vec<Value>>);
    let loading = use_state(|| None::<String>);
    {
        let (list, bridge) = (list.clone(), ctx.bridge.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = bridge.sim("ListScenarios", json!({})).await {
                    list.set(Some(v["Scenarios"].as_array().cloned().unwrap_or_default()));
                }
            });
            || ()
        });
    }
    let load = {
        let (ctx, loading) = (ctx.clone(), loading.clone());
        Callback::from(move |id: String| {
            if loading.is_some() {
                return;
            }
            loading.set(Some(id.clone()));
            let (ctx, loading) = (ctx.clone(), loading.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("LoadScenario", json!({ "Id": id, "Region": ctx.region })).await {
                    Ok(v) => {
                        let created = list_of(&v, "Created");
                        let reused = list_of(&v, "Reused");
                        let mut body = String::new();
                        if !created.is_empty() {
                            body.push_str(&format!("Created: {}. ", created.join(", ")));
                        }
                        if !reused.is_empty() {
                            body.push_str(&format!("Already there, reused: {}. ", reused.join(", ")));
                        }
                        let title = v["Title"].as_str().unwrap_or("Scenario");
                        ctx.notify.emit(Notice::info(&format!("Loaded: {title}"), body.trim_end()));
                        ctx.notify.emit(Notice::tip("Try now", v["TryNow"].as_str().unwrap_or("")));
                        loading.set(None);
                        if let (Some(route), Some(w)) = (v["Route"].as_str(), web_sys::window()) {
                            let _ = w.location().set_hash(route);
                        }
                    }
                    Err(e) => {
                        ctx.error(&e);
                        loading.set(None);
                    }
                }
            });
        })
    };
    html! {
        <section class="panel scenarios">
            <header class="panel-head"><h1>{ "Scenarios" }</h1><span class="aws-name">{ format!("The seed's examples, built in one click · {}", ctx.region) }</span></header>
            <p class="lead">{ "Each scenario creates its resources with ordinary AWS calls, loads sample data, moves the simulated clock where AWS would make you wait, and opens the panel where the example works. Loading one again reuses what is already there." }</p>
            { match &*list {
                None => html! { <p class="muted">{ "Loading the gallery…" }</p> },
                Some(items) => html! {
                    <div class="cards scenario-cards">
                        { for items.iter().map(|s| {
                            let id = s["Id"].as_str().unwrap_or_default().to_string();
                            let busy = loading.as_deref() == Some(id.as_str());
                            let onclick = { let (load, id) = (load.clone(), id.clone()); Callback::from(move |_| load.emit(id.clone())) };
                            html! {
                                <article class="card scenario" data-scenario={id.clone()}>
                                    <span class="scenario-section">{ s["Section"].as_str().unwrap_or_default() }</span>
                                    <h2>{ s["Title"].as_str().unwrap_or_default() }</h2>
                                    <div class="scenario-services">{ for list_of(s, "Services").into_iter().map(|svc| html! { <span class="badge">{ svc }</span> }) }</div>
                                    <p>{ s["Teaches"].as_str().unwrap_or_default() }</p>
                                    <button class="btn primary" disabled={loading.is_some()} {onclick}>{ if busy { "Loading…" } else { "Load" } }</button>
                                </article>
                            }
                        }) }
                    </div>
                },
            } }
        </section>
    }
}
