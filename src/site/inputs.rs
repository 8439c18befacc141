//! Whether a build has anything to do. The last complete build leaves one
//! hash over everything the site is made from (each post, page and static
//! file's name and stamp, the re-check history files, the settings, the
//! theme and this binary's version) in `DIR/.newsmirror/build-inputs`,
//! with what it reported. A build whose inputs hash the same, into an
//! output that is still there, is done before it reads the last build's
//! records: at 100,000 posts those are about 90 MB, and loading them was
//! most of a build with nothing new.
//!
//! The record is removed before a build writes anything and saved only
//! after a build that wrote everything, so a build stopped part way, or one
//! that could not read a post, is never taken as done.

use std::io::Write;
use std::path::Path;

use super::output::Signature;

/// What the last complete build saw and said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub inputs: Signature,
    /// The output directory, canonical: the record is for that one only.
    pub root: String,
    pub posts: usize,
    pub files: usize,
    /// Its first URL clashes, to say them again (a summary shows ten).
    pub clashes: Vec<String>,
}

const HEADER: &str = "newsmirror build-inputs v1";
/// Clashes kept: what a build summary shows.
pub const CLASHES_KEPT: usize = 10;

pub fn load(path: &Path) -> Option<Record> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut field = |name: &str| lines.next()?.strip_prefix(name)?.strip_prefix('\t').map(str::to_string);
    let root = field("root")?;
    let inputs = u64::from_str_radix(&field("inputs")?, 16).ok()?;
    let posts = field("posts")?.parse().ok()?;
    let files = field("files")?.parse().ok()?;
    // A record cut short is no record: it ends with `end`.
    let mut clashes = Vec::new();
    loop {
        let line = lines.next()?;
        if line == "end" {
            break;
        }
        clashes.push(line.strip_prefix("clash\t")?.to_string());
    }
    Some(Record { inputs, root, posts, files, clashes })
}

pub fn save(path: &Path, r: &Record) -> std::io::Result<()> {
    let line = |s: &str| s.replace(['\n', '\r'], " ");
    let mut text = Vec::new();
    writeln!(
        text,
        "{HEADER}\nroot\t{}\ninputs\t{:016x}\nposts\t{}\nfiles\t{}",
        line(&r.root),
        r.inputs,
        r.posts,
        r.files
    )?;
    for c in r.clashes.iter().take(CLASHES_KEPT) {
        writeln!(text, "clash\t{}", line(c))?;
    }
    writeln!(text, "end")?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// Before a build changes the output: from here until it has written
/// everything, the last record no longer describes what is there.
pub fn forget(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_a_cut_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-inputs");
        let r = Record {
            inputs: 0xdead_beef,
            root: "/srv/site/_site".into(),
            posts: 3,
            files: 40,
            clashes: vec!["_posts/a.md (/a.html → /a-2.html)\nsecond line".into()],
        };
        save(&path, &r).unwrap();
        let back = load(&path).unwrap();
        assert_eq!(back.clashes, vec!["_posts/a.md (/a.html → /a-2.html) second line".to_string()]);
        assert_eq!(Record { clashes: r.clashes.clone(), ..back }, r);

        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() - 4]).unwrap();
        assert_eq!(load(&path), None);
        forget(&path).unwrap();
        forget(&path).unwrap();
        assert!(!path.exists());
    }
}
