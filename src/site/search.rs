//! The offline search index: static JSON files `search.js` reads.
//!
//! Text is cut into tokens that work for Chinese without a dictionary: each
//! pair of adjacent CJK characters (a lone one stands for itself), and
//! lower-cased words elsewhere. What is indexed is the title and the first
//! characters of each post (its excerpt): a full-text index of 100,000
//! articles would not fit a phone.
//!
//! Layout, so a phone downloads only what a query needs and a build after
//! new posts rewrites only what changed:
//! - posts, oldest first, are numbered; every `SEGMENT` of them form a
//!   segment with its own index, split into `SHARDS` files by token hash
//!   (`s<segment>-<version>/<shard>.json`: token → post numbers). A query
//!   fetches one shard per token per segment.
//! - `docs/<chunk>-<version>.json`: title, URL, date and source of each
//!   `DOC_CHUNK` posts, fetched only for the hits shown.
//! - `meta.json`: the segment and chunk versions (content hashes), so a
//!   cached old file is never mixed with a new one.

use std::collections::BTreeMap;
use std::hash::Hash;

use super::output::{Output, signature};

pub const SEGMENT: usize = 20_000;
pub const SHARDS: u32 = 256;
pub const DOC_CHUNK: usize = 1_000;

/// One post as the index knows it.
#[derive(Hash)]
pub struct Doc<'a> {
    pub title: &'a str,
    pub excerpt: &'a str,
    /// URL path under the base URL.
    pub url: &'a str,
    pub date: String,
    pub source: &'a str,
}

pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

/// The tokens of `text`, each once, in order of first appearance.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        if run.len() == 1 {
            out.push(run[0].to_string());
        }
        for pair in run.windows(2) {
            out.push(pair.iter().collect());
        }
        run.clear();
    };
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if word.chars().count() >= 2 {
            out.push(std::mem::take(word));
        }
        word.clear();
    };
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.push(c);
        } else {
            flush_run(&mut run, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_run(&mut run, &mut out);
    flush_word(&mut word, &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// FNV-1a over UTF-8, as `search.js` computes it.
pub fn shard_of(token: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in token.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % SHARDS
}

/// Write the index for `docs` (oldest first) under `search/`.
pub fn write(out: &Output, docs: &[Doc], theme: u64) {
    let mut segment_versions = Vec::new();
    for (s, seg) in docs.chunks(SEGMENT).enumerate() {
        let version = signature((seg, theme)) & 0xffff_ffff;
        segment_versions.push(format!("{version:08x}"));
        let dir = format!("search/s{s}-{version:08x}");
        // Shard files of an unchanged segment are all fresh, or none is.
        if out.is_fresh(&format!("{dir}/00.json"), version) {
            for shard in 1..SHARDS {
                out.is_fresh(&format!("{dir}/{shard:02x}.json"), version);
            }
            continue;
        }
        let mut shards: Vec<BTreeMap<String, Vec<usize>>> = vec![BTreeMap::new(); SHARDS as usize];
        for (i, d) in seg.iter().enumerate() {
            let id = s * SEGMENT + i;
            let text = format!("{} {}", d.title, d.excerpt);
            for t in tokens(&text) {
                shards[shard_of(&t) as usize].entry(t).or_default().push(id);
            }
        }
        for (shard, map) in shards.iter().enumerate() {
            let json = serde_json::to_vec(map).unwrap_or_default();
            out.write(&format!("{dir}/{shard:02x}.json"), version, &json);
        }
    }
    let mut doc_versions = BTreeMap::new();
    for (c, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        let version = signature(chunk) & 0xffff_ffff;
        doc_versions.insert(c.to_string(), format!("{version:08x}"));
        out.produce(&format!("search/docs/{c}-{version:08x}.json"), version, || {
            let rows: Vec<[&str; 4]> = chunk.iter().map(|d| [d.title, d.url, d.date.as_str(), d.source]).collect();
            serde_json::to_vec(&rows).map_err(|e| e.to_string())
        });
    }
    let meta = serde_json::json!({
        "count": docs.len(),
        "shards": SHARDS,
        "segment": SEGMENT,
        "doc_chunk": DOC_CHUNK,
        "segments": segment_versions,
        "doc_versions": doc_versions,
    });
    let bytes = serde_json::to_vec(&meta).unwrap_or_default();
    out.produce("search/meta.json", signature(&bytes), || Ok(bytes.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_in_bigrams_latin_in_words() {
        assert_eq!(tokens("北約秘書長"), vec!["北約", "約秘", "秘書", "書長"]);
        assert_eq!(tokens("NATO 秘書長 Stoltenberg, a"), vec!["nato", "秘書", "書長", "stoltenberg"]);
        assert_eq!(tokens("中"), vec!["中"]);
        assert_eq!(tokens("C-2運輸機"), vec!["運輸", "輸機"]);
    }

    #[test]
    fn shards_match_the_script_s_fnv1a() {
        // FNV-1a 32 of "a" is 0xe40c292c.
        assert_eq!(shard_of("a"), 0xe40c_292c % SHARDS);
    }
}
