//! `parse`'s view of a feed: each item as a run would turn it into a post,
//! by the same steps, without fetching pages or writing anything.

use chrono::{DateTime, Utc};
use url::Url;

use super::{content, prepare};
use crate::config::{FullText, Source};
use crate::extract::RuleSet;
use crate::feed::Feed;

/// One item as its post would hold it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preview {
    pub id: Option<String>,
    pub title: String,
    pub link: String,
    pub author: Option<String>,
    pub published: Option<String>,
    pub content: String,
    /// `_posts/<name>`, before any collision with posts already written.
    pub file: String,
}

/// Every item of `feed` (read from `base`) as `source` would write it.
pub fn preview(feed: &Feed, source: &Source, base: Option<&Url>, run_time: DateTime<Utc>) -> Vec<Preview> {
    // The feed as it is: cleaned by the built-in rules, no page fetched.
    let source = Source { full_text: FullText::Off, ..source.clone() };
    let rules = RuleSet::default();
    let keys = prepare::keys_for(&source, feed, base);
    feed.items
        .iter()
        .zip(keys)
        .map(|(item, (link, keys))| {
            let (draft, _) = content::draft(item, link.as_ref(), &source, &rules);
            let html = content::finish(draft, &source);
            let p = prepare::prepare(item, link.as_ref(), keys, &source, run_time, html);
            Preview {
                id: item.guid.clone(),
                content: p.post.content_as_written(),
                title: p.post.title,
                link: p.post.link,
                author: item.author.as_deref().map(crate::text::clean_line),
                published: item.published.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                file: format!("_posts/{}", p.file_name),
            }
        })
        .collect()
}
