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
/// Key 0 holds the checkpoint's bounds (JSON); segments are keyed from 1.
const META_KEY: f64 = 0.0;
const CHECKPOINT_CHUNK: usize = 4 * 1024 * 1024;
/// Checkpoint once the segments since the last one reach this and outweigh it.
pub const MIN_LOG_BYTES_FOR_CHECKPOINT: usize = 8 * 1024 * 1024;

/// What loading a sandbox cost.
#[derive(Debug, Clone, Default)]
pub struct LoadStats {
    pub bytes: usize,
    pub segments: usize,
    pub read_ms: f64,
    pub replay_ms: f64,
}

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
    /// Opens the sandbox's database and reads every segment back. Also returns the bytes read
    /// and the ms spent reading from IndexedDB vs replaying segments.
    pub async fn open(name: &str) -> Result<(IdbStore, Vec<Record>, LoadStats), String> {
        let t0 = js_sys::Date::now();
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
        let segments = KeyRange::LowerBound(1.0, false);
        let keys: Vec<JsValue> = store
            .get_all_keys()
            .with_query::<f64, _>(segments.clone())
            .primitive()
            .map_err(|e| err("getAllKeys", e))?
            .await
            .map_err(|e| err("getAllKeys", e))?
            .collect::<Result<_, _>>()
            .map_err(|e| err("getAllKeys", e))?;
        let values: Vec<JsValue> = store
            .get_all()
            .with_query::<f64, _>(segments)
            .primitive()
            .map_err(|e| err("getAll", e))?
            .await
            .map_err(|e| err("getAll", e))?
            .collect::<Result<_, _>>()
            .map_err(|e| err("getAll", e))?;
        let meta: Option<String> = store.get(META_KEY).primitive().map_err(|e| err("get meta", e))?.await.map_err(|e| err("get meta", e))?;
        drop(store);
        let _ = tx.commit().await;
        let t1 = js_sys::Date::now();
        // Segments up to `checkpoint_last` belong to the last checkpoint; the rest is log.
        let (checkpoint_last, checkpoint_bytes) = meta
            .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
            .map(|m| (m["last"].as_f64().unwrap_or(0.0), m["bytes"].as_u64().unwrap_or(0) as usize))
            .unwrap_or((0.0, 0));
        let mut image = Image::default();
        let mut stored_bytes = 0;
        let mut log_bytes = 0;
        for (k, v) in keys.iter().zip(&values) {
            let arr: &Uint8Array = v.dyn_ref().ok_or("a stored segment is not a Uint8Array")?;
            let bytes = arr.to_vec();
            stored_bytes += bytes.len();
            if k.as_f64().unwrap_or(0.0) > checkpoint_last {
                log_bytes += bytes.len();
            }
            image.apply_segment(&bytes)?;
        }
        let next_seq = keys.last().and_then(JsValue::as_f64).map(|k| k + 1.0).unwrap_or(1.0);
        let records = image.into_records();
        let stats = LoadStats { bytes: stored_bytes, segments: values.len(), read_ms: t1 - t0, replay_ms: js_sys::Date::now() - t1 };
        Ok((IdbStore { db, next_seq, log_bytes, checkpoint_bytes }, records, stats))
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
        store.delete::<f64, KeyRange<f64>>(KeyRange::Bound(1.0, false, first, true)).primitive().map_err(|e| err("delete old segments", e))?;
        let meta = serde_json::json!({"first": first, "last": self.next_seq - 1.0, "bytes": size}).to_string();
        store.put(meta).with_key(META_KEY).primitive().map_err(|e| err("put meta", e))?;
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
        let n = store.count().with_query::<f64, _>(KeyRange::LowerBound(1.0, false)).primitive().map_err(|e| err("count", e))?.await.map_err(|e| err("count", e))?;
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
