//! Bytes to text: BOM, then the HTTP charset, then the XML prolog (or HTML
//! `<meta>`), then UTF-8 (windows-1252 for bytes that are mostly not UTF-8).
//!
//! Declarations lie often (servers default to ISO-8859-1, generators copy
//! prologs), so a declaration of a single-byte or legacy CJK charset is
//! overruled when the bytes are valid UTF-8 and contain non-ASCII text:
//! such bytes are practically never meant as anything else.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Decode `bytes` to text, returning the encoding used. Malformed sequences
/// become U+FFFD rather than failing: one bad byte must not cost a feed.
pub fn decode<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> (Cow<'a, str>, &'static Encoding) {
    let encoding = detect(bytes, http_charset);
    (decode_as(bytes, encoding), encoding)
}

/// Choose the encoding of `bytes` without decoding them.
pub fn detect(bytes: &[u8], http_charset: Option<&str>) -> &'static Encoding {
    declared(bytes, http_charset).unwrap_or_else(|| undeclared(bytes))
}

/// The encoding the bytes or the server declare (BOM, HTTP charset, UTF-16
/// shape, XML prolog or `<meta>`), with lying declarations overruled; `None`
/// when nothing declares one.
pub fn declared(bytes: &[u8], http_charset: Option<&str>) -> Option<&'static Encoding> {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return Some(enc);
    }
    if let Some(enc) = http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        return Some(overrule_if_utf8(enc, bytes));
    }
    // UTF-16 without a BOM still starts with `<` next to a NUL byte.
    match bytes {
        [b'<', 0, ..] => return Some(UTF_16LE),
        [0, b'<', ..] => return Some(UTF_16BE),
        _ => {}
    }
    declared_in_document(bytes).map(|enc| overrule_if_utf8(enc, bytes))
}

/// Decode with a known encoding, skipping its BOM.
pub fn decode_as<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Cow<'a, str> {
    match Encoding::for_bom(bytes) {
        Some((bom_enc, bom_len)) if bom_enc == encoding => encoding.decode_without_bom_handling(&bytes[bom_len..]).0,
        _ => encoding.decode_without_bom_handling(bytes).0,
    }
}

/// XML without a declaration means UTF-8, but feeds written in Latin-1 by
/// tools that never declare it exist: bytes mostly not UTF-8 are read as
/// windows-1252 (what browsers assume), while a few bad bytes in UTF-8 text
/// stay replacement characters rather than turn the whole text to mojibake.
fn undeclared(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    if invalid > valid { WINDOWS_1252 } else { UTF_8 }
}

fn overrule_if_utf8(declared: &'static Encoding, bytes: &[u8]) -> &'static Encoding {
    // A UTF-16 label on bytes without NULs is wrong too, and encoding_rs maps
    // such labels to UTF-8 output anyway; treat it like any other lie.
    if declared == UTF_8 {
        return UTF_8;
    }
    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    if (declared == UTF_16LE || declared == UTF_16BE) && !bytes.contains(&0) {
        return UTF_8;
    }
    declared
}

/// The encoding named by an XML prolog, or by an HTML `<meta charset>` /
/// `<meta http-equiv content="…charset=…">` near the start of the document.
pub fn declared_in_document(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    if head.trim_start().starts_with("<?xml") {
        let prolog_end = head.find("?>")?;
        let prolog = &head[..prolog_end];
        let label = attribute_value(prolog, "encoding")?;
        return Encoding::for_label(label.as_bytes());
    }
    let pos = head.find("charset")?;
    let rest = head[pos + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end =
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':')).unwrap_or(rest.len());
    Encoding::for_label(&rest.as_bytes()[..end])
}

fn attribute_value<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pos = tag.find(name)?;
    let rest = tag[pos + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_wins_over_declarations() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("<?xml version=\"1.0\" encoding=\"gbk\"?><rss/>".as_bytes());
        assert_eq!(detect(&bytes, Some("big5")), UTF_8);
        let (text, _) = decode(&bytes, None);
        assert!(text.starts_with("<?xml"));
    }

    #[test]
    fn http_charset_before_prolog() {
        let (bytes, _, _) = encoding_rs::BIG5.encode("<?xml version=\"1.0\" encoding=\"gbk\"?><t>中央社</t>");
        assert_eq!(detect(&bytes, Some("big5")), encoding_rs::BIG5);
        let (text, enc) = decode(&bytes, Some("Big5"));
        assert_eq!(enc, encoding_rs::BIG5);
        assert!(text.contains("中央社"));
    }

    #[test]
    fn prolog_names_gbk() {
        let (bytes, _, _) = encoding_rs::GBK.encode("<?xml version='1.0' encoding='GB2312'?><t>新闻</t>");
        let (text, enc) = decode(&bytes, None);
        assert_eq!(enc, encoding_rs::GBK);
        assert!(text.contains("新闻"));
    }

    #[test]
    fn lying_prolog_on_utf8_bytes_yields_utf8() {
        let bytes = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>新闻 café</t>".as_bytes();
        let (text, enc) = decode(bytes, Some("iso-8859-1"));
        assert_eq!(enc, UTF_8);
        assert!(text.contains("新闻 café"));
    }

    #[test]
    fn latin1_bytes_declared_latin1_stay_latin1() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xe9</t>";
        let (text, enc) = decode(bytes, None);
        assert_eq!(enc.name(), "windows-1252");
        assert!(text.contains("café"));
    }

    #[test]
    fn utf16_without_bom() {
        let src = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>新闻</t>";
        let bytes: Vec<u8> = src.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let (text, enc) = decode(&bytes, None);
        assert_eq!(enc, UTF_16LE);
        assert!(text.contains("新闻"));
    }

    #[test]
    fn undeclared_latin1_is_windows_1252_but_damaged_utf8_stays_utf8() {
        let latin1 = b"<rss><channel><title>Psycho\xa0: tr\xe8s complexe</title></channel></rss>";
        assert_eq!(detect(latin1, None), encoding_rs::WINDOWS_1252);
        assert!(decode(latin1, None).0.contains("Psycho\u{a0}: très complexe"));
        let mut damaged = "<t>新闻 café 中央社</t>".as_bytes().to_vec();
        damaged.insert(3, 0xff);
        assert_eq!(detect(&damaged, None), UTF_8);
    }

    #[test]
    fn html_meta_charset() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("<html><head><meta charset=\"gb2312\"></head><body>新闻</body></html>");
        assert_eq!(detect(&bytes, None), encoding_rs::GBK);
    }
}
