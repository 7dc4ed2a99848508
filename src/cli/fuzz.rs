//! `bgsim fuzz`: generated lifecycles against an app; failures shrunk to scenario files.

use super::args::ReportArgs;
use super::{emit, CliError};
use crate::report::{junit, summary};
use crate::fuzz::campaign::{self, Options, Summary, DID_NOT_SETTLE};
use crate::fuzz::coverage::MARKS;
use crate::fuzz::report::Report;
use crate::registry::{AppSpec, Apps};
use crate::runner::{run_scenario, Overrides};
use crate::scenario;
use crate::world::Transport;
use std::path::{Path, PathBuf};

/// How a campaign reports.
pub struct Output<'a> {
    /// A progress bar on standard error.
    pub progress: bool,
    /// The summary as one JSON object ([`Report`]) instead of text; what else the command
    /// has to say goes to standard error, so standard output stays one object.
    pub json: bool,
    /// The command's name, for the replay lines.
    pub program: &'a str,
    /// `--junit`, `--summary`: the reports for CI.
    pub reports: &'a ReportArgs,
    /// `--html FILE`: the shrunk failure's timeline.
    pub html: Option<&'a Path>,
}

/// Runs a campaign against `opts.app` (one of `apps`), prints its summary, writes each
/// shrunk failure below `out`. The failures kept in `out` from earlier campaigns of the same
/// app are replayed first, like proptest's regression files: while one still fails, no new
/// campaign runs. Returns the exit code: 0 nothing found, 1 a check failed, 3 only runs that
/// did not settle.
pub fn fuzz(apps: &Apps, opts: &Options, out: &Path, output: &Output) -> Result<u8, CliError> {
    let program = output.program;
    let say = |text: &str| match output.json {
        true => {
            eprint!("{text}");
            Ok(())
        }
        false => emit(text),
    };
    if let Some(unknown) = apps.unknown(&opts.app) {
        return Err(CliError::input(format!("{unknown}.")));
    }
    if opts.runs == Some(0) {
        return Err(CliError::input(
            "--runs 0 runs nothing; expected at least 1.",
        ));
    }
    let kept = replay_kept(apps, &opts.app, out)?;
    let still_failing: Vec<&(PathBuf, Option<String>)> =
        kept.iter().filter(|(_, check)| check.is_some()).collect();
    if !still_failing.is_empty() {
        let mut text = String::new();
        for (path, check) in still_failing {
            text.push_str(&format!(
                "kept failure {} still fails: {}\n  replay: {program} run {}\n",
                path.display(),
                check.as_deref().unwrap_or_default(),
                path.display()
            ));
        }
        text.push_str("no new campaign: fix these first (or remove their files)\n");
        say(&text)?;
        let failing: Vec<(PathBuf, String)> = (kept.iter())
            .filter_map(|(p, c)| Some((p.clone(), c.clone()?)))
            .collect();
        let cases = || junit::kept_cases(&opts.app, &failing, program);
        write_reports(output.reports, &opts.app, &cases)?;
        if let Some(html) = output.html {
            let failing: Vec<PathBuf> = kept.iter().filter(|k| k.1.is_some()).map(|k| k.0.clone()).collect();
            crate::report::html::fuzz_page(apps, &failing, html)?;
        }
        return Ok(1);
    }
    if !kept.is_empty() {
        say(&format!(
            "{} kept failures in {} replayed: all pass now\n",
            kept.len(),
            out.display()
        ))?;
    }
    let bar = output.progress.then(|| {
        let bar = match opts.runs {
            Some(n) => indicatif::ProgressBar::new(opts.shard.map_or(n, |s| s.share_of(n))),
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
    crate::heap::keep_freed_blocks_for_reuse();
    let summary = campaign::campaign(apps, opts, &tick).map_err(|e| CliError {
        message: format!("the fuzzer failed: {e}."),
        code: 1,
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let spec = apps.get(&opts.app).expect("checked above");
    let written = write_failures(&summary, spec, out)?;
    if let Some(html) = output.html {
        crate::report::html::fuzz_page(apps, &written, html)?;
    }
    match output.json {
        true => emit(&(Report::new(opts, &summary, spec.name()).to_json() + "\n"))?,
        false => emit(&report(opts, &summary, &written, program))?,
    }
    let cases = || junit::fuzz_cases(opts, &summary, &written, program);
    write_reports(output.reports, &opts.app, &cases)?;
    if let Some(signal) = summary.stopped {
        return Ok(crate::interrupt::exit_code(signal));
    }
    Ok(exit_code(summary.found.iter().map(|f| f.signature)))
}

/// Writes the campaign's `cases` as the CI reports asked for.
fn write_reports(
    reports: &ReportArgs,
    app: &str,
    cases: &dyn Fn() -> Vec<junit::Case>,
) -> Result<(), CliError> {
    let suite = format!("bgsim fuzz {app}");
    super::reports::write(
        reports,
        || junit::render(&suite, &cases()),
        || summary::cases(&suite, &cases()),
    )
}

/// The exit code for the failures found, one per signature: 0 none, 3 when the only one is
/// a run that did not settle, else 1.
pub(super) fn exit_code<'a>(signatures: impl Iterator<Item = &'a str>) -> u8 {
    let signatures: Vec<&str> = signatures.collect();
    match signatures[..] {
        [] => 0,
        [DID_NOT_SETTLE] => 3,
        _ => 1,
    }
}

/// Replays every scenario file in `out` written for `app`: each file with the first check
/// that still fails on it (None when it passes now). Files of other apps are left alone; a
/// file that no longer loads is named on standard error and skipped.
fn replay_kept(
    apps: &Apps,
    app: &str,
    out: &Path,
) -> Result<Vec<(PathBuf, Option<String>)>, CliError> {
    if !out.is_dir() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}.", out.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let known = apps.known();
    let command = apps.get(app).and_then(|a| a.command.as_ref());
    let same_app = |s: &crate::scenario::Scenario| match (command, &s.app_command) {
        (Some(ours), Some(theirs)) => ours.same_as(theirs),
        (None, None) => s.app == app,
        _ => false,
    };
    let memory = Overrides {
        transport: Transport::Memory,
        storage: bgsim_simulator::sandbox::Storage::Memory,
        ..Overrides::default()
    };
    let mut kept = Vec::new();
    for file in files {
        let s = match scenario::load(&file, &known) {
            Ok(s) if same_app(&s) => s,
            Ok(_) => continue,
            Err(e) => {
                eprintln!("bgsim: a kept failure does not load, skipped: {}", crate::report::escape(&e.to_string()));
                continue;
            }
        };
        let o = run_scenario(apps, &s, &memory).map_err(|e| CliError {
            message: format!("{}: the run failed: {e}.", file.display()),
            code: 1,
        })?;
        let failing = match o.passed() {
            true => None,
            false => Some(o.violations.first().map_or_else(
                || "did-not-settle".to_string(),
                |v| v.check.to_string(),
            )),
        };
        kept.push((file, failing));
    }
    Ok(kept)
}

/// Writes each shrunk failure as a scenario file; returns their paths, in `found` order.
fn write_failures(summary: &Summary, app: &AppSpec, out: &Path) -> Result<Vec<PathBuf>, CliError> {
    if summary.found.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}.", out.display())))?;
    let mut paths = Vec::new();
    for f in &summary.found {
        let path = out.join(f.file_name(app.name()));
        std::fs::write(&path, f.scenario_text(app, out))
            .map_err(|e| CliError::input(format!("cannot write {}: {e}.", path.display())))?;
        paths.push(path);
    }
    Ok(paths)
}

/// The summary: runs, rate, failures by signature, coverage marks, what was written.
fn report(opts: &Options, s: &Summary, written: &[PathBuf], program: &str) -> String {
    let secs = s.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.runs as f64 / secs
    } else {
        0.0
    };
    let shard = opts.shard.map(|s| format!(", shard {s}")).unwrap_or_default();
    let mut out = format!(
        "{} runs of {} in {secs:.1} s ({rate:.0} runs/s, {} jobs, seed {}{shard})\n",
        s.runs, opts.app, opts.jobs, opts.seed
    );
    if let Some(signal) = s.stopped {
        out.push_str(&format!(
            "stopped by {} after {} runs: the summary so far (failures not shrunk)\n",
            crate::interrupt::name(signal),
            s.runs
        ));
    }
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
            "found {} at run {}: shrunk from {} to {} steps, written to {}\n  replay: {program} run {}\n",
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
