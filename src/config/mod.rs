//! Configuration: a `newsmirror.toml`, or the old system's `subs.json` as is.

mod toml_file;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;

use crate::extract::{RuleSet, Rules};

/// Settings that apply to the whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    /// Sources fetched at once.
    pub concurrency: usize,
    /// Requests to one host at once.
    pub per_host: usize,
    /// Largest body accepted; a larger one is refused, not truncated.
    pub max_body: u64,
    pub max_redirects: usize,
    /// Extra attempts after a timeout, 5xx or 429.
    pub retries: u32,
    pub connect_timeout: Duration,
    /// Wall-clock bound on one source's fetch, retries and waits included.
    pub source_deadline: Duration,
    /// Largest image `images = "mirror"` downloads.
    pub image_max_bytes: u64,
    /// Bytes of images one run downloads at most, over all sources.
    pub images_max_bytes_per_run: u64,
    /// Commit `_warc/` with the posts (`evidence_commit`); off by default.
    pub evidence_commit: bool,
    /// `[defaults]` re-check settings, for posts of sources no longer configured.
    pub recheck: crate::recheck::Settings,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            concurrency: 16,
            per_host: 4,
            max_body: 20 * 1024 * 1024,
            max_redirects: 10,
            retries: 2,
            connect_timeout: Duration::from_secs(10),
            source_deadline: Duration::from_secs(90),
            image_max_bytes: 10 * 1024 * 1024,
            images_max_bytes_per_run: 500 * 1024 * 1024,
            evidence_commit: false,
            recheck: crate::recheck::Settings::default(),
        }
    }
}

/// One feed to mirror, with every default already applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub url: String,
    /// Extra tags after the source name.
    pub tags: Vec<String>,
    /// Overrides the items' own authors.
    pub author: Option<String>,
    pub enabled: bool,
    /// Sanitise item HTML (default); `false` writes the feed's HTML exactly.
    pub sanitize: bool,
    pub user_agent: String,
    pub proxy: Option<String>,
    /// Bound on one HTTP attempt.
    pub timeout: Duration,
    /// Zone for dates without an offset, or with `CST`.
    pub timezone: Option<Tz>,
    /// When to fetch the article page for the full text.
    pub full_text: FullText,
    /// How often `newsmirror watch` fetches this source (`None`: the
    /// `--every` given to watch).
    pub every: Option<Duration>,
    /// This source's own cleanup rules, replacing the rules for its domain.
    pub rules: Option<Rules>,
    pub images: Images,
    /// Let URLs from the feed's data (article pages, images, redirects)
    /// reach private, loopback and other non-public addresses: for
    /// intranet mirrors. Off, a hostile feed could make the mirror publish
    /// internal pages.
    pub allow_private: bool,
    /// Hosts (`*.example.net` for any subdomain) of the rotating mirrors
    /// the feed's links point at: a link differing only in such a host is
    /// the same article.
    pub mirror_hosts: Vec<String>,
    /// Re-checking the originals of this source's posts (`recheck`,
    /// `confirm_after`, `soft_404`, `evidence`).
    pub recheck: crate::recheck::Settings,
    /// New posts one run writes at most for this feed, the newest first.
    pub max_items: usize,
}

/// Rotating CDN and app hosts that censorship-circumvention mirrors serve
/// feeds' articles from (GreatFire's feeds rewrite every link to one).
pub const DEFAULT_MIRROR_HOSTS: &[&str] = &["*.cloudfront.net", "*.appspot.com", "*.azureedge.net", "*.azurefd.net"];

/// `full_text`: always fetch the article page, never, or when the feed's
/// content looks like a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullText {
    Off,
    On,
    Auto,
}

/// `images`: keep links to the original images (made absolute, tracking
/// pixels dropped), or mirror them into the site's `assets/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    Link,
    Mirror,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub path: PathBuf,
    pub settings: RunSettings,
    pub sources: Vec<Source>,
    /// Cleanup rules by domain: `[[rules]]` tables, then the built-in ones.
    pub rules: RuleSet,
    /// The `[site]` table, for `newsmirror build`.
    pub site: SiteSettings,
}

/// `[site]`: what `newsmirror build` needs beyond the posts. Unset values
/// come from the archive's `_config.yml`, then from defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteSettings {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Where the site is served, e.g. `https://example.github.io`.
    pub url: Option<String>,
    /// Path under `url`, e.g. `/mirror`.
    pub baseurl: Option<String>,
    /// Zone dates are shown in.
    pub timezone: Option<Zone>,
    pub per_page: Option<usize>,
    /// Build posts under `archived/` too.
    pub archived: Option<bool>,
    /// Keep the old system's `lists/<source>.md` up to date after each run.
    pub lists: bool,
    /// Comments on posts with `comments: True`: provider and its settings.
    pub comments: Option<Comments>,
    /// `language`: the strings of the site's pages and their `lang`.
    pub language: crate::site::Language,
}

/// A time zone: an IANA name, or a fixed offset like `+08:00`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Named(Tz),
    Fixed(chrono::FixedOffset),
}

impl Zone {
    pub fn parse(s: &str) -> Option<Zone> {
        let s = s.trim();
        if let Ok(tz) = s.parse::<Tz>() {
            return Some(Zone::Named(tz));
        }
        let s = s.strip_prefix("UTC").or_else(|| s.strip_prefix("GMT")).unwrap_or(s);
        let (sign, rest) = match s.chars().next()? {
            '+' => (1, &s[1..]),
            '-' => (-1, &s[1..]),
            _ => return None,
        };
        let (h, m) = match rest.split_once(':') {
            Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
            None if rest.len() == 4 => (rest[..2].parse().ok()?, rest[2..].parse().ok()?),
            None => (rest.parse().ok()?, 0),
        };
        if h > 14 || m > 59 {
            return None;
        }
        chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60)).map(Zone::Fixed)
    }

    /// The offset in effect at `at`.
    pub fn offset_at(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::FixedOffset {
        use chrono::Offset;
        match self {
            Zone::Named(tz) => at.with_timezone(tz).offset().fix(),
            Zone::Fixed(f) => *f,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comments {
    pub provider: CommentProvider,
    /// The provider's own settings (`repo`, `repo_id`, `category`, …).
    pub settings: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentProvider {
    Giscus,
    Utterances,
    Gitalk,
}

pub const DEFAULT_USER_AGENT: &str = concat!("newsmirror/", env!("CARGO_PKG_VERSION"), " (feed mirror)");
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// `max_items`: a feed of a million items must not write a million posts in
/// one run; a real feed rarely has more than a few hundred.
pub const DEFAULT_MAX_ITEMS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
    #[error("no configuration found: looked for {0}/newsmirror.toml and {0}/subs.json (use --config FILE)")]
    NotFound(PathBuf),
}

impl Config {
    /// `--config FILE` if given, else `site/newsmirror.toml`, else `site/subs.json`.
    pub fn locate(explicit: Option<&Path>, site: &Path) -> Result<PathBuf, ConfigError> {
        if let Some(p) = explicit {
            return Ok(p.to_path_buf());
        }
        ["newsmirror.toml", "subs.json"]
            .iter()
            .map(|n| site.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| ConfigError::NotFound(site.to_path_buf()))
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            let sources = parse_subs_json(&text, path)?;
            return Ok(Config {
                path: path.to_path_buf(),
                settings: RunSettings::default(),
                sources,
                rules: RuleSet::default(),
                site: SiteSettings::default(),
            });
        }
        let (settings, sources, rules, site) = toml_file::parse(&text, path)?;
        Ok(Config { path: path.to_path_buf(), settings, sources, rules, site })
    }
}

/// The old system's `[{"site": NAME, "url": URL}, …]`; other keys are ignored
/// as the old script ignored them.
pub fn parse_subs_json(text: &str, path: &Path) -> Result<Vec<Source>, ConfigError> {
    #[derive(serde::Deserialize)]
    struct Sub {
        site: String,
        url: String,
    }
    let subs: Vec<Sub> = serde_json::from_str(text)
        .map_err(|e| ConfigError::Invalid(format!("{}:{}: {e}", path.display(), e.line())))?;
    let sources: Vec<Source> = subs.into_iter().map(|s| Source::with_defaults(s.site, s.url)).collect();
    for s in &sources {
        check_url(&s.url)
            .map_err(|why| ConfigError::Invalid(format!("{}: source \"{}\": url: {why}", path.display(), s.name)))?;
    }
    check_unique_names(&sources).map_err(|why| ConfigError::Invalid(format!("{}: {why}", path.display())))?;
    Ok(sources)
}

impl Source {
    pub fn with_defaults(name: String, url: String) -> Source {
        Source {
            name,
            url,
            tags: Vec::new(),
            author: None,
            enabled: true,
            sanitize: true,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            proxy: None,
            timeout: DEFAULT_TIMEOUT,
            timezone: None,
            full_text: FullText::Auto,
            every: None,
            rules: None,
            images: Images::Link,
            allow_private: false,
            mirror_hosts: DEFAULT_MIRROR_HOSTS.iter().map(|h| h.to_string()).collect(),
            recheck: crate::recheck::Settings::default(),
            max_items: DEFAULT_MAX_ITEMS,
        }
    }

    /// Whether the feed's HTML is written exactly (`sanitize = false`): no
    /// cleanup, no full text, no image mirroring either.
    pub fn is_raw(&self) -> bool {
        !self.sanitize
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("{e} in {url:?}"))?;
    match parsed.scheme() {
        "http" | "https" | "file" => Ok(()),
        other => Err(format!("scheme {other:?} is not supported (http, https or file)")),
    }
}

/// A source name becomes a path segment on the site (`lists/<name>.md`,
/// `sources/<slug>/`, Jekyll's `:categories`): one that reads as a way out
/// of a directory is refused, whatever the build would make of it.
pub fn check_source_name(name: &str) -> Result<(), String> {
    let escapes = name.split(['/', '\\']).any(|segment| matches!(segment.trim(), "." | ".."));
    if escapes {
        return Err(format!(
            "source name {name:?} holds a \".\" or \"..\" path segment, which would lead out of the site's folders; rename it"
        ));
    }
    Ok(())
}

/// A usable source name from a remote feed's title (`sources add`,
/// `import`): the same text with `.`/`..` path segments made harmless, so
/// a hostile title never stops the command or leads out of the site.
pub fn safe_source_name(title: &str) -> String {
    let cleaned = crate::text::clean_line(title);
    let parts: Vec<String> = cleaned
        .split('/')
        .map(|segment| match segment.trim() {
            "." | ".." => segment.replace('.', "·"),
            _ => segment.replace('\\', "-"),
        })
        .collect();
    parts.join("/")
}

fn check_unique_names(sources: &[Source]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for s in sources {
        if s.name.trim().is_empty() {
            return Err(format!("a source has an empty name (url {})", s.url));
        }
        check_source_name(&s.name)?;
        if !seen.insert(s.name.as_str()) {
            return Err(format!("two sources are named \"{}\": names identify sources in the state", s.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
