//! Mapping templates (request and response templates of non-proxy integrations), rendered by the
//! VTL engine (`crate::vtl`). A template that fails to parse or render is answered as AWS answers
//! a mapping failure (500 Internal server error, with the reason in the trace).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::vtl;

/// Parsed templates, keyed by their text: each template is parsed once, the first time a request
/// needs it (whether it belongs to the working definition, a deployment or a test invocation),
/// and rendered many times. A template that does not parse is kept with its error. Bounded: past
/// [`TemplateCache::MAX`] entries the cache starts again empty. Not journaled (it is derived).
#[derive(Debug, Default)]
pub struct TemplateCache {
    parsed: Mutex<HashMap<Box<str>, Arc<Result<vtl::Template, String>>>>,
}

impl TemplateCache {
    pub const MAX: usize = 4096;

    pub fn get(&self, text: &str) -> Arc<Result<vtl::Template, String>> {
        let mut map = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = map.get(text) {
            return t.clone();
        }
        if map.len() >= Self::MAX {
            map.clear();
        }
        let parsed = Arc::new(vtl::parse(text).map_err(|e| format!("Invalid mapping expression specified: {e}")));
        map.insert(text.into(), parsed.clone());
        parsed
    }

    pub fn len(&self) -> usize {
        self.parsed.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.parsed.lock() {
            m.clear();
        }
    }
}

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

/// A rendered template, with `$context` as the template left it (its `requestOverride` and
/// `responseOverride` members are what the caller applies).
pub struct Rendered {
    pub body: String,
    pub context: Value,
}

impl Rendered {
    /// `#set($context.responseOverride.status = 400)`: the method response status instead of
    /// the integration response's.
    pub fn status_override(&self) -> Option<u16> {
        let s = self.context.get("responseOverride")?.get("status")?;
        s.as_u64().or_else(|| s.as_str().and_then(|t| t.trim().parse().ok())).and_then(|n| u16::try_from(n).ok()).filter(|n| (100..600).contains(n))
    }

    /// `#set($context.responseOverride.header.Name = "...")`.
    pub fn header_overrides(&self) -> Vec<(String, String)> {
        let Some(h) = self.context.get("responseOverride").and_then(|o| o.get("header")).and_then(Value::as_object) else { return Vec::new() };
        h.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect()
    }

    /// Whether the template set `$context.requestOverride` (which changes the integration
    /// request of HTTP and AWS service integrations).
    pub fn overrides_request(&self) -> bool {
        self.context.get("requestOverride").is_some_and(|o| o.as_object().is_some_and(|m| !m.is_empty()))
    }
}

pub fn render(cache: &TemplateCache, template: &str, env: &TemplateEnv) -> Result<Rendered, String> {
    let parsed = cache.get(template);
    let parsed = parsed.as_ref().as_ref().map_err(Clone::clone)?;
    let mut venv = vtl::Env {
        body: env.body.to_string(),
        params: vtl::Params { path: env.path.to_vec(), querystring: env.querystring.to_vec(), header: env.header.to_vec() },
        context: env.context.clone(),
        stage_variables: env.stage_variables.clone(),
        util_now_ms: u64::try_from(env.now_ms).unwrap_or(0),
    };
    let body = parsed.render(&mut venv).map_err(|e| format!("Unable to transform request: {e}"))?;
    Ok(Rendered { body, context: venv.context })
}

/// The template for a request's content type: the one named exactly, else (AWS's choice when no
/// Content-Type is given) `application/json`.
pub fn select<'a>(templates: &'a std::collections::BTreeMap<String, String>, content_type: Option<&str>) -> Option<(&'a str, &'a str)> {
    let wanted = content_type.map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase()).unwrap_or_else(|| "application/json".into());
    templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(&wanted)).map(|(k, v)| (k.as_str(), v.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_parsed_once_and_bad_ones_keep_their_error() {
        let cache = TemplateCache::default();
        let a = cache.get("{\"id\": \"$input.params('id')\"}");
        let b = cache.get("{\"id\": \"$input.params('id')\"}");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.len(), 1);
        let bad = cache.get("#if($x");
        assert!(bad.as_ref().as_ref().is_err_and(|e| e.starts_with("Invalid mapping expression specified: ")));
        assert!(Arc::ptr_eq(&bad, &cache.get("#if($x")));
        assert_eq!(cache.len(), 2);
        for i in 0..TemplateCache::MAX {
            cache.get(&format!("t{i}"));
        }
        assert!(cache.len() <= TemplateCache::MAX);
    }
}
