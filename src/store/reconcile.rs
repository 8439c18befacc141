//! Bringing the state in line with the files at start. A fresh clone (no
//! state) indexes every post by its `from:` link, read from the head of
//! each file in parallel.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{JournalEntry, Store, StoreError, fingerprint, forget, identity};

pub(super) fn run(store: &mut Store, site: &Path) -> Result<(), StoreError> {
    finish_pending(store)?;
    let on_disk = list_posts(site)?;
    store.names =
        on_disk.iter().filter(|(rel, _)| !rel.contains('/')).map(|(rel, _)| fingerprint(&rel.to_lowercase())).collect();
    let known: HashSet<String> = {
        let mut stmt = store.db(store.conn.prepare("SELECT file FROM posts"))?;
        let rows = store.db(stmt.query_map([], |r| r.get::<_, String>(0)))?;
        rows.filter_map(Result::ok).collect()
    };
    let unknown: Vec<&(String, PathBuf)> = on_disk.iter().filter(|(rel, _)| !known.contains(rel)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    tracing::info!(count = unknown.len(), "indexing posts not yet in the state");
    let now = chrono::Utc::now().timestamp();
    // A fresh clone indexes every post: read only each one's head, on
    // every core, rather than whole files one by one.
    let indexed: Vec<(String, Option<String>)> =
        unknown.par_iter().map(|(rel, path)| (rel.clone(), link_of(path))).collect();
    store.in_transaction(|tx| {
        let mut add_post =
            tx.prepare("INSERT OR IGNORE INTO posts (file, source, link, written_at) VALUES (?1, NULL, ?2, ?3)")?;
        let mut add_key = tx.prepare("INSERT OR IGNORE INTO keys (key, file) VALUES (?1, ?2)")?;
        for (rel, link) in &indexed {
            let link = link.as_deref().and_then(|l| identity::post_link(l, None));
            add_post.execute(rusqlite::params![rel, link.as_ref().map(|l| l.as_str()), now])?;
            if let Some(l) = link {
                add_key.execute(rusqlite::params![format!("l\t{}", identity::identity_link(&l)), rel])?;
            }
        }
        Ok(())
    })
}

/// The `from:` link of a post file, reading no further than that line (at
/// most [`HEAD_MAX`] bytes, then the whole front matter as a fallback).
fn link_of(path: &Path) -> Option<String> {
    const HEAD_MAX: usize = 64 * 1024;
    let mut file = fs::File::open(path).ok()?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while head.len() < HEAD_MAX {
        let n = file.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(link) = crate::post::read::head_from(&String::from_utf8_lossy(&head)) {
            return link;
        }
    }
    crate::post::read::front_matter_from(&String::from_utf8_lossy(&head))
}

/// Complete what a killed run (or a power cut) started: of the posts a
/// journal entry names, one whose file is in place and whole is kept; one
/// whose file is missing, empty or cut short (its data never reached the
/// disk) is removed and forgotten, to be fetched again.
fn finish_pending(store: &mut Store) -> Result<(), StoreError> {
    let batches: Vec<(i64, String)> = {
        let mut stmt = store.db(store.conn.prepare("SELECT batch, entries FROM journal"))?;
        let rows = store.db(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))))?;
        rows.filter_map(Result::ok).collect()
    };
    if batches.is_empty() {
        return Ok(());
    }
    let posts_dir = store.posts_dir.clone();
    store.in_transaction(|tx| {
        for (batch, entries) in &batches {
            let entries: Vec<JournalEntry> = serde_json::from_str(entries).unwrap_or_default();
            for entry in &entries {
                let path = posts_dir.join(&entry.file);
                if path.is_file() && super::is_whole_post(&path) {
                    continue;
                }
                if path.is_file() {
                    tracing::warn!(path = %path.display(), "removing a post cut short by a crash; its item is fetched again");
                    let _ = fs::remove_file(&path);
                }
                forget(tx, entry)?;
            }
            tx.execute("DELETE FROM journal WHERE batch = ?1", [batch])?;
        }
        Ok(())
    })
}

/// Post files under `_posts/` (names) and `archived/` (as `archived/…` paths,
/// where old archives moved older posts to keep Jekyll fast).
fn list_posts(site: &Path) -> Result<Vec<(String, PathBuf)>, StoreError> {
    let mut out = Vec::new();
    let posts = site.join("_posts");
    walk(&posts, &posts, "", &mut out)?;
    let archived = site.join("archived");
    if archived.is_dir() {
        walk(&archived, &archived, "archived/", &mut out)?;
    }
    Ok(out)
}

fn walk(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<(), StoreError> {
    let entries = fs::read_dir(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            walk(root, &path, prefix, out)?;
        } else if kind.is_file() && (name.ends_with(".md") || name.ends_with(".markdown") || name.ends_with(".html")) {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
            out.push((format!("{prefix}{rel}"), path));
        }
    }
    Ok(())
}
