//! Scenario files: the documented example parses to exactly the expected `Scenario`, and
//! every kind of mistake is reported at the right `file:line:column` with a sentence that
//! says what was expected.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bgsim::scenario::{
    load, parse, Expect, FileSource, FixtureSource, FixtureSpec, Known, Scenario, ScenarioError,
    MAX_FIXTURES, MAX_STEPS,
};
use bgsim::server::{AcceptRanges, Fault, FaultRule, RetryAfter};
use bgsim::simulator::{Action, NetworkConfig, Profile, SimTime, UserCommand};
use bgsim::world::fixture_url;

/// As the registry knows them: the reference app's own session identifier included.
fn known() -> Known {
    Known {
        sessions: vec![("reference".into(), "com.bgsim.reference.downloads".into())],
        ..Known::new(
            &["reference", "article"],
            &["handler-once", "file-delivered", "no-lost-file"],
        )
    }
}

/// The example of the brief and of docs/scenarios.md, verbatim.
const EXAMPLE: &str = r#"name = "system kill while downloading; the relaunch delivers the file"
rules = ["KILL-1", "LC-3", "FILE-1", "CH-1"]
app = "reference"
seed = 1
horizon = "8d"            # optional

[network]                 # optional; defaults from NetworkConfig::default()
bandwidth = "256KiB/s"
latency = "40ms"
up = true

[profile]                 # optional; each key optional
wake_budget = "30s"       # Profile::bg_wake_budget
background_grace = "5s"
progress_interval = "1s"
progress_granularity = "64KiB"
resource_timeout = "7d"
request_timeout = "60s"
retry_backoff_initial = "1s"
retry_backoff_max = "60s"
lose_undelivered_on_wake_kill = true

[[fixture]]
path = "/xamarin.png"
file = "fixtures/xamarin.png"   # either file, or size + seed
[[fixture]]
path = "/big.bin"
size = "2MiB"
seed = 7
accept_ranges = "bytes"          # optional: bytes | none | absent
framing = "content-length"       # optional: content-length | chunked

[[step]]
at = "0s"
do = "launch"
[[step]]
at = "1s"
do = "download"
url = "/xamarin.png"             # a fixture path (→ fixture_url) or a full http(s) URL
to = "Documents/xamarin.png"
[[step]]
at = "2s"
do = "home"

[expect]                         # optional
violations = []                  # check IDs expected to fire; default []
files = { "Documents/xamarin.png" = "/xamarin.png" }   # destination → a declared fixture path, or a file path
absent = ["Documents/missing.html"]
"#;

/// A repository-like tree: `fixtures/xamarin.png` at the top, scenarios one level down, so
/// relative paths must be found in an ancestor of the scenario's directory.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("fixtures")).expect("mkdir");
        fs::create_dir_all(dir.path().join("scenarios")).expect("mkdir");
        fs::write(dir.path().join("fixtures/xamarin.png"), b"\x89PNG").expect("write");
        Repo { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn scenario_path(&self) -> PathBuf {
        self.root().join("scenarios/x.toml")
    }

    /// Writes `text` as `scenarios/x.toml` and loads it.
    fn load(&self, text: &str) -> Result<Scenario, ScenarioError> {
        let path = self.scenario_path();
        fs::write(&path, text).expect("write scenario");
        load(&path, &known())
    }
}

#[test]
fn the_example_parses_to_exactly_the_expected_scenario() {
    let repo = Repo::new();
    let scenario = repo.load(EXAMPLE).expect("the example is valid");
    let expected = Scenario {
        path: repo.scenario_path(),
        name: "system kill while downloading; the relaunch delivers the file".into(),
        rules: vec![
            "KILL-1".into(),
            "LC-3".into(),
            "FILE-1".into(),
            "CH-1".into(),
        ],
        app: "reference".into(),
        app_command: None,
        seed: 1,
        horizon: Some(SimTime::from_secs(8 * 86_400)),
        max_events: None,
        network: NetworkConfig {
            bandwidth_bytes_per_s: 256 * 1024,
            latency: Duration::from_millis(40),
            up: true,
        },
        profile: Profile {
            bg_wake_budget: Duration::from_secs(30),
            background_grace: Duration::from_secs(5),
            progress_interval: Duration::from_secs(1),
            progress_granularity_bytes: 64 * 1024,
            resource_timeout_default: Duration::from_secs(7 * 86_400),
            request_timeout_default: Duration::from_secs(60),
            retry_backoff_initial: Duration::from_secs(1),
            retry_backoff_max: Duration::from_secs(60),
            lose_undelivered_on_wake_kill: true,
            rate_initial: Duration::from_secs(60),
            rate_factor: 2,
            rate_max: None,
            foreground_start_delay: Duration::ZERO,
            post_boot_timeout: false,
            resume_after_temp_purge_corrupts: false,
            surface_connection_lost: false,
            invalidation_lost_after_background: false,
            max_concurrent_transfers: None,
            low_power_pauses_all: false,
            upload_response_on_connect: true,
            encoded_length_unknown: true,
            large_transfer_waits_for_wifi_bytes: None,
            unanswered_challenge_error: -1012,
            wake_policy: bgsim_simulator::profile::WakePolicy::AllDone,
            interleavings: bgsim_simulator::profile::Interleavings::Fixed,
        },
        device: bgsim_simulator::DeviceConfig::default(),
        session: Default::default(),
        faults: Default::default(),
        fixtures: vec![
            FixtureSpec {
                path: "/xamarin.png".into(),
                source: FixtureSource::File(repo.root().join("fixtures/xamarin.png")),
                accept_ranges: AcceptRanges::Bytes,
                chunked: false,
                gzip: false,
            },
            FixtureSpec {
                path: "/big.bin".into(),
                source: FixtureSource::Generated {
                    size_bytes: 2 * 1024 * 1024,
                    seed: 7,
                },
                accept_ranges: AcceptRanges::Bytes,
                chunked: false,
                gzip: false,
            },
        ],
        steps: vec![
            (SimTime::ZERO, Action::Launch),
            (
                SimTime::from_secs(1),
                Action::Download {
                    url: fixture_url("/xamarin.png"),
                    destination: "Documents/xamarin.png".into(),
                },
            ),
            (SimTime::from_secs(2), Action::Home),
        ],
        expect: Expect {
            violations: vec![],
            files: vec![(
                "Documents/xamarin.png".into(),
                FileSource::Fixture("/xamarin.png".into()),
            )],
            absent: vec!["Documents/missing.html".into()],
        },
    };
    // Field by field first, for a readable failure; then the whole.
    assert_eq!(scenario.path, expected.path);
    assert_eq!(scenario.name, expected.name);
    assert_eq!(scenario.rules, expected.rules);
    assert_eq!(scenario.app, expected.app);
    assert_eq!(scenario.seed, expected.seed);
    assert_eq!(scenario.horizon, expected.horizon);
    assert_eq!(scenario.network, expected.network);
    assert_eq!(scenario.profile, expected.profile);
    assert_eq!(scenario.fixtures, expected.fixtures);
    assert_eq!(scenario.steps, expected.steps);
    assert_eq!(scenario.expect, expected.expect);
    assert_eq!(scenario, expected);
}

#[test]
fn a_minimal_scenario_takes_every_default() {
    let text = "name = \"idle\"\napp = \"article\"\n";
    let scenario = parse(text, Path::new("idle.toml"), &known()).expect("valid");
    assert_eq!(scenario.path, PathBuf::from("idle.toml"));
    assert_eq!(scenario.seed, 1);
    assert_eq!(scenario.horizon, None);
    assert_eq!(scenario.network, NetworkConfig::default());
    assert_eq!(scenario.profile, Profile::default());
    assert!(scenario.rules.is_empty());
    assert!(scenario.fixtures.is_empty());
    assert!(scenario.steps.is_empty());
    assert_eq!(scenario.expect, Expect::default());
}

#[test]
fn every_profile_and_network_key_reaches_its_field() {
    let text = r#"
name = "knobs"
app = "reference"
seed = 42
[network]
bandwidth = "1MB/s"
latency = "250ms"
up = false
[profile]
wake_budget = "10s"
background_grace = "3s"
progress_interval = "500ms"
progress_granularity = 4096
resource_timeout = "1d"
request_timeout = "2m"
retry_backoff_initial = "2s"
retry_backoff_max = "1h"
lose_undelivered_on_wake_kill = false
large_transfer_waits_for_wifi = "1MiB"
"#;
    let scenario = parse(text, Path::new("k.toml"), &known()).expect("valid");
    assert_eq!(scenario.seed, 42);
    assert_eq!(
        scenario.network,
        NetworkConfig {
            bandwidth_bytes_per_s: 1_000_000,
            latency: Duration::from_millis(250),
            up: false,
        }
    );
    assert_eq!(
        scenario.profile,
        Profile {
            bg_wake_budget: Duration::from_secs(10),
            background_grace: Duration::from_secs(3),
            progress_interval: Duration::from_millis(500),
            progress_granularity_bytes: 4096,
            resource_timeout_default: Duration::from_secs(86_400),
            request_timeout_default: Duration::from_secs(120),
            retry_backoff_initial: Duration::from_secs(2),
            retry_backoff_max: Duration::from_secs(3600),
            lose_undelivered_on_wake_kill: false,
            large_transfer_waits_for_wifi_bytes: Some(1 << 20),
            ..Profile::default()
        }
    );
}

#[test]
fn fixture_options_urls_and_file_sources() {
    let repo = Repo::new();
    fs::write(repo.root().join("scenarios/expected.bin"), b"x").expect("write");
    let text = r#"
name = "options"
app = "reference"
[[fixture]]
path = "/a.bin"
size = 1000
seed = 3
accept_ranges = "none"
framing = "chunked"
[[fixture]]
path = "/b.bin"
size = "1KB"
seed = 4
accept_ranges = "absent"
gzip = true
[[fixture]]
path = "/c.bin"
size = 1
seed = 5
accept_ranges = "unadvertised"
[[step]]
at = "1s"
do = "download"
url = "https://example.com/elsewhere"
to = "Documents/elsewhere"
[expect]
violations = ["no-lost-file", "handler-once"]
files = { "Documents/z" = "/b.bin", "Documents/a" = "expected.bin", "Library/x" = "fixtures/xamarin.png" }
"#;
    let scenario = repo.load(text).expect("valid");
    assert_eq!(
        scenario.fixtures[0],
        FixtureSpec {
            path: "/a.bin".into(),
            source: FixtureSource::Generated {
                size_bytes: 1000,
                seed: 3
            },
            accept_ranges: AcceptRanges::None,
            chunked: true,
            gzip: false,
        }
    );
    assert_eq!(scenario.fixtures[1].accept_ranges, AcceptRanges::Absent);
    assert!(!scenario.fixtures[1].chunked);
    assert!(scenario.fixtures[1].gzip);
    assert_eq!(
        scenario.fixtures[2].accept_ranges,
        AcceptRanges::Unadvertised
    );
    // A full URL is taken as written, even to another host (the world refuses it later).
    assert_eq!(
        scenario.steps[0].1,
        Action::Download {
            url: "https://example.com/elsewhere".into(),
            destination: "Documents/elsewhere".into()
        }
    );
    // Violations keep file order; files are sorted by destination.
    assert_eq!(scenario.expect.violations, ["no-lost-file", "handler-once"]);
    assert_eq!(
        scenario.expect.files,
        vec![
            (
                "Documents/a".to_string(),
                FileSource::File(repo.root().join("scenarios/expected.bin"))
            ),
            (
                "Documents/z".to_string(),
                FileSource::Fixture("/b.bin".into())
            ),
            (
                "Library/x".to_string(),
                FileSource::File(repo.root().join("fixtures/xamarin.png"))
            ),
        ]
    );
}

#[test]
fn the_nearest_matching_file_wins_and_absolute_paths_are_taken_as_is() {
    let repo = Repo::new();
    // A `fixtures/xamarin.png` next to the scenario shadows the one at the top.
    fs::create_dir_all(repo.root().join("scenarios/fixtures")).expect("mkdir");
    fs::write(repo.root().join("scenarios/fixtures/xamarin.png"), b"near").expect("write");
    let absolute = repo.root().join("fixtures/xamarin.png");
    let text = format!(
        "name = \"n\"\napp = \"reference\"\n[[fixture]]\npath = \"/near\"\nfile = \"fixtures/xamarin.png\"\n\
         [[fixture]]\npath = \"/abs\"\nfile = {:?}\n",
        absolute.to_str().expect("utf-8 temp path")
    );
    let scenario = repo.load(&text).expect("valid");
    assert_eq!(
        scenario.fixtures[0].source,
        FixtureSource::File(repo.root().join("scenarios/fixtures/xamarin.png"))
    );
    assert_eq!(scenario.fixtures[1].source, FixtureSource::File(absolute));
}

#[test]
fn steps_are_sorted_stably_by_time() {
    let text = r#"
name = "order"
app = "reference"
[[step]]
at = "5s"
do = "network-down"
[[step]]
at = "1s"
do = "launch"
[[step]]
at = "5s"
do = "network-up"
[[step]]
at = "1s"
do = "home"
[[step]]
at = "0s"
do = "wait"
[[step]]
at = "5s"
do = "crash"
"#;
    let scenario = parse(text, Path::new("o.toml"), &known()).expect("valid");
    assert_eq!(
        scenario.steps,
        vec![
            (SimTime::ZERO, Action::Wait),
            (SimTime::from_secs(1), Action::Launch),
            (SimTime::from_secs(1), Action::Home),
            (SimTime::from_secs(5), Action::NetworkDown),
            (SimTime::from_secs(5), Action::NetworkUp),
            (SimTime::from_secs(5), Action::Crash),
        ]
    );
}

#[test]
fn every_step_kind_maps_to_its_action() {
    let kinds = [
        ("launch", Action::Launch),
        ("home", Action::Home),
        ("foreground", Action::Foreground),
        ("system-suspend", Action::SystemSuspend),
        ("system-kill", Action::SystemKill),
        ("force-quit", Action::ForceQuit),
        ("crash", Action::Crash),
        ("network-down", Action::NetworkDown),
        ("network-up", Action::NetworkUp),
        ("wait", Action::Wait),
        ("plug-in", Action::Charger { connected: true }),
        ("unplug", Action::Charger { connected: false }),
        ("lock", Action::Lock),
        ("unlock", Action::Unlock),
        ("container-move", Action::ContainerMove),
        ("purge-tmp", Action::PurgeTmp),
        ("sign-out", Action::User(UserCommand::SignOut)),
        (
            "stop-after-downloads",
            Action::User(UserCommand::StopAfterDownloads),
        ),
        ("low-power-on", Action::LowPower { on: true }),
        ("low-power-off", Action::LowPower { on: false }),
        ("wifi-on", Action::Wifi { on: true }),
        ("wifi-off", Action::Wifi { on: false }),
        ("low-data-mode-on", Action::LowDataMode { on: true }),
        ("low-data-mode-off", Action::LowDataMode { on: false }),
        ("system-cancel", Action::SystemCancel),
    ];
    for (name, action) in kinds {
        let text =
            format!("name = \"s\"\napp = \"reference\"\n[[step]]\nat = \"1ms\"\ndo = \"{name}\"\n");
        let scenario = parse(&text, Path::new("s.toml"), &known()).expect(name);
        assert_eq!(
            scenario.steps,
            vec![(SimTime::from_us(1000), action.clone())]
        );
        // The file's names are the simulator's names for its actions.
        assert_eq!(action.name(), name);
    }
}

#[test]
fn pause_and_resume_steps_name_their_download() {
    let text = "name = \"s\"\napp = \"reference\"\n[[step]]\nat = \"1s\"\ndo = \"pause-download\"\nto = \"Documents/a\"\n[[step]]\nat = \"2s\"\ndo = \"resume-download\"\nto = \"Documents/a\"\n";
    let scenario = parse(text, Path::new("s.toml"), &known()).expect("valid");
    let destination = "Documents/a".to_string();
    assert_eq!(
        scenario.steps,
        vec![
            (
                SimTime::from_secs(1),
                Action::User(UserCommand::Pause {
                    destination: destination.clone()
                })
            ),
            (
                SimTime::from_secs(2),
                Action::User(UserCommand::Resume { destination })
            ),
        ]
    );
}

#[test]
fn the_session_table_reaches_the_app_settings() {
    let text = "name = \"s\"\napp = \"reference\"\n[session]\nsends_launch_events = false\ndiscretionary = true\nrequest_timeout = \"30s\"\nresource_timeout = \"1d\"\nallows_cellular_access = false\nallows_expensive_network_access = false\nallows_constrained_network_access = false\nexpects_to_receive = \"2MiB\"\n";
    let scenario = parse(text, Path::new("s.toml"), &known()).expect("valid");
    // SCHED-4: a task property the reference app sets, not part of the configuration.
    assert_eq!(scenario.session.expects_to_receive_bytes, Some(2 << 20));
    let config = scenario
        .session
        .apply(bgsim::simulator::app::SessionConfig::background("x"));
    assert!(!config.sends_launch_events && config.discretionary);
    assert_eq!(config.request_timeout, Some(Duration::from_secs(30)));
    assert_eq!(config.resource_timeout, Some(Duration::from_secs(86_400)));
    assert!(!config.allows_cellular_access);
    assert!(!config.allows_expensive_network_access);
    assert!(!config.allows_constrained_network_access);
}

/// `[[fault]]` tables of `kind` with `keys`, at `/a.bin`, parsed into the plan's rules.
fn fault_rules(tables: &[(&str, &str)]) -> Vec<FaultRule> {
    let mut text = String::from("name = \"faults\"\napp = \"reference\"\n");
    for (kind, keys) in tables {
        text.push_str(&format!(
            "[[fault]]\npath = \"/a.bin\"\nkind = \"{kind}\"\n{keys}\n"
        ));
    }
    let scenario = parse(&text, Path::new("x.toml"), &known()).expect("valid");
    scenario.faults.rules().to_vec()
}

#[test]
fn every_fault_kind_reaches_the_plan() {
    let cases: Vec<(&str, &str, Fault)> = vec![
        ("cut", "at = \"1KiB\"", Fault::Cut { at_byte: 1024 }),
        ("reset", "at = 100", Fault::Reset { at_byte: 100 }),
        (
            "stall",
            "at = 0\nfor = \"1m30s\"",
            Fault::Stall {
                at_byte: 0,
                duration: Some(Duration::from_secs(90)),
            },
        ),
        (
            "stall",
            "at = \"1MiB\"",
            Fault::Stall {
                at_byte: 1 << 20,
                duration: None,
            },
        ),
        (
            "status",
            "status = 503",
            Fault::Status {
                code: 503,
                retry_after: None,
            },
        ),
        (
            "status",
            "status = 503\nretry_after = \"120\"",
            Fault::Status {
                code: 503,
                retry_after: Some(RetryAfter::Verbatim("120".into())),
            },
        ),
        (
            "status",
            "status = 429\nretry_after_date = \"2m\"",
            Fault::Status {
                code: 429,
                retry_after: Some(RetryAfter::Date {
                    delay: Duration::from_secs(120),
                }),
            },
        ),
        ("ignore-range", "", Fault::IgnoreRange),
        (
            "misaligned-range",
            "shift = -3",
            Fault::MisalignedRange { shift: -3 },
        ),
        (
            "short-range",
            "missing = 10",
            Fault::ShortRange { missing: 10 },
        ),
        ("new-version", "seed = 5", Fault::NewVersion { seed: 5 }),
        ("weak-etag", "", Fault::WeakEtag),
        ("no-validators", "", Fault::NoValidators),
        ("close-delimited", "", Fault::CloseDelimited),
        (
            "unauthorized",
            "",
            Fault::Unauthorized { credentials: None },
        ),
        (
            "unauthorized",
            "credentials = \"alice:open: sesame\"",
            Fault::Unauthorized {
                credentials: Some("alice:open: sesame".into()),
            },
        ),
    ];
    let tables: Vec<(&str, &str)> = cases.iter().map(|(k, v, _)| (*k, *v)).collect();
    let rules = fault_rules(&tables);
    let faults: Vec<Fault> = rules.iter().map(|r| r.fault.clone()).collect();
    let expected: Vec<Fault> = cases.into_iter().map(|(_, _, f)| f).collect();
    assert_eq!(faults, expected);
    assert!(rules
        .iter()
        .all(|r| r.path == "/a.bin" && r.request.is_none()));
}

#[test]
fn fault_mistakes_are_reported_at_the_offending_key() {
    let dir = Path::new("/nowhere");
    // (body after HEAD, line, column, key phrase)
    let cases: &[(&str, usize, usize, &str)] = &[
        (
            "[[fixture]]\npath = \"/a\"\nsize = \"17MiB\"\nseed = 1\ngzip = true\n",
            7,
            8,
            "a gzip fixture is encoded in memory, and `/a` is 17825792 bytes; expected at most 16MiB",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"reset\"\n",
            3,
            1,
            "a `reset` fault needs `at`",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"reset\"\nat = 1\nseed = 2\n",
            7,
            8,
            "a `reset` fault takes no `seed`; expected only `path`, `request`, `kind`, `at`",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"status\"\nstatus = 503\nretry_after = \"1\"\nretry_after_date = \"1s\"\n",
            8,
            20,
            "a `status` fault has `retry_after` or `retry_after_date`, not both",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"cut\"\nat = 1\nretry_after_date = \"1s\"\n",
            7,
            20,
            "a `cut` fault takes no `retry_after_date`",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"redirect\"\nstatus = 304\n",
            6,
            10,
            "status 304 is not a redirect; expected 301, 302, 303, 307 or 308",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"redirect\"\nstatus = 300\n",
            6,
            10,
            "status 300 is not a redirect",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"unauthorized\"\ncredentials = \"alice\"\n",
            6,
            15,
            "bad credentials `alice`: expected `user:password`",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"cut\"\nat = 1\nfor = \"1s\"\n",
            7,
            7,
            "a `cut` fault takes no `for`; expected only `path`, `request`, `kind`, `at`",
        ),
        (
            "[[fault]]\npath = \"/a\"\nkind = \"stall\"\nat = 1\nfor = 90\n",
            7,
            7,
            "expected a duration string",
        ),
    ];
    for (body, line, column, phrase) in cases {
        assert_error(&error_in(dir, body), *line, *column, phrase);
    }
}

/// The header every error case below starts with: lines 1 and 2.
const HEAD: &str = "name = \"x\"\napp = \"reference\"\n";

/// Parses `HEAD + body` from `dir/x.toml` and returns the error.
fn error_in(dir: &Path, body: &str) -> ScenarioError {
    let text = format!("{HEAD}{body}");
    match parse(&text, &dir.join("x.toml"), &known()) {
        Ok(scenario) => panic!("expected an error for:\n{text}\ngot {scenario:?}"),
        Err(err) => err,
    }
}

#[track_caller]
fn assert_error(err: &ScenarioError, line: usize, column: usize, phrase: &str) {
    assert_eq!(
        (err.line, err.column),
        (line, column),
        "wrong position for: {err}"
    );
    assert!(
        err.message.contains(phrase),
        "message lacks {phrase:?}: {err}"
    );
    // One sentence on one line, and the Display form is exactly file:line:column: message.
    assert!(!err.message.contains('\n'), "multi-line message: {err}");
    assert_eq!(
        err.to_string(),
        format!("{}:{line}:{column}: {}", err.file.display(), err.message)
    );
}

#[test]
fn errors_name_the_line_and_column_of_the_offending_value() {
    let repo = Repo::new();
    let dir = repo.root().join("scenarios");
    // (body after HEAD, line, column, key phrase)
    let cases: &[(&str, usize, usize, &str)] = &[
        // Unknown top-level field: at the key, listing the fields.
        (
            "colour = \"blue\"\n",
            3,
            1,
            "unknown field `colour`, expected one of `name`, `rules`, `app`, `seed`",
        ),
        // Unknown step field.
        (
            "[[step]]\nat = \"1s\"\ndo = \"home\"\nwhen = \"2s\"\n",
            6,
            1,
            "unknown field `when`, expected one of `at`, `do`, `url`, `to`",
        ),
        // A field the step kind does not take: at that field.
        (
            "[[step]]\nat = \"1s\"\ndo = \"home\"\n  url = \"/a\"\n",
            6,
            9,
            "a `home` step takes no `url`; expected only `at` and `do`",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"launch\"\nto = \"Documents/a\"\n",
            6,
            6,
            "a `launch` step takes no `to`",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"sign-out\"\nto = \"Documents/a\"\n",
            6,
            6,
            "a `sign-out` step takes no `to`",
        ),
        ("[[step]]\nat = \"1s\"\ndo = \"pause-download\"\n", 3, 1, "a `pause-download` step needs `to`"),
        // SCHED-4: the knob and the expected size are sizes.
        (
            "[profile]\nlarge_transfer_waits_for_wifi = \"big\"\n",
            4,
            33,
            "bad size `big`",
        ),
        (
            "[session]\nexpects_to_receive = \"2 MiB\"\n",
            4,
            22,
            "bad size `2 MiB`",
        ),
        // ID-5 / ID-6: the app extension's steps.
        (
            "[[step]]\nat = \"1s\"\ndo = \"extension-start\"\nshared_container = \"yes\"\n",
            6,
            20,
            "invalid type: string \"yes\", expected a boolean",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"extension-start\"\nurl = \"/a\"\n",
            3,
            1,
            "an `extension-start` step needs `to`; expected `session`, `shared_container`, `url` and `to`",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"extension-start\"\nsession = \" \"\n",
            6,
            11,
            "bad session ` `: expected a session identifier",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"home\"\nsession = \"s\"\n",
            6,
            11,
            "a `home` step takes no `session`; expected only `at` and `do`",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"extension-exit\"\n",
            3,
            1,
            "an `extension-exit` step with no extension running; expected an `extension-start` before it",
        ),
        // In time order, not file order: this exit comes before the start.
        (
            "[[step]]\nat = \"2s\"\ndo = \"extension-start\"\n[[step]]\nat = \"1s\"\ndo = \"extension-exit\"\n",
            6,
            1,
            "an `extension-exit` step with no extension running",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"extension-start\"\n[[step]]\nat = \"2s\"\ndo = \"extension-start\"\n",
            6,
            1,
            "an `extension-start` step while the extension started at line 3 still runs; expected an `extension-exit` before it",
        ),
        // Unknown `[session]` key.
        ("[session]\nsend_launch_events = false\n", 4, 1, "unknown field `send_launch_events`"),
        // Unknown step.
        (
            "[[step]]\nat = \"1s\"\ndo = \"jump\"\n",
            5,
            6,
            "unknown step `jump`; expected one of: launch, download, home, foreground, \
             system-suspend, system-kill, force-quit, crash, network-down, network-up, plug-in, unplug, lock, unlock, container-move, purge-tmp, wait, pause-download, resume-download, sign-out, stop-after-downloads, low-power-on, low-power-off, system-cancel, wifi-on, wifi-off, low-data-mode-on, low-data-mode-off, upload, fetch, suspend-task, resume-task, extension-start, extension-exit",
        ),
        // Bad duration.
        (
            "[[step]]\nat = \"5 sec\"\ndo = \"home\"\n",
            4,
            6,
            "bad duration `5 sec`: expected a number and a unit (us, ms, s, m, h, d), like `250ms` or `3d`",
        ),
        ("horizon = \"soon\"\n", 3, 11, "bad duration `soon`"),
        ("[profile]\nwake_budget = \"-1s\"\n", 4, 15, "bad duration `-1s`"),
        // Bad size.
        (
            "[[fixture]]\npath = \"/b\"\nsize = \"2 MiB\"\nseed = 1\n",
            5,
            8,
            "bad size `2 MiB`",
        ),
        (
            "[profile]\nprogress_granularity = \"64kib\"\n",
            4,
            24,
            "bad size `64kib`",
        ),
        // Bad bandwidth.
        (
            "[network]\nbandwidth = \"256KiB\"\n",
            4,
            13,
            "bad bandwidth `256KiB`: expected a size per second, like `256KiB/s` or `1MB/s`",
        ),
        (
            "network = { bandwidth = \"0/s\" }\n",
            3,
            25,
            "expected at least 1 byte per second",
        ),
        // Unknown check ID in expect.
        (
            "[expect]\nviolations = [\"handler-once\", \"handler-twice\"]\n",
            4,
            31,
            "unknown check `handler-twice`; expected one of: handler-once, file-delivered, no-lost-file",
        ),
        // Missing fixture file: at the value.
        (
            "[[fixture]]\npath = \"/a.png\"\nfile = \"fixtures/nope.png\"\n",
            5,
            8,
            "file `fixtures/nope.png` not found in",
        ),
        // Missing expected file.
        (
            "[expect]\nfiles = { \"Documents/a\" = \"nope.bin\" }\n",
            4,
            27,
            "file `nope.bin` not found",
        ),
        (
            "[expect]\nfiles = { \"Documents/a\" = \"/nope.bin\" }\n",
            4,
            27,
            "`/nope.bin` is neither a declared fixture nor an existing file",
        ),
        // Download of an undeclared fixture: at `url`.
        (
            "[[fixture]]\npath = \"/a\"\nsize = 1\nseed = 1\n[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/b\"\nto = \"Documents/b\"\n",
            10,
            7,
            "no fixture is declared at `/b`; expected one of: /a",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/b\"\nto = \"Documents/b\"\n",
            6,
            7,
            "no fixture is declared at `/b`; expected one of: (none)",
        ),
        (
            "[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"x/b\"\nto = \"Documents/b\"\n",
            6,
            7,
            "bad url `x/b`",
        ),
        // TOML syntax errors.
        ("seed = \n", 3, 8, "string values must be quoted, expected literal string"),
        ("[[step]\n", 3, 8, "unclosed array table, expected `]`"),
        ("horizon = \"8d\n", 3, 14, "invalid basic string, expected `\"`"),
        ("name = \"again\"\n", 3, 1, "duplicate key `name`; expected each key once per table"),
        // Wrong types.
        (
            "[[step]]\nat = 5\ndo = \"home\"\n",
            4,
            6,
            "invalid type: integer `5`, expected a duration string like \"5s\"",
        ),
        ("seed = \"one\"\n", 3, 8, "expected a non-negative integer seed"),
        ("seed = -1\n", 3, 8, "bad seed `-1`: expected an integer from 0 to"),
        ("rules = \"KILL-1\"\n", 3, 9, "invalid type: string \"KILL-1\", expected a sequence"),
        ("[network]\nup = \"yes\"\n", 4, 6, "expected a boolean"),
        ("[step]\nat = \"1s\"\n", 3, 1, "expected an array of tables, written as `[[...]]` sections"),
        ("[[step]]\nat = \"1s\"\ndo = 3\n", 5, 6, "expected a step name string like \"launch\""),
        // Bad rule ID.
        ("rules = [\"KILL-1\", \"kill2\"]\n", 3, 20, "bad rule ID `kill2`: expected capital letters, a dash and digits"),
        // Missing required fields.
        ("[[step]]\ndo = \"home\"\n", 3, 1, "missing field `at`"),
        ("[[step]]\nat = \"1s\"\n", 3, 1, "missing field `do`"),
        ("[[fixture]]\nfile = \"fixtures/xamarin.png\"\n", 3, 1, "missing field `path`"),
        ("[[fixture]]\npath = \"/a\"\n", 3, 1, "fixture `/a` has no content; expected `file`, or `size` and `seed`"),
        ("[[fixture]]\npath = \"/a\"\nsize = 5\n", 5, 8, "has `size` but no `seed`"),
        ("[[fixture]]\npath = \"/a\"\nseed = 5\n", 5, 8, "has `seed` but no `size`"),
        (
            "[[fixture]]\npath = \"/a\"\nfile = \"fixtures/xamarin.png\"\nsize = 5\n",
            6,
            8,
            "either `file`, or `size` and `seed`, not both",
        ),
        ("[[step]]\nat = \"1s\"\ndo = \"download\"\nto = \"Documents/a\"\n", 3, 1, "a `download` step needs `url`"),
        ("[[fixture]]\npath = \"/a\"\nsize = 1\nseed = 1\n[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/a\"\n", 7, 1, "a `download` step needs `to`"),
        // Fixture paths.
        ("[[fixture]]\npath = \"a.png\"\nsize = 1\nseed = 1\n", 4, 8, "bad fixture path `a.png`: expected a URL path starting with `/`"),
        (
            "[[fixture]]\npath = \"/a\"\nsize = 1\nseed = 1\n[[fixture]]\npath = \"/a\"\nsize = 2\nseed = 2\n",
            8,
            8,
            "fixture `/a` is declared twice (first at line 4)",
        ),
        ("[[fixture]]\npath = \"/a\"\nsize = 1\nseed = 1\naccept_ranges = \"some\"\n", 7, 17, "unknown accept_ranges `some`; expected one of: bytes, none, absent, unadvertised"),
        ("[[fixture]]\npath = \"/a\"\nsize = 1\nseed = 1\nframing = \"gzip\"\n", 7, 11, "unknown framing `gzip`; expected one of: content-length, chunked"),
        // Container paths.
        ("[expect]\nabsent = [\"../etc/passwd\"]\n", 4, 11, "bad container path `../etc/passwd`"),
        ("[expect]\nabsent = [\"/Documents/a\"]\n", 4, 11, "bad container path `/Documents/a`"),
        (
            "[expect]\nfiles = { \"Documents/a\" = \"fixtures/xamarin.png\" }\nabsent = [\"Documents/a\"]\n",
            5,
            11,
            "`Documents/a` is both in `files` and `absent`",
        ),
        ("[expect]\nviolations = [\"handler-once\", \"handler-once\"]\n", 4, 31, "check `handler-once` is listed twice"),
        // Bounds in time and of the profile.
        ("horizon = \"1s\"\n[[step]]\nat = \"2s\"\ndo = \"home\"\n", 5, 6, "step at `2s` is after the horizon `1s`, so it would never run"),
        ("horizon = \"3651d\"\n", 3, 11, "horizon `3651d` is too far; expected at most `3650d`"),
        ("[[step]]\nat = \"100000d\"\ndo = \"wait\"\n", 4, 6, "step time `100000d` is too far"),
        ("[profile]\nretry_backoff_initial = \"10s\"\nretry_backoff_max = \"5s\"\n", 5, 21, "`retry_backoff_max` `5s` is less than `retry_backoff_initial` `10s`"),
        ("[profile]\nprogress_granularity = \"0B\"\n", 4, 24, "`progress_granularity` is 0; expected at least 1 byte"),
        ("[[fixture]]\npath = \"/huge\"\nsize = \"2TiB\"\nseed = 1\n", 5, 8, "is too large; expected at most 1TiB"),
        // Unknown fields in nested tables.
        ("[network]\nspeed = \"1MB/s\"\n", 4, 1, "unknown field `speed`, expected one of `bandwidth`, `latency`, `up`"),
        ("[profile]\nbg_wake_budget = \"1s\"\n", 4, 1, "unknown field `bg_wake_budget`"),
        ("[[fixture]]\npath = \"/a\"\nbytes = 5\n", 5, 1, "unknown field `bytes`"),
        ("[expect]\npresent = []\n", 4, 1, "unknown field `present`, expected one of `violations`, `files`, `absent`"),
    ];
    for &(body, line, column, phrase) in cases {
        let err = error_in(&dir, body);
        assert_eq!(err.file, dir.join("x.toml"));
        assert_error(&err, line, column, phrase);
    }
}

#[test]
fn an_unknown_app_is_an_error_at_the_app() {
    let known = Known::new(&["article"], &[]);
    let err = parse(HEAD, Path::new("a.toml"), &known).expect_err("unknown app");
    assert_eq!(
        err.to_string(),
        "a.toml:2:7: unknown app `reference`; expected one of: article"
    );
}

#[test]
fn an_error_displays_as_file_line_column_message() {
    let err = parse(
        "name = \"x\"\napp = \"reference\"\n[[step]]\nat = \"1s\"\ndo = \"jump\"\n",
        Path::new("scenarios/x.toml"),
        &known(),
    )
    .expect_err("unknown step");
    // The list of steps grows; its start and that it is one line are what matter here.
    let text = err.to_string();
    assert!(
        text.starts_with(
            "scenarios/x.toml:5:6: unknown step `jump`; expected one of: launch, download, home, "
        ),
        "{text}"
    );
    assert!(
        text.contains(", sign-out, ") && text.contains(", suspend-task, ") && !text.contains('\n'),
        "{text}"
    );
}

#[test]
fn missing_required_top_level_fields_are_reported_at_the_start() {
    let cases = [
        ("", "missing field `name`"),
        ("name = \"x\"\n", "missing field `app`"),
        ("app = \"reference\"\n", "missing field `name`"),
    ];
    for (text, phrase) in cases {
        let err = parse(text, Path::new("m.toml"), &known()).expect_err(text);
        assert_error(&err, 1, 1, phrase);
    }
    let err = parse(
        "name = \"  \"\napp = \"reference\"\n",
        Path::new("m.toml"),
        &known(),
    )
    .expect_err("blank name");
    assert_error(&err, 1, 8, "empty `name`");
}

#[test]
fn too_many_steps_or_fixtures_is_an_error_naming_the_count() {
    let mut text = String::from(HEAD);
    for _ in 0..=MAX_STEPS {
        text.push_str("[[step]]\nat = \"1s\"\ndo = \"wait\"\n");
    }
    let err = parse(&text, Path::new("big.toml"), &known()).expect_err("too many steps");
    // The first step beyond the bound: its header is on line 3 + 3 × 10 000.
    assert_error(
        &err,
        3 + 3 * MAX_STEPS,
        1,
        "too many steps: 10001; expected at most 10000",
    );

    let mut text = String::from(HEAD);
    for i in 0..=MAX_FIXTURES {
        text.push_str(&format!(
            "[[fixture]]\npath = \"/{i}\"\nsize = 1\nseed = 1\n"
        ));
    }
    let err = parse(&text, Path::new("big.toml"), &known()).expect_err("too many fixtures");
    assert_error(
        &err,
        3 + 4 * MAX_FIXTURES,
        1,
        "too many fixtures: 1001; expected at most 1000",
    );

    // Exactly at the bound is fine.
    let mut text = String::from(HEAD);
    for _ in 0..MAX_STEPS {
        text.push_str("[[step]]\nat = \"1s\"\ndo = \"wait\"\n");
    }
    let scenario = parse(&text, Path::new("big.toml"), &known()).expect("at the bound");
    assert_eq!(scenario.steps.len(), MAX_STEPS);
}

#[test]
fn unreadable_and_non_utf8_files_are_errors_with_a_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.toml");
    let err = load(&missing, &known()).expect_err("missing file");
    assert_eq!(err.file, missing);
    assert_error(&err, 1, 1, "cannot read the scenario file");

    // A directory is not readable as a file either.
    let err = load(dir.path(), &known()).expect_err("a directory");
    assert_error(&err, 1, 1, "cannot read the scenario file");

    let binary = dir.path().join("binary.toml");
    fs::write(&binary, b"name = \"x\"\napp = \"r\xffe\"\n").expect("write");
    let err = load(&binary, &known()).expect_err("not utf-8");
    assert_error(&err, 2, 9, "this byte is not UTF-8");
}

/// Deterministic junk: every prefix of the example, every single-byte corruption of a small
/// file, and pseudo-random byte soup. Nothing may panic; every error must have a sane
/// position.
#[test]
fn no_input_makes_the_parser_panic() {
    let repo = Repo::new();
    let path = repo.scenario_path();
    let check = |text: &str| {
        if let Err(err) = parse(text, &path, &known()) {
            let lines = text.split('\n').count();
            assert!(err.line >= 1 && err.line <= lines, "{err}");
            assert!(err.column >= 1, "{err}");
            assert!(
                !err.message.is_empty() && !err.message.contains('\n'),
                "{err}"
            );
        }
    };
    for (i, _) in EXAMPLE.char_indices() {
        check(&EXAMPLE[..i]);
    }
    let small = "name = \"x\"\napp = \"reference\"\n[[step]]\nat = \"1s\"\ndo = \"home\"\n";
    let replacements = ['\0', '"', '[', ']', '=', '\n', '9', '-', '.', 'é', '{', '#'];
    for (i, _) in small.char_indices() {
        for r in replacements {
            let mut text = small.to_string();
            text.replace_range(i..i + 1, &r.to_string());
            check(&text);
        }
    }
    const SOUP: &[u8] = b"ab=\"[]{},.0123456789 \n#'dsmh-_";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..500 {
        let len = (state % 200) as usize;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            // xorshift64: cheap, deterministic.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(SOUP[(state % SOUP.len() as u64) as usize]);
        }
        check(&String::from_utf8_lossy(&bytes));
    }
    let huge = [
        "name = \"x\"\napp = \"reference\"\nseed = 99999999999999999999999999\n",
        "name = \"x\"\napp = \"reference\"\nhorizon = \"99999999999999999999999999999999999999d\"\n",
        "name = \"x\"\napp = \"reference\"\n[profile]\nprogress_granularity = 1e300\n",
        "name = \"x\"\napp = \"reference\"\n[[fixture]]\npath = \"/a\"\nsize = \"18446744073709551616\"\nseed = 1\n",
    ];
    for text in huge {
        assert!(parse(text, &path, &known()).is_err(), "{text}");
    }
}

#[test]
fn an_app_in_another_language_is_a_command_started_in_the_scenarios_folder() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"x\"\napp = { command = [\"python3\", \"app.py\", \"--bug\", \"lc-01\"], timeout = \"30s\" }\n";
    let s = parse(text, &dir.path().join("x.toml"), &known()).unwrap();
    let command = s.app_command.expect("a command");
    assert_eq!(command.argv, ["python3", "app.py", "--bug", "lc-01"]);
    assert_eq!(command.dir, std::path::absolute(dir.path()).unwrap());
    assert_eq!(command.timeout, std::time::Duration::from_secs(30));
    assert_eq!(s.app, "python3 app.py --bug lc-01");
    for (app, column, phrase) in [
        (
            "{ command = [] }",
            19,
            "empty `command`; expected the program and its arguments",
        ),
        (
            "{ command = [\"a\"], timeout = \"0s\" }",
            36,
            "`timeout` is 0",
        ),
        (
            "{ command = [\"a\"], shell = true }",
            26,
            "unknown field `shell`",
        ),
        (
            "{ command = \"python3 app.py\" }",
            19,
            "invalid type: string",
        ),
        (
            "42",
            7,
            "expected an app name like \"reference\", or a table",
        ),
    ] {
        let text = format!("name = \"x\"\napp = {app}\n");
        let err = parse(&text, &dir.path().join("x.toml"), &known()).unwrap_err();
        assert_error(&err, 2, column, phrase);
    }
}
