//! Expression parsing and evaluation, with AWS's semantics and messages.

use serde_json::{json, Value};

use super::{eval, parser, Kind, Placeholders, MAX_EXPRESSION_BYTES};
use crate::services::dynamodb::value::{item_from_json, Item};

fn ph(names: Value, values: Value) -> Placeholders {
    Placeholders::new(names.as_object(), if values.is_null() { None } else { Some(&values) }).unwrap()
}

fn item() -> Item {
    item_from_json(&json!({
        "id": {"S": "u1"}, "age": {"N": "42"}, "name": {"S": "Alice"}, "tags": {"SS": ["a", "b"]},
        "scores": {"L": [{"N": "1"}, {"N": "5"}, {"M": {"x": {"S": "deep"}}}]}, "addr": {"M": {"city": {"S": "Seoul"}, "zip": {"S": "04524"}}},
        "active": {"BOOL": true}, "bin": {"B": "AAEC"}
    }))
    .unwrap()
}

/// Evaluates `expr` against the sample item with values `:a` .. given.
fn check(expr: &str, values: Value) -> bool {
    let mut p = ph(json!({"#n": "name", "#s": "size"}), values);
    let c = parser::condition(expr, Kind::Condition, &mut p).unwrap_or_else(|e| panic!("{expr}: {}", e.message));
    eval::matches(&item(), &c)
}

#[test]
fn conditions_follow_dynamodb_semantics() {
    let v = json!({":n": {"N": "42"}, ":s": {"S": "Al"}, ":t": {"S": "a"}, ":lo": {"N": "40"}, ":hi": {"N": "50"}, ":city": {"S": "Seoul"}, ":x": {"S": "zzz"}, ":ty": {"S": "SS"}, ":two": {"N": "2"}, ":b": {"B": "AA=="}});
    let cases = [
        ("age = :n", true),
        ("age <> :n", false),
        ("age < :hi AND age > :lo", true),
        ("age BETWEEN :lo AND :hi", true),
        ("begins_with(#n, :s)", true),
        ("contains(tags, :t)", true),
        ("contains(#n, :t)", false),
        ("attribute_exists(addr.city)", true),
        ("attribute_not_exists(absent)", true),
        ("attribute_exists(scores[2].x)", true),
        ("addr.city = :city", true),
        ("scores[1] > :lo", false),
        ("NOT age = :n OR #n = :x", false),
        ("age IN (:lo, :n, :hi)", true),
        ("size(tags) = :two", true),
        ("attribute_type(tags, :ty)", true),
        ("absent = :n", false),
        ("absent <> :n", false),
        ("#n > :n", false),
        ("begins_with(bin, :b)", true),
        ("(age = :n AND #n = :x) OR contains(tags, :t)", true),
        ("age = :n AND (#n = :x OR contains(tags, :t))", true),
    ];
    for (expr, want) in cases {
        // Only the values an expression uses may be passed: build them per case.
        let used: serde_json::Map<String, Value> = v.as_object().unwrap().iter().filter(|(k, _)| expr.contains(k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        let used = if used.is_empty() { Value::Null } else { Value::Object(used) };
        assert_eq!(check(expr, used), want, "{expr}");
    }
}

fn err(expr: &str, names: Value, values: Value) -> String {
    let mut p = ph(names, values);
    match parser::condition(expr, Kind::Condition, &mut p) {
        Ok(_) => p.check_all_used().map(|_| String::new()).unwrap_or_else(|e| e.message),
        Err(e) => e.message,
    }
}

#[test]
fn condition_errors_match_aws() {
    let n = Value::Null;
    assert_eq!(err("", n.clone(), n.clone()), "Invalid ConditionExpression: The expression can not be empty;");
    assert_eq!(err("a = :v", n.clone(), n.clone()), "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v");
    assert_eq!(err("#a = b", n.clone(), n.clone()), "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a");
    assert_eq!(err("a = b", json!({"#x": "y"}), n.clone()), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}");
    assert_eq!(err("a = b", n.clone(), json!({":x": {"S": "y"}})), "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}");
    assert_eq!(err("whatever(a)", n.clone(), n.clone()), "Invalid ConditionExpression: Invalid function name; function: whatever");
    assert_eq!(err("((a = b))", n.clone(), n.clone()), "Invalid ConditionExpression: The expression has redundant parentheses;");
    assert_eq!(err("a = ", n.clone(), n.clone()), "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
    assert_eq!(err("a == b", n.clone(), n.clone()), "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== b\"");
    assert!(err("Status = b", n.clone(), n.clone()).contains("Attribute name is a reserved keyword; reserved keyword: Status"));
    assert!(err("begins_with(a, :n)", n.clone(), json!({":n": {"N": "1"}})).contains("operator or function: begins_with, operand type: N"));
    assert!(err("a BETWEEN :hi AND :lo", n.clone(), json!({":lo": {"N": "1"}, ":hi": {"N": "9"}})).contains("requires upper bound to be greater than or equal to lower bound"));
    assert!(err("a < :b", n.clone(), json!({":b": {"BOOL": true}})).contains("operator or function: <, operand type: BOOL"));
}

#[test]
fn hostile_expressions_are_refused() {
    let deep = format!("{}a = b{}", "(".repeat(5000), ")".repeat(5000));
    assert!(err(&deep[..4000], Value::Null, Value::Null).starts_with("Invalid ConditionExpression"));
    let many = vec!["a = b"; 400].join(" AND ");
    assert!(err(&many, Value::Null, Value::Null).contains("Expression size has exceeded") || err(&many, Value::Null, Value::Null).contains("too many operators"));
    let ops = vec!["a=b"; 310].join(" OR ");
    assert!(err(&ops, Value::Null, Value::Null).contains("too many operators"), "{}", err(&ops, Value::Null, Value::Null));
    let nots = format!("{}a = b", "NOT ".repeat(900));
    assert!(err(&nots, Value::Null, Value::Null).starts_with("Invalid ConditionExpression"));
    assert!(err(&"a".repeat(5000), Value::Null, Value::Null).contains("Expression size has exceeded the maximum allowed size; expression size: 5000"));
}

#[test]
fn projection_keeps_nesting_and_list_order() {
    let mut p = ph(json!({"#n": "name"}), Value::Null);
    let paths = parser::projection("#n, addr.city, scores[2].x, scores[0], absent", &mut p).unwrap();
    p.check_all_used().unwrap();
    let out = eval::project(&item(), &paths);
    assert_eq!(
        crate::services::dynamodb::value::item_to_json(&out),
        json!({
            "addr": {"M": {"city": {"S": "Seoul"}}}, "name": {"S": "Alice"}, "scores": {"L": [{"N": "1"}, {"M": {"x": {"S": "deep"}}}]}
        })
    );
    let mut p = ph(Value::Null, Value::Null);
    let e = parser::projection("a.b, a", &mut p).unwrap_err();
    assert_eq!(e.message, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]");
    let e = parser::projection("a[0], a.b", &mut ph(Value::Null, Value::Null)).unwrap_err();
    assert!(e.message.contains("Two document paths conflict with each other"), "{}", e.message);
}

/// Placeholders for the hostile-input tests: one name and one value.
fn hostile_ph() -> Placeholders {
    ph(json!({"#a": "a"}), json!({":v": {"N": "1"}}))
}

/// Stack for the hostile-input tests: half of a Web Worker's 1 MiB, so that a parser that
/// recursed without bound, or spent too much stack per level, crashes the test (in a debug
/// build, nesting conditions to the depth limit used ~1.5 MiB before the parser's frames were
/// slimmed; it now uses under 400 KiB, and under 100 KiB in release).
const SMALL_STACK: usize = 512 * 1024;

/// Runs every parser on `text` (as a condition, filter, key condition, projection and update)
/// and checks each refuses it with a ValidationException, on a thread with a small stack.
fn every_parser_refuses(label: &str, texts: &[String]) {
    for text in texts {
        let text = text.clone();
        let label = label.to_string();
        let t = std::thread::Builder::new().stack_size(SMALL_STACK).spawn(move || {
            let start = std::time::Instant::now();
            let results = [
                parser::condition(&text, Kind::Condition, &mut hostile_ph()).map(|_| ()),
                parser::condition(&text, Kind::Filter, &mut hostile_ph()).map(|_| ()),
                parser::condition(&text, Kind::KeyCondition, &mut hostile_ph()).map(|_| ()),
                parser::projection(&text, &mut hostile_ph()).map(|_| ()),
                parser::update(&text, &mut hostile_ph()).map(|_| ()),
            ];
            // Timing is reported, not asserted (run with --nocapture to see it).
            eprintln!("{label}: {} bytes, 5 parsers in {:?}", text.len(), start.elapsed());
            for (i, r) in results.into_iter().enumerate() {
                let e = r.expect_err(&format!("{label} ({} bytes) accepted by parser {i}", text.len()));
                assert_eq!(e.kind, "ValidationException", "{label}: {}", e.message);
            }
        });
        t.expect("spawn").join().expect("the parser thread neither panicked nor overflowed its stack");
    }
}

/// `open` + `inner` + `close` repeated `n` times around it: once with n = 100,000 (refused for
/// size) and once with the deepest nesting that fits in 4 KB (refused by the depth, operator or
/// path limits).
fn nested(open: &str, inner: &str, close: &str) -> Vec<String> {
    let fits = (MAX_EXPRESSION_BYTES - inner.len()) / (open.len() + close.len());
    [100_000, fits].iter().map(|n| format!("{}{inner}{}", open.repeat(*n), close.repeat(*n))).collect()
}

#[test]
fn deeply_nested_expressions_are_validation_errors_without_deep_recursion() {
    every_parser_refuses("parentheses", &nested("(", "a = :v", ")"));
    every_parser_refuses("NOT NOT ...", &nested("NOT ", "a = :v", ""));
    every_parser_refuses("a.a.a... path", &nested("a.", "a = :v", ""));
    every_parser_refuses("#a.#a.#a... path", &nested("#a.", "#a = :v", ""));
    every_parser_refuses("a[0][0]... path", &nested("", "SET a", "[0]"));
    every_parser_refuses("size(size(...))", &nested("size(", "a", ") = :v"));
    every_parser_refuses("if_not_exists nesting", &nested("SET a = if_not_exists(a, ", ":v", ")"));
    every_parser_refuses("list_append nesting", &nested("SET a = list_append(", ":v", ", :v)"));
    every_parser_refuses("AND chain", &nested("a = :v AND ", "a = :v", ""));
    every_parser_refuses("IN operands", &nested("", "a IN (:v", ", :v"));
    every_parser_refuses("(a = :v) OR ... nesting", &nested("(a = :v OR ", "a = :v", ")"));
}

/// The deepest expressions the limits let through parse and evaluate on the small stack.
#[test]
fn deepest_accepted_expressions_parse_and_evaluate_on_a_small_stack() {
    let t = std::thread::Builder::new().stack_size(SMALL_STACK).spawn(|| {
        let item = item();
        let deepest = |n: usize| format!("{}age = :v{}", "(age = :v OR ".repeat(n), ")".repeat(n));
        let mut ph = ph(Value::Null, json!({":v": {"N": "42"}}));
        let c = parser::condition(&deepest(63), Kind::Filter, &mut ph).expect("63 levels are within the limit");
        assert!(eval::matches(&item, &c));
        assert!(parser::condition(&deepest(64), Kind::Filter, &mut hostile_ph()).unwrap_err().message.contains("nested too deeply"));
        // The longest chain: 150 comparisons joined by 149 ANDs is 299 operators.
        for joint in [" AND ", " OR "] {
            let chain = vec!["age = :v"; 150].join(joint);
            let c = parser::condition(&chain, Kind::Condition, &mut ph).expect("299 operators");
            assert!(eval::matches(&item, &c));
        }
        let nots = format!("{}age = :v", "NOT ".repeat(62));
        assert!(eval::matches(&item, &parser::condition(&nots, Kind::Condition, &mut ph).expect("62 NOTs")));
    });
    t.expect("spawn").join().expect("no panic, no stack overflow");
}

#[test]
fn document_paths_nest_at_most_32_levels() {
    let path = |n: usize| format!("a{}", ".b".repeat(n - 1));
    let mut p = ph(Value::Null, Value::Null);
    assert_eq!(parser::projection(&path(32), &mut p).unwrap()[0].0.len(), 32);
    let e = parser::projection(&path(33), &mut ph(Value::Null, Value::Null)).unwrap_err();
    assert_eq!(e.message, "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33");
    let e = parser::condition(&format!("attribute_exists(a{})", "[0]".repeat(40)), Kind::Condition, &mut ph(Value::Null, Value::Null)).unwrap_err();
    assert_eq!(e.message, "Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 41");
    let e = parser::update(&format!("REMOVE {}", path(33)), &mut ph(Value::Null, Value::Null)).unwrap_err();
    assert!(e.message.ends_with("nesting levels: 33"), "{}", e.message);
}

/// An update that places a nested value under a nested path must not build an item deeper than
/// PutItem accepts: such an item could not be stored again (the sandbox would not reload).
#[test]
fn updates_cannot_nest_items_beyond_the_limit() {
    use crate::services::dynamodb::{expr::update, value::MAX_DEPTH};
    let mut deep = json!({"S": "x"});
    for _ in 0..MAX_DEPTH {
        deep = json!({"M": {"a": deep}});
    }
    let apply = |expr: &str, item: &Item| {
        let mut p = ph(Value::Null, json!({":v": deep}));
        let actions = parser::update(expr, &mut p).unwrap();
        let mut out = item.clone();
        update::apply(&mut out, item, &actions).map(|_| out)
    };
    // The value alone is at the limit: fine at the top level.
    let item = apply("SET a = :v", &Item::default()).unwrap();
    // One level further down is one too many, whichever action puts it there.
    for expr in ["SET a.a = :v", "SET b = :v, a.a.a = :v"] {
        let e = apply(expr, &item).unwrap_err();
        assert_eq!(e.message, "One or more parameter values were invalid: Nesting Levels have exceeded supported limits", "{expr}");
    }
    let shallow = item_from_json(&json!({"a": {"M": {}}, "l": {"L": []}})).unwrap();
    assert!(apply("SET a.b = :v", &shallow).is_err());
    assert!(apply("SET l[0] = :v", &shallow).is_err());
}
