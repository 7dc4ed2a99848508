//! The JSON-lines report: one object per scenario, stable field names.

use crate::runner::Outcome;
use crate::scenario::Scenario;
use serde_json::json;

/// One scenario's verdict as a single line of JSON. With `quiet`, no history.
pub fn render(scenario: &Scenario, outcome: &Outcome, quiet: bool) -> String {
    let records = outcome.run.history.records();
    let violation = |v: &crate::check::Violation| json!({ "check": v.check, "message": v.message, "events": v.events });
    let mut value = json!({
        "file": scenario.path.display().to_string(),
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
        "violations": outcome.violations.iter().map(violation).collect::<Vec<_>>(),
        "unexpected": outcome.unexpected.iter().map(|v| v.check).collect::<Vec<_>>(),
        "missing": outcome.missing,
        "file_problems": outcome.file_problems,
    });
    if !quiet {
        value["history"] = records.iter().map(|r| r.to_string()).collect();
    }
    value.to_string()
}
