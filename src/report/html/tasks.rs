//! One lane per task: which events belong to a task, its bytes over time, its attempts.

use bgsim_simulator::app::TaskKey;
use bgsim_simulator::trace::{Callback, Record, What};
use serde::Serialize;

/// A task's lane.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskLane {
    /// `session#id`.
    pub name: String,
    /// Its URL, when the history says.
    pub url: String,
    /// From its first event to its last.
    pub x0: u64,
    pub x1: u64,
    /// Requests sent (each retry or resume is one more).
    pub attempts: u32,
    /// Bytes held over time: `[x, bytes]`, as the callbacks and the daemon report them.
    pub bytes: Vec<(u64, u64)>,
    /// `[event, kind]`.
    pub marks: Vec<(usize, &'static str)>,
}

impl TaskLane {
    pub fn new(name: String, x: u64) -> TaskLane {
        TaskLane {
            name,
            url: String::new(),
            x0: x,
            x1: x,
            attempts: 0,
            bytes: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// Adds an event of this task.
    pub fn add(&mut self, r: &Record, x: u64, kind: &'static str) {
        self.x1 = x;
        self.marks.push((r.seq, kind));
        let held = match &r.what {
            What::TaskCreated { url, .. }
            | What::UploadTaskCreated { url, .. }
            | What::DataTaskCreated { url, .. }
            | What::ExtensionDownload { url, .. } => {
                if self.url.is_empty() {
                    self.url = crate::report::escape(url).into_owned();
                }
                None
            }
            What::RequestSent { attempt, .. } | What::UploadRequestSent { attempt, .. } => {
                self.attempts = self.attempts.max(*attempt);
                None
            }
            What::Callback { callback, .. } | What::ExtensionGot(callback) => match callback {
                Callback::DidWriteData { total, .. } | Callback::DidSendBodyData { total, .. } => {
                    Some(*total)
                }
                Callback::DidResumeAtOffset { offset, .. } => Some(*offset),
                _ => None,
            },
            What::Interrupted { bytes, .. }
            | What::Stalled { bytes, .. }
            | What::Downloaded { bytes, .. }
            | What::Fetched { bytes, .. } => Some(*bytes),
            What::Uploaded { sent, .. } => Some(*sent),
            What::Paused { kept, .. } => Some(*kept),
            What::ResumeBytesGone { .. } => Some(0),
            _ => None,
        };
        if let Some(b) = held {
            self.bytes.push((x, b));
        }
    }
}

/// The task an event is about, if any.
pub fn task_of(what: &What) -> Option<&TaskKey> {
    match what {
        What::TaskCreated { task, .. }
        | What::TaskResumed { task }
        | What::TaskDescribed { task, .. }
        | What::TaskBeginsNoEarlier { task, .. }
        | What::TaskExpectsBytes { task, .. }
        | What::TaskCancelled { task, .. }
        | What::RequestSent { task, .. }
        | What::Response { task, .. }
        | What::Interrupted { task, .. }
        | What::Stalled { task, .. }
        | What::StallOver { task, .. }
        | What::RequestTimedOut { task, .. }
        | What::Decoded { task, .. }
        | What::Redirected { task, .. }
        | What::Waiting { task, .. }
        | What::Downloaded { task, .. }
        | What::Failed { task, .. }
        | What::TempDeleted { task, .. }
        | What::ResumeBytesGone { task, .. }
        | What::ResumeBytesLost { task, .. }
        | What::UploadTaskCreated { task, .. }
        | What::DataTaskCreated { task, .. }
        | What::TaskSuspended { task }
        | What::Paused { task, .. }
        | What::UploadFileRead { task, .. }
        | What::UploadRequestSent { task, .. }
        | What::Uploaded { task, .. }
        | What::Fetched { task, .. }
        | What::ExtensionMoved { task, .. }
        | What::Challenged { task, .. }
        | What::ChallengeAnswered { task, .. }
        | What::ChallengeUnanswered { task, .. }
        | What::AuthorizationSent { task, .. } => Some(task),
        What::ExtensionDownload { task, .. } => task.as_ref(),
        What::Callback { callback, .. } | What::ExtensionGot(callback) => callback_task(callback),
        _ => None,
    }
}

fn callback_task(c: &Callback) -> Option<&TaskKey> {
    match c {
        Callback::DidWriteData { task, .. }
        | Callback::DidResumeAtOffset { task, .. }
        | Callback::DidFinishDownloadingTo { task, .. }
        | Callback::DidCompleteWithError { task, .. }
        | Callback::ResumeDataProduced { task, .. }
        | Callback::DidSendBodyData { task, .. }
        | Callback::DidReceiveData { task, .. }
        | Callback::DidReceiveChallenge { task, .. } => Some(task),
        _ => None,
    }
}
