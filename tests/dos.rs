//! Denial of service: no feed, page or image, however deep, large, slow or
//! numerous, takes a run down, and one source's bad page costs only its
//! own item. Every server is on 127.0.0.1.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http::{Reply, TestServer, handler, ok, status};
use common::*;

const RSS: &str = "application/rss+xml";
const HTML: &str = "text/html; charset=utf-8";

fn article(title: &str) -> String {
    let paragraphs: String = (1..=6)
        .map(|i| format!("<p>Paragraph {i} of the whole story about {title}, with enough words in it to read as the body text of a real article page rather than a teaser.</p>"))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )
}

fn post_text(site: &Path, name: &str) -> String {
    read(&site.join("_posts").join(name))
}

fn all_posts(site: &Path) -> String {
    posts(site).iter().map(|n| post_text(site, n)).collect()
}

/// Run newsmirror to completion; its output and its peak resident memory
/// in MiB (VmHWM, read while it runs).
fn run_measured(args: &[&str]) -> (std::process::Output, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run newsmirror");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    // Read the pipes on threads so a chatty run cannot block on them.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut v).ok();
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut v).ok();
        v
    });
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output =
        std::process::Output { status, stdout: out_reader.join().unwrap(), stderr: err_reader.join().unwrap() };
    (output, peak_kib / 1024)
}

fn run_args<'a>(site: &'a Path, config: &'a Path) -> [&'a str; 5] {
    ["run", "--site", site.to_str().unwrap(), "--config", config.to_str().unwrap()]
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An article page's path and how to answer it.
type Page = (&'static str, Box<dyn Fn() -> Reply + Send + Sync>);

/// A server whose feed `/f.xml` lists `pages` (path, reply maker) as
/// summary items linking to them.
fn feed_of_pages(pages: Vec<Page>) -> TestServer {
    let port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let p2 = port.clone();
    let names: Vec<&'static str> = pages.iter().map(|(p, _)| *p).collect();
    let mut routes = vec![(
        "/f.xml",
        handler(move |_, _| {
            let port = *p2.get().unwrap();
            let links: Vec<String> = names.iter().map(|p| format!("http://127.0.0.1:{port}{p}")).collect();
            let titles: Vec<String> = names.iter().map(|p| format!("Story {}", &p[1..])).collect();
            let items: Vec<It> = links
                .iter()
                .zip(&titles)
                .map(|(l, t)| It {
                    title: t,
                    link: l,
                    body: "<p>A short summary of the story.</p>",
                    ..Default::default()
                })
                .collect();
            ok(RSS, rss(&items))
        }),
    )];
    for (path, reply) in pages {
        routes.push((path, handler(move |_, _| reply())));
    }
    let server = TestServer::start(routes);
    port.set(server.port).unwrap();
    server
}

#[test]
fn a_page_of_30000_nested_spans_fails_only_its_item() {
    let deep = format!("<html><body>{}deep{}</body></html>", "<span>".repeat(30_000), "</span>".repeat(30_000));
    let server = feed_of_pages(vec![
        ("/deep", Box::new(move || ok(HTML, deep.clone()))),
        ("/fine", Box::new(|| ok(HTML, article("the fine story")))),
    ]);
    let other = feed_of_pages(vec![("/other", Box::new(|| ok(HTML, article("another source"))))]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(
        site.path(),
        &[("Deep", &server.url("/f.xml")), ("Other", &other.url("/f.xml"))],
        "allow_private = true",
    );
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert_eq!(posts(site.path()).len(), 3, "{report}");
    let all = all_posts(site.path());
    assert!(all.contains("Paragraph 6 of the whole story about the fine story"), "{all}");
    assert!(all.contains("Paragraph 6 of the whole story about another source"), "{all}");
    assert!(report.contains("/deep") && report.contains("nested more than 256 deep"), "{report}");
    assert!(report.contains("kept the feed's content"), "{report}");
}

#[test]
fn feed_content_of_200000_nested_divs_is_written_as_text_quickly() {
    let body = format!("{}The words inside{}", "<div>".repeat(200_000), "</div>".repeat(200_000));
    let feed = rss(&[It { title: "Deep", link: "https://e.example/deep", body: &body, ..Default::default() }]);
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, feed.clone())))]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Deep", &server.url("/f.xml"))], "full_text = false");
    let started = Instant::now();
    let out = run_site(site.path(), &config);
    let took = started.elapsed();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let all = all_posts(site.path());
    // The post's own wrapper is the only `<div>` left.
    assert!(all.contains("The words inside") && all.matches("<div").count() == 1, "{}", &all[..all.len().min(500)]);
    assert!(report.contains("https://e.example/deep") && report.contains("kept its text without markup"), "{report}");
}

/// html5ever's serialiser searches the rest of a text run again for each
/// `&` in it: 260,000 of them in one paragraph took 9 s, 700,000 (3.5 MB,
/// under the size bound) would take over a minute in every run and build. Both modes, and the site
/// build of the raw post, keep such content as text in short runs.
#[test]
fn a_paragraph_of_700000_ampersands_is_written_and_built_quickly() {
    let body = format!("<p>{}</p><p>The words after</p>", "&amp;".repeat(700_000));
    let feed = rss(&[
        It { title: "Dense", link: "https://e.example/dense", body: &body, ..Default::default() },
        It { title: "Fine", link: "https://e.example/fine", body: "<p>A fine story</p>", ..Default::default() },
    ]);
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, feed.clone())))]);
    for extra in ["full_text = false", "full_text = false\nsanitize = false"] {
        let site = tempfile::tempdir().unwrap();
        let config = toml_config(site.path(), &[("Dense", &server.url("/f.xml"))], extra);
        let started = Instant::now();
        let out = run_site(site.path(), &config);
        let report = text(&out);
        assert!(out.status.success(), "{extra}: {report}");
        assert_eq!(posts(site.path()).len(), 2, "{extra}: {report}");
        let built = newsmirror(&["build", "--site", site.path().to_str().unwrap()]);
        let took = started.elapsed();
        let build_report = text(&built);
        assert!(built.status.success(), "{extra}: {build_report}");
        assert!(took < Duration::from_secs(60), "{extra}: took {took:?}");
        let most = walkdir::WalkDir::new(site.path().join("_site"))
            .into_iter()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
            .map(|e| read(e.path()))
            .filter(|html| html.contains("The words after"))
            .map(|html| html.matches("&amp;").count())
            .max();
        assert!(most.is_some_and(|n| n >= 700_000), "{extra}: the ampersands were lost ({most:?})");
        if extra.contains("sanitize = false") {
            // The raw post keeps the feed's bytes; only the page is text.
            assert!(all_posts(site.path()).contains(&body), "raw post changed");
            assert!(build_report.contains("too many characters to escape"), "{build_report}");
        } else {
            assert!(
                report.contains("https://e.example/dense") && report.contains("too many characters to escape"),
                "{report}"
            );
        }
    }
}

#[test]
fn a_gzip_bomb_page_is_refused_at_the_page_cap_in_little_memory() {
    // 19 MiB of NULs, about 19 KB on the wire.
    let bomb = gzip(&vec![0u8; 19 << 20]);
    assert!(bomb.len() < 64 * 1024);
    let server = feed_of_pages(vec![(
        "/bomb",
        Box::new(move || {
            Reply::Full(
                200,
                vec![("Content-Type".into(), HTML.into()), ("Content-Encoding".into(), "gzip".into())],
                bomb.clone(),
            )
        }),
    )]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Bomb", &server.url("/f.xml"))], "allow_private = true");
    let (out, peak_mib) = run_measured(&run_args(site.path(), &config));
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert_eq!(posts(site.path()).len(), 1, "{report}");
    assert!(report.contains("/bomb") && report.contains("4194304-byte cap"), "{report}");
    assert!(peak_mib < 200, "peak {peak_mib} MiB");
}

#[test]
fn a_page_of_nuls_under_the_cap_parses_in_bounded_memory() {
    let nuls = format!("<html><body><p>{}</p></body></html>", "\0".repeat((4 << 20) - 64));
    let page = gzip(nuls.as_bytes());
    let server = feed_of_pages(vec![(
        "/nuls",
        Box::new(move || {
            Reply::Full(
                200,
                vec![("Content-Type".into(), HTML.into()), ("Content-Encoding".into(), "gzip".into())],
                page.clone(),
            )
        }),
    )]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Nuls", &server.url("/f.xml"))], "allow_private = true");
    let (out, peak_mib) = run_measured(&run_args(site.path(), &config));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 1, "{}", text(&out));
    assert!(peak_mib < 400, "peak {peak_mib} MiB");
}

#[test]
fn pages_are_processed_as_they_arrive_not_all_held() {
    // 96 pages of 3.5 MiB each (a comment the extractor drops around a
    // short article): holding every body at once would take 336 MiB.
    let filler = format!("<!-- {} -->", "x".repeat(3584 << 10));
    let mut pages: Vec<Page> = Vec::new();
    for i in 0..96 {
        let path: &'static str = Box::leak(format!("/p{i}").into_boxed_str());
        let page = article(&format!("story {i}")).replace("<body>", &format!("<body>{filler}"));
        pages.push((path, Box::new(move || ok(HTML, page.clone()))));
    }
    let server = feed_of_pages(pages);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Big", &server.url("/f.xml"))], "allow_private = true");
    let (out, peak_mib) = run_measured(&run_args(site.path(), &config));
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert_eq!(posts(site.path()).len(), 96, "{report}");
    assert!(all_posts(site.path()).contains("Paragraph 6 of the whole story about story 95"), "{report}");
    // Memory follows the pages in flight (`per_host` bodies, the workers'
    // trees), not their number: with 48 pages of this size a debug build
    // peaked at 200-240 MiB, and holding every body (before streaming) at
    // 303 MiB with 48; with 96 held it would pass 400.
    assert!(peak_mib < 300, "peak {peak_mib} MiB");
}

#[test]
fn slow_pages_stop_at_the_source_deadline_and_keep_the_feed_content() {
    let mut pages: Vec<Page> = Vec::new();
    for i in 0..16 {
        let path: &'static str = Box::leak(format!("/s{i}").into_boxed_str());
        let page = article(&format!("slow story {i}"));
        pages.push((
            path,
            Box::new(move || {
                std::thread::sleep(Duration::from_millis(2500));
                ok(HTML, page.clone())
            }),
        ));
    }
    let server = feed_of_pages(pages);
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    std::fs::write(
        &config,
        format!(
            "[defaults]\nsource_deadline = \"4s\"\nallow_private = true\n[[source]]\nname = \"Slow\"\nurl = \"{}\"\n",
            server.url("/f.xml")
        ),
    )
    .unwrap();
    let started = Instant::now();
    let out = run_site(site.path(), &config);
    let took = started.elapsed();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(took < Duration::from_millis(6500), "took {took:?}: {report}");
    assert_eq!(posts(site.path()).len(), 16, "every item is written: {report}");
    let all = all_posts(site.path());
    assert!(all.contains("Paragraph 6 of the whole story about slow story 0"), "pages in time are used");
    assert!(all.contains("A short summary of the story."), "late ones keep the feed's content");
    assert!(report.contains("source_deadline"), "{report}");
}

#[test]
fn slow_images_stop_at_the_source_deadline_and_keep_their_links() {
    let mut routes = Vec::new();
    let body: String = (0..6).map(|i| format!("<p><img src=\"IMG{i}\"></p>")).collect::<String>()
        + &"<p>Long enough text to be kept as it is without the page. </p>".repeat(12);
    let port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let p2 = port.clone();
    routes.push((
        "/f.xml",
        handler(move |_, _| {
            let port = *p2.get().unwrap();
            let mut b = body.clone();
            for i in 0..6 {
                b = b.replace(&format!("IMG{i}"), &format!("http://127.0.0.1:{port}/i{i}.png"));
            }
            ok(RSS, rss(&[It { title: "Pictures", link: "https://e.example/p", body: &b, ..Default::default() }]))
        }),
    ));
    for i in 0..6 {
        let path: &'static str = Box::leak(format!("/i{i}.png").into_boxed_str());
        routes.push((
            path,
            handler(move |_, _| {
                std::thread::sleep(Duration::from_millis(1500));
                let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
                png.push(i);
                ok("image/png", png)
            }),
        ));
    }
    let server = TestServer::start(routes);
    port.set(server.port).unwrap();
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    std::fs::write(
        &config,
        format!(
            "[defaults]\nsource_deadline = \"3s\"\nallow_private = true\nimages = \"mirror\"\nfull_text = false\n[[source]]\nname = \"Pics\"\nurl = \"{}\"\n",
            server.url("/f.xml")
        ),
    )
    .unwrap();
    let started = Instant::now();
    let out = run_site(site.path(), &config);
    let took = started.elapsed();
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(took < Duration::from_millis(5000), "took {took:?}: {report}");
    assert_eq!(posts(site.path()).len(), 1, "{report}");
    let post = all_posts(site.path());
    assert!(post.contains(&format!("http://127.0.0.1:{}/i5.png", server.port)), "{post}");
    assert!(report.contains("not mirrored") && report.contains("source_deadline"), "{report}");
}

#[test]
fn a_huge_feed_writes_max_items_a_run_newest_first_then_the_rest() {
    // Item i is dated i minutes after a fixed time; the feed lists the oldest first.
    let dates: Vec<String> = (0..2500)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp(1_700_000_000 + i * 60, 0).unwrap();
            t.to_rfc2822()
        })
        .collect();
    let titles: Vec<String> = (0..2500).map(|i| format!("Item {i:04}")).collect();
    let links: Vec<String> = (0..2500).map(|i| format!("https://e.example/{i}")).collect();
    let items: Vec<It> = (0..2500)
        .map(|i| It {
            title: &titles[i],
            link: &links[i],
            date: Some(&dates[i]),
            body: "<p>Body.</p>",
            ..Default::default()
        })
        .collect();
    let feed = rss(&items);
    let server = TestServer::start(vec![(
        "/f.xml",
        handler(move |req, _| {
            if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
                return status(304, &[]);
            }
            Reply::Full(
                200,
                vec![("Content-Type".into(), RSS.into()), ("ETag".into(), "\"v1\"".into())],
                feed.clone().into(),
            )
        }),
    )]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Huge", &server.url("/f.xml"))], "full_text = false");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    let names = posts(site.path());
    assert_eq!(names.len(), 1000, "{report}");
    let all = all_posts(site.path());
    assert!(all.contains("Item 2499") && all.contains("Item 1500") && !all.contains("Item 1499"), "the newest first");
    assert!(report.contains("max_items") && report.contains("1500 wait for the next run"), "{report}");

    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 2000, "no 304 after a cut: {}", text(&out));
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 2500, "{}", text(&out));
    assert!(all_posts(site.path()).contains("Item 0000"));
    let seen: Vec<bool> = server.requests("/f.xml").iter().map(|r| r.headers.contains_key("if-none-match")).collect();
    assert_eq!(seen, vec![false, false, false], "validators are stored only once the feed is written whole");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(server.requests("/f.xml").last().unwrap().headers.get("if-none-match").unwrap(), "\"v1\"");
}

#[test]
fn max_items_is_set_per_source() {
    let feed = rss_numbered(30, "Story", "https://e.example/s", "<p>Body.</p>");
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok(RSS, feed.clone())))]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Few", &server.url("/f.xml"))], "full_text = false\nmax_items = 7");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(posts(site.path()).len(), 7, "{}", text(&out));
    // Undated items: the feed's own order (newest first by convention) decides.
    let all = all_posts(site.path());
    assert!(all.contains("Story 0") && all.contains("Story 6") && !all.contains("Story 7"), "{all}");
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn every_real_page_of_the_corpus_is_within_the_bounds() {
    use newsmirror::extract::bounds;
    let shared = shared().expect("../shared");
    let mut stack = vec![shared.join("corpus/extraction")];
    let (mut pages, mut deepest, mut largest, mut attributes) = (0, (0, String::new()), (0, String::new()), 0);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if !path.extension().is_some_and(|e| e == "html" || e == "htm") {
                continue;
            }
            let (html, _) = newsmirror::extract::decode_page(&std::fs::read(&path).unwrap(), None);
            let shown = path.display().to_string();
            let stats = bounds::check(&html, &bounds::PAGE).unwrap_or_else(|e| panic!("{shown}: {e}"));
            pages += 1;
            attributes = stats.attributes.max(attributes);
            if stats.depth > deepest.0 {
                deepest = (stats.depth, shown.clone());
            }
            if stats.elements > largest.0 {
                largest = (stats.elements, shown);
            }
        }
    }
    eprintln!("{pages} pages; deepest {deepest:?}; most elements {largest:?}; most attributes {attributes}");
    assert!(pages > 1000, "{pages} pages");
    // Real pages stay far inside the bounds, not just under them.
    assert!(deepest.0 * 3 < bounds::PAGE.max_depth, "{deepest:?}");
    assert!(largest.0 * 3 < bounds::PAGE.max_elements, "{largest:?}");
    assert!(attributes * 3 < bounds::PAGE.max_attributes, "{attributes}");
}
