//! download-1gib-tcp: a child `bgsim run` downloading a large generated fixture over TCP,
//! the container on disk (its wall time and peak resident set), against curl fetching the
//! same bytes from a child `bgsim serve` into a file on the same disk. bgsim does more than
//! curl (a simulated daemon and app, the file compared with what was served afterwards), so
//! the target allows it 1.5 times curl's time.

use super::proc::{self, TempDir};
use super::report::{Baseline, Row, Target, Unit};
use super::{io_error, large_download, median, ms, repeat, Sizes};
use std::process::Command;

/// What one `bgsim run` cost: wall ms and peak MiB.
fn run_once(scenario: &std::path::Path) -> Result<(f64, f64), String> {
    let cost = proc::measure(
        Command::new(proc::exe().map_err(io_error)?)
            .args(["run", "-q", "--transport", "tcp", "--container", "disk"])
            .arg(scenario),
    )
    .map_err(io_error)?;
    if !cost.status.success() {
        return Err(format!("bgsim run failed ({}): {}", cost.status, cost.stdout));
    }
    let peak = cost.peak_mib.ok_or("no peak memory on this system")?;
    Ok((ms(cost.wall), peak))
}

pub fn bench(sizes: Sizes) -> Result<Vec<Row>, String> {
    let dir = TempDir::new().map_err(io_error)?;
    let scenario = dir.path().join("download.toml");
    std::fs::write(&scenario, large_download(sizes.large_bytes)).map_err(io_error)?;
    let runs = repeat(|| run_once(&scenario))?;
    let run_ms = median(runs.iter().map(|r| r.0));
    let peak_mib = median(runs.iter().map(|r| r.1));
    let size_mib = sizes.large_bytes >> 20;
    let time_baseline = if proc::installed("curl", "--version") {
        let served = proc::serve(&scenario).map_err(io_error)?;
        let url = format!("http://{}/big.bin", served.addr);
        let to = dir.path().join("curl.bin");
        let curl_ms = median(repeat(|| proc::curl(&url, &to).map(ms).map_err(io_error))?);
        Baseline::Measured {
            what: "curl -o a file from bgsim serve".into(),
            value: curl_ms,
        }
    } else {
        Baseline::Missing("curl not installed (apt-get install curl)".into())
    };
    Ok(vec![
        Row {
            bench: "download-1gib-tcp",
            measured: format!("bgsim run: {size_mib} MiB over TCP, wall time"),
            unit: Unit::Ms,
            value: run_ms,
            baseline: time_baseline,
            target: Target::RatioAtMost(1.5),
        },
        Row {
            bench: "download-1gib-tcp",
            measured: format!("bgsim run: {size_mib} MiB over TCP, peak RSS"),
            unit: Unit::Mib,
            value: peak_mib,
            baseline: Baseline::Missing("none: an absolute bound".into()),
            target: Target::AtMost(64.0),
        },
    ])
}
