//! Any HTML sanitises without panicking, and what comes out has no element
//! or attribute a browser would execute.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    let base = url::Url::parse("https://e.example/a/").ok();
    let out = newsmirror::sanitize::audit(&newsmirror::sanitize::sanitize(html, base.as_ref()));
    assert!(out.is_empty(), "{out:?} survived sanitising {html:?}");
});
