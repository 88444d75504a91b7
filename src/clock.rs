//! The clock bar: the sandbox's simulated date and time, pause/play, jumps of an hour or a day,
//! and speed. Scheduled work (tables becoming ACTIVE, TTL deletes, retries, triggers, load generators) runs
//! on this clock.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

fn format_utc(ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    let iso: String = d.to_iso_string().into();
    // 2026-11-24T17:30:00.000Z → 2026-11-24 17:30:00 UTC
    format!("{} {} UTC", &iso[..10], &iso[11..19])
}

/// The simulated clock as `GetClock` last answered it, with the browser's time of that answer:
/// fetched again whenever the sandbox changes, and (while `live`) re-rendering every second so
/// [`sim_now`] moves. Setting the handle (after a clock control) updates every reader.
#[hook]
pub fn use_sim_clock(live: bool) -> UseStateHandle<Option<(Value, f64)>> {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let clock = use_state(|| None::<(Value, f64)>);
    let tick = use_state(|| 0u32);
    {
        let (clock, bridge) = (clock.clone(), ctx.bridge.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = bridge.sim("GetClock", json!({})).await {
                    clock.set(Some((v, js_sys::Date::now())));
                }
            });
            || ()
        });
    }
    {
        let tick = tick.clone();
        use_effect_with(live, move |live| {
            let i = live.then(|| gloo::timers::callback::Interval::new(1000, move || tick.set(js_sys::Date::now() as u32)));
            move || drop(i)
        });
    }
    let _ = *tick;
    clock
}

/// Simulated now in milliseconds from a [`use_sim_clock`] answer `c` fetched at `fetched`.
pub fn sim_now(c: &Value, fetched: f64) -> f64 {
    let base = c["now"].as_f64().unwrap_or(0.0);
    if c["paused"].as_bool().unwrap_or(false) {
        base
    } else {
        base + (js_sys::Date::now() - fetched) * c["rate"].as_f64().unwrap_or(1.0)
    }
}

/// The timeline: what is scheduled on the simulated clock (TTL deletions, Wait states, retries,
/// backups, deliveries...), each with a button that jumps the clock to it.
#[function_component(Timeline)]
fn timeline() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let clock = use_sim_clock(false);
    let open = use_state(|| false);
    let events = use_state(|| None::<Value>);
    {
        let (events, bridge) = (events.clone(), ctx.bridge.clone());
        use_effect_with(ctx.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = bridge.sim("ListScheduledEvents", json!({"limit": 50})).await {
                    events.set(Some(v));
                }
            });
            || ()
        });
    }
    let l = ctx.lang;
    let list: Vec<Value> = events.as_ref().and_then(|v| v["events"].as_array().cloned()).unwrap_or_default();
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let jump = |due: f64| {
        let (ctx, clock, open) = (ctx.clone(), clock.clone(), open.clone());
        Callback::from(move |_: MouseEvent| {
            let now = clock.as_ref().map(|(c, f)| sim_now(c, *f)).unwrap_or(due);
            // Exactly to the event (a millisecond if it is already due): it runs, and what it
            // schedules next appears in the list.
            let seconds = ((due - now) / 1000.0).max(0.001);
            let (ctx, open) = (ctx.clone(), open.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("AdvanceClock", json!({ "seconds": seconds })).await {
                    Ok(_) => {
                        open.set(false);
                        ctx.notify.emit(Notice::info(ctx.t("Clock"), ctx.t("Jumped to the event; it has run.")));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let now = clock.as_ref().map(|(c, f)| sim_now(c, *f));
    html! {
        <div class="timeline">
            <button class="btn small" onclick={toggle} aria-expanded={open.to_string()} title={l.t("What is scheduled on the simulated clock")}>
                { l.tf("Timeline ({})", &[&format!("{}{}", list.len(), if events.as_ref().is_some_and(|v| v["truncated"] == true) { "+" } else { "" })]) }
            </button>
            if *open {
                <div class="timeline-pop" role="dialog" aria-label={l.t("Scheduled events")}>
                    <h3>{ l.t("Scheduled events") }</h3>
                    if list.is_empty() {
                        <p class="hint">{ l.t("Nothing is scheduled. TTL deletions, Wait states, retries, backups and deliveries appear here when they are.") }</p>
                    } else {
                        <ol>
                            { for list.iter().map(|ev| {
                                let due = ev["dueMs"].as_f64().unwrap_or(0.0);
                                let kind = ev["kind"].as_str().unwrap_or("").to_string();
                                html! {
                                    <li>
                                        <span class={classes!("tl-kind", kind.clone())}>{ l.t(kind_label(&kind)) }</span>
                                        <span class="tl-what">
                                            <span class="tl-desc">{ ev["description"].as_str().unwrap_or("") }</span>
                                            <span class="tl-when">{ format!("{} · {} · {}", format_utc(due), now.map(|n| l.tf("in {}", &[&crate::panels::ttl::span_in((due - n) / 1000.0, l)])).unwrap_or_default(), ev["region"].as_str().unwrap_or("")) }</span>
                                        </span>
                                        <button class="btn small" onclick={jump(due)}>{ l.t("Jump") }</button>
                                    </li>
                                }
                            }) }
                        </ol>
                    }
                </div>
            }
        </div>
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "ttl" => "TTL",
        "wait" => "Wait",
        "retry" => "Retry",
        "timeout" => "Timeout",
        "backup" => "Backup",
        "expiry" => "Expiry",
        "delivery" => "Delivery",
        "transition" => "Status",
        _ => "Event",
    }
}

#[function_component(ClockBar)]
pub fn clock_bar() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let clock = use_sim_clock(true);

    let l = ctx.lang;
    let control = |op: &'static str, input: Value, note: Option<&'static str>| {
        let (clock, ctx) = (clock.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            let (clock, ctx, input) = (clock.clone(), ctx.clone(), input.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim(op, input).await {
                    Ok(v) => {
                        clock.set(Some((v, js_sys::Date::now())));
                        if let Some(n) = note {
                            ctx.notify.emit(Notice::info(ctx.t("Clock"), ctx.t(n)));
                        }
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let on_rate = {
        let (clock, ctx) = (clock.clone(), ctx.clone());
        Callback::from(move |e: Event| {
            let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else { return };
            let rate: f64 = sel.value().parse().unwrap_or(1.0);
            let (clock, ctx) = (clock.clone(), ctx.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.sim("SetClockRate", json!({"rate": rate})).await {
                    Ok(v) => clock.set(Some((v, js_sys::Date::now()))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    let Some((c, fetched)) = &*clock else {
        return html! { <div class="clock">{ l.t("Simulated clock starting…") }</div> };
    };
    let paused = c["paused"].as_bool().unwrap_or(false);
    let rate = c["rate"].as_f64().unwrap_or(1.0);
    let now = sim_now(c, *fetched);
    html! {
        <div class="clock" aria-label={l.t("Simulated clock")}>
            <span class={classes!("clock-time", paused.then_some("paused"))} title={l.t("Simulated time: every service in the sandbox reads this clock")}>
                <span class="clock-label">{ l.t(if paused { "‖ paused" } else { "sim time" }) }</span>
                <time>{ format_utc(now) }</time>
            </span>
            if paused {
                <button class="btn small" onclick={control("ResumeClock", json!({}), None)} title={l.t("Let simulated time run")}>{ l.t("▶ Play") }</button>
            } else {
                <button class="btn small" onclick={control("PauseClock", json!({}), None)} title={l.t("Stop simulated time")}>{ l.t("‖ Pause") }</button>
            }
            <button class="btn small" onclick={control("AdvanceClock", json!({"seconds": 3600}), Some("Jumped ahead one hour; everything scheduled in between has run."))} title={l.t("Jump ahead one hour")}>{ l.t("+1 h") }</button>
            <button class="btn small" onclick={control("AdvanceClock", json!({"seconds": 86400}), Some("Jumped ahead one day; everything scheduled in between has run."))} title={l.t("Jump ahead one day")}>{ l.t("+1 d") }</button>
            <Timeline />
            <select class="clock-rate" aria-label={l.t("Clock speed")} onchange={on_rate}>
                { for [(1.0, "1×"), (60.0, "60× (1 min/s)"), (3600.0, "3600× (1 h/s)")].iter().map(|(r, label)| html! {
                    <option value={r.to_string()} selected={(rate - r).abs() < 1e-9}>{ l.t(*label) }</option>
                }) }
            </select>
        </div>
    }
}
