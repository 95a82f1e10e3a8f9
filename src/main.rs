//! The `sharesim` command line: parses arguments, calls the library, prints.

/// `sharesim serve` allocates a little per request on two threads; glibc's allocator spent a
/// third of the serve benchmark in malloc/free, mimalloc a fraction of that (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sharesim::render::{self, Format, Screen, report};
use sharesim::scenario::review::{self, Decision, ReviewOptions};
use sharesim::scenario::suite::Unreferenced;
use sharesim::scenario::{self, ScenarioError, SuiteOptions, Via};
use sharesim::world::World;
use sharesim::{Provider, server};

/// A multi-cloud simulator of private image sharing, and a conformance harness for it.
#[derive(Parser)]
#[command(name = "sharesim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LogFormat {
    /// One human-readable line per request.
    Text,
    /// One JSON object per line, for log shippers and `jq`.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
}

/// Sends `serve`'s log lines (one per request, from `tracing`) to stderr.
fn init_logging(format: LogFormat, level: LogLevel) {
    use tracing_subscriber::filter::LevelFilter;
    let max = match level {
        LogLevel::Off => LevelFilter::OFF,
        LogLevel::Error => LevelFilter::ERROR,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Debug => LevelFilter::DEBUG,
    };
    let builder =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(max).with_ansi(Screen::stderr_color());
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.with_target(false).try_init(),
    };
}

/// The one `--format` every printing command takes.
#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    /// Box-drawn, fitted to the terminal's width (or `COLUMNS`), coloured on a terminal unless
    /// `NO_COLOR` is set.
    Table,
    /// GitHub-flavoured markdown, for docs and pull requests.
    Markdown,
    /// JSON, for programs.
    Json,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Table => Format::Table,
            OutputFormat::Markdown => Format::Markdown,
            OutputFormat::Json => Format::Json,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Show every provider's sharing rules side by side, straight from the rule tables.
    Policies {
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Only these providers: repeat the flag or give a comma list (`--provider tencent,swr`).
        /// Names: jdcloud (jd, jd-cloud), tencent (tc, tencentcloud, cvm), alibaba (al, aliyun,
        /// ecs), huawei-ims (ims, hi), huawei-swr (swr, hs).
        #[arg(long = "provider", value_parser = parse_provider, value_delimiter = ',')]
        providers: Vec<Provider>,
    },
    /// Print a provider's rules (or one rule) with sources and notes.
    Explain {
        /// A provider (jdcloud, tencent, alibaba, huawei-ims or huawei-swr; aliases such as
        /// huawei or aliyun work), or a rule ID on its own, such as TC-LIMIT-50.
        provider: String,
        /// A rule ID such as TC-LIMIT-50 (case does not matter).
        rule: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Run scenario files on every provider; check expectations and snapshots.
    ///
    /// A transcript that differs from its snapshot, or has none yet, is written beside it as
    /// `<name>.snap.new` for `sharesim review` (or `cargo insta review`); never on a run on some
    /// of a scenario's providers, whose transcript is partial.
    ///
    /// Exit status: 0 when everything holds, 1 when an expectation breaks, a transcript
    /// differs from its snapshot or has none yet, or (with --unreferenced reject) a snapshot has
    /// no scenario; 2 when a scenario file is invalid.
    Run {
        /// Scenario files or directories (default: scenarios/).
        paths: Vec<PathBuf>,
        /// Only these providers: repeat the flag or give a comma list (`--provider tencent,swr`).
        /// Names: jdcloud (jd, jd-cloud), tencent (tc, tencentcloud, cvm), alibaba (al, aliyun,
        /// ecs), huawei-ims (ims, hi), huawei-swr (swr, hs).
        #[arg(long = "provider", value_parser = parse_provider, value_delimiter = ',')]
        providers: Vec<Provider>,
        /// Only scenarios whose name or path contains this.
        #[arg(long)]
        filter: Option<String>,
        /// Where snapshots live (default: `snapshots/` beside the scenarios root).
        #[arg(long)]
        snapshots: Option<PathBuf>,
        /// Write transcripts as the new snapshots (review them with `git diff`).
        #[arg(long)]
        update_snapshots: bool,
        /// Also write a JUnit XML report here.
        #[arg(long)]
        junit: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// The front door: straight into the engine, or through each provider's HTTP API on a
        /// loopback server started in process (the transcripts must be the same).
        #[arg(long, value_enum, default_value = "in-process")]
        via: Via,
        /// Only one shard of the library, for CI machines in parallel (nextest's syntax):
        /// count:K/N (every N-th selected scenario from the K-th) or hash:K/N (by name).
        #[arg(long, value_name = "count:K/N|hash:K/N", value_parser = scenario::suite::Partition::parse)]
        partition: Option<scenario::suite::Partition>,
        /// What to do with a snapshot no scenario refers to: warn (the default), reject (fail the
        /// run), delete, or ignore. Checked only on a run of the whole library: no PATH below
        /// the scenarios root, no --filter, --partition or --provider.
        #[arg(long, value_enum, value_name = "MODE")]
        unreferenced: Option<Unreferenced>,
    },
    /// Accept or reject the transcripts `run` left for review (`<name>.snap.new` beside each
    /// snapshot), as `cargo insta review` does.
    ///
    /// On a terminal, shows each diff (old snapshot against new) and asks: a(ccept), r(eject),
    /// s(kip) or q(uit). With --accept or --reject, acts without asking. Without a terminal and
    /// without either flag, prints the pending snapshots with their diffs and exits 1 (it never
    /// waits for input). Accepting renames the `.snap.new` over the `.snap`; rejecting deletes
    /// the `.snap.new`. Diffs are coloured only on a terminal, and never with NO_COLOR set.
    ///
    /// Exit status: 0 when nothing asked about is left pending (or nothing was pending), 1 when
    /// some are still pending (skipped, or no terminal to ask on), 2 on an error (a name that is
    /// not pending, a file that cannot be read, renamed or deleted).
    Review {
        /// Only these pending snapshots: names as `run` prints them (`copy__owner-copy`), or
        /// their file names or paths (default: every pending one).
        names: Vec<String>,
        /// Accept without asking: each `.snap.new` becomes the `.snap`.
        #[arg(long, conflicts_with = "reject")]
        accept: bool,
        /// Reject without asking: each `.snap.new` is deleted.
        #[arg(long)]
        reject: bool,
        /// Where snapshots live (default: `snapshots/` beside the scenarios root).
        #[arg(long)]
        snapshots: Option<PathBuf>,
    },
    /// Show one scenario on every provider side by side: steps as rows, providers as columns.
    Compare {
        scenario: PathBuf,
        /// Only these providers: repeat the flag or give a comma list (`--provider tencent,swr`).
        /// Names: jdcloud (jd, jd-cloud), tencent (tc, tencentcloud, cvm), alibaba (al, aliyun,
        /// ecs), huawei-ims (ims, hi), huawei-swr (swr, hs).
        #[arg(long = "provider", value_parser = parse_provider, value_delimiter = ',')]
        providers: Vec<Provider>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// The same as `--format markdown` (kept for scripts written before `--format`).
        #[arg(long, hide = true, conflicts_with = "format")]
        markdown: bool,
    },
    /// Print the JSON Schema of scenario files (for editors), or of what `POST
    /// /_sharesim/apply` takes.
    Schema {
        /// The schema of one step sent to `POST /_sharesim/apply` (docs/APPLY.md).
        #[arg(long)]
        apply: bool,
    },
    /// Write the teaching report: a static site (open DIR/index.html) of rules, providers and
    /// scenarios, with each scenario run through every provider's API.
    Report {
        /// Where to write the site (made if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Hide outcomes until a click, so a class predicts before it looks.
        #[arg(long)]
        quiz: bool,
        /// Scenario files or directories (default: scenarios/).
        paths: Vec<PathBuf>,
    },
    /// Serve every provider's API on 127.0.0.1, one port each, until SIGINT or SIGTERM.
    ///
    /// Prints exactly one JSON line on stdout once every listener is up (endpoints, accounts
    /// with access keys, images); logs go to stderr.
    Serve {
        /// First port (providers take consecutive ports, then SWR's registry); 0 picks free ports.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// A world file (YAML or JSON) instead of the embedded default world.
        #[arg(long)]
        world: Option<PathBuf>,
        /// Accept any signature from a known access key (for clients under development).
        #[arg(long)]
        no_verify_signatures: bool,
        /// Only these providers: repeat the flag or give a comma list (`--provider tencent,swr`).
        /// Names: jdcloud (jd, jd-cloud), tencent (tc, tencentcloud, cvm), alibaba (al, aliyun,
        /// ecs), huawei-ims (ims, hi), huawei-swr (swr, hs).
        #[arg(long = "provider", value_parser = parse_provider, value_delimiter = ',')]
        providers: Vec<Provider>,
        /// Keep each provider's state in DIR/<provider>.json: loaded at start when present,
        /// written atomically before each change is answered, and at shutdown.
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        /// Require this token, as the X-Sharesim-Admin-Token header, on every admin request
        /// (for machines other people can reach). Also read from SHARESIM_ADMIN_TOKEN.
        #[arg(long, value_name = "TOKEN", env = "SHARESIM_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// Seconds a request head may take to arrive; also closes kept-alive connections idle this long.
        #[arg(long, value_name = "SECS", default_value_t = 30.0, value_parser = parse_positive_seconds)]
        header_timeout: f64,
        /// Seconds a request body may take to arrive.
        #[arg(long, value_name = "SECS", default_value_t = 30.0, value_parser = parse_positive_seconds)]
        body_timeout: f64,
        /// Seconds in-flight requests get after SIGTERM or SIGINT before connections are dropped.
        #[arg(long, value_name = "SECS", default_value_t = 5.0, value_parser = parse_seconds)]
        shutdown_timeout: f64,
        /// Connections served at once over all listeners (default: from the open-file limit).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: Option<u32>,
        /// Also write the start-up line (endpoints, accounts, keys) to FILE, once every listener
        /// is up: for programs that read it from a file rather than stdout.
        #[arg(long, value_name = "FILE")]
        banner: Option<PathBuf>,
        /// How each request's log line on stderr is written.
        #[arg(long, value_enum, default_value = "text")]
        log_format: LogFormat,
        /// Which log lines to write: `info` logs every request, `warn` only server errors.
        #[arg(long, value_enum, default_value = "info")]
        log_level: LogLevel,
    },
    /// Print a world (accounts, identities, access keys, images) without serving it.
    World {
        #[arg(long)]
        world: Option<PathBuf>,
        /// `json` is the start-up line's `providers` object; tables fold the numbered crowd
        /// accounts into one row.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Only these providers: repeat the flag or give a comma list (`--provider tencent,swr`).
        /// Names: jdcloud (jd, jd-cloud), tencent (tc, tencentcloud, cvm), alibaba (al, aliyun,
        /// ecs), huawei-ims (ims, hi), huawei-swr (swr, hs).
        #[arg(long = "provider", value_parser = parse_provider, value_delimiter = ',')]
        providers: Vec<Provider>,
        /// Only this account (by name, e.g. alice), in every provider shown.
        #[arg(long)]
        account: Option<String>,
    },
}

fn load_world(path: Option<PathBuf>) -> Result<World, String> {
    match path {
        None => Ok(World::default_world()),
        Some(p) => {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            World::parse(&p.display().to_string(), &text).map_err(|e| e.to_string())
        }
    }
}

/// Seconds as a finite, non-negative number, at most a day.
fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds from 0 to 86400")),
    }
}

/// As [`parse_seconds`], above zero: a zero read timeout would close every connection at once.
fn parse_positive_seconds(s: &str) -> Result<f64, String> {
    match parse_seconds(s)? {
        v if v >= 0.001 => Ok(v),
        _ => Err(format!("`{s}`: a read timeout must be at least 0.001 seconds")),
    }
}

/// What `sharesim serve` was asked for, beyond the world.
struct ServeArgs {
    port: u16,
    world: Option<PathBuf>,
    verify: bool,
    providers: Vec<Provider>,
    state_dir: Option<PathBuf>,
    admin_token: Option<String>,
    limits: server::Limits,
    banner: Option<PathBuf>,
}

/// Writes the start-up line to `path` whole or not at all (a reader polling for the file never
/// sees half of it).
fn write_banner(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp-sharesim");
    std::fs::write(&tmp, format!("{line}\n"))?;
    std::fs::rename(&tmp, path)
}

/// What a person at a terminal needs from the start-up line: where each API is, and where the
/// keys are (the full JSON line is for programs, and is hundreds of kilobytes).
fn human_banner(running: &server::Running, banner: Option<&std::path::Path>) -> String {
    let mut out = String::from("sharesim is serving:\n");
    let endpoints = running.banner()["endpoints"].clone();
    if let Some(map) = endpoints.as_object() {
        for (name, url) in map {
            out.push_str(&format!("  {name:<20} {}\n", url.as_str().unwrap_or("")));
        }
    }
    out.push_str("accounts and access keys: ");
    match banner {
        Some(p) => out.push_str(&format!("{} (the start-up line)\n", p.display())),
        None => out.push_str(
            "`sharesim world --provider P --account NAME`, or pipe stdout / use --banner FILE for the JSON line\n",
        ),
    }
    out.push_str("health: GET <endpoint>/_sharesim/health · live page: <endpoint>/_sharesim/ui · stop: Ctrl-C\n");
    out
}

fn serve(args: ServeArgs) -> ExitCode {
    let ServeArgs { port, world, verify, providers, state_dir, admin_token, limits, banner } = args;
    if admin_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        eprintln!("error: --admin-token must not be empty");
        return ExitCode::from(2);
    }
    let world = match load_world(world) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let providers = if providers.is_empty() { Provider::ALL.to_vec() } else { providers };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let opts =
            server::ServeOptions { port, world, verify_signatures: verify, providers, limits, admin_token, state_dir };
        let running = match server::start(&opts).await {
            Ok(r) => r,
            Err(e @ server::ServeError::Store(_)) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        let line = running.banner().to_string();
        if let Some(path) = &banner
            && let Err(e) = write_banner(path, &line)
        {
            eprintln!("error: cannot write --banner {}: {e}", path.display());
            let _ = running.shutdown().await;
            return ExitCode::from(2);
        }
        if std::io::stdout().is_terminal() {
            print!("{}", human_banner(&running, banner.as_deref()));
        } else {
            println!("{line}");
        }
        let _ = std::io::Write::flush(&mut std::io::stdout());
        for (p, a) in &running.addrs {
            eprintln!("sharesim: {p} on http://{a}");
        }
        if !verify {
            eprintln!("sharesim: signatures are NOT verified (--no-verify-signatures)");
        }
        server::interrupted().await;
        eprintln!(
            "sharesim: shutting down (connections still open in {} s are dropped)",
            limits.shutdown_timeout.as_secs_f64()
        );
        match running.shutdown().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// A scenario error, once: miette draws `file:line:column: message` with the line under it,
/// coloured only on a terminal without `NO_COLOR`.
fn print_invalid(e: &ScenarioError) {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if Screen::stderr_color() { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let mut out = String::new();
    match GraphicalReportHandler::new_themed(theme).render_report(&mut out, e) {
        Ok(()) => eprintln!("error: {}", out.trim_start().trim_start_matches('×').trim_start()),
        Err(_) => eprintln!("error: {e}"),
    }
}

fn run(
    opts: SuiteOptions,
    junit: Option<PathBuf>,
    format: OutputFormat,
    unreferenced: Option<Unreferenced>,
) -> ExitCode {
    let filter = opts.filter.clone();
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut report = scenario::run_suite(&opts, |i, n, name| {
        bar.set_length(n as u64);
        bar.set_position(i as u64);
        bar.set_message(name.to_string());
    });
    bar.finish_and_clear();
    let asked = unreferenced.is_some_and(|u| u != Unreferenced::Ignore);
    if !report.check_unreferenced(&opts, unreferenced.unwrap_or_default()) && asked {
        eprintln!(
            "note: --unreferenced is checked only on a run of the whole library (no PATH below the scenarios root, --filter, --partition or --provider)"
        );
    }
    for e in &report.invalid {
        print_invalid(e);
    }
    for line in report.unreferenced.iter().flat_map(|u| u.messages()) {
        eprintln!("{line}");
    }
    if let Some(path) = junit
        && let Err(e) = std::fs::write(&path, report::junit(&report))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    match format {
        OutputFormat::Json => print!("{}", report::json(&report)),
        OutputFormat::Table | OutputFormat::Markdown => {
            let (format, screen) = (Format::from(format), Screen::detect());
            if !report.results.is_empty() {
                print!("{}", report::summary(&report, format, &screen));
            }
            let routes = report::routes(&report, format, &screen);
            if !routes.is_empty() {
                print!("\nover HTTP:\n{routes}");
            }
            let failures = report::failures(&report);
            if !failures.is_empty() {
                match format {
                    Format::Markdown => print!("\n```text\n{failures}```\n"),
                    _ => print!("\n{failures}"),
                }
            }
            let runs: usize = report.results.iter().map(|r| r.runs.len()).sum();
            let failed = report.results.iter().filter(|r| !r.passed()).count();
            // In markdown a line right after a table would be read as one more row.
            let gap = if format == Format::Markdown { "\n" } else { "" };
            println!(
                "{gap}{} scenario(s), {runs} provider run(s): {} passed, {failed} failed, {} invalid",
                report.results.len(),
                report.results.len() - failed,
                report.invalid.len()
            );
        }
    }
    if let Some(note) = report.pending_note() {
        if matches!(format, OutputFormat::Json) { eprintln!("{note}") } else { println!("{note}") }
    }
    // A filter that selects nothing is a mistake to report, not a green run (as nextest does).
    if let Some(f) = filter
        && report.results.is_empty()
        && report.invalid.is_empty()
    {
        eprintln!(
            "error: --filter `{f}` matches no scenario (it is matched against snapshot names and scenario names)"
        );
        return ExitCode::from(2);
    }
    ExitCode::from(report.exit_code())
}

fn compare(path: PathBuf, only: Vec<Provider>, format: Format) -> ExitCode {
    let s = match scenario::load_file(&path) {
        Ok(s) => s,
        Err(e) => {
            print_invalid(&e);
            return ExitCode::from(2);
        }
    };
    let providers = scenario::suite::providers_for(&s, &only);
    match scenario::suite::run_scenario(&s, &providers, Via::InProcess) {
        Ok((runs, _)) => {
            print!("{}", report::compare(&s, &runs, format, &Screen::detect()));
            let broken = runs.iter().any(|r| r.broken().next().is_some());
            ExitCode::from(if broken { 1 } else { 0 })
        }
        Err(e) => {
            print_invalid(&e);
            ExitCode::from(2)
        }
    }
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    Provider::parse(s).ok_or_else(|| {
        let names: Vec<_> = Provider::ALL.iter().map(|p| p.name()).collect();
        format!("unknown provider `{s}`; expected one of {}", names.join(", "))
    })
}

/// The directory holding the scenario library: the nearest one, from the working directory
/// up, that has a `scenarios/` directory (as cargo finds its manifest), so commands work from
/// anywhere inside a checkout.
fn project_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let root = cwd.ancestors().find(|d| d.join("scenarios").is_dir())?;
    // From the root itself, paths stay as short as the user would write them (reports show them).
    Some(if root == cwd { PathBuf::new() } else { root.to_path_buf() })
}

/// Resolves scenario paths as a user means them: as given when they exist; else against the
/// scenarios root (`copy/owner-copy.yaml`) or the project root (`scenarios/copy`). No paths
/// means the whole library. Also where snapshots live: `snapshots/` beside the library.
fn locate(paths: Vec<PathBuf>) -> (Vec<PathBuf>, PathBuf) {
    let root = project_root();
    let snapshots = root.as_ref().map(|r| r.join("snapshots")).unwrap_or_else(|| PathBuf::from("snapshots"));
    if paths.is_empty() {
        let library = root.map(|r| r.join("scenarios")).unwrap_or_else(|| PathBuf::from("scenarios"));
        return (vec![library], snapshots);
    }
    let resolved = paths
        .into_iter()
        .map(|p| {
            if p.exists() || p.is_absolute() {
                return p;
            }
            root.as_ref()
                .into_iter()
                .flat_map(|r| [r.join("scenarios").join(&p), r.join(&p)])
                .find(|c| c.exists())
                .unwrap_or(p)
        })
        .collect();
    (resolved, snapshots)
}

/// A command that prints into a pipe its reader closed (`sharesim policies | head -1`) ends
/// quietly, as `cat` and `grep` do, instead of panicking on the failed write: the default
/// action of SIGPIPE, which Rust's runtime turns off at start. Not for `serve`, whose sockets
/// must survive clients that hang up.
fn quiet_on_closed_pipe() {
    // SAFETY: sets a signal's disposition to the default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        quiet_on_closed_pipe();
    }
    match cli.command {
        Command::Policies { format, providers } => {
            let providers = if providers.is_empty() { Provider::ALL.to_vec() } else { providers };
            print!("{}", render::policy_matrix(&providers, format.into(), &Screen::detect()));
            ExitCode::SUCCESS
        }
        Command::Explain { provider, rule, format } => {
            match render::explain_any(&provider, rule.as_deref(), format.into(), &Screen::detect()) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Run {
            paths,
            providers,
            filter,
            snapshots,
            update_snapshots,
            junit,
            format,
            via,
            partition,
            unreferenced,
        } => {
            let (paths, found_snapshots) = locate(paths);
            let snapshots = snapshots.unwrap_or(found_snapshots);
            let opts = SuiteOptions { paths, providers, filter, snapshots, update: update_snapshots, via, partition };
            run(opts, junit, format, unreferenced)
        }
        Command::Review { names, accept, reject, snapshots } => {
            let opts = ReviewOptions {
                dir: snapshots.unwrap_or_else(|| locate(Vec::new()).1),
                names,
                decision: if accept {
                    Some(Decision::Accept)
                } else if reject {
                    Some(Decision::Reject)
                } else {
                    None
                },
                interactive: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
                color: Screen::detect().color,
            };
            let code =
                review::review(&opts, &mut std::io::stdin().lock(), &mut std::io::stdout(), &mut std::io::stderr());
            ExitCode::from(code)
        }
        Command::Compare { scenario, providers, format, markdown } => {
            let scenario = locate(vec![scenario]).0.remove(0);
            compare(scenario, providers, if markdown { Format::Markdown } else { format.into() })
        }
        Command::Serve {
            port,
            world,
            no_verify_signatures,
            providers,
            state_dir,
            admin_token,
            header_timeout,
            body_timeout,
            shutdown_timeout,
            max_connections,
            banner,
            log_format,
            log_level,
        } => {
            init_logging(log_format, log_level);
            let defaults = server::Limits::default();
            let limits = server::Limits {
                header_timeout: std::time::Duration::from_secs_f64(header_timeout),
                body_timeout: std::time::Duration::from_secs_f64(body_timeout),
                shutdown_timeout: std::time::Duration::from_secs_f64(shutdown_timeout),
                max_connections: max_connections.map_or(defaults.max_connections, |n| n as usize),
            };
            serve(ServeArgs {
                port,
                world,
                verify: !no_verify_signatures,
                providers,
                state_dir,
                admin_token,
                limits,
                banner,
            })
        }
        Command::World { world, format, providers, account } => {
            match load_world(world).and_then(|w| w.describe_all().map_err(|e| e.to_string())) {
                Ok(mut v) => {
                    if let Some(map) = v.as_object_mut() {
                        if !providers.is_empty() {
                            map.retain(|name, _| providers.iter().any(|p| p.name() == name));
                        }
                        if let Some(a) = &account {
                            for world in map.values_mut() {
                                if let Some(accounts) = world.get_mut("accounts").and_then(|x| x.as_array_mut()) {
                                    accounts.retain(|x| x["name"] == a.as_str());
                                }
                            }
                        }
                    }
                    print!("{}", render::world(&v, format.into(), &Screen::detect()));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Schema { apply } => {
            if apply {
                print!("{}", scenario::schema::render(&scenario::schema::apply()));
            } else {
                print!("{}", scenario::json_schema());
            }
            ExitCode::SUCCESS
        }
        Command::Report { out, quiz, paths } => {
            let paths = locate(paths).0;
            let started = std::time::Instant::now();
            let built = sharesim::report::build(&sharesim::report::Options { paths, quiz }).and_then(|site| {
                site.write(&out)?;
                Ok(site.files.len())
            });
            match built {
                Ok(n) => {
                    eprintln!(
                        "wrote {n} files to {} in {:.2} s: open {}",
                        out.display(),
                        started.elapsed().as_secs_f64(),
                        out.join("index.html").display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
