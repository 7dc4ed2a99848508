//! Stable names for the kinds of events, and the task an event is about: the JSON report's
//! `kind`, `callback` and `task` fields (docs/json.md). A name, once published, is never
//! changed; a new kind of event gets a new name.

use super::{Callback, What};
use crate::app::TaskKey;

impl What {
    /// The event's kind, in kebab case (`task-created`, `callback`, `downloaded`).
    pub fn kind(&self) -> &'static str {
        match self {
            What::Step(..) => "step",
            What::Ignored { .. } => "ignored",
            What::IgnoredWhileLocked { .. } => "ignored-while-locked",
            What::State { .. } => "state",
            What::Launched { .. } => "launched",
            What::Callback { .. } => "callback",
            What::Panicked { .. } => "panicked",
            What::ProcessFailed { .. } => "process-failed",
            What::Exception { .. } => "exception",
            What::DuplicateSession { .. } => "duplicate-session",
            What::InvalidatedSessionReturned { .. } => "invalidated-session-returned",
            What::SessionCreated { .. } => "session-created",
            What::TaskCreated { .. } => "task-created",
            What::TaskResumed { .. } => "task-resumed",
            What::TaskDescribed { .. } => "task-described",
            What::TaskBeginsNoEarlier { .. } => "task-begins-no-earlier",
            What::TaskExpectsBytes { .. } => "task-expects-bytes",
            What::TaskCancelled { .. } => "task-cancelled",
            What::GetAllTasks { .. } => "get-all-tasks",
            What::SessionInvalidated { .. } => "session-invalidated",
            What::HandlerCalled { .. } => "handler-called",
            What::HandleEventsReturned { .. } => "handle-events-returned",
            What::File { .. } => "file",
            What::Busy { .. } => "busy",
            What::Log(..) => "log",
            What::Progress { .. } => "progress",
            What::DownloadState { .. } => "download-state",
            What::Chose { .. } => "chose",
            What::Wake { .. } => "wake",
            What::WakeBudgetExceeded { .. } => "wake-budget-exceeded",
            What::HandlerNeverCalled { .. } => "handler-never-called",
            What::EventsLost { .. } => "events-lost",
            What::RequestSent { .. } => "request-sent",
            What::Response { .. } => "response",
            What::Interrupted { .. } => "interrupted",
            What::Stalled { .. } => "stalled",
            What::StallOver { .. } => "stall-over",
            What::RequestTimedOut { .. } => "request-timed-out",
            What::Decoded { .. } => "decoded",
            What::Redirected { .. } => "redirected",
            What::Waiting { .. } => "waiting",
            What::Downloaded { .. } => "downloaded",
            What::Failed { .. } => "failed",
            What::TempDeleted { .. } => "temp-deleted",
            What::RateLimiter { .. } => "rate-limiter",
            What::ContainerMoved { .. } => "container-moved",
            What::Reinstalled { .. } => "reinstalled",
            What::InvalidationLost { .. } => "invalidation-lost",
            What::TmpPurged { .. } => "tmp-purged",
            What::ResumeBytesGone { .. } => "resume-bytes-gone",
            What::ResumeBytesLost { .. } => "resume-bytes-lost",
            What::Network { .. } => "network",
            What::UploadTaskCreated { .. } => "upload-task-created",
            What::DataTaskCreated { .. } => "data-task-created",
            What::TaskSuspended { .. } => "task-suspended",
            What::Paused { .. } => "paused",
            What::UploadFileRead { .. } => "upload-file-read",
            What::UploadRequestSent { .. } => "upload-request-sent",
            What::Uploaded { .. } => "uploaded",
            What::SessionRefused { .. } => "session-refused",
            What::ExtensionSession { .. } => "extension-session",
            What::ExtensionDownload { .. } => "extension-download",
            What::ExtensionGot(..) => "extension-got",
            What::ExtensionMoved { .. } => "extension-moved",
            What::ExtensionExited { .. } => "extension-exited",
            What::Fetched { .. } => "fetched",
            What::Challenged { .. } => "challenged",
            What::ChallengeAnswered { .. } => "challenge-answered",
            What::ChallengeUnanswered { .. } => "challenge-unanswered",
            What::AuthorizationSent { .. } => "authorization-sent",
        }
    }

    /// The task the event is about, if one.
    pub fn task(&self) -> Option<&TaskKey> {
        match self {
            What::Callback { callback, .. } => callback.task(),
            What::TaskCreated { task, .. } => Some(task),
            What::TaskResumed { task, .. } => Some(task),
            What::TaskDescribed { task, .. } => Some(task),
            What::TaskBeginsNoEarlier { task, .. } => Some(task),
            What::TaskExpectsBytes { task, .. } => Some(task),
            What::TaskCancelled { task, .. } => Some(task),
            What::RequestSent { task, .. } => Some(task),
            What::Response { task, .. } => Some(task),
            What::Interrupted { task, .. } => Some(task),
            What::Stalled { task, .. } => Some(task),
            What::StallOver { task, .. } => Some(task),
            What::RequestTimedOut { task, .. } => Some(task),
            What::Decoded { task, .. } => Some(task),
            What::Redirected { task, .. } => Some(task),
            What::Waiting { task, .. } => Some(task),
            What::Downloaded { task, .. } => Some(task),
            What::Failed { task, .. } => Some(task),
            What::TempDeleted { task, .. } => Some(task),
            What::ResumeBytesGone { task, .. } => Some(task),
            What::ResumeBytesLost { task, .. } => Some(task),
            What::UploadTaskCreated { task, .. } => Some(task),
            What::DataTaskCreated { task, .. } => Some(task),
            What::TaskSuspended { task, .. } => Some(task),
            What::Paused { task, .. } => Some(task),
            What::UploadFileRead { task, .. } => Some(task),
            What::UploadRequestSent { task, .. } => Some(task),
            What::Uploaded { task, .. } => Some(task),
            What::ExtensionDownload { task, .. } => task.as_ref(),
            What::ExtensionMoved { task, .. } => Some(task),
            What::Fetched { task, .. } => Some(task),
            What::Challenged { task, .. } => Some(task),
            What::ChallengeAnswered { task, .. } => Some(task),
            What::ChallengeUnanswered { task, .. } => Some(task),
            What::AuthorizationSent { task, .. } => Some(task),
            _ => None,
        }
    }
}

impl Callback {
    /// The callback's kind, in kebab case (`did-write-data`, `handle-events`).
    pub fn kind(&self) -> &'static str {
        match self {
            Callback::DidFinishLaunching { .. } => "did-finish-launching",
            Callback::HandleEvents { .. } => "handle-events",
            Callback::DidEnterBackground => "did-enter-background",
            Callback::WillEnterForeground => "will-enter-foreground",
            Callback::UserTappedDownload { .. } => "user-tapped-download",
            Callback::UserCommand(..) => "user-command",
            Callback::DidWriteData { .. } => "did-write-data",
            Callback::DidResumeAtOffset { .. } => "did-resume-at-offset",
            Callback::DidFinishDownloadingTo { .. } => "did-finish-downloading-to",
            Callback::DidCompleteWithError { .. } => "did-complete-with-error",
            Callback::DidBecomeInvalid { .. } => "did-become-invalid",
            Callback::DidFinishEvents { .. } => "did-finish-events",
            Callback::GetAllTasks { .. } => "get-all-tasks",
            Callback::ResumeDataProduced { .. } => "resume-data-produced",
            Callback::Dispatched { .. } => "dispatched",
            Callback::DidSendBodyData { .. } => "did-send-body-data",
            Callback::DidReceiveData { .. } => "did-receive-data",
            Callback::UserTappedUpload { .. } => "user-tapped-upload",
            Callback::UserTappedFetch { .. } => "user-tapped-fetch",
            Callback::UserTappedSuspendTask { .. } => "user-tapped-suspend-task",
            Callback::UserTappedResumeTask { .. } => "user-tapped-resume-task",
            Callback::DidReceiveChallenge { .. } => "did-receive-challenge",
        }
    }

    /// The task the callback is about, if one.
    pub fn task(&self) -> Option<&TaskKey> {
        match self {
            Callback::DidWriteData { task, .. } => Some(task),
            Callback::DidResumeAtOffset { task, .. } => Some(task),
            Callback::DidFinishDownloadingTo { task, .. } => Some(task),
            Callback::DidCompleteWithError { task, .. } => Some(task),
            Callback::ResumeDataProduced { task, .. } => Some(task),
            Callback::DidSendBodyData { task, .. } => Some(task),
            Callback::DidReceiveData { task, .. } => Some(task),
            Callback::DidReceiveChallenge { task, .. } => Some(task),
            _ => None,
        }
    }
}
