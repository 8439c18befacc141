//! The contract: the seed feed gives the seed post, byte for byte.

mod common;

use common::*;

#[test]
fn seed_feed_gives_the_seed_post_byte_for_byte() {
    let Some(shared) = shared() else { return };
    let feed = std::fs::read(shared.join("seed/cna.xml")).unwrap();
    let expected = std::fs::read(shared.join("seed/000_ccd9b382a023a351.txt")).unwrap();
    let server = serve(&[("/cna.xml", "application/rss+xml", feed)]);
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    std::fs::write(
        &config,
        format!("[[source]]\nname = \"(臺)中央社CNA\"\nurl = \"{}/cna.xml\"\nsanitize = false\n", server.base_url()),
    )
    .unwrap();
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    let name = "2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md";
    assert_eq!(posts(site.path()), vec![name.to_string()]);
    let written = std::fs::read(site.path().join("_posts").join(name)).unwrap();
    assert!(written == expected, "differs from the seed:\n{}", String::from_utf8_lossy(&written));

    // A rerun (the server now answers 304) writes nothing and says so.
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("not modified"), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 1);
}

#[test]
fn seed_item_sanitised_by_default_keeps_text_and_loses_nothing_else_structural() {
    let Some(shared) = shared() else { return };
    let out =
        newsmirror(&["parse", shared.join("seed/cna.xml").to_str().unwrap(), "--json", "--name", "(臺)中央社CNA"]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "rss2.0");
    assert_eq!(doc["encoding"], "UTF-8");
    let item = &doc["items"][0];
    assert_eq!(item["title"], "北約秘書長訪日 強調支援烏克蘭重要性");
    assert_eq!(item["link"], "https://www.cna.com.tw/news/aopl/202301310214.aspx");
    assert_eq!(item["author"], serde_json::Value::Null);
    assert_eq!(item["published"], "2023-01-31T08:34:06.000Z");
    assert_eq!(item["file"], "_posts/2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md");
    let content = item["content"].as_str().unwrap();
    assert!(content.contains("<p>（中央社東京31日綜合外電報導）"));
    // Relative tag links became absolute; lazy carousel images got a real src.
    assert!(content.contains("href=\"https://www.cna.com.tw/tag/hysearchws.aspx?q="), "{content}");
    assert!(content.contains("src=\"https://imgcdn.cna.com.tw/"), "{content}");
    assert!(!content.contains("data-src"));
}
