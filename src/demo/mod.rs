//! `newsmirror demo`: a newcomer's first minute, without network.
//!
//! The bundled sample feeds (one of each shape newsmirror reads), served on
//! 127.0.0.1, and a config reading them; the command mirrors them into a
//! directory exactly as `run` would.

mod server;

use crate::config::{Config, RunSettings, Source};

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

/// Serve the samples on 127.0.0.1, for as long as the server is kept.
pub fn serve() -> std::io::Result<SampleServer> {
    SampleServer::start(
        SAMPLES
            .iter()
            .map(|s| Served {
                path: format!("/{}", s.file),
                content_type: s.content_type.to_string(),
                body: s.bytes.to_vec(),
            })
            .collect(),
    )
}

/// A config with one source per sample, read from `server`.
pub fn config(server: &SampleServer) -> Config {
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
    Config {
        path: "(built-in samples)".into(),
        settings: RunSettings::default(),
        sources,
        rules: Default::default(),
        site: Default::default(),
    }
}
