//! Intrinsic functions: the `States.X(args)` expressions a `.$` field may hold (JSONPath states
//! only), per <https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html>.
//!
//! Arguments are string literals in single quotes (`\'`, `\{`, `\}` and `\\` escape those
//! characters), numbers, `true`/`false`/`null`, paths (`$.x`, `$$.Execution.Id`) and nested calls,
//! at most 10 calls deep. The 18 functions check their arguments as AWS documents them; a bad
//! argument at run time is `States.IntrinsicFailure`, a path argument that selects nothing is
//! `States.Runtime`. `States.UUID` and `States.MathRandom` draw from an injected source of random
//! `u64`s (the engine's seeded generator), so runs replay.

use base64::Engine as _;
use serde_json::{Number, Value};

use super::{compact, hash, path::Path, Failure};

/// The 18 intrinsic functions.
pub const FUNCTIONS: [&str; 18] = [
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// Calls nest at most this deep in one field.
pub const MAX_NESTING: usize = 10;
/// Base64Encode/Base64Decode/Hash take at most this many characters.
pub const MAX_STRING_CHARS: usize = 10_000;
/// ArrayRange makes at most this many items.
pub const MAX_RANGE_ITEMS: i64 = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A string literal: its value, and the (ascending) byte offsets of the `{`/`}` in it that
    /// were escaped (for Format).
    Str {
        value: String,
        literal_braces: Vec<usize>,
    },
    Num(Number),
    Bool(bool),
    Null,
    Path(Path),
    Call(Box<Call>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Arg>,
    text: String,
}

/// A field value is an intrinsic call when it starts with `States.`.
pub fn looks_like_call(text: &str) -> bool {
    text.starts_with("States.")
}

/// Parses an intrinsic call; the error says why it is not a valid one.
pub fn parse(text: &str) -> Result<Call, String> {
    let mut p = Parser { s: text.as_bytes(), text, i: 0 };
    let call = p.call(1)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("Unexpected characters after the closing parenthesis in '{text}'"));
    }
    Ok(call)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth > MAX_NESTING {
            return Err(format!("Intrinsic functions nest at most {MAX_NESTING} deep"));
        }
        let start = self.i;
        while matches!(self.s.get(self.i), Some(c) if c.is_ascii_alphanumeric() || *c == b'.') {
            self.i += 1;
        }
        let name = &self.text[start..self.i];
        if !FUNCTIONS.contains(&name) {
            return Err(format!("The intrinsic function '{name}' is not supported"));
        }
        self.ws();
        if self.s.get(self.i) != Some(&b'(') {
            return Err(format!("Expected '(' after {name}"));
        }
        self.i += 1;
        let mut args = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b')') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                args.push(self.arg(depth)?);
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(format!("Expected ',' or ')' in the arguments of {name}")),
                }
            }
        }
        Ok(Call { name: name.to_string(), args, text: self.text[start..self.i].to_string() })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, String> {
        match self.s.get(self.i) {
            Some(b'\'') => self.string(),
            Some(b'$') => {
                // A path runs to the next ',' or ')' outside brackets and quotes.
                let start = self.i;
                let (mut bracket, mut quote) = (0usize, None::<u8>);
                while let Some(&c) = self.s.get(self.i) {
                    match (quote, c) {
                        (Some(_), b'\\') => self.i += 1,
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => {}
                        (None, b'\'' | b'"') => quote = Some(c),
                        (None, b'[' | b'(') => bracket += 1,
                        (None, b']') => bracket = bracket.saturating_sub(1),
                        (None, b')') if bracket > 0 => bracket -= 1,
                        (None, b',' | b')') if bracket == 0 => break,
                        _ => {}
                    }
                    self.i += 1;
                }
                let end = self.i.min(self.s.len());
                let text = self.text.get(start..end).ok_or("Invalid path argument")?.trim_end();
                Path::parse(text).map(Arg::Path).map_err(|e| format!("Invalid path argument '{text}': {e}"))
            }
            Some(b'S') => Ok(Arg::Call(Box::new(self.call(depth + 1)?))),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while matches!(self.s.get(self.i), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')) {
                    self.i += 1;
                }
                let text = &self.text[start..self.i];
                match serde_json::from_str::<Value>(text) {
                    Ok(Value::Number(n)) => Ok(Arg::Num(n)),
                    _ => Err(format!("Invalid number '{text}'")),
                }
            }
            _ => {
                for (word, arg) in [("true", Arg::Bool(true)), ("false", Arg::Bool(false)), ("null", Arg::Null)] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(arg);
                    }
                }
                Err(format!("Invalid argument at position {} in '{}'", self.i, self.text))
            }
        }
    }

    fn string(&mut self) -> Result<Arg, String> {
        self.i += 1;
        let mut value = String::new();
        let mut literal_braces = Vec::new();
        loop {
            let Some(c) = self.text[self.i..].chars().next() else {
                return Err("Unterminated string literal".to_string());
            };
            self.i += c.len_utf8();
            match c {
                '\'' => return Ok(Arg::Str { value, literal_braces }),
                '\\' => {
                    let Some(e) = self.text[self.i..].chars().next() else {
                        return Err("Unterminated escape in a string literal".to_string());
                    };
                    self.i += e.len_utf8();
                    match e {
                        '\'' | '\\' => value.push(e),
                        '{' | '}' => {
                            literal_braces.push(value.len());
                            value.push(e);
                        }
                        _ => return Err(format!("Invalid escape '\\{e}' in a string literal: only \\', \\{{, \\}} and \\\\ are escapes")),
                    }
                }
                c => value.push(c),
            }
        }
    }
}

/// What an evaluation reads: the effective input (`$`), the context object (`$$`), the field
/// being built (for messages) and the source of randomness.
pub struct Env<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub field: &'a str,
    pub random: &'a mut dyn FnMut() -> u64,
}

enum Val<'a> {
    Str { value: &'a str, literal_braces: &'a [usize] },
    Json(Value),
}

impl Val<'_> {
    fn json(self) -> Value {
        match self {
            Val::Str { value, .. } => Value::String(value.to_string()),
            Val::Json(v) => v,
        }
    }
}

impl Call {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn eval(&self, env: &mut Env) -> Result<Value, Failure> {
        let mut args = Vec::with_capacity(self.args.len());
        for a in &self.args {
            args.push(match a {
                Arg::Str { value, literal_braces } => Val::Str { value, literal_braces },
                Arg::Num(n) => Val::Json(Value::Number(n.clone())),
                Arg::Bool(b) => Val::Json(Value::Bool(*b)),
                Arg::Null => Val::Json(Value::Null),
                Arg::Path(p) => Val::Json(p.select(env.input, env.context).map_err(|_| {
                    Failure::runtime(format!(
                        "The JsonPath argument for the field '{}' could not be found in the input '{}'",
                        env.field,
                        compact(match p.root() {
                            super::path::Root::Input => env.input,
                            super::path::Root::Context => env.context,
                        })
                    ))
                })?),
                Arg::Call(c) => Val::Json(c.eval(env)?),
            });
        }
        self.apply(args, env).map_err(|e| Failure::intrinsic(format!("Invalid arguments in {}: {e}", self.name)))
    }

    fn arity(&self, n: usize, got: usize) -> Result<(), String> {
        if n != got {
            return Err(format!("{} takes {n} argument{}, got {got}", self.name, if n == 1 { "" } else { "s" }));
        }
        Ok(())
    }

    fn apply(&self, args: Vec<Val<'_>>, env: &mut Env) -> Result<Value, String> {
        let n = args.len();
        match self.name.as_str() {
            "States.Format" => {
                let mut it = args.into_iter();
                let (template, literal): (std::borrow::Cow<str>, &[usize]) = match it.next() {
                    Some(Val::Str { value, literal_braces }) => (value.into(), literal_braces),
                    Some(Val::Json(Value::String(s))) => (s.into(), &[]),
                    _ => return Err("the first argument must be a string template".into()),
                };
                let rest: Vec<Value> = it.map(Val::json).collect();
                let mut out = String::with_capacity(template.len() + 16);
                let mut used = 0;
                let mut k = 0;
                let b = template.as_bytes();
                while k < b.len() {
                    if b[k] == b'{' && b.get(k + 1) == Some(&b'}') && literal.binary_search(&k).is_err() && literal.binary_search(&(k + 1)).is_err() {
                        let v = rest.get(used).ok_or("the number of arguments does not match the number of placeholders {}")?;
                        match v {
                            Value::String(s) => out.push_str(s),
                            Value::Number(_) | Value::Bool(_) | Value::Null => out.push_str(&v.to_string()),
                            _ => return Err("the arguments may only be strings, numbers, booleans or null".into()),
                        }
                        used += 1;
                        k += 2;
                    } else {
                        let c = template[k..].chars().next().unwrap_or(' ');
                        out.push(c);
                        k += c.len_utf8();
                    }
                }
                if used != rest.len() {
                    return Err("the number of arguments does not match the number of placeholders {}".into());
                }
                Ok(Value::String(out))
            }
            "States.StringToJson" => {
                self.arity(1, n)?;
                let s = string(args, 0)?;
                serde_json::from_str(&s).map_err(|_| format!("the argument is not valid JSON text: '{s}'"))
            }
            "States.JsonToString" => {
                self.arity(1, n)?;
                Ok(Value::String(compact(&first(args))))
            }
            "States.Array" => Ok(Value::Array(args.into_iter().map(Val::json).collect())),
            "States.ArrayPartition" => {
                self.arity(2, n)?;
                let (a, size) = array_and_int(args)?;
                if size <= 0 {
                    return Err("the chunk size must be a positive integer".into());
                }
                Ok(Value::Array(a.chunks(usize::try_from(size).unwrap_or(usize::MAX)).map(|c| Value::Array(c.to_vec())).collect()))
            }
            "States.ArrayContains" => {
                self.arity(2, n)?;
                let mut it = args.into_iter().map(Val::json);
                let (Some(Value::Array(a)), Some(v)) = (it.next(), it.next()) else {
                    return Err("the first argument must be an array".into());
                };
                Ok(Value::Bool(a.iter().any(|x| json_eq(x, &v))))
            }
            "States.ArrayRange" => {
                self.arity(3, n)?;
                let v: Vec<Value> = args.into_iter().map(Val::json).collect();
                let (Some(start), Some(end), Some(step)) = (int(&v[0]), int(&v[1]), int(&v[2])) else {
                    return Err("the start, end and step must be integers".into());
                };
                if step == 0 {
                    return Err("the step must not be 0".into());
                }
                let count = if (step > 0 && start > end) || (step < 0 && start < end) { 0 } else { (end as i128 - start as i128) / step as i128 + 1 };
                if count > MAX_RANGE_ITEMS as i128 {
                    return Err(format!("the range would have more than {MAX_RANGE_ITEMS} items"));
                }
                Ok(Value::Array((0..count as i64).map(|k| Value::from(start + k * step)).collect()))
            }
            "States.ArrayGetItem" => {
                self.arity(2, n)?;
                let (a, i) = array_and_int(args)?;
                if i < 0 || i as u64 >= a.len() as u64 {
                    return Err(format!("the index {i} is out of bounds for an array of length {}", a.len()));
                }
                Ok(a[i as usize].clone())
            }
            "States.ArrayLength" => {
                self.arity(1, n)?;
                match first(args) {
                    Value::Array(a) => Ok(Value::from(a.len())),
                    _ => Err("the argument must be an array".into()),
                }
            }
            "States.ArrayUnique" => {
                self.arity(1, n)?;
                let Value::Array(a) = first(args) else { return Err("the argument must be an array".into()) };
                let mut out: Vec<Value> = Vec::with_capacity(a.len());
                for v in a {
                    if !out.iter().any(|x| json_eq(x, &v)) {
                        out.push(v);
                    }
                }
                Ok(Value::Array(out))
            }
            "States.Base64Encode" => {
                self.arity(1, n)?;
                let s = limited(string(args, 0)?)?;
                Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(s.as_bytes())))
            }
            "States.Base64Decode" => {
                self.arity(1, n)?;
                let s = limited(string(args, 0)?)?;
                let bytes = base64::engine::general_purpose::STANDARD.decode(s.as_bytes()).map_err(|_| "the argument is not valid base64".to_string())?;
                String::from_utf8(bytes).map(Value::String).map_err(|_| "the decoded data is not UTF-8 text".into())
            }
            "States.Hash" => {
                self.arity(2, n)?;
                let v: Vec<Value> = args.into_iter().map(Val::json).collect();
                let (Value::String(data), Value::String(alg)) = (&v[0], &v[1]) else {
                    return Err("the data and the algorithm must be strings".into());
                };
                if data.chars().count() > MAX_STRING_CHARS {
                    return Err(format!("the data must be at most {MAX_STRING_CHARS} characters"));
                }
                hash::hex_digest(alg, data.as_bytes())
                    .map(Value::String)
                    .ok_or_else(|| format!("the algorithm '{alg}' is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"))
            }
            "States.JsonMerge" => {
                self.arity(3, n)?;
                let mut it = args.into_iter().map(Val::json);
                let (Some(Value::Object(mut a)), Some(Value::Object(b)), Some(deep)) = (it.next(), it.next(), it.next()) else {
                    return Err("the first two arguments must be JSON objects".into());
                };
                match deep {
                    Value::Bool(false) => {}
                    Value::Bool(true) => return Err("only a shallow merge is supported: the third argument must be false".into()),
                    _ => return Err("the third argument must be a boolean".into()),
                }
                for (k, v) in b {
                    a.insert(k, v);
                }
                Ok(Value::Object(a))
            }
            "States.MathRandom" => {
                if !(2..=3).contains(&n) {
                    return Err(format!("States.MathRandom takes 2 or 3 arguments, got {n}"));
                }
                let v: Vec<Value> = args.into_iter().map(Val::json).collect();
                let (Some(start), Some(end)) = (int(&v[0]), int(&v[1])) else {
                    return Err("the start and end must be integers".into());
                };
                if start >= end {
                    return Err("the start must be less than the end".into());
                }
                let r = match v.get(2) {
                    None => (env.random)(),
                    Some(s) => {
                        let seed = int(s).ok_or("the seed must be an integer")?;
                        splitmix(seed as u64)
                    }
                };
                let span = (end as i128 - start as i128) as u128;
                Ok(Value::from((start as i128 + (r as u128 % span) as i128) as i64))
            }
            "States.MathAdd" => {
                self.arity(2, n)?;
                let v: Vec<Value> = args.into_iter().map(Val::json).collect();
                let in_range = |x: &Value| int(x).filter(|x| i32::try_from(*x).is_ok());
                let (Some(a), Some(b)) = (in_range(&v[0]), in_range(&v[1])) else {
                    return Err("the arguments must be integers between -2147483648 and 2147483647".into());
                };
                Ok(Value::from(a + b))
            }
            "States.StringSplit" => {
                self.arity(2, n)?;
                let v: Vec<Value> = args.into_iter().map(Val::json).collect();
                let (Value::String(s), Value::String(d)) = (&v[0], &v[1]) else {
                    return Err("the string and the delimiter must be strings".into());
                };
                Ok(Value::Array(s.split(|c| d.contains(c)).filter(|p| !p.is_empty()).map(|p| Value::String(p.to_string())).collect()))
            }
            "States.UUID" => {
                self.arity(0, n)?;
                Ok(Value::String(uuid_v4((env.random)(), (env.random)())))
            }
            other => Err(format!("the intrinsic function '{other}' is not supported")),
        }
    }
}

fn first(args: Vec<Val<'_>>) -> Value {
    args.into_iter().next().map(Val::json).unwrap_or(Value::Null)
}

fn string(args: Vec<Val<'_>>, k: usize) -> Result<String, String> {
    match args.into_iter().nth(k).map(Val::json) {
        Some(Value::String(s)) => Ok(s),
        _ => Err("the argument must be a string".into()),
    }
}

fn limited(s: String) -> Result<String, String> {
    if s.chars().count() > MAX_STRING_CHARS {
        return Err(format!("the argument must be at most {MAX_STRING_CHARS} characters"));
    }
    Ok(s)
}

fn array_and_int(args: Vec<Val<'_>>) -> Result<(Vec<Value>, i64), String> {
    let mut it = args.into_iter().map(Val::json);
    let (Some(Value::Array(a)), Some(i)) = (it.next(), it.next()) else {
        return Err("the first argument must be an array".into());
    };
    let i = int(&i).ok_or("the second argument must be an integer")?;
    Ok((a, i))
}

/// An integral JSON number (`3` or `3.0`).
fn int(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w))),
        _ => a == b,
    }
}

/// A seeded MathRandom: the same seed gives the same number.
pub(super) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
    z ^ (z >> 31)
}

/// A version 4 (random) UUID from 128 random bits.
pub fn uuid_v4(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48, lo & 0xFFFF_FFFF_FFFF)
}
