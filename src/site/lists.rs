//! List pages: the home page, every source's page, the month archive, each
//! paginated alike (a month of 10,000 posts is not one 4 MB page).
//!
//! Pages are numbered from the oldest post (`page/1/` holds the first
//! `per_page` posts ever), so new posts change only the newest page and the
//! front page, and a link to `page/7/` shows the same posts for years.

use std::collections::BTreeMap;

use chrono::Datelike;

use minijinja::{Value, context};
use rayon::prelude::*;

use super::output::signature;
use super::{Ctx, Entry, post_value};

pub fn write_all(ctx: &Ctx, entries: &[Entry]) {
    let all: Vec<&Entry> = entries.iter().collect();
    paginated(ctx, &all, "", "", None, false, true);

    let mut by_source: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_source.entry(e.source_slug.as_str()).or_default().push(e);
    }
    // Lists are many small pages: rendered in parallel like the posts,
    // else a month of 10,000 posts leaves a core idle for its 200 pages.
    let by_source: Vec<(&&str, &Vec<&Entry>)> = by_source.iter().collect();
    let mut index: Vec<(String, String, usize)> = by_source
        .par_iter()
        .map(|(slug, posts)| {
            let name =
                posts.last().map(|e| e.meta.source.clone()).filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into());
            let prefix = format!("sources/{slug}/");
            let feed = ctx.url(&format!("/{prefix}atom.xml"));
            paginated(ctx, posts, &prefix, &name, Some(feed), false, false);
            (name, ctx.url(&format!("/{prefix}")), posts.len())
        })
        .collect();
    index.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    index_page(ctx, "sources/index.html", "来源", &index);

    // Keyed by numbers, named once per month: formatting a name for each of
    // 100,000 posts was most of this function.
    let mut by_number: BTreeMap<(i32, u32), Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        let shown = e.meta.date.with_timezone(&ctx.settings.display_zone.offset_at(e.meta.date));
        by_number.entry((shown.year(), shown.month())).or_default().push(e);
    }
    let by_month: Vec<(String, &Vec<&Entry>)> =
        by_number.iter().rev().map(|((y, m), posts)| (format!("{y:04}/{m:02}"), posts)).collect();
    let months: Vec<(String, String, usize)> = by_month
        .par_iter()
        .map(|(month, posts)| {
            paginated(ctx, posts, &format!("archive/{month}/"), &month.replace('/', "-"), None, true, false);
            (month.replace('/', "-"), ctx.url(&format!("/archive/{month}/")), posts.len())
        })
        .collect();
    index_page(ctx, "archive/index.html", "归档", &months);
}

/// `prefix` (`""` or `sources/x/`) gets `index.html` with the newest
/// posts and `page/<n>/index.html` for each run of `per_page`, oldest first.
fn paginated(
    ctx: &Ctx,
    posts: &[&Entry],
    prefix: &str,
    heading: &str,
    feed: Option<String>,
    compact: bool,
    show_source: bool,
) {
    let per = ctx.settings.per_page.max(1);
    let pages = posts.len().div_ceil(per).max(1);
    let page_url = |n: usize| ctx.url(&format!("/{prefix}page/{n}/"));
    // The front: the newest `per` posts, then the page holding the next older.
    let newest_shown = posts.len().saturating_sub(per);
    let older = (newest_shown > 0).then(|| page_url((newest_shown - 1) / per + 1));
    let front: Vec<&Entry> = posts[newest_shown..].iter().rev().copied().collect();
    list_page(ctx, &format!("{prefix}index.html"), &front, heading, None, older, feed.clone(), compact, show_source);
    (1..=pages).into_par_iter().for_each(|n| {
        let chunk = &posts[(n - 1) * per..(n * per).min(posts.len())];
        let shown: Vec<&Entry> = chunk.iter().rev().copied().collect();
        let newer = Some(if n < pages { page_url(n + 1) } else { ctx.url(&format!("/{prefix}")) });
        let older = (n > 1).then(|| page_url(n - 1));
        let title = if heading.is_empty() { format!("第 {n} 页") } else { format!("{heading} · 第 {n} 页") };
        list_page(
            ctx,
            &format!("{prefix}page/{n}/index.html"),
            &shown,
            &title,
            newer,
            older,
            feed.clone(),
            compact,
            show_source,
        );
    });
}

#[allow(clippy::too_many_arguments)]
fn list_page(
    ctx: &Ctx,
    file: &str,
    posts: &[&Entry],
    heading: &str,
    newer: Option<String>,
    older: Option<String>,
    feed: Option<String>,
    compact: bool,
    show_source: bool,
) {
    let members: Vec<u64> = posts.iter().map(|e| e.list_sig).collect();
    let sig = signature((ctx.fingerprint, &members, heading, &newer, &older, &feed, compact, show_source));
    ctx.out.produce(file, sig, || {
        let items: Vec<Value> = posts.iter().map(|e| post_value(ctx, e)).collect();
        ctx.theme.render(
            "list.html",
            context! {
                site => ctx.site_value.clone(),
                base => ctx.base(),
                heading => heading,
                posts => items,
                newer => newer,
                older => older,
                feed => feed,
                show_source => show_source,
                compact => compact,
            },
        )
    });
}

fn index_page(ctx: &Ctx, file: &str, heading: &str, entries: &[(String, String, usize)]) {
    let sig = signature((ctx.fingerprint, heading, entries));
    ctx.out.produce(file, sig, || {
        let items: Vec<Value> =
            entries.iter().map(|(name, url, count)| context! { name => name, url => url, count => count }).collect();
        ctx.theme.render(
            "index.html",
            context! { site => ctx.site_value.clone(), base => ctx.base(), heading => heading, entries => items },
        )
    });
}
