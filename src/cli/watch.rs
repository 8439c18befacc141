//! `watch`: rounds of due sources until SIGTERM or Ctrl-C, each optionally
//! followed by a site build and a commit and push.

use std::path::Path;
use std::time::{Duration, Instant};

use super::run::{Publish, allow_private_everywhere, log_source, publish_report, update_lists};
use super::{EXIT_OK, EXIT_USAGE};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::pipeline::{self, RunOptions};
use crate::report;
use crate::watch::Schedule;

pub(super) struct WatchOptions {
    pub every: Duration,
    pub jitter: Duration,
    pub build: bool,
    pub publish: Publish,
    pub allow_private: bool,
}

pub(super) fn watch(config_path: Option<&Path>, site: &Path, w: WatchOptions) -> u8 {
    let path = match Config::locate(config_path, site) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut config = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let Ok(sleeper) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        eprintln!("error: cannot start the scheduler's runtime");
        return EXIT_USAGE;
    };
    let mut schedule = Schedule::new(&config.sources, w.every, w.jitter, Instant::now());
    outln!(
        "watching {} sources from {} (Ctrl-C or SIGTERM stops after the post in hand)",
        config.sources.len(),
        path.display()
    );
    loop {
        // A config edited while watching (`newsmirror sources add`) applies
        // from the next round; a broken edit keeps the last good one.
        match Config::load(&path) {
            Ok(c) => config = c,
            Err(e) => tracing::warn!(error = %e, "config unreadable; keeping the previous one"),
        }
        if w.allow_private {
            allow_private_everywhere(&mut config);
        }
        schedule.sync(&config.sources, Instant::now());
        let due: Vec<_> = schedule.due(&config.sources, Instant::now()).into_iter().cloned().collect();
        if !due.is_empty() {
            let round = Config { sources: due, ..config.clone() };
            let started = Instant::now();
            outln!(
                "round at {}: {} source(s) due",
                chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
                round.sources.len()
            );
            let opts = RunOptions {
                site: site.to_path_buf(),
                lock_wait: Duration::from_secs(600),
                run_time: chrono::Utc::now(),
            };
            let result = pipeline::run(&round, &opts, Fetcher::new(config.settings.clone()), |entry| {
                log_source(entry);
                outln!("{}", report::source_line(entry));
            });
            match result {
                Ok(report) => {
                    outln!("{}", report::totals(&report, started.elapsed()));
                    schedule.record(&round.sources, &report, Instant::now());
                    if report.interrupted {
                        break;
                    }
                    after_round(site, &config, &report, &w);
                    // The originals due for a re-check, within the default budget.
                    super::recheck::in_watch(&config, site, w.publish);
                }
                Err(e) => {
                    // Locked by a manual run, a full disk…: try again later.
                    eprintln!("error: {e}; retrying in a minute");
                    let _ = stop_requested(&sleeper, Duration::from_secs(60));
                    continue;
                }
            }
        }
        let wait = schedule.wait(Instant::now()).unwrap_or(w.every);
        if stop_requested(&sleeper, wait) {
            break;
        }
    }
    outln!("stopped");
    EXIT_OK
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
        && let Err(e) = publish_report(site, report, w.publish)
    {
        eprintln!("error: {e}");
    }
}

/// Sleep `wait`; true if SIGTERM or Ctrl-C came first.
fn stop_requested(rt: &tokio::runtime::Runtime, wait: Duration) -> bool {
    rt.block_on(async {
        tokio::select! {
            () = tokio::time::sleep(wait) => false,
            () = pipeline::shutdown_requested() => true,
        }
    })
}
