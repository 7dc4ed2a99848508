//! A download's life: its tasks, the file handed over, the outcome of each attempt, the
//! resume data kept between attempts, and the user's pause and resume (RES-2).

use super::store::Status;
use super::{
    extension_destination, holds_resume_data, keep_resume_data, keys_where, resume_path,
    take_resume_data, transfers, Bug, Core,
};
use super::{MAX_ATTEMPTS, PENDING_DIR, SESSION_ID};
use bgsim_simulator::app::{
    AppContext, AppState, AuthChallenge, AuthDisposition, CancelReason, ChallengeHandler,
    ResumeData, TaskInfo, TaskKey, UrlError,
};
use bgsim_simulator::sandbox::FsError;
use std::rc::Rc;

impl Core {
    pub(super) fn set_status(&mut self, ctx: &mut AppContext<'_>, key: &str, status: Status) {
        if let Some(d) = self.store.downloads.get_mut(key) {
            d.status = status;
            self.report(ctx, key, status.word());
        }
    }

    /// Starts a new task for `key`: from its stored resume data when there is some
    /// (RES-4, consumed: RES-5), else from scratch.
    /// While the session cannot take a task, the download waits as `queued`.
    pub(super) fn start_task(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        if self.session_busy() {
            return self.set_status(ctx, key, Status::Queued);
        }
        let Some(session) = self.session else {
            return;
        };
        let Some(d) = self.store.downloads.get(key) else {
            return;
        };
        let url = d.url.clone();
        let from_resume = take_resume_data(ctx, &self.unsaved_resume_data, key);
        let resumed = from_resume.is_some();
        let task = match from_resume {
            Some(data) => ctx.download_task_with_resume_data(session, &data),
            None if self.bug == Some(Bug::CompletionHandlerApi) => {
                ctx.download_task_with_completion_handler(session, &url)
            }
            None => ctx.download_task(session, &url),
        };
        let Ok(task) = task else {
            ctx.log(format!("could not create a task for {key}"));
            return;
        };
        ctx.set_task_description(&task, key);
        if self.bug == Some(Bug::DescriptionOverwritten) {
            // docs/bugs.md#id-02: the wrapper stamps its own tag over taskDescription and keeps
            // the app's key in its memory, which a relaunch empties.
            ctx.set_task_description(&task, "AFURLSessionManager 0x600003c1c000");
            self.wrapper_keys.insert(task.task_id, key.to_string());
        }
        if self.bug == Some(Bug::UnknownTaskCrashes) {
            self.created_here.insert(task.task_id);
        }
        if let Some(bytes) = self.settings.expects_to_receive_bytes {
            // SCHED-4: a best-guess upper bound helps the system schedule the transfer.
            let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
            ctx.set_count_of_bytes_client_expects_to_receive(&task, bytes);
        }
        if let Some(wait_s) = self.store.downloads.get(key).and_then(|d| d.retry_after_s) {
            let at = ctx.now() + std::time::Duration::from_secs(wait_s);
            ctx.set_earliest_begin_date(&task, at);
        }
        ctx.resume(&task);
        let d = self.store.downloads.get_mut(key).expect("checked above");
        // docs/bugs.md#rd-06: the mutant files a task under its request, which a task made
        // from resume data does not have: that task is never recorded.
        if !(resumed && self.bug == Some(Bug::ResumedTaskUntracked)) {
            d.task_id = Some(task.task_id);
        }
        d.attempts += 1;
        d.file_ready = false;
        d.http_status = None;
        d.retry_after_s = None;
        self.set_status(ctx, key, Status::Running);
        if resumed && self.bug == Some(Bug::ProgressResetOnResume) {
            // docs/bugs.md#pr-04: a new task, so the bar starts again from 0, although the
            // resume data keeps the bytes already written.
            ctx.report_progress(key, 0.0);
        }
    }

    /// The status of download `key`, if there is one.
    pub(super) fn status_of(&self, key: &str) -> Option<Status> {
        self.store.downloads.get(key).map(|d| d.status)
    }

    pub(super) fn key_of(&self, task: &TaskInfo) -> Option<String> {
        if self.bug == Some(Bug::MatchesByUrl) {
            // docs/bugs.md#id-01: the URL as the key; a redirect changes it (NET-7).
            return self.store.downloads.iter().find_map(|(k, d)| {
                (d.url == task.current_url && d.status == Status::Running).then(|| k.clone())
            });
        }
        let key = match self.bug {
            Some(Bug::DescriptionOverwritten) => self.wrapper_keys.get(&task.key.task_id)?,
            _ => task.task_description.as_deref()?,
        };
        let d = self.store.downloads.get(key)?;
        (d.task_id == Some(task.key.task_id)).then(|| key.to_string())
    }

    pub(super) fn finished(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, location: &str) {
        let crashes = self.bug == Some(Bug::UnknownTaskCrashes);
        if crashes && !self.created_here.contains(&task.key.task_id) && self.key_of(task).is_some()
        {
            // docs/bugs.md#lc-05: the file name comes from a map that only knows this
            // process's tasks; a task reattached after a relaunch finds nil there.
            panic!(
                "URLByAppendingPathComponent: nil file name for {}",
                task.key
            );
        }
        let Some(key) = self.key_of(task) else {
            self.finished_for_extension(ctx, task, location);
            return;
        };
        let status = task.response.as_ref().map_or(0, |r| r.status);
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        // docs/bugs.md#tf-03: the mutant never looks at the status.
        if !(200..300).contains(&status) && self.bug != Some(Bug::ErrorBodyKept) {
            d.http_status = Some(status);
            if matches!(status, 429 | 503) {
                // Delay-seconds, or an HTTP-date counted from the response's Date.
                d.retry_after_s = Some(transfers::retry_after(task));
            }
            self.save(ctx);
            return;
        }
        // RES-6: a resume whose kept bytes were lost can hand over only the rest. Never
        // keep a file shorter than the size announced; fetch it again, from byte 0.
        // An encoded body's announced length counts encoded bytes, not the file's.
        let encoded = task
            .response
            .as_ref()
            .is_some_and(|r| r.content_encoding.is_some());
        let expected = if encoded { -1 } else { task.bytes_expected };
        // docs/bugs.md#rd-02: the mutant takes whatever file it is handed.
        let checked = expected >= 0 && self.bug != Some(Bug::NoLengthCheck);
        let size = checked.then(|| ctx.file_size(location));
        if let Some(Ok(size)) = size.filter(|s| *s != Ok(expected as u64)) {
            ctx.log(format!(
                "{key}: file has {size} of {expected} bytes; discarded"
            ));
            let _ = ctx.remove_item(&resume_path(&key));
            self.unsaved_resume_data.borrow_mut().remove(&key);
            let d = self.store.downloads.get_mut(&key).expect("key_of found it");
            d.short_file_discarded = true;
            self.save(ctx);
            return;
        }
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        let destination = d.destination.clone();
        let staging = format!("{destination}.bgsim-partial");
        // docs/bugs.md#tf-05: the mutant assumes the destination's folder exists.
        let parent = destination.rsplit_once('/').map(|(p, _)| p);
        if let Some(parent) = parent.filter(|_| self.bug != Some(Bug::NoParentFolder)) {
            let _ = ctx.create_dir_all(parent);
        }
        if ctx.file_exists(&staging) {
            let _ = ctx.remove_item(&staging);
        }
        let moved = ctx
            .move_item(location, &staging)
            .and_then(|()| ctx.replace_item(&destination, &staging));
        let moved = match moved {
            // TF-06: Documents is closed while the device is locked. Keep the file where
            // the lock does not reach and finish the move later.
            // (docs/bugs.md#tf-06: the mutant takes the refusal as a failure.)
            Err(FsError::PermissionDenied) if self.bug != Some(Bug::NoStagingWhenLocked) => {
                let _ = ctx.create_dir_all(PENDING_DIR);
                let pending = format!("{PENDING_DIR}/{key}");
                ctx.move_item(location, &pending).map(|()| false)
            }
            other => other.map(|()| true),
        };
        if self.bug == Some(Bug::SlowWorkInCallback) && ctx.app_state() != AppState::Foreground {
            // docs/bugs.md#ch-04 (openradar 23478912): unzipping the file right here, in a
            // background wake, takes longer than the wake's budget.
            ctx.busy_for(std::time::Duration::from_secs(45));
        }
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        match moved {
            // docs/bugs.md#tf-01: the mutant calls the file ready whatever the move did.
            _ if self.bug == Some(Bug::MoveResultIgnored) => d.file_ready = true,
            Ok(true) => d.file_ready = true,
            Ok(false) => d.pending_move = true,
            // OS-4: no room for it now; the user will see it paused and fetched again.
            Err(FsError::NoSpace) => d.waiting_for_space = true,
            Err(e) => d.failure = Some(format!("could not move the file: {e}")),
        }
        self.save(ctx);
    }

    /// Moves files staged while the device was locked into place (TF-06).
    pub(super) fn finish_pending_moves(&mut self, ctx: &mut AppContext<'_>) {
        let pending = keys_where(&self.store.downloads, |_, d| d.pending_move);
        for key in pending {
            let d = &self.store.downloads[&key];
            let (from, to) = (format!("{PENDING_DIR}/{key}"), d.destination.clone());
            if let Some((parent, _)) = to.rsplit_once('/') {
                let _ = ctx.create_dir_all(parent);
            }
            if ctx.replace_item(&to, &from).is_ok() {
                let d = self.store.downloads.get_mut(&key).expect("listed above");
                d.pending_move = false;
                d.file_ready = true;
                self.set_status(ctx, &key, Status::Done);
                self.save(ctx);
            }
        }
    }

    /// OS-4: a transfer the app could not write down (no room for its record) would be
    /// forgotten by the next process while its task ran on: refuse it now, and say so.
    pub(super) fn refuse_if_unsaved(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        if self.saved(key) {
            return;
        }
        let forgotten = match self.store.downloads.remove(key) {
            Some(d) => Some((d.task_id, d.status == Status::Failed)),
            None => self.forget_transfer(ctx, key),
        };
        let Some((task_id, ended)) = forgotten else {
            return;
        };
        if ended {
            // Already shown failed (it could not even keep its file): nothing to forget.
            return self.save(ctx);
        }
        ctx.log(format!("{key}: no room to keep track of it; not transferring it"));
        if let (Some(session), Some(task_id)) = (self.session, task_id) {
            let session = ctx.session_identifier(session).to_string();
            ctx.cancel(&TaskKey { session, task_id });
        }
        self.save(ctx);
        self.report(ctx, key, Status::Failed.word());
    }

    /// OS-4: downloads whose file found no room are fetched again once the user is back
    /// (an app cannot see space come back; the user who freed it opens the app).
    pub(super) fn retry_waiting_for_space(&mut self, ctx: &mut AppContext<'_>) {
        let waiting = keys_where(&self.store.downloads, |_, d| d.waiting_for_space);
        for key in waiting {
            let d = self.store.downloads.get_mut(&key).expect("listed above");
            d.waiting_for_space = false;
            d.attempts = 0;
            self.start_task(ctx, &key);
        }
        self.save(ctx);
    }

    /// With [`Bug::OneAtATime`], the next queued download starts when one ends.
    fn start_next_queued(&mut self, ctx: &mut AppContext<'_>) {
        let running = self
            .store
            .downloads
            .values()
            .any(|d| d.status == Status::Running);
        let next = self
            .store
            .downloads
            .iter()
            .find(|(_, d)| d.status == Status::Queued)
            .map(|(k, _)| k.clone());
        if let (false, Some(key)) = (running, next) {
            self.start_task(ctx, &key);
        }
    }

    pub(super) fn completed(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        let resume_data = error.and_then(|e| e.resume_data.as_ref());
        if let (Some(_), Some(data)) = (extension_destination(task), resume_data) {
            return self.failed_for_extension(ctx, task, data);
        }
        if self.transfer_completed(ctx, task, error) {
            return;
        }
        self.settle(ctx, task, error);
        if self.bug == Some(Bug::OneAtATime) {
            self.start_next_queued(ctx);
            self.save(ctx);
        }
    }

    /// HTTP-4: answer with the credentials the app knows, once. A challenge with a previous
    /// failure means the server refused them: cancel (the task fails with -999) and mark
    /// the download failed, since the same credentials would only be refused again.
    pub(super) fn challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        challenge: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        let known = self.settings.credentials.as_deref();
        let answer = match known.and_then(|c| c.split_once(':')) {
            // No credentials: the 401 becomes the response and fails the download (HTTP-1).
            None => AuthDisposition::PerformDefaultHandling,
            Some((user, password)) if challenge.previous_failure_count == 0 => {
                AuthDisposition::UseCredential {
                    user: user.to_string(),
                    password: password.to_string(),
                }
            }
            Some(_) => {
                if let Some(key) = self.key_of(task) {
                    let d = self.store.downloads.get_mut(&key).expect("key_of found it");
                    d.auth_refused = true;
                    d.failure = Some("the server refused the credentials".into());
                    self.save(ctx);
                }
                AuthDisposition::CancelAuthenticationChallenge
            }
        };
        completion.call(ctx, answer);
    }

    fn settle(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, error: Option<&UrlError>) {
        let Some(key) = self.key_of(task) else {
            return;
        };
        let d = self.store.downloads.get_mut(&key).expect("key_of found it");
        d.task_id = None;
        if d.user_paused || d.status == Status::Cancelled {
            // The user stopped it (RES-2, INV-2): the -999 is the answer, not a failure.
            // Kept after a sign-out too: the next session discards it (RES-7).
            if let Some(data) = error.and_then(|e| e.resume_data.as_ref()) {
                keep_resume_data(ctx, &self.unsaved_resume_data, &key, data);
            }
            if std::mem::take(&mut d.resume_requested) {
                // The user resumed while the pause was under way: now there is resume data
                // to start from (RES-4), and no partial file is left unused in tmp/.
                d.user_paused = false;
                d.attempts = 0;
                self.start_task(ctx, &key);
            }
            self.save(ctx);
            return;
        }
        let cancelled = error.is_some_and(|e| e.code == UrlError::CANCELLED);
        if self.bug == Some(Bug::StaleRunningAfterKill) && cancelled {
            // docs/bugs.md#lc-02: every -999 taken for the app's own cancel, and the stored
            // status, running, trusted at the next launch (no reconciliation).
            self.save(ctx);
            return;
        }
        match error {
            None if d.file_ready => self.set_status(ctx, &key, Status::Done),
            // Finished, but waiting for the device to unlock to be put in place.
            None if d.pending_move => self.set_status(ctx, &key, Status::Paused),
            None if d.waiting_for_space => self.set_status(ctx, &key, Status::Paused),
            None if d.short_file_discarded && d.attempts < MAX_ATTEMPTS => {
                d.short_file_discarded = false;
                self.start_task(ctx, &key);
            }
            None if d.retry_after_s.is_some() && d.attempts < MAX_ATTEMPTS => {
                // The server is busy, not wrong: try again when it said to.
                self.start_task(ctx, &key);
            }
            None => {
                d.failure = Some(match d.http_status {
                    Some(s) => format!("HTTP {s}"),
                    None => d.failure.take().unwrap_or_else(|| "no file".into()),
                });
                self.set_status(ctx, &key, Status::Failed);
            }
            Some(e) => {
                if let Some(data) = &e.resume_data {
                    keep_resume_data(ctx, &self.unsaved_resume_data, &key, data);
                }
                if self.bug == Some(Bug::TimeoutNotSurfaced)
                    && e.code == UrlError::TIMED_OUT
                    && e.resume_data.is_some()
                {
                    // docs/bugs.md#nl-03: the -1001 is not surfaced: no state, no retry.
                    self.save(ctx);
                    return;
                }
                let force_quit = e.code == UrlError::CANCELLED
                    && e.cancel_reason == Some(CancelReason::UserForceQuitApplication);
                // These cannot heal by asking again: the URL or the server's redirects
                // are wrong (NET-7, NET-8).
                let permanent = [
                    UrlError::UNSUPPORTED_URL,
                    UrlError::HTTP_TOO_MANY_REDIRECTS,
                    UrlError::REDIRECT_TO_NON_EXISTENT_LOCATION,
                ]
                .contains(&e.code)
                    || d.auth_refused;
                let retry = d.attempts < MAX_ATTEMPTS && !permanent;
                if force_quit && self.bug == Some(Bug::ForceQuitAsFailure) {
                    // docs/bugs.md#lc-01: the force-quit's -999 read as a failure, and the
                    // resume data that came with it thrown away.
                    d.failure = Some(format!("error {e}"));
                    let _ = ctx.remove_item(&resume_path(&key));
                    self.set_status(ctx, &key, Status::Failed);
                } else if force_quit {
                    // KILL-3: not a failure. Pause, then carry on from the resume data.
                    self.set_status(ctx, &key, Status::Paused);
                    self.save(ctx);
                    self.start_task(ctx, &key);
                } else if retry
                    && self.bug == Some(Bug::BlipNotRescheduled)
                    && e.code == UrlError::NETWORK_CONNECTION_LOST
                {
                    // docs/bugs.md#nl-02: the retry waits for the next enqueue.
                    ctx.log(format!(
                        "{key}: connection lost; retrying with the next download"
                    ));
                } else if retry {
                    self.start_task(ctx, &key);
                } else {
                    if !d.auth_refused {
                        d.failure = Some(format!("error {e}"));
                    }
                    self.set_status(ctx, &key, Status::Failed);
                    if let Some(data) = &e.resume_data {
                        if self.bug == Some(Bug::ResumeDataLeaked) {
                            // docs/bugs.md#tf-09: only the app's own record goes; the
                            // partial file the data points to stays in tmp/.
                            let _ = ctx.remove_item(&resume_path(&key));
                        } else {
                            self.discard_resume_data(ctx, &key, data);
                        }
                    }
                }
            }
        }
        self.save(ctx);
    }

    /// Giving up on a download whose resume data keeps bytes in tmp/: a task made from the
    /// data and cancelled at once lets the daemon delete them (RES-7: the app cannot know
    /// where they are), so no partial file is left behind.
    /// While no task can be made, the data is kept for the next session to discard.
    fn discard_resume_data(&mut self, ctx: &mut AppContext<'_>, key: &str, data: &ResumeData) {
        let Some(session) = self.session.filter(|_| !self.session_busy()) else {
            return keep_resume_data(ctx, &self.unsaved_resume_data, key, data);
        };
        let _ = ctx.remove_item(&resume_path(key));
        self.unsaved_resume_data.borrow_mut().remove(key);
        if let Ok(task) = ctx.download_task_with_resume_data(session, data) {
            ctx.cancel(&task);
        }
    }

    /// INV-1 / INV-2: resume data of a download that was cancelled (a sign-out) or given
    /// up while the session was being invalidated could not be discarded then; with the
    /// new session it is, so its partial file leaves tmp/ (RES-7).
    pub(super) fn discard_leftover_resume_data(&mut self, ctx: &mut AppContext<'_>) {
        let unsaved = Rc::clone(&self.unsaved_resume_data);
        let leftover = keys_where(&self.store.downloads, |k, d| {
            matches!(d.status, Status::Cancelled | Status::Failed)
                && holds_resume_data(ctx, &unsaved, k)
        });
        for key in leftover {
            self.discard_stored_resume_data(ctx, &key);
        }
    }

    /// Discards the resume data stored for `key`, if there is some.
    pub(super) fn discard_stored_resume_data(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        let unsaved = self.unsaved_resume_data.borrow().get(key).cloned();
        let stored = || ctx.read_file(&resume_path(key)).ok().map(ResumeData::from_bytes);
        if let Some(data) = unsaved.or_else(stored) {
            self.discard_resume_data(ctx, key, &data);
        }
    }

    fn key_for_destination(&self, destination: &str) -> Option<String> {
        self.store
            .downloads
            .iter()
            .rev()
            .find(|(_, d)| d.destination == destination)
            .map(|(k, _)| k.clone())
    }

    /// RES-2: pause with `cancel(byProducingResumeData:)`, keeping the data to resume.
    pub(super) fn pause_download(&mut self, ctx: &mut AppContext<'_>, destination: &str) {
        let Some(key) = self.key_for_destination(destination) else {
            return;
        };
        let d = self.store.downloads.get_mut(&key).expect("found above");
        let Some(task_id) = d.task_id.filter(|_| d.status == Status::Running) else {
            return;
        };
        d.user_paused = true;
        self.set_status(ctx, &key, Status::Paused);
        self.save(ctx);
        let task = TaskKey {
            session: SESSION_ID.to_string(),
            task_id,
        };
        let unsaved = Rc::clone(&self.unsaved_resume_data);
        ctx.cancel_producing_resume_data(&task, move |ctx, data| match data {
            Some(data) => keep_resume_data(ctx, &unsaved, &key, &data),
            None => ctx.log(format!("{key}: not resumable; it will start over")),
        });
    }

    /// RES-4 / RES-5: a new task from the stored resume data (consumed), or from scratch.
    pub(super) fn resume_paused(&mut self, ctx: &mut AppContext<'_>, destination: &str) {
        let Some(key) = self.key_for_destination(destination) else {
            return;
        };
        let d = self.store.downloads.get_mut(&key).expect("found above");
        if !d.user_paused {
            return;
        }
        if self.bug == Some(Bug::PausedWithoutResumeData)
            && !holds_resume_data(ctx, &self.unsaved_resume_data, &key)
        {
            // docs/bugs.md#rd-01: the pause gave no resume data, and the mutant has nothing to
            // resume from; the download stays paused for good.
            ctx.log(format!("{key}: no resume data; cannot resume"));
            return;
        }
        if d.task_id.is_some() {
            // RES-2: the pause's cancel has not completed, so its resume data is not here
            // yet. Starting from scratch now would leave that data, and the partial file it
            // keeps in tmp/, unused: resume once the -999 arrives.
            d.resume_requested = true;
            ctx.log(format!("{key}: resumes once its pause is done"));
            self.save(ctx);
            return;
        }
        d.user_paused = false;
        d.attempts = 0;
        self.start_task(ctx, &key);
        self.save(ctx);
    }
}
