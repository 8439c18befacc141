//! `newsmirror recheck`: a local server whose articles change between runs
//! (edited, deleted with 404, 410, a redirect home, soft-404 pages, 451,
//! down, back again), a clock moved with the hidden `--now`, and what the
//! history, `status` and the site make of it.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::http::{Reply, TestServer, handler};
use common::newsmirror;

#[derive(Clone)]
enum Page {
    Html(String),
    Status(u16),
    Redirect(&'static str),
}

type Pages = Arc<Mutex<HashMap<String, Page>>>;

fn article(title: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html><head><title>{title}</title></head><body><nav><a href=/>Home</a> <a href=/world/>World</a></nav>\
         <article><h1>{title}</h1>{body}</article><footer>© News</footer></body></html>"
    )
}

const P1: &str = "The council met on Tuesday evening and voted to rebuild the old stone bridge over the river, \
    which has been closed to traffic since the spring floods washed away two of its piers.";
const P2: &str = "Work is to start next month and should take about a year, the mayor told reporters, adding \
    that a ferry will run in the meantime for the people who cross every day to work or to school.";
const P3: &str = "Opposition members said the cost had been underestimated and asked for an independent review \
    of the engineers' report before any contract is signed with the builders.";

fn story(n: &str) -> String {
    article(&format!("Story {n}"), &[P1, P2, P3])
}

/// A server for `/world/<name>.html` pages as `pages` says at each request;
/// pages answer `ETag` and honour `If-None-Match`.
fn server(pages: &Pages) -> TestServer {
    server_with(pages, Vec::new())
}

/// [`server`] with more routes (feeds).
fn server_with(pages: &Pages, mut routes: Vec<(String, common::http::Handler)>) -> TestServer {
    let names: Vec<String> = pages.lock().unwrap().keys().cloned().collect();
    for name in names {
        let pages = pages.clone();
        let key = name.clone();
        routes.push((
            format!("/world/{name}.html"),
            handler(move |req, _| match pages.lock().unwrap().get(&key).cloned() {
                Some(Page::Html(html)) => {
                    let etag = format!("\"{:x}\"", html.len() * 31 + html.bytes().map(usize::from).sum::<usize>());
                    if req.headers.get("if-none-match") == Some(&etag) {
                        return Reply::Full(304, vec![("ETag".into(), etag)], Vec::new());
                    }
                    Reply::Full(
                        200,
                        vec![("Content-Type".into(), "text/html; charset=utf-8".into()), ("ETag".into(), etag)],
                        html.into_bytes(),
                    )
                }
                Some(Page::Status(code)) => Reply::Full(code, vec![], Vec::new()),
                Some(Page::Redirect(to)) => Reply::Full(302, vec![("Location".into(), to.to_string())], Vec::new()),
                None => Reply::Full(404, vec![], Vec::new()),
            }),
        ));
    }
    let home = article("Home", &["Welcome to the news site. Read the latest stories from around the world here."]);
    routes.push(("/".into(), handler(move |_, _| common::http::ok("text/html; charset=utf-8", home.clone()))));
    let (paths, handlers): (Vec<String>, Vec<common::http::Handler>) = routes.into_iter().unzip();
    TestServer::start(paths.iter().map(String::as_str).zip(handlers).collect())
}

const T0: &str = "2024-05-01T00:00:00Z";

fn post(site: &Path, name: &str, url: &str) {
    let dir = site.join("_posts");
    std::fs::create_dir_all(&dir).unwrap();
    let text = format!(
        "---\nlayout: post\ntitle: \"Story {name}\"\ndate: 2024-05-01T00:00:00.000Z\nauthor: News\nfrom: {url}\n\
         tags: [ News ]\ncomments: True\ncategories: [ News ]\n---\n<!--1714521600000-->\n[Story {name}]({url})\n------\n\n\
         <div>\n<p>{P1}</p><p>{P2}</p><p>{P3}</p>\n</div>\n"
    );
    std::fs::write(dir.join(format!("2024-05-01-story-{name}.md")), text).unwrap();
}

fn config(site: &Path, extra_defaults: &str) {
    std::fs::write(
        site.join("newsmirror.toml"),
        format!(
            "[defaults]\nallow_private = true\nretries = 0\ntimeout = 5\nconfirm_after = \"10m\"\n{extra_defaults}\n\n\
             [[source]]\nname = \"News\"\nurl = \"http://127.0.0.1:9/feed.xml\"\nsoft_404 = [\"此页已失效\"]\n"
        ),
    )
    .unwrap();
}

fn at(offset_secs: i64) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339(T0).unwrap();
    (t0 + chrono::Duration::seconds(offset_secs)).to_rfc3339()
}

/// `recheck --json` at T0 + `offset`; its summary.
fn recheck(site: &Path, offset: i64, extra: &[&str]) -> serde_json::Value {
    recheck_at(site, &at(offset), extra)
}

fn recheck_at(site: &Path, now: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["recheck", "--site", site.to_str().unwrap(), "--json", "--now", now];
    args.extend_from_slice(extra);
    let out = newsmirror(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", common::text(&out));
    serde_json::from_str(stdout.lines().find(|l| l.starts_with('{')).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn counts(v: &serde_json::Value) -> [u64; 8] {
    ["checked", "unchanged", "edited", "missing", "deleted", "blocked", "unreachable", "restored"]
        .map(|k| v[k].as_u64().unwrap_or_else(|| panic!("{k} missing in {v}")))
}

fn status_totals(site: &Path) -> serde_json::Value {
    let out = newsmirror(&["status", "--site", site.to_str().unwrap(), "--json"]);
    let list: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", common::text(&out)));
    list[0]["recheck"].clone()
}

fn set(pages: &Pages, name: &str, page: Page) {
    pages.lock().unwrap().insert(name.to_string(), page);
}

/// Observations of one post, oldest first, from the run files.
fn history(site: &Path, post: &str) -> Vec<serde_json::Value> {
    let mut files = Vec::new();
    fn walk(d: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "texts") {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                out.push(p);
            }
        }
    }
    walk(&site.join("_changes"), &mut files);
    let mut out: Vec<serde_json::Value> = files
        .iter()
        .flat_map(|f| {
            common::read(f).lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<serde_json::Value>>()
        })
        .filter(|o: &serde_json::Value| o["post"].as_str().is_some_and(|p| p.contains(post)))
        .collect();
    out.sort_by_key(|o| o["at"].as_i64());
    out
}

fn kinds(site: &Path, post: &str) -> Vec<String> {
    history(site, post).iter().map(|o| o["kind"].as_str().unwrap().to_string()).collect()
}

const NAMES: [&str; 11] =
    ["edit", "gone404", "gone410", "home", "soft", "ownsoft", "law", "down", "back", "same", "flaky"];

fn mirror(pages: &Pages) -> (tempfile::TempDir, TestServer) {
    for n in NAMES {
        set(pages, n, Page::Html(story(n)));
    }
    set(pages, "down", Page::Status(503));
    let srv = server(pages);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "");
    for n in NAMES {
        post(dir.path(), n, &srv.url(&format!("/world/{n}.html")));
    }
    (dir, srv)
}

#[test]
fn every_classification_the_two_observation_rule_and_restoration() {
    let pages: Pages = Arc::default();
    let (dir, srv) = mirror(&pages);
    let site = dir.path();

    // Before the first step of the schedule (1 h after capture) nothing is due.
    assert_eq!(counts(&recheck(site, 30 * 60, &[]))[0], 0);
    // At 2 h: every article gets its baseline; the down one is unreachable.
    assert_eq!(counts(&recheck(site, 2 * 3600, &[])), [11, 10, 0, 0, 0, 0, 1, 0]);

    set(&pages, "edit", Page::Html(article("Story edit", &[P1, "The mayor now says work will start next year.", P3])));
    set(&pages, "gone404", Page::Status(404));
    set(&pages, "gone410", Page::Status(410));
    set(&pages, "home", Page::Redirect("/"));
    set(&pages, "soft", Page::Html(article("页面不存在", &["抱歉，您访问的页面不存在或已被删除。"])));
    set(&pages, "ownsoft", Page::Html(article("提示", &["此页已失效，请返回首页。"])));
    set(&pages, "law", Page::Status(451));
    set(&pages, "back", Page::Status(404));
    set(&pages, "flaky", Page::Status(404));
    // At 7 h (the 6 h step): the unchanged page answers 304 to its validator.
    let r = recheck(site, 7 * 3600, &[]);
    assert_eq!(counts(&r), [11, 1, 1, 7, 0, 1, 1, 0], "{r}");
    let same = srv.requests("/world/same.html");
    assert!(same.last().unwrap().headers.contains_key("if-none-match"), "conditional GET with the stored ETag");
    assert_eq!(history(site, "story-same").last().unwrap()["status"], 304);

    // Five minutes later, with --all: too soon to confirm anything; the flaky
    // server is down, which neither confirms nor resets its missing article.
    set(&pages, "flaky", Page::Status(503));
    let r = recheck(site, 7 * 3600 + 300, &["--all"]);
    assert_eq!(counts(&r), [11, 2, 0, 6, 0, 1, 2, 0], "{r}");
    set(&pages, "flaky", Page::Status(404));

    // confirm_after (10 min) after the first sighting: only the missing are
    // due, and a second sighting confirms each deletion.
    let before = srv.requests("/world/edit.html").len();
    let r = recheck(site, 7 * 3600 + 11 * 60, &[]);
    assert_eq!(counts(&r), [7, 0, 0, 0, 7, 0, 0, 0], "{r}");
    assert_eq!(srv.requests("/world/edit.html").len(), before, "not due: checked at the 6 h step");
    assert_eq!(kinds(site, "story-flaky"), ["unchanged", "missing", "unreachable", "deleted"]);
    assert_eq!(kinds(site, "story-down").iter().filter(|k| *k != "unreachable").count(), 0, "down is never deleted");

    // A day on: the deleted article is back.
    set(&pages, "back", Page::Html(story("back")));
    let r = recheck(site, 25 * 3600, &[]);
    assert_eq!(counts(&r), [11, 2, 0, 0, 6, 1, 1, 1], "{r}");

    let totals = status_totals(site);
    assert_eq!(counts(&totals), [11, 1, 1, 0, 6, 1, 1, 1], "{totals}");
    // The index is a cache: without it (a fresh clone) the totals are the same.
    std::fs::remove_file(site.join(".newsmirror/changes.db")).unwrap();
    assert_eq!(status_totals(site), totals);

    // The history names what was seen: the deletion dates from its first sighting.
    let gone = history(site, "story-gone404");
    let deleted = gone.iter().find(|o| o["kind"] == "deleted").unwrap();
    assert_eq!(deleted["status"], 404);
    let home = history(site, "story-home");
    assert!(
        home.iter().any(|o| o["kind"] == "missing" && o["url"].as_str().is_some_and(|u| u.ends_with('/'))),
        "{home:?}"
    );
    assert!(
        history(site, "story-ownsoft").iter().any(|o| o["reason"].as_str().is_some_and(|r| r.contains("此页已失效")))
    );
}

#[test]
fn run_files_are_only_ever_added_and_texts_kept_once() {
    let pages: Pages = Arc::default();
    let (dir, _srv) = mirror(&pages);
    let site = dir.path();
    recheck(site, 2 * 3600, &[]);
    let snapshot = |site: &Path| -> Vec<(String, String)> {
        let mut out = Vec::new();
        fn walk(d: &Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                if e.path().is_dir() { walk(&e.path(), out) } else { out.push(e.path()) }
            }
        }
        let mut files = Vec::new();
        walk(&site.join("_changes"), &mut files);
        files.sort();
        for f in files {
            out.push((f.display().to_string(), common::read(&f)));
        }
        out
    };
    let first = snapshot(site);
    assert_eq!(first.len(), 2, "one observation file and one texts file: {first:?}");
    set(&pages, "edit", Page::Html(article("Story edit", &[P1, "A new second paragraph.", P3])));
    recheck(site, 7 * 3600, &[]);
    let second = snapshot(site);
    for f in &first {
        assert!(second.contains(f), "{} changed after it was written", f.0);
    }
    // Ten identical stories' texts differ only by title, which is not the
    // article text: they share one stored text, and the edit adds one.
    let texts: usize = second.iter().filter(|(p, _)| p.contains("/texts/")).map(|(_, t)| t.lines().count()).sum();
    assert_eq!(texts, 2, "{second:?}");
    // The posts themselves are never touched.
    let post = common::read(&site.join("_posts/2024-05-01-story-edit.md"));
    assert!(post.contains(P2));
}

/// Feeds on the test server, `/<name>.xml` each with one item linking
/// `/world/<name>.html`: `paged` and `same` give a summary (so their posts
/// are made from the article page), `fed` the whole text.
fn feeds_server(pages: &Pages) -> TestServer {
    let port = Arc::new(std::sync::OnceLock::<u16>::new());
    let mut routes: Vec<(String, common::http::Handler)> = Vec::new();
    for (name, body) in [
        ("paged", "<p>The council met on Tuesday and…</p>".to_string()),
        ("same", "<p>The council met on Tuesday and…</p>".to_string()),
        ("fed", format!("<p>{P1}</p><p>{P2}</p><p>{P3}</p>")),
    ] {
        let port = port.clone();
        routes.push((
            format!("/{name}.xml"),
            handler(move |_, _| {
                let link = format!("http://127.0.0.1:{}/world/{name}.html", port.get().unwrap());
                let title = format!("Story {name}");
                let item = common::It { title: &title, link: &link, body: &body, ..Default::default() };
                common::http::ok("application/rss+xml", common::rss(&[item]))
            }),
        ));
    }
    let srv = server_with(pages, routes);
    port.set(srv.port).unwrap();
    srv
}

/// Sources `Paged`, `Fed` and `Same` of [`feeds_server`].
fn feeds_config(site: &Path, srv: &TestServer, extra_defaults: &str) {
    std::fs::write(
        site.join("newsmirror.toml"),
        format!(
            "[defaults]\nallow_private = true\nretries = 0\ntimeout = 5\n{extra_defaults}\n\n\
             [[source]]\nname = \"Paged\"\nurl = \"{}\"\nfull_text = true\n\n\
             [[source]]\nname = \"Fed\"\nurl = \"{}\"\nfull_text = false\n\n\
             [[source]]\nname = \"Same\"\nurl = \"{}\"\nfull_text = true\n",
            srv.url("/paged.xml"),
            srv.url("/fed.xml"),
            srv.url("/same.xml")
        ),
    )
    .unwrap();
}

/// A post made from its article page is compared with the page as it was
/// captured, so an edit before the first re-check is an edit; a post of
/// the feed's text takes its baseline at its first re-check. The capture
/// is kept in `_changes/`, so a fresh clone knows it too.
#[test]
fn the_captured_page_is_the_baseline_of_a_post_made_from_it() {
    let pages: Pages = Arc::default();
    set(&pages, "paged", Page::Html(story("paged")));
    set(&pages, "fed", Page::Html(story("fed")));
    set(&pages, "same", Page::Html(story("same")));
    let srv = feeds_server(&pages);
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    feeds_config(site, &srv, "");
    let out = newsmirror(&["run", "--site", site.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(srv.requests("/world/paged.html").len(), 1);
    assert_eq!(srv.requests("/world/fed.html").len(), 0, "the feed's text is whole: no page fetched");
    assert_eq!(kinds(site, "Story paged"), ["captured"]);
    assert!(kinds(site, "Story fed").is_empty());

    // Two originals are rewritten before the first re-check; the third is
    // as captured, which the re-check reads the same (no false edit).
    let rewritten = |n: &str| {
        Page::Html(article(&format!("Story {n}"), &[P1, "The mayor now says work will start next year.", P3]))
    };
    set(&pages, "paged", rewritten("paged"));
    set(&pages, "fed", rewritten("fed"));
    let now = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let r = recheck_at(site, &now, &[]);
    assert_eq!(counts(&r), [3, 2, 1, 0, 0, 0, 0, 0], "{r}");
    assert_eq!(kinds(site, "Story same"), ["captured", "unchanged"]);
    assert_eq!(kinds(site, "Story paged"), ["captured", "edited"]);
    assert_eq!(kinds(site, "Story fed"), ["unchanged"], "baselined at its first re-check");
    let captured = &history(site, "Story paged")[0];
    assert!(
        captured["hash"].as_str().is_some_and(|h| h.len() == 64) && captured["extractor"].is_string(),
        "{captured}"
    );

    // A fresh clone (no state, no index) reads the same from the files.
    let totals = status_totals(site);
    assert_eq!(totals["edited"], 1, "{totals}");
    std::fs::remove_dir_all(site.join(".newsmirror")).unwrap();
    let mut list: serde_json::Value =
        serde_json::from_slice(&newsmirror(&["status", "--site", site.to_str().unwrap(), "--json"]).stdout).unwrap();
    let edited: u64 = list.as_array_mut().unwrap().iter().map(|s| s["recheck"]["edited"].as_u64().unwrap_or(0)).sum();
    assert_eq!(edited, 1, "{list}");
    // The schedule and the baselines go on from the files.
    let later = (chrono::Utc::now() + chrono::Duration::hours(7)).to_rfc3339();
    let r = recheck_at(site, &later, &[]);
    assert_eq!(counts(&r), [3, 3, 0, 0, 0, 0, 0, 0], "{r}");
}

/// Two clones re-check at once and push: their run files never conflict,
/// and each side's history is whole after a pull.
#[test]
fn racing_pushes_merge_without_conflict() {
    let pages: Pages = Arc::default();
    let (dir, _srv) = mirror(&pages);
    let root = tempfile::tempdir().unwrap();
    let git = |cwd: &Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(cwd)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@localhost")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@localhost")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", common::text(&out));
    };
    let remote = root.path().join("remote.git");
    git(root.path(), &["init", "-q", "--bare", "-b", "main", remote.to_str().unwrap()]);
    std::fs::write(dir.path().join(".gitignore"), ".newsmirror/\n_warc/\n").unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "posts"]);
    git(dir.path(), &["push", "-q", remote.to_str().unwrap(), "main"]);
    let a = root.path().join("a");
    let b = root.path().join("b");
    for c in [&a, &b] {
        git(root.path(), &["clone", "-q", remote.to_str().unwrap(), c.to_str().unwrap()]);
    }
    set(&pages, "gone404", Page::Status(404));
    recheck(&a, 2 * 3600, &["--push"]);
    // B has not pulled: its push is rejected, rebased, and goes through.
    recheck(&b, 2 * 3600 + 700, &["--push"]);
    git(&a, &["pull", "-q", "--rebase"]);
    let t = status_totals(&a);
    assert_eq!(t["deleted"], 1, "A's first sighting and B's confirmation, 700 s apart: {t}");
    assert_eq!(t["checked"], 11);
}

/// `evidence = "warc"`: every fetch of a run (feeds, article pages) and of
/// a re-check as WARC records that warcio reads back, digests verified,
/// each observation naming its record.
#[test]
#[cfg_attr(not(nm_python), ignore = "needs python3 with venv (Debian's python3-venv) to install warcio")]
fn warc_evidence_reads_back_with_warcio() {
    let pages: Pages = Arc::default();
    let (dir, _srv) = mirror(&pages);
    let site = dir.path();
    config(site, "evidence = \"warc\"");
    recheck(site, 2 * 3600, &[]);
    set(&pages, "gone404", Page::Status(404));
    recheck(site, 7 * 3600, &[]);
    // A run: three feeds fetched, two article pages made into posts.
    let fpages: Pages = Arc::default();
    for n in ["paged", "fed", "same"] {
        set(&fpages, n, Page::Html(story(n)));
    }
    let fsrv = feeds_server(&fpages);
    let ran = tempfile::tempdir().unwrap();
    feeds_config(ran.path(), &fsrv, "evidence = \"warc\"");
    let out = newsmirror(&["run", "--site", ran.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::text(&out));

    let venv = tempfile::tempdir().unwrap();
    let run = |cmd: &mut std::process::Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", common::text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(std::process::Command::new("python3").args(["-m", "venv"]).arg(venv.path()));
    run(std::process::Command::new(venv.path().join("bin/pip")).args(["install", "-q", "warcio"]));
    let script = r#"
import json, sys, glob, hashlib, base64
from warcio.archiveiterator import ArchiveIterator
out = []
for f in sorted(glob.glob(sys.argv[1] + '/_warc/**/*.warc.gz', recursive=True)):
    with open(f, 'rb') as s:
        for r in ArchiveIterator(s, check_digests='raise'):
            body = r.content_stream().read()
            rec = {'file': f, 'type': r.rec_type, 'id': r.rec_headers.get_header('WARC-Record-ID'),
                   'uri': r.rec_headers.get_header('WARC-Target-URI'), 'len': len(body)}
            if r.rec_type == 'response':
                rec['status'] = r.http_headers.get_statuscode()
                digest = r.rec_headers.get_header('WARC-Payload-Digest')
                rec['digest_ok'] = digest == 'sha256:' + base64.b32encode(hashlib.sha256(body).digest()).decode()
                rec['text'] = body.decode('utf-8', 'replace')
            out.append(rec)
print(json.dumps(out))
"#;
    let read = |site: &Path| -> Vec<serde_json::Value> {
        let stdout = run(std::process::Command::new(venv.path().join("bin/python")).args(["-c", script]).arg(site));
        serde_json::from_str(&stdout).unwrap()
    };

    let records = read(ran.path());
    let responses: Vec<&serde_json::Value> = records.iter().filter(|r| r["type"] == "response").collect();
    assert!(responses.iter().all(|r| r["digest_ok"] == true && r["status"] == "200"), "{responses:?}");
    assert_eq!(records.iter().filter(|r| r["type"] == "request").count(), responses.len());
    let mut uris: Vec<&str> = responses.iter().map(|r| r["uri"].as_str().unwrap()).collect();
    uris.sort_unstable();
    let want: Vec<String> =
        ["/fed.xml", "/paged.xml", "/same.xml", "/world/paged.html", "/world/same.html"].map(|p| fsrv.url(p)).into();
    assert_eq!(uris, want, "the feeds and the pages made into posts, once each");
    let feed = responses.iter().find(|r| r["uri"].as_str().unwrap().ends_with("/paged.xml")).unwrap();
    assert!(feed["text"].as_str().unwrap().contains("<rss"), "{feed}");
    let captured = &history(ran.path(), "Story paged")[0];
    let id = captured["warc"].as_str().unwrap_or_else(|| panic!("the capture names no record: {captured}"));
    let page = responses.iter().find(|r| r["id"] == id).unwrap();
    assert!(page["uri"].as_str().unwrap().ends_with("/world/paged.html"));
    assert!(page["text"].as_str().unwrap().contains("The council met"), "{page}");
    let run_files: std::collections::HashSet<&str> = records.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(run_files.len(), 1, "one file per run");
    run(std::process::Command::new(venv.path().join("bin/warcio")).args(["check", "-v"]).args(run_files.iter()));

    let records = read(site);
    let responses: Vec<&serde_json::Value> = records.iter().filter(|r| r["type"] == "response").collect();
    assert!(records.iter().any(|r| r["type"] == "warcinfo"));
    assert_eq!(records.iter().filter(|r| r["type"] == "request").count(), responses.len());
    assert!(responses.iter().all(|r| r["digest_ok"] == true), "{responses:?}");
    // Both runs: 11 answers each (the down server's 503 too), one file per run.
    assert_eq!(responses.len(), 22, "{responses:#?}");
    let files: std::collections::HashSet<&str> = records.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 2);
    for o in history(site, "story-") {
        let id = o["warc"].as_str().unwrap_or_else(|| panic!("no record named: {o}"));
        let r = responses.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id} not in the WARC files"));
        assert_eq!(r["status"].as_str().unwrap(), o["status"].to_string());
        if o["status"] == 200 {
            assert!(r["text"].as_str().unwrap().contains("The council met"), "{r}");
        }
    }
    // warcio's own verifier agrees.
    run(std::process::Command::new(venv.path().join("bin/warcio")).args(["check", "-v"]).args(files.iter()));
}

/// The site shows it: badges, the versions page with its diff, `/changes/`
/// and its feed, in the configured language; Chromium sees the same.
#[test]
#[cfg_attr(not(nm_chromium), ignore = "needs chromium (Debian's package)")]
fn the_site_shows_deleted_and_edited_originals() {
    let pages: Pages = Arc::default();
    let (dir, _srv) = mirror(&pages);
    let site = dir.path();
    let build = |site: &Path| {
        let out = newsmirror(&["build", "--site", site.to_str().unwrap()]);
        assert!(out.status.success(), "{}", common::text(&out));
    };
    recheck(site, 2 * 3600, &[]);
    // Built before the originals change too: the history files are inputs
    // of the build like the posts, so the next build is not taken as one
    // with nothing new.
    build(site);
    set(&pages, "edit", Page::Html(article("Story edit", &[P1, "Work will now start next year, the mayor said.", P3])));
    set(&pages, "gone404", Page::Status(404));
    recheck(site, 7 * 3600, &[]);
    recheck(site, 7 * 3600 + 11 * 60, &[]);

    build(site);
    let out = site.join("_site");
    let deleted = common::read(&out.join("news/2024/05/01/story-gone404.html"));
    assert!(
        deleted.contains("原文已删除") && deleted.contains("2024-05-01 15:0"),
        "first seen gone, in UTC+8: {deleted}"
    );
    assert!(deleted.contains("lang=\"zh-Hans\""));
    let edited = common::read(&out.join("news/2024/05/01/story-edit.html"));
    assert!(edited.contains("原文已修改 1 次"));
    let unchanged = common::read(&out.join("news/2024/05/01/story-same.html"));
    assert!(!unchanged.contains("原文已"), "no badge on an unchanged original");
    let href = edited.split("class=\"badge edited\" href=\"").nth(1).unwrap().split('"').next().unwrap();
    let versions = common::read(&out.join(href.trim_start_matches('/')).join("index.html"));
    assert!(versions.contains("<del>"), "{versions}");
    assert!(
        versions.contains("<ins>Work will now start next year, the mayor said.</ins>") || versions.contains("<ins>"),
        "{versions}"
    );
    let changes = common::read(&out.join("changes/index.html"));
    assert!(changes.contains("Story gone404") && changes.contains("Story edit"));
    let atom = common::read(&out.join("changes/atom.xml"));
    assert_eq!(atom.matches("<entry>").count(), 2, "{atom}");
    assert!(atom.contains("原文已删除: Story gone404"));
    let ids: serde_json::Value = serde_json::from_str(&common::read(&out.join("changes/deleted.json"))).unwrap();
    assert_eq!(ids["ids"].as_array().unwrap().len(), 1);
    assert!(!out.join("_changes").exists() && !out.join("_warc").exists(), "history is never published");

    // In English.
    let toml = common::read(&site.join("newsmirror.toml"));
    std::fs::write(site.join("newsmirror.toml"), format!("{toml}\n[site]\nlanguage = \"en\"\n")).unwrap();
    build(site);
    let deleted = common::read(&out.join("news/2024/05/01/story-gone404.html"));
    assert!(deleted.contains("Original deleted") && deleted.contains("lang=\"en\""), "{deleted}");
    assert!(common::read(&out.join("news/2024/05/01/story-edit.html")).contains("Original edited once"));

    let browser = common::browser::chromium().expect("chromium");
    let (_serve, base) = common::browser::serve_site(site);
    let profile = tempfile::tempdir().unwrap();
    let (dom, _) = common::browser::browse(&browser, profile.path(), &format!("{base}/changes/"), "--dump-dom");
    assert!(dom.contains("Recently deleted") && dom.contains("Story gone404"), "{dom}");
    let (dom, _) = common::browser::browse(&browser, profile.path(), &format!("{base}{href}"), "--dump-dom");
    assert!(dom.contains("<del>") && dom.contains("<ins>"), "{dom}");
    let (dom, _) =
        common::browser::browse(&browser, profile.path(), &format!("{base}/search/?q=&deleted=1"), "--dump-dom");
    assert!(dom.contains("Story gone404") && !dom.contains("Story same"), "{dom}");
}
