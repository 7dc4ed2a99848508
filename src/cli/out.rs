//! Standard output for the commands. A reader that goes away (`bgsim list | head -1`) ends
//! the command quietly instead of panicking in `println!`, with the exit code a shell gives
//! a process killed by SIGPIPE.

use super::CliError;
use std::io::Write;

/// Exit code when standard output is a closed pipe: 128 + SIGPIPE (13), what a shell reports
/// for `yes | head`. Not 0: `bgsim run scenarios/ | head` stops before judging every
/// scenario, and must not read as "every scenario held" under `set -o pipefail`.
pub const CLOSED_PIPE_EXIT: u8 = 141;

/// Writes `text` to standard output and flushes it. A closed pipe becomes a [`CliError`]
/// with no message and exit code [`CLOSED_PIPE_EXIT`]: the command stops there, quietly.
pub fn emit(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError {
            message: String::new(),
            code: CLOSED_PIPE_EXIT,
        }),
        Err(e) => Err(CliError {
            message: format!("cannot write to standard output: {e}."),
            code: 1,
        }),
    }
}
