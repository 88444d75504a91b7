//! SQL values over DynamoDB items: an attribute becomes a [`Datum`] (S → varchar, N → an exact
//! decimal, BOOL → boolean, NULL → SQL NULL, L and sets → array, M → row/map, B → varbinary), and
//! a datum is written back as the text Athena puts in `VarCharValue` and in its result CSV.

use std::cmp::Ordering;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};

use crate::services::dynamodb::{number::Number, value::AttributeValue};

#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Null,
    Bool(bool),
    /// An exact decimal (DynamoDB's Number): attribute values, literals, sums.
    Num(Number),
    /// A double: AVG, and arithmetic that is not exact addition or integer arithmetic.
    Double(f64),
    Str(String),
    Bin(Vec<u8>),
    Array(Vec<Datum>),
    /// A DynamoDB map: Athena reads it as a row (struct); fields in the item's order.
    Map(Vec<(String, Datum)>),
}

impl Datum {
    pub fn from_attribute(v: &AttributeValue) -> Datum {
        match v {
            AttributeValue::S(s) => Datum::Str(s.clone()),
            AttributeValue::N(n) => Datum::Num(n.clone()),
            AttributeValue::B(b) => Datum::Bin(b.clone()),
            AttributeValue::Bool(b) => Datum::Bool(*b),
            AttributeValue::Null => Datum::Null,
            AttributeValue::L(l) => Datum::Array(l.iter().map(Datum::from_attribute).collect()),
            AttributeValue::M(m) => Datum::Map(m.iter().map(|(k, v)| (k.clone(), Datum::from_attribute(v))).collect()),
            AttributeValue::Ss(s) => Datum::Array(s.iter().map(|s| Datum::Str(s.clone())).collect()),
            AttributeValue::Ns(s) => Datum::Array(s.iter().map(|n| Datum::Num(n.clone())).collect()),
            AttributeValue::Bs(s) => Datum::Array(s.iter().map(|b| Datum::Bin(b.clone())).collect()),
        }
    }

    /// The SQL type name Athena's engine uses in messages and in `ColumnInfo.Type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Datum::Null => "unknown",
            Datum::Bool(_) => "boolean",
            Datum::Num(n) if is_integral(n) => "bigint",
            Datum::Num(_) => "decimal",
            Datum::Double(_) => "double",
            Datum::Str(_) => "varchar",
            Datum::Bin(_) => "varbinary",
            Datum::Array(_) => "array",
            Datum::Map(_) => "row",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Datum::Null)
    }

    /// The text Athena returns for a value (`None` for NULL: Athena sends a `Data` entry without
    /// `VarCharValue`). Arrays as `[a, b]`, rows as `{name=value, ...}`, as Athena prints them.
    pub fn render(&self) -> Option<String> {
        let mut out = String::new();
        match self {
            Datum::Null => return None,
            _ => self.write(&mut out),
        }
        Some(out)
    }

    fn write(&self, out: &mut String) {
        match self {
            Datum::Null => out.push_str("null"),
            Datum::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Datum::Num(n) => out.push_str(&n.canonical()),
            Datum::Double(d) => out.push_str(&format_double(*d)),
            Datum::Str(s) => out.push_str(s),
            Datum::Bin(b) => out.push_str(&B64.encode(b)),
            Datum::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Datum::Map(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Datum::Num(n) => Some(n.to_f64()),
            Datum::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// A key that is equal for equal values (GROUP BY, DISTINCT, COUNT(DISTINCT)).
    pub fn group_key(&self, out: &mut String) {
        match self {
            Datum::Null => out.push('\u{0}'),
            Datum::Bool(b) => out.push_str(if *b { "b1" } else { "b0" }),
            // Numbers compare numerically across kinds: 1 (decimal) and 1.0 (double) group together.
            Datum::Num(n) => {
                out.push('n');
                out.push_str(&n.canonical());
            }
            Datum::Double(d) => match Number::parse(&format!("{d}")) {
                Ok(n) if d.is_finite() => {
                    out.push('n');
                    out.push_str(&n.canonical());
                }
                _ => {
                    out.push('d');
                    out.push_str(&format!("{d}"));
                }
            },
            Datum::Str(s) => {
                out.push('s');
                out.push_str(&s.len().to_string());
                out.push(':');
                out.push_str(s);
            }
            Datum::Bin(b) => {
                out.push('x');
                out.push_str(&B64.encode(b));
            }
            Datum::Array(items) => {
                out.push('[');
                for v in items {
                    v.group_key(out);
                    out.push(',');
                }
                out.push(']');
            }
            Datum::Map(fields) => {
                out.push('{');
                for (k, v) in fields {
                    out.push_str(&k.len().to_string());
                    out.push(':');
                    out.push_str(k);
                    v.group_key(out);
                    out.push(',');
                }
                out.push('}');
            }
        }
    }
}

pub fn is_integral(n: &Number) -> bool {
    let (_, digits, exp) = n.parts();
    exp >= digits.len() as i32 && exp <= 19
}

/// The value of an integral number as i128, when it is one that fits.
pub fn to_i128(n: &Number) -> Option<i128> {
    if !is_integral(n) {
        return None;
    }
    n.canonical().parse().ok()
}

/// Doubles as Trino prints them: `2.5`, `3.0`, `1.0E20`, `NaN`, `Infinity`.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let abs = d.abs();
    if abs != 0.0 && !(1e-3..1e7).contains(&abs) {
        let s = format!("{d:E}");
        // Rust writes 1E20 / 1.5E-7; Trino (Java) writes 1.0E20 / 1.5E-7.
        return match s.split_once('E') {
            Some((m, e)) if !m.contains('.') => format!("{m}.0E{e}"),
            _ => s,
        };
    }
    if d.fract() == 0.0 {
        format!("{d:.1}")
    } else {
        format!("{d}")
    }
}

/// SQL comparison of two non-null values: `Ok(None)` when they cannot be ordered but may be
/// tested for equality (arrays, rows), `Err((left type, right type))` when the types do not
/// compare at all.
pub fn compare(a: &Datum, b: &Datum) -> Result<Option<Ordering>, (&'static str, &'static str)> {
    match (a, b) {
        (Datum::Num(x), Datum::Num(y)) => Ok(Some(x.cmp(y))),
        (Datum::Num(_) | Datum::Double(_), Datum::Num(_) | Datum::Double(_)) => {
            let (x, y) = (a.as_f64().unwrap_or(f64::NAN), b.as_f64().unwrap_or(f64::NAN));
            Ok(x.partial_cmp(&y))
        }
        (Datum::Str(x), Datum::Str(y)) => Ok(Some(x.as_bytes().cmp(y.as_bytes()))),
        (Datum::Bool(x), Datum::Bool(y)) => Ok(Some(x.cmp(y))),
        (Datum::Bin(x), Datum::Bin(y)) => Ok(Some(x.cmp(y))),
        (Datum::Array(_), Datum::Array(_)) | (Datum::Map(_), Datum::Map(_)) => Ok(None),
        _ => Err((a.type_name(), b.type_name())),
    }
}

/// Equality of two non-null values (`None`: unknown, as SQL has it for nulls inside arrays).
pub fn equal(a: &Datum, b: &Datum) -> Result<Option<bool>, (&'static str, &'static str)> {
    match (a, b) {
        (Datum::Array(x), Datum::Array(y)) => {
            if x.len() != y.len() {
                return Ok(Some(false));
            }
            let mut unknown = false;
            for (p, q) in x.iter().zip(y) {
                if p.is_null() || q.is_null() {
                    unknown = true;
                    continue;
                }
                match equal(p, q)? {
                    Some(false) => return Ok(Some(false)),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            Ok(if unknown { None } else { Some(true) })
        }
        (Datum::Map(x), Datum::Map(y)) => {
            let mut kx = String::new();
            let mut ky = String::new();
            Datum::Map(x.clone()).group_key(&mut kx);
            Datum::Map(y.clone()).group_key(&mut ky);
            Ok(Some(kx == ky))
        }
        _ => compare(a, b).map(|o| o.map(|o| o == Ordering::Equal)),
    }
}

/// The order ORDER BY and MIN/MAX use: values of one type in SQL order; values of different
/// types (a schemaless column) grouped by type so sorting never fails.
pub fn sort_order(a: &Datum, b: &Datum) -> Ordering {
    fn rank(d: &Datum) -> u8 {
        match d {
            Datum::Null => 0,
            Datum::Bool(_) => 1,
            Datum::Num(_) | Datum::Double(_) => 2,
            Datum::Str(_) => 3,
            Datum::Bin(_) => 4,
            Datum::Array(_) => 5,
            Datum::Map(_) => 6,
        }
    }
    match compare(a, b) {
        Ok(Some(o)) => o,
        _ => match rank(a).cmp(&rank(b)) {
            Ordering::Equal => {
                let (mut x, mut y) = (String::new(), String::new());
                a.group_key(&mut x);
                b.group_key(&mut y);
                x.cmp(&y)
            }
            o => o,
        },
    }
}
