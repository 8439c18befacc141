//! An item's HTML on its way into the post: cleaned of page furniture,
//! replaced by the article page's full text when the feed gives only a
//! summary, then sanitised. A raw source (`sanitize = false`) skips all of
//! it: its post holds the feed's HTML exactly, as `FORMAT.md` requires.

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{FullText, Source};
use crate::extract::{self, RuleSet, Rules, bounds};
use crate::feed::{BodyKind, Item};
use crate::fetch::Body;
use crate::sanitize;
use crate::text;

/// The content chosen so far, and the page to fetch for the full text.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub html: String,
    /// What relative URLs in `html` are relative to.
    pub base: Option<Url>,
    pub page: Option<Url>,
    /// The page's article as plain text, when the content came from the
    /// page: what the first re-check compares the original with.
    pub page_text: Option<String>,
    /// Author and publication time the fetched page states, for an item
    /// whose feed names none (see [`fill_from_page`]).
    pub page_author: Option<String>,
    pub page_published: Option<DateTime<Utc>>,
}

/// The rules for an item: the source's own, else its link's site's.
pub fn rules_for<'a>(source: &'a Source, link: Option<&Url>, rules: &'a RuleSet) -> Option<&'a Rules> {
    source.rules.as_ref().or_else(|| link.and_then(|l| rules.for_link(l)))
}

/// The feed's own content, cleaned, and whether the page is wanted; a note
/// when the content was over the bounds of [`bounds::FRAGMENT`] and only its
/// text was kept.
pub fn draft(item: &Item, link: Option<&Url>, source: &Source, rules: &RuleSet) -> (Draft, Option<String>) {
    if source.is_raw() {
        return (Draft { html: item.body.clone(), base: base_of(item, link), ..Draft::default() }, None);
    }
    let html = match item.body_kind {
        BodyKind::Html => std::borrow::Cow::Borrowed(item.body.as_str()),
        BodyKind::Text => std::borrow::Cow::Owned(text::text_to_html(&item.body)),
    };
    let (cleaned, note) = match bounds::prepare(&html, &bounds::FRAGMENT) {
        Ok(html) => (extract::clean_fragment(&html, rules_for(source, link, rules)), None),
        Err(why) => {
            let shown = link.map_or_else(|| format!("\"{}\"", text::clean_line(&item.title)), Url::to_string);
            (
                bounds::as_text(&html, &bounds::FRAGMENT),
                Some(format!("content of {shown}: {why}; kept its text without markup")),
            )
        }
    };
    let wants_page = match source.full_text {
        FullText::On => true,
        FullText::Off => false,
        FullText::Auto => extract::is_summary(&cleaned) && !link.is_some_and(is_video_page),
    };
    let page = link.filter(|l| wants_page && matches!(l.scheme(), "http" | "https")).cloned();
    (Draft { html: cleaned, base: base_of(item, link), page, ..Draft::default() }, note)
}

/// Relative URLs in an item resolve against its `xml:base`, then its link,
/// then (for an item with no link) the feed's home page.
fn base_of(item: &Item, link: Option<&Url>) -> Option<Url> {
    let declared = item.base.as_deref().and_then(|b| Url::parse(b).ok());
    declared.filter(|b| matches!(b.scheme(), "http" | "https")).or_else(|| link.cloned())
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
    // An article is HTML: a plain-text or untyped body at an article's URL
    // is more likely an internal document (a credentials file) than news.
    match body.content_type.as_deref() {
        Some(ct) if is_html(ct) => {}
        Some(ct) => return fail(draft, format!("not an HTML page ({ct})")),
        None => return fail(draft, "not an HTML page (no Content-Type)".into()),
    }
    let final_url = Url::parse(&body.final_url).unwrap_or_else(|_| page_url.clone());
    let (html, _) = extract::decode_page(&body.bytes, body.charset.as_deref());
    let site_rules = rules_for(source, Some(&final_url), rules);
    match extract::extract_page(&html, Some(&final_url), site_rules) {
        // The page is the better text only when it has more of it: a paywall
        // or a consent wall extracts to less than the feed's summary.
        Ok(article) if article.text_chars > extract::visible_chars(&draft.html) => {
            // Read as the re-check reads the page, so the two compare.
            let page_text = Some(extract::plain_text(&article.html));
            let draft = Draft {
                html: article.html,
                base: Some(final_url),
                page: draft.page,
                page_text,
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
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("text/html") || essence.eq_ignore_ascii_case("application/xhtml+xml")
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
            base: None,
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
            let (d, _) = draft(&item(link, "A short description."), Some(&url), &source, &rules);
            assert_eq!(d.page.is_some(), wanted, "{link}");
        }
        let mut raw = source.clone();
        raw.sanitize = false;
        let url = Url::parse("https://news.example/a").unwrap();
        let (d, _) = draft(&item("https://news.example/a", "<p>x</p>"), Some(&url), &raw, &rules);
        assert!(d.page.is_none() && d.html == "<p>x</p>", "raw: the feed's HTML exactly, no page");
    }

    #[test]
    fn only_html_pages_are_articles() {
        for ct in ["text/html", "text/html; charset=gbk", "TEXT/HTML", "application/xhtml+xml"] {
            assert!(is_html(ct), "{ct}");
        }
        for ct in ["text/plain", "application/json", "text/htmlx", "application/octet-stream", ""] {
            assert!(!is_html(ct), "{ct}");
        }
    }

    #[test]
    fn content_over_the_bounds_keeps_its_text_without_markup() {
        let source = Source::with_defaults("S".into(), "https://e.example/f".into());
        let url = Url::parse("https://news.example/a").unwrap();
        let mut it = item("https://news.example/a", "");
        it.body = format!("{}Deep words{}", "<div>".repeat(100_000), "</div>".repeat(100_000));
        it.body_kind = BodyKind::Html;
        let (d, note) = draft(&it, Some(&url), &source, &RuleSet::default());
        assert!(d.html.contains("Deep words") && !d.html.contains("<div"), "{}", &d.html[..100.min(d.html.len())]);
        let note = note.expect("a note");
        assert!(note.contains("https://news.example/a") && note.contains("nested more than"), "{note}");
        assert!(bounds::check(&finish(d, &source), &bounds::FRAGMENT).is_ok());
    }
}
