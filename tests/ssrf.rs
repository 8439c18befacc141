//! Server-side request forgery: URLs a feed or a page chose (article pages,
//! images, redirects, a page's feed link) reach only public addresses, unless
//! `allow_private`. Every server is on 127.0.0.1; names that must count as
//! public resolve there through an injected resolver and classifier.

mod common;

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::http::{Reply, Req, TestServer, handler, ok, status};
use common::*;
use newsmirror::config::{Config, FullText, RunSettings, Source};
use newsmirror::fetch::{Fetcher, guard};
use newsmirror::pipeline::{self, Outcome, RunOptions};

type Handler = Box<dyn Fn(&Req, usize) -> Reply + Send + Sync>;

const RSS: &str = "application/rss+xml";
const SECRET: &str = "AKIA-TOP-SECRET-CREDENTIAL";
const SUMMARY: &str = "<p>The council met on Tuesday and…</p>";

/// A long article: fetched, it would replace any summary.
fn article(what: &str) -> String {
    let p: String = (1..=6)
        .map(|i| format!("<p>Paragraph {i}: {what}, with enough words in it to read as the body text of a real article page rather than a teaser.</p>"))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>{what}</title></head><body><article><h1>{what}</h1>{p}</article></body></html>"
    )
}

/// A server on 127.0.0.1 whose `/f.xml` lists items linking to `links(port)`,
/// with an internal `/secret`, a public-looking `/story`, and `extra` routes.
fn server(
    links: impl Fn(u16) -> Vec<String> + Send + Sync + 'static,
    extra: Vec<(&'static str, Handler)>,
) -> TestServer {
    let port = Arc::new(OnceLock::<u16>::new());
    let p = port.clone();
    let mut routes = vec![
        (
            "/f.xml",
            handler(move |_, _| {
                let links = links(*p.get().unwrap());
                let items: Vec<It> = links
                    .iter()
                    .map(|l| It { title: l, link: l, guid: Some(l), body: SUMMARY, ..Default::default() })
                    .collect();
                ok(RSS, rss(&items))
            }),
        ),
        ("/secret", handler(|_, _| ok("text/html", article(SECRET)))),
        ("/story", handler(|_, _| ok("text/html", article("The public story")))),
    ];
    routes.extend(extra);
    let server = TestServer::start(routes);
    port.set(server.port).unwrap();
    server
}

/// A redirect to `to`, where `PORT` is the port the request came to.
fn redirect(code: u16, to: &'static str) -> Handler {
    handler(move |req: &Req, _| {
        let port = req.headers.get("host").and_then(|h| h.rsplit(':').next()).unwrap_or("0").to_string();
        status(code, &[("Location", &to.replace("PORT", &port))])
    })
}

fn all_posts(site: &std::path::Path) -> String {
    posts(site).iter().map(|n| read(&site.join("_posts").join(n))).collect()
}

#[test]
fn summary_links_to_internal_addresses_do_not_publish_them() {
    let server = server(
        |port| {
            vec![
                format!("http://127.0.0.1:{port}/secret"),
                format!("http://localhost:{port}/secret"),
                format!("http://2130706433:{port}/secret"),
                format!("http://[::1]:{port}/secret"),
            ]
        },
        vec![],
    );
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Hostile", &server.url("/f.xml"))], "");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert_eq!(posts(site.path()).len(), 4, "every item keeps its feed content: {report}");
    assert!(!all_posts(site.path()).contains(SECRET), "{report}");
    assert!(all_posts(site.path()).contains("The council met on Tuesday"));
    assert!(server.requests("/secret").is_empty(), "the internal page was asked for: {report}");
    let port = server.port;
    for expected in [
        format!(
            "full text of http://127.0.0.1:{port}/secret: refused: 127.0.0.1 is a loopback address (set allow_private = true to fetch it); kept the feed's content"
        ),
        // `2130706433` is 127.0.0.1, as the `url` crate normalises it.
        format!("full text of http://[::1]:{port}/secret: refused: ::1 is a loopback address"),
        format!("full text of http://localhost:{port}/secret: refused: localhost resolves to"),
    ] {
        assert!(report.contains(&expected), "missing {expected:?} in\n{report}");
    }
    assert_eq!(report.matches("refused").count(), 4, "{report}");
}

#[test]
fn allow_private_makes_the_intranet_case_work() {
    let server = server(|port| vec![format!("http://127.0.0.1:{port}/secret")], vec![]);
    // In the config, per source…
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Intranet", &server.url("/f.xml"))], "allow_private = true");
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert!(all_posts(site.path()).contains(SECRET), "{}", text(&out));
    // …or for every source from the command line.
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Intranet", &server.url("/f.xml"))], "");
    let out = newsmirror(&[
        "run",
        "--site",
        site.path().to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--allow-private",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(all_posts(site.path()).contains(SECRET), "{}", text(&out));
    assert_eq!(server.requests("/secret").len(), 2);
}

/// Runs `sources` with `fetcher`; the notes of each source.
fn run_with(fetcher: Fetcher, sources: Vec<Source>, site: &std::path::Path) -> Vec<Vec<String>> {
    let config = Config {
        path: "test".into(),
        settings: fetcher.settings().clone(),
        sources,
        rules: Default::default(),
        site: Default::default(),
    };
    let opts = RunOptions { site: site.to_path_buf(), lock_wait: Duration::from_secs(5), run_time: chrono::Utc::now() };
    let report = pipeline::run(&config, &opts, fetcher, |_| {}).unwrap();
    report
        .sources
        .iter()
        .map(|s| match &s.outcome {
            Outcome::Fetched { notes, .. } => notes.clone(),
            other => panic!("{}: {other:?}", s.name),
        })
        .collect()
}

/// `public.test` reaches 127.0.0.1 but counts as public, as a news site would.
fn public_test(port: u16) -> Fetcher {
    let names = HashMap::from([("public.test".to_string(), SocketAddr::from(([127, 0, 0, 1], port)))]);
    let classify: guard::Classifier =
        Arc::new(|host: &str, ip: IpAddr| if host == "public.test" { None } else { guard::non_public(ip) });
    Fetcher::new(RunSettings::default()).with_static_dns(names).with_classifier(classify)
}

#[test]
fn a_public_page_redirecting_to_an_internal_address_is_refused_at_the_hop() {
    let server = server(
        |port| {
            ["/story", "/hop-literal", "/hop-mapped", "/hop-decimal"]
                .iter()
                .map(|p| format!("http://public.test:{port}{p}"))
                .collect()
        },
        vec![
            ("/hop-literal", redirect(302, "http://127.0.0.1:PORT/secret")),
            ("/hop-mapped", redirect(307, "http://[::ffff:127.0.0.1]:PORT/secret")),
            ("/hop-decimal", redirect(301, "http://2130706433:PORT/secret")),
        ],
    );
    let site = tempfile::tempdir().unwrap();
    let mut source = Source::with_defaults("News".into(), server.url("/f.xml"));
    source.full_text = FullText::On;
    let notes = run_with(public_test(server.port), vec![source], site.path());
    let posts_text = all_posts(site.path());
    assert!(posts_text.contains("The public story"), "the public name is fetched: {notes:?}");
    assert!(!posts_text.contains(SECRET), "{notes:?}");
    assert!(server.requests("/secret").is_empty(), "{notes:?}");
    let port = server.port;
    let notes = notes[0].join("\n");
    for expected in [
        format!("/hop-literal: refused: redirect to http://127.0.0.1:{port}/secret: 127.0.0.1 is a loopback address"),
        format!(
            "/hop-mapped: refused: redirect to http://[::ffff:7f00:1]:{port}/secret: ::ffff:127.0.0.1 is a loopback address (IPv4 127.0.0.1 in IPv6 form)"
        ),
        format!("/hop-decimal: refused: redirect to http://127.0.0.1:{port}/secret: 127.0.0.1 is a loopback address"),
    ] {
        assert!(notes.contains(&expected), "missing {expected:?} in\n{notes}");
    }
}

/// Answers the lookups of each name with the next of its answers.
struct Rebinding(Mutex<HashMap<String, VecDeque<Vec<SocketAddr>>>>);

impl reqwest::dns::Resolve for Rebinding {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let next = self.0.lock().unwrap().get_mut(name.as_str()).and_then(VecDeque::pop_front).unwrap_or_default();
        Box::pin(async move { Ok(Box::new(next.into_iter()) as reqwest::dns::Addrs) })
    }
}

#[test]
fn a_name_that_rebinds_to_a_private_address_is_refused_on_the_lookup_that_connects() {
    let server = server(
        |port| vec![format!("http://news.test:{port}/story"), format!("http://news.test:{port}/secret")],
        vec![],
    );
    // 127.0.0.1 stands in for the public address the name first answers;
    // the next lookup answers it together with a private one.
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let answers = VecDeque::from([vec![loopback], vec![loopback, SocketAddr::from(([10, 0, 0, 7], 0))]]);
    let resolver = Rebinding(Mutex::new(HashMap::from([("news.test".to_string(), answers)])));
    let classify: guard::Classifier =
        Arc::new(|_: &str, ip: IpAddr| if ip == IpAddr::from([127, 0, 0, 1]) { None } else { guard::non_public(ip) });
    // One page at a time, so the lookups come in the items' order.
    let settings = RunSettings { per_host: 1, ..RunSettings::default() };
    let fetcher = Fetcher::new(settings).with_resolver(Arc::new(resolver)).with_classifier(classify);
    let site = tempfile::tempdir().unwrap();
    let notes = run_with(fetcher, vec![Source::with_defaults("News".into(), server.url("/f.xml"))], site.path());
    assert!(all_posts(site.path()).contains("The public story"), "{notes:?}");
    assert!(!all_posts(site.path()).contains(SECRET), "{notes:?}");
    assert!(server.requests("/secret").is_empty(), "{notes:?}");
    let expected = format!(
        "full text of http://news.test:{}/secret: refused: news.test resolves to 10.0.0.7, a private address",
        server.port
    );
    assert!(notes[0].iter().any(|n| n.starts_with(&expected)), "{notes:?}");
}

#[test]
fn an_operator_feed_url_may_be_private_but_its_redirects_elsewhere_are_data() {
    let server = server(
        |_| vec!["https://e.example/a".to_string()],
        vec![("/same", redirect(301, "/f.xml")), ("/elsewhere", redirect(301, "http://localhost:PORT/f.xml"))],
    );
    let site = tempfile::tempdir().unwrap();
    let (same, elsewhere) = (server.url("/same"), server.url("/elsewhere"));
    let config = toml_config(site.path(), &[("Same", &same), ("Elsewhere", &elsewhere)], "full_text = false");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(report.contains("Same: 1 new post"), "{report}");
    let expected =
        format!("Elsewhere: refused: redirect to http://localhost:{}/f.xml: localhost resolves to", server.port);
    assert!(report.contains(&expected) && report.contains("(set allow_private = true to fetch it)"), "{report}");
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(0..200u8);
    bytes
}

#[test]
fn image_mirroring_refuses_private_hosts() {
    // Two feeds with the same images, under different links.
    let feed = |link: &'static str| {
        handler(move |req: &Req, _| {
            let port = req.headers.get("host").and_then(|h| h.rsplit(':').next()).unwrap_or("0").to_string();
            let words = "Text of the article, long enough to be the whole story. ".repeat(12);
            let body = format!(
                "<p>{words}</p><p><img src=\"http://127.0.0.1:{port}/photo.png\"></p>\
                 <p><img src=\"http://localhost:{port}/photo.png\"></p><p><img src=\"http://[::1]:{port}/photo.png\"></p>"
            );
            ok(RSS, rss(&[It { title: "Pictures", link, body: &body, ..Default::default() }]))
        })
    };
    let server = TestServer::start(vec![
        ("/f.xml", feed("https://e.example/a")),
        // Later than the other, so that its images are looked up after the
        // other source's are done.
        ("/g.xml", {
            let g = feed("https://e.example/b");
            handler(move |req, n| {
                std::thread::sleep(Duration::from_millis(1500));
                g(req, n)
            })
        }),
        ("/photo.png", handler(|_, _| ok("image/png", png()))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Pics", &server.url("/f.xml"))], "images = \"mirror\"");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(server.requests("/photo.png").is_empty(), "{report}");
    assert!(!site.path().join("assets").exists(), "{report}");
    let expected = format!(
        "image http://127.0.0.1:{}/photo.png: refused: 127.0.0.1 is a loopback address (set allow_private = true to fetch it); kept the original link",
        server.port
    );
    assert!(report.contains(&expected), "{report}");
    assert_eq!(report.matches("; kept the original link").count(), 3, "{report}");
    assert!(all_posts(site.path()).contains(&format!("http://127.0.0.1:{}/photo.png", server.port)));

    // A source's own setting lets them through, for that source only, even
    // when another source of the same run has the same images.
    let site = tempfile::tempdir().unwrap();
    let config = site.path().join("newsmirror.toml");
    let (open, closed) = (server.url("/f.xml"), server.url("/g.xml"));
    std::fs::write(
        &config,
        format!(
            "[defaults]\nimages = \"mirror\"\n[[source]]\nname = \"Open\"\nurl = \"{open}\"\nallow_private = true\n\
             [[source]]\nname = \"Closed\"\nurl = \"{closed}\"\n"
        ),
    )
    .unwrap();
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_dir(site.path().join("assets")).unwrap().count(), 1, "{}", text(&out));
    let post = |source: &str| {
        let names = posts(site.path());
        let texts: Vec<String> = names.iter().map(|n| read(&site.path().join("_posts").join(n))).collect();
        texts.into_iter().find(|t| t.contains(&format!("tags: [ {source} ]"))).unwrap_or_default()
    };
    assert!(post("Open").contains("src=\"/assets/"), "{}", post("Open"));
    assert!(!post("Closed").contains("/assets/"), "{}", post("Closed"));
    // Closed's three images are refused; Open's fetched (or, on [::1], unreachable).
    assert_eq!(text(&out).matches(": refused: ").count(), 3, "{}", text(&out));
}

#[test]
fn a_page_that_is_not_html_is_not_an_article() {
    let server = server(
        |port| vec![format!("http://127.0.0.1:{port}/creds"), format!("http://127.0.0.1:{port}/untyped")],
        vec![
            ("/creds", handler(|_, _| ok("text/plain", format!("{{\"AccessKeyId\": \"{SECRET}\"}}\n").repeat(40)))),
            ("/untyped", handler(|_, _| Reply::Full(200, vec![], article(SECRET).into_bytes()))),
        ],
    );
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &[("Local", &server.url("/f.xml"))], "allow_private = true");
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert_eq!(server.requests("/creds").len(), 1, "{report}");
    assert!(!all_posts(site.path()).contains(SECRET), "{report}");
    assert!(all_posts(site.path()).contains("The council met on Tuesday"), "{report}");
    assert!(report.contains("/creds: not an HTML page (text/plain); kept the feed's content"), "{report}");
    assert!(report.contains("/untyped: not an HTML page (no Content-Type); kept the feed's content"), "{report}");
}

fn nm(site: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--site", site.to_str().unwrap()]);
    newsmirror(&all)
}

#[test]
fn sources_add_does_not_follow_a_page_s_file_or_private_feed_link() {
    let dir = tempfile::tempdir().unwrap();
    let local_feed = dir.path().join("feed.xml");
    std::fs::write(&local_feed, rss(&[It { title: "Local file", link: "https://e.example/a", ..Default::default() }]))
        .unwrap();
    let file_url = url::Url::from_file_path(&local_feed).unwrap().to_string();
    let page = |href: String| {
        handler(move |req: &Req, _| {
            let port = req.headers.get("host").and_then(|h| h.rsplit(':').next()).unwrap_or("0").to_string();
            let href = href.replace("PORT", &port);
            ok(
                "text/html",
                format!(
                    "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"{href}\"></head></html>"
                ),
            )
        })
    };
    let server = server(
        |_| vec!["https://e.example/a".to_string()],
        vec![
            ("/file-link.html", page(file_url.clone())),
            ("/other-host.html", page("http://localhost:PORT/f.xml".into())),
        ],
    );
    let site = tempfile::tempdir().unwrap();
    let out = nm(site.path(), &["sources", "add", &server.url("/file-link.html")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let expected = format!("{file_url}: refused: file URLs are read only from the config or the command line");
    assert!(text(&out).contains(&expected), "{}", text(&out));
    assert!(!site.path().join("newsmirror.toml").exists());

    let out = nm(site.path(), &["sources", "add", &server.url("/other-host.html")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("refused: localhost resolves to"), "{}", text(&out));
    assert!(server.requests("/f.xml").is_empty());

    let out = nm(site.path(), &["sources", "add", &server.url("/other-host.html"), "--allow-private"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("(http://localhost:{}/f.xml)", server.port)), "{}", text(&out));
    // The operator may still add a file feed by typing it.
    let out = nm(site.path(), &["sources", "add", &file_url, "--name", "Local file"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn extract_trusts_the_typed_url_but_not_a_redirect_elsewhere() {
    let server = server(|_| vec![], vec![("/moved", redirect(302, "http://localhost:PORT/story"))]);
    let out = newsmirror(&["extract", &server.url("/story")]);
    assert!(out.status.success() && text(&out).contains("The public story"), "{}", text(&out));
    let out = newsmirror(&["extract", &server.url("/moved")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("refused: redirect to http://localhost:"), "{}", text(&out));
    let out = newsmirror(&["extract", &server.url("/moved"), "--allow-private"]);
    assert!(out.status.success() && text(&out).contains("The public story"), "{}", text(&out));
}

#[test]
fn through_a_proxy_ip_literals_are_still_checked_and_the_proxy_itself_is_reached() {
    // An HTTP proxy on 127.0.0.1: it sees absolute-form targets and resolves
    // names itself, so only literals can be judged here.
    let proxy = TestServer::start(vec![
        (
            "http://feeds.invalid/f.xml",
            handler(|_, _| {
                let links = ["http://news.invalid/story", "http://127.0.0.1:9/secret", "http://[::1]:9/secret"];
                let items: Vec<It> =
                    links.iter().map(|l| It { title: l, link: l, body: SUMMARY, ..Default::default() }).collect();
                ok(RSS, rss(&items))
            }),
        ),
        ("http://news.invalid/story", handler(|_, _| ok("text/html", article("The proxied story")))),
    ]);
    let site = tempfile::tempdir().unwrap();
    let config = toml_config(
        site.path(),
        &[("Proxied", "http://feeds.invalid/f.xml")],
        &format!("proxy = \"http://localhost:{}\"", proxy.port),
    );
    let out = run_site(site.path(), &config);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(all_posts(site.path()).contains("The proxied story"), "{report}");
    assert!(
        report.contains("full text of http://127.0.0.1:9/secret: refused: 127.0.0.1 is a loopback address"),
        "{report}"
    );
    assert!(report.contains("full text of http://[::1]:9/secret: refused: ::1 is a loopback address"), "{report}");
    assert!(proxy.requests("http://127.0.0.1:9/secret").is_empty());
}
