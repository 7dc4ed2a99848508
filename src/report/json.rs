//! The JSON-lines report (docs/json.md, docs/json.schema.json): for each scenario, one
//! object per history event, one per violation, then its verdict; after the last scenario,
//! a summary. Every object has a `type`; verdicts and the summary carry the schema version.
//! Field names are stable: a change that would break a reader gets a new schema version.

use crate::runner::Outcome;
use crate::scenario::Scenario;
use bgsim_simulator::trace::{Record, What};
use serde_json::{json, Value};

/// The version of the format docs/json.md describes; in every verdict and summary.
pub const SCHEMA_VERSION: u64 = 1;

/// One scenario's lines, each ending in a newline. With `quiet`, no events.
pub fn render(scenario: &Scenario, outcome: &Outcome, quiet: bool) -> String {
    let file = scenario.path.display().to_string();
    let records = outcome.run.history.records();
    let mut out = String::new();
    let mut line = |value: Value| {
        out.push_str(&value.to_string());
        out.push('\n');
    };
    if !quiet {
        for record in records {
            line(event(&file, record));
        }
    }
    for v in &outcome.violations {
        line(json!({
            "type": "violation",
            "file": file,
            "check": v.check,
            "message": v.message,
            "events": v.events,
            "expected": !outcome.unexpected.iter().any(|u| u.check == v.check),
        }));
    }
    // Each check once, in the order of its first violation (one check may fire again later).
    let mut failed_checks: Vec<&str> = Vec::new();
    for v in &outcome.violations {
        if !failed_checks.contains(&v.check) {
            failed_checks.push(v.check);
        }
    }
    line(json!({
        "type": "verdict",
        "schema_version": SCHEMA_VERSION,
        "file": file,
        "name": scenario.name,
        "rules": scenario.rules,
        "app": outcome.app,
        "seed": outcome.seed,
        "passed": outcome.passed(),
        "settled": outcome.unsettled_reason().is_none(),
        "unsettled": outcome.unsettled_reason(),
        "events": records.len(),
        "end_us": records.last().map_or(0, |r| r.at.as_us()),
        "history_hash": format!("{:016x}", outcome.run.history.hash()),
        "failed_checks": failed_checks,
        "unexpected": outcome.unexpected.iter().map(|v| v.check).collect::<Vec<_>>(),
        "missing": outcome.missing,
        "file_problems": outcome.file_problems,
    }));
    out
}

/// One history event: where and when, who, its kind, the task it is about, and its text
/// as the text report and snapshots show it.
fn event(file: &str, record: &Record) -> Value {
    let mut value = json!({
        "type": "event",
        "file": file,
        "seq": record.seq,
        "at_us": record.at.as_us(),
        "actor": record.actor.to_string(),
        "kind": record.what.kind(),
        "text": record.what.to_string(),
    });
    if let What::Callback { callback, .. } = &record.what {
        value["callback"] = callback.kind().into();
    }
    if let Some(task) = record.what.task() {
        value["task"] = task.to_string().into();
    }
    value
}

/// The last line of a run: how many scenarios passed, failed, did not settle (counted in
/// `failed` too) and could not be loaded, and the signal that stopped the run, if one did.
pub fn summary(
    passed: usize,
    failed: usize,
    unsettled: usize,
    not_loaded: usize,
    stopped_by: Option<&str>,
) -> String {
    let value = json!({
        "type": "summary",
        "schema_version": SCHEMA_VERSION,
        "passed": passed,
        "failed": failed,
        "unsettled": unsettled,
        "not_loaded": not_loaded,
        "stopped_by": stopped_by,
    });
    format!("{value}\n")
}
