//! `bgsim run --format json`: every line of the report of every shipped scenario, with the
//! correct app and with a buggy one, is valid against docs/json.schema.json, the schema
//! docs/json.md describes; and the lines agree with one another.

use crate::common::{bgsim, json_reports};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/json.schema.json"
    ))
    .expect("docs/json.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// Every line of `stdout` valid against the schema; the bad ones with their errors.
fn invalid_lines(validator: &jsonschema::Validator, stdout: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stdout);
    let mut bad = Vec::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).expect("each line is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            bad.push(format!("{line}\n  {}", errors.join("\n  ")));
        }
    }
    bad
}

/// What must hold between the lines of one scenario's report.
fn consistent(report: &Value) {
    let file = &report["file"];
    let history = report["history"].as_array().unwrap();
    assert_eq!(
        report["events"],
        history.len(),
        "{file}: the verdict counts its events"
    );
    for (i, event) in history.iter().enumerate() {
        assert_eq!(event["seq"], i, "{file}: events in order, from 0");
        assert_eq!(&event["file"], file);
    }
    let last = history.last().map_or(0, |e| e["at_us"].as_u64().unwrap());
    assert_eq!(report["end_us"], last, "{file}");
    let violations = report["violations"].as_array().unwrap();
    for v in violations {
        for seq in v["events"].as_array().unwrap() {
            assert!(seq.as_u64().unwrap() < history.len() as u64, "{file}: {v}");
        }
    }
    let checks: std::collections::BTreeSet<&str> = violations
        .iter()
        .map(|v| v["check"].as_str().unwrap())
        .collect();
    let failed: std::collections::BTreeSet<&str> = report["failed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        checks, failed,
        "{file}: the verdict names the checks that failed"
    );
}

#[test]
fn every_line_of_every_shipped_scenario_fits_the_schema() {
    let validator = validator();
    // The correct app, and one that fails many scenarios, so violations are in the report.
    for app in ["reference", "tf-02-async-move"] {
        let out = bgsim(&[
            "run",
            "scenarios",
            "--format",
            "json",
            "--transport",
            "memory",
            "--app",
            app,
        ]);
        let bad = invalid_lines(&validator, &out.stdout);
        assert!(
            bad.is_empty(),
            "{app}: {} lines off the schema:\n{}",
            bad.len(),
            bad[..bad.len().min(5)].join("\n")
        );
        let reports = json_reports(&out.stdout);
        assert!(
            reports.len() > 50,
            "{app}: one verdict per shipped scenario"
        );
        reports.iter().for_each(consistent);
        if app != "reference" {
            let violations: usize = reports
                .iter()
                .map(|r| r["violations"].as_array().unwrap().len())
                .sum();
            assert!(violations > 0, "the buggy app's report has violations");
        }
        let summary: Value =
            serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().last().unwrap())
                .unwrap();
        let passed = reports.iter().filter(|r| r["passed"] == true).count();
        assert_eq!(summary["passed"], passed);
        assert_eq!(summary["failed"], reports.len() - passed);
    }
}

#[test]
fn the_schema_refuses_what_the_format_does_not_say() {
    let validator = validator();
    let event = serde_json::json!({
        "type": "event", "file": "a.toml", "seq": 0, "at_us": 0, "actor": "app",
        "kind": "task-created", "task": "s#1", "text": "created",
    });
    assert!(validator.is_valid(&event));
    let mut unknown_kind = event.clone();
    unknown_kind["kind"] = "teleported".into();
    let mut extra_field = event.clone();
    extra_field["port"] = 8080.into();
    let mut callback_without_name = event.clone();
    callback_without_name["kind"] = "callback".into();
    let mut bad_task = event.clone();
    bad_task["task"] = "no-id".into();
    for wrong in [unknown_kind, extra_field, callback_without_name, bad_task] {
        assert!(!validator.is_valid(&wrong), "accepted {wrong}");
    }
}

#[test]
fn quiet_json_has_verdicts_and_violations_but_no_events() {
    let out = bgsim(&[
        "run",
        "scenarios/t1-system-kill-batched-relaunch.toml",
        "--format",
        "json",
        "--quiet",
        "--app",
        "tf-02-async-move",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let types: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["type"].to_string())
        .collect();
    assert!(!types.iter().any(|t| t == "\"event\""), "{text}");
    assert!(types.iter().any(|t| t == "\"violation\""), "{text}");
    assert_eq!(
        types[types.len() - 2..],
        ["\"verdict\"", "\"summary\""],
        "{text}"
    );
}
