//! `bgsim bench`: bgsim's performance next to baselines measured in the same invocation
//! (docs/benchmarks.md).

use super::{emit, CliError};
use crate::bench::{self, report, Sizes, REPETITIONS};
use crate::registry::Apps;
use clap::Args;

/// The options of `bgsim bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Small sizes (64 MiB instead of 1 GiB, 50 and 500 downloads instead of 1,000 and
    /// 10,000...): for a test or CI.
    #[arg(long)]
    quick: bool,
    /// Run only this benchmark (fuzz, timeline-7d, download-1gib-tcp, downloads-scale,
    /// serve-1gib). Repeatable.
    #[arg(long, value_name = "NAME")]
    only: Vec<String>,
    /// Internal: run one case in this process and print its figures (the benchmarks start
    /// bgsim as a child this way, to measure one run's peak memory alone).
    #[arg(long, hide = true, value_name = "CASE")]
    one: Option<String>,
}

/// Runs the benchmarks; exit code 0 when they ran (a missed target is a figure, not an
/// error), 1 when one could not run.
pub(crate) fn bench(apps: &Apps, args: &BenchArgs) -> Result<u8, CliError> {
    let failed = |message: String| CliError { message, code: 1 };
    if let Some(case) = &args.one {
        let line = bench::one(apps, case).map_err(failed)?;
        emit(&format!("{line}\n"))?;
        return Ok(0);
    }
    if let Some(unknown) = args.only.iter().find(|n| !bench::NAMES.contains(&n.as_str())) {
        return Err(CliError::input(format!(
            "--only {unknown}: no such benchmark; expected one of {}.",
            bench::NAMES.join(", ")
        )));
    }
    let rows = bench::run(apps, Sizes::new(args.quick), &args.only)
        .map_err(|e| failed(format!("{e}.")))?;
    let text = match args.json {
        true => format!("{}\n", report::json(&rows, REPETITIONS, args.quick)),
        false => report::table(&rows, REPETITIONS, args.quick),
    };
    emit(&text)?;
    Ok(0)
}
