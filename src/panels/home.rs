//! Home: what Gureum is, where the sandbox lives, what to do first, and what each service here
//! can do (with a link to its panel).

use serde_json::Value;
use yew::prelude::*;

use crate::{app::Ctx, panels::sandbox::SandboxControls};

/// The services this build simulates: name, what a learner can do with it, and its panel.
const SERVICES: &[(&str, &str, &str)] = &[
    (
        "DynamoDB",
        "Tables, indexes and items; Query, Scan, PartiQL, batches and transactions; capacity, auto scaling, TTL, streams, backups and PITR, global tables, export and import.",
        "#/tables",
    ),
    ("Lambda", "JavaScript functions with the AWS SDK v3 built in: versions, aliases, concurrency, asynchronous invocation and event source mappings.", "#/functions"),
    ("API Gateway", "REST APIs with Lambda, mock and AWS-service integrations, mapping templates, authorizers, API keys and usage plans, CORS and OpenAPI.", "#/apis"),
    ("Step Functions", "State machines in the Amazon States Language, drawn as a graph, run with their history, callbacks and retries.", "#/workflows"),
    ("Cognito", "User pools (sign-up, SRP sign-in, tokens, groups) and identity pools (AWS credentials for signed-in users and guests).", "#/auth"),
    ("CloudWatch Logs", "Every function's and service's logs, with filter patterns.", "#/logs"),
    ("S3", "Buckets and objects, multipart uploads, previews of what services wrote there.", "#/s3"),
    ("SES", "Email sent by your code, delivered to the Inbox.", "#/inbox"),
    ("Kinesis Data Streams", "Shards, records, iterators and enhanced fan-out.", "#/kinesis"),
    ("Amazon Data Firehose", "Buffers records and delivers them to S3.", "#/firehose"),
    ("DAX", "A cache cluster in front of a table: item and query caches with their TTLs.", "#/dax"),
    ("Athena", "SQL over DynamoDB exports in S3.", "#/athena"),
    ("IAM, STS, SQS", "Roles and policies evaluated on every call, temporary credentials, queues.", "#/functions"),
];

#[function_component(Home)]
pub fn home() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let storage = ctx.status.get("storage").and_then(Value::as_str).unwrap_or("starting");
    let where_ = ctx.t(match storage {
        "indexeddb" => "Your sandbox is saved in this browser (IndexedDB): reload or close the tab and it is still here.",
        "memory" => "Your sandbox lives in memory only: it will be gone when this tab closes.",
        _ => "Starting the engine…",
    });
    html! {
        <section class="panel home">
            <header class="panel-head"><h1>{ ctx.t("Welcome to Gureum") }</h1><span class="aws-name">{ ctx.t("구름 · the AWS serverless cloud in a browser tab") }</span></header>
            <p class="lead">{ ctx.t("A sandbox that behaves like AWS: no account, no server, no bill. Everything runs in this tab, on a simulated clock you control.") }</p>
            <p class="storage-note">{ where_ }</p>
            <div class="cards">
                <a class="card primary" href="#/scenarios">
                    <h2>{ ctx.t("Start from a scenario") }</h2>
                    <p>{ ctx.t("Every example of the serverless overview, built in one click: a scores table, DAX, a welcome email from a stream, TTL, global tables, PITR, export and import, API Gateway with Lambda, Kinesis and usage plans.") }</p>
                </a>
                <a class="card" href="#/tables">
                    <h2>{ ctx.t("1. Create your first table") }</h2>
                    <p>{ ctx.th("DynamoDB stores items by a partition key (and optionally a sort key). Open Tables, press {}, and add a few items.", vec![html! { <em>{ ctx.t("Create table") }</em> }]) }</p>
                </a>
                <div class="card">
                    <h2>{ ctx.t("2. Play with time") }</h2>
                    <p>{ ctx.t("The clock bar at the top is the sandbox's time. Pause it, or jump ahead an hour or a day: scheduled work runs as if the time had passed.") }</p>
                </div>
                <div class="card">
                    <h2>{ ctx.t("3. Script it") }</h2>
                    <p>{ ctx.t("Open the browser console and call the same API the panels use:") }</p>
                    <pre><code>{ "await gureum.send('dynamodb', 'ListTables', {})" }</code></pre>
                </div>
                <div class="card">
                    <h2>{ ctx.t("4. Use real SDKs") }</h2>
                    <p>{ ctx.th("Run {} and point boto3 or the AWS CLI at {}.", vec![html! { <code>{ "gureum serve" }</code> }, html! { <code>{ "http://localhost:4566" }</code> }]) }</p>
                </div>
            </div>
            <SandboxControls />
            <h2 class="section">{ ctx.t("What this build simulates") }</h2>
            <table class="status-table">
                <thead><tr><th>{ ctx.t("Service") }</th><th>{ ctx.t("What you can do") }</th></tr></thead>
                <tbody>
                    { for SERVICES.iter().map(|(name, what, href)| html! {
                        <tr><td><a href={*href}>{ *name }</a></td><td>{ ctx.t(*what) }</td></tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}
