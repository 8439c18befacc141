//! The captured page texts of a run's posts, recorded as they are written.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::recheck;
use crate::store as store_mod;

/// The run's record of which posts were made from their article pages,
/// as observations of kind `captured` in `_changes/`: the baseline a
/// re-check compares with, kept where a fresh clone finds it.
pub struct Captures {
    site: PathBuf,
    run_id: String,
    at: i64,
    writer: Option<recheck::history::RunWriter>,
    now: DateTime<Utc>,
    failed: bool,
}

impl Captures {
    pub fn new(site: &std::path::Path, run_id: &str, now: DateTime<Utc>) -> Captures {
        Captures {
            site: site.to_path_buf(),
            run_id: run_id.to_string(),
            at: now.timestamp(),
            writer: None,
            now,
            failed: false,
        }
    }

    /// Record the captures of posts just written; their paths.
    pub fn record(&mut self, source: &str, written: Vec<(PathBuf, Option<store_mod::Capture>)>) -> Vec<PathBuf> {
        let mut paths = Vec::with_capacity(written.len());
        for (path, capture) in written {
            if let Some(c) = capture
                && !self.failed
            {
                let rel = path.strip_prefix(&self.site).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                let (site, run_id, now) = (&self.site, &self.run_id, self.now);
                // Texts of new articles are new: the run does not read the
                // history for the ones already kept (a repeat costs a line).
                let writer = self
                    .writer
                    .get_or_insert_with(|| recheck::history::RunWriter::new(site, run_id, now, Default::default()));
                let mut obs = recheck::Observation::captured(rel, source.to_string(), self.at, c.hash.clone());
                obs.warc = c.warc.clone();
                if let Err(e) = writer.store_text(&c.hash, &c.text).and_then(|()| writer.write(&obs)) {
                    // The post stands; its first re-check takes the baseline instead.
                    tracing::warn!(error = %e, "could not record the captured text; re-checks will take their own baseline");
                    self.failed = true;
                }
            }
            paths.push(path);
        }
        paths
    }

    /// Flush the files; those added, relative to the site.
    pub fn finish(&mut self) -> Vec<PathBuf> {
        match self.writer.take().map(recheck::history::RunWriter::finish) {
            Some(Ok(files)) => files,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "could not record the captured texts");
                Vec::new()
            }
            None => Vec::new(),
        }
    }
}
