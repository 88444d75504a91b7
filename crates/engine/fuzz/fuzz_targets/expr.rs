//! Every expression parser on arbitrary text, with arbitrary or stock placeholders, then the
//! parsed expression evaluated: conditions against items, key conditions split against key
//! schemas, projections applied, update actions applied to a copy of an item (and to a new
//! item). The result of an update must survive the binary item codec unchanged.
//!
//! Input: one byte picks the parser (low 3 bits) and whether placeholders come from the input
//! (bit 7); the rest is `expression [0xFF names-JSON [0xFF values-JSON]]`.
#![no_main]

use gureum_engine::services::dynamodb::{
    codec,
    expr::{eval, parser, update, Kind, Placeholders},
    key::{KeyAttribute, KeySchema, ScalarType},
    query,
    value::{item_from_json, Item},
};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn stock_names() -> Value {
    json!({"#a": "a", "#b": "b", "#pk": "pk", "#sk": "sk", "#l": "l", "#m": "m", "#s": "s", "#n": "n", "#ss": "ss", "#dot": "x.y", "#e": "", "#kw": "SELECT"})
}

fn stock_values() -> Value {
    json!({
        ":s": {"S": "ab"}, ":e": {"S": ""}, ":n": {"N": "42"}, ":f": {"N": "-1.5E-10"}, ":one": {"N": "1"},
        ":big": {"N": "9.9999999999999999999999999999999999999E+125"}, ":tiny": {"N": "1E-130"}, ":nbig": {"N": "-9.9999999999999999999999999999999999999E+125"},
        ":b": {"B": "AAE="}, ":eb": {"B": ""}, ":t": {"BOOL": true}, ":z": {"NULL": true}, ":l": {"L": [{"N": "1"}, {"S": "x"}]}, ":el": {"L": []},
        ":m": {"M": {"a": {"S": "x"}, "b": {"M": {"c": {"N": "3"}}}}}, ":ss": {"SS": ["a", "zz"]}, ":ns": {"NS": ["1", "2"]}, ":bs": {"BS": ["AQ=="]}, ":ty": {"S": "SS"}
    })
}

fn sample() -> Item {
    item_from_json(&json!({
        "pk": {"S": "p1"}, "sk": {"N": "7"}, "a": {"N": "42"}, "b": {"S": "abc"}, "s": {"S": "ab"}, "n": {"NULL": true}, "t": {"BOOL": false},
        "l": {"L": [{"N": "1"}, {"S": "x"}, {"L": [{"M": {"k": {"N": "-3"}}}]}]},
        "m": {"M": {"a": {"M": {"b": {"L": [{"S": "y"}]}}}, "x.y": {"N": "0"}}},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AQ==", "Ag=="]}, "bin": {"B": "AAECAw=="}, "x.y": {"S": "dotted"}
    }))
    .expect("sample item")
}

fn schemas() -> [KeySchema; 3] {
    let attr = |name: &str, kind| KeyAttribute { name: name.into(), kind };
    [
        KeySchema { hash: attr("pk", ScalarType::S), range: Some(attr("sk", ScalarType::N)) },
        KeySchema { hash: attr("a", ScalarType::N), range: Some(attr("b", ScalarType::S)) },
        KeySchema { hash: attr("bin", ScalarType::B), range: None },
    ]
}

fn round_trips(item: &Item) {
    let bytes = codec::encode_item(item);
    assert_eq!(&codec::decode_item(&bytes).expect("an updated item decodes"), item);
}

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = data.split_first() else { return };
    let mut parts = rest.split(|b| *b == 0xFF);
    let Ok(text) = std::str::from_utf8(parts.next().unwrap_or_default()) else { return };
    let (names, values) = if sel & 0x80 != 0 {
        let parse = |p: Option<&[u8]>| p.and_then(|b| serde_json::from_slice::<Value>(b).ok());
        (parse(parts.next()), parse(parts.next()))
    } else {
        (Some(stock_names()), Some(stock_values()))
    };
    let Ok(mut ph) = Placeholders::new(names.as_ref().and_then(Value::as_object), values.as_ref()) else { return };
    let item = sample();
    let empty = Item::default();
    match sel & 7 {
        0 | 1 => {
            let kind = if sel & 1 == 0 { Kind::Condition } else { Kind::Filter };
            if let Ok(c) = parser::condition(text, kind, &mut ph) {
                let _ = ph.check_all_used();
                let yes = eval::matches(&item, &c);
                let _ = eval::matches(&empty, &c);
                // NOT flips the outcome exactly: evaluation is two-valued.
                let not = gureum_engine::services::dynamodb::expr::Cond::Not(Box::new(c));
                assert_eq!(eval::matches(&item, &not), !yes);
            }
        }
        2 => {
            if let Ok(paths) = parser::projection(text, &mut ph) {
                let _ = ph.check_all_used();
                let out = eval::project(&item, &paths);
                // A projection only keeps what is there.
                for k in out.keys() {
                    assert!(item.contains_key(k));
                }
                let _ = eval::project(&empty, &paths);
            }
        }
        3 => {
            if let Ok(c) = parser::condition(text, Kind::KeyCondition, &mut ph) {
                for schema in schemas() {
                    let _ = query::analyze(&c, &schema);
                }
            }
        }
        _ => {
            if let Ok(actions) = parser::update(text, &mut ph) {
                let _ = ph.check_all_used();
                let mut copy = item.clone();
                if update::apply(&mut copy, &item, &actions).is_ok() {
                    round_trips(&copy);
                }
                let mut fresh = item_from_json(&json!({"pk": {"S": "new"}, "sk": {"N": "1"}})).expect("key");
                if update::apply(&mut fresh, &empty, &actions).is_ok() {
                    round_trips(&fresh);
                }
            }
        }
    }
});
