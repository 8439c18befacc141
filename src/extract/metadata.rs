//! What a page says about its article: author and publication time, from
//! JSON-LD, `<meta>` tags (`author`, `article:published_time` and kin) and
//! `<time datetime>`. A post takes them only when its feed item names none
//! (FORMAT.md's `author` and `date` rows).
//!
//! The page is hostile: every value is a single clean line of bounded
//! length, an "author" that is a URL or an e-mail address is no name, and a
//! date that does not parse is no date.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_query::Document;
use serde_json::Value;

use crate::text;

/// The page's own account of its article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// JSON-LD `articleBody`: the publisher's own plain text of the article.
    pub article_body: Option<String>,
}

/// Longest author name kept; a longer "name" is a sentence.
const MAX_AUTHOR: usize = 120;
const MAX_TITLE: usize = 400;
/// JSON-LD blocks larger than this are not parsed (memory and time bound).
const MAX_JSON_LD: usize = 2 << 20;

/// The metadata of a whole page, JSON-LD first (it is the most deliberate
/// of the signals), then `<meta>` tags, then the first `<time datetime>`.
pub fn page_meta(doc: &Document) -> PageMeta {
    let mut meta = PageMeta::default();
    for script in doc.select("script[type=\"application/ld+json\"]").iter() {
        let raw = script.text();
        if raw.len() > MAX_JSON_LD {
            continue;
        }
        // Pages put stray control characters and trailing commas in JSON-LD;
        // what does not parse is skipped, never fatal.
        if let Ok(value) = serde_json::from_str::<Value>(raw.trim()) {
            json_ld(&value, &mut meta, 0);
        }
    }
    let metas = |names: &[&str]| -> Option<String> {
        names.iter().find_map(|n| {
            let sel = doc.select(&format!("meta[name=\"{n}\" i], meta[property=\"{n}\" i], meta[itemprop=\"{n}\"]"));
            sel.iter().find_map(|m| m.attr("content").map(|c| c.to_string()).filter(|c| !c.trim().is_empty()))
        })
    };
    if meta.author.is_none() {
        meta.author = metas(&["author", "article:author", "dc.creator", "dcterms.creator", "byl", "parsely-author"])
            .and_then(|a| clean_author(&a));
    }
    if meta.author.is_none() {
        meta.author =
            doc.select("[itemprop=author] [itemprop=name], [rel=author]").iter().find_map(|n| clean_author(&n.text()));
    }
    if meta.published.is_none() {
        meta.published = metas(&[
            "article:published_time",
            "datePublished",
            "og:published_time",
            "pubdate",
            "publishdate",
            "date",
            "dc.date.issued",
            "dc.date",
            "dcterms.created",
            "dcterms.date",
            "sailthru.date",
            "parsely-pub-date",
        ])
        .and_then(|d| parse_date(&d));
    }
    if meta.published.is_none() {
        meta.published =
            doc.select("time[datetime]").iter().find_map(|t| t.attr("datetime").and_then(|d| parse_date(&d)));
    }
    if meta.title.is_none() {
        meta.title = metas(&["og:title", "twitter:title"])
            .or_else(|| doc.select("head title").iter().next().map(|t| t.text().to_string()))
            .map(|t| bounded_line(&t, MAX_TITLE))
            .filter(|t| !t.is_empty());
    }
    meta
}

const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "NewsArticle",
    "BlogPosting",
    "Report",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "ScholarlyArticle",
    "TechArticle",
    "LiveBlogPosting",
    "SocialMediaPosting",
    "Posting",
];

fn is_article(value: &Value) -> bool {
    match value.get("@type") {
        Some(Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t))),
        _ => false,
    }
}

/// Walk JSON-LD (objects, arrays, `@graph`) for the first article object.
fn json_ld(value: &Value, meta: &mut PageMeta, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Array(items) => items.iter().for_each(|v| json_ld(v, meta, depth + 1)),
        Value::Object(map) => {
            if is_article(value) {
                if meta.author.is_none() {
                    meta.author = map.get("author").and_then(person_name);
                }
                if meta.published.is_none() {
                    meta.published = map
                        .get("datePublished")
                        .or_else(|| map.get("dateCreated"))
                        .and_then(Value::as_str)
                        .and_then(parse_date);
                }
                if meta.title.is_none() {
                    meta.title = map
                        .get("headline")
                        .and_then(Value::as_str)
                        .map(|t| bounded_line(t, MAX_TITLE))
                        .filter(|t| !t.is_empty());
                }
                if meta.article_body.is_none() {
                    meta.article_body = map
                        .get("articleBody")
                        .and_then(Value::as_str)
                        .filter(|b| !b.trim().is_empty())
                        .map(str::to_string);
                }
            }
            if let Some(graph) = map.get("@graph") {
                json_ld(graph, meta, depth + 1);
            }
            if let Some(entity) = map.get("mainEntity") {
                json_ld(entity, meta, depth + 1);
            }
        }
        _ => {}
    }
}

/// `"Jane Doe"`, `{"name": "Jane Doe"}` or a list of either, joined.
fn person_name(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => clean_author(s),
        Value::Object(o) => o.get("name").and_then(Value::as_str).and_then(clean_author),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().take(5).filter_map(person_name).collect();
            (!names.is_empty()).then(|| bounded_line(&names.join(", "), MAX_AUTHOR))
        }
        _ => None,
    }
}

/// A person's name as a page gives it, or nothing: "By " goes, a URL, an
/// e-mail address or an over-long line is not a name.
pub fn clean_author(raw: &str) -> Option<String> {
    let line = text::clean_line(raw);
    let line = line.trim();
    let line =
        ["By ", "by ", "BY ", "Von ", "Par ", "Por "].iter().find_map(|p| line.strip_prefix(p)).unwrap_or(line).trim();
    let lower = line.to_ascii_lowercase();
    if line.is_empty()
        || line.chars().count() > MAX_AUTHOR
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || lower.starts_with("www.")
        || (line.contains('@') && !line.contains(' '))
    {
        return None;
    }
    Some(line.to_string())
}

fn bounded_line(raw: &str, max: usize) -> String {
    text::clean_line(raw).chars().take(max).collect::<String>().trim().to_string()
}

/// RFC 3339 and the shapes pages write instead: no zone (taken as UTC), a
/// `+0000` zone, a space for the `T`, or a bare date (midnight UTC).
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.len() > 64 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    let s = s.trim_end_matches('Z');
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc());
        }
    }
    let head = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_graph_wins_over_meta_tags() {
        let doc = Document::from(
            r#"<html><head>
            <meta name="author" content="Meta Name">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","name":"Site"},
              {"@type":["NewsArticle"],"headline":"Head","datePublished":"2024-03-01T08:30:00+01:00",
               "author":[{"@type":"Person","name":"Ann Lee"},{"@type":"Person","name":"Bo Chen"}],
               "articleBody":"Body text."}]}</script></head><body></body></html>"#,
        );
        let m = page_meta(&doc);
        assert_eq!(m.author.as_deref(), Some("Ann Lee, Bo Chen"));
        assert_eq!(m.published.map(|d| d.to_rfc3339()), Some("2024-03-01T07:30:00+00:00".into()));
        assert_eq!(m.title.as_deref(), Some("Head"));
        assert_eq!(m.article_body.as_deref(), Some("Body text."));
    }

    #[test]
    fn meta_tags_and_time_when_no_json_ld() {
        let doc = Document::from(
            r#"<html><head><meta name="author" content="By Jane Roe">
            <script type="application/ld+json">{not json</script></head>
            <body><time datetime="2023-11-05">5 Nov</time></body></html>"#,
        );
        let m = page_meta(&doc);
        assert_eq!(m.author.as_deref(), Some("Jane Roe"));
        assert_eq!(m.published.map(|d| d.to_rfc3339()), Some("2023-11-05T00:00:00+00:00".into()));
    }

    #[test]
    fn urls_and_addresses_are_not_names() {
        assert_eq!(clean_author("https://www.facebook.com/someone"), None);
        assert_eq!(clean_author("desk@example.com"), None);
        assert_eq!(clean_author(&"x".repeat(500)), None);
        assert_eq!(clean_author("  By  Kim\nPark "), Some("Kim Park".into()));
    }

    #[test]
    fn page_dates_in_the_shapes_pages_write() {
        for (raw, want) in [
            ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05+00:00"),
            ("2024-01-02T03:04:05+0200", "2024-01-02T01:04:05+00:00"),
            ("2024-01-02 03:04:05", "2024-01-02T03:04:05+00:00"),
            ("Tue, 02 Jan 2024 03:04:05 GMT", "2024-01-02T03:04:05+00:00"),
            ("2024-01-02", "2024-01-02T00:00:00+00:00"),
        ] {
            assert_eq!(parse_date(raw).map(|d| d.to_rfc3339()).as_deref(), Some(want), "{raw}");
        }
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2024-13-45"), None);
    }
}
