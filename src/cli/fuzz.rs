//! `bgsim fuzz`: generated lifecycles against an app; failures shrunk to scenario files.

use super::CliError;
use crate::apps;
use crate::fuzz::campaign::{self, Options, Summary, DID_NOT_SETTLE};
use crate::fuzz::coverage::MARKS;
use std::path::{Path, PathBuf};

/// Runs a campaign, prints its summary, writes each shrunk failure below `out`. Returns the
/// exit code: 0 nothing found, 1 a check failed, 3 only runs that did not settle.
pub fn fuzz(opts: &Options, out: &Path, progress: bool) -> Result<u8, CliError> {
    if apps::factory(&opts.app).is_none() {
        return Err(CliError::input(format!(
            "unknown app `{}`; expected one of: {}.",
            opts.app,
            apps::NAMES.join(", ")
        )));
    }
    if opts.runs == Some(0) {
        return Err(CliError::input(
            "--runs 0 runs nothing; expected at least 1.",
        ));
    }
    let bar = progress.then(|| {
        let bar = match opts.runs {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos} runs {per_sec} [{elapsed_precise}] {wide_bar}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let tick = |done: u64| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    };
    let summary = campaign::campaign(opts, &tick).map_err(|e| CliError {
        message: format!("the fuzzer failed: {e}."),
        code: 1,
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let written = write_failures(&summary, &opts.app, out)?;
    print!("{}", report(opts, &summary, &written));
    Ok(match summary.found.first().map(|f| f.signature) {
        None => 0,
        Some(DID_NOT_SETTLE) if summary.found.len() == 1 => 3,
        Some(_) => 1,
    })
}

/// Writes each shrunk failure as a scenario file; returns their paths, in `found` order.
fn write_failures(summary: &Summary, app: &str, out: &Path) -> Result<Vec<PathBuf>, CliError> {
    if summary.found.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}.", out.display())))?;
    let mut paths = Vec::new();
    for f in &summary.found {
        let path = out.join(format!("{app}-{}-run{}.toml", f.signature, f.run));
        let name = format!(
            "fuzz: {} found by run {} of {app}, shrunk from {} to {} steps",
            f.signature,
            f.run,
            f.original.timeline().len(),
            f.shrunk.timeline().len()
        );
        std::fs::write(&path, f.shrunk.to_toml(app, &name))
            .map_err(|e| CliError::input(format!("cannot write {}: {e}.", path.display())))?;
        paths.push(path);
    }
    Ok(paths)
}

/// The summary: runs, rate, failures by signature, coverage marks, what was written.
fn report(opts: &Options, s: &Summary, written: &[PathBuf]) -> String {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.runs as f64 / secs
    } else {
        0.0
    };
    let mut out = format!(
        "{} runs of {} in {secs:.1} s ({rate:.0} runs/s, {} jobs, seed {})\n",
        s.runs, opts.app, opts.jobs, opts.seed
    );
    if s.failures_by_signature.is_empty() {
        out.push_str("failures: none\n");
    } else {
        out.push_str("failures:\n");
        for (sig, n) in &s.failures_by_signature {
            out.push_str(&format!("  {sig:<24} {n} runs\n"));
        }
    }
    out.push_str("coverage marks (runs that reached each):\n");
    for (m, n) in MARKS.iter().zip(&s.marks) {
        out.push_str(&format!("  {:<36} {n}\n", m.name));
    }
    for (f, path) in s.found.iter().zip(written) {
        out.push_str(&format!(
            "found {} at run {}: shrunk from {} to {} steps, written to {}\n  replay: bgsim run {}\n",
            f.signature,
            f.run,
            f.original.timeline().len(),
            f.shrunk.timeline().len(),
            path.display(),
            path.display()
        ));
    }
    out
}
