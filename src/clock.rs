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
            <select class="clock-rate" aria-label={l.t("Clock speed")} onchange={on_rate}>
                { for [(1.0, "1×"), (60.0, "60× (1 min/s)"), (3600.0, "3600× (1 h/s)")].iter().map(|(r, label)| html! {
                    <option value={r.to_string()} selected={(rate - r).abs() < 1e-9}>{ l.t(*label) }</option>
                }) }
            </select>
        </div>
    }
}
