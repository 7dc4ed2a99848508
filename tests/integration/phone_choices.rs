//! Issue 18: the phone's choices explored. The reference app stays correct under every wake
//! policy (LC-6) and both interleavings; apps that are right only under the fixed choices
//! pass a campaign that leaves the phone alone and are found once it is explored.

use bgsim::apps::REFERENCE_EXTENSION_SESSION;
use bgsim::fuzz::{self, campaign, generate};
use bgsim::registry::{Apps, Features};
use bgsim_simulator::profile::Interleavings;

const POLICIES: [&str; 3] = ["all-done", "each-completion", "seeded"];

/// 500 generated cases under one wake policy and one interleaving, on two threads.
fn violations_under(policy: &'static str, seeded: bool) -> Vec<String> {
    let apps = Apps::builtin();
    let features = Features::all(REFERENCE_EXTENSION_SESSION);
    let run = |seeds: std::ops::Range<u64>| {
        let mut found = Vec::new();
        for seed in seeds {
            let mut case = generate::case(seed, generate::Limits::default(), &features);
            case.knobs.wake_policy = policy;
            case.knobs.seeded_interleavings = seeded;
            let o = fuzz::run(&apps, &case, "reference").unwrap();
            if !o.violations.is_empty() || o.unbounded() {
                found.push(format!(
                    "seed {seed}, {policy}, seeded={seeded}: {:?}\n{}",
                    o.violations,
                    case.to_toml("reference", "failing case")
                ));
            }
        }
        found
    };
    std::thread::scope(|s| {
        let first = s.spawn(|| run(0..250));
        let mut found = run(250..500);
        found.extend(first.join().unwrap());
        found
    })
}

#[test]
fn the_reference_app_passes_500_seeds_under_every_wake_policy_and_interleaving() {
    for policy in POLICIES {
        for seeded in [false, true] {
            let found = violations_under(policy, seeded);
            assert!(found.is_empty(), "{}", found.join("\n\n"));
        }
    }
}

/// The checks a campaign of `runs` found against `app`, with the phone explored or not.
fn found(app: &str, runs: u64, explore_phone: bool) -> Vec<String> {
    let opts = campaign::Options {
        app: app.into(),
        runs: Some(runs),
        time: None,
        seed: 1,
        shard: None,
        jobs: 2,
        keep_going: true,
        check_determinism: false,
        limits: generate::Limits {
            explore_phone,
            ..generate::Limits::default()
        },
        shrink_budget: 0,
    };
    let summary = campaign::campaign(&Apps::builtin(), &opts, &|_| {}).unwrap();
    (summary.failures_by_signature.keys())
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_mutant_that_assumes_main_runs_after_the_delegate_queue_is_found_only_when_explored() {
    let app = "ch-2-handler-from-did-complete";
    let fixed = found(app, 2_000, false);
    assert!(fixed.is_empty(), "found with the phone fixed: {fixed:?}");
    let explored = found(app, 2_000, true);
    assert!(
        explored.contains(&"handler-after-events".to_string()),
        "{explored:?}"
    );
}

/// LC-6's mutant was right under the old reading (a wake means every task is done). The
/// model's default now lets a task that waits for the network or was paused leave the
/// wake to the others, so a fixed phone catches it too; the explored one must as well.
#[test]
fn a_mutant_that_assumes_one_wake_once_all_is_done_is_found() {
    let explored = found("lc-6-handler-when-no-tasks-left", 2_000, true);
    assert!(
        explored.contains(&"handler-once".to_string()),
        "{explored:?}"
    );
}

/// CH-6's shared wake needs two sessions to finish in the same instant, which generated
/// cases hardly ever line up: the mutant that keeps one handler passes every shipped
/// scenario of fixed interleavings, and the one that shows a shared wake catches it.
#[test]
fn a_mutant_with_one_handler_slot_passes_the_fixed_scenarios_and_fails_the_shared_wake() {
    let harness = bgsim::harness::Harness::new().against("ch-6-one-handler-slot");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut shared_wake_caught = false;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let scenario = harness.load(&path).unwrap();
        let seeded = scenario.profile.interleavings == Interleavings::Seeded;
        let verdict = harness.run(&scenario).unwrap();
        let checks: Vec<&str> = verdict.violations.iter().map(|v| v.check).collect();
        if path.ends_with("ch-6-two-sessions-in-one-wake.toml") {
            shared_wake_caught = checks.contains(&"handler-once");
        } else if !seeded {
            assert!(checks.is_empty(), "{}: {checks:?}", path.display());
        }
    }
    assert!(shared_wake_caught);
}
