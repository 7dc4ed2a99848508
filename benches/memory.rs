//! Peak memory of large transfers: a download's body goes from the socket to its
//! temporary file, an upload is streamed from the daemon's copy on disk, so neither is
//! held whole. Each case runs in a child process of this benchmark (a fresh peak), which
//! reports its peak resident set (VmHWM, Linux); the ratio column compares it with a 1 MiB
//! download measured in the same run.
//!
//! `cargo bench --bench memory` (add `-- --quick` for 16 uploads instead of 200).

use bgsim::registry::Apps;
use bgsim::runner::{run_scenario, Overrides};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// A download of `size` at 1 GiB/s, in grants of up to 1 GiB a step: the whole body
/// arrives in one step, the worst case for holding it.
fn download(size: &str) -> String {
    format!(
        "name = \"download {size}\"\napp = \"reference\"\n\
         [network]\nbandwidth = \"1GiB/s\"\n[profile]\nprogress_granularity = \"1GiB\"\n\
         [[fixture]]\npath = \"/big.bin\"\nsize = \"{size}\"\nseed = 7\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
         [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/big.bin\"\nto = \"Documents/big.bin\"\n"
    )
}

/// `count` uploads of 64 MiB, one a second.
fn uploads(count: usize) -> String {
    let mut text = format!(
        "name = \"{count} uploads\"\napp = \"reference\"\n\
         [network]\nbandwidth = \"1GiB/s\"\n[profile]\nprogress_granularity = \"8MiB\"\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n"
    );
    for i in 0..count {
        let _ = write!(
            text,
            "[[step]]\nat = \"{}s\"\ndo = \"upload\"\nurl = \"/uploads/u{i}.bin\"\nsize = \"64MiB\"\nseed = {i}\n",
            i + 1
        );
    }
    text
}

fn case(name: &str) -> String {
    match name {
        "download-1MiB" => download("1MiB"),
        "download-1GiB" => download("1GiB"),
        "uploads-16x64MiB" => uploads(16),
        "uploads-200x64MiB" => uploads(200),
        other => panic!("no case {other}"),
    }
}

/// The peak resident set of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// In the child: runs one case and prints `passed peak_kib`.
fn run_one(name: &str) {
    let apps = Apps::builtin();
    let scenario = bgsim::scenario::parse(&case(name), Path::new("bench.toml"), &apps.known())
        .expect("the benchmark's scenario is valid");
    let outcome = run_scenario(&apps, &scenario, &Overrides::default()).expect("the run starts");
    println!("{} {}", outcome.passed(), peak_rss_kib());
}

fn measure(name: &str) -> (bool, f64) {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let out = Command::new(exe)
        .args(["--one", name])
        .output()
        .expect("the benchmark runs itself");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let passed = words.next() == Some("true");
    let kib: f64 = words
        .next()
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no peak in {text:?}"));
    (passed, kib / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--one") {
        run_one(&args[at + 1]);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let uploads = if quick {
        "uploads-16x64MiB"
    } else {
        "uploads-200x64MiB"
    };
    let (_, baseline_mib) = measure("download-1MiB");
    println!(
        "{:<20} {:>8} {:>14} {:>8}",
        "case", "passed", "peak RSS MiB", "ratio"
    );
    println!(
        "{:<20} {:>8} {:>14.1} {:>8}",
        "download-1MiB", "-", baseline_mib, "1.00"
    );
    for name in ["download-1GiB", uploads] {
        let (passed, mib) = measure(name);
        println!(
            "{name:<20} {passed:>8} {mib:>14.1} {:>8.2}",
            mib / baseline_mib
        );
    }
}
