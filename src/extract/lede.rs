//! The article's lede (standfirst): the summary paragraph a page sets under
//! its headline, in a container of its own beside the body, so Readability's
//! one best container leaves it out. The page names it: its `<meta>`
//! description is, on news and magazine pages, the lede's own text. Where
//! that text is shown on the page and the article lacks it, it goes first.
//!
//! Tuned on the even half of trafilatura's evaluation set: 48 of the 130
//! segments newsmirror missed there were in the page's description.

use dom_query::{Document, NodeId, NodeRef};

use super::structured::HIDDEN;

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
    // Not only the first showing: the description also sits in the page's
    // JSON-LD, its analytics scripts and hidden share boxes, often before
    // the lede itself.
    body.descendants_it()
        .filter(|n| n.is_text() && normalise(&n.text()).contains(&head))
        .find_map(|start| block_of(&start, body.id, &needle, desc.chars().count()))
}

/// The smallest block around `start` that holds all of `needle`, if it is a
/// lede: short, and not in the page's furniture or hidden.
fn block_of(start: &NodeRef, body: NodeId, needle: &str, desc_chars: usize) -> Option<Lede> {
    let mut node = start.parent()?;
    loop {
        let text = normalise(&node.text());
        if text.chars().count() > MAX_BLOCK.max(desc_chars * 3 / 2) {
            return None;
        }
        if text.contains(needle) {
            let not_lede = |n: &NodeRef| n.is(NOT_LEDE) || n.is(HIDDEN);
            if not_lede(&node) || node.ancestors(None).iter().any(not_lede) {
                return None;
            }
            return Some(Lede { needle: needle.to_string(), text });
        }
        node = node.parent().filter(|p| p.id != body)?;
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
