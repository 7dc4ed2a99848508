//! A fuzz campaign: many generated cases against one app, on every core, until the run or
//! time budget is spent or a failure is found; then each failure shrunk to a small case.
//! The wall clock only bounds the campaign; it never reaches inside a simulation.

use super::case::Case;
use super::coverage::{self, MARKS};
use super::generate::{self, Limits};
use super::indices::{Done, Progression};
use super::{run, shrink, signature, Signature};
use crate::registry::{AppSpec, Apps};
use crate::runner::Outcome;
use crate::shard::Shard;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The failure signature of a run that hit its event bound without settling.
pub const DID_NOT_SETTLE: Signature = "did-not-settle";

/// How a campaign runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The app under test.
    pub app: String,
    /// Stop after this many runs (of the whole campaign: a shard runs its share of them).
    pub runs: Option<u64>,
    /// Stop after this much wall time.
    pub time: Option<Duration>,
    /// The campaign's seed: run `n` uses the case of [`case_seed`]`(seed, n)`.
    pub seed: u64,
    /// Run only this shard's runs: those whose index `n` it [owns](Shard::owns).
    pub shard: Option<Shard>,
    /// Worker threads.
    pub jobs: usize,
    /// Go on after a failure, collecting one of each signature.
    pub keep_going: bool,
    /// Run each case twice in memory and once over TCP; any difference is a failure.
    pub check_determinism: bool,
    /// Bounds of the generated cases.
    pub limits: Limits,
    /// Candidates tried while shrinking one failure, at most.
    pub shrink_budget: usize,
}

/// A failure, shrunk.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The run that found it.
    pub run: u64,
    /// Its signature: the first check that fired (or [`DID_NOT_SETTLE`], or
    /// `nondeterministic`).
    pub signature: Signature,
    /// The case as generated.
    pub original: Case,
    /// The case after shrinking.
    pub shrunk: Case,
}

impl Failure {
    /// A file name for the shrunk case: `<app>-<signature>-run<N>.toml` (an app's command
    /// line reduced to its letters, digits and dashes).
    pub fn file_name(&self, app: &str) -> String {
        let mut stem: String = (app.chars())
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .collect();
        stem.truncate(60);
        format!("{stem}-{}-run{}.toml", self.signature, self.run)
    }

    /// The shrunk case as a scenario file for `app`, written into the folder `dir` (so an
    /// app in another language is found from there), its name saying how it was found.
    pub fn scenario_text(&self, app: &AppSpec, dir: &std::path::Path) -> String {
        let name = format!(
            "fuzz: {} found by run {} of {}, shrunk from {} to {} steps",
            self.signature,
            self.run,
            app.name(),
            self.original.timeline().len(),
            self.shrunk.timeline().len()
        );
        self.shrunk.to_toml_with_app(&app.scenario_value(dir), &name)
    }
}

/// What a campaign did.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Runs completed.
    pub runs: u64,
    /// The indices of the runs completed.
    pub indices: Vec<Progression>,
    /// Wall time spent.
    pub elapsed: Duration,
    /// Failing runs by signature.
    pub failures_by_signature: BTreeMap<Signature, u64>,
    /// For each mark of [`MARKS`], how many runs reached it.
    pub marks: Vec<u64>,
    /// The failures found, shrunk: the first one, or one per signature with `keep_going`.
    pub found: Vec<Failure>,
    /// The signal that stopped the campaign early (its failures are then not shrunk).
    pub stopped: Option<i32>,
}

/// The case seed of run `n` of a campaign seeded `seed`: nearby campaigns do not share cases.
pub fn case_seed(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ n;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The earliest failing run of each signature, and its case.
type Earliest = BTreeMap<Signature, (u64, Case)>;

/// What one run showed.
fn verdict(o: &Outcome) -> Option<Signature> {
    if o.unbounded() {
        return Some(DID_NOT_SETTLE);
    }
    signature(o)
}

/// Runs `case` and judges it; with `check_determinism`, also again in memory and over TCP
/// with the container on disk: the fast parts must give the history the real ones give.
fn judge(
    apps: &Apps,
    case: &Case,
    opts: &Options,
) -> Result<(Option<Signature>, Vec<bool>), String> {
    let o = run(apps, case, &opts.app)?;
    let marks = coverage::marks(o.run.history.records());
    if opts.check_determinism {
        let again = run(apps, case, &opts.app)?;
        let real = bgsim_simulator::sandbox::Storage::Disk;
        let tcp = super::run_on(apps, case, &opts.app, crate::world::Transport::Tcp, real)?;
        let first = o.run.history.render();
        if again.run.history.render() != first || tcp.run.history.render() != first {
            return Ok((Some("nondeterministic"), marks));
        }
    }
    Ok((verdict(&o), marks))
}

/// Runs a campaign against `opts.app`, one of `apps`. `tick` is called after every run with
/// the number of runs done.
pub fn campaign(
    apps: &Apps,
    opts: &Options,
    tick: &(dyn Fn(u64) + Sync),
) -> Result<Summary, String> {
    let features = match apps.get(&opts.app) {
        Some(spec) => spec.supported().clone(),
        None => return Err(apps.unknown(&opts.app).unwrap_or_default()),
    };
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let state: Mutex<(Summary, Earliest, Done)> = Mutex::new((
        Summary {
            marks: vec![0; MARKS.len()],
            ..Summary::default()
        },
        BTreeMap::new(),
        Done::default(),
    ));
    let error: Mutex<Option<String>> = Mutex::new(None);
    let out_of_budget = || {
        opts.time.is_some_and(|t| started.elapsed() >= t)
            || stop.load(Ordering::Relaxed)
            || crate::interrupt::caught().is_some()
    };
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| loop {
                if out_of_budget() {
                    return;
                }
                // A shard's `position`-th run is the campaign's run `n`.
                let position = next.fetch_add(1, Ordering::Relaxed);
                let n = opts.shard.map_or(position, |s| s.nth(position));
                if opts.runs.is_some_and(|r| n >= r) {
                    return;
                }
                let case = generate::case(case_seed(opts.seed, n), opts.limits, &features);
                let (sig, marks) = match judge(apps, &case, opts) {
                    // A signal cut the run short: it shows nothing about the app.
                    Ok(_) if crate::interrupt::caught().is_some() => return,
                    Ok(v) => v,
                    Err(e) => {
                        error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                        stop.store(true, Ordering::Relaxed);
                        return;
                    }
                };
                {
                    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
                    let (summary, failures, done) = &mut *st;
                    summary.runs += 1;
                    done.insert(position);
                    for (count, seen) in summary.marks.iter_mut().zip(marks) {
                        *count += u64::from(seen);
                    }
                    if let Some(sig) = sig {
                        *summary.failures_by_signature.entry(sig).or_default() += 1;
                        // Keep the earliest run of each signature, so the result does not
                        // depend on which worker got there first.
                        let entry = failures.entry(sig).or_insert((n, case.clone()));
                        if n < entry.0 {
                            *entry = (n, case);
                        }
                        if !opts.keep_going {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
                tick(done.fetch_add(1, Ordering::Relaxed) + 1);
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let (mut summary, failures, done) = state.into_inner().unwrap_or_else(|p| p.into_inner());
    summary.indices = done.indices(opts.shard);
    let mut failures: Vec<(Signature, u64, Case)> =
        failures.into_iter().map(|(s, (n, c))| (s, n, c)).collect();
    failures.sort_by_key(|(_, n, _)| *n);
    if !opts.keep_going {
        failures.truncate(1);
    }
    summary.stopped = crate::interrupt::caught();
    for (sig, n, original) in failures {
        if summary.stopped.is_some() {
            // Stopping now: the failure is kept as found, not shrunk.
            summary.found.push(Failure {
                run: n,
                signature: sig,
                shrunk: original.clone(),
                original,
            });
            continue;
        }
        let fails = |c: &Case| judge(apps, c, opts).ok().and_then(|(s, _)| s) == Some(sig);
        let shrunk = shrink::shrink(&original, fails, opts.shrink_budget);
        summary.found.push(Failure {
            run: n,
            signature: sig,
            original,
            shrunk,
        });
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}
