//! Running app code: callbacks into the app and its delegates, with the context they
//! act through. A panic in app code is caught and treated as a crash (KILL-6).

use super::Simulation;
use crate::app::{App, AppContext, Queue, Work};
use crate::daemon::DelegateEvent;
use crate::trace::{Actor, Callback, What};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static IN_APP_CODE: Cell<bool> = const { Cell::new(false) };
}

/// Panics inside app code are part of what bgsim tests: keep them out of stderr and put
/// them in the history instead. Panics anywhere else still print as usual.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_APP_CODE.with(Cell::get) {
                default(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

impl Simulation {
    pub(super) fn record(&mut self, actor: Actor, what: What) {
        self.trace.push(self.clock.now(), actor, what);
    }

    /// Runs app code on `queue` with a fresh context. Returns None if the app crashed.
    pub(super) fn with_ctx<R>(
        &mut self,
        queue: Queue,
        f: impl FnOnce(&mut AppContext<'_>) -> R,
    ) -> Option<R> {
        install_quiet_hook();
        let mut ctx = AppContext {
            queue,
            state: self.process.state,
            generation: self.process.generation,
            env: daemon_env!(self),
            daemon: &mut self.daemon,
            rt: &mut self.process.rt,
        };
        IN_APP_CODE.with(|c| c.set(true));
        let result = catch_unwind(AssertUnwindSafe(|| f(&mut ctx)));
        IN_APP_CODE.with(|c| c.set(false));
        drop(ctx);
        self.route();
        match result {
            Ok(r) => match self.process.rt.exception.take() {
                // An uncaught Objective-C exception terminates the app.
                Some(_) => {
                    self.crash();
                    None
                }
                None => Some(r),
            },
            Err(payload) => {
                let message = panic_message(&*payload);
                self.record(Actor::App, What::Panicked { message });
                self.crash();
                None
            }
        }
    }

    /// Records a callback the system makes into the app on `queue`, then runs it.
    fn system_callback<R>(
        &mut self,
        queue: Queue,
        callback: Callback,
        f: impl FnOnce(&mut AppContext<'_>) -> R,
    ) -> Option<R> {
        let what = What::Callback {
            queue: queue.clone(),
            callback,
        };
        self.record(Actor::System, what);
        self.with_ctx(queue, f)
    }

    /// Calls the app object (UIApplicationDelegate methods run on main).
    pub(super) fn with_app(
        &mut self,
        callback: Callback,
        f: impl FnOnce(&mut dyn App, &mut AppContext<'_>),
    ) {
        let Some(mut app) = self.process.app.take() else {
            return;
        };
        let generation = self.process.generation;
        self.system_callback(Queue::Main, callback, |ctx| f(&mut *app, ctx));
        if self.process.generation == generation {
            self.process.app = Some(app);
        }
    }

    pub(super) fn run_work(&mut self, queue: Queue, work: Work) {
        match work {
            Work::Block { label, block } => {
                if !label.is_empty() {
                    let callback = Callback::Dispatched { label };
                    let what = What::Callback {
                        queue: queue.clone(),
                        callback,
                    };
                    self.record(Actor::App, what);
                }
                self.with_ctx(queue, block);
            }
            Work::Deliver(ev) => {
                let wake = self.daemon.sessions.get_mut(ev.session());
                if let Some(w) = wake.and_then(|s| s.wake.as_mut()) {
                    w.deliveries_pending = w.deliveries_pending.saturating_sub(1);
                }
                self.deliver(queue, ev)
            }
            Work::FinishEvents => {
                let Queue::Delegate(session) = queue.clone() else {
                    return;
                };
                let wake = self.daemon.sessions.get(&session);
                if wake
                    .and_then(|s| s.wake.as_ref())
                    .is_some_and(|w| w.deliveries_pending > 0)
                {
                    // ORD-4: events made during the wake were queued behind this; they
                    // come first, and every such event is run before this comes again:
                    // after the last one handed over, which may be later than now (CH-2).
                    let generation = self.process.generation;
                    let now = match wake.map(|s| s.delivery_tail) {
                        Some((g, tail)) if g == generation => tail.max(self.clock.now()),
                        _ => self.clock.now(),
                    };
                    let work = Work::FinishEvents;
                    let event = super::Event::App {
                        generation,
                        queue,
                        work,
                    };
                    self.clock.schedule(now, event);
                    return;
                }
                // A session told to finish its tasks and invalidate is still the delegate's
                // until did-become-invalid (INV-1): a wake before then ends as any other.
                let Some(delegate) = (self.process.rt.receiver_for(&session))
                    .filter(|s| !s.released)
                    .map(|s| s.delegate.clone())
                else {
                    return;
                };
                let callback = Callback::DidFinishEvents {
                    session: session.clone(),
                };
                self.system_callback(queue, callback, |ctx| {
                    delegate.borrow_mut().did_finish_events(ctx, &session)
                });
            }
            Work::Tasks { session, block } => {
                // ID-5: a session refused with -996 is not connected: it has no tasks.
                let connected = self
                    .daemon
                    .sessions
                    .get(&session)
                    .is_some_and(|s| s.connected);
                let tasks = match connected {
                    true => self.daemon.live_tasks(&session),
                    false => Vec::new(),
                };
                let keys = tasks.iter().map(|t| t.key.clone()).collect();
                let callback = Callback::GetAllTasks {
                    session,
                    tasks: keys,
                };
                self.system_callback(queue, callback, |ctx| block(ctx, tasks));
            }
            Work::ResumeData { task, data, block } => {
                let callback = Callback::ResumeDataProduced {
                    task,
                    produced: data.is_some(),
                };
                self.system_callback(queue, callback, |ctx| block(ctx, data));
            }
        }
    }

    /// Delivers one delegate event to the session's delegate, then lets the daemon do
    /// what follows its return (FILE-1: delete the temp file).
    fn deliver(&mut self, queue: Queue, ev: DelegateEvent) {
        let session = ev.session().to_string();
        let delegate = self
            .process
            .rt
            .receiver_for(&session)
            .map(|s| s.delegate.clone());
        if let (DelegateEvent::Invalidated { error, .. }, Some(delegate)) = (&ev, &delegate) {
            let callback = crate::app::callback_of(&ev);
            self.system_callback(queue, callback, |ctx| {
                delegate
                    .borrow_mut()
                    .did_become_invalid_with_error(ctx, &session, error.as_ref())
            });
            // The delegate is released: the identifier is free for a new session object.
            for s in self.process.rt.sessions.iter_mut() {
                if s.identifier == session {
                    s.released = true;
                }
            }
            return;
        }
        if let DelegateEvent::Challenge { task, id, .. } = &ev {
            // HTTP-4: the task stopped waiting for this answer meanwhile (cancelled, timed
            // out): iOS does not ask.
            if !self.daemon.challenge_pending(task, *id) {
                return;
            }
        }
        let info = ev.task().and_then(|t| self.daemon.task_info(t));
        let (Some(delegate), Some(info)) = (delegate, info) else {
            // No session object to take it (invalidated meanwhile): the daemon keeps it.
            if let Some(s) = self.daemon.sessions.get_mut(&session) {
                s.outbox.push_front(ev);
            }
            return;
        };
        let callback = crate::app::callback_of(&ev);
        self.system_callback(queue, callback, |ctx| {
            let mut d = delegate.borrow_mut();
            match &ev {
                DelegateEvent::WriteData {
                    written,
                    total,
                    expected,
                    ..
                } => d.did_write_data(ctx, &info, *written, *total, *expected),
                DelegateEvent::ResumedAt {
                    offset, expected, ..
                } => d.did_resume_at_offset(ctx, &info, *offset, *expected),
                DelegateEvent::Finished { location, .. } => {
                    d.did_finish_downloading_to(ctx, &info, location)
                }
                DelegateEvent::Completed { error, .. } => {
                    d.did_complete_with_error(ctx, &info, error.as_ref())
                }
                DelegateEvent::SentBodyData {
                    sent,
                    total,
                    expected,
                    ..
                } => d.did_send_body_data(ctx, &info, *sent, *total, *expected),
                DelegateEvent::ReceivedData { data, .. } => d.did_receive_data(ctx, &info, data),
                DelegateEvent::Challenge {
                    task,
                    challenge,
                    id,
                } => {
                    // From here only this process can answer it (HTTP-4).
                    ctx.daemon.challenge_handed_over(task, *id);
                    let handler = crate::app::ChallengeHandler {
                        task: task.clone(),
                        id: *id,
                    };
                    d.did_receive_challenge(ctx, &info, challenge, handler)
                }
                DelegateEvent::Invalidated { .. } => {}
            }
        });
        // The callback returned (or the app crashed inside it): either way the daemon is
        // done with this event.
        self.daemon.delivered(&mut daemon_env!(self), &ev);
    }
}
