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
    /// The request it applies to (from 1), or `None` for every request. Every request only
    /// in a case with a short resource timeout: otherwise the daemon would retry for its
    /// whole 7-day default (NET-3).
    pub request: Option<u32>,
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
    /// `fetch` of fixture `fixture` (a data task, API-4) to `Library/Caches/<to>`.
    Fetch { fixture: usize, to: String },
    /// `upload` of `size_bytes` bytes of `seed` to `/uploads/u{n}.bin`.
    Upload {
        n: usize,
        size_bytes: u64,
        seed: u64,
    },
    /// `extension-start`: an extension connects `session` and downloads fixture `fixture`
    /// to `Documents/Shared/<to>` (ID-5). Ended by a `Plain("extension-exit")`.
    ExtensionStart {
        session: String,
        fixture: usize,
        to: String,
    },
}

/// Configuration a case may change from the defaults: the knobs some real bugs need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knobs {
    /// `[device] complete_protection`: Documents unreadable while locked (docs/bugs.md#tf-06).
    pub complete_protection: bool,
    /// `[profile] surface_connection_lost` (NET-5).
    pub surface_connection_lost: bool,
    /// `[profile] resume_after_temp_purge_corrupts` (RES-6).
    pub resume_after_temp_purge_corrupts: bool,
    /// `[session] request_timeout`, in seconds (NET-2).
    pub request_timeout_s: Option<u64>,
    /// `[session] resource_timeout`, in seconds (NET-3).
    pub resource_timeout_s: Option<u64>,
    /// `[profile] interleavings = "seeded"`: the seed chooses where iOS promises no order
    /// (`bgsim fuzz` turns it on; shrinking tries it off).
    pub seeded_interleavings: bool,
    /// `[profile] wake_policy` (LC-6): `all-done`, `each-completion` or `seeded`.
    pub wake_policy: &'static str,
    /// `[device] charging = false`: the phone starts on battery (SCHED-1).
    pub on_battery: bool,
    /// `[device] wifi = false`: the phone starts on cellular (SCHED-1, SCHED-5).
    pub on_cellular: bool,
    /// `[device] low_power = true`: the phone starts in Low Power Mode (PWR-1).
    pub low_power: bool,
    /// `[profile] max_concurrent_transfers` (docs/bugs.md#p7).
    pub concurrency_cap: Option<usize>,
}

/// The wake policy a case keeps unless it names another (the documented one, LC-6).
pub const DEFAULT_WAKE_POLICY: &str = "all-done";

impl Default for Knobs {
    /// Every knob at the simulator's default.
    fn default() -> Self {
        Knobs {
            complete_protection: false,
            surface_connection_lost: false,
            resume_after_temp_purge_corrupts: false,
            request_timeout_s: None,
            resource_timeout_s: None,
            seeded_interleavings: false,
            wake_policy: DEFAULT_WAKE_POLICY,
            on_battery: false,
            on_cellular: false,
            low_power: false,
            concurrency_cap: None,
        }
    }
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
    /// Profile, device and session settings.
    pub knobs: Knobs,
    /// Served at `/f0.bin`, `/f1.bin`, ...
    pub fixtures: Vec<FixtureGen>,
    /// Server faults, in file order.
    pub faults: Vec<FaultGen>,
    /// The safety phase, sorted by time. The healing phase after it is derived from it
    /// ([`Case::healing`]), so shrinking never takes it away.
    pub steps: Vec<Step>,
    /// Whether the user leaves the app once more at the end of the healing phase: then
    /// what is left must finish in the background (API-4, API-6).
    pub ends_in_background: bool,
}

/// The URL path of fixture `i`.
pub fn fixture_path(i: usize) -> String {
    format!("/f{i}.bin")
}

impl Case {
    /// The scenario file for the app named `app`. `name` is its one-line description.
    pub fn to_toml(&self, app: &str, name: &str) -> String {
        self.to_toml_with_app(&quoted(app), name)
    }

    /// The scenario file whose `app = ...` is the TOML value `app` (a quoted name, or the
    /// `{ command = [...] }` table of an app in another language).
    pub fn to_toml_with_app(&self, app: &str, name: &str) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "name = {}", quoted(name));
        let _ = writeln!(t, "app = {app}");
        let _ = writeln!(t, "seed = {}", self.seed);
        let _ = writeln!(t, "\n[network]");
        let _ = writeln!(t, "bandwidth = \"{}KiB/s\"", self.bandwidth_kib_s);
        let _ = writeln!(t, "latency = \"{}ms\"", self.latency_ms);
        self.knobs.write(&mut t);
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
            if let Some(n) = f.request {
                let _ = writeln!(t, "request = {n}");
            }
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
        for s in self.timeline() {
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
                StepKind::Fetch { fixture, to } => {
                    let _ = writeln!(t, "do = \"fetch\"\nurl = \"{}\"", fixture_path(*fixture));
                    let _ = writeln!(t, "to = \"Library/Caches/{to}\"");
                }
                StepKind::Upload {
                    n,
                    size_bytes,
                    seed,
                } => {
                    let _ = writeln!(t, "do = \"upload\"\nurl = \"/uploads/u{n}.bin\"");
                    let _ = writeln!(t, "size = {size_bytes}\nseed = {seed}");
                }
                StepKind::ExtensionStart {
                    session,
                    fixture,
                    to,
                } => {
                    let _ = writeln!(t, "do = \"extension-start\"\nsession = \"{session}\"");
                    let _ = writeln!(t, "url = \"{}\"", fixture_path(*fixture));
                    let _ = writeln!(t, "to = \"Documents/Shared/{to}\"");
                }
            }
        }
        let _ = writeln!(t, "\n[expect]\nviolations = []");
        t
    }

    /// The healing phase (docs/design.md#healing-phase): a second after the last step, the
    /// extension ends, the network and the device come back, the user opens the app,
    /// resumes what they paused and maybe leaves it again, and nothing new goes wrong. Only then do liveness checks
    /// such as `one-outcome` mean something.
    pub fn healing(&self) -> Vec<Step> {
        let at_ms = self.steps.last().map_or(0, |s| s.at_ms) + 1_000;
        let has = |name: &'static str| self.steps.iter().any(|s| s.kind == StepKind::Plain(name));
        let starts = (self.steps.iter())
            .filter(|s| matches!(s.kind, StepKind::ExtensionStart { .. }))
            .count();
        let exits = (self.steps.iter())
            .filter(|s| s.kind == StepKind::Plain("extension-exit"))
            .count();
        let mut plain = Vec::new();
        if starts > exits {
            plain.push("extension-exit");
        }
        if has("network-down") {
            plain.push("network-up");
        }
        // A restart leaves the phone locked until the first unlock (OS-1).
        if has("lock") || has("reboot") {
            plain.push("unlock");
        }
        if has("disk-full") {
            // The user frees space and comes back to the app, which may then fetch again
            // what found no room (OS-4): only that heals a full disk (Facts::healed).
            plain.push("home");
            plain.push("disk-freed");
        }
        // Discretionary work waits for power, Wi-Fi and no Low Power Mode (SCHED-1, PWR-1).
        let k = &self.knobs;
        for (changed, started, back) in [
            ("unplug", k.on_battery, "plug-in"),
            ("wifi-off", k.on_cellular, "wifi-on"),
            ("low-power-on", k.low_power, "low-power-off"),
        ] {
            if has(changed) || started {
                plain.push(back);
            }
        }
        plain.push("launch");
        let mut out: Vec<Step> = (plain.into_iter())
            .map(|name| Step {
                at_ms,
                kind: StepKind::Plain(name),
            })
            .collect();
        let mut paused: Vec<&String> = (self.steps.iter())
            .filter_map(|s| match &s.kind {
                StepKind::Pause { to } => Some(to),
                _ => None,
            })
            .collect();
        paused.sort();
        paused.dedup();
        out.extend(paused.into_iter().map(|to| Step {
            at_ms: at_ms + 1_000,
            kind: StepKind::Resume { to: to.clone() },
        }));
        if self.ends_in_background {
            out.push(Step {
                at_ms: at_ms + 2_000,
                kind: StepKind::Plain("home"),
            });
        }
        out
    }

    /// Every step of the scenario: the safety phase, then the healing phase.
    pub fn timeline(&self) -> Vec<Step> {
        let mut all = self.steps.clone();
        all.extend(self.healing());
        all
    }

    /// This case with the steps that lost their partner dropped: an `extension-exit` with no
    /// extension running, or an `extension-start` while one still runs (the parser refuses
    /// both). Removing steps one at a time can leave either behind; shrinking repairs every
    /// candidate, so each one it tries is a valid scenario.
    pub fn repaired(mut self) -> Case {
        let mut running = false;
        self.steps.retain(|s| match &s.kind {
            StepKind::ExtensionStart { .. } if running => false,
            StepKind::ExtensionStart { .. } => {
                running = true;
                true
            }
            StepKind::Plain("extension-exit") if !running => false,
            StepKind::Plain("extension-exit") => {
                running = false;
                true
            }
            _ => true,
        });
        self
    }

    /// Drops fixtures no step downloads (and their faults), renumbering the rest.
    pub fn without_unused_fixtures(&self) -> Case {
        let used: Vec<bool> = (0..self.fixtures.len())
            .map(|i| self.steps.iter().any(|s| s.kind.fixture() == Some(i)))
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
            if let Some(fixture) = s.kind.fixture_mut() {
                *fixture = new_index[*fixture].expect("a fixture in use is kept");
            }
        }
        c
    }
}

impl StepKind {
    /// The fixture the step asks the server for, if any.
    pub fn fixture(&self) -> Option<usize> {
        match self {
            StepKind::Download { fixture, .. }
            | StepKind::Fetch { fixture, .. }
            | StepKind::ExtensionStart { fixture, .. } => Some(*fixture),
            _ => None,
        }
    }

    fn fixture_mut(&mut self) -> Option<&mut usize> {
        match self {
            StepKind::Download { fixture, .. }
            | StepKind::Fetch { fixture, .. }
            | StepKind::ExtensionStart { fixture, .. } => Some(fixture),
            _ => None,
        }
    }
}

impl Knobs {
    /// These knobs with one of them back at its default, for each one that is not.
    pub fn simpler(&self) -> Vec<Knobs> {
        let mut out = Vec::new();
        if self.complete_protection {
            out.push(Knobs {
                complete_protection: false,
                ..self.clone()
            });
        }
        if self.surface_connection_lost {
            out.push(Knobs {
                surface_connection_lost: false,
                ..self.clone()
            });
        }
        if self.resume_after_temp_purge_corrupts {
            out.push(Knobs {
                resume_after_temp_purge_corrupts: false,
                ..self.clone()
            });
        }
        if self.request_timeout_s.is_some() {
            out.push(Knobs {
                request_timeout_s: None,
                ..self.clone()
            });
        }
        if self.resource_timeout_s.is_some() {
            out.push(Knobs {
                resource_timeout_s: None,
                ..self.clone()
            });
        }
        if self.seeded_interleavings {
            out.push(Knobs {
                seeded_interleavings: false,
                ..self.clone()
            });
        }
        if self.wake_policy != DEFAULT_WAKE_POLICY {
            out.push(Knobs {
                wake_policy: DEFAULT_WAKE_POLICY,
                ..self.clone()
            });
        }
        for (on, off) in [
            (self.on_battery, Knobs { on_battery: false, ..self.clone() }),
            (self.on_cellular, Knobs { on_cellular: false, ..self.clone() }),
            (self.low_power, Knobs { low_power: false, ..self.clone() }),
        ] {
            if on {
                out.push(off);
            }
        }
        if self.concurrency_cap.is_some() {
            out.push(Knobs {
                concurrency_cap: None,
                ..self.clone()
            });
        }
        out
    }

    /// The `[profile]`, `[device]` and `[session]` sections, each only if it changes
    /// something.
    fn write(&self, t: &mut String) {
        let mut profile = String::new();
        if self.surface_connection_lost {
            profile.push_str("surface_connection_lost = true\n");
        }
        if self.resume_after_temp_purge_corrupts {
            profile.push_str("resume_after_temp_purge_corrupts = true\n");
        }
        if self.seeded_interleavings {
            profile.push_str("interleavings = \"seeded\"\n");
        }
        if self.wake_policy != DEFAULT_WAKE_POLICY {
            let _ = writeln!(profile, "wake_policy = \"{}\"", self.wake_policy);
        }
        if let Some(cap) = self.concurrency_cap {
            let _ = writeln!(profile, "max_concurrent_transfers = {cap}");
        }
        let mut session = String::new();
        if let Some(s) = self.request_timeout_s {
            let _ = writeln!(session, "request_timeout = \"{s}s\"");
        }
        if let Some(s) = self.resource_timeout_s {
            let _ = writeln!(session, "resource_timeout = \"{s}s\"");
        }
        let mut device = String::new();
        for (on, line) in [
            (self.complete_protection, "complete_protection = true\n"),
            (self.on_battery, "charging = false\n"),
            (self.on_cellular, "wifi = false\n"),
            (self.low_power, "low_power = true\n"),
        ] {
            if on {
                device.push_str(line);
            }
        }
        for (name, body) in [
            ("profile", profile),
            ("device", device),
            ("session", session),
        ] {
            if !body.is_empty() {
                let _ = write!(t, "\n[{name}]\n{body}");
            }
        }
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
