//! The command line's arguments (clap). Every subcommand is documented in its `--help`.

use super::CliError;
use crate::shard::Shard;
use crate::world::Transport;
use bgsim_simulator::sandbox::Storage;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A deterministic test bed for iOS background downloads.
#[derive(Parser)]
#[command(name = "bgsim", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Let scenario files take fixture and expected files from this folder too (by default
    /// only from the scenario's folder and its `fixtures/` folders). Repeatable.
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) allow_path: Vec<PathBuf>,
    /// At most this much on disk in one run's temporary folder (the container and the
    /// daemon's files); past it the run ends, not settled (exit code 3).
    #[arg(long, global = true, value_name = "SIZE", default_value = "4GiB")]
    pub(crate) disk_budget: String,
    /// At most this much resident memory for bgsim while a run goes on; past it the run
    /// ends, not settled (exit code 3), before the system's OOM killer would act.
    #[arg(long, global = true, value_name = "SIZE", default_value = "3GiB")]
    pub(crate) memory_budget: String,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TransportArg {
    /// Real TCP on 127.0.0.1.
    Tcp,
    /// An in-memory pipe (faster; same history).
    Memory,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ContainerArg {
    /// A real temporary folder, removed at the end of the run.
    Disk,
    /// In memory (faster; same history).
    Memory,
}

impl From<ContainerArg> for Storage {
    fn from(c: ContainerArg) -> Storage {
        match c {
            ContainerArg::Disk => Storage::Disk,
            ContainerArg::Memory => Storage::Memory,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// Timelines and verdicts for people.
    Text,
    /// JSON lines: an object per event, per violation, per verdict (docs/json.md).
    Json,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run scenario files (or every .toml below a folder) and judge them.
    ///
    /// Prints each scenario's timeline and verdict. Exit code 0 when every scenario
    /// held, 1 when a check failed, 2 for bad input, 3 when a run did not settle.
    /// The format is documented in docs/scenarios.md.
    #[command(after_help = super::examples::RUN)]
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Run against this app instead of the one the scenario names.
        #[arg(long)]
        app: Option<String>,
        #[command(flatten)]
        process: ProcessArgs,
        /// Use this seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// How the simulated daemon reaches the fixture server.
        #[arg(long, value_enum, default_value = "tcp")]
        transport: TransportArg,
        /// Where the app's container and the daemon's files live during a run.
        #[arg(long, value_enum, default_value = "disk")]
        container: ContainerArg,
        /// Print verdicts only, no timelines.
        #[arg(long, short)]
        quiet: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: FormatArg,
        /// Run only part K of N of the files: the j-th file (from 0, in path order) goes to
        /// part (j mod N) + 1. `count:K/N`, nextest's spelling, works too.
        #[arg(long, value_name = "K/N")]
        partition: Option<Shard>,
        #[command(flatten)]
        reports: ReportArgs,
        /// Also write every run's timeline to FILE, one self-contained HTML page
        /// (docs/reports.md#html-timeline).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// List the apps, the checks, and which scenarios demonstrate which rules.
    #[command(after_help = super::examples::LIST)]
    List {
        /// Folder (or files) of scenarios to index.
        #[arg(long, default_value = "scenarios")]
        scenarios: Vec<PathBuf>,
    },
    /// Run every buggy variant of an app (for the reference app: its mutants, each with one
    /// real bug, and the article's port) against the scenarios: the kill matrix.
    ///
    /// Prints which scenario kills each variant with which check. Exit code 1 when a
    /// variant survives, is caught only by checks its bug is not about, or the correct app
    /// fails a scenario; 2 for bad input; else 0.
    #[command(after_help = super::examples::MUTANTS)]
    Mutants {
        /// The correct app whose variants to run (default: the first app registered with
        /// variants; for bgsim itself, the reference app).
        #[arg(long)]
        app: Option<String>,
        #[command(flatten)]
        process: ProcessArgs,
        /// Folder (or files) of scenarios; those written for the reference app are used.
        #[arg(long, default_value = "scenarios")]
        scenarios: Vec<PathBuf>,
        /// How the simulated daemon reaches the fixture server.
        #[arg(long, value_enum, default_value = "memory")]
        transport: TransportArg,
        #[command(flatten)]
        reports: ReportArgs,
    },
    /// Run generated lifecycles against an app; shrink what fails to a scenario file.
    ///
    /// Each run turns a seed into a scenario (downloads, lifecycle and network steps,
    /// server faults, then a healing phase) and judges it. On a failure the scenario is
    /// shrunk and written to --out, with a replay command. Exit code 0 when nothing was
    /// found, 1 when a check failed, 2 for bad input, 3 when runs did not settle.
    ///
    /// A campaign can run on N machines (--shard K/N, --json) and be summed up after
    /// (`fuzz merge`): docs/campaigns.md.
    #[command(after_help = super::examples::FUZZ)]
    Fuzz(FuzzCommand),
    /// Serve fixture files over HTTP on loopback (ranges, validators, HEAD), until Ctrl-C.
    #[command(after_help = super::examples::SERVE)]
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
        #[command(flatten)]
        limits: ServeLimitArgs,
    },
    /// Measure bgsim's speed and memory against baselines taken in the same invocation
    /// (docs/benchmarks.md). Prints a table, or JSON with --json.
    #[command(after_help = super::examples::BENCH)]
    Bench(super::bench::BenchArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    #[command(after_help = super::examples::COMPLETIONS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// How much `bgsim serve` keeps and allows, so a long run or a misbehaving client cannot
/// exhaust it (docs/http.md#serve-limits).
#[derive(Args, Clone, Copy)]
pub(crate) struct ServeLimitArgs {
    /// Keep the newest N requests in the request journal, dropping older ones; 0 keeps none.
    #[arg(long = "journal", value_name = "N", default_value_t = crate::server::DEFAULT_SERVE_JOURNAL_CAPACITY)]
    pub(crate) journal_entries: usize,
    /// Close a connection whose request head has not arrived whole after this many
    /// milliseconds (also the idle time of a kept-alive connection); 0 waits forever.
    #[arg(long, value_name = "MS", default_value_t = crate::server::DEFAULT_HEADER_TIMEOUT_MS)]
    pub(crate) header_timeout_ms: u64,
    /// Serve at most this many connections at once; one more is answered 503 and closed.
    /// 0: no cap.
    #[arg(long, value_name = "N", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
    pub(crate) max_connections: usize,
}

impl From<TransportArg> for Transport {
    fn from(t: TransportArg) -> Transport {
        match t {
            TransportArg::Tcp => Transport::Tcp,
            TransportArg::Memory => Transport::Memory,
        }
    }
}

/// `bgsim fuzz [OPTIONS]`, or `bgsim fuzz merge FILE...`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct FuzzCommand {
    #[command(subcommand)]
    pub(crate) action: Option<FuzzAction>,
    #[command(flatten)]
    pub(crate) campaign: FuzzArgs,
}

/// What `bgsim fuzz` does instead of a campaign.
#[derive(Subcommand)]
pub(crate) enum FuzzAction {
    /// Merge the `--json` summaries of a campaign's shards into one summary (JSON).
    ///
    /// Refuses summaries of different campaigns (app, seed, --max-steps, --keep-going,
    /// --check-determinism), of different shard counts, or holding the same shard. Exit
    /// code 0 when the shards found nothing, 1 when a check failed, 2 for bad input, 3
    /// when runs did not settle.
    Merge {
        /// Summaries written by `bgsim fuzz --shard K/N --json`.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// The options of a `bgsim fuzz` campaign.
#[derive(Args)]
pub(crate) struct FuzzArgs {
    /// The app under test.
    #[arg(long, default_value = "reference")]
    pub(crate) app: String,
    #[command(flatten)]
    pub(crate) process: ProcessArgs,
    /// How many runs (default 1000 without --time).
    #[arg(long)]
    pub(crate) runs: Option<u64>,
    /// How long to run, as a duration (`30s`, `10m`): wall time, not simulated.
    #[arg(long)]
    pub(crate) time: Option<String>,
    /// The campaign's seed.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Run only shard K of N: run n of the campaign goes to shard (n mod N) + 1, so N
    /// machines given 1/N .. N/N run each of the campaign's runs once. `count:K/N`,
    /// nextest's spelling, works too.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<Shard>,
    /// Print one JSON object summarising the campaign (docs/campaigns.md) instead of the
    /// text summary.
    #[arg(long)]
    pub(crate) json: bool,
    /// Worker threads (default: every core).
    #[arg(long)]
    pub(crate) jobs: Option<usize>,
    /// Go on after a failure; shrink one failure of each signature.
    #[arg(long)]
    pub(crate) keep_going: bool,
    /// Run each case twice in memory and once over TCP; fail on any difference.
    #[arg(long)]
    pub(crate) check_determinism: bool,
    /// Steps of a generated safety phase, at most.
    #[arg(long, default_value_t = 40)]
    pub(crate) max_steps: usize,
    /// Where shrunk failures are written.
    #[arg(long, default_value = "fuzz-failures")]
    pub(crate) out: PathBuf,
    /// Also write the shrunk failure's timeline to FILE, one self-contained HTML page
    /// (docs/reports.md#html-timeline).
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) reports: ReportArgs,
}

/// The reports for CI a command writes besides its output (docs/reports.md).
#[derive(Args, Clone, Debug, Default)]
pub struct ReportArgs {
    /// Also write the verdicts as JUnit XML to FILE (one test case per scenario, buggy app
    /// or fuzz failure), for CI servers.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a Markdown summary to FILE: the verdict table, each failure's
    /// explanation and replay command. With GITHUB_STEP_SUMMARY set, it is appended there too.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
}

/// An app in another language (docs/protocol.md).
#[derive(Args)]
pub(crate) struct ProcessArgs {
    /// Run this program as the app (it speaks docs/protocol.md), instead of a built-in one:
    /// "python3 clients/python/examples/reference_app.py".
    #[arg(long, conflicts_with = "app")]
    pub(crate) app_command: Option<String>,
    /// How long the program may take to answer one message (wall clock), e.g. 30s.
    #[arg(long, requires = "app_command", default_value = "10s")]
    pub(crate) app_timeout: String,
}

impl ProcessArgs {
    /// Registers the program in `apps` (after asking it what it offers); returns its name.
    pub(crate) fn register(&self, apps: &mut crate::registry::Apps) -> Result<Option<String>, CliError> {
        let Some(line) = &self.app_command else {
            return Ok(None);
        };
        let dir = std::env::current_dir()
            .map_err(|e| CliError::input(format!("cannot read the current folder: {e}.")))?;
        let mut command = crate::protocol::AppCommand::parse(line, &dir)
            .map_err(|e| CliError::input(format!("--app-command: {e}.")))?;
        command.timeout = crate::scenario::parse_duration(&self.app_timeout)
            .map_err(|e| CliError::input(format!("--app-timeout: {e}.")))?;
        crate::protocol::register(apps, &command)
            .map(Some)
            .map_err(|e| CliError::input(format!("--app-command: {e}.")))
    }
}

impl FuzzArgs {
    /// The campaign's options; a bad `--time` is bad input.
    pub(crate) fn options(&self) -> Result<crate::fuzz::campaign::Options, CliError> {
        let time = self
            .time
            .as_deref()
            .map(crate::scenario::parse_duration)
            .transpose()
            .map_err(|e| CliError::input(format!("--time: {e}.")))?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(crate::fuzz::campaign::Options {
            app: self.app.clone(),
            runs: self.runs.or(if time.is_none() { Some(1000) } else { None }),
            time,
            seed: self.seed,
            shard: self.shard,
            jobs: self.jobs.unwrap_or(cores).max(1),
            keep_going: self.keep_going,
            check_determinism: self.check_determinism,
            limits: crate::fuzz::generate::Limits {
                max_steps: self.max_steps.max(1),
                ..crate::fuzz::generate::Limits::default()
            },
            shrink_budget: 2000,
        })
    }
}

