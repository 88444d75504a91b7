//! DynamoDB's Number: exact decimal with up to 38 significant digits, magnitude between 1E-130
//! and 9.9999999999999999999999999999999999999E+125, compared numerically and returned in
//! canonical form ("1.50" is stored and returned as "1.5").

use std::cmp::Ordering;

/// sign × 0.d1d2d3… × 10^exp, with `digits` holding d1d2… without leading or trailing zeros.
/// Zero is `digits` empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    digits: Vec<u8>,
    exp: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    Invalid,
    TooManyDigits,
    Overflow,
    Underflow,
}

impl NumberError {
    /// The text AWS puts after "One or more parameter values were invalid: " or uses alone.
    pub fn message(&self) -> &'static str {
        match self {
            NumberError::Invalid => "A value provided cannot be converted into a number",
            NumberError::TooManyDigits => "Attempting to store more than 38 significant digits in a Number",
            NumberError::Overflow => "Number overflow. Attempting to store a number with magnitude larger than supported range",
            NumberError::Underflow => "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        }
    }
}

impl Number {
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let s = text.trim();
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(NumberError::Invalid);
        }
        if !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(NumberError::Invalid);
        }
        let exp10: i64 = match exponent {
            Some(e) => {
                let e = e.strip_prefix('+').unwrap_or(e);
                let (neg, body) = match e.strip_prefix('-') {
                    Some(b) => (true, b),
                    None => (false, e),
                };
                if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(NumberError::Invalid);
                }
                // Anything this long is far outside the range once digits are counted.
                let v: i64 = if body.len() > 9 { 1_000_000_000 } else { body.parse().map_err(|_| NumberError::Invalid)? };
                if neg {
                    -v
                } else {
                    v
                }
            }
            None => 0,
        };
        let all: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
        let Some(first) = all.iter().position(|d| *d != 0) else {
            return Ok(Number { negative: false, digits: Vec::new(), exp: 0 });
        };
        let last = all.iter().rposition(|d| *d != 0).unwrap_or(first);
        let digits = all[first..=last].to_vec();
        // Value = 0.digits × 10^exp where exp counts the integer digits before the first significant one.
        let exp = int_part.len() as i64 - first as i64 + exp10;
        if digits.len() > 38 {
            return Err(NumberError::TooManyDigits);
        }
        if exp > 126 {
            return Err(NumberError::Overflow);
        }
        if exp < -129 {
            return Err(NumberError::Underflow);
        }
        Ok(Number { negative, digits, exp: exp as i32 })
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Bytes DynamoDB counts for this number: about one per two significant digits, plus one.
    pub fn size(&self) -> usize {
        self.digits.len().div_ceil(2) + 1
    }

    /// Exact sum, with DynamoDB's limits on the result (38 significant digits, range).
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        // value = coefficient (the digits as an integer) × 10^(exp - len)
        let e1 = self.exp - self.digits.len() as i32;
        let e2 = other.exp - other.digits.len() as i32;
        let e = e1.min(e2);
        let widen = |d: &[u8], ei: i32| {
            let mut v = d.to_vec();
            v.extend(std::iter::repeat_n(0, (ei - e) as usize));
            v
        };
        let (a, b) = (widen(&self.digits, e1), widen(&other.digits, e2));
        let (negative, digits) = if self.negative == other.negative {
            (self.negative, add_digits(&a, &b))
        } else {
            match cmp_digits(&a, &b) {
                Ordering::Equal => return Ok(Number { negative: false, digits: Vec::new(), exp: 0 }),
                Ordering::Greater => (self.negative, sub_digits(&a, &b)),
                Ordering::Less => (other.negative, sub_digits(&b, &a)),
            }
        };
        let text: String = digits.iter().map(|d| (b'0' + d) as char).collect();
        Number::parse(&format!("{}{}E{}", if negative { "-" } else { "" }, text, e))
    }

    pub fn negated(&self) -> Number {
        Number { negative: !self.negative && !self.is_zero(), digits: self.digits.clone(), exp: self.exp }
    }

    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }
}

fn strip(v: &[u8]) -> &[u8] {
    let first = v.iter().position(|d| *d != 0).unwrap_or(v.len());
    &v[first..]
}

fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let (a, b) = (strip(a), strip(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Sum of two non-negative integers given as decimal digits (most significant first).
fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 {
            i -= 1;
            a[i]
        } else {
            0
        };
        let y = if j > 0 {
            j -= 1;
            b[j]
        } else {
            0
        };
        let s = x + y + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    out.reverse();
    out
}

/// `a - b` for `a >= b`, decimal digits.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut j, mut borrow) = (a.len(), b.len(), 0i8);
    while i > 0 {
        i -= 1;
        let y = if j > 0 {
            j -= 1;
            b[j] as i8
        } else {
            0
        };
        let mut d = a[i] as i8 - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out.reverse();
    out
}

impl Number {
    /// Canonical plain decimal notation, as DynamoDB returns numbers (one allocation).
    pub fn canonical(&self) -> String {
        let mut out = Vec::with_capacity(self.digits.len() + 8);
        self.write_canonical(&mut out);
        // Only ASCII digits, '-', '0.' and '.' are written.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Sign, significant digits (0..=9 each) and exponent: equal numbers have equal parts.
    pub fn parts(&self) -> (bool, &[u8], i32) {
        (self.negative, &self.digits, self.exp)
    }

    /// [`Number::canonical`], appended to `out`.
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        if self.digits.is_empty() {
            out.push(b'0');
            return;
        }
        if self.negative {
            out.push(b'-');
        }
        let digit = |d: &u8| b'0' + d;
        let n = self.digits.len() as i32;
        if self.exp <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-self.exp) as usize));
            out.extend(self.digits.iter().map(digit));
        } else if self.exp >= n {
            out.extend(self.digits.iter().map(digit));
            out.extend(std::iter::repeat_n(b'0', (self.exp - n) as usize));
        } else {
            let (a, b) = self.digits.split_at(self.exp as usize);
            out.extend(a.iter().map(digit));
            out.push(b'.');
            out.extend(b.iter().map(digit));
        }
    }
}

impl std::fmt::Display for Number {
    /// Canonical plain decimal notation, as DynamoDB returns numbers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| {
            if n.digits.is_empty() {
                0
            } else if n.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal => {}
            o => return o,
        }
        if self.digits.is_empty() {
            return Ordering::Equal;
        }
        let magnitude = self.exp.cmp(&other.exp).then_with(|| self.digits.cmp(&other.digits));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn canonical_form() {
        for (input, out) in
            [("1.50", "1.5"), ("001", "1"), ("-0", "0"), ("1e2", "100"), ("1.5E-3", "0.0015"), ("+7", "7"), (".5", "0.5"), ("5.", "5"), ("-12.340", "-12.34"), ("0.000", "0")]
        {
            assert_eq!(n(input).to_string(), out, "{input}");
        }
    }

    #[test]
    fn rejects_what_aws_rejects() {
        for bad in ["", "abc", "1.2.3", "--1", "1e", "e5", ".", "1 2", "0x10", "NaN", "Infinity"] {
            assert_eq!(Number::parse(bad), Err(NumberError::Invalid), "{bad:?}");
        }
        assert_eq!(Number::parse("123456789012345678901234567890123456789"), Err(NumberError::TooManyDigits));
        assert!(Number::parse("12345678901234567890123456789012345678").is_ok());
        assert!(Number::parse("9.9999999999999999999999999999999999999E+125").is_ok());
        assert_eq!(Number::parse("1E+126"), Err(NumberError::Overflow));
        assert!(Number::parse("1E-130").is_ok());
        assert_eq!(Number::parse("1E-131"), Err(NumberError::Underflow));
        assert_eq!(Number::parse("1E+9999999999999"), Err(NumberError::Overflow));
    }

    #[test]
    fn adds_exactly() {
        let sum = |a: &str, b: &str| n(a).add(&n(b)).map(|x| x.to_string());
        assert_eq!(sum("0.1", "0.2"), Ok("0.3".into()));
        assert_eq!(sum("10", "-10.5"), Ok("-0.5".into()));
        assert_eq!(sum("-3", "-4"), Ok("-7".into()));
        assert_eq!(sum("99999999999999999999999999999999999999", "-1"), Ok("99999999999999999999999999999999999998".into()));
        assert_eq!(sum("99999999999999999999999999999999999999", "1"), Ok("100000000000000000000000000000000000000".into()));
        assert_eq!(sum("99999999999999999999999999999999999999", "0.1").unwrap_err(), NumberError::TooManyDigits);
        assert_eq!(sum("1E+100", "1").unwrap_err(), NumberError::TooManyDigits);
        assert_eq!(sum("5", "-5"), Ok("0".into()));
        assert_eq!(sum("1.5E-3", "2"), Ok("2.0015".into()));
        assert_eq!(n("7").negated().add(&n("2")), Ok(n("-5")));
    }

    #[test]
    fn orders_numerically() {
        let mut v: Vec<Number> = ["10", "-1", "2", "0", "-10", "1.5", "0.001", "-0.5", "1E+3"].iter().map(|s| n(s)).collect();
        v.sort();
        let out: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(out, ["-10", "-1", "-0.5", "0", "0.001", "1.5", "2", "10", "1000"]);
        assert_eq!(n("1.0"), n("1"));
    }
}
