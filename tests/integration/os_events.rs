//! Issue 18, point 4: OS events beyond the session (docs/rules.md, OS-1 to OS-5). The
//! shipped scenarios show each with the reference app; here, what the checks make of a full
//! disk (OS-4: a failed move must not pass for a finished download, and a missing file is
//! excused only until the user is back with room) and what a reinstall leaves (nothing of
//! the old install).

use bgsim::harness::Harness;

/// The shipped OS-4 scenario: a download finishes while the app is suspended (and not
/// woken), the disk fills, the user opens the app and the move fails for space; space is
/// freed and the user opens the app again.
const DISK_FULL: &str = "scenarios/os-4-disk-full-when-the-file-is-handed-over.toml";

fn run(app: &str, text: &str) -> (Vec<&'static str>, String) {
    let harness = Harness::new().against(app);
    let scenario = harness.parse(text, DISK_FULL).unwrap();
    let verdict = harness.run(&scenario).unwrap();
    let checks = verdict.violations.iter().map(|v| v.check).collect();
    (checks, format!("{verdict:?}"))
}

fn disk_full_text() -> String {
    std::fs::read_to_string(DISK_FULL).unwrap()
}

/// The reference app shows the download paused while there is no room and fetches it again
/// when the user is back after space was freed; the mutant that ignores the move's result
/// calls it done, and `file-delivered` catches that.
#[test]
fn a_move_refused_for_space_is_no_finished_download_and_an_app_that_ignores_it_is_caught() {
    let (reference, text) = run("reference", &disk_full_text());
    assert!(reference.is_empty(), "{text}");
    let refused = text.find("FAILED no space left on device").expect(&text);
    let paused = text.find("app download d1 paused").expect(&text);
    let done = text.find("app download d1 done").expect(&text);
    assert!(refused < paused && paused < done, "{text}");
    let (mutant, text) = run("tf-01-move-result-ignored", &disk_full_text());
    assert!(text.contains("app download d1 done"), "{text}");
    assert!(mutant.contains(&"file-delivered"), "{text}");
}

/// While no room comes back, the download may rightly stay paused: the run has not healed,
/// so finished-file-kept does not ask for the file; once the user is back after space was
/// freed, an app that never fetches it again is caught.
#[test]
fn a_full_disk_excuses_a_missing_file_only_until_the_user_is_back_with_room() {
    let full_to_the_end = disk_full_text().replace("do = \"disk-freed\"", "do = \"disk-full\"");
    let full_to_the_end =
        full_to_the_end.replace("files = { \"Documents/big.bin\" = \"/big.bin\" }", "");
    let (checks, text) = run("reference", &full_to_the_end);
    assert!(checks.is_empty(), "{text}");
    assert!(text.contains("app download d1 paused"), "{text}");
    // The user never comes back after the space is freed: nothing is due either.
    let no_return = disk_full_text().replace(
        "at = \"60s\"\ndo = \"launch\"",
        "at = \"60s\"\ndo = \"home\"",
    );
    let no_return = no_return.replace("files = { \"Documents/big.bin\" = \"/big.bin\" }", "");
    let (checks, text) = run("reference", &no_return);
    assert!(checks.is_empty(), "{text}");
}

#[test]
fn the_daemon_cannot_write_a_download_while_the_disk_is_full() {
    let text = disk_full_text().replace(
        "at = \"20s\"\ndo = \"disk-full\"",
        "at = \"1500ms\"\ndo = \"disk-full\"",
    );
    assert!(text.contains("1500ms"));
    let harness = Harness::new();
    let scenario = harness.parse(&text, "os-4-daemon.toml").unwrap();
    let verdict = harness.run(&scenario).unwrap();
    assert!(format!("{verdict:?}").contains("-3003"), "{verdict:?}");
}

/// The history's record number of the first line containing `needle`.
fn record_of(history: &str, needle: &str) -> usize {
    let line = (history.lines().find(|l| l.contains(needle)))
        .unwrap_or_else(|| panic!("no {needle:?} in\n{history}"));
    line.trim_start_matches('#')
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no record number in {line}"))
}

/// OS-3: after a reinstall nothing of the old install's unfinished task (#2) happens, no
/// wake comes, and the new install's task carries the numbering on (#3, TID-6); the
/// reference app passes, so the checks do not wait for the dropped download.
#[test]
fn a_reinstall_drops_the_old_install_for_good() {
    let harness = Harness::new();
    let scenario = harness
        .load("scenarios/os-3-reinstall-mid-download.toml")
        .unwrap();
    let verdict = harness.run(&scenario).unwrap();
    assert!(verdict.passed, "{verdict:?}");
    let history = &verdict.history;
    let reinstall = record_of(history, "app deleted and installed again");
    let after: Vec<&str> = (history.lines())
        .skip_while(|l| !l.contains("app deleted and installed again"))
        .collect();
    assert!(after.len() > 10, "{history}");
    assert!(
        !after
            .iter()
            .any(|l| l.contains("downloads#2") || l.contains(" wake ")),
        "the old install's task or a wake reached the new install:\n{history}"
    );
    assert!(
        record_of(history, "downloads#3 created") > reinstall,
        "{history}"
    );
    assert!(history.contains("1 unfinished tasks dropped"), "{history}");
}

/// The new install is judged like any app: a mutant that moves the file after the
/// callback returned is caught on the download it makes after the reinstall.
#[test]
fn the_new_install_is_still_judged() {
    let harness = Harness::new().against("tf-02-async-move");
    let scenario = harness
        .load("scenarios/os-3-reinstall-mid-download.toml")
        .unwrap();
    let verdict = harness.run(&scenario).unwrap();
    let reinstall = record_of(&verdict.history, "app deleted and installed again");
    let late = (verdict.violations.iter())
        .filter(|v| v.check == "temp-file-in-callback")
        .any(|v| v.events.iter().any(|e| e.index > reinstall));
    assert!(late, "{verdict:?}");
}
