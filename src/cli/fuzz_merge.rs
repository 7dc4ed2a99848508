//! `bgsim fuzz merge FILE...`: the summaries of a campaign's shards, run on several
//! machines, summed up into the summary of the whole campaign (docs/campaigns.md).

use super::{emit, CliError};
use crate::fuzz::merge;
use crate::fuzz::report::Report;
use std::path::PathBuf;

/// Reads the summaries in `files`, merges them and prints the result as one JSON object.
/// Returns the exit code of the failures found, as `bgsim fuzz` would for the whole
/// campaign, so the job that merges fails when any shard found something.
pub(super) fn merge(files: &[PathBuf]) -> Result<u8, CliError> {
    let mut parts = Vec::with_capacity(files.len());
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::input(format!("cannot read {name}: {e}.")))?;
        let report: Report = serde_json::from_str(&text).map_err(|e| {
            CliError::input(format!("{name}: not a `bgsim fuzz --json` summary: {e}."))
        })?;
        parts.push((name, report));
    }
    let merged = merge::merge(&parts).map_err(|e| CliError::input(format!("{e}.")))?;
    emit(&(merged.to_json() + "\n"))?;
    Ok(super::fuzz::exit_code(
        merged.failures.iter().map(|f| f.signature.as_str()),
    ))
}
