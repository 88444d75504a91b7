//! The control plane: functions, code, configuration, versions, aliases, concurrency, tags.

use std::{collections::BTreeMap, sync::Arc};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::{json, Map, Value};

use crate::kernel::{error::AwsError, service::Cx};

use super::{
    code,
    errors::{conflict, function_not_found, invalid_parameter, not_found, precondition_failed, Validation},
    function::{describe, function_arn, parse_function_name, Alias, Config, Function, Settings},
    Lambda, Package, RegionState, TRANSITION_MS,
};

/// Account-level concurrency, and what must stay unreserved.
pub const ACCOUNT_CONCURRENCY: u32 = 1000;
const MIN_UNRESERVED: u32 = 100;

/// The function a request names (FunctionName, maybe qualified, plus an optional Qualifier).
pub struct Named {
    pub name: String,
    pub qualifier: Option<String>,
}

/// Reads `FunctionName` (and `Qualifier` when `with_qualifier`): AWS's constraint errors for a
/// malformed name, and its "qualifier in both places must agree" rule.
pub fn named(cx: &Cx, input: &Value, with_qualifier: bool) -> Result<Named, AwsError> {
    let mut v = Validation::default();
    let raw = v.required_string(input, "FunctionName", "functionName", 1, 170);
    let qualifier = if with_qualifier { v.string(input, "Qualifier", "qualifier", 1, 128) } else { None };
    v.finish()?;
    let raw = raw.unwrap_or_default();
    let Some((name, in_name)) = parse_function_name(&raw, &cx.account.id, cx.region) else {
        let mut v = Validation::default();
        v.constraint(
            Some(&raw),
            "functionName",
            "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
        );
        return Err(v.finish().err().unwrap_or_else(|| AwsError::internal("validation")));
    };
    let qualifier = match (in_name, qualifier) {
        (Some(a), Some(b)) if a != b => return Err(invalid_parameter("The derived qualifier from the function name does not match the specified qualifier.")),
        (a, b) => a.or(b),
    };
    Ok(Named { name, qualifier })
}

pub fn arn(cx: &Cx, name: &str) -> String {
    function_arn(&cx.account.id, cx.region, name)
}

fn qualified_arn(cx: &Cx, name: &str, qualifier: &Option<String>) -> String {
    match qualifier {
        Some(q) => format!("{}:{q}", arn(cx, name)),
        None => arn(cx, name),
    }
}

/// The function a request names, or ResourceNotFoundException with its ARN.
pub fn find<'s>(cx: &Cx, state: &'s mut RegionState, n: &Named) -> Result<&'s mut Function, AwsError> {
    let arn = qualified_arn(cx, &n.name, &n.qualifier);
    state.functions.get_mut(&n.name).ok_or_else(|| function_not_found(&arn))
}

/// The version a qualifier points at: `$LATEST`, a published version, or an alias's version.
pub fn resolve_version(cx: &Cx, f: &Function, qualifier: &Option<String>) -> Result<String, AwsError> {
    match qualifier.as_deref() {
        None | Some("$LATEST") => Ok("$LATEST".into()),
        Some(q) if q.bytes().all(|b| b.is_ascii_digit()) => match q.parse::<u64>().ok().filter(|n| f.versions.contains_key(n)) {
            Some(n) => Ok(n.to_string()),
            None => Err(function_not_found(&format!("{}:{q}", arn(cx, &f.name)))),
        },
        Some(alias) => match f.aliases.get(alias) {
            Some(a) => Ok(a.function_version.clone()),
            None => Err(function_not_found(&format!("{}:{alias}", arn(cx, &f.name)))),
        },
    }
}

fn revision(cx: &mut Cx) -> String {
    cx.rng.uuid()
}

/// Reads `Code.ZipFile` (base64 in the JSON shape). S3 and container images are not simulated.
fn read_zip(code: Option<&Value>) -> Result<Vec<u8>, AwsError> {
    let Some(code) = code.filter(|c| !c.is_null()) else {
        return Err(AwsError::new("", "ValidationException", "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null", 400));
    };
    if code.get("S3Bucket").is_some_and(|v| !v.is_null()) || code.get("S3Key").is_some_and(|v| !v.is_null()) {
        return Err(invalid_parameter("Gureum does not deploy code from S3 yet: upload the package as Code.ZipFile."));
    }
    if code.get("ImageUri").is_some_and(|v| !v.is_null()) {
        return Err(invalid_parameter("Gureum runs .zip packages only: container images (ImageUri) are not simulated."));
    }
    let Some(text) = code.get("ZipFile").and_then(Value::as_str) else {
        return Err(invalid_parameter("Please provide a source for function code."));
    };
    let zip = B64.decode(text).map_err(|_| AwsError::new("", "SerializationException", "Code.ZipFile is not valid base64.", 400))?;
    if zip.len() > code::MAX_ZIPPED_BYTES {
        return Err(AwsError::new("", "RequestEntityTooLargeException", "Request must be smaller than 70167211 bytes for the CreateFunction operation", 413));
    }
    Ok(zip)
}

/// Unzips a package and keeps it under its hash; returns (CodeSha256, CodeSize).
fn store_package(cx: &mut Cx, state: &mut RegionState, zip: Vec<u8>) -> Result<(String, u64), AwsError> {
    let bundle = code::unzip(&zip).map_err(|_| invalid_parameter("Could not unzip uploaded file. Please check your file, then try to upload again."))?;
    let sha = code::sha256_base64(&zip);
    let size = zip.len() as u64;
    if !state.packages.contains_key(&sha) {
        cx.journal.put(super::code_key(cx.region, &sha), zip.clone());
        state.packages.insert(sha.clone(), Package { zip, bundle: Arc::new(bundle) });
    }
    Ok((sha, size))
}

/// Members this build does not simulate; refused by name rather than silently ignored.
fn refuse_unsimulated(input: &Value) -> Result<(), AwsError> {
    let present = |m: &str| input.get(m).is_some_and(|v| !v.is_null() && v != &json!([]) && v != &json!({}));
    if present("Layers") {
        return Err(invalid_parameter("Gureum does not simulate Lambda layers yet: put the code in the function's package."));
    }
    if present("DeadLetterConfig") && input["DeadLetterConfig"].get("TargetArn").is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
        return Err(invalid_parameter("Gureum does not simulate DeadLetterConfig yet: use an OnFailure destination (PutFunctionEventInvokeConfig)."));
    }
    for m in ["FileSystemConfigs", "ImageConfig", "CodeSigningConfigArn"] {
        if present(m) {
            return Err(invalid_parameter(format!("Gureum does not simulate {m}.")));
        }
    }
    if input.get("PackageType").and_then(Value::as_str).is_some_and(|p| p != "Zip") {
        return Err(invalid_parameter("Gureum runs .zip packages only: container images (PackageType Image) are not simulated."));
    }
    Ok(())
}

fn read_architectures(input: &Value, v: &mut Validation) -> Option<Vec<String>> {
    match input.get("Architectures") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            if a.iter().any(|x| !x.is_string()) {
                v.serialization("Architectures must be a list of strings".into());
                return None;
            }
            let list: Vec<String> = a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
            // Coral shows a list as Java prints it: [x86_64, arm64].
            let shown = format!("[{}]", list.join(", "));
            if list.is_empty() {
                v.constraint(Some(&shown), "architectures", "Member must have length greater than or equal to 1");
            }
            if list.len() > 1 {
                v.constraint(Some(&shown), "architectures", "Member must have length less than or equal to 1");
            }
            if list.iter().any(|arch| arch != "x86_64" && arch != "arm64") {
                v.constraint(Some(&shown), "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]");
            }
            Some(list)
        }
        Some(_) => {
            v.serialization("Architectures must be a list".into());
            None
        }
    }
}

fn read_tags(input: &Value, member: &str) -> Result<BTreeMap<String, String>, AwsError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => {
            let mut out = BTreeMap::new();
            for (k, v) in m {
                let Some(s) = v.as_str() else {
                    return Err(AwsError::new("", "SerializationException", format!("Tag {k} must be a string"), 400));
                };
                out.insert(k.clone(), s.to_string());
            }
            if out.len() > 50 {
                return Err(invalid_parameter("Number of tags exceeds resource tag limit."));
            }
            Ok(out)
        }
        Some(_) => Err(AwsError::new("", "SerializationException", format!("{member} must be a map"), 400)),
    }
}

pub fn create_function(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let raw = v.required_string(input, "FunctionName", "functionName", 1, 140);
    let settings = Settings::read(input, &mut v);
    if settings.role.is_none() {
        v.constraint(None, "role", "Member must not be null");
    }
    let publish = v.boolean(input, "Publish").unwrap_or(false);
    let architectures = read_architectures(input, &mut v);
    v.finish()?;
    refuse_unsimulated(input)?;
    let raw = raw.unwrap_or_default();
    let name = match parse_function_name(&raw, &cx.account.id, cx.region) {
        Some((name, None)) => name,
        _ => {
            let mut v = Validation::default();
            v.constraint(
                Some(&raw),
                "functionName",
                "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)",
            );
            return Err(v.finish().err().unwrap_or_else(|| AwsError::internal("validation")));
        }
    };
    if settings.runtime.is_none() {
        return Err(invalid_parameter("Runtime and Handler are mandatory parameters for functions created with deployment packages."));
    }
    if settings.handler.is_none() {
        return Err(invalid_parameter("Runtime and Handler are mandatory parameters for functions created with deployment packages."));
    }
    settings.check()?;
    let tags = read_tags(input, "Tags")?;
    let zip = read_zip(input.get("Code"))?;
    if state.functions.contains_key(&name) {
        return Err(conflict(format!("Function already exist: {name}")));
    }
    let (sha, size) = store_package(cx, state, zip)?;
    let mut latest = Config {
        version: "$LATEST".into(),
        description: String::new(),
        runtime: String::new(),
        handler: String::new(),
        role: String::new(),
        timeout: 3,
        memory_size: 128,
        ephemeral_storage: 512,
        architectures: architectures.unwrap_or_else(|| vec!["x86_64".into()]),
        environment: BTreeMap::new(),
        code_sha256: sha,
        code_size: size,
        last_modified_ms: cx.now_ms,
        revision_id: revision(cx),
        state: "Pending".into(),
        last_update_status: "InProgress".into(),
        log_group: None,
        log_format: "Text".into(),
        tracing_mode: "PassThrough".into(),
    };
    settings.apply(&mut latest);
    let mut f = Function {
        name: name.clone(),
        latest,
        versions: BTreeMap::new(),
        last_version: 0,
        aliases: BTreeMap::new(),
        reserved_concurrency: None,
        tags,
        event_invoke: BTreeMap::new(),
    };
    let described = if publish { Some(publish_from_latest(cx, &mut f, None)) } else { None };
    cx.schedule(cx.now_ms + TRANSITION_MS, json!({ "function": name, "transition": "ready" }));
    let out = match described {
        Some(version) => describe(&cx.account.id, cx.region, &f, &f.versions[&version]),
        None => describe(&cx.account.id, cx.region, &f, &f.latest),
    };
    Lambda::save_function(cx, &f);
    state.functions.insert(name, f);
    Ok(out)
}

/// Ends Pending / InProgress once the transition's virtual time has passed.
pub fn fire_transition(cx: &mut Cx, state: &mut RegionState, payload: &Value) {
    let Some(name) = payload.get("function").and_then(Value::as_str) else { return };
    let Some(f) = state.functions.get_mut(name) else { return };
    f.latest.state = "Active".into();
    f.latest.last_update_status = "Successful".into();
    for c in f.versions.values_mut() {
        c.state = "Active".into();
        c.last_update_status = "Successful".into();
    }
    Lambda::save_function(cx, f);
}

/// Publishes `$LATEST` as the next version (or returns the newest version if nothing changed).
fn publish_from_latest(cx: &mut Cx, f: &mut Function, description: Option<String>) -> u64 {
    if let Some((&n, last)) = f.versions.iter().next_back() {
        let mut same = last.clone();
        same.version = "$LATEST".into();
        same.description = f.latest.description.clone();
        same.last_modified_ms = f.latest.last_modified_ms;
        same.revision_id = f.latest.revision_id.clone();
        same.state = f.latest.state.clone();
        same.last_update_status = f.latest.last_update_status.clone();
        if same == f.latest {
            return n;
        }
    }
    f.last_version += 1;
    let n = f.last_version;
    let mut c = f.latest.clone();
    c.version = n.to_string();
    c.last_modified_ms = cx.now_ms;
    c.revision_id = revision(cx);
    if let Some(d) = description {
        c.description = d;
    }
    f.versions.insert(n, c);
    // Publishing changes $LATEST's revision too, as AWS does.
    f.latest.revision_id = revision(cx);
    n
}

pub fn get_function(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, true)?;
    let (account, region) = (cx.account.id.clone(), cx.region.to_string());
    let f = find(cx, state, &n)?;
    let version = resolve_version(cx, f, &n.qualifier)?;
    let c = f.config(&version).ok_or_else(|| AwsError::internal("resolved version missing"))?;
    let mut out = Map::new();
    out.insert("Configuration".into(), describe(&account, &region, f, c));
    out.insert("Code".into(), json!({ "RepositoryType": "S3", "Location": format!("/_gureum/lambda/{region}/functions/{}/code?version={version}", f.name) }));
    if !f.tags.is_empty() {
        out.insert("Tags".into(), json!(f.tags));
    }
    if let Some(r) = f.reserved_concurrency {
        out.insert("Concurrency".into(), json!({ "ReservedConcurrentExecutions": r }));
    }
    Ok(Value::Object(out))
}

pub fn get_function_configuration(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, true)?;
    let (account, region) = (cx.account.id.clone(), cx.region.to_string());
    let f = find(cx, state, &n)?;
    let version = resolve_version(cx, f, &n.qualifier)?;
    let c = f.config(&version).ok_or_else(|| AwsError::internal("resolved version missing"))?;
    Ok(describe(&account, &region, f, c))
}

/// Marker paging shared by the List operations: items after `Marker`, at most `MaxItems`, and
/// never more than `cap` (ListFunctions and ListVersionsByFunction return at most 50 items
/// "even if you set the number higher").
fn page<T: Clone>(items: Vec<(String, T)>, input: &Value, default_max: u32, cap: u32) -> Result<(Vec<T>, Option<String>), AwsError> {
    let mut v = Validation::default();
    let max = v.integer(input, "MaxItems", "maxItems", 1, 10000).unwrap_or(default_max).min(cap) as usize;
    let marker = v.string(input, "Marker", "marker", 0, usize::MAX);
    v.finish()?;
    let start = match &marker {
        Some(m) => match items.iter().position(|(k, _)| k == m) {
            Some(i) => i,
            None => return Err(invalid_parameter("Invalid marker: the marker does not come from a previous list call.")),
        },
        None => 0,
    };
    let rest = &items[start..];
    let next = rest.get(max).map(|(k, _)| k.clone());
    Ok((rest.iter().take(max).map(|(_, t)| t.clone()).collect(), next))
}

pub fn list_functions(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let all = match input.get("FunctionVersion") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "ALL" => true,
        Some(other) => {
            let mut v = Validation::default();
            v.constraint(other.as_str(), "functionVersion", "Member must satisfy enum value set: [ALL]");
            return Err(v.finish().err().unwrap_or_else(|| AwsError::internal("validation")));
        }
    };
    let mut items = Vec::new();
    for f in state.functions.values() {
        items.push((format!("{}:$LATEST", f.name), describe(&cx.account.id, cx.region, f, &f.latest)));
        if all {
            for c in f.versions.values() {
                items.push((format!("{}:{}", f.name, c.version), describe(&cx.account.id, cx.region, f, c)));
            }
        }
    }
    let (mut functions, next) = page(items, input, 50, 50)?;
    // ListFunctions returns a subset of FunctionConfiguration: the state fields and
    // RuntimeVersionConfig only come with GetFunction.
    for f in &mut functions {
        if let Some(m) = f.as_object_mut() {
            for k in ["State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode", "RuntimeVersionConfig"] {
                m.remove(k);
            }
        }
    }
    let mut out = json!({ "Functions": functions });
    if let Some(m) = next {
        out["NextMarker"] = json!(m);
    }
    Ok(out)
}

pub fn delete_function(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, true)?;
    let f = find(cx, state, &n)?;
    match n.qualifier.as_deref() {
        None => {
            let name = f.name.clone();
            state.functions.remove(&name);
            cx.journal.delete(super::function_key(cx.region, &name));
            for env in state.environments.remove_function(&name) {
                cx.discard_environment(env);
            }
            super::metrics::forget(cx, &mut state.metrics, &name);
            super::esm::forget_function(cx, state, &name);
            if state.test_events.remove(&name).is_some() {
                cx.journal.delete_prefix(format!("lambda/{}/testevent/{name}/", cx.region));
            }
            let queued: Vec<String> = state.events.iter().filter(|(_, e)| e.function == name).map(|(id, _)| id.clone()).collect();
            for id in queued {
                state.events.remove(&id);
                cx.journal.delete(super::event_key(cx.region, &id));
            }
            Lambda::collect_packages(cx, state);
        }
        Some("$LATEST") => return Err(invalid_parameter("$LATEST version cannot be deleted without deleting the function.")),
        Some(q) if !q.bytes().all(|b| b.is_ascii_digit()) => return Err(invalid_parameter("Deletion of aliases is not supported.")),
        Some(q) => {
            let Some(version) = q.parse::<u64>().ok().filter(|v| f.versions.contains_key(v)) else {
                // A version that does not exist (any more) is already deleted: AWS answers 204.
                return Ok(json!({}));
            };
            if let Some(alias) = f.aliases.values().find(|a| a.function_version == q || a.additional_weights.contains_key(q)) {
                return Err(conflict(format!("Unable to delete version because the following aliases reference it: [{}]", alias.name)));
            }
            f.versions.remove(&version);
            // The version's asynchronous invocation settings go with it.
            f.event_invoke.remove(&version.to_string());
            let name = f.name.clone();
            let snapshot = f.clone();
            Lambda::save_function(cx, &snapshot);
            for env in state.environments.remove_version(&name, q) {
                cx.discard_environment(env);
            }
            Lambda::collect_packages(cx, state);
        }
    }
    Ok(json!({}))
}

fn check_revision(given: Option<String>, current: &str) -> Result<(), AwsError> {
    match given {
        Some(r) if r != current => {
            Err(precondition_failed("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"))
        }
        _ => Ok(()),
    }
}

fn check_not_updating(cx: &Cx, f: &Function) -> Result<(), AwsError> {
    if f.latest.state == "Pending" {
        return Err(conflict("The operation cannot be performed at this time. The function is currently in the following state: Pending"));
    }
    if f.latest.last_update_status == "InProgress" {
        return Err(conflict(format!("The operation cannot be performed at this time. An update is in progress for resource: {}", arn(cx, &f.name))));
    }
    Ok(())
}

/// After `$LATEST` changed: new revision, InProgress for a moment, warm environments retired.
fn latest_changed(cx: &mut Cx, state: &mut RegionState, name: &str) {
    let revision = revision(cx);
    let now = cx.now_ms;
    if let Some(f) = state.functions.get_mut(name) {
        f.latest.revision_id = revision;
        f.latest.last_modified_ms = now;
        f.latest.last_update_status = "InProgress".into();
    }
    cx.schedule(now + TRANSITION_MS, json!({ "function": name, "transition": "updated" }));
    for env in state.environments.remove_version(name, "$LATEST") {
        cx.discard_environment(env);
    }
}

pub fn update_function_code(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let publish = v.boolean(input, "Publish").unwrap_or(false);
    let dry_run = v.boolean(input, "DryRun").unwrap_or(false);
    let revision_id = v.string(input, "RevisionId", "revisionId", 0, usize::MAX);
    let architectures = read_architectures(input, &mut v);
    v.finish()?;
    let n = named(cx, input, false)?;
    let code_input: Value = json!({ "ZipFile": input.get("ZipFile"), "S3Bucket": input.get("S3Bucket"), "S3Key": input.get("S3Key"), "ImageUri": input.get("ImageUri") });
    let zip = read_zip(Some(&code_input))?;
    let f = find(cx, state, &n)?;
    check_revision(revision_id, &f.latest.revision_id)?;
    check_not_updating(cx, f)?;
    let name = f.name.clone();
    if dry_run {
        let mut preview = f.clone();
        preview.latest.code_sha256 = code::sha256_base64(&zip);
        preview.latest.code_size = zip.len() as u64;
        return Ok(describe(&cx.account.id, cx.region, &preview, &preview.latest));
    }
    let (sha, size) = store_package(cx, state, zip)?;
    let f = state.functions.get_mut(&name).ok_or_else(|| AwsError::internal("function vanished"))?;
    f.latest.code_sha256 = sha;
    f.latest.code_size = size;
    if let Some(a) = architectures {
        f.latest.architectures = a;
    }
    latest_changed(cx, state, &name);
    let f = state.functions.get_mut(&name).ok_or_else(|| AwsError::internal("function vanished"))?;
    let out = if publish {
        let n = publish_from_latest(cx, f, None);
        describe(&cx.account.id, cx.region, f, &f.versions[&n])
    } else {
        describe(&cx.account.id, cx.region, f, &f.latest)
    };
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Lambda::collect_packages(cx, state);
    Ok(out)
}

pub fn update_function_configuration(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let settings = Settings::read(input, &mut v);
    let revision_id = v.string(input, "RevisionId", "revisionId", 0, usize::MAX);
    v.finish()?;
    refuse_unsimulated(input)?;
    settings.check()?;
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    check_revision(revision_id, &f.latest.revision_id)?;
    check_not_updating(cx, f)?;
    settings.apply(&mut f.latest);
    let name = f.name.clone();
    latest_changed(cx, state, &name);
    let f = &state.functions[&name];
    let out = describe(&cx.account.id, cx.region, f, &f.latest);
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(out)
}

pub fn publish_version(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let description = v.string(input, "Description", "description", 0, 256);
    let sha = v.string(input, "CodeSha256", "codeSha256", 0, usize::MAX);
    let revision_id = v.string(input, "RevisionId", "revisionId", 0, usize::MAX);
    v.finish()?;
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    check_revision(revision_id, &f.latest.revision_id)?;
    if let Some(sha) = sha {
        if sha != f.latest.code_sha256 {
            return Err(invalid_parameter(format!("CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again", f.latest.code_sha256)));
        }
    }
    check_not_updating(cx, f)?;
    let version = publish_from_latest(cx, f, description);
    let out = describe(&cx.account.id, cx.region, f, &f.versions[&version]);
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(out)
}

pub fn list_versions(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    let mut items = vec![("$LATEST".to_string(), describe(&cx.account.id, cx.region, f, &f.latest))];
    items.extend(f.versions.values().map(|c| (c.version.clone(), describe(&cx.account.id, cx.region, f, c))));
    let (versions, next) = page(items, input, 50, 50)?;
    let mut out = json!({ "Versions": versions });
    if let Some(m) = next {
        out["NextMarker"] = json!(m);
    }
    Ok(out)
}

// --- aliases ---------------------------------------------------------------------------------

fn describe_alias(cx: &Cx, function: &str, a: &Alias) -> Value {
    let mut out = json!({
        "AliasArn": format!("{}:{}", arn(cx, function), a.name),
        "Name": a.name,
        "FunctionVersion": a.function_version,
        "Description": a.description,
        "RevisionId": a.revision_id,
    });
    if !a.additional_weights.is_empty() {
        out["RoutingConfig"] = json!({ "AdditionalVersionWeights": a.additional_weights });
    }
    out
}

fn read_alias_name(input: &Value, v: &mut Validation) -> Option<String> {
    let name = v.required_string(input, "Name", "name", 1, 128)?;
    let ok = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') && !name.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        v.constraint(Some(&name), "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
    }
    Some(name)
}

/// `RoutingConfig.AdditionalVersionWeights`, checked in Lambda's order: at most one entry, a
/// weight in [0, 1], not the primary version, not with `$LATEST` as primary, a version number,
/// a version that exists.
fn read_weights(cx: &Cx, f: &Function, input: &Value, primary: &str) -> Result<Option<BTreeMap<String, f64>>, AwsError> {
    let Some(rc) = input.get("RoutingConfig").filter(|v| !v.is_null()) else { return Ok(None) };
    let mut out = BTreeMap::new();
    match rc.get("AdditionalVersionWeights") {
        None | Some(Value::Null) => {}
        Some(Value::Object(w)) => {
            if w.len() > 1 {
                return Err(invalid_parameter("Number of items in AdditionalVersionWeights cannot be greater than 1"));
            }
            for (version, weight) in w {
                let Some(weight) = weight.as_f64() else {
                    return Err(AwsError::new("", "SerializationException", format!("Unexpected value type for AdditionalVersionWeights {version}: expected a number"), 400));
                };
                let shown = format!("{{{version}={weight:?}}}");
                if !(0.0..=1.0).contains(&weight) {
                    return Err(AwsError::new("", "ValidationException", format!("1 validation error detected: Value '{shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"), 400));
                }
                if version == primary {
                    return Err(invalid_parameter(format!("Invalid function version {primary}. Function version {primary} is already included in routing configuration.")));
                }
                if primary == "$LATEST" {
                    return Err(invalid_parameter("$LATEST is not supported for an alias pointing to more than 1 version"));
                }
                if version.is_empty() || version.len() > 1024 || !version.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(AwsError::new("", "ValidationException", format!("1 validation error detected: Value '{shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"), 400));
                }
                if version.parse::<u64>().ok().is_none_or(|n| !f.versions.contains_key(&n)) {
                    return Err(function_not_found(&format!("{}:{version}", arn(cx, &f.name))));
                }
                out.insert(version.clone(), weight);
            }
        }
        Some(_) => return Err(AwsError::new("", "SerializationException", "RoutingConfig.AdditionalVersionWeights must be a map", 400)),
    }
    Ok(Some(out))
}

fn check_version_exists(cx: &Cx, f: &Function, version: &str) -> Result<(), AwsError> {
    if version == "$LATEST" || version.parse::<u64>().ok().is_some_and(|n| f.versions.contains_key(&n)) {
        Ok(())
    } else {
        Err(function_not_found(&format!("{}:{version}", arn(cx, &f.name))))
    }
}

pub fn create_alias(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let name = read_alias_name(input, &mut v);
    let version = v.required_string(input, "FunctionVersion", "functionVersion", 1, 1024);
    let description = v.string(input, "Description", "description", 0, 256);
    v.finish()?;
    let (name, version) = (name.unwrap_or_default(), version.unwrap_or_default());
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    check_version_exists(cx, f, &version)?;
    let weights = read_weights(cx, f, input, &version)?.unwrap_or_default();
    if f.aliases.contains_key(&name) {
        return Err(conflict(format!("Alias already exists: {}:{name}", arn(cx, &f.name))));
    }
    let alias = Alias { name: name.clone(), function_version: version, description: description.unwrap_or_default(), additional_weights: weights, revision_id: cx.rng.uuid() };
    let out = describe_alias(cx, &f.name, &alias);
    f.aliases.insert(name, alias);
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(out)
}

fn alias_of<'f>(cx: &Cx, f: &'f mut Function, input: &Value) -> Result<&'f mut Alias, AwsError> {
    let mut v = Validation::default();
    let name = read_alias_name(input, &mut v);
    v.finish()?;
    let name = name.unwrap_or_default();
    let arn = format!("{}:{name}", arn(cx, &f.name));
    f.aliases.get_mut(&name).ok_or_else(|| not_found(format!("Alias not found: {arn}")))
}

pub fn get_alias(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    let fname = f.name.clone();
    let a = alias_of(cx, f, input)?;
    Ok(describe_alias(cx, &fname, a))
}

pub fn update_alias(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let version = v.string(input, "FunctionVersion", "functionVersion", 1, 1024);
    let description = v.string(input, "Description", "description", 0, 256);
    let revision_id = v.string(input, "RevisionId", "revisionId", 0, usize::MAX);
    v.finish()?;
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    let current = alias_of(cx, f, input)?.function_version.clone();
    if let Some(version) = &version {
        check_version_exists(cx, f, version)?;
    }
    let primary = version.clone().unwrap_or(current);
    let weights = read_weights(cx, f, input, &primary)?;
    if weights.is_none() {
        // A new primary version is checked against the weights the alias keeps.
        let kept = alias_of(cx, f, input)?.additional_weights.clone();
        if kept.contains_key(&primary) {
            return Err(invalid_parameter(format!("Invalid function version {primary}. Function version {primary} is already included in routing configuration.")));
        }
        if primary == "$LATEST" && !kept.is_empty() {
            return Err(invalid_parameter("$LATEST is not supported for an alias pointing to more than 1 version"));
        }
    }
    let fname = f.name.clone();
    check_revision(revision_id, &alias_of(cx, f, input)?.revision_id)?;
    // Drawn only once the call is known to succeed: a refused call changes nothing, the
    // random sequence included.
    let new_revision = cx.rng.uuid();
    let a = alias_of(cx, f, input)?;
    if let Some(version) = version {
        a.function_version = version;
    }
    if let Some(d) = description {
        a.description = d;
    }
    if let Some(w) = weights {
        a.additional_weights = w;
    }
    a.revision_id = new_revision;
    let out = describe_alias(cx, &fname, a);
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(out)
}

pub fn delete_alias(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    let mut v = Validation::default();
    let name = read_alias_name(input, &mut v);
    v.finish()?;
    // Deleting an alias that does not exist succeeds, as AWS's does. Its asynchronous
    // invocation settings go with it.
    let name = name.unwrap_or_default();
    f.aliases.remove(&name);
    f.event_invoke.remove(&name);
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(json!({}))
}

pub fn list_aliases(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let only = v.string(input, "FunctionVersion", "functionVersion", 1, 1024);
    v.finish()?;
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    let items: Vec<(String, Value)> =
        f.aliases.values().filter(|a| only.as_ref().is_none_or(|o| &a.function_version == o)).map(|a| (a.name.clone(), describe_alias(cx, &f.name, a))).collect();
    let (aliases, next) = page(items, input, 50, 10000)?;
    let mut out = json!({ "Aliases": aliases });
    if let Some(m) = next {
        out["NextMarker"] = json!(m);
    }
    Ok(out)
}

// --- concurrency, account, tags --------------------------------------------------------------

fn reserved_total(state: &RegionState, except: &str) -> u32 {
    state.functions.values().filter(|f| f.name != except).filter_map(|f| f.reserved_concurrency).sum()
}

pub fn put_concurrency(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let mut v = Validation::default();
    let reserved = v.integer(input, "ReservedConcurrentExecutions", "reservedConcurrentExecutions", 0, i64::from(u32::MAX));
    if input.get("ReservedConcurrentExecutions").is_none_or(Value::is_null) {
        v.constraint(None, "reservedConcurrentExecutions", "Member must not be null");
    }
    v.finish()?;
    let reserved = reserved.unwrap_or(0);
    let n = named(cx, input, false)?;
    let name = find(cx, state, &n)?.name.clone();
    let others = reserved_total(state, &name);
    if others + reserved > ACCOUNT_CONCURRENCY - MIN_UNRESERVED {
        return Err(invalid_parameter(format!(
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
        )));
    }
    let f = state.functions.get_mut(&name).ok_or_else(|| AwsError::internal("function vanished"))?;
    f.reserved_concurrency = Some(reserved);
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(json!({ "ReservedConcurrentExecutions": reserved }))
}

pub fn get_concurrency(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    Ok(match f.reserved_concurrency {
        Some(r) => json!({ "ReservedConcurrentExecutions": r }),
        None => json!({}),
    })
}

pub fn delete_concurrency(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let n = named(cx, input, false)?;
    let f = find(cx, state, &n)?;
    f.reserved_concurrency = None;
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(json!({}))
}

pub fn account_settings(_cx: &mut Cx, state: &mut RegionState) -> Result<Value, AwsError> {
    let total: u64 = state.packages.values().map(|p| p.zip.len() as u64).sum();
    Ok(json!({
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800u64,
            "CodeSizeUnzipped": code::MAX_UNZIPPED_BYTES,
            "CodeSizeZipped": code::MAX_ZIPPED_BYTES,
            "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
            "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved_total(state, ""),
        },
        "AccountUsage": { "TotalCodeSize": total, "FunctionCount": state.functions.len() },
    }))
}

/// The function a tagging call's `Resource` ARN names (functions only, unqualified).
fn tagged<'s>(cx: &Cx, state: &'s mut RegionState, input: &Value) -> Result<&'s mut Function, AwsError> {
    let mut v = Validation::default();
    let resource = v.required_string(input, "Resource", "resource", 1, 256);
    v.finish()?;
    let resource = resource.unwrap_or_default();
    match parse_function_name(&resource, &cx.account.id, cx.region) {
        Some((name, None)) if resource.starts_with("arn:") => state.functions.get_mut(&name).ok_or_else(|| function_not_found(&resource)),
        _ => Err(invalid_parameter(format!("Invalid resource ARN: {resource}"))),
    }
}

pub fn tag_resource(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    if input.get("Tags").is_none_or(Value::is_null) {
        let mut v = Validation::default();
        v.constraint(None, "tags", "Member must not be null");
        v.finish()?;
    }
    let tags = read_tags(input, "Tags")?;
    let f = tagged(cx, state, input)?;
    // Checked before anything changes: a refused call leaves the tags as they were.
    let mut merged = f.tags.clone();
    merged.extend(tags);
    if merged.len() > 50 {
        return Err(invalid_parameter("Number of tags exceeds resource tag limit."));
    }
    f.tags = merged;
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(json!({}))
}

pub fn untag_resource(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let keys: Vec<String> = match input.get("TagKeys") {
        Some(Value::Array(a)) => a.iter().filter_map(|k| k.as_str().map(str::to_string)).collect(),
        _ => {
            return Err(AwsError::new("", "ValidationException", "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null", 400))
        }
    };
    let f = tagged(cx, state, input)?;
    for k in keys {
        f.tags.remove(&k);
    }
    let snapshot = f.clone();
    Lambda::save_function(cx, &snapshot);
    Ok(json!({}))
}

pub fn list_tags(cx: &mut Cx, state: &mut RegionState, input: &Value) -> Result<Value, AwsError> {
    let f = tagged(cx, state, input)?;
    Ok(json!({ "Tags": f.tags }))
}

// --- the sandbox's own operations (control API: `lambda:GetFunctionCode`, ...) ---------------

/// How many test events a function may keep (as the console's private test events).
pub const MAX_TEST_EVENTS: usize = 10;
/// The largest saved test event (JSON text), as a synchronous Invoke payload could be much
/// larger but a saved example has no need to be.
pub const MAX_TEST_EVENT_BYTES: usize = 256 * 1024;

/// A test event name: 1 to 25 letters, digits, dots, dashes or underscores (the console's rule).
fn test_event_name(input: &Value) -> Result<String, AwsError> {
    let name = input.get("Name").and_then(Value::as_str).ok_or_else(|| invalid_parameter("'Name' is required: the test event's name."))?;
    if name.is_empty() || name.len() > 25 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_') {
        return Err(invalid_parameter(format!("Invalid test event name '{name}': use 1 to 25 letters, digits, dots (.), dashes (-) or underscores (_).")));
    }
    Ok(name.to_string())
}

/// `GetFunctionCode` {FunctionName, Qualifier?}: the package's files (text) for the editor.
/// `GetFunctionMetrics` {FunctionName, Minutes?}: per-minute Invocations, Errors, Throttles and
/// Duration. `ListEnvironments` {FunctionName}: the execution environments, warm or busy.
/// `PutTestEvent` {FunctionName, Name, Event}, `ListTestEvents` {FunctionName},
/// `DeleteTestEvent` {FunctionName, Name}: the function's saved test events (any JSON value),
/// kept with it and deleted with it.
pub fn control(cx: &mut Cx, state: &mut RegionState, operation: &str, input: &Value) -> Result<Value, AwsError> {
    match operation {
        "GetFunctionCode" => {
            let n = named(cx, input, true)?;
            let f = find(cx, state, &n)?;
            let version = resolve_version(cx, f, &n.qualifier)?;
            let c = f.config(&version).ok_or_else(|| AwsError::internal("resolved version missing"))?.clone();
            let name = f.name.clone();
            let package = state.packages.get(&c.code_sha256).ok_or_else(|| AwsError::internal("package missing"))?;
            let files: Map<String, Value> = package
                .bundle
                .files
                .iter()
                .map(|(path, bytes)| {
                    let text = match std::str::from_utf8(bytes) {
                        Ok(t) => json!({ "Text": t }),
                        Err(_) => json!({ "Base64": B64.encode(bytes) }),
                    };
                    (path.clone(), text)
                })
                .collect();
            Ok(json!({ "FunctionName": name, "Version": version, "CodeSha256": c.code_sha256, "Handler": c.handler, "Files": files }))
        }
        "GetFunctionMetrics" => {
            let n = named(cx, input, false)?;
            let name = find(cx, state, &n)?.name.clone();
            let minutes = input.get("Minutes").and_then(Value::as_i64).unwrap_or(30).clamp(1, 1440);
            Ok(super::metrics::datapoints(cx, &state.metrics, &name, minutes))
        }
        "ListEnvironments" => {
            let n = named(cx, input, false)?;
            let name = find(cx, state, &n)?.name.clone();
            let envs: Vec<Value> = state
                .environments
                .of(&name)
                .map(|e| {
                    json!({
                        "Id": e.id,
                        "Version": e.version,
                        "State": if e.busy { "Busy" } else { "Idle" },
                        "LogStreamName": e.log_stream,
                        "LastUsed": crate::kernel::time::iso8601(e.last_used_ms),
                        "Invocations": e.invocations,
                        "ReclaimedAt": crate::kernel::time::iso8601(e.last_used_ms + super::environment::IDLE_RECLAIM_MS),
                    })
                })
                .collect();
            Ok(json!({ "Environments": envs }))
        }
        "PutTestEvent" => {
            let n = named(cx, input, false)?;
            let name = find(cx, state, &n)?.name.clone();
            let event_name = test_event_name(input)?;
            let event = input.get("Event").cloned().ok_or_else(|| invalid_parameter("'Event' is required: the event as JSON."))?;
            let size = serde_json::to_vec(&event).map(|v| v.len()).unwrap_or(usize::MAX);
            if size > MAX_TEST_EVENT_BYTES {
                return Err(invalid_parameter(format!("The test event is {size} bytes; a saved test event may be at most {MAX_TEST_EVENT_BYTES} bytes.")));
            }
            let events = state.test_events.entry(name.clone()).or_default();
            if !events.contains_key(&event_name) && events.len() >= MAX_TEST_EVENTS {
                return Err(AwsError::new("", "TooManyTestEventsException", format!("{name} already has {MAX_TEST_EVENTS} saved test events; delete one first."), 400));
            }
            cx.journal.put_json(super::test_event_key(cx.region, &name, &event_name), &event);
            events.insert(event_name.clone(), event);
            Ok(json!({ "FunctionName": name, "Name": event_name }))
        }
        "ListTestEvents" => {
            let n = named(cx, input, false)?;
            let name = find(cx, state, &n)?.name.clone();
            let events: Vec<Value> = state.test_events.get(&name).map(|m| m.iter().map(|(k, v)| json!({ "Name": k, "Event": v })).collect()).unwrap_or_default();
            Ok(json!({ "FunctionName": name, "TestEvents": events }))
        }
        "DeleteTestEvent" => {
            let n = named(cx, input, false)?;
            let name = find(cx, state, &n)?.name.clone();
            let event_name = test_event_name(input)?;
            let removed = state.test_events.get_mut(&name).and_then(|m| m.remove(&event_name));
            if removed.is_none() {
                return Err(not_found(format!("Function {name} has no test event named {event_name}.")));
            }
            if state.test_events.get(&name).is_some_and(BTreeMap::is_empty) {
                state.test_events.remove(&name);
            }
            cx.journal.delete(super::test_event_key(cx.region, &name, &event_name));
            Ok(json!({}))
        }
        other => Err(AwsError::new("gureum", "UnknownOperationException", format!("Unknown control operation 'lambda:{other}'."), 400)),
    }
}
