//! Any HTML sanitises without panicking, and what comes out has no element
//! or attribute a browser would execute.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let base = url::Url::parse("https://e.example/a/").ok();
    let out = newsmirror::sanitize::sanitize(html, base.as_ref());
    let lower = out.to_ascii_lowercase();
    // ammonia escapes `<` in text, so a literal `<script` can only be a tag.
    for tag in ["<script", "<iframe src=\"javascript", "<object", "<embed", "<form", "<style", "<svg", "<base", "<meta"] {
        assert!(!lower.contains(tag), "{tag} in {out}");
    }
    for attr in [" onerror=", " onload=", " onclick=", " style=", "href=\"javascript:", "src=\"javascript:", "src=\"data:"] {
        assert!(!lower.contains(attr), "{attr} in {out}");
    }
});
