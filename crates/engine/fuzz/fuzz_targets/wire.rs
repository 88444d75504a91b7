//! Arbitrary bytes as an HTTP request body through the wire layer (`wire::handle`): routed by
//! X-Amz-Target to DynamoDB (or by path to the control API), decoded, answered. The first byte
//! picks the target (and path and headers), the rest is the body. The answer must be JSON with a
//! matching CRC32 header, status 200 or an error status with a `__type`.
#![no_main]

use gureum_engine::wire::{handle, HttpRequest};
use gureum_engine_fuzz::{engine, NOW, OPS};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const CONTROL: &[&str] = &["GetClock", "PauseClock", "ResumeClock", "SetClockRate", "AdvanceClock", "ExportSandbox", "ImportSandbox", "Reset", "Nope"];

fuzz_target!(|data: &[u8]| {
    let Some((sel, body)) = data.split_first() else { return };
    let mut headers = vec![("Content-Type".to_string(), "application/x-amz-json-1.0".to_string())];
    let path = match sel >> 6 {
        0 | 1 => {
            headers.push(("X-Amz-Target".into(), format!("DynamoDB_20120810.{}", OPS[(*sel & 0x3f) as usize % OPS.len()])));
            if sel & 1 == 1 {
                headers.push(("Authorization".into(), "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00".into()));
            }
            "/".to_string()
        }
        2 => format!("/_gureum/control/{}", CONTROL[(*sel & 0x3f) as usize % CONTROL.len()]),
        _ => match sel & 3 {
            0 => "/_gureum/health".to_string(),
            1 => {
                headers.push(("X-Amz-Target".into(), String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned()));
                "/".to_string()
            }
            2 => {
                headers.push(("Authorization".into(), format!("AWS4-HMAC-SHA256 Credential={}", String::from_utf8_lossy(&body[..body.len().min(80)]))));
                "/".to_string()
            }
            _ => "/?Action=ListQueues".to_string(),
        },
    };
    let method = if sel & 0x20 == 0x20 && sel >> 6 == 0 { "GET" } else { "POST" };
    let mut e = engine();
    let req = HttpRequest { method: method.into(), path, headers, body: body.to_vec() };
    let resp = handle(&mut e, NOW, &req, "fuzz-request");
    assert!(resp.status == 200 || (400..600).contains(&resp.status), "status {}", resp.status);
    let v: Value = serde_json::from_slice(&resp.body).expect("every answer is JSON");
    if resp.status != 200 {
        assert!(v["__type"].is_string(), "error without __type: {v}");
    }
    if let Some(crc) = resp.header("x-amz-crc32") {
        assert_eq!(crc, crc32(&resp.body));
    }
});

fn crc32(bytes: &[u8]) -> String {
    // The same checksum the SDKs verify; recomputed here bit by bit to stay independent.
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    (!crc).to_string()
}
