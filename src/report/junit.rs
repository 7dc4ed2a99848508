//! JUnit XML (`--junit FILE`, docs/reports.md#junit-xml) for `run`, `mutants` and `fuzz`,
//! in the Jenkins dialect CI servers read (tests/data/junit.xsd). The file depends only on
//! the inputs: times are 0 (a wall clock would make two runs of the same scenarios differ,
//! and virtual time reads as hours of CI), and there is no timestamp and no host name.

use super::verdict::{describe, shell_word, Status, Verdict};
use crate::check;
use crate::fuzz::campaign::{case_seed, Options, Summary};
use crate::kill_matrix::Matrix;
use crate::scenario::Scenario;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::path::PathBuf;
use std::time::Duration;

/// One test case of a report, whatever the command.
#[derive(Clone, Debug)]
pub struct Case {
    /// The test's name: a scenario, a buggy app, a fuzz failure.
    pub name: String,
    /// Its group (JUnit's classname): a scenario's file, the app whose variants ran...
    pub classname: String,
    /// None when it passed.
    pub problem: Option<Problem>,
}

/// Why a case did not pass.
#[derive(Clone, Debug)]
pub struct Problem {
    /// An `error` (bad input: no verdict on the app) rather than a `failure`.
    pub error: bool,
    /// The check that fired, or what kind of problem it is (`unsettled`, `survived`...).
    pub kind: String,
    /// The explanation, one sentence.
    pub message: String,
    /// The details: history events, why it matters, where the shrunk scenario is.
    pub details: String,
    /// The command that replays it (empty when there is none).
    pub replay: String,
}

/// The cases of `bgsim run`: one per scenario file.
pub fn run_cases(verdicts: &[Verdict]) -> Vec<Case> {
    let case = |v: &Verdict| Case {
        name: v.name.clone(),
        classname: v.file.clone(),
        problem: match &v.status {
            Status::Passed => None,
            Status::Failed(findings) => Some(Problem {
                error: false,
                kind: findings[0].kind.clone(),
                message: match findings.len() {
                    1 => findings[0].message.clone(),
                    n => format!("{} (and {} more)", findings[0].message, n - 1),
                },
                details: describe(findings),
                replay: v.replay.clone(),
            }),
            Status::NotLoaded(why) => Some(Problem {
                error: true,
                kind: "bad-input".into(),
                message: why.clone(),
                details: String::new(),
                replay: String::new(),
            }),
        },
    };
    verdicts.iter().map(case).collect()
}

/// The cases of `bgsim mutants`: one per buggy variant (it passes when a check its bug is
/// about caught it), and one for the correct app (it passes when it passes every scenario).
/// `paths` are the `--scenarios` paths, `scenarios` the files loaded from them.
pub fn matrix_cases(
    m: &Matrix,
    paths: &[PathBuf],
    scenarios: &[(String, Scenario)],
    program: &str,
) -> Vec<Case> {
    let file_of = |stem: &str| {
        (scenarios.iter())
            .find(|(s, _)| s == stem)
            .map_or_else(|| stem.to_string(), |(_, s)| s.path.display().to_string())
    };
    let all: Vec<String> = paths.iter().map(|p| shell_word(&p.display().to_string())).collect();
    let mut cases = Vec::new();
    for r in &m.rows {
        let expected = r.mutant.caught_by.join(", ");
        let problem = match (r.by_its_checks(), r.kills.first()) {
            (Some(_), _) => None,
            (None, None) => Some(Problem {
                error: false,
                kind: "survived".into(),
                message: format!(
                    "no scenario caught {}; expected one of these checks to catch it: {expected}",
                    r.mutant.name
                ),
                details: format!("scenarios run: {}; no check fired\n", m.scenarios.len()),
                replay: format!(
                    "{program} run {} --app {}",
                    all.join(" "),
                    shell_word(&r.mutant.name)
                ),
            }),
            (None, Some(first)) => Some(Problem {
                error: false,
                kind: "off-target".into(),
                message: format!(
                    "{} was caught only by checks its bug is not about \
                     (expected one of: {expected})",
                    r.mutant.name
                ),
                details: (r.kills.iter())
                    .map(|k| format!("{}: {}\n", k.scenario, k.checks.join(", ")))
                    .collect(),
                replay: format!(
                    "{program} run {} --app {}",
                    shell_word(&file_of(&first.scenario)),
                    shell_word(&r.mutant.name)
                ),
            }),
        };
        cases.push(Case {
            name: r.mutant.name.clone(),
            classname: format!("mutants of {}", m.model),
            problem,
        });
    }
    let model = m.reference_failures.first().map(|(first, _)| Problem {
        error: false,
        kind: "model-failed".into(),
        message: format!(
            "the correct app {} fails {} of {} scenarios",
            m.model,
            m.reference_failures.len(),
            m.scenarios.len()
        ),
        details: (m.reference_failures.iter())
            .map(|(s, why)| format!("{s}: {why}\n"))
            .collect(),
        replay: format!(
            "{program} run {} --app {}",
            shell_word(&file_of(first)),
            shell_word(&m.model)
        ),
    });
    cases.push(Case {
        name: m.model.clone(),
        classname: format!("the correct app, {}", m.model),
        problem: model,
    });
    cases
}

/// What the catalogue says of a fuzz signature: its statement and why it matters.
fn signature_text(signature: &str) -> (String, String) {
    match check::find(signature) {
        Some(c) => (
            c.statement.to_string(),
            c.explanation.split_whitespace().collect::<Vec<_>>().join(" "),
        ),
        None if signature == crate::fuzz::campaign::DID_NOT_SETTLE => (
            "the run did not settle within its event bound".into(),
            "a livelock: the app and the daemon keep each other busy forever".into(),
        ),
        None => (
            "the same case gave different histories".into(),
            "a run must depend only on its scenario and seed".into(),
        ),
    }
}

/// The cases of a `bgsim fuzz` campaign: one per failure found (by signature), written to
/// `written`; or one passing case for the campaign when nothing failed. No run counts in
/// failures: with several workers, how many runs finish after the first failure varies.
pub fn fuzz_cases(opts: &Options, s: &Summary, written: &[PathBuf], program: &str) -> Vec<Case> {
    let classname = format!("fuzz {} (seed {})", opts.app, opts.seed);
    if s.found.is_empty() {
        return vec![Case {
            name: format!("{} runs of {}, seed {}: no failure", s.runs, opts.app, opts.seed),
            classname,
            problem: None,
        }];
    }
    (s.found.iter().zip(written))
        .map(|(f, path)| {
            let (statement, why) = signature_text(f.signature);
            let path = path.display().to_string();
            Case {
                name: format!("{} (run {})", f.signature, f.run),
                classname: classname.clone(),
                problem: Some(Problem {
                    error: false,
                    kind: f.signature.to_string(),
                    message: statement,
                    details: format!(
                        "found by run {} (case seed {}), shrunk from {} to {} steps\n  \
                         why: {why}\nshrunk scenario: {path}\n",
                        f.run,
                        case_seed(opts.seed, f.run),
                        f.original.timeline().len(),
                        f.shrunk.timeline().len(),
                    ),
                    replay: format!("{program} run {}", shell_word(&path)),
                }),
            }
        })
        .collect()
}

/// The cases of a `bgsim fuzz` that stopped at failures kept from an earlier campaign:
/// one per kept file that still fails, with the first check that fires on it.
pub fn kept_cases(app: &str, still_failing: &[(PathBuf, String)], program: &str) -> Vec<Case> {
    (still_failing.iter())
        .map(|(path, check)| {
            let (statement, why) = signature_text(check);
            let path = path.display().to_string();
            Case {
                name: format!("kept failure {path}"),
                classname: format!("fuzz {app}"),
                problem: Some(Problem {
                    error: false,
                    kind: check.clone(),
                    message: statement,
                    details: format!("  why: {why}\nkept scenario: {path}\n"),
                    replay: format!("{program} run {}", shell_word(&path)),
                }),
            }
        })
        .collect()
}

/// `cases` as one JUnit XML document holding one test suite named `suite`.
pub fn render(suite: &str, cases: &[Case]) -> Result<String, String> {
    let mut test_suite = TestSuite::new(suite);
    test_suite.set_time(Duration::ZERO);
    for c in cases {
        let status = match &c.problem {
            None => TestCaseStatus::success(),
            Some(p) => {
                let kind = match p.error {
                    true => NonSuccessKind::Error,
                    false => NonSuccessKind::Failure,
                };
                let mut status = TestCaseStatus::non_success(kind);
                status.set_type(p.kind.as_str());
                status.set_message(p.message.as_str());
                let mut text = p.details.clone();
                if !p.replay.is_empty() {
                    text.push_str(&format!("replay: {}\n", p.replay));
                }
                if !text.is_empty() {
                    status.set_description(text);
                }
                status
            }
        };
        let mut case = TestCase::new(c.name.as_str(), status);
        case.set_classname(c.classname.as_str()).set_time(Duration::ZERO);
        test_suite.add_test_case(case);
    }
    let mut report = Report::new("bgsim");
    report.set_time(Duration::ZERO).add_test_suite(test_suite);
    let xml = report
        .to_string()
        .map_err(|e| format!("cannot write the JUnit XML: {e}"))?;
    Ok(without_root_skipped(xml))
}

/// quick-junit writes `skipped="0"` on `<testsuites>`, an attribute the Jenkins schema
/// (junit-10.xsd) does not allow there: Jenkins' xUnit plugin would reject the file. bgsim
/// never skips a test, so the count is always 0 and the attribute says nothing; the counts
/// of each `<testsuite>` stay.
fn without_root_skipped(xml: String) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml;
    };
    let end = start + xml[start..].find('>').unwrap_or(0);
    match xml[start..end].find(" skipped=\"0\"") {
        Some(at) => {
            let at = start + at;
            format!("{}{}", &xml[..at], &xml[at + " skipped=\"0\"".len()..])
        }
        None => xml,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_loses_only_its_skipped_count() {
        let cases = [Case {
            name: "a".into(),
            classname: "b".into(),
            problem: None,
        }];
        let xml = render("s", &cases).unwrap();
        let root = xml.lines().find(|l| l.starts_with("<testsuites")).unwrap();
        assert!(!root.contains("skipped"), "{root}");
        assert!(xml.contains("<testsuite name=\"s\" tests=\"1\" skipped=\"0\""), "{xml}");
    }
}
