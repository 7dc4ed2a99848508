//! The `bgsim` command line: argument parsing lives in `main.rs`, the commands here.
//!
//! Exit codes (docs/design.md#exit-codes): 0 everything held; 1 a check failed; 2 bad input (usage,
//! a scenario file, a fixtures folder); 3 a run did not settle within its bounds.

pub mod fuzz;
pub mod list;
pub mod mutants;
pub mod run;
pub mod serve;

/// A failure to report to the user: one sentence and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The message, a full sentence.
    pub message: String,
    /// The process exit code.
    pub code: u8,
}

impl CliError {
    /// Bad input from the user: exit code 2.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: 2,
        }
    }
}
