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
//!   segment with its own index, split by token hash into up to `SHARDS`
//!   files (`s<segment>/<shard>.json`: token → post numbers). A query
//!   fetches one shard per token per segment.
//! - `docs/<chunk>.json`: title, URL, date and source of each `DOC_CHUNK`
//!   posts, fetched only for the hits shown.
//! - `meta.json`: shard counts and content versions, which the script
//!   appends as `?v=` so a browser never mixes a cached old file with new.

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

/// FNV-1a over UTF-8, as `search.js` computes it; a token's shard is
/// this modulo the segment's shard count.
pub fn fnv1a(token: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in token.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Shard files for a segment of `docs` documents: about 64 documents' worth
/// of tokens per file, a power of two up to [`SHARDS`], so a small site
/// has a few files and a full segment 256.
pub fn shards_for(docs: usize) -> u32 {
    (docs.div_ceil(64).next_power_of_two() as u32).clamp(1, SHARDS)
}

/// Write the index for `docs` (oldest first) under `search/`. Files are
/// written only when their content changed: a new post rewrites the shards
/// its tokens fall in, in the newest segment only.
pub fn write(out: &Output, docs: &[Doc]) {
    let mut segments = Vec::new();
    for (s, seg) in docs.chunks(SEGMENT).enumerate() {
        let shards = shards_for(seg.len());
        // Tokenising a segment is the costly part: skip it when none of its
        // documents changed and its files are all there.
        let input = signature(seg);
        let version = format!("{:08x}", input & 0xffff_ffff);
        if out.same_inputs(&format!("search/s{s}"), input)
            && (0..shards).all(|shard| out.keep(&format!("search/s{s}/{shard:02x}.json")))
        {
            segments.push(serde_json::json!({ "shards": shards, "v": version }));
            continue;
        }
        let mut maps: Vec<BTreeMap<String, Vec<usize>>> = vec![BTreeMap::new(); shards as usize];
        for (i, d) in seg.iter().enumerate() {
            let id = s * SEGMENT + i;
            for t in tokens(&format!("{} {}", d.title, d.excerpt)) {
                maps[(fnv1a(&t) % shards) as usize].entry(t).or_default().push(id);
            }
        }
        for (shard, map) in maps.iter().enumerate() {
            let json = serde_json::to_vec(map).unwrap_or_default();
            out.produce(&format!("search/s{s}/{shard:02x}.json"), signature(&json), || Ok(json));
        }
        segments.push(serde_json::json!({ "shards": shards, "v": version }));
    }
    let mut chunks = Vec::new();
    for (c, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        let rows: Vec<[&str; 4]> = chunk.iter().map(|d| [d.title, d.url, d.date.as_str(), d.source]).collect();
        let json = serde_json::to_vec(&rows).unwrap_or_default();
        let sig = signature(&json);
        out.produce(&format!("search/docs/{c}.json"), sig, || Ok(json));
        chunks.push(format!("{:08x}", sig & 0xffff_ffff));
    }
    let meta = serde_json::json!({
        "count": docs.len(),
        "segment": SEGMENT,
        "doc_chunk": DOC_CHUNK,
        "segments": segments,
        "chunks": chunks,
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
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!((shards_for(1), shards_for(64), shards_for(65), shards_for(20_000)), (1, 1, 2, 256));
    }
}
