//! Extraction speed, and the articles for `bench/extract-eval.sh` to score:
//! decode, extract and sanitise each page as a run does (the site's
//! built-in rules included), several times, and report the per-page median.
//!
//! Pages come from Mozilla Readability's test pages (`EXTRACT_PAGES=DIR`,
//! default `../shared/corpus/extraction/mozilla-readability/test/test-pages`)
//! or from a manifest (`EXTRACT_MANIFEST=FILE`, lines `<name>\t<path>\t<url>`,
//! as `bench/extract-eval.sh` writes for trafilatura's evaluation set).
//! With `EXTRACT_OUT=DIR`, each page's article goes to `DIR/<name>.html`
//! (Mozilla) or `DIR/<name>.txt` as plain text (manifest), and the timings
//! to `DIR/times.txt`. `EXTRACT_ROUNDS=N` sets the rounds (default 7).
//!
//! `cargo bench --bench extract`

use std::path::PathBuf;
use std::time::Instant;

use newsmirror::{extract, sanitize};

struct Page {
    name: String,
    path: PathBuf,
    url: Option<url::Url>,
}

fn main() {
    let rounds: usize = std::env::var("EXTRACT_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(7).max(1);
    let out = std::env::var_os("EXTRACT_OUT").map(PathBuf::from);
    let (pages, as_text) = match std::env::var_os("EXTRACT_MANIFEST") {
        Some(m) => (manifest(&PathBuf::from(m)), true),
        None => (mozilla_pages(), false),
    };
    if pages.is_empty() {
        eprintln!("skipping: no pages found");
        return;
    }
    let rules = extract::RuleSet::default();
    let mut medians = Vec::new();
    let mut times = String::new();
    for page in &pages {
        let Ok(bytes) = std::fs::read(&page.path) else { continue };
        let site_rules = page.url.as_ref().and_then(|u| rules.for_link(u));
        let mut samples = Vec::with_capacity(rounds);
        let mut article = String::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let (html, _) = extract::decode_page(&bytes, None);
            article = match extract::extract_page(&html, page.url.as_ref(), site_rules) {
                Ok(a) => sanitize::sanitize(&a.html, page.url.as_ref()),
                Err(_) => String::new(),
            };
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        samples.sort_by(f64::total_cmp);
        let median = samples[rounds / 2];
        medians.push(median);
        times.push_str(&format!("{} {median:.3}\n", page.name));
        if let Some(out) = &out {
            let _ = std::fs::create_dir_all(out);
            if as_text {
                let _ = std::fs::write(out.join(format!("{}.txt", page.name)), extract::plain_text(&article));
            } else {
                let _ = std::fs::write(out.join(format!("{}.html", page.name)), &article);
            }
        }
    }
    if let Some(out) = &out {
        let _ = std::fs::write(out.join("times.txt"), &times);
    }
    let mean = medians.iter().sum::<f64>() / medians.len() as f64;
    let mut sorted = medians.clone();
    sorted.sort_by(f64::total_cmp);
    let p = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "extract: {} pages, per page (median of {rounds} rounds): mean {mean:.2} ms, median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        medians.len(),
        p(0.5),
        p(0.9),
        p(1.0)
    );
}

fn mozilla_pages() -> Vec<Page> {
    let dir = std::env::var_os("EXTRACT_PAGES").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/extraction/mozilla-readability/test/test-pages")
    });
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.join("source.html").is_file()).collect();
    dirs.sort();
    // The test pages' own address: their relative links resolve against it.
    let base = url::Url::parse("http://fakehost/test/page.html").ok();
    dirs.into_iter()
        .map(|d| Page {
            name: d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            path: d.join("source.html"),
            url: base.clone(),
        })
        .collect()
}

fn manifest(file: &PathBuf) -> Vec<Page> {
    let Ok(text) = std::fs::read_to_string(file) else { return Vec::new() };
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let name = parts.next()?.to_string();
            let path = PathBuf::from(parts.next()?);
            // Entries without a web address ("hard::...") get none, as a page
            // a run fetches always has one.
            let url =
                parts.next().and_then(|u| url::Url::parse(u).ok()).filter(|u| matches!(u.scheme(), "http" | "https"));
            Some(Page { name, path, url })
        })
        .collect()
}
