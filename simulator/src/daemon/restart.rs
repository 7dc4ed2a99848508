//! OS-1: a restart of the phone. The daemon's memory goes: its connections drop; its tasks
//! are on disk and survive, but nothing runs until the user unlocks the phone the first
//! time (until then every file but those of protection class None is closed).

use super::{Daemon, Env};

/// What a task waits for after a restart (its `Waiting` record).
pub(super) const WAITS_FOR_FIRST_UNLOCK: &str = "the first unlock after a restart";

impl Daemon {
    /// The phone restarts: every transfer on the wire stops, keeping its bytes where it can
    /// resume, and waits for the first unlock.
    pub fn reboot(&mut self, env: &mut Env<'_>) {
        self.before_first_unlock = true;
        self.stop_transfers_where(env, "the phone restarts", WAITS_FOR_FIRST_UNLOCK, |_| true);
    }

    /// Whether the phone restarted and has not been unlocked since.
    pub fn before_first_unlock(&self) -> bool {
        self.before_first_unlock
    }

    /// The first unlock after a restart: waiting tasks go on.
    pub fn first_unlock(&mut self, env: &mut Env<'_>) {
        self.before_first_unlock = false;
        self.restart_waiting(env, |_| true);
    }
}
