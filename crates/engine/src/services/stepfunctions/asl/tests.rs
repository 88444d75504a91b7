//! Data-driven tests of the ASL core, each case from the AWS documentation page cited above it.

use serde_json::{json, Value};

use super::{
    choice::{matches_pattern, timestamp, Rule},
    definition::{Definition, Kind, MapMode, Transition},
    errors::{decide, delay_ms, matches, Catcher, Decision, Jitter, Retrier, RetryCounters},
    intrinsic::{self, Env},
    path::Path,
    process::{apply_result_path, DataFlow, PathField},
    template::Template,
    validate::{codes, invalid_definition_message, validate},
    Failure,
};

fn no_random() -> u64 {
    0
}

fn sel(path: &str, input: &Value) -> Result<Value, String> {
    Path::parse(path)?.select(input, &json!({}))
}

// --- Paths --------------------------------------------------------------------------------------

/// https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
/// ("Reference paths": the example input and the values its paths select).
#[test]
fn reference_paths_from_the_paths_page() {
    let input = json!({
        "foo": 123,
        "bar": ["a", "b", "c"],
        "car": { "cdr": true }
    });
    for (path, want) in [("$.foo", json!(123)), ("$.bar", json!(["a", "b", "c"])), ("$.car.cdr", json!(true)), ("$", input.clone())] {
        assert_eq!(sel(path, &input).unwrap(), want, "{path}");
        assert!(Path::parse(path).unwrap().is_reference(), "{path}");
    }
}

/// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
/// (InputPath examples on the `comments` / `numbers` input) and the Jayway syntax the paths page
/// points to: brackets, indexes, slices, wildcards, deep scan, filters.
#[test]
fn jayway_paths() {
    let input = json!({
        "comment": "Example for InputPath.",
        "dataset1": { "val1": 1, "val2": 2, "val3": 3 },
        "dataset2": { "val1": "a", "val2": "b", "val3": "c" },
        "a b": 1, "a-b": 2, "a.b": 3,
        "list": [ {"x": 1, "n": "one"}, {"x": 2, "n": "two"}, {"x": 3, "n": "three"} ],
        "vals": [0, 10, 20, 30, 40, 50]
    });
    let cases: &[(&str, Value)] = &[
        ("$.dataset2", json!({ "val1": "a", "val2": "b", "val3": "c" })),
        ("$['a b']", json!(1)),
        ("$[\"a b\"]", json!(1)),
        ("$.a-b", json!(2)),
        ("$['a.b']", json!(3)),
        ("$.vals[0]", json!(0)),
        ("$.vals[-1]", json!(50)),
        // The spec's Parameters example: "$.vals[3:]" selects [30, 40, 50].
        ("$.vals[3:]", json!([30, 40, 50])),
        ("$.vals[0:2]", json!([0, 10])),
        ("$.vals[:2]", json!([0, 10])),
        ("$.vals[-2:]", json!([40, 50])),
        ("$.vals[0,2]", json!([0, 20])),
        ("$.list[*].x", json!([1, 2, 3])),
        ("$.list[1].n", json!("two")),
        ("$.dataset1.*", json!([1, 2, 3])),
        ("$..val2", json!([2, "b"])),
        ("$.list[?(@.x > 1)].n", json!(["two", "three"])),
        ("$.list[?(@.x >= 2 && @.n != 'three')].n", json!(["two"])),
        ("$.list[?(@.x == 1 || @.n == \"three\")].x", json!([1, 3])),
        ("$.list[?(!(@.x < 3))].x", json!([3])),
        ("$.list[?(@.missing)]", json!([])),
        ("$.list[?(@.n)].x", json!([1, 2, 3])),
        ("$['dataset1','dataset2'].val1", json!([1, "a"])),
        ("$.nothing[*]", json!([])),
        ("$..nothing", json!([])),
    ];
    for (path, want) in cases {
        assert_eq!(&sel(path, &input).unwrap_or_else(|e| panic!("{path}: {e}")), want, "{path}");
    }
    assert!(!Path::parse("$.list[*].x").unwrap().is_definite());
    assert!(Path::parse("$.list[1].n").unwrap().is_definite());
}

/// A definite path that selects nothing is an error in Jayway's words, which AWS quotes
/// ("Invalid path '$.list.length()' : Property ['length()'] not found ..." in the Step Functions
/// developer guide's history: functions are not run, `length()` is a field name).
#[test]
fn definite_paths_fail_when_absent() {
    let input = json!({ "a": { "b": 1 }, "s": "text", "list": [1, 2] });
    assert_eq!(sel("$.x", &input).unwrap_err(), "No results for path: $['x']");
    assert_eq!(sel("$.x.y", &input).unwrap_err(), "Missing property in path $['x']");
    assert_eq!(sel("$.a.c", &input).unwrap_err(), "No results for path: $['a']['c']");
    assert_eq!(sel("$.list[5]", &input).unwrap_err(), "No results for path: $['list'][5]");
    assert!(sel("$.s.y", &input).unwrap_err().starts_with("Expected to find an object with property ['y'] in path $['s']"));
    assert!(sel("$.list.length()", &input).unwrap_err().starts_with("Expected to find an object with property ['length()'] in path $['list']"));
    assert_eq!(sel("$.list.length()", &json!({"list": {"length()": 7}})).unwrap(), json!(7));
}

#[test]
fn context_paths_read_the_context_object() {
    // https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    let ctx = json!({ "Execution": { "Id": "arn:aws:states:us-east-1:123456789012:execution:stateMachineName:executionName" }, "State": { "Name": "Pass" } });
    let p = Path::parse("$$.Execution.Id").unwrap();
    assert_eq!(p.select(&json!({}), &ctx).unwrap(), json!("arn:aws:states:us-east-1:123456789012:execution:stateMachineName:executionName"));
    assert!(!p.is_result_path());
}

#[test]
fn invalid_paths_are_refused() {
    for bad in ["", "foo", "$.", "$..", "$.a b", "$[", "$['a'", "$[?(@.x =~ /a/)]", "$.a[1", "$[abc]", "$[99999999999999999999999]"] {
        assert!(Path::parse(bad).is_err(), "{bad:?} should be invalid");
    }
    // ResultPath may only name object fields of `$`.
    assert!(Path::parse("$.a['b']").unwrap().is_result_path());
    assert!(!Path::parse("$.a[0]").unwrap().is_result_path());
    assert!(!Path::parse("$.a[*]").unwrap().is_reference());
}

// --- Intrinsic functions ------------------------------------------------------------------------

fn call(expr: &str, input: &Value) -> Result<Value, Failure> {
    let mut n = 0u64;
    let mut random = || {
        n += 1;
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    };
    let c = intrinsic::parse(expr).map_err(Failure::intrinsic)?;
    c.eval(&mut Env { input, context: &json!({"Execution": {"Name": "run-1"}}), field: "x.$", random: &mut random })
}

/// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html: each
/// function's documented example (input, expression, result).
#[test]
fn intrinsic_functions_documented_examples() {
    let cases: &[(Value, &str, Value)] = &[
        // Arrays.
        (json!({"Id": 123456}), "States.Array($.Id)", json!([123456])),
        (json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}), "States.ArrayPartition($.inputArray,4)", json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])),
        (json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5}), "States.ArrayContains($.inputArray, $.lookingFor)", json!(true)),
        (json!({}), "States.ArrayRange(1, 9, 2)", json!([1, 3, 5, 7, 9])),
        (json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5}), "States.ArrayGetItem($.inputArray, $.index)", json!(6)),
        (json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}), "States.ArrayLength($.inputArray)", json!(9)),
        (json!({"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}), "States.ArrayUnique($.inputArray)", json!([1, 2, 3, 4])),
        // Encoding.
        (json!({"input": "Data to encode"}), "States.Base64Encode($.input)", json!("RGF0YSB0byBlbmNvZGU=")),
        (json!({"base64": "RGF0YSB0byBlbmNvZGU="}), "States.Base64Decode($.base64)", json!("Data to encode")),
        // Hash: the documented SHA-1 example.
        (json!({"Data": "input data", "Algorithm": "SHA-1"}), "States.Hash($.Data, $.Algorithm)", json!("aaff4a450a104cd177d28d18d74485e8cae074b7")),
        // JSON.
        (
            json!({"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}}),
            "States.JsonMerge($.json1, $.json2, false)",
            json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}),
        ),
        (json!({"escapedJsonString": "{\"foo\": \"bar\"}"}), "States.StringToJson($.escapedJsonString)", json!({"foo": "bar"})),
        (json!({"unescapedJson": {"foo": "bar"}}), "States.JsonToString($.unescapedJson)", json!("{\"foo\":\"bar\"}")),
        // Math.
        (json!({"value1": 111, "step": -1}), "States.MathAdd($.value1, $.step)", json!(110)),
        // Strings.
        (json!({"inputString": "1,2,3,4,5", "splitter": ","}), "States.StringSplit($.inputString, $.splitter)", json!(["1", "2", "3", "4", "5"])),
        (json!({"inputString": "This.is+a,test=string", "splitter": ".+,="}), "States.StringSplit($.inputString, $.splitter)", json!(["This", "is", "a", "test", "string"])),
        // Generic.
        (json!({"name": "Arnav"}), "States.Format('Hello, my name is {}.', $.name)", json!("Hello, my name is Arnav.")),
        (json!({"name": "Arnav", "template": "Hello, my name is {}."}), "States.Format($.template, $.name)", json!("Hello, my name is Arnav.")),
        (json!({}), "States.Format('Text with \\{\\} and \\'quotes\\' and \\\\')", json!("Text with {} and 'quotes' and \\")),
        (json!({}), "States.Format('{} {} {}', 1, true, null)", json!("1 true null")),
        // Nesting (the doc's nine-deep example, shortened) and context paths.
        (
            json!({"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe.name/1.0.0"}}),
            "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))",
            json!("1.0"),
        ),
        (json!({}), "States.Format('run {}', $$.Execution.Name)", json!("run run-1")),
    ];
    for (input, expr, want) in cases {
        assert_eq!(&call(expr, input).unwrap_or_else(|e| panic!("{expr}: {e:?}")), want, "{expr}");
    }
}

#[test]
fn hash_algorithms() {
    // FIPS 180 / RFC 1321 test vectors for "abc".
    for (alg, want) in [
        ("MD5", "900150983cd24fb0d6963f7d28e17f72"),
        ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("SHA-384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        ("SHA-512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    ] {
        assert_eq!(call(&format!("States.Hash('abc', '{alg}')"), &json!({})).unwrap(), json!(want), "{alg}");
    }
    let e = call("States.Hash('abc', 'SHA-224')", &json!({})).unwrap_err();
    assert_eq!(e.error, "States.IntrinsicFailure");
}

#[test]
fn random_intrinsics_use_the_injected_source() {
    let a = call("States.UUID()", &json!({})).unwrap();
    let s = a.as_str().unwrap();
    assert_eq!(s.len(), 36);
    assert_eq!(&s[14..15], "4", "version 4: {s}");
    assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"), "variant: {s}");
    assert_eq!(call("States.UUID()", &json!({})).unwrap(), a, "same source, same UUID");
    for _ in 0..3 {
        let n = call("States.MathRandom(1, 999)", &json!({})).unwrap().as_i64().unwrap();
        assert!((1..999).contains(&n));
    }
    // With a seed the number depends on the seed only.
    assert_eq!(call("States.MathRandom(1, 999, 1234)", &json!({})).unwrap(), call("States.MathRandom(1, 999, 1234)", &json!({"other": 1})).unwrap());
}

#[test]
fn intrinsic_argument_errors() {
    let input = json!({"arr": [1, 2, 3], "s": "x", "big": 3000000000i64});
    for expr in [
        "States.ArrayGetItem($.arr, 3)",
        "States.ArrayGetItem($.s, 0)",
        "States.ArrayPartition($.arr, 0)",
        "States.ArrayRange(1, 2000, 1)",
        "States.ArrayRange(1, 5, 0)",
        "States.MathAdd($.big, 1)",
        "States.MathAdd(1.5, 1)",
        "States.MathRandom(5, 5)",
        "States.JsonMerge($.arr, $.arr, false)",
        "States.JsonMerge({}, {}, true)",
        "States.Format('{} {}', 1)",
        "States.Format('{}', 1, 2)",
        "States.StringToJson('{not json')",
        "States.Base64Decode('***')",
        "States.ArrayLength($.s)",
        "States.UUID(1)",
    ] {
        match call(expr, &input) {
            Err(f) => assert!(f.error == "States.IntrinsicFailure" || f.error == "States.Runtime", "{expr}: {f:?}"),
            Ok(v) => panic!("{expr} should fail, gave {v}"),
        }
    }
    let f = call("States.Array($.missing)", &input).unwrap_err();
    assert_eq!(f.error, "States.Runtime");
    for bad in ["States.Nope()", "States.Array(", "States.Array('x)", "States.Array(1,)", "States.Array() extra", "States.Format('\\n')"] {
        assert!(intrinsic::parse(bad).is_err(), "{bad}");
    }
    // At most 10 nested calls.
    let deep = |n: usize| format!("{}1{}", "States.Array(".repeat(n), ")".repeat(n));
    assert!(intrinsic::parse(&deep(10)).is_ok());
    assert!(intrinsic::parse(&deep(11)).is_err());
}

// --- Payload templates and processing -----------------------------------------------------------

/// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
/// (the Parameters example: static and `.$` fields, nested objects, `$$` paths).
#[test]
fn parameters_template() {
    let input = json!({ "comment": "Example for Parameters.", "product": { "details": { "color": "blue", "size": "small", "material": "cotton" }, "availability": "in stock", "sku": "2317", "cost": "$23" } });
    let t = Template::compile(&json!({
        "comment": "Selecting what I care about.",
        "MyDetails": { "size.$": "$.product.details.size", "exists.$": "$.product.availability", "StaticValue": "foo" },
        "list": [ { "sku.$": "$.product.sku" }, 1 ],
        "name.$": "$$.Execution.Name"
    }))
    .unwrap();
    let out = t.apply(&input, &json!({"Execution": {"Name": "e1"}}), &mut no_random).unwrap();
    assert_eq!(
        out,
        json!({ "comment": "Selecting what I care about.", "MyDetails": { "size": "small", "exists": "in stock", "StaticValue": "foo" }, "list": [ { "sku": "2317" }, 1 ], "name": "e1" })
    );
    // Key order is the template's.
    assert_eq!(out.as_object().unwrap().keys().collect::<Vec<_>>(), ["comment", "MyDetails", "list", "name"]);
}

#[test]
fn template_path_missing_is_states_runtime() {
    let t = Template::compile(&json!({ "missing.$": "$.nope.deep" })).unwrap();
    let f = t.apply(&json!({"other": 1}), &json!({}), &mut no_random).unwrap_err();
    assert_eq!(f, Failure::runtime("The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in the input '{\"other\":1}'"));
    let errs = Template::compile(&json!({ "a": { "b.$": "not a path" }, "c.$": 5 })).unwrap_err();
    assert_eq!(errs.iter().map(|e| e.location.as_str()).collect::<Vec<_>>(), ["/a/b.$", "/c.$"]);
}

fn flow(input_path: PathField, params: Option<Value>, selector: Option<Value>, result_path: PathField, output_path: PathField) -> DataFlow {
    DataFlow { input_path, parameters: params.map(|p| Template::compile(&p).unwrap()), result_selector: selector.map(|p| Template::compile(&p).unwrap()), result_path, output_path }
}

fn p(s: &str) -> PathField {
    PathField::Path(Path::parse(s).unwrap())
}

/// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-example.html (the
/// InputPath, Parameters, ResultSelector, ResultPath, OutputPath example: a Lambda result
/// filtered into the input).
#[test]
fn full_pipeline_example() {
    let input = json!({ "comment": "An input comment.", "data": { "val1": 23, "val2": 17 }, "extra": "foo", "lambda": { "who": "AWS Step Functions" } });
    let f = flow(p("$.lambda"), Some(json!({ "Payload.$": "$" })), Some(json!({ "msg.$": "$.Payload" })), p("$.data.lambdaresult"), p("$.data"));
    let prep = f.prepare(&input, &json!({}), &mut no_random).unwrap();
    assert_eq!(prep.after_input_path, json!({ "who": "AWS Step Functions" }));
    let lean = f.finish_output(input.clone(), json!({ "Payload": "Hello, AWS Step Functions!" }), &json!({}), &mut no_random).unwrap();
    assert_eq!(prep.effective_input, json!({ "Payload": { "who": "AWS Step Functions" } }));
    let result = json!({ "Payload": "Hello, AWS Step Functions!" });
    let fin = f.finish(&input, result, &json!({}), &mut no_random).unwrap();
    assert_eq!(fin.after_result_selector, json!({ "msg": "Hello, AWS Step Functions!" }));
    assert_eq!(fin.output, json!({ "val1": 23, "val2": 17, "lambdaresult": { "msg": "Hello, AWS Step Functions!" } }));
    assert_eq!(lean, fin.output, "finish_output gives the same output");
    // A ResultPath failure leaves the input unchanged and quotes it.
    let f = flow(PathField::Absent, None, None, p("$.a.b.c"), PathField::Absent);
    let e = f.finish_output(json!({"a": {"b": 1}}), json!(2), &json!({}), &mut no_random).unwrap_err();
    assert_eq!(e, Failure::new("States.ResultPathMatchFailure", "Unable to apply ResultPath field '$.a.b.c' on input '{\"a\":{\"b\":1}}'"));
}

/// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html (ResultPath
/// `$`, `null`, a new field, and a path into the input).
#[test]
fn result_path_rules() {
    let input = json!({ "comment": "This is a test", "details": "Default example", "who": "AWS Step Functions" });
    let result = json!("Hello, AWS Step Functions!");
    assert_eq!(apply_result_path(&PathField::Absent, &input, result.clone()).unwrap(), result);
    assert_eq!(apply_result_path(&p("$"), &input, result.clone()).unwrap(), result);
    assert_eq!(apply_result_path(&PathField::Null, &input, result.clone()).unwrap(), input);
    assert_eq!(
        apply_result_path(&p("$.taskresult"), &input, result.clone()).unwrap(),
        json!({ "comment": "This is a test", "details": "Default example", "who": "AWS Step Functions", "taskresult": "Hello, AWS Step Functions!" })
    );
    assert_eq!(apply_result_path(&p("$.a.b"), &json!({"x": 1}), json!(2)).unwrap(), json!({"x": 1, "a": {"b": 2}}));
    assert_eq!(apply_result_path(&p("$.x"), &json!({"x": 1}), json!(2)).unwrap(), json!({"x": 2}));
    // Into a value that is not an object.
    let f = apply_result_path(&p("$.x.y"), &json!({"x": 1}), json!(2)).unwrap_err();
    assert_eq!(f.error, "States.ResultPathMatchFailure");
    assert_eq!(apply_result_path(&p("$.x"), &json!("text"), json!(2)).unwrap_err().error, "States.ResultPathMatchFailure");
}

/// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html and
/// input-output-outputpath.html: null InputPath / OutputPath give `{}`; a missing path fails.
#[test]
fn null_and_missing_input_output_paths() {
    let input = json!({ "a": 1 });
    let f = flow(PathField::Null, None, None, PathField::Absent, PathField::Null);
    assert_eq!(f.prepare(&input, &json!({}), &mut no_random).unwrap().effective_input, json!({}));
    assert_eq!(f.finish(&input, json!(5), &json!({}), &mut no_random).unwrap().output, json!({}));
    let f = flow(p("$.b"), None, None, PathField::Absent, PathField::Absent);
    let e = f.prepare(&input, &json!({}), &mut no_random).unwrap_err();
    assert_eq!(e, Failure::runtime("Invalid path '$.b' : No results for path: $['b']"));
}

// --- Choice rules -------------------------------------------------------------------------------

fn rule(v: Value) -> Rule {
    Rule::parse(v.as_object().unwrap(), &["Next"]).unwrap_or_else(|e| panic!("{v}: {e:?}"))
}

/// https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html: the operators, with
/// the page's examples (`Not`/`And`, `IsPresent`, `StringMatches` with escapes).
#[test]
fn choice_operators() {
    let input = json!({
        "type": "Private", "value": 45, "flag": true, "s": "log-2020.txt", "n": null,
        "ts": "2016-03-14T01:59:00Z", "later": "2016-03-14T02:59:00+01:00", "limit": 50, "other": "Private"
    });
    let cases: &[(Value, bool)] = &[
        (json!({"Not": {"Variable": "$.type", "StringEquals": "Private"}}), false),
        (json!({"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}]}), false),
        (json!({"Or": [{"Variable": "$.value", "NumericEquals": 45.0}, {"Variable": "$.x", "IsPresent": true}]}), true),
        (json!({"Variable": "$.value", "NumericLessThanPath": "$.limit"}), true),
        (json!({"Variable": "$.type", "StringEqualsPath": "$.other"}), true),
        (json!({"Variable": "$.type", "StringLessThan": "Public"}), true),
        (json!({"Variable": "$.type", "StringGreaterThanEquals": "Private"}), true),
        (json!({"Variable": "$.value", "StringEquals": "45"}), false),
        (json!({"Variable": "$.flag", "BooleanEquals": true}), true),
        (json!({"Variable": "$.s", "StringMatches": "log-*.txt"}), true),
        (json!({"Variable": "$.s", "StringMatches": "*.TXT"}), false),
        (json!({"Variable": "$.ts", "TimestampEquals": "2016-03-14T01:59:00.000Z"}), true),
        (json!({"Variable": "$.ts", "TimestampEqualsPath": "$.later"}), true),
        (json!({"Variable": "$.ts", "TimestampLessThan": "2016-03-14T02:00:00Z"}), true),
        (json!({"Variable": "$.n", "IsNull": true}), true),
        (json!({"Variable": "$.missing", "IsPresent": false}), true),
        (json!({"Variable": "$.missing", "IsPresent": true}), false),
        (json!({"Variable": "$.value", "IsNumeric": true}), true),
        (json!({"Variable": "$.type", "IsString": true}), true),
        (json!({"Variable": "$.flag", "IsBoolean": true}), true),
        (json!({"Variable": "$.ts", "IsTimestamp": true}), true),
        (json!({"Variable": "$.s", "IsTimestamp": true}), false),
    ];
    for (r, want) in cases {
        assert_eq!(rule(r.clone()).eval(&input, &json!({})).unwrap(), *want, "{r}");
    }
    let f = rule(json!({"Variable": "$.missing", "StringEquals": "x"})).eval(&input, &json!({})).unwrap_err();
    assert_eq!(f, Failure::runtime("Invalid path '$.missing': The choice state's condition path references an invalid value."));
}

#[test]
fn string_matches_escapes() {
    // state-choice.html: "\\*" is a literal asterisk, "\\\\" a literal backslash.
    assert!(matches_pattern("a*b", "a\\*b"));
    assert!(!matches_pattern("axb", "a\\*b"));
    assert!(matches_pattern("a\\b", "a\\\\b"));
    assert!(matches_pattern("", "*"));
    assert!(matches_pattern("abcabc", "*abc"));
    assert!(!matches_pattern("abc", "abcd*"));
    assert!(matches_pattern(&"a".repeat(2000), &"*a".repeat(50)));
}

#[test]
fn timestamps() {
    assert!(timestamp("2016-03-14T01:59:00Z").is_some());
    assert!(timestamp("2016-03-14T01:59:00.123456789Z").is_some());
    assert_eq!(timestamp("2016-03-14T02:59:00+01:00"), timestamp("2016-03-14T01:59:00Z"));
    for bad in
        ["2016-03-14t01:59:00Z", "2016-03-14T01:59:00z", "2016-03-14 01:59:00Z", "2016-02-30T00:00:00Z", "2016-03-14T01:59:00", "2016-03-14T24:00:00Z", "2016-03-14T01:59:00.Z"]
    {
        assert!(timestamp(bad).is_none(), "{bad}");
    }
}

#[test]
fn invalid_choice_rules() {
    for (r, loc) in [
        (json!({"Variable": "$.x", "StringEquals": 1, "Next": "A"}), "/StringEquals"),
        (json!({"Variable": "$.x", "NumericEquals": "1", "Next": "A"}), "/NumericEquals"),
        (json!({"Variable": "$.x[*]", "IsPresent": true, "Next": "A"}), "/Variable"),
        (json!({"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "A"}), "/NumericEquals"),
        (json!({"StringEquals": "a", "Next": "A"}), "/Variable"),
        (json!({"And": [], "Next": "A"}), "/And"),
        (json!({"And": [{"Variable": "$.x", "IsNull": true, "Next": "B"}], "Next": "A"}), "/And/0/Next"),
        (json!({"Variable": "$.x", "TimestampEquals": "yesterday", "Next": "A"}), "/TimestampEquals"),
        (json!({"Variable": "$.x", "StringMatchesPath": "$.y", "Next": "A"}), "/StringMatchesPath"),
    ] {
        let e = Rule::parse(r.as_object().unwrap(), &["Next"]).unwrap_err();
        assert_eq!(e.0, loc, "{r}: {}", e.1);
    }
}

// --- Definitions and validation -----------------------------------------------------------------

/// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-amazon-states-language.html
/// (the Hello World example) parses into typed states.
#[test]
fn parses_every_state_type() {
    let def = Definition::parse(
        r#"{
      "Comment": "Every state type",
      "StartAt": "Pass",
      "TimeoutSeconds": 3600,
      "States": {
        "Pass": { "Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "Task" },
        "Task": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                  "TimeoutSeconds": 30, "HeartbeatSeconds": 10,
                  "Retry": [ {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2, "MaxDelaySeconds": 30, "JitterStrategy": "FULL"},
                             {"ErrorEquals": ["States.ALL"]} ],
                  "Catch": [ {"ErrorEquals": ["States.ALL"], "Next": "Failed", "ResultPath": "$.error"} ],
                  "Next": "Choose" },
        "Choose": { "Type": "Choice", "Choices": [ {"Variable": "$.r.x", "NumericEquals": 1, "Next": "Wait"} ], "Default": "Failed" },
        "Wait": { "Type": "Wait", "Seconds": 10, "Next": "Parallel" },
        "Parallel": { "Type": "Parallel", "Branches": [ {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}} ], "Next": "Map" },
        "Map": { "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                 "ItemProcessor": { "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "M1", "States": {"M1": {"Type": "Succeed"}} },
                 "ToleratedFailurePercentage": 5, "Label": "items", "Next": "Done" },
        "Done": { "Type": "Succeed" },
        "Failed": { "Type": "Fail", "Error": "Oops", "CausePath": "States.Format('cause {}', $.x)" }
      }
    }"#,
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let names: Vec<&str> = def.machine.states.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Pass", "Task", "Choose", "Wait", "Parallel", "Map", "Done", "Failed"], "written order");
    let task = def.machine.state("Task").unwrap();
    assert_eq!(task.retry.len(), 2);
    assert_eq!(task.retry[0].jitter, Jitter::Full);
    assert_eq!(task.retry[1].max_attempts, 3, "default");
    assert_eq!(task.transition, Transition::Next("Choose".into()));
    let Kind::Map(m) = &def.machine.state("Map").unwrap().kind else { panic!() };
    assert_eq!(m.mode, MapMode::Distributed);
    assert_eq!(def.timeout_seconds, Some(3600));
}

fn diag(def: Value) -> Vec<(String, String)> {
    validate(&def.to_string()).into_iter().map(|d| (d.code.to_string(), d.location)).collect()
}

fn one(states: Value) -> Value {
    json!({"StartAt": "A", "States": states})
}

/// https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinitionDiagnostic.html
/// (the codes) and the states-language rules each case breaks.
#[test]
fn validation_diagnostics() {
    let s = codes::SCHEMA_VALIDATION_FAILED;
    let cases: Vec<(Value, &str, &str)> = vec![
        (one(json!({"A": {"Type": "Pass", "Next": "B"}})), codes::MISSING_TRANSITION_TARGET, "/States/A/Next"),
        (json!({"StartAt": "X", "States": {"A": {"Type": "Pass", "End": true}}}), codes::MISSING_TRANSITION_TARGET, "/StartAt"),
        (one(json!({"A": {"Type": "Pass", "End": true}, "B": {"Type": "Pass", "End": true}})), codes::UNREACHABLE_STATE, "/States/B"),
        (one(json!({"A": {"Type": "Pass", "Next": "A"}})), codes::MISSING_END_STATE, "/"),
        (one(json!({"A": {"Type": "Pass", "End": true, "Foo": 1}})), s, "/States/A/Foo"),
        (one(json!({"A": {"Type": "Pass"}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Pass", "End": true, "Next": "A"}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Pass", "End": false}})), s, "/States/A/End"),
        (one(json!({"A": {"Type": "Bogus", "End": true}})), s, "/States/A/Type"),
        (one(json!({"A": {"Type": "Wait", "Seconds": 1, "Timestamp": "2016-03-14T01:59:00Z", "End": true}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Wait", "End": true}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Wait", "Timestamp": "2016-03-14t01:59:00z", "End": true}})), s, "/States/A/Timestamp"),
        (one(json!({"A": {"Type": "Wait", "SecondsPath": "$.a[*]", "End": true}})), s, "/States/A/SecondsPath"),
        (
            one(json!({"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "End": true}})),
            s,
            "/States/A/HeartbeatSeconds",
        ),
        (one(json!({"A": {"Type": "Task", "Resource": "arn:x", "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t", "End": true}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Task", "Resource": "lambda", "End": true}})), codes::INVALID_RESOURCE, "/States/A/Resource"),
        (one(json!({"A": {"Type": "Task", "End": true}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Arguments": {}, "End": true}})), s, "/States/A/Arguments"),
        (one(json!({"A": {"Type": "Pass", "InputPath": "$.a b", "End": true}})), s, "/States/A/InputPath"),
        (one(json!({"A": {"Type": "Pass", "ResultPath": "$.a[0]", "End": true}})), s, "/States/A/ResultPath"),
        (one(json!({"A": {"Type": "Pass", "Parameters": {"x.$": "nope"}, "End": true}})), s, "/States/A/Parameters/x.$"),
        (one(json!({"A": {"Type": "Pass", "Parameters": {"x.$": "States.Nope()"}, "End": true}})), s, "/States/A/Parameters/x.$"),
        (
            one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}], "End": true}})),
            s,
            "/States/A/Retry/0/ErrorEquals",
        ),
        (one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Catch": [{"ErrorEquals": ["States.ALL", "E"], "Next": "A"}], "End": true}})), s, "/States/A/Catch/0/ErrorEquals"),
        (one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}], "End": true}})), s, "/States/A/Retry/0/BackoffRate"),
        (one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Retry": [{"ErrorEquals": ["E"], "JitterStrategy": "HALF"}], "End": true}})), s, "/States/A/Retry/0/JitterStrategy"),
        (
            one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Catch": [{"ErrorEquals": ["E"], "Next": "Z"}], "End": true}})),
            codes::MISSING_TRANSITION_TARGET,
            "/States/A/Catch/0/Next",
        ),
        (one(json!({"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "Z"}]}})), codes::MISSING_TRANSITION_TARGET, "/States/A/Choices/0/Next"),
        (one(json!({"A": {"Type": "Choice", "Choices": [], "Default": "A"}})), s, "/States/A/Choices"),
        (one(json!({"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": true}], "Default": "A"}})), s, "/States/A/Choices/0"),
        (one(json!({"A": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}})), s, "/States/A"),
        (one(json!({"A": {"Type": "Succeed", "Next": "A"}})), s, "/States/A/Next"),
        (
            one(
                json!({"A": {"Type": "Map", "ItemProcessor": {"StartAt": "M", "States": {"M": {"Type": "Succeed"}}}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject"}, "End": true}}),
            ),
            s,
            "/States/A/ItemReader",
        ),
        (
            one(json!({"A": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "M", "States": {"M": {"Type": "Succeed"}}}, "End": true}})),
            s,
            "/States/A/ItemProcessor/ProcessorConfig",
        ),
        (
            one(json!({"A": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}], "End": true}})),
            codes::DUPLICATE_STATE_NAME,
            "/States/A/Branches/0/States/A",
        ),
        (
            one(json!({"A": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}], "End": true}})),
            codes::MISSING_TRANSITION_TARGET,
            "/States/A/Branches/0/States/B/Next",
        ),
        (one(json!({"A": {"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$", "End": true}})), s, "/States/A/InputPath"),
        (json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}), s, "/States/A/QueryLanguage"),
        (json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}, "Extra": 1}), s, "/Extra"),
        (json!({"StartAt": "A", "States": {}}), s, "/States"),
        (json!({"States": {"A": {"Type": "Pass", "End": true}}}), s, ""),
        (json!([1]), s, "/"),
    ];
    for (def, code, loc) in cases {
        let d = diag(def.clone());
        assert!(d.iter().any(|(c, l)| c == code && l == loc), "{def}\nexpected {code} at {loc}, got {d:?}");
    }
    assert_eq!(validate("{not json")[0].code, codes::INVALID_JSON_DESCRIPTION);
    assert_eq!(validate("  ")[0].code, codes::MISSING_DESCRIPTION);
}

#[test]
fn invalid_definition_message_format() {
    let d = validate(&one(json!({"A": {"Type": "Task", "Resource": "arn:x", "Catch": [{"ErrorEquals": ["E"], "Next": "B"}], "End": true}})).to_string());
    assert_eq!(invalid_definition_message(&d), "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Catch/0/Next'");
}

#[test]
fn jsonata_states_keep_expressions() {
    // https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
    let def = Definition::parse(
        r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
              "Output": "{% $states.result.Payload %}", "Assign": {"x": "{% 1 %}"}, "TimeoutSeconds": "{% $t %}", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Condition": "{% $x = 1 %}", "Next": "C"}], "Default": "C"},
        "C": {"Type": "Wait", "Seconds": "{% 5 %}", "End": true}}}"#,
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let a = def.machine.state("A").unwrap();
    assert_eq!(a.arguments, Some(json!({"FunctionName": "f", "Payload": "{% $states.input %}"})));
    assert_eq!(a.output, Some(json!("{% $states.result.Payload %}")));
}

// --- Retry and Catch ----------------------------------------------------------------------------

/// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
#[test]
fn error_name_matching() {
    assert!(matches("States.ALL", "Lambda.ServiceException"));
    assert!(matches("States.ALL", "States.Timeout"));
    assert!(!matches("States.ALL", "States.Runtime"));
    assert!(!matches("States.ALL", "States.DataLimitExceeded"));
    assert!(matches("States.TaskFailed", "Lambda.Unknown"));
    assert!(!matches("States.TaskFailed", "States.Timeout"));
    assert!(matches("States.DataLimitExceeded", "States.DataLimitExceeded"));
    assert!(!matches("CustomError", "customerror"), "case-sensitive");
}

fn retrier(errors: &[&str], interval: u64, max: u64, backoff: f64, max_delay: Option<u64>, jitter: Jitter) -> Retrier {
    Retrier {
        error_equals: errors.iter().map(|s| s.to_string()).collect(),
        interval_seconds: interval,
        max_attempts: max,
        backoff_rate: backoff,
        max_delay_seconds: max_delay,
        jitter,
    }
}

/// The error-handling page's retrier example: IntervalSeconds 3, MaxAttempts 2, BackoffRate 1.5
/// waits 3 s then 4.5 s; MaxDelaySeconds caps the growth.
#[test]
fn retry_backoff_and_exhaustion() {
    let r = vec![retrier(&["ErrorA", "ErrorB"], 3, 2, 1.5, None, Jitter::None), retrier(&["States.ALL"], 1, 3, 2.0, Some(5), Jitter::None)];
    let f = Failure::new("ErrorA", "boom");
    let input = json!({"in": 1});
    let mut c = RetryCounters::default();
    assert_eq!(decide(&r, &mut c, &[], &f, &input, &mut no_random).unwrap(), Decision::Retry { retrier: 0, attempt: 1, delay_ms: 3000 });
    assert_eq!(decide(&r, &mut c, &[], &f, &input, &mut no_random).unwrap(), Decision::Retry { retrier: 0, attempt: 2, delay_ms: 4500 });
    // ErrorA's retrier is spent: no fall-through to States.ALL.
    assert_eq!(decide(&r, &mut c, &[], &f, &input, &mut no_random).unwrap(), Decision::Fail);
    let delays: Vec<u64> = (0..3).map(|n| delay_ms(&r[1], n, &mut no_random)).collect();
    assert_eq!(delays, [1000, 2000, 4000]);
    assert_eq!(delay_ms(&r[1], 3, &mut no_random), 5000, "capped by MaxDelaySeconds");
    let other = Failure::new("ErrorC", "x");
    assert!(matches!(decide(&r, &mut c, &[], &other, &input, &mut no_random).unwrap(), Decision::Retry { retrier: 1, .. }));
    // MaxAttempts 0 never retries.
    let zero = vec![retrier(&["States.ALL"], 1, 0, 2.0, None, Jitter::None)];
    assert_eq!(decide(&zero, &mut RetryCounters::default(), &[], &f, &input, &mut no_random).unwrap(), Decision::Fail);
    // States.Runtime is never retried, even by name.
    let rt = vec![retrier(&["States.Runtime"], 1, 3, 2.0, None, Jitter::None)];
    assert_eq!(decide(&rt, &mut RetryCounters::default(), &[], &Failure::runtime("x"), &input, &mut no_random).unwrap(), Decision::Fail);
}

#[test]
fn full_jitter_is_within_the_backoff() {
    let r = retrier(&["E"], 10, 5, 2.0, None, Jitter::Full);
    let mut x = 12345u64;
    let mut rng = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        x
    };
    for n in 0..5 {
        let d = delay_ms(&r, n, &mut rng);
        assert!(d <= 10_000 * 2u64.pow(n as u32), "{d}");
    }
}

/// The error-handling page: a Catcher's error output is {"Error", "Cause"}, placed with its
/// ResultPath (default `$`), after retries are spent.
#[test]
fn catch_output() {
    let r = vec![retrier(&["E"], 1, 1, 2.0, None, Jitter::None)];
    let c = vec![
        Catcher { error_equals: vec!["Other".into()], next: "X".into(), result_path: PathField::Absent, output: None, assign: None },
        Catcher { error_equals: vec!["States.ALL".into()], next: "Recover".into(), result_path: p("$.error-info"), output: None, assign: None },
    ];
    let input = json!({"order": 7});
    let f = Failure::new("E", "it broke");
    let mut counters = RetryCounters::default();
    assert!(matches!(decide(&r, &mut counters, &c, &f, &input, &mut no_random).unwrap(), Decision::Retry { .. }));
    assert_eq!(
        decide(&r, &mut counters, &c, &f, &input, &mut no_random).unwrap(),
        Decision::Catch { catcher: 1, next: "Recover".into(), output: json!({"order": 7, "error-info": {"Error": "E", "Cause": "it broke"}}) }
    );
    let c0 = vec![Catcher { error_equals: vec!["States.ALL".into()], next: "R".into(), result_path: PathField::Absent, output: None, assign: None }];
    assert_eq!(
        decide(&[], &mut RetryCounters::default(), &c0, &f, &input, &mut no_random).unwrap(),
        Decision::Catch { catcher: 0, next: "R".into(), output: json!({"Error": "E", "Cause": "it broke"}) }
    );
    // States.Runtime is caught neither by States.ALL nor by name.
    let by_name = vec![Catcher { error_equals: vec!["States.Runtime".into()], next: "R".into(), result_path: PathField::Absent, output: None, assign: None }];
    assert_eq!(decide(&[], &mut RetryCounters::default(), &by_name, &Failure::runtime("x"), &input, &mut no_random).unwrap(), Decision::Fail);
    assert_eq!(decide(&[], &mut RetryCounters::default(), &c0, &Failure::runtime("x"), &input, &mut no_random).unwrap(), Decision::Fail);
    // A ResultPath that cannot be applied fails with States.ResultPathMatchFailure.
    let bad = vec![Catcher { error_equals: vec!["States.ALL".into()], next: "R".into(), result_path: p("$.a.b"), output: None, assign: None }];
    assert_eq!(decide(&[], &mut RetryCounters::default(), &bad, &f, &json!({"a": 1}), &mut no_random).unwrap_err().error, "States.ResultPathMatchFailure");
}

// --- Never panic --------------------------------------------------------------------------------

/// Random and mutated definitions, paths, intrinsic strings and templates never panic.
#[test]
fn never_panics_on_mutated_input() {
    let seeds = [
        r#"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:x","Parameters":{"a.$":"States.Format('{}', $.x[0])"},"Retry":[{"ErrorEquals":["States.ALL"]}],"Next":"B"},"B":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","StringMatches":"x*"}],"Next":"C"}]},"C":{"Type":"Map","ItemProcessor":{"StartAt":"D","States":{"D":{"Type":"Succeed"}}},"End":true}}}"#,
        "$.a[?(@.b > 1 && !(@.c == 'x'))]..d[1:3]",
        "States.ArrayGetItem(States.StringSplit($['a b'], ','), 0)",
        "States.Format('\\{}{}', States.Hash($.x, 'SHA-1'), States.MathRandom(1, 5, 7))",
        "$['a\\'b',\"c\"][-1,2]",
    ];
    let bytes: &[u8] = b"$.[]()'\",:?@*!=<>&|{}\\0123456789-abcSTate \x7f\xc3\xa9";
    let mut x = 0x2545F4914F6CDD1Du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let input = json!({"a": [{"b": 2, "c": "y", "d": [1, 2, 3]}], "x": "s", "a b": "1,2"});
    for seed in seeds {
        for _ in 0..2000 {
            let mut s = seed.as_bytes().to_vec();
            for _ in 0..(next() % 4 + 1) {
                let k = (next() as usize) % (s.len() + 1);
                match next() % 3 {
                    0 if k < s.len() => {
                        s.remove(k);
                    }
                    1 if k < s.len() => s[k] = bytes[(next() as usize) % bytes.len()],
                    _ => s.insert(k, bytes[(next() as usize) % bytes.len()]),
                }
            }
            let text = String::from_utf8_lossy(&s).into_owned();
            let _ = validate(&text);
            if let Ok(p) = Path::parse(&text) {
                let _ = p.select(&input, &input);
                let mut target = input.clone();
                let _ = p.assign(&mut target, json!(1));
            }
            if let Ok(c) = intrinsic::parse(&text) {
                let _ = c.eval(&mut Env { input: &input, context: &input, field: "f.$", random: &mut next_zero() });
            }
            if let Ok(t) = Template::compile(&json!({ "f.$": text })) {
                let _ = t.apply(&input, &input, &mut no_random);
            }
        }
    }
    // Deep nesting stays within the stack.
    let deep = format!("$[?({}@.a{})]", "(".repeat(5000), ")".repeat(5000));
    assert!(Path::parse(&deep).is_err());
    let deep_rule = (0..200).fold(json!({"Variable": "$.a", "IsNull": true}), |r, _| json!({"Not": r}));
    assert!(Rule::parse(deep_rule.as_object().unwrap(), &[]).is_err());
}

fn next_zero() -> impl FnMut() -> u64 {
    || 7
}

/// state-fail.html: ErrorPath/CausePath take a reference path or an intrinsic; state-wait.html:
/// SecondsPath must select a non-negative integer.
#[test]
fn fail_and_wait_fields_resolve_at_run_time() {
    let def = Definition::parse(
        r#"{"StartAt": "W", "States": {
        "W": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "F"},
        "F": {"Type": "Fail", "ErrorPath": "$.error", "CausePath": "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)"}}}"#,
    )
    .unwrap();
    let input = json!({"wait": 5, "error": "MyError", "Error": "E1", "Cause": "C1"});
    let Kind::Wait(super::definition::Wait::Seconds(amount)) = &def.machine.state("W").unwrap().kind else { panic!() };
    assert_eq!(amount.resolve("SecondsPath", &input, &json!({})).unwrap(), 5);
    assert_eq!(amount.resolve("SecondsPath", &json!({"wait": -1}), &json!({})).unwrap_err().error, "States.Runtime");
    assert_eq!(amount.resolve("SecondsPath", &json!({}), &json!({})).unwrap_err().error, "States.Runtime");
    let Kind::Fail(f) = &def.machine.state("F").unwrap().kind else { panic!() };
    assert_eq!(f.error.as_ref().unwrap().resolve("ErrorPath", &input, &json!({}), &mut no_random).unwrap(), "MyError");
    assert_eq!(f.cause.as_ref().unwrap().resolve("CausePath", &input, &json!({}), &mut no_random).unwrap(), "This is a custom error message for E1, caused by C1.");
    assert_eq!(f.error.as_ref().unwrap().resolve("ErrorPath", &json!({"error": 1}), &json!({}), &mut no_random).unwrap_err().error, "States.Runtime");
}

/// concepts-error-handling.html, "Complex retry scenarios": the task fails with ErrorA, ErrorB,
/// ErrorC, ErrorB, ErrorB; the waits are 1 s, 2 s (first retrier), 5 s (second), 4 s (first
/// again, its own counter), then the first retrier is spent and the Catch sends it to Z.
#[test]
fn complex_retry_scenario() {
    let def = Definition::parse(
        r#"{"StartAt": "X", "States": {
        "X": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:task:X", "Next": "Y",
              "Retry": [ {"ErrorEquals": ["ErrorA", "ErrorB"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 2},
                         {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5} ],
              "Catch": [ {"ErrorEquals": ["States.ALL"], "Next": "Z"} ]},
        "Y": {"Type": "Succeed"}, "Z": {"Type": "Succeed"}}}"#,
    )
    .unwrap();
    let x = def.machine.state("X").unwrap();
    let mut counters = RetryCounters::default();
    let mut waits = Vec::new();
    let input = json!({});
    for error in ["ErrorA", "ErrorB", "ErrorC", "ErrorB", "ErrorB"] {
        match decide(&x.retry, &mut counters, &x.catch, &Failure::new(error, ""), &input, &mut no_random).unwrap() {
            Decision::Retry { delay_ms, .. } => waits.push(delay_ms),
            Decision::Catch { next, .. } => waits.push(if next == "Z" { u64::MAX } else { 0 }),
            Decision::Fail => panic!("should be caught"),
        }
    }
    assert_eq!(waits, [1000, 2000, 5000, 4000, u64::MAX]);
}

/// API_ValidateStateMachineDefinitionDiagnostic.html: the warning codes, for a valid definition.
#[test]
fn validation_warnings() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"id": "$.id", "call": "States.UUID()", "nested": {"x": "$$.Execution.Id"}, "ok.$": "$.id", "plain": "text"},
              "Result": {"a.$": "$.x"}, "Next": "F"},
        "F": {"Type": "Fail", "Error": "$.error", "Comment": "$.not.checked"}}});
    let d = validate(&def.to_string());
    let got: Vec<(&str, &str)> = d.iter().map(|d| (d.code, d.location.as_str())).collect();
    assert_eq!(
        got,
        [
            ("NO_DOLLAR", "/States/P/Parameters/id"),
            ("NO_DOLLAR", "/States/P/Parameters/call"),
            ("NO_DOLLAR", "/States/P/Parameters/nested/x"),
            ("PASS_RESULT_IS_STATIC", "/States/P/Result"),
            ("NO_PATH", "/States/F/Error"),
        ]
    );
    assert!(d.iter().all(|d| d.severity == super::validate::Severity::Warning));
    assert_eq!(invalid_definition_message(&d), "Invalid State Machine Definition: ''", "warnings are not errors");
}

/// state-choice.html (amazon-states-language-choice-state): the ChoiceStateX example with input
/// {"type": "Private", "value": 22} goes to ValueInTwenties; no match without Default is
/// States.NoChoiceMatched.
#[test]
fn choice_state_example() {
    let def = Definition::parse(
        r#"{"StartAt": "ChoiceStateX", "States": {
        "ChoiceStateX": {"Type": "Choice", "Choices": [
            {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
            {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
            {"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"}],
          "Default": "DefaultState"},
        "Public": {"Type": "Pass", "End": true}, "ValueIsZero": {"Type": "Pass", "End": true},
        "ValueInTwenties": {"Type": "Pass", "End": true}, "DefaultState": {"Type": "Fail", "Cause": "No Matches!"}}}"#,
    )
    .unwrap();
    let Kind::Choice(c) = &def.machine.state("ChoiceStateX").unwrap().kind else { panic!() };
    let go = |input: Value| c.choose(&input, &json!({})).map(|i| c.target(i).map(str::to_string));
    assert_eq!(go(json!({"type": "Private", "value": 22})).unwrap().as_deref(), Some("ValueInTwenties"));
    assert_eq!(go(json!({"type": "Public", "value": 22})).unwrap().as_deref(), Some("Public"));
    assert_eq!(go(json!({"type": "Private", "value": 0})).unwrap().as_deref(), Some("ValueIsZero"));
    assert_eq!(go(json!({"type": "Private", "value": 50})).unwrap().as_deref(), Some("DefaultState"));
    // "If the state input doesn't contain the $.type field, the execution fails."
    assert_eq!(go(json!({"value": 22})).unwrap_err().error, "States.Runtime");
    let no_default = super::definition::Choice { choices: c.choices.clone(), default: None };
    assert_eq!(no_default.choose(&json!({"type": "Private", "value": 50}), &json!({})).unwrap_err().error, "States.NoChoiceMatched");
}

/// state-pass.html (amazon-states-language-pass-state): the "No-op" Pass state with a Result
/// and `ResultPath: "$.coords"` on input {"georefOf": "Home"}.
#[test]
fn pass_state_example() {
    let def = Definition::parse(
        r#"{"StartAt": "No-op", "States": {"No-op": {"Type": "Pass", "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355}, "ResultPath": "$.coords", "End": true}}}"#,
    )
    .unwrap();
    let s = def.machine.state("No-op").unwrap();
    let Kind::Pass(pass) = &s.kind else { panic!() };
    let input = json!({"georefOf": "Home"});
    let prep = s.data.prepare(&input, &json!({}), &mut no_random).unwrap();
    let result = pass.result.clone().unwrap_or(prep.effective_input);
    let out = s.data.finish(&input, result, &json!({}), &mut no_random).unwrap().output;
    assert_eq!(out, json!({"georefOf": "Home", "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355}}));
}
