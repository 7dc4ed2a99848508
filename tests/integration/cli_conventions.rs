//! Command-line conventions: examples in every subcommand's help, shell completions,
//! diagnostics through `RUST_LOG` on standard error only, and colour only on a terminal
//! without `NO_COLOR`.

use crate::common::bgsim;
use std::process::Command;

const SUBCOMMANDS: [&str; 7] = [
    "run",
    "list",
    "mutants",
    "fuzz",
    "serve",
    "bench",
    "completions",
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_subcommands_help_ends_with_examples_of_itself() {
    for sub in SUBCOMMANDS {
        let out = bgsim(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let help = text(&out.stdout);
        let examples = help
            .split_once("Examples:\n")
            .unwrap_or_else(|| panic!("`bgsim {sub} --help` has no examples:\n{help}"))
            .1;
        let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(!lines.is_empty(), "{sub}");
        for line in lines {
            assert!(
                line.trim_start().starts_with(&format!("bgsim {sub}")),
                "`bgsim {sub} --help`: an example of another command: {line}"
            );
        }
    }
}

#[test]
fn completions_load_in_bash_and_name_every_subcommand() {
    let out = bgsim(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    for sub in SUBCOMMANDS {
        assert!(script.contains(sub), "bash completion lacks {sub}");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bgsim.bash");
    std::fs::write(&file, &script).unwrap();
    // Sourced by a real bash, the script registers a completion function for bgsim.
    let loaded = Command::new("bash")
        .arg("-c")
        .arg(format!("source '{}' && complete -p bgsim", file.display()))
        .output()
        .expect("bash runs");
    assert_eq!(loaded.status.code(), Some(0), "{}", text(&loaded.stderr));
    assert!(
        text(&loaded.stdout).contains("bgsim"),
        "{}",
        text(&loaded.stdout)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = bgsim(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("mutants"), "{shell}");
    }
    let unknown = bgsim(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
}

const SCENARIO: &str = "scenarios/t1-system-kill-batched-relaunch.toml";

fn run_with(env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgsim"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", SCENARIO, "--transport", "memory"])
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("bgsim runs")
}

#[test]
fn diagnostics_go_to_stderr_with_rust_log_and_leave_the_report_alone() {
    let quiet = run_with(&[]);
    let logged = run_with(&[("RUST_LOG", "bgsim=debug")]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(logged.status.code(), Some(0));
    assert_eq!(
        quiet.stdout, logged.stdout,
        "the report is the same, byte for byte"
    );
    assert!(text(&quiet.stderr).is_empty(), "{}", text(&quiet.stderr));
    let log = text(&logged.stderr);
    assert!(log.contains("run ended"), "{log}");
    assert!(log.contains("t1-system-kill-batched-relaunch"), "{log}");
    assert!(!log.contains('\u{1b}'), "no colour off a terminal: {log}");
}

/// The report of `bgsim run`, run on a pseudo-terminal by util-linux's `script`.
fn on_a_terminal(no_color: Option<&str>) -> String {
    let bgsim = env!("CARGO_BIN_EXE_bgsim");
    let mut command = Command::new("script");
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-qec"])
        .arg(format!("{bgsim} run {SCENARIO} --transport memory -q"))
        .arg("/dev/null")
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        command.env("NO_COLOR", v);
    }
    let out = command
        .output()
        .expect("util-linux `script` runs (Debian package bsdutils)");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let coloured = on_a_terminal(None);
    assert!(
        coloured.contains("\u{1b}["),
        "a terminal gets colour: {coloured:?}"
    );
    let plain = on_a_terminal(Some("1"));
    assert!(plain.contains("passed"), "{plain:?}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR=1: {plain:?}");
    // no-color.org: an empty NO_COLOR does not turn colour off.
    assert!(on_a_terminal(Some("")).contains("\u{1b}["));
    let piped = run_with(&[]);
    assert!(!text(&piped.stdout).contains('\u{1b}'), "not a terminal");
}
