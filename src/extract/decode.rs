//! Article pages to text. Pages declare their charset less reliably than
//! feeds and GBK and Big5 pages are common, so after the BOM, the HTTP
//! charset and `<meta>`, the bytes themselves decide (chardetng, the
//! detector Firefox uses), rather than a fixed fallback.

use encoding_rs::{Encoding, UTF_8};

use crate::feed::charset;

/// Decode a page, returning its text and the encoding used.
pub fn decode_page(bytes: &[u8], http_charset: Option<&str>) -> (String, &'static Encoding) {
    let encoding = charset::declared(bytes, http_charset).unwrap_or_else(|| guess(bytes));
    (charset::decode_as(bytes, encoding).into_owned(), encoding)
}

fn guess(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "<html><body><p>北約秘書長訪日，強調支援烏克蘭的重要性。中央社東京綜合外電報導。</p></body></html>";

    #[test]
    fn undeclared_big5_and_gbk_are_detected() {
        for enc in [encoding_rs::BIG5, encoding_rs::GBK] {
            let (bytes, _, _) = enc.encode(TEXT);
            let (text, used) = decode_page(&bytes, None);
            assert_eq!(used, enc);
            assert_eq!(text, TEXT);
        }
    }

    #[test]
    fn meta_charset_is_honoured() {
        let page = format!("<html><head><meta charset=\"gb2312\"></head>{TEXT}</html>");
        let (bytes, _, _) = encoding_rs::GBK.encode(&page);
        let (text, used) = decode_page(&bytes, None);
        assert_eq!(used, encoding_rs::GBK);
        assert_eq!(text, page);
    }
}
