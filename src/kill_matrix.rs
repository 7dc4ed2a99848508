//! The kill matrix: every buggy variant of an app (for bgsim's own reference app, the
//! mutants of src/apps/mutants.rs and the article's port) against every scenario. A variant
//! is killed by a scenario when any check fires on its run (whatever the scenario expects of
//! the app it was written for). The correct app (the model) must pass every scenario written
//! for it, and no check may fire on it in the others (their file expectations are about the
//! app they were written for, so they are not held against it). A harness that lets a real
//! bug through, or cries wolf on the model answer, is not worth running.

use crate::registry::Apps;
use crate::runner::{run_scenario, Overrides};
use crate::scenario::Scenario;
use crate::world::Transport;
use bgsim_simulator::sandbox::Storage;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scenario that caught an app, and the checks that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kill {
    /// The scenario's name (its file stem).
    pub scenario: String,
    /// The checks that fired, in catalogue order.
    pub checks: Vec<&'static str>,
}

/// An app the harness must catch: a buggy variant of the model.
#[derive(Clone, Debug)]
pub struct Suspect {
    /// The app's name.
    pub name: String,
    /// The checks its bugs are about: at least one of them must catch it.
    pub caught_by: Vec<String>,
}

/// The registered variants of `model`, in registration order (for the reference app: the
/// article's app, then every mutant, in table order).
pub fn suspects(apps: &Apps, model: &str) -> Vec<Suspect> {
    (apps.variants_of(model))
        .filter_map(|a| {
            let v = a.variant.as_ref()?;
            Some(Suspect {
                name: a.name.clone(),
                caught_by: v.caught_by.clone(),
            })
        })
        .collect()
}

/// One suspect's line of the matrix.
#[derive(Clone, Debug)]
pub struct Row {
    /// The app.
    pub mutant: Suspect,
    /// Every scenario that killed it, in scenario order.
    pub kills: Vec<Kill>,
}

impl Row {
    /// The first kill by a check the mutant's bug is about, if any.
    pub fn by_its_checks(&self) -> Option<&Kill> {
        let about = |c: &&str| self.mutant.caught_by.iter().any(|b| b == c);
        self.kills.iter().find(|k| k.checks.iter().any(about))
    }
}

/// The whole matrix.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// The correct app the variants vary.
    pub model: String,
    /// The scenarios the matrix ran, by name.
    pub scenarios: Vec<String>,
    /// Scenarios the model did not pass, and why: must be empty.
    pub reference_failures: Vec<(String, String)>,
    /// One row per mutant, in table order.
    pub rows: Vec<Row>,
}

impl Matrix {
    /// Mutants no scenario killed.
    pub fn survivors(&self) -> Vec<&str> {
        let alive = self.rows.iter().filter(|r| r.kills.is_empty());
        alive.map(|r| r.mutant.name.as_str()).collect()
    }

    /// Mutants killed, but never by a check their bug is about.
    pub fn off_target(&self) -> Vec<&str> {
        let off = self.rows.iter().filter(|r| !r.kills.is_empty());
        off.filter(|r| r.by_its_checks().is_none())
            .map(|r| r.mutant.name.as_str())
            .collect()
    }

    /// Whether the harness holds: the reference app passes everything, and every mutant
    /// is killed by a check its bug is about.
    pub fn holds(&self) -> bool {
        self.reference_failures.is_empty()
            && self.survivors().is_empty()
            && self.off_target().is_empty()
    }
}

/// Runs `mutants` and their `model` (apps of `apps`) against every scenario of `scenarios`
/// (named), each with its own seed, on `transport`.
pub fn build(
    apps: &Apps,
    model: &str,
    scenarios: &[(String, Scenario)],
    mutants: &[Suspect],
    transport: Transport,
) -> Result<Matrix, String> {
    let run = |scenario: &Scenario, app: &str| {
        let overrides = Overrides {
            app: Some(app.to_string()),
            seed: None,
            transport,
            // The matrix runs hundreds of scenarios: in memory, the container goes with the
            // pipe (the same histories as on disk and over TCP, tests/integration/determinism.rs).
            storage: match transport {
                Transport::Memory => Storage::Memory,
                Transport::Tcp => Storage::Disk,
            },
        };
        let stopped = || crate::interrupt::caught().map(crate::interrupt::name);
        if let Some(signal) = stopped() {
            return Err(format!("stopped by {signal}"));
        }
        let o = run_scenario(apps, scenario, &overrides)
            .map_err(|e| format!("{}: {e}", scenario.name))?;
        match o.stopped() {
            true => Err(format!("stopped by {}", stopped().unwrap_or("a signal"))),
            false => Ok(o),
        }
    };
    let mut reference_failures = Vec::new();
    for (name, s) in scenarios {
        let o = run(s, model)?;
        let mut why: Vec<String> = o.violations.iter().map(|v| v.check.to_string()).collect();
        if s.app == model {
            why.extend(o.missing.iter().map(|m| format!("missing {m}")));
            why.extend(o.file_problems.iter().cloned());
            if o.unbounded() {
                why.push("did not settle".into());
            }
        }
        if !why.is_empty() {
            reference_failures.push((name.clone(), why.join("; ")));
        }
    }
    let row = |mutant: Suspect| -> Result<Row, String> {
        let mut kills = Vec::new();
        for (name, s) in scenarios {
            let o = run(s, &mutant.name)?;
            let mut checks: Vec<&'static str> = o.violations.iter().map(|v| v.check).collect();
            checks.dedup();
            if !checks.is_empty() {
                kills.push(Kill {
                    scenario: name.clone(),
                    checks,
                });
            }
        }
        Ok(Row { mutant, kills })
    };
    // Every run is independent and deterministic: the rows are computed on every core,
    // each worker taking the next mutant, and put back in table order.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let mut rows: Vec<(usize, Result<Row, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(mutant) = mutants.get(i) else {
                            return done;
                        };
                        done.push((i, row(mutant.clone())));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a kill-matrix worker panicked"))
            .collect()
    });
    rows.sort_by_key(|(i, _)| *i);
    let rows = rows
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Matrix {
        model: model.to_string(),
        scenarios: scenarios.iter().map(|(n, _)| n.clone()).collect(),
        reference_failures,
        rows,
    })
}

/// The matrix as text: one line per mutant with the first scenario that kills it by a
/// check its bug is about (else its first kill), then how many scenarios kill it.
pub fn render(m: &Matrix) -> String {
    let width = m
        .rows
        .iter()
        .map(|r| r.mutant.name.len())
        .max()
        .unwrap_or(6);
    let mut out = format!(
        "{} buggy variants of {} x {} scenarios\n\n",
        m.rows.len(),
        m.model,
        m.scenarios.len()
    );
    out.push_str(&format!(
        "{:<width$}  {:>5}  killed by (scenario: checks)\n",
        "app", "kills"
    ));
    for r in &m.rows {
        let shown = match r.by_its_checks().or(r.kills.first()) {
            None => "SURVIVED".to_string(),
            Some(k) => format!("{}: {}", k.scenario, k.checks.join(", ")),
        };
        let mark = if !r.kills.is_empty() && r.by_its_checks().is_none() {
            "  (not by its checks: expected one of ".to_string()
                + &r.mutant.caught_by.join(", ")
                + ")"
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{:<width$}  {:>5}  {shown}{mark}\n",
            r.mutant.name,
            r.kills.len()
        ));
    }
    out.push('\n');
    if m.reference_failures.is_empty() {
        out.push_str(&format!("{}: passes every scenario\n", m.model));
    } else {
        for (s, why) in &m.reference_failures {
            out.push_str(&format!("{} FAILS {s}: {why}\n", m.model));
        }
    }
    let (survivors, off) = (m.survivors(), m.off_target());
    out.push_str(&format!(
        "{} killed, {} survived, {} killed only by other checks\n",
        m.rows.len() - survivors.len(),
        survivors.len(),
        off.len()
    ));
    out
}
