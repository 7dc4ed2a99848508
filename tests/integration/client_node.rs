//! The JavaScript client, `clients/node` (docs/protocol.md): its own tests under
//! `node --test` (with this build of bgsim for their end-to-end part), the example app
//! against T1–T5, its twin that never calls `completeHandler` caught by `handler-once`, and
//! the fuzzer finding that twin and shrinking it to a short scenario that replays.
//!
//! T3 and T5 name buggy apps (`nl-05-one-at-a-time`, `article`) and expect their bugs: run
//! against the example, only the checks judge them. The example also carries ports of those
//! two bugs (`--bug one-at-a-time`, `--bug session-per-download`), which the checks catch.
//!
//! They need Node.js >= 18. Without it they print why and pass, unless the environment
//! variable `CI` is set: then they fail, asking for Node.js to be installed.

use crate::common::bgsim;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

const APP: &str = "node clients/node/examples/downloader_app.js";
const TWIN: &str = "node clients/node/examples/downloader_app.js --bug no-complete-handler";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether Node.js >= 18 is here; if not, says so, and fails under CI.
fn node_ready(test: &str) -> bool {
    let found = Command::new("node").arg("--version").output();
    let version = match &found {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => String::new(),
    };
    let major: Option<u32> = version
        .strip_prefix('v')
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok());
    if major.is_some_and(|m| m >= 18) {
        return true;
    }
    let what = if version.is_empty() {
        "no `node` on PATH".to_string()
    } else {
        format!("node {version}")
    };
    let message = format!(
        "{test}: the JavaScript client needs Node.js >= 18 ({what}); install Node.js >= 18 to run it"
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    // Straight to standard error: libtest's capture would hide an eprintln! of a pass.
    let _ = writeln!(std::io::stderr(), "skipped: {message}");
    false
}

/// The shipped scenario whose file name starts with `prefix`.
fn scenario(prefix: &str) -> String {
    let mut names: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no scenario starts with {prefix}");
    format!("scenarios/{}", names[0])
}

/// The checks that failed, in the order reported (`✗ check: statement` lines).
fn failed_checks(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("✗ "))
        .filter_map(|l| l.split_once(':').map(|(check, _)| check.to_string()))
        .filter(|check| !check.contains(' '))
        .collect()
}

#[test]
fn the_clients_own_tests_pass_under_node_test() {
    if !node_ready("node --test clients/node/test/") {
        return;
    }
    let out = Command::new("node")
        .current_dir(root())
        .args(["--test", "clients/node/test/"])
        .env("BGSIM", env!("CARGO_BIN_EXE_bgsim"))
        .output()
        .expect("node runs");
    let output = text(&out);
    assert!(out.status.success(), "node --test failed:\n{output}");
    assert!(output.contains("# fail 0"), "{output}");
    assert!(
        output.contains("# skipped 0"),
        "the end-to-end tests did not find bgsim:\n{output}"
    );
}

#[test]
fn the_example_passes_t1_to_t5() {
    if !node_ready("the example against T1-T5") {
        return;
    }
    // T3 and T5 name buggy apps and expect their bugs: run against this app, only the
    // checks judge them, and none may fire.
    let all = ["t1-", "t2-", "t3-", "t4-airplane", "t4-no-reconnect", "t5-"].map(scenario);
    let mut args = vec!["run", "--app-command", APP];
    args.extend(all.iter().map(String::as_str));
    let out = bgsim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("6 passed, 0 failed"), "{}", text(&out));
    // With the ports of the bugs T3 and T5 were written for, the example meets their own
    // expectations too.
    for (prefix, bug) in [("t3-", "one-at-a-time"), ("t5-", "session-per-download")] {
        let command = format!("{APP} --bug {bug}");
        let out = bgsim(&["run", "--app-command", &command, &scenario(prefix)]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{prefix} with --bug {bug}: a bug is caught\n{}",
            text(&out)
        );
    }
}

#[test]
fn the_twin_that_never_calls_complete_handler_is_caught() {
    if !node_ready("the twin against T1") {
        return;
    }
    let out = bgsim(&["run", "--app-command", TWIN, &scenario("t1-")]);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert_eq!(
        failed_checks(&output),
        ["handler-once", "wake-budget"],
        "{output}"
    );
    assert!(output.contains("was never called"), "{output}");
}

#[test]
fn the_fuzzer_finds_the_twin_and_shrinks_it_to_a_scenario_that_replays() {
    if !node_ready("bgsim fuzz on the twin") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().display().to_string();
    let args = [
        "fuzz",
        "--app-command",
        TWIN,
        "--runs",
        "20",
        "--seed",
        // A seed that meets a wake early: with the seed's interleavings on, half the wakes
        // bring the download's events before handleEvents (LC-2), and the library then
        // calls the handler itself, which hides this bug.
        "218",
    ];
    let out = bgsim(&[&args[..], &["--max-steps", "10", "--out", &out_dir]].concat());
    let output = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the fuzzer found nothing:\n{output}"
    );
    // found handler-once at run K: shrunk from A to B steps, written to FILE
    let found = (output.lines())
        .find_map(|l| l.strip_prefix("found "))
        .unwrap_or_else(|| panic!("no finding reported:\n{output}"));
    let check = found.split(' ').next().unwrap().to_string();
    assert!(
        ["handler-once", "wake-budget"].contains(&check.as_str()),
        "{output}"
    );
    let steps: usize = (found.split(" to ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no shrunk size in: {found}"));
    assert!(steps <= 10, "shrunk only to {steps} steps: {found}");
    let file = found
        .rsplit("written to ")
        .next()
        .unwrap()
        .trim()
        .to_string();
    let body = std::fs::read_to_string(&file).unwrap();
    assert_eq!(body.matches("[[step]]").count(), steps, "{body}");
    // It replays from where it was written, with the same first check.
    let replay = bgsim(&["run", &file]);
    let replayed = text(&replay);
    assert_eq!(replay.status.code(), Some(1), "{replayed}");
    assert_eq!(failed_checks(&replayed).first(), Some(&check), "{replayed}");
}
