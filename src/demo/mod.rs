//! `newsmirror demo`: a newcomer's first minute, without network.
//!
//! Serves the bundled sample feeds (one of each shape newsmirror reads) on
//! 127.0.0.1 and mirrors them into a directory, exactly as `run` would.

mod server;

use std::path::Path;
use std::time::Duration;

use crate::config::{Config, RunSettings, Source};
use crate::fetch::Fetcher;

pub use server::{SampleServer, Served};

/// A bundled feed: file name, `Content-Type` it is served with, source name.
pub struct Sample {
    pub file: &'static str,
    pub content_type: &'static str,
    pub name: &'static str,
    pub bytes: &'static [u8],
    pub timezone: Option<&'static str>,
}

macro_rules! sample {
    ($file:literal, $ct:literal, $name:literal, $tz:expr) => {
        Sample {
            file: $file,
            content_type: $ct,
            name: $name,
            bytes: include_bytes!(concat!("samples/", $file)),
            timezone: $tz,
        }
    };
}

pub const SAMPLES: &[Sample] = &[
    sample!("rss2-cdata.xml", "application/rss+xml; charset=utf-8", "RSS 2.0 sample", None),
    sample!("atom-xhtml.xml", "application/atom+xml", "Atom sample", None),
    sample!("rdf.xml", "application/rdf+xml", "RDF sample", None),
    sample!("youtube.xml", "application/atom+xml", "YouTube sample", None),
    sample!("feed.json", "application/feed+json", "JSON Feed sample", None),
    sample!("gbk.xml", "application/rss+xml", "GBK sample", Some("Asia/Shanghai")),
    sample!("big5.xml", "application/rss+xml; charset=big5", "Big5 sample", Some("Asia/Taipei")),
];

pub fn run(dir: &Path) -> u8 {
    let server = match SampleServer::start(
        SAMPLES
            .iter()
            .map(|s| Served {
                path: format!("/{}", s.file),
                content_type: s.content_type.to_string(),
                body: s.bytes.to_vec(),
            })
            .collect(),
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the sample server on 127.0.0.1: {e}");
            return crate::cli::EXIT_SOURCE_FAILED;
        }
    };
    outln!("Serving {} sample feeds on {}", SAMPLES.len(), server.base_url());
    outln!("Mirroring them into {}\n", dir.display());
    let sources = SAMPLES
        .iter()
        .map(|s| {
            let mut source = Source::with_defaults(s.name.to_string(), format!("{}/{}", server.base_url(), s.file));
            source.timezone = s.timezone.and_then(|z| z.parse().ok());
            // The samples' links point at the real sites: no page fetches,
            // so the demo is the same with or without a network.
            source.full_text = crate::config::FullText::Off;
            source
        })
        .collect();
    let config = Config {
        path: "(built-in samples)".into(),
        settings: RunSettings::default(),
        sources,
        rules: Default::default(),
        site: Default::default(),
    };
    let code = crate::cli::run_config(
        &config,
        dir,
        Duration::from_secs(10),
        Fetcher::new(config.settings.clone()),
        Default::default(),
    );
    let posts = dir.join("_posts");
    if let Ok(entries) = std::fs::read_dir(&posts) {
        let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        outln!("\n{} posts in {}:", names.len(), posts.display());
        for n in names {
            outln!("  {n}");
        }
    }
    outln!(
        "\nRun it again: nothing is written twice. Read the mirror as a site:\n  newsmirror serve --site {0}\nStart your own with:\n  newsmirror init DIR   (or: newsmirror run --config subs.json --site DIR)",
        dir.display()
    );
    code
}
