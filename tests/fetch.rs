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

#[test]
fn status_errors_and_tls_failures_name_their_cause() {
    let server = TestServer::start(vec![
        ("/gone.xml", handler(|_, _| status(410, &[]))),
        ("/broken.xml", handler(|_, _| status(500, &[]))),
    ]);
    let tls_port = common::http::raw_server(b"HTTP/1.1 400 Bad Request\r\n\r\nnot TLS");
    let site = tempfile::tempdir().unwrap();
    let tls = format!("https://127.0.0.1:{tls_port}/feed.xml");
    let (gone, broken) = (server.url("/gone.xml"), server.url("/broken.xml"));
    let config = toml_config(site.path(), &[("Gone", &gone), ("Broken", &broken), ("Tls", &tls)], "");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(report.contains("Gone: HTTP 410 Gone"), "{report}");
    assert!(report.contains("Broken: HTTP 500 Internal Server Error"), "{report}");
    assert_eq!(server.requests("/broken.xml").len(), 3, "5xx is retried twice by default");
    let tls_line = report.lines().find(|l| l.contains("Tls:")).unwrap();
    assert!(tls_line.contains("FAIL") && tls_line.contains("connection failed"), "{tls_line}");
}

#[test]
fn an_endless_body_stops_at_the_cap() {
    let port = common::http::endless_server();
    let site = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/forever.xml");
    let config = toml_config(site.path(), &[("Forever", &url)], "");
    let out = run_site(site.path(), &config);
    assert!(text(&out).contains("Forever: body larger than the 20971520-byte cap"), "{}", text(&out));
}

#[test]
fn an_unresolvable_host_fails_without_asking_dns() {
    use newsmirror::config::{Config, RunSettings, Source};
    use newsmirror::fetch::Fetcher;
    use newsmirror::pipeline::{self, RunOptions};

    let server = TestServer::start(vec![("/f.xml", handler(|_, _| ok(RSS, small_feed())))]);
    let names = std::collections::HashMap::from([("feeds.example".to_string(), ([127, 0, 0, 1], server.port).into())]);
    let fetcher = Fetcher::new(RunSettings::default()).with_static_dns(names);
    let site = tempfile::tempdir().unwrap();
    let config = Config {
        path: "test".into(),
        settings: RunSettings::default(),
        sources: vec![
            Source::with_defaults("Known".into(), format!("http://feeds.example:{}/f.xml", server.port)),
            Source::with_defaults("Unknown".into(), "http://no-such-host.invalid/f.xml".into()),
        ],
        rules: Default::default(),
        site: Default::default(),
    };
    let opts =
        RunOptions { site: site.path().to_path_buf(), lock_wait: Duration::from_secs(5), run_time: chrono::Utc::now() };
    let report = pipeline::run(&config, &opts, fetcher, |_| {}).unwrap();
    let lines: Vec<String> = report.sources.iter().map(newsmirror::report::source_line).collect();
    assert!(lines[0].contains("Known: 1 new post"), "{lines:?}");
    assert!(lines[1].contains("FAIL") && lines[1].contains("host no-such-host.invalid does not resolve"), "{lines:?}");
}

#[test]
fn with_default_settings_hanging_and_trickling_sources_end_within_100_s() {
    let feed = small_feed().into_bytes();
    let server = TestServer::start(vec![
        ("/hang.xml", handler(|_, _| Reply::Hang)),
        ("/trickle.xml", handler(move |_, _| Reply::Trickle(feed.clone(), Duration::from_secs(1)))),
        ("/ok.xml", handler(|_, _| ok(RSS, small_feed()))),
    ]);
    let forever = format!("http://127.0.0.1:{}/forever.xml", common::http::endless_server());
    let site = tempfile::tempdir().unwrap();
    let (hang, trickle, fine) = (server.url("/hang.xml"), server.url("/trickle.xml"), server.url("/ok.xml"));
    let config =
        toml_config(site.path(), &[("Hang", &hang), ("Trickle", &trickle), ("Forever", &forever), ("Fine", &fine)], "");
    let started = Instant::now();
    let out = run_site(site.path(), &config);
    let took = started.elapsed();
    let report = text(&out);
    assert!(took < Duration::from_secs(100), "took {took:?}: {report}");
    assert!(report.contains("Fine: 1 new post"), "{report}");
    assert!(report.contains("Hang: timed out") && report.contains("Trickle: timed out"), "{report}");
    eprintln!("default-settings run with hanging sources took {took:?}");
}
