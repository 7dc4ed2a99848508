//! SIGINT, SIGTERM and SIGHUP stop `run`, `fuzz` and `serve` cleanly (issue 15): the
//! temporary folders of the runs are removed, the exit code is 128 + the signal's number,
//! and a stopped command says so (fuzz with its summary so far). Each test sends the
//! signal once the command has shown that it is at work: a run's temporary folder exists,
//! or the server printed its address. Nothing waits for a fixed time.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A run that never settles (every response cut at byte 0): it is still at work when the
/// signal comes, however slow the machine.
const BUSY: &str = r#"name = "busy"
app = "reference"
[[fixture]]
path = "/big.bin"
size = "2MiB"
seed = 42
[[fault]]
path = "/big.bin"
kind = "cut"
at = "0"
[[step]]
at = "0s"
do = "launch"
[[step]]
at = "1s"
do = "download"
url = "/big.bin"
to = "Documents/big.bin"
"#;

fn bgsim(tmp: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TMPDIR", tmp)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bgsim starts")
}

/// The runs' folders in `tmp` (the sandboxes are named `bgsim-...`).
fn left_in(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bgsim-"))
        .collect()
}

/// Waits, polling, until a run's temporary folder exists (at most a minute).
fn until_at_work(tmp: &Path, child: &mut Child) {
    let start = Instant::now();
    while left_in(tmp).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "bgsim ended before it was signalled"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no run started within a minute"
        );
        std::thread::yield_now();
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Signals `child` and returns its exit code and output.
fn stop(child: Child, name: &str) -> (Option<i32>, String) {
    signal(&child, name);
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn each_signal_stops_a_run_removes_its_folder_and_exits_128_plus_its_number() {
    for (name, code) in [("INT", 130), ("TERM", 143), ("HUP", 129)] {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let file = dir.path().join("busy.toml");
        std::fs::write(&file, BUSY).unwrap();
        let file = file.display().to_string();
        let mut child = bgsim(&tmp, &["run", "-q", &file, &file]);
        until_at_work(&tmp, &mut child);
        let (status, text) = stop(child, name);
        assert_eq!(status, Some(code), "SIG{name}: {text}");
        assert!(
            text.contains(&format!("stopped by SIG{name} after 0 of 2 files")),
            "{text}"
        );
        assert_eq!(
            left_in(&tmp),
            Vec::<String>::new(),
            "SIG{name} left folders"
        );
    }
}

#[test]
fn a_signal_stops_a_run_of_an_app_in_another_language_and_its_process() {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "python3 is needed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let file = dir.path().join("busy.toml");
    std::fs::write(&file, BUSY).unwrap();
    let args = [
        "run",
        "-q",
        "--app-command",
        "python3 tests/apps/minimal_app.py",
        file.to_str().unwrap(),
    ];
    let mut child = bgsim(&tmp, &args);
    until_at_work(&tmp, &mut child);
    let (status, text) = stop(child, "TERM");
    assert_eq!(status, Some(143), "{text}");
    assert!(text.contains("stopped by SIGTERM"), "{text}");
    assert_eq!(left_in(&tmp), Vec::<String>::new());
}

#[test]
fn a_signal_stops_a_fuzz_campaign_with_its_summary_so_far() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = dir.path().join("found").display().to_string();
    // A campaign's runs keep their files in memory; --check-determinism adds a run of each
    // case on disk, whose folder is the one a signal must not leave behind.
    let args = [
        "fuzz",
        "--runs",
        "10000000",
        "--jobs",
        "2",
        "--check-determinism",
        "--out",
        &out,
    ];
    let mut child = bgsim(&tmp, &args);
    until_at_work(&tmp, &mut child);
    let (status, text) = stop(child, "INT");
    assert_eq!(status, Some(130), "{text}");
    assert!(text.contains("stopped by SIGINT after"), "{text}");
    assert!(text.contains("runs of reference"), "{text}");
    assert!(text.contains("coverage marks"), "{text}");
    assert_eq!(left_in(&tmp), Vec::<String>::new());
}

#[test]
fn a_signal_stops_the_server() {
    for (name, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = bgsim(
            dir.path(),
            &["serve", "--fixtures", "fixtures", "--addr", "127.0.0.1:0"],
        );
        // Ready once it has printed its address.
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert!(line.starts_with("serving "), "{line}");
        let (status, text) = stop(child, name);
        assert_eq!(status, Some(code), "SIG{name}: {text}");
        assert!(text.contains(&format!("stopped by SIG{name}")), "{text}");
    }
}
