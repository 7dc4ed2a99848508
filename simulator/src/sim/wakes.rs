//! Background wakes: which sessions wake a suspended app or relaunch one the system
//! terminated, under the profile's wake policy (LC-6, LC-7, KILL-2); how a wake begins
//! (LC-2, LC-3, CH-6) and ends (CH-3, LC-9, LC-10). Where iOS promises no order, the seed
//! may choose (`interleavings = "seeded"`), and the history says what it chose.

use super::{ActiveWake, Event, Simulation};
use crate::app::{AppState, CompletionHandler, HandlerRecord, Queue, Work};
use crate::daemon::DelegateEvent;
use crate::profile::WakePolicy;
use crate::time::SimTime;
use crate::trace::{Actor, Callback, What};
use std::time::Duration;

impl Simulation {
    /// Schedules a wake for every session that holds an event worth waking for and that
    /// the policy lets wake now: once nothing of it is at work (`all-done`), at once
    /// (`each-completion`), or as the seed decides per wake (`seeded`). A held challenge
    /// wakes the app in every policy, even while other tasks run (HTTP-4).
    pub(super) fn check_wakes(&mut self) {
        self.schedule_wakes(false);
    }

    /// [`Self::check_wakes`]; `running_too`: also for an app running in the background
    /// (just launched there by other means, OS-5), which gets handleEvents where it is.
    pub(super) fn schedule_wakes(&mut self, running_too: bool) {
        let state = self.process.state;
        let running = running_too && state == AppState::Background;
        if !(state == AppState::Suspended || state.relaunchable() || running)
            || !self.background_app_refresh
            || self.daemon.before_first_unlock()
        {
            return;
        }
        let candidates: Vec<String> = self
            .daemon
            .sessions
            .iter()
            .filter(|(id, s)| {
                s.outbox.iter().any(DelegateEvent::wakes_app)
                    && s.wake.is_none()
                    && !s.wake_blocked
                    && s.config.sends_launch_events
                    && !self.wakes_scheduled.contains(*id)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in candidates {
            if self.wake_due(&id) {
                self.wakes_scheduled.insert(id.clone());
                self.clock
                    .schedule(self.clock.now(), Event::Wake { session: id });
            }
        }
    }

    fn wake_due(&mut self, id: &str) -> bool {
        if self.daemon.has_auth_challenge(id) || self.daemon.nothing_at_work(id) {
            return true;
        }
        match self.profile.wake_policy {
            WakePolicy::AllDone => false,
            WakePolicy::EachCompletion => true,
            WakePolicy::Seeded => {
                let Some(s) = self.daemon.sessions.get(id) else {
                    return false;
                };
                if let Some(now) = s.partial_wake {
                    return now;
                }
                let now = self.daemon.choices.partial_wake();
                let at_work = self.daemon.tasks_at_work(id);
                if let Some(s) = self.daemon.sessions.get_mut(id) {
                    s.partial_wake = Some(now);
                }
                let choice = match now {
                    true => format!("wake for {id} now, with {at_work} task(s) still at work"),
                    false => format!("wake for {id} once its {at_work} other task(s) are done"),
                };
                self.record(
                    Actor::System,
                    What::Chose {
                        rule: "LC-6",
                        choice,
                    },
                );
                now
            }
        }
    }

    /// Whether `session` holds an event worth waking for and no wake of it runs.
    fn wake_ready(&self, session: &str) -> bool {
        (self.daemon.sessions.get(session))
            .is_some_and(|s| s.outbox.iter().any(DelegateEvent::wakes_app) && s.wake.is_none())
    }

    /// LC-2 / LC-3: resume a suspended app, or launch a terminated one in the background,
    /// and hand it a completion handler for `session`. CH-6 (seeded): other sessions due
    /// now may come in the same wake, each with its own handler outstanding.
    pub(super) fn wake(&mut self, session: &str) {
        let state = self.process.state;
        // A wake due when the app was suspended may find it running in the background
        // (a background launch came first, OS-5): it gets handleEvents all the same.
        let wakeable = matches!(state, AppState::Suspended | AppState::Background);
        if !self.wake_ready(session) || !(wakeable || state.relaunchable()) {
            return;
        }
        let mut sessions = vec![session.to_string()];
        let seeded = self.daemon.choices.seeded();
        let others: Vec<String> = (self.daemon.sessions.iter())
            .filter(|(id, s)| {
                seeded && *id != session && s.config.sends_launch_events && !s.wake_blocked
            })
            .map(|(id, _)| id.clone())
            .filter(|id| self.wake_ready(id))
            .collect();
        let others: Vec<String> = others.into_iter().filter(|id| self.wake_due(id)).collect();
        if !others.is_empty() && self.daemon.choices.coin(0.5) {
            sessions.extend(others);
            let choice = format!("handleEvents for {} in one wake", sessions.join(", "));
            self.record(
                Actor::System,
                What::Chose {
                    rule: "CH-6",
                    choice,
                },
            );
        }
        let budget = self.profile.bg_wake_budget;
        let mut handlers = Vec::new();
        for id in &sessions {
            let handler = self.next_handler;
            self.next_handler += 1;
            if let Some(s) = self.daemon.sessions.get_mut(id) {
                // LC-6 (seeded): the next wake gets its own draw.
                s.partial_wake = None;
                s.wake = Some(crate::daemon::WakeState {
                    handler,
                    finish_queued: false,
                    deliveries_pending: 0,
                });
            }
            let session = id.clone();
            self.record(
                Actor::System,
                What::Wake {
                    session,
                    handler,
                    budget,
                },
            );
            handlers.push((id.clone(), handler));
        }
        // RATE-1: the delay grows once per resume or relaunch of the app.
        self.daemon.on_wake(&mut daemon_env!(self));
        if state == AppState::Suspended {
            // Frozen work resumes and held events are queued behind handle-events.
            self.resume_running(AppState::Background);
        } else if state == AppState::Background {
            // Already running: only the handler is new.
        } else {
            self.launch(true, Some(session.to_string()));
        }
        let generation = self.process.generation;
        for (id, handler) in handlers {
            // The launch, or an earlier handle-events, may have crashed the app.
            if self.process.state != AppState::Background || self.process.generation != generation {
                return;
            }
            self.hand_over(&id, handler);
        }
    }

    /// Gives the running app the completion handler of a wake of `session`.
    fn hand_over(&mut self, session: &str, handler: u64) {
        let budget = self.profile.bg_wake_budget;
        let asynchronous = (self.process.app.as_ref()).is_some_and(|a| a.handles_events_async());
        self.process.rt.handlers.push(HandlerRecord {
            id: handler,
            session: session.to_string(),
            calls: 0,
            asynchronous,
            awaited: false,
        });
        let deadline = self.clock.now() + budget;
        self.process.wakes.push(ActiveWake {
            handler,
            session: session.to_string(),
            deadline,
        });
        let generation = self.process.generation;
        let event = Event::WakeDeadline {
            generation,
            handler,
        };
        self.clock.schedule(deadline, event);
        if self.daemon.choices.seeded() {
            self.maybe_deliver_first(session);
            if self.process.generation != generation {
                return;
            }
        }
        let completion = CompletionHandler {
            id: handler,
            session: session.to_string(),
        };
        let callback = Callback::HandleEvents {
            session: session.to_string(),
            handler,
        };
        let id = session.to_string();
        self.with_app(callback, |app, ctx| {
            app.handle_events_for_background_session(ctx, &id, completion.clone());
            ctx.handle_events_callback_returned(&completion);
        });
    }

    /// LC-2 / LC-3 (seeded): the daemon's first held event may reach the delegate before
    /// the system calls handleEvents: both come to the app on their own paths.
    fn maybe_deliver_first(&mut self, session: &str) {
        let generation = self.process.generation;
        let queue = Queue::Delegate(session.to_string());
        let is_held = |e: &Event| {
            matches!(e, Event::App { generation: g, queue: q, work: Work::Deliver(_) }
                if *g == generation && *q == queue)
        };
        if !self.clock.any(is_held) || !self.daemon.choices.coin(0.5) {
            return;
        }
        let mut first = true;
        let taken = self.clock.extract(|e| {
            let take = first && is_held(e);
            first &= !take;
            take
        });
        let Some((_, Event::App { queue, work, .. })) = taken.into_iter().next() else {
            return;
        };
        let choice = format!("the first held event of {session} comes before handleEvents");
        self.record(
            Actor::System,
            What::Chose {
                rule: "LC-2",
                choice,
            },
        );
        self.run_work(queue, work);
    }

    /// CH-3 / LC-9: the handler was called; once no wake is left, the system snapshots
    /// the UI and suspends the app.
    pub(super) fn end_wake(&mut self, handler: u64) {
        let Some(i) = self.process.wakes.iter().position(|w| w.handler == handler) else {
            return;
        };
        let w = self.process.wakes.remove(i);
        if let Some(s) = self.daemon.sessions.get_mut(&w.session) {
            if s.wake.as_ref().is_some_and(|x| x.handler == handler) {
                s.wake = None;
            }
        }
        if self.process.wakes.is_empty() && self.process.state == AppState::Background {
            self.suspend_after_wake(w.deadline);
        }
        self.check_wakes();
    }

    /// LC-9: after the last handler of a wake, the system takes its snapshot and suspends
    /// the app. Fixed: at once. Seeded: maybe later, up to the wake's deadline, so work
    /// the app left on its queues may still run in the background.
    fn suspend_after_wake(&mut self, deadline: SimTime) {
        let left_ms = deadline.since(self.clock.now()).as_millis() as usize;
        if left_ms == 0 || !self.daemon.choices.coin(0.5) {
            self.suspend();
            return;
        }
        let after = Duration::from_millis(1 + self.daemon.choices.below(left_ms) as u64);
        let choice = format!(
            "the app runs {} ms more before it is suspended",
            after.as_millis()
        );
        self.record(
            Actor::System,
            What::Chose {
                rule: "LC-9",
                choice,
            },
        );
        let (generation, epoch) = (self.process.generation, self.process.epoch);
        let event = Event::AutoSuspend { generation, epoch };
        self.clock.schedule(self.clock.now() + after, event);
    }

    /// LC-10: the wake's budget ran out with the handler not called: the app is killed.
    pub(super) fn wake_deadline(&mut self, handler: u64) {
        let Some(w) = self.process.wakes.iter().find(|w| w.handler == handler) else {
            return;
        };
        if self.process.state != AppState::Background {
            return;
        }
        let session = w.session.clone();
        self.record(Actor::System, What::WakeBudgetExceeded { session, handler });
        self.terminate(AppState::TerminatedBySystem);
    }
}
