//! The `bgsim run` and `bgsim list` commands, as a user runs them.

use crate::common::{bgsim, json_reports};
use std::path::Path;
use std::process::Command;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_shipped_scenarios_all_pass_with_readable_timelines() {
    let out = bgsim(&["run", "scenarios/", "--transport", "memory"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("== scenarios/t1-system-kill-batched-relaunch.toml"));
    assert!(
        stdout.contains("didFinishDownloadingTo"),
        "timelines are printed"
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    assert!(
        !stdout.contains("\x1b["),
        "no colour when not on a terminal"
    );
}

#[test]
fn the_article_app_fails_its_flow_and_each_bug_is_named_with_its_events() {
    let out = bgsim(&[
        "run",
        "--app",
        "article",
        "scenarios/article-flow.toml",
        "--quiet",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for check in [
        "session-reconnected",
        "handler-main-queue",
        "no-error-body",
        "progress-sane",
        "handler-once",
        "wake-budget",
        "one-outcome",
        "file-delivered",
    ] {
        assert!(
            stdout.contains(&format!("✗ {check}: ")),
            "{check} not named:\n{stdout}"
        );
    }
    assert!(stdout.contains("why: "), "each violation is explained");
    assert!(stdout.contains("called on delegate(com.example.backgroundSession)"));
    assert!(stdout.contains("expected file: Documents/xamarin.png has 162 bytes"));
    assert!(!stdout.contains("\n#0 "), "--quiet prints no timeline");
}

fn broken_file(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

#[test]
fn a_broken_scenario_gets_one_sentence_with_file_line_column_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad-field.toml",
            "name = \"x\"\napp = \"reference\"\ncolour = true\n",
            ":3:1: unknown field `colour`",
        ),
        (
            "bad-duration.toml",
            "name = \"x\"\napp = \"reference\"\n\n[[step]]\nat = \"5 sec\"\ndo = \"launch\"\n",
            ":5:6: bad duration `5 sec`",
        ),
        (
            "unknown-step.toml",
            "name = \"x\"\napp = \"reference\"\n\n[[step]]\nat = \"1s\"\ndo = \"jump\"\n",
            ":6:6: unknown step `jump`; expected one of: launch,",
        ),
    ];
    for (name, body, expected) in cases {
        let file = broken_file(dir.path(), name, body);
        let out = bgsim(&["run", &file]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{file}{expected}")),
            "{name}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{name}: one sentence: {stderr}");
    }
}

#[test]
fn a_broken_file_does_not_hide_the_verdicts_of_the_others() {
    let dir = tempfile::tempdir().unwrap();
    broken_file(dir.path(), "a-broken.toml", "name = \"x\"\n");
    std::fs::copy(
        "scenarios/http-1-an-error-status-is-a-download.toml",
        dir.path().join("b-good.toml"),
    )
    .unwrap();
    let out = bgsim(&["run", dir.path().to_str().unwrap(), "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("PASS"), "{stdout}");
    // The summary counts the file that did not load, instead of reading "0 failed" alone.
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 0 failed, 1 not loaded (see above)"),
        "{stdout}"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_with_141() {
    // `bgsim list | head -1`: the reader is gone before bgsim writes (its end of the pipe
    // is closed before bgsim starts), so every write fails with EPIPE. 141 as a shell gives
    // `yes | head`: a run cut short this way must not say "every scenario held" (0).
    for args in [
        &["list"][..],
        &[
            "run",
            "-q",
            "scenarios/t1-system-kill-batched-relaunch.toml",
            "--transport",
            "memory",
        ],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_bgsim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn a_run_that_does_not_settle_exits_with_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = broken_file(
        dir.path(),
        "bounded.toml",
        "name = \"x\"\napp = \"reference\"\nrules = [\"LC-1\"]\nmax_events = 50\n\
         [network]\nbandwidth = \"1KiB/s\"\n\
         [[fixture]]\npath = \"/slow.bin\"\nsize = \"1MiB\"\nseed = 1\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
         [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/slow.bin\"\nto = \"Documents/slow.bin\"\n",
    );
    let out = bgsim(&["run", &file, "--quiet"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("did not settle"));
}

#[test]
fn app_seed_and_format_options_apply() {
    let unknown = bgsim(&["run", "--app", "nosuch", "scenarios/"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("unknown app `nosuch`; expected one of: reference, article")
    );

    let json = |seed: &str| {
        let out = bgsim(&[
            "run",
            "scenarios/t1-system-kill-batched-relaunch.toml",
            "--format",
            "json",
            "--seed",
            seed,
        ]);
        assert_eq!(out.status.code(), Some(0));
        let v = json_reports(&out.stdout).remove(0);
        assert_eq!(v["passed"], true);
        assert_eq!(v["seed"], seed.parse::<u64>().unwrap());
        assert!(v["history"].as_array().unwrap().len() > 20);
        v["history_hash"].as_str().unwrap().to_string()
    };
    assert_eq!(json("1"), json("1"), "same seed, same history");
    assert_ne!(json("1"), json("2"), "the seed reaches the run");
}

#[test]
fn list_shows_apps_checks_and_the_rules_each_scenario_demonstrates() {
    let out = bgsim(&["list"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("reference") && stdout.contains("article"));
    assert!(stdout.contains("handler-main-queue"));
    assert!(
        stdout.contains("KILL-2   DOC          scenarios/t2-force-quit-then-user-launch.toml"),
        "{stdout}"
    );
    // A rule no scenario shows yet is listed too, with a dash.
    assert!(stdout.contains("ORD-2    DOC          -"), "{stdout}");
    assert!(stdout.contains("described in docs/rules.md"), "{stdout}");
}

#[test]
fn the_articles_delete_then_copy_loses_the_file_when_the_phone_is_locked() {
    let out = bgsim(&[
        "run",
        "--app",
        "article",
        "scenarios/tf-06-device-locked-data-protection.toml",
        "--quiet",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ no-lost-file: "), "{stdout}");
    assert!(stdout.contains(
        "Documents/xamarin.png held a downloaded file, was deleted, and nothing replaced it"
    ));
}

#[test]
fn mutants_reports_survivors_with_exit_1_and_bad_files_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // One quiet download in the foreground: too gentle to catch most bugs.
    let gentle = "name = \"gentle\"\napp = \"reference\"\n\n[[fixture]]\npath = \"/a.bin\"\nsize = \"64KiB\"\nseed = 1\n\n[[step]]\nat = \"0s\"\ndo = \"launch\"\n[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/a.bin\"\nto = \"Documents/a.bin\"\n\n[expect]\nfiles = { \"Documents/a.bin\" = \"/a.bin\" }\n";
    broken_file(dir.path(), "gentle.toml", gentle);
    let path = dir.path().display().to_string();
    let out = bgsim(&["mutants", "--scenarios", &path]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("SURVIVED"), "{stdout}");
    assert!(
        stdout.contains("reference: passes every scenario"),
        "{stdout}"
    );
    // The completion-handler API raises at once, whatever the scenario.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("p10-completion-handler-api"))
        .unwrap();
    assert!(
        line.contains("gentle: ") && line.contains("no-exception"),
        "{line}"
    );

    let file = broken_file(
        dir.path(),
        "broken.toml",
        "name = \"x\"\napp = \"nobody\"\n",
    );
    let out = bgsim(&["mutants", "--scenarios", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{file}:2:7: unknown app `nobody`")),
        "{stderr}"
    );
}

#[test]
fn fuzz_finds_a_mutant_shrinks_it_and_the_file_replays_the_same_violation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let args = [
        "fuzz",
        "--app",
        "lc-01-force-quit-as-failure",
        "--runs",
        "200",
    ];
    let run = bgsim(&[&args[..], &["--seed", "1", "--out", &out]].concat());
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{stdout}{}", text(&run.stderr));
    // The first check that fired: one the lc-01 bug is about (it also throws the force-
    // quit's resume data away, leaving its partial file behind).
    let check = stdout
        .lines()
        .find_map(|l| l.strip_prefix("found ")?.split_once(" at run "))
        .map(|(check, _)| check.to_string())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        ["force-quit-not-failure", "no-orphan-files"].contains(&check.as_str()),
        "{stdout}"
    );
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let replay = bgsim(&["run", "-q", &file.display().to_string()]);
    assert_eq!(replay.status.code(), Some(1));
    assert!(text(&replay.stdout).contains(&format!("✗ {check}")));
    let steps = std::fs::read_to_string(&file)
        .unwrap()
        .matches("[[step]]")
        .count();
    assert!(steps <= 10, "{steps} steps");
    // The same campaign finds the same failure, shrunk the same way.
    let elsewhere = tempfile::tempdir().unwrap();
    let elsewhere = elsewhere.path().display().to_string();
    let again = bgsim(&[&args[..], &["--seed", "1", "--out", &elsewhere]].concat());
    let first_line = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("found"))
            .and_then(|l| Some(l.split_once(", written to ")?.0.to_owned()))
    };
    assert_eq!(first_line(&text(&again.stdout)), first_line(&stdout));
    // Into the first folder, the kept failure is replayed first, and still fails: no new
    // campaign runs until it is fixed.
    let kept = bgsim(&[&args[..], &["--seed", "1", "--out", &out]].concat());
    let kept_out = text(&kept.stdout);
    assert_eq!(kept.status.code(), Some(1), "{kept_out}");
    assert!(
        kept_out.contains(&format!(
            "kept failure {} still fails: {check}",
            file.display()
        )),
        "{kept_out}"
    );
    assert!(
        !kept_out.contains("runs of"),
        "no campaign ran:\n{kept_out}"
    );
    // The reference app passes that file: its campaign replays it, then runs.
    let reference_file = dir.path().join("reference-kept.toml");
    let text_of_file = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &reference_file,
        text_of_file.replace(
            "app = \"lc-01-force-quit-as-failure\"",
            "app = \"reference\"",
        ),
    )
    .unwrap();
    let fixed = bgsim(&["fuzz", "--runs", "20", "--out", &out]);
    let fixed_out = text(&fixed.stdout);
    assert_eq!(fixed.status.code(), Some(0), "{fixed_out}");
    assert!(
        fixed_out.contains("1 kept failures in") && fixed_out.contains("all pass now"),
        "{fixed_out}"
    );
    assert!(fixed_out.contains("20 runs of reference"), "{fixed_out}");
}

#[test]
fn fuzz_on_the_reference_app_finds_nothing_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let run = bgsim(&["fuzz", "--runs", "100", "--out", &out]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", text(&run.stderr));
    assert!(stdout.contains("100 runs of reference") && stdout.contains("failures: none"));
    assert!(stdout.contains("coverage marks"), "{stdout}");
    for (args, phrase) in [
        (vec!["fuzz", "--app", "nobody"], "unknown app `nobody`"),
        (
            vec!["fuzz", "--time", "5 sec"],
            "--time: bad duration `5 sec`",
        ),
        (vec!["fuzz", "--runs", "0"], "--runs 0 runs nothing"),
    ] {
        let bad = bgsim(&args);
        assert_eq!(bad.status.code(), Some(2), "{args:?}");
        assert!(text(&bad.stderr).contains(phrase), "{}", text(&bad.stderr));
    }
}
