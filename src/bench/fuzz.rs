//! fuzz: runs per second of a campaign against the reference app on 2 threads, as
//! `bgsim fuzz --app reference --jobs 2 --runs N --seed 1` runs it, in this process. Its
//! baseline only generates each of the same cases and builds and validates its scenario,
//! on 2 threads too: work every fuzz run does before simulating, so a ceiling on its rate.

use super::report::{Baseline, Row, Target, Unit};
use super::{median, repeat, Sizes};
use crate::fuzz::campaign::{self, case_seed, Options};
use crate::fuzz::generate::{self, Limits};
use crate::registry::Apps;
use std::time::Instant;

const APP: &str = "reference";
const JOBS: u64 = 2;
const SEED: u64 = 1;

fn options(runs: u64) -> Options {
    Options {
        app: APP.into(),
        runs: Some(runs),
        time: None,
        seed: SEED,
        jobs: JOBS as usize,
        keep_going: false,
        check_determinism: false,
        limits: Limits::default(),
        shrink_budget: 2000,
        shard: None,
    }
}

/// Runs per second of one campaign; an error when it found a failure (the reference app
/// must pass every case, or the rate would include shrinking).
fn campaign_rate(apps: &Apps, runs: u64) -> Result<f64, String> {
    crate::heap::keep_freed_blocks_for_reuse();
    let s = campaign::campaign(apps, &options(runs), &|_| ())?;
    if let Some(f) = s.found.first() {
        return Err(format!("the campaign found {} at run {}", f.signature, f.run));
    }
    Ok(s.runs as f64 / s.elapsed.as_secs_f64())
}

/// Cases per second of generating and validating the campaign's cases, without running them.
fn build_rate(apps: &Apps, runs: u64) -> Result<f64, String> {
    let features = apps.get(APP).ok_or("no reference app")?.supported().clone();
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..JOBS)
            .map(|job| {
                let features = &features;
                scope.spawn(move || {
                    for n in (job..runs).step_by(JOBS as usize) {
                        let case = generate::case(case_seed(SEED, n), Limits::default(), features);
                        crate::fuzz::scenario(apps, &case, APP)?;
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().map_err(|_| "a worker panicked".to_string())?)
    })?;
    Ok(runs as f64 / started.elapsed().as_secs_f64())
}

pub fn bench(apps: &Apps, sizes: Sizes) -> Result<Vec<Row>, String> {
    let runs = sizes.fuzz_runs;
    let rate = median(repeat(|| campaign_rate(apps, runs))?);
    let floor = median(repeat(|| build_rate(apps, runs))?);
    Ok(vec![Row {
        bench: "fuzz",
        measured: format!("campaign of {runs} runs, reference app, {JOBS} jobs, seed {SEED}"),
        unit: Unit::PerS,
        value: rate,
        baseline: Baseline::Measured {
            what: "same cases built and validated only".into(),
            value: floor,
        },
        target: Target::AtLeast(2000.0),
    }])
}
