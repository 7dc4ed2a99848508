//! Issue 5: the kill matrix over the shipped scenarios. Every mutant is killed, by a check
//! its bug is about; the reference app passes every scenario written for it and no check
//! fires on it in the others.

use crate::common;

use bgsim::check;
use bgsim::kill_matrix::{self, Matrix};
use bgsim::registry::Apps;
use bgsim::world::Transport;
use std::path::Path;

fn shipped() -> Vec<(String, bgsim::scenario::Scenario)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            (path.extension()? == "toml").then_some(stem)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let s = common::shipped::load(&n);
            (n, s)
        })
        .collect()
}

#[test]
fn every_mutant_is_killed_by_a_check_its_bug_is_about_and_the_reference_app_by_none() {
    let apps = Apps::builtin();
    let suspects = kill_matrix::suspects(&apps, "reference");
    let m: Matrix =
        kill_matrix::build(&apps, "reference", &shipped(), &suspects, Transport::Memory).unwrap();
    let report = kill_matrix::render(&m);
    assert!(m.reference_failures.is_empty(), "{report}");
    assert!(m.survivors().is_empty(), "{report}");
    assert!(m.off_target().is_empty(), "{report}");
    assert!(m.holds());
}

/// OS-6: the reference app written with the async handleEvents is as correct as the one
/// with a completion handler: no check fires on it in any shipped scenario (and the one
/// written for it, os-6-async-handle-events, holds it to its files).
#[test]
fn the_async_reference_app_passes_every_shipped_scenario() {
    let apps = Apps::builtin();
    let m =
        kill_matrix::build(&apps, "reference-async", &shipped(), &[], Transport::Memory).unwrap();
    assert!(
        m.reference_failures.is_empty(),
        "{}",
        kill_matrix::render(&m)
    );
}

#[test]
fn each_mutant_names_real_checks_and_a_unique_name() {
    let ids = check::ids();
    let mut names = std::collections::BTreeSet::new();
    for mutant in kill_matrix::suspects(&Apps::builtin(), "reference") {
        assert!(names.insert(mutant.name.clone()), "{} twice", mutant.name);
        assert!(!mutant.caught_by.is_empty(), "{}: no checks", mutant.name);
        for c in &mutant.caught_by {
            assert!(
                ids.contains(&c.as_str()),
                "{}: unknown check {c}",
                mutant.name
            );
        }
    }
}
