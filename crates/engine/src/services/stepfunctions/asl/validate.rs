//! Definition diagnostics, as ValidateStateMachineDefinition reports them and CreateStateMachine's
//! `InvalidDefinition` words them (`Invalid State Machine Definition: 'CODE: message at /where'`),
//! per <https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinitionDiagnostic.html>.
//!
//! The schema checks (fields, types, exclusive fields, paths, templates, retriers) run while
//! [`super::definition`] builds the typed model; the graph checks (transition targets,
//! reachability, a terminal state, unique names) run here on the result, and so do the warnings
//! ValidateStateMachineDefinition adds for a valid definition (NO_DOLLAR, NO_PATH,
//! PASS_RESULT_IS_STATIC). Messages are ours where AWS's wording is not documented; codes and
//! locations are AWS's.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::definition::{Definition, Kind, Machine, Transition};

/// Diagnostic codes (AWS's).
pub mod codes {
    pub const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
    pub const MISSING_DESCRIPTION: &str = "MISSING_DESCRIPTION";
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    pub const INVALID_RESOURCE: &str = "INVALID_RESOURCE";
    pub const MISSING_END_STATE: &str = "MISSING_END_STATE";
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
    pub const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    pub const UNREACHABLE_STATE: &str = "UNREACHABLE_STATE";
    pub const NO_DOLLAR: &str = "NO_DOLLAR";
    pub const NO_PATH: &str = "NO_PATH";
    pub const PASS_RESULT_IS_STATIC: &str = "PASS_RESULT_IS_STATIC";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        }
    }
}

/// One problem, with where it is (a JSON pointer into the definition: `/States/A/Next`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub location: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, location: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, code, message: message.into(), location: location.into() }
    }

    /// As CreateStateMachine's InvalidDefinition message quotes it: `CODE: message at /where`.
    pub fn render(&self) -> String {
        if self.location.is_empty() {
            format!("{}: {}", self.code, self.message)
        } else {
            format!("{}: {} at {}", self.code, self.message, self.location)
        }
    }
}

/// CreateStateMachine's `InvalidDefinition` message for a list of errors.
pub fn invalid_definition_message(diags: &[Diagnostic]) -> String {
    let errors: Vec<String> = diags.iter().filter(|d| d.severity == Severity::Error).map(Diagnostic::render).collect();
    format!("Invalid State Machine Definition: '{}'", errors.join(", "))
}

/// Every diagnostic for a definition's JSON text: the errors (none when it is valid), then the
/// warnings ValidateStateMachineDefinition gives for a valid one.
pub fn validate(text: &str) -> Vec<Diagnostic> {
    match Definition::parse(text) {
        Ok(_) => serde_json::from_str::<Value>(text).map(|v| warnings(&v)).unwrap_or_default(),
        Err(d) => d,
    }
}

/// The warning codes: `NO_DOLLAR` (a payload-template value that looks like a path or an
/// intrinsic under a key without `.$`), `NO_PATH` (a string field that looks like a path but
/// whose name does not end in `Path`), `PASS_RESULT_IS_STATIC` (a `.$` key in a Pass state's
/// `Result`, which is never evaluated). JSONPath states only.
pub fn warnings(def: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    warn_machine(def, "", def.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata"), &mut out);
    out
}

/// Fields that have a `...Path` twin.
const PATH_FIELDS: [&str; 9] =
    ["Seconds", "Timestamp", "TimeoutSeconds", "HeartbeatSeconds", "Error", "Cause", "MaxConcurrency", "ToleratedFailurePercentage", "ToleratedFailureCount"];

fn looks_like_path(s: &str) -> bool {
    s.starts_with("$.") || s.starts_with("$[") || s == "$" || s.starts_with("$$.")
}

fn warning(code: &'static str, message: String, location: String) -> Diagnostic {
    Diagnostic { severity: Severity::Warning, code, message, location }
}

fn warn_machine(m: &Value, at: &str, jsonata: bool, out: &mut Vec<Diagnostic>) {
    let Some(states) = m.get("States").and_then(Value::as_object) else { return };
    for (name, s) in states {
        let loc = format!("{at}/States/{name}");
        let jsonata = match s.get("QueryLanguage").and_then(Value::as_str) {
            Some("JSONata") => true,
            Some(_) => false,
            None => jsonata,
        };
        let Some(sm) = s.as_object() else { continue };
        if !jsonata {
            for key in ["Parameters", "ResultSelector", "ItemSelector"] {
                if let Some(t) = sm.get(key) {
                    warn_template(t, &format!("{loc}/{key}"), out);
                }
            }
            for (k, v) in sm {
                if let Some(text) = v.as_str() {
                    if looks_like_path(text) && PATH_FIELDS.contains(&k.as_str()) {
                        out.push(warning(
                            codes::NO_PATH,
                            format!("The value of the field '{k}' looks like a path, but the field name does not end with 'Path'"),
                            format!("{loc}/{k}"),
                        ));
                    }
                }
            }
            if sm.get("Type").and_then(Value::as_str) == Some("Pass") {
                if let Some(r) = sm.get("Result") {
                    if has_dollar_key(r) {
                        out.push(warning(
                            codes::PASS_RESULT_IS_STATIC,
                            "The Result of a Pass state is static: its '.$' fields are not evaluated (use Parameters)".into(),
                            format!("{loc}/Result"),
                        ));
                    }
                }
            }
        }
        if let Some(bs) = sm.get("Branches").and_then(Value::as_array) {
            for (i, b) in bs.iter().enumerate() {
                warn_machine(b, &format!("{loc}/Branches/{i}"), jsonata, out);
            }
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(p) = sm.get(key) {
                warn_machine(p, &format!("{loc}/{key}"), jsonata, out);
            }
        }
    }
}

fn warn_template(t: &Value, at: &str, out: &mut Vec<Diagnostic>) {
    match t {
        Value::Object(m) => {
            for (k, v) in m {
                let loc = format!("{at}/{k}");
                match v {
                    Value::String(s) if !k.ends_with(".$") && (looks_like_path(s) || super::intrinsic::looks_like_call(s)) => out.push(warning(
                        codes::NO_DOLLAR,
                        format!("The value of the field '{k}' looks like a JSONPath or an intrinsic function, but the field name does not end with '.$'"),
                        loc,
                    )),
                    Value::Object(_) | Value::Array(_) if !k.ends_with(".$") => warn_template(v, &loc, out),
                    _ => {}
                }
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| warn_template(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn has_dollar_key(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| k.ends_with(".$") || has_dollar_key(v)),
        Value::Array(a) => a.iter().any(has_dollar_key),
        _ => false,
    }
}

/// The graph checks over a parsed (schema-valid) machine and its nested ones.
pub fn graph(def: &Definition, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    machine(&def.machine, "", &mut seen, out);
}

fn machine<'a>(m: &'a Machine, at: &str, seen: &mut BTreeMap<&'a str, String>, out: &mut Vec<Diagnostic>) {
    for s in &m.states {
        let loc = format!("{at}/States/{}", s.name);
        if let Some(first) = seen.get(s.name.as_str()) {
            out.push(Diagnostic::error(codes::DUPLICATE_STATE_NAME, format!("Duplicate State name: {} (also at {first})", s.name), loc.clone()));
        } else {
            seen.insert(&s.name, loc.clone());
        }
    }
    let names: BTreeSet<&str> = m.states.iter().map(|s| s.name.as_str()).collect();
    if !names.contains(m.start_at.as_str()) {
        out.push(Diagnostic::error(codes::MISSING_TRANSITION_TARGET, format!("Missing 'Next' target: {}", m.start_at), format!("{at}/StartAt")));
    }
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut terminal = false;
    for s in &m.states {
        let loc = format!("{at}/States/{}", s.name);
        let mut targets: Vec<(&str, String)> = Vec::new();
        match &s.transition {
            Transition::Next(n) => targets.push((n, format!("{loc}/Next"))),
            Transition::End => terminal = true,
            Transition::None => {}
        }
        match &s.kind {
            Kind::Succeed | Kind::Fail(_) => terminal = true,
            Kind::Choice(c) => {
                for (i, r) in c.choices.iter().enumerate() {
                    targets.push((&r.next, format!("{loc}/Choices/{i}/Next")));
                }
                if let Some(d) = &c.default {
                    targets.push((d, format!("{loc}/Default")));
                }
            }
            Kind::Parallel(p) => {
                for (i, b) in p.branches.iter().enumerate() {
                    machine(b, &format!("{loc}/Branches/{i}"), seen, out);
                }
            }
            Kind::Map(mp) => machine(&mp.processor, &format!("{loc}/{}", mp.processor_field), seen, out),
            _ => {}
        }
        for (i, c) in s.catch.iter().enumerate() {
            targets.push((&c.next, format!("{loc}/Catch/{i}/Next")));
        }
        for (t, l) in &targets {
            if !names.contains(t) {
                out.push(Diagnostic::error(codes::MISSING_TRANSITION_TARGET, format!("Missing 'Next' target: {t}"), l.clone()));
            }
        }
        edges.insert(&s.name, targets.into_iter().map(|(t, _)| t).collect());
    }
    if !terminal {
        out.push(Diagnostic::error(codes::MISSING_END_STATE, "Workflow has no terminal state", if at.is_empty() { "/".to_string() } else { at.to_string() }));
    }
    // Reachability from StartAt.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut stack = vec![m.start_at.as_str()];
    while let Some(n) = stack.pop() {
        if names.contains(n) && reached.insert(n) {
            stack.extend(edges.get(n).into_iter().flatten().copied());
        }
    }
    for s in &m.states {
        if !reached.contains(s.name.as_str()) && names.contains(m.start_at.as_str()) {
            out.push(Diagnostic::error(codes::UNREACHABLE_STATE, format!("State '{}' is not reachable", s.name), format!("{at}/States/{}", s.name)));
        }
    }
}
