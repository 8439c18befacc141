//! The element tree: each element with its namespace, attributes, children
//! and the byte range of its content in the source, built leniently.

use std::ops::Range;
use std::sync::Arc;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use super::super::FeedError;
use crate::text;

/// Deeper elements are not kept as nodes (their markup stays in their
/// ancestors' raw content): a nesting bomb must not exhaust the stack.
const MAX_DEPTH: usize = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    None,
    Atom,
    Atom03,
    Rss1,
    Rss09,
    Rdf,
    Content,
    Dc,
    Media,
    Other,
}

impl Ns {
    fn from_uri(uri: &[u8]) -> Ns {
        match uri {
            b"http://www.w3.org/2005/Atom" => Ns::Atom,
            b"http://purl.org/atom/ns#" => Ns::Atom03,
            b"http://purl.org/rss/1.0/" => Ns::Rss1,
            // The 0.90 spec names the first; some 0.90 feeds were written with the second.
            b"http://my.netscape.com/rdf/simple/0.9/" | b"http://channel.netscape.com/rdf/simple/0.9/" => Ns::Rss09,
            b"http://www.w3.org/1999/02/22-rdf-syntax-ns#" => Ns::Rdf,
            b"http://purl.org/rss/1.0/modules/content/" => Ns::Content,
            b"http://purl.org/dc/elements/1.1/" | b"http://purl.org/dc/terms/" => Ns::Dc,
            b"http://search.yahoo.com/mrss/" | b"http://search.yahoo.com/mrss" => Ns::Media,
            _ => Ns::Other,
        }
    }

    /// Feeds often use the conventional prefixes without declaring them.
    fn from_prefix(prefix: &[u8]) -> Ns {
        match prefix {
            b"content" => Ns::Content,
            b"dc" => Ns::Dc,
            b"media" => Ns::Media,
            b"atom" => Ns::Atom,
            b"rdf" => Ns::Rdf,
            _ => Ns::Other,
        }
    }
}

/// Namespaces whose elements play the role of RSS's un-namespaced ones.
pub(super) const PLAIN: &[Ns] = &[Ns::None, Ns::Rss1, Ns::Rss09];
pub(super) const ATOM: &[Ns] = &[Ns::Atom, Ns::Atom03, Ns::None];

#[derive(Debug)]
pub(super) struct Node {
    pub(super) ns: Ns,
    pub(super) name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    pub(super) inner: Range<usize>,
    /// The effective `xml:base`, inherited from ancestors.
    pub(super) base: Option<Arc<str>>,
}

impl Node {
    pub(super) fn is(&self, ns: &[Ns], name: &str) -> bool {
        self.name == name && ns.contains(&self.ns)
    }

    pub(super) fn child(&self, ns: &[Ns], name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub(super) fn children<'a>(&'a self, ns: &'a [Ns], name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub(super) fn lenient_config(config: &mut quick_xml::reader::Config) {
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    config.check_comments = false;
    config.trim_text(false);
}

pub(super) fn build_tree(src: &str) -> Result<Node, FeedError> {
    let mut reader = NsReader::from_str(src);
    lenient_config(reader.config_mut());
    let mut stack: Vec<Node> = Vec::new();
    let mut skipped_depth = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                return Err(FeedError::Xml(format!("{e} (at byte {})", reader.error_position())));
            }
        };
        let ns = match resolved {
            ResolveResult::Bound(uri) => Ns::from_uri(uri.as_ref()),
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Unknown(prefix) => Ns::from_prefix(&prefix),
        };
        if let Event::Start(e) | Event::Empty(e) = &event
            && let Some(containers) = containers_of(ns, e.local_name().as_ref())
            && let Some(at) = stack.iter().rposition(|n| containers.contains(&n.name.as_str()))
            && (at + 1 < stack.len() || skipped_depth > 0)
        {
            // An item never sits inside another item or a channel field: what
            // is still open before it (an `<itunes:category>` without its end
            // tag, the previous `<item>`) ends here, as an HTML parser ends an
            // open `<p>` at the next one. Otherwise every later item would be
            // buried in that element and lost.
            skipped_depth = 0;
            close_from(&mut stack, at + 1, before);
        }
        match event {
            Event::Start(_) if stack.len() >= MAX_DEPTH || skipped_depth > 0 => skipped_depth += 1,
            Event::Empty(_) if stack.len() >= MAX_DEPTH => {}
            Event::Start(e) => {
                let here = reader.buffer_position() as usize;
                let parent_base = stack.last().and_then(|p| p.base.clone());
                stack.push(new_node(ns, &e, here..here, parent_base));
            }
            Event::Empty(e) => {
                let here = reader.buffer_position() as usize;
                let parent_base = stack.last().and_then(|p| p.base.clone());
                let node = new_node(ns, &e, here..here, parent_base);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::End(e) => {
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                    continue;
                }
                let local = e.local_name();
                let name = String::from_utf8_lossy(local.as_ref());
                // Close up to the matching open element, as HTML parsers do
                // (hand-written templates get the case wrong: `</Title>`); an
                // end tag that matches nothing is ignored.
                let open = stack
                    .iter()
                    .rposition(|n| n.name == name)
                    .or_else(|| stack.iter().rposition(|n| n.name.eq_ignore_ascii_case(&name)));
                let Some(open) = open else { continue };
                if let Some(root) = close_from(&mut stack, open, before) {
                    return Ok(root);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // End of input with elements still open. When they are only the feed's
    // containers (`</channel></rss>` left out), every item is complete and
    // the feed is whole. Otherwise the document was cut short, or it was
    // never XML (random bytes "open" elements with odd names).
    if skipped_depth == 0
        && stack.iter().all(|n| CONTAINERS.contains(&n.name.as_str()))
        && let Some(root) = close_from(&mut stack, 0, src.len())
    {
        return Ok(root);
    }
    match stack.first() {
        None => Err(FeedError::NotAFeed("neither XML nor JSON: no root element".into())),
        Some(root) if !is_xml_name(&root.name) => Err(FeedError::NotAFeed("neither XML nor JSON".into())),
        Some(_) => {
            let inner = stack.iter().rev().map(|n| n.name.as_str()).find(|n| is_xml_name(n)).unwrap_or_default();
            Err(FeedError::Xml(format!("document ends inside <{inner}> (truncated?)")))
        }
    }
}

/// Elements that hold a feed's items, directly or not.
const CONTAINERS: &[&str] = &["rss", "channel", "RDF", "feed"];

/// For an item (RSS, RDF) or entry (Atom) element, the elements it may sit in.
fn containers_of(ns: Ns, local_name: &[u8]) -> Option<&'static [&'static str]> {
    match local_name {
        b"item" if PLAIN.contains(&ns) => Some(&["rss", "channel", "RDF"]),
        b"entry" if ATOM.contains(&ns) => Some(&["feed"]),
        _ => None,
    }
}

/// Close the open elements from index `from` up, their content ending at
/// `end`; the root, when it is among them, is returned.
fn close_from(stack: &mut Vec<Node>, from: usize, end: usize) -> Option<Node> {
    while stack.len() > from {
        let mut node = stack.pop()?;
        node.inner.end = end;
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => return Some(node),
        }
    }
    None
}

fn is_xml_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        && name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

fn new_node(ns: Ns, e: &quick_xml::events::BytesStart, inner: Range<usize>, parent_base: Option<Arc<str>>) -> Node {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut base = parent_base;
    let mut attrs = Vec::new();
    for a in e.html_attributes().flatten() {
        let value = text::decode_entities(&String::from_utf8_lossy(&a.value)).into_owned();
        if a.key.as_ref() == b"xml:base" {
            base = Some(resolve(base.as_deref(), &value).into());
            continue;
        }
        attrs.push((String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(), value));
    }
    Node { ns, name, attrs, children: Vec::new(), inner, base }
}

/// `reference` resolved against `base` when both make a URL, else as written.
pub(super) fn resolve(base: Option<&str>, reference: &str) -> String {
    let reference = reference.trim();
    base.and_then(|b| url::Url::parse(b).ok())
        .and_then(|b| b.join(reference).ok())
        .map_or_else(|| reference.to_string(), |u| u.to_string())
}
