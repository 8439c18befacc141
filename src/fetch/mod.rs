//! Fetching feeds: HTTP(S) with caching validators, limits and retries, and `file://`.
//!
//! Every request is bounded: a connect timeout and a total timeout per
//! attempt (so a server that trickles a byte a second still ends), a body
//! cap counted after decompression (so a gzip bomb stops at the cap), a
//! redirect cap, and a deadline over all attempts of one source.
//!
//! Every request also says whose URL it is ([`Trust`]): a URL from feed or
//! page data reaches only public addresses (see [`guard`]). Redirects are
//! followed here, hop by hop, rather than by reqwest, so that each hop is
//! judged on its own: the server chose it, whoever chose the first URL.

pub mod guard;
mod retry;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{
    CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, USER_AGENT,
};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::RunSettings;

/// HTTP cache validators from the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What a request needs to know about its source.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub url: &'a str,
    pub user_agent: &'a str,
    pub proxy: Option<&'a str>,
    pub timeout: Duration,
    pub validators: &'a Validators,
    /// A smaller body cap than the run's `max_body` (images).
    pub max_body: Option<u64>,
    pub trust: Trust,
    /// `allow_private = true`: any address, for intranet mirrors.
    pub allow_private: bool,
}

/// Who chose a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The operator typed it (a source's `url`, `sources add URL`,
    /// `extract URL`): any address, `file://` too. Its redirects are the
    /// server's choice and are checked as data, unless they stay on the
    /// same server ([`guard::same_site`]).
    Operator,
    /// Feed or page data chose it (article pages, images, a page's feed
    /// link): public addresses only, and never `file://`.
    Data,
}

#[derive(Debug)]
pub enum Fetched {
    /// 304: the feed has not changed since the validators were stored.
    NotModified,
    Body(Body),
}

#[derive(Debug)]
pub struct Body {
    pub bytes: Vec<u8>,
    /// The `charset` parameter of `Content-Type`, if any.
    pub charset: Option<String>,
    pub content_type: Option<String>,
    pub validators: Validators,
    /// Where the body came from after redirects.
    pub final_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status}{}", reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default())]
    Status { status: u16, reason: Option<String> },
    #[error("HTTP {status}: asked to retry after {after:?}, beyond this run's deadline")]
    RetryLater { status: u16, after: Duration },
    #[error("body larger than the {limit}-byte cap (max_body); refused")]
    TooLarge { limit: u64 },
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("gave up after {0:?} (source deadline, retries included)")]
    Deadline(Duration),
    #[error("redirect: {0}")]
    Redirect(String),
    /// A URL from data points at a non-public address, or at a file.
    #[error("refused: {0}")]
    Refused(String),
    #[error("connection failed: {0}")]
    Connect(String),
    /// The name does not resolve: another attempt within this run will not
    /// change that.
    #[error("connection failed: {0}")]
    NoHost(String),
    #[error("connection broken while reading the body: {0}")]
    Body(String),
    #[error("{0}")]
    Other(String),
    #[error("cannot read {path}: {source}")]
    File { path: String, source: std::io::Error },
}

impl FetchError {
    /// Whether another attempt may succeed.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Body(_) => true,
            _ => false,
        }
    }
}

#[derive(Hash, PartialEq, Eq, Clone)]
struct ClientKey {
    proxy: Option<String>,
    timeout: Duration,
    /// Connects only to public addresses. A separate client, so that its
    /// pool never holds a connection that was not checked.
    guarded: bool,
}

/// Shared by all fetches of a run: clients, and the global and per-host limits.
pub struct Fetcher {
    settings: RunSettings,
    clients: Mutex<HashMap<ClientKey, reqwest::Client>>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    global: Arc<Semaphore>,
    /// Fixed answers for host names, for tests: no DNS query is sent.
    resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
    classify: guard::Classifier,
    /// Proxies from the environment, whose names the guard lets resolve.
    env_proxies: Vec<String>,
}

/// A resolver that knows a fixed set of names and nothing else.
#[derive(Debug, Default)]
pub struct StaticDns(HashMap<String, std::net::SocketAddr>);

impl reqwest::dns::Resolve for StaticDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let answer = self.0.get(name.as_str()).copied();
        let name = name.as_str().to_string();
        Box::pin(async move {
            match answer {
                Some(addr) => Ok(Box::new(std::iter::once(addr)) as reqwest::dns::Addrs),
                None => Err(format!("host {name} does not resolve").into()),
            }
        })
    }
}

impl Fetcher {
    pub fn new(settings: RunSettings) -> Fetcher {
        Fetcher {
            global: Arc::new(Semaphore::new(settings.concurrency)),
            settings,
            clients: Mutex::default(),
            hosts: Mutex::default(),
            resolver: None,
            classify: guard::default_classifier(),
            env_proxies: guard::env_proxy_hosts(),
        }
    }

    /// Resolve host names from `names` only: any other name does not resolve.
    pub fn with_static_dns(self, names: HashMap<String, std::net::SocketAddr>) -> Fetcher {
        self.with_resolver(Arc::new(StaticDns(names)))
    }

    /// Resolve host names with `resolver` instead of the system's (tests:
    /// names that answer differently from one lookup to the next).
    pub fn with_resolver(mut self, resolver: Arc<dyn reqwest::dns::Resolve>) -> Fetcher {
        self.resolver = Some(resolver);
        self
    }

    /// Judge addresses with `classify` instead of [`guard::non_public`]
    /// (tests: a name that reaches 127.0.0.1 but counts as public).
    pub fn with_classifier(mut self, classify: guard::Classifier) -> Fetcher {
        self.classify = classify;
        self
    }

    pub fn settings(&self) -> &RunSettings {
        &self.settings
    }

    /// Fetch `req.url`, retrying transient failures within the source deadline.
    pub async fn fetch(&self, req: &Request<'_>) -> Result<Fetched, FetchError> {
        let url = Url::parse(req.url.trim()).map_err(|e| FetchError::Other(format!("bad URL {:?}: {e}", req.url)))?;
        if url.scheme() == "file" {
            if req.trust == Trust::Data {
                return Err(FetchError::Refused("file URLs are read only from the config or the command line".into()));
            }
            return self.read_file(&url).await;
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Other(format!("{url}: only http, https and file URLs are fetched")));
        }
        let deadline = Instant::now() + self.settings.source_deadline;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut attempt = 0u32;
        loop {
            let result = {
                let _global = self.global.acquire().await.map_err(|e| FetchError::Other(e.to_string()))?;
                let _host =
                    self.host_permit(&host).acquire_owned().await.map_err(|e| FetchError::Other(e.to_string()))?;
                let remaining = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(remaining, self.attempt(&url, req)).await {
                    Ok(r) => r,
                    Err(_) => return Err(FetchError::Deadline(self.settings.source_deadline)),
                }
            };
            let err = match result {
                Ok(f) => return Ok(f),
                Err(e) if e.error.is_transient() && attempt < self.settings.retries => e,
                Err(e) => return Err(e.error),
            };
            attempt += 1;
            let wait = err.retry_after.unwrap_or_else(|| retry::backoff(attempt));
            let remaining = deadline.saturating_duration_since(Instant::now());
            if wait >= remaining {
                return Err(match (err.error, err.retry_after) {
                    (FetchError::Status { status, .. }, Some(after)) => FetchError::RetryLater { status, after },
                    (e, _) => e,
                });
            }
            tracing::debug!(url = %url, attempt, ?wait, error = %err.error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn host_permit(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.entry(host.to_string()).or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_host))).clone()
    }

    fn client(&self, proxy: Option<&str>, timeout: Duration, guarded: bool) -> Result<reqwest::Client, FetchError> {
        let key = ClientKey { proxy: proxy.map(str::to_string), timeout, guarded };
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.settings.connect_timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(self.settings.per_host);
        if let Some(p) = proxy {
            let proxy = reqwest::Proxy::all(p).map_err(|e| FetchError::Other(format!("proxy {p}: {e}")))?;
            builder = builder.proxy(proxy);
        }
        if guarded {
            let mut exempt = self.env_proxies.clone();
            exempt.extend(proxy.and_then(guard::proxy_host));
            let inner = self.resolver.clone().unwrap_or_else(|| Arc::new(guard::SystemDns));
            builder = builder.dns_resolver(Arc::new(guard::Guard { inner, classify: self.classify.clone(), exempt }));
        } else if let Some(dns) = &self.resolver {
            builder = builder.dns_resolver(Arc::new(guard::Shared(dns.clone())));
        }
        let client = builder.build().map_err(|e| FetchError::Other(format!("HTTP client: {e}")))?;
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// One attempt: the request and its redirects, each hop judged by who
    /// chose it.
    async fn attempt(&self, start: &Url, req: &Request<'_>) -> Result<Fetched, retry::Failed> {
        let mut headers = HeaderMap::new();
        let mut set = |name, value: &str| {
            if let Ok(v) = value.parse() {
                headers.insert(name, v);
            }
        };
        set(USER_AGENT, req.user_agent);
        if let Some(etag) = &req.validators.etag {
            set(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &req.validators.last_modified {
            set(IF_MODIFIED_SINCE, lm);
        }
        let mut url = start.clone();
        let mut hops = 0;
        let response = loop {
            let trusted =
                req.allow_private || (req.trust == Trust::Operator && (hops == 0 || guard::same_site(start, &url)));
            let refused = |why: &dyn std::fmt::Display| {
                let text = if hops == 0 { why.to_string() } else { format!("redirect to {url}: {why}") };
                retry::Failed::from(FetchError::Refused(text))
            };
            if !trusted {
                guard::check_literal(&url, &self.classify).map_err(|r| refused(&r))?;
            }
            let client = self.client(req.proxy, req.timeout, !trusted)?;
            let response = match client.get(url.clone()).headers(headers.clone()).send().await {
                Ok(r) => r,
                Err(e) => match refusal_in(&e) {
                    Some(r) => return Err(refused(&r)),
                    None => return Err(retry::classify(e, req.timeout)),
                },
            };
            let Some(location) = redirect_target(&response) else { break response };
            let next =
                url.join(&location).map_err(|e| FetchError::Redirect(format!("bad Location {location:?}: {e}")))?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::Redirect(format!("to a non-HTTP URL {next}")).into());
            }
            hops += 1;
            if hops > self.settings.max_redirects {
                return Err(FetchError::Redirect(format!("more than {} redirects", self.settings.max_redirects)).into());
            }
            url = next;
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            let retry_after = retry::retry_after(response.headers());
            let error =
                FetchError::Status { status: status.as_u16(), reason: status.canonical_reason().map(str::to_string) };
            return Err(retry::Failed { error, retry_after });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(CONTENT_TYPE);
        let validators = Validators { etag: header(ETAG), last_modified: header(LAST_MODIFIED) };
        let final_url = url.to_string();
        let limit = req.max_body.map_or(self.settings.max_body, |m| m.min(self.settings.max_body));
        let bytes = read_capped(response, req.timeout, limit).await?;
        Ok(Fetched::Body(Body {
            charset: content_type.as_deref().and_then(charset_of),
            content_type,
            bytes,
            validators,
            final_url,
        }))
    }

    async fn read_file(&self, url: &Url) -> Result<Fetched, FetchError> {
        let path = url.to_file_path().map_err(|_| FetchError::Other(format!("not a local file URL: {url}")))?;
        let shown = path.display().to_string();
        let file_err = |source| FetchError::File { path: shown.clone(), source };
        let meta = tokio::fs::metadata(&path).await.map_err(file_err)?;
        if meta.len() > self.settings.max_body {
            return Err(FetchError::TooLarge { limit: self.settings.max_body });
        }
        let bytes = tokio::fs::read(&path).await.map_err(file_err)?;
        Ok(Fetched::Body(Body {
            bytes,
            charset: None,
            content_type: None,
            validators: Validators::default(),
            final_url: url.to_string(),
        }))
    }
}

/// Where a redirect points, when `response` is one reqwest would follow.
fn redirect_target(response: &reqwest::Response) -> Option<String> {
    use reqwest::StatusCode;
    let redirect = [
        StatusCode::MOVED_PERMANENTLY,
        StatusCode::FOUND,
        StatusCode::SEE_OTHER,
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ];
    if !redirect.contains(&response.status()) {
        return None;
    }
    response.headers().get(LOCATION)?.to_str().ok().map(str::to_string)
}

/// The guard's refusal inside a failed request's causes.
fn refusal_in(e: &reqwest::Error) -> Option<guard::Refusal> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<guard::Refusal>() {
            return Some(r.clone());
        }
        cause = c.source();
    }
    None
}

async fn read_capped(mut response: reqwest::Response, timeout: Duration, limit: u64) -> Result<Vec<u8>, retry::Failed> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(FetchError::TooLarge { limit }.into());
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() as u64 + chunk.len() as u64 > limit {
                    return Err(FetchError::TooLarge { limit }.into());
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) if e.is_timeout() => return Err(FetchError::Timeout(timeout).into()),
            Err(e) => return Err(FetchError::Body(retry::root_cause(&e)).into()),
        }
    }
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn charset_parameter() {
        assert_eq!(super::charset_of("application/rss+xml; charset=\"GBK\""), Some("GBK".into()));
        assert_eq!(super::charset_of("text/xml"), None);
    }
}
