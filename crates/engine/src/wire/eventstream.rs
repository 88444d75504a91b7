//! AWS's event stream encoding (`application/vnd.amazon.eventstream`), the framing of streamed
//! answers such as Kinesis's SubscribeToShard.
//!
//! A message is a prelude (total length and headers length, big-endian u32s, then the CRC32 of
//! those eight bytes), the headers, the payload, and the CRC32 of everything before it. A header
//! is its name (u8 length, UTF-8), a type byte and the value: 0/1 true/false, 2 byte, 3 short,
//! 4 int, 5 long (big-endian), 6 bytes and 7 string (u16 length first), 8 timestamp (i64 ms),
//! 9 UUID (16 bytes).

/// A header value, by its wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderValue {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Bytes(Vec<u8>),
    String(String),
    Timestamp(i64),
    Uuid([u8; 16]),
}

/// Header names are at most 255 bytes, string and byte values at most 32,767.
const MAX_VALUE_BYTES: usize = i16::MAX as usize;

fn put_header(out: &mut Vec<u8>, name: &str, value: &HeaderValue) {
    let name = &name.as_bytes()[..name.len().min(255)];
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    match value {
        HeaderValue::Bool(true) => out.push(0),
        HeaderValue::Bool(false) => out.push(1),
        HeaderValue::Byte(b) => {
            out.push(2);
            out.push(*b as u8);
        }
        HeaderValue::Short(v) => {
            out.push(3);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Int(v) => {
            out.push(4);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Long(v) => {
            out.push(5);
            out.extend_from_slice(&v.to_be_bytes());
        }
        HeaderValue::Bytes(b) => {
            let b = &b[..b.len().min(MAX_VALUE_BYTES)];
            out.push(6);
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(b);
        }
        HeaderValue::String(s) => {
            let b = &s.as_bytes()[..s.len().min(MAX_VALUE_BYTES)];
            out.push(7);
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(b);
        }
        HeaderValue::Timestamp(ms) => {
            out.push(8);
            out.extend_from_slice(&ms.to_be_bytes());
        }
        HeaderValue::Uuid(u) => {
            out.push(9);
            out.extend_from_slice(u);
        }
    }
}

/// One message: headers in order, then the payload.
pub fn encode(headers: &[(&str, HeaderValue)], payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for (name, value) in headers {
        put_header(&mut h, name, value);
    }
    let total = 12 + h.len() + payload.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// An event of a JSON service's stream (`:event-type` names the union member; the payload is
/// its JSON body). The first event of a stream is `initial-response`.
pub fn json_event(event_type: &str, payload: &[u8]) -> Vec<u8> {
    encode(
        &[
            (":event-type", HeaderValue::String(event_type.into())),
            (":content-type", HeaderValue::String("application/json".into())),
            (":message-type", HeaderValue::String("event".into())),
        ],
        payload,
    )
}

/// A modelled error ending the stream (`:exception-type` is its code).
pub fn json_exception(exception_type: &str, payload: &[u8]) -> Vec<u8> {
    encode(
        &[
            (":exception-type", HeaderValue::String(exception_type.into())),
            (":content-type", HeaderValue::String("application/json".into())),
            (":message-type", HeaderValue::String("exception".into())),
        ],
        payload,
    )
}

/// A decoded message: headers and payload. For tests and for reading what a host sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

/// Decodes the message at the start of `b`; returns it and the bytes it took. Errors name what
/// is wrong (lengths, either CRC, a header).
pub fn decode(b: &[u8]) -> Result<(Message, usize), String> {
    let u32_at = |i: usize| -> Result<u32, String> { b.get(i..i + 4).and_then(|s| s.try_into().ok()).map(u32::from_be_bytes).ok_or_else(|| "truncated message".to_string()) };
    let total = u32_at(0)? as usize;
    let headers_len = u32_at(4)? as usize;
    if u32_at(8)? != crc32fast::hash(&b[..8]) {
        return Err("prelude CRC mismatch".into());
    }
    if total < 16 + headers_len || b.len() < total {
        return Err("truncated message".into());
    }
    if u32_at(total - 4)? != crc32fast::hash(&b[..total - 4]) {
        return Err("message CRC mismatch".into());
    }
    let mut h = &b[12..12 + headers_len];
    let mut headers = Vec::new();
    let bad = || "bad header".to_string();
    while !h.is_empty() {
        let n = *h.first().ok_or_else(bad)? as usize;
        let name = std::str::from_utf8(h.get(1..1 + n).ok_or_else(bad)?).map_err(|_| bad())?.to_string();
        let kind = *h.get(1 + n).ok_or_else(bad)?;
        h = &h[2 + n..];
        let take = |h: &mut &[u8], k: usize| -> Result<Vec<u8>, String> {
            let v = h.get(..k).ok_or_else(bad)?.to_vec();
            *h = &h[k..];
            Ok(v)
        };
        let value = match kind {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(take(&mut h, 1)?[0] as i8),
            3 => HeaderValue::Short(i16::from_be_bytes(take(&mut h, 2)?.try_into().map_err(|_| bad())?)),
            4 => HeaderValue::Int(i32::from_be_bytes(take(&mut h, 4)?.try_into().map_err(|_| bad())?)),
            5 => HeaderValue::Long(i64::from_be_bytes(take(&mut h, 8)?.try_into().map_err(|_| bad())?)),
            6 | 7 => {
                let len = u16::from_be_bytes(take(&mut h, 2)?.try_into().map_err(|_| bad())?) as usize;
                let v = take(&mut h, len)?;
                if kind == 6 {
                    HeaderValue::Bytes(v)
                } else {
                    HeaderValue::String(String::from_utf8(v).map_err(|_| bad())?)
                }
            }
            8 => HeaderValue::Timestamp(i64::from_be_bytes(take(&mut h, 8)?.try_into().map_err(|_| bad())?)),
            9 => HeaderValue::Uuid(take(&mut h, 16)?.try_into().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        headers.push((name, value));
    }
    Ok((Message { headers, payload: b[12 + headers_len..total - 4].to_vec() }, total))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn crc32_is_the_ieee_polynomial() {
        // The standard check value of CRC-32 (IEEE 802.3), which the encoding uses.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn an_empty_message_matches_the_reference_encoding() {
        // The smallest message: 16 bytes, no headers, no payload.
        let m = encode(&[], b"");
        assert_eq!(m.len(), 16);
        assert_eq!(&m[..8], &[0, 0, 0, 16, 0, 0, 0, 0]);
        assert_eq!(&m[8..12], &crc32fast::hash(&m[..8]).to_be_bytes());
        assert_eq!(&m[12..], &crc32fast::hash(&m[..12]).to_be_bytes());
        // The reference test vector of the AWS event stream libraries ("empty_message").
        assert_eq!(m, [0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff]);
    }

    #[test]
    fn the_reference_int32_header_vector() {
        // aws-c-event-stream's "int32_header" encoded message: header `event-type` = Int 0x0000A00C,
        // payload `{'foo':'bar'}`.
        let m = encode(&[("event-type", HeaderValue::Int(0x0000_A00C))], b"{'foo':'bar'}");
        let expected: [u8; 45] = [
            0x00, 0x00, 0x00, 0x2D, 0x00, 0x00, 0x00, 0x10, 0x41, 0xC4, 0x24, 0xB8, 0x0A, 0x65, 0x76, 0x65, 0x6E, 0x74, 0x2D, 0x74, 0x79, 0x70, 0x65, 0x04, 0x00, 0x00, 0xA0, 0x0C,
            0x7B, 0x27, 0x66, 0x6F, 0x6F, 0x27, 0x3A, 0x27, 0x62, 0x61, 0x72, 0x27, 0x7D, 0x36, 0xF4, 0x80, 0xA0,
        ];
        assert_eq!(m, expected);
    }

    #[test]
    fn every_header_type_round_trips() {
        let headers = vec![
            ("t", HeaderValue::Bool(true)),
            ("f", HeaderValue::Bool(false)),
            ("b", HeaderValue::Byte(-3)),
            ("s", HeaderValue::Short(-300)),
            ("i", HeaderValue::Int(70_000)),
            ("l", HeaderValue::Long(-5_000_000_000)),
            ("by", HeaderValue::Bytes(vec![0, 1, 255])),
            ("st", HeaderValue::String("héllo".into())),
            ("ts", HeaderValue::Timestamp(1_700_000_000_123)),
            ("u", HeaderValue::Uuid([7; 16])),
        ];
        let m = encode(&headers, b"payload");
        let (decoded, used) = decode(&m).unwrap();
        assert_eq!(used, m.len());
        assert_eq!(decoded.payload, b"payload");
        let want: Vec<(String, HeaderValue)> = headers.into_iter().map(|(n, v)| (n.to_string(), v)).collect();
        assert_eq!(decoded.headers, want);
    }

    #[test]
    fn damaged_messages_are_errors_not_panics() {
        let m = json_event("SubscribeToShardEvent", br#"{"Records":[]}"#);
        let mut bad = m.clone();
        bad[20] ^= 1;
        assert_eq!(decode(&bad).unwrap_err(), "message CRC mismatch");
        let mut bad = m.clone();
        bad[2] ^= 1;
        assert_eq!(decode(&bad).unwrap_err(), "prelude CRC mismatch");
        assert!(decode(&m[..m.len() - 1]).is_err());
        assert!(decode(&[]).is_err());
        let (ev, _) = decode(&m).unwrap();
        assert_eq!(ev.headers[0], (":event-type".into(), HeaderValue::String("SubscribeToShardEvent".into())));
        assert_eq!(ev.headers[2], (":message-type".into(), HeaderValue::String("event".into())));
    }
}
