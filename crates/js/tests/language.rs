//! Modern JavaScript a learner may write runs (or fails as a JavaScript error), and nothing a
//! handler does can crash the runtime: every program below must come back as a result or a
//! function error, never a runtime failure.

mod common;

use common::Sandbox;
use serde_json::{json, Value};

#[global_allocator]
static ALLOC: gureum_js::alloc::Counting<std::alloc::System> = gureum_js::alloc::Counting(std::alloc::System);

/// (handler body, expected result or None when only "no crash" is asserted).
const PROGRAMS: &[(&str, Option<&str>)] = &[
    ("class A { #x = 1; get x() { return this.#x; } static s = 2; } return new A().x + A.s;", Some("3")),
    ("const { a = 5, ...rest } = { b: 1, c: 2 }; return [a, Object.keys(rest)];", Some("[5,[\"b\",\"c\"]]")),
    ("function* g() { yield 1; yield 2; } return [...g()];", Some("[1,2]")),
    ("async function* ag() { yield 1; yield 2; } const out = []; for await (const x of ag()) out.push(x); return out;", Some("[1,2]")),
    ("return (2n ** 64n).toString();", Some("\"18446744073709551616\"")),
    ("const o = { a: { b: null } }; return [o?.a?.b?.c, o.x ?? 'dflt'];", Some("[null,\"dflt\"]")),
    ("const p = new Proxy({}, { get: (t, k) => `prop:${String(k)}` }); return p.hello;", Some("\"prop:hello\"")),
    ("return [1, [2, [3, [4]]]].flat(Infinity);", Some("[1,2,3,4]")),
    ("return Object.fromEntries(new Map([['a', 1]]));", Some("{\"a\":1}")),
    ("return 'a-b-c'.replaceAll('-', '+');", Some("\"a+b+c\"")),
    ("return [3, 1, 2].toSorted();", Some("[1,2,3]")),
    ("return /(?<y>\\d{4})-(?<m>\\d{2})/.exec('2026-11').groups.y;", Some("\"2026\"")),
    ("return JSON.parse(JSON.stringify({ d: new Date(0) }));", Some("{\"d\":\"1970-01-01T00:00:00.000Z\"}")),
    ("return new Uint8Array([1, 2, 3]).reduce((a, b) => a + b, 0);", Some("6")),
    ("return Array.from({ length: 3 }, (_, i) => i * i);", Some("[0,1,4]")),
    ("return Promise.allSettled([Promise.resolve(1), Promise.reject(new Error('x'))]).then((r) => r.map((x) => x.status));", Some("[\"fulfilled\",\"rejected\"]")),
    ("const s = new Set([1, 2, 2, 3]); return [...s].length;", Some("3")),
    ("label: for (const i of [1, 2]) { for (const j of [1, 2]) { if (j === 2) continue label; } } return 'ok';", Some("\"ok\"")),
    ("return typeof structuredClone === 'function' ? structuredClone({ a: 1 }) : { a: 1 };", Some("{\"a\":1}")),
    ("return new Date(Date.UTC(2026, 0, 2)).toISOString();", Some("\"2026-01-02T00:00:00.000Z\"")),
    ("return (1234.5).toFixed(1);", Some("\"1234.5\"")),
    ("return encodeURIComponent('구름 a&b');", Some("\"%EA%B5%AC%EB%A6%84%20a%26b\"")),
    ("const o = {}; o.self = o; return JSON.stringify(o);", None),
    ("const o = { get boom() { throw new Error('getter'); } }; return o;", None),
    ("return { [Symbol.toPrimitive]() { throw new Error('prim'); } } + 1;", None),
    ("let x = {}; for (let i = 0; i < 5000; i++) x = { x }; return 'deep';", Some("\"deep\"")),
    ("return eval('1 + 1');", Some("2")),
    ("return new Function('a', 'b', 'return a * b')(6, 7);", Some("42")),
    ("null.x;", None),
    ("return undefinedVariable;", None),
    ("throw { notAnError: true };", None),
    ("return Promise.reject();", None),
    ("return new WeakRef({}).deref() !== null;", None),
    ("return [...'ab'].map((c) => c.codePointAt(0));", Some("[97,98]")),
];

#[test]
fn modern_javascript_runs_and_nothing_crashes_the_runtime() {
    let mut s = Sandbox::new();
    let mut failures = Vec::new();
    for (i, (body, expected)) in PROGRAMS.iter().enumerate() {
        let name = format!("p{i}");
        let code = format!("export const handler = async () => {{ {body} }};");
        s.deploy(&name, "index.handler", &[("index.mjs", &code)], json!({}));
        let (out, payload, _) = s.invoke(&name, json!({}));
        // Runtime.MarshalError is the function's own doing (an unserialisable result); any
        // other Runtime.* error would be the runtime failing.
        if payload.get("errorType").and_then(Value::as_str).is_some_and(|t| t.starts_with("Runtime.") && t != "Runtime.MarshalError") {
            failures.push(format!("{body}: the runtime failed: {payload}"));
            continue;
        }
        if let Some(want) = expected {
            let want: Value = serde_json::from_str(want).unwrap_or(Value::Null);
            if out.get("FunctionError").is_some() || payload != want {
                failures.push(format!("{body}: got {payload}, want {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
