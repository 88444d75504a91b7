//! The file formats of DynamoDB's S3 exports and imports: DynamoDB JSON lines (`{"Item":{...}}`),
//! Amazon Ion text (`$ion_1_0 {Item:{...}}`, sets as `$dynamodb_SS::[...]` lists), CSV (RFC 4180
//! records, a header line or a HeaderList), and gzip around any of them.
//!
//! Readers work on a text and a byte offset, one record at a time, so an import can stop after
//! a chunk and carry on from the offset in its next step. Every failure is a message, never a
//! panic: the files are the user's.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::Value;

use super::super::{
    number::Number,
    value::{item_from_json, AttributeValue, Item, MAX_DEPTH},
};

// ---------------------------------------------------------------- gzip

/// A gzip member (RFC 1952) around `data`: header, raw deflate, CRC-32 and length.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Everything in a gzip stream (every member, as `gzip -d` reads concatenated files), checked
/// against each member's CRC-32 and length.
pub fn gunzip(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut g = Gunzip::new(data.to_vec());
    while !g.advance(usize::MAX)? {}
    Ok(g.into_output())
}

/// The most one gzip object may decompress to (a bomb must not exhaust the tab's memory).
pub const MAX_INFLATED: usize = 512 << 20;

/// A gzip object inflated a slice at a time, so a host gets control back between slices (an
/// import inflates in steps of its own; see `import.rs`). Every member is read, as `gzip -d`
/// reads concatenated files, and checked against its CRC-32 and length.
pub struct Gunzip {
    data: Vec<u8>,
    /// Where the current member's deflate data continues in `data` (None between members).
    member: Option<Member>,
    /// Where the next member begins.
    at: usize,
    out: Vec<u8>,
    done: bool,
}

struct Member {
    state: Box<miniz_oxide::inflate::core::DecompressorOxide>,
    in_at: usize,
    /// Where this member's output begins in `out`.
    out_start: usize,
    /// CRC-32 of the member's output so far (checked slice by slice, not all at the end).
    crc: crc32fast::Hasher,
}

impl std::fmt::Debug for Gunzip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gunzip").field("compressed", &self.data.len()).field("inflated", &self.out.len()).field("done", &self.done).finish()
    }
}

impl Gunzip {
    pub fn new(data: Vec<u8>) -> Gunzip {
        Gunzip { data, member: None, at: 0, out: Vec::new(), done: false }
    }

    /// Inflates up to about `budget` more bytes of output. `Ok(true)` once every member has been
    /// read and checked.
    pub fn advance(&mut self, budget: usize) -> Result<bool, String> {
        use miniz_oxide::inflate::{
            core::{decompress, inflate_flags, DecompressorOxide},
            TINFLStatus,
        };
        let mut produced = 0usize;
        while !self.done && produced < budget {
            let Some(member) = self.member.as_mut() else {
                if self.at >= self.data.len() {
                    self.done = true;
                    break;
                }
                let header = member_header(&self.data[self.at..])?;
                self.member = Some(Member { state: Box::<DecompressorOxide>::default(), in_at: self.at + header, out_start: self.out.len(), crc: crc32fast::Hasher::new() });
                continue;
            };
            // The output buffer must hold the whole member (back-references point into it);
            // offering only `budget` more bytes of it is what bounds a slice.
            let room = (budget - produced).clamp(64 << 10, 8 << 20);
            let out_at = self.out.len();
            if out_at >= MAX_INFLATED {
                return Err(format!("The object decompresses to more than the sandbox's {} MiB per object.", MAX_INFLATED >> 20));
            }
            let limit = (out_at + room).min(MAX_INFLATED);
            self.out.resize(limit, 0);
            let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
            let (status, read, written) = decompress(&mut member.state, &self.data[member.in_at..], &mut self.out[member.out_start..limit], out_at - member.out_start, flags);
            member.in_at += read;
            self.out.truncate(out_at + written);
            member.crc.update(&self.out[out_at..]);
            produced += written;
            match status {
                TINFLStatus::HasMoreOutput => {}
                TINFLStatus::Done => {
                    let p = member.in_at;
                    let trailer = self.data.get(p..p + 8).ok_or("The gzip object ends unexpectedly.")?;
                    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
                    let len = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    let inflated = self.out.len() - member.out_start;
                    if crc != member.crc.clone().finalize() || len != inflated as u32 {
                        return Err("The gzip object is corrupt (CRC or length mismatch).".into());
                    }
                    self.member = None;
                    self.at = p + 8;
                    // Trailing zero padding after the last member is tolerated, as gzip does.
                    self.done = self.data[self.at..].iter().all(|&b| b == 0);
                }
                TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => return Err("The gzip object ends unexpectedly.".into()),
                _ => return Err("The gzip object is corrupt (invalid deflate data).".into()),
            }
        }
        Ok(self.done)
    }

    /// How much has been inflated so far.
    pub fn inflated(&self) -> usize {
        self.out.len()
    }

    pub fn into_output(self) -> Vec<u8> {
        self.out
    }
}

/// The length of a gzip member's header (RFC 1952 §2.3) at the start of `member`.
fn member_header(member: &[u8]) -> Result<usize, String> {
    if member.len() < 18 || member[0] != 0x1f || member[1] != 0x8b {
        return Err("The object is not in gzip format.".into());
    }
    if member[2] != 8 {
        return Err("The gzip object uses an unknown compression method.".into());
    }
    let flags = member[3];
    let mut p = 10;
    let need = |p: usize, n: usize| if p + n <= member.len() { Ok(()) } else { Err("The gzip object ends unexpectedly.".to_string()) };
    if flags & 4 != 0 {
        need(p, 2)?;
        let xlen = u16::from_le_bytes([member[p], member[p + 1]]) as usize;
        p += 2;
        need(p, xlen)?;
        p += xlen;
    }
    for flag in [8u8, 16] {
        if flags & flag != 0 {
            let end = member.get(p..).and_then(|m| m.iter().position(|&b| b == 0)).ok_or("The gzip object ends unexpectedly.")?;
            p += end + 1;
        }
    }
    if flags & 2 != 0 {
        need(p, 2)?;
        p += 2;
    }
    Ok(p)
}

// ---------------------------------------------------------------- records

/// The next record of `text` at or after `at`, and the offset after it; None at the end.
/// Blank lines are skipped (AWS ignores them: neither items nor errors).
pub fn next_line(text: &str, mut at: usize) -> Option<(&str, usize)> {
    loop {
        if at >= text.len() {
            return None;
        }
        let end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
        let line = text[at..end].trim_end_matches('\r');
        let next = (end + 1).min(text.len());
        if !line.trim().is_empty() {
            return Some((line, next));
        }
        at = next;
    }
}

// ---------------------------------------------------------------- DynamoDB JSON

/// A DYNAMODB_JSON line: `{"Item": {...}}`. Export lines carry no other member.
pub fn dynamodb_json_item(line: &str) -> Result<Item, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("Unexpected JSON: {e}"))?;
    let item = v.get("Item").ok_or("The line has no Item member: each line must be a DynamoDB JSON object {\"Item\": {...}}")?;
    item_from_json(item).map_err(|e| e.message)
}

// ---------------------------------------------------------------- CSV

/// Reads one CSV record (RFC 4180: quoted fields may hold the delimiter, `""` and newlines)
/// starting at `at`; returns its fields and the offset after it. Blank lines are skipped.
pub fn next_csv(text: &str, at: usize, delimiter: char) -> Result<Option<(Vec<String>, usize)>, String> {
    let mut at = at;
    // Skip blank lines.
    loop {
        if at >= text.len() {
            return Ok(None);
        }
        let end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
        if text[at..end].trim().is_empty() {
            at = (end + 1).min(text.len());
            continue;
        }
        break;
    }
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = text[at..].char_indices().peekable();
    let mut quoted = false;
    let mut field_started = false;
    while let Some((i, c)) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek().map(|&(_, n)| n) == Some('"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                quoted = true;
                field_started = true;
            }
            '\n' => {
                if field.ends_with('\r') {
                    field.pop();
                }
                fields.push(std::mem::take(&mut field));
                return Ok(Some((fields, at + i + 1)));
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                field_started = false;
            }
            c => {
                field.push(c);
                field_started = true;
            }
        }
    }
    if quoted {
        return Err("Unterminated quoted CSV field".into());
    }
    if field.ends_with('\r') {
        field.pop();
    }
    fields.push(field);
    Ok(Some((fields, text.len())))
}

// ---------------------------------------------------------------- Ion text

/// An item as one line of an ION export: `$ion_1_0 {Item:{...}}`.
pub fn ion_line(out: &mut String, wrapper: &[(&str, &Item)]) {
    out.push_str("$ion_1_0 {");
    for (i, (name, item)) in wrapper.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        ion_field_name(out, name);
        out.push(':');
        ion_struct(out, item);
    }
    out.push_str("}\n");
}

fn ion_struct(out: &mut String, item: &Item) {
    out.push('{');
    for (i, (k, v)) in item.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        ion_field_name(out, k);
        out.push(':');
        ion_value(out, v);
    }
    out.push('}');
}

const ION_KEYWORDS: &[&str] = &["null", "true", "false", "nan"];

fn ion_field_name(out: &mut String, name: &str) {
    let identifier = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !ION_KEYWORDS.contains(&name);
    if identifier {
        out.push_str(name);
    } else {
        ion_string(out, name);
    }
}

fn ion_string(out: &mut String, s: &str) {
    // JSON's escapes are valid Ion string escapes.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// A DynamoDB number as an Ion decimal: `103.`, `1.5` (never an Ion int or float).
fn ion_decimal(out: &mut String, n: &Number) {
    let s = n.to_string();
    out.push_str(&s);
    if !s.contains('.') {
        out.push('.');
    }
}

fn ion_blob(out: &mut String, b: &[u8]) {
    out.push_str("{{");
    out.push_str(&B64.encode(b));
    out.push_str("}}");
}

fn ion_value(out: &mut String, v: &AttributeValue) {
    match v {
        AttributeValue::S(s) => ion_string(out, s),
        AttributeValue::N(n) => ion_decimal(out, n),
        AttributeValue::B(b) => ion_blob(out, b),
        AttributeValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        AttributeValue::Null => out.push_str("null"),
        AttributeValue::L(l) => {
            out.push('[');
            for (i, v) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ion_value(out, v);
            }
            out.push(']');
        }
        AttributeValue::M(m) => ion_struct(out, m),
        AttributeValue::Ss(s) => {
            out.push_str("$dynamodb_SS::[");
            for (i, v) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ion_string(out, v);
            }
            out.push(']');
        }
        AttributeValue::Ns(s) => {
            out.push_str("$dynamodb_NS::[");
            for (i, v) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ion_decimal(out, v);
            }
            out.push(']');
        }
        AttributeValue::Bs(s) => {
            out.push_str("$dynamodb_BS::[");
            for (i, v) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ion_blob(out, v);
            }
            out.push(']');
        }
    }
}

/// An Ion value as the text reader sees it (the subset DynamoDB's exports and imports use).
#[derive(Debug, Clone, PartialEq)]
pub enum Ion {
    Null,
    Bool(bool),
    /// An int or decimal, as its text (`103.`, `6d2`, `-17`).
    Number(String),
    String(String),
    Symbol(String),
    Blob(Vec<u8>),
    List(Vec<Ion>, Option<String>),
    Struct(Vec<(String, Ion)>),
}

/// Reads Ion text one top-level value at a time (the version marker `$ion_1_0` is skipped).
pub struct IonReader<'a> {
    text: &'a str,
    pub at: usize,
}

impl<'a> IonReader<'a> {
    pub fn new(text: &'a str, at: usize) -> Self {
        IonReader { text, at }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) -> Result<(), String> {
        let b = self.bytes();
        loop {
            while self.at < b.len() && b[self.at].is_ascii_whitespace() {
                self.at += 1;
            }
            if b[self.at..].starts_with(b"//") {
                while self.at < b.len() && b[self.at] != b'\n' {
                    self.at += 1;
                }
            } else if b[self.at..].starts_with(b"/*") {
                let end = self.text[self.at + 2..].find("*/").ok_or("Unterminated Ion comment")?;
                self.at += 2 + end + 2;
            } else {
                return Ok(());
            }
        }
    }

    /// The next top-level value; None at the end of the text.
    pub fn next_value(&mut self) -> Result<Option<Ion>, String> {
        loop {
            self.skip_space()?;
            if self.at >= self.text.len() {
                return Ok(None);
            }
            if self.bytes()[self.at..].starts_with(b"$ion_1_0") {
                self.at += 8;
                continue;
            }
            return self.value(0).map(Some);
        }
    }

    fn error(&self, what: &str) -> String {
        format!("Invalid Ion text at byte {}: {what}", self.at)
    }

    fn value(&mut self, depth: usize) -> Result<Ion, String> {
        if depth > MAX_DEPTH + 2 {
            return Err(self.error("nesting too deep"));
        }
        self.skip_space()?;
        let b = self.bytes();
        let Some(&c) = b.get(self.at) else {
            return Err(self.error("unexpected end"));
        };
        match c {
            b'{' if b.get(self.at + 1) == Some(&b'{') => self.blob(),
            b'{' => self.structure(depth),
            b'[' => {
                let items = self.sequence(depth)?;
                Ok(Ion::List(items, None))
            }
            b'"' => Ok(Ion::String(self.short_string()?)),
            b'\'' if b[self.at..].starts_with(b"'''") => Ok(Ion::String(self.long_strings()?)),
            b'\'' => {
                let s = self.quoted_symbol()?;
                self.annotated(s, depth)
            }
            b'-' | b'+' | b'0'..=b'9' | b'.' => self.number(),
            _ if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let word = self.identifier();
                match word.as_str() {
                    "true" => Ok(Ion::Bool(true)),
                    "false" => Ok(Ion::Bool(false)),
                    "null" => {
                        // Typed nulls (null.string, ...) are nulls too.
                        if self.bytes().get(self.at) == Some(&b'.') {
                            self.at += 1;
                            self.identifier();
                        }
                        Ok(Ion::Null)
                    }
                    _ => self.annotated(word, depth),
                }
            }
            _ => Err(self.error(&format!("unexpected character '{}'", c as char))),
        }
    }

    /// A symbol, or the annotation of the value after `::`.
    fn annotated(&mut self, symbol: String, depth: usize) -> Result<Ion, String> {
        let save = self.at;
        self.skip_space()?;
        if self.bytes()[self.at..].starts_with(b"::") {
            self.at += 2;
            let v = self.value(depth + 1)?;
            return Ok(match v {
                Ion::List(items, _) => Ion::List(items, Some(symbol)),
                other => other,
            });
        }
        self.at = save;
        Ok(Ion::Symbol(symbol))
    }

    fn identifier(&mut self) -> String {
        let b = self.bytes();
        let start = self.at;
        while self.at < b.len() && (b[self.at].is_ascii_alphanumeric() || b[self.at] == b'_' || b[self.at] == b'$') {
            self.at += 1;
        }
        self.text[start..self.at].to_string()
    }

    fn number(&mut self) -> Result<Ion, String> {
        let b = self.bytes();
        let start = self.at;
        while self.at < b.len() && (b[self.at].is_ascii_alphanumeric() || matches!(b[self.at], b'.' | b'-' | b'+' | b'_')) {
            self.at += 1;
        }
        let raw = &self.text[start..self.at];
        if raw.contains(['e', 'E']) && !raw.starts_with("0x") {
            return Err(self.error(&format!("Ion float {raw} has no DynamoDB type (use a decimal)")));
        }
        Ok(Ion::Number(raw.to_string()))
    }

    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let b = self.bytes();
        let Some(&e) = b.get(self.at) else {
            return Err(self.error("unterminated escape"));
        };
        self.at += 1;
        let hex = |this: &mut Self, n: usize| -> Result<char, String> {
            let h = this.text.get(this.at..this.at + n).ok_or_else(|| this.error("bad escape"))?;
            let code = u32::from_str_radix(h, 16).map_err(|_| this.error("bad escape"))?;
            this.at += n;
            char::from_u32(code).ok_or_else(|| this.error("bad escape"))
        };
        let c = match e {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'v' => '\u{b}',
            b'"' => '"',
            b'\'' => '\'',
            b'/' => '/',
            b'?' => '?',
            b'\\' => '\\',
            b'x' => hex(self, 2)?,
            b'u' => {
                let first = hex(self, 4);
                match first {
                    Ok(c) => c,
                    Err(_) => {
                        // A UTF-16 surrogate pair, as JSON writes characters outside the BMP.
                        let h = self.text.get(self.at..self.at + 4).ok_or_else(|| self.error("bad escape"))?;
                        let hi = u32::from_str_radix(h, 16).map_err(|_| self.error("bad escape"))?;
                        self.at += 4;
                        if !self.bytes()[self.at..].starts_with(b"\\u") {
                            return Err(self.error("bad surrogate escape"));
                        }
                        self.at += 2;
                        let l = self.text.get(self.at..self.at + 4).ok_or_else(|| self.error("bad escape"))?;
                        let lo = u32::from_str_radix(l, 16).map_err(|_| self.error("bad escape"))?;
                        self.at += 4;
                        char::from_u32(0x10000 + ((hi.wrapping_sub(0xD800)) << 10) + lo.wrapping_sub(0xDC00)).ok_or_else(|| self.error("bad surrogate escape"))?
                    }
                }
            }
            b'U' => hex(self, 8)?,
            b'\n' => return Ok(()),
            _ => return Err(self.error("unknown escape")),
        };
        out.push(c);
        Ok(())
    }

    fn short_string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let stop = rest.find(['"', '\\']).ok_or_else(|| self.error("unterminated string"))?;
            out.push_str(&rest[..stop]);
            self.at += stop;
            if self.bytes()[self.at] == b'"' {
                self.at += 1;
                return Ok(out);
            }
            self.at += 1;
            self.escape(&mut out)?;
        }
    }

    fn long_strings(&mut self) -> Result<String, String> {
        let mut out = String::new();
        loop {
            self.at += 3;
            loop {
                let rest = &self.text[self.at..];
                let stop = rest.find(['\'', '\\']).ok_or_else(|| self.error("unterminated string"))?;
                out.push_str(&rest[..stop]);
                self.at += stop;
                if self.bytes()[self.at..].starts_with(b"'''") {
                    self.at += 3;
                    break;
                }
                if self.bytes()[self.at] == b'\\' {
                    self.at += 1;
                    self.escape(&mut out)?;
                } else {
                    out.push('\'');
                    self.at += 1;
                }
            }
            // Adjacent long strings concatenate.
            let save = self.at;
            self.skip_space()?;
            if !self.bytes()[self.at..].starts_with(b"'''") {
                self.at = save;
                return Ok(out);
            }
        }
    }

    fn quoted_symbol(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let stop = rest.find(['\'', '\\']).ok_or_else(|| self.error("unterminated symbol"))?;
            out.push_str(&rest[..stop]);
            self.at += stop;
            if self.bytes()[self.at] == b'\'' {
                self.at += 1;
                return Ok(out);
            }
            self.at += 1;
            self.escape(&mut out)?;
        }
    }

    fn blob(&mut self) -> Result<Ion, String> {
        let end = self.text[self.at..].find("}}").ok_or_else(|| self.error("unterminated blob"))?;
        let inner: String = self.text[self.at + 2..self.at + end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if inner.starts_with('"') || inner.starts_with('\'') {
            return Err(self.error("clobs have no DynamoDB type"));
        }
        self.at += end + 2;
        B64.decode(inner.as_bytes()).map(Ion::Blob).map_err(|_| self.error("invalid base64 in blob"))
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Ion>, String> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space()?;
            match self.bytes().get(self.at) {
                Some(b']') => {
                    self.at += 1;
                    return Ok(items);
                }
                None => return Err(self.error("unterminated list")),
                _ => {}
            }
            items.push(self.value(depth + 1)?);
            self.skip_space()?;
            match self.bytes().get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {}
                _ => return Err(self.error("expected ',' or ']' in list")),
            }
        }
    }

    fn structure(&mut self, depth: usize) -> Result<Ion, String> {
        self.at += 1;
        let mut fields = Vec::new();
        loop {
            self.skip_space()?;
            let b = self.bytes();
            let name = match b.get(self.at) {
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Ion::Struct(fields));
                }
                Some(b'"') => self.short_string()?,
                Some(b'\'') if b[self.at..].starts_with(b"'''") => self.long_strings()?,
                Some(b'\'') => self.quoted_symbol()?,
                Some(&c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => self.identifier(),
                _ => return Err(self.error("expected a field name")),
            };
            self.skip_space()?;
            if self.bytes().get(self.at) != Some(&b':') {
                return Err(self.error("expected ':' after a field name"));
            }
            self.at += 1;
            let v = self.value(depth + 1)?;
            fields.push((name, v));
            self.skip_space()?;
            match self.bytes().get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected ',' or '}' in struct")),
            }
        }
    }
}

/// An Ion decimal or int as a DynamoDB number: `103.` → 103, `6d2` → 600, `1.5d-3`.
fn ion_number(raw: &str) -> Result<Number, String> {
    let text = raw.replace('_', "");
    let text = text.replace(['d', 'D'], "E");
    let text = text.strip_suffix('.').map(str::to_string).unwrap_or(text);
    let text = text.replace(".E", "E");
    if text.starts_with("0x") || text.starts_with("-0x") || text.starts_with("0b") || text.starts_with("-0b") {
        let (neg, t) = text.strip_prefix('-').map(|t| (true, t)).unwrap_or((false, text.as_str()));
        let radix = if t.starts_with("0x") { 16 } else { 2 };
        let v = i128::from_str_radix(&t[2..], radix).map_err(|_| format!("Invalid Ion int {raw}"))?;
        return Number::parse(&format!("{}{v}", if neg { "-" } else { "" })).map_err(|_| format!("Invalid number {raw}"));
    }
    Number::parse(&text).map_err(|_| format!("The Ion number {raw} is not a valid DynamoDB number"))
}

/// An Ion value as a DynamoDB attribute value (the documented mapping).
pub fn ion_to_attribute(v: &Ion) -> Result<AttributeValue, String> {
    Ok(match v {
        Ion::Null => AttributeValue::Null,
        Ion::Bool(b) => AttributeValue::Bool(*b),
        Ion::Number(raw) => AttributeValue::N(ion_number(raw)?),
        Ion::String(s) => AttributeValue::S(s.clone()),
        Ion::Symbol(s) => return Err(format!("The Ion symbol {s} has no DynamoDB type")),
        Ion::Blob(b) => AttributeValue::B(b.clone()),
        Ion::Struct(fields) => AttributeValue::M(ion_struct_to_item(fields)?),
        Ion::List(items, annotation) => match annotation.as_deref() {
            None => AttributeValue::L(items.iter().map(ion_to_attribute).collect::<Result<_, _>>()?),
            Some("$dynamodb_SS") => AttributeValue::Ss(
                items
                    .iter()
                    .map(|i| match i {
                        Ion::String(s) => Ok(s.clone()),
                        _ => Err("A $dynamodb_SS set holds strings only".to_string()),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some("$dynamodb_NS") => AttributeValue::Ns(
                items
                    .iter()
                    .map(|i| match i {
                        Ion::Number(raw) => ion_number(raw),
                        _ => Err("A $dynamodb_NS set holds decimals only".to_string()),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some("$dynamodb_BS") => AttributeValue::Bs(
                items
                    .iter()
                    .map(|i| match i {
                        Ion::Blob(b) => Ok(b.clone()),
                        _ => Err("A $dynamodb_BS set holds blobs only".to_string()),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(other) => return Err(format!("Unknown Ion annotation {other}")),
        },
    })
}

fn ion_struct_to_item(fields: &[(String, Ion)]) -> Result<Item, String> {
    let mut item = Item::with_capacity_and_hasher(fields.len(), Default::default());
    for (k, v) in fields {
        item.insert(k.clone(), ion_to_attribute(v)?);
    }
    Ok(item)
}

/// A top-level ION import value: a struct with an `Item` struct.
pub fn ion_item(v: &Ion) -> Result<Item, String> {
    let Ion::Struct(fields) = v else {
        return Err("Each Ion value must be a struct {Item:{...}}".into());
    };
    let item = fields.iter().find(|(k, _)| k == "Item").map(|(_, v)| v).ok_or("The Ion value has no Item field: each value must be {Item:{...}}")?;
    match item {
        Ion::Struct(f) => ion_struct_to_item(f),
        _ => Err("The Item field must be an Ion struct".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::dynamodb::value::item_to_json;
    use serde_json::json;

    fn item(v: Value) -> Item {
        item_from_json(&v).unwrap()
    }

    #[test]
    fn gunzip_inflates_a_slice_at_a_time_across_members() {
        let a: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8 ^ (i / 7919) as u8).collect();
        let b = b"second member\n".repeat(100_000);
        let mut z = gzip(&a);
        z.extend(gzip(&b));
        let mut g = Gunzip::new(z.clone());
        let (mut slices, mut before) = (0, 0);
        while !g.advance(1 << 20).unwrap() {
            let grew = g.inflated() - before;
            assert!(grew <= 1 << 20, "a slice stays within its budget: {grew}");
            before = g.inflated();
            slices += 1;
        }
        assert!(slices >= 3, "{slices} slices");
        let mut whole = a.clone();
        whole.extend_from_slice(&b);
        assert_eq!(g.into_output(), whole);
        // A corrupt trailer is found when the member ends, slice by slice as at once.
        let mut bad = z.clone();
        let n = gzip(&a).len();
        bad[n - 5] ^= 1;
        let mut g = Gunzip::new(bad);
        let failed = loop {
            match g.advance(1 << 20) {
                Ok(true) => break None,
                Ok(false) => {}
                Err(e) => break Some(e),
            }
        };
        assert_eq!(failed.as_deref(), Some("The gzip object is corrupt (CRC or length mismatch)."));
        assert_eq!(gunzip(&[]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn gzip_round_trip_and_concatenated_members() {
        let data = b"hello, world\n".repeat(1000);
        let z = gzip(&data);
        assert!(z.len() < data.len() / 10);
        assert_eq!(gunzip(&z).unwrap(), data);
        let mut two = gzip(b"a\n");
        two.extend(gzip(b"b\n"));
        assert_eq!(gunzip(&two).unwrap(), b"a\nb\n");
        assert!(gunzip(b"not gzip at all, just text").is_err());
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 5] ^= 1;
        assert!(gunzip(&bad).is_err());
        assert!(gunzip(&z[..z.len() / 2]).is_err());
    }

    #[test]
    fn csv_records_with_quotes_delimiters_and_newlines() {
        let text = "a,b,c\r\n\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nlast,,\n";
        let (r1, at) = next_csv(text, 0, ',').unwrap().unwrap();
        assert_eq!(r1, ["a", "b", "c"]);
        let (r2, at) = next_csv(text, at, ',').unwrap().unwrap();
        assert_eq!(r2, ["x, y", "say \"hi\"", "two\nlines"]);
        let (r3, at) = next_csv(text, at, ',').unwrap().unwrap();
        assert_eq!(r3, ["last", "", ""]);
        assert!(next_csv(text, at, ',').unwrap().is_none());
        assert_eq!(next_csv("a|b", 0, '|').unwrap().unwrap().0, ["a", "b"]);
        assert!(next_csv("\"open", 0, ',').is_err());
    }

    #[test]
    fn ion_round_trip_of_every_type() {
        let original = item(json!({
            "p": {"S": "id-1"}, "n": {"N": "103"}, "f": {"N": "-17.5"}, "tiny": {"N": "1E-130"},
            "b": {"B": "AAH+/w=="}, "t": {"BOOL": true}, "z": {"NULL": true},
            "l": {"L": [{"S": "s"}, {"N": "1"}, {"L": []}, {"M": {}}]},
            "m": {"M": {"a b": {"S": "quote\" and \\ and \n and 日本"}, "null": {"S": "keyword name"}}},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQ=="]}
        }));
        let mut line = String::new();
        ion_line(&mut line, &[("Item", &original)]);
        assert!(line.starts_with("$ion_1_0 {Item:{p:\"id-1\",n:103.,f:-17.5,"), "{line}");
        assert!(line.contains("ss:$dynamodb_SS::[\"a\",\"b\"]"), "{line}");
        let mut r = IonReader::new(&line, 0);
        let v = r.next_value().unwrap().unwrap();
        assert_eq!(item_to_json(&ion_item(&v).unwrap()), item_to_json(&original));
        assert!(r.next_value().unwrap().is_none());
    }

    #[test]
    fn ion_reads_the_documented_example() {
        let text = "$ion_1_0 {\n Item:{\n Authors:$dynamodb_SS::[\"Author1\",\"Author2\"],\n Id:103.,\n InPublication:false,\n PageCount:6d2,\n Price:2d3,\n 'quoted name':'''long ''' '''string''',\n Blob:{{ aGk= }}, Nothing:null.string // comment\n }\n}\n";
        let v = IonReader::new(text, 0).next_value().unwrap().unwrap();
        let got = item_to_json(&ion_item(&v).unwrap());
        assert_eq!(got["PageCount"], json!({"N": "600"}));
        assert_eq!(got["Price"], json!({"N": "2000"}));
        assert_eq!(got["Id"], json!({"N": "103"}));
        assert_eq!(got["quoted name"], json!({"S": "long string"}));
        assert_eq!(got["Blob"], json!({"B": "aGk="}));
        assert_eq!(got["Nothing"], json!({"NULL": true}));
        assert_eq!(got["Authors"], json!({"SS": ["Author1", "Author2"]}));
        for bad in ["{Item:{a:1e5}}", "{Item:{a:", "{Item:{a:\"x}}", "[1,2]", "{Other:{}}", "{Item:{a:sym}}"] {
            let mut r = IonReader::new(bad, 0);
            let res = r.next_value().and_then(|v| v.ok_or_else(|| "none".to_string())).and_then(|v| ion_item(&v));
            assert!(res.is_err(), "{bad}");
        }
    }

    #[test]
    fn dynamodb_json_lines() {
        assert!(dynamodb_json_item(r#"{"Item":{"p":{"S":"x"}}}"#).is_ok());
        assert!(dynamodb_json_item(r#"{"NotAnItem":{}}"#).unwrap_err().contains("no Item member"));
        assert!(dynamodb_json_item(r#"{"Item": "#).is_err());
        assert!(dynamodb_json_item(r#"{"Item":{"p":{"Q":"x"}}}"#).is_err());
        let text = "\n{\"a\":1}\r\n   \n{\"b\":2}";
        let (l1, at) = next_line(text, 0).unwrap();
        assert_eq!(l1, "{\"a\":1}");
        let (l2, at) = next_line(text, at).unwrap();
        assert_eq!(l2, "{\"b\":2}");
        assert!(next_line(text, at).is_none());
    }
}
