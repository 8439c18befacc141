//! Any article page and any feed content, including deep and huge ones built
//! by repeating a short pattern (30,000 nested `<span>`, megabytes of
//! `<div>`): the per-item pipeline (bounds, cleanup, extraction,
//! sanitising) returns content or a note, never crashes, hangs or runs out
//! of memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use newsmirror::config::Source;
use newsmirror::extract::{RuleSet, Rules};
use newsmirror::feed::{BodyKind, Item};
use newsmirror::fetch::{Body, Validators};
use newsmirror::pipeline::content;

fuzz_target!(|input: (u8, u16, &str, &str, &str)| {
    let (mode, reps, head, unit, tail) = input;
    let html = amplify(mode, reps, head, unit, tail);
    let mut source = Source::with_defaults("S".into(), "https://e.example/feed".into());
    if mode & 0x10 != 0 {
        source.rules = Rules::new(&["article", ".content p"], &[".ad", "p:contains(\"Subscribe\")"]).ok();
    }
    let rules = RuleSet::default();
    let link = url::Url::parse("https://e.example/a/1").ok();
    // The page as feed content, then as the item's article page.
    let item = Item {
        guid: None,
        title: "t".into(),
        link: link.as_ref().map(|l| l.to_string()),
        author: None,
        published: None,
        body: if mode & 0x20 != 0 { html.clone() } else { "A summary.".into() },
        body_kind: if mode & 0x40 != 0 { BodyKind::Text } else { BodyKind::Html },
    };
    let (mut draft, _notes) = content::draft(&item, link.as_ref(), &source, &rules);
    draft.page = link.clone();
    let page = Body {
        bytes: html.into_bytes(),
        charset: (mode & 0x80 != 0).then(|| "gbk".to_string()),
        content_type: Some("text/html".into()),
        validators: Validators::default(),
        final_url: "https://e.example/a/1".into(),
    };
    let (draft, _note) = content::with_page(draft, Ok(page), &source, &rules);
    let _ = content::finish(draft, &source);
});

/// `head`, then `unit` repeated up to 65,535 times (capped at 16 MiB, past
/// every bound), then `tail`, in one of a few page shapes.
fn amplify(mode: u8, reps: u16, head: &str, unit: &str, tail: &str) -> String {
    let n = if unit.is_empty() { 0 } else { (reps as usize).min((16 << 20) / unit.len()) };
    let mut s = String::with_capacity(head.len() + unit.len() * n + tail.len() + 64);
    if mode & 1 != 0 {
        s.push_str("<!doctype html><html><head><title>x</title></head><body><article>");
    }
    s.push_str(head);
    for _ in 0..n {
        s.push_str(unit);
    }
    s.push_str(tail);
    if mode & 2 != 0 {
        // Close what the units opened, as a page that nests deep but is well formed.
        for _ in 0..n.min(70_000) {
            s.push_str("</div>");
        }
    }
    s
}
