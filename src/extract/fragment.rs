//! A feed item's own HTML cleaned of furniture by the `remove` rules.
//!
//! Almost every rule is plain CSS that lol_html's streaming rewriter can
//! match, so the content is cleaned in one pass over its bytes, without a
//! tree: building an html5ever tree here was over half of a default-mode
//! run's CPU (the sanitiser parses the content again anyway). What is not
//! removed keeps its bytes exactly. A rule lol_html cannot match
//! (`:contains`, sibling combinators), markup it refuses to read without a
//! tree (its strict mode), or a rewriter failure takes the tree path, which
//! is what the page extractor uses.

use std::borrow::Cow;
use std::sync::LazyLock;

use dom_query::Document;
use lol_html::{ElementContentHandlers, RewriteStrSettings, rewrite_str};

use super::{Rules, builtin, remove_all};

/// `html` without the built-in furniture and what `rules` remove. Content
/// no rule can touch comes back unchanged without being read as HTML.
pub fn clean(html: &str, rules: Option<&Rules>) -> String {
    let remove = rules.map(|r| r.remove.as_slice()).unwrap_or_default();
    if remove.is_empty() && !builtin::EVERYWHERE_HINTS.iter().any(|h| html.contains(h)) {
        return html.to_string();
    }
    let streaming: Option<Vec<&lol_html::Selector>> =
        std::iter::once(EVERYWHERE.as_ref()).chain(remove.iter().map(|s| s.streaming())).collect();
    streaming.and_then(|selectors| streamed(html, &selectors)).unwrap_or_else(|| in_tree(html, rules))
}

/// The built-in everywhere-selectors as one list, so each element is
/// matched once; `None` would send every item down the tree path, and
/// `every_built_in_selector_streams` keeps that from happening.
static EVERYWHERE: LazyLock<Option<lol_html::Selector>> = LazyLock::new(|| builtin::EVERYWHERE.join(", ").parse().ok());

fn streamed(html: &str, selectors: &[&lol_html::Selector]) -> Option<String> {
    // lol_html has panicked on malformed input before (tests/fixtures/fuzz/):
    // the tree path reads whatever it could not.
    std::panic::catch_unwind(|| {
        let handlers = selectors
            .iter()
            .map(|s| {
                let remove = ElementContentHandlers::default().element(|el: &mut lol_html::html_content::Element| {
                    el.remove();
                    Ok(())
                });
                (Cow::Borrowed(*s), remove)
            })
            .collect();
        let settings = RewriteStrSettings {
            element_content_handlers: handlers,
            // `<esi:include>` is a tag like any other here, as it is to html5ever.
            enable_esi_tags: false,
            ..RewriteStrSettings::new()
        };
        rewrite_str(html, settings)
    })
    .ok()?
    .ok()
}

fn in_tree(html: &str, rules: Option<&Rules>) -> String {
    let doc = Document::fragment(html);
    if !remove_all(&doc, rules) {
        return html.to_string();
    }
    doc.select("html").inner_html().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_selector_streams() {
        assert!(EVERYWHERE.is_some());
        for (domain, rules) in builtin::rules() {
            for s in rules.remove.iter().filter(|s| !s.as_str().contains(":contains")) {
                assert!(s.streaming().is_some(), "{domain}: {}", s.as_str());
            }
        }
    }

    #[test]
    fn both_paths_remove_the_same_furniture() {
        let html = "<div><p>Story <b>one</b>.</p><div class=\"share-bar\"><a href=\"/s\">Share</a></div>\
                    <ul class=\"related\"><li>Other</li></ul><img src=\"https://pixel.wp.com/g.gif\">\
                    <p>Story two.</p></div>";
        let rules = Rules::new(&[] as &[&str], &[".share-bar", "ul.related"]).unwrap();
        let streamed = clean(html, Some(&rules));
        assert_eq!(streamed, "<div><p>Story <b>one</b>.</p><p>Story two.</p></div>");
        assert_eq!(in_tree(html, Some(&rules)), streamed);
    }

    #[test]
    fn a_text_rule_takes_the_tree_path() {
        let rules = Rules::new(&[] as &[&str], &[".ad", "p:contains(\"appeared first on\")"]).unwrap();
        let out = clean("<p>Story.</p><p>The post appeared first on X.</p><div class=ad>Buy</div>", Some(&rules));
        assert_eq!(out, "<p>Story.</p>");
    }

    #[test]
    fn unclosed_furniture_takes_no_more_than_a_tree_would() {
        // A share block left open inside a closed container ends with it.
        let rules = Rules::new(&[] as &[&str], &[".share"]).unwrap();
        let out = clean("<section><div class=share>Share</section><p>Kept.</p>", Some(&rules));
        assert!(out.contains("Kept."), "{out}");
        let out = clean("<div><p>One.</p><div class=share>Share</div><p>Two.</p>", Some(&rules));
        assert!(out.contains("Two."), "{out}");
    }
}
