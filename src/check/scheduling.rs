//! When the app hands work to the daemon. Tasks created while the app runs in the
//! background wait for the resume rate limiter, whose delay doubles at every wake (RATE-1,
//! RATE-4): a download the user asked for in the foreground must get its task there.

use super::facts::Facts;
use super::{Check, Evidence, Violation};
use bgsim_simulator::app::AppState;
use bgsim_simulator::trace::{Callback, What};

pub(super) const TASKS_IN_FOREGROUND: Check = Check {
    id: "task-in-foreground",
    statement: "a download asked for in the foreground gets its task before the app leaves the foreground, unless its session could not take one",
    explanation: "iOS delays tasks created from the background by the resume rate limiter, \
        which doubles at every background wake (60 s, 120 s, 240 s...): a queue that an app \
        drains one download at a time from the background stalls for hours (RATE-4, NL-05). \
        Create every task the user asked for while the app is in the foreground; only a \
        session being invalidated or refused (INV-1, ID-5) is a reason to wait.",
    run: tasks_in_foreground,
};

fn tasks_in_foreground(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    // The records each download is judged by, in order, for a binary search per download:
    // the app leaving the foreground; the session's word on whether it takes tasks; and
    // the session becoming unable to take them.
    let mut left_foreground = Vec::new();
    let mut session_word: Vec<(usize, bool)> = Vec::new();
    let mut unable = Vec::new();
    for (i, r) in f.records.iter().enumerate() {
        match r.what {
            What::State {
                from: AppState::Foreground,
                ..
            } => left_foreground.push(i),
            What::SessionCreated { .. } => session_word.push((i, false)),
            What::SessionRefused { .. } | What::SessionInvalidated { .. } => {
                session_word.push((i, true));
                unable.push(i);
            }
            What::InvalidatedSessionReturned { .. } => unable.push(i),
            _ => {}
        }
    }
    // The first of `sorted` in [from, to).
    let first_in = |sorted: &[usize], from: usize, to: usize| {
        let at = sorted.partition_point(|&i| i < from);
        sorted.get(at).copied().filter(|&i| i < to)
    };
    let mut out = Vec::new();
    for d in &f.downloads {
        let Some(asked) = d.request else { continue };
        if !matches!(
            &f.records[asked].what,
            What::Callback {
                callback: Callback::UserTappedDownload { .. },
                ..
            }
        ) {
            continue;
        }
        let first_task = f.tasks_described(&d.key).map(|(_, t)| t.created).min();
        let Some(created) = first_task else { continue };
        let Some(left) = first_in(&left_foreground, asked, created) else {
            continue;
        };
        // The session could not take a task (refused or being invalidated at the time of
        // asking, or meanwhile invalidated or refused), or the user paused the download.
        let said = session_word.partition_point(|&(i, _)| i < asked);
        let refused_when_asked = said.checked_sub(1).is_some_and(|s| session_word[s].1);
        let excused = refused_when_asked
            || first_in(&unable, asked, created).is_some()
            || d.states.iter().any(|(i, s)| *i < created && s == "paused");
        if !excused {
            out.push(Violation::new(
                TASKS_IN_FOREGROUND.id,
                format!(
                    "download {} was asked for in the foreground but got its first task only after the app left it",
                    d.key
                ),
                vec![asked, left, created],
            ));
        }
    }
    out
}
