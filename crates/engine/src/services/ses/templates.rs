//! Email templates: Create/Get/Update/Delete/ListEmailTemplates, TestRenderEmailTemplate, and
//! rendering `{{name}}` / `{{a.b}}` / `{{{raw}}}` replacement tags from the JSON TemplateData.
//! SES renders with Handlebars; block helpers (`{{#if}}`, `{{#each}}`) are refused here as not
//! supported in the sandbox. Values are HTML-escaped in the HTML part (as Handlebars' `{{ }}`
//! does), inserted as they are in the subject and text parts.

use serde_json::{json, Value};

use super::{already_exists, bad_request, not_found, opt_obj, opt_str, page, req_str, state::template_key, state::Region, state::Template};
use crate::kernel::{error::AwsError, service::Cx};

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn name(input: &Value) -> Result<&str, AwsError> {
    let n = req_str(input, "TemplateName")?;
    if !valid_name(n) {
        return Err(bad_request(format!("Invalid template name {n}: use 1-64 letters, digits, underscores and hyphens.")));
    }
    Ok(n)
}

/// (Subject, Text, Html) from a TemplateContent structure.
pub fn content(v: &Value) -> Result<(Option<String>, Option<String>, Option<String>), AwsError> {
    let s = opt_str(v, "Subject")?.map(str::to_string);
    let t = opt_str(v, "Text")?.map(str::to_string);
    let h = opt_str(v, "Html")?.map(str::to_string);
    if s.is_none() {
        return Err(bad_request("Template subject is required."));
    }
    if t.is_none() && h.is_none() {
        return Err(bad_request("Template must have a text or an HTML part."));
    }
    Ok((s, t, h))
}

fn find<'a>(region: &'a Region, name: &str) -> Result<&'a Template, AwsError> {
    region.templates.get(name).ok_or_else(|| not_found(format!("Template {name} does not exist.")))
}

pub fn create(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    let name = name(input)?;
    let c = opt_obj(input, "TemplateContent")?.ok_or_else(|| bad_request("TemplateContent is required."))?;
    let (subject, text, html) = content(c)?;
    if region.templates.contains_key(name) {
        return Err(already_exists(format!("Template {name} already exists.")));
    }
    let t = Template { name: name.to_string(), subject, text, html, created_ms: cx.now_ms };
    cx.journal.put_json(template_key(cx.region, name), &t);
    region.templates.insert(name.to_string(), t);
    Ok(json!({}))
}

pub fn get(region: &Region, input: &Value) -> Result<Value, AwsError> {
    let t = find(region, req_str(input, "TemplateName")?)?;
    let mut c = json!({ "Subject": t.subject });
    if let Some(text) = &t.text {
        c["Text"] = json!(text);
    }
    if let Some(html) = &t.html {
        c["Html"] = json!(html);
    }
    Ok(json!({ "TemplateName": t.name, "TemplateContent": c }))
}

pub fn update(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    let name = req_str(input, "TemplateName")?;
    let c = opt_obj(input, "TemplateContent")?.ok_or_else(|| bad_request("TemplateContent is required."))?;
    let (subject, text, html) = content(c)?;
    find(region, name)?;
    let Some(t) = region.templates.get_mut(name) else { return Err(not_found(format!("Template {name} does not exist."))) };
    t.subject = subject;
    t.text = text;
    t.html = html;
    cx.journal.put_json(template_key(cx.region, name), t);
    Ok(json!({}))
}

pub fn delete(cx: &mut Cx, region: &mut Region, input: &Value) -> Result<Value, AwsError> {
    let name = req_str(input, "TemplateName")?;
    find(region, name)?;
    region.templates.remove(name);
    cx.journal.delete(template_key(cx.region, name));
    Ok(json!({}))
}

pub fn list(region: &Region, input: &Value) -> Result<Value, AwsError> {
    let items = region.templates.iter().map(|(n, t)| (n, json!({ "TemplateName": t.name, "CreatedTimestamp": t.created_ms as f64 / 1000.0 })));
    let (meta, next) = page(items, input, 100)?;
    let mut out = json!({ "TemplatesMetadata": meta });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

/// The rendering data: TemplateData must be a JSON object.
pub fn data(text: &str) -> Result<Value, AwsError> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(bad_request("Invalid template data: TemplateData must be a JSON object.")),
    }
}

/// Why a template could not be rendered: an attribute missing from the data, or syntax the
/// sandbox does not render.
#[derive(Debug, PartialEq)]
pub enum RenderError {
    Missing(String),
    Unsupported(String),
}

impl RenderError {
    pub fn into_aws(self) -> AwsError {
        match self {
            RenderError::Missing(a) => bad_request(format!("Attribute '{a}' is not present in the rendering data.")),
            RenderError::Unsupported(tag) => {
                bad_request(format!("The template tag {{{{{tag}}}}} is not supported in the Gureum sandbox: only {{{{name}}}} and {{{{a.b}}}} replacement tags are rendered."))
            }
        }
    }
}

fn lookup<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(data, |v, k| v.get(k))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces the tags of `template` with values from `data`.
pub fn render(template: &str, data: &Value, html: bool) -> Result<String, RenderError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let triple = rest[start..].starts_with("{{{");
        let open = if triple { 3 } else { 2 };
        let close = if triple { "}}}" } else { "}}" };
        let Some(end) = rest[start + open..].find(close) else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let tag = rest[start + open..start + open + end].trim();
        if tag.is_empty() || tag.starts_with(['#', '/', '>', '!', '^', '&']) || tag.contains(' ') {
            return Err(RenderError::Unsupported(tag.to_string()));
        }
        let value = lookup(data, tag).ok_or_else(|| RenderError::Missing(tag.to_string()))?;
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            v => v.to_string(),
        };
        out.push_str(&if html && !triple { escape_html(&text) } else { text });
        rest = &rest[start + open + end + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A template rendered with `data`: (subject, text, html).
pub fn render_all(t: &Template, data: &Value) -> Result<(String, Option<String>, Option<String>), RenderError> {
    let subject = render(t.subject.as_deref().unwrap_or(""), data, false)?;
    let text = t.text.as_deref().map(|x| render(x, data, false)).transpose()?;
    let html = t.html.as_deref().map(|x| render(x, data, true)).transpose()?;
    Ok((subject, text, html))
}

pub fn test_render(region: &Region, input: &Value) -> Result<Value, AwsError> {
    let t = find(region, req_str(input, "TemplateName")?)?;
    let data = data(req_str(input, "TemplateData")?)?;
    let (subject, text, html) = render_all(t, &data).map_err(RenderError::into_aws)?;
    let rendered =
        super::send::compose(&super::send::Composed { from: String::new(), to: vec![], cc: vec![], reply_to: vec![], subject, text, html, message_id: None, date_ms: None });
    Ok(json!({ "RenderedTemplate": rendered }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacement_tags() {
        let d = json!({ "name": "Ada <3", "user": { "n": 3 } });
        assert_eq!(render("Hi {{name}}, {{ user.n }}", &d, false), Ok("Hi Ada <3, 3".into()));
        assert_eq!(render("<p>{{name}}</p>{{{name}}}", &d, true), Ok("<p>Ada &lt;3</p>Ada <3".into()));
        assert_eq!(render("{{missing}}", &d, false), Err(RenderError::Missing("missing".into())));
        assert!(matches!(render("{{#if name}}x{{/if}}", &d, false), Err(RenderError::Unsupported(_))));
        assert_eq!(render("unclosed {{name", &d, false), Ok("unclosed {{name".into()));
    }
}
