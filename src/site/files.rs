//! Everything in the site folder that is not a post: Markdown pages
//! (`about.md`, `lists/*.md`) rendered in the theme, other files (mirrored
//! images in `assets/`, `CNAME`, icons) copied as they are. As in Jekyll,
//! names starting with `_` or `.` and the `exclude` list stay out.

use std::path::{Path, PathBuf};

use minijinja::{Value, context};

use super::cache::Stamp;
use super::output::signature;
use super::{Ctx, Settings, permalink, posts, read_text, render};

/// Never part of the output, whatever `exclude` says.
const ALWAYS_OUT: &[&str] = &[
    "archived",
    "node_modules",
    "vendor",
    "Gemfile",
    "Gemfile.lock",
    "newsmirror.toml",
    "subs.json",
    "package.json",
    "package-lock.json",
];

/// The pages and static files of the site, with their stamps, in a stable
/// order: what [`write_pages_and_static`] makes the output from.
pub fn find(site: &Path, out_dir: &Path, settings: &Settings) -> Vec<(String, Stamp)> {
    let mut found = Vec::new();
    collect(site, site, out_dir, settings, &mut found);
    found.sort();
    let paths: Vec<PathBuf> = found.iter().map(|rel| site.join(rel)).collect();
    found.into_iter().zip(super::cache::stamps(&paths)).filter_map(|(rel, stamp)| Some((rel, stamp?))).collect()
}

pub fn write_pages_and_static(ctx: &Ctx, site: &Path, found: &[(String, Stamp)]) {
    for (rel, stamp) in found {
        let is_page = rel.ends_with(".md") || rel.ends_with(".markdown");
        if is_page {
            page(ctx, site, rel, *stamp);
        } else {
            let path = site.join(rel);
            ctx.out.produce(rel, signature((rel, *stamp)), || std::fs::read(&path).map_err(|e| e.to_string()));
        }
    }
}

fn collect(site: &Path, dir: &Path, out_dir: &Path, settings: &Settings, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = path.strip_prefix(site).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if name.starts_with(['_', '.', '#', '~'])
            || name.ends_with('~')
            || path == out_dir
            || ALWAYS_OUT.contains(&rel.as_str())
            || settings.exclude.iter().any(|x| x.trim_matches('/') == rel || x.trim_matches('/') == name)
        {
            continue;
        }
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(site, &path, out_dir, settings, found),
            // The front page is the theme's.
            Ok(t) if t.is_file() && !(dir == site && name.starts_with("index.")) => found.push(rel),
            _ => {}
        }
    }
}

fn page(ctx: &Ctx, site: &Path, rel: &str, stamp: Stamp) {
    let Some(text) = read_text(&site.join(rel)) else { return };
    let (fm, body) = posts::split_front_matter(&text);
    let fields = fm.map(posts::front_matter).unwrap_or_default();
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    let path = match fields.get("permalink") {
        Some(p) if p.starts_with('/') => permalink::sanitize_path(p),
        _ => permalink::sanitize_path(&format!("/{stem}")),
    };
    let file = permalink::output_file(&path);
    let title = fields
        .get("title")
        .map(str::to_string)
        .or_else(|| body.lines().find(|l| !l.trim().is_empty()).map(|l| l.trim_start_matches('#').trim().to_string()))
        .unwrap_or_else(|| stem.to_string());
    ctx.out.produce(&file, signature((ctx.fingerprint, rel, stamp)), || {
        ctx.theme.render(
            "page.html",
            context! {
                site => ctx.site_value.clone(),
                base => ctx.base(),
                title => title,
                content => Value::from_safe_string(render::under_base(&crate::sanitize::sanitize_page(&render::markdown(body)), ctx.base())),
            },
        )
    });
}
