//! The persistence format every host shares, with no I/O of its own.
//!
//! A sandbox is stored as an ordered list of *segments*. Each segment is one encoded batch of
//! [`Change`]s: the changes of one group commit. Loading replays the segments in order into an
//! [`Image`] (key → value) and hands its records to [`crate::Engine::restore`].
//!
//! A *checkpoint* is a batch that starts with `DeletePrefix("")` followed by a put of every live
//! record; it is written atomically (one IndexedDB transaction, or a file renamed into place),
//! after which every segment before it may be dropped. Replaying a tail of history again over a
//! checkpoint that already contains it yields the same image, so a crash between writing a
//! checkpoint and dropping old segments is harmless.
//!
//! Files frame each segment as `[len: u32 LE][crc32: u32 LE][payload]`; a torn or corrupt tail
//! frame (a write that was never acknowledged) ends the log.

use std::collections::BTreeMap;

use crate::kernel::journal::{Change, Record};

const BATCH_MAGIC: u8 = 0xB1;
const OP_PUT: u8 = 1;
const OP_DELETE: u8 = 2;
const OP_DELETE_PREFIX: u8 = 3;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v: u64 = 0;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        if shift > 63 {
            return Err("varint too long".into());
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
    }
}

fn get_bytes<'a>(bytes: &'a [u8], pos: &mut usize) -> Result<&'a [u8], String> {
    let len = get_varint(bytes, pos)? as usize;
    let end = pos.checked_add(len).filter(|e| *e <= bytes.len()).ok_or("truncated field")?;
    let s = &bytes[*pos..end];
    *pos = end;
    Ok(s)
}

fn get_string(bytes: &[u8], pos: &mut usize) -> Result<String, String> {
    String::from_utf8(get_bytes(bytes, pos)?.to_vec()).map_err(|_| "key is not UTF-8".to_string())
}

/// Encodes one batch of changes as a segment.
pub fn encode_batch(changes: &[Change]) -> Vec<u8> {
    let size: usize = changes.iter().map(Change::approx_bytes).sum();
    let mut out = Vec::with_capacity(size + 8);
    out.push(BATCH_MAGIC);
    put_varint(&mut out, changes.len() as u64);
    for c in changes {
        match c {
            Change::Put { key, value } => {
                out.push(OP_PUT);
                put_varint(&mut out, key.len() as u64);
                out.extend_from_slice(key.as_bytes());
                put_varint(&mut out, value.len() as u64);
                out.extend_from_slice(value);
            }
            Change::Delete { key } => {
                out.push(OP_DELETE);
                put_varint(&mut out, key.len() as u64);
                out.extend_from_slice(key.as_bytes());
            }
            Change::DeletePrefix { prefix } => {
                out.push(OP_DELETE_PREFIX);
                put_varint(&mut out, prefix.len() as u64);
                out.extend_from_slice(prefix.as_bytes());
            }
        }
    }
    out
}

/// Decodes a segment written by [`encode_batch`], handing each change to `f` as it goes. A
/// corrupt segment is an error; changes before the corruption have been handed over already,
/// so callers that must be all-or-nothing validate first with [`decode_batch`].
pub fn for_each_change(bytes: &[u8], mut f: impl FnMut(Change)) -> Result<(), String> {
    let mut pos = 0;
    if bytes.first() != Some(&BATCH_MAGIC) {
        return Err("not a Gureum segment".into());
    }
    pos += 1;
    let n = get_varint(bytes, &mut pos)? as usize;
    for _ in 0..n {
        let op = *bytes.get(pos).ok_or("truncated op")?;
        pos += 1;
        let key = get_string(bytes, &mut pos)?;
        f(match op {
            OP_PUT => Change::Put { key, value: get_bytes(bytes, &mut pos)?.to_vec() },
            OP_DELETE => Change::Delete { key },
            OP_DELETE_PREFIX => Change::DeletePrefix { prefix: key },
            other => return Err(format!("unknown op {other}")),
        });
    }
    if pos != bytes.len() {
        return Err("trailing bytes after batch".into());
    }
    Ok(())
}

/// Decodes a segment written by [`encode_batch`].
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<Change>, String> {
    let mut changes = Vec::new();
    for_each_change(bytes, |c| changes.push(c))?;
    Ok(changes)
}

/// The checkpoint of a whole sandbox, split into segments of about `chunk_bytes` each. They
/// must be written atomically together: the first one clears everything before it.
pub fn encode_checkpoint(records: &[Record], chunk_bytes: usize) -> Vec<Vec<u8>> {
    let mut segments = Vec::new();
    let mut batch = vec![Change::DeletePrefix { prefix: String::new() }];
    let mut size = 0;
    for r in records {
        size += r.key.len() + r.value.len() + 8;
        batch.push(Change::Put { key: r.key.clone(), value: r.value.clone() });
        if size >= chunk_bytes {
            segments.push(encode_batch(&batch));
            batch.clear();
            size = 0;
        }
    }
    if !batch.is_empty() || segments.is_empty() {
        segments.push(encode_batch(&batch));
    }
    segments
}

/// Replay target: the live records after applying segments in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Image {
    map: BTreeMap<String, Vec<u8>>,
    bytes: usize,
}

impl Image {
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Put { key, value } => {
                let klen = key.len();
                self.bytes += value.len();
                match self.map.insert(key, value) {
                    Some(old) => self.bytes -= old.len(),
                    None => self.bytes += klen,
                }
            }
            Change::Delete { key } => {
                if let Some(old) = self.map.remove(&key) {
                    self.bytes -= key.len() + old.len();
                }
            }
            Change::DeletePrefix { prefix } => {
                if prefix.is_empty() {
                    self.map.clear();
                    self.bytes = 0;
                } else {
                    let doomed: Vec<String> = self.map.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()).collect();
                    for k in doomed {
                        if let Some(old) = self.map.remove(&k) {
                            self.bytes -= k.len() + old.len();
                        }
                    }
                }
            }
        }
    }

    /// Applies a whole segment, or nothing of it if it is corrupt.
    pub fn apply_segment(&mut self, segment: &[u8]) -> Result<(), String> {
        // Stores only hold segments they wrote whole (IndexedDB transactions, checksummed file
        // frames), so a decode error here means damage: check before touching the image.
        if segment.first() == Some(&BATCH_MAGIC) && self.map.is_empty() {
            // Fast path for the common first segment (a checkpoint): nothing to undo on error.
            let mut staged = Image::default();
            for_each_change(segment, |c| staged.apply(c))?;
            *self = staged;
            return Ok(());
        }
        for c in decode_batch(segment)? {
            self.apply(c);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// Live bytes (keys + values).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The records in key order, as [`crate::Engine::restore`] takes them.
    pub fn into_records(self) -> Vec<Record> {
        self.map.into_iter().map(|(key, value)| Record { key, value }).collect()
    }
}

/// When to checkpoint: once the segments written since the last checkpoint reach a quarter of
/// it (and at least `min_log_bytes`). A load then replays at most ~25% extra, and each byte
/// written is rewritten about four times by checkpoints (the cost of fast reloads).
pub fn should_checkpoint(log_bytes_since: usize, checkpoint_bytes: usize, min_log_bytes: usize) -> bool {
    log_bytes_since >= min_log_bytes && log_bytes_since >= checkpoint_bytes / 4
}

/// Frames a segment for an append-only file.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Splits a framed file into its segments. Returns them and the length of the valid prefix: a
/// torn or corrupt frame ends the file there (it was never acknowledged).
pub fn unframe(bytes: &[u8]) -> (Vec<&[u8]>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    while bytes.len() - pos >= 8 {
        let len = u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]) as usize;
        let crc = u32::from_le_bytes([bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]]);
        let Some(end) = (pos + 8).checked_add(len).filter(|e| *e <= bytes.len()) else { break };
        let payload = &bytes[pos + 8..end];
        if crc32fast::hash(payload) != crc {
            break;
        }
        out.push(payload);
        pos = end;
    }
    (out, pos)
}

#[cfg(test)]
mod tests;
