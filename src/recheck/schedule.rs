//! When an article is due: at each step of its source's schedule after
//! first capture (by default 1 h, 6 h, 1 d, 3 d, 7 d, 30 d), then every
//! 30 days; an article seen missing, `confirm_after` after that sighting.
//!
//! Due-ness is worked out from the history alone (capture time and the
//! last observation), so a fresh clone keeps to the same schedule.

use std::time::Duration;

use super::state::{Gone, PostState};

/// After the last step, one check per this long.
pub const REPEAT: i64 = 30 * 86_400;

/// How urgent a due check is: lower goes first when the budget is short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Priority {
    /// 0: confirming a missing article; 1: within the schedule's steps;
    /// 2: the repeating checks of old articles.
    tier: u8,
    /// When it fell due: the longest waiting first.
    due_at: i64,
}

impl Priority {
    /// `--all`: not due by the schedule, checked anyway, after the due ones.
    pub fn now(at: i64) -> Priority {
        Priority { tier: 3, due_at: at }
    }
}

/// Whether the article is due at `now`, and how urgently.
pub fn due(
    state: Option<&PostState>,
    captured: i64,
    steps: &[Duration],
    confirm_after: i64,
    now: i64,
) -> Option<Priority> {
    let last = state.and_then(|s| s.last_at);
    if let Some(Gone::Missing { since }) = state.map(|s| s.gone) {
        let at = since + confirm_after;
        return (now >= at).then_some(Priority { tier: 0, due_at: at });
    }
    let points: Vec<i64> = steps.iter().map(|d| captured + d.as_secs() as i64).collect();
    let &final_step = points.last()?;
    // The latest schedule point not after `now`.
    let latest = if now >= final_step {
        final_step + (now - final_step) / REPEAT * REPEAT
    } else {
        *points.iter().rev().find(|p| **p <= now)?
    };
    let tier = if latest <= final_step { 1 } else { 2 };
    match last {
        Some(l) if l >= latest => None,
        _ => Some(Priority { tier, due_at: latest }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recheck::DEFAULT_SCHEDULE;

    fn steps() -> Vec<Duration> {
        DEFAULT_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    fn seen(at: i64) -> PostState {
        PostState { last_at: Some(at), ..Default::default() }
    }

    #[test]
    fn decaying_steps_then_every_thirty_days() {
        let h = 3600;
        let s = steps();
        assert_eq!(due(None, 0, &s, h, 30 * 60), None, "not before the first hour");
        assert!(due(None, 0, &s, h, h).is_some());
        assert_eq!(due(Some(&seen(h)), 0, &s, h, 5 * h), None);
        assert!(due(Some(&seen(h)), 0, &s, h, 6 * h).is_some());
        assert_eq!(due(Some(&seen(6 * h)), 0, &s, h, 23 * h), None);
        // Checked once at 40 days: next at 60 days, not before.
        let d = 86_400;
        assert_eq!(due(Some(&seen(40 * d)), 0, &s, h, 59 * d), None);
        assert!(due(Some(&seen(40 * d)), 0, &s, h, 60 * d).is_some());
        // An old archive post never checked is due, behind recent ones.
        let old = due(None, 0, &s, h, 400 * d).unwrap();
        let recent = due(None, 399 * d, &s, h, 400 * d).unwrap();
        assert!(recent < old);
    }

    #[test]
    fn missing_is_confirmed_after_confirm_after_not_at_the_next_step() {
        let s = steps();
        let st = PostState { last_at: Some(7200), gone: Gone::Missing { since: 7200 }, ..Default::default() };
        assert_eq!(due(Some(&st), 0, &s, 600, 7700), None);
        let p = due(Some(&st), 0, &s, 600, 7800).unwrap();
        assert_eq!(p.tier, 0);
    }
}
