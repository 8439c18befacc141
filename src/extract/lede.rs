//! The article's lede (standfirst): the summary paragraph a page sets under
//! its headline, in a container of its own beside the body, so Readability's
//! one best container leaves it out. The page names it: its `<meta>`
//! description is, on news and magazine pages, the lede's own text. Where
//! that text is shown on the page and the article lacks it, it goes first.
//!
//! Tuned on the even half of trafilatura's evaluation set: 48 of the 130
//! segments newsmirror missed there were in the page's description.

use dom_query::Document;

/// A description shorter than this is a site's tagline or a stub, not a lede.
const MIN_LEDE: usize = 40;
/// Characters of the description matched against the page: descriptions
/// are cut short ("…") by CMSs, so only their start is trusted.
const NEEDLE: usize = 60;
/// A block longer than this around the description is the article body
/// (or all of the page), not a lede.
const MAX_BLOCK: usize = 700;

/// Where a lede cannot be: the page's furniture.
const NOT_LEDE: &str = "nav, aside, footer, form, menu, script, style, noscript, template, select, button, \
                        [role=navigation], [role=complementary], [role=contentinfo]";

/// The block that shows the page's description.
pub struct Lede {
    /// The description's start, by which an article is known to hold it.
    needle: String,
    /// The block's text: the lede as the page shows it.
    text: String,
}

/// The block that shows the page's description, when one does.
pub fn find(doc: &Document) -> Option<Lede> {
    let desc = description(doc)?;
    let needle: String = desc.chars().take(NEEDLE).collect();
    // The start of the needle finds the text node; a needle spanning
    // inline markup (<b>, <a>) is matched by the ancestor holding all of it.
    let head: String = needle.chars().take(20).collect();
    let body = doc.select("body");
    let body = body.nodes().first()?;
    let start = body.descendants_it().find(|n| n.is_text() && normalise(&n.text()).contains(&head))?;
    let mut node = start.parent()?;
    loop {
        let text = normalise(&node.text());
        if text.chars().count() > MAX_BLOCK.max(desc.chars().count() * 3 / 2) {
            return None;
        }
        if text.contains(&needle) {
            if node.is(NOT_LEDE) || node.ancestors(None).iter().any(|a| a.is(NOT_LEDE)) {
                return None;
            }
            return Some(Lede { needle, text });
        }
        node = node.parent().filter(|p| p.id != body.id)?;
    }
}

/// `html` with the lede first, unless it holds the description already
/// (the block may hold more, a credit the cleanup took out).
pub fn prepend(html: String, lede: &Lede) -> String {
    if normalise(&crate::text::html_to_text(&html)).contains(&lede.needle) {
        return html;
    }
    format!("<p>{}</p>{html}", quick_xml::escape::escape(&lede.text))
}

/// The page's description, whitespace-normalised, without a trailing
/// ellipsis.
fn description(doc: &Document) -> Option<String> {
    let found = doc
        .select("meta[name=description i], meta[property=\"og:description\" i], meta[name=\"twitter:description\" i]");
    found.iter().find_map(|m| {
        let text = normalise(&m.attr("content")?);
        let text = text.trim_end_matches(['.', '…', ' ']).to_string();
        (text.chars().count() >= MIN_LEDE).then_some(text)
    })
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
