//! Standard output for the commands. A reader that goes away (`bgsim list | head -1`) ends
//! the command quietly instead of panicking in `println!`.

use super::CliError;
use std::io::Write;

/// Writes `text` to standard output and flushes it. A closed pipe becomes a [`CliError`]
/// with no message and exit code 0: the reader has what it wanted.
pub fn emit(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError {
            message: String::new(),
            code: 0,
        }),
        Err(e) => Err(CliError {
            message: format!("cannot write to standard output: {e}."),
            code: 1,
        }),
    }
}
