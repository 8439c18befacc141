//! One run: every enabled source fetched concurrently, its new items turned
//! into posts on worker threads, and the posts written in config order (so
//! name collisions resolve the same way on every run).

pub mod content;
mod failure;
mod items;
pub mod prepare;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use url::Url;

pub use failure::Failure;

use crate::config::{Config, Images, Source};
use crate::extract::RuleSet;
use crate::feed::{self, Item, ParseOptions};
use crate::fetch::{Body, Fetched, Fetcher, Request, Trust, Validators};
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
    Failed(Failure),
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
    /// `complete` is false when `max_items` held some new items back: then
    /// the feed's validators are not stored, so the next run fetches it
    /// whole (no 304) and writes the rest.
    Ready {
        items: usize,
        posts: Vec<NewPost>,
        validators: Validators,
        checked: bool,
        notes: Vec<String>,
        complete: bool,
    },
    Failed(Failure),
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
        .thread_stack_size(items::WORKER_STACK)
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
        trust: Trust::Data,
        allow_private: source.allow_private,
    }
}

/// Fetch and parse the feed, then for each new item: clean its content,
/// fetch its page when the full text is wanted, sanitise, mirror images,
/// render. CPU work runs on blocking threads, network work here; all of it
/// within the source's deadline (`source_deadline`): an item whose page
/// or images did not arrive in time keeps the feed's content or the
/// images' original links, with a note.
async fn fetch_and_prepare(ctx: &Arc<RunContext>, source: &Source, validators: Validators) -> Fetch {
    let deadline = tokio::time::Instant::now() + ctx.fetcher.settings().source_deadline;
    // The feed's URL is the operator's: any address, `file://` too.
    let feed = Request { trust: Trust::Operator, ..request(source, &source.url, &validators) };
    let body = match ctx.fetcher.fetch(&feed).await {
        Ok(Fetched::NotModified) => return Fetch::NotModified,
        Ok(Fetched::Body(b)) => b,
        Err(e) => return Fetch::Failed(Failure::from(&e)),
    };
    let feed_validators = body.validators.clone();
    let New { count, pending, checked, mut notes, complete } = {
        let (ctx, source) = (ctx.clone(), source.clone());
        match blocking(move || new_items(&ctx, &source, body)).await {
            Ok(x) => x,
            Err(e) => return Fetch::Failed(e),
        }
    };
    // Each page is turned into content as soon as it arrives, so at most
    // `per_host` page bodies are held at once.
    let pages = items::Pages::new(ctx, source, deadline);
    let per_source = ctx.fetcher.settings().per_host.max(1);
    let finished: Vec<Option<Finished>> = futures::stream::iter(pending.into_iter().map(|p| {
        let pages = &pages;
        async move {
            let page = match &p.draft.page {
                Some(url) => Some(pages.fetch(url).await),
                None => None,
            };
            let (ctx, source) = (ctx.clone(), source.clone());
            let work = move || {
                let Pending { mut item, link, keys, draft } = p;
                let (html, notes) = items::finish_item(&mut item, draft, page, &source, &ctx);
                Ok((item, link, keys, html, notes))
            };
            let done = blocking(work).await.ok();
            let held = done.as_ref().and_then(|d| d.3.as_ref()).map_or(0, String::len);
            pages.held.fetch_add(held, Ordering::SeqCst);
            done
        }
    }))
    .buffered(per_source)
    .collect()
    .await;
    let mut posts = Vec::with_capacity(finished.len());
    let mut images_late = 0;
    // `None`: the blocking task itself failed, which `finish_item` prevents.
    for (item, link, keys, html, item_notes) in finished.into_iter().flatten() {
        notes.extend(item_notes);
        let Some(mut html) = html else { continue };
        if source.images == Images::Mirror && !source.is_raw() {
            let client = images::Client {
                user_agent: &source.user_agent,
                proxy: source.proxy.as_deref(),
                timeout: source.timeout,
                allow_private: source.allow_private,
            };
            match tokio::time::timeout_at(deadline, ctx.images.mirror(&ctx.fetcher, &client, &html)).await {
                Ok((rewritten, image_notes)) => {
                    html = rewritten;
                    notes.extend(image_notes);
                }
                Err(_) => images_late += 1,
            }
        }
        posts.push(prepare::prepare(&item, link.as_ref(), keys, source, ctx.run_time, html).into_new_post());
    }
    if images_late > 0 {
        notes.push(format!(
            "images of {images_late} posts not mirrored: the source's deadline (source_deadline, {:?}) ran out; kept their original links",
            ctx.fetcher.settings().source_deadline
        ));
    }
    Fetch::Ready { items: count, posts, validators: feed_validators, checked, notes, complete }
}

/// An item after its page: its final HTML (`None`: not to be written) and notes.
type Finished = (Item, Option<Url>, Keys, Option<String>, Vec<String>);

/// The feed's new items, ready for their pages.
struct New {
    /// Items in the feed.
    count: usize,
    pending: Vec<Pending>,
    checked: bool,
    notes: Vec<String>,
    /// Every new item is in `pending` (none held back by `max_items`).
    complete: bool,
}

/// Parse the feed and keep the items not yet written (the newest
/// `max_items` of them), each with its draft.
fn new_items(ctx: &RunContext, source: &Source, body: Body) -> Result<New, Failure> {
    let opts = ParseOptions { http_charset: body.charset.as_deref(), timezone: source.timezone };
    let feed = feed::parse(&body.bytes, &opts).map_err(|e| Failure::Parse(e.to_string()))?;
    let base = Url::parse(&body.final_url).ok();
    drop(body);
    let known = KeyReader::open(&ctx.site).ok();
    let keys = prepare::keys_for(source, &feed, base.as_ref());
    let count = feed.items.len();
    let mut notes = Vec::new();
    if feed.truncated {
        notes.push(format!("the feed was truncated: kept the {count} items complete before the cut"));
    }
    let mut fresh: Vec<(Item, Option<Url>, Keys)> = Vec::new();
    for (item, (link, keys)) in feed.items.into_iter().zip(keys) {
        if known.as_ref().is_some_and(|k| k.is_known(&keys)) {
            continue;
        }
        fresh.push((item, link, keys));
    }
    let dates: Vec<_> = fresh.iter().enumerate().map(|(i, (item, _, _))| (i, item.published)).collect();
    let (kept, waiting) = items::newest(&dates, source.max_items);
    if waiting > 0 {
        notes.push(format!(
            "{} new items, over max_items ({}): wrote the newest {}; the other {waiting} wait for the next run",
            fresh.len(),
            source.max_items,
            kept.len()
        ));
    }
    let mut keep = vec![false; fresh.len()];
    for i in kept {
        keep[i] = true;
    }
    let mut pending = Vec::new();
    for ((item, link, keys), keep) in fresh.into_iter().zip(keep) {
        if !keep {
            continue;
        }
        let what = || format!("content of {}", link.as_ref().map_or_else(|| item.title.clone(), Url::to_string));
        match items::guarded(what, || content::draft(&item, link.as_ref(), source, &ctx.rules)) {
            Ok((draft, note)) => {
                notes.extend(note);
                pending.push(Pending { item, link, keys, draft });
            }
            Err(e) => notes.push(format!("{e}; not written")),
        }
    }
    Ok(New { count, pending, checked: known.is_some(), notes, complete: waiting == 0 })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Failure::Internal(format!("internal error while preparing posts: {e}"))),
    }
}

fn write(store: &mut Store, source: &Source, fetched: Fetch) -> Outcome {
    let (outcome, validators) = match fetched {
        Fetch::NotModified => (Outcome::NotModified, None),
        Fetch::Failed(e) => (Outcome::Failed(e), None),
        Fetch::Ready { items, posts, validators, checked, notes, complete } => {
            // A feed cut by `max_items` forgets its validators (stores none).
            let validators = if complete { validators } else { Validators::default() };
            match store.write_posts(&source.name, &posts, checked) {
                Ok(written) => (Outcome::Fetched { items, written, notes }, Some(validators)),
                Err(e) => (Outcome::Failed(Failure::Store(e.to_string())), None),
            }
        }
    };
    let recorded = match &outcome {
        Outcome::Failed(e) => store.record_failure(&source.name, &source.url, e.kind(), &e.to_string()),
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
