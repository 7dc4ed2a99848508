//! The `bgsim` command: run scenario files, list what bgsim knows, serve fixtures.
//!
//! Exit codes: 0 everything held; 1 a check failed; 2 bad input (usage, a scenario file);
//! 3 a run did not settle within its bounds.

use bgsim::cli::run::RunOptions;
use bgsim::cli::{self, CliError};
use bgsim::report::Format;
use bgsim::runner::Overrides;
use bgsim::world::Transport;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// A deterministic test bed for iOS background downloads.
#[derive(Parser)]
#[command(name = "bgsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum TransportArg {
    /// Real TCP on 127.0.0.1.
    Tcp,
    /// An in-memory pipe (faster; same history).
    Memory,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Timelines and verdicts for people.
    Text,
    /// One JSON object per scenario per line.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files (or every .toml below a folder) and judge them.
    ///
    /// Prints each scenario's timeline and verdict. Exit code 0 when every scenario
    /// held, 1 when a check failed, 2 for bad input, 3 when a run did not settle.
    /// The format is documented in docs/scenarios.md.
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Run against this app instead of the one the scenario names.
        #[arg(long)]
        app: Option<String>,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// How the simulated daemon reaches the fixture server.
        #[arg(long, value_enum, default_value = "tcp")]
        transport: TransportArg,
        /// Print verdicts only, no timelines.
        #[arg(long, short)]
        quiet: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
    },
    /// List the apps, the checks, and which scenarios demonstrate which rules.
    List {
        /// Folder (or files) of scenarios to index.
        #[arg(long, default_value = "scenarios")]
        scenarios: Vec<PathBuf>,
    },
    /// Run every mutant (the reference app with one real bug) against the scenarios.
    ///
    /// Prints which scenario kills each mutant with which check. Exit code 1 when a
    /// mutant survives, is caught only by checks its bug is not about, or the reference
    /// app fails a scenario; 2 for bad input; else 0.
    Mutants {
        /// Folder (or files) of scenarios; those written for the reference app are used.
        #[arg(long, default_value = "scenarios")]
        scenarios: Vec<PathBuf>,
        /// How the simulated daemon reaches the fixture server.
        #[arg(long, value_enum, default_value = "memory")]
        transport: TransportArg,
    },
    /// Run generated lifecycles against an app; shrink what fails to a scenario file.
    ///
    /// Each run turns a seed into a scenario (downloads, lifecycle and network steps,
    /// server faults, then a healing phase) and judges it. On a failure the scenario is
    /// shrunk and written to --out, with a replay command. Exit code 0 when nothing was
    /// found, 1 when a check failed, 2 for bad input, 3 when runs did not settle.
    Fuzz(FuzzArgs),
    /// Serve fixture files over HTTP on loopback (ranges, validators, HEAD), until Ctrl-C.
    Serve {
        /// Folder whose files are served at /<relative path>.
        #[arg(long, default_value = "fixtures", conflicts_with = "scenario")]
        fixtures: PathBuf,
        /// Serve this scenario's fixtures, with its server faults, instead of a folder.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Address to listen on; loopback only. Port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
}

impl From<TransportArg> for Transport {
    fn from(t: TransportArg) -> Transport {
        match t {
            TransportArg::Tcp => Transport::Tcp,
            TransportArg::Memory => Transport::Memory,
        }
    }
}

/// The options of `bgsim fuzz`.
#[derive(Args)]
struct FuzzArgs {
    /// The app under test.
    #[arg(long, default_value = "reference")]
    app: String,
    /// How many runs (default 1000 without --time).
    #[arg(long)]
    runs: Option<u64>,
    /// How long to run, as a duration (`30s`, `10m`): wall time, not simulated.
    #[arg(long)]
    time: Option<String>,
    /// The campaign's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (default: every core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Go on after a failure; shrink one failure of each signature.
    #[arg(long)]
    keep_going: bool,
    /// Run each case twice in memory and once over TCP; fail on any difference.
    #[arg(long)]
    check_determinism: bool,
    /// Steps of a generated safety phase, at most.
    #[arg(long, default_value_t = 40)]
    max_steps: usize,
    /// Where shrunk failures are written.
    #[arg(long, default_value = "fuzz-failures")]
    out: PathBuf,
}

impl FuzzArgs {
    /// The campaign's options; a bad `--time` is bad input.
    fn options(&self) -> Result<bgsim::fuzz::campaign::Options, CliError> {
        let time = self
            .time
            .as_deref()
            .map(bgsim::scenario::parse_duration)
            .transpose()
            .map_err(|e| CliError::input(format!("--time: {e}.")))?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(bgsim::fuzz::campaign::Options {
            app: self.app.clone(),
            runs: self.runs.or(if time.is_none() { Some(1000) } else { None }),
            time,
            seed: self.seed,
            jobs: self.jobs.unwrap_or(cores).max(1),
            keep_going: self.keep_going,
            check_determinism: self.check_determinism,
            limits: bgsim::fuzz::generate::Limits {
                max_steps: self.max_steps.max(1),
                ..bgsim::fuzz::generate::Limits::default()
            },
            shrink_budget: 2000,
        })
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<u8, CliError> = match cli.command {
        Command::Run {
            paths,
            app,
            seed,
            transport,
            quiet,
            format,
        } => cli::run::run(&RunOptions {
            paths,
            overrides: Overrides {
                app,
                seed,
                transport: transport.into(),
            },
            quiet,
            format: match format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
            },
            colour: colour(),
        }),
        Command::List { scenarios } => cli::list::list(&scenarios).map(|()| 0),
        Command::Fuzz(args) => args.options().and_then(|opts| {
            let progress = std::io::stderr().is_terminal();
            cli::fuzz::fuzz(&opts, &args.out, progress)
        }),
        Command::Mutants {
            scenarios,
            transport,
        } => cli::mutants::mutants(&scenarios, transport.into()),
        Command::Serve {
            fixtures,
            scenario,
            addr,
        } => {
            let source = match &scenario {
                Some(file) => cli::serve::Source::Scenario(file),
                None => cli::serve::Source::Folder(&fixtures),
            };
            cli::serve::serve(source, addr).map(|()| 0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("bgsim: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
