//! Arbitrary JSON as the input of every DynamoDB operation, on a sandbox with a table that has a
//! local and two global secondary indexes. An input is up to eight requests separated by 0xFF
//! (a byte JSON text never contains): each is one byte picking the operation, then the JSON body.
//! Every answer must be an object or an AWS error value; afterwards the journal must replay to
//! the state, and a reload must answer reads the same.
#![no_main]

use gureum_engine::Request;
use gureum_engine_fuzz::{base_image, check_answer, check_invariants, engine, persist, NOW, OPS, REGION};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let mut e = engine();
    let mut img = base_image();
    let mut ran = false;
    for (i, chunk) in data.split(|b| *b == 0xFF).take(8).enumerate() {
        let Some((op, body)) = chunk.split_first() else { continue };
        let Ok(input) = serde_json::from_slice::<Value>(body) else { continue };
        let op = OPS[*op as usize % OPS.len()];
        let result = e.call(NOW + i as i64 * 100, &Request::new("dynamodb", op, REGION, input));
        check_answer(op, &result);
        persist(&mut e, &mut img);
        ran = true;
    }
    if ran {
        check_invariants(&mut e, img);
    }
});
