//! Every rule a scenario cites exists, and every DOC or DTS rule of the groups the
//! simulator models in full has a shipped scenario showing it at work. The rules still
//! without one are listed here by name, so the list can only shrink on purpose: a rule that
//! gains a scenario, or loses its last one, fails this test until the list is updated.

use bgsim::rules::{self, RULES};
use bgsim::scenario::load;
use std::collections::BTreeSet;
use std::path::Path;

/// The groups of issue 4 (scheduling, the network, resume data, HTTP, progress, the API's
/// limits, task identifiers, invalidation, power, identity).
const GROUPS: [&str; 11] = [
    "SCHED", "RATE", "NET", "RES", "HTTP", "PROG", "API", "TID", "INV", "PWR", "ID",
];

/// DOC or DTS rules of those groups with no scenario yet, and why.
const NOT_YET: [(&str, &str); 0] = [];

fn cited() -> BTreeSet<String> {
    let known = bgsim::registry::Apps::builtin().known();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let scenario = load(&path, &known).expect("a shipped scenario loads");
            out.extend(scenario.rules);
        }
    }
    out
}

#[test]
fn every_cited_rule_exists() {
    for id in cited() {
        assert!(
            rules::find(&id).is_some(),
            "a scenario cites unknown rule {id}"
        );
    }
}

#[test]
fn every_authoritative_rule_of_the_modelled_groups_has_a_scenario_or_is_listed() {
    let cited = cited();
    let missing: BTreeSet<&str> = RULES
        .iter()
        .filter(|r| GROUPS.contains(&r.group()) && r.status.is_authoritative())
        .filter(|r| !cited.contains(r.id))
        .map(|r| r.id)
        .collect();
    let listed: BTreeSet<&str> = NOT_YET.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        missing, listed,
        "update NOT_YET: rules without a scenario vs. rules listed"
    );
}

#[test]
fn the_catalogue_has_each_id_once_and_the_statuses_read_as_documented() {
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len(), "an ID appears twice");
    let label = |id: &str| rules::find(id).expect(id).status.label();
    assert_eq!(label("RES-5"), "DTS");
    assert_eq!(label("KILL-3"), "DOC+OBS");
    assert_eq!(label("TID-6"), "assumption");
    assert!(!rules::find("NET-4")
        .expect("NET-4")
        .status
        .is_authoritative());
}
