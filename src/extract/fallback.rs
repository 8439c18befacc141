//! A second opinion when the first one found little: the `trafilatura`
//! crate (a port of go-trafilatura), a different algorithm from
//! Readability's one best container. It finds the text of pages Readability
//! scores wrong (a recipe's steps in a list, a forum post, a short note
//! under a long menu), and costs twice newsmirror's own extraction, so it
//! runs only on the pages where ours came back short.
//!
//! Measured on the even half of trafilatura's evaluation set (`bench/
//! extract-eval.sh`): run below [`SHORT`] characters and taken when longer,
//! it ran on 9% of pages and raised recall from 0.933 to about 0.95. Raising
//! [`SHORT`] from 850 to 1,000 found three segments more there for two
//! leaks; 1,200 kept more leaks than it found text.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Below this many characters of visible text an article is worth a second
/// opinion (about 1,200 characters with spaces: a paragraph or two).
pub const SHORT: usize = 1000;

/// trafilatura's article (HTML) of the page, when it finds one.
pub fn trafilatura(page: &str, url: Option<&url::Url>) -> Option<String> {
    // Its own fallbacks (a Readability and a jusText pass) would repeat
    // what ours already did, at twice the time.
    // The page's date is read by our own metadata, so its date search is
    // off too.
    let mut options =
        trafilatura::Options::default().with_fallback(false).with_html_date_mode(trafilatura::HtmlDateMode::Disabled);
    if let Some(url) = url {
        options = options.with_url(url.clone());
    }
    // A third-party parser on a hostile page: its panic loses the second
    // opinion, never the run.
    let result = catch_unwind(AssertUnwindSafe(|| trafilatura::extract(page, &options))).ok()?.ok()?;
    (!result.content_html.trim().is_empty()).then_some(result.content_html)
}
