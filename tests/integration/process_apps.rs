//! Apps in other languages (docs/protocol.md): a real child process per launch, killed for
//! real, every way a process can break the protocol found and reported, deterministic.
//! `tests/apps/minimal_app.py` speaks the protocol without a client library.

use crate::common::{bgsim, json_reports};
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scenario in `dir` running the minimal app (found from `dir`) with `mode`: it
/// downloads in the foreground, then is killed in the background and launched again.
fn scenario(dir: &Path, mode: &str) -> String {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps/minimal_app.py");
    let body = format!(
        r#"name = "minimal app, {mode}"
rules = ["FILE-1", "KILL-1"]
app = {{ command = ["python3", "{}", "{mode}"], timeout = "2s" }}
[[fixture]]
path = "/photo.jpg"
size = "256KiB"
seed = 7
[[step]]
at = "0s"
do = "launch"
[[step]]
at = "1s"
do = "download"
url = "/photo.jpg"
to = "Documents/photo.jpg"
[[step]]
at = "3s"
do = "home"
[[step]]
at = "4s"
do = "foreground"
[[step]]
at = "5s"
do = "home"
[[step]]
at = "6s"
do = "system-kill"
[[step]]
at = "7s"
do = "launch"
[expect]
files = {{ "Documents/photo.jpg" = "/photo.jpg" }}
"#,
        app.display()
    );
    let path = dir.join(format!("{mode}.toml"));
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

#[test]
fn a_process_app_passes_and_its_memory_dies_with_its_process() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "ok");
    let out = bgsim(&["run", &file, "--transport", "memory"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    // Suspended and brought back, the process keeps its memory; killed and launched
    // again, it is a new process that has seen one launch.
    let logs: Vec<&str> = (stdout.lines())
        .filter_map(|l| l.split_once(" app ").map(|(_, what)| what))
        .filter(|what| what.contains("launches seen"))
        .collect();
    assert_eq!(
        logs,
        [
            "log launches seen by this process: 1",
            "log back in front, launches seen: 1",
            "log launches seen by this process: 1",
        ],
        "{stdout}"
    );
    // Its standard error is shown after the verdict, one line per launch.
    assert_eq!(
        stdout.matches("    minimal app: launched").count(),
        2,
        "{stdout}"
    );
}

#[test]
fn the_same_seed_gives_the_same_history_with_a_process_app() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "ok");
    let histories: Vec<String> = (0..2)
        .map(|_| {
            let out = bgsim(&["run", &file, "--format", "json", "--transport", "tcp"]);
            json_reports(&out.stdout)[0]["history"].to_string()
        })
        .collect();
    assert_eq!(histories[0], histories[1]);
}

#[test]
fn each_way_of_breaking_the_protocol_is_a_finding_at_its_event() {
    let dir = tempfile::tempdir().unwrap();
    for (mode, reason) in [
        ("malformed", "it wrote a line that is not JSON"),
        (
            "unknown-call",
            "it called `teleport`, which the protocol does not have",
        ),
        ("exit", "it exited on its own (exit status: 3)"),
        (
            "silent",
            "it did not answer within 2s (the wall-clock guard)",
        ),
    ] {
        let file = scenario(dir.path(), mode);
        let out = bgsim(&["run", "-q", &file, "--transport", "memory"]);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{mode}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(stdout.contains("✗ app-protocol: "), "{mode}: {stdout}");
        let finding = format!("process failed: at userTappedDownload: {reason}");
        assert!(stdout.contains(&finding), "{mode}: {stdout}");
        // The history line it points at is the download tap's callback.
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(" app ") && l.contains(&finding)),
            "{mode}: {stdout}"
        );
        assert!(!text(&out.stderr).contains("panicked"), "{mode}");
    }
}

#[test]
fn a_command_that_cannot_start_or_speaks_another_version_is_bad_input() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps/minimal_app.py");
    let future = format!("python3 {} future", app.display());
    for (command, message) in [
        (
            "no-such-program-anywhere",
            "cannot start `no-such-program-anywhere`",
        ),
        (
            future.as_str(),
            "it speaks protocol version 99; this bgsim speaks version 1",
        ),
    ] {
        let out = bgsim(&[
            "run",
            "--app-command",
            command,
            "scenarios/t1-system-kill-batched-relaunch.toml",
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(stderr.contains(message), "{command}: {stderr}");
    }
}

#[test]
fn fuzzing_a_process_app_shrinks_its_bug_to_a_file_that_replays() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("found");
    let out = out_dir.display().to_string();
    // The minimal app does not make the destination's folder (TF-05) yet reports done.
    let run = bgsim(&[
        "fuzz",
        "--app-command",
        "python3 tests/apps/minimal_app.py",
        "--runs",
        "50",
        "--jobs",
        "2",
        "--out",
        &out,
    ]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{stdout}{}", text(&run.stderr));
    let file = std::fs::read_dir(&out_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let scenario = std::fs::read_to_string(&file).unwrap();
    assert!(
        scenario.contains("app = { command = [\"python3\", \""),
        "{scenario}"
    );
    assert!(scenario.matches("[[step]]").count() <= 10, "{scenario}");
    // The file names the app by a path relative to its own folder, and replays from there.
    let replay = bgsim(&["run", "-q", &file.display().to_string()]);
    assert_eq!(replay.status.code(), Some(1), "{}", text(&replay.stdout));
    let check = stdout
        .lines()
        .find_map(|l| l.strip_prefix("found ")?.split_once(" at run "))
        .map(|(check, _)| check.to_string())
        .unwrap();
    assert!(text(&replay.stdout).contains(&format!("✗ {check}: ")));
}
