//! `task.suspend()` (API-7): a suspended task makes no traffic and no timer runs for it
//! (NET-3's resource timeout is frozen and picks up where it was at `resume()`). A download
//! keeps its bytes and continues where it stopped (with Range, when it can: RES-1); every
//! other kind starts over when resumed. The task stays in the daemon, so it survives a
//! crash (KILL-7) and counts as unfinished: no wake while it is suspended (LC-6).

use super::task::Phase;
use super::{Daemon, Env};
use crate::app::TaskKey;
use crate::trace::What;

impl Daemon {
    /// `task.suspend()`. Nothing happens to a task that is suspended already or finished.
    pub fn suspend_task(&mut self, env: &mut Env<'_>, key: &TaskKey) {
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        if matches!(t.phase, Phase::Suspended | Phase::Completed) {
            return;
        }
        // Dropping the attempt closes its connection; stale events are ignored by epoch.
        t.phase = Phase::Suspended;
        // HTTP-4: a held challenge goes with the attempt; resuming asks the server again.
        self.forget_challenge(key);
        let deadlines = self.take_deadlines(env, key);
        let t = self.tasks.get_mut(key).expect("found above");
        t.epoch += 1;
        t.capped = false;
        t.ext.paused_timeout = deadlines.first().map(|at| at.since(env.now));
        if !t.ext.kind.is_download() {
            t.ext.bytes_sent = 0;
            t.bytes_received = 0;
            t.ext.response.clear();
        }
        env.record(What::Paused {
            task: key.clone(),
            kept: t.bytes_received,
            timeout_left: t.ext.paused_timeout,
        });
        self.free_slot(env);
    }
}
