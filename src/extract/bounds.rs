//! Bounds on HTML checked before any tree is built.
//!
//! Building a tree is where hostile HTML hurts: html5ever's scope checks
//! walk the stack of open elements, so 200,000 nested `<div>` take minutes;
//! the recursive walks over the tree (extraction, serialising) overflow the
//! stack on 30,000 nested `<span>`; and the tree's size follows the element
//! count, not the byte count. So a cheap streaming scan goes first and
//! refuses a document that is too long, nests too deep or has too many
//! elements. It follows the tree builder closely enough to count a real
//! page as the parser would see it: implied end tags (`<p>`, `<li>`, …) and
//! void elements do not nest, raw text (`<script>`, `<style>`, …) is skipped,
//! `/>` closes only void and SVG/MathML elements (`<div/>` opens a `<div>`
//! in HTML), and formatting elements closed by another element's end tag
//! are counted again each time the parser would reopen them.
//!
//! The bounds are generous for real pages: over the 1,292 pages of the
//! extraction corpus (Mozilla's Readability tests, trafilatura's evaluation
//! set) the deepest nests 42, the largest has 10,106 elements by this count
//! and one element has 70 attributes; the bounds are at
//! least three times that (`tests/dos.rs` checks the corpus against them).

use std::borrow::Cow;

use memchr::memchr;

mod names;

use names::{implied_close, is_block, is_formatting, is_raw_text, is_scope_boundary, is_void};

/// Bounds for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of (decoded) HTML.
    pub max_bytes: usize,
    /// Elements open at once.
    pub max_depth: usize,
    /// Elements the parser would create.
    pub max_elements: usize,
    /// Attributes of one element: the parser checks each new one against
    /// those before it, so their cost grows with the square.
    pub max_attributes: usize,
    /// Bytes html5ever scans to escape text: for each `&` (and each byte
    /// that starts a Latin-1 supplement character, NBSP among them; in an
    /// attribute each `"` too) its serialiser searches the rest of the text
    /// run or attribute value again, so the cost is their count times the
    /// run's length. 260,000 `&` in one paragraph took 9 s (debug build).
    /// The largest real page of the corpora needs 3.5·10⁹ (a 228 KB JSON
    /// attribute), about a tenth of a second.
    pub max_escape_work: u64,
}

/// An article page.
pub const PAGE: Limits = Limits {
    max_bytes: 4 * 1024 * 1024,
    max_depth: 256,
    max_elements: 50_000,
    max_attributes: 256,
    max_escape_work: 20_000_000_000,
};

/// A feed item's content: the same bounds; a feed's whole body is already
/// capped by `max_body`.
pub const FRAGMENT: Limits = PAGE;

/// What the scan found on a document within its bounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub depth: usize,
    pub elements: usize,
    /// Attributes of the element that has the most.
    pub attributes: usize,
    /// See [`Limits::max_escape_work`].
    pub escape_work: u64,
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverBound {
    #[error("{bytes} bytes of HTML, over the bound of {limit}")]
    Size { bytes: usize, limit: usize },
    #[error("elements nested more than {limit} deep")]
    Depth { limit: usize },
    #[error("more than {limit} elements")]
    Elements { limit: usize },
    #[error("an element with more than {limit} attributes")]
    Attributes { limit: usize },
    #[error("text with too many characters to escape (over {limit} bytes of work for the HTML serialiser)")]
    Escapes { limit: u64 },
}

/// Check `html` against `limits` in one pass, without building anything
/// larger than the stack of open elements (itself within `max_depth`).
pub fn check(html: &str, limits: &Limits) -> Result<Stats, OverBound> {
    scan(html, limits).map(|s| s.stats)
}

/// `html` checked against `limits` and made cheap to parse: without NUL
/// characters, which the parser drops from text one slow token at a time
/// (7 MiB of them took 19 s and 1.8 GB), and without comments, which it
/// reads a character at a time (a 6 MiB comment took 7 s). Neither is ever
/// part of an article.
pub fn prepare<'a>(html: &'a str, limits: &Limits) -> Result<Cow<'a, str>, OverBound> {
    let scan = scan(html, limits)?;
    if scan.comments.is_empty() && !html.contains('\0') {
        return Ok(Cow::Borrowed(html));
    }
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    for r in scan.comments {
        out.push_str(&html[from..r.start]);
        from = r.end;
    }
    out.push_str(&html[from..]);
    out.retain(|c| c != '\0');
    Ok(Cow::Owned(out))
}

/// The text of HTML over the bounds, escaped, within the bounds itself: at
/// most half of `limits`' bytes, and line breaks only while they are few
/// enough not to be an element bomb of their own.
pub fn as_text(html: &str, limits: &Limits) -> String {
    let mut text = crate::text::html_to_text(html);
    let max = limits.max_bytes / 2;
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(" …");
    }
    if text.matches('\n').count() >= limits.max_elements / 2 {
        text = text.replace(['\r', '\n'], " ");
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.replace("\r\n", "\n").split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        escape_in_runs(line, &mut out);
    }
    out
}

/// `line` escaped; one dense with characters to escape is cut into runs of
/// about 200 bytes by `<wbr>` (an invisible break opportunity), so that
/// writing it out again is not quadratic (see [`Limits::max_escape_work`]).
fn escape_in_runs(line: &str, out: &mut String) {
    let specials = line.bytes().filter(|c| matches!(c, b'&' | b'"' | b'<' | b'>' | 0xC2)).count();
    if specials.saturating_mul(line.len()) <= 1 << 20 {
        out.push_str(&quick_xml::escape::escape(line));
        return;
    }
    let mut rest = line;
    while !rest.is_empty() {
        let mut cut = rest.len().min(200);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        out.push_str(&quick_xml::escape::escape(&rest[..cut]));
        rest = &rest[cut..];
        if !rest.is_empty() {
            out.push_str("<wbr>");
        }
    }
}

fn scan<'l>(html: &str, limits: &'l Limits) -> Result<Scan<'l>, OverBound> {
    if html.len() > limits.max_bytes {
        return Err(OverBound::Size { bytes: html.len(), limit: limits.max_bytes });
    }
    let mut scan = Scan {
        limits,
        open: Vec::new(),
        dangling: Vec::new(),
        foreign: 0,
        stats: Stats::default(),
        comments: Vec::new(),
    };
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let Some(lt) = memchr(b'<', &b[i..]).map(|p| i + p) else {
            scan.text(&b[i..])?;
            break;
        };
        scan.text(&b[i..lt])?;
        i = scan.markup(b, lt)?;
    }
    Ok(scan)
}

struct Scan<'a> {
    limits: &'a Limits,
    /// Names of the open elements, lower case.
    open: Vec<Name>,
    /// Formatting elements closed by another element's end tag, which the
    /// parser reopens before the next text or inline element.
    dangling: Vec<Name>,
    /// Open `<svg>` and `<math>` elements: inside them `/>` closes.
    foreign: usize,
    stats: Stats,
    /// Byte ranges of comments (`<!--…-->`, `<!…>`, `<?…>`) in markup.
    comments: Vec<std::ops::Range<usize>>,
}

impl Scan<'_> {
    fn text(&mut self, text: &[u8]) -> Result<(), OverBound> {
        if text.iter().any(|c| !c.is_ascii_whitespace()) {
            self.reopen_dangling()?;
        }
        self.escapes(text)
    }

    /// Count the serialiser's escaping work for one run of text or one tag
    /// (its attribute values are escaped the same way; `"` costs as `&`).
    fn escapes(&mut self, run: &[u8]) -> Result<(), OverBound> {
        let specials = memchr::memchr3_iter(b'&', b'"', 0xC2, run).count() as u64;
        self.stats.escape_work = self.stats.escape_work.saturating_add(specials.saturating_mul(run.len() as u64));
        if self.stats.escape_work > self.limits.max_escape_work {
            return Err(OverBound::Escapes { limit: self.limits.max_escape_work });
        }
        Ok(())
    }

    /// Handle the markup starting at `b[lt] == b'<'`; the index after it.
    fn markup(&mut self, b: &[u8], lt: usize) -> Result<usize, OverBound> {
        let rest = &b[lt + 1..];
        if rest.starts_with(b"!--") {
            let end = find(b, lt + 4, b"-->").map_or(b.len(), |e| e + 3);
            self.comments.push(lt..end);
            return Ok(end);
        }
        match rest.first() {
            Some(b'!' | b'?') => {
                let end = skip_past(b, lt + 1, b'>');
                if !rest.get(1..8).is_some_and(|d| d.eq_ignore_ascii_case(b"doctype")) {
                    self.comments.push(lt..end);
                }
                Ok(end)
            }
            Some(b'/') => {
                let (name, after) = tag_name(b, lt + 2);
                let (end, _, _) = tag_end(b, after);
                if !name.get().is_empty() {
                    self.end_tag(name.get());
                }
                Ok(end)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, after) = tag_name(b, lt + 1);
                let (end, self_closing, attributes) = tag_end(b, after);
                self.stats.attributes = self.stats.attributes.max(attributes);
                if attributes > self.limits.max_attributes {
                    return Err(OverBound::Attributes { limit: self.limits.max_attributes });
                }
                let raw = is_raw_text(name.get());
                self.escapes(&b[lt..end])?;
                self.start_tag(name, self_closing)?;
                if raw {
                    // Its content is text up to its own end tag, whatever it
                    // holds; only a <title>'s or <textarea>'s is escaped when
                    // written (a script is written as it is).
                    let raw_end = raw_text_end(name.get(), b, end);
                    if matches!(name.get(), b"title" | b"textarea") {
                        self.escapes(&b[end..raw_end])?;
                    }
                    return Ok(raw_end);
                }
                Ok(end)
            }
            // `<` before anything else is text.
            _ => {
                self.text(b"<")?;
                Ok(lt + 1)
            }
        }
    }

    fn start_tag(&mut self, name: Name, self_closing: bool) -> Result<(), OverBound> {
        let n = name.get();
        if is_block(n) {
            self.close_in_scope(b"p");
        } else {
            self.reopen_dangling()?;
        }
        for c in implied_close(n) {
            self.close_in_scope(c);
        }
        self.count(1)?;
        if is_void(n) || (self_closing && self.foreign > 0) || is_raw_text(n) {
            // A leaf still sits one below the current node.
            self.stats.depth = self.stats.depth.max(self.open.len() + 1);
            return Ok(());
        }
        if matches!(n, b"svg" | b"math") {
            self.foreign += 1;
        }
        self.push(name)
    }

    fn end_tag(&mut self, name: &[u8]) {
        let Some(at) = self.open.iter().rposition(|o| o.get() == name) else {
            // An end tag with nothing to close may end a reopened element.
            if let Some(d) = self.dangling.iter().rposition(|o| o.get() == name) {
                self.dangling.remove(d);
            }
            return;
        };
        let Scan { open, dangling, foreign, .. } = self;
        for popped in open.drain(at..) {
            if matches!(popped.get(), b"svg" | b"math") {
                *foreign = foreign.saturating_sub(1);
            }
            if is_formatting(popped.get()) && popped.get() != name {
                dangling.push(popped);
            }
        }
    }

    /// Pop to the innermost open `name`, unless a scope boundary comes first.
    fn close_in_scope(&mut self, name: &[u8]) {
        for o in self.open.iter().rev() {
            if o.get() == name {
                self.end_tag(name);
                return;
            }
            if is_scope_boundary(o.get()) {
                return;
            }
        }
    }

    fn reopen_dangling(&mut self) -> Result<(), OverBound> {
        if self.dangling.is_empty() {
            return Ok(());
        }
        let reopened = std::mem::take(&mut self.dangling);
        self.count(reopened.len())?;
        for name in reopened {
            self.push(name)?;
        }
        Ok(())
    }

    fn count(&mut self, n: usize) -> Result<(), OverBound> {
        self.stats.elements += n;
        if self.stats.elements > self.limits.max_elements {
            return Err(OverBound::Elements { limit: self.limits.max_elements });
        }
        Ok(())
    }

    fn push(&mut self, name: Name) -> Result<(), OverBound> {
        self.open.push(name);
        self.stats.depth = self.stats.depth.max(self.open.len());
        if self.open.len() > self.limits.max_depth {
            return Err(OverBound::Depth { limit: self.limits.max_depth });
        }
        Ok(())
    }
}

/// A tag name, lower case, held inline: a page has thousands of tags, and
/// allocating each name was a third of this scan.
#[derive(Clone, Copy)]
struct Name {
    len: u8,
    bytes: [u8; NAME_MAX],
}

/// Names are short; a long one is still one element.
const NAME_MAX: usize = 32;

impl Name {
    fn get(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// The tag name at `b[from..]`, lower case, and the index after it.
fn tag_name(b: &[u8], from: usize) -> (Name, usize) {
    let mut end = from;
    while end < b.len() && !matches!(b[end], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>') {
        end += 1;
    }
    let kept = &b[from..end.min(from + NAME_MAX)];
    let mut name = Name { len: kept.len() as u8, bytes: [0; NAME_MAX] };
    name.bytes[..kept.len()].copy_from_slice(kept);
    name.bytes.make_ascii_lowercase();
    (name, end)
}

/// The index after the `>` that ends a tag whose attributes start at
/// `from`, whether it was written `/>`, and how many attributes it has.
/// Quoted values may hold `>`.
fn tag_end(b: &[u8], from: usize) -> (usize, bool, usize) {
    let mut i = from;
    let mut attributes = 0;
    while i < b.len() {
        match b[i] {
            b'>' => return (i + 1, i > from && b[i - 1] == b'/', attributes),
            b'=' => {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if let Some(&q @ (b'"' | b'\'')) = b.get(i) {
                    i = memchr(q, &b[i + 1..]).map_or(b.len(), |p| i + 1 + p + 1);
                }
            }
            c => {
                // A name starts after white space or `/`.
                let starts_name = i == from || matches!(b[i - 1], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/');
                if starts_name && !matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/') {
                    attributes += 1;
                }
                i += 1;
            }
        }
    }
    (b.len(), false, attributes)
}

/// The index after the end tag `</name…>` of a raw-text element whose
/// content starts at `from` (the end of input if there is none).
fn raw_text_end(name: &[u8], b: &[u8], from: usize) -> usize {
    if name == b"plaintext" {
        return b.len();
    }
    let mut i = from;
    while let Some(p) = find(b, i, b"</") {
        let after = p + 2;
        let candidate = b.get(after..after + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name)) {
            return tag_end(b, after + name.len()).0;
        }
        i = after;
    }
    b.len()
}

fn skip_past(b: &[u8], from: usize, byte: u8) -> usize {
    memchr(byte, &b[from.min(b.len())..]).map_or(b.len(), |p| from + p + 1)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let hay = b.get(from..)?;
    let first = needle[0];
    let mut i = 0;
    while let Some(p) = memchr(first, &hay[i..]) {
        let at = i + p;
        if hay[at..].starts_with(needle) {
            return Some(from + at);
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(html: &str) -> Stats {
        check(html, &PAGE).unwrap()
    }

    #[test]
    fn nesting_is_counted_as_the_parser_builds_it() {
        assert_eq!(
            stats("<div><div><span>x</span></div></div>"),
            Stats { depth: 3, elements: 3, attributes: 0, escape_work: 0 }
        );
        // Implied end tags and void elements do not nest.
        assert_eq!(stats("<ul><li>a<li>b<li>c</ul>").depth, 2);
        assert_eq!(stats("<p>a<p>b<p>c<div>d</div>").depth, 1);
        assert_eq!(stats("<br><br><img src=x><hr>").depth, 1);
        // `/>` closes only void and foreign elements.
        assert_eq!(stats("<div/><div/><div/>").depth, 3);
        assert_eq!(stats("<svg><g/><g/><g/></svg>").depth, 2);
        // Raw text is not markup, and quoted `>` does not end a tag.
        assert_eq!(stats("<script>if (a<b) { x = '<div><div>'; }</script><p title='>'>x</p>").elements, 2);
        assert_eq!(stats("<!-- <div><div> --><p>x</p>").elements, 1);
    }

    #[test]
    fn formatting_elements_reopened_by_the_parser_are_counted_each_time() {
        // `</div>` closes the `<b>`s, and each text reopens them.
        let bombs = format!("<div>{}</div>{}", "<b>".repeat(10), "<div>x</div>".repeat(5));
        let s = stats(&bombs);
        assert!(s.elements >= 10 + 5 * 10, "{s:?}");
    }

    #[test]
    fn text_dense_with_escapes_is_refused_and_its_text_kept_in_short_runs() {
        // Each `&` makes the serialiser search the rest of its run again.
        let dense = format!("<p>{}</p>", "&amp;".repeat(200_000));
        assert_eq!(check(&dense, &PAGE), Err(OverBound::Escapes { limit: PAGE.max_escape_work }));
        // The same in an attribute value, and in a <title>, escaped too.
        let attr = format!("<p title=\"{}\">x</p>", "&amp;".repeat(200_000));
        assert_eq!(check(&attr, &PAGE), Err(OverBound::Escapes { limit: PAGE.max_escape_work }));
        let title = format!("<title>{}</title>", "&".repeat(200_000));
        assert_eq!(check(&title, &PAGE), Err(OverBound::Escapes { limit: PAGE.max_escape_work }));
        // Spread over paragraphs the same characters are cheap.
        assert!(check(&"<p>&amp; &amp; &amp;</p>".repeat(40_000), &PAGE).is_ok());
        // Its text, kept, is within the bounds and says the same.
        let text = as_text(&dense, &PAGE);
        assert!(check(&text, &PAGE).is_ok());
        assert_eq!(crate::text::html_to_text(&text.replace("<wbr>", "")), "&".repeat(200_000));
        // Ordinary text is kept as it was.
        assert_eq!(as_text("<p>a &amp; b\nc</p>", &PAGE), "a &amp; b<br>c");
    }

    #[test]
    fn over_bound_documents_are_refused() {
        let limits =
            Limits { max_bytes: 1000, max_depth: 10, max_elements: 20, max_attributes: 3, max_escape_work: 10_000 };
        assert_eq!(check("<p a=1 b='x y' c>", &limits).map(|s| s.attributes), Ok(3));
        assert_eq!(check("<p a b c d>", &limits), Err(OverBound::Attributes { limit: 3 }));
        assert_eq!(check(&"<span>".repeat(11), &limits), Err(OverBound::Depth { limit: 10 }));
        assert_eq!(check(&"<br>".repeat(21), &limits), Err(OverBound::Elements { limit: 20 }));
        assert_eq!(check(&"x".repeat(1001), &limits), Err(OverBound::Size { bytes: 1001, limit: 1000 }));
        assert!(check(&"<span>".repeat(10), &limits).is_ok());
        assert!(check(&format!("<div>{}</div>", "<i>x</i>".repeat(19)), &limits).is_ok());
    }

    #[test]
    fn prepared_html_has_no_comments_or_nuls_but_keeps_comment_like_text() {
        let html = "<p>a\0b<!-- gone --></p><?php gone ?><!doctype html><script>x = '<!-- kept -->';</script><!x gone>";
        assert_eq!(prepare(html, &PAGE).unwrap(), "<p>ab</p><!doctype html><script>x = '<!-- kept -->';</script>");
        assert!(matches!(prepare("<p>plain</p>", &PAGE), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn odd_markup_ends() {
        for html in ["<", "<div", "<div a='", "<!--", "<script>", "</", "<a href=\"x", "<!doctype", "<\u{e9}t\u{e9}>"] {
            assert!(check(html, &PAGE).is_ok(), "{html:?}");
        }
    }
}
