//! The article as the page itself marks it: `itemprop="articleBody"`
//! (schema.org microdata) and JSON-LD `articleBody`. A publisher that marks
//! its article body says more than any scoring of the page can guess.

use std::collections::HashSet;

use dom_query::{Document, NodeRef};

/// Below this many characters of text a marked body is a stub (a teaser
/// or a paywall's first lines), not the article.
const MIN_MARKED: usize = 200;

/// Elements the page hides from its reader, which Readability drops too.
pub const HIDDEN: &str = "[hidden], [aria-hidden=true], [style*=\"display:none\"], [style*=\"display: none\"], \
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
    let outer: Vec<&NodeRef> =
        nodes.iter().filter(|n| !n.ancestors(None).iter().any(|a| ids.contains(&a.id))).collect();
    if let Some(lede) = outer.first().and_then(|first| lede_of(doc, first)) {
        html.push_str(&lede);
    }
    for n in outer {
        html.push_str(&n.html());
    }
    (super::visible_chars(&html) >= MIN_MARKED).then_some(html)
}

/// The article's lede when the page marks it `itemprop="description"` beside
/// its body rather than in it (a news CMS's "teaser" box above the text):
/// part of the article, and the body alone starts at its second paragraph.
/// Only one close to the body (its parent is within three levels of the
/// body) counts, so a site-wide description elsewhere on the page does not.
fn lede_of(doc: &Document, body: &NodeRef) -> Option<String> {
    let near: HashSet<_> = body.ancestors(Some(3)).iter().map(|a| a.id).collect();
    let lede = *doc
        .select("[itemprop=description]")
        .nodes()
        .iter()
        .find(|d| !d.is("meta") && d.parent().is_some_and(|p| near.contains(&p.id)))?;
    if lede.ancestors(None).iter().any(|a| a.id == body.id) || body.ancestors(None).iter().any(|a| a.id == lede.id) {
        return None;
    }
    let text = lede.text();
    (text.trim().chars().count() >= 20 && !body.text().contains(text.trim())).then(|| lede.html().to_string())
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
