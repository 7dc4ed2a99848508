//! The user's requests that reach the app's UI besides downloads: uploads (API-1), fetches
//! (API-4), pausing and resuming a transfer (API-7).

use super::Simulation;
use crate::action::Action;
use crate::content::{keystream, memo};
use crate::trace::Callback;

impl Simulation {
    /// Hands an upload, fetch, pause or resume request to the app (in the foreground).
    pub(super) fn user_transfer_action(&mut self, action: Action) {
        match action {
            Action::Upload {
                url,
                size_bytes,
                seed,
            } => {
                let len = usize::try_from(size_bytes).expect("an upload fits in memory");
                let content = keystream(seed, len);
                let callback = Callback::UserTappedUpload {
                    url: url.clone(),
                    size: size_bytes,
                    fnv1a64: memo::fnv1a64_shared(&content),
                };
                self.with_app(callback, |app, ctx| {
                    app.user_tapped_upload(ctx, &url, &content)
                });
            }
            Action::Fetch { url, destination } => {
                let callback = Callback::UserTappedFetch {
                    url: url.clone(),
                    destination: destination.clone(),
                };
                self.with_app(callback, |app, ctx| {
                    app.user_tapped_fetch(ctx, &url, &destination)
                });
            }
            Action::SuspendTask { url } => {
                let callback = Callback::UserTappedSuspendTask { url: url.clone() };
                self.with_app(callback, |app, ctx| app.user_tapped_suspend_task(ctx, &url));
            }
            Action::ResumeTask { url } => {
                let callback = Callback::UserTappedResumeTask { url: url.clone() };
                self.with_app(callback, |app, ctx| app.user_tapped_resume_task(ctx, &url));
            }
            _ => {}
        }
    }
}
