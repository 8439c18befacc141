//! Debian's Chromium, headless, for tests that look at the built site as a
//! reader's browser does; it contacts nothing but 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

pub struct Serve(pub Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Run Chromium on `url` with `mode` (`--dump-dom` or `--screenshot=…`);
/// returns stdout and the console messages it logged.
pub fn browse(browser: &Path, profile: &Path, url: &str, mode: &str) -> (String, Vec<String>) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=412,915",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg(url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = stderr.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// `newsmirror serve` on an ephemeral port of 127.0.0.1; the base URL it
/// printed (without a trailing `/`).
pub fn serve_site(site: &Path) -> (Serve, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
        .args(["serve", "--site", site.to_str().unwrap(), "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let serve = Serve(child);
    let base = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.strip_prefix("serving ") {
            break rest.split(' ').next().unwrap().trim_end_matches('/').to_string();
        }
    };
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    (serve, base)
}
