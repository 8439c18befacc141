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

use std::hash::Hash;
use std::io::Write;
use std::ops::Range;

use rayon::prelude::*;

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

/// `text` as the tokeniser reads it: tokens are then ranges of one string,
/// not a fresh allocation each (a segment has millions of them).
fn lowered(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    s.extend(text.chars().flat_map(char::to_lowercase));
    s
}

/// The byte range of every token of lower-cased `text`, repeats included,
/// in order.
fn each_token(text: &str, mut emit: impl FnMut(Range<usize>)) {
    // The CJK run: where it starts, its length in characters, where its
    // last character starts. A word: where it starts and its length.
    let mut run: Option<(usize, usize, usize)> = None;
    let mut word: Option<(usize, usize)> = None;
    let end_run = |run: &mut Option<(usize, usize, usize)>, at: usize, emit: &mut dyn FnMut(Range<usize>)| {
        if let Some((start, 1, _)) = run.take() {
            emit(start..at);
        }
    };
    let end_word = |word: &mut Option<(usize, usize)>, at: usize, emit: &mut dyn FnMut(Range<usize>)| {
        if let Some((start, n)) = word.take()
            && n >= 2
        {
            emit(start..at);
        }
    };
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            end_word(&mut word, i, &mut emit);
            run = Some(match run {
                Some((start, n, last)) => {
                    emit(last..i + c.len_utf8());
                    (start, n + 1, i)
                }
                None => (i, 1, i),
            });
        } else if c.is_alphanumeric() {
            end_run(&mut run, i, &mut emit);
            word = Some(word.map_or((i, 1), |(start, n)| (start, n + 1)));
        } else {
            end_run(&mut run, i, &mut emit);
            end_word(&mut word, i, &mut emit);
        }
    }
    end_run(&mut run, text.len(), &mut emit);
    end_word(&mut word, text.len(), &mut emit);
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
        let base = s * SEGMENT;
        for (shard, json) in shard_files(seg, base, shards).into_iter().enumerate() {
            out.produce(&format!("search/s{s}/{shard:02x}.json"), signature(&json), || Ok(json));
        }
        segments.push(serde_json::json!({ "shards": shards, "v": version }));
    }
    let mut chunks = Vec::new();
    for (c, chunk) in docs.chunks(DOC_CHUNK).enumerate() {
        // Signed by its documents, so an unchanged chunk is not even
        // serialised: at 100,000 posts that was most of the index's time.
        let sig = signature(chunk);
        out.produce(&format!("search/docs/{c}.json"), sig, || {
            let rows: Vec<[&str; 4]> = chunk.iter().map(|d| [d.title, d.url, d.date.as_str(), d.source]).collect();
            serde_json::to_vec(&rows).map_err(|e| e.to_string())
        });
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

/// The shard files of one segment whose first post is number `base`: each a
/// JSON object, keys in byte order, of token → ascending post numbers.
/// Tokenising and each shard run in parallel; tokens stay slices of the
/// lower-cased texts, so a segment of random CJK text (millions of distinct
/// bigrams) costs no allocation per token.
fn shard_files(seg: &[Doc], base: usize, shards: u32) -> Vec<Vec<u8>> {
    let texts: Vec<String> = seg.par_iter().map(|d| lowered(&format!("{} {}", d.title, d.excerpt))).collect();
    // Each run of posts fills its own buckets (one per shard) in parallel;
    // each shard then gathers its buckets and sorts them, also in parallel.
    // Sorting per shard, not all rows at once, keeps each sort small. A
    // token is kept as (post, start, end) in the post's text: 12 bytes
    // where a slice and a number take 24, and a segment of real posts has
    // over a million tokens before duplicates go.
    let run = texts.len().div_ceil(4 * rayon::current_num_threads()).max(1);
    let parts: Vec<Vec<Vec<(u32, u32, u32)>>> = texts
        .par_chunks(run)
        .enumerate()
        .map(|(r, chunk)| {
            let mut buckets = vec![Vec::new(); shards as usize];
            for (j, text) in chunk.iter().enumerate() {
                let Ok(post) = u32::try_from(r * run + j) else { continue };
                each_token(text, |t| {
                    // Only a title of gigabytes would not fit; it is not indexed past that.
                    if let (Ok(start), Ok(end)) = (u32::try_from(t.start), u32::try_from(t.end)) {
                        buckets[(fnv1a(&text[t]) % shards) as usize].push((post, start, end));
                    }
                });
            }
            buckets
        })
        .collect();
    (0..shards as usize)
        .into_par_iter()
        .map(|shard| {
            // Sorted by the token's first 8 bytes as a number first: most
            // tokens (a CJK pair is 6 bytes) differ there, and comparing
            // numbers is far cheaper than comparing strings.
            let mut bucket: Vec<(u64, &str, u32)> = parts
                .iter()
                .flat_map(|p| p[shard].iter())
                .map(|&(post, start, end)| {
                    let t = &texts[post as usize][start as usize..end as usize];
                    (prefix(t), t, post)
                })
                .collect();
            bucket.sort_unstable();
            // A token twice in one post lists the post once.
            bucket.dedup();
            bucket
        })
        .map(|bucket| {
            let mut json = Vec::with_capacity(bucket.len() * 12 + 2);
            json.push(b'{');
            let mut last: Option<&str> = None;
            for (_, t, post) in bucket {
                if last == Some(t) {
                    json.push(b',');
                } else {
                    if last.is_some() {
                        json.extend_from_slice(b"],");
                    }
                    // serde_json's escaping of a string is infallible into a Vec.
                    let _ = serde_json::to_writer(&mut json, t);
                    json.extend_from_slice(b":[");
                    last = Some(t);
                }
                let _ = write!(json, "{}", base + post as usize);
            }
            if last.is_some() {
                json.push(b']');
            }
            json.push(b'}');
            json
        })
        .collect()
}

/// The first 8 bytes of `token`, zero-padded, big-endian: ordered as the
/// tokens' bytes are (no token holds a NUL, so padding sorts first like
/// the end of a shorter string), ties left to the whole token.
fn prefix(token: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = token.len().min(8);
    b[..n].copy_from_slice(&token.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `text`, each once, in order of first appearance: the
    /// index's contract as `search.js` reads it, which `shard_files` must match.
    fn tokens(text: &str) -> Vec<String> {
        let lower = lowered(text);
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        each_token(&lower, |r| {
            let t = &lower[r];
            if seen.insert(t) {
                out.push(t.to_string());
            }
        });
        out
    }

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

    #[test]
    fn shard_files_are_the_json_of_each_shard_s_token_map() {
        let texts = [
            ("北約秘書長", "北約 NATO nato İstanbul 中 x,y 北約"),
            ("Stoltenberg", "秘書長 C-2運輸機 \"quoted\" \\ back"),
            ("", ""),
            ("中 中", "ß ǅ Ⅻ 𠀀𠀁"),
            ("stoltenbergs stolten", "stoltenberg abcdefghij abcdefghi abcdefgh 北約秘書長訪日"),
        ];
        let docs: Vec<Doc> = texts
            .iter()
            .map(|(title, excerpt)| Doc { title, excerpt, url: "/x", date: String::new(), source: "s" })
            .collect();
        for shards in [1, 2, 8] {
            let mut maps: Vec<std::collections::BTreeMap<String, Vec<usize>>> =
                vec![Default::default(); shards as usize];
            for (i, d) in docs.iter().enumerate() {
                for t in tokens(&format!("{} {}", d.title, d.excerpt)) {
                    maps[(fnv1a(&t) % shards) as usize].entry(t).or_default().push(40 + i);
                }
            }
            let want: Vec<Vec<u8>> = maps.iter().map(|m| serde_json::to_vec(m).unwrap()).collect();
            assert_eq!(shard_files(&docs, 40, shards), want);
        }
    }
}
