//! Seed → case. Swarm testing (simulation-lessons.md §5): each case enables a random subset
//! of the step and fault kinds, with random weights, so that rare combinations are not
//! drowned by the common ones. A safety phase (lifecycle, network and server faults at
//! generated times) is followed by a healing phase (network up, device unlocked, the user
//! opens the app, no new faults), after which liveness checks such as `one-outcome` mean
//! something.

use super::case::{Case, FaultGen, FaultKind, FixtureGen, Step, StepKind};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The plain lifecycle, network and device steps the safety phase draws from.
const PLAIN_KINDS: [&str; 14] = [
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
];

/// The step kinds a case may enable: the plain ones, then download, pause, resume.
const KINDS: usize = PLAIN_KINDS.len() + 3;
const DOWNLOAD: usize = PLAIN_KINDS.len();
const PAUSE: usize = DOWNLOAD + 1;
const RESUME: usize = DOWNLOAD + 2;

/// Bounds of a generated case.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Steps in the safety phase, at most.
    pub max_steps: usize,
    /// Fixtures, at most.
    pub max_fixtures: usize,
    /// Faults, at most.
    pub max_faults: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 40,
            max_fixtures: 3,
            max_faults: 4,
        }
    }
}

/// The case of `seed`, within `limits`. The same seed always gives the same case.
pub fn case(seed: u64, limits: Limits) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let fixtures: Vec<FixtureGen> = (0..rng.random_range(1..=limits.max_fixtures.max(1)))
        .map(|_| FixtureGen {
            size_bytes: rng.random_range(16u64..=2048) * 1024,
            seed: rng.random_range(0..1000),
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
    let total: u32 = weights.iter().sum();

    let mut steps = vec![Step {
        at_ms: 0,
        kind: StepKind::Plain("launch"),
    }];
    let mut at_ms = 0u64;
    let mut destinations: Vec<String> = Vec::new();
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
                // Now and then in a folder that does not exist yet (real-bugs TF-05).
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
    // Healing: the network and the device come back, the user opens the app and resumes
    // what they paused; nothing new goes wrong.
    at_ms += 1_000;
    for name in ["network-up", "unlock", "launch"] {
        steps.push(Step {
            at_ms,
            kind: StepKind::Plain(name),
        });
    }
    for to in &destinations {
        steps.push(Step {
            at_ms: at_ms + 1_000,
            kind: StepKind::Resume { to: to.clone() },
        });
    }

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
                    seed: rng.random_range(0..1000),
                },
                5 => FaultKind::IgnoreRange,
                _ => FaultKind::NoValidators,
            };
            FaultGen {
                fixture,
                request: rng.random_range(1..=3),
                kind,
            }
        })
        .collect();
    Case {
        seed: rng.random_range(0..1_000_000),
        bandwidth_kib_s: [64, 256, 1024, 4096][rng.random_range(0..4)],
        latency_ms: rng.random_range(1..=200),
        fixtures,
        faults,
        steps,
    }
}
