//! Read-only views of the identity keys, for workers that filter out known
//! items before doing expensive work on them. The writer re-checks, so a
//! stale answer costs time, never a duplicate.

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
    /// The archive knew no key when the run started (its first run): no
    /// item can be known then, and the writer checks this run's own
    /// writes, so nothing needs looking up. Each lookup was a twentieth
    /// of a first run of 2,000 small feeds.
    empty_at_start: bool,
}

impl KeyReaders {
    /// Readers of the site's state as it is now, after [`super::Store::open`].
    pub fn new(site: &Path) -> KeyReaders {
        let first = KeyReader::open(site).ok();
        let empty_at_start = first.as_ref().is_some_and(|r| {
            r.conn.query_row("SELECT EXISTS (SELECT 1 FROM keys)", [], |row| row.get::<_, bool>(0)).ok() == Some(false)
        });
        KeyReaders { site: site.to_path_buf(), idle: Mutex::new(first.into_iter().collect()), empty_at_start }
    }

    /// An idle reader, or a new one; `None` when the database cannot be
    /// read (the writer then checks every item itself).
    pub fn get(&self) -> Option<Lent<'_>> {
        if self.empty_at_start {
            return Some(Lent { pool: self, reader: None });
        }
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let reader = match idle {
            Some(r) => r,
            None => KeyReader::open(&self.site).ok()?,
        };
        Some(Lent { pool: self, reader: Some(reader) })
    }
}

/// A reader lent by [`KeyReaders`], returned when dropped; none when the
/// archive was empty at the start of the run.
pub struct Lent<'a> {
    pool: &'a KeyReaders,
    reader: Option<KeyReader>,
}

impl Lent<'_> {
    /// See [`KeyReader::known`].
    pub fn known<'k>(&self, items: impl IntoIterator<Item = &'k Keys>) -> Vec<bool> {
        match &self.reader {
            Some(reader) => reader.known(items),
            None => items.into_iter().map(|_| false).collect(),
        }
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let (Some(r), Ok(mut idle)) = (self.reader.take(), self.pool.idle.lock()) {
            idle.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::{Batch, NewPost, Store};

    fn keys(k: &str) -> Keys {
        Keys(vec![k.to_string()])
    }

    #[test]
    fn a_first_run_looks_nothing_up_and_a_later_one_sees_what_the_first_wrote() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let readers = KeyReaders::new(site.path());
        let stager = store.stager();
        let post = NewPost {
            keys: keys("g\tA\t1"),
            name: "2024-01-01-a.md".into(),
            contents: "---\n---\n<div>x</div>\n".into(),
            link: String::new(),
            capture: None,
        };
        let mut batch = Batch::default();
        store.plan(&mut batch, "A", vec![stager.stage(post).unwrap()], true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        store.put_in_place(&mut placing).unwrap();
        store.end(placing);
        store.flush().unwrap();
        // The archive was empty when this run's readers were made: what
        // the run itself wrote is the writer's to catch, not theirs.
        assert!(readers.empty_at_start);
        assert_eq!(readers.get().unwrap().known([&keys("g\tA\t1"), &keys("g\tA\t2")]), [false, false]);
        drop(store);
        let _store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let readers = KeyReaders::new(site.path());
        assert!(!readers.empty_at_start);
        assert_eq!(readers.get().unwrap().known([&keys("g\tA\t1"), &keys("g\tA\t2")]), [true, false]);
    }
}
