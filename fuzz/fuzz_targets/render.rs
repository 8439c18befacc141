//! Any title, author and source name render front matter that a YAML
//! parser reads back exactly, and a safe file name.
#![no_main]
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use newsmirror::post::{self, Post};
use newsmirror::text::clean_line;

fuzz_target!(|input: (&str, &str, &str)| {
    let (title, author, source) = input;
    if clean_line(source).is_empty() {
        return;
    }
    let Some(run_time) = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single() else { return };
    let post = Post::new(
        post::Fields { title, link: "https://e.example/a", author: Some(author), published: None, content: String::new() },
        &post::Context { source_name: source, extra_tags: &[], author_override: None, run_time },
    );
    let text = post.render();
    let end = text[4..].find("\n---\n").map(|i| i + 5).unwrap_or(text.len());
    let docs = yaml_rust2::YamlLoader::load_from_str(&text[4..end]).expect("front matter parses");
    let doc = &docs[0];
    assert_eq!(doc["title"].as_str(), Some(post.title.as_str()));
    assert_eq!(doc["author"].as_str(), Some(post.author.as_str()));
    assert_eq!(doc["tags"][0].as_str(), Some(clean_line(source).as_str()));
    let name = post::file_name(post.date, &post.title, || "deadbeef");
    assert!(name.len() <= 255 && !name.chars().any(|c| c.is_control() || "/\\:*?\"<>|".contains(c)));
});
