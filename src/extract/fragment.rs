//! A feed item's own HTML cleaned of furniture by the `remove` rules.
//!
//! Almost every rule is plain CSS that lol_html's streaming rewriter can
//! match, so the content is cleaned in one pass over its bytes, without a
//! tree: building an html5ever tree here was over half of a default-mode
//! run's CPU (the sanitiser parses the content again anyway). What is not
//! removed keeps its bytes exactly. A rule lol_html cannot match
//! (`:contains`, sibling combinators), markup it refuses to read without a
//! tree (its strict mode), or a rewriter failure takes the tree path, which
//! is what the page extractor uses. Before any of that, the prescan
//! (`prescan`) leaves out the selectors whose literals the item does not
//! hold: each one lol_html is given is checked on every element.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use dom_query::Document;
use lol_html::{ElementContentHandlers, RewriteStrSettings, rewrite_str};

use super::prescan::Prescan;
use super::{Rules, builtin, remove_all};

/// `html` without the built-in furniture and what `rules` remove. Content
/// no rule can touch comes back unchanged without being read as HTML.
pub fn clean(html: &str, rules: Option<&Rules>) -> String {
    let remove = rules.map(|r| r.remove.as_slice()).unwrap_or_default();
    if remove.is_empty() && !builtin::EVERYWHERE_HINTS.iter().any(|h| html.contains(h)) {
        return html.to_string();
    }
    let (Some(everywhere), Some(own)) =
        (EVERYWHERE.as_ref(), remove.iter().map(|s| s.streaming()).collect::<Option<Vec<_>>>())
    else {
        return in_tree(html, rules);
    };
    let all: Vec<&lol_html::Selector> = everywhere.iter().chain(own).collect();
    let prescan = rules.map_or_else(|| Arc::clone(&EVERYWHERE_PRESCAN), Rules::prescan);
    let wanted: Vec<&lol_html::Selector> =
        all.iter().zip(prescan.candidates(html)).filter(|(_, could)| *could).map(|(s, _)| *s).collect();
    let selectors = if !wanted.is_empty() {
        wanted
    } else if MAY_REFUSE.candidates(html).contains(&true) {
        all
    } else {
        // Nothing can match, so the rewriter would hand the content back
        // as it is, unless it gave up on it and the tree path (whose
        // parser reads character references) had a go; it gives up only
        // on markup in a `<select>` or after a `<frameset>`.
        return html.to_string();
    };
    streamed(html, &selectors).unwrap_or_else(|| in_tree(html, rules))
}

/// The built-in everywhere-selectors, one by one so that the prescan can
/// leave out those an item cannot match; `None` would send every item down
/// the tree path, and `every_built_in_selector_streams` keeps that from
/// happening.
static EVERYWHERE: LazyLock<Option<Vec<lol_html::Selector>>> =
    LazyLock::new(|| builtin::EVERYWHERE.iter().map(|s| s.parse().ok()).collect());

/// The prescan of an item without rules of its own.
static EVERYWHERE_PRESCAN: LazyLock<Arc<Prescan>> =
    LazyLock::new(|| Arc::new(Prescan::new(builtin::EVERYWHERE.iter().copied())));

/// Start tags after which lol_html's strict mode may refuse the markup
/// (see its `AmbiguityGuard`), as selectors: the prescan finds their tags.
static MAY_REFUSE: LazyLock<Prescan> = LazyLock::new(|| Prescan::new(["select", "frameset"]));

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

    /// `clean` as it was before the prescan: every selector goes to lol_html.
    fn clean_with_every_selector(html: &str, rules: Option<&Rules>) -> String {
        let remove = rules.map(|r| r.remove.as_slice()).unwrap_or_default();
        if remove.is_empty() && !builtin::EVERYWHERE_HINTS.iter().any(|h| html.contains(h)) {
            return html.to_string();
        }
        let Some(own) = remove.iter().map(|s| s.streaming()).collect::<Option<Vec<_>>>() else {
            return in_tree(html, rules);
        };
        let all: Vec<_> = EVERYWHERE.as_ref().expect("streams").iter().chain(own).collect();
        streamed(html, &all).unwrap_or_else(|| in_tree(html, rules))
    }

    /// Every built-in site's rules, and one list that names furniture every
    /// way the prescan reads (tags, ids, classes, attribute conditions,
    /// combinators, a universal selector).
    fn rule_sets() -> Vec<Option<Rules>> {
        let mut sets: Vec<Option<Rules>> = vec![None];
        sets.extend(builtin::rules().into_iter().map(|(_, r)| Some(r)));
        let broad = [
            ".share",
            "#related",
            "[class*=related]",
            "[id^=ad]",
            "a[href$=\".pdf\"]",
            "aside, nav",
            "div > span[title]",
            "ul li.menu-item",
            "figure",
            "img[width=\"1\"]",
            "[data-src]",
            "[lang|=en]",
            "[class~=hidden]",
            "*[style*=\"display:none\"]",
            "section[aria-label=Share i]",
        ];
        sets.push(Some(Rules::new(&[] as &[&str], &broad).expect("valid selectors")));
        sets
    }

    /// Markup that reaches the edges of the prescan's reading.
    const ODD: &[&str] = &[
        "<DIV CLASS=\"share\">x</DIV><p>kept</p>",
        "<p class=Share>kept, classes compare exactly</p>",
        "<Img Width=1 Height=1 src=x><IMAGE src=\"https://pixel.wp.com/g.gif\">",
        "<img src=\"https://feeds.feedburner.com/~r/a/~4/b\" width=\"1\" height=\"1\">",
        "<p class=\"&#115;hare\">an encoded class</p><div class=ad>Buy</div>",
        "<select><div class=share><script>x</script></div></select><p>after</p>",
        "<select><p class=\"&#115;hare\"><textarea>x</textarea></p></select>",
        "<frameset><noscript><p class=sharedaddy>x</p></noscript>",
        "<NAV>menu</NAV><aside class=x>a</aside><p>kept</p>",
        "<section aria-label=SHARE>s</section><p lang=en-GB>kept</p>",
        "<div><span title=t>gone</span><span>kept</span></div>",
        "<table><tr><td class=related>r</td></tr></table></p></br>",
    ];

    #[test]
    #[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
    fn the_prescan_never_changes_what_is_removed() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let mut inputs: Vec<String> = ODD.iter().map(|s| s.to_string()).collect();
        let mut stack = vec![shared.join("feeds"), shared.join("extraction")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("corpus folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else { continue };
                match path.extension().and_then(|e| e.to_str()) {
                    Some("html" | "htm") => inputs.push(crate::extract::decode_page(&bytes, None).0),
                    Some("xml" | "rss" | "atom" | "rdf" | "json") => {
                        if let Ok(feed) = crate::feed::parse(&bytes, &Default::default()) {
                            inputs.extend(feed.items.into_iter().map(|i| i.body));
                        }
                    }
                    _ => {}
                }
            }
        }
        assert!(inputs.len() > 5_000, "{} inputs", inputs.len());
        let (mut checked, mut changed) = (0, 0);
        for rules in rule_sets() {
            for html in &inputs {
                let Ok(html) = crate::extract::bounds::prepare(html, &crate::extract::bounds::FRAGMENT) else {
                    continue;
                };
                let fast = clean(&html, rules.as_ref());
                assert_eq!(fast, clean_with_every_selector(&html, rules.as_ref()), "{rules:?}\n{html}");
                checked += 1;
                changed += usize::from(fast != *html);
            }
        }
        // Not vacuous: the rules took something out of many of them.
        assert!(changed > 1_000, "{changed} of {checked} changed");
    }
}
