//! Scenarios built in code, for a test that wants one without a file: the same
//! [`Scenario`] a file gives, from a builder. Server faults and the rarer knobs are the
//! file format's (docs/scenarios.md); write a file, or [`super::Harness::parse`] a string,
//! when a test needs them.

use super::Error;
use crate::apps::SessionSettings;
use crate::scenario::{Expect, FileSource, FixtureSource, FixtureSpec, Scenario};
use crate::server::{AcceptRanges, FaultPlan};
use crate::world::fixture_url;
use bgsim_simulator::{Action, DeviceConfig, NetworkConfig, Profile, SimTime};
use std::path::PathBuf;
use std::time::Duration;

/// Builds a [`Scenario`] step by step. Start with [`Scenario::builder`].
///
/// ```
/// use bgsim::harness::{Action, Scenario};
/// use std::time::Duration;
///
/// let s = Scenario::builder("killed mid-download")
///     .app("reference")
///     .generated_fixture("/big.bin", 2 << 20, 42)
///     .step(Duration::ZERO, Action::Launch)
///     .download(Duration::from_secs(1), "/big.bin", "Documents/big.bin")
///     .step(Duration::from_secs(2), Action::Home)
///     .step(Duration::from_secs(5), Action::SystemKill)
///     .expect_file("Documents/big.bin", "/big.bin")
///     .build()
///     .unwrap();
/// assert_eq!(s.steps.len(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct ScenarioBuilder {
    scenario: Scenario,
}

impl Scenario {
    /// A scenario named `name`, with nothing in it yet: seed 1, the default network, device
    /// and iOS profile, no fixtures, no steps, every check expected to hold.
    pub fn builder(name: &str) -> ScenarioBuilder {
        ScenarioBuilder {
            scenario: Scenario {
                path: PathBuf::from(format!("({name})")),
                name: name.to_string(),
                rules: Vec::new(),
                app: String::new(),
                app_command: None,
                seed: 1,
                horizon: None,
                max_events: None,
                network: NetworkConfig::default(),
                profile: Profile::default(),
                device: DeviceConfig::default(),
                session: SessionSettings::default(),
                fixtures: Vec::new(),
                faults: FaultPlan::new(),
                steps: Vec::new(),
                expect: Expect::default(),
            },
        }
    }
}

impl ScenarioBuilder {
    /// The app it runs (a registered name).
    pub fn app(mut self, app: &str) -> Self {
        self.scenario.app = app.to_string();
        self
    }

    /// The rule IDs of docs/rules.md it demonstrates.
    pub fn rules(mut self, rules: &[&str]) -> Self {
        self.scenario.rules = rules.iter().map(|r| r.to_string()).collect();
        self
    }

    /// The master seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.scenario.seed = seed;
        self
    }

    /// Stops the run at this instant.
    pub fn horizon(mut self, after: Duration) -> Self {
        self.scenario.horizon = Some(SimTime::ZERO + after);
        self
    }

    /// The network: bandwidth, latency, up at the start.
    pub fn network(mut self, network: NetworkConfig) -> Self {
        self.scenario.network = network;
        self
    }

    /// The device: charger, Wi-Fi, Low Power Mode, data protection.
    pub fn device(mut self, device: DeviceConfig) -> Self {
        self.scenario.device = device;
        self
    }

    /// iOS's knobs (docs/scenarios.md, `[profile]`).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.scenario.profile = profile;
        self
    }

    /// The session configuration the app is asked to use (`[session]`).
    pub fn session(mut self, session: SessionSettings) -> Self {
        self.scenario.session = session;
        self
    }

    /// Serves `size_bytes` bytes generated from `seed` at `path` (`/big.bin`).
    pub fn generated_fixture(mut self, path: &str, size_bytes: u64, seed: u64) -> Self {
        self.scenario.fixtures.push(FixtureSpec {
            path: path.to_string(),
            source: FixtureSource::Generated { size_bytes, seed },
            accept_ranges: AcceptRanges::Bytes,
            chunked: false,
            gzip: false,
        });
        self
    }

    /// Serves the file at `file` (on disk) at `path`.
    pub fn file_fixture(mut self, path: &str, file: impl Into<PathBuf>) -> Self {
        self.scenario.fixtures.push(FixtureSpec {
            path: path.to_string(),
            source: FixtureSource::File(file.into()),
            accept_ranges: AcceptRanges::Bytes,
            chunked: false,
            gzip: false,
        });
        self
    }

    /// A step at `at` from the start.
    pub fn step(mut self, at: Duration, action: Action) -> Self {
        self.scenario.steps.push((SimTime::ZERO + at, action));
        self
    }

    /// The user asks the app to download the fixture at `path` to the container path `to`.
    pub fn download(self, at: Duration, path: &str, to: &str) -> Self {
        let action = Action::Download {
            url: fixture_url(path),
            destination: to.to_string(),
        };
        self.step(at, action)
    }

    /// Check `id` is expected to fail (a scenario written to show a bug).
    pub fn expect_violation(mut self, id: &str) -> Self {
        self.scenario.expect.violations.push(id.to_string());
        self
    }

    /// The container file `destination` must hold the bytes of the fixture at `path`.
    pub fn expect_file(mut self, destination: &str, path: &str) -> Self {
        let source = FileSource::Fixture(path.to_string());
        self.scenario
            .expect
            .files
            .push((destination.to_string(), source));
        self
    }

    /// The container path must not exist at the end.
    pub fn expect_absent(mut self, path: &str) -> Self {
        self.scenario.expect.absent.push(path.to_string());
        self
    }

    /// The scenario, its steps in time order (steps at the same instant keep their order).
    /// Refused: no app, a fixture path that does not start with `/` or is declared twice,
    /// an expected file from an undeclared fixture, an unknown check.
    pub fn build(mut self) -> Result<Scenario, Error> {
        let s = &mut self.scenario;
        let refuse = |why: String| Err(Error::Io(format!("scenario `{}`: {why}", s.name)));
        if s.app.is_empty() {
            return refuse("no app; expected `.app(name)`".into());
        }
        for (i, f) in s.fixtures.iter().enumerate() {
            if !f.path.starts_with('/') {
                return refuse(format!("fixture path `{}` does not start with `/`", f.path));
            }
            if s.fixtures[..i].iter().any(|g| g.path == f.path) {
                return refuse(format!("fixture `{}` is declared twice", f.path));
            }
        }
        for (dest, source) in &s.expect.files {
            if let FileSource::Fixture(path) = source {
                if !s.fixtures.iter().any(|f| &f.path == path) {
                    return refuse(format!("{dest} is expected from `{path}`, not served"));
                }
            }
        }
        let checks = crate::check::ids();
        if let Some(id) = (s.expect.violations.iter()).find(|v| !checks.contains(&v.as_str())) {
            return refuse(format!("unknown check `{id}`"));
        }
        s.steps.sort_by_key(|(at, _)| *at);
        s.expect.files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(self.scenario)
    }
}
