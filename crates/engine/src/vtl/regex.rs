//! The subset of Java regular expressions `String.replaceAll`, `replaceFirst`, `matches` and
//! `split` take in templates (the engine has no regex dependency). Supported: literals, `.`,
//! classes `[a-z]` / `[^...]` with `\d \w \s` (and their negations) inside, `\d \D \w \W \s \S`,
//! `\b \B`, `^ $ \A \z`, groups `( )` and `(?: )`, alternation `|`, quantifiers `* + ? {n} {n,}
//! {n,m}` and their lazy forms, escapes `\t \n \r \f \xhh \uhhhh` and escaped punctuation.
//! Refused with a clear error: lookaround, back-references, named groups, inline flags,
//! possessive quantifiers, `\p{...}`, `\Q...\E`. Matching is a bounded backtracker: a pattern that
//! takes more than a million steps on its input fails instead of hanging.

use super::VtlError;

const STEP_LIMIT: u64 = 1_000_000;
const DEPTH_LIMIT: usize = 2_000;

#[derive(Debug, Clone)]
enum Item {
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class(Vec<Item>, bool),
    Start,
    End,
    WordB(bool),
    Group(Vec<Vec<Node>>, Option<usize>),
    Repeat(Box<Node>, u32, u32, bool),
}

#[derive(Debug)]
pub struct Regex {
    whole: Node,
    groups: usize,
    /// The text the pattern matches when it is only literal characters (`\\'`, `,`, `-`):
    /// matched with `str` searches instead of the backtracker.
    literal: Option<String>,
}

fn unsupported(p: &str, what: &str) -> VtlError {
    VtlError::new(format!("Regular expression '{p}': {what} is not supported in the sandbox"))
}
fn bad(p: &str, what: &str) -> VtlError {
    VtlError::new(format!("Invalid regular expression '{p}': {what}"))
}

struct Pp<'a> {
    src: &'a str,
    c: Vec<char>,
    i: usize,
    groups: usize,
    depth: usize,
}

impl Pp<'_> {
    fn alts(&mut self) -> Result<Vec<Vec<Node>>, VtlError> {
        self.depth += 1;
        if self.depth > 100 {
            return Err(bad(self.src, "nests too deep"));
        }
        let mut alts = vec![self.seq()?];
        while self.c.get(self.i) == Some(&'|') {
            self.i += 1;
            alts.push(self.seq()?);
        }
        self.depth -= 1;
        Ok(alts)
    }

    fn seq(&mut self) -> Result<Vec<Node>, VtlError> {
        let mut seq = Vec::new();
        while let Some(&c) = self.c.get(self.i) {
            let atom = match c {
                '|' | ')' => break,
                '(' => {
                    self.i += 1;
                    let idx = if self.c.get(self.i) == Some(&'?') {
                        if self.c.get(self.i + 1) == Some(&':') {
                            self.i += 2;
                            None
                        } else {
                            return Err(unsupported(self.src, "lookaround, named groups and inline flags"));
                        }
                    } else {
                        self.groups += 1;
                        Some(self.groups)
                    };
                    let alts = self.alts()?;
                    if self.c.get(self.i) != Some(&')') {
                        return Err(bad(self.src, "unclosed group"));
                    }
                    self.i += 1;
                    Node::Group(alts, idx)
                }
                '[' => {
                    self.i += 1;
                    self.class()?
                }
                '.' => {
                    self.i += 1;
                    Node::Any
                }
                '^' => {
                    self.i += 1;
                    Node::Start
                }
                '$' => {
                    self.i += 1;
                    Node::End
                }
                '\\' => {
                    self.i += 1;
                    self.escape(false)?.map_or_else(|n| n, |it| Node::Class(vec![it], false))
                }
                '*' | '+' | '?' => return Err(bad(self.src, &format!("dangling meta character '{c}'"))),
                '{' if self.c.get(self.i + 1).is_some_and(|d| d.is_ascii_digit()) => return Err(bad(self.src, "dangling repetition")),
                c => {
                    self.i += 1;
                    Node::Char(c)
                }
            };
            let atom = self.quant(atom)?;
            seq.push(atom);
        }
        Ok(seq)
    }

    fn quant(&mut self, atom: Node) -> Result<Node, VtlError> {
        let (min, max) = match self.c.get(self.i) {
            Some('*') => {
                self.i += 1;
                (0, u32::MAX)
            }
            Some('+') => {
                self.i += 1;
                (1, u32::MAX)
            }
            Some('?') => {
                self.i += 1;
                (0, 1)
            }
            Some('{') if self.c.get(self.i + 1).is_some_and(|d| d.is_ascii_digit()) => {
                let close = self.c[self.i..].iter().position(|&c| c == '}').ok_or_else(|| bad(self.src, "unclosed counted repetition"))?;
                let body: String = self.c[self.i + 1..self.i + close].iter().collect();
                self.i += close + 1;
                let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad(self.src, "bad counted repetition"));
                match body.split_once(',') {
                    None => {
                        let n = num(&body)?;
                        (n, n)
                    }
                    Some((a, "")) => (num(a)?, u32::MAX),
                    Some((a, b)) => {
                        let (a, b) = (num(a)?, num(b)?);
                        if a > b {
                            return Err(bad(self.src, "illegal repetition range"));
                        }
                        (a, b)
                    }
                }
            }
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Start | Node::End | Node::WordB(_)) {
            return Ok(atom);
        }
        let greedy = match self.c.get(self.i) {
            Some('?') => {
                self.i += 1;
                false
            }
            Some('+') => return Err(unsupported(self.src, "possessive quantifiers")),
            _ => true,
        };
        Ok(Node::Repeat(Box::new(atom), min, max, greedy))
    }

    /// After `\`: a node (Ok(Err(node))) or a class item (Ok(Ok(item))).
    fn escape(&mut self, in_class: bool) -> Result<Result<Item, Node>, VtlError> {
        let Some(&c) = self.c.get(self.i) else { return Err(bad(self.src, "trailing backslash")) };
        self.i += 1;
        let ch = |c: char| Ok(Err(Node::Char(c)));
        match c {
            'd' => Ok(Ok(Item::Digit(false))),
            'D' => Ok(Ok(Item::Digit(true))),
            'w' => Ok(Ok(Item::Word(false))),
            'W' => Ok(Ok(Item::Word(true))),
            's' => Ok(Ok(Item::Space(false))),
            'S' => Ok(Ok(Item::Space(true))),
            'b' if !in_class => Ok(Err(Node::WordB(false))),
            'B' if !in_class => Ok(Err(Node::WordB(true))),
            'A' if !in_class => Ok(Err(Node::Start)),
            'z' if !in_class => Ok(Err(Node::End)),
            't' => ch('\t'),
            'n' => ch('\n'),
            'r' => ch('\r'),
            'f' => ch('\u{c}'),
            'e' => ch('\u{1b}'),
            'x' | 'u' => {
                let n = if c == 'x' { 2 } else { 4 };
                let hex: String = self.c.get(self.i..self.i + n).map(|s| s.iter().collect()).unwrap_or_default();
                let v = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).ok_or_else(|| bad(self.src, "bad hexadecimal escape"))?;
                self.i += n;
                ch(v)
            }
            '1'..='9' => Err(unsupported(self.src, "back-references")),
            'p' | 'P' => Err(unsupported(self.src, "\\p{...} character properties")),
            'Q' | 'E' => Err(unsupported(self.src, "\\Q...\\E quoting")),
            'k' | 'G' | 'Z' | 'R' | 'X' | 'h' | 'H' | 'v' | 'V' => Err(unsupported(self.src, &format!("\\{c}"))),
            c if c.is_ascii_alphanumeric() => Err(bad(self.src, &format!("illegal escape sequence \\{c}"))),
            c => ch(c),
        }
    }

    fn class(&mut self) -> Result<Node, VtlError> {
        let neg = self.c.get(self.i) == Some(&'^');
        if neg {
            self.i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let Some(&c) = self.c.get(self.i) else { return Err(bad(self.src, "unclosed character class")) };
            if c == ']' && !first {
                self.i += 1;
                break;
            }
            if c == '[' || (c == '&' && self.c.get(self.i + 1) == Some(&'&')) {
                return Err(unsupported(self.src, "nested classes and class intersections"));
            }
            first = false;
            self.i += 1;
            let lo = if c == '\\' {
                match self.escape(true)? {
                    Ok(item) => {
                        items.push(item);
                        continue;
                    }
                    Err(Node::Char(c)) => c,
                    Err(_) => return Err(bad(self.src, "bad escape in class")),
                }
            } else {
                c
            };
            if self.c.get(self.i) == Some(&'-') && self.c.get(self.i + 1).is_some_and(|&c| c != ']') {
                self.i += 1;
                let hc = self.c[self.i];
                self.i += 1;
                let hi = if hc == '\\' {
                    match self.escape(true)? {
                        Err(Node::Char(c)) => c,
                        _ => return Err(bad(self.src, "bad class range")),
                    }
                } else {
                    hc
                };
                if hi < lo {
                    return Err(bad(self.src, "illegal character range"));
                }
                items.push(Item::Range(lo, hi));
            } else {
                items.push(Item::Range(lo, lo));
            }
        }
        Ok(Node::Class(items, neg))
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn class_has(items: &[Item], neg: bool, c: char) -> bool {
    let hit = items.iter().any(|it| match it {
        Item::Range(a, b) => (*a..=*b).contains(&c),
        Item::Digit(n) => c.is_ascii_digit() != *n,
        Item::Word(n) => is_word(c) != *n,
        Item::Space(n) => matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r') != *n,
    });
    hit != neg
}

struct St {
    caps: Vec<Option<(usize, usize)>>,
    steps: u64,
    /// A million steps, plus 64 per input character (a long input is not a runaway pattern).
    limit: u64,
    depth: usize,
    blown: bool,
}

struct M<'a> {
    t: &'a [char],
}

impl M<'_> {
    fn single(&self, n: &Node, i: usize) -> bool {
        let Some(&c) = self.t.get(i) else { return false };
        match n {
            Node::Char(x) => c == *x,
            Node::Any => c != '\n' && c != '\r',
            Node::Class(items, neg) => class_has(items, *neg, c),
            _ => false,
        }
    }

    fn seq(&self, seq: &[Node], i: usize, st: &mut St, k: &mut dyn FnMut(usize, &mut St) -> bool) -> bool {
        st.steps += 1;
        if st.steps > st.limit || st.depth > DEPTH_LIMIT {
            st.blown = true;
            return false;
        }
        let Some((first, rest)) = seq.split_first() else { return k(i, st) };
        match first {
            Node::Char(_) | Node::Any | Node::Class(..) => self.single(first, i) && self.seq(rest, i + 1, st, k),
            Node::Start => i == 0 && self.seq(rest, i, st, k),
            Node::End => i == self.t.len() && self.seq(rest, i, st, k),
            Node::WordB(neg) => {
                let before = i > 0 && is_word(self.t[i - 1]);
                let after = self.t.get(i).is_some_and(|&c| is_word(c));
                ((before != after) != *neg) && self.seq(rest, i, st, k)
            }
            Node::Group(alts, idx) => {
                st.depth += 1;
                let mut ok = false;
                for alt in alts {
                    let ok_alt = self.seq(alt, i, st, &mut |j, st: &mut St| {
                        let saved = idx.map(|g| st.caps[g]);
                        if let Some(g) = idx {
                            st.caps[*g] = Some((i, j));
                        }
                        if self.seq(rest, j, st, k) {
                            return true;
                        }
                        if let (Some(g), Some(s)) = (idx, saved) {
                            st.caps[*g] = s;
                        }
                        false
                    });
                    if ok_alt || st.blown {
                        ok = ok_alt;
                        break;
                    }
                }
                st.depth -= 1;
                ok
            }
            Node::Repeat(n, min, max, greedy) => {
                if matches!(**n, Node::Char(_) | Node::Any | Node::Class(..)) {
                    // One character at a time: count the run, then try the rest from each length.
                    let mut run = 0u32;
                    while run < *max && self.single(n, i + run as usize) {
                        run += 1;
                        if !*greedy && run >= *min {
                            break;
                        }
                    }
                    if run < *min {
                        return false;
                    }
                    if *greedy {
                        let mut r = run;
                        loop {
                            if self.seq(rest, i + r as usize, st, k) {
                                return true;
                            }
                            if st.blown || r == *min {
                                return false;
                            }
                            r -= 1;
                            st.steps += 1;
                        }
                    } else {
                        let mut r = *min;
                        loop {
                            if self.seq(rest, i + r as usize, st, k) {
                                return true;
                            }
                            if st.blown || r >= *max || !self.single(n, i + r as usize) {
                                return false;
                            }
                            r += 1;
                            st.steps += 1;
                        }
                    }
                }
                st.depth += 1;
                let r = self.rep(n, *min, *max, *greedy, 0, i, rest, st, k);
                st.depth -= 1;
                r
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rep(&self, n: &Node, min: u32, max: u32, greedy: bool, count: u32, i: usize, rest: &[Node], st: &mut St, k: &mut dyn FnMut(usize, &mut St) -> bool) -> bool {
        if st.blown {
            return false;
        }
        st.depth += 1;
        let more = |st: &mut St, k: &mut dyn FnMut(usize, &mut St) -> bool| {
            count < max
                && self.seq(std::slice::from_ref(n), i, st, &mut |j, st: &mut St| {
                    // An iteration that matched nothing ends the loop (as Java does).
                    if j == i && count >= min {
                        return false;
                    }
                    self.rep(n, min, max, greedy, count.saturating_add(1), j, rest, st, k)
                })
        };
        let r =
            if greedy { more(st, k) || (!st.blown && count >= min && self.seq(rest, i, st, k)) } else { (count >= min && self.seq(rest, i, st, k)) || (!st.blown && more(st, k)) };
        st.depth -= 1;
        r
    }
}

impl Regex {
    pub(crate) fn new(p: &str) -> Result<Regex, VtlError> {
        let mut pp = Pp { src: p, c: p.chars().collect(), i: 0, groups: 0, depth: 0 };
        let alts = pp.alts()?;
        if pp.i < pp.c.len() {
            return Err(bad(p, "unmatched closing ')'"));
        }
        let literal = match alts.as_slice() {
            [seq] if !seq.is_empty() => seq.iter().map(|n| if let Node::Char(c) = n { Some(*c) } else { None }).collect(),
            _ => None,
        };
        Ok(Regex { whole: Node::Group(alts, None), groups: pp.groups, literal })
    }

    fn blown(&self) -> VtlError {
        VtlError::new("Regular expression takes too many steps on this input (the sandbox bounds backtracking)")
    }

    fn state(&self, len: usize) -> St {
        St { caps: vec![None; self.groups + 1], steps: 0, limit: STEP_LIMIT + 64 * len as u64, depth: 0, blown: false }
    }

    /// A match starting exactly at `i`: its end (the groups are left in `st.caps`).
    fn at(&self, t: &[char], i: usize, st: &mut St) -> Result<Option<usize>, VtlError> {
        let m = M { t };
        st.caps.iter_mut().for_each(|c| *c = None);
        st.depth = 0;
        let mut end = None;
        let ok = m.seq(std::slice::from_ref(&self.whole), i, st, &mut |j, _| {
            end = Some(j);
            true
        });
        if st.blown {
            return Err(self.blown());
        }
        Ok(if ok { end } else { None })
    }

    fn find(&self, t: &[char], from: usize, st: &mut St) -> Result<Option<(usize, usize)>, VtlError> {
        for i in from..=t.len() {
            st.steps += 1;
            if st.steps > st.limit {
                return Err(self.blown());
            }
            if let Some(e) = self.at(t, i, st)? {
                st.caps[0] = Some((i, e));
                return Ok(Some((i, e)));
            }
        }
        Ok(None)
    }

    pub(crate) fn full_match(&self, s: &str) -> Result<bool, VtlError> {
        let t: Vec<char> = s.chars().collect();
        let m = M { t: &t };
        let mut st = self.state(t.len());
        let n = t.len();
        let ok = m.seq(std::slice::from_ref(&self.whole), 0, &mut st, &mut |j, _| j == n);
        if st.blown {
            return Err(self.blown());
        }
        Ok(ok)
    }

    /// Java's `replaceAll` / `replaceFirst`: `$n` in the replacement is group n, `\x` is x.
    pub(crate) fn replace(&self, s: &str, rep: &str, all: bool) -> Result<String, VtlError> {
        if let (Some(lit), false) = (&self.literal, rep.contains(['$', '\\'])) {
            let n = if all { s.matches(lit.as_str()).count() } else { usize::from(s.contains(lit.as_str())) };
            if n.saturating_mul(rep.len()).saturating_add(s.len()) > super::MAX_OUTPUT {
                return Err(VtlError::new(format!("Template output exceeds {} bytes", super::MAX_OUTPUT)));
            }
            return Ok(if all { s.replace(lit.as_str(), rep) } else { s.replacen(lit.as_str(), rep, 1) });
        }
        let t: Vec<char> = s.chars().collect();
        let r: Vec<char> = rep.chars().collect();
        let mut out = String::new();
        let mut pos = 0;
        let mut st = self.state(t.len());
        let mut copied = 0;
        while pos <= t.len() {
            let Some((b, e)) = self.find(&t, pos, &mut st)? else { break };
            let caps = &st.caps;
            out.extend(&t[copied..b]);
            let mut k = 0;
            while k < r.len() {
                match r[k] {
                    '\\' => {
                        let c = r.get(k + 1).ok_or_else(|| VtlError::new("character to be escaped is missing in the replacement"))?;
                        out.push(*c);
                        k += 2;
                    }
                    '$' => {
                        let start = k + 1;
                        let mut end = start;
                        while end < r.len() && r[end].is_ascii_digit() {
                            let g: usize = r[start..=end].iter().collect::<String>().parse().unwrap_or(usize::MAX);
                            if g > self.groups && end > start {
                                break;
                            }
                            end += 1;
                        }
                        if end == start {
                            return Err(VtlError::new("Illegal group reference in the replacement"));
                        }
                        let g: usize = r[start..end].iter().collect::<String>().parse().unwrap_or(usize::MAX);
                        if g > self.groups {
                            return Err(VtlError::new(format!("No group {g} in the regular expression")));
                        }
                        if let Some((x, y)) = caps[g] {
                            out.extend(&t[x..y]);
                        }
                        k = end;
                    }
                    c => {
                        out.push(c);
                        k += 1;
                    }
                }
            }
            if out.len() > super::MAX_OUTPUT {
                return Err(VtlError::new(format!("Template output exceeds {} bytes", super::MAX_OUTPUT)));
            }
            copied = e;
            if e == b {
                if e < t.len() {
                    out.push(t[e]);
                }
                copied = e + 1;
                pos = e + 1;
            } else {
                pos = e;
            }
            if !all {
                break;
            }
        }
        if copied < t.len() {
            out.extend(&t[copied..]);
        }
        Ok(out)
    }

    /// Java's `split(regex, limit)`.
    pub(crate) fn split(&self, s: &str, limit: i64) -> Result<Vec<String>, VtlError> {
        let t: Vec<char> = s.chars().collect();
        let mut parts: Vec<String> = Vec::new();
        let mut index = 0;
        let mut pos = 0;
        let mut st = self.state(t.len());
        let mut matched = false;
        while pos <= t.len() {
            if limit > 0 && parts.len() as i64 >= limit - 1 {
                break;
            }
            let Some((b, e)) = self.find(&t, pos, &mut st)? else { break };
            pos = if e == b { e + 1 } else { e };
            if b == 0 && e == 0 {
                // A zero-width match at the beginning never produces a leading empty string.
                continue;
            }
            if e == b && b >= t.len() {
                break;
            }
            matched = true;
            parts.push(t[index..b].iter().collect());
            index = e;
        }
        if !matched {
            return Ok(vec![s.to_string()]);
        }
        parts.push(t[index..].iter().collect());
        if limit == 0 {
            while parts.last().is_some_and(|p| p.is_empty()) {
                parts.pop();
            }
        }
        Ok(parts)
    }
}
