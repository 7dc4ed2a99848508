//! Issue 18, point 4: OS events beyond the session (docs/rules.md, OS-1 to OS-5). The
//! shipped scenarios show reboot, app-update and bg-launch with the reference app; a full
//! disk (OS-4) is shown here, where a failed move must not pass for a finished download.

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
