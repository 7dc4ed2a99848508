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

/// A child process, killed and reaped when dropped (after it ended: nothing to do, std
/// does not signal a reaped child).
pub struct Guard(Child);

impl Guard {
    pub fn new(child: Child) -> Guard {
        Guard(child)
    }

    /// Whether the child has ended (it is reaped then).
    pub fn exited(&mut self) -> io::Result<bool> {
        Ok(self.0.try_wait()?.is_some())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// This program, to run `run`, `serve` and `bench --one` as children: for a team's own
/// `bgsim` built with the harness, its own binary.
pub fn exe() -> io::Result<PathBuf> {
    std::env::current_exe()
}

/// How often a running child's peak resident set is read.
const PEAK_POLL: Duration = Duration::from_millis(2);

/// What a finished child cost.
pub struct Cost {
    pub status: ExitStatus,
    /// From spawning to reaping.
    pub wall: Duration,
    /// Its peak resident set, where the system reports it (Linux's /proc).
    pub peak_mib: Option<f64>,
    /// Its standard output.
    pub stdout: String,
}

/// The peak resident set of process `pid` so far (VmHWM), in KiB, while it runs.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `command` to its end, its standard output captured and its standard error shown,
/// reading its peak resident set every [`PEAK_POLL`] while it runs. Not wait4's ru_maxrss:
/// Linux carries the parent's peak at the fork into it, so a large bench process would
/// show in every child's figure. VmHWM only grows, so the last reading misses at most what
/// the child added in its last couple of milliseconds.
pub fn measure(command: &mut Command) -> io::Result<Cost> {
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let pid = child.id();
    let mut guard = Guard::new(child);
    let mut stdout = guard.0.stdout.take().expect("piped");
    // Read on another thread: a child blocked on a full pipe would never end.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let mut peak = None;
    let status = loop {
        // Read before asking whether it ended, so the last reading is as late as can be.
        peak = peak_kib(pid).or(peak);
        if let Some(status) = guard.0.try_wait()? {
            break status;
        }
        std::thread::sleep(PEAK_POLL);
    };
    let wall = started.elapsed();
    let stdout = reader
        .join()
        .map_err(|_| io::Error::other("the reader of a child's output panicked"))??;
    Ok(Cost {
        status,
        wall,
        peak_mib: peak.map(|kib| kib as f64 / 1024.0),
        stdout,
    })
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
