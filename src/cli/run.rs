//! `run`: the pipeline with a progress bar, the report, and publishing.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use super::{EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_PUBLISH, EXIT_SOURCE_FAILED, EXIT_USAGE};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::pipeline::{self, RunOptions};
use crate::report;

/// One event per source, so logs (JSON ones above all) carry every outcome.
pub(super) fn log_source(entry: &pipeline::SourceReport) {
    use pipeline::Outcome;
    match &entry.outcome {
        Outcome::Failed(error) => tracing::info!(source = %entry.name, url = %entry.url, %error, "source failed"),
        Outcome::Fetched { items, written, notes } => {
            for note in notes {
                tracing::info!(source = %entry.name, %note, "kept the feed's content or an image link");
            }
            tracing::info!(source = %entry.name, items, new_posts = written.len(), "source fetched");
        }
        Outcome::NotModified => tracing::info!(source = %entry.name, "not modified"),
        Outcome::Disabled => tracing::info!(source = %entry.name, "disabled"),
    }
}

/// What to do with the new posts after a run.
#[derive(Clone, Copy, Default)]
pub struct Publish {
    pub commit: bool,
    pub push: bool,
}

pub(super) fn run(config: Option<&Path>, site: &Path, wait: Duration, publish: Publish, allow_private: bool) -> u8 {
    let mut config = match Config::locate(config, site).and_then(|p| Config::load(&p)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    if allow_private {
        allow_private_everywhere(&mut config);
    }
    let fetcher = Fetcher::new(config.settings.clone());
    run_config(&config, site, wait, fetcher, publish)
}

/// `--allow-private`: as if every source said `allow_private = true`.
pub(super) fn allow_private_everywhere(config: &mut Config) {
    for source in &mut config.sources {
        source.allow_private = true;
    }
}

/// Run `config` into `site`, printing the report; returns the exit code.
pub fn run_config(config: &Config, site: &Path, wait: Duration, fetcher: Fetcher, publish: Publish) -> u8 {
    let started = Instant::now();
    let opts = RunOptions { site: site.to_path_buf(), lock_wait: wait, run_time: chrono::Utc::now() };
    let enabled = config.sources.iter().filter(|s| s.enabled).count() as u64;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(enabled);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sources {msg}") {
            bar.set_style(style);
        }
        bar
    });
    let result = pipeline::run(config, &opts, fetcher, |entry| {
        log_source(entry);
        let line = report::source_line(entry);
        match &bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => outln!("{line}"),
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) if report.interrupted => {
            outln!("{}", report::totals(&report, started.elapsed()));
            eprintln!("interrupted: every post written is complete; the rest will be fetched by the next run");
            EXIT_INTERRUPTED
        }
        Ok(report) => {
            outln!("{}", report::totals(&report, started.elapsed()));
            update_lists(site, config, &report);
            if publish.commit
                && let Err(e) = publish_report(site, &report, publish)
            {
                eprintln!("error: {e}");
                return EXIT_PUBLISH;
            }
            if report.failures() > 0 { EXIT_SOURCE_FAILED } else { EXIT_OK }
        }
        Err(e @ crate::store::StoreError::Locked { .. }) => {
            eprintln!("error: {e}");
            EXIT_LOCKED
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_SOURCE_FAILED
        }
    }
}

/// `[site] lists = true`: the old per-source list pages, after the posts.
pub(super) fn update_lists(site: &Path, config: &Config, report: &pipeline::RunReport) {
    if !config.site.lists {
        return;
    }
    match crate::lists::update(site, report) {
        Ok(files) if !files.is_empty() => {
            outln!("updated {} list page{}", files.len(), if files.len() == 1 { "" } else { "s" })
        }
        Ok(_) => {}
        Err(e) => eprintln!("error: lists/: {e}"),
    }
}

pub(super) fn publish_report(
    site: &Path,
    report: &pipeline::RunReport,
    publish: Publish,
) -> Result<(), crate::publish::PublishError> {
    match crate::publish::commit(site, report)? {
        Some(id) => outln!("committed {}: {}", &id[..id.len().min(10)], crate::publish::message(report)),
        None => outln!("nothing new to commit"),
    }
    if publish.push {
        let attempts = crate::publish::push(site)?;
        if attempts > 1 {
            outln!("pushed (after {} rebase{} onto the remote)", attempts - 1, if attempts == 2 { "" } else { "s" });
        } else {
            outln!("pushed");
        }
    }
    Ok(())
}
