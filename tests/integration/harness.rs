//! The harness API as a user meets it: only `bgsim::harness` is imported.

use bgsim::harness::{Action, Error, Fuzz, Harness, NetworkConfig, Scenario};
use std::time::Duration;

const T1: &str = "scenarios/t1-system-kill-batched-relaunch.toml";

#[test]
fn a_verdict_carries_the_violations_their_events_and_the_replay_line() {
    let verdict = Harness::new()
        .against("article")
        .seed(9)
        .run_file("scenarios/article-flow.toml")
        .unwrap();
    assert!(!verdict.passed);
    assert_eq!((verdict.app.as_str(), verdict.seed), ("article", 9));
    let v = (verdict.violations.iter())
        .find(|v| v.check == "handler-main-queue")
        .expect("the article calls the handler off the main queue");
    assert!(!v.events.is_empty());
    for e in &v.events {
        let line = verdict.history.lines().nth(e.index).unwrap();
        assert_eq!(line, e.line, "an event is the history line at its index");
    }
    let shown = v.to_string();
    assert!(shown.starts_with("handler-main-queue: "), "{shown}");
    assert!(shown.contains("\n  why: "), "{shown}");
    assert_eq!(
        verdict.replay,
        "bgsim run scenarios/article-flow.toml --app article --seed 9"
    );
    assert!(verdict.failure_message().contains("✗ handler-main-queue"));
}

#[test]
fn the_same_scenario_gives_the_same_history_on_either_transport() {
    let memory = Harness::new().run_file(T1).unwrap();
    let tcp = Harness::new()
        .transport(bgsim::harness::Transport::Tcp)
        .run_file(T1)
        .unwrap();
    memory.assert_passed();
    assert_eq!(memory.history, tcp.history);
    assert_eq!(memory.history_hash, tcp.history_hash);
}

#[test]
fn errors_name_what_is_wrong() {
    let unknown = Harness::new().against("nobody").run_file(T1).unwrap_err();
    assert!(matches!(unknown, Error::UnknownApp(_)));
    assert!(
        unknown
            .to_string()
            .starts_with("unknown app `nobody`; expected one of: reference, article"),
        "{unknown}"
    );
    let bad = Harness::new()
        .parse(
            "name = \"x\"\napp = \"reference\"\nseed = \"one\"\n",
            "inline.toml",
        )
        .unwrap_err();
    assert!(bad.to_string().starts_with("inline.toml:3:8: "), "{bad}");
    let missing = Harness::new()
        .run_file("scenarios/nothing-here.toml")
        .unwrap_err();
    assert!(
        missing.to_string().contains("nothing-here.toml:1:1"),
        "{missing}"
    );
}

#[test]
fn a_scenario_built_in_code_runs_like_a_file() {
    let kill = |app: &str| {
        Scenario::builder("killed mid-download")
            .app(app)
            .network(NetworkConfig {
                bandwidth_bytes_per_s: 256 << 10,
                ..NetworkConfig::default()
            })
            .generated_fixture("/big.bin", 2 << 20, 42)
            .step(Duration::ZERO, Action::Launch)
            .download(Duration::from_secs(1), "/big.bin", "Documents/big.bin")
            .step(Duration::from_secs(2), Action::Home)
            .step(Duration::from_secs(5), Action::SystemKill)
            .expect_file("Documents/big.bin", "/big.bin")
            .build()
            .unwrap()
    };
    let harness = Harness::new();
    harness.run(&kill("reference")).unwrap().assert_passed();
    let article = harness.run(&kill("article")).unwrap();
    article.assert_caught_by("session-reconnected");

    let no_app = Scenario::builder("x").build().unwrap_err();
    assert!(no_app.to_string().contains("no app"), "{no_app}");
    let undeclared = Scenario::builder("x")
        .app("reference")
        .expect_file("Documents/a", "/a")
        .build()
        .unwrap_err();
    assert!(
        undeclared.to_string().contains("not served"),
        "{undeclared}"
    );
}

#[test]
fn a_folder_of_scenarios_becomes_one_test_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(T1, dir.path().join("t1.toml")).unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    let t1 = std::fs::read_to_string(T1).unwrap();
    let for_the_article = t1.replace("app = \"reference\"", "app = \"article\"");
    std::fs::write(dir.path().join("more/t1-article.toml"), for_the_article).unwrap();
    let harness = Harness::new();
    let verdicts = harness.run_dir(dir.path()).unwrap();
    let passed: Vec<bool> = verdicts.iter().map(|v| v.passed).collect();
    assert_eq!(
        passed,
        [false, true],
        "the article fails T1, the reference app passes"
    );

    let trials = harness.trials(&[dir.path()]);
    let names: Vec<&str> = trials.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["more/t1-article", "t1"]);
    // Run through libtest-mimic as `cargo test -- t1 --exact` would: the one filtered in
    // passes, the other is filtered out.
    let args = libtest_mimic::Arguments {
        filter: Some("t1".into()),
        exact: true,
        test_threads: Some(1),
        quiet: true,
        ..libtest_mimic::Arguments::default()
    };
    let conclusion = libtest_mimic::run(&args, trials);
    assert_eq!((conclusion.num_passed, conclusion.num_filtered_out), (1, 1));
    assert_eq!(conclusion.num_failed, 0);
}

#[test]
fn fuzzing_finds_the_articles_bugs_and_the_shrunk_file_replays() {
    let harness = Harness::new();
    let report = harness
        .fuzz(&Fuzz::app("article").runs(300).seed(1).jobs(2))
        .unwrap();
    let found = report
        .failures
        .first()
        .expect("the article's bugs are found");
    assert!(found.steps <= 10, "{}", found.scenario);
    let dir = tempfile::tempdir().unwrap();
    let file = found.write_to(dir.path()).unwrap();
    let replay = harness.run_file(&file).unwrap();
    assert_eq!(replay.failed_checks().first(), Some(&found.check));
    assert!(!report.marks.is_empty());
    assert!(harness
        .fuzz(&Fuzz::app("nobody"))
        .unwrap_err()
        .to_string()
        .contains("unknown app"));
}

#[test]
fn the_kill_matrix_of_one_gentle_scenario_does_not_hold() {
    let m = Harness::new()
        .kill_matrix(
            "reference",
            &["scenarios/http-1-an-error-status-is-a-download.toml"],
        )
        .unwrap();
    assert_eq!(m.model, "reference");
    assert_eq!(m.rows.len(), 44, "the article and the 43 mutants");
    assert!(!m.holds(), "one scenario cannot catch every bug");
    assert!(m.reference_failures.is_empty());
}
