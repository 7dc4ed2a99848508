//! The fixture server's fault plan, end to end: every `Fault` variant, seen by a real hyper
//! client and, where the wire matters (cuts, short 206s, close-delimited bodies), by a raw
//! reader counting exact bytes. Every test runs over loopback TCP and over the in-memory
//! duplex transport.

use crate::common::http as harness;

use std::future::Future;
use std::task::{Context, Waker};
use std::time::Duration;

use http::header;
use http::{Method, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use bgsim::server::{
    Fault, FaultPlan, FaultRule, Fixture, FixtureServer, FixtureSet, MemoryServer, RetryAfter,
    Stall, StallBoard,
};
use harness::{raw_header, text_bytes, Harness};

const MIB3: u64 = 3 * 1024 * 1024;
const BIG_SEED: u64 = 11;

/// Runs `check` against a fresh server for the fixtures below and `plan`, first over TCP,
/// then in memory. Bodies may end with an error: that is what most faults are about.
async fn on_both<F, Fut>(plan: FaultPlan, check: F)
where
    F: Fn(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    harness::on_both(
        || FixtureServer::with_faults(fixtures(), plan.clone()),
        false,
        check,
    )
    .await;
}

fn plan(rules: impl IntoIterator<Item = FaultRule>) -> FaultPlan {
    let mut plan = FaultPlan::new();
    for rule in rules {
        plan.push(rule);
    }
    plan
}

fn fixtures() -> FixtureSet {
    let mut set = FixtureSet::new();
    set.insert(Fixture::file("/file.txt", text_bytes()));
    set.insert(Fixture::generated("/big.bin", MIB3, BIG_SEED));
    set.insert(Fixture::generated("/stream.bin", 200_000, 9).with_chunked(true));
    set
}

/// Bytes `offset..offset + len` of the ChaCha8 keystream for `seed`.
fn keystream(seed: u64, offset: usize, len: usize) -> Vec<u8> {
    harness::keystream(seed, offset as u64, len)
}

const GET_BIG: &str = "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n";

// ---------------------------------------------------------------------------------------
// Cut
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn cut_sends_the_full_length_head_and_exactly_n_bytes_then_fin() {
    const AT: u64 = 1_000_003;
    let p = plan([FaultRule::every("/big.bin", Fault::Cut { at_byte: AT })]);
    on_both(p, |h| async move {
        // A hyper client: the head promises 3 MiB, exactly AT bytes arrive, then the body
        // fails as incomplete.
        let mut c = h.connect().await;
        let r = c.get("/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("3145728"));
        r.cut_after(AT as usize);
        assert!(
            r.body == keystream(BIG_SEED, 0, AT as usize),
            "{}",
            h.name()
        );

        // A raw reader: the same head and prefix, then the server closes on its own.
        let (head, body) = h.raw(GET_BIG).await;
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(raw_header(&head, "content-length"), Some("3145728"));
        assert_eq!(body.len() as u64, AT, "{}", h.name());
        assert!(body == keystream(BIG_SEED, 0, AT as usize));

        for i in 0..2 {
            let e = h.server.journal().wait_finished(i).await;
            assert_eq!(
                (e.status, e.body_bytes_sent, e.body_complete),
                (200, AT, false)
            );
            assert_eq!(h.journal_fault(i).as_deref(), Some("cut at 1000003"));
        }
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn cut_under_back_pressure_still_delivers_exactly_n_bytes() {
    // The reader starts only after the server has filled the transport's buffers, so the
    // cut happens while hyper still holds unsent bytes.
    const AT: u64 = 2_500_001;
    let p = plan([FaultRule::every("/big.bin", Fault::Cut { at_byte: AT })]);
    on_both(p, |h| async move {
        let (head, body) = h.raw_late_reader(GET_BIG).await;
        assert_eq!(raw_header(&head, "content-length"), Some("3145728"));
        assert_eq!(body.len() as u64, AT, "{}", h.name());
        assert!(body == keystream(BIG_SEED, 0, AT as usize), "{}", h.name());
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn cut_at_zero_sends_only_the_head() {
    let p = plan([FaultRule::every("/file.txt", Fault::Cut { at_byte: 0 })]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("100000"));
        r.cut_after(0);
        let (head, body) = h.raw("GET /file.txt HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{}", h.name());
        assert!(body.is_empty(), "{}", h.name());
        assert_eq!(h.journal_fault(1).as_deref(), Some("cut at 0"));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn cut_of_a_range_counts_from_the_start_of_the_206_body() {
    let p = plan([FaultRule::every("/file.txt", Fault::Cut { at_byte: 10 })]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=500-999")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 500-999/100000")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("500"));
        r.cut_after(10);
        assert_eq!(r.body, text_bytes()[500..510]);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_cut_longer_than_the_body_or_on_head_does_nothing() {
    let p = plan([FaultRule::every(
        "/file.txt",
        Fault::Cut { at_byte: 100_000 },
    )]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.complete();
        assert_eq!(r.body, text_bytes());
        let r = c.send(Method::HEAD, "/file.txt", &[]).await;
        r.complete();
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("100000"));
        // The connection survived both: keep-alive, no fault journaled.
        let r = c.get("/file.txt", &[("range", "bytes=0-0")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(h.server.journal().faults(), vec![None, None, None]);
        let e = h.server.journal().wait_finished(0).await;
        assert!(e.body_complete);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn cut_of_a_chunked_body_never_sends_the_last_chunk() {
    let p = plan([FaultRule::every(
        "/stream.bin",
        Fault::Cut { at_byte: 70_000 },
    )]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/stream.bin", &[]).await;
        assert_eq!(r.header(header::TRANSFER_ENCODING), Some("chunked"));
        assert_eq!(r.header(header::CONTENT_LENGTH), None);
        assert_eq!(r.body.len(), 70_000, "{}", h.name());
        assert!(r.body == keystream(9, 0, 70_000));
        assert!(r.error.is_some(), "a missing last chunk is an error");

        let (_, wire) = h.raw("GET /stream.bin HTTP/1.1\r\nHost: x\r\n\r\n").await;
        // De-chunk by hand: every chunk is complete, and no terminating zero chunk follows.
        let mut rest = &wire[..];
        let mut body = Vec::new();
        while !rest.is_empty() {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
            assert_ne!(size, 0, "no terminating chunk after a cut");
            let data = &rest[line_end + 2..];
            body.extend_from_slice(&data[..size]);
            assert_eq!(&data[size..size + 2], b"\r\n");
            rest = &data[size + 2..];
        }
        assert_eq!(body.len(), 70_000, "{}", h.name());
        assert!(body == keystream(9, 0, 70_000));
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Reset
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn reset_delivers_exactly_n_bytes_then_connection_reset() {
    const AT: u64 = 1_000_003;
    let p = plan([FaultRule::every("/big.bin", Fault::Reset { at_byte: AT })]);
    on_both(p, |h| async move {
        // A hyper client: the head promises 3 MiB, exactly AT bytes arrive, then the body
        // fails with a reset, not with the incomplete message a FIN would give.
        let mut c = h.connect().await;
        let r = c.get("/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("3145728"));
        r.reset_after(AT as usize);
        assert!(
            r.body == keystream(BIG_SEED, 0, AT as usize),
            "{}",
            h.name()
        );

        // A raw reader: the same head and prefix, then a read error, never end of file.
        let (head, body, error) = h.raw_until_error(GET_BIG, false).await;
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(raw_header(&head, "content-length"), Some("3145728"));
        assert_eq!(body.len() as u64, AT, "{}", h.name());
        assert!(body == keystream(BIG_SEED, 0, AT as usize));
        assert_eq!(
            error,
            Some(std::io::ErrorKind::ConnectionReset),
            "{}",
            h.name()
        );

        for i in 0..2 {
            let e = h.server.journal().wait_finished(i).await;
            assert_eq!(
                (e.status, e.body_bytes_sent, e.body_complete),
                (200, AT, false)
            );
            assert_eq!(h.journal_fault(i).as_deref(), Some("reset at 1000003"));
        }
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn reset_under_back_pressure_waits_until_the_client_has_every_byte() {
    // The reader starts only after the server has filled the transport's buffers, so at
    // the reset point bytes are still queued on the server's side; a RST then would throw
    // them away (docs/http.md#determinism) unless the server waits for them to be acknowledged.
    const AT: u64 = 2_500_001;
    let p = plan([FaultRule::every("/big.bin", Fault::Reset { at_byte: AT })]);
    on_both(p, |h| async move {
        let (head, body, error) = h.raw_until_error(GET_BIG, true).await;
        assert_eq!(raw_header(&head, "content-length"), Some("3145728"));
        assert_eq!(body.len() as u64, AT, "{}", h.name());
        assert!(body == keystream(BIG_SEED, 0, AT as usize), "{}", h.name());
        assert_eq!(
            error,
            Some(std::io::ErrorKind::ConnectionReset),
            "{}",
            h.name()
        );
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn reset_at_zero_sends_only_the_head_and_the_earliest_break_wins() {
    let p = plan([
        FaultRule::nth("/file.txt", 1, Fault::Reset { at_byte: 0 }),
        // A cut after the reset's byte never happens...
        FaultRule::nth("/file.txt", 1, Fault::Cut { at_byte: 10 }),
        // ...and a reset after a cut's byte neither.
        FaultRule::nth("/file.txt", 2, Fault::Reset { at_byte: 50 }),
        FaultRule::nth("/file.txt", 2, Fault::Cut { at_byte: 20 }),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("100000"));
        r.reset_after(0);
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.cut_after(20);
        assert_eq!(r.body, text_bytes()[..20], "{}", h.name());
        // Both journal what applied, in plan order.
        assert_eq!(h.journal_fault(0).as_deref(), Some("reset at 0; cut at 10"));
        assert_eq!(
            h.journal_fault(1).as_deref(),
            Some("reset at 50; cut at 20")
        );
        // A reset past the end, on HEAD or on a 206 shorter than it does nothing.
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=0-9")]).await;
        r.complete();
        assert_eq!(r.body, text_bytes()[..10]);
        let r = c.send(Method::HEAD, "/file.txt", &[]).await;
        r.complete();
        assert_eq!(h.journal_fault(2), None);
        assert_eq!(h.journal_fault(3), None);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Stall
// ---------------------------------------------------------------------------------------

/// Like [`on_both`], with a virtual-time stall board: stalls last until released.
async fn on_both_virtual<F, Fut>(plan: FaultPlan, check: F)
where
    F: Fn(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    harness::on_both(
        || {
            FixtureServer::with_faults(fixtures(), plan.clone())
                .with_stall_board(StallBoard::virtual_time())
        },
        false,
        check,
    )
    .await;
}

/// Reads body frames until at least `n` bytes have arrived (or the body ends).
async fn read_at_least(body: &mut Incoming, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        match body.frame().await {
            Some(Ok(frame)) => got.extend_from_slice(&frame.into_data().unwrap_or_default()),
            Some(Err(e)) => panic!("body failed after {} bytes: {e:?}", got.len()),
            None => break,
        }
    }
    got
}

/// Reads the rest of a body: its bytes, and the error that ended it, if any.
async fn read_rest(body: &mut Incoming) -> (Vec<u8>, Option<hyper::Error>) {
    let mut got = Vec::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => got.extend_from_slice(&frame.into_data().unwrap_or_default()),
            Err(e) => return (got, Some(e)),
        }
    }
    (got, None)
}

/// Asserts no body frame is ready, after giving the server every chance to send one: it
/// runs on this thread, so yielding lets it write whatever it would.
async fn assert_nothing_more(body: &mut Incoming, what: &str) {
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
    let next = std::pin::pin!(body.frame());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        next.poll(&mut cx).is_pending(),
        "{what}: a frame arrived during the stall"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn stall_holds_after_n_bytes_until_released_then_sends_the_rest() {
    const AT: u64 = 1_000_003;
    let p = plan([FaultRule::every(
        "/big.bin",
        Fault::Stall {
            at_byte: AT,
            duration: Some(Duration::from_secs(90)),
        },
    )]);
    on_both_virtual(p, |h| async move {
        let (mut c, key) = h.connect_keyed().await;
        let watcher = h.server.stall_board().watch(key);
        let resp = c.response(Method::GET, "/big.bin", &[]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", h.name());
        assert_eq!(
            resp.headers().get(header::CONTENT_LENGTH).unwrap(),
            "3145728"
        );
        let mut body = resp.into_body();
        // Read while waiting: a client that stops reading would hold the server back before
        // it reaches the stall (the pipe's buffer is smaller than AT).
        let head = read_at_least(&mut body, AT as usize).await;
        assert_eq!(head.len() as u64, AT, "{}", h.name());
        assert!(head == keystream(BIG_SEED, 0, AT as usize));
        let stall = watcher.stalled().await;
        assert_eq!(
            stall,
            Stall {
                sent_body_bytes: AT,
                duration: Some(Duration::from_secs(90))
            },
            "{}",
            h.name()
        );
        assert_nothing_more(&mut body, h.name()).await;
        let entry = &h.server.journal().entries()[0];
        assert_eq!((entry.body_bytes_sent, entry.body_complete), (AT, false));
        assert_eq!(
            h.journal_fault(0).as_deref(),
            Some("stall at 1000003 for 1m30s")
        );

        watcher.release();
        let (rest, error) = read_rest(&mut body).await;
        assert!(error.is_none(), "{}: {error:?}", h.name());
        assert_eq!(rest.len() as u64, MIB3 - AT, "{}", h.name());
        assert!(rest == keystream(BIG_SEED, AT as usize, (MIB3 - AT) as usize));
        let e = h.server.journal().wait_finished(0).await;
        assert_eq!((e.body_bytes_sent, e.body_complete), (MIB3, true));

        // The connection is still good. A stall counts from the start of each body: this
        // 206 is AT bytes long, so the stall at AT is past its end and does nothing.
        let r = c.get("/file.txt", &[("range", "bytes=0-4")]).await;
        r.complete();
        assert_eq!(r.body, text_bytes()[..5]);
        let resp = c
            .response(Method::GET, "/big.bin", &[("range", "bytes=-1000003")])
            .await;
        assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
        let mut body = resp.into_body();
        let (all, error) = read_rest(&mut body).await;
        assert!(error.is_none() && all.len() == 1_000_003, "{}", h.name());
        assert_eq!(h.journal_fault(2), None);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_forever_stall_after_the_head_fails_once_its_watcher_is_dropped() {
    let p = plan([FaultRule::every(
        "/file.txt",
        Fault::Stall {
            at_byte: 0,
            duration: None,
        },
    )]);
    on_both_virtual(p, |h| async move {
        let (mut c, key) = h.connect_keyed().await;
        let watcher = h.server.stall_board().watch(key);
        let resp = c.response(Method::GET, "/file.txt", &[]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", h.name());
        let mut body = resp.into_body();
        assert_eq!(
            watcher.stalled().await,
            Stall {
                sent_body_bytes: 0,
                duration: None
            }
        );
        assert_nothing_more(&mut body, h.name()).await;
        assert_eq!(h.journal_fault(0).as_deref(), Some("stall at 0 forever"));
        // The client gives up: the server ends the response and closes the connection.
        drop(watcher);
        let (got, error) = read_rest(&mut body).await;
        assert!(got.is_empty(), "{}", h.name());
        let error = error.expect("the body fails");
        assert_eq!(
            harness::io_error_kind(&error),
            Some(std::io::ErrorKind::UnexpectedEof),
            "{}: {error:?}",
            h.name()
        );
        let e = h.server.journal().wait_finished(0).await;
        assert_eq!((e.body_bytes_sent, e.body_complete), (0, false));
    })
    .await;
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_real_time_stall_ends_by_itself_after_its_duration() {
    // Over memory only: with the clock paused, tokio moves it forward whenever the runtime
    // idles, which waiting on a real socket would do (docs/http.md#determinism).
    const AT: u64 = 70_000;
    let p = plan([FaultRule::every(
        "/file.txt",
        Fault::Stall {
            at_byte: AT,
            duration: Some(Duration::from_secs(90)),
        },
    )]);
    let server = FixtureServer::with_faults(fixtures(), p);
    assert!(server.stall_board().is_real_time(), "the default board");
    let mem = MemoryServer::new(server.clone());
    let (conn, key) = mem.connect_keyed();
    let watcher = server.stall_board().watch(key);
    let mut c = harness::Client::handshake(conn, false).await;
    let resp = c.response(Method::GET, "/file.txt", &[]).await;
    let mut body = resp.into_body();
    let head = read_at_least(&mut body, AT as usize).await;
    assert_eq!(head, text_bytes()[..AT as usize]);
    assert_eq!(watcher.stalled().await.sent_body_bytes, AT);
    tokio::time::advance(Duration::from_secs(89)).await;
    assert_nothing_more(&mut body, "after 89s").await;
    tokio::time::advance(Duration::from_secs(1)).await;
    let (rest, error) = read_rest(&mut body).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(rest, text_bytes()[AT as usize..]);
}

// ---------------------------------------------------------------------------------------
// Status, Unauthorized, Redirect
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn status_replaces_the_fixture_with_an_html_page() {
    const DATE: &str = "Fri, 02 Jan 2026 00:00:00 GMT";
    let p = plan([
        FaultRule::every(
            "/file.txt",
            Fault::Status {
                code: 503,
                retry_after: Some("120".into()),
            },
        ),
        FaultRule::every(
            "/big.bin",
            Fault::Status {
                code: 429,
                retry_after: Some(DATE.into()),
            },
        ),
        // No fixture at this path: the rule alone answers it.
        FaultRule::every(
            "/nowhere",
            Fault::Status {
                code: 500,
                retry_after: None,
            },
        ),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=0-9")]).await;
        r.complete();
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", h.name());
        assert_eq!(r.header(header::RETRY_AFTER), Some("120"));
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        let len = r.body.len().to_string();
        assert_eq!(r.header(header::CONTENT_LENGTH), Some(len.as_str()));
        let html = String::from_utf8(r.body.clone()).unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html>") && html.contains("503 Service Unavailable"),
            "{html}"
        );
        assert_eq!(r.header(header::ETAG), None);
        assert_eq!(r.header(header::CONTENT_RANGE), None);

        let r = c.get("/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.header(header::RETRY_AFTER), Some(DATE));
        assert!(String::from_utf8(r.body.clone())
            .unwrap()
            .contains("429 Too Many Requests"));

        let r = c.get("/nowhere", &[]).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.header(header::RETRY_AFTER), None);

        // A HEAD gets the same head and no body.
        let r = c.send(Method::HEAD, "/file.txt", &[]).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.body.is_empty());

        let faults = h.server.journal().faults();
        assert_eq!(
            faults,
            vec![
                Some("status 503 retry-after 120".to_owned()),
                Some(format!("status 429 retry-after {DATE}")),
                Some("status 500".to_owned()),
                Some("status 503 retry-after 120".to_owned()),
            ]
        );
        let statuses: Vec<u16> = h
            .server
            .journal()
            .entries()
            .iter()
            .map(|e| e.status)
            .collect();
        assert_eq!(statuses, [503, 429, 500, 503]);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn retry_after_in_date_form_comes_with_the_servers_fixed_date() {
    let p = plan([
        FaultRule::every(
            "/file.txt",
            Fault::Status {
                code: 503,
                retry_after: Some(RetryAfter::Date {
                    delay: Duration::from_secs(120),
                }),
            },
        ),
        // Sub-second delays round up: an HTTP-date has whole seconds.
        FaultRule::every(
            "/big.bin",
            Fault::Status {
                code: 429,
                retry_after: Some(RetryAfter::Date {
                    delay: Duration::from_millis(1500),
                }),
            },
        ),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.complete();
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", h.name());
        assert_eq!(
            r.header(header::DATE),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        assert_eq!(
            r.header(header::RETRY_AFTER),
            Some("Thu, 01 Jan 2026 00:02:00 GMT")
        );
        let r = c.get("/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            r.header(header::RETRY_AFTER),
            Some("Thu, 01 Jan 2026 00:00:02 GMT")
        );
        // On the wire: exactly one Date line, ours; hyper adds none of its own.
        let (head, _) = h
            .raw("GET /file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        let dates: Vec<&str> = head
            .split("\r\n")
            .filter(|l| l.to_ascii_lowercase().starts_with("date:"))
            .collect();
        assert_eq!(dates, ["date: Thu, 01 Jan 2026 00:00:00 GMT"], "{head}");
        assert_eq!(
            h.server.journal().faults(),
            vec![
                Some("status 503 retry-after Thu, 01 Jan 2026 00:02:00 GMT".to_owned()),
                Some("status 429 retry-after Thu, 01 Jan 2026 00:00:02 GMT".to_owned()),
                Some("status 503 retry-after Thu, 01 Jan 2026 00:02:00 GMT".to_owned()),
            ]
        );
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn unauthorized_challenges_with_basic() {
    let p = plan([FaultRule::every(
        "/file.txt",
        Fault::Unauthorized { credentials: None },
    )]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.complete();
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", h.name());
        assert_eq!(
            r.header(header::WWW_AUTHENTICATE),
            Some("Basic realm=\"bgsim\"")
        );
        assert_eq!(
            r.header(header::CONTENT_TYPE),
            Some("text/html; charset=utf-8")
        );
        let len = r.body.len().to_string();
        assert_eq!(r.header(header::CONTENT_LENGTH), Some(len.as_str()));
        assert!(String::from_utf8(r.body.clone())
            .unwrap()
            .contains("401 Unauthorized"));
        assert_eq!(h.journal_fault(0).as_deref(), Some("unauthorized"));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn unauthorized_with_credentials_lets_the_right_basic_authorization_through() {
    // "alice:open sesame" in base64 (RFC 7617's example credentials, other user).
    const GOOD: &str = "Basic YWxpY2U6b3BlbiBzZXNhbWU=";
    let p = plan([
        FaultRule::every(
            "/file.txt",
            Fault::Unauthorized {
                credentials: Some("alice:open sesame".into()),
            },
        ),
        FaultRule::every("/file.txt", Fault::WeakEtag),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        // Scheme names are case-insensitive.
        for auth in [GOOD, "basic YWxpY2U6b3BlbiBzZXNhbWU="] {
            let r = c
                .get(
                    "/file.txt",
                    &[("authorization", auth), ("range", "bytes=0-9")],
                )
                .await;
            r.complete();
            assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{} {auth}", h.name());
            assert_eq!(r.body, text_bytes()[..10]);
            assert_eq!(r.header(header::WWW_AUTHENTICATE), None);
        }
        let wrong = [
            None,
            // alice:wrong
            Some("Basic YWxpY2U6d3Jvbmc="),
            Some("Bearer YWxpY2U6b3BlbiBzZXNhbWU="),
            Some("Basic not-base64!"),
        ];
        for auth in wrong {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| ("authorization", a)).into_iter().collect();
            let r = c.get("/file.txt", &headers).await;
            r.complete();
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{} {auth:?}", h.name());
            assert_eq!(
                r.header(header::WWW_AUTHENTICATE),
                Some("Basic realm=\"bgsim\"")
            );
        }
        // The journal says which requests were let through; the other faults still apply.
        let faults = h.server.journal().faults();
        assert_eq!(
            faults[..3],
            [
                Some("authorized as alice; weak etag".to_owned()),
                Some("authorized as alice; weak etag".to_owned()),
                Some("unauthorized".to_owned()),
            ]
        );
        assert!(faults[3..]
            .iter()
            .all(|f| f.as_deref() == Some("unauthorized")));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn redirects_with_and_without_location() {
    let mut rules = Vec::new();
    for status in [301u16, 302, 303, 307, 308] {
        rules.push(FaultRule::every(
            format!("/r{status}"),
            Fault::Redirect {
                status,
                location: Some("/file.txt".into()),
            },
        ));
    }
    rules.push(FaultRule::every(
        "/absolute",
        Fault::Redirect {
            status: 302,
            location: Some("http://127.0.0.1:1/file.txt".into()),
        },
    ));
    rules.push(FaultRule::every(
        "/nowhere",
        Fault::Redirect {
            status: 302,
            location: None,
        },
    ));
    // A redirect over an existing fixture wins over the fixture.
    rules.push(FaultRule::every(
        "/big.bin",
        Fault::Redirect {
            status: 301,
            location: Some("/file.txt".into()),
        },
    ));
    on_both(plan(rules), |h| async move {
        let mut c = h.connect().await;
        for (i, status) in [301u16, 302, 303, 307, 308].into_iter().enumerate() {
            let r = c.get(&format!("/r{status}"), &[]).await;
            r.complete();
            assert_eq!(r.status.as_u16(), status, "{}", h.name());
            assert_eq!(r.header(header::LOCATION), Some("/file.txt"));
            assert_eq!(
                r.header(header::CONTENT_TYPE),
                Some("text/html; charset=utf-8")
            );
            let len = r.body.len().to_string();
            assert_eq!(r.header(header::CONTENT_LENGTH), Some(len.as_str()));
            assert!(!r.body.is_empty() && r.body.len() < 100, "a tiny body");
            assert_eq!(
                h.journal_fault(i as u64),
                Some(format!("redirect {status} to /file.txt"))
            );
        }
        let r = c.get("/absolute", &[]).await;
        assert_eq!(
            r.header(header::LOCATION),
            Some("http://127.0.0.1:1/file.txt")
        );
        let r = c.get("/nowhere", &[]).await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(r.header(header::LOCATION), None);
        assert_eq!(
            h.journal_fault(6).as_deref(),
            Some("redirect 302 without location")
        );
        let r = c.get("/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(r.header(header::ETAG), None);
        // A path with neither fixture nor rule is still a 404.
        let r = c.get("/r304", &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(h.journal_fault(8), None);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn every_redirect_status_from_a_scenario_file_is_sent_and_journaled() {
    const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];
    let mut text = String::from("name = \"redirects\"\napp = \"reference\"\n");
    for status in STATUSES {
        text.push_str(&format!(
            "[[fault]]\npath = \"/r{status}\"\nkind = \"redirect\"\nstatus = {status}\nlocation = \"/file.txt\"\n"
        ));
    }
    let known = bgsim::scenario::Known::new(&["reference"], &[]);
    let scenario = bgsim::scenario::parse(&text, std::path::Path::new("r.toml"), &known)
        .expect("every redirect status is accepted");
    on_both(scenario.faults, |h| async move {
        let mut c = h.connect().await;
        for (i, status) in STATUSES.into_iter().enumerate() {
            let r = c.get(&format!("/r{status}"), &[]).await;
            r.complete();
            assert_eq!(r.status.as_u16(), status, "{}", h.name());
            assert_eq!(r.header(header::LOCATION), Some("/file.txt"));
            let e = h.server.journal().wait_finished(i as u64).await;
            assert_eq!(
                (e.status, e.path.as_str()),
                (status, format!("/r{status}").as_str())
            );
            assert_eq!(
                h.journal_fault(i as u64),
                Some(format!("redirect {status} to /file.txt"))
            );
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Ranges: IgnoreRange, MisalignedRange, ShortRange
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn ignore_range_answers_a_satisfiable_range_with_a_full_200() {
    let p = plan([FaultRule::every("/file.txt", Fault::IgnoreRange)]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=10-19")]).await;
        r.complete();
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::ACCEPT_RANGES), Some("bytes"));
        assert_eq!(r.header(header::CONTENT_RANGE), None);
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("100000"));
        assert_eq!(r.body, text_bytes());
        // Validators are still sent, and preconditions still hold.
        let etag = h.etag("/file.txt");
        assert_eq!(r.header(header::ETAG), Some(etag.as_str()));
        let r = c.get("/file.txt", &[("if-none-match", &etag)]).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
        assert_eq!(h.journal_fault(0).as_deref(), Some("ignore range"));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn misaligned_range_starts_elsewhere_and_says_so() {
    let p = plan([
        FaultRule::nth("/file.txt", 1, Fault::MisalignedRange { shift: 5 }),
        FaultRule::nth("/file.txt", 2, Fault::MisalignedRange { shift: -7 }),
        FaultRule::nth("/file.txt", 3, Fault::MisalignedRange { shift: -1000 }),
        FaultRule::nth("/file.txt", 4, Fault::MisalignedRange { shift: 50 }),
        FaultRule::nth("/file.txt", 5, Fault::MisalignedRange { shift: 5 }),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let t = text_bytes();
        let cases: [(&str, &str, std::ops::Range<usize>); 3] = [
            ("bytes=1000-1999", "bytes 1005-2004/100000", 1005..2005),
            ("bytes=1000-1999", "bytes 993-1992/100000", 993..1993),
            // Clamped to the start.
            ("bytes=10-19", "bytes 0-9/100000", 0..10),
        ];
        for (i, (range, content_range, bytes)) in cases.into_iter().enumerate() {
            let r = c.get("/file.txt", &[("range", range)]).await;
            r.complete();
            assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
            assert_eq!(r.header(header::CONTENT_RANGE), Some(content_range));
            let len = bytes.len().to_string();
            assert_eq!(r.header(header::CONTENT_LENGTH), Some(len.as_str()));
            assert_eq!(r.body, t[bytes]);
            assert!(h
                .journal_fault(i as u64)
                .unwrap()
                .starts_with("misaligned range by "));
        }
        // Clamped to the end: the body shrinks with it, and Content-Length agrees.
        let r = c.get("/file.txt", &[("range", "bytes=99960-99999")]).await;
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 99999-99999/100000")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("1"));
        assert_eq!(r.body, t[99_999..]);
        assert_eq!(
            h.journal_fault(3).as_deref(),
            Some("misaligned range by 50")
        );
        // Not a 206: nothing to misalign, nothing journaled.
        let r = c.get("/file.txt", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, t);
        assert_eq!(h.journal_fault(4), None);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn short_range_claims_the_range_but_stops_early() {
    let p = plan([FaultRule::every(
        "/big.bin",
        Fault::ShortRange { missing: 100 },
    )]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/big.bin", &[("range", "bytes=1000-1999")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(
            r.header(header::CONTENT_RANGE),
            Some("bytes 1000-1999/3145728")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("1000"));
        r.cut_after(900);
        assert!(r.body == keystream(BIG_SEED, 1000, 900));

        let (head, body) = h
            .raw("GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-1999\r\n\r\n")
            .await;
        assert!(
            head.starts_with("HTTP/1.1 206 Partial Content\r\n"),
            "{head}"
        );
        assert_eq!(raw_header(&head, "content-length"), Some("1000"));
        assert_eq!(body.len(), 900, "{}", h.name());
        assert!(body == keystream(BIG_SEED, 1000, 900));
        assert_eq!(
            h.journal_fault(1).as_deref(),
            Some("short range missing 100")
        );
        let e = h.server.journal().wait_finished(1).await;
        assert_eq!((e.body_bytes_sent, e.body_complete), (900, false));

        // Without a Range there is no 206 to shorten.
        let mut c = h.connect().await;
        let r = c.send(Method::HEAD, "/big.bin", &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(h.journal_fault(2), None);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Validators: NewVersion, WeakEtag, NoValidators
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn new_version_changes_content_and_validators_for_this_and_later_requests() {
    let p = plan([
        FaultRule::nth("/big.bin", 2, Fault::NewVersion { seed: 77 }),
        FaultRule::nth("/file.txt", 2, Fault::NewVersion { seed: 0 }),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/big.bin", &[("range", "bytes=0-999")]).await;
        let old_etag = r.header(header::ETAG).unwrap().to_owned();
        let old_lm = r.header(header::LAST_MODIFIED).unwrap().to_owned();
        assert_eq!(old_lm, "Thu, 01 Jan 2026 00:00:00 GMT");
        assert!(r.body == keystream(BIG_SEED, 0, 1000));

        // The second request finds the file changed: its If-Range with the old ETag fails, so
        // the Range is ignored and the whole new representation comes back.
        let r = c
            .get(
                "/big.bin",
                &[("range", "bytes=1000-"), ("if-range", &old_etag)],
            )
            .await;
        r.complete();
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        let new_etag = r.header(header::ETAG).unwrap().to_owned();
        assert_ne!(new_etag, old_etag);
        assert!(new_etag.starts_with('"'), "still a strong tag");
        assert_eq!(new_etag, h.etag("/big.bin"));
        assert_eq!(
            r.header(header::LAST_MODIFIED),
            Some("Fri, 02 Jan 2026 00:00:00 GMT")
        );
        assert_eq!(r.header(header::CONTENT_LENGTH), Some("3145728"));
        assert!(r.body == keystream(77, 0, MIB3 as usize), "{}", h.name());
        assert_eq!(h.journal_fault(1).as_deref(), Some("new version 1"));

        // Later requests see the new version, and its ETag works for If-Range.
        let r = c
            .get(
                "/big.bin",
                &[("range", "bytes=1000-1009"), ("if-range", &new_etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert!(r.body == keystream(77, 1000, 10));
        let r = c
            .get(
                "/big.bin",
                &[
                    ("range", "bytes=0-9"),
                    ("if-range", &h.last_modified("/big.bin")),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(h.journal_fault(2), None);
        assert_eq!(
            h.server
                .with_fixtures(|s| s.get("/big.bin").unwrap().versions().len()),
            2
        );

        // A file fixture's new version is its bytes XOR 0x5A.
        let old = c.get("/file.txt", &[]).await;
        let new = c.get("/file.txt", &[]).await;
        let xored: Vec<u8> = text_bytes().iter().map(|b| b ^ 0x5A).collect();
        assert_eq!(old.body, text_bytes());
        assert_eq!(new.body, xored, "{}", h.name());
        assert_ne!(old.header(header::ETAG), new.header(header::ETAG));
        assert_eq!(h.journal_fault(5).as_deref(), Some("new version 1"));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn faults_combine_in_plan_order() {
    // The file changes, then its response is cut: the cut prefix is of the new bytes.
    let p = plan([
        FaultRule::nth("/file.txt", 1, Fault::NewVersion { seed: 1 }),
        FaultRule::nth("/file.txt", 1, Fault::Cut { at_byte: 10 }),
        FaultRule::every("/file.txt", Fault::WeakEtag),
        FaultRule::nth(
            "/file.txt",
            2,
            Fault::Status {
                code: 502,
                retry_after: None,
            },
        ),
        FaultRule::nth("/file.txt", 2, Fault::Unauthorized { credentials: None }),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.cut_after(10);
        let xored: Vec<u8> = text_bytes().iter().map(|b| b ^ 0x5A).collect();
        assert_eq!(r.body, xored[..10], "{}", h.name());
        assert!(r.header(header::ETAG).unwrap().starts_with("W/\""));
        assert_eq!(
            h.journal_fault(0).as_deref(),
            Some("new version 1; cut at 10; weak etag")
        );
        // Two replacing faults: the later one wins, and WeakEtag has no fixture to shape.
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(h.journal_fault(1).as_deref(), Some("unauthorized"));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn weak_etag_never_satisfies_if_range() {
    let p = plan([FaultRule::every("/file.txt", Fault::WeakEtag)]);
    on_both(p, |h| async move {
        let strong = h.etag("/file.txt");
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=0-9")]).await;
        // Ranges still work without If-Range.
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        let weak = r.header(header::ETAG).unwrap().to_owned();
        assert_eq!(weak, format!("W/{strong}"));
        assert_eq!(
            r.header(header::LAST_MODIFIED),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        for tag in [weak.as_str(), strong.as_str()] {
            let r = c
                .get("/file.txt", &[("range", "bytes=0-9"), ("if-range", tag)])
                .await;
            r.complete();
            assert_eq!(r.status, StatusCode::OK, "If-Range {tag} on {}", h.name());
            assert_eq!(r.body, text_bytes());
        }
        // A weak tag still satisfies If-None-Match (weak comparison).
        let r = c.get("/file.txt", &[("if-none-match", &weak)]).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
        assert_eq!(r.header(header::ETAG), Some(weak.as_str()));
        assert_eq!(h.journal_fault(1).as_deref(), Some("weak etag"));
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn no_validators_sends_neither_etag_nor_last_modified() {
    let p = plan([FaultRule::every("/file.txt", Fault::NoValidators)]);
    on_both(p, |h| async move {
        let etag = h.etag("/file.txt");
        let lm = h.last_modified("/file.txt");
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.complete();
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.header(header::ETAG), None);
        assert_eq!(r.header(header::LAST_MODIFIED), None);
        assert_eq!(r.header(header::ACCEPT_RANGES), Some("bytes"));
        assert_eq!(r.body, text_bytes());
        let r = c.get("/file.txt", &[("range", "bytes=5-9")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(r.header(header::ETAG), None);
        assert_eq!(r.body, text_bytes()[5..10]);
        for validator in [etag.as_str(), lm.as_str()] {
            let r = c
                .get(
                    "/file.txt",
                    &[("range", "bytes=5-9"), ("if-range", validator)],
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "If-Range {validator}");
            assert_eq!(r.body.len(), 100_000);
        }
        assert_eq!(h.journal_fault(0).as_deref(), Some("no validators"));
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// CloseDelimited
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn close_delimited_body_has_no_length_and_ends_with_fin() {
    let p = plan([
        FaultRule::every("/file.txt", Fault::CloseDelimited),
        FaultRule::every("/big.bin", Fault::CloseDelimited),
        FaultRule::every("/big.bin", Fault::Cut { at_byte: 123_457 }),
    ]);
    on_both(p, |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[]).await;
        r.complete();
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        assert_eq!(r.version, Version::HTTP_10);
        assert_eq!(r.header(header::CONTENT_LENGTH), None);
        assert_eq!(r.header(header::TRANSFER_ENCODING), None);
        assert_eq!(r.body, text_bytes());

        let (head, body) = h.raw("GET /file.txt HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.0 200 OK\r\n"), "{head}");
        assert_eq!(raw_header(&head, "content-length"), None);
        assert_eq!(raw_header(&head, "transfer-encoding"), None);
        assert_eq!(raw_header(&head, "connection"), Some("close"));
        assert_eq!(body, text_bytes(), "{}", h.name());
        assert_eq!(h.journal_fault(1).as_deref(), Some("close-delimited"));

        // Cut short, a close-delimited body looks complete: nobody can tell.
        let mut c = h.connect().await;
        let r = c.get("/big.bin", &[]).await;
        r.complete();
        assert_eq!(r.body.len(), 123_457, "{}", h.name());
        let (_, body) = h.raw(GET_BIG).await;
        assert_eq!(body.len(), 123_457, "{}", h.name());
        assert!(body == keystream(BIG_SEED, 0, 123_457));
        assert_eq!(
            h.journal_fault(3).as_deref(),
            Some("close-delimited; cut at 123457")
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Request numbering
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn request_numbers_count_per_path_across_connections() {
    let p = plan([
        FaultRule::nth(
            "/file.txt",
            2,
            Fault::Status {
                code: 503,
                retry_after: None,
            },
        ),
        FaultRule::nth("/big.bin", 2, Fault::Cut { at_byte: 5 }),
    ]);
    on_both(p, |h| async move {
        let mut a = h.connect().await;
        let r = a.get("/file.txt", &[]).await; // /file.txt #1
        assert_eq!(r.status, StatusCode::OK, "{}", h.name());
        let r = a.get("/big.bin", &[("range", "bytes=0-99")]).await; // /big.bin #1
        r.complete();
        let r = a.get("/missing", &[]).await; // other paths do not count for /file.txt
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(h.server.requests_to("/file.txt"), 1);

        let mut b = h.connect().await;
        let r = b.get("/file.txt", &[]).await; // /file.txt #2, on another connection
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", h.name());
        let r = a.get("/file.txt", &[]).await; // /file.txt #3, back on the first one
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, text_bytes());
        let r = b.get("/big.bin", &[("range", "bytes=0-99")]).await; // /big.bin #2
        r.cut_after(5);

        assert_eq!(
            h.server.journal().faults(),
            vec![
                None,
                None,
                None,
                Some("status 503".to_owned()),
                None,
                Some("cut at 5".to_owned()),
            ]
        );
        let conns: Vec<(u64, u64)> = h
            .server
            .journal()
            .entries()
            .iter()
            .map(|e| (e.connection_id, e.index_on_connection))
            .collect();
        assert_eq!(conns, [(0, 0), (0, 1), (0, 2), (1, 0), (0, 3), (1, 1)]);
        assert_eq!(h.server.requests_to("/file.txt"), 3);
        assert_eq!(h.server.requests_to("/big.bin"), 2);
        assert_eq!(h.server.faults().len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn an_empty_plan_serves_like_new() {
    on_both(FaultPlan::default(), |h| async move {
        let mut c = h.connect().await;
        let r = c.get("/file.txt", &[("range", "bytes=0-3")]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{}", h.name());
        assert_eq!(r.body, text_bytes()[..4]);
        assert_eq!(h.server.journal().faults(), vec![None]);
        assert_eq!(h.server.journal().entries_with_faults().len(), 1);
    })
    .await;
}
