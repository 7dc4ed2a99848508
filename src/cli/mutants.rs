//! `bgsim mutants`: the kill matrix (see [`crate::kill_matrix`]).

use super::run::expand;
use super::CliError;
use crate::apps;
use crate::check;
use crate::kill_matrix;
use crate::scenario::{self, Known};
use crate::world::Transport;
use std::path::PathBuf;

/// Runs every mutant against the scenarios below `paths` and prints the matrix. Returns the
/// exit code: 1 when a mutant survives (or is caught only by checks its bug is not about)
/// or the reference app fails a scenario, else 0. A scenario file that does not load is bad
/// input (exit 2): a matrix over a partial set would mislead.
pub fn mutants(paths: &[PathBuf], transport: Transport) -> Result<u8, CliError> {
    let checks = check::ids();
    let known = Known {
        apps: &apps::NAMES,
        checks: &checks,
    };
    let mut scenarios = Vec::new();
    for file in expand(paths)? {
        let s = scenario::load(&file, &known).map_err(|e| CliError::input(e.to_string()))?;
        let stem = file.file_stem().map_or_else(
            || file.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        scenarios.push((stem, s));
    }
    let matrix =
        kill_matrix::build(&scenarios, &kill_matrix::suspects(), transport).map_err(|e| {
            CliError {
                message: format!("a run failed: {e}."),
                code: 1,
            }
        })?;
    print!("{}", kill_matrix::render(&matrix));
    Ok(if matrix.holds() { 0 } else { 1 })
}
