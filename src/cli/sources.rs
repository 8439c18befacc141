//! `sources list|add|remove|enable|disable`, `import`, `export`.

use std::path::{Path, PathBuf};

use super::inspect::{fetch_url, read_input};
use super::{EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE};
use crate::feed::{self, ParseOptions};
use crate::fetch::{Trust, guard};
use crate::sources::{Editor, Entry};

#[derive(clap::Subcommand)]
pub(super) enum SourcesCommand {
    /// The sources of the config.
    List,
    /// Add a feed; given a web page, find its feed (`<link rel="alternate">`). Named from the feed's title.
    Add {
        #[arg(value_name = "URL")]
        url: String,
        #[arg(long)]
        name: Option<String>,
        /// Follow a page's feed link or a redirect to a private or loopback address.
        #[arg(long)]
        allow_private: bool,
    },
    Remove {
        name: String,
    },
    Enable {
        name: String,
    },
    /// Keep a source in the config without fetching it.
    Disable {
        name: String,
    },
}

/// The config to edit: `--config`, else DIR/newsmirror.toml (created if need be).
fn config_path(config: Option<&Path>, site: &Path) -> PathBuf {
    config.map(Path::to_path_buf).unwrap_or_else(|| site.join("newsmirror.toml"))
}

fn edit(path: &Path, f: impl FnOnce(&mut Editor) -> Result<String, crate::sources::SourcesError>) -> u8 {
    let result = Editor::open(path).and_then(|mut ed| {
        let said = f(&mut ed)?;
        ed.save()?;
        Ok(said)
    });
    match result {
        Ok(said) => {
            outln!("{said}");
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}

pub(super) fn sources(cmd: SourcesCommand, config: Option<&Path>, site: &Path) -> u8 {
    let path = config_path(config, site);
    match cmd {
        SourcesCommand::List => match Editor::open(&path) {
            Ok(ed) => {
                for (e, enabled) in ed.entries() {
                    outln!("{}{}  {}", e.name, if enabled { "" } else { " (disabled)" }, e.url);
                }
                EXIT_OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_USAGE
            }
        },
        SourcesCommand::Add { url, name, allow_private } => {
            let entry = match discover(&url, name, allow_private) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("error: {url}: {e}");
                    return EXIT_SOURCE_FAILED;
                }
            };
            edit(&path, |ed| {
                ed.add(&entry)?;
                Ok(format!("added \"{}\" ({}) to {}", entry.name, entry.url, path.display()))
            })
        }
        SourcesCommand::Remove { name } => edit(&path, |ed| {
            ed.remove(&name)?;
            Ok(format!("removed \"{name}\"; its posts stay in _posts/"))
        }),
        SourcesCommand::Enable { name } => edit(&path, |ed| {
            ed.set_enabled(&name, true)?;
            Ok(format!("enabled \"{name}\""))
        }),
        SourcesCommand::Disable { name } => edit(&path, |ed| {
            ed.set_enabled(&name, false)?;
            Ok(format!("disabled \"{name}\""))
        }),
    }
}

/// The feed at `url`, or the first feed a page at `url` links to. The
/// page chose the link: it is fetched as data (public addresses only, no
/// `file://`), unless it stays on the server the operator typed.
fn discover(url: &str, name: Option<String>, allow_private: bool) -> Result<Entry, String> {
    if let Some(n) = &name {
        crate::config::check_source_name(n)?;
    }
    let (final_url, body) = read_input(url, allow_private)?;
    let opts = ParseOptions { http_charset: body.charset.as_deref(), timezone: None };
    let (feed_url, feed) = match feed::parse(&body.bytes, &opts) {
        Ok(f) => (final_url, f),
        Err(parse_error) => {
            let (page, _) = crate::extract::decode_page(&body.bytes, body.charset.as_deref());
            let base = url::Url::parse(&body.final_url).map_err(|e| e.to_string())?;
            let link = crate::text::feed_links_in_html(&page)
                .into_iter()
                .find_map(|l| base.join(&l).ok())
                .ok_or_else(|| format!("neither a feed ({parse_error}) nor a page that links to one"))?;
            let typed = url::Url::parse(&final_url).map_err(|e| e.to_string())?;
            let trust = if guard::same_site(&typed, &link) { Trust::Operator } else { Trust::Data };
            let body = fetch_url(link.as_str(), trust, allow_private).map_err(|e| format!("{link}: {e}"))?;
            let feed_url = link.to_string();
            let opts = ParseOptions { http_charset: body.charset.as_deref(), timezone: None };
            let feed = feed::parse(&body.bytes, &opts).map_err(|e| format!("{link}: {e}"))?;
            (feed_url, feed)
        }
    };
    let name = name
        .or_else(|| Some(crate::config::safe_source_name(&feed.title)).filter(|t| !t.is_empty()))
        .unwrap_or_else(|| feed_url.clone());
    Ok(Entry { name, url: feed_url })
}

pub(super) fn import(file: &Path, config: Option<&Path>, site: &Path) -> u8 {
    let list = match crate::sources::read_list(file) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let path = config_path(config, site);
    edit(&path, |ed| {
        let (mut added, mut skipped) = (0, Vec::new());
        for e in &list {
            // OPML titles and subs.json names come from elsewhere too.
            let e = &crate::sources::Entry { name: crate::config::safe_source_name(&e.name), url: e.url.clone() };
            match ed.add(e) {
                Ok(()) => added += 1,
                Err(why) => skipped.push(format!("  skipped \"{}\": {why}", e.name)),
            }
        }
        let mut said =
            format!("imported {added} of {} sources from {} into {}", list.len(), file.display(), path.display());
        for s in skipped {
            said.push('\n');
            said.push_str(&s);
        }
        Ok(said)
    })
}

pub(super) fn export(config: Option<&Path>, site: &Path) -> u8 {
    let loaded = crate::config::Config::locate(config, site).and_then(|p| crate::config::Config::load(&p));
    match loaded {
        Ok(c) => {
            let entries: Vec<Entry> =
                c.sources.iter().map(|s| Entry { name: s.name.clone(), url: s.url.clone() }).collect();
            out!("{}", crate::sources::to_opml(c.site.title.as_deref().unwrap_or("newsmirror sources"), &entries));
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}
