//! Entities declared in a document's internal DTD subset
//! (`<!DOCTYPE rss [<!ENTITY copy "©">]>`), expanded with limits.
//!
//! External entities (`SYSTEM`, `PUBLIC`) are never read: a feed must not
//! make us open a file or fetch a URL. Expansion is bounded like libxml2's
//! amplification guard: each entity's replacement text, and all the text
//! expansions add to one document, have a ceiling; past it a reference stays
//! as written, so a "billion laughs" document costs a few kilobytes.

use std::cell::Cell;
use std::collections::HashMap;

/// Largest replacement text one entity may have, fully expanded.
const MAX_ENTITY: usize = 64 * 1024;
/// Most text all the expansions of one document may add.
const MAX_TOTAL: usize = 1 << 20;

#[derive(Debug, Default)]
pub(super) struct Entities {
    map: HashMap<String, String>,
    /// Declared but over the limit: entities built on them are refused too.
    over: Vec<String>,
    spent: Cell<usize>,
    refused: Cell<bool>,
}

impl Entities {
    /// The general entities a `<!DOCTYPE …>` declaration (as written) defines.
    pub(super) fn from_doctype(decl: &str) -> Entities {
        let mut entities = Entities::default();
        let Some(open) = decl.find('[') else { return entities };
        let subset = &decl[open + 1..];
        let mut declared = 0usize;
        let mut rest = subset;
        while let Some(at) = rest.find("<!ENTITY") {
            rest = rest[at + "<!ENTITY".len()..].trim_start();
            if rest.starts_with('%') {
                continue; // parameter entities only shape the DTD
            }
            let name_end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            let name = rest[..name_end].to_string();
            rest = rest[name_end..].trim_start();
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue; // SYSTEM or PUBLIC: external, never read
            };
            let Some(end) = rest[1..].find(quote) else { break };
            let literal = &rest[1..1 + end];
            rest = &rest[1 + end + 1..];
            if name.is_empty() || entities.map.contains_key(&name) {
                continue; // the first declaration binds (XML 1.0, 4.2)
            }
            match entities.expand_literal(literal) {
                Some(value) if declared + value.len() <= MAX_TOTAL => {
                    declared += value.len();
                    entities.map.insert(name, value);
                }
                _ => {
                    entities.over.push(name.clone());
                    if !entities.refused.replace(true) {
                        tracing::warn!(entity = %name, "entity expands past the limit; left unexpanded");
                    }
                }
            }
        }
        entities
    }

    /// The replacement text of `name`, or `None` when it is not declared
    /// here or the document's expansion budget is spent.
    pub(super) fn expand(&self, name: &str) -> Option<&str> {
        let value = self.map.get(name)?;
        let spent = self.spent.get() + value.len();
        if spent > MAX_TOTAL {
            if !self.refused.replace(true) {
                tracing::warn!(entity = %name, "entity expansions exceed the document's limit; left unexpanded");
            }
            return None;
        }
        self.spent.set(spent);
        Some(value)
    }

    /// A literal with its character references and references to entities
    /// declared before it expanded; `None` when that grows past the limit.
    fn expand_literal(&self, literal: &str) -> Option<String> {
        let mut out = String::with_capacity(literal.len());
        let mut rest = literal;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let after = &rest[amp + 1..];
            let end = after.find(';').filter(|&e| e > 0 && !after[..e].contains(char::is_whitespace));
            if let Some(e) = end
                && self.over.iter().any(|o| o == &after[..e])
            {
                return None;
            }
            let value = end.and_then(|e| {
                let name = &after[..e];
                match self.map.get(name) {
                    Some(v) => Some(std::borrow::Cow::Borrowed(v.as_str())),
                    // XML defers these to where the entity is used; the
                    // value is stored as text, so that is here.
                    None if name.starts_with('#') || matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") => {
                        crate::text::resolve_entity(name)
                    }
                    None => None,
                }
            });
            match (end, value) {
                (Some(e), Some(v)) => {
                    out.push_str(&v);
                    rest = &after[e + 1..];
                }
                _ => {
                    out.push('&');
                    rest = after;
                }
            }
            if out.len() > MAX_ENTITY {
                return None;
            }
        }
        out.push_str(rest);
        (out.len() <= MAX_ENTITY).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_entities_expand_and_external_ones_are_never_read() {
        let e = Entities::from_doctype(
            r#"<!DOCTYPE rss [ <!ENTITY org "Example &amp; Co"> <!ENTITY full "&org;, &#169; 2024">
            <!ENTITY passwd SYSTEM "file:///etc/passwd"> <!ENTITY % p "x"> ]>"#,
        );
        assert_eq!(e.expand("full"), Some("Example & Co, © 2024"));
        assert_eq!(e.expand("passwd"), None);
        assert_eq!(e.expand("p"), None);
    }

    #[test]
    fn a_billion_laughs_stays_small() {
        let mut decl = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        let mut prev = "lol".to_string();
        for i in 1..10 {
            let name = format!("lol{i}");
            decl.push_str(&format!("<!ENTITY {name} \"{}\">", format!("&{prev};").repeat(10)));
            prev = name;
        }
        decl.push_str("]>");
        let e = Entities::from_doctype(&decl);
        assert_eq!(e.expand("lol9"), None, "built on an entity over the limit: refused too");
        assert!(e.expand("lol4").is_some(), "30 kB is within the limit");
        let mut total = 0;
        for _ in 0..1000 {
            total += e.expand("lol9").map_or(0, str::len);
        }
        assert!(total <= MAX_TOTAL, "{total} bytes of expansion");
        // A big entity used many times is capped too (quadratic blowup).
        let big = format!("<!DOCTYPE x [<!ENTITY a \"{}\">]>", "a".repeat(60_000));
        let e = Entities::from_doctype(&big);
        let used: usize = (0..100).map(|_| e.expand("a").map_or(0, str::len)).sum();
        assert!(used <= MAX_TOTAL);
        assert!(e.expand("a").is_none(), "the budget is spent");
    }
}
