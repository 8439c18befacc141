//! RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and YouTube feeds.
//!
//! The document is read once into a small element tree that remembers where
//! each element's content lies in the source, because post content must be
//! the feed's HTML *exactly* (raw mode copies it byte for byte). quick-xml
//! tokenises; recovery from the errors real feeds contain (mismatched end
//! tags, HTML entities, bare `&`) is done here, leniently, like a browser.

mod dtd;
mod tree;
mod value;

use base64::Engine;

use super::{BodyKind, Feed, FeedError, Format, Item, ParseOptions, date};
use crate::text;
use tree::{ATOM, Node, Ns, PLAIN, Tree, build_tree, resolve};
use value::{Ctx, html_value, html_value_for_text, text_value, xhtml_value};

pub(super) fn parse(src: &str, opts: &ParseOptions) -> Result<Feed, FeedError> {
    // Real pages are rarely well-formed XML, and the useful answer for one
    // is the feed it links, not where the XML broke; but an XHTML doctype
    // before `<rss>` is a generator's habit: the root element decides.
    let html = looks_like_html(src);
    let tree = match build_tree(src) {
        Ok(t) => t,
        Err(_) if html => return Err(FeedError::NotAFeed(describe_html(src))),
        Err(e) => return Err(e),
    };
    let Tree { root, entities, xhtml_prefixes, truncated } = tree;
    let doc = Doc { ctx: Ctx { src, entities: &entities, xhtml_prefixes: &xhtml_prefixes }, zone: opts.timezone };
    let mut feed = match (root.ns, root.name.as_str()) {
        (_, "rss") => doc.rss(&root),
        (Ns::Rdf, "RDF") | (_, "RDF" | "rdf") => doc.rdf(&root),
        (Ns::Atom | Ns::Atom03 | Ns::None, "feed") => doc.atom(&root),
        // An Atom Entry Document: a feed of one.
        (Ns::Atom | Ns::Atom03, "entry") => Feed {
            format: if root.ns == Ns::Atom03 { Format::Atom03 } else { Format::Atom10 },
            encoding: "UTF-8",
            encoding_reason: String::new(),
            truncated: false,
            title: String::new(),
            link: None,
            items: vec![doc.atom_entry(&root)],
        },
        _ if html => return Err(FeedError::NotAFeed(describe_html(src))),
        (_, "html") => return Err(FeedError::NotAFeed(describe_html(src))),
        (_, name) => {
            return Err(FeedError::NotAFeed(format!("the root element is <{name}>, not <rss>, <feed> or <rdf:RDF>")));
        }
    };
    if let Some(why) = truncated {
        // Nothing complete before the cut: no feed to speak of.
        if feed.items.is_empty() {
            return Err(FeedError::Xml(why));
        }
        tracing::debug!(reason = %why, kept = feed.items.len(), "truncated feed");
        feed.truncated = true;
    }
    Ok(feed)
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
    ctx: Ctx<'a>,
    zone: Option<chrono_tz::Tz>,
}

/// Elements that hold an RSS item's full content, in FORMAT.md's order.
const RSS_FULL_CONTENT: &[(&[Ns], &str)] =
    &[(&[Ns::Content], "encoded"), (&[Ns::Xhtml], "body"), (PLAIN, "body"), (PLAIN, "fullitem")];

impl Doc<'_> {
    fn text(&self, node: Option<&Node>) -> Option<String> {
        node.map(|n| text_value(&self.ctx, n).trim().to_string()).filter(|s| !s.is_empty())
    }

    fn html(&self, node: Option<&Node>) -> Option<String> {
        node.map(|n| html_value(&self.ctx, n)).filter(|s| !s.trim().is_empty())
    }

    fn date(&self, node: Option<&Node>) -> Option<chrono::DateTime<chrono::Utc>> {
        self.text(node).and_then(|s| date::parse(&s, self.zone))
    }

    /// A person's name: an element's `<name>` child (Atom, and RSS feeds
    /// that borrow it), else its text, with RSS's `email (Name)` reduced to
    /// the name.
    fn person(&self, node: Option<&Node>) -> Option<String> {
        let node = node?;
        // With child elements (`<name>`, `<email>`, `<uri>`), only the name
        // is one: an address or a home page is no name.
        if node.child_count() > 0 {
            return self.text(node.child(&[Ns::Atom, Ns::Atom03, Ns::None, Ns::Other, Ns::Itunes], "name"));
        }
        self.text(Some(node)).map(|t| name_of_address(&t))
    }

    /// The link an element writes, as an Atom `<link href>` or as text.
    fn link_of(&self, node: &Node) -> Option<String> {
        let href = node.attr("href").map(str::to_string).or_else(|| self.text(Some(node)))?;
        let href = href.trim();
        (!href.is_empty()).then(|| resolve(node.base.as_deref(), href))
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
        let link = channel
            .and_then(|c| c.child(PLAIN, "link"))
            .and_then(|l| self.link_of(l))
            .or_else(|| channel.and_then(|c| self.alternate_link(c)));
        with_home(Feed {
            format,
            encoding: "UTF-8",
            encoding_reason: String::new(),
            truncated: false,
            title: self.text(channel.and_then(|c| c.child(PLAIN, "title"))).unwrap_or_default(),
            link,
            items,
        })
    }

    fn rss_item(&self, item: &Node) -> Item {
        let guid_node = item.child(PLAIN, "guid");
        let guid = self.text(guid_node).or_else(|| item.attr("about").map(str::to_string));
        let guid_is_link = guid_node.and_then(|g| g.attr("isPermaLink")).is_none_or(|v| v.trim() != "false");
        let link = item
            .child(PLAIN, "link")
            .and_then(|l| self.link_of(l))
            .or_else(|| self.alternate_link(item))
            .or_else(|| guid.clone().filter(|g| guid_is_link && text::is_http_url(g)));
        let (body, body_kind, base) = self.body(item);
        let dc = |name| item.child(&[Ns::Dc], name);
        Item {
            guid,
            title: self
                .text(item.child(PLAIN, "title"))
                .or_else(|| self.media_title(item))
                .or_else(|| self.text(dc("title")))
                .unwrap_or_default(),
            link,
            author: self
                .person(item.child(PLAIN, "author"))
                .or_else(|| self.person(dc("creator")))
                .or_else(|| self.person(dc("author")))
                .or_else(|| self.person(item.child(&[Ns::Itunes], "author")))
                .or_else(|| self.person(item.child(&[Ns::Atom], "author"))),
            published: self
                .date(item.child(PLAIN, "pubDate"))
                .or_else(|| ["date", "issued", "created", "modified"].iter().find_map(|n| self.date(dc(n))))
                .or_else(|| self.date(item.child(&[Ns::Atom], "published")))
                .or_else(|| self.date(item.child(&[Ns::Atom], "updated"))),
            body,
            body_kind,
            base: base.or_else(|| item.base.as_deref().map(str::to_string)),
        }
    }

    fn atom(&self, root: &Node) -> Feed {
        let format = if root.ns == Ns::Atom03 || root.attr("version").is_some_and(|v| v.trim() == "0.3") {
            Format::Atom03
        } else {
            Format::Atom10
        };
        with_home(Feed {
            format,
            encoding: "UTF-8",
            encoding_reason: String::new(),
            truncated: false,
            title: self.atom_text(root.child(ATOM, "title")).unwrap_or_default(),
            // A relative home page is relative to the feed's own URL, which
            // `rel="self"` names (what a feed read from a file has to go on).
            link: self.alternate_link(root).map(|home| match self.self_link(root) {
                Some(own) if !text::is_http_url(&home) => resolve(Some(&own), &home),
                _ => home,
            }),
            items: root.children(ATOM, "entry").map(|e| self.atom_entry(e)).collect(),
        })
    }

    fn atom_entry(&self, entry: &Node) -> Item {
        let guid = self.text(entry.child(ATOM, "id"));
        let link = self.alternate_link(entry).or_else(|| guid.clone().filter(|g| text::is_http_url(g)));
        let (body, body_kind, base) = self.body(entry);
        let published = ["published", "issued", "updated", "modified", "created"]
            .iter()
            .find_map(|name| self.date(entry.child(ATOM, name)))
            .or_else(|| self.date(entry.child(&[Ns::Dc], "date")));
        Item {
            guid,
            title: self.atom_text(entry.child(ATOM, "title")).or_else(|| self.media_title(entry)).unwrap_or_default(),
            link,
            author: self
                .person(entry.child(ATOM, "author"))
                .or_else(|| self.person(entry.child(&[Ns::Dc], "creator")))
                .or_else(|| self.person(entry.child(&[Ns::Itunes], "author"))),
            published,
            body,
            body_kind,
            base: base.or_else(|| entry.base.as_deref().map(str::to_string)),
        }
    }

    /// The body by the precedence of FORMAT.md, with the `xml:base` in
    /// effect where it was found; the same order serves RSS and Atom
    /// because each format lacks the other's elements.
    fn body(&self, item: &Node) -> (String, BodyKind, Option<String>) {
        let based = |node: &Node, (v, k): (String, BodyKind)| (v, k, node.base.as_deref().map(str::to_string));
        for &(ns, name) in RSS_FULL_CONTENT {
            let Some(node) = item.child(ns, name) else { continue };
            let value = if node.ns == Ns::Xhtml {
                Some(xhtml_value(&self.ctx, &self.ctx.src[node.inner.clone()])).filter(|v| !v.trim().is_empty())
            } else {
                self.html(Some(node))
            };
            if let Some(v) = value {
                return based(node, (v, BodyKind::Html));
            }
        }
        let media = item.child(&[Ns::Media], "group").unwrap_or(item);
        if let Some(desc) = media.child(&[Ns::Media], "description") {
            let kind = if desc.attr("type") == Some("html") { BodyKind::Html } else { BodyKind::Text };
            if let Some(v) = self.html(Some(desc)) {
                return based(desc, (v, kind));
            }
        }
        // `dc:description` is not in FORMAT.md's list, which it extends:
        // RSS 1.0 feeds often carry their text only there.
        for node in [item.child(PLAIN, "description"), item.child(&[Ns::Dc], "description")].into_iter().flatten() {
            if let Some(html) = self.html(Some(node)) {
                return based(node, (html, BodyKind::Html));
            }
        }
        if let Some(node) = item.child(&[Ns::Itunes], "summary")
            && let Some(v) = self.html(Some(node))
        {
            // Podcast summaries are text, but some generators put HTML there.
            let kind = if v.contains("</") || v.contains("<br") { BodyKind::Html } else { BodyKind::Text };
            return based(node, (v, kind));
        }
        for name in ["content", "summary"] {
            if let Some(node) = item.child(ATOM, name)
                && let Some(found) = self.atom_construct(node)
            {
                return based(node, found);
            }
        }
        (String::new(), BodyKind::Html, None)
    }

    /// An Atom text construct (`type` text, html or xhtml; Atom 0.3 `mode`).
    fn atom_construct(&self, node: &Node) -> Option<(String, BodyKind)> {
        if node.attr("src").is_some() {
            return None;
        }
        let kind = node.attr("type").unwrap_or("text").trim().to_ascii_lowercase();
        let src = self.ctx.src;
        match kind.as_str() {
            "xhtml" | "application/xhtml+xml" => {
                let div = node.child(&[Ns::Xhtml, Ns::Other, Ns::None], "div");
                let inner = div.map_or(node.inner.clone(), |d| d.inner.clone());
                let value = xhtml_value(&self.ctx, &src[inner]);
                (!value.trim().is_empty()).then_some((value, BodyKind::Html))
            }
            _ if is_inline_xml(node, &kind) => {
                let raw = &src[node.inner.clone()];
                (!raw.trim().is_empty()).then(|| (raw.to_string(), BodyKind::Html))
            }
            _ if is_base64(node, &kind) => {
                let text = text_value(&self.ctx, node);
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
            // Escaped HTML wrapped in an XHTML `<div>` (as if it were xhtml):
            // the div is the wrapper, its text the HTML.
            "html" | "text/html" => {
                self.html(Some(xhtml_wrapper(src, node).unwrap_or(node))).map(|v| (v, BodyKind::Html))
            }
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
            "html" | "text/html" | "xhtml" => text::html_to_text(&html_value_for_text(&self.ctx, node)),
            _ => text_value(&self.ctx, node),
        };
        Some(value.trim().to_string()).filter(|s| !s.is_empty())
    }

    fn media_title(&self, item: &Node) -> Option<String> {
        let media = item.child(&[Ns::Media], "group").unwrap_or(item);
        self.text(media.child(&[Ns::Media], "title"))
            .or_else(|| self.text(item.child(PLAIN, "enclosure").and_then(|e| e.child(&[Ns::Media], "title"))))
            .map(|t| text::html_to_text(&t).trim().to_string())
            .filter(|t| !t.is_empty())
    }

    fn self_link(&self, node: &Node) -> Option<String> {
        node.children(&[Ns::Atom, Ns::Atom03, Ns::None], "link")
            .filter(|l| l.attr("rel").map(str::trim) == Some("self"))
            .find_map(|l| self.link_of(l))
            .filter(|l| text::is_http_url(l))
    }

    /// `<link rel="alternate" href>` (or a link without `rel`) of an Atom
    /// entry or feed, also `atom:link` inside RSS; a link written as text
    /// (`<link>https://…</link>`) counts too.
    fn alternate_link(&self, node: &Node) -> Option<String> {
        let mut fallback = None;
        for link in node.children(&[Ns::Atom, Ns::Atom03, Ns::None], "link") {
            let Some(href) = self.link_of(link) else { continue };
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
}

/// An item without a link or `xml:base` of its own resolves its content's
/// relative URLs against the feed's home page (the parser does not know the
/// URL the feed came from; the pipeline resolves links against that).
fn with_home(mut feed: Feed) -> Feed {
    if let Some(home) = feed.link.as_deref().filter(|l| text::is_http_url(l)) {
        for item in feed.items.iter_mut().filter(|i| i.base.is_none() && i.link.is_none()) {
            item.base = Some(home.to_string());
        }
    }
    feed
}

/// The XHTML `<div>` that is an element's only content, if it is.
fn xhtml_wrapper<'n>(src: &str, node: &'n Node) -> Option<&'n Node> {
    let div = node.child(&[Ns::Xhtml], "div")?;
    let inner = &src[node.inner.clone()];
    let trimmed = inner.trim();
    (trimmed.starts_with('<') && trimmed.ends_with("div>") && node.child_count() == 1).then_some(div)
}

/// `me@example.com (Example editor)`, RSS's way to write an author, is
/// the name in parentheses; any other text is the name as written.
fn name_of_address(text: &str) -> String {
    let is_address = |s: &str| s.contains('@') && !s.trim().contains(char::is_whitespace);
    if let Some((before, rest)) = text.split_once('(')
        && let Some(inside) = rest.trim_end().strip_suffix(')')
        && !before.trim().is_empty()
        && !inside.trim().is_empty()
    {
        // `me@example.com (Name)` and `Name (me@example.com)` alike.
        if is_address(before) {
            return inside.trim().to_string();
        }
        if is_address(inside) {
            return before.trim().to_string();
        }
    }
    text.to_string()
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

#[cfg(test)]
mod tests;
