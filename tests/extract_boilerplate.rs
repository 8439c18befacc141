//! Article extraction on page shapes of US and UK newspapers: the article
//! text stays, the furniture around and inside it goes, whichever way the
//! article was found; the page's byline and date reach a post only where
//! the feed names none.

mod common;

use common::http::{TestServer, handler, ok};
use common::*;
use newsmirror::extract::{self, Method};

fn page(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The article's text as a post would hold it.
fn article_text(name: &str) -> (String, extract::Article) {
    let url = url::Url::parse("https://news.example/story").unwrap();
    let a = extract::extract_page(&page(name), Some(&url), None).unwrap();
    let text = extract::plain_text(&newsmirror::sanitize::sanitize(&a.html, Some(&url)));
    (text, a)
}

const US_ARTICLE: &[&str] = &[
    "The Harbor Bridge reopened to traffic on Monday morning",
    "City engineers said the rebuilt deck",
    "Commuters lined up before dawn",
    "The project cost a little under two hundred million dollars",
    "the bike lane on the north side",
];

#[test]
fn us_article_keeps_every_paragraph() {
    let (text, _) = article_text("us-newspaper.html");
    for p in US_ARTICLE {
        assert!(text.contains(p), "lost {p:?}:\n{text}");
    }
}

#[test]
fn bylines_and_datelines_go() {
    let (text, _) = article_text("us-newspaper.html");
    assert!(!text.contains("By Maria Alvarez"), "{text}");
    assert!(!text.contains("Published 4:00 am"), "{text}");
    let (uk, _) = article_text("uk-newspaper.html");
    assert!(!uk.contains("3 February 2024"), "{uk}");
}

#[test]
fn share_follow_and_newsletter_blocks_go() {
    let (text, _) = article_text("us-newspaper.html");
    assert!(!text.contains("Share on X") && !text.contains("Email this story"), "{text}");
    assert!(!text.contains("Sign up for our free newsletter"), "{text}");
    let (uk, _) = article_text("uk-newspaper.html");
    assert!(!uk.contains("Follow us on Facebook"), "{uk}");
}

#[test]
fn related_and_more_lists_go() {
    let (text, _) = article_text("us-newspaper.html");
    assert!(!text.contains("Related stories") && !text.contains("Council approves bridge budget"), "{text}");
    let (uk, _) = article_text("uk-newspaper.html");
    assert!(!uk.contains("More from the Courier") && !uk.contains("School fete raises"), "{uk}");
    assert!(!uk.contains("Most read"), "{uk}");
}

#[test]
fn image_credits_and_figure_captions_go_and_the_picture_stays() {
    let (text, a) = article_text("us-newspaper.html");
    assert!(!text.contains("Getty Images"), "{text}");
    let caption = "Cars cross the Harbor Bridge on its first morning back in service.";
    assert!(!text.contains(caption), "{text}");
    assert!(a.html.contains("<img"), "{}", a.html);
}

#[test]
fn author_contacts_at_the_end_and_comments_go() {
    let (text, _) = article_text("us-newspaper.html");
    assert!(!text.contains("malvarez@dailyledger.example") && !text.contains("@mariaalvarez"), "{text}");
    assert!(!text.contains("Finally the bridge is open"), "{text}");
}

#[test]
fn the_pages_own_article_marking_wins_and_is_cleaned_too() {
    let (text, a) = article_text("uk-newspaper.html");
    assert_eq!(a.method, Method::Structured("itemprop=\"articleBody\""));
    for p in ["The library in Little Hambury", "since 1952", "We could not let it go", "A training day"] {
        assert!(text.contains(p), "lost {p:?}:\n{text}");
    }
    assert!(!text.contains("Eleanor Price"), "the byline inside the marked body goes: {text}");
}

#[test]
fn a_site_rule_path_is_cleaned_too() {
    let rules = extract::Rules::new(&["div.story"], &[] as &[&str]).unwrap();
    let a = extract::extract_page(&page("us-newspaper.html"), None, Some(&rules)).unwrap();
    assert_eq!(a.method, Method::Selector("div.story".into()));
    let text = extract::plain_text(&a.html);
    assert!(
        text.contains(US_ARTICLE[0]) && !text.contains("By Maria Alvarez") && !text.contains("Related stories"),
        "{text}"
    );
}

#[test]
fn json_ld_articlebody_when_readability_finds_a_fragment() {
    let body = (1..=8)
        .map(|i| format!("Paragraph {i} of the publisher's own text, long enough to count as the body of an article."))
        .collect::<Vec<_>>()
        .join("\\n");
    let html = format!(
        r#"<html><head><script type="application/ld+json">{{"@type":"NewsArticle","articleBody":"{body} <b>not markup</b>"}}</script></head>
        <body><div class="teaser"><p>Paragraph 1 of the publisher's own text, long enough to count as the body of an article.</p></div></body></html>"#
    );
    let a = extract::extract_page(&html, None, None).unwrap();
    assert_eq!(a.method, Method::Structured("JSON-LD articleBody"));
    assert!(a.html.contains("Paragraph 8") && a.html.contains("&lt;b&gt;"), "{}", a.html);
}

#[test]
fn page_metadata_json_ld_first_then_meta_tags() {
    let (_, uk) = article_text("uk-newspaper.html");
    assert_eq!(uk.meta.author.as_deref(), Some("Eleanor Price"));
    assert_eq!(uk.meta.published.map(|d| d.to_rfc3339()).as_deref(), Some("2024-02-03T09:15:00+00:00"));
    assert_eq!(uk.meta.title.as_deref(), Some("Village library saved by volunteers"));
    let (_, us) = article_text("us-newspaper.html");
    assert_eq!(us.meta.author.as_deref(), Some("Maria Alvarez"));
    assert_eq!(us.meta.published.map(|d| d.to_rfc3339()).as_deref(), Some("2024-05-14T12:00:00+00:00"));
}

#[test]
fn extract_json_names_text_author_date_and_method() {
    let file = format!("{}/tests/fixtures/pages/uk-newspaper.html", env!("CARGO_MANIFEST_DIR"));
    let out = newsmirror(&["extract", "--json", "--base-url", "https://courier.example/library", &file]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["author"], "Eleanor Price");
    assert_eq!(v["date"], "2024-02-03T09:15:00.000Z");
    assert_eq!(v["title"], "Village library saved by volunteers");
    assert_eq!(v["method"], "the page's itemprop=\"articleBody\"");
    assert!(v["text"].as_str().unwrap().contains("since 1952"), "{v}");
    assert!(v["html"].as_str().unwrap().contains("<p>"), "{v}");
}

/// The page's author and date fill the post's where the item has none, and
/// never replace the item's own.
#[test]
fn page_metadata_fills_what_the_feed_lacks_and_nothing_else() {
    let server = TestServer::start(vec![
        ("/story", handler(|_, _| ok("text/html; charset=utf-8", page("uk-newspaper.html")))),
        ("/story2", handler(|_, _| ok("text/html; charset=utf-8", page("us-newspaper.html")))),
    ]);
    let (a, b) = (server.url("/story"), server.url("/story2"));
    let feed = rss(&[
        It { title: "Library saved", link: &a, body: "<p>Short.</p>", ..Default::default() },
        It {
            title: "Bridge reopens",
            link: &b,
            body: "<p>Short.</p>",
            author: Some("Desk Editor"),
            date: Some("Mon, 13 May 2024 10:00:00 GMT"),
            ..Default::default()
        },
    ]);
    let feed_server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok("application/rss+xml", feed.clone())))]);
    let site = tempfile::tempdir().unwrap();
    // The test pages are on 127.0.0.1, which a feed may not send us to by default.
    let config = toml_config(site.path(), &[("Local", &feed_server.url("/f.xml"))], "allow_private = true");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    let posts: Vec<String> = posts(site.path())
        .iter()
        .map(|n| std::fs::read_to_string(site.path().join("_posts").join(n)).unwrap())
        .collect();
    let library = posts.iter().find(|p| p.contains("Library saved")).expect("library post");
    assert!(library.contains("author: Eleanor Price"), "{library}");
    assert!(library.contains("date: 2024-02-03T09:15:00.000Z"), "{library}");
    let bridge = posts.iter().find(|p| p.contains("Bridge reopens")).expect("bridge post");
    assert!(bridge.contains("author: Desk Editor") && !bridge.contains("Maria Alvarez\n"), "{bridge}");
    assert!(bridge.contains("date: 2024-05-13T10:00:00.000Z"), "{bridge}");
}

/// A news CMS puts the lede in a "teaser" box marked as the article's
/// description, beside the marked body: it is the article's first paragraph.
#[test]
fn a_lede_marked_as_the_description_beside_the_body_stays() {
    let body = "The council voted on Tuesday to keep the harbour ferry running through the winter. ".repeat(4);
    let html = format!(
        r#"<html><body><div class="article">
        <h1>Ferry keeps running</h1>
        <div class="article-teaser" itemprop="description"><p>The last ferry of the year will not be the last after all, the council decided.</p></div>
        <div itemprop="articleBody"><p>{body}</p><p>{body}</p></div>
        </div><div class="teaser"><p>Another story entirely, teased in the sidebar.</p></div></body></html>"#
    );
    let a = extract::extract_page(&html, None, None).unwrap();
    let text = extract::plain_text(&a.html);
    assert!(text.starts_with("The last ferry of the year"), "{text}");
    assert!(text.contains("harbour ferry") && !text.contains("Another story"), "{text}");
}

/// The lede a page sets under its headline, apart from the body, is the
/// article's first paragraph: the page's description names it. A
/// description shown only in the page's furniture is no lede.
#[test]
fn the_lede_set_apart_from_the_body_comes_first() {
    let para = "The harbour ferry will keep running through the winter, the council said after a long debate. ";
    let page = |lede_in: &str| {
        format!(
            r#"<html><head><meta name="description" content="Councillors voted to save the winter ferry, against the advice of their own finance officers."></head>
            <body><header class="site"><h1>Ferry saved</h1>{}</header>
            <div class="story-body"><p>{para}{para}</p><p>{para}{para}</p><p>{para}{para}</p></div>
            <footer>{}</footer></body></html>"#,
            if lede_in == "header" {
                "<p class=\"standfirst\">Councillors voted to save the winter ferry, against the advice of their own finance officers.</p>"
            } else {
                ""
            },
            if lede_in == "footer" {
                "<p>Councillors voted to save the winter ferry, against the advice of their own finance officers.</p>"
            } else {
                ""
            },
        )
    };
    let a = extract::extract_page(&page("header"), None, None).unwrap();
    let text = extract::plain_text(&a.html);
    assert!(text.starts_with("Councillors voted to save the winter ferry"), "{text}");
    assert_eq!(text.matches("Councillors voted").count(), 1, "{text}");
    let a = extract::extract_page(&page("footer"), None, None).unwrap();
    let text = extract::plain_text(&a.html);
    assert!(!text.contains("Councillors voted"), "{text}");
}

/// A page Readability reads wrong (a long menu outscores text set in
/// plain <div>s with no paragraphs) gets a second opinion, and the longer
/// article wins: the text is there, if with the menu.
#[test]
fn a_second_opinion_when_readability_finds_little() {
    let para = "The harbour ferry will keep running through the winter, the council said after a long and heated debate on Tuesday night.";
    let menu: String = (1..=40).map(|i| format!("<li><a href=/c{i}>Category number {i}</a></li>")).collect();
    let divs = format!("<div>{para}</div>").repeat(5);
    let html = format!(
        "<html><body><header><ul>{menu}</ul></header><div><h2>Intro</h2><p>Short one.</p></div><section>{divs}</section></body></html>"
    );
    let a = extract::extract_page(&html, None, None).unwrap();
    let text = extract::plain_text(&a.html);
    assert_eq!(a.method, Method::Trafilatura, "{text}");
    assert_eq!(text.matches("The harbour ferry will keep running").count(), 5, "{text}");
}

/// A magazine page read by Readability: the cleanup still sees the page's
/// class names, so cards teasing other stories go from inside the article,
/// while what is named like furniture but is the article's own (a lede box
/// without a link, a dateline inside the first sentence, sections whose
/// modifier says they hold ad slots) stays.
#[test]
fn magazine_page_cards_go_and_the_articles_own_parts_stay() {
    let (text, a) = article_text("magazine.html");
    assert_eq!(a.method, Method::Readability);
    for p in [
        "After nine years without them",
        "LOWER ASHFORD – The first night train",
        "spent two winters refitting them",
        "A bed in a shared compartment",
        "a daily service could start in December",
        "bicycle spaces",
    ] {
        assert!(text.contains(p), "lost {p:?}:\n{text}");
    }
    for furniture in ["Station roof repairs", "platform two", "Bus drivers", "Winter ferry", "Mayor resigns"] {
        assert!(!text.contains(furniture), "kept {furniture:?}:\n{text}");
    }
}

/// An embed's `<noscript>` fallback is markup a reader with scripts sees as
/// text: it never shows as a line of raw HTML.
#[test]
fn a_noscript_embed_never_shows_as_markup() {
    let (text, a) = article_text("magazine.html");
    assert!(!text.contains("<iframe") && !text.contains("iframe"), "{text}");
    assert!(!a.html.contains("noscript"), "{}", a.html);
}

const BLOG_POST: &[&str] = &[
    "The path starts at the lighthouse on the northern cape",
    "the campsite warden lent me a bucket",
    "The cliffs between the two fishing villages",
    "The lightweight stove I carried",
    "the whole bay turned orange",
    "I would walk it again, but next time in September",
];

/// A blog post's own furniture, known by its words or its marking rather
/// than its class names: the affiliate disclosure and labels, a credit in
/// parentheses and one closing a caption, a caption named as one outside
/// any <figure>, a consent placeholder standing
/// in for a video, a rating prompt, the "posted in … tagged" line, the
/// author's box marked as a schema.org Person and one under an "Author"
/// title. Every paragraph of the walk stays, the ones beside them too.
#[test]
fn blog_disclosures_consent_credits_footer_lines_and_author_boxes_go() {
    let (text, _) = article_text("blog-post.html");
    for p in BLOG_POST {
        assert!(text.contains(p), "lost {p:?}:\n{text}");
    }
    for furniture in [
        "affiliate links",
        "Affiliatelink",
        "Credit: Olwen",
        "cookie settings",
        "© Olwen",
        "Was this post useful",
        "This entry was posted",
        "has walked every long-distance path",
        "Walker, camper",
        "Grey seals on the rocks",
    ] {
        assert!(!text.contains(furniture), "kept {furniture:?}:\n{text}");
    }
}

/// The page's description shows first in a script (its JSON-LD) and then
/// in the lede under the headline: the lede is found past the script.
#[test]
fn the_lede_is_found_past_the_description_in_a_script() {
    let (text, _) = article_text("blog-post.html");
    assert!(text.starts_with("A walk along the whole coastal path"), "{text}");
    assert_eq!(text.matches("A walk along the whole coastal path").count(), 1, "{text}");
    assert!(!text.contains("BlogPosting"), "{text}");
}

/// A built-in site rule's `content` selector that matches only a stub on a
/// page of an older layout (a credits box) yields to the page's own
/// reading; where it matches the article, it wins as before. (A source's
/// configured rule always wins: `tests/extract_rules.rs`.)
#[test]
fn a_built_in_selector_that_finds_a_stub_yields_to_the_pages_reading() {
    let rules = extract::RuleSet::default();
    let url = url::Url::parse("https://www.dw.com/en/ferry/a-1").unwrap();
    let dw = rules.for_link(&url).expect("dw.com is built in");
    let para = "<p>The harbour ferry will keep running through the winter, the council said after a long and heated debate on Tuesday night.</p>";
    let old = format!(
        "<html><body><div id=main><h1>Ferry saved</h1>{}</div><div class=longText><p>Author: Jane Roe</p><p>Editor: John Doe</p></div></body></html>",
        para.repeat(5)
    );
    let a = extract::extract_page(&old, Some(&url), Some(dw)).unwrap();
    assert!(!matches!(a.method, Method::Selector(_)), "{:?}", a.method);
    assert_eq!(extract::plain_text(&a.html).matches("The harbour ferry").count(), 5, "{}", a.html);
    let new = format!("<html><body><div class=longText>{}</div><aside>{para}</aside></body></html>", para.repeat(3));
    let a = extract::extract_page(&new, Some(&url), Some(dw)).unwrap();
    assert_eq!(a.method, Method::Selector("div.longText".into()));
}
