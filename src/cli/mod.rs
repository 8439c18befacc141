//! Command-line interface: parses arguments and wires the stages together.

mod demo;
mod inspect;
mod recheck;
mod run;
mod site;
mod sources;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

pub use run::{Publish, run_config};

/// How a command ended, as its exit status (the README lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// A source (or the input) could not be read; the others were done.
    SourceFailed = 1,
    /// The command line or the config is wrong; nothing was done.
    Usage = 2,
    /// Another run holds the site's lock.
    Locked = 3,
    /// The posts are written (and committed, if asked) but git could not publish them.
    Publish = 4,
    /// As shells report a process ended by SIGINT.
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A command that could not do its work: [`main`] prints the message once,
/// as `error: …`, and exits with the code.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn new(exit: Exit, message: impl std::fmt::Display) -> Self {
        CliError { exit, message: message.to_string() }
    }
}

/// What every command returns: how it ended, or why it could not work.
pub type CommandResult = Result<Exit, CliError>;

/// `result.or_exit(Exit::Usage)?`: an error becomes the command's failure.
trait OrExit<T> {
    fn or_exit(self, exit: Exit) -> Result<T, CliError>;
}

impl<T, E: std::fmt::Display> OrExit<T> for Result<T, E> {
    fn or_exit(self, exit: Exit) -> Result<T, CliError> {
        self.map_err(|e| CliError::new(exit, e))
    }
}

/// The site directory and its config, shared by the commands that work on a mirror.
#[derive(clap::Args)]
struct SiteArgs {
    /// A newsmirror.toml, or the old system's subs.json [default: DIR/newsmirror.toml, else DIR/subs.json]
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The site: posts in DIR/_posts/, state in DIR/.newsmirror/, the built site in DIR/_site/.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    site: PathBuf,
}

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
        #[command(flatten)]
        at: SiteArgs,
        /// Seconds to wait for another run on the same site to finish.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        wait: u64,
        /// Commit the new posts to git, with a message counting them per source.
        #[arg(long)]
        commit: bool,
        /// Commit, then push; a rejected push is rebased onto the remote and retried.
        #[arg(long)]
        push: bool,
        /// Let feed data (article pages, images, redirects) reach private and loopback addresses, for every source.
        #[arg(long)]
        allow_private: bool,
    },
    /// Keep mirroring: fetch each source when due, back off failing ones, until SIGTERM or Ctrl-C.
    Watch {
        #[command(flatten)]
        at: SiteArgs,
        /// How often a source is fetched, unless it sets `every` itself.
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = humantime::parse_duration)]
        every: Duration,
        /// Spread sources over this much time, a fixed share each.
        #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
        jitter: Duration,
        /// Build the site after each round that wrote posts.
        #[arg(long)]
        build: bool,
        /// Commit new posts after each round.
        #[arg(long)]
        commit: bool,
        /// Commit and push after each round.
        #[arg(long)]
        push: bool,
        /// Let feed data (article pages, images, redirects) reach private and loopback addresses, for every source.
        #[arg(long)]
        allow_private: bool,
    },
    /// Re-fetch the originals of mirrored posts that are due, and record which were edited or deleted in DIR/_changes/.
    Recheck {
        #[command(flatten)]
        at: SiteArgs,
        /// Check at most N posts, the most overdue first; the rest wait for later runs.
        #[arg(long, value_name = "N", default_value_t = crate::recheck::DEFAULT_BUDGET)]
        budget: usize,
        /// Start no check after this long (e.g. "10m").
        #[arg(long = "for", value_name = "DURATION", value_parser = humantime::parse_duration)]
        time_limit: Option<Duration>,
        /// Check every post now, whatever the schedule and the budget.
        #[arg(long)]
        all: bool,
        /// Print one JSON object counting this run's observations.
        #[arg(long)]
        json: bool,
        /// The time to take as now (RFC 3339), for tests.
        #[arg(long, hide = true)]
        now: Option<String>,
        /// Commit what the run added under _changes/ (and _warc/ with evidence_commit).
        #[arg(long)]
        commit: bool,
        /// Commit, then push.
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
        #[command(flatten)]
        at: SiteArgs,
        /// Print JSON.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print a Markdown table of the sources, for a mirror's README.
        #[arg(long)]
        markdown: bool,
    },
    /// List or edit the sources of DIR/newsmirror.toml (comments and layout are kept).
    Sources {
        #[command(subcommand)]
        command: sources::SourcesCommand,
        #[arg(short, long, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
        #[arg(short, long, value_name = "DIR", default_value = ".", global = true)]
        site: PathBuf,
    },
    /// Add the sources of an old subs.json or an OPML file to DIR/newsmirror.toml.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        at: SiteArgs,
    },
    /// Print the sources as OPML, for feed readers and other mirrors.
    Export {
        /// OPML 2.0 (the only format; the flag says so in scripts).
        #[arg(long, required = true)]
        opml: bool,
        #[command(flatten)]
        at: SiteArgs,
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
        #[command(flatten)]
        at: SiteArgs,
        /// Where the site is written [default: DIR/_site].
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Build, then serve the site on 127.0.0.1 and rebuild when anything changes.
    Serve {
        #[command(flatten)]
        at: SiteArgs,
        /// Where the site is written [default: DIR/_site].
        #[arg(short, long, value_name = "OUT")]
        out: Option<PathBuf>,
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
        /// Print JSON: text, html, title, author, date and the rule or extractor that found the article.
        #[arg(long, conflicts_with = "text")]
        json: bool,
        /// The config whose [[rules]] and sources apply [default: ./newsmirror.toml if there is one].
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Follow redirects to private and loopback addresses.
        #[arg(long)]
        allow_private: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.log_format);
    match dispatch(cli.command) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {}", e.message);
            e.exit.into()
        }
    }
}

fn dispatch(command: Command) -> CommandResult {
    match command {
        Command::Run { at, wait, commit, push, allow_private } => run::run(
            at.config.as_deref(),
            &at.site,
            Duration::from_secs(wait),
            Publish { commit: commit || push, push },
            allow_private,
        ),
        Command::Demo { dir } => demo::demo(&dir),
        Command::Recheck { at, budget, time_limit, all, json, now, commit, push } => recheck::recheck(
            at.config.as_deref(),
            &at.site,
            recheck::RecheckArgs {
                budget,
                time_limit,
                all,
                json,
                now,
                publish: Publish { commit: commit || push, push },
            },
        ),
        Command::Watch { at, every, jitter, build, commit, push, allow_private } => watch::watch(
            at.config.as_deref(),
            &at.site,
            watch::WatchOptions {
                every,
                jitter,
                build,
                publish: Publish { commit: commit || push, push },
                allow_private,
            },
        ),
        Command::Parse { input, json, raw, name, timezone } => {
            inspect::parse(&input, json, raw, name, timezone.as_deref())
        }
        Command::Init { dir, jekyll } => site::init(&dir, jekyll),
        Command::Sources { command, config, site } => sources::sources(command, config.as_deref(), &site),
        Command::Import { file, at } => sources::import(&file, at.config.as_deref(), &at.site),
        Command::Export { opml: _, at } => sources::export(at.config.as_deref(), &at.site),
        Command::Status { at, json, markdown } => inspect::status(at.config.as_deref(), &at.site, json, markdown),
        Command::Build { at, out } => site::build(&at.site, out, at.config.as_deref()),
        Command::Serve { at, out, port } => site::serve(&at.site, out, at.config.as_deref(), port),
        Command::Extract { input, base_url, rules, text, json, config, allow_private } => {
            let output = if json {
                inspect::ExtractOutput::Json
            } else if text {
                inspect::ExtractOutput::Text
            } else {
                inspect::ExtractOutput::Html
            };
            inspect::extract(&input, base_url.as_deref(), rules.as_deref(), output, config.as_deref(), allow_private)
        }
    }
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
