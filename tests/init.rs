//! `newsmirror init`: a new mirror that runs, builds, and (with --jekyll)
//! builds with Debian's Jekyll to the same post URLs.

mod common;

use common::*;

const SEED: &str = "2023-01-31-北約秘書長訪日 強調支援烏克蘭重要性.md";
const URL_FILE: &str = "2023-01-31/北約秘書長訪日-強調支援烏克蘭重要性.html";

/// `init --jekyll` into a temporary directory, with the seed post in it.
fn scaffold() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("mirror");
    let out = newsmirror(&["init", site.to_str().unwrap(), "--jekyll"]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::copy(fixture("seed/000_ccd9b382a023a351.txt"), site.join("_posts").join(SEED)).unwrap();
    (dir, site)
}

#[test]
fn init_scaffolds_a_mirror_that_builds_with_newsmirror() {
    let (_dir, site) = scaffold();
    for f in ["newsmirror.toml", ".gitignore", ".github/workflows/mirror.yml", "_config.yml", "_layouts/post.html"] {
        assert!(site.join(f).is_file(), "{f}");
    }
    let workflow = std::fs::read_to_string(site.join(".github/workflows/mirror.yml")).unwrap();
    for step in ["cron:", "newsmirror run --site . --push", "GITHUB_TOKEN", "newsmirror build", "deploy-pages"] {
        assert!(workflow.contains(step), "{step}");
    }
    // A second init keeps what is there.
    let again = newsmirror(&["init", site.to_str().unwrap()]);
    assert!(text(&again).contains("kept") && !text(&again).contains("created"), "{}", text(&again));
    let built = newsmirror(&["build", "--site", site.to_str().unwrap()]);
    assert!(built.status.success(), "{}", text(&built));
    assert!(site.join("_site").join(URL_FILE).is_file());
}

#[test]
#[cfg_attr(not(nm_jekyll), ignore = "needs jekyll (Debian's package)")]
fn init_scaffolds_a_mirror_that_jekyll_builds_to_the_same_urls() {
    let (dir, site) = scaffold();
    let jekyll_out = dir.path().join("jekyll-site");
    let j = std::process::Command::new("jekyll")
        .args(["build", "--source", site.to_str().unwrap(), "--destination", jekyll_out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(j.status.success(), "jekyll build failed:\n{}", text(&j));
    let page = std::fs::read_to_string(jekyll_out.join(URL_FILE)).unwrap();
    assert!(page.contains("北約秘書長訪日 強調支援烏克蘭重要性") && page.contains("（中央社東京31日綜合外電報導）"));
}
