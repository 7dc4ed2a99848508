//! Running a scenario: build its world, run it, judge it with the checks, and compare
//! with what the scenario expects.

use crate::check::{self, Evidence, Violation};
use crate::registry::Apps;
use crate::scenario::{FileSource, FixtureSource, Scenario};
use crate::server::{Content, Fixture, FixtureSet};
use crate::world::{self, Run, Transport, World};
use bgsim_simulator::sandbox::Storage;
use bgsim_simulator::{
    Budget, Limits, RunEnd, SimConfig, DEFAULT_DISK_BUDGET_BYTES, DEFAULT_MEMORY_BUDGET_BYTES,
};
use std::sync::OnceLock;

/// The disk and memory budgets of every run of this process (the command line's
/// `--disk-budget` and `--memory-budget`), when set.
static BUDGETS: OnceLock<(u64, u64)> = OnceLock::new();

/// A budget for people: whole MiB when it is at least one, else bytes.
fn mib(bytes: u64) -> String {
    match bytes >> 20 {
        0 => format!("{bytes} bytes"),
        m => format!("{m} MiB"),
    }
}

/// Sets the disk and memory budgets of every later run of this process, once.
pub fn set_budgets(disk_bytes: u64, memory_bytes: u64) {
    let _ = BUDGETS.set((disk_bytes, memory_bytes));
}
use std::io;

/// What to change about a scenario when running it (the CLI's `--app`, `--seed`, ...).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Run against this app instead of the scenario's.
    pub app: Option<String>,
    /// Use this seed instead of the scenario's.
    pub seed: Option<u64>,
    /// TCP (default) or the in-memory pipe.
    pub transport: Transport,
    /// The container on disk (default) or in memory.
    pub storage: Storage,
}

/// The verdict on one scenario run.
#[derive(Debug)]
pub struct Outcome {
    /// The app that ran.
    pub app: String,
    /// The seed used.
    pub seed: u64,
    /// What the run left behind.
    pub run: Run,
    /// Every check that failed.
    pub violations: Vec<Violation>,
    /// Violations of checks the scenario did not expect to fail.
    pub unexpected: Vec<Violation>,
    /// Checks the scenario expected to fail that did not.
    pub missing: Vec<String>,
    /// Expected files that are wrong, in one sentence each.
    pub file_problems: Vec<String>,
    /// What the app's processes wrote to standard error (apps in other languages only).
    pub app_stderr: String,
}

impl Outcome {
    /// The run settled and matched every expectation.
    pub fn passed(&self) -> bool {
        matches!(self.run.end, RunEnd::Quiet | RunEnd::Horizon)
            && self.unexpected.is_empty()
            && self.missing.is_empty()
            && self.file_problems.is_empty()
    }

    /// The run hit its event bound or a budget without settling (exit code 3).
    pub fn unbounded(&self) -> bool {
        matches!(self.run.end, RunEnd::EventLimit | RunEnd::OverBudget(_))
    }

    /// A signal stopped the run before it settled: no verdict on the app.
    pub fn stopped(&self) -> bool {
        self.run.end == RunEnd::Stopped
    }

    /// Why the run did not settle, in one line, if it did not.
    pub fn unsettled_reason(&self) -> Option<String> {
        match self.run.end {
            RunEnd::Quiet | RunEnd::Horizon => None,
            RunEnd::EventLimit => {
                Some("the run did not settle within its event bound (a livelock?)".into())
            }
            RunEnd::OverBudget(Budget::Disk { limit_bytes }) => Some(format!(
                "the run went past its disk budget: more than {} in its temporary folder (--disk-budget)",
                mib(limit_bytes)
            )),
            RunEnd::OverBudget(Budget::Memory { limit_bytes }) => Some(format!(
                "the run went past its memory budget: more than half of {} resident, \
                 the rest kept for judging it (--memory-budget)",
                mib(limit_bytes)
            )),
            RunEnd::OverBudget(Budget::OpenFiles) => Some(format!(
                "the run ran out of file descriptors (limit {}): over TCP each transfer under way \
                 holds two; raise `ulimit -Hn`, or use --transport memory",
                crate::open_files::soft_limit().map_or("unknown".into(), |n| n.to_string())
            )),
            RunEnd::Stopped => Some("stopped by a signal before it settled".into()),
        }
    }
}

/// The fixtures a scenario declares, ready to serve.
pub fn fixture_set(s: &Scenario) -> io::Result<FixtureSet> {
    let mut set = FixtureSet::new();
    for spec in &s.fixtures {
        let fixture = match &spec.source {
            FixtureSource::File(path) => Fixture::file(spec.path.clone(), std::fs::read(path)?),
            FixtureSource::Generated { size_bytes, seed } => {
                Fixture::generated(spec.path.clone(), *size_bytes, *seed)
            }
        };
        set.insert(
            fixture
                .with_accept_ranges(spec.accept_ranges)
                .with_chunked(spec.chunked)
                .with_gzip(spec.gzip),
        );
    }
    Ok(set)
}

/// Runs `scenario` with `overrides` against an app of `apps`, and judges it.
pub fn run_scenario(apps: &Apps, scenario: &Scenario, overrides: &Overrides) -> io::Result<Outcome> {
    let own;
    let (app, spec) = match (&overrides.app, &scenario.app_command) {
        (None, Some(command)) => {
            own = crate::protocol::spec(&scenario.app, command, None);
            (scenario.app.clone(), &own)
        }
        (name, _) => {
            let app = name.clone().unwrap_or_else(|| scenario.app.clone());
            let spec = apps.get(&app).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("unknown app `{app}`"))
            })?;
            (app, spec)
        }
    };
    let seed = overrides.seed.unwrap_or(scenario.seed);
    let mut config = SimConfig {
        seed,
        profile: scenario.profile.clone(),
        network: scenario.network.clone(),
        device: scenario.device.clone(),
        limits: {
            let (disk_budget_bytes, memory_budget_bytes) = BUDGETS
                .get()
                .copied()
                .unwrap_or((DEFAULT_DISK_BUDGET_BYTES, DEFAULT_MEMORY_BUDGET_BYTES));
            Limits {
                stop: crate::interrupt::token(),
                disk_budget_bytes,
                memory_budget_bytes,
                ..Limits::default()
            }
        },
        storage: overrides.storage,
        ..SimConfig::default()
    };
    if let Some(max) = scenario.max_events {
        config.max_events = max;
    }
    let mut world = World::new(spec.factory(&scenario.session))
        .config(config)
        .fixtures(fixture_set(scenario)?)
        .faults(scenario.faults.clone())
        .timeline(scenario.steps.clone())
        .transport(overrides.transport);
    if let Some(horizon) = scenario.horizon {
        world = world.horizon(horizon);
    }
    crate::protocol::take_stderr();
    let _span = tracing::debug_span!("run", file = %scenario.path.display(), app = %app, seed).entered();
    let started = std::time::Instant::now();
    let run = world::run(world)?;
    tracing::debug!(
        events = run.history.len(),
        end = ?run.end,
        wall_ms = started.elapsed().as_millis() as u64,
        "run ended"
    );
    let app_stderr = crate::protocol::take_stderr();
    let evidence = Evidence::new(&run.history, &run.sandbox, &run.server, run.end == RunEnd::Quiet);
    let violations = check::judge(&evidence);
    // A scenario written to show a bug names the buggy app and expects its violations (and
    // its wrong files). Run against another app, only the checks judge it: every one must
    // hold. A scenario that expects a clean run holds any app to its files.
    let shows_a_bug = !scenario.expect.violations.is_empty();
    let own_expectations = app == scenario.app || !shows_a_bug;
    let none = Vec::new();
    let expected = match own_expectations {
        true => &scenario.expect.violations,
        false => &none,
    };
    let unexpected = violations
        .iter()
        .filter(|v| !expected.iter().any(|e| e == v.check))
        .cloned()
        .collect();
    let missing = expected
        .iter()
        .filter(|e| !violations.iter().any(|v| v.check == e.as_str()))
        .cloned()
        .collect();
    let file_problems = match own_expectations {
        true => file_problems(scenario, &evidence)?,
        false => Vec::new(),
    };
    Ok(Outcome {
        app,
        seed,
        violations,
        unexpected,
        missing,
        file_problems,
        app_stderr,
        run,
    })
}

fn file_problems(s: &Scenario, e: &Evidence<'_>) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for (dest, source) in &s.expect.files {
        let content = match source {
            FileSource::Fixture(path) => e
                .server
                .with_fixtures(|set| set.get(path).map(|f| f.current().content.clone())),
            FileSource::File(path) => Some(Content::Bytes(std::fs::read(path)?.into())),
        };
        let Some(content) = content else {
            out.push(format!(
                "expected {dest} from {source:?}, which is not served"
            ));
            continue;
        };
        if let Some(problem) = check::compare_file(e, dest, &content) {
            out.push(format!("expected file: {problem}"));
        }
    }
    for absent in &s.expect.absent {
        if e.sandbox.exists(absent) {
            out.push(format!("expected {absent} not to exist, but it does"));
        }
    }
    Ok(out)
}
