//! LC-6: which of a session's tasks hold its wake back. Apple documents the wake as coming
//! once every task of the session is done; what "done" means for a task the app paused
//! (API-7) or one waiting for connectivity (NET-1) is not documented. A reading in which
//! such a task blocks every later wake for ever is the least plausible one (a phone
//! delivers finished tasks at some point), so here only a task at work holds the wake back.

use super::task::{Phase, Task};
use super::{restart, Daemon};

impl Daemon {
    /// Whether no task of `session` is still at work: each one has completed, is paused
    /// (API-7; or was never resumed), or waits for the world rather than for the daemon
    /// ([`Daemon::world_blocker`]). A task on the wire, waiting out a retry backoff, the
    /// rate limiter, its begin date or the concurrency cap, or held by a challenge, is at
    /// work: it will go on by itself.
    pub fn nothing_at_work(&self, session: &str) -> bool {
        self.tasks
            .values()
            .filter(|t| t.key.session == session)
            .all(|t| !self.at_work(t))
    }

    /// How many tasks of `session` are at work (for the history of a partial wake).
    pub fn tasks_at_work(&self, session: &str) -> usize {
        (self.tasks.values())
            .filter(|t| t.key.session == session && self.at_work(t))
            .count()
    }

    fn at_work(&self, t: &Task) -> bool {
        match t.phase {
            Phase::Completed | Phase::Suspended => false,
            Phase::Waiting => self.world_blocker(t).is_none(),
            _ => true,
        }
    }

    /// Why `t` cannot start now for a reason only the user or the world can change: no
    /// connectivity (NET-1), a disallowed interface or Low Power Mode (SCHED-5, PWR-1), a
    /// large transfer off Wi-Fi (SCHED-4), or, for a discretionary task, the device's
    /// conditions (SCHED-1). The words are those of the task's `Waiting` record.
    pub(super) fn world_blocker(&self, t: &Task) -> Option<String> {
        if self.before_first_unlock {
            return Some(restart::WAITS_FOR_FIRST_UNLOCK.into());
        }
        if !self.network.is_up() {
            return Some("no connectivity".into());
        }
        let low_power = self.profile.low_power_pauses_all && self.device.low_power;
        let refused = (self.sessions.get(&t.key.session))
            .and_then(|s| self.device.refuses(&s.config))
            .or(low_power.then_some("Low Power Mode"));
        if let Some(why) = refused {
            return Some(why.into());
        }
        if let Some(why) = self.large_transfer_blocker(t) {
            return Some(why);
        }
        (self.device.discretionary_blocker())
            .filter(|_| t.discretionary)
            .map(|why| format!("discretionary: waits ({why})"))
    }
}
