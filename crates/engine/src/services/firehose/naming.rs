//! The S3 key of a delivered object: `<evaluated prefix><suffix>`, the suffix being
//! `{stream}-{version}-{yyyy-MM-dd-HH-mm-ss}-{uuid}{extension}` (AWS, "Configure Amazon S3
//! object name format"). With no Prefix, the evaluated prefix is `yyyy/MM/dd/HH/`; a Prefix with
//! no expression gets that time prefix appended; a Prefix with `!{namespace:value}` expressions
//! is evaluated instead: `!{timestamp:<Java DateTimeFormatter pattern>}` and
//! `!{firehose:random-string}` (11 characters). Timestamps are the approximate arrival time of
//! the oldest record in the object, in UTC. `!{firehose:error-output-type}` belongs to
//! ErrorOutputPrefix only; `partitionKeyFrom*` needs dynamic partitioning, which the sandbox
//! does not simulate.

use super::errors;
use crate::kernel::{error::AwsError, rng::Rng};

const RANDOM_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A piece of a parsed prefix.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Timestamp(Vec<Field>),
    Random,
    ErrorOutputType,
}

/// One element of a DateTimeFormatter pattern (the subset prefixes use).
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Year(usize),
    Month(usize),
    Day(usize),
    Hour(usize),
    Minute(usize),
    Second(usize),
    Literal(String),
}

fn parse_pattern(pattern: &str) -> Result<Vec<Field>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let end = chars[i + 1..].iter().position(|&x| x == '\'').ok_or("an unterminated quote")?;
            let text: String = chars[i + 1..i + 1 + end].iter().collect();
            out.push(Field::Literal(if text.is_empty() { "'".into() } else { text }));
            i += end + 2;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            out.push(match c {
                'y' | 'u' => Field::Year(run),
                'M' => Field::Month(run),
                'd' => Field::Day(run),
                'H' => Field::Hour(run),
                'm' => Field::Minute(run),
                's' => Field::Second(run),
                _ => return Err(format!("the pattern letter '{c}', which the sandbox does not evaluate (it supports y, M, d, H, m, s)")),
            });
            if (c == 'M' && run > 2) || (c != 'y' && c != 'u' && run > 2) {
                return Err(format!("the pattern '{}'", chars[i..i + run].iter().collect::<String>()));
            }
            i += run;
            continue;
        }
        if matches!(c, '[' | ']' | '{' | '}' | '#') {
            return Err(format!("the reserved character '{c}'"));
        }
        out.push(Field::Literal(c.to_string()));
        i += 1;
    }
    Ok(out)
}

fn parse(prefix: &str, error_prefix: bool) -> Result<Vec<Part>, AwsError> {
    let mut parts = Vec::new();
    let mut rest = prefix;
    while let Some(start) = rest.find("!{") {
        if start > 0 {
            parts.push(Part::Text(rest[..start].to_string()));
        }
        let body_end = rest[start..]
            .find('}')
            .ok_or_else(|| errors::invalid_argument(format!("The expression starting at '{}' in prefix '{prefix}' has no closing brace.", &rest[start..])))?;
        let body = &rest[start + 2..start + body_end];
        let (namespace, value) = body.split_once(':').unwrap_or((body, ""));
        parts.push(match (namespace, value) {
            ("timestamp", pattern) if !pattern.is_empty() => Part::Timestamp(
                parse_pattern(pattern).map_err(|why| errors::invalid_argument(format!("The expression '!{{{body}}}' in prefix '{prefix}' is not valid: it uses {why}.")))?,
            ),
            ("firehose", "random-string") => Part::Random,
            ("firehose", "error-output-type") if error_prefix => Part::ErrorOutputType,
            ("firehose", "error-output-type") => return Err(errors::invalid_argument("The expression !{firehose:error-output-type} can be used only in ErrorOutputPrefix.")),
            ("partitionKeyFromQuery" | "partitionKeyFromLambda", _) => return Err(errors::not_simulated(&format!("The expression '!{{{body}}}' (dynamic partitioning)"))),
            _ => return Err(errors::invalid_argument(format!("The expression '!{{{body}}}' in prefix '{prefix}' is not valid."))),
        });
        rest = &rest[start + body_end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

/// Checks a destination's prefixes as CreateDeliveryStream and UpdateDestination do.
pub fn check_prefixes(prefix: Option<&str>, error_prefix: Option<&str>) -> Result<(), AwsError> {
    let parts = parse(prefix.unwrap_or_default(), false)?;
    let has_expressions = parts.iter().any(|p| !matches!(p, Part::Text(_)));
    if let Some(e) = error_prefix {
        parse(e, true)?;
    }
    if has_expressions && error_prefix.is_none_or(str::is_empty) {
        return Err(errors::invalid_argument("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions."));
    }
    Ok(())
}

/// (year, month, day, hour, minute, second) of `ms` in UTC.
pub fn civil(ms: i64) -> (i64, u32, u32, u32, u32, u32) {
    let iso = crate::kernel::time::iso8601(ms);
    // `YYYY-MM-DDTHH:MM:SS.sssZ`: fixed positions for years 0..=9999.
    let n = |a: usize, b: usize| iso.get(a..b).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    (iso.get(0..4).and_then(|s| s.parse().ok()).unwrap_or(1970), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19))
}

fn format_fields(fields: &[Field], ms: i64, out: &mut String) {
    let (y, mo, d, h, mi, s) = civil(ms);
    for f in fields {
        match f {
            Field::Year(2) => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            Field::Year(n) => out.push_str(&format!("{y:0n$}")),
            Field::Month(n) => out.push_str(&format!("{mo:0n$}")),
            Field::Day(n) => out.push_str(&format!("{d:0n$}")),
            Field::Hour(n) => out.push_str(&format!("{h:0n$}")),
            Field::Minute(n) => out.push_str(&format!("{mi:0n$}")),
            Field::Second(n) => out.push_str(&format!("{s:0n$}")),
            Field::Literal(t) => out.push_str(t),
        }
    }
}

/// The evaluated prefix for an object whose oldest record arrived at `ts_ms`.
pub fn evaluate_prefix(prefix: Option<&str>, ts_ms: i64, rng: &mut Rng) -> String {
    let (y, mo, d, h, ..) = civil(ts_ms);
    let default_time = format!("{y:04}/{mo:02}/{d:02}/{h:02}/");
    let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
        return default_time;
    };
    // Prefixes were checked when set; one that no longer parses is used as text.
    let parts = parse(prefix, false).unwrap_or_else(|_| vec![Part::Text(prefix.to_string())]);
    if parts.iter().all(|p| matches!(p, Part::Text(_))) {
        return format!("{prefix}{default_time}");
    }
    let mut out = String::new();
    for p in &parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Timestamp(fields) => format_fields(fields, ts_ms, &mut out),
            Part::Random => out.push_str(&rng.token(RANDOM_ALPHABET, 11)),
            Part::ErrorOutputType => {}
        }
    }
    out
}

/// The whole key of a delivered object.
pub fn object_key(prefix: Option<&str>, stream: &str, version: u64, ts_ms: i64, extension: &str, rng: &mut Rng) -> String {
    let evaluated = evaluate_prefix(prefix, ts_ms, rng);
    let (y, mo, d, h, mi, s) = civil(ts_ms);
    format!("{evaluated}{stream}-{version}-{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}-{}{extension}", rng.uuid())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-02T03:04:05Z.
    const T: i64 = 1_767_323_045_000;

    #[test]
    fn default_and_plain_prefixes_get_the_time_prefix() {
        let mut rng = Rng::seeded(1);
        assert_eq!(evaluate_prefix(None, T, &mut rng), "2026/01/02/03/");
        assert_eq!(evaluate_prefix(Some(""), T, &mut rng), "2026/01/02/03/");
        assert_eq!(evaluate_prefix(Some("logs/"), T, &mut rng), "logs/2026/01/02/03/");
        let key = object_key(None, "s", 1, T, ".gz", &mut rng);
        assert!(key.starts_with("2026/01/02/03/s-1-2026-01-02-03-04-05-"), "{key}");
        assert!(key.ends_with(".gz") && key.len() == "2026/01/02/03/s-1-2026-01-02-03-04-05-".len() + 36 + 3, "{key}");
    }

    #[test]
    fn expressions_are_evaluated() {
        let mut rng = Rng::seeded(1);
        assert_eq!(evaluate_prefix(Some("dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/"), T, &mut rng), "dt=2026-01-02/h=03/");
        assert_eq!(evaluate_prefix(Some("!{timestamp:yyyy/MM/dd}/"), T, &mut rng), "2026/01/02/");
        let r = evaluate_prefix(Some("x/!{firehose:random-string}/"), T, &mut rng);
        assert_eq!(r.len(), "x//".len() + 11);
    }

    #[test]
    fn bad_prefixes_are_refused() {
        assert!(check_prefixes(Some("!{timestamp:yyyy}/"), None).is_err());
        assert!(check_prefixes(Some("!{timestamp:yyyy}/"), Some("err/!{firehose:error-output-type}/")).is_ok());
        assert!(check_prefixes(Some("!{firehose:error-output-type}/"), Some("e/")).is_err());
        assert!(check_prefixes(Some("!{timestamp:QQ}/"), Some("e/")).is_err());
        assert!(check_prefixes(Some("!{nope:x}"), Some("e/")).is_err());
        assert!(check_prefixes(Some("!{timestamp:yyyy"), Some("e/")).is_err());
        assert!(check_prefixes(Some("!{partitionKeyFromQuery:id}/"), Some("e/")).is_err());
        assert!(check_prefixes(Some("plain/"), None).is_ok());
    }
}
