//! A stream's state: metadata (status, mode, retention, tags, consumers), its shards with their
//! hash key ranges, and each shard's records in sequence order.
//!
//! Sequence numbers are 56-digit decimal strings, as AWS's: `49`, the stream's creation time
//! (17 digits, ms), the shard's index (3 digits) and the record's position in the shard
//! (34 digits). A position is `max(previous + 1, arrival ms × 1000)`, so positions only grow,
//! even across a reload after every record was trimmed.

use std::collections::{BTreeMap, VecDeque};

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The hash key space is 0 ..= 2^128 - 1.
pub const HASH_MAX: u128 = u128::MAX;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamMeta {
    pub name: String,
    pub arn: String,
    /// CREATING, ACTIVE, UPDATING or DELETING.
    pub status: String,
    /// PROVISIONED or ON_DEMAND.
    pub mode: String,
    pub created_ms: i64,
    pub retention_hours: u32,
    pub shard_count: u32,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub consumers: Vec<Consumer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consumer {
    pub name: String,
    pub arn: String,
    /// CREATING, ACTIVE or DELETING.
    pub status: String,
    pub created_ms: i64,
}

/// One data record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rec {
    pub position: u64,
    pub arrival_ms: i64,
    pub partition_key: String,
    #[serde(with = "b64")]
    pub data: Vec<u8>,
}

mod b64 {
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shard {
    pub records: VecDeque<Rec>,
    /// The position the next record gets at the least.
    pub next: u64,
    /// Writes in the current virtual second (PROVISIONED limits): (second, bytes, records).
    pub window: (i64, u64, u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub meta: StreamMeta,
    pub shards: Vec<Shard>,
}

pub fn stream_key(region: &str, name: &str) -> String {
    format!("kinesis/{region}/stream/{name}")
}

pub fn record_key(region: &str, name: &str, shard: usize, position: u64) -> String {
    format!("kinesis/{region}/stream/{name}/rec/{shard:03}/{position:016x}")
}

pub fn shard_id(index: usize) -> String {
    format!("shardId-{index:012}")
}

/// The index in `shardId-000000000003`.
pub fn shard_index(id: &str) -> Option<usize> {
    let digits = id.strip_prefix("shardId-")?;
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok()).flatten()
}

/// Shard `i` of `n`'s hash key range: the space split evenly, the last shard taking the rest.
pub fn hash_range(i: u32, n: u32) -> (u128, u128) {
    if n <= 1 {
        return (0, HASH_MAX);
    }
    let n128 = n as u128;
    // floor(2^128 / n) without overflowing.
    let step = HASH_MAX / n128 + u128::from(HASH_MAX % n128 == n128 - 1);
    let start = step * i as u128;
    let end = if i + 1 >= n { HASH_MAX } else { step * (i as u128 + 1) - 1 };
    (start, end)
}

/// The 128-bit hash key of a partition key: its MD5 as a big-endian integer.
pub fn hash_key(partition_key: &str) -> u128 {
    u128::from_be_bytes(crate::services::sqs::digest::md5(partition_key.as_bytes()))
}

impl Stream {
    pub fn new(meta: StreamMeta) -> Self {
        let shards = vec![Shard::default(); meta.shard_count as usize];
        Stream { meta, shards }
    }

    pub fn shard_for(&self, hash: u128) -> usize {
        let n = self.meta.shard_count;
        (0..n).find(|&i| hash <= hash_range(i, n).1).unwrap_or(0) as usize
    }

    pub fn sequence_number(&self, shard: usize, position: u64) -> String {
        format!("49{:017}{shard:03}{position:034}", self.meta.created_ms.max(0))
    }

    /// The shard and position a sequence number of this stream encodes.
    pub fn parse_sequence(&self, seq: &str) -> Option<(usize, u64)> {
        if seq.len() != 56 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix = format!("49{:017}", self.meta.created_ms.max(0));
        let rest = seq.strip_prefix(&prefix)?;
        let shard: usize = rest[..3].parse().ok()?;
        let position: u64 = rest[3..].parse().ok()?;
        Some((shard, position))
    }

    pub fn shard_json(&self, i: usize) -> Value {
        let (start, end) = hash_range(i as u32, self.meta.shard_count);
        json!({
            "ShardId": shard_id(i),
            "HashKeyRange": { "StartingHashKey": start.to_string(), "EndingHashKey": end.to_string() },
            "SequenceNumberRange": { "StartingSequenceNumber": self.sequence_number(i, 0) },
        })
    }

    pub fn record_json(&self, shard: usize, r: &Rec) -> Value {
        json!({
            "SequenceNumber": self.sequence_number(shard, r.position),
            "ApproximateArrivalTimestamp": r.arrival_ms as f64 / 1000.0,
            "Data": B64.encode(&r.data),
            "PartitionKey": r.partition_key,
        })
    }

    pub fn is_readable(&self) -> bool {
        matches!(self.meta.status.as_str(), "ACTIVE" | "UPDATING")
    }

    /// Drops records past the retention period, journaling their deletion.
    pub fn trim(&mut self, journal: &mut crate::kernel::journal::Journal, region: &str, now_ms: i64) {
        let cutoff = now_ms - self.meta.retention_hours as i64 * 3_600_000;
        for (i, shard) in self.shards.iter_mut().enumerate() {
            while shard.records.front().is_some_and(|r| r.arrival_ms <= cutoff) {
                if let Some(r) = shard.records.pop_front() {
                    journal.delete(record_key(region, &self.meta.name, i, r.position));
                }
            }
        }
    }

    /// When the oldest record leaves the retention period.
    pub fn next_expiry(&self) -> Option<i64> {
        self.shards.iter().filter_map(|s| s.records.front()).map(|r| r.arrival_ms + self.meta.retention_hours as i64 * 3_600_000).min()
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn hash_ranges_split_the_key_space_as_aws_does() {
        assert_eq!(hash_range(0, 1), (0, HASH_MAX));
        // AWS's two-shard split.
        assert_eq!(hash_range(0, 2), (0, 170141183460469231731687303715884105727));
        assert_eq!(hash_range(1, 2), (170141183460469231731687303715884105728, HASH_MAX));
        // Four shards (an on-demand stream's start).
        assert_eq!(hash_range(1, 4).0, 85070591730234615865843651857942052864);
        assert_eq!(hash_range(2, 3).1, HASH_MAX);
        for n in 1..20 {
            for i in 1..n {
                assert_eq!(hash_range(i, n).0, hash_range(i - 1, n).1 + 1);
            }
        }
    }
}
