//! What re-checks found, on the site: a badge on each post whose original
//! was deleted ("原文已删除", with the date it was first seen gone) or
//! edited ("原文已修改 N 次", linking to a page of every version with an
//! inline diff), `/changes/` listing recent deletions and edits with
//! per-source counts, its Atom feed, and `changes/deleted.json` for the
//! search page's "deleted only" filter.
//!
//! Everything comes from `_changes/` through the re-check index; article
//! texts from the network are escaped like any other text.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use similar::{ChangeTag, TextDiff};

use super::output::signature;
use super::render::{escape_attr, escape_text};
use super::{Ctx, Entry, Language};
use crate::recheck::{Gone, Index};

/// One post's changes, as far as the site shows them.
#[derive(Debug, Clone, Hash)]
pub struct PostChange {
    pub deleted_since: Option<i64>,
    pub edits: u32,
    /// Each version: when it was first seen, and its text.
    pub versions: Vec<(i64, String)>,
}

#[derive(Default)]
pub struct Changes {
    pub by_post: HashMap<String, PostChange>,
    pub language: Language,
}

/// The history files and their stamps: what the change pages are made from
/// (the index in `.newsmirror/` is only a cache of them).
pub fn stamps(site: &Path) -> Vec<(String, super::cache::Stamp)> {
    let files = crate::recheck::history::files(site);
    let stamps = super::cache::stamps(&files);
    files
        .iter()
        .zip(stamps)
        .filter_map(|(path, stamp)| {
            Some((path.strip_prefix(site).unwrap_or(path).to_string_lossy().into_owned(), stamp?))
        })
        .collect()
}

/// Entries in `/changes/atom.xml` and in each list of `/changes/`.
const RECENT: usize = 50;

impl Changes {
    /// What the history says; nothing when there is none or it cannot be read.
    pub fn load(site: &Path, language: Language) -> Changes {
        let mut out = Changes { by_post: HashMap::new(), language };
        if !site.join(crate::recheck::history::CHANGES_DIR).is_dir() {
            return out;
        }
        let index = match Index::open(site) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "re-check history unreadable; the site shows no changes");
                return out;
            }
        };
        // Conclusions as the runs recorded them: a deletion one run
        // confirmed stays confirmed, whatever this build's config says.
        let states = match index.states(&|_| i64::MAX) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "re-check history unreadable");
                return out;
            }
        };
        for (post, s) in states {
            let deleted_since = match s.gone {
                Gone::Deleted { since } => Some(since),
                _ => None,
            };
            if deleted_since.is_none() && s.edits == 0 {
                continue;
            }
            let versions = if s.edits > 0 {
                s.versions.iter().map(|(at, h)| (*at, index.text(h).unwrap_or_default())).collect()
            } else {
                Vec::new()
            };
            out.by_post.insert(post, PostChange { deleted_since, edits: s.edits, versions });
        }
        out
    }

    /// A signature of what a post's page shows of its changes.
    pub fn sig(&self, rel: &str) -> u64 {
        match self.by_post.get(rel) {
            Some(c) => signature((self.language.tag(), c.deleted_since, c.edits)),
            None => 0,
        }
    }

    /// The badges of a post page, as HTML.
    pub fn badge(&self, ctx: &Ctx, e: &Entry) -> Option<Value> {
        let c = self.by_post.get(&e.meta.rel)?;
        let s = self.language.strings();
        let mut html = String::from("<p class=\"changes\">");
        if let Some(since) = c.deleted_since {
            html.push_str(&format!(
                "<span class=\"badge deleted\">{}</span> <small>{} {}</small> ",
                s.deleted,
                s.first_seen_gone,
                day(ctx, since)
            ));
        }
        if c.edits > 0 {
            html.push_str(&format!(
                "<a class=\"badge edited\" href=\"{}\">{}</a>",
                escape_attr(&versions_url(ctx, &e.meta.rel)),
                escape_text(&self.language.edited(c.edits))
            ));
        }
        html.push_str("</p>");
        Some(Value::from_safe_string(html))
    }
}

/// The strings fixed pages use (the search page's filter).
pub fn strings_value(language: Language) -> Value {
    context! { only_deleted => language.strings().only_deleted }
}

fn day(ctx: &Ctx, t: i64) -> String {
    let at = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
    at.with_timezone(&ctx.settings.display_zone.offset_at(at)).format("%Y-%m-%d %H:%M").to_string()
}

fn iso(t: i64) -> String {
    DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `changes/<id>/`: an id from the post's file, stable across builds.
fn versions_dir(rel: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(rel.as_bytes());
    format!("changes/{}", crate::recheck::classify::hex(&h[..8]))
}

fn versions_url(ctx: &Ctx, rel: &str) -> String {
    ctx.url(&format!("/{}/", versions_dir(rel)))
}

/// Every page and file of the changes, for the posts being built.
pub fn write_all(ctx: &Ctx, changes: &Changes, entries: &[Entry]) {
    let s = changes.language.strings();
    let by_rel: HashMap<&str, &Entry> = entries.iter().map(|e| (e.meta.rel.as_str(), e)).collect();
    let mut deleted: Vec<(i64, &Entry)> = Vec::new();
    let mut edited: Vec<(i64, &Entry, &PostChange)> = Vec::new();
    let mut per_source: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (rel, c) in &changes.by_post {
        let Some(e) = by_rel.get(rel.as_str()) else { continue };
        let counts = per_source.entry(e.meta.source.as_str()).or_default();
        if let Some(since) = c.deleted_since {
            deleted.push((since, e));
            counts.0 += 1;
        }
        if c.edits > 0 {
            let last = c.versions.last().map_or(0, |v| v.0);
            edited.push((last, e, c));
            counts.1 += 1;
            write_versions(ctx, changes, e, c);
        }
    }
    deleted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.meta.rel.cmp(&b.1.meta.rel)));
    edited.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.meta.rel.cmp(&b.1.meta.rel)));

    let key: Vec<(&str, Option<i64>, u32)> = {
        let mut k: Vec<_> = changes
            .by_post
            .iter()
            .filter(|(rel, _)| by_rel.contains_key(rel.as_str()))
            .map(|(rel, c)| (rel.as_str(), c.deleted_since, c.edits))
            .collect();
        k.sort();
        k
    };
    let urls: Vec<(&str, &str)> = deleted.iter().map(|(_, e)| (e.url.as_str(), e.meta.title.as_str())).collect();
    let sig = signature((ctx.fingerprint, changes.language.tag(), &key, &urls, edited.len()));

    ctx.out.produce("changes/index.html", sig, || {
        let mut html = format!("<h1>{}</h1>\n<p>{}</p>\n", s.changes, s.changes_intro);
        html.push_str(&format!(
            "<p><a href=\"{}\">Atom</a></p>\n<h2>{}</h2>\n<table class=\"changes-by-source\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>\n",
            escape_attr(&ctx.url("/changes/atom.xml")),
            s.per_source,
            s.source,
            s.deleted_col,
            s.edited_col
        ));
        for (source, (d, e)) in &per_source {
            html.push_str(&format!("<tr><td>{}</td><td>{d}</td><td>{e}</td></tr>\n", escape_text(source)));
        }
        html.push_str("</table>\n");
        html.push_str(&format!("<h2>{}</h2>\n", s.recent_deletions));
        list(&mut html, s.none_yet, deleted.iter().take(RECENT).map(|(t, e)| {
            format!(
                "<li class=\"deleted\"><time>{}</time> <a href=\"{}\">{}</a> <small>{}</small></li>",
                day(ctx, *t),
                escape_attr(&e.url),
                escape_text(&e.meta.title),
                escape_text(&e.meta.source)
            )
        }));
        html.push_str(&format!("<h2>{}</h2>\n", s.recent_edits));
        list(&mut html, s.none_yet, edited.iter().take(RECENT).map(|(t, e, c)| {
            format!(
                "<li class=\"edited\"><time>{}</time> <a href=\"{}\">{}</a> <a href=\"{}\">{}</a></li>",
                day(ctx, *t),
                escape_attr(&e.url),
                escape_text(&e.meta.title),
                escape_attr(&versions_url(ctx, &e.meta.rel)),
                escape_text(&changes.language.edited(c.edits))
            )
        }));
        page(ctx, s.changes, html)
    });

    ctx.out.produce("changes/atom.xml", sig, || {
        let mut events: Vec<(i64, String, String, String)> = Vec::new();
        for (t, e) in &deleted {
            events.push((*t, format!("{}: {}", s.deleted, e.meta.title), e.url.clone(), format!("deleted-{t}")));
        }
        for (_, e, c) in &edited {
            for (n, (t, _)) in c.versions.iter().enumerate().skip(1) {
                let title = format!("{}: {}", changes.language.edited(n as u32), e.meta.title);
                events.push((*t, title, versions_url(ctx, &e.meta.rel), format!("edited-{t}")));
            }
        }
        events.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2)));
        events.truncate(RECENT);
        let home = format!("{}{}", ctx.settings.url, ctx.url("/changes/"));
        let mut xml =
            String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        xml.push_str(&format!("<title>{} · {}</title>\n", escape_text(s.changes), escape_text(&ctx.settings.title)));
        xml.push_str(&format!("<link href=\"{}\"/>\n<id>{}</id>\n", escape_attr(&home), escape_text(&home)));
        xml.push_str(&format!(
            "<updated>{}</updated>\n<generator>newsmirror</generator>\n",
            events.first().map_or_else(|| iso(0), |e| iso(e.0))
        ));
        for (t, title, url, id) in &events {
            let link = format!("{}{url}", ctx.settings.url);
            xml.push_str(&format!(
                "<entry>\n<title>{}</title>\n<link href=\"{}\"/>\n<id>{}#{id}</id>\n<updated>{}</updated>\n</entry>\n",
                escape_text(title),
                escape_attr(&link),
                escape_text(&link),
                iso(*t)
            ));
        }
        xml.push_str("</feed>\n");
        Ok(xml.into_bytes())
    });

    // The search index numbers posts in build order: the filter needs
    // those numbers only.
    ctx.out.produce("changes/deleted.json", sig, || {
        let position: HashMap<&str, usize> =
            entries.iter().enumerate().map(|(i, e)| (e.meta.rel.as_str(), i)).collect();
        let mut ids: Vec<usize> =
            deleted.iter().filter_map(|(_, e)| position.get(e.meta.rel.as_str()).copied()).collect();
        ids.sort_unstable();
        serde_json::to_vec(&serde_json::json!({ "ids": ids })).map_err(|e| e.to_string())
    });
}

fn list(html: &mut String, none: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        html.push_str(&format!("<p>{none}</p>\n"));
        return;
    }
    html.push_str("<ul class=\"changes\">\n");
    for i in items {
        html.push_str(&i);
        html.push('\n');
    }
    html.push_str("</ul>\n");
}

fn page(ctx: &Ctx, title: &str, html: String) -> Result<Vec<u8>, String> {
    ctx.theme.render(
        "page.html",
        context! { site => ctx.site_value.clone(), base => ctx.base(), title => title, content => Value::from_safe_string(html) },
    )
}

fn write_versions(ctx: &Ctx, changes: &Changes, e: &Entry, c: &PostChange) {
    let s = changes.language.strings();
    let file = format!("{}/index.html", versions_dir(&e.meta.rel));
    let sig = signature((ctx.fingerprint, changes.language.tag(), &e.url, &e.meta.title, c));
    ctx.out.produce(&file, sig, || {
        let mut html = format!(
            "<h1>{}</h1>\n<p><a href=\"{}\">{}</a> · {}</p>\n",
            escape_text(&e.meta.title),
            escape_attr(&e.url),
            s.back_to_post,
            escape_text(&changes.language.edited(c.edits))
        );
        html.push_str(&format!("<h2>{}</h2>\n", s.versions));
        for (n, (t, text)) in c.versions.iter().enumerate() {
            html.push_str(&format!(
                "<section class=\"version\"><h3>{} {} <time>{}</time></h3>\n<div class=\"diff\">",
                s.version,
                n + 1,
                day(ctx, *t)
            ));
            match n.checked_sub(1).and_then(|p| c.versions.get(p)) {
                Some((_, old)) => html.push_str(&diff_html(old, text)),
                None => html.push_str(&escape_text(text).replace('\n', "<br>\n")),
            }
            html.push_str("</div></section>\n");
        }
        page(ctx, s.versions, html)
    });
}

/// An inline diff: word by word for Latin scripts, character by character
/// where most letters are CJK (which writes no spaces between words).
pub fn diff_html(old: &str, new: &str) -> String {
    let letters = new.chars().filter(|c| !c.is_whitespace()).count().max(1);
    let cjk = new.chars().filter(|c| super::search::is_cjk(*c)).count();
    let mut config = TextDiff::configure();
    config.timeout(Duration::from_secs(2));
    let diff = if cjk * 3 >= letters { config.diff_chars(old, new) } else { config.diff_words(old, new) };
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let text = escape_text(change.value()).replace('\n', "<br>\n");
        match change.tag() {
            ChangeTag::Equal => out.push_str(&text),
            ChangeTag::Delete => out.push_str(&format!("<del>{text}</del>")),
            ChangeTag::Insert => out.push_str(&format!("<ins>{text}</ins>")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff_html;

    #[test]
    fn words_for_latin_characters_for_cjk() {
        assert_eq!(
            diff_html("The toll is three.", "The toll is thirty."),
            "The toll is <del>three.</del><ins>thirty.</ins>"
        );
        assert_eq!(diff_html("死亡人数为三人", "死亡人数为三十人"), "死亡人数为三<ins>十</ins>人");
        assert_eq!(diff_html("a <b>", "a <i>"), "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins>");
    }
}
