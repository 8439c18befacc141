//! Item identity: how the archive knows it has an article already.
//!
//! An item is known by its GUID within its source, and by its normalised
//! link across the whole archive (one article offered by two feeds is one
//! post). A link shared by several items of one feed (a home page) is no
//! identity; an item with neither GUID nor link is known by its title and
//! content.
//!
//! Feeds read through censorship-circumvention mirrors rewrite every link
//! and GUID to a rotating host: within a source, a link on one of its
//! mirror hosts is known by its path alone, and an item whose title and
//! publication time equal an already-mirrored post's is that article.

use chrono::{DateTime, Utc};
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

/// Whether `host` matches a mirror host pattern (`*.cloudfront.net`
/// matches any subdomain; other patterns match exactly).
pub fn is_mirror_host(host: &str, patterns: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    patterns.iter().any(|p| match p.strip_prefix("*.") {
        Some(suffix) => host.strip_suffix(suffix).is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
        None => host == *p,
    })
}

/// For a URL on one of the source's mirror hosts, the identity that does
/// not depend on which mirror served it: the source, the path and query.
pub fn mirror_identity(source: &str, url: &Url, patterns: &[String]) -> Option<String> {
    if !is_mirror_host(url.host_str()?, patterns) {
        return None;
    }
    let id = Url::parse(&identity_link(url)).ok()?;
    let query = id.query().map(|q| format!("?{q}")).unwrap_or_default();
    Some(format!("m\t{source}\t{}{query}", id.path()))
}

/// The key of an item's title and publication time within its source.
pub fn title_time_key(source: &str, title: &str, published: DateTime<Utc>) -> String {
    format!("t\t{source}\t{}\t{}", crate::text::clean_line(title), published.timestamp_millis())
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
            keys.push(if l.starts_with("m\t") { l.to_string() } else { format!("l\t{l}") });
        }
        if keys.is_empty() {
            let digest = Sha256::new().chain_update(title).chain_update([0]).chain_update(content).finalize();
            keys.push(format!("h\t{}", hex(&digest)));
        }
        Keys(keys)
    }

    /// Add a key that identifies the item too, after the others.
    pub fn also(mut self, key: String) -> Keys {
        self.0.push(key);
        self
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
    fn mirror_hosts_do_not_change_an_identity() {
        let hosts: Vec<String> = ["*.cloudfront.net", "mirror.example"].iter().map(|h| h.to_string()).collect();
        let a = Url::parse("https://d28q8bz7q2kx4q.cloudfront.net/china/20150316/c16trash-lens/?utm_source=x").unwrap();
        let b = Url::parse("https://d1dqx91p2uadmw.cloudfront.net/china/20150316/c16trash-lens/").unwrap();
        assert_eq!(mirror_identity("NYT", &a, &hosts), mirror_identity("NYT", &b, &hosts));
        assert!(mirror_identity("NYT", &a, &hosts).is_some());
        assert_ne!(mirror_identity("NYT", &a, &hosts), mirror_identity("CDT", &b, &hosts), "within a source only");
        assert!(is_mirror_host("mirror.example", &hosts) && !is_mirror_host("cloudfront.net", &hosts));
        assert!(!is_mirror_host("evilcloudfront.net", &hosts));
        assert!(mirror_identity("NYT", &Url::parse("https://www.nytimes.com/a").unwrap(), &hosts).is_none());
    }

    #[test]
    fn keys_fall_back_to_a_content_hash() {
        let k = Keys::new("s", None, None, "t", "c");
        assert!(k.0[0].starts_with("h\t"));
        assert_ne!(k, Keys::new("s", None, None, "t", "d"));
        assert_eq!(k.short_hash().len(), 8);
    }
}
