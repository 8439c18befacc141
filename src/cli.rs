//! Command-line interface: parses arguments and wires the stages together.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::config::{Config, RunSettings, Source};
use crate::feed::{self, ParseOptions};
use crate::fetch::{Fetched, Fetcher, Request, Validators};
use crate::pipeline::{self, RunOptions};
use crate::{demo, report};

/// Exit codes, as documented in the README.
pub const EXIT_OK: u8 = 0;
pub const EXIT_SOURCE_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_LOCKED: u8 = 3;
/// The posts are written (and committed, if asked) but git could not publish them.
pub const EXIT_PUBLISH: u8 = 4;
/// As shells report a process ended by SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser)]
#[command(
    name = "newsmirror",
    version,
    about = "Mirror news feeds into a Jekyll-compatible archive of full-text posts"
)]
pub struct Cli {
    /// Show tracing logs (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log lines on stderr as text or as JSON objects, one per line, for machines.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch every source and write one post per new item into DIR/_posts/.
    Run {
        /// A newsmirror.toml, or the old system's subs.json [default: DIR/newsmirror.toml, else DIR/subs.json]
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The site: posts go to DIR/_posts/, state to DIR/.newsmirror/.
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        site: PathBuf,
        /// Seconds to wait for another run on the same site to finish.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        wait: u64,
        /// Commit the new posts to git, with a message counting them per source.
        #[arg(long)]
        commit: bool,
        /// Commit, then push; a rejected push is rebased onto the remote and retried.
        #[arg(long)]
        push: bool,
    },
    /// Mirror the built-in sample feeds (served on 127.0.0.1, no network needed) into DIR.
    Demo {
        #[arg(value_name = "DIR", default_value = "newsmirror-demo")]
        dir: PathBuf,
    },
    /// Print the items of a feed as they would become posts, to check a source before adding it.
    Parse {
        /// A feed file or http(s) URL.
        #[arg(value_name = "FILE|URL")]
        input: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Show content as the feed has it (sanitize = false).
        #[arg(long)]
        raw: bool,
        /// Source name used for author and tags [default: the feed's title].
        #[arg(long)]
        name: Option<String>,
        /// Zone for dates without an offset, e.g. Asia/Shanghai.
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Each source's health: last success, last error and its cause, posts in 24 h and 7 d, silent sources.
    Status {
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        site: PathBuf,
        /// Print JSON.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print a Markdown table of the sources, for a mirror's README.
        #[arg(long)]
        markdown: bool,
    },
    /// Start a new mirror in DIR: newsmirror.toml, .gitignore and a GitHub Actions workflow.
    Init {
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// Also a _config.yml and layouts, for building the posts with Jekyll.
        #[arg(long)]
        jekyll: bool,
    },
    /// Build the static site from DIR/_posts/ (and archived/) into DIR/_site/.
    Build {
        /// The site: posts in DIR/_posts/, config in DIR/newsmirror.toml and DIR/_config.yml.
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        site: PathBuf,
        /// Where the site is written [default: DIR/_site].
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
        /// A newsmirror.toml whose [site] table applies [default: DIR/newsmirror.toml if present].
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Build, then serve the site on 127.0.0.1 and rebuild when anything changes.
    Serve {
        #[arg(short, long, value_name = "DIR", default_value = ".")]
        site: PathBuf,
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(short, long, default_value_t = 4000)]
        port: u16,
    },
    /// Print the article a page extracts to, as a post would hold it: to write and test cleanup rules.
    Extract {
        /// An article page: a file or an http(s) URL.
        #[arg(value_name = "URL|FILE")]
        input: String,
        /// The page's address: resolves relative links and picks the site's rules [default: the URL fetched].
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Use the rules of this source (its name in the config) or of this domain [default: the page's domain].
        #[arg(long, value_name = "SOURCE")]
        rules: Option<String>,
        /// Print the article's plain text, a paragraph per line, instead of HTML.
        #[arg(long)]
        text: bool,
        /// The config whose [[rules]] and sources apply [default: ./newsmirror.toml if there is one].
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.log_format);
    let code = match cli.command {
        Command::Run { config, site, wait, commit, push } => {
            run(config.as_deref(), &site, Duration::from_secs(wait), Publish { commit: commit || push, push })
        }
        Command::Demo { dir } => demo::run(&dir),
        Command::Parse { input, json, raw, name, timezone } => parse(&input, json, raw, name, timezone.as_deref()),
        Command::Init { dir, jekyll } => init(&dir, jekyll),
        Command::Status { config, site, json, markdown } => status(config.as_deref(), &site, json, markdown),
        Command::Build { site, out, config } => build(&site, out, config.as_deref()),
        Command::Serve { site, out, config, port } => serve(&site, out, config.as_deref(), port),
        Command::Extract { input, base_url, rules, text, config } => {
            extract(&input, base_url.as_deref(), rules.as_deref(), text, config.as_deref())
        }
    };
    ExitCode::from(code)
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn init_tracing(verbose: u8, format: LogFormat) {
    // The report on stdout is the text user's log; with JSON, machines get
    // every source's outcome by default.
    let level = match (verbose, format) {
        (0, LogFormat::Json) => "newsmirror=info",
        (0, LogFormat::Text) => "warn",
        (1, _) => "newsmirror=info",
        _ => "newsmirror=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| level.into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// One event per source, so logs (JSON ones above all) carry every outcome.
fn log_source(entry: &pipeline::SourceReport) {
    use pipeline::Outcome;
    match &entry.outcome {
        Outcome::Failed(error) => tracing::info!(source = %entry.name, url = %entry.url, %error, "source failed"),
        Outcome::Fetched { items, written, notes } => {
            for note in notes {
                tracing::info!(source = %entry.name, %note, "kept the feed's content or an image link");
            }
            tracing::info!(source = %entry.name, items, new_posts = written.len(), "source fetched");
        }
        Outcome::NotModified => tracing::info!(source = %entry.name, "not modified"),
        Outcome::Disabled => tracing::info!(source = %entry.name, "disabled"),
    }
}

/// What to do with the new posts after a run.
#[derive(Clone, Copy, Default)]
pub struct Publish {
    pub commit: bool,
    pub push: bool,
}

fn run(config: Option<&Path>, site: &Path, wait: Duration, publish: Publish) -> u8 {
    let config = match Config::locate(config, site).and_then(|p| Config::load(&p)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let fetcher = Fetcher::new(config.settings.clone());
    run_config(&config, site, wait, fetcher, publish)
}

/// Run `config` into `site`, printing the report; returns the exit code.
pub fn run_config(config: &Config, site: &Path, wait: Duration, fetcher: Fetcher, publish: Publish) -> u8 {
    let started = Instant::now();
    let opts = RunOptions { site: site.to_path_buf(), lock_wait: wait, run_time: chrono::Utc::now() };
    let enabled = config.sources.iter().filter(|s| s.enabled).count() as u64;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(enabled);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sources {msg}") {
            bar.set_style(style);
        }
        bar
    });
    let result = pipeline::run(config, &opts, fetcher, |entry| {
        log_source(entry);
        let line = report::source_line(entry);
        match &bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(report) if report.interrupted => {
            println!("{}", report::totals(&report, started.elapsed()));
            eprintln!("interrupted: every post written is complete; the rest will be fetched by the next run");
            EXIT_INTERRUPTED
        }
        Ok(report) => {
            println!("{}", report::totals(&report, started.elapsed()));
            if publish.commit
                && let Err(e) = publish_report(site, &report, publish)
            {
                eprintln!("error: {e}");
                return EXIT_PUBLISH;
            }
            if report.failures() > 0 { EXIT_SOURCE_FAILED } else { EXIT_OK }
        }
        Err(e @ crate::store::StoreError::Locked { .. }) => {
            eprintln!("error: {e}");
            EXIT_LOCKED
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_SOURCE_FAILED
        }
    }
}

fn publish_report(
    site: &Path,
    report: &pipeline::RunReport,
    publish: Publish,
) -> Result<(), crate::publish::PublishError> {
    match crate::publish::commit(site, report)? {
        Some(id) => println!("committed {}: {}", &id[..id.len().min(10)], crate::publish::message(report)),
        None => println!("nothing new to commit"),
    }
    if publish.push {
        let attempts = crate::publish::push(site)?;
        if attempts > 1 {
            println!("pushed (after {} rebase{} onto the remote)", attempts - 1, if attempts == 2 { "" } else { "s" });
        } else {
            println!("pushed");
        }
    }
    Ok(())
}

fn parse(input: &str, json: bool, raw: bool, name: Option<String>, timezone: Option<&str>) -> u8 {
    let zone = match timezone.map(str::parse::<chrono_tz::Tz>).transpose() {
        Ok(z) => z,
        Err(_) => {
            eprintln!("error: --timezone: unknown zone {:?}", timezone.unwrap_or_default());
            return EXIT_USAGE;
        }
    };
    let (url, body) = match read_input(input) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {input}: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    let feed = match feed::parse(&body.bytes, &ParseOptions { http_charset: body.charset.as_deref(), timezone: zone }) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {input}: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    let mut source = Source::with_defaults(name.unwrap_or_else(|| crate::text::clean_line(&feed.title)), url.clone());
    source.sanitize = !raw;
    source.timezone = zone;
    // `parse` shows the feed as it is: cleaned by the rules, no page fetched.
    source.full_text = crate::config::FullText::Off;
    let rules = crate::extract::RuleSet::default();
    let run_time = chrono::Utc::now();
    let base = url::Url::parse(&body.final_url).ok();
    let keys = pipeline::prepare::keys_for(&source, &feed, base.as_ref());
    let items: Vec<serde_json::Value> = feed
        .items
        .iter()
        .zip(keys)
        .map(|(item, (link, keys))| {
            let draft = pipeline::content::draft(item, link.as_ref(), &source, &rules);
            let content = pipeline::content::finish(draft, &source);
            let p = pipeline::prepare::prepare(item, link.as_ref(), keys, &source, run_time, content);
            serde_json::json!({
                "id": item.guid,
                "title": p.post.title,
                "link": p.post.link,
                "author": item.author.as_deref().map(crate::text::clean_line),
                "published": item.published.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                "content": p.post.content_as_written(),
                "file": format!("_posts/{}", p.file_name),
            })
        })
        .collect();
    if json {
        let doc = serde_json::json!({
            "url": url,
            "format": feed.format.as_str(),
            "encoding": feed.encoding,
            "items": items,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        println!("{} ({}, {}): {} items", feed.title, feed.format.as_str(), feed.encoding, items.len());
        for item in &items {
            let s = |k: &str| item[k].as_str().unwrap_or("-").to_string();
            println!(
                "\n{}\n  title:     {}\n  link:      {}\n  author:    {}\n  published: {}\n  content:   {} bytes",
                s("file"),
                s("title"),
                s("link"),
                s("author"),
                s("published"),
                s("content").len()
            );
        }
    }
    EXIT_OK
}

fn status(config: Option<&Path>, site: &Path, json: bool, markdown: bool) -> u8 {
    let config = match Config::locate(config, site).and_then(|p| Config::load(&p)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let now = chrono::Utc::now();
    let list = match crate::status::collect(&config, site, now) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&list).unwrap_or_default());
    } else if markdown {
        print!("{}", crate::status::markdown(&list, now));
    } else {
        print!("{}", crate::status::text(&list, now));
    }
    // Scripts can alert on it: 1 when any enabled source is failing or silent.
    if list.iter().any(|s| matches!(s.health, "failing" | "silent")) { EXIT_SOURCE_FAILED } else { EXIT_OK }
}

fn init(dir: &Path, jekyll: bool) -> u8 {
    match crate::init::init(dir, jekyll) {
        Ok(done) => {
            for d in done {
                match d {
                    crate::init::Done::Created(p) => println!("  created  {}", p.display()),
                    crate::init::Done::Kept(p) => println!("  kept     {} (exists)", p.display()),
                }
            }
            println!(
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

fn build(site: &Path, out: Option<PathBuf>, config: Option<&Path>) -> u8 {
    let opts = match build_options(site, out, config) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    match crate::site::build(&opts) {
        Ok(r) => {
            println!("{}", build_summary(&r));
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_SOURCE_FAILED
        }
    }
}

fn serve(site: &Path, out: Option<PathBuf>, config: Option<&Path>, port: u16) -> u8 {
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
        |url| println!("serving {url} (Ctrl-C stops)"),
        |r| match r {
            Ok(r) => println!("{}", build_summary(r)),
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

fn extract(input: &str, base_url: Option<&str>, rules: Option<&str>, text: bool, config: Option<&Path>) -> u8 {
    let config = match config.map(Path::to_path_buf).or_else(|| Config::locate(None, Path::new(".")).ok()) {
        Some(p) => match Config::load(&p) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let base = match base_url.map(url::Url::parse).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: --base-url: {e}");
            return EXIT_USAGE;
        }
    };
    let (_, body) = match read_input(input) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {input}: {e}");
            return EXIT_SOURCE_FAILED;
        }
    };
    let base = base.or_else(|| url::Url::parse(&body.final_url).ok().filter(|u| u.scheme() != "file"));
    let rule_set = config.as_ref().map(|c| c.rules.clone()).unwrap_or_default();
    let chosen = match rules {
        Some(name) => {
            let source = config.as_ref().and_then(|c| c.sources.iter().find(|s| s.name == name));
            match source {
                Some(s) => s.rules.as_ref().or_else(|| base.as_ref().and_then(|b| rule_set.for_link(b))),
                None => match rule_set.for_domain(name) {
                    Some(r) => Some(r),
                    None => {
                        let domains: Vec<&str> = rule_set.domains().collect();
                        eprintln!(
                            "error: --rules: no source or domain named {name:?}; rules exist for: {}",
                            domains.join(", ")
                        );
                        return EXIT_USAGE;
                    }
                },
            }
        }
        None => base.as_ref().and_then(|b| rule_set.for_link(b)),
    };
    let (html, encoding) = crate::extract::decode_page(&body.bytes, body.charset.as_deref());
    match crate::extract::extract_page(&html, base.as_ref(), chosen) {
        Ok(article) => {
            let how = match &article.method {
                crate::extract::Method::Selector(s) => format!("content selector {s:?}"),
                crate::extract::Method::Readability => "readability (no content selector matched)".to_string(),
            };
            eprintln!("{input}: {}, {} characters of text, by {how}", encoding.name(), article.text_chars);
            let clean = crate::sanitize::sanitize(&article.html, base.as_ref());
            if text {
                println!("{}", crate::extract::plain_text(&clean));
            } else {
                println!("{clean}");
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {input}: {e}");
            EXIT_SOURCE_FAILED
        }
    }
}

/// A feed from a file path or an http(s)/file URL, with its URL.
fn read_input(input: &str) -> Result<(String, crate::fetch::Body), String> {
    let url = if input.contains("://") {
        input.to_string()
    } else {
        let path = std::fs::canonicalize(input).map_err(|e| e.to_string())?;
        url::Url::from_file_path(&path).map_err(|()| "not a usable path".to_string())?.to_string()
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let fetcher = Fetcher::new(RunSettings::default());
    let validators = Validators::default();
    let req = Request {
        url: &url,
        user_agent: crate::config::DEFAULT_USER_AGENT,
        proxy: None,
        timeout: crate::config::DEFAULT_TIMEOUT,
        validators: &validators,
        max_body: None,
    };
    match runtime.block_on(fetcher.fetch(&req)).map_err(|e| e.to_string())? {
        Fetched::Body(b) => Ok((url, b)),
        Fetched::NotModified => Err("server answered 304 to an unconditional request".into()),
    }
}
