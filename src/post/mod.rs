//! Posts: the archive's file format (`FORMAT.md`), from front matter to file name.
//!
//! [`Post::new`] is the one place where feed fields become front-matter keys.

mod filename;
pub mod read;
pub mod yaml;

use chrono::{DateTime, SecondsFormat, Utc};

pub use filename::{file_name, safe_name, with_suffix};

use crate::text;

/// Everything a post file says, already cleaned and normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub title: String,
    /// `min(published, run time)`: what the front matter's `date` says.
    pub date: DateTime<Utc>,
    /// The published time before that `min` (the run time when unknown), in ms.
    pub published_ms: i64,
    pub author: String,
    pub link: String,
    /// The source name first, then the source's extra tags.
    pub tags: Vec<String>,
    /// The content HTML as it will be written (before lines are trimmed and joined).
    pub content: String,
}

/// What the post needs from the item, already chosen by [`crate::feed`].
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    pub title: &'a str,
    pub link: &'a str,
    pub author: Option<&'a str>,
    pub published: Option<DateTime<Utc>>,
    pub content: String,
}

/// What the post needs from the source and the run.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub source_name: &'a str,
    pub extra_tags: &'a [String],
    /// The source's configured author, which wins over the item's own.
    pub author_override: Option<&'a str>,
    pub run_time: DateTime<Utc>,
}

impl Post {
    pub fn new(fields: Fields, ctx: &Context) -> Post {
        let published = fields.published.unwrap_or(ctx.run_time);
        let author = ctx
            .author_override
            .or(fields.author)
            .map(text::clean_line)
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| text::clean_line(ctx.source_name));
        let mut tags = vec![text::clean_line(ctx.source_name)];
        tags.extend(ctx.extra_tags.iter().map(|t| text::clean_line(t)).filter(|t| !t.is_empty()));
        let mut title = text::clean_line(fields.title);
        if title.is_empty() {
            title = fallback_title(&fields.content, fields.link);
        }
        Post {
            title,
            date: published.min(ctx.run_time),
            published_ms: published.timestamp_millis(),
            author,
            link: fields.link.to_string(),
            tags,
            content: fields.content,
        }
    }

    /// The whole file, exactly as FORMAT.md lays it out.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.content.len() + 512);
        let tags: Vec<String> = self.tags.iter().map(|t| yaml::flow_item(t)).collect();
        let source = tags.first().cloned().unwrap_or_else(|| "\"\"".into());
        out.push_str("---\nlayout: post\ntitle: ");
        out.push_str(&yaml::quoted(&self.title));
        out.push_str("\ndate: ");
        out.push_str(&self.date.to_rfc3339_opts(SecondsFormat::Millis, true));
        out.push_str("\nauthor: ");
        out.push_str(&yaml::scalar(&self.author));
        out.push_str("\nfrom: ");
        out.push_str(&yaml::scalar(&self.link));
        out.push_str(&format!("\ntags: [ {} ]\ncomments: True\ncategories: [ {source} ]\n---\n", tags.join(", ")));
        out.push_str(&format!("<!--{}-->\n", self.published_ms));
        out.push_str(&format!(
            "[{}]({})\n------\n\n<div>\n",
            markdown_link_text(&self.title),
            markdown_link_target(&self.link)
        ));
        self.push_content(&mut out);
        out.push_str("\n</div>\n");
        out
    }

    /// The content as the file holds it: each line trimmed, lines joined.
    pub fn content_as_written(&self) -> String {
        let mut out = String::with_capacity(self.content.len());
        self.push_content(&mut out);
        out
    }

    fn push_content(&self, out: &mut String) {
        fn trimmed(line: &str) -> &str {
            // ASCII white space goes byte by byte; only a line that then
            // begins or ends with another character (U+3000, U+FEFF) needs
            // the trim that decodes characters, which was 3% of a raw run.
            let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
            let bytes = line.as_bytes();
            let start = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
            let end = bytes.iter().rposition(|b| !space(b)).map_or(start, |i| i + 1);
            let line = &line[start..end];
            match (line.as_bytes().first(), line.as_bytes().last()) {
                (Some(first), Some(last)) if !first.is_ascii() || !last.is_ascii() => {
                    line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                }
                _ => line,
            }
        }
        // `memchr` rather than `split('\n')`, whose byte-at-a-time search
        // was 8% of the instructions of a raw run.
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', self.content.as_bytes()) {
            out.push_str(trimmed(&self.content[start..end]));
            start = end + 1;
        }
        out.push_str(trimmed(&self.content[start..]));
    }
}

/// A title for an item that has none: the start of its text, else its link.
fn fallback_title(content: &str, link: &str) -> String {
    let words = text::clean_line(&text::html_to_text(content));
    if words.is_empty() {
        return link.to_string();
    }
    let mut head: String = words.chars().take(60).collect();
    if head.len() < words.len() {
        head.push('…');
    }
    head
}

/// A title as link text that stays text in every Markdown renderer
/// (pulldown-cmark, kramdown, GitHub's): `<`, `>` and `&` as entities so no
/// inline HTML or entity is formed, `[`, `]` and `\\` escaped so the link
/// stays whole, and `{{`, `{%`, `%}` split by a character reference so Jekyll's
/// Liquid sees no tag (FORMAT.md, the link line). Used by post files and the
/// old-style `lists/` pages alike.
pub fn markdown_link_text(title: &str) -> String {
    let mut out = String::with_capacity(title.len() + 16);
    let mut chars = title.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '{' if matches!(next, Some('{' | '%')) => out.push_str("&#123;"),
            '%' if next == Some('}') => out.push_str("&#37;"),
            _ => out.push(c),
        }
    }
    out
}

/// A link target that neither ends the Markdown link early (parentheses,
/// spaces, angle brackets) nor carries a Liquid tag (`{`, `}` encoded).
pub fn markdown_link_target(link: &str) -> String {
    let mut out = String::with_capacity(link.len());
    for c in link.chars() {
        match c {
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            ' ' => out.push_str("%20"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(run: &str) -> Context<'static> {
        Context {
            source_name: "(臺)中央社CNA",
            extra_tags: &[],
            author_override: None,
            run_time: DateTime::parse_from_rfc3339(run).unwrap().with_timezone(&Utc),
        }
    }

    fn fields(title: &str) -> Fields<'_> {
        Fields {
            title,
            link: "https://example.com/a",
            author: None,
            published: Some(DateTime::parse_from_rfc3339("2023-01-31T08:34:06Z").unwrap().with_timezone(&Utc)),
            content: "  <p>a</p>\n   <p>b</p>  \n".into(),
        }
    }

    #[test]
    fn date_is_capped_by_the_run_time_but_the_comment_keeps_published() {
        let post = Post::new(fields("t"), &ctx("2023-01-01T00:00:00Z"));
        let out = post.render();
        assert!(out.contains("\ndate: 2023-01-01T00:00:00.000Z\n"));
        assert!(out.contains("<!--1675154046000-->"));
        assert!(out.ends_with("<div>\n<p>a</p><p>b</p>\n</div>\n"));
    }

    #[test]
    fn link_line_survives_brackets() {
        let post = Post::new(fields("a [b] c\\"), &ctx("2024-01-01T00:00:00Z"));
        assert!(post.render().contains("[a \\[b\\] c\\\\](https://example.com/a)"));
    }

    #[test]
    fn link_text_is_text_in_markdown_and_inert_for_liquid() {
        let post = Post::new(
            fields("<img src=x onerror=alert(1)> & {{ site.title }} {% raw %}"),
            &ctx("2024-01-01T00:00:00Z"),
        );
        let line = post.render().lines().find(|l| l.starts_with('[')).unwrap().to_string();
        assert_eq!(
            line,
            "[&lt;img src=x onerror=alert(1)&gt; &amp; &#123;{ site.title }} &#123;% raw &#37;}](https://example.com/a)"
        );
        let html = crate::site::render::markdown(&line);
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; {{ site.title }} {% raw %}</a>"), "{html}");
        assert_eq!(
            markdown_link_target("https://e.example/a?q={{x}}&b=(1)"),
            "https://e.example/a?q=%7B%7Bx%7D%7D&b=%281%29"
        );
    }

    #[test]
    fn content_lines_lose_white_space_and_byte_order_marks_at_both_ends_only() {
        let mut post = Post::new(fields("t"), &ctx("2024-01-01T00:00:00Z"));
        post.content =
            "<p>a b</p>\n\t<p>c</p>\r\n\u{feff} <i>d</i>\u{3000}\x0b\n \n\nx\n<b> </b> \u{a0}\n史 \n 史\n\x0c".into();
        assert_eq!(post.content_as_written(), "<p>a b</p><p>c</p><i>d</i>x<b> </b>史史");
    }

    #[test]
    fn missing_title_comes_from_the_text() {
        let post = Post::new(fields("  "), &ctx("2024-01-01T00:00:00Z"));
        assert_eq!(post.title, "a b");
    }
}
