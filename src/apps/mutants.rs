//! Mutants: the reference app with exactly one real bug each, named after the bug's ID in
//! real-bugs.md. A harness is as good as the bugs it catches.

use super::reference::Bug;

/// Every mutant: its name, the bug it carries, and one line about it.
pub const MUTANTS: [(&str, Bug, &str); 4] = [
    (
        "nl-05-one-at-a-time",
        Bug::OneAtATime,
        "starts the next download only when one ends, from the background (NL-05, RATE-4)",
    ),
    (
        "p10-completion-handler-api",
        Bug::CompletionHandlerApi,
        "creates tasks with the completion-handler API (P10, API-2)",
    ),
    (
        "nl-04-data-task-in-background",
        Bug::DataTaskInBackground,
        "keeps a fetch's data task when the app leaves the foreground (NL-04, API-4)",
    ),
    (
        "api-6-streamed-upload",
        Bug::StreamedUpload,
        "uploads from a stream instead of a file (API-6)",
    ),
];

/// The bug of the mutant called `name`.
pub fn bug(name: &str) -> Option<Bug> {
    MUTANTS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, bug, _)| *bug)
}
