//! The Capacity tab's "Auto scaling" section: target tracking for a provisioned table's and each
//! GSI's reads and writes, set up as the console does it through the real Application Auto
//! Scaling API (RegisterScalableTarget + a TargetTrackingScaling policy; DeregisterScalableTarget
//! to turn it off), and the scaling activities that followed.

use serde_json::{json, Value};
use yew::prelude::*;

use super::functions::input_value;
use crate::app::Ctx;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The table's description (DescribeTable's `Table`).
    pub table: Value,
}

const AAS: &str = "application-autoscaling";

/// One scalable dimension of the table or a GSI.
#[derive(Clone, PartialEq)]
struct Dim {
    label: String,
    resource_id: String,
    dimension: String,
    metric: &'static str,
}

fn dims(t: &Value) -> Vec<Dim> {
    let name = t["TableName"].as_str().unwrap_or_default();
    let mut out = Vec::new();
    let mut add = |label: String, rid: String, scope: &str| {
        for (unit, metric) in [("Read", "DynamoDBReadCapacityUtilization"), ("Write", "DynamoDBWriteCapacityUtilization")] {
            out.push(Dim { label: format!("{label} {}s", unit.to_lowercase()), resource_id: rid.clone(), dimension: format!("dynamodb:{scope}:{unit}CapacityUnits"), metric });
        }
    };
    add("Table".into(), format!("table/{name}"), "table");
    for g in t["GlobalSecondaryIndexes"].as_array().into_iter().flatten() {
        let i = g["IndexName"].as_str().unwrap_or_default();
        add(format!("Index {i}"), format!("table/{name}/index/{i}"), "index");
    }
    out
}

/// The service-linked role the console uses for DynamoDB auto scaling.
fn role_arn(t: &Value) -> String {
    let account = t["TableArn"].as_str().and_then(|a| a.split(':').nth(4)).unwrap_or("123456789012");
    format!("arn:aws:iam::{account}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable")
}

#[derive(Properties, PartialEq)]
struct RowProps {
    dim: Dim,
    role: String,
    /// The registered target (DescribeScalableTargets), if any.
    target: Option<Value>,
    /// Its policy (DescribeScalingPolicies), if any.
    policy: Option<Value>,
    on_change: Callback<()>,
}

#[function_component(Row)]
fn row(p: &RowProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let enabled = p.target.is_some() && p.policy.is_some();
    let on = use_state(|| enabled);
    let min = use_state(|| p.target.as_ref().and_then(|t| t["MinCapacity"].as_i64()).unwrap_or(1).to_string());
    let max = use_state(|| p.target.as_ref().and_then(|t| t["MaxCapacity"].as_i64()).unwrap_or(100).to_string());
    let target = use_state(|| p.policy.as_ref().and_then(|x| x["TargetTrackingScalingPolicyConfiguration"]["TargetValue"].as_f64()).unwrap_or(70.0).to_string());
    let problem = use_state(|| None::<String>);
    {
        // Follow what the API says when it changes (another tab, boto3). The switch follows only
        // a change of on/off, so a refused Apply leaves the row as the learner set it.
        let on = on.clone();
        use_effect_with(enabled, move |e| {
            on.set(*e);
            || ()
        });
    }
    {
        let (min, max, target) = (min.clone(), max.clone(), target.clone());
        use_effect_with((p.target.clone(), p.policy.clone()), move |(t, pol)| {
            if let Some(t) = t {
                min.set(t["MinCapacity"].as_i64().unwrap_or(1).to_string());
                max.set(t["MaxCapacity"].as_i64().unwrap_or(100).to_string());
            }
            if let Some(v) = pol.as_ref().and_then(|x| x["TargetTrackingScalingPolicyConfiguration"]["TargetValue"].as_f64()) {
                target.set(v.to_string());
            }
            || ()
        });
    }
    let apply = {
        let (ctx, d, role, on, min, max, target, problem, registered, on_change) =
            (ctx.clone(), p.dim.clone(), p.role.clone(), on.clone(), min.clone(), max.clone(), target.clone(), problem.clone(), p.target.is_some(), p.on_change.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let key = json!({"ServiceNamespace": "dynamodb", "ResourceId": d.resource_id, "ScalableDimension": d.dimension});
            let (ctx, problem, on_change) = (ctx.clone(), problem.clone(), on_change.clone());
            if !*on {
                if !registered {
                    return;
                }
                wasm_bindgen_futures::spawn_local(async move {
                    match ctx.bridge.send(AAS, "DeregisterScalableTarget", key).await {
                        Ok(_) => problem.set(None),
                        Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                    }
                    on_change.emit(());
                });
                return;
            }
            let (Ok(lo), Ok(hi), Ok(tv)) = (min.trim().parse::<i64>(), max.trim().parse::<i64>(), target.trim().parse::<f64>()) else {
                problem.set(Some("Minimum and maximum are whole numbers of units; the target is a percentage.".into()));
                return;
            };
            let mut register = key.clone();
            register["MinCapacity"] = json!(lo);
            register["MaxCapacity"] = json!(hi);
            register["RoleARN"] = json!(role);
            let mut policy = key;
            policy["PolicyName"] = json!(format!("{}:{}", d.metric, d.resource_id));
            policy["PolicyType"] = json!("TargetTrackingScaling");
            policy["TargetTrackingScalingPolicyConfiguration"] = json!({"TargetValue": tv, "PredefinedMetricSpecification": {"PredefinedMetricType": d.metric}});
            let key = json!({"ServiceNamespace": "dynamodb", "ResourceId": d.resource_id, "ScalableDimension": d.dimension});
            wasm_bindgen_futures::spawn_local(async move {
                let result = match ctx.bridge.send(AAS, "RegisterScalableTarget", register).await {
                    Ok(_) => match ctx.bridge.send(AAS, "PutScalingPolicy", policy).await {
                        // A target registered just now without its policy would scale nothing:
                        // take it back, so the row stays off, as the console leaves it.
                        Err(e) if !registered => {
                            let _ = ctx.bridge.send(AAS, "DeregisterScalableTarget", key).await;
                            Err(e)
                        }
                        other => other,
                    },
                    Err(e) => Err(e),
                };
                match result {
                    Ok(_) => problem.set(None),
                    Err(e) => problem.set(Some(format!("{}: {}", e.kind, e.message))),
                }
                on_change.emit(());
            });
        })
    };
    let set = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(input_value(&e)))
    };
    let toggle = {
        let on = on.clone();
        Callback::from(move |e: Event| on.set(e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.checked()).unwrap_or(false)))
    };
    let label = p.dim.label.clone();
    let status = if enabled {
        html! { <span class="badge active">{ "on" }</span> }
    } else if p.target.is_some() {
        html! { <span class="badge creating" title="Registered as a scalable target, but without a scaling policy: nothing scales it.">{ "no policy" }</span> }
    } else {
        html! { <span class="badge">{ "off" }</span> }
    };
    html! {
        <form class="as-row" aria-label={format!("Auto scaling: {label}")} onsubmit={apply}>
            <label class="check as-name"><input type="checkbox" aria-label={format!("Auto scaling for {label}")} checked={*on} onchange={toggle} />{ label.clone() }</label>
            <input aria-label={format!("Minimum {label}")} inputmode="numeric" disabled={!*on} value={(*min).clone()} oninput={set(&min)} />
            <input aria-label={format!("Maximum {label}")} inputmode="numeric" disabled={!*on} value={(*max).clone()} oninput={set(&max)} />
            <input aria-label={format!("Target utilization {label}")} inputmode="decimal" disabled={!*on} value={(*target).clone()} oninput={set(&target)} />
            <button class="btn small" type="submit" disabled={!*on && p.target.is_none()}>{ "Apply" }</button>
            { status }
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
        </form>
    }
}

fn short_time(seconds: f64) -> String {
    // ISO 8601 without the date when it is the same day is not worth the code: show HH:MM:SS.
    let s = seconds as i64;
    let day = s.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

#[function_component(AutoScaling)]
pub fn auto_scaling(p: &Props) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let t = &p.table;
    let name = t["TableName"].as_str().unwrap_or_default().to_string();
    let all = dims(t);
    let role = role_arn(t);
    let targets = use_state(Vec::<Value>::new);
    let policies = use_state(Vec::<Value>::new);
    let activities = use_state(Vec::<Value>::new);
    let refresh = use_state(|| 0u32);
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let i = gloo::timers::callback::Interval::new(2000, move || tick.set(js_sys::Date::now() as u32));
            move || drop(i)
        });
    }
    {
        let (ctx2, name, targets, policies, activities) = (ctx.clone(), name.clone(), targets.clone(), policies.clone(), activities.clone());
        let ids: Vec<String> = all.iter().map(|d| d.resource_id.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        use_effect_with((ctx.version, *tick, *refresh), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mine = |v: &Value| v["ResourceId"].as_str().is_some_and(|r| r == format!("table/{name}") || r.starts_with(&format!("table/{name}/index/")));
                if let Ok(v) = ctx2.bridge.send(AAS, "DescribeScalableTargets", json!({"ServiceNamespace": "dynamodb", "ResourceIds": ids})).await {
                    targets.set(v["ScalableTargets"].as_array().cloned().unwrap_or_default());
                }
                if let Ok(v) = ctx2.bridge.send(AAS, "DescribeScalingPolicies", json!({"ServiceNamespace": "dynamodb"})).await {
                    policies.set(v["ScalingPolicies"].as_array().map(|l| l.iter().filter(|x| mine(x)).cloned().collect()).unwrap_or_default());
                }
                if let Ok(v) = ctx2.bridge.send(AAS, "DescribeScalingActivities", json!({"ServiceNamespace": "dynamodb", "MaxResults": 50})).await {
                    activities.set(v["ScalingActivities"].as_array().map(|l| l.iter().filter(|x| mine(x)).take(20).cloned().collect()).unwrap_or_default());
                }
            });
            || ()
        });
    }
    let find = |list: &[Value], d: &Dim| list.iter().find(|x| x["ResourceId"] == d.resource_id.as_str() && x["ScalableDimension"] == d.dimension.as_str()).cloned();
    let on_change = {
        let refresh = refresh.clone();
        Callback::from(move |_| refresh.set(*refresh + 1))
    };
    html! {
        <section class="cap-autoscaling card" aria-label="Auto scaling">
            <h3>{ "Auto scaling" }</h3>
            <p class="hint">{ "Target tracking (Application Auto Scaling) keeps consumed capacity near a target percentage of the provisioned capacity: when utilization stays above the target for 2 consecutive minutes it raises capacity to consumed ÷ target; when it stays 20 points below the target for 15 consecutive minutes it lowers it, within your minimum and maximum. Scaling in waits longer because a decrease is risky (a returning spike would be throttled) and DynamoDB allows only four decreases a day, then one an hour." }</p>
            <div class="as-row as-head" aria-hidden="true">
                <span>{ "Scaled capacity" }</span><span>{ "Min units" }</span><span>{ "Max units" }</span><span>{ "Target %" }</span>
            </div>
            { for all.iter().map(|d| html! {
                <Row key={format!("{}|{}", d.resource_id, d.dimension)} dim={d.clone()} role={role.clone()} target={find(&targets, d)} policy={find(&policies, d)} on_change={on_change.clone()} />
            }) }
            <h4>{ "Scaling activities" }</h4>
            if activities.is_empty() {
                <p class="muted">{ "None yet. Start a load above the target and fast-forward the clock a few minutes." }</p>
            } else {
                <div class="grid-wrap"><table class="grid as-activities" aria-label="Scaling activities">
                    <thead><tr><th>{ "Simulated time (UTC)" }</th><th>{ "Resource" }</th><th>{ "Description" }</th><th>{ "Status" }</th><th>{ "Cause" }</th></tr></thead>
                    <tbody>
                        { for activities.iter().map(|a| {
                            let status = a["StatusCode"].as_str().unwrap_or_default().to_string();
                            let cause = a["Cause"].as_str().unwrap_or_default();
                            let why = if cause.contains("-AlarmHigh-") {
                                "Utilization above the target for 2 minutes (AlarmHigh)"
                            } else if cause.contains("-AlarmLow-") {
                                "Utilization 20 points below the target for 15 minutes (AlarmLow)"
                            } else {
                                cause
                            };
                            html! { <tr>
                                <td>{ short_time(a["StartTime"].as_f64().unwrap_or(0.0)) }</td>
                                <td><code>{ a["ResourceId"].as_str().unwrap_or_default() }</code></td>
                                <td>{ a["Description"].as_str().unwrap_or_default() }
                                    if status == "Failed" { <div class="error-text">{ a["StatusMessage"].as_str().unwrap_or_default() }</div> }</td>
                                <td title={a["StatusMessage"].as_str().unwrap_or_default().to_string()}><span class={classes!("badge", if status == "Successful" { "active" } else { "creating" })}>{ status.clone() }</span></td>
                                <td title={cause.to_string()}>{ why }</td>
                            </tr> }
                        }) }
                    </tbody>
                </table></div>
            }
        </section>
    }
}
