//! Query exports: SQL over a DynamoDB table export in S3, run by the sandbox's Athena
//! (StartQueryExecution, GetQueryExecution, GetQueryResults with NextToken paging). The export
//! picker lists the S3 folders holding `AWSDynamoDB/{ExportId}/manifest-summary.json`.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::{
    app::Ctx,
    panels::{functions::input_value, functions::select_value, logs::bytes},
};

/// Result rows a page (GetQueryResults' MaxResults; the header row counts on the first page).
const PAGE: u64 = 50;

/// The export folder (`s3://bucket/prefix/AWSDynamoDB/{id}/`) of a manifest-summary key.
pub fn export_folder(bucket: &str, key: &str) -> Option<String> {
    let folder = key.strip_suffix("manifest-summary.json")?;
    let parts: Vec<&str> = folder.trim_end_matches('/').rsplit('/').take(2).collect();
    (parts.len() == 2 && parts[1] == "AWSDynamoDB" && !parts[0].is_empty()).then(|| format!("s3://{bucket}/{folder}"))
}

/// The example query for an export folder.
pub fn example(folder: &str) -> String {
    format!("SELECT *\nFROM \"{folder}\"\nLIMIT 10")
}

/// The query with its FROM target replaced by `folder` (when it names an S3 folder).
pub fn retarget(sql: &str, folder: &str) -> String {
    match (sql.find("\"s3://"), sql.find("\"s3://").and_then(|i| sql[i + 1..].find('"').map(|j| i + 1 + j))) {
        (Some(start), Some(end)) => format!("{}\"{folder}\"{}", &sql[..start], &sql[end + 1..]),
        _ => example(folder),
    }
}

/// Lists every export folder in the region's buckets.
async fn find_exports(ctx: &Ctx) -> Result<Vec<String>, String> {
    let buckets = ctx.bridge.send("s3", "ListBuckets", json!({})).await.map_err(|e| format!("{}: {}", e.kind, e.message))?;
    let mut out = Vec::new();
    for b in buckets["Buckets"].as_array().cloned().unwrap_or_default() {
        let Some(name) = b["Name"].as_str() else { continue };
        let mut token: Option<String> = None;
        // Bounded: 20 pages of 1,000 keys a bucket.
        for _ in 0..20 {
            let mut req = json!({"Bucket": name});
            if let Some(t) = &token {
                req["ContinuationToken"] = json!(t);
            }
            let Ok(page) = ctx.bridge.send("s3", "ListObjectsV2", req).await else { break };
            for o in page["Contents"].as_array().cloned().unwrap_or_default() {
                if let Some(f) = o["Key"].as_str().and_then(|k| export_folder(name, k)) {
                    out.push(f);
                }
            }
            token = page["NextContinuationToken"].as_str().map(str::to_string);
            if page["IsTruncated"].as_bool() != Some(true) || token.is_none() {
                break;
            }
        }
    }
    Ok(out)
}

#[derive(Clone, PartialEq, Default)]
struct Outcome {
    execution: Value,
    /// Column names, then rows of cells (`None` = NULL).
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Option<String>>>,
    next: Option<String>,
    /// The tokens of the pages before this one (for ‹ Previous).
    previous: Vec<Option<String>>,
    token: Option<String>,
}

async fn results(ctx: &Ctx, id: &str, token: Option<String>) -> Result<(Vec<(String, String)>, Vec<Vec<Option<String>>>, Option<String>), String> {
    let mut req = json!({"QueryExecutionId": id, "MaxResults": PAGE});
    if let Some(t) = &token {
        req["NextToken"] = json!(t);
    }
    let r = ctx.bridge.send("athena", "GetQueryResults", req).await.map_err(|e| format!("{}: {}", e.kind, e.message))?;
    let columns = r["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
        .as_array()
        .map(|c| c.iter().map(|c| (c["Name"].as_str().unwrap_or("").to_string(), c["Type"].as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    let mut rows: Vec<Vec<Option<String>>> = r["ResultSet"]["Rows"]
        .as_array()
        .map(|rows| rows.iter().map(|row| row["Data"].as_array().map(|d| d.iter().map(|c| c["VarCharValue"].as_str().map(str::to_string)).collect()).unwrap_or_default()).collect())
        .unwrap_or_default();
    // Athena's first page starts with the header row.
    if token.is_none() && !rows.is_empty() {
        rows.remove(0);
    }
    Ok((columns, rows, r["NextToken"].as_str().map(str::to_string)))
}

#[function_component(AthenaPanel)]
pub fn athena_panel() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let exports = use_state(|| None::<Result<Vec<String>, String>>);
    let folder = use_state(String::new);
    let sql = use_state(String::new);
    let output = use_state(String::new);
    let running = use_state(|| false);
    let outcome = use_state(|| None::<Outcome>);
    let problem = use_state(|| None::<String>);
    {
        let (ctx2, exports, folder, sql, output) = (ctx.clone(), exports.clone(), folder.clone(), sql.clone(), output.clone());
        use_effect_with((ctx.version, ctx.region.clone()), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let found = find_exports(&ctx2).await;
                if let Ok(list) = &found {
                    if folder.is_empty() || !list.contains(&*folder) {
                        if let Some(first) = list.first() {
                            folder.set(first.clone());
                            if sql.is_empty() || sql.contains("\"s3://") {
                                sql.set(retarget(&sql, first));
                            }
                            if output.is_empty() {
                                let bucket = first.trim_start_matches("s3://").split('/').next().unwrap_or("");
                                output.set(format!("s3://{bucket}/athena-results/"));
                            }
                        }
                    }
                }
                exports.set(Some(found));
            });
            || ()
        });
    }
    let on_folder = {
        let (folder, sql) = (folder.clone(), sql.clone());
        Callback::from(move |e: Event| {
            let f = select_value(&e);
            sql.set(retarget(&sql, &f));
            folder.set(f);
        })
    };
    let load_page = {
        let (ctx, outcome, problem) = (ctx.clone(), outcome.clone(), problem.clone());
        Callback::from(move |(token, previous): (Option<String>, Vec<Option<String>>)| {
            let Some(current) = (*outcome).clone() else { return };
            let id = current.execution["QueryExecutionId"].as_str().unwrap_or_default().to_string();
            let (ctx, outcome, problem) = (ctx.clone(), outcome.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match results(&ctx, &id, token.clone()).await {
                    Ok((columns, rows, next)) => outcome.set(Some(Outcome { columns, rows, next, previous, token, ..current })),
                    Err(m) => problem.set(Some(m)),
                }
            });
        })
    };
    let run = {
        let (ctx, sql, output, running, outcome, problem) = (ctx.clone(), sql.clone(), output.clone(), running.clone(), outcome.clone(), problem.clone());
        Callback::from(move |_: MouseEvent| {
            let req = json!({"QueryString": *sql, "ResultConfiguration": {"OutputLocation": output.trim()}, "WorkGroup": "primary"});
            let (ctx, running, outcome, problem) = (ctx.clone(), running.clone(), outcome.clone(), problem.clone());
            running.set(true);
            problem.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let done = async {
                    let started = ctx.bridge.send("athena", "StartQueryExecution", req).await.map_err(|e| format!("{}: {}", e.kind, e.message))?;
                    let id = started["QueryExecutionId"].as_str().unwrap_or_default().to_string();
                    let execution = ctx.bridge.send("athena", "GetQueryExecution", json!({"QueryExecutionId": id})).await.map_err(|e| format!("{}: {}", e.kind, e.message))?;
                    let execution = execution["QueryExecution"].clone();
                    let mut o = Outcome { execution: execution.clone(), ..Default::default() };
                    if execution["Status"]["State"] == "SUCCEEDED" {
                        let (columns, rows, next) = results(&ctx, &id, None).await?;
                        o.columns = columns;
                        o.rows = rows;
                        o.next = next;
                    }
                    Ok::<_, String>(o)
                }
                .await;
                running.set(false);
                match done {
                    Ok(o) => outcome.set(Some(o)),
                    Err(m) => {
                        outcome.set(None);
                        problem.set(Some(m));
                    }
                }
            });
        })
    };

    let picker = match &*exports {
        None => html! { <p class="muted">{ "Looking for exports in S3…" }</p> },
        Some(Err(m)) => html! { <p class="error-text">{ format!("Could not list S3 buckets: {m}") }</p> },
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="hint athena-empty">{ "No DynamoDB exports found in S3 yet. Export a table to S3 (ExportTableToPointInTime), or write files in the export layout: " }<code>{ "AWSDynamoDB/{ExportId}/manifest-summary.json" }</code>{ ", " }<code>{ "manifest-files.json" }</code>{ " and " }<code>{ "data/*.json.gz" }</code>{ "." }</p>
        },
        Some(Ok(list)) => html! {
            <label class="athena-field">{ "Export" }
                <select aria-label="Export" onchange={on_folder}>
                    { for list.iter().map(|f| html! { <option value={f.clone()} selected={*f == *folder}>{ f }</option> }) }
                </select>
            </label>
        },
    };

    let status = outcome.as_ref().map(|o| {
        let e = &o.execution;
        let state = e["Status"]["State"].as_str().unwrap_or("").to_string();
        let class = if state == "SUCCEEDED" { "active" } else { "failed" };
        html! {
            <div class="athena-status" aria-label="Query status">
                <span class={classes!("badge", class)}>{ state.clone() }</span>
                <span>{ format!("Data scanned: {}", bytes(e["Statistics"]["DataScannedInBytes"].as_u64().unwrap_or(0))) }</span>
                <span class="muted">{ format!("Query ID {}", e["QueryExecutionId"].as_str().unwrap_or("")) }</span>
                if state == "SUCCEEDED" {
                    <span class="athena-output">{ "Results CSV: " }<code>{ e["ResultConfiguration"]["OutputLocation"].as_str().unwrap_or("") }</code></span>
                }
                if let Some(r) = e["Status"]["StateChangeReason"].as_str() {
                    <p class="error-text athena-reason" role="alert">{ r }</p>
                }
            </div>
        }
    });

    let grid = outcome.as_ref().filter(|o| o.execution["Status"]["State"] == "SUCCEEDED").map(|o| {
        let on_prev = {
            let (load, previous) = (load_page.clone(), o.previous.clone());
            Callback::from(move |_: MouseEvent| {
                let mut before = previous.clone();
                let t = before.pop().flatten();
                load.emit((t, before));
            })
        };
        let on_next = {
            let (load, next, previous, token) = (load_page.clone(), o.next.clone(), o.previous.clone(), o.token.clone());
            Callback::from(move |_: MouseEvent| {
                let mut before = previous.clone();
                before.push(token.clone());
                load.emit((next.clone(), before));
            })
        };
        html! {
            <div class="athena-results">
                <div class="items-bar">
                    <span>{ format!("{} row(s) on this page", o.rows.len()) }</span>
                    <div class="spacer" />
                    <button class="btn small" disabled={o.previous.is_empty()} onclick={on_prev}>{ "‹ Previous" }</button>
                    <button class="btn small" disabled={o.next.is_none()} onclick={on_next}>{ "Next page ›" }</button>
                </div>
                <div class="grid-wrap">
                    <table class="grid" aria-label="Query results">
                        <thead><tr>{ for o.columns.iter().map(|(n, t)| html! { <th title={t.clone()}>{ n }<span class="col-type">{ t }</span></th> }) }</tr></thead>
                        <tbody>
                            { for o.rows.iter().map(|row| html! {
                                <tr>{ for row.iter().map(|c| match c {
                                    Some(v) => html! { <td>{ v }</td> },
                                    None => html! { <td class="absent">{ "NULL" }</td> },
                                }) }</tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </div>
        }
    });

    html! {
        <section class="panel athena">
            <header class="panel-head">
                <h1>{ "Query exports" }</h1><span class="aws-name">{ format!("Amazon Athena · {}", ctx.region) }</span>
            </header>
            <p class="hint athena-intro">
                { "Run SQL over a DynamoDB table export in S3, as Athena does. Columns are the items' attributes; maps read as rows (" }<code>{ "author.name" }</code>
                { "), lists and sets as arrays (" }<code>{ "tags[1]" }</code>{ ", 1-based). The sandbox has no Glue catalog: " }<code>{ "FROM" }</code>
                { " names the export folder in double quotes. Supported: SELECT [DISTINCT], WHERE (comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL), GROUP BY with count/sum/avg/min/max, HAVING, ORDER BY, LIMIT/OFFSET, CASE, CAST." }
            </p>
            <div class="athena-form">
                { picker }
                <label class="athena-field">{ "Query results location" }
                    <input class="input mono" aria-label="Query results location" placeholder="s3://bucket/athena-results/" value={(*output).clone()} oninput={let o = output.clone(); Callback::from(move |e: InputEvent| o.set(input_value(&e)))} />
                </label>
                <textarea class="athena-sql" aria-label="SQL" spellcheck="false" rows="6" value={(*sql).clone()} oninput={let s = sql.clone(); Callback::from(move |e: InputEvent| s.set(input_value(&e)))} />
                <div class="actions">
                    <button class="btn primary" disabled={*running || sql.trim().is_empty()} onclick={run}>{ if *running { "Running…" } else { "Run query" } }</button>
                </div>
            </div>
            if let Some(m) = &*problem { <p class="error-text" role="alert">{ m }</p> }
            { status.unwrap_or_default() }
            { grid.unwrap_or_default() }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_folders_and_queries() {
        assert_eq!(export_folder("b", "exports/AWSDynamoDB/0170-ab/manifest-summary.json").as_deref(), Some("s3://b/exports/AWSDynamoDB/0170-ab/"));
        assert_eq!(export_folder("b", "AWSDynamoDB/0170-ab/manifest-summary.json").as_deref(), Some("s3://b/AWSDynamoDB/0170-ab/"));
        assert_eq!(export_folder("b", "x/0170-ab/manifest-summary.json"), None);
        assert_eq!(export_folder("b", "x/AWSDynamoDB/0170-ab/manifest-files.json"), None);
        assert_eq!(retarget("SELECT id FROM \"s3://a/x/\" WHERE id = 'a'", "s3://b/y/"), "SELECT id FROM \"s3://b/y/\" WHERE id = 'a'");
        assert_eq!(retarget("", "s3://b/y/"), example("s3://b/y/"));
    }
}
