//! The rule behind `RENDER_VERSION`: whenever the same posts and theme
//! render to different bytes, the version goes up, so every site built by
//! an older binary is rendered again (build signatures hold the version,
//! not the binary's identity). This test builds a fixed site and compares a
//! hash of every output file with the one recorded for the current version
//! in `tests/fixtures/render-version.txt`.

mod common;

use std::path::Path;

use common::*;

fn site_hash(out: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(out).unwrap().to_string_lossy().into_owned();
                files.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    files.sort();
    format!("{:016x}", newsmirror::site::output::signature(&files))
}

#[test]
fn output_changes_only_with_a_new_render_version() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::write(site.join("newsmirror.toml"), "[site]\ntitle = \"fixed\"\nurl = \"https://m.example\"\n").unwrap();
    std::fs::copy(fixture("seed/000_ccd9b382a023a351.txt"), site.join("_posts/2023-01-31-seed.md")).unwrap();
    std::fs::write(
        site.join("_posts/2021-01-22-old.md"),
        "---\nlayout: post\ntitle: \"old <b>x</b>\"\ndate: 2021-01-22T02:15:36.000Z\nauthor: a\nfrom: https://e.example/o\ntags: [ old ]\ncategories: [ old ]\n---\n[old](https://e.example/o)\n------\n\n<div><p>t</p><script>x()</script><a href=\"/r\">r</a></div>\n",
    )
    .unwrap();
    let out = newsmirror(&["build", "--site", site.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let hash = site_hash(&site.join("_site"));
    let recorded = read(&fixture("render-version.txt"));
    let (version, expected) = recorded.trim().split_once(' ').expect("VERSION HASH");
    let version: u32 = version.parse().unwrap();
    let current = newsmirror::site::RENDER_VERSION;
    assert!(
        version == current,
        "RENDER_VERSION is {current} but tests/fixtures/render-version.txt records {version}: write \"{current} {hash}\" there"
    );
    assert!(
        expected == hash,
        "the site renders differently ({hash}, recorded {expected}) but RENDER_VERSION is still {current}: \
         bump RENDER_VERSION in src/site/render.rs and write \"{} {hash}\" in tests/fixtures/render-version.txt",
        current + 1
    );
}
