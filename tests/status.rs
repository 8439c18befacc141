//! `newsmirror status`: health from the state, against a real HTTP server.

mod common;

use common::http::{TestServer, handler, ok, status};
use common::*;

#[test]
fn status_reports_failures_with_their_cause_counts_and_silent_sources() {
    let good = rss_numbered(3, "Good", "https://e.example/good/", "<p>text</p>");
    let server = TestServer::start(vec![
        ("/good.xml", handler(move |_, _| ok("application/rss+xml", good.clone()))),
        ("/gone.xml", handler(|_, _| status(410, &[]))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    std::fs::write(
        &config,
        format!(
            "[defaults]\nfull_text = false\n\
             [[source]]\nname = \"Good\"\nurl = \"{}\"\n\
             [[source]]\nname = \"Gone\"\nurl = \"{}\"\n\
             [[source]]\nname = \"Quiet\"\nurl = \"{}\"\n\
             [[source]]\nname = \"Off\"\nurl = \"https://e.example/off.xml\"\nenabled = false\n",
            server.url("/good.xml"),
            server.url("/gone.xml"),
            server.url("/good.xml"),
        ),
    )
    .unwrap();
    for _ in 0..3 {
        run_site(site.path(), &config);
    }
    // "Quiet" used to bring a post every hour and has brought none for a month.
    let db = rusqlite::Connection::open(site.path().join(".newsmirror/state.db")).unwrap();
    let month_ago = chrono::Utc::now().timestamp() - 30 * 86_400;
    for i in 0..10 {
        db.execute(
            "INSERT INTO posts (file, source, link, written_at) VALUES (?1, 'Quiet', NULL, ?2)",
            rusqlite::params![format!("_posts/q{i}.md"), month_ago - (10 - i) * 3600],
        )
        .unwrap();
    }
    drop(db);

    let out = newsmirror(&["status", "--site", site.path().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "failing or silent sources exit 1: {}", text(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = |n: &str| list.as_array().unwrap().iter().find(|s| s["name"] == n).unwrap().clone();
    let good = by("Good");
    assert_eq!(
        (good["health"].as_str(), good["posts_total"].as_u64(), good["posts_24h"].as_u64()),
        (Some("ok"), Some(3), Some(3))
    );
    assert_eq!(good["consecutive_failures"], 0);
    assert!(good["last_success"].is_string());
    let gone = by("Gone");
    assert_eq!(gone["health"], "failing");
    assert_eq!(gone["consecutive_failures"], 3);
    assert!(gone["last_error"].as_str().unwrap().contains("HTTP 410 Gone"), "{gone}");
    assert_eq!(gone["last_error_kind"], "http", "{gone}");
    let quiet = by("Quiet");
    assert_eq!(quiet["health"], "silent", "{quiet}");
    assert_eq!(quiet["typical_interval_secs"], 3600);
    assert_eq!(by("Off")["health"], "off");

    let out = newsmirror(&["status", "--site", site.path().to_str().unwrap()]);
    let t = text(&out);
    assert!(t.contains("FAILING  Gone") && t.contains("3 failures in a row") && t.contains("HTTP 410 Gone"), "{t}");
    assert!(t.contains("SILENT   Quiet") && t.contains("every ~60 min"), "{t}");

    let out = newsmirror(&["status", "--site", site.path().to_str().unwrap(), "--markdown"]);
    let md = text(&out);
    assert!(md.starts_with("| source | feed | posts (7 d / all) | health |"), "{md}");
    assert!(md.contains(&format!("| Good | <{}> | 3 / 3 | ok |", server.url("/good.xml"))), "{md}");
    assert!(md.contains("| Gone |") && md.contains("failing since never"), "{md}");
}

#[test]
fn json_logs_carry_every_source_s_outcome() {
    let good = rss_numbered(2, "Good", "https://e.example/good/", "<p>text</p>");
    let server = TestServer::start(vec![
        ("/good.xml", handler(move |_, _| ok("application/rss+xml", good.clone()))),
        ("/gone.xml", handler(|_, _| status(404, &[]))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let config =
        toml_config(site.path(), &[("Good", &server.url("/good.xml")), ("Gone", &server.url("/gone.xml"))], "");
    let out = newsmirror(&[
        "run",
        "--site",
        site.path().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--log-format",
        "json",
    ]);
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let good =
        events.iter().find(|e| e["source"] == "Good" && e["message"] == "source fetched").expect("an event for Good");
    assert_eq!((good["message"].as_str(), good["new_posts"].as_u64()), (Some("source fetched"), Some(2)));
    let gone = events.iter().find(|e| e["source"] == "Gone").expect("an event for Gone");
    assert_eq!(gone["message"], "source failed");
    assert!(gone["error"].as_str().unwrap().contains("HTTP 404"), "{gone}");
}
