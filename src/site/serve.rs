//! `newsmirror serve`: the built site on 127.0.0.1, rebuilt when posts,
//! pages, the theme or the config change. URLs resolve as GitHub Pages
//! resolves them (`/a` → `a.html`, `/a/` → `a/index.html`, the base URL
//! stripped), so what works here works there.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{BuildOptions, BuildReport, SiteError, build};

/// Serve until the process ends. `on_build` sees every build's result;
/// `on_ready` gets the address once the socket is bound.
pub fn serve(
    opts: &BuildOptions,
    port: u16,
    baseurl: &str,
    on_ready: impl FnOnce(&str),
    on_build: impl Fn(&Result<BuildReport, SiteError>) + Send + 'static,
) -> Result<(), String> {
    let server =
        tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server.server_addr().to_ip().map(|a| a.to_string()).unwrap_or_default();
    on_build(&build(opts));
    on_ready(&format!("http://{addr}{baseurl}/"));
    let watch = BuildOptions { site: opts.site.clone(), out: opts.out.clone(), settings: opts.settings.clone() };
    std::thread::spawn(move || rebuild_on_change(&watch, on_build));
    let out = opts.out.clone();
    let base = baseurl.to_string();
    for request in server.incoming_requests() {
        let response = respond(&out, &base, request.url());
        let _ = request.respond(response);
    }
    Ok(())
}

fn respond(out: &Path, base: &str, url: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path);
    let local = path.strip_prefix(base).filter(|p| p.is_empty() || p.starts_with('/'));
    let found = local.and_then(|p| resolve(out, p));
    match found {
        Some(file) => match std::fs::read(&file) {
            Ok(bytes) => with_type(tiny_http::Response::from_data(bytes), &file),
            Err(_) => not_found(out),
        },
        None => not_found(out),
    }
}

fn resolve(out: &Path, path: &str) -> Option<PathBuf> {
    if path.split('/').any(|seg| seg == "..") {
        return None;
    }
    let rel = path.trim_start_matches('/');
    let direct = out.join(rel);
    if direct.is_file() {
        return Some(direct);
    }
    if direct.is_dir() {
        let index = direct.join("index.html");
        return index.is_file().then_some(index);
    }
    let html = out.join(format!("{}.html", rel.trim_end_matches('/')));
    html.is_file().then_some(html)
}

fn not_found(out: &Path) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let body = std::fs::read(out.join("404.html")).unwrap_or_else(|_| b"404 Not Found".to_vec());
    with_type(tiny_http::Response::from_data(body), Path::new("404.html")).with_status_code(404)
}

fn with_type(
    r: tiny_http::Response<std::io::Cursor<Vec<u8>>>,
    file: &Path,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let ct = match file.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
    match tiny_http::Header::from_bytes("Content-Type", ct) {
        Ok(h) => r.with_header(h),
        Err(()) => r,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Rebuild whenever something a build reads changes: file-system events
/// (inotify on Linux), debounced so a run writing a hundred posts causes
/// one build; where no watcher can be had (a watch limit reached), a walk
/// of the site every second instead.
fn rebuild_on_change(opts: &BuildOptions, on_build: impl Fn(&Result<BuildReport, SiteError>)) {
    use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};
    let (tx, rx) = std::sync::mpsc::channel();
    let watched = new_debouncer(Duration::from_millis(300), tx).and_then(|mut d| {
        // The root alone, then each folder a build reads: not `_site` and the
        // state, which every build writes (and which would add a watch per
        // output folder).
        d.watcher().watch(&opts.site, RecursiveMode::NonRecursive)?;
        for e in std::fs::read_dir(&opts.site).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() && is_input(&opts.site, &opts.out, &path) {
                d.watcher().watch(&path, RecursiveMode::Recursive)?;
            }
        }
        Ok(d)
    });
    let _debouncer = match watched {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the site for changes; checking it every second instead");
            return poll(opts, on_build);
        }
    };
    for events in rx {
        let Ok(events) = events else { continue };
        if events.iter().any(|e| is_input(&opts.site, &opts.out, &e.path)) {
            on_build(&build(opts));
        }
    }
}

/// Whether `path` is something a build reads (not its output, not state,
/// not hidden files such as `.git`).
fn is_input(site: &Path, out: &Path, path: &Path) -> bool {
    if path.starts_with(out) {
        return false;
    }
    let rel = path.strip_prefix(site).unwrap_or(path);
    !rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with('.') || name == "_site"
    })
}

fn poll(opts: &BuildOptions, on_build: impl Fn(&Result<BuildReport, SiteError>)) {
    let mut last = fingerprint(&opts.site, &opts.out);
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = fingerprint(&opts.site, &opts.out);
        if now != last {
            last = now;
            on_build(&build(opts));
        }
    }
}

/// Count and newest modification time of everything a build reads.
fn fingerprint(site: &Path, out: &Path) -> (usize, Option<SystemTime>) {
    let mut count = 0;
    let mut newest = None;
    let mut stack = vec![site.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if path == out || name.starts_with('.') || name == "_site" {
                continue;
            }
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else {
                count += 1;
                newest = newest.max(meta.modified().ok());
            }
        }
    }
    (count, newest)
}
