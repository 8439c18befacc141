//! One run: every enabled source fetched concurrently, its new items turned
//! into posts on worker threads and each post's file written (under a
//! temporary name) as soon as it is rendered; the files are then named in
//! config order (so name collisions resolve the same way on every run,
//! whichever source finishes first), holding only names while an earlier
//! source is still at work.

mod captures;
pub mod content;
mod failure;
mod group;
mod items;
pub mod prepare;
mod preview;

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{FutureExt, StreamExt};
use url::Url;

use captures::Captures;
pub use failure::Failure;
use group::write_group;
pub use items::blocking_threads;
pub use preview::{Preview, preview};

use crate::config::{Config, Source};
use crate::extract::RuleSet;
use crate::feed::{self, Item, ParseOptions};
use crate::fetch::{Body, FetchError, Fetched, Fetcher, Request, Trust, Validators};
use crate::images::{self, ImageMirror};
use crate::recheck;
use crate::store::{self as store_mod, KeyReaders, Keys, Staged, Stager, Store, StoreError};

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
    /// Files added under the site besides the posts (`_changes/…`), to be
    /// committed with them.
    pub files: Vec<PathBuf>,
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
        posts: Vec<Staged>,
        validators: Validators,
        checked: bool,
        notes: Vec<String>,
        complete: bool,
        /// A post could not be written (a full disk): the others are, and
        /// the source fails without storing its validators, so the next run
        /// fetches the rest.
        failure: Option<Failure>,
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
        .max_blocking_threads(items::blocking_threads())
        .build()
        .map_err(|source| StoreError::Io { path: opts.site.clone(), source })?;
    let settings = fetcher.settings().clone();
    // One id names the run's files in `_changes/` and `_warc/`.
    let run_id = recheck::history::run_id(opts.run_time);
    let ctx = Arc::new(RunContext {
        images: ImageMirror::new(&opts.site, settings.image_max_bytes, settings.images_max_bytes_per_run),
        fetcher,
        rules: config.rules.clone(),
        stager: store.stager(),
        run_time: opts.run_time,
        warc: std::sync::Mutex::new(recheck::evidence::Warc::new(&opts.site, &run_id, opts.run_time)),
        feeds_in_flight: tokio::sync::Semaphore::new(settings.concurrency.max(1)),
        key_readers: KeyReaders::new(&opts.site),
    });
    let mut jobs = Vec::new();
    let mut report = RunReport::default();
    let mut known = store.validators()?;
    for source in config.sources.iter().filter(|s| s.enabled) {
        let validators = known.take(&source.name, &source.url);
        jobs.push((source.clone(), validators));
    }
    // Sources finish in any order; each waits (as names and keys, its
    // contents already on disk) until every source before it in the config
    // is written. The window bounds the sources at work, not the waiting.
    let window = settings.concurrency * 4;
    let stop = Arc::new(AtomicBool::new(false));
    store.stop_on(stop.clone());
    let mut waiting: BTreeMap<usize, (Source, Fetch)> = BTreeMap::new();
    let mut captures = Captures::new(&opts.site, &run_id, opts.run_time);
    let sources_done = runtime.block_on(async {
        let stop_requested = stop_signal(stop.clone());
        tokio::pin!(stop_requested);
        // The sources are driven by a task of their own, so fetching and
        // parsing go on while this thread writes a group: driven from here,
        // every write stalled the fetches and left the parsing threads idle.
        // The channel holds as many finished sources as may be at work, so
        // a writer that falls behind (a slow disk) slows the fetching
        // rather than letting what it has not written pile up.
        let (done, mut results) = tokio::sync::mpsc::channel(window.max(1));
        let (shared, stopped) = (ctx.clone(), stop.clone());
        tokio::spawn(async move {
            let sources = futures::stream::iter(jobs.into_iter().enumerate().map(|(i, (source, validators))| {
                let ctx = shared.clone();
                async move {
                    // A bug in one source's handling fails that source, as
                    // a panic on a parsing thread does, not the run.
                    let outcome = AssertUnwindSafe(fetch_and_prepare(&ctx, &source, validators))
                        .catch_unwind()
                        .await
                        .unwrap_or_else(|panic| Fetch::Failed(Failure::Internal(items::panic_message(&*panic))));
                    (i, source, outcome)
                }
            }))
            .buffer_unordered(window.max(1));
            tokio::pin!(sources);
            while let Some(finished) = sources.next().await {
                if done.send(finished).await.is_err() || stopped.load(Ordering::SeqCst) {
                    break;
                }
            }
        });
        let mut next_index = 0;
        'run: loop {
            // Finished work is recorded within `FLUSH_EVERY` even while the
            // writer waits for a slow source.
            let flush_due = store.flush_due_at();
            let next = tokio::select! {
                next = results.recv() => next,
                () = &mut stop_requested => None,
                () = sleep_until(flush_due) => {
                    if let Err(e) = store.flush() {
                        tracing::warn!(error = %e, "could not record the end of the last groups of writes; the next run will check them");
                    }
                    continue;
                }
            };
            let Some((i, source, fetched)) = next else { break };
            waiting.insert(i, (source, fetched));
            // Whatever else has finished joins this group: its sources'
            // intents are recorded in one transaction (`Store::begin`).
            while let Ok((i, source, fetched)) = results.try_recv() {
                waiting.insert(i, (source, fetched));
            }
            let mut group = Vec::new();
            while let Some(ready) = waiting.remove(&next_index) {
                next_index += 1;
                group.push(ready);
            }
            write_group(&mut store, &mut captures, group, &stop, |entry| {
                on_source(&entry);
                report.sources.push(entry);
            });
            if let Err(e) = store.flush_if_due() {
                tracing::warn!(error = %e, "could not record the end of the last groups of writes; the next run will check them");
            }
            if stop.load(Ordering::SeqCst) {
                break 'run;
            }
        }
        next_index
    });
    report.interrupted = stop.load(Ordering::SeqCst);
    if !report.interrupted {
        // Only a bug ends the task driving the sources early: the sources it
        // never handed over fail rather than vanish from the report.
        for (i, source) in config.sources.iter().filter(|s| s.enabled).enumerate().skip(sources_done) {
            if let Some((_, Fetch::Ready { posts, .. })) = waiting.remove(&i) {
                store_mod::discard(posts);
            }
            let failure = Failure::Internal("the run's work on this source ended unexpectedly".into());
            store.record_failure(&source.name, &source.url, failure.kind(), &failure.to_string());
            let entry =
                SourceReport { name: source.name.clone(), url: source.url.clone(), outcome: Outcome::Failed(failure) };
            on_source(&entry);
            report.sources.push(entry);
        }
    }
    if let Err(e) = store.flush() {
        tracing::warn!(error = %e, "could not record the end of the last writes; the next run will check them");
    }
    // Sources still at work (a stopped run) may have staged posts or be
    // writing evidence: their threads finish with the runtime first.
    drop(runtime);
    report.files.extend(captures.finish());
    match ctx.warc.lock().map(|mut w| w.finish()) {
        Ok(Ok(files)) => report.files.extend(files),
        Ok(Err(e)) => tracing::warn!(error = %e, "WARC evidence of this run is incomplete"),
        Err(_) => tracing::warn!("WARC evidence of this run is incomplete"),
    }
    if report.interrupted {
        for (_, (_, fetched)) in std::mem::take(&mut waiting) {
            if let Fetch::Ready { posts, .. } = fetched {
                store_mod::discard(posts);
            }
        }
        if let Err(e) = store.remove_temporaries() {
            tracing::warn!(error = %e, "could not remove the posts staged by the stopped run");
        }
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
    stager: Stager,
    run_time: DateTime<Utc>,
    /// `evidence = "warc"`: the run's feed and page fetches.
    warc: std::sync::Mutex<recheck::evidence::Warc>,
    /// Sources between fetching their feed and finishing what needs no page.
    feeds_in_flight: tokio::sync::Semaphore,
    key_readers: KeyReaders,
}

impl RunContext {
    /// Keep a fetch as WARC records when the source asks for evidence; the
    /// response record's id.
    fn evidence(&self, source: &Source, req: &Request, fetched: &Result<Fetched, FetchError>) -> Option<String> {
        // WARC records HTTP exchanges: an operator's `file://` feed is none.
        if !source.recheck.warc || !(req.url.starts_with("http://") || req.url.starts_with("https://")) {
            return None;
        }
        self.warc.lock().ok()?.record(req, fetched, Utc::now())
    }
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
    // A feed's body is held from its fetch until its items are finished or
    // waiting for pages; the window lets more sources start than that, so
    // a fast fetch (a local file, a warm server) must not pile up bodies
    // queued for the threads: memory stays bounded by `concurrency`.
    let Ok(in_flight) = ctx.feeds_in_flight.acquire().await else {
        return Fetch::Failed(Failure::Internal("the run stopped taking feeds".into()));
    };
    // The source's time starts once it may fetch, not while it waits.
    let deadline = tokio::time::Instant::now() + ctx.fetcher.settings().source_deadline;
    // The feed's URL is the operator's: any address, `file://` too.
    let feed = Request { trust: Trust::Operator, ..request(source, &source.url, &validators) };
    let fetched = ctx.fetcher.fetch(&feed).await;
    ctx.evidence(source, &feed, &fetched);
    let body = match fetched {
        Ok(Fetched::NotModified) => return Fetch::NotModified,
        Ok(Fetched::Body(b)) => b,
        Err(e) => return Fetch::Failed(Failure::from(&e)),
    };
    let feed_validators = body.validators.clone();
    // Items that need nothing from the network are finished on the thread
    // that parsed the feed: a source whose content is all in its feed goes
    // from bytes to staged posts in one task, holding none of its drafts
    // while other sources' items queue for the threads.
    let (New { count, checked, mut notes, complete, .. }, slots) = {
        let (ctx, source) = (ctx.clone(), source.clone());
        let parse_and_finish = move || {
            let mut new = new_items(&ctx, &source, body)?;
            let slots = items::finish_local(&ctx, &source, std::mem::take(&mut new.pending));
            Ok((new, slots))
        };
        match blocking(parse_and_finish).await {
            Ok(x) => x,
            Err(e) => return Fetch::Failed(e),
        }
    };
    drop(in_flight);
    // Each page is turned into content as soon as it arrives and each post
    // written to its (temporary) file as soon as it is rendered, so at most
    // `per_host` page bodies and posts of a source are held at once.
    let pages = items::Pages::new(ctx, source, deadline);
    let per_source = ctx.fetcher.settings().per_host.max(1);
    let finished: Vec<Option<Finished>> = futures::stream::iter(slots.into_iter().map(|slot| {
        let pages = &pages;
        async move {
            let p = match slot {
                items::Slot::Done(finished) => return Some(finished),
                items::Slot::Waiting(p) => *p,
            };
            let (page, record) = match &p.draft.page {
                Some(url) => {
                    let (page, record) = pages.fetch(url).await;
                    (Some(page), record)
                }
                None => (None, None),
            };
            let (ctx2, source2) = (ctx.clone(), source.clone());
            let work = move || {
                let Pending { mut item, link, keys, draft } = p;
                let (html, capture, notes) = items::finish_item(&mut item, draft, page, &source2, &ctx2);
                Ok((item, link, keys, html, capture, notes))
            };
            let (item, link, keys, html, capture, mut notes) = blocking(work).await.ok()?;
            let held = html.as_ref().map_or(0, String::len);
            pages.held.fetch_add(held, Ordering::SeqCst);
            let Some(mut html) = html else { return Some(Finished { notes, staged: None, late: false }) };
            let mut late = false;
            if items::wants_images(source) {
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
                    Err(_) => late = true,
                }
            }
            let (ctx2, source2) = (ctx.clone(), source.clone());
            let made = items::Made {
                item,
                link,
                keys,
                html,
                capture: capture.map(|c| store_mod::Capture { warc: record, ..c }),
            };
            Some(Finished { notes, staged: Some(blocking(move || items::stage(&ctx2, &source2, made)).await), late })
        }
    }))
    .buffered(per_source)
    .collect()
    .await;
    let mut posts = Vec::with_capacity(finished.len());
    let mut images_late = 0;
    let mut failure = None;
    // `None`: the blocking task itself failed, which `finish_item` prevents.
    for Finished { notes: item_notes, staged, late } in finished.into_iter().flatten() {
        notes.extend(item_notes);
        images_late += usize::from(late);
        match staged {
            Some(Ok(post)) => posts.push(post),
            Some(Err(e)) => failure = failure.or(Some(e)),
            None => {}
        }
    }
    if images_late > 0 {
        notes.push(format!(
            "images of {images_late} posts not mirrored: the source's deadline (source_deadline, {:?}) ran out; kept their original links",
            ctx.fetcher.settings().source_deadline
        ));
    }
    Fetch::Ready { items: count, posts, validators: feed_validators, checked, notes, complete, failure }
}

/// An item after its page: its staged post (`None`: not to be written),
/// notes, and whether its images missed the source's deadline.
struct Finished {
    notes: Vec<String>,
    staged: Option<Result<Staged, Failure>>,
    late: bool,
}

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
    let known = ctx.key_readers.get();
    let keys = prepare::keys_for(source, &feed, base.as_ref());
    let count = feed.items.len();
    let mut notes = Vec::new();
    if feed.truncated {
        notes.push(format!("the feed was truncated: kept the {count} items complete before the cut"));
    }
    let seen = match &known {
        Some(k) => k.known(keys.iter().map(|(_, keys)| keys)),
        None => vec![false; count],
    };
    let mut fresh: Vec<(Item, Option<Url>, Keys)> = Vec::new();
    for ((item, (link, keys)), seen) in feed.items.into_iter().zip(keys).zip(seen) {
        if !seen {
            fresh.push((item, link, keys));
        }
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
    for ((mut item, link, keys), keep) in fresh.into_iter().zip(keep) {
        if !keep {
            continue;
        }
        // A raw draft is the feed's content as is, and nothing reads the
        // item's copy after drafting: the draft takes it, rather than a
        // copy of every post's content.
        let raw_body = source.is_raw().then(|| std::mem::take(&mut item.body));
        let what = || format!("content of {}", link.as_ref().map_or_else(|| item.title.clone(), Url::to_string));
        match items::guarded(what, || content::draft(&item, link.as_ref(), source, &ctx.rules)) {
            Ok((mut draft, note)) => {
                if let Some(body) = raw_body {
                    draft.html = body;
                }
                notes.extend(note);
                pending.push(Pending { item, link, keys, draft });
            }
            Err(e) => notes.push(format!("{e}; not written")),
        }
    }
    Ok(New { count, pending, checked: known.is_some(), notes, complete: waiting == 0 })
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Failure::Internal(format!("internal error while preparing posts: {e}"))),
    }
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
