//! Held events go to the running process: ORD-7 (held until a session is connected),
//! ORD-4 (did-finish-events last), and the two orders iOS does not promise, which the
//! seed may choose (`interleavings = "seeded"`): the order of the tasks of a batch (ORD-5)
//! and whether the main queue gets to run between two delegate callbacks (CH-2).

use super::Event;
use crate::app::{Queue, TaskKey, Work};
use crate::clock::Clock;
use crate::daemon::{Daemon, DelegateEvent};
use crate::trace::{Actor, History, What};
use std::time::Duration;

/// Hands a session's held events to the running process's delegate queue, followed by
/// did-finish-events when a wake is waiting for them (ORD-4, ORD-7).
pub(crate) fn flush_held_events(
    daemon: &mut Daemon,
    clock: &mut Clock<Event>,
    trace: &mut History,
    generation: u64,
    session: &str,
) {
    let Some(s) = daemon.sessions.get_mut(session) else {
        return;
    };
    if !s.connected {
        return;
    }
    let now = clock.now();
    let held: Vec<DelegateEvent> = s.outbox.drain(..).collect();
    if let Some(w) = s.wake.as_mut() {
        w.deliveries_pending += held.len();
    }
    let has_wake = s.wake.is_some();
    let held = batch_order(daemon, trace, now, held);
    // CH-2: the delegate queue is a background queue and main is another thread: with
    // the gap, a block a callback sends to main runs before the next held event.
    let gap = match held.len() > 1 && daemon.choices.coin(0.5) {
        true => {
            let choice = format!("the main queue runs between the {} held events", held.len());
            trace.push(
                now,
                Actor::System,
                What::Chose {
                    rule: "CH-2",
                    choice,
                },
            );
            Duration::from_micros(1)
        }
        false => Duration::ZERO,
    };
    let queue = Queue::Delegate(session.to_string());
    // The delegate queue is serial: nothing overtakes a delivery the seed made late.
    let mut at = match daemon.sessions.get(session).map(|s| s.delivery_tail) {
        Some((g, tail)) if g == generation => tail.max(now),
        _ => now,
    };
    // The lag is the report's time in flight, not work on the queue: reports travel side
    // by side, so it delays this one from now, never from the tail (else they pile up).
    let progress_only = held.len() == 1 && held[0].is_progress();
    if progress_only {
        at = at.max(now + progress_lag(daemon));
    }
    for ev in held {
        let work = Work::Deliver(ev);
        let queue = queue.clone();
        clock.schedule(
            at,
            Event::App {
                generation,
                queue,
                work,
            },
        );
        at = at + gap;
    }
    let Some(s) = daemon.sessions.get_mut(session) else {
        return;
    };
    s.delivery_tail = (generation, at);
    let Some(w) = s.wake.as_mut() else {
        return;
    };
    if has_wake && !w.finish_queued {
        w.finish_queued = true;
        let work = Work::FinishEvents;
        clock.schedule(
            at,
            Event::App {
                generation,
                queue,
                work,
            },
        );
    }
}

/// The longest a progress report may be on its way to the delegate queue (seeded).
const MAX_PROGRESS_LAG: Duration = Duration::from_millis(50);

/// PROG-1 (seeded): a live progress report takes a while to reach the delegate queue (the
/// daemon sends it over XPC), so a pause or cancel may catch it in flight
/// ([`crate::app::AppContext`]'s `progress_in_flight`). Fixed: it arrives at once. Not
/// recorded as a choice (there is one per report): the delivery's own time shows it.
fn progress_lag(daemon: &mut Daemon) -> Duration {
    if !daemon.choices.coin(0.5) {
        return Duration::ZERO;
    }
    let lag_ms = 1 + daemon.choices.below(MAX_PROGRESS_LAG.as_millis() as usize) as u64;
    Duration::from_millis(lag_ms)
}

/// ORD-5: between tasks, a batch has no documented order. Fixed: the daemon's order (by
/// completion). Seeded: the tasks' groups in the seed's order, each task's own events
/// still in order (ORD-1..ORD-3), and events of no task (the session's) last.
fn batch_order(
    daemon: &mut Daemon,
    trace: &mut History,
    now: crate::time::SimTime,
    held: Vec<DelegateEvent>,
) -> Vec<DelegateEvent> {
    if !daemon.choices.seeded() {
        return held;
    }
    let mut groups: Vec<(TaskKey, Vec<DelegateEvent>)> = Vec::new();
    let mut session_events = Vec::new();
    for ev in held {
        let Some(task) = ev.task().cloned() else {
            session_events.push(ev);
            continue;
        };
        match groups.iter_mut().find(|(t, _)| *t == task) {
            Some((_, events)) => events.push(ev),
            None => groups.push((task, vec![ev])),
        }
    }
    if groups.len() > 1 {
        let order = daemon.choices.permutation(groups.len());
        let mut slots: Vec<Option<(TaskKey, Vec<DelegateEvent>)>> =
            groups.into_iter().map(Some).collect();
        groups = order.iter().filter_map(|&i| slots[i].take()).collect();
        let tasks: Vec<String> = groups.iter().map(|(t, _)| t.to_string()).collect();
        let choice = format!("deliver the batch's tasks as {}", tasks.join(", "));
        trace.push(
            now,
            Actor::System,
            What::Chose {
                rule: "ORD-5",
                choice,
            },
        );
    }
    (groups.into_iter())
        .flat_map(|(_, events)| events)
        .chain(session_events)
        .collect()
}
