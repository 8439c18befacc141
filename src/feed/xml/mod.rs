//! RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and YouTube feeds.
//!
//! The document is read once into a small element tree that remembers where
//! each element's content lies in the source, because post content must be
//! the feed's HTML *exactly* (raw mode copies it byte for byte). quick-xml
//! tokenises; recovery from the errors real feeds contain (mismatched end
//! tags, HTML entities, bare `&`) is done here, leniently, like a browser.

mod tree;
mod value;

use base64::Engine;

use super::{BodyKind, Feed, FeedError, Format, Item, ParseOptions, date};
use crate::text;
use tree::{ATOM, Node, Ns, PLAIN, build_tree, resolve};
use value::{html_value, html_value_for_text, text_value};

pub(super) fn parse(src: &str, opts: &ParseOptions) -> Result<Feed, FeedError> {
    // Checked before parsing: real pages are rarely well-formed XML, and the
    // useful answer for one is the feed it links, not where the XML broke.
    if looks_like_html(src) {
        return Err(FeedError::NotAFeed(describe_html(src)));
    }
    let root = build_tree(src)?;
    let doc = Doc { src, zone: opts.timezone };
    match (root.ns, root.name.as_str()) {
        (_, "rss") => Ok(doc.rss(&root)),
        (Ns::Rdf, "RDF") | (_, "RDF") => Ok(doc.rdf(&root)),
        (Ns::Atom | Ns::Atom03 | Ns::None, "feed") => Ok(doc.atom(&root)),
        // An Atom Entry Document: a feed of one.
        (Ns::Atom | Ns::Atom03, "entry") => Ok(Feed {
            format: if root.ns == Ns::Atom03 { Format::Atom03 } else { Format::Atom10 },
            encoding: "UTF-8",
            title: String::new(),
            link: None,
            items: vec![doc.atom_entry(&root)],
        }),
        (_, "html") => Err(FeedError::NotAFeed(describe_html(src))),
        (_, name) => Err(FeedError::NotAFeed(format!("the root element is <{name}>, not <rss>, <feed> or <rdf:RDF>"))),
    }
}

/// Whether the first markup after any prolog, comments and white space is
/// an HTML doctype or `<html>` start tag.
fn looks_like_html(src: &str) -> bool {
    let mut rest = src.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    loop {
        let skip_to = if rest.starts_with("<?") {
            rest.find("?>").map(|e| e + 2)
        } else if rest.starts_with("<!--") {
            rest.find("-->").map(|e| e + 3)
        } else {
            break;
        };
        let Some(end) = skip_to else { return false };
        rest = rest[end..].trim_start();
    }
    let head = rest.char_indices().nth(14).map_or(rest, |(i, _)| &rest[..i]).to_ascii_lowercase();
    // `<htmlfoo>` is some XML vocabulary's root, not HTML.
    head.starts_with("<!doctype html")
        || (head.starts_with("<html") && !head[5..].starts_with(|c: char| c.is_alphanumeric()))
}

fn describe_html(src: &str) -> String {
    match text::feed_links_in_html(src).first() {
        Some(link) => format!("an HTML page; it links a feed at {link}: use that URL"),
        None => "an HTML page, and it links no feed".to_string(),
    }
}

struct Doc<'a> {
    src: &'a str,
    zone: Option<chrono_tz::Tz>,
}

impl Doc<'_> {
    fn text(&self, node: Option<&Node>) -> Option<String> {
        node.map(|n| text_value(self.src, n).trim().to_string()).filter(|s| !s.is_empty())
    }

    fn html(&self, node: Option<&Node>) -> Option<String> {
        node.map(|n| html_value(self.src, n)).filter(|s| !s.trim().is_empty())
    }

    fn date(&self, node: Option<&Node>) -> Option<chrono::DateTime<chrono::Utc>> {
        self.text(node).and_then(|s| date::parse(&s, self.zone))
    }

    fn rss(&self, root: &Node) -> Feed {
        let format = match root.attr("version").map(str::trim) {
            Some(v) if v.starts_with("0.9") => Format::Rss09,
            _ => Format::Rss20,
        };
        let channel = root.child(PLAIN, "channel");
        // RSS 0.9x feeds sometimes put items beside the channel, not in it.
        let items = channel
            .into_iter()
            .flat_map(|c| c.children(PLAIN, "item"))
            .chain(root.children(PLAIN, "item"))
            .map(|n| self.rss_item(n))
            .collect();
        self.feed(format, channel, items)
    }

    fn rdf(&self, root: &Node) -> Feed {
        let channel = root.child(PLAIN, "channel");
        let format = match channel.map(|c| c.ns) {
            Some(Ns::Rss09) => Format::Rss09,
            _ => Format::Rss10,
        };
        let items = root.children(PLAIN, "item").map(|n| self.rss_item(n)).collect();
        self.feed(format, channel, items)
    }

    fn feed(&self, format: Format, channel: Option<&Node>, items: Vec<Item>) -> Feed {
        Feed {
            format,
            encoding: "UTF-8",
            title: self.text(channel.and_then(|c| c.child(PLAIN, "title"))).unwrap_or_default(),
            link: self.text(channel.and_then(|c| c.child(PLAIN, "link"))),
            items,
        }
    }

    fn rss_item(&self, item: &Node) -> Item {
        let guid_node = item.child(PLAIN, "guid");
        let guid = self.text(guid_node).or_else(|| item.attr("about").map(str::to_string));
        let guid_is_link = guid_node.and_then(|g| g.attr("isPermaLink")).is_none_or(|v| v.trim() != "false");
        let link_node = item.child(PLAIN, "link");
        let link = self
            .text(link_node)
            .map(|l| resolve(link_node.and_then(|n| n.base.as_deref()), &l))
            .or_else(|| alternate_link(item))
            .or_else(|| guid.clone().filter(|g| guid_is_link && text::is_http_url(g)));
        let (body, body_kind) = self.body(item);
        Item {
            guid,
            title: self
                .text(item.child(PLAIN, "title"))
                .or_else(|| self.media_title(item))
                .or_else(|| self.text(item.child(&[Ns::Dc], "title")))
                .unwrap_or_default(),
            link,
            author: self
                .text(item.child(PLAIN, "author"))
                .or_else(|| self.text(item.child(&[Ns::Dc], "creator")))
                .or_else(|| self.text(item.child(&[Ns::Atom], "author").and_then(|a| a.child(ATOM, "name")))),
            published: self
                .date(item.child(PLAIN, "pubDate"))
                .or_else(|| self.date(item.child(&[Ns::Dc], "date")))
                .or_else(|| self.date(item.child(&[Ns::Atom], "published")))
                .or_else(|| self.date(item.child(&[Ns::Atom], "updated"))),
            body,
            body_kind,
        }
    }

    fn atom(&self, root: &Node) -> Feed {
        let format = if root.ns == Ns::Atom03 || root.attr("version").is_some_and(|v| v.trim() == "0.3") {
            Format::Atom03
        } else {
            Format::Atom10
        };
        Feed {
            format,
            encoding: "UTF-8",
            title: self.atom_text(root.child(ATOM, "title")).unwrap_or_default(),
            link: alternate_link(root),
            items: root.children(ATOM, "entry").map(|e| self.atom_entry(e)).collect(),
        }
    }

    fn atom_entry(&self, entry: &Node) -> Item {
        let guid = self.text(entry.child(ATOM, "id"));
        let link = alternate_link(entry).or_else(|| guid.clone().filter(|g| text::is_http_url(g)));
        let (body, body_kind) = self.body(entry);
        let published = ["published", "issued", "updated", "modified", "created"]
            .iter()
            .find_map(|name| self.date(entry.child(ATOM, name)));
        Item {
            guid,
            title: self.atom_text(entry.child(ATOM, "title")).or_else(|| self.media_title(entry)).unwrap_or_default(),
            link,
            author: self.text(entry.child(ATOM, "author").and_then(|a| a.child(ATOM, "name"))),
            published,
            body,
            body_kind,
        }
    }

    /// The body by the precedence of FORMAT.md; the same order serves RSS and
    /// Atom because each format lacks the other's elements.
    fn body(&self, item: &Node) -> (String, BodyKind) {
        if let Some(html) = self.html(item.child(&[Ns::Content], "encoded")) {
            return (html, BodyKind::Html);
        }
        let media = item.child(&[Ns::Media], "group").unwrap_or(item);
        if let Some(desc) = media.child(&[Ns::Media], "description") {
            let kind = if desc.attr("type") == Some("html") { BodyKind::Html } else { BodyKind::Text };
            if let Some(v) = self.html(Some(desc)) {
                return (v, kind);
            }
        }
        if let Some(html) = self.html(item.child(PLAIN, "description")) {
            return (html, BodyKind::Html);
        }
        // Not in FORMAT.md's list, which it extends: RSS 1.0 feeds often
        // carry their text only here.
        if let Some(html) = self.html(item.child(&[Ns::Dc], "description")) {
            return (html, BodyKind::Html);
        }
        for name in ["content", "summary"] {
            if let Some(found) = item.child(ATOM, name).and_then(|n| self.atom_construct(n)) {
                return found;
            }
        }
        (String::new(), BodyKind::Html)
    }

    /// An Atom text construct (`type` text, html or xhtml; Atom 0.3 `mode`).
    fn atom_construct(&self, node: &Node) -> Option<(String, BodyKind)> {
        if node.attr("src").is_some() {
            return None;
        }
        let kind = node.attr("type").unwrap_or("text").trim().to_ascii_lowercase();
        match kind.as_str() {
            "xhtml" | "application/xhtml+xml" => {
                let div = node.child(&[Ns::Other, Ns::None], "div");
                let inner = div.map_or(node.inner.clone(), |d| d.inner.clone());
                let raw = &self.src[inner];
                (!raw.trim().is_empty()).then(|| (raw.to_string(), BodyKind::Html))
            }
            _ if is_inline_xml(node, &kind) => {
                let raw = &self.src[node.inner.clone()];
                (!raw.trim().is_empty()).then(|| (raw.to_string(), BodyKind::Html))
            }
            _ if is_base64(node, &kind) => {
                let text = text_value(self.src, node);
                let encoded: String = text.split_whitespace().collect();
                let body_kind = if kind.contains("html") { BodyKind::Html } else { BodyKind::Text };
                // A feed that declares a binary type but sends text is common
                // enough: keep the text rather than lose the item's body.
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or(text);
                Some((decoded, body_kind)).filter(|(v, _)| !v.trim().is_empty())
            }
            "html" | "text/html" => self.html(Some(node)).map(|v| (v, BodyKind::Html)),
            "text" | "text/plain" => self.html(Some(node)).map(|v| (v, BodyKind::Text)),
            // Atom 0.3 `mode="escaped"` with a MIME type, or anything else textual.
            _ => self.html(Some(node)).map(|v| (v, BodyKind::Html)),
        }
    }

    fn atom_text(&self, node: Option<&Node>) -> Option<String> {
        let node = node?;
        let kind = node.attr("type").unwrap_or("text").trim().to_ascii_lowercase();
        // Text constructs are never base64 in Atom 1.0; only 0.3 says so.
        if node.attr("mode").is_some_and(|m| m.trim() == "base64") {
            return self
                .atom_construct(node)
                .map(|(v, k)| if k == BodyKind::Html { text::html_to_text(&v) } else { v });
        }
        let value = match kind.as_str() {
            "html" | "text/html" | "xhtml" => text::html_to_text(&html_value_for_text(self.src, node)),
            _ => text_value(self.src, node),
        };
        Some(value.trim().to_string()).filter(|s| !s.is_empty())
    }

    fn media_title(&self, item: &Node) -> Option<String> {
        let media = item.child(&[Ns::Media], "group").unwrap_or(item);
        self.text(media.child(&[Ns::Media], "title"))
    }
}

/// Atom 0.3 says so with `mode="xml"`; in Atom 1.0 content of an XML media
/// type is child elements (RFC 4287 4.1.3.3), so what it escapes is text and
/// must stay escaped: it is copied like xhtml.
fn is_inline_xml(node: &Node, kind: &str) -> bool {
    match node.attr("mode") {
        Some(mode) => mode.trim() == "xml",
        None => node.ns == Ns::Atom && (kind.ends_with("/xml") || kind.ends_with("+xml")),
    }
}

/// Atom 0.3 says so with `mode="base64"`; Atom 1.0 content of a MIME type
/// that is neither text nor XML is base64 by definition.
fn is_base64(node: &Node, kind: &str) -> bool {
    if let Some(mode) = node.attr("mode") {
        return mode.trim() == "base64";
    }
    node.ns == Ns::Atom
        && kind.contains('/')
        && !kind.starts_with("text/")
        && !kind.ends_with("/xml")
        && !kind.ends_with("+xml")
}

/// `<link rel="alternate" href>` (or a link without `rel`) of an Atom entry
/// or feed; also `atom:link` inside RSS.
fn alternate_link(node: &Node) -> Option<String> {
    let mut fallback = None;
    for link in node.children(&[Ns::Atom, Ns::Atom03, Ns::None], "link") {
        let Some(href) = link.attr("href").map(str::trim).filter(|h| !h.is_empty()) else { continue };
        let href = resolve(link.base.as_deref(), href);
        match link.attr("rel").map(str::trim) {
            None | Some("alternate") => {
                if link.attr("type").is_none_or(|t| t.contains("html")) {
                    return Some(href);
                }
                fallback.get_or_insert(href);
            }
            _ => {}
        }
    }
    fallback
}

#[cfg(test)]
mod tests;
