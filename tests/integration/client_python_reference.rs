//! The reference app ported to Python (`clients/python/examples/reference_app.py`), judged
//! as its Rust original is: every shipped scenario passes, the histories are the Rust app's
//! line for line, fuzz runs replay identically, and its `--bug` variants are caught by the
//! checks of their Rust twins (src/apps/mutants.rs).
//!
//! Like `client_python`, it needs Python >= 3.9 and fails under CI without it.

use crate::common::{bgsim, json_reports};
use bgsim::apps::mutants;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const APP: &str = "python3 clients/python/examples/reference_app.py";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn python_ready() -> bool {
    super::client_python::python_ready("clients/python/examples/reference_app.py")
}

fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// The JSON reports of a run of every shipped scenario, by file.
fn reports(app_args: &[&str]) -> Vec<Value> {
    let mut args = vec!["run", "--format", "json", "--transport", "memory"];
    args.extend_from_slice(app_args);
    args.push("scenarios");
    let out = bgsim(&args);
    let reports = json_reports(&out.stdout);
    assert!(!reports.is_empty(), "no reports:\n{}", describe(&out));
    reports
}

#[test]
fn it_passes_every_shipped_scenario_with_the_rust_apps_history() {
    if !python_ready() {
        return;
    }
    let rust = reports(&["--app", "reference"]);
    let python = reports(&["--app-command", APP]);
    assert_eq!(rust.len(), python.len(), "one report per scenario each");
    let mut differing = Vec::new();
    for (r, p) in rust.iter().zip(&python) {
        assert_eq!(r["file"], p["file"], "reports in the same order");
        assert_eq!(
            p["passed"],
            Value::Bool(true),
            "the port fails {}",
            p["file"]
        );
        if r["history"] != p["history"] {
            differing.push(r["file"].as_str().unwrap_or("?").to_string());
        }
    }
    assert!(
        differing.is_empty(),
        "{} of {} scenarios differ from the Rust app's history: {differing:?}",
        differing.len(),
        rust.len()
    );
}

#[test]
fn fifty_fuzz_seeds_replay_identically_in_memory_and_over_tcp() {
    if !python_ready() {
        return;
    }
    // Each case runs twice in memory and once over TCP; any difference fails the campaign.
    let out = bgsim(&[
        "fuzz",
        "--app-command",
        APP,
        "--runs",
        "50",
        "--seed",
        "7",
        "--check-determinism",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
}

/// The ported bugs the kill-matrix test runs: one or more per check the issue names
/// (handler-once, handler-main-queue, handler-after-events, temp-file-in-callback,
/// no-exception, session-reconnected, resume-data-used, no-error-body, finished-file-kept,
/// force-quit-not-failure). All 39 run in `bgsim mutants` without `--variants`; that takes
/// minutes, so the test takes these, against the scenarios that kill them first.
const VARIANTS: &[&str] = &[
    "ch-01-handler-not-stored",
    "ch-03-handler-on-delegate-queue",
    "ch-04-handler-called-early",
    "tf-02-async-move",
    "p10-completion-handler-api",
    "lc-06-session-created-lazily",
    "rd-04-resume-data-in-memory",
    "tf-03-error-body-kept",
    "tf-05-no-parent-folder",
    "lc-01-force-quit-as-failure",
];

const KILLERS: &[&str] = &[
    "scenarios/api-2-completion-handler-api.toml",
    "scenarios/api-4-data-task-dies-on-suspend.toml",
    "scenarios/article-flow.toml",
    "scenarios/file-1-move-inside-the-callback.toml",
    "scenarios/rd-04-paused-then-killed-resumes.toml",
    "scenarios/res-6-second-resume-after-a-purge-leaves-no-partial-file.toml",
];

/// The program's hello: the first line it writes, before bgsim says anything.
fn hello(args: &[&str]) -> Value {
    let mut child = Command::new("python3")
        .arg("clients/python/examples/reference_app.py")
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout piped");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the hello is read");
    let _ = child.kill();
    let _ = child.wait();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("hello is JSON ({e}): {line}"))
}

/// The kill matrix of `bgsim mutants` on [`KILLERS`]: each variant's name (its `--bug`
/// for a process app) to the rest of its row (kills, then the first killer and its checks).
fn kill_matrix(app_args: &[&str]) -> (Output, BTreeMap<String, String>) {
    let mut args = vec!["mutants", "--transport", "memory"];
    args.extend_from_slice(app_args);
    for file in KILLERS {
        args.extend_from_slice(&["--scenarios", file]);
    }
    let out = bgsim(&args);
    let rows = text(&out.stdout)
        .lines()
        .filter_map(|line| {
            let row = line.rsplit_once("--bug ").map_or(line, |(_, r)| r);
            let (name, rest) = row.split_once(char::is_whitespace)?;
            mutants::find(name).map(|_| (name.to_string(), rest.trim().to_string()))
        })
        .collect();
    (out, rows)
}

#[test]
fn each_bug_is_a_rust_mutant_and_is_caught_by_the_same_checks() {
    if !python_ready() {
        return;
    }
    // Every bug the port lists is a Rust mutant with the same checks.
    let variants = hello(&[])["variants"].clone();
    let variants = variants.as_array().expect("variants in the hello");
    assert_eq!(
        variants.len(),
        39,
        "one variant per Rust mutant of the reference app"
    );
    for variant in variants {
        let name = variant["name"].as_str().expect("a variant's name");
        let twin = mutants::find(name)
            .unwrap_or_else(|| panic!("{name} is not a mutant of the Rust reference app"));
        let caught_by: BTreeSet<&str> = (variant["caughtBy"].as_array())
            .expect("caughtBy")
            .iter()
            .map(|c| c.as_str().expect("a check's name"))
            .collect();
        let rust: BTreeSet<&str> = twin.caught_by.iter().copied().collect();
        assert_eq!(
            caught_by, rust,
            "{name}: caughtBy differs from its Rust twin"
        );
    }
    // Each ported bug is killed as its twin is: as many scenarios, the same first one, by
    // the same checks; and the port passes them all (exit 0).
    let command = format!("{APP} --variants {}", VARIANTS.join(","));
    let (out, python) = kill_matrix(&["--app-command", &command]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let (_, rust) = kill_matrix(&["--app", "reference"]);
    assert_eq!(python.len(), VARIANTS.len(), "{}", describe(&out));
    for name in VARIANTS {
        assert_eq!(
            python.get(*name),
            rust.get(*name),
            "{name}: its row differs"
        );
    }
}
