//! `evidence = "warc"`: each re-check fetch as WARC 1.1 `request` and
//! `response` records, so a third party can replay or verify what was
//! seen with standard tools (warcio, pywb, replayweb.page).
//!
//! One gzip member per record (the convention readers seek by), one file
//! per run under `_warc/YYYY/MM/`, a new file before one would pass 50 MB
//! so none nears git hosting limits. The HTTP client hands over the
//! decoded body and the headers that matter (type, validators), not the
//! bytes on the wire: the response record holds those headers and the
//! decoded body with its own `Content-Length`, and the run's `warcinfo`
//! record says so.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

use crate::fetch::{FetchError, Fetched, Request};

pub const WARC_DIR: &str = "_warc";
/// A file is closed before a record would take it past this.
pub const MAX_FILE_BYTES: u64 = 50 * 1000 * 1000;

/// The WARC files of one run, opened when the first record comes.
pub struct Warc {
    site: PathBuf,
    dir: PathBuf,
    run_id: String,
    started: DateTime<Utc>,
    file: Option<(fs::File, u64)>,
    files: Vec<PathBuf>,
    serial: u64,
    error: Option<String>,
    max_bytes: u64,
}

impl Warc {
    pub fn new(site: &Path, run_id: &str, now: DateTime<Utc>) -> Warc {
        Warc {
            site: site.to_path_buf(),
            dir: site.join(WARC_DIR).join(now.format("%Y/%m").to_string()),
            run_id: run_id.to_string(),
            started: now,
            file: None,
            files: Vec::new(),
            serial: 0,
            error: None,
            max_bytes: MAX_FILE_BYTES,
        }
    }

    /// Split files smaller than 50 MB (tests).
    pub fn with_max_bytes(mut self, max: u64) -> Warc {
        self.max_bytes = max;
        self
    }

    /// Write the request and what came back; the response record's id.
    /// A failure to write is kept for [`Warc::finish`] and stops later
    /// records, never the re-check.
    pub fn record(
        &mut self,
        req: &Request,
        fetched: &Result<Fetched, FetchError>,
        at: DateTime<Utc>,
    ) -> Option<String> {
        if self.error.is_some() {
            return None;
        }
        let (head, body, target): (String, &[u8], &str) = match fetched {
            Ok(Fetched::Body(b)) => {
                let mut head = String::from("HTTP/1.1 200 OK\r\n");
                for (name, value) in [
                    ("Content-Type", b.content_type.as_deref()),
                    ("ETag", b.validators.etag.as_deref()),
                    ("Last-Modified", b.validators.last_modified.as_deref()),
                ] {
                    if let Some(v) = value {
                        head.push_str(&format!("{name}: {}\r\n", one_line(v)));
                    }
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", b.bytes.len()));
                (head, &b.bytes, b.final_url.as_str())
            }
            Ok(Fetched::NotModified) => ("HTTP/1.1 304 Not Modified\r\n\r\n".to_string(), &[], req.url),
            Err(FetchError::Status { status, reason }) => (
                format!("HTTP/1.1 {status} {}\r\nContent-Length: 0\r\n\r\n", reason.as_deref().unwrap_or("")),
                &[],
                req.url,
            ),
            // No answer: nothing to keep but the attempt, which the
            // observation records.
            Err(_) => return None,
        };
        let date = at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let response_id = self.next_id();
        let request_id = self.next_id();
        let mut request_block = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\n",
            request_target(target),
            url::Url::parse(target).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default(),
            one_line(req.user_agent)
        );
        if let Some(e) = &req.validators.etag {
            request_block.push_str(&format!("If-None-Match: {}\r\n", one_line(e)));
        }
        if let Some(m) = &req.validators.last_modified {
            request_block.push_str(&format!("If-Modified-Since: {}\r\n", one_line(m)));
        }
        request_block.push_str("\r\n");
        let mut response_block = head.into_bytes();
        response_block.extend_from_slice(body);
        let payload_digest = format!("sha256:{}", base32(&Sha256::digest(body)));
        let response = record(
            "response",
            &response_id,
            &date,
            target,
            "application/http;msgtype=response",
            &[("WARC-Payload-Digest", &payload_digest)],
            &response_block,
        );
        let request = record(
            "request",
            &request_id,
            &date,
            target,
            "application/http;msgtype=request",
            &[("WARC-Concurrent-To", &response_id)],
            request_block.as_bytes(),
        );
        match self.write(&[response, request]) {
            Ok(()) => Some(response_id),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    fn next_id(&mut self) -> String {
        self.serial += 1;
        let h = Sha256::digest(format!("{}-{}", self.run_id, self.serial).as_bytes());
        let mut b = [0u8; 16];
        b.copy_from_slice(&h[..16]);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let x: String = b.iter().map(|v| format!("{v:02x}")).collect();
        format!("<urn:uuid:{}-{}-{}-{}-{}>", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
    }

    fn write(&mut self, records: &[Vec<u8>]) -> Result<(), String> {
        let mut members = Vec::new();
        for r in records {
            members.push(gzip(r).map_err(|e| format!("gzip: {e}"))?);
        }
        let size: u64 = members.iter().map(|m| m.len() as u64).sum();
        if self.file.as_ref().is_some_and(|(_, written)| written + size > self.max_bytes) {
            self.close()?;
        }
        if self.file.is_none() {
            self.open()?;
        }
        let Some((f, written)) = self.file.as_mut() else { return Err("no WARC file open".into()) };
        for m in &members {
            f.write_all(m).map_err(|e| e.to_string())?;
        }
        *written += size;
        Ok(())
    }

    fn open(&mut self) -> Result<(), String> {
        fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let name = format!("{}-{:05}.warc.gz", self.run_id, self.files.len());
        let path = self.dir.join(&name);
        let mut f = fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let info = format!(
            "software: newsmirror/{}\r\nformat: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\ndescription: re-checks of mirrored articles; response records hold the decoded body and the Content-Type and validator headers, not the bytes on the wire\r\n",
            env!("CARGO_PKG_VERSION")
        );
        let id = self.next_id();
        let date = self.started.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut rec = format!(
            "WARC/1.1\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: {id}\r\nWARC-Date: {date}\r\nWARC-Filename: {name}\r\nContent-Type: application/warc-fields\r\nContent-Length: {}\r\n\r\n",
            info.len()
        )
        .into_bytes();
        rec.extend_from_slice(info.as_bytes());
        rec.extend_from_slice(b"\r\n\r\n");
        let member = gzip(&rec).map_err(|e| format!("gzip: {e}"))?;
        f.write_all(&member).map_err(|e| format!("{}: {e}", path.display()))?;
        self.file = Some((f, member.len() as u64));
        self.files.push(path);
        Ok(())
    }

    fn close(&mut self) -> Result<(), String> {
        if let Some((f, _)) = self.file.take() {
            f.sync_all().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Close the last file; the files written, relative to the site.
    pub fn finish(&mut self) -> Result<Vec<PathBuf>, String> {
        self.close()?;
        if let Some(e) = self.error.take() {
            return Err(format!("WARC evidence: {e}"));
        }
        Ok(self.files.iter().map(|p| p.strip_prefix(&self.site).map(Path::to_path_buf).unwrap_or(p.clone())).collect())
    }
}

fn record(
    kind: &str,
    id: &str,
    date: &str,
    target: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    block: &[u8],
) -> Vec<u8> {
    let mut head = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: {id}\r\nWARC-Date: {date}\r\nWARC-Target-URI: {}\r\n",
        one_line(target)
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "WARC-Block-Digest: sha256:{}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        base32(&Sha256::digest(block)),
        block.len()
    ));
    let mut out = head.into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 3 + 64), Compression::default());
    enc.write_all(bytes)?;
    enc.finish()
}

/// Header values from the network stay on one line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn request_target(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => "/".into(),
    }
}

/// RFC 4648 base32, as WARC digests are usually written.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    while !out.len().is_multiple_of(8) {
        out.push('=');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::{Body, Validators};

    #[test]
    fn a_file_is_closed_before_it_would_pass_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let mut w = Warc::new(dir.path(), "run", now).with_max_bytes(4000);
        let v = Validators::default();
        let req = Request {
            url: "http://127.0.0.1/a",
            user_agent: "t",
            proxy: None,
            timeout: std::time::Duration::from_secs(1),
            validators: &v,
            max_body: None,
            trust: crate::fetch::Trust::Data,
            allow_private: true,
        };
        for i in 0..20u32 {
            // Incompressible bodies, so each record's size is known.
            let bytes: Vec<u8> = (0..600u32).map(|j| Sha256::digest((i * 1000 + j).to_be_bytes())[0]).collect();
            let body = Body {
                bytes,
                charset: None,
                content_type: None,
                validators: Validators::default(),
                final_url: req.url.into(),
            };
            assert!(w.record(&req, &Ok(Fetched::Body(body)), now).is_some());
        }
        let files = w.finish().unwrap();
        assert!(files.len() > 2, "{files:?}");
        for f in &files {
            let len = std::fs::metadata(dir.path().join(f)).unwrap().len();
            assert!(len <= 4000, "{f:?} is {len} bytes");
        }
    }

    #[test]
    fn base32_as_rfc4648() {
        assert_eq!(super::base32(b"foobar"), "MZXW6YTBOI======");
        assert_eq!(super::base32(b""), "");
    }
}
