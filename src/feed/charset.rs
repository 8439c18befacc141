//! Bytes to text for feeds: a BOM wins; a declared charset (HTTP, then the
//! XML prolog or HTML `<meta>`) is used only when the bytes decode in it
//! without errors, else the other declaration, else detection (chardetng,
//! the detector Firefox uses).
//!
//! Declarations lie often: servers default to ISO-8859-1 or UTF-8 whatever
//! the file holds, generators copy prologs. A single-byte declaration
//! decodes any bytes, so it proves nothing: it loses to the other
//! declaration or to detection when they name a multi-byte encoding (GBK,
//! Big5, Shift_JIS, EUC-KR, UTF-8) in which the bytes decode cleanly.
//! Valid UTF-8 with non-ASCII text is practically never meant as anything
//! else, so it is UTF-8 whatever is declared.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// The encoding chosen for a document, and why (for `parse --json` and logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub encoding: &'static Encoding,
    pub reason: String,
}

/// Decode `bytes` to text, returning the encoding used. Malformed sequences
/// become U+FFFD rather than failing: one bad byte must not cost a feed.
pub fn decode<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> (Cow<'a, str>, &'static Encoding) {
    let encoding = detect(bytes, http_charset);
    (decode_as(bytes, encoding), encoding)
}

/// Choose the encoding of `bytes` without decoding them.
pub fn detect(bytes: &[u8], http_charset: Option<&str>) -> &'static Encoding {
    choose(bytes, http_charset).encoding
}

/// Choose the encoding of a feed's bytes by the rules above.
pub fn choose(bytes: &[u8], http_charset: Option<&str>) -> Choice {
    let pick = |encoding: &'static Encoding, reason: String| Choice { encoding, reason };
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return pick(enc, "byte order mark".into());
    }
    // UTF-16 without a BOM still starts with `<` next to a NUL byte.
    match bytes {
        [b'<', 0, ..] => return pick(UTF_16LE, "UTF-16 byte pattern".into()),
        [0, b'<', ..] => return pick(UTF_16BE, "UTF-16 byte pattern".into()),
        _ => {}
    }
    let http = http_charset.map(|c| (c.trim(), Encoding::for_label(c.trim().as_bytes())));
    let doc = declared_in_document(bytes);
    let says = |what: &str, label: &str| format!("{what} declares {label}");
    if !bytes.is_ascii() && is_utf8(bytes) {
        return pick(UTF_8, "valid UTF-8".into());
    }
    // Declarations in order of authority, each tried against the bytes.
    let mut declared: Vec<(&'static Encoding, String)> = Vec::with_capacity(2);
    if let Some((label, Some(enc))) = http {
        declared.push((usable(enc), says("HTTP charset", label)));
    }
    if let Some(enc) = doc {
        declared.push((usable(enc), says("the document", enc.name())));
    }
    let clean: Vec<&(&'static Encoding, String)> =
        declared.iter().filter(|(enc, _)| decodes_cleanly(enc, bytes)).collect();
    let rejected: Vec<String> = declared
        .iter()
        .filter(|(enc, _)| !decodes_cleanly(enc, bytes))
        .map(|(enc, why)| format!("{why} but the bytes are not {}", enc.name()))
        .collect();
    let detected = || undeclared(bytes);
    let result = match clean.first() {
        Some((enc, why)) if !enc.is_single_byte() || bytes.is_ascii() => pick(enc, why.clone()),
        Some((enc, why)) => {
            // A single-byte declaration proves nothing: a multi-byte reading
            // the other declaration or detection offers, and the bytes bear
            // out, is the text.
            let other = clean.iter().skip(1).find(|(e, _)| !e.is_single_byte()).map(|(e, w)| (*e, w.clone()));
            let other = other.or_else(|| {
                let d = detected();
                (!d.is_single_byte() && decodes_cleanly(d, bytes))
                    .then(|| (d, format!("detected {} (the bytes decode cleanly in it)", d.name())))
            });
            match other {
                Some((e, w)) => pick(e, format!("{w}, over the single-byte {why}")),
                None => pick(enc, why.clone()),
            }
        }
        None => {
            let d = detected();
            pick(d, format!("detected {}", d.name()))
        }
    };
    if rejected.is_empty() {
        result
    } else {
        pick(result.encoding, format!("{}; {}", result.reason, rejected.join("; ")))
    }
}

/// [`choose`], then [`decode_as`], in one: valid UTF-8 with non-ASCII
/// text, the usual feed, is checked once and borrowed, where the two each
/// made a pass over the whole feed; its declarations are not read, as
/// they cannot change that choice.
pub fn choose_and_decode<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> (Cow<'a, str>, Choice) {
    let marked = Encoding::for_bom(bytes).is_some() || matches!(bytes, [b'<', 0, ..] | [0, b'<', ..]);
    if !marked
        && !bytes.is_ascii()
        && let Some(text) = UTF_8.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return (text, Choice { encoding: UTF_8, reason: "valid UTF-8".into() });
    }
    let choice = choose(bytes, http_charset);
    (decode_as(bytes, choice.encoding), choice)
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

/// Whether `bytes` are UTF-8, by encoding_rs's check: the standard
/// library's took a quarter of parsing a CJK feed.
fn is_utf8(bytes: &[u8]) -> bool {
    Encoding::utf8_valid_up_to(bytes) == bytes.len()
}

/// Decode with a known encoding, skipping its BOM.
pub fn decode_as<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Cow<'a, str> {
    match Encoding::for_bom(bytes) {
        Some((bom_enc, bom_len)) if bom_enc == encoding => encoding.decode_without_bom_handling(&bytes[bom_len..]).0,
        _ => encoding.decode_without_bom_handling(bytes).0,
    }
}

/// Detection, for bytes no declaration describes: damaged UTF-8 (a few bad
/// bytes in UTF-8 text) stays UTF-8 rather than turn into mojibake; other
/// bytes go to chardetng (GBK, Big5, Shift_JIS, EUC-KR, windows-1252, ...).
fn undeclared(bytes: &[u8]) -> &'static Encoding {
    if is_utf8(bytes) {
        return UTF_8;
    }
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    if valid >= invalid && valid > 0 {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    match detector.guess(None, chardetng::Utf8Detection::Allow) {
        enc if enc == UTF_8 => WINDOWS_1252,
        enc => enc,
    }
}

/// Whether `bytes` decode in `encoding` without a malformed sequence.
fn decodes_cleanly(encoding: &'static Encoding, bytes: &[u8]) -> bool {
    encoding.decode_without_bom_handling_and_without_replacement(bytes).is_some()
}

/// A UTF-16 label on bytes without NULs is a copied prolog: those bytes are
/// ASCII-compatible, read as UTF-8.
fn usable(declared: &'static Encoding) -> &'static Encoding {
    if declared == UTF_16LE || declared == UTF_16BE { UTF_8 } else { declared }
}

fn overrule_if_utf8(declared: &'static Encoding, bytes: &[u8]) -> &'static Encoding {
    // A UTF-16 label on bytes without NULs is wrong too, and encoding_rs maps
    // such labels to UTF-8 output anyway; treat it like any other lie.
    if declared == UTF_8 {
        return UTF_8;
    }
    if !bytes.is_ascii() && is_utf8(bytes) {
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
    fn choosing_and_decoding_at_once_agrees_with_doing_both_on_every_corpus_feed() {
        let mut samples: Vec<Vec<u8>> = vec![
            b"\xEF\xBB\xBF<rss>\xe6\x96\xb0</rss>".to_vec(),
            b"<\0r\0s\0s\0".to_vec(),
            b"<?xml version=\"1.0\" encoding=\"gbk\"?><t>\xd0\xc2</t>".to_vec(),
            "<?xml version=\"1.0\" encoding=\"big5\"?><t>新闻 café</t>".as_bytes().to_vec(),
            b"<rss>ascii only</rss>".to_vec(),
            b"<t>caf\xe9</t>".to_vec(),
        ];
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/feeds"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    samples.push(bytes);
                }
            }
        }
        for bytes in &samples {
            for http in [None, Some("iso-8859-1"), Some("utf-8")] {
                let choice = choose(bytes, http);
                let expected = (decode_as(bytes, choice.encoding), choice);
                assert_eq!(
                    choose_and_decode(bytes, http),
                    expected,
                    "{:?}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
                );
            }
        }
    }

    #[test]
    fn html_meta_charset() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("<html><head><meta charset=\"gb2312\"></head><body>新闻</body></html>");
        assert_eq!(detect(&bytes, None), encoding_rs::GBK);
    }
}
