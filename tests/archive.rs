//! The archive on disk: old archives, collisions, killed runs, locking.

mod common;

use std::fs;
use std::path::Path;

use common::http::{TestServer, handler, ok};
use common::*;

const RSS: &str = "application/rss+xml";

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// `from:` of the first post (by name) in `dir`.
fn first_from(dir: &Path) -> String {
    let mut names: Vec<_> = fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    names.sort();
    let text = read(&names[0]);
    text.lines().find_map(|l| l.strip_prefix("from: ")).unwrap().to_string()
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn first_run_on_an_old_archive_adds_no_duplicates() {
    let shared = shared().expect("../shared");
    let waimei = shared.join("corpus/archive/waimei");
    let site = tempfile::tempdir().unwrap();
    copy_tree(&waimei.join("_posts"), &site.path().join("_posts"));
    copy_tree(&waimei.join("archived"), &site.path().join("archived"));
    let before = posts(site.path()).len();
    // Links as the feeds give them today: the old posts' `from:` values
    // (one of them with spaces and Chinese, unencoded) and one new article.
    let in_posts = first_from(&site.path().join("_posts"));
    let in_archived = first_from(&site.path().join("archived/2020-07-22"));
    let body = rss(&[
        It {
            title: "Already in _posts",
            link: &in_posts,
            date: Some("Mon, 02 Jan 2023 10:00:00 GMT"),
            body: "x",
            ..Default::default()
        },
        It {
            title: "Already archived",
            link: &in_archived,
            date: Some("Mon, 02 Jan 2023 10:00:00 GMT"),
            body: "x",
            ..Default::default()
        },
        It {
            title: "Really new",
            link: "https://new.example/1",
            date: Some("Mon, 02 Jan 2023 10:00:00 GMT"),
            body: "x",
            ..Default::default()
        },
    ]);
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, body.clone())))]);
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("Old", &url)], "");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    let after = posts(site.path());
    assert_eq!(after.len(), before + 1, "{}", text(&out));
    assert!(after.contains(&"2023-01-02-Really new.md".to_string()));
}

#[test]
fn different_articles_with_one_name_get_numbered_and_nothing_is_overwritten() {
    let d = Some("Mon, 02 Jan 2023 10:00:00 GMT");
    let body = rss(&[
        It { title: "Breaking: News", link: "https://e.example/1", date: d, body: "one", ..Default::default() },
        It { title: "breaking: news", link: "https://e.example/2", date: d, body: "two", ..Default::default() },
        It { title: "Breaking: News", link: "https://e.example/3", date: d, body: "three", ..Default::default() },
    ]);
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, body.clone())))]);
    let site = tempfile::tempdir().unwrap();
    fs::create_dir_all(site.path().join("_posts")).unwrap();
    // A hand-made post already holds the first name.
    fs::write(site.path().join("_posts/2023-01-02-Breaking- News.md"), "mine").unwrap();
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("S", &url)], "");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        posts(site.path()),
        [
            "2023-01-02-Breaking- News-2.md",
            "2023-01-02-Breaking- News-4.md",
            "2023-01-02-Breaking- News.md",
            "2023-01-02-breaking- news-3.md"
        ]
    );
    assert_eq!(read(&site.path().join("_posts/2023-01-02-Breaking- News.md")), "mine");
    assert!(read(&site.path().join("_posts/2023-01-02-breaking- news-3.md")).contains("two"));
}

#[test]
fn leftovers_of_a_killed_run_are_cleaned_and_pending_posts_resolved() {
    let d = Some("Mon, 02 Jan 2023 10:00:00 GMT");
    let body = rss(&[
        It { title: "Kept", link: "https://e.example/1", date: d, body: "1", ..Default::default() },
        It { title: "Lost in the kill", link: "https://e.example/2", date: d, body: "2", ..Default::default() },
    ]);
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, body.clone())))]);
    let site = tempfile::tempdir().unwrap();
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("S", &url)], "");
    assert!(run_site(site.path(), &config).status.success());
    // Simulate a run killed between recording its intent and renaming a
    // post into place: the post is gone, the journal still names it, a
    // temporary file is left behind.
    let lost = site.path().join("_posts/2023-01-02-Lost in the kill.md");
    fs::remove_file(&lost).unwrap();
    let db = rusqlite::Connection::open(site.path().join(".newsmirror/state.db")).unwrap();
    let mut entries = Vec::new();
    for name in ["2023-01-02-Kept.md", "2023-01-02-Lost in the kill.md"] {
        let mut stmt = db.prepare("SELECT key FROM keys WHERE file = ?1").unwrap();
        let keys: Vec<String> = stmt.query_map([name], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert!(!keys.is_empty());
        entries.push(serde_json::json!({"file": name, "keys": keys}));
    }
    db.execute("INSERT INTO journal (entries) VALUES (?1)", [serde_json::Value::Array(entries).to_string()]).unwrap();
    drop(db);
    fs::write(site.path().join("_posts/.newsmirror-tmp-999-1"), "half a po").unwrap();
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()), ["2023-01-02-Kept.md", "2023-01-02-Lost in the kill.md"], "{}", text(&out));
    assert!(!site.path().join("_posts/.newsmirror-tmp-999-1").exists());
    let db = rusqlite::Connection::open(site.path().join(".newsmirror/state.db")).unwrap();
    let journal: i64 = db.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    let posts_known: i64 = db.query_row("SELECT COUNT(*) FROM posts", [], |r| r.get(0)).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!((journal, posts_known, check.as_str()), (0, 2, "ok"));
}

#[test]
fn a_second_run_on_a_locked_site_waits_then_gives_up_clearly() {
    let site = tempfile::tempdir().unwrap();
    let feed = site.path().join("f.xml");
    fs::write(&feed, rss(&[It { title: "x", link: "https://e.example/1", body: "b", ..Default::default() }])).unwrap();
    let url = url::Url::from_file_path(&feed).unwrap().to_string();
    let config = toml_config(site.path(), &[("S", &url)], "");
    fs::create_dir_all(site.path().join(".newsmirror")).unwrap();
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(site.path().join(".newsmirror/lock"))
        .unwrap();
    lock.lock().unwrap();
    fs::write(site.path().join(".newsmirror/lock"), "4242").unwrap();
    let out = newsmirror(&[
        "run",
        "--site",
        site.path().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--wait",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let msg = text(&out);
    assert!(msg.contains("another newsmirror run holds the lock") && msg.contains("4242"), "{msg}");
    assert!(posts(site.path()).is_empty());
    drop(lock);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 1);
}

#[test]
fn two_runs_started_together_write_every_post_once() {
    let body = rss_numbered(300, "Item", "https://e.example/", "<p>x</p>");
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, body.clone())))]);
    let site = tempfile::tempdir().unwrap();
    let url = server.url("/f.xml");
    let config = toml_config(site.path(), &[("S", &url)], "");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_newsmirror"))
            .args(["run", "--site", site.path().to_str().unwrap(), "--config", config.to_str().unwrap()])
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    assert!(a.status.success() && b.status.success(), "{}\n{}", text(&a), text(&b));
    let names = posts(site.path());
    assert_eq!(names.len(), 300);
    let both = format!("{}{}", text(&a), text(&b));
    assert!(both.contains("300 new posts") && both.contains("0 new posts"), "{both}");
    let db = rusqlite::Connection::open(site.path().join(".newsmirror/state.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}
