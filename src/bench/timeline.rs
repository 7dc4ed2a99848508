//! timeline-7d: one run of a week of virtual time (benches/timeline-7d.toml, the steps of
//! tests/integration/long_timeline.rs), over TCP with the container on disk as `bgsim run`
//! runs it. Its baseline is the same scenario cut to its first day: the clock jumps from
//! event to event, so seven days should cost about seven times one day, not more.

use super::report::{Baseline, Row, Target, Unit};
use super::{median, ms, repeat};
use crate::registry::Apps;
use crate::runner::{run_scenario, Overrides};
use crate::scenario::Scenario;
use bgsim_simulator::SimTime;
use std::path::Path;
use std::time::Instant;

const SCENARIO: &str = include_str!("../../benches/timeline-7d.toml");
const DAY_US: u64 = 86_400_000_000;

/// The wall time of one run of `s`, in ms; an error unless it passes.
fn time_ms(apps: &Apps, s: &Scenario) -> Result<f64, String> {
    let started = Instant::now();
    let o = run_scenario(apps, s, &Overrides::default()).map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    if !o.passed() {
        return Err(format!("{} did not pass: {:?}", s.name, o.violations));
    }
    Ok(ms(elapsed))
}

pub fn bench(apps: &Apps) -> Result<Vec<Row>, String> {
    let week = crate::scenario::parse(SCENARIO, Path::new("benches/timeline-7d.toml"), &apps.known())
        .map_err(|e| e.to_string())?;
    let mut day = week.clone();
    day.steps.retain(|(at, _)| *at < SimTime::from_us(DAY_US));
    day.expect.files.retain(|(dest, _)| dest == "Documents/day0.bin");
    let week_ms = median(repeat(|| time_ms(apps, &week))?);
    let day_ms = median(repeat(|| time_ms(apps, &day))?);
    Ok(vec![Row {
        bench: "timeline-7d",
        measured: "one run of 7 virtual days (TCP, container on disk)".into(),
        unit: Unit::Ms,
        value: week_ms,
        baseline: Baseline::Measured {
            what: "its first day alone".into(),
            value: day_ms,
        },
        target: Target::AtMost(50.0),
    }])
}
