//! The element tree: each element with its namespace, attributes, children
//! and the byte range of its content in the source, built leniently.

use std::ops::Range;
use std::sync::Arc;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use super::super::FeedError;
use super::dtd::Entities;
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
    Xhtml,
    Itunes,
    Other,
}

impl Ns {
    /// Feeds write the same namespace with or without the final `/` or `#`,
    /// and with `https` for `http`: all of them mean it.
    fn from_uri(uri: &[u8]) -> Ns {
        let uri = String::from_utf8_lossy(uri);
        let uri = uri.trim();
        let lower = uri.get(..8).unwrap_or("").to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &uri[8..]
        } else if lower.starts_with("http://") {
            &uri[7..]
        } else {
            uri
        };
        let rest = rest.trim_end_matches(['/', '#']);
        // Apple's own documents spell the iTunes namespace in several cases
        // (`…/DTDs/PodCast-1.0.dtd`); feed readers accept them all.
        if rest.eq_ignore_ascii_case("www.itunes.com/dtds/podcast-1.0.dtd") {
            return Ns::Itunes;
        }
        match rest {
            "www.w3.org/2005/Atom" => Ns::Atom,
            "purl.org/atom/ns" => Ns::Atom03,
            "purl.org/rss/1.0" => Ns::Rss1,
            // The 0.90 spec names the first; some 0.90 feeds were written with the second.
            "my.netscape.com/rdf/simple/0.9" | "channel.netscape.com/rdf/simple/0.9" => Ns::Rss09,
            "www.w3.org/1999/02/22-rdf-syntax-ns" => Ns::Rdf,
            "purl.org/rss/1.0/modules/content" => Ns::Content,
            "purl.org/dc/elements/1.1" | "purl.org/dc/terms" => Ns::Dc,
            "search.yahoo.com/mrss" => Ns::Media,
            "www.w3.org/1999/xhtml" => Ns::Xhtml,
            // RSS 2.0 as Userland and Harvard once published it, in a
            // default namespace: its elements are plain RSS.
            "backend.userland.com/rss2" | "backend.userland.com/rss" | "blogs.law.harvard.edu/tech/rss" => Ns::None,
            _ => Ns::Other,
        }
    }

    /// Feeds often use the conventional prefixes without declaring them.
    fn from_prefix(prefix: &[u8]) -> Ns {
        match prefix {
            b"content" => Ns::Content,
            b"dc" | b"dcterms" => Ns::Dc,
            b"media" => Ns::Media,
            b"atom" => Ns::Atom,
            b"rdf" => Ns::Rdf,
            b"xhtml" => Ns::Xhtml,
            b"itunes" => Ns::Itunes,
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

    pub(super) fn child_count(&self) -> usize {
        self.children.len()
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

/// A parsed document: its root element and what the rest of it declares.
pub(super) struct Tree {
    pub(super) root: Node,
    pub(super) entities: Entities,
    /// Prefixes bound to the XHTML namespace (`xhtml:` in `<xhtml:img>`).
    pub(super) xhtml_prefixes: Vec<String>,
    /// Why the document breaks off early, when it does; the items complete
    /// before the cut are in the tree, the one it cut is not.
    pub(super) truncated: Option<String>,
}

pub(super) fn build_tree(src: &str) -> Result<Tree, FeedError> {
    let mut reader = NsReader::from_str(src);
    lenient_config(reader.config_mut());
    let mut stack: Vec<Node> = Vec::new();
    let mut skipped_depth = 0usize;
    let mut entities = Entities::default();
    let mut xhtml_prefixes = Vec::new();
    let mut broke = None;
    let done = |root: Node, entities, xhtml_prefixes, truncated| Ok(Tree { root, entities, xhtml_prefixes, truncated });
    loop {
        let before = reader.buffer_position() as usize;
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                broke = Some(format!("{e} (at byte {})", reader.error_position()));
                break;
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
            Event::DocType(_) if stack.is_empty() => {
                entities = Entities::from_doctype(&src[before..reader.buffer_position() as usize]);
            }
            Event::Start(_) if stack.len() >= MAX_DEPTH || skipped_depth > 0 => skipped_depth += 1,
            Event::Empty(_) if stack.len() >= MAX_DEPTH => {}
            Event::Start(e) => {
                let here = reader.buffer_position() as usize;
                let parent_base = stack.last().and_then(|p| p.base.clone());
                stack.push(new_node(ns, &e, here..here, parent_base, &mut xhtml_prefixes));
            }
            Event::Empty(e) => {
                let here = reader.buffer_position() as usize;
                let parent_base = stack.last().and_then(|p| p.base.clone());
                let node = new_node(ns, &e, here..here, parent_base, &mut xhtml_prefixes);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return done(node, entities, xhtml_prefixes, None),
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
                    return done(root, entities, xhtml_prefixes, None);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // End of input with elements still open. When they are only the feed's
    // containers (`</channel></rss>` left out), every item is complete and
    // the feed is whole. Otherwise the document was cut short (a download
    // that ended early): the items complete before the cut are kept and the
    // one it cut is dropped whole. A document that was never XML (random
    // bytes "open" elements with odd names) is no feed at all.
    let partial = stack.iter().position(|n| !CONTAINERS.contains(&n.name.as_str()));
    match stack.first() {
        None => return Err(FeedError::NotAFeed("neither XML nor JSON: no root element".into())),
        Some(root) if !is_xml_name(&root.name) => return Err(FeedError::NotAFeed("neither XML nor JSON".into())),
        Some(root) if !CONTAINERS.contains(&root.name.as_str()) => {
            let inner = stack.iter().rev().map(|n| n.name.as_str()).find(|n| is_xml_name(n)).unwrap_or_default();
            return Err(FeedError::Xml(
                broke.unwrap_or_else(|| format!("document ends inside <{inner}> (truncated?)")),
            ));
        }
        Some(_) => {}
    }
    let truncated = match (partial, broke) {
        (Some(at), broke) => {
            let name = stack[at..]
                .iter()
                .rev()
                .map(|n| n.name.as_str())
                .find(|n| is_xml_name(n))
                .unwrap_or_default()
                .to_string();
            let why = broke.map_or_else(String::new, |b| format!(": {b}"));
            stack.truncate(at);
            Some(format!("document ends inside <{name}> (truncated?){why}"))
        }
        (None, Some(b)) => Some(format!("document ends early (truncated?): {b}")),
        (None, None) if skipped_depth > 0 => Some("document ends inside deeply nested elements (truncated?)".into()),
        (None, None) => None,
    };
    match close_from(&mut stack, 0, src.len()) {
        Some(root) => done(root, entities, xhtml_prefixes, truncated),
        None => Err(FeedError::NotAFeed("neither XML nor JSON: no root element".into())),
    }
}

/// Elements that hold a feed's items, directly or not.
const CONTAINERS: &[&str] = &["rss", "channel", "RDF", "rdf", "feed"];

/// For an item (RSS, RDF) or entry (Atom) element, the elements it may sit in.
fn containers_of(ns: Ns, local_name: &[u8]) -> Option<&'static [&'static str]> {
    match local_name {
        b"item" if PLAIN.contains(&ns) => Some(&["rss", "channel", "RDF", "rdf"]),
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

fn new_node(
    ns: Ns,
    e: &quick_xml::events::BytesStart,
    inner: Range<usize>,
    parent_base: Option<Arc<str>>,
    xhtml_prefixes: &mut Vec<String>,
) -> Node {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut base = parent_base;
    let mut attrs = Vec::new();
    for a in e.html_attributes().flatten() {
        let value = text::decode_entities(&String::from_utf8_lossy(&a.value)).into_owned();
        if a.key.as_ref() == b"xml:base" {
            base = Some(resolve(base.as_deref(), &value).into());
            continue;
        }
        if let Some(prefix) = a.key.as_ref().strip_prefix(b"xmlns:")
            && Ns::from_uri(&a.value) == Ns::Xhtml
        {
            let prefix = String::from_utf8_lossy(prefix).into_owned();
            if !xhtml_prefixes.contains(&prefix) {
                xhtml_prefixes.push(prefix);
            }
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
