//! Item identity: how the archive knows it has an article already.
//!
//! An item is known by its GUID within its source, and by its normalised
//! link across the whole archive (one article offered by two feeds is one
//! post). A link shared by several items of one feed (a home page) is no
//! identity; an item with neither GUID nor link is known by its title and
//! content.

use sha2::{Digest, Sha256};
use url::Url;

/// The link as a WHATWG URL (what `from:` says), resolved against `base`.
pub fn post_link(link: &str, base: Option<&Url>) -> Option<Url> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let parsed = match base {
        Some(b) => b.join(link),
        None => Url::parse(link),
    };
    parsed.ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// The link as an identity: no fragment, no `utm_*` tracking parameters.
pub fn identity_link(url: &Url) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    if u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_"))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    u.to_string()
}

/// Identity keys of one item, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys(pub Vec<String>);

impl Keys {
    pub fn new(source: &str, guid: Option<&str>, link: Option<&str>, title: &str, content: &str) -> Keys {
        let mut keys = Vec::with_capacity(2);
        if let Some(g) = guid.map(str::trim).filter(|g| !g.is_empty()) {
            keys.push(format!("g\t{source}\t{g}"));
        }
        if let Some(l) = link {
            keys.push(format!("l\t{l}"));
        }
        if keys.is_empty() {
            let digest = Sha256::new().chain_update(title).chain_update([0]).chain_update(content).finalize();
            keys.push(format!("h\t{}", hex(&digest)));
        }
        Keys(keys)
    }

    /// First 8 hex digits of the SHA-256 of the item's main identity.
    pub fn short_hash(&self) -> String {
        let first = self.0.first().map(String::as_str).unwrap_or_default();
        hex(&Sha256::digest(first.as_bytes()))[..8].to_string()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatwg_normalisation() {
        let u = post_link("HTTPS://Example.COM/a b/../c?x=1#frag", None).unwrap();
        assert_eq!(u.as_str(), "https://example.com/c?x=1#frag");
        assert_eq!(
            post_link("/news/1", Some(&Url::parse("https://e.com/feed.xml").unwrap())).unwrap().as_str(),
            "https://e.com/news/1"
        );
        assert!(post_link("javascript:alert(1)", None).is_none());
    }

    #[test]
    fn identity_drops_fragment_and_utm() {
        let u = Url::parse("https://e.com/a?id=3&utm_source=rss&UTM_medium=x#top").unwrap();
        assert_eq!(identity_link(&u), "https://e.com/a?id=3");
        let u = Url::parse("https://e.com/a?utm_source=rss").unwrap();
        assert_eq!(identity_link(&u), "https://e.com/a");
    }

    #[test]
    fn keys_fall_back_to_a_content_hash() {
        let k = Keys::new("s", None, None, "t", "c");
        assert!(k.0[0].starts_with("h\t"));
        assert_ne!(k, Keys::new("s", None, None, "t", "d"));
        assert_eq!(k.short_hash().len(), 8);
    }
}
