//! From a fetch to a [`Fact`]: which HTTP answers mean gone, blocked or
//! merely unreachable, what a soft-404 page or a wall looks like, and the
//! article text compared between observations.

use sha2::{Digest, Sha256};
use url::Url;

use super::state::Fact;
use crate::extract::{self, Rules};
use crate::fetch::FetchError;

/// Pages that say the article is gone while answering 200. A source's
/// `soft_404 = [...]` adds to these.
pub const SOFT_404: &[&str] = &[
    "该内容已被删除",
    "该文章已被删除",
    "此文章已被刪除",
    "此內容已被刪除",
    "該內容已被刪除",
    "内容已删除",
    "页面不存在",
    "頁面不存在",
    "文章不存在",
    "您访问的页面不存在",
    "Page not found",
    "404 Not Found",
    "This page could not be found",
    "The page you requested could not be found",
    "This article has been removed",
    "This content is no longer available",
];

/// A login or captcha wall in front of the article.
const WALLS: &[&str] = &[
    "请登录后查看",
    "登录后查看全文",
    "請登入後查看",
    "人机验证",
    "安全验证",
    "verify you are human",
    "are you a robot",
    "complete the captcha",
    "Please log in to continue",
    "Sign in to continue reading",
];

/// Paths a wall redirects to.
const WALL_PATHS: &[&str] = &["login", "signin", "sign-in", "passport", "captcha", "verify", "auth"];

/// What one page fetch found, with what the observation records about it.
#[derive(Debug, Clone)]
pub struct Judged {
    pub fact: Fact,
    /// Why it is gone or blocked, for the record and the log.
    pub reason: Option<String>,
    /// The article's text (a paragraph per line) when it is there.
    pub text: Option<String>,
}

/// Only some errors say something about the article; the rest say the
/// server or the network failed, which is never a deletion.
pub fn judge_error(e: &FetchError) -> Judged {
    let (fact, reason) = match e {
        FetchError::Status { status: 404 | 410, .. } => (Fact::Gone, format!("HTTP {}", status_of(e))),
        FetchError::Status { status: 451, .. } => (Fact::Blocked, "HTTP 451".into()),
        FetchError::Status { status: 401 | 403, .. } => (Fact::Blocked, format!("HTTP {}", status_of(e))),
        other => (Fact::Unreachable, other.to_string()),
    };
    Judged { fact, reason: Some(reason), text: None }
}

pub fn status_of(e: &FetchError) -> u16 {
    match e {
        FetchError::Status { status, .. } | FetchError::RetryLater { status, .. } => *status,
        _ => 0,
    }
}

/// Judge a page that answered 200. `had_text`: the post (or an earlier
/// observation) held article text, so an empty article now means gone.
pub fn judge_page(
    html: &str,
    original: &Url,
    final_url: &Url,
    rules: Option<&Rules>,
    extra_soft_404: &[String],
    had_text: bool,
) -> Judged {
    let gone = |reason: String| Judged { fact: Fact::Gone, reason: Some(reason), text: None };
    let blocked = |reason: String| Judged { fact: Fact::Blocked, reason: Some(reason), text: None };
    if let Some(why) = redirect_away(original, final_url) {
        return match why {
            Away::Wall => blocked(format!("redirected to a login or captcha page {final_url}")),
            Away::Home => gone(format!("redirected to the site's home {final_url}")),
            Away::Section => gone(format!("redirected to a section page {final_url}")),
        };
    }
    let title = page_title(html);
    let article = extract::extract_page(html, Some(final_url), rules).ok();
    let article_text = article.as_ref().map(|a| extract::plain_text(&a.html)).unwrap_or_default();
    // A short page is judged by all its words; a long article only by its
    // title, so an article *about* "page not found" errors stays an article.
    let short = normalised(&article_text).chars().count() < 400;
    let haystack = if short { format!("{title}\n{}", crate::text::html_to_text(html)) } else { title.clone() };
    let lower = haystack.to_lowercase();
    let hit = |p: &str| !p.is_empty() && lower.contains(&p.to_lowercase());
    if let Some(p) = WALLS.iter().find(|p| hit(p)) {
        return blocked(format!("wall: {p:?}"));
    }
    let extra: Vec<&str> = extra_soft_404.iter().map(String::as_str).collect();
    if let Some(p) = SOFT_404.iter().chain(extra.iter()).find(|p| hit(p)) {
        return gone(format!("soft 404: {p:?}"));
    }
    if normalised(&article_text).is_empty() {
        if had_text {
            return gone("empty article where there was text".into());
        }
        return Judged { fact: Fact::Unreachable, reason: Some("no article on the page".into()), text: None };
    }
    Judged {
        fact: Fact::Present { hash: text_hash(&article_text), extractor: super::EXTRACTOR_VERSION.to_string() },
        reason: None,
        text: Some(article_text),
    }
}

enum Away {
    Home,
    Section,
    Wall,
}

/// A redirect away from the article: to the home page, to a page above it
/// (its section), or to a login page.
fn redirect_away(original: &Url, final_url: &Url) -> Option<Away> {
    let trim = |u: &Url| u.path().trim_end_matches('/').to_string();
    if trim(original) == trim(final_url) && original.host_str() == final_url.host_str() {
        return None;
    }
    let path = final_url.path().to_ascii_lowercase();
    if path.split(['/', '.', '?']).any(|seg| WALL_PATHS.contains(&seg)) {
        return Some(Away::Wall);
    }
    let to: Vec<&str> = final_url.path().split('/').filter(|s| !s.is_empty()).collect();
    let from: Vec<&str> = original.path().split('/').filter(|s| !s.is_empty()).collect();
    if to.is_empty() && !from.is_empty() {
        return Some(Away::Home);
    }
    let same_site = original.host_str() == final_url.host_str();
    if same_site && to.len() < from.len() && from.starts_with(&to) {
        return Some(Away::Section);
    }
    None
}

fn page_title(html: &str) -> String {
    let lower = html.get(..html.len().min(64 * 1024)).unwrap_or(html);
    let doc = dom_query::Document::from(lower);
    let mut t = doc.select("title").text().to_string();
    t.push('\n');
    t.push_str(&doc.select("h1").text());
    t
}

/// The text as compared: lines of counters (views, comments, likes) out,
/// all whitespace out, so reflowing, a changed view count or a moved ad
/// never reads as an edit.
pub fn normalised(text: &str) -> String {
    text.lines().filter(|l| !is_counter(l)).flat_map(|l| l.chars().filter(|c| !c.is_whitespace())).collect()
}

fn is_counter(line: &str) -> bool {
    const WORDS: &[&str] = &[
        "阅读", "閱讀", "浏览", "瀏覽", "评论", "評論", "点赞", "點讚", "views", "comments", "likes", "shares", "reads",
    ];
    let l = line.trim().to_lowercase();
    l.chars().count() <= 40 && l.chars().any(|c| c.is_ascii_digit()) && WORDS.iter().any(|w| l.contains(w))
}

/// SHA-256 of the normalised text, in hex.
pub fn text_hash(text: &str) -> String {
    hex(&Sha256::digest(normalised(text).as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn article(body: &str) -> String {
        format!(
            "<html><head><title>News</title></head><body><nav>Home</nav><article><h1>Story</h1>{}</article></body></html>",
            body
        )
    }

    const LONG: &str = "<p>The council met on Tuesday and voted to rebuild the bridge over the river, \
        which has been closed since the spring floods washed away two of its piers.</p>\
        <p>Work starts next month and should take a year, the mayor said, adding that a ferry \
        will run in the meantime for people who cross every day to work or school.</p>";

    #[test]
    fn whitespace_and_counters_are_not_edits() {
        assert_eq!(text_hash("A story.\n阅读 1234"), text_hash("A  story.\n阅读 99999"));
        assert_ne!(text_hash("The toll is 3."), text_hash("The toll is 30."));
    }

    #[test]
    fn pages_that_say_gone() {
        let u = url("https://news.example/2024/05/story.html");
        let j = judge_page(&article(LONG), &u, &u, None, &[], true);
        assert!(matches!(j.fact, Fact::Present { .. }), "{j:?}");
        let soft = article("<p>抱歉，该内容已被删除。</p>");
        assert_eq!(judge_page(&soft, &u, &u, None, &[], true).fact, Fact::Gone);
        let own = article("<p>Sorry, this story was withdrawn by the editors.</p>");
        assert!(matches!(judge_page(&own, &u, &u, None, &[], true).fact, Fact::Present { .. } | Fact::Gone));
        assert_eq!(judge_page(&own, &u, &u, None, &["withdrawn by the editors".into()], true).fact, Fact::Gone);
        let home = url("https://news.example/");
        assert_eq!(judge_page(&article(LONG), &u, &home, None, &[], true).fact, Fact::Gone);
        let section = url("https://news.example/2024/");
        assert_eq!(judge_page(&article(LONG), &u, &section, None, &[], true).fact, Fact::Gone);
        let login = url("https://news.example/login?next=/2024/05/story.html");
        assert_eq!(judge_page(&article(LONG), &u, &login, None, &[], true).fact, Fact::Blocked);
        let moved = url("https://news.example/2024/05/story-updated.html");
        assert!(matches!(judge_page(&article(LONG), &u, &moved, None, &[], true).fact, Fact::Present { .. }));
    }

    #[test]
    fn an_article_about_missing_pages_is_an_article() {
        let u = url("https://news.example/a");
        let body = format!("{LONG}<p>Readers saw 'Page not found' when the site went down.</p>{LONG}");
        assert!(matches!(judge_page(&article(&body), &u, &u, None, &[], true).fact, Fact::Present { .. }));
    }

    #[test]
    fn errors() {
        let st = |status| FetchError::Status { status, reason: None };
        assert_eq!(judge_error(&st(404)).fact, Fact::Gone);
        assert_eq!(judge_error(&st(410)).fact, Fact::Gone);
        assert_eq!(judge_error(&st(451)).fact, Fact::Blocked);
        assert_eq!(judge_error(&st(503)).fact, Fact::Unreachable);
        assert_eq!(judge_error(&FetchError::Timeout(std::time::Duration::from_secs(1))).fact, Fact::Unreachable);
        assert_eq!(judge_error(&FetchError::NoHost("x".into())).fact, Fact::Unreachable);
    }
}
