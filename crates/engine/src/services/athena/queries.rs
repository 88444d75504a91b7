//! The query execution operations, and the run of a query: S3 reads as `Step::Call`s, the SQL,
//! the result CSV.

use base64::{engine::general_purpose::STANDARD as B64, engine::general_purpose::URL_SAFE_NO_PAD as B64URL, Engine as _};
use serde_json::{json, Map, Value};

use super::{
    export, invalid_request,
    sql::{self, From, Parsed, QueryError},
    Athena, Execution,
};
use crate::{
    kernel::{error::AwsError, runtime::Step, service::Cx},
    services::dynamodb::value::Item,
    Request,
};

const MAX_QUERY_LENGTH: usize = 262_144;
const WORK_GROUP: &str = "primary";
const CATALOG: &str = "AwsDataCatalog";

/// A query between its S3 calls.
pub struct Run {
    execution: Execution,
    parsed: Parsed,
    bucket: String,
    /// The export folder or `data/` folder the FROM names.
    key_prefix: String,
    step: Wait,
    keys: Vec<String>,
    next: usize,
    items: Vec<Item>,
    budget: usize,
}

enum Wait {
    Manifest,
    Listing,
    Data,
    Output,
}

fn fields<'a>(input: &'a Value, allowed: &[&str], unsupported: &[&str], shape: &str) -> Result<&'a Map<String, Value>, AwsError> {
    let Some(obj) = input.as_object() else {
        return Err(AwsError::serialization(format!("{shape} must be a structure")));
    };
    for k in obj.keys() {
        if unsupported.contains(&k.as_str()) {
            return Err(invalid_request(format!("{k} is not supported by the sandbox's Athena.")));
        }
        if !allowed.contains(&k.as_str()) {
            return Err(AwsError::serialization(format!("Unknown member {k} in {shape}")));
        }
    }
    Ok(obj)
}

fn string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, AwsError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AwsError::serialization(format!("Expected a string for {name}"))),
    }
}

fn length(name: &str, value: &str, min: usize, max: usize) -> Result<(), AwsError> {
    let n = value.chars().count();
    if n < min {
        return Err(invalid_request(format!(
            "1 validation error detected: Value '{value}' at '{name}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
        )));
    }
    if n > max {
        return Err(invalid_request(format!("1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must have length less than or equal to {max}")));
    }
    Ok(())
}

fn work_group(obj: &Map<String, Value>) -> Result<String, AwsError> {
    match string(obj, "WorkGroup")? {
        None => Ok(WORK_GROUP.to_string()),
        Some(WORK_GROUP) => Ok(WORK_GROUP.to_string()),
        Some(other) => Err(invalid_request(format!("WorkGroup {other} is not found."))),
    }
}

/// `s3://bucket/path` → (bucket, key prefix ending in `/` or empty).
fn s3_location(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return None;
    }
    let mut key = key.to_string();
    if !key.is_empty() && !key.ends_with('/') {
        key.push('/');
    }
    Some((bucket.to_string(), key))
}

pub fn start(athena: &mut Athena, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let obj = fields(
        input,
        &["QueryString", "ClientRequestToken", "QueryExecutionContext", "ResultConfiguration", "WorkGroup"],
        &["ExecutionParameters", "ResultReuseConfiguration", "EngineConfiguration"],
        "StartQueryExecutionInput",
    )?;
    let query = string(obj, "QueryString")?
        .ok_or_else(|| invalid_request("1 validation error detected: Value null at 'queryString' failed to satisfy constraint: Member must not be null"))?;
    length("queryString", query, 1, MAX_QUERY_LENGTH)?;
    let token = string(obj, "ClientRequestToken")?;
    if let Some(t) = token {
        length("clientRequestToken", t, 32, 128)?;
    }
    let work_group = work_group(obj)?;
    let (mut database, mut catalog) = (None, None);
    if let Some(ctx) = obj.get("QueryExecutionContext").filter(|v| !v.is_null()) {
        let ctx = fields(ctx, &["Database", "Catalog"], &[], "QueryExecutionContext")?;
        if let Some(d) = string(ctx, "Database")? {
            length("queryExecutionContext.database", d, 1, 255)?;
            database = Some(d.to_string());
        }
        if let Some(c) = string(ctx, "Catalog")? {
            if !c.eq_ignore_ascii_case(CATALOG) {
                return Err(invalid_request(format!("Catalog {c} is not found: the sandbox has only {CATALOG} (and no Glue tables; query an export by its S3 folder).")));
            }
            catalog = Some(c.to_string());
        }
    }
    let mut output = None;
    if let Some(rc) = obj.get("ResultConfiguration").filter(|v| !v.is_null()) {
        let rc = fields(rc, &["OutputLocation"], &["EncryptionConfiguration", "ExpectedBucketOwner", "AclConfiguration"], "ResultConfiguration")?;
        output = string(rc, "OutputLocation")?.map(str::to_string);
    }
    let output = output.ok_or_else(|| {
        invalid_request("No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
    })?;
    let (out_bucket, out_prefix) = s3_location(&output).ok_or_else(|| {
        invalid_request("The S3 location provided to save your query results is invalid. Please check your S3 location is correct and is in the same region and try again. If you continue to see the issue, contact customer support for further assistance.")
    })?;

    // The same token again answers with the same execution (Athena's idempotency).
    if let Some(t) = token {
        if let Some(e) = athena.executions(cx.region).and_then(|m| m.values().find(|e| e.client_token.as_deref() == Some(t))) {
            if e.query != query {
                return Err(invalid_request("The client request token was already used with a different request."));
            }
            return Ok(Step::Done(json!({"QueryExecutionId": e.id})));
        }
    }

    let id = cx.rng.uuid();
    let execution = Execution {
        seq: athena.next_seq(cx.region),
        output_location: format!("s3://{out_bucket}/{out_prefix}{id}.csv"),
        id,
        query: query.to_string(),
        database,
        catalog,
        work_group,
        state: "RUNNING".into(),
        reason: None,
        submitted_ms: cx.now_ms,
        completed_ms: None,
        scanned_bytes: 0,
        client_token: token.map(str::to_string),
        columns: Vec::new(),
        rows: Vec::new(),
    };
    let parsed = match sql::parse(query) {
        Ok(p) => p,
        Err(e) => return Ok(fail(athena, cx, execution, e.to_string())),
    };
    let (bucket, key_prefix) = match &parsed.from {
        From::S3 { bucket, key_prefix } => (bucket.clone(), key_prefix.clone()),
        From::Table(name) => {
            let db = execution.database.clone().unwrap_or_else(|| "default".into());
            let name = if name.contains('.') { name.clone() } else { format!("{db}.{name}") };
            let e = QueryError::new(
                "TABLE_NOT_FOUND",
                Some(parsed.from_at),
                format!("Table 'awsdatacatalog.{name}' does not exist (the sandbox has no Glue Data Catalog: name the export folder, FROM \"s3://bucket/prefix/AWSDynamoDB/{{ExportId}}/\")"),
            );
            return Ok(fail(athena, cx, execution, e.to_string()));
        }
    };
    let mut run = Run { execution, parsed, bucket, key_prefix, step: Wait::Manifest, keys: Vec::new(), next: 0, items: Vec::new(), budget: export::MAX_DECOMPRESSED_BYTES };
    if run.key_prefix.ends_with("/data/") || run.key_prefix == "data/" {
        run.step = Wait::Listing;
        return Ok(list(cx, run, None));
    }
    let request = get_object(cx, &run.bucket, &format!("{}manifest-files.json", run.key_prefix));
    Ok(Step::Call(request, Box::new(run)))
}

fn get_object(cx: &Cx, bucket: &str, key: &str) -> Request {
    Request::new("s3", "GetObject", cx.region, json!({"Bucket": bucket, "Key": key}))
}

fn list(cx: &Cx, run: Run, token: Option<String>) -> Step {
    let mut input = json!({"Bucket": run.bucket, "Prefix": run.key_prefix});
    if let Some(t) = token {
        input["ContinuationToken"] = Value::String(t);
    }
    Step::Call(Request::new("s3", "ListObjectsV2", cx.region, input), Box::new(run))
}

fn body(answer: &Value) -> Result<Vec<u8>, String> {
    let text = answer.get("Body").and_then(Value::as_str).ok_or("S3 answered without a Body")?;
    B64.decode(text).map_err(|_| "S3 answered with a Body that is not base64".to_string())
}

fn location(run: &Run) -> String {
    format!("s3://{}/{}", run.bucket, run.key_prefix)
}

/// The next S3 answer of a running query.
pub fn resume(athena: &mut Athena, cx: &mut Cx, mut run: Run, answer: Result<Value, AwsError>) -> Step {
    let table_error = |run: &Run, why: String| QueryError::new("TABLE_NOT_FOUND", Some(run.parsed.from_at), why).to_string();
    match run.step {
        Wait::Manifest => {
            let keys = answer
                .map_err(|e| format!("No DynamoDB export at {}: reading manifest-files.json failed: {}: {}", location(&run), e.kind, e.message))
                .and_then(|a| body(&a))
                .and_then(|b| export::data_keys(&b));
            match keys {
                Ok(keys) => run.keys = keys,
                Err(why) => {
                    let reason = table_error(&run, why);
                    return fail(athena, cx, run.execution, reason);
                }
            }
            run.step = Wait::Data;
            next_data(athena, cx, run)
        }
        Wait::Listing => {
            let a = match answer {
                Ok(a) => a,
                Err(e) => {
                    let reason = table_error(&run, format!("Listing {} failed: {}: {}", location(&run), e.kind, e.message));
                    return fail(athena, cx, run.execution, reason);
                }
            };
            for o in a.get("Contents").and_then(Value::as_array).into_iter().flatten() {
                if let Some(k) = o.get("Key").and_then(Value::as_str).filter(|k| export::is_data_file(k)) {
                    run.keys.push(k.to_string());
                }
            }
            if a.get("IsTruncated").and_then(Value::as_bool) == Some(true) {
                if let Some(t) = a.get("NextContinuationToken").and_then(Value::as_str) {
                    let t = t.to_string();
                    return list(cx, run, Some(t));
                }
            }
            run.step = Wait::Data;
            next_data(athena, cx, run)
        }
        Wait::Data => {
            let key = run.keys[run.next - 1].clone();
            let read = answer.map_err(|e| format!("Reading s3://{}/{key} failed: {}: {}", run.bucket, e.kind, e.message)).and_then(|a| {
                let b = body(&a)?;
                run.execution.scanned_bytes += b.len() as u64;
                export::items(&key, &b, &mut run.budget)
            });
            match read {
                Ok(items) => run.items.extend(items),
                Err(why) => {
                    let reason = if why.starts_with("Reading ") { why } else { format!("HIVE_BAD_DATA: {why}") };
                    return fail(athena, cx, run.execution, reason);
                }
            }
            next_data(athena, cx, run)
        }
        Wait::Output => match answer {
            Ok(_) => {
                let mut e = run.execution;
                e.state = "SUCCEEDED".into();
                e.completed_ms = Some(cx.now_ms);
                let id = e.id.clone();
                athena.store(cx, e);
                Step::Done(json!({"QueryExecutionId": id}))
            }
            Err(err) => {
                let reason = format!(
                    "Access denied when writing output to url: {} . Please ensure you are allowed to access the S3 bucket. ({}: {})",
                    run.execution.output_location, err.kind, err.message
                );
                let mut e = run.execution;
                e.columns.clear();
                e.rows.clear();
                fail(athena, cx, e, reason)
            }
        },
    }
}

/// Reads the next data file, or runs the SQL once all are read.
fn next_data(athena: &mut Athena, cx: &mut Cx, mut run: Run) -> Step {
    if run.next < run.keys.len() {
        let request = get_object(cx, &run.bucket, &run.keys[run.next]);
        run.next += 1;
        return Step::Call(request, Box::new(run));
    }
    let result = match sql::execute(&run.parsed, &run.items) {
        Ok(r) => r,
        Err(e) => return fail(athena, cx, run.execution, e.to_string()),
    };
    run.items = Vec::new();
    let csv = to_csv(&result);
    run.execution.columns = result.columns.into_iter().map(|c| (c.name, c.type_name)).collect();
    run.execution.rows = result.rows;
    let (bucket, key) = s3_location(&run.execution.output_location).map(|(b, k)| (b, k.trim_end_matches('/').to_string())).unwrap_or_default();
    let request = Request::new("s3", "PutObject", cx.region, json!({"Bucket": bucket, "Key": key, "Body": B64.encode(csv), "ContentType": "text/csv"}));
    run.step = Wait::Output;
    Step::Call(request, Box::new(run))
}

fn fail(athena: &mut Athena, cx: &mut Cx, mut e: Execution, reason: String) -> Step {
    e.state = "FAILED".into();
    e.reason = Some(reason);
    e.completed_ms = Some(cx.now_ms);
    let id = e.id.clone();
    athena.store(cx, e);
    Step::Done(json!({"QueryExecutionId": id}))
}

/// Athena's result CSV: a header row, every value double-quoted (quotes doubled), NULL empty.
pub fn to_csv(r: &sql::ResultSet) -> Vec<u8> {
    fn quote(s: &str, out: &mut String) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    }
    let mut out = String::new();
    for (i, c) in r.columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        quote(&c.name, &mut out);
    }
    out.push('\n');
    for row in &r.rows {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if let Some(v) = v {
                quote(v, &mut out);
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn execution_id(obj: &Map<String, Value>) -> Result<&str, AwsError> {
    let id = string(obj, "QueryExecutionId")?
        .ok_or_else(|| invalid_request("1 validation error detected: Value null at 'queryExecutionId' failed to satisfy constraint: Member must not be null"))?;
    length("queryExecutionId", id, 1, 128)?;
    Ok(id)
}

fn find<'a>(athena: &'a Athena, cx: &Cx, id: &str) -> Result<&'a Execution, AwsError> {
    athena.executions(cx.region).and_then(|m| m.get(id)).ok_or_else(|| invalid_request(format!("QueryExecution {id} was not found")))
}

fn describe(e: &Execution) -> Value {
    let seconds = |ms: i64| json!(ms as f64 / 1000.0);
    let mut status = json!({"State": e.state, "SubmissionDateTime": seconds(e.submitted_ms)});
    if let Some(c) = e.completed_ms {
        status["CompletionDateTime"] = seconds(c);
    }
    if let Some(r) = &e.reason {
        status["StateChangeReason"] = json!(r);
        status["AthenaError"] = json!({"ErrorCategory": 2, "ErrorType": 1000, "Retryable": false, "ErrorMessage": r});
    }
    let elapsed = e.completed_ms.map_or(0, |c| c - e.submitted_ms);
    let mut context = Map::new();
    if let Some(d) = &e.database {
        context.insert("Database".into(), json!(d));
    }
    if let Some(c) = &e.catalog {
        context.insert("Catalog".into(), json!(c));
    }
    json!({
        "QueryExecutionId": e.id,
        "Query": e.query,
        "StatementType": "DML",
        "SubstatementType": "SELECT",
        "ResultConfiguration": {"OutputLocation": e.output_location},
        "QueryExecutionContext": context,
        "Status": status,
        "Statistics": {
            "EngineExecutionTimeInMillis": elapsed,
            "DataScannedInBytes": e.scanned_bytes,
            "TotalExecutionTimeInMillis": elapsed,
            "QueryQueueTimeInMillis": 0,
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": 0,
        },
        "WorkGroup": e.work_group,
        "EngineVersion": {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"},
    })
}

pub fn get_query_execution(athena: &Athena, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let obj = fields(input, &["QueryExecutionId"], &[], "GetQueryExecutionInput")?;
    let e = find(athena, cx, execution_id(obj)?)?;
    Ok(json!({"QueryExecution": describe(e)}))
}

pub fn batch_get_query_execution(athena: &Athena, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let obj = fields(input, &["QueryExecutionIds"], &[], "BatchGetQueryExecutionInput")?;
    let ids = obj
        .get("QueryExecutionIds")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_request("1 validation error detected: Value null at 'queryExecutionIds' failed to satisfy constraint: Member must not be null"))?;
    if ids.is_empty() || ids.len() > 50 {
        return Err(invalid_request(format!(
            "1 validation error detected: Value at 'queryExecutionIds' failed to satisfy constraint: Member must have length {} 50",
            if ids.is_empty() { "greater than or equal to 1, and less than or equal to" } else { "less than or equal to" }
        )));
    }
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for id in ids {
        let id = id.as_str().ok_or_else(|| AwsError::serialization("Expected a string in QueryExecutionIds"))?;
        match athena.executions(cx.region).and_then(|m| m.get(id)) {
            Some(e) => found.push(describe(e)),
            None => missing.push(json!({"QueryExecutionId": id, "ErrorCode": "INVALID_INPUT", "ErrorMessage": format!("QueryExecution {id} was not found")})),
        }
    }
    Ok(json!({"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}))
}

/// Newest first, 50 a page by default; the token is where the next page starts.
pub fn list_query_executions(athena: &Athena, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let obj = fields(input, &["MaxResults", "NextToken", "WorkGroup"], &[], "ListQueryExecutionsInput")?;
    work_group(obj)?;
    let max = match obj.get("MaxResults") {
        None | Some(Value::Null) => 50,
        Some(v) => match v.as_u64() {
            Some(n @ 0..=50) => n as usize,
            _ => {
                return Err(invalid_request(format!(
                    "1 validation error detected: Value '{v}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"
                )))
            }
        },
    };
    let mut all: Vec<&Execution> = athena.executions(cx.region).map(|m| m.values().collect()).unwrap_or_default();
    all.sort_by_key(|e| std::cmp::Reverse(e.seq));
    let start = match string(obj, "NextToken")? {
        None => 0,
        Some(t) => decode_token(t, "list").ok_or_else(|| invalid_request("Invalid NextToken"))?,
    };
    let page: Vec<&str> = all.iter().skip(start).take(max).map(|e| e.id.as_str()).collect();
    let mut out = json!({"QueryExecutionIds": page});
    if start + max < all.len() && max > 0 {
        out["NextToken"] = json!(encode_token("list", start + max));
    }
    Ok(out)
}

pub fn stop_query_execution(athena: &Athena, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let obj = fields(input, &["QueryExecutionId"], &[], "StopQueryExecutionInput")?;
    // Queries finish inside StartQueryExecution, so there is never one to stop: Athena answers a
    // stop of a finished query with success and leaves it as it is.
    find(athena, cx, execution_id(obj)?)?;
    Ok(json!({}))
}

fn encode_token(scope: &str, offset: usize) -> String {
    B64URL.encode(format!("{scope}:{offset}"))
}

fn decode_token(token: &str, scope: &str) -> Option<usize> {
    let text = String::from_utf8(B64URL.decode(token).ok()?).ok()?;
    let (s, n) = text.rsplit_once(':')?;
    (s == scope).then(|| n.parse().ok()).flatten()
}

fn athena_type(t: &str) -> (i64, i64) {
    match t {
        "bigint" => (19, 0),
        "decimal" => (38, 0),
        "double" => (17, 0),
        "boolean" => (0, 0),
        "varchar" | "varbinary" => (2_147_483_647, 0),
        _ => (0, 0),
    }
}

/// The rows, the header row first (on the first page only), as Athena pages them: MaxResults
/// rows a page, the header counted.
pub fn get_query_results(athena: &Athena, cx: &Cx, input: &Value) -> Result<Value, AwsError> {
    let obj = fields(input, &["QueryExecutionId", "NextToken", "MaxResults", "QueryResultType"], &[], "GetQueryResultsInput")?;
    let id = execution_id(obj)?;
    match string(obj, "QueryResultType")? {
        None | Some("DATA_ROWS") => {}
        Some(other) => return Err(invalid_request(format!("QueryResultType {other} is not supported by the sandbox's Athena (DATA_ROWS is)."))),
    }
    let max = match obj.get("MaxResults") {
        None | Some(Value::Null) => 1000,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=1000) => n as usize,
            _ => {
                return Err(invalid_request(format!(
                    "1 validation error detected: Value '{v}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000"
                )))
            }
        },
    };
    let e = find(athena, cx, id)?;
    match e.state.as_str() {
        "SUCCEEDED" => {}
        "FAILED" => return Err(invalid_request(e.reason.clone().unwrap_or_default())),
        other => return Err(invalid_request(format!("Query has not yet finished. Current state: {other}"))),
    }
    let start = match string(obj, "NextToken")? {
        None => 0,
        Some(t) => decode_token(t, id).ok_or_else(|| invalid_request("Invalid NextToken"))?,
    };
    // Row 0 is the header; rows 1.. the data.
    let total = e.rows.len() + 1;
    let end = (start + max).min(total);
    let mut rows = Vec::new();
    for i in start..end {
        let data: Vec<Value> = if i == 0 {
            e.columns.iter().map(|(n, _)| json!({"VarCharValue": n})).collect()
        } else {
            e.rows[i - 1].iter().map(|v| v.as_ref().map_or_else(|| json!({}), |s| json!({"VarCharValue": s}))).collect()
        };
        rows.push(json!({"Data": data}));
    }
    let columns: Vec<Value> = e
        .columns
        .iter()
        .map(|(name, t)| {
            let (precision, scale) = athena_type(t);
            json!({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name, "Type": t, "Precision": precision, "Scale": scale, "Nullable": "UNKNOWN", "CaseSensitive": t == "varchar"})
        })
        .collect();
    let mut out = json!({"UpdateCount": 0, "ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}}});
    if end < total {
        out["NextToken"] = json!(encode_token(id, end));
    }
    Ok(out)
}
