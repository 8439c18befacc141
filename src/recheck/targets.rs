//! The posts whose originals can be re-checked: every post in `_posts/`
//! and `archived/` with an http(s) `from:` link, with its source and its
//! first capture (when a run of ours wrote it, else the post's `date`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use url::Url;

use crate::config::Zone;
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
    let (files, _) = posts::discover(site, &["_posts", "archived"]);
    let written = written_times(site);
    let rules = posts::UrlRules { permalink: "date", zone: Zone::Fixed(chrono::Offset::fix(&chrono::Utc)) };
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let Some(text) = read_head(&path) else { continue };
        let meta = posts::parse(site, &path, &text, &rules).meta;
        let Ok(from) = Url::parse(meta.from.trim()) else { continue };
        if !matches!(from.scheme(), "http" | "https") {
            continue;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let captured = written.get(&name).copied().unwrap_or_else(|| meta.date.timestamp());
        out.push(Target { rel: meta.rel, path, from, source: meta.source, captured });
    }
    out
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
