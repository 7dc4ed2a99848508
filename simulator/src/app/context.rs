//! [`AppContext`]: the SDK calls an app makes (URLSession, FileManager, GCD), each one
//! recorded in the history so checks can judge what the app did, not what it claims.

use super::types::*;
use super::{AppState, DownloadDelegate};
use crate::daemon::{Daemon, DelegateEvent, Env};
use crate::sandbox::FsError;
use crate::sim::Event;
use crate::time::SimTime;
use crate::trace::{Actor, Callback, FileOp, What};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// A block of app code queued on a dispatch queue.
pub type Block = Box<dyn FnOnce(&mut AppContext<'_>)>;
/// The completion block of `getAllTasks`.
pub type TasksBlock = Box<dyn FnOnce(&mut AppContext<'_>, Vec<TaskInfo>)>;
/// The completion block of `cancel(byProducingResumeData:)`.
pub type ResumeDataBlock = Box<dyn FnOnce(&mut AppContext<'_>, Option<ResumeData>)>;

/// Work waiting on one of the process's queues.
pub(crate) enum Work {
    /// A block the app dispatched.
    Block { label: String, block: Block },
    /// A delegate event from the daemon.
    Deliver(DelegateEvent),
    /// `urlSessionDidFinishEvents`, queued behind the events of a wake (ORD-4).
    FinishEvents,
    /// The result of `getAllTasks` (TID-4), computed when it runs.
    Tasks { session: String, block: TasksBlock },
    /// The result of `cancel(byProducingResumeData:)` (RES-2).
    ResumeData {
        task: TaskKey,
        data: Option<ResumeData>,
        block: ResumeDataBlock,
    },
}

/// A session object living in the app process.
pub(crate) struct SessionObject {
    pub identifier: String,
    pub delegate: Rc<RefCell<dyn DownloadDelegate>>,
    pub invalidated: bool,
    /// did-become-invalid was delivered: iOS has released the delegate (INV-1, INV-2).
    pub released: bool,
}

/// A completion handler handed to the app in this process, and how often it was called.
pub(crate) struct HandlerRecord {
    pub id: u64,
    pub session: String,
    pub calls: u32,
    /// OS-6: it stands for the app's async `handleEvents`; calling it is that function
    /// returning, on the main actor.
    pub asynchronous: bool,
    /// OS-6: the async function awaits (a continuation) rather than returning when the
    /// callback returns.
    pub awaited: bool,
}

/// The process's memory that the SDK owns (sessions, handlers), as opposed to the app
/// object. Dropped with the process.
#[derive(Default)]
pub(crate) struct ProcessRuntime {
    pub sessions: Vec<SessionObject>,
    pub handlers: Vec<HandlerRecord>,
    /// An exception was raised, or the process failed: it crashes when the callback returns.
    pub exception: Option<String>,
    /// The app blocked its thread until then (`busy_for`).
    pub busy_until: SimTime,
}

impl ProcessRuntime {
    /// The live session object for `identifier`: the first one, as iOS keeps the first
    /// delegate when an identifier is reused (ID-4).
    pub fn session_for(&self, identifier: &str) -> Option<&SessionObject> {
        self.sessions
            .iter()
            .find(|s| s.identifier == identifier && !s.invalidated)
    }

    /// The session object that receives delegate events for `identifier`: the live one, or
    /// else the last invalidated one, which still gets its cancellations and
    /// did-become-invalid before iOS releases its delegate (INV-1, INV-2).
    pub fn receiver_for(&self, identifier: &str) -> Option<&SessionObject> {
        self.session_for(identifier).or_else(|| {
            self.sessions
                .iter()
                .rev()
                .find(|s| s.identifier == identifier)
        })
    }
}

/// The `handleEvents` completion handler. Clonable like an Objective-C block; calling it
/// more than once is recorded (CH-5), as is the queue it is called on (CH-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionHandler {
    pub(crate) id: u64,
    pub(crate) session: String,
}

impl CompletionHandler {
    /// Calls the handler: tells iOS the app has processed the session's events (CH-3).
    pub fn call(&self, ctx: &mut AppContext<'_>) {
        ctx.call_handler(self);
    }

    /// The session identifier this handler belongs to.
    pub fn session(&self) -> &str {
        &self.session
    }
}

/// The app's view of the SDK for the duration of one callback or block.
pub struct AppContext<'a> {
    pub(crate) queue: Queue,
    pub(crate) state: AppState,
    pub(crate) generation: u64,
    pub(crate) env: Env<'a>,
    pub(crate) daemon: &'a mut Daemon,
    pub(crate) rt: &'a mut ProcessRuntime,
}

impl AppContext<'_> {
    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.env.now
    }

    /// The queue this code runs on.
    pub fn current_queue(&self) -> &Queue {
        &self.queue
    }

    /// The app's state (`UIApplication.applicationState`, with suspension made visible).
    pub fn app_state(&self) -> AppState {
        self.state
    }

    /// The container's absolute root, which changes if the container moves (FILE-4).
    pub fn container_root(&self) -> String {
        self.env.sandbox.container_root()
    }

    pub(super) fn record(&mut self, what: What) {
        self.env.trace.push(self.env.now, Actor::App, what);
    }

    pub(super) fn raise(
        &mut self,
        api: &'static str,
        name: &'static str,
        reason: String,
    ) -> Exception {
        self.record(What::Exception {
            api,
            reason: format!("{name}: {reason}"),
        });
        self.rt.exception.get_or_insert_with(|| reason.clone());
        Exception { name, reason }
    }

    /// The app's code failed with an error it did not handle (an uncaught exception in an
    /// app written in another language): recorded as a crash, like a Rust app's panic, and
    /// the process crashes when the current callback returns (KILL-6).
    pub fn crash(&mut self, message: impl Into<String>) {
        let message = message.into();
        self.record(What::Panicked {
            message: message.clone(),
        });
        self.rt.exception.get_or_insert(message);
    }

    /// The process broke down (an app run as a child process broke the app protocol): the
    /// failure is recorded and the process crashes when the current callback returns.
    pub fn fail_process(&mut self, reason: impl Into<String>) {
        let reason = reason.into();
        self.record(What::ProcessFailed {
            reason: reason.clone(),
        });
        self.rt.exception.get_or_insert(reason);
    }

    // ---- URLSession -------------------------------------------------------------

    /// `URLSession(configuration:delegate:delegateQueue:)` for a background configuration.
    /// The daemon connects it to its tasks and held events (ID-2, ORD-7). A second session
    /// with a live identifier in this process aliases the first and keeps its delegate,
    /// with iOS's warning (ID-3, ID-4).
    pub fn create_background_session(
        &mut self,
        config: SessionConfig,
        delegate: Rc<RefCell<dyn DownloadDelegate>>,
    ) -> SessionHandle {
        let id = config.identifier.clone();
        if let Some(i) = self
            .rt
            .sessions
            .iter()
            .position(|s| s.identifier == id && !s.invalidated)
        {
            self.record(What::DuplicateSession { session: id });
            return SessionHandle(i);
        }
        // INV-2 / ID-4: until its invalidation completes, the identifier still names the
        // invalidated native object, and that is what the app gets back.
        if let Some(i) = self
            .rt
            .sessions
            .iter()
            .rposition(|s| s.identifier == id && !s.released)
        {
            self.record(What::InvalidatedSessionReturned { session: id });
            return SessionHandle(i);
        }
        // ID-5: an app extension holds the identifier: this session is invalid at once, and
        // its delegate hears it with -996. The event goes on the delegate queue, not through
        // the daemon, whose events for the identifier belong to the extension.
        if self.daemon.held_by_extension(&id) {
            self.rt.sessions.push(SessionObject {
                identifier: id.clone(),
                delegate,
                invalidated: true,
                released: false,
            });
            let error = UrlError::new(UrlError::BACKGROUND_SESSION_IN_USE_BY_ANOTHER_PROCESS);
            self.record(What::SessionRefused {
                session: id.clone(),
                error: error.clone(),
            });
            let ev = DelegateEvent::Invalidated {
                session: id.clone(),
                error: Some(error),
            };
            self.enqueue(Queue::Delegate(id), Duration::ZERO, Work::Deliver(ev));
            return SessionHandle(self.rt.sessions.len() - 1);
        }
        self.rt.sessions.push(SessionObject {
            identifier: id.clone(),
            delegate,
            invalidated: false,
            released: false,
        });
        let held = self.daemon.connect(&config);
        self.record(What::SessionCreated {
            session: id.clone(),
            held_events: held,
        });
        crate::sim::flush_held_events(
            self.daemon,
            self.env.clock,
            self.env.trace,
            self.generation,
            &id,
        );
        SessionHandle(self.rt.sessions.len() - 1)
    }

    /// The identifier of a session object.
    pub fn session_identifier(&self, session: SessionHandle) -> &str {
        &self.rt.sessions[session.0].identifier
    }

    pub(super) fn live_session(
        &mut self,
        session: SessionHandle,
        api: &'static str,
    ) -> Result<String, Exception> {
        let s = &self.rt.sessions[session.0];
        if s.invalidated {
            let reason = "Task created in a session that has been invalidated".to_string();
            return Err(self.raise(api, "NSGenericException", reason));
        }
        Ok(s.identifier.clone())
    }

    /// `downloadTask(with:)`. The task starts suspended; call [`AppContext::resume`].
    pub fn download_task(
        &mut self,
        session: SessionHandle,
        url: &str,
    ) -> Result<TaskKey, Exception> {
        let id = self.live_session(session, "downloadTask(with:)")?;
        let key = self.daemon.create_task(&mut self.env, &id, url, None);
        let key = key.map_err(|reason| {
            self.raise("downloadTask(with:)", "NSInvalidArgumentException", reason)
        })?;
        self.record(What::TaskCreated {
            task: key.clone(),
            url: url.to_string(),
            from_resume_data: None,
        });
        Ok(key)
    }

    /// `downloadTask(withResumeData:)`: a new task with a new identifier (TID-5) that will
    /// ask for the rest with Range and If-Range (RES-4). The data is consumed (RES-5).
    pub fn download_task_with_resume_data(
        &mut self,
        session: SessionHandle,
        data: &ResumeData,
    ) -> Result<TaskKey, Exception> {
        let api = "downloadTask(withResumeData:)";
        let id = self.live_session(session, api)?;
        let key = self.daemon.create_task(&mut self.env, &id, "", Some(data));
        let key = key.map_err(|reason| self.raise(api, "NSInvalidArgumentException", reason))?;
        let info = self.daemon.task_info(&key);
        let (url, offset) = info
            .map(|i| (i.original_url, i.bytes_received))
            .unwrap_or_default();
        self.record(What::TaskCreated {
            task: key.clone(),
            url,
            from_resume_data: Some(offset),
        });
        Ok(key)
    }

    /// `downloadTask(with:completionHandler:)`: refused on a background session (API-2).
    pub fn download_task_with_completion_handler(
        &mut self,
        _session: SessionHandle,
        _url: &str,
    ) -> Result<TaskKey, Exception> {
        let reason = "Completion handler blocks are not supported in background sessions. \
                      Use a delegate instead."
            .to_string();
        Err(self.raise(
            "downloadTask(with:completionHandler:)",
            "NSGenericException",
            reason,
        ))
    }

    /// `uploadTask(with:from: Data)`: refused on a background session (API-3).
    pub fn upload_task_from_data(
        &mut self,
        _session: SessionHandle,
        _url: &str,
        _body: &[u8],
    ) -> Result<TaskKey, Exception> {
        let reason =
            "Upload tasks from NSData are not supported in background sessions.".to_string();
        Err(self.raise("uploadTask(with:from:)", "NSGenericException", reason))
    }

    /// `task.delegate = …` (iOS 15+): a per-task delegate is refused for a task of a
    /// background session (API-5), so its events can only reach the session's delegate.
    pub fn set_task_delegate(&mut self, task: &TaskKey) -> Result<(), Exception> {
        let _ = task;
        let reason = "Task delegate is not supported on background session task".to_string();
        Err(self.raise("task.delegate", "NSGenericException", reason))
    }

    /// `task.resume()`.
    pub fn resume(&mut self, task: &TaskKey) {
        self.record(What::TaskResumed { task: task.clone() });
        let in_foreground = self.state == AppState::Foreground;
        self.daemon.resume_task(&mut self.env, task, in_foreground);
    }

    /// `task.earliestBeginDate = at` (SCHED-3): the load will not begin before then. Set it
    /// before [`AppContext::resume`].
    pub fn set_earliest_begin_date(&mut self, task: &TaskKey, at: SimTime) {
        self.record(What::TaskBeginsNoEarlier {
            task: task.clone(),
            at,
        });
        self.daemon.set_earliest_begin(task, at);
    }

    /// `task.countOfBytesClientExpectsToReceive = bytes` (SCHED-4): a best-guess upper
    /// bound, headers included; -1 (NSURLSessionTransferSizeUnknown) is the default. The
    /// profile's `large_transfer_waits_for_wifi_bytes` decides what the system makes of it.
    pub fn set_count_of_bytes_client_expects_to_receive(&mut self, task: &TaskKey, bytes: i64) {
        self.record(What::TaskExpectsBytes {
            task: task.clone(),
            property: "countOfBytesClientExpectsToReceive",
            bytes,
        });
        self.daemon.set_expected_bytes(task, Some(bytes), None);
    }

    /// `task.countOfBytesClientExpectsToSend = bytes` (SCHED-4), as for receiving.
    pub fn set_count_of_bytes_client_expects_to_send(&mut self, task: &TaskKey, bytes: i64) {
        self.record(What::TaskExpectsBytes {
            task: task.clone(),
            property: "countOfBytesClientExpectsToSend",
            bytes,
        });
        self.daemon.set_expected_bytes(task, None, Some(bytes));
    }

    /// `task.taskDescription = description` (TID-3: kept by the daemon across launches).
    pub fn set_task_description(&mut self, task: &TaskKey, description: &str) {
        self.record(What::TaskDescribed {
            task: task.clone(),
            description: description.to_string(),
        });
        self.daemon.describe(task, description);
    }

    /// `task.cancel()`: the task completes with -999 and no reason (KILL-4).
    pub fn cancel(&mut self, task: &TaskKey) {
        self.record(What::TaskCancelled {
            task: task.clone(),
            producing_resume_data: false,
        });
        self.progress_in_flight(task);
        self.daemon.cancel(&mut self.env, task, false);
    }

    /// `cancel(byProducingResumeData:)`: `block` gets the data (None when the download
    /// cannot resume, RES-1/RES-2), then the task completes with -999 (RES-3).
    pub fn cancel_producing_resume_data(
        &mut self,
        task: &TaskKey,
        block: impl FnOnce(&mut AppContext<'_>, Option<ResumeData>) + 'static,
    ) {
        self.record(What::TaskCancelled {
            task: task.clone(),
            producing_resume_data: true,
        });
        self.progress_in_flight(task);
        let data = self.daemon.cancel(&mut self.env, task, true);
        let queue = Queue::Delegate(task.session.clone());
        self.enqueue(
            queue,
            Duration::ZERO,
            Work::ResumeData {
                task: task.clone(),
                data,
                block: Box::new(block),
            },
        );
    }

    /// `getAllTasks`: the block runs on the delegate queue with the session's tasks that are
    /// not finished, or whose completion has not reached the app yet (TID-4).
    pub fn get_all_tasks(
        &mut self,
        session: SessionHandle,
        block: impl FnOnce(&mut AppContext<'_>, Vec<TaskInfo>) + 'static,
    ) {
        let id = self.rt.sessions[session.0].identifier.clone();
        self.record(What::GetAllTasks {
            session: id.clone(),
        });
        self.enqueue(
            Queue::Delegate(id.clone()),
            Duration::ZERO,
            Work::Tasks {
                session: id,
                block: Box::new(block),
            },
        );
    }

    /// The daemon's current view of a task.
    pub fn task_info(&self, task: &TaskKey) -> Option<TaskInfo> {
        self.daemon.task_info(task)
    }

    /// `finishTasksAndInvalidate` (cancel = false) or `invalidateAndCancel` (INV-1, INV-2).
    pub fn invalidate(&mut self, session: SessionHandle, cancel: bool) {
        let s = &mut self.rt.sessions[session.0];
        s.invalidated = true;
        let id = s.identifier.clone();
        self.record(What::SessionInvalidated {
            session: id.clone(),
            cancel,
        });
        self.daemon.invalidate(&mut self.env, &id, cancel);
    }

    pub(crate) fn call_handler(&mut self, handler: &CompletionHandler) {
        let queue = self.queue.clone();
        let (count, asynchronous) = match self.handler_record(handler) {
            Some(h) => {
                h.calls += 1;
                (h.calls, h.asynchronous)
            }
            None => (1, false),
        };
        let (session, id) = (handler.session.clone(), handler.id);
        self.record(match asynchronous {
            false => What::HandlerCalled {
                session,
                handler: id,
                queue,
                count,
            },
            true => What::HandleEventsReturned {
                session,
                handler: id,
                count,
            },
        });
        if count == 1 {
            self.env.clock.schedule(
                self.env.now,
                Event::HandlerCalled {
                    generation: self.generation,
                    handler: handler.id,
                },
            );
        }
    }

    // ---- GCD ----------------------------------------------------------------------

    pub(crate) fn enqueue(&mut self, queue: Queue, delay: Duration, work: Work) {
        self.env.clock.schedule(
            self.env.now + delay,
            Event::App {
                generation: self.generation,
                queue,
                work,
            },
        );
    }

    /// `queue.async { ... }`: runs `block` on `queue` after the current work.
    pub fn dispatch(
        &mut self,
        queue: Queue,
        label: &str,
        block: impl FnOnce(&mut AppContext<'_>) + 'static,
    ) {
        self.dispatch_after(queue, Duration::ZERO, label, block);
    }

    /// `queue.asyncAfter(deadline: .now() + delay) { ... }`. Suspension freezes the queue.
    pub fn dispatch_after(
        &mut self,
        queue: Queue,
        delay: Duration,
        label: &str,
        block: impl FnOnce(&mut AppContext<'_>) + 'static,
    ) {
        let work = Work::Block {
            label: label.to_string(),
            block: Box::new(block),
        };
        self.enqueue(queue, delay, work);
    }

    /// Synchronous work that takes virtual time (unzipping, a database write). The process
    /// runs nothing else meanwhile, and the wake budget keeps counting (LC-10, FILE-5).
    pub fn busy_for(&mut self, duration: Duration) {
        self.record(What::Busy { duration });
        self.rt.busy_until = self.rt.busy_until.max(self.env.now + duration);
    }

    // ---- Observability ------------------------------------------------------------

    /// Prints a line (NSLog / Console.WriteLine).
    pub fn log(&mut self, line: impl Into<String>) {
        self.record(What::Log(line.into()));
    }

    /// Records the progress the app's UI shows for one of its downloads.
    pub fn report_progress(&mut self, key: &str, fraction: f64) {
        self.record(What::Progress {
            key: key.to_string(),
            fraction,
        });
    }

    /// Records the app's own state for one of its downloads, in this vocabulary: `running`
    /// (a task works on it), `queued`, `paused`, and the terminal `done`, `failed`,
    /// `cancelled`. Report a download first from `user_tapped_download`, so bgsim can tie
    /// its key to the URL and destination the user asked for.
    pub fn report_download_state(&mut self, key: &str, state: &str) {
        self.record(What::DownloadState {
            key: key.to_string(),
            state: state.to_string(),
        });
    }

    // ---- FileManager ----------------------------------------------------------------

    fn fs<T>(
        &mut self,
        op: FileOp,
        path: &str,
        to: Option<&str>,
        result: Result<T, FsError>,
    ) -> Result<T, FsError> {
        self.record(What::File {
            op,
            path: path.to_string(),
            to: to.map(str::to_string),
            error: result.as_ref().err().map(|e| e.to_string()),
        });
        result
    }

    /// TF-06: the operation opens a protected file while the device is locked.
    fn guard(&self, paths: &[&str]) -> Result<(), FsError> {
        match paths.iter().any(|p| self.env.sandbox.denies(p)) {
            true => Err(FsError::PermissionDenied),
            false => Ok(()),
        }
    }

    /// [`Self::guard`], and OS-4 for an operation that puts data or a name into the
    /// container: it fails while the storage is full. (A move is a rename and needs no new
    /// blocks on a real file system; iOS is reported to refuse it all the same, and the
    /// model follows that, the harsher reading.)
    fn guard_writing(&self, paths: &[&str]) -> Result<(), FsError> {
        self.guard(paths)?;
        match self.env.sandbox.is_full() {
            true => Err(FsError::NoSpace),
            false => Ok(()),
        }
    }

    /// Reads a whole file.
    pub fn read_file(&mut self, path: &str) -> Result<Vec<u8>, FsError> {
        let r = self
            .guard(&[path])
            .and_then(|()| self.env.sandbox.read(path));
        self.fs(FileOp::Read, path, None, r)
    }

    /// Writes a whole file (the folder must exist).
    pub fn write_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), FsError> {
        let r = self
            .guard_writing(&[path])
            .and_then(|()| self.env.sandbox.write(path, bytes));
        self.fs(FileOp::Write, path, None, r)
    }

    /// `FileManager.moveItem(at:to:)`: fails if `to` exists or its folder is missing.
    pub fn move_item(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        let r = self
            .guard_writing(&[from, to])
            .and_then(|()| self.env.sandbox.move_item(from, to));
        self.fs(FileOp::Move, from, Some(to), r)
    }

    /// Atomically puts `with` at `destination`, replacing what was there.
    pub fn replace_item(&mut self, destination: &str, with: &str) -> Result<(), FsError> {
        let r = self
            .guard_writing(&[destination, with])
            .and_then(|()| self.env.sandbox.replace_item(destination, with));
        self.fs(FileOp::Replace, with, Some(destination), r)
    }

    /// `FileManager.copyItem(at:to:)`: fails if `to` exists.
    pub fn copy_item(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        let r = self
            .guard_writing(&[from, to])
            .and_then(|()| self.env.sandbox.copy_item(from, to));
        self.fs(FileOp::Copy, from, Some(to), r)
    }

    /// `FileManager.removeItem(at:)`.
    pub fn remove_item(&mut self, path: &str) -> Result<(), FsError> {
        let r = self.env.sandbox.remove_item(path);
        self.fs(FileOp::Remove, path, None, r)
    }

    /// `FileManager.fileExists(atPath:)`.
    pub fn file_exists(&mut self, path: &str) -> bool {
        let exists = self.env.sandbox.exists(path);
        let r = if exists {
            Ok(())
        } else {
            Err(FsError::NotFound)
        };
        let _ = self.fs(FileOp::Exists, path, None, r);
        exists
    }

    /// `attributesOfItem(atPath:)[.size]`: the file's length in bytes.
    pub fn file_size(&mut self, path: &str) -> Result<u64, FsError> {
        let size = self.env.sandbox.size(path);
        let r = size.as_ref().map(|_| ()).map_err(Clone::clone);
        self.fs(FileOp::Size, path, None, r)?;
        size
    }

    /// `createDirectory(at:withIntermediateDirectories: true)`.
    pub fn create_dir_all(&mut self, path: &str) -> Result<(), FsError> {
        // OS-4: a folder that is not there yet needs room.
        let r = match self.env.sandbox.is_full() && !self.env.sandbox.exists(path) {
            true => Err(FsError::NoSpace),
            false => self.env.sandbox.create_dir_all(path),
        };
        self.fs(FileOp::CreateDir, path, None, r)
    }

    /// `contentsOfDirectory(atPath:)`, sorted.
    pub fn list_dir(&mut self, path: &str) -> Result<Vec<String>, FsError> {
        let r = self.env.sandbox.list_dir(path);
        self.fs(FileOp::List, path, None, r)
    }
}

/// Builds the callback record for a delegate event about to be delivered.
pub(crate) fn callback_of(ev: &DelegateEvent) -> Callback {
    match ev {
        DelegateEvent::WriteData {
            task,
            written,
            total,
            expected,
        } => Callback::DidWriteData {
            task: task.clone(),
            written: *written,
            total: *total,
            expected: *expected,
        },
        DelegateEvent::ResumedAt {
            task,
            offset,
            expected,
        } => Callback::DidResumeAtOffset {
            task: task.clone(),
            offset: *offset,
            expected: *expected,
        },
        DelegateEvent::Finished {
            task,
            location,
            status,
        } => Callback::DidFinishDownloadingTo {
            task: task.clone(),
            location: location.clone(),
            status: *status,
        },
        DelegateEvent::Completed { task, error } => Callback::DidCompleteWithError {
            task: task.clone(),
            error: error.clone(),
        },
        DelegateEvent::Invalidated { session, error } => Callback::DidBecomeInvalid {
            session: session.clone(),
            error: error.clone(),
        },
        DelegateEvent::SentBodyData {
            task,
            sent,
            total,
            expected,
        } => Callback::DidSendBodyData {
            task: task.clone(),
            sent: *sent,
            total: *total,
            expected: *expected,
        },
        DelegateEvent::Challenge {
            task, challenge, ..
        } => Callback::DidReceiveChallenge {
            task: task.clone(),
            challenge: challenge.clone(),
        },
        DelegateEvent::ReceivedData { task, data } => Callback::DidReceiveData {
            task: task.clone(),
            bytes: data.len() as u64,
            fnv1a64: crate::content::memo::fnv1a64(data),
        },
    }
}
