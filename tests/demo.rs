//! `newsmirror demo`: the first minute of a newcomer, without network.

mod common;

use common::*;

#[test]
fn demo_mirrors_every_sample_and_a_rerun_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("demo");
    let out = newsmirror(&["demo", site.to_str().unwrap()]);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    let names = posts(&site);
    // Every sample source contributed posts, and the report counted them.
    for sample in newsmirror::demo::SAMPLES {
        let tagged = names
            .iter()
            .filter(|n| read(&site.join("_posts").join(n)).contains(&format!("tags: [ {} ]", sample.name)))
            .count();
        assert!(tagged > 0, "no post from {} in {report}", sample.name);
    }
    assert!(report.contains(&format!("{} new posts", names.len())), "{report}");
    // Legacy encodings came through as Chinese text.
    assert!(names.iter().any(|n| n.contains("原军委副主席徐才厚因病身亡")), "GBK: {names:?}");
    assert!(names.iter().any(|n| n.contains("北約秘書長訪日")), "Big5: {names:?}");
    let out = newsmirror(&["demo", site.to_str().unwrap()]);
    assert!(out.status.success() && text(&out).contains("0 new posts"), "{}", text(&out));
    assert_eq!(posts(&site), names);
}

#[test]
fn every_command_has_help() {
    let commands =
        ["run", "demo", "parse", "extract", "build", "serve", "init", "watch", "status", "sources", "import", "export"];
    let mut all = vec![vec!["--help"], vec!["sources", "add", "--help"]];
    all.extend(commands.iter().map(|c| vec![*c, "--help"]));
    for cmd in all {
        let out = newsmirror(&cmd);
        assert!(out.status.success(), "{cmd:?}");
        assert!(text(&out).contains("Usage: newsmirror"), "{cmd:?}: {}", text(&out));
    }
    let out = newsmirror(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
