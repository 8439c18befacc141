//! `newsmirror init [DIR] [--jekyll]`: a new mirror's first files. Existing
//! files are never overwritten: init on an old archive adds only what is
//! missing.

use std::path::{Path, PathBuf};

const FILES: &[(&str, &str)] = &[
    ("newsmirror.toml", include_str!("newsmirror.toml")),
    (".gitignore", include_str!("gitignore")),
    (".github/workflows/mirror.yml", include_str!("mirror.yml")),
];

/// For those who keep building with Jekyll.
const JEKYLL: &[(&str, &str)] = &[
    ("_config.yml", include_str!("jekyll/_config.yml")),
    ("_layouts/default.html", include_str!("jekyll/default.html")),
    ("_layouts/post.html", include_str!("jekyll/post.html")),
    ("index.html", include_str!("jekyll/index.html")),
];

/// What init did with each file.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    Created(PathBuf),
    Kept(PathBuf),
}

pub fn init(dir: &Path, jekyll: bool) -> std::io::Result<Vec<Done>> {
    let mut done = Vec::new();
    let extra: &[(&str, &str)] = if jekyll { JEKYLL } else { &[] };
    for (rel, text) in FILES.iter().chain(extra) {
        let path = dir.join(rel);
        if path.exists() {
            done.push(Done::Kept(path));
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        done.push(Done::Created(path));
    }
    std::fs::create_dir_all(dir.join("_posts"))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaffolded_config_loads() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path(), false).unwrap();
        let config = crate::config::Config::load(&dir.path().join("newsmirror.toml")).unwrap();
        assert_eq!(config.sources.len(), 3);
        assert_eq!(config.site.title.as_deref(), Some("My news mirror"));
    }

    #[test]
    fn existing_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("newsmirror.toml"), "# mine\n").unwrap();
        let done = init(dir.path(), true).unwrap();
        assert!(done.contains(&Done::Kept(dir.path().join("newsmirror.toml"))));
        assert_eq!(std::fs::read_to_string(dir.path().join("newsmirror.toml")).unwrap(), "# mine\n");
        assert!(dir.path().join("_layouts/post.html").is_file());
    }
}
