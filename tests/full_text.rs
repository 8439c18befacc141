//! Full text: summaries replaced by the article page, fetched from a real
//! server on 127.0.0.1; every failure falls back to the feed's content.

mod common;

use common::http::{TestServer, handler, ok, status};
use common::*;

const RSS: &str = "application/rss+xml";
const SUMMARY: &str = "<p>The council met on Tuesday and…</p>";
/// The article pages are on 127.0.0.1, which feed data may reach only so.
const LOCAL: &str = "allow_private = true";

fn article_page(title: &str, charset_meta: &str) -> String {
    let paragraphs: String = (1..=6)
        .map(|i| format!("<p>Paragraph {i} of the whole story about {title}, with enough words in it to read as the body text of a real article page rather than a teaser or a caption.</p>"))
        .collect();
    format!(
        "<!DOCTYPE html><html><head>{charset_meta}<title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>\
         <article><h1>{title}</h1>{paragraphs}</article>\
         <aside class=\"related\"><h2>Related</h2><a href=\"/x\">Other story</a></aside>\
         <footer>Copyright</footer></body></html>"
    )
}

fn one_item_feed(link: &str, body: &str) -> String {
    rss(&[It { title: "Council meets", link, body, ..Default::default() }])
}

fn post_body(site: &std::path::Path) -> String {
    let names = posts(site);
    assert_eq!(names.len(), 1, "{names:?}");
    let text = std::fs::read_to_string(site.join("_posts").join(&names[0])).unwrap();
    text[text.find("------\n").unwrap() + 7..].to_string()
}

fn start(feed: impl Fn(u16) -> String + Send + Sync + 'static, page: common::http::Reply) -> TestServer {
    let page = std::sync::Mutex::new(Some(page));
    let port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let p2 = port.clone();
    let server = TestServer::start(vec![
        ("/f.xml", handler(move |_, _| ok(RSS, feed(*p2.get().unwrap())))),
        ("/story", handler(move |_, _| page.lock().unwrap().take().unwrap_or_else(|| status(410, &[])))),
    ]);
    port.set(server.port).unwrap();
    server
}

#[test]
fn a_summary_is_replaced_by_the_article_and_a_rerun_fetches_nothing_again() {
    let server = start(
        |port| one_item_feed(&format!("http://127.0.0.1:{port}/story"), SUMMARY),
        ok("text/html; charset=utf-8", article_page("the council", "")),
    );
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], LOCAL);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("note:"), "{}", text(&out));
    let body = post_body(site.path());
    for i in 1..=6 {
        assert!(body.contains(&format!("Paragraph {i} of the whole story")), "{body}");
    }
    assert!(!body.contains("Other story") && !body.contains("Copyright") && !body.contains("World"), "{body}");
    assert!(!body.contains("met on Tuesday"), "the summary stays only when the page fails: {body}");

    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(server.requests("/story").len(), 1, "a known item's page is not fetched again");
}

#[test]
fn a_missing_page_keeps_the_feed_content_and_the_report_says_so() {
    let server = start(|port| one_item_feed(&format!("http://127.0.0.1:{port}/story"), SUMMARY), status(404, &[]));
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], LOCAL);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "a page failure is not a source failure: {}", text(&out));
    let report = text(&out);
    assert!(report.contains("1 new post"), "{report}");
    assert!(
        report.contains(&format!(
            "note: full text of http://127.0.0.1:{}/story: HTTP 404 Not Found; kept the feed's content",
            server.port
        )),
        "{report}"
    );
    assert!(post_body(site.path()).contains("The council met on Tuesday and…"));
}

#[test]
fn a_page_that_is_not_html_or_has_less_text_keeps_the_feed_content() {
    for (page, why) in [
        (ok("application/pdf", b"%PDF-1.4 binary".to_vec()), "not an HTML page (application/pdf)"),
        (ok("text/html", "<html><body><p>Subscribe to read.</p></body></html>"), "no article found on the page"),
    ] {
        let long_summary = format!("<p>{}</p>", "The council met on Tuesday to vote on the budget. ".repeat(4));
        let server = start(move |port| one_item_feed(&format!("http://127.0.0.1:{port}/story"), &long_summary), page);
        let site = tempfile::tempdir().unwrap();
        let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], LOCAL);
        let out = run_site(site.path(), &config);
        assert!(out.status.success(), "{}", text(&out));
        let report = text(&out);
        assert!(report.contains(why) || report.contains("no longer than the feed's content"), "{report}");
        assert!(post_body(site.path()).contains("vote on the budget"));
    }
}

#[test]
fn gbk_and_big5_pages_are_decoded_by_meta_or_by_their_bytes() {
    for (encoding, meta) in [
        (encoding_rs::GBK, "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"),
        (encoding_rs::BIG5, ""),
    ] {
        let title = "議會週二開會討論預算，民眾關心稅收與公共服務的變化";
        let page = article_page(title, meta)
            .replace("Paragraph", "段落：議會週二開會討論預算，民眾關心稅收與公共服務。Paragraph");
        let (bytes, _, unmappable) = encoding.encode(&page);
        assert!(!unmappable);
        // No charset in the header: the page itself must tell.
        let server = start(
            |port| one_item_feed(&format!("http://127.0.0.1:{port}/story"), SUMMARY),
            ok("text/html", bytes.into_owned()),
        );
        let site = tempfile::tempdir().unwrap();
        let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], LOCAL);
        let out = run_site(site.path(), &config);
        assert!(out.status.success(), "{}", text(&out));
        let body = post_body(site.path());
        assert!(body.contains("段落：議會週二開會討論預算，民眾關心稅收與公共服務。"), "{}: {body}", encoding.name());
    }
}

#[test]
fn full_text_off_never_fetches_and_on_always_does() {
    let long = format!("<p>{}</p>", "A complete article in the feed, long enough to stand alone. ".repeat(12));
    for (setting, expect_fetch) in [("full_text = false", false), ("full_text = true", true)] {
        let body = long.clone();
        let server = start(
            move |port| {
                one_item_feed(&format!("http://127.0.0.1:{port}/story"), if expect_fetch { &body } else { SUMMARY })
            },
            ok("text/html", article_page("the council", "")),
        );
        let site = tempfile::tempdir().unwrap();
        let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], &format!("{setting}\n{LOCAL}"));
        let out = run_site(site.path(), &config);
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(server.requests("/story").len(), usize::from(expect_fetch), "{setting}");
        let body = post_body(site.path());
        assert_eq!(body.contains("Paragraph 1 of the whole story"), expect_fetch, "{setting}: {body}");
    }
}

#[test]
fn a_source_s_own_rules_choose_the_content() {
    let page = "<html><body><div id=\"story\"><p>The chosen part.</p><p class=\"promo\">Subscribe!</p></div>\
                <div class=\"comments\"><p>A much longer comment section that readability might prefer, with many words in it, \
                more words than the story itself has, and then some more words to be sure of it.</p></div></body></html>";
    let server =
        start(|port| one_item_feed(&format!("http://127.0.0.1:{port}/story"), "<p>Teaser</p>"), ok("text/html", page));
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(
        site.path(),
        &[("Local", &server.url("/f.xml"))],
        "content = \"#story\"\nremove = [\".promo\"]\nallow_private = true",
    );
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    let body = post_body(site.path());
    assert!(body.contains("The chosen part.") && !body.contains("Subscribe") && !body.contains("comment"), "{body}");
}

#[test]
fn a_dead_article_host_is_given_up_after_three_tries() {
    let items: Vec<String> = (0..20).map(|i| format!("http://127.0.0.1:1/story{i}")).collect();
    let its: Vec<It> = items.iter().map(|l| It { title: l, link: l, body: SUMMARY, ..Default::default() }).collect();
    let feed = rss(&its);
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, feed.clone())))]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], LOCAL);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 20);
    let report = text(&out);
    assert!(report.contains("not tried: 127.0.0.1 failed 3 times in a row"), "{report}");
    assert_eq!(report.matches("note: full text of").count(), 20, "{report}");
}
