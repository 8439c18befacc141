//! JSON Feed 1.0 and 1.1.

use serde_json::Value;

use super::{BodyKind, Feed, FeedError, Format, Item, ParseOptions, date};
use crate::text;

pub(super) fn parse(src: &str, opts: &ParseOptions) -> Result<Feed, FeedError> {
    let doc: Value = serde_json::from_str(src).map_err(|e| FeedError::Json(e.to_string()))?;
    let version = str_field(&doc, "version").unwrap_or_default();
    // Some generators write `"version": "1.0"`; an `items` array is proof enough.
    if !version.contains("jsonfeed.org/version/") && !doc.get("items").is_some_and(Value::is_array) {
        return Err(FeedError::NotAFeed("a JSON document without a JSON Feed \"version\"".into()));
    }
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| FeedError::Json("\"items\" is missing or not an array".into()))?;
    Ok(Feed {
        format: Format::JsonFeed,
        encoding: "UTF-8",
        encoding_reason: String::new(),
        truncated: false,
        title: str_field(&doc, "title").unwrap_or_default(),
        link: str_field(&doc, "home_page_url"),
        items: items.iter().filter(|v| v.is_object()).map(|v| item(v, opts)).collect(),
    })
}

fn item(v: &Value, opts: &ParseOptions) -> Item {
    let (body, body_kind) = match (str_field(v, "content_html"), str_field(v, "content_text")) {
        (Some(html), _) => (html, BodyKind::Html),
        (None, Some(text)) => (text, BodyKind::Text),
        (None, None) => match str_field(v, "summary") {
            Some(s) => (s, BodyKind::Text),
            None => (String::new(), BodyKind::Html),
        },
    };
    // 1.1 has `authors`; 1.0 had a single `author`, which 1.1 feeds still
    // carry beside it for old readers.
    let author = v
        .get("authors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| str_field(a, "name"))
        .or_else(|| v.get("author").and_then(person_name));
    let published = ["date_published", "date_modified"]
        .iter()
        .find_map(|k| str_field(v, k).and_then(|d| date::parse(&d, opts.timezone)));
    Item {
        guid: match v.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
        .filter(|s| !s.trim().is_empty()),
        // JSON Feed titles are plain text by the spec, yet many generators
        // HTML-escape them (`Q&amp;A`); FORMAT.md decodes a title's entities.
        title: str_field(v, "title").map(|t| text::decode_entities(&t).into_owned()).unwrap_or_default(),
        link: str_field(v, "url").or_else(|| str_field(v, "external_url")),
        author,
        base: None,
        published,
        body,
        body_kind,
    }
}

/// The name of a JSON Feed author object; some 1.0 generators write the
/// name alone, as a string.
fn person_name(v: &Value) -> Option<String> {
    match v {
        Value::String(name) => Some(name.clone()).filter(|n| !n.trim().is_empty()),
        person => str_field(person, "name"),
    }
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::{ParseOptions, parse};

    #[test]
    fn json_feed_1_0_author_and_escaped_titles() {
        let doc = r#"{"version": "https://jsonfeed.org/version/1", "items": [
            {"id": "1", "title": "Q&amp;A &#8211; part 1", "author": {"name": "Legacy"}, "content_text": "a"},
            {"id": "2", "authors": [{"name": "Modern"}], "author": {"name": "Legacy"}, "content_html": "<p>b</p>"},
            {"id": "3", "authors": [{"url": "https://e.example/"}], "author": "As a string"}]}"#;
        let f = parse(doc.as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(f.items[0].title, "Q&A – part 1");
        let authors: Vec<Option<&str>> = f.items.iter().map(|i| i.author.as_deref()).collect();
        assert_eq!(authors, [Some("Legacy"), Some("Modern"), Some("As a string")]);
    }
}
