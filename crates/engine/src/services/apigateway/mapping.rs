//! Mapping templates (request and response templates of non-proxy integrations).
//!
//! The VTL engine is written in `crate::vtl` on its own branch; until it is merged here, a
//! template renders only if it holds no VTL at all (no `$` reference and no `#` directive), in
//! which case VTL renders it to itself. Any other template fails with a clear message, answered as
//! AWS answers a mapping failure (500 Internal server error, with the reason in the trace).

use serde_json::{Map, Value};

/// What a template can see (the VTL engine's `Env`).
pub struct TemplateEnv<'a> {
    pub body: &'a str,
    pub path: &'a [(String, String)],
    pub querystring: &'a [(String, String)],
    pub header: &'a [(String, String)],
    pub context: &'a Value,
    pub stage_variables: &'a Map<String, Value>,
    pub now_ms: i64,
}

pub fn render(template: &str, _env: &TemplateEnv) -> Result<String, String> {
    if template.contains('$') || template.contains('#') {
        return Err("VTL mapping templates with references or directives need the VTL engine, which is not merged into this build yet.".into());
    }
    Ok(template.to_string())
}

/// The template for a request's content type: the one named exactly, else (AWS's choice when no
/// Content-Type is given) `application/json`.
pub fn select<'a>(templates: &'a std::collections::BTreeMap<String, String>, content_type: Option<&str>) -> Option<(&'a str, &'a str)> {
    let wanted = content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase()).unwrap_or_else(|| "application/json".into());
    templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(&wanted)).map(|(k, v)| (k.as_str(), v.as_str()))
}
