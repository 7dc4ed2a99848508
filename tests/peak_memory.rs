//! Streaming bodies (docs/scenarios.md, Bounds): a download goes from the socket to its
//! temporary file and is checked piece by piece; an upload is streamed from the daemon's
//! copy on disk. Each run is a child process whose own peak resident set is read with
//! wait4(2). Before streaming, the 256 MiB download peaked above 512 MiB (the grant held
//! whole, then the file and the served bytes compared whole) and the four uploads above
//! 256 MiB (the daemon held every copy).
//!
//! This is a test binary of its own, not a module of `tests/integration`, because Linux
//! carries a process's high-water mark across exec: a child spawned from the integration
//! binary, with its hundreds of tests in one process, starts with that binary's peak
//! (167 MiB on CI) as its own. Spawned from this small binary, it starts near zero.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `bgsim run FILE` and returns its exit code and peak resident set in MiB.
// The child is reaped by wait4, which std does not know of.
#[allow(clippy::zombie_processes)]
fn run_with_peak(scenario: &Path, extra: &[&str]) -> (i32, u64) {
    let child = Command::new(env!("CARGO_BIN_EXE_bgsim"))
        .args(["run", "--transport", "memory"])
        .args(extra)
        .arg(scenario)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bgsim starts");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; the pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(libc::WIFEXITED(status), "bgsim did not exit normally");
    // Linux reports ru_maxrss in KiB.
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64 / 1024)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scenario written");
    path
}

#[test]
fn a_large_download_arriving_in_one_step_is_never_held_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 1 GiB/s and a 1 GiB progress grain: the whole body is granted in one step.
    let text = "name = \"256 MiB in one step\"\napp = \"reference\"\n\
        [network]\nbandwidth = \"1GiB/s\"\n[profile]\nprogress_granularity = \"1GiB\"\n\
        [[fixture]]\npath = \"/big.bin\"\nsize = \"256MiB\"\nseed = 7\n\
        [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
        [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/big.bin\"\nto = \"Documents/big.bin\"\n";
    let (code, peak_mib) = run_with_peak(&write(dir.path(), "download.toml", text), &[]);
    assert_eq!(code, 0, "the download passes its checks");
    assert!(
        peak_mib <= 64,
        "peak RSS {peak_mib} MiB for a 256 MiB download"
    );
}

#[test]
fn uploads_in_flight_together_are_streamed_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "name = \"four uploads at once\"\napp = \"reference\"\n\
         [network]\nbandwidth = \"64MiB/s\"\n[profile]\nprogress_granularity = \"1MiB\"\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n",
    );
    for i in 0..4 {
        let _ = write!(
            text,
            "[[step]]\nat = \"1s\"\ndo = \"upload\"\nurl = \"/uploads/u{i}.bin\"\nsize = \"64MiB\"\nseed = {i}\n"
        );
    }
    let (code, peak_mib) = run_with_peak(&write(dir.path(), "uploads.toml", &text), &[]);
    assert_eq!(code, 0, "the uploads pass their checks");
    // One upload's bytes are made in memory when the user picks them (64 MiB), and the
    // server hashes what it receives; four copies held at once would be 256 MiB more.
    assert!(
        peak_mib <= 160,
        "peak RSS {peak_mib} MiB for four 64 MiB uploads"
    );
}

#[test]
fn a_run_stopped_by_its_memory_budget_is_judged_and_printed_within_it() {
    let dir = tempfile::tempdir().unwrap();
    // Every response cut at byte 0 and retried: a history that grows until a bound stops
    // it, here the memory budget long before the event bound.
    let text = "name = \"cut at byte 0, forever\"\napp = \"reference\"\nmax_events = 20000000\n\
        [[fixture]]\npath = \"/a.bin\"\nsize = \"64KiB\"\nseed = 1\n\
        [[fault]]\npath = \"/a.bin\"\nkind = \"cut\"\nat = \"0B\"\n\
        [[step]]\nat = \"0s\"\ndo = \"launch\"\n\
        [[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/a.bin\"\nto = \"Documents/a.bin\"\n";
    let file = write(dir.path(), "livelock.toml", text);
    let (code, peak_mib) = run_with_peak(&file, &["--memory-budget", "200MiB"]);
    assert_eq!(code, 3, "the run did not settle");
    assert!(
        peak_mib <= 200,
        "peak RSS {peak_mib} MiB with a budget of 200 MiB, judging and the timeline included"
    );
}
