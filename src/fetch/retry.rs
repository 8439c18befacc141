//! Classifying failures and deciding how long to wait before the next attempt.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::FetchError;

/// A failed attempt, with the server's `Retry-After` when it gave one.
pub(super) struct Failed {
    pub error: FetchError,
    pub retry_after: Option<Duration>,
}

impl From<FetchError> for Failed {
    fn from(error: FetchError) -> Self {
        Failed { error, retry_after: None }
    }
}

/// Exponential backoff with a little jitter: 1 s, 2 s, 4 s, … capped at 30 s.
pub(super) fn backoff(attempt: u32) -> Duration {
    let base = 1000u64.saturating_mul(1 << attempt.saturating_sub(1).min(5)).min(30_000);
    let jitter = u64::from(std::process::id() ^ attempt.wrapping_mul(7919)) % 250;
    Duration::from_millis(base + jitter)
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.signed_duration_since(chrono::Utc::now());
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

pub(super) fn classify(e: reqwest::Error, timeout: Duration) -> Failed {
    let error = if e.is_timeout() {
        FetchError::Timeout(timeout)
    } else if e.is_redirect() {
        FetchError::Redirect(root_cause(&e))
    } else if e.is_connect() && is_unknown_host(&e) {
        FetchError::NoHost(root_cause(&e))
    } else if e.is_connect() {
        FetchError::Connect(root_cause(&e))
    } else if e.is_body() || e.is_decode() {
        FetchError::Body(root_cause(&e))
    } else {
        FetchError::Other(error_chain(&e))
    };
    error.into()
}

/// A name lookup that failed for good ("Name or service not known"), as
/// opposed to a resolver that is briefly unreachable ("Temporary failure").
fn is_unknown_host(e: &reqwest::Error) -> bool {
    let chain = error_chain(e);
    let lookup =
        chain.contains("dns error") || chain.contains("failed to lookup address") || chain.contains("does not resolve");
    lookup && !chain.contains("Temporary failure") && !chain.contains("timed out")
}

/// The innermost cause: reqwest wraps it in layers that each repeat what the
/// error kind already says ("error sending request", "client error").
pub(super) fn root_cause(e: &dyn std::error::Error) -> String {
    let mut deepest = e;
    while let Some(next) = deepest.source() {
        deepest = next;
    }
    deepest.to_string()
}

/// The error and its causes on one line: reqwest's own message alone
/// ("error sending request") does not say what went wrong.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = c.source();
    }
    parts.join(": ")
}
