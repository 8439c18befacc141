//! `images = "mirror"`: copies of a post's images in the site's `assets/`,
//! so the archive stays readable where image hosts are blocked.
//!
//! Files are named by content hash (`assets/<sha256 prefix>.<ext>`), so the
//! same picture in many posts is stored once, a rerun rewrites nothing, and
//! a killed run leaves at worst an unused file (each is written to a
//! temporary name and renamed into place). Only raster formats recognised by
//! their magic bytes are kept: an SVG can carry script, and a "JPEG" that is
//! an HTML error page is not an image. Any failure leaves the original link.
//! Images come only from public addresses (unless `allow_private`): their
//! URLs are the feed's choice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use lol_html::{RewriteStrSettings, element, rewrite_str};
use sha2::{Digest, Sha256};
use url::Url;

use crate::fetch::{Fetched, Fetcher, Request, Trust, Validators};

/// Where a mirrored image is linked from in a post: the site root.
pub const ASSETS_URL: &str = "/assets/";

/// One image's fetch, shared by every post of the run that shows it: the
/// asset's file name, or why it could not be mirrored.
type Fetch = Arc<tokio::sync::OnceCell<Result<String, String>>>;

/// One run's image mirror, shared by all its sources.
pub struct ImageMirror {
    dir: PathBuf,
    max_image: u64,
    budget: u64,
    spent: AtomicU64,
    /// (`allow_private`, image URL) → asset file name (or the reason it
    /// failed), so an image in many posts of one run is fetched once. The
    /// setting is part of the key: a source without it must not reuse an
    /// intranet image another source could fetch, nor one with it inherit
    /// the other's refusal.
    /// Posts are prepared concurrently: the first to need an image fetches
    /// it, the others wait for that fetch instead of making their own.
    done: Mutex<HashMap<(bool, String), Fetch>>,
}

/// How to reach the image hosts: the source's own client settings.
pub struct Client<'a> {
    pub user_agent: &'a str,
    pub proxy: Option<&'a str>,
    pub timeout: Duration,
    /// `allow_private = true`: images on intranet hosts too.
    pub allow_private: bool,
}

impl ImageMirror {
    pub fn new(site: &Path, max_image: u64, budget: u64) -> ImageMirror {
        ImageMirror {
            dir: site.join("assets"),
            max_image,
            budget,
            spent: AtomicU64::new(0),
            done: Mutex::new(HashMap::new()),
        }
    }

    /// `html` with every image it could mirror pointing at the copy, and a
    /// note per image it could not.
    pub async fn mirror(&self, fetcher: &Fetcher, client: &Client<'_>, html: &str) -> (String, Vec<String>) {
        let mut map = HashMap::new();
        let mut notes = Vec::new();
        for src in image_sources(html) {
            let key = (client.allow_private, src.clone());
            let cell = self.lock().entry(key).or_default().clone();
            let fetched_here = AtomicBool::new(false);
            let result = cell
                .get_or_init(|| async {
                    fetched_here.store(true, Ordering::SeqCst);
                    self.fetch_one(fetcher, client, &src).await
                })
                .await
                .clone();
            if let Err(e) = &result
                && fetched_here.load(Ordering::SeqCst)
            {
                notes.push(format!("image {src}: {e}; kept the original link"));
            }
            if let Ok(name) = result {
                map.insert(src, format!("{ASSETS_URL}{name}"));
            }
        }
        if map.is_empty() {
            return (html.to_string(), notes);
        }
        (rewrite(html, &map), notes)
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(bool, String), Arc<tokio::sync::OnceCell<Result<String, String>>>>> {
        self.done.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn fetch_one(&self, fetcher: &Fetcher, client: &Client<'_>, src: &str) -> Result<String, String> {
        if self.spent.load(Ordering::SeqCst) >= self.budget {
            return Err(format!("this run's image budget ({} bytes, images_max_per_run) is spent", self.budget));
        }
        let req = Request {
            url: src,
            user_agent: client.user_agent,
            proxy: client.proxy,
            timeout: client.timeout,
            validators: &Validators::default(),
            max_body: Some(self.max_image),
            // An image URL is the feed's or the page's choice, never the operator's.
            trust: Trust::Data,
            allow_private: client.allow_private,
        };
        let bytes = match fetcher.fetch(&req).await.map_err(|e| e.to_string())? {
            Fetched::Body(b) => b.bytes,
            Fetched::NotModified => return Err("unexpected 304".into()),
        };
        let ext = sniff(&bytes).ok_or("not a JPEG, PNG, GIF, WebP or AVIF image")?;
        let spent = self.spent.fetch_add(bytes.len() as u64, Ordering::SeqCst) + bytes.len() as u64;
        if spent > self.budget {
            return Err(format!("this run's image budget ({} bytes, images_max_per_run) is spent", self.budget));
        }
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || store(&dir, &bytes, ext))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot write to {}: {e}", self.dir.display()))
    }
}

/// Absolute http(s) `src` of every `<img>`, in order, once each.
pub fn image_sources(html: &str) -> Vec<String> {
    let found = std::cell::RefCell::new(Vec::<String>::new());
    let settings = RewriteStrSettings {
        element_content_handlers: vec![element!("img[src]", |el| {
            if let Some(src) = el.get_attribute("src")
                && Url::parse(&src).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                && !found.borrow().contains(&src)
            {
                found.borrow_mut().push(src);
            }
            Ok(())
        })],
        ..RewriteStrSettings::new()
    };
    // Sanitised HTML always rewrites; anything else finds no images.
    let _ = rewrite_str(html, settings);
    found.into_inner()
}

fn rewrite(html: &str, map: &HashMap<String, String>) -> String {
    let settings = RewriteStrSettings {
        element_content_handlers: vec![element!("img[src]", |el| {
            if let Some(copy) = el.get_attribute("src").and_then(|s| map.get(&s)) {
                el.set_attribute("src", copy)?;
                // The other sizes point at the blocked host.
                el.remove_attribute("srcset");
            }
            Ok(())
        })],
        ..RewriteStrSettings::new()
    };
    rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

/// The file extension for an image's bytes, by magic number.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("jpg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("png"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("webp"),
        [_, _, _, _, b'f', b't', b'y', b'p', b'a', b'v', b'i', b'f' | b's', ..] => Some("avif"),
        _ => None,
    }
}

/// Write `bytes` as `dir/<hash>.<ext>` unless it is there already.
fn store(dir: &Path, bytes: &[u8], ext: &str) -> std::io::Result<String> {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let name = format!("{hex}.{ext}");
    let path = dir.join(&name);
    if path.is_file() {
        return Ok(name);
    }
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".newsmirror-tmp-{hex}-{}", std::process::id()));
    // Flushed before it takes its name, like a post: the post that links
    // to it is recorded only after.
    let mut file = std::fs::File::create(&tmp)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.sync_data()?;
    drop(file);
    std::fs::rename(&tmp, &path)?;
    crate::store::sync_dir(dir)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("jpg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("png"));
        assert_eq!(sniff(b"GIF89a..."), Some("gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(sniff(b"<svg xmlns=..."), None);
        assert_eq!(sniff(b"<!DOCTYPE html>"), None);
    }

    #[test]
    fn sources_are_listed_once_and_rewritten_with_srcset_dropped() {
        let html = r#"<p><img src="https://i.example/a.jpg" srcset="https://i.example/a2.jpg 2x"><img src="https://i.example/a.jpg"><img src="data:x"></p>"#;
        assert_eq!(image_sources(html), vec!["https://i.example/a.jpg".to_string()]);
        let map = HashMap::from([("https://i.example/a.jpg".to_string(), "/assets/x.jpg".to_string())]);
        let out = rewrite(html, &map);
        assert_eq!(out.matches("/assets/x.jpg").count(), 2, "{out}");
        assert!(!out.contains("srcset"), "{out}");
    }
}
