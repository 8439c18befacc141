//! `run --commit` / `--push` against real git repositories: a bare remote
//! in a temporary directory and a second clone that pushes first.

mod common;

use std::path::Path;
use std::process::Command;

use common::http::{TestServer, handler, ok};
use common::*;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn clone(remote: &Path, to: &Path) {
    git(remote.parent().unwrap(), &["clone", "--quiet", remote.to_str().unwrap(), to.to_str().unwrap()]);
    git(to, &["config", "user.name", "Tester"]);
    git(to, &["config", "user.email", "tester@example.org"]);
}

fn feed_server(n: usize) -> TestServer {
    let body = rss_numbered(n, "Item", "https://e.example/", &format!("<p>{}</p>", "Long enough text. ".repeat(40)));
    TestServer::start(vec![("/f.xml", handler(move |_, _| ok("application/rss+xml", body.clone())))])
}

fn setup(dir: &Path, feed: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let remote = dir.join("remote.git");
    let out = Command::new("git").args(["init", "--quiet", "--bare", "-b", "main"]).arg(&remote).output().unwrap();
    assert!(out.status.success());
    let site = dir.join("site");
    clone(&remote, &site);
    std::fs::write(site.join("newsmirror.toml"), format!("[[source]]\nname = \"Local\"\nurl = \"{feed}\"\n")).unwrap();
    std::fs::write(site.join(".gitignore"), "_site/\n.newsmirror/\n").unwrap();
    git(&site, &["add", "."]);
    git(&site, &["commit", "--quiet", "-m", "start"]);
    git(&site, &["push", "--quiet", "-u", "origin", "main"]);
    (remote, site)
}

#[test]
fn a_push_that_lost_a_race_is_rebased_and_no_post_is_lost() {
    let server = feed_server(3);
    let dir = tempfile::tempdir().unwrap();
    let (remote, site) = setup(dir.path(), &server.url("/f.xml"));
    // Someone else pushes after this clone was made.
    let other = dir.path().join("other");
    clone(&remote, &other);
    std::fs::write(other.join("README.md"), "# My mirror\n").unwrap();
    git(&other, &["add", "README.md"]);
    git(&other, &["commit", "--quiet", "-m", "readme"]);
    git(&other, &["push", "--quiet"]);

    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("committed") && said.contains("newsmirror: 3 new posts (Local 3)"), "{said}");
    assert!(said.contains("pushed (after 1 rebase onto the remote)"), "{said}");

    let log = git(&remote, &["log", "--format=%s", "main"]);
    assert_eq!(log.lines().collect::<Vec<_>>(), ["newsmirror: 3 new posts (Local 3)", "readme", "start"], "{log}");
    let files = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(files.lines().filter(|f| f.starts_with("_posts/")).count(), 3, "{files}");
    assert!(files.contains("README.md"));
    assert!(!files.contains(".newsmirror"), "state stays out of git: {files}");

    // Nothing new: nothing to commit, nothing fails.
    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nothing new to commit"), "{}", text(&out));
}

#[test]
fn a_fresh_clone_rebuilds_its_state_from_the_posts_and_writes_no_duplicate() {
    let server = feed_server(2);
    let dir = tempfile::tempdir().unwrap();
    let (remote, site) = setup(dir.path(), &server.url("/f.xml"));
    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    // As every GitHub Actions run does: a new clone, no .newsmirror/.
    let ci = dir.path().join("ci");
    clone(&remote, &ci);
    assert!(!ci.join(".newsmirror").exists());
    let out = newsmirror(&["run", "--site", ci.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("nothing new to commit"), "{}", text(&out));
    assert_eq!(posts(&ci).len(), 2);
}

#[test]
fn a_push_that_cannot_be_rebased_keeps_the_commit_and_says_so() {
    let server = feed_server(1);
    let dir = tempfile::tempdir().unwrap();
    let (remote, site) = setup(dir.path(), &server.url("/f.xml"));
    // The other clone wrote a different file at the very name the post will take.
    let other = dir.path().join("other");
    clone(&remote, &other);
    let run = newsmirror(&[
        "run",
        "--site",
        dir.path().join("probe").to_str().unwrap(),
        "--config",
        site.join("newsmirror.toml").to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run));
    let name = posts(&dir.path().join("probe")).remove(0);
    std::fs::create_dir_all(other.join("_posts")).unwrap();
    std::fs::write(other.join("_posts").join(&name), "someone else's text\n").unwrap();
    git(&other, &["add", "_posts"]);
    git(&other, &["commit", "--quiet", "-m", "clash"]);
    git(&other, &["push", "--quiet"]);

    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("the posts stay committed here"), "{}", text(&out));
    let head = git(&site, &["log", "--format=%s", "-1"]);
    assert!(head.starts_with("newsmirror: 1 new post (Local 1)"), "{head}");
    assert!(git(&site, &["status", "--porcelain"]).trim().is_empty(), "no rebase left half-done");
}

#[test]
fn lists_pages_follow_the_old_format_and_are_committed_with_the_posts() {
    let server = feed_server(3);
    let dir = tempfile::tempdir().unwrap();
    let (remote, site) = setup(dir.path(), &server.url("/f.xml"));
    let toml = std::fs::read_to_string(site.join("newsmirror.toml")).unwrap();
    std::fs::write(site.join("newsmirror.toml"), format!("[site]\nlists = true\n\n{toml}")).unwrap();
    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("updated 1 list page"), "{}", text(&out));
    let list = std::fs::read_to_string(site.join("lists/Local.md")).unwrap();
    let lines: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Local");
    assert_eq!(lines[1], "------");
    assert_eq!(lines.len(), 2 + 3 + 1, "{list}");
    // M-D in UTC+8, then the title linking to the post file.
    let first = lines[2];
    let (md, rest) = first.split_once(' ').unwrap();
    assert!(md.split('-').count() == 2 && !md.starts_with('0'), "{first}");
    assert!(rest.starts_with("[Item ") && rest.contains("](../_posts/"), "{first}");
    assert_eq!(lines[5], "[查看更多](/lists/Local)");
    let files = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(files.contains("lists/Local.md"), "{files}");
}

/// `run --commit` commits the `captured` history of posts made from their
/// pages with them; the WARC evidence (`_warc/`, in `.gitignore`) only
/// with `evidence_commit = true`, in a commit of its own.
#[test]
fn captures_are_committed_with_their_posts_and_evidence_only_when_asked() {
    let items = std::sync::Arc::new(std::sync::Mutex::new(1usize));
    let port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let (p2, n2) = (port.clone(), items.clone());
    let page = format!(
        "<html><head><title>S</title></head><body><article><h1>S</h1>{}</article></body></html>",
        "<p>The whole story, told at length in the article page rather than in the feed's summary.</p>".repeat(8)
    );
    let server = TestServer::start(vec![
        (
            "/f.xml",
            handler(move |_, _| {
                let port = *p2.get().unwrap();
                let n = *n2.lock().unwrap();
                let links: Vec<String> = (0..n).map(|i| format!("http://127.0.0.1:{port}/story{i}")).collect();
                let titles: Vec<String> = (0..n).map(|i| format!("Story {i}")).collect();
                let list: Vec<It> = links
                    .iter()
                    .zip(&titles)
                    .map(|(l, t)| It { title: t, link: l, body: "<p>A summary…</p>", ..Default::default() })
                    .collect();
                ok("application/rss+xml", rss(&list))
            }),
        ),
        (
            "/story0",
            handler({
                let page = page.clone();
                move |_, _| ok("text/html; charset=utf-8", page.clone())
            }),
        ),
        ("/story1", handler(move |_, _| ok("text/html; charset=utf-8", page.clone()))),
    ]);
    port.set(server.port).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (remote, site) = setup(dir.path(), &server.url("/f.xml"));
    std::fs::write(site.join(".gitignore"), "_site/\n.newsmirror/\n_warc/\n").unwrap();
    let config = |commit_warc: bool| {
        let toml = format!(
            "[defaults]\nallow_private = true\nevidence = \"warc\"\nevidence_commit = {commit_warc}\n\n\
             [[source]]\nname = \"Local\"\nurl = \"{}\"\nfull_text = true\n",
            server.url("/f.xml")
        );
        std::fs::write(site.join("newsmirror.toml"), toml).unwrap();
    };
    config(false);
    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    let files = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(files.lines().filter(|f| f.starts_with("_changes/") && f.ends_with(".jsonl")).count(), 2, "{files}");
    assert!(!files.contains("_warc/"), "evidence is not committed unless asked: {files}");
    assert!(site.join("_warc").is_dir(), "but it is written");

    config(true);
    *items.lock().unwrap() = 2;
    let out = newsmirror(&["run", "--site", site.to_str().unwrap(), "--push"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("WARC evidence"), "{}", text(&out));
    let log = git(&remote, &["log", "--format=%s", "main"]);
    assert!(log.lines().next().unwrap().ends_with(": WARC evidence"), "{log}");
    let files = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(files.lines().filter(|f| f.starts_with("_warc/")).count(), 1, "this run's file only: {files}");
    assert_eq!(files.lines().filter(|f| f.starts_with("_changes/") && f.ends_with(".jsonl")).count(), 4, "{files}");
}
