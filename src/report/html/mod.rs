//! `--html FILE`: one self-contained HTML page with the timeline of each run (docs/
//! reports.md#html-timeline). [`model`] turns a history into lanes and marks, [`page`]
//! wraps them with the style and script that draw them; this module collects the runs of
//! a command and writes the file.

pub mod axis;
pub mod model;
pub mod page;
pub mod tasks;

use crate::cli::CliError;
use crate::registry::Apps;
use crate::runner::{run_scenario, Outcome, Overrides};
use crate::scenario::Scenario;
use crate::world::Transport;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One run's part of the page.
#[derive(Serialize)]
pub struct Section {
    pub name: String,
    pub file: String,
    pub app: String,
    pub seed: u64,
    pub passed: bool,
    /// The verdict in one line: PASS, or what failed.
    pub verdict: String,
    pub timeline: model::Timeline,
}

impl Section {
    /// The section of `scenario`'s run.
    pub fn new(scenario: &Scenario, outcome: &Outcome) -> Section {
        let records = outcome.run.history.records();
        let mut verdict = format!(
            "{} events, ends {}",
            records.len(),
            records.last().map(|r| r.at.to_string()).unwrap_or_default()
        );
        if let Some(reason) = outcome.unsettled_reason() {
            verdict.push_str(&format!(" · {reason}"));
        }
        for m in &outcome.missing {
            verdict.push_str(&format!(" · expected check {m} to fail, and it did not"));
        }
        for p in &outcome.file_problems {
            verdict.push_str(&format!(" · {p}"));
        }
        let esc = |s: &str| crate::report::escape(s).into_owned();
        Section {
            name: esc(&scenario.name),
            file: esc(&scenario.path.display().to_string()),
            app: esc(&outcome.app),
            seed: outcome.seed,
            passed: outcome.passed(),
            verdict: esc(&verdict),
            timeline: model::build(
                records,
                &scenario.device,
                &outcome.violations,
                &outcome.unexpected,
            ),
        }
    }
}

#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    note: &'a str,
    scenarios: &'a [Section],
}

/// The page: a heading, a note (why there is nothing to show, say), the sections.
pub fn render(title: &str, note: &str, sections: &[Section]) -> String {
    page::page(&page::embed(&Data {
        title,
        note,
        scenarios: sections,
    }))
}

/// Writes `html` to `path`; a failure names the file.
pub fn write(path: &Path, html: &str) -> Result<(), CliError> {
    std::fs::write(path, html).map_err(|e| cannot_write(path, e))
}

fn cannot_write(path: &Path, e: std::io::Error) -> CliError {
    CliError::input(format!("--html: cannot write {}: {e}.", path.display()))
}

/// The sections of `bgsim run --html FILE`, written when the command ends.
pub struct Collector {
    path: PathBuf,
    sections: Vec<Section>,
}

impl Collector {
    /// Creates (empties) the file at once: a path that cannot be written is reported
    /// before any scenario runs, not after.
    pub fn create(path: &Path) -> Result<Collector, CliError> {
        std::fs::File::create(path).map_err(|e| cannot_write(path, e))?;
        Ok(Collector {
            path: path.to_path_buf(),
            sections: Vec::new(),
        })
    }

    /// Adds one run.
    pub fn add(&mut self, scenario: &Scenario, outcome: &Outcome) {
        self.sections.push(Section::new(scenario, outcome));
    }

    /// Writes the page: every run added, failed ones and passed ones, in order.
    pub fn finish(self) -> Result<(), CliError> {
        let failed = self.sections.iter().filter(|s| !s.passed).count();
        let title = format!(
            "bgsim run: {} passed, {failed} failed",
            self.sections.len() - failed
        );
        let note = match self.sections.len() {
            0 => "No scenario ran.",
            _ => "",
        };
        write(&self.path, &render(&title, note, &self.sections))
    }
}

/// `bgsim fuzz --html FILE`: the page of the first shrunk failure in `failures` (scenario
/// files as written to `--out`), replayed in memory; a page saying nothing failed if none.
pub fn fuzz_page(apps: &Apps, failures: &[PathBuf], path: &Path) -> Result<(), CliError> {
    let Some(file) = failures.first() else {
        let html = render("bgsim fuzz: no failure", "Nothing failed: no run to show.", &[]);
        return write(path, &html);
    };
    let scenario = crate::scenario::load(file, &apps.known())
        .map_err(|e| CliError::input(format!("--html: {e}")))?;
    let memory = Overrides {
        transport: Transport::Memory,
        storage: bgsim_simulator::sandbox::Storage::Memory,
        ..Overrides::default()
    };
    let outcome = run_scenario(apps, &scenario, &memory).map_err(|e| CliError {
        message: format!("--html: {}: the replay failed: {e}.", file.display()),
        code: 1,
    })?;
    let note = crate::report::escape(&format!(
        "The shrunk failure {}, replayed (replay it with `bgsim run {}`).",
        file.display(),
        file.display()
    ))
    .into_owned();
    let sections = [Section::new(&scenario, &outcome)];
    write(path, &render("bgsim fuzz: shrunk failure", &note, &sections))
}
