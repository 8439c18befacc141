//! Feeds and crawler files: `atom.xml` (and `feed.xml`, where old mirror
//! themes put it) for the whole mirror, `sources/<name>/atom.xml` per
//! source, `sitemap.xml` with its parts, `robots.txt`.

use std::collections::BTreeMap;
use std::path::Path;

use super::output::signature;
use super::render::{escape_attr, escape_text, post_body};
use super::{Ctx, Entry, posts, read_text};

/// Entries in each feed.
const FEED_ENTRIES: usize = 20;
/// URLs per sitemap part (the protocol allows 50,000); parts are numbered
/// from the oldest post so only the newest changes.
const SITEMAP_PART: usize = 10_000;

pub fn write_all(ctx: &Ctx, site: &Path, entries: &[Entry]) {
    let newest: Vec<&Entry> = entries.iter().rev().take(FEED_ENTRIES).collect();
    let title = ctx.settings.title.clone();
    for file in ["atom.xml", "feed.xml"] {
        atom(ctx, site, file, &title, &ctx.url("/"), &newest);
    }
    let mut by_source: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries.iter().rev() {
        let list = by_source.entry(e.source_slug.as_str()).or_default();
        if list.len() < FEED_ENTRIES {
            list.push(e);
        }
    }
    for (slug, list) in &by_source {
        let name = list.first().map(|e| e.meta.source.as_str()).unwrap_or_default();
        let feed_title = format!("{name} · {title}");
        atom(ctx, site, &format!("sources/{slug}/atom.xml"), &feed_title, &ctx.source_url(slug), list);
    }
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

fn atom(ctx: &Ctx, site: &Path, file: &str, title: &str, home: &str, list: &[&Entry]) {
    // The whole stamp, as post pages use: an edit that keeps the size
    // must still reach the feed's content.
    let members: Vec<(&str, &str, super::cache::Stamp)> =
        list.iter().map(|e| (e.url.as_str(), e.meta.rel.as_str(), e.stamp)).collect();
    let sig = signature((ctx.fingerprint, file, title, &members));
    ctx.out.produce(file, sig, || {
        let updated = list.first().map(|e| e.meta.date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
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
        for e in list {
            let body = read_text(&site.join(&e.meta.rel)).unwrap_or_default();
            let (_, md) = posts::split_front_matter(&body);
            let (html, _) = post_body(md, &e.meta.from, ctx.base());
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
