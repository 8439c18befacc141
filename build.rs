//! Which test prerequisites this machine has, as `cfg` flags, so a test that
//! needs something outside the repository is reported by the test harness
//! as ignored with its reason (`#[cfg_attr(not(nm_chromium), ignore = "…")]`)
//! instead of passing without running. Under CI (`CI=true`) a missing
//! prerequisite stops the build: CI must run every test.
//!
//! Detection runs when this file, `CI`, `/usr/bin` or `../shared` changes;
//! after adding `../shared` to a clone that had none, `touch build.rs`.

use std::path::Path;

fn main() {
    let checks: [(&str, &str, bool); 6] = [
        ("nm_shared", "../shared beside the checkout", Path::new("../shared/seed").is_dir()),
        ("nm_chromium", "chromium (Debian's package)", on_path("chromium")),
        ("nm_ruby", "ruby (for Psych, Jekyll's YAML parser)", on_path("ruby")),
        ("nm_jekyll", "jekyll (Debian's package)", on_path("jekyll")),
        ("nm_root", "root (to mount file systems for fault tests)", is_root()),
        ("nm_python", "python3 with venv (to verify WARC files with warcio)", has_python_venv()),
    ];
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    let mut missing = Vec::new();
    for (flag, what, present) in checks {
        println!("cargo::rustc-check-cfg=cfg({flag})");
        if present {
            println!("cargo::rustc-cfg={flag}");
        } else {
            missing.push(what);
        }
    }
    if ci && !missing.is_empty() {
        panic!("CI=true but these test prerequisites are missing: {} (.ci/run installs them)", missing.join(", "));
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    if Path::new("/usr/bin").is_dir() {
        println!("cargo::rerun-if-changed=/usr/bin");
    }
    if Path::new("../shared/seed").is_dir() {
        println!("cargo::rerun-if-changed=../shared/seed");
    }
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH").map(|p| std::env::split_paths(&p).any(|dir| dir.join(cmd).is_file())).unwrap_or(false)
}

fn is_root() -> bool {
    // The effective uid, as /proc tells it (no libc dependency for one number).
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

fn has_python_venv() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success())
}
