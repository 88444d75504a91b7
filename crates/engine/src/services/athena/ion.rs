//! The Amazon Ion text that DynamoDB's ION exports write, read into items: one
//! `$ion_1_0 {Item:{...}}` value per line (the version marker may be repeated or absent).
//! Strings → S; ints and decimals → N (`1.5`, `15d-1`); floats (`1.5e0`) → N; blobs `{{base64}}`
//! → B; `true`/`false` → BOOL; `null` (and typed nulls) → NULL; lists → L; structs → M;
//! `$dynamodb_SS::[...]`, `$dynamodb_NS::[...]`, `$dynamodb_BS::[...]` → sets. Comments are
//! skipped. Other Ion (timestamps, clobs, s-expressions, long strings) is refused with a message.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};

use crate::services::dynamodb::{
    number::Number,
    value::{AttributeValue, Item},
};

const MAX_DEPTH: usize = 64;

pub fn items(text: &str) -> Result<Vec<Item>, String> {
    let mut r = Reader { s: text.as_bytes(), at: 0 };
    let mut out = Vec::new();
    loop {
        r.skip_ws()?;
        if r.at >= r.s.len() {
            return Ok(out);
        }
        if r.s[r.at..].starts_with(b"$ion_1_0") {
            r.at += 8;
            continue;
        }
        let v = r.value(0)?;
        let AttributeValue::M(mut top) = v else {
            return Err(r.error("expected a struct {Item:{...}}"));
        };
        match top.shift_remove("Item") {
            Some(AttributeValue::M(item)) => out.push(item),
            _ if top.contains_key("NewImage") || top.contains_key("Keys") => {
                return Err("incremental export records (NewImage/OldImage) are not supported by the sandbox's Athena; query a full export".into())
            }
            _ => return Err(r.error("expected {Item:{...}}")),
        }
    }
}

struct Reader<'a> {
    s: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> String {
        let line = self.s[..self.at.min(self.s.len())].iter().filter(|b| **b == b'\n').count() + 1;
        format!("Ion line {line}: {what}")
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_ws(&mut self) -> Result<(), String> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) => self.at += 1,
                Some(b'/') if self.s.get(self.at + 1) == Some(&b'/') => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.at += 1;
                    }
                }
                Some(b'/') if self.s.get(self.at + 1) == Some(&b'*') => {
                    let end = self.s[self.at + 2..].windows(2).position(|w| w == b"*/").ok_or_else(|| self.error("unterminated comment"))?;
                    self.at += end + 4;
                }
                _ => return Ok(()),
            }
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        self.skip_ws()?;
        if self.peek() == Some(b) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", b as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<AttributeValue, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_ws()?;
        // Annotations: `name::value`.
        let mut annotation = None;
        loop {
            let save = self.at;
            if let Some(sym) = self.symbol_opt()? {
                self.skip_ws()?;
                if self.s[self.at..].starts_with(b"::") {
                    self.at += 2;
                    self.skip_ws()?;
                    annotation = Some(sym);
                    continue;
                }
            }
            self.at = save;
            break;
        }
        let v = self.bare(depth)?;
        match annotation.as_deref() {
            None => Ok(v),
            Some(set @ ("$dynamodb_SS" | "$dynamodb_NS" | "$dynamodb_BS")) => {
                let AttributeValue::L(items) = v else { return Err(self.error("a set annotation must annotate a list")) };
                match set {
                    "$dynamodb_SS" => items
                        .into_iter()
                        .map(|v| if let AttributeValue::S(s) = v { Ok(s) } else { Err(self.error("SS holds strings")) })
                        .collect::<Result<_, _>>()
                        .map(AttributeValue::Ss),
                    "$dynamodb_NS" => items
                        .into_iter()
                        .map(|v| if let AttributeValue::N(n) = v { Ok(n) } else { Err(self.error("NS holds numbers")) })
                        .collect::<Result<_, _>>()
                        .map(AttributeValue::Ns),
                    _ => items
                        .into_iter()
                        .map(|v| if let AttributeValue::B(b) = v { Ok(b) } else { Err(self.error("BS holds blobs")) })
                        .collect::<Result<_, _>>()
                        .map(AttributeValue::Bs),
                }
            }
            Some(other) => Err(self.error(&format!("unknown annotation {other}"))),
        }
    }

    fn bare(&mut self, depth: usize) -> Result<AttributeValue, String> {
        match self.peek() {
            Some(b'{') if self.s.get(self.at + 1) == Some(&b'{') => {
                self.at += 2;
                let end = self.s[self.at..].windows(2).position(|w| w == b"}}").ok_or_else(|| self.error("unterminated blob"))?;
                let text: String = self.s[self.at..self.at + end].iter().filter(|b| !b.is_ascii_whitespace()).map(|b| *b as char).collect();
                self.at += end + 2;
                if text.starts_with('"') {
                    return Err(self.error("clobs are not supported"));
                }
                B64.decode(text.as_bytes()).map(AttributeValue::B).map_err(|_| self.error("invalid base64 in blob"))
            }
            Some(b'{') => {
                self.at += 1;
                let mut m = Item::default();
                loop {
                    self.skip_ws()?;
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                        return Ok(AttributeValue::M(m));
                    }
                    let name = match self.peek() {
                        Some(b'"') => self.string()?,
                        _ => self.symbol_opt()?.ok_or_else(|| self.error("expected a field name"))?,
                    };
                    self.expect(b':')?;
                    let v = self.value(depth + 1)?;
                    m.insert(name, v);
                    self.skip_ws()?;
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {}
                        _ => return Err(self.error("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut l = Vec::new();
                loop {
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        self.at += 1;
                        return Ok(AttributeValue::L(l));
                    }
                    l.push(self.value(depth + 1)?);
                    self.skip_ws()?;
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {}
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => self.string().map(AttributeValue::S),
            Some(b'-' | b'+' | b'0'..=b'9') => self.number(),
            _ => {
                let word = self.symbol_opt()?.ok_or_else(|| self.error("expected a value"))?;
                match word.as_str() {
                    "true" => Ok(AttributeValue::Bool(true)),
                    "false" => Ok(AttributeValue::Bool(false)),
                    "null" => {
                        // Typed nulls: null.string, null.int, ...
                        if self.peek() == Some(b'.') {
                            self.at += 1;
                            self.symbol_opt()?;
                        }
                        Ok(AttributeValue::Null)
                    }
                    other => Err(self.error(&format!("unexpected symbol {other} (only the value types DynamoDB exports are read)"))),
                }
            }
        }
    }

    /// An identifier symbol (`abc`, `$dynamodb_SS`) or a quoted one (`'a b'`).
    fn symbol_opt(&mut self) -> Result<Option<String>, String> {
        match self.peek() {
            Some(b'\'') => {
                self.at += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek() {
                        None | Some(b'\n') => return Err(self.error("unterminated symbol")),
                        Some(b'\'') => {
                            self.at += 1;
                            break;
                        }
                        Some(b'\\') => out.extend(self.escape()?),
                        Some(b) => {
                            out.push(b);
                            self.at += 1;
                        }
                    }
                }
                String::from_utf8(out).map(Some).map_err(|_| self.error("invalid UTF-8"))
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                let start = self.at;
                while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$') {
                    self.at += 1;
                }
                Ok(Some(String::from_utf8_lossy(&self.s[start..self.at]).into_owned()))
            }
            _ => Ok(None),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        if self.s[self.at..].starts_with(b"'''") {
            return Err(self.error("long strings are not supported"));
        }
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => out.extend(self.escape()?),
                Some(b) => {
                    out.push(b);
                    self.at += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8 in a string"))
    }

    /// One escape after a backslash, as UTF-8 bytes.
    fn escape(&mut self) -> Result<Vec<u8>, String> {
        self.at += 1;
        let c = self.peek().ok_or_else(|| self.error("unterminated escape"))?;
        self.at += 1;
        let simple = match c {
            b'n' => Some('\n'),
            b't' => Some('\t'),
            b'r' => Some('\r'),
            b'0' => Some('\0'),
            b'a' => Some('\u{7}'),
            b'b' => Some('\u{8}'),
            b'v' => Some('\u{b}'),
            b'f' => Some('\u{c}'),
            b'"' | b'\'' | b'\\' | b'/' | b'?' => Some(c as char),
            _ => None,
        };
        if let Some(ch) = simple {
            return Ok(ch.to_string().into_bytes());
        }
        let digits = match c {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => return Err(self.error("unknown escape")),
        };
        let hex = self.s.get(self.at..self.at + digits).ok_or_else(|| self.error("truncated escape"))?;
        self.at += digits;
        let code = u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("x"), 16).map_err(|_| self.error("invalid escape"))?;
        let ch = char::from_u32(code).ok_or_else(|| self.error("invalid code point"))?;
        Ok(ch.to_string().into_bytes())
    }

    fn number(&mut self) -> Result<AttributeValue, String> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_')) {
            self.at += 1;
        }
        let raw = String::from_utf8_lossy(&self.s[start..self.at]).replace('_', "");
        if raw.contains('T') || (raw.matches('-').count() > 1 && !raw.contains(['e', 'E', 'd', 'D'])) {
            return Err(self.error("timestamps are not supported"));
        }
        // Ion decimals write their exponent with d (`15d-1`); floats with e.
        let text = raw.replace(['d', 'D'], "E");
        let text = text.strip_prefix('+').unwrap_or(&text).to_string();
        if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            let v = i128::from_str_radix(hex, 16).map_err(|_| self.error("invalid hex int"))?;
            return Number::parse(&v.to_string()).map(AttributeValue::N).map_err(|e| self.error(e.message()));
        }
        Number::parse(&text).map(AttributeValue::N).map_err(|e| self.error(&format!("{raw}: {}", e.message())))
    }
}
