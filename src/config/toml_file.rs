//! `newsmirror.toml`: `[defaults]` and `[[source]]` tables.
//!
//! Every error names the file, the line, the key and (inside a source) the
//! source, because a volunteer fixing a config at 2 a.m. needs exactly that.

use std::path::Path;
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use super::{
    CommentProvider, Comments, ConfigError, DEFAULT_MAX_ITEMS, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, FullText, Images,
    RunSettings, SiteSettings, Source, Zone, check_unique_names, check_url,
};
use crate::extract::{RuleSet, Rules, normalise_domain};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    source: Vec<RawSource>,
    #[serde(default)]
    rules: Vec<RawRules>,
    site: Option<RawSite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    title: Option<String>,
    description: Option<String>,
    url: Option<String>,
    baseurl: Option<String>,
    timezone: Option<Spanned<String>>,
    per_page: Option<Spanned<usize>>,
    archived: Option<bool>,
    lists: Option<bool>,
    comments: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    language: Option<Spanned<String>>,
}

/// `[[rules]]`: cleanup rules for one site, by its domain.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    domain: Spanned<String>,
    content: Option<Spanned<OneOrMany>>,
    remove: Option<Spanned<OneOrMany>>,
}

/// `"selector"` or `["selector", …]`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn list(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `true`, `false` or `"auto"`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum FullTextValue {
    Bool(bool),
    Text(String),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    tags: Option<Vec<String>>,
    sanitize: Option<bool>,
    user_agent: Option<String>,
    proxy: Option<Spanned<String>>,
    timeout: Option<Spanned<DurationValue>>,
    timezone: Option<Spanned<String>>,
    concurrency: Option<Spanned<usize>>,
    per_host: Option<Spanned<usize>>,
    max_body: Option<Spanned<SizeValue>>,
    max_redirects: Option<usize>,
    retries: Option<u32>,
    connect_timeout: Option<Spanned<DurationValue>>,
    source_deadline: Option<Spanned<DurationValue>>,
    full_text: Option<Spanned<FullTextValue>>,
    every: Option<Spanned<DurationValue>>,
    images: Option<Spanned<String>>,
    image_max_size: Option<Spanned<SizeValue>>,
    images_max_per_run: Option<Spanned<SizeValue>>,
    allow_private: Option<bool>,
    mirror_hosts: Option<Vec<String>>,
    // Re-checking (src/recheck): defaults for every source.
    recheck: Option<Spanned<RecheckValue>>,
    confirm_after: Option<Spanned<DurationValue>>,
    soft_404: Option<Vec<String>>,
    evidence: Option<Spanned<String>>,
    evidence_commit: Option<bool>,
    max_items: Option<Spanned<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    url: Spanned<String>,
    tags: Option<Vec<String>>,
    author: Option<String>,
    enabled: Option<bool>,
    sanitize: Option<bool>,
    user_agent: Option<String>,
    proxy: Option<Spanned<String>>,
    timeout: Option<Spanned<DurationValue>>,
    timezone: Option<Spanned<String>>,
    full_text: Option<Spanned<FullTextValue>>,
    every: Option<Spanned<DurationValue>>,
    content: Option<Spanned<OneOrMany>>,
    remove: Option<Spanned<OneOrMany>>,
    images: Option<Spanned<String>>,
    allow_private: Option<bool>,
    mirror_hosts: Option<Vec<String>>,
    recheck: Option<Spanned<RecheckValue>>,
    confirm_after: Option<Spanned<DurationValue>>,
    soft_404: Option<Vec<String>>,
    evidence: Option<Spanned<String>>,
    max_items: Option<Spanned<usize>>,
}

/// `recheck = false`, `true` (the default schedule) or `["1h", "1d", …]`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RecheckValue {
    Bool(bool),
    Steps(Vec<DurationValue>),
}

/// `30` (seconds) or `"30s"`, `"2m"`, `"1h 30m"`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum DurationValue {
    Seconds(u64),
    Text(String),
}

/// `1048576` (bytes) or `"20MiB"`, `"512 KB"`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].matches('\n').count() + 1
    }

    fn err(&self, span: std::ops::Range<usize>, source: Option<&str>, msg: impl std::fmt::Display) -> ConfigError {
        let within = source.map(|s| format!("source \"{s}\": ")).unwrap_or_default();
        ConfigError::Invalid(format!("{}:{}: {within}{msg}", self.path.display(), self.line(span.start)))
    }

    /// The name of the `[[source]]` table that contains byte `offset`, for
    /// errors serde reports before any source is built.
    fn source_at(&self, offset: usize) -> Option<String> {
        let index = self.text[..offset.min(self.text.len())]
            .lines()
            .filter(|l| l.trim_start().starts_with("[[source]]"))
            .count()
            .checked_sub(1)?;
        let table: toml::Table = toml::from_str(self.text).ok()?;
        let source = table.get("source")?.as_array()?.get(index)?;
        source.get("name")?.as_str().map(str::to_string)
    }
}

pub(super) fn parse(text: &str, path: &Path) -> Result<(RunSettings, Vec<Source>, RuleSet, SiteSettings), ConfigError> {
    let ctx = Ctx { text, path };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let source = ctx.source_at(span.start);
        ctx.err(span, source.as_deref(), e.message())
    })?;
    let d = raw.defaults;
    let mut settings = RunSettings::default();
    if let Some(n) = &d.concurrency {
        settings.concurrency = positive(&ctx, n, "concurrency")?;
    }
    if let Some(n) = &d.per_host {
        settings.per_host = positive(&ctx, n, "per_host")?;
    }
    if let Some(v) = &d.max_body {
        settings.max_body = size(&ctx, v, "max_body")?;
    }
    if let Some(v) = &d.image_max_size {
        settings.image_max_bytes = size(&ctx, v, "image_max_size")?;
    }
    if let Some(v) = &d.images_max_per_run {
        settings.images_max_bytes_per_run = size(&ctx, v, "images_max_per_run")?;
    }
    if let Some(n) = d.max_redirects {
        settings.max_redirects = n;
    }
    if let Some(n) = d.retries {
        settings.retries = n;
    }
    if let Some(v) = &d.connect_timeout {
        settings.connect_timeout = duration(&ctx, v, None, "connect_timeout")?;
    }
    if let Some(v) = &d.source_deadline {
        settings.source_deadline = duration(&ctx, v, None, "source_deadline")?;
    }
    let default_timeout = match &d.timeout {
        Some(v) => duration(&ctx, v, None, "timeout")?,
        None => DEFAULT_TIMEOUT,
    };
    let default_zone = d.timezone.as_ref().map(|z| zone(&ctx, z, None)).transpose()?;
    let default_proxy = d.proxy.as_ref().map(|p| proxy(&ctx, p, None)).transpose()?;
    let default_full_text =
        d.full_text.as_ref().map(|v| full_text(&ctx, v, None)).transpose()?.unwrap_or(FullText::Auto);
    let default_every = d.every.as_ref().map(|v| duration(&ctx, v, None, "every")).transpose()?;
    let default_max_items =
        d.max_items.as_ref().map(|n| positive(&ctx, n, "max_items")).transpose()?.unwrap_or(DEFAULT_MAX_ITEMS);
    let default_images = d.images.as_ref().map(|v| images(&ctx, v, None)).transpose()?.unwrap_or(Images::Link);
    let default_recheck = recheck(
        &ctx,
        None,
        &crate::recheck::Settings::default(),
        (&d.recheck, &d.confirm_after, &d.soft_404, &d.evidence),
    )?;
    settings.evidence_commit = d.evidence_commit.unwrap_or(false);
    settings.recheck = default_recheck.clone();
    let mut domain_rules = Vec::new();
    for r in &raw.rules {
        let domain = normalise_domain(r.domain.get_ref());
        if domain.is_empty() {
            return Err(ctx.err(r.domain.span(), None, "rules: domain must not be empty"));
        }
        let site = format!("rules for {domain:?}: ");
        let Some(rules) = rules(&ctx, r.content.as_ref(), r.remove.as_ref(), &site)? else {
            return Err(ctx.err(r.domain.span(), None, format!("{site}give `content`, `remove` or both")));
        };
        domain_rules.push((domain, rules));
    }

    let mut sources = Vec::with_capacity(raw.source.len());
    for s in raw.source {
        let name = s.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(ctx.err(s.name.span(), None, "name: must not be empty"));
        }
        let named = Some(name.as_str());
        check_url(s.url.get_ref()).map_err(|why| ctx.err(s.url.span(), named, format!("url: {why}")))?;
        let own_rules = rules(&ctx, s.content.as_ref(), s.remove.as_ref(), &format!("source \"{name}\": "))?;
        let mut tags = d.tags.clone().unwrap_or_default();
        tags.extend(s.tags.unwrap_or_default());
        sources.push(Source {
            url: s.url.get_ref().trim().to_string(),
            tags,
            author: s.author.filter(|a| !a.trim().is_empty()),
            enabled: s.enabled.unwrap_or(true),
            sanitize: s.sanitize.or(d.sanitize).unwrap_or(true),
            user_agent: s.user_agent.or_else(|| d.user_agent.clone()).unwrap_or_else(|| DEFAULT_USER_AGENT.to_string()),
            proxy: match &s.proxy {
                Some(p) => Some(proxy(&ctx, p, named)?),
                None => default_proxy.clone(),
            },
            timeout: match &s.timeout {
                Some(v) => duration(&ctx, v, named, "timeout")?,
                None => default_timeout,
            },
            timezone: match &s.timezone {
                Some(z) => Some(zone(&ctx, z, named)?),
                None => default_zone,
            },
            full_text: match &s.full_text {
                Some(v) => full_text(&ctx, v, named)?,
                None => default_full_text,
            },
            every: match &s.every {
                Some(v) => Some(duration(&ctx, v, named, "every")?),
                None => default_every,
            },
            images: match &s.images {
                Some(v) => images(&ctx, v, named)?,
                None => default_images,
            },
            allow_private: s.allow_private.or(d.allow_private).unwrap_or(false),
            max_items: match &s.max_items {
                Some(n) if *n.get_ref() == 0 => return Err(ctx.err(n.span(), named, "max_items: must be at least 1")),
                Some(n) => *n.get_ref(),
                None => default_max_items,
            },
            rules: own_rules,
            mirror_hosts: s.mirror_hosts.or_else(|| d.mirror_hosts.clone()).map_or_else(
                || super::DEFAULT_MIRROR_HOSTS.iter().map(|h| h.to_string()).collect(),
                |hosts| hosts.iter().map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect(),
            ),
            recheck: recheck(&ctx, named, &default_recheck, (&s.recheck, &s.confirm_after, &s.soft_404, &s.evidence))?,
            name,
        });
    }
    check_unique_names(&sources).map_err(|why| ConfigError::Invalid(format!("{}: {why}", path.display())))?;
    let site = raw.site.map(|s| site(&ctx, s)).transpose()?.unwrap_or_default();
    Ok((settings, sources, RuleSet::new(domain_rules), site))
}

fn site(ctx: &Ctx, s: RawSite) -> Result<SiteSettings, ConfigError> {
    let timezone = match &s.timezone {
        Some(z) => Some(Zone::parse(z.get_ref()).ok_or_else(|| {
            ctx.err(
                z.span(),
                None,
                format!("site: timezone: unknown zone {:?} (an IANA name or an offset like \"+08:00\")", z.get_ref()),
            )
        })?),
        None => None,
    };
    let per_page = s.per_page.as_ref().map(|n| positive(ctx, n, "site: per_page")).transpose()?;
    let comments = match s.comments {
        None => None,
        Some(c) => {
            let span = c.span();
            let mut settings = c.into_inner();
            let provider = match settings.remove("provider").as_deref().map(str::to_ascii_lowercase).as_deref() {
                Some("giscus") => CommentProvider::Giscus,
                Some("utterances") => CommentProvider::Utterances,
                Some("gitalk") => CommentProvider::Gitalk,
                other => {
                    return Err(ctx.err(
                        span,
                        None,
                        format!(
                            "site: comments: provider must be \"giscus\", \"utterances\" or \"gitalk\", found {other:?}"
                        ),
                    ));
                }
            };
            Some(Comments { provider, settings })
        }
    };
    Ok(SiteSettings {
        title: s.title,
        description: s.description,
        url: s.url,
        baseurl: s.baseurl,
        timezone,
        per_page,
        archived: s.archived,
        lists: s.lists.unwrap_or(false),
        comments,
        language: match &s.language {
            Some(l) => crate::site::Language::parse(l.get_ref()).ok_or_else(|| {
                ctx.err(
                    l.span(),
                    None,
                    format!("site: language: expected \"zh-Hans\", \"zh-Hant\" or \"en\", found {:?}", l.get_ref()),
                )
            })?,
            None => crate::site::Language::default(),
        },
    })
}

type RawRecheck<'a> = (
    &'a Option<Spanned<RecheckValue>>,
    &'a Option<Spanned<DurationValue>>,
    &'a Option<Vec<String>>,
    &'a Option<Spanned<String>>,
);

/// A source's re-check settings over `base` (the defaults'); soft-404
/// phrases add to the defaults' rather than replace them.
fn recheck(
    ctx: &Ctx,
    source: Option<&str>,
    base: &crate::recheck::Settings,
    (steps, confirm, phrases, evidence): RawRecheck,
) -> Result<crate::recheck::Settings, ConfigError> {
    let mut out = base.clone();
    if let Some(v) = steps {
        out.schedule = match v.get_ref() {
            RecheckValue::Bool(false) => None,
            RecheckValue::Bool(true) => {
                Some(crate::recheck::DEFAULT_SCHEDULE.iter().map(|s| Duration::from_secs(*s)).collect())
            }
            RecheckValue::Steps(list) => {
                let mut steps = Vec::with_capacity(list.len());
                for d in list {
                    steps.push(duration(ctx, &Spanned::new(v.span(), d.clone()), source, "recheck")?);
                }
                if steps.is_empty() || steps.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(ctx.err(v.span(), source, "recheck: give false, or durations after capture in increasing order, e.g. [\"1h\", \"1d\", \"30d\"]"));
                }
                Some(steps)
            }
        };
    }
    if let Some(v) = confirm {
        out.confirm_after = duration(ctx, v, source, "confirm_after")?;
    }
    if let Some(p) = phrases {
        out.soft_404.extend(p.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
    }
    if let Some(v) = evidence {
        out.warc = match v.get_ref().trim().to_ascii_lowercase().as_str() {
            "warc" => true,
            "none" | "" => false,
            other => {
                return Err(ctx.err(
                    v.span(),
                    source,
                    format!("evidence: expected \"warc\" or \"none\", found {other:?}"),
                ));
            }
        };
    }
    Ok(out)
}

/// Compile `content`/`remove` selectors; `None` when neither is given.
fn rules(
    ctx: &Ctx,
    content: Option<&Spanned<OneOrMany>>,
    remove: Option<&Spanned<OneOrMany>>,
    within: &str,
) -> Result<Option<Rules>, ConfigError> {
    if content.is_none() && remove.is_none() {
        return Ok(None);
    }
    let mut out = Rules::default();
    for (key, value) in [("content", content), ("remove", remove)] {
        let Some(v) = value else { continue };
        let list = v.get_ref().list();
        let compiled = Rules::new(&list, &[] as &[String])
            .map_err(|why| {
                ConfigError::Invalid(format!(
                    "{}:{}: {within}{key}: {why}",
                    ctx.path.display(),
                    ctx.line(v.span().start)
                ))
            })?
            .content;
        if key == "content" {
            out.content = compiled;
        } else {
            out.remove = compiled;
        }
    }
    Ok(Some(out))
}

fn full_text(ctx: &Ctx, v: &Spanned<FullTextValue>, source: Option<&str>) -> Result<FullText, ConfigError> {
    match v.get_ref() {
        FullTextValue::Bool(true) => Ok(FullText::On),
        FullTextValue::Bool(false) => Ok(FullText::Off),
        FullTextValue::Text(t) if t.trim().eq_ignore_ascii_case("auto") => Ok(FullText::Auto),
        FullTextValue::Text(t) => {
            Err(ctx.err(v.span(), source, format!("full_text: expected true, false or \"auto\", found {t:?}")))
        }
    }
}

fn images(ctx: &Ctx, v: &Spanned<String>, source: Option<&str>) -> Result<Images, ConfigError> {
    match v.get_ref().trim().to_ascii_lowercase().as_str() {
        "link" => Ok(Images::Link),
        "mirror" => Ok(Images::Mirror),
        other => Err(ctx.err(v.span(), source, format!("images: expected \"link\" or \"mirror\", found {other:?}"))),
    }
}

fn positive(ctx: &Ctx, v: &Spanned<usize>, key: &str) -> Result<usize, ConfigError> {
    match *v.get_ref() {
        0 => Err(ctx.err(v.span(), None, format!("{key}: must be at least 1"))),
        n => Ok(n),
    }
}

fn duration(ctx: &Ctx, v: &Spanned<DurationValue>, source: Option<&str>, key: &str) -> Result<Duration, ConfigError> {
    let d = match v.get_ref() {
        DurationValue::Seconds(s) => Duration::from_secs(*s),
        DurationValue::Text(t) => humantime::parse_duration(t.trim())
            .map_err(|e| ctx.err(v.span(), source, format!("{key}: {e} in {t:?} (use e.g. 30, \"30s\" or \"2m\")")))?,
    };
    if d.is_zero() {
        return Err(ctx.err(v.span(), source, format!("{key}: must be longer than zero")));
    }
    Ok(d)
}

fn size(ctx: &Ctx, v: &Spanned<SizeValue>, key: &str) -> Result<u64, ConfigError> {
    match v.get_ref() {
        SizeValue::Bytes(n) => Ok(*n),
        SizeValue::Text(t) => parse_size(t)
            .ok_or_else(|| ctx.err(v.span(), None, format!("{key}: cannot read {t:?} as a size (use e.g. \"20MiB\")"))),
    }
}

fn parse_size(t: &str) -> Option<u64> {
    let t = t.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: u64 = t[..split].parse().ok()?;
    let unit: u64 = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(unit)
}

fn zone(ctx: &Ctx, v: &Spanned<String>, source: Option<&str>) -> Result<Tz, ConfigError> {
    v.get_ref().trim().parse().map_err(|_| {
        ctx.err(
            v.span(),
            source,
            format!("timezone: unknown zone {:?} (use an IANA name such as \"Asia/Shanghai\")", v.get_ref()),
        )
    })
}

fn proxy(ctx: &Ctx, v: &Spanned<String>, source: Option<&str>) -> Result<String, ConfigError> {
    let p = v.get_ref().trim();
    let parsed = url::Url::parse(p).map_err(|e| ctx.err(v.span(), source, format!("proxy: {e} in {p:?}")))?;
    match parsed.scheme() {
        "http" | "https" | "socks5" | "socks5h" => Ok(p.to_string()),
        other => Err(ctx.err(
            v.span(),
            source,
            format!("proxy: scheme {other:?} is not supported (http, https, socks5, socks5h)"),
        )),
    }
}
