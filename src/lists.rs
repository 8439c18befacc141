//! `[site] lists = true`: the old system's per-source list pages,
//! `lists/<source>.md`, kept up to date after each run: the source's name
//! as a heading, its latest 100 posts newest first with `M-D` dates in
//! UTC+8, and a "more" link, as archives whose theme links to them expect.
//! Entries link to the post files, so the lists read on GitHub's file view
//! and in an offline clone alike.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};

use crate::pipeline::{Outcome, RunReport};
use crate::post::read;
use crate::post::{markdown_link_target, markdown_link_text};
use std::collections::HashMap;

pub const LATEST: usize = 100;

/// One list line: date, title, post file name.
type Entry = (DateTime<Utc>, String, String);

/// Rewrite the list of every source that got new posts in `report`, reading
/// `_posts/` once for all of them. Returns the files written.
pub fn update(site: &Path, report: &RunReport) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut by_source: HashMap<&str, Vec<Entry>> = report
        .sources
        .iter()
        .filter(|s| matches!(&s.outcome, Outcome::Fetched { written, .. } if !written.is_empty()))
        .map(|s| (s.name.as_str(), Vec::new()))
        .collect();
    if by_source.is_empty() {
        return Ok(Vec::new());
    }
    let utc = FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!());
    for path in read::walk(&site.join("_posts")) {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        if !name.ends_with(".md") || path.parent() != Some(&site.join("_posts")) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let (Some(fm), _) = read::split_front_matter(&text) else { continue };
        let fields = read::front_matter(fm);
        let source = fields.list("categories").first().or(fields.list("tags").first()).cloned();
        let Some(list) = source.and_then(|s| by_source.get_mut(s.as_str())) else { continue };
        let date = fields.get("date").and_then(|d| read::parse_date(d, utc)).map(|d| d.with_timezone(&Utc));
        let title = crate::text::clean_line(fields.get("title").unwrap_or(&name));
        list.push((date.unwrap_or_default(), title, name));
    }
    let mut written = Vec::new();
    for s in &report.sources {
        if let Some(entries) = by_source.remove(s.name.as_str()) {
            written.push(write_list(site, &s.name, entries)?);
        }
    }
    Ok(written)
}

fn write_list(site: &Path, source: &str, mut entries: Vec<Entry>) -> std::io::Result<std::path::PathBuf> {
    let utc8 = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!());
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2)));
    entries.truncate(LATEST);
    // The name and titles come from feeds: written as Markdown text, never markup.
    let mut md = format!("{}\n------\n\n", markdown_link_text(source));
    for (date, title, file) in &entries {
        let local = date.with_timezone(&utc8);
        md.push_str(&format!(
            "{} [{}](../_posts/{})\n\n",
            local.format("%-m-%-d"),
            markdown_link_text(title),
            markdown_link_target(file)
        ));
    }
    // A name is one path segment, whatever it holds.
    let more =
        source.replace('%', "%25").replace('/', "%2F").replace('?', "%3F").replace('#', "%23").replace('\\', "%5C");
    md.push_str(&format!("[查看更多](/lists/{})\n", markdown_link_target(&more)));
    let dir = site.join("lists");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.md", crate::post::safe_name(source)));
    let tmp = dir.join(format!(".{}.tmp", std::process::id()));
    std::fs::write(&tmp, md)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}
