//! Helpers shared by the integration tests: building worlds and reading histories.
#![allow(dead_code)]

pub mod broken;
pub mod broken_upload;
pub mod http;
pub mod shipped;
pub mod webdriver;

use bgsim::apps;
use bgsim::server::{AcceptRanges, Content, Fixture, FixtureSet};
use bgsim::world::{self, Run, Transport, World};
use bgsim_simulator::trace::{Callback, Record, What};
use bgsim_simulator::{Action, NetworkConfig, SimConfig, SimTime};
use std::path::Path;
use std::time::Duration;

/// A generated fixture of 2 MiB: big enough to take seconds at 256 KiB/s.
pub const BIG: &str = "/big.bin";
pub const BIG_SIZE: u64 = 2 * 1024 * 1024;
pub const BIG_SEED: u64 = 42;

pub fn fixtures() -> FixtureSet {
    let mut set = FixtureSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
        .expect("fixtures/ loads");
    set.insert(Fixture::generated(BIG, BIG_SIZE, BIG_SEED));
    set.insert(Fixture::generated(STREAM, 200_000, 5).with_chunked(true));
    set.insert(
        Fixture::generated(PLAIN, BIG_SIZE, BIG_SEED + 1).with_accept_ranges(AcceptRanges::None),
    );
    set
}

/// A generated fixture whose server says `Accept-Ranges: none`: a task cancelled part-way
/// gets no resume data (RES-1).
pub const PLAIN: &str = "/plain.bin";

/// A generated fixture sent without a Content-Length (chunked).
pub const STREAM: &str = "/stream.bin";

/// The bytes the server serves for `path` (current version).
pub fn served(set: &FixtureSet, path: &str) -> Vec<u8> {
    let content: &Content = &set.get(path).expect("fixture").current().content;
    content.read_at(0, content.len() as usize).to_vec()
}

pub fn secs(s: f64) -> SimTime {
    SimTime::from_us((s * 1e6) as u64)
}

pub fn upload(path: &str, size_bytes: u64, seed: u64) -> Action {
    Action::Upload {
        url: world::fixture_url(path),
        size_bytes,
        seed,
    }
}

pub fn download(path: &str, to: &str) -> Action {
    Action::Download {
        url: world::fixture_url(path),
        destination: to.to_string(),
    }
}

pub fn config(seed: u64) -> SimConfig {
    SimConfig {
        seed,
        network: NetworkConfig {
            bandwidth_bytes_per_s: 256 * 1024,
            latency: Duration::from_millis(40),
            up: true,
        },
        bundle_id: "com.example.app".into(),
        ..SimConfig::default()
    }
}

pub fn run(app: &str, seed: u64, transport: Transport, timeline: Vec<(SimTime, Action)>) -> Run {
    run_app(
        apps::factory(app).expect("known app"),
        seed,
        transport,
        timeline,
    )
}

pub fn run_app(
    app: bgsim_simulator::AppFactory,
    seed: u64,
    transport: Transport,
    timeline: Vec<(SimTime, Action)>,
) -> Run {
    world::run(World {
        config: config(seed),
        fixtures: fixtures(),
        faults: Default::default(),
        app,
        timeline,
        horizon: SimTime::NEVER,
        transport,
    })
    .expect("the world runs")
}

/// Index of the first record matching `pred`, at or after `from`.
pub fn find(run: &Run, from: usize, pred: impl Fn(&What) -> bool) -> Option<usize> {
    run.history.records()[from..]
        .iter()
        .position(|r| pred(&r.what))
        .map(|i| i + from)
}

/// A named predicate over history events.
pub type Expect<'a> = (&'a str, &'a dyn Fn(&What) -> bool);

/// Asserts that records matching the predicates appear in this order; returns their indices.
pub fn in_order(run: &Run, steps: &[Expect<'_>]) -> Vec<usize> {
    let mut at = 0;
    let mut out = Vec::new();
    for (name, pred) in steps {
        match find(run, at, pred) {
            Some(i) => {
                out.push(i);
                at = i + 1;
            }
            None => panic!(
                "expected `{name}` after record #{at}, in history:\n{}",
                run.history.render()
            ),
        }
    }
    out
}

pub fn callback(what: &What) -> Option<&Callback> {
    match what {
        What::Callback { callback, .. } => Some(callback),
        _ => None,
    }
}

pub fn count(run: &Run, pred: impl Fn(&What) -> bool) -> usize {
    run.history
        .records()
        .iter()
        .filter(|r| pred(&r.what))
        .count()
}

pub fn records(run: &Run) -> &[Record] {
    run.history.records()
}

/// Runs the bgsim binary with `args` in the project's root and waits for it.
pub fn bgsim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // On GitHub Actions every run would append its summary to the job's page.
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(args)
        .output()
        .expect("bgsim runs")
}

/// The JSON-lines report of `bgsim run --format json` (docs/json.md) folded into one
/// object per scenario: its verdict, with its events under `history` and its violations
/// under `violations`, in order. The closing summary line is checked and left out.
pub fn json_reports(stdout: &[u8]) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let text = String::from_utf8_lossy(stdout);
    let (mut reports, mut history, mut violations) = (Vec::new(), Vec::new(), Vec::new());
    let mut summaries = 0;
    for line in text.lines() {
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        match value["type"].as_str() {
            Some("event") => history.push(value),
            Some("violation") => violations.push(value),
            Some("verdict") => {
                let mut verdict = value;
                verdict["history"] = Value::Array(std::mem::take(&mut history));
                verdict["violations"] = Value::Array(std::mem::take(&mut violations));
                reports.push(verdict);
            }
            Some("summary") => summaries += 1,
            _ => panic!("a line of no known type: {line}"),
        }
    }
    assert_eq!(summaries, 1, "one summary, last:\n{text}");
    assert!(text
        .lines()
        .last()
        .is_some_and(|l| l.contains("\"summary\"")));
    assert!(
        history.is_empty() && violations.is_empty(),
        "lines after the last verdict"
    );
    reports
}

/// `bgsim serve` running on a free loopback port, stopped when dropped.
pub struct Served {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`, as the command printed it.
    pub addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bgsim serve` with `args` plus `--addr 127.0.0.1:0`, and reads the address it
/// prints.
pub fn serve(args: &[&str]) -> Served {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .arg("serve")
        .args(args)
        .args(["--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bgsim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Served { child, addr }
}
