//! Running the shipped scenarios (scenarios/*.toml) from tests, and reading what the server
//! journaled.

use bgsim::runner::{run_scenario, Outcome, Overrides};
use bgsim::scenario::{self, Scenario};
use bgsim::world::Transport;
use std::path::Path;

/// Loads `scenarios/<name>.toml`.
pub fn load(name: &str) -> Scenario {
    let known = bgsim::registry::Apps::builtin().known();
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    scenario::load(Path::new(&path), &known).unwrap()
}

/// Runs `scenario` on `transport`; it must pass.
pub fn run_passing(scenario: &Scenario, transport: Transport) -> Outcome {
    let o = run_scenario(
        &bgsim::registry::Apps::builtin(),
        scenario,
        &Overrides {
            transport,
            ..Overrides::default()
        },
    )
    .unwrap();
    assert!(
        o.passed(),
        "{} on {transport:?}: {:?} {:?} {:?}\n{}",
        scenario.name,
        o.unexpected,
        o.missing,
        o.file_problems,
        o.run.history.render()
    );
    o
}

/// Runs `scenarios/<name>.toml` on the in-memory pipe; it must pass.
pub fn run(name: &str) -> Outcome {
    run_passing(&load(name), Transport::Memory)
}

/// Runs `scenarios/<name>.toml` on the in-memory pipe and on TCP; both must pass with the
/// same history. Returns the in-memory run.
pub fn run_on_both(name: &str) -> Outcome {
    let s = load(name);
    let memory = run_passing(&s, Transport::Memory);
    let tcp = run_passing(&s, Transport::Tcp);
    assert_eq!(
        tcp.run.history.render(),
        memory.run.history.render(),
        "{name}: TCP and memory differ"
    );
    memory
}

/// (status, Range header, fault applied) of every request the server answered, in order.
pub fn journal(o: &Outcome) -> Vec<(u16, Option<String>, Option<String>)> {
    let faults = o.run.server.journal().faults();
    o.run
        .journal
        .iter()
        .map(|e| {
            (
                e.status,
                e.range.clone(),
                faults[e.request_index as usize].clone(),
            )
        })
        .collect()
}
