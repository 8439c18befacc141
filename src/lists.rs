//! `[site] lists = true`: the old system's per-source list pages,
//! `lists/<source>.md`, kept up to date after each run: the source's name
//! as a heading, its latest 100 posts newest first with `M-D` dates in
//! UTC+8, and a "more" link, as archives whose theme links to them expect.
//! Entries link to the post files, so the lists read on GitHub's file view
//! and in an offline clone alike.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};

use crate::pipeline::{Outcome, RunReport};
use crate::post::{markdown_link_target, markdown_link_text};
use crate::site::posts;

pub const LATEST: usize = 100;

/// Rewrite the list of every source that got new posts in `report`.
/// Returns the files written.
pub fn update(site: &Path, report: &RunReport) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    for s in &report.sources {
        if matches!(&s.outcome, Outcome::Fetched { written, .. } if !written.is_empty()) {
            written.push(write_list(site, &s.name)?);
        }
    }
    Ok(written)
}

fn write_list(site: &Path, source: &str) -> std::io::Result<std::path::PathBuf> {
    let mut entries: Vec<(DateTime<Utc>, String, String)> = Vec::new();
    let utc8 = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!());
    for dir in ["_posts"] {
        let Ok(read) = std::fs::read_dir(site.join(dir)) else { continue };
        for e in read.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".md") || name.starts_with('.') {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(e.path()) else { continue };
            let (Some(fm), _) = posts::split_front_matter(&text) else { continue };
            let fields = posts::front_matter(fm);
            let ours = fields.list("categories").first().or(fields.list("tags").first()).is_some_and(|c| c == source);
            if !ours {
                continue;
            }
            let date = fields
                .get("date")
                .and_then(|d| posts::parse_date(d, FixedOffset::east_opt(0).unwrap_or(utc8)))
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or_default();
            let title = crate::text::clean_line(fields.get("title").unwrap_or(&name));
            entries.push((date, title, name));
        }
    }
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
