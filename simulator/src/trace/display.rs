//! The history's text: one line per event, as snapshots record it and checks quote it.

use super::{Callback, FileOp, What};
use crate::content::hex;
use crate::time::fmt_duration;
use std::fmt;

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

impl fmt::Display for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callback::DidFinishLaunching {
                in_background,
                session,
            } => write!(
                f,
                "didFinishLaunching background={in_background} urlSession={}",
                opt(session)
            ),
            Callback::HandleEvents { session, handler } => {
                write!(f, "handleEvents {session} handler=h{handler}")
            }
            Callback::DidEnterBackground => write!(f, "didEnterBackground"),
            Callback::WillEnterForeground => write!(f, "willEnterForeground"),
            Callback::UserTappedDownload { url, destination } => {
                write!(f, "userTappedDownload {url} -> {destination}")
            }
            Callback::UserCommand(command) => write!(f, "user {command}"),
            Callback::DidWriteData {
                task,
                written,
                total,
                expected,
            } => write!(f, "didWriteData {task} +{written} {total}/{expected}"),
            Callback::DidResumeAtOffset {
                task,
                offset,
                expected,
            } => write!(
                f,
                "didResumeAtOffset {task} offset={offset} expected={expected}"
            ),
            Callback::DidFinishDownloadingTo {
                task,
                location,
                status,
            } => write!(
                f,
                "didFinishDownloadingTo {task} status={status} {location}"
            ),
            Callback::DidCompleteWithError { task, error } => match error {
                None => write!(f, "didCompleteWithError {task} nil"),
                Some(e) => write!(f, "didCompleteWithError {task} {e}"),
            },
            Callback::DidFinishEvents { session } => write!(f, "didFinishEvents {session}"),
            Callback::DidBecomeInvalid {
                session,
                error: None,
            } => write!(f, "didBecomeInvalid {session}"),
            Callback::DidBecomeInvalid {
                session,
                error: Some(e),
            } => write!(f, "didBecomeInvalid {session} {e}"),
            Callback::GetAllTasks { session, tasks } => {
                let ids: Vec<String> = tasks.iter().map(|t| format!("#{}", t.task_id)).collect();
                write!(f, "getAllTasks {session} -> [{}]", ids.join(","))
            }
            Callback::ResumeDataProduced { task, produced } => {
                write!(f, "resumeData {task} produced={produced}")
            }
            Callback::Dispatched { label } => write!(f, "block {label}"),
            Callback::DidSendBodyData {
                task,
                sent,
                total,
                expected,
            } => write!(f, "didSendBodyData {task} +{sent} {total}/{expected}"),
            Callback::DidReceiveData {
                task,
                bytes,
                fnv1a64,
            } => write!(
                f,
                "didReceiveData {task} +{bytes} fnv1a64={}",
                hex(*fnv1a64)
            ),
            Callback::UserTappedUpload { url, size, fnv1a64 } => write!(
                f,
                "userTappedUpload {url} size={size} fnv1a64={}",
                hex(*fnv1a64)
            ),
            Callback::UserTappedFetch { url, destination } => {
                write!(f, "userTappedFetch {url} -> {destination}")
            }
            Callback::UserTappedSuspendTask { url } => write!(f, "userTappedSuspendTask {url}"),
            Callback::UserTappedResumeTask { url } => write!(f, "userTappedResumeTask {url}"),
            Callback::DidReceiveChallenge { task, challenge } => {
                write!(f, "didReceiveChallenge {task} {challenge}")
            }
        }
    }
}

impl fmt::Display for FileOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileOp::Read => "read",
            FileOp::Write => "write",
            FileOp::Move => "move",
            FileOp::Replace => "replace",
            FileOp::Copy => "copy",
            FileOp::Remove => "remove",
            FileOp::Exists => "exists",
            FileOp::CreateDir => "mkdir",
            FileOp::List => "list",
            FileOp::Size => "size",
        })
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Step(a) => write!(f, "step {a}"),
            What::Ignored { action, state } => write!(f, "ignored {action} (app {state})"),
            What::IgnoredWhileLocked { action } => write!(f, "ignored {action} (device locked)"),
            What::State { from, to } => write!(f, "state {from} -> {to}"),
            What::Launched { in_background } => {
                write!(f, "process started background={in_background}")
            }
            What::Callback { queue, callback } => write!(f, "[{queue}] {callback}"),
            What::Panicked { message } => write!(f, "PANIC {message}"),
            What::ProcessFailed { reason } => write!(f, "process failed: {reason}"),
            What::Exception { api, reason } => write!(f, "EXCEPTION {api}: {reason}"),
            What::DuplicateSession { session } => write!(
                f,
                "WARNING A background URLSession with identifier {session} already exists!"
            ),
            What::InvalidatedSessionReturned { session } => write!(
                f,
                "session {session} is still being invalidated: the invalidated object is returned"
            ),
            What::SessionCreated {
                session,
                held_events,
            } => write!(f, "session {session} created held-events={held_events}"),
            What::TaskCreated {
                task,
                url,
                from_resume_data,
            } => match from_resume_data {
                None => write!(f, "task {task} created {url}"),
                Some(o) => write!(f, "task {task} created {url} from-resume-data@{o}"),
            },
            What::TaskResumed { task } => write!(f, "task {task} resume"),
            What::TaskDescribed { task, description } => {
                write!(f, "task {task} description={description}")
            }
            What::TaskCancelled {
                task,
                producing_resume_data,
            } => write!(
                f,
                "task {task} cancel producing-resume-data={producing_resume_data}"
            ),
            What::TaskExpectsBytes {
                task,
                property,
                bytes,
            } => write!(f, "task {task} {property}={bytes}"),
            What::TaskBeginsNoEarlier { task, at } => {
                write!(f, "task {task} earliestBeginDate={at}")
            }
            What::GetAllTasks { session } => write!(f, "getAllTasks {session}"),
            What::SessionInvalidated { session, cancel } => {
                write!(f, "session {session} invalidate cancel={cancel}")
            }
            What::HandlerCalled {
                session,
                handler,
                queue,
                count,
            } => write!(
                f,
                "completionHandler h{handler} ({session}) called on {queue} count={count}"
            ),
            What::HandleEventsReturned {
                session,
                handler,
                count,
            } => write!(
                f,
                "async handleEvents h{handler} ({session}) returned on main count={count}"
            ),
            What::File {
                op,
                path,
                to,
                error,
            } => {
                write!(f, "fs {op} {path}")?;
                if let Some(to) = to {
                    write!(f, " -> {to}")?;
                }
                match error {
                    None => write!(f, " ok"),
                    Some(e) => write!(f, " FAILED {e}"),
                }
            }
            What::Busy { duration } => write!(f, "busy {}", fmt_duration(*duration)),
            What::Log(s) => write!(f, "log {s}"),
            What::Progress { key, fraction } => write!(f, "progress {key} {fraction:.4}"),
            What::DownloadState { key, state } => write!(f, "download {key} {state}"),
            What::Chose { rule, choice } => write!(f, "the seed chose ({rule}): {choice}"),
            What::Wake {
                session,
                handler,
                budget,
            } => write!(
                f,
                "wake {session} handler=h{handler} budget={}",
                fmt_duration(*budget)
            ),
            What::WakeBudgetExceeded { session, handler } => {
                write!(
                    f,
                    "wake budget exceeded {session} handler=h{handler} not called"
                )
            }
            What::HandlerNeverCalled { session, handler } => write!(
                f,
                "WARNING completion handler h{handler} ({session}) was never called"
            ),
            What::EventsLost { session, count } => {
                write!(f, "{count} undelivered events of {session} lost")
            }
            What::RequestSent {
                task,
                attempt,
                range,
                if_range,
            } => write!(
                f,
                "GET {task} attempt={attempt} range={} if-range={}",
                opt(range),
                opt(if_range)
            ),
            What::Response {
                task,
                status,
                content_length,
            } => write!(
                f,
                "response {task} {status} content-length={content_length}"
            ),
            What::Interrupted {
                task,
                bytes,
                reason,
            } => write!(f, "interrupted {task} at {bytes} bytes: {reason}"),
            What::Stalled { task, bytes } => {
                write!(f, "stalled {task} after {bytes} bytes: no data")
            }
            What::StallOver { task, after } => {
                write!(f, "data flows again {task} after {}", fmt_duration(*after))
            }
            What::RequestTimedOut { task, bytes, after } => write!(
                f,
                "request timed out {task} after {} at {bytes} bytes (-1001)",
                fmt_duration(*after)
            ),
            What::Decoded {
                task,
                encoding,
                encoded,
                decoded,
            } => write!(
                f,
                "decoded {task} {encoding}: {encoded} bytes received, {decoded} bytes of content"
            ),
            What::Redirected { task, status, to } => {
                write!(f, "redirect {task} {status} -> {to}")
            }
            What::Waiting { task, reason } => write!(f, "waiting {task}: {reason}"),
            What::Downloaded {
                task,
                status,
                bytes,
            } => write!(f, "downloaded {task} status={status} bytes={bytes}"),
            What::Failed { task, error } => write!(f, "failed {task} {error}"),
            What::TempDeleted {
                task,
                path,
                deleted: true,
            } => write!(f, "temp file of {task} deleted {path}"),
            What::TempDeleted { task, path, .. } => {
                write!(f, "temp file of {task} gone (moved by the app) {path}")
            }
            What::RateLimiter { delay } if delay.is_zero() => write!(f, "rate limiter delay reset"),
            What::RateLimiter { delay } => {
                write!(f, "rate limiter delay set to {}", fmt_duration(*delay))
            }
            What::ContainerMoved { root } => write!(f, "container moved to {root}"),
            What::Reinstalled {
                root,
                files_removed,
                tasks_dropped,
            } => write!(
                f,
                "app deleted and installed again: container emptied ({files_removed} files) \
                 and moved to {root}; {tasks_dropped} unfinished tasks dropped"
            ),
            What::InvalidationLost { session } => write!(
                f,
                "session {session} invalidated; didBecomeInvalid lost (INV-3 knob)"
            ),
            What::TmpPurged { files } if files.is_empty() => write!(f, "tmp/ purged: empty"),
            What::TmpPurged { files } => write!(f, "tmp/ purged: {}", files.join(", ")),
            What::ResumeBytesGone { task, bytes } => write!(
                f,
                "resume data of {task} keeps {bytes} bytes that are gone: starting from 0"
            ),
            What::ResumeBytesLost { task, bytes } => write!(
                f,
                "resume data of {task} keeps {bytes} bytes that are gone: asking for the rest all the same"
            ),
            What::Network { up } => write!(f, "network {}", if *up { "up" } else { "down" }),
            What::UploadTaskCreated {
                task,
                url,
                method,
                file,
            } => match file {
                Some(file) => write!(f, "upload task {task} created {method} {url} from {file}"),
                None => write!(f, "upload task {task} created {method} {url} from a stream"),
            },
            What::DataTaskCreated { task, url } => write!(f, "data task {task} created {url}"),
            What::TaskSuspended { task } => write!(f, "task {task} suspend"),
            What::Paused {
                task,
                kept,
                timeout_left,
            } => {
                write!(f, "paused {task} keeping {kept} bytes")?;
                match timeout_left {
                    Some(d) => write!(f, "; resource timeout frozen at {}", fmt_duration(*d)),
                    None => Ok(()),
                }
            }
            What::UploadFileRead {
                task,
                path,
                bytes,
                fnv1a64,
            } => write!(
                f,
                "upload file of {task} copied {path} bytes={bytes} fnv1a64={}",
                hex(*fnv1a64)
            ),
            What::UploadRequestSent {
                task,
                attempt,
                method,
                content_length,
            } => write!(
                f,
                "{method} {task} attempt={attempt} content-length={content_length}"
            ),
            What::Uploaded {
                task,
                status,
                sent,
                received,
            } => write!(
                f,
                "uploaded {task} status={status} sent={sent} received={received}"
            ),
            What::Fetched {
                task,
                status,
                bytes,
            } => write!(f, "fetched {task} status={status} bytes={bytes}"),
            What::SessionRefused { session, error } => write!(
                f,
                "session {session} refused: another process holds it ({error})"
            ),
            What::ExtensionSession {
                session,
                outcome: Ok(held),
            } => write!(
                f,
                "extension session {session} connected held-events={held}"
            ),
            What::ExtensionSession {
                session,
                outcome: Err(e),
            } => write!(f, "extension session {session} invalid: {e}"),
            What::ExtensionDownload {
                task: Some(task),
                url,
                to,
            } => write!(f, "extension task {task} created {url} -> {to}; resumed"),
            What::ExtensionDownload {
                task: None, url, ..
            } => {
                write!(f, "extension could not start {url}: its session is invalid")
            }
            What::ExtensionGot(callback) => write!(f, "extension got {callback}"),
            What::ExtensionMoved { task, to, error } => {
                write!(f, "extension moved the file of {task} to {to}")?;
                match error {
                    None => write!(f, " ok"),
                    Some(e) => write!(f, " FAILED {e}"),
                }
            }
            What::ExtensionExited { session: Some(s) } => {
                write!(f, "extension exited; session {s} is free")
            }
            What::ExtensionExited { session: None } => write!(f, "extension exited"),
            What::Challenged { task, challenge } => {
                write!(f, "challenge {task} {challenge}: held for the app's answer")
            }
            What::ChallengeAnswered { task, disposition } => {
                write!(f, "challenge {task} answered {disposition}")
            }
            What::ChallengeUnanswered { task, reason } => {
                write!(f, "challenge {task} never answered: {reason}")
            }
            What::AuthorizationSent { task, user } => {
                write!(f, "authorization {task} Basic user={user}")
            }
        }
    }
}
