//! Over TCP every transfer holds two of the process's file descriptors (the daemon's end and
//! the fixture server's), so a session of thousands of tasks needs more than the soft limit
//! many systems start processes with (1,024). bgsim raises its soft limit to the hard limit
//! at start-up, as servers do; it cannot go past the hard limit.

/// Raises the soft limit on open files to the hard limit (a failure leaves it as it was).
pub(crate) fn raise_to_hard() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
