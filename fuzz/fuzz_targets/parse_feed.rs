//! Any bytes, with or without an HTTP charset: the parser returns, never panics or hangs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use newsmirror::feed::{ParseOptions, parse};

fuzz_target!(|data: &[u8]| {
    let (charset, body) = match data.split_first() {
        Some((b, rest)) if b % 4 == 0 => (Some("gbk"), rest),
        Some((b, rest)) if b % 4 == 1 => (Some("big5"), rest),
        Some((_, rest)) => (None, rest),
        None => (None, data),
    };
    if let Ok(feed) = parse(body, &ParseOptions { http_charset: charset, timezone: Some(chrono_tz_shanghai()) }) {
        for item in &feed.items {
            // Every field is usable downstream.
            let _ = newsmirror::text::clean_line(&item.title);
        }
    }
});

fn chrono_tz_shanghai() -> newsmirror::feed::Tz {
    newsmirror::feed::Tz::Asia__Shanghai
}
