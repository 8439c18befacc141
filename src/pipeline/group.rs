//! Writing a group of sources that finished together, in config order.

use std::sync::atomic::{AtomicBool, Ordering};

use super::captures::Captures;
use super::{Failure, Fetch, Outcome, SourceReport};
use crate::config::Source;
use crate::fetch::Validators;
use crate::store::{self as store_mod, Store};

/// A source of a group on its way to its outcome.
enum Step {
    Done(Outcome),
    /// Its posts are planned in the group's [`store_mod::Batch`].
    Planned {
        items: usize,
        validators: Validators,
        notes: Vec<String>,
        complete: bool,
        failure: Option<Failure>,
    },
}

/// Write a group of sources, consecutive in config order, and report each
/// in that order: their posts named in order, their intents recorded in one
/// transaction, their files put in place. A signal stops the group after
/// the source in hand; the files of the rest are removed.
pub(super) fn write_group(
    store: &mut Store,
    history: &mut Captures,
    group: Vec<(Source, Fetch)>,
    stop: &AtomicBool,
    mut report: impl FnMut(SourceReport),
) {
    let mut batch = store_mod::Batch::default();
    let steps: Vec<(Source, Step)> = group
        .into_iter()
        .map(|(source, fetched)| {
            let step = match fetched {
                Fetch::NotModified => Step::Done(Outcome::NotModified),
                Fetch::Failed(e) => Step::Done(Outcome::Failed(e)),
                Fetch::Ready { items, posts, validators, checked, notes, complete, failure } => {
                    match store.plan(&mut batch, &source.name, posts, checked) {
                        Ok(()) => Step::Planned { items, validators, notes, complete, failure },
                        Err(e) => Step::Done(Outcome::Failed(Failure::Store(e.to_string()))),
                    }
                }
            };
            (source, step)
        })
        .collect();
    let mut placing = store.begin(batch);
    for (source, step) in steps {
        let (outcome, validators) = match step {
            Step::Done(outcome) => (outcome, None),
            Step::Planned { items, validators, notes, complete, failure } => {
                // A feed cut by `max_items` forgets its validators (stores none).
                let validators = if complete { validators } else { Validators::default() };
                let written = match &mut placing {
                    Ok(placing) => store.put_in_place(placing).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                match (written, failure) {
                    (Ok(written), None) => {
                        let written = history.record(&source.name, written);
                        (Outcome::Fetched { items, written, notes }, Some(validators))
                    }
                    (Err(e), _) => (Outcome::Failed(Failure::Store(e)), None),
                    (Ok(written), Some(e)) => {
                        history.record(&source.name, written);
                        (Outcome::Failed(e), None)
                    }
                }
            }
        };
        match &outcome {
            Outcome::Failed(e) => store.record_failure(&source.name, &source.url, e.kind(), &e.to_string()),
            _ => store.record_success(&source.name, &source.url, validators.as_ref()),
        }
        report(SourceReport { name: source.name.clone(), url: source.url.clone(), outcome });
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    if let Ok(placing) = placing {
        store.end(placing);
    }
}
