//! `recheck`: re-fetch the originals of mirrored posts that are due, and
//! report (and optionally commit) what was found.

use std::path::Path;
use std::time::{Duration, Instant};

use super::run::Publish;
use super::{EXIT_INTERRUPTED, EXIT_OK, EXIT_PUBLISH, EXIT_SOURCE_FAILED, EXIT_USAGE};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::recheck::{self, Kind, Options};

pub(super) struct RecheckArgs {
    pub budget: usize,
    pub time_limit: Option<Duration>,
    pub all: bool,
    pub json: bool,
    pub now: Option<String>,
    pub publish: Publish,
}

pub(super) fn recheck(config: Option<&Path>, site: &Path, args: RecheckArgs) -> u8 {
    let config = match Config::locate(config, site).and_then(|p| Config::load(&p)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let now = match args.now.as_deref().map(chrono::DateTime::parse_from_rfc3339).transpose() {
        Ok(t) => t.map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc)),
        Err(e) => {
            eprintln!("error: --now: {e} (RFC 3339, e.g. 2024-05-01T12:00:00Z)");
            return EXIT_USAGE;
        }
    };
    let opts = Options {
        site: site.to_path_buf(),
        budget: Some(args.budget),
        time_limit: args.time_limit,
        all: args.all,
        now,
    };
    match run_once(&config, &opts, args.json, args.publish) {
        Ok(report) if report.interrupted => EXIT_INTERRUPTED,
        Ok(_) => EXIT_OK,
        Err(code) => code,
    }
}

/// One run with its report; shared with `watch`.
pub(super) fn run_once(config: &Config, opts: &Options, json: bool, publish: Publish) -> Result<recheck::Report, u8> {
    let started = Instant::now();
    let report = match recheck::run(config, opts, Fetcher::new(config.settings.clone())) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: recheck: {e}");
            return Err(EXIT_SOURCE_FAILED);
        }
    };
    for (post, kind, reason) in &report.notable {
        let why = reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        tracing::info!(post = %post, kind = kind.as_str(), reason = reason.as_deref().unwrap_or(""), "re-checked");
        if !json && *kind != Kind::Unreachable {
            println!("{:<11} {post}{why}", kind.as_str());
        }
    }
    let t = &report.totals;
    if json {
        println!("{}", serde_json::to_string(&report.totals).unwrap_or_default());
    } else {
        println!(
            "re-checked {} of {} due in {:.1}s: {} unchanged, {} edited, {} missing, {} deleted, {} blocked, {} unreachable, {} restored{}",
            t.checked,
            report.due,
            started.elapsed().as_secs_f64(),
            t.unchanged,
            t.edited,
            t.missing,
            t.deleted,
            t.blocked,
            t.unreachable,
            t.restored,
            if report.deferred > 0 { format!("; {} left for later runs", report.deferred) } else { String::new() }
        );
    }
    if publish.commit {
        let commit_warc = config.settings.evidence_commit;
        let (warc, changes): (Vec<_>, Vec<_>) =
            report.files.iter().cloned().partition(|p| p.starts_with(recheck::evidence::WARC_DIR));
        let message = format!(
            "newsmirror: re-checked {} ({} edited, {} deleted, {} restored)",
            t.checked, t.edited, t.deleted, t.restored
        );
        let committed = crate::publish::commit_files(&opts.site, &changes, false, &message).and_then(|c| {
            if commit_warc && !warc.is_empty() {
                crate::publish::commit_files(&opts.site, &warc, true, &format!("{message}: WARC evidence"))
                    .map(|w| w.or(c))
            } else {
                Ok(c)
            }
        });
        match committed {
            Ok(Some(id)) => println!("committed {}", &id[..id.len().min(10)]),
            Ok(None) => println!("nothing new to commit"),
            Err(e) => {
                eprintln!("error: {e}");
                return Err(EXIT_PUBLISH);
            }
        }
        if publish.push {
            if let Err(e) = crate::publish::push(&opts.site) {
                eprintln!("error: {e}");
                return Err(EXIT_PUBLISH);
            }
            println!("pushed");
        }
    }
    Ok(report)
}

/// After a `watch` round: the posts due, within the default budget.
pub(super) fn in_watch(config: &Config, site: &Path, publish: Publish) {
    let opts = Options {
        site: site.to_path_buf(),
        budget: Some(recheck::DEFAULT_BUDGET),
        time_limit: None,
        all: false,
        now: chrono::Utc::now(),
    };
    let _ = run_once(config, &opts, false, publish);
}
