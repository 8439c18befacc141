//! One run: every enabled source fetched concurrently, its new items turned
//! into posts on worker threads, and the posts written in config order (so
//! name collisions resolve the same way on every run).

pub mod content;
pub mod prepare;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use url::Url;

use crate::config::{Config, Images, Source};
use crate::extract::RuleSet;
use crate::feed::{self, Item, ParseOptions};
use crate::fetch::{Body, FetchError, Fetched, Fetcher, Request, Validators};
use crate::images::{self, ImageMirror};
use crate::store::{KeyReader, Keys, NewPost, Store, StoreError};

/// How one source fared.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Fetched and parsed; `written` are the new posts. `notes` say where
    /// a post kept the feed's content or an image its original link.
    Fetched {
        items: usize,
        written: Vec<PathBuf>,
        notes: Vec<String>,
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
    Ready { items: usize, posts: Vec<NewPost>, validators: Validators, checked: bool, notes: Vec<String> },
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
    let settings = fetcher.settings().clone();
    let ctx = Arc::new(RunContext {
        images: ImageMirror::new(&opts.site, settings.image_max_bytes, settings.images_max_bytes_per_run),
        fetcher,
        rules: config.rules.clone(),
        site: opts.site.clone(),
        run_time: opts.run_time,
    });
    let mut jobs = Vec::new();
    let mut report = RunReport::default();
    for source in config.sources.iter().filter(|s| s.enabled) {
        let validators = store.validators(&source.name, &source.url)?;
        jobs.push((source.clone(), validators));
    }
    // Results are taken in config order; the window lets later sources run
    // ahead of a slow one while bounding what waits in memory.
    let window = settings.concurrency * 4;
    let stop = Arc::new(AtomicBool::new(false));
    store.stop_on(stop.clone());
    runtime.block_on(async {
        let stop_requested = stop_signal(stop.clone());
        tokio::pin!(stop_requested);
        let mut results = futures::stream::iter(jobs.into_iter().map(|(source, validators)| {
            let ctx = ctx.clone();
            async move {
                let outcome = fetch_and_prepare(&ctx, &source, validators).await;
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

/// What every source of a run shares.
struct RunContext {
    fetcher: Fetcher,
    rules: RuleSet,
    images: ImageMirror,
    site: PathBuf,
    run_time: DateTime<Utc>,
}

/// A new item between parsing and rendering.
struct Pending {
    item: Item,
    link: Option<Url>,
    keys: Keys,
    draft: content::Draft,
}

fn request<'a>(source: &'a Source, url: &'a str, validators: &'a Validators) -> Request<'a> {
    Request {
        url,
        user_agent: &source.user_agent,
        proxy: source.proxy.as_deref(),
        timeout: source.timeout,
        validators,
        max_body: None,
    }
}

/// Fetch and parse the feed, then for each new item: clean its content,
/// fetch its page when the full text is wanted, sanitise, mirror images,
/// render. CPU work runs on blocking threads, network work here.
async fn fetch_and_prepare(ctx: &Arc<RunContext>, source: &Source, validators: Validators) -> Fetch {
    let body = match ctx.fetcher.fetch(&request(source, &source.url, &validators)).await {
        Ok(Fetched::NotModified) => return Fetch::NotModified,
        Ok(Fetched::Body(b)) => b,
        Err(e) => return Fetch::Failed(e.to_string()),
    };
    let feed_validators = body.validators.clone();
    let (items, pending, checked) = {
        let (ctx, source) = (ctx.clone(), source.clone());
        match blocking(move || new_items(&ctx, &source, body)).await {
            Ok(x) => x,
            Err(e) => return Fetch::Failed(e),
        }
    };
    let pages = fetch_pages(ctx, source, &pending).await;
    let mut notes = Vec::new();
    let finished = {
        let (ctx, source) = (ctx.clone(), source.clone());
        let work = move || {
            let mut notes = Vec::new();
            let mut out = Vec::with_capacity(pending.len());
            for (p, page) in pending.into_iter().zip(pages) {
                let Pending { mut item, link, keys, mut draft } = p;
                if let Some(page) = page {
                    let (with_page, note) = content::with_page(draft, page, &source, &ctx.rules);
                    draft = with_page;
                    notes.extend(note);
                }
                content::fill_from_page(&mut item, &draft, &source);
                out.push((item, link, keys, content::finish(draft, &source)));
            }
            Ok((out, notes))
        };
        match blocking(work).await {
            Ok((out, n)) => {
                notes.extend(n);
                out
            }
            Err(e) => return Fetch::Failed(e),
        }
    };
    let mut posts = Vec::with_capacity(finished.len());
    for (item, link, keys, mut html) in finished {
        if source.images == Images::Mirror && !source.is_raw() {
            let client = images::Client {
                user_agent: &source.user_agent,
                proxy: source.proxy.as_deref(),
                timeout: source.timeout,
            };
            let (rewritten, image_notes) = ctx.images.mirror(&ctx.fetcher, &client, &html).await;
            html = rewritten;
            notes.extend(image_notes);
        }
        posts.push(prepare::prepare(&item, link.as_ref(), keys, source, ctx.run_time, html).into_new_post());
    }
    Fetch::Ready { items, posts, validators: feed_validators, checked, notes }
}

/// Parse the feed and keep the items not yet written, each with its draft.
fn new_items(ctx: &RunContext, source: &Source, body: Body) -> Result<(usize, Vec<Pending>, bool), String> {
    let opts = ParseOptions { http_charset: body.charset.as_deref(), timezone: source.timezone };
    let feed = feed::parse(&body.bytes, &opts).map_err(|e| e.to_string())?;
    let base = Url::parse(&body.final_url).ok();
    let known = KeyReader::open(&ctx.site).ok();
    let keys = prepare::keys_for(source, &feed, base.as_ref());
    let count = feed.items.len();
    let mut pending = Vec::new();
    for (item, (link, keys)) in feed.items.into_iter().zip(keys) {
        if known.as_ref().is_some_and(|k| k.is_known(&keys)) {
            continue;
        }
        let draft = content::draft(&item, link.as_ref(), source, &ctx.rules);
        pending.push(Pending { item, link, keys, draft });
    }
    Ok((count, pending, known.is_some()))
}

/// The article pages the drafts want, in order (`None` where none is wanted).
/// The fetcher's per-host limit keeps this polite to the site; a host that
/// failed [`GIVE_UP_AFTER`] times in a row is not asked again this run, so
/// a dead site costs a few requests, not one per item.
async fn fetch_pages(ctx: &RunContext, source: &Source, pending: &[Pending]) -> Vec<Option<Result<Body, String>>> {
    let per_source = ctx.fetcher.settings().per_host.max(1);
    let failures = std::sync::Mutex::new(std::collections::HashMap::<String, u32>::new());
    let failures = &failures;
    futures::stream::iter(pending.iter().map(|p| async move {
        let url = p.draft.page.as_ref()?;
        let host = url.host_str().unwrap_or_default().to_string();
        let count = |f: &std::sync::Mutex<std::collections::HashMap<String, u32>>| {
            f.lock().map(|m| m.get(&host).copied().unwrap_or(0)).unwrap_or(0)
        };
        if count(failures) >= GIVE_UP_AFTER {
            return Some(Err(format!("not tried: {host} failed {GIVE_UP_AFTER} times in a row this run")));
        }
        let validators = Validators::default();
        let (result, host_down) = match ctx.fetcher.fetch(&request(source, url.as_str(), &validators)).await {
            Ok(Fetched::Body(b)) => (Ok(b), false),
            Ok(Fetched::NotModified) => (Err("unexpected 304".to_string()), false),
            Err(e) => {
                let down = matches!(
                    e,
                    FetchError::Connect(_) | FetchError::NoHost(_) | FetchError::Timeout(_) | FetchError::Deadline(_)
                );
                (Err(e.to_string()), down)
            }
        };
        // A missing article (404) says nothing about the next one.
        if let Ok(mut m) = failures.lock() {
            let n = m.entry(host).or_insert(0);
            *n = if host_down { *n + 1 } else { 0 };
        }
        Some(result)
    }))
    .buffered(per_source)
    .collect()
    .await
}

const GIVE_UP_AFTER: u32 = 3;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(format!("internal error while preparing posts: {e}")),
    }
}

fn write(store: &mut Store, source: &Source, fetched: Fetch) -> Outcome {
    let (outcome, validators) = match fetched {
        Fetch::NotModified => (Outcome::NotModified, None),
        Fetch::Failed(e) => (Outcome::Failed(e), None),
        Fetch::Ready { items, posts, validators, checked, notes } => {
            match store.write_posts(&source.name, &posts, checked) {
                Ok(written) => (Outcome::Fetched { items, written, notes }, Some(validators)),
                Err(e) => (Outcome::Failed(e.to_string()), None),
            }
        }
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
    shutdown_requested().await;
    flag.store(true, Ordering::SeqCst);
}

/// Resolves when SIGINT (Ctrl-C) or SIGTERM arrives; `watch` sleeps on it
/// between rounds.
pub async fn shutdown_requested() {
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
}
