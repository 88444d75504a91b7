//! The Backups tab of a table: point-in-time recovery (UpdateContinuousBackups, the restorable
//! window as a timeline on the simulated clock, a second picked on it previewed through
//! `dynamodb:GetItemsAt`, RestoreTableToPointInTime), on-demand backups (CreateBackup,
//! ListBackups, RestoreTableFromBackup, DeleteBackup) and AWS Backup plans for the table
//! (CreateBackupPlan + CreateBackupSelection with a schedule, expiry and a cross-region copy;
//! their recovery points, here and in the copy's region).

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
    panels::{stream::sim_time, ttl::use_sim_now},
};

/// LatestRestorableDateTime lags the clock by five minutes, as on AWS (the engine's `pitr::LATEST_LAG_MS`).
const LATEST_LAG_S: f64 = 300.0;

pub const SCHEDULES: &[(&str, &str)] = &[
    ("cron(0 * ? * * *)", "Every hour, on the hour"),
    ("cron(0 */12 ? * * *)", "Every 12 hours"),
    ("cron(0 5 ? * * *)", "Daily at 05:00 UTC"),
    ("cron(0 5 ? * SUN *)", "Weekly, Sundays 05:00 UTC"),
];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub table: Value,
}

fn input_value(e: &InputEvent) -> Option<String> {
    e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value())
}

fn select_value(e: &Event) -> Option<String> {
    e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|i| i.value())
}

fn fmt_size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The Backups tab.
#[function_component(BackupsTab)]
pub fn backups_tab(p: &Props) -> Html {
    let name = p.table["TableName"].as_str().unwrap_or_default().to_string();
    let arn = p.table["TableArn"].as_str().unwrap_or_default().to_string();
    let restored = p.table.get("RestoreSummary").map(|r| {
        let from = r["SourceBackupArn"]
            .as_str()
            .map(|b| format!("backup {}", b.rsplit('/').next().unwrap_or_default()))
            .or_else(|| r["SourceTableArn"].as_str().map(|t| format!("table {}", t.rsplit('/').next().unwrap_or_default())))
            .unwrap_or_default();
        let state = if r["RestoreInProgress"] == json!(true) { "restoring" } else { "restored" };
        format!("This table was {state} from {from} as of {}.", sim_time(r["RestoreDateTime"].as_f64().unwrap_or(0.0)))
    });
    html! {
        <div class="backups-panel">
            if let Some(note) = restored { <p class="bk-restored">{ note }</p> }
            <Pitr table={name.clone()} />
            <OnDemand table={name.clone()} />
            <AwsBackup table={name} arn={arn} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TableProps {
    table: String,
}

/// Point-in-time recovery: the setting, the timeline and the restore.
#[function_component(Pitr)]
fn pitr(p: &TableProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let desc = use_state(|| None::<Value>);
    let days = use_state(|| "35".to_string());
    // Seconds before the latest restorable time; 0 = the latest.
    let back = use_state(|| 0.0f64);
    let target = use_state(|| format!("{}-restored", p.table));
    let preview = use_state(|| None::<(f64, Result<Value, String>)>);
    {
        let (desc, bridge, table) = (desc.clone(), ctx.bridge.clone(), p.table.clone());
        use_effect_with((ctx.version, p.table.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = bridge.send("dynamodb", "DescribeContinuousBackups", json!({"TableName": table})).await {
                    desc.set(Some(v["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"].clone()));
                }
            });
            || ()
        });
    }
    let on = desc.as_ref().is_some_and(|d| d["PointInTimeRecoveryStatus"] == "ENABLED");
    let now_s = use_sim_now(on) / 1000.0;
    let period = desc.as_ref().and_then(|d| d["RecoveryPeriodInDays"].as_f64()).unwrap_or(35.0);
    // The window, live on the simulated clock (DescribeContinuousBackups gives the floor).
    let earliest = desc.as_ref().and_then(|d| d["EarliestRestorableDateTime"].as_f64()).unwrap_or(now_s).max(now_s - period * 86_400.0).floor();
    let latest = (now_s - LATEST_LAG_S).floor().max(earliest);
    let width = (latest - earliest).max(0.0);
    let chosen = (latest - (*back).min(width)).max(earliest);

    // Preview the table at the chosen second.
    {
        let (preview, bridge, table, region) = (preview.clone(), ctx.bridge.clone(), p.table.clone(), ctx.region.clone());
        let at = if on { Some(chosen) } else { None };
        use_effect_with((at.map(|a| a as i64), ctx.version), move |_| {
            if let Some(at) = at {
                wasm_bindgen_futures::spawn_local(async move {
                    let r = bridge.sim("dynamodb:GetItemsAt", json!({"region": region, "TableName": table, "Time": at, "Limit": 5})).await;
                    preview.set(Some((at, r.map_err(|e| e.message))));
                });
            }
            || ()
        });
    }

    let toggle = {
        let (ctx, table, days) = (ctx.clone(), p.table.clone(), days.clone());
        Callback::from(move |_| {
            let (ctx, table) = (ctx.clone(), table.clone());
            let mut spec = json!({"PointInTimeRecoveryEnabled": !on});
            if !on {
                spec["RecoveryPeriodInDays"] = json!(days.parse::<i64>().unwrap_or(35));
            }
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "UpdateContinuousBackups", json!({"TableName": table, "PointInTimeRecoverySpecification": spec})).await {
                    Ok(_) if !on => ctx.notify.emit(Notice::info(
                        "Point-in-time recovery",
                        "PITR is ENABLED: every write is now recorded. The restorable window starts now and trails the clock by five minutes.",
                    )),
                    Ok(_) => ctx.notify.emit(Notice::info("Point-in-time recovery", "PITR is DISABLED: the recorded history is gone.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let restore = {
        let (ctx, table, target) = (ctx.clone(), p.table.clone(), target.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, table, target) = (ctx.clone(), table.clone(), (*target).trim().to_string());
            wasm_bindgen_futures::spawn_local(async move {
                let req = json!({"SourceTableName": table, "TargetTableName": target, "RestoreDateTime": chosen});
                match ctx.bridge.send("dynamodb", "RestoreTableToPointInTime", req).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info(
                            "Restore started",
                            &format!("{target} is CREATING with the data as of {}; it turns ACTIVE after 30 simulated seconds.", sim_time(chosen)),
                        ));
                        ctx.navigate.emit(Route::Tables(Some(target)));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let on_slider = {
        let back = back.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(v) = input_value(&e).and_then(|v| v.parse::<f64>().ok()) {
                back.set((width - v).max(0.0));
            }
        })
    };
    let step = |s: f64| {
        let back = back.clone();
        Callback::from(move |_| back.set((*back + s).clamp(0.0, width)))
    };
    let status = desc.as_ref().and_then(|d| d["PointInTimeRecoveryStatus"].as_str()).unwrap_or("…").to_string();

    html! {
        <section class="bk-section" aria-label="Point-in-time recovery">
            <h3>{ "Point-in-time recovery" }<span class={classes!("badge", status.to_lowercase())}>{ &status }</span></h3>
            <div class="bk-row">
                if on {
                    <span>{ format!("Recovery period: {period} days") }</span>
                    <button class="btn" onclick={toggle}>{ "Disable PITR" }</button>
                } else {
                    <label>{ "Recovery period (days) " }
                        <input class="input bk-days" type="number" min="1" max="35" aria-label="Recovery period in days" value={(*days).clone()} oninput={let d = days.clone(); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { d.set(v) })} />
                    </label>
                    <button class="btn primary" onclick={toggle}>{ "Enable PITR" }</button>
                }
            </div>
            if on {
                <div class="bk-timeline" aria-label="Restorable window">
                    <div class="bk-ends">
                        <span>{ "Earliest " }<strong class="bk-earliest">{ sim_time(earliest) }</strong></span>
                        <span>{ "Latest " }<strong class="bk-latest">{ sim_time(latest) }</strong></span>
                    </div>
                    if width >= 1.0 {
                        <input class="bk-slider" type="range" min="0" max={width.to_string()} step="1" value={(chosen - earliest).to_string()} aria-label="Restore time" oninput={on_slider} />
                        <div class="bk-steps">
                            <button class="btn small" onclick={step(3600.0)}>{ "−1 h" }</button>
                            <button class="btn small" onclick={step(60.0)}>{ "−1 min" }</button>
                            <button class="btn small" onclick={step(1.0)}>{ "−1 s" }</button>
                            <button class="btn small" onclick={step(-1.0)}>{ "+1 s" }</button>
                            <button class="btn small" onclick={step(-60.0)}>{ "+1 min" }</button>
                            <button class="btn small" onclick={step(-3600.0)}>{ "+1 h" }</button>
                            <button class="btn small" onclick={{let b = back.clone(); Callback::from(move |_| b.set(0.0))}}>{ "Latest" }</button>
                        </div>
                    } else {
                        <p class="hint">{ "The window opens as the clock moves: the latest restorable time is five minutes ago, and nothing before PITR was enabled can be restored. Press +1 h on the clock bar to move on." }</p>
                    }
                    <div class="bk-chosen">{ "Restore to " }<strong class="bk-chosen-time">{ sim_time(chosen) }</strong></div>
                    { match &*preview {
                        Some((at, Ok(v))) if (*at - chosen).abs() < 0.5 => html! {
                            <div class="bk-preview">
                                <span class="bk-preview-count">{ format!("{} item(s) at that second", v["Count"].as_u64().unwrap_or(0)) }</span>
                                <ul>{ for v["Items"].as_array().cloned().unwrap_or_default().iter().map(|i| html! { <li><code>{ crate::dynamo_json::to_plain(&json!({"M": i})).to_string() }</code></li> }) }</ul>
                            </div>
                        },
                        Some((_, Err(m))) => html! { <p class="muted">{ m }</p> },
                        _ => html! {},
                    } }
                    <form class="bk-row" onsubmit={restore}>
                        <label>{ "New table " }<input class="input" aria-label="Restore target table" value={(*target).clone()} oninput={let t = target.clone(); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { t.set(v) })} /></label>
                        <button class="btn primary" type="submit">{ "Restore to this second" }</button>
                    </form>
                </div>
            }
            <p class="hint">{ "With PITR on, DynamoDB keeps every change for the recovery period, so the table can be restored — into a new table — as it was at any second from when PITR was enabled up to five minutes ago. Restores take 30 simulated seconds here (minutes to hours on AWS). The restored table has the indexes, billing and encryption of the source, but no stream, TTL, PITR or tags." }</p>
        </section>
    }
}

/// On-demand backups of the table.
#[function_component(OnDemand)]
fn on_demand(p: &TableProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let list = use_state(Vec::<Value>::new);
    let backup_name = use_state(|| format!("{}-backup", p.table));
    let restoring = use_state(|| None::<(String, String)>);
    {
        let (list, bridge, table) = (list.clone(), ctx.bridge.clone(), p.table.clone());
        use_effect_with((ctx.version, p.table.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                for kind in ["ALL", "AWS_BACKUP"] {
                    if let Ok(v) = bridge.send("dynamodb", "ListBackups", json!({"TableName": table, "BackupType": kind})).await {
                        out.extend(v["BackupSummaries"].as_array().cloned().unwrap_or_default());
                    }
                }
                out.sort_by(|a, b| b["BackupCreationDateTime"].as_f64().unwrap_or(0.0).total_cmp(&a["BackupCreationDateTime"].as_f64().unwrap_or(0.0)));
                list.set(out);
            });
            || ()
        });
    }
    let create = {
        let (ctx, table, backup_name) = (ctx.clone(), p.table.clone(), backup_name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, table, n) = (ctx.clone(), table.clone(), (*backup_name).trim().to_string());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "CreateBackup", json!({"TableName": table, "BackupName": n})).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Backup", &format!("{n} is CREATING; it is AVAILABLE after five simulated seconds."))),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let do_restore = {
        let (ctx, restoring) = (ctx.clone(), restoring.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some((arn, target)) = (*restoring).clone() else { return };
            let (ctx, restoring) = (ctx.clone(), restoring.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "RestoreTableFromBackup", json!({"TargetTableName": target, "BackupArn": arn})).await {
                    Ok(_) => {
                        restoring.set(None);
                        ctx.notify.emit(Notice::info("Restore started", &format!("{target} is CREATING from the backup; it turns ACTIVE after 30 simulated seconds.")));
                        ctx.navigate.emit(Route::Tables(Some(target)));
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <section class="bk-section" aria-label="On-demand backups">
            <h3>{ "Backups" }</h3>
            <form class="bk-row" onsubmit={create}>
                <label>{ "Backup name " }<input class="input" aria-label="Backup name" value={(*backup_name).clone()} oninput={let b = backup_name.clone(); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { b.set(v) })} /></label>
                <button class="btn primary" type="submit">{ "Create backup" }</button>
            </form>
            if let Some((arn, target)) = &*restoring {
                <form class="bk-row bk-restore-form" onsubmit={do_restore}>
                    <span class="muted">{ format!("Restore {}", arn.rsplit('/').next().unwrap_or_default()) }</span>
                    <label>{ " into new table " }<input class="input" aria-label="Backup restore target" value={target.clone()} oninput={let r = restoring.clone(); let a = arn.clone(); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { r.set(Some((a.clone(), v))) })} /></label>
                    <button class="btn primary" type="submit">{ "Restore" }</button>
                    <button class="btn" type="button" onclick={let r = restoring.clone(); Callback::from(move |_| r.set(None))}>{ "Cancel" }</button>
                </form>
            }
            if list.is_empty() {
                <p class="muted">{ "No backups of this table yet." }</p>
            } else {
                <div class="grid-wrap">
                    <table class="grid bk-backups">
                        <thead><tr><th>{ "Name" }</th><th>{ "Type" }</th><th>{ "Status" }</th><th>{ "Created" }</th><th>{ "Expires" }</th><th class="num">{ "Size" }</th><th class="actions-col">{ "" }</th></tr></thead>
                        <tbody>
                            { for list.iter().map(|b| {
                                let arn = b["BackupArn"].as_str().unwrap_or_default().to_string();
                                let status = b["BackupStatus"].as_str().unwrap_or_default().to_string();
                                let available = status == "AVAILABLE";
                                let restore = { let r = restoring.clone(); let a = arn.clone(); let t = format!("{}-from-backup", b["TableName"].as_str().unwrap_or_default()); Callback::from(move |_| r.set(Some((a.clone(), t.clone())))) };
                                let delete = {
                                    let (ctx, arn) = (ctx.clone(), arn.clone());
                                    Callback::from(move |_| {
                                        let (ctx, arn) = (ctx.clone(), arn.clone());
                                        wasm_bindgen_futures::spawn_local(async move {
                                            if let Err(e) = ctx.bridge.send("dynamodb", "DeleteBackup", json!({"BackupArn": arn})).await { ctx.error(&e) }
                                        });
                                    })
                                };
                                html! {
                                    <tr>
                                        <td>{ b["BackupName"].as_str().unwrap_or_default() }</td>
                                        <td>{ b["BackupType"].as_str().unwrap_or_default() }</td>
                                        <td><span class={classes!("badge", status.to_lowercase())}>{ &status }</span></td>
                                        <td>{ sim_time(b["BackupCreationDateTime"].as_f64().unwrap_or(0.0)) }</td>
                                        <td>{ b["BackupExpiryDateTime"].as_f64().map(sim_time).unwrap_or_else(|| "—".into()) }</td>
                                        <td class="num">{ fmt_size(b["BackupSizeBytes"].as_u64().unwrap_or(0)) }</td>
                                        <td class="actions-col">
                                            <button class="btn small" disabled={!available} onclick={restore}>{ "Restore" }</button>
                                            <button class="btn small danger" disabled={!available} onclick={delete}>{ "Delete" }</button>
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            <p class="hint">{ "An on-demand backup copies the whole table at the moment it is requested; it is kept until you delete it, even after the table is deleted. Deleting a table with PITR on leaves a SYSTEM backup for 35 days." }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AwsBackupProps {
    table: String,
    arn: String,
}

/// AWS Backup plans that select this table, and their recovery points.
#[function_component(AwsBackup)]
fn aws_backup(p: &AwsBackupProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    // (plan id, plan JSON from GetBackupPlan, selection ids naming this table)
    let plans = use_state(Vec::<(String, Value, Vec<String>)>::new);
    // (region, recovery point)
    let points = use_state(Vec::<(String, Value)>::new);
    let schedule = use_state(|| SCHEDULES[0].0.to_string());
    let keep_days = use_state(|| "7".to_string());
    let copy_region = use_state(String::new);
    {
        let (plans, points, bridge, arn, region) = (plans.clone(), points.clone(), ctx.bridge.clone(), p.arn.clone(), ctx.region.clone());
        use_effect_with((ctx.version, p.arn.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut found = Vec::new();
                let mut regions = vec![region.clone()];
                if let Ok(v) = bridge.send("backup", "ListBackupPlans", json!({})).await {
                    for pl in v["BackupPlansList"].as_array().cloned().unwrap_or_default() {
                        let id = pl["BackupPlanId"].as_str().unwrap_or_default().to_string();
                        let mut mine = Vec::new();
                        if let Ok(s) = bridge.send("backup", "ListBackupSelections", json!({"BackupPlanId": id})).await {
                            for sel in s["BackupSelectionsList"].as_array().cloned().unwrap_or_default() {
                                let sid = sel["SelectionId"].as_str().unwrap_or_default().to_string();
                                if let Ok(g) = bridge.send("backup", "GetBackupSelection", json!({"BackupPlanId": id, "SelectionId": sid})).await {
                                    if g["BackupSelection"]["Resources"].as_array().is_some_and(|r| r.iter().any(|x| x == &json!(arn))) {
                                        mine.push(sid);
                                    }
                                }
                            }
                        }
                        if !mine.is_empty() {
                            if let Ok(g) = bridge.send("backup", "GetBackupPlan", json!({"BackupPlanId": id})).await {
                                for rule in g["BackupPlan"]["Rules"].as_array().cloned().unwrap_or_default() {
                                    for c in rule["CopyActions"].as_array().cloned().unwrap_or_default() {
                                        if let Some(r) = c["DestinationBackupVaultArn"].as_str().and_then(|a| a.split(':').nth(3)) {
                                            if !regions.iter().any(|x| x == r) {
                                                regions.push(r.to_string());
                                            }
                                        }
                                    }
                                }
                                found.push((id, g, mine));
                            }
                        }
                    }
                }
                let mut rps = Vec::new();
                for r in regions {
                    if let Ok(v) = bridge.send_in("backup", "ListRecoveryPointsByBackupVault", json!({"BackupVaultName": "Default"}), &r).await {
                        for rp in v["RecoveryPoints"].as_array().cloned().unwrap_or_default() {
                            if rp["ResourceName"] == json!(arn.rsplit('/').next().unwrap_or_default()) {
                                rps.push((r.clone(), rp));
                            }
                        }
                    }
                }
                plans.set(found);
                points.set(rps);
            });
            || ()
        });
    }
    let create = {
        let (ctx, table, arn, schedule, keep_days, copy_region) = (ctx.clone(), p.table.clone(), p.arn.clone(), schedule.clone(), keep_days.clone(), copy_region.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (ctx, table, arn) = (ctx.clone(), table.clone(), arn.clone());
            let mut rule = json!({"RuleName": "scheduled", "TargetBackupVaultName": "Default", "ScheduleExpression": (*schedule).clone()});
            if let Ok(d) = keep_days.parse::<i64>() {
                rule["Lifecycle"] = json!({"DeleteAfterDays": d});
            }
            if !copy_region.is_empty() {
                let mut copy = json!({"DestinationBackupVaultArn": format!("arn:aws:backup:{}:{}:backup-vault:Default", *copy_region, arn.split(':').nth(4).unwrap_or_default())});
                if let Ok(d) = keep_days.parse::<i64>() {
                    copy["Lifecycle"] = json!({"DeleteAfterDays": d});
                }
                rule["CopyActions"] = json!([copy]);
            }
            wasm_bindgen_futures::spawn_local(async move {
                let plan = json!({"BackupPlan": {"BackupPlanName": format!("{table}-plan"), "Rules": [rule]}});
                let created = match ctx.bridge.send("backup", "CreateBackupPlan", plan).await {
                    Ok(v) => v,
                    Err(e) => return ctx.error(&e),
                };
                let id = created["BackupPlanId"].as_str().unwrap_or_default().to_string();
                let role = format!("arn:aws:iam::{}:role/service-role/AWSBackupDefaultServiceRole", arn.split(':').nth(4).unwrap_or_default());
                let sel = json!({"BackupPlanId": id, "BackupSelection": {"SelectionName": table, "IamRoleArn": role, "Resources": [arn]}});
                match ctx.bridge.send("backup", "CreateBackupSelection", sel).await {
                    Ok(_) => ctx.notify.emit(Notice::info(
                        "AWS Backup",
                        "The plan runs on the simulated clock: jump the clock to its next scheduled time to see a backup job and its recovery point.",
                    )),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    html! {
        <section class="bk-section" aria-label="AWS Backup">
            <h3>{ "AWS Backup" }</h3>
            <form class="bk-row bk-plan-form" onsubmit={create}>
                <label>{ "Schedule " }
                    <select class="input" aria-label="Schedule" onchange={let s = schedule.clone(); Callback::from(move |e: Event| if let Some(v) = select_value(&e) { s.set(v) })}>
                        { for SCHEDULES.iter().map(|(expr, label)| html! { <option value={*expr} selected={*schedule == *expr}>{ *label }</option> }) }
                    </select>
                </label>
                <label>{ "Delete after (days) " }<input class="input bk-days" type="number" min="1" aria-label="Delete after days" value={(*keep_days).clone()} oninput={let k = keep_days.clone(); Callback::from(move |e: InputEvent| if let Some(v) = input_value(&e) { k.set(v) })} /></label>
                <label>{ "Copy to " }
                    <select class="input" aria-label="Copy to region" onchange={let c = copy_region.clone(); Callback::from(move |e: Event| if let Some(v) = select_value(&e) { c.set(v) })}>
                        <option value="" selected={copy_region.is_empty()}>{ "no copy" }</option>
                        { for gureum_engine::REGIONS.iter().filter(|(r, _)| *r != ctx.region).map(|(r, _)| html! { <option value={*r} selected={*copy_region == *r}>{ *r }</option> }) }
                    </select>
                </label>
                <button class="btn primary" type="submit">{ "Create plan" }</button>
            </form>
            if !plans.is_empty() {
                <ul class="bk-plans">
                    { for plans.iter().map(|(id, plan, sels)| {
                        let rule = &plan["BackupPlan"]["Rules"][0];
                        let expr = rule["ScheduleExpression"].as_str().unwrap_or_default();
                        let label = SCHEDULES.iter().find(|(e, _)| *e == expr).map(|(_, l)| l.to_string()).unwrap_or_else(|| expr.to_string());
                        let copy = rule["CopyActions"][0]["DestinationBackupVaultArn"].as_str().and_then(|a| a.split(':').nth(3)).map(|r| format!(" · copy to {r}")).unwrap_or_default();
                        let keep = rule["Lifecycle"]["DeleteAfterDays"].as_i64().map(|d| format!(" · kept {d} d")).unwrap_or_default();
                        let last = plan["LastExecutionDate"].as_f64().map(|t| format!(" · last run {}", sim_time(t))).unwrap_or_default();
                        let delete = {
                            let (ctx, id, sels) = (ctx.clone(), id.clone(), sels.clone());
                            Callback::from(move |_| {
                                let (ctx, id, sels) = (ctx.clone(), id.clone(), sels.clone());
                                wasm_bindgen_futures::spawn_local(async move {
                                    for s in sels {
                                        let _ = ctx.bridge.send("backup", "DeleteBackupSelection", json!({"BackupPlanId": id, "SelectionId": s})).await;
                                    }
                                    if let Err(e) = ctx.bridge.send("backup", "DeleteBackupPlan", json!({"BackupPlanId": id})).await { ctx.error(&e) }
                                });
                            })
                        };
                        html! {
                            <li class="bk-plan">
                                <strong>{ plan["BackupPlan"]["BackupPlanName"].as_str().unwrap_or_default() }</strong>
                                <span class="muted">{ format!(" {label}{keep}{copy}{last}") }</span>
                                <button class="btn small danger" onclick={delete}>{ "Delete plan" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            if !points.is_empty() {
                <div class="grid-wrap">
                    <table class="grid bk-points">
                        <thead><tr><th>{ "Recovery point" }</th><th>{ "Region" }</th><th>{ "Status" }</th><th>{ "Created" }</th><th>{ "Deleted at" }</th></tr></thead>
                        <tbody>
                            { for points.iter().map(|(r, rp)| html! {
                                <tr>
                                    <td><code>{ rp["RecoveryPointArn"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default() }</code></td>
                                    <td>{ r.clone() }{ if rp.get("SourceBackupVaultArn").is_some() { " (copy)" } else { "" } }</td>
                                    <td><span class={classes!("badge", rp["Status"].as_str().unwrap_or_default().to_lowercase())}>{ rp["Status"].as_str().unwrap_or_default() }</span></td>
                                    <td>{ sim_time(rp["CreationDate"].as_f64().unwrap_or(0.0)) }</td>
                                    <td>{ rp["CalculatedLifecycle"]["DeleteAt"].as_f64().map(sim_time).unwrap_or_else(|| "—".into()) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            <p class="hint">{ "AWS Backup runs a plan's rule on its schedule (UTC, on the simulated clock): each run is a backup job whose recovery point is a DynamoDB backup of type AWS_BACKUP, listed above with the table's backups and restorable from there. The rule's lifecycle deletes it after the days you set; a copy action copies it to another region's Default vault. AWS starts a job within its start window (8 hours by default); the sandbox starts it on time." }</p>
        </section>
    }
}
