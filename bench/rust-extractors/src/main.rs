//! Runs `rs-trafilatura`, `trafilatura` (the go-trafilatura port) and
//! `dom_smoothie` alone over a list of pages and writes, per extractor,
//! `OUT/<extractor>/<name>.<ext>` and `OUT/<extractor>/times.txt`
//! ("<name> <median ms>"), the layout `bench/extract_score*.py` read.
//!
//! usage: rust-extractors MANIFEST OUT EXT ROUNDS
//! MANIFEST has lines "<name>\t<path of the HTML page>[\t<url>]"; EXT is `txt`
//! (plain text, for trafilatura's evaluation set) or `html` (for Mozilla's).

use std::path::PathBuf;
use std::time::Instant;

type Extractor = fn(&str, bool) -> String;

fn rs_trafilatura(html: &str, as_html: bool) -> String {
    let options = rs_trafilatura::Options { include_tables: true, ..Default::default() };
    match rs_trafilatura::extract_with_options(html, &options) {
        Ok(r) if as_html => r.content_html.unwrap_or_default(),
        Ok(r) => r.content_text,
        Err(_) => String::new(),
    }
}

fn trafilatura_port(html: &str, as_html: bool) -> String {
    let options = trafilatura::Options::default().with_fallback(true);
    match trafilatura::extract(html, &options) {
        Ok(r) if as_html => r.content_html,
        Ok(r) => r.content_text,
        Err(_) => String::new(),
    }
}

fn dom_smoothie(html: &str, as_html: bool) -> String {
    let Ok(mut r) = dom_smoothie::Readability::new(html, Some("http://fakehost/test/page.html"), None) else {
        return String::new();
    };
    match r.parse() {
        Ok(a) if as_html => a.content.to_string(),
        Ok(a) => a.text_content.to_string(),
        Err(_) => String::new(),
    }
}

/// The page's text: a BOM or a `<meta charset>` in the first 1024 bytes,
/// else chardetng's guess (as browsers do).
fn decode(bytes: &[u8]) -> String {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode(bytes).0.into_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    if let Some(i) = head.find("charset=") {
        let label: String = head[i + 8..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if let Some(enc) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            return enc.decode(bytes).0.into_owned();
        }
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    det.guess(None, chardetng::Utf8Detection::Allow).decode(bytes).0.into_owned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, manifest, out, ext, rounds] = args.as_slice() else {
        eprintln!("usage: rust-extractors MANIFEST OUT EXT ROUNDS");
        std::process::exit(2);
    };
    let rounds: usize = rounds.parse().unwrap_or(1).max(1);
    let as_html = ext == "html";
    let pages: Vec<(String, String)> = std::fs::read_to_string(manifest)
        .expect("manifest")
        .lines()
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let (name, path) = (cols.next()?, cols.next()?);
            Some((name.to_string(), decode(&std::fs::read(path).unwrap_or_default())))
        })
        .collect();
    let extractors: [(&str, Extractor); 3] =
        [("rs-trafilatura", rs_trafilatura), ("trafilatura-rs", trafilatura_port), ("dom_smoothie", dom_smoothie)];
    for (name, f) in extractors {
        let dir = PathBuf::from(out).join(name);
        std::fs::create_dir_all(&dir).expect("output directory");
        let mut times = String::new();
        for (page, html) in &pages {
            let mut samples = Vec::new();
            let mut text = String::new();
            for _ in 0..rounds {
                let started = Instant::now();
                // A panic on one page scores that page as empty, as a crash does.
                text = std::panic::catch_unwind(|| f(html, as_html)).unwrap_or_default();
                samples.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            samples.sort_by(f64::total_cmp);
            times.push_str(&format!("{page} {:.3}\n", samples[samples.len() / 2]));
            let _ = std::fs::write(dir.join(format!("{page}.{ext}")), text);
        }
        std::fs::write(dir.join("times.txt"), times).expect("times");
        eprintln!("{name}: {} pages", pages.len());
    }
}
