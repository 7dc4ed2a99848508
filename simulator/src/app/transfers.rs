//! The SDK calls for tasks other than downloads (API-1, API-4, API-6) and for
//! `task.suspend()` (API-7). Each is recorded in the history, like the rest of the SDK.

use super::types::*;
use super::{AppContext, Work};
use crate::sim::Event;
use crate::trace::What;

impl AppContext<'_> {
    /// `uploadTask(with: request, fromFile: file)` with `request.httpMethod = method`: the
    /// only upload a background session runs without the app (API-1). The task starts
    /// suspended; call [`AppContext::resume`]. The daemon copies the file at `resume()`
    /// (a missing file fails the task with -1100) and sends it as the body, with
    /// Content-Length = its length. Progress arrives through did-send-body-data (PROG-3),
    /// the response body through did-receive-data (HTTP-3).
    pub fn upload_task_from_file(
        &mut self,
        session: SessionHandle,
        url: &str,
        method: UploadMethod,
        file: &str,
    ) -> Result<TaskKey, Exception> {
        let api = "uploadTask(with:fromFile:)";
        let kind = TaskKind::Upload {
            method,
            file: file.to_string(),
        };
        let key = self.create(session, api, url, kind, None)?;
        self.record(What::UploadTaskCreated {
            task: key.clone(),
            url: url.to_string(),
            method,
            file: Some(file.to_string()),
        });
        Ok(key)
    }

    /// `uploadTask(withStreamedRequest:)`: the body comes from a stream the app provides
    /// (`body` is what the stream yields), sent chunked, with an unknown expected length
    /// (PROG-3: -1). Like a data task it needs the app to keep running: it fails with -997
    /// as soon as the app is suspended or dies (API-6).
    pub fn upload_task_with_streamed_request(
        &mut self,
        session: SessionHandle,
        url: &str,
        method: UploadMethod,
        body: &[u8],
    ) -> Result<TaskKey, Exception> {
        let api = "uploadTask(withStreamedRequest:)";
        let kind = TaskKind::StreamedUpload { method };
        let key = self.create(session, api, url, kind, Some(body))?;
        self.record(What::UploadTaskCreated {
            task: key.clone(),
            url: url.to_string(),
            method,
            file: None,
        });
        Ok(key)
    }

    /// `dataTask(with:)` with a delegate: the body arrives through did-receive-data. In a
    /// background session it runs only while the app runs: it fails with -997 as soon as the
    /// app is suspended or dies (API-4). Apple's advice is a download task instead.
    pub fn data_task(&mut self, session: SessionHandle, url: &str) -> Result<TaskKey, Exception> {
        let key = self.create(session, "dataTask(with:)", url, TaskKind::Data, None)?;
        self.record(What::DataTaskCreated {
            task: key.clone(),
            url: url.to_string(),
        });
        Ok(key)
    }

    /// `task.suspend()` (API-7): no traffic and no timers until [`AppContext::resume`]. A
    /// download then continues where it was; the other kinds start over.
    pub fn suspend(&mut self, task: &TaskKey) {
        self.record(What::TaskSuspended { task: task.clone() });
        self.progress_in_flight(task);
        self.daemon.suspend_task(&mut self.env, task);
    }

    /// PROG-1 (seeded): progress reports of `task` already on their way to the delegate
    /// when the app pauses or cancels it may still arrive (fixed: they do), or not.
    pub(super) fn progress_in_flight(&mut self, task: &TaskKey) {
        let generation = self.generation;
        let in_flight = |e: &Event| match e {
            Event::App {
                generation: g,
                work: Work::Deliver(ev),
                ..
            } => *g == generation && ev.is_progress() && ev.task() == Some(task),
            _ => false,
        };
        if !self.env.clock.any(in_flight) || !self.daemon.choices.coin(0.5) {
            return;
        }
        let dropped = self.env.clock.extract(in_flight).len();
        self.record(What::Chose {
            rule: "PROG-1",
            choice: format!("{dropped} progress report(s) of {task} in flight are not delivered"),
        });
    }

    fn create(
        &mut self,
        session: SessionHandle,
        api: &'static str,
        url: &str,
        kind: TaskKind,
        body: Option<&[u8]>,
    ) -> Result<TaskKey, Exception> {
        let id = self.live_session(session, api)?;
        let key = self.daemon.create_task(&mut self.env, &id, url, None);
        let key = key.map_err(|reason| self.raise(api, "NSInvalidArgumentException", reason))?;
        self.daemon.set_kind(&self.env, &key, kind, body);
        Ok(key)
    }
}
