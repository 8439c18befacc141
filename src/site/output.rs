//! Writing the site incrementally. Every output file is recorded with a
//! signature of what it was made from (a post's size and mtime, its
//! neighbours, the theme…); a file whose signature is unchanged is neither
//! rendered nor written again, and a file no longer produced is deleted.
//! The record lives in `DIR/.newsmirror/build-manifest` (tab-separated: one
//! line per file), beside the run state.

use foldhash::{HashMap, HashMapExt};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub type Signature = u64;

/// A build signature: XXH3-64 (seed 0, a published algorithm with fixed
/// output) over what `Hash` feeds it. The manifest outlives the process and
/// the binary, so std's randomly seeded hashers won't do; what changes a
/// page's rendering without changing its inputs is covered by
/// [`super::render::RENDER_VERSION`] in every signature.
pub fn signature(parts: impl Hash) -> Signature {
    let mut h = xxhash_rust::xxh3::Xxh3Default::new();
    parts.hash(&mut h);
    h.finish()
}

/// Write `bytes` to `path`, replacing a symbolic link there instead of
/// writing through it. The open itself refuses to follow a link
/// (`O_NOFOLLOW`), so only a failed open costs a look at what is there: a
/// cold build writes tens of thousands of new files.
#[cfg(unix)]
fn write_no_follow(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(path)
    };
    let mut file = match open() {
        Ok(file) => file,
        Err(e) => {
            if !std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(e);
            }
            std::fs::remove_file(path)?;
            open()?
        }
    };
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_no_follow(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        std::fs::remove_file(path)?;
    }
    std::fs::write(path, bytes)
}

pub struct Output {
    root: PathBuf,
    manifest: PathBuf,
    previous: HashMap<String, Signature>,
    /// The last build's files are trusted to be there unless the output was
    /// wiped (its front page is gone): one stat, not one per file.
    intact: bool,
    current: Mutex<HashMap<String, Signature>>,
    written: AtomicUsize,
    errors: Mutex<Vec<String>>,
    /// Directories already known to be real directories, not links.
    checked_dirs: Mutex<std::collections::HashSet<PathBuf>>,
}

/// What a build did to the output directory.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub written: usize,
    pub deleted: usize,
}

impl Output {
    pub fn open(root: &Path, manifest: &Path) -> std::io::Result<Output> {
        std::fs::create_dir_all(root)?;
        // `--site .` and `--site /abs/path` are the same output.
        let root = &std::fs::canonicalize(root)?;
        let mut previous = HashMap::new();
        // A manifest for another output directory says nothing about this one.
        if let Ok(bytes) = std::fs::read(manifest) {
            let text = super::lossy_borrowed(&bytes);
            let mut lines = text.lines();
            if lines.next() == Some(&*format!("root\t{}", root.display())) {
                for line in lines {
                    if let Some((sig, rel)) = line.split_once('\t')
                        && let Ok(sig) = u64::from_str_radix(sig, 16)
                    {
                        previous.insert(rel.to_string(), sig);
                    }
                }
            }
        }
        let intact = root.join("index.html").is_file();
        Ok(Output {
            root: root.to_path_buf(),
            manifest: manifest.to_path_buf(),
            previous,
            intact,
            current: Mutex::new(HashMap::new()),
            written: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
            checked_dirs: Mutex::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `rel` is up to date for `sig`; if so it is kept as is.
    /// Otherwise the caller renders it and calls [`Output::write`].
    pub fn is_fresh(&self, rel: &str, sig: Signature) -> bool {
        let fresh = self.intact && self.previous.get(rel) == Some(&sig);
        if fresh {
            self.lock_current().insert(rel.to_string(), sig);
        }
        fresh
    }

    /// For work that makes many files: whether the inputs named `key` are
    /// unchanged since the last build. Recorded in the manifest like a file
    /// (the key starts with `@`, so it names none).
    pub fn same_inputs(&self, key: &str, sig: Signature) -> bool {
        let key = format!("@{key}");
        self.lock_current().insert(key.clone(), sig);
        self.previous.get(&key) == Some(&sig)
    }

    /// Keep `rel` as the last build wrote it; false if it is gone.
    pub fn keep(&self, rel: &str) -> bool {
        match self.previous.get(rel) {
            Some(sig) if self.intact => {
                self.lock_current().insert(rel.to_string(), *sig);
                true
            }
            _ => false,
        }
    }

    /// Write `rel` (made from inputs with signature `sig`). The file is
    /// written inside the output directory only: a symbolic link there (in
    /// place of the file or of a directory on its way) is replaced, never
    /// followed, so a link planted in `_site` cannot aim a write elsewhere.
    pub fn write(&self, rel: &str, sig: Signature, bytes: &[u8]) {
        let path = self.root.join(rel);
        match self.prepare_parents(rel).and_then(|()| write_no_follow(&path, bytes)) {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                self.lock_current().insert(rel.to_string(), sig);
            }
            Err(e) => self.errors.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{}: {e}", path.display())),
        }
    }

    /// Make every directory between the root and `rel` a real directory.
    fn prepare_parents(&self, rel: &str) -> std::io::Result<()> {
        let mut dir = self.root.clone();
        let parts: Vec<&str> = rel.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            if part.is_empty() || *part == "." || *part == ".." {
                return Err(std::io::Error::other(format!("refused to write outside the output directory: {rel}")));
            }
            dir.push(part);
            if self.checked_dirs.lock().unwrap_or_else(|p| p.into_inner()).contains(&dir) {
                continue;
            }
            // Made first, looked at only when something is there already
            // (a link too fails with AlreadyExists): most are new.
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match std::fs::symlink_metadata(&dir) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        std::fs::remove_file(&dir)?;
                        std::fs::create_dir(&dir)?;
                    }
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
            self.checked_dirs.lock().unwrap_or_else(|p| p.into_inner()).insert(dir.clone());
        }
        Ok(())
    }

    /// Render-if-stale in one call.
    pub fn produce(&self, rel: &str, sig: Signature, render: impl FnOnce() -> Result<Vec<u8>, String>) {
        if self.is_fresh(rel, sig) {
            return;
        }
        match render() {
            Ok(bytes) => self.write(rel, sig, &bytes),
            Err(e) => self.errors.lock().unwrap_or_else(|p| p.into_inner()).push(format!("{rel}: {e}")),
        }
    }

    fn lock_current(&self) -> std::sync::MutexGuard<'_, HashMap<String, Signature>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Delete what is no longer produced, save the manifest, and report.
    pub fn finish(self) -> Result<Counts, Vec<String>> {
        let current = self.current.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut errors = self.errors.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut deleted = 0;
        for rel in self.previous.keys().filter(|r| !current.contains_key(*r) && !r.starts_with('@')) {
            let path = self.root.join(rel);
            match std::fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => errors.push(format!("{}: {e}", path.display())),
            }
            // Leave no empty directories behind a deleted post.
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| *d != self.root) {
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
        let written = self.written.load(Ordering::Relaxed);
        let files = current.keys().filter(|k| !k.starts_with('@')).count();
        // The same files as last time (a wiped output written again counts
        // as written, but its record needs no saving).
        if current == self.previous && errors.is_empty() && deleted == 0 {
            return Ok(Counts { files, written, deleted: 0 });
        }
        let mut entries: Vec<(&String, &Signature)> = current.iter().collect();
        entries.sort();
        let mut text = format!("root\t{}\n", self.root.display()).into_bytes();
        text.reserve(entries.iter().map(|(rel, _)| rel.len() + 18).sum());
        for (rel, sig) in entries {
            // By hand: `write!` was most of writing 100,000 lines.
            text.extend_from_slice(&hex16(*sig));
            text.push(b'\t');
            text.extend_from_slice(rel.as_bytes());
            text.push(b'\n');
        }
        if let Some(parent) = self.manifest.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let tmp = self.manifest.with_extension("tmp");
        if let Err(e) = std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, &self.manifest)) {
            errors.push(format!("{}: {e}", self.manifest.display()));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Counts { files, written, deleted })
    }
}

/// `{sig:016x}`.
fn hex16(sig: Signature) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    std::array::from_fn(|i| DIGITS[((sig >> (60 - 4 * i)) & 0xf) as usize])
}
