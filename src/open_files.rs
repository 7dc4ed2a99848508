//! Over TCP every transfer holds two of the process's file descriptors (the daemon's end and
//! the fixture server's), so a session of thousands of tasks needs more than the soft limit
//! many systems start processes with (1,024). bgsim raises its soft limit to the hard limit
//! at start-up, as servers do; it cannot go past the hard limit.

/// Raises the soft limit on open files to the hard limit (a failure leaves it as it was).
pub fn raise_to_hard() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            let from = limit.rlim_cur;
            limit.rlim_cur = limit.rlim_max;
            let raised = libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0;
            tracing::debug!(from, to = limit.rlim_max, raised, "soft limit on open files");
        }
    }
}

/// The soft limit on open files now, if it can be read.
pub fn soft_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed to it.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    read.then_some(limit.rlim_cur)
}

/// Whether an error says the process (EMFILE) or the system (ENFILE) has no file
/// descriptor left: the lab's failure, not the network's.
pub fn is_exhaustion(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
}
