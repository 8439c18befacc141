//! Posts as the site sees them: found in `_posts/` (and `archived/`), front
//! matter read leniently (the old system wrote YAML by string pasting, and
//! one unreadable post must not cost the build), URL from the permalink.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use yaml_rust2::{Yaml, YamlLoader};

use super::permalink;
use crate::config::Zone;

/// One post's metadata; the body is read again only when it is rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct PostMeta {
    /// Relative to the site, with `/` separators: `_posts/2021-01-22-x.md`.
    pub rel: String,
    pub title: String,
    pub date: DateTime<Utc>,
    pub author: String,
    /// The original article (`from:`).
    pub from: String,
    /// The source: the first category, else the first tag.
    pub source: String,
    pub comments: bool,
    /// URL path, unescaped, without the base URL: `/2021-01-22/x`.
    pub path: String,
    /// First characters of the text, for lists and search.
    pub excerpt: String,
}

/// A post file's parts.
pub struct Parsed {
    pub meta: PostMeta,
    pub body: String,
}

/// What the URL of a post depends on besides the post.
pub struct UrlRules<'a> {
    pub permalink: &'a str,
    /// Jekyll's `timezone`: the zone of `:year`, `:month`, `:day`.
    pub zone: Zone,
}

/// Post files under `dirs` (relative to `site`), sorted. Like Jekyll, only
/// names `YYYY-MM-DD-title.(md|markdown|html)` are posts; the rest are
/// returned as skipped.
pub fn discover(site: &Path, dirs: &[&str]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut posts = Vec::new();
    let mut skipped = Vec::new();
    for d in dirs {
        walk(&site.join(d), &mut |p| {
            if post_date_and_slug(p).is_some() {
                posts.push(p.to_path_buf());
            } else if p.extension().is_some_and(|e| e == "md" || e == "markdown" || e == "html") {
                skipped.push(p.to_path_buf());
            }
        });
    }
    // By bytes: Path's component-wise ordering is several times slower.
    posts.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    skipped.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    (posts, skipped)
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&path, f),
            Ok(t) if t.is_file() => f(&path),
            _ => {}
        }
    }
}

/// `2021-01-22-title.md` → (2021-01-22, "title").
pub fn post_date_and_slug(path: &Path) -> Option<(NaiveDate, String)> {
    let ext = path.extension()?.to_str()?;
    if !matches!(ext, "md" | "markdown" | "html") {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    let date = NaiveDate::parse_from_str(stem.get(..10)?, "%Y-%m-%d").ok()?;
    let slug = stem.get(10..)?.strip_prefix('-')?;
    if slug.is_empty() {
        return None;
    }
    Some((date, slug.to_string()))
}

/// Split and read a post. Never fails on bad front matter: what can be read
/// is used, the rest falls back to the file name.
pub fn parse(site: &Path, path: &Path, text: &str, rules: &UrlRules) -> Parsed {
    let rel = path.strip_prefix(site).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let (file_date, slug) = post_date_and_slug(path).unwrap_or_else(|| (NaiveDate::default(), rel.clone()));
    let (fm, body) = split_front_matter(text);
    let fields = fm.map(front_matter).unwrap_or_default();
    let noon = file_date.and_hms_opt(12, 0, 0).map(|d| d.and_utc()).unwrap_or_default();
    let zone = rules.zone.offset_at(noon);
    let date = fields
        .get("date")
        .and_then(|d| parse_date(d, zone))
        .or_else(|| file_date.and_hms_opt(0, 0, 0).and_then(|d| zone.from_local_datetime(&d).single()))
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default();
    let list = |k: &str| fields.list(k);
    let categories = list("categories");
    let tags = list("tags");
    let source = categories.first().or(tags.first()).cloned().unwrap_or_default();
    let title =
        fields.get("title").map(crate::text::clean_line).filter(|t| !t.is_empty()).unwrap_or_else(|| slug.clone());
    let url_fields = permalink::Fields {
        date: date.with_timezone(&rules.zone.offset_at(date)),
        slug: &slug,
        categories: &categories,
    };
    let path_url = match fields.get("permalink") {
        Some(p) if p.starts_with('/') => permalink::sanitize_path(p),
        _ => permalink::post_path(rules.permalink, &url_fields),
    };
    let meta = PostMeta {
        rel,
        title,
        date,
        author: fields.get("author").map(crate::text::clean_line).unwrap_or_default(),
        from: fields.get("from").map(str::trim).unwrap_or_default().to_string(),
        source,
        comments: fields
            .get("comments")
            .is_some_and(|c| matches!(c.trim().to_ascii_lowercase().as_str(), "true" | "yes")),
        path: path_url,
        excerpt: excerpt(body, 160),
    };
    Parsed { meta, body: body.to_string() }
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

/// The start of a post's visible text, without its header line.
fn excerpt(body: &str, chars: usize) -> String {
    // newsmirror's and the old system's posts start `<!--ms-->`, the link
    // line and `------`: the title again, not the article.
    let content = body.find("\n------\n").map_or(body, |i| &body[i + 8..]);
    let text = crate::text::html_to_text(content);
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() >= chars {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.chars().count() > chars {
        out = out.chars().take(chars).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
