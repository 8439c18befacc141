//! The built site in a real browser: Debian's Chromium, headless, against
//! `newsmirror serve` on 127.0.0.1, contacting nothing else. Opens the home
//! page, a post and the search page, searches a Chinese word, finds the
//! post, sees no console message, and saves screenshots to
//! `target/tmp/screenshots/`.

mod common;

use std::path::Path;

use common::browser::{browse, chromium, serve_site};
use common::*;

#[test]
#[cfg_attr(not(nm_chromium), ignore = "needs chromium (Debian's package)")]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn home_post_and_chinese_search_work_in_chromium_without_console_errors() {
    let shared = shared().expect("../shared");
    let browser = chromium().expect("chromium");
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::write(
        site.join("newsmirror.toml"),
        "[site]\ntitle = \"测试镜像\"\nbaseurl = \"/mirror\"\nper_page = 10\n",
    )
    .unwrap();
    let seed = "2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md";
    std::fs::copy(shared.join("seed/000_ccd9b382a023a351.txt"), site.join("_posts").join(seed)).unwrap();
    for i in 1..=25 {
        std::fs::write(
            site.join(format!("_posts/2023-01-{:02}-其他新聞 {i}.md", i)),
            format!(
                "---\nlayout: post\ntitle: \"其他新聞 {i}\"\ndate: 2023-01-{i:02}T08:00:00.000Z\nauthor: 來源{}\nfrom: https://e.example/{i}\ntags: [ 來源{} ]\ncomments: True\ncategories: [ 來源{} ]\n---\n<!--1-->\n[其他新聞 {i}](https://e.example/{i})\n------\n\n<div><p>第{i}則新聞的內容，與北約無關。</p></div>\n",
                i % 3,
                i % 3,
                i % 3
            ),
        )
        .unwrap();
    }
    let (_serve, base) = serve_site(&site);
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/mirror"), "{base}");

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let post_url = format!(
        "{base}/(%E8%87%BA)%E4%B8%AD%E5%A4%AE%E7%A4%BEcna/2023/01/31/{}.html",
        "%E5%8C%97%E7%B4%84%E7%A7%98%E6%9B%B8%E9%95%B7%E8%A8%AA%E6%97%A5-%E5%BC%B7%E8%AA%BF%E6%94%AF%E6%8F%B4%E7%83%8F%E5%85%8B%E8%98%AD%E9%87%8D%E8%A6%81%E6%80%A7"
    );
    let search_url = format!("{base}/search/?q={}", "%E7%83%8F%E5%85%8B%E8%98%AD"); // 烏克蘭
    let pages = [
        ("home", format!("{base}/"), vec!["测试镜像", "北約秘書長訪日 強調支援烏克蘭重要性", "其他新聞 25"]),
        ("post", post_url, vec!["（中央社東京31日綜合外電報導）", "原文", "其他新聞 25"]),
        ("search", search_url, vec!["找到 1 篇", "北約秘書長訪日 強調支援烏克蘭重要性"]),
    ];
    for (name, url, expect) in &pages {
        let profile = dir.path().join(format!("profile-{name}"));
        let (dom, console) = browse(&browser, &profile, url, "--dump-dom");
        for e in expect {
            assert!(dom.contains(e), "{name}: {e:?} not on the page:\n{dom}");
        }
        assert!(console.is_empty(), "{name}: console messages:\n{}", console.join("\n"));
        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let (_, console) = browse(&browser, &profile, url, &format!("--screenshot={}", shot.display()));
        assert!(console.is_empty(), "{name}: console messages:\n{}", console.join("\n"));
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{name}: no screenshot at {shot:?}: {e}"));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000, "{name}: {} bytes", png.len());
        eprintln!("screenshot: {}", shot.display());
    }
    // The search found the seed post and not the 25 others.
    let (dom, _) = browse(&browser, &dir.path().join("profile-search"), &pages[2].1, "--dump-dom");
    let results = &dom[dom.find("id=\"results\"").unwrap()..];
    assert!(!results[..results.find("</ol>").unwrap()].contains("其他新聞"), "{results}");
}
