//! `demo`: the built-in samples mirrored into a directory, no network needed.

use std::path::Path;
use std::time::Duration;

use super::{CommandResult, Exit, OrExit};
use crate::demo;
use crate::fetch::Fetcher;

pub(super) fn demo(dir: &Path) -> CommandResult {
    let server = demo::serve()
        .map_err(|e| format!("cannot start the sample server on 127.0.0.1: {e}"))
        .or_exit(Exit::SourceFailed)?;
    outln!("Serving {} sample feeds on {}", demo::SAMPLES.len(), server.base_url());
    outln!("Mirroring them into {}\n", dir.display());
    let config = demo::config(&server);
    let exit = super::run_config(
        &config,
        dir,
        Duration::from_secs(10),
        Fetcher::new(config.settings.clone()),
        Default::default(),
    )?;
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
    Ok(exit)
}
