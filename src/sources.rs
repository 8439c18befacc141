//! `newsmirror sources …`, `import` and `export`: editing the source list
//! of a `newsmirror.toml` in place (comments and layout kept, through
//! `toml_edit`), and OPML, the format feed readers exchange lists in.

use std::path::Path;

use quick_xml::events::Event;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

/// A source as lists exchange it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    Invalid(String),
}

/// A `newsmirror.toml` open for editing.
pub struct Editor {
    path: std::path::PathBuf,
    doc: DocumentMut,
}

impl Editor {
    /// Open `path`, or start an empty config there.
    pub fn open(path: &Path) -> Result<Editor, SourcesError> {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            return Err(SourcesError::Invalid(format!(
                "{}: the old subs.json is read as is, not edited; `newsmirror import {}` copies its sources into a newsmirror.toml",
                path.display(),
                path.display()
            )));
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(SourcesError::Io { path: path.display().to_string(), source }),
        };
        let doc = text.parse::<DocumentMut>().map_err(|e| SourcesError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(Editor { path: path.to_path_buf(), doc })
    }

    fn tables(&self) -> Option<&ArrayOfTables> {
        self.doc.get("source").and_then(Item::as_array_of_tables)
    }

    fn find(&mut self, name: &str) -> Option<&mut Table> {
        self.doc
            .get_mut("source")
            .and_then(Item::as_array_of_tables_mut)
            .and_then(|a| a.iter_mut().find(|t| t.get("name").and_then(Item::as_str) == Some(name)))
    }

    pub fn entries(&self) -> Vec<(Entry, bool)> {
        self.tables()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        let s = |k: &str| t.get(k).and_then(Item::as_str).unwrap_or_default().to_string();
                        let enabled = t.get("enabled").and_then(Item::as_bool).unwrap_or(true);
                        (Entry { name: s("name"), url: s("url") }, enabled)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Append a source; an existing name or URL is an error naming it.
    pub fn add(&mut self, e: &Entry) -> Result<(), SourcesError> {
        for (existing, _) in self.entries() {
            if existing.name == e.name {
                return Err(SourcesError::Invalid(format!("a source named \"{}\" exists already", e.name)));
            }
            if existing.url.trim() == e.url.trim() {
                return Err(SourcesError::Invalid(format!("{} is already the source \"{}\"", e.url, existing.name)));
            }
        }
        let mut t = Table::new();
        t.insert("name", value(e.name.as_str()));
        t.insert("url", value(e.url.as_str()));
        match self.doc.get_mut("source").and_then(Item::as_array_of_tables_mut) {
            Some(a) => a.push(t),
            None => {
                let mut a = ArrayOfTables::new();
                a.push(t);
                self.doc.insert("source", Item::ArrayOfTables(a));
            }
        }
        Ok(())
    }

    pub fn remove(&mut self, name: &str) -> Result<(), SourcesError> {
        let a = self.doc.get_mut("source").and_then(Item::as_array_of_tables_mut);
        let index = a.as_ref().and_then(|a| a.iter().position(|t| t.get("name").and_then(Item::as_str) == Some(name)));
        match (a, index) {
            (Some(a), Some(i)) => {
                a.remove(i);
                Ok(())
            }
            _ => Err(self.unknown(name)),
        }
    }

    pub fn set_enabled(&mut self, name: &str, enabled: bool) -> Result<(), SourcesError> {
        let unknown = self.unknown(name);
        let t = self.find(name).ok_or(unknown)?;
        if enabled {
            t.remove("enabled");
        } else {
            t.insert("enabled", value(false));
        }
        Ok(())
    }

    fn unknown(&self, name: &str) -> SourcesError {
        let names: Vec<String> = self.entries().into_iter().map(|(e, _)| e.name).collect();
        SourcesError::Invalid(format!("no source named \"{name}\" (sources: {})", names.join(", ")))
    }

    /// Write back, atomically; the result must load as a config.
    pub fn save(&self) -> Result<(), SourcesError> {
        let text = self.doc.to_string();
        let tmp = self.path.with_extension("toml.tmp");
        let io = |source| SourcesError::Io { path: self.path.display().to_string(), source };
        std::fs::write(&tmp, &text).map_err(io)?;
        if let Err(e) = crate::config::Config::load(&tmp) {
            let _ = std::fs::remove_file(&tmp);
            return Err(SourcesError::Invalid(format!("the edit would not load ({e}); nothing was changed")));
        }
        std::fs::rename(&tmp, &self.path).map_err(io)
    }
}

/// Sources from a `subs.json` or an OPML file.
pub fn read_list(path: &Path) -> Result<Vec<Entry>, SourcesError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SourcesError::Io { path: path.display().to_string(), source })?;
    if text.trim_start().starts_with('[') {
        let sources = crate::config::parse_subs_json(&text, path).map_err(|e| SourcesError::Invalid(e.to_string()))?;
        return Ok(sources.into_iter().map(|s| Entry { name: s.name, url: s.url }).collect());
    }
    parse_opml(&text).map_err(|e| SourcesError::Invalid(format!("{}: {e}", path.display())))
}

/// Every `<outline xmlUrl=…>` at any depth; the name is its `title`, else `text`.
pub fn parse_opml(text: &str) -> Result<Vec<Entry>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref().eq_ignore_ascii_case(b"outline") => {
                let mut url = None;
                let mut title = None;
                let mut text_attr = None;
                for a in e.attributes().flatten() {
                    let v = a.unescape_value().map(|v| v.into_owned()).unwrap_or_default();
                    match a.key.local_name().as_ref() {
                        b"xmlUrl" | b"xmlurl" => url = Some(v),
                        b"title" => title = Some(v),
                        b"text" => text_attr = Some(v),
                        _ => {}
                    }
                }
                if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
                    let name = title.or(text_attr).map(|n| crate::text::clean_line(&n)).filter(|n| !n.is_empty());
                    out.push(Entry { name: name.unwrap_or_else(|| url.clone()), url: url.trim().to_string() });
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(format!("not OPML: {e} at byte {}", reader.error_position())),
            _ => {}
        }
    }
    if out.is_empty() {
        return Err("no <outline xmlUrl=…> found".into());
    }
    Ok(out)
}

pub fn to_opml(title: &str, entries: &[Entry]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head><title>{}</title></head>\n  <body>\n",
        esc(title)
    );
    for e in entries {
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"/>\n",
            esc(&e.name),
            esc(&e.url)
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opml_round_trips_and_nested_outlines_count() {
        let entries = vec![
            Entry { name: "BBC 中文".into(), url: "https://feeds.bbci.co.uk/zhongwen/simp/rss.xml".into() },
            Entry { name: "A & B".into(), url: "https://e.example/f?a=1&b=2".into() },
        ];
        assert_eq!(parse_opml(&to_opml("m", &entries)).unwrap(), entries);
        let nested = r#"<opml><body><outline text="News"><outline text="X" xmlUrl="https://x.example/f"/></outline></body></opml>"#;
        assert_eq!(parse_opml(nested).unwrap(), vec![Entry { name: "X".into(), url: "https://x.example/f".into() }]);
        assert!(parse_opml("<html></html>").is_err());
    }

    #[test]
    fn edits_keep_comments_and_refuse_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newsmirror.toml");
        std::fs::write(&path, "# my mirror\n[[source]]\nname = \"A\" # first\nurl = \"https://a.example/f\"\n")
            .unwrap();
        let mut ed = Editor::open(&path).unwrap();
        ed.add(&Entry { name: "B".into(), url: "https://b.example/f".into() }).unwrap();
        assert!(ed.add(&Entry { name: "A".into(), url: "https://c.example/f".into() }).is_err());
        assert!(ed.add(&Entry { name: "C".into(), url: "https://a.example/f".into() }).is_err());
        ed.set_enabled("A", false).unwrap();
        ed.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# my mirror") && text.contains("# first") && text.contains("enabled = false"), "{text}");
        let config = crate::config::Config::load(&path).unwrap();
        assert_eq!(config.sources.len(), 2);
        assert!(!config.sources[0].enabled);
        let mut ed = Editor::open(&path).unwrap();
        ed.remove("A").unwrap();
        assert!(ed.remove("Z").unwrap_err().to_string().contains("sources: B"));
    }
}
