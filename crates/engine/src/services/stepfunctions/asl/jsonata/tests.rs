//! The evaluator against the JSONata reference's examples (docs.jsonata.org), as tables of
//! (expression, expected JSON or `undefined`).

use serde_json::{json, Value};

use super::{Expr, Host};

/// The reference's "Address" sample document.
fn address() -> Value {
    json!({
        "FirstName": "Fred",
        "Surname": "Smith",
        "Age": 28,
        "Address": { "Street": "Hursley Park", "City": "Winchester", "Postcode": "SO21 2JN" },
        "Phone": [
            { "type": "home", "number": "0203 544 1234" },
            { "type": "office", "number": "01962 001234" },
            { "type": "office", "number": "01962 001235" },
            { "type": "mobile", "number": "077 7700 1234" }
        ],
        "Email": [
            { "type": "work", "address": ["fred.smith@my-work.com", "fsmith@my-work.com"] },
            { "type": "home", "address": ["freddy@my-social.com", "frederic.smith@very-serious.com"] }
        ],
        "Other": { "Over 18 ?": true, "Misc": null, "Alternative.Address": { "Street": "Brick Lane", "City": "London", "Postcode": "E1 6RF" } }
    })
}

/// The reference's "Invoice" sample document.
fn invoice() -> Value {
    json!({
        "Account": {
            "Account Name": "Firefly",
            "Order": [
                { "OrderID": "order103", "Product": [
                    { "Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "0406654608", "Description": { "Colour": "Purple", "Width": 300, "Height": 200, "Depth": 210, "Weight": 0.75 }, "Price": 34.45, "Quantity": 2 },
                    { "Product Name": "Trilby hat", "ProductID": 858236, "SKU": "0406634348", "Description": { "Colour": "Orange", "Width": 300, "Height": 200, "Depth": 210, "Weight": 0.6 }, "Price": 21.67, "Quantity": 1 }
                ]},
                { "OrderID": "order104", "Product": [
                    { "Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "040657863", "Description": { "Colour": "Purple", "Width": 300, "Height": 200, "Depth": 210, "Weight": 0.75 }, "Price": 34.45, "Quantity": 4 },
                    { "ProductID": 345664, "SKU": "0406654603", "Product Name": "Cloak", "Description": { "Colour": "Black", "Width": 30, "Height": 20, "Depth": 210, "Weight": 2 }, "Price": 107.99, "Quantity": 1 }
                ]}
            ]
        }
    })
}

fn run(expr: &str, input: &Value) -> Result<Option<Value>, super::Error> {
    let mut n = 0u64;
    let mut random = || {
        n = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        n
    };
    let mut host = Host { now_ms: 1_700_000_000_123, random: &mut random };
    Expr::parse(expr)?.eval(Some(input), &[], &mut host)
}

fn check(cases: &[(&str, Option<Value>)], input: &Value) {
    for (expr, want) in cases {
        match run(expr, input) {
            Ok(got) => assert_eq!(&got, want, "{expr}"),
            Err(e) => panic!("{expr}: {e}"),
        }
    }
}

fn errs(cases: &[(&str, &str)], input: &Value) {
    for (expr, code) in cases {
        match run(expr, input) {
            Ok(v) => panic!("{expr}: expected {code}, got {v:?}"),
            Err(e) => assert_eq!(e.code, *code, "{expr}: {e}"),
        }
    }
}

#[test]
fn simple_queries() {
    check(
        &[
            ("Surname", Some(json!("Smith"))),
            ("Age", Some(json!(28))),
            ("Address.City", Some(json!("Winchester"))),
            ("Other.Misc", Some(json!(null))),
            ("Other.Nothing", None),
            ("Other.`Over 18 ?`", Some(json!(true))),
            ("Phone[0]", Some(json!({ "type": "home", "number": "0203 544 1234" }))),
            ("Phone[1]", Some(json!({ "type": "office", "number": "01962 001234" }))),
            ("Phone[-1]", Some(json!({ "type": "mobile", "number": "077 7700 1234" }))),
            ("Phone[-2]", Some(json!({ "type": "office", "number": "01962 001235" }))),
            ("Phone[8]", None),
            ("Phone[0].number", Some(json!("0203 544 1234"))),
            ("Phone.number", Some(json!(["0203 544 1234", "01962 001234", "01962 001235", "077 7700 1234"]))),
            ("Phone.number[0]", Some(json!(["0203 544 1234", "01962 001234", "01962 001235", "077 7700 1234"]))),
            ("(Phone.number)[0]", Some(json!("0203 544 1234"))),
            ("Phone[[0..1]].number", Some(json!(["0203 544 1234", "01962 001234"]))),
            ("Phone[type='mobile']", Some(json!({ "type": "mobile", "number": "077 7700 1234" }))),
            ("Phone[type='mobile'].number", Some(json!("077 7700 1234"))),
            ("Phone[type='office'].number", Some(json!(["01962 001234", "01962 001235"]))),
            ("Phone[type='mobile'][].number", Some(json!(["077 7700 1234"]))),
            ("Address.*", Some(json!(["Hursley Park", "Winchester", "SO21 2JN"]))),
            ("*.Postcode", Some(json!("SO21 2JN"))),
            ("**.Postcode", Some(json!(["SO21 2JN", "E1 6RF"]))),
            ("Email.address", Some(json!(["fred.smith@my-work.com", "fsmith@my-work.com", "freddy@my-social.com", "frederic.smith@very-serious.com"]))),
            ("Email[type='home'].address[1]", Some(json!("frederic.smith@very-serious.com"))),
            ("$count(Phone)", Some(json!(4))),
        ],
        &address(),
    );
}

#[test]
fn arrays_and_singletons() {
    let input = json!({ "a": [1], "b": 5, "c": [[1, 2], [3]], "e": [] });
    check(
        &[
            ("a", Some(json!([1]))),
            ("a[0]", Some(json!(1))),
            ("b[]", Some(json!([5]))),
            ("b[0]", Some(json!(5))),
            ("c", Some(json!([[1, 2], [3]]))),
            ("c[0]", Some(json!([1, 2]))),
            ("c.$", Some(json!([1, 2, 3]))),
            ("e", Some(json!([]))),
            ("e[0]", None),
            ("$[0]", Some(input.clone())),
            ("[1,2,3][1]", Some(json!(2))),
            ("[1..5]", Some(json!([1, 2, 3, 4, 5]))),
            ("[1..3, 7]", Some(json!([1, 2, 3, 7]))),
            ("[5..1]", Some(json!([]))),
            ("[1, [2, 3], 4]", Some(json!([1, [2, 3], 4]))),
            ("[1, c, 4]", Some(json!([1, [1, 2], [3], 4]))),
            ("[]", Some(json!([]))),
        ],
        &input,
    );
}

#[test]
fn invoice_queries() {
    check(
        &[
            ("Account.Order[0].OrderID", Some(json!("order103"))),
            ("Account.Order.Product.Price", Some(json!([34.45, 21.67, 34.45, 107.99]))),
            ("$sum(Account.Order.Product.(Price * Quantity))", Some(json!(336.36))),
            ("Account.Order.(OrderID & ': ' & $count(Product))", Some(json!(["order103: 2", "order104: 2"]))),
            ("Account.Order[0].Product[0].Description.Colour", Some(json!("Purple"))),
            ("Account.Order.Product[0].`Product Name`", Some(json!(["Bowler Hat", "Bowler Hat"]))),
            ("Account.Order.Product[Price > 30].SKU", Some(json!(["0406654608", "040657863", "0406654603"]))),
            ("Account.Order.Product.[Price, Quantity]", Some(json!([[34.45, 2], [21.67, 1], [34.45, 4], [107.99, 1]]))),
            ("Account.Order.Product{`Product Name`: Price}", Some(json!({ "Bowler Hat": [34.45, 34.45], "Trilby hat": 21.67, "Cloak": 107.99 }))),
            ("Account.Order.Product{`Product Name`: $sum(Price)}", Some(json!({ "Bowler Hat": 68.9, "Trilby hat": 21.67, "Cloak": 107.99 }))),
            ("Account.Order.Product^(Price).`Product Name`", Some(json!(["Trilby hat", "Bowler Hat", "Bowler Hat", "Cloak"]))),
            ("Account.Order.Product^(>Price).`Product Name`", Some(json!(["Cloak", "Bowler Hat", "Bowler Hat", "Trilby hat"]))),
            ("Account.Order.Product^(>Quantity, Price).Quantity", Some(json!([4, 2, 1, 1]))),
            ("$max(Account.Order.Product.Price)", Some(json!(107.99))),
            ("$distinct(Account.Order.Product.Description.Colour)", Some(json!(["Purple", "Orange", "Black"]))),
            ("(Account.Order.Product.{'name': `Product Name`, 'cost': Price * Quantity})[0]", Some(json!({ "name": "Bowler Hat", "cost": 68.9 }))),
            // A predicate on a step applies to each item's result (one object each).
            ("$count(Account.Order.Product.{'name': `Product Name`}[0])", Some(json!(4))),
            ("Account.Order.OrderID ~> $join(', ')", Some(json!("order103, order104"))),
            ("Account.Order.Product ~> $map(function($p) { $p.ProductID }) ~> $distinct()", Some(json!([858383, 858236, 345664]))),
            ("$count(Account.Order.Product[Description.Colour = 'Purple'])", Some(json!(2))),
            ("$sum(Account.Order.Product.Quantity)", Some(json!(8))),
            ("Account.Order.Product.Description.Weight[$ > 1]", Some(json!(2))),
            ("Account.**.Colour[0]", Some(json!(["Purple", "Orange", "Purple", "Black"]))),
        ],
        &invoice(),
    );
}

#[test]
fn operators() {
    let input = json!({ "n": 5, "s": "abc", "list": [1, 2, 3], "flag": false });
    check(
        &[
            ("1 + 2 * 3", Some(json!(7))),
            ("(1 + 2) * 3", Some(json!(9))),
            ("7 % 3", Some(json!(1))),
            ("10 / 4", Some(json!(2.5))),
            ("-n", Some(json!(-5))),
            ("n - -1", Some(json!(6))),
            ("missing + 1", None),
            ("n = 5", Some(json!(true))),
            ("n != 5", Some(json!(false))),
            ("s = 'abc'", Some(json!(true))),
            ("missing = 1", Some(json!(false))),
            ("'a' < 'b'", Some(json!(true))),
            ("n >= 5 and n < 6", Some(json!(true))),
            ("flag or n > 4", Some(json!(true))),
            ("flag and missing", Some(json!(false))),
            ("3 in list", Some(json!(true))),
            ("4 in list", Some(json!(false))),
            ("'abc' in s", Some(json!(true))),
            ("s & '-' & n & '-' & true", Some(json!("abc-5-true"))),
            ("s & missing", Some(json!("abc"))),
            ("'x' & [1,2] & {'a': 1}", Some(json!("x[1,2]{\"a\":1}"))),
            ("n > 3 ? 'big' : 'small'", Some(json!("big"))),
            ("n > 9 ? 'big'", None),
            ("missing ?? 'default'", Some(json!("default"))),
            ("n ?? 'default'", Some(json!(5))),
            ("flag ?: 'fallback'", Some(json!("fallback"))),
            ("[1,2] = [1,2]", Some(json!(true))),
            ("{'a': [1]} = {'a': [1]}", Some(json!(true))),
            ("0.1 + 0.2", Some(json!(0.30000000000000004))),
            ("1e3", Some(json!(1000))),
            ("/* a comment */ n", Some(json!(5))),
        ],
        &input,
    );
}

#[test]
fn blocks_variables_and_functions() {
    let input = json!({ "items": [3, 1, 2], "name": "ada" });
    check(
        &[
            ("($x := 3; $y := 4; $x * $y)", Some(json!(12))),
            ("($x := 1; ($x := 2); $x)", Some(json!(1))),
            ("$x := 5", Some(json!(5))),
            ("(function($a, $b) { $a + $b })(2, 3)", Some(json!(5))),
            ("($add := function($a, $b) { $a + $b }; $add(1, 2))", Some(json!(3))),
            ("($f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10))", Some(json!(3628800))),
            ("($sum := function($n) { $n = 0 ? 0 : $n + $sum($n - 1) }; $sum(25))", Some(json!(325))),
            ("($k := 10; $addk := function($v) { $v + $k }; $map(items, $addk))", Some(json!([13, 11, 12]))),
            ("($mk := function($a) { function($b) { $a * $b } }; $double := $mk(2); $double(21))", Some(json!(42))),
            ("($first3 := $substring(?, 0, 3); $first3('Hello'))", Some(json!("Hel"))),
            ("λ($x){$x * 2}(4)", Some(json!(8))),
            ("function($x)<n:n>{$x * 2}(4)", Some(json!(8))),
            ("items ~> $sort()", Some(json!([1, 2, 3]))),
            ("items ~> $sort(function($a, $b) { $a < $b })", Some(json!([3, 2, 1]))),
            ("$map(items, function($v, $i) { $v * $i })", Some(json!([0, 1, 4]))),
            ("$filter(items, function($v) { $v > 1 })", Some(json!([3, 2]))),
            ("$reduce(items, function($acc, $v) { $acc + $v })", Some(json!(6))),
            ("$reduce(items, function($acc, $v) { $acc + $v }, 10)", Some(json!(16))),
            ("$single(items, function($v) { $v = 1 })", Some(json!(1))),
            ("name.$uppercase()", Some(json!("ADA"))),
            ("$string(name)", Some(json!("ada"))),
            ("items.$string()", Some(json!(["3", "1", "2"]))),
            ("$type(name)", Some(json!("string"))),
            ("$type(missing)", None),
            ("$type(function(){1})", Some(json!("function"))),
            ("$exists(missing)", Some(json!(false))),
            ("$exists(name)", Some(json!(true))),
        ],
        &input,
    );
}

#[test]
fn string_functions() {
    let input = json!({});
    check(
        &[
            ("$string(5)", Some(json!("5"))),
            ("$string(1.5)", Some(json!("1.5"))),
            ("$string(true)", Some(json!("true"))),
            ("$string({'a': 1, 'b': [1, 'x']})", Some(json!("{\"a\":1,\"b\":[1,\"x\"]}"))),
            ("$string(0.1 + 0.2)", Some(json!("0.3"))),
            ("$length('Hello World')", Some(json!(11))),
            ("$substring('Hello World', 3)", Some(json!("lo World"))),
            ("$substring('Hello World', 3, 5)", Some(json!("lo Wo"))),
            ("$substring('Hello World', -4)", Some(json!("orld"))),
            ("$substring('Hello World', -4, 1)", Some(json!("o"))),
            ("$substringBefore('Hello World', ' ')", Some(json!("Hello"))),
            ("$substringAfter('Hello World', ' ')", Some(json!("World"))),
            ("$substringBefore('Hello World', 'x')", Some(json!("Hello World"))),
            ("$uppercase('Hello World')", Some(json!("HELLO WORLD"))),
            ("$lowercase('Hello World')", Some(json!("hello world"))),
            ("$trim(\"   Hello    \n World  \")", Some(json!("Hello World"))),
            ("$pad('foo', 5)", Some(json!("foo  "))),
            ("$pad('foo', -5)", Some(json!("  foo"))),
            ("$pad('foo', -5, '#')", Some(json!("##foo"))),
            ("$pad('5', 3, '0')", Some(json!("500"))),
            ("$contains('abracadabra', 'bra')", Some(json!(true))),
            ("$contains('abracadabra', /a.*a/)", Some(json!(true))),
            ("$contains('abracadabra', /ar/)", Some(json!(false))),
            ("$split('so many words', ' ')", Some(json!(["so", "many", "words"]))),
            ("$split('so many words', ' ', 2)", Some(json!(["so", "many"]))),
            ("$split('too much, punctuation. hard; to read', /[ ,.;]+/)", Some(json!(["too", "much", "punctuation", "hard", "to", "read"]))),
            ("$join(['a', 'b', 'c'])", Some(json!("abc"))),
            ("$join(['a', 'b', 'c'], ', ')", Some(json!("a, b, c"))),
            ("$replace('John Smith and John Jones', 'John', 'Mr')", Some(json!("Mr Smith and Mr Jones"))),
            ("$replace('John Smith and John Jones', 'John', 'Mr', 1)", Some(json!("Mr Smith and John Jones"))),
            ("$replace('abracadabra', /a.*?a/, '*')", Some(json!("*c*bra"))),
            ("$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')", Some(json!("Smith, John"))),
            ("$base64encode('myuser:mypass')", Some(json!("bXl1c2VyOm15cGFzcw=="))),
            ("$base64decode('bXl1c2VyOm15cGFzcw==')", Some(json!("myuser:mypass"))),
            ("$formatNumber(12345.6, '#,###.00')", Some(json!("12,345.60"))),
            ("$formatNumber(1234.5678, '00.000')", Some(json!("1234.568"))),
            ("$formatNumber(0.14, '01%')", Some(json!("14%"))),
            ("$formatNumber(-6, '000')", Some(json!("-006"))),
            ("$formatBase(100, 2)", Some(json!("1100100"))),
            ("$formatBase(2555, 16)", Some(json!("9fb"))),
        ],
        &input,
    );
}

#[test]
fn numeric_and_aggregate_functions() {
    let input = json!({ "values": [1, 2, 3, 4] });
    check(
        &[
            ("$number('5')", Some(json!(5))),
            ("$number('-0.05')", Some(json!(-0.05))),
            ("$number('0x12')", Some(json!(18))),
            ("$number(true)", Some(json!(1))),
            ("$abs(-5)", Some(json!(5))),
            ("$floor(5.8)", Some(json!(5))),
            ("$floor(-5.3)", Some(json!(-6))),
            ("$ceil(5.3)", Some(json!(6))),
            ("$round(123.456)", Some(json!(123))),
            ("$round(123.456, 2)", Some(json!(123.46))),
            ("$round(123.456, -1)", Some(json!(120))),
            ("$round(11.5)", Some(json!(12))),
            ("$round(12.5)", Some(json!(12))),
            ("$round(-12.5)", Some(json!(-12))),
            ("$power(2, 8)", Some(json!(256))),
            ("$power(2, 0.5)", Some(json!(std::f64::consts::SQRT_2))),
            ("$sqrt(4)", Some(json!(2))),
            ("$sum(values)", Some(json!(10))),
            ("$max(values)", Some(json!(4))),
            ("$min(values)", Some(json!(1))),
            ("$average(values)", Some(json!(2.5))),
            ("$max([])", None),
            ("$count([1, 2, 3, 1])", Some(json!(4))),
            ("$count(missing)", Some(json!(0))),
            ("$boolean(0)", Some(json!(false))),
            ("$boolean('')", Some(json!(false))),
            ("$boolean([0, 1])", Some(json!(true))),
            ("$boolean({})", Some(json!(false))),
            ("$not(true)", Some(json!(false))),
            ("$not(missing)", None),
        ],
        &input,
    );
}

#[test]
fn object_and_array_functions() {
    let input = json!({ "o": { "a": 1, "b": 2 }, "list": [1, 2, 3, 2, 1] });
    check(
        &[
            ("$keys(o)", Some(json!(["a", "b"]))),
            // A one-item sequence is its item.
            ("$keys({'a': 1})", Some(json!("a"))),
            ("$lookup(o, 'b')", Some(json!(2))),
            ("$merge([{'a': 1}, {'b': 2}, {'a': 3}])", Some(json!({ "a": 3, "b": 2 }))),
            ("$each(o, function($v, $k) { $k & '=' & $v })", Some(json!(["a=1", "b=2"]))),
            ("$sift(o, function($v) { $v > 1 })", Some(json!({ "b": 2 }))),
            ("$spread(o)", Some(json!([{ "a": 1 }, { "b": 2 }]))),
            ("$append([1, 2], [3, 4])", Some(json!([1, 2, 3, 4]))),
            ("$append(1, 2)", Some(json!([1, 2]))),
            ("$append([1], missing)", Some(json!([1]))),
            ("$reverse(list)", Some(json!([1, 2, 3, 2, 1]))),
            ("$reverse([1, 2, 3])", Some(json!([3, 2, 1]))),
            ("$distinct(list)", Some(json!([1, 2, 3]))),
            ("$sort(['b', 'a', 'c'])", Some(json!(["a", "b", "c"]))),
            ("$zip([1, 2, 3], [4, 5, 6])", Some(json!([[1, 4], [2, 5], [3, 6]]))),
            ("$zip([1, 2, 3], [4, 5], [7, 8, 9])", Some(json!([[1, 4, 7], [2, 5, 8]]))),
            ("$count($shuffle(list))", Some(json!(5))),
            ("$sum($shuffle(list))", Some(json!(9))),
            ("{'a': 1, 'b': [1, 2]}", Some(json!({ "a": 1, "b": [1, 2] }))),
            ("{'k' & 1: o.a}", Some(json!({ "k1": 1 }))),
            ("{'a': missing}", Some(json!({}))),
        ],
        &input,
    );
}

#[test]
fn step_functions_additions() {
    let input = json!({ "content": "hello", "json": "{\"a\": [1, 2]}" });
    check(
        &[
            ("$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)", Some(json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))),
            ("$partition([1, 2, 3, 4, 5], 2)", Some(json!([[1, 2], [3, 4], [5]]))),
            ("$range(0, 10, 2)", Some(json!([0, 2, 4, 6, 8, 10]))),
            ("$range(5, 1, -2)", Some(json!([5, 3, 1]))),
            ("$range(1, 3)", Some(json!([1, 2, 3]))),
            ("$hash(content, 'SHA-256')", Some(json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))),
            ("$hash(content, 'MD5')", Some(json!("5d41402abc4b2a76b9719d911017c592"))),
            ("$random(42) = $random(42)", Some(json!(true))),
            ("$random() >= 0 and $random() < 1", Some(json!(true))),
            ("$length($uuid())", Some(json!(36))),
            ("$substring($uuid(), 14, 1)", Some(json!("4"))),
            ("$parse(json).a[1]", Some(json!(2))),
            ("$parse('\"x\"')", Some(json!("x"))),
            ("$now()", Some(json!("2023-11-14T22:13:20.123Z"))),
            ("$millis()", Some(json!(1_700_000_000_123u64))),
            ("$fromMillis(1510067557121)", Some(json!("2017-11-07T15:12:37.121Z"))),
            ("$toMillis('2017-11-07T15:12:37.121Z')", Some(json!(1510067557121u64))),
        ],
        &input,
    );
}

#[test]
fn errors_carry_jsonata_codes() {
    let input = json!({ "s": "x", "n": 1, "o": {} });
    errs(
        &[
            ("s + 1", "T2001"),
            ("1 + s", "T2002"),
            ("s < 1", "T2009"),
            ("o < 1", "T2010"),
            ("-s", "D1002"),
            ("$number('abc')", "D3030"),
            ("$sqrt(-1)", "D3060"),
            ("$nothing()", "T1006"),
            ("n()", "T1006"),
            ("{n: 1}", "T1003"),
            ("$error('boom')", "D3137"),
            ("$assert(false, 'nope')", "D3141"),
            ("$single([1, 2])", "D3138"),
            ("$single([1, 2], function($v) { $v > 5 })", "D3139"),
            ("$sort([1, 'a'])", "D3070"),
            ("$eval('1')", "D3137"),
            ("[1..20000000]", "D2014"),
            ("1 / 0", "D1001"),
            ("($f := function($n) { $f($n + 1) }; $f(0))", "U1001"),
            (
                "$reduce([1..1000000], function($a, $v) { $a + $v }) + $reduce([1..1000000], function($a, $v) { $a + $v }) + $reduce([1..1000000], function($a, $v) { $a + $v })",
                "U1001",
            ),
        ],
        &input,
    );
    for (src, code) in [("1 +", "S0207"), ("'abc", "S0101"), ("(1", "S0203"), ("a b", "S0201"), ("%.a", "S0217"), ("$split(s, /a/g)", "S0302"), ("`abc", "S0105")] {
        assert_eq!(Expr::parse(src).map(|_| ()).unwrap_err().code, code, "{src}");
    }
    let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
    assert_eq!(Expr::parse(&deep).map(|_| ()).unwrap_err().code, "S0208");
}

#[test]
fn bindings_are_variables() {
    let states = json!({ "input": { "x": 2 }, "context": { "Execution": { "Name": "run1" } } });
    let mut random = || 7u64;
    let mut host = Host { now_ms: 0, random: &mut random };
    let e = Expr::parse("$states.input.x * $factor & ' ' & $states.context.Execution.Name").unwrap();
    let got = e.eval(None, &[("states", &states), ("factor", &json!(21))], &mut host).unwrap();
    assert_eq!(got, Some(json!("42 run1")));
    // The context is undefined in Step Functions: an object constructor still evaluates once.
    let e = Expr::parse("{'total': $states.input.x + 1}").unwrap();
    assert_eq!(e.eval(None, &[("states", &states)], &mut host).unwrap(), Some(json!({ "total": 3 })));
}

#[test]
fn extreme_arguments_fail_cleanly() {
    let input = json!({});
    check(
        &[
            ("$substring('abc', -9223372036854775808)", Some(json!("abc"))),
            ("$substring('abc', 1, 9223372036854775807)", Some(json!("bc"))),
            ("[9223372036854775807..-9223372036854775808]", Some(json!([]))),
            ("$formatBase(-1e300, 36) ~> $length() > 0", Some(json!(true))),
            ("$fromMillis(1e300) ~> $type()", Some(json!("string"))),
        ],
        &input,
    );
    errs(&[("$pad('x', -9223372036854775808)", "D3100"), ("[-9223372036854775808..9223372036854775807]", "D2014"), ("1e999", "S0102")], &input);
}
