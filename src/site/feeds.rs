//! Feeds and crawler files: `atom.xml` (and `feed.xml`, where old mirror
//! themes put it) for the whole mirror, `sources/<name>/atom.xml` per
//! source, `sitemap.xml` with its parts, `robots.txt`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rayon::prelude::*;

use super::output::signature;
use super::render::{escape_attr, escape_text, post_body};
use super::{Ctx, Entry, posts, read_text};

/// Entries in each feed.
const FEED_ENTRIES: usize = 20;
/// URLs per sitemap part (the protocol allows 50,000); parts are numbered
/// from the oldest post so only the newest changes.
const SITEMAP_PART: usize = 10_000;

/// Which entries (by index) the feeds show: the newest overall and the
/// newest of each source. Their bodies are kept when their pages are
/// rendered, so a cold build does not render them a second time.
pub fn members(entries: &[Entry]) -> Vec<bool> {
    let mut wanted = vec![false; entries.len()];
    for i in feed_lists(entries).into_iter().flat_map(|(_, list)| list) {
        wanted[i] = true;
    }
    wanted
}

/// Each feed's entries, newest first: `None` for the whole mirror's, then
/// each source's slug.
fn feed_lists(entries: &[Entry]) -> Vec<(Option<&str>, Vec<usize>)> {
    let mut lists = vec![(None, (0..entries.len()).rev().take(FEED_ENTRIES).collect())];
    let mut by_source: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate().rev() {
        let list = by_source.entry(e.source_slug.as_str()).or_default();
        if list.len() < FEED_ENTRIES {
            list.push(i);
        }
    }
    lists.extend(by_source.into_iter().map(|(slug, list)| (Some(slug), list)));
    lists
}

/// `bodies`: published bodies of feed entries already rendered for their
/// pages, by entry index.
pub fn write_all(ctx: &Ctx, site: &Path, entries: &[Entry], bodies: &HashMap<usize, String>) {
    let title = ctx.settings.title.clone();
    let mut feeds = Vec::new();
    for (slug, list) in feed_lists(entries) {
        match slug {
            None => {
                for file in ["atom.xml", "feed.xml"] {
                    feeds.push((file.to_string(), title.clone(), ctx.url("/"), list.clone()));
                }
            }
            Some(slug) => {
                let name = list.first().map(|&i| entries[i].meta.source.as_str()).unwrap_or_default();
                feeds.push((
                    format!("sources/{slug}/atom.xml"),
                    format!("{name} · {title}"),
                    ctx.source_url(slug),
                    list,
                ));
            }
        }
    }
    feeds.par_iter().for_each(|(file, title, home, list)| {
        let list: Vec<(usize, &Entry)> = list.iter().map(|&i| (i, &entries[i])).collect();
        atom(ctx, site, file, title, home, &list, bodies);
    });
    sitemap(ctx, entries);
    let robots = match absolute(ctx, "/sitemap.xml") {
        Some(url) => format!("User-agent: *\nAllow: /\nSitemap: {url}\n"),
        None => "User-agent: *\nAllow: /\n".to_string(),
    };
    ctx.out.produce("robots.txt", signature(&robots), || Ok(robots.clone().into_bytes()));
}

/// `[site] url` + the base URL + `path`, when the site's address is known.
fn absolute(ctx: &Ctx, path: &str) -> Option<String> {
    (!ctx.settings.url.is_empty()).then(|| format!("{}{}", ctx.settings.url, ctx.url(path)))
}

fn full(ctx: &Ctx, url: &str) -> String {
    format!("{}{url}", ctx.settings.url)
}

fn atom(
    ctx: &Ctx,
    site: &Path,
    file: &str,
    title: &str,
    home: &str,
    list: &[(usize, &Entry)],
    bodies: &HashMap<usize, String>,
) {
    // The whole stamp, as post pages use: an edit that keeps the size
    // must still reach the feed's content.
    let members: Vec<(&str, &str, super::cache::Stamp)> =
        list.iter().map(|(_, e)| (e.url.as_str(), e.meta.rel.as_str(), e.stamp)).collect();
    let sig = signature((ctx.fingerprint, file, title, &members));
    ctx.out.produce(file, sig, || {
        let updated = list.first().map(|(_, e)| e.meta.date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let mut xml =
            String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        xml.push_str(&format!("<title>{}</title>\n", escape_text(title)));
        xml.push_str(&format!("<link href=\"{}\"/>\n", escape_attr(&full(ctx, home))));
        xml.push_str(&format!(
            "<link rel=\"self\" href=\"{}\"/>\n",
            escape_attr(&full(ctx, &ctx.url(&format!("/{file}"))))
        ));
        xml.push_str(&format!("<id>{}</id>\n", escape_text(&full(ctx, home))));
        xml.push_str(&format!("<updated>{}</updated>\n", updated.unwrap_or_else(|| "1970-01-01T00:00:00Z".into())));
        xml.push_str("<generator>newsmirror</generator>\n");
        let htmls: Vec<String> = list
            .par_iter()
            .map(|(i, e)| match bodies.get(i) {
                Some(html) => html.clone(),
                None => {
                    let body = read_text(&site.join(&e.meta.rel)).unwrap_or_default();
                    let (_, md) = posts::split_front_matter(&body);
                    post_body(md, &e.meta.from, ctx.base()).0
                }
            })
            .collect();
        for ((_, e), html) in list.iter().zip(htmls) {
            let url = full(ctx, &e.url);
            xml.push_str("<entry>\n");
            xml.push_str(&format!("<title>{}</title>\n", escape_text(&e.meta.title)));
            xml.push_str(&format!("<link href=\"{}\"/>\n", escape_attr(&url)));
            xml.push_str(&format!("<id>{}</id>\n", escape_text(&url)));
            let date = e.meta.date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            xml.push_str(&format!("<published>{date}</published>\n<updated>{date}</updated>\n"));
            if !e.meta.author.is_empty() {
                xml.push_str(&format!("<author><name>{}</name></author>\n", escape_text(&e.meta.author)));
            }
            if !e.meta.source.is_empty() {
                xml.push_str(&format!("<category term=\"{}\"/>\n", escape_attr(&e.meta.source)));
            }
            xml.push_str(&format!("<content type=\"html\">{}</content>\n</entry>\n", escape_text(&html)));
        }
        xml.push_str("</feed>\n");
        Ok(xml.into_bytes())
    });
}

fn sitemap(ctx: &Ctx, entries: &[Entry]) {
    let mut parts = Vec::new();
    for (n, chunk) in entries.chunks(SITEMAP_PART).enumerate() {
        let file = format!("sitemap-{}.xml", n + 1);
        let members: Vec<(&str, i64)> = chunk.iter().map(|e| (e.url.as_str(), e.meta.date.timestamp())).collect();
        ctx.out.produce(&file, signature((ctx.fingerprint, &members)), || {
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for e in chunk {
                xml.push_str(&format!(
                    "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
                    escape_text(&full(ctx, &e.url)),
                    e.meta.date.format("%Y-%m-%d")
                ));
            }
            xml.push_str("</urlset>\n");
            Ok(xml.into_bytes())
        });
        parts.push(file);
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for file in &parts {
        xml.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            escape_text(&full(ctx, &ctx.url(&format!("/{file}"))))
        ));
    }
    xml.push_str("</sitemapindex>\n");
    ctx.out.produce("sitemap.xml", signature(&xml), || Ok(xml.clone().into_bytes()));
}
