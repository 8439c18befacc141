//! Element content as HTML or as plain text, entities decoded exactly once.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::dtd::Entities;
use super::tree::{Node, lenient_config};
use crate::text;

/// What reading a value needs beyond the node: the source and what the
/// document declares.
pub(super) struct Ctx<'a> {
    pub(super) src: &'a str,
    pub(super) entities: &'a Entities,
    pub(super) xhtml_prefixes: &'a [String],
}

/// Content of an element as HTML, decoded exactly once: character data is
/// unescaped, CDATA sections and child markup are kept as written.
pub(super) fn html_value(ctx: &Ctx, node: &Node) -> String {
    markup(ctx, &ctx.src[node.inner.clone()], Mode { keep_comments: true, unescape: true })
}

/// [`html_value`] without XML comments, for a title's text: a comment is no
/// part of the title, and a `>` inside one would defeat tag stripping.
pub(super) fn html_value_for_text(ctx: &Ctx, node: &Node) -> String {
    markup(ctx, &ctx.src[node.inner.clone()], Mode { keep_comments: false, unescape: true })
}

/// Inline XHTML (Atom `type="xhtml"`, `xhtml:body`) as HTML: the markup
/// as written, entities too (XHTML's escaping is HTML's), except that
/// XHTML elements lose their prefix (`<xhtml:img>` is an image) and
/// entities the document declared are expanded.
pub(super) fn xhtml_value(ctx: &Ctx, inner: &str) -> String {
    markup(ctx, inner, Mode { keep_comments: true, unescape: false })
}

#[derive(Clone, Copy)]
struct Mode {
    keep_comments: bool,
    /// Character data is XML-escaped HTML (RSS, Atom `html`): decode once.
    unescape: bool,
}

fn markup(ctx: &Ctx, inner: &str, mode: Mode) -> String {
    if !inner.contains(['<', '&']) {
        return inner.to_string();
    }
    if mode.unescape
        && let Some(value) = lone_cdata(inner)
    {
        return value;
    }
    walk(ctx, inner, mode)
}

/// What [`walk`] makes of content that is one CDATA section with nothing
/// but plain text (no markup, no reference) around it: the text and the
/// section's body, as written. Most feeds wrap their HTML this way, and
/// the tokenizer stops at every `>` of that HTML to look for the `]]>`
/// that one substring search finds.
fn lone_cdata(inner: &str) -> Option<String> {
    const OPEN: &str = "<![CDATA[";
    let open = inner.find(['<', '&'])?;
    if !inner[open..].starts_with(OPEN) {
        return None;
    }
    let body = open + OPEN.len();
    let close = body + memchr::memmem::find(&inner.as_bytes()[body..], b"]]>")?;
    let after = &inner[close + 3..];
    if after.contains(['<', '&']) {
        return None;
    }
    let mut out = String::with_capacity(inner.len() - OPEN.len() - 3);
    out.push_str(&inner[..open]);
    out.push_str(&inner[body..close]);
    out.push_str(after);
    Some(out)
}

/// The content read event by event: see [`html_value`] and [`xhtml_value`].
fn walk(ctx: &Ctx, inner: &str, mode: Mode) -> String {
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
            Event::CData(_) if mode.unescape => out.push_str(cdata_body(raw)),
            Event::CData(_) => out.push_str(&quick_xml::escape::escape(cdata_body(raw))),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r);
                // Character references and XML's own five entities are XML
                // escaping; any other name (`&nbsp;`) is undefined in XML and
                // can only be HTML, which the content is: it stays as written
                // unless the document declared it.
                if let Some(value) = ctx.entities.expand(&name) {
                    if mode.unescape && depth == 0 {
                        out.push_str(value);
                    } else {
                        out.push_str(&quick_xml::escape::escape(value));
                    }
                } else if mode.unescape && depth == 0 && is_xml_escape(&r) {
                    match text::resolve_entity(&name) {
                        Some(s) => out.push_str(&s),
                        None => out.push_str(raw),
                    }
                } else {
                    out.push_str(raw);
                }
            }
            Event::Start(_) => {
                depth += 1;
                out.push_str(&unprefixed(raw, ctx.xhtml_prefixes));
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                out.push_str(&unprefixed(raw, ctx.xhtml_prefixes));
            }
            Event::Empty(_) => out.push_str(&unprefixed(raw, ctx.xhtml_prefixes)),
            Event::Comment(_) if !mode.keep_comments => {}
            _ => out.push_str(raw),
        }
    }
    out
}

/// A tag with its XHTML namespace prefix dropped: browsers know `<img>`,
/// not `<xhtml:img>`.
fn unprefixed<'r>(raw: &'r str, prefixes: &[String]) -> Cow<'r, str> {
    for prefix in prefixes {
        for open in ["</", "<"] {
            if let Some(rest) =
                raw.strip_prefix(open).and_then(|r| r.strip_prefix(prefix.as_str())).and_then(|r| r.strip_prefix(':'))
            {
                return Cow::Owned(format!("{open}{rest}"));
            }
        }
    }
    Cow::Borrowed(raw)
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
pub(super) fn text_value(ctx: &Ctx, node: &Node) -> String {
    let inner = &ctx.src[node.inner.clone()];
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
            Ok(Event::GeneralRef(r)) => {
                let name = String::from_utf8_lossy(&r);
                match ctx.entities.expand(&name).map(Cow::Borrowed).or_else(|| text::resolve_entity(&name)) {
                    Some(s) => out.push_str(&s),
                    None => out.push_str(&inner[start..reader.buffer_position() as usize]),
                }
            }
            Ok(_) => {}
            Err(_) => {
                out.push_str(&text::html_to_text(&inner[start..]));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape of content the one-search path takes or declines, with
    /// the tokenizer's reading as the oracle.
    #[test]
    fn a_lone_cdata_section_reads_as_the_tokenizer_reads_it() {
        let entities = Entities::default();
        let ctx = Ctx { src: "", entities: &entities, xhtml_prefixes: &[] };
        let seed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seed/cna.xml"))
            .map(|s| {
                let start = s.find("<![CDATA[").unwrap_or(0);
                let end = s[start..].find("]]>").map_or(s.len(), |e| start + e + 3);
                format!("\n{}\n", &s[start..end])
            })
            .unwrap_or_default();
        let cases = [
            "<![CDATA[<p>a &amp; b</p>]]>",
            "\n  <![CDATA[ <div><p>史 &nbsp;</p></div> ]]>\n",
            "<![CDATA[]]>",
            "<![CDATA[x]]]>",
            "<![CDATA[a]]>b]]>",
            "<![CDATA[a]]> tail > with gt",
            "<![CDATA[a]]>&amp;",
            "<![CDATA[a]]><![CDATA[b]]>",
            "<![CDATA[a]]><b>c</b>",
            "text &amp; <![CDATA[a]]>",
            "<p>x</p><![CDATA[a]]>",
            "<!-- c --><![CDATA[a]]>",
            "<![CDATA[unclosed <p>",
            "<![CDATA[a]> ]] >",
            "<![cdata[a]]>",
            "<!DOCTYPE x><![CDATA[a]]>",
            "  &lt;p&gt;escaped&lt;/p&gt;",
            seed.as_str(),
        ];
        for inner in cases {
            for keep_comments in [true, false] {
                let mode = Mode { keep_comments, unescape: true };
                assert_eq!(markup(&ctx, inner, mode), walk(&ctx, inner, mode), "{inner:?}");
            }
        }
        assert_eq!(lone_cdata("\n<![CDATA[<p>a</p>]]> "), Some("\n<p>a</p> ".to_string()));
        assert_eq!(lone_cdata("<![CDATA[a]]><b>"), None);
    }
}
