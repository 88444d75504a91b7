//! Policy evaluation: a request context against the policies that apply, with AWS's logic
//! ("Policy evaluation logic"): an explicit Deny in any policy wins; otherwise an Allow is
//! needed from the identity policies or the resource policy, and, where there are a permissions
//! boundary and a session policy, from them as well; otherwise the request is implicitly denied.
//!
//! Pure and allocation-light: matching works on the parsed [`Policy`] with lower-cased actions;
//! policy variables are resolved only in patterns that have them. `${*}`, `${?}` and `${$}`
//! stand for the literal characters; a literal `*` or `?` that comes from a variable is carried
//! as a private-use character so that it never acts as a wildcard.

use std::borrow::Cow;
use std::net::IpAddr;

use super::policy::{Condition, Effect, Operator, Part, Pattern, Policy, PrincipalKind, Principals, SetOperator, Statement};

/// A literal `*` / `?` inside a resolved pattern (from `${*}`, `${?}` or a context value).
const LIT_STAR: char = '\u{F8F0}';
const LIT_QUESTION: char = '\u{F8F1}';

/// Who makes a request, as principal elements see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// `arn:aws:iam::123456789012:root`, `...:user/alice`, `arn:aws:sts::...:assumed-role/r/s`,
    /// or a service principal (`lambda.amazonaws.com`) / federated provider.
    pub arn: String,
    pub kind: PrincipalKind,
    /// The account the principal belongs to (empty for service principals).
    pub account: String,
    /// For an assumed-role session, the role's ARN (principal elements name the role).
    pub role_arn: Option<String>,
}

impl Caller {
    pub fn account_root(account: &str) -> Caller {
        Caller { arn: format!("arn:aws:iam::{account}:root"), kind: PrincipalKind::Aws, account: account.to_string(), role_arn: None }
    }

    pub fn service(name: &str) -> Caller {
        Caller { arn: name.to_string(), kind: PrincipalKind::Service, account: String::new(), role_arn: None }
    }
}

/// One request to authorize: action, resource, and the context keys (lower-cased names, as
/// condition keys are compared without regard to case; each with one or more values).
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub caller: Option<Caller>,
    /// `dynamodb:GetItem`, any case.
    pub action: String,
    pub resource: String,
    keys: Vec<(String, Vec<String>)>,
}

impl RequestContext {
    pub fn new(action: &str, resource: &str) -> Self {
        RequestContext { caller: None, action: action.to_ascii_lowercase(), resource: resource.to_string(), keys: Vec::new() }
    }

    /// Sets a context key (replacing its values).
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        let lower = key.to_ascii_lowercase();
        match self.keys.iter_mut().find(|(k, _)| *k == lower) {
            Some((_, v)) => *v = values,
            None => self.keys.push((lower, values)),
        }
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.set(key, vec![value.to_string()]);
        self
    }

    pub fn with_values(mut self, key: &str, values: &[&str]) -> Self {
        self.set(key, values.iter().map(|s| s.to_string()).collect());
        self
    }

    pub fn has(&self, key_lower: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == key_lower)
    }

    fn get(&self, key_lower: &str) -> Option<&[String]> {
        self.keys.iter().find(|(k, _)| k == key_lower).map(|(_, v)| v.as_slice())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    /// SimulatePolicy's `EvalDecision` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// What role a policy plays in the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRole {
    Identity,
    Resource,
    Boundary,
    Session,
}

/// A policy in an evaluation, with the index the caller knows it by.
#[derive(Debug, Clone, Copy)]
pub struct Applied<'a> {
    pub policy: &'a Policy,
    pub role: PolicyRole,
    pub index: usize,
}

/// A statement that decided the outcome: (index of the policy in the input, statement index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    pub policy: usize,
    pub statement: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub decision: Decision,
    /// For a Deny, the Deny statements that matched; for an Allow, the Allow statements; empty
    /// for an implicit deny.
    pub matched: Vec<Matched>,
}

/// Evaluates a request against policies, AWS's way, for a principal and resource of the same
/// account.
pub fn evaluate(policies: &[Applied], ctx: &RequestContext) -> Evaluation {
    let mut denies = Vec::new();
    let mut allow = [false; 4];
    let mut exact_resource_allow = false;
    let mut has = [false; 4];
    let mut allows = Vec::new();
    for applied in policies {
        let r = applied.role as usize;
        has[r] = true;
        for (i, st) in applied.policy.statements.iter().enumerate() {
            match statement_applies(st, ctx, applied.role == PolicyRole::Resource) {
                Some(exact) => {
                    let m = Matched { policy: applied.index, statement: i };
                    match st.effect {
                        Effect::Deny => denies.push(m),
                        Effect::Allow => {
                            allow[r] = true;
                            if applied.role == PolicyRole::Resource && exact {
                                exact_resource_allow = true;
                            }
                            allows.push(m);
                        }
                    }
                }
                None => continue,
            }
        }
    }
    if !denies.is_empty() {
        return Evaluation { decision: Decision::ExplicitDeny, matched: denies };
    }
    let (id, res, bound, sess) = (PolicyRole::Identity as usize, PolicyRole::Resource as usize, PolicyRole::Boundary as usize, PolicyRole::Session as usize);
    // A resource policy naming the principal's own ARN grants past a boundary and a session policy;
    // one naming the role or the account is bounded like an identity policy.
    let bounded = |granted: bool| granted && (!has[bound] || allow[bound]) && (!has[sess] || allow[sess]);
    let allowed = exact_resource_allow || bounded(allow[id] || allow[res]);
    if allowed {
        Evaluation { decision: Decision::Allowed, matched: allows }
    } else {
        Evaluation { decision: Decision::ImplicitDeny, matched: Vec::new() }
    }
}

/// Whether a statement applies to the request: `Some(exact)` when its principal (if any),
/// action, resource and conditions all match; `exact` says the principal was named by its own ARN.
fn statement_applies(st: &Statement, ctx: &RequestContext, resource_policy: bool) -> Option<bool> {
    let action = st.actions.iter().any(|p| glob(p, &ctx.action, false));
    if action == st.not_action {
        return None;
    }
    if let Some(resources) = &st.resources {
        let hit = resources.iter().any(|p| match resolve(p, ctx) {
            Some(text) => arn_like(&text, &ctx.resource),
            None => false,
        });
        if hit == st.not_resource {
            return None;
        }
    }
    let mut exact = false;
    if let Some(principals) = &st.principal {
        let (hit, named) = principal_matches(principals, ctx.caller.as_ref());
        if hit == st.not_principal {
            return None;
        }
        exact = named && resource_policy && !st.not_principal;
    }
    if !st.conditions.iter().all(|c| condition_holds(c, ctx)) {
        return None;
    }
    Some(exact)
}

/// (matches, named by its own ARN).
fn principal_matches(principals: &Principals, caller: Option<&Caller>) -> (bool, bool) {
    let Some(caller) = caller else { return (false, false) };
    match principals {
        Principals::Any => (true, false),
        Principals::Listed(list) => {
            for (kind, value) in list {
                if *kind != caller.kind {
                    continue;
                }
                match kind {
                    PrincipalKind::Aws => {
                        if value == &caller.arn {
                            return (true, true);
                        }
                        if caller.role_arn.as_deref() == Some(value.as_str()) {
                            return (true, false);
                        }
                        let root = format!("arn:aws:iam::{}:root", caller.account);
                        if !caller.account.is_empty() && (value == &caller.account || value == &root) {
                            return (true, false);
                        }
                    }
                    _ => {
                        if value == &caller.arn {
                            return (true, true);
                        }
                    }
                }
            }
            (false, false)
        }
    }
}

/// Resolves the policy variables of a pattern; `None` when a variable has no value and no
/// default (the pattern then matches nothing).
pub fn resolve<'a>(p: &'a Pattern, ctx: &'a RequestContext) -> Option<Cow<'a, str>> {
    if !p.has_variables {
        return Some(Cow::Borrowed(&p.text));
    }
    let value_of = |key_lower: &str, default: &'a Option<String>| -> Option<&'a str> {
        match ctx.get(key_lower) {
            Some([one]) => Some(one.as_str()),
            Some(_) => None,
            None => default.as_deref(),
        }
    };
    // The common case, a pattern that is one variable whose value has no wildcard characters,
    // borrows the value.
    if let [Part::Variable { key_lower, default }] = p.parts.as_slice() {
        let v = value_of(key_lower, default)?;
        if !v.contains(['*', '?']) {
            return Some(Cow::Borrowed(v));
        }
    }
    let mut out = String::with_capacity(p.text.len() + 32);
    for part in &p.parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Literal('*') => out.push(LIT_STAR),
            Part::Literal('?') => out.push(LIT_QUESTION),
            Part::Literal(c) => out.push(*c),
            Part::Variable { key_lower, default } => {
                for c in value_of(key_lower, default)?.chars() {
                    out.push(match c {
                        '*' => LIT_STAR,
                        '?' => LIT_QUESTION,
                        c => c,
                    });
                }
            }
            Part::Invalid => return None,
        }
    }
    Some(Cow::Owned(out))
}

/// Glob matching with `*` (any run) and `?` (one character); the encoded literal characters
/// match themselves. `fold` compares ASCII without regard to case. Linear with backtracking to
/// the last star only, so no pattern can make it slow.
pub fn glob(pattern: &str, text: &str, fold: bool) -> bool {
    if pattern == "*" {
        return true;
    }
    if pattern.is_ascii() && text.is_ascii() {
        return glob_bytes(pattern.as_bytes(), text.as_bytes(), fold);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        let a = match a {
            LIT_STAR => '*',
            LIT_QUESTION => '?',
            a => a,
        };
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, usize::MAX, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = pi;
            mark = ti;
            pi += 1;
        } else if star != usize::MAX {
            pi = star + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn glob_bytes(p: &[u8], t: &[u8], fold: bool) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, usize::MAX, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || (p[pi] != b'*' && (p[pi] == t[ti] || (fold && p[pi].eq_ignore_ascii_case(&t[ti]))))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = pi;
            mark = ti;
            pi += 1;
        } else if star != usize::MAX {
            pi = star + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// An ARN pattern against an ARN, as Resource and ArnLike match: the first five `:`-separated
/// parts (arn, partition, service, region, account) each matched on their own, the rest (the
/// resource, which may hold `:`) as a whole. `*` alone matches anything.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut ps = pattern.splitn(6, ':');
    let mut ts = arn.splitn(6, ':');
    for _ in 0..6 {
        match (ps.next(), ts.next()) {
            (Some(p), Some(t)) => {
                if !glob(p, t, false) {
                    return false;
                }
            }
            (None, None) => return true,
            _ => return false,
        }
    }
    true
}

fn condition_holds(c: &Condition, ctx: &RequestContext) -> bool {
    let values = ctx.get(&c.key_lower);
    if c.operator == Operator::Null {
        let want_absent = c.values.iter().any(|v| v.text.eq_ignore_ascii_case("true"));
        let want_present = c.values.iter().any(|v| v.text.eq_ignore_ascii_case("false"));
        let absent = values.is_none_or(|v| v.is_empty());
        return (absent && want_absent) || (!absent && want_present);
    }
    match c.set {
        Some(SetOperator::ForAllValues) => match values {
            None | Some([]) => true,
            Some(vs) => vs.iter().all(|v| value_holds(c, v, ctx)),
        },
        Some(SetOperator::ForAnyValue) => match values {
            None | Some([]) => c.if_exists,
            Some(vs) => vs.iter().any(|v| value_holds(c, v, ctx)),
        },
        None => match values {
            None | Some([]) => c.if_exists || c.operator.negated(),
            Some(vs) => {
                if c.operator.negated() {
                    vs.iter().all(|v| value_holds(c, v, ctx))
                } else {
                    vs.iter().any(|v| value_holds(c, v, ctx))
                }
            }
        },
    }
}

/// One request value against the condition's values: for a positive operator, true when any
/// policy value matches; for a negated one, when none does.
fn value_holds(c: &Condition, v: &str, ctx: &RequestContext) -> bool {
    let any = c.values.iter().any(|p| match resolve(p, ctx) {
        Some(pv) => positive_match(c.operator, &pv, v),
        None => false,
    });
    any != c.operator.negated()
}

fn literal(s: &str) -> Cow<'_, str> {
    if s.contains([LIT_STAR, LIT_QUESTION]) {
        Cow::Owned(s.replace(LIT_STAR, "*").replace(LIT_QUESTION, "?"))
    } else {
        Cow::Borrowed(s)
    }
}

fn positive_match(op: Operator, policy_value: &str, v: &str) -> bool {
    use Operator::*;
    match op {
        StringEquals | StringNotEquals => literal(policy_value) == v,
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => literal(policy_value).to_lowercase() == v.to_lowercase(),
        StringLike | StringNotLike => glob(policy_value, v, false),
        NumericEquals | NumericNotEquals => num(policy_value, v).is_some_and(|(p, v)| v == p),
        NumericLessThan => num(policy_value, v).is_some_and(|(p, v)| v < p),
        NumericLessThanEquals => num(policy_value, v).is_some_and(|(p, v)| v <= p),
        NumericGreaterThan => num(policy_value, v).is_some_and(|(p, v)| v > p),
        NumericGreaterThanEquals => num(policy_value, v).is_some_and(|(p, v)| v >= p),
        DateEquals | DateNotEquals => date_pair(policy_value, v).is_some_and(|(p, v)| v == p),
        DateLessThan => date_pair(policy_value, v).is_some_and(|(p, v)| v < p),
        DateLessThanEquals => date_pair(policy_value, v).is_some_and(|(p, v)| v <= p),
        DateGreaterThan => date_pair(policy_value, v).is_some_and(|(p, v)| v > p),
        DateGreaterThanEquals => date_pair(policy_value, v).is_some_and(|(p, v)| v >= p),
        Bool => literal(policy_value).eq_ignore_ascii_case(v) && (v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")),
        BinaryEquals => policy_value == v,
        IpAddress | NotIpAddress => match (parse_cidr(policy_value), v.parse::<IpAddr>()) {
            (Some(net), Ok(ip)) => net.contains(ip),
            _ => false,
        },
        ArnEquals | ArnNotEquals | ArnLike | ArnNotLike => arn_like(policy_value, v),
        Null => false,
    }
}

fn num(p: &str, v: &str) -> Option<(f64, f64)> {
    let p: f64 = p.trim().parse().ok()?;
    let v: f64 = v.trim().parse().ok()?;
    (p.is_finite() && v.is_finite()).then_some((p, v))
}

fn date_pair(p: &str, v: &str) -> Option<(i64, i64)> {
    Some((parse_date(p)?, parse_date(v)?))
}

/// A date as the Date operators take it: ISO 8601 (`2026-11-25`, `2026-11-25T12:00:00Z`,
/// fractional seconds, `+hh:mm` offsets) or epoch seconds. Milliseconds since the epoch.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<i64> {
        let part = s.get(from..from + n)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, m, d) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if b.len() == 10 {
        return Some(ms);
    }
    if !matches!(b.get(10), Some(b'T' | b't')) {
        return None;
    }
    let (h, mi) = (digits(11, 2)?, digits(14, 2)?);
    let mut at = 16;
    let mut sec = 0;
    if b.get(16) == Some(&b':') {
        sec = digits(17, 2)?;
        at = 19;
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    ms += (h * 3600 + mi * 60 + sec) * 1000;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let frac = &s[start..at];
        if frac.is_empty() {
            return None;
        }
        let first3: String = frac.chars().chain("000".chars()).take(3).collect();
        ms += first3.parse::<i64>().ok()?;
    }
    match &s[at..] {
        "Z" | "z" | "" => Some(ms),
        off => {
            let sign = match off.as_bytes()[0] {
                b'+' => -1,
                b'-' => 1,
                _ => return None,
            };
            let oh: i64 = off.get(1..3)?.parse().ok()?;
            let om: i64 = off.get(off.len() - 2..)?.parse().ok()?;
            Some(ms + sign * (oh * 60 + om) * 60_000)
        }
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IPv4 or IPv6 network: address and prefix length. A bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix as u32) };
                (u32::from(n) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix as u32) };
                (u128::from(n) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

pub fn parse_cidr(s: &str) -> Option<Cidr> {
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (s.trim(), None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some(Cidr { addr, prefix })
}

/// The condition keys a policy's conditions read that the context lacks, for SimulatePolicy's
/// `MissingContextValues`: keys of the conditions of statements whose action matches (in the
/// order first met, each once).
pub fn missing_keys(policies: &[Applied], ctx: &RequestContext, out: &mut Vec<String>) {
    for applied in policies {
        for st in &applied.policy.statements {
            let action = st.actions.iter().any(|p| glob(p, &ctx.action, false));
            if action == st.not_action {
                continue;
            }
            for c in &st.conditions {
                if !ctx.has(&c.key_lower) && !out.iter().any(|k| k.eq_ignore_ascii_case(&c.key)) {
                    out.push(c.key.clone());
                }
            }
        }
    }
}
