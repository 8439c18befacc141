//! Parse check of every feed in the public corpus that ships an expected
//! result, read in place from `../shared/corpus/feeds`: feed-rs
//! (`x.serde.json` beside each fixture), gofeed (`x.json` beside `x.xml`,
//! `x_expected.json` beside a JSON Feed `x.json`) and rss-parser
//! (`test/output/x.json` for `test/input/x.*`).
//!
//! Each file must parse to as many items as expected, and for each item the
//! title, link, date and content must agree with the expectation after these
//! normalisations: titles go through FORMAT.md's title rule (white space
//! runs become one space, control characters go, ends trimmed), content has
//! its white space collapsed, links are trimmed, dates are compared as
//! instants, and the expected content is the field FORMAT.md's precedence
//! selects among those the expectation has. Every expectation file is
//! checked; a disagreement fails the test unless `ALLOW` lists it with its
//! reason, and an `ALLOW` entry that no longer matches one fails it too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use newsmirror::feed::{self, ParseOptions};
use newsmirror::text::clean_line;
use serde_json::Value;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/feeds");

/// Where a corpus expects something FORMAT.md (or the way newsmirror models a
/// post) contradicts: (source feed relative to the corpus directory, field or
/// `*` for every field of the file, reason).
const ALLOW: &[(&str, &str, &str)] = &[
    // feed-rs
    (FR_ATOM_1, "content", XHTML_DIV),
    (FR_ATOM_7, "content", XHTML_DIV),
    (
        "feed-rs/feed-rs/fixture/atom/atom_mediarss_newscred_1.xml",
        "content",
        "this media:description sits in media:content (it describes the image); FORMAT.md takes media:group's, then content",
    ),
    ("feed-rs/feed-rs/fixture/jsonfeed/jsonfeed_elastic_1.1.json", "link", LINK_AS_WRITTEN),
    ("feed-rs/feed-rs/fixture/rss0/rss_0.91_encoding_1.xml", "link", LINK_AS_WRITTEN),
    ("feed-rs/feed-rs/fixture/rss2/rss_2.0_bbc.xml", "content", ITUNES_SUMMARY),
    ("feed-rs/feed-rs/fixture/rss2/rss_2.0_ch9.xml", "content", ITUNES_SUMMARY),
    // gofeed
    ("gofeed/testdata/parser/atom/atom03_feed_entry_title_html_escaped_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/atom03_feed_entry_title_naked_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/atom03_feed_entry_title_xhtml_escaped_markup.xml", "title", XHTML_TITLE_TEXT),
    ("gofeed/testdata/parser/atom/atom03_feed_entry_title_xhtml_inline_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/atom10_feed_entry_title_html_escaped_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/atom10_feed_entry_title_xhtml_escaped_markup.xml", "title", XHTML_TITLE_TEXT),
    ("gofeed/testdata/parser/atom/atom10_feed_entry_title_xhtml_inline_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/atom10_feed_entry_title_base64.xml", "title", NO_BASE64_TITLE),
    ("gofeed/testdata/parser/atom/atom10_feed_entry_title_base64_escaped_markup.xml", "title", NO_BASE64_TITLE),
    ("gofeed/testdata/parser/atom/entry_title_xml_base.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/entry_title_xml_base_inherit.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/atom/entry_summary_xml_base_inherit_3.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/rss/rdf_item_title_naked_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/rss/rdf_item_title_cdata_naked_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/rss/rdf_item_title_cdata_escaped_markup.xml", "title", CDATA_TITLE_ENTITIES),
    ("gofeed/testdata/parser/rss/rss_channel_item_title_naked_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/rss/rss_channel_item_title_cdata_naked_markup.xml", "title", TITLE_IS_TEXT),
    ("gofeed/testdata/parser/rss/rss_channel_item_title_cdata_escaped_markup.xml", "title", CDATA_TITLE_ENTITIES),
    ("gofeed/testdata/parser/atom/entry_content_xml_base.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_content_xml_base_inherit.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_content_xml_base_inherit_2.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_content_xml_base_inherit_3.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_content_xml_base_inherit_4.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_summary_xml_base.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_summary_xml_base_inherit.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/atom/entry_summary_xml_base_inherit_2.xml", "content", CONTENT_URLS),
    ("gofeed/testdata/parser/rss/rdf_item_links.xml", "link", FIRST_LINK),
    ("gofeed/testdata/parser/rss/rss_channel_item_links.xml", "link", FIRST_LINK),
    ("gofeed/testdata/translator/rss/feed_item_links_-_rss_channel_item_links.xml", "link", FIRST_LINK),
    // rss-parser
    (
        "rss-parser/test/input/craigslist.rss",
        "title",
        "CDATA titles with `&#x0024;` and `<sup>`: FORMAT.md decodes entities and a title is text; rss-parser keeps both",
    ),
    (
        "rss-parser/test/input/uolNoticias.rss",
        "*",
        "undeclared Latin-1 bytes: rss-parser read them as UTF-8 (U+FFFD in its output), newsmirror as windows-1252",
    ),
    ("rss-parser/test/input/reddit-atom.rss", "content", XML2JS_XHTML),
    ("rss-parser/test/input/reddit-home.rss", "content", XML2JS_XHTML),
    (
        "rss-parser/test/input/xml2js-options.rss",
        "content",
        "the case sets xml2js's emptyTag option: its `EMPTY` stands for an empty <description/>",
    ),
];

const FR_ATOM_1: &str = "feed-rs/feed-rs/fixture/atom/atom_example_1.xml";
const FR_ATOM_7: &str = "feed-rs/feed-rs/fixture/atom/atom_example_7.xml";
const XHTML_DIV: &str = "the <div> of xhtml content is a wrapper, not content (RFC 4287 3.1.1.3); feed-rs keeps it";
const LINK_AS_WRITTEN: &str = "feed-rs normalises the URL; an item link stays as written, `from:` normalises it later";
const ITUNES_SUMMARY: &str = "the corpus falls back to (or prefers) itunes:summary, which FORMAT.md's precedence lacks";
const TITLE_IS_TEXT: &str = "markup in a title is dropped: a post title is plain text (FORMAT.md)";
const XHTML_TITLE_TEXT: &str =
    "the text of this XHTML title is `<p>Entry Title</p>`; gofeed returns its escaped markup";
const NO_BASE64_TITLE: &str =
    "Atom 1.0 text constructs are text, html or xhtml, never base64: other types read as text";
const CDATA_TITLE_ENTITIES: &str = "FORMAT.md decodes a title's entities once, CDATA or not; gofeed keeps `&lt;p&gt;`";
const CONTENT_URLS: &str = "gofeed rewrites URLs in content against xml:base; FORMAT.md copies content exactly (raw) or resolves against the link";
const FIRST_LINK: &str = "several <link>s: gofeed keeps the last (an href attribute), newsmirror the first <link> text";
const XML2JS_XHTML: &str = "rss-parser re-serialises xhtml content through xml2js: wrappers kept, mixed text reordered";

#[derive(Debug, Default)]
struct Expected {
    title: Option<String>,
    link: Option<String>,
    date: Option<DateTime<Utc>>,
    /// The corpus's body fields in FORMAT.md's order of precedence: the
    /// first one present is what our body must be.
    content: Vec<Option<String>>,
}

#[derive(Default)]
struct Tally {
    expectations: usize,
    checked: usize,
    items: usize,
    /// Per field: (compared, matched, allow-listed).
    fields: BTreeMap<&'static str, (usize, usize, usize)>,
    used: BTreeSet<(String, &'static str)>,
    failures: Vec<String>,
}

impl Tally {
    /// Record one comparison; a disagreement is a failure unless allowed.
    fn field(&mut self, file: &str, field: &'static str, ok: bool, detail: impl FnOnce() -> String) {
        let counts = self.fields.entry(field).or_default();
        counts.0 += 1;
        if ok {
            counts.1 += 1;
        } else if let Some(entry) = allow_entry(file, field) {
            counts.2 += 1;
            self.used.insert(entry);
        } else {
            self.failures.push(format!("{file}: {field}: {}", detail()));
        }
    }
}

fn allow_entry(file: &str, field: &str) -> Option<(String, &'static str)> {
    ALLOW.iter().find(|(f, fd, _)| *f == file && (*fd == field || *fd == "*")).map(|(f, fd, _)| (f.to_string(), *fd))
}

fn corpus_root() -> Option<PathBuf> {
    let root = PathBuf::from(CORPUS);
    root.is_dir().then_some(root)
}

/// A non-blank string field.
fn s(v: &Value) -> Option<String> {
    v.as_str().filter(|x| !x.trim().is_empty()).map(str::to_string)
}

fn instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|d| DateTime::parse_from_rfc3339(d.trim()).ok()).map(|d| d.with_timezone(&Utc))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn short(s: &str) -> String {
    let cut: String = s.chars().take(200).collect();
    if cut.len() < s.len() { format!("{cut}…") } else { cut }
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// Files under `dir` (recursively) whose name ends with `suffix`, sorted.
fn walk(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Expectation files are JSON in UTF-8, except rss-parser's `encoding.json`,
/// written in Latin-1 like its input: bytes that are not UTF-8 are Latin-1.
fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parse `source` and compare its items with `expected`.
fn check(t: &mut Tally, root: &Path, source: &Path, expected: &[Expected]) {
    let file = source.strip_prefix(root).unwrap_or(source).to_string_lossy().into_owned();
    t.checked += 1;
    let bytes = std::fs::read(source).unwrap_or_else(|e| panic!("{file}: {e}"));
    let parsed = match feed::parse(&bytes, &ParseOptions::default()) {
        Ok(f) => f,
        Err(e) => return t.field(&file, "item count", false, || format!("parse error: {e}")),
    };
    let (n, want_n) = (parsed.items.len(), expected.len());
    t.field(&file, "item count", n == want_n, || format!("{n} items, expected {want_n}"));
    if n != want_n {
        return;
    }
    for (i, (got, want)) in parsed.items.iter().zip(expected).enumerate() {
        t.items += 1;
        if let Some(w) = &want.title {
            let (g, w) = (clean_line(&got.title), clean_line(w));
            t.field(&file, "title", g == w, || format!("item {i}: got {g:?}, expected {w:?}"));
        }
        if let Some(w) = &want.link {
            let g = got.link.as_deref().unwrap_or("").trim();
            t.field(&file, "link", g == w.trim(), || format!("item {i}: got {g:?}, expected {w:?}"));
        }
        if let Some(w) = want.date {
            let g = got.published;
            t.field(&file, "date", g == Some(w), || format!("item {i}: got {g:?}, expected {w}"));
        }
        if let Some(w) = want.content.iter().flatten().next() {
            let (g, w) = (squash(&got.body), squash(w));
            t.field(&file, "content", g == w, || {
                format!("item {i}:\n    got      {:?}\n    expected {:?}", short(&g), short(&w))
            });
        }
    }
}

/// Print the summary and fail on disagreements and on stale `ALLOW` entries.
fn finish(name: &str, prefix: &str, t: &Tally, at_least: usize) {
    let (compared, matched, allowed) = t
        .fields
        .iter()
        .filter(|(field, _)| **field != "item count")
        .fold((0, 0, 0), |(c, m, a), (_, (fc, fm, fa))| (c + fc, m + fm, a + fa));
    println!(
        "{name}: {} expectation files, {} checked; {} items; {compared} fields compared, {matched} matched, \
         {allowed} allow-listed",
        t.expectations, t.checked, t.items
    );
    for (field, (c, m, a)) in &t.fields {
        println!("  {field}: {m}/{c} matched, {a} allow-listed");
    }
    for f in &t.failures {
        println!("  MISMATCH {f}");
    }
    let stale: Vec<_> = ALLOW
        .iter()
        .filter(|(f, fd, _)| f.starts_with(prefix) && !t.used.contains(&(f.to_string(), *fd)))
        .map(|(f, fd, _)| format!("{f} ({fd})"))
        .collect();
    for s in &stale {
        println!("  STALE allow-list entry: {s}");
    }
    assert!(t.expectations >= at_least, "{name}: only {} expectation files found", t.expectations);
    assert_eq!(t.checked, t.expectations, "{name}: every expectation file must be checked");
    assert!(
        t.failures.is_empty() && stale.is_empty(),
        "{name}: {} mismatches, {} stale allow-list entries",
        t.failures.len(),
        stale.len()
    );
}

/// The first `alternate` (or rel-less) link of a feed-rs or gofeed Atom entry.
fn alternate(links: &Value) -> Option<String> {
    array(links).iter().find(|l| l["rel"].is_null() || l["rel"] == "alternate").and_then(|l| s(&l["href"]))
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn feed_rs() {
    let root = corpus_root().expect("../shared/corpus");
    let mut t = Tally::default();
    for expect in walk(&root.join("feed-rs"), ".serde.json") {
        t.expectations += 1;
        let stem = expect.to_string_lossy().trim_end_matches(".serde.json").to_string();
        let source = [".xml", ".json"].iter().map(|e| PathBuf::from(format!("{stem}{e}"))).find(|p| p.is_file());
        let Some(source) = source else { panic!("{}: no source feed beside it", expect.display()) };
        let doc = read_json(&expect);
        let atom = doc["feed_type"] == "Atom";
        let items: Vec<Expected> = array(&doc["entries"])
            .iter()
            .map(|e| {
                let content = s(&e["content"]["body"]);
                let media = array(&e["media"]).iter().find_map(|m| s(&m["description"]["content"]));
                let summary = s(&e["summary"]["content"]);
                Expected {
                    title: s(&e["title"]["content"]),
                    link: alternate(&e["links"]),
                    date: instant(&e["published"]).or_else(|| instant(&e["updated"])),
                    // feed-rs puts RSS content:encoded and Atom content in
                    // `content`, RSS description and Atom summary in `summary`.
                    content: if atom { vec![media, content, summary] } else { vec![content, media, summary] },
                }
            })
            .collect();
        check(&mut t, &root, &source, &items);
    }
    finish("feed-rs", "feed-rs/", &t, 60);
}

/// gofeed's models: its universal one (translator, extensions) and the RSS,
/// Atom and JSON Feed parsers' own.
fn gofeed_items(dir: &str, doc: &Value) -> Vec<Expected> {
    if dir.starts_with("parser/atom") {
        return array(&doc["entries"])
            .iter()
            .map(|e| Expected {
                title: s(&e["title"]),
                link: alternate(&e["links"]),
                date: instant(&e["publishedParsed"]).or_else(|| instant(&e["updatedParsed"])),
                content: vec![s(&e["content"]["value"]), s(&e["summary"])],
            })
            .collect();
    }
    array(&doc["items"])
        .iter()
        .map(|it| {
            if dir.starts_with("parser/rss") {
                Expected {
                    title: s(&it["title"]),
                    link: s(&it["link"]),
                    date: instant(&it["pubDateParsed"]),
                    content: vec![s(&it["content"]), s(&it["description"])],
                }
            } else if dir.starts_with("parser/json") {
                Expected {
                    title: s(&it["title"]),
                    link: s(&it["url"]).or_else(|| s(&it["external_url"])),
                    date: instant(&it["date_published"]).or_else(|| instant(&it["date_modified"])),
                    content: vec![s(&it["content_html"]), s(&it["content_text"]), s(&it["summary"])],
                }
            } else {
                Expected {
                    title: s(&it["title"]),
                    link: s(&it["link"]),
                    date: instant(&it["publishedParsed"]).or_else(|| instant(&it["updatedParsed"])),
                    content: vec![s(&it["content"]), s(&it["description"])],
                }
            }
        })
        .collect()
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn gofeed() {
    let root = corpus_root().expect("../shared/corpus");
    let testdata = root.join("gofeed/testdata");
    let mut t = Tally::default();
    let mut inputs = 0;
    for expect in walk(&testdata, ".json") {
        let path = expect.to_string_lossy().into_owned();
        // An expectation is `x_expected.json` for a JSON Feed `x.json`, or
        // `x.json` beside an `x.xml`; other JSON files are inputs.
        let source = match path.strip_suffix("_expected.json") {
            Some(stem) => PathBuf::from(format!("{stem}.json")),
            None => expect.with_extension("xml"),
        };
        if !source.is_file() {
            inputs += 1;
            continue;
        }
        t.expectations += 1;
        let dir = expect.parent().and_then(|d| d.strip_prefix(&testdata).ok()).unwrap_or(Path::new(""));
        let items = gofeed_items(&dir.to_string_lossy(), &read_json(&expect));
        check(&mut t, &root, &source, &items);
    }
    println!("gofeed: {inputs} other JSON files are input feeds, not expectations");
    finish("gofeed", "gofeed/", &t, 500);
}

#[test]
#[cfg_attr(not(nm_shared), ignore = "needs ../shared beside the checkout")]
fn rss_parser() {
    let root = corpus_root().expect("../shared/corpus");
    let base = root.join("rss-parser/test");
    let mut t = Tally::default();
    for expect in walk(&base.join("output"), ".json") {
        t.expectations += 1;
        let stem = expect.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let source =
            ["rss", "atom", "xml"].iter().map(|e| base.join(format!("input/{stem}.{e}"))).find(|p| p.is_file());
        let Some(source) = source else { panic!("{}: no input feed for it", expect.display()) };
        let doc = read_json(&expect);
        let items: Vec<Expected> = array(&doc["feed"]["items"])
            .iter()
            .map(|it| Expected {
                title: s(&it["title"]),
                link: s(&it["link"]),
                date: instant(&it["isoDate"]),
                // rss-parser: `content` is RSS description or Atom content.
                content: vec![
                    s(&it["content:encoded"]),
                    array(&it["media:group"]["media:description"]).first().and_then(s),
                    s(&it["content"]),
                    s(&it["summary"]),
                ],
            })
            .collect();
        check(&mut t, &root, &source, &items);
    }
    finish("rss-parser", "rss-parser/", &t, 25);
}
