//! Determinism: the same seed gives the same history, byte for byte, and the two
//! transports (loopback TCP and the in-memory pipe) give the same history too.

use crate::common;

use bgsim::world::Transport;
use bgsim_simulator::{Action, SimTime};
use common::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A lifecycle drawn from `seed`: downloads, Home, kills, force-quits, crashes, network
/// changes at random times, then a user launch so everything can settle.
fn timeline(seed: u64) -> Vec<(SimTime, Action)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = vec![(secs(0.0), Action::Launch)];
    let mut now = 0.0;
    for _ in 0..rng.random_range(4..14) {
        now += rng.random_range(0.05..20.0);
        let action = match rng.random_range(0..10) {
            0 | 1 => download(
                BIG,
                &format!("Documents/big-{}.bin", rng.random_range(0..3)),
            ),
            2 => download("/xamarin.png", "Documents/x.png"),
            3 => download("/missing.html", "Documents/m.html"),
            4 => Action::Home,
            5 => Action::SystemKill,
            6 => [Action::ForceQuit, Action::Crash][rng.random_range(0..2)].clone(),
            7 => Action::NetworkDown,
            8 => Action::NetworkUp,
            _ => Action::Launch,
        };
        t.push((secs(now), action));
    }
    t.push((secs(now + 100.0), Action::NetworkUp));
    t.push((secs(now + 200.0), Action::Launch));
    t
}

#[test]
fn same_seed_same_history_on_both_transports_over_many_seeds() {
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..40 {
        for app in ["reference", "article"] {
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
        }
    }
    // The seeds really exercised different runs.
    assert!(
        distinct.len() > 60,
        "only {} distinct histories",
        distinct.len()
    );
}

#[test]
fn the_seed_names_the_temp_files_and_the_container() {
    let steps = || {
        vec![
            (secs(0.0), Action::Launch),
            (secs(1.0), download("/xamarin.png", "Documents/x.png")),
        ]
    };
    let a = run("reference", 1, Transport::Memory, steps());
    let b = run("reference", 2, Transport::Memory, steps());
    assert_ne!(a.history.render(), b.history.render());
    assert_ne!(a.sandbox.container_root(), b.sandbox.container_root());
}
