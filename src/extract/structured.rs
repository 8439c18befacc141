//! The article as the page itself marks it: `itemprop="articleBody"`
//! (schema.org microdata) and JSON-LD `articleBody`. A publisher that marks
//! its article body says more than any scoring of the page can guess.

use std::collections::HashSet;

use dom_query::{Document, NodeRef};

/// Below this many characters of text a marked body is a stub (a teaser
/// or a paywall's first lines), not the article.
const MIN_MARKED: usize = 200;

/// The elements marked `itemprop="articleBody"`, outermost only, in order.
pub fn marked_body(doc: &Document) -> Option<String> {
    let found = doc.select("[itemprop=articleBody], [itemprop=articlebody]");
    if !found.exists() {
        return None;
    }
    let nodes: Vec<NodeRef> = found.nodes().to_vec();
    let ids: HashSet<_> = nodes.iter().map(|n| n.id).collect();
    let mut html = String::new();
    for n in nodes.iter().filter(|n| !n.ancestors(None).iter().any(|a| ids.contains(&a.id))) {
        html.push_str(&n.html());
    }
    (super::visible_chars(&html) >= MIN_MARKED).then_some(html)
}

/// JSON-LD `articleBody` (plain text) as paragraphs, escaped: it is the
/// page's text, never its markup.
pub fn json_ld_body(body: &str) -> Option<String> {
    let mut html = String::new();
    for para in body.split('\n').map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p>");
        html.push_str(&quick_xml::escape::escape(para));
        html.push_str("</p>");
    }
    (super::visible_chars(&html) >= MIN_MARKED).then_some(html)
}

/// The page's one `<article>` element, when it has exactly one.
pub fn single_article(doc: &Document) -> Option<String> {
    let found = doc.select("article");
    if found.length() != 1 {
        return None;
    }
    let html = found.html().to_string();
    (super::visible_chars(&html) >= MIN_MARKED).then_some(html)
}
