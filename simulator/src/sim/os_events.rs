//! Things the phone does to an app beyond its sessions (docs/rules.md, OS-1 to OS-5): a
//! restart, a deletion and reinstall, and a launch in the background by other means. (An update is a container move,
//! a full disk a state of the sandbox: see `lifecycle.rs`.)

use super::{Event, Simulation};
use crate::app::AppState;
use crate::daemon::DaemonEvent;
use crate::trace::{Actor, What};

impl Simulation {
    /// OS-1: the phone restarts. The app (and an extension) stop as in a system kill, the
    /// daemon's connections drop and its tasks wait, and the phone is locked: nothing
    /// launches the app, by the user or a wake, before the first unlock.
    pub(super) fn reboot(&mut self) {
        if self.extension.is_some() {
            self.extension_exit();
        }
        if self.process.state.in_memory() {
            self.terminate(AppState::TerminatedBySystem);
        }
        self.sandbox.set_locked(true);
        self.daemon.reboot(&mut daemon_env!(self));
        self.route();
    }

    /// OS-3: the user deletes the app and installs it again. The process goes; the
    /// daemon drops the app's sessions and tasks, and whatever it had scheduled for them;
    /// the container is emptied at a new root. The new install has never run.
    pub(super) fn reinstall(&mut self) {
        if self.extension.is_some() {
            self.extension_exit();
        }
        if self.process.state.in_memory() {
            self.terminate(AppState::TerminatedBySystem);
        }
        // The network step is the daemon's, not a task's: it stays for the new install.
        self.clock.extract(|e| match e {
            Event::Daemon(DaemonEvent::Step) => false,
            Event::Daemon(_) | Event::Wake { .. } => true,
            _ => false,
        });
        let tasks_dropped = self.daemon.forget_app(&mut daemon_env!(self));
        let files_removed = self.sandbox.reinstall();
        let root = self.sandbox.container_root();
        self.record(
            Actor::System,
            What::Reinstalled {
                root,
                files_removed,
                tasks_dropped,
            },
        );
        self.set_state(AppState::NotRunning);
    }

    /// OS-5: a background task or a silent push launches the app in the background (no
    /// URL session in the launch options) or resumes it there. The app runs what its launch
    /// or its queues do, for the wake budget; tasks it makes then are made in the
    /// background (SCHED-2, RATE-1). Then the system suspends it.
    pub(super) fn background_launch(&mut self) {
        if self.process.state == AppState::Suspended {
            self.resume_running(AppState::Background);
        } else {
            self.launch(true, None);
        }
        if self.process.state != AppState::Background {
            return;
        }
        let (generation, epoch) = (self.process.generation, self.process.epoch);
        let at = self.clock.now() + self.profile.bg_wake_budget;
        self.clock
            .schedule(at, Event::AutoSuspend { generation, epoch });
        // A session that would have woken the suspended app now hands it handleEvents.
        self.schedule_wakes(true);
    }
}
