//! Issue 18, point 4: OS events beyond the session (docs/rules.md, OS-1 to OS-5). The
//! shipped scenarios show reboot, app-update, reinstall and bg-launch with the reference
//! app; a full disk (OS-4) is shown here, where a failed move must not pass for a finished
//! download, and what a reinstall leaves (nothing of the old install) is checked here.

use bgsim::harness::Harness;

/// A download finishes while the app is suspended (and not woken: no launch events), the
/// disk fills, then the user opens the app: the move in didFinishDownloadingTo fails with
/// no space, and the temporary file is gone when the callback returns (FILE-1).
const DISK_FULL: &str = r#"
name = "OS-4: the disk is full when the finished download is handed over"
rules = ["OS-4", "FILE-1"]
app = "reference"
seed = 74

[network]
bandwidth = "256KiB/s"
latency = "40ms"

[session]
sends_launch_events = false

[[fixture]]
path = "/big.bin"
size = "2MiB"
seed = 42

[[step]]
at = "0s"
do = "launch"
[[step]]
at = "1s"
do = "download"
url = "/big.bin"
to = "Documents/big.bin"
[[step]]
at = "2s"
do = "home"
[[step]]
at = "20s"
do = "disk-full"
[[step]]
at = "30s"
do = "launch"

[expect]
violations = []
"#;

fn run(app: &str) -> (Vec<&'static str>, String) {
    let harness = Harness::new().against(app);
    let scenario = harness.parse(DISK_FULL, "os-4-disk-full.toml").unwrap();
    let verdict = harness.run(&scenario).unwrap();
    let checks = verdict.violations.iter().map(|v| v.check).collect();
    (checks, format!("{verdict:?}"))
}

/// The reference app reports the download failed, not done (it does not yet fetch it again
/// once space is back, which `finished-file-kept` asks of it); the mutant that ignores the
/// move's result calls it done, and `file-delivered` catches that.
#[test]
fn a_move_refused_for_space_is_no_finished_download_and_an_app_that_ignores_it_is_caught() {
    let (reference, text) = run("reference");
    assert!(
        text.contains("FAILED no space left on device"),
        "the move never failed: {text}"
    );
    assert!(text.contains("app download d1 failed"), "{text}");
    assert!(!reference.contains(&"file-delivered"), "{text}");
    let (mutant, text) = run("tf-01-move-result-ignored");
    assert!(text.contains("app download d1 done"), "{text}");
    assert!(mutant.contains(&"file-delivered"), "{text}");
}

#[test]
fn the_daemon_cannot_write_a_download_while_the_disk_is_full() {
    let text = DISK_FULL.replace(
        "at = \"20s\"\ndo = \"disk-full\"",
        "at = \"1500ms\"\ndo = \"disk-full\"",
    );
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
