//! Full text and clean text: the article out of a page, and the furniture
//! out of a feed's content.
//!
//! Both go through the same [`Rules`]: `remove` selectors are deleted first,
//! then the first `content` selector that matches names the article. A page
//! no rule's `content` matches is read by its own marking (`structured`),
//! else a Readability port (`dom_smoothie`, which scored best of the Rust
//! options on Mozilla's own test pages), with the `trafilatura` crate as a
//! second opinion when those find little (`fallback`); the lede set apart
//! from the body goes first (`lede`), and every path is cleaned of the same
//! furniture (`boilerplate`). Measured by `bench/extract-eval.sh`.

mod boilerplate;
pub mod bounds;
mod builtin;
mod decode;
mod fallback;
mod fragment;
mod lede;
mod metadata;
mod prescan;
mod rules;
mod structured;

use std::collections::HashSet;

use dom_query::{Document, Matcher, NodeRef};
use url::Url;

pub use decode::decode_page;
pub use metadata::{PageMeta, clean_author, parse_date};
pub use rules::{RuleSet, Rules, Selector, normalise_domain};

use crate::text;

/// The article of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub html: String,
    /// Characters of visible text, for comparing with the feed's content.
    pub text_chars: usize,
    pub method: Method,
    /// Title, author and publication time the page states.
    pub meta: PageMeta,
}

/// How the article was found, for `newsmirror extract` and the run report.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// A rule's `content` selector.
    Selector(String),
    /// The page's own marking: `itemprop="articleBody"` or JSON-LD `articleBody`.
    Structured(&'static str),
    Readability,
    /// The `trafilatura` crate, when the other paths found too little.
    Trafilatura,
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::Selector(s) => write!(f, "content selector {s:?}"),
            Method::Structured(s) => write!(f, "the page's {s}"),
            Method::Readability => f.write_str("readability"),
            Method::Trafilatura => f.write_str("trafilatura (the others found too little)"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExtractError {
    #[error("no article found on the page")]
    NoArticle,
    #[error("readability: {0}")]
    Readability(String),
    /// Refused before parsing: see [`bounds`].
    #[error("page refused unparsed: {0}")]
    OverBound(bounds::OverBound),
}

/// Clean a feed item's HTML: the generic and the site's `remove` rules.
/// `content` selectors name an article on a page and are not applied here:
/// inside an article, `article` or `.post-content` can name a quote or an
/// embed, and taking it would drop the rest. Content no rule touches comes
/// back unchanged, without a parse.
pub fn clean_fragment(html: &str, rules: Option<&Rules>) -> String {
    fragment::clean(html, rules)
}

/// The article of a whole page. `url` (the page's final URL) resolves the
/// page's relative links.
pub fn extract_page(html: &str, url: Option<&Url>, rules: Option<&Rules>) -> Result<Article, ExtractError> {
    let page = bounds::prepare(html, &bounds::PAGE).map_err(ExtractError::OverBound)?;
    let doc = Document::from(&*page);
    let meta = metadata::page_meta(&doc);
    remove_all(&doc, rules);
    let lede = lede::find(&doc);
    let selected = rules.and_then(|r| select_content(&doc, &r.content)).map(|(html, s)| (html, Method::Selector(s)));
    // A built-in selector that names a stub (on a page of an older layout,
    // it matches a credits box) is kept only when the page's own reading
    // finds no more.
    let (found, stub) = match selected {
        Some((html, method)) if rules.is_some_and(|r| r.built_in) && visible_chars(&html) < STUB => {
            (None, Some((html, method)))
        }
        selected => (selected, None),
    };
    let found = found
        .or_else(|| structured::marked_body(&doc).map(|html| (html, Method::Structured("itemprop=\"articleBody\""))));
    let found = match found {
        Some(found) => Ok(found),
        None => {
            let single = structured::single_article(&doc);
            readability_or_json_ld(doc, url, &meta).map(|(html, method)| {
                // The page's one <article> when it holds twice what
                // Readability kept: Readability took one section of it (tuned
                // on the even half of trafilatura's set; a 1.3 ratio cost as
                // much precision as it won recall).
                match single {
                    Some(a) if visible_chars(&a) > 2 * visible_chars(&html) => (a, Method::Structured("<article>")),
                    _ => (html, method),
                }
            })
        }
    };
    let found = match (found, stub) {
        (Ok(found), Some(stub)) if visible_chars(&found.0) <= 2 * visible_chars(&stub.0) => Ok(stub),
        (Err(_), Some(stub)) => Ok(stub),
        (found, _) => found,
    };
    let (html, method) = match found {
        Ok((html, method)) if matches!(method, Method::Selector(_)) => (html, method),
        found => {
            let chars = found.as_ref().map_or(0, |(html, _)| visible_chars(html));
            let second =
                (chars < fallback::SHORT).then(|| fallback::trafilatura(&unhidden(&page, rules), url)).flatten();
            match (found, second) {
                // A fifth longer: on a page both read alike (a short note),
                // a headline more is no reason to switch (tuned on the even
                // half of trafilatura's set, where 1.2 found one segment
                // more than 1.5 and kept one leak fewer).
                (_, Some(other)) if 5 * visible_chars(&other) > 6 * chars => (other, Method::Trafilatura),
                (found, _) => found?,
            }
        }
    };
    // Every path drops the same furniture: a site's rule names its article
    // container, and the container still holds bylines and share bars.
    tracing::trace!(%html, "article before cleanup");
    // Captions are not the article's text (trafilatura's evaluation set
    // counts them as boilerplate: dropping them raised precision on both
    // halves); a site's rule keeps what it names.
    let html = boilerplate::clean(&html, !matches!(method, Method::Selector(_)));
    // A site's rule names its article exactly; the other paths take the one
    // container that scored best, which a lede set apart misses.
    let html = match lede {
        Some(lede) if !matches!(method, Method::Selector(_)) => lede::prepend(html, &lede),
        _ => html,
    };
    let text_chars = visible_chars(&html);
    if text_chars == 0 {
        return Err(ExtractError::NoArticle);
    }
    Ok(Article { html, text_chars, method, meta })
}

/// Below this many characters a site's `content` selector has found a stub,
/// not the article.
const STUB: usize = 200;

/// The page without what the rules remove, what it hides from its reader
/// and its navigation, for an extractor that keeps all three when it falls
/// back to the whole page (a fresh parse: Readability consumed the first).
fn unhidden(page: &str, rules: Option<&Rules>) -> String {
    let doc = Document::from(page);
    remove_all(&doc, rules);
    doc.select(structured::HIDDEN).remove();
    doc.select("nav, aside, footer, form, [role=navigation], [role=complementary], [role=contentinfo]").remove();
    doc.html().to_string()
}

/// Readability's article, unless the page's JSON-LD `articleBody` holds
/// twice its text (Readability took a fragment) or Readability found none.
fn readability_or_json_ld(doc: Document, url: Option<&Url>, meta: &PageMeta) -> Result<(String, Method), ExtractError> {
    let from_json_ld = || {
        meta.article_body
            .as_deref()
            .and_then(structured::json_ld_body)
            .map(|html| (html, Method::Structured("JSON-LD articleBody")))
    };
    // `parse` retries with looser policies when the strict one finds too
    // little; one fixed policy (strict, moderate or clean) lost 2 to 5
    // points of recall on trafilatura's set.
    // Classes stay so the cleanup can read furniture by its name (the
    // sanitiser drops them from what is stored).
    let config = dom_smoothie::Config { keep_classes: true, ..Default::default() };
    let parsed = dom_smoothie::Readability::with_document(doc, url.map(Url::as_str), Some(config))
        .map_err(|e| ExtractError::Readability(e.to_string()))
        .and_then(|mut r| {
            r.parse().map_err(|e| match e {
                dom_smoothie::ReadabilityError::GrabFailed => ExtractError::NoArticle,
                e => ExtractError::Readability(e.to_string()),
            })
        });
    match parsed {
        Ok(article) => {
            let html = article.content.to_string();
            let chars = visible_chars(&html);
            match from_json_ld() {
                Some((body, how)) if visible_chars(&body) > 2 * chars => Ok((body, how)),
                _ if chars == 0 => Err(ExtractError::NoArticle),
                _ => Ok((html, Method::Readability)),
            }
        }
        Err(e) => from_json_ld().ok_or(e),
    }
}

/// The text of an article, a paragraph per line, for `extract --text`.
pub fn plain_text(html: &str) -> String {
    let doc = Document::fragment(html);
    // Ruby annotations (furigana over kanji) sit above the text they gloss;
    // on one line they split every word in two ("子こども").
    doc.select("rt, rp").remove();
    let text = doc.formatted_text().to_string();
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

/// Characters of visible text in `html`.
pub fn visible_chars(html: &str) -> usize {
    text::html_to_text(html).chars().filter(|c| !c.is_whitespace()).count()
}

/// Whether feed content looks like a summary of a longer article: short
/// (under 500 characters, a CJK character counting as two since it carries
/// about as much as two letters do), or ending in an ellipsis or a "read
/// more" link.
pub fn is_summary(html: &str) -> bool {
    let text = text::html_to_text(html);
    let text = text.trim();
    // Counting stops at the bound: a long article's weight was a tenth of
    // this test.
    let mut weights = text.chars().filter(|c| !c.is_whitespace()).map(|c| if is_wide(c) { 2 } else { 1 });
    if weights.try_fold(0usize, |sum, w| if sum + w >= 500 { None } else { Some(sum + w) }).is_some() {
        return true;
    }
    let tail = text.trim_end_matches(|c: char| c.is_whitespace() || "»›→>".contains(c));
    const ENDINGS: &[&str] = &[
        "…",
        "...",
        "[…]",
        "[...]",
        "read more",
        "continue reading",
        "阅读全文",
        "閱讀全文",
        "查看全文",
        "阅读更多",
        "閱讀更多",
    ];
    // Lower case maps each character to one or more, so the last
    // characters of the lowered text come from as many last characters of
    // the text, or fewer: lowering the whole article was most of this test.
    let from = tail.char_indices().rev().nth(ENDING_CHARS - 1).map_or(0, |(i, _)| i);
    let lower = tail[from..].to_lowercase();
    ENDINGS.iter().any(|e| lower.ends_with(e))
}

/// Characters in the longest of `is_summary`'s endings ("continue reading").
const ENDING_CHARS: usize = 16;

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0x20000..=0x3FFFD)
}

/// Remove the generic and the rules' `remove` selectors; whether anything went.
fn remove_all(doc: &Document, rules: Option<&Rules>) -> bool {
    let mut changed = false;
    for m in everywhere() {
        changed |= remove_matching(doc, m);
    }
    for s in rules.map(|r| r.remove.as_slice()).unwrap_or_default() {
        changed |= remove_matching(doc, s.matcher());
    }
    changed
}

fn remove_matching(doc: &Document, m: &Matcher) -> bool {
    let found = doc.select_matcher(m);
    let any = found.exists();
    found.remove();
    any
}

fn everywhere() -> &'static [Matcher] {
    static COMPILED: std::sync::OnceLock<Vec<Matcher>> = std::sync::OnceLock::new();
    // One selector list: every item's content is walked once, not once per
    // selector (a tenth of a default-mode run went to these walks).
    COMPILED.get_or_init(|| match Matcher::new(&builtin::EVERYWHERE.join(", ")) {
        Ok(all) => vec![all],
        Err(_) => builtin::EVERYWHERE.iter().filter_map(|s| Matcher::new(s).ok()).collect(),
    })
}

/// The outer HTML of every element the first matching selector finds, in
/// document order, leaving out matches nested inside another match.
fn select_content(doc: &Document, content: &[Selector]) -> Option<(String, String)> {
    for selector in content {
        let found = doc.select_matcher(selector.matcher());
        if !found.exists() {
            continue;
        }
        let nodes: Vec<NodeRef> = found.nodes().to_vec();
        let ids: HashSet<_> = nodes.iter().map(|n| n.id).collect();
        let mut html = String::new();
        for n in nodes.iter().filter(|n| !n.ancestors(None).iter().any(|a| ids.contains(&a.id))) {
            html.push_str(&n.html());
        }
        if !html.trim().is_empty() {
            return Some((html, selector.as_str().to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_truncated_content_is_a_summary() {
        assert!(is_summary("<p>One sentence about the news.</p>"));
        assert!(is_summary(&format!("<p>{}</p>", "中".repeat(240))));
        assert!(!is_summary(&format!("<p>{}</p>", "中".repeat(260))));
        assert!(!is_summary(&format!("<p>{}</p>", "word ".repeat(130))));
        assert!(is_summary(&format!("<p>{} …</p>", "word ".repeat(130))));
        assert!(is_summary(&format!("<p>{}</p><p><a href=x>Continue reading »</a></p>", "word ".repeat(130))));
        assert!(is_summary(&format!("<p>{}……</p>", "中".repeat(400))));
        assert!(is_summary(""));
        // Only the end is lowered: a long text before it changes nothing,
        // nor does a character that lowers to two.
        assert!(is_summary(&format!("<p>{}İ READ MORE</p>", "word ".repeat(130))));
        assert!(is_summary(&format!("<p>{}İİİİİİİİİİİİİİİİİİİİ...</p>", "word ".repeat(130))));
        assert!(!is_summary(&format!("<p>{}İİİİİİİİİİİİİİİİİİİİ</p>", "word ".repeat(130))));
    }

    #[test]
    fn plain_text_leaves_ruby_annotations_out() {
        assert_eq!(plain_text("<p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>どもへの</p>"), "子どもへの");
    }

    #[test]
    fn content_without_furniture_comes_back_byte_for_byte() {
        let html = "<p class='x'>Tom &amp; Jerry&#8217;s</p>";
        assert_eq!(clean_fragment(html, None), html);
    }

    #[test]
    fn tracking_pixels_go_everywhere() {
        let out = clean_fragment(
            r#"<p>Text</p><img src="https://feeds.feedburner.com/~r/x/~4/abc" height="1" width="1"><img src="https://e.example/photo.jpg">"#,
            None,
        );
        assert!(!out.contains("feedburner"), "{out}");
        assert!(out.contains("photo.jpg") && out.contains("Text"), "{out}");
    }

    #[test]
    fn remove_then_content_selector() {
        let rules = Rules::new(&[".body"], &[".ad", "p:contains(\"Subscribe\")"]).unwrap();
        let page = "<html><body><nav>Menu</nav><div class=body><p>Story.</p><div class=ad>Buy</div>\
                    <p>Subscribe now</p></div></body></html>";
        let a = extract_page(page, None, Some(&rules)).unwrap();
        assert_eq!(a.html, "<div class=\"body\"><p>Story.</p></div>");
        assert_eq!(a.method, Method::Selector(".body".into()));
    }
}
