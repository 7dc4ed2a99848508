//! ID-5 / ID-6: an app extension process (a share extension) as a second, scripted client
//! of the daemon. It is not an app under test: it connects one session, may start one
//! download, takes the delegate events of the session while it holds it, and moves its
//! own finished download into place. When it exits, the session is free: what its tasks
//! still have to say goes to whichever process connects next (LC-5), and their completion
//! wakes the app like any session's (the App Extension Programming Guide's rule).

use super::Simulation;
use crate::app::{SessionConfig, TaskKey};
use crate::daemon::DelegateEvent;
use crate::trace::{Actor, What};
use std::collections::BTreeMap;

/// The running extension process.
pub(crate) struct Extension {
    /// The session it holds; None when its session was refused (-995, -996).
    session: Option<String>,
    /// Where each download it started goes (in the shared container).
    destinations: BTreeMap<TaskKey, String>,
}

/// The `taskDescription` the extension gives its downloads: their destination, so a
/// process that inherits the session can put the file where the extension meant (TID-3).
pub const EXTENSION_DESCRIPTION_PREFIX: &str = "extension -> ";

impl Simulation {
    /// The extension starts and connects `session` (ID-5, ID-6), then starts `download`.
    pub(super) fn extension_start(
        &mut self,
        session: String,
        shared_container: bool,
        download: Option<(String, String)>,
    ) {
        // One extension process at a time; a new one replaces a running one (scenario
        // files refuse this, generated timelines may not).
        if self.extension.is_some() {
            self.extension_exit();
        }
        let config = SessionConfig::background(session.clone());
        let outcome = self.daemon.connect_extension(&config, shared_container);
        self.record(
            Actor::Extension,
            What::ExtensionSession {
                session: session.clone(),
                outcome: outcome.clone(),
            },
        );
        let connected = outcome.is_ok();
        self.extension = Some(Extension {
            session: connected.then(|| session.clone()),
            destinations: BTreeMap::new(),
        });
        if connected {
            // ORD-7: what the daemon held for the identifier now goes to the extension.
            let held: Vec<DelegateEvent> = self
                .daemon
                .sessions
                .get_mut(&session)
                .map(|s| s.outbox.drain(..).collect())
                .unwrap_or_default();
            for ev in held {
                self.extension_receives(ev);
            }
        }
        if let Some((url, to)) = download {
            let task = match connected {
                true => self
                    .daemon
                    .create_task(&mut daemon_env!(self), &session, &url, None)
                    .ok(),
                false => None,
            };
            self.record(
                Actor::Extension,
                What::ExtensionDownload {
                    task: task.clone(),
                    url,
                    to: to.clone(),
                },
            );
            if let Some(key) = task {
                let description = format!("{EXTENSION_DESCRIPTION_PREFIX}{to}");
                self.daemon.describe(&key, &description);
                if let Some(x) = self.extension.as_mut() {
                    x.destinations.insert(key.clone(), to);
                }
                // An extension runs in front of the user: not discretionary (SCHED-2).
                self.daemon.resume_task(&mut daemon_env!(self), &key, true);
            }
        }
        self.route();
    }

    /// The extension process ends; its session is free again (ID-5).
    pub(super) fn extension_exit(&mut self) {
        let Some(x) = self.extension.take() else {
            return;
        };
        if let Some(session) = &x.session {
            self.daemon.disconnect_extension(session);
        }
        self.record(
            Actor::Extension,
            What::ExtensionExited { session: x.session },
        );
        self.route();
    }

    /// A delegate event of a session the extension holds. Progress is not recorded; a
    /// finished download of its own is moved to its destination inside the callback,
    /// before the daemon deletes the temporary file (FILE-1).
    pub(super) fn extension_receives(&mut self, ev: DelegateEvent) {
        if ev.is_progress() || matches!(ev, DelegateEvent::Invalidated { .. }) {
            return;
        }
        let callback = crate::app::callback_of(&ev);
        self.record(Actor::Extension, What::ExtensionGot(callback));
        if let DelegateEvent::Finished {
            task,
            location,
            status,
        } = &ev
        {
            let to = self
                .extension
                .as_ref()
                .and_then(|x| x.destinations.get(task))
                .cloned();
            if let Some(to) = to.filter(|_| (200..300).contains(status)) {
                if let Some((parent, _)) = to.rsplit_once('/') {
                    let _ = self.sandbox.create_dir_all(parent);
                }
                let _ = self.sandbox.remove_item(&to);
                let error = self
                    .sandbox
                    .move_item(location, &to)
                    .err()
                    .map(|e| e.to_string());
                self.record(
                    Actor::Extension,
                    What::ExtensionMoved {
                        task: task.clone(),
                        to,
                        error,
                    },
                );
            }
        }
        self.daemon.delivered(&mut daemon_env!(self), &ev);
    }
}
