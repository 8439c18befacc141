//! The second half of writing posts, done for many sources at once.
//!
//! A write batch's journal entry goes only after `_posts/` is synced, and
//! sources' fetch results (validators, failures) need a transaction. Doing
//! both per source cost two commits and a directory `fsync` for each one:
//! for a run of 2,000 small feeds, more than the posts themselves. So they
//! wait, and go in the transaction that records the next group's intent
//! ([`Store::begin`]), after one directory sync, or in their own at a
//! [`Store::flush`]: at the end of the run, or once they have waited
//! [`FLUSH_EVERY`]. A kill before that leaves journal entries that the next
//! start resolves by looking for their files (`reconcile.rs`), and loses
//! only the sources' validators, so their feeds are fetched whole once more.

use std::time::{Duration, Instant};

use super::{JournalEntry, Store, StoreError, fingerprint, forget, sync_dir};
use crate::fetch::Validators;

/// How long finished work may wait for the next group before it is
/// recorded on its own: what a kill can cost a long run (validators to
/// fetch again, journal entries to check at the next start).
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

#[derive(Default)]
pub(super) struct Settling {
    /// Journal entries whose renames are done, with the posts of each that
    /// never reached their names (to forget).
    batches: Vec<(i64, Vec<JournalEntry>)>,
    /// Renames into `_posts/` not yet made durable.
    dir_dirty: bool,
    records: Vec<Record>,
    /// When the oldest of this work was done.
    since: Option<Instant>,
}

impl Settling {
    pub(super) fn settle(&mut self, batch: i64, renamed: bool, undone: Vec<JournalEntry>) {
        self.dir_dirty |= renamed;
        self.batches.push((batch, undone));
        self.since.get_or_insert_with(Instant::now);
    }

    fn record(&mut self, record: Record) {
        self.records.push(record);
        self.since.get_or_insert_with(Instant::now);
    }
}

/// Work taken for one transaction: [`Settled::apply`] inside it, then
/// [`Store::settled`] once it is committed.
#[derive(Default)]
pub(super) struct Settled {
    batches: Vec<(i64, Vec<JournalEntry>)>,
    records: Vec<Record>,
}

impl Settled {
    /// Close the journal entries (forgetting the posts that never reached
    /// their names) and record the sources' results.
    pub(super) fn apply(&self, tx: &rusqlite::Transaction, now: i64) -> rusqlite::Result<()> {
        for (batch, undone) in &self.batches {
            for entry in undone {
                forget(tx, entry)?;
            }
            tx.prepare_cached("DELETE FROM journal WHERE batch = ?1")?.execute([batch])?;
        }
        for record in &self.records {
            record.apply(tx, now)?;
        }
        Ok(())
    }
}

enum Record {
    Success { source: String, url: String, validators: Option<Validators> },
    Failure { source: String, url: String, kind: String, error: String },
}

impl Store {
    /// Record a successful fetch (with the validators to send next time),
    /// at the next [`Store::flush`].
    pub fn record_success(&mut self, source: &str, url: &str, validators: Option<&Validators>) {
        let (source, url, validators) = (source.to_string(), url.to_string(), validators.cloned());
        self.settling.record(Record::Success { source, url, validators });
    }

    /// Record a failure of `kind` ([`crate::pipeline::Failure::kind`]) and
    /// its cause, so they outlive the log, at the next [`Store::flush`].
    pub fn record_failure(&mut self, source: &str, url: &str, kind: &str, error: &str) {
        let (source, url, kind, error) = (source.to_string(), url.to_string(), kind.to_string(), error.to_string());
        self.settling.record(Record::Failure { source, url, kind, error });
    }

    /// Make the renames since the last flush durable, then close their
    /// journal entries and record the sources' results in one transaction.
    /// On an error the entries stay open for the next start to resolve.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        let settled = self.take_settled()?;
        if settled.batches.is_empty() && settled.records.is_empty() {
            return Ok(());
        }
        let now = chrono::Utc::now().timestamp();
        match self.in_transaction(|tx| settled.apply(tx, now)) {
            Ok(()) => {
                self.settled(settled);
                Ok(())
            }
            Err(e) => {
                self.unsettled(settled);
                Err(e)
            }
        }
    }

    /// [`Store::flush`] when the oldest unrecorded work has waited
    /// [`FLUSH_EVERY`] for a group to go with.
    pub fn flush_if_due(&mut self) -> Result<(), StoreError> {
        match self.flush_due_at() {
            Some(due) if Instant::now() >= due => self.flush(),
            _ => Ok(()),
        }
    }

    /// The work to record, after making the renames durable (if they
    /// cannot be, it all waits).
    pub(super) fn take_settled(&mut self) -> Result<Settled, StoreError> {
        if self.settling.dir_dirty {
            sync_dir(&self.posts_dir).map_err(|source| StoreError::Io { path: self.posts_dir.clone(), source })?;
            self.settling.dir_dirty = false;
        }
        self.settling.since = None;
        let batches = std::mem::take(&mut self.settling.batches);
        let records = std::mem::take(&mut self.settling.records);
        Ok(Settled { batches, records })
    }

    /// Put back work whose transaction failed, ahead of what came since.
    pub(super) fn unsettled(&mut self, settled: Settled) {
        let Settled { mut batches, mut records } = settled;
        batches.append(&mut self.settling.batches);
        records.append(&mut self.settling.records);
        self.settling.batches = batches;
        self.settling.records = records;
        if !(self.settling.batches.is_empty() && self.settling.records.is_empty()) {
            self.settling.since.get_or_insert_with(Instant::now);
        }
    }

    /// When [`Store::flush_if_due`] will flush, if anything waits.
    pub fn flush_due_at(&self) -> Option<Instant> {
        self.settling.since.map(|since| since + FLUSH_EVERY)
    }

    /// After the transaction that applied `settled`: the names and keys of
    /// posts that never arrived are free again only now; freed earlier, a
    /// later source could take a name whose rows the forgetting would then
    /// delete.
    pub(super) fn settled(&mut self, settled: Settled) {
        for entry in settled.batches.iter().flat_map(|(_, undone)| undone) {
            self.names.remove(&fingerprint(&entry.file.to_lowercase()));
            for k in &entry.keys {
                self.run_keys.remove(&fingerprint(k));
            }
        }
    }
}

impl Record {
    fn apply(&self, tx: &rusqlite::Transaction, now: i64) -> rusqlite::Result<()> {
        use rusqlite::params;
        match self {
            Record::Success { source, url, validators } => {
                tx.prepare_cached(
                    "INSERT INTO sources (name, url, last_success, failures) VALUES (?1, ?2, ?3, 0)
                     ON CONFLICT(name) DO UPDATE SET url = ?2, last_success = ?3, failures = 0,
                         etag = iif(url = ?2, etag, NULL), last_modified = iif(url = ?2, last_modified, NULL)",
                )?
                .execute(params![source, url, now])?;
                if let Some(v) = validators {
                    tx.prepare_cached("UPDATE sources SET etag = ?2, last_modified = ?3 WHERE name = ?1")?
                        .execute(params![source, v.etag, v.last_modified])?;
                }
            }
            Record::Failure { source, url, kind, error } => {
                tx.prepare_cached(
                    "INSERT INTO sources (name, url, last_error, last_error_kind, last_error_at, failures) VALUES (?1, ?2, ?3, ?4, ?5, 1)
                     ON CONFLICT(name) DO UPDATE SET url = ?2, last_error = ?3, last_error_kind = ?4, last_error_at = ?5, failures = failures + 1,
                         etag = iif(url = ?2, etag, NULL), last_modified = iif(url = ?2, last_modified, NULL)",
                )?
                .execute(params![source, url, error, kind, now])?;
            }
        }
        Ok(())
    }
}

impl Drop for Store {
    /// A store dropped with work unflushed (an early return on an error)
    /// still closes what it can; what it cannot is resolved at next start.
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "could not record the end of the last writes; the next run will check them");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::{Batch, Keys, NewPost};

    fn group(store: &mut Store, source: &str, name: &str) {
        let stager = store.stager();
        let post = NewPost {
            keys: Keys(vec![format!("g\t{source}\t{name}")]),
            name: name.into(),
            contents: "---\n---\n<div>x</div>\n".into(),
            link: String::new(),
            capture: None,
        };
        let mut batch = Batch::default();
        store.plan(&mut batch, source, vec![stager.stage(post).unwrap()], true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        assert_eq!(store.put_in_place(&mut placing).unwrap().len(), 1);
        store.end(placing);
        store.record_success(source, &format!("https://{source}.example/feed"), None);
    }

    fn open_entries(store: &Store) -> i64 {
        store.conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap()
    }

    fn sources(store: &Store) -> i64 {
        store.conn.query_row("SELECT COUNT(*) FROM sources", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_group_settles_the_ones_before_it_and_a_flush_the_rest() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        group(&mut store, "a", "2024-01-01-a.md");
        assert_eq!((open_entries(&store), sources(&store)), (1, 0), "nothing settled before the next group");
        group(&mut store, "b", "2024-01-01-b.md");
        assert_eq!(
            (open_entries(&store), sources(&store)),
            (1, 1),
            "a's entry closed and its result kept with b's intent"
        );
        store.flush_if_due().unwrap();
        assert_eq!(open_entries(&store), 1, "not due yet");
        store.flush().unwrap();
        assert_eq!((open_entries(&store), sources(&store)), (0, 2));
    }

    #[test]
    fn a_source_gets_its_validators_back_only_for_the_url_they_came_from() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let v = Validators { etag: Some("\"v1\"".into()), last_modified: None };
        store.record_success("a", "https://a.example/feed", Some(&v));
        store.record_success("b", "https://b.example/feed", Some(&v));
        store.flush().unwrap();
        let mut known = store.validators().unwrap();
        assert_eq!(known.take("a", "https://a.example/feed"), v);
        assert_eq!(known.take("b", "https://b.example/moved"), Validators::default());
        assert_eq!(known.take("c", "https://c.example/feed"), Validators::default());
    }

    #[test]
    fn a_failed_transaction_keeps_the_earlier_groups_work_for_the_next() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        group(&mut store, "a", "2024-01-01-a.md");
        store
            .conn
            .execute_batch("CREATE TRIGGER t BEFORE INSERT ON journal BEGIN SELECT RAISE(FAIL, 'full'); END;")
            .unwrap();
        let post = NewPost {
            keys: Keys(vec!["g\tb\t1".into()]),
            name: "2024-01-01-b.md".into(),
            contents: "---\n---\n<div>x</div>\n".into(),
            link: String::new(),
            capture: None,
        };
        let mut batch = Batch::default();
        store.plan(&mut batch, "b", vec![store.stager().stage(post).unwrap()], true).unwrap();
        assert!(store.begin(batch).is_err());
        store.conn.execute_batch("DROP TRIGGER t;").unwrap();
        store.flush().unwrap();
        assert_eq!((open_entries(&store), sources(&store)), (0, 1), "a's entry closed and its result kept");
    }

    #[test]
    fn an_item_whose_rename_failed_is_written_by_a_later_source_of_the_same_run() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let stager = store.stager();
        let post = |name: &str| NewPost {
            keys: Keys(vec!["l\thttps://e.example/k".into()]),
            name: name.into(),
            contents: "---\n---\n<div>x</div>\n".into(),
            link: String::new(),
            capture: None,
        };
        let mut batch = Batch::default();
        store.plan(&mut batch, "A", vec![stager.stage(post("2024-01-01-k.md")).unwrap()], true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        // Someone else took the name between naming and renaming.
        std::fs::write(site.path().join("_posts/2024-01-01-k.md"), "not ours").unwrap();
        assert!(store.put_in_place(&mut placing).is_err());
        store.end(placing);
        let mut batch = Batch::default();
        store.plan(&mut batch, "B", vec![stager.stage(post("2024-01-01-k-b.md")).unwrap()], true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        assert_eq!(store.put_in_place(&mut placing).unwrap().len(), 1);
        store.end(placing);
        store.flush().unwrap();
        assert!(store.is_known(&Keys(vec!["l\thttps://e.example/k".into()])).unwrap());
    }

    #[test]
    fn a_source_whose_url_changed_keeps_no_validators_of_the_old_one() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let v =
            Validators { etag: Some("\"old\"".into()), last_modified: Some("Wed, 01 Jan 2031 00:00:00 GMT".into()) };
        store.record_success("a", "https://old.example/feed", Some(&v));
        store.record_success("b", "https://b.example/feed", Some(&v));
        store.flush().unwrap();
        // The config moved a to a new URL, whose first fetch failed; b failed
        // at its own URL.
        store.record_failure("a", "https://new.example/feed", "http", "HTTP 503");
        store.record_failure("b", "https://b.example/feed", "http", "HTTP 503");
        store.flush().unwrap();
        let mut known = store.validators().unwrap();
        assert_eq!(known.take("a", "https://new.example/feed"), Validators::default());
        assert_eq!(known.take("b", "https://b.example/feed"), v, "a failure at the same URL keeps them");
        store.record_success("a", "https://newer.example/feed", None);
        store.flush().unwrap();
        let row: (Option<String>, Option<String>) = store
            .conn
            .query_row("SELECT etag, last_modified FROM sources WHERE name = 'a'", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(row, (None, None));
    }
}
