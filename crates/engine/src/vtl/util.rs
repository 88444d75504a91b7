//! `$util.*`: the functions API Gateway's mapping templates get, with the Java behaviour behind
//! them (Apache Commons Lang 2's `StringEscapeUtils.escapeJavaScript`, `java.net.URLEncoder` and
//! `URLDecoder` with UTF-8, `java.util.Base64`).

use base64::{engine::general_purpose::STANDARD, Engine as _};

use super::VtlError;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Commons Lang 2 `escapeJavaScript`: `"`, `'`, `\` and `/` get a backslash; `\b \t \n \f \r`
/// their escapes; other control characters and everything above U+007E become `\uXXXX` (UTF-16
/// code units, upper-case hex). API Gateway's docs warn that the `\'` it produces is not valid
/// JSON.
pub(crate) fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut buf = [0u16; 2];
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                for &u in c.encode_utf16(&mut buf).iter() {
                    out.push_str("\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[((u >> shift) & 0xf) as usize] as char);
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `URLEncoder.encode(s, "UTF-8")`: letters, digits and `.-*_` stay; space is `+`; every other
/// byte is `%XX` (upper case).
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
        }
    }
    out
}

/// `URLDecoder.decode(s, "UTF-8")`: `+` is a space, `%XX` a byte; a malformed escape is an error
/// (Java throws IllegalArgumentException).
pub(crate) fn url_decode(s: &str) -> Result<String, VtlError> {
    use crate::wire::percent::{decode, decode_strict, DecodeError};
    match decode_strict(s, true) {
        Ok(text) => Ok(text),
        // Java's decoder replaces bytes that are not UTF-8 rather than throwing.
        Err(DecodeError::NotUtf8) => Ok(decode(s, true)),
        Err(DecodeError::BadEscape(_)) => Err(VtlError::new(format!("$util.urlDecode: illegal hex characters in escape (%) pattern in \"{s}\""))),
    }
}

pub(crate) fn base64_encode(s: &str) -> String {
    STANDARD.encode(s.as_bytes())
}

/// Decodes base64 (padding optional, as Java's decoder accepts) into text (invalid UTF-8 bytes
/// become U+FFFD, as Java's `new String(bytes)` does).
pub(crate) fn base64_decode(s: &str) -> Result<String, VtlError> {
    let t = s.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(t.as_bytes()).map_err(|e| VtlError::new(format!("$util.base64Decode: invalid base64: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
