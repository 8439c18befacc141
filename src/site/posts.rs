//! Posts as the site sees them: found in `_posts/` (and `archived/`), front
//! matter read leniently (the old system wrote YAML by string pasting, and
//! one unreadable post must not cost the build), URL from the permalink.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::permalink;
use crate::config::Zone;
use crate::post::read;
pub use crate::post::read::{FrontMatter, front_matter, parse_date, post_date_and_slug, split_front_matter};

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
        read::visit(&site.join(d), &mut |p, name| {
            let bytes = name.as_encoded_bytes();
            if name.to_str().and_then(read::post_name).is_some() {
                posts.push(p);
            } else if [&b".md"[..], b".markdown", b".html"].iter().any(|e| bytes.ends_with(e) && bytes.len() > e.len())
            {
                skipped.push(p);
            }
        });
    }
    // By bytes: Path's component-wise ordering is several times slower.
    posts.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    skipped.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    (posts, skipped)
}

/// `path` relative to `site`, with `/` separators: `_posts/2021-01-22-x.md`.
/// The paths come from walking `site`, so the prefix is taken off as
/// bytes; `Path::strip_prefix` compares component by component, which at
/// 100,000 posts was a visible part of a build with nothing to do.
pub fn rel(site: &Path, path: &Path) -> String {
    let (s, p) = (site.as_os_str().as_encoded_bytes(), path.as_os_str().as_encoded_bytes());
    let rest = p.strip_prefix(s).and_then(|r| r.strip_prefix(b"/").or(r.strip_prefix(b"\\")));
    let text = match rest {
        Some(r) if !s.is_empty() => String::from_utf8_lossy(r),
        _ => path.strip_prefix(site).unwrap_or(path).to_string_lossy(),
    };
    if text.contains('\\') { text.replace('\\', "/") } else { text.into_owned() }
}

/// Split and read a post. Never fails on bad front matter: what can be read
/// is used, the rest falls back to the file name.
pub fn parse(site: &Path, path: &Path, text: &str, rules: &UrlRules) -> Parsed {
    let rel = rel(site, path);
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
    use std::path::Path;

    #[test]
    fn rel_is_what_strip_prefix_gives() {
        for (site, path) in [
            ("/srv/site", "/srv/site/_posts/2021-01-22-新聞.md"),
            ("site/", "site/_posts/a/2021-01-22-x.md"),
            (".", "./archived/2021-01-22-x.md"),
            ("/srv/site", "/srv/site2/_posts/x.md"),
            ("", "_posts/x.md"),
        ] {
            let (site, path) = (Path::new(site), Path::new(path));
            let old = path.strip_prefix(site).unwrap_or(path).to_string_lossy().replace('\\', "/");
            assert_eq!(super::rel(site, path), old, "{}", path.display());
        }
    }
}
