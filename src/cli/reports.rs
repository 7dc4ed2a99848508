//! Writing the reports for CI (`--junit`, `--summary`, `$GITHUB_STEP_SUMMARY`;
//! docs/reports.md) once a command has its verdicts. A file that cannot be written is bad
//! input (exit code 2), named, as for `fuzz --out`: a CI job must not read a missing report
//! as a pass.

use super::args::ReportArgs;
use super::CliError;
use std::io::Write;
use std::path::Path;

/// GitHub Actions' file for a job step's Markdown summary; bgsim appends to it, as
/// GitHub's documentation asks, so the other steps' summaries stay.
const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

/// Writes the JUnit XML to `--junit` and the Markdown to `--summary` and to
/// `$GITHUB_STEP_SUMMARY`, each only when asked for, so a command builds neither otherwise.
pub(crate) fn write(
    args: &ReportArgs,
    junit: impl FnOnce() -> Result<String, String>,
    summary: impl FnOnce() -> String,
) -> Result<(), CliError> {
    if let Some(path) = &args.junit {
        let xml = junit().map_err(|e| CliError::input(format!("{}: {e}.", path.display())))?;
        std::fs::write(path, xml).map_err(|e| cannot_write(path, &e))?;
    }
    let step = std::env::var_os(GITHUB_STEP_SUMMARY).filter(|v| !v.is_empty());
    if args.summary.is_none() && step.is_none() {
        return Ok(());
    }
    let markdown = summary();
    if let Some(path) = &args.summary {
        std::fs::write(path, &markdown).map_err(|e| cannot_write(path, &e))?;
    }
    if let Some(step) = step {
        append(Path::new(&step), &markdown)
            .map_err(|e| cannot_write(Path::new(&step), &e))?;
    }
    Ok(())
}

/// Appends `markdown` to `path`, after a blank line when the file already holds something
/// (so a summary never runs on from the previous step's last line).
fn append(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let before = match file.metadata()?.len() {
        0 => "",
        _ => "\n",
    };
    file.write_all(format!("{before}{markdown}").as_bytes())
}

fn cannot_write(path: &Path, e: &std::io::Error) -> CliError {
    CliError::input(format!("cannot write {}: {e}.", path.display()))
}
