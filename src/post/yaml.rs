//! YAML scalars that Jekyll (Psych, YAML 1.1) reads back exactly.

/// A double-quoted YAML scalar. Only `\` and `"` need escaping for text that
/// [`crate::text::clean_line`] produced; the YAML 1.1 line breaks (NEL, LS,
/// PS) and the BOM are escaped too, since a reader would fold or drop them.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The value as a block-context scalar: plain when YAML reads it back as
/// the same string (as the seed has `author: (臺)中央社CNA`), else quoted.
pub fn scalar(s: &str) -> String {
    if plain_is_safe(s, false) { s.to_string() } else { quoted(s) }
}

/// The value as an element of a flow sequence (`[ a, b ]`).
pub fn flow_item(s: &str) -> String {
    if plain_is_safe(s, true) { s.to_string() } else { quoted(s) }
}

fn plain_is_safe(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_whitespace() {
        return false;
    }
    // Digits, signs and dots may resolve to numbers, dates, times or
    // sexagesimals (YAML 1.1 reads `1:20` as 80); `<<` and `=` are special keys.
    if first.is_ascii_digit() || first == '+' || first == '.' || s == "<<" || s == "=" {
        return false;
    }
    if s.ends_with(|c: char| c.is_whitespace() || c == ':') || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')) {
        return false;
    }
    if in_flow && (s.contains([',', '[', ']', '{', '}', ':', '#', '"', '\'']) || has_bare_indicator(s)) {
        return false;
    }
    !is_yaml11_keyword(s)
}

/// A `-` or `?` followed by a space or the end: inside `[ … ]` some
/// parsers (yaml-rust2, found by the property test) take `a -` as the start
/// of a block entry and reject the line, so such names are quoted.
fn has_bare_indicator(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '-' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()) {
            return true;
        }
    }
    false
}

/// Booleans and nulls of YAML 1.1 and Psych, any case.
fn is_yaml11_keyword(s: &str) -> bool {
    const WORDS: &[&str] = &["y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "nan", "inf"];
    WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_when_safe() {
        assert_eq!(scalar("(臺)中央社CNA"), "(臺)中央社CNA");
        assert_eq!(
            scalar("https://www.cna.com.tw/news/aopl/202301310214.aspx"),
            "https://www.cna.com.tw/news/aopl/202301310214.aspx"
        );
        assert_eq!(flow_item("BBC"), "BBC");
        assert_eq!(flow_item("BBC-中文"), "BBC-中文");
    }

    #[test]
    fn quoted_when_yaml_would_misread() {
        for s in [
            "yes",
            "No",
            "null",
            "~",
            "- a",
            "@x",
            "a: b",
            "a #b",
            "123",
            "1:20",
            "2023-01-01",
            "",
            "[x",
            "'q",
            "\"q",
            "a:",
        ] {
            assert!(scalar(s).starts_with('"'), "{s}");
        }
        for s in ["a, b", "a:b", "x#y", "{", "it's", "$ -", "a - b", "why ?"] {
            assert!(flow_item(s).starts_with('"'), "{s}");
        }
        assert_eq!(quoted(r#"a\b"c"#), r#""a\\b\"c""#);
    }
}
