//! A fuzz case: the part of a scenario the fuzzer generates and shrinks, small enough to
//! edit step by step, and written out as a scenario file that the real parser validates.

use std::fmt::Write;

/// One generated fixture, served at `/f{index}.bin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureGen {
    /// Body length.
    pub size_bytes: u64,
    /// Seed of its bytes.
    pub seed: u64,
    /// `bytes`, `none` or `absent` (RES-1).
    pub accept_ranges: &'static str,
    /// Sent chunked, without a Content-Length (PROG-2).
    pub chunked: bool,
}

/// One server fault, on one request for one fixture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultGen {
    /// Index into [`Case::fixtures`].
    pub fixture: usize,
    /// The request it applies to (from 1). Never every request: a fault on each attempt
    /// makes the daemon retry for its whole 7-day resource timeout.
    pub request: u32,
    /// What goes wrong.
    pub kind: FaultKind,
}

/// The fault kinds the fuzzer uses (see docs/scenarios.md `[[fault]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A clean close after `at` body bytes.
    Cut { at: u64 },
    /// A reset after `at` body bytes.
    Reset { at: u64 },
    /// A stall after `at` bytes, for `for_s` seconds or forever.
    Stall { at: u64, for_s: Option<u64> },
    /// An error status, maybe with Retry-After in seconds.
    Status {
        code: u16,
        retry_after_s: Option<u64>,
    },
    /// The fixture changes (new bytes, new validators).
    NewVersion { seed: u64 },
    /// A full 200 to a Range.
    IgnoreRange,
    /// Neither ETag nor Last-Modified.
    NoValidators,
}

/// A step of the timeline (see docs/scenarios.md `[[step]]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A step without keys: `launch`, `home`, `network-down`, ...
    Plain(&'static str),
    /// `download` of fixture `fixture` to `Documents/<to>`.
    Download { fixture: usize, to: String },
    /// `pause-download` of `Documents/<to>`.
    Pause { to: String },
    /// `resume-download` of `Documents/<to>`.
    Resume { to: String },
}

/// A step at a time, in milliseconds from the start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// When.
    pub at_ms: u64,
    /// What.
    pub kind: StepKind,
}

/// Everything that varies between fuzz runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The scenario's master seed.
    pub seed: u64,
    /// Throughput of the simulated link.
    pub bandwidth_kib_s: u64,
    /// One-way latency.
    pub latency_ms: u64,
    /// Served at `/f0.bin`, `/f1.bin`, ...
    pub fixtures: Vec<FixtureGen>,
    /// Server faults, in file order.
    pub faults: Vec<FaultGen>,
    /// The timeline, sorted by time.
    pub steps: Vec<Step>,
}

/// The URL path of fixture `i`.
pub fn fixture_path(i: usize) -> String {
    format!("/f{i}.bin")
}

impl Case {
    /// The scenario file for `app`. `name` is its one-line description.
    pub fn to_toml(&self, app: &str, name: &str) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "name = {}", quoted(name));
        let _ = writeln!(t, "app = {}", quoted(app));
        let _ = writeln!(t, "seed = {}", self.seed);
        let _ = writeln!(t, "\n[network]");
        let _ = writeln!(t, "bandwidth = \"{}KiB/s\"", self.bandwidth_kib_s);
        let _ = writeln!(t, "latency = \"{}ms\"", self.latency_ms);
        for (i, f) in self.fixtures.iter().enumerate() {
            let _ = writeln!(t, "\n[[fixture]]\npath = \"{}\"", fixture_path(i));
            let _ = writeln!(t, "size = {}\nseed = {}", f.size_bytes, f.seed);
            if f.accept_ranges != "bytes" {
                let _ = writeln!(t, "accept_ranges = \"{}\"", f.accept_ranges);
            }
            if f.chunked {
                let _ = writeln!(t, "framing = \"chunked\"");
            }
        }
        for f in &self.faults {
            let _ = writeln!(t, "\n[[fault]]\npath = \"{}\"", fixture_path(f.fixture));
            let _ = writeln!(t, "request = {}", f.request);
            match &f.kind {
                FaultKind::Cut { at } => {
                    let _ = writeln!(t, "kind = \"cut\"\nat = {at}");
                }
                FaultKind::Reset { at } => {
                    let _ = writeln!(t, "kind = \"reset\"\nat = {at}");
                }
                FaultKind::Stall { at, for_s } => {
                    let _ = writeln!(t, "kind = \"stall\"\nat = {at}");
                    if let Some(s) = for_s {
                        let _ = writeln!(t, "for = \"{s}s\"");
                    }
                }
                FaultKind::Status {
                    code,
                    retry_after_s,
                } => {
                    let _ = writeln!(t, "kind = \"status\"\nstatus = {code}");
                    if let Some(s) = retry_after_s {
                        let _ = writeln!(t, "retry_after = \"{s}\"");
                    }
                }
                FaultKind::NewVersion { seed } => {
                    let _ = writeln!(t, "kind = \"new-version\"\nseed = {seed}");
                }
                FaultKind::IgnoreRange => {
                    let _ = writeln!(t, "kind = \"ignore-range\"");
                }
                FaultKind::NoValidators => {
                    let _ = writeln!(t, "kind = \"no-validators\"");
                }
            }
        }
        for s in &self.steps {
            let _ = writeln!(t, "\n[[step]]\nat = \"{}ms\"", s.at_ms);
            match &s.kind {
                StepKind::Plain(name) => {
                    let _ = writeln!(t, "do = \"{name}\"");
                }
                StepKind::Download { fixture, to } => {
                    let _ = writeln!(t, "do = \"download\"\nurl = \"{}\"", fixture_path(*fixture));
                    let _ = writeln!(t, "to = \"Documents/{to}\"");
                }
                StepKind::Pause { to } => {
                    let _ = writeln!(t, "do = \"pause-download\"\nto = \"Documents/{to}\"");
                }
                StepKind::Resume { to } => {
                    let _ = writeln!(t, "do = \"resume-download\"\nto = \"Documents/{to}\"");
                }
            }
        }
        let _ = writeln!(t, "\n[expect]\nviolations = []");
        t
    }

    /// Drops fixtures no step downloads (and their faults), renumbering the rest.
    pub fn without_unused_fixtures(&self) -> Case {
        let used: Vec<bool> = (0..self.fixtures.len())
            .map(|i| {
                self.steps
                    .iter()
                    .any(|s| matches!(&s.kind, StepKind::Download { fixture, .. } if *fixture == i))
            })
            .collect();
        let new_index: Vec<Option<usize>> = used
            .iter()
            .scan(0, |next, &u| {
                let index = u.then_some(*next);
                *next += usize::from(u);
                Some(index)
            })
            .collect();
        let mut c = self.clone();
        c.fixtures = self
            .fixtures
            .iter()
            .zip(&used)
            .filter(|(_, &u)| u)
            .map(|(f, _)| f.clone())
            .collect();
        c.faults = self
            .faults
            .iter()
            .filter_map(|f| {
                let fixture = new_index[f.fixture]?;
                Some(FaultGen {
                    fixture,
                    ..f.clone()
                })
            })
            .collect();
        for s in &mut c.steps {
            if let StepKind::Download { fixture, .. } = &mut s.kind {
                *fixture = new_index[*fixture].expect("a downloaded fixture is kept");
            }
        }
        c
    }
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
