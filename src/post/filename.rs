//! Post file names: `YYYY-MM-DD-<title head>.md`, safe on every filesystem.

use chrono::{DateTime, Utc};

const MAX_NAME_BYTES: usize = 255;
const HEAD_CHARS: usize = 50;

/// The file name for a post, before collision suffixes. `short_hash` stands
/// in for a title that leaves nothing usable (computed only then).
pub fn file_name<H: AsRef<str>>(date: DateTime<Utc>, title: &str, short_hash: impl FnOnce() -> H) -> String {
    // Cut first, then replace, as the system we replace did: names stay equal.
    let head: String = title.chars().take(HEAD_CHARS).collect();
    let mut safe = safe_name(&head);
    if safe.is_empty() {
        safe = short_hash().as_ref().to_string();
    }
    with_suffix(&format!("{}-{}", date.format("%Y-%m-%d"), safe), 1)
}

/// `s` as a file name on any filesystem: `/` becomes `--`, characters
/// Windows or the shell trip over become `-`, no leading dot, no trailing
/// dots or spaces.
pub fn safe_name(s: &str) -> String {
    let s = s.replace('/', "--");
    let safe: String = s
        .chars()
        .map(|c| if c.is_control() || matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') { '-' } else { c })
        .collect();
    safe.trim_start_matches('.').trim_end_matches(['.', ' ']).to_string()
}

/// `base.md` for `n == 1`, else `base-n.md`, cut so the whole name fits 255 bytes.
/// `base` may be a name from [`file_name`] (its `.md` is dropped first).
pub fn with_suffix(base: &str, n: u32) -> String {
    let base = base.strip_suffix(".md").unwrap_or(base);
    let suffix = if n <= 1 { ".md".to_string() } else { format!("-{n}.md") };
    let mut cut = base.len().min(MAX_NAME_BYTES - suffix.len());
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    let kept = base[..cut].trim_end_matches(['.', ' ']);
    format!("{kept}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2023-01-31T08:34:06Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn seed_name() {
        assert_eq!(
            file_name(d(), "北約秘書長訪日 強調支援烏克蘭重要性", || "x"),
            "2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md"
        );
    }

    #[test]
    fn cut_then_replace() {
        let title = format!("{}/b", "a".repeat(49));
        assert_eq!(file_name(d(), &title, || "x"), format!("2023-01-31-{}--.md", "a".repeat(49)));
    }

    #[test]
    fn unsafe_characters_and_dots() {
        assert_eq!(file_name(d(), "..a:b*c?\"<>|\\d ..", || "x"), "2023-01-31-a-b-c------d.md");
        assert_eq!(file_name(d(), "...", || "deadbeef"), "2023-01-31-deadbeef.md");
        assert_eq!(file_name(d(), "../../etc/passwd", || "x"), "2023-01-31---..--etc--passwd.md");
    }

    #[test]
    fn long_names_fit_255_bytes() {
        let title = "𝕏".repeat(300);
        let name = file_name(d(), &title, || "x");
        assert!(name.len() <= 255);
        let name = with_suffix(&name, 12);
        assert!(name.len() <= 255 && name.ends_with("-12.md"));
    }
}
