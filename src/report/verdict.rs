//! A scenario's verdict reduced to what the CI reports show (JUnit XML, the Markdown
//! summary): plain strings, so a long `bgsim run` does not keep every history in memory
//! until the end, where the reports are written.

use crate::check;
use crate::runner::Outcome;
use crate::scenario::Scenario;
use std::path::Path;

/// One scenario file's verdict.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The scenario file, as named on the command line (folders expanded).
    pub file: String,
    /// The scenario's name (the file's path when it did not load).
    pub name: String,
    /// The app that ran (empty when the file did not load).
    pub app: String,
    /// How many events the history holds.
    pub events: usize,
    /// Passed, failed (and why), or not loaded.
    pub status: Status,
    /// The command that replays the run (empty when the file did not load).
    pub replay: String,
}

/// How a scenario ended.
#[derive(Clone, Debug)]
pub enum Status {
    /// Settled and matched every expectation.
    Passed,
    /// Failed: at least one finding.
    Failed(Vec<Finding>),
    /// The file is bad input (or its run could not start): the sentence saying why.
    NotLoaded(String),
}

/// One reason a scenario failed.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The check that fired, or `unsettled`, `missing-violation`, `expected-file`.
    pub kind: String,
    /// What went wrong on this run, in one sentence.
    pub message: String,
    /// Why it matters on a phone (the check's explanation), for checks.
    pub why: Option<String>,
    /// The history lines of the events that show it.
    pub events: Vec<String>,
}

impl Verdict {
    /// The verdict on `outcome`, a run of `scenario`; `replay` replays it.
    pub fn judged(scenario: &Scenario, outcome: &Outcome, replay: String) -> Verdict {
        let records = outcome.run.history.records();
        let mut findings = Vec::new();
        if let Some(reason) = outcome.unsettled_reason() {
            findings.push(Finding {
                kind: "unsettled".into(),
                message: reason,
                why: None,
                events: Vec::new(),
            });
        }
        for v in &outcome.unexpected {
            findings.push(Finding {
                kind: v.check.to_string(),
                message: v.message.clone(),
                why: check::find(v.check)
                    .map(|c| c.explanation.split_whitespace().collect::<Vec<_>>().join(" ")),
                events: (v.events.iter())
                    .filter_map(|&e| records.get(e).map(|r| r.to_string()))
                    .collect(),
            });
        }
        for m in &outcome.missing {
            findings.push(Finding {
                kind: "missing-violation".into(),
                message: format!("expected check {m} to fail, and it did not"),
                why: None,
                events: Vec::new(),
            });
        }
        for p in &outcome.file_problems {
            findings.push(Finding {
                kind: "expected-file".into(),
                message: p.clone(),
                why: None,
                events: Vec::new(),
            });
        }
        // `passed()` is the one definition of a pass; the findings only explain a failure.
        let status = match outcome.passed() || findings.is_empty() {
            true => Status::Passed,
            false => Status::Failed(findings),
        };
        Verdict {
            file: scenario.path.display().to_string(),
            name: scenario.name.clone(),
            app: outcome.app.clone(),
            events: records.len(),
            status,
            replay,
        }
    }

    /// A file that did not load (or whose run could not start), and why.
    pub fn not_loaded(file: &Path, why: String) -> Verdict {
        Verdict {
            file: file.display().to_string(),
            name: file.display().to_string(),
            app: String::new(),
            events: 0,
            status: Status::NotLoaded(why),
            replay: String::new(),
        }
    }
}

/// `word` as one shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes, so a replay command pasted into a shell runs the
/// same file whatever its path holds.
pub fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The failure's text for people: each finding, why it matters, its events.
pub fn describe(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{}: {}\n", f.kind, f.message));
        if let Some(why) = &f.why {
            out.push_str(&format!("  why: {why}\n"));
        }
        if !f.events.is_empty() {
            out.push_str("  events:\n");
            for e in &f.events {
                out.push_str(&format!("    {e}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("scenarios/t1.toml"), "scenarios/t1.toml");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("`x`|y"), "'`x`|y'");
        assert_eq!(shell_word(""), "''");
    }
}
