//! Hostile and broken XML: each case is served beside a good feed on
//! 127.0.0.1; the good feed is written in full, the bad one gets one report
//! line naming the source and the cause, and nothing else is touched.

mod common;

use std::time::{Duration, Instant};

use common::http::{TestServer, handler, ok};
use common::*;

fn good_feed() -> String {
    rss(&[It { title: "Good news", link: "https://good.example/1", body: "<p>fine</p>", ..Default::default() }])
}

/// Serve `bad` beside a good feed; returns the report line for the bad source and the posts.
fn run_beside_good(bad: Vec<u8>) -> (String, Vec<String>, Option<i32>) {
    let good = good_feed();
    let server = TestServer::start(vec![
        ("/good.xml", handler(move |_, _| ok("application/rss+xml", good.clone()))),
        ("/bad.xml", handler(move |_, _| ok("application/rss+xml", bad.clone()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (g, b) = (server.url("/good.xml"), server.url("/bad.xml"));
    let config = toml_config(site.path(), &[("Good", &g), ("Bad", &b)], "");
    let started = Instant::now();
    let out = run_site(site.path(), &config);
    assert!(started.elapsed() < Duration::from_secs(30));
    let report = text(&out);
    assert!(report.contains("Good: 1 new post"), "{report}");
    let line = report.lines().find(|l| l.contains(" Bad: ")).unwrap_or_default().to_string();
    (line, posts(site.path()), out.status.code())
}

fn assert_fails(bad: &[u8], cause: &str) {
    let (line, posts, code) = run_beside_good(bad.to_vec());
    assert!(line.contains("FAIL") && line.contains(cause), "expected {cause:?} in {line:?}");
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(code, Some(1));
}

fn assert_salvaged(bad: &[u8], expected_titles: &[&str]) {
    let (line, posts, code) = run_beside_good(bad.to_vec());
    assert!(line.contains("new") || line.contains("same"), "{line}");
    for t in expected_titles {
        assert!(posts.iter().any(|p| p.contains(t)), "{t} missing from {posts:?}");
    }
    assert_eq!(code, Some(0), "{line}");
}

#[test]
fn entity_expansion_bombs_and_external_entities_are_never_expanded() {
    // Internal entities are expanded within limits (issue 10); a billion
    // laughs goes past them and stays as written.
    let mut decl = String::from("<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        decl.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
    }
    let bomb = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE lolz [{decl}]>
<rss><channel><item><title>Bomb &lol9;</title><link>https://bad.example/1</link><description>&lol9;</description></item></channel></rss>"#
    );
    let (line, posts, _) = run_beside_good(bomb.as_bytes().to_vec());
    assert!(line.contains("1 new post"), "{line}");
    let bomb_post = posts.iter().find(|p| p.contains("Bomb")).unwrap();
    assert!(bomb_post.contains("&lol9;") || bomb_post.contains("lol9"), "the reference stays unexpanded: {bomb_post}");
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>XXE</title><link>https://bad.example/2</link><description>&xxe;</description></item></channel></rss>"#;
    let (_, posts, _) = run_beside_good(xxe.as_bytes().to_vec());
    assert!(posts.iter().any(|p| p.contains("XXE")));
}

#[test]
fn documents_that_are_not_feeds_fail_clearly() {
    assert_fails(b"", "empty document");
    assert_fails(b"   \n  ", "empty document");
    let random: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let (line, posts, _) = run_beside_good(random);
    assert!(line.contains("FAIL") && (line.contains("not a feed") || line.contains("malformed")), "{line}");
    assert_eq!(posts.len(), 1);
    assert_fails(b"<html><body>Service unavailable</body></html>", "not a feed: an HTML page");
    assert_fails(b"<rss><channel><item><title>cut", "truncated");
    assert_fails(br#"{"not": "a feed"}"#, "not a feed");
}

#[test]
fn recoverable_damage_is_recovered() {
    // A BOM whose encoding disagrees with the prolog: the BOM wins.
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(
        rss(&[It { title: "BOM wins", link: "https://bad.example/b", body: "x", ..Default::default() }])
            .replace("UTF-8", "ISO-8859-1")
            .into_bytes(),
    );
    assert_salvaged(&bom, &["BOM wins"]);
    // Invalid UTF-8 in a UTF-8 feed: replacement characters, not a lost feed.
    let mut broken =
        rss(&[It { title: "Broken bytes", link: "https://bad.example/u", body: "x", ..Default::default() }])
            .into_bytes();
    let at = broken.windows(5).position(|w| w == b"bytes").unwrap();
    broken.insert(at, 0xFF);
    assert_salvaged(&broken, &["Broken"]);
    // Garbage before the root (a PHP warning) and NUL bytes in text.
    let garbage = format!(
        "Warning: session_start() failed\n{}",
        rss(&[It { title: "After\u{0}garbage", link: "https://bad.example/g", body: "x", ..Default::default() }])
    );
    assert_salvaged(garbage.as_bytes(), &["Aftergarbage"]);
    // Items without title, link or date still become posts.
    let bare = "<rss><channel><item><description>Only a body here</description></item><item><title>No link</title></item></channel></rss>";
    assert_salvaged(bare.as_bytes(), &["Only a body here", "No link"]);
    // Duplicates within one feed are one post.
    let dup = It { title: "Twice", link: "https://bad.example/t", body: "x", ..Default::default() };
    let (_, posts, _) = run_beside_good(rss(&[dup.clone(), dup]).into_bytes());
    assert_eq!(posts.iter().filter(|p| p.contains("Twice")).count(), 1);
}

#[test]
fn a_feed_with_ten_thousand_items() {
    let (line, posts, _) =
        run_beside_good(rss_numbered(10_000, "Item", "https://big.example/", "<p>x</p>").into_bytes());
    // max_items (1,000 by default) caps one run; the next run writes more
    // (tests/dos.rs follows a huge feed to its end).
    assert!(line.contains("1000 new posts (10000 items)"), "{line}");
    assert_eq!(posts.len(), 1_001);
}
