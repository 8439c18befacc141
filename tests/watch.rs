//! `newsmirror watch` with one-second intervals against a real server:
//! rounds repeat, a failing source backs off, SIGTERM stops it cleanly even
//! in the middle of a round.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::http::{TestServer, handler, ok, status};
use common::*;

fn term(child: &std::process::Child) {
    let ok = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
}

#[test]
fn rounds_repeat_failing_sources_back_off_and_sigterm_stops_mid_round() {
    let slow = Arc::new(AtomicBool::new(false));
    let slow2 = slow.clone();
    let server = TestServer::start(vec![
        (
            "/good.xml",
            handler(move |_, n| {
                if slow2.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_secs(30));
                }
                // One more item on every request: every round has news.
                ok("application/rss+xml", rss_numbered(n + 1, "Item", "https://e.example/", "<p>text</p>"))
            }),
        ),
        ("/bad.xml", handler(|_, _| status(500, &[]))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(
        site.path(),
        &[("Good", &server.url("/good.xml")), ("Bad", &server.url("/bad.xml"))],
        "full_text = false",
    );
    let text_config = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("[defaults]\nretries = 0\n\n{text_config}")).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
        .args(["watch", "--site", site.path().to_str().unwrap(), "--every", "1s", "--jitter", "0s"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || BufReader::new(out).lines().map_while(Result::ok).collect::<Vec<_>>());
    // Wait for the fourth round (an event, with a deadline generous for a
    // loaded machine), then compare: Good every second; Bad after 1 s, then
    // 2 s, then 4 s: asked less and less.
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.requests("/good.xml").len() < 4 {
        assert!(Instant::now() < deadline, "watch did not run four rounds in 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let good_before = server.requests("/good.xml").len();
    let bad = server.requests("/bad.xml").len();
    assert!(bad < good_before && bad >= 2, "Bad asked {bad} times, Good {good_before}");

    // SIGTERM while the next round waits on a slow server.
    slow.store(true, Ordering::SeqCst);
    while server.requests("/good.xml").len() == good_before {
        std::thread::sleep(Duration::from_millis(50));
    }
    let signalled = Instant::now();
    term(&child);
    let status = child.wait().unwrap();
    let stopped_in = signalled.elapsed();
    let lines = lines.join().unwrap();
    assert_eq!(status.code(), Some(0), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("stopped"), "{lines:?}");
    assert!(stopped_in < Duration::from_secs(15), "waited for the 30 s fetch: {stopped_in:?}");

    // Every post written is whole, no article twice, no temporary file left.
    let names = posts(site.path());
    let mut links = std::collections::HashSet::new();
    for name in &names {
        let post = read(&site.path().join("_posts").join(name));
        let link = post.lines().find_map(|l| l.strip_prefix("from: ")).unwrap_or_default().to_string();
        assert!(links.insert(link), "{name}: the same article twice");
    }
    assert!(names.len() >= good_before - 1, "{} posts after {good_before} rounds", names.len());
    for e in std::fs::read_dir(site.path().join("_posts")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".newsmirror-tmp"), "{name}");
        assert!(std::fs::read_to_string(e.path()).unwrap().ends_with("\n"), "{name}");
    }
}
