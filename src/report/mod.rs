//! How verdicts are shown: readable text (the default) or JSON lines for tools.

pub mod json;
pub mod text;

/// Output format of `bgsim run`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Timelines and verdicts for people.
    #[default]
    Text,
    /// One JSON object per scenario, one per line.
    Json,
}
