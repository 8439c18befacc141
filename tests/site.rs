//! `newsmirror build` and `serve`: the seed post and the old system's real
//! archive build; every page parses and every internal link resolves.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn build(site: &Path) -> String {
    let out = newsmirror(&["build", "--site", site.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            html_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(p);
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 3 <= b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Where a link on `page` lands in `root`, as GitHub Pages resolves it.
fn target(root: &Path, base: &str, page: &Path, link: &str) -> Option<Option<PathBuf>> {
    let link = link.split(['#', '?']).next().unwrap_or("");
    if link.is_empty()
        || link.contains("://")
        || link.starts_with("mailto:")
        || link.to_ascii_lowercase().starts_with("javascript:")
        || link.starts_with("data:")
        || link.starts_with("//")
    {
        return None;
    }
    let rel = if let Some(abs) = link.strip_prefix('/') {
        // A root link outside the base URL is broken on a project site.
        let under = format!("{}/", base.trim_start_matches('/'));
        if base.is_empty() {
            abs.to_string()
        } else if abs == base.trim_start_matches('/') {
            String::new()
        } else {
            match abs.strip_prefix(&under) {
                Some(rest) => rest.to_string(),
                None => return Some(None),
            }
        }
    } else {
        let dir = page.parent().unwrap().strip_prefix(root).unwrap();
        format!("{}/{link}", dir.to_string_lossy())
    };
    let rel = percent_decode(&rel);
    let p = root.join(rel.trim_start_matches('/'));
    let candidates =
        [p.clone(), p.join("index.html"), PathBuf::from(format!("{}.html", p.to_string_lossy().trim_end_matches('/')))];
    Some(candidates.into_iter().find(|c| c.is_file()))
}

/// Every page has a title and a main element; every internal link and
/// asset resolves. Returns how many links were checked.
fn check_site(root: &Path, base: &str) -> usize {
    let mut pages = Vec::new();
    html_files(root, &mut pages);
    assert!(!pages.is_empty());
    let mut checked = 0;
    let mut broken = Vec::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        let doc = dom_query::Document::from(html.as_str());
        assert!(!doc.select("head > title").text().trim().is_empty(), "{page:?}: no title");
        assert_eq!(doc.select("main").length(), 1, "{page:?}: no single <main>");
        assert_eq!(doc.select("html").length(), 1, "{page:?}");
        for (sel, attr) in [("a[href]", "href"), ("link[href]", "href"), ("script[src]", "src"), ("img[src]", "src")] {
            for node in doc.select(sel).nodes() {
                let Some(link) = node.attr(attr) else { continue };
                match target(root, base, page, &link) {
                    None => {}
                    Some(Some(_)) => checked += 1,
                    Some(None) => broken.push(format!("{} → {link}", page.strip_prefix(root).unwrap().display())),
                }
            }
        }
    }
    assert!(broken.is_empty(), "{} broken links, e.g.:\n{}", broken.len(), broken[..broken.len().min(20)].join("\n"));
    checked
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn the_seed_post_builds_at_jekyll_s_default_permalink() {
    let shared = shared().expect("../shared");
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("_posts")).unwrap();
    let name = "2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md";
    std::fs::copy(shared.join("seed/000_ccd9b382a023a351.txt"), site.path().join("_posts").join(name)).unwrap();
    let said = build(site.path());
    assert!(said.contains("built 1 posts"), "{said}");
    let out = site.path().join("_site");
    // Jekyll's default: /:categories/:year/:month/:day/:title.html, categories lower-cased.
    let page = out.join("(臺)中央社cna/2023/01/31/北約秘書長訪日-強調支援烏克蘭重要性.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<h1>北約秘書長訪日 強調支援烏克蘭重要性</h1>"), "{html}");
    assert!(html.contains("2023-01-31 16:34"), "shown in UTC+8 by default: {html}");
    assert!(html.contains("href=\"https://www.cna.com.tw/news/aopl/202301310214.aspx\""));
    assert!(html.contains("（中央社東京31日綜合外電報導）"));
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("北約秘書長訪日 強調支援烏克蘭重要性"));
    let atom = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    assert!(
        atom.contains("<title>北約秘書長訪日 強調支援烏克蘭重要性</title>") && atom.contains("&lt;p&gt;（中央社東京"),
        "{atom}"
    );
    for f in
        ["feed.xml", "sitemap.xml", "sitemap-1.xml", "robots.txt", "404.html", "search/index.html", "search/meta.json"]
    {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(check_site(&out, "") > 10);
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn the_old_system_s_archive_builds_without_an_error_and_links_resolve() {
    let shared = shared().expect("../shared");
    let waimei = shared.join("corpus/archive/waimei");
    let site = tempfile::tempdir().unwrap();
    for item in ["_posts", "archived", "lists", "_config.yml", "subs.json"] {
        let from = waimei.join(item);
        let to = site.path().join(item);
        if from.is_dir() {
            copy_dir(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    let said = build(site.path());
    let posts = std::fs::read_dir(waimei.join("_posts")).unwrap().count();
    // The archive's _config.yml excludes archived/: only _posts/ are posts.
    assert!(said.contains(&format!("built {posts} posts")), "{said}");
    let out = site.path().join("_site");
    // Its permalink: /:year-:month-:day/:title, under baseurl /waimei.
    assert!(out.join("2021-01-22/黑龙江新增47起确诊病例.html").is_file());
    assert!(out.join("lists/BBC.html").is_file(), "pages outside _posts/ are rendered");
    let checked = check_site(&out, "/waimei");
    assert!(checked > posts * 3, "{checked} links checked");

    // Nothing changed: nothing is written.
    let said = build(site.path());
    assert!(said.contains(" 0 written, 0 deleted"), "{said}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn post(site: &Path, day: u32, title: &str, source: &str, comments: bool) -> PathBuf {
    let path = site.join(format!("_posts/2024-03-{day:02}-{title}.md"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let c = if comments { "True" } else { "False" };
    std::fs::write(
        &path,
        format!(
            "---\nlayout: post\ntitle: \"{title}\"\ndate: 2024-03-{day:02}T08:00:00.000Z\nauthor: {source}\nfrom: https://e.example/{day}\ntags: [ {source} ]\ncomments: {c}\ncategories: [ {source} ]\n---\n<!--1-->\n[{title}](https://e.example/{day})\n------\n\n<div><p>Body of {title}.</p></div>\n"
        ),
    )
    .unwrap();
    path
}

fn written(said: &str) -> usize {
    let w = said.split(" written").next().unwrap().rsplit(' ').next().unwrap();
    w.parse().unwrap()
}

#[test]
fn incremental_builds_touch_only_what_changed_and_drop_deleted_posts() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("newsmirror.toml"), "[site]\ntitle = \"Test mirror\"\nper_page = 5\n").unwrap();
    for day in 1..=20 {
        post(site.path(), day, &format!("Story {day}"), if day % 2 == 0 { "Even" } else { "Odd" }, false);
    }
    let first = build(site.path());
    assert!(first.contains("built 20 posts"), "{first}");
    let out = site.path().join("_site");
    // Pages count from the oldest: page 1 holds the first five posts.
    let page1 = std::fs::read_to_string(out.join("page/1/index.html")).unwrap();
    assert!(page1.contains("Story 1<") && page1.contains("Story 5<") && !page1.contains("Story 6<"), "{page1}");
    assert!(std::fs::read_to_string(out.join("index.html")).unwrap().contains("Test mirror"));
    let page1_written = std::fs::metadata(out.join("page/1/index.html")).unwrap().modified().unwrap();

    post(site.path(), 21, "Story 21", "Odd", false);
    let second = build(site.path());
    let n = written(&second);
    assert!(n > 0 && n < 30, "a new post rewrites a few pages, not the site: {second}");
    assert_eq!(std::fs::metadata(out.join("page/1/index.html")).unwrap().modified().unwrap(), page1_written);
    let before = std::fs::read_to_string(out.join("even/2024/03/20/Story-20.html")).unwrap();
    assert!(before.contains("Story 21 →"), "the previous newest post links to the new one");

    std::fs::remove_file(site.path().join("_posts/2024-03-21-Story 21.md")).unwrap();
    let third = build(site.path());
    assert!(!out.join("odd/2024/03/21/Story-21.html").exists(), "{third}");
    assert!(!std::fs::read_to_string(out.join("index.html")).unwrap().contains("Story 21"));
    check_site(&out, "");
}

#[test]
fn a_build_with_nothing_new_writes_nothing_and_any_changed_input_builds_again() {
    let site = tempfile::tempdir().unwrap();
    let s = site.path();
    std::fs::write(s.join("newsmirror.toml"), "[site]\ntitle = \"Mirror one\"\n").unwrap();
    for day in 1..=4 {
        post(s, day, &format!("Story {day}"), "News", false);
    }
    // Two posts with one URL: the build says so every time, not only when
    // it had work to do.
    std::fs::write(
        s.join("_posts/2024-03-04-Story 4.markdown"),
        std::fs::read(s.join("_posts/2024-03-04-Story 4.md")).unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(s.join("assets")).unwrap();
    std::fs::write(s.join("assets/note.txt"), "first note").unwrap();
    std::fs::write(s.join("about.md"), "# About\n\nFirst words.\n").unwrap();
    let first = build(s);
    assert!(first.contains("URL taken by an earlier post"), "{first}");
    let out = s.join("_site");

    let again = build(s);
    assert!(again.contains("built 5 posts") && again.contains(" 0 written, 0 deleted"), "{again}");
    assert!(again.contains("URL taken by an earlier post"), "{again}");
    let files = |said: &str| said.split(" files,").next().unwrap().rsplit(' ').next().unwrap().to_string();
    assert_eq!(files(&again), files(&first), "{again}");

    // Each kind of input, changed, reaches the site.
    let story2 = s.join("_posts/2024-03-02-Story 2.md");
    let text = std::fs::read_to_string(&story2).unwrap().replace("Body of Story 2.", "Body of Story 2, corrected.");
    std::fs::write(&story2, text).unwrap();
    assert!(written(&build(s)) > 0);
    assert!(read(&out.join("news/2024/03/02/Story-2.html")).contains("corrected"));

    std::fs::write(s.join("assets/note.txt"), "second note").unwrap();
    build(s);
    assert_eq!(read(&out.join("assets/note.txt")), "second note");

    std::fs::write(s.join("about.md"), "# About\n\nSecond words.\n").unwrap();
    build(s);
    assert!(read(&out.join("about.html")).contains("Second words."));

    std::fs::write(s.join("newsmirror.toml"), "[site]\ntitle = \"Mirror two\"\n").unwrap();
    build(s);
    assert!(read(&out.join("index.html")).contains("Mirror two"));

    // The output wiped (its front page gone): everything is written again.
    std::fs::remove_dir_all(&out).unwrap();
    let rebuilt = build(s);
    assert!(written(&rebuilt) > 20, "{rebuilt}");
    assert!(read(&out.join("index.html")).contains("Mirror two"));
    assert!(out.join("news/2024/03/01/Story-1.html").is_file() && out.join("assets/note.txt").is_file());
    assert_eq!(written(&build(s)), 0);
}

#[test]
fn a_month_archive_is_paginated_like_the_home_page() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("newsmirror.toml"), "[site]\nper_page = 5\n").unwrap();
    for day in 1..=12 {
        post(site.path(), day, &format!("Story {day}"), "Src", false);
    }
    build(site.path());
    let month = site.path().join("_site/archive/2024/03");
    let front = std::fs::read_to_string(month.join("index.html")).unwrap();
    assert!(front.contains("Story 12<") && front.contains("Story 8<") && !front.contains("Story 7<"), "{front}");
    assert!(front.contains("archive/2024/03/page/2/"), "the front links to the next older page: {front}");
    let page1 = std::fs::read_to_string(month.join("page/1/index.html")).unwrap();
    assert!(page1.contains("Story 1<") && page1.contains("Story 5<") && !page1.contains("Story 6<"), "{page1}");
    assert!(month.join("page/3/index.html").exists() && !month.join("page/4").exists());
    check_site(&site.path().join("_site"), "");
}

#[test]
fn comments_appear_only_where_the_post_allows_and_a_provider_is_named() {
    let site = tempfile::tempdir().unwrap();
    post(site.path(), 1, "Open", "S", true);
    post(site.path(), 2, "Closed", "S", false);
    build(site.path());
    let open = site.path().join("_site/s/2024/03/01/Open.html");
    assert!(!std::fs::read_to_string(&open).unwrap().contains("<script"), "no provider, no script");
    std::fs::write(
        site.path().join("newsmirror.toml"),
        "[site.comments]\nprovider = \"giscus\"\nrepo = \"me/mirror\"\nrepo_id = \"R_1\"\ncategory = \"Comments\"\ncategory_id = \"DIC_1\"\n",
    )
    .unwrap();
    build(site.path());
    let html = std::fs::read_to_string(&open).unwrap();
    assert!(
        html.contains("giscus.app/client.js")
            && html.contains("data-repo=\"me/mirror\"")
            && html.contains("data-repo-id=\"R_1\""),
        "{html}"
    );
    let closed = std::fs::read_to_string(site.path().join("_site/s/2024/03/02/Closed.html")).unwrap();
    assert!(!closed.contains("giscus"));
}

#[test]
fn serve_answers_as_github_pages_does_and_rebuilds_on_change() {
    use std::io::{BufRead, BufReader, Read, Write};
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("_config.yml"), "baseurl: /m\npermalink: /:year-:month-:day/:title\n").unwrap();
    post(site.path(), 1, "First", "S", false);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsmirror"))
        .args(["serve", "--site", site.path().to_str().unwrap(), "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.strip_prefix("serving ") {
            break rest.split(' ').next().unwrap().to_string();
        }
    };
    let addr = url.trim_start_matches("http://").split('/').next().unwrap().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{url}");
    let get = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        r
    };
    let r = get("/m/2024-03-01/First");
    assert!(r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200"), "{r}");
    assert!(r.contains("Body of First."));
    let r = get("/m/nowhere");
    assert!(r.contains(" 404 ") && r.contains("找不到页面"), "{r}");

    post(site.path(), 2, "Second", "S", false);
    // Wait for the rebuild's own report (the watcher's event, not a guess at
    // how long it takes), with a deadline generous enough for a loaded machine.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if line.starts_with("built 2 posts") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let rebuilt = rx.recv_timeout(std::time::Duration::from_secs(60));
    let served = get("/m/2024-03-02/Second");
    let _ = child.kill();
    let _ = child.wait();
    assert!(rebuilt.is_ok(), "serve did not rebuild after a new post within 60 s");
    assert!(served.contains("Body of Second."), "the new post was not served after the rebuild: {served}");
}
