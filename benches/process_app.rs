//! What an app in another language costs: the reference app in Python
//! (`clients/python/examples/reference_app.py`, over the app protocol) against the same app
//! in Rust (in-process), measured in the same run, on the shipped scenarios and on a fuzz
//! campaign; then where the Python app's time goes (process starts and messages).
//!
//! `cargo bench --bench process_app` (add `-- --quick` for a shorter campaign). Needs
//! python3 >= 3.9; without it the benchmark says so and measures nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PY_APP: &str = "python3 clients/python/examples/reference_app.py";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs bgsim with `args`, which must succeed; its wall time.
fn timed(args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("bgsim runs");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "bgsim {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn app_args(python: bool) -> Vec<&'static str> {
    if python {
        vec!["--app-command", PY_APP]
    } else {
        vec!["--app", "reference"]
    }
}

fn scenarios(python: bool) -> Duration {
    let mut args = vec!["run", "-q", "--transport", "memory"];
    args.extend(app_args(python));
    args.push("scenarios");
    timed(&args)
}

fn campaign(python: bool, runs: &str) -> Duration {
    let mut args = vec!["fuzz", "--runs", runs, "--seed", "1", "--jobs", "1"];
    args.extend(app_args(python));
    timed(&args)
}

/// The wall time of one start of the Python app up to its hello, answered, then end of
/// input (what bgsim's probe does): the fixed cost of a process.
fn python_start() -> Duration {
    let start = Instant::now();
    let mut child = Command::new("python3")
        .arg("clients/python/examples/reference_app.py")
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("python3 starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin piped");
        let _ = stdin.write_all(b"{\"type\":\"welcome\",\"protocol\":1,\"session\":{}}\n");
    }
    child.wait().expect("it ends at end of input");
    start.elapsed()
}

/// Processes started and lines exchanged over the shipped scenarios, counted by a shell
/// wrapper around the app (its own run is not timed).
fn traffic() -> (usize, usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let d = dir.path().display();
    let wrapper = dir.path().join("count.sh");
    let script = format!(
        "#!/bin/sh\necho x >> {d}/launches\n\
         tee -a {d}/in | python3 {}/clients/python/examples/reference_app.py \"$@\" | tee -a {d}/out\n",
        root().display()
    );
    std::fs::write(&wrapper, script).expect("the wrapper is written");
    let command = format!("sh {}", wrapper.display());
    timed(&[
        "run",
        "-q",
        "--transport",
        "memory",
        "--app-command",
        &command,
        "scenarios",
    ]);
    let lines = |name: &str| {
        std::fs::read_to_string(dir.path().join(name)).map_or(0, |t| t.lines().count())
    };
    (lines("launches"), lines("in") + lines("out"))
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import sys; sys.exit(sys.version_info < (3, 9))"])
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    if !python_ready() {
        println!("process_app: python3 >= 3.9 is not here; nothing measured");
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { "100" } else { "500" };
    let runs_n: f64 = runs.parse().expect("a number");
    let count = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "toml"))
        })
        .count() as f64;

    println!(
        "{:<36} {:>10} {:>10} {:>8}",
        "case", "rust", "python", "ratio"
    );
    let (rust, python) = (scenarios(false), scenarios(true));
    println!(
        "{:<36} {:>8.1}/s {:>8.1}/s {:>7.1}x",
        format!("shipped scenarios ({count})"),
        count / rust.as_secs_f64(),
        count / python.as_secs_f64(),
        python.as_secs_f64() / rust.as_secs_f64()
    );
    let (rust_f, python_f) = (campaign(false, runs), campaign(true, runs));
    println!(
        "{:<36} {:>8.1}/s {:>8.1}/s {:>7.1}x",
        format!("fuzz campaign ({runs} runs, 1 job)"),
        runs_n / rust_f.as_secs_f64(),
        runs_n / python_f.as_secs_f64(),
        python_f.as_secs_f64() / rust_f.as_secs_f64()
    );

    // Where the Python app's time on the scenarios goes.
    let starts: Vec<Duration> = (0..10).map(|_| python_start()).collect();
    let start = starts.iter().min().copied().unwrap_or_default();
    let (launches, lines) = traffic();
    let startup = start * launches as u32;
    let rest = python.saturating_sub(startup).saturating_sub(rust);
    println!(
        "python on the scenarios: {launches} processes x {:.1} ms to start = {:.2} s; \
         {lines} lines exchanged, {:.1} us a line for the rest ({:.2} s); \
         the simulation itself (the Rust run) {:.2} s",
        start.as_secs_f64() * 1e3,
        startup.as_secs_f64(),
        rest.as_secs_f64() * 1e6 / lines.max(1) as f64,
        rest.as_secs_f64(),
        rust.as_secs_f64()
    );
}
