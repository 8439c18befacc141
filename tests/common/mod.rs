//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use newsmirror::demo::{SampleServer, Served};

/// `../shared` beside the checkout, or `None` (the caller prints that it skips).
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared is not beside the checkout");
        None
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn serve(files: &[(&str, &str, Vec<u8>)]) -> SampleServer {
    SampleServer::start(
        files
            .iter()
            .map(|(path, ct, body)| Served { path: path.to_string(), content_type: ct.to_string(), body: body.clone() })
            .collect(),
    )
    .expect("start a server on 127.0.0.1")
}

pub fn newsmirror(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsmirror")).args(args).output().expect("run newsmirror")
}

pub fn run_site(site: &Path, config: &Path) -> Output {
    newsmirror(&["run", "--site", site.to_str().unwrap(), "--config", config.to_str().unwrap()])
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Sorted names of the posts in `site/_posts`.
pub fn posts(site: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.join("_posts"))
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}
