//! Any post body, including deep and huge ones built by repeating a short
//! pattern (nested HTML, nested Markdown quotes and lists, megabytes of
//! text): `newsmirror build` finishes with pages or an error, never a
//! crash, a hang or an exhausted memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use newsmirror::site::{BuildOptions, build};

fuzz_target!(|input: (u8, u16, &str, &str, &str)| {
    let (mode, reps, title, unit, tail) = input;
    let n = if unit.is_empty() { 0 } else { (reps as usize).min((16 << 20) / unit.len()) };
    let mut body = String::with_capacity(unit.len() * n + tail.len());
    for _ in 0..n {
        body.push_str(unit);
    }
    body.push_str(tail);
    let dir = std::env::temp_dir().join(format!("newsmirror-fuzz-site-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let posts = dir.join(if mode & 1 != 0 { "archived" } else { "_posts" });
    if std::fs::create_dir_all(&posts).is_err() {
        return;
    }
    let title = title.replace(['\n', '\r'], " ");
    let front = format!(
        "---\nlayout: post\ntitle: \"{}\"\ndate: 2024-01-02 03:04:05 +0800\ntags:\n  - S\ncategories: S\nfrom: https://e.example/a\n---\n",
        title.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let text = [front.as_bytes(), body.as_bytes()].concat();
    if std::fs::write(posts.join("2024-01-02-x.md"), text).is_err() {
        return;
    }
    let settings = newsmirror::config::SiteSettings { archived: Some(mode & 1 != 0), ..Default::default() };
    let _ = build(&BuildOptions { site: dir.clone(), out: dir.join("_site"), settings });
});
