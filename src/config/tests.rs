//! Configuration parsing: every key, default and error message.

use std::path::Path;

use super::*;

fn parse(text: &str) -> Result<(RunSettings, Vec<Source>), ConfigError> {
    toml_file::parse(text, Path::new("newsmirror.toml")).map(|(settings, sources, _, _)| (settings, sources))
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn defaults_apply_to_sources() {
    let (settings, sources) = parse(
        r#"
[defaults]
timeout = "45s"
timezone = "Asia/Shanghai"
concurrency = 4
max_body = "1MiB"

[[source]]
name = "BBC"
url = "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml"
tags = ["英国"]

[[source]]
name = "CNA"
url = "https://example.com/cna.xml"
timeout = 5
sanitize = false
enabled = false
"#,
    )
    .unwrap();
    assert_eq!(settings.concurrency, 4);
    assert_eq!(settings.max_body, 1024 * 1024);
    assert_eq!(sources[0].timeout, Duration::from_secs(45));
    assert_eq!(sources[0].tags, vec!["英国".to_string()]);
    assert_eq!(sources[0].timezone, Some(chrono_tz::Asia::Shanghai));
    assert_eq!(sources[1].timeout, Duration::from_secs(5));
    assert!(!sources[1].sanitize && !sources[1].enabled);
}

#[test]
fn unknown_key_names_key_source_and_line() {
    let e = err(
        "[[source]]\nname = \"A\"\nurl = \"https://a.example/\"\n\n[[source]]\nname = \"BBC\"\nurl = \"https://b.example/\"\ntimout = 3\n",
    );
    assert!(e.contains("newsmirror.toml:8:"), "{e}");
    assert!(e.contains("source \"BBC\""), "{e}");
    assert!(e.contains("timout"), "{e}");
}

#[test]
fn bad_values_are_named() {
    let e = err("[[source]]\nname = \"X\"\nurl = \"ftp://x.example/\"\n");
    assert!(e.contains(":3:") && e.contains("source \"X\"") && e.contains("url") && e.contains("ftp"), "{e}");
    let e = err("[[source]]\nname = \"X\"\nurl = \"https://x.example/\"\ntimezone = \"Mars/Base\"\n");
    assert!(e.contains(":4:") && e.contains("timezone") && e.contains("Mars/Base"), "{e}");
    let e = err("[[source]]\nname = \"X\"\nurl = \"https://x.example/\"\ntimeout = \"soon\"\n");
    assert!(e.contains(":4:") && e.contains("timeout"), "{e}");
    let e = err("[defaults]\nconcurrency = 0\n");
    assert!(e.contains(":2:") && e.contains("concurrency"), "{e}");
    let e = err(
        "[[source]]\nname = \"X\"\nurl = \"https://x.example/\"\n[[source]]\nname = \"X\"\nurl = \"https://y.example/\"\n",
    );
    assert!(e.contains("two sources are named \"X\""), "{e}");
    let e = err("[[source]]\nname = \"X\"\n");
    assert!(e.contains("url"), "{e}");
}

#[test]
fn subs_json_is_taken_as_is() {
    let sources = parse_subs_json(
        r#"[{"site": "路透", "url": "https://feedx.net/rss/reuters.xml", "extra": 1}, {"site": "BBC", "url": "https://rsshub.app/bbc/chinese"}]"#,
        Path::new("subs.json"),
    )
    .unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0].name, "路透");
    assert!(sources[0].sanitize);
    let e = parse_subs_json("[{\"site\": \"a\"}]", Path::new("subs.json")).unwrap_err().to_string();
    assert!(e.contains("subs.json:1") && e.contains("url"), "{e}");
}

#[test]
fn full_text_rules_and_images() {
    let text = r#"
[defaults]
full_text = false
images = "mirror"
image_max_size = "2MiB"

[[rules]]
domain = "https://www.example.org/"
content = "div.story"
remove = [".ad", "p:contains(\"Subscribe\")"]

[[source]]
name = "A"
url = "https://a.example/feed"
full_text = "auto"
remove = ".share"

[[source]]
name = "B"
url = "https://b.example/feed"
full_text = true
images = "link"
"#;
    let (settings, sources, rules, _) = toml_file::parse(text, Path::new("newsmirror.toml")).unwrap();
    assert_eq!(settings.image_max_bytes, 2 * 1024 * 1024);
    assert_eq!((sources[0].full_text, sources[0].images), (FullText::Auto, Images::Mirror));
    assert_eq!((sources[1].full_text, sources[1].images), (FullText::On, Images::Link));
    let own = sources[0].rules.as_ref().unwrap();
    assert!(own.content.is_empty());
    assert_eq!(own.remove[0].as_str(), ".share");
    assert!(sources[1].rules.is_none());
    let site = rules.for_link(&url::Url::parse("https://news.example.org/x").unwrap()).unwrap();
    assert_eq!(site.content[0].as_str(), "div.story");
    assert_eq!(site.remove.len(), 2);
}

#[test]
fn bad_rules_and_modes_name_the_key_source_and_line() {
    let e = err("[[source]]\nname = \"A\"\nurl = \"https://a.example/\"\nremove = [\"div[[\"]\n");
    assert!(e.starts_with("newsmirror.toml:4: source \"A\": remove: invalid CSS selector \"div[[\""), "{e}");
    let e = err("[[source]]\nname = \"A\"\nurl = \"https://a.example/\"\nfull_text = \"sometimes\"\n");
    assert!(e.contains("newsmirror.toml:4: source \"A\": full_text: expected true, false or \"auto\""), "{e}");
    let e = err("[[rules]]\ndomain = \"x.example\"\n");
    assert!(e.contains("newsmirror.toml:2: rules for \"x.example\": give `content`, `remove` or both"), "{e}");
    let e = err("[defaults]\nimages = \"copy\"\n");
    assert!(e.contains("images: expected \"link\" or \"mirror\""), "{e}");
}

#[test]
fn allow_private_is_off_unless_a_source_or_the_defaults_say_so() {
    let (_, sources) = parse(
        "[[source]]\nname = \"A\"\nurl = \"https://a.example/f\"\n[[source]]\nname = \"B\"\nurl = \"https://b.example/f\"\nallow_private = true\n",
    )
    .unwrap();
    assert_eq!((sources[0].allow_private, sources[1].allow_private), (false, true));
    let (_, sources) = parse(
        "[defaults]\nallow_private = true\n[[source]]\nname = \"A\"\nurl = \"https://a.example/f\"\n[[source]]\nname = \"B\"\nurl = \"https://b.example/f\"\nallow_private = false\n",
    )
    .unwrap();
    assert_eq!((sources[0].allow_private, sources[1].allow_private), (true, false));
}

#[test]
fn max_items_defaults_to_a_thousand_and_is_set_per_source_or_in_defaults() {
    let (_, sources) = parse("[[source]]\nname = \"A\"\nurl = \"https://e.example/a\"\n").unwrap();
    assert_eq!(sources[0].max_items, 1000);
    let (_, sources) = parse(
        "[defaults]\nmax_items = 50\n[[source]]\nname = \"A\"\nurl = \"https://e.example/a\"\n\
         [[source]]\nname = \"B\"\nurl = \"https://e.example/b\"\nmax_items = 5\n",
    )
    .unwrap();
    assert_eq!((sources[0].max_items, sources[1].max_items), (50, 5));
    let e = err("[[source]]\nname = \"B\"\nurl = \"https://e.example/b\"\nmax_items = 0\n");
    assert!(e.contains("newsmirror.toml:4") && e.contains("\"B\"") && e.contains("max_items"), "{e}");
}
