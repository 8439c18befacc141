//! `recheck`: re-fetch the originals of mirrored posts that are due, and
//! report (and optionally commit) what was found.

use std::path::Path;
use std::time::{Duration, Instant};

use super::run::Publish;
use super::{CliError, CommandResult, Exit, OrExit};
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

pub(super) fn recheck(config: Option<&Path>, site: &Path, args: RecheckArgs) -> CommandResult {
    let config = Config::locate(config, site).and_then(|p| Config::load(&p)).or_exit(Exit::Usage)?;
    let now = args
        .now
        .as_deref()
        .map(chrono::DateTime::parse_from_rfc3339)
        .transpose()
        .map_err(|e| format!("--now: {e} (RFC 3339, e.g. 2024-05-01T12:00:00Z)"))
        .or_exit(Exit::Usage)?
        .map_or_else(chrono::Utc::now, |t| t.with_timezone(&chrono::Utc));
    let opts = Options {
        site: site.to_path_buf(),
        budget: Some(args.budget),
        time_limit: args.time_limit,
        all: args.all,
        now,
    };
    let report = run_once(&config, &opts, args.json, args.publish)?;
    Ok(if report.interrupted { Exit::Interrupted } else { Exit::Ok })
}

/// One run with its report; shared with `watch`.
pub(super) fn run_once(
    config: &Config,
    opts: &Options,
    json: bool,
    publish: Publish,
) -> Result<recheck::Report, CliError> {
    let started = Instant::now();
    let report = recheck::run(config, opts, Fetcher::new(config.settings.clone()))
        .map_err(|e| format!("recheck: {e}"))
        .or_exit(Exit::SourceFailed)?;
    for (post, kind, reason) in &report.notable {
        let why = reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        tracing::info!(post = %post, kind = kind.as_str(), reason = reason.as_deref().unwrap_or(""), "re-checked");
        if !json && *kind != Kind::Unreachable {
            outln!("{:<11} {post}{why}", kind.as_str());
        }
    }
    let t = &report.totals;
    if json {
        outln!("{}", serde_json::to_string(&report.totals).unwrap_or_default());
    } else {
        outln!(
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
        match committed.or_exit(Exit::Publish)? {
            Some(id) => outln!("committed {}", &id[..id.len().min(10)]),
            None => outln!("nothing new to commit"),
        }
        if publish.push {
            crate::publish::push(&opts.site).or_exit(Exit::Publish)?;
            outln!("pushed");
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
    // A failed re-check does not stop the watch; it says why and tries next round.
    if let Err(e) = run_once(config, &opts, false, publish) {
        eprintln!("error: {}", e.message);
    }
}
