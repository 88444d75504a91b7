//! DynamoDB numbers on arbitrary text: `a` or `a,b`. A number that parses prints in canonical
//! form and parses back to itself; sums are exact (so (a+b)-b == a and a+b == b+a whenever the
//! results are in range), and order agrees with the sign of the difference.
#![no_main]

use std::cmp::Ordering;

use gureum_engine::services::dynamodb::number::Number;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_once(',').unwrap_or((text, "1"));
    let (Ok(x), Ok(y)) = (Number::parse(a), Number::parse(b)) else { return };
    for n in [&x, &y] {
        let canonical = n.to_string();
        assert_eq!(&Number::parse(&canonical).expect("canonical form parses"), n, "{canonical}");
        assert_eq!(n.negated().negated(), *n);
    }
    let zero = Number::parse("0").expect("zero");
    assert_eq!(x.add(&zero).as_ref(), Ok(&x));
    if let Ok(sum) = x.add(&y) {
        assert_eq!(y.add(&x).as_ref(), Ok(&sum), "a+b == b+a");
        if let Ok(back) = sum.add(&y.negated()) {
            assert_eq!(back, x, "(a+b)-b == a");
        }
    }
    if let Ok(diff) = y.add(&x.negated()) {
        let sign = diff.cmp(&zero);
        assert_eq!(x.cmp(&y), sign.reverse(), "order agrees with b-a: {x} vs {y}");
    }
    assert_eq!(x.cmp(&y) == Ordering::Equal, x == y);
});
