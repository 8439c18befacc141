//! Killed runs: SIGKILL at random moments, 30 times, then a run to the end.
//! Every item is written exactly once, no post is partial, no temporary
//! file is left, and the state database is consistent.

mod common;

use std::collections::HashMap;
use std::fs;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::http::{TestServer, handler, ok};
use common::*;

const FEEDS: usize = 40;
const ITEMS: usize = 50;
const KILLS: usize = 30;

fn body(f: usize, i: usize) -> String {
    format!("<p>第 {f} 源第 {i} 篇。</p>{}", "<p>正文段落，足夠長以便寫入需要一點時間。</p>".repeat(20))
}

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn sigkill_at_random_moments_never_loses_or_duplicates_a_post() {
    let visible = Arc::new(AtomicUsize::new(ITEMS));
    let mut routes = Vec::new();
    let paths: Vec<String> = (0..FEEDS).map(|f| format!("/f{f}.xml")).collect();
    for (f, path) in paths.iter().enumerate() {
        let titles: Vec<String> = (0..ITEMS).map(|i| format!("源{f} 第{i}篇")).collect();
        let links: Vec<String> = (0..ITEMS).map(|i| format!("https://e.example/{f}/{i}")).collect();
        let bodies: Vec<String> = (0..ITEMS).map(|i| body(f, i)).collect();
        let items: Vec<It> = (0..ITEMS)
            .map(|i| It {
                title: &titles[i],
                link: &links[i],
                date: Some("Mon, 02 Jan 2023 10:00:00 GMT"),
                body: &bodies[i],
                ..Default::default()
            })
            .collect();
        // One document per number of visible items: the feeds grow between
        // kills, so every run has posts to write when the kill lands.
        let docs: Vec<String> = (0..=ITEMS).map(|n| rss(&items[..n])).collect();
        let visible = visible.clone();
        routes.push((
            path.as_str(),
            handler(move |_, _| ok("application/rss+xml", docs[visible.load(Ordering::SeqCst)].clone())),
        ));
    }
    let server = TestServer::start(routes);
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    let names: Vec<String> = (0..FEEDS).map(|f| format!("S{f}")).collect();
    let sources: Vec<(&str, &str)> = names.iter().zip(&urls).map(|(n, u)| (n.as_str(), u.as_str())).collect();

    // How long a whole run takes here, to spread the kills over it.
    let probe = tempfile::tempdir().unwrap();
    let config = toml_config(probe.path(), &sources, "");
    let started = Instant::now();
    assert!(run_site(probe.path(), &config).status.success());
    let full = started.elapsed().max(Duration::from_millis(50));

    let site = tempfile::tempdir().unwrap();
    let config = toml_config(site.path(), &sources, "");
    let mut rng = Lcg(0x5eed);
    let mut killed_mid_run = 0;
    for round in 0..KILLS {
        visible.store(ITEMS * (round + 1) / (KILLS + 1), Ordering::SeqCst);
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsmirror"))
            .args(["run", "--site", site.path().to_str().unwrap(), "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round % 2 == 0 {
            // Anywhere: connecting, fetching, parsing or writing.
            std::thread::sleep(Duration::from_micros(rng.next() % (full.as_micros() as u64 / 4 + 1)));
        } else {
            // While writing: after a random number of this run's posts.
            let before = posts(site.path()).len();
            let target = before + 1 + (rng.next() as usize % (FEEDS * ITEMS / (KILLS + 1)));
            let deadline = Instant::now() + full;
            while posts(site.path()).len() < target && Instant::now() < deadline && child.try_wait().unwrap().is_none()
            {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    assert!(killed_mid_run >= KILLS / 2, "only {killed_mid_run} kills landed mid-run");

    visible.store(ITEMS, Ordering::SeqCst);
    let out = run_site(site.path(), &config);
    assert!(out.status.success(), "{}", text(&out));

    let mut seen: HashMap<String, usize> = HashMap::new();
    for entry in fs::read_dir(site.path().join("_posts")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".newsmirror-tmp-"), "temporary file left: {name}");
        let text = fs::read_to_string(entry.path()).unwrap();
        assert!(text.starts_with("---\nlayout: post\n") && text.ends_with("</div>\n"), "partial post {name}");
        let link = text.lines().find_map(|l| l.strip_prefix("from: ")).unwrap().to_string();
        *seen.entry(link).or_default() += 1;
    }
    assert_eq!(seen.len(), FEEDS * ITEMS, "every item is written");
    assert!(seen.values().all(|&n| n == 1), "no item is written twice");
    let db = rusqlite::Connection::open(site.path().join(".newsmirror/state.db")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    let (journal, known): (i64, i64) = db
        .query_row("SELECT (SELECT COUNT(*) FROM journal), (SELECT COUNT(*) FROM posts)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((check.as_str(), journal, known), ("ok", 0, (FEEDS * ITEMS) as i64));
    eprintln!(
        "kill test: {KILLS} kills ({killed_mid_run} mid-run) over a {full:?} run; {} posts, each once",
        seen.len()
    );
}
