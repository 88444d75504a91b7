//! The policy simulator: SimulateCustomPolicy (policies given in the request) and
//! SimulatePrincipalPolicy (a role's, user's or group's policies — a user's groups' too, as AWS
//! does — plus any given), through [`eval`], in
//! AWS's EvaluationResults shape. Context keys come only from ContextEntries, as in AWS's
//! simulator; keys that conditions read and the request lacks are reported as
//! MissingContextValues.

use serde_json::{json, Map, Value};

use super::{
    eval::{self, Applied, Caller, Decision, PolicyRole, RequestContext},
    input::{invalid_input, page, paged, Input},
    managed,
    policy::{Policy, PolicyKind, PrincipalKind},
    EntityKind, Iam,
};
use crate::kernel::{error::AwsError, service::Cx};

/// One policy in a simulation, with how MatchedStatements names it.
struct Source {
    policy: Policy,
    id: String,
    kind: &'static str,
    role: PolicyRole,
}

fn parse(doc: &str, kind: PolicyKind) -> Result<Policy, AwsError> {
    Policy::parse(doc, kind).map_err(|e| invalid_input(e.message))
}

fn context(input: &Input) -> Result<Vec<(String, Vec<String>)>, AwsError> {
    let mut out = Vec::new();
    for entry in input.list("ContextEntries")? {
        let name = entry.get("ContextKeyName").and_then(Value::as_str).ok_or_else(|| invalid_input("ContextKeyName is required for every context entry."))?;
        let kind = entry.get("ContextKeyType").and_then(Value::as_str).ok_or_else(|| invalid_input("ContextKeyType is required for every context entry."))?;
        let values: Vec<String> = match entry.get("ContextKeyValues") {
            Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect(),
            Some(Value::String(s)) if s.is_empty() => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        let base = kind.strip_suffix("List").unwrap_or(kind);
        if !kind.ends_with("List") && values.len() > 1 {
            return Err(invalid_input(format!("Context key {name} of type {kind} takes one value.")));
        }
        for v in &values {
            let ok = match base {
                "string" | "binary" => true,
                "numeric" => v.trim().parse::<f64>().is_ok(),
                "boolean" => v == "true" || v == "false",
                "ip" => eval::parse_cidr(v).is_some(),
                "date" => eval::parse_date(v).is_some(),
                _ => return Err(invalid_input(format!("Invalid ContextKeyType {kind}."))),
            };
            if !ok {
                return Err(invalid_input(format!("Invalid value {v} for context key {name} of type {kind}.")));
            }
        }
        out.push((name.to_string(), values));
    }
    Ok(out)
}

fn statement_ref(s: &Source, st: usize) -> Value {
    let st = &s.policy.statements[st];
    json!({
        "SourcePolicyId": s.id,
        "SourcePolicyType": s.kind,
        "StartPosition": {"Line": st.start.line, "Column": st.start.column},
        "EndPosition": {"Line": st.end.line, "Column": st.end.column},
    })
}

fn run(sources: &[Source], input: &Input, caller: Option<Caller>) -> Result<Value, AwsError> {
    let actions = input.string_list("ActionNames")?;
    if actions.is_empty() {
        return Err(invalid_input("1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null"));
    }
    let mut resources = input.string_list("ResourceArns")?;
    if resources.is_empty() {
        resources.push("*");
    }
    let entries = context(input)?;
    let (max, marker) = input.paging()?;
    let applied: Vec<Applied> = sources.iter().enumerate().map(|(i, s)| Applied { policy: &s.policy, role: s.role, index: i }).collect();
    let has_boundary = sources.iter().any(|s| s.role == PolicyRole::Boundary);
    let mut results: Vec<(String, Value)> = Vec::new();
    for action in &actions {
        for resource in &resources {
            let mut ctx = RequestContext::new(action, resource);
            ctx.caller = caller.clone();
            for (k, v) in &entries {
                ctx.set(k, v.clone());
            }
            let out = eval::evaluate(&applied, &ctx);
            let mut missing = Vec::new();
            eval::missing_keys(&applied, &ctx, &mut missing);
            let matched: Vec<Value> = out.matched.iter().map(|m| statement_ref(&sources[m.policy], m.statement)).collect();
            let mut r = Map::new();
            r.insert("EvalActionName".into(), json!(action));
            r.insert("EvalResourceName".into(), json!(resource));
            r.insert("EvalDecision".into(), json!(out.decision.as_str()));
            r.insert("MatchedStatements".into(), Value::Array(matched));
            r.insert("MissingContextValues".into(), json!(missing));
            if has_boundary {
                let bounds: Vec<Applied> = applied.iter().copied().filter(|a| a.role == PolicyRole::Boundary).map(|a| Applied { role: PolicyRole::Identity, ..a }).collect();
                let allowed = eval::evaluate(&bounds, &ctx).decision == Decision::Allowed;
                r.insert("PermissionsBoundaryDecisionDetail".into(), json!({"AllowedByPermissionsBoundary": allowed}));
            }
            results.push((format!("{:08}", results.len()), Value::Object(r)));
        }
    }
    let (page, next) = page(results, max, marker);
    let mut out = Map::new();
    out.insert("EvaluationResults".into(), Value::Array(page));
    Ok(paged(out, next))
}

fn given(input: &Input, sources: &mut Vec<Source>) -> Result<(), AwsError> {
    for (i, doc) in input.string_list("PolicyInputList")?.into_iter().enumerate() {
        sources.push(Source { policy: parse(doc, PolicyKind::Identity)?, id: format!("PolicyInputList.{}", i + 1), kind: "none", role: PolicyRole::Identity });
    }
    for (i, doc) in input.string_list("PermissionsBoundaryPolicyInputList")?.into_iter().enumerate() {
        sources.push(Source { policy: parse(doc, PolicyKind::Identity)?, id: format!("PermissionsBoundaryPolicyInputList.{}", i + 1), kind: "none", role: PolicyRole::Boundary });
    }
    if let Some(doc) = input.string("ResourcePolicy")? {
        sources.push(Source { policy: parse(doc, PolicyKind::Resource)?, id: "ResourcePolicy".into(), kind: "resource", role: PolicyRole::Resource });
    }
    Ok(())
}

/// The caller principal resource policies see: CallerArn, else the simulated principal.
fn caller(cx: &Cx, arn: Option<&str>) -> Option<Caller> {
    let arn = arn?;
    let account = arn.split(':').nth(4).unwrap_or(&cx.account.id).to_string();
    Some(Caller { arn: arn.to_string(), kind: PrincipalKind::Aws, account, role_arn: None })
}

pub fn simulate_custom_policy(_iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    input.refuse(&["ResourceHandlingOption", "ResourceOwner"], "SimulateCustomPolicy")?;
    if input.string_list("PolicyInputList")?.is_empty() {
        return Err(invalid_input("1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null"));
    }
    let mut sources = Vec::new();
    given(input, &mut sources)?;
    let caller_arn = input.string("CallerArn")?;
    if sources.iter().any(|s| s.role == PolicyRole::Resource) && caller_arn.is_none() {
        return Err(invalid_input("CallerArn must be specified when a ResourcePolicy is given."));
    }
    run(&sources, input, caller(cx, caller_arn))
}

pub fn simulate_principal_policy(iam: &mut Iam, cx: &mut Cx, input: &Input) -> Result<Value, AwsError> {
    input.refuse(&["ResourceHandlingOption", "ResourceOwner"], "SimulatePrincipalPolicy")?;
    let source = input.required("PolicySourceArn")?;
    let prefix = format!("arn:aws:iam::{}:", cx.account.id);
    let rest = source.strip_prefix(&prefix).ok_or_else(|| invalid_input(format!("Invalid ARN: {source}")))?;
    let (kind, name) = match rest.split_once('/') {
        Some(("role", p)) => (EntityKind::Role, p.rsplit('/').next().unwrap_or(p)),
        Some(("user", p)) => (EntityKind::User, p.rsplit('/').next().unwrap_or(p)),
        Some(("group", p)) => (EntityKind::Group, p.rsplit('/').next().unwrap_or(p)),
        _ => return Err(invalid_input(format!("Invalid ARN: {source}"))),
    };
    let e = iam.entity(kind, name)?.clone();
    if e.arn(&cx.account.id) != source {
        return Err(super::input::no_such_entity(format!("The {} with name {name} cannot be found.", kind.word())));
    }
    let mut sources = Vec::new();
    identity_sources(iam, cx, &e, &mut sources)?;
    if kind == EntityKind::User {
        let groups: Vec<_> = iam.groups_of(&e.name).cloned().collect();
        for g in &groups {
            identity_sources(iam, cx, g, &mut sources)?;
        }
    }
    if let Some(b) = &e.boundary {
        if input.string_list("PermissionsBoundaryPolicyInputList")?.is_empty() {
            let doc = iam.policy_document(&cx.account.id, b).ok_or_else(|| invalid_input(format!("Policy {b} was not found.")))?;
            let pname = b.rsplit('/').next().unwrap_or(b).to_string();
            let kind = if managed::by_arn(b).is_some() { "aws-managed" } else { "user-managed" };
            sources.push(Source { policy: parse(&doc, PolicyKind::Identity)?, id: pname, kind, role: PolicyRole::Boundary });
        }
    }
    given(input, &mut sources)?;
    let caller_arn = input.string("CallerArn")?.unwrap_or(source);
    run(&sources, input, caller(cx, Some(caller_arn)))
}

/// An entity's inline policies (SourcePolicyType its kind: `role`, `user` or `group`) and its
/// attached managed policies (`aws-managed` or `user-managed`).
fn identity_sources(iam: &Iam, cx: &Cx, e: &super::Entity, sources: &mut Vec<Source>) -> Result<(), AwsError> {
    for (pname, doc) in &e.inline {
        sources.push(Source { policy: parse(doc, PolicyKind::Identity)?, id: pname.clone(), kind: e.kind.word(), role: PolicyRole::Identity });
    }
    for arn in &e.attached {
        let doc = iam.policy_document(&cx.account.id, arn).ok_or_else(|| invalid_input(format!("Policy {arn} was not found.")))?;
        let pname = arn.rsplit('/').next().unwrap_or(arn).to_string();
        let kind = if managed::by_arn(arn).is_some() { "aws-managed" } else { "user-managed" };
        sources.push(Source { policy: parse(&doc, PolicyKind::Identity)?, id: pname, kind, role: PolicyRole::Identity });
    }
    Ok(())
}

/// A role's trust policy, decoded if it came URL-encoded (as GetRole returns it).
pub fn decode_document(doc: &str) -> String {
    if doc.trim_start().starts_with('{') {
        doc.to_string()
    } else {
        crate::wire::percent::decode(doc, false)
    }
}
