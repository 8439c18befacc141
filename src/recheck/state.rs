//! What is known about one article's original, folded from its
//! observations in time order. The live run and a rebuild of the index from
//! `_changes/` go through the same [`PostState::apply`], so a fresh clone
//! reaches the same conclusions the machine that fetched did.

use serde::{Deserialize, Serialize};

/// What one observation found, before it is judged against the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    /// The article is there; its text hashes to `hash` under `extractor`.
    Present { hash: String, extractor: String },
    /// 304: the same bytes as the last time the validators came with.
    NotModified,
    /// 404, 410, a redirect to the home or a section page, a soft-404 page,
    /// an empty article.
    Gone,
    /// 451, a login or captcha wall.
    Blocked,
    /// DNS, connection, timeout, 5xx: says nothing about the article.
    Unreachable,
}

/// The classification of one observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Unchanged,
    Edited,
    Missing,
    Deleted,
    Blocked,
    Unreachable,
    Restored,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unchanged => "unchanged",
            Kind::Edited => "edited",
            Kind::Missing => "missing",
            Kind::Deleted => "deleted",
            Kind::Blocked => "blocked",
            Kind::Unreachable => "unreachable",
            Kind::Restored => "restored",
        }
    }
}

/// Whether the original is gone: first seen gone (`Missing`) and confirmed
/// by a second observation at least `confirm_after` later (`Deleted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Gone {
    #[default]
    No,
    Missing {
        since: i64,
    },
    Deleted {
        since: i64,
    },
}

/// One article's history, as far as the schedule, the totals and the site
/// need it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostState {
    pub source: String,
    /// First capture (seconds since the epoch), as the first observation
    /// recorded it.
    pub captured: Option<i64>,
    pub last_at: Option<i64>,
    pub last_kind: Option<Kind>,
    /// The text hash the first comparison starts from.
    pub baseline: Option<String>,
    /// The latest text hash seen.
    pub current: Option<String>,
    pub extractor: Option<String>,
    /// Each distinct text in order: the baseline, then one per edit.
    pub versions: Vec<(i64, String)>,
    pub edits: u32,
    pub gone: Gone,
    /// Came back after a confirmed deletion.
    pub restored: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub checks: u32,
}

impl PostState {
    /// Judge `fact`, seen at `at`, against the history and take it in.
    pub fn apply(&mut self, fact: &Fact, at: i64, confirm_after: i64) -> Kind {
        let kind = match fact {
            Fact::Present { hash, extractor } => self.present(hash, extractor, at),
            Fact::NotModified => {
                let was_deleted = matches!(self.gone, Gone::Deleted { .. });
                self.gone = Gone::No;
                if was_deleted {
                    self.restored = true;
                    Kind::Restored
                } else {
                    Kind::Unchanged
                }
            }
            Fact::Gone => {
                self.etag = None;
                self.last_modified = None;
                match self.gone {
                    Gone::Deleted { .. } => Kind::Deleted,
                    Gone::Missing { since } if at - since >= confirm_after => {
                        self.gone = Gone::Deleted { since };
                        Kind::Deleted
                    }
                    Gone::Missing { .. } => Kind::Missing,
                    Gone::No => {
                        self.gone = Gone::Missing { since: at };
                        Kind::Missing
                    }
                }
            }
            // Neither confirms nor resets a pending deletion.
            Fact::Blocked => Kind::Blocked,
            Fact::Unreachable => Kind::Unreachable,
        };
        self.last_at = Some(self.last_at.map_or(at, |t| t.max(at)));
        self.last_kind = Some(kind);
        self.checks += 1;
        kind
    }

    /// The post's own text, as captured, is where comparisons start (its
    /// text came from the page): taken before the first observation.
    pub fn capture_baseline(&mut self, hash: &str, extractor: &str, at: i64) {
        if self.current.is_none() {
            self.baseline = Some(hash.to_string());
            self.current = Some(hash.to_string());
            self.extractor = Some(extractor.to_string());
            self.versions.push((at, hash.to_string()));
        }
    }

    fn present(&mut self, hash: &str, extractor: &str, at: i64) -> Kind {
        let was_deleted = matches!(self.gone, Gone::Deleted { .. });
        self.gone = Gone::No;
        let kind = match &self.current {
            None => {
                self.baseline = Some(hash.to_string());
                self.versions.push((at, hash.to_string()));
                Kind::Unchanged
            }
            // A new extractor reads the same page differently: start again
            // from what it reads rather than report an edit.
            Some(_) if self.extractor.as_deref() != Some(extractor) => Kind::Unchanged,
            Some(current) if current == hash => Kind::Unchanged,
            Some(_) => {
                self.edits += 1;
                self.versions.push((at, hash.to_string()));
                Kind::Edited
            }
        };
        self.current = Some(hash.to_string());
        self.extractor = Some(extractor.to_string());
        if was_deleted {
            self.restored = true;
            return Kind::Restored;
        }
        kind
    }

    /// The post's bucket in `status` totals: what is true of it now.
    pub fn bucket(&self) -> Option<Kind> {
        self.last_kind?;
        Some(match self.gone {
            Gone::Deleted { .. } => Kind::Deleted,
            Gone::Missing { .. } => Kind::Missing,
            Gone::No => match self.last_kind {
                Some(k @ (Kind::Blocked | Kind::Unreachable)) => k,
                _ if self.restored => Kind::Restored,
                _ if self.edits > 0 => Kind::Edited,
                _ => Kind::Unchanged,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn present(h: &str) -> Fact {
        Fact::Present { hash: h.into(), extractor: "x1".into() }
    }

    #[test]
    fn deletion_needs_two_observations_confirm_after_apart() {
        let mut s = PostState::default();
        assert_eq!(s.apply(&present("a"), 0, 3600), Kind::Unchanged);
        assert_eq!(s.apply(&Fact::Gone, 100, 3600), Kind::Missing);
        assert_eq!(s.apply(&Fact::Gone, 200, 3600), Kind::Missing, "too soon to confirm");
        assert_eq!(s.apply(&Fact::Unreachable, 2000, 3600), Kind::Unreachable);
        assert_eq!(s.gone, Gone::Missing { since: 100 }, "unreachable neither confirms nor resets");
        assert_eq!(s.apply(&Fact::Gone, 3700, 3600), Kind::Deleted);
        assert_eq!(s.gone, Gone::Deleted { since: 100 }, "deleted as of the first sighting");
        assert_eq!(s.bucket(), Some(Kind::Deleted));
        assert_eq!(s.apply(&present("a"), 9000, 3600), Kind::Restored);
        assert_eq!(s.bucket(), Some(Kind::Restored));
    }

    #[test]
    fn a_page_back_before_confirmation_was_never_deleted() {
        let mut s = PostState::default();
        s.apply(&present("a"), 0, 10);
        s.apply(&Fact::Gone, 5, 10);
        assert_eq!(s.apply(&present("a"), 20, 10), Kind::Unchanged);
        assert_eq!(s.apply(&Fact::Gone, 30, 10), Kind::Missing, "a new sighting starts again");
    }

    #[test]
    fn edits_count_and_a_new_extractor_rebaselines() {
        let mut s = PostState::default();
        s.apply(&present("a"), 0, 10);
        assert_eq!(s.apply(&present("b"), 1, 10), Kind::Edited);
        assert_eq!(s.apply(&present("b"), 2, 10), Kind::Unchanged);
        assert_eq!(s.apply(&Fact::NotModified, 3, 10), Kind::Unchanged);
        assert_eq!(s.apply(&Fact::Present { hash: "c".into(), extractor: "x2".into() }, 4, 10), Kind::Unchanged);
        assert_eq!(s.apply(&Fact::Present { hash: "d".into(), extractor: "x2".into() }, 5, 10), Kind::Edited);
        assert_eq!(s.edits, 2);
        assert_eq!(s.versions.iter().map(|v| v.1.as_str()).collect::<Vec<_>>(), ["a", "b", "d"]);
    }
}
