//! Fuzzing an app from the harness: generated lifecycles, each failure shrunk to a small
//! scenario file that replays it (the library side of `bgsim fuzz`).

use super::{Error, Harness};
use crate::fuzz::campaign::{self, Options};
use crate::fuzz::coverage::MARKS;
use crate::fuzz::generate::Limits;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to fuzz one app: which app, how many runs or how long, from which seed, on how many
/// threads. Built with [`Fuzz::app`] and the methods after it.
#[derive(Clone, Debug)]
pub struct Fuzz {
    app: String,
    runs: Option<u64>,
    time: Option<Duration>,
    seed: u64,
    jobs: usize,
    keep_going: bool,
    max_steps: usize,
}

impl Fuzz {
    /// Fuzz `app`: 1,000 runs from seed 1 on every core, stopping at the first failure.
    pub fn app(app: &str) -> Fuzz {
        Fuzz {
            app: app.to_string(),
            runs: Some(1000),
            time: None,
            seed: 1,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            keep_going: false,
            max_steps: Limits::default().max_steps,
        }
    }

    /// At most `runs` runs.
    pub fn runs(mut self, runs: u64) -> Fuzz {
        self.runs = Some(runs);
        self
    }

    /// At most this much wall time (it bounds the campaign; it never reaches inside a
    /// simulation, which runs on virtual time). Without [`Fuzz::runs`], runs are unlimited.
    pub fn time(mut self, budget: Duration) -> Fuzz {
        self.time = Some(budget);
        if self.runs == Some(1000) {
            self.runs = None;
        }
        self
    }

    /// The campaign's seed: the same seed gives the same cases.
    pub fn seed(mut self, seed: u64) -> Fuzz {
        self.seed = seed;
        self
    }

    /// Worker threads.
    pub fn jobs(mut self, jobs: usize) -> Fuzz {
        self.jobs = jobs.max(1);
        self
    }

    /// Goes on after a failure, to find one of each kind (first failed check).
    pub fn keep_going(mut self) -> Fuzz {
        self.keep_going = true;
        self
    }

    /// Steps of a generated case's safety phase, at most (default 40).
    pub fn max_steps(mut self, steps: usize) -> Fuzz {
        self.max_steps = steps.max(1);
        self
    }

    fn options(&self) -> Options {
        Options {
            app: self.app.clone(),
            runs: self.runs,
            time: self.time,
            seed: self.seed,
            shard: None,
            jobs: self.jobs,
            keep_going: self.keep_going,
            check_determinism: false,
            limits: Limits {
                max_steps: self.max_steps,
                ..Limits::default()
            },
            shrink_budget: 2000,
        }
    }
}

/// A failure the fuzzer found, shrunk.
#[derive(Clone, Debug)]
pub struct FuzzFailure {
    /// The first check that failed (or `did-not-settle`).
    pub check: &'static str,
    /// The run that found it.
    pub run: u64,
    /// Steps of the case as generated.
    pub steps_generated: usize,
    /// Steps of the shrunk case.
    pub steps: usize,
    /// The shrunk case as a scenario file for the app that failed.
    pub scenario: String,
    /// A file name for it: `<app>-<check>-run<N>.toml`.
    pub file_name: String,
    program: String,
}

impl FuzzFailure {
    /// Writes the shrunk scenario into `dir` (created if missing); returns its path.
    pub fn write_to(&self, dir: impl AsRef<Path>) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir.as_ref())?;
        let path = dir.as_ref().join(&self.file_name);
        std::fs::write(&path, &self.scenario)?;
        Ok(path)
    }

    /// The command that replays the file written at `path`.
    pub fn replay_command(&self, path: &Path) -> String {
        format!("{} run {}", self.program, path.display())
    }
}

/// What a campaign did.
#[derive(Clone, Debug)]
pub struct FuzzReport {
    /// The app fuzzed.
    pub app: String,
    /// Runs completed.
    pub runs: u64,
    /// Wall time spent.
    pub elapsed: Duration,
    /// The failures found, shrunk: the first one, or one per check with `keep_going`.
    pub failures: Vec<FuzzFailure>,
    /// Each coverage mark (a rare situation) and how many runs reached it.
    pub marks: Vec<(&'static str, u64)>,
}

impl FuzzReport {
    /// Panics with the first failure's shrunk scenario unless the campaign found nothing.
    #[track_caller]
    pub fn assert_clean(&self) {
        if let Some(f) = self.failures.first() {
            panic!(
                "fuzzing {} failed {} at run {} (shrunk from {} to {} steps); save it as {} and replay it with `{}`:\n{}",
                self.app,
                f.check,
                f.run,
                f.steps_generated,
                f.steps,
                f.file_name,
                f.replay_command(Path::new(&f.file_name)),
                f.scenario
            );
        }
    }
}

impl Harness {
    /// Runs a fuzz campaign: generated lifecycles against the app (only the steps its
    /// [`super::Features`] allow), each failure shrunk to a small scenario.
    pub fn fuzz(&self, fuzz: &Fuzz) -> Result<FuzzReport, Error> {
        let Some(spec) = self.apps.get(&fuzz.app) else {
            return Err(Error::UnknownApp(
                self.apps.unknown(&fuzz.app).unwrap_or_default(),
            ));
        };
        let summary =
            campaign::campaign(&self.apps, &fuzz.options(), &|_| {}).map_err(Error::Io)?;
        let failures = (summary.found.iter())
            .map(|f| FuzzFailure {
                check: f.signature,
                run: f.run,
                steps_generated: f.original.timeline().len(),
                steps: f.shrunk.timeline().len(),
                scenario: f.scenario_text(spec, Path::new(".")),
                file_name: f.file_name(&fuzz.app),
                program: self.program.clone(),
            })
            .collect();
        Ok(FuzzReport {
            app: fuzz.app.clone(),
            runs: summary.runs,
            elapsed: summary.elapsed,
            failures,
            marks: MARKS.iter().map(|m| m.name).zip(summary.marks).collect(),
        })
    }
}
