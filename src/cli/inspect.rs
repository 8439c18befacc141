//! Commands that look without writing: `parse`, `extract`, `status`.

use std::path::Path;

use super::{CliError, CommandResult, Exit, OrExit};
use crate::config::{Config, RunSettings, Source};
use crate::feed::{self, ParseOptions};
use crate::fetch::{Fetched, Fetcher, Request, Trust, Validators};
use crate::pipeline;

pub(super) fn parse(input: &str, json: bool, raw: bool, name: Option<String>, timezone: Option<&str>) -> CommandResult {
    let zone = timezone
        .map(str::parse::<chrono_tz::Tz>)
        .transpose()
        .map_err(|_| format!("--timezone: unknown zone {:?}", timezone.unwrap_or_default()))
        .or_exit(Exit::Usage)?;
    let (url, body) = read_input(input, false).map_err(|e| format!("{input}: {e}")).or_exit(Exit::SourceFailed)?;
    let feed = feed::parse(&body.bytes, &ParseOptions { http_charset: body.charset.as_deref(), timezone: zone })
        .map_err(|e| format!("{input}: {e}"))
        .or_exit(Exit::SourceFailed)?;
    let mut source = Source::with_defaults(name.unwrap_or_else(|| crate::text::clean_line(&feed.title)), url.clone());
    source.sanitize = !raw;
    source.timezone = zone;
    let base = url::Url::parse(&body.final_url).ok();
    let items = pipeline::preview(&feed, &source, base.as_ref(), chrono::Utc::now());
    if json {
        let doc = serde_json::json!({
            "url": url,
            "format": feed.format.as_str(),
            "encoding": feed.encoding,
            "encoding_reason": feed.encoding_reason,
            "truncated": feed.truncated,
            "items": items,
        });
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        outln!(
            "{} ({}, {}: {}): {} items{}",
            feed.title,
            feed.format.as_str(),
            feed.encoding,
            feed.encoding_reason,
            items.len(),
            if feed.truncated { " (truncated: the items complete before the cut)" } else { "" }
        );
        for item in &items {
            outln!(
                "\n{}\n  title:     {}\n  link:      {}\n  author:    {}\n  published: {}\n  content:   {} bytes",
                item.file,
                item.title,
                item.link,
                item.author.as_deref().unwrap_or("-"),
                item.published.as_deref().unwrap_or("-"),
                item.content.len()
            );
        }
    }
    Ok(Exit::Ok)
}

pub(super) fn status(config: Option<&Path>, site: &Path, json: bool, markdown: bool) -> CommandResult {
    let config = Config::locate(config, site).and_then(|p| Config::load(&p)).or_exit(Exit::Usage)?;
    let now = chrono::Utc::now();
    let list = crate::status::collect(&config, site, now).or_exit(Exit::SourceFailed)?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
    } else if markdown {
        out!("{}", crate::status::markdown(&list, now));
    } else {
        out!("{}", crate::status::text(&list, now));
    }
    // Scripts can alert on it: 1 when any enabled source is failing or silent.
    Ok(if list.iter().any(|s| matches!(s.health, "failing" | "silent")) { Exit::SourceFailed } else { Exit::Ok })
}

/// What `extract` prints.
pub(super) enum ExtractOutput {
    Html,
    Text,
    Json,
}

pub(super) fn extract(
    input: &str,
    base_url: Option<&str>,
    rules: Option<&str>,
    output: ExtractOutput,
    config: Option<&Path>,
    allow_private: bool,
) -> CommandResult {
    let config = config
        .map(Path::to_path_buf)
        .or_else(|| Config::locate(None, Path::new(".")).ok())
        .map(|p| Config::load(&p))
        .transpose()
        .or_exit(Exit::Usage)?;
    let base =
        base_url.map(url::Url::parse).transpose().map_err(|e| format!("--base-url: {e}")).or_exit(Exit::Usage)?;
    let (_, body) =
        read_input(input, allow_private).map_err(|e| format!("{input}: {e}")).or_exit(Exit::SourceFailed)?;
    let base = base.or_else(|| url::Url::parse(&body.final_url).ok().filter(|u| u.scheme() != "file"));
    let rule_set = config.as_ref().map(|c| c.rules.clone()).unwrap_or_default();
    let chosen = match rules {
        Some(name) => {
            let source = config.as_ref().and_then(|c| c.sources.iter().find(|s| s.name == name));
            match source {
                Some(s) => s.rules.as_ref().or_else(|| base.as_ref().and_then(|b| rule_set.for_link(b))),
                None => match rule_set.for_domain(name) {
                    Some(r) => Some(r),
                    None => {
                        let domains: Vec<&str> = rule_set.domains().collect();
                        return Err(CliError::new(
                            Exit::Usage,
                            format!(
                                "--rules: no source or domain named {name:?}; rules exist for: {}",
                                domains.join(", ")
                            ),
                        ));
                    }
                },
            }
        }
        None => base.as_ref().and_then(|b| rule_set.for_link(b)),
    };
    let (html, encoding) = crate::extract::decode_page(&body.bytes, body.charset.as_deref());
    let article = crate::extract::extract_page(&html, base.as_ref(), chosen)
        .map_err(|e| format!("{input}: {e}"))
        .or_exit(Exit::SourceFailed)?;
    let how = article.method.to_string();
    eprintln!("{input}: {}, {} characters of text, by {how}", encoding.name(), article.text_chars);
    let clean = crate::sanitize::sanitize(&article.html, base.as_ref());
    match output {
        ExtractOutput::Text => outln!("{}", crate::extract::plain_text(&clean)),
        ExtractOutput::Html => outln!("{clean}"),
        ExtractOutput::Json => {
            let meta = &article.meta;
            let value = serde_json::json!({
                "text": crate::extract::plain_text(&clean),
                "html": clean,
                "title": meta.title,
                "author": meta.author,
                "date": meta.published.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                "method": how,
            });
            outln!("{value:#}");
        }
    }
    Ok(Exit::Ok)
}

/// A feed or page from a file path or an http(s)/file URL the operator
/// typed, with its URL.
pub(super) fn read_input(input: &str, allow_private: bool) -> Result<(String, crate::fetch::Body), String> {
    let url = if input.contains("://") {
        input.to_string()
    } else {
        let path = std::fs::canonicalize(input).map_err(|e| e.to_string())?;
        url::Url::from_file_path(&path).map_err(|()| "not a usable path".to_string())?.to_string()
    };
    let body = fetch_url(&url, Trust::Operator, allow_private)?;
    Ok((url, body))
}

/// One fetch outside a run, with the defaults of a source.
pub(super) fn fetch_url(url: &str, trust: Trust, allow_private: bool) -> Result<crate::fetch::Body, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let fetcher = Fetcher::new(RunSettings::default());
    let validators = Validators::default();
    let req = Request {
        url,
        user_agent: crate::config::DEFAULT_USER_AGENT,
        proxy: None,
        timeout: crate::config::DEFAULT_TIMEOUT,
        validators: &validators,
        max_body: None,
        trust,
        allow_private,
    };
    match runtime.block_on(fetcher.fetch(&req)).map_err(|e| e.to_string())? {
        Fetched::Body(b) => Ok(b),
        Fetched::NotModified => Err("server answered 304 to an unconditional request".into()),
    }
}
