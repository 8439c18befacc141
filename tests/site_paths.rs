//! Nothing in an archive or a feed picks a path outside the site: hostile
//! permalinks and categories, symbolic links planted in `_site`, posts that
//! name the site's own files, and source names that read as `..`.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use common::http::{TestServer, handler, ok};
use common::*;

fn post(title: &str, extra: &str) -> String {
    format!(
        "---\nlayout: post\ntitle: \"{title}\"\ndate: 2021-01-22T02:15:36.000Z\nauthor: a\nfrom: https://e.example/{title}\n{extra}---\n<!--1-->\n[{title}](https://e.example/)\n------\n\n<div><p>{title} text</p></div>\n"
    )
}

fn build(site: &Path) -> std::process::Output {
    newsmirror(&["build", "--site", site.to_str().unwrap()])
}

fn all_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn permalinks_and_categories_stay_inside_site_and_own_files_stay_ours() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("a/b/site");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::write(site.join("_config.yml"), "permalink: date\n").unwrap();
    let posts = [
        ("2021-01-22-escape.md", post("escape", "permalink: /../../../../tmp-escape/x.sh\n")),
        ("2021-01-22-cat.md", post("cat", "categories: [ ../../../cat-escape ]\n")),
        ("2021-01-22-back.md", post("back", "permalink: \"/..\\\\..\\\\back-escape\"\n")),
        ("2021-01-22-js.md", post("js", "permalink: /assets/newsmirror/search.js\n")),
        ("2021-01-22-home.md", post("home", "permalink: /index.html\n")),
        ("2021-01-22-feed.md", post("feed", "permalink: /atom.xml\n")),
    ];
    for (name, text) in &posts {
        std::fs::write(site.join("_posts").join(name), text).unwrap();
    }
    let out = build(&site);
    assert!(out.status.success(), "{}", text(&out));
    // Nothing was written beside the site: only `a/` exists under the root.
    let outside: Vec<String> = all_files(root.path()).into_iter().filter(|f| !f.starts_with("a/b/site/")).collect();
    assert!(outside.is_empty(), "written outside the site: {outside:?}");
    let files = all_files(&site.join("_site"));
    for want in ["tmp-escape/x.sh.html", "cat-escape/2021/01/22/cat.html", "back-escape.html"] {
        assert!(files.iter().any(|f| f == want), "{want} not in {files:?}");
    }
    // The site's own files are still the site's.
    let js = read(&site.join("_site/assets/newsmirror/search.js"));
    assert!(!js.contains("js text"), "a post replaced search.js");
    let home = read(&site.join("_site/index.html"));
    assert!(home.contains("<ol class=\"posts\">") && !home.contains("<article"), "{home}");
    let atom = read(&site.join("_site/atom.xml"));
    assert!(atom.starts_with("<?xml"), "a post replaced atom.xml: {atom}");
    for moved in ["post/assets/newsmirror/search.js.html", "post/index.html", "atom.xml.html"] {
        assert!(files.iter().any(|f| f == moved), "{moved} not in {files:?}");
    }
    assert!(text(&out).contains("→ /post/"), "the build says where it moved them: {}", text(&out));
}

#[test]
fn symbolic_links_in_the_output_are_replaced_not_followed() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    let victim = root.path().join("victim");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep.txt"), "mine").unwrap();
    std::fs::write(site.join("_posts/2021-01-22-x.md"), post("x", "")).unwrap();
    let out_dir = site.join("_site");
    std::fs::create_dir_all(&out_dir).unwrap();
    // A directory on the way to a post, and a file the build writes.
    std::os::unix::fs::symlink(&victim, out_dir.join("2021")).unwrap();
    std::os::unix::fs::symlink(victim.join("keep.txt"), out_dir.join("robots.txt")).unwrap();
    let out = build(&site);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(all_files(&victim), vec!["keep.txt".to_string()], "the build wrote through a link");
    assert_eq!(read(&victim.join("keep.txt")), "mine");
    assert!(!std::fs::symlink_metadata(out_dir.join("robots.txt")).unwrap().file_type().is_symlink());
    assert!(std::fs::symlink_metadata(out_dir.join("2021")).unwrap().is_dir());
}

#[test]
fn clashing_urls_keep_their_extension_and_serve_as_html() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::write(site.join("_config.yml"), "permalink: date\n").unwrap();
    let cat = "categories: [ 中参馆 ]\n";
    std::fs::write(site.join("_posts/2021-11-08-When-Will-China-Get-off-Coal.md"), post("a", cat)).unwrap();
    std::fs::write(site.join("_posts/2021-11-08-When-will-China-get-off-coal.md"), post("b", cat)).unwrap();
    let out = build(&site);
    assert!(out.status.success(), "{}", text(&out));
    let files = all_files(&site.join("_site"));
    let pages: Vec<&String> = files.iter().filter(|f| f.to_lowercase().contains("get-off-coal")).collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    let second = pages.iter().find(|f| f.ends_with("-2.html")).unwrap_or_else(|| panic!("no -2.html in {pages:?}"));
    let (_serve, base) = common::browser::serve_site(&site);
    let path = format!("/{}", second.trim_end_matches(".html"));
    let url_path: String = newsmirror::site::permalink::escape_path(&path);
    let response = get(&base, &url_path);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.to_lowercase().contains("content-type: text/html"), "{response}");
}

/// A plain HTTP/1.1 GET to `base` (http://127.0.0.1:PORT) + `path`.
fn get(base: &str, path: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let (host, prefix) = addr.split_once('/').map_or((addr, ""), |(h, p)| (h, p));
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let full = if prefix.is_empty() { path.to_string() } else { format!("/{prefix}{path}") };
    write!(s, "GET {full} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn source_names_that_lead_out_are_refused_or_made_safe() {
    let site = tempfile::tempdir().unwrap();
    for bad in ["../../tmp/x", "..", "a/../b", "x\\..\\y"] {
        let config = toml_config(site.path(), &[(bad, "https://e.example/f.xml")], "");
        let out = run_site(site.path(), &config);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        assert!(text(&out).contains(&format!("{bad:?}")) && text(&out).contains(".."), "{bad}: {}", text(&out));
    }
    // A remote feed titled `../..` becomes a source with a harmless name.
    let server = TestServer::start(vec![(
        "/feed.xml",
        handler(|_, _| {
            ok(
                "application/rss+xml",
                "<rss version=\"2.0\"><channel><title>../..</title><item><title>A</title><link>https://e.example/a</link></item></channel></rss>",
            )
        }),
    )]);
    std::fs::write(site.path().join("newsmirror.toml"), "").unwrap();
    let s = site.path().to_str().unwrap();
    let out = newsmirror(&["sources", "add", &server.url("/feed.xml"), "--site", s]);
    assert!(out.status.success(), "{}", text(&out));
    let config = read(&site.path().join("newsmirror.toml"));
    assert!(config.contains("name = \"··/··\""), "{config}");
    let out = newsmirror(&["sources", "list", "--site", s]);
    assert!(out.status.success(), "the saved name is valid: {}", text(&out));
}

/// An unreadable post is reported by name, not silently left out. Run as
/// an unprivileged user (`nobody`): root reads any file, whatever its mode.
#[test]
#[cfg_attr(not(nm_root), ignore = "needs root (to drop privileges to nobody)")]
fn an_unreadable_post_is_reported_not_dropped() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let site = root.path().join("site");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::write(site.join("_posts/2021-01-22-ok.md"), post("ok", "")).unwrap();
    let locked = site.join("_posts/2021-01-22-locked.md");
    std::fs::write(&locked, post("locked", "")).unwrap();
    let chown = Command::new("chown").args(["-R", "nobody"]).arg(&site).status().unwrap();
    assert!(chown.success());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_newsmirror"))
        .args(["build", "--site"])
        .arg(&site)
        .output()
        .expect("setpriv (util-linux) drops privileges");
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("built 1 posts"), "{report}");
    assert!(report.contains("cannot read") && report.contains("2021-01-22-locked.md"), "{report}");
    assert!(report.contains("Permission denied"), "{report}");
}
