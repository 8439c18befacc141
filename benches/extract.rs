//! Extraction speed on Mozilla Readability's test pages: decode, extract
//! and sanitise each page as a run does, several times, and report the
//! per-page median. With `EXTRACT_OUT=DIR`, also writes each page's article
//! to `DIR/<page>.html` and the timings to `DIR/times.txt` for
//! `bench/extract-eval.sh`, which scores them against other extractors.
//!
//! `cargo bench --bench extract` (pages from `../shared/corpus/extraction/
//! mozilla-readability/test/test-pages`, or `EXTRACT_PAGES=DIR`).

use std::path::PathBuf;
use std::time::Instant;

use newsmirror::{extract, sanitize};

const ROUNDS: usize = 7;

fn main() {
    let pages = std::env::var_os("EXTRACT_PAGES").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus/extraction/mozilla-readability/test/test-pages")
    });
    let out = std::env::var_os("EXTRACT_OUT").map(PathBuf::from);
    let Ok(entries) = std::fs::read_dir(&pages) else {
        eprintln!("skipping: no pages at {}", pages.display());
        return;
    };
    let mut dirs: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.join("source.html").is_file()).collect();
    dirs.sort();
    // The test pages' own address: their relative links resolve against it.
    let base = url::Url::parse("http://fakehost/test/page.html").ok();
    let mut medians = Vec::new();
    let mut times = String::new();
    for dir in &dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Ok(bytes) = std::fs::read(dir.join("source.html")) else { continue };
        let mut samples = Vec::with_capacity(ROUNDS);
        let mut article = String::new();
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let (html, _) = extract::decode_page(&bytes, None);
            article = match extract::extract_page(&html, base.as_ref(), None) {
                Ok(a) => sanitize::sanitize(&a.html, base.as_ref()),
                Err(_) => String::new(),
            };
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        samples.sort_by(f64::total_cmp);
        let median = samples[ROUNDS / 2];
        medians.push(median);
        times.push_str(&format!("{name} {median:.3}\n"));
        if let Some(out) = &out {
            let _ = std::fs::create_dir_all(out);
            let _ = std::fs::write(out.join(format!("{name}.html")), &article);
        }
    }
    if let Some(out) = &out {
        let _ = std::fs::write(out.join("times.txt"), &times);
    }
    if medians.is_empty() {
        eprintln!("no pages found in {}", pages.display());
        return;
    }
    let mean = medians.iter().sum::<f64>() / medians.len() as f64;
    let mut sorted = medians.clone();
    sorted.sort_by(f64::total_cmp);
    let p = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "extract: {} pages, per page (median of {ROUNDS} rounds): mean {mean:.2} ms, median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        medians.len(),
        p(0.5),
        p(0.9),
        p(1.0)
    );
}
