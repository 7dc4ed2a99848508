//! `bgsim bench` (issue 16): how fast and how lean bgsim is, each figure next to a baseline
//! measured in the same invocation and the target it is held to. Wall time is what is
//! measured here; nothing in a simulation reads it, so no history changes.
//!
//! One module per benchmark; [`report`] prints the rows. The benchmarks that measure a
//! process's peak memory run bgsim as a child (`run`, `serve`, or `bench --one`), so that
//! each peak is that run's alone.

mod download;
mod fuzz;
mod proc;
pub mod report;
mod scale;
mod serve;
mod timeline;

use crate::registry::Apps;
use report::Row;
use std::time::Duration;

/// Every timed figure is the median of this many repetitions.
pub const REPETITIONS: usize = 3;

/// The benchmarks, in the order they run.
pub const NAMES: [&str; 5] = [
    "fuzz",
    "timeline-7d",
    "download-1gib-tcp",
    "downloads-scale",
    "serve-1gib",
];

/// Sizes of one invocation.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Fuzz runs per repetition.
    pub fuzz_runs: u64,
    /// The large download and the served file.
    pub large_bytes: u64,
    /// The two session sizes of downloads-scale.
    pub small_downloads: usize,
    pub many_downloads: usize,
}

impl Sizes {
    /// The sizes, or with `quick` ones small enough for a test and CI.
    pub fn new(quick: bool) -> Sizes {
        match quick {
            false => Sizes {
                fuzz_runs: 10_000,
                large_bytes: 1 << 30,
                small_downloads: 1_000,
                many_downloads: 10_000,
            },
            true => Sizes {
                fuzz_runs: 500,
                large_bytes: 64 << 20,
                // Ten times as many downloads cost more than ten times the time (22 times
                // for 100 and 1,000): these keep --quick well under a minute.
                small_downloads: 50,
                many_downloads: 500,
            },
        }
    }
}

/// Runs the benchmarks named in `only` (all when empty), in [`NAMES`] order; names not in
/// [`NAMES`] match nothing.
pub fn run(apps: &Apps, sizes: Sizes, only: &[String]) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for name in NAMES {
        if !only.is_empty() && !only.iter().any(|n| n == name) {
            continue;
        }
        let found = match name {
            "fuzz" => fuzz::bench(apps, sizes),
            "timeline-7d" => timeline::bench(apps),
            "download-1gib-tcp" => download::bench(sizes),
            "downloads-scale" => scale::bench(sizes),
            "serve-1gib" => serve::bench(sizes),
            _ => unreachable!("NAMES are matched above"),
        };
        rows.extend(found.map_err(|e| format!("{name}: {e}"))?);
    }
    Ok(rows)
}

/// In a child started by a benchmark: runs one case and prints its figures on one line.
pub fn one(apps: &Apps, case: &str) -> Result<String, String> {
    scale::one(apps, case)
}

/// The results of `REPETITIONS` calls of `f`; after SIGINT, SIGTERM or SIGHUP, an error, so
/// that the benchmarks stop and their guards kill the children and remove the folders.
fn repeat<T>(mut f: impl FnMut() -> Result<T, String>) -> Result<Vec<T>, String> {
    (0..REPETITIONS)
        .map(|_| match crate::interrupt::caught() {
            Some(signal) => Err(format!("stopped by {}", crate::interrupt::name(signal))),
            None => f(),
        })
        .collect()
}

/// The median of `figures` (the upper one of an even count).
fn median(figures: impl IntoIterator<Item = f64>) -> f64 {
    let mut all: Vec<f64> = figures.into_iter().collect();
    all.sort_by(f64::total_cmp);
    all.get(all.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A scenario downloading one generated fixture of `size_bytes` at `/big.bin` to
/// `Documents/big.bin` and expecting it byte for byte. The simulated network is fast
/// (1 GiB/s of virtual time): what is timed is bgsim's own work, not a modelled link.
fn large_download(size_bytes: u64) -> String {
    format!(
        "name = \"bench: download {size_bytes} bytes\"\napp = \"reference\"\n\
         [network]\nbandwidth = \"1GiB/s\"\n\
         [[fixture]]\npath = \"/big.bin\"\nsize = \"{size_bytes}B\"\nseed = 7\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
         [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/big.bin\"\nto = \"Documents/big.bin\"\n\
         [expect]\nviolations = []\nfiles = {{ \"Documents/big.bin\" = \"/big.bin\" }}\n"
    )
}

fn io_error(e: std::io::Error) -> String {
    e.to_string()
}
