//! What a build needs to know about the site: `[site]` in
//! `newsmirror.toml` first, then the archive's own Jekyll `_config.yml`
//! (so its URLs stay the same), then defaults.

use std::path::Path;

use chrono::FixedOffset;
use yaml_rust2::{Yaml, YamlLoader};

use crate::config::{Comments, SiteSettings, Zone};

#[derive(Debug, Clone)]
pub struct Settings {
    pub title: String,
    pub description: String,
    /// `https://host`, no trailing slash; empty when unknown.
    pub url: String,
    /// `/path` or empty.
    pub baseurl: String,
    pub permalink: String,
    /// The zone of the dates in post URLs (Jekyll's `timezone`; UTC without).
    pub url_zone: Zone,
    /// The zone dates are shown in (default UTC+8, as the old lists used).
    pub display_zone: Zone,
    pub per_page: usize,
    pub archived: bool,
    /// Jekyll's `exclude`: paths not rendered as pages.
    pub exclude: Vec<String>,
    pub comments: Option<Comments>,
}

pub const DEFAULT_PER_PAGE: usize = 50;

impl Settings {
    pub fn load(site: &Path, own: &SiteSettings) -> Result<Settings, String> {
        let jekyll = match std::fs::read_to_string(site.join("_config.yml")) {
            Ok(text) => Jekyll::parse(&text).map_err(|e| format!("{}: {e}", site.join("_config.yml").display()))?,
            Err(_) => Jekyll::default(),
        };
        let url_zone = match &jekyll.timezone {
            Some(z) => Zone::parse(z).ok_or_else(|| format!("_config.yml: timezone: unknown zone {z:?}"))?,
            None => Zone::Fixed(utc()),
        };
        let archived = own.archived.unwrap_or(!jekyll.exclude.iter().any(|e| e.trim_matches('/') == "archived"));
        Ok(Settings {
            title: own.title.clone().or(jekyll.title).unwrap_or_else(|| "newsmirror".into()),
            description: own.description.clone().or(jekyll.description).unwrap_or_default(),
            url: own.url.clone().or(jekyll.url).unwrap_or_default().trim_end_matches('/').to_string(),
            baseurl: normalise_baseurl(own.baseurl.as_deref().or(jekyll.baseurl.as_deref()).unwrap_or("")),
            permalink: jekyll.permalink.unwrap_or_else(|| "date".into()),
            url_zone,
            display_zone: own.timezone.unwrap_or(Zone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap_or(utc()))),
            per_page: own.per_page.unwrap_or(DEFAULT_PER_PAGE),
            archived,
            exclude: jekyll.exclude,
            comments: own.comments.clone(),
        })
    }
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!())
}

fn normalise_baseurl(b: &str) -> String {
    let b = b.trim().trim_end_matches('/');
    if b.is_empty() {
        String::new()
    } else if b.starts_with('/') {
        b.to_string()
    } else {
        format!("/{b}")
    }
}

/// The keys of a Jekyll `_config.yml` that decide URLs and titles.
#[derive(Debug, Default)]
struct Jekyll {
    title: Option<String>,
    description: Option<String>,
    url: Option<String>,
    baseurl: Option<String>,
    permalink: Option<String>,
    timezone: Option<String>,
    exclude: Vec<String>,
}

impl Jekyll {
    fn parse(text: &str) -> Result<Jekyll, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
        let Some(doc) = docs.into_iter().next() else { return Ok(Jekyll::default()) };
        let s = |k: &str| doc[k].as_str().map(str::to_string).filter(|v| !v.trim().is_empty());
        Ok(Jekyll {
            // Jekyll Now themes call the site's name `name`.
            title: s("title").or_else(|| s("name")),
            description: s("description"),
            url: s("url"),
            baseurl: s("baseurl"),
            permalink: s("permalink"),
            timezone: s("timezone"),
            exclude: match &doc["exclude"] {
                Yaml::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_s_config_decides_urls_and_newsmirror_toml_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("_config.yml"),
            "name: 外媒报道\nurl: https://nodebe4.github.io\nbaseurl: \"/waimei\"\npermalink: /:year-:month-:day/:title\nexclude: [ 'archived', 'vendor' ]\n",
        )
        .unwrap();
        let s = Settings::load(dir.path(), &SiteSettings::default()).unwrap();
        assert_eq!((s.title.as_str(), s.baseurl.as_str()), ("外媒报道", "/waimei"));
        assert_eq!(s.permalink, "/:year-:month-:day/:title");
        assert!(!s.archived, "excluded by the archive's own config");
        let own = SiteSettings { title: Some("Mine".into()), baseurl: Some("mirror/".into()), ..Default::default() };
        let s = Settings::load(dir.path(), &own).unwrap();
        assert_eq!((s.title.as_str(), s.baseurl.as_str()), ("Mine", "/mirror"));
        let none = tempfile::tempdir().unwrap();
        let s = Settings::load(none.path(), &SiteSettings::default()).unwrap();
        assert_eq!((s.permalink.as_str(), s.baseurl.as_str(), s.archived), ("date", "", true));
    }
}
