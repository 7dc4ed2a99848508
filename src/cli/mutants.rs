//! `bgsim mutants`: the kill matrix (see [`crate::kill_matrix`]).

use super::args::ReportArgs;
use super::run::expand;
use super::{emit, CliError};
use crate::report::{junit, summary};
use crate::kill_matrix;
use crate::registry::Apps;
use crate::scenario;
use crate::world::Transport;
use std::path::PathBuf;

/// Runs every buggy variant of `model` (default: the first app that has variants) against
/// the scenarios below `paths` and prints the matrix. Returns the exit code: 1 when a
/// variant survives (or is caught only by checks its bug is not about) or the model fails
/// a scenario, else 0. A scenario file that does not load is bad input (exit 2): a matrix
/// over a partial set would mislead.
pub fn mutants(
    apps: &Apps,
    model: Option<&str>,
    paths: &[PathBuf],
    transport: Transport,
    reports: &ReportArgs,
) -> Result<u8, CliError> {
    let model = match model {
        Some(m) => match apps.unknown(m) {
            Some(unknown) => return Err(CliError::input(format!("{unknown}."))),
            None => m.to_string(),
        },
        None => (apps.iter())
            .find_map(|a| a.variant.as_ref().map(|v| v.of.clone()))
            .ok_or_else(|| {
                CliError::input("no app has buggy variants registered; nothing to run.")
            })?,
    };
    let suspects = kill_matrix::suspects(apps, &model);
    if suspects.is_empty() {
        return Err(CliError::input(format!(
            "{model} has no buggy variants registered; nothing to run."
        )));
    }
    let known = apps.known();
    let mut scenarios = Vec::new();
    for file in expand(paths)? {
        let s = scenario::load(&file, &known).map_err(|e| CliError::input(e.to_string()))?;
        let stem = file.file_stem().map_or_else(
            || file.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        scenarios.push((stem, s));
    }
    let matrix = kill_matrix::build(apps, &model, &scenarios, &suspects, transport).map_err(
        |e| match crate::interrupt::caught() {
            // Stopped: every run's temporary folder is gone; no matrix from part of them.
            Some(signal) => CliError {
                message: format!("{e}: no matrix."),
                code: crate::interrupt::exit_code(signal),
            },
            None => CliError {
                message: format!("a run failed: {e}."),
                code: 1,
            },
        },
    )?;
    emit(&kill_matrix::render(&matrix))?;
    let cases = || junit::matrix_cases(&matrix, paths, &scenarios, &super::program_name());
    let suite = format!("bgsim mutants of {}", matrix.model);
    super::reports::write(
        reports,
        || junit::render(&suite, &cases()),
        || summary::cases(&suite, &cases()),
    )?;
    Ok(if matrix.holds() { 0 } else { 1 })
}
