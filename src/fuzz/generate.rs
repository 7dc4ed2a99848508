//! Seed → case. Swarm testing (docs/design.md#swarm-testing): each case enables a random subset
//! of the step and fault kinds, with random weights, so that rare combinations are not
//! drowned by the common ones. A safety phase (lifecycle, network and server faults at
//! generated times) is generated here; the healing phase after it (network up, device
//! unlocked, the user opens the app, no new faults) follows from it ([`Case::healing`]).

use super::case::{Case, FaultGen, FaultKind, FixtureGen, Knobs, Step, StepKind};
use crate::registry::Features;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The plain lifecycle, network, device and user steps the safety phase draws from.
const PLAIN_KINDS: [&str; 22] = [
    "home",
    "foreground",
    "system-suspend",
    "system-kill",
    "force-quit",
    "crash",
    "launch",
    "network-down",
    "network-up",
    "lock",
    "unlock",
    "purge-tmp",
    "container-move",
    "wait",
    "sign-out",
    "stop-after-downloads",
    "unplug",
    "plug-in",
    "wifi-off",
    "wifi-on",
    "low-power-on",
    "low-power-off",
];

/// The step kinds a case may enable: the plain ones, then these.
const KINDS: usize = PLAIN_KINDS.len() + 6;
const DOWNLOAD: usize = PLAIN_KINDS.len();
const PAUSE: usize = DOWNLOAD + 1;
const RESUME: usize = DOWNLOAD + 2;
const FETCH: usize = DOWNLOAD + 3;
const UPLOAD: usize = DOWNLOAD + 4;
/// An extension starts, or the one running exits.
const EXTENSION: usize = DOWNLOAD + 5;

/// Bounds of a generated case.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Steps in the safety phase, at most.
    pub max_steps: usize,
    /// Fixtures, at most.
    pub max_fixtures: usize,
    /// Faults, at most.
    pub max_faults: usize,
    /// Whether the phone's choices are explored (the default): seeded interleavings, a
    /// wake policy, phones that start on battery, cellular, Low Power Mode or a cap. Off,
    /// every case keeps the simulator's defaults there, as campaigns did before they were
    /// explored: the rest of each seed's case is the same either way.
    pub explore_phone: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 40,
            max_fixtures: 3,
            max_faults: 4,
            explore_phone: true,
        }
    }
}

/// Where the seeds of a case's bodies come from: fixtures and their new versions (up to
/// 2 MiB each), and uploads (up to 1 MiB). A campaign draws its bodies from these few seeds,
/// so a worker generates each seed's bytes once and recognises them when it hashes them
/// again (bgsim_simulator::content); what a case needs of them is that they differ.
const FIXTURE_SEEDS: std::ops::Range<u64> = 0..16;
const UPLOAD_SEEDS: std::ops::Range<u64> = 16..48;

/// The seeds given to a case's bodies so far: no two bodies share one, so a file holding
/// another request's bytes never passes for the right one.
#[derive(Default)]
struct ContentSeeds {
    used: Vec<u64>,
}

impl ContentSeeds {
    /// The first seed of `pool` from `drawn` on (wrapping) not yet given; once the pool is
    /// spent, one above it (1,000 and up, where no pool reaches).
    fn pick(&mut self, drawn: u64, pool: std::ops::Range<u64>) -> u64 {
        let n = pool.end - pool.start;
        let seed = (0..n)
            .map(|i| pool.start + (drawn + i) % n)
            .find(|s| !self.used.contains(s))
            .unwrap_or(1000 + self.used.len() as u64);
        self.used.push(seed);
        seed
    }
}

/// The case of `seed`, within `limits`, for an app with `features`. The same seed always
/// gives the same case.
pub fn case(seed: u64, limits: Limits, features: &Features) -> Case {
    case_from(&mut ChaCha8Rng::seed_from_u64(seed), limits, features)
}

/// The step kinds `features` leaves out: the app has no control for them.
fn unsupported(features: &Features) -> Vec<usize> {
    let plain = |name: &str| PLAIN_KINDS.iter().position(|k| *k == name);
    let mut off = Vec::new();
    let mut leave_out = |on: bool, kinds: &[usize]| {
        if !on {
            off.extend_from_slice(kinds);
        }
    };
    leave_out(features.pause_resume, &[PAUSE, RESUME]);
    leave_out(features.fetch, &[FETCH]);
    leave_out(features.upload, &[UPLOAD]);
    leave_out(features.extension_session.is_some(), &[EXTENSION]);
    leave_out(features.sign_out, &plain("sign-out").into_iter().collect::<Vec<_>>());
    leave_out(
        features.stop_after_downloads,
        &plain("stop-after-downloads").into_iter().collect::<Vec<_>>(),
    );
    off
}

/// The case that the choices `rng` makes give, within `limits`, for an app with
/// `features`. Any source of choices works, a [`super::tape::Tape`] included, and every
/// one gives a valid case.
pub fn case_from(rng: &mut impl Rng, limits: Limits, features: &Features) -> Case {
    let mut knobs = Knobs {
        complete_protection: rng.random_bool(0.15),
        surface_connection_lost: rng.random_bool(0.15),
        resume_after_temp_purge_corrupts: rng.random_bool(0.15),
        request_timeout_s: rng
            .random_bool(0.2)
            .then(|| [5, 10, 30][rng.random_range(0..3)]),
        resource_timeout_s: rng
            .random_bool(0.2)
            .then(|| [30, 60, 300][rng.random_range(0..3)]),
        ..Knobs::default()
    };
    // An app that does not read `[session]` keeps iOS's timeouts whatever the file says.
    if !features.session_settings {
        knobs.request_timeout_s = None;
        knobs.resource_timeout_s = None;
    }
    let mut content_seeds = ContentSeeds::default();
    let fixtures: Vec<FixtureGen> = (0..rng.random_range(1..=limits.max_fixtures.max(1)))
        .map(|_| FixtureGen {
            size_bytes: rng.random_range(16u64..=2048) * 1024,
            seed: content_seeds.pick(rng.random_range(0..1000), FIXTURE_SEEDS),
            accept_ranges: ["bytes", "bytes", "bytes", "none", "absent"][rng.random_range(0..5)],
            chunked: rng.random_bool(0.2),
        })
        .collect();
    // Swarm: a weight per kind, 0 for the kinds this case leaves out. Downloads are
    // always in, or nothing would happen.
    let mut weights: Vec<u32> = (0..KINDS)
        .map(|_| {
            if rng.random_bool(0.5) {
                rng.random_range(1..=4)
            } else {
                0
            }
        })
        .collect();
    weights[DOWNLOAD] = weights[DOWNLOAD].max(1);
    // A knob is wasted without the steps that trigger it.
    let kind = |name: &str| {
        PLAIN_KINDS
            .iter()
            .position(|k| *k == name)
            .expect("a plain kind")
    };
    let mut at_least = |k: usize, w: u32| weights[k] = weights[k].max(w);
    if knobs.complete_protection {
        at_least(kind("lock"), 2);
    }
    if knobs.resume_after_temp_purge_corrupts {
        for k in [kind("purge-tmp"), PAUSE, RESUME] {
            at_least(k, 2);
        }
    }
    // The same choices are drawn whatever the app supports, so an app with every feature
    // gets the cases it always got; then what the app has no control for is left out.
    for k in unsupported(features) {
        weights[k] = 0;
    }
    let total: u32 = weights.iter().sum();

    let mut steps = vec![Step {
        at_ms: 0,
        kind: StepKind::Plain("launch"),
    }];
    let mut at_ms = 0u64;
    let mut destinations: Vec<String> = Vec::new();
    let mut others = 0usize; // fetches, uploads and extension downloads so far
    let mut extension_running = false;
    for _ in 0..rng.random_range(1..=limits.max_steps.max(1)) {
        // Mostly seconds apart; now and then minutes or hours (rate limiter, timeouts).
        at_ms += match rng.random_range(0..10) {
            0 => rng.random_range(60_000..=3_600_000),
            1..=2 => 0,
            _ => rng.random_range(1..=20_000),
        };
        let mut pick = rng.random_range(0..total);
        let kind = weights
            .iter()
            .position(|&w| {
                if pick < w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .expect("pick < total");
        let step = match kind {
            DOWNLOAD => {
                // Now and then in a folder that does not exist yet (docs/bugs.md#tf-05).
                let to = match rng.random_bool(0.3) {
                    true => format!("sub{}/d{}.bin", destinations.len(), destinations.len()),
                    false => format!("d{}.bin", destinations.len()),
                };
                destinations.push(to.clone());
                StepKind::Download {
                    fixture: rng.random_range(0..fixtures.len()),
                    to,
                }
            }
            PAUSE | RESUME if destinations.is_empty() => continue,
            FETCH => {
                others += 1;
                StepKind::Fetch {
                    fixture: rng.random_range(0..fixtures.len()),
                    to: format!("c{others}.bin"),
                }
            }
            UPLOAD => {
                others += 1;
                StepKind::Upload {
                    n: others,
                    size_bytes: rng.random_range(1u64..=1024) * 1024,
                    seed: content_seeds.pick(rng.random_range(0..1000), UPLOAD_SEEDS),
                }
            }
            EXTENSION if extension_running => {
                extension_running = false;
                StepKind::Plain("extension-exit")
            }
            EXTENSION => {
                extension_running = true;
                others += 1;
                StepKind::ExtensionStart {
                    session: features.extension_session.clone().unwrap_or_default(),
                    fixture: rng.random_range(0..fixtures.len()),
                    to: format!("e{others}.bin"),
                }
            }
            PAUSE => StepKind::Pause {
                to: destinations[rng.random_range(0..destinations.len())].clone(),
            },
            RESUME => StepKind::Resume {
                to: destinations[rng.random_range(0..destinations.len())].clone(),
            },
            plain => StepKind::Plain(PLAIN_KINDS[plain]),
        };
        steps.push(Step { at_ms, kind: step });
    }
    // Every request may fail only where a short resource timeout ends the retries: not for
    // a fixture an extension downloads, since its session keeps the 7-day default.
    let extension_fixtures: Vec<usize> = steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::ExtensionStart { .. }))
        .filter_map(|s| s.kind.fixture())
        .collect();
    let fault_weight = rng.random_range(0..=limits.max_faults);
    let faults = (0..fault_weight)
        .map(|_| {
            let fixture = rng.random_range(0..fixtures.len());
            let size = fixtures[fixture].size_bytes;
            let at = rng.random_range(0..size);
            let kind = match rng.random_range(0..7) {
                0 => FaultKind::Cut { at },
                1 => FaultKind::Reset { at },
                2 => FaultKind::Stall {
                    at,
                    for_s: rng.random_bool(0.5).then(|| rng.random_range(1..=120)),
                },
                3 => FaultKind::Status {
                    code: [500, 503, 429, 404][rng.random_range(0..4)],
                    retry_after_s: rng.random_bool(0.5).then(|| rng.random_range(1..=300)),
                },
                4 => FaultKind::NewVersion {
                    seed: content_seeds.pick(rng.random_range(0..1000), FIXTURE_SEEDS),
                },
                5 => FaultKind::IgnoreRange,
                _ => FaultKind::NoValidators,
            };
            FaultGen {
                fixture,
                request: match knobs.resource_timeout_s.is_some()
                    && !extension_fixtures.contains(&fixture)
                    && rng.random_bool(0.3)
                {
                    true => None,
                    false => Some(rng.random_range(1..=3)),
                },
                kind,
            }
        })
        .collect();
    let mut case = Case {
        seed: rng.random_range(0..1_000_000),
        bandwidth_kib_s: [64, 256, 1024, 4096][rng.random_range(0..4)],
        latency_ms: rng.random_range(1..=200),
        knobs,
        ends_in_background: rng.random_bool(0.3),
        fixtures,
        faults,
        steps,
    };
    // Drawn last, so the rest of a seed's case is what it was before these existed.
    if limits.explore_phone {
        phone_choices(rng, &mut case.knobs);
        os_events(rng, &mut case.steps);
    }
    case
}

/// The OS events a case may meet (§20): a restart (OS-1), an update (OS-2), a delete and
/// install (OS-3), a full disk (OS-4), a launch by a background task or a silent push
/// (OS-5). Now and then one or two, each at the time of the step before it.
///
/// A full disk is freed before the user's next request (or in the healing phase): what it
/// explores is transfers finishing, files handed over and processes stopping with no room.
/// A request made while full is refused by a good app, but one whose key counter cannot be
/// written may be given the key of an earlier refused request after a kill, and the checks
/// still tell downloads apart by the app's key; scenarios cover the refusal.
fn os_events(rng: &mut impl Rng, steps: &mut Vec<Step>) {
    const OS_KINDS: [&str; 5] = ["reboot", "app-update", "reinstall", "disk-full", "bg-launch"];
    let events = match rng.random_range(0..10) {
        0..=6 => 0,
        7..=8 => 1,
        _ => 2,
    };
    for _ in 0..events {
        // After the first launch: a phone that restarts before the app ever ran tests nothing.
        let i = rng.random_range(1..=steps.len());
        let kind = OS_KINDS[rng.random_range(0..OS_KINDS.len())];
        let at_ms = steps[i - 1].at_ms;
        steps.insert(i, Step { at_ms, kind: StepKind::Plain(kind) });
        if kind != "disk-full" {
            continue;
        }
        // Half the time after a restart: finished downloads then wait for the first unlock
        // (OS-1), and are handed over with no room for them.
        if rng.random_bool(0.5) {
            steps.insert(i, Step { at_ms, kind: StepKind::Plain("reboot") });
        }
        let request = (i + 1..steps.len()).find(|&j| is_request(&steps[j].kind));
        if let Some(j) = request {
            let at_ms = steps[j - 1].at_ms;
            let kind = StepKind::Plain("disk-freed");
            steps.insert(j, Step { at_ms, kind });
        }
    }
}

/// Whether `kind` is the user asking for a new transfer.
fn is_request(kind: &StepKind) -> bool {
    matches!(
        kind,
        StepKind::Download { .. }
            | StepKind::Fetch { .. }
            | StepKind::Upload { .. }
            | StepKind::ExtensionStart { .. }
    )
}

/// The phone's side of a case: the seed's interleavings on (every case starts with them;
/// shrinking tries them off), a wake policy (LC-6), and now and then a phone that starts
/// on battery, on cellular, in Low Power Mode (deferring discretionary work, SCHED-1,
/// PWR-1) or with a concurrency cap (docs/bugs.md#p7). The healing phase puts power,
/// Wi-Fi and Low Power Mode right again, so what was deferred still finishes.
fn phone_choices(rng: &mut impl Rng, knobs: &mut Knobs) {
    knobs.seeded_interleavings = true;
    knobs.wake_policy = ["all-done", "each-completion", "seeded"][rng.random_range(0..3)];
    knobs.on_battery = rng.random_bool(0.2);
    knobs.on_cellular = rng.random_bool(0.2);
    knobs.low_power = rng.random_bool(0.15);
    knobs.concurrency_cap = rng.random_bool(0.15).then(|| rng.random_range(1..=3));
}
