//! What the last build learnt of each post file, so the next build reads
//! only the files that changed: `DIR/.newsmirror/build-posts`, one
//! tab-separated line per post, valid for one set of URL rules.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::posts::PostMeta;

/// A post file's identity on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp { size: meta.len(), mtime_ns }
    }
}

pub fn load(path: &Path, rules: u64) -> HashMap<String, (Stamp, PostMeta)> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else { return out };
    let mut lines = text.lines();
    if lines.next() != Some(&*format!("rules\t{rules:016x}")) {
        return out;
    }
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let [rel, size, mtime, title, date, author, from, source, comments, url, excerpt] = f[..] else { continue };
        let (Ok(size), Ok(mtime_ns), Ok(date)) =
            (size.parse(), mtime.parse(), DateTime::parse_from_rfc3339(date).map(|d| d.with_timezone(&Utc)))
        else {
            continue;
        };
        let meta = PostMeta {
            rel: rel.to_string(),
            title: title.to_string(),
            date,
            author: author.to_string(),
            from: from.to_string(),
            source: source.to_string(),
            comments: comments == "1",
            path: url.to_string(),
            excerpt: excerpt.to_string(),
        };
        out.insert(rel.to_string(), (Stamp { size, mtime_ns }, meta));
    }
    out
}

pub fn save(path: &Path, rules: u64, posts: &[(Stamp, &PostMeta)]) -> std::io::Result<()> {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut text = format!("rules\t{rules:016x}\n").into_bytes();
    for (stamp, m) in posts {
        writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            clean(&m.rel),
            stamp.size,
            stamp.mtime_ns,
            clean(&m.title),
            m.date.to_rfc3339(),
            clean(&m.author),
            clean(&m.from),
            clean(&m.source),
            u8::from(m.comments),
            clean(&m.path),
            clean(&m.excerpt)
        )?;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}
