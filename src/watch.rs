//! `newsmirror watch`: when each source is next due, and the loop of
//! rounds that fetches the due ones until SIGTERM or Ctrl-C.
//!
//! Each source is fetched every `every` (its own, else watch's `--every`),
//! shifted by a jitter fixed per source so a hundred sources do not hit the
//! network in the same second. A failing source backs off: its interval
//! doubles with each consecutive failure, up to a day, and is back to normal
//! after a success; a failure that will not pass by itself (HTTP 404, a
//! refused URL, a document that is no feed) counts as four doublings. Rounds run one after another, so a source is never
//! fetched twice at once; the site lock keeps other processes out.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::config::{Config, Source};
use crate::fetch::Fetcher;
use crate::pipeline::{self, Outcome, RunOptions, RunReport, SourceReport};

/// What the command does around the loop's rounds: report each source,
/// and after a round that ran whole, its lists, build, publishing and
/// re-checks.
pub trait Rounds {
    /// The config as loaded for a round, before its sources are scheduled
    /// (where `--allow-private` applies).
    fn adjust(&self, _config: &mut Config) {}
    fn source_done(&self, entry: &SourceReport);
    fn round_done(&self, config: &Config, report: &RunReport);
}

/// Run rounds of the sources of the config at `path` as they fall due,
/// into `site`, until SIGTERM or Ctrl-C. The config is read again before
/// each round, so `newsmirror sources add` applies from the next one.
pub fn watch(path: &Path, site: &Path, every: Duration, jitter: Duration, rounds: &dyn Rounds) -> Result<(), String> {
    let mut config = Config::load(path).map_err(|e| e.to_string())?;
    let sleeper = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the scheduler's runtime: {e}"))?;
    let mut schedule = Schedule::new(&config.sources, every, jitter, Instant::now());
    outln!(
        "watching {} sources from {} (Ctrl-C or SIGTERM stops after the post in hand)",
        config.sources.len(),
        path.display()
    );
    loop {
        // A broken edit keeps the last good config.
        match Config::load(path) {
            Ok(c) => config = c,
            Err(e) => tracing::warn!(error = %e, "config unreadable; keeping the previous one"),
        }
        rounds.adjust(&mut config);
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
            let result =
                pipeline::run(&round, &opts, Fetcher::new(config.settings.clone()), |entry| rounds.source_done(entry));
            match result {
                Ok(report) => {
                    outln!("{}", crate::report::totals(&report, started.elapsed()));
                    schedule.record(&round.sources, &report, Instant::now());
                    if report.interrupted {
                        break;
                    }
                    rounds.round_done(&config, &report);
                }
                Err(e) => {
                    // Locked by a manual run, a full disk…: try again later.
                    eprintln!("error: {e}; retrying in a minute");
                    let _ = stop_requested(&sleeper, Duration::from_secs(60));
                    continue;
                }
            }
        }
        let wait = schedule.wait(Instant::now()).unwrap_or(every);
        if stop_requested(&sleeper, wait) {
            break;
        }
    }
    outln!("stopped");
    Ok(())
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

pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);
/// Doublings a permanent failure (4xx, refused, not a feed) adds at once.
const PERMANENT_STEPS: u32 = 4;

pub struct Schedule {
    every: Duration,
    jitter: Duration,
    next: HashMap<String, Instant>,
    failures: HashMap<String, u32>,
}

impl Schedule {
    /// Every enabled source is due at `now`, then at its interval.
    pub fn new(sources: &[Source], every: Duration, jitter: Duration, now: Instant) -> Schedule {
        let next = sources.iter().filter(|s| s.enabled).map(|s| (s.name.clone(), now)).collect();
        Schedule { every, jitter, next, failures: HashMap::new() }
    }

    /// After the config changed: new sources are due now, removed and
    /// disabled ones are forgotten.
    pub fn sync(&mut self, sources: &[Source], now: Instant) {
        self.next.retain(|name, _| sources.iter().any(|s| s.enabled && &s.name == name));
        for s in sources.iter().filter(|s| s.enabled) {
            self.next.entry(s.name.clone()).or_insert(now);
        }
    }

    /// The sources due at `now`, in config order.
    pub fn due<'a>(&self, sources: &'a [Source], now: Instant) -> Vec<&'a Source> {
        sources.iter().filter(|s| self.next.get(&s.name).is_some_and(|t| *t <= now)).collect()
    }

    /// How long until the next source is due (zero if one is).
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        self.next.values().min().map(|t| t.saturating_duration_since(now))
    }

    /// Plan the next fetch of every source the round handled.
    pub fn record(&mut self, sources: &[Source], report: &RunReport, now: Instant) {
        for r in &report.sources {
            let Some(source) = sources.iter().find(|s| s.name == r.name) else { continue };
            let previous = self.failures.get(&r.name).copied().unwrap_or(0);
            // A network error or a 5xx may pass in minutes: back off one
            // doubling. A 404, a refused URL or a document that is no feed
            // stays until someone changes something: four at once.
            let failures = match &r.outcome {
                Outcome::Failed(f) if f.is_transient() => previous + 1,
                Outcome::Failed(_) => previous + PERMANENT_STEPS,
                _ => 0,
            };
            self.failures.insert(r.name.clone(), failures);
            let interval = self.interval(source, failures);
            self.next.insert(r.name.clone(), now + interval);
        }
    }

    /// The interval after `failures` consecutive failures, with the source's jitter.
    pub fn interval(&self, source: &Source, failures: u32) -> Duration {
        let base = source.every.unwrap_or(self.every);
        let backed = base.saturating_mul(1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX)).min(MAX_BACKOFF);
        let backed = if failures > 0 { backed.max(base) } else { base };
        backed + jitter_for(&source.name, self.jitter)
    }
}

/// A fixed share of `jitter` for a source, from its name.
fn jitter_for(name: &str, jitter: Duration) -> Duration {
    if jitter.is_zero() {
        return Duration::ZERO;
    }
    let h = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    Duration::from_millis(h % (jitter.as_millis() as u64).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::SourceReport;

    fn source(name: &str, every: Option<u64>) -> Source {
        let mut s = Source::with_defaults(name.into(), format!("https://e.example/{name}"));
        s.every = every.map(Duration::from_secs);
        s
    }

    fn report(outcomes: &[(&str, Outcome)]) -> RunReport {
        RunReport {
            sources: outcomes
                .iter()
                .map(|(n, o)| SourceReport { name: n.to_string(), url: String::new(), outcome: o.clone() })
                .collect(),
            interrupted: false,
            files: Vec::new(),
        }
    }

    #[test]
    fn failing_sources_back_off_doubling_up_to_a_day_and_recover() {
        let sources = vec![source("a", None), source("b", Some(600))];
        let t0 = Instant::now();
        let mut s = Schedule::new(&sources, Duration::from_secs(3600), Duration::ZERO, t0);
        assert_eq!(s.due(&sources, t0).len(), 2);
        let failed = Outcome::Failed(crate::pipeline::Failure::Http { status: 500, message: "HTTP 500".into() });
        let fine = Outcome::Fetched { items: 1, written: vec![], notes: vec![] };
        s.record(&sources, &report(&[("a", failed.clone()), ("b", fine.clone())]), t0);
        assert_eq!(s.next["a"] - t0, Duration::from_secs(7200), "one failure doubles the hour");
        assert_eq!(s.next["b"] - t0, Duration::from_secs(600), "its own interval");
        assert_eq!(s.wait(t0), Some(Duration::from_secs(600)));
        assert_eq!(
            s.due(&sources, t0 + Duration::from_secs(600)).iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
        for _ in 0..10 {
            s.record(&sources, &report(&[("a", failed.clone())]), t0);
        }
        assert_eq!(s.next["a"] - t0, MAX_BACKOFF, "never more than a day");
        s.record(&sources, &report(&[("a", fine)]), t0);
        assert_eq!(s.next["a"] - t0, Duration::from_secs(3600), "back to normal after a success");
    }

    #[test]
    fn jitter_is_fixed_per_source_and_within_bounds() {
        let j = Duration::from_secs(300);
        assert_eq!(jitter_for("BBC", j), jitter_for("BBC", j));
        assert!(jitter_for("BBC", j) < j && jitter_for("CNA", j) < j);
        assert_ne!(jitter_for("BBC", j), jitter_for("CNA", j));
    }

    #[test]
    fn a_404_backs_off_faster_than_a_timeout() {
        use crate::pipeline::Failure;
        let sources = vec![source("gone", None), source("slow", None)];
        let t0 = Instant::now();
        let mut s = Schedule::new(&sources, Duration::from_secs(600), Duration::ZERO, t0);
        let gone = Outcome::Failed(Failure::Http { status: 404, message: "HTTP 404 Not Found".into() });
        let slow = Outcome::Failed(Failure::Network("timed out after 20s".into()));
        s.record(&sources, &report(&[("gone", gone), ("slow", slow)]), t0);
        assert_eq!(s.next["gone"] - t0, Duration::from_secs(600 * 16));
        assert_eq!(s.next["slow"] - t0, Duration::from_secs(600 * 2));
    }
}
