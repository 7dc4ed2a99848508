//! Signals: SIGINT (Ctrl-C), SIGTERM and SIGHUP stop `run`, `fuzz`, `mutants` and `serve`
//! cleanly. The handler only records the signal; the simulation looks at the flag before
//! each event and ends the run (`RunEnd::Stopped`), the commands stop starting runs, and
//! everything unwinds normally, so every temporary folder is removed and every app process
//! killed by its owner's `Drop`. The command then exits with 128 + the signal's number
//! (130, 143, 129). A second signal while stopping ends the process at once.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The signals that stop a command.
const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

struct Caught {
    /// Set by the first signal; what simulations look at.
    stop: Arc<AtomicBool>,
    /// Which signal it was (0 until one comes).
    signal: Arc<AtomicUsize>,
}

static CAUGHT: OnceLock<Caught> = OnceLock::new();

/// Installs the handlers (once per process; the command line does, a library user need
/// not). Until then [`token`] is None and nothing is ever stopped.
pub fn install() -> io::Result<()> {
    if CAUGHT.get().is_some() {
        return Ok(());
    }
    let caught = Caught {
        stop: Arc::new(AtomicBool::new(false)),
        signal: Arc::new(AtomicUsize::new(0)),
    };
    for signal in SIGNALS {
        // Registered first, so it sees the flag as the previous signal left it: a second
        // signal exits at once, as an impatient user expects.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            exit_code(signal).into(),
            Arc::clone(&caught.stop),
        )?;
        signal_hook::flag::register_usize(signal, Arc::clone(&caught.signal), signal as usize)?;
        signal_hook::flag::register(signal, Arc::clone(&caught.stop))?;
    }
    let _ = CAUGHT.set(caught);
    Ok(())
}

/// The flag a simulation looks at (`Limits::stop`), once the handlers are installed.
pub fn token() -> Option<Arc<AtomicBool>> {
    CAUGHT.get().map(|c| Arc::clone(&c.stop))
}

/// The signal that asked the command to stop, if one did.
pub fn caught() -> Option<i32> {
    let caught = CAUGHT.get()?;
    if !caught.stop.load(Ordering::Relaxed) {
        return None;
    }
    // The number is stored just before the flag, by the same handler.
    match caught.signal.load(Ordering::Relaxed) {
        0 => Some(signal_hook::consts::SIGINT),
        n => i32::try_from(n).ok(),
    }
}

/// The exit code of a command stopped by `signal`: 128 + its number, as shells report it.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(128)
}

/// The signal's name, for the line a stopped command prints.
pub fn name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        signal_hook::consts::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}
