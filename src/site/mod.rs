//! `newsmirror build`: the archive's posts as a complete static site.
//!
//! Stages: find and read posts ([`posts`], reusing [`cache`] for files
//! unchanged since the last build) → order them → render each post page,
//! the lists ([`lists`]), feeds and sitemap ([`feeds`]), the search index
//! ([`search`]), other pages and static files ([`files`]) → [`output`]
//! writes only what changed and deletes what is gone.

mod cache;
pub mod changes;
mod feeds;
mod files;
mod inputs;
pub mod lang;
mod lists;
pub mod output;
pub mod permalink;
pub mod posts;
pub(crate) mod render;
pub mod search;
pub mod serve;
pub mod settings;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use foldhash::HashSetExt;

use minijinja::{Value, context};
use rayon::prelude::*;

use crate::config::SiteSettings;
use cache::Stamp;
pub use lang::Language;
use output::{Output, signature};
use posts::PostMeta;
pub use render::RENDER_VERSION;
use render::Theme;
pub use settings::Settings;

pub struct BuildOptions {
    pub site: PathBuf,
    pub out: PathBuf,
    pub settings: SiteSettings,
}

#[derive(Debug)]
pub struct BuildReport {
    pub posts: usize,
    pub counts: output::Counts,
    /// Files in the post folders Jekyll would not take as posts either.
    pub skipped: Vec<PathBuf>,
    /// Posts whose URL another post already had; they got a `-2`… suffix.
    pub url_clashes: Vec<String>,
    /// Post files that could not be read (`path: error`): left out of this
    /// build, and said so.
    pub unreadable: Vec<String>,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{0}")]
    Settings(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the build could not write everything:\n  {}", .0.join("\n  "))]
    Output(Vec<String>),
}

/// One post ready for pages: its metadata and where it stands.
pub struct Entry {
    pub meta: PostMeta,
    pub stamp: Stamp,
    /// URL with the base URL, escaped: what links use.
    pub url: String,
    /// Output file relative to the output directory.
    pub file: String,
    pub source_slug: String,
    /// Everything a list shows of the post (its source too, which a URL
    /// need not name), hashed once: a post is on three lists.
    pub list_sig: output::Signature,
}

/// Everything the page renderers share.
pub struct Ctx<'a> {
    pub settings: &'a Settings,
    pub theme: &'a Theme,
    pub out: &'a Output,
    /// Theme and settings: every page depends on both.
    pub fingerprint: u64,
    pub site_value: Value,
    /// What re-checks found about the originals (`site::changes`).
    pub changes: &'a changes::Changes,
}

impl Ctx<'_> {
    pub fn base(&self) -> &str {
        &self.settings.baseurl
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings.baseurl, permalink::escape_path(path))
    }

    pub fn shown(&self, e: &Entry) -> String {
        let offset = self.settings.display_zone.offset_at(e.meta.date);
        e.meta.date.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string()
    }

    pub fn source_url(&self, slug: &str) -> String {
        self.url(&format!("/sources/{slug}/"))
    }
}

/// Markdown with inline HTML as the site renders it (unsanitised): for
/// tests and tools that check what a Markdown reader makes of a file.
pub fn markdown_to_html(text: &str) -> String {
    render::markdown(text)
}

pub fn build(opts: &BuildOptions) -> Result<BuildReport, SiteError> {
    let started = Instant::now();
    let settings = Settings::load(&opts.site, &opts.settings).map_err(SiteError::Settings)?;
    let theme = Theme::load(&opts.site).map_err(SiteError::Settings)?;
    let state = opts.site.join(".newsmirror");

    let mut dirs = vec!["_posts"];
    if settings.archived {
        dirs.push("archived");
    }
    let (files, skipped) = posts::discover(&opts.site, &dirs);
    let stamps: Vec<Option<(String, Stamp)>> = files
        .par_iter()
        .zip(cache::stamps(&files))
        .map(|(path, stamp)| {
            let rel = posts::rel(&opts.site, path);
            Some((rel, stamp?))
        })
        .collect();
    let pages = files::find(&opts.site, &opts.out, &settings);
    tracing::debug!(elapsed = ?started.elapsed(), files = files.len(), "posts found");
    let inputs = signature((
        env!("CARGO_PKG_VERSION"),
        RENDER_VERSION,
        theme.fingerprint,
        format!("{settings:?}"),
        format!("{:?}", opts.settings),
        &stamps,
        &pages,
        changes::stamps(&opts.site),
    ));
    let record = state.join("build-inputs");
    if let Some(done) = unchanged(&record, &opts.out, inputs) {
        tracing::debug!(elapsed = ?started.elapsed(), "nothing changed since the last build");
        return Ok(BuildReport {
            posts: done.posts,
            counts: output::Counts { files: done.files, written: 0, deleted: 0 },
            skipped,
            url_clashes: done.clashes,
            unreadable: Vec::new(),
            elapsed: started.elapsed(),
        });
    }
    inputs::forget(&record).map_err(|source| SiteError::Io { path: record.clone(), source })?;
    let out = Output::open(&opts.out, &state.join("build-manifest"))
        .map_err(|source| SiteError::Io { path: opts.out.clone(), source })?;

    let url_rules = signature((&settings.permalink, format!("{:?}", settings.url_zone)));
    let loaded = cache::load(&state.join("build-posts"), url_rules);
    tracing::debug!(elapsed = ?started.elapsed(), "cache loaded");
    let rows = loaded.as_ref().map(|l| l.rows);
    let rules = posts::UrlRules { permalink: &settings.permalink, zone: settings.url_zone };
    // Take unchanged posts out of the cache (moved, not cloned) and read
    // only the others.
    let mut cached = loaded.map(|l| l.posts).unwrap_or_default();
    let mut read: Vec<(Stamp, PostMeta)> = Vec::with_capacity(files.len());
    let mut stale = Vec::new();
    for (path, found) in files.iter().zip(stamps) {
        let Some((rel, stamp)) = found else { continue };
        match cached.remove(&rel) {
            Some((s, meta)) if s == stamp => read.push((stamp, meta)),
            _ => stale.push((path, stamp)),
        }
    }
    drop(cached);
    let reused = read.len();
    let unreadable = std::sync::Mutex::new(Vec::new());
    let fresh: Vec<(Stamp, PostMeta)> = stale
        .par_iter()
        .filter_map(|(path, stamp)| match std::fs::read(path) {
            Ok(bytes) => Some((*stamp, posts::parse(&opts.site, path, &lossy(bytes), &rules).meta)),
            Err(e) => {
                unreadable.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{}: {e}", path.display()));
                None
            }
        })
        .collect();
    read.extend(fresh);
    let all: Vec<(Stamp, &PostMeta)> = read.iter().map(|(s, m)| (*s, m)).collect();
    if let Err(e) = cache::update(&state.join("build-posts"), url_rules, rows, &all, reused) {
        tracing::warn!(error = %e, "cannot save what this build read of the posts; the next build reads them again");
    }
    drop(all);
    read.sort_by(|a, b| a.1.date.cmp(&b.1.date).then_with(|| a.1.rel.cmp(&b.1.rel)));

    tracing::debug!(elapsed = ?started.elapsed(), posts = read.len(), "posts read");
    let (entries, url_clashes) = entries(read, &settings);
    let fingerprint = signature((
        theme.fingerprint,
        &settings.title,
        &settings.description,
        &settings.baseurl,
        &settings.url,
        format!("{:?}", settings.display_zone),
        settings.per_page,
        format!("{:?}", settings.comments),
        opts.settings.language.tag(),
    ));
    let site_value = Value::from_serialize(serde_json::json!({
        "title": settings.title,
        "description": settings.description,
        "url": settings.url,
        "lang": opts.settings.language.tag(),
    }));
    let changes = changes::Changes::load(&opts.site, opts.settings.language);
    let ctx = Ctx { settings: &settings, theme: &theme, out: &out, fingerprint, site_value, changes: &changes };

    tracing::debug!(elapsed = ?started.elapsed(), "urls");
    let bodies = write_posts(&ctx, &opts.site, &entries, &feeds::members(&entries));
    tracing::debug!(elapsed = ?started.elapsed(), "post pages");
    lists::write_all(&ctx, &entries);
    tracing::debug!(elapsed = ?started.elapsed(), "lists");
    feeds::write_all(&ctx, &opts.site, &entries, &bodies);
    files::write_pages_and_static(&ctx, &opts.site, &pages);
    write_fixed_pages(&ctx);
    changes::write_all(&ctx, &changes, &entries);
    tracing::debug!(elapsed = ?started.elapsed(), "feeds and pages");
    let docs: Vec<search::Doc> = entries
        .iter()
        .map(|e| search::Doc {
            title: &e.meta.title,
            excerpt: &e.meta.excerpt,
            url: &e.url[settings.baseurl.len()..],
            date: {
                use chrono::Datelike;
                let d = e.meta.date;
                format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
            },
            source: &e.meta.source,
        })
        .collect();
    search::write(&out, &docs);
    tracing::debug!(elapsed = ?started.elapsed(), "search");

    let root = out.root().to_string_lossy().into_owned();
    let counts = out.finish().map_err(SiteError::Output)?;
    let unreadable = unreadable.into_inner().unwrap_or_else(|p| p.into_inner());
    // A post that could not be read is tried again next time.
    if unreadable.is_empty() {
        let done = inputs::Record {
            inputs,
            root,
            posts: entries.len(),
            files: counts.files,
            clashes: url_clashes.iter().take(inputs::CLASHES_KEPT).cloned().collect(),
        };
        if let Err(e) = inputs::save(&record, &done) {
            tracing::warn!(path = %record.display(), error = %e, "cannot save the build record; the next build does all its work");
        }
    }
    Ok(BuildReport { posts: entries.len(), counts, skipped, url_clashes, unreadable, elapsed: started.elapsed() })
}

/// The last complete build's record, if it was made from `inputs` into
/// the same output directory, which still has its front page.
fn unchanged(record: &Path, out: &Path, inputs: output::Signature) -> Option<inputs::Record> {
    let done = inputs::load(record).filter(|r| r.inputs == inputs)?;
    let root = std::fs::canonicalize(out).ok()?;
    (root.to_string_lossy() == done.root && root.join("index.html").is_file()).then_some(done)
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(lossy)
}

/// Old posts are not always valid UTF-8: what is valid is kept.
fn lossy(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// `bytes` as text, borrowed when they are UTF-8, as [`lossy`] reads them.
/// encoding_rs's check is several times std's on CJK text, which is most
/// of the build's own records (90 MB at 100,000 posts).
fn lossy_borrowed(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    encoding_rs::UTF_8.decode_without_bom_handling(bytes).0
}

/// URLs and output files; a URL two posts share goes to the earlier one,
/// the later gets `-2`, `-3`… before its extension (Jekyll would silently
/// overwrite one). A URL that names one of the site's own files moves
/// under `/post/` first.
fn entries(mut read: Vec<(Stamp, PostMeta)>, settings: &Settings) -> (Vec<Entry>, Vec<String>) {
    // Each post's file on its own, in parallel; then, in order, which URL
    // each gets (clashes are rare); then the rest of each entry in parallel.
    let placed: Vec<(Option<String>, String, String)> = read
        .par_iter()
        .map(|(_, meta)| {
            let file = permalink::output_file(&meta.path);
            let moved = is_reserved(&file).then(|| format!("/post{}", permalink::sanitize_path(&meta.path)));
            let file = moved.as_deref().map_or(file, permalink::output_file);
            let key = fold_case(&file);
            (moved, file, key)
        })
        .collect();
    let mut taken = foldhash::HashSet::with_capacity(read.len());
    let mut clashes = Vec::new();
    let mut files = Vec::with_capacity(read.len());
    for ((_, meta), (moved, mut file, key)) in read.iter_mut().zip(placed) {
        let original = meta.path.clone();
        if let Some(moved) = moved {
            meta.path = moved;
        }
        if !taken.insert(key) {
            let base = meta.path.clone();
            let mut n = 2;
            loop {
                meta.path = permalink::with_suffix(&base, n);
                file = permalink::output_file(&meta.path);
                if taken.insert(fold_case(&file)) {
                    break;
                }
                n += 1;
            }
        }
        if meta.path != original {
            clashes.push(format!("{} ({} → {})", meta.rel, original, meta.path));
        }
        files.push(file);
    }
    let out = read
        .into_par_iter()
        .zip(files)
        .map(|((stamp, meta), file)| {
            let url = format!("{}{}", settings.baseurl, permalink::escape_path(&meta.path));
            let source_slug = source_slug(&meta.source);
            let list_sig = signature((&url, &meta.title, meta.date.timestamp(), &meta.excerpt, &meta.source));
            Entry { meta, stamp, url, file, source_slug, list_sig }
        })
        .collect();
    (out, clashes)
}

/// `file` as the case-insensitive file systems (macOS, Windows) that serve
/// clones of the site see it. Most post files are ASCII or CJK, which have
/// no case: they skip the Unicode tables.
fn fold_case(file: &str) -> String {
    let caseless = |c: char| {
        matches!(c,
            '\u{2000}'..='\u{206f}' // general punctuation
            | '\u{3000}'..='\u{9fff}' // CJK punctuation, kana, ideographs
            | '\u{ac00}'..='\u{d7af}' // Hangul
            | '\u{ff00}'..='\u{ff20}' | '\u{ff3b}'..='\u{ff40}' | '\u{ff5b}'..='\u{ffef}') // full-width, not letters
    };
    if file.chars().all(|c| c.is_ascii() || caseless(c)) { file.to_ascii_lowercase() } else { file.to_lowercase() }
}

/// Files the site itself writes: a post whose `permalink:` names one (an
/// old post can say `permalink: /assets/newsmirror/search.js`) must not
/// replace it.
fn is_reserved(file: &str) -> bool {
    let f = fold_case(file);
    // Four parts tell them all; a fifth means "more" (`_`).
    let mut split = f.split('/');
    let mut parts = [""; 5];
    let mut len = 0;
    for (slot, part) in parts.iter_mut().zip(&mut split) {
        *slot = part;
        len += 1;
    }
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match &parts[..len] {
        ["index.html" | "404.html" | "robots.txt" | "atom.xml" | "feed.xml"] => true,
        [one] => one.starts_with("sitemap") && one.ends_with(".xml"),
        ["search", ..] => f.ends_with(".json") || f == "search/index.html",
        ["assets", "newsmirror", _] => true,
        ["page", n, "index.html"] => number(n),
        ["sources" | "archive" | "changes", ..] => f.ends_with("index.html") || f.ends_with(".xml"),
        _ => false,
    }
}

pub fn source_slug(source: &str) -> String {
    // A slug is one directory under `sources/`: never `.` or `..`.
    let slug = permalink::slugify_pretty(source);
    let s = slug.trim_matches('.');
    if s.is_empty() { "unknown".into() } else { s.to_string() }
}

fn neighbour(e: Option<&Entry>) -> Value {
    match e {
        Some(e) => context! { url => e.url.clone(), title => e.meta.title.clone() },
        None => Value::from(()),
    }
}

fn post_value(ctx: &Ctx, e: &Entry) -> Value {
    context! {
        title => e.meta.title.clone(),
        url => e.url.clone(),
        source => e.meta.source.clone(),
        source_url => ctx.source_url(&e.source_slug),
        author => e.meta.author.clone(),
        from => if render::is_web_link(&e.meta.from) { e.meta.from.clone() } else { String::new() },
        iso => e.meta.date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        shown => ctx.shown(e),
        excerpt => e.meta.excerpt.clone(),
    }
}

/// One page per post. Its signature covers the file, its neighbours'
/// titles and URLs, the theme and the settings: a new post re-renders
/// itself and the post before it, nothing else. Returns the bodies rendered
/// of the entries `keep` marks (the feeds'), by index.
fn write_posts(ctx: &Ctx, site: &Path, entries: &[Entry], keep: &[bool]) -> HashMap<usize, String> {
    let comments = ctx.settings.comments.as_ref().map(render::comments_block);
    let kept = std::sync::Mutex::new(HashMap::new());
    entries.par_iter().enumerate().for_each(|(i, e)| {
        let prev = i.checked_sub(1).and_then(|p| entries.get(p));
        let next = entries.get(i + 1);
        fn key(n: Option<&Entry>) -> Option<(&str, &str)> {
            n.map(|n| (n.url.as_str(), n.meta.title.as_str()))
        }
        let change = ctx.changes.sig(&e.meta.rel);
        let sig =
            signature((ctx.fingerprint, &e.meta.rel, e.stamp, &e.url, &e.meta.title, key(prev), key(next), change));
        ctx.out.produce(&e.file, sig, || {
            let text = read_text(&site.join(&e.meta.rel)).ok_or("cannot read the post")?;
            let (_, body) = posts::split_front_matter(&text);
            let (html, over) = render::post_body(body, &e.meta.from, ctx.base());
            if let Some(why) = over {
                tracing::warn!(post = %e.meta.rel, "{why}; the page shows its text without markup");
            }
            if keep.get(i) == Some(&true) {
                kept.lock().unwrap_or_else(|p| p.into_inner()).insert(i, html.clone());
            }
            let block = comments.as_deref().filter(|_| e.meta.comments).map(|c| Value::from_safe_string(c.to_string()));
            ctx.theme.render(
                "post.html",
                context! {
                    site => ctx.site_value.clone(),
                    base => ctx.base(),
                    post => post_value(ctx, e),
                    content => Value::from_safe_string(html),
                    prev => neighbour(prev),
                    next => neighbour(next),
                    comments => block,
                    change => ctx.changes.badge(ctx, e),
                },
            )
        });
    });
    kept.into_inner().unwrap_or_else(|p| p.into_inner())
}

fn write_fixed_pages(ctx: &Ctx) {
    let sig = ctx.fingerprint;
    for (file, template) in [("404.html", "404.html"), ("search/index.html", "search.html")] {
        ctx.out.produce(file, sig, || {
            let strings = changes::strings_value(ctx.changes.language);
            ctx.theme
                .render(template, context! { site => ctx.site_value.clone(), base => ctx.base(), strings => strings })
        });
    }
    for (name, text) in &ctx.theme.assets {
        let bytes = text.as_bytes();
        ctx.out.produce(&format!("assets/newsmirror/{name}"), signature(bytes), || Ok(bytes.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fold_case_agrees_with_unicode_lowercase() {
        for name in [
            "dw/2024/03/01/中国-新闻-STORY.html",
            "【异闻观止】法制周末 |河南，“卑劣无耻“-18.html",
            "ＦＵＬＬ-ｗｉｄｔｈ（中央社）.html",
            "Ⅻ-roman-ǅ-Straße-ΣΑΣ.html",
            "한국어-ニュース-ㄅ.html",
        ] {
            assert_eq!(super::fold_case(name), name.to_lowercase(), "{name}");
        }
    }
}
