//! JSONata's function library (the part Step Functions users rely on) and Step Functions' own
//! additions: `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid`, `$parse`. `$eval` is
//! refused, as Step Functions refuses it; `$now`/`$millis` read the virtual clock and `$random`,
//! `$shuffle`, `$uuid` the engine's random numbers.
//!
//! A function called with fewer arguments than it needs takes the context as its first (`Name.$uppercase()`).

use std::rc::Rc;

use super::{eval::Ev, Error, Flags, V};

type R<'a> = Result<Option<V<'a>>, Error>;

/// The library's names.
pub const NAMES: &[&str] = &[
    "string",
    "number",
    "boolean",
    "not",
    "exists",
    "count",
    "sum",
    "max",
    "min",
    "average",
    "length",
    "substring",
    "substringBefore",
    "substringAfter",
    "uppercase",
    "lowercase",
    "trim",
    "pad",
    "contains",
    "split",
    "join",
    "replace",
    "match",
    "keys",
    "lookup",
    "merge",
    "each",
    "sift",
    "spread",
    "append",
    "reverse",
    "sort",
    "distinct",
    "map",
    "filter",
    "reduce",
    "single",
    "zip",
    "shuffle",
    "round",
    "floor",
    "ceil",
    "abs",
    "power",
    "sqrt",
    "random",
    "now",
    "millis",
    "fromMillis",
    "toMillis",
    "formatNumber",
    "formatBase",
    "type",
    "assert",
    "error",
    "base64encode",
    "base64decode",
    "partition",
    "range",
    "hash",
    "uuid",
    "parse",
    "eval",
];

pub fn builtin<'a>(name: &str) -> Option<V<'a>> {
    NAMES.iter().find(|n| **n == name).map(|n| V::Builtin(n))
}

/// Functions that take the context as their first argument when called with fewer than this many.
fn context_arity(name: &str) -> usize {
    match name {
        "string" | "number" | "boolean" | "not" | "length" | "uppercase" | "lowercase" | "trim" | "keys" | "spread" | "abs" | "floor" | "ceil" | "sqrt" | "round"
        | "base64encode" | "base64decode" | "toMillis" | "fromMillis" | "parse" => 1,
        "substring" | "substringBefore" | "substringAfter" | "pad" | "contains" | "split" | "lookup" | "power" | "formatNumber" | "formatBase" | "match" => 2,
        "replace" => 3,
        _ => 0,
    }
}

pub fn truthy(v: Option<&V>) -> bool {
    match v {
        None | Some(V::Null) => false,
        Some(V::Bool(b)) => *b,
        Some(V::Num(n)) => *n != 0.0,
        Some(V::Str(s)) => !s.is_empty(),
        Some(V::Arr(a, _)) => match a.len() {
            0 => false,
            1 => truthy(Some(&a[0])),
            _ => a.iter().any(|x| truthy(Some(x))),
        },
        Some(V::Obj(m)) => !m.is_empty(),
        Some(_) => false,
    }
}

pub fn deep_equal(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Null, V::Null) => true,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Num(x), V::Num(y)) => x == y,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Arr(x, _), V::Arr(y, _)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q)),
        (V::Obj(x), V::Obj(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w))),
        _ => false,
    }
}

/// A number as JavaScript prints it (15 significant digits, as `$string` does).
pub fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{}", n as i128);
    }
    let r: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    format!("{r}")
}

/// `$string`'s text: strings as they are, functions as "", the rest as JSON.
pub fn stringify(v: &V) -> Result<String, Error> {
    Ok(match v {
        V::Str(s) => s.to_string(),
        V::Num(n) if !n.is_finite() => return Err(Error::new("D3001", "Attempting to invoke string function on Infinity or NaN", 0)),
        V::Num(n) => js_number(*n),
        x if x.is_function() => String::new(),
        other => json_text(other, false)?,
    })
}

fn json_text(v: &V, pretty: bool) -> Result<String, Error> {
    let j = round15(v.to_json()?);
    Ok(if pretty { serde_json::to_string_pretty(&j).unwrap_or_default() } else { serde_json::to_string(&j).unwrap_or_default() })
}

fn round15(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(0.0);
            let r: f64 = format!("{x:.14e}").parse().unwrap_or(x);
            super::num_json(r).unwrap_or(Value::Null)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(round15).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, round15(v))).collect()),
        other => other,
    }
}

/// A value in an error message.
pub fn describe(v: &V) -> String {
    match v {
        x if x.is_function() => "a function".to_string(),
        other => json_text(other, false).unwrap_or_default(),
    }
}

fn bad(name: &str, i: usize) -> Error {
    Error::new("T0410", format!("Argument {} of function \"{name}\" does not match function signature", i + 1), 0)
}

fn items<'a>(v: Option<V<'a>>) -> Vec<V<'a>> {
    match v {
        None => Vec::new(),
        Some(V::Arr(a, _)) => a.as_ref().clone(),
        Some(other) => vec![other],
    }
}

fn arr<'a>(items: Vec<V<'a>>) -> V<'a> {
    V::Arr(Rc::new(items), Flags::default())
}

fn s<'a>(text: impl AsRef<str>) -> Option<V<'a>> {
    Some(V::Str(Rc::from(text.as_ref())))
}

fn n<'a>(x: f64) -> R<'a> {
    if !x.is_finite() {
        return Err(Error::new("D1001", format!("Number out of range: {x}"), 0));
    }
    Ok(Some(V::Num(x)))
}

struct Args<'a> {
    name: &'static str,
    v: Vec<Option<V<'a>>>,
}

impl<'a> Args<'a> {
    fn get(&self, i: usize) -> Option<&V<'a>> {
        self.v.get(i).and_then(Option::as_ref)
    }
    fn take(&mut self, i: usize) -> Option<V<'a>> {
        self.v.get_mut(i).and_then(Option::take)
    }
    fn str(&self, i: usize) -> Result<Option<Rc<str>>, Error> {
        match self.get(i) {
            None => Ok(None),
            Some(V::Str(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(self.name, i)),
        }
    }
    fn num(&self, i: usize) -> Result<Option<f64>, Error> {
        match self.get(i) {
            None => Ok(None),
            Some(V::Num(x)) => Ok(Some(*x)),
            Some(_) => Err(bad(self.name, i)),
        }
    }
    fn int(&self, i: usize) -> Result<Option<i64>, Error> {
        Ok(self.num(i)?.map(|x| x.trunc() as i64))
    }
    fn func(&self, i: usize) -> Result<V<'a>, Error> {
        match self.get(i) {
            Some(f) if f.is_function() => Ok(f.clone()),
            _ => Err(bad(self.name, i)),
        }
    }
    fn numbers(&self, i: usize) -> Result<Option<Vec<f64>>, Error> {
        match self.get(i) {
            None => Ok(None),
            Some(V::Num(x)) => Ok(Some(vec![*x])),
            Some(V::Arr(a, _)) => a.iter().map(|v| if let V::Num(x) = v { Ok(*x) } else { Err(bad(self.name, i)) }).collect::<Result<Vec<_>, _>>().map(Some),
            Some(_) => Err(bad(self.name, i)),
        }
    }
}

/// The number of parameters a function value declares (for `$map`'s index and array arguments).
fn arity(f: &V) -> usize {
    match f {
        V::Lambda(l) => l.params.len(),
        V::Partial(p) => p.1.iter().filter(|x| x.is_none()).count(),
        _ => 1,
    }
}

fn callback_args<'a>(f: &V<'a>, v: V<'a>, i: usize, all: &Rc<Vec<V<'a>>>) -> Vec<Option<V<'a>>> {
    let mut a = vec![Some(v)];
    let k = arity(f);
    if k >= 2 {
        a.push(Some(V::Num(i as f64)));
    }
    if k >= 3 {
        a.push(Some(V::Arr(all.clone(), Flags::default())));
    }
    a
}

fn random_unit(r: u64) -> f64 {
    (r >> 11) as f64 / (1u64 << 53) as f64
}

fn chars_of(s: &str) -> Vec<char> {
    s.chars().collect()
}

pub fn call<'a>(ev: &mut Ev<'_, '_, 'a>, name: &'static str, mut args: Vec<Option<V<'a>>>, ctx: &Option<V<'a>>) -> R<'a> {
    if args.len() < context_arity(name) {
        args.insert(0, ctx.clone());
    }
    let mut a = Args { name, v: args };
    let nargs = a.v.len();
    match name {
        "string" => {
            let pretty = match a.get(1) {
                None => false,
                Some(V::Bool(b)) => *b,
                Some(_) => return Err(bad(name, 1)),
            };
            match a.get(0) {
                None => Ok(None),
                Some(V::Str(x)) => Ok(Some(V::Str(x.clone()))),
                Some(v) if pretty && !v.is_function() => Ok(s(json_text(v, true)?)),
                Some(v) => Ok(s(stringify(v)?)),
            }
        }
        "number" => match a.get(0) {
            None => Ok(None),
            Some(V::Num(x)) => Ok(Some(V::Num(*x))),
            Some(V::Bool(b)) => Ok(Some(V::Num(if *b { 1.0 } else { 0.0 }))),
            Some(V::Str(t)) => {
                let t = t.trim();
                let parsed = if let Some(h) = t.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).ok().map(|x| x as f64)
                } else if let Some(o) = t.strip_prefix("0o") {
                    i64::from_str_radix(o, 8).ok().map(|x| x as f64)
                } else if let Some(b) = t.strip_prefix("0b") {
                    i64::from_str_radix(b, 2).ok().map(|x| x as f64)
                } else {
                    serde_json::from_str::<serde_json::Value>(t).ok().and_then(|v| if v.is_number() { v.as_f64() } else { None })
                };
                match parsed {
                    Some(x) if x.is_finite() => Ok(Some(V::Num(x))),
                    _ => Err(Error::new("D3030", format!("Unable to cast value to a number: \"{t}\""), 0)),
                }
            }
            Some(v) => Err(Error::new("D3030", format!("Unable to cast value to a number: {}", describe(v)), 0)),
        },
        "boolean" => Ok(a.get(0).map(|v| V::Bool(truthy(Some(v))))),
        "not" => Ok(a.get(0).map(|v| V::Bool(!truthy(Some(v))))),
        "exists" => {
            if nargs != 1 {
                return Err(Error::new("T0410", "Argument 2 of function \"exists\" does not match function signature", 0));
            }
            Ok(Some(V::Bool(a.get(0).is_some())))
        }
        "count" => Ok(Some(V::Num(items(a.take(0)).len() as f64))),
        "sum" => match a.numbers(0)? {
            None => Ok(None),
            Some(xs) => n(xs.iter().sum()),
        },
        "max" | "min" | "average" => {
            let Some(xs) = a.numbers(0)? else { return Ok(None) };
            if xs.is_empty() {
                return Ok(None);
            }
            let x = match name {
                "max" => xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                "min" => xs.iter().cloned().fold(f64::INFINITY, f64::min),
                _ => xs.iter().sum::<f64>() / xs.len() as f64,
            };
            n(x)
        }
        "length" => match a.str(0)? {
            None => Ok(None),
            Some(t) => Ok(Some(V::Num(t.chars().count() as f64))),
        },
        "substring" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            let Some(start) = a.num(1)? else { return Err(bad(name, 1)) };
            let c = chars_of(&t);
            let len = c.len() as i64;
            let mut st = start.trunc() as i64;
            if st < 0 {
                st = len.saturating_add(st).max(0);
            }
            let st = st.min(len);
            let end = match a.num(2)? {
                None => len,
                Some(l) if l <= 0.0 => st,
                Some(l) => st.saturating_add(l.trunc() as i64).min(len),
            };
            Ok(s(c[st as usize..end as usize].iter().collect::<String>()))
        }
        "substringBefore" | "substringAfter" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            let Some(sep) = a.str(1)? else { return Err(bad(name, 1)) };
            Ok(s(match t.find(&*sep) {
                None => t.to_string(),
                Some(i) if name == "substringBefore" => t[..i].to_string(),
                Some(i) => t[i + sep.len()..].to_string(),
            }))
        }
        "uppercase" => Ok(a.str(0)?.and_then(|t| s(t.to_uppercase()))),
        "lowercase" => Ok(a.str(0)?.and_then(|t| s(t.to_lowercase()))),
        "trim" => Ok(a.str(0)?.and_then(|t| s(t.split([' ', '\t', '\n', '\r']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")))),
        "pad" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            let Some(width) = a.int(1)? else { return Err(bad(name, 1)) };
            let fill = a.str(2)?.filter(|f| !f.is_empty()).unwrap_or_else(|| Rc::from(" "));
            let have = t.chars().count() as i64;
            let need = (width.unsigned_abs().min(u32::MAX as u64) as i64 - have).max(0) as usize;
            if need > 1_000_000 {
                return Err(Error::new("D3100", "The padding is too long", 0));
            }
            let padding: String = fill.chars().cycle().take(need).collect();
            Ok(s(if width < 0 { format!("{padding}{t}") } else { format!("{t}{padding}") }))
        }
        "contains" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            match a.get(1) {
                Some(V::Str(p)) => Ok(Some(V::Bool(t.contains(&**p)))),
                Some(V::Regex(_, p)) => {
                    let re = crate::vtl::regex::Regex::new(&format!("[\\s\\S]*(?:{p})[\\s\\S]*")).map_err(|e| Error::new("D1004", e.message, 0))?;
                    Ok(Some(V::Bool(re.full_match(&t).map_err(|e| Error::new("D1004", e.message, 0))?)))
                }
                _ => Err(bad(name, 1)),
            }
        }
        "split" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            let limit = match a.num(2)? {
                None => usize::MAX,
                Some(l) if l < 0.0 => return Err(Error::new("D3020", "Third argument of split function must evaluate to a positive number", 0)),
                Some(l) => l as usize,
            };
            let parts: Vec<String> = match a.get(1) {
                Some(V::Str(sep)) if sep.is_empty() => t.chars().map(String::from).collect(),
                Some(V::Str(sep)) => t.split(&**sep).map(str::to_string).collect(),
                Some(V::Regex(re, _)) => re.split(&t, -1).map_err(|e| Error::new("D1004", e.message, 0))?,
                _ => return Err(bad(name, 1)),
            };
            Ok(Some(arr(parts.into_iter().take(limit).map(|p| V::Str(Rc::from(p.as_str()))).collect())))
        }
        "join" => {
            let list = items(a.take(0));
            if a.v.is_empty() || (list.is_empty() && a.get(0).is_none() && nargs == 0) {
                return Ok(None);
            }
            let sep = a.str(1)?.map(|x| x.to_string()).unwrap_or_default();
            let mut parts = Vec::with_capacity(list.len());
            for v in &list {
                match v {
                    V::Str(x) => parts.push(x.to_string()),
                    _ => return Err(bad(name, 0)),
                }
            }
            Ok(s(parts.join(&sep)))
        }
        "replace" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            let rep = match a.get(2) {
                Some(V::Str(r)) => r.clone(),
                Some(f) if f.is_function() => return Err(Error::new("D3012", "A function as the replacement of $replace is not simulated in this sandbox", 0)),
                _ => return Err(bad(name, 2)),
            };
            let limit = match a.num(3)? {
                None => None,
                Some(l) if l < 0.0 => return Err(Error::new("D3011", "Fourth argument of replace function must evaluate to a positive number", 0)),
                Some(l) => Some(l as usize),
            };
            match a.get(1) {
                Some(V::Str(p)) if p.is_empty() => Err(Error::new("D3010", "Second argument of replace function cannot be an empty string", 0)),
                Some(V::Str(p)) => Ok(s(match limit {
                    None => t.replace(&**p, &rep),
                    Some(l) => t.replacen(&**p, &rep, l),
                })),
                Some(V::Regex(re, _)) => {
                    let all = match limit {
                        None => true,
                        Some(0) => return Ok(Some(V::Str(t))),
                        Some(1) => false,
                        Some(_) => return Err(Error::new("D3011", "A regular expression replacement limit other than 1 is not simulated in this sandbox", 0)),
                    };
                    Ok(s(re.replace(&t, &rep, all).map_err(|e| Error::new("D1004", e.message, 0))?))
                }
                _ => Err(bad(name, 1)),
            }
        }
        "match" => Err(Error::new("D3012", "The $match function is not simulated in this sandbox", 0)),
        "keys" => {
            let mut out: Vec<String> = Vec::new();
            let mut add = |m: &indexmap::IndexMap<String, V>| {
                for k in m.keys() {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                }
            };
            match a.get(0) {
                None => return Ok(None),
                Some(V::Obj(m)) => add(m),
                Some(V::Arr(xs, _)) => {
                    for x in xs.iter() {
                        if let V::Obj(m) = x {
                            add(m);
                        }
                    }
                }
                Some(_) => {}
            }
            Ok(Some(V::seq(out.into_iter().map(|k| V::Str(Rc::from(k.as_str()))).collect())))
        }
        "lookup" => {
            let Some(k) = a.str(1)? else { return Err(bad(name, 1)) };
            Ok(super::eval::lookup(a.get(0), &k))
        }
        "merge" => {
            let list = items(a.take(0));
            if list.is_empty() && nargs == 0 {
                return Ok(None);
            }
            let mut out = indexmap::IndexMap::new();
            for v in list {
                match v {
                    V::Obj(m) => {
                        for (k, x) in m.iter() {
                            out.insert(k.clone(), x.clone());
                        }
                    }
                    _ => return Err(bad(name, 0)),
                }
            }
            Ok(Some(V::Obj(Rc::new(out))))
        }
        "each" | "sift" => {
            let Some(V::Obj(m)) = a.get(0).cloned() else {
                return if a.get(0).is_none() { Ok(None) } else { Err(bad(name, 0)) };
            };
            let f = a.func(1)?;
            let k = arity(&f);
            let mut list = Vec::new();
            let mut kept = indexmap::IndexMap::new();
            for (key, v) in m.iter() {
                let mut cargs = vec![Some(v.clone())];
                if k >= 2 {
                    cargs.push(s(key));
                }
                if k >= 3 {
                    cargs.push(Some(V::Obj(m.clone())));
                }
                let r = ev.apply(&f, cargs, ctx)?;
                if name == "each" {
                    list.extend(r);
                } else if truthy(r.as_ref()) {
                    kept.insert(key.clone(), v.clone());
                }
            }
            if name == "each" {
                Ok(Some(V::seq(list)))
            } else if kept.is_empty() {
                Ok(None)
            } else {
                Ok(Some(V::Obj(Rc::new(kept))))
            }
        }
        "spread" => {
            fn one<'a>(out: &mut Vec<V<'a>>, m: &indexmap::IndexMap<String, V<'a>>) {
                for (k, v) in m.iter() {
                    let mut o = indexmap::IndexMap::new();
                    o.insert(k.clone(), v.clone());
                    out.push(V::Obj(Rc::new(o)));
                }
            }
            let mut out = Vec::new();
            match a.take(0) {
                None => return Ok(None),
                Some(V::Obj(m)) => one(&mut out, &m),
                Some(V::Arr(xs, _)) => {
                    for x in xs.iter() {
                        match x {
                            V::Obj(m) => one(&mut out, m),
                            other => out.push(other.clone()),
                        }
                    }
                }
                Some(other) => return Ok(Some(other)),
            }
            Ok(Some(V::seq(out)))
        }
        "append" => {
            let (x, y) = (a.take(0), a.take(1));
            match (x, y) {
                (None, y) => Ok(y),
                (x, None) => Ok(x),
                (x, y) => {
                    let mut out = items(x);
                    out.extend(items(y));
                    Ok(Some(arr(out)))
                }
            }
        }
        "reverse" => match a.take(0) {
            None => Ok(None),
            v => {
                let mut out = items(v);
                out.reverse();
                Ok(Some(arr(out)))
            }
        },
        "sort" => {
            let Some(v) = a.take(0) else { return Ok(None) };
            let list = items(Some(v));
            match a.get(1).cloned() {
                None => {
                    let all_num = list.iter().all(|x| matches!(x, V::Num(_)));
                    let all_str = list.iter().all(|x| matches!(x, V::Str(_)));
                    if !all_num && !all_str {
                        return Err(Error::new("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function", 0));
                    }
                    let mut out = list;
                    out.sort_by(|x, y| match (x, y) {
                        (V::Num(p), V::Num(q)) => p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal),
                        (V::Str(p), V::Str(q)) => p.cmp(q),
                        _ => std::cmp::Ordering::Equal,
                    });
                    Ok(Some(arr(out)))
                }
                Some(f) if f.is_function() => {
                    // A stable merge sort; f(a, b) true means a goes after b.
                    let out = merge_sort(ev, list, &f, ctx)?;
                    Ok(Some(arr(out)))
                }
                Some(_) => Err(bad(name, 1)),
            }
        }
        "distinct" => {
            let Some(v) = a.take(0) else { return Ok(None) };
            if !matches!(v, V::Arr(..)) {
                return Ok(Some(v));
            }
            let mut out: Vec<V> = Vec::new();
            for x in items(Some(v)) {
                ev.tick(out.len() as u64)?;
                if !out.iter().any(|y| deep_equal(&x, y)) {
                    out.push(x);
                }
            }
            Ok(Some(arr(out)))
        }
        "map" | "filter" => {
            let Some(v) = a.take(0) else { return Ok(None) };
            let list = Rc::new(items(Some(v)));
            let f = a.func(1)?;
            let mut out = Vec::new();
            for (i, x) in list.iter().enumerate() {
                let r = ev.apply(&f, callback_args(&f, x.clone(), i, &list), ctx)?;
                if name == "map" {
                    out.extend(r);
                } else if truthy(r.as_ref()) {
                    out.push(x.clone());
                }
            }
            Ok(Some(V::seq(out)))
        }
        "reduce" => {
            let Some(v) = a.take(0) else { return Ok(None) };
            let list = Rc::new(items(Some(v)));
            let f = a.func(1)?;
            if arity(&f) < 2 {
                return Err(Error::new("D3050", "The second argument of reduce function must be a function with at least two arguments", 0));
            }
            let mut it = 0;
            let mut acc = match a.take(2) {
                Some(init) => Some(init),
                None => {
                    it = 1;
                    list.first().cloned()
                }
            };
            while it < list.len() {
                let mut cargs = vec![acc, Some(list[it].clone())];
                if arity(&f) >= 3 {
                    cargs.push(Some(V::Num(it as f64)));
                }
                if arity(&f) >= 4 {
                    cargs.push(Some(V::Arr(list.clone(), Flags::default())));
                }
                acc = ev.apply(&f, cargs, ctx)?;
                it += 1;
            }
            Ok(acc)
        }
        "single" => {
            let Some(v) = a.take(0) else { return Ok(None) };
            let list = Rc::new(items(Some(v)));
            let f = a.get(1).cloned();
            let mut found = None;
            for (i, x) in list.iter().enumerate() {
                let hit = match &f {
                    None => true,
                    Some(f) => truthy(ev.apply(f, callback_args(f, x.clone(), i, &list), ctx)?.as_ref()),
                };
                if hit {
                    if found.is_some() {
                        return Err(Error::new("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more.", 0));
                    }
                    found = Some(x.clone());
                }
            }
            match found {
                Some(x) => Ok(Some(x)),
                None => Err(Error::new("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.", 0)),
            }
        }
        "zip" => {
            let lists: Vec<Vec<V>> = a.v.into_iter().map(items).collect();
            let len = lists.iter().map(Vec::len).min().unwrap_or(0);
            Ok(Some(arr((0..len).map(|i| arr(lists.iter().map(|l| l[i].clone()).collect())).collect())))
        }
        "shuffle" => {
            let Some(v) = a.take(0) else { return Ok(None) };
            let mut out = items(Some(v));
            for i in (1..out.len()).rev() {
                let j = ((ev.host.random)() % (i as u64 + 1)) as usize;
                out.swap(i, j);
            }
            Ok(Some(arr(out)))
        }
        "round" => {
            let Some(x) = a.num(0)? else { return Ok(None) };
            let p = a.int(1)?.unwrap_or(0).clamp(-300, 300) as i32;
            let scaled = x * 10f64.powi(p);
            let r = scaled.round();
            // Half to even.
            let r = if (scaled - scaled.trunc()).abs() == 0.5 && r % 2.0 != 0.0 { r - scaled.signum() } else { r };
            n(r / 10f64.powi(p))
        }
        "floor" => Ok(a.num(0)?.map(|x| V::Num(x.floor()))),
        "ceil" => Ok(a.num(0)?.map(|x| V::Num(x.ceil()))),
        "abs" => Ok(a.num(0)?.map(|x| V::Num(x.abs()))),
        "power" => {
            let Some(x) = a.num(0)? else { return Ok(None) };
            let Some(e) = a.num(1)? else { return Err(bad(name, 1)) };
            let r = x.powf(e);
            if !r.is_finite() {
                return Err(Error::new(
                    "D3061",
                    format!("The power function has resulted in a value that cannot be represented as a JSON number: base={}, exponent={}", js_number(x), js_number(e)),
                    0,
                ));
            }
            Ok(Some(V::Num(r)))
        }
        "sqrt" => match a.num(0)? {
            None => Ok(None),
            Some(x) if x < 0.0 => Err(Error::new("D3060", format!("The sqrt function cannot be applied to a negative number: {}", js_number(x)), 0)),
            Some(x) => Ok(Some(V::Num(x.sqrt()))),
        },
        "random" => {
            // Step Functions: an optional integer seed gives a repeatable number.
            let r = match a.get(0) {
                None => (ev.host.random)(),
                Some(V::Num(seed)) => super::super::intrinsic::splitmix(*seed as i64 as u64),
                Some(_) => return Err(bad(name, 0)),
            };
            Ok(Some(V::Num(random_unit(r))))
        }
        "now" | "millis" => {
            if nargs > 0 {
                return Err(Error::new("D3133", format!("${name}() with a picture or timezone is not simulated in this sandbox"), 0));
            }
            let ms = ev.host.now_ms;
            Ok(Some(if name == "now" { V::Str(Rc::from(crate::kernel::time::iso8601(ms).as_str())) } else { V::Num(ms as f64) }))
        }
        "fromMillis" => {
            let Some(ms) = a.num(0)? else { return Ok(None) };
            if nargs > 1 {
                return Err(Error::new("D3133", "$fromMillis() with a picture or timezone is not simulated in this sandbox", 0));
            }
            Ok(s(crate::kernel::time::iso8601(ms.floor() as i64)))
        }
        "toMillis" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            if nargs > 1 {
                return Err(Error::new("D3133", "$toMillis() with a picture is not simulated in this sandbox", 0));
            }
            match super::super::choice::timestamp(&t) {
                Some(ns) => Ok(Some(V::Num((ns / 1_000_000) as f64))),
                None => Err(Error::new("D3110", format!("Failed to parse date/time: {t}"), 0)),
            }
        }
        "formatNumber" => {
            let Some(x) = a.num(0)? else { return Ok(None) };
            let Some(pic) = a.str(1)? else { return Err(bad(name, 1)) };
            if a.get(2).is_some() {
                return Err(Error::new("D3133", "$formatNumber() with options is not simulated in this sandbox", 0));
            }
            format_number(x, &pic).map(|t| s(t))
        }
        "formatBase" => {
            let Some(x) = a.num(0)? else { return Ok(None) };
            let radix = a.int(1)?.unwrap_or(10);
            if !(2..=36).contains(&radix) {
                return Err(Error::new("D3100", format!("The radix of the formatBase function must be between 2 and 36.  It was given {radix}"), 0));
            }
            let v = x.round() as i64;
            let mut m = v.unsigned_abs();
            let mut digits = Vec::new();
            loop {
                digits.push(std::char::from_digit((m % radix as u64) as u32, radix as u32).unwrap_or('0'));
                m /= radix as u64;
                if m == 0 {
                    break;
                }
            }
            if v < 0 {
                digits.push('-');
            }
            Ok(s(digits.into_iter().rev().collect::<String>()))
        }
        "type" => Ok(a.get(0).map(|v| {
            V::str(match v {
                V::Null => "null",
                V::Bool(_) => "boolean",
                V::Num(_) => "number",
                V::Str(_) => "string",
                V::Arr(..) => "array",
                V::Obj(_) => "object",
                _ => "function",
            })
        })),
        "assert" => {
            let cond = match a.get(0) {
                Some(V::Bool(b)) => *b,
                _ => return Err(Error::new("T0410", "Argument 1 of function \"assert\" does not match function signature", 0)),
            };
            if !cond {
                let msg = a.str(1)?.map(|m| m.to_string()).unwrap_or_else(|| "$assert() statement failed".to_string());
                return Err(Error::new("D3141", msg, 0));
            }
            Ok(None)
        }
        "error" => {
            let msg = a.str(0)?.map(|m| m.to_string()).unwrap_or_else(|| "$error() function evaluated".to_string());
            Err(Error::new("D3137", msg, 0))
        }
        "base64encode" => {
            use base64::Engine;
            Ok(a.str(0)?.and_then(|t| s(base64::engine::general_purpose::STANDARD.encode(t.as_bytes()))))
        }
        "base64decode" => {
            use base64::Engine;
            let Some(t) = a.str(0)? else { return Ok(None) };
            let bytes = base64::engine::general_purpose::STANDARD.decode(t.as_bytes()).map_err(|_| Error::new("D3137", "The string is not valid base64", 0))?;
            Ok(s(String::from_utf8_lossy(&bytes)))
        }
        "partition" => {
            let list = match a.get(0) {
                Some(V::Arr(x, _)) => x.clone(),
                _ => return Err(bad(name, 0)),
            };
            let size = match a.num(1)? {
                Some(k) if k >= 1.0 && k.fract() == 0.0 => k as usize,
                _ => return Err(Error::new("D3137", "The chunk size of $partition must be a positive integer", 0)),
            };
            Ok(Some(arr(list.chunks(size).map(|c| arr(c.to_vec())).collect())))
        }
        "range" => {
            let (Some(start), Some(end)) = (a.num(0)?, a.num(1)?) else { return Err(bad(name, 0)) };
            let step = a.num(2)?.unwrap_or(1.0);
            if [start, end, step].iter().any(|x| x.fract() != 0.0) || step == 0.0 {
                return Err(Error::new("D3137", "The arguments of $range must be integers, and the step must not be 0", 0));
            }
            let count = ((end - start) / step).floor() + 1.0;
            if count > 1000.0 {
                return Err(Error::new("D3137", "The $range function can produce at most 1000 items", 0));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x <= end) || (step < 0.0 && x >= end) {
                out.push(V::Num(x));
                x += step;
            }
            Ok(Some(arr(out)))
        }
        "hash" => {
            let Some(t) = a.str(0)? else { return Err(bad(name, 0)) };
            let Some(alg) = a.str(1)? else { return Err(bad(name, 1)) };
            match super::super::hash::hex_digest(&alg, t.as_bytes()) {
                Some(h) => Ok(s(h)),
                None => Err(Error::new("D3137", format!("The hash algorithm '{alg}' is not supported: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"), 0)),
            }
        }
        "uuid" => {
            let (hi, lo) = ((ev.host.random)(), (ev.host.random)());
            Ok(s(super::super::intrinsic::uuid_v4(hi, lo)))
        }
        "parse" => {
            let Some(t) = a.str(0)? else { return Ok(None) };
            match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(v) => Ok(Some(V::from_json(&v))),
                Err(e) => Err(Error::new("D3137", format!("The string is not valid JSON: {e}"), 0)),
            }
        }
        "eval" => Err(Error::new("D3137", "The $eval function is not supported in Step Functions: use $parse", 0)),
        _ => Err(Error::new("T1006", format!("Attempted to invoke a non-function: ${name}"), 0)),
    }
}

fn merge_sort<'a>(ev: &mut Ev<'_, '_, 'a>, list: Vec<V<'a>>, f: &V<'a>, ctx: &Option<V<'a>>) -> Result<Vec<V<'a>>, Error> {
    if list.len() <= 1 {
        return Ok(list);
    }
    let mut left = list;
    let right = left.split_off(left.len() / 2);
    let left = merge_sort(ev, left, f, ctx)?;
    let right = merge_sort(ev, right, f, ctx)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        let swap = ev.apply(f, vec![Some(left[i].clone()), Some(right[j].clone())], ctx)?;
        if truthy(swap.as_ref()) {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

/// `$formatNumber` for the common XPath pictures: `#` and `0` digits, a `,` grouping
/// separator, a `.` decimal separator, an optional `%` or `‰`, and literal prefix/suffix text.
fn format_number(x: f64, pic: &str) -> Result<String, Error> {
    let is_pic = |c: char| c == '#' || c == '0' || c == ',' || c == '.' || c.is_ascii_digit();
    let start = pic.find(is_pic).unwrap_or(pic.len());
    let end = pic.rfind(is_pic).map(|i| i + 1).unwrap_or(start);
    let (prefix, body, suffix) = (&pic[..start], &pic[start..end], &pic[end..]);
    if body.is_empty() || body.matches('.').count() > 1 {
        return Err(Error::new("D3080", format!("The picture string '{pic}' is not supported"), 0));
    }
    let mut v = x;
    if suffix.contains('%') {
        v *= 100.0;
    } else if suffix.contains('‰') {
        v *= 1000.0;
    }
    let (int_pic, frac_pic) = body.split_once('.').unwrap_or((body, ""));
    let min_int = int_pic.chars().filter(|c| c.is_ascii_digit()).count();
    let group = int_pic.rfind(',').map(|i| int_pic[i + 1..].len());
    let min_frac = frac_pic.chars().filter(|c| c.is_ascii_digit()).count();
    let max_frac = frac_pic.chars().filter(|c| *c == '#' || c.is_ascii_digit()).count();
    let text = format!("{:.*}", max_frac, v.abs());
    let (ip, fp) = text.split_once('.').unwrap_or((&text, ""));
    let mut fp = fp.to_string();
    while fp.len() > min_frac && fp.ends_with('0') {
        fp.pop();
    }
    let mut ip = ip.trim_start_matches('0').to_string();
    while ip.len() < min_int.max(if fp.is_empty() { 1 } else { 0 }) {
        ip.insert(0, '0');
    }
    if let Some(g) = group.filter(|g| *g > 0) {
        let digits: Vec<char> = ip.chars().collect();
        let mut out = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i) % g == 0 {
                out.push(',');
            }
            out.push(*c);
        }
        ip = out;
    }
    let sign = if v < 0.0 && (ip.chars().any(|c| c != '0' && c != ',') || fp.chars().any(|c| c != '0')) { "-" } else { "" };
    let num = if fp.is_empty() { ip } else { format!("{ip}.{fp}") };
    Ok(format!("{sign}{prefix}{num}{suffix}"))
}
