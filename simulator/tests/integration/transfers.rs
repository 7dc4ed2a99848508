//! Model tests of the tasks that are not downloads: uploads from a file (API-1, PROG-3,
//! HTTP-1, HTTP-3, NET-2), data tasks (API-4), streamed uploads (API-6), and
//! `task.suspend()` (API-7). A small app and a raw HTTP responder that reads whole request
//! bodies, so the bytes that went over the wire can be compared with the file.

use crate::support;

use bgsim_simulator::app::{
    AppContext, CompletionHandler, LaunchOptions, SessionConfig, SessionHandle, TaskInfo, TaskKey,
    TaskKind, UploadMethod, UrlError,
};
use bgsim_simulator::content::generated;
use bgsim_simulator::network::{BoxedConnection, DialFuture};
use bgsim_simulator::trace::{Callback, What};
use bgsim_simulator::{
    Action, App, AppFactory, Dialer, DownloadDelegate, History, Profile, SimConfig, SimTime,
    Simulation,
};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{cb, has, position, respond, secs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as the responder read it: its head and its whole body.
#[derive(Clone, Debug)]
struct Received {
    head: String,
    body: Vec<u8>,
    /// The body ended as its framing said (false: the client went away first).
    complete: bool,
}

/// Builds the raw response from the request number (from 1) and the request.
type Answer = Arc<dyn Fn(usize, &Received) -> Vec<u8> + Send + Sync>;

/// A dialer whose server reads each request, body included (Content-Length or chunked),
/// records it, answers `answer(n, request)` and closes.
struct BodyDialer {
    answer: Answer,
    seen: Arc<Mutex<Vec<Received>>>,
}

async fn read_request(io: &mut tokio::io::DuplexStream) -> Option<Received> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if io.read(&mut byte).await.unwrap_or(0) == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut body = Vec::new();
    let mut complete = true;
    if let Some(n) = length {
        body.resize(n, 0);
        complete = io.read_exact(&mut body).await.is_ok();
    } else if head.contains("transfer-encoding: chunked") {
        loop {
            let mut line = Vec::new();
            while !line.ends_with(b"\r\n") {
                if io.read(&mut byte).await.unwrap_or(0) == 0 {
                    return Some(Received {
                        head,
                        body,
                        complete: false,
                    });
                }
                line.push(byte[0]);
            }
            let size = usize::from_str_radix(String::from_utf8_lossy(&line).trim(), 16).ok()?;
            let mut chunk = vec![0u8; size + 2];
            if io.read_exact(&mut chunk).await.is_err() {
                complete = false;
                break;
            }
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Some(Received {
        head,
        body,
        complete,
    })
}

impl Dialer for BodyDialer {
    fn dial(&self, _authority: &str) -> DialFuture<'_> {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let answer = Arc::clone(&self.answer);
        let seen = Arc::clone(&self.seen);
        tokio::spawn(async move {
            let Some(req) = read_request(&mut server).await else {
                return;
            };
            let n = {
                let mut seen = seen.lock().unwrap();
                seen.push(req.clone());
                seen.len()
            };
            if req.complete {
                let _ = server.write_all(&answer(n, &req)).await;
            }
            let _ = server.shutdown().await;
        });
        Box::pin(async move { Ok(Box::new(client) as BoxedConnection) })
    }
}

/// 201 with a small JSON body naming the bytes received, like the lab's server.
fn created() -> Answer {
    Arc::new(|_, req: &Received| {
        let json = format!("{{\"received\": {}}}\n", req.body.len());
        respond(
            "201 Created",
            "content-type: application/json\r\n",
            json.as_bytes(),
        )
    })
}

/// What the test app does.
#[derive(Clone, Copy, Default)]
struct Plan {
    /// Uploads from a stream rather than a file (API-6).
    streamed: bool,
    /// Does not write the file before creating the upload task.
    no_file: bool,
    /// Overwrites the file between creating the task and resuming it.
    modify_before_resume: bool,
    /// Overwrites the file right after resuming the task.
    modify_after_resume: bool,
}

#[derive(Default)]
struct Shared {
    plan: Plan,
    session: Option<SessionHandle>,
    handler: Option<CompletionHandler>,
    task: Option<TaskKey>,
}

struct Uploader(Rc<RefCell<Shared>>);
struct Delegate(Rc<RefCell<Shared>>);

const FILE: &str = "Documents/upload.bin";

fn factory(plan: Plan) -> AppFactory {
    Box::new(move || {
        Box::new(Uploader(Rc::new(RefCell::new(Shared {
            plan,
            ..Shared::default()
        })))) as Box<dyn App>
    })
}

impl App for Uploader {
    fn did_finish_launching(&mut self, ctx: &mut AppContext<'_>, _: &LaunchOptions) {
        let delegate = Rc::new(RefCell::new(Delegate(Rc::clone(&self.0))));
        let s = ctx.create_background_session(SessionConfig::background("up"), delegate);
        self.0.borrow_mut().session = Some(s);
    }

    fn handle_events_for_background_session(
        &mut self,
        _: &mut AppContext<'_>,
        _: &str,
        h: CompletionHandler,
    ) {
        self.0.borrow_mut().handler = Some(h);
    }

    fn user_tapped_download(&mut self, ctx: &mut AppContext<'_>, url: &str, _: &str) {
        let mut s = self.0.borrow_mut();
        let task = ctx.download_task(s.session.unwrap(), url).unwrap();
        ctx.resume(&task);
        s.task = Some(task);
    }

    fn user_tapped_upload(&mut self, ctx: &mut AppContext<'_>, url: &str, content: &[u8]) {
        let mut s = self.0.borrow_mut();
        let session = s.session.unwrap();
        let plan = s.plan;
        let task = if plan.streamed {
            ctx.upload_task_with_streamed_request(session, url, UploadMethod::Post, content)
        } else {
            if !plan.no_file {
                ctx.write_file(FILE, content).unwrap();
            }
            ctx.upload_task_from_file(session, url, UploadMethod::Put, FILE)
        }
        .unwrap();
        if plan.modify_before_resume {
            ctx.write_file(FILE, b"something else").unwrap();
        }
        ctx.resume(&task);
        if plan.modify_after_resume {
            ctx.write_file(FILE, b"something else").unwrap();
        }
        s.task = Some(task);
    }

    fn user_tapped_fetch(&mut self, ctx: &mut AppContext<'_>, url: &str, _: &str) {
        let mut s = self.0.borrow_mut();
        let task = ctx.data_task(s.session.unwrap(), url).unwrap();
        ctx.resume(&task);
        s.task = Some(task);
    }

    fn user_tapped_suspend_task(&mut self, ctx: &mut AppContext<'_>, _: &str) {
        let task = self.0.borrow().task.clone().unwrap();
        ctx.suspend(&task);
    }

    fn user_tapped_resume_task(&mut self, ctx: &mut AppContext<'_>, _: &str) {
        let task = self.0.borrow().task.clone().unwrap();
        ctx.resume(&task);
    }
}

impl DownloadDelegate for Delegate {
    fn did_finish_downloading_to(&mut self, ctx: &mut AppContext<'_>, _: &TaskInfo, loc: &str) {
        let _ = ctx.move_item(loc, "Documents/downloaded");
    }

    fn did_receive_data(&mut self, ctx: &mut AppContext<'_>, task: &TaskInfo, data: &[u8]) {
        let status = task.response.as_ref().map_or(0, |r| r.status);
        ctx.log(format!(
            "{} got {} bytes with status {status}",
            task.key,
            data.len()
        ));
    }

    fn did_complete_with_error(
        &mut self,
        ctx: &mut AppContext<'_>,
        task: &TaskInfo,
        error: Option<&UrlError>,
    ) {
        ctx.log(format!(
            "{} complete: {:?} sent {}/{}",
            task.key,
            error.map(|e| e.code),
            task.bytes_sent,
            task.bytes_expected_to_send
        ));
    }

    fn did_finish_events(&mut self, ctx: &mut AppContext<'_>, _: &str) {
        if let Some(h) = self.0.borrow().handler.clone() {
            h.call(ctx);
        }
    }
}

struct Ran {
    history: History,
    seen: Vec<Received>,
}

fn config() -> SimConfig {
    SimConfig {
        network: bgsim_simulator::NetworkConfig {
            bandwidth_bytes_per_s: 256 * 1024,
            latency: Duration::from_millis(40),
            up: true,
        },
        ..SimConfig::default()
    }
}

fn run_with(
    config: SimConfig,
    plan: Plan,
    answer: Answer,
    timeline: Vec<(SimTime, Action)>,
) -> Ran {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let dialer = Rc::new(BodyDialer {
            answer,
            seen: Arc::clone(&seen),
        });
        let mut sim = Simulation::new(config, factory(plan), dialer).unwrap();
        for (t, a) in timeline {
            sim.schedule(t, a);
        }
        sim.run_until(SimTime::NEVER).await;
        let history = sim.finish().0;
        // Let the responder tasks see their connections close.
        tokio::task::yield_now().await;
        let seen = seen.lock().unwrap().clone();
        Ran { history, seen }
    })
}

fn run(plan: Plan, answer: Answer, timeline: Vec<(SimTime, Action)>) -> Ran {
    run_with(config(), plan, answer, timeline)
}

const URL: &str = "http://test.server/uploads/a.bin";

fn upload(size: u64) -> Action {
    Action::Upload {
        url: URL.into(),
        size_bytes: size,
        seed: 9,
    }
}

fn fetch() -> Action {
    Action::Fetch {
        url: "http://test.server/feed".into(),
        destination: "Documents/feed".into(),
    }
}

fn foreground(action: Action) -> Vec<(SimTime, Action)> {
    vec![(secs(0.0), Action::Launch), (secs(1.0), action)]
}

fn sends(h: &History) -> Vec<(u64, u64, i64)> {
    h.records()
        .iter()
        .filter_map(|r| match cb(&r.what) {
            Some(Callback::DidSendBodyData {
                sent,
                total,
                expected,
                ..
            }) => Some((*sent, *total, *expected)),
            _ => None,
        })
        .collect()
}

fn logs(h: &History) -> Vec<String> {
    h.records()
        .iter()
        .filter_map(|r| match &r.what {
            What::Log(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

fn failed_with(h: &History, code: i64) -> bool {
    has(
        h,
        |w| matches!(w, What::Failed { error, .. } if error.code == code),
    )
}

#[test]
fn api_1_an_upload_sends_the_file_byte_for_byte_with_its_length() {
    let size = 300_000;
    let ran = run(Plan::default(), created(), foreground(upload(size)));
    assert_eq!(ran.seen.len(), 1);
    let req = &ran.seen[0];
    assert!(
        req.head.starts_with("put /uploads/a.bin http/1.1"),
        "{}",
        req.head
    );
    assert!(req.head.contains(&format!("content-length: {size}")));
    assert_eq!(req.body, generated(size, 9), "the body is the file");
    let h = &ran.history;
    assert!(has(h, |w| matches!(
        w,
        What::UploadFileRead { bytes: 300_000, .. }
    )));
    assert!(has(h, |w| matches!(
        w,
        What::UploadRequestSent {
            attempt: 1,
            content_length: 300_000,
            method: UploadMethod::Put,
            ..
        }
    )));
    // The log of the completion shows countOfBytesSent and countOfBytesExpectedToSend.
    assert!(logs(h).contains(&"up#1 complete: None sent 300000/300000".to_string()));
}

#[test]
fn prog_3_body_progress_counts_up_to_the_file_length_at_the_download_cadence() {
    let ran = run(Plan::default(), created(), foreground(upload(300_000)));
    let s = sends(&ran.history);
    // 256 KiB/s with 64 KiB of granularity: a 64 KiB step every 250 ms, then the rest.
    assert_eq!(
        s,
        vec![
            (65536, 65536, 300_000),
            (65536, 131072, 300_000),
            (65536, 196608, 300_000),
            (65536, 262144, 300_000),
            (37856, 300_000, 300_000),
        ]
    );
    let times: Vec<u64> = ran
        .history
        .records()
        .iter()
        .filter(|r| matches!(cb(&r.what), Some(Callback::DidSendBodyData { .. })))
        .map(|r| r.at.as_us())
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 250_000),
        "{times:?}"
    );
}

#[test]
fn http_3_the_response_body_arrives_through_did_receive_data_then_completion() {
    let ran = run(Plan::default(), created(), foreground(upload(1000)));
    let h = &ran.history;
    let got = position(h, |w| {
        matches!(cb(w), Some(Callback::DidReceiveData { bytes: 19, .. }))
    });
    let done = position(h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidCompleteWithError { error: None, .. })
        )
    });
    assert!(got < done);
    assert!(logs(h).contains(&"up#1 got 19 bytes with status 201".to_string()));
    assert!(!has(h, |w| matches!(
        cb(w),
        Some(Callback::DidFinishDownloadingTo { .. })
    )));
}

#[test]
fn http_1_a_500_to_an_upload_is_a_response_not_an_error() {
    let answer: Answer = Arc::new(|_, _: &Received| {
        respond(
            "500 Internal Server Error",
            "content-type: text/html\r\n",
            b"<html>oops</html>",
        )
    });
    let ran = run(Plan::default(), answer, foreground(upload(1000)));
    let h = &ran.history;
    assert!(logs(h).contains(&"up#1 got 17 bytes with status 500".to_string()));
    assert!(has(h, |w| matches!(
        w,
        What::Uploaded {
            status: 500,
            sent: 1000,
            received: 17,
            ..
        }
    )));
    assert!(logs(h).contains(&"up#1 complete: None sent 1000/1000".to_string()));
}

#[test]
fn net_2_a_cut_response_makes_the_daemon_send_the_whole_upload_again() {
    // The first response promises 100 bytes and sends 10; the second is whole.
    let answer: Answer = Arc::new(|n, req: &Received| {
        if n == 1 {
            let mut r = b"HTTP/1.1 201 Created\r\ncontent-length: 100\r\n\r\n".to_vec();
            r.extend_from_slice(b"0123456789");
            r
        } else {
            created()(n, req)
        }
    });
    let ran = run(Plan::default(), answer, foreground(upload(100_000)));
    assert_eq!(ran.seen.len(), 2, "sent twice");
    for req in &ran.seen {
        assert_eq!(req.body, generated(100_000, 9));
    }
    let h = &ran.history;
    assert!(has(h, |w| matches!(
        w,
        What::UploadRequestSent { attempt: 2, .. }
    )));
    // Progress starts over from 0 on the second attempt.
    let totals: Vec<u64> = sends(h).iter().map(|s| s.1).collect();
    assert_eq!(totals, vec![65536, 100_000, 65536, 100_000]);
    // Only the complete response reached the app.
    let received: Vec<u64> = h
        .records()
        .iter()
        .filter_map(|r| match cb(&r.what) {
            Some(Callback::DidReceiveData { bytes, .. }) => Some(*bytes),
            _ => None,
        })
        .collect();
    assert_eq!(received, vec![21]);
}

#[test]
fn net_1_network_loss_mid_body_waits_then_the_upload_starts_over() {
    let mut t = foreground(upload(200_000));
    t.push((secs(1.5), Action::NetworkDown));
    t.push((secs(30.0), Action::NetworkUp));
    let ran = run(Plan::default(), created(), t);
    let h = &ran.history;
    assert!(has(h, |w| matches!(
        w,
        What::Interrupted { bytes, reason, .. } if *bytes > 0 && reason == "network down"
    )));
    let complete: Vec<&Received> = ran.seen.iter().filter(|r| r.complete).collect();
    assert_eq!(complete.len(), 1);
    assert_eq!(complete[0].body, generated(200_000, 9));
    assert!(has(h, |w| matches!(
        w,
        What::UploadRequestSent { attempt: 2, .. }
    )));
}

#[test]
fn a_missing_upload_file_fails_the_task_with_1100_at_resume() {
    let plan = Plan {
        no_file: true,
        ..Plan::default()
    };
    let ran = run(plan, created(), foreground(upload(1000)));
    assert!(failed_with(&ran.history, UrlError::FILE_DOES_NOT_EXIST));
    assert!(ran.seen.is_empty(), "nothing was sent");
}

#[test]
fn the_daemon_copies_the_file_at_resume() {
    // Changed before resume(): the change is uploaded.
    let plan = Plan {
        modify_before_resume: true,
        ..Plan::default()
    };
    let ran = run(plan, created(), foreground(upload(1000)));
    assert_eq!(ran.seen[0].body, b"something else");
    // Changed after resume(): the copy taken at resume is uploaded.
    let plan = Plan {
        modify_after_resume: true,
        ..Plan::default()
    };
    let ran = run(plan, created(), foreground(upload(1000)));
    assert_eq!(ran.seen[0].body, generated(1000, 9));
}

#[test]
fn lc_3_an_upload_survives_a_system_kill_and_its_response_arrives_on_relaunch() {
    let t = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), upload(2_000_000)),
        (secs(2.0), Action::Home),
        (secs(8.0), Action::SystemKill),
    ];
    let ran = run(Plan::default(), created(), t.clone());
    let h = &ran.history;
    let uploaded = position(h, |w| matches!(w, What::Uploaded { status: 201, .. }));
    let wake = position(h, |w| matches!(w, What::Wake { .. }));
    let body = position(h, |w| {
        matches!(cb(w), Some(Callback::DidReceiveData { .. }))
    });
    let events = position(h, |w| {
        matches!(cb(w), Some(Callback::DidFinishEvents { .. }))
    });
    assert!(uploaded < wake && wake < body && body < events);
    assert_eq!(ran.seen[0].body, generated(2_000_000, 9));
    // ORD-6: no progress reached the app while it was not running.
    let last_sent = h
        .records()
        .iter()
        .rposition(|r| matches!(cb(&r.what), Some(Callback::DidSendBodyData { .. })))
        .unwrap();
    let suspended = position(h, |w| {
        matches!(
            w,
            What::State {
                to: bgsim_simulator::AppState::Suspended,
                ..
            }
        )
    });
    assert!(last_sent < suspended);

    // HTTP-3's knob off: the held response body is not delivered on relaunch.
    let mut cfg = config();
    cfg.profile = Profile {
        upload_response_on_connect: false,
        ..Profile::default()
    };
    let ran = run_with(cfg, Plan::default(), created(), t);
    assert!(!has(&ran.history, |w| matches!(
        cb(w),
        Some(Callback::DidReceiveData { .. })
    )));
    assert!(has(&ran.history, |w| matches!(
        cb(w),
        Some(Callback::DidCompleteWithError { error: None, .. })
    )));
}

fn slow_body() -> Answer {
    Arc::new(|_, _: &Received| {
        respond(
            "200 OK",
            "content-type: application/octet-stream\r\n",
            &[7u8; 2_000_000],
        )
    })
}

#[test]
fn api_4_a_data_task_delivers_data_live_and_dies_with_997_on_suspension() {
    let t = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), fetch()),
        (secs(2.0), Action::Home),
        (secs(60.0), Action::Foreground),
    ];
    let ran = run(Plan::default(), slow_body(), t);
    let h = &ran.history;
    let live = position(h, |w| {
        matches!(cb(w), Some(Callback::DidReceiveData { bytes: 65536, .. }))
    });
    let suspended = position(h, |w| {
        matches!(
            w,
            What::State {
                to: bgsim_simulator::AppState::Suspended,
                ..
            }
        )
    });
    let failed = position(
        h,
        |w| matches!(w, What::Failed { error, .. } if error.code == UrlError::BACKGROUND_SESSION_WAS_DISCONNECTED),
    );
    let delivered = position(h, |w| {
        matches!(
            cb(w),
            Some(Callback::DidCompleteWithError { error: Some(e), .. }) if e.code == -997
        )
    });
    let back = position(h, |w| matches!(w, What::Step(Action::Foreground)));
    assert!(live < suspended && suspended < failed && failed < back && back < delivered);
    assert_eq!(h.records()[failed].at, h.records()[suspended].at);
    // The -997 is not a background transfer's end: no wake for it.
    assert!(!has(h, |w| matches!(w, What::Wake { .. })));
}

#[test]
fn api_4_after_a_kill_the_997_arrives_when_a_new_process_connects() {
    let t = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), fetch()),
        (secs(2.0), Action::Home),
        (secs(3.0), Action::SystemKill),
        (secs(600.0), Action::Launch),
    ];
    let ran = run(Plan::default(), slow_body(), t);
    let h = &ran.history;
    let killed = position(h, |w| matches!(w, What::Step(Action::SystemKill)));
    let failed = position(
        h,
        |w| matches!(w, What::Failed { error, .. } if error.code == -997),
    );
    let connect = position(h, |w| {
        matches!(w, What::SessionCreated { held_events: 1, .. })
    });
    assert!(killed < failed && failed < connect);
    assert!(!has(h, |w| matches!(w, What::Wake { .. })));
    assert!(logs(h).contains(&"up#1 complete: Some(-997) sent 0/0".to_string()));
}

#[test]
fn api_4_a_data_task_that_loses_the_network_mid_body_fails_with_1005() {
    let mut t = foreground(fetch());
    t.push((secs(2.0), Action::NetworkDown));
    let ran = run(Plan::default(), slow_body(), t);
    assert!(failed_with(&ran.history, UrlError::NETWORK_CONNECTION_LOST));
}

#[test]
fn api_6_a_streamed_upload_is_chunked_of_unknown_length_and_dies_on_suspension() {
    let plan = Plan {
        streamed: true,
        ..Plan::default()
    };
    let ran = run(plan, created(), foreground(upload(100_000)));
    let req = &ran.seen[0];
    assert!(req.head.starts_with("post "), "{}", req.head);
    assert!(req.head.contains("transfer-encoding: chunked"));
    assert_eq!(req.body, generated(100_000, 9));
    assert!(sends(&ran.history).iter().all(|s| s.2 == -1), "PROG-3: -1");

    let t = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), upload(2_000_000)),
        (secs(2.0), Action::Home),
        (secs(30.0), Action::Foreground),
    ];
    let ran = run(plan, created(), t);
    assert!(failed_with(&ran.history, -997));
    assert!(ran.seen.iter().all(|r| !r.complete), "never completed");
}

#[test]
fn api_7_a_suspended_download_sends_nothing_keeps_its_timeout_and_continues() {
    let body: Vec<u8> = (0..1_000_000).map(|i| (i % 251) as u8).collect();
    let answer = support::serve_bytes(body.clone());
    let answer: Answer = Arc::new(move |_, req: &Received| answer(&req.head));
    let mut cfg = config();
    // A 10-minute resource timeout, and a pause of an hour: the timer must not run.
    cfg.profile.resource_timeout_default = Duration::from_secs(600);
    let t = vec![
        (secs(0.0), Action::Launch),
        (
            secs(1.0),
            Action::Download {
                url: "http://test.server/file".into(),
                destination: "Documents/x".into(),
            },
        ),
        (
            secs(2.0),
            Action::SuspendTask {
                url: "http://test.server/file".into(),
            },
        ),
        (
            secs(3602.0),
            Action::ResumeTask {
                url: "http://test.server/file".into(),
            },
        ),
    ];
    let ran = run_with(cfg, Plan::default(), answer, t);
    let h = &ran.history;
    let paused = position(
        h,
        |w| matches!(w, What::Paused { kept, timeout_left: Some(left), .. } if *kept > 0 && *left < Duration::from_secs(600)),
    );
    let resumed = position(h, |w| matches!(w, What::Step(Action::ResumeTask { .. })));
    // Nothing happened for the task between the pause and the resume.
    assert!(h.records()[paused + 1..resumed]
        .iter()
        .all(|r| !matches!(r.what, What::RequestSent { .. } | What::Failed { .. })));
    assert!(!failed_with(h, UrlError::TIMED_OUT));
    // It continued where it was, with a Range.
    assert_eq!(ran.seen.len(), 2);
    assert!(
        ran.seen[1].head.contains("range: bytes="),
        "{}",
        ran.seen[1].head
    );
    assert!(has(h, |w| matches!(
        w,
        What::Downloaded {
            bytes: 1_000_000,
            ..
        }
    )));
}

#[test]
fn api_7_a_suspended_upload_starts_over_from_a_fresh_copy() {
    let t = vec![
        (secs(0.0), Action::Launch),
        (secs(1.0), upload(1_000_000)),
        (secs(2.0), Action::SuspendTask { url: URL.into() }),
        (secs(100.0), Action::ResumeTask { url: URL.into() }),
    ];
    let ran = run(Plan::default(), created(), t);
    let h = &ran.history;
    assert!(has(h, |w| matches!(w, What::Paused { kept: 0, .. })));
    let copies = h
        .records()
        .iter()
        .filter(|r| matches!(r.what, What::UploadFileRead { .. }))
        .count();
    assert_eq!(copies, 2, "a fresh copy at each resume()");
    assert!(has(h, |w| matches!(
        w,
        What::UploadRequestSent { attempt: 2, .. }
    )));
    let complete: Vec<&Received> = ran.seen.iter().filter(|r| r.complete).collect();
    assert_eq!(complete.len(), 1);
    assert_eq!(complete[0].body, generated(1_000_000, 9));
}

#[test]
fn task_info_describes_the_kind() {
    // A fetch and an upload, seen from the delegate through TaskInfo.
    let ran = run(Plan::default(), created(), foreground(upload(10)));
    assert!(logs(&ran.history).contains(&"up#1 complete: None sent 10/10".to_string()));
    let kind = TaskKind::Upload {
        method: UploadMethod::Put,
        file: FILE.into(),
    };
    assert!(!kind.process_bound() && TaskKind::Data.process_bound());
    assert!(TaskKind::StreamedUpload {
        method: UploadMethod::Post
    }
    .process_bound());
}

#[test]
fn an_empty_file_is_uploaded_with_content_length_0() {
    let ran = run(Plan::default(), created(), foreground(upload(0)));
    assert_eq!(ran.seen.len(), 1);
    assert!(ran.seen[0].head.contains("content-length: 0"));
    assert!(ran.seen[0].body.is_empty());
    assert!(has(&ran.history, |w| matches!(
        w,
        What::Uploaded {
            status: 201,
            sent: 0,
            ..
        }
    )));
    assert!(sends(&ran.history).is_empty(), "no body, no body progress");
}
