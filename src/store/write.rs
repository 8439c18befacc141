//! Naming staged posts and putting them in place, for a group of sources
//! at once: each source's posts are named in config order ([`Store::plan`]),
//! the intent of the whole group is recorded in one transaction
//! ([`Store::begin`]), then each source's files are renamed in the same
//! order ([`Store::put_in_place`]). One commit per source cost more than
//! its posts' files in a run of 2,000 small feeds; a group is whatever
//! finished while the previous one was written, so it grows only when the
//! writer falls behind.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use rusqlite::params;

use super::settle::Settled;
use super::{Capture, JournalEntry, Staged, Store, StoreError, discard, fingerprint, rename_noreplace};

/// The named posts of the sources of one group, in config order, before
/// their intent is recorded.
#[derive(Default)]
pub struct Batch {
    plans: Vec<Plan>,
}

/// One source's posts and their names, in feed order.
struct Plan {
    source: String,
    posts: Vec<(Staged, String)>,
}

impl Batch {
    /// Whether a post of this group has any of `keys`: the database does
    /// not know them until [`Store::begin`].
    fn holds(&self, keys: &[String]) -> bool {
        self.plans.iter().flat_map(|p| &p.posts).any(|(p, _)| p.keys.0.iter().any(|k| keys.contains(k)))
    }

    fn discard(self) {
        discard(self.plans.into_iter().flat_map(|p| p.posts).map(|(p, _)| p));
    }
}

/// A group whose intent is recorded, its sources' files being renamed.
pub struct Placing {
    batch: Option<i64>,
    entries: Vec<JournalEntry>,
    placed: Vec<bool>,
    /// Index in `entries` of the next plan's first post.
    next: usize,
    plans: VecDeque<Plan>,
}

impl Store {
    /// Name the staged `posts` of one source, in order, after the sources
    /// already in `batch`; items already known (or repeated within the
    /// group) are skipped and their files removed. `checked` says the
    /// caller has already dropped the items the database knew when this
    /// run started (see [`super::KeyReader`]), so only this run's own
    /// writes need checking here. Sources are planned in config order, so
    /// names collide as FORMAT.md says whichever source finished first. On
    /// an error the source's files are removed and `batch` is unchanged.
    pub fn plan(
        &mut self,
        batch: &mut Batch,
        source: &str,
        posts: Vec<Staged>,
        checked: bool,
    ) -> Result<(), StoreError> {
        let mut planned: Vec<(Staged, String)> = Vec::new();
        let mut skipped = Vec::new();
        let mut posts = posts.into_iter();
        while let Some(post) = posts.next() {
            // A fingerprint hit is confirmed exactly (this source, the
            // group, then the database), so a 64-bit collision can never
            // drop an item.
            let maybe_seen = post.keys.0.iter().any(|k| self.run_keys.contains(&fingerprint(k)));
            let in_group = || {
                planned.iter().any(|(p, _)| p.keys.0.iter().any(|k| post.keys.0.contains(k)))
                    || batch.holds(&post.keys.0)
            };
            let seen = if maybe_seen && in_group() {
                Ok(true)
            } else if maybe_seen || !checked {
                self.is_known(&post.keys)
            } else {
                Ok(false)
            };
            match seen {
                Ok(true) => skipped.push(post),
                Ok(false) => {
                    self.run_keys.extend(post.keys.0.iter().map(|k| fingerprint(k)));
                    let name = self.reserve_name(&post.name);
                    planned.push((post, name));
                }
                Err(e) => {
                    discard(
                        std::iter::once(post).chain(posts).chain(skipped).chain(planned.into_iter().map(|(p, _)| p)),
                    );
                    return Err(e);
                }
            }
        }
        discard(skipped);
        batch.plans.push(Plan { source: source.to_string(), posts: planned });
        Ok(())
    }

    /// Record the intent of every source of `batch` in one transaction: a
    /// journal entry naming their files and keys, and their rows. A kill
    /// after this commit leaves the entry for the next start to resolve by
    /// looking for the files. On an error every file of the group is
    /// removed.
    pub fn begin(&mut self, batch: Batch) -> Result<Placing, StoreError> {
        let entries: Vec<JournalEntry> = batch
            .plans
            .iter()
            .flat_map(|p| &p.posts)
            .map(|(post, name)| JournalEntry { file: name.clone(), keys: post.keys.0.clone() })
            .collect();
        let placing = |batch_id, plans: Vec<Plan>, entries: Vec<JournalEntry>| Placing {
            batch: batch_id,
            placed: vec![false; entries.len()],
            entries,
            next: 0,
            plans: plans.into(),
        };
        if entries.is_empty() {
            return Ok(placing(None, batch.plans, entries));
        }
        // The groups before this one are settled in its transaction: one
        // commit a group rather than two.
        let settled = self.take_settled().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not make the last posts' names durable; will try again");
            Settled::default()
        });
        let journal = serde_json::to_string(&entries).unwrap_or_default();
        let now = chrono::Utc::now().timestamp();
        let id = self.in_transaction(|tx| {
            settled.apply(tx, now)?;
            tx.prepare_cached("INSERT INTO journal (entries) VALUES (?1)")?.execute([&journal])?;
            let id = tx.last_insert_rowid();
            let mut add_post = tx.prepare_cached(
                "INSERT OR REPLACE INTO posts (file, source, link, written_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut add_key = tx.prepare_cached("INSERT OR IGNORE INTO keys (key, file) VALUES (?1, ?2)")?;
            for plan in &batch.plans {
                for (post, name) in &plan.posts {
                    add_post.execute(params![name, plan.source, post.link, now])?;
                    for key in &post.keys.0 {
                        add_key.execute(params![key, name])?;
                    }
                }
            }
            Ok(id)
        });
        match id {
            Ok(id) => {
                self.settled(settled);
                Ok(placing(Some(id), batch.plans, entries))
            }
            Err(e) => {
                // The groups before keep waiting for the next transaction.
                self.unsettled(settled);
                batch.discard();
                Err(e)
            }
        }
    }

    /// Rename the files of the group's next source (in the order of
    /// [`Store::plan`]) into place, in order, until a signal stops the
    /// run. Returns the paths written, each with its [`Capture`]; every
    /// file of the source is either renamed or removed.
    pub fn put_in_place(&mut self, placing: &mut Placing) -> Result<Vec<(PathBuf, Option<Capture>)>, StoreError> {
        let Some(plan) = placing.plans.pop_front() else { return Ok(Vec::new()) };
        let first = placing.next;
        placing.next += plan.posts.len();
        let mut written = Vec::with_capacity(plan.posts.len());
        let mut failure = None;
        let mut posts = plan.posts.into_iter();
        for (i, (post, name)) in posts.by_ref().enumerate() {
            if self.stop.load(Ordering::SeqCst) {
                discard(std::iter::once(post));
                break;
            }
            let dest = self.posts_dir.join(&name);
            match rename_noreplace(&post.tmp, &dest) {
                Ok(()) => {
                    placing.placed[first + i] = true;
                    written.push((dest, post.capture));
                }
                Err(source) => {
                    discard(std::iter::once(post));
                    failure = Some(StoreError::Io { path: dest, source });
                    break;
                }
            }
        }
        discard(posts.map(|(p, _)| p));
        match failure {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }

    /// Finish a group: the files of sources not put in place (a stopped
    /// run) are removed, and the journal entry is closed with the next
    /// group's intent or at a [`Store::flush`], forgetting the posts that
    /// never reached their names.
    pub fn end(&mut self, placing: Placing) {
        let Placing { batch, entries, placed, plans, .. } = placing;
        discard(plans.into_iter().flat_map(|p| p.posts).map(|(p, _)| p));
        let Some(batch) = batch else { return };
        let renamed = placed.iter().any(|&p| p);
        let undone: Vec<JournalEntry> = entries.into_iter().zip(placed).filter(|(_, p)| !p).map(|(e, _)| e).collect();
        let forget_now = !undone.is_empty();
        self.settling.settle(batch, renamed, undone);
        // Posts that never reached their names (a failed rename, a stopped
        // run) are forgotten before the next group is planned: left to its
        // transaction, a later source's copy of such an item would be
        // skipped as known, then forgotten with it.
        if forget_now && let Err(e) = self.flush() {
            tracing::warn!(error = %e, "could not forget the posts that were not written; the next start will");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::{Keys, NewPost, Stager};

    fn staged(stager: &Stager, name: &str, key: &str) -> Staged {
        let keys = Keys(vec![key.to_string()]);
        let contents = "---\n---\n<div>x</div>\n".to_string();
        stager.stage(NewPost { keys, name: name.into(), contents, link: String::new(), capture: None }).unwrap()
    }

    fn files(site: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(site.join("_posts"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_item_a_later_source_of_the_same_group_repeats_is_written_once_and_names_follow_config_order() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let stager = store.stager();
        let mut batch = Batch::default();
        let a = vec![staged(&stager, "2024-01-01-x.md", "l\thttps://e.example/1")];
        store.plan(&mut batch, "A", a, true).unwrap();
        // Neither key is in the database yet: the group itself must catch
        // the repeat.
        let b = vec![
            staged(&stager, "2024-01-01-y.md", "l\thttps://e.example/1"),
            staged(&stager, "2024-01-01-x.md", "l\thttps://e.example/2"),
        ];
        store.plan(&mut batch, "B", b, true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        let a = store.put_in_place(&mut placing).unwrap();
        let b = store.put_in_place(&mut placing).unwrap();
        store.end(placing);
        store.flush().unwrap();
        assert_eq!((a.len(), b.len()), (1, 1));
        assert!(b[0].0.ends_with("2024-01-01-x-2.md"), "{:?}", b[0].0);
        assert_eq!(files(site.path()), ["2024-01-01-x-2.md", "2024-01-01-x.md"]);
        assert_eq!(store.post_count().unwrap(), 2);
    }

    #[test]
    fn a_source_of_a_group_not_put_in_place_leaves_no_file_and_no_row() {
        let site = tempfile::tempdir().unwrap();
        let mut store = Store::open(site.path(), Duration::from_secs(1)).unwrap();
        let stager = store.stager();
        let mut batch = Batch::default();
        store.plan(&mut batch, "A", vec![staged(&stager, "2024-01-01-a.md", "g\tA\t1")], true).unwrap();
        store.plan(&mut batch, "B", vec![staged(&stager, "2024-01-01-b.md", "g\tB\t1")], true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        store.put_in_place(&mut placing).unwrap();
        // A signal stopped the run before B.
        store.end(placing);
        store.flush().unwrap();
        assert_eq!(files(site.path()), ["2024-01-01-a.md"]);
        assert_eq!(store.post_count().unwrap(), 1);
        assert!(!store.is_known(&Keys(vec!["g\tB\t1".into()])).unwrap(), "B's item is fetched again");
        let mut batch = Batch::default();
        store.plan(&mut batch, "B", vec![staged(&stager, "2024-01-01-b.md", "g\tB\t1")], true).unwrap();
        let mut placing = store.begin(batch).unwrap();
        let b = store.put_in_place(&mut placing).unwrap();
        store.end(placing);
        assert!(b[0].0.ends_with("2024-01-01-b.md"), "its name is free again: {:?}", b[0].0);
    }
}
