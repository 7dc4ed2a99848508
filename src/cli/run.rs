//! `bgsim run FILE|DIR...`: run scenario files and judge them.

use super::args::ReportArgs;
use super::{emit, CliError};
use crate::registry::Apps;
use crate::report::verdict::{shell_word, Verdict};
use crate::report::{json, junit, summary, text, Format};
use crate::runner::{run_scenario, Overrides};
use crate::scenario;
use crate::shard::Shard;
use std::path::{Path, PathBuf};

/// Options of `bgsim run`.
pub struct RunOptions {
    /// Files or folders (every `*.toml` below a folder, sorted).
    pub paths: Vec<PathBuf>,
    /// `--app`, `--seed`, `--transport`.
    pub overrides: Overrides,
    /// Only verdicts, no timelines.
    pub quiet: bool,
    /// Run only this part of the files (in the order [`expand`] gives them).
    pub partition: Option<Shard>,
    /// Text or JSON lines.
    pub format: Format,
    /// Colour in the text report.
    pub colour: bool,
    /// `--junit`, `--summary`: the reports for CI.
    pub reports: ReportArgs,
    /// `--html FILE`: every run's timeline in one page.
    pub html: Option<PathBuf>,
}

/// Every scenario file named by `paths`, folders expanded, in order.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            collect_toml(p, &mut found)
                .map_err(|e| CliError::input(format!("cannot read {}: {e}.", p.display())))?;
            found.sort();
            if found.is_empty() {
                return Err(CliError::input(format!(
                    "{} holds no .toml scenario files.",
                    p.display()
                )));
            }
            out.extend(found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(CliError::input(format!("{} does not exist.", p.display())));
        }
    }
    Ok(out)
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs every scenario against `apps`; returns the exit code: 2 if any file was bad input,
/// else 3 if any run did not settle, else 1 if any failed, else 0. Bad files are reported
/// and skipped, so one broken file does not hide the verdicts of the others.
pub fn run(apps: &Apps, opts: &RunOptions) -> Result<u8, CliError> {
    if let Some(app) = &opts.overrides.app {
        if let Some(unknown) = apps.unknown(app) {
            return Err(CliError::input(format!("{unknown}.")));
        }
    }
    let mut files = expand(&opts.paths)?;
    if let Some(part) = opts.partition {
        files = part.take(files);
    }
    let mut html = opts.html.as_deref().map(crate::report::html::Collector::create).transpose()?;
    let known = apps.known();
    let (mut passed, mut failed, mut bad, mut unbounded) = (0, 0, 0, 0);
    let mut stopped = None;
    // Kept for the CI reports only: a few strings per scenario, not its history.
    let mut verdicts = Vec::new();
    for file in &files {
        if let Some(signal) = crate::interrupt::caught() {
            stopped = Some(signal);
            break;
        }
        let scenario = match scenario::load(file, &known) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("bgsim: {}", crate::report::escape(&e.to_string()));
                verdicts.push(Verdict::not_loaded(file, e.to_string()));
                bad += 1;
                continue;
            }
        };
        let outcome = match run_scenario(apps, &scenario, &opts.overrides) {
            Ok(outcome) => outcome,
            Err(e) => {
                // A run that cannot start (a fixture file unreadable since it was checked,
                // no temporary folder) is this file's failure; the others still run.
                eprintln!(
                    "bgsim: {}",
                    crate::report::escape(&format!("{}: the run failed: {e}", file.display()))
                );
                verdicts.push(Verdict::not_loaded(file, format!("the run failed: {e}")));
                bad += 1;
                continue;
            }
        };
        if outcome.stopped() {
            // Cut short: no verdict on the app. Its temporary folder goes with `outcome`.
            stopped = crate::interrupt::caught().or(Some(signal_hook::consts::SIGINT));
            break;
        }
        let report = match opts.format {
            Format::Text => text::render(
                &scenario,
                &outcome,
                opts.quiet,
                text::Style {
                    colour: opts.colour,
                },
            ),
            Format::Json => json::render(&scenario, &outcome, opts.quiet),
        };
        emit(&report)?;
        let replay = replay(apps, opts, file, outcome.seed);
        verdicts.push(Verdict::judged(&scenario, &outcome, replay));
        if let Some(html) = &mut html {
            html.add(&scenario, &outcome);
        }
        if outcome.unbounded() {
            unbounded += 1;
        }
        if outcome.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    if opts.format == Format::Text {
        let not_loaded = match bad {
            0 => String::new(),
            n => format!(", {n} not loaded (see above)"),
        };
        let stopped_by = match stopped {
            Some(signal) => format!(
                ", stopped by {} after {} of {} files",
                crate::interrupt::name(signal),
                passed + failed + bad,
                files.len()
            ),
            None => String::new(),
        };
        emit(&format!(
            "{passed} passed, {failed} failed{not_loaded}{stopped_by}\n"
        ))?;
    } else {
        let stopped_by = stopped.map(crate::interrupt::name);
        emit(&json::summary(passed, failed, unbounded, bad, stopped_by))?;
    }
    super::reports::write(
        &opts.reports,
        || junit::render("bgsim run", &junit::run_cases(&verdicts)),
        || summary::run(&verdicts),
    )?;
    if let Some(html) = html {
        html.finish()?;
    }
    if let Some(signal) = stopped {
        return Ok(crate::interrupt::exit_code(signal));
    }
    Ok(match (bad, unbounded, failed) {
        (b, _, _) if b > 0 => 2,
        (_, u, _) if u > 0 => 3,
        (_, _, f) if f > 0 => 1,
        _ => 0,
    })
}

/// The command that replays the run of `file`: its seed, and the app when `--app` or
/// `--app-command` chose it (the transport and the container do not change a history).
fn replay(apps: &Apps, opts: &RunOptions, file: &Path, seed: u64) -> String {
    let mut line = format!(
        "{} run {} --seed {seed}",
        super::program_name(),
        shell_word(&file.display().to_string())
    );
    if let Some(app) = &opts.overrides.app {
        // An app in another language is known by its command line, not by a name.
        match apps.get(app).and_then(|a| a.command.as_ref()) {
            Some(command) => {
                let words: Vec<String> = command.argv.iter().map(|w| shell_word(w)).collect();
                line.push_str(&format!(" --app-command {}", shell_word(&words.join(" "))));
            }
            None => line.push_str(&format!(" --app {}", shell_word(app))),
        }
    }
    line
}
