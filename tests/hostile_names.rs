//! Titles, authors and source names that break naive YAML and file names
//! come back exactly through YAML parsers (yaml-rust2 always; Ruby's Psych,
//! which Jekyll uses, when `ruby` is installed, as CI does) and give safe names.

mod common;

use std::path::Path;
use std::process::Command;

use common::http::{TestServer, handler, ok};
use common::*;

const HOSTILE: &[&str] = &[
    "He said \"hi\" \\ then left",
    "key: value",
    "# not a comment",
    "- a list?",
    "[not, a, list]",
    "@handle",
    "yes",
    "null",
    "~",
    "123",
    "1:20",
    "2023-01-31",
    "line one\nline two\r\n\tthree",
    "emoji 🎉👩‍👩‍👧 end",
    "../../etc/passwd",
    "a/b\\c:d*e?f\"g<h>i|j",
    "'single' and `back`",
    "&anchor *alias !tag %directive",
    "trailing colon:",
    "{braces}",
    "ends with hash #",
    "tab\there",
    "\u{2028}line\u{2029}sep\u{85}",
    "NUL\u{0}BEL\u{7}ESC\u{1b}DEL\u{7f}",
    "🎉🎉🎉",
    "!!!",
    "\u{5d0}\u{5d1}\u{5d2} עברית מימין לשמאל",
    "CON",
];

fn long_title() -> String {
    "長".repeat(5000)
}

fn clean(s: &str) -> String {
    newsmirror::text::clean_line(s)
}

/// Front matter of a post, as text between the `---` lines.
fn front_matter(post: &str) -> &str {
    let body = post.strip_prefix("---\n").unwrap();
    &body[..body.find("\n---\n").unwrap() + 1]
}

fn check_with_yaml_rust2(fm: &str, title: &str, author: &str, tag: &str) {
    let docs = yaml_rust2::YamlLoader::load_from_str(fm).unwrap_or_else(|e| panic!("{e}\n{fm}"));
    let doc = &docs[0];
    assert_eq!(doc["title"].as_str(), Some(title), "{fm}");
    assert_eq!(doc["author"].as_str(), Some(author), "{fm}");
    assert_eq!(doc["tags"][0].as_str(), Some(tag), "{fm}");
    assert_eq!(doc["categories"][0].as_str(), Some(tag), "{fm}");
}

/// Parse every front matter with Psych, as Jekyll does, and return
/// `class:value` lines for title, author, from and the first tag.
fn psych(files: &[std::path::PathBuf]) -> Vec<Vec<String>> {
    let script = r##"
require 'yaml'; require 'json'; require 'date'
out = ARGV.map do |f|
  fm = File.read(f, encoding: 'UTF-8')[/\A---\n(.*?\n)---\n/m, 1]
  d = YAML.safe_load(fm, permitted_classes: [Date, Time])
  [d['title'], d['author'], d['from'], d['tags'][0], d['categories'][0]].map { |v| "#{v.class}:#{v}" }
end
puts JSON.generate(out)
"##;
    let out = Command::new("ruby").arg("-e").arg(script).args(files).output().unwrap();
    assert!(out.status.success(), "Psych failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_safe_name(name: &str) {
    assert!(name.len() <= 255, "{name}");
    assert!(!name.starts_with('.'), "{name}");
    assert!(name.ends_with(".md"), "{name}");
    assert!(!name.chars().any(|c| c.is_control() || "/\\:*?\"<>|".contains(c)), "{name:?}");
}

#[test]
fn hostile_titles_authors_and_source_names_read_back_exactly() {
    hostile_names_read_back(false);
}

#[test]
#[cfg_attr(not(nm_ruby), ignore = "needs ruby (for Psych, Jekyll's YAML parser)")]
fn hostile_titles_authors_and_source_names_read_back_exactly_in_psych() {
    hostile_names_read_back(true);
}

fn hostile_names_read_back(with_psych: bool) {
    let long = long_title();
    let mut values: Vec<&str> = HOSTILE.to_vec();
    values.push(&long);
    let links: Vec<String> = (0..values.len()).map(|i| format!("https://e.example/{i}")).collect();
    let items: Vec<It> = values
        .iter()
        .zip(&links)
        .map(|(v, l)| It {
            title: v,
            link: l,
            author: Some(v),
            date: Some("Mon, 02 Jan 2023 10:00:00 GMT"),
            body: "<p>x</p>",
            ..Default::default()
        })
        .collect();
    // XML cannot carry most C0 controls even as references: the feed gets them
    // stripped, the source name (from TOML) keeps them.
    let xml = rss(&items).replace(['\u{0}', '\u{7}', '\u{1b}'], "");
    let server = TestServer::start(vec![("/f.xml", handler(move |_, _| ok("application/rss+xml", xml.clone())))]);
    let url = server.url("/f.xml");
    for source_name in HOSTILE.iter().copied().chain([long.as_str()]) {
        if clean(source_name).is_empty() {
            continue;
        }
        let site = tempfile::tempdir().unwrap();
        let config = toml_config(site.path(), &[(source_name, &url)], "");
        let out = run_site(site.path(), &config);
        if source_name.split(['/', '\\']).any(|s| s == "..") {
            // A name that reads as a way out of the site is a configuration error.
            assert_eq!(out.status.code(), Some(2), "source {source_name:?}: {}", text(&out));
            continue;
        }
        assert!(out.status.success(), "source {source_name:?}: {}", text(&out));
        let names = posts(site.path());
        assert_eq!(names.len(), values.len(), "source {source_name:?}: {names:?}");
        let mut files = Vec::new();
        let mut expected = Vec::new();
        for name in &names {
            assert_safe_name(name);
            let path = site.path().join("_posts").join(name);
            let post = read(&path);
            let link = post.lines().find_map(|l| l.strip_prefix("from: ")).unwrap();
            let index: usize = link.rsplit('/').next().unwrap().parse().unwrap();
            let value = values[index].replace(['\u{0}', '\u{7}', '\u{1b}'], "");
            let (title, author, tag) = (clean(&value), clean(&value), clean(source_name));
            check_with_yaml_rust2(front_matter(&post), &title, &author, &tag);
            files.push(path);
            expected.push(vec![
                format!("String:{title}"),
                format!("String:{author}"),
                format!("String:{link}"),
                format!("String:{tag}"),
                format!("String:{tag}"),
            ]);
        }
        if with_psych {
            assert_eq!(psych(&files), expected, "source {source_name:?}");
        }
    }
}

#[test]
fn names_stay_inside_posts_dir() {
    let site = tempfile::tempdir().unwrap();
    let feed = site.path().join("f.xml");
    let items = [
        It { title: "../../../../tmp/escape", link: "https://e.example/1", body: "x", ..Default::default() },
        It { title: "..", link: "https://e.example/2", body: "x", ..Default::default() },
        It { title: "CON", link: "https://e.example/3", body: "x", ..Default::default() },
        It { title: "\u{202e}right-to-left", link: "https://e.example/4", body: "x", ..Default::default() },
        It { title: "!!!", link: "https://e.example/5", body: "x", ..Default::default() },
    ];
    std::fs::write(&feed, rss(&items)).unwrap();
    let url = url::Url::from_file_path(&feed).unwrap().to_string();
    let config = toml_config(site.path(), &[("S", &url)], "");
    assert!(run_site(site.path(), &config).status.success());
    let names = posts(site.path());
    assert_eq!(names.len(), 5, "{names:?}");
    for n in &names {
        assert_safe_name(n);
    }
    assert!(names.iter().all(|n| Path::new(&site.path().join("_posts").join(n)).is_file()));
}
