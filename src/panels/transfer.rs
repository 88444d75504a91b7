//! Export to S3 and import from S3. The table view's "Export / import" tab exports the table
//! (ExportTableToPointInTime: bucket, prefix, format, full or incremental with its window) and
//! lists its exports (ListExports, DescribeExport) with a link to the S3 folder; the Tables page's
//! "Import from S3" form starts an ImportTable into a new table and lists the imports with a
//! progress bar from DescribeImport and the error count linked to the CloudWatch Logs group.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::{Ctx, Route},
    notify::Notice,
};

fn input_value(e: &InputEvent) -> String {
    e.target_dyn_into::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

fn select_value(e: &Event) -> String {
    e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default()
}

fn set_text(s: &UseStateHandle<String>) -> Callback<InputEvent> {
    let s = s.clone();
    Callback::from(move |e: InputEvent| s.set(input_value(&e)))
}

fn set_choice(s: &UseStateHandle<String>) -> Callback<Event> {
    let s = s.clone();
    Callback::from(move |e: Event| s.set(select_value(&e)))
}

/// "12:03:04" of an epoch-seconds timestamp (UTC, the simulated clock's).
fn clock_time(v: &Value) -> String {
    let Some(s) = v.as_f64() else { return "—".into() };
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(s * 1000.0));
    let iso = String::from(d.to_iso_string());
    iso.get(11..19).unwrap_or_default().to_string()
}

fn fmt_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn token() -> String {
    format!("ui-{:x}-{:x}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e12) as u64)
}

/// Re-renders every second while `live` (a job is IN_PROGRESS), so its status moves.
#[hook]
fn use_poll(live: bool) -> u32 {
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with(live, move |live| {
            let i = live.then(|| gloo::timers::callback::Interval::new(1000, move || tick.set(js_sys::Date::now() as u32)));
            move || drop(i)
        });
    }
    *tick
}

/// The buckets of the region (for the bucket field's suggestions).
#[hook]
fn use_buckets() -> Vec<String> {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let buckets = use_state(Vec::<String>::new);
    {
        let (buckets, bridge) = (buckets.clone(), ctx.bridge.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = bridge.send("s3", "ListBuckets", json!({})).await {
                    buckets.set(v["Buckets"].as_array().map(|b| b.iter().filter_map(|b| b["Name"].as_str().map(str::to_string)).collect()).unwrap_or_default());
                }
            });
            || ()
        });
    }
    (*buckets).clone()
}

fn s3_link(ctx: &Ctx, bucket: &str, key: Option<&str>) -> Html {
    let href = format!("#/s3/{}", String::from(js_sys::encode_uri_component(bucket)));
    let label = match key {
        Some(k) => format!("s3://{bucket}/{k}"),
        None => format!("s3://{bucket}"),
    };
    let _ = ctx;
    html! { <a class="s3-link" {href} title="Open the bucket in the S3 panel">{ label }</a> }
}

#[derive(Properties, PartialEq)]
pub struct TabProps {
    /// The table's description (DescribeTable's `Table`).
    pub table: Value,
}

/// The table view's "Export / import" tab.
#[function_component(ExportTab)]
pub fn export_tab(p: &TabProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let name = p.table["TableName"].as_str().unwrap_or_default().to_string();
    let arn = p.table["TableArn"].as_str().unwrap_or_default().to_string();
    let buckets = use_buckets();
    let bucket = use_state(String::new);
    let prefix = use_state(|| "exports".to_string());
    let format = use_state(|| "DYNAMODB_JSON".to_string());
    let kind = use_state(|| "FULL_EXPORT".to_string());
    let from_min = use_state(|| "60".to_string());
    let to_min = use_state(|| "5".to_string());
    let view = use_state(|| "NEW_AND_OLD_IMAGES".to_string());
    let pitr = use_state(|| None::<Value>);
    let exports = use_state(|| None::<Vec<Value>>);
    let live = exports.as_ref().is_some_and(|l| l.iter().any(|e| e["ExportStatus"] == "IN_PROGRESS"));
    let tick = use_poll(live);
    let sim_now = super::ttl::use_sim_now(*kind == "INCREMENTAL_EXPORT");

    if bucket.is_empty() {
        if let Some(b) = buckets.first() {
            bucket.set(b.clone());
        }
    }
    {
        let (ctx, pitr, exports, name, arn) = (ctx.clone(), pitr.clone(), exports.clone(), name.clone(), arn.clone());
        use_effect_with((ctx.version, tick, name.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(v) = ctx.bridge.send("dynamodb", "DescribeContinuousBackups", json!({"TableName": name})).await {
                    pitr.set(Some(v["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"].clone()));
                }
                let mut out = Vec::new();
                if let Ok(v) = ctx.bridge.send("dynamodb", "ListExports", json!({"TableArn": arn, "MaxResults": 25})).await {
                    for s in v["ExportSummaries"].as_array().cloned().unwrap_or_default() {
                        if let Ok(d) = ctx.bridge.send("dynamodb", "DescribeExport", json!({"ExportArn": s["ExportArn"]})).await {
                            out.push(d["ExportDescription"].clone());
                        }
                    }
                }
                exports.set(Some(out));
            });
            || ()
        });
    }
    let pitr_on = pitr.as_ref().is_some_and(|p| p["PointInTimeRecoveryStatus"] == "ENABLED");
    let enable_pitr = {
        let (ctx, name) = (ctx.clone(), name.clone());
        Callback::from(move |_| {
            let (ctx, name) = (ctx.clone(), name.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx
                    .bridge
                    .send("dynamodb", "UpdateContinuousBackups", json!({"TableName": name, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}))
                    .await
                {
                    Ok(_) => ctx.notify.emit(Notice::info("Point-in-time recovery", "PITR is on: the table can be exported as of any moment from now on.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let submit = {
        let (ctx, arn) = (ctx.clone(), arn.clone());
        let (bucket, prefix, format, kind, from_min, to_min, view) = (bucket.clone(), prefix.clone(), format.clone(), kind.clone(), from_min.clone(), to_min.clone(), view.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut req = json!({"TableArn": arn, "S3Bucket": (*bucket).trim(), "ExportFormat": *format, "ExportType": *kind, "ClientToken": token()});
            if !prefix.trim().is_empty() {
                req["S3Prefix"] = json!(prefix.trim());
            }
            if *kind == "INCREMENTAL_EXPORT" {
                let now = sim_now / 1000.0;
                let from: f64 = from_min.trim().parse().unwrap_or(60.0);
                let to: f64 = to_min.trim().parse().unwrap_or(5.0);
                req["IncrementalExportSpecification"] = json!({"ExportFromTime": (now - from * 60.0).floor(), "ExportToTime": (now - to * 60.0).floor(), "ExportViewType": *view});
            }
            let ctx = ctx.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "ExportTableToPointInTime", req).await {
                    Ok(_) => ctx.notify.emit(Notice::info("Export started", "The export is IN_PROGRESS; its files appear in the bucket when it is COMPLETED.")),
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };

    html! {
        <div class="transfer-panel">
            <div class="transfer-pitr">
                <span class="muted">{ "Point-in-time recovery" }</span>
                { match &*pitr {
                    Some(p) => { let s = p["PointInTimeRecoveryStatus"].as_str().unwrap_or("DISABLED").to_string(); html! { <span class={classes!("badge", s.to_lowercase())}>{ s }</span> } }
                    None => html! { <span class="badge">{ "…" }</span> },
                } }
                if pitr_on {
                    if let Some(p) = &*pitr {
                        <span class="muted">{ format!("window {} – {} (UTC)", clock_time(&p["EarliestRestorableDateTime"]), clock_time(&p["LatestRestorableDateTime"])) }</span>
                    }
                } else {
                    <span class="muted">{ "Exports read the table's PITR log, so PITR must be on." }</span>
                    <button class="btn small" onclick={enable_pitr}>{ "Enable PITR" }</button>
                }
            </div>
            <form class="card transfer-form" onsubmit={submit} aria-label="Export to S3">
                <h3>{ "Export to S3" }</h3>
                <div class="transfer-grid">
                    <label>{ "S3 bucket" }
                        <input class="input" aria-label="Export bucket" list="transfer-buckets" required=true value={(*bucket).clone()} oninput={set_text(&bucket)} />
                    </label>
                    <label>{ "Prefix" }
                        <input class="input" aria-label="Export prefix" value={(*prefix).clone()} oninput={set_text(&prefix)} />
                    </label>
                    <label>{ "Format" }
                        <select class="input" aria-label="Export format" onchange={set_choice(&format)}>
                            <option value="DYNAMODB_JSON" selected={*format == "DYNAMODB_JSON"}>{ "DynamoDB JSON" }</option>
                            <option value="ION" selected={*format == "ION"}>{ "Amazon Ion" }</option>
                        </select>
                    </label>
                    <label>{ "Type" }
                        <select class="input" aria-label="Export type" onchange={set_choice(&kind)}>
                            <option value="FULL_EXPORT" selected={*kind == "FULL_EXPORT"}>{ "Full export (the table now)" }</option>
                            <option value="INCREMENTAL_EXPORT" selected={*kind == "INCREMENTAL_EXPORT"}>{ "Incremental (changes in a window)" }</option>
                        </select>
                    </label>
                    if *kind == "INCREMENTAL_EXPORT" {
                        <label>{ "From (minutes ago)" }
                            <input class="input" type="number" min="0" aria-label="From minutes ago" value={(*from_min).clone()} oninput={set_text(&from_min)} />
                        </label>
                        <label>{ "To (minutes ago)" }
                            <input class="input" type="number" min="0" aria-label="To minutes ago" value={(*to_min).clone()} oninput={set_text(&to_min)} />
                        </label>
                        <label>{ "View" }
                            <select class="input" aria-label="Export view" onchange={set_choice(&view)}>
                                <option value="NEW_AND_OLD_IMAGES" selected={*view == "NEW_AND_OLD_IMAGES"}>{ "New and old images" }</option>
                                <option value="NEW_IMAGE" selected={*view == "NEW_IMAGE"}>{ "New image" }</option>
                            </select>
                        </label>
                    }
                </div>
                <datalist id="transfer-buckets">{ for buckets.iter().map(|b| html! { <option value={b.clone()} /> }) }</datalist>
                <div class="transfer-actions">
                    <button class="btn primary" type="submit" disabled={!pitr_on}>{ "Export" }</button>
                    <span class="hint">{ "Files land in " }<code>{ "prefix/AWSDynamoDB/{ExportId}/" }</code>{ ": " }<code>{ "data/*.json.gz" }</code>{ ", manifest-summary.json, manifest-files.json, their .md5 files and _started. An incremental window is 15 minutes to 24 hours, inside the PITR window (it ends at least 5 minutes ago)." }</span>
                </div>
            </form>
            <h3>{ "Exports" }</h3>
            { match &*exports {
                None => html! { <p class="muted">{ "Loading…" }</p> },
                Some(l) if l.is_empty() => html! { <p class="muted">{ "No exports of this table yet." }</p> },
                Some(l) => html! {
                    <div class="grid-wrap">
                        <table class="grid transfer-grid-table" aria-label="Exports">
                            <thead><tr><th>{ "Status" }</th><th>{ "Started" }</th><th>{ "Type" }</th><th>{ "Format" }</th><th>{ "Items" }</th><th>{ "Destination" }</th></tr></thead>
                            <tbody>
                                { for l.iter().map(|e| {
                                    let status = e["ExportStatus"].as_str().unwrap_or_default().to_string();
                                    let id = e["ExportArn"].as_str().and_then(|a| a.rsplit('/').next()).unwrap_or_default().to_string();
                                    let root = match e["S3Prefix"].as_str() {
                                        Some(p) if !p.is_empty() => format!("{}/AWSDynamoDB/{id}/", p.trim_end_matches('/')),
                                        _ => format!("AWSDynamoDB/{id}/"),
                                    };
                                    let bucket = e["S3Bucket"].as_str().unwrap_or_default();
                                    html! {
                                        <tr class="export-row">
                                            <td><span class={classes!("badge", status.to_lowercase().replace('_', "-"))}>{ &status }</span>
                                                if let Some(m) = e["FailureMessage"].as_str() { <div class="failure" title={m.to_string()}>{ format!("{}: {m}", e["FailureCode"].as_str().unwrap_or_default()) }</div> }
                                            </td>
                                            <td>{ clock_time(&e["StartTime"]) }</td>
                                            <td>{ e["ExportType"].as_str().unwrap_or("FULL_EXPORT") }</td>
                                            <td>{ e["ExportFormat"].as_str().unwrap_or_default() }</td>
                                            <td>{ e["ItemCount"].as_u64().map(|n| n.to_string()).unwrap_or_else(|| "—".into()) }</td>
                                            <td class="dest">{ s3_link(&ctx, bucket, Some(&root)) }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                },
            } }
        </div>
    }
}

/// The Tables page's "Import from S3": the form (when `open`) and the region's imports.
#[derive(Properties, PartialEq)]
pub struct ImportProps {
    pub open: bool,
    pub on_close: Callback<()>,
}

#[function_component(ImportFromS3)]
pub fn import_from_s3(p: &ImportProps) -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let buckets = use_buckets();
    let bucket = use_state(String::new);
    let prefix = use_state(String::new);
    let format = use_state(|| "CSV".to_string());
    let compression = use_state(|| "NONE".to_string());
    let delimiter = use_state(|| ",".to_string());
    let headers = use_state(String::new);
    let table = use_state(String::new);
    let pk = use_state(|| "pk".to_string());
    let pk_type = use_state(|| "S".to_string());
    let sk = use_state(String::new);
    let sk_type = use_state(|| "S".to_string());
    let imports = use_state(|| None::<Vec<(Value, Option<u64>)>>);
    let live = imports.as_ref().is_some_and(|l| l.iter().any(|(i, _)| i["ImportStatus"] == "IN_PROGRESS"));
    let tick = use_poll(live);

    if bucket.is_empty() {
        if let Some(b) = buckets.first() {
            bucket.set(b.clone());
        }
    }
    {
        let (ctx, imports) = (ctx.clone(), imports.clone());
        use_effect_with((ctx.version, tick, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let mut out = Vec::new();
                if let Ok(v) = ctx.bridge.send("dynamodb", "ListImports", json!({"PageSize": 10})).await {
                    for s in v["ImportSummaryList"].as_array().cloned().unwrap_or_default() {
                        if let Ok(d) = ctx.bridge.send("dynamodb", "DescribeImport", json!({"ImportArn": s["ImportArn"]})).await {
                            let d = d["ImportTableDescription"].clone();
                            // The source's size, for the progress bar of an uncompressed import.
                            let mut total = None;
                            if d["ImportStatus"] == "IN_PROGRESS" && d["InputCompressionType"] == "NONE" {
                                let src = &d["S3BucketSource"];
                                let mut req = json!({"Bucket": src["S3Bucket"]});
                                if let Some(p) = src["S3KeyPrefix"].as_str() {
                                    req["Prefix"] = json!(p);
                                }
                                if let Ok(l) = ctx.bridge.send("s3", "ListObjectsV2", req).await {
                                    total = Some(l["Contents"].as_array().map(|c| c.iter().filter_map(|o| o["Size"].as_u64()).sum()).unwrap_or(0));
                                }
                            }
                            out.push((d, total));
                        }
                    }
                }
                imports.set(Some(out));
            });
            || ()
        });
    }

    let submit = {
        let ctx = ctx.clone();
        let (bucket, prefix, format, compression, delimiter, headers, table, pk, pk_type, sk, sk_type) = (
            bucket.clone(),
            prefix.clone(),
            format.clone(),
            compression.clone(),
            delimiter.clone(),
            headers.clone(),
            table.clone(),
            pk.clone(),
            pk_type.clone(),
            sk.clone(),
            sk_type.clone(),
        );
        let on_close = p.on_close.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut defs = vec![json!({"AttributeName": pk.trim(), "AttributeType": *pk_type})];
            let mut keys = vec![json!({"AttributeName": pk.trim(), "KeyType": "HASH"})];
            if !sk.trim().is_empty() {
                defs.push(json!({"AttributeName": sk.trim(), "AttributeType": *sk_type}));
                keys.push(json!({"AttributeName": sk.trim(), "KeyType": "RANGE"}));
            }
            let mut source = json!({"S3Bucket": bucket.trim()});
            if !prefix.trim().is_empty() {
                source["S3KeyPrefix"] = json!(prefix.trim());
            }
            let mut req = json!({
                "ClientToken": token(),
                "S3BucketSource": source,
                "InputFormat": *format,
                "InputCompressionType": *compression,
                "TableCreationParameters": {"TableName": table.trim(), "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"},
            });
            if *format == "CSV" {
                let mut csv = json!({});
                if *delimiter != "," {
                    csv["Delimiter"] = json!(if *delimiter == "tab" { "\t" } else { delimiter.as_str() });
                }
                let list: Vec<&str> = headers.split(',').map(str::trim).filter(|h| !h.is_empty()).collect();
                if !list.is_empty() {
                    csv["HeaderList"] = json!(list);
                }
                if csv.as_object().is_some_and(|o| !o.is_empty()) {
                    req["InputFormatOptions"] = json!({"Csv": csv});
                }
            }
            let (ctx, on_close) = (ctx.clone(), on_close.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ctx.bridge.send("dynamodb", "ImportTable", req).await {
                    Ok(_) => {
                        ctx.notify.emit(Notice::info("Import started", "The new table is CREATING until the import ends; follow its progress below."));
                        on_close.emit(());
                    }
                    Err(e) => ctx.error(&e),
                }
            });
        })
    };
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    let types = |cur: &str| html! { <>{ for ["S", "N", "B"].iter().map(|t| html! { <option value={*t} selected={cur == *t}>{ *t }</option> }) }</> };
    let log_route = Route::Logs(Some("/aws-dynamodb/imports".into()));

    html! {
        <>
            if p.open {
                <form class="card transfer-form import-form" onsubmit={submit} aria-label="Import from S3">
                    <h3>{ "Import from S3 into a new table" }</h3>
                    <div class="transfer-grid">
                        <label>{ "S3 bucket" }
                            <input class="input" aria-label="Import bucket" list="import-buckets" required=true value={(*bucket).clone()} oninput={set_text(&bucket)} />
                        </label>
                        <label>{ "Key prefix" }
                            <input class="input" aria-label="Import prefix" placeholder="every object under it" value={(*prefix).clone()} oninput={set_text(&prefix)} />
                        </label>
                        <label>{ "Format" }
                            <select class="input" aria-label="Import format" onchange={set_choice(&format)}>
                                <option value="CSV" selected={*format == "CSV"}>{ "CSV" }</option>
                                <option value="DYNAMODB_JSON" selected={*format == "DYNAMODB_JSON"}>{ "DynamoDB JSON" }</option>
                                <option value="ION" selected={*format == "ION"}>{ "Amazon Ion" }</option>
                            </select>
                        </label>
                        <label>{ "Compression" }
                            <select class="input" aria-label="Import compression" onchange={set_choice(&compression)}>
                                <option value="NONE" selected={*compression == "NONE"}>{ "None" }</option>
                                <option value="GZIP" selected={*compression == "GZIP"}>{ "GZIP" }</option>
                            </select>
                        </label>
                        if *format == "CSV" {
                            <label>{ "Delimiter" }
                                <select class="input" aria-label="CSV delimiter" onchange={set_choice(&delimiter)}>
                                    { for [(",", "comma ,"), (";", "semicolon ;"), ("|", "pipe |"), (":", "colon :"), ("tab", "tab"), (" ", "space")].iter().map(|(v, l)| html! { <option value={*v} selected={*delimiter == *v}>{ *l }</option> }) }
                                </select>
                            </label>
                            <label>{ "Header list (optional)" }
                                <input class="input" aria-label="CSV header list" placeholder="pk,name,… (else the first line)" value={(*headers).clone()} oninput={set_text(&headers)} />
                            </label>
                        }
                        <label>{ "New table name" }
                            <input class="input" aria-label="New table name" required=true minlength="3" maxlength="255" pattern="[a-zA-Z0-9_.\\-]+" value={(*table).clone()} oninput={set_text(&table)} />
                        </label>
                        <label>{ "Partition key" }
                            <span class="key-pair">
                                <input class="input" aria-label="Import partition key" required=true value={(*pk).clone()} oninput={set_text(&pk)} />
                                <select class="input" aria-label="Import partition key type" onchange={set_choice(&pk_type)}>{ types(&pk_type) }</select>
                            </span>
                        </label>
                        <label>{ "Sort key (optional)" }
                            <span class="key-pair">
                                <input class="input" aria-label="Import sort key" value={(*sk).clone()} oninput={set_text(&sk)} />
                                <select class="input" aria-label="Import sort key type" onchange={set_choice(&sk_type)}>{ types(&sk_type) }</select>
                            </span>
                        </label>
                    </div>
                    <datalist id="import-buckets">{ for buckets.iter().map(|b| html! { <option value={b.clone()} /> }) }</datalist>
                    <div class="transfer-actions">
                        <button class="btn primary" type="submit">{ "Start import" }</button>
                        <button class="btn" type="button" onclick={close}>{ "Cancel" }</button>
                        <span class="hint">{ "Every object under the prefix is read. CSV: the key columns take the key's type, every other column is imported as a string. A bad record is counted as an error, logged, and skips the rest of its object; the import then ends FAILED but keeps the table." }</span>
                    </div>
                </form>
            }
            if let Some(l) = imports.as_ref().filter(|l| !l.is_empty()) {
                <div class="imports">
                    <h3>{ "Imports from S3" }</h3>
                    { for l.iter().map(|(d, total)| {
                        let status = d["ImportStatus"].as_str().unwrap_or_default().to_string();
                        let name = d["TableCreationParameters"]["TableName"].as_str().unwrap_or_default().to_string();
                        let bytes = d["ProcessedSizeBytes"].as_u64().unwrap_or(0);
                        let errors = d["ErrorCount"].as_u64().unwrap_or(0);
                        let pct = match (status.as_str(), total) {
                            ("COMPLETED" | "FAILED", _) => Some(100.0),
                            (_, Some(t)) if *t > 0 => Some((bytes as f64 / *t as f64 * 100.0).min(100.0)),
                            _ => None,
                        };
                        let nav = ctx.navigate.clone();
                        let table_route = Route::Tables(Some(name.clone()));
                        let src = &d["S3BucketSource"];
                        html! {
                            <div class="import-row card" aria-label={format!("Import into {name}")}>
                                <div class="import-head">
                                    <span class={classes!("badge", status.to_lowercase().replace('_', "-"))}>{ &status }</span>
                                    <a href={table_route.hash()} onclick={Callback::from(move |e: MouseEvent| { e.prevent_default(); nav.emit(table_route.clone()); })}>{ &name }</a>
                                    <span class="muted">{ " from " }</span>
                                    { s3_link(&ctx, src["S3Bucket"].as_str().unwrap_or_default(), src["S3KeyPrefix"].as_str()) }
                                    <span class="muted">{ format!(" · {} · {}", d["InputFormat"].as_str().unwrap_or_default(), d["InputCompressionType"].as_str().unwrap_or_default()) }</span>
                                </div>
                                <div class={classes!("progress", pct.is_none().then_some("indeterminate"))} role="progressbar" aria-label={format!("Import progress of {name}")} aria-valuenow={pct.map(|p| format!("{p:.0}")).unwrap_or_default()}>
                                    <div class={classes!("bar", (status == "FAILED").then_some("failed"))} style={format!("width: {}%", pct.unwrap_or(100.0))} />
                                </div>
                                <div class="import-counts">
                                    <span>{ format!("{} processed", d["ProcessedItemCount"].as_u64().unwrap_or(0)) }</span>
                                    <span>{ format!("{} imported", d["ImportedItemCount"].as_u64().unwrap_or(0)) }</span>
                                    <span>{ fmt_bytes(bytes) }{ total.map(|t| format!(" of {}", fmt_bytes(t))).unwrap_or_default() }</span>
                                    if errors > 0 {
                                        <a class="errors" href={log_route.hash()}>{ format!("{errors} error(s) — see the log group /aws-dynamodb/imports") }</a>
                                    } else {
                                        <span>{ "0 errors" }</span>
                                    }
                                </div>
                                if let Some(m) = d["FailureMessage"].as_str() {
                                    <div class="failure">{ format!("{}: {m}", d["FailureCode"].as_str().unwrap_or_default()) }</div>
                                }
                            </div>
                        }
                    }) }
                </div>
            }
        </>
    }
}
