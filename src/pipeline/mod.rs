//! One run: every enabled source fetched concurrently, its new items turned
//! into posts on worker threads, and the posts written in config order (so
//! name collisions resolve the same way on every run).

pub mod prepare;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use url::Url;

use crate::config::{Config, Source};
use crate::feed::{self, ParseOptions};
use crate::fetch::{Fetched, Fetcher, Request, Validators};
use crate::store::{KeyReader, NewPost, Store, StoreError};

/// How one source fared.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Fetched and parsed; `written` are the new posts.
    Fetched {
        items: usize,
        written: Vec<PathBuf>,
    },
    /// 304 Not Modified.
    NotModified,
    Disabled,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct SourceReport {
    pub name: String,
    pub url: String,
    pub outcome: Outcome,
}

#[derive(Debug, Default)]
pub struct RunReport {
    pub sources: Vec<SourceReport>,
    /// SIGINT or SIGTERM stopped the run after the post being written.
    pub interrupted: bool,
}

impl RunReport {
    pub fn new_posts(&self) -> usize {
        self.sources
            .iter()
            .map(|s| if let Outcome::Fetched { written, .. } = &s.outcome { written.len() } else { 0 })
            .sum()
    }

    pub fn failures(&self) -> usize {
        self.sources.iter().filter(|s| matches!(s.outcome, Outcome::Failed(_))).count()
    }
}

pub struct RunOptions {
    pub site: PathBuf,
    /// How long to wait for another run's lock on the site.
    pub lock_wait: Duration,
    pub run_time: DateTime<Utc>,
}

/// What a worker hands back to the writer for one source.
enum Fetch {
    NotModified,
    Ready { items: usize, posts: Vec<NewPost>, validators: Validators, checked: bool },
    Failed(String),
}

/// Run every source of `config` into the site; `on_source` sees each report
/// as soon as its source is done.
pub fn run(
    config: &Config,
    opts: &RunOptions,
    fetcher: Fetcher,
    mut on_source: impl FnMut(&SourceReport),
) -> Result<RunReport, StoreError> {
    let mut store = Store::open(&opts.site, opts.lock_wait)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| StoreError::Io { path: opts.site.clone(), source })?;
    let fetcher = Arc::new(fetcher);
    let mut jobs = Vec::new();
    let mut report = RunReport::default();
    for source in config.sources.iter().filter(|s| s.enabled) {
        let validators = store.validators(&source.name, &source.url)?;
        jobs.push((source.clone(), validators));
    }
    // Results are taken in config order; the window lets later sources run
    // ahead of a slow one while bounding what waits in memory.
    let window = fetcher.settings().concurrency * 4;
    let site = opts.site.clone();
    let run_time = opts.run_time;
    let stop = Arc::new(AtomicBool::new(false));
    store.stop_on(stop.clone());
    runtime.block_on(async {
        let stop_requested = stop_signal(stop.clone());
        tokio::pin!(stop_requested);
        let mut results = futures::stream::iter(jobs.into_iter().map(|(source, validators)| {
            let fetcher = fetcher.clone();
            let site = site.clone();
            async move {
                let outcome = fetch_and_prepare(&fetcher, &source, validators, site, run_time).await;
                (source, outcome)
            }
        }))
        .buffered(window.max(1));
        loop {
            let next = tokio::select! {
                next = results.next() => next,
                () = &mut stop_requested => None,
            };
            let Some((source, fetched)) = next else { break };
            let outcome = write(&mut store, &source, fetched);
            let entry = SourceReport { name: source.name.clone(), url: source.url.clone(), outcome };
            on_source(&entry);
            report.sources.push(entry);
            if stop.load(Ordering::SeqCst) {
                break;
            }
        }
    });
    report.interrupted = stop.load(Ordering::SeqCst);
    if report.interrupted {
        return Ok(report);
    }
    for source in config.sources.iter().filter(|s| !s.enabled) {
        let entry = SourceReport { name: source.name.clone(), url: source.url.clone(), outcome: Outcome::Disabled };
        on_source(&entry);
        report.sources.push(entry);
    }
    Ok(report)
}

async fn fetch_and_prepare(
    fetcher: &Fetcher,
    source: &Source,
    validators: Validators,
    site: PathBuf,
    run_time: DateTime<Utc>,
) -> Fetch {
    let req = Request {
        url: &source.url,
        user_agent: &source.user_agent,
        proxy: source.proxy.as_deref(),
        timeout: source.timeout,
        validators: &validators,
    };
    let body = match fetcher.fetch(&req).await {
        Ok(Fetched::NotModified) => return Fetch::NotModified,
        Ok(Fetched::Body(b)) => b,
        Err(e) => return Fetch::Failed(e.to_string()),
    };
    let source = source.clone();
    let work = tokio::task::spawn_blocking(move || {
        let opts = ParseOptions { http_charset: body.charset.as_deref(), timezone: source.timezone };
        let feed = feed::parse(&body.bytes, &opts).map_err(|e| e.to_string())?;
        let base = Url::parse(&body.final_url).ok();
        let known = KeyReader::open(&site).ok();
        let mut posts = Vec::new();
        for (item, (link, keys)) in feed.items.iter().zip(prepare::keys_for(&source, &feed, base.as_ref())) {
            if known.as_ref().is_some_and(|k| k.is_known(&keys)) {
                continue;
            }
            posts.push(prepare::prepare(item, link.as_ref(), keys, &source, run_time).into_new_post());
        }
        Ok::<_, String>(Fetch::Ready {
            items: feed.items.len(),
            posts,
            validators: body.validators,
            checked: known.is_some(),
        })
    });
    match work.await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => Fetch::Failed(e),
        Err(e) => Fetch::Failed(format!("internal error while parsing: {e}")),
    }
}

fn write(store: &mut Store, source: &Source, fetched: Fetch) -> Outcome {
    let (outcome, validators) = match fetched {
        Fetch::NotModified => (Outcome::NotModified, None),
        Fetch::Failed(e) => (Outcome::Failed(e), None),
        Fetch::Ready { items, posts, validators, checked } => match store.write_posts(&source.name, &posts, checked) {
            Ok(written) => (Outcome::Fetched { items, written }, Some(validators)),
            Err(e) => (Outcome::Failed(e.to_string()), None),
        },
    };
    let recorded = match &outcome {
        Outcome::Failed(e) => store.record_failure(&source.name, &source.url, e),
        _ => store.record_success(&source.name, &source.url, validators.as_ref()),
    };
    if let Err(e) = recorded {
        tracing::warn!(source = %source.name, error = %e, "could not record the source's state");
    }
    outcome
}

/// Resolves when SIGINT (Ctrl-C) or SIGTERM arrives, after raising `flag`
/// so the writer stops after the post in hand.
async fn stop_signal(flag: Arc<AtomicBool>) {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    flag.store(true, Ordering::SeqCst);
}
