//! The history of every re-check, kept in the archive as files that are
//! only ever added: `_changes/YYYY/MM/<run id>.jsonl`, one observation a
//! line, and `_changes/texts/YYYY/MM/<run id>.jsonl`, each distinct article
//! text once by its hash. Two machines pushing at once add different files,
//! so their pushes never conflict.
//!
//! `.newsmirror/changes.db` indexes them (and is rebuilt from them when
//! lost, as in a fresh clone): each file is read from where the last
//! ingest stopped, whole lines only, so a file still being written is
//! taken in as it grows.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::state::{Fact, Kind, PostState};

pub const CHANGES_DIR: &str = "_changes";

/// Every observation, each post's in time order. Only the order within a
/// post matters to a fold; this one is the `obs_by_post` index's, so
/// SQLite sorts nothing.
const BY_POST: &str = "SELECT json FROM obs ORDER BY post, at, path, line";
const TEXTS_DIR: &str = "texts";

/// One observation of one article, as its line in a run file says it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The post file, relative to the site: `_posts/2024-05-01-x.md`.
    pub post: String,
    pub source: String,
    /// Seconds since the epoch.
    pub at: i64,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The URL the answer came from, after redirects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// SHA-256 of the article's normalised text; absent on a 304.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extractor: Option<String>,
    /// First capture, on the first observation of a post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured: Option<i64>,
    /// The hash of the post's own text when that is the baseline (the
    /// post's text came from the page), on the first observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `WARC-Record-ID` of the response record, with `evidence = "warc"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc: Option<String>,
}

impl Observation {
    /// The run that wrote `post` from its article page at `at`, whose text
    /// hashed to `hash`: the baseline of the first re-check.
    pub fn captured(post: String, source: String, at: i64, hash: String) -> Observation {
        Observation {
            post,
            source,
            at,
            kind: Kind::Captured,
            status: None,
            url: None,
            hash: Some(hash),
            extractor: Some(super::EXTRACTOR_VERSION.to_string()),
            captured: Some(at),
            baseline: None,
            etag: None,
            last_modified: None,
            reason: None,
            warc: None,
        }
    }

    /// What was found, to be judged again when the history is folded.
    pub fn fact(&self) -> Fact {
        match (self.kind, &self.hash) {
            (Kind::Unchanged | Kind::Edited | Kind::Restored | Kind::Captured, Some(h)) => {
                Fact::Present { hash: h.clone(), extractor: self.extractor.clone().unwrap_or_default() }
            }
            (Kind::Unchanged | Kind::Edited | Kind::Restored | Kind::Captured, None) => Fact::NotModified,
            (Kind::Missing | Kind::Deleted, _) => Fact::Gone,
            (Kind::Blocked, _) => Fact::Blocked,
            (Kind::Unreachable, _) => Fact::Unreachable,
        }
    }

    /// Take this observation into `state`; the kind it comes to.
    pub fn fold_into(&self, state: &mut PostState, confirm_after: i64) -> Kind {
        if state.source.is_empty() {
            state.source = self.source.clone();
        }
        if state.captured.is_none() {
            state.captured = self.captured;
        }
        // A capture sets the baseline only: it is no check, so neither the
        // schedule nor the totals count it.
        if self.kind == Kind::Captured {
            if let Some(h) = &self.hash {
                state.capture_baseline(h, self.extractor.as_deref().unwrap_or_default(), self.at);
            }
            return Kind::Captured;
        }
        if let Some(b) = &self.baseline {
            let x = self.extractor.as_deref().unwrap_or_default();
            state.capture_baseline(b, x, self.captured.unwrap_or(self.at));
        }
        let mut kind = state.apply(&self.fact(), self.at, confirm_after);
        // A deletion a run confirmed stays confirmed, whatever the
        // confirm_after of whoever folds the history now.
        if self.kind == Kind::Deleted && kind == Kind::Missing {
            if let super::state::Gone::Missing { since } = state.gone {
                state.gone = super::state::Gone::Deleted { since };
            }
            kind = Kind::Deleted;
            state.last_kind = Some(kind);
        }
        if matches!(self.fact(), Fact::Present { .. } | Fact::NotModified)
            && (self.etag.is_some() || self.last_modified.is_some() || self.hash.is_some())
        {
            state.etag = self.etag.clone();
            state.last_modified = self.last_modified.clone();
        }
        kind
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("change index {path}: {source}")]
    Db { path: PathBuf, source: rusqlite::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HistoryError + '_ {
    move |source| HistoryError::Io { path: path.to_path_buf(), source }
}

/// The index of `_changes/` in `.newsmirror/changes.db`.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    site: PathBuf,
}

impl Index {
    /// Open the index and take in whatever `_changes/` gained since.
    pub fn open(site: &Path) -> Result<Index, HistoryError> {
        let dir = site.join(crate::store::STATE_DIR);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join("changes.db");
        let index = match Index::connect(site, &path) {
            Ok(i) => i,
            Err(e) => {
                // A cache: when it cannot be read, start it again from the files.
                tracing::warn!(error = %e, "change index unreadable; rebuilding it from _changes/");
                let _ = fs::remove_file(&path);
                Index::connect(site, &path)?
            }
        };
        index.ingest()?;
        Ok(index)
    }

    fn connect(site: &Path, path: &Path) -> Result<Index, HistoryError> {
        let db = |source| HistoryError::Db { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(db)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 10000;
             CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, offset INTEGER NOT NULL) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS obs (
                 path TEXT NOT NULL, line INTEGER NOT NULL, post TEXT NOT NULL, at INTEGER NOT NULL,
                 json TEXT NOT NULL, PRIMARY KEY (path, line)) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS obs_by_post ON obs (post, at);
             CREATE TABLE IF NOT EXISTS texts (hash TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS heads (
                 rel TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, from_url TEXT,
                 source TEXT NOT NULL, date INTEGER NOT NULL) WITHOUT ROWID;",
        )
        .map_err(db)?;
        Ok(Index { conn, path: path.to_path_buf(), site: site.to_path_buf() })
    }

    fn db<T>(&self, r: rusqlite::Result<T>) -> Result<T, HistoryError> {
        r.map_err(|source| HistoryError::Db { path: self.path.clone(), source })
    }

    /// Read new whole lines of every file under `_changes/`.
    pub fn ingest(&self) -> Result<(), HistoryError> {
        for file in files(&self.site) {
            let rel = file.strip_prefix(&self.site).unwrap_or(&file).to_string_lossy().replace('\\', "/");
            let done: i64 = self
                .db(self.conn.query_row("SELECT offset FROM files WHERE path = ?1", [&rel], |r| r.get(0)).optional())?
                .unwrap_or(0);
            let len = fs::metadata(&file).map(|m| m.len() as i64).unwrap_or(0);
            if len == done {
                continue;
            }
            let start = if len < done { 0 } else { done };
            let mut f = fs::File::open(&file).map_err(io(&file))?;
            f.seek(SeekFrom::Start(start as u64)).map_err(io(&file))?;
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).map_err(io(&file))?;
            // Whole lines only: the rest is a run still writing, or cut short.
            let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let is_texts = rel.starts_with(&format!("{CHANGES_DIR}/{TEXTS_DIR}/"));
            let tx = self.db(self.conn.unchecked_transaction())?;
            if start == 0 {
                self.db(tx.execute("DELETE FROM obs WHERE path = ?1", [&rel]))?;
            }
            // Prepared once: parsing the SQL again per line cost more than
            // the inserts themselves.
            let mut add_text = self.db(tx.prepare_cached("INSERT OR IGNORE INTO texts (hash, text) VALUES (?1, ?2)"))?;
            let mut add_obs = self.db(tx.prepare_cached(
                "INSERT OR IGNORE INTO obs (path, line, post, at, json) VALUES (?1, ?2, ?3, ?4, ?5)",
            ))?;
            let mut offset = start;
            for line in bytes[..whole].split_inclusive(|b| *b == b'\n') {
                let at_line = offset;
                offset += line.len() as i64;
                let text = String::from_utf8_lossy(line);
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                if is_texts {
                    match serde_json::from_str::<StoredText>(text) {
                        Ok(t) => {
                            self.db(add_text.execute(params![t.hash, t.text]))?;
                        }
                        Err(e) => {
                            tracing::warn!(file = %rel, offset = at_line, error = %e, "unreadable text line skipped")
                        }
                    }
                    continue;
                }
                match serde_json::from_str::<Observation>(text) {
                    Ok(o) => {
                        self.db(add_obs.execute(params![rel, at_line, o.post, o.at, text]))?;
                    }
                    Err(e) => {
                        tracing::warn!(file = %rel, offset = at_line, error = %e, "unreadable observation skipped")
                    }
                }
            }
            drop((add_text, add_obs));
            self.db(tx.execute(
                "INSERT OR REPLACE INTO files (path, offset) VALUES (?1, ?2)",
                params![rel, start + whole as i64],
            ))?;
            self.db(tx.commit())?;
        }
        Ok(())
    }

    /// Every post's state, folded from its observations in time order.
    /// `confirm_after` gives a source's confirmation delay in seconds.
    pub fn states(&self, confirm_after: &dyn Fn(&str) -> i64) -> Result<HashMap<String, PostState>, HistoryError> {
        let mut out: HashMap<String, PostState> = HashMap::new();
        // Folded as the rows come, a post at a time (they come by post), so
        // memory follows the posts, not the length of their history.
        let mut stmt = self.db(self.conn.prepare(BY_POST))?;
        let mut rows = self.db(stmt.query([]))?;
        let mut current: Option<(String, PostState)> = None;
        while let Some(row) = self.db(rows.next())? {
            let Some(json) = row.get_ref(0).ok().and_then(|v| v.as_str().ok()) else { continue };
            let Ok(o) = serde_json::from_str::<Observation>(json) else { continue };
            if current.as_ref().is_none_or(|(post, _)| *post != o.post) {
                if let Some((post, state)) = current.take() {
                    out.insert(post, state);
                }
                let state = out.remove(&o.post).unwrap_or_default();
                current = Some((o.post.clone(), state));
            }
            if let Some((_, state)) = current.as_mut() {
                o.fold_into(state, confirm_after(&o.source));
            }
        }
        if let Some((post, state)) = current {
            out.insert(post, state);
        }
        Ok(out)
    }

    /// Every observation, each post's oldest first.
    pub fn observations(&self) -> Result<Vec<Observation>, HistoryError> {
        let mut stmt = self.db(self.conn.prepare(BY_POST))?;
        let rows = self.db(stmt.query_map([], |r| r.get::<_, String>(0)))?;
        Ok(rows.flatten().filter_map(|j| serde_json::from_str(&j).ok()).collect())
    }

    /// The post heads read by earlier runs (see [`super::targets::Head`]).
    pub fn heads(&self) -> Result<HashMap<String, super::targets::Head>, HistoryError> {
        let mut stmt = self.db(self.conn.prepare("SELECT rel, size, mtime, from_url, source, date FROM heads"))?;
        let rows = self.db(stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                super::targets::Head {
                    size: r.get(1)?,
                    mtime: r.get(2)?,
                    from: r.get(3)?,
                    source: r.get(4)?,
                    date: r.get(5)?,
                },
            ))
        }))?;
        Ok(rows.flatten().collect())
    }

    /// Keep heads read afresh. Those of removed posts stay: a few bytes each,
    /// never read again unless a post comes back at the same path.
    pub fn save_heads(&self, heads: &[(String, super::targets::Head)]) -> Result<(), HistoryError> {
        if heads.is_empty() {
            return Ok(());
        }
        let tx = self.db(self.conn.unchecked_transaction())?;
        {
            let mut add = self.db(tx.prepare_cached(
                "INSERT OR REPLACE INTO heads (rel, size, mtime, from_url, source, date) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            ))?;
            for (rel, h) in heads {
                self.db(add.execute(params![rel, h.size, h.mtime, h.from, h.source, h.date]))?;
            }
        }
        self.db(tx.commit())
    }

    pub fn known_texts(&self) -> Result<HashSet<String>, HistoryError> {
        let mut stmt = self.db(self.conn.prepare("SELECT hash FROM texts"))?;
        let rows = self.db(stmt.query_map([], |r| r.get::<_, String>(0)))?;
        Ok(rows.flatten().collect())
    }

    pub fn text(&self, hash: &str) -> Option<String> {
        self.conn.query_row("SELECT text FROM texts WHERE hash = ?1", [hash], |r| r.get(0)).optional().ok()?
    }
}

#[derive(Serialize, Deserialize)]
struct StoredText {
    hash: String,
    text: String,
}

/// The history files under `_changes/`, sorted: everything the index and
/// the site's change pages are made from.
pub fn files(site: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(&site.join(CHANGES_DIR), &mut files);
    files.sort();
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&path, out),
            Ok(t) if t.is_file() && path.extension().is_some_and(|x| x == "jsonl") => out.push(path),
            _ => {}
        }
    }
}

/// A run id that two machines starting at the same second do not share.
pub fn run_id(now: DateTime<Utc>) -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let seed = format!("{nanos}-{}-{:?}", std::process::id(), std::thread::current().id());
    let tag = super::classify::hex(&Sha256::digest(seed.as_bytes())[..4]);
    format!("{}-{tag}", now.format("%Y%m%dT%H%M%SZ"))
}

/// The files of one run, written as it goes.
pub struct RunWriter {
    site: PathBuf,
    obs_path: PathBuf,
    texts_path: PathBuf,
    obs: Option<BufWriter<fs::File>>,
    texts: Option<fs::File>,
    known: HashSet<String>,
    pub written: usize,
}

impl RunWriter {
    pub fn new(site: &Path, run_id: &str, now: DateTime<Utc>, known: HashSet<String>) -> RunWriter {
        let month = now.format("%Y/%m").to_string();
        let changes = site.join(CHANGES_DIR);
        RunWriter {
            site: site.to_path_buf(),
            obs_path: changes.join(&month).join(format!("{run_id}.jsonl")),
            texts_path: changes.join(TEXTS_DIR).join(&month).join(format!("{run_id}.jsonl")),
            obs: None,
            texts: None,
            known,
            written: 0,
        }
    }

    /// Keep `text` under its hash unless some run already did. Written and
    /// flushed before the observation that names it.
    pub fn store_text(&mut self, hash: &str, text: &str) -> Result<(), HistoryError> {
        if self.known.contains(hash) {
            return Ok(());
        }
        if self.texts.is_none() {
            self.texts = Some(open_append(&self.texts_path)?);
        }
        let mut line = serde_json::to_string(&StoredText { hash: hash.into(), text: text.into() }).unwrap_or_default();
        line.push('\n');
        if let Some(f) = self.texts.as_mut() {
            f.write_all(line.as_bytes()).map_err(io(&self.texts_path))?;
        }
        self.known.insert(hash.to_string());
        Ok(())
    }

    pub fn write(&mut self, o: &Observation) -> Result<(), HistoryError> {
        if self.obs.is_none() {
            self.obs = Some(BufWriter::with_capacity(64 * 1024, open_append(&self.obs_path)?));
        }
        let mut line = serde_json::to_string(o).unwrap_or_default();
        line.push('\n');
        if let Some(w) = self.obs.as_mut() {
            w.write_all(line.as_bytes()).map_err(io(&self.obs_path))?;
        }
        self.written += 1;
        Ok(())
    }

    /// Flush and sync; the files this run added, relative to the site.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, HistoryError> {
        let mut files = Vec::new();
        if let Some(mut w) = self.obs.take() {
            w.flush().map_err(io(&self.obs_path))?;
            w.get_ref().sync_all().map_err(io(&self.obs_path))?;
            files.push(self.obs_path.clone());
        }
        if let Some(f) = self.texts.take() {
            f.sync_all().map_err(io(&self.texts_path))?;
            files.push(self.texts_path.clone());
        }
        Ok(files.into_iter().map(|p| p.strip_prefix(&self.site).map(Path::to_path_buf).unwrap_or(p)).collect())
    }
}

fn open_append(path: &Path) -> Result<fs::File, HistoryError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    fs::OpenOptions::new().create(true).append(true).open(path).map_err(io(path))
}
