//! The three uses of the harness on this crate's app: a scenario it passes, its broken twin
//! caught with a message that names the check, and a fuzz campaign that finds the bug and
//! shrinks it to a scenario file that replays.

use bgsim::harness::Fuzz;
use downloads_example::harness;

const KILLED: &str = "scenarios/killed-in-the-background.toml";

#[test]
#[cfg_attr(feature = "broken", ignore = "the broken app is under test")]
fn the_app_survives_being_killed_in_the_background() {
    let verdict = harness().against("downloads").run_file(KILLED).unwrap();
    verdict.assert_passed();
}

#[test]
fn the_broken_twin_is_caught_and_the_message_says_why() {
    let verdict = harness()
        .against("downloads-broken")
        .run_file(KILLED)
        .unwrap();
    assert!(!verdict.passed);
    verdict.assert_caught_by("temp-file-in-callback");
    let message = verdict.failure_message();
    assert!(
        message.contains("✗ temp-file-in-callback: the temporary file is not touched"),
        "{message}"
    );
    assert!(
        message.contains("why: iOS deletes the downloaded file"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "replay: cargo run -p downloads-example --bin my-bgsim -- run {KILLED} --app downloads-broken"
        )),
        "{message}"
    );
}

#[test]
#[should_panic(expected = "temp-file-in-callback")]
fn assert_passed_fails_the_test_with_the_check_it_broke() {
    let verdict = harness()
        .against("downloads-broken")
        .run_file(KILLED)
        .unwrap();
    verdict.assert_passed();
}

#[test]
fn fuzzing_finds_the_bug_and_shrinks_it_to_a_file_that_replays() {
    let report = harness()
        .fuzz(&Fuzz::app("downloads-broken").runs(2_000).seed(1).jobs(2))
        .unwrap();
    let found = report.failures.first().expect("the fuzzer finds the bug");
    assert!(
        [
            "temp-file-in-callback",
            "file-delivered",
            "finished-file-kept"
        ]
        .contains(&found.check),
        "{}",
        found.scenario
    );
    assert!(
        found.steps <= 10,
        "{} steps:\n{}",
        found.steps,
        found.scenario
    );
    let dir = std::env::temp_dir().join(format!("downloads-example-{}", std::process::id()));
    let file = found.write_to(&dir).unwrap();
    let replay = harness().run_file(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        replay.failed_checks().first(),
        Some(&found.check),
        "{}",
        replay.report
    );
}

#[test]
#[cfg_attr(feature = "broken", ignore = "the broken app is under test")]
fn fuzzing_the_correct_app_finds_nothing() {
    harness()
        .fuzz(&Fuzz::app("downloads").runs(300).seed(1).jobs(2))
        .unwrap()
        .assert_clean();
}

#[test]
#[cfg_attr(feature = "broken", ignore = "the broken app is under test")]
fn the_kill_matrix_of_the_app_holds() {
    let matrix = harness().kill_matrix("downloads", &["scenarios"]).unwrap();
    assert!(matrix.holds(), "{:?}", matrix);
}

/// The crate's own `bgsim` (src/bin/my-bgsim.rs): every subcommand knows its apps.
#[test]
fn the_crates_own_bgsim_runs_lists_and_fuzzes_its_apps() {
    let my_bgsim = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_my-bgsim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap()
    };
    let list = my_bgsim(&["list", "--scenarios", "scenarios"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("downloads-broken"), "{listed}");
    let run = my_bgsim(&["run", "-q", "--app", "downloads-broken", KILLED]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stdout).contains("✗ temp-file-in-callback"));
    let dir = std::env::temp_dir().join(format!("my-bgsim-{}", std::process::id()));
    let out = dir.display().to_string();
    let fuzz = my_bgsim(&[
        "fuzz",
        "--app",
        "downloads-broken",
        "--runs",
        "200",
        "--out",
        &out,
    ]);
    let report = String::from_utf8_lossy(&fuzz.stdout).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(fuzz.status.code(), Some(1), "{report}");
    assert!(report.contains("replay: my-bgsim run "), "{report}");
    let matrix = my_bgsim(&["mutants", "--app", "downloads", "--scenarios", "scenarios"]);
    let shown = String::from_utf8_lossy(&matrix.stdout);
    assert_eq!(matrix.status.code(), Some(0), "{shown}");
    assert!(shown.contains("1 buggy variants of downloads"), "{shown}");
}
