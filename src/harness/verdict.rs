//! The verdict on one scenario run, as plain values: what failed, why, the history events
//! that show it, the whole history, and the command that replays it.

use crate::check;
use crate::report::text::{self, Style};
use crate::runner::Outcome;
use crate::scenario::Scenario;
use std::fmt;
use std::path::PathBuf;

/// One history event a violation points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Its position in the history (`#43` is 43).
    pub index: usize,
    /// The event as the history renders it.
    pub line: String,
}

/// A check that failed on a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The check's ID (`handler-main-queue`).
    pub check: &'static str,
    /// What the check requires, in one line.
    pub statement: &'static str,
    /// What happened, in one sentence.
    pub message: String,
    /// Why it matters on a phone, citing the rules of docs/rules.md.
    pub explanation: &'static str,
    /// The history events that show it, in order.
    pub events: Vec<Event>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.check, self.statement)?;
        writeln!(f, "  {}", self.message)?;
        let why: Vec<&str> = self.explanation.split_whitespace().collect();
        write!(f, "  why: {}", why.join(" "))?;
        for e in &self.events {
            write!(f, "\n    {}", e.line)?;
        }
        Ok(())
    }
}

/// The verdict on one run of one scenario against one app.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The scenario's one-line name.
    pub name: String,
    /// The file it came from (for a scenario built in code, the name it was given).
    pub file: PathBuf,
    /// The app that ran.
    pub app: String,
    /// The seed used.
    pub seed: u64,
    /// The run settled and met every expectation of the scenario.
    pub passed: bool,
    /// False when the run hit its event bound without settling (exit code 3 in the CLI).
    pub settled: bool,
    /// Every check that failed, in catalogue order, expected or not.
    pub violations: Vec<Violation>,
    /// The checks that failed that the scenario did not expect to.
    pub unexpected: Vec<&'static str>,
    /// The checks the scenario expected to fail that did not.
    pub missing: Vec<String>,
    /// Expected files (`[expect] files`, `absent`) that are wrong, a sentence each.
    pub file_problems: Vec<String>,
    /// The whole history, one event per line.
    pub history: String,
    /// A hash of the history: equal hashes, equal histories (determinism).
    pub history_hash: u64,
    /// The command that replays this run.
    pub replay: String,
    /// The verdict as `bgsim run --quiet` prints it (without colour).
    pub report: String,
}

impl Verdict {
    pub(crate) fn new(scenario: &Scenario, outcome: &Outcome, replay: String) -> Verdict {
        let records = outcome.run.history.records();
        let event = |&i: &usize| {
            (records.get(i)).map(|r| Event {
                index: i,
                line: r.to_string(),
            })
        };
        let violation = |v: &check::Violation| {
            let c = check::find(v.check).expect("violations come from the catalogue");
            Violation {
                check: c.id,
                statement: c.statement,
                message: v.message.clone(),
                explanation: c.explanation,
                events: v.events.iter().filter_map(event).collect(),
            }
        };
        Verdict {
            name: scenario.name.clone(),
            file: scenario.path.clone(),
            app: outcome.app.clone(),
            seed: outcome.seed,
            passed: outcome.passed(),
            settled: !outcome.unbounded(),
            violations: outcome.violations.iter().map(violation).collect(),
            unexpected: outcome.unexpected.iter().map(|v| v.check).collect(),
            missing: outcome.missing.clone(),
            file_problems: outcome.file_problems.clone(),
            history: outcome.run.history.render(),
            history_hash: outcome.run.history.hash(),
            report: text::render(scenario, outcome, true, Style { colour: false }),
            replay,
        }
    }

    /// The IDs of every check that failed, in catalogue order.
    pub fn failed_checks(&self) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = self.violations.iter().map(|v| v.check).collect();
        ids.dedup();
        ids
    }

    /// The failure as a person reads it: the report (each failed check with its
    /// explanation and events) and the command that replays it.
    pub fn failure_message(&self) -> String {
        format!("{}  replay: {}\n", self.report, self.replay)
    }

    /// Panics, with [`Verdict::failure_message`], unless the run passed: the assertion for
    /// a `#[test]`.
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.passed {
            panic!(
                "scenario {} failed against {}:\n{}",
                self.file.display(),
                self.app,
                self.failure_message()
            );
        }
    }

    /// Panics unless check `id` failed on the run: the assertion for a test that a buggy
    /// app is caught by the check its bug is about.
    #[track_caller]
    pub fn assert_caught_by(&self, id: &str) {
        if !self.violations.iter().any(|v| v.check == id) {
            panic!(
                "expected check {id} to catch {} on {}, but it did not:\n{}",
                self.app,
                self.file.display(),
                self.failure_message()
            );
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report)
    }
}
