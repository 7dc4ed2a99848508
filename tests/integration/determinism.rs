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

/// The container in memory (what fuzzing uses) gives the history the real folder on disk
/// gives, the same verdicts and the same file problems: on every shipped scenario, and on
/// generated cases against the reference app and against mutants, whose wrong file
/// handling is what the checks read back from the container.
#[test]
fn the_container_in_memory_gives_the_histories_of_the_one_on_disk() {
    use bgsim::fuzz::{self, generate};
    use bgsim::runner::{run_scenario, Overrides};
    use bgsim_simulator::sandbox::Storage;
    let apps = bgsim::registry::Apps::builtin();
    let known = apps.known();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() > 50, "only {} scenarios", files.len());
    let verdict = |o: &bgsim::runner::Outcome| {
        let checks: Vec<&str> = o.violations.iter().map(|v| v.check).collect();
        format!("{checks:?} {:?} {:?}", o.file_problems, o.run.end)
    };
    for file in &files {
        let s = bgsim::scenario::load(file, &known).unwrap();
        let on = |transport, storage| {
            let overrides = Overrides {
                transport,
                storage,
                ..Overrides::default()
            };
            run_scenario(&apps, &s, &overrides).unwrap()
        };
        let disk = on(Transport::Tcp, Storage::Disk);
        let memory = on(Transport::Memory, Storage::Memory);
        assert_eq!(
            disk.run.history.render(),
            memory.run.history.render(),
            "{}: the two containers differ",
            file.display()
        );
        assert_eq!(verdict(&disk), verdict(&memory), "{}", file.display());
    }
    let features = bgsim::registry::Features::all(bgsim::apps::REFERENCE_EXTENSION_SESSION);
    let mut failing = 0;
    for seed in 0..30 {
        let case = generate::case(seed, generate::Limits::default(), &features);
        for app in [
            "reference",
            "tf-02-async-move",
            "tf-03-error-body-kept",
            "tf-09-resume-data-leaked",
        ] {
            let memory = fuzz::run(&apps, &case, app).unwrap();
            let disk = fuzz::run_on(&apps, &case, app, Transport::Memory, Storage::Disk).unwrap();
            assert_eq!(
                disk.run.history.render(),
                memory.run.history.render(),
                "case {seed} on {app}: the two containers differ"
            );
            assert_eq!(verdict(&disk), verdict(&memory), "case {seed} on {app}");
            failing += usize::from(!memory.violations.is_empty());
        }
    }
    assert!(
        failing > 0,
        "no case made a mutant fail: the file checks were not compared"
    );
}
