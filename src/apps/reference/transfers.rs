//! The reference app's uploads, fetches, and pause and resume.
//!
//! **Uploads** (API-1). The user's bytes are written to a file in Application Support
//! (never `tmp/`, which iOS may purge), then uploaded from that file by a task whose
//! `taskDescription` is the upload's key (TID-3), persisted like a download. The response
//! is judged by its status (HTTP-1): a 2xx is done, and only then is the file deleted; a
//! 503 or 429 is retried no sooner than its Retry-After (SCHED-3), another 5xx or a
//! transport error is retried (each retry is a new task that sends the whole file again,
//! NET-2), a 4xx fails and keeps the file. The server's reply arrives through
//! didReceiveData (HTTP-3) and is logged. A force-quit's -999 (KILL-3) pauses the upload
//! and starts it again, as there is no upload resume data before iOS 17 (RES-8).
//!
//! **Fetches** (API-4). A small resource the user asks for while the app is in the
//! foreground is fetched with a data task: quick, and no file to move. A data task lives
//! only as long as the app runs, so (Apple's advice) when the app leaves the foreground
//! every fetch still running becomes a download task, which the daemon finishes and
//! delivers with a background wake; and a fetch whose data task died anyway (-997: the
//! app crashed, or was suspended before it heard it was leaving) becomes a download task
//! when the app hears of it. A fetch turned download is a download like the others, under
//! the same key, so its file is moved inside didFinishDownloadingTo (FILE-1) and checked.
//!
//! **Pause and resume** (API-7). Pausing suspends the task: no traffic, no timers. A
//! download resumes where it was; an upload starts over. A paused task stays in the
//! daemon across a crash (KILL-7) and is reclaimed at launch; a force-quit cancels it
//! (-999, with resume data for a download), and it then stays paused until the user
//! resumes it.

use super::store::AfterSave;
use super::{keys_where, Bug, Core, Download, Status, MAX_ATTEMPTS};
use bgsim_simulator::app::{
    AppContext, AppState, CancelReason, TaskInfo, TaskState, UploadMethod, UrlError,
};
use serde::{Deserialize, Serialize};

/// Where the files of uploads wait until the server has them.
pub(super) const UPLOAD_DIR: &str = "Library/Application Support/uploads";

/// One upload: the user's bytes, in a file, on their way to `url`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Upload {
    url: String,
    /// The file the task uploads (the app's own copy of the user's bytes).
    file: String,
    status: Status,
    task_id: Option<u64>,
    attempts: u32,
    /// The last response's status.
    http_status: Option<u16>,
    /// Seconds the server asked to wait before retrying (503/429 Retry-After).
    retry_after_s: Option<u64>,
    /// Why it failed, in words.
    failure: Option<String>,
    /// Paused by the user (API-7), not by the system.
    user_paused: bool,
}

/// One fetch of a small resource, while its data task runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Fetch {
    url: String,
    destination: String,
    task_id: Option<u64>,
}

fn upload_file(key: &str) -> String {
    format!("{UPLOAD_DIR}/{key}.bin")
}

/// A reply as one short line of a log: whitespace runs become one space, and at most 120
/// characters are kept.
fn one_line(reply: &[u8]) -> String {
    let text = String::from_utf8_lossy(reply);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(120) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line,
    }
}

/// How many seconds a 429 or 503 asks to wait (RFC 9110 §10.2.3): delay-seconds, or an
/// HTTP-date counted from the response's own `Date` (the server's clock, not the phone's,
/// which may disagree with it). A minute when there is no usable value.
pub(super) fn retry_after(task: &TaskInfo) -> u64 {
    const FALLBACK_S: u64 = 60;
    let Some(response) = task.response.as_ref() else {
        return FALLBACK_S;
    };
    let Some(value) = response.retry_after.as_deref().map(str::trim) else {
        return FALLBACK_S;
    };
    if let Ok(seconds) = value.parse() {
        return seconds;
    }
    let date = |v: &str| httpdate::parse_http_date(v.trim()).ok();
    match (date(value), response.date.as_deref().and_then(date)) {
        // A date at or before the response's Date: retry at once.
        (Some(at), Some(now)) => at.duration_since(now).map_or(0, |d| d.as_secs()),
        _ => FALLBACK_S,
    }
}

impl Core {
    /// The user picked `content` to upload to `url`.
    /// The user's upload of `content` to `url`; returns its key.
    pub(super) fn new_upload(
        &mut self,
        ctx: &mut AppContext<'_>,
        url: &str,
        content: &[u8],
    ) -> String {
        let key = self.store.new_key("u");
        let file = upload_file(&key);
        let _ = ctx.create_dir_all(UPLOAD_DIR);
        let written = ctx.write_file(&file, content);
        self.store.uploads.insert(
            key.clone(),
            Upload {
                url: url.to_string(),
                file,
                status: Status::Running,
                task_id: None,
                attempts: 0,
                http_status: None,
                retry_after_s: None,
                failure: None,
                user_paused: false,
            },
        );
        // Reported first here, in the user's request, so bgsim ties the key to it.
        self.set_upload_status(ctx, &key, Status::Running);
        match written {
            Ok(()) => self.start_upload(ctx, &key),
            Err(e) => self.fail_upload(ctx, &key, format!("could not keep the file: {e}")),
        }
        self.save(ctx);
        key
    }

    /// Drops the record of upload or fetch `key` (and an upload's copy of its file): its
    /// task, and whether it had already failed.
    pub(super) fn forget_transfer(
        &mut self,
        ctx: &mut AppContext<'_>,
        key: &str,
    ) -> Option<(Option<u64>, bool)> {
        if let Some(f) = self.store.fetches.remove(key) {
            return Some((f.task_id, false));
        }
        let u = self.store.uploads.remove(key)?;
        let _ = ctx.remove_item(&u.file);
        Some((u.task_id, u.status == Status::Failed))
    }

    fn set_upload_status(&mut self, ctx: &mut AppContext<'_>, key: &str, status: Status) {
        if let Some(u) = self.store.uploads.get_mut(key) {
            u.status = status;
            self.report(ctx, key, status.word());
        }
    }

    fn fail_upload(&mut self, ctx: &mut AppContext<'_>, key: &str, why: String) {
        if let Some(u) = self.store.uploads.get_mut(key) {
            u.task_id = None;
            u.failure = Some(why);
        }
        self.set_upload_status(ctx, key, Status::Failed);
    }

    /// A new task for upload `key`, from its file.
    fn start_upload(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        if self.session_busy() {
            // INV-1 / ID-5: a task made now would raise; it starts with the next session.
            return self.set_upload_status(ctx, key, Status::Queued);
        }
        let Some(session) = self.session else {
            return;
        };
        let Some(u) = self.store.uploads.get(key) else {
            return;
        };
        let (url, file) = (u.url.clone(), u.file.clone());
        let task = if self.bug == Some(Bug::StreamedUpload) {
            // The mutant streams the bytes rather than hand the daemon a file (API-6).
            match ctx.read_file(&file) {
                Ok(bytes) => {
                    ctx.upload_task_with_streamed_request(session, &url, UploadMethod::Put, &bytes)
                }
                Err(e) => return self.fail_upload(ctx, key, format!("no file: {e}")),
            }
        } else {
            ctx.upload_task_from_file(session, &url, UploadMethod::Put, &file)
        };
        let Ok(task) = task else {
            ctx.log(format!("could not create a task for {key}"));
            return;
        };
        ctx.set_task_description(&task, key);
        let u = self.store.uploads.get_mut(key).expect("checked above");
        if let Some(wait_s) = u.retry_after_s.take() {
            let at = ctx.now() + std::time::Duration::from_secs(wait_s);
            ctx.set_earliest_begin_date(&task, at);
        }
        ctx.resume(&task);
        u.task_id = Some(task.task_id);
        u.attempts += 1;
        u.http_status = None;
        u.user_paused = false;
        if u.status != Status::Running {
            self.set_upload_status(ctx, key, Status::Running);
        }
    }

    /// Starts the uploads that waited for a session.
    pub(super) fn start_queued_uploads(&mut self, ctx: &mut AppContext<'_>) {
        for key in keys_where(&self.store.uploads, |_, u| u.status == Status::Queued) {
            self.start_upload(ctx, &key);
        }
    }

    /// The key of the upload `task` works for, if it is the upload's current task.
    fn upload_of(&self, task: &TaskInfo) -> Option<String> {
        let key = task.task_description.as_deref()?;
        let u = self.store.uploads.get(key)?;
        (u.task_id == Some(task.key.task_id)).then(|| key.to_string())
    }

    /// The key of the fetch `task` works for, if it is the fetch's current data task.
    fn fetch_of(&self, task: &TaskInfo) -> Option<String> {
        let key = task.task_description.as_deref()?;
        let f = self.store.fetches.get(key)?;
        (f.task_id == Some(task.key.task_id)).then(|| key.to_string())
    }

    /// PROG-3: the upload's progress, against the file's length.
    pub(super) fn upload_progress(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        total: u64,
        expected: i64,
    ) {
        if let (Some(key), true) = (self.upload_of(task), expected > 0) {
            ctx.report_progress(&key, (total as f64 / expected as f64).min(1.0));
        }
    }

    /// HTTP-3 / API-4: response bytes, kept in memory until the task completes.
    pub(super) fn received(&mut self, task: &TaskInfo, data: &[u8]) {
        if let Some(key) = self.upload_of(task).or_else(|| self.fetch_of(task)) {
            self.buffers.entry(key).or_default().extend_from_slice(data);
        }
    }

    /// did-complete-with-error for an upload or a fetch; false when `task` is neither.
    pub(super) fn transfer_completed(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) -> bool {
        if let Some(key) = self.upload_of(task) {
            self.upload_completed(ctx, &key, task, error);
        } else if let Some(key) = self.fetch_of(task) {
            self.fetch_completed(ctx, &key, task, error);
        } else {
            return false;
        }
        self.save(ctx);
        true
    }

    fn upload_completed(
        &mut self,
        ctx: &mut AppContext<'_>,
        key: &str,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        let reply = self.buffers.remove(key).unwrap_or_default();
        let u = self.store.uploads.get_mut(key).expect("upload_of found it");
        u.task_id = None;
        let retry = u.attempts < MAX_ATTEMPTS;
        match error {
            None => {
                // HTTP-1: the status decides, not the error.
                let status = task.response.as_ref().map_or(0, |r| r.status);
                u.http_status = Some(status);
                ctx.log(format!(
                    "{key}: the server answered {status}: {}",
                    one_line(&reply)
                ));
                if (200..300).contains(&status) {
                    // Kept until the record says done: a relaunch that finds it still
                    // running uploads it again rather than fail for want of the file.
                    let path = u.file.clone();
                    let key = key.to_string();
                    self.set_upload_status(ctx, &key, Status::Done);
                    self.when_saved(AfterSave::Remove { key, path });
                } else if (500..600).contains(&status) || status == 429 {
                    if matches!(status, 429 | 503) {
                        u.retry_after_s = Some(retry_after(task));
                    }
                    if retry {
                        self.start_upload(ctx, key);
                    } else {
                        self.fail_upload(ctx, key, format!("HTTP {status}"));
                    }
                } else {
                    self.fail_upload(ctx, key, format!("HTTP {status}"));
                }
            }
            Some(e) if e.code == UrlError::FILE_DOES_NOT_EXIST => {
                self.fail_upload(ctx, key, "the file is gone".into());
            }
            Some(e)
                if e.code == UrlError::CANCELLED
                    && e.cancel_reason == Some(CancelReason::UserForceQuitApplication) =>
            {
                // KILL-3: not a failure. An upload has no resume data: it starts over,
                // unless the user had paused it.
                let user_paused = u.user_paused;
                self.set_upload_status(ctx, key, Status::Paused);
                if !user_paused {
                    self.start_upload(ctx, key);
                }
            }
            Some(e) if retry => {
                ctx.log(format!("{key}: {e}; trying again"));
                self.start_upload(ctx, key);
            }
            Some(e) => self.fail_upload(ctx, key, format!("error {e}")),
        }
    }

    /// The user asked for `url`, to keep at `destination`; returns the fetch's key.
    pub(super) fn new_fetch(
        &mut self,
        ctx: &mut AppContext<'_>,
        url: &str,
        destination: &str,
    ) -> String {
        let key = self.store.new_key("f");
        self.store.fetches.insert(
            key.clone(),
            Fetch {
                url: url.to_string(),
                destination: destination.to_string(),
                task_id: None,
            },
        );
        // Reported first here, in the user's request, so bgsim ties the key to it.
        ctx.report_download_state(&key, "running");
        let data_task = (self.session)
            .filter(|_| ctx.app_state() == AppState::Foreground && !self.session_busy())
            .map(|s| ctx.data_task(s, url));
        match data_task {
            Some(Ok(task)) => {
                ctx.set_task_description(&task, &key);
                ctx.resume(&task);
                self.store.fetches.get_mut(&key).expect("inserted").task_id = Some(task.task_id);
            }
            // Not in the foreground (or no data task): a download task from the start.
            _ => self.fetch_by_download(ctx, &key),
        }
        self.save(ctx);
        key
    }

    /// API-4: the fetch becomes a download under the same key, which the daemon runs
    /// whatever the app does.
    fn fetch_by_download(&mut self, ctx: &mut AppContext<'_>, key: &str) {
        let Some(f) = self.store.fetches.remove(key) else {
            return;
        };
        self.buffers.remove(key);
        self.store
            .downloads
            .insert(key.to_string(), Download::new(f.url, f.destination));
        self.start_task(ctx, key);
    }

    fn fetch_completed(
        &mut self,
        ctx: &mut AppContext<'_>,
        key: &str,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        let data = self.buffers.remove(key).unwrap_or_default();
        let status = task.response.as_ref().map_or(0, |r| r.status);
        match error {
            None if (200..300).contains(&status) => {
                let f = self.store.fetches.remove(key).expect("fetch_of found it");
                let staging = format!("{}.bgsim-partial", f.destination);
                if let Some((parent, _)) = f.destination.rsplit_once('/') {
                    let _ = ctx.create_dir_all(parent);
                }
                let kept = ctx
                    .write_file(&staging, &data)
                    .and_then(|()| ctx.replace_item(&f.destination, &staging));
                let state = match kept {
                    Ok(()) => "done",
                    Err(e) => {
                        ctx.log(format!("{key}: could not keep it: {e}"));
                        let _ = ctx.remove_item(&staging);
                        "failed"
                    }
                };
                self.report(ctx, key, state);
            }
            None => {
                self.store.fetches.remove(key);
                ctx.log(format!("{key}: HTTP {status}"));
                self.report(ctx, key, "failed");
            }
            // API-4: the data task died with the process's connection (or the network);
            // a download task does not.
            Some(e) => {
                ctx.log(format!("{key}: {e}; fetching it with a download task"));
                self.fetch_by_download(ctx, key);
            }
        }
    }

    /// API-4: the app leaves the foreground; its data tasks would die with -997 once it is
    /// suspended, so each running fetch becomes a download now.
    pub(super) fn fetches_to_downloads(&mut self, ctx: &mut AppContext<'_>) {
        if self.bug == Some(Bug::DataTaskInBackground) || self.store.fetches.is_empty() {
            return;
        }
        let keys: Vec<String> = self.store.fetches.keys().cloned().collect();
        for key in keys {
            if let Some(id) = self.store.fetches[&key].task_id {
                let session = ctx.session_identifier(self.session.expect("a fetch has a session"));
                ctx.cancel(&bgsim_simulator::app::TaskKey {
                    session: session.to_string(),
                    task_id: id,
                });
            }
            self.fetch_by_download(ctx, &key);
        }
        self.save(ctx);
    }

    /// LC-5 / TID-4 at launch: whether `task` belongs to an upload, a fetch or a paused
    /// download this app tracks.
    pub(super) fn claims(&self, task: &TaskInfo) -> bool {
        let key = task.task_description.as_deref().unwrap_or("");
        let id = Some(task.key.task_id);
        let upload = self.store.uploads.get(key).is_some_and(|u| {
            u.task_id == id && matches!(u.status, Status::Running | Status::Paused)
        });
        let fetch = self.store.fetches.get(key).is_some_and(|f| f.task_id == id);
        let paused = self
            .store
            .downloads
            .get(key)
            .is_some_and(|d| d.user_paused && d.task_id == id);
        upload || fetch || paused
    }

    /// At launch, after the daemon's tasks were claimed: an upload whose task is gone starts
    /// again from its file; a fetch whose data task is gone (its process died) becomes a
    /// download.
    pub(super) fn reconcile_transfers(&mut self, ctx: &mut AppContext<'_>, tasks: &[TaskInfo]) {
        let alive = |key: &str, id: Option<u64>| {
            tasks
                .iter()
                .any(|t| t.task_description.as_deref() == Some(key) && Some(t.key.task_id) == id)
        };
        let lost = keys_where(&self.store.uploads, |k, u| {
            u.status == Status::Running && !alive(k, u.task_id)
        });
        for key in lost {
            ctx.log(format!("{key}: its task is gone; uploading it again"));
            self.start_upload(ctx, &key);
        }
        let lost = keys_where(&self.store.fetches, |k, f| !alive(k, f.task_id));
        for key in lost {
            self.fetch_by_download(ctx, &key);
        }
    }

    /// API-7: the user paused the transfer of `url`: its task is suspended.
    pub(super) fn suspend_transfer(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        let Some(session) = self.session else {
            return;
        };
        let id = ctx.session_identifier(session).to_string();
        let task = |task_id| bgsim_simulator::app::TaskKey {
            session: id.clone(),
            task_id,
        };
        let upload = self
            .store
            .uploads
            .iter()
            .find(|(_, u)| u.url == url && u.status == Status::Running)
            .map(|(k, u)| (k.clone(), u.task_id));
        if let Some((key, Some(task_id))) = upload {
            ctx.suspend(&task(task_id));
            self.store.uploads.get_mut(&key).expect("found").user_paused = true;
            self.set_upload_status(ctx, &key, Status::Paused);
        }
        let download = self
            .store
            .downloads
            .iter()
            .find(|(_, d)| d.url == url && d.status == Status::Running)
            .map(|(k, d)| (k.clone(), d.task_id));
        if let Some((key, Some(task_id))) = download {
            ctx.suspend(&task(task_id));
            self.store
                .downloads
                .get_mut(&key)
                .expect("found")
                .user_paused = true;
            self.set_status(ctx, &key, Status::Paused);
        }
        self.save(ctx);
    }

    /// API-7: the user resumed the transfer of `url`: its suspended task resumes (a
    /// download where it was, an upload from the start), or, if the task is gone (a
    /// force-quit cancelled it), a new task starts (from the resume data, if any).
    pub(super) fn resume_transfer(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        let Some(session) = self.session else {
            return;
        };
        let id = ctx.session_identifier(session).to_string();
        let live = |ctx: &AppContext<'_>, task_id: Option<u64>| {
            let key = bgsim_simulator::app::TaskKey {
                session: id.clone(),
                task_id: task_id?,
            };
            let info = ctx.task_info(&key)?;
            (info.state == TaskState::Suspended).then_some(key)
        };
        let upload = self
            .store
            .uploads
            .iter()
            .find(|(_, u)| u.url == url && u.user_paused)
            .map(|(k, u)| (k.clone(), u.task_id));
        if let Some((key, task_id)) = upload {
            match live(ctx, task_id) {
                Some(task) => {
                    ctx.resume(&task);
                    self.store.uploads.get_mut(&key).expect("found").user_paused = false;
                    self.set_upload_status(ctx, &key, Status::Running);
                }
                None => self.start_upload(ctx, &key),
            }
        }
        let download = self
            .store
            .downloads
            .iter()
            .find(|(_, d)| d.url == url && d.user_paused)
            .map(|(k, d)| (k.clone(), d.task_id));
        if let Some((key, task_id)) = download {
            self.store
                .downloads
                .get_mut(&key)
                .expect("found")
                .user_paused = false;
            match live(ctx, task_id) {
                Some(task) => {
                    ctx.resume(&task);
                    self.set_status(ctx, &key, Status::Running);
                }
                None => self.start_task(ctx, &key),
            }
        }
        self.save(ctx);
    }
}
