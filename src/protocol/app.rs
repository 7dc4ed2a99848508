//! [`ProcessApp`]: an [`App`] whose code runs in a child process. Every callback the
//! simulator makes becomes an event line; the process's calls are carried out on the
//! context until it returns. Its session delegates are [`ProcessDelegate`]s sharing the
//! same process.

use super::calls;
use super::command::{AppCommand, Hello, PROTOCOL_VERSION};
use super::conn::Conn;
use super::json;
use crate::apps::SessionSettings;
use bgsim_simulator::app::{
    AuthChallenge, ChallengeHandler, LaunchOptions, SessionHandle, TaskInfo, UrlError,
};
use bgsim_simulator::time::duration_us;
use bgsim_simulator::{App, AppContext, CompletionHandler, DownloadDelegate, UserCommand};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// The process and the handles it was given, by the numbers it knows them by.
pub(crate) struct Peer {
    /// None once the process failed (or never started).
    pub conn: Option<Conn>,
    /// Why it could not start: reported at its first callback.
    pub start_failure: Option<String>,
    pub sessions: Vec<SessionHandle>,
    pub handlers: Vec<CompletionHandler>,
    pub challenges: Vec<ChallengeHandler>,
}

/// What the app object, its delegates and its dispatched blocks share.
pub(crate) type Link = Rc<RefCell<Peer>>;

/// The app object of one launch: one process.
pub struct ProcessApp {
    link: Link,
}

impl ProcessApp {
    /// Starts `command` and shakes hands with it, passing the scenario's `[session]`
    /// settings. A failure is kept and reported at the first callback, as the process's
    /// failure.
    pub fn start(command: &AppCommand, settings: &SessionSettings) -> ProcessApp {
        let mut peer = Peer {
            conn: None,
            start_failure: None,
            sessions: Vec::new(),
            handlers: Vec::new(),
            challenges: Vec::new(),
        };
        match handshake(command, settings) {
            Ok(conn) => peer.conn = Some(conn),
            Err(reason) => peer.start_failure = Some(reason),
        }
        ProcessApp {
            link: Rc::new(RefCell::new(peer)),
        }
    }
}

fn handshake(command: &AppCommand, settings: &SessionSettings) -> Result<Conn, String> {
    let mut conn = Conn::spawn(command)?;
    Hello::read(&conn.receive()?)?;
    let us = |d: Option<std::time::Duration>| d.map(duration_us);
    let welcome = json!({
        "type": "welcome",
        "protocol": PROTOCOL_VERSION,
        "session": {
            "sendsLaunchEvents": settings.sends_launch_events,
            "discretionary": settings.discretionary,
            "requestTimeout_us": us(settings.request_timeout),
            "resourceTimeout_us": us(settings.resource_timeout),
            "allowsCellularAccess": settings.allows_cellular_access,
            "allowsExpensiveNetworkAccess": settings.allows_expensive_network_access,
            "allowsConstrainedNetworkAccess": settings.allows_constrained_network_access,
            "expectsToReceiveBytes": settings.expects_to_receive_bytes,
            "credentials": settings.credentials,
        },
    });
    conn.send(&welcome)?;
    Ok(conn)
}

impl Drop for ProcessApp {
    /// The simulator drops the app object when iOS ends the process: SIGKILL.
    fn drop(&mut self) {
        if let Some(mut conn) = self.link.borrow_mut().conn.take() {
            conn.kill();
        }
    }
}

/// Sends the event `ty` with `fields`, then carries out the process's calls until it
/// returns. Any breach of the protocol ends the process and is recorded as its failure.
pub(crate) fn exchange(link: &Link, ctx: &mut AppContext<'_>, ty: &str, fields: Value) {
    let mut event = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    event.insert("type".into(), ty.into());
    event.insert("now_us".into(), ctx.now().as_us().into());
    event.insert("queue".into(), json::queue(ctx.current_queue()).into());
    event.insert("state".into(), ctx.app_state().to_string().into());
    let outcome = {
        let mut peer = link.borrow_mut();
        if let Some(reason) = peer.start_failure.take() {
            Err(reason)
        } else if peer.conn.is_none() {
            // The process failed earlier in this callback chain: nothing is listening.
            return;
        } else {
            turn(&mut peer, link, ctx, Value::Object(event))
        }
    };
    if let Err(reason) = outcome {
        if let Some(mut conn) = link.borrow_mut().conn.take() {
            conn.kill();
        }
        ctx.fail_process(format!("at {ty}: {reason}"));
    }
}

/// One turn: the event, then the calls, up to `return`.
fn turn(peer: &mut Peer, link: &Link, ctx: &mut AppContext<'_>, event: Value) -> Result<(), String> {
    peer.conn.as_mut().expect("checked by exchange").send(&event)?;
    loop {
        let message = peer.conn.as_mut().expect("checked by exchange").receive()?;
        let fields = json::Fields::of(&message)?;
        match fields.ty {
            "return" => return Ok(()),
            "crash" => {
                // The app's own code failed: a crash, not a broken exchange. The process
                // is done; it goes with the app object.
                ctx.crash(fields.str("message")?);
                if let Some(mut conn) = peer.conn.take() {
                    conn.kill();
                }
                return Ok(());
            }
            _ => {}
        }
        if let Some(answer) = calls::execute(peer, link, ctx, &fields)? {
            peer.conn.as_mut().expect("checked by exchange").send(&answer)?;
        }
    }
}

impl App for ProcessApp {
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, options: &LaunchOptions) {
        let fields = json!({
            "inBackground": options.in_background,
            "urlSessionIdentifier": options.url_session_identifier,
        });
        exchange(&self.link, ctx, "didFinishLaunching", fields);
    }

    fn handle_events_for_background_session(
        &mut self,
        ctx: &mut AppContext<'_>,
        identifier: &str,
        completion: CompletionHandler,
    ) {
        let handler = {
            let mut peer = self.link.borrow_mut();
            peer.handlers.push(completion);
            peer.handlers.len() - 1
        };
        let fields = json!({"identifier": identifier, "handler": handler});
        exchange(&self.link, ctx, "handleEventsForBackgroundURLSession", fields);
    }

    fn did_enter_background(&mut self, ctx: &mut AppContext<'_>) {
        exchange(&self.link, ctx, "applicationDidEnterBackground", json!({}));
    }

    fn will_enter_foreground(&mut self, ctx: &mut AppContext<'_>) {
        exchange(&self.link, ctx, "applicationWillEnterForeground", json!({}));
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let fields = json!({"url": url, "destination": destination});
        exchange(&self.link, ctx, "userTappedDownload", fields);
    }

    fn user_command(&mut self, ctx: &mut AppContext<'_>, command: &UserCommand) {
        let (ty, fields) = match command {
            UserCommand::Pause { destination } => {
                ("userTappedPause", json!({"destination": destination}))
            }
            UserCommand::Resume { destination } => {
                ("userTappedResume", json!({"destination": destination}))
            }
            UserCommand::SignOut => ("userTappedSignOut", json!({})),
            UserCommand::StopAfterDownloads => ("userTappedStopAfterDownloads", json!({})),
        };
        exchange(&self.link, ctx, ty, fields);
    }

    fn user_tapped_upload(&mut self, ctx: &mut AppContext<'_>, url: &str, content: &[u8]) {
        let fields = json!({"url": url, "content": json::bytes(content)});
        exchange(&self.link, ctx, "userTappedUpload", fields);
    }

    fn user_tapped_fetch(&mut self, ctx: &mut AppContext<'_>, url: &str, destination: &str) {
        let fields = json!({"url": url, "destination": destination});
        exchange(&self.link, ctx, "userTappedFetch", fields);
    }

    fn user_tapped_suspend_task(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        exchange(&self.link, ctx, "userTappedSuspendTask", json!({"url": url}));
    }

    fn user_tapped_resume_task(&mut self, ctx: &mut AppContext<'_>, url: &str) {
        exchange(&self.link, ctx, "userTappedResumeTask", json!({"url": url}));
    }
}

/// The delegate of one session the process made; its events go to the same process.
pub(crate) struct ProcessDelegate {
    pub link: Link,
}

impl ProcessDelegate {
    fn task_event(&self, ctx: &mut AppContext<'_>, ty: &str, task: &TaskInfo, more: Value) {
        let mut fields = match more {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        fields.insert("session".into(), task.key.session.clone().into());
        fields.insert("task".into(), json::task(task));
        exchange(&self.link, ctx, ty, Value::Object(fields));
    }
}

impl DownloadDelegate for ProcessDelegate {
    fn did_write_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        bytes_written: u64,
        total_bytes_written: u64,
        total_expected: i64,
    ) {
        let more = json!({
            "bytesWritten": bytes_written,
            "totalBytesWritten": total_bytes_written,
            "totalBytesExpectedToWrite": total_expected,
        });
        self.task_event(ctx, "didWriteData", task, more);
    }

    fn did_send_body_data(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        bytes_sent: u64,
        total_sent: u64,
        total_expected: i64,
    ) {
        let more = json!({
            "bytesSent": bytes_sent,
            "totalBytesSent": total_sent,
            "totalBytesExpectedToSend": total_expected,
        });
        self.task_event(ctx, "didSendBodyData", task, more);
    }

    fn did_receive_data(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, data: &[u8]) {
        let more = json!({"data": json::bytes(data)});
        self.task_event(ctx, "didReceiveData", task, more);
    }

    fn did_resume_at_offset(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        file_offset: u64,
        expected_total: i64,
    ) {
        let more = json!({"fileOffset": file_offset, "expectedTotalBytes": expected_total});
        self.task_event(ctx, "didResumeAtOffset", task, more);
    }

    fn did_finish_downloading_to(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        location: &str,
    ) {
        let more = json!({"location": location});
        self.task_event(ctx, "didFinishDownloadingTo", task, more);
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        let more = json!({"error": json::error(error)});
        self.task_event(ctx, "didCompleteWithError", task, more);
    }

    fn did_receive_challenge(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        challenge: &AuthChallenge,
        completion: ChallengeHandler,
    ) {
        let handler = {
            let mut peer = self.link.borrow_mut();
            peer.challenges.push(completion);
            peer.challenges.len() - 1
        };
        let more = json!({"challenge": json::challenge(challenge), "handler": handler});
        self.task_event(ctx, "didReceiveChallenge", task, more);
    }

    fn did_become_invalid_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        session: &str,
        error: Option<&UrlError>,
    ) {
        let fields = json!({"session": session, "error": json::error(error)});
        exchange(&self.link, ctx, "didBecomeInvalidWithError", fields);
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, session: &str) {
        exchange(&self.link, ctx, "urlSessionDidFinishEvents", json!({"session": session}));
    }
}
