//! What a run tells its user: one line per source, then totals.

use std::time::Duration;

use crate::pipeline::{Outcome, RunReport, SourceReport};

/// The line for one source, e.g. `  new  BBC: 3 new posts (50 items)`.
/// Notes (a page that could not be fetched, an image kept as a link)
/// follow on their own lines.
pub fn source_line(r: &SourceReport) -> String {
    match &r.outcome {
        Outcome::Fetched { items, written, notes } if !written.is_empty() => {
            let mut line =
                format!("  new   {}: {} new post{} ({items} items)", r.name, written.len(), plural(written.len()));
            for n in notes {
                line.push_str(&format!("\n        note: {n}"));
            }
            line
        }
        Outcome::Fetched { items, notes, .. } => {
            let mut line = format!("  same  {}: unchanged, no new items ({items} items)", r.name);
            for n in notes {
                line.push_str(&format!("\n        note: {n}"));
            }
            line
        }
        Outcome::NotModified => format!("  304   {}: not modified since the last run", r.name),
        Outcome::Disabled => format!("  off   {}: disabled", r.name),
        Outcome::Failed(e) => format!("  FAIL  {}: {e} ({})", r.name, r.url),
    }
}

pub fn totals(report: &RunReport, elapsed: Duration) -> String {
    let count = |f: fn(&Outcome) -> bool| report.sources.iter().filter(|s| f(&s.outcome)).count();
    let new = report.new_posts();
    let mut parts = vec![format!("{new} new post{}", plural(new))];
    parts.push(format!("{} source{}", report.sources.len(), plural(report.sources.len())));
    let not_modified = count(|o| matches!(o, Outcome::NotModified));
    if not_modified > 0 {
        parts.push(format!("{not_modified} not modified"));
    }
    let failed = report.failures();
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    format!("{} in {:.2} s", parts.join(", "), elapsed.as_secs_f64())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
