//! Time to Live: the table's TTL setting (UpdateTimeToLive / DescribeTimeToLive) in its own tab,
//! and the live countdown the items view shows next to each item's expiry, on the simulated clock.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{app::Ctx, notify::Notice};

/// The sandbox deletes an expired item between five and six simulated minutes after it expires
/// (the engine's `ttl::DELETE_DELAY_MS` and its one-minute pass grid).
pub const DELETE_AFTER: &str = "five to six minutes";
const FIVE_YEARS_S: f64 = 5.0 * 365.0 * 86_400.0;

/// The table's TTL description (`TimeToLiveDescription`), fetched again whenever the sandbox changes.
#[hook]
pub fn use_ttl(table: &str) -> Option<Value> {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let ttl = use_state(|| None::<Value>);
    {
        let (ttl, bridge, table) = (ttl.clone(), ctx.bridge.clone(), table.to_string());
        use_effect_with((ctx.version, table.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = bridge.send("dynamodb", "DescribeTimeToLive", json!({"TableName": table})).await {
                    ttl.set(Some(v["TimeToLiveDescription"].clone()));
                }
            });
            || ()
        });
    }
    (*ttl).clone()
}

/// Simulated now in milliseconds, moving every second (while `live`) as the clock bar's does.
#[hook]
pub fn use_sim_now(live: bool) -> f64 {
    match &*crate::clock::use_sim_clock(live) {
        Some((c, fetched)) => crate::clock::sim_now(c, *fetched),
        None => js_sys::Date::now(),
    }
}

/// "1 d 4 h", "1 h 59 min", "4 min 10 s", "12 s".
pub fn span(seconds: f64) -> String {
    span_in(seconds, crate::i18n::Lang::En)
}

/// [`span`] in the UI's language ("1시간 59분" in Korean).
pub fn span_in(seconds: f64, l: crate::i18n::Lang) -> String {
    let s = seconds.max(0.0).floor() as i64;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let n = |v: i64| v.to_string();
    match (d, h, m) {
        (d, h, _) if d > 0 => l.tf("{} d {} h", &[&n(d), &n(h)]),
        (_, h, m) if h > 0 => l.tf("{} h {} min", &[&n(h), &n(m)]),
        (_, _, m) if m > 0 => l.tf("{} min {} s", &[&n(m), &n(sec)]),
        _ => l.tf("{} s", &[&n(sec)]),
    }
}

/// What the items view says about an item's TTL attribute value at simulated `now_ms`, and
/// whether the item is expired: None when the value is not one TTL acts on.
pub fn countdown(value: &Value, now_ms: f64) -> Option<(String, bool)> {
    let expiry: f64 = value.get("N")?.as_str()?.parse().ok()?;
    let now = now_ms / 1000.0;
    if !(expiry > 0.0) || expiry < now - FIVE_YEARS_S {
        return Some(("more than five years ago: never deleted".into(), false));
    }
    if expiry > 1e11 {
        return Some(("far future (milliseconds? TTL wants epoch seconds)".into(), false));
    }
    if expiry > now {
        Some((format!("expires in {}", span(expiry - now)), false))
    } else {
        Some((format!("expired {} ago — awaiting deletion", span(now - expiry)), true))
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub table: String,
}

/// The Time to Live tab.
#[function_component(TimeToLive)]
pub fn time_to_live(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let ttl = use_ttl(&p.table);
    let attribute = use_state(|| "ExpTime".to_string());
    let status = ttl.as_ref().and_then(|t| t["TimeToLiveStatus"].as_str()).unwrap_or("…").to_string();
    let current = ttl.as_ref().and_then(|t| t["AttributeName"].as_str()).map(str::to_string);
    let on = matches!(status.as_str(), "ENABLED" | "ENABLING");

    let submit = {
        let (ctx, table, attribute, current) = (ctx.clone(), p.table.clone(), attribute.clone(), current.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, table) = (ctx.clone(), table.clone());
            // Disabling names the attribute TTL is on, as AWS requires.
            let (enabled, name) = if on { (false, current.clone().unwrap_or_default()) } else { (true, (*attribute).trim().to_string()) };
            wasm_bindgen_futures::spawn_local(async move {
                let req = json!({"TableName": table, "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": name}});
                match ctx.bridge.send("dynamodb", "UpdateTimeToLive", req).await {
                    Ok(_) if enabled => ctx.notify.emit(Notice::info("Time to Live", &format!("TTL is ENABLING on {name}; it is ENABLED after five simulated seconds."))),
                    Ok(_) => ctx.notify.emit(Notice::info("Time to Live", "TTL is DISABLING; expired items are no longer deleted.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let on_input = {
        let attribute = attribute.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                attribute.set(i.value());
            }
        })
    };

    html! {
        <div class="ttl-panel">
            <div class="ttl-status">
                <span class="muted">{ "Time to Live" }</span>
                <span class={classes!("badge", status.to_lowercase())}>{ &status }</span>
                if let Some(a) = &current { <span>{ "on attribute " }<code>{ a }</code></span> }
            </div>
            <form class="ttl-form" onsubmit={submit}>
                if on {
                    <button class="btn" type="submit">{ "Disable TTL" }</button>
                } else {
                    <label>{ "TTL attribute name " }
                        <input class="input" aria-label="TTL attribute name" value={(*attribute).clone()} oninput={on_input} maxlength="255" />
                    </label>
                    <button class="btn primary" type="submit">{ "Enable TTL" }</button>
                }
            </form>
            <div class="hint ttl-help">
                <p>{ "With TTL on, DynamoDB deletes each item whose TTL attribute holds a " }<strong>{ "Number" }</strong>{ " of epoch seconds (e.g. " }<code>{ "1767229200" }</code>{ ") once that time has passed. Items without the attribute, or with a string, a set or a value in milliseconds, never expire; values more than five years in the past are ignored." }</p>
                <p>{ "Deletion is lazy: an expired item stays readable — GetItem, Query and Scan still return it — until the background process deletes it. AWS does it typically within a few days; this sandbox does it " }<strong>{ DELETE_AFTER }</strong>{ " of simulated time after expiry. Use the clock bar (" }<em>{ "+1 h" }</em>{ ", " }<em>{ "+1 d" }</em>{ ", speed) to watch items expire. Filter on the attribute (" }<code>{ "ExpTime > :now" }</code>{ ") when expired items must not be seen." }</p>
                <p>{ "TTL deletes cost no write capacity; they update indexes and appear in the table's stream as REMOVE records with " }<code>{ r#""userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}"# }</code>{ ". A table's TTL setting can change once per hour." }</p>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(2.0 * 3600.0 - 60.0), "1 h 59 min");
        assert_eq!(span(250.0), "4 min 10 s");
        assert_eq!(span(12.4), "12 s");
        assert_eq!(span(86_400.0 * 3.0 + 7200.0), "3 d 2 h");
        assert_eq!(span_in(2.0 * 3600.0 - 60.0, crate::i18n::Lang::Ko), "1시간 59분");
    }

    #[test]
    fn countdowns() {
        let now = 1_767_225_600_000.0;
        assert_eq!(countdown(&json!({"N": "1767232740"}), now), Some(("expires in 1 h 59 min".into(), false)));
        assert_eq!(countdown(&json!({"N": "1767225500"}), now), Some(("expired 1 min 40 s ago — awaiting deletion".into(), true)));
        assert_eq!(countdown(&json!({"S": "1767225500"}), now), None);
        assert!(countdown(&json!({"N": "1"}), now).unwrap().0.contains("never deleted"));
    }
}
