//! The article as the page itself marks it: `itemprop="articleBody"`
//! (schema.org microdata) and JSON-LD `articleBody`. A publisher that marks
//! its article body says more than any scoring of the page can guess.

use std::collections::HashSet;

use dom_query::{Document, NodeRef};

/// Below this many characters of text a marked body is a stub (a teaser
/// or a paywall's first lines), not the article.
const MIN_MARKED: usize = 200;

/// Elements the page hides from its reader, which Readability drops too.
const HIDDEN: &str = "[hidden], [aria-hidden=true], [style*=\"display:none\"], [style*=\"display: none\"], \
                      [style*=\"visibility:hidden\"], [style*=\"visibility: hidden\"]";

/// The elements marked `itemprop="articleBody"`, outermost only, in order.
pub fn marked_body(doc: &Document) -> Option<String> {
    let found = doc.select("[itemprop=articleBody], [itemprop=articlebody]");
    if !found.exists() {
        return None;
    }
    found.select(HIDDEN).remove();
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
    found.select(HIDDEN).remove();
    let html = found.html().to_string();
    (super::visible_chars(&html) >= MIN_MARKED).then_some(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_text_is_not_the_article() {
        let text = "The article's own words, long enough to count as one. ".repeat(6);
        let page = format!(
            "<html><body><article><p>{text}</p><div style=\"display: none\">Hidden teaser</div>\
             <p hidden>Hidden too</p></article></body></html>"
        );
        let html = single_article(&Document::from(page.as_str())).expect("article");
        assert!(html.contains("own words") && !html.contains("Hidden"), "{html}");
        let marked = format!(
            "<html><body><div itemprop=articleBody><p>{text}</p><p aria-hidden=true>Hidden</p></div></body></html>"
        );
        let html = marked_body(&Document::from(marked.as_str())).expect("marked body");
        assert!(html.contains("own words") && !html.contains("Hidden"), "{html}");
    }
}
