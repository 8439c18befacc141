//! Element content as HTML or as plain text, entities decoded exactly once.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::tree::{Node, lenient_config};
use crate::text;

/// Content of an element as HTML, decoded exactly once: character data is
/// unescaped, CDATA sections and child markup are kept as written.
pub(super) fn html_value(src: &str, node: &Node) -> String {
    markup(src, node, true)
}

/// [`html_value`] without XML comments, for a title's text: a comment is no
/// part of the title, and a `>` inside one would defeat tag stripping.
pub(super) fn html_value_for_text(src: &str, node: &Node) -> String {
    markup(src, node, false)
}

fn markup(src: &str, node: &Node, keep_comments: bool) -> String {
    let inner = &src[node.inner.clone()];
    if !inner.contains(['<', '&']) {
        return inner.to_string();
    }
    let mut reader = Reader::from_str(inner);
    lenient_config(reader.config_mut());
    let mut out = String::with_capacity(inner.len());
    let mut depth = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(_) => {
                out.push_str(&inner[start..]);
                break;
            }
        };
        let raw = &inner[start..reader.buffer_position() as usize];
        match event {
            Event::Eof => break,
            Event::CData(_) => out.push_str(cdata_body(raw)),
            // Character references and XML's own five entities are XML
            // escaping; any other name (`&nbsp;`) is undefined in XML and
            // can only be HTML, which the content is: it stays as written.
            Event::GeneralRef(r) if depth == 0 && is_xml_escape(&r) => {
                match text::resolve_entity(&String::from_utf8_lossy(&r)) {
                    Some(s) => out.push_str(&s),
                    None => out.push_str(raw),
                }
            }
            Event::Start(_) => {
                depth += 1;
                out.push_str(raw);
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                out.push_str(raw);
            }
            Event::Comment(_) if !keep_comments => {}
            _ => out.push_str(raw),
        }
    }
    out
}

fn is_xml_escape(name: &[u8]) -> bool {
    name.first() == Some(&b'#') || matches!(name, b"amp" | b"lt" | b"gt" | b"quot" | b"apos")
}

/// The text of a `<![CDATA[…]]>` section, borrowed from the source: it is
/// already valid UTF-8, and feeds put megabytes of HTML in such sections.
fn cdata_body(raw: &str) -> &str {
    raw.strip_prefix("<![CDATA[").and_then(|r| r.strip_suffix("]]>")).unwrap_or(raw)
}

/// Content of an element as plain text: markup dropped, entities decoded
/// once (in CDATA too, where feeds put HTML-escaped titles).
pub(super) fn text_value(src: &str, node: &Node) -> String {
    let inner = &src[node.inner.clone()];
    if !inner.contains(['<', '&']) {
        return inner.to_string();
    }
    let mut reader = Reader::from_str(inner);
    lenient_config(reader.config_mut());
    let mut out = String::new();
    loop {
        let start = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Text(_)) => out.push_str(&inner[start..reader.buffer_position() as usize]),
            Ok(Event::CData(_)) => {
                out.push_str(&text::html_to_text(cdata_body(&inner[start..reader.buffer_position() as usize])))
            }
            Ok(Event::GeneralRef(r)) => match text::resolve_entity(&String::from_utf8_lossy(&r)) {
                Some(s) => out.push_str(&s),
                None => out.push_str(&inner[start..reader.buffer_position() as usize]),
            },
            Ok(_) => {}
            Err(_) => {
                out.push_str(&text::html_to_text(&inner[start..]));
                break;
            }
        }
    }
    out
}
