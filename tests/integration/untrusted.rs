//! Scenario files from anyone (issue 15): what they name stays inside their folders, bad
//! files are refused where they are written, limits hold, and nothing from a file can
//! write control sequences to the terminal.

use crate::common::bgsim;
use std::path::Path;
use std::process::{Command, Output};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scenario serving `file` at `/f`, downloaded once.
fn serving(file: &str) -> String {
    format!(
        "name = \"x\"\napp = \"reference\"\nrules = [\"FILE-1\"]\n[[fixture]]\npath = \"/f\"\nfile = \"{file}\"\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/f\"\nto = \"Documents/f\"\n"
    )
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

/// Exit 2 and one located sentence containing `phrase`.
#[track_caller]
fn refused(out: &Output, file: &str, phrase: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}{}", text(&out.stdout));
    assert!(stderr.contains(&format!("{file}:6:8: ")), "{stderr}");
    assert!(stderr.contains(phrase), "{stderr}");
}

#[test]
fn files_outside_the_scenarios_folders_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = "outside the scenario's folder and its fixtures folders";
    for (name, file) in [
        ("abs.toml", "/etc/passwd"),
        ("up.toml", "../../../../../../etc/passwd"),
    ] {
        let path = write(dir.path(), name, &serving(file));
        refused(&bgsim(&["run", &path]), &path, outside);
        // bgsim serve would publish it: it is refused there too.
        let out = bgsim(&["serve", "--scenario", &path, "--addr", "127.0.0.1:0"]);
        refused(&out, &path, outside);
    }
    // A symbolic link inside the folder is followed to where it points.
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("innocent.txt")).unwrap();
    let path = write(dir.path(), "link.toml", &serving("innocent.txt"));
    refused(&bgsim(&["run", &path]), &path, outside);
    // Allowed explicitly, the same file loads (and the run goes on to judge it).
    let out = bgsim(&[
        "run",
        "-q",
        "--allow-path",
        "/etc",
        &path,
        "--transport",
        "memory",
    ]);
    assert_ne!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // Files in the scenario's folder and in a fixtures folder above it are fine.
    std::fs::write(dir.path().join("here.bin"), b"here").unwrap();
    let path = write(dir.path(), "here.toml", &serving("here.bin"));
    let out = bgsim(&["run", "-q", &path, "--transport", "memory"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn special_files_are_refused_where_they_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for (name, file) in [("dir.toml", "folder"), ("fifo.toml", "pipe")] {
        let path = write(dir.path(), name, &serving(file));
        refused(&bgsim(&["run", &path]), &path, "is not a regular file");
    }
    // A file that looks regular and cannot be read.
    let path = write(dir.path(), "mem.toml", &serving("/proc/self/mem"));
    let out = bgsim(&["run", "--allow-path", "/proc", &path]);
    refused(&out, &path, "cannot read file `/proc/self/mem`");
}

#[test]
fn a_folder_run_goes_on_past_a_refused_file_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a-hostile.toml", &serving("/etc/shadow"));
    std::fs::copy(
        "scenarios/http-1-an-error-status-is-a-download.toml",
        dir.path().join("b-good.toml"),
    )
    .unwrap();
    let out = bgsim(&["run", "-q", &dir.path().display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("PASS"), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("1 passed, 0 failed, 1 not loaded (see above)")
    );
}

#[test]
fn limits_hold_with_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    // A fixture file too large to hold in memory (sparse: it costs no disk).
    let big = std::fs::File::create(dir.path().join("big.bin")).unwrap();
    big.set_len(300 << 20).unwrap();
    let path = write(dir.path(), "big.toml", &serving("big.bin"));
    let out = bgsim(&["run", &path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{path}:4:1: the fixture files declared so far add up to 314572800 bytes; expected at most 268435456 bytes in all")), "{stderr}");

    let path = write(
        dir.path(),
        "events.toml",
        "name = \"x\"\napp = \"reference\"\nmax_events = 100000000000\n",
    );
    let stderr = text(&bgsim(&["run", &path]).stderr);
    assert!(
        stderr.contains(&format!(
            "{path}:3:14: `max_events` 100000000000 is too large; expected at most 20000000"
        )),
        "{stderr}"
    );

    let mut uploads = String::from("name = \"x\"\napp = \"reference\"\n");
    for i in 0..257 {
        uploads.push_str(&format!("[[step]]\nat = \"{i}s\"\ndo = \"upload\"\nurl = \"/uploads/u{i}\"\nsize = \"64MiB\"\nseed = 1\n"));
    }
    let path = write(dir.path(), "uploads.toml", &uploads);
    let stderr = text(&bgsim(&["run", &path]).stderr);
    assert!(
        stderr.contains(
            "the uploads so far add up to 17246978048 bytes; expected at most 17179869184 in all"
        ),
        "{stderr}"
    );
}

#[test]
fn a_hostile_name_cannot_write_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let body = std::fs::read_to_string("scenarios/http-1-an-error-status-is-a-download.toml")
        .unwrap()
        .replace(
            "name = \"A 404",
            "name = \"\\u001b[2J\\u001b[H\\rPASS everything\\nPASS forged \\u0007A 404",
        );
    let path = write(dir.path(), "hostile.toml", &body);
    let out = bgsim(&["run", &path, "--transport", "memory"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}') && !stdout.contains('\r'));
    assert!(
        stdout.contains("\\u{1b}[2J\\u{1b}[H\\u{d}PASS everything\\u{a}PASS forged"),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("PASS forged")),
        "{stdout}"
    );
}
