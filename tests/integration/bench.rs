//! `bgsim bench`: the JSON report's shape, on the cheapest benchmark. No timing is asserted:
//! the figures depend on the machine.

use crate::common::bgsim;
use serde_json::Value;

#[test]
fn bench_json_reports_positive_figures_with_units_in_their_names() {
    let out = bgsim(&["bench", "--quick", "--json", "--only", "timeline-7d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["quick"], true);
    assert!(
        report["repetitions"].as_u64().is_some_and(|n| n >= 1),
        "{report}"
    );
    let results = report["results"].as_array().expect("an array of results");
    assert_eq!(results.len(), 1, "{report}");
    let row = &results[0];
    assert_eq!(row["bench"], "timeline-7d");
    for field in ["value_ms", "baseline_ms", "ratio"] {
        let figure = row[field].as_f64();
        assert!(figure.is_some_and(|x| x > 0.0), "{field} in {row}");
    }
    assert!(row["target_met"].is_boolean(), "{row}");
    assert!(
        row["measured"].as_str().is_some_and(|s| !s.is_empty()),
        "{row}"
    );
}

#[test]
fn bench_refuses_an_unknown_benchmark() {
    let out = bgsim(&["bench", "--only", "no-such-bench"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("timeline-7d"));
}
