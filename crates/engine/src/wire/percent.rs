//! Percent-decoding (RFC 3986 §2.1), the one decoder every wire protocol and service uses.
//!
//! Two policies, because AWS front ends differ:
//! - [`decode`] is lenient, as HTTP front ends are: a `%` not followed by two hex digits stays a
//!   literal `%`, and bytes that are not UTF-8 become U+FFFD.
//! - [`decode_strict`] refuses a malformed escape or bytes that are not UTF-8 (S3 keys, Java's
//!   `URLDecoder`), and says where the bad escape is.
//!
//! `plus_is_space` is the `application/x-www-form-urlencoded` rule: query strings and form bodies
//! mean a space by `+`; paths do not.

/// The value of an ASCII hex digit. (`u8::from_str_radix` would also take a sign: `%+1`.)
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte a `%XX` escape at `i` stands for.
fn escape_at(bytes: &[u8], i: usize) -> Option<u8> {
    match (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
        (Some(h), Some(l)) => Some(h << 4 | l),
        _ => None,
    }
}

/// Decodes into bytes; `Err(i)` is the offset of the first malformed escape when `strict`.
fn decode_bytes(s: &str, plus_is_space: bool, strict: bool) -> Result<Vec<u8>, usize> {
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&b| b == b'%' || (plus_is_space && b == b'+')) {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match escape_at(bytes, i) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None if strict => return Err(i),
                None => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Lenient decoding: malformed escapes stay literal, bytes that are not UTF-8 become U+FFFD.
pub fn decode(s: &str, plus_is_space: bool) -> String {
    // Lenient decoding has no error to report: `decode_bytes` only fails when `strict`.
    let bytes = decode_bytes(s, plus_is_space, false).unwrap_or_else(|_| s.as_bytes().to_vec());
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Why strict decoding refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` at this byte offset is not followed by two hex digits.
    BadEscape(usize),
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

/// Strict decoding: a malformed escape or bytes that are not UTF-8 are an error.
pub fn decode_strict(s: &str, plus_is_space: bool) -> Result<String, DecodeError> {
    let bytes = decode_bytes(s, plus_is_space, true).map_err(DecodeError::BadEscape)?;
    String::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_keeps_what_it_cannot_read() {
        assert_eq!(decode("a%20b+c", true), "a b c");
        assert_eq!(decode("a%20b+c", false), "a b+c");
        assert_eq!(decode("100%", false), "100%");
        assert_eq!(decode("%zz%4", false), "%zz%4");
        assert_eq!(decode("%+1", false), "%+1", "a sign is not a hex digit");
        assert_eq!(decode("%C3%A9t%C3%A9", false), "été");
        assert_eq!(decode("%FF", false), "\u{FFFD}");
        assert_eq!(decode("", true), "");
    }

    #[test]
    fn strict_says_where_it_broke() {
        assert_eq!(decode_strict("a%2Fb", false).as_deref(), Ok("a/b"));
        assert_eq!(decode_strict("ab%2", false), Err(DecodeError::BadEscape(2)));
        assert_eq!(decode_strict("%-1", false), Err(DecodeError::BadEscape(0)));
        assert_eq!(decode_strict("%FF", false), Err(DecodeError::NotUtf8));
        assert_eq!(decode_strict("a+b", true).as_deref(), Ok("a b"));
    }

    #[test]
    fn every_byte_round_trips() {
        for b in 0u8..=0x7f {
            let escaped = format!("%{b:02X}");
            assert_eq!(decode(&escaped, false), (b as char).to_string());
            assert_eq!(decode(&escaped.to_lowercase(), true), (b as char).to_string());
        }
    }
}
