//! How downloads end and what the app believes about them: one outcome each, no
//! duplicates, sane progress, agreement with the daemon, sessions reconnected, no crashes.

use super::facts::{Facts, TERMINAL};
use super::{Check, Evidence, Violation};
use bgsim_simulator::app::TaskKey;
use bgsim_simulator::trace::{Callback, What};
use std::collections::{BTreeMap, BTreeSet};

pub(super) const ONE_OUTCOME: Check = Check {
    id: "one-outcome",
    statement: "every download ends in exactly one terminal state, and none is left running once the network and the app have healed",
    explanation: "Each task's completion must reach the app, and each download the app \
        tracks must end once: done, failed or cancelled. A completion that never arrives \
        (the session was not recreated) or a status stuck at running leaves the user \
        waiting forever (LC-02, LC-04, LC-06).",
    run: one_outcome,
};

pub(super) const NO_DUPLICATE_TASK: Check = Check {
    id: "no-duplicate-task",
    statement: "at most one live task per download",
    explanation: "Two tasks for one download waste the user's data and race to write the \
        same file; it happens when an app restarts a download without reconciling with the \
        tasks the daemon still runs (TID-4, LC-05).",
    run: no_duplicate_task,
};

pub(super) const PROGRESS_SANE: Check = Check {
    id: "progress-sane",
    statement: "progress stays within [0, 1], only grows within an attempt, and stops at the end",
    explanation: "Without a Content-Length the expected size is -1 (PROG-2): dividing by it \
        shows negative progress. Progress must also not go backwards within one transfer, \
        nor move after the download has ended (PR-01, PR-04).",
    run: progress_sane,
};

pub(super) const STATE_AGREES: Check = Check {
    id: "state-agrees",
    statement: "the app's state for its downloads agrees with the daemon's tasks",
    explanation: "A download the app shows as running must have a task in the daemon, and a \
        task in the daemon must belong to a download the app runs. Otherwise pause and \
        resume act on nothing, and finished work is never picked up (LC-02, ID-05).",
    run: state_agrees,
};

pub(super) const SESSION_RECONNECTED: Check = Check {
    id: "session-reconnected",
    statement:
        "on every launch where the daemon holds its tasks or events, the app recreates its session",
    explanation: "Events are delivered only to a session object with the same identifier \
        (ORD-7). An app that creates its session lazily, or only when a new download starts, \
        never receives the completions of a relaunch (LC-4, LC-06).",
    run: session_reconnected,
};

pub(super) const NO_EXCEPTION: Check = Check {
    id: "no-exception",
    statement: "the app makes no call iOS refuses with an exception, and does not crash",
    explanation: "Some calls raise Objective-C exceptions in a background session (a task on \
        an invalidated session, completion-handler APIs: ID-4, API-2); uncaught, they crash \
        the app, as does any other crash in its code.",
    run: no_exception,
};

fn one_outcome(f: &Facts<'_>, e: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for d in f.earlier_downloads.iter().chain(&f.downloads) {
        let terminal: Vec<usize> = d
            .states
            .iter()
            .filter(|(_, s)| TERMINAL.contains(&s.as_str()))
            .map(|(i, _)| *i)
            .collect();
        if terminal.len() > 1 {
            out.push(Violation::new(
                ONE_OUTCOME.id,
                format!("{} ended {} times", d.key, terminal.len()),
                terminal,
            ));
        }
    }
    if !(e.settled && f.healed()) {
        return out;
    }
    for (key, t) in &f.tasks {
        // A task the app suspended (API-7) rightly never ends while it stays suspended.
        if !t.settled_for_app() && !t.suspended {
            out.push(Violation::new(
                ONE_OUTCOME.id,
                format!("the app never learned how {key} ended"),
                [Some(t.created), t.ended].into_iter().flatten().collect(),
            ));
        }
    }
    for d in &f.downloads {
        if let Some((i, s)) = d.states.last() {
            let user_paused =
                s == "paused" && d.url.as_deref().is_some_and(|u| f.paused_by_user(u));
            if !TERMINAL.contains(&s.as_str()) && !user_paused {
                out.push(Violation::new(
                    ONE_OUTCOME.id,
                    format!("{} is still {s} at the end", d.key),
                    d.request.into_iter().chain([*i]).collect(),
                ));
            }
        }
    }
    out
}

fn no_duplicate_task(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    // Per download key, a sweep over its tasks in the order they were created: each task
    // created while an earlier one still runs is reported with the earliest of those.
    let mut by_key: BTreeMap<&str, Vec<(usize, usize, &TaskKey)>> = BTreeMap::new();
    for (k, t) in &f.tasks {
        if let Some(d) = &t.description {
            let ended = t.ended.unwrap_or(usize::MAX);
            by_key.entry(d.as_str()).or_default().push((t.created, ended, k));
        }
    }
    let mut out = Vec::new();
    for (d, mut tasks) in by_key {
        tasks.sort_unstable();
        // The tasks still running: by end (to retire them) and by creation (to name one).
        let mut by_end: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut by_start: BTreeSet<usize> = BTreeSet::new();
        for (n, &(created, ended, kb)) in tasks.iter().enumerate() {
            while let Some(&(end, m)) = by_end.first() {
                if end > created {
                    break;
                }
                by_end.pop_first();
                by_start.remove(&m);
            }
            if let Some(&m) = by_start.first() {
                let (ca, _, ka) = tasks[m];
                out.push(Violation::new(
                    NO_DUPLICATE_TASK.id,
                    format!("{ka} and {kb} both ran for {d} at the same time"),
                    vec![ca, created],
                ));
            }
            by_end.insert((ended, n));
            by_start.insert(n);
        }
    }
    out
}

fn progress_sane(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut last: std::collections::BTreeMap<&str, (usize, f64)> = Default::default();
    // Each task's bytes so far, as its last didWriteData told the app.
    let mut written: std::collections::BTreeMap<&TaskKey, u64> = Default::default();
    for (i, r) in f.records.iter().enumerate() {
        match &r.what {
            // The delegate queue may lag behind the daemon (PROG-1): a retry that starts
            // over shows itself to the app when the bytes so far go down, not when the
            // daemon sends its request.
            What::Callback {
                callback: Callback::DidWriteData { task, total, .. },
                ..
            } => {
                let went_down = written.insert(task, *total).is_some_and(|b| *total < b);
                let key = f.tasks.get(task).and_then(|t| t.description.as_deref());
                if let (true, Some(key)) = (went_down, key) {
                    last.remove(key);
                }
            }
            // A new attempt or a resume may legitimately start lower (an upload always
            // starts over: NET-2).
            What::RequestSent { .. }
            | What::UploadRequestSent { .. }
            | What::Callback {
                callback: Callback::DidResumeAtOffset { .. },
                ..
            } => last.clear(),
            What::Progress { key, fraction } => {
                // The first time it ended, if that is before this record.
                let ended = f.download(key).and_then(|d| {
                    (d.states.iter())
                        .find(|(_, s)| TERMINAL.contains(&s.as_str()))
                        .map(|(j, _)| *j)
                        .filter(|&j| j < i)
                });
                let problem = if !fraction.is_finite() || !(0.0..=1.0).contains(fraction) {
                    Some((format!("{key} shows progress {fraction}"), vec![i]))
                } else if let Some(j) = ended {
                    Some((format!("{key} shows progress after it ended"), vec![j, i]))
                } else if let Some(&(j, prev)) = last.get(key.as_str()) {
                    (*fraction < prev).then(|| {
                        (
                            format!("{key} went back from {prev:.4} to {fraction:.4}"),
                            vec![j, i],
                        )
                    })
                } else {
                    None
                };
                if let Some((message, events)) = problem {
                    out.push(Violation::new(PROGRESS_SANE.id, message, events));
                }
                last.insert(key, (i, *fraction));
            }
            _ => {}
        }
    }
    out
}

fn state_agrees(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let end = f.records.len().saturating_sub(1);
    let live = |key: &str| -> Vec<_> {
        (f.tasks_described(key))
            .filter(|(_, t)| t.ended.is_none())
            .collect()
    };
    for d in &f.downloads {
        let Some((i, state)) = d.states.last() else {
            continue;
        };
        let tasks = live(&d.key);
        // Only `running` promises a task; `queued` and `paused` rightly have none.
        let running = state == "running";
        if running && tasks.is_empty() {
            out.push(Violation::new(
                STATE_AGREES.id,
                format!(
                    "the app shows {} as {state}, but the daemon has no task for it",
                    d.key
                ),
                vec![*i, end],
            ));
        }
        if TERMINAL.contains(&state.as_str()) {
            for (k, t) in tasks {
                out.push(Violation::new(
                    STATE_AGREES.id,
                    format!(
                        "the app shows {} as {state}, but {k} still runs for it",
                        d.key
                    ),
                    vec![t.created, *i],
                ));
            }
        }
    }
    out
}

fn session_reconnected(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let pending = f.pending_sessions_per_process();
    let mut previous_end: Option<usize> = None;
    for (p, mut due) in f.processes.iter().zip(pending) {
        let end = p.ended.unwrap_or(f.records.len());
        if p.in_background {
            // The last wake before it started (wakes are in history order), if it came
            // once the previous process had gone; else something else launched it (OS-5).
            let before = f.wakes.partition_point(|w| w.at < p.started);
            let wake = before.checked_sub(1).map(|b| &f.wakes[b]);
            if let Some(w) = wake.filter(|w| previous_end.is_none_or(|e| w.at >= e)) {
                due.push(w.session.clone());
            }
        }
        previous_end = Some(end);
        due.sort();
        due.dedup();
        // A process's records are its own: the scans below cover the history once.
        let created: BTreeSet<&str> = (f.records[p.started..end].iter())
            .filter_map(|r| match &r.what {
                What::SessionCreated { session: s, .. } | What::DuplicateSession { session: s } => {
                    Some(s.as_str())
                }
                _ => None,
            })
            .collect();
        for session in due {
            if !created.contains(session.as_str()) {
                out.push(Violation::new(
                    SESSION_RECONNECTED.id,
                    format!("a process started without recreating session {session}, which had work pending"),
                    [Some(p.started), p.ended].into_iter().flatten().collect(),
                ));
            }
        }
    }
    out
}

fn no_exception(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    f.records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.what {
            What::Exception { api, reason } => Some(Violation::new(
                NO_EXCEPTION.id,
                format!("{api} raised {reason}"),
                vec![i],
            )),
            What::Panicked { message } => Some(Violation::new(
                NO_EXCEPTION.id,
                format!("the app crashed: {message}"),
                vec![i],
            )),
            _ => None,
        })
        .collect()
}
