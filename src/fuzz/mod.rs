//! Fuzzing lifecycles (issue 6): generate a case from a seed ([`generate`]), run it against
//! an app, and when a check fires, shrink the case ([`shrink`]) to a small scenario file
//! that replays the same failure with `bgsim run`.

pub mod campaign;
pub mod case;
pub mod coverage;
pub mod generate;
pub mod indices;
pub mod merge;
pub mod report;
pub mod shrink;
pub mod tape;

use crate::registry::Apps;
use crate::runner::{run_scenario, Outcome, Overrides};
use crate::scenario::{self, Scenario};
use crate::world::Transport;
use bgsim_simulator::sandbox::Storage;
use case::Case;
use std::path::Path;

/// What identifies a failure while shrinking: the first check that fired, in catalogue
/// order. Shrinking keeps a smaller case only if this check still fires.
pub type Signature = &'static str;

/// `case` as a validated scenario for `app`, one of `apps`. Generated and shrunk cases are
/// always valid; an error here is a bug in the fuzzer, reported with the file text.
pub fn scenario(apps: &Apps, case: &Case, app: &str) -> Result<Scenario, String> {
    let spec = apps.get(app).ok_or_else(|| apps.unknown(app).unwrap_or_default())?;
    let value = spec.scenario_value(Path::new("."));
    let text = case.to_toml_with_app(&value, &format!("fuzz case (seed {})", case.seed));
    scenario::parse(&text, Path::new("fuzz.toml"), &apps.known())
        .map_err(|e| format!("the fuzzer wrote an invalid scenario: {e}\n{text}"))
}

/// Runs `case` against `app` as a campaign does: on the in-memory transport, with the
/// container in memory.
pub fn run(apps: &Apps, case: &Case, app: &str) -> Result<Outcome, String> {
    run_on(apps, case, app, Transport::Memory, Storage::Memory)
}

/// Runs `case` against `app` on `transport`, with the container on `storage`.
pub fn run_on(
    apps: &Apps,
    case: &Case,
    app: &str,
    transport: Transport,
    storage: Storage,
) -> Result<Outcome, String> {
    let s = scenario(apps, case, app)?;
    let overrides = Overrides {
        app: None,
        seed: None,
        transport,
        storage,
    };
    run_scenario(apps, &s, &overrides).map_err(|e| format!("the run failed: {e}"))
}

/// The failure a run shows, if any: its first violated check.
pub fn signature(o: &Outcome) -> Option<Signature> {
    o.violations.first().map(|v| v.check)
}
