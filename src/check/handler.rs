//! The completion-handler contract (CH-1..CH-5) and the wake budget (LC-10).

use super::facts::Facts;
use super::{Check, Evidence, Violation};
use bgsim_simulator::app::Queue;
use bgsim_simulator::trace::{Callback, What};
use std::collections::BTreeMap;

pub(super) const ONCE: Check = Check {
    id: "handler-once",
    statement: "each handleEvents completion handler is called exactly once",
    explanation: "iOS waits for the handler to know the app has processed the session's events. \
        Never calling it keeps the app awake until the system kills it and throttles later \
        wakes (CH-4); calling it twice is undefined and crashes in practice (CH-5).",
    run: once,
};

pub(super) const AFTER_EVENTS: Check = Check {
    id: "handler-after-events",
    statement: "the completion handler is called only after didFinishEvents (or didBecomeInvalid) for its session",
    explanation: "urlSessionDidFinishEvents is the signal that every event of the wake has been \
        delivered (ORD-4). Calling the handler earlier lets iOS suspend the app while \
        didFinishDownloadingTo and didCompleteWithError are still to come (CH-2).",
    run: after_events,
};

pub(super) const MAIN_QUEUE: Check = Check {
    id: "handler-main-queue",
    statement: "the completion handler is called on the main queue",
    explanation: "The handler belongs to UIKit, which must be called on the main thread; \
        urlSessionDidFinishEvents runs on the session's delegate queue, so the app has to \
        dispatch to main before calling it (CH-2).",
    run: main_queue,
};

pub(super) const WAKE_BUDGET: Check = Check {
    id: "wake-budget",
    statement: "a background wake finishes within its time budget",
    explanation: "An app woken in the background has seconds, not minutes (LC-10). When the \
        handler is not called in time the system kills the app, and events still queued \
        for it can be lost for good (FILE-5).",
    run: wake_budget,
};

fn once(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let last_us = f.records.last().map_or(0, |r| r.at.as_us());
    for w in &f.wakes {
        let c = f.handler_calls(w.handler);
        let wake_us = f.records[w.at].at.as_us();
        // A wake cut short by the end of the run is not judged: its budget had not run out.
        let over = last_us >= wake_us + w.budget_us
            || f.last_process_end.is_some_and(|e| e > w.at);
        if c.is_empty() && over {
            let mut events = vec![w.at];
            events.extend(f.handler_given_up(w.handler).filter(|&g| g >= w.at));
            out.push(Violation::new(
                ONCE.id,
                format!(
                    "the handler h{} for {} was never called",
                    w.handler, w.session
                ),
                events,
            ));
        } else if c.len() > 1 {
            let mut events = vec![w.at];
            events.extend(c.iter().map(|(i, _)| *i));
            out.push(Violation::new(
                ONCE.id,
                format!(
                    "the handler h{} for {} was called {} times",
                    w.handler,
                    w.session,
                    c.len()
                ),
                events,
            ));
        }
    }
    out
}

fn after_events(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    // An invalidated session sends no didFinishEvents; its didBecomeInvalid comes after
    // the last task's last callback (INV-1), so it ends the wake's events as well. The
    // records that end a session's events, in order, for a binary search per wake.
    let mut ends: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in f.records.iter().enumerate() {
        if let What::Callback {
            callback:
                Callback::DidFinishEvents { session }
                | Callback::DidBecomeInvalid {
                    session,
                    error: None,
                },
            ..
        } = &r.what
        {
            ends.entry(session.as_str()).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for w in &f.wakes {
        let Some(&(first, _)) = f.handler_calls(w.handler).first() else {
            continue;
        };
        let of_session = ends.get(w.session.as_str()).map_or(&[][..], |v| &v[..]);
        let after_wake = of_session.partition_point(|&e| e < w.at);
        let finished = of_session.get(after_wake).is_some_and(|&e| e < first);
        if !finished {
            out.push(Violation::new(
                AFTER_EVENTS.id,
                format!(
                    "the handler h{} for {} was called before didFinishEvents",
                    w.handler, w.session
                ),
                vec![w.at, first],
            ));
        }
    }
    out
}

fn main_queue(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    f.records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.what {
            What::HandlerCalled {
                handler,
                queue,
                session,
                ..
            } if *queue != Queue::Main => Some(Violation::new(
                MAIN_QUEUE.id,
                format!("the handler h{handler} for {session} was called on {queue}, not main"),
                vec![i],
            )),
            _ => None,
        })
        .collect()
}

fn wake_budget(f: &Facts<'_>, _: &Evidence<'_>) -> Vec<Violation> {
    let wake_of: BTreeMap<u64, usize> = f.wakes.iter().rev().map(|w| (w.handler, w.at)).collect();
    f.records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.what {
            What::WakeBudgetExceeded { session, handler } => {
                let mut events: Vec<usize> = wake_of.get(handler).copied().into_iter().collect();
                events.push(i);
                Some(Violation::new(
                    WAKE_BUDGET.id,
                    format!("the wake for {session} ran out of time and the app was killed"),
                    events,
                ))
            }
            _ => None,
        })
        .collect()
}
