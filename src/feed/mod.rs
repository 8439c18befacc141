//! Feed parsing: bytes (in any charset) to a list of [`Item`]s.
//!
//! This is where a feed field is chosen for each post field; the precedence
//! rules of `FORMAT.md` live in [`xml`] (RSS, RDF, Atom, YouTube) and
//! [`json`] (JSON Feed), and nowhere else.

pub mod charset;
pub mod date;
mod json;
mod xml;

use chrono::{DateTime, Utc};
pub use chrono_tz::Tz;
use serde::Serialize;

/// The syndication format a document was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Format {
    #[serde(rename = "rss0.9x")]
    Rss09,
    #[serde(rename = "rss1.0")]
    Rss10,
    #[serde(rename = "rss2.0")]
    Rss20,
    #[serde(rename = "atom0.3")]
    Atom03,
    #[serde(rename = "atom1.0")]
    Atom10,
    #[serde(rename = "jsonfeed")]
    JsonFeed,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Rss09 => "rss0.9x",
            Format::Rss10 => "rss1.0",
            Format::Rss20 => "rss2.0",
            Format::Atom03 => "atom0.3",
            Format::Atom10 => "atom1.0",
            Format::JsonFeed => "jsonfeed",
        }
    }
}

/// Whether an item's body is HTML or plain text (which the renderer escapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Html,
    Text,
}

/// One feed entry, with every field already chosen by precedence but not yet
/// cleaned for output: cleaning belongs to [`crate::post`].
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub guid: Option<String>,
    pub title: String,
    /// As written in the feed; may be relative, resolved against the feed URL later.
    pub link: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub body: String,
    pub body_kind: BodyKind,
    /// What relative URLs in `body` resolve against before the item link:
    /// the `xml:base` in effect; for an item with neither, the feed's home.
    pub base: Option<String>,
}

/// A parsed feed document.
#[derive(Debug, Clone)]
pub struct Feed {
    pub format: Format,
    /// Name of the character encoding the bytes were decoded with.
    pub encoding: &'static str,
    /// Why that encoding (BOM, which declaration, detection).
    pub encoding_reason: String,
    /// The document ended early; `items` holds those complete before the cut.
    pub truncated: bool,
    pub title: String,
    pub link: Option<String>,
    pub items: Vec<Item>,
}

/// What the parser needs to know beyond the bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// `charset` parameter of the HTTP `Content-Type`, if any.
    pub http_charset: Option<&'a str>,
    /// Zone for dates written without an offset, or with an ambiguous one (`CST`).
    pub timezone: Option<Tz>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FeedError {
    #[error("empty document")]
    Empty,
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("malformed JSON Feed: {0}")]
    Json(String),
}

/// Decode `bytes` and parse them as RSS, RDF, Atom or JSON Feed.
pub fn parse(bytes: &[u8], opts: &ParseOptions) -> Result<Feed, FeedError> {
    let (text, choice) = charset::choose_and_decode(bytes, opts.http_charset);
    tracing::debug!(encoding = choice.encoding.name(), reason = %choice.reason, "feed charset");
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.is_empty() {
        return Err(FeedError::Empty);
    }
    let mut feed = if trimmed.starts_with('{') { json::parse(trimmed, opts)? } else { xml::parse(&text, opts)? };
    feed.encoding = choice.encoding.name();
    feed.encoding_reason = choice.reason;
    Ok(feed)
}
