//! Legacy parameters: every operator, every message, every mix with expression parameters.
//! The oracle is AWS's recorded answers (dynalite's and moto's AWS-verified suites, ExtendDB's
//! dual-target suite) and the AWS documentation of the legacy conditional parameters.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

const T0: i64 = 1_000_000;

fn call(e: &mut Engine, op: &str, input: Value) -> Result<Value, crate::AwsError> {
    e.call(T0 + 10_000, &Request::new("dynamodb", op, "us-east-1", input))
}

fn ok(e: &mut Engine, op: &str, input: Value) -> Value {
    call(e, op, input.clone()).unwrap_or_else(|err| panic!("{op} {input} failed: {err}"))
}

fn err(e: &mut Engine, op: &str, input: Value) -> (String, String) {
    let er = call(e, op, input.clone()).expect_err(&format!("{op} {input} should fail"));
    (er.kind, er.message)
}

fn msg(e: &mut Engine, op: &str, input: Value) -> String {
    err(e, op, input).1
}

fn create(e: &mut Engine, def: Value) {
    // The virtual clock never goes back: each table gets its own later second to turn ACTIVE.
    let before = ok(e, "ListTables", json!({}))["TableNames"].as_array().map_or(0, Vec::len) as i64;
    ok(e, "CreateTable", def);
    e.tick(T0 + 12_000 + before * 1_000_000);
}

/// `Tab` (pk S) and `Rng` (pk S, sk N), both empty and ACTIVE.
fn tables() -> Engine {
    let mut e = Engine::new(EngineConfig::default(), T0);
    create(
        &mut e,
        json!({"TableName": "Tab", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    );
    create(
        &mut e,
        json!({"TableName": "Rng", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"}),
    );
    e
}

fn s(v: &str) -> Value {
    json!({"S": v})
}

fn n(v: &str) -> Value {
    json!({"N": v})
}

fn cond(op: &str, values: Value) -> Value {
    json!({"ComparisonOperator": op, "AttributeValueList": values})
}

fn pks(out: &Value) -> Vec<String> {
    let mut v: Vec<String> = out["Items"].as_array().unwrap().iter().map(|i| i["pk"]["S"].as_str().unwrap().to_string()).collect();
    v.sort();
    v
}

fn sks(out: &Value) -> Vec<i64> {
    out["Items"].as_array().unwrap().iter().map(|i| i["sk"]["N"].as_str().unwrap().parse().unwrap()).collect()
}

const MIX: &str = "Can not use both expression and non-expression parameters in the same request: ";

// ---- mixing, placeholders, ConditionalOperator ------------------------------------------------

#[test]
fn mixing_expression_and_legacy_parameters_names_both_sides_in_aws_order() {
    let mut e = tables();
    let key = json!({"pk": s("k")});
    let c = cond("EQ", json!([s("x")]));
    let cases: Vec<(&str, Value, String)> = vec![
        ("PutItem", json!({"TableName": "Tab", "Item": key, "Expected": {"a": c}, "ConditionExpression": "attribute_exists(pk)"}), format!("{MIX}Non-expression parameters: {{Expected}} Expression parameters: {{ConditionExpression}}")),
        ("PutItem", json!({"TableName": "Tab", "Item": key, "ConditionalOperator": "AND", "ConditionExpression": "attribute_exists(pk)"}), format!("{MIX}Non-expression parameters: {{ConditionalOperator}} Expression parameters: {{ConditionExpression}}")),
        ("PutItem", json!({"TableName": "Tab", "Item": key, "Expected": {"a": c}, "ConditionalOperator": "AND", "ConditionExpression": "attribute_exists(pk)"}), format!("{MIX}Non-expression parameters: {{Expected, ConditionalOperator}} Expression parameters: {{ConditionExpression}}")),
        // An empty Expected map still counts as present.
        ("DeleteItem", json!({"TableName": "Tab", "Key": key, "Expected": {}, "ConditionExpression": "attribute_exists(pk)"}), format!("{MIX}Non-expression parameters: {{Expected}} Expression parameters: {{ConditionExpression}}")),
        ("DeleteItem", json!({"TableName": "Tab", "Key": key, "ConditionalOperator": "AND", "ConditionExpression": "attribute_exists(pk)"}), format!("{MIX}Non-expression parameters: {{ConditionalOperator}} Expression parameters: {{ConditionExpression}}")),
        ("UpdateItem", json!({"TableName": "Tab", "Key": key, "AttributeUpdates": {"a": {"Value": s("v"), "Action": "PUT"}}, "Expected": {"a": c}, "ConditionalOperator": "AND",
            "UpdateExpression": "SET a = :v", "ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeValues": {":v": s("x")}}),
            format!("{MIX}Non-expression parameters: {{AttributeUpdates, Expected, ConditionalOperator}} Expression parameters: {{UpdateExpression, ConditionExpression}}")),
        ("UpdateItem", json!({"TableName": "Tab", "Key": key, "AttributeUpdates": {"a": {"Value": s("v")}}, "ConditionExpression": "attribute_exists(pk)"}), format!("{MIX}Non-expression parameters: {{AttributeUpdates}} Expression parameters: {{ConditionExpression}}")),
        ("UpdateItem", json!({"TableName": "Tab", "Key": key, "Expected": {"a": c, "b": c}, "UpdateExpression": "SET c = :v", "ExpressionAttributeValues": {":v": s("x")}}), format!("{MIX}Non-expression parameters: {{Expected}} Expression parameters: {{UpdateExpression}}")),
        ("UpdateItem", json!({"TableName": "Tab", "Key": key, "ConditionalOperator": "AND", "UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": s("x")}}), format!("{MIX}Non-expression parameters: {{ConditionalOperator}} Expression parameters: {{UpdateExpression}}")),
        ("GetItem", json!({"TableName": "Tab", "Key": key, "AttributesToGet": ["a"], "ProjectionExpression": "a"}), format!("{MIX}Non-expression parameters: {{AttributesToGet}} Expression parameters: {{ProjectionExpression}}")),
        ("BatchGetItem", json!({"RequestItems": {"Tab": {"Keys": [key], "AttributesToGet": ["a"], "ProjectionExpression": "a"}}}), format!("{MIX}Non-expression parameters: {{AttributesToGet}} Expression parameters: {{ProjectionExpression}}")),
        ("Scan", json!({"TableName": "Tab", "AttributesToGet": ["a"], "ScanFilter": {"a": c}, "ConditionalOperator": "AND", "FilterExpression": "a = :v", "ProjectionExpression": "b", "ExpressionAttributeValues": {":v": s("x")}}),
            format!("{MIX}Non-expression parameters: {{AttributesToGet, ScanFilter, ConditionalOperator}} Expression parameters: {{ProjectionExpression, FilterExpression}}")),
        ("Scan", json!({"TableName": "Tab", "ScanFilter": {"a": c}, "ProjectionExpression": "b"}), format!("{MIX}Non-expression parameters: {{ScanFilter}} Expression parameters: {{ProjectionExpression}}")),
        ("Scan", json!({"TableName": "Tab", "AttributesToGet": ["a"], "FilterExpression": "a = :v", "ExpressionAttributeValues": {":v": s("x")}}), format!("{MIX}Non-expression parameters: {{AttributesToGet}} Expression parameters: {{FilterExpression}}")),
        ("Scan", json!({"TableName": "Tab", "ConditionalOperator": "AND", "ProjectionExpression": "a"}), format!("{MIX}Non-expression parameters: {{ConditionalOperator}} Expression parameters: {{ProjectionExpression}}")),
        // The mixing error comes before the unused-placeholder check.
        ("Scan", json!({"TableName": "Tab", "ConditionalOperator": "AND", "FilterExpression": "a = :v", "ExpressionAttributeValues": {":v": s("x"), ":unused": s("y")}}), format!("{MIX}Non-expression parameters: {{ConditionalOperator}} Expression parameters: {{FilterExpression}}")),
        ("Query", json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "QueryFilter": {"a": c}, "ConditionalOperator": "AND",
            "KeyConditionExpression": "pk = :p", "FilterExpression": "a = :v", "ProjectionExpression": "b", "ExpressionAttributeValues": {":p": s("k"), ":v": s("x")}}),
            format!("{MIX}Non-expression parameters: {{QueryFilter, ConditionalOperator, KeyConditions}} Expression parameters: {{ProjectionExpression, FilterExpression, KeyConditionExpression}}")),
        ("Query", json!({"TableName": "Tab", "AttributesToGet": ["a"], "QueryFilter": {"a": c}, "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "FilterExpression": "a = :v", "ProjectionExpression": "b", "ExpressionAttributeValues": {":v": s("x")}}),
            format!("{MIX}Non-expression parameters: {{AttributesToGet, QueryFilter}} Expression parameters: {{ProjectionExpression, FilterExpression}}")),
        ("Query", json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("k")}}),
            format!("{MIX}Non-expression parameters: {{KeyConditions}} Expression parameters: {{KeyConditionExpression}}")),
        ("Query", json!({"TableName": "Tab", "AttributesToGet": ["a"], "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("k")}}), format!("{MIX}Non-expression parameters: {{AttributesToGet}} Expression parameters: {{KeyConditionExpression}}")),
        ("Query", json!({"TableName": "Tab", "QueryFilter": {"a": c}, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("k")}}), format!("{MIX}Non-expression parameters: {{QueryFilter}} Expression parameters: {{KeyConditionExpression}}")),
    ];
    for (op, req, want) in cases {
        let (kind, got) = err(&mut e, op, req.clone());
        assert_eq!((kind.as_str(), got.as_str()), ("ValidationException", want.as_str()), "{op} {req}");
    }
}

#[test]
fn key_conditions_may_go_with_filter_and_projection_expressions() {
    let mut e = tables();
    ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k1"), "a": s("x"), "b": s("y")}}));
    let kc = json!({"pk": cond("EQ", json!([s("k1")]))});
    let out = ok(&mut e, "Query", json!({"TableName": "Tab", "KeyConditions": kc, "FilterExpression": "a = :v", "ExpressionAttributeValues": {":v": s("x")}}));
    assert_eq!(out["Count"], 1);
    let out = ok(&mut e, "Query", json!({"TableName": "Tab", "KeyConditions": kc, "ProjectionExpression": "a"}));
    assert_eq!(out["Items"], json!([{"a": s("x")}]));
    let out = ok(&mut e, "Query", json!({"TableName": "Tab", "KeyConditions": kc, "AttributesToGet": ["a"]}));
    assert_eq!(out["Items"], json!([{"a": s("x")}]));
}

#[test]
fn placeholder_maps_need_expressions() {
    let mut e = tables();
    let key = json!({"pk": s("k")});
    let c = json!({"a": cond("EQ", json!([s("x")]))});
    let eav = json!({":v": s("x")});
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "PutItem",
            json!({"TableName": "Tab", "Item": key, "Expected": {"a": {}}, "ExpressionAttributeNames": {"#a": "a"}}),
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            "PutItem",
            json!({"TableName": "Tab", "Item": key, "Expected": c, "ExpressionAttributeValues": eav}),
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
        ),
        (
            "DeleteItem",
            json!({"TableName": "Tab", "Key": key, "ExpressionAttributeValues": eav}),
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
        ),
        (
            "UpdateItem",
            json!({"TableName": "Tab", "Key": key, "Expected": {"a": {}}, "ExpressionAttributeValues": eav}),
            "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null",
        ),
        (
            "UpdateItem",
            json!({"TableName": "Tab", "Key": key, "AttributeUpdates": {"a": {"Value": s("x")}}, "ExpressionAttributeNames": {"#a": "a"}}),
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            "Query",
            json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "ExpressionAttributeValues": eav}),
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null",
        ),
        (
            "Query",
            json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "AttributesToGet": ["a"], "ExpressionAttributeNames": {"#a": "a"}}),
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            "Scan",
            json!({"TableName": "Tab", "ScanFilter": c, "ExpressionAttributeValues": eav}),
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null",
        ),
        (
            "Scan",
            json!({"TableName": "Tab", "AttributesToGet": ["a"], "ExpressionAttributeNames": {"#a": "a"}}),
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
        (
            "GetItem",
            json!({"TableName": "Tab", "Key": key, "AttributesToGet": ["a"], "ExpressionAttributeNames": {"#a": "a"}}),
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
    ];
    for (op, req, want) in cases {
        assert_eq!(msg(&mut e, op, req.clone()), want, "{op} {req}");
    }
    // GetItem has no ExpressionAttributeValues member: like any unknown member, it is ignored.
    ok(&mut e, "GetItem", json!({"TableName": "Tab", "Key": key, "ProjectionExpression": "a", "ExpressionAttributeValues": eav}));
}

#[test]
fn conditional_operator_needs_two_or_more_conditions() {
    let mut e = tables();
    let key = json!({"pk": s("k")});
    let one = json!({"a": cond("EQ", json!([s("x")]))});
    let without = "ConditionalOperator cannot be used without Filter or Expected";
    let single = "ConditionalOperator can only be used when Filter or Expected has two or more elements";
    let cases: Vec<(&str, Value, &str)> = vec![
        ("Scan", json!({"TableName": "Tab", "ConditionalOperator": "AND"}), without),
        ("Scan", json!({"TableName": "Tab", "ConditionalOperator": "OR", "ScanFilter": {}}), without),
        ("Scan", json!({"TableName": "Tab", "ConditionalOperator": "AND", "AttributesToGet": ["a"]}), without),
        ("Scan", json!({"TableName": "Tab", "ConditionalOperator": "AND", "ScanFilter": one}), single),
        ("Query", json!({"TableName": "Tab", "ConditionalOperator": "AND", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}}), without),
        // Before the missing key condition.
        ("Query", json!({"TableName": "Tab", "ConditionalOperator": "AND"}), without),
        ("Query", json!({"TableName": "Tab", "ConditionalOperator": "AND", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "QueryFilter": one}), single),
        ("PutItem", json!({"TableName": "Tab", "Item": key, "ConditionalOperator": "AND"}), without),
        ("PutItem", json!({"TableName": "Tab", "Item": key, "ConditionalOperator": "AND", "Expected": one}), single),
        ("DeleteItem", json!({"TableName": "Tab", "Key": key, "ConditionalOperator": "AND"}), without),
        ("DeleteItem", json!({"TableName": "Tab", "Key": key, "ConditionalOperator": "OR", "Expected": one}), single),
        ("UpdateItem", json!({"TableName": "Tab", "Key": key, "ConditionalOperator": "AND", "AttributeUpdates": {"a": {"Value": s("v"), "Action": "PUT"}}}), without),
        ("UpdateItem", json!({"TableName": "Tab", "Key": key, "ConditionalOperator": "AND"}), without),
    ];
    for (op, req, want) in cases {
        assert_eq!(msg(&mut e, op, req.clone()), want, "{op} {req}");
    }
    // The value must be AND or OR (Coral's enum constraint).
    assert_eq!(
        msg(&mut e, "Scan", json!({"TableName": "Tab", "ConditionalOperator": "AN"})),
        "1 validation error detected: Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
    );
    assert_eq!(
        msg(&mut e, "PutItem", json!({"TableName": "Tab", "Item": key, "ConditionalOperator": "XOR"})),
        "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
    );
}

// ---- validation of conditions ------------------------------------------------------------------

const ALL_OPS: [&str; 13] = ["EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"];

/// Argument lists of the wrong length for each operator.
fn wrong_counts(op: &str) -> Vec<Value> {
    let one = json!([s("a")]);
    let two = json!([s("a"), s("b")]);
    let three = json!([s("a"), s("b"), s("c")]);
    match op {
        "NULL" | "NOT_NULL" => vec![one, two],
        "IN" => vec![json!([])],
        "BETWEEN" => vec![json!([]), one, three],
        _ => vec![json!([]), two],
    }
}

#[test]
fn every_operator_checks_its_argument_count_in_every_legacy_map() {
    let mut e = tables();
    for op in ALL_OPS {
        let want = format!("One or more parameter values were invalid: Invalid number of argument(s) for the {op} ComparisonOperator");
        let mut cases = vec![];
        for list in wrong_counts(op) {
            let c = json!({"a": cond(op, list.clone())});
            cases.push(("Scan", json!({"TableName": "Tab", "ScanFilter": c})));
            cases.push(("Query", json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "QueryFilter": c})));
            cases.push(("Query", json!({"TableName": "Tab", "KeyConditions": c})));
            cases.push(("PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": c})));
            cases.push(("DeleteItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": c})));
            cases.push(("UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": c})));
        }
        // No AttributeValueList at all.
        if !matches!(op, "NULL" | "NOT_NULL") {
            cases.push(("Scan", json!({"TableName": "Tab", "ScanFilter": {"a": {"ComparisonOperator": op}}})));
        }
        for (o, req) in cases {
            assert_eq!(msg(&mut e, o, req.clone()), want, "{o} {req}");
        }
    }
    // Expected's Value counts as one argument.
    assert_eq!(
        msg(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": {"ComparisonOperator": "NULL", "Value": s("a")}}})),
        "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator"
    );
    assert_eq!(
        msg(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": {"ComparisonOperator": "BETWEEN", "Value": s("a")}}})),
        "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"
    );
}

#[test]
fn every_operator_checks_the_types_it_takes() {
    let mut e = tables();
    let bad_types = |op: &str| -> Vec<Value> {
        let all = vec![json!({"BOOL": true}), json!({"NULL": true}), json!({"SS": ["a"]}), json!({"NS": ["1"]}), json!({"BS": ["YWJjZA=="]}), json!({"M": {}}), json!({"L": []})];
        match op {
            "LT" | "LE" | "GT" | "GE" | "IN" | "BETWEEN" => all,
            "CONTAINS" | "NOT_CONTAINS" => all.into_iter().skip(2).collect(),
            "BEGINS_WITH" => std::iter::once(n("1")).chain(all).collect(),
            _ => vec![],
        }
    };
    for op in ALL_OPS {
        for v in bad_types(op) {
            let list = if op == "BETWEEN" { json!([v, v]) } else { json!([v]) };
            let t = v.as_object().unwrap().keys().next().unwrap().clone();
            let want = format!("One or more parameter values were invalid: ComparisonOperator {op} is not valid for {t} AttributeValue type");
            let c = json!({"a": cond(op, list)});
            for (o, req) in [
                ("Scan", json!({"TableName": "Tab", "ScanFilter": c})),
                ("Query", json!({"TableName": "Tab", "QueryFilter": c, "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}})),
                ("Query", json!({"TableName": "Tab", "KeyConditions": c})),
                ("PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": c})),
            ] {
                assert_eq!(msg(&mut e, o, req.clone()), want, "{o} {req}");
            }
        }
    }
    // EQ and NE take every type; CONTAINS takes scalars, BOOL and NULL; BEGINS_WITH takes B.
    for (op, v) in [
        ("EQ", json!({"L": [s("a")]})),
        ("NE", json!({"M": {"x": s("a")}})),
        ("EQ", json!({"SS": ["a"]})),
        ("CONTAINS", json!({"BOOL": true})),
        ("NOT_CONTAINS", json!({"NULL": true})),
        ("BEGINS_WITH", json!({"B": "YWI="})),
    ] {
        ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond(op, json!([v]))}}));
    }
}

#[test]
fn value_lists_are_one_type_and_between_bounds_are_ordered() {
    let mut e = tables();
    for (o, req) in [
        ("Query", json!({"TableName": "Tab", "KeyConditions": {"a": cond("IN", json!([s("b"), n("1")]))}})),
        ("Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond("BETWEEN", json!([s("a"), n("1")]))}})),
        ("PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": cond("IN", json!([s("1"), n("1")]))}})),
    ] {
        assert_eq!(msg(&mut e, o, req), "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type");
    }
    for (o, req) in [
        ("Query", json!({"TableName": "Tab", "KeyConditions": {"a": cond("BETWEEN", json!([s("b"), s("a")]))}})),
        ("Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond("BETWEEN", json!([n("10"), n("2")]))}})),
        ("PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": cond("BETWEEN", json!([n("10"), n("2")]))}})),
    ] {
        assert_eq!(msg(&mut e, o, req), "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
    }
    // Equal bounds are fine.
    ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond("BETWEEN", json!([n("2"), n("2")]))}}));
}

#[test]
fn attribute_values_in_conditions_are_validated_first() {
    let mut e = tables();
    let cases = [
        (json!({}), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
        (json!({"N": "1", "S": "a"}), "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
        (json!({"SS": []}), "One or more parameter values were invalid: An string set  may not be empty"),
        (json!({"N": "b"}), "The parameter cannot be converted to a numeric value: b"),
        (json!({"NULL": false}), "One or more parameter values were invalid: Null attribute value types must have the value of true"),
    ];
    for (bad, want) in cases {
        // Bad values are reported before the argument count (EQ with three values).
        let list = json!([n("1"), bad, {}]);
        assert_eq!(msg(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond("EQ", list.clone())}})), want);
        assert_eq!(msg(&mut e, "Query", json!({"TableName": "Tab", "KeyConditions": {"a": cond("EQ", list.clone())}})), want);
        assert_eq!(msg(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": {"Value": bad}}})), want);
    }
}

#[test]
fn comparison_operator_is_required_and_from_the_enum() {
    let mut e = tables();
    let ops = "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";
    assert_eq!(
        msg(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": {}, "b": {"ComparisonOperator": ""}}})),
        format!("2 validation errors detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null; Value '' at 'scanFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: {ops}")
    );
    assert_eq!(
        msg(&mut e, "Query", json!({"TableName": "Tab", "KeyConditions": {"a": {}}, "QueryFilter": {"b": {"ComparisonOperator": "eq"}}})),
        format!("2 validation errors detected: Value 'eq' at 'queryFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: {ops}; Value null at 'keyConditions.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null")
    );
    assert_eq!(
        msg(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": {"ComparisonOperator": "LIKE", "AttributeValueList": [s("x")]}}})),
        format!("1 validation error detected: Value 'LIKE' at 'expected.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: {ops}")
    );
    // Wrong JSON types are Coral serialization errors.
    let (kind, _) = err(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": {"ComparisonOperator": 1}}}));
    assert_eq!(kind, "SerializationException");
    let (kind, _) = err(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": [1]}));
    assert_eq!(kind, "SerializationException");
    let (kind, _) = err(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": {"ComparisonOperator": "EQ", "AttributeValueList": "x"}}}));
    assert_eq!(kind, "SerializationException");
    let (kind, _) = err(&mut e, "Scan", json!({"TableName": "Tab", "AttributesToGet": [1]}));
    assert_eq!(kind, "SerializationException");
}

#[test]
fn expected_forms_and_their_messages() {
    let mut e = tables();
    let cases = [
        (json!({}), "Value must be provided when Exists is null for Attribute: a"),
        (json!({"Exists": true}), "Value must be provided when Exists is true for Attribute: a"),
        (json!({"Exists": false, "Value": s("a")}), "Value cannot be used when Exists is false for Attribute: a"),
        (json!({"ComparisonOperator": "LT"}), "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a"),
        (json!({"Exists": true, "ComparisonOperator": "LT"}), "Exists and ComparisonOperator cannot be used together for Attribute: a"),
        (json!({"AttributeValueList": [s("a")], "Value": s("a"), "ComparisonOperator": "LT"}), "Value and AttributeValueList cannot be used together for Attribute: a"),
        (json!({"AttributeValueList": [s("a")]}), "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"),
        (json!({"Exists": true, "AttributeValueList": [s("a")]}), "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"),
        (json!({"AttributeValueList": [], "ComparisonOperator": "EQ"}), "Invalid number of argument(s) for the EQ ComparisonOperator"),
        (json!({"AttributeValueList": [s("a")], "ComparisonOperator": "NULL"}), "Invalid number of argument(s) for the NULL ComparisonOperator"),
        (json!({"AttributeValueList": [], "ComparisonOperator": "IN"}), "Invalid number of argument(s) for the IN ComparisonOperator"),
        (json!({"AttributeValueList": [n("1"), n("10"), n("12")], "ComparisonOperator": "BETWEEN"}), "Invalid number of argument(s) for the BETWEEN ComparisonOperator"),
    ];
    for (expected, want) in cases {
        let want = format!("One or more parameter values were invalid: {want}");
        for (op, req) in [
            ("PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k")}, "Expected": {"a": expected}})),
            ("DeleteItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": {"a": expected}})),
            ("UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": {"a": expected}})),
        ] {
            assert_eq!(msg(&mut e, op, req.clone()), want, "{req}");
        }
    }
    // Validated before the table is looked at, and nothing is written.
    assert_eq!(
        msg(&mut e, "PutItem", json!({"TableName": "Nope", "Item": {"pk": s("k")}, "Expected": {"a": {"Exists": true}}})),
        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"
    );
    assert_eq!(ok(&mut e, "Scan", json!({"TableName": "Tab"}))["Count"], 0);
}

// ---- semantics of every operator ---------------------------------------------------------------

/// Items of `Tab` whose attribute `a` has many types; `i5` has no `a`.
fn mixed() -> Engine {
    let mut e = tables();
    let items = [
        json!({"pk": s("i1"), "a": s("abc")}),
        json!({"pk": s("i2"), "a": n("5")}),
        json!({"pk": s("i3"), "a": {"SS": ["abc", "x"]}}),
        json!({"pk": s("i4"), "a": {"L": [s("abc"), n("1")]}}),
        json!({"pk": s("i5"), "b": s("abc")}),
        json!({"pk": s("i6"), "a": {"B": "YWJj"}}),
        json!({"pk": s("i7"), "a": {"NS": ["5", "6"]}}),
        json!({"pk": s("i8"), "a": {"BOOL": true}}),
        json!({"pk": s("i9"), "a": {"M": {"abc": s("abc")}}}),
    ];
    for it in items {
        ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": it}));
    }
    e
}

#[test]
fn every_operator_selects_what_aws_selects() {
    let mut e = mixed();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("EQ", json!([s("abc")]), vec!["i1"]),
        ("EQ", json!([{"SS": ["x", "abc"]}]), vec!["i3"]),
        ("EQ", json!([{"L": [s("abc"), n("1")]}]), vec!["i4"]),
        // NE: every item holding a different value, of any type; never an item without `a`.
        ("NE", json!([s("abc")]), vec!["i2", "i3", "i4", "i6", "i7", "i8", "i9"]),
        ("LT", json!([n("6")]), vec!["i2"]),
        ("LE", json!([n("5")]), vec!["i2"]),
        ("GT", json!([n("4")]), vec!["i2"]),
        ("GE", json!([s("abb")]), vec!["i1"]),
        ("LT", json!([{"B": "YWJk"}]), vec!["i6"]),
        ("NOT_NULL", json!([]), vec!["i1", "i2", "i3", "i4", "i6", "i7", "i8", "i9"]),
        ("NULL", json!([]), vec!["i5"]),
        // CONTAINS: substring of a string, member of a set, element of a list.
        ("CONTAINS", json!([s("bc")]), vec!["i1"]),
        ("CONTAINS", json!([s("abc")]), vec!["i1", "i3", "i4"]),
        ("CONTAINS", json!([n("5")]), vec!["i7"]),
        ("CONTAINS", json!([n("1")]), vec!["i4"]),
        ("CONTAINS", json!([{"B": "Yg=="}]), vec!["i6"]),
        // NOT_CONTAINS: present and not containing; never an item without `a`.
        ("NOT_CONTAINS", json!([s("abc")]), vec!["i2", "i6", "i7", "i8", "i9"]),
        // A number contains nothing, so NOT_CONTAINS holds for it.
        ("NOT_CONTAINS", json!([n("5")]), vec!["i1", "i2", "i3", "i4", "i6", "i8", "i9"]),
        ("BEGINS_WITH", json!([s("ab")]), vec!["i1"]),
        ("BEGINS_WITH", json!([{"B": "YWI="}]), vec!["i6"]),
        ("IN", json!([n("5"), n("9")]), vec!["i2"]),
        ("IN", json!([s("zzz"), s("abc")]), vec!["i1"]),
        ("BETWEEN", json!([n("1"), n("5")]), vec!["i2"]),
        ("BETWEEN", json!([s("a"), s("b")]), vec!["i1"]),
    ];
    for (op, list, want) in cases {
        let out = ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond(op, list.clone())}}));
        assert_eq!(pks(&out), want, "{op} {list}");
        assert_eq!(out["ScannedCount"], 9);
        // Expected agrees: the conditional put succeeds exactly on the selected items.
        for pk in ["i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9"] {
            let item = ok(&mut e, "GetItem", json!({"TableName": "Tab", "Key": {"pk": s(pk)}}))["Item"].clone();
            let res = call(&mut e, "PutItem", json!({"TableName": "Tab", "Item": item, "Expected": {"a": cond(op, list.clone())}}));
            assert_eq!(res.is_ok(), want.contains(&pk), "Expected {op} {list} on {pk}: {res:?}");
        }
    }
}

#[test]
fn legacy_negations_differ_from_expression_negations_on_absent_attributes() {
    let mut e = mixed();
    let legacy = ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"a": cond("NOT_CONTAINS", json!([s("abc")]))}}));
    let expr = ok(&mut e, "Scan", json!({"TableName": "Tab", "FilterExpression": "NOT contains(a, :v)", "ExpressionAttributeValues": {":v": s("abc")}}));
    assert!(!pks(&legacy).contains(&"i5".to_string()));
    assert!(pks(&expr).contains(&"i5".to_string()));
    // The same absent attribute fails a legacy NE condition.
    let (kind, _) = err(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("i5")}, "Expected": {"a": cond("NE", json!([s("x")]))}}));
    assert_eq!(kind, "ConditionalCheckFailedException");
    let (kind, _) = err(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("i5")}, "Expected": {"absent": cond("NOT_CONTAINS", json!([s("value")]))}}));
    assert_eq!(kind, "ConditionalCheckFailedException");
}

#[test]
fn conditions_combine_with_and_by_default_or_with_or() {
    let mut e = mixed();
    let two = json!({"a": cond("EQ", json!([s("abc")])), "b": cond("EQ", json!([s("abc")]))});
    assert_eq!(pks(&ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": two}))), Vec::<String>::new());
    assert_eq!(pks(&ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": two, "ConditionalOperator": "AND"}))), Vec::<String>::new());
    assert_eq!(pks(&ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": two, "ConditionalOperator": "OR"}))), vec!["i1", "i5"]);
    // An empty filter filters nothing.
    assert_eq!(ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {}}))["Count"], 9);
    // Legacy names are literal attribute names, not document paths.
    ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("dot"), "x.y": s("1")}}));
    assert_eq!(pks(&ok(&mut e, "Scan", json!({"TableName": "Tab", "ScanFilter": {"x.y": cond("EQ", json!([s("1")]))}}))), vec!["dot"]);
}

#[test]
fn scan_filter_counts_after_limit_and_pages() {
    let mut e = mixed();
    let out = ok(&mut e, "Scan", json!({"TableName": "Tab", "Limit": 4, "ScanFilter": {"a": cond("NOT_NULL", json!([]))}, "ReturnConsumedCapacity": "TOTAL"}));
    assert_eq!(out["ScannedCount"], 4);
    assert!(out["Count"].as_u64().unwrap() <= 4);
    assert!(out.get("LastEvaluatedKey").is_some());
    assert_eq!(out["ConsumedCapacity"]["CapacityUnits"], 0.5);
    let out = ok(&mut e, "Scan", json!({"TableName": "Tab", "Select": "COUNT", "ScanFilter": {"a": cond("NULL", json!([]))}}));
    assert_eq!(out, json!({"Count": 1, "ScannedCount": 9}));
}

// ---- Expected on writes --------------------------------------------------------------------------

#[test]
fn expected_guards_put_update_and_delete() {
    let mut e = tables();
    let item = json!({"pk": s("k"), "v": n("1")});
    // Exists=false on the key: put only if absent.
    ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": item, "Expected": {"pk": {"Exists": false}}}));
    let failed =
        call(&mut e, "PutItem", json!({"TableName": "Tab", "Item": item, "Expected": {"pk": {"Exists": false}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})).unwrap_err();
    assert_eq!(failed.kind, "ConditionalCheckFailedException");
    assert_eq!(failed.message, "The conditional request failed");
    assert_eq!(failed.to_json()["Item"], item);
    // Value (Exists absent or true) means equal.
    ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k"), "v": n("2")}, "Expected": {"v": {"Value": n("1")}}}));
    ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": {"pk": s("k"), "v": n("3")}, "Expected": {"v": {"Value": n("2"), "Exists": true}}}));
    assert_eq!(err(&mut e, "PutItem", json!({"TableName": "Tab", "Item": item, "Expected": {"v": {"Value": n("1")}}})).0, "ConditionalCheckFailedException");
    // ComparisonOperator form; Value instead of AttributeValueList.
    ok(
        &mut e,
        "UpdateItem",
        json!({"TableName": "Tab", "Key": {"pk": s("k")}, "AttributeUpdates": {"v": {"Action": "ADD", "Value": n("1")}}, "Expected": {"v": {"ComparisonOperator": "GE", "Value": n("3")}}}),
    );
    assert_eq!(err(&mut e, "UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": {"v": cond("LT", json!([n("4")]))}})).0, "ConditionalCheckFailedException");
    // OR: one condition is enough; AND (the default) needs both.
    let two = json!({"v": cond("EQ", json!([n("4")])), "w": cond("NOT_NULL", json!([]))});
    assert_eq!(err(&mut e, "DeleteItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": two})).0, "ConditionalCheckFailedException");
    let out = ok(&mut e, "DeleteItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": two, "ConditionalOperator": "OR", "ReturnValues": "ALL_OLD"}));
    assert_eq!(out["Attributes"], json!({"pk": s("k"), "v": n("4")}));
    // On an absent item, only NULL conditions hold.
    assert_eq!(err(&mut e, "UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": {"v": cond("NOT_NULL", json!([]))}})).0, "ConditionalCheckFailedException");
    ok(&mut e, "UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "Expected": {"v": cond("NULL", json!([]))}}));
}

// ---- AttributeUpdates ------------------------------------------------------------------------------

fn update(e: &mut Engine, updates: Value, rv: &str) -> Result<Value, crate::AwsError> {
    call(e, "UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "AttributeUpdates": updates, "ReturnValues": rv}))
}

fn item_k(e: &mut Engine) -> Value {
    ok(e, "GetItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}})).get("Item").cloned().unwrap_or(Value::Null)
}

#[test]
fn attribute_updates_validation_messages() {
    let mut e = tables();
    let p = "One or more parameter values were invalid: ";
    let mut cases: Vec<(Value, String)> = vec![
        (json!({"a": {"x": "whatever"}}), format!("{p}Only DELETE action is allowed when no attribute value is specified")),
        (json!({"a": {"Action": "PUT"}}), format!("{p}Only DELETE action is allowed when no attribute value is specified")),
        (json!({"a": {"Action": "ADD"}}), format!("{p}Only DELETE action is allowed when no attribute value is specified")),
        (
            json!({"a": {"Action": "MERGE", "Value": s("1")}}),
            "1 validation error detected: Value 'MERGE' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, DELETE, PUT]"
                .to_string(),
        ),
        (json!({"a": {"Action": "PUT", "Value": {"SS": []}}}), format!("{p}An string set  may not be empty")),
    ];
    for v in [s("1"), n("1"), json!({"B": "Yg=="}), json!({"NULL": true}), json!({"BOOL": true}), json!({"M": {}}), json!({"L": []})] {
        let t = v.as_object().unwrap().keys().next().unwrap().clone();
        cases.push((json!({"a": {"Action": "DELETE", "Value": v}}), format!("{p}DELETE action with value is not supported for the type {t}")));
    }
    for v in [s("1"), json!({"B": "Yg=="}), json!({"NULL": true}), json!({"BOOL": true}), json!({"M": {}})] {
        let t = v.as_object().unwrap().keys().next().unwrap().clone();
        cases.push((json!({"a": {"Action": "ADD", "Value": v}}), format!("{p}ADD action is not supported for the type {t}")));
    }
    cases.push((json!({"pk": {"Value": s("other")}}), format!("{p}Cannot update attribute pk. This attribute is part of the key")));
    cases.push((json!({"pk": {"Action": "DELETE"}}), format!("{p}Cannot update attribute pk. This attribute is part of the key")));
    for (updates, want) in cases {
        assert_eq!(update(&mut e, updates.clone(), "NONE").unwrap_err().message, want, "{updates}");
    }
    assert_eq!(item_k(&mut e), Value::Null, "no failed update wrote anything");
    // The update's value sizes count towards the item size limit.
    let big = "x".repeat(400 * 1024);
    assert_eq!(update(&mut e, json!({"b": {"Value": s(&big)}}), "NONE").unwrap_err().message, "Item size to update has exceeded the maximum allowed size");
}

#[test]
fn attribute_updates_type_mismatches() {
    let mut e = tables();
    update(&mut e, json!({"b": {"Value": {"SS": ["1"]}}, "c": {"Value": n("1")}, "d": {"Value": {"NS": ["1"]}}, "l": {"Value": {"L": []}}, "t": {"Value": s("x")}}), "NONE")
        .unwrap();
    let before = item_k(&mut e);
    for updates in [
        json!({"b": {"Action": "DELETE", "Value": {"NS": ["1"]}}}),
        json!({"b": {"Action": "DELETE", "Value": {"BS": ["YQ=="]}}}),
        json!({"c": {"Action": "DELETE", "Value": {"NS": ["1"]}}}),
        json!({"b": {"Action": "ADD", "Value": {"NS": ["1"]}}}),
        json!({"d": {"Action": "ADD", "Value": n("1")}}),
        json!({"t": {"Action": "ADD", "Value": n("1")}}),
        json!({"l": {"Action": "ADD", "Value": {"SS": ["1"]}}}),
        json!({"c": {"Action": "ADD", "Value": {"L": [n("1")]}}}),
    ] {
        assert_eq!(update(&mut e, updates.clone(), "NONE").unwrap_err().message, "Type mismatch for attribute to update", "{updates}");
    }
    assert_eq!(item_k(&mut e), before);
}

#[test]
fn attribute_updates_put_add_delete_semantics() {
    let mut e = tables();
    // PUT is the default action.
    let out = update(&mut e, json!({"b": {"Value": s("a")}, "c": {"Value": s("a")}}), "ALL_NEW").unwrap();
    assert_eq!(out["Attributes"], json!({"pk": s("k"), "b": s("a"), "c": s("a")}));
    let out = update(&mut e, json!({"b": {"Value": s("b")}, "c": {"Action": "PUT", "Value": s("a")}}), "UPDATED_OLD").unwrap();
    assert_eq!(out["Attributes"], json!({"b": s("a"), "c": s("a")}));
    // DELETE without a value removes the attribute; UPDATED_NEW leaves it out.
    let out = update(&mut e, json!({"b": {"Action": "DELETE"}, "c": {"Value": s("z")}}), "UPDATED_NEW").unwrap();
    assert_eq!(out["Attributes"], json!({"c": s("z")}));
    assert_eq!(item_k(&mut e), json!({"pk": s("k"), "c": s("z")}));
    // ADD: numbers add (absent counts as 0), sets union, lists append.
    update(&mut e, json!({"n": {"Action": "ADD", "Value": n("3")}}), "NONE").unwrap();
    let out = update(&mut e, json!({"n": {"Action": "ADD", "Value": n("-1.5")}}), "UPDATED_NEW").unwrap();
    assert_eq!(out["Attributes"], json!({"n": n("1.5")}));
    update(
        &mut e,
        json!({"ss": {"Value": {"SS": ["a", "b"]}}, "ns": {"Value": {"NS": ["1", "2"]}}, "bs": {"Value": {"BS": ["AQI=", "Ag=="]}}, "l": {"Value": {"L": [s("a"), n("1")]}}}),
        "NONE",
    )
    .unwrap();
    let out = update(
        &mut e,
        json!({"ss": {"Action": "ADD", "Value": {"SS": ["b", "c", "d"]}}, "ns": {"Action": "ADD", "Value": {"NS": ["2", "3"]}},
        "bs": {"Action": "ADD", "Value": {"BS": ["Ag==", "AQ=="]}}, "l": {"Action": "ADD", "Value": {"L": [s("a"), n("2")]}}}),
        "UPDATED_NEW",
    )
    .unwrap();
    assert_eq!(
        out["Attributes"],
        json!({"ss": {"SS": ["a", "b", "c", "d"]}, "ns": {"NS": ["1", "2", "3"]}, "bs": {"BS": ["AQI=", "Ag==", "AQ=="]}, "l": {"L": [s("a"), n("1"), s("a"), n("2")]}})
    );
    // DELETE with a set takes members away; an emptied set disappears.
    let out = update(&mut e, json!({"ns": {"Action": "DELETE", "Value": {"NS": ["1", "4"]}}}), "UPDATED_NEW").unwrap();
    assert_eq!(out["Attributes"], json!({"ns": {"NS": ["2", "3"]}}));
    let out = update(&mut e, json!({"ns": {"Action": "DELETE", "Value": {"NS": ["2", "3"]}}, "absent": {"Action": "DELETE", "Value": {"SS": ["x"]}}}), "UPDATED_NEW").unwrap();
    assert!(out.get("Attributes").is_none(), "{out}");
    assert!(item_k(&mut e).get("ns").is_none());
    // Number limits still apply to ADD.
    update(&mut e, json!({"big": {"Value": n("9E+125")}}), "NONE").unwrap();
    assert_eq!(
        update(&mut e, json!({"big": {"Action": "ADD", "Value": n("9E+125")}}), "NONE").unwrap_err().message,
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    );
}

#[test]
fn attribute_updates_on_an_absent_item() {
    let mut e = tables();
    // DELETE does nothing and creates no item; ADD and PUT create it.
    let out = update(
        &mut e,
        json!({"b": {"Action": "DELETE"}, "c": {"Action": "DELETE", "Value": {"SS": ["a", "b"]}}, "d": {"Action": "ADD", "Value": n("5")},
        "e": {"Action": "ADD", "Value": {"SS": ["a", "b"]}}, "f": {"Action": "ADD", "Value": {"L": [s("a"), n("1")]}}}),
        "UPDATED_NEW",
    )
    .unwrap();
    assert_eq!(out["Attributes"], json!({"d": n("5"), "e": {"SS": ["a", "b"]}, "f": {"L": [s("a"), n("1")]}}));
    assert_eq!(item_k(&mut e), json!({"pk": s("k"), "d": n("5"), "e": {"SS": ["a", "b"]}, "f": {"L": [s("a"), n("1")]}}));
    ok(&mut e, "DeleteItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}}));
    e.take_changes();
    let out = update(&mut e, json!({"absent": {"Action": "DELETE"}}), "ALL_NEW").unwrap();
    assert!(out.get("Attributes").is_none());
    assert_eq!(item_k(&mut e), Value::Null);
    assert!(!e.has_changes(), "a DELETE-only update of an absent item journals nothing");
    // The same holds for an UpdateExpression that only removes.
    for (expr, values) in [("REMOVE absent", None), ("REMOVE absent.child", None), ("DELETE absent :v", Some(json!({":v": {"SS": ["value"]}})))] {
        let mut req = json!({"TableName": "Tab", "Key": {"pk": s("k")}, "UpdateExpression": expr, "ReturnValues": "ALL_NEW"});
        if let Some(v) = values {
            req["ExpressionAttributeValues"] = v;
        }
        let out = ok(&mut e, "UpdateItem", req);
        assert!(out.get("Attributes").is_none());
        assert_eq!(item_k(&mut e), Value::Null, "{expr}");
    }
    // Without any update, the item is created with its key.
    assert_eq!(ok(&mut e, "UpdateItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}})), json!({}));
    assert_eq!(item_k(&mut e), json!({"pk": s("k")}));
}

#[test]
fn attribute_updates_keep_secondary_index_keys_typed() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    create(
        &mut e,
        json!({"TableName": "Gsi", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [{"IndexName": "ByG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}),
    );
    let (_, m) = err(&mut e, "UpdateItem", json!({"TableName": "Gsi", "Key": {"pk": s("k")}, "AttributeUpdates": {"g": {"Value": n("1")}}}));
    assert_eq!(m, "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: ByG");
    ok(&mut e, "UpdateItem", json!({"TableName": "Gsi", "Key": {"pk": s("k")}, "AttributeUpdates": {"g": {"Value": s("x")}}}));
    let out = ok(&mut e, "Query", json!({"TableName": "Gsi", "IndexName": "ByG", "KeyConditions": {"g": cond("EQ", json!([s("x")]))}}));
    assert_eq!(out["Items"], json!([{"pk": s("k"), "g": s("x")}]));
}

// ---- KeyConditions and QueryFilter -------------------------------------------------------------------

/// `Rng` with ten items in partition `u` (sk 1..=10, `v` = sk % 3) and one in `w`.
fn ranged() -> Engine {
    let mut e = tables();
    for i in 1..=10 {
        ok(&mut e, "PutItem", json!({"TableName": "Rng", "Item": {"pk": s("u"), "sk": n(&i.to_string()), "v": n(&(i % 3).to_string())}}));
    }
    ok(&mut e, "PutItem", json!({"TableName": "Rng", "Item": {"pk": s("w"), "sk": n("1")}}));
    e
}

fn kq(pk: &str, range: Option<Value>) -> Value {
    let mut kc = json!({"pk": cond("EQ", json!([s(pk)]))});
    if let Some(r) = range {
        kc["sk"] = r;
    }
    json!({"TableName": "Rng", "KeyConditions": kc})
}

#[test]
fn key_conditions_every_sort_key_operator() {
    let mut e = ranged();
    let cases: Vec<(Option<Value>, Vec<i64>)> = vec![
        (None, (1..=10).collect()),
        (Some(cond("EQ", json!([n("5")]))), vec![5]),
        (Some(cond("LT", json!([n("3")]))), vec![1, 2]),
        (Some(cond("LE", json!([n("3")]))), vec![1, 2, 3]),
        (Some(cond("GT", json!([n("8")]))), vec![9, 10]),
        (Some(cond("GE", json!([n("9")]))), vec![9, 10]),
        (Some(cond("BETWEEN", json!([n("3"), n("5")]))), vec![3, 4, 5]),
    ];
    for (range, want) in cases {
        let out = ok(&mut e, "Query", kq("u", range.clone()));
        assert_eq!(sks(&out), want, "{range:?}");
    }
    let mut req = kq("u", Some(cond("GT", json!([n("7")]))));
    req["ScanIndexForward"] = json!(false);
    assert_eq!(sks(&ok(&mut e, "Query", req)), vec![10, 9, 8]);
    // BEGINS_WITH on a string sort key.
    create(
        &mut e,
        json!({"TableName": "Str", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"}),
    );
    for sk in ["ab", "abc", "b", "a"] {
        ok(&mut e, "PutItem", json!({"TableName": "Str", "Item": {"pk": s("p"), "sk": s(sk)}}));
    }
    let out = ok(&mut e, "Query", json!({"TableName": "Str", "KeyConditions": {"pk": cond("EQ", json!([s("p")])), "sk": cond("BEGINS_WITH", json!([s("ab")]))}}));
    assert_eq!(out["Items"], json!([{"pk": s("p"), "sk": s("ab")}, {"pk": s("p"), "sk": s("abc")}]));
}

#[test]
fn key_conditions_page_with_exclusive_start_key() {
    let mut e = ranged();
    let mut req = kq("u", Some(cond("GE", json!([n("3")]))));
    req["Limit"] = json!(3);
    let first = ok(&mut e, "Query", req.clone());
    assert_eq!(sks(&first), vec![3, 4, 5]);
    assert_eq!(first["LastEvaluatedKey"], json!({"pk": s("u"), "sk": n("5")}));
    req["ExclusiveStartKey"] = first["LastEvaluatedKey"].clone();
    assert_eq!(sks(&ok(&mut e, "Query", req.clone())), vec![6, 7, 8]);
    req["ExclusiveStartKey"] = json!({"pk": s("w"), "sk": n("1")});
    assert_eq!(msg(&mut e, "Query", req), "The provided starting key is outside query boundaries based on provided conditions");
}

#[test]
fn key_conditions_messages() {
    let mut e = ranged();
    let not_indexable = "Attempted conditional constraint is not an indexable operation";
    let cases: Vec<(Value, &str)> = vec![
        (json!({"TableName": "Rng", "KeyConditions": {"sk": cond("EQ", json!([n("1")]))}}), "Query condition missed key schema element: pk"),
        (json!({"TableName": "Rng", "KeyConditions": {"pk": cond("EQ", json!([s("u")])), "v": cond("EQ", json!([n("1")]))}}), "Query condition missed key schema element: sk"),
        (json!({"TableName": "Rng", "KeyConditions": {"pk": cond("LT", json!([s("u")]))}}), "Query key condition not supported"),
        (json!({"TableName": "Rng", "KeyConditions": {"pk": cond("BEGINS_WITH", json!([s("u")]))}}), "Query key condition not supported"),
        (json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("u")])), "sk": cond("EQ", json!([n("1")]))}}), "Query key condition not supported"),
        (
            json!({"TableName": "Rng", "KeyConditions": {"pk": cond("EQ", json!([n("1")]))}}),
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (kq("u", Some(cond("EQ", json!([s("1")])))), "One or more parameter values were invalid: Condition parameter type does not match schema type"),
        (json!({"TableName": "Rng", "KeyConditions": {}}), "Conditions can be of length 1 or 2 only"),
        (
            json!({"TableName": "Rng", "KeyConditions": {"a": cond("NULL", json!([])), "b": cond("NULL", json!([])), "c": cond("NULL", json!([]))}}),
            "Conditions can be of length 1 or 2 only",
        ),
        (kq("u", Some(cond("BEGINS_WITH", json!([n("1")])))), "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"),
        (json!({"TableName": "Rng"}), "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."),
    ];
    for (req, want) in cases {
        assert_eq!(msg(&mut e, "Query", req.clone()), want, "{req}");
    }
    for c in [
        cond("NULL", json!([])),
        cond("NOT_NULL", json!([])),
        cond("NE", json!([s("u")])),
        cond("CONTAINS", json!([s("u")])),
        cond("NOT_CONTAINS", json!([s("u")])),
        cond("IN", json!([s("u")])),
    ] {
        assert_eq!(msg(&mut e, "Query", json!({"TableName": "Rng", "KeyConditions": {"pk": c}})), not_indexable, "{c}");
        if c["ComparisonOperator"] != "NE" {
            assert_eq!(msg(&mut e, "Query", kq("u", Some(c.clone()))), not_indexable, "{c}");
        }
    }
    // The table must exist (KeyConditions are checked against its key schema).
    assert_eq!(err(&mut e, "Query", json!({"TableName": "Nope", "KeyConditions": {"pk": cond("EQ", json!([s("u")]))}})).0, "ResourceNotFoundException");
}

#[test]
fn query_filter_applies_after_the_key_conditions() {
    let mut e = ranged();
    let mut req = kq("u", Some(cond("LE", json!([n("6")]))));
    req["QueryFilter"] = json!({"v": cond("EQ", json!([n("0")]))});
    let out = ok(&mut e, "Query", req.clone());
    assert_eq!((sks(&out), out["ScannedCount"].clone()), (vec![3, 6], json!(6)));
    req["QueryFilter"] = json!({"v": cond("EQ", json!([n("0")])), "w": cond("NOT_NULL", json!([]))});
    req["ConditionalOperator"] = json!("OR");
    assert_eq!(sks(&ok(&mut e, "Query", req.clone())), vec![3, 6]);
    req["ConditionalOperator"] = json!("AND");
    assert_eq!(sks(&ok(&mut e, "Query", req)), Vec::<i64>::new());
    // Key attributes may not be filtered.
    let mut req = kq("u", None);
    req["QueryFilter"] = json!({"sk": cond("GT", json!([n("3")]))});
    assert_eq!(msg(&mut e, "Query", req), "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk");
}

#[test]
fn key_conditions_on_secondary_indexes() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    create(
        &mut e,
        json!({"TableName": "Thread",
        "AttributeDefinitions": [{"AttributeName": "Forum", "AttributeType": "S"}, {"AttributeName": "Subject", "AttributeType": "S"}, {"AttributeName": "Posted", "AttributeType": "N"}, {"AttributeName": "Author", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "Forum", "KeyType": "HASH"}, {"AttributeName": "Subject", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST",
        "LocalSecondaryIndexes": [{"IndexName": "ByPosted", "KeySchema": [{"AttributeName": "Forum", "KeyType": "HASH"}, {"AttributeName": "Posted", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        "GlobalSecondaryIndexes": [{"IndexName": "ByAuthor", "KeySchema": [{"AttributeName": "Author", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}),
    );
    for (subject, posted, author) in [("a", "3", "kim"), ("b", "1", "lee"), ("c", "2", "kim")] {
        ok(&mut e, "PutItem", json!({"TableName": "Thread", "Item": {"Forum": s("f"), "Subject": s(subject), "Posted": n(posted), "Author": s(author), "Body": s("...")}}));
    }
    let out = ok(
        &mut e,
        "Query",
        json!({"TableName": "Thread", "IndexName": "ByPosted", "KeyConditions": {"Forum": cond("EQ", json!([s("f")])), "Posted": cond("GE", json!([n("2")]))}}),
    );
    let subjects: Vec<&str> = out["Items"].as_array().unwrap().iter().map(|i| i["Subject"]["S"].as_str().unwrap()).collect();
    assert_eq!(subjects, vec!["c", "a"]);
    let out =
        ok(&mut e, "Query", json!({"TableName": "Thread", "IndexName": "ByAuthor", "KeyConditions": {"Author": cond("EQ", json!([s("kim")]))}, "AttributesToGet": ["Subject"]}));
    assert_eq!(out["Count"], 2);
    assert!(out["Items"].as_array().unwrap().iter().all(|i| i.as_object().unwrap().len() == 1));
    // The index's keys are the ones that must be conditioned, and may not be filtered.
    assert_eq!(
        msg(&mut e, "Query", json!({"TableName": "Thread", "IndexName": "ByAuthor", "KeyConditions": {"Forum": cond("EQ", json!([s("f")]))}})),
        "Query condition missed key schema element: Author"
    );
    assert_eq!(
        msg(
            &mut e,
            "Query",
            json!({"TableName": "Thread", "IndexName": "ByPosted", "KeyConditions": {"Forum": cond("EQ", json!([s("f")]))}, "QueryFilter": {"Posted": cond("GT", json!([n("1")]))}})
        ),
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: Posted"
    );
}

// ---- AttributesToGet and Select ---------------------------------------------------------------------

#[test]
fn attributes_to_get_projects_top_level_attributes() {
    let mut e = tables();
    let item = json!({"pk": s("k"), "a": s("1"), "b": {"M": {"c": s("2")}}, "x.y": s("3")});
    ok(&mut e, "PutItem", json!({"TableName": "Tab", "Item": item}));
    let got = ok(&mut e, "GetItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "AttributesToGet": ["b", "missing", "x.y"]}));
    assert_eq!(got["Item"], json!({"b": {"M": {"c": s("2")}}, "x.y": s("3")}));
    let got = ok(&mut e, "BatchGetItem", json!({"RequestItems": {"Tab": {"Keys": [{"pk": s("k")}], "AttributesToGet": ["a"]}}}));
    assert_eq!(got["Responses"]["Tab"], json!([{"a": s("1")}]));
    let got = ok(&mut e, "Scan", json!({"TableName": "Tab", "AttributesToGet": ["a"], "Select": "SPECIFIC_ATTRIBUTES"}));
    assert_eq!(got["Items"], json!([{"a": s("1")}]));
    let got = ok(&mut e, "Query", json!({"TableName": "Tab", "KeyConditions": {"pk": cond("EQ", json!([s("k")]))}, "AttributesToGet": ["pk"]}));
    assert_eq!(got["Items"], json!([{"pk": s("k")}]));
    // An item whose requested attributes are all absent comes back empty.
    let got = ok(&mut e, "GetItem", json!({"TableName": "Tab", "Key": {"pk": s("k")}, "AttributesToGet": ["missing"]}));
    assert_eq!(got["Item"], json!({}));
}

#[test]
fn attributes_to_get_messages() {
    let mut e = tables();
    let key = json!({"pk": s("k")});
    let dup = "One or more parameter values were invalid: Duplicate value in attribute name: a";
    for (op, req) in [
        ("GetItem", json!({"TableName": "Tab", "Key": key, "AttributesToGet": ["a", "b", "a"]})),
        ("Scan", json!({"TableName": "Tab", "AttributesToGet": ["a", "a"]})),
        ("Query", json!({"TableName": "Tab", "KeyConditions": {"pk": cond("NULL", json!([]))}, "AttributesToGet": ["a", "a"]})),
        ("BatchGetItem", json!({"RequestItems": {"Tab": {"Keys": [key], "AttributesToGet": ["a", "a"]}}})),
    ] {
        assert_eq!(msg(&mut e, op, req.clone()), dup, "{req}");
    }
    let empty = "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1";
    assert_eq!(msg(&mut e, "GetItem", json!({"TableName": "Tab", "Key": key, "AttributesToGet": []})), empty);
    assert_eq!(msg(&mut e, "Scan", json!({"TableName": "Tab", "AttributesToGet": []})), empty);
    assert_eq!(
        msg(&mut e, "BatchGetItem", json!({"RequestItems": {"Tab": {"Keys": [key], "AttributesToGet": []}}})),
        "1 validation error detected: Value '[]' at 'requestItems.Tab.member.attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn select_agrees_with_the_projection_member() {
    let mut e = Engine::new(EngineConfig::default(), T0);
    create(
        &mut e,
        json!({"TableName": "Gsi", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [{"IndexName": "ByG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}),
    );
    for (op, prefix) in [("Query", "1 validation error detected: "), ("Scan", "")] {
        let base = |extra: Value| {
            let mut r = json!({"TableName": "Gsi", "IndexName": "ByG"});
            if op == "Query" {
                r["KeyConditions"] = json!({"g": cond("EQ", json!([s("v")]))});
            }
            for (k, v) in extra.as_object().unwrap() {
                r[k] = v.clone();
            }
            r
        };
        ok(&mut e, op, base(json!({"Select": "SPECIFIC_ATTRIBUTES", "AttributesToGet": ["g"]})));
        for (select, said) in [("ALL_ATTRIBUTES", "ALL_ATTRIBUTES"), ("ALL_PROJECTED_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"), ("COUNT", "only the Count")] {
            assert_eq!(
                msg(&mut e, op, base(json!({"Select": select, "AttributesToGet": ["g"]}))),
                format!("{prefix}Cannot specify the AttributesToGet when choosing to get {said}")
            );
            let mut r = base(json!({"Select": select, "ProjectionExpression": "g"}));
            r.as_object_mut().unwrap().remove("KeyConditions");
            if op == "Query" {
                r["KeyConditionExpression"] = json!("g = :v");
                r["ExpressionAttributeValues"] = json!({":v": s("v")});
            }
            assert_eq!(msg(&mut e, op, r), format!("{prefix}Cannot specify the ProjectionExpression when choosing to get {said}"));
        }
        let mut r = base(json!({"Select": "SPECIFIC_ATTRIBUTES"}));
        r.as_object_mut().unwrap().remove("IndexName");
        if op == "Query" {
            r["KeyConditions"] = json!({"pk": cond("EQ", json!([s("v")]))});
        }
        assert_eq!(msg(&mut e, op, r.clone()), format!("{prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"));
        r["Select"] = json!("ALL_PROJECTED_ATTRIBUTES");
        assert_eq!(msg(&mut e, op, r), format!("{prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"));
    }
}

// ---- robustness ---------------------------------------------------------------------------------------

/// Structurally plausible legacy requests with random operators, value lists, actions and
/// members: every one is answered (success or an AWS error) and none panics.
#[test]
fn random_legacy_requests_never_panic() {
    let mut e = ranged();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let values = [
        s("u"),
        s(""),
        n("1"),
        n("-0.5"),
        json!({"B": "YQ=="}),
        json!({"BOOL": true}),
        json!({"NULL": true}),
        json!({"SS": ["a"]}),
        json!({"NS": ["1", "2"]}),
        json!({"BS": ["YQ=="]}),
        json!({"L": [s("a")]}),
        json!({"M": {"a": n("1")}}),
        json!({}),
        json!({"N": "x"}),
        json!("junk"),
    ];
    let ops = ["EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN", "BOGUS"];
    let attrs = ["pk", "sk", "v", "w", "x.y"];
    let mut answered = 0;
    for _ in 0..3000 {
        let mut conds = serde_json::Map::new();
        for _ in 0..next(4) {
            let mut c = serde_json::Map::new();
            if next(5) > 0 {
                c.insert("ComparisonOperator".into(), json!(ops[next(ops.len() as u64) as usize]));
            }
            if next(3) > 0 {
                c.insert("AttributeValueList".into(), Value::Array((0..next(4)).map(|_| values[next(values.len() as u64) as usize].clone()).collect()));
            }
            if next(4) == 0 {
                c.insert("Value".into(), values[next(values.len() as u64) as usize].clone());
            }
            if next(5) == 0 {
                c.insert("Exists".into(), json!(next(2) == 0));
            }
            conds.insert(attrs[next(attrs.len() as u64) as usize].into(), Value::Object(c));
        }
        let conds = Value::Object(conds);
        let mut updates = serde_json::Map::new();
        for _ in 0..next(3) {
            let mut u = serde_json::Map::new();
            if next(4) > 0 {
                u.insert("Action".into(), json!(["PUT", "ADD", "DELETE", "NOPE"][next(4) as usize]));
            }
            if next(3) > 0 {
                u.insert("Value".into(), values[next(values.len() as u64) as usize].clone());
            }
            updates.insert(attrs[next(attrs.len() as u64) as usize].into(), Value::Object(u));
        }
        let key = json!({"pk": s("u"), "sk": n(&(1 + next(12)).to_string())});
        let (op, mut req) = match next(6) {
            0 => ("Scan", json!({"TableName": "Rng", "ScanFilter": conds})),
            1 => ("Query", json!({"TableName": "Rng", "KeyConditions": conds})),
            2 => ("Query", json!({"TableName": "Rng", "KeyConditions": {"pk": cond("EQ", json!([s("u")]))}, "QueryFilter": conds})),
            3 => ("PutItem", json!({"TableName": "Rng", "Item": key, "Expected": conds})),
            4 => ("DeleteItem", json!({"TableName": "Rng", "Key": key, "Expected": conds})),
            _ => ("UpdateItem", json!({"TableName": "Rng", "Key": key, "Expected": conds, "AttributeUpdates": Value::Object(updates)})),
        };
        if next(4) == 0 {
            req["ConditionalOperator"] = json!(["AND", "OR", "XOR"][next(3) as usize]);
        }
        if next(5) == 0 {
            req["AttributesToGet"] = json!(["v", "w"]);
        }
        if next(5) == 0 {
            req["ReturnItemCollectionMetrics"] = json!("SIZE");
        }
        if call(&mut e, op, req).is_ok() {
            answered += 1;
        }
    }
    assert!(answered > 100, "the generator should reach successful paths too: {answered}");
    let state = ok(&mut e, "Scan", json!({"TableName": "Rng", "ConsistentRead": true}));
    assert!(state["Count"].as_u64().unwrap() > 0);
}
