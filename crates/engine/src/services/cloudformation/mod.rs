//! AWS CloudFormation (Query protocol, `2010-05-15`): stacks from JSON or YAML templates, SAM
//! templates through the `AWS::Serverless-2016-10-31` transform.
//!
//! - [`template`]: reading templates (YAML short forms to long forms) and their shape checks.
//! - [`intrinsics`]: Ref, Fn::GetAtt, Fn::Sub, ... and conditions; the references a value makes.
//! - [`stack`]: the stack model, parameters, conditions and the dependency order.
//! - [`providers`]: each resource type created and deleted through its own service's operations.
//! - [`sam`]: the SAM transform (a template in, a template out).
//! - [`api`]: the operations.
//!
//! A stack is created on the virtual clock: a timer takes one resource at a time, in dependency
//! order; each resource's creation is a chain of `Step::Call`s to the owning service (waiting on
//! the clock while a table is CREATING or a function Pending), its physical id and attributes
//! recorded for the resources after it. A failure rolls back (deletes what was created, in
//! reverse order); DeleteStack deletes in reverse order too. Resource types the sandbox does not
//! simulate are skipped with a `CREATE_SKIPPED` event saying so (a Gureum status: CloudFormation
//! would create them).

pub mod api;
pub mod errors;
pub mod intrinsics;
pub mod providers;
pub mod sam;
pub mod stack;
pub mod template;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use crate::kernel::{
    error::AwsError,
    journal::Record,
    runtime::{Continuation, Resumed, Step},
    scheduler::Timer,
    service::{Cx, Service},
};
use providers::{Action, Env};
use stack::{Event, Stack};

/// Virtual time between one resource's end and the next one's start, so events appear one by one.
pub const STEP_MS: i64 = 200;

#[derive(Debug, Default)]
pub struct RegionState {
    /// By stack id (ARN), in creation order; deleted stacks stay listed (ListStacks shows them).
    pub stacks: IndexMap<String, Stack>,
}

impl RegionState {
    /// The live (not deleted) stack named `name_or_id`, or any stack with that id.
    pub fn find(&self, name_or_id: &str) -> Option<&Stack> {
        if name_or_id.starts_with("arn:") {
            return self.stacks.get(name_or_id);
        }
        self.stacks.values().find(|s| s.name == name_or_id && !s.is_deleted())
    }

    /// Exports of the region: name → (exporting stack id, value).
    pub fn exports(&self) -> BTreeMap<String, (String, String)> {
        let mut out = BTreeMap::new();
        for s in self.stacks.values().filter(|s| matches!(s.status.as_str(), "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_IN_PROGRESS" | "DELETE_FAILED")) {
            for o in &s.outputs {
                if let (Some(n), Some(v)) = (o.get("ExportName").and_then(Value::as_str), o.get("OutputValue").and_then(Value::as_str)) {
                    out.insert(n.to_string(), (s.id.clone(), v.to_string()));
                }
            }
        }
        out
    }
}

#[derive(Debug, Default)]
pub struct CloudFormation {
    regions: BTreeMap<String, RegionState>,
}

/// Where a stack was when it asked the kernel for a call.
struct Pending {
    stack: String,
}

pub fn stack_key(region: &str, id: &str) -> String {
    let uuid = id.rsplit('/').next().unwrap_or(id);
    format!("cloudformation/{region}/stack/{uuid}")
}

impl CloudFormation {
    pub fn region(&self, region: &str) -> Option<&RegionState> {
        self.regions.get(region)
    }

    pub fn region_mut(&mut self, region: &str) -> &mut RegionState {
        self.regions.entry(region.to_string()).or_default()
    }

    pub(crate) fn save_stack(cx: &mut Cx, s: &Stack) {
        cx.journal.put_json(stack_key(cx.region, &s.id), s);
    }

    /// Moves a stack on by one piece of work: answers the kernel's call, waits on the clock, or
    /// schedules the next resource.
    fn advance(&mut self, cx: &mut Cx, id: &str, mut last: Option<Result<Value, AwsError>>) -> Step {
        let exports = self.regions.get(cx.region).map(RegionState::exports).unwrap_or_default();
        let region = cx.region.to_string();
        let Some(s) = self.regions.get_mut(&region).and_then(|r| r.stacks.get_mut(id)) else { return Step::Done(Value::Null) };
        loop {
            match s.status.as_str() {
                "CREATE_IN_PROGRESS" => {
                    let current = s.order.iter().find(|l| s.resources.get(*l).is_some_and(|r| r.status.is_empty() || r.status == "CREATE_IN_PROGRESS")).cloned();
                    let Some(logical) = current else {
                        finish_create(cx, s, &exports);
                        Self::save_stack(cx, s);
                        return Step::Done(Value::Null);
                    };
                    let starting = s.resources[&logical].status.is_empty();
                    if starting {
                        last = None;
                        let kind = s.resources[&logical].kind.clone();
                        if !providers::supported(&kind) {
                            let r = s.resources.get_mut(&logical).expect("resource");
                            r.status = "CREATE_SKIPPED".into();
                            r.reason = Some(format!("Resource type {kind} is not simulated by Gureum: it was skipped and nothing was created."));
                            r.updated_ms = cx.now_ms;
                            push_event(cx, s, &logical);
                            continue;
                        }
                        let used = std::cell::RefCell::new(Vec::new());
                        let resolved = resolve_properties(s, &logical, &exports, &region, &used);
                        for name in used.into_inner() {
                            if !s.imports.contains(&name) {
                                s.imports.push(name);
                            }
                        }
                        match resolved {
                            Ok(props) => {
                                let r = s.resources.get_mut(&logical).expect("resource");
                                r.props = props;
                                r.status = "CREATE_IN_PROGRESS".into();
                                r.updated_ms = cx.now_ms;
                                push_event(cx, s, &logical);
                            }
                            Err(reason) => {
                                fail_resource(cx, s, &logical, reason);
                                continue;
                            }
                        }
                    }
                    if let Some(Err(e)) = &last {
                        let reason = format!(
                            "Resource handler returned message: \"{}\" (Service: {}, Status Code: {}, HandlerErrorCode: {})",
                            e.message,
                            service_label(&s.resources[&logical].kind),
                            e.status,
                            e.kind
                        );
                        fail_resource(cx, s, &logical, reason);
                        continue;
                    }
                    let answer = last.take().and_then(Result::ok);
                    let account = cx.account.id.clone();
                    let stack_name = s.name.clone();
                    let r = s.resources.get_mut(&logical).expect("resource");
                    let mut env = Env { stack_name: &stack_name, logical_id: &logical, region: &region, account: &account, rng: cx.rng };
                    let action = providers::create(&r.kind, &r.props, &mut r.work, answer, &mut env);
                    match action {
                        Action::Call(req) => {
                            Self::save_stack(cx, s);
                            return Step::Call(req, Box::new(Pending { stack: id.to_string() }));
                        }
                        Action::Wait(ms) => {
                            Self::save_stack(cx, s);
                            cx.schedule(cx.now_ms + ms, json!({ "stack": id }));
                            return Step::Done(Value::Null);
                        }
                        Action::Done { physical_id, attrs, note } => {
                            r.physical_id = physical_id;
                            r.attrs = attrs;
                            r.status = "CREATE_COMPLETE".into();
                            r.reason = note;
                            r.updated_ms = cx.now_ms;
                            push_event(cx, s, &logical);
                            Self::save_stack(cx, s);
                            cx.schedule(cx.now_ms + STEP_MS, json!({ "stack": id }));
                            return Step::Done(Value::Null);
                        }
                        Action::Fail(reason) => {
                            fail_resource(cx, s, &logical, reason);
                            continue;
                        }
                    }
                }
                "ROLLBACK_IN_PROGRESS" | "DELETE_IN_PROGRESS" => {
                    let current = s
                        .order
                        .iter()
                        .rev()
                        .find(|l| {
                            s.resources
                                .get(*l)
                                .is_some_and(|r| matches!(r.status.as_str(), "CREATE_COMPLETE" | "CREATE_FAILED" | "CREATE_SKIPPED" | "DELETE_IN_PROGRESS" | "DELETE_FAILED"))
                        })
                        .cloned();
                    let Some(logical) = current else {
                        finish_delete(cx, s);
                        Self::save_stack(cx, s);
                        return Step::Done(Value::Null);
                    };
                    let r = s.resources.get_mut(&logical).expect("resource");
                    let physical = if r.physical_id.is_empty() { r.work.data.get("physical").and_then(Value::as_str).unwrap_or("").to_string() } else { r.physical_id.clone() };
                    match r.status.as_str() {
                        "CREATE_SKIPPED" => {
                            r.status = "DELETE_SKIPPED".into();
                            r.reason = Some("The resource was never created (its type is not simulated by Gureum).".into());
                            r.updated_ms = cx.now_ms;
                            push_event(cx, s, &logical);
                            continue;
                        }
                        "CREATE_FAILED" if physical.is_empty() => {
                            r.status = "DELETE_COMPLETE".into();
                            r.reason = None;
                            r.updated_ms = cx.now_ms;
                            push_event(cx, s, &logical);
                            continue;
                        }
                        "DELETE_IN_PROGRESS" => {}
                        _ => {
                            r.status = "DELETE_IN_PROGRESS".into();
                            r.reason = None;
                            r.updated_ms = cx.now_ms;
                            s.delete_call = 0;
                            last = None;
                            push_event(cx, s, &logical);
                        }
                    }
                    let answered_ok = matches!(last, Some(Ok(_)));
                    if let Some(Err(e)) = last.take() {
                        if !providers::already_gone(&e.kind) {
                            let r = s.resources.get_mut(&logical).expect("resource");
                            r.status = "DELETE_FAILED".into();
                            r.reason = Some(format!("Resource handler returned message: \"{}\" (HandlerErrorCode: {})", e.message, e.kind));
                            r.updated_ms = cx.now_ms;
                            push_event(cx, s, &logical);
                            let rollback = s.status == "ROLLBACK_IN_PROGRESS";
                            s.status = if rollback { "ROLLBACK_FAILED" } else { "DELETE_FAILED" }.into();
                            s.reason = Some(format!("The following resource(s) failed to delete: [{logical}]. "));
                            push_stack_event(cx, s);
                            Self::save_stack(cx, s);
                            return Step::Done(Value::Null);
                        }
                    }
                    let r = &s.resources[&logical];
                    let calls = providers::delete(&r.kind, &physical, &r.props, &region);
                    let probe = providers::gone_probe(&r.kind, &physical, &region);
                    let n = calls.len();
                    if let Some(req) = calls.into_iter().nth(s.delete_call) {
                        s.delete_call += 1;
                        Self::save_stack(cx, s);
                        return Step::Call(req, Box::new(Pending { stack: id.to_string() }));
                    }
                    // Like CloudFormation, wait until the resource is really gone (a table
                    // DELETING, a stream DELETING) before the resource is DELETE_COMPLETE.
                    if let Some(req) = probe {
                        if s.delete_call == n {
                            s.delete_call += 1;
                            Self::save_stack(cx, s);
                            return Step::Call(req, Box::new(Pending { stack: id.to_string() }));
                        }
                        if answered_ok {
                            s.delete_call = n;
                            Self::save_stack(cx, s);
                            cx.schedule(cx.now_ms + 500, json!({ "stack": id }));
                            return Step::Done(Value::Null);
                        }
                    }
                    let r = s.resources.get_mut(&logical).expect("resource");
                    r.status = "DELETE_COMPLETE".into();
                    r.updated_ms = cx.now_ms;
                    push_event(cx, s, &logical);
                    Self::save_stack(cx, s);
                    cx.schedule(cx.now_ms + STEP_MS, json!({ "stack": id }));
                    return Step::Done(Value::Null);
                }
                _ => return Step::Done(Value::Null),
            }
        }
    }
}

/// The service a resource type belongs to, as CloudFormation names it in handler messages.
fn service_label(kind: &str) -> &str {
    kind.split("::").nth(1).unwrap_or(kind)
}

/// Evaluates a resource's properties now that everything it refers to exists; notes in `used`
/// the exports it imports (a stack cannot delete an export another stack imports).
fn resolve_properties(
    s: &Stack,
    logical: &str,
    exports: &BTreeMap<String, (String, String)>,
    region: &str,
    used: &std::cell::RefCell<Vec<String>>,
) -> Result<Map<String, Value>, String> {
    let r = &s.resources[logical];
    for d in &r.depends {
        if let Some(dep) = s.resources.get(d).filter(|d| d.status == "CREATE_SKIPPED") {
            return Err(format!("{logical} refers to {d}, which was skipped: {} is not simulated by Gureum.", dep.kind));
        }
    }
    let def = &s.template["Resources"][logical];
    let props = def.get("Properties").cloned().unwrap_or_else(|| json!({}));
    let mappings = s.template.get("Mappings").cloned().unwrap_or(Value::Null);
    let resources = |id: &str| s.resources.get(id).filter(|r| r.status == "CREATE_COMPLETE").map(|r| (Value::String(r.physical_id.clone()), r.attrs.clone()));
    let exports = |n: &str| {
        used.borrow_mut().push(n.to_string());
        exports.get(n).map(|(_, v)| v.clone())
    };
    let scope = intrinsics::Scope { params: &s.values, conditions: &s.conditions, mappings: &mappings, resources: &resources, exports: &exports, region };
    match intrinsics::resolve(&props, &scope)? {
        Value::Object(m) => Ok(m),
        _ => Ok(Map::new()),
    }
}

fn push_event(cx: &mut Cx, s: &mut Stack, logical: &str) {
    let r = &s.resources[logical];
    let props = (r.status == "CREATE_IN_PROGRESS").then(|| Value::Object(r.props.clone()).to_string());
    let physical = if r.physical_id.is_empty() { r.work.data.get("physical").and_then(Value::as_str).unwrap_or("").to_string() } else { r.physical_id.clone() };
    s.events.push(Event {
        id: cx.rng.uuid(),
        logical_id: logical.to_string(),
        physical_id: physical,
        kind: r.kind.clone(),
        status: r.status.clone(),
        reason: r.reason.clone(),
        ms: cx.now_ms,
        props,
    });
}

/// The stack's own event (its status and reason).
pub(crate) fn push_stack_event(cx: &mut Cx, s: &mut Stack) {
    s.events.push(Event {
        id: cx.rng.uuid(),
        logical_id: s.name.clone(),
        physical_id: s.id.clone(),
        kind: "AWS::CloudFormation::Stack".into(),
        status: s.status.clone(),
        reason: s.reason.clone(),
        ms: cx.now_ms,
        props: None,
    });
}

/// A resource failed to create: the stack fails, then rolls back unless told not to.
fn fail_resource(cx: &mut Cx, s: &mut Stack, logical: &str, reason: String) {
    let r = s.resources.get_mut(logical).expect("resource");
    r.status = "CREATE_FAILED".into();
    r.reason = Some(reason);
    r.updated_ms = cx.now_ms;
    push_event(cx, s, logical);
    fail_stack(cx, s, format!("The following resource(s) failed to create: [{logical}]. "));
}

fn fail_stack(cx: &mut Cx, s: &mut Stack, reason: String) {
    if let Some(cs) = &mut s.change_set {
        cs.execution_status = "EXECUTE_FAILED".into();
    }
    if s.on_failure == "DO_NOTHING" {
        s.status = "CREATE_FAILED".into();
        s.reason = Some(reason);
        push_stack_event(cx, s);
        return;
    }
    s.status = "ROLLBACK_IN_PROGRESS".into();
    s.reason = Some(reason + "Rollback requested by user.");
    push_stack_event(cx, s);
}

/// Every resource is created: the outputs are evaluated and the exports checked.
fn finish_create(cx: &mut Cx, s: &mut Stack, exports: &BTreeMap<String, (String, String)>) {
    match outputs(s, exports, cx.region) {
        Ok(outs) => {
            for o in &outs {
                if let Some(n) = o.get("ExportName").and_then(Value::as_str) {
                    if let Some((other, _)) = exports.get(n).filter(|(other, _)| *other != s.id) {
                        let other_name = other.split('/').nth(1).unwrap_or(other).to_string();
                        fail_stack(cx, s, format!("Export with name {n} is already exported by stack {other_name}. "));
                        cx.schedule(cx.now_ms + STEP_MS, json!({ "stack": s.id }));
                        return;
                    }
                }
            }
            s.outputs = outs;
            if let Some(cs) = &mut s.change_set {
                cs.execution_status = "EXECUTE_COMPLETE".into();
            }
            s.status = "CREATE_COMPLETE".into();
            s.reason = None;
            push_stack_event(cx, s);
        }
        Err(e) => {
            fail_stack(cx, s, format!("{e} "));
            cx.schedule(cx.now_ms + STEP_MS, json!({ "stack": s.id }));
        }
    }
}

fn outputs(s: &Stack, exports: &BTreeMap<String, (String, String)>, region: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let Some(decls) = s.template.get("Outputs").and_then(Value::as_object) else { return Ok(out) };
    let mappings = s.template.get("Mappings").cloned().unwrap_or(Value::Null);
    let resources = |id: &str| s.resources.get(id).filter(|r| r.status == "CREATE_COMPLETE").map(|r| (Value::String(r.physical_id.clone()), r.attrs.clone()));
    let exports = |n: &str| exports.get(n).map(|(_, v)| v.clone());
    let scope = intrinsics::Scope { params: &s.values, conditions: &s.conditions, mappings: &mappings, resources: &resources, exports: &exports, region };
    for (key, o) in decls {
        if let Some(c) = o.get("Condition").and_then(Value::as_str) {
            if s.conditions.get(c) != Some(&true) {
                continue;
            }
        }
        let value = intrinsics::resolve(&o["Value"], &scope)?;
        let text = match &value {
            Value::Array(a) => a.iter().map(template::scalar_text).collect::<Vec<_>>().join(","),
            other => template::scalar_text(other),
        };
        let mut entry = json!({ "OutputKey": key, "OutputValue": text });
        if let Some(d) = o.get("Description") {
            entry["Description"] = d.clone();
        }
        if let Some(e) = o.get("Export").and_then(|e| e.get("Name")) {
            entry["ExportName"] = Value::String(template::scalar_text(&intrinsics::resolve(e, &scope)?));
        }
        out.push(entry);
    }
    Ok(out)
}

fn finish_delete(cx: &mut Cx, s: &mut Stack) {
    if s.status == "ROLLBACK_IN_PROGRESS" {
        s.status = "ROLLBACK_COMPLETE".into();
        s.reason = None;
        push_stack_event(cx, s);
        if s.on_failure != "DELETE" {
            return;
        }
        s.status = "DELETE_IN_PROGRESS".into();
        push_stack_event(cx, s);
    }
    s.status = "DELETE_COMPLETE".into();
    s.reason = None;
    s.deleted_ms = Some(cx.now_ms);
    push_stack_event(cx, s);
}

impl Service for CloudFormation {
    fn name(&self) -> &'static str {
        "cloudformation"
    }

    fn call(&mut self, cx: &mut Cx, operation: &str, input: &Value) -> Result<Value, AwsError> {
        if !input.is_object() {
            return Err(errors::validation("The request must be a structure."));
        }
        api::dispatch(self, cx, operation, input)
    }

    fn resume(&mut self, cx: &mut Cx, then: Continuation, result: Resumed) -> Result<Step, AwsError> {
        let Ok(p) = then.downcast::<Pending>() else { return Err(AwsError::internal("unknown continuation")) };
        let answer = match result {
            Resumed::Called(a) => a,
            Resumed::Ran(_) => return Err(AwsError::internal("CloudFormation runs no code")),
        };
        Ok(self.advance(cx, &p.stack, Some(answer)))
    }

    fn fire_step(&mut self, cx: &mut Cx, timer: &Timer) -> Step {
        match timer.payload.get("stack").and_then(Value::as_str) {
            Some(id) => {
                let id = id.to_string();
                self.advance(cx, &id, None)
            }
            None => Step::Done(Value::Null),
        }
    }

    fn save(&self, out: &mut Vec<Record>) {
        for (region, r) in &self.regions {
            for s in r.stacks.values() {
                out.push(Record { key: stack_key(region, &s.id), value: serde_json::to_vec(s).unwrap_or_default() });
            }
        }
    }

    fn load(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["cloudformation", region, "stack", _] => {
                let s: Stack = serde_json::from_slice(value).map_err(|e| e.to_string())?;
                let r = self.region_mut(region);
                r.stacks.insert(s.id.clone(), s);
                r.stacks.sort_by(|_, a, _, b| a.created_ms.cmp(&b.created_ms));
                Ok(())
            }
            _ => Err("unknown CloudFormation record".into()),
        }
    }

    fn clear(&mut self) {
        self.regions.clear();
    }
}
