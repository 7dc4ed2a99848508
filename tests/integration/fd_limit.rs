//! Over TCP every transfer on the wire holds two file descriptors. bgsim raises its soft
//! limit on open files to the hard limit at start-up, so a session of many tasks works on
//! systems that start processes with a low soft limit; it closes a connection once the
//! response is in hand, so thousands of small downloads need few; and when descriptors do
//! run out the run ends with that finding rather than retrying.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// A launch and `n` downloads of `size` at the same instant: `n` transfers under way at
/// once (a body of several 64 KiB frames keeps its connection until its last frame).
fn many_at_once(n: usize, size: &str) -> String {
    let mut text = format!(
        "name = \"many at once\"\napp = \"reference\"\n\
         [network]\nbandwidth = \"1GiB/s\"\n\
         [[fixture]]\npath = \"/small.bin\"\nsize = \"{size}\"\nseed = 1\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/small.bin\"\nto = \"Documents/d{i}.bin\"\n"
        ));
    }
    text
}

/// Runs `bgsim run -q --transport tcp` on `scenario` with the soft limit on open files at
/// `soft`, and the hard limit at `hard` (None: as it is).
fn run_with_open_files(scenario: &str, soft: u64, hard: Option<u64>) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.toml");
    std::fs::write(&file, scenario).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgsim"));
    command.args(["run", "-q", "--transport", "tcp"]).arg(&file);
    // SAFETY: only getrlimit and setrlimit run between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit.rlim_cur = soft;
            if let Some(hard) = hard {
                limit.rlim_max = hard;
            }
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().unwrap()
}

fn texts(out: &std::process::Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn many_tcp_transfers_at_once_work_under_a_low_soft_limit_on_open_files() {
    // 300 bodies of two frames under way at once need about 600 descriptors: start bgsim
    // with a soft limit of 256, below that, and the hard limit as it is.
    let out = run_with_open_files(&many_at_once(300, "128KiB"), 256, None);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

#[test]
fn thousands_of_small_downloads_over_tcp_fit_in_a_few_descriptors() {
    // 2,000 downloads whose lifetimes overlap in virtual time, each a body of one frame:
    // read whole with its headers, its connection closed then, as a real client does. The
    // hard limit is 256 too, so no raise helps: a connection held per download would need
    // 4,000 descriptors.
    let out = run_with_open_files(&many_at_once(2000, "4KiB"), 256, Some(256));
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

#[test]
fn running_out_of_descriptors_ends_the_run_with_that_finding() {
    // 300 transfers under way at once, a hard limit of 256: they cannot all be on the wire.
    let out = run_with_open_files(&many_at_once(300, "128KiB"), 256, Some(256));
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("ran out of file descriptors (limit 256)"),
        "{stdout}\n{stderr}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}
