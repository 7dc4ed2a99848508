//! Mutants: the reference app with exactly one real bug each, named after the bug's ID in
//! real-bugs.md. A harness is as good as the bugs it catches.

/// One real bug to switch on in the reference app (src/apps/reference.rs).
/// Without one, this is the model answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bug {
    /// real-bugs NL-05 / RATE-4: downloads run one at a time, the next started when one
    /// ends, often from a background wake, where the rate limiter delays it more each time.
    OneAtATime,
    /// real-bugs P10 / API-2: tasks are created with the completion-handler API, which a
    /// background session refuses with an exception.
    CompletionHandlerApi,
    /// real-bugs NL-04 / API-4: a fetch keeps its data task when the app leaves the
    /// foreground, so it dies with -997 once the app is suspended.
    DataTaskInBackground,
    /// API-6: uploads stream the file's bytes instead of handing the daemon the file, so
    /// they die with -997 once the app is suspended.
    StreamedUpload,
    // ---- real-bugs A (lifecycle) and B (completion handler) ----
    // ---- real-bugs C (temp files, the move) and D (resume data, Range) ----
    // ---- real-bugs E (network), F (progress), G (identity), H (concurrency) ----
}

/// A mutant: the reference app with one bug.
#[derive(Clone, Copy, Debug)]
pub struct Mutant {
    /// Its name: the bug's ID in real-bugs.md, then what it does.
    pub name: &'static str,
    /// The bug it carries.
    pub bug: Bug,
    /// One line about it.
    pub about: &'static str,
    /// The checks its bug is about: at least one of them must catch it.
    pub caught_by: &'static [&'static str],
}

/// Every mutant.
pub const MUTANTS: &[Mutant] = &[
    Mutant {
        name: "nl-05-one-at-a-time",
        bug: Bug::OneAtATime,
        about: "starts the next download only when one ends, from the background (NL-05, RATE-4)",
        caught_by: &["task-in-foreground"],
    },
    Mutant {
        name: "p10-completion-handler-api",
        bug: Bug::CompletionHandlerApi,
        about: "creates tasks with the completion-handler API (P10, API-2)",
        caught_by: &["no-exception"],
    },
    Mutant {
        name: "nl-04-data-task-in-background",
        bug: Bug::DataTaskInBackground,
        about: "keeps a fetch's data task when the app leaves the foreground (NL-04, API-4)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    Mutant {
        name: "api-6-streamed-upload",
        bug: Bug::StreamedUpload,
        about: "uploads from a stream instead of a file (API-6)",
        caught_by: &["one-outcome", "state-agrees"],
    },
    // ---- real-bugs A (lifecycle) and B (completion handler) ----
    // ---- real-bugs C (temp files, the move) and D (resume data, Range) ----
    // ---- real-bugs E (network), F (progress), G (identity), H (concurrency) ----
];

/// The mutant called `name`.
pub fn find(name: &str) -> Option<&'static Mutant> {
    MUTANTS.iter().find(|m| m.name == name)
}
