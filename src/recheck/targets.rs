//! The posts whose originals can be re-checked: every post in `_posts/`
//! and `archived/` with an http(s) `from:` link, with its source and its
//! first capture (when a run of ours wrote it, else the post's `date`).
//!
//! What a post's front matter says is kept in the change index by the
//! file's size and modification time ([`Head`]), so a run reads only the
//! posts added (or edited) since the last: a post is written once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use url::Url;

use crate::site::posts;

#[derive(Debug, Clone)]
pub struct Target {
    /// Relative to the site: `_posts/2024-05-01-x.md`.
    pub rel: String,
    pub path: PathBuf,
    pub from: Url,
    pub source: String,
    /// First capture, seconds since the epoch.
    pub captured: i64,
}

/// What the re-check needs of one post file's front matter, and the file
/// size and modification time (nanoseconds) it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub size: i64,
    pub mtime: i64,
    /// `None`: no http(s) `from:` link, nothing to re-check.
    pub from: Option<String>,
    pub source: String,
    /// The post's `date`, seconds since the epoch.
    pub date: i64,
}

/// The posts to re-check, given the heads read by earlier runs (by path
/// relative to the site); with the heads read afresh, to be kept.
pub fn list(site: &Path, known: &HashMap<String, Head>) -> (Vec<Target>, Vec<(String, Head)>) {
    use rayon::prelude::*;
    let (files, _) = posts::discover(site, &["_posts", "archived"]);
    let written = written_times(site);
    // New posts are read on every core, as the fresh-clone scan does.
    let heads: Vec<(PathBuf, String, Head, bool)> = files
        .into_par_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(site).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let meta = std::fs::metadata(&path).ok()?;
            let size = meta.len() as i64;
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            match known.get(&rel) {
                Some(h) if h.size == size && h.mtime == mtime => Some((path, rel, h.clone(), false)),
                _ => read(&path, size, mtime).map(|h| (path, rel, h, true)),
            }
        })
        .collect();
    let mut targets = Vec::with_capacity(heads.len());
    let mut fresh = Vec::new();
    for (path, rel, head, is_new) in heads {
        if let Some(from) = head.from.as_deref().and_then(|f| Url::parse(f).ok()) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let captured = written.get(&name).copied().unwrap_or(head.date);
            targets.push(Target { rel: rel.clone(), path, from, source: head.source.clone(), captured });
        }
        if is_new {
            fresh.push((rel, head));
        }
    }
    (targets, fresh)
}

/// Only what the re-check needs of the front matter (`from`, `date`, the
/// source), the same as the site build reads it: nothing of the body.
fn read(path: &Path, size: i64, mtime: i64) -> Option<Head> {
    let text = read_head(path)?;
    let (fm, _) = posts::split_front_matter(&text);
    let fields = fm.map(crate::post::read::front_matter).unwrap_or_default();
    let from = fields
        .get("from")
        .and_then(|f| Url::parse(f.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from);
    let list = |k: &str| fields.list(k);
    let source = list("categories").into_iter().next().or_else(|| list("tags").into_iter().next()).unwrap_or_default();
    Some(Head { size, mtime, from, source, date: date_of(path, fields.get("date")) })
}

/// The post's `date` (UTC unless it says otherwise), else its file name's
/// day, as the site build dates it.
fn date_of(path: &Path, date: Option<&str>) -> i64 {
    let utc = chrono::Offset::fix(&chrono::Utc);
    date.and_then(|d| crate::post::read::parse_date(d, utc))
        .map(|d| d.timestamp())
        .or_else(|| {
            let (day, _) = crate::post::read::post_date_and_slug(path)?;
            Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
        })
        .unwrap_or(0)
}

/// The front matter is all that is needed: read the first 16 KiB.
fn read_head(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(4096);
    std::fs::File::open(path).ok()?.take(16 * 1024).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// When our runs wrote each post, by file name. Rows that a run did not
/// write (indexed from an existing archive) carry the time of indexing and
/// no source, and are left out.
fn written_times(site: &Path) -> HashMap<String, i64> {
    let path = site.join(crate::store::STATE_DIR).join("state.db");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = Connection::open_with_flags(&path, flags) else { return HashMap::new() };
    let Ok(mut stmt) = conn.prepare("SELECT file, written_at FROM posts WHERE source IS NOT NULL") else {
        return HashMap::new();
    };
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map(|rows| rows.flatten().map(|(f, t)| (f.rsplit('/').next().unwrap_or(&f).to_string(), t)).collect())
        .unwrap_or_default()
}

/// Whether the post holds article text (then an empty article on the page
/// means it is gone).
pub fn post_has_text(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let (_, body) = posts::split_front_matter(&text);
    // Past the link line and its rule.
    let body = body.split_once("\n------\n").map_or(body, |(_, rest)| rest);
    crate::extract::visible_chars(body) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(site: &Path, name: &str, from: &str) {
        let dir = site.join("_posts");
        std::fs::create_dir_all(&dir).unwrap();
        let text = format!(
            "---\ntitle: \"A\"\ndate: 2024-05-01T08:00:00.000Z\nfrom: {from}\ntags: [ T ]\ncategories: [ News ]\n---\n<p>x</p>\n"
        );
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn heads_are_read_once_and_again_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        post(site, "2024-05-01-a.md", "https://news.example/a");
        post(site, "2024-05-01-b.md", "mailto:x@example.com");
        let (targets, fresh) = list(site, &HashMap::new());
        assert_eq!(fresh.len(), 2, "both read, the one without an http link too");
        assert_eq!(targets.len(), 1);
        let t = &targets[0];
        assert_eq!(
            (t.rel.as_str(), t.from.as_str(), t.source.as_str()),
            ("_posts/2024-05-01-a.md", "https://news.example/a", "News")
        );
        assert_eq!(t.captured, 1_714_550_400);

        let known: HashMap<String, Head> = fresh.into_iter().collect();
        let (again, fresh) = list(site, &known);
        assert!(fresh.is_empty(), "nothing read again: {fresh:?}");
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].from, targets[0].from);

        post(site, "2024-05-01-a.md", "https://news.example/a-moved-elsewhere");
        let (edited, fresh) = list(site, &known);
        assert_eq!(fresh.len(), 1, "the edited post is read again");
        assert_eq!(edited[0].from.as_str(), "https://news.example/a-moved-elsewhere");
    }
}
