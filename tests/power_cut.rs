//! Power cuts: a run is killed at a chosen moment, then everything it wrote
//! but never flushed is lost, as a page cache is when the power goes. A
//! small `LD_PRELOAD` shim (compiled here with the system's C compiler)
//! logs the inode of every file `fsync`/`fdatasync` flushed; after the kill
//! every post whose inode was never flushed is cut to zero bytes. The next
//! run must leave every item exactly once, whole.
//!
//! The model covers file data; losing a directory entry or SQLite's last
//! commits (WAL with `synchronous = NORMAL`) only reopens a journal entry,
//! which the same recovery resolves.

mod common;

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::http::{TestServer, handler, ok};
use common::*;

const ITEMS: usize = 120;
/// Kill points, in milliseconds after the start; a fixed list so the test's
/// length is fixed and a failure replays.
const KILL_AFTER_MS: &[u64] = &[30, 60, 90, 120, 160, 200, 250, 320];

const SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
static void note(int fd) {
    const char *log = getenv("NM_FSYNC_LOG");
    struct stat st;
    if (!log || fstat(fd, &st) != 0) return;
    int out = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (out < 0) return;
    char line[32];
    int n = snprintf(line, sizeof line, "%llu\n", (unsigned long long)st.st_ino);
    if (n > 0) (void)write(out, line, (size_t)n);
    close(out);
}
int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    int r = real(fd);
    if (r == 0) note(fd);
    return r;
}
int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    int r = real(fd);
    if (r == 0) note(fd);
    return r;
}
"#;

fn shim(dir: &Path) -> PathBuf {
    let src = dir.join("fsync_log.c");
    let lib = dir.join("fsync_log.so");
    std::fs::write(&src, SHIM).unwrap();
    let out = Command::new("cc").args(["-shared", "-fPIC", "-O1", "-o"]).arg(&lib).arg(&src).arg("-ldl").output();
    let out = out.expect("a C compiler (cc) builds the fsync shim");
    assert!(out.status.success(), "cc: {}", text(&out));
    lib
}

fn feed() -> TestServer {
    let body = format!("<p>{}</p>", "正文段落，足夠長。".repeat(200));
    let xml = rss_numbered(ITEMS, "文章", "https://e.example/a/", &body);
    TestServer::start(vec![("/f.xml", handler(move |_, _| ok("application/rss+xml", xml.clone())))])
}

/// Cut every post whose data was never flushed, as a power cut would.
fn lose_unflushed(site: &Path, log: &Path) {
    let flushed: HashSet<u64> =
        std::fs::read_to_string(log).unwrap_or_default().lines().filter_map(|l| l.parse().ok()).collect();
    for name in posts(site) {
        let path = site.join("_posts").join(&name);
        let meta = std::fs::metadata(&path).unwrap();
        if !flushed.contains(&meta.ino()) {
            std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
        }
    }
}

#[test]
fn a_power_cut_at_any_moment_leaves_every_item_once_and_whole() {
    let tools = tempfile::tempdir().unwrap();
    let lib = shim(tools.path());
    let server = feed();
    let url = server.url("/f.xml");
    let mut flushes = 0;
    for (round, delay) in KILL_AFTER_MS.iter().enumerate() {
        let site = tempfile::tempdir().unwrap();
        let config = toml_config(site.path(), &[("S", &url)], "sanitize = false");
        let log = tools.path().join(format!("fsync-{round}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
            .args(["run", "--site", site.path().to_str().unwrap(), "--config", config.to_str().unwrap()])
            .env("LD_PRELOAD", &lib)
            .env("NM_FSYNC_LOG", &log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(*delay));
        let _ = child.kill();
        let _ = child.wait();
        lose_unflushed(site.path(), &log);
        flushes += std::fs::read_to_string(&log).unwrap_or_default().lines().count();
        let out = run_site(site.path(), &config);
        assert!(out.status.success(), "round {round}: {}", text(&out));
        let mut links = HashSet::new();
        for name in posts(site.path()) {
            let post = read(&site.path().join("_posts").join(&name));
            assert!(post.ends_with("</div>\n"), "round {round} (kill after {delay} ms): {name} is not whole");
            let link = post.lines().find_map(|l| l.strip_prefix("from: ")).unwrap().to_string();
            assert!(links.insert(link), "round {round}: {name} is a second copy");
        }
        assert_eq!(links.len(), ITEMS, "round {round} (kill after {delay} ms): items lost");
    }
    // The shim saw the run's flushes: without them every post would have
    // been cut (the test fails that way when the store does not flush).
    assert!(flushes > 0, "the fsync shim logged nothing: LD_PRELOAD did not take");
}
