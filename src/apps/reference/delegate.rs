//! The session delegate: each callback handed to the store's owner, `Core`.

use super::session::open_session;
use super::store::{record_path, Status};
use super::{Bug, Core, SESSION_ID};
use bgsim_simulator::app::{
    AppContext, AuthChallenge, ChallengeHandler, Queue, TaskInfo, UrlError,
};
use bgsim_simulator::DownloadDelegate;
use std::cell::RefCell;
use std::rc::Rc;

pub(super) struct Delegate {
    pub(super) core: Rc<RefCell<Core>>,
}

impl DownloadDelegate for Delegate {
    fn did_write_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        let Some(key) = self.core.borrow().key_of(task) else {
            return;
        };
        // PROG-1: a report already on its way when the user cancelled (sign-out) still
        // arrives; the download has ended for the user, so it shows no more progress.
        if self.core.borrow().status_of(&key) == Some(Status::Cancelled) {
            return;
        }
        if self.core.borrow().bug == Some(Bug::DividesByUnknownLength) {
            // docs/bugs.md#pr-01: divides by -1 when the length is unknown (PROG-2).
            return ctx.report_progress(&key, total as f64 / expected as f64);
        }
        // PROG-2: with an unknown length (-1) the bar is indeterminate, not a fraction.
        if expected > 0 {
            let fraction = (total as f64 / expected as f64).min(1.0);
            if self.core.borrow().bug == Some(Bug::ProgressOnMainQueue) {
                // docs/bugs.md#cc-02: progress goes to the main queue, the status stays on the
                // delegate queue, so the two arrive in a different order than they happened.
                let show = move |ctx: &mut AppContext<'_>| ctx.report_progress(&key, fraction);
                return ctx.dispatch(Queue::Main, "show progress", show);
            }
            ctx.report_progress(&key, fraction);
            if self.core.borrow().bug == Some(Bug::StoreWrittenFromTwoQueues) {
                // docs/bugs.md#cc-01: progress is persisted from the main queue, from a copy
                // of the download's record taken now; a status saved meanwhile from the
                // delegate queue is overwritten by this older copy.
                let core = self.core.borrow();
                let stale = core.store.record_bytes(&key).expect("key_of found it");
                let path = record_path(core.store_dir(), &key);
                let save = move |ctx: &mut AppContext<'_>| {
                    let _ = ctx.write_file(&path, &stale);
                };
                ctx.dispatch(Queue::Main, "save progress", save);
            }
        }
    }

    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let ok = task
            .response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status));
        if ok && self.core.borrow().bug == Some(Bug::AsyncMove) {
            // docs/bugs.md#tf-02: the mutant moves the file from a later block on the main
            // queue; by then iOS has deleted it, and the download fails for want of a file.
            let to = {
                let core = self.core.borrow();
                core.key_of(task)
                    .map(|k| core.store.downloads[&k].destination.clone())
            };
            let location = location.to_string();
            ctx.dispatch(Queue::Main, "move the file", move |ctx| {
                if let Some(Err(e)) = to.map(|to| ctx.move_item(&location, &to)) {
                    ctx.log(format!("could not move the file: {e}"));
                }
            });
            return;
        }
        self.core.borrow_mut().finished(ctx, task, location);
    }

    fn did_send_body_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        self.core
            .borrow_mut()
            .upload_progress(ctx, task, total, expected);
    }

    fn did_receive_data(&mut self, _: &mut AppContext<'_>, task: &TaskInfo, data: &[u8]) {
        self.core.borrow_mut().received(task, data);
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        self.core.borrow_mut().completed(ctx, task, error);
        if self.core.borrow().bug == Some(Bug::HandlerFromDidComplete) && task.key.session == SESSION_ID {
            // The mutant's assumption: by the time main runs, didFinishEvents has come.
            let core = Rc::clone(&self.core);
            let session = task.key.session.clone();
            ctx.dispatch(Queue::Main, "call the completion handler", move |ctx| {
                let handler = core.borrow_mut().handlers.remove(&session);
                if let Some(handler) = handler {
                    handler.call(ctx);
                }
            });
        }
    }

    /// ID-5: -996 means an app extension holds the identifier. Making the session again
    /// now would only be refused again: note it; downloads wait in `queued`, and the
    /// session is made again at the next foreground, wake or launch.
    fn did_become_invalid_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        session: &str,
        error: Option<&UrlError>,
    ) {
        let in_use =
            error.is_some_and(|e| e.code == UrlError::BACKGROUND_SESSION_IN_USE_BY_ANOTHER_PROCESS);
        if !in_use {
            return self.did_become_invalid(ctx, session);
        }
        ctx.log(format!(
            "session {session} is in use by another process; downloads wait for it"
        ));
        let mut core = self.core.borrow_mut();
        if session == SESSION_ID {
            core.refused = true;
            core.recovering = false;
            core.session = None;
        } else {
            core.foreign_sessions.remove(session);
        }
    }

    /// The old session is gone (INV-1, INV-2). iOS releases it once this callback
    /// returns, and only then may a session with its identifier be made again (ID-4): so
    /// the new one is made on the main queue, after; downloads tapped meanwhile start in it.
    /// An invalidated session sends no `didFinishEvents`: a wake's handler still held for
    /// it is called here, its events being all delivered (CH-1).
    fn did_become_invalid(&mut self, ctx: &mut AppContext<'_>, session: &str) {
        let core = Rc::clone(&self.core);
        let session = session.to_string();
        ctx.dispatch(Queue::Main, "open a new session", move |ctx| {
            let handler = core.borrow_mut().handlers.remove(&session);
            if let Some(handler) = handler {
                handler.call(ctx);
            }
            let settings = core.borrow().settings.clone();
            let session = open_session(ctx, &core, &settings);
            let mut c = core.borrow_mut();
            c.session = Some(session);
            c.invalidating = false;
            c.discard_leftover_resume_data(ctx);
            c.start_queued(ctx);
            c.save(ctx);
        });
    }

    fn did_receive_challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        challenge: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        self.core
            .borrow_mut()
            .challenge(ctx, task, challenge, completion);
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, session: &str) {
        if self.core.borrow().bug == Some(Bug::HandlerOnDelegateQueue) {
            // docs/bugs.md#ch-03: called right here, on the delegate queue.
            let handler = self.core.borrow_mut().handlers.remove(session);
            if let Some(handler) = handler {
                handler.call(ctx);
            }
            return;
        }
        let core = Rc::clone(&self.core);
        let session = session.to_string();
        let main_session = self.core.borrow().session.filter(|_| session == SESSION_ID);
        if let (Some(handle), Some(Bug::HandlerWhenNoTasksLeft)) = (main_session, self.core.borrow().bug) {
            // The mutant's assumption: the wake came because nothing is left to do.
            return ctx.get_all_tasks(handle, move |ctx, tasks| {
                if !tasks.is_empty() {
                    return;
                }
                ctx.dispatch(Queue::Main, "call the completion handler", move |ctx| {
                    let handler = core.borrow_mut().handlers.remove(&session);
                    if let Some(handler) = handler {
                        handler.call(ctx);
                    }
                });
            });
        }
        ctx.dispatch(Queue::Main, "call the completion handler", move |ctx| {
            let handler = core.borrow_mut().handlers.remove(&session);
            if let Some(handler) = handler {
                handler.call(ctx);
            }
        });
    }
}
