//! Reading a DynamoDB table export as AWS writes it to S3:
//! `{prefix}/AWSDynamoDB/{ExportId}/manifest-summary.json`, `manifest-files.json` (one JSON
//! object per line, each naming a data file in `dataFileS3Key`) and `data/{name}.json.gz`
//! (gzip; one `{"Item":{...DynamoDB JSON...}}` per line) or `data/{name}.ion.gz` (Amazon Ion
//! text, `$ion_1_0 {Item:{...}}`). Incremental exports (`NewImage`/`OldImage` lines) are refused.

use serde_json::Value;

use super::ion;
use crate::services::dynamodb::value::{item_from_json, Item};

/// Decompressed bytes a query may read in all (a guard against gzip bombs in untrusted
/// objects; a sandbox limit, not AWS's).
pub const MAX_DECOMPRESSED_BYTES: usize = 256 * 1024 * 1024;

/// The data file keys a `manifest-files.json` lists, in order.
pub fn data_keys(manifest: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(manifest).map_err(|_| "manifest-files.json is not UTF-8 text".to_string())?;
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| format!("manifest-files.json line {}: {e}", n + 1))?;
        let key = v.get("dataFileS3Key").and_then(Value::as_str).ok_or_else(|| format!("manifest-files.json line {}: no dataFileS3Key", n + 1))?;
        keys.push(key.to_string());
    }
    Ok(keys)
}

/// Whether a key is a data file of an export (what a `data/` listing reads).
pub fn is_data_file(key: &str) -> bool {
    key.ends_with(".json.gz") || key.ends_with(".ion.gz")
}

/// The items of one data file. `budget` is what may still be decompressed; it is reduced.
pub fn items(key: &str, body: &[u8], budget: &mut usize) -> Result<Vec<Item>, String> {
    let text = gunzip(body, budget).map_err(|e| format!("{key}: {e}"))?;
    let text = String::from_utf8(text).map_err(|_| format!("{key}: the data is not UTF-8 text"))?;
    if key.ends_with(".ion.gz") {
        return ion::items(&text).map_err(|e| format!("{key}: {e}"));
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: String| format!("{key} line {}: {why}", n + 1);
        let v: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let Some(item) = v.get("Item") else {
            if v.get("NewImage").is_some() || v.get("Keys").is_some() {
                return Err(bad("incremental export records (NewImage/OldImage) are not supported by the sandbox's Athena; query a full export".into()));
            }
            return Err(bad("no Item".into()));
        };
        out.push(item_from_json(item).map_err(|e| bad(e.message))?);
    }
    Ok(out)
}

/// Decompresses a gzip file (RFC 1952; concatenated members too), checking each member's CRC.
pub fn gunzip(data: &[u8], budget: &mut usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut rest = data;
    if rest.len() < 18 || rest[0] != 0x1f || rest[1] != 0x8b {
        return Err("not a gzip file".into());
    }
    while rest.len() >= 18 && rest[0] == 0x1f && rest[1] == 0x8b {
        if rest[2] != 8 {
            return Err("unknown gzip compression method".into());
        }
        let flags = rest[3];
        let mut at = 10usize;
        let need = |at: usize, n: usize| if at + n <= rest.len() { Ok(()) } else { Err("truncated gzip header".to_string()) };
        if flags & 4 != 0 {
            need(at, 2)?;
            let xlen = u16::from_le_bytes([rest[at], rest[at + 1]]) as usize;
            at += 2 + xlen;
        }
        for bit in [8u8, 16] {
            if flags & bit != 0 {
                let end = rest.get(at..).and_then(|r| r.iter().position(|b| *b == 0)).ok_or("truncated gzip header")?;
                at += end + 1;
            }
        }
        if flags & 2 != 0 {
            at += 2;
        }
        need(at, 0)?;
        let mut inflater = miniz_oxide::inflate::stream::InflateState::new_boxed(miniz_oxide::DataFormat::Raw);
        let mut member = Vec::new();
        let mut input = &rest[at..];
        let mut buf = vec![0u8; 64 * 1024];
        let consumed_total;
        let mut consumed = 0usize;
        loop {
            let r = miniz_oxide::inflate::stream::inflate(&mut inflater, input, &mut buf, miniz_oxide::MZFlush::None);
            consumed += r.bytes_consumed;
            input = &input[r.bytes_consumed..];
            member.extend_from_slice(&buf[..r.bytes_written]);
            if member.len() > *budget {
                return Err(format!("more than {} MiB of data after decompression (a sandbox limit)", MAX_DECOMPRESSED_BYTES / (1024 * 1024)));
            }
            match r.status {
                Ok(miniz_oxide::MZStatus::StreamEnd) => {
                    consumed_total = consumed;
                    break;
                }
                Ok(_) if r.bytes_consumed == 0 && r.bytes_written == 0 => return Err("truncated gzip data".into()),
                Ok(_) => {}
                Err(_) => return Err("corrupt gzip data".into()),
            }
        }
        let trailer = at + consumed_total;
        if trailer + 8 > rest.len() {
            return Err("truncated gzip trailer".into());
        }
        let crc = u32::from_le_bytes([rest[trailer], rest[trailer + 1], rest[trailer + 2], rest[trailer + 3]]);
        if crc32fast::hash(&member) != crc {
            return Err("gzip CRC mismatch".into());
        }
        *budget -= member.len();
        out.extend_from_slice(&member);
        rest = &rest[trailer + 8..];
    }
    Ok(out)
}

/// Gzip-compresses `data` (one member), for tests and fixtures.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}
