//! The Step Functions operations, with AWS's shapes, errors and messages
//! (<https://docs.aws.amazon.com/step-functions/latest/apireference/>).

use std::{collections::BTreeSet, sync::Arc};

use serde_json::{json, Map, Value};

use super::{
    asl::{
        definition::{Definition, Kind, Machine},
        validate::{self, codes, Diagnostic, Severity},
    },
    err, interp,
    model::{self, Execution, MachineType, Phase, StateMachine, Status},
    tasks, with_env, StepFunctions, SyncRun,
};
use crate::kernel::{error::AwsError, runtime::Step, service::Cx};

/// An Express execution runs for at most five minutes.
pub const EXPRESS_MAX_MS: i64 = 5 * 60 * 1000;
const MAX_DEFINITION: usize = 1024 * 1024;

fn secs(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

fn validation(field: &str, value: &str, constraint: &str) -> AwsError {
    AwsError::validation(format!("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"))
}

fn string<'a>(input: &'a Value, field: &str) -> Result<Option<&'a str>, AwsError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(AwsError::serialization(format!("Expected a string for '{field}'."))),
    }
}

fn required<'a>(input: &'a Value, field: &str) -> Result<&'a str, AwsError> {
    string(input, field)?.ok_or_else(|| AwsError::validation(format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null")))
}

fn boolean(input: &Value, field: &str) -> Result<Option<bool>, AwsError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(AwsError::serialization(format!("Expected a boolean for '{field}'."))),
    }
}

fn max_results(input: &Value) -> Result<usize, AwsError> {
    match input.get("maxResults") {
        None | Some(Value::Null) => Ok(100),
        Some(v) => match v.as_i64() {
            Some(0) => Ok(100),
            Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
            Some(n) => Err(validation("maxResults", &n.to_string(), "Member must have value less than or equal to 1000")),
            None => Err(AwsError::serialization("Expected a number for 'maxResults'.")),
        },
    }
}

/// A pagination token: the offset, as AWS's opaque text.
fn page_start(input: &Value) -> Result<usize, AwsError> {
    match string(input, "nextToken")? {
        None => Ok(0),
        Some(t) => t.strip_prefix("gureum-").and_then(|n| n.parse().ok()).ok_or_else(|| err("InvalidToken", format!("Invalid Token: '{t}'"))),
    }
}

fn page_token(next: usize, total: usize) -> Option<String> {
    (next < total).then(|| format!("gureum-{next}"))
}

/// Names of machines and executions: 1–80 characters, none of AWS's forbidden ones.
fn check_name(name: &str, field: &str) -> Result<(), AwsError> {
    if name.is_empty() || name.chars().count() > 80 {
        return Err(validation(field, name, "Member must have length less than or equal to 80"));
    }
    let bad = name.chars().any(|c| c.is_whitespace() || "?*<>{}[]\"#%\\^|~`$&,;:/".contains(c) || c.is_control() || ('\u{7f}'..='\u{9f}').contains(&c));
    if bad {
        return Err(err("InvalidName", format!("Invalid Name: '{name}'")));
    }
    Ok(())
}

fn invalid_arn(arn: &str, why: &str) -> AwsError {
    err("InvalidArn", format!("Invalid Arn: '{why}: {arn}'"))
}

/// (machine name) of a state machine ARN of this account and region.
fn machine_name<'a>(cx: &Cx, arn: &'a str) -> Result<&'a str, AwsError> {
    let prefix = cx.account.arn("states", cx.region, "");
    if !arn.starts_with("arn:aws:states:") {
        return Err(invalid_arn(arn, "Invalid ARN prefix"));
    }
    let Some(rest) = arn.strip_prefix(&prefix) else { return Err(err("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))) };
    match rest.split(':').collect::<Vec<_>>().as_slice() {
        ["stateMachine", name] if !name.is_empty() => Ok(name),
        [kind, ..] => Err(err("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {kind}'"))),
        [] => Err(invalid_arn(arn, "Invalid ARN")),
    }
}

fn check_execution_arn(arn: &str) -> Result<(), AwsError> {
    let Some(rest) = arn.strip_prefix("arn:aws:states:") else { return Err(invalid_arn(arn, "Invalid ARN prefix")) };
    let kind = rest.split(':').nth(2).unwrap_or("");
    if kind != "execution" && kind != "express" {
        return Err(err("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {kind}'")));
    }
    Ok(())
}

fn no_machine(arn: &str) -> AwsError {
    err("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))
}

fn no_execution(arn: &str) -> AwsError {
    err("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'"))
}

pub fn dispatch(sf: &mut StepFunctions, cx: &mut Cx, operation: &str, input: &Value) -> Result<Step, AwsError> {
    let done = |v: Result<Value, AwsError>| v.map(Step::Done);
    match operation {
        "CreateStateMachine" => done(create_state_machine(sf, cx, input)),
        "DescribeStateMachine" => done(describe_state_machine(sf, cx, input)),
        "DescribeStateMachineForExecution" => done(describe_state_machine_for_execution(sf, cx, input)),
        "ListStateMachines" => done(list_state_machines(sf, cx, input)),
        "UpdateStateMachine" => done(update_state_machine(sf, cx, input)),
        "DeleteStateMachine" => done(delete_state_machine(sf, cx, input)),
        "ValidateStateMachineDefinition" => done(validate_definition(input)),
        "StartExecution" => done(start_execution(sf, cx, input)),
        "StartSyncExecution" => start_sync_execution(sf, cx, input),
        "DescribeExecution" => done(describe_execution(sf, cx, input)),
        "ListExecutions" => done(list_executions(sf, cx, input)),
        "GetExecutionHistory" => done(get_execution_history(sf, cx, input)),
        "StopExecution" => done(stop_execution(sf, cx, input)),
        "SendTaskSuccess" => send_task(sf, cx, input, "success"),
        "SendTaskFailure" => send_task(sf, cx, input, "failure"),
        "SendTaskHeartbeat" => send_task(sf, cx, input, "heartbeat"),
        "ListTagsForResource" => done(list_tags(sf, cx, input)),
        "TagResource" => done(tag_resource(sf, cx, input)),
        "UntagResource" => done(untag_resource(sf, cx, input)),
        op @ ("CreateActivity"
        | "DeleteActivity"
        | "DescribeActivity"
        | "ListActivities"
        | "GetActivityTask"
        | "RedriveExecution"
        | "TestState"
        | "PublishStateMachineVersion"
        | "CreateStateMachineAlias"
        | "DescribeStateMachineAlias"
        | "ListStateMachineAliases"
        | "UpdateStateMachineAlias"
        | "DeleteStateMachineAlias"
        | "ListStateMachineVersions"
        | "DeleteStateMachineVersion"
        | "DescribeMapRun"
        | "ListMapRuns"
        | "UpdateMapRun"
        | "ValidateStateMachineDefinitionForTest") => Err(AwsError::unknown_operation(format!("Gureum does not implement the Step Functions operation {op} yet."))),
        _ => Err(AwsError::unknown_operation("")),
    }
}

/// Diagnostics beyond the ASL schema: Task resources this sandbox can run, and what Express
/// machines may not use.
fn resource_diagnostics(m: &Machine, at: &str, kind: MachineType, out: &mut Vec<Diagnostic>) {
    for s in &m.states {
        let loc = format!("{at}/States/{}", s.name);
        // Variables are evaluated in JSONata states; JSONPath's Assign (and `$var` in its paths)
        // is refused rather than accepted and ignored.
        if s.query_language == super::asl::definition::QueryLanguage::JsonPath {
            let rules = if let Kind::Choice(c) = &s.kind { c.choices.iter().any(|r| r.assign.is_some()) } else { false };
            if s.assign.is_some() || rules || s.catch.iter().any(|c| c.assign.is_some()) {
                out.push(Diagnostic::error(
                    codes::SCHEMA_VALIDATION_FAILED,
                    "Assign in a JSONPath state is not simulated in this sandbox yet: variables work in JSONata states (\"QueryLanguage\": \"JSONata\")",
                    format!("{loc}/Assign"),
                ));
            }
        }
        match &s.kind {
            Kind::Task(t) => match tasks::parse(&t.resource) {
                Err(msg) => out.push(Diagnostic::error(codes::SCHEMA_VALIDATION_FAILED, msg, format!("{loc}/Resource"))),
                Ok(r) if kind == MachineType::Express && r.pattern != tasks::Pattern::Request => {
                    let p = if r.pattern == tasks::Pattern::Token { ".waitForTaskToken" } else { ".sync" };
                    out.push(Diagnostic::error(
                        codes::SCHEMA_VALIDATION_FAILED,
                        format!("Express state machine does not support '{p}' service integration"),
                        format!("{loc}/Resource"),
                    ));
                }
                Ok(_) => {}
            },
            Kind::Parallel(p) => {
                for (i, b) in p.branches.iter().enumerate() {
                    resource_diagnostics(b, &format!("{loc}/Branches/{i}"), kind, out);
                }
            }
            Kind::Map(mp) => {
                if mp.mode == super::asl::definition::MapMode::Distributed {
                    out.push(Diagnostic::error(
                        codes::SCHEMA_VALIDATION_FAILED,
                        "Map states in DISTRIBUTED mode are not simulated in this sandbox yet",
                        format!("{loc}/{}/ProcessorConfig/Mode", mp.processor_field),
                    ));
                }
                resource_diagnostics(&mp.processor, &format!("{loc}/{}", mp.processor_field), kind, out)
            }
            _ => {}
        }
    }
}

/// Parses and checks a definition as CreateStateMachine does.
pub fn check_definition(text: &str, kind: MachineType) -> Result<Definition, Vec<Diagnostic>> {
    let def = Definition::parse(text)?;
    let mut diags = Vec::new();
    resource_diagnostics(&def.machine, "", kind, &mut diags);
    if diags.is_empty() {
        Ok(def)
    } else {
        Err(diags)
    }
}

fn invalid_definition(diags: &[Diagnostic]) -> AwsError {
    err("InvalidDefinition", validate::invalid_definition_message(diags))
}

fn machine_type(input: &Value) -> Result<MachineType, AwsError> {
    match string(input, "type")? {
        None | Some("STANDARD") => Ok(MachineType::Standard),
        Some("EXPRESS") => Ok(MachineType::Express),
        Some(other) => Err(validation("type", other, "Member must satisfy enum value set: [STANDARD, EXPRESS]")),
    }
}

fn check_role(role: &str) -> Result<(), AwsError> {
    let ok = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"))
        .is_some_and(|(acct, name)| acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty());
    if !ok {
        return Err(err("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {role}'")));
    }
    Ok(())
}

/// loggingConfiguration and tracingConfiguration: only what needs no other service.
fn check_logging(input: &Value) -> Result<Option<Value>, AwsError> {
    let Some(l) = input.get("loggingConfiguration").filter(|v| !v.is_null()) else { return Ok(None) };
    let level = l.get("level").and_then(Value::as_str).unwrap_or("OFF");
    if !["ALL", "ERROR", "FATAL", "OFF"].contains(&level) {
        return Err(validation("loggingConfiguration.level", level, "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]"));
    }
    if level != "OFF" {
        return Err(AwsError::validation("Execution logging to CloudWatch Logs (loggingConfiguration level other than OFF) is not supported in the sandbox"));
    }
    Ok(Some(l.clone()))
}

fn check_tracing(input: &Value) -> Result<Option<Value>, AwsError> {
    let Some(t) = input.get("tracingConfiguration").filter(|v| !v.is_null()) else { return Ok(None) };
    if t.get("enabled").and_then(Value::as_bool) == Some(true) {
        return Err(AwsError::validation("X-Ray tracing (tracingConfiguration enabled) is not supported in the sandbox"));
    }
    Ok(Some(t.clone()))
}

fn tags_of(input: &Value) -> Result<Vec<(String, String)>, AwsError> {
    let mut out = Vec::new();
    if let Some(list) = input.get("tags").filter(|v| !v.is_null()) {
        let Some(list) = list.as_array() else { return Err(AwsError::serialization("Expected a list for 'tags'.")) };
        for t in list {
            let k = t
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| AwsError::validation("1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null"))?;
            let v = t.get("value").and_then(Value::as_str).unwrap_or("");
            out.push((k.to_string(), v.to_string()));
        }
    }
    Ok(out)
}

fn create_state_machine(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let name = required(input, "name")?;
    let definition = required(input, "definition")?;
    let role = required(input, "roleArn")?;
    check_name(name, "name")?;
    if definition.len() > MAX_DEFINITION {
        return Err(validation("definition", "...", "Member must have length less than or equal to 1048576"));
    }
    let kind = machine_type(input)?;
    check_role(role)?;
    let logging = check_logging(input)?;
    let tracing = check_tracing(input)?;
    if boolean(input, "publish")? == Some(true) || input.get("versionDescription").is_some_and(|v| !v.is_null()) {
        return Err(AwsError::validation("State machine versions (publish, versionDescription) are not supported in the sandbox yet"));
    }
    if let Some(e) = input.get("encryptionConfiguration").filter(|v| !v.is_null()) {
        if e.get("type").and_then(Value::as_str) != Some("AWS_OWNED_KEY") {
            return Err(AwsError::validation("Customer managed KMS keys (encryptionConfiguration) are not supported in the sandbox"));
        }
    }
    let tags = tags_of(input)?;
    let def = check_definition(definition, kind).map_err(|d| invalid_definition(&d))?;
    let arn = cx.account.arn("states", cx.region, &format!("stateMachine:{name}"));
    let region = cx.region.to_string();
    if let Some(m) = sf.region_mut(&region).machines.get(name) {
        // Idempotent when nothing differs.
        if m.definition == definition && m.role_arn == role && m.kind == kind {
            return Ok(json!({ "stateMachineArn": m.arn, "creationDate": secs(m.created_ms) }));
        }
        return Err(err("StateMachineAlreadyExists", format!("State Machine Already Exists: '{arn}'")));
    }
    let m = StateMachine {
        name: name.to_string(),
        arn: arn.clone(),
        definition: definition.to_string(),
        role_arn: role.to_string(),
        kind,
        created_ms: cx.now_ms,
        updated_ms: None,
        description: None,
        logging,
        tracing,
        revision_id: None,
        tags: tags.into_iter().collect(),
        parsed: Some(Arc::new(def)),
    };
    cx.journal.put_json(model::machine_key(&region, name), &m);
    sf.region_mut(&region).machines.insert(name.to_string(), m);
    Ok(json!({ "stateMachineArn": arn, "creationDate": secs(cx.now_ms) }))
}

fn machine_json(m: &StateMachine) -> Value {
    let mut out = json!({
        "stateMachineArn": m.arn,
        "name": m.name,
        "status": "ACTIVE",
        "definition": m.definition,
        "roleArn": m.role_arn,
        "type": m.kind.as_str(),
        "creationDate": secs(m.created_ms),
        "loggingConfiguration": m.logging.clone().unwrap_or(json!({ "level": "OFF", "includeExecutionData": false })),
        "tracingConfiguration": m.tracing.clone().unwrap_or(json!({ "enabled": false })),
    });
    if let Some(r) = &m.revision_id {
        out["revisionId"] = json!(r);
    }
    if let Some(d) = &m.description {
        out["description"] = json!(d);
    }
    out
}

fn find_machine<'a>(sf: &'a mut StepFunctions, cx: &Cx, arn: &str) -> Result<&'a mut StateMachine, AwsError> {
    let name = machine_name(cx, arn)?.to_string();
    sf.region_mut(cx.region).machines.get_mut(&name).ok_or_else(|| no_machine(arn))
}

fn describe_state_machine(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "stateMachineArn")?;
    Ok(machine_json(find_machine(sf, cx, arn)?))
}

fn find_execution<'a>(sf: &'a mut StepFunctions, cx: &Cx, arn: &str) -> Result<&'a mut Execution, AwsError> {
    check_execution_arn(arn)?;
    sf.region_mut(cx.region).executions.get_mut(arn).filter(|e| e.recorded()).ok_or_else(|| no_execution(arn))
}

fn describe_state_machine_for_execution(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "executionArn")?;
    let e = find_execution(sf, cx, arn)?;
    let (machine_arn, name, definition, role) = (e.machine_arn.clone(), e.machine_name.clone(), e.definition.clone(), e.role_arn.clone());
    let updated = sf.region_mut(cx.region).machines.get(&name).map(|m| m.updated_ms.unwrap_or(m.created_ms)).unwrap_or(0);
    Ok(json!({
        "stateMachineArn": machine_arn,
        "name": name,
        "definition": definition,
        "roleArn": role,
        "updateDate": secs(updated),
        "loggingConfiguration": { "level": "OFF", "includeExecutionData": false },
        "tracingConfiguration": { "enabled": false },
    }))
}

fn list_state_machines(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let max = max_results(input)?;
    let from = page_start(input)?;
    let all: Vec<&StateMachine> = sf.region_mut(cx.region).machines.values().collect();
    let page: Vec<Value> =
        all.iter().skip(from).take(max).map(|m| json!({ "stateMachineArn": m.arn, "name": m.name, "type": m.kind.as_str(), "creationDate": secs(m.created_ms) })).collect();
    let mut out = json!({ "stateMachines": page });
    if let Some(t) = page_token(from + max, all.len()) {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

fn update_state_machine(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "stateMachineArn")?;
    let definition = string(input, "definition")?;
    let role = string(input, "roleArn")?;
    let logging = check_logging(input)?;
    let tracing = check_tracing(input)?;
    if definition.is_none() && role.is_none() && logging.is_none() && tracing.is_none() {
        return Err(err("MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"));
    }
    if boolean(input, "publish")? == Some(true) || input.get("versionDescription").is_some_and(|v| !v.is_null()) {
        return Err(AwsError::validation("State machine versions (publish, versionDescription) are not supported in the sandbox yet"));
    }
    if let Some(r) = role {
        check_role(r)?;
    }
    let kind = find_machine(sf, cx, arn)?.kind;
    let parsed = match definition {
        Some(d) => Some(check_definition(d, kind).map_err(|d| invalid_definition(&d))?),
        None => None,
    };
    let revision = cx.rng.uuid();
    let now = cx.now_ms;
    let region = cx.region.to_string();
    let m = find_machine(sf, cx, arn)?;
    if let (Some(d), Some(p)) = (definition, parsed) {
        m.definition = d.to_string();
        m.parsed = Some(Arc::new(p));
    }
    if let Some(r) = role {
        m.role_arn = r.to_string();
    }
    if logging.is_some() {
        m.logging = logging;
    }
    if tracing.is_some() {
        m.tracing = tracing;
    }
    m.updated_ms = Some(now);
    m.revision_id = Some(revision.clone());
    cx.journal.put_json(model::machine_key(&region, &m.name), &*m);
    Ok(json!({ "updateDate": secs(now), "revisionId": revision }))
}

fn delete_state_machine(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "stateMachineArn")?;
    let name = machine_name(cx, arn)?.to_string();
    let region = cx.region.to_string();
    if sf.region_mut(&region).machines.remove(&name).is_some() {
        cx.journal.delete(model::machine_key(&region, &name));
    }
    Ok(json!({}))
}

fn validate_definition(input: &Value) -> Result<Value, AwsError> {
    let definition = required(input, "definition")?;
    let kind = machine_type(input)?;
    let severity = string(input, "severity")?.unwrap_or("ERROR");
    if !["ERROR", "WARNING"].contains(&severity) {
        return Err(validation("severity", severity, "Member must satisfy enum value set: [ERROR, WARNING]"));
    }
    let max = match input.get("maxResults").and_then(Value::as_i64) {
        None | Some(0) => 100,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => return Err(validation("maxResults", &n.to_string(), "Member must have value less than or equal to 100")),
    };
    let mut diags = validate::validate(definition);
    if !diags.iter().any(|d| d.severity == Severity::Error) {
        if let Err(more) = check_definition(definition, kind) {
            diags = more;
        }
    }
    let failed = diags.iter().any(|d| d.severity == Severity::Error);
    let shown: Vec<&Diagnostic> = diags.iter().filter(|d| severity == "WARNING" || d.severity == Severity::Error).collect();
    let truncated = shown.len() > max;
    let list: Vec<Value> = shown.iter().take(max).map(|d| json!({ "severity": d.severity.as_str(), "code": d.code, "message": d.message, "location": d.location })).collect();
    Ok(json!({ "result": if failed { "FAIL" } else { "OK" }, "diagnostics": list, "truncated": truncated }))
}

fn execution_input(input: &Value) -> Result<String, AwsError> {
    let text = string(input, "input")?.unwrap_or("{}");
    if text.len() > interp::MAX_PAYLOAD {
        return Err(validation("input", "...", "Member must have length less than or equal to 262144"));
    }
    if let Err(e) = serde_json::from_str::<Value>(text) {
        return Err(err("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{e}'")));
    }
    Ok(text.to_string())
}

/// Creates an execution (not started yet).
fn new_execution(cx: &mut Cx, m: &StateMachine, name: &str, input: String, trace: Option<&str>) -> Execution {
    let arn = match m.kind {
        MachineType::Standard => cx.account.arn("states", cx.region, &format!("execution:{}:{name}", m.name)),
        MachineType::Express => {
            let id = cx.rng.uuid();
            cx.account.arn("states", cx.region, &format!("express:{}:{name}:{id}", m.name))
        }
    };
    let mut e = Execution {
        arn,
        machine_arn: m.arn.clone(),
        machine_name: m.name.clone(),
        name: name.to_string(),
        kind: m.kind,
        status: Status::Running,
        start_ms: cx.now_ms,
        stop_ms: None,
        input,
        output: None,
        error: None,
        cause: None,
        role_arn: m.role_arn.clone(),
        definition: m.definition.clone(),
        trace_header: trace.map(str::to_string),
        parent: None,
        next_thread: 0,
        thread_reserve: 0,
        steps: 0,
        next_event: 0,
        timeout_at: None,
        threads: Default::default(),
        history: Vec::new(),
        def: m.parsed.clone(),
        context: Value::Null,
    };
    e.build_context();
    e
}

/// StartExecution's checks and start; `parent` for a `.sync` nested execution.
fn start(sf: &mut StepFunctions, cx: &mut Cx, input: &Value, parent: Option<model::ParentTask>) -> Result<Value, AwsError> {
    let machine_arn = required(input, "stateMachineArn")?;
    let name = match string(input, "name")? {
        Some(n) => n.to_string(),
        None => cx.rng.uuid(),
    };
    check_name(&name, "name")?;
    let text = execution_input(input)?;
    let trace = string(input, "traceHeader")?;
    let m = find_machine(sf, cx, machine_arn)?.clone();
    if m.parsed.is_none() {
        return Err(no_machine(machine_arn));
    }
    let region = cx.region.to_string();
    let mut exec = new_execution(cx, &m, &name, text, trace);
    exec.parent = parent;
    if let Some(old) = sf.region_mut(&region).executions.get(&exec.arn) {
        if old.status == Status::Running && old.input == exec.input && exec.recorded() {
            return Ok(json!({ "executionArn": old.arn, "startDate": secs(old.start_ms) }));
        }
        return Err(err("ExecutionAlreadyExists", format!("Execution Already Exists: '{}'", exec.arn)));
    }
    let arn = exec.arn.clone();
    let now = cx.now_ms;
    let fx = with_env(cx, now, |env| interp::start(&mut exec, env));
    if let Some(t) = exec.timeout_at {
        cx.schedule(t, json!({ "x": arn, "a": "execution-timeout" }));
    }
    let answer = json!({ "executionArn": arn, "startDate": secs(now) });
    sf.region_mut(&region).executions.insert(arn.clone(), exec);
    sf.settle(cx, &arn, 0, 0, fx);
    Ok(answer)
}

fn start_execution(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    start(sf, cx, input, None)
}

/// A Task's `states:startExecution`: the Parameters are StartExecution's (with `Input` as JSON
/// or text); the answer is `{ExecutionArn, StartDate}` as the SDK spells it.
pub fn start_nested(sf: &mut StepFunctions, cx: &mut Cx, params: &Value, parent: Option<model::ParentTask>) -> Result<Value, AwsError> {
    let mut req = Map::new();
    if let Some(a) = params.get("StateMachineArn") {
        req.insert("stateMachineArn".into(), a.clone());
    }
    if let Some(n) = params.get("Name") {
        req.insert("name".into(), n.clone());
    }
    match params.get("Input") {
        None => {}
        Some(Value::String(s)) => {
            req.insert("input".into(), json!(s));
        }
        Some(v) => {
            req.insert("input".into(), json!(super::asl::compact(v)));
        }
    }
    let answer = start(sf, cx, &Value::Object(req), parent)?;
    Ok(json!({ "ExecutionArn": answer["executionArn"], "StartDate": answer["startDate"] }))
}

fn start_sync_execution(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Step, AwsError> {
    let machine_arn = required(input, "stateMachineArn")?;
    let name = match string(input, "name")? {
        Some(n) => n.to_string(),
        None => cx.rng.uuid(),
    };
    check_name(&name, "name")?;
    let text = execution_input(input)?;
    let trace = string(input, "traceHeader")?;
    if string(input, "includedData")?.is_some_and(|d| d != "ALL_DATA" && d != "METADATA_ONLY") {
        return Err(validation("includedData", string(input, "includedData")?.unwrap_or(""), "Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]"));
    }
    let m = find_machine(sf, cx, machine_arn)?.clone();
    if m.kind != MachineType::Express {
        return Err(err("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine"));
    }
    let mut exec = new_execution(cx, &m, &name, text, trace);
    let now = cx.now_ms;
    let fx = with_env(cx, now, |env| interp::start(&mut exec, env));
    let mut run = SyncRun { exec: Box::new(exec), queue: BTreeSet::new(), seq: 0, now, pending: None };
    for (due, t, g) in fx.wakes {
        run.seq += 1;
        run.queue.insert((due, run.seq, t, g));
    }
    sf.run_sync(cx, run)
}

/// StartSyncExecution's answer.
pub fn sync_answer(e: &Execution) -> Value {
    let billed = (e.stop_ms.unwrap_or(e.start_ms) - e.start_ms).max(0);
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.machine_arn,
        "name": e.name,
        "startDate": secs(e.start_ms),
        "stopDate": secs(e.stop_ms.unwrap_or(e.start_ms)),
        "status": e.status.as_str(),
        "input": e.input,
        "inputDetails": { "included": true },
        "billingDetails": { "billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": (billed.max(1) + 99) / 100 * 100 },
    });
    if let Some(o) = &e.output {
        out["output"] = json!(o);
        out["outputDetails"] = json!({ "included": true });
    }
    if let Some(x) = &e.error {
        out["error"] = json!(x);
    }
    if let Some(x) = &e.cause {
        out["cause"] = json!(x);
    }
    if let Some(t) = &e.trace_header {
        out["traceHeader"] = json!(t);
    }
    out
}

/// DescribeExecution's answer.
pub fn describe(e: &Execution) -> Value {
    let mut out = json!({
        "executionArn": e.arn,
        "stateMachineArn": e.machine_arn,
        "name": e.name,
        "status": e.status.as_str(),
        "startDate": secs(e.start_ms),
        "input": e.input,
        "inputDetails": { "included": true },
        "redriveCount": 0,
        "redriveStatus": "NOT_REDRIVABLE",
        "redriveStatusReason": "Execution is RUNNING and cannot be redriven",
    });
    if e.status != Status::Running {
        out["redriveStatusReason"] = json!("Execution redrive is not supported in the sandbox");
    }
    if let Some(s) = e.stop_ms {
        out["stopDate"] = secs(s);
    }
    if let Some(o) = &e.output {
        out["output"] = json!(o);
        out["outputDetails"] = json!({ "included": true });
    }
    if let Some(x) = &e.error {
        out["error"] = json!(x);
    }
    if let Some(x) = &e.cause {
        out["cause"] = json!(x);
    }
    if let Some(t) = &e.trace_header {
        out["traceHeader"] = json!(t);
    }
    out
}

fn describe_execution(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "executionArn")?;
    Ok(describe(find_execution(sf, cx, arn)?))
}

fn list_executions(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let Some(arn) = string(input, "stateMachineArn")? else {
        if string(input, "mapRunArn")?.is_some() {
            return Err(AwsError::validation("Map runs (mapRunArn) are not supported in the sandbox yet"));
        }
        return Err(AwsError::validation("Must provide a StateMachine ARN or MapRun ARN"));
    };
    let status = match string(input, "statusFilter")? {
        None => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| validation("statusFilter", s, "Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"))?,
        ),
    };
    if string(input, "redriveFilter")?.is_some() {
        return Err(AwsError::validation("Execution redrive (redriveFilter) is not supported in the sandbox yet"));
    }
    let max = max_results(input)?;
    let from = page_start(input)?;
    let m = find_machine(sf, cx, arn)?;
    if m.kind == MachineType::Express {
        return Err(err("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine"));
    }
    let machine_arn = m.arn.clone();
    let mut all: Vec<&Execution> = sf.region_mut(cx.region).executions.values().filter(|e| e.machine_arn == machine_arn && status.is_none_or(|s| e.status == s)).collect();
    all.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(b.name.cmp(&a.name)));
    let page: Vec<Value> = all
        .iter()
        .skip(from)
        .take(max)
        .map(|e| {
            let mut v = json!({ "executionArn": e.arn, "stateMachineArn": e.machine_arn, "name": e.name, "status": e.status.as_str(), "startDate": secs(e.start_ms) });
            if let Some(s) = e.stop_ms {
                v["stopDate"] = secs(s);
            }
            v
        })
        .collect();
    let mut out = json!({ "executions": page });
    if let Some(t) = page_token(from + max, all.len()) {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

fn get_execution_history(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "executionArn")?;
    let reverse = boolean(input, "reverseOrder")?.unwrap_or(false);
    let include = boolean(input, "includeExecutionData")?.unwrap_or(true);
    let max = max_results(input)?;
    let from = page_start(input)?;
    let e = find_execution(sf, cx, arn)?;
    let n = e.history.len();
    let page: Vec<Value> = if reverse {
        e.history.iter().rev().skip(from).take(max).map(|ev| ev.to_json(include)).collect()
    } else {
        e.history.iter().skip(from).take(max).map(|ev| ev.to_json(include)).collect()
    };
    let mut out = json!({ "events": page });
    if let Some(t) = page_token(from + max, n) {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

fn stop_execution(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "executionArn")?.to_string();
    let error = string(input, "error")?.map(str::to_string);
    let cause = string(input, "cause")?.map(str::to_string);
    if error.as_ref().is_some_and(|e| e.chars().count() > 256) {
        return Err(validation("error", "...", "Member must have length less than or equal to 256"));
    }
    if cause.as_ref().is_some_and(|c| c.chars().count() > 32768) {
        return Err(validation("cause", "...", "Member must have length less than or equal to 32768"));
    }
    let e = find_execution(sf, cx, &arn)?;
    if e.status != Status::Running {
        return Ok(json!({ "stopDate": secs(e.stop_ms.unwrap_or(cx.now_ms)) }));
    }
    let now = cx.now_ms;
    sf.resume_thread(cx, &arn, 0, |exec, _, env| interp::abort(exec, error, cause, env));
    Ok(json!({ "stopDate": secs(now) }))
}

fn send_task(sf: &mut StepFunctions, cx: &mut Cx, input: &Value, what: &str) -> Result<Step, AwsError> {
    let token = required(input, "taskToken")?.to_string();
    if token.is_empty() || token.len() > 1024 {
        return Err(validation("taskToken", "...", "Member must have length less than or equal to 1024"));
    }
    let outcome: Result<Value, super::asl::Failure> = match what {
        "success" => {
            let text = required(input, "output")?;
            if text.len() > interp::MAX_PAYLOAD {
                return Err(validation("output", "...", "Member must have length less than or equal to 262144"));
            }
            Ok(serde_json::from_str(text).map_err(|e| err("InvalidOutput", format!("Invalid Output: '{e}'")))?)
        }
        "failure" => {
            let error = string(input, "error")?.unwrap_or("").to_string();
            let cause = string(input, "cause")?.unwrap_or("").to_string();
            if error.chars().count() > 256 {
                return Err(validation("error", "...", "Member must have length less than or equal to 256"));
            }
            if cause.chars().count() > 32768 {
                return Err(validation("cause", "...", "Member must have length less than or equal to 32768"));
            }
            Err(super::asl::Failure { error, cause })
        }
        _ => Ok(Value::Null),
    };
    let region = cx.region.to_string();
    let Some((arn, tid)) = sf.region_mut(&region).tokens.get(&token).cloned() else {
        if !token.starts_with("AQB") {
            return Err(err("InvalidToken", "Invalid Token: 'Invalid token'"));
        }
        return Err(err("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist anymore'"));
    };
    let waiting =
        sf.region_mut(&region).executions.get(&arn).and_then(|e| e.threads.get(&tid)).is_some_and(|t| matches!(&t.phase, Phase::Token { token: tok, .. } if *tok == token));
    if !waiting {
        sf.region_mut(&region).tokens.remove(&token);
        return Err(err("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'"));
    }
    if what == "heartbeat" {
        // No history event; the heartbeat deadline moves.
        let now = cx.now_ms;
        let mut alarm = None;
        if let Some(t) = sf.region_mut(&region).executions.get_mut(&arn).and_then(|e| e.threads.get_mut(&tid)) {
            if let Phase::Token { heartbeat_ms: Some(h), heartbeat_due, .. } = &mut t.phase {
                *heartbeat_due = Some(now + *h);
                alarm = Some(now + *h);
            }
        }
        if let Some(due) = alarm {
            if let Some(e) = sf.region_mut(&region).executions.get(&arn) {
                if let Some(t) = e.threads.get(&tid) {
                    cx.journal.put_json(model::thread_key(&region, &e.machine_name, &e.name, tid), t);
                }
            }
            cx.schedule(due, json!({ "x": arn, "t": tid, "a": "heartbeat" }));
        }
        return Ok(Step::Done(json!({})));
    }
    sf.region_mut(&region).tokens.remove(&token);
    // Completing the task moves the thread on by a timer: no call is sent from here.
    sf.resume_thread(cx, &arn, tid, |exec, tid, env| interp::complete_wait(exec, tid, outcome, env));
    Ok(Step::Done(json!({})))
}

fn resource_tags<'a>(sf: &'a mut StepFunctions, cx: &Cx, arn: &str) -> Result<&'a mut StateMachine, AwsError> {
    let name = machine_name(cx, arn).map_err(|_| err("ResourceNotFound", format!("Resource not found: '{arn}'")))?.to_string();
    sf.region_mut(cx.region).machines.get_mut(&name).ok_or_else(|| err("ResourceNotFound", format!("Resource not found: '{arn}'")))
}

fn list_tags(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "resourceArn")?;
    let m = resource_tags(sf, cx, arn)?;
    let tags: Vec<Value> = m.tags.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect();
    Ok(json!({ "tags": tags }))
}

fn tag_resource(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "resourceArn")?;
    let tags = tags_of(input)?;
    let region = cx.region.to_string();
    let m = resource_tags(sf, cx, arn)?;
    if m.tags.len() + tags.len() > 50 {
        return Err(err("TooManyTags", format!("Too many tags: '{arn}'")));
    }
    m.tags.extend(tags);
    cx.journal.put_json(model::machine_key(&region, &m.name), &*m);
    Ok(json!({}))
}

fn untag_resource(sf: &mut StepFunctions, cx: &mut Cx, input: &Value) -> Result<Value, AwsError> {
    let arn = required(input, "resourceArn")?;
    let keys: Vec<String> = input.get("tagKeys").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default();
    let region = cx.region.to_string();
    let m = resource_tags(sf, cx, arn)?;
    for k in keys {
        m.tags.remove(&k);
    }
    cx.journal.put_json(model::machine_key(&region, &m.name), &*m);
    Ok(json!({}))
}
