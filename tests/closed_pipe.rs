//! A reader that goes away is not an error: `newsmirror build | head -c1`
//! and `newsmirror parse FEED | head -c1` end quietly with exit code 0, and
//! the build still finishes its work.

mod common;

use std::process::Command;

use common::*;

fn piped(args: &str) -> (Option<i32>, String) {
    let bin = env!("CARGO_BIN_EXE_newsmirror");
    let out = Command::new("bash")
        .arg("-c")
        // pipefail: the status is newsmirror's, not head's; sleep first so
        // head is surely gone before newsmirror writes its second line.
        .arg(format!("set -o pipefail; ('{bin}' {args}; ) | head -c1 >/dev/null"))
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::copy(fixture("seed/000_ccd9b382a023a351.txt"), site.join("_posts/2023-01-31-seed.md")).unwrap();
    // Many lines of output: parse prints every item of a long feed.
    let feed = site.join("f.xml");
    std::fs::write(&feed, rss_numbered(2000, "Item", "https://e.example/", "<p>x</p>")).unwrap();
    let (code, stderr) = piped(&format!("parse '{}'", feed.display()));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{stderr}");
    let (code, stderr) = piped(&format!("build --site '{}' -v", site.display()));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(site.join("_site/index.html").is_file(), "the build finished its work");
}
