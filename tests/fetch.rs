//! Transport limits: every request ends, and a refusal says why.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::http::{Reply, TestServer, handler, ok, status};
use common::*;

const RSS: &str = "application/rss+xml";

fn small_feed() -> String {
    rss(&[It { title: "Fine", link: "https://e.example/fine", body: "<p>ok</p>", ..Default::default() }])
}

fn run_one(server: &TestServer, path: &str, extra: &str) -> (std::process::Output, tempfile::TempDir) {
    let site = tempfile::tempdir().unwrap();
    let url = server.url(path);
    let config = toml_config(site.path(), &[("S", &url)], extra);
    (run_site(site.path(), &config), site)
}

#[test]
fn gzip_is_decoded_and_a_gzip_bomb_stops_at_the_cap() {
    let gz = |bytes: &[u8]| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    };
    let feed = gz(small_feed().as_bytes());
    let mut bomb_plain = small_feed().into_bytes();
    bomb_plain.extend(std::iter::repeat_n(b' ', 64 * 1024 * 1024));
    let bomb = gz(&bomb_plain);
    assert!(bomb.len() < 1024 * 1024);
    let headers =
        vec![("Content-Type".to_string(), RSS.to_string()), ("Content-Encoding".to_string(), "gzip".to_string())];
    let h2 = headers.clone();
    let server = TestServer::start(vec![
        ("/gz.xml", handler(move |_, _| Reply::Full(200, headers.clone(), feed.clone()))),
        ("/bomb.xml", handler(move |_, _| Reply::Full(200, h2.clone(), bomb.clone()))),
    ]);
    let (out, site) = run_one(&server, "/gz.xml", "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 1);
    let (out, site) = run_one(&server, "/bomb.xml", "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("larger than the 20971520-byte cap"), "{}", text(&out));
    assert!(posts(site.path()).is_empty());
}

#[test]
fn a_body_over_max_body_is_refused_not_truncated() {
    let big = small_feed().replace("<p>ok</p>", &"<p>ok</p>".repeat(2000));
    let server = TestServer::start(vec![("/big.xml", handler(move |_, _| ok(RSS, big.clone())))]);
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("newsmirror.toml"),
        format!("[defaults]\nmax_body = \"4KiB\"\n[[source]]\nname = \"S\"\nurl = \"{}\"\n", server.url("/big.xml")),
    )
    .unwrap();
    let out = run_site(site.path(), &site.path().join("newsmirror.toml"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("larger than the 4096-byte cap"), "{}", text(&out));
}

#[test]
fn trickling_hanging_and_cut_connections_end_with_a_cause() {
    let feed = small_feed().into_bytes();
    let f2 = feed.clone();
    let server = TestServer::start(vec![
        ("/trickle.xml", handler(move |_, _| Reply::Trickle(feed.clone(), Duration::from_millis(200)))),
        ("/hang.xml", handler(|_, _| Reply::Hang)),
        ("/cut.xml", handler(move |_, _| Reply::Cut(f2.clone(), 40))),
        ("/ok.xml", handler(|_, _| ok(RSS, small_feed()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let mut cfg = String::from("[defaults]\ntimeout = 1\nretries = 1\n");
    for name in ["trickle", "hang", "cut", "ok"] {
        cfg.push_str(&format!("[[source]]\nname = \"{name}\"\nurl = \"{}\"\n", server.url(&format!("/{name}.xml"))));
    }
    std::fs::write(site.path().join("newsmirror.toml"), cfg).unwrap();
    let started = Instant::now();
    let out = run_site(site.path(), &site.path().join("newsmirror.toml"));
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert!(report.contains("trickle: timed out after 1s"), "{report}");
    assert!(report.contains("hang: timed out after 1s"), "{report}");
    assert!(report.contains("cut: connection broken") || report.contains("cut: connection failed"), "{report}");
    assert_eq!(posts(site.path()).len(), 1, "{report}");
    // Timeouts were retried once; the cut connection too.
    assert_eq!(server.requests("/hang.xml").len(), 2);
}

#[test]
fn redirects_are_capped_and_must_stay_http() {
    let server = TestServer::start(vec![
        ("/loop", handler(|_, n| status(302, &[("Location", if n % 2 == 0 { "/loop2" } else { "/loop" })]))),
        ("/loop2", handler(|_, _| status(302, &[("Location", "/loop")]))),
        ("/ftp", handler(|_, _| status(301, &[("Location", "ftp://e.example/feed.xml")]))),
        ("/moved", handler(|_, _| status(301, &[("Location", "/ok.xml")]))),
        ("/ok.xml", handler(|_, _| ok(RSS, small_feed()))),
    ]);
    let (out, _) = run_one(&server, "/loop", "");
    assert!(text(&out).contains("redirect") && text(&out).contains("more than 10 redirects"), "{}", text(&out));
    let (out, _) = run_one(&server, "/ftp", "");
    assert!(text(&out).contains("non-HTTP URL ftp://e.example/feed.xml"), "{}", text(&out));
    let (out, site) = run_one(&server, "/moved", "");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 1);
}
