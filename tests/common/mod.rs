//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod browser;
pub mod http;

pub use newsmirror::demo::{SampleServer, Served};

/// `../shared` beside the checkout. Tests that call this are marked
/// `#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]`
/// (build.rs detects it), so without it they are reported as ignored.
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.is_dir().then_some(p)
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn serve(files: &[(&str, &str, Vec<u8>)]) -> SampleServer {
    SampleServer::start(
        files
            .iter()
            .map(|(path, ct, body)| Served { path: path.to_string(), content_type: ct.to_string(), body: body.clone() })
            .collect(),
    )
    .expect("start a server on 127.0.0.1")
}

pub fn newsmirror(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsmirror")).args(args).output().expect("run newsmirror")
}

pub fn run_site(site: &Path, config: &Path) -> Output {
    newsmirror(&["run", "--site", site.to_str().unwrap(), "--config", config.to_str().unwrap()])
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Sorted names of the posts in `site/_posts`.
pub fn posts(site: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.join("_posts"))
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// One item of a generated RSS feed.
#[derive(Clone, Default)]
pub struct It<'a> {
    pub title: &'a str,
    pub link: &'a str,
    pub guid: Option<&'a str>,
    pub date: Option<&'a str>,
    pub author: Option<&'a str>,
    pub body: &'a str,
}

/// An RSS 2.0 document; titles and authors are XML-escaped, bodies go in CDATA.
pub fn rss(items: &[It]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title><link>https://home.example/</link>\n",
    );
    for it in items {
        out.push_str(&format!("<item><title>{}</title><link>{}</link>", esc(it.title), esc(it.link)));
        if let Some(g) = it.guid {
            out.push_str(&format!("<guid>{}</guid>", esc(g)));
        }
        if let Some(d) = it.date {
            out.push_str(&format!("<pubDate>{d}</pubDate>"));
        }
        if let Some(a) = it.author {
            out.push_str(&format!("<dc:creator>{}</dc:creator>", esc(a)));
        }
        out.push_str(&format!("<description><![CDATA[{}]]></description></item>\n", it.body));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// An RSS document of `n` items titled `{title} {i}`, linked `{link}{i}`.
pub fn rss_numbered(n: usize, title: &str, link: &str, body: &str) -> String {
    let titles: Vec<String> = (0..n).map(|i| format!("{title} {i}")).collect();
    let links: Vec<String> = (0..n).map(|i| format!("{link}{i}")).collect();
    let items: Vec<It> =
        titles.iter().zip(&links).map(|(t, l)| It { title: t, link: l, body, ..Default::default() }).collect();
    rss(&items)
}

/// A `newsmirror.toml` with one `[[source]]` per `(name, url)`.
pub fn toml_config(dir: &Path, sources: &[(&str, &str)], extra: &str) -> PathBuf {
    let mut text = String::new();
    for (name, url) in sources {
        text.push_str(&format!("[[source]]\nname = {}\nurl = \"{url}\"\n{extra}\n", toml_string(name)));
    }
    let path = dir.join("newsmirror.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}
