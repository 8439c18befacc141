//! Any HTML sanitises without panicking, and what comes out has no element
//! or attribute a browser would execute.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    // libfuzzer-sys aborts on any panic, even one the code under test
    // catches; sanitize() deliberately catches lol_html's (see its docs), so
    // only panics that escape (they still abort at the harness) are crashes.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|info| eprintln!("{info}"))));
    let base = url::Url::parse("https://e.example/a/").ok();
    let out = newsmirror::sanitize::audit(&newsmirror::sanitize::sanitize(html, base.as_ref()));
    assert!(out.is_empty(), "{out:?} survived sanitising {html:?}");
});
