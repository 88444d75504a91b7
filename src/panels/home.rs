//! Home: what Gureum is, where the sandbox lives, and what to do first.

use serde_json::Value;
use yew::prelude::*;

use crate::{app::Ctx, panels::sandbox::SandboxControls};

#[function_component(Home)]
pub fn home() -> Html {
    let ctx = use_context::<Ctx>().expect("Ctx");
    let storage = ctx.status.get("storage").and_then(Value::as_str).unwrap_or("starting");
    let where_ = match storage {
        "indexeddb" => "Your sandbox is saved in this browser (IndexedDB): reload or close the tab and it is still here.",
        "memory" => "Your sandbox lives in memory only: it will be gone when this tab closes.",
        _ => "Starting the engine…",
    };
    html! {
        <section class="panel home">
            <header class="panel-head"><h1>{ "Welcome to Gureum" }</h1><span class="aws-name">{ "구름 · the AWS serverless cloud in a browser tab" }</span></header>
            <p class="lead">{ "A sandbox that behaves like AWS: no account, no server, no bill. Everything runs in this tab, on a simulated clock you control." }</p>
            <p class="storage-note">{ where_ }</p>
            <div class="cards">
                <a class="card primary" href="#/scenarios">
                    <h2>{ "Start from a scenario" }</h2>
                    <p>{ "Every example of the serverless overview, built in one click: a scores table, DAX, a welcome email from a stream, TTL, global tables, PITR, export and import, API Gateway with Lambda, Kinesis and usage plans." }</p>
                </a>
                <a class="card" href="#/tables">
                    <h2>{ "1. Create your first table" }</h2>
                    <p>{ "DynamoDB stores items by a partition key (and optionally a sort key). Open Tables, press " }<em>{ "Create table" }</em>{ ", and add a few items." }</p>
                </a>
                <div class="card">
                    <h2>{ "2. Play with time" }</h2>
                    <p>{ "The clock bar at the top is the sandbox's time. Pause it, or jump ahead an hour or a day: scheduled work runs as if the time had passed." }</p>
                </div>
                <div class="card">
                    <h2>{ "3. Script it" }</h2>
                    <p>{ "Open the browser console and call the same API the panels use:" }</p>
                    <pre><code>{ "await gureum.send('dynamodb', 'ListTables', {})" }</code></pre>
                </div>
                <div class="card">
                    <h2>{ "4. Use real SDKs" }</h2>
                    <p>{ "Run " }<code>{ "gureum serve" }</code>{ " and point boto3 or the AWS CLI at " }<code>{ "http://localhost:4566" }</code>{ "." }</p>
                </div>
            </div>
            <SandboxControls />
            <h2 class="section">{ "What this build simulates" }</h2>
            <table class="status-table">
                <thead><tr><th>{ "Service" }</th><th>{ "Status" }</th></tr></thead>
                <tbody>
                    <tr><td>{ "DynamoDB: tables, secondary indexes, items, Query and Scan, batches, transactions, expressions, tags, capacity units" }</td><td><span class="badge ok">{ "available" }</span></td></tr>
                    <tr><td>{ "Simulated clock, export and import of the sandbox" }</td><td><span class="badge ok">{ "available" }</span></td></tr>
                    <tr><td>{ "PartiQL, UpdateTable, streams, TTL, DAX, backups" }</td><td><span class="badge">{ "coming" }</span></td></tr>
                    <tr><td>{ "Lambda: JavaScript functions with the AWS SDK v3, versions and aliases, asynchronous invocation, logs and metrics" }</td><td><span class="badge ok">{ "available" }</span></td></tr>
                    <tr><td>{ "CloudWatch Logs: groups, streams, events and filter patterns, with a Logs panel; Amazon SQS (through the API and SDKs)" }</td><td><span class="badge ok">{ "available" }</span></td></tr>
                    <tr><td>{ "API Gateway, Step Functions, Cognito, Lambda triggers" }</td><td><span class="badge">{ "coming" }</span></td></tr>
                </tbody>
            </table>
        </section>
    }
}
