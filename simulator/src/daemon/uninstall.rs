//! OS-3: the app is deleted (and installed again). The daemon forgets every session and
//! task of the app: nothing of them is ever delivered, no wake comes for them.

use super::{Daemon, Env, SessionState};
use crate::trace::What;
use std::time::Duration;

impl Daemon {
    /// Forgets the app's sessions and tasks. Returns how many tasks had not completed.
    /// Task identifiers carry on from where each session was (TID-6 leaves it open; the
    /// model's choice keeps every task key unique in the history).
    pub fn forget_app(&mut self, env: &mut Env<'_>) -> usize {
        let dropped = self.tasks.values().filter(|t| !t.is_completed()).count();
        self.tasks.clear();
        self.on_the_wire.clear();
        self.emitted.clear();
        for (id, s) in std::mem::take(&mut self.sessions) {
            self.forgotten_task_ids.insert(id, s.next_task_id);
        }
        if self.rate_delay != Duration::ZERO {
            self.rate_delay = Duration::ZERO;
            env.record(What::RateLimiter {
                delay: Duration::ZERO,
            });
        }
        self.last_wake = None;
        dropped
    }

    /// The session `config` names, made when the daemon has no state for it (new, or of
    /// an install deleted since: its task identifiers then carry on).
    pub(super) fn session_entry(
        &mut self,
        config: &crate::app::SessionConfig,
    ) -> &mut SessionState {
        let id = &config.identifier;
        let forgotten = match self.sessions.contains_key(id) {
            true => None,
            false => self.forgotten_task_ids.remove(id),
        };
        (self.sessions.entry(id.clone())).or_insert_with(|| {
            let mut s = SessionState::new(config);
            s.next_task_id = forgotten.unwrap_or(s.next_task_id);
            s
        })
    }
}
