//! Tasks bound to the app process: data tasks (API-4) and streamed uploads (API-6). They
//! run in the background session only while the app runs; when the app is suspended or
//! dies, each one still running completes with NSURLErrorBackgroundSessionWasDisconnected
//! (-997, "Lost connection to background transfer service"). That completion is the app's
//! own business: it never wakes or relaunches the app (it is held, and delivered when the
//! app runs again or, if it died, when a new process connects the session).

use super::task::Phase;
use super::{Daemon, DelegateEvent, Env};
use crate::app::{TaskKey, TaskKind, UrlError};

impl Daemon {
    /// API-4 / API-6: the app process stopped running (suspended, terminated or crashed):
    /// every unfinished process-bound task completes with -997.
    pub fn process_stopped(&mut self, env: &mut Env<'_>) {
        let keys: Vec<TaskKey> = self
            .tasks
            .values()
            .filter(|t| t.ext.kind.process_bound() && !t.is_completed())
            .map(|t| t.key.clone())
            .collect();
        for key in keys {
            let error = UrlError {
                code: UrlError::BACKGROUND_SESSION_WAS_DISCONNECTED,
                cancel_reason: None,
                resume_data: None,
            };
            self.complete_with_error(env, &key, error);
        }
    }

    /// NET-1 for data tasks: the network went down. A data task whose body had started to
    /// reach the app fails with -1005 (see `data_task_lost`); the others wait, like every
    /// task.
    pub(super) fn network_lost_for_data_tasks(&mut self, env: &mut Env<'_>) {
        let keys: Vec<TaskKey> = self
            .tasks
            .values()
            .filter(|t| {
                t.ext.kind == TaskKind::Data
                    && matches!(t.phase, Phase::Receiving(_))
                    && t.bytes_received > 0
            })
            .map(|t| t.key.clone())
            .collect();
        for key in keys {
            self.data_task_lost(env, &key, "network down".into());
        }
    }
}

impl DelegateEvent {
    /// LC-6: whether this event, held for a session, may wake or relaunch the app. The
    /// -997 of a process-bound task does not: it is the app's own connection to the daemon
    /// that was lost, not a background transfer that finished.
    pub fn wakes_app(&self) -> bool {
        !matches!(
            self,
            DelegateEvent::Completed {
                error: Some(UrlError {
                    code: UrlError::BACKGROUND_SESSION_WAS_DISCONNECTED,
                    ..
                }),
                ..
            }
        )
    }
}
