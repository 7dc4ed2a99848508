//! What can stop the harness before it has a verdict: a scenario that does not load, an
//! app that is not registered, a run or a file that failed.

use crate::scenario::ScenarioError;
use std::fmt;

/// Why the harness could not give a verdict. Its `Display` is one sentence for a person.
#[derive(Debug)]
pub enum Error {
    /// A scenario file or text was refused, at its file, line and column.
    Scenario(ScenarioError),
    /// The app is not registered.
    UnknownApp(String),
    /// Reading a folder or a file, or running the world, failed.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Scenario(e) => write!(f, "{e}"),
            Error::UnknownApp(message) | Error::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl From<ScenarioError> for Error {
    fn from(e: ScenarioError) -> Error {
        Error::Scenario(e)
    }
}
