//! SIGTERM and Ctrl-C (SIGINT) end a run cleanly: what was written is
//! whole and recorded, nothing half-written remains, the exit code says so.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http::{Reply, TestServer, handler, ok};
use common::*;

fn stop_with(signal: &str) {
    let fast = rss(&[It { title: "Fast", link: "https://e.example/fast", body: "<p>x</p>", ..Default::default() }]);
    let server = TestServer::start(vec![
        ("/fast.xml", handler(move |_, _| ok("application/rss+xml", fast.clone()))),
        ("/slow.xml", handler(|_, _| Reply::Hang)),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (fast_url, slow_url) = (server.url("/fast.xml"), server.url("/slow.xml"));
    let config = toml_config(site.path(), &[("Fast", &fast_url), ("Slow", &slow_url)], "");
    let child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
        .args(["run", "--site", site.path().to_str().unwrap(), "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Signal once the fast post is written and the slow feed is being
    // fetched: events, with deadlines generous for a loaded machine.
    // (A staged post's temporary file in `_posts/` is not yet written.)
    let fast_written = || posts(site.path()).iter().any(|p| p.ends_with("-Fast.md"));
    while !fast_written() || server.requests("/slow.xml").is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "the fast source was never written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let stopped = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(15), "took {:?} to stop", stopped.elapsed());
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(text(&out).contains("interrupted"), "{}", text(&out));
    let written = posts(site.path());
    assert!(written.len() == 1 && written[0].ends_with("-Fast.md"), "{written:?}");
    let db = rusqlite::Connection::open(site.path().join(".newsmirror/state.db")).unwrap();
    let (journal, known): (i64, i64) = db
        .query_row("SELECT (SELECT COUNT(*) FROM journal), (SELECT COUNT(*) FROM posts)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((journal, known), (0, 1));
}

#[test]
fn sigterm_stops_a_run_cleanly() {
    stop_with("TERM");
}

#[test]
fn ctrl_c_stops_a_run_cleanly() {
    stop_with("INT");
}

#[test]
fn a_stop_while_an_earlier_source_hangs_leaves_no_files_behind() {
    // The second source's post is written to a temporary file as soon as it
    // is rendered, but named only after the first source: a stop before
    // then must remove it, not leave it in _posts/.
    let fast = rss(&[It { title: "Fast", link: "https://e.example/fast", body: "<p>x</p>", ..Default::default() }]);
    let server = TestServer::start(vec![
        ("/slow.xml", handler(|_, _| Reply::Hang)),
        ("/fast.xml", handler(move |_, _| ok("application/rss+xml", fast.clone()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let (slow_url, fast_url) = (server.url("/slow.xml"), server.url("/fast.xml"));
    let config = toml_config(site.path(), &[("Slow", &slow_url), ("Fast", &fast_url)], "");
    let child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
        .args(["run", "--site", site.path().to_str().unwrap(), "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while posts(site.path()).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the fast source's post was never staged");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert_eq!(posts(site.path()), Vec::<String>::new(), "{}", text(&out));
}
