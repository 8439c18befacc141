//! The posts whose originals can be re-checked: every post in `_posts/`
//! and `archived/` with an http(s) `from:` link, with its source and its
//! first capture (when a run of ours wrote it, else the post's `date`).

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

pub fn list(site: &Path) -> Vec<Target> {
    use rayon::prelude::*;
    let (files, _) = posts::discover(site, &["_posts", "archived"]);
    let written = written_times(site);
    // Every post's head is read and its front matter parsed on every run:
    // on all cores, as the fresh-clone scan does.
    files.into_par_iter().filter_map(|path| target(site, path, &written)).collect()
}

/// Only what the re-check needs of the front matter (`from`, `date`, the
/// source), the same as the site build reads it: nothing of the body.
fn target(site: &Path, path: PathBuf, written: &HashMap<String, i64>) -> Option<Target> {
    let text = read_head(&path)?;
    let (fm, _) = posts::split_front_matter(&text);
    let fields = crate::post::read::front_matter(fm?);
    let from = Url::parse(fields.get("from")?.trim()).ok()?;
    if !matches!(from.scheme(), "http" | "https") {
        return None;
    }
    let list = |k: &str| fields.list(k);
    let source = list("categories").into_iter().next().or_else(|| list("tags").into_iter().next()).unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let captured = match written.get(&name) {
        Some(t) => *t,
        None => date_of(&path, fields.get("date")),
    };
    let rel = path.strip_prefix(site).unwrap_or(&path).to_string_lossy().replace('\\', "/");
    Some(Target { rel, path, from, source, captured })
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
