//! Post URLs exactly as Jekyll makes them, so a mirror that moves from
//! Jekyll keeps every inbound link: the archive's `permalink` pattern, its
//! `:title` slug rules ("pretty" mode, case kept) and its URL escaping.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

/// What a permalink pattern is filled with.
pub struct Fields<'a> {
    pub date: DateTime<FixedOffset>,
    /// The file name's title part (`2021-01-22-<this>.md`).
    pub slug: &'a str,
    pub categories: &'a [String],
}

/// Jekyll's built-in styles, else the pattern itself.
pub fn pattern(permalink: &str) -> &str {
    match permalink {
        "date" => "/:categories/:year/:month/:day/:title:output_ext",
        "pretty" => "/:categories/:year/:month/:day/:title/",
        "ordinal" => "/:categories/:year/:y_day/:title:output_ext",
        "weekdate" => "/:categories/:year/W:week/:short_day/:title:output_ext",
        "none" => "/:categories/:title:output_ext",
        other => other,
    }
}

/// The URL path (unescaped, starting with `/`) of a post.
pub fn post_path(permalink: &str, f: &Fields) -> String {
    let d = f.date;
    let categories: Vec<String> = f.categories.iter().map(|c| c.to_lowercase()).collect();
    let title = slugify_pretty(f.slug);
    let mut out = String::new();
    let pat = pattern(permalink);
    let mut rest = pat;
    // Longest names first: `:i_month` before `:month`, `:short_year` before `:year`.
    const NAMES: &[&str] = &[
        ":categories",
        ":output_ext",
        ":short_year",
        ":short_day",
        ":i_month",
        ":i_day",
        ":y_day",
        ":minute",
        ":second",
        ":month",
        ":title",
        ":slug",
        ":year",
        ":hour",
        ":week",
        ":day",
    ];
    while let Some(pos) = rest.find(':') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let Some(name) = NAMES.iter().find(|n| tail.starts_with(**n)) else {
            out.push(':');
            rest = &tail[1..];
            continue;
        };
        let value = match *name {
            ":categories" => categories.join("/"),
            ":output_ext" => ".html".to_string(),
            ":short_year" => format!("{:02}", d.year() % 100),
            ":short_day" => d.format("%a").to_string(),
            ":i_month" => d.month().to_string(),
            ":i_day" => d.day().to_string(),
            ":y_day" => format!("{:03}", d.ordinal()),
            ":minute" => format!("{:02}", d.minute()),
            ":second" => format!("{:02}", d.second()),
            ":month" => format!("{:02}", d.month()),
            ":title" | ":slug" => title.clone(),
            ":year" => d.year().to_string(),
            ":hour" => format!("{:02}", d.hour()),
            ":week" => format!("{:02}", d.iso_week().week()),
            _ => format!("{:02}", d.day()),
        };
        out.push_str(&value);
        rest = &tail[name.len()..];
    }
    out.push_str(rest);
    // Empty `:categories` leave `//`; Jekyll collapses them.
    let mut collapsed = String::with_capacity(out.len() + 1);
    for c in out.chars() {
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    sanitize_path(&collapsed)
}

/// Jekyll's `slugify(mode: "pretty", cased: true)`: every run of characters
/// other than letters, marks, decimal digits and `._~!$&'()+,;=@` becomes
/// one `-`, then a leading and a trailing `-` go.
pub fn slugify_pretty(s: &str) -> String {
    let keep = |c: char| c.is_alphabetic() || is_mark(c) || is_decimal_digit(c) || "._~!$&'()+,;=@".contains(c);
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for c in s.chars() {
        if keep(c) {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    let out = out.strip_prefix('-').unwrap_or(&out);
    out.strip_suffix('-').unwrap_or(out).to_string()
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x3099..=0x309A)
}

/// `\p{Nd}` for the scripts archives hold (ASCII, full-width, Arabic,
/// Devanagari): Rust's `is_numeric` also takes `²`, `½` and `〇`, which
/// Jekyll turns into `-`.
fn is_decimal_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c as u32, 0xFF10..=0xFF19 | 0x0660..=0x0669 | 0x06F0..=0x06F9 | 0x0966..=0x096F)
}

/// Jekyll's `URL.escape_path`: everything but unreserved characters,
/// sub-delimiters, `:`, `@` and `/` is percent-encoded.
pub fn escape_path(path: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(path.len() * 3);
    // One table look-up a byte: most of a CJK path is escaped.
    const KEEP: [bool; 256] = {
        let mut keep = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            keep[b] = c.is_ascii_alphanumeric();
            b += 1;
        }
        let mut i = 0;
        let marks = b"-._~!$&'()*+,;=:@/";
        while i < marks.len() {
            keep[marks[i] as usize] = true;
            i += 1;
        }
        keep
    };
    for b in path.bytes() {
        if KEEP[usize::from(b)] {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// A URL path that stays inside the site whatever a post or page says:
/// `permalink: /../../tmp/x.sh` and a category `../..` come from archive
/// files and feeds. Backslashes count as `/` (Windows readers of a clone
/// do), `.` and `..` segments and empty ones go (Jekyll's `sanitize_url`
/// replaces `..` too), control characters become `-`. The trailing `/` of
/// a directory URL is kept.
pub fn sanitize_path(path: &str) -> String {
    let unified = path.replace('\\', "/");
    let mut out = String::with_capacity(unified.len() + 1);
    for segment in unified.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..") {
        out.push('/');
        if segment.chars().any(char::is_control) {
            out.extend(segment.chars().map(|c| if c.is_control() { '-' } else { c }));
        } else {
            out.push_str(segment);
        }
    }
    if out.is_empty() || unified.ends_with('/') {
        out.push('/');
    }
    out
}

/// `path` with `-n` added to its last segment, before an extension:
/// `/a/x.html` → `/a/x-2.html`, `/a/x/` → `/a/x-2/`, `/a/x` → `/a/x-2`,
/// so the file keeps the type a web server serves it as.
pub fn with_suffix(path: &str, n: usize) -> String {
    let (body, slash) = match path.strip_suffix('/') {
        Some(b) => (b, "/"),
        None => (path, ""),
    };
    let last = body.rfind('/').map_or(0, |i| i + 1);
    // An extension is a short run of letters and digits after the last dot:
    // the dots of `U.S.-China` are part of the title.
    let extension = body[last..].rfind('.').filter(|&dot| {
        let ext = &body[last + dot + 1..];
        dot > 0 && (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    match extension {
        Some(dot) => format!("{}-{n}{}{slash}", &body[..last + dot], &body[last + dot..]),
        None => format!("{body}-{n}{slash}"),
    }
}

/// Where a post's or Markdown page's URL path is written, as Jekyll does:
/// `/a/` → `a/index.html`, `/a.html` → `a.html`, and anything else gets
/// `.html` added (`/2021-01-22/U.S.-China` → `U.S.-China.html`, which
/// GitHub Pages serves for that URL as a page, not a download). The path is
/// sanitised first ([`sanitize_path`]), so the file is always inside the
/// output directory.
pub fn output_file(path: &str) -> String {
    let path = sanitize_path(path);
    let p = path.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') {
        format!("{p}index.html")
    } else if p.ends_with(".html") {
        p.to_string()
    } else {
        format!("{p}.html")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date() -> DateTime<FixedOffset> {
        FixedOffset::east_opt(0).unwrap().with_ymd_and_hms(2021, 1, 22, 2, 15, 36).unwrap()
    }

    #[test]
    fn the_waimei_archive_s_permalinks() {
        let cats = vec!["联合早报".to_string()];
        let f = Fields { date: date(), slug: "黑龙江新增47起确诊病例", categories: &cats };
        let path = post_path("/:year-:month-:day/:title", &f);
        assert_eq!(path, "/2021-01-22/黑龙江新增47起确诊病例");
        assert_eq!(output_file(&path), "2021-01-22/黑龙江新增47起确诊病例.html");
        assert_eq!(
            escape_path(&path),
            "/2021-01-22/%E9%BB%91%E9%BE%99%E6%B1%9F%E6%96%B0%E5%A2%9E47%E8%B5%B7%E7%A1%AE%E8%AF%8A%E7%97%85%E4%BE%8B"
        );
    }

    #[test]
    fn jekyll_default_and_pretty_styles() {
        let cats = vec!["BBC".to_string()];
        let f = Fields { date: date(), slug: "Hello World", categories: &cats };
        assert_eq!(post_path("date", &f), "/bbc/2021/01/22/Hello-World.html");
        assert_eq!(post_path("pretty", &f), "/bbc/2021/01/22/Hello-World/");
        assert_eq!(output_file("/bbc/2021/01/22/Hello-World/"), "bbc/2021/01/22/Hello-World/index.html");
        let none: Vec<String> = Vec::new();
        let f = Fields { date: date(), slug: "x", categories: &none };
        assert_eq!(post_path("date", &f), "/2021/01/22/x.html");
    }

    #[test]
    fn clash_suffixes_go_before_the_extension() {
        assert_eq!(
            with_suffix("/中参馆/2021/11/08/When-Will-China-Get-off-Coal.html", 2),
            "/中参馆/2021/11/08/When-Will-China-Get-off-Coal-2.html"
        );
        assert_eq!(with_suffix("/a/x/", 3), "/a/x-3/");
        assert_eq!(with_suffix("/2021-01-22/x", 2), "/2021-01-22/x-2");
        assert_eq!(with_suffix("/a.b/x", 2), "/a.b/x-2");
        assert_eq!(with_suffix("/2021/U.S.-China", 2), "/2021/U.S.-China-2");
        assert_eq!(with_suffix("/a/.hidden", 2), "/a/.hidden-2");
    }

    #[test]
    fn no_permalink_or_category_leaves_the_site() {
        for (path, file) in [
            ("/../../../tmp/x.sh", "tmp/x.sh.html"),
            ("/a/./b/../c/", "a/b/c/index.html"),
            ("..", "index.html"),
            ("/..\\..\\etc\\passwd", "etc/passwd.html"),
            ("/ok/...", "ok/....html"),
            ("/2021-01-22/U.S.-China", "2021-01-22/U.S.-China.html"),
        ] {
            assert_eq!(output_file(path), file, "{path}");
        }
        let cats = vec!["../../tmp/x".to_string()];
        let f = Fields { date: date(), slug: "y", categories: &cats };
        assert_eq!(post_path("date", &f), "/tmp/x/2021/01/22/y.html");
    }

    #[test]
    fn slugs_as_jekyll_makes_them() {
        assert_eq!(slugify_pretty("北約秘書長訪日 強調支援烏克蘭重要性"), "北約秘書長訪日-強調支援烏克蘭重要性");
        assert_eq!(slugify_pretty("美中--台湾：关系"), "美中-台湾-关系");
        assert_eq!(slugify_pretty("「空中皇后」波音747"), "空中皇后-波音747");
        assert_eq!(slugify_pretty("Tom's (new) café!"), "Tom's-(new)-café!");
    }
}
