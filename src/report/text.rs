//! The text report: a scenario's timeline, then its verdict, with each failed check
//! explained and the history events that show it.

use super::escape;
use crate::check;
use crate::runner::Outcome;
use crate::scenario::Scenario;
use std::fmt::Write;

/// ANSI styling, on only when asked (a terminal, and NO_COLOR unset).
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Whether to emit colour codes.
    pub colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn red(&self, t: &str) -> String {
        self.paint("31;1", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32;1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
}

/// The report for one scenario. With `quiet`, only the verdict.
pub fn render(scenario: &Scenario, outcome: &Outcome, quiet: bool, style: Style) -> String {
    let mut out = String::new();
    let header = format!(
        "== {}: {} (app {}, seed {})",
        scenario.path.display(),
        scenario.name,
        outcome.app,
        outcome.seed
    );
    if !quiet {
        let _ = writeln!(out, "{}", escape(&header));
        for r in outcome.run.history.records() {
            let _ = writeln!(out, "{}", style.dim(&escape(&r.to_string())));
        }
    }
    let records = outcome.run.history.records();
    let summary = escape(&format!(
        "{} ({} events, ends {})",
        scenario.path.display(),
        records.len(),
        records.last().map(|r| r.at.to_string()).unwrap_or_default()
    ))
    .into_owned();
    if outcome.passed() {
        let expected = if scenario.expect.violations.is_empty() {
            String::new()
        } else {
            format!(
                ", expected violations: {}",
                scenario.expect.violations.join(", ")
            )
        };
        let _ = writeln!(out, "{} {summary}{expected}", style.green("PASS"));
        app_stderr(&mut out, outcome);
        return out;
    }
    let _ = writeln!(out, "{} {summary}", style.red("FAIL"));
    if let Some(reason) = outcome.unsettled_reason() {
        let _ = writeln!(out, "  {} {reason}", style.red("✗"));
    }
    for v in &outcome.unexpected {
        let c = check::find(v.check).expect("violations come from the catalogue");
        let _ = writeln!(out, "  {} {}: {}", style.red("✗"), c.id, c.statement);
        let _ = writeln!(out, "    {}", escape(&v.message));
        let _ = writeln!(
            out,
            "    why: {}",
            c.explanation
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
        for &e in &v.events {
            if let Some(r) = records.get(e) {
                let _ = writeln!(out, "      {}", escape(&r.to_string()));
            }
        }
    }
    for m in &outcome.missing {
        let _ = writeln!(
            out,
            "  {} expected check {m} to fail, and it did not",
            style.red("✗")
        );
    }
    for p in &outcome.file_problems {
        let _ = writeln!(out, "  {} {}", style.red("✗"), escape(p));
    }
    app_stderr(&mut out, outcome);
    out
}

/// What an app in another language wrote to standard error, after its verdict.
fn app_stderr(out: &mut String, outcome: &Outcome) {
    if outcome.app_stderr.is_empty() {
        return;
    }
    out.push_str("  app stderr:\n");
    for line in outcome.app_stderr.lines() {
        let _ = writeln!(out, "    {}", escape(line));
    }
}
