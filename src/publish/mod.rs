//! `run --commit` and `--push`: the new posts into git, and out to the
//! remote. Uses the `git` command (present wherever a mirror is a git
//! checkout, GitHub Actions included) so the user's own credentials,
//! hooks and config apply unchanged.
//!
//! A push that loses a race (another run, a human) fetches, rebases the
//! mirror's commit onto the remote and tries again. New posts are new
//! files, so a rebase conflicts only when the same file was written on both
//! sides; then the rebase is aborted and the commit stays local, to be
//! pushed by the next run: a post is never lost.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::pipeline::{Outcome, RunReport};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("git {args}: {message}")]
    Git { args: String, message: String },
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
}

/// How many times a rejected push is rebased and retried.
pub const PUSH_ATTEMPTS: u32 = 5;

fn git(site: &Path, args: &[&str]) -> Result<String, PublishError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(site)
        // A fresh CI machine has no identity; the user's own config wins.
        .env("GIT_AUTHOR_NAME", std::env::var("GIT_AUTHOR_NAME").unwrap_or_else(|_| identity(site, "user.name")))
        .env("GIT_AUTHOR_EMAIL", std::env::var("GIT_AUTHOR_EMAIL").unwrap_or_else(|_| identity(site, "user.email")))
        .env("GIT_COMMITTER_NAME", std::env::var("GIT_COMMITTER_NAME").unwrap_or_else(|_| identity(site, "user.name")))
        .env(
            "GIT_COMMITTER_EMAIL",
            std::env::var("GIT_COMMITTER_EMAIL").unwrap_or_else(|_| identity(site, "user.email")),
        )
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(args)
        .output()
        .map_err(PublishError::Spawn)?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    let mut message = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if message.is_empty() {
        message = String::from_utf8_lossy(&out.stdout).trim().to_string();
    }
    Err(PublishError::Git { args: args.join(" "), message })
}

fn identity(site: &Path, key: &str) -> String {
    let configured = Command::new("git")
        .arg("-C")
        .arg(site)
        .args(["config", key])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty());
    configured.unwrap_or_else(|| if key == "user.name" { "newsmirror".into() } else { "newsmirror@localhost".into() })
}

/// `newsmirror: 5 new posts (BBC 3, CNA 2)`.
pub fn message(report: &RunReport) -> String {
    let mut parts: Vec<(String, usize)> = report
        .sources
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Fetched { written, .. } if !written.is_empty() => Some((s.name.clone(), written.len())),
            _ => None,
        })
        .collect();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: usize = parts.iter().map(|p| p.1).sum();
    let list: Vec<String> = parts.iter().map(|(n, c)| format!("{n} {c}")).collect();
    format!("newsmirror: {total} new post{} ({})", if total == 1 { "" } else { "s" }, list.join(", "))
}

/// Commit the run's new posts (and any mirrored images). Returns the new
/// commit's id, or `None` when there was nothing to commit.
pub fn commit(site: &Path, report: &RunReport) -> Result<Option<String>, PublishError> {
    let written: Vec<PathBuf> = report
        .sources
        .iter()
        .flat_map(|s| match &s.outcome {
            Outcome::Fetched { written, .. } => written.clone(),
            _ => Vec::new(),
        })
        .collect();
    if written.is_empty() {
        return Ok(None);
    }
    let mut paths: Vec<String> =
        written.iter().map(|p| p.strip_prefix(site).unwrap_or(p).to_string_lossy().into_owned()).collect();
    for extra in ["assets", "lists"] {
        if site.join(extra).is_dir() {
            paths.push(extra.to_string());
        }
    }
    let mut add = vec!["add", "--"];
    add.extend(paths.iter().map(String::as_str));
    git(site, &add)?;
    if git(site, &["diff", "--cached", "--quiet"]).is_ok() {
        return Ok(None);
    }
    git(site, &["commit", "--quiet", "-m", &message(report)])?;
    git(site, &["rev-parse", "HEAD"]).map(Some)
}

/// Commit the given files (relative to the site) with `message`: what a
/// `recheck` run added. `None` when there was nothing to commit. `force`
/// adds files `.gitignore` names (`_warc/` with `evidence_commit = true`).
pub fn commit_files(
    site: &Path,
    files: &[PathBuf],
    force: bool,
    message: &str,
) -> Result<Option<String>, PublishError> {
    if files.is_empty() {
        return Ok(None);
    }
    let paths: Vec<String> = files.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let mut add = if force { vec!["add", "-f", "--"] } else { vec!["add", "--"] };
    add.extend(paths.iter().map(String::as_str));
    git(site, &add)?;
    if git(site, &["diff", "--cached", "--quiet"]).is_ok() {
        return Ok(None);
    }
    git(site, &["commit", "--quiet", "-m", message])?;
    git(site, &["rev-parse", "HEAD"]).map(Some)
}

/// Push; when the remote moved on, fetch, rebase and try again.
pub fn push(site: &Path) -> Result<u32, PublishError> {
    let mut last = None;
    for attempt in 1..=PUSH_ATTEMPTS {
        match git(site, &["push", "--quiet"]) {
            Ok(_) => return Ok(attempt),
            Err(PublishError::Git { message, .. }) if is_rejection(&message) => {
                tracing::info!(attempt, "push rejected; rebasing onto the remote");
                if let Err(e) = git(site, &["pull", "--rebase", "--quiet"]) {
                    let _ = git(site, &["rebase", "--abort"]);
                    return Err(PublishError::Git {
                        args: "pull --rebase".into(),
                        message: format!(
                            "{e}; the rebase was aborted and the posts stay committed here, for the next run to push"
                        ),
                    });
                }
                last = Some(message);
            }
            Err(e) => return Err(e),
        }
    }
    Err(PublishError::Git {
        args: "push".into(),
        message: format!(
            "still rejected after {PUSH_ATTEMPTS} rebases ({}); the posts stay committed here",
            last.unwrap_or_default()
        ),
    })
}

fn is_rejection(message: &str) -> bool {
    ["non-fast-forward", "fetch first", "[rejected]", "failed to update ref", "cannot lock ref"]
        .iter()
        .any(|m| message.contains(m))
}
