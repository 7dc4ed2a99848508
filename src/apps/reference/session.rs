//! The session: made at every launch (LC-4), reconciled with the store (TID-4), made again
//! after an app extension held it (ID-5), stopped at the user's word (INV-1, INV-2), and
//! the sessions of an extension the system wakes the app for (LC-3).

use super::delegate::Delegate;
use super::store::Status;
use super::{extension_destination, keys_where, Bug, Core, SessionSettings, SESSION_ID};
use bgsim_simulator::app::{
    AppContext, AppState, ResumeData, SessionConfig, SessionHandle, TaskInfo,
};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

impl Core {
    /// LC-2 / LC-5 / TID-4: make the store and the daemon agree after a launch.
    pub(super) fn reconcile(&mut self, ctx: &mut AppContext<'_>, tasks: Vec<TaskInfo>) {
        if self.refused {
            // ID-5: the session was refused; its tasks are not ours to see until it is
            // made again.
            return;
        }
        let mut claimed = BTreeSet::new();
        for t in &tasks {
            let ours = t.task_description.as_deref().and_then(|k| {
                let d = self.store.downloads.get(k)?;
                (d.status == Status::Running && d.task_id == Some(t.key.task_id)).then_some(k)
            });
            match ours {
                Some(k) => {
                    claimed.insert(k.to_string());
                }
                // An upload, a fetch or a paused download of ours (transfers.rs).
                None if self.claims(t) => {}
                // ID-5: an app extension's download left in our session: it finishes here.
                None if extension_destination(t).is_some() => {}
                // A task nobody tracks would be a duplicate transfer: cancel it.
                None if t.state != bgsim_simulator::app::TaskState::Completed => ctx.cancel(&t.key),
                None => {}
            }
        }
        // docs/bugs.md#lc-02: with the bug, the stored status is trusted over the daemon.
        let trusting = self.bug == Some(Bug::StaleRunningAfterKill);
        let lost = keys_where(&self.store.downloads, |k, d| {
            d.status == Status::Running && !claimed.contains(k) && !trusting
        });
        for key in lost {
            ctx.log(format!("{key}: its task is gone; starting it again"));
            self.start_task(ctx, &key);
        }
        // A pause whose cancel completed in a process that could not write it down: the
        // task is gone, so a resume need not wait for it.
        let alive: BTreeSet<u64> = tasks.iter().map(|t| t.key.task_id).collect();
        let settled = keys_where(&self.store.downloads, |_, d| {
            d.user_paused && d.task_id.is_some_and(|id| !alive.contains(&id))
        });
        for key in settled {
            (self.store.downloads.get_mut(&key).expect("listed above")).task_id = None;
        }
        self.reconcile_transfers(ctx, &tasks);
        if ctx.app_state() == AppState::Foreground {
            self.retry_waiting_for_space(ctx);
        }
        // Work queued for a session now gone (refused, or invalidated before the app was
        // killed) starts in this one; the NL-05 mutant drains its own queue.
        if std::mem::take(&mut self.recovering) || self.bug != Some(Bug::OneAtATime) {
            self.start_queued(ctx);
        }
        if !self.session_busy() {
            self.discard_leftover_resume_data(ctx);
        }
        self.save(ctx);
    }

    /// ID-5: makes the session again after a -996, then reconciles; the refusal, if the
    /// extension still holds it, arrives before the reconciliation on the delegate queue.
    pub(super) fn reopen_if_refused(&mut self, ctx: &mut AppContext<'_>, core: &Rc<RefCell<Core>>) {
        if !self.refused {
            return;
        }
        self.refused = false;
        self.recovering = true;
        let settings = self.settings.clone();
        let session = open_session(ctx, core, &settings);
        self.session = Some(session);
        let core = Rc::clone(core);
        ctx.get_all_tasks(session, move |ctx, tasks| {
            core.borrow_mut().reconcile(ctx, tasks)
        });
    }

    /// LC-3: the system woke the app for `identifier`, not the app's own session (an app
    /// extension's): connect it so its events come, and the handler is called after them.
    pub(super) fn open_foreign(
        &mut self,
        ctx: &mut AppContext<'_>,
        core: &Rc<RefCell<Core>>,
        id: &str,
    ) {
        if id == SESSION_ID || self.foreign_sessions.contains_key(id) {
            return;
        }
        let delegate = Rc::new(RefCell::new(Delegate {
            core: Rc::clone(core),
        }));
        let config = self.settings.apply(SessionConfig::background(id));
        let session = ctx.create_background_session(config, delegate);
        self.foreign_sessions.insert(id.to_string(), session);
    }

    /// ID-5: a download an app extension started and this process inherited: the file
    /// goes where the extension meant.
    pub(super) fn finished_for_extension(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let Some(to) = extension_destination(task) else {
            ctx.log(format!(
                "{}: not ours; its file is left to the system",
                task.key
            ));
            return;
        };
        let status = task.response.as_ref().map_or(0, |r| r.status);
        if !(200..300).contains(&status) {
            ctx.log(format!(
                "{}: the extension's download got HTTP {status}",
                task.key
            ));
            return;
        }
        if let Some((parent, _)) = to.rsplit_once('/') {
            let _ = ctx.create_dir_all(parent);
        }
        let staging = format!("{to}.bgsim-partial");
        let _ = ctx.remove_item(&staging);
        if let Err(e) = ctx
            .move_item(location, &staging)
            .and_then(|()| ctx.replace_item(to, &staging))
        {
            ctx.log(format!(
                "{}: could not place the extension's file: {e}",
                task.key
            ));
        }
    }

    /// ID-5: an inherited extension download failed with resume data. Its retries are the
    /// extension's business; the data is discarded, in the session it came in, so its
    /// partial file does not stay in tmp/ (RES-7).
    pub(super) fn failed_for_extension(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        data: &ResumeData,
    ) {
        ctx.log(format!("{}: the extension's download failed", task.key));
        let Some(&session) = self.foreign_sessions.get(&task.key.session) else {
            return;
        };
        if let Ok(next) = ctx.download_task_with_resume_data(session, data) {
            ctx.cancel(&next);
        }
    }

    /// INV-1 / INV-2: stop the session, now (cancelling everything) or once its tasks are
    /// done. New downloads wait for did-become-invalid, then get a new session.
    pub(super) fn stop_session(&mut self, ctx: &mut AppContext<'_>, cancel: bool) {
        let Some(session) = self.session.filter(|_| !self.invalidating) else {
            return;
        };
        if cancel {
            // A finished file waiting for the unlock to be moved is kept (TF-06).
            let open = keys_where(&self.store.downloads, |_, d| {
                !matches!(d.status, Status::Done | Status::Failed | Status::Cancelled)
                    && !d.pending_move
            });
            for key in open {
                // RES-7: the data goes with the partial file it keeps in tmp/, while the
                // session can still take the task that discards it.
                self.discard_stored_resume_data(ctx, &key);
                let d = self.store.downloads.get_mut(&key).expect("listed above");
                d.user_paused = false;
                self.set_status(ctx, &key, Status::Cancelled);
            }
        }
        self.invalidating = true;
        self.save(ctx);
        ctx.invalidate(session, cancel);
    }

    /// Whether a task made now would be refused: the session is being invalidated
    /// (INV-1, INV-2; with the LC-08 bug it is used all the same) or an extension holds it
    /// (ID-5). New work waits as `queued` until the session is made again.
    pub(super) fn session_busy(&self) -> bool {
        self.invalidating && self.bug != Some(Bug::TaskOnInvalidatedSession) || self.refused
    }

    /// Starts the downloads and uploads that waited for a session.
    pub(super) fn start_queued(&mut self, ctx: &mut AppContext<'_>) {
        for key in keys_where(&self.store.downloads, |_, d| d.status == Status::Queued) {
            self.start_task(ctx, &key);
        }
        self.start_queued_uploads(ctx);
    }
}

pub(super) fn open_session(
    ctx: &mut AppContext<'_>,
    core: &Rc<RefCell<Core>>,
    settings: &SessionSettings,
) -> SessionHandle {
    let delegate = Rc::new(RefCell::new(Delegate {
        core: Rc::clone(core),
    }));
    // ID-7: the same configuration at every launch; the session copies it.
    let config = settings.apply(SessionConfig::background(SESSION_ID));
    ctx.create_background_session(config, delegate)
}
