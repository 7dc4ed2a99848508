//! ID-5 / ID-6: a second process, an app extension, connecting to background sessions.
//! Only one process may be connected to a session at a time: the one that holds it
//! receives its delegate events; a newcomer is refused with -996.

use super::Daemon;
use crate::app::{SessionConfig, UrlError};

impl Daemon {
    /// ID-5: whether an app extension holds `session`.
    pub fn held_by_extension(&self, session: &str) -> bool {
        self.sessions.get(session).is_some_and(|s| s.extension)
    }

    /// ID-5 / ID-6: the extension connects a session with `config`. Refused with -995
    /// without a shared container, with -996 while the app's process holds it. Otherwise
    /// the extension holds it, and the events held for it (ORD-7) now go to the extension:
    /// their count is returned, and the caller drains the outbox.
    pub fn connect_extension(
        &mut self,
        config: &SessionConfig,
        shared_container: bool,
    ) -> Result<usize, UrlError> {
        if !shared_container {
            return Err(UrlError::new(
                UrlError::BACKGROUND_SESSION_REQUIRES_SHARED_CONTAINER,
            ));
        }
        let s = self.session_entry(config);
        if s.connected {
            return Err(UrlError::new(
                UrlError::BACKGROUND_SESSION_IN_USE_BY_ANOTHER_PROCESS,
            ));
        }
        s.extension = true;
        s.wake_blocked = false;
        s.outbox
            .retain(|e| !matches!(e, super::DelegateEvent::Invalidated { .. }));
        Ok(s.outbox.len())
    }

    /// The extension process ended: its session is free again; events from now on wait for
    /// the next process that connects (ORD-7), or wake the app (LC-6).
    pub fn disconnect_extension(&mut self, session: &str) {
        if let Some(s) = self.sessions.get_mut(session) {
            s.extension = false;
        }
    }
}
