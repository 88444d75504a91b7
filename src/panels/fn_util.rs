//! Helpers the Functions panel shares: base64 and zip for Lambda's wire shapes, the REPORT line
//! of an invocation's log, names and times for display.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::Value;

pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Decodes base64 text (empty on bad input: answers come from the engine, but never panic).
pub fn unb64(text: &str) -> Vec<u8> {
    B64.decode(text.trim()).unwrap_or_default()
}

/// The deployment package of `files` as Lambda's `ZipFile` (base64 of a zip).
pub fn zip_b64(files: &[(String, String)]) -> String {
    let map: BTreeMap<String, Vec<u8>> = files.iter().map(|(p, t)| (p.clone(), t.as_bytes().to_vec())).collect();
    b64(&gureum_engine::services::lambda::code::zip(&map))
}

/// The figures of an invocation's `REPORT RequestId: ...` log line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub request_id: String,
    pub duration_ms: Option<f64>,
    pub billed_ms: Option<f64>,
    pub memory_mb: Option<f64>,
    pub max_memory_mb: Option<f64>,
    pub init_ms: Option<f64>,
}

/// Finds the last REPORT line in a log text.
pub fn parse_report(log: &str) -> Option<Report> {
    let line = log.lines().rev().find(|l| l.starts_with("REPORT RequestId:"))?;
    let mut r = Report::default();
    for part in line.split('\t') {
        let Some((k, v)) = part.split_once(':') else { continue };
        let num = || v.trim().split(' ').next().and_then(|n| n.parse::<f64>().ok());
        match k.trim() {
            "REPORT RequestId" => r.request_id = v.trim().to_string(),
            "Duration" => r.duration_ms = num(),
            "Billed Duration" => r.billed_ms = num(),
            "Memory Size" => r.memory_mb = num(),
            "Max Memory Used" => r.max_memory_mb = num(),
            "Init Duration" => r.init_ms = num(),
            _ => {}
        }
    }
    Some(r)
}

/// JSON text pretty-printed, or the text as it is when it is not JSON.
pub fn pretty(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string()),
        Err(_) => text.to_string(),
    }
}

/// `2025-01-02T03:04:05.000+0000` → `2025-01-02 03:04:05`.
pub fn short_time(iso: &str) -> String {
    let s = iso.replace('T', " ");
    s.get(..19).map(str::to_string).unwrap_or(s)
}

/// Milliseconds since the epoch → `HH:MM:SS.mmm` (UTC), for log events.
pub fn clock_time(ms: i64) -> String {
    let day_ms = ms.rem_euclid(86_400_000);
    format!("{:02}:{:02}:{:02}.{:03}", day_ms / 3_600_000, day_ms / 60_000 % 60, day_ms / 1000 % 60, day_ms % 1000)
}

/// Test event names as the Lambda console allows them.
pub fn valid_event_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 25 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line_figures() {
        let log = "START RequestId: abc Version: $LATEST\nhello\nEND RequestId: abc\nREPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 20 ms\tMemory Size: 128 MB\tMax Memory Used: 7 MB\tInit Duration: 7.66 ms\t\n";
        let r = parse_report(log).unwrap();
        assert_eq!(r.request_id, "abc");
        assert_eq!((r.duration_ms, r.billed_ms, r.memory_mb, r.max_memory_mb, r.init_ms), (Some(12.34), Some(20.0), Some(128.0), Some(7.0), Some(7.66)));
        let warm = parse_report("REPORT RequestId: x\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 256 MB\tMax Memory Used: 3 MB\t").unwrap();
        assert_eq!(warm.init_ms, None);
        assert!(parse_report("no report").is_none());
    }

    #[test]
    fn helpers() {
        assert_eq!(unb64(&b64(b"hi")), b"hi");
        assert!(unb64("%%%").is_empty());
        assert_eq!(pretty("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(pretty("not json"), "not json");
        assert_eq!(short_time("2025-01-02T03:04:05.000+0000"), "2025-01-02 03:04:05");
        assert_eq!(clock_time(3_723_004), "01:02:03.004");
        assert!(valid_event_name("my-event_1.v2") && !valid_event_name("a b") && !valid_event_name(""));
        let z = zip_b64(&[("index.mjs".into(), "export const handler = async () => 1;".into())]);
        let bundle = gureum_engine::services::lambda::code::unzip(&unb64(&z)).unwrap();
        assert!(bundle.files.contains_key("index.mjs"));
    }
}
