//! The archive on disk: `_posts/`, and the state in `.newsmirror/state.db`.
//!
//! Invariants, kept across kills and reruns:
//! - a post file appears whole or not at all (written to a temporary file
//!   in `_posts/` and flushed as soon as it is rendered, on the worker that
//!   rendered it ([`Stager`]); named and renamed into place later, in config
//!   order, so only names wait in memory, never contents);
//! - a batch of posts is recorded in the state, together with a journal
//!   entry naming its files and their identity keys, *before* the files are
//!   renamed into place; each file is flushed (`fsync`) before its rename
//!   and the directory once before the entry is dropped, so a closed entry
//!   means the files survive a power cut (entries are closed, and sources'
//!   fetch results recorded, in the transaction of the next group's intent
//!   or at a [`Store::flush`]: see `settle.rs`).
//!   At start a journal entry left by a killed run or a power cut is
//!   resolved: a whole file in place is kept, one that is missing, empty or
//!   cut short is removed and forgotten (its item is fetched again), so
//!   nothing is lost and nothing is written twice;
//! - a post deleted by the operator (a takedown) stays known, so it is
//!   never fetched again;
//! - posts that exist but are unknown to the state (an archive made by the
//!   old system, or a state file lost) are indexed by their `from:` link;
//! - an existing file is never overwritten.

pub mod health;
pub mod identity;
mod lock;
mod reader;
mod reconcile;
mod settle;
mod write;

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use crate::fetch::Validators;
pub use identity::Keys;
pub use reader::{KeyReader, KeyReaders};
pub use write::{Batch, Placing};

pub const STATE_DIR: &str = ".newsmirror";
const TMP_PREFIX: &str = ".newsmirror-tmp-";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state database {path}: {source}")]
    Db { path: PathBuf, source: rusqlite::Error },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("another newsmirror run holds the lock on {site} (pid {pid}); waited {waited:?}, giving up")]
    Locked { site: PathBuf, pid: String, waited: Duration },
}

/// A post ready to be written.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub keys: Keys,
    /// File name before collision suffixes (`YYYY-MM-DD-head.md`).
    pub name: String,
    pub contents: String,
    pub link: String,
    /// The page text the contents were extracted from, if they were.
    pub capture: Option<Capture>,
}

/// The article page's text a post was made from (a paragraph a line) and
/// its hash as the re-check computes it, so the first re-check can compare
/// the original with what was captured.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    pub hash: String,
    pub text: String,
    /// The page's WARC response record, with `evidence = "warc"`.
    pub warc: Option<String>,
}

/// A post whose contents are on disk under a temporary name in `_posts/`
/// (flushed), waiting for its final name.
#[derive(Debug)]
pub struct Staged {
    pub keys: Keys,
    /// File name before collision suffixes (`YYYY-MM-DD-head.md`).
    pub name: String,
    pub link: String,
    pub capture: Option<Capture>,
    tmp: PathBuf,
}

/// Writes rendered posts to temporary files from any thread, so a post's
/// contents leave memory as soon as it is rendered and the flushes of many
/// posts overlap. What it writes is invisible to the archive (see
/// [`Store::plan`]) and removed at the next start if never named.
#[derive(Debug, Clone)]
pub struct Stager {
    posts_dir: PathBuf,
    /// The process id in temporary names, read once: each read is a
    /// system call, and a run stages tens of thousands of posts.
    pid: u32,
}

/// Temporary names are unique within the process, across threads.
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Stager {
    pub fn stage(&self, post: NewPost) -> Result<Staged, StoreError> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.posts_dir.join(format!("{TMP_PREFIX}{}-{n}", self.pid));
        let io = |source| StoreError::Io { path: self.posts_dir.join(&post.name), source };
        let mut file = fs::File::create_new(&tmp).map_err(io)?;
        // Flushed before the rename: a renamed file is a whole file, even
        // after a power cut.
        let written = file.write_all(post.contents.as_bytes()).and_then(|()| file.sync_data());
        drop(file);
        if let Err(source) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io(source));
        }
        Ok(Staged { keys: post.keys, name: post.name, link: post.link, capture: post.capture, tmp })
    }
}

/// Remove staged posts that will not be named (duplicates, a failed or
/// stopped source).
pub fn discard(staged: impl IntoIterator<Item = Staged>) {
    for post in staged {
        let _ = fs::remove_file(&post.tmp);
    }
}

/// A post a write batch is about to put in place, and its identity keys.
#[derive(serde::Serialize, serde::Deserialize)]
struct JournalEntry {
    file: String,
    keys: Vec<String>,
}

/// Drop a post's rows: its identity keys become unknown again.
fn forget(tx: &rusqlite::Transaction, entry: &JournalEntry) -> rusqlite::Result<()> {
    let mut drop_key = tx.prepare_cached("DELETE FROM keys WHERE key = ?1 AND file = ?2")?;
    for key in &entry.keys {
        drop_key.execute([key, &entry.file])?;
    }
    tx.execute("DELETE FROM posts WHERE file = ?1", [&entry.file])?;
    Ok(())
}

/// A 64-bit fingerprint (SipHash with fixed keys, so stable within a run).
fn fingerprint(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Flush a directory's entries (new names, renames) to the disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Whether a post file is whole: it ends as every post does (`</div>` and a
/// newline), which a file cut short by a power cut does not.
pub fn is_whole_post(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let tail = b"</div>\n";
    let Ok(mut f) = fs::File::open(path) else { return false };
    let mut buf = [0u8; 7];
    f.seek(SeekFrom::End(-(tail.len() as i64))).is_ok() && f.read_exact(&mut buf).is_ok() && &buf == tail
}

/// Move `from` to `to` unless `to` exists: a plain rename would silently
/// replace a post. One atomic call where the filesystem supports it, else a
/// hard link (which fails on an existing name) and an unlink.
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => return Ok(()),
        Err(e) if e == rustix::io::Errno::EXIST => return Err(std::io::Error::from(e)),
        Err(_) => {}
    }
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

/// Each source's validators, as the state holds them.
#[derive(Debug, Default)]
pub struct KnownValidators(std::collections::HashMap<(String, String), Validators>);

impl KnownValidators {
    /// The validators of `source` when its feed is still at `url` (a
    /// source whose URL changed is fetched whole).
    pub fn take(&mut self, source: &str, url: &str) -> Validators {
        self.0.remove(&(source.to_string(), url.to_string())).unwrap_or_default()
    }
}

pub struct Store {
    conn: Connection,
    db_path: PathBuf,
    posts_dir: PathBuf,
    /// Fingerprints of the lower-cased names in `_posts/`: collisions are
    /// case-insensitive because a checkout may land on a case-insensitive
    /// filesystem. A fingerprint clash costs at most a needless `-2`.
    names: HashSet<u64>,
    /// Fingerprints of the identity keys written by this run. Fingerprints,
    /// not strings: these sets hold one entry per post and must stay small
    /// when a run writes tens of thousands.
    run_keys: HashSet<u64>,
    /// Raised by a signal: finish the post in hand, write no more.
    stop: Arc<AtomicBool>,
    /// Work [`Store::flush`] finishes (see `settle.rs`).
    settling: settle::Settling,
    _lock: lock::SiteLock,
}

impl Store {
    /// Lock the site (waiting up to `wait`), clean up after a killed run and
    /// bring the state in line with `_posts/`.
    pub fn open(site: &Path, wait: Duration) -> Result<Store, StoreError> {
        let state_dir = site.join(STATE_DIR);
        let posts_dir = site.join("_posts");
        for dir in [&state_dir, &posts_dir] {
            fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        }
        let lock = lock::SiteLock::acquire(site, &state_dir, wait)?;
        let db_path = state_dir.join("state.db");
        let conn = Connection::open(&db_path).map_err(|source| StoreError::Db { path: db_path.clone(), source })?;
        let mut store = Store {
            conn,
            db_path,
            posts_dir,
            names: HashSet::new(),
            run_keys: HashSet::new(),
            stop: Arc::default(),
            settling: settle::Settling::default(),
            _lock: lock,
        };
        store.migrate()?;
        store.remove_temporaries()?;
        reconcile::run(&mut store, site)?;
        Ok(store)
    }

    fn db<T>(&self, r: rusqlite::Result<T>) -> Result<T, StoreError> {
        r.map_err(|source| StoreError::Db { path: self.db_path.clone(), source })
    }

    fn migrate(&self) -> Result<(), StoreError> {
        // A checkpoint every 10,000 pages rather than 1,000: a run writing
        // thousands of posts checkpointed dozens of times, each two fsyncs
        // and a copy of every page changed since the last: on a disk, an
        // eighth of a run of 2,000 small feeds. The WAL (up to 40 MB
        // meanwhile) goes when the run closes the database.
        self.db(self.conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 10000;
             PRAGMA wal_autocheckpoint = 10000;
             CREATE TABLE IF NOT EXISTS posts (
                 file TEXT PRIMARY KEY,
                 source TEXT,
                 link TEXT,
                 written_at INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS keys (
                 key TEXT PRIMARY KEY,
                 file TEXT NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS journal (
                 batch INTEGER PRIMARY KEY,
                 entries TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS sources (
                 name TEXT PRIMARY KEY,
                 url TEXT,
                 etag TEXT,
                 last_modified TEXT,
                 last_success INTEGER,
                 last_error TEXT,
                 last_error_at INTEGER,
                 failures INTEGER NOT NULL DEFAULT 0
             );
             PRAGMA user_version = 1;",
        ))?;
        // Added after the first release: older state files gain the column.
        let has_kind: bool = self.db(self.conn.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('sources') WHERE name = 'last_error_kind'",
            [],
            |r| r.get::<_, i64>(0),
        ))? > 0;
        if !has_kind {
            self.db(self.conn.execute("ALTER TABLE sources ADD COLUMN last_error_kind TEXT", []))?;
        }
        Ok(())
    }

    /// Remove temporary files: left by a killed run at start, or by a
    /// stopped one (posts staged but never named).
    pub fn remove_temporaries(&self) -> Result<(), StoreError> {
        let entries =
            fs::read_dir(&self.posts_dir).map_err(|source| StoreError::Io { path: self.posts_dir.clone(), source })?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let path = entry.path();
                tracing::info!(path = %path.display(), "removing a temporary file left by a killed run");
                fs::remove_file(&path).map_err(|source| StoreError::Io { path, source })?;
            }
        }
        Ok(())
    }

    /// Stop writing (after the post in hand) once `flag` is raised.
    pub fn stop_on(&mut self, flag: Arc<AtomicBool>) {
        self.stop = flag;
    }

    pub fn posts_dir(&self) -> &Path {
        &self.posts_dir
    }

    /// A handle for workers to stage rendered posts.
    pub fn stager(&self) -> Stager {
        Stager { posts_dir: self.posts_dir.clone(), pid: std::process::id() }
    }

    /// Whether any of `keys` is already in the archive.
    pub fn is_known(&self, keys: &Keys) -> Result<bool, StoreError> {
        let mut stmt = self.db(self.conn.prepare_cached("SELECT 1 FROM keys WHERE key = ?1"))?;
        for key in &keys.0 {
            if self.db(stmt.query_row([key], |_| Ok(())).optional())?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.db_path.clone();
        let db = |source| StoreError::Db { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(db)?;
        let value = f(&tx).map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(value)
    }

    /// The first free name among `name`, `name-2`, `name-3`, … (case-insensitively).
    fn reserve_name(&mut self, name: &str) -> String {
        let mut n = 1;
        loop {
            let candidate = crate::post::with_suffix(name, n);
            if self.names.insert(fingerprint(&candidate.to_lowercase())) {
                return candidate;
            }
            n += 1;
        }
    }

    /// The validators to send for each source, by name and feed URL: read
    /// at once, as a run asks for every source's before it starts (one
    /// query each took longer than the rest of the start).
    pub fn validators(&self) -> Result<KnownValidators, StoreError> {
        let mut stmt = self.db(self.conn.prepare("SELECT name, url, etag, last_modified FROM sources"))?;
        let rows = self.db(stmt.query_map([], |r| {
            Ok(((r.get(0)?, r.get(1)?), Validators { etag: r.get(2)?, last_modified: r.get(3)? }))
        }))?;
        let mut all = KnownValidators::default();
        for row in rows {
            let (key, v): ((String, Option<String>), Validators) = self.db(row)?;
            if let (name, Some(url)) = key {
                all.0.insert((name, url), v);
            }
        }
        Ok(all)
    }

    /// Number of posts the state knows (for reports and tests).
    pub fn post_count(&self) -> Result<u64, StoreError> {
        self.db(self.conn.query_row("SELECT COUNT(*) FROM posts", [], |r| r.get(0)))
    }
}
