//! The second half of writing posts, done for a group of sources at once.
//!
//! A write batch's journal entry goes only after `_posts/` is synced, and
//! sources' fetch results (validators, failures) need a transaction of
//! their own. Doing both per source cost two commits and a directory
//! `fsync` for each one: for a run of 2,000 small feeds, more than the
//! posts themselves. [`Store::flush`] does them for every source written
//! since the last flush: one directory sync, one transaction. A kill
//! before the flush leaves journal entries that the next start resolves by
//! looking for their files (`reconcile.rs`), and loses only the sources'
//! validators, so their feeds are fetched whole once more.

use super::{JournalEntry, Store, StoreError, fingerprint, forget, sync_dir};
use crate::fetch::Validators;

#[derive(Default)]
pub(super) struct Settling {
    /// Journal entries whose renames are done, with the posts of each that
    /// never reached their names (to forget).
    batches: Vec<(i64, Vec<JournalEntry>)>,
    /// Renames into `_posts/` not yet made durable.
    dir_dirty: bool,
    records: Vec<Record>,
}

impl Settling {
    pub(super) fn settle(&mut self, batch: i64, renamed: bool, undone: Vec<JournalEntry>) {
        self.dir_dirty |= renamed;
        self.batches.push((batch, undone));
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
        self.settling.records.push(Record::Success { source, url, validators });
    }

    /// Record a failure of `kind` ([`crate::pipeline::Failure::kind`]) and
    /// its cause, so they outlive the log, at the next [`Store::flush`].
    pub fn record_failure(&mut self, source: &str, url: &str, kind: &str, error: &str) {
        let (source, url, kind, error) = (source.to_string(), url.to_string(), kind.to_string(), error.to_string());
        self.settling.records.push(Record::Failure { source, url, kind, error });
    }

    /// Make the renames since the last flush durable, then close their
    /// journal entries and record the sources' results in one transaction.
    /// On an error the entries stay open for the next start to resolve.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        if self.settling.dir_dirty {
            sync_dir(&self.posts_dir).map_err(|source| StoreError::Io { path: self.posts_dir.clone(), source })?;
            self.settling.dir_dirty = false;
        }
        let batches = std::mem::take(&mut self.settling.batches);
        let records = std::mem::take(&mut self.settling.records);
        if batches.is_empty() && records.is_empty() {
            return Ok(());
        }
        let now = chrono::Utc::now().timestamp();
        self.in_transaction(|tx| {
            for (batch, undone) in &batches {
                for entry in undone {
                    forget(tx, entry)?;
                }
                tx.prepare_cached("DELETE FROM journal WHERE batch = ?1")?.execute([batch])?;
            }
            for record in &records {
                record.apply(tx, now)?;
            }
            Ok(())
        })?;
        // Names and keys of posts that never arrived are free again only
        // now: freed earlier, a later source could take a name whose rows
        // the forgetting above would then delete.
        for entry in batches.iter().flat_map(|(_, undone)| undone) {
            self.names.remove(&fingerprint(&entry.file.to_lowercase()));
            for k in &entry.keys {
                self.run_keys.remove(&fingerprint(k));
            }
        }
        Ok(())
    }
}

impl Record {
    fn apply(&self, tx: &rusqlite::Transaction, now: i64) -> rusqlite::Result<()> {
        use rusqlite::params;
        match self {
            Record::Success { source, url, validators } => {
                tx.prepare_cached(
                    "INSERT INTO sources (name, url, last_success, failures) VALUES (?1, ?2, ?3, 0)
                     ON CONFLICT(name) DO UPDATE SET url = ?2, last_success = ?3, failures = 0",
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
                     ON CONFLICT(name) DO UPDATE SET url = ?2, last_error = ?3, last_error_kind = ?4, last_error_at = ?5, failures = failures + 1",
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
