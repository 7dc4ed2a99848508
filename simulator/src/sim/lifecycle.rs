//! The app's life: launches, Home, suspension, termination, force-quit, crashes, and the
//! background wakes and relaunches the daemon asks for (docs/rules.md: LC, CH, KILL).

use super::{flush_held_events, Event, Simulation};
use crate::action::Action;
use crate::app::{AppState, HandlerRecord, LaunchOptions, ProcessRuntime, Work};
use crate::daemon::DelegateEvent;
use crate::trace::{Actor, Callback, What};
use std::collections::BTreeMap;

impl Simulation {
    /// Applies a timeline step. Steps that do not apply are recorded as ignored.
    pub(super) fn apply(&mut self, action: Action) {
        use AppState::*;
        let actor = match action {
            Action::SystemSuspend
            | Action::SystemKill
            | Action::Crash
            | Action::ContainerMove
            | Action::PurgeTmp
            | Action::Reboot
            | Action::AppUpdate
            | Action::DiskFull { .. }
            | Action::BackgroundLaunch => Actor::System,
            Action::Reinstall => Actor::User,
            Action::Charger { .. } => Actor::User,
            Action::NetworkDown | Action::NetworkUp => Actor::Net,
            _ => Actor::User,
        };
        let state = self.process.state;
        let applies = match &action {
            Action::Launch => state != Foreground,
            Action::Download { .. }
            | Action::User(_)
            | Action::Home
            | Action::Upload { .. }
            | Action::Fetch { .. }
            | Action::SuspendTask { .. }
            | Action::ResumeTask { .. } => state == Foreground,
            Action::Foreground => matches!(state, Background | Suspended),
            Action::SystemSuspend => state == Background,
            Action::SystemKill => matches!(state, Background | Suspended),
            Action::ForceQuit => !matches!(state, NotRunning | TerminatedByUser),
            Action::Crash => state.is_running(),
            // OS-5: background launches do not reach an app the user force-quit (KILL-2).
            Action::BackgroundLaunch => state == Suspended || state.relaunchable(),
            Action::NetworkDown
            | Action::NetworkUp
            | Action::Wait
            | Action::Charger { .. }
            | Action::Lock
            | Action::Unlock
            | Action::ContainerMove
            | Action::PurgeTmp
            | Action::Reboot
            | Action::AppUpdate
            | Action::Reinstall
            | Action::DiskFull { .. }
            | Action::LowPower { .. }
            | Action::Wifi { .. }
            | Action::LowDataMode { .. }
            | Action::SystemCancel
            | Action::ExtensionStart { .. }
            | Action::ExtensionExit => true,
        };
        if !applies {
            self.record(actor, What::Ignored { action, state });
            return;
        }
        // The user opens apps only on an unlocked phone; nothing launches one before the
        // first unlock after a restart (OS-1).
        let before_first_unlock = self.daemon.before_first_unlock();
        let opens = matches!(action, Action::Launch | Action::Foreground);
        if (opens && self.sandbox.is_locked())
            || (action == Action::BackgroundLaunch && before_first_unlock)
        {
            self.record(actor, What::IgnoredWhileLocked { action });
            return;
        }
        self.record(actor, What::Step(action.clone()));
        match action {
            Action::Launch if state.in_memory() => self.bring_to_foreground(),
            Action::Launch => self.launch(false, None),
            Action::Foreground => self.bring_to_foreground(),
            Action::Download { url, destination } => {
                let callback = Callback::UserTappedDownload {
                    url: url.clone(),
                    destination: destination.clone(),
                };
                self.with_app(callback, |app, ctx| {
                    app.user_tapped_download(ctx, &url, &destination)
                });
            }
            Action::User(command) => {
                let callback = Callback::UserCommand(command.clone());
                self.with_app(callback, |app, ctx| app.user_command(ctx, &command));
            }
            Action::LowPower { on } => {
                self.daemon.set_low_power(&mut daemon_env!(self), on);
                self.route();
            }
            Action::Wifi { on } => {
                self.daemon
                    .set_interface(&mut daemon_env!(self), Some(on), None);
                self.route();
            }
            Action::LowDataMode { on } => {
                self.daemon
                    .set_interface(&mut daemon_env!(self), None, Some(on));
                self.route();
            }
            Action::SystemCancel => {
                self.daemon.system_cancel(&mut daemon_env!(self));
                self.route();
            }
            Action::Upload { .. }
            | Action::Fetch { .. }
            | Action::SuspendTask { .. }
            | Action::ResumeTask { .. } => self.user_transfer_action(action),
            Action::ExtensionStart {
                session,
                shared_container,
                download,
            } => self.extension_start(session, shared_container, download),
            Action::ExtensionExit => self.extension_exit(),
            Action::Home => self.enter_background(),
            Action::SystemSuspend => self.suspend(),
            Action::SystemKill => self.terminate(TerminatedBySystem),
            Action::ForceQuit => self.terminate(TerminatedByUser),
            Action::Crash => self.crash(),
            Action::Wait => {}
            Action::Lock => {
                self.sandbox.set_locked(true);
                if state == Foreground {
                    self.enter_background();
                }
            }
            Action::Unlock => {
                self.sandbox.set_locked(false);
                if before_first_unlock {
                    self.daemon.first_unlock(&mut daemon_env!(self));
                    self.route();
                }
            }
            Action::Reboot => self.reboot(),
            Action::Reinstall => self.reinstall(),
            Action::DiskFull { full } => self.sandbox.set_full(full),
            Action::BackgroundLaunch => self.background_launch(),
            Action::ContainerMove | Action::AppUpdate => {
                if state.in_memory() {
                    self.terminate(TerminatedBySystem);
                }
                self.sandbox.move_container();
                let root = self.sandbox.container_root();
                self.record(Actor::System, What::ContainerMoved { root });
            }
            Action::PurgeTmp => {
                let files = self.sandbox.purge_tmp();
                self.record(Actor::System, What::TmpPurged { files });
            }
            Action::Charger { connected } => {
                self.daemon.set_charging(&mut daemon_env!(self), connected);
                self.route();
            }
            Action::NetworkDown | Action::NetworkUp => {
                let up = action == Action::NetworkUp;
                self.record(Actor::Net, What::Network { up });
                let mut env = daemon_env!(self);
                self.daemon.set_network(&mut env, up);
                self.route();
            }
        }
    }

    /// Foreground → background; the system suspends the app after the grace period.
    fn enter_background(&mut self) {
        self.set_state(AppState::Background);
        self.daemon.app_left_foreground();
        self.with_app(Callback::DidEnterBackground, |app, ctx| {
            app.did_enter_background(ctx)
        });
        let (generation, epoch) = (self.process.generation, self.process.epoch);
        self.clock.schedule(
            self.clock.now() + self.profile.background_grace,
            Event::AutoSuspend { generation, epoch },
        );
    }

    pub(super) fn set_state(&mut self, to: AppState) {
        let from = self.process.state;
        if from != to {
            self.record(Actor::System, What::State { from, to });
            self.process.state = to;
            self.process.epoch += 1;
        }
    }

    /// Starts a new process from the factory: only the container survives from before.
    pub(super) fn launch(&mut self, in_background: bool, session: Option<String>) {
        self.process.generation += 1;
        self.process.app = Some((self.factory)());
        self.process.rt = ProcessRuntime::default();
        self.record(Actor::System, What::Launched { in_background });
        self.set_state(if in_background {
            AppState::Background
        } else {
            AppState::Foreground
        });
        if !in_background {
            self.daemon.on_foreground(&mut daemon_env!(self));
        }
        let options = LaunchOptions {
            in_background,
            url_session_identifier: session.clone(),
        };
        let callback = Callback::DidFinishLaunching {
            in_background,
            session,
        };
        self.with_app(callback, |app, ctx| app.did_finish_launching(ctx, &options));
    }

    /// Suspended → running again: frozen work resumes, held events flow (LC-2).
    pub(super) fn resume_running(&mut self, to: AppState) {
        let was_suspended = self.process.state == AppState::Suspended;
        self.set_state(to);
        if was_suspended {
            let now = self.clock.now();
            for event in std::mem::take(&mut self.process.frozen) {
                self.clock.schedule(now, event);
            }
            let generation = self.process.generation;
            let ids: Vec<String> = self.daemon.sessions.keys().cloned().collect();
            for id in ids {
                let trace = &mut self.trace;
                flush_held_events(&mut self.daemon, &mut self.clock, trace, generation, &id);
            }
        }
    }

    fn bring_to_foreground(&mut self) {
        self.resume_running(AppState::Foreground);
        self.daemon.on_foreground(&mut daemon_env!(self));
        self.with_app(Callback::WillEnterForeground, |app, ctx| {
            app.will_enter_foreground(ctx)
        });
    }

    /// The process stops running; its queued work is frozen until it runs again.
    pub(super) fn suspend(&mut self) {
        if self.process.state != AppState::Background {
            return;
        }
        self.set_state(AppState::Suspended);
        let generation = self.process.generation;
        let held = self
            .clock
            .extract(|e| matches!(e, Event::App { generation: g, .. } if *g == generation));
        let mut returned = Vec::new();
        for (_, event) in held {
            if let Some(ev) = self.freeze_or_return(event) {
                returned.push(ev);
            }
        }
        // They were handed over before anything the daemon holds now.
        for ev in returned.into_iter().rev() {
            if let Some(s) = self.daemon.sessions.get_mut(ev.session()) {
                s.outbox.push_front(ev);
            }
        }
        // HTTP-4: a challenge the app was handed and did not answer can no longer be.
        self.daemon
            .orphan_challenges(&mut daemon_env!(self), false, false);
        // API-4 / API-6: data tasks and streamed uploads die with the running process.
        self.daemon.process_stopped(&mut daemon_env!(self));
        self.route();
    }

    /// A delivery the suspended process had not run yet goes back to the daemon (returned
    /// here) when no wake of its session is under way, so the daemon wakes the app for it
    /// (LC-2) rather than leave a finished task undelivered until the user opens the app;
    /// progress is dropped, as for any app that is not running. Other work waits in the
    /// process.
    fn freeze_or_return(&mut self, event: Event) -> Option<DelegateEvent> {
        match event {
            Event::App {
                work: Work::Deliver(ev),
                ..
            } if self.returnable(&ev) => (!ev.is_progress()).then_some(ev),
            event => {
                self.process.frozen.push(event);
                None
            }
        }
    }

    /// Whether a delivery may go back to the daemon: not a did-become-invalid (its session
    /// object lives in the process), and no wake of its session under way.
    fn returnable(&self, ev: &DelegateEvent) -> bool {
        !matches!(ev, DelegateEvent::Invalidated { .. })
            && (self.daemon.sessions.get(ev.session())).is_some_and(|s| s.wake.is_none())
    }

    /// KILL-6: a crash is a termination by the system.
    pub(super) fn crash(&mut self) {
        self.terminate(AppState::Crashed);
    }

    /// Ends the process. Undelivered delegate events go back to the daemon, except when
    /// the process dies during a wake and FILE-5's knob says they are lost.
    pub(super) fn terminate(&mut self, to: AppState) {
        let generation = self.process.generation;
        let woken: Vec<String> = self
            .process
            .wakes
            .iter()
            .map(|w| w.session.clone())
            .collect();
        let in_wake = !woken.is_empty();
        let mut pending: Vec<Event> = self
            .clock
            .extract(|e| matches!(e, Event::App { generation: g, .. } if *g == generation))
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        pending.splice(0..0, std::mem::take(&mut self.process.frozen));
        let lose = in_wake && self.profile.lose_undelivered_on_wake_kill;
        let mut returned: BTreeMap<String, Vec<DelegateEvent>> = BTreeMap::new();
        let mut lost: BTreeMap<String, usize> = BTreeMap::new();
        for e in pending {
            if let Event::App {
                work: Work::Deliver(ev),
                ..
            } = e
            {
                if matches!(ev, DelegateEvent::Invalidated { .. }) {
                    // Its session object died with the process.
                    continue;
                }
                let session = ev.session().to_string();
                if lose && !ev.is_progress() {
                    self.daemon.lost(&mut daemon_env!(self), &ev);
                    *lost.entry(session).or_default() += 1;
                } else if !ev.is_progress() {
                    returned.entry(session).or_default().push(ev);
                }
            }
        }
        // FILE-5: the rest of the batch, still held by the daemon, goes with it; with the
        // knob off it stays, but the session is not woken again until something new happens.
        for session in &woken {
            let Some(s) = self.daemon.sessions.get_mut(session) else {
                continue;
            };
            if lose {
                let held: Vec<DelegateEvent> = s.outbox.drain(..).collect();
                *lost.entry(session.clone()).or_default() += held.len();
                for ev in held {
                    self.daemon.lost(&mut daemon_env!(self), &ev);
                }
            } else {
                s.wake_blocked = true;
            }
        }
        for (session, count) in lost {
            self.record(Actor::Daemon, What::EventsLost { session, count });
        }
        for (session, events) in returned {
            if let Some(s) = self.daemon.sessions.get_mut(&session) {
                for ev in events.into_iter().rev() {
                    s.outbox.push_front(ev);
                }
            }
        }
        let never_called: Vec<HandlerRecord> = std::mem::take(&mut self.process.rt.handlers)
            .into_iter()
            .filter(|h| h.calls == 0)
            .collect();
        for h in never_called {
            self.record(
                Actor::System,
                What::HandlerNeverCalled {
                    session: h.session,
                    handler: h.id,
                },
            );
        }
        self.process.app = None;
        self.process.rt = ProcessRuntime::default();
        self.process.wakes.clear();
        self.process.generation += 1;
        for s in self.daemon.sessions.values_mut() {
            s.wake = None;
        }
        self.daemon.disconnect_all();
        self.set_state(to);
        // HTTP-4: before KILL-2's cancellations, as a challenge nobody can answer fails.
        let force_quit = to == AppState::TerminatedByUser;
        self.daemon
            .orphan_challenges(&mut daemon_env!(self), true, force_quit);
        // API-4 / API-6: before anything else happens to the tasks (KILL-2's cancellations).
        self.daemon.process_stopped(&mut daemon_env!(self));
        if to == AppState::TerminatedByUser {
            let mut env = daemon_env!(self);
            self.daemon.force_quit(&mut env);
        }
        self.route();
    }
}
