//! Just enough of Internet mail (RFC 5322, MIME, RFC 2047) to show a Raw message in the inbox:
//! headers (unfolded, encoded words decoded), address lists, and the text and HTML parts of a
//! (nested) multipart body in base64, quoted-printable or 7/8-bit.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};

/// A parsed message: its headers in order and the first text/plain and text/html parts.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub headers: Vec<(String, String)>,
    pub text: Option<String>,
    pub html: Option<String>,
}

impl Parsed {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The bare address of a mailbox (`Ada <ada@example.com>` → `ada@example.com`).
pub fn bare_address(mailbox: &str) -> String {
    let m = mailbox.trim();
    match (m.rfind('<'), m.rfind('>')) {
        (Some(a), Some(b)) if a < b => m[a + 1..b].trim().to_string(),
        _ => m.trim_matches('"').to_string(),
    }
}

/// An address-list header split at commas outside quotes and angle brackets.
pub fn address_list(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut quoted, mut angle, mut cur) = (false, false, String::new());
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn split_head_body(data: &[u8]) -> (&[u8], &[u8]) {
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(i) = data.windows(len).position(|w| w == sep) {
            return (&data[..i], &data[i + len..]);
        }
    }
    (data, &[])
}

fn parse_headers(head: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(head);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut().filter(|_| !line.trim().is_empty()) {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    for (_, v) in &mut out {
        *v = decode_words(v);
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?utf-8?Q?...?=`).
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let Some(word) = encoded_word(&rest[start..]) else {
            out.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            last_was_word = false;
            continue;
        };
        let between = &rest[..start];
        // Whitespace between two encoded words is dropped.
        if !(last_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        out.push_str(&word.1);
        rest = &rest[start + word.0..];
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: (its length, the decoded text).
fn encoded_word(s: &str) -> Option<(usize, String)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let payload = &rest[..end];
    let bytes = match encoding {
        "B" | "b" => B64.decode(payload.trim()).ok()?,
        "Q" | "q" => quoted_printable(&payload.replace('_', " ")),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    Some((len, decode_charset(&bytes, charset)))
}

fn decode_charset(bytes: &[u8], charset: &str) -> String {
    if charset.eq_ignore_ascii_case("iso-8859-1") || charset.eq_ignore_ascii_case("latin1") {
        bytes.iter().map(|b| *b as char).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            if b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(hex) = b.get(i + 1..i + 3) {
                if let Ok(v) = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("zz"), 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// A header parameter (`boundary`, `charset`) of a Content-Type value.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Parses a raw message.
pub fn parse(data: &[u8]) -> Parsed {
    let (head, body) = split_head_body(data);
    let headers = parse_headers(head);
    let mut parsed = Parsed { headers, text: None, html: None };
    let headers = parsed.headers.clone();
    walk(&headers, body, &mut parsed, 0);
    parsed
}

fn walk(headers: &[(String, String)], body: &[u8], out: &mut Parsed, depth: usize) {
    let content_type = header(headers, "Content-Type").unwrap_or("text/plain");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime.starts_with("multipart/") && depth < 8 {
        let Some(boundary) = param(content_type, "boundary") else { return };
        let delimiter = format!("--{boundary}");
        let text = String::from_utf8_lossy(body).into_owned();
        for part in text.split(delimiter.as_str()).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let part = part.strip_prefix("\r\n").or_else(|| part.strip_prefix('\n')).unwrap_or(part);
            let (h, b) = split_head_body(part.as_bytes());
            let h = parse_headers(h);
            walk(&h, b, out, depth + 1);
        }
        return;
    }
    let disposition = header(headers, "Content-Disposition").unwrap_or("");
    if disposition.trim().to_ascii_lowercase().starts_with("attachment") {
        return;
    }
    let decoded = match header(headers, "Content-Transfer-Encoding").map(|e| e.trim().to_ascii_lowercase()) {
        Some(e) if e == "base64" => B64.decode(body.iter().filter(|b| !b.is_ascii_whitespace()).copied().collect::<Vec<u8>>()).unwrap_or_default(),
        Some(e) if e == "quoted-printable" => quoted_printable(&String::from_utf8_lossy(body)),
        _ => body.to_vec(),
    };
    let charset = param(content_type, "charset").unwrap_or_else(|| "utf-8".into());
    let text = decode_charset(&decoded, &charset);
    let text = text.trim_end_matches(['\r', '\n']).to_string();
    if mime == "text/html" && out.html.is_none() {
        out.html = Some(text);
    } else if mime == "text/plain" && out.text.is_none() {
        out.text = Some(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_alternative_with_encodings() {
        let raw = "From: =?UTF-8?B?6rWs66aE?= <sender@example.com>\r\nTo: Ada <ada@example.com>, \"Lovelace, A\" <al@example.com>\r\nSubject: =?utf-8?Q?Caf=C3=A9_time?=\r\n \r\n\tcontinued\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello =E2=9C=93 soft=\r\nbreak\r\n--b1\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+SGk8L2I+\r\n--b1--\r\n";
        let p = parse(raw.as_bytes());
        assert_eq!(p.header("from"), Some("구름 <sender@example.com>"));
        assert_eq!(p.header("Subject"), Some("Café time continued"));
        assert_eq!(p.text.as_deref(), Some("Hello ✓ softbreak"));
        assert_eq!(p.html.as_deref(), Some("<b>Hi</b>"));
        let to = address_list(p.header("To").unwrap_or(""));
        assert_eq!(to, vec!["Ada <ada@example.com>", "\"Lovelace, A\" <al@example.com>"]);
        assert_eq!(to.iter().map(|a| bare_address(a)).collect::<Vec<_>>(), vec!["ada@example.com", "al@example.com"]);
    }

    #[test]
    fn plain_body_and_garbage_never_panic() {
        let p = parse(b"Subject: hi\n\nbody\n");
        assert_eq!((p.header("subject"), p.text.as_deref()), (Some("hi"), Some("body")));
        for junk in ["", "=?", "=?x?B?", "Content-Type: multipart/mixed\n\n--", "Content-Type: multipart/mixed; boundary=z\n\n--z\n--z--", "Subject: =?utf-8?Q?=F?=\n\n"] {
            let _ = parse(junk.as_bytes());
        }
    }
}
