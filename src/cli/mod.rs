//! The `bgsim` command line, for bgsim's own apps or for a team's (see
//! [`crate::harness::Harness::main`]): run scenario files, list what is known, fuzz,
//! run the kill matrix, serve fixtures.
//!
//! Exit codes (docs/design.md#exit-codes): 0 everything held; 1 a check failed; 2 bad
//! input (usage, a scenario file, a fixtures folder); 3 a run did not settle within its
//! bounds (event limit, disk or memory budget); 128 + N stopped by signal N (SIGINT 130,
//! SIGTERM 143, SIGHUP 129), temporary folders removed.

mod args;
mod bench;
mod examples;
pub mod fuzz;
mod fuzz_merge;
pub mod list;
pub mod mutants;
mod out;
mod reports;
pub mod run;
pub mod serve;

use crate::registry::Apps;
use crate::report::Format;
use crate::runner::Overrides;
use args::{Cli, Command, FormatArg, FuzzAction};
use clap::{CommandFactory, FromArgMatches};
use std::io::IsTerminal;
use std::process::ExitCode;

pub use out::emit;

/// A failure to report to the user: one sentence and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The message, a full sentence; empty when there is nothing to say (the reader of
    /// standard output went away: `bgsim list | head -1`).
    pub message: String,
    /// The process exit code.
    pub code: u8,
}

impl CliError {
    /// Bad input from the user: exit code 2.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: 2,
        }
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Internal diagnostics (`tracing`) on standard error when `RUST_LOG` is set
/// (`RUST_LOG=bgsim=debug`): what runs, how long it took in wall time, what the lab ran out
/// of. They never reach standard output, so reports stay byte-for-byte deterministic.
fn diagnostics() {
    let Some(filter) = std::env::var_os("RUST_LOG").filter(|v| !v.is_empty()) else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::new(filter.to_string_lossy());
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .try_init();
}

/// The name the program was started as (`bgsim`, `my-bgsim`), for help and replay lines.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "bgsim".to_string())
}

/// Parses the process's arguments and runs the command against `apps`; the exit code
/// follows the table in this module's doc.
pub fn main(apps: &Apps) -> ExitCode {
    let program = program_name();
    let matches = Cli::command().name(program.clone()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    diagnostics();
    if let Err(e) = crate::interrupt::install() {
        eprintln!("{program}: cannot catch signals ({e}); Ctrl-C will leave temporary folders");
    }
    crate::open_files::raise_to_hard();
    match dispatch(apps, cli, &program) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{program}: {}", crate::report::escape(&e.message));
            }
            ExitCode::from(e.code)
        }
    }
}

fn dispatch(apps: &Apps, cli: Cli, program: &str) -> Result<u8, CliError> {
    // An app in another language joins the registry for this command (docs/protocol.md).
    let mut with_process = apps.clone();
    for dir in &cli.allow_path {
        if !dir.is_dir() {
            return Err(CliError::input(format!(
                "--allow-path {}: not a folder.",
                dir.display()
            )));
        }
        with_process.allow_path(dir);
    }
    let budget = |flag: &str, text: &str| {
        crate::scenario::parse_size(text).map_err(|e| CliError::input(format!("--{flag}: {e}.")))
    };
    crate::runner::set_budgets(
        budget("disk-budget", &cli.disk_budget)?,
        budget("memory-budget", &cli.memory_budget)?,
    );
    let apps = &with_process.clone();
    match cli.command {
        Command::Run {
            paths,
            app,
            process,
            seed,
            transport,
            container,
            quiet,
            format,
            partition,
            reports,
            html,
        } => {
            let app = process.register(&mut with_process)?.or(app);
            run::run(
            &with_process,
            &run::RunOptions {
                paths,
                overrides: Overrides {
                    app,
                    seed,
                    transport: transport.into(),
                    storage: container.into(),
                },
                quiet,
                partition,
                format: match format {
                    FormatArg::Text => Format::Text,
                    FormatArg::Json => Format::Json,
                },
                colour: colour(),
                reports,
                html,
            },
        )
        }
        Command::List { scenarios } => list::list(apps, &scenarios).map(|()| 0),
        Command::Fuzz(command) => {
            if let Some(FuzzAction::Merge { files }) = &command.action {
                return fuzz_merge::merge(files);
            }
            let args = &command.campaign;
            let mut opts = args.options()?;
            if let Some(name) = args.process.register(&mut with_process)? {
                opts.app = name;
            }
            let output = fuzz::Output {
                progress: std::io::stderr().is_terminal(),
                json: args.json,
                program,
                reports: &args.reports,
                html: args.html.as_deref(),
            };
            fuzz::fuzz(&with_process, &opts, &args.out, &output)
        }
        Command::Mutants {
            app,
            process,
            scenarios,
            transport,
            reports,
        } => {
            let model = process.register(&mut with_process)?.or(app);
            mutants::mutants(
                &with_process,
                model.as_deref(),
                &scenarios,
                transport.into(),
                &reports,
            )
        }
        Command::Serve {
            fixtures,
            scenario,
            addr,
            limits,
        } => {
            let source = match &scenario {
                Some(file) => serve::Source::Scenario(file),
                None => serve::Source::Folder(&fixtures),
            };
            serve::serve(apps, source, addr, limits)
        }
        Command::Bench(args) => bench::bench(apps, &args),
        Command::Completions { shell } => {
            // Into memory first: `emit` handles a closed pipe (`| head`) as every command does.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), program, &mut script);
            emit(&String::from_utf8_lossy(&script))?;
            Ok(0)
        }
    }
}
