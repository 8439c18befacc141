//! Storage faults: a full disk, a file-size limit, a read-only site. Each
//! gives a clear error, loses nothing already written, and a later run with
//! room to write completes the archive with every item exactly once.

mod common;

use std::path::Path;
use std::process::Command;

use common::http::{TestServer, handler, ok};
use common::*;

fn feed_server(items: usize, body_bytes: usize) -> TestServer {
    let xml = rss_numbered(items, "Post", "https://e.example/", &format!("<p>{}</p>", "x".repeat(body_bytes)));
    TestServer::start(vec![("/f.xml", handler(move |_, _| ok("application/rss+xml", xml.clone())))])
}

fn sh(script: &str) -> bool {
    Command::new("sh").arg("-c").arg(script).status().is_ok_and(|s| s.success())
}

/// Every post whole, none twice, no temporary file, no open journal entry.
fn assert_consistent(site: &Path) -> usize {
    assert_whole(site, false)
}

/// As [`assert_consistent`]; with `open_journal_ok`, a journal entry the
/// state could not close (the disk was full for SQLite too) may remain:
/// the next start resolves it, as after a crash.
fn assert_whole(site: &Path, open_journal_ok: bool) -> usize {
    let mut links = std::collections::HashSet::new();
    for name in posts(site) {
        assert!(!name.starts_with(".newsmirror-tmp-"), "temporary file left: {name}");
        let text = read(&site.join("_posts").join(&name));
        assert!(text.ends_with("</div>\n"), "partial post {name}");
        let link = text.lines().find_map(|l| l.strip_prefix("from: ")).unwrap().to_string();
        assert!(links.insert(link), "duplicate post {name}");
    }
    let db = rusqlite::Connection::open(site.join(".newsmirror/state.db")).unwrap();
    let journal: i64 = db.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    if !open_journal_ok {
        assert_eq!(journal, 0);
    }
    links.len()
}

#[test]
#[cfg_attr(not(nm_root), ignore = "needs root (mounts a small file system)")]
fn a_full_disk_is_reported_and_the_next_run_completes() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path().display().to_string();
    if !sh(&format!("mount -t tmpfs -o size=1m newsmirror-test '{root}' 2>/dev/null")) {
        panic!("cannot mount a small tmpfs at {root} even as root");
    }
    let server = feed_server(60, 40_000);
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("S", &url)], "");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    let written = assert_whole(site.path(), true);
    let grown = sh(&format!("mount -o remount,size=64m '{root}'"));
    let out2 = run_site(site.path(), &config);
    let after = assert_consistent(site.path());
    sh(&format!("umount '{root}'"));
    assert_eq!(out.status.code(), Some(1), "{report}");
    // The error names the cause, whichever write met the full disk first:
    // a post's temporary file or the state database.
    assert!(report.contains("No space left on device") || report.contains("disk is full"), "{report}");
    assert!(written < 60, "{written} posts before the disk filled");
    assert!(grown && out2.status.success(), "{}", text(&out2));
    assert_eq!(after, 60);
}

#[test]
fn a_file_size_limit_fails_the_post_not_the_archive() {
    let site = tempfile::tempdir().unwrap();
    // Posts of ~600 KiB against a 512 KiB limit: each write fails with EFBIG.
    let server = feed_server(3, 600_000);
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("S", &url)], "");
    let bin = env!("CARGO_BIN_EXE_newsmirror");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 512; exec '{bin}' run --site '{}' --config '{}'",
            site.path().display(),
            config.display()
        ))
        .output()
        .unwrap();
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("File too large"), "{report}");
    assert_eq!(assert_consistent(site.path()), 0);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(assert_consistent(site.path()), 3);
}

#[test]
#[cfg_attr(not(nm_root), ignore = "needs root (mounts a small file system)")]
fn a_read_only_site_is_refused_clearly_and_left_untouched() {
    let site = tempfile::tempdir().unwrap();
    let server = feed_server(2, 100);
    let url = server.url("/f.xml");
    let config_dir = tempfile::tempdir().unwrap();
    let config = toml_config(config_dir.path(), &[("S", &url)], "");
    // One run first, so there is an archive and a state to protect.
    assert!(run_site(site.path(), &config).status.success());
    let root = site.path().display().to_string();
    if !sh(&format!("mount --bind '{root}' '{root}' 2>/dev/null && mount -o remount,ro,bind '{root}' 2>/dev/null")) {
        sh(&format!("umount '{root}' 2>/dev/null"));
        panic!("cannot make a read-only bind mount even as root");
    }
    let before = posts(site.path());
    let out = run_site(site.path(), &config);
    let after = posts(site.path());
    sh(&format!("umount '{root}'"));
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("Read-only file system"), "{report}");
    assert_eq!(before, after);
    assert_eq!(assert_consistent(site.path()), 2);
}
