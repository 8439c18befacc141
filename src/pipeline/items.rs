//! Per-item work of one source, bounded: at most `max_items` new posts a
//! run, each item's CPU work isolated so a panic fails that item only, and
//! the article pages fetched within the source's deadline and turned into
//! content as each arrives, so a source never holds more than `per_host`
//! page bodies at once.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio::time::Instant;
use url::Url;

use super::{Failure, Finished, Pending, RunContext, content, prepare};
use crate::config::{Images, Source};
use crate::extract::bounds;
use crate::feed::Item;
use crate::fetch::{Body, FetchError, Fetched, Validators};
use crate::store::{Capture, Keys, Staged};

/// Stack of the threads that parse and extract. The bounds keep trees
/// within [`bounds::PAGE`]'s depth, for which a few megabytes are plenty;
/// this is a margin for the recursive walks of the HTML crates, reserved
/// rather than committed.
pub const WORKER_STACK: usize = 32 * 1024 * 1024;

/// Threads for parsing, rendering and writing posts. Tokio's default (512)
/// lets a run of many quick sources start a thread per waiting task, and
/// each keeps the stack its HTML walks touched: 170 threads held 500 MB.
/// A few per core keep the CPU busy and still overlap the flushes of
/// posts on a real disk.
pub fn blocking_threads() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from).saturating_mul(2).clamp(4, 16)
}

/// Bytes of post content one source keeps in memory before its posts are
/// written, past which its remaining items keep the feed's content rather
/// than fetch their pages: with at most `max_items` items of up to
/// [`bounds::PAGE`] each, a source could otherwise hold gigabytes.
pub const CONTENT_BUDGET: usize = 64 * 1024 * 1024;

/// A host that failed this many times in a row is not asked again this run,
/// so a dead site costs a few requests, not one per item.
const GIVE_UP_AFTER: u32 = 3;

/// Of the new items (by index), the ones to write this run: all of them, or
/// the `max` newest (by date, undated ones counting as oldest, feed order
/// among equals), still in feed order. The second value is how many wait.
pub fn newest(items: &[(usize, Option<DateTime<Utc>>)], max: usize) -> (Vec<usize>, usize) {
    if items.len() <= max {
        return (items.iter().map(|(i, _)| *i).collect(), 0);
    }
    let mut by_date: Vec<&(usize, Option<DateTime<Utc>>)> = items.iter().collect();
    // Stable: among equal dates, feed order (usually newest first) decides.
    by_date.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
    let mut kept: Vec<usize> = by_date.into_iter().take(max).map(|(i, _)| *i).collect();
    kept.sort_unstable();
    (kept, items.len() - max)
}

/// Run `f` and turn a panic into an error naming what was being done.
pub fn guarded<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| format!("{}: {}", what(), panic_message(&*panic)))
}

/// What a caught panic says, as an error.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let why = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    format!("internal error ({why})")
}

/// An item of a source on its way to a staged post.
pub enum Slot {
    /// Finished on the thread that parsed the feed.
    Done(Finished),
    /// Waits for its article page or for its images.
    Waiting(Box<Pending>),
}

/// Finish and stage, in feed order, every item that needs nothing from
/// the network; the others wait in their places.
pub fn finish_local(ctx: &RunContext, source: &Source, pending: Vec<Pending>) -> Vec<Slot> {
    let images = wants_images(source);
    pending
        .into_iter()
        .map(|p| {
            if p.draft.page.is_some() || images {
                return Slot::Waiting(Box::new(p));
            }
            let Pending { mut item, link, keys, draft } = p;
            let (html, capture, notes) = finish_item(&mut item, draft, None, source, ctx);
            let staged = html.map(|html| stage(ctx, source, Made { item, link, keys, html, capture }));
            Slot::Done(Finished { notes, staged, late: false })
        })
        .collect()
}

/// An item's final HTML from its draft and fetched page, or why it has
/// none, with the page's text when the HTML came from the page. A panic
/// while using the page keeps the feed's content; one while sanitising
/// that fails the item.
pub fn finish_item(
    item: &mut Item,
    draft: content::Draft,
    page: Option<Result<Body, String>>,
    source: &Source,
    ctx: &RunContext,
) -> (Option<String>, Option<Capture>, Vec<String>) {
    let mut notes = Vec::new();
    let mut draft = match page {
        Some(page) => {
            let fallback = draft.clone();
            match guarded(
                || format!("full text of {}", label(item)),
                || content::with_page(draft, page, source, &ctx.rules),
            ) {
                Ok((with_page, note)) => {
                    notes.extend(note);
                    with_page
                }
                Err(e) => {
                    notes.push(format!("{e}; kept the feed's content"));
                    fallback
                }
            }
        }
        None => draft,
    };
    // The text goes to the capture; the post is made from the HTML.
    let capture = draft.page_text.take().map(|text| Capture {
        hash: crate::recheck::classify::text_hash(&text),
        text,
        warc: None,
    });
    content::fill_from_page(item, &draft, source);
    match guarded(|| format!("item {}", label(item)), || content::finish(draft, source)) {
        Ok(html) => (Some(html), capture, notes),
        Err(e) => {
            notes.push(format!("{e}; not written"));
            (None, None, notes)
        }
    }
}

/// How an item is named in a note: its link, else its title.
fn label(item: &Item) -> String {
    item.link.clone().unwrap_or_else(|| format!("\"{}\"", crate::text::clean_line(&item.title)))
}

/// Fetches the article pages of one source: within its deadline, at most
/// [`bounds::PAGE`] bytes each, giving up on a host that keeps failing.
pub struct Pages<'a> {
    pub ctx: &'a RunContext,
    pub source: &'a Source,
    pub deadline: Instant,
    failures: Mutex<HashMap<String, u32>>,
    /// Bytes of content the source's finished items hold.
    pub held: std::sync::atomic::AtomicUsize,
}

impl<'a> Pages<'a> {
    pub fn new(ctx: &'a RunContext, source: &'a Source, deadline: Instant) -> Pages<'a> {
        Pages { ctx, source, deadline, failures: Mutex::default(), held: Default::default() }
    }

    /// The page, or why there is none; the WARC record of the fetch, when
    /// the source keeps evidence.
    pub async fn fetch(&self, url: &Url) -> (Result<Body, String>, Option<String>) {
        match self.fetch_page(url).await {
            Ok((page, record)) => (page, record),
            Err(why) => (Err(why), None),
        }
    }

    /// `Err`: not fetched at all.
    async fn fetch_page(&self, url: &Url) -> Result<(Result<Body, String>, Option<String>), String> {
        let host = url.host_str().unwrap_or_default().to_string();
        let failed = |m: &HashMap<String, u32>| m.get(&host).copied().unwrap_or(0);
        if self.failures.lock().map(|m| failed(&m)).unwrap_or(0) >= GIVE_UP_AFTER {
            return Err(format!("not tried: {host} failed {GIVE_UP_AFTER} times in a row this run"));
        }
        let out_of_time = || {
            format!(
                "not fetched: the source's deadline (source_deadline, {:?}) ran out",
                self.ctx.fetcher.settings().source_deadline
            )
        };
        if Instant::now() >= self.deadline {
            return Err(out_of_time());
        }
        if self.held.load(std::sync::atomic::Ordering::SeqCst) >= CONTENT_BUDGET {
            return Err(format!("not fetched: this source's posts already hold {CONTENT_BUDGET} bytes this run"));
        }
        let validators = Validators::default();
        let mut req = super::request(self.source, url.as_str(), &validators);
        req.max_body = Some(bounds::PAGE.max_bytes as u64);
        let fetched = tokio::time::timeout_at(self.deadline, self.ctx.fetcher.fetch(&req)).await;
        let record = fetched.as_ref().ok().and_then(|f| self.ctx.evidence(self.source, &req, f));
        let (result, host_down) = match fetched {
            Err(_) => return Err(out_of_time()),
            Ok(Ok(Fetched::Body(b))) => (Ok(b), false),
            Ok(Ok(Fetched::NotModified)) => (Err("unexpected 304".to_string()), false),
            Ok(Err(e)) => {
                let down = matches!(
                    e,
                    FetchError::Connect(_) | FetchError::NoHost(_) | FetchError::Timeout(_) | FetchError::Deadline(_)
                );
                (Err(e.to_string()), down)
            }
        };
        // A missing article (404) says nothing about the next one.
        if let Ok(mut m) = self.failures.lock() {
            let n = m.entry(host).or_insert(0);
            *n = if host_down { *n + 1 } else { 0 };
        }
        Ok((result, record))
    }
}

/// Whether an item's images are fetched into the site after its content.
pub fn wants_images(source: &Source) -> bool {
    source.images == Images::Mirror && !source.is_raw()
}

/// An item's post, made and ready to stage.
pub struct Made {
    pub item: Item,
    pub link: Option<Url>,
    pub keys: Keys,
    pub html: String,
    pub capture: Option<Capture>,
}

/// Render the post and write it to its temporary file.
pub fn stage(ctx: &RunContext, source: &Source, made: Made) -> Result<Staged, Failure> {
    let Made { item, link, keys, html, capture } = made;
    let mut post = prepare::prepare(&item, link.as_ref(), keys, source, ctx.run_time, html).into_new_post();
    post.capture = capture;
    ctx.stager.stage(post).map_err(|e| Failure::Store(e.to_string()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_newest_are_kept_in_feed_order_and_undated_count_as_oldest() {
        let day = |d| Some(Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap());
        let items = [(0, day(3)), (1, None), (2, day(9)), (3, day(1)), (4, day(5))];
        assert_eq!(newest(&items, 3), (vec![0, 2, 4], 2));
        assert_eq!(newest(&items, 5), (vec![0, 1, 2, 3, 4], 0));
        let undated = [(0, None), (1, None), (2, None)];
        assert_eq!(newest(&undated, 2), (vec![0, 1], 1), "feed order among equals");
    }

    #[test]
    fn a_panic_becomes_an_error_naming_the_work() {
        let r: Result<(), String> = guarded(|| "item x".into(), || panic!("boom"));
        assert_eq!(r, Err("item x: internal error (boom)".into()));
    }
}
