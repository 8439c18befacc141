//! Re-checking originals: `newsmirror recheck` (and each `watch` round)
//! fetches the `from:` link of mirrored posts on a decaying schedule and
//! records what it finds (unchanged, edited, missing, deleted, blocked,
//! unreachable, restored) in `_changes/`, never touching the posts.
//!
//! [`schedule`] says which posts are due, [`classify`] reads a fetch,
//! [`state`] judges it against the post's history, [`history`] keeps the
//! observations and their index, [`evidence`] writes WARC records.

pub mod classify;
pub mod evidence;
pub mod history;
pub mod schedule;
pub mod state;
mod targets;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use url::Url;

use crate::config::{Config, Source};
use crate::fetch::{Fetched, Fetcher, Request, Validators};
pub use history::{HistoryError, Index, Observation};
pub use state::{Gone, Kind, PostState};
use targets::Target;

/// The default schedule, in seconds after first capture: 1 h, 6 h, 1 d,
/// 3 d, 7 d, 30 d (then every 30 d).
pub const DEFAULT_SCHEDULE: [u64; 6] = [3600, 6 * 3600, 86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400];

/// Names the text extraction and normalisation whose hashes are compared;
/// a hash made by another one re-baselines instead of reporting an edit.
pub const EXTRACTOR_VERSION: &str = concat!("newsmirror-", env!("CARGO_PKG_VERSION"), "/text-1");

/// Posts one `recheck` run checks at most, unless `--budget` says otherwise.
pub const DEFAULT_BUDGET: usize = 1000;

/// A source's re-check settings (`recheck`, `confirm_after`, `soft_404`,
/// `evidence`), per source or from `[defaults]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Steps after first capture; `None`: `recheck = false`.
    pub schedule: Option<Vec<Duration>>,
    /// A deletion is confirmed by a second sighting at least this later.
    pub confirm_after: Duration,
    /// Phrases of this site's "not found" pages, beyond the built-in ones.
    pub soft_404: Vec<String>,
    /// `evidence = "warc"`: write each fetch as WARC records.
    pub warc: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            schedule: Some(DEFAULT_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect()),
            confirm_after: Duration::from_secs(3600),
            soft_404: Vec::new(),
            warc: false,
        }
    }
}

/// Observations by kind: one run's (`recheck --json`) or, in `status`,
/// each post counted once by what is true of it now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub checked: usize,
    pub unchanged: usize,
    pub edited: usize,
    pub missing: usize,
    pub deleted: usize,
    pub blocked: usize,
    pub unreachable: usize,
    pub restored: usize,
}

impl Totals {
    pub fn add(&mut self, k: Kind) {
        self.checked += 1;
        *match k {
            Kind::Unchanged => &mut self.unchanged,
            Kind::Edited => &mut self.edited,
            Kind::Missing => &mut self.missing,
            Kind::Deleted => &mut self.deleted,
            Kind::Blocked => &mut self.blocked,
            Kind::Unreachable => &mut self.unreachable,
            Kind::Restored => &mut self.restored,
        } += 1;
    }
}

pub struct Options {
    pub site: PathBuf,
    /// Posts checked at most (the most overdue first); `None`: no bound.
    pub budget: Option<usize>,
    /// Start no check after this long.
    pub time_limit: Option<Duration>,
    /// Every post now, whatever the schedule and the budget.
    pub all: bool,
    /// The clock: observations are dated `now` plus the time since start.
    pub now: DateTime<Utc>,
}

#[derive(Debug)]
pub struct Report {
    pub run_id: String,
    pub totals: Totals,
    /// Posts due (or all, with `--all`), and how many of them wait for a
    /// later run (budget, time limit, interruption).
    pub due: usize,
    pub deferred: usize,
    /// Files added under the site (`_changes/…`, `_warc/…`).
    pub files: Vec<PathBuf>,
    /// Observations that were not `unchanged`, for the log.
    pub notable: Vec<(String, Kind, Option<String>)>,
    pub interrupted: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("{0}")]
    Io(String),
}

/// One run: what is due, fetched politely, judged, recorded.
pub fn run(config: &Config, opts: &Options, fetcher: Fetcher) -> Result<Report, RecheckError> {
    let started = Instant::now();
    let index = Index::open(&opts.site)?;
    let sources: HashMap<&str, &Source> = config.sources.iter().map(|s| (s.name.as_str(), s)).collect();
    let defaults = &config.settings.recheck;
    let settings_of = |name: &str| sources.get(name).map_or(defaults, |s| &s.recheck);
    let confirm = |name: &str| settings_of(name).confirm_after.as_secs() as i64;
    let mut states = index.states(&confirm)?;
    let now = opts.now.timestamp();
    let mut due: Vec<(schedule::Priority, Target)> = Vec::new();
    for t in targets::list(&opts.site) {
        let settings = settings_of(&t.source);
        let Some(steps) = &settings.schedule else { continue };
        let state = states.get(&t.rel);
        let captured = state.and_then(|s| s.captured).unwrap_or(t.captured);
        let p = schedule::due(state, captured, steps, settings.confirm_after.as_secs() as i64, now);
        match (p, opts.all) {
            (Some(p), _) => due.push((p, t)),
            (None, true) => due.push((schedule::Priority::now(now), t)),
            (None, false) => {}
        }
    }
    due.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.rel.cmp(&b.1.rel)));
    let total_due = due.len();
    if !opts.all
        && let Some(b) = opts.budget
    {
        due.truncate(b);
    }

    let run_id = history::run_id(opts.now);
    let mut writer = history::RunWriter::new(&opts.site, &run_id, opts.now, index.known_texts()?);
    let warc = Arc::new(Mutex::new(evidence::Warc::new(&opts.site, &run_id, opts.now)));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| RecheckError::Io(format!("cannot start the runtime: {e}")))?;
    let fetcher = Arc::new(fetcher);
    let window = fetcher.settings().concurrency.max(1) * 2;
    let deadline = opts.time_limit.map(|d| started + d);
    let mut report = Report {
        run_id: run_id.clone(),
        totals: Totals::default(),
        due: total_due,
        deferred: 0,
        files: Vec::new(),
        notable: Vec::new(),
        interrupted: false,
    };
    let jobs: Vec<Job> = due
        .into_iter()
        .map(|(_, t)| {
            let state = states.get(&t.rel);
            let source = sources.get(t.source.as_str()).map(|s| (*s).clone()).unwrap_or_else(|| {
                let mut s = Source::with_defaults(t.source.clone(), t.from.to_string());
                s.recheck = defaults.clone();
                s
            });
            let usable = state.is_some_and(|s| s.current.is_some() && s.gone == Gone::No);
            let validators = match state {
                Some(s) if usable => Validators { etag: s.etag.clone(), last_modified: s.last_modified.clone() },
                _ => Validators::default(),
            };
            let rules = crate::pipeline::content::rules_for(&source, Some(&t.from), &config.rules).cloned();
            let had_text = state.is_some_and(|s| s.current.is_some());
            Job { target: t, source, validators, rules, had_text }
        })
        .collect();
    let mut checked = 0usize;
    let result: Result<(), RecheckError> = runtime.block_on(async {
        let stop = crate::pipeline::shutdown_requested();
        tokio::pin!(stop);
        let mut results = futures::stream::iter(jobs)
            .take_while(|_| std::future::ready(deadline.is_none_or(|d| Instant::now() < d)))
            .map(|job| {
                let fetcher = fetcher.clone();
                let warc = warc.clone();
                let at = opts.now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
                async move { check(&fetcher, job, &warc, at).await }
            })
            .buffer_unordered(window);
        loop {
            let next = tokio::select! {
                next = results.next() => next,
                () = &mut stop => { report.interrupted = true; None }
            };
            let Some((mut obs, text)) = next else { break };
            checked += 1;
            let state = states.entry(obs.post.clone()).or_default();
            // Only the first observation of a post needs to say when it was captured.
            if state.captured.is_some() {
                obs.captured = None;
            }
            let kind = obs.fold_into(state, confirm(&obs.source));
            obs.kind = kind;
            if let (Some(text), Some(hash)) = (text, &obs.hash) {
                writer.store_text(hash, &text)?;
            }
            writer.write(&obs)?;
            report.totals.add(kind);
            if kind != Kind::Unchanged {
                report.notable.push((obs.post.clone(), kind, obs.reason.clone()));
            }
        }
        Ok(())
    });
    report.deferred = total_due - checked.min(total_due);
    let mut files = writer.finish()?;
    result?;
    if let Ok(mut w) = warc.lock() {
        files.extend(w.finish().map_err(RecheckError::Io)?);
    }
    report.files = files;
    index.ingest()?;
    Ok(report)
}

/// What one check needs, cloned out of the config and the history.
struct Job {
    target: Target,
    source: Source,
    validators: Validators,
    rules: Option<crate::extract::Rules>,
    had_text: bool,
}

async fn check(
    fetcher: &Fetcher,
    job: Job,
    warc: &Mutex<evidence::Warc>,
    at: DateTime<Utc>,
) -> (Observation, Option<String>) {
    let Job { target, source, validators, rules, had_text } = job;
    let mut obs = Observation {
        post: target.rel.clone(),
        source: target.source.clone(),
        at: at.timestamp(),
        kind: Kind::Unchanged,
        status: None,
        url: None,
        hash: None,
        extractor: None,
        captured: Some(target.captured),
        baseline: None,
        etag: None,
        last_modified: None,
        reason: None,
        warc: None,
    };
    let url = target.from.as_str();
    let req = Request {
        url,
        user_agent: &source.user_agent,
        proxy: source.proxy.as_deref(),
        timeout: source.timeout,
        validators: &validators,
        max_body: None,
        // A post's `from:` came from a feed: the same SSRF rules as a page fetch.
        trust: crate::fetch::Trust::Data,
        allow_private: source.allow_private,
    };
    let fetched = fetcher.fetch(&req).await;
    if source.recheck.warc
        && let Ok(mut w) = warc.lock()
    {
        obs.warc = w.record(&req, &fetched, at);
    }
    let judged = match fetched {
        Err(e) => {
            let status = classify::status_of(&e);
            obs.status = (status != 0).then_some(status);
            classify::judge_error(&e)
        }
        Ok(Fetched::NotModified) => {
            obs.status = Some(304);
            obs.etag = validators.etag.clone();
            obs.last_modified = validators.last_modified.clone();
            classify::Judged { fact: state::Fact::NotModified, reason: None, text: None }
        }
        Ok(Fetched::Body(body)) => {
            obs.status = Some(200);
            obs.url = (body.final_url != url).then(|| body.final_url.clone());
            obs.etag = body.validators.etag.clone();
            obs.last_modified = body.validators.last_modified.clone();
            let original = target.from.clone();
            let extra = source.recheck.soft_404.clone();
            let had_text = had_text || targets::post_has_text(&target.path);
            let judged = tokio::task::spawn_blocking(move || {
                let (html, _) = crate::extract::decode_page(&body.bytes, body.charset.as_deref());
                let final_url = Url::parse(&body.final_url).unwrap_or_else(|_| original.clone());
                classify::judge_page(&html, &original, &final_url, rules.as_ref(), &extra, had_text)
            })
            .await;
            judged.unwrap_or_else(|e| classify::Judged {
                fact: state::Fact::Unreachable,
                reason: Some(format!("internal error while reading the page: {e}")),
                text: None,
            })
        }
    };
    if let state::Fact::Present { hash, extractor } = &judged.fact {
        obs.hash = Some(hash.clone());
        obs.extractor = Some(extractor.clone());
    }
    obs.kind = match judged.fact {
        state::Fact::Present { .. } | state::Fact::NotModified => Kind::Unchanged,
        state::Fact::Gone => Kind::Missing,
        state::Fact::Blocked => Kind::Blocked,
        state::Fact::Unreachable => Kind::Unreachable,
    };
    obs.reason = judged.reason;
    (obs, judged.text)
}

/// Each configured source's current totals, every post counted once by
/// what is true of it now (a restored article no longer counts as deleted).
pub fn totals(config: &Config, site: &std::path::Path) -> Result<HashMap<String, Totals>, HistoryError> {
    let has_history = site.join(history::CHANGES_DIR).is_dir() || site.join(".newsmirror/changes.db").is_file();
    if !has_history {
        return Ok(HashMap::new());
    }
    let index = Index::open(site)?;
    let by_name: HashMap<&str, &Source> = config.sources.iter().map(|s| (s.name.as_str(), s)).collect();
    let confirm =
        |name: &str| by_name.get(name).map_or(&config.settings.recheck, |s| &s.recheck).confirm_after.as_secs() as i64;
    let mut out: HashMap<String, Totals> = HashMap::new();
    for state in index.states(&confirm)?.into_values() {
        if let Some(k) = state.bucket() {
            out.entry(state.source.clone()).or_default().add(k);
        }
    }
    Ok(out)
}
