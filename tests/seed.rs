//! The contract: the seed feed gives the seed post, byte for byte. The two
//! files live in `tests/fixtures/seed/` (see its PROVENANCE.md), so this
//! never depends on `../shared`; a test checks they are still the shared
//! material's when that is beside the checkout.

mod common;

use common::*;

#[test]
fn seed_feed_gives_the_seed_post_byte_for_byte() {
    let feed = std::fs::read(fixture("seed/cna.xml")).unwrap();
    let expected = std::fs::read(fixture("seed/000_ccd9b382a023a351.txt")).unwrap();
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
fn seed_item_in_default_config_keeps_its_six_paragraphs_and_nothing_after() {
    let feed = std::fs::read(fixture("seed/cna.xml")).unwrap();
    let server = serve(&[("/cna.xml", "application/rss+xml", feed)]);
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    std::fs::write(&config, format!("[[source]]\nname = \"(臺)中央社CNA\"\nurl = \"{}/cna.xml\"\n", server.base_url()))
        .unwrap();
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    // Six paragraphs are a full article: no page fetch was needed or tried.
    assert!(!text(&out).contains("note:"), "{}", text(&out));
    let name = "2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md";
    let post = std::fs::read_to_string(site.path().join("_posts").join(name)).unwrap();
    let expected = std::fs::read_to_string(fixture("seed/000_ccd9b382a023a351.txt")).unwrap();
    // Front matter and header lines are the contract's, unchanged.
    let header_end = expected.find("------\n").unwrap() + 7;
    assert_eq!(post[..header_end], expected[..header_end]);
    let body = &post[header_end..];
    assert_eq!(body.matches("<p>").count(), 6, "{body}");
    assert!(body.contains("<p>（中央社東京31日綜合外電報導）北大西洋公約組織（NATO）"), "{body}");
    let last = "（譯者：黃名璽/核稿：何宏儒）1120131</p>";
    let after = &body[body.find(last).expect("the sixth paragraph") + last.len()..];
    // Keyword tags, "more articles", the top-news carousel: all gone.
    assert_eq!(newsmirror::text::html_to_text(after).trim(), "", "left after the article: {after}");
    for junk in ["#史托騰柏格", "北約秘書長促韓軍援烏克蘭", "聚焦新聞", "owl-carousel", "imgcdn.cna.com.tw"]
    {
        assert!(!body.contains(junk), "{junk} kept: {body}");
    }

    // `parse` shows the same cleaned content.
    let out = newsmirror(&["parse", fixture("seed/cna.xml").to_str().unwrap(), "--json", "--name", "(臺)中央社CNA"]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let content = doc["items"][0]["content"].as_str().unwrap();
    assert_eq!(content.matches("<p>").count(), 6, "{content}");
    assert!(body.contains(content), "run and parse differ:\n{content}\n{body}");
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn the_fixtures_are_the_shared_seed_byte_for_byte() {
    let shared = shared().expect("../shared");
    for name in ["cna.xml", "000_ccd9b382a023a351.txt"] {
        let ours = std::fs::read(fixture("seed").join(name)).unwrap();
        let theirs = std::fs::read(shared.join("seed").join(name)).unwrap();
        assert!(ours == theirs, "tests/fixtures/seed/{name} differs from ../shared/seed/{name}");
    }
}
