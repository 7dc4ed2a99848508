//! Upload tasks (API-1: from a file; API-6: from a stream) and the response side of every
//! task that is not a download: upload responses (HTTP-3) and data tasks (API-4).
//!
//! **When the file is read.** The daemon takes its copy of an upload's file when the app
//! calls `resume()` (assumption: Apple does not say; a third-party report, livefront's
//! "Uploading data in the background in iOS", says the system copies the file, so the app
//! may delete its own). A file missing then fails the task with NSURLErrorFileDoesNotExist
//! (-1100). Every attempt sends that copy from its first byte: uploads cannot resume before
//! iOS 17 (RES-8), so a retry after a lost connection (NET-2) starts over, and so does a
//! task resumed after `suspend()` (API-7), which takes a fresh copy.
//!
//! **How the body moves.** Like a download pulls exactly the bytes the bandwidth model
//! grants, an upload pushes exactly its grant per step into a real hyper request body (a
//! channel of capacity one) and waits until hyper has taken it. Once the last byte is out,
//! the daemon waits for the real response (the server reads the whole body first), then
//! delivers its head one round trip later. Real I/O is awaited, but never decides order.
//!
//! **The response body.** A data task's body reaches the app as it arrives, through
//! didReceiveData, while the app runs (API-4). An upload's response body is handed over
//! whole, as one didReceiveData right before didCompleteWithError(nil), whatever the status
//! (HTTP-1, HTTP-3): a response cut short is retried with the whole upload, so handing over
//! a part first would show the app bytes of a response that never completed (assumption).

use super::transfer::{self, End, Transfer, Url};
use super::{Daemon, DaemonEvent, DelegateEvent, Env};
use crate::app::{HttpResponse, TaskKey, TaskKind, UploadMethod, UrlError};
use crate::clock::EventId;
use crate::network::{Dialer, StallProbe};
use crate::sim::Event;
use crate::time::SimTime;
use crate::trace::What;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::SendRequest;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use super::task::Phase;
use super::upload_copy::UploadCopy;

/// What a task needs beyond a download's fields: its kind, the request body of an upload,
/// the response body of an upload, and the resource timeout frozen by `suspend()` (API-7).
#[derive(Debug, Default)]
pub(crate) struct TaskExt {
    pub kind: TaskKind,
    /// `countOfBytesSent` of the current attempt.
    pub bytes_sent: u64,
    /// `countOfBytesExpectedToSend` (PROG-3).
    pub expected_to_send: i64,
    /// The body every attempt sends: the daemon's copy of the file, or the stream's bytes,
    /// on disk.
    pub copy: Option<UploadCopy>,
    /// An upload's response body, handed over whole when it ends.
    pub response: Vec<u8>,
    /// API-7: what was left of the resource timeout when the app suspended the task.
    pub paused_timeout: Option<Duration>,
    /// NET-3: the resource timeouts scheduled for the task and not yet run or dropped.
    pub deadlines: Vec<(SimTime, EventId)>,
}

impl TaskKind {
    /// The method of an upload; None for the kinds that send no body.
    pub(super) fn method(&self) -> Option<UploadMethod> {
        match self {
            TaskKind::Upload { method, .. } | TaskKind::StreamedUpload { method } => Some(*method),
            _ => None,
        }
    }
}

/// One piece of a request body on its way to hyper; the body acknowledges a data piece
/// when it hands it over.
enum Piece {
    Data(Bytes, oneshot::Sender<()>),
    End,
}

/// The body was abandoned before its end (the daemon dropped the attempt).
#[derive(Debug)]
pub(crate) struct BodyAbandoned;

impl std::fmt::Display for BodyAbandoned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body abandoned")
    }
}

impl std::error::Error for BodyAbandoned {}

/// A request body fed by the daemon, one granted piece at a time. If the daemon drops the
/// attempt before the end, the body fails, so hyper aborts the request rather than end a
/// chunked body early as if it were complete.
pub(crate) struct UploadBody {
    rx: mpsc::Receiver<Piece>,
    ended: bool,
}

impl Body for UploadBody {
    type Data = Bytes;
    type Error = BodyAbandoned;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyAbandoned>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match std::task::ready!(self.rx.poll_recv(cx)) {
            Some(Piece::Data(b, taken)) => {
                let _ = taken.send(());
                Poll::Ready(Some(Ok(Frame::data(b))))
            }
            Some(Piece::End) => {
                self.ended = true;
                Poll::Ready(None)
            }
            None => Poll::Ready(Some(Err(BodyAbandoned))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

type ResponseFuture = Pin<Box<dyn Future<Output = hyper::Result<http::Response<Incoming>>>>>;

/// An upload attempt whose request body is being sent.
pub(crate) struct Sending {
    tx: mpsc::Sender<Piece>,
    response: ResponseFuture,
    /// A response that came before the body was all sent.
    early: Option<hyper::Result<http::Response<Incoming>>>,
    sender: SendRequest<UploadBody>,
    /// Tells when the server stalls the response body (NET-2).
    stalls: Option<Box<dyn StallProbe>>,
}

const LOST_MID_BODY: &str = "connection lost while sending the body";

impl Sending {
    /// Hands `data` to hyper and waits until hyper has taken it, or the server answered
    /// early, or the connection failed.
    async fn push(&mut self, data: Bytes) -> Result<(), String> {
        if self.early.is_some() {
            return Ok(());
        }
        let tx = &self.tx;
        let handed = async move {
            let (taken, was_taken) = oneshot::channel();
            tx.send(Piece::Data(data, taken)).await.map_err(|_| ())?;
            was_taken.await.map_err(|_| ())
        };
        tokio::select! {
            biased;
            r = handed => r.map_err(|()| LOST_MID_BODY.to_string()),
            resp = &mut self.response => {
                self.early = Some(resp);
                Ok(())
            }
        }
    }

    /// Ends the body and waits for the response.
    async fn finish(mut self) -> Result<(super::transfer::Head, Transfer), String> {
        let resp = match self.early.take() {
            Some(r) => r,
            None => {
                // For a body with a Content-Length hyper may have stopped reading: the end
                // marker then just waits in the channel, or finds it closed.
                let _ = self.tx.send(Piece::End).await;
                self.response.await
            }
        };
        match resp {
            Ok(resp) => {
                let (head, body) = transfer::received(resp, Box::new(self.sender));
                Ok((head, body.watched(self.stalls)))
            }
            Err(e) if e.is_incomplete_message() || e.is_canceled() => {
                Err("connection closed before the response".into())
            }
            Err(_) => Err("no response".into()),
        }
    }
}

/// Opens a connection and sends the head of an upload request whose body follows.
async fn open(
    dialer: &dyn Dialer,
    url: &Url,
    method: UploadMethod,
    content_length: Option<u64>,
) -> Result<Sending, String> {
    let (mut sender, stalls) = transfer::connect(dialer, url).await?;
    let (tx, rx) = mpsc::channel(1);
    let mut req = http::Request::builder()
        .method(method.as_str())
        .uri(url.path_and_query.as_str())
        .header("host", url.authority.as_str())
        .header("user-agent", "bgsim-nsurlsessiond/1")
        .header("accept", "*/*");
    if let Some(n) = content_length {
        req = req.header("content-length", n);
    }
    let req = req
        .body(UploadBody { rx, ended: false })
        .map_err(|e| format!("bad request: {e}"))?;
    let response = Box::pin(sender.send_request(req));
    Ok(Sending {
        tx,
        response,
        early: None,
        sender,
        stalls,
    })
}

impl Daemon {
    /// Makes a freshly created task an upload or a data task.
    pub fn set_kind(&mut self, env: &Env<'_>, key: &TaskKey, kind: TaskKind, body: Option<&[u8]>) {
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        t.ext.expected_to_send = match &kind {
            // PROG-3: the file's length (known once it exists).
            TaskKind::Upload { file, .. } => env.sandbox.size(file).map_or(0, |n| n as i64),
            // PROG-3: -1 for a stream.
            TaskKind::StreamedUpload { .. } => -1,
            TaskKind::Download | TaskKind::Data => 0,
        };
        // A stream's bytes are the daemon's at once; a copy that cannot be written sends
        // nothing, and the task fails as a body cut short would.
        t.ext.copy = body.and_then(|b| UploadCopy::of_bytes(env.sandbox, b).ok());
        t.ext.kind = kind;
    }

    /// Before `resume()`: an upload from a file takes its copy of the file now, or fails
    /// with -1100 when the file is missing (see the module documentation).
    pub(super) fn copy_upload_file(&mut self, env: &mut Env<'_>, key: &TaskKey) {
        let Some(t) = self.tasks.get_mut(key) else {
            return;
        };
        let TaskKind::Upload { file, .. } = &t.ext.kind else {
            return;
        };
        if !matches!(t.phase, Phase::Suspended) || t.fail_on_resume.is_some() {
            return;
        }
        let copied = UploadCopy::of_file(env.sandbox, file).ok();
        match copied {
            Some(copy) => {
                env.record(What::UploadFileRead {
                    task: key.clone(),
                    path: file.clone(),
                    bytes: copy.len_bytes(),
                    fnv1a64: copy.fnv1a64(),
                });
                t.ext.expected_to_send = copy.len_bytes() as i64;
                t.ext.copy = Some(copy);
            }
            None => t.fail_on_resume = Some(UrlError::FILE_DOES_NOT_EXIST),
        }
    }

    /// Starts an upload attempt: the head goes out now, the body over the next steps. Every
    /// attempt sends the whole body again (NET-2; RES-8 before iOS 17).
    pub(super) async fn start_upload(&mut self, env: &mut Env<'_>, key: TaskKey, attempt: u32) {
        let t = self.tasks.get_mut(&key).expect("starting task");
        let method = t.ext.kind.method().expect("an upload");
        let length = match t.ext.kind {
            TaskKind::Upload { .. } => t.ext.copy.as_ref().map(UploadCopy::len_bytes),
            _ => None,
        };
        t.ext.bytes_sent = 0;
        t.ext.response.clear();
        env.record(What::UploadRequestSent {
            task: key.clone(),
            attempt,
            method,
            content_length: length.map_or(-1, |n| n as i64),
        });
        let url = t.url.clone();
        let dialer = std::rc::Rc::clone(&self.dialer);
        match open(&*dialer, &url, method, length).await {
            Ok(sending) => {
                let t = self.tasks.get_mut(&key).expect("nothing ran meanwhile");
                t.phase = Phase::Sending(Box::new(sending));
                self.went_on_the_wire(&key);
                self.ensure_step(env);
            }
            Err(reason) => self.retry_later(env, &key, reason),
        }
    }

    /// One network step of a task that is not a download: send its grant of the request
    /// body, or take its grant of the response body.
    pub(super) async fn step_other(&mut self, env: &mut Env<'_>, key: &TaskKey, grant: u64) {
        let t = self.tasks.get_mut(key).expect("active task");
        match &mut t.phase {
            Phase::Sending(_) => self.send_step(env, key, grant).await,
            Phase::Receiving(_) => self.receive_step(env, key, grant).await,
            _ => {}
        }
    }

    async fn send_step(&mut self, env: &mut Env<'_>, key: &TaskKey, grant: u64) {
        let t = self.tasks.get_mut(key).expect("active task");
        let Phase::Sending(sending) = &mut t.phase else {
            return;
        };
        let body_len = t.ext.copy.as_ref().map_or(0, UploadCopy::len_bytes);
        let from = t.ext.bytes_sent.min(body_len);
        let n = grant.min(body_len - from);
        if n > 0 {
            let read = match &t.ext.copy {
                Some(copy) => copy.read_at(from, n as usize).map_err(|e| e.to_string()),
                None => Err("the daemon's copy of the body is gone".to_string()),
            };
            let pushed = match read {
                Ok(piece) => sending.push(piece).await,
                Err(e) => Err(format!("cannot read the body: {e}")),
            };
            if let Err(reason) = pushed {
                self.upload_interrupted(env, key, reason);
                return;
            }
            t.ext.bytes_sent += n;
            let ev = DelegateEvent::SentBodyData {
                task: key.clone(),
                sent: n,
                total: t.ext.bytes_sent,
                expected: t.ext.expected_to_send,
            };
            self.emit(ev);
        }
        let t = self.tasks.get_mut(key).expect("active task");
        if t.ext.bytes_sent < body_len {
            return;
        }
        // The whole body is out: the response comes one round trip later.
        let Phase::Sending(sending) = std::mem::replace(&mut t.phase, Phase::Waiting) else {
            return;
        };
        match sending.finish().await {
            Ok(opened) => {
                let t = self.tasks.get_mut(key).expect("active task");
                t.phase = Phase::Connecting(Box::new(opened));
                let epoch = t.epoch;
                env.clock.schedule(
                    env.now + self.network.time_to_headers() / 2,
                    Event::Daemon(DaemonEvent::Headers {
                        task: key.clone(),
                        epoch,
                    }),
                );
            }
            Err(reason) => self.upload_interrupted(env, key, reason),
        }
    }

    /// The final response of an upload or a data task (redirects were followed before):
    /// its body goes to the app, never to a file.
    pub(super) fn body_response(
        &mut self,
        env: &mut Env<'_>,
        key: &TaskKey,
        head: super::transfer::Head,
        transfer: Transfer,
    ) {
        let backoff = self.profile.retry_backoff_initial;
        let t = self.tasks.get_mut(key).expect("answered task");
        let content_length = head.content_length.map_or(-1, |n| n as i64);
        t.bytes_received = 0;
        t.expected = content_length;
        t.ext.response.clear();
        t.response = Some(HttpResponse {
            status: head.status,
            expected_content_length: content_length,
            etag: head.etag,
            last_modified: head.last_modified,
            retry_after: head.retry_after,
            date: head.date,
            content_encoding: head.content_encoding,
        });
        t.backoff = backoff;
        t.phase = Phase::Receiving(Box::new(transfer));
        self.went_on_the_wire(key);
        self.ensure_step(env);
    }

    async fn receive_step(&mut self, env: &mut Env<'_>, key: &TaskKey, grant: u64) {
        let t = self.tasks.get_mut(key).expect("active task");
        let Phase::Receiving(transfer) = &mut t.phase else {
            return;
        };
        let (data, end) = transfer.pull(grant).await;
        t.bytes_received += data.len() as u64;
        if !data.is_empty() {
            if t.ext.kind == TaskKind::Data {
                // API-4: the data task's body reaches the app as it arrives.
                let ev = DelegateEvent::ReceivedData {
                    task: key.clone(),
                    data,
                };
                self.emit(ev);
            } else {
                t.ext.response.extend_from_slice(&data);
            }
        }
        let t = self.tasks.get_mut(key).expect("active task");
        match end {
            None => {}
            Some(End::Eof) if t.expected < 0 || t.bytes_received >= t.expected as u64 => {
                self.finish_body(env, key)
            }
            Some(End::Eof) => {
                self.body_interrupted(env, key, "connection closed before the body ended".into())
            }
            Some(End::Error(reason)) => self.body_interrupted(env, key, reason),
            Some(End::Stalled(stall)) => self.stalled(env, key, stall),
        }
    }

    /// HTTP-1 / HTTP-3: the response ended; the task completes without error, whatever the
    /// status. An upload's response body is handed over first, whole.
    fn finish_body(&mut self, env: &mut Env<'_>, key: &TaskKey) {
        self.drop_deadline(env, key);
        let t = self.tasks.get_mut(key).expect("finishing task");
        t.phase = Phase::Completed;
        t.epoch += 1;
        t.ext.copy = None;
        let status = t.response.as_ref().map_or(0, |r| r.status);
        let body = std::mem::take(&mut t.ext.response);
        if t.ext.kind == TaskKind::Data {
            env.record(What::Fetched {
                task: key.clone(),
                status,
                bytes: t.bytes_received,
            });
        } else {
            env.record(What::Uploaded {
                task: key.clone(),
                status,
                sent: t.ext.bytes_sent,
                received: t.bytes_received,
            });
            if !body.is_empty() {
                self.emit(DelegateEvent::ReceivedData {
                    task: key.clone(),
                    data: body,
                });
            }
        }
        self.emit(DelegateEvent::Completed {
            task: key.clone(),
            error: None,
        });
        self.finish_invalidation(&key.session);
        self.free_slot(env);
    }

    /// The connection failed while a response body was arriving. A data task has already
    /// shown its bytes to the app, so it fails with -1005 as a standard session's task does
    /// (NET-5; assumption for background sessions); an upload starts over (NET-2).
    fn body_interrupted(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: String) {
        let t = self.tasks.get(key).expect("interrupted task");
        if t.ext.kind == TaskKind::Data {
            self.data_task_lost(env, key, reason);
        } else {
            self.upload_interrupted(env, key, format!("the response was cut: {reason}"));
        }
    }

    /// NET-2 / NET-5: an upload that lost its connection is retried after a backoff, from
    /// its first byte (RES-8: no upload resume before iOS 17).
    fn upload_interrupted(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: String) {
        let bytes = self.tasks.get(key).map_or(0, |t| t.ext.bytes_sent);
        env.record(What::Interrupted {
            task: key.clone(),
            bytes,
            reason,
        });
        self.retry_later(env, key, "connection lost; the upload starts over".into());
    }

    /// A data task lost its connection after body bytes reached the app: -1005.
    pub(super) fn data_task_lost(&mut self, env: &mut Env<'_>, key: &TaskKey, reason: String) {
        let bytes = self.tasks.get(key).map_or(0, |t| t.bytes_received);
        env.record(What::Interrupted {
            task: key.clone(),
            bytes,
            reason,
        });
        let error = UrlError {
            code: UrlError::NETWORK_CONNECTION_LOST,
            cancel_reason: None,
            resume_data: None,
        };
        self.complete_with_error(env, key, error);
    }
}

impl DelegateEvent {
    /// Progress, which nobody sees while the app does not run (ORD-6).
    pub fn is_progress(&self) -> bool {
        matches!(
            self,
            DelegateEvent::WriteData { .. } | DelegateEvent::SentBodyData { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test(flavor = "current_thread")]
    async fn an_abandoned_body_fails_instead_of_ending() {
        let (tx, rx) = mpsc::channel(1);
        let mut body = UploadBody { rx, ended: false };
        let (taken, was_taken) = oneshot::channel();
        tx.send(Piece::Data(Bytes::from_static(b"ab"), taken))
            .await
            .unwrap();
        drop(tx);
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from_static(b"ab"));
        assert!(was_taken.await.is_ok(), "acknowledged");
        assert!(body.frame().await.unwrap().is_err());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_ended_body_ends() {
        let (tx, rx) = mpsc::channel(1);
        let mut body = UploadBody { rx, ended: false };
        tx.send(Piece::End).await.unwrap();
        assert!(body.frame().await.is_none());
        assert!(body.is_end_stream());
    }
}
