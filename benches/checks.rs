//! How the checks grow with the history: a varied lifecycle (downloads, Home, system kills,
//! relaunches, network loss, pauses) is run until it has about 10k, 100k and 1M events, and
//! the checks are timed on each history. Linear checks keep the time per event flat; the
//! ratio column compares each size's time per event with the smallest one's, measured in the
//! same run.
//!
//! `cargo bench --bench checks` (add `-- --quick` for 10k and 100k only).

use bgsim::check::{self, Evidence};
use bgsim::registry::Apps;
use bgsim::runner::{run_scenario, Overrides};
use bgsim::world::Transport;
use bgsim_simulator::RunEnd;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// The two kinds of history: few long downloads with fine-grained progress (most events
/// are the transfer's), or many short ones (most are the lifecycle's, with thousands of
/// tasks, downloads and processes for the checks to relate).
#[derive(Clone, Copy, Debug)]
enum Shape {
    Progress,
    ManyDownloads,
}

/// One cycle of the lifecycle, every 60 s of virtual time: three downloads, Home, a system
/// kill while they run, the network lost and back, a relaunch, a pause and a resume.
fn scenario(shape: Shape, cycles: usize, max_events: u64) -> String {
    let (network, size) = match shape {
        Shape::Progress => (
            "[network]\nbandwidth = \"256KiB/s\"\nlatency = \"5ms\"\n\
             [profile]\nprogress_interval = \"20ms\"\nprogress_granularity = \"1KiB\"\n",
            "1MiB",
        ),
        Shape::ManyDownloads => (
            "[network]\nbandwidth = \"4MiB/s\"\nlatency = \"5ms\"\n",
            "48KiB",
        ),
    };
    let mut text = format!(
        "name = \"checks benchmark\"\napp = \"reference\"\nseed = 3\nmax_events = {max_events}\n{network}"
    );
    for f in 0..3 {
        let _ = write!(
            text,
            "[[fixture]]\npath = \"/f{f}.bin\"\nsize = \"{size}\"\nseed = {f}\n"
        );
    }
    let mut step = |at_ms: usize, what: &str| {
        let _ = write!(text, "[[step]]\nat = \"{at_ms}ms\"\n{what}\n");
    };
    for c in 0..cycles {
        let t = c * 60_000;
        step(t, "do = \"launch\"");
        for f in 0..3 {
            step(
                t + 100 + f,
                &format!("do = \"download\"\nurl = \"/f{f}.bin\"\nto = \"Documents/c{c}-{f}.bin\""),
            );
        }
        step(
            t + 150,
            &format!("do = \"pause-download\"\nto = \"Documents/c{c}-0.bin\""),
        );
        step(
            t + 300,
            &format!("do = \"resume-download\"\nto = \"Documents/c{c}-0.bin\""),
        );
        step(t + 400, "do = \"home\"");
        step(t + 5_500, "do = \"system-kill\"");
        step(t + 6_000, "do = \"network-down\"");
        step(t + 20_000, "do = \"network-up\"");
        step(t + 40_000, "do = \"launch\"");
        step(t + 50_000, "do = \"home\"");
    }
    text
}

struct Measured {
    events: usize,
    checks_s: f64,
    sim_s: f64,
}

fn measure(shape: Shape, target_events: u64) -> Measured {
    let apps = Apps::builtin();
    // A scenario has at most 10,000 steps: at most 800 cycles of 12. A cycle of the
    // progress shape leaves over a thousand events, and the event bound cuts the run at the
    // size; the other shape has as many cycles as fit.
    let cycles = match shape {
        Shape::Progress => (target_events / 1000).clamp(1, 800),
        Shape::ManyDownloads => 800,
    } as usize;
    let text = scenario(shape, cycles, target_events);
    let scenario = bgsim::scenario::parse(&text, Path::new("bench.toml"), &apps.known())
        .expect("the benchmark's scenario is valid");
    let overrides = Overrides {
        transport: Transport::Memory,
        ..Overrides::default()
    };
    let started = Instant::now();
    let outcome = run_scenario(&apps, &scenario, &overrides).expect("the run starts");
    let sim_s = started.elapsed().as_secs_f64();
    let evidence = Evidence::new(
        &outcome.run.history,
        &outcome.run.sandbox,
        &outcome.run.server,
        outcome.run.end == RunEnd::Quiet,
    );
    let started = Instant::now();
    let violations = check::judge(&evidence);
    let checks_s = started.elapsed().as_secs_f64();
    assert_eq!(
        violations.len(),
        outcome.violations.len(),
        "judging is repeatable"
    );
    Measured {
        events: outcome.run.history.records().len(),
        checks_s,
        sim_s,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; only `--quick` changes anything.
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: &[u64] = if quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    println!(
        "{:<14} {:>10} {:>12} {:>14} {:>8} {:>10}",
        "shape", "events", "checks (ms)", "µs per event", "ratio", "run (s)"
    );
    let mut base_us_per_event = None;
    let cases = sizes.iter().map(|&s| (Shape::Progress, s));
    // The many-downloads history ends at about 100k events (800 cycles).
    let cases = cases.chain([
        (Shape::ManyDownloads, 10_000),
        (Shape::ManyDownloads, 1_000_000),
    ]);
    for (shape, size) in cases {
        let m = measure(shape, size);
        let us_per_event = m.checks_s * 1e6 / m.events as f64;
        let base = *base_us_per_event.get_or_insert(us_per_event);
        println!(
            "{:<14} {:>10} {:>12.1} {:>14.3} {:>8.2} {:>10.1}",
            format!("{shape:?}"),
            m.events,
            m.checks_s * 1e3,
            us_per_event,
            us_per_event / base,
            m.sim_s
        );
    }
}
