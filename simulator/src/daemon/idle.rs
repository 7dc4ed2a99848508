//! NET-2: the request (idle) timeout. `timeoutIntervalForRequest` (60 s by default) is an
//! idle timer reset whenever data arrives. The simulated server stalls a body on a byte
//! offset and announces it (see `network::StallProbe`); the daemon then lets virtual time
//! decide:
//!
//! - a stall shorter than the request timeout ends: after its duration the daemon releases
//!   it and the rest of the body follows on the same connection;
//! - otherwise the request times out: the attempt fails inside the daemon with -1001, the
//!   connection is dropped, and, the session being a background one, the task is retried
//!   after the backoff, with `Range` when the validators allow (RES-1, NET-2's
//!   `retry_uses_range`), until the resource timeout (NET-3) surfaces -1001 to the app.

use super::task::Phase;
use super::{Daemon, DaemonEvent, Env};
use crate::app::{TaskKey, TaskKind, UrlError};
use crate::network::ServerStall;
use crate::sim::Event;
use crate::time::SimTime;
use crate::trace::What;
use std::time::Duration;

impl Daemon {
    /// The request timeout of `key`'s session: its configuration's, else the profile's.
    fn request_timeout(&self, key: &TaskKey) -> Duration {
        self.sessions
            .get(&key.session)
            .and_then(|s| s.config.request_timeout)
            .unwrap_or(self.profile.request_timeout_default)
    }

    /// The body of `key` stopped: every byte sent before the stall has arrived. Schedules
    /// the end of the stall if it is shorter than the request timeout, else the timeout.
    pub(super) fn stalled(&mut self, env: &mut Env<'_>, key: &TaskKey, stall: ServerStall) {
        let timeout = self.request_timeout(key);
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        let Phase::Receiving(transfer) = &mut t.phase else {
            return;
        };
        transfer.stalled_since = Some(env.now);
        env.record(What::Stalled {
            task: key.clone(),
            bytes: t.bytes_received,
        });
        let (task, epoch) = (key.clone(), t.epoch);
        let event = match stall.duration {
            Some(d) if d < timeout => (d, DaemonEvent::StallOver { task, epoch }),
            _ => (timeout, DaemonEvent::RequestTimeout { task, epoch }),
        };
        env.clock
            .schedule(env.now + event.0, Event::Daemon(event.1));
    }

    /// A stall shorter than the request timeout is over: data flows again.
    pub(super) fn stall_over(&mut self, env: &mut Env<'_>, key: &TaskKey, epoch: u64) {
        let Some(since) = self.stalled_since(key, epoch) else {
            return;
        };
        let after = env.now.since(since);
        let t = self.tasks.get_mut(key).expect("stalled task");
        if let Phase::Receiving(transfer) = &mut t.phase {
            transfer.release_stall();
        }
        env.record(What::StallOver {
            task: key.clone(),
            after,
        });
        self.ensure_step(env);
    }

    /// Since when `key` has been stalled, if it still is, in attempt `epoch`.
    fn stalled_since(&self, key: &TaskKey, epoch: u64) -> Option<SimTime> {
        let t = self.tasks.get(key).filter(|t| t.epoch == epoch)?;
        match &t.phase {
            Phase::Receiving(transfer) => transfer.stalled_since,
            _ => None,
        }
    }

    /// No data for the request timeout: the attempt fails with -1001 inside the daemon.
    /// The connection goes (its stall probe with it, so the server gives up the stalled
    /// response), and the task is retried like after a lost connection.
    pub(super) fn request_timed_out(&mut self, env: &mut Env<'_>, key: &TaskKey, epoch: u64) {
        if self.stalled_since(key, epoch).is_none() {
            return;
        }
        let timeout = self.request_timeout(key);
        let t = self.tasks.get_mut(key).expect("stalled task");
        // Dropping the transfer closes the connection.
        t.phase = Phase::Waiting;
        let bytes = t.bytes_received;
        let kind = t.ext.kind.clone();
        env.record(What::RequestTimedOut {
            task: key.clone(),
            bytes,
            after: timeout,
        });
        match kind {
            // API-4: a data task's body already reached the app; it fails.
            TaskKind::Data => {
                let error = UrlError {
                    code: UrlError::TIMED_OUT,
                    cancel_reason: None,
                    resume_data: None,
                };
                self.complete_with_error(env, key, error);
            }
            // NET-2: retried automatically (an upload from its first byte, RES-8).
            _ => self.retry_later(env, key, "request timed out (-1001)".into()),
        }
    }
}
