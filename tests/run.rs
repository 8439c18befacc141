//! `newsmirror run` end to end, against real HTTP servers on 127.0.0.1.

mod common;

use std::time::Duration;

use common::http::{Reply, TestServer, handler, ok, status};
use common::*;

const RSS: &str = "application/rss+xml";

fn item<'a>(title: &'a str, link: &'a str) -> It<'a> {
    It { title, link, date: Some("Mon, 02 Jan 2023 10:00:00 GMT"), body: "<p>body</p>", ..Default::default() }
}

#[test]
fn one_broken_feed_never_stops_the_others() {
    let good = rss(&[item("好消息", "https://a.example/1"), item("Second", "https://a.example/2")]);
    let good2 = rss(&[item("Third", "https://b.example/3")]);
    let server = TestServer::start(vec![
        ("/good.xml", handler(move |_, _| ok(RSS, good.clone()))),
        ("/gone.xml", handler(|_, _| status(404, &[]))),
        ("/garbage.xml", handler(|_, _| ok(RSS, "this is not a feed at all"))),
        (
            "/page.html",
            handler(|_, _| {
                ok(
                    "text/html",
                    r#"<html><head><link rel="alternate" type="application/rss+xml" href="https://c.example/feed.xml"></head><body>hi</body></html>"#,
                )
            }),
        ),
        ("/good2.xml", handler(move |_, _| ok(RSS, good2.clone()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let names = ["Good", "Gone", "Garbage", "Page", "Good2"];
    let urls: Vec<String> =
        ["/good.xml", "/gone.xml", "/garbage.xml", "/page.html", "/good2.xml"].iter().map(|p| server.url(p)).collect();
    let sources: Vec<(&str, &str)> = names.iter().zip(&urls).map(|(n, u)| (*n, u.as_str())).collect();
    let config = toml_config(site.path(), &sources, "");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(posts(site.path()).len(), 3, "{report}");
    assert!(report.contains("Gone: HTTP 404"), "{report}");
    assert!(report.contains("Garbage: not a feed") || report.contains("Garbage: malformed"), "{report}");
    assert!(report.contains("https://c.example/feed.xml"), "the HTML page's feed link is named: {report}");
    assert!(report.contains("3 new posts") && report.contains("3 failed"), "{report}");
}

#[test]
fn reruns_and_second_feeds_never_duplicate_an_article() {
    let v1 = rss(&[item("Original title", "https://news.example/a?id=1&utm_source=rss")]);
    let feed = std::sync::Arc::new(std::sync::Mutex::new(v1));
    let f2 = feed.clone();
    let other = rss(&[
        item("Same article elsewhere", "https://NEWS.example/a?id=1#comments"),
        item("Home", "https://news.example/"),
        item("Home again", "https://news.example/"),
    ]);
    let server = TestServer::start(vec![
        ("/a.xml", handler(move |_, _| ok(RSS, f2.lock().unwrap().clone()))),
        ("/b.xml", handler(move |_, _| ok(RSS, other.clone()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (a, b) = (server.url("/a.xml"), server.url("/b.xml"));
    let config = toml_config(site.path(), &[("A", &a), ("B", &b)], "");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    // One article in two feeds is one post; two items sharing the home page
    // link are not the same article.
    let first = posts(site.path());
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(first.iter().any(|p| p.contains("Original title")));
    // The title and date change upstream: still the same article.
    *feed.lock().unwrap() = rss(&[It {
        title: "Edited title",
        date: Some("Tue, 03 Jan 2023 10:00:00 GMT"),
        ..item("", "https://news.example/a?id=1")
    }]);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()), first, "{}", text(&out));
    assert!(text(&out).contains("0 new posts"), "{}", text(&out));
}

#[test]
fn validators_are_sent_and_304_means_nothing_to_do() {
    let body = rss(&[item("One", "https://e.example/1")]);
    let server = TestServer::start(vec![(
        "/f.xml",
        handler(move |req, _| {
            if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
                return status(304, &[]);
            }
            Reply::Full(
                200,
                vec![
                    ("ETag".into(), "\"v1\"".into()),
                    ("Last-Modified".into(), "Mon, 02 Jan 2023 10:00:00 GMT".into()),
                ],
                body.clone().into_bytes(),
            )
        }),
    )]);
    let site = tempfile::tempdir().unwrap();
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("F", &url)], "");
    assert!(run_site(site.path(), &config).status.success());
    let out = run_site(site.path(), &config);
    assert!(text(&out).contains("F: not modified"), "{}", text(&out));
    let second = &server.requests("/f.xml")[1];
    assert_eq!(second.headers.get("if-modified-since").map(String::as_str), Some("Mon, 02 Jan 2023 10:00:00 GMT"));
    assert!(second.headers.get("user-agent").is_some_and(|ua| ua.starts_with("newsmirror/")));
}

#[test]
fn transient_failures_are_retried_honouring_retry_after() {
    let body = rss(&[item("After the storm", "https://e.example/storm")]);
    let server = TestServer::start(vec![
        (
            "/busy.xml",
            handler(
                move |_, seen| if seen == 0 { status(503, &[("Retry-After", "1")]) } else { ok(RSS, body.clone()) },
            ),
        ),
        ("/limited.xml", handler(|_, _| status(429, &[("Retry-After", "3600")]))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (busy, limited) = (server.url("/busy.xml"), server.url("/limited.xml"));
    let config = toml_config(site.path(), &[("Busy", &busy), ("Limited", &limited)], "");
    let started = std::time::Instant::now();
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert_eq!(posts(site.path()).len(), 1, "{report}");
    assert_eq!(server.requests("/busy.xml").len(), 2);
    // A Retry-After beyond the deadline is not waited for.
    assert!(report.contains("Limited: HTTP 429"), "{report}");
    assert_eq!(server.requests("/limited.xml").len(), 1);
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn legacy_encodings_by_prolog_and_by_http_header() {
    let gbk_doc = rss(&[item("习近平两年来反腐令澳门赌博旅游萧条", "https://bbc.example/1")])
        .replace("encoding=\"UTF-8\"", "encoding=\"GBK\"");
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_doc);
    let big5_doc =
        rss(&[item("北約秘書長訪日 強調支援烏克蘭重要性", "https://cna.example/1")]).replace(" encoding=\"UTF-8\"", "");
    let (big5, _, _) = encoding_rs::BIG5.encode(&big5_doc);
    let (gbk, big5) = (gbk.into_owned(), big5.into_owned());
    assert!(std::str::from_utf8(&gbk).is_err() && std::str::from_utf8(&big5).is_err());
    let server = TestServer::start(vec![
        ("/gbk.xml", handler(move |_, _| ok("text/xml", gbk.clone()))),
        ("/big5.xml", handler(move |_, _| ok("application/rss+xml; charset=Big5", big5.clone()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (g, b) = (server.url("/gbk.xml"), server.url("/big5.xml"));
    let config = toml_config(site.path(), &[("BBC", &g), ("CNA", &b)], "");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    let names = posts(site.path());
    assert!(names.contains(&"2023-01-02-习近平两年来反腐令澳门赌博旅游萧条.md".to_string()), "{names:?}");
    assert!(names.contains(&"2023-01-02-北約秘書長訪日 強調支援烏克蘭重要性.md".to_string()), "{names:?}");
}

#[test]
fn subs_json_and_file_urls() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.xml");
    std::fs::write(&feed, rss(&[item("From a file", "https://f.example/1")])).unwrap();
    let subs = dir.path().join("subs.json");
    let url = url::Url::from_file_path(&feed).unwrap();
    std::fs::write(&subs, format!(r#"[{{"site": "本地", "url": "{url}"}}]"#)).unwrap();
    // No --config: the site's subs.json is found.
    let out = newsmirror(&["run", "--site", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let post = read(&dir.path().join("_posts/2023-01-02-From a file.md"));
    assert!(post.contains("author: 本地\n") && post.contains("tags: [ 本地 ]\n"), "{post}");
}

#[test]
fn config_errors_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("newsmirror.toml");
    std::fs::write(&config, "[[source]]\nname = \"X\"\nurl = \"https://x.example/\"\nsanitise = false\n").unwrap();
    let out = run_site(dir.path(), &config);
    assert_eq!(out.status.code(), Some(2));
    let msg = text(&out);
    assert!(msg.contains("newsmirror.toml:4") && msg.contains("sanitise") && msg.contains("\"X\""), "{msg}");
    let out = newsmirror(&["run", "--site", dir.path().join("nowhere").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no configuration found"));
}

#[test]
fn a_slow_first_source_still_takes_the_first_names() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    // Two sources whose items share a title and date, so their posts want
    // the same file names. The first source in the config answers only
    // after the second has been served: names must still follow config
    // order, then feed order, not the order the sources finished in.
    let served_fast = Arc::new(AtomicBool::new(false));
    let (flag, seen_first) = (served_fast.clone(), Arc::new(AtomicBool::new(false)));
    let seen = seen_first.clone();
    let slow = rss(&[item("Same", "https://slow.example/1"), item("Same", "https://slow.example/2")]);
    let fast = rss(&[item("Same", "https://fast.example/1"), item("Same", "https://fast.example/2")]);
    let server = TestServer::start(vec![
        (
            "/slow.xml",
            handler(move |_, _| {
                let started = std::time::Instant::now();
                while !flag.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(10) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                seen.store(flag.load(Ordering::SeqCst), Ordering::SeqCst);
                // Time for the fast source to be parsed and its posts rendered.
                std::thread::sleep(Duration::from_millis(500));
                ok(RSS, slow.clone())
            }),
        ),
        (
            "/fast.xml",
            handler(move |_, _| {
                served_fast.store(true, Ordering::SeqCst);
                ok(RSS, fast.clone())
            }),
        ),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (s, f) = (server.url("/slow.xml"), server.url("/fast.xml"));
    let config = toml_config(site.path(), &[("Slow", &s), ("Fast", &f)], "");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert!(seen_first.load(Ordering::SeqCst), "the second source was not served before the first");
    let from = |name: &str| {
        let post = read(&site.path().join("_posts").join(name));
        post.lines().find_map(|l| l.strip_prefix("from: ")).map(str::to_string)
    };
    let names = posts(site.path());
    assert_eq!(names, ["2023-01-02-Same-2.md", "2023-01-02-Same-3.md", "2023-01-02-Same-4.md", "2023-01-02-Same.md"]);
    let links: Vec<_> = ["", "-2", "-3", "-4"].iter().map(|s| from(&format!("2023-01-02-Same{s}.md"))).collect();
    let expected =
        ["https://slow.example/1", "https://slow.example/2", "https://fast.example/1", "https://fast.example/2"];
    assert_eq!(links, expected.map(|l| Some(l.to_string())));
}
