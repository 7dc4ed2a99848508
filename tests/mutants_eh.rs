//! The mutants of real-bugs E (network), F (progress), G (identity) and H (concurrency) are
//! killed: each breaks one of its `caught_by` checks on a shipped scenario written for the
//! reference app, which passes it.

use bgsim::apps;
use bgsim::apps::mutants;
use bgsim::check;
use bgsim::runner::{run_scenario, Overrides};
use bgsim::scenario::{self, Known};
use bgsim::world::Transport;
use std::path::Path;

/// Each mutant and a shipped scenario that kills it.
const KILLS: &[(&str, &str)] = &[
    (
        "nl-02-blip-not-rescheduled",
        "net-5-knob-surfaces-connection-lost",
    ),
    (
        "nl-03-timeout-not-surfaced",
        "net-3-stalls-until-the-resource-timeout",
    ),
    ("pr-01-divides-by-unknown-length", "prog-2-unknown-length"),
    ("pr-04-progress-resets-on-resume", "res-2-pause-and-resume"),
    ("id-01-matches-by-url", "fault-redirect-302-303-308"),
    (
        "id-02-description-overwritten",
        "t2-force-quit-then-user-launch",
    ),
    (
        "id-04-store-unreadable-while-locked",
        "tf-06-relaunched-while-locked",
    ),
    (
        "id-05-pause-not-persisted",
        "res-2-pause-survives-a-system-kill",
    ),
    (
        "cc-02-progress-on-main-queue",
        "file-1-move-inside-the-callback",
    ),
];

fn run(app: &str, name: &str) -> Vec<&'static str> {
    let checks = check::ids();
    let known = Known {
        apps: &apps::NAMES,
        checks: &checks,
    };
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    let s = scenario::load(&file, &known).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.app, "reference",
        "{name} is not written for the reference app"
    );
    let overrides = Overrides {
        app: Some(app.into()),
        transport: Transport::Memory,
        ..Overrides::default()
    };
    let outcome = run_scenario(&s, &overrides).unwrap();
    outcome.violations.iter().map(|v| v.check).collect()
}

#[test]
fn each_mutant_breaks_a_check_it_is_caught_by_where_the_reference_app_holds() {
    for (name, scenario) in KILLS {
        let mutant = mutants::find(name).unwrap_or_else(|| panic!("no mutant {name}"));
        assert!(
            run("reference", scenario).is_empty(),
            "{scenario}: reference fails"
        );
        let fired = run(name, scenario);
        assert!(
            fired.iter().any(|c| mutant.caught_by.contains(c)),
            "{name} survives {scenario}: {fired:?} none of {:?}",
            mutant.caught_by
        );
    }
}
