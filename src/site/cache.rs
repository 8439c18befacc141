//! What the last build learnt of each post file, so the next build reads
//! only the files that changed: `DIR/.newsmirror/build-posts`, one
//! tab-separated line per post, valid for one set of URL rules.

use foldhash::{HashMap, HashMapExt};
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
    use rayon::prelude::*;
    let Ok(text) = std::fs::read_to_string(path) else { return HashMap::new() };
    let mut lines = text.lines();
    if lines.next() != Some(&*format!("rules\t{rules:016x}\tv2")) {
        return HashMap::new();
    }
    let lines: Vec<&str> = lines.collect();
    lines.par_iter().filter_map(|line| parse_line(line)).collect()
}

fn parse_line(line: &str) -> Option<(String, (Stamp, PostMeta))> {
    let mut f = line.split('\t');
    let mut next = || f.next();
    let (rel, size, mtime, title, date, author, from, source, comments, url, excerpt) =
        (next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?);
    // Milliseconds since the epoch: parsing 100,000 RFC 3339 dates is a
    // visible part of a build that has nothing to do.
    let date = DateTime::<Utc>::from_timestamp_millis(date.parse().ok()?)?;
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
    Some((rel.to_string(), (Stamp { size: size.parse().ok()?, mtime_ns: mtime.parse().ok()? }, meta)))
}

pub fn save(path: &Path, rules: u64, posts: &[(Stamp, &PostMeta)]) -> std::io::Result<()> {
    // Pushed field by field, not through `write!`: at 100,000 posts the
    // formatting machinery was a third of a build that added ten.
    let mut text = format!("rules\t{rules:016x}\tv2\n");
    text.reserve(posts.iter().map(|(_, m)| m.rel.len() + m.title.len() + m.excerpt.len() + 200).sum());
    for (stamp, m) in posts {
        let numbers = [stamp.size.to_string(), stamp.mtime_ns.to_string()];
        let date = m.date.timestamp_millis().to_string();
        let fields = [&m.rel, &numbers[0], &numbers[1], &m.title, &date, &m.author, &m.from, &m.source];
        for f in fields {
            push_field(&mut text, f);
            text.push('\t');
        }
        text.push_str(if m.comments { "1\t" } else { "0\t" });
        push_field(&mut text, &m.path);
        text.push('\t');
        push_field(&mut text, &m.excerpt);
        text.push('\n');
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// A field never holds the record's separators.
fn push_field(text: &mut String, s: &str) {
    if s.contains(['\t', '\n', '\r']) {
        text.push_str(&s.replace(['\t', '\n', '\r'], " "));
    } else {
        text.push_str(s);
    }
}
