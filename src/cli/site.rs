//! The site commands: `init`, `build`, `serve`.

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE};
use crate::config::Config;

pub(super) fn init(dir: &Path, jekyll: bool) -> u8 {
    match crate::init::init(dir, jekyll) {
        Ok(done) => {
            for d in done {
                match d {
                    crate::init::Done::Created(p) => outln!("  created  {}", p.display()),
                    crate::init::Done::Kept(p) => outln!("  kept     {} (exists)", p.display()),
                }
            }
            outln!(
                "\nNext: edit {0}/newsmirror.toml, then `newsmirror run --site {0}` and `newsmirror serve --site {0}`.",
                dir.display()
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            EXIT_SOURCE_FAILED
        }
    }
}

/// The `[site]` table of the config, if there is a newsmirror.toml.
fn build_options(
    site: &Path,
    out: Option<PathBuf>,
    config: Option<&Path>,
) -> Result<crate::site::BuildOptions, String> {
    let path = config.map(Path::to_path_buf).or_else(|| Some(site.join("newsmirror.toml")).filter(|p| p.is_file()));
    let settings = match path {
        Some(p) => Config::load(&p).map_err(|e| e.to_string())?.site,
        None => Default::default(),
    };
    Ok(crate::site::BuildOptions { site: site.to_path_buf(), out: out.unwrap_or_else(|| site.join("_site")), settings })
}

fn build_summary(r: &crate::site::BuildReport) -> String {
    let mut s = format!(
        "built {} posts: {} files, {} written, {} deleted in {:.2} s",
        r.posts,
        r.counts.files,
        r.counts.written,
        r.counts.deleted,
        r.elapsed.as_secs_f64()
    );
    for u in &r.unreadable {
        s.push_str(&format!("\n  cannot read {u}; left out of the site"));
    }
    if !r.skipped.is_empty() {
        s.push_str(&format!(
            "\n  {} files in the post folders are not named YYYY-MM-DD-title.md and were skipped (as Jekyll skips them), e.g. {}",
            r.skipped.len(),
            r.skipped[0].display()
        ));
    }
    for c in r.url_clashes.iter().take(10) {
        s.push_str(&format!("\n  URL taken by an earlier post: {c}"));
    }
    s
}

pub(super) fn build(site: &Path, out: Option<PathBuf>, config: Option<&Path>) -> u8 {
    let opts = match build_options(site, out, config) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match crate::site::build(&opts) {
        Ok(r) => {
            outln!("{}", build_summary(&r));
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_SOURCE_FAILED
        }
    }
}

pub(super) fn serve(site: &Path, out: Option<PathBuf>, config: Option<&Path>, port: u16) -> u8 {
    let opts = match build_options(site, out, config) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let baseurl = match crate::site::Settings::load(site, &opts.settings) {
        Ok(s) => s.baseurl,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let result = crate::site::serve::serve(
        &opts,
        port,
        &baseurl,
        |url| outln!("serving {url} (Ctrl-C stops)"),
        |r| match r {
            Ok(r) => outln!("{}", build_summary(r)),
            Err(e) => eprintln!("error: {e}"),
        },
    );
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}
