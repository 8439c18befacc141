//! Commands that look without writing: `parse`, `extract`, `status`.

use std::path::Path;

use super::{EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE};
use crate::config::{Config, RunSettings, Source};
use crate::feed::{self, ParseOptions};
use crate::fetch::{Fetched, Fetcher, Request, Trust, Validators};
use crate::pipeline;

pub(super) fn parse(input: &str, json: bool, raw: bool, name: Option<String>, timezone: Option<&str>) -> u8 {
    let zone = match timezone.map(str::parse::<chrono_tz::Tz>).transpose() {
        Ok(z) => z,
        Err(_) => {
            eprintln!("error: --timezone: unknown zone {:?}", timezone.unwrap_or_default());
            return EXIT_USAGE;
        }
    };
    let (url, body) = match read_input(input, false) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {input}: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    let feed = match feed::parse(&body.bytes, &ParseOptions { http_charset: body.charset.as_deref(), timezone: zone }) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {input}: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    let mut source = Source::with_defaults(name.unwrap_or_else(|| crate::text::clean_line(&feed.title)), url.clone());
    source.sanitize = !raw;
    source.timezone = zone;
    // `parse` shows the feed as it is: cleaned by the rules, no page fetched.
    source.full_text = crate::config::FullText::Off;
    let rules = crate::extract::RuleSet::default();
    let run_time = chrono::Utc::now();
    let base = url::Url::parse(&body.final_url).ok();
    let keys = pipeline::prepare::keys_for(&source, &feed, base.as_ref());
    let items: Vec<serde_json::Value> = feed
        .items
        .iter()
        .zip(keys)
        .map(|(item, (link, keys))| {
            let (draft, _) = pipeline::content::draft(item, link.as_ref(), &source, &rules);
            let content = pipeline::content::finish(draft, &source);
            let p = pipeline::prepare::prepare(item, link.as_ref(), keys, &source, run_time, content);
            serde_json::json!({
                "id": item.guid,
                "title": p.post.title,
                "link": p.post.link,
                "author": item.author.as_deref().map(crate::text::clean_line),
                "published": item.published.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                "content": p.post.content_as_written(),
                "file": format!("_posts/{}", p.file_name),
            })
        })
        .collect();
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
            let s = |k: &str| item[k].as_str().unwrap_or("-").to_string();
            outln!(
                "\n{}\n  title:     {}\n  link:      {}\n  author:    {}\n  published: {}\n  content:   {} bytes",
                s("file"),
                s("title"),
                s("link"),
                s("author"),
                s("published"),
                s("content").len()
            );
        }
    }
    EXIT_OK
}

pub(super) fn status(config: Option<&Path>, site: &Path, json: bool, markdown: bool) -> u8 {
    let config = match Config::locate(config, site).and_then(|p| Config::load(&p)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let now = chrono::Utc::now();
    let list = match crate::status::collect(&config, site, now) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
    } else if markdown {
        out!("{}", crate::status::markdown(&list, now));
    } else {
        out!("{}", crate::status::text(&list, now));
    }
    // Scripts can alert on it: 1 when any enabled source is failing or silent.
    if list.iter().any(|s| matches!(s.health, "failing" | "silent")) { EXIT_SOURCE_FAILED } else { EXIT_OK }
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
) -> u8 {
    let config = match config.map(Path::to_path_buf).or_else(|| Config::locate(None, Path::new(".")).ok()) {
        Some(p) => match Config::load(&p) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let base = match base_url.map(url::Url::parse).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: --base-url: {e}");
            return EXIT_USAGE;
        }
    };
    let (_, body) = match read_input(input, allow_private) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {input}: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
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
                        eprintln!(
                            "error: --rules: no source or domain named {name:?}; rules exist for: {}",
                            domains.join(", ")
                        );
                        return EXIT_USAGE;
                    }
                },
            }
        }
        None => base.as_ref().and_then(|b| rule_set.for_link(b)),
    };
    let (html, encoding) = crate::extract::decode_page(&body.bytes, body.charset.as_deref());
    match crate::extract::extract_page(&html, base.as_ref(), chosen) {
        Ok(article) => {
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
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {input}: {e}");
            EXIT_SOURCE_FAILED
        }
    }
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
