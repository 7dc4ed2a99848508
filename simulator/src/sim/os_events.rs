//! Things the phone does to an app beyond its sessions (docs/rules.md, OS-1 to OS-5): a
//! restart and a launch in the background by other means. (An update is a container move,
//! a full disk a state of the sandbox: see `lifecycle.rs`.)

use super::{Event, Simulation};
use crate::app::AppState;

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
