//! The change journal. The engine's durable state is a sorted set of records (key → bytes).
//! Every mutation a service makes is written here as a [`Change`] in the same call that makes it;
//! the host drains the journal after each call and makes the changes durable before it lets the
//! caller see the response.

use serde::{Deserialize, Serialize};

/// One durable record: a `/`-separated key whose first segment names its owner (`sim`,
/// `dynamodb`, ...), and an opaque value whose encoding the owner chooses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub key: String,
    pub value: Vec<u8>,
}

/// Appends `value` in lowercase hex, zero-padded to at least `digits`, as `{value:0digits$x}`
/// writes it: record keys end in ids written so, which sort in number order. Hot paths write
/// several such keys a step, without `format!`'s machinery.
pub fn push_hex(key: &mut String, value: u64, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let significant = (16 - value.leading_zeros() as usize / 4).max(1);
    for _ in significant..digits {
        key.push('0');
    }
    for i in (0..significant).rev() {
        key.push(HEX[(value >> (i * 4) & 0xf) as usize] as char);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Put {
        key: String,
        value: Vec<u8>,
    },
    Delete {
        key: String,
    },
    /// Deletes every record whose key starts with the prefix (a table and all its items).
    DeletePrefix {
        prefix: String,
    },
}

impl Change {
    pub fn approx_bytes(&self) -> usize {
        match self {
            Change::Put { key, value } => key.len() + value.len() + 8,
            Change::Delete { key } => key.len() + 8,
            Change::DeletePrefix { prefix } => prefix.len() + 8,
        }
    }
}

#[derive(Debug, Default)]
pub struct Journal {
    changes: Vec<Change>,
}

impl Journal {
    pub fn put(&mut self, key: impl Into<String>, value: Vec<u8>) {
        self.changes.push(Change::Put { key: key.into(), value });
    }

    pub fn put_json<T: Serialize>(&mut self, key: impl Into<String>, value: &T) {
        // Serialising our own state types cannot fail: they hold no maps with non-string keys.
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.put(key, bytes);
    }

    pub fn delete(&mut self, key: impl Into<String>) {
        self.changes.push(Change::Delete { key: key.into() });
    }

    pub fn delete_prefix(&mut self, prefix: impl Into<String>) {
        self.changes.push(Change::DeletePrefix { prefix: prefix.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn take(&mut self) -> Vec<Change> {
        // The next batch likely holds as many changes: one allocation instead of a doubling run.
        let capacity = self.changes.len().min(1024);
        std::mem::replace(&mut self.changes, Vec::with_capacity(capacity))
    }

    /// Drops changes made after `mark` (a failed operation leaves no trace).
    pub fn truncate(&mut self, mark: usize) {
        self.changes.truncate(mark);
    }
}

#[cfg(test)]
mod tests {
    use super::push_hex;

    #[test]
    fn push_hex_writes_what_format_writes() {
        for v in [0u64, 1, 9, 10, 15, 16, 255, 256, 0xdead_beef, 0xffff_ffff, 0x1_0000_0000, u64::MAX] {
            for digits in [0, 1, 8, 16] {
                let mut s = String::from("k/");
                push_hex(&mut s, v, digits);
                assert_eq!(s, format!("k/{v:0digits$x}"), "{v} {digits}");
            }
        }
    }
}
