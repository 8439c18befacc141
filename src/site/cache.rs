//! What the last build learnt of each post file, so the next build reads
//! only the files that changed: `DIR/.newsmirror/build-posts`, one
//! tab-separated line per post reading (a later line for the same file
//! wins), valid for one set of URL rules.

use foldhash::{HashMap, HashMapExt};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::posts::PostMeta;

/// A post file's identity on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp { size: meta.len(), mtime_ns }
    }
}

/// The stamps of `files` (`None` for one that is gone), in parallel.
/// On Linux each is asked of its directory, opened once, rather than by
/// its whole path: at 100,000 posts resolving the same leading directories
/// again for every file was half of the stat time.
pub fn stamps(files: &[std::path::PathBuf]) -> Vec<Option<Stamp>> {
    use rayon::prelude::*;
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{AtFlags, Mode, OFlags, StatxFlags};
        use std::os::unix::ffi::OsStrExt;
        // Split by bytes: `Path::parent` and `file_name` parse components,
        // which cost more than the stat.
        fn split(f: &Path) -> Option<(&std::ffi::OsStr, &std::ffi::OsStr)> {
            let b = f.as_os_str().as_bytes();
            let cut = memchr::memrchr(b'/', b)?;
            let dir = if cut == 0 { &b[..1] } else { &b[..cut] };
            Some((std::ffi::OsStr::from_bytes(dir), std::ffi::OsStr::from_bytes(&b[cut + 1..])))
        }
        let mut dirs: HashMap<&std::ffi::OsStr, Option<std::os::fd::OwnedFd>> = HashMap::new();
        for (dir, _) in files.iter().filter_map(|f| split(f)) {
            dirs.entry(dir).or_insert_with(|| {
                rustix::fs::open(dir, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).ok()
            });
        }
        files
            .par_iter()
            .map(|f| {
                let fast = split(f).and_then(|(dir, name)| {
                    let dir = dirs.get(dir)?.as_ref()?;
                    let st =
                        rustix::fs::statx(dir, name, AtFlags::empty(), StatxFlags::SIZE | StatxFlags::MTIME).ok()?;
                    // As `Stamp::of`: before 1970 is no time at all.
                    let t = st.stx_mtime;
                    let mtime_ns =
                        if t.tv_sec < 0 { 0 } else { i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec) };
                    Some(Stamp { size: st.stx_size, mtime_ns })
                });
                // Anything the fast way cannot answer (no statx, a gone
                // file, a name without a directory) is asked again the
                // portable way.
                fast.or_else(|| Some(Stamp::of(&std::fs::metadata(f).ok()?)))
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    files.par_iter().map(|f| Some(Stamp::of(&std::fs::metadata(f).ok()?))).collect()
}

/// The record as read: each post's last row, and how many rows it had
/// (rows of posts since changed or deleted are dead weight until the
/// record is written again whole).
pub struct Loaded {
    pub posts: HashMap<String, (Stamp, PostMeta)>,
    pub rows: usize,
}

fn header(rules: u64) -> String {
    format!("rules\t{rules:016x}\tv3\n")
}

/// `None` when there is no record for these URL rules.
pub fn load(path: &Path, rules: u64) -> Option<Loaded> {
    use rayon::prelude::*;
    // Lossy: a row cut inside a character must not cost the whole record.
    let bytes = std::fs::read(path).ok()?;
    let text = super::lossy_borrowed(&bytes);
    let body = text.strip_prefix(&header(rules))?;
    let lines: Vec<&str> = body.lines().collect();
    let parsed: Vec<Option<(String, (Stamp, PostMeta))>> = lines.par_iter().map(|line| parse_line(line)).collect();
    let mut posts = HashMap::with_capacity(parsed.len());
    // In file order: a row appended later is the newer reading of its post.
    posts.extend(parsed.into_iter().flatten());
    Some(Loaded { posts, rows: lines.len() })
}

fn parse_line(line: &str) -> Option<(String, (Stamp, PostMeta))> {
    let mut f = line.split('\t');
    let mut next = || f.next();
    let (rel, size, mtime, title, date, author, from, source, comments, url, excerpt, end) =
        (next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?, next()?);
    // A row cut short by a stopped build, or run into by the next append,
    // is no row: its post is read again.
    if end != "." || next().is_some() {
        return None;
    }
    // Milliseconds since the epoch: parsing 100,000 RFC 3339 dates is a
    // visible part of a build that has nothing to do.
    let date = DateTime::<Utc>::from_timestamp_millis(date.parse().ok()?)?;
    let meta = PostMeta {
        rel: rel.to_string(),
        title: title.to_string(),
        date,
        author: author.to_string(),
        from: from.to_string(),
        source: source.to_string(),
        comments: comments == "1",
        path: url.to_string(),
        excerpt: excerpt.to_string(),
    };
    Some((rel.to_string(), (Stamp { size: size.parse().ok()?, mtime_ns: mtime.parse().ok()? }, meta)))
}

/// Bring the record (`rows` long when there was one) up to date after a
/// build: `all` is every post of the build, the first `reused` taken from
/// the record, the rest read anew. New readings are appended: rewriting
/// 90 MB for ten new posts was most of such a build. The record is written
/// whole when there is none, or when dead rows pass a quarter of the live
/// ones.
pub fn update(
    path: &Path,
    rules: u64,
    rows: Option<usize>,
    all: &[(Stamp, &PostMeta)],
    reused: usize,
) -> std::io::Result<()> {
    let Some(rows) = rows else { return save(path, rules, all) };
    let fresh = all.get(reused..).unwrap_or_default();
    let dead = rows.saturating_sub(reused);
    if dead > (reused + fresh.len()) / 4 {
        return save(path, rules, all);
    }
    if fresh.is_empty() {
        return Ok(());
    }
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new().read(true).append(true).open(path)?;
    // After a stopped build's half row, start a line of our own.
    let mut last = [b'\n'];
    if file.seek(SeekFrom::End(0))? > 0 {
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
    }
    let mut text = String::from(if last[0] == b'\n' { "" } else { "\n" });
    push_rows(&mut text, fresh);
    // One write, so a build running beside this one cannot interleave rows.
    file.write_all(text.as_bytes())
}

fn save(path: &Path, rules: u64, posts: &[(Stamp, &PostMeta)]) -> std::io::Result<()> {
    let mut text = header(rules);
    push_rows(&mut text, posts);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

fn push_rows(text: &mut String, posts: &[(Stamp, &PostMeta)]) {
    // Pushed field by field, not through `write!`: at 100,000 posts the
    // formatting machinery was a third of a build that added ten.
    text.reserve(posts.iter().map(|(_, m)| m.rel.len() + m.title.len() + m.excerpt.len() + 200).sum());
    for (stamp, m) in posts {
        let numbers = [stamp.size.to_string(), stamp.mtime_ns.to_string()];
        let date = m.date.timestamp_millis().to_string();
        let fields = [&m.rel, &numbers[0], &numbers[1], &m.title, &date, &m.author, &m.from, &m.source];
        for f in fields {
            push_field(text, f);
            text.push('\t');
        }
        text.push_str(if m.comments { "1\t" } else { "0\t" });
        push_field(text, &m.path);
        text.push('\t');
        push_field(text, &m.excerpt);
        text.push_str("\t.\n");
    }
}

/// A field never holds the record's separators.
fn push_field(text: &mut String, s: &str) {
    if memchr::memchr3(b'\t', b'\n', b'\r', s.as_bytes()).is_some() {
        text.push_str(&s.replace(['\t', '\n', '\r'], " "));
    } else {
        text.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(rel: &str, title: &str) -> PostMeta {
        PostMeta {
            rel: rel.into(),
            title: title.into(),
            date: DateTime::<Utc>::from_timestamp_millis(1_700_000_000_000).unwrap(),
            author: "作者".into(),
            from: "https://e.example/a".into(),
            source: "来源".into(),
            comments: true,
            path: format!("/{rel}.html"),
            excerpt: "一\t二\n三".into(),
        }
    }

    #[test]
    fn new_readings_are_appended_and_win_and_dead_rows_are_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-posts");
        let stamp = |n| Stamp { size: n, mtime_ns: i128::from(n) * 7 };
        let posts: Vec<PostMeta> = (0..8).map(|i| meta(&format!("_posts/{i}.md"), &format!("T{i}"))).collect();
        let all: Vec<(Stamp, &PostMeta)> = posts.iter().map(|m| (stamp(1), m)).collect();
        update(&path, 9, None, &all, 0).unwrap();
        assert!(load(&path, 8).is_none(), "another set of URL rules");
        let l = load(&path, 9).unwrap();
        assert_eq!((l.posts.len(), l.rows), (8, 8));
        assert_eq!(l.posts["_posts/3.md"].1.excerpt, "一 二 三");

        // Post 3 edited: its new reading is appended, and wins.
        let edited = meta("_posts/3.md", "T3 edited");
        let mut now: Vec<(Stamp, &PostMeta)> = all.iter().filter(|(_, m)| m.rel != "_posts/3.md").copied().collect();
        now.push((stamp(2), &edited));
        update(&path, 9, Some(8), &now, 7).unwrap();
        let l = load(&path, 9).unwrap();
        assert_eq!((l.posts.len(), l.rows), (8, 9));
        assert_eq!(l.posts["_posts/3.md"], (stamp(2), PostMeta { excerpt: "一 二 三".into(), ..edited.clone() }));

        // A stopped build's half row is no row, and does not spoil the next.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
        let l = load(&path, 9).unwrap();
        assert_eq!(l.posts["_posts/3.md"].0, stamp(1), "the earlier reading stands");
        assert_eq!(l.rows, 9);
        let again = meta("_posts/3.md", "T3 again");
        now[7] = (stamp(3), &again);
        update(&path, 9, Some(9), &now, 7).unwrap();
        let l = load(&path, 9).unwrap();
        assert_eq!((l.posts["_posts/3.md"].0, l.rows), (stamp(3), 10));

        // Dead rows past a quarter of the live ones: written whole again.
        let live: Vec<(Stamp, &PostMeta)> = all[..5].to_vec();
        update(&path, 9, Some(10), &live, 5).unwrap();
        let l = load(&path, 9).unwrap();
        assert_eq!((l.posts.len(), l.rows), (5, 5));
    }

    #[test]
    fn stamps_are_what_std_says() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (i, secs) in [0i64, 1_700_000_000, -86_400 * 365].into_iter().enumerate() {
            let sub = dir.path().join(format!("d{}", i % 2));
            std::fs::create_dir_all(&sub).unwrap();
            let path = sub.join(format!("2024-01-0{i}-新聞 {i}.md"));
            std::fs::write(&path, "x".repeat(i * 7)).unwrap();
            let at = if secs >= 0 {
                std::time::UNIX_EPOCH + std::time::Duration::new(secs as u64, 123_456_789)
            } else {
                std::time::UNIX_EPOCH - std::time::Duration::from_secs(secs.unsigned_abs())
            };
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(at).unwrap();
            files.push(path);
        }
        files.push(dir.path().join("gone.md"));
        files.push("Cargo.toml".into());
        let expected: Vec<Option<Stamp>> =
            files.iter().map(|f| std::fs::metadata(f).ok().map(|m| Stamp::of(&m))).collect();
        assert_eq!(stamps(&files), expected);
        assert_eq!(expected[1].map(|s| s.mtime_ns), Some(1_700_000_000_123_456_789));
        assert_eq!(expected[3], None);
        assert!(expected[4].is_some(), "a name without a directory");
    }
}
