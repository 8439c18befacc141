//! Cleanup rules: which part of a page is the article (`content`) and which
//! parts of it are not (`remove`), as CSS selectors.
//!
//! Selectors are CSS as `dom_query` reads it, plus its text pseudo-classes
//! `:contains("…")` and `:has-text("…")`, which is how boilerplate lines
//! ("The post … appeared first on …", copyright notices) are named.

use std::sync::{Arc, OnceLock};

use dom_query::Matcher;
use url::Url;

use super::builtin;
use super::prescan::Prescan;

/// One compiled selector, kept with its text for messages and equality.
#[derive(Clone, Debug)]
pub struct Selector {
    text: String,
    matcher: Matcher,
    /// The same selector for lol_html's streaming rewriter, when it can
    /// match it (no text pseudo-classes or sibling combinators): feed
    /// content is cleaned without building a tree (see `fragment`).
    streaming: Option<lol_html::Selector>,
}

impl Selector {
    pub fn new(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty selector".into());
        }
        let matcher = Matcher::new(text).map_err(|e| format!("invalid CSS selector {text:?}: {e:?}"))?;
        let streaming = text.parse().ok();
        Ok(Selector { text: text.to_string(), matcher, streaming })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(super) fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    pub(super) fn streaming(&self) -> Option<&lol_html::Selector> {
        self.streaming.as_ref()
    }
}

impl PartialEq for Selector {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// The rules for one site or source.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Rules {
    /// Tried in order; every element the first matching selector finds,
    /// in document order, is the article. None matching: readability decides.
    pub content: Vec<Selector>,
    /// Removed from the page before the article is chosen, and from the
    /// feed's own content.
    pub remove: Vec<Selector>,
    /// One of newsmirror's own site rules: written against the site's
    /// layout of one day, so on a page of an older or newer layout its
    /// `content` can name a stub, and the page's own reading is tried too.
    /// A source's configured rule is its owner's word and always wins.
    pub(super) built_in: bool,
    /// The literals of the built-in everywhere-selectors and of `remove`,
    /// read once, on first use: see `prescan`.
    literals: Literals,
}

/// A cache, not a rule: equal whatever it holds.
#[derive(Clone, Debug, Default)]
struct Literals(OnceLock<(Vec<String>, Arc<Prescan>)>);

impl PartialEq for Literals {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Rules {
    /// Compile `content` and `remove` selectors; the error names the bad one.
    pub fn new<S: AsRef<str>>(content: &[S], remove: &[S]) -> Result<Rules, String> {
        let compile = |list: &[S]| list.iter().map(|s| Selector::new(s.as_ref())).collect::<Result<Vec<_>, _>>();
        Ok(Rules {
            content: compile(content)?,
            remove: compile(remove)?,
            built_in: false,
            literals: Literals::default(),
        })
    }

    /// The prescan of [`builtin::EVERYWHERE`] then `remove`, selector by
    /// selector. `remove` is public: one changed after the first use gets
    /// a prescan of its own each call rather than a stale one.
    pub(super) fn prescan(&self) -> Arc<Prescan> {
        let texts = || self.remove.iter().map(Selector::as_str);
        let build = || Arc::new(Prescan::new(builtin::EVERYWHERE.iter().copied().chain(texts())));
        let (made_for, cached) = self.literals.0.get_or_init(|| (texts().map(str::to_string).collect(), build()));
        if texts().eq(made_for.iter().map(String::as_str)) { Arc::clone(cached) } else { build() }
    }
}

/// Rules keyed by the article link's domain: the configured ones first,
/// then the built-in ones. `example.com` also covers `www.example.com`.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    domains: Vec<(String, Rules)>,
}

impl RuleSet {
    /// `configured` rules take precedence over built-in rules for the same
    /// domain (the most specific domain wins either way).
    pub fn new(configured: Vec<(String, Rules)>) -> RuleSet {
        let mut domains = configured;
        domains.extend(builtin::rules());
        RuleSet { domains }
    }

    /// The rules for an article at `link`, if any site's apply.
    pub fn for_link(&self, link: &Url) -> Option<&Rules> {
        let host = link.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        let mut best: Option<&(String, Rules)> = None;
        for entry in &self.domains {
            let d = entry.0.as_str();
            let covers = host == d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.'));
            if covers && best.is_none_or(|b| b.0.len() < d.len()) {
                best = Some(entry);
            }
        }
        best.map(|(_, rules)| rules)
    }

    /// The domains rules are known for, for `newsmirror extract --rules`.
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().map(|(d, _)| d.as_str())
    }

    pub fn for_domain(&self, domain: &str) -> Option<&Rules> {
        let domain = normalise_domain(domain);
        self.domains.iter().find(|(d, _)| *d == domain).map(|(_, r)| r)
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::new(Vec::new())
    }
}

/// `https://www.Example.com/x` or `Example.com.` → `example.com`; a rule
/// written for `www.example.com` is meant for the whole site.
pub fn normalise_domain(domain: &str) -> String {
    let d = domain.trim();
    let d = Url::parse(d).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_else(|| d.to_string());
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    d.strip_prefix("www.").map(str::to_string).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_selector_is_named() {
        let e = Rules::new(&["div.ok"], &["p[["]).unwrap_err();
        assert!(e.contains("p[["), "{e}");
    }

    #[test]
    fn most_specific_domain_wins_and_subdomains_are_covered() {
        let set = RuleSet::new(vec![
            ("example.com".into(), Rules::new(&["main"], &[]).unwrap()),
            ("news.example.com".into(), Rules::new(&["article"], &[]).unwrap()),
        ]);
        let at = |u: &str| set.for_link(&Url::parse(u).unwrap()).map(|r| r.content[0].as_str().to_string());
        assert_eq!(at("https://www.example.com/a").as_deref(), Some("main"));
        assert_eq!(at("https://news.example.com/a").as_deref(), Some("article"));
        assert_eq!(at("https://notexample.com/a"), None);
        assert!(at("https://www.cna.com.tw/news/aopl/1.aspx").is_some());
    }

    #[test]
    fn configured_rules_shadow_built_in_ones() {
        let set = RuleSet::new(vec![("cna.com.tw".into(), Rules::new(&["#mine"], &[]).unwrap())]);
        let r = set.for_link(&Url::parse("https://www.cna.com.tw/news/a.aspx").unwrap()).unwrap();
        assert_eq!(r.content[0].as_str(), "#mine");
        assert_eq!(normalise_domain("https://WWW.Example.com/x"), "example.com");
    }
}
