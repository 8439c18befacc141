//! An item's HTML on its way into the post: cleaned of page furniture,
//! replaced by the article page's full text when the feed gives only a
//! summary, then sanitised. A raw source (`sanitize = false`) skips all of
//! it: its post holds the feed's HTML exactly, as `FORMAT.md` requires.

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{FullText, Source};
use crate::extract::{self, RuleSet, Rules};
use crate::feed::{BodyKind, Item};
use crate::fetch::Body;
use crate::sanitize;
use crate::text;

/// The content chosen so far, and the page to fetch for the full text.
#[derive(Debug, Clone)]
pub struct Draft {
    pub html: String,
    /// What relative URLs in `html` are relative to.
    pub base: Option<Url>,
    pub page: Option<Url>,
    /// Author and publication time the fetched page states, for an item
    /// whose feed names none (see [`fill_from_page`]).
    pub page_author: Option<String>,
    pub page_published: Option<DateTime<Utc>>,
}

/// The rules for an item: the source's own, else its link's site's.
pub fn rules_for<'a>(source: &'a Source, link: Option<&Url>, rules: &'a RuleSet) -> Option<&'a Rules> {
    source.rules.as_ref().or_else(|| link.and_then(|l| rules.for_link(l)))
}

/// The feed's own content, cleaned, and whether the page is wanted.
pub fn draft(item: &Item, link: Option<&Url>, source: &Source, rules: &RuleSet) -> Draft {
    if source.is_raw() {
        return Draft {
            html: item.body.clone(),
            base: link.cloned(),
            page: None,
            page_author: None,
            page_published: None,
        };
    }
    let html = match item.body_kind {
        BodyKind::Html => std::borrow::Cow::Borrowed(item.body.as_str()),
        BodyKind::Text => std::borrow::Cow::Owned(text::text_to_html(&item.body)),
    };
    let cleaned = extract::clean_fragment(&html, rules_for(source, link, rules));
    let wants_page = match source.full_text {
        FullText::On => true,
        FullText::Off => false,
        FullText::Auto => extract::is_summary(&cleaned) && !link.is_some_and(is_video_page),
    };
    let page = link.filter(|l| wants_page && matches!(l.scheme(), "http" | "https")).cloned();
    Draft { html: cleaned, base: link.cloned(), page, page_author: None, page_published: None }
}

/// Replace the draft's content with the article of its fetched page. On
/// failure the feed's content stays and the returned note says why.
pub fn with_page(
    draft: Draft,
    page: Result<Body, String>,
    source: &Source,
    rules: &RuleSet,
) -> (Draft, Option<String>) {
    let Some(page_url) = draft.page.clone() else { return (draft, None) };
    let fail = |draft: Draft, why: String| {
        let kept =
            if extract::visible_chars(&draft.html) > 0 { "kept the feed's content" } else { "the feed has none" };
        (draft, Some(format!("full text of {page_url}: {why}; {kept}")))
    };
    let body = match page {
        Ok(b) => b,
        Err(e) => return fail(draft, e),
    };
    if let Some(ct) = body.content_type.as_deref().filter(|ct| !is_html(ct)) {
        return fail(draft, format!("not an HTML page ({ct})"));
    }
    let final_url = Url::parse(&body.final_url).unwrap_or_else(|_| page_url.clone());
    let (html, _) = extract::decode_page(&body.bytes, body.charset.as_deref());
    let site_rules = rules_for(source, Some(&final_url), rules);
    match extract::extract_page(&html, Some(&final_url), site_rules) {
        // The page is the better text only when it has more of it: a paywall
        // or a consent wall extracts to less than the feed's summary.
        Ok(article) if article.text_chars > extract::visible_chars(&draft.html) => {
            let draft = Draft {
                html: article.html,
                base: Some(final_url),
                page: draft.page,
                page_author: article.meta.author,
                page_published: article.meta.published,
            };
            (draft, None)
        }
        // Its byline and date still hold where the feed has none.
        Ok(article) => fail(
            Draft { page_author: article.meta.author, page_published: article.meta.published, ..draft },
            "the page's article is no longer than the feed's content".into(),
        ),
        Err(e) => fail(draft, e.to_string()),
    }
}

/// The page's author and publication time where the feed item has none
/// (FORMAT.md: the item's own value, else the page's, else the source name
/// or the run time). A raw source keeps the feed as it is.
pub fn fill_from_page(item: &mut Item, draft: &Draft, source: &Source) {
    if source.is_raw() {
        return;
    }
    if item.author.as_deref().is_none_or(|a| a.trim().is_empty())
        && let Some(author) = &draft.page_author
    {
        item.author = Some(author.clone());
    }
    if item.published.is_none() {
        item.published = draft.page_published;
    }
}

/// A video's page has no article: its description in the feed is the text.
fn is_video_page(link: &Url) -> bool {
    const HOSTS: &[&str] = &["youtube.com", "youtu.be", "vimeo.com", "bilibili.com", "dailymotion.com"];
    let host = link.host_str().unwrap_or_default().to_ascii_lowercase();
    HOSTS.iter().any(|h| host == *h || host.ends_with(&format!(".{h}")))
}

fn is_html(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.contains("html") || ct.starts_with("text/plain")
}

/// The HTML as it will be written.
pub fn finish(draft: Draft, source: &Source) -> String {
    if source.is_raw() { draft.html } else { sanitize::sanitize(&draft.html, draft.base.as_ref()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::BodyKind;

    fn item(link: &str, body: &str) -> Item {
        Item {
            guid: None,
            title: "t".into(),
            link: Some(link.into()),
            author: None,
            published: None,
            body: body.into(),
            body_kind: BodyKind::Text,
        }
    }

    #[test]
    fn auto_fetches_pages_for_summaries_but_not_for_videos() {
        let source = Source::with_defaults("S".into(), "https://e.example/f".into());
        let rules = RuleSet::default();
        for (link, wanted) in [
            ("https://news.example/a", true),
            ("https://www.youtube.com/watch?v=x", false),
            ("https://youtu.be/x", false),
        ] {
            let url = Url::parse(link).unwrap();
            let d = draft(&item(link, "A short description."), Some(&url), &source, &rules);
            assert_eq!(d.page.is_some(), wanted, "{link}");
        }
        let mut raw = source.clone();
        raw.sanitize = false;
        let url = Url::parse("https://news.example/a").unwrap();
        let d = draft(&item("https://news.example/a", "<p>x</p>"), Some(&url), &raw, &rules);
        assert!(d.page.is_none() && d.html == "<p>x</p>", "raw: the feed's HTML exactly, no page");
    }
}
