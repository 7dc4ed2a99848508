//! Determinism with uploads, fetches (data tasks), streamed uploads and suspend: real
//! request bodies go over the wire, yet the same seed gives the same history, byte for
//! byte, on loopback TCP and on the in-memory pipe.

use crate::common;

use bgsim::world::Transport;
use bgsim_simulator::{Action, SimTime};
use common::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const UPLOAD_PATH: &str = "/uploads/photo.jpg";

/// A lifecycle drawn from `seed` around uploads and fetches: Home, kills, crashes,
/// force-quits, network changes, pauses and resumes, then a user launch to settle.
fn timeline(seed: u64) -> Vec<(SimTime, Action)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = vec![(secs(0.0), Action::Launch)];
    let mut now = 0.0;
    for _ in 0..rng.random_range(4..12) {
        now += rng.random_range(0.05..15.0);
        let action = match rng.random_range(0..12) {
            0..=2 => upload(
                UPLOAD_PATH,
                rng.random_range(0..600_000),
                rng.random_range(0..4),
            ),
            3 => Action::Fetch {
                url: bgsim::world::fixture_url(BIG),
                destination: "Library/Caches/big.bin".into(),
            },
            4 => Action::Home,
            5 => [Action::SystemKill, Action::Crash, Action::ForceQuit][rng.random_range(0..3)]
                .clone(),
            6 => Action::NetworkDown,
            7 => Action::NetworkUp,
            8 => Action::SuspendTask {
                url: bgsim::world::fixture_url(UPLOAD_PATH),
            },
            9 => Action::ResumeTask {
                url: bgsim::world::fixture_url(UPLOAD_PATH),
            },
            _ => Action::Launch,
        };
        t.push((secs(now), action));
    }
    t.push((secs(now + 100.0), Action::NetworkUp));
    t.push((secs(now + 200.0), Action::Launch));
    t
}

#[test]
fn uploads_and_fetches_are_deterministic_on_both_transports() {
    let mut distinct = std::collections::BTreeSet::new();
    let mut uploaded = 0;
    for seed in 0..30 {
        for app in [
            "reference",
            "nl-04-data-task-in-background",
            "api-6-streamed-upload",
        ] {
            let tcp = run(app, seed, Transport::Tcp, timeline(seed));
            let mem = run(app, seed, Transport::Memory, timeline(seed));
            let again = run(app, seed, Transport::Memory, timeline(seed));
            assert_eq!(
                tcp.history.render(),
                mem.history.render(),
                "seed {seed}, {app}: TCP and memory differ"
            );
            assert_eq!(
                mem.history.hash(),
                again.history.hash(),
                "seed {seed}, {app}: rerun differs"
            );
            distinct.insert(mem.history.hash());
            uploaded += mem
                .history
                .records()
                .iter()
                .filter(|r| matches!(r.what, bgsim_simulator::trace::What::Uploaded { .. }))
                .count();
        }
    }
    // The seeds really exercised different runs, with uploads that went through.
    assert!(
        distinct.len() > 40,
        "only {} distinct histories",
        distinct.len()
    );
    assert!(uploaded > 20, "only {uploaded} uploads completed");
}

#[test]
fn the_reference_app_breaks_no_check_on_these_timelines() {
    use bgsim::check::{self, Evidence};
    for seed in 0..80 {
        let ran = run("reference", seed, Transport::Memory, timeline(seed));
        let violations = check::judge(&Evidence::new(
            &ran.history,
            &ran.sandbox,
            &ran.server,
            ran.end == bgsim_simulator::RunEnd::Quiet,
        ));
        assert!(
            violations.is_empty(),
            "seed {seed}: {violations:?}\n{}",
            ran.history.render()
        );
    }
}
