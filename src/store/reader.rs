//! Read-only views of the identity keys, for workers that filter out known
//! items before doing expensive work on them. The writer re-checks, so a
//! stale answer costs time, never a duplicate.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::Connection;

use super::{Keys, STATE_DIR, StoreError};

pub struct KeyReader {
    conn: Connection,
}

impl KeyReader {
    pub fn open(site: &Path) -> Result<KeyReader, StoreError> {
        let path = site.join(STATE_DIR).join("state.db");
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|source| StoreError::Db { path, source })?;
        Ok(KeyReader { conn })
    }

    pub fn is_known(&self, keys: &Keys) -> bool {
        let Ok(mut stmt) = self.conn.prepare_cached("SELECT 1 FROM keys WHERE key = ?1") else { return false };
        keys.0.iter().any(|k| stmt.exists([k]).unwrap_or(false))
    }

    /// Whether each of `items` is known, all read in one transaction: a
    /// lookup on its own takes the database's read lock and, after any
    /// commit by the writer, reloads the pages it walks, so a feed's items
    /// share one lock and one reload.
    pub fn known<'k>(&self, items: impl IntoIterator<Item = &'k Keys>) -> Vec<bool> {
        let run = |sql: &str| self.conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
        let in_transaction = run("BEGIN").is_ok();
        let known = items.into_iter().map(|k| self.is_known(k)).collect();
        // A transaction left open would hold its snapshot, and keep the
        // writer's checkpoints from emptying the WAL, for the whole run.
        if in_transaction && run("COMMIT").is_err() {
            let _ = run("ROLLBACK");
        }
        known
    }
}

/// The readers of one run, each used by one worker at a time and kept for
/// the next: opening a connection, reading the schema and preparing the
/// query cost more than a feed's lookups (a sixth of a raw run of 2,000
/// small feeds). Each lookup is its own read transaction, so a kept reader
/// sees every commit made since it was opened.
pub struct KeyReaders {
    site: PathBuf,
    idle: Mutex<Vec<KeyReader>>,
}

impl KeyReaders {
    pub fn new(site: &Path) -> KeyReaders {
        KeyReaders { site: site.to_path_buf(), idle: Mutex::default() }
    }

    /// An idle reader, or a new one; `None` when the database cannot be
    /// read (the writer then checks every item itself).
    pub fn get(&self) -> Option<Lent<'_>> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let reader = match idle {
            Some(r) => r,
            None => KeyReader::open(&self.site).ok()?,
        };
        Some(Lent { pool: self, reader: Some(reader) })
    }
}

/// A reader lent by [`KeyReaders`], returned when dropped.
pub struct Lent<'a> {
    pool: &'a KeyReaders,
    reader: Option<KeyReader>,
}

impl Deref for Lent<'_> {
    type Target = KeyReader;

    fn deref(&self) -> &KeyReader {
        // Taken only in `drop`.
        self.reader.as_ref().unwrap_or_else(|| unreachable!("a lent reader is present until dropped"))
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let (Some(r), Ok(mut idle)) = (self.reader.take(), self.pool.idle.lock()) {
            idle.push(r);
        }
    }
}
