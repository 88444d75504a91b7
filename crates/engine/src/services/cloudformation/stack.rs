//! A stack: the processed template, its parameters and conditions, the creation order, and each
//! resource's state and events, kept as one record per stack.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{errors::validation, intrinsics, providers::Work, template::scalar_text};
use crate::{kernel::error::AwsError, services::apigateway::regex::Regex};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stack {
    pub id: String,
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub created_ms: i64,
    #[serde(default)]
    pub updated_ms: Option<i64>,
    #[serde(default)]
    pub deleted_ms: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    /// The template as given (GetTemplate's Original stage).
    pub body: String,
    /// The template after transforms (the Processed stage): what is created.
    pub template: Value,
    /// Parameters as the caller sees them (`ParameterKey`, `ParameterValue`).
    pub parameters: Vec<Value>,
    /// Parameter and pseudo-parameter values for intrinsics.
    pub values: Map<String, Value>,
    pub conditions: BTreeMap<String, bool>,
    #[serde(default)]
    pub capabilities: Vec<String>,
    #[serde(default)]
    pub tags: Vec<Value>,
    /// ROLLBACK, DELETE or DO_NOTHING.
    pub on_failure: String,
    /// Logical ids in creation order (resources whose condition is false are left out).
    pub order: Vec<String>,
    pub resources: IndexMap<String, Resource>,
    pub events: Vec<Event>,
    #[serde(default)]
    pub outputs: Vec<Value>,
    /// Export names this stack imports (a stack cannot delete an export another imports).
    #[serde(default)]
    pub imports: Vec<String>,
    /// While deleting: the call of the current resource's delete list.
    #[serde(default)]
    pub delete_call: usize,
    /// The change set that created (or will create) the stack.
    #[serde(default)]
    pub change_set: Option<ChangeSet>,
}

/// A change set of type CREATE (the only type simulated).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeSet {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub created_ms: i64,
    /// AVAILABLE, EXECUTE_IN_PROGRESS, EXECUTE_COMPLETE or EXECUTE_FAILED.
    pub execution_status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub kind: String,
    /// Empty until the resource starts.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub physical_id: String,
    #[serde(default)]
    pub attrs: Map<String, Value>,
    /// The properties as created (intrinsics evaluated), for deletion.
    #[serde(default)]
    pub props: Map<String, Value>,
    #[serde(default)]
    pub work: Work,
    #[serde(default)]
    pub updated_ms: i64,
    #[serde(default)]
    pub depends: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub logical_id: String,
    #[serde(default)]
    pub physical_id: String,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub ms: i64,
    #[serde(default)]
    pub props: Option<String>,
}

impl Stack {
    pub fn is_deleted(&self) -> bool {
        self.status == "DELETE_COMPLETE"
    }
}

/// The pseudo parameters of a stack.
pub fn pseudo(values: &mut Map<String, Value>, region: &str, account: &str, stack_name: &str, stack_id: &str) {
    values.insert("AWS::Region".into(), json!(region));
    values.insert("AWS::AccountId".into(), json!(account));
    values.insert("AWS::StackName".into(), json!(stack_name));
    values.insert("AWS::StackId".into(), json!(stack_id));
    values.insert("AWS::Partition".into(), json!("aws"));
    values.insert("AWS::URLSuffix".into(), json!("amazonaws.com"));
    values.insert("AWS::NotificationARNs".into(), json!([]));
}

/// Checks the given parameters against the template's declarations (CloudFormation's messages)
/// and answers (values for intrinsics, the Parameters list DescribeStacks shows).
pub fn parameters(template: &Value, given: &[(String, String)]) -> Result<(Map<String, Value>, Vec<Value>), AwsError> {
    let decls = template.get("Parameters").and_then(Value::as_object).cloned().unwrap_or_default();
    let unknown: Vec<&str> = given.iter().map(|(k, _)| k.as_str()).filter(|k| !decls.contains_key(*k)).collect();
    if !unknown.is_empty() {
        return Err(validation(format!("Parameters: [{}] do not exist in the template", unknown.join(", "))));
    }
    let missing: Vec<&str> = decls.iter().filter(|(k, d)| d.get("Default").is_none() && !given.iter().any(|(g, _)| g == *k)).map(|(k, _)| k.as_str()).collect();
    if !missing.is_empty() {
        return Err(validation(format!("Parameters: [{}] must have values", missing.join(", "))));
    }
    let mut values = Map::new();
    let mut shown = Vec::new();
    for (name, d) in &decls {
        let value = match given.iter().rev().find(|(g, _)| g == name) {
            Some((_, v)) => v.clone(),
            None => scalar_text(&d["Default"]),
        };
        let kind = d.get("Type").and_then(Value::as_str).unwrap_or("String");
        check_parameter(name, kind, &value, d)?;
        let v = if kind == "CommaDelimitedList" || kind.starts_with("List<") { json!(value.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>()) } else { json!(value) };
        values.insert(name.clone(), v);
        let no_echo = d.get("NoEcho").is_some_and(|n| scalar_text(n) == "true");
        shown.push(json!({ "ParameterKey": name, "ParameterValue": if no_echo { "****".to_string() } else { value } }));
    }
    Ok((values, shown))
}

fn check_parameter(name: &str, kind: &str, value: &str, d: &Value) -> Result<(), AwsError> {
    match kind {
        "String" | "CommaDelimitedList" | "AWS::SSM::Parameter::Name" => {}
        "Number" => {
            if value.trim().parse::<f64>().is_err() {
                return Err(validation(format!("Parameter '{name}' must be a number.")));
            }
        }
        "List<Number>" => {
            if value.split(',').any(|v| v.trim().parse::<f64>().is_err()) {
                return Err(validation(format!("Parameter '{name}' must be a number list.")));
            }
        }
        k if k.starts_with("AWS::") || k.starts_with("List<AWS::") => {}
        other => return Err(validation(format!("Template format error: Unrecognized parameter type: {other}"))),
    }
    let items: Vec<&str> = if kind == "CommaDelimitedList" || kind.starts_with("List<") { value.split(',').map(str::trim).collect() } else { vec![value] };
    for v in items {
        if let Some(allowed) = d.get("AllowedValues").and_then(Value::as_array) {
            if !allowed.iter().any(|a| scalar_text(a) == v) {
                return Err(validation(format!("Parameter '{name}' must be one of AllowedValues")));
            }
        }
        if let Some(pattern) = d.get("AllowedPattern").map(scalar_text) {
            let re = Regex::new(&pattern)
                .map_err(|_| validation(format!("Template format error: Parameter '{name}' AllowedPattern is not supported by Gureum's matcher: {pattern}")))?;
            if !re.matches(v) {
                return Err(validation(format!("Parameter '{name}' must match pattern {pattern}")));
            }
        }
        let n = |k: &str| d.get(k).map(scalar_text).and_then(|s| s.parse::<f64>().ok());
        if let Some(min) = n("MinLength") {
            if (v.chars().count() as f64) < min {
                return Err(validation(format!("Parameter '{name}' must contain at least {} characters", min as i64)));
            }
        }
        if let Some(max) = n("MaxLength") {
            if (v.chars().count() as f64) > max {
                return Err(validation(format!("Parameter '{name}' must contain at most {} characters", max as i64)));
            }
        }
        if let Ok(x) = v.parse::<f64>() {
            if let Some(min) = n("MinValue").filter(|m| x < *m) {
                return Err(validation(format!("Parameter '{name}' must be a number not less than {}", scalar_text(&json!(min)).trim_end_matches(".0"))));
            }
            if let Some(max) = n("MaxValue").filter(|m| x > *m) {
                return Err(validation(format!("Parameter '{name}' must be a number not greater than {}", scalar_text(&json!(max)).trim_end_matches(".0"))));
            }
        }
    }
    Ok(())
}

/// Evaluates the Conditions section (conditions may refer to each other, not in a cycle).
pub fn conditions(template: &Value, values: &Map<String, Value>, region: &str) -> Result<BTreeMap<String, bool>, AwsError> {
    let decls = template.get("Conditions").and_then(Value::as_object).cloned().unwrap_or_default();
    let mappings = template.get("Mappings").cloned().unwrap_or(Value::Null);
    let mut done: BTreeMap<String, bool> = BTreeMap::new();
    let no_resources = |_: &str| None;
    let no_exports = |_: &str| None;
    // Resolve in rounds: a condition is evaluated once every condition it names is known.
    for _ in 0..=decls.len() {
        let mut progressed = false;
        for (name, c) in &decls {
            if done.contains_key(name) {
                continue;
            }
            let mut needs = BTreeSet::new();
            intrinsics::condition_names(c, &mut needs);
            if let Some(unknown) = needs.iter().find(|n| !decls.contains_key(*n)) {
                return Err(validation(format!("Template format error: Unresolved condition dependency {unknown} in Fn::If")));
            }
            if needs.iter().all(|n| done.contains_key(n)) {
                let scope = intrinsics::Scope { params: values, conditions: &done, mappings: &mappings, resources: &no_resources, exports: &no_exports, region };
                let v = intrinsics::condition(c, &scope, 0).map_err(|e| validation(if e.starts_with("Template") { e } else { format!("Template error: {e}") }))?;
                done.insert(name.clone(), v);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    if done.len() != decls.len() {
        let rest: Vec<&str> = decls.keys().filter(|k| !done.contains_key(*k)).map(String::as_str).collect();
        return Err(validation(format!("Template format error: Circular condition dependency between conditions: [{}]", rest.join(", "))));
    }
    Ok(done)
}

/// The resources to create (conditions applied) in dependency order, each with the resources it
/// depends on; refuses unknown references and cycles with CloudFormation's messages.
pub fn order(template: &Value, values: &Map<String, Value>, conditions: &BTreeMap<String, bool>) -> Result<Vec<(String, Vec<String>)>, AwsError> {
    let resources = template.get("Resources").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut deps: IndexMap<String, BTreeSet<String>> = IndexMap::new();
    let mut unresolved = BTreeSet::new();
    for (id, r) in &resources {
        if let Some(c) = r.get("Condition") {
            let c = c.as_str().ok_or_else(|| validation(format!("Template format error: Every Condition member in {id} must be a string.")))?;
            match conditions.get(c) {
                Some(false) => continue,
                Some(true) => {}
                None => {
                    return Err(validation(format!("Template format error: Unresolved dependencies [{c}]. Cannot reference resources in the Conditions block of the template")))
                }
            }
        }
        let mut refs = BTreeSet::new();
        if let Some(p) = r.get("Properties") {
            intrinsics::references(p, &mut refs);
            let mut conds = BTreeSet::new();
            intrinsics::condition_names(p, &mut conds);
            if let Some(c) = conds.iter().find(|c| !conditions.contains_key(*c)) {
                return Err(validation(format!("Template format error: Unresolved condition dependency {c} in Fn::If")));
            }
        }
        let mut set = BTreeSet::new();
        for name in refs {
            if values.contains_key(&name) || name == "AWS::NoValue" {
                continue;
            }
            if resources.contains_key(&name) {
                set.insert(name);
            } else {
                unresolved.insert(name);
            }
        }
        match r.get("DependsOn") {
            Some(Value::String(d)) => {
                set.insert(d.clone());
            }
            Some(Value::Array(ds)) => set.extend(ds.iter().filter_map(Value::as_str).map(String::from)),
            _ => {}
        }
        for d in &set {
            if !resources.contains_key(d) {
                return Err(validation(format!("Template format error: Unresolved resource dependencies [{d}] in the Resources block of the template")));
            }
        }
        deps.insert(id.clone(), set);
    }
    if !unresolved.is_empty() {
        return Err(validation(format!(
            "Template format error: Unresolved resource dependencies [{}] in the Resources block of the template",
            unresolved.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    for (id, set) in &deps {
        if let Some(d) = set.iter().find(|d| !deps.contains_key(*d)) {
            return Err(validation(format!(
                "Template format error: Unresolved resource dependencies [{d}] in the Resources block of the template (it is not created: its condition is false) ({id})"
            )));
        }
    }
    // Kahn's algorithm, taking ready resources in template order.
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    while out.len() < deps.len() {
        let next = deps.iter().find(|(id, set)| !placed.contains(*id) && set.iter().all(|d| placed.contains(d)));
        match next {
            Some((id, set)) => {
                placed.insert(id.clone());
                out.push((id.clone(), set.iter().cloned().collect()));
            }
            None => {
                let rest: Vec<&str> = deps.keys().filter(|k| !placed.contains(*k)).map(String::as_str).collect();
                return Err(validation(format!("Circular dependency between resources: [{}]", rest.join(", "))));
            }
        }
    }
    Ok(out)
}
