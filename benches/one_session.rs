//! How a session grows with its downloads (issue 16): the reference app, launched once, is
//! asked for 1,000 then 10,000 downloads of a small file, one a millisecond, and the whole
//! run is timed. With a store that saves only what changed, the time per download stays
//! flat; the ratio column compares each size's with the smallest one's, in the same run.
//! A scenario has at most 10,000 steps, the launch among them: the large case has 9,999
//! downloads.
//!
//! `cargo bench --bench one_session` (add `-- --quick` for 1,000 and 3,000 only).

use bgsim::registry::Apps;
use bgsim::runner::{run_scenario, Overrides};
use bgsim::world::Transport;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// A launch, then `downloads` downloads of a 4 KiB file, one a millisecond.
fn scenario(downloads: usize) -> String {
    let mut text = String::from(
        "name = \"one session\"\napp = \"reference\"\nmax_events = 20000000\n\
         [network]\nbandwidth = \"1GiB/s\"\n\
         [[fixture]]\npath = \"/small.bin\"\nsize = \"4KiB\"\nseed = 1\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n",
    );
    for i in 0..downloads {
        let _ = write!(
            text,
            "[[step]]\nat = \"{}ms\"\ndo = \"download\"\nurl = \"/small.bin\"\nto = \"Documents/d{i}.bin\"\n",
            1000 + i
        );
    }
    text
}

/// Seconds for one run of `downloads` downloads, which must pass its checks.
fn measure(downloads: usize) -> f64 {
    let apps = Apps::builtin();
    let scenario =
        bgsim::scenario::parse(&scenario(downloads), Path::new("bench.toml"), &apps.known())
            .expect("the benchmark's scenario is valid");
    let overrides = Overrides {
        transport: Transport::Memory,
        ..Overrides::default()
    };
    let started = Instant::now();
    let outcome = run_scenario(&apps, &scenario, &overrides).expect("the run starts");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        outcome.passed(),
        "{downloads} downloads: {:?}",
        outcome.violations
    );
    seconds
}

fn main() {
    // `cargo bench` passes `--bench`; only `--quick` changes anything.
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: &[usize] = if quick {
        &[1_000, 3_000]
    } else {
        &[1_000, 9_999]
    };
    println!(
        "{:>10} {:>10} {:>16} {:>8}",
        "downloads", "run (s)", "ms per download", "ratio"
    );
    let mut base = None;
    for &n in sizes {
        let seconds = measure(n);
        let per = seconds * 1e3 / n as f64;
        let base = *base.get_or_insert(per);
        println!("{n:>10} {seconds:>10.2} {per:>16.3} {:>8.2}", per / base);
    }
}
