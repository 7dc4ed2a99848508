//! A small configurable test app and a raw HTTP responder, so the simulator can be tested
//! without the bgsim server: each response is exact bytes written to an in-memory pipe.
#![allow(dead_code)]

use bgsim_simulator::app::{
    AppContext, AuthChallenge, AuthDisposition, ChallengeHandler, CompletionHandler, LaunchOptions,
    Queue, SessionConfig, SessionHandle, TaskInfo, UrlError,
};
use bgsim_simulator::network::{BoxedConnection, DialFuture};
use bgsim_simulator::trace::{Callback, What};
use bgsim_simulator::{
    Action, App, AppFactory, Dialer, DownloadDelegate, History, SimConfig, SimTime, Simulation,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Builds the raw response for a request head (the text up to the blank line).
pub type Responder = Arc<dyn Fn(&str) -> Vec<u8> + Send + Sync>;

/// A dialer whose "server" answers each request with `respond(head)` and then closes
/// (a response may end short of its Content-Length: that is a cut connection).
pub struct RawDialer {
    pub respond: Responder,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Dialer for RawDialer {
    fn dial(&self, _authority: &str) -> DialFuture<'_> {
        let (client, mut server) = tokio::io::duplex(1 << 20);
        let respond = Arc::clone(&self.respond);
        let requests = Arc::clone(&self.requests);
        tokio::spawn(async move {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if server.read(&mut byte).await.unwrap_or(0) == 0 {
                    return;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            requests.lock().unwrap().push(head.clone());
            let _ = server.write_all(&respond(&head)).await;
            let _ = server.shutdown().await;
        });
        Box::pin(async move { Ok(Box::new(client) as BoxedConnection) })
    }
}

/// `HTTP/1.1 200` with Content-Length, an ETag and byte ranges; answers `Range: bytes=N-`
/// with a 206 of the rest.
pub fn serve_bytes(body: Vec<u8>) -> Responder {
    Arc::new(move |head: &str| {
        let range_from = head
            .lines()
            .find_map(|l| l.strip_prefix("range: bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
        let common = "etag: \"v1\"\r\naccept-ranges: bytes\r\nconnection: close\r\n";
        let mut out = match range_from {
            Some(n) => format!(
                "HTTP/1.1 206 Partial Content\r\n{common}content-range: bytes {n}-{}/{}\r\ncontent-length: {}\r\n\r\n",
                body.len() - 1,
                body.len(),
                body.len() - n
            )
            .into_bytes(),
            None => format!("HTTP/1.1 200 OK\r\n{common}content-length: {}\r\n\r\n", body.len()).into_bytes(),
        };
        out.extend_from_slice(&body[range_from.unwrap_or(0)..]);
        out
    })
}

pub fn dialer(respond: Responder) -> (Rc<RawDialer>, Arc<Mutex<Vec<String>>>) {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let d = Rc::new(RawDialer {
        respond,
        requests: Arc::clone(&requests),
    });
    (d, requests)
}

/// What the test app does wrong, on purpose.
#[derive(Clone, Copy, Default)]
pub struct Quirks {
    /// Never calls the completion handler.
    pub never_call_handler: bool,
    /// Blocks this long inside did-finish-downloading-to.
    pub busy_in_finish: Option<Duration>,
    /// Panics inside did-finish-downloading-to.
    pub panic_in_finish: bool,
    /// Invalidates its session before creating a task.
    pub invalidate_first: bool,
    /// Moves the file from a block dispatched to main, after the callback returned (TF-02).
    pub move_later: bool,
    /// Pauses each download this long after starting it (cancel producing resume data),
    /// and resumes it from the data at once.
    pub pause_after: Option<Duration>,
    /// On entering the background, dispatches a block to main to run after this delay.
    pub block_after_home: Option<Duration>,
    /// Starts a download of this URL from handle-events, i.e. in the background.
    pub download_on_wake: Option<&'static str>,
    /// Uses the completion-handler API, which background sessions refuse (API-2).
    pub completion_handler_api: bool,
    /// Sets `earliestBeginDate` this far ahead before resuming (SCHED-3).
    pub begin_after: Option<Duration>,
    /// Invalidates the session right after starting a task: cancelling it (true) or
    /// letting it finish (false).
    pub invalidate_after_start: Option<bool>,
    /// Right after invalidating (`invalidate_first`), makes a session with the same
    /// identifier again and uses that (ID-4's trap).
    pub recreate_at_once: bool,
    /// Uploads the URL's name from memory instead of downloading it (API-3).
    pub upload_from_data: bool,
    /// Gives each task its own delegate (API-5).
    pub task_delegate: bool,
    /// Sets `countOfBytesClientExpectsToReceive` before resuming (SCHED-4).
    pub expects_to_receive: Option<i64>,
    /// How it answers an authentication challenge (HTTP-4).
    pub challenge: ChallengeQuirk,
}

/// How the test app answers `didReceive challenge` (HTTP-4).
#[derive(Clone, Copy, Default)]
pub enum ChallengeQuirk {
    /// `.performDefaultHandling`, the SDK's default.
    #[default]
    Default,
    /// Keeps the handler and never calls it.
    Ignore,
    /// `.useCredential` with this user and password, from a block dispatched to main.
    CredentialLater(&'static str, &'static str),
    /// `.useCredential` with this user and password at once, and the same answer again.
    CredentialTwice(&'static str, &'static str),
    /// `.cancelAuthenticationChallenge`.
    Cancel,
}

#[derive(Default)]
pub struct Shared {
    pub session: Option<SessionHandle>,
    pub handler: Option<CompletionHandler>,
    /// In-memory only: lost with the process.
    pub taps_seen_by_this_process: u32,
    pub destination: String,
    pub quirks: Quirks,
    pub downloaded_on_wake: bool,
}

pub struct TestApp(pub Rc<RefCell<Shared>>);
struct TestDelegate(Rc<RefCell<Shared>>);

pub const SESSION: &str = "test.session";

pub fn factory(quirks: Quirks) -> AppFactory {
    Box::new(move || {
        Box::new(TestApp(Rc::new(RefCell::new(Shared {
            quirks,
            ..Shared::default()
        })))) as Box<dyn App>
    })
}

impl App for TestApp {
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _: &LaunchOptions) {
        let delegate = Rc::new(RefCell::new(TestDelegate(Rc::clone(&self.0))));
        let s = ctx.create_background_session(SessionConfig::background(SESSION), delegate);
        self.0.borrow_mut().session = Some(s);
    }

    fn handle_events_for_background_session(
        &mut self,
        ctx: &mut AppContext<'_>,
        _: &str,
        h: CompletionHandler,
    ) {
        let mut s = self.0.borrow_mut();
        s.handler = Some(h);
        let first = !s.downloaded_on_wake;
        if let (Some(url), Some(session), true) = (s.quirks.download_on_wake, s.session, first) {
            s.downloaded_on_wake = true;
            s.destination = format!("Documents/on-wake-{}", ctx.now().as_us());
            if let Ok(task) = ctx.download_task(session, url) {
                ctx.resume(&task);
            }
        }
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let mut s = self.0.borrow_mut();
        s.taps_seen_by_this_process += 1;
        ctx.log(format!(
            "taps seen by this process: {}",
            s.taps_seen_by_this_process
        ));
        s.destination = destination.to_string();
        let session = s.session.expect("created at launch");
        let mut session = session;
        if s.quirks.invalidate_first {
            ctx.invalidate(session, false);
            if s.quirks.recreate_at_once {
                let delegate = Rc::new(RefCell::new(TestDelegate(Rc::clone(&self.0))));
                session =
                    ctx.create_background_session(SessionConfig::background(SESSION), delegate);
            }
        }
        if s.quirks.completion_handler_api {
            let _ = ctx.download_task_with_completion_handler(session, url);
            return;
        }
        if s.quirks.upload_from_data {
            let _ = ctx.upload_task_from_data(session, url, url.as_bytes());
            return;
        }
        if let Ok(task) = ctx.download_task(session, url) {
            if s.quirks.task_delegate {
                let _ = ctx.set_task_delegate(&task);
            }
            if let Some(after) = s.quirks.begin_after {
                ctx.set_earliest_begin_date(&task, ctx.now() + after);
            }
            if let Some(bytes) = s.quirks.expects_to_receive {
                ctx.set_count_of_bytes_client_expects_to_receive(&task, bytes);
            }
            ctx.resume(&task);
            if let Some(cancel) = s.quirks.invalidate_after_start {
                ctx.invalidate(session, cancel);
            }
            if let Some(delay) = s.quirks.pause_after {
                ctx.dispatch_after(Queue::Main, delay, "pause", move |ctx| {
                    ctx.cancel_producing_resume_data(&task, move |ctx, data| {
                        let data = data.expect("resumable: ETag and ranges");
                        let resumed = ctx.download_task_with_resume_data(session, &data).unwrap();
                        ctx.resume(&resumed);
                    });
                });
            }
        }
    }

    fn did_enter_background(&mut self, ctx: &mut AppContext<'_>) {
        if let Some(delay) = self.0.borrow().quirks.block_after_home {
            ctx.dispatch_after(Queue::Main, delay, "late block", |ctx| {
                ctx.log("the late block ran")
            });
        }
    }
}

impl DownloadDelegate for TestDelegate {
    fn did_write_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        _: u64,
        total: u64,
        expected: i64,
    ) {
        ctx.report_progress(&task.key.to_string(), total as f64 / expected as f64);
    }

    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        _: &TaskInfo,
        location: &str,
    ) {
        let (dest, quirks) = {
            let s = self.0.borrow();
            (s.destination.clone(), s.quirks)
        };
        if let Some(d) = quirks.busy_in_finish {
            ctx.busy_for(d);
        }
        assert!(
            !quirks.panic_in_finish,
            "index out of range in the download handler"
        );
        if quirks.move_later {
            let location = location.to_string();
            ctx.dispatch(Queue::Main, "move the file", move |ctx| {
                let _ = ctx.move_item(&location, &dest);
            });
        } else {
            let _ = ctx.move_item(location, &dest);
        }
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        ctx.log(format!(
            "{} complete: {:?}",
            task.key,
            error.map(|e| e.code)
        ));
    }

    fn did_become_invalid(&mut self, ctx: &mut AppContext<'_>, session: &str) {
        ctx.log(format!("{session} became invalid"));
    }

    fn did_receive_challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        _: &TaskInfo,
        _: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        let credential = |user: &str, password: &str| AuthDisposition::UseCredential {
            user: user.into(),
            password: password.into(),
        };
        match self.0.borrow().quirks.challenge {
            ChallengeQuirk::Default => {
                completion.call(ctx, AuthDisposition::PerformDefaultHandling)
            }
            ChallengeQuirk::Ignore => ctx.log("keeping the challenge for later"),
            ChallengeQuirk::CredentialLater(user, password) => {
                ctx.dispatch(Queue::Main, "answer the challenge", move |ctx| {
                    completion.call(ctx, credential(user, password))
                })
            }
            ChallengeQuirk::CredentialTwice(user, password) => {
                completion.call(ctx, credential(user, password));
                completion.call(ctx, credential(user, password));
            }
            ChallengeQuirk::Cancel => {
                completion.call(ctx, AuthDisposition::CancelAuthenticationChallenge)
            }
        }
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, _: &str) {
        let shared = Rc::clone(&self.0);
        ctx.dispatch(Queue::Main, "call handler", move |ctx| {
            let s = shared.borrow();
            if let (false, Some(h)) = (s.quirks.never_call_handler, s.handler.clone()) {
                h.call(ctx);
            }
        });
    }
}

/// The request line's path of a request head.
pub fn path_of(head: &str) -> &str {
    head.split_whitespace().nth(1).unwrap_or("/")
}

/// A response with a status, extra headers and a body.
pub fn respond(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

pub fn download(to: &str) -> Action {
    Action::Download {
        url: "http://test.server/file".into(),
        destination: to.into(),
    }
}

pub fn secs(s: f64) -> SimTime {
    SimTime::from_us((s * 1e6) as u64)
}

/// What a run leaves: the history, the container's files, the requests, the sandbox.
pub type Ran = (
    History,
    Vec<String>,
    Arc<Mutex<Vec<String>>>,
    bgsim_simulator::sandbox::Sandbox,
);

/// Runs a timeline with the default configuration.
pub fn run(quirks: Quirks, respond: Responder, timeline: Vec<(SimTime, Action)>) -> Ran {
    run_with(SimConfig::default(), quirks, respond, timeline)
}

/// Runs a timeline with `config`.
pub fn run_with(
    config: SimConfig,
    quirks: Quirks,
    respond: Responder,
    timeline: Vec<(SimTime, Action)>,
) -> Ran {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (d, requests) = dialer(respond);
        let mut sim = Simulation::new(config, factory(quirks), d).unwrap();
        for (t, a) in timeline {
            sim.schedule(t, a);
        }
        sim.run_until(SimTime::NEVER).await;
        let files = sim.sandbox().all_files();
        let (h, sb) = sim.finish();
        (h, files, requests, sb)
    })
}

pub fn has(h: &History, pred: impl Fn(&What) -> bool) -> bool {
    h.records().iter().any(|r| pred(&r.what))
}

pub fn position(h: &History, pred: impl Fn(&What) -> bool) -> usize {
    h.records()
        .iter()
        .position(|r| pred(&r.what))
        .unwrap_or_else(|| panic!("not found in:\n{}", h.render()))
}

pub fn cb(w: &What) -> Option<&Callback> {
    match w {
        What::Callback { callback, .. } => Some(callback),
        _ => None,
    }
}
