//! Reading post files back: the one place, besides [`super::Post::render`],
//! that knows how a post is laid out. The store (reconciling old archives),
//! the site and the old-style lists all read posts through here. Front
//! matter is read leniently: the old system wrote YAML by pasting strings,
//! and one unreadable post must not cost a build.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use yaml_rust2::{Yaml, YamlLoader};

/// Every file under `dir` except hidden ones (and those in hidden folders),
/// in no particular order. Entries that cannot be read are reported in the
/// log, not silently dropped; a missing `dir` is an empty archive.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    visit(dir, &mut |path, _| out.push(path));
    out
}

/// [`walk`], handing each file's name over with its path: a big archive's
/// build looks at 100,000 names, and taking them back out of the paths
/// (`Path::file_name` parses every component) cost more than reading the
/// directory.
pub fn visit(dir: &Path, found: &mut impl FnMut(PathBuf, &std::ffi::OsStr)) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot read part of the archive; its posts are left out");
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot read part of the archive; its posts are left out");
                continue;
            }
        };
        let name = entry.file_name();
        if name.as_encoded_bytes().first() == Some(&b'.') {
            continue;
        }
        // Links are not followed, as Jekyll's reader does not.
        match entry.file_type() {
            Ok(t) if t.is_dir() => visit(&entry.path(), found),
            Ok(t) if t.is_file() => found(entry.path(), &name),
            Ok(_) => {}
            Err(e) => tracing::warn!(path = %entry.path().display(), error = %e, "cannot read part of the archive"),
        }
    }
}

/// `2021-01-22-title.md` → (2021-01-22, "title").
pub fn post_date_and_slug(path: &Path) -> Option<(NaiveDate, String)> {
    let (date, slug) = post_name(path.file_name()?.to_str()?)?;
    Some((date, slug.to_string()))
}

/// [`post_date_and_slug`] of a file name.
pub fn post_name(name: &str) -> Option<(NaiveDate, &str)> {
    // As `Path::file_stem` and `extension` split it: at the last dot, and
    // a name that is only a dot and an extension has none.
    let (stem, ext) = name.rsplit_once('.').filter(|(stem, _)| !stem.is_empty())?;
    if !matches!(ext, "md" | "markdown" | "html") {
        return None;
    }
    let date = ymd(stem.get(..10)?)?;
    let slug = stem.get(10..)?.strip_prefix('-')?;
    if slug.is_empty() {
        return None;
    }
    Some((date, slug))
}

/// `%Y-%m-%d` as chrono reads it. Almost every name has exactly four, two
/// and two digits, read here without chrono's format parser: a big
/// archive's build asks this of every post file.
fn ymd(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|d| d.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    match (digits(0..4), b.get(4), digits(5..7), b.get(7), digits(8..10), b.len()) {
        (Some(y), Some(b'-'), Some(m), Some(b'-'), Some(d), 10) => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
    }
}

/// `---\n…\n---\n` and the rest; `None` front matter when there is none.
pub fn split_front_matter(text: &str) -> (Option<&str>, &str) {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(after) = t.strip_prefix("---\n").or_else(|| t.strip_prefix("---\r\n")) else { return (None, t) };
    for end in ["\n---\n", "\n---\r\n"] {
        if let Some(i) = after.find(end) {
            return (Some(&after[..i]), &after[i + end.len()..]);
        }
    }
    if let Some(fm) = after.strip_suffix("\n---") {
        return (Some(fm), "");
    }
    (None, t)
}

/// Front-matter values as strings (lists as lists).
#[derive(Default)]
pub struct FrontMatter(Vec<(String, Value)>);

enum Value {
    One(String),
    Many(Vec<String>),
}

impl FrontMatter {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).and_then(|(_, v)| match v {
            Value::One(s) => Some(s.as_str()),
            Value::Many(v) => v.first().map(String::as_str),
        })
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        match self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v) {
            Some(Value::Many(v)) => v.clone(),
            // Jekyll splits a plain string of categories on spaces.
            Some(Value::One(s)) => s.split_whitespace().map(str::to_string).collect(),
            None => Vec::new(),
        }
    }
}

pub fn front_matter(text: &str) -> FrontMatter {
    if let Ok(docs) = YamlLoader::load_from_str(text)
        && let Some(Yaml::Hash(h)) = docs.into_iter().next()
    {
        let mut out = Vec::new();
        for (k, v) in h {
            let Some(k) = scalar(&k) else { continue };
            let v = match v {
                Yaml::Array(items) => Value::Many(items.iter().filter_map(scalar).collect()),
                other => match scalar(&other) {
                    Some(s) => Value::One(s),
                    None => continue,
                },
            };
            out.push((k, v));
        }
        return FrontMatter(out);
    }
    lenient(text)
}

fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(if *b { "true".into() } else { "false".into() }),
        _ => None,
    }
}

/// `key: value` per line, for front matter that is not valid YAML (an
/// unescaped quote in a title, from the old system): quotes around a value
/// are dropped, `[ a, b ]` is a list.
fn lenient(text: &str) -> FrontMatter {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let k = k.trim();
        if k.is_empty() || k.contains(' ') {
            continue;
        }
        let v = v.trim();
        let value = if let Some(inner) = v.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
            Value::Many(inner.split(',').map(|s| unquote(s.trim()).to_string()).filter(|s| !s.is_empty()).collect())
        } else {
            Value::One(unquote(v).to_string())
        };
        out.push((k.to_string(), value));
    }
    FrontMatter(out)
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|i| i.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// Front-matter dates: RFC 3339, `YYYY-MM-DD HH:MM:SS[.f] [±hhmm]`, or a day.
pub fn parse_date(s: &str, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d);
        }
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return zone.from_local_datetime(&d).single();
        }
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    zone.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single()
}

/// The `from:` value of a post's front matter, unquoted.
pub(crate) fn front_matter_from(text: &str) -> Option<String> {
    let body = text.strip_prefix("---")?;
    let end = body.find("\n---")?;
    from_value(body[..end].lines().find_map(|l| l.strip_prefix("from:"))?)
}

/// The `from:` link in the first lines of a post, reading no further than
/// that line: `None` while `head` holds neither it nor the end of the
/// front matter, `Some(None)` when the front matter has no `from:`.
pub(crate) fn head_from(head: &str) -> Option<Option<String>> {
    let Some(body) = head.strip_prefix("---") else { return Some(None) };
    // Only whole lines: the last one may be cut mid-way.
    let whole = &body[..body.rfind('\n')? + 1];
    for line in whole.split('\n').skip(1) {
        if line.starts_with("---") {
            return Some(None);
        }
        if let Some(value) = line.strip_prefix("from:") {
            return Some(from_value(value));
        }
    }
    None
}

/// A `from:` value, unquoted.
fn from_value(raw: &str) -> Option<String> {
    let line = raw.trim();
    let value = if let Some(inner) = line.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        inner.replace("\\\"", "\"").replace("\\\\", "\\")
    } else if let Some(inner) = line.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else {
        line.to_string()
    };
    Some(value).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn names_give_the_dates_chrono_gives() {
        for name in [
            "2021-01-22",
            "2024-02-29",
            "2023-02-29",
            "2021-13-01",
            "2021-1-22x",
            "+021-01-22",
            "2021-01-2a",
            "0000-01-01",
        ] {
            assert_eq!(ymd(name), NaiveDate::parse_from_str(name, "%Y-%m-%d").ok(), "{name}");
        }
    }

    #[test]
    fn the_link_is_read_from_the_head_alone() {
        let post = "---\nlayout: post\nfrom: \"https://a.example/x\"\ntags: [ a ]\n---\nbody\n";
        let cut = post.find("tags").unwrap_or(0);
        assert_eq!(head_from(&post[..cut]), Some(Some("https://a.example/x".to_string())));
        assert_eq!(head_from(&post[..cut - 3]), None, "a cut line is not read");
        assert_eq!(head_from("---\nlayout: post\n---\nfrom: https://body.example/\n"), Some(None));
        assert_eq!(head_from("no front matter"), Some(None));
        assert_eq!(head_from(post), front_matter_from(post).map(Some));
    }

    #[test]
    fn invalid_yaml_front_matter_is_still_read() {
        let fm = front_matter("layout: post\ntitle: \"He said \"no\" twice\"\nauthor: BBC\ntags: [ BBC, 英国 ]\n");
        assert_eq!(fm.get("title"), Some("He said \"no\" twice"));
        assert_eq!(fm.get("author"), Some("BBC"));
        assert_eq!(fm.list("tags"), vec!["BBC".to_string(), "英国".to_string()]);
    }

    #[test]
    fn dates_in_the_shapes_archives_hold() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let d = parse_date("2021-01-22T02:15:36.363Z", utc).unwrap();
        assert_eq!(d.with_timezone(&Utc).to_rfc3339(), "2021-01-22T02:15:36.363+00:00");
        let d = parse_date("2021-01-22 10:15:36 +0800", utc).unwrap();
        assert_eq!(d.with_timezone(&Utc).to_rfc3339(), "2021-01-22T02:15:36+00:00");
        assert!(parse_date("2021-01-22", utc).is_some());
        assert!(parse_date("yesterday", utc).is_none());
    }

    #[test]
    fn reads_from_in_all_quotings() {
        let f = |v: &str| front_matter_from(&format!("---\nlayout: post\nfrom: {v}\ntags: [ x ]\n---\nbody"));
        assert_eq!(f("https://a.example/1").as_deref(), Some("https://a.example/1"));
        assert_eq!(f("\"https://a.example/1\"").as_deref(), Some("https://a.example/1"));
        assert_eq!(f("'https://a.example/1'").as_deref(), Some("https://a.example/1"));
        assert_eq!(front_matter_from("no front matter"), None);
    }
}
