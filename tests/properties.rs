//! Properties over arbitrary input: front matter reads back exactly, file
//! names are safe, sanitised HTML has nothing executable left.

use chrono::{TimeZone, Utc};
use newsmirror::post::{self, Post};
use newsmirror::text::clean_line;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn any_text() -> impl Strategy<Value = String> {
    // Printable, control, YAML-significant and astral characters alike.
    prop::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '"', '\\', ':', '#', '-', '[', ']', '{', '}', ',', '\'', '\n', '\t', ' ', '&', '*', '!', '|', '>', '%',
                '@', '`', '?', '\u{85}', '\u{2028}', '\u{feff}', '\u{3000}'
            ]),
        ],
        0..80,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn render(title: &str, author: &str, source: &str) -> String {
    let run_time = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    Post::new(
        post::Fields {
            title,
            link: "https://e.example/a",
            author: Some(author),
            published: None,
            content: "<p>x</p>".into(),
        },
        &post::Context {
            source_name: source,
            extra_tags: &["extra, tag".to_string()],
            author_override: None,
            run_time,
        },
    )
    .render()
}

proptest! {
    // Failures are saved next to this file so a case CI found is replayed
    // first on every later run.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/properties.proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn front_matter_reads_back_exactly(title in any_text(), author in any_text(), source in any_text()) {
        prop_assume!(!clean_line(&source).is_empty());
        let text = render(&title, &author, &source);
        let fm = &text[4..text[4..].find("\n---\n").unwrap() + 5];
        let docs = yaml_rust2::YamlLoader::load_from_str(fm).map_err(|e| TestCaseError::fail(format!("{e}\n{fm}")))?;
        let doc = &docs[0];
        let expect_title = { let t = clean_line(&title); if t.is_empty() { "x".to_string() } else { t } };
        let expect_author = { let a = clean_line(&author); if a.is_empty() { clean_line(&source) } else { a } };
        prop_assert_eq!(doc["title"].as_str(), Some(expect_title.as_str()), "{}", fm);
        prop_assert_eq!(doc["author"].as_str(), Some(expect_author.as_str()), "{}", fm);
        let tag = clean_line(&source);
        prop_assert_eq!(doc["tags"][0].as_str(), Some(tag.as_str()), "{}", fm);
        prop_assert_eq!(doc["tags"][1].as_str(), Some("extra, tag"), "{}", fm);
        prop_assert_eq!(doc["categories"][0].as_str(), Some(tag.as_str()), "{}", fm);
        prop_assert_eq!(doc["from"].as_str(), Some("https://e.example/a"), "{}", fm);
    }

    #[test]
    fn file_names_are_safe(title in any_text(), n in 1u32..20) {
        let date = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let name = post::with_suffix(&post::file_name(date, &clean_line(&title), || "deadbeef"), n);
        prop_assert!(name.len() <= 255, "{}", name);
        prop_assert!(name.starts_with("2024-01-01-") && name.ends_with(".md"), "{}", name);
        prop_assert!(!name.chars().any(|c| c.is_control() || "/\\:*?\"<>|".contains(c)), "{:?}", name);
        let stem = &name[11..name.len() - 3];
        prop_assert!(!stem.is_empty() && !stem.starts_with('.') && !stem.ends_with(['.', ' ']), "{:?}", name);
    }

    #[test]
    fn sanitised_html_has_nothing_executable(
        parts in prop::collection::vec(prop::sample::select(vec![
            "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">a</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">b</a>", "<a href=\"&#106;avascript:alert(1)\">c</a>", "<iframe src=\"https://evil.example/\"></iframe>",
            "<svg onload=alert(1)><script>alert(1)</script></svg>", "<style>body{background:url(javascript:alert(1))}</style>",
            "<div style=\"width:expression(alert(1))\">d</div>", "<form action=/x><input></form>", "<object data=x></object>",
            "<embed src=x>", "<base href=\"https://evil.example/\">", "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
            "<img src=\"data:text/html,<script>alert(1)</script>\">", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">", "<p>text</p>", "<img data-src=\"/a.jpg\">", "<",
            "<!--", "-->", "<![CDATA[", "\"", "'", ">", "<textarea>", "</textarea>", "<a href=\"vbscript:x\">v</a>",
        ]), 0..12)
    ) {
        let html: String = parts.concat();
        let base = url::Url::parse("https://e.example/a/").unwrap();
        let out = newsmirror::sanitize::sanitize(&html, Some(&base));
        let problems = newsmirror::sanitize::audit(&out);
        prop_assert!(problems.is_empty(), "{:?} in {}\nfrom {}", problems, out, html);
    }
}
