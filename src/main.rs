//! The `bgsim` command: run scenario files, list what bgsim knows, serve fixtures.
//!
//! Exit codes: 0 everything held; 1 a check failed; 2 bad input (usage, a scenario file);
//! 3 a run did not settle within its bounds.

use bgsim::cli::run::RunOptions;
use bgsim::cli::{self, CliError};
use bgsim::report::Format;
use bgsim::runner::Overrides;
use bgsim::world::Transport;
use clap::{Parser, Subcommand, ValueEnum};
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
