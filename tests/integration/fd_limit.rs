//! Over TCP every transfer holds two file descriptors; bgsim raises its soft limit on open
//! files to the hard limit at start-up, so a session of many tasks works on systems that
//! start processes with a low soft limit.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// A launch and `n` downloads at the same instant: `n` connections open at once.
fn many_at_once(n: usize) -> String {
    let mut text = String::from(
        "name = \"many at once\"\napp = \"reference\"\n\
         [[fixture]]\npath = \"/small.bin\"\nsize = \"4KiB\"\nseed = 1\n\
         [[step]]\nat = \"0s\"\ndo = \"launch\"\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[step]]\nat = \"1s\"\ndo = \"download\"\nurl = \"/small.bin\"\nto = \"Documents/d{i}.bin\"\n"
        ));
    }
    text
}

#[test]
fn many_tcp_transfers_at_once_work_under_a_low_soft_limit_on_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.toml");
    std::fs::write(&file, many_at_once(300)).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_bgsim"));
    command.args(["run", "-q", "--transport", "tcp"]).arg(&file);
    // 300 connections need about 600 descriptors: start bgsim with a soft limit of 256,
    // below that, and the hard limit as it is.
    unsafe {
        command.pre_exec(|| {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit.rlim_cur = 256;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}
