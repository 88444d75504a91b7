//! Property tests (proptest) of DynamoDB semantics, through `Engine::call` with AWS JSON:
//!
//! - sort order: Query returns sort keys in DynamoDB's order (N numerically, S by UTF-8 bytes,
//!   B by unsigned bytes), both directions, on a table, a local and a global secondary index;
//! - paging: following LastEvaluatedKey through Query and Scan (tables and indexes, with and
//!   without a filter, any Limit) returns every matching item exactly once, in order, with
//!   consistent Count and ScannedCount; parallel Scan segments are disjoint and cover the table;
//! - numbers: any 38-digit integer (any notation) round-trips in canonical form, and ADD and
//!   SET arithmetic agree with exact integer and decimal arithmetic (i128 reference).
//!
//! Case counts are kept small so `cargo test` stays quick; `PROPTEST_CASES=1000 cargo test
//! --test properties` runs more.

use std::{cmp::Ordering, collections::BTreeSet};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use gureum_engine::{AwsError, Engine, EngineConfig, Request};
use proptest::prelude::*;
use serde_json::{json, Value};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// A sandbox driven through the one door.

struct Db {
    e: Engine,
    now: i64,
}

impl Db {
    fn new() -> Db {
        Db { e: Engine::new(EngineConfig::default(), 0), now: 0 }
    }

    fn call(&mut self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.now += 1;
        self.e.call(self.now, &Request::new("dynamodb", op, "us-east-1", input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        let shown = input.to_string();
        self.call(op, input).unwrap_or_else(|e| panic!("{op} {shown}: {} {}", e.kind, e.message))
    }

    /// Creates a table and lets its second of CREATING pass.
    fn create(&mut self, input: Value) {
        self.ok("CreateTable", input);
        self.now += 2_000;
    }

    /// A sandbox reloaded from this one's records.
    fn reloaded(&self) -> Db {
        Db { e: Engine::restore(EngineConfig::default(), self.now, self.e.snapshot()).expect("restore"), now: self.now }
    }
}

fn ids(items: &Value) -> Vec<u64> {
    items.as_array().expect("Items").iter().map(|i| i["id"]["N"].as_str().expect("id").parse().expect("id number")).collect()
}

// ---------------------------------------------------------------------------------------------
// Reference values and their order, computed independently of the engine.

/// A DynamoDB number as sign × 0.digits × 10^exp, digits without leading or trailing zeros
/// (empty for zero). Derived `Ord` is not numeric; `cmp` below is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RefNum {
    negative: bool,
    digits: String,
    exp: i32,
}

impl RefNum {
    fn new(negative: bool, digits: &str, exp: i32) -> RefNum {
        let d = digits.trim_start_matches('0');
        let lead = digits.len() - d.len();
        let d = d.trim_end_matches('0');
        if d.is_empty() {
            return RefNum { negative: false, digits: String::new(), exp: 0 };
        }
        RefNum { negative, digits: d.to_string(), exp: exp - lead as i32 }
    }

    /// Some spelling of the number a client might send.
    fn spell(&self, style: u8) -> String {
        let sign = if self.negative {
            "-"
        } else if style % 7 == 3 {
            "+"
        } else {
            ""
        };
        if self.digits.is_empty() {
            return ["0", "-0", "0.000", "0E5", "+0"][style as usize % 5].to_string();
        }
        let (first, rest) = self.digits.split_at(1);
        let n = self.digits.len() as i32;
        match style % 3 {
            // d.ddd E x
            0 => format!("{sign}{first}{}{rest}E{}", if rest.is_empty() { "" } else { "." }, self.exp - 1),
            // ddd E x, with a trailing zero kept
            1 => format!("{sign}{}0e{}", self.digits, self.exp - n - 1),
            // plain decimal, when it is not absurdly long
            _ if self.exp > 45 || self.exp < -45 => format!("{sign}0.{}0E{}", self.digits, self.exp),
            _ if self.exp <= 0 => format!("{sign}0.{}{}", "0".repeat((-self.exp) as usize), self.digits),
            _ if self.exp >= n => format!("{sign}{}{}", self.digits, "0".repeat((self.exp - n) as usize)),
            _ => {
                let (a, b) = self.digits.split_at(self.exp as usize);
                format!("{sign}{a}.{b}")
            }
        }
    }

    fn cmp_num(&self, other: &RefNum) -> Ordering {
        let sign = |n: &RefNum| {
            if n.digits.is_empty() {
                0
            } else if n.negative {
                -1
            } else {
                1
            }
        };
        let s = sign(self).cmp(&sign(other));
        if s != Ordering::Equal || sign(self) == 0 {
            return s;
        }
        // Same sign: compare magnitudes (exponent, then digits; a prefix is smaller).
        let magnitude = self.exp.cmp(&other.exp).then_with(|| self.digits.cmp(&other.digits));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

/// A key value with the order DynamoDB gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RefKey {
    N(RefNum),
    /// Rust orders `String`s by their UTF-8 bytes, as DynamoDB does.
    S(String),
    B(Vec<u8>),
}

impl RefKey {
    fn cmp_key(&self, other: &RefKey) -> Ordering {
        match (self, other) {
            (RefKey::N(a), RefKey::N(b)) => a.cmp_num(b),
            (RefKey::S(a), RefKey::S(b)) => a.as_bytes().cmp(b.as_bytes()),
            (RefKey::B(a), RefKey::B(b)) => a.cmp(b),
            _ => unreachable!("one key type per test"),
        }
    }

    fn json(&self, style: u8) -> Value {
        match self {
            RefKey::N(n) => json!({"N": n.spell(style)}),
            RefKey::S(s) => json!({"S": s}),
            RefKey::B(b) => json!({"B": B64.encode(b)}),
        }
    }
}

fn ref_num() -> impl Strategy<Value = RefNum> {
    prop_oneof![
        // Small integers, negatives included.
        (-1000i64..1000).prop_map(|i| RefNum::new(i < 0, &i.unsigned_abs().to_string(), i.unsigned_abs().to_string().len() as i32)),
        // Up to 38 significant digits, anywhere in the range.
        (any::<bool>(), "[1-9][0-9]{0,37}", -129i32..=126).prop_map(|(neg, d, e)| RefNum::new(neg, &d, e)),
        // Many values close together: same exponent, few digits.
        (any::<bool>(), "[1-9][0-9]{0,2}", -2i32..3).prop_map(|(neg, d, e)| RefNum::new(neg, &d, e)),
        Just(RefNum::new(false, "", 0)),
    ]
}

fn ref_string() -> impl Strategy<Value = String> {
    // ASCII, two- and three-byte characters, and characters outside the BMP: UTF-8 byte order
    // differs from UTF-16 order between U+E000..U+FFFF and the supplementary planes.
    let chars = prop::sample::select(vec![
        'a',
        'b',
        'z',
        'A',
        'Z',
        '0',
        '~',
        ' ',
        '\u{1}',
        'é',
        'ÿ',
        '\u{7FF}',
        '\u{800}',
        '中',
        '\u{E000}',
        '\u{FF61}',
        '\u{FFFD}',
        '😀',
        '𝄞',
        '\u{10FFFF}',
    ]);
    prop::collection::vec(chars, 1..8).prop_map(|v| v.into_iter().collect())
}

fn ref_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0x7f), Just(0x80), Just(0xfe), Just(0xff), any::<u8>()], 1..6)
}

/// Distinct values (by DynamoDB equality: `1` and `1.0` are one number).
fn distinct(values: Vec<RefKey>) -> Vec<RefKey> {
    let mut out: Vec<RefKey> = Vec::new();
    for v in values {
        if !out.iter().any(|o| o.cmp_key(&v) == Ordering::Equal) {
            out.push(v);
        }
    }
    out
}

fn keys(kind: char) -> BoxedStrategy<Vec<RefKey>> {
    let one: BoxedStrategy<RefKey> = match kind {
        'N' => ref_num().prop_map(RefKey::N).boxed(),
        'S' => ref_string().prop_map(RefKey::S).boxed(),
        _ => ref_bytes().prop_map(RefKey::B).boxed(),
    };
    prop::collection::vec(one, 2..30).prop_map(distinct).boxed()
}

// ---------------------------------------------------------------------------------------------
// Sort order.

/// Items in two partitions; sort key, LSI sort key (a permutation of the values) and GSI sort
/// key (drawn from three values, so there are ties) of type `kind`.
fn check_sort_order(kind: char, vals: &[RefKey], perm_seed: u64, style: u8) {
    let t = kind.to_string();
    let mut db = Db::new();
    db.create(json!({
        "TableName": "Sorted",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": t},
            {"AttributeName": "lsk", "AttributeType": t}, {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "gsk", "AttributeType": t}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "LocalSecondaryIndexes": [{"IndexName": "ByLsk", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "lsk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
        "GlobalSecondaryIndexes": [{"IndexName": "ByGsk", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "gsk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        "BillingMode": "PAY_PER_REQUEST"
    }));
    let n = vals.len();
    // A permutation for the LSI sort key.
    let mut perm: Vec<usize> = (0..n).collect();
    let mut x = perm_seed | 1;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        perm.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let part = |i: usize| if i.is_multiple_of(3) { "p1" } else { "p0" };
    let gsk = |i: usize| &vals[(i * 7).wrapping_add(perm_seed as usize) % 3.min(n)];
    for i in 0..n {
        db.ok("PutItem", json!({"TableName": "Sorted", "Item": {
            "pk": {"S": part(i)}, "sk": vals[i].json(style.wrapping_add(i as u8)), "lsk": vals[perm[i]].json(style), "g": {"S": "g"}, "gsk": gsk(i).json(style), "id": {"N": i.to_string()}
        }}));
    }
    for p in ["p0", "p1"] {
        let members: Vec<usize> = (0..n).filter(|i| part(*i) == p).collect();
        // The table by its sort key, the LSI by its own (a permutation of the same values).
        for (index, key_of) in [(None, (0..n).collect::<Vec<_>>()), (Some("ByLsk"), perm.clone())] {
            let mut want = members.clone();
            want.sort_by(|a, b| vals[key_of[*a]].cmp_key(&vals[key_of[*b]]));
            for forward in [true, false] {
                let mut q = json!({"TableName": "Sorted", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": p}}, "ScanIndexForward": forward});
                if let Some(ix) = index {
                    q["IndexName"] = json!(ix);
                }
                let got: Vec<usize> = ids(&db.ok("Query", q)["Items"]).into_iter().map(|i| i as usize).collect();
                let mut want = want.clone();
                if !forward {
                    want.reverse();
                }
                assert_eq!(got, want, "{kind} {index:?} forward={forward} values={vals:?}");
            }
        }
    }
    // The GSI: sorted by its sort key, ties in some fixed order; backwards is exactly the
    // reverse; the same after a reload (the index rebuilt from the items).
    let gsi = |db: &mut Db, forward: bool| -> Vec<usize> {
        let out = db.ok(
            "Query",
            json!({"TableName": "Sorted", "IndexName": "ByGsk", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "g"}}, "ScanIndexForward": forward}),
        );
        // KEYS_ONLY: find each item's id through its table key.
        out["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|it| {
                let sk = &it["sk"];
                (0..n).find(|i| part(*i) == it["pk"]["S"].as_str().unwrap() && same_key(&vals[*i], sk)).expect("a returned key is a stored item")
            })
            .collect()
    };
    let forward = gsi(&mut db, true);
    assert_eq!(forward.len(), n);
    assert_eq!(forward.iter().collect::<BTreeSet<_>>().len(), n);
    for w in forward.windows(2) {
        assert_ne!(gsk(w[0]).cmp_key(gsk(w[1])), Ordering::Greater, "GSI order {kind}: {vals:?}");
    }
    let mut backward = gsi(&mut db, false);
    backward.reverse();
    assert_eq!(backward, forward, "GSI backwards is the reverse, ties included");
    assert_eq!(gsi(&mut db, true), forward, "GSI tie order is deterministic");
    assert_eq!(gsi(&mut db.reloaded(), true), forward, "GSI tie order survives a reload");
}

fn same_key(v: &RefKey, got: &Value) -> bool {
    match (v, got) {
        (RefKey::N(n), Value::Object(m)) => m.get("N").and_then(Value::as_str).is_some_and(|s| canonical(n) == s),
        (RefKey::S(s), Value::Object(m)) => m.get("S").and_then(Value::as_str) == Some(s.as_str()),
        (RefKey::B(b), Value::Object(m)) => m.get("B").and_then(Value::as_str).is_some_and(|s| B64.decode(s).ok().as_deref() == Some(b.as_slice())),
        _ => false,
    }
}

/// DynamoDB's canonical spelling: plain decimal, no exponent, no superfluous zeros.
fn canonical(n: &RefNum) -> String {
    if n.digits.is_empty() {
        return "0".into();
    }
    let sign = if n.negative { "-" } else { "" };
    let len = n.digits.len() as i32;
    if n.exp <= 0 {
        format!("{sign}0.{}{}", "0".repeat((-n.exp) as usize), n.digits)
    } else if n.exp >= len {
        format!("{sign}{}{}", n.digits, "0".repeat((n.exp - len) as usize))
    } else {
        let (a, b) = n.digits.split_at(n.exp as usize);
        format!("{sign}{a}.{b}")
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn query_orders_numbers_numerically(vals in keys('N'), seed in any::<u64>(), style in any::<u8>()) {
        check_sort_order('N', &vals, seed, style);
    }

    #[test]
    fn query_orders_strings_by_utf8_bytes(vals in keys('S'), seed in any::<u64>()) {
        check_sort_order('S', &vals, seed, 0);
    }

    #[test]
    fn query_orders_binary_by_unsigned_bytes(vals in keys('B'), seed in any::<u64>()) {
        check_sort_order('B', &vals, seed, 0);
    }

    /// Every number spelling DynamoDB accepts comes back in canonical form, equal in value.
    #[test]
    fn numbers_round_trip_in_canonical_form(n in ref_num(), style in any::<u8>()) {
        let mut db = Db::new();
        db.create(json!({"TableName": "Nums", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}));
        let spelled = n.spell(style);
        db.ok("PutItem", json!({"TableName": "Nums", "Item": {"k": {"N": spelled}}}));
        // Any other spelling of the same number finds the item.
        let got = db.ok("GetItem", json!({"TableName": "Nums", "Key": {"k": {"N": n.spell(style.wrapping_add(1))}}}));
        let want = canonical(&n);
        prop_assert_eq!(got["Item"]["k"]["N"].as_str(), Some(want.as_str()), "{}", spelled);
    }
}

// ---------------------------------------------------------------------------------------------
// Paging.

#[derive(Debug, Clone)]
struct PItem {
    pk: u8,
    sk: i32,
    f: u8,
    l: Option<u8>,
    g: Option<u8>,
}

fn page_items() -> impl Strategy<Value = Vec<PItem>> {
    prop::collection::vec((0u8..3, -50i32..50, 0u8..6, prop::option::of(0u8..4), prop::option::of(0u8..2)), 0..40).prop_map(|v| {
        let mut seen = BTreeSet::new();
        v.into_iter().filter(|(pk, sk, ..)| seen.insert((*pk, *sk))).map(|(pk, sk, f, l, g)| PItem { pk, sk, f, l, g }).collect()
    })
}

/// Follows LastEvaluatedKey from `req` (with `Limit`) to the end; returns the pages.
fn pages(db: &mut Db, op: &str, req: &Value, limit: usize) -> Vec<Value> {
    let mut req = req.clone();
    req["Limit"] = json!(limit);
    let mut out = Vec::new();
    loop {
        let page = db.ok(op, req.clone());
        let scanned = page["ScannedCount"].as_u64().unwrap() as usize;
        let count = page["Count"].as_u64().unwrap() as usize;
        assert!(scanned <= limit, "a page reads at most Limit items");
        assert!(count <= scanned, "Count <= ScannedCount");
        assert_eq!(count, page["Items"].as_array().unwrap().len());
        let next = page.get("LastEvaluatedKey").cloned();
        if next.is_none() {
            assert!(scanned < limit, "a page that reached Limit carries LastEvaluatedKey");
        }
        out.push(page);
        assert!(out.len() <= 100, "paging does not end");
        match next {
            Some(k) => req["ExclusiveStartKey"] = k,
            None => return out,
        }
    }
}

/// Pages of `req` at `limit` together equal the one unlimited answer (the same items, in the
/// same order, each once), with Count and ScannedCount summing to its own.
fn check_paging(db: &mut Db, op: &str, req: &Value, limit: usize) -> Vec<u64> {
    let whole = db.ok(op, req.clone());
    assert!(whole.get("LastEvaluatedKey").is_none(), "small answers fit one page");
    let ps = pages(db, op, req, limit);
    let items: Vec<Value> = ps.iter().flat_map(|p| p["Items"].as_array().unwrap().clone()).collect();
    assert_eq!(Value::Array(items), whole["Items"], "{op} {req} limit {limit}: pages differ from the whole");
    let sum = |k: &str| ps.iter().map(|p| p[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("Count"), whole["Count"].as_u64().unwrap());
    assert_eq!(sum("ScannedCount"), whole["ScannedCount"].as_u64().unwrap());
    let got = ids(&whole["Items"]);
    assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "each item once");
    got
}

fn paging_table(db: &mut Db, items: &[PItem]) {
    db.create(json!({
        "TableName": "Paged",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "N"}, {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "LocalSecondaryIndexes": [{"IndexName": "ByL", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
        "GlobalSecondaryIndexes": [{"IndexName": "ByG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}],
        "BillingMode": "PAY_PER_REQUEST"
    }));
    for (id, it) in items.iter().enumerate() {
        let mut item = json!({"pk": {"S": format!("p{}", it.pk)}, "sk": {"N": it.sk.to_string()}, "f": {"N": it.f.to_string()}, "id": {"N": id.to_string()}});
        if let Some(l) = it.l {
            item["l"] = json!({"N": l.to_string()});
        }
        if let Some(g) = it.g {
            item["g"] = json!({"S": format!("g{g}")});
        }
        db.ok("PutItem", json!({"TableName": "Paged", "Item": item}));
    }
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn paging_returns_every_item_once_in_order(items in page_items(), limit in 1usize..8, filter in prop::option::of(0u8..6), forward in any::<bool>()) {
        let mut db = Db::new();
        paging_table(&mut db, &items);
        let with_filter = |mut req: Value| {
            if let Some(x) = filter {
                req["FilterExpression"] = json!("f >= :x");
                let mut values = req.get("ExpressionAttributeValues").cloned().unwrap_or(json!({}));
                values[":x"] = json!({"N": x.to_string()});
                req["ExpressionAttributeValues"] = values;
            }
            req
        };
        let passes = |it: &PItem| filter.is_none_or(|x| it.f >= x);
        let all: Vec<usize> = (0..items.len()).collect();

        // Query: the table and the LSI per partition, the GSI per index partition.
        for p in 0..3u8 {
            let q = json!({"TableName": "Paged", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": format!("p{p}")}}, "ScanIndexForward": forward});
            let mut want: Vec<usize> = all.iter().copied().filter(|i| items[*i].pk == p && passes(&items[*i])).collect();
            want.sort_by_key(|i| items[*i].sk);
            if !forward { want.reverse(); }
            let got = check_paging(&mut db, "Query", &with_filter(q.clone()), limit);
            prop_assert_eq!(got.iter().map(|i| *i as usize).collect::<Vec<_>>(), want);

            let mut lq = q.clone();
            lq["IndexName"] = json!("ByL");
            let got = check_paging(&mut db, "Query", &with_filter(lq), limit);
            let want: BTreeSet<usize> = all.iter().copied().filter(|i| items[*i].pk == p && items[*i].l.is_some() && passes(&items[*i])).collect();
            prop_assert_eq!(got.iter().map(|i| *i as usize).collect::<BTreeSet<_>>(), want);
            // In index order (ties on the LSI key in table-key order).
            let order: Vec<(u8, i32)> = got.iter().map(|i| (items[*i as usize].l.unwrap(), items[*i as usize].sk)).collect();
            let mut sorted = order.clone();
            sorted.sort();
            if !forward { sorted.reverse(); }
            prop_assert_eq!(order, sorted);
        }
        for g in 0..2u8 {
            let q = json!({"TableName": "Paged", "IndexName": "ByG", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": format!("g{g}")}}, "ScanIndexForward": forward});
            let got = check_paging(&mut db, "Query", &with_filter(q), limit);
            let want: BTreeSet<usize> = all.iter().copied().filter(|i| items[*i].g == Some(g) && passes(&items[*i])).collect();
            prop_assert_eq!(got.iter().map(|i| *i as usize).collect::<BTreeSet<_>>(), want);
            let sks: Vec<i32> = got.iter().map(|i| items[*i as usize].sk).collect();
            let mut sorted = sks.clone();
            sorted.sort();
            if !forward { sorted.reverse(); }
            prop_assert_eq!(sks, sorted);
        }

        // Scan: the table and both indexes.
        for (index, member) in [(None, (|_: &PItem| true) as fn(&PItem) -> bool), (Some("ByL"), |it: &PItem| it.l.is_some()), (Some("ByG"), |it: &PItem| it.g.is_some())] {
            let mut s = json!({"TableName": "Paged"});
            if let Some(ix) = index { s["IndexName"] = json!(ix); }
            let got = check_paging(&mut db, "Scan", &with_filter(s), limit);
            let want: BTreeSet<usize> = all.iter().copied().filter(|i| member(&items[*i]) && passes(&items[*i])).collect();
            prop_assert_eq!(got.iter().map(|i| *i as usize).collect::<BTreeSet<_>>(), want);
        }
    }

    #[test]
    fn parallel_scan_segments_are_disjoint_and_cover_the_table(items in page_items(), total in 1u32..9, limit in 1usize..6, index in prop::option::of(prop::sample::select(vec!["ByL", "ByG"]))) {
        let mut db = Db::new();
        paging_table(&mut db, &items);
        let mut base = json!({"TableName": "Paged"});
        if let Some(ix) = index { base["IndexName"] = json!(ix); }
        let whole = ids(&db.ok("Scan", base.clone())["Items"]);
        let mut seen = BTreeSet::new();
        for segment in 0..total {
            let mut req = base.clone();
            req["Segment"] = json!(segment);
            req["TotalSegments"] = json!(total);
            for page in pages(&mut db, "Scan", &req, limit) {
                for id in ids(&page["Items"]) {
                    prop_assert!(seen.insert(id), "item {} in two segments (or twice in one)", id);
                }
            }
        }
        prop_assert_eq!(seen, whole.iter().copied().collect::<BTreeSet<_>>());
        prop_assert_eq!(whole.len(), items.iter().filter(|it| match index { Some("ByL") => it.l.is_some(), Some(_) => it.g.is_some(), None => true }).count());
    }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic against exact references.

/// Canonical decimal text of v × 10^-scale.
fn decimal(v: i128, scale: u32) -> String {
    if v == 0 {
        return "0".into();
    }
    let digits = v.unsigned_abs().to_string();
    let s = scale as usize;
    let padded = if digits.len() <= s { format!("{}{digits}", "0".repeat(s - digits.len() + 1)) } else { digits };
    let (int, frac) = padded.split_at(padded.len() - s);
    let frac = frac.trim_end_matches('0');
    format!("{}{int}{}{frac}", if v < 0 { "-" } else { "" }, if frac.is_empty() { "" } else { "." })
}

/// Significant digits of an integer (trailing zeros do not count).
fn significant(v: i128) -> usize {
    if v == 0 {
        return 0;
    }
    let d = v.unsigned_abs().to_string();
    d.trim_end_matches('0').len()
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Add,
    SetPlus,
    SetMinus,
    SetReverseMinus,
}

fn arithmetic_table() -> Db {
    let mut db = Db::new();
    db.create(json!({"TableName": "Math", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}));
    db
}

/// Applies `op` with operand `x` to the number at `n`; the engine's answer as text, or the error.
fn apply(db: &mut Db, op: Op, x: &str) -> Result<String, AwsError> {
    let expr = match op {
        Op::Add => "ADD n :x",
        Op::SetPlus => "SET n = n + :x",
        Op::SetMinus => "SET n = n - :x",
        Op::SetReverseMinus => "SET n = :x - n",
    };
    db.call(
        "UpdateItem",
        json!({"TableName": "Math", "Key": {"k": {"S": "a"}}, "UpdateExpression": expr,
        "ExpressionAttributeValues": {":x": {"N": x}}, "ReturnValues": "UPDATED_NEW"}),
    )
    .map(|out| out["Attributes"]["n"]["N"].as_str().expect("UPDATED_NEW has n").to_string())
}

fn stored(db: &mut Db) -> String {
    db.ok("GetItem", json!({"TableName": "Math", "Key": {"k": {"S": "a"}}}))["Item"]["n"]["N"].as_str().unwrap().to_string()
}

/// Integers of up to 38 digits, with extra weight near the limits.
fn big_int() -> impl Strategy<Value = i128> {
    let max = 10i128.pow(38) - 1;
    prop_oneof![
        -max / 2..=max / 2,
        -1000i128..1000,
        (0u32..38, any::<bool>()).prop_map(|(e, neg)| if neg { -(10i128.pow(e)) } else { 10i128.pow(e) }),
        Just(max / 2),
        Just(-max / 2),
        Just(max),
        Just(-max),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    /// ADD and SET with + and - agree with i128 arithmetic; a result beyond 38 significant
    /// digits is a ValidationException that leaves the item as it was.
    #[test]
    fn integer_arithmetic_matches_i128(start in big_int(), steps in prop::collection::vec((prop::sample::select(vec![Op::Add, Op::SetPlus, Op::SetMinus, Op::SetReverseMinus]), big_int()), 1..6)) {
        let mut db = arithmetic_table();
        db.ok("PutItem", json!({"TableName": "Math", "Item": {"k": {"S": "a"}, "n": {"N": start.to_string()}}}));
        let mut cur = start;
        for (op, x) in steps {
            let want = match op {
                Op::Add | Op::SetPlus => cur.checked_add(x),
                Op::SetMinus => cur.checked_sub(x),
                Op::SetReverseMinus => x.checked_sub(cur),
            };
            // Beyond i128 (about 1.7 × 10^38) the sum has 39 digits: stop there.
            let Some(want) = want else { break };
            // |want| < 2 × 10^38, far inside the range: only the 38 significant digits can fail.
            let fits = significant(want) <= 38;
            match apply(&mut db, op, &x.to_string()) {
                Ok(got) => {
                    prop_assert!(fits, "{op:?} {cur} {x} = {want} accepted as {got}");
                    prop_assert_eq!(got, want.to_string());
                    cur = want;
                }
                Err(e) => {
                    prop_assert!(!fits, "{op:?} {cur} {x} = {want} refused: {}", e.message);
                    prop_assert_eq!(e.kind.as_str(), "ValidationException");
                    prop_assert_eq!(stored(&mut db), cur.to_string(), "a refused update changes nothing");
                }
            }
        }
        prop_assert_eq!(stored(&mut db), cur.to_string());
    }

    /// Decimal arithmetic is exact: values v × 10^-s (v an i64, s up to 19) added and
    /// subtracted, against a reference at a common scale of 19 decimals.
    #[test]
    fn decimal_arithmetic_is_exact(a in any::<i64>(), sa in 0u32..=19, steps in prop::collection::vec((any::<bool>(), any::<i64>(), 0u32..=19), 1..5)) {
        const SCALE: u32 = 19;
        // i64 × 10^19 fits in an i128.
        let widen = |v: i64, s: u32| i128::from(v) * 10i128.pow(SCALE - s);
        let mut db = arithmetic_table();
        db.ok("PutItem", json!({"TableName": "Math", "Item": {"k": {"S": "a"}, "n": {"N": decimal(a.into(), sa)}}}));
        let mut cur = widen(a, sa);
        for (plus, x, sx) in steps {
            let Some(want) = (if plus { cur.checked_add(widen(x, sx)) } else { cur.checked_sub(widen(x, sx)) }) else { break };
            match apply(&mut db, if plus { Op::SetPlus } else { Op::SetMinus }, &decimal(x.into(), sx)) {
                Ok(got) => {
                    prop_assert_eq!(got, decimal(want, SCALE));
                    cur = want;
                }
                Err(e) => prop_assert!(significant(want) > 38, "{} refused: {}", decimal(want, SCALE), e.message),
            }
        }
        prop_assert_eq!(stored(&mut db), decimal(cur, SCALE));
    }
}

#[test]
fn references_agree_with_known_cases() {
    assert_eq!(decimal(-15, 1), "-1.5");
    assert_eq!(decimal(1500, 3), "1.5");
    assert_eq!(decimal(5, 3), "0.005");
    assert_eq!(decimal(1_000_000, 2), "10000");
    assert_eq!(significant(1_230_000), 3);
    let n = |s: &str, e: i32| RefNum::new(s.starts_with('-'), s.trim_start_matches('-'), e);
    assert_eq!(n("1", 1).cmp_num(&n("10", 1)), Ordering::Equal);
    assert_eq!(n("1", 1).cmp_num(&n("10", 2)), Ordering::Less);
    assert_eq!(n("-5", 1).cmp_num(&n("-4", 1)), Ordering::Less);
    assert_eq!(n("12", 0).cmp_num(&n("123", 0)), Ordering::Less);
    assert_eq!(canonical(&n("15", 1)), "1.5");
    assert_eq!(canonical(&n("15", -2)), "0.0015");
    assert_eq!(canonical(&n("15", 4)), "1500");
}
