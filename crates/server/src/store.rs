//! Durable storage for `gureum serve --data DIR`: the engine's log-structured format on files.
//!
//! `DIR/checkpoint.bin` holds the last checkpoint, `DIR/wal.log` the segments committed since.
//! Each group commit appends one framed segment to the WAL and fsyncs it before any response that
//! depends on it is sent. A checkpoint is written to a temporary file, fsynced and renamed into
//! place; only then is the WAL truncated. Replaying a WAL over a checkpoint that already contains
//! it is harmless (see `gureum_engine::store`). `DIR/lock` is held exclusively while serving.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read, Write},
    path::{Path, PathBuf},
};

use gureum_engine::{
    store::{encode_batch, encode_checkpoint, frame, unframe, Image},
    Change, Record,
};

pub struct FileStore {
    dir: PathBuf,
    wal: File,
    _lock: File,
    /// Bytes appended to the WAL since the last checkpoint.
    pub wal_bytes: usize,
    /// Size of the last checkpoint.
    pub checkpoint_bytes: usize,
}

/// Checkpoint once the WAL holds at least this much and outweighs the checkpoint.
pub const MIN_WAL_BYTES_FOR_CHECKPOINT: usize = 64 * 1024 * 1024;
const CHUNK_BYTES: usize = 4 * 1024 * 1024;

fn read_all(path: &Path) -> io::Result<Vec<u8>> {
    match File::open(path) {
        Ok(mut f) => {
            let mut v = Vec::new();
            f.read_to_end(&mut v)?;
            Ok(v)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl FileStore {
    /// Opens (creating) the store and returns it with the records it holds.
    pub fn open(dir: &Path) -> Result<(FileStore, Vec<Record>), String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let lock = OpenOptions::new().create(true).truncate(false).write(true).open(dir.join("lock")).map_err(|e| format!("cannot open lock file: {e}"))?;
        if lock.try_lock().is_err() {
            return Err(format!("{} is in use by another gureum process", dir.display()));
        }
        let mut image = Image::default();
        let checkpoint = read_all(&dir.join("checkpoint.bin")).map_err(|e| e.to_string())?;
        let (segments, valid) = unframe(&checkpoint);
        if valid != checkpoint.len() {
            return Err("checkpoint.bin is damaged (it is written atomically, so this is not a torn write)".into());
        }
        for s in segments {
            image.apply_segment(s).map_err(|e| format!("checkpoint.bin: {e}"))?;
        }
        let wal_path = dir.join("wal.log");
        let wal_bytes = read_all(&wal_path).map_err(|e| e.to_string())?;
        let (segments, valid) = unframe(&wal_bytes);
        for s in segments {
            image.apply_segment(s).map_err(|e| format!("wal.log: {e}"))?;
        }
        let wal = OpenOptions::new().create(true).append(true).open(&wal_path).map_err(|e| e.to_string())?;
        if valid != wal_bytes.len() {
            // A torn tail is a commit that was never acknowledged: cut it off.
            wal.set_len(valid as u64).map_err(|e| e.to_string())?;
            wal.sync_all().map_err(|e| e.to_string())?;
        }
        let store = FileStore { dir: dir.to_path_buf(), wal, _lock: lock, wal_bytes: valid, checkpoint_bytes: checkpoint.len() };
        Ok((store, image.into_records()))
    }

    /// Appends one group commit and makes it durable.
    pub fn commit(&mut self, changes: &[Change]) -> io::Result<()> {
        let framed = frame(&encode_batch(changes));
        self.wal.write_all(&framed)?;
        self.wal.sync_data()?;
        self.wal_bytes += framed.len();
        Ok(())
    }

    pub fn wants_checkpoint(&self) -> bool {
        gureum_engine::store::should_checkpoint(self.wal_bytes, self.checkpoint_bytes, MIN_WAL_BYTES_FOR_CHECKPOINT)
    }

    /// Replaces checkpoint and WAL with a checkpoint of `records` (the whole sandbox).
    pub fn checkpoint(&mut self, records: &[Record]) -> io::Result<()> {
        let tmp = self.dir.join("checkpoint.tmp");
        let mut f = File::create(&tmp)?;
        let mut size = 0;
        for seg in encode_checkpoint(records, CHUNK_BYTES) {
            let framed = frame(&seg);
            size += framed.len();
            f.write_all(&framed)?;
        }
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, self.dir.join("checkpoint.bin"))?;
        sync_dir(&self.dir)?;
        self.wal.set_len(0)?;
        self.wal.sync_all()?;
        self.wal_bytes = 0;
        self.checkpoint_bytes = size;
        Ok(())
    }
}
