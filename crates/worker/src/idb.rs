//! The sandbox in IndexedDB: database `gureum-{sandbox}`, object store `segments`, keyed by
//! sequence number, each value one segment (Uint8Array) in the engine's log-structured format.
//! A group commit is one put in one read-write transaction; a checkpoint writes its segments and
//! deletes every older one in a single transaction, so it is atomic.

use gureum_engine::{
    store::{encode_batch, encode_checkpoint, Image},
    Change, Record,
};
use indexed_db_futures::{
    database::Database,
    prelude::*,
    transaction::{TransactionDurability, TransactionMode, TransactionOptions},
    KeyRange,
};
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

const STORE: &str = "segments";
const CHECKPOINT_CHUNK: usize = 4 * 1024 * 1024;
/// Checkpoint once the segments since the last one reach this and outweigh it.
pub const MIN_LOG_BYTES_FOR_CHECKPOINT: usize = 8 * 1024 * 1024;

pub struct IdbStore {
    db: Database,
    next_seq: f64,
    pub log_bytes: usize,
    pub checkpoint_bytes: usize,
}

fn err(context: &str, e: impl std::fmt::Debug) -> String {
    format!("{context}: {e:?}")
}

fn options() -> TransactionOptions {
    // "strict" asks the browser to flush to disk before the commit completes.
    TransactionOptions::new().with_durability(TransactionDurability::Strict)
}

impl IdbStore {
    /// Opens the sandbox's database and reads every segment back.
    pub async fn open(name: &str) -> Result<(IdbStore, Vec<Record>, usize), String> {
        let db = Database::open(name)
            .with_version(1u8)
            .with_on_upgrade_needed(|_event, db| {
                if !db.object_store_names().any(|n| n == STORE) {
                    db.create_object_store(STORE).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| err("open IndexedDB", e))?;
        let tx = db.transaction(STORE).build().map_err(|e| err("read transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("object store", e))?;
        let keys: Vec<JsValue> = store.get_all_keys().primitive().map_err(|e| err("getAllKeys", e))?.await.map_err(|e| err("getAllKeys", e))?.collect::<Result<_, _>>().map_err(|e| err("getAllKeys", e))?;
        let values: Vec<JsValue> = store.get_all().primitive().map_err(|e| err("getAll", e))?.await.map_err(|e| err("getAll", e))?.collect::<Result<_, _>>().map_err(|e| err("getAll", e))?;
        drop(store);
        let _ = tx.commit().await;
        let mut image = Image::default();
        let mut stored_bytes = 0;
        for v in &values {
            let arr: &Uint8Array = v.dyn_ref().ok_or("a stored segment is not a Uint8Array")?;
            let bytes = arr.to_vec();
            stored_bytes += bytes.len();
            image.apply_segment(&bytes)?;
        }
        let next_seq = keys.last().and_then(JsValue::as_f64).map(|k| k + 1.0).unwrap_or(1.0);
        let records = image.into_records();
        Ok((IdbStore { db, next_seq, log_bytes: stored_bytes, checkpoint_bytes: 0 }, records, stored_bytes))
    }

    /// Makes one batch durable.
    pub async fn commit(&mut self, changes: &[Change]) -> Result<(), String> {
        let bytes = encode_batch(changes);
        let seq = self.next_seq;
        self.next_seq += 1.0;
        let tx = self.db.transaction(STORE).with_mode(TransactionMode::Readwrite).with_options(options()).build().map_err(|e| err("write transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("object store", e))?;
        let value: JsValue = Uint8Array::from(bytes.as_slice()).into();
        store.put(value).with_key(seq).primitive().map_err(|e| err("put", e))?;
        drop(store);
        tx.commit().await.map_err(|e| err("commit", e))?;
        self.log_bytes += bytes.len();
        Ok(())
    }

    pub fn wants_checkpoint(&self) -> bool {
        gureum_engine::store::should_checkpoint(self.log_bytes, self.checkpoint_bytes, MIN_LOG_BYTES_FOR_CHECKPOINT)
    }

    /// Replaces every stored segment with a checkpoint of `records`, atomically.
    pub async fn checkpoint(&mut self, records: &[Record]) -> Result<(), String> {
        let segments = encode_checkpoint(records, CHECKPOINT_CHUNK);
        let first = self.next_seq;
        let tx = self.db.transaction(STORE).with_mode(TransactionMode::Readwrite).with_options(options()).build().map_err(|e| err("checkpoint transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("object store", e))?;
        let mut size = 0;
        for seg in &segments {
            size += seg.len();
            let value: JsValue = Uint8Array::from(seg.as_slice()).into();
            store.put(value).with_key(self.next_seq).primitive().map_err(|e| err("put", e))?;
            self.next_seq += 1.0;
        }
        store.delete::<f64, KeyRange<f64>>(KeyRange::UpperBound(first, true)).primitive().map_err(|e| err("delete old segments", e))?;
        drop(store);
        tx.commit().await.map_err(|e| err("checkpoint commit", e))?;
        self.log_bytes = 0;
        self.checkpoint_bytes = size;
        Ok(())
    }

    /// Number of stored segments (for tests and diagnostics).
    pub async fn segment_count(&self) -> Result<u32, String> {
        let tx = self.db.transaction(STORE).build().map_err(|e| err("read transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("object store", e))?;
        let n = store.count().primitive().map_err(|e| err("count", e))?.await.map_err(|e| err("count", e))?;
        Ok(n)
    }

    pub fn close(self) {
        self.db.close();
    }

    /// Deletes the whole database (tests).
    pub async fn delete_database(name: &str) -> Result<(), String> {
        Database::delete_by_name(name).map_err(|e| err("delete database", e))?.await.map_err(|e| err("delete database", e))
    }
}
