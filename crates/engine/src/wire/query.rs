//! The AWS Query protocol (IAM, STS, CloudFormation): a form-encoded `Action=CreateRole&Version=2010-05-08&...`
//! body (or GET query string) in, an XML document out.
//!
//! Requests become the engine's JSON input by the Query serialisation rules: `A.B=v` nests
//! objects, `X.member.N` is the Nth element of list `X` (`X.member.N.K` a structure in it), and
//! `X.entry.N.key` / `X.entry.N.value` a map. Every value arrives as a string; the service
//! coerces numbers and booleans. An empty list is sent as `X=` and reads as `""`.
//!
//! Answers: `<{Action}Response xmlns="..."><{Action}Result>members</{Action}Result>
//! <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></{Action}Response>`, JSON
//! arrays as `<member>` elements, the `Result` left out when the operation has no output.
//! Errors: `<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message>
//! </Error><RequestId>..</RequestId></ErrorResponse>` with the error's HTTP status.

use serde_json::{Map, Value};

use super::{xml::escape, HttpRequest, HttpResponse};
use crate::kernel::error::AwsError;

/// The XML namespace of a Query service's answers.
pub fn namespace(service: &str) -> &'static str {
    match service {
        "sts" => "https://sts.amazonaws.com/doc/2011-06-15/",
        "cloudformation" => "http://cloudformation.amazonaws.com/doc/2010-05-15/",
        _ => "https://iam.amazonaws.com/doc/2010-05-08/",
    }
}

/// The API version a Query service takes.
fn api_version(service: &str) -> &'static str {
    match service {
        "sts" => "2011-06-15",
        "cloudformation" => "2010-05-15",
        _ => "2010-05-08",
    }
}

/// The service of an unsigned Query request: STS's AssumeRoleWithWebIdentity, which AWS's SDKs
/// send without a signature (the token is the proof), so there is no credential scope to route by.
pub fn unsigned_service(req: &HttpRequest) -> Option<&'static str> {
    let params = params(req);
    let action = params.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.as_str());
    let version = params.iter().find(|(k, _)| k == "Version").map(|(_, v)| v.as_str());
    (action == Some("AssumeRoleWithWebIdentity") && version.is_none_or(|v| v == api_version("sts"))).then_some("sts")
}

/// Percent-decoding of `application/x-www-form-urlencoded` (`+` is a space).
pub fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The request's parameters: the query string, then a form body.
pub fn params(req: &HttpRequest) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |text: &str| {
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.push((form_decode(k), form_decode(v)));
        }
    };
    if let Some((_, q)) = req.path.split_once('?') {
        add(q);
    }
    if let Ok(body) = std::str::from_utf8(&req.body) {
        add(body.trim());
    }
    out
}

/// Builds the JSON input from the parameters other than `Action` and `Version`.
pub fn decode(params: &[(String, String)]) -> Result<Value, AwsError> {
    let mut root = Map::new();
    for (key, value) in params {
        if key == "Action" || key == "Version" {
            continue;
        }
        let parts: Vec<&str> = key.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) || parts.len() > 32 {
            return Err(AwsError::new("", "MalformedQueryString", format!("Parameter name {key} is malformed."), 400));
        }
        insert(&mut root, &parts, value)?;
    }
    Ok(shape(Value::Object(root)))
}

fn insert(map: &mut Map<String, Value>, parts: &[&str], value: &str) -> Result<(), AwsError> {
    let (first, rest) = (parts[0], &parts[1..]);
    if rest.is_empty() {
        map.insert(first.to_string(), Value::String(value.to_string()));
        return Ok(());
    }
    let entry = map.entry(first.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        // `X=` (an empty list) followed by members of X: the members win.
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(child) => insert(child, rest, value),
        _ => Ok(()),
    }
}

/// Turns `{"member": {"1": a, "2": b}}` into `[a, b]` and `{"entry": {"1": {"key", "value"}}}`
/// into an object, all the way down.
fn shape(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::Object(items)) = map.get("member") {
                    let mut indexed: Vec<(u64, Value)> = items.iter().filter_map(|(k, v)| k.parse::<u64>().ok().map(|n| (n, v.clone()))).collect();
                    if indexed.len() == items.len() {
                        indexed.sort_by_key(|(n, _)| *n);
                        return Value::Array(indexed.into_iter().map(|(_, v)| shape(v)).collect());
                    }
                }
                if let Some(Value::Object(entries)) = map.get("entry") {
                    let mut indexed: Vec<(u64, &Value)> = entries.iter().filter_map(|(k, v)| k.parse::<u64>().ok().map(|n| (n, v))).collect();
                    indexed.sort_by_key(|(n, _)| *n);
                    let mut out = Map::new();
                    for (_, e) in indexed {
                        if let (Some(Value::String(k)), Some(v)) = (e.get("key"), e.get("value")) {
                            out.insert(k.clone(), shape(v.clone()));
                        }
                    }
                    return Value::Object(out);
                }
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, shape(v))).collect())
        }
        other => other,
    }
}

/// The operation a Query request names, with its JSON input; checks `Version`.
pub fn parse(req: &HttpRequest, service: &str) -> Result<(String, Value), AwsError> {
    let params = params(req);
    let action = params.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone());
    let version = params.iter().find(|(k, _)| k == "Version").map(|(_, v)| v.clone());
    let Some(action) = action.filter(|a| !a.is_empty()) else {
        return Err(AwsError::new("", "MissingAction", "Missing Action", 400));
    };
    if let Some(v) = &version {
        if v != api_version(service) {
            return Err(AwsError::new("", "InvalidAction", format!("Could not find operation {action} for version {v}"), 400));
        }
    }
    Ok((action, decode(&params)?))
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                out.push('<');
                out.push_str(k);
                out.push('>');
                write_value(out, v);
                out.push_str("</");
                out.push_str(k);
                out.push('>');
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str("<member>");
                write_value(out, item);
                out.push_str("</member>");
            }
        }
        Value::String(s) => out.push_str(&escape(s)),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => {}
    }
}

/// Operations whose output is an empty structure: the SDKs expect the (empty) `Result` element,
/// where operations without an output shape get none.
const EMPTY_RESULTS: &[(&str, &str)] = &[("cloudformation", "ExecuteChangeSet"), ("cloudformation", "DeleteChangeSet")];

/// The XML answer to a successful call.
pub fn success(service: &str, action: &str, output: &Value, request_id: &str) -> HttpResponse {
    let mut body = String::with_capacity(256);
    body.push_str(&format!("<{action}Response xmlns=\"{}\">", namespace(service)));
    if output.as_object().is_some_and(|m| !m.is_empty()) || EMPTY_RESULTS.contains(&(service, action)) {
        body.push_str(&format!("<{action}Result>"));
        write_value(&mut body, output);
        body.push_str(&format!("</{action}Result>"));
    }
    body.push_str(&format!("<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>", escape(request_id)));
    xml_response(200, body, request_id)
}

/// The XML answer to a failed call.
pub fn error(service: &str, e: &AwsError, request_id: &str) -> HttpResponse {
    let fault = if e.status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{}\"><Error><Type>{fault}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        namespace(service),
        escape(&e.kind),
        escape(&e.message),
        escape(request_id)
    );
    xml_response(e.status, body, request_id)
}

fn xml_response(status: u16, body: String, request_id: &str) -> HttpResponse {
    HttpResponse { status, headers: vec![("Content-Type".into(), "text/xml".into()), ("x-amzn-RequestId".into(), request_id.into())], body: body.into_bytes() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_entries_and_nesting_become_json() {
        let params: Vec<(String, String)> = [
            ("Action", "CreateRole"),
            ("RoleName", "r"),
            ("Tags.member.2.Key", "b"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("ActionNames.member.10", "x"),
            ("ActionNames.member.9", "y"),
            ("Attributes.entry.1.key", "k"),
            ("Attributes.entry.1.value", "v"),
            ("PermissionsBoundary.Type", "t"),
            ("Empty", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let v = decode(&params).unwrap();
        assert_eq!(
            v,
            json!({"RoleName": "r", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b"}], "ActionNames": ["y", "x"], "Attributes": {"k": "v"}, "PermissionsBoundary": {"Type": "t"}, "Empty": ""})
        );
    }

    #[test]
    fn form_decoding_and_xml_answers() {
        assert_eq!(form_decode("a%2Fb+c%7B%22"), "a/b c{\"");
        assert_eq!(form_decode("100%"), "100%");
        let resp = success("iam", "ListRoles", &json!({"Roles": [{"RoleName": "a<b"}], "IsTruncated": false}), "rid");
        let body = String::from_utf8(resp.body).unwrap();
        assert_eq!(
            body,
            "<ListRolesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListRolesResult><Roles><member><RoleName>a&lt;b</RoleName></member></Roles><IsTruncated>false</IsTruncated></ListRolesResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ListRolesResponse>"
        );
        let resp = success("iam", "DeleteRole", &json!({}), "rid");
        assert!(!String::from_utf8(resp.body).unwrap().contains("DeleteRoleResult"));
        let e = error("sts", &AwsError::new("", "AccessDenied", "no", 403), "rid");
        assert_eq!(e.status, 403);
        assert!(String::from_utf8(e.body).unwrap().contains("<Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message>"));
    }
}
