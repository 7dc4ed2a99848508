//! The harness: put your own download code through every lifecycle bgsim can produce.
//!
//! This module is all a team needs: it re-exports the SDK an app is written against
//! ([`App`], [`DownloadDelegate`], [`AppContext`]...), registers apps under names
//! ([`Harness::app`], [`AppSpec`]), runs scenario files, folders of them or scenarios built
//! in code ([`Harness::run_file`], [`Harness::run_dir`], [`Harness::run`]), fuzzes an app
//! ([`Harness::fuzz`]), runs the kill matrix of an app's buggy variants
//! ([`Harness::kill_matrix`]), turns a folder of scenarios into one `cargo test` test each
//! ([`Harness::test_main`]), and is the whole `bgsim` command line for your apps
//! ([`Harness::main`]).
//!
//! ```no_run
//! use bgsim::harness::Harness;
//! # use bgsim::harness::*;
//! # #[derive(Default)] struct MyApp;
//! # impl App for MyApp {
//! #     fn did_finish_launching(&mut self, _: &mut AppContext<'_>, _: &LaunchOptions) {}
//! #     fn handle_events_for_background_session(&mut self, _: &mut AppContext<'_>, _: &str, _: CompletionHandler) {}
//! #     fn user_tapped_download(&mut self, _: &mut AppContext<'_>, _: &str, _: &str) {}
//! # }
//!
//! #[test]
//! fn survives_a_system_kill() {
//!     let harness = Harness::new().app("mine", MyApp::default).against("mine");
//!     let verdict = harness
//!         .run_file("scenarios/t1-system-kill-batched-relaunch.toml")
//!         .unwrap();
//!     verdict.assert_passed(); // fails with the check, its explanation, the events, the replay
//! }
//! ```
//!
//! A run is deterministic: the same scenario and seed give the same history, byte for byte.

mod build;
mod error;
mod fuzzing;
mod trials;
mod verdict;

pub use crate::apps::SessionSettings;
pub use crate::kill_matrix::{Kill, Matrix, Row, Suspect};
pub use crate::registry::{AppSpec, Features};
pub use crate::scenario::{
    Expect, FileSource, FixtureSource, FixtureSpec, Scenario, ScenarioError,
};
pub use crate::world::{fixture_url, Transport, FIXTURE_HOST};
pub use bgsim_simulator::app::{
    AuthChallenge, AuthDisposition, ChallengeHandler, Exception, HttpResponse, LaunchOptions,
    Queue, ResumeData, SessionConfig, SessionHandle, TaskInfo, TaskKey, TaskKind, TaskState,
    UploadMethod, UrlError,
};
pub use bgsim_simulator::sandbox::FsError;
pub use bgsim_simulator::{
    Action, App, AppContext, AppState, CompletionHandler, DeviceConfig, DownloadDelegate,
    NetworkConfig, Profile, SimTime, UserCommand,
};
pub use build::ScenarioBuilder;
pub use error::Error;
pub use fuzzing::{Fuzz, FuzzFailure, FuzzReport};
pub use verdict::{Event, Verdict, Violation};

use crate::registry::Apps;
use crate::runner::{run_scenario, Overrides};
use crate::scenario;
use std::path::{Path, PathBuf};

/// A set of apps under test and how to run them. Cheap to clone; `Send` and `Sync`, so a
/// test binary can share one across threads.
#[derive(Clone, Debug)]
pub struct Harness {
    apps: Apps,
    against: Option<String>,
    seed: Option<u64>,
    transport: Transport,
    program: String,
}

impl Default for Harness {
    fn default() -> Harness {
        Harness::new()
    }
}

impl Harness {
    /// A harness knowing bgsim's built-in apps (`reference`, the model answer; `article`,
    /// the seed article's code; the mutants), so the shipped scenarios load as they are.
    /// Runs use the in-memory transport; replay lines start with `bgsim`.
    pub fn new() -> Harness {
        Harness {
            apps: Apps::builtin(),
            against: None,
            seed: None,
            transport: Transport::Memory,
            program: "bgsim".to_string(),
        }
    }

    /// Registers an app under `name`: `make` builds a fresh app object for every launch,
    /// as a relaunch does on iOS (the old object, the process's memory, is gone). The app
    /// gets only `download` and the lifecycle, network and device steps when fuzzed; use
    /// [`Harness::register`] with [`AppSpec::features`] to offer more.
    pub fn app<A, F>(self, name: &str, make: F) -> Harness
    where
        A: App + 'static,
        F: Fn() -> A + Send + Sync + 'static,
    {
        self.register(AppSpec::new(name, make))
    }

    /// Registers an app described in full (features, session identifier, or a buggy
    /// variant of another app for the kill matrix), replacing one of the same name.
    pub fn register(mut self, spec: AppSpec) -> Harness {
        self.apps.add(spec);
        self
    }

    /// Runs every scenario against `app`, whatever app the scenario names (the CLI's
    /// `--app`).
    pub fn against(mut self, app: &str) -> Harness {
        self.against = Some(app.to_string());
        self
    }

    /// Runs every scenario with `seed` instead of its own (the CLI's `--seed`).
    pub fn seed(mut self, seed: u64) -> Harness {
        self.seed = Some(seed);
        self
    }

    /// How the simulated daemon reaches the fixture server: the in-memory pipe (the
    /// default here) or real TCP on 127.0.0.1. Both give the same history.
    pub fn transport(mut self, transport: Transport) -> Harness {
        self.transport = transport;
        self
    }

    /// The command that replay lines start with (`bgsim`, `cargo run --bin my-bgsim --`).
    pub fn program(mut self, program: &str) -> Harness {
        self.program = program.to_string();
        self
    }

    /// Lets scenario files take fixture and expected files from `dir` too (by default only
    /// from the scenario's folder and the `fixtures/` folders of it and the folders above).
    pub fn allow_path(mut self, dir: impl AsRef<Path>) -> Harness {
        self.apps.allow_path(dir.as_ref());
        self
    }

    /// The names of the registered apps, in registration order (built-ins first).
    pub fn app_names(&self) -> Vec<&str> {
        self.apps.names()
    }

    /// Parses scenario `text` (TOML, the format of docs/scenarios.md); `path` names it in
    /// errors and anchors its relative file paths.
    pub fn parse(&self, text: &str, path: impl AsRef<Path>) -> Result<Scenario, Error> {
        Ok(scenario::parse(text, path.as_ref(), &self.apps.known())?)
    }

    /// Loads the scenario file at `path`.
    pub fn load(&self, path: impl AsRef<Path>) -> Result<Scenario, Error> {
        Ok(scenario::load(path.as_ref(), &self.apps.known())?)
    }

    /// Runs the scenario file at `path` and judges it.
    pub fn run_file(&self, path: impl AsRef<Path>) -> Result<Verdict, Error> {
        self.run(&self.load(path)?)
    }

    /// Runs every `*.toml` file below `dir` (sorted), stopping at the first that does not
    /// load.
    pub fn run_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<Verdict>, Error> {
        (scenario_files(&[dir.as_ref()])?.iter())
            .map(|f| self.run_file(f))
            .collect()
    }

    /// Runs `scenario` (loaded, parsed or built with [`Scenario::builder`]) and judges it.
    pub fn run(&self, scenario: &Scenario) -> Result<Verdict, Error> {
        let overrides = self.overrides();
        let app = overrides
            .app
            .clone()
            .unwrap_or_else(|| scenario.app.clone());
        if let Some(unknown) = self.apps.unknown(&app) {
            return Err(Error::UnknownApp(unknown));
        }
        let outcome = run_scenario(&self.apps, scenario, &overrides)
            .map_err(|e| Error::Io(format!("{}: the run failed: {e}", scenario.path.display())))?;
        Ok(Verdict::new(scenario, &outcome, self.replay_line(scenario)))
    }

    /// The kill matrix of `model`: every app registered as its buggy variant
    /// ([`AppSpec::variant_of`]) against every scenario file below `paths`. It holds when
    /// `model` passes them all and each variant is caught by a check its bug is about.
    pub fn kill_matrix(&self, model: &str, paths: &[impl AsRef<Path>]) -> Result<Matrix, Error> {
        if let Some(unknown) = self.apps.unknown(model) {
            return Err(Error::UnknownApp(unknown));
        }
        let paths: Vec<&Path> = paths.iter().map(AsRef::as_ref).collect();
        let mut scenarios = Vec::new();
        for file in scenario_files(&paths)? {
            let stem = file.file_stem().map_or_else(
                || file.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            scenarios.push((stem, self.load(&file)?));
        }
        let suspects = crate::kill_matrix::suspects(&self.apps, model);
        crate::kill_matrix::build(&self.apps, model, &scenarios, &suspects, self.transport)
            .map_err(Error::Io)
    }

    /// Runs the `bgsim` command line (run, list, fuzz, mutants, serve) with these apps: a
    /// team's own `bgsim` is a `main` of one line.
    ///
    /// ```no_run
    /// # #[derive(Default)] struct MyApp;
    /// # use bgsim::harness::*;
    /// # impl App for MyApp {
    /// #     fn did_finish_launching(&mut self, _: &mut AppContext<'_>, _: &LaunchOptions) {}
    /// #     fn handle_events_for_background_session(&mut self, _: &mut AppContext<'_>, _: &str, _: CompletionHandler) {}
    /// #     fn user_tapped_download(&mut self, _: &mut AppContext<'_>, _: &str, _: &str) {}
    /// # }
    /// fn main() -> std::process::ExitCode {
    ///     bgsim::harness::Harness::new().app("mine", MyApp::default).main()
    /// }
    /// ```
    pub fn main(self) -> std::process::ExitCode {
        crate::cli::main(&self.apps)
    }

    pub(crate) fn overrides(&self) -> Overrides {
        Overrides {
            app: self.against.clone(),
            seed: self.seed,
            transport: self.transport,
            storage: Default::default(),
        }
    }

    /// The command that replays `scenario` as this harness runs it.
    fn replay_line(&self, scenario: &Scenario) -> String {
        let mut line = format!("{} run {}", self.program, scenario.path.display());
        if let Some(app) = self.against.as_ref().filter(|a| **a != scenario.app) {
            line.push_str(&format!(" --app {app}"));
        }
        if let Some(seed) = self.seed.filter(|s| *s != scenario.seed) {
            line.push_str(&format!(" --seed {seed}"));
        }
        line
    }
}

/// Every scenario file named by `paths`: files as they are, folders searched for `*.toml`
/// (sorted).
pub(crate) fn scenario_files(paths: &[&Path]) -> Result<Vec<PathBuf>, Error> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    crate::cli::run::expand(&paths).map_err(|e| Error::Io(e.message))
}
