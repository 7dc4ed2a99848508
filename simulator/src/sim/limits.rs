//! What ends a run from outside its own events: a request to stop (a signal the command
//! line caught) and the run's budgets of disk and memory. The event bound is deterministic;
//! these are not (they read the machine), so they only ever end a run early, with a
//! finding, and never change what happens before.

use crate::sandbox::Sandbox;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The default disk budget: what the run's temporary folder (the container and the
/// daemon's files) may hold, 4 GiB, so two fuzz jobs fit a CI runner's disk.
pub const DEFAULT_DISK_BUDGET_BYTES: u64 = 4 << 30;

/// The default memory budget: the process's resident memory, 3 GiB, so a run ends with a
/// finding on an 8 GiB CI runner well before the kernel's OOM killer ends the process.
pub const DEFAULT_MEMORY_BUDGET_BYTES: u64 = 3 << 30;

/// How many events pass between two looks at the budgets: reading the resident memory
/// costs a system call, and the folder is walked only when what was written since the last
/// walk could have passed the disk budget (`Sandbox::usage_over`): negligible at this rate.
const BUDGET_EVERY_EVENTS: u64 = 128;

/// Budgets are also looked at before the next event once the run has written this much
/// since the last look: one step may move up to `MAX_STEP_BYTES` (256 MiB), so counting
/// events alone let a fast download write 128 steps, tens of GiB, past its disk budget
/// before it was seen (found by tests/malformed_corpus.rs).
const BUDGET_EVERY_BYTES: u64 = 64 << 20;

/// Which budget a run went past, and what it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// The bytes in the run's temporary folder.
    Disk {
        /// The budget.
        limit_bytes: u64,
    },
    /// The process's resident memory.
    Memory {
        /// The budget.
        limit_bytes: u64,
    },
    /// The process's open files: the lab could not open a connection (over TCP each
    /// transfer on the wire holds two descriptors, the daemon's end and the server's).
    OpenFiles,
}

/// The limits of one run beyond its event bound.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Set from outside (a signal handler) to stop the run between two events.
    pub stop: Option<Arc<AtomicBool>>,
    /// At most this many bytes in the run's temporary folder.
    pub disk_budget_bytes: u64,
    /// At most this much resident memory for the whole process (Linux only).
    pub memory_budget_bytes: u64,
    /// Set by the lab when the process ran out of file descriptors (a connection could not
    /// be opened for it): the run ends then, rather than retrying as if the network failed.
    pub out_of_files: Arc<AtomicBool>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stop: None,
            disk_budget_bytes: DEFAULT_DISK_BUDGET_BYTES,
            memory_budget_bytes: DEFAULT_MEMORY_BUDGET_BYTES,
            out_of_files: Arc::default(),
        }
    }
}

/// Why the limits end a run now, if they do.
pub(super) enum Verdict {
    Stop,
    Over(Budget),
}

impl Limits {
    /// Looked at before each event: a stop at once, the budgets every few hundred events.
    pub(super) fn check(&self, events_run: u64, sandbox: &Sandbox) -> Option<Verdict> {
        if self
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            return Some(Verdict::Stop);
        }
        if self.out_of_files.load(Ordering::Relaxed) {
            return Some(Verdict::Over(Budget::OpenFiles));
        }
        let written = sandbox.take_written();
        if events_run % BUDGET_EVERY_EVENTS != 0 && written < BUDGET_EVERY_BYTES {
            // Not yet due: what was written still counts towards the next look.
            sandbox.keep_written(written);
            return None;
        }
        self.over_budget(sandbox).map(Verdict::Over)
    }

    /// Which budget the run is past now, if any (also looked at when a run ends, so a short
    /// run is judged by its budgets too).
    pub(super) fn over_budget(&self, sandbox: &Sandbox) -> Option<Budget> {
        if self.out_of_files.load(Ordering::Relaxed) {
            return Some(Budget::OpenFiles);
        }
        let limit_bytes = self.disk_budget_bytes;
        if sandbox.usage_over(limit_bytes) {
            return Some(Budget::Disk { limit_bytes });
        }
        let limit_bytes = self.memory_budget_bytes;
        if resident_bytes().is_some_and(|rss| rss > running_share(limit_bytes)) {
            return Some(Budget::Memory { limit_bytes });
        }
        None
    }
}

/// The part of the memory budget a run may fill: judging its history and printing its
/// timeline need up to about half as much again (measured: a run stopped at 200 MiB peaked
/// at 293 MiB judged and printed), so the whole command stays within the budget.
fn running_share(budget_bytes: u64) -> u64 {
    budget_bytes / 2
}

/// The process's resident memory, from /proc/self/statm (pages × the page size).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size is 4 KiB on every Linux machine bgsim runs on (x86-64, arm64 default).
    Some(pages * 4096)
}
