//! `watch`: the loop of rounds is `crate::watch::watch`; this wires what
//! follows each round: lists, an optional site build, commit and push, and
//! the re-checks due.

use std::path::Path;
use std::time::Duration;

use super::run::{Publish, allow_private_everywhere, log_source, publish_report, update_lists};
use super::{CommandResult, Exit, OrExit};
use crate::config::Config;
use crate::pipeline;
use crate::report;
use crate::watch::Rounds;

pub(super) struct WatchOptions {
    pub every: Duration,
    pub jitter: Duration,
    pub build: bool,
    pub publish: Publish,
    pub allow_private: bool,
}

pub(super) fn watch(config_path: Option<&Path>, site: &Path, w: WatchOptions) -> CommandResult {
    let path = Config::locate(config_path, site).or_exit(Exit::Usage)?;
    crate::watch::watch(&path, site, w.every, w.jitter, &Wiring { site, w: &w }).or_exit(Exit::Usage)?;
    Ok(Exit::Ok)
}

/// The command's part of each round.
struct Wiring<'a> {
    site: &'a Path,
    w: &'a WatchOptions,
}

impl Rounds for Wiring<'_> {
    fn adjust(&self, config: &mut Config) {
        if self.w.allow_private {
            allow_private_everywhere(config);
        }
    }

    fn source_done(&self, entry: &pipeline::SourceReport) {
        log_source(entry);
        outln!("{}", report::source_line(entry));
    }

    fn round_done(&self, config: &Config, report: &pipeline::RunReport) {
        after_round(self.site, config, report, self.w);
        // The originals due for a re-check, within the default budget.
        super::recheck::in_watch(config, self.site, self.w.publish);
    }
}

fn after_round(site: &Path, config: &Config, report: &pipeline::RunReport, w: &WatchOptions) {
    if report.new_posts() == 0 {
        return;
    }
    update_lists(site, config, report);
    if w.build {
        let opts = crate::site::BuildOptions {
            site: site.to_path_buf(),
            out: site.join("_site"),
            settings: config.site.clone(),
        };
        match crate::site::build(&opts) {
            Ok(r) => outln!("built {} posts, {} files written", r.posts, r.counts.written),
            Err(e) => eprintln!("error: build: {e}"),
        }
    }
    if w.publish.commit
        && let Err(e) = publish_report(site, report, w.publish, config.settings.evidence_commit)
    {
        eprintln!("error: {e}");
    }
}
