//! Every scenario in scenarios/ is a test of its own (libtest-mimic, `harness = false`):
//! `cargo test --test scenarios -- t1` runs the T1 file, `-- --list` lists them all, and
//! cargo-nextest runs them one by one. Each must meet its expectations, its history is
//! snapshotted (no ports, paths or wall times in it), TCP and the in-memory pipe give the
//! same history, and the reference app breaks no check on it.
//!
//! It is built on the public harness API, as a team's own scenario tests would be.

use bgsim::harness::{Harness, Transport};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("scenarios/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The checks of one shipped scenario.
fn check(file: &Path) -> Result<(), Failed> {
    let harness = Harness::new();
    let name = file.file_stem().unwrap().to_string_lossy().into_owned();
    let scenario = harness.load(file)?;
    if scenario.rules.is_empty() {
        return Err(format!("{}: cites no rule", file.display()).into());
    }
    let memory = harness.run(&scenario)?;
    if !memory.passed {
        return Err(memory.failure_message().into());
    }
    insta::assert_snapshot!(name.clone(), memory.history);

    let tcp = harness.clone().transport(Transport::Tcp).run(&scenario)?;
    if tcp.history != memory.history {
        return Err(format!("{name}: TCP and memory differ").into());
    }
    let by_reference = harness.against("reference").run(&scenario)?;
    if !by_reference.violations.is_empty() {
        let broken: Vec<String> = (by_reference.violations.iter())
            .map(ToString::to_string)
            .collect();
        return Err(format!("{name}: the reference app breaks\n{}", broken.join("\n")).into());
    }
    Ok(())
}

fn main() {
    let files = shipped();
    let mut trials: Vec<Trial> = (files.iter().cloned())
        .map(|file| {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || check(&file)).with_kind("scenario")
        })
        .collect();
    let count = files.len();
    trials.push(Trial::test(
        "at_least_fifteen_scenarios_ship",
        move || match count >= 15 {
            true => Ok(()),
            false => Err(format!("only {count} scenarios").into()),
        },
    ));
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}
