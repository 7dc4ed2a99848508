//! Child processes and temporary folders for the benchmarks: every child is killed and every
//! folder removed when its guard is dropped, so an error or a panic leaves nothing behind.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A folder below the system's temporary folder, removed with everything in it when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> io::Result<TempDir> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "bgsim-bench-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, killed and reaped when dropped unless it was already waited for.
pub struct Guard(Option<Child>);

impl Guard {
    pub fn new(child: Child) -> Guard {
        Guard(Some(child))
    }

    /// Whether the child has ended (it is reaped then).
    pub fn exited(&mut self) -> io::Result<bool> {
        match &mut self.0 {
            Some(child) => Ok(child.try_wait()?.is_some()),
            None => Ok(true),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// This program, to run `run`, `serve` and `bench --one` as children: for a team's own
/// `bgsim` built with the harness, its own binary.
pub fn exe() -> io::Result<PathBuf> {
    std::env::current_exe()
}

/// What a finished child cost.
pub struct Cost {
    pub status: ExitStatus,
    /// From spawning to reaping.
    pub wall: Duration,
    /// Its peak resident set (`ru_maxrss`), where the system reports it.
    pub peak_mib: Option<f64>,
    /// Its standard output.
    pub stdout: String,
}

/// Runs `command` to its end, its standard output captured and its standard error shown.
pub fn measure(command: &mut Command) -> io::Result<Cost> {
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut guard = Guard::new(child);
    let child = guard.0.as_mut().expect("just spawned");
    let mut stdout = String::new();
    // Read before waiting: a child blocked on a full pipe would never end.
    io::Read::read_to_string(&mut child.stdout.take().expect("piped"), &mut stdout)?;
    let (status, peak_mib) = wait_with_peak(&mut guard)?;
    Ok(Cost {
        status,
        wall: started.elapsed(),
        peak_mib,
        stdout,
    })
}

/// Reaps the guarded child with wait4(2), which reports the peak resident set of that one
/// child (getrusage(RUSAGE_CHILDREN) would mix in every earlier child).
#[cfg(target_os = "linux")]
fn wait_with_peak(guard: &mut Guard) -> io::Result<(ExitStatus, Option<f64>)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = guard.0.as_ref().expect("a child to wait for").id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child; both pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            // Still held by the guard, which kills it.
            return Err(e);
        }
    }
    // Reaped: the guard must not signal its pid again (another process may get it).
    guard.0 = None;
    // ru_maxrss is in KiB on Linux.
    let peak_mib = usage.ru_maxrss as f64 / 1024.0;
    Ok((ExitStatus::from_raw(status), Some(peak_mib)))
}

#[cfg(not(target_os = "linux"))]
fn wait_with_peak(guard: &mut Guard) -> io::Result<(ExitStatus, Option<f64>)> {
    let mut child = guard.0.take().expect("a child to wait for");
    Ok((child.wait()?, None))
}

/// `bgsim serve --scenario <file>` on a free loopback port; stopped when dropped.
pub struct Served {
    _child: Guard,
    /// `127.0.0.1:PORT`, as the server printed it.
    pub addr: String,
}

/// Starts `bgsim serve --scenario scenario --addr 127.0.0.1:0` and reads the address from
/// the line it prints once it listens.
pub fn serve(scenario: &Path) -> io::Result<Served> {
    let mut child = Command::new(exe()?)
        .arg("serve")
        .arg("--scenario")
        .arg(scenario)
        .args(["--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let guard = Guard::new(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .ok_or_else(|| io::Error::other(format!("bgsim serve printed no address: {line:?}")))?
        .to_string();
    Ok(Served {
        _child: guard,
        addr,
    })
}

/// Whether `program` runs (`program -V` or `--version` exits 0).
pub fn installed(program: &str, version_flag: &str) -> bool {
    Command::new(program)
        .arg(version_flag)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Fetches `url` with curl into `to`; the wall time, an error when curl fails.
pub fn curl(url: &str, to: &Path) -> io::Result<Duration> {
    let cost = measure(Command::new("curl").args(["-s", "-f", "-o"]).arg(to).arg(url))?;
    if !cost.status.success() {
        return Err(io::Error::other(format!("curl {url} failed: {}", cost.status)));
    }
    Ok(cost.wall)
}
