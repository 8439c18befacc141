//! `newsmirror status`: each source's health from the state, as a table,
//! JSON, or a Markdown table for a mirror's README.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::store::StoreError;
use crate::store::health::HealthReader;

#[derive(Debug, Clone, Serialize)]
pub struct SourceStatus {
    pub name: String,
    pub url: String,
    pub enabled: bool,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// What kind of failure the last error was (`http`, `network`,
    /// `refused`, `parse`, `store`, `internal`).
    pub last_error_kind: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub posts_24h: usize,
    pub posts_7d: usize,
    pub posts_total: usize,
    pub last_post: Option<DateTime<Utc>>,
    /// Median time between the runs that brought new posts.
    pub typical_interval_secs: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `ok`, `failing`, `silent` (no post for far longer than usual),
    /// `off` or `new` (never run).
    pub health: &'static str,
    /// Re-checks of this source's originals: each post counted once by
    /// what is true of it now.
    pub recheck: crate::recheck::Totals,
}

/// Silent: no new post for this many typical intervals (and two days).
const SILENT_AFTER_INTERVALS: i64 = 4;
const FAILING_AFTER: u32 = 3;

pub fn collect(config: &Config, site: &Path, now: DateTime<Utc>) -> Result<Vec<SourceStatus>, StoreError> {
    let reader = HealthReader::open(site)?;
    let rechecks = crate::recheck::totals(config, site).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "re-check history unreadable");
        Default::default()
    });
    let at = |t: Option<i64>| t.and_then(|s| DateTime::from_timestamp(s, 0));
    let mut out = Vec::new();
    for s in &config.sources {
        let row = reader.source(&s.name).unwrap_or_default();
        let times = reader.written_times(&s.name);
        let since = |secs: i64| times.iter().filter(|t| **t >= now.timestamp() - secs).count();
        let mut runs: Vec<i64> = times.clone();
        runs.dedup();
        let mut gaps: Vec<i64> = runs.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0).collect();
        gaps.sort_unstable();
        let typical = (gaps.len() >= 3).then(|| gaps[gaps.len() / 2]);
        let last_post = at(times.last().copied());
        let silent = match (typical, last_post) {
            (Some(t), Some(last)) => (now - last).num_seconds() > (t * SILENT_AFTER_INTERVALS).max(2 * 86_400),
            _ => false,
        };
        let health = if !s.enabled {
            "off"
        } else if row.last_success.is_none() && row.last_error.is_none() {
            "new"
        } else if row.failures >= FAILING_AFTER {
            "failing"
        } else if silent {
            "silent"
        } else {
            "ok"
        };
        out.push(SourceStatus {
            name: s.name.clone(),
            url: s.url.clone(),
            enabled: s.enabled,
            last_success: at(row.last_success),
            last_error: row.last_error,
            last_error_kind: row.last_error_kind,
            last_error_at: at(row.last_error_at),
            consecutive_failures: row.failures,
            posts_24h: since(86_400),
            posts_7d: since(7 * 86_400),
            posts_total: times.len(),
            last_post,
            typical_interval_secs: typical,
            etag: row.etag,
            last_modified: row.last_modified,
            health,
            recheck: rechecks.get(&s.name).copied().unwrap_or_default(),
        });
    }
    Ok(out)
}

fn ago(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = t else { return "never".into() };
    let s = (now - t).num_seconds().max(0);
    match s {
        0..=119 => format!("{s} s ago"),
        120..=7199 => format!("{} min ago", s / 60),
        7200..=172_799 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

fn interval(secs: Option<i64>) -> String {
    match secs {
        None => "-".into(),
        Some(s) if s < 7200 => format!("{} min", s / 60),
        Some(s) if s < 172_800 => format!("{} h", s / 3600),
        Some(s) => format!("{} d", s / 86_400),
    }
}

pub fn text(list: &[SourceStatus], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for s in list {
        out.push_str(&format!(
            "{:<8} {}: {} new in 24 h, {} in 7 d, {} in all; last post {}; every ~{}; last success {}\n",
            s.health.to_uppercase(),
            s.name,
            s.posts_24h,
            s.posts_7d,
            s.posts_total,
            ago(s.last_post, now),
            interval(s.typical_interval_secs),
            ago(s.last_success, now)
        ));
        let r = &s.recheck;
        if r.checked > 0 {
            out.push_str(&format!(
                "         originals re-checked: {}; {} deleted, {} missing, {} edited, {} blocked, {} unreachable, {} restored\n",
                r.checked, r.deleted, r.missing, r.edited, r.blocked, r.unreachable, r.restored
            ));
        }
        if let Some(e) = &s.last_error
            && s.consecutive_failures > 0
        {
            out.push_str(&format!(
                "         {} failure{} in a row, last {}{}: {e}\n",
                s.consecutive_failures,
                if s.consecutive_failures == 1 { "" } else { "s" },
                ago(s.last_error_at, now),
                s.last_error_kind.as_deref().map(|k| format!(" ({k})")).unwrap_or_default()
            ));
        }
    }
    out
}

/// A sources table for a mirror's README.
pub fn markdown(list: &[SourceStatus], now: DateTime<Utc>) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("| source | feed | posts (7 d / all) | health |\n| --- | --- | --- | --- |\n");
    for s in list {
        let health = match s.health {
            "failing" => format!("failing since {}", ago(s.last_success, now)),
            "silent" => format!("silent: last post {}", ago(s.last_post, now)),
            other => other.to_string(),
        };
        out.push_str(&format!(
            "| {} | <{}> | {} / {} | {} |\n",
            cell(&s.name),
            s.url,
            s.posts_7d,
            s.posts_total,
            cell(&health)
        ));
    }
    out
}
