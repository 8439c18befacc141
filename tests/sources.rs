//! `sources`, `import`, `export` on a real config file and a real server.

mod common;

use common::http::{TestServer, handler, ok};
use common::*;

fn nm(site: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--site", site.to_str().unwrap()]);
    newsmirror(&all)
}

#[test]
fn add_finds_a_page_s_feed_and_names_it_then_list_disable_enable_remove() {
    let server = TestServer::start(vec![
        (
            "/page.html",
            handler(|_, _| {
                ok(
                    "text/html",
                    "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed.xml\"></head><body>Hi</body></html>",
                )
            }),
        ),
        (
            "/feed.xml",
            handler(|_, _| {
                ok(
                    "application/rss+xml",
                    "<rss version=\"2.0\"><channel><title>Local  News</title><item><title>A</title><link>https://e.example/a</link></item></channel></rss>",
                )
            }),
        ),
    ]);
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("newsmirror.toml"), "# kept comment\n[site]\ntitle = \"M\"\n").unwrap();

    let out = nm(site.path(), &["sources", "add", &server.url("/page.html")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("added \"Local News\" ({})", server.url("/feed.xml"))), "{}", text(&out));
    let again = nm(site.path(), &["sources", "add", &server.url("/feed.xml"), "--name", "Other"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("is already the source \"Local News\""), "{}", text(&again));

    let out = nm(site.path(), &["sources", "disable", "Local News"]);
    assert!(out.status.success(), "{}", text(&out));
    let list = text(&nm(site.path(), &["sources", "list"]));
    assert!(list.contains("Local News (disabled)"), "{list}");
    nm(site.path(), &["sources", "enable", "Local News"]);
    assert!(!text(&nm(site.path(), &["sources", "list"])).contains("disabled"));
    let toml = std::fs::read_to_string(site.path().join("newsmirror.toml")).unwrap();
    assert!(toml.starts_with("# kept comment"), "{toml}");

    // The added source really runs.
    let out = run_site(site.path(), &site.path().join("newsmirror.toml"));
    assert!(out.status.success() && posts(site.path()).len() == 1, "{}", text(&out));

    let out = nm(site.path(), &["sources", "remove", "Local News"]);
    assert!(out.status.success());
    let out = nm(site.path(), &["sources", "remove", "Nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn import_subs_json_and_opml_and_export_opml() {
    let shared = shared().expect("../shared");
    let site = tempfile::tempdir().unwrap();
    let subs = shared.join("corpus/archive/waimei/subs.json");
    let out = nm(site.path(), &["import", subs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("imported 16 of 16 sources"), "{}", text(&out));
    let out = nm(site.path(), &["import", subs.to_str().unwrap()]);
    assert!(text(&out).contains("imported 0 of 16") && text(&out).contains("exists already"), "{}", text(&out));

    let opml = site.path().join("feeds.opml");
    std::fs::write(
        &opml,
        "<?xml version=\"1.0\"?><opml version=\"1.0\"><body><outline text=\"Tech\">\
         <outline text=\"Solidot 2\" type=\"rss\" xmlUrl=\"https://www.solidot.org/index.rss?x\"/>\
         <outline title=\"Blog &amp; Co\" text=\"ignored\" xmlUrl=\"https://blog.example/feed\"/></outline></body></opml>",
    )
    .unwrap();
    let out = nm(site.path(), &["import", opml.to_str().unwrap()]);
    assert!(text(&out).contains("imported 2 of 2"), "{}", text(&out));

    let out = nm(site.path(), &["export", "--opml"]);
    assert!(out.status.success(), "{}", text(&out));
    let exported = newsmirror::sources::parse_opml(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(exported.len(), 18);
    assert!(exported.iter().any(|e| e.name == "(臺)中央社CNA" && e.url == "https://feedx.net/rss/cna.xml"));
    assert!(exported.iter().any(|e| e.name == "Blog & Co"));
    // Every imported source is a valid config entry.
    let config = newsmirror::config::Config::load(&site.path().join("newsmirror.toml")).unwrap();
    assert_eq!(config.sources.len(), 18);
}
